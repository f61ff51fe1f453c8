//! Zero-shot scoring with NLI cross-encoders (BART-MNLI, DeBERTa/RoBERTa
//! NLI, 2-class and 3-class): premise x hypothesis pairs in bounded batches.
//!
//! Which output means entailment is read from the model's own `id2label`.
//! rust-bert's zero-shot pipeline takes the last logit as entailment and
//! logits 0 and 2 as contradiction and entailment, which holds for
//! facebook/bart-large-mnli but not for, e.g., cross-encoder NLI models
//! (contradiction, entailment, neutral) or DeBERTa-v3 NLI models
//! (entailment, neutral, contradiction), and not for 2-class models; so the
//! pipeline is not used.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tch::nn::VarStore;
use tch::Kind;
use tokenizers::{Encoding, TruncationParams, TruncationStrategy};

use super::architectures::{Batch, SequenceClassifier};
use super::embed::dir_name;
use super::tokenizer::SubwordTokenizer;
use super::{model_error, rows_of, ModelConfig, DEFAULT_BATCH_SIZE};
use crate::error::Result;
use crate::models::{ComponentInfo, ModelFile};

/// An NLI model loaded from a local directory.
pub struct NliModel {
    // See SentenceEmbedder: the lock makes the model shareable across threads.
    model: Mutex<SequenceClassifier>,
    _store: VarStore,
    tokenizer: SubwordTokenizer,
    labels: Vec<String>,
    /// `config.json`, named when the model's output contradicts its labels.
    config_path: PathBuf,
    entailment: usize,
    /// The class entailment is weighed against: contradiction for 3-class
    /// models, the other class for 2-class models.
    opposite: usize,
    max_len: usize,
    batch_size: usize,
    info: ComponentInfo,
}

impl NliModel {
    /// Loads the model in `dir`. Fails unless `id2label` names an
    /// entailment class and a contradiction (or, for 2 classes, a
    /// non-entailment) class.
    pub fn load(dir: &Path, batch_size: Option<usize>) -> Result<Self> {
        let config = ModelConfig::read(dir)?;
        let labels = config.labels()?;
        let (entailment, opposite) = entailment_classes(&labels).ok_or_else(|| {
            model_error(
                &config.path,
                format!(
                    "id2label {labels:?} does not say which class is entailment (expected names such as \
                     entailment/neutral/contradiction or entailment/not_entailment)"
                ),
            )
        })?;
        let mut tokenizer = SubwordTokenizer::load(dir)?;
        let max_len = config.max_positions;
        // A pair longer than the model allows loses the end of the premise;
        // `fits` tells callers when that happens.
        let params = TruncationParams {
            max_length: max_len,
            strategy: TruncationStrategy::OnlyFirst,
            ..Default::default()
        };
        tokenizer
            .tokenizer
            .with_truncation(Some(params))
            .map_err(|e| model_error(&tokenizer.path, e))?;
        let (model, store, weights) = SequenceClassifier::load(dir, &config)?;
        let files = vec![
            ModelFile::hash(&weights)?,
            ModelFile::hash(&tokenizer.path)?,
            ModelFile::hash(&config.path)?,
        ];
        Ok(Self {
            model: Mutex::new(model),
            _store: store,
            tokenizer,
            labels,
            config_path: config.path.clone(),
            entailment,
            opposite,
            max_len,
            batch_size: batch_size.unwrap_or(DEFAULT_BATCH_SIZE).max(1),
            info: ComponentInfo::with_files(format!("transformer-nli:{}", dir_name(dir)), files),
        })
    }

    /// Class names in index order, as `id2label` gives them.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Index of the entailment class.
    pub fn entailment_index(&self) -> usize {
        self.entailment
    }

    /// Name and hashed files, for the record's `engine` field.
    pub fn info(&self) -> ComponentInfo {
        self.info.clone()
    }

    /// Whether a pair fits the model's sequence limit untruncated.
    pub fn fits(&self, premise: &str, hypothesis: &str) -> Result<bool> {
        Ok(self
            .tokenizer
            .encode(premise, Some(hypothesis))?
            .get_overflowing()
            .is_empty())
    }

    /// Probability that each premise entails its hypothesis, weighed
    /// against contradiction only (neutral is left out, as in Hugging
    /// Face's multi-label zero-shot pipeline); for 2-class models, against
    /// the other class.
    pub fn entailment(&self, pairs: &[(&str, &str)]) -> Result<Vec<f32>> {
        let logits = self.logits(pairs)?;
        Ok(logits
            .iter()
            .map(|row| {
                let (e, o) = (row[self.entailment], row[self.opposite]);
                1.0 / (1.0 + (o - e).exp())
            })
            .collect())
    }

    /// Softmax over all classes per pair, in `labels()` order.
    pub fn probabilities(&self, pairs: &[(&str, &str)]) -> Result<Vec<Vec<f32>>> {
        Ok(self
            .logits(pairs)?
            .into_iter()
            .map(|row| {
                let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let exp: Vec<f32> = row.iter().map(|x| (x - max).exp()).collect();
                let sum: f32 = exp.iter().sum();
                exp.into_iter().map(|x| x / sum).collect()
            })
            .collect())
    }

    /// Raw logits per pair, computed in batches of at most `batch_size`
    /// pairs of similar length.
    pub fn logits(&self, pairs: &[(&str, &str)]) -> Result<Vec<Vec<f32>>> {
        let mut encoded: Vec<(usize, Encoding)> = pairs
            .iter()
            .enumerate()
            .map(|(i, (premise, hypothesis))| {
                Ok((i, self.tokenizer.encode(premise, Some(hypothesis))?))
            })
            .collect::<Result<_>>()?;
        encoded.sort_by_key(|(_, e)| e.len());
        let mut out = vec![Vec::new(); pairs.len()];
        for chunk in encoded.chunks(self.batch_size) {
            let encodings: Vec<&Encoding> = chunk.iter().map(|(_, e)| e).collect();
            let batch = Batch::new(&encodings, self.tokenizer.pad_id);
            let logits = {
                // A panic in an earlier forward pass poisons the lock but leaves the
                // weights as they were: it costs that one document, not the batch.
                let model = self.model.lock().unwrap_or_else(|p| p.into_inner());
                tch::no_grad(|| model.forward(&batch))?
            };
            let rows = rows_of(&logits.to_kind(Kind::Float))?;
            if rows.first().is_some_and(|r| r.len() != self.labels.len()) {
                return Err(model_error(
                    &self.config_path,
                    format!(
                        "the model gives {} logits but id2label names {} classes",
                        rows[0].len(),
                        self.labels.len()
                    ),
                ));
            }
            for ((i, _), row) in chunk.iter().zip(rows) {
                out[*i] = row;
            }
        }
        Ok(out)
    }

    /// Longest pair, special tokens included.
    pub fn max_len(&self) -> usize {
        self.max_len
    }
}

/// Indices of the entailment class and of the class it is weighed against.
fn entailment_classes(labels: &[String]) -> Option<(usize, usize)> {
    let norm: Vec<String> = labels
        .iter()
        .map(|l| l.to_lowercase().replace(['-', ' '], "_"))
        .collect();
    let negated = |l: &str| l.starts_with("not_") || l.starts_with("non_") || l.starts_with("no_");
    let entailment = norm.iter().position(|l| l.starts_with("entail"))?;
    match labels.len() {
        2 => Some((entailment, 1 - entailment)).filter(|&(_, o)| {
            negated(&norm[o]) || norm[o].starts_with("contradict") || norm[o].starts_with("neutral")
        }),
        3 => norm
            .iter()
            .position(|l| l.starts_with("contradict"))
            .map(|c| (entailment, c)),
        _ => None,
    }
}

// The model is shared by the pipeline's worker threads.
const _: fn() = || {
    fn shareable<T: Send + Sync>() {}
    shareable::<NliModel>();
};

#[cfg(test)]
mod tests {
    use super::entailment_classes;

    fn labels(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn entailment_is_found_by_name_in_any_order() {
        assert_eq!(
            entailment_classes(&labels(&["contradiction", "neutral", "entailment"])),
            Some((2, 0))
        );
        assert_eq!(
            entailment_classes(&labels(&["contradiction", "entailment", "neutral"])),
            Some((1, 0))
        );
        assert_eq!(
            entailment_classes(&labels(&["ENTAILMENT", "NEUTRAL", "CONTRADICTION"])),
            Some((0, 2))
        );
        assert_eq!(
            entailment_classes(&labels(&["not_entailment", "entailment"])),
            Some((1, 0))
        );
        assert_eq!(
            entailment_classes(&labels(&["entailment", "not entailment"])),
            Some((0, 1))
        );
    }

    #[test]
    fn unnamed_labels_are_refused() {
        assert_eq!(
            entailment_classes(&labels(&["LABEL_0", "LABEL_1", "LABEL_2"])),
            None
        );
        assert_eq!(entailment_classes(&labels(&["positive", "negative"])), None);
    }
}
