//! A recogniser driven by the actor dictionary alone: every alias of
//! `models/actors.jsonl` found as whole tokens is a mention with the entry's
//! label. It needs no trained model, so it is the engine-independent fallback
//! and a baseline; it finds only names the dictionary holds.

use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind};

use crate::document::Tokenized;
use crate::error::{Error, Result};
use crate::models::ComponentInfo;
use crate::ner::{EntityLabel, EntityRecognizer, Mention};
use crate::resolve::Dictionary;
use crate::text::Span;

/// Confidence of a case-sensitive match.
const EXACT_SCORE: f32 = 0.9;
/// Confidence of a match in an all-capitals sentence, where case says
/// nothing about names.
const CAPS_SCORE: f32 = 0.6;

/// Finds dictionary aliases with one leftmost-longest automaton, so that
/// "North Korea" wins over "Korea".
pub struct DictionaryRecognizer {
    /// Case-sensitive: "Chad" the state, not "chad".
    exact: AhoCorasick,
    /// ASCII case-insensitive, for headlines in capitals ("NORTH KOREA").
    caps: AhoCorasick,
    /// Label of each pattern's entry (the first entry that lists the
    /// alias), by pattern index.
    labels: Vec<EntityLabel>,
}

impl DictionaryRecognizer {
    /// Builds the automata over the creating aliases of `dictionary`
    /// (link-only aliases never create a mention, nor do aliases that end
    /// in a lower-case word).
    pub fn new(dictionary: &Arc<Dictionary>) -> Result<Self> {
        let mut seen = std::collections::HashSet::new();
        let mut patterns = Vec::new();
        let mut labels = Vec::new();
        for entry in dictionary.entries() {
            for alias in &entry.aliases {
                let alias = alias.trim();
                if ends_in_name(alias) && seen.insert(alias) {
                    patterns.push(alias);
                    labels.push(entry.label);
                }
            }
        }
        let build = |insensitive: bool| {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .ascii_case_insensitive(insensitive)
                .build(&patterns)
                .map_err(|source| Error::Automaton {
                    what: "the dictionary recogniser's names".to_string(),
                    source,
                })
        };
        Ok(Self {
            exact: build(false)?,
            caps: build(true)?,
            labels,
        })
    }

    /// Pushes every whole-token match of `automaton` within `range` of the
    /// text. A match that cuts a token is skipped and the search resumes
    /// one byte later, so a shorter alias at the same place still loses
    /// only to a longer one that fits.
    fn scan(
        &self,
        automaton: &AhoCorasick,
        doc: &Tokenized<'_>,
        range: Span,
        score: f32,
        out: &mut Vec<Mention>,
    ) {
        let mut at = range.start;
        while at < range.end {
            let input = Input::new(doc.text).range(at..range.end);
            let Some(m) = automaton.find(input) else {
                break;
            };
            match whole_tokens(doc, m.start(), m.end()) {
                Some(tokens)
                    if doc.sentence_of(tokens.start) == doc.sentence_of(tokens.end - 1) =>
                {
                    out.push(Mention {
                        span: Span::new(m.start(), m.end()),
                        tokens,
                        label: self.labels[m.pattern().as_usize()],
                        score,
                    });
                    at = m.end();
                }
                _ => at = m.start() + 1,
            }
        }
    }
}

impl EntityRecognizer for DictionaryRecognizer {
    fn recognize(&self, doc: &Tokenized<'_>, _notes: &mut Vec<String>) -> Result<Vec<Mention>> {
        let mut mentions = Vec::new();
        // Sentences in capitals are searched without case; the rest with it,
        // in runs between capitals sentences.
        let mut from = 0;
        for sentence in doc.sentences {
            if all_capitals(doc.text, sentence.span) {
                self.scan(
                    &self.exact,
                    doc,
                    Span::new(from, sentence.span.start),
                    EXACT_SCORE,
                    &mut mentions,
                );
                self.scan(&self.caps, doc, sentence.span, CAPS_SCORE, &mut mentions);
                from = sentence.span.end;
            }
        }
        self.scan(
            &self.exact,
            doc,
            Span::new(from, doc.text.len()),
            EXACT_SCORE,
            &mut mentions,
        );
        Ok(mentions)
    }

    fn info(&self) -> ComponentInfo {
        // The records' `engine.ner.name` under `--engine dictionary` since
        // the first release: part of the output contract, so not renamed.
        ComponentInfo::new("gazetteer")
    }
}

/// The token range a byte range covers exactly, if it starts and ends on
/// token boundaries.
fn whole_tokens(doc: &Tokenized<'_>, start: usize, end: usize) -> Option<std::ops::Range<usize>> {
    let first = doc.tokens.partition_point(|t| t.start < start);
    let last = doc.tokens.partition_point(|t| t.end < end);
    let ok = doc.tokens.get(first)?.start == start && doc.tokens.get(last)?.end == end;
    ok.then_some(first..last + 1)
}

/// Whether the last word of an alias is part of a name. CoNLL spans leave
/// a trailing common noun outside ("Kursk" in "Kursk region"), so such
/// aliases may link a mention but never create one.
fn ends_in_name(alias: &str) -> bool {
    alias
        .split_whitespace()
        .next_back()
        .is_some_and(|w| w.chars().any(|c| c.is_uppercase() || c.is_numeric()))
}

/// Whether a span has several letters and none of them lower case.
fn all_capitals(text: &str, span: Span) -> bool {
    let mut letters = 0;
    for c in span.slice(text).chars().filter(|c| c.is_alphabetic()) {
        if c.is_lowercase() {
            return false;
        }
        letters += 1;
    }
    letters >= 8
}
