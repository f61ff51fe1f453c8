//! Model weights: reads what Hugging Face publishes (`model.safetensors`,
//! `pytorch_model.bin`) or rust-bert's `rust_model.ot`, normalises tensor
//! names to rust-bert's, and converts to `rust_model.ot` in Rust with tch
//! (rust-bert's own converter is a Python script).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tch::nn::VarStore;
use tch::{Kind, Tensor};

use super::{missing_hint, model_error};
use crate::error::{Error, Result};

/// rust-bert's weight file name.
pub const RUST_MODEL: &str = "rust_model.ot";

/// Weight files in the order they are preferred.
const WEIGHT_FILES: [&str; 3] = [RUST_MODEL, "model.safetensors", "pytorch_model.bin"];

/// The weight file of `dir`, preferring the converted one.
pub fn weight_file(dir: &Path) -> Result<PathBuf> {
    WEIGHT_FILES
        .iter()
        .map(|name| dir.join(name))
        .find(|path| path.is_file())
        .ok_or_else(|| Error::MissingModel {
            path: dir.join("model.safetensors"),
            hint: missing_hint(dir),
        })
}

/// Reads every tensor of `path` with names as rust-bert expects them.
pub fn read_named(path: &Path) -> Result<Vec<(String, Tensor)>> {
    let named = match path.extension().and_then(|e| e.to_str()) {
        Some("safetensors") => Tensor::read_safetensors(path),
        Some("bin") | Some("pt") => Tensor::loadz_multi(path),
        _ => Tensor::load_multi(path),
    }
    .map_err(|e| model_error(path, format!("cannot read weights: {e}")))?;
    Ok(named
        .into_iter()
        .filter_map(|(name, tensor)| normalise(name, tensor))
        .collect())
}

/// Drops buffers that rust-bert recomputes and renames the TensorFlow-era
/// LayerNorm names; floating-point weights become f32, which is what CPU
/// inference runs in (f16 matmuls are slow or missing on CPU).
fn normalise(name: String, tensor: Tensor) -> Option<(String, Tensor)> {
    if name.ends_with("position_ids") || name.ends_with("attention.self.masked_bias") {
        return None;
    }
    let name = name
        .replace("LayerNorm.gamma", "LayerNorm.weight")
        .replace("LayerNorm.beta", "LayerNorm.bias");
    let tensor = if tensor.is_floating_point() {
        tensor.to_kind(Kind::Float)
    } else {
        tensor
    };
    Some((name, tensor))
}

/// Copies the weights of `dir` into `vs`. A variable is looked up under its
/// own name, then without its first path component and with `base` as
/// first component, so a bare encoder checkpoint (sentence-transformers) and
/// a task checkpoint (`bert.`-prefixed) both load into either model shape.
/// Every variable must be found; the error names the first missing one.
pub fn load_into(vs: &mut VarStore, dir: &Path, base: &str) -> Result<PathBuf> {
    let path = weight_file(dir)?;
    let named: HashMap<String, Tensor> = read_named(&path)?.into_iter().collect();
    let variables = vs.variables();
    let mut missing = Vec::new();
    tch::no_grad(|| -> Result<()> {
        for (name, mut var) in variables {
            let stripped = name.split_once('.').map(|(_, rest)| rest.to_string());
            let prefixed = format!("{base}.{name}");
            let source = std::iter::once(Some(name.clone()))
                .chain([stripped, Some(prefixed)])
                .flatten()
                .find_map(|candidate| named.get(&candidate));
            match source {
                Some(src) if src.size() == var.size() => {
                    var.f_copy_(src)
                        .map_err(|e| model_error(&path, format!("tensor {name}: {e}")))?;
                }
                Some(src) => {
                    return Err(model_error(
                        &path,
                        format!(
                            "tensor {name}: shape {:?} in the file, {:?} in the model",
                            src.size(),
                            var.size()
                        ),
                    ))
                }
                None => missing.push(name),
            }
        }
        Ok(())
    })?;
    if !missing.is_empty() {
        missing.sort();
        return Err(model_error(
            &path,
            format!(
                "{} model tensors not in the file, e.g. {} (is config.json's model_type right?)",
                missing.len(),
                missing[..missing.len().min(3)].join(", ")
            ),
        ));
    }
    Ok(path)
}

/// Converts the Hugging Face weights of `dir` into `dir/rust_model.ot`;
/// returns the file written and how many tensors it holds.
pub fn convert(dir: &Path) -> Result<(PathBuf, usize)> {
    let source = ["model.safetensors", "pytorch_model.bin"]
        .iter()
        .map(|name| dir.join(name))
        .find(|path| path.is_file())
        .ok_or_else(|| Error::MissingModel {
            path: dir.join("model.safetensors"),
            hint: missing_hint(dir),
        })?;
    let named = read_named(&source)?;
    let out = dir.join(RUST_MODEL);
    Tensor::save_multi(&named, &out)
        .map_err(|e| model_error(&out, format!("cannot write: {e}")))?;
    Ok((out, named.len()))
}
