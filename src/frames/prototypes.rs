//! Texts a sentence is compared with in embedding space: each label's name,
//! description and examples, and the set's neutral sentences. Shared by
//! every embedding method (static vectors, transformer sentence vectors),
//! which differ only in how they turn text into unit vectors.

use crate::error::Result;
use crate::frames::vectors::dot;
use crate::frames::{Evidence, EvidenceKind, FrameSet};

/// Cosines below this carry no evidence; above, they rise linearly to 1 at
/// [`SIM_FULL`]. Used when the set has no neutral sentences (bare labels).
const SIM_ZERO: f32 = 0.15;
const SIM_FULL: f32 = 0.65;
/// The same for the margin of a sentence's similarity to a label over its
/// similarity to the nearest neutral sentence.
const MARGIN_ZERO: f32 = 0.0;
const MARGIN_FULL: f32 = 0.2;

/// One text a label is compared with.
#[derive(Debug, Clone)]
pub struct Prototype {
    /// What the text is: the label's name, description or an example.
    pub kind: EvidenceKind,
    /// The text, as evidence shows it.
    pub text: String,
    /// Its static vector.
    pub vector: Vec<f32>,
}

/// The prototypes of a frame set, embedded once at load time.
#[derive(Debug, Clone, Default)]
pub struct Prototypes {
    /// Per label, in the set's order.
    labels: Vec<Vec<Prototype>>,
    neutral: Vec<Vec<f32>>,
}

impl Prototypes {
    /// Embeds the texts of `set` with `embed`, which returns one unit
    /// vector per text (`None` for a text it cannot embed).
    pub fn build(
        set: &FrameSet,
        mut embed: impl FnMut(&[&str]) -> Result<Vec<Option<Vec<f32>>>>,
    ) -> Result<Self> {
        let mut labels = Vec::with_capacity(set.labels.len());
        for def in &set.labels {
            let words = def.words();
            let texts: Vec<(EvidenceKind, &str)> =
                std::iter::once((EvidenceKind::Label, words.as_str()))
                    .chain(
                        def.description
                            .iter()
                            .map(|d| (EvidenceKind::Description, d.as_str())),
                    )
                    .chain(
                        def.examples
                            .iter()
                            .map(|e| (EvidenceKind::Example, e.as_str())),
                    )
                    .collect();
            let vectors = embed(&texts.iter().map(|(_, t)| *t).collect::<Vec<_>>())?;
            labels.push(
                texts
                    .into_iter()
                    .zip(vectors)
                    .filter_map(|((kind, text), v)| {
                        v.map(|vector| Prototype {
                            kind,
                            text: text.to_string(),
                            vector,
                        })
                    })
                    .collect(),
            );
        }
        let neutral = embed(&set.neutral.iter().map(String::as_str).collect::<Vec<_>>())?
            .into_iter()
            .flatten()
            .collect();
        Ok(Self { labels, neutral })
    }

    /// Similarity of a sentence vector to the nearest neutral sentence, if
    /// the set has any.
    pub fn neutral_similarity(&self, vector: &[f32]) -> Option<f32> {
        self.neutral
            .iter()
            .map(|n| dot(n, vector))
            .max_by(f32::total_cmp)
    }

    /// Evidence in [0, 1] that a sentence with unit vector `vector` carries
    /// label `label`, and the nearest prototype as evidence. `neutral` is
    /// [`Self::neutral_similarity`] of the same vector, computed once per
    /// sentence.
    pub fn score(
        &self,
        label: usize,
        vector: &[f32],
        neutral: Option<f32>,
    ) -> (f32, Option<Evidence>) {
        let Some((proto, sim)) = self.labels[label]
            .iter()
            .map(|p| (p, dot(&p.vector, vector)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
        else {
            return (0.0, None);
        };
        let score = match neutral {
            Some(n) => (sim - n - MARGIN_ZERO) / (MARGIN_FULL - MARGIN_ZERO),
            None => (sim - SIM_ZERO) / (SIM_FULL - SIM_ZERO),
        };
        let evidence = Evidence {
            kind: proto.kind,
            text: proto.text.clone(),
            span: None,
            score: Some(sim),
            negated_by: None,
            document: None,
        };
        (score.clamp(0.0, 1.0), Some(evidence))
    }
}
