//! The transformer engine's NLI zero-shot frame classifier (`--frame-method
//! nli`, feature `transformers`): a label's score on a sentence is the
//! highest entailment probability of its hypotheses given the sentence.

use crate::document::Tokenized;
use crate::error::Result;
use crate::frames::scored::ScoredSet;
use crate::frames::{Evidence, EvidenceKind, Frame, FrameClassifier, FrameMethod, FrameSet};
use crate::models::ComponentInfo;
use crate::resolve::Entity;
use crate::transformer::NliModel;

/// NLI zero-shot: every sentence against every hypothesis of every label.
pub struct NliFramer {
    scored: ScoredSet,
    model: NliModel,
    /// Per label: its hypotheses with the label's name filled in.
    hypotheses: Vec<Vec<String>>,
}

impl NliFramer {
    /// A classifier for `set`, whose labels' hypotheses `model` weighs
    /// against each sentence.
    pub fn new(set: FrameSet, model: NliModel) -> Result<Self> {
        let hypotheses = set.labels.iter().map(|d| d.filled_hypotheses()).collect();
        Ok(Self {
            scored: ScoredSet::new(set, FrameMethod::Nli)?,
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
        Ok(self.scored.frames(doc, entities, scores))
    }

    fn info(&self) -> ComponentInfo {
        self.scored.info(self.model.info())
    }
}
