//! Static token embeddings in the Model2Vec layout (`model.safetensors` with
//! a tensor `embeddings` [vocab, dim], `tokenizer.json`, `config.json`): a
//! text's vector is the mean of its WordPiece vectors, so embedding a
//! sentence costs one table look-up per piece, with no network to run.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::path::Path;

use safetensors::{Dtype, SafeTensors};

use crate::error::{Error, Result};
use crate::fold;
use crate::hashed::slot_tag;
use crate::models::{require, ModelFile};

/// Directory of the shipped static model, under `models/`.
pub const STATIC_MODEL_DIR: &str = "static-minilm";

const HINT: &str =
    "the static embeddings are distilled from all-MiniLM-L6-v2 by the transformer engine \
(see models/README.md, \"static-minilm\"); or run with --no-frames";

/// A static embedding table with its WordPiece vocabulary.
#[derive(Debug)]
pub struct StaticEmbeddings {
    dim: usize,
    /// Row-major [vocab, dim].
    table: Vec<f32>,
    /// Mean row, subtracted from every text vector so that cosines measure
    /// what is specific to a text rather than what all text shares.
    mean: Vec<f32>,
    /// Per row: 1 / |row - mean| (0 for a row equal to the mean).
    inv_norms: Vec<f32>,
    vocab: Vocab,
    prefix: String,
    /// The normaliser's settings from `tokenizer.json`, for
    /// [`fold::bert_normalize_into`].
    lowercase: bool,
    strip_accents: bool,
    max_chars: usize,
    files: Vec<ModelFile>,
}

/// Scratch buffers for embedding, reused across words and sentences.
#[derive(Debug, Default, Clone)]
pub struct Scratch {
    word: String,
    piece: String,
    pieces: Vec<u32>,
}

impl StaticEmbeddings {
    /// Loads `dir/model.safetensors`, `dir/tokenizer.json` (a WordPiece
    /// model) and hashes `dir/config.json` for provenance.
    pub fn load(dir: &Path) -> Result<Self> {
        let model = require(dir, "model.safetensors", HINT)?;
        let tokenizer = require(dir, "tokenizer.json", HINT)?;
        let config = require(dir, "config.json", HINT)?;
        let (dim, table) = read_table(&model)?;
        let (vocab, prefix, lowercase, strip_accents, max_chars) = read_wordpiece(&tokenizer)?;
        let rows = table.len() / dim;
        if vocab.len() > rows {
            return Err(Error::Model {
                path: tokenizer,
                message: format!(
                    "the vocabulary has {} entries but the embedding table {rows} rows",
                    vocab.len()
                ),
            });
        }
        let mut mean = vec![0f32; dim];
        for row in table.chunks_exact(dim) {
            for (m, v) in mean.iter_mut().zip(row) {
                *m += v;
            }
        }
        mean.iter_mut().for_each(|m| *m /= rows as f32);
        // |row - mean|² = row·row - 2 row·mean + mean·mean, once per row.
        let mean_sq = dot(&mean, &mean);
        let inv_norms = table
            .chunks_exact(dim)
            .map(|row| {
                let sq = dot(row, row) - 2.0 * dot(row, &mean) + mean_sq;
                if sq > 0.0 {
                    sq.sqrt().recip()
                } else {
                    0.0
                }
            })
            .collect();
        let files = vec![
            ModelFile::hash(&model)?,
            ModelFile::hash(&tokenizer)?,
            ModelFile::hash(&config)?,
        ];
        Ok(Self {
            dim,
            table,
            mean,
            inv_norms,
            vocab,
            prefix,
            lowercase,
            strip_accents,
            max_chars,
            files,
        })
    }

    /// Width of the vectors.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The files the table was loaded from, hashed.
    pub fn files(&self) -> &[ModelFile] {
        &self.files
    }

    fn row(&self, id: u32) -> &[f32] {
        let start = id as usize * self.dim;
        &self.table[start..start + self.dim]
    }

    /// Adds the vectors of the WordPiece pieces of `word` (one word token;
    /// punctuation inside it is skipped) to `acc`; returns how many pieces
    /// were added, and the piece id when the word is exactly one piece.
    /// Unknown pieces add nothing.
    pub fn add_word(
        &self,
        word: &str,
        acc: &mut [f32],
        scratch: &mut Scratch,
    ) -> (usize, Option<u32>) {
        fold::bert_normalize_into(word, self.lowercase, self.strip_accents, &mut scratch.word);
        let word = std::mem::take(&mut scratch.word);
        let mut added = 0;
        let mut last = None;
        for run in word
            .split(|c: char| !c.is_alphanumeric())
            .filter(|r| !r.is_empty())
        {
            self.pieces(run, scratch);
            for &id in &scratch.pieces {
                for (a, v) in acc.iter_mut().zip(self.row(id)) {
                    *a += v;
                }
            }
            added += scratch.pieces.len();
            last = scratch.pieces.first().copied();
        }
        scratch.word = word;
        (added, last.filter(|_| added == 1))
    }

    /// Greedy longest-match-first WordPiece of one alphanumeric run into
    /// `scratch.pieces`; a run that cannot be split gives no pieces (BERT
    /// would give `[UNK]`, which carries no meaning here).
    fn pieces(&self, run: &str, scratch: &mut Scratch) {
        scratch.pieces.clear();
        if let Some(id) = self.vocab.get(run) {
            scratch.pieces.push(id);
            return;
        }
        if run.chars().count() > self.max_chars {
            return;
        }
        let mut start = 0;
        while start < run.len() {
            let mut end = run.len();
            let mut found = None;
            while end > start {
                if run.is_char_boundary(end) {
                    scratch.piece.clear();
                    if start > 0 {
                        scratch.piece.push_str(&self.prefix);
                    }
                    scratch.piece.push_str(&run[start..end]);
                    if let Some(id) = self.vocab.get(scratch.piece.as_str()) {
                        found = Some(id);
                        break;
                    }
                }
                end -= 1;
            }
            match found {
                Some(id) => {
                    scratch.pieces.push(id);
                    start = end;
                }
                None => {
                    scratch.pieces.clear();
                    return;
                }
            }
        }
    }

    /// Cosine of every vocabulary entry (as a text of its own) with the unit
    /// vector `target`: a table that makes single-word similarity a look-up.
    pub fn similarity_table(&self, target: &[f32]) -> Vec<f32> {
        // cos(row - mean, target) = (row·target - mean·target) / |row - mean|
        let offset = dot(&self.mean, target);
        self.table
            .chunks_exact(self.dim)
            .zip(&self.inv_norms)
            .map(|(row, inv)| (dot(row, target) - offset) * inv)
            .collect()
    }

    /// Turns a sum of `n` piece vectors into a unit text vector (mean,
    /// minus the table mean); `None` when nothing was embedded.
    pub fn finish(&self, acc: &mut [f32], n: usize) -> Option<()> {
        if n == 0 {
            return None;
        }
        let inv = 1.0 / n as f32;
        for (a, m) in acc.iter_mut().zip(&self.mean) {
            *a = *a * inv - m;
        }
        let norm = dot(acc, acc).sqrt();
        if norm == 0.0 {
            return None;
        }
        let inv = 1.0 / norm;
        acc.iter_mut().for_each(|a| *a *= inv);
        Some(())
    }

    /// The unit vector of a whole text, or `None` if no word of it is in
    /// the vocabulary.
    pub fn embed(&self, text: &str) -> Option<Vec<f32>> {
        let mut acc = vec![0f32; self.dim];
        let mut scratch = Scratch::default();
        let mut n = 0;
        for token in crate::tokenize::tokenize(text) {
            n += self.add_word(token.slice(text), &mut acc, &mut scratch).0;
        }
        self.finish(&mut acc, n).map(|()| acc)
    }
}

/// Dot product; for unit vectors, the cosine. Eight running sums let the
/// compiler use SIMD (a single float sum must be added in order).
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut sums = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            sums[i] += x[i] * y[i];
        }
    }
    sums.iter().sum::<f32>() + tail
}

fn model_error(path: &Path, message: impl Into<String>) -> Error {
    Error::Model {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Reads the `embeddings` tensor (F32, F16 or BF16) as f32.
fn read_table(path: &Path) -> Result<(usize, Vec<f32>)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let tensors = SafeTensors::deserialize(&bytes).map_err(|e| model_error(path, e.to_string()))?;
    let view = tensors
        .tensor("embeddings")
        .map_err(|e| model_error(path, format!("tensor `embeddings`: {e}")))?;
    let &[rows, dim] = view.shape() else {
        return Err(model_error(
            path,
            format!(
                "tensor `embeddings`: shape {:?}, expected [vocab, dim]",
                view.shape()
            ),
        ));
    };
    let data = view.data();
    let table: Vec<f32> = match view.dtype() {
        Dtype::F32 => data
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
        Dtype::F16 => data
            .chunks_exact(2)
            .map(|b| f16_to_f32(u16::from_le_bytes([b[0], b[1]])))
            .collect(),
        Dtype::BF16 => data
            .chunks_exact(2)
            .map(|b| f32::from_bits(u32::from(u16::from_le_bytes([b[0], b[1]])) << 16))
            .collect(),
        other => {
            return Err(model_error(
                path,
                format!("tensor `embeddings`: dtype {other:?}, expected F32, F16 or BF16"),
            ))
        }
    };
    if rows == 0 || dim == 0 || table.len() != rows * dim {
        return Err(model_error(
            path,
            format!(
                "tensor `embeddings`: {} values for shape [{rows}, {dim}]",
                table.len()
            ),
        ));
    }
    Ok((dim, table))
}

/// IEEE half to single precision.
fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h >> 15) << 31;
    let magnitude = u32::from(h & 0x7fff);
    if (0x0400..0x7c00).contains(&magnitude) {
        // A normal number, nearly every weight, on a path of its own (the
        // compiler keeps it short): the exponent rebiased from 15 to 127,
        // by an addition no carry from the fraction can reach.
        return f32::from_bits(sign | ((magnitude << 13) + ((127 - 15) << 23)));
    }
    let frac = magnitude & 0x3ff;
    if magnitude >= 0x7c00 {
        // Infinity or NaN.
        return f32::from_bits(sign | 0x7f80_0000 | (frac << 13));
    }
    // Zero or subnormal: frac * 2^-24.
    let v = frac as f32 * 2f32.powi(-24);
    if sign == 0 {
        v
    } else {
        -v
    }
}

/// A WordPiece vocabulary built for the inner loop of embedding: an
/// open-addressing table whose slot holds all a look-up needs (a tag from
/// the key's hash, the id and where the key sits in one string of all
/// keys), so that a look-up touches the slot and then the key's bytes, two
/// places in memory, where a map to an id and a table of key ranges took
/// four, each a likely cache miss in the tagger's inner loop.
#[derive(Debug, Default)]
struct Vocab {
    slots: Vec<VocabSlot>,
    mask: usize,
    keys: String,
    len: usize,
}

/// A slot of [`Vocab`]; `tag` 0 marks it empty.
#[derive(Debug, Default, Clone, Copy)]
struct VocabSlot {
    tag: u32,
    id: u32,
    start: u32,
    len: u32,
}

impl Vocab {
    /// Builds the vocabulary from (key, id) pairs; ids must be dense.
    fn new(entries: HashMap<String, u32>, path: &Path) -> Result<Self> {
        let size = (entries.len() * 2).next_power_of_two().max(16);
        let mut vocab = Vocab {
            slots: vec![VocabSlot::default(); size],
            mask: size - 1,
            keys: String::new(),
            len: entries.len(),
        };
        // In id order, so that the table is the same on every load.
        let mut entries: Vec<(String, u32)> = entries.into_iter().collect();
        entries.sort_unstable_by_key(|&(_, id)| id);
        for (i, (key, id)) in entries.iter().enumerate() {
            let problem = match (*id as usize).cmp(&i) {
                Ordering::Equal => None,
                Ordering::Less => Some(format!("id {id} is given to two keys")),
                Ordering::Greater => Some(format!("id {i} is missing")),
            };
            if let Some(problem) = problem {
                return Err(model_error(
                    path,
                    format!(
                        "field `model.vocab`: {problem} (ids run from 0 to the vocabulary \
                         size less one; at {key:?})"
                    ),
                ));
            }
            let hash = fx_hash(key);
            let mut at = hash as usize & vocab.mask;
            while vocab.slots[at].tag != 0 {
                at = (at + 1) & vocab.mask;
            }
            vocab.slots[at] = VocabSlot {
                tag: slot_tag(hash),
                id: *id,
                start: vocab.keys.len() as u32,
                len: key.len() as u32,
            };
            vocab.keys.push_str(key);
        }
        Ok(vocab)
    }

    fn get(&self, key: &str) -> Option<u32> {
        let hash = fx_hash(key);
        let tag = slot_tag(hash);
        let mut at = hash as usize & self.mask;
        loop {
            let slot = self.slots[at];
            if slot.tag == 0 {
                return None;
            }
            if slot.tag == tag
                && slot.len as usize == key.len()
                && &self.keys[slot.start as usize..(slot.start + slot.len) as usize] == key
            {
                return Some(slot.id);
            }
            at = (at + 1) & self.mask;
        }
    }

    fn len(&self) -> usize {
        self.len
    }
}

/// A 64-bit string hash: eight bytes at a time (the tail zero-padded),
/// each step mixed by MurmurHash3's finaliser so that every input bit
/// reaches every output bit. Keys come from a fixed file, so no protection
/// against crafted keys is needed.
fn fx_hash(key: &str) -> u64 {
    let mut h = key.len() as u64 ^ 0x9e37_79b9_7f4a_7c15;
    let mut chunks = key.as_bytes().chunks_exact(8);
    for c in &mut chunks {
        h = fmix64(h ^ u64::from_le_bytes(c.try_into().expect("8 bytes")));
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        let mut buf = [0u8; 8];
        buf[..tail.len()].copy_from_slice(tail);
        h = fmix64(h ^ u64::from_le_bytes(buf));
    }
    h
}

fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^ (k >> 33)
}

type WordPiece = (Vocab, String, bool, bool, usize);

/// Reads the WordPiece vocabulary and normaliser settings of a Hugging Face
/// `tokenizer.json`.
fn read_wordpiece(path: &Path) -> Result<WordPiece> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::record(path, e.line(), "", e.to_string()))?;
    let model = &json["model"];
    if model["type"] != "WordPiece" {
        return Err(model_error(
            path,
            format!(
                "field `model.type`: {}, expected \"WordPiece\"",
                model["type"]
            ),
        ));
    }
    let entries: HashMap<String, u32> = serde_json::from_value(model["vocab"].clone())
        .map_err(|e| model_error(path, format!("field `model.vocab`: {e}")))?;
    let vocab = Vocab::new(entries, path)?;
    let prefix = model["continuing_subword_prefix"]
        .as_str()
        .unwrap_or("##")
        .to_string();
    let max_chars = model["max_input_chars_per_word"].as_u64().unwrap_or(100) as usize;
    let norm = &json["normalizer"];
    let lowercase = norm["lowercase"].as_bool().unwrap_or(false);
    // BERT strips accents when lowercasing unless told otherwise.
    let strip_accents = norm["strip_accents"].as_bool().unwrap_or(lowercase);
    Ok((vocab, prefix, lowercase, strip_accents, max_chars))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocab_finds_every_key_and_nothing_else() {
        let words = ["the", "army", "##s", "kursk", "un", "##able", "a"];
        let entries: HashMap<String, u32> = (words.iter().enumerate())
            .map(|(i, w)| (w.to_string(), i as u32))
            .collect();
        let vocab = Vocab::new(entries, Path::new("tokenizer.json")).unwrap();
        assert_eq!(vocab.len(), words.len());
        for (i, w) in words.iter().enumerate() {
            assert_eq!(vocab.get(w), Some(i as u32), "{w}");
        }
        for absent in ["", "ar", "armys", "s", "##", "The"] {
            assert_eq!(vocab.get(absent), None, "{absent:?}");
        }
    }

    #[test]
    fn vocab_refuses_ids_that_are_not_dense() {
        for (ids, problem) in [([0, 1, 1], "given to two keys"), ([0, 1, 3], "missing")] {
            let entries: HashMap<String, u32> = (["a", "b", "c"].iter().zip(ids))
                .map(|(w, id)| (w.to_string(), id))
                .collect();
            let err = Vocab::new(entries, Path::new("tokenizer.json"))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("tokenizer.json") && err.contains(problem),
                "{err}"
            );
        }
    }

    #[test]
    fn every_normal_half_converts_exactly() {
        // Every normal half, against the exponent and fraction fields
        // decoded one by one.
        for h in 0..=u16::MAX {
            let (exp, frac) = (i32::from((h >> 10) & 0x1f), f32::from(h & 0x3ff));
            if exp == 0 || exp == 0x1f {
                continue;
            }
            let sign = if h >> 15 == 1 { -1.0 } else { 1.0 };
            let want = sign * (1.0 + frac / 1024.0) * 2f32.powi(exp - 15);
            assert_eq!(f16_to_f32(h).to_bits(), want.to_bits(), "{h:#06x}");
        }
    }

    #[test]
    fn half_precision_converts() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x0000), 0.0);
        assert!((f16_to_f32(0x3555) - 0.333).abs() < 1e-3);
    }
}
