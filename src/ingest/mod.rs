//! Ingest: finds the inputs (files, directories recursed by extension,
//! stdin) and turns them into [`Document`]s, streaming JSONL line by line so
//! that an input of any size is never read whole. Markdown and HTML are
//! reduced to their visible text with a map back to the original
//! ([`crate::document::Origin`]).
//!
//! Bad input never panics and never vanishes: every input document becomes
//! an [`Item`] whose content is either the raw text or the error that
//! replaces it in the output.
//!
//! One file per step: `walk.rs` finds the inputs ([`Walker`], [`Source`]),
//! `decode.rs` turns bytes into text, `jsonl.rs` reads JSONL a line at a
//! time (with `shallow.rs` for objects nested deeper than serde_json
//! reads), and [`markdown`] and [`html`] reduce markup to visible text;
//! this file reads a source into [`Item`]s and an item into a [`Document`].

use std::fs::File;
use std::io::{self, BufReader};

use crate::document::{Document, Format};
use crate::error::{Error, InputErrorKind, Result};

mod decode;
pub mod html;
mod jsonl;
pub mod markdown;
mod shallow;
mod walk;

pub use decode::{decode, strip_bom};
pub use walk::{Source, Walker};

use decode::read_bounded;
use jsonl::JsonLines;

/// The path that stands for standard input.
pub const STDIN: &str = "-";

/// Largest document (a file, or one JSONL line) that is read by default; a
/// larger one becomes an error record instead of exhausting memory.
pub const MAX_DOCUMENT_BYTES: u64 = 64 << 20;

/// How inputs are read.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Force a format instead of choosing by extension.
    pub format: Option<Format>,
    /// JSONL field holding the document id.
    pub id_field: String,
    /// JSONL field holding the document text.
    pub text_field: String,
    /// Largest document read, in bytes; see [`MAX_DOCUMENT_BYTES`].
    pub max_bytes: u64,
}

impl Default for IngestOptions {
    fn default() -> Self {
        Self {
            format: None,
            id_field: "id".to_string(),
            text_field: "text".to_string(),
            max_bytes: MAX_DOCUMENT_BYTES,
        }
    }
}

/// Builds a document from the raw content of a text, Markdown or HTML input.
pub fn document(id: String, source: String, format: Format, raw: String) -> Result<Document> {
    let (text, origin) = match format {
        Format::Markdown => {
            let (text, origin) = markdown::to_visible(raw);
            (text, Some(origin))
        }
        Format::Html => {
            let (text, origin) = html::to_visible(raw);
            (text, Some(origin))
        }
        Format::Text | Format::Jsonl => (raw, None),
    };
    if text.trim().is_empty() {
        return Err(input_error(
            source,
            InputErrorKind::Empty,
            "document has no text",
        ));
    }
    Ok(Document {
        id,
        source,
        format,
        text,
        origin,
    })
}

pub(super) fn input_error(
    source: impl Into<String>,
    kind: InputErrorKind,
    message: impl Into<String>,
) -> Error {
    Error::Input {
        source_name: source.into(),
        kind,
        message: message.into(),
    }
}

/// One input document as read: its id, where it came from, how many input
/// bytes it took, and its raw content with the format to read it as, or
/// the error that replaces it.
#[derive(Debug)]
pub struct Item {
    /// The document id: the JSONL id field, else the path (with the line
    /// number for a JSONL line).
    pub id: String,
    /// Where it came from: the path, `path:line` for JSONL, `-` for stdin.
    pub source: String,
    /// Input bytes it took (the file, or the line with its line end), for
    /// progress.
    pub bytes: u64,
    /// The raw text and the format to read it as, or why there is none.
    pub content: Result<(Format, String)>,
}

impl Item {
    pub(super) fn failed(id: String, source: String, bytes: u64, error: Error) -> Self {
        Self {
            id,
            source,
            bytes,
            content: Err(error),
        }
    }

    /// Bytes of content the item holds in memory.
    pub fn held(&self) -> u64 {
        self.content.as_ref().map_or(0, |(_, raw)| raw.len() as u64)
    }

    /// The document, with Markdown and HTML reduced to their visible text.
    pub fn into_document(self) -> Result<Document> {
        let (format, raw) = self.content?;
        document(self.id, self.source, format, raw)
    }
}

/// The documents of one source, in order: one for a text, Markdown or HTML
/// input, one per non-blank line for JSONL.
pub fn items(source: Source, opts: &IngestOptions) -> Items {
    let one = |item| Items(ItemsInner::One(Some(item)));
    match source {
        Source::Broken { path, error } => {
            let name = path_name(&path);
            one(Item::failed(name.clone(), name, 0, error))
        }
        Source::File {
            path,
            format: Format::Jsonl,
            ..
        } => match File::open(&path) {
            Ok(file) => Items(ItemsInner::Lines(JsonLines::new(
                Box::new(BufReader::with_capacity(1 << 16, file)),
                path_name(&path),
                opts,
            ))),
            Err(e) => {
                let name = path_name(&path);
                one(Item::failed(name.clone(), name, 0, Error::io(&path, e)))
            }
        },
        Source::File { path, format, size } => {
            let name = path_name(&path);
            if size > opts.max_bytes {
                return one(Item::failed(
                    name.clone(),
                    name.clone(),
                    size,
                    too_large(&name, opts.max_bytes),
                ));
            }
            let content = File::open(&path)
                .and_then(|file| read_bounded(file, opts.max_bytes))
                .map_err(|e| Error::io(&path, e))
                .and_then(|bytes| bytes.ok_or_else(|| too_large(&name, opts.max_bytes)))
                .and_then(|bytes| decode(&name, bytes))
                .map(|text| (format, text));
            one(Item {
                id: name.clone(),
                source: name,
                bytes: size,
                content,
            })
        }
        Source::Stdin {
            format: Format::Jsonl,
        } => Items(ItemsInner::Lines(JsonLines::new(
            Box::new(io::stdin().lock()),
            STDIN.to_string(),
            opts,
        ))),
        Source::Stdin { format } => {
            let name = STDIN.to_string();
            let (bytes, content) = match read_bounded(io::stdin().lock(), opts.max_bytes) {
                Ok(Some(bytes)) => (
                    bytes.len() as u64,
                    decode(&name, bytes).map(|text| (format, text)),
                ),
                Ok(None) => (0, Err(too_large(&name, opts.max_bytes))),
                Err(e) => (0, Err(Error::io(STDIN, e))),
            };
            one(Item {
                id: name.clone(),
                source: name,
                bytes,
                content,
            })
        }
    }
}

/// A path as the id and source of its documents: the path as given, with
/// every byte that is not UTF-8 written as `\xHH`, so that names differing
/// only in such a byte stay apart (a lossy `\u{FFFD}` would merge them).
pub fn path_name(path: &std::path::Path) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let mut name = String::new();
        for chunk in path.as_os_str().as_bytes().utf8_chunks() {
            name.push_str(chunk.valid());
            for byte in chunk.invalid() {
                name.push_str(&format!("\\x{byte:02X}"));
            }
        }
        name
    }
    #[cfg(not(unix))]
    {
        path.display().to_string()
    }
}

pub(super) fn too_large(name: &str, max: u64) -> Error {
    input_error(
        name,
        InputErrorKind::TooLarge,
        format!("document is larger than the limit of {max} bytes; split it"),
    )
}

/// The documents of one source; see [`items`].
pub struct Items(ItemsInner);

enum ItemsInner {
    One(Option<Item>),
    Lines(JsonLines),
}

impl Iterator for Items {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        match &mut self.0 {
            ItemsInner::One(item) => item.take(),
            ItemsInner::Lines(lines) => lines.next(),
        }
    }
}
