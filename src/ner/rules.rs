//! A recogniser from capitalisation alone: runs of capitalised tokens that do
//! not open a sentence. It needs no model file and serves as the fallback
//! engine and as a baseline.

use crate::error::Result;
use crate::models::ComponentInfo;
use crate::ner::{EntityLabel, EntityRecognizer, Mention};
use crate::pipeline::Tokenized;
use crate::text::Span;

/// Tags every run of capitalised words (not sentence-initial) as MISC.
#[derive(Debug, Default)]
pub struct CapitalizationRecognizer;

impl EntityRecognizer for CapitalizationRecognizer {
    fn recognize(&self, doc: &Tokenized<'_>, _notes: &mut Vec<String>) -> Result<Vec<Mention>> {
        let mut mentions = Vec::new();
        for sentence in doc.sentences {
            let mut run: Option<usize> = None;
            for i in sentence.tokens.clone() {
                let word = doc.tokens[i].slice(doc.text);
                let capitalised = i != sentence.tokens.start
                    && word.chars().next().is_some_and(char::is_uppercase);
                match (capitalised, run) {
                    (true, None) => run = Some(i),
                    (false, Some(start)) => {
                        mentions.push(mention(doc, start, i));
                        run = None;
                    }
                    _ => {}
                }
            }
            if let Some(start) = run {
                mentions.push(mention(doc, start, sentence.tokens.end));
            }
        }
        Ok(mentions)
    }

    fn info(&self) -> ComponentInfo {
        ComponentInfo::new("capitalization")
    }
}

fn mention(doc: &Tokenized<'_>, start: usize, end: usize) -> Mention {
    Mention {
        span: Span::new(doc.tokens[start].start, doc.tokens[end - 1].end),
        tokens: start..end,
        label: EntityLabel::Misc,
        score: 0.5,
    }
}
