//! What framing finds: a label scored on a sentence ([`Frame`]) with the
//! evidence behind it, and a label scored on a whole document
//! ([`DocFrame`]).

use serde::Serialize;

use crate::text::Span;

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
    /// The bare label name was the nearest match, or its words occur.
    Label,
    /// A feature of the learned classifier that weighed most for the label
    /// (its contribution to the log-odds in `score`).
    Feature,
    /// A labelled training sentence of the label near this one (cosine of
    /// the static vectors in `score`).
    Training,
}

/// Why a frame was assigned.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// Where it comes from.
    pub kind: EvidenceKind,
    /// The cue words, description, example or hypothesis.
    pub text: String,
    /// For cues: where they occur in the document text.
    #[serde(skip)]
    pub span: Option<Span>,
    /// Similarity or entailment score behind this piece of evidence; 0 for
    /// a negated cue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
    /// For cues: the negator, as written in the text, whose scope holds the
    /// cue ("no" in "no shortage"); such a cue is listed but counts for
    /// nothing (see [`negation::Negation`](super::negation::Negation)).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub negated_by: Option<String>,
    /// For [`EvidenceKind::Training`]: the labelled sentence's document id
    /// and sentence number (`id#3`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
}

/// A frame label scored on one sentence (or clause).
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// Byte span of the sentence (or clause) in the document text.
    pub span: Span,
    /// Index of the sentence.
    pub sentence: usize,
    /// The frame label, as the frame set names it.
    pub label: String,
    /// The label's score, on the method's own scale (see
    /// [`FrameMethod`](super::FrameMethod)).
    pub score: f32,
    /// Whether the score passed the label's threshold.
    pub selected: bool,
    /// What the score rests on: cues, the nearest description or example,
    /// the classifier's strongest features, near training sentences.
    pub evidence: Vec<Evidence>,
    /// Index of the entity (an actor mention) the framing is about.
    pub target: Option<usize>,
}

/// A frame label aggregated over a whole document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocFrame {
    /// The frame label.
    pub label: String,
    /// Mean of the label's [`DOC_TOP_K`](super::DOC_TOP_K) highest sentence scores: one
    /// strong sentence counts, several count more, and a long article's
    /// many neutral sentences do not dilute it.
    pub score: f32,
    /// The highest sentence score.
    pub max: f32,
    /// Number of sentences selected for the label.
    pub sentences: usize,
}
