//! Resuming an interrupted run (`--resume`): the records already in the
//! output, counted by id, so that exactly the input documents that have one
//! are skipped; the checks that the output was made from this input; and
//! the repair that readies the output for appending.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::hash::{Hash, Hasher};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::document::Format;
use crate::error::{Error, Result};
use crate::ingest::{self, IngestOptions, Item, Walker};

/// The ids already in an output file, counted, so that `--resume` skips
/// exactly the input documents that have a record (an id that occurs twice
/// in the input, the second time as a `duplicate_id` error record, is
/// skipped twice). Ids are kept as 64-bit hashes, with a hash of the
/// record's text where it has one, so that a document whose text differs
/// from its record is never taken as done: about 40 bytes per record.
#[derive(Debug, Default)]
pub struct Done {
    counts: HashMap<u64, u32>,
    /// Hash of the text of the first record with each id, where it has one.
    texts: HashMap<u64, u64>,
    total: u64,
    errors: u64,
    /// Bytes of whole records in the output read; `None` when there was none.
    whole: Option<u64>,
    /// Error records were left out, to be taken out of the output.
    retry_errors: bool,
}

/// Only what resuming needs of a record.
#[derive(Deserialize)]
struct RecordHead {
    id: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    error: Option<serde::de::IgnoredAny>,
}

impl Done {
    /// Nothing done yet: a fresh run.
    pub fn none() -> Self {
        Self::default()
    }

    /// Reads the records of an interrupted run's output, truncating a last
    /// record that was cut off mid-write. Records are parsed as a stream, so
    /// a huge record is never held in memory. A missing file is an empty
    /// output.
    pub fn from_output(path: &Path) -> Result<Self> {
        let done = Self::read_output(path, false)?;
        done.repair_output(path)?;
        Ok(done)
    }

    /// Reads the records of an interrupted run's output without changing
    /// it; [`Done::repair_output`] then readies it for appending, once the
    /// run is known to be valid. With `retry_errors`, error records do not
    /// count as done (their documents are tagged again).
    pub fn read_output(path: &Path, retry_errors: bool) -> Result<Self> {
        let file = match File::open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Self::none()),
            Err(e) => return Err(Error::io(path, e)),
        };
        let mut done = Self::none();
        let mut records =
            serde_json::Deserializer::from_reader(BufReader::new(&file)).into_iter::<RecordHead>();
        for record in records.by_ref() {
            match record {
                Ok(record) if record.error.is_some() && retry_errors => {}
                Ok(record) => done.add(&record),
                // Any prefix of a record ends in EOF: the cut-off last line.
                Err(e) if e.is_eof() => break,
                Err(e) => {
                    let message =
                        format!("not a newstag record ({e}); cannot resume into this file");
                    return Err(Error::record(path, e.line(), "id", message));
                }
            }
        }
        done.whole = Some(records.byte_offset() as u64);
        done.retry_errors = retry_errors;
        Ok(done)
    }

    /// Readies the output read by [`Done::read_output`] for appending: cuts
    /// off a last record that was cut mid-write, ends the last whole one
    /// with its line end, and with `retry_errors` takes the error records out.
    pub fn repair_output(&self, path: &Path) -> Result<()> {
        let Some(whole) = self.whole else {
            return Ok(()); // there was no output
        };
        let io_err = |e| Error::io(path, e);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(io_err)?;
        // Keep the whole records, and end the last one with its line end.
        if file.metadata().map_err(io_err)?.len() > whole {
            file.set_len(whole).map_err(io_err)?;
        }
        let mut last = [b'\n'];
        if whole > 0 {
            file.seek(SeekFrom::Start(whole - 1))
                .and_then(|_| file.read_exact(&mut last))
                .map_err(io_err)?;
        }
        if last != [b'\n'] {
            file.seek(SeekFrom::End(0))
                .and_then(|_| file.write_all(b"\n"))
                .map_err(io_err)?;
        }
        if self.retry_errors {
            drop_error_records(path)?;
        }
        Ok(())
    }

    fn add(&mut self, record: &RecordHead) {
        let hash = id_hash(&record.id);
        *self.counts.entry(hash).or_default() += 1;
        if let Some(text) = &record.text {
            self.texts.entry(hash).or_insert_with(|| id_hash(text));
        }
        self.total += 1;
        self.errors += u64::from(record.error.is_some());
    }

    /// Records counted.
    pub fn len(&self) -> u64 {
        self.total
    }

    /// Whether no record was counted (a fresh run, or an empty output).
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Error records among those counted.
    pub fn errors(&self) -> u64 {
        self.errors
    }

    /// Checks, before anything is appended, that every input document with
    /// a record already in the output still has that record's text: an
    /// output resumed against other input would otherwise keep stale
    /// records. Standard input cannot be read twice; its documents are
    /// checked as they are read (a mismatch becomes an error record).
    pub fn check_texts(&self, paths: &[PathBuf], opts: &IngestOptions) -> Result<()> {
        let mut unchecked: HashSet<u64> = self.texts.keys().copied().collect();
        let sources =
            Walker::new(paths, opts.format).filter(|s| !matches!(s, ingest::Source::Stdin { .. }));
        for source in sources {
            for item in ingest::items(source, opts) {
                if unchecked.is_empty() {
                    return Ok(());
                }
                let hash = id_hash(&item.id);
                if !unchecked.remove(&hash) {
                    continue;
                }
                if self.differs(hash, &item) {
                    return Err(Error::ResumeInputChanged {
                        source_name: item.source,
                        id: item.id,
                    });
                }
            }
        }
        Ok(())
    }

    /// Whether the output's record for `hash` has a text and `item`'s differs.
    pub(super) fn differs(&self, hash: u64, item: &Item) -> bool {
        let Some(&recorded) = self.texts.get(&hash) else {
            return false;
        };
        let Ok((format, raw)) = &item.content else {
            return false;
        };
        let text = match format {
            Format::Markdown | Format::Html => {
                match ingest::document(item.id.clone(), item.source.clone(), *format, raw.clone()) {
                    Ok(doc) => doc.text,
                    Err(_) => return true,
                }
            }
            Format::Text | Format::Jsonl => return id_hash(raw) != recorded,
        };
        id_hash(&text) != recorded
    }

    /// Whether a record for `id` is in the output and not yet matched to an
    /// input document; matches it if so.
    pub(super) fn take(&mut self, hash: u64) -> bool {
        match self.counts.get_mut(&hash) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    }
}

/// Rewrites the output at `path` without its error records (one record per
/// line, as newstag writes them), through a temporary file renamed over it.
fn drop_error_records(path: &Path) -> Result<()> {
    let io_err = |e| Error::io(path, e);
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(".newstag-tmp");
    let tmp_path = PathBuf::from(tmp_name);
    let mut reader = BufReader::new(File::open(path).map_err(io_err)?);
    let mut out = io::BufWriter::new(File::create(&tmp_path).map_err(|e| Error::io(&tmp_path, e))?);
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).map_err(io_err)? == 0 {
            break;
        }
        let is_error = serde_json::from_slice::<RecordHead>(&line).is_ok_and(|r| r.error.is_some());
        if !is_error {
            out.write_all(&line).map_err(|e| Error::io(&tmp_path, e))?;
        }
    }
    out.into_inner()
        .map_err(|e| Error::io(&tmp_path, e.into_error()))?
        .sync_all()
        .map_err(|e| Error::io(&tmp_path, e))?;
    std::fs::rename(&tmp_path, path).map_err(io_err)
}

pub(super) fn id_hash(id: &str) -> u64 {
    let mut h = DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}
