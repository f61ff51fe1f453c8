//! Framing: which of the frames a user asks about each sentence carries, how
//! strongly, on what evidence and about which actor. Frame sets are data
//! ([`FrameSet`], read from TOML or JSON); classifiers implement
//! [`FrameClassifier`].
//!
//! The shared parts, one file each: `set.rs` (the frame set and its
//! loading), `method.rs` ([`FrameMethod`]), `frame.rs` (what a classifier
//! gives: [`Frame`], [`Evidence`], [`DocFrame`]), `aggregate.rs` (sentence
//! scores into document scores) and `target.rs` (which actor a frame is
//! about). The classifiers: [`embedded`] (static vectors and cues),
//! [`learned`] (the trained classifier), and with the transformer engine
//! `nli` and `setfit`; [`cues`], [`negation`], [`vectors`] and
//! [`prototypes`] are what they build on.

use crate::document::Tokenized;
use crate::error::Result;
use crate::models::ComponentInfo;
use crate::resolve::Entity;

mod aggregate;
pub mod cues;
pub mod embedded;
mod frame;
pub mod learned;
mod method;
pub mod negation;
#[cfg(feature = "transformers")]
pub mod nli;
pub mod prototypes;
#[cfg(feature = "transformers")]
mod scored;
#[cfg(feature = "transformers")]
pub mod sentence_embedding;
mod set;
#[cfg(feature = "transformers")]
pub mod setfit;
mod target;
pub mod vectors;

pub use aggregate::{aggregate, FrameTally, DOC_TOP_K};
pub use frame::{DocFrame, Evidence, EvidenceKind, Frame};
pub use method::FrameMethod;
pub use set::{FrameDef, FrameSet, DEFAULT_SET, FALLBACK_THRESHOLD};
pub use target::choose_target;

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

    /// Name and model files, for the record's `engine` field.
    fn info(&self) -> ComponentInfo;
}
