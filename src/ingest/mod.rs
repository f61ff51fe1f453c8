//! Ingest: finds the inputs (files, directories recursed by extension,
//! stdin) and turns them into [`Document`]s, streaming JSONL line by line so
//! that an input of any size is never read whole. Markdown and HTML are
//! reduced to their visible text with a map back to the original
//! ([`crate::document::Origin`]).
//!
//! Bad input never panics and never vanishes: every input document becomes
//! an [`Item`] whose content is either the raw text or the error that
//! replaces it in the output.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::PathBuf;

use serde_json::Value;

use crate::document::{Document, Format};
use crate::error::{Error, InputErrorKind, Result};

pub mod html;
pub mod markdown;
mod shallow;

/// The path that stands for standard input.
pub const STDIN: &str = "-";

/// Largest document (a file, or one JSONL line) that is read by default; a
/// larger one becomes an error record instead of exhausting memory.
pub const MAX_DOCUMENT_BYTES: u64 = 64 << 20;

/// The UTF-8 byte order mark, stripped from the start of every input.
const BOM: &str = "\u{feff}";

/// `line` without a leading UTF-8 byte order mark; for the first line of
/// any text file newstag reads (inputs, gold and CoNLL files).
pub fn strip_bom(line: &str) -> &str {
    line.strip_prefix(BOM).unwrap_or(line)
}

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

fn input_error(
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

/// One place documents are read from.
#[derive(Debug)]
pub enum Source {
    /// A file, read as `format`; `size` in bytes (for progress).
    File {
        path: PathBuf,
        format: Format,
        size: u64,
    },
    /// Standard input, read as `format`.
    Stdin { format: Format },
    /// A path that cannot be read; it yields one error record.
    Broken { path: PathBuf, error: Error },
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

/// One input document as read: its id, where it came from, how many input
/// bytes it took, and its raw content with the format to read it as, or
/// the error that replaces it.
#[derive(Debug)]
pub struct Item {
    pub id: String,
    pub source: String,
    pub bytes: u64,
    pub content: Result<(Format, String)>,
}

impl Item {
    fn failed(id: String, source: String, bytes: u64, error: Error) -> Self {
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

fn too_large(name: &str, max: u64) -> Error {
    input_error(
        name,
        InputErrorKind::TooLarge,
        format!("document is larger than the limit of {max} bytes; split it"),
    )
}

/// Everything `reader` holds, or `None` if that is more than `max` bytes.
fn read_bounded(reader: impl Read, max: u64) -> io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    reader.take(max + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= max).then_some(bytes))
}

/// Raw input bytes as text: a leading BOM is stripped; NUL bytes (a binary
/// or UTF-16 file) and invalid UTF-8 are errors that say where they are.
/// Line ends are kept as given (CRLF stays), so offsets count the `\r`.
pub fn decode(name: &str, mut bytes: Vec<u8>) -> Result<String> {
    if bytes.starts_with(BOM.as_bytes()) {
        bytes.drain(..BOM.len());
    }
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err(input_error(
            name,
            InputErrorKind::Binary,
            format!(
                "NUL byte at line {}, byte {at}: a binary or UTF-16 file, not UTF-8 text",
                line_of(&bytes, at)
            ),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = line_of(e.as_bytes(), at);
        input_error(
            name,
            InputErrorKind::InvalidUtf8,
            format!("invalid UTF-8 at line {line}, byte {at}"),
        )
    })
}

/// 1-based line number of byte `at`.
fn line_of(bytes: &[u8], at: usize) -> usize {
    1 + bytes[..at].iter().filter(|&&b| b == b'\n').count()
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

/// Reads JSONL one line at a time; memory holds one line, never the file.
struct JsonLines {
    reader: Box<dyn BufRead>,
    name: String,
    id_field: String,
    text_field: String,
    max_bytes: u64,
    line: usize,
    buf: Vec<u8>,
    done: bool,
}

impl JsonLines {
    fn new(reader: Box<dyn BufRead>, name: String, opts: &IngestOptions) -> Self {
        Self {
            reader,
            name,
            id_field: opts.id_field.clone(),
            text_field: opts.text_field.clone(),
            max_bytes: opts.max_bytes,
            line: 0,
            buf: Vec::new(),
            done: false,
        }
    }

    /// The document on the line in `self.buf` (`bytes` long with its line end).
    fn parse(&mut self, bytes: u64) -> Item {
        let source = format!("{}:{}", self.name, self.line);
        let fail = |id: Option<String>, kind, message: String| {
            let id = id.unwrap_or_else(|| source.clone());
            Item::failed(
                id,
                source.clone(),
                bytes,
                input_error(source.clone(), kind, message),
            )
        };
        if let Some(at) = self.buf.iter().position(|&b| b == 0) {
            return fail(
                None,
                InputErrorKind::Binary,
                format!("NUL byte at column {}: binary data, not JSON", at + 1),
            );
        }
        let line = match std::str::from_utf8(&self.buf) {
            Ok(line) => line,
            Err(e) => {
                let column = e.valid_up_to() + 1;
                return fail(
                    None,
                    InputErrorKind::InvalidUtf8,
                    format!("invalid UTF-8 at column {column}"),
                );
            }
        };
        let mut record = match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(record)) => record,
            Ok(other) => {
                let found = json_type(&other);
                return fail(
                    None,
                    InputErrorKind::InvalidJson,
                    format!("expected a JSON object, found {found}"),
                );
            }
            // Valid JSON nested deeper than serde_json's limit: only the id
            // and text fields matter, so read the top level alone.
            Err(e) if e.to_string().starts_with("recursion limit exceeded") => {
                let wanted = [self.id_field.as_str(), self.text_field.as_str()];
                match shallow::object_fields(line, &wanted) {
                    Ok(fields) => fields,
                    Err(why) => {
                        let message = format!("not JSON (nested deeper than 128 levels): {why}");
                        return fail(None, InputErrorKind::InvalidJson, message);
                    }
                }
            }
            Err(e) => return fail(None, InputErrorKind::InvalidJson, format!("not JSON: {e}")),
        };
        let id = match record.get(&self.id_field) {
            None => source.clone(),
            Some(Value::String(id)) if !id.is_empty() => id.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(other) => {
                let message = format!(
                    "field `{}` must be a non-empty string or a number, found {}",
                    self.id_field,
                    json_type(other)
                );
                return fail(None, InputErrorKind::MissingField, message);
            }
        };
        match record.remove(&self.text_field) {
            Some(Value::String(text)) => Item {
                id,
                source,
                bytes,
                content: Ok((Format::Jsonl, text)),
            },
            None => fail(
                Some(id),
                InputErrorKind::MissingField,
                format!("field `{}` is missing", self.text_field),
            ),
            Some(other) => {
                let message = format!(
                    "field `{}` must be a string, found {}",
                    self.text_field,
                    json_type(&other)
                );
                fail(Some(id), InputErrorKind::MissingField, message)
            }
        }
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Iterator for JsonLines {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        while !self.done {
            self.buf.clear();
            let read = read_line_bounded(&mut self.reader, &mut self.buf, self.max_bytes as usize);
            let source = format!("{}:{}", self.name, self.line + 1);
            let (bytes, overlong) = match read {
                Ok((0, _)) => {
                    self.done = true;
                    return None;
                }
                Ok(read) => read,
                Err(e) => {
                    // The rest of the stream is unreachable; say so once.
                    self.done = true;
                    let error = input_error(
                        &source,
                        InputErrorKind::Unreadable,
                        format!("read error: {e}"),
                    );
                    return Some(Item::failed(source.clone(), source, 0, error));
                }
            };
            self.line += 1;
            if overlong {
                let error = too_large(&source, self.max_bytes);
                return Some(Item::failed(source.clone(), source, bytes as u64, error));
            }
            while matches!(self.buf.last(), Some(b'\n' | b'\r')) {
                self.buf.pop();
            }
            if self.line == 1 && self.buf.starts_with(BOM.as_bytes()) {
                self.buf.drain(..BOM.len());
            }
            if self.buf.iter().all(u8::is_ascii_whitespace) {
                continue; // blank lines separate nothing and are not documents
            }
            return Some(self.parse(bytes as u64));
        }
        None
    }
}

/// Reads one line (through `\n`) into `buf`, keeping at most `max` bytes of
/// it; returns the bytes consumed and whether the line was longer than `max`
/// (then the rest of it is consumed and dropped).
fn read_line_bounded(
    reader: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> io::Result<(usize, bool)> {
    let mut consumed = 0;
    let mut overlong = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok((consumed, overlong));
        }
        let (chunk, found) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (&available[..=i], true),
            None => (available, false),
        };
        if buf.len() + chunk.len() > max {
            overlong = true;
            buf.clear();
        } else if !overlong {
            buf.extend_from_slice(chunk);
        }
        let n = chunk.len();
        reader.consume(n);
        consumed += n;
        if found {
            return Ok((consumed, overlong));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(item: &Item) -> Option<InputErrorKind> {
        item.content.as_ref().err().map(Error::input_kind)
    }

    fn lines(input: &str) -> Vec<Item> {
        JsonLines::new(
            Box::new(io::Cursor::new(input.as_bytes().to_vec())),
            "in.jsonl".into(),
            &IngestOptions::default(),
        )
        .collect()
    }

    #[test]
    fn jsonl_lines_become_items_or_errors() {
        let items = lines(
            "\u{feff}{\"id\":\"a\",\"text\":\"Kim left.\"}\r\n\n{\"id\":7,\"text\":\"x\"}\nnot json\n[1]\n\
             {\"id\":\"b\"}\n{\"id\":\"c\",\"text\":3}\n{\"text\":\"no id\"}",
        );
        let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(
            ids,
            ["a", "7", "in.jsonl:4", "in.jsonl:5", "b", "c", "in.jsonl:8"]
        );
        assert_eq!(items[0].content.as_ref().unwrap().1, "Kim left.");
        assert_eq!(items[0].bytes, 3 + 31);
        let kinds: Vec<_> = items.iter().map(kind).collect();
        use InputErrorKind::*;
        assert_eq!(
            kinds,
            [
                None,
                None,
                Some(InvalidJson),
                Some(InvalidJson),
                Some(MissingField),
                Some(MissingField),
                None
            ]
        );
        let message = items[5].content.as_ref().unwrap_err().to_string();
        assert_eq!(
            message,
            "in.jsonl:7: field `text` must be a string, found a number"
        );
    }

    #[test]
    fn bounded_line_reader_drops_overlong_lines_whole() {
        let mut reader = io::Cursor::new(b"short\nmuch too long\nok".to_vec());
        let mut buf = Vec::new();
        assert_eq!(
            read_line_bounded(&mut reader, &mut buf, 8).unwrap(),
            (6, false)
        );
        assert_eq!(buf, b"short\n");
        buf.clear();
        assert_eq!(
            read_line_bounded(&mut reader, &mut buf, 8).unwrap(),
            (14, true)
        );
        buf.clear();
        assert_eq!(
            read_line_bounded(&mut reader, &mut buf, 8).unwrap(),
            (2, false)
        );
        assert_eq!(buf, b"ok");
    }

    #[test]
    fn decode_strips_bom_and_locates_bad_bytes() {
        assert_eq!(
            decode("f", b"\xef\xbb\xbfHi\r\n".to_vec()).unwrap(),
            "Hi\r\n"
        );
        let err = decode("f", b"a\nb\xff".to_vec()).unwrap_err();
        assert_eq!(err.input_kind(), InputErrorKind::InvalidUtf8);
        assert_eq!(err.to_string(), "f: invalid UTF-8 at line 2, byte 3");
        let err = decode("f", b"\x00P\x00K".to_vec()).unwrap_err();
        assert_eq!(err.input_kind(), InputErrorKind::Binary);
    }
}
