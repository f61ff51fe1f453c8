//! The actor/place layer: gives every recognised mention a role (actor,
//! place, other) and a country, and groups mentions into distinct actors and
//! places. It sits on top of any [`EntityRecognizer`](crate::ner::EntityRecognizer).

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};
use crate::models::ComponentInfo;
use crate::ner::Mention;
use crate::pipeline::Tokenized;

/// What part a mention plays in the text (see ANNOTATION.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Actor,
    Place,
    Other,
}

impl Role {
    pub const ALL: [Role; 3] = [Self::Actor, Self::Place, Self::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Actor => "actor",
            Self::Place => "place",
            Self::Other => "other",
        }
    }
}

impl FromStr for Role {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "actor" => Ok(Self::Actor),
            "place" => Ok(Self::Place),
            "other" => Ok(Self::Other),
            other => Err(Error::Config(format!("unknown role {other:?} (actor, place, other)"))),
        }
    }
}

/// An ISO 3166-1 alpha-3 country code such as `PRK`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Country([u8; 3]);

impl Country {
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("country codes are ASCII")
    }
}

impl FromStr for Country {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.as_bytes() {
            &[a, b, c] if s.bytes().all(|b| b.is_ascii_uppercase()) => Ok(Self([a, b, c])),
            _ => Err(Error::Config(format!("{s:?} is not an ISO 3166-1 alpha-3 code"))),
        }
    }
}

impl fmt::Debug for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Country {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Country {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A mention with its role, country and the actor or place it refers to.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    pub mention: Mention,
    pub role: Role,
    pub country: Option<Country>,
    /// Index of the sentence the mention lies in.
    pub sentence: usize,
    /// Index into [`Resolution::actors`] (role actor) or
    /// [`Resolution::places`] (role place).
    pub referent: Option<usize>,
}

/// A distinct actor or place of a document, with all its mentions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Referent {
    /// Canonical name ("North Korea" for "Pyongyang" used for its government).
    pub name: String,
    /// Dictionary kind (`state`, `person`, `agency`, ...) or `unknown`.
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<Country>,
    /// Indices into the document's entities.
    pub mentions: Vec<usize>,
}

/// The resolved entities of a document.
#[derive(Debug, Clone, Default)]
pub struct Resolution {
    pub entities: Vec<Entity>,
    pub actors: Vec<Referent>,
    pub places: Vec<Referent>,
}

/// Resolves mentions into actors and places.
#[derive(Debug, Default)]
pub struct Resolver {}

impl Resolver {
    /// Loads the actor dictionary from `models_dir`.
    pub fn load(_models_dir: &Path) -> Result<Self> {
        Ok(Self {})
    }

    pub fn resolve(&self, doc: &Tokenized<'_>, mentions: Vec<Mention>) -> Resolution {
        let entities = mentions
            .into_iter()
            .map(|mention| Entity {
                sentence: doc.sentence_of(mention.tokens.start),
                mention,
                role: Role::Other,
                country: None,
                referent: None,
            })
            .collect();
        Resolution { entities, ..Resolution::default() }
    }

    pub fn info(&self) -> ComponentInfo {
        ComponentInfo::new("actors")
    }
}
