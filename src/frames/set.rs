//! Frame sets: the labels a user asks about, with what describes them
//! (descriptions, NLI hypotheses, examples, cue phrases) and their decision
//! thresholds, as data read from TOML or JSON.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize};

use crate::datafile;
use crate::error::{Error, Result};

use super::FrameMethod;

/// File name of the shipped frame set, under `models/frames/`.
pub const DEFAULT_SET: &str = "frames/deployment.toml";

/// A set of frame labels to classify, as read from `--frames FILE` or built
/// from `--labels a,b`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameSet {
    /// Name of the set, e.g. `deployment`.
    #[serde(default)]
    pub name: String,
    /// Decision threshold for labels that set none of their own, whatever
    /// the method.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "threshold_opt"
    )]
    pub threshold: Option<f32>,
    /// Decision thresholds per method (`static`, `nli`, ...), which take
    /// precedence over `threshold`: each method scores on its own scale.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "threshold_map"
    )]
    pub thresholds: BTreeMap<FrameMethod, f32>,
    /// Sentences that carry none of the labels (plain reporting). Methods
    /// that compare with examples measure a sentence's similarity to a
    /// label against its similarity to these, so that text that is merely
    /// on the same topic does not count as framed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub neutral: Vec<String>,
    /// The labels, in the order records list them (`[[label]]` tables).
    #[serde(rename = "label")]
    pub labels: Vec<FrameDef>,
}

/// One frame label and what describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameDef {
    /// The label, as records name it (`short_of_men`).
    pub name: String,
    /// What the frame means, in a sentence; embedded and compared with
    /// sentences like an example.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// NLI hypothesis templates; `{}` stands for the label name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hypotheses: Vec<String>,
    /// Example sentences that carry the frame (few-shot).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<String>,
    /// Cue phrases whose presence is evidence for the frame. They are
    /// matched on lowercased, lightly stemmed words, so "shortage" also
    /// finds "shortages".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cues: Vec<String>,
    /// Decision threshold of this label, whatever the method.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "threshold_opt"
    )]
    pub threshold: Option<f32>,
    /// Per-method thresholds of this label; they beat every set-level one.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "threshold_map"
    )]
    pub thresholds: BTreeMap<FrameMethod, f32>,
}

impl FrameDef {
    /// A label with nothing but its name.
    pub fn bare(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            description: None,
            hypotheses: Vec::new(),
            examples: Vec::new(),
            cues: Vec::new(),
            threshold: None,
            thresholds: BTreeMap::new(),
        }
    }

    /// The label name as words ("short_of_men" → "short of men"), which is
    /// what a bare label is matched and embedded as.
    pub fn words(&self) -> String {
        self.name.replace(['_', '-'], " ")
    }

    /// The hypothesis templates with the label filled in; a label without
    /// templates gets the generic one, so NLI works on bare labels too.
    pub fn filled_hypotheses(&self) -> Vec<String> {
        let words = self.words();
        if self.hypotheses.is_empty() {
            return vec![format!("This text is about {words}.")];
        }
        self.hypotheses
            .iter()
            .map(|h| h.replace("{}", &words))
            .collect()
    }
}

/// Threshold every method falls back to when a frame set names none.
pub const FALLBACK_THRESHOLD: f32 = 0.5;

impl FrameSet {
    /// A frame set of bare labels (true zero-shot: no description at all).
    pub fn from_labels<S: AsRef<str>>(labels: &[S]) -> Self {
        Self {
            name: "ad-hoc".to_string(),
            threshold: None,
            thresholds: BTreeMap::new(),
            neutral: Vec::new(),
            labels: labels
                .iter()
                .map(|l| FrameDef::bare(l.as_ref().trim()))
                .collect(),
        }
    }

    /// Keeps only the labels named in `labels`, in that order; a label the
    /// set does not define is added bare (true zero-shot).
    pub fn restricted_to(&self, labels: &[String]) -> FrameSet {
        let mut out = FrameSet::from_labels(labels);
        out.name = self.name.clone();
        out.threshold = self.threshold;
        out.thresholds = self.thresholds.clone();
        out.neutral = self.neutral.clone();
        for def in &mut out.labels {
            if let Some(known) = self.labels.iter().find(|d| d.name == def.name) {
                *def = known.clone();
            }
        }
        out
    }

    /// The label names, in order.
    pub fn label_names(&self) -> impl Iterator<Item = &str> {
        self.labels.iter().map(|l| l.name.as_str())
    }

    /// The decision threshold of label `index` under `method`: the label's
    /// own for the method, else its own, else the set's for the method,
    /// else the set's, else the method's built-in default.
    pub fn threshold_for(&self, index: usize, method: FrameMethod) -> f32 {
        let def = &self.labels[index];
        def.thresholds
            .get(&method)
            .copied()
            .or(def.threshold)
            .or_else(|| self.thresholds.get(&method).copied())
            .or(self.threshold)
            .unwrap_or_else(|| method.default_threshold())
    }

    /// Reads a frame set from a `.toml` or `.json` file. Errors name the
    /// file, the line and the field (e.g. `label[1].threshold`).
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let set = match ext.as_deref() {
            Some("toml") => Self::parse_toml(&text, path)?,
            Some("json") => Self::parse_json(&text, path)?,
            _ => {
                return Err(Error::FrameSet {
                    set: path.display().to_string(),
                    message: "a frame set file must end in .toml or .json".to_string(),
                })
            }
        };
        set.validate(path)?;
        Ok(set)
    }

    /// Parses TOML; `path` only names the source in errors.
    pub fn parse_toml(text: &str, path: &Path) -> Result<Self> {
        datafile::parse_toml(text, path)
    }

    /// Parses JSON; `path` only names the source in errors.
    pub fn parse_json(text: &str, path: &Path) -> Result<Self> {
        datafile::parse_json(text, path)
    }

    /// The set as TOML, in the layout `load` reads.
    pub fn to_toml(&self) -> Result<String> {
        toml::to_string_pretty(self).map_err(|e| Error::FrameSet {
            set: self.name.clone(),
            message: e.to_string(),
        })
    }

    /// The set as pretty JSON, in the layout `load` reads.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("frame sets serialise")
    }

    /// Checks what the file format alone cannot: at least one label, names
    /// unique and non-empty.
    pub fn validate(&self, path: &Path) -> Result<()> {
        let bad = |field: String, message: &str| Error::Field {
            path: path.to_path_buf(),
            field,
            message: message.to_string(),
        };
        if self.labels.is_empty() {
            return Err(bad(
                "label".into(),
                "a frame set needs at least one [[label]]",
            ));
        }
        for (i, def) in self.labels.iter().enumerate() {
            if def.name.trim().is_empty() {
                return Err(bad(format!("label[{i}].name"), "empty label name"));
            }
            if self.labels[..i].iter().any(|d| d.name == def.name) {
                return Err(bad(
                    format!("label[{i}].name"),
                    &format!("label {:?} is defined twice", def.name),
                ));
            }
            if let Some(j) = def.cues.iter().position(|c| c.trim().is_empty()) {
                return Err(bad(format!("label[{i}].cues[{j}]"), "empty cue"));
            }
        }
        Ok(())
    }
}

fn check_threshold<E: serde::de::Error>(t: f32) -> std::result::Result<f32, E> {
    if (0.0..=1.0).contains(&t) {
        Ok(t)
    } else {
        Err(E::custom(format!("threshold {t} is outside [0, 1]")))
    }
}

fn threshold_opt<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<f32>, D::Error> {
    Option::<f32>::deserialize(d)?
        .map(check_threshold)
        .transpose()
}

fn threshold_map<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<BTreeMap<FrameMethod, f32>, D::Error> {
    let map = BTreeMap::<FrameMethod, f32>::deserialize(d)?;
    for &t in map.values() {
        check_threshold::<D::Error>(t)?;
    }
    Ok(map)
}
