//! Document-level frame scores from sentence-level ones, built up one
//! sentence frame at a time so that memory does not grow with the document.

use super::{DocFrame, Frame};

/// How many of the best sentences make a document's frame score.
pub const DOC_TOP_K: usize = 3;

/// Document-level scores per label, in the order labels first appear: the
/// mean of the top [`DOC_TOP_K`] sentence scores (missing sentences count
/// as 0), the maximum, and how many sentences were selected.
pub fn aggregate(frames: &[Frame]) -> Vec<DocFrame> {
    let mut tally = FrameTally::default();
    frames.iter().for_each(|f| tally.add(f));
    tally.finish()
}

/// Document frames built up one sentence frame at a time: per label, in
/// order of first appearance, the [`DOC_TOP_K`] best scores and the number
/// of selected sentences. Memory does not grow with the document.
#[derive(Debug, Clone, Default)]
pub struct FrameTally {
    labels: Vec<LabelTally>,
}

#[derive(Debug, Clone)]
struct LabelTally {
    label: String,
    /// Highest scores first.
    best: Vec<f32>,
    selected: usize,
}

impl FrameTally {
    /// Counts one sentence frame.
    pub fn add(&mut self, frame: &Frame) {
        let i = match self.labels.iter().position(|t| t.label == frame.label) {
            Some(i) => i,
            None => {
                let label = frame.label.clone();
                self.labels.push(LabelTally {
                    label,
                    best: Vec::with_capacity(DOC_TOP_K + 1),
                    selected: 0,
                });
                self.labels.len() - 1
            }
        };
        let tally = &mut self.labels[i];
        let at = tally.best.partition_point(|&b| b >= frame.score);
        if at < DOC_TOP_K {
            tally.best.insert(at, frame.score);
            tally.best.truncate(DOC_TOP_K);
        }
        tally.selected += usize::from(frame.selected);
    }

    /// The document frames of everything added, one per label in order of
    /// first appearance (see [`aggregate`]).
    pub fn finish(self) -> Vec<DocFrame> {
        self.labels
            .into_iter()
            .map(|t| DocFrame {
                score: t.best.iter().sum::<f32>() / DOC_TOP_K as f32,
                max: t.best.first().copied().unwrap_or(0.0),
                sentences: t.selected,
                label: t.label,
            })
            .collect()
    }
}
