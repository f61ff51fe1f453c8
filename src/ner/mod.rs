//! Named-entity recognition: the label set, the mention type and the
//! [`EntityRecognizer`] trait that every engine implements.

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::document::Tokenized;
use crate::error::{Error, Result};
use crate::models::ComponentInfo;
use crate::text::Span;

pub mod conll;
pub mod model;

/// CoNLL-2003 entity types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EntityLabel {
    #[serde(rename = "PER")]
    Per,
    #[serde(rename = "ORG")]
    Org,
    #[serde(rename = "LOC")]
    Loc,
    #[serde(rename = "MISC")]
    Misc,
}

impl EntityLabel {
    pub const ALL: [EntityLabel; 4] = [Self::Per, Self::Org, Self::Loc, Self::Misc];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Per => "PER",
            Self::Org => "ORG",
            Self::Loc => "LOC",
            Self::Misc => "MISC",
        }
    }
}

impl fmt::Display for EntityLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EntityLabel {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "PER" => Ok(Self::Per),
            "ORG" => Ok(Self::Org),
            "LOC" => Ok(Self::Loc),
            "MISC" => Ok(Self::Misc),
            other => Err(Error::Config(format!(
                "unknown entity label {other:?} (PER, ORG, LOC, MISC)"
            ))),
        }
    }
}

/// A recognised entity mention.
#[derive(Debug, Clone, PartialEq)]
pub struct Mention {
    /// Byte span into the document text.
    pub span: Span,
    /// Its tokens, as a range into the document's token list.
    pub tokens: Range<usize>,
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
    fn recognize(&self, doc: &Tokenized<'_>, notes: &mut Vec<String>) -> Result<Vec<Mention>>;

    /// Name and model files, for the record's `engine` field.
    fn info(&self) -> ComponentInfo;
}
