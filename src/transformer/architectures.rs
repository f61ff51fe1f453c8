//! The rust-bert architectures the engine runs, one enum per task shape:
//! bare encoders (sentence embeddings), token classifiers (NER) and
//! sequence classifiers (NLI). `config.json`'s `model_type` picks the
//! variant; weights load through [`super::weights::load_into`].

use std::path::{Path, PathBuf};

use rust_bert::bart::{BartConfig, BartForSequenceClassification};
use rust_bert::bert::{
    BertConfig, BertEmbeddings, BertForSequenceClassification, BertForTokenClassification,
    BertModel,
};
use rust_bert::deberta::{
    DebertaConfig, DebertaForSequenceClassification, DebertaForTokenClassification,
};
use rust_bert::deberta_v2::{
    DebertaV2Config, DebertaV2ForSequenceClassification, DebertaV2ForTokenClassification,
};
use rust_bert::distilbert::{
    DistilBertConfig, DistilBertForTokenClassification, DistilBertModel, DistilBertModelClassifier,
};
use rust_bert::roberta::{
    RobertaEmbeddings, RobertaForSequenceClassification, RobertaForTokenClassification,
};
use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};
use tokenizers::Encoding;

use super::weights::load_into;
use super::{model_error, torch_error, ModelConfig};
use crate::error::Result;

/// A padded batch of encoded sequences, each tensor `[batch, seq]`.
pub struct Batch {
    /// Piece ids, padded with the tokenizer's pad id.
    pub input_ids: Tensor,
    /// 1 for a piece, 0 for padding.
    pub attention_mask: Tensor,
    /// Segment ids (0 for the first sequence of a pair, 1 for the second).
    pub token_type_ids: Tensor,
}

impl Batch {
    /// Pads `encodings` to the longest with `pad_id`.
    pub fn new(encodings: &[&Encoding], pad_id: u32) -> Self {
        Self::from_segments(
            encodings.iter().map(|e| (e.get_ids(), e.get_type_ids())),
            pad_id,
        )
    }

    /// Pads sequences of piece ids (all of segment 0) to the longest.
    pub fn from_ids(rows: &[Vec<u32>], pad_id: u32) -> Self {
        Self::from_segments(rows.iter().map(|r| (r.as_slice(), &[][..])), pad_id)
    }

    /// Pads sequences given as (piece ids, segment ids) to the longest;
    /// missing segment ids are 0.
    pub fn from_segments<'a>(
        seqs: impl Iterator<Item = (&'a [u32], &'a [u32])> + Clone,
        pad_id: u32,
    ) -> Self {
        let width = seqs
            .clone()
            .map(|(ids, _)| ids.len())
            .max()
            .unwrap_or(0)
            .max(1);
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
        format!(
            "model_type {:?} is not supported for {task} (supported: {supported})",
            config.model_type
        ),
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
    /// `model_type` `bert`.
    Bert(BertModel<BertEmbeddings>),
    /// `model_type` `roberta` or `xlm-roberta`: BERT layers under RoBERTa
    /// embeddings.
    Roberta(BertModel<RobertaEmbeddings>),
    /// `model_type` `distilbert`.
    DistilBert(DistilBertModel),
}

impl Encoder {
    /// Builds the encoder of `config` and loads the weights of `dir`.
    pub fn load(dir: &Path, config: &ModelConfig) -> Result<(Self, VarStore, PathBuf)> {
        let mut vs = store();
        let root = vs.root();
        let model = match config.model_type.as_str() {
            "bert" => Self::Bert(BertModel::new_with_optional_pooler(
                &root,
                &config.typed::<BertConfig>()?,
                false,
            )),
            "roberta" | "xlm-roberta" => Self::Roberta(BertModel::new_with_optional_pooler(
                &root,
                &config.typed::<BertConfig>()?,
                false,
            )),
            "distilbert" => Self::DistilBert(DistilBertModel::new(
                &root,
                &config.typed::<DistilBertConfig>()?,
            )),
            _ => {
                return Err(unsupported(
                    config,
                    "sentence embeddings",
                    "bert, roberta, xlm-roberta, distilbert",
                ))
            }
        };
        let file = load_into(&mut vs, dir, base_prefix(config))?;
        Ok((model, vs, file))
    }

    /// Last hidden state, `[batch, seq, hidden]`.
    pub fn forward(&self, batch: &Batch) -> Result<Tensor> {
        let (ids, mask) = (Some(&batch.input_ids), Some(&batch.attention_mask));
        let out = match self {
            Self::Bert(m) => m.forward_t(
                ids,
                mask,
                Some(&batch.token_type_ids),
                None,
                None,
                None,
                None,
                false,
            ),
            Self::Roberta(m) => m.forward_t(ids, mask, None, None, None, None, None, false),
            Self::DistilBert(m) => {
                return m
                    .forward_t(ids, mask, None, false)
                    .map(|o| o.hidden_state)
                    .map_err(|e| torch_error("forward", e))
            }
        };
        out.map(|o| o.hidden_state)
            .map_err(|e| torch_error("forward", e))
    }
}

/// The forward call of each rust-bert head signature, named after the
/// architecture that has it: the token and sequence heads of one
/// architecture take the same arguments, so both enums share these calls.
macro_rules! logits {
    (bert, $m:ident, $b:ident) => {
        $m.forward_t(
            Some(&$b.input_ids),
            Some(&$b.attention_mask),
            Some(&$b.token_type_ids),
            None,
            None,
            false,
        )
        .logits
    };
    // RoBERTa checkpoints have one segment type (type_vocab_size 1): segment ids are left out.
    (roberta, $m:ident, $b:ident) => {
        $m.forward_t(
            Some(&$b.input_ids),
            Some(&$b.attention_mask),
            None,
            None,
            None,
            false,
        )
        .logits
    };
    (distilbert, $m:ident, $b:ident) => {
        $m.forward_t(Some(&$b.input_ids), Some(&$b.attention_mask), None, false)
            .map_err(|e| torch_error("forward", e))?
            .logits
    };
    (deberta, $m:ident, $b:ident) => {
        $m.forward_t(
            Some(&$b.input_ids),
            Some(&$b.attention_mask),
            Some(&$b.token_type_ids),
            None,
            None,
            false,
        )
        .map_err(|e| torch_error("forward", e))?
        .logits
    };
    // BART's classification head sits on the decoder, whose output holds the logits.
    (bart, $m:ident, $b:ident) => {
        $m.forward_t(
            &$b.input_ids,
            Some(&$b.attention_mask),
            None,
            None,
            None,
            false,
        )
        .decoder_output
    };
}

/// Generates the classifier enums with their `load` and `forward` from one
/// table of architectures: each row names the variant, its rust-bert
/// configuration type, the `model_type` values that select it and the
/// `logits!` call that runs it, then its token and sequence heads. The table
/// is the only list of what each task supports; the "not supported" messages
/// are built from it too.
macro_rules! classifiers {
    (
        $(#[$token_doc:meta])*
        pub enum $token:ident($token_task:literal, $token_logits:literal);
        $(#[$sequence_doc:meta])*
        pub enum $sequence:ident($sequence_task:literal, $sequence_logits:literal);
        both {
            $($variant:ident($config:ident, $($model_type:literal)|+, $call:ident)
                => $token_head:ident, $sequence_head:ident;)+
        }
        sequence only {
            $($only:ident($only_config:ident, $($only_type:literal)|+, $only_call:ident) => $only_head:ident;)*
        }
    ) => {
        classifiers!(@enum $(#[$token_doc])* $token($token_task, $token_logits) {
            $($variant($token_head, $config, $($model_type)|+, $call))+
        });
        classifiers!(@enum $(#[$sequence_doc])* $sequence($sequence_task, $sequence_logits) {
            $($variant($sequence_head, $config, $($model_type)|+, $call))+
            $($only($only_head, $only_config, $($only_type)|+, $only_call))*
        });
    };
    (@enum $(#[$doc:meta])* $name:ident($task:literal, $logits:literal) {
        $($variant:ident($model:ident, $config:ident, $($model_type:literal)|+, $call:ident))+
    }) => {
        $(#[$doc])*
        // Variants differ in size, but a process holds one model: boxing saves nothing.
        #[allow(clippy::large_enum_variant)]
        pub enum $name {
            $(
                #[doc = concat!("rust-bert's `", stringify!($model), "`, for `model_type` ", $("`", $model_type, "` ",)+ ".")]
                $variant($model),
            )+
        }

        impl $name {
            /// Builds the classifier of `config` and loads the weights of `dir`.
            pub fn load(dir: &Path, config: &ModelConfig) -> Result<(Self, VarStore, PathBuf)> {
                let mut vs = store();
                let root = vs.root();
                let err = |e| rb_error(config, e);
                let model = match config.model_type.as_str() {
                    $($($model_type)|+ => {
                        Self::$variant($model::new(&root, &config.typed::<$config>()?).map_err(err)?)
                    })+
                    _ => return Err(unsupported(config, $task, &[$($($model_type),+),+].join(", "))),
                };
                let file = load_into(&mut vs, dir, base_prefix(config))?;
                Ok((model, vs, file))
            }

            #[doc = concat!("Logits, `", $logits, "`.")]
            pub fn forward(&self, batch: &Batch) -> Result<Tensor> {
                let logits = match self {
                    $(Self::$variant(m) => logits!($call, m, batch),)+
                };
                Ok(logits.to_kind(Kind::Float))
            }
        }
    };
}

classifiers! {
    /// A token classifier: logits per piece.
    pub enum TokenClassifier("token classification", "[batch, seq, labels]");
    /// A sequence(-pair) classifier: logits per sequence.
    pub enum SequenceClassifier("sequence classification", "[batch, labels]");
    // Variant(configuration, `model_type` values, `logits!` call) => token head, sequence head.
    both {
        Bert(BertConfig, "bert", bert) => BertForTokenClassification, BertForSequenceClassification;
        Roberta(BertConfig, "roberta" | "xlm-roberta", roberta)
            => RobertaForTokenClassification, RobertaForSequenceClassification;
        DistilBert(DistilBertConfig, "distilbert", distilbert)
            => DistilBertForTokenClassification, DistilBertModelClassifier;
        Deberta(DebertaConfig, "deberta", deberta) => DebertaForTokenClassification, DebertaForSequenceClassification;
        DebertaV2(DebertaV2Config, "deberta-v2", deberta)
            => DebertaV2ForTokenClassification, DebertaV2ForSequenceClassification;
    }
    // rust-bert has no BART token classifier.
    sequence only {
        Bart(BartConfig, "bart", bart) => BartForSequenceClassification;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(model_type: &str) -> ModelConfig {
        ModelConfig {
            path: PathBuf::from("m/config.json"),
            text: "{}".to_string(),
            model_type: model_type.to_string(),
            id2label: Default::default(),
            max_positions: 512,
        }
    }

    // The supported list in the message is generated from each classifier's table.
    #[test]
    fn an_unknown_model_type_names_the_supported_ones() {
        let gpt2 = config("gpt2");
        let token = TokenClassifier::load(Path::new("m"), &gpt2)
            .err()
            .expect("gpt2 has no token classifier");
        assert_eq!(
            token.to_string(),
            "model m/config.json: model_type \"gpt2\" is not supported for token classification \
             (supported: bert, roberta, xlm-roberta, distilbert, deberta, deberta-v2)"
        );
        let sequence = SequenceClassifier::load(Path::new("m"), &gpt2)
            .err()
            .expect("gpt2 has no sequence classifier");
        assert_eq!(
            sequence.to_string(),
            "model m/config.json: model_type \"gpt2\" is not supported for sequence classification \
             (supported: bert, roberta, xlm-roberta, distilbert, deberta, deberta-v2, bart)"
        );
    }
}
