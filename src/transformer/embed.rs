//! Sentence embeddings as sentence-transformers computes them for models
//! such as all-MiniLM-L6-v2: the encoder's last hidden state, mean-pooled
//! over the real (unpadded) pieces, L2-normalised. Used for
//! embedding-based zero-shot framing and to distill static embeddings.

use std::path::Path;
use std::sync::Mutex;

use serde_json::Value;
use tch::nn::VarStore;
use tch::{Kind, Tensor};
use tokenizers::{Encoding, TruncationParams};

use super::architectures::{Batch, Encoder};
use super::tokenizer::SubwordTokenizer;
use super::{model_error, rows_of, ModelConfig, DEFAULT_BATCH_SIZE};
use crate::error::Result;
use crate::models::{ComponentInfo, ModelFile};

/// A sentence-embedding model loaded from a local directory.
pub struct SentenceEmbedder {
    // libtorch tensors are Send but not Sync; the lock makes the embedder
    // shareable across worker threads (libtorch parallelises each forward
    // pass itself).
    model: Mutex<Encoder>,
    _store: VarStore,
    tokenizer: SubwordTokenizer,
    /// Longest sequence per forward pass, special tokens included.
    max_len: usize,
    batch_size: usize,
    dim: usize,
    info: ComponentInfo,
}

impl SentenceEmbedder {
    /// Loads the model in `dir` (`config.json`, `tokenizer.json` or
    /// `vocab.txt`, weights). The sequence limit is
    /// `sentence_bert_config.json`'s `max_seq_length` when present (256 for
    /// all-MiniLM-L6-v2), else the model's position limit.
    pub fn load(dir: &Path, batch_size: Option<usize>) -> Result<Self> {
        let config = ModelConfig::read(dir)?;
        let mut tokenizer = SubwordTokenizer::load(dir)?;
        let (model, store, weights) = Encoder::load(dir, &config)?;
        let max_len = sentence_max_len(dir)
            .unwrap_or(config.max_positions)
            .min(config.max_positions);
        if max_len <= tokenizer.specials_single() {
            return Err(model_error(
                &config.path,
                format!("sequence limit {max_len} leaves no room for text"),
            ));
        }
        // Longer texts overflow into further windows instead of being cut.
        let windows = TruncationParams {
            max_length: max_len,
            stride: 0,
            ..Default::default()
        };
        tokenizer
            .tokenizer
            .with_truncation(Some(windows))
            .map_err(|e| model_error(&tokenizer.path, e))?;
        let files = vec![
            ModelFile::hash(&weights)?,
            ModelFile::hash(&tokenizer.path)?,
            ModelFile::hash(&config.path)?,
        ];
        let name = format!("transformer-embedding:{}", dir_name(dir));
        let mut embedder = Self {
            model: Mutex::new(model),
            _store: store,
            tokenizer,
            max_len,
            batch_size: batch_size.unwrap_or(DEFAULT_BATCH_SIZE).max(1),
            dim: 0,
            info: ComponentInfo::with_files(name, files),
        };
        embedder.dim = embedder
            .forward_pooled(&[&embedder.encode("dimension probe")?])
            .map(|(sums, _)| sums[0].len())?;
        Ok(embedder)
    }

    /// Width of the vectors.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Longest window per forward pass, special tokens included.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Name and hashed files, for the record's `engine` field.
    pub fn info(&self) -> ComponentInfo {
        self.info.clone()
    }

    /// How many forward windows `text` needs: 1 unless it is longer than
    /// the model's sequence limit.
    pub fn windows_needed(&self, text: &str) -> Result<usize> {
        Ok(1 + self.encode(text)?.get_overflowing().len())
    }

    /// Unit-length embeddings of `texts`, in order. A text longer than the
    /// sequence limit is not truncated: it is cut into consecutive windows
    /// and the mean is taken over the pieces of all of them.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        // Every window of every text, tagged with its text.
        let mut windows: Vec<(usize, Encoding)> = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            let mut encoding = self.encode(text)?;
            let rest = std::mem::take(encoding.get_overflowing_mut());
            windows.push((i, encoding));
            windows.extend(rest.into_iter().map(|w| (i, w)));
        }
        // Similar lengths share a batch, so little compute goes to padding.
        windows.sort_by_key(|(_, w)| w.len());
        let mut sums = vec![vec![0f32; self.dim]; texts.len()];
        let mut counts = vec![0f32; texts.len()];
        for chunk in windows.chunks(self.batch_size) {
            let encodings: Vec<&Encoding> = chunk.iter().map(|(_, w)| w).collect();
            let (pooled, lengths) = self.forward_pooled(&encodings)?;
            for (((text, _), sum), n) in chunk.iter().zip(pooled).zip(lengths) {
                sums[*text].iter_mut().zip(&sum).for_each(|(s, v)| *s += v);
                counts[*text] += n;
            }
        }
        Ok(sums
            .into_iter()
            .zip(counts)
            .map(|(mut v, n)| {
                v.iter_mut().for_each(|x| *x /= n.max(1.0));
                normalise(&mut v);
                v
            })
            .collect())
    }

    /// Unit-length embeddings of sentences read in context, as
    /// `scripts/train-setfit.py --context-pieces N` trains them: each
    /// `(previous, sentence)` is read as the special opening piece, the last
    /// `context_pieces` pieces of `previous`, the closing piece, then the
    /// sentence and the closing piece again as the second segment (BERT's
    /// `[CLS] previous [SEP] sentence [SEP]`), the sentence cut to the sequence
    /// limit; the mean is taken over the second segment only.
    pub fn embed_in_context(
        &self,
        pairs: &[(&str, &str)],
        context_pieces: usize,
    ) -> Result<Vec<Vec<f32>>> {
        let (open, close) = self.special_ids()?;
        let mut rows: Vec<(usize, Vec<u32>, Vec<u32>)> = Vec::with_capacity(pairs.len());
        for (i, (previous, sentence)) in pairs.iter().enumerate() {
            let before = self.pieces(previous)?;
            let mut ids = open.clone();
            ids.extend_from_slice(&before[before.len().saturating_sub(context_pieces)..]);
            ids.extend_from_slice(&close);
            let first = ids.len();
            let room = self.max_len.saturating_sub(first + close.len()).max(1);
            let mut own = self.pieces(sentence)?;
            own.truncate(room);
            ids.extend(own);
            ids.extend_from_slice(&close);
            let mut types = vec![0u32; first];
            types.resize(ids.len(), 1);
            rows.push((i, ids, types));
        }
        // Similar lengths share a batch, so little compute goes to padding.
        rows.sort_by_key(|(_, ids, _)| ids.len());
        let mut vectors = vec![Vec::new(); pairs.len()];
        for chunk in rows.chunks(self.batch_size) {
            let batch = Batch::from_segments(
                chunk
                    .iter()
                    .map(|(_, ids, types)| (ids.as_slice(), types.as_slice())),
                self.tokenizer.pad_id,
            );
            let second = &batch.attention_mask * &batch.token_type_ids;
            let (sums, lengths) = self.pool_over(&batch, &second)?;
            let means = sums / lengths.unsqueeze(-1);
            for ((i, _, _), mut v) in chunk.iter().zip(rows_of(&means)?) {
                normalise(&mut v);
                vectors[*i] = v;
            }
        }
        Ok(vectors)
    }

    fn encode(&self, text: &str) -> Result<Encoding> {
        self.tokenizer.encode(text, None)
    }

    /// The pieces of `text` without special tokens, however long.
    fn pieces(&self, text: &str) -> Result<Vec<u32>> {
        let encoding = self
            .tokenizer
            .tokenizer
            .encode(text, false)
            .map_err(|e| model_error(&self.tokenizer.path, e))?;
        let mut ids = encoding.get_ids().to_vec();
        for window in encoding.get_overflowing() {
            ids.extend_from_slice(window.get_ids());
        }
        Ok(ids)
    }

    /// Sums of the hidden states over each sequence's real pieces, and the
    /// number of those pieces.
    fn forward_pooled(&self, encodings: &[&Encoding]) -> Result<(Vec<Vec<f32>>, Vec<f32>)> {
        let batch = Batch::new(encodings, self.tokenizer.pad_id);
        let (sums, lengths) = self.pool(&batch)?;
        let lengths = rows_of(&lengths.unsqueeze(-1))?
            .into_iter()
            .map(|r| r[0])
            .collect();
        Ok((rows_of(&sums)?, lengths))
    }

    /// Hidden-state sums `[batch, hidden]` over real pieces and piece counts `[batch]`.
    fn pool(&self, batch: &Batch) -> Result<(Tensor, Tensor)> {
        self.pool_over(batch, &batch.attention_mask)
    }

    /// Hidden-state sums `[batch, hidden]` over the pieces where `mask`
    /// (`[batch, pieces]`) is 1, and their counts `[batch]`.
    fn pool_over(&self, batch: &Batch, mask: &Tensor) -> Result<(Tensor, Tensor)> {
        let hidden = {
            // A panic in an earlier forward pass poisons the lock but leaves the
            // weights as they were: it costs that one document, not the batch.
            let model = self.model.lock().unwrap_or_else(|p| p.into_inner());
            tch::no_grad(|| model.forward(batch))?
        };
        let mask = mask.to_kind(Kind::Float).unsqueeze(-1);
        let sums = (hidden.to_kind(Kind::Float) * &mask).sum_dim_intlist(1, false, Kind::Float);
        let lengths = mask.sum_dim_intlist([1i64, 2].as_slice(), false, Kind::Float);
        Ok((sums, lengths))
    }

    /// Mean-pooled (not normalised) hidden states `[rows, hidden]` of
    /// sequences given as piece ids, special tokens included; for
    /// distillation, which feeds single vocabulary entries.
    pub fn mean_of_ids(&self, rows: &[Vec<u32>]) -> Result<Tensor> {
        let batch = Batch::from_ids(rows, self.tokenizer.pad_id);
        let (sums, lengths) = self.pool(&batch)?;
        Ok(sums / lengths.unsqueeze(-1))
    }

    /// The special-token ids the model puts before and after a text.
    pub fn special_ids(&self) -> Result<(Vec<u32>, Vec<u32>)> {
        let empty = self.tokenizer.encode("", None)?;
        let ids = empty.get_ids();
        // An empty text is just the special tokens: the first opens, the rest close.
        let split = usize::from(!ids.is_empty());
        Ok((ids[..split].to_vec(), ids[split..].to_vec()))
    }

    /// Size of the tokenizer's vocabulary, added tokens included.
    pub fn vocab_size(&self) -> usize {
        self.tokenizer.tokenizer.get_vocab_size(true)
    }
}

/// Scales `v` to unit length (a zero vector stays zero).
pub fn normalise(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

/// Cosine similarity of two unit vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn sentence_max_len(dir: &Path) -> Option<usize> {
    let text = std::fs::read_to_string(dir.join("sentence_bert_config.json")).ok()?;
    let value: Value = serde_json::from_str(&text).ok()?;
    value.get("max_seq_length")?.as_u64().map(|n| n as usize)
}

/// The last component of a model directory, for component names.
pub(crate) fn dir_name(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| dir.display().to_string())
}

// The embedder is shared by the pipeline's worker threads.
const _: fn() = || {
    fn shareable<T: Send + Sync>() {}
    shareable::<SentenceEmbedder>();
};
