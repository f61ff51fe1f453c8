//! Where model files live and how a record names them: path, size and
//! SHA-256, so that an analysis can be reproduced with the same weights.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Environment variable that overrides the models directory.
pub const MODELS_ENV: &str = "NEWSTAG_MODELS";

/// Finds the models directory: the explicit one if given, else
/// `$NEWSTAG_MODELS`, else `./models`, else the `models/` directory of the
/// source tree the binary was built from.
pub fn models_dir(explicit: Option<&Path>) -> PathBuf {
    if let Some(dir) = explicit {
        return dir.to_path_buf();
    }
    if let Some(dir) = std::env::var_os(MODELS_ENV) {
        return PathBuf::from(dir);
    }
    let local = PathBuf::from("models");
    if local.join("actors.jsonl").is_file() {
        return local;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models")
}

/// Reads a TOML model file into `T`; a parse error names the file and line.
pub fn read_toml<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map_or(0, |s| text[..s.start].lines().count().max(1));
        Error::record(path, line, "(toml)", e.message().to_string())
    })
}

/// `dir/name`, or an error naming the file and the command that provides it.
pub fn require(dir: &Path, name: &str, hint: &str) -> Result<PathBuf> {
    let path = dir.join(name);
    if path.exists() {
        Ok(path)
    } else {
        Err(Error::MissingModel {
            path,
            hint: hint.to_string(),
        })
    }
}

/// A model file as named in a record.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct ModelFile {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

impl ModelFile {
    /// Hashes `path` (once, at load time).
    pub fn hash(path: &Path) -> Result<Self> {
        let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        let mut bytes = 0u64;
        loop {
            let n = file.read(&mut buf).map_err(|e| Error::io(path, e))?;
            if n == 0 {
                break;
            }
            bytes += n as u64;
            hasher.update(&buf[..n]);
        }
        let sha256 = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Self {
            path: path.display().to_string(),
            bytes,
            sha256,
        })
    }
}

/// What one stage of an engine is and which files it loaded.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ComponentInfo {
    pub name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<ModelFile>,
}

impl ComponentInfo {
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            files: Vec::new(),
        }
    }

    pub fn with_files(name: impl Into<String>, files: Vec<ModelFile>) -> Self {
        Self {
            name: name.into(),
            files,
        }
    }
}
