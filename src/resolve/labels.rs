//! Where the actor dictionary overrules the recogniser: which labels a sure
//! dictionary match corrects, and the span repairs the conflict-news
//! conventions of ANNOTATION.md call for where the dictionary knows the name
//! ("Russian" + "Army" → "Russian Army", "The" of "The Washington Post", "US"
//! in "the US and the EU"). The rules are data, in `models/labels.toml`;
//! this module applies them. The conventions that hold for any name, known
//! to the dictionary or not, are [`super::spans`].

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;

use crate::document::Tokenized;
use crate::error::Result;
use crate::ner::{EntityLabel, Mention};
use crate::resolve::{starts_upper, Dictionary, Kind};
use crate::text::Span;

/// File name of the label rules under the models directory.
pub const LABELS_FILE: &str = "labels.toml";

/// The most words [`LabelRules::repair`] looks at to the right of a
/// mention or for a missed name ("Ministry of Defence of Sudan" is 5).
const MAX_EXTRA_TOKENS: usize = 4;

/// The rules as written in `labels.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    correct: std::collections::HashMap<Kind, Vec<EntityLabel>>,
    extend_right: Vec<Kind>,
    keep_the: Vec<Kind>,
    #[serde(default)]
    create: Vec<Kind>,
}

/// Which recogniser labels a sure dictionary match corrects, and which span
/// repairs apply (see `models/labels.toml`).
#[derive(Debug, Default, Clone)]
pub struct LabelRules {
    correct: HashSet<(Kind, EntityLabel)>,
    extend_right: HashSet<Kind>,
    keep_the: HashSet<Kind>,
    create: HashSet<Kind>,
}

impl LabelRules {
    /// Reads `labels.toml`; an error names the file and line.
    pub fn load(path: &Path) -> Result<Self> {
        let raw: RawRules = crate::datafile::read_toml(path)?;
        Ok(Self {
            correct: raw
                .correct
                .into_iter()
                .flat_map(|(kind, labels)| labels.into_iter().map(move |l| (kind, l)))
                .collect(),
            extend_right: raw.extend_right.into_iter().collect(),
            keep_the: raw.keep_the.into_iter().collect(),
            create: raw.create.into_iter().collect(),
        })
    }

    /// Whether a sure match of an entry of `kind` replaces the recogniser's
    /// `label` by the entry's.
    pub fn corrects(&self, kind: Kind, label: EntityLabel) -> bool {
        self.correct.contains(&(kind, label))
    }

    /// Repairs the spans of `mentions` (sorted, non-overlapping) where the
    /// dictionary is sure, and adds names of the `create` kinds that no
    /// mention covers. The result is sorted and non-overlapping by span.
    pub fn repair(
        &self,
        dict: &Dictionary,
        doc: &Tokenized<'_>,
        mentions: Vec<Mention>,
        key: &mut String,
    ) -> Vec<Mention> {
        let mut out: Vec<Mention> = Vec::with_capacity(mentions.len());
        let mut next = 0;
        while next < mentions.len() {
            let mut m = mentions[next].clone();
            next += 1;
            if let Some(grown) = self.extend(dict, doc, &m, key) {
                // A longer name replaces the mentions it covers whole, never
                // one that it would cut.
                let covered = mentions[next..].partition_point(|n| n.span.start < grown.span.end);
                if mentions[next..next + covered]
                    .iter()
                    .all(|n| n.span.end <= grown.span.end)
                {
                    next += covered;
                    m = grown;
                }
            }
            self.keep_article(dict, doc, &mut m, out.last(), key);
            out.push(m);
        }
        if !self.create.is_empty() {
            self.add_missed(dict, doc, &mut out, key);
        }
        out
    }

    /// "Russian" + "Army" → "Russian Army": the longest run of up to
    /// [`MAX_EXTRA_TOKENS`] following words (capitalised, or "of"/"the"
    /// inside) that makes a sure alias of an `extend_right` kind.
    fn extend(
        &self,
        dict: &Dictionary,
        doc: &Tokenized<'_>,
        m: &Mention,
        key: &mut String,
    ) -> Option<Mention> {
        let sentence_end = doc
            .sentences
            .get(doc.sentence_of(m.tokens.start))?
            .tokens
            .end;
        let mut best = None;
        for end in m.tokens.end + 1..=(m.tokens.end + MAX_EXTRA_TOKENS).min(sentence_end) {
            let word = doc.tokens[end - 1].slice(doc.text);
            if !starts_upper(word) {
                if matches!(word, "of" | "the") {
                    continue;
                }
                break;
            }
            let span = Span::new(m.span.start, doc.tokens[end - 1].end);
            if let Some(id) = dict.lookup_sure(span.slice(doc.text), key) {
                let entry = dict.entry(id);
                if self.extend_right.contains(&entry.kind) {
                    best = Some(Mention {
                        span,
                        tokens: m.tokens.start..end,
                        label: entry.label,
                        score: m.score,
                    });
                }
            }
        }
        best
    }

    /// "The Washington Post": a mention of a `keep_the` kind takes the
    /// "The" before it when the dictionary's name or alias has it.
    fn keep_article(
        &self,
        dict: &Dictionary,
        doc: &Tokenized<'_>,
        m: &mut Mention,
        previous: Option<&Mention>,
        key: &mut String,
    ) {
        let Some(before) = m.tokens.start.checked_sub(1) else {
            return;
        };
        if doc.tokens[before].slice(doc.text) != "The"
            || previous.is_some_and(|p| p.tokens.end > before)
            || doc.sentence_of(before) != doc.sentence_of(m.tokens.start)
        {
            return;
        }
        let surface = m.span.slice(doc.text);
        let Some(entry) = dict.lookup_sure(surface, key).map(|id| dict.entry(id)) else {
            return;
        };
        let with_the = entry
            .aliases
            .iter()
            .any(|a| a.strip_prefix("The ") == Some(surface));
        if self.keep_the.contains(&entry.kind) && with_the {
            m.span = Span::new(doc.tokens[before].start, m.span.end);
            m.tokens = before..m.tokens.end;
        }
    }

    /// Adds sure names of the `create` kinds ("US" in "the US and the EU")
    /// that start with a capital and that no mention covers.
    fn add_missed(
        &self,
        dict: &Dictionary,
        doc: &Tokenized<'_>,
        mentions: &mut Vec<Mention>,
        key: &mut String,
    ) {
        let mut added = Vec::new();
        let mut next = 0;
        for sentence in doc.sentences {
            let mut t = sentence.tokens.start;
            while t < sentence.tokens.end {
                while next < mentions.len() && mentions[next].tokens.end <= t {
                    next += 1;
                }
                let free_until = mentions
                    .get(next)
                    .map_or(sentence.tokens.end, |m| m.tokens.start.max(t))
                    .min(sentence.tokens.end);
                if t >= free_until || !starts_upper(doc.tokens[t].slice(doc.text)) {
                    t += 1;
                    continue;
                }
                let found = (t + 1..=(t + MAX_EXTRA_TOKENS).min(free_until))
                    .rev()
                    .find_map(|end| {
                        let span = Span::new(doc.tokens[t].start, doc.tokens[end - 1].end);
                        // "US$750 billion" is a currency, not the state; a
                        // name does not end in a dash ("SOMALIA –" is keyed
                        // as "somalia").
                        let last = doc.tokens[end - 1].slice(doc.text);
                        if doc.text[span.end..].starts_with('$')
                            || !last.starts_with(char::is_alphanumeric)
                        {
                            return None;
                        }
                        let id = dict.lookup_sure(span.slice(doc.text), key)?;
                        let entry = dict.entry(id);
                        self.create.contains(&entry.kind).then_some(Mention {
                            span,
                            tokens: t..end,
                            label: entry.label,
                            score: 0.5,
                        })
                    });
                match found {
                    Some(m) => {
                        t = m.tokens.end;
                        added.push(m);
                    }
                    None => t += 1,
                }
            }
        }
        if !added.is_empty() {
            mentions.extend(added);
            mentions.sort_by_key(|m| m.span.start);
        }
    }
}
