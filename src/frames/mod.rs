//! Framing: which of the frames a user asks about each sentence carries, how
//! strongly, on what evidence and about which actor. Frame sets are data
//! ([`FrameSet`]); classifiers implement [`FrameClassifier`].

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::models::ComponentInfo;
use crate::pipeline::Tokenized;
use crate::resolve::Entity;
use crate::text::Span;

/// A set of frame labels to classify, as read from `--frames FILE` or built
/// from `--labels a,b`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameSet {
    /// Name of the set, e.g. `deployment`.
    #[serde(default)]
    pub name: String,
    /// Decision threshold for labels that set none of their own.
    #[serde(default)]
    pub threshold: Option<f32>,
    #[serde(rename = "label")]
    pub labels: Vec<FrameDef>,
}

/// One frame label and what describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameDef {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// NLI hypothesis templates; `{}` stands for the label name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hypotheses: Vec<String>,
    /// Example sentences that carry the frame (few-shot).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<String>,
    /// Cue phrases whose presence is evidence for the frame.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cues: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f32>,
}

impl FrameSet {
    /// A frame set of bare labels (true zero-shot: no description at all).
    pub fn from_labels<S: AsRef<str>>(labels: &[S]) -> Self {
        Self {
            name: "ad-hoc".to_string(),
            threshold: None,
            labels: labels
                .iter()
                .map(|l| FrameDef {
                    name: l.as_ref().to_string(),
                    description: None,
                    hypotheses: Vec::new(),
                    examples: Vec::new(),
                    cues: Vec::new(),
                    threshold: None,
                })
                .collect(),
        }
    }

    /// Keeps only the labels named in `labels`, in that order; a label the
    /// set does not define is added bare (true zero-shot).
    pub fn restricted_to(&self, labels: &[String]) -> FrameSet {
        let mut out = FrameSet::from_labels(labels);
        out.name = self.name.clone();
        out.threshold = self.threshold;
        for def in &mut out.labels {
            if let Some(known) = self.labels.iter().find(|d| d.name == def.name) {
                *def = known.clone();
            }
        }
        out
    }

    pub fn label_names(&self) -> impl Iterator<Item = &str> {
        self.labels.iter().map(|l| l.name.as_str())
    }
}

/// Where a frame's evidence comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EvidenceKind {
    /// A cue phrase found in the sentence (has a span).
    Cue,
    /// The label's description was the nearest match.
    Description,
    /// One of the label's example sentences was the nearest match.
    Example,
    /// An NLI hypothesis was entailed.
    Hypothesis,
    /// The bare label name was the nearest match.
    Label,
}

/// Why a frame was assigned.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    pub kind: EvidenceKind,
    /// The cue words, description, example or hypothesis.
    pub text: String,
    /// For cues: where they occur in the document text.
    #[serde(skip)]
    pub span: Option<Span>,
    /// Similarity or entailment score behind this piece of evidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
}

/// A frame label scored on one sentence (or clause).
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub span: Span,
    pub sentence: usize,
    pub label: String,
    pub score: f32,
    /// Whether the score passed the label's threshold.
    pub selected: bool,
    pub evidence: Vec<Evidence>,
    /// Index of the entity (an actor mention) the framing is about.
    pub target: Option<usize>,
}

/// A frame label aggregated over a whole document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocFrame {
    pub label: String,
    pub score: f32,
    /// Number of sentences selected for the label.
    pub sentences: usize,
}

/// Scores the labels of a frame set on every sentence of a document.
pub trait FrameClassifier: Send + Sync {
    /// Returns one [`Frame`] per sentence and label that the classifier
    /// scored; `selected` says which pass the thresholds.
    fn classify(
        &self,
        doc: &Tokenized<'_>,
        entities: &[Entity],
        notes: &mut Vec<String>,
    ) -> Result<Vec<Frame>>;

    fn info(&self) -> ComponentInfo;
}

/// Document-level scores per label: the highest sentence score, and how many
/// sentences were selected.
pub fn aggregate(frames: &[Frame]) -> Vec<DocFrame> {
    let mut out: Vec<DocFrame> = Vec::new();
    for frame in frames {
        let doc = match out.iter_mut().find(|d| d.label == frame.label) {
            Some(doc) => doc,
            None => {
                out.push(DocFrame { label: frame.label.clone(), score: 0.0, sentences: 0 });
                out.last_mut().expect("just pushed")
            }
        };
        doc.score = doc.score.max(frame.score);
        doc.sentences += usize::from(frame.selected);
    }
    out
}
