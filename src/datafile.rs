//! Reading the project's own TOML and JSON data files (frame sets, negation
//! lists, role words) into serde types, with errors that name the file, the
//! line and the field (e.g. `label[1].threshold`): the one error path for
//! every such file. And writing a file whole or not at all
//! ([`write_whole`]).

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

/// Writes `contents` to `path` whole or not at all: into a file beside it
/// (its name with `.tmp` appended), then renamed over it, so that a failed
/// write leaves the old file and a link at `path` is replaced, not written
/// through. Errors name `path`.
pub fn write_whole(path: &Path, contents: impl AsRef<[u8]>) -> Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, contents)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| Error::io(path, e))
}

/// Reads and deserialises the TOML file at `path`; a read error names the file.
pub fn read_toml<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse_toml(&text, path)
}

/// Deserialises the TOML `text` of the file at `path` (which only names the
/// source in errors).
pub fn parse_toml<T: DeserializeOwned>(text: &str, path: &Path) -> Result<T> {
    let de = toml::Deserializer::new(text);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let field = field_name(err.path());
        let inner = err.into_inner();
        let (line, column) = inner.span().map_or((0, 0), |s| line_column(text, s.start));
        let message = format!(
            "{} at line {line} column {column}",
            inner.message().trim_end()
        );
        Error::record(path, line, field, message)
    })
}

/// Deserialises the JSON `text` of the file at `path` (which only names the
/// source in errors).
pub fn parse_json<T: DeserializeOwned>(text: &str, path: &Path) -> Result<T> {
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let field = field_name(err.path());
        let inner = err.into_inner();
        Error::record(path, inner.line(), field, inner.to_string())
    })
}

/// 1-based line and column (in characters) of byte offset `at` in `text`.
fn line_column(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

/// A deserialisation path as a field name; the top level is named so.
fn field_name(path: &serde_path_to_error::Path) -> String {
    match path.to_string() {
        p if p == "." => "(top level)".to_string(),
        p => p,
    }
}
