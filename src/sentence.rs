//! Sentence splitting for news text. The splitter works on the token stream,
//! so abbreviations and numbers that the tokenizer kept whole ("U.S.",
//! "12,000", "3.5") never end a sentence, and it looks at each token
//! boundary once, so it runs in linear time.

use std::ops::Range;

use crate::text::Span;
use crate::tokenize::Token;

/// A sentence: its byte span and the range of its tokens in the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    /// Byte span in the document text.
    pub span: Span,
    /// Its tokens, as indices into the document's tokens.
    pub tokens: Range<usize>,
}

/// Groups a document's tokens into sentences.
pub trait SentenceSplitter: Send + Sync {
    /// Splits `text`, already tokenised into `tokens`, into sentences that
    /// cover every token once, in order.
    fn split(&self, text: &str, tokens: &[Token]) -> Vec<Sentence>;
}

/// The longest sentence, in tokens. A long run without punctuation (a
/// table or a list of names dumped as text) is cut here, at a token
/// boundary, so that a later stage that is quadratic in sentence length
/// stays fast. It is far above real sentences, so that a run of a few
/// thousand words still counts as the one sentence it is; the transformer
/// engine windows long sentences itself.
pub const MAX_SENTENCE_TOKENS: usize = 8192;

/// A line at least this long (in bytes) that is followed by a line starting
/// in lowercase is taken as hard-wrapped prose, not as a headline or a list
/// item, and the sentence goes on across the line break.
const WRAPPED_LINE: usize = 40;

/// Abbreviations that stand before a name or a number ("Mr. Kim",
/// "Gen. Gerasimov", "No. 5") and so never end a sentence. Others that the
/// tokenizer keeps whole ("U.S.", "Dec.", "Inc.", initials) end one when a
/// [`STARTERS`] word follows.
#[rustfmt::skip]
const PREFIXES: &[&str] = &[
    "Adm.", "Brig.", "Capt.", "Cmdr.", "Col.", "Dr.", "Fig.", "Fr.", "Gen.", "Gov.", "Lt.", "Maj.", "Messrs.",
    "Mr.", "Mrs.", "Ms.", "Mt.", "No.", "Prof.", "Rep.", "Rev.", "Sen.", "Sgt.", "St.", "Supt.", "cf.",
    "e.g.", "i.e.", "vs.",
];

/// Words that begin news sentences far more often than they follow an
/// abbreviation inside one: after "U.S." or "Inc." they mark a new sentence
/// ("... in the U.S. The troops ...").
#[rustfmt::skip]
const STARTERS: &[&str] = &[
    "A", "According", "After", "Also", "Although", "An", "And", "As", "At", "Before", "But", "By", "During",
    "Each", "Every", "For", "From", "He", "Her", "His", "How", "However", "I", "If", "In", "It", "Its",
    "Many", "Meanwhile", "Moreover", "Most", "My", "No", "Now", "On", "One", "Our", "She", "Since", "So",
    "Some", "Still", "That", "The", "Their", "Then", "There", "These", "They", "This", "Those", "Though",
    "To", "We", "What", "When", "Where", "While", "Who", "Why", "With", "Yet", "You",
];

/// Rule-based splitter for news: full stops, question and exclamation marks,
/// closing quotes and brackets after them, abbreviations, blank lines and
/// line-based headlines and list items.
#[derive(Debug, Default, Clone)]
pub struct NewsSplitter;

impl SentenceSplitter for NewsSplitter {
    fn split(&self, text: &str, tokens: &[Token]) -> Vec<Sentence> {
        let mut sentences = Vec::with_capacity(tokens.len() / 20 + 1);
        let mut first = 0;
        let mut line_start = 0;
        // Whether a straight double quote is open: it tells a closing `"`
        // from an opening one when spaces stand on both sides of it.
        let mut quote_open = false;
        for i in 0..tokens.len() {
            if tokens[i].slice(text) == "\"" {
                quote_open = !quote_open;
            }
            let last = i + 1 == tokens.len();
            let at = Boundary {
                text,
                tokens,
                i,
                line_start,
                quote_open,
            };
            if last || i + 1 - first >= MAX_SENTENCE_TOKENS || at.ends_sentence() {
                sentences.push(Sentence {
                    span: Span::new(tokens[first].start, tokens[i].end),
                    tokens: first..i + 1,
                });
                first = i + 1;
            }
            if !last {
                let gap = &text.as_bytes()[tokens[i].end..tokens[i + 1].start];
                if gap.contains(&b'\n') {
                    line_start = tokens[i + 1].start;
                    // Unbalanced quotes do not leak past a paragraph.
                    quote_open &= gap.iter().filter(|&&c| c == b'\n').count() < 2;
                }
            }
        }
        sentences
    }
}

/// The place between token `i` and the next one, with what the splitter
/// knows there.
struct Boundary<'a> {
    text: &'a str,
    tokens: &'a [Token],
    i: usize,
    /// Where the line holding token `i` starts.
    line_start: usize,
    /// Whether a straight double quote is open after token `i`.
    quote_open: bool,
}

impl Boundary<'_> {
    /// Whether a sentence ends after token `i` (which is not the last token).
    fn ends_sentence(&self) -> bool {
        let (text, tokens, i) = (self.text, self.tokens, self.i);
        let gap = &text.as_bytes()[tokens[i].end..tokens[i + 1].start];
        let newlines = gap.iter().filter(|&&c| c == b'\n').count();
        if newlines >= 2 {
            return true; // a blank line ends a paragraph
        }
        let tok = tokens[i].slice(text);
        if newlines == 0
            && tok.as_bytes().last().is_some_and(u8::is_ascii_alphanumeric)
            && !gap.is_empty()
        {
            return false; // the common case: a word, a space, a word
        }
        let next = tokens[i + 1].slice(text);
        let next_first = next.chars().next().unwrap_or(' ');
        let terminal = self.ends_with_terminal();
        if newlines == 1 {
            // Headlines and list items are lines of their own; a long line
            // that goes on in lowercase is wrapped prose.
            let wrapped =
                next_first.is_lowercase() && tokens[i].end - self.line_start >= WRAPPED_LINE;
            return terminal || !wrapped;
        }
        let next_closes = self.closes(i + 1, self.quote_open);
        if gap.is_empty() && (next_closes || is_terminal(next)) {
            return false; // the closing group goes on: `no."`, `?!`, `.)`
        }
        if terminal {
            if next_first.is_lowercase()
                || next_closes
                || matches!(next_first, ',' | ';' | ':' | '.' | '…')
            {
                return false; // "…" mid-sentence, `"Why?", he asked`
            }
            if gap.is_empty() && !next_first.is_uppercase() {
                return false;
            }
            return !self.is_list_number();
        }
        // An abbreviation that kept its full stop ends the sentence only
        // before a typical sentence opening.
        tok.len() > 1
            && tok.ends_with('.')
            && !gap.is_empty()
            && PREFIXES.binary_search(&tok).is_err()
            && STARTERS.binary_search(&next).is_ok()
    }

    /// Whether token `k` closes a quotation or bracket; `quote_open` says
    /// whether a straight double quote is open before it.
    fn closes(&self, k: usize, quote_open: bool) -> bool {
        let tok = self.tokens[k].slice(self.text);
        if !matches!(tok, "\"" | "'") {
            return is_closing(tok);
        }
        let after_word = k > 0 && self.tokens[k - 1].end == self.tokens[k].start;
        let before_word = self
            .tokens
            .get(k + 1)
            .is_some_and(|t| t.start == self.tokens[k].end);
        match (after_word, before_word) {
            (true, false) => true,
            (false, true) => false,
            _ => tok == "\"" && quote_open,
        }
    }

    /// Whether token `i` ends a group of sentence-final punctuation: a
    /// terminal mark, possibly followed by closing quotes and brackets
    /// (`no."`, `below.)`, `?!`, and in CoNLL-style text `yield . "`).
    fn ends_with_terminal(&self) -> bool {
        let (text, tokens) = (self.text, self.tokens);
        let mut j = self.i;
        // The quote state before token `i`.
        let mut quote_open = self.quote_open != (tokens[j].slice(text) == "\"");
        // Groups are short; the bound keeps a long run of quotes linear.
        for _ in 0..8 {
            let tok = tokens[j].slice(text);
            if is_terminal(tok) {
                return true;
            }
            // Only the last closer may stand apart from what it closes.
            let attached = j > 0 && tokens[j - 1].end == tokens[j].start;
            if j == 0 || !self.closes(j, quote_open) || !(attached || j == self.i) {
                return false;
            }
            if tok == "\"" {
                quote_open = !quote_open;
            }
            j -= 1;
        }
        false
    }

    /// Whether the full stop at `i` belongs to a list number at a line
    /// start ("1. First item").
    fn is_list_number(&self) -> bool {
        let (text, tokens, i) = (self.text, self.tokens, self.i);
        if i == 0 || tokens[i].slice(text) != "." || tokens[i - 1].start != self.line_start {
            return false;
        }
        let num = tokens[i - 1].slice(text);
        num.len() <= 3 && num.bytes().all(|b| b.is_ascii_digit())
    }
}

fn is_terminal(tok: &str) -> bool {
    !tok.is_empty()
        && tok
            .chars()
            .all(|c| matches!(c, '.' | '!' | '?' | '…' | '‽'))
}

/// Whether a sentence whose last token is `last` ends without a full stop
/// or a closing quote after one: a headline or a caption.
pub fn lacks_full_stop(last: &str) -> bool {
    !matches!(last, "." | "!" | "?" | "\"" | "”" | "’" | "'")
}

fn is_closing(tok: &str) -> bool {
    matches!(tok, "\"" | "”" | "’" | "'" | ")" | "]" | "}" | "»" | "›")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::tokenize;

    #[test]
    fn tables_stay_sorted_as_written() {
        // Lookups are binary searches.
        assert!(STARTERS.windows(2).all(|w| w[0] < w[1]));
        assert!(PREFIXES.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn long_run_is_capped_and_covered() {
        let n = 2 * MAX_SENTENCE_TOKENS + 7;
        let text = "word ".repeat(n);
        let tokens = tokenize(&text);
        let sentences = NewsSplitter.split(&text, &tokens);
        assert_eq!(sentences.len(), 3);
        assert!(sentences
            .iter()
            .all(|s| s.tokens.len() <= MAX_SENTENCE_TOKENS));
        assert_eq!(sentences.last().unwrap().tokens.end, tokens.len());
    }
}
