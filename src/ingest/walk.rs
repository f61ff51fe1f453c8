//! Finding the inputs: the paths given on the command line, directories
//! recursed lazily in sorted order and filtered by extension, and standard
//! input, each as a [`Source`] to read documents from.

use std::collections::VecDeque;
use std::io;
use std::path::PathBuf;

use crate::document::Format;
use crate::error::{Error, InputErrorKind};

use super::{input_error, IngestOptions, STDIN};

/// One place documents are read from.
#[derive(Debug)]
pub enum Source {
    /// A file.
    File {
        /// Its path, as walked.
        path: PathBuf,
        /// The format it is read as (forced, or by extension).
        format: Format,
        /// Its size in bytes (for progress, and to refuse a file too large
        /// before reading it).
        size: u64,
    },
    /// Standard input.
    Stdin {
        /// The format it is read as (forced, else plain text).
        format: Format,
    },
    /// A path that cannot be read; it yields one error record.
    Broken {
        /// The path.
        path: PathBuf,
        /// Why it cannot be read.
        error: Error,
    },
}

impl Source {
    /// For a file of one document (any format but JSONL): the bytes its
    /// document will hold once read, 0 when it is too large to be read at
    /// all. `None` for JSONL and stdin, whose documents are known only once
    /// read. Lets a caller make room for a document before reading it.
    pub fn document_bytes(&self, opts: &IngestOptions) -> Option<u64> {
        match self {
            Self::File { format, size, .. } if *format != Format::Jsonl => {
                Some(if *size > opts.max_bytes { 0 } else { *size })
            }
            _ => None,
        }
    }

    /// Size in bytes when known in advance (files), for progress and ETA.
    pub fn size(&self) -> Option<u64> {
        match self {
            Self::File { size, .. } => Some(*size),
            Self::Stdin { .. } => None,
            Self::Broken { .. } => Some(0),
        }
    }
}

/// Walks the paths given on the command line and yields every input
/// [`Source`], lazily, so that a directory of a million files is never
/// listed whole. Directories are recursed in sorted order and only files
/// with a known extension (`.txt .md .markdown .html .htm .jsonl .ndjson`)
/// are taken from them; a path given explicitly is read whatever its name.
/// Symbolic links are followed; a link back to a directory being walked (a
/// cycle) is not followed and is reported in [`Walker::notes`].
#[derive(Debug)]
pub struct Walker {
    roots: VecDeque<PathBuf>,
    /// Directories being walked, outermost first, with their canonical path
    /// (for cycle detection) and the entries still to visit.
    stack: Vec<(PathBuf, std::vec::IntoIter<PathBuf>)>,
    format: Option<Format>,
    skipped: usize,
    notes: Vec<String>,
}

impl Walker {
    /// A walker over `paths`; `format` forces the format of every input.
    pub fn new(paths: &[PathBuf], format: Option<Format>) -> Self {
        Self {
            roots: paths.iter().cloned().collect(),
            stack: Vec::new(),
            format,
            skipped: 0,
            notes: Vec::new(),
        }
    }

    /// Files in walked directories that were left out for their extension.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// What the walk noticed and did not follow (symbolic link cycles).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    fn visit(&mut self, path: PathBuf, explicit: bool) -> Option<Source> {
        let by_extension = path
            .extension()
            .and_then(|e| e.to_str())
            .and_then(Format::from_extension);
        let meta = match std::fs::metadata(&path) {
            Ok(meta) => meta,
            // A dangling link or a link loop: an error record if the path
            // was asked for or looks like an input, else not an input at all.
            Err(e) if explicit || by_extension.is_some() => {
                return Some(Source::Broken {
                    error: Error::io(&path, e),
                    path,
                })
            }
            Err(_) => {
                self.skipped += 1;
                return None;
            }
        };
        if meta.is_dir() {
            return self.enter(path);
        }
        if !explicit && by_extension.is_none() {
            self.skipped += 1;
            return None;
        }
        let format = self.format.or(by_extension).unwrap_or(Format::Text);
        if !explicit && !meta.is_file() {
            // A fifo or device in a directory would block or never end.
            let error = input_error(
                path.display().to_string(),
                InputErrorKind::Unreadable,
                "not a regular file (fifo, socket or device); name it explicitly to read it",
            );
            return Some(Source::Broken { path, error });
        }
        Some(Source::File {
            path,
            format,
            size: meta.len(),
        })
    }

    /// Starts walking directory `path`, unless that would close a cycle.
    fn enter(&mut self, path: PathBuf) -> Option<Source> {
        let canonical = match std::fs::canonicalize(&path) {
            Ok(c) => c,
            Err(e) => {
                return Some(Source::Broken {
                    error: Error::io(&path, e),
                    path,
                })
            }
        };
        if let Some((ancestor, _)) = self.stack.iter().find(|(dir, _)| *dir == canonical) {
            self.notes.push(format!(
                "{}: symbolic link cycle back to {}; not followed",
                path.display(),
                ancestor.display()
            ));
            return None;
        }
        let entries = match std::fs::read_dir(&path).and_then(|dir| {
            dir.map(|e| e.map(|e| e.path()))
                .collect::<io::Result<Vec<_>>>()
        }) {
            Ok(mut entries) => {
                entries.sort();
                entries
            }
            Err(e) => {
                return Some(Source::Broken {
                    error: Error::io(&path, e),
                    path,
                })
            }
        };
        self.stack.push((canonical, entries.into_iter()));
        None
    }
}

impl Iterator for Walker {
    type Item = Source;

    fn next(&mut self) -> Option<Source> {
        loop {
            if let Some((_, entries)) = self.stack.last_mut() {
                match entries.next() {
                    Some(path) => {
                        if let Some(source) = self.visit(path, false) {
                            return Some(source);
                        }
                    }
                    None => {
                        self.stack.pop();
                    }
                }
                continue;
            }
            let root = self.roots.pop_front()?;
            if root.as_os_str() == STDIN {
                return Some(Source::Stdin {
                    format: self.format.unwrap_or(Format::Text),
                });
            }
            if let Some(source) = self.visit(root, true) {
                return Some(source);
            }
        }
    }
}
