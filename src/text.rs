//! Spans and offsets. Internally every span is a byte range into a document's
//! text; records and gold files count Unicode code points. The conversion
//! between the two happens here and nowhere else.

use serde::{Deserialize, Serialize};

/// A half-open byte range `[start, end)` into a text.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Span {
    /// Start byte offset.
    pub start: usize,
    /// End byte offset (exclusive).
    pub end: usize,
}

impl Span {
    /// The span `start..end`.
    pub fn new(start: usize, end: usize) -> Self {
        debug_assert!(start <= end, "span {start}..{end}");
        Self { start, end }
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// Whether the span is empty.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The text the span covers.
    pub fn slice<'t>(&self, text: &'t str) -> &'t str {
        &text[self.start..self.end]
    }

    /// Length of the part both spans cover.
    pub fn overlap(&self, other: &Span) -> usize {
        self.end
            .min(other.end)
            .saturating_sub(self.start.max(other.start))
    }

    /// Whether `other` lies within this span.
    pub fn contains(&self, other: &Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    /// The span moved `by` bytes on: from a slice's offsets to the text's.
    pub fn shifted(&self, by: usize) -> Self {
        Self {
            start: self.start + by,
            end: self.end + by,
        }
    }
}

/// Block size of the checkpoints in [`CharOffsets`].
const BLOCK: usize = 256;

/// Converts byte offsets of one text into code point offsets and back.
///
/// ASCII texts need no table. Otherwise one checkpoint per 256 bytes holds
/// the number of code points before it, so memory stays at a small fraction
/// of the text whatever its size.
#[derive(Debug, Clone)]
pub struct CharOffsets<'t> {
    text: &'t str,
    checkpoints: Option<Vec<usize>>,
}

impl<'t> CharOffsets<'t> {
    /// Offsets into `text`.
    pub fn new(text: &'t str) -> Self {
        let checkpoints = (!text.is_ascii()).then(|| {
            let bytes = text.as_bytes();
            let mut counts = Vec::with_capacity(bytes.len() / BLOCK + 1);
            let mut chars = 0;
            for block in bytes.chunks(BLOCK) {
                counts.push(chars);
                chars += count_char_starts(block);
            }
            counts.push(chars);
            counts
        });
        Self { text, checkpoints }
    }

    /// Code point offset of byte offset `byte` (which must be a char boundary).
    pub fn to_char(&self, byte: usize) -> usize {
        match &self.checkpoints {
            None => byte,
            Some(counts) => {
                let block = byte / BLOCK;
                let from = block * BLOCK;
                counts[block] + count_char_starts(&self.text.as_bytes()[from..byte])
            }
        }
    }

    /// Byte offset of code point offset `ch`, or `None` past the end.
    pub fn to_byte(&self, ch: usize) -> Option<usize> {
        let Some(counts) = &self.checkpoints else {
            return (ch <= self.text.len()).then_some(ch);
        };
        // The last block whose checkpoint is not past `ch`.
        let block = counts.partition_point(|&c| c <= ch).saturating_sub(1);
        let mut seen = counts[block];
        let bytes = self.text.as_bytes();
        for (i, &b) in bytes.iter().enumerate().skip(block * BLOCK) {
            if is_char_start(b) {
                if seen == ch {
                    return Some(i);
                }
                seen += 1;
            }
        }
        (seen == ch).then_some(self.text.len())
    }

    /// A byte span as code point offsets.
    pub fn span_to_chars(&self, span: Span) -> (usize, usize) {
        (self.to_char(span.start), self.to_char(span.end))
    }
}

fn count_char_starts(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| is_char_start(b)).count()
}

#[inline]
fn is_char_start(b: u8) -> bool {
    (b as i8) >= -0x40
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_offsets_are_identity() {
        let text = "Kim met Putin.";
        let offsets = CharOffsets::new(text);
        assert_eq!(offsets.to_char(8), 8);
        assert_eq!(offsets.to_byte(14), Some(14));
        assert_eq!(offsets.to_byte(15), None);
    }

    #[test]
    fn multibyte_offsets_round_trip() {
        let text = "Ukraine’s Zelensky – «Kyiv» 😀 ends".repeat(40);
        let offsets = CharOffsets::new(&text);
        for (ch, (byte, _)) in text.char_indices().enumerate() {
            assert_eq!(offsets.to_char(byte), ch);
            assert_eq!(offsets.to_byte(ch), Some(byte));
        }
        let n = text.chars().count();
        assert_eq!(offsets.to_char(text.len()), n);
        assert_eq!(offsets.to_byte(n), Some(text.len()));
        assert_eq!(offsets.to_byte(n + 1), None);
    }
}
