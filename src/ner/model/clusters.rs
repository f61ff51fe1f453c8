//! Word clusters: groups of words with similar distributional meaning, at
//! three granularities, so that the tagger generalises from names it saw in
//! training to similar words it did not. They are k-means clusters of the
//! all-MiniLM-L6-v2 word-piece embedding table, computed once by
//! `newstag train-ner --embeddings ...` and shipped as a TSV file.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::Path;

use crate::error::{Error, Result};
use crate::hashed::HashedMap;

use super::features::word_key;
use super::rng::Rng;

/// Cluster counts, coarse to fine.
pub const LEVELS: [usize; 3] = [32, 128, 512];

/// Word → cluster ids, looked up by [`word_key`].
#[derive(Default)]
pub struct Clusters {
    map: HashedMap<[u32; 3]>,
}

impl Clusters {
    /// Cluster ids (coarse to fine) of the word with key `key`.
    #[inline]
    pub fn get(&self, key: u64) -> Option<[u32; 3]> {
        self.map.get(&key).copied()
    }

    /// Words that have a cluster.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether no word has a cluster.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Reads `word<TAB>coarse<TAB>mid<TAB>fine` lines.
    pub fn load(path: &Path) -> Result<Self> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut map = HashMap::default();
        for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line.map_err(|e| Error::io(path, e))?;
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut cols = line.split('\t');
            let word = cols.next().unwrap_or_default();
            let mut ids = [0u32; 3];
            for (level, id) in ids.iter_mut().enumerate() {
                let field = ["coarse", "mid", "fine"][level];
                let value = cols
                    .next()
                    .ok_or_else(|| Error::record(path, i + 1, field, "missing column"))?;
                *id = value
                    .parse()
                    .ok()
                    .filter(|&v: &u32| (v as usize) < LEVELS[level])
                    .ok_or_else(|| {
                        Error::record(path, i + 1, field, format!("bad cluster id {value:?}"))
                    })?;
            }
            map.insert(word_key(word), ids);
        }
        Ok(Self { map })
    }

    /// Clusters the word embeddings of a BERT-style model (safetensors file
    /// with `embeddings.word_embeddings.weight`, and its `vocab.txt`) and
    /// writes the TSV file to `out`. Only whole words are kept (no `##`
    /// continuation pieces, no special tokens). Deterministic for a seed.
    pub fn build(embeddings: &Path, vocab: &Path, out: &Path, seed: u64) -> Result<usize> {
        let words: Vec<String> = std::fs::read_to_string(vocab)
            .map_err(|e| Error::io(vocab, e))?
            .lines()
            .map(str::to_string)
            .collect();
        let bytes = std::fs::read(embeddings).map_err(|e| Error::io(embeddings, e))?;
        let model_err = |message: String| Error::Model {
            path: embeddings.to_path_buf(),
            message,
        };
        let tensors =
            safetensors::SafeTensors::deserialize(&bytes).map_err(|e| model_err(e.to_string()))?;
        let table = tensors
            .tensor("embeddings.word_embeddings.weight")
            .map_err(|e| model_err(format!("embeddings.word_embeddings.weight: {e}")))?;
        if table.dtype() != safetensors::Dtype::F32 || table.shape().len() != 2 {
            return Err(model_err(format!(
                "embeddings.word_embeddings.weight: expected a 2-d F32 tensor, found {:?} {:?}",
                table.dtype(),
                table.shape()
            )));
        }
        let (rows, dim) = (table.shape()[0], table.shape()[1]);
        if rows != words.len() {
            return Err(model_err(format!(
                "{rows} embedding rows but {} words in {}",
                words.len(),
                vocab.display()
            )));
        }
        let data = table.data();
        let mut keep = Vec::new();
        let mut vectors = Vec::new();
        for (i, word) in words.iter().enumerate() {
            if word.starts_with("##") || word.starts_with('[') || word.is_empty() {
                continue;
            }
            let row = &data[i * dim * 4..(i + 1) * dim * 4];
            let mut v: Vec<f32> = row
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
            v.iter_mut().for_each(|x| *x /= norm);
            keep.push(i);
            vectors.extend_from_slice(&v);
        }
        let mut rng = Rng::new(seed);
        let fine = kmeans(&vectors, dim, LEVELS[2], 12, &mut rng);
        let fine_centroids = centroids(&vectors, dim, &fine, LEVELS[2]);
        let mid_of_fine = kmeans(&fine_centroids, dim, LEVELS[1], 20, &mut rng);
        let mid_centroids = centroids(&fine_centroids, dim, &mid_of_fine, LEVELS[1]);
        let coarse_of_mid = kmeans(&mid_centroids, dim, LEVELS[0], 20, &mut rng);
        let file = std::fs::File::create(out).map_err(|e| Error::io(out, e))?;
        let mut w = std::io::BufWriter::new(file);
        let io = |e| Error::io(out, e);
        writeln!(w, "# word\tcoarse({})\tmid({})\tfine({}): k-means of all-MiniLM-L6-v2 word-piece embeddings", LEVELS[0], LEVELS[1], LEVELS[2]).map_err(io)?;
        for (n, &i) in keep.iter().enumerate() {
            let f = fine[n];
            let m = mid_of_fine[f];
            writeln!(w, "{}\t{}\t{}\t{}", words[i], coarse_of_mid[m], m, f).map_err(io)?;
        }
        w.flush().map_err(io)?;
        Ok(keep.len())
    }
}

/// Lloyd's k-means with cosine-like (dot product) assignment on unit
/// vectors; returns each vector's cluster.
fn kmeans(data: &[f32], dim: usize, k: usize, iterations: usize, rng: &mut Rng) -> Vec<usize> {
    let n = data.len() / dim;
    let mut centers: Vec<f32> = Vec::with_capacity(k * dim);
    let mut order: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut order);
    for &i in order.iter().take(k) {
        centers.extend_from_slice(&data[i * dim..(i + 1) * dim]);
    }
    let mut assign = vec![0usize; n];
    for _ in 0..iterations {
        for (i, a) in assign.iter_mut().enumerate() {
            let v = &data[i * dim..(i + 1) * dim];
            let mut best = (f32::MIN, 0);
            for c in 0..k {
                let dot: f32 = centers[c * dim..(c + 1) * dim]
                    .iter()
                    .zip(v)
                    .map(|(a, b)| a * b)
                    .sum();
                if dot > best.0 {
                    best = (dot, c);
                }
            }
            *a = best.1;
        }
        let new = centroids(data, dim, &assign, k);
        for c in 0..k {
            // An empty cluster keeps its old centre.
            if new[c * dim..(c + 1) * dim].iter().any(|&x| x != 0.0) {
                centers[c * dim..(c + 1) * dim].copy_from_slice(&new[c * dim..(c + 1) * dim]);
            }
        }
    }
    assign
}

/// Normalised mean of each cluster's vectors.
fn centroids(data: &[f32], dim: usize, assign: &[usize], k: usize) -> Vec<f32> {
    let mut sums = vec![0f32; k * dim];
    for (i, &c) in assign.iter().enumerate() {
        for (s, x) in sums[c * dim..(c + 1) * dim]
            .iter_mut()
            .zip(&data[i * dim..(i + 1) * dim])
        {
            *s += x;
        }
    }
    for c in 0..k {
        let row = &mut sums[c * dim..(c + 1) * dim];
        let norm = row.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            row.iter_mut().for_each(|x| *x /= norm);
        }
    }
    sums
}
