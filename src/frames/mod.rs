//! Framing: which of the frames a user asks about each sentence carries, how
//! strongly, on what evidence and about which actor. Frame sets are data
//! ([`FrameSet`], read from TOML or JSON); classifiers implement
//! [`FrameClassifier`].

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize};

use crate::datafile;
use crate::document::Tokenized;
use crate::error::{Error, Result};
use crate::models::ComponentInfo;
use crate::resolve::{Entity, Role};
use crate::text::Span;

pub mod cues;
pub mod embedded;
pub mod learned;
pub mod negation;
#[cfg(feature = "transformers")]
pub mod nli;
pub mod prototypes;
#[cfg(feature = "transformers")]
mod scored;
#[cfg(feature = "transformers")]
pub mod sentence_embedding;
#[cfg(feature = "transformers")]
pub mod setfit;
pub mod vectors;

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
    /// Cue phrases whose presence is evidence for the frame. They are
    /// matched on lowercased, lightly stemmed words, so "shortage" also
    /// finds "shortages".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cues: Vec<String>,
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

crate::names::named_enum! {
    /// How frames are scored. `static` is the embedded engine's default; `nli`
    /// and `embedding` need the transformer engine; `cues` and `every` are the
    /// baselines the README compares against.
    pub enum FrameMethod("frame method") {
        /// Static token embeddings (label, description, examples) with cue
        /// evidence: pure Rust, fast.
        Static = "static",
        /// Learned: a classifier trained on labelled documents by
        /// `newstag train-frames` ([`learned`]), over static vectors, cues,
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
        /// `scripts/train-setfit.py`; see [`setfit`]).
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
    /// nothing (see [`negation::Negation`]).
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
    /// Mean of the label's [`DOC_TOP_K`] highest sentence scores: one
    /// strong sentence counts, several count more, and a long article's
    /// many neutral sentences do not dilute it.
    pub score: f32,
    /// The highest sentence score.
    pub max: f32,
    /// Number of sentences selected for the label.
    pub sentences: usize,
}

/// How many of the best sentences make a document's frame score.
pub const DOC_TOP_K: usize = 3;

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

/// Words that, right after a cue, introduce whom the cue is about
/// ("casualties among the North Korean forces", "losses of Russia"); not
/// "for", which as often names what is needed ("need for North Korean
/// troops").
const PATIENT_MARKERS: [&str; 3] = ["among", "on", "of"];
/// How many tokens after a cue a patient marker may start.
const PATIENT_WINDOW: usize = 2;

/// The actor entity a framing in sentence `sentence` is about. With a cue
/// `anchor`: an actor introduced right after the cue by "among", "on",
/// "of" or "for" ("heavy losses among the North Korean troops"), else the
/// actor nearest before the cue (the possessor or subject usually comes
/// first: "Russia's need for ..."), else the nearest after it. Without a
/// cue, or when those find none: the first actor of the sentence. `None`
/// when the sentence names no actor.
pub fn choose_target(
    doc: &Tokenized<'_>,
    entities: &[Entity],
    sentence: usize,
    anchor: Option<Range<usize>>,
) -> Option<usize> {
    // Entities are in text order, so the sentence's own are one slice: found
    // by binary search, which keeps a long document linear overall.
    let lo = entities.partition_point(|e| e.sentence < sentence);
    let hi = lo + entities[lo..].partition_point(|e| e.sentence <= sentence);
    let actors = || {
        entities[lo..hi]
            .iter()
            .enumerate()
            .map(move |(i, e)| (lo + i, e))
            .filter(|(_, e)| e.role == Role::Actor)
    };
    let first = actors().next().map(|(i, _)| i);
    let Some(cue) = anchor else { return first };
    let patient = || {
        let end = doc
            .sentences
            .get(sentence)
            .map_or(cue.end, |s| s.tokens.end);
        let marker = (cue.end..(cue.end + PATIENT_WINDOW).min(end)).find(|&t| {
            let word = doc.tokens[t].slice(doc.text);
            PATIENT_MARKERS.iter().any(|m| m.eq_ignore_ascii_case(word))
        })?;
        // The actor must start within a few words of the marker ("of the
        // North Korean troops").
        actors()
            .find(|(_, e)| e.mention.tokens.start > marker && e.mention.tokens.start <= marker + 3)
            .map(|(i, _)| i)
    };
    let before = || {
        actors()
            .rfind(|(_, e)| e.mention.tokens.end <= cue.start)
            .map(|(i, _)| i)
    };
    let after = || {
        actors()
            .find(|(_, e)| e.mention.tokens.start >= cue.end)
            .map(|(i, _)| i)
    };
    patient().or_else(before).or_else(after).or(first)
}
