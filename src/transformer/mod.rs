//! The transformer engine on rust-bert (libtorch), behind the `transformers`
//! cargo feature: token-classification NER, zero-shot NLI scoring and
//! sentence embeddings, all loaded from local model directories in the
//! layout Hugging Face publishes (`config.json`, `tokenizer.json` or
//! `vocab.txt`, and `rust_model.ot`, `model.safetensors` or
//! `pytorch_model.bin`).
//!
//! rust-bert's pipelines tokenise raw strings themselves and cannot be told
//! which words newstag already found, and its zero-shot pipeline assumes the
//! MNLI label order; so this module uses rust-bert's model types directly and
//! does tokenisation, windowing, pooling and label decoding itself.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{Error, Result};

pub mod architectures;
pub mod distill;
pub mod embed;
pub mod fetch;
pub mod ner;
pub mod nli;
pub mod tokenizer;
pub mod weights;

pub use embed::SentenceEmbedder;
pub use ner::TransformerRecognizer;
pub use nli::NliModel;

/// Default largest batch of sequences per forward pass.
pub const DEFAULT_BATCH_SIZE: usize = 16;

/// A model error naming the file it concerns.
pub(crate) fn model_error(path: &Path, message: impl Display) -> Error {
    Error::Model {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

/// A rust-bert or libtorch failure during inference; `what` names the step.
pub(crate) fn torch_error(what: &'static str, err: impl Into<rust_bert::RustBertError>) -> Error {
    Error::Torch {
        what,
        source: err.into(),
    }
}

/// The parts of a Hugging Face `config.json` that the engine reads itself;
/// the typed rust-bert configuration is parsed from the same text.
#[derive(Debug, Clone)]
pub struct ModelConfig {
    /// The `config.json` read.
    pub path: PathBuf,
    /// The file's text, for the typed parse.
    pub text: String,
    /// `model_type` (`bert`, `roberta`, `distilbert`, `deberta`, ...).
    pub model_type: String,
    /// Class index to label name, in index order (empty for bare encoders).
    pub id2label: BTreeMap<i64, String>,
    /// Longest sequence the position embeddings allow, special tokens
    /// included (RoBERTa's padding offset already subtracted).
    pub max_positions: usize,
}

impl ModelConfig {
    /// Reads `dir/config.json`.
    pub fn read(dir: &Path) -> Result<Self> {
        let path = crate::models::require(dir, "config.json", &missing_hint(dir))?;
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let value: Value = serde_json::from_str(&text)
            .map_err(|e| Error::record(&path, e.line(), "(json)", e.to_string()))?;
        let model_type = value
            .get("model_type")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::record(&path, 1, "model_type", "missing or not a string"))?
            .to_string();
        let mut id2label = BTreeMap::new();
        if let Some(map) = value.get("id2label").and_then(Value::as_object) {
            for (key, label) in map {
                let index: i64 = key.parse().map_err(|_| {
                    Error::record(&path, 1, format!("id2label.{key}"), "key is not an integer")
                })?;
                let label = label.as_str().ok_or_else(|| {
                    Error::record(&path, 1, format!("id2label.{key}"), "label is not a string")
                })?;
                id2label.insert(index, label.to_string());
            }
        }
        let positions = value
            .get("max_position_embeddings")
            .or_else(|| value.get("n_positions"))
            .and_then(Value::as_u64)
            .unwrap_or(512) as usize;
        // RoBERTa-style models number positions from padding_idx + 1.
        let offset = match model_type.as_str() {
            "roberta" | "xlm-roberta" | "camembert" => 2,
            _ => 0,
        };
        let max_positions = positions.saturating_sub(offset).min(512);
        Ok(Self {
            path,
            text,
            model_type,
            id2label,
            max_positions,
        })
    }

    /// Parses the text as rust-bert's typed configuration `T`.
    pub fn typed<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_str(&self.text).map_err(|e| {
            Error::record(
                &self.path,
                e.line(),
                "(config)",
                format!("not a {} configuration: {e}", self.model_type),
            )
        })
    }

    /// Labels in index order; an error unless indices are exactly 0..n.
    pub fn labels(&self) -> Result<Vec<String>> {
        for (expected, index) in self.id2label.keys().enumerate() {
            if *index != expected as i64 {
                return Err(Error::record(
                    &self.path,
                    1,
                    "id2label",
                    format!("indices must be 0..{}, found {index}", self.id2label.len()),
                ));
            }
        }
        if self.id2label.is_empty() {
            return Err(Error::record(
                &self.path,
                1,
                "id2label",
                "missing: a classification model must name its labels",
            ));
        }
        Ok(self.id2label.values().cloned().collect())
    }
}

/// What to do when a model directory lacks a file.
pub(crate) fn missing_hint(dir: &Path) -> String {
    format!(
        "put the Hugging Face files (config.json, tokenizer.json or vocab.txt or vocab.json+merges.txt, model.safetensors) in {} \
         or run `newstag models fetch NAME` (see README, \"Transformer engine\")",
        dir.display()
    )
}

/// Row-major `[rows, cols]` tensor data into vectors.
pub(crate) fn rows_of(tensor: &tch::Tensor) -> Result<Vec<Vec<f32>>> {
    let tensor = tensor.to_kind(tch::Kind::Float).contiguous();
    let size = tensor.size();
    if size.len() != 2 {
        return Err(torch_error(
            "reading a matrix",
            rust_bert::RustBertError::ValueError(format!("expected 2 dimensions, got {size:?}")),
        ));
    }
    let flat: Vec<f32> =
        Vec::<f32>::try_from(tensor.view([-1])).map_err(|e| torch_error("reading tensor", e))?;
    let cols = size[1] as usize;
    Ok(flat.chunks(cols.max(1)).map(<[f32]>::to_vec).collect())
}
