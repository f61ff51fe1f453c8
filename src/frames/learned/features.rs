//! Sentence features of the learned frame classifier: what a sentence means
//! (its static vector and its neighbours'), what the frame set's cues and
//! prototypes say about it (with negation), who is in it (actors and places
//! by label, their countries), where it stands, and its words (hashed
//! stems and stem pairs). Features are a function of the document alone, so
//! cross-validation computes them once per document.

use std::hash::Hasher;
use std::sync::Arc;

use crate::document::Tokenized;
use crate::error::Result;
use crate::frames::cues::stem_into;
use crate::frames::embedded::{SentenceAnalysis, StaticFramer};
use crate::frames::negation::Negation;
use crate::frames::vectors::{Scratch, StaticEmbeddings};
use crate::frames::{FrameMethod, FrameSet};
use crate::hashed::Fnv;
use crate::logistic::FeatureRow;
use crate::ner::EntityLabel;
use crate::resolve::{Entity, Role};
use crate::sentence::lacks_full_stop;
use crate::text::Span;

/// Word features are hashed into `1 << HASH_BITS` buckets.
pub const HASH_BITS: u32 = 20;

/// Dense features besides the two vectors, per label: cue score, cue hits,
/// negated hits, prototype evidence, word evidence, and the best cue score
/// of the neighbouring sentences.
const PER_LABEL: [&str; 6] = [
    "cue",
    "hits",
    "negated",
    "prototype",
    "word",
    "neighbour_cue",
];
/// Dense features about the sentence's entities and form. Nothing depends
/// on where the sentence stands in the document, so that a large document
/// annotated in windows gets the same features (but for the neighbours of
/// a window's first and last sentence).
const SENTENCE: [&str; 9] = [
    "actor_per",
    "actor_org",
    "actor_loc",
    "actor_misc",
    "places",
    "actor_countries",
    "no_entities",
    "log_tokens",
    "no_final_stop",
];

/// The features of one sentence: dense values laid out as
/// [`Featurizer::dense_names`], hashed word features.
pub type SentenceRow = FeatureRow;

/// Turns documents into feature rows for a frame set.
#[derive(Debug)]
pub struct Featurizer {
    framer: StaticFramer,
    dim: usize,
}

impl Featurizer {
    /// Features for `set`, whose cues and prototypes are scored with
    /// `vectors` and `negation`.
    pub fn new(set: FrameSet, vectors: Arc<StaticEmbeddings>, negation: Negation) -> Result<Self> {
        let dim = vectors.dim();
        let framer =
            StaticFramer::new(set, FrameMethod::Static, Some(vectors))?.with_negation(negation);
        Ok(Self { framer, dim })
    }

    /// The frame set the features are about.
    pub fn frame_set(&self) -> &FrameSet {
        self.framer.frame_set()
    }

    /// The static embeddings.
    pub fn vectors(&self) -> &Arc<StaticEmbeddings> {
        self.framer
            .vectors()
            .expect("the featurizer's framer is built with vectors")
    }

    /// Names of the dense features, in row order.
    pub fn dense_names(&self) -> Vec<String> {
        let mut names: Vec<String> = (0..self.dim).map(|i| format!("vector_{i}")).collect();
        names.extend((0..self.dim).map(|i| format!("neighbours_{i}")));
        for def in &self.frame_set().labels {
            names.extend(PER_LABEL.iter().map(|f| format!("{f}:{}", def.name)));
        }
        names.extend(SENTENCE.iter().map(|s| s.to_string()));
        names
    }

    /// The static analysis and the feature row of every sentence of `doc`.
    pub fn features(
        &self,
        doc: &Tokenized<'_>,
        entities: &[Entity],
    ) -> (Vec<SentenceAnalysis>, Vec<SentenceRow>) {
        let analyses = self.framer.analyse(doc);
        let n = doc.sentences.len();
        let mut rows = Vec::with_capacity(n);
        let mut next_entity = 0;
        let scale = (self.dim as f32).sqrt();
        for (s, sentence) in doc.sentences.iter().enumerate() {
            let negated = negated_spans(&analyses[s]);
            let mut dense = Vec::with_capacity(self.dense_len());
            // Negated cue words leave the sentence's vector: "no shortage"
            // should not mean what "shortage" means.
            let own = (!negated.is_empty()).then(|| self.vector_without(doc, s, &negated));
            let vector = match &own {
                Some(v) => v.as_deref(),
                None => analyses[s].vector.as_deref(),
            };
            push_vector(&mut dense, vector, self.dim, scale);
            let neighbours: Vec<&SentenceAnalysis> = [s.checked_sub(1), Some(s + 1)]
                .into_iter()
                .flatten()
                .filter(|&t| t < n)
                .map(|t| &analyses[t])
                .collect();
            let mut mean = vec![0f32; self.dim];
            let mut count = 0;
            for v in neighbours.iter().filter_map(|a| a.vector.as_deref()) {
                mean.iter_mut().zip(v).for_each(|(m, x)| *m += x);
                count += 1;
            }
            let mean = (count > 0).then(|| {
                mean.iter_mut().for_each(|m| *m /= count as f32);
                mean
            });
            push_vector(&mut dense, mean.as_deref(), self.dim, scale);
            for (l, scores) in analyses[s].labels.iter().enumerate() {
                let neighbour_cue = neighbours
                    .iter()
                    .map(|a| a.labels[l].cue)
                    .fold(0.0, f32::max);
                dense.extend([
                    scores.cue,
                    scores.hits as f32,
                    scores.negated as f32,
                    scores.prototype,
                    scores.word,
                    neighbour_cue,
                ]);
            }
            let first = next_entity;
            while next_entity < entities.len() && entities[next_entity].sentence == s {
                next_entity += 1;
            }
            dense.extend(entity_features(&entities[first..next_entity]));
            let tokens = sentence.tokens.len();
            let last = sentence
                .tokens
                .end
                .checked_sub(1)
                .map(|t| doc.tokens[t].slice(doc.text));
            dense.extend([
                (1.0f32 + tokens as f32).ln(),
                f32::from(last.is_none_or(lacks_full_stop)),
            ]);
            rows.push(SentenceRow {
                dense,
                words: word_features(doc, s, &negated),
            });
        }
        (analyses, rows)
    }

    /// The unit vector of sentence `s` without the words in `skip`.
    fn vector_without(&self, doc: &Tokenized<'_>, s: usize, skip: &[Span]) -> Option<Vec<f32>> {
        let v = self.vectors();
        let mut acc = vec![0f32; self.dim];
        let mut scratch = Scratch::default();
        let mut pieces = 0;
        for t in doc.sentences[s].tokens.clone() {
            let span = doc.tokens[t];
            let word = span.slice(doc.text);
            if !word.chars().next().is_some_and(char::is_alphanumeric)
                || skip.iter().any(|n| n.overlap(&span) > 0)
            {
                continue;
            }
            pieces += v.add_word(word, &mut acc, &mut scratch).0;
        }
        v.finish(&mut acc, pieces)?;
        Some(acc)
    }

    /// Length of a dense row.
    pub fn dense_len(&self) -> usize {
        2 * self.dim + PER_LABEL.len() * self.frame_set().labels.len() + SENTENCE.len()
    }
}

/// Appends `vector` scaled to unit variance per component (zeros when the
/// sentence has no vector).
fn push_vector(dense: &mut Vec<f32>, vector: Option<&[f32]>, dim: usize, scale: f32) {
    match vector {
        Some(v) => dense.extend(v.iter().map(|x| x * scale)),
        None => dense.extend(std::iter::repeat_n(0.0, dim)),
    }
}

/// Counts of the sentence's actors by label, its places, the distinct
/// countries of its actors, and whether it names nothing.
fn entity_features(entities: &[Entity]) -> [f32; 7] {
    let mut out = [0f32; 7];
    let mut countries = Vec::new();
    for e in entities {
        match e.role {
            Role::Actor => {
                let i = match e.mention.label {
                    EntityLabel::Per => 0,
                    EntityLabel::Org => 1,
                    EntityLabel::Loc => 2,
                    EntityLabel::Misc => 3,
                };
                out[i] += 1.0;
                if let Some(c) = e.country {
                    if !countries.contains(&c) {
                        countries.push(c);
                    }
                }
            }
            Role::Place => out[4] += 1.0,
            Role::Other => {}
        }
    }
    out[5] = countries.len() as f32;
    out[6] = f32::from(entities.is_empty());
    out
}

/// The spans of the cue hits of a sentence that lie under a negator ("no"
/// in "no shortage").
pub fn negated_spans(analysis: &SentenceAnalysis) -> Vec<Span> {
    analysis
        .labels
        .iter()
        .flat_map(|l| &l.evidence)
        .filter(|e| e.negated_by.is_some())
        .filter_map(|e| e.span)
        .collect()
}

/// The hashed stems and stem pairs of sentence `s`, sorted and distinct;
/// words inside `negated` spans count as other words than themselves.
pub fn word_features(doc: &Tokenized<'_>, s: usize, negated: &[Span]) -> Vec<u32> {
    let mut out = Vec::new();
    each_word_feature(doc, s, negated, |id, _| out.push(id));
    out.sort_unstable();
    out.dedup();
    out
}

/// Calls `f` with each word feature of sentence `s` and a readable name
/// (`w:loss`, `b:heavy loss`): stems of words that start with a letter or
/// digit, and each pair of neighbouring such stems. A word of a negated cue
/// is marked (`not_shortag`), as NegEx marks negated findings, so that "no
/// shortage" does not weigh as "shortage".
pub fn each_word_feature(
    doc: &Tokenized<'_>,
    s: usize,
    negated: &[Span],
    mut f: impl FnMut(u32, &dyn Fn() -> String),
) {
    let mut stem = String::new();
    let mut prev = String::new();
    for t in doc.sentences[s].tokens.clone() {
        let word = doc.tokens[t].slice(doc.text);
        if !word.chars().next().is_some_and(char::is_alphanumeric) {
            prev.clear();
            continue;
        }
        stem.clear();
        let span = doc.tokens[t];
        if negated.iter().any(|n| n.overlap(&span) > 0) {
            stem.push_str("not_");
        }
        stem_into(word, &mut stem);
        f(hash(b"w", &stem, ""), &|| format!("w:{stem}"));
        if !prev.is_empty() {
            f(hash(b"b", &prev, &stem), &|| format!("b:{prev} {stem}"));
        }
        std::mem::swap(&mut prev, &mut stem);
    }
}

/// FNV-1a of a kind tag and one or two stems, folded into [`HASH_BITS`]:
/// fixed, so a trained model means the same on every platform.
fn hash(kind: &[u8], a: &str, b: &str) -> u32 {
    let mut h = Fnv::new();
    h.write(kind);
    h.write(a.as_bytes());
    h.write(&[0]);
    h.write(b.as_bytes());
    let v = h.finish();
    ((v ^ (v >> 32)) as u32) & ((1 << HASH_BITS) - 1)
}
