//! What the transformer engine's frame classifiers (`nli`, `embedding`,
//! `setfit`) share: given a score per sentence and label from their model,
//! the frames, selected by each label's threshold under the method and
//! aimed at the actor nearest the label's first cue.

use std::ops::Range;

use crate::document::Tokenized;
use crate::error::Result;
use crate::frames::cues::{CueMatcher, MatchText};
use crate::frames::{choose_target, Evidence, Frame, FrameMethod, FrameSet};
use crate::models::ComponentInfo;
use crate::resolve::Entity;

/// A frame set as one transformer method scores it: the set, each label's
/// threshold under the method, and the cue matcher whose hits anchor a
/// frame's target on its words.
pub(crate) struct ScoredSet {
    pub(crate) set: FrameSet,
    method: FrameMethod,
    /// Per label, in the set's order.
    pub(crate) thresholds: Vec<f32>,
    pub(crate) cues: CueMatcher,
}

impl ScoredSet {
    /// `set` with the thresholds `method` has in it.
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

    /// The classifier's name and files: the method, the set, and `model`'s.
    pub(crate) fn info(&self, model: ComponentInfo) -> ComponentInfo {
        ComponentInfo::with_files(
            format!("frames-{}:{}+{}", self.method, self.set.name, model.name),
            model.files,
        )
    }
}
