//! The transformer engine's sentence-embedding frame classifier
//! (`--frame-method embedding`, feature `transformers`): sentence vectors
//! from a transformer encoder (all-MiniLM-L6-v2 by default) compared with
//! each label's name, description and examples, as the static method does
//! with static vectors (`embedded`).

use crate::document::Tokenized;
use crate::error::Result;
use crate::frames::prototypes::Prototypes;
use crate::frames::scored::ScoredSet;
use crate::frames::{Frame, FrameClassifier, FrameMethod, FrameSet};
use crate::models::ComponentInfo;
use crate::resolve::Entity;
use crate::transformer::SentenceEmbedder;

/// Embedding zero-shot with a transformer sentence embedder.
pub struct EmbeddingFramer {
    scored: ScoredSet,
    model: SentenceEmbedder,
    prototypes: Prototypes,
}

impl EmbeddingFramer {
    /// A classifier for `set` scored with `model`'s sentence vectors; the
    /// labels' prototypes (name, description, examples) are embedded here,
    /// once.
    pub fn new(set: FrameSet, model: SentenceEmbedder) -> Result<Self> {
        let prototypes = Prototypes::build(&set, |texts| {
            Ok(model.embed(texts)?.into_iter().map(Some).collect())
        })?;
        Ok(Self {
            scored: ScoredSet::new(set, FrameMethod::Embedding)?,
            model,
            prototypes,
        })
    }
}

impl FrameClassifier for EmbeddingFramer {
    fn classify(
        &self,
        doc: &Tokenized<'_>,
        entities: &[Entity],
        _notes: &mut Vec<String>,
    ) -> Result<Vec<Frame>> {
        let texts = doc.sentence_texts();
        let vectors = self.model.embed(&texts)?;
        let scores = vectors
            .iter()
            .map(|v| {
                let neutral = self.prototypes.neutral_similarity(v);
                (0..self.scored.set.labels.len())
                    .map(|label| self.prototypes.score(label, v, neutral))
                    .collect()
            })
            .collect();
        Ok(self.scored.frames(doc, entities, scores))
    }

    fn info(&self) -> ComponentInfo {
        self.scored.info(self.model.info())
    }
}
