//! Loads a model's sub-word tokenizer from `tokenizer.json`, or builds it
//! for models published without one (BERT WordPiece from `vocab.txt`,
//! RoBERTa byte-level BPE from `vocab.json` and `merges.txt`), and answers
//! what the engine needs from it: special-token ids and how many special
//! tokens a sequence gets.

use std::path::{Path, PathBuf};

use serde_json::Value;
use tokenizers::models::bpe::BPE;
use tokenizers::models::wordpiece::WordPiece;
use tokenizers::normalizers::BertNormalizer;
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::processors::bert::BertProcessing;
use tokenizers::processors::roberta::RobertaProcessing;
use tokenizers::{EncodeInput, Encoding, PostProcessor, Tokenizer};

use super::{missing_hint, model_error};
use crate::error::{Error, Result};

/// A loaded tokenizer and the file it came from.
pub struct SubwordTokenizer {
    /// The Hugging Face tokenizer. It pads nothing (batches are padded by
    /// length, in [`Batch`](super::architectures::Batch)), and truncates
    /// only where the model that loaded it asks.
    pub tokenizer: Tokenizer,
    /// The file it was read from (`tokenizer.json`, `vocab.txt` or
    /// `vocab.json`).
    pub path: PathBuf,
    /// Id used to pad a batch.
    pub pad_id: u32,
    /// Byte-level BPE (GPT-2, RoBERTa, BART) marks a word that follows a
    /// space in its pieces; words given one by one need that space back.
    space_words: bool,
}

impl SubwordTokenizer {
    /// Loads the tokenizer of model directory `dir`.
    pub fn load(dir: &Path) -> Result<Self> {
        let json = dir.join("tokenizer.json");
        let vocab = dir.join("vocab.txt");
        let (bpe_vocab, merges) = (dir.join("vocab.json"), dir.join("merges.txt"));
        let (mut tokenizer, path) = if json.is_file() {
            let tokenizer = Tokenizer::from_file(&json).map_err(|e| model_error(&json, e))?;
            (tokenizer, json)
        } else if vocab.is_file() {
            (wordpiece_from_vocab(dir, &vocab)?, vocab)
        } else if bpe_vocab.is_file() && merges.is_file() {
            (byte_level_bpe(&bpe_vocab, &merges)?, bpe_vocab)
        } else {
            return Err(Error::MissingModel {
                path: json,
                hint: missing_hint(dir),
            });
        };
        // Batches are padded here, by length, not by the tokenizer file's settings.
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(None)
            .map_err(|e| model_error(&path, e))?;
        let pad_id = ["[PAD]", "<pad>", "<PAD>"]
            .iter()
            .find_map(|t| tokenizer.token_to_id(t))
            .or_else(|| read_pad_id(dir))
            .unwrap_or(0);
        let space_words = serde_json::to_string(&tokenizer.get_pre_tokenizer())
            .is_ok_and(|json| json.contains("\"ByteLevel\""));
        Ok(Self {
            tokenizer,
            path,
            pad_id,
            space_words,
        })
    }

    /// Number of special tokens added around a single sequence.
    pub fn specials_single(&self) -> usize {
        self.tokenizer
            .get_post_processor()
            .map_or(0, |p| p.added_tokens(false))
    }

    /// Encodes words that are already split (newstag's tokens); pieces
    /// carry the index of their word in `word_ids`.
    pub fn encode_words(&self, words: &[&str], add_special_tokens: bool) -> Result<Encoding> {
        // As transformers does for `is_split_into_words` with
        // `add_prefix_space`: every word is read as following a space.
        let input = if self.space_words {
            let spaced: Vec<String> = words.iter().map(|w| format!(" {w}")).collect();
            EncodeInput::Single(spaced.into())
        } else {
            EncodeInput::Single(words.to_vec().into())
        };
        self.tokenizer
            .encode(input, add_special_tokens)
            .map_err(|e| model_error(&self.path, e))
    }

    /// Encodes one text, or a text pair for cross-encoders such as NLI.
    pub fn encode(&self, first: &str, second: Option<&str>) -> Result<Encoding> {
        let result = match second {
            Some(second) => self.tokenizer.encode((first, second), true),
            None => self.tokenizer.encode(first, true),
        };
        result.map_err(|e| model_error(&self.path, e))
    }
}

/// BERT's WordPiece tokenizer from `vocab.txt`, lower-casing as
/// `tokenizer_config.json` says (`do_lower_case`, default true as in
/// transformers' BertTokenizer).
fn wordpiece_from_vocab(dir: &Path, vocab: &Path) -> Result<Tokenizer> {
    let config = read_json(&dir.join("tokenizer_config.json"));
    let lowercase = config
        .as_ref()
        .and_then(|c| c.get("do_lower_case"))
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let path = vocab
        .to_str()
        .ok_or_else(|| model_error(vocab, "path is not UTF-8"))?;
    let model = WordPiece::from_file(path)
        .unk_token("[UNK]".into())
        .build()
        .map_err(|e| model_error(vocab, e))?;
    let mut tokenizer = Tokenizer::new(model);
    let id = |token: &str| {
        tokenizer
            .token_to_id(token)
            .ok_or_else(|| model_error(vocab, format!("no {token} in the vocabulary")))
    };
    let (cls, sep) = (id("[CLS]")?, id("[SEP]")?);
    tokenizer
        .with_normalizer(Some(BertNormalizer::new(true, true, None, lowercase)))
        .with_pre_tokenizer(Some(BertPreTokenizer))
        .with_post_processor(Some(BertProcessing::new(
            ("[SEP]".into(), sep),
            ("[CLS]".into(), cls),
        )));
    Ok(tokenizer)
}

/// RoBERTa's byte-level BPE from `vocab.json` and `merges.txt`.
fn byte_level_bpe(vocab: &Path, merges: &Path) -> Result<Tokenizer> {
    let (Some(vocab_str), Some(merges_str)) = (vocab.to_str(), merges.to_str()) else {
        return Err(model_error(vocab, "path is not UTF-8"));
    };
    let model = BPE::from_file(vocab_str, merges_str)
        .build()
        .map_err(|e| model_error(vocab, e))?;
    let mut tokenizer = Tokenizer::new(model);
    let id = |token: &str| {
        tokenizer
            .token_to_id(token)
            .ok_or_else(|| model_error(vocab, format!("no {token} in the vocabulary")))
    };
    let (cls, sep) = (id("<s>")?, id("</s>")?);
    tokenizer
        .with_pre_tokenizer(Some(ByteLevel::new(false, true, true)))
        .with_post_processor(Some(RobertaProcessing::new(
            ("</s>".into(), sep),
            ("<s>".into(), cls),
        )))
        .with_decoder(Some(ByteLevel::default()));
    Ok(tokenizer)
}

fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

/// `pad_token_id` from `config.json`, for vocabularies without a pad token name we know.
fn read_pad_id(dir: &Path) -> Option<u32> {
    read_json(&dir.join("config.json"))?
        .get("pad_token_id")?
        .as_u64()
        .map(|id| id as u32)
}
