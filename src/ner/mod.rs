//! Named-entity recognition: the label set, the mention type and the
//! [`EntityRecognizer`] trait that every engine implements.

use std::ops::Range;

use crate::document::Tokenized;
use crate::error::Result;
use crate::models::ComponentInfo;
use crate::text::Span;

pub mod chunk;
pub mod conll;
pub mod model;

crate::names::named_enum! {
    /// CoNLL-2003 entity types.
    #[derive(PartialOrd, Ord)]
    pub enum EntityLabel("entity label") {
        /// Person.
        Per = "PER",
        /// Organisation.
        Org = "ORG",
        /// Location.
        Loc = "LOC",
        /// Miscellaneous (nationalities, events, works, ...).
        Misc = "MISC",
    }
}

/// A recognised entity mention.
#[derive(Debug, Clone, PartialEq)]
pub struct Mention {
    /// Byte span into the document text.
    pub span: Span,
    /// Its tokens, as a range into the document's token list.
    pub tokens: Range<usize>,
    /// Its CoNLL label.
    pub label: EntityLabel,
    /// Confidence in [0, 1].
    pub score: f32,
}

/// Finds entity mentions in a tokenised document.
///
/// Implementations must return mentions sorted by start, non-overlapping and
/// aligned to token boundaries. Anything worth knowing about how a document
/// was processed (for example that it was split into windows) goes to `notes`.
pub trait EntityRecognizer: Send + Sync {
    /// The mentions `doc` holds, in text order; anything worth knowing about how the document was processed goes to `notes`.
    fn recognize(&self, doc: &Tokenized<'_>, notes: &mut Vec<String>) -> Result<Vec<Mention>>;

    /// Name and model files, for the record's `engine` field.
    fn info(&self) -> ComponentInfo;
}
