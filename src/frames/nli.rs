//! The transformer engine's frame classifiers (feature `transformers`):
//! NLI zero-shot, where a label's score is the highest entailment
//! probability of its hypotheses given the sentence, and embedding
//! zero-shot, where all-MiniLM-L6-v2 sentence vectors are compared with the
//! label's name, description and examples as the static method does.

use std::ops::Range;

use crate::document::Tokenized;
use crate::error::Result;
use crate::frames::cues::{CueMatcher, MatchText};
use crate::frames::prototypes::Prototypes;
use crate::frames::FrameClassifier;
use crate::frames::{choose_target, Evidence, EvidenceKind, Frame, FrameMethod, FrameSet};
use crate::models::ComponentInfo;
use crate::resolve::Entity;
use crate::transformer::{NliModel, SentenceEmbedder};

/// What the transformer classifiers share: the set, its thresholds, and
/// cue matching used to anchor a frame's target on its words.
pub(crate) struct Common {
    pub(crate) set: FrameSet,
    method: FrameMethod,
    pub(crate) thresholds: Vec<f32>,
    pub(crate) cues: CueMatcher,
}

impl Common {
    pub(crate) fn new(set: FrameSet, method: FrameMethod) -> Result<Self> {
        let thresholds = (0..set.labels.len())
            .map(|i| set.threshold_for(i, method))
            .collect();
        let cues = CueMatcher::new(&set, true)?;
        Ok(Self {
            set,
            method,
            thresholds,
            cues,
        })
    }

    /// Per sentence and label, the tokens of the first cue (for the target).
    fn anchors(&self, doc: &Tokenized<'_>) -> Vec<Vec<Option<Range<usize>>>> {
        let mut anchors = vec![vec![None; self.set.labels.len()]; doc.sentences.len()];
        for hit in self.cues.find(doc, &mut MatchText::default()) {
            anchors[hit.sentence][hit.label].get_or_insert(hit.tokens);
        }
        anchors
    }

    /// Frames from `scores[sentence][label]` with their evidence.
    pub(crate) fn frames<E: IntoIterator<Item = Evidence>>(
        &self,
        doc: &Tokenized<'_>,
        entities: &[Entity],
        scores: Vec<Vec<(f32, E)>>,
    ) -> Vec<Frame> {
        let anchors = self.anchors(doc);
        let mut frames = Vec::with_capacity(doc.sentences.len() * self.set.labels.len());
        for (s, (sentence, row)) in doc.sentences.iter().zip(scores).enumerate() {
            for (label, (score, evidence)) in row.into_iter().enumerate() {
                frames.push(Frame {
                    span: sentence.span,
                    sentence: s,
                    label: self.set.labels[label].name.clone(),
                    score,
                    selected: score >= self.thresholds[label],
                    evidence: evidence.into_iter().collect(),
                    target: choose_target(doc, entities, s, anchors[s][label].clone()),
                });
            }
        }
        frames
    }

    pub(crate) fn info(&self, model: ComponentInfo) -> ComponentInfo {
        ComponentInfo::with_files(
            format!("frames-{}:{}+{}", self.method, self.set.name, model.name),
            model.files,
        )
    }
}

/// NLI zero-shot: every sentence against every hypothesis of every label.
pub struct NliFramer {
    common: Common,
    model: NliModel,
    /// Per label: its hypotheses with the label's name filled in.
    hypotheses: Vec<Vec<String>>,
}

impl NliFramer {
    /// A framer for `set` that asks `model` whether each sentence entails
    /// each label's hypotheses.
    pub fn new(set: FrameSet, model: NliModel) -> Result<Self> {
        let hypotheses = set.labels.iter().map(|d| d.filled_hypotheses()).collect();
        Ok(Self {
            common: Common::new(set, FrameMethod::Nli)?,
            model,
            hypotheses,
        })
    }
}

impl FrameClassifier for NliFramer {
    fn classify(
        &self,
        doc: &Tokenized<'_>,
        entities: &[Entity],
        notes: &mut Vec<String>,
    ) -> Result<Vec<Frame>> {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        let mut truncated = 0;
        for sentence in doc.sentences {
            let premise = sentence.span.slice(doc.text);
            for hypothesis in self.hypotheses.iter().flatten() {
                truncated += usize::from(!self.model.fits(premise, hypothesis)?);
                pairs.push((premise, hypothesis));
            }
        }
        if truncated > 0 {
            notes.push(format!("frames: {truncated} sentence/hypothesis pairs were longer than the NLI model allows and lost the end of the sentence"));
        }
        let mut entailment = self.model.entailment(&pairs)?.into_iter();
        let scores = doc
            .sentences
            .iter()
            .map(|_| {
                self.hypotheses
                    .iter()
                    .map(|hyps| {
                        let mut best: (f32, Option<Evidence>) = (0.0, None);
                        for h in hyps {
                            let p = entailment.next().unwrap_or(0.0);
                            if best.1.is_none() || p > best.0 {
                                let ev = Evidence {
                                    kind: EvidenceKind::Hypothesis,
                                    text: h.clone(),
                                    span: None,
                                    score: Some(p),
                                    negated_by: None,
                                    document: None,
                                };
                                best = (p, Some(ev));
                            }
                        }
                        best
                    })
                    .collect()
            })
            .collect();
        Ok(self.common.frames(doc, entities, scores))
    }

    fn info(&self) -> ComponentInfo {
        self.common.info(self.model.info())
    }
}

/// Embedding zero-shot with a transformer sentence embedder.
pub struct EmbeddingFramer {
    common: Common,
    model: SentenceEmbedder,
    prototypes: Prototypes,
}

impl EmbeddingFramer {
    /// A framer for `set` that embeds each label's name, description and
    /// examples with `model` once, to compare sentences with.
    pub fn new(set: FrameSet, model: SentenceEmbedder) -> Result<Self> {
        let prototypes = Prototypes::build(&set, |texts| {
            Ok(model.embed(texts)?.into_iter().map(Some).collect())
        })?;
        Ok(Self {
            common: Common::new(set, FrameMethod::Embedding)?,
            model,
            prototypes,
        })
    }
}

impl FrameClassifier for EmbeddingFramer {
    fn classify(
        &self,
        doc: &Tokenized<'_>,
        entities: &[Entity],
        _notes: &mut Vec<String>,
    ) -> Result<Vec<Frame>> {
        let texts = doc.sentence_texts();
        let vectors = self.model.embed(&texts)?;
        let scores = vectors
            .iter()
            .map(|v| {
                let neutral = self.prototypes.neutral_similarity(v);
                (0..self.common.set.labels.len())
                    .map(|label| self.prototypes.score(label, v, neutral))
                    .collect()
            })
            .collect();
        Ok(self.common.frames(doc, entities, scores))
    }

    fn info(&self) -> ComponentInfo {
        self.common.info(self.model.info())
    }
}
