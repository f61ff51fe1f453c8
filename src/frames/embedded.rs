//! The embedded engine's frame classifier: pure Rust and fast enough for the
//! default pipeline. A sentence's static-embedding vector is compared with
//! each label's name, description, hypotheses and examples; cue phrases and
//! the label's own words found in the sentence add evidence with spans. It
//! also serves the `cues` (keyword) and `every` baselines.

use std::ops::Range;
use std::sync::Arc;

use crate::document::Tokenized;
use crate::error::Result;
use crate::frames::cues::{cue_evidence, CueHit, CueMatcher, MatchText};
use crate::frames::negation::Negation;
use crate::frames::prototypes::Prototypes;
use crate::frames::vectors::{Scratch, StaticEmbeddings};
use crate::frames::{
    choose_target, Evidence, EvidenceKind, Frame, FrameClassifier, FrameMethod, FrameSet,
};
use crate::models::ComponentInfo;
use crate::resolve::Entity;

/// Share of the vector evidence in the score of a label that has curated
/// cues (cues are the sharper evidence; chosen on fixtures/gold.jsonl). A
/// label without cues combines its own words and vectors as a noisy-or.
const VECTOR_WEIGHT: f32 = 0.25;
/// A single word's cosine to a label's name carries no evidence below
/// `WORD_ZERO` and full evidence from `WORD_FULL`; shorter words (articles,
/// pronouns) are not compared.
const WORD_ZERO: f32 = 0.4;
const WORD_FULL: f32 = 0.8;
const MIN_WORD_LEN: usize = 3;

/// Frame classifier on static embeddings and cues.
#[derive(Debug)]
pub struct StaticFramer {
    set: FrameSet,
    method: FrameMethod,
    vectors: Option<Arc<StaticEmbeddings>>,
    cues: CueMatcher,
    /// Per label: the texts its sentences are compared with.
    prototypes: Prototypes,
    /// Per label: the cosine of every vocabulary entry with the label's
    /// name, so that comparing a sentence's words with it is a look-up.
    label_tables: Vec<Vec<f32>>,
    thresholds: Vec<f32>,
}

impl StaticFramer {
    /// A classifier for `set` scored by `method` (`static`, `vectors`,
    /// `cues` or `every`); `vectors` is required by the first two.
    pub fn new(
        set: FrameSet,
        method: FrameMethod,
        vectors: Option<Arc<StaticEmbeddings>>,
    ) -> Result<Self> {
        let uses_vectors = matches!(method, FrameMethod::Static | FrameMethod::Vectors);
        let vectors = if uses_vectors { vectors } else { None };
        if uses_vectors && vectors.is_none() {
            return Err(crate::Error::InvalidArgument {
                argument: format!("frame method {method}"),
                message: "needs the static embeddings".to_string(),
            });
        }
        let uses_cues = matches!(method, FrameMethod::Static | FrameMethod::Cues);
        let cues = CueMatcher::new(
            &if uses_cues {
                set.clone()
            } else {
                FrameSet::from_labels::<&str>(&[])
            },
            true,
        )?;
        let prototypes = match &vectors {
            Some(v) => {
                Prototypes::build(&set, |texts| Ok(texts.iter().map(|t| v.embed(t)).collect()))?
            }
            None => Prototypes::default(),
        };
        let label_tables = match &vectors {
            Some(v) => set
                .labels
                .iter()
                .map(|d| {
                    v.embed(&d.words())
                        .map_or_else(Vec::new, |n| v.similarity_table(&n))
                })
                .collect(),
            None => Vec::new(),
        };
        let thresholds = (0..set.labels.len())
            .map(|i| set.threshold_for(i, method))
            .collect();
        Ok(Self {
            set,
            method,
            vectors,
            cues,
            prototypes,
            label_tables,
            thresholds,
        })
    }

    /// Discounts cue hits under a negator ("no shortage"); see
    /// [`Negation`]. The engine always sets it; without it, negation is
    /// ignored.
    pub fn with_negation(mut self, negation: Negation) -> Self {
        self.cues = self.cues.with_negation(negation);
        self
    }
}

impl FrameClassifier for StaticFramer {
    fn classify(
        &self,
        doc: &Tokenized<'_>,
        entities: &[Entity],
        _notes: &mut Vec<String>,
    ) -> Result<Vec<Frame>> {
        let mut frames = Vec::with_capacity(doc.sentences.len() * self.set.labels.len());
        for (s, sentence) in self.analyse(doc).into_iter().enumerate() {
            for (label, (def, scores)) in self.set.labels.iter().zip(sentence.labels).enumerate() {
                let score = match self.method {
                    FrameMethod::Every => 1.0,
                    FrameMethod::Cues => scores.cue,
                    FrameMethod::Vectors => scores.vector(),
                    _ if def.cues.is_empty() => 1.0 - (1.0 - scores.cue) * (1.0 - scores.vector()),
                    _ => (1.0 - VECTOR_WEIGHT) * scores.cue + VECTOR_WEIGHT * scores.vector(),
                };
                frames.push(Frame {
                    span: doc.sentences[s].span,
                    sentence: s,
                    label: def.name.clone(),
                    score,
                    selected: score >= self.thresholds[label] && score > 0.0
                        || self.method == FrameMethod::Every,
                    evidence: scores.evidence,
                    target: choose_target(doc, entities, s, scores.anchor),
                });
            }
        }
        Ok(frames)
    }

    fn info(&self) -> ComponentInfo {
        let name = format!("frames-{}:{}", self.method, self.set.name);
        match &self.vectors {
            Some(v) => ComponentInfo::with_files(name, v.files().to_vec()),
            None => ComponentInfo::new(name),
        }
    }
}

/// What the static classifier finds in one sentence: its vector and, per
/// label, the evidence each source gives. The static methods combine these
/// by fixed rules; the learned classifier ([`crate::frames::learned`]) uses
/// them as features.
#[derive(Debug, Clone)]
pub struct SentenceAnalysis {
    /// The sentence's unit vector, when any of its words is in the
    /// vocabulary and the method uses vectors.
    pub vector: Option<Vec<f32>>,
    /// Per label of the frame set, in order.
    pub labels: Vec<LabelScores>,
}

/// One label's evidence in one sentence.
#[derive(Debug, Clone, Default)]
pub struct LabelScores {
    /// Cue score in [0, 1] (negated hits count for nothing).
    pub cue: f32,
    /// Cue hits that count.
    pub hits: usize,
    /// Cue hits under a negator, which count for nothing.
    pub negated: usize,
    /// Similarity evidence of the nearest prototype, in [0, 1].
    pub prototype: f32,
    /// Evidence of the word nearest to the label's name, in [0, 1].
    pub word: f32,
    /// Cue, word and prototype evidence, in that order.
    pub evidence: Vec<Evidence>,
    /// Token range of the cue that anchors the target: the first that
    /// counts, else the first negated one.
    pub anchor: Option<Range<usize>>,
}

impl LabelScores {
    /// The vector evidence: the nearer of the prototype and the word.
    pub fn vector(&self) -> f32 {
        self.prototype.max(self.word)
    }
}

impl StaticFramer {
    /// The frame set being classified.
    pub fn frame_set(&self) -> &FrameSet {
        &self.set
    }

    /// The static embeddings, when the method uses them.
    pub fn vectors(&self) -> Option<&Arc<StaticEmbeddings>> {
        self.vectors.as_ref()
    }

    /// Every sentence of `doc` with its vector and per-label evidence.
    pub fn analyse(&self, doc: &Tokenized<'_>) -> Vec<SentenceAnalysis> {
        let hits = self.cues.find(doc, &mut MatchText::default());
        let mut out = Vec::with_capacity(doc.sentences.len());
        let mut bufs = Buffers::new(self.vectors.as_ref().map_or(0, |v| v.dim()));
        let mut next_hit = 0;
        for (s, sentence) in doc.sentences.iter().enumerate() {
            let first_hit = next_hit;
            while next_hit < hits.len() && hits[next_hit].sentence == s {
                next_hit += 1;
            }
            let sentence_hits = &hits[first_hit..next_hit];
            let embedded = self
                .vectors
                .as_ref()
                .and_then(|v| self.embed_sentence(v, doc, sentence, sentence_hits, &mut bufs));
            let vector = embedded.as_ref().map(|_| bufs.sentence.as_slice());
            let neutral = vector.and_then(|v| self.prototypes.neutral_similarity(v));
            let mut labels = Vec::with_capacity(self.set.labels.len());
            for (label, def) in self.set.labels.iter().enumerate() {
                let label_hits: Vec<&CueHit> =
                    sentence_hits.iter().filter(|h| h.label == label).collect();
                let (cue, mut evidence) = cue_evidence(&label_hits, def.cues.is_empty(), doc.text);
                let (prototype, nearest) =
                    vector.map_or((0.0, None), |v| self.prototypes.score(label, v, neutral));
                let word = embedded.as_ref().and_then(|e| e.best_words[label]);
                let word_score = word.map_or(0.0, |(_, sim)| word_score(sim));
                // The word nearest to the label's name, unless a cue already
                // covers it.
                if let Some((token, sim)) = word.filter(|_| word_score > 0.0) {
                    let span = doc.tokens[token];
                    if !evidence
                        .iter()
                        .any(|e| e.span.is_some_and(|s| s.overlap(&span) > 0))
                    {
                        evidence.push(Evidence {
                            kind: EvidenceKind::Label,
                            text: span.slice(doc.text).to_string(),
                            span: Some(span),
                            score: Some(sim),
                            negated_by: None,
                            document: None,
                        });
                    }
                }
                evidence.extend(nearest);
                let negated = label_hits.iter().filter(|h| h.negator.is_some()).count();
                let anchor = label_hits
                    .iter()
                    .find(|h| h.negator.is_none())
                    .or(label_hits.first())
                    .map(|h| h.tokens.clone());
                labels.push(LabelScores {
                    cue,
                    hits: label_hits.len() - negated,
                    negated,
                    prototype,
                    word: word_score,
                    evidence,
                    anchor,
                });
            }
            out.push(SentenceAnalysis {
                vector: vector.map(<[f32]>::to_vec),
                labels,
            });
        }
        out
    }
}

/// Reused per-document buffers.
struct Buffers {
    scratch: Scratch,
    sentence: Vec<f32>,
}

impl Buffers {
    fn new(dim: usize) -> Self {
        Self {
            scratch: Scratch::default(),
            sentence: vec![0.0; dim],
        }
    }
}

/// What embedding one sentence found besides its vector (which stays in
/// [`Buffers::sentence`]).
struct SentenceEmbedding {
    /// Per label: the word nearest to the label's name, as (token, cosine).
    best_words: Vec<Option<(usize, f32)>>,
}

impl StaticFramer {
    /// Embeds `sentence` into `bufs.sentence` (unit vector) and finds, per
    /// label, the word most similar to the label's name, passing over words
    /// of that label's negated cue hits among `hits` (a negated cue should
    /// not come back as word evidence). `None` when no word of the sentence
    /// is in the vocabulary.
    fn embed_sentence(
        &self,
        v: &StaticEmbeddings,
        doc: &Tokenized<'_>,
        sentence: &crate::sentence::Sentence,
        hits: &[CueHit],
        bufs: &mut Buffers,
    ) -> Option<SentenceEmbedding> {
        bufs.sentence.iter_mut().for_each(|a| *a = 0.0);
        let mut best_words: Vec<Option<(usize, f32)>> = vec![None; self.set.labels.len()];
        let mut pieces = 0;
        for t in sentence.tokens.clone() {
            let word = doc.tokens[t].slice(doc.text);
            if !word.chars().next().is_some_and(char::is_alphanumeric) {
                continue;
            }
            let (n, single) = v.add_word(word, &mut bufs.sentence, &mut bufs.scratch);
            pieces += n;
            let Some(id) = single.filter(|_| word.len() >= MIN_WORD_LEN) else {
                continue;
            };
            for (label, (best, table)) in best_words.iter_mut().zip(&self.label_tables).enumerate()
            {
                let Some(&sim) = table.get(id as usize) else {
                    continue;
                };
                if hits
                    .iter()
                    .any(|h| h.label == label && h.negator.is_some() && h.tokens.contains(&t))
                {
                    continue;
                }
                if best.is_none_or(|(_, b)| sim > b) {
                    *best = Some((t, sim));
                }
            }
        }
        v.finish(&mut bufs.sentence, pieces)?;
        Some(SentenceEmbedding { best_words })
    }
}

/// A word's cosine to a label's name mapped to evidence in [0, 1].
fn word_score(sim: f32) -> f32 {
    ((sim - WORD_ZERO) / (WORD_FULL - WORD_ZERO)).clamp(0.0, 1.0)
}
