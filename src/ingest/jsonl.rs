//! JSONL input, one document per non-blank line, read one line at a time:
//! memory holds one line, never the file. A bad line becomes an error item
//! that names the line; the lines after it are still read.

use std::io::{self, BufRead};

use serde_json::Value;

use crate::document::Format;
use crate::error::InputErrorKind;

use super::decode::BOM;
use super::{input_error, shallow, too_large, IngestOptions, Item};

/// Reads JSONL one line at a time; memory holds one line, never the file.
pub(super) struct JsonLines {
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
    pub(super) fn new(reader: Box<dyn BufRead>, name: String, opts: &IngestOptions) -> Self {
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
    use crate::error::Error;

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
}
