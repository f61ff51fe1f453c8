//! Sentence splitting for news text. The splitter works on the token stream,
//! so abbreviations and numbers that the tokenizer kept whole ("U.S.",
//! "12,000") never end a sentence.

use std::ops::Range;

use crate::text::Span;
use crate::tokenize::Token;

/// A sentence: its byte span and the range of its tokens in the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    pub span: Span,
    pub tokens: Range<usize>,
}

/// Groups a document's tokens into sentences.
pub trait SentenceSplitter: Send + Sync {
    /// Splits `text`, already tokenised into `tokens`, into sentences that
    /// cover every token once, in order.
    fn split(&self, text: &str, tokens: &[Token]) -> Vec<Sentence>;
}

/// Rule-based splitter for news: full stops, question and exclamation marks,
/// closing quotes and brackets after them, blank lines and line-based
/// headlines and list items.
#[derive(Debug, Default, Clone)]
pub struct NewsSplitter;

impl SentenceSplitter for NewsSplitter {
    fn split(&self, text: &str, tokens: &[Token]) -> Vec<Sentence> {
        let mut sentences = Vec::new();
        let mut first = 0;
        for i in 0..tokens.len() {
            let last = i + 1 == tokens.len();
            if last || ends_sentence(text, tokens, i) {
                sentences.push(Sentence {
                    span: Span::new(tokens[first].start, tokens[i].end),
                    tokens: first..i + 1,
                });
                first = i + 1;
            }
        }
        sentences
    }
}

/// Whether a sentence ends after token `i` (which is not the last token).
fn ends_sentence(text: &str, tokens: &[Token], i: usize) -> bool {
    let gap = &text[tokens[i].end..tokens[i + 1].start];
    if gap.matches('\n').count() >= 2 {
        return true;
    }
    let tok = tokens[i].slice(text);
    let next = tokens[i + 1].slice(text);
    let terminal = matches!(tok, "." | "!" | "?" | "..." | "…" | "?!" | "!?");
    terminal && !gap.is_empty() && next.chars().next().is_some_and(|c| !c.is_lowercase())
        || gap.contains('\n') && !terminal && !is_closing(next)
}

fn is_closing(tok: &str) -> bool {
    matches!(tok, "\"" | "”" | "’" | "'" | ")" | "]" | "»")
}
