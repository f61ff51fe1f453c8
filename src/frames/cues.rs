//! Cue evidence: finds a frame set's cue phrases (and each label's own
//! words) in a document with one aho-corasick automaton over lowercased,
//! lightly stemmed words, so "shortage of men" also finds "shortages of
//! men", and reports each hit as a token range that maps back to a span.
//! Hits under a negator are marked (see [`Negation`]).

use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::document::Tokenized;
use crate::error::{Error, Result};
use crate::fold;
use crate::frames::negation::Negation;
use crate::frames::{Evidence, EvidenceKind, FrameSet};
use crate::text::Span;
use crate::tokenize::tokenize;

/// Appends the match form of `word` to `out`: lowercase, curly apostrophe
/// made straight ([`fold::lower_into`]), and a light suffix stripping that
/// conflates inflections and common derivations ("losses" → "loss",
/// "desperately" and "desperation" → "desperat", "capabilities" →
/// "capabl"). It is applied the same way to text and cues, so consistency
/// matters more than linguistic accuracy. Frozen with the fold: the
/// learned frame classifiers' word features hash these stems.
pub fn stem_into(word: &str, out: &mut String) {
    let start = out.len();
    fold::lower_into(word, out);
    let w = &mut *out;
    if !w[start..].bytes().all(|b| b.is_ascii_lowercase()) {
        return;
    }
    // Inflection: plural, past, progressive.
    strip_first(
        w,
        start,
        &[
            ("sses", "ss", 2),
            ("ies", "y", 2),
            ("ied", "y", 2),
            ("ing", "", 3),
            ("ed", "", 3),
            ("s", "", 3),
        ],
    );
    undouble(w, start);
    // Derivation: the suffixes that turn frame words into each other.
    strip_first(
        w,
        start,
        &[
            ("ational", "ate", 3),
            ("ation", "ate", 3),
            ("ability", "able", 3),
            ("ibility", "ible", 3),
            ("iness", "y", 3),
            ("ness", "", 3),
            ("ily", "y", 3),
            ("ly", "", 4),
        ],
    );
    if w.len() - start > 4 && w.ends_with('e') {
        w.pop();
    }
}

/// Replaces the first suffix in `rules` that `out[start..]` ends with,
/// when at least `min` bytes of stem remain.
fn strip_first(out: &mut String, start: usize, rules: &[(&str, &str, usize)]) {
    for &(suffix, with, min) in rules {
        let len = out.len() - start;
        if len >= suffix.len() + min && out.ends_with(suffix) {
            if suffix == "s" && (out.ends_with("ss") || out.ends_with("us") || out.ends_with("is"))
            {
                continue;
            }
            out.truncate(out.len() - suffix.len());
            out.push_str(with);
            return;
        }
    }
}

/// "stopp" → "stop" after a stripped "-ed"/"-ing".
fn undouble(out: &mut String, start: usize) {
    let b = out.as_bytes();
    let n = b.len();
    if n - start >= 4
        && b[n - 1] == b[n - 2]
        && !matches!(b[n - 1], b'l' | b's' | b'z' | b'e' | b'o')
    {
        out.pop();
    }
}

/// The match form of a phrase: its tokens stemmed and joined by spaces.
pub fn normalize_phrase(phrase: &str) -> String {
    phrase_form(phrase, stem_into)
}

/// The plain match form of a phrase: its tokens lowercased
/// ([`fold::lower_into`]) and joined by spaces. Negation triggers take this
/// form: they are listed in every inflection, and stemming would turn
/// "hardly" into "hard".
pub fn fold_phrase(phrase: &str) -> String {
    phrase_form(phrase, fold::lower_into)
}

fn phrase_form(phrase: &str, form: fn(&str, &mut String)) -> String {
    let mut out = String::new();
    for token in tokenize(phrase) {
        if !out.is_empty() {
            out.push(' ');
        }
        form(token.slice(phrase), &mut out);
    }
    out
}

/// One phrase the matcher looks for.
#[derive(Debug, Clone)]
struct Pattern {
    label: usize,
    kind: EvidenceKind,
    /// The phrase as written in the frame set.
    text: String,
}

/// A cue phrase found in a document.
#[derive(Debug, Clone, PartialEq)]
pub struct CueHit {
    /// Index of the label in the frame set.
    pub label: usize,
    /// [`EvidenceKind::Cue`] or, for the label's own words, [`EvidenceKind::Label`].
    pub kind: EvidenceKind,
    /// The phrase as written in the frame set.
    pub cue: String,
    /// Token range of the hit in the document.
    pub tokens: Range<usize>,
    /// Byte span of the hit in the document.
    pub span: Span,
    /// Sentence the hit lies in.
    pub sentence: usize,
    /// Byte span of the negator whose scope holds the hit ("no" in "no
    /// shortage"): the hit is then no evidence for its label.
    pub negator: Option<Span>,
}

/// All cue phrases of a frame set in one automaton.
#[derive(Debug, Clone)]
pub struct CueMatcher {
    automaton: Option<AhoCorasick>,
    patterns: Vec<Pattern>,
    negation: Option<Negation>,
}

impl CueMatcher {
    /// Builds the matcher for `set`: its cues, and each label's own words
    /// when `label_words` is set (the zero-shot fallback for bare labels).
    pub fn new(set: &FrameSet, label_words: bool) -> Result<Self> {
        let mut patterns = Vec::new();
        let mut keys = Vec::new();
        for (label, def) in set.labels.iter().enumerate() {
            let named = label_words.then(|| (EvidenceKind::Label, def.words()));
            let cues = def.cues.iter().map(|c| (EvidenceKind::Cue, c.clone()));
            for (kind, text) in named.into_iter().chain(cues) {
                let key = normalize_phrase(&text);
                if key.is_empty() {
                    continue;
                }
                keys.push(format!(" {key} "));
                patterns.push(Pattern { label, kind, text });
            }
        }
        let automaton = phrase_automaton(&keys, || format!("frame set {}: cue phrases", set.name))?;
        Ok(Self {
            automaton,
            patterns,
            negation: None,
        })
    }

    /// Marks hits under a negator with [`CueHit::negator`]; without this,
    /// no hit is negated.
    pub fn with_negation(mut self, negation: Negation) -> Self {
        self.negation = Some(negation);
        self
    }

    /// Every cue occurrence in `doc` that lies within one sentence, in
    /// order of position, with its negator if any. `buf` is scratch space
    /// reused across documents.
    pub fn find(&self, doc: &Tokenized<'_>, buf: &mut MatchText) -> Vec<CueHit> {
        let Some(ac) = &self.automaton else {
            return Vec::new();
        };
        buf.stemmed.build(doc, stem_into);
        let mut hits = Vec::new();
        for m in ac.find_overlapping_iter(buf.stemmed.text.as_str()) {
            let Range {
                start: first,
                end: last,
            } = buf.stemmed.tokens(m.start(), m.end());
            if first >= last {
                continue;
            }
            let (first_s, last_s) = (doc.sentence_of(first), doc.sentence_of(last - 1));
            if first_s != last_s {
                continue;
            }
            let pattern = &self.patterns[m.pattern().as_usize()];
            hits.push(CueHit {
                label: pattern.label,
                kind: pattern.kind,
                cue: pattern.text.clone(),
                tokens: first..last,
                span: Span::new(doc.tokens[first].start, doc.tokens[last - 1].end),
                sentence: first_s,
                negator: None,
            });
        }
        hits.sort_by_key(|h| (h.span.start, h.label));
        if let Some(negation) = &self.negation {
            buf.plain.build(doc, fold::lower_into);
            negation.mark(doc, &buf.plain, &mut hits);
        }
        hits
    }
}

/// How much one cue hit is worth: `n` distinct hits give `1 - (1 - w)^n`.
const CUE_WEIGHT: f32 = 0.6;
/// Hits of the label's own words are weaker evidence than curated cues
/// (the word can be negated or used literally), except for bare labels,
/// where they are all there is.
const LABEL_WORD_WEIGHT: f32 = 0.4;

/// Cue score and evidence of one label in one sentence of `text`: each
/// distinct place in the sentence counts once ("has to rely on" and "rely
/// on" are one hit). `bare` labels (no curated cues) count their own words
/// fully. A negated hit counts for nothing; it stays in the evidence with
/// score 0 and `negated_by` set, so that a reader sees what was discounted.
pub fn cue_evidence(hits: &[&CueHit], bare: bool, text: &str) -> (f32, Vec<Evidence>) {
    let mut evidence: Vec<Evidence> = Vec::new();
    let mut miss = 1.0f32;
    for hit in hits {
        if evidence
            .iter()
            .any(|e| e.span.is_some_and(|s| s.overlap(&hit.span) > 0))
        {
            continue;
        }
        let weight = match hit.negator {
            Some(_) => 0.0,
            None if hit.kind == EvidenceKind::Cue || bare => CUE_WEIGHT,
            None => LABEL_WORD_WEIGHT,
        };
        miss *= 1.0 - weight;
        evidence.push(Evidence {
            kind: hit.kind,
            text: hit.cue.clone(),
            span: Some(hit.span),
            score: Some(weight),
            negated_by: hit.negator.map(|n| n.slice(text).to_string()),
            document: None,
        });
    }
    (1.0 - miss, evidence)
}

/// One automaton over `keys` (phrases in match form, each as `" a b "`),
/// found overlapping, or `None` when there are none; `what` names the
/// phrases in an error.
pub(crate) fn phrase_automaton(
    keys: &[String],
    what: impl Fn() -> String,
) -> Result<Option<AhoCorasick>> {
    if keys.is_empty() {
        return Ok(None);
    }
    let ac = AhoCorasickBuilder::new()
        .match_kind(MatchKind::Standard)
        .build(keys)
        .map_err(|source| Error::Automaton {
            what: what(),
            source,
        })?;
    Ok(Some(ac))
}

/// A document in the match forms of cues (stemmed) and of negation
/// triggers (plain); scratch space reused across documents.
#[derive(Debug, Default, Clone)]
pub struct MatchText {
    stemmed: Words,
    plain: Words,
}

/// A document's words in one match form: `" w0 w1 ... "` with the offset
/// of each token's first byte (after its leading space).
#[derive(Debug, Default, Clone)]
pub(crate) struct Words {
    pub(crate) text: String,
    starts: Vec<usize>,
}

impl Words {
    fn build(&mut self, doc: &Tokenized<'_>, form: fn(&str, &mut String)) {
        self.text.clear();
        self.starts.clear();
        self.text.push(' ');
        for token in doc.tokens {
            self.starts.push(self.text.len());
            form(token.slice(doc.text), &mut self.text);
            self.text.push(' ');
        }
    }

    /// The tokens of a match of pattern `" a b "` at `start..end`, which
    /// starts at the space before token a and ends just past the space
    /// after token b; empty when it covers no whole token.
    pub(crate) fn tokens(&self, start: usize, end: usize) -> Range<usize> {
        let first = self.starts.partition_point(|&s| s <= start);
        let last = self.starts.partition_point(|&s| s < end - 1);
        first..last.max(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stem(w: &str) -> String {
        let mut s = String::new();
        stem_into(w, &mut s);
        s
    }

    #[test]
    fn inflections_and_derivations_conflate() {
        assert_eq!(stem("losses"), stem("loss"));
        assert_eq!(stem("desperately"), stem("desperate"));
        assert_eq!(stem("desperation"), stem("desperate"));
        assert_eq!(stem("capabilities"), stem("capable"));
        assert_eq!(stem("capability"), stem("capable"));
        assert_eq!(stem("shortages"), stem("shortage"));
        assert_eq!(stem("Relying"), stem("rely"));
        assert_eq!(stem("stopped"), stem("stop"));
        assert_eq!(stem("Russia’s"), "russia's");
    }

    #[test]
    fn short_words_keep_their_ending() {
        assert_eq!(stem("is"), "is");
        assert_eq!(stem("us"), "us");
        assert_eq!(stem("red"), "red");
        assert_eq!(stem("gas"), "gas");
    }
}
