//! Raw input bytes as text: the byte order mark stripped, NUL bytes and
//! invalid UTF-8 reported with where they are, and reading bounded so that
//! an oversized input is refused instead of exhausting memory.

use std::io::{self, Read};

use crate::error::{InputErrorKind, Result};

use super::input_error;

/// The UTF-8 byte order mark, stripped from the start of every input.
pub(super) const BOM: &str = "\u{feff}";

/// `line` without a leading UTF-8 byte order mark; for the first line of
/// any text file newstag reads (inputs, gold and CoNLL files).
pub fn strip_bom(line: &str) -> &str {
    line.strip_prefix(BOM).unwrap_or(line)
}

/// Everything `reader` holds, or `None` if that is more than `max` bytes.
pub(super) fn read_bounded(reader: impl Read, max: u64) -> io::Result<Option<Vec<u8>>> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
