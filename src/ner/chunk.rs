//! Tags to entities: the one chunker for BIO, IOB1 and IOBES tag sequences
//! (the CoNLL reader, the embedded model's decoder and the transformer
//! engine's decoder use it). An entity
//! opens at a begin or single tag, or at an inside or end tag whose type
//! differs from the open entity's (IOB1, and lenient BIO); it closes at
//! `O`, at the next entity, or after an end or single tag.

use std::ops::Range;

/// Where a tag puts its token in an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// `O`: outside every entity.
    Outside,
    /// `B-`: the first token.
    Begin,
    /// `I-`: a later token (or the first, in IOB1).
    Inside,
    /// `E-`: the last token.
    End,
    /// `S-`: the only token.
    Single,
}

/// Entities being read from tags pushed one token at a time.
#[derive(Debug)]
pub struct Chunker<K> {
    open: Option<(usize, K)>,
    entities: Vec<(Range<usize>, K)>,
}

impl<K> Default for Chunker<K> {
    fn default() -> Self {
        Self {
            open: None,
            entities: Vec::new(),
        }
    }
}

impl<K: Copy + PartialEq> Chunker<K> {
    /// Takes the tag of token `i` (tokens pushed in order): its position and
    /// its entity type (ignored for [`Position::Outside`]).
    pub fn push(&mut self, i: usize, position: Position, kind: K) {
        let continues = matches!(position, Position::Inside | Position::End)
            && self.open.as_ref().is_some_and(|(_, open)| *open == kind);
        if !continues {
            self.close(i);
            if position != Position::Outside {
                self.open = Some((i, kind));
            }
        }
        if matches!(position, Position::End | Position::Single) {
            self.close(i + 1);
        }
    }

    /// Ends the open entity, if any, before token `end`.
    pub fn close(&mut self, end: usize) {
        if let Some((start, kind)) = self.open.take() {
            self.entities.push((start..end, kind));
        }
    }

    /// The entities, as token ranges, once the last token (`len - 1`) is in.
    pub fn finish(mut self, len: usize) -> Vec<(Range<usize>, K)> {
        self.close(len);
        self.entities
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Position::*;

    fn chunks(tags: &[(Position, char)]) -> Vec<(Range<usize>, char)> {
        let mut c = Chunker::default();
        for (i, &(p, k)) in tags.iter().enumerate() {
            c.push(i, p, k);
        }
        c.finish(tags.len())
    }

    #[test]
    fn bio_iob1_and_iobes() {
        let bio = [(Begin, 'P'), (Inside, 'P'), (Outside, ' '), (Begin, 'L')];
        assert_eq!(chunks(&bio), [(0..2, 'P'), (3..4, 'L')]);
        // IOB1: I- opens; B- splits two adjacent entities of one type.
        let iob1 = [(Inside, 'O'), (Inside, 'O'), (Begin, 'O'), (Inside, 'P')];
        assert_eq!(chunks(&iob1), [(0..2, 'O'), (2..3, 'O'), (3..4, 'P')]);
        let iobes = [(Single, 'P'), (Begin, 'L'), (End, 'L'), (Inside, 'L')];
        assert_eq!(chunks(&iobes), [(0..1, 'P'), (1..3, 'L'), (3..4, 'L')]);
    }
}
