//! The framing methods, by the name `--frame-method` and frame set
//! thresholds use.

use super::FALLBACK_THRESHOLD;

crate::names::named_enum! {
    /// How frames are scored. `static` is the embedded engine's default; `nli`
    /// and `embedding` need the transformer engine; `cues` and `every` are the
    /// baselines the README compares against.
    pub enum FrameMethod("frame method") {
        /// Static token embeddings (label, description, examples) with cue
        /// evidence: pure Rust, fast.
        Static = "static",
        /// Learned: a classifier trained on labelled documents by
        /// `newstag train-frames` ([`learned`](super::learned)), over static vectors, cues,
        /// actors and neighbouring sentences; the embedded default when the
        /// frame set has one.
        Learned = "learned",
        /// Static token embeddings only, no cues (to show what cues add).
        Vectors = "vectors",
        /// Keyword baseline: cue phrases and the label's own words only.
        Cues = "cues",
        /// Baseline: every sentence gets every label.
        Every = "every",
        /// Transformer: entailment of each hypothesis by an NLI model.
        Nli = "nli",
        /// Transformer: all-MiniLM-L6-v2 sentence embeddings.
        Embedding = "embedding",
        /// Transformer: a sentence encoder fine-tuned on labelled documents
        /// with a logistic-regression head per label (SetFit-style, trained by
        /// `scripts/train-setfit.py`; see `frames::setfit`).
        Setfit = "setfit",
    }
}

// Ordered by name, not by declaration: a frame set's `thresholds`, keyed by
// method, is then written in the order it was when keyed by the names.
impl Ord for FrameMethod {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for FrameMethod {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl FrameMethod {
    /// Threshold used when the frame set gives none.
    pub fn default_threshold(self) -> f32 {
        match self {
            Self::Every => 0.0,
            _ => FALLBACK_THRESHOLD,
        }
    }

    /// Whether the method needs the transformer engine.
    pub fn is_transformer(self) -> bool {
        matches!(self, Self::Nli | Self::Embedding | Self::Setfit)
    }
}
