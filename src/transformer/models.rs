//! The rust-bert architectures the engine runs, one enum per task shape:
//! bare encoders (sentence embeddings), token classifiers (NER) and
//! sequence classifiers (NLI). `config.json`'s `model_type` picks the
//! variant; weights load through [`super::weights::load_into`].

use std::path::{Path, PathBuf};

use rust_bert::bart::{BartConfig, BartForSequenceClassification};
use rust_bert::bert::{BertConfig, BertEmbeddings, BertForSequenceClassification, BertForTokenClassification, BertModel};
use rust_bert::deberta::{DebertaConfig, DebertaForSequenceClassification, DebertaForTokenClassification};
use rust_bert::deberta_v2::{
    DebertaV2Config, DebertaV2ForSequenceClassification, DebertaV2ForTokenClassification,
};
use rust_bert::distilbert::{
    DistilBertConfig, DistilBertForTokenClassification, DistilBertModel, DistilBertModelClassifier,
};
use rust_bert::roberta::{RobertaEmbeddings, RobertaForSequenceClassification, RobertaForTokenClassification};
use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};
use tokenizers::Encoding;

use super::weights::load_into;
use super::{model_error, torch_error, ModelConfig};
use crate::error::Result;

/// A padded batch of encoded sequences.
pub struct Batch {
    pub input_ids: Tensor,
    pub attention_mask: Tensor,
    pub token_type_ids: Tensor,
}

impl Batch {
    /// Pads `encodings` to the longest with `pad_id`.
    pub fn new(encodings: &[&Encoding], pad_id: u32) -> Self {
        Self::padded(encodings.iter().map(|e| (e.get_ids(), e.get_type_ids())), pad_id)
    }

    /// Pads sequences of piece ids (all of segment 0) to the longest.
    pub fn from_ids(rows: &[Vec<u32>], pad_id: u32) -> Self {
        Self::padded(rows.iter().map(|r| (r.as_slice(), &[][..])), pad_id)
    }

    /// Sequences as (ids, type ids); missing type ids are 0.
    fn padded<'a>(seqs: impl Iterator<Item = (&'a [u32], &'a [u32])> + Clone, pad_id: u32) -> Self {
        let width = seqs.clone().map(|(ids, _)| ids.len()).max().unwrap_or(0).max(1);
        let rows = seqs.clone().count();
        let mut ids = vec![i64::from(pad_id); rows * width];
        let mut mask = vec![0i64; rows * width];
        let mut types = vec![0i64; rows * width];
        for (row, (seq, seq_types)) in seqs.enumerate() {
            let at = row * width;
            for (i, &id) in seq.iter().enumerate() {
                ids[at + i] = i64::from(id);
                types[at + i] = seq_types.get(i).map_or(0, |&t| i64::from(t));
                mask[at + i] = 1;
            }
        }
        let shape = [rows as i64, width as i64];
        Self {
            input_ids: Tensor::from_slice(&ids).view(shape),
            attention_mask: Tensor::from_slice(&mask).view(shape),
            token_type_ids: Tensor::from_slice(&types).view(shape),
        }
    }
}

fn unsupported(config: &ModelConfig, task: &str, supported: &str) -> crate::Error {
    model_error(
        &config.path,
        format!("model_type {:?} is not supported for {task} (supported: {supported})", config.model_type),
    )
}

fn rb_error(config: &ModelConfig, err: impl std::fmt::Display) -> crate::Error {
    model_error(&config.path, err)
}

/// The name under which Hugging Face task checkpoints nest the encoder.
fn base_prefix(config: &ModelConfig) -> &str {
    match config.model_type.as_str() {
        "xlm-roberta" => "roberta",
        "deberta-v2" => "deberta",
        other => other,
    }
}

/// Loaded weights live in the var store, which must outlive the model.
fn store() -> VarStore {
    VarStore::new(Device::Cpu)
}

/// A bare encoder whose last hidden state is pooled into sentence vectors.
pub enum Encoder {
    Bert(BertModel<BertEmbeddings>),
    Roberta(BertModel<RobertaEmbeddings>),
    DistilBert(DistilBertModel),
}

impl Encoder {
    /// Builds the encoder of `config` and loads the weights of `dir`.
    pub fn load(dir: &Path, config: &ModelConfig) -> Result<(Self, VarStore, PathBuf)> {
        let mut vs = store();
        let root = vs.root();
        let model = match config.model_type.as_str() {
            "bert" => Self::Bert(BertModel::new_with_optional_pooler(&root, &config.typed::<BertConfig>()?, false)),
            "roberta" | "xlm-roberta" => {
                Self::Roberta(BertModel::new_with_optional_pooler(&root, &config.typed::<BertConfig>()?, false))
            }
            "distilbert" => Self::DistilBert(DistilBertModel::new(&root, &config.typed::<DistilBertConfig>()?)),
            _ => return Err(unsupported(config, "sentence embeddings", "bert, roberta, xlm-roberta, distilbert")),
        };
        let file = load_into(&mut vs, dir, base_prefix(config))?;
        Ok((model, vs, file))
    }

    /// Last hidden state, `[batch, seq, hidden]`.
    pub fn forward(&self, batch: &Batch) -> Result<Tensor> {
        let (ids, mask) = (Some(&batch.input_ids), Some(&batch.attention_mask));
        let out = match self {
            Self::Bert(m) => m.forward_t(ids, mask, Some(&batch.token_type_ids), None, None, None, None, false),
            Self::Roberta(m) => m.forward_t(ids, mask, None, None, None, None, None, false),
            Self::DistilBert(m) => {
                return m.forward_t(ids, mask, None, false).map(|o| o.hidden_state).map_err(|e| torch_error("forward", e))
            }
        };
        out.map(|o| o.hidden_state).map_err(|e| torch_error("forward", e))
    }
}

/// A token classifier: logits per piece.
// Variants differ in size, but a process holds one model: boxing saves nothing.
#[allow(clippy::large_enum_variant)]
pub enum TokenClassifier {
    Bert(BertForTokenClassification),
    Roberta(RobertaForTokenClassification),
    DistilBert(DistilBertForTokenClassification),
    Deberta(DebertaForTokenClassification),
    DebertaV2(DebertaV2ForTokenClassification),
}

impl TokenClassifier {
    /// Builds the classifier of `config` and loads the weights of `dir`.
    pub fn load(dir: &Path, config: &ModelConfig) -> Result<(Self, VarStore, PathBuf)> {
        let mut vs = store();
        let root = vs.root();
        let err = |e| rb_error(config, e);
        let model = match config.model_type.as_str() {
            "bert" => Self::Bert(BertForTokenClassification::new(&root, &config.typed::<BertConfig>()?).map_err(err)?),
            "roberta" | "xlm-roberta" => {
                Self::Roberta(RobertaForTokenClassification::new(&root, &config.typed::<BertConfig>()?).map_err(err)?)
            }
            "distilbert" => Self::DistilBert(
                DistilBertForTokenClassification::new(&root, &config.typed::<DistilBertConfig>()?).map_err(err)?,
            ),
            "deberta" => {
                Self::Deberta(DebertaForTokenClassification::new(&root, &config.typed::<DebertaConfig>()?).map_err(err)?)
            }
            "deberta-v2" => Self::DebertaV2(
                DebertaV2ForTokenClassification::new(&root, &config.typed::<DebertaV2Config>()?).map_err(err)?,
            ),
            _ => {
                return Err(unsupported(
                    config,
                    "token classification",
                    "bert, roberta, xlm-roberta, distilbert, deberta, deberta-v2",
                ))
            }
        };
        let file = load_into(&mut vs, dir, base_prefix(config))?;
        Ok((model, vs, file))
    }

    /// Logits, `[batch, seq, labels]`.
    pub fn forward(&self, batch: &Batch) -> Result<Tensor> {
        let (ids, mask, types) = (Some(&batch.input_ids), Some(&batch.attention_mask), Some(&batch.token_type_ids));
        let logits = match self {
            Self::Bert(m) => m.forward_t(ids, mask, types, None, None, false).logits,
            Self::Roberta(m) => m.forward_t(ids, mask, None, None, None, false).logits,
            Self::DistilBert(m) => m.forward_t(ids, mask, None, false).map_err(|e| torch_error("forward", e))?.logits,
            Self::Deberta(m) => m.forward_t(ids, mask, types, None, None, false).map_err(|e| torch_error("forward", e))?.logits,
            Self::DebertaV2(m) => {
                m.forward_t(ids, mask, types, None, None, false).map_err(|e| torch_error("forward", e))?.logits
            }
        };
        Ok(logits.to_kind(Kind::Float))
    }
}

/// A sequence(-pair) classifier: logits per sequence.
// Variants differ in size, but a process holds one model: boxing saves nothing.
#[allow(clippy::large_enum_variant)]
pub enum SequenceClassifier {
    Bert(BertForSequenceClassification),
    Roberta(RobertaForSequenceClassification),
    DistilBert(DistilBertModelClassifier),
    Deberta(DebertaForSequenceClassification),
    DebertaV2(DebertaV2ForSequenceClassification),
    Bart(BartForSequenceClassification),
}

impl SequenceClassifier {
    /// Builds the classifier of `config` and loads the weights of `dir`.
    pub fn load(dir: &Path, config: &ModelConfig) -> Result<(Self, VarStore, PathBuf)> {
        let mut vs = store();
        let root = vs.root();
        let err = |e| rb_error(config, e);
        let model = match config.model_type.as_str() {
            "bert" => {
                Self::Bert(BertForSequenceClassification::new(&root, &config.typed::<BertConfig>()?).map_err(err)?)
            }
            "roberta" | "xlm-roberta" => Self::Roberta(
                RobertaForSequenceClassification::new(&root, &config.typed::<BertConfig>()?).map_err(err)?,
            ),
            "distilbert" => {
                Self::DistilBert(DistilBertModelClassifier::new(&root, &config.typed::<DistilBertConfig>()?).map_err(err)?)
            }
            "deberta" => Self::Deberta(
                DebertaForSequenceClassification::new(&root, &config.typed::<DebertaConfig>()?).map_err(err)?,
            ),
            "deberta-v2" => Self::DebertaV2(
                DebertaV2ForSequenceClassification::new(&root, &config.typed::<DebertaV2Config>()?).map_err(err)?,
            ),
            "bart" => Self::Bart(BartForSequenceClassification::new(&root, &config.typed::<BartConfig>()?).map_err(err)?),
            _ => {
                return Err(unsupported(
                    config,
                    "sequence classification",
                    "bert, roberta, xlm-roberta, distilbert, deberta, deberta-v2, bart",
                ))
            }
        };
        let file = load_into(&mut vs, dir, base_prefix(config))?;
        Ok((model, vs, file))
    }

    /// Logits, `[batch, labels]`.
    pub fn forward(&self, batch: &Batch) -> Result<Tensor> {
        let (ids, mask, types) = (Some(&batch.input_ids), Some(&batch.attention_mask), Some(&batch.token_type_ids));
        let logits = match self {
            Self::Bert(m) => m.forward_t(ids, mask, types, None, None, false).logits,
            Self::Roberta(m) => m.forward_t(ids, mask, None, None, None, false).logits,
            Self::DistilBert(m) => m.forward_t(ids, mask, None, false).map_err(|e| torch_error("forward", e))?.logits,
            Self::Deberta(m) => m.forward_t(ids, mask, types, None, None, false).map_err(|e| torch_error("forward", e))?.logits,
            Self::DebertaV2(m) => {
                m.forward_t(ids, mask, types, None, None, false).map_err(|e| torch_error("forward", e))?.logits
            }
            Self::Bart(m) => m.forward_t(&batch.input_ids, mask, None, None, None, false).decoder_output,
        };
        Ok(logits.to_kind(Kind::Float))
    }
}
