//! Ingest: turns files, directories, stdin and JSONL records into
//! [`Document`]s. Markdown and HTML are reduced to their visible text with a
//! map back to the original ([`crate::document::Origin`]).

use std::path::Path;

use crate::document::{Document, Format};
use crate::error::{Error, InputErrorKind, Result};

pub mod html;
pub mod markdown;

/// How inputs are read.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Force a format instead of choosing by extension.
    pub format: Option<Format>,
    /// JSONL field holding the document id.
    pub id_field: String,
    /// JSONL field holding the document text.
    pub text_field: String,
}

impl Default for IngestOptions {
    fn default() -> Self {
        Self { format: None, id_field: "id".to_string(), text_field: "text".to_string() }
    }
}

/// Builds a document from the raw content of a text, Markdown or HTML input.
pub fn document(id: String, source: String, format: Format, raw: String) -> Result<Document> {
    let (text, origin) = match format {
        Format::Markdown => {
            let (text, origin) = markdown::to_visible(&raw);
            (text, Some(origin))
        }
        Format::Html => {
            let (text, origin) = html::to_visible(&raw);
            (text, Some(origin))
        }
        Format::Text | Format::Jsonl => (raw, None),
    };
    if text.trim().is_empty() {
        return Err(Error::Input { source_name: source, kind: InputErrorKind::Empty, message: "document has no text".into() });
    }
    Ok(Document { id, source, format, text, origin })
}

/// Reads every document of one file (one for text formats, one per line for JSONL).
pub fn read_file(path: &Path, opts: &IngestOptions) -> Vec<Result<Document>> {
    let source = path.display().to_string();
    let format = opts
        .format
        .or_else(|| path.extension().and_then(|e| e.to_str()).and_then(Format::from_extension))
        .unwrap_or(Format::Text);
    let raw = match std::fs::read_to_string(path) {
        Ok(raw) => raw,
        Err(e) => return vec![Err(Error::io(path, e))],
    };
    if format != Format::Jsonl {
        return vec![document(source.clone(), source, format, raw)];
    }
    raw.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            let value: serde_json::Value = serde_json::from_str(line)
                .map_err(|e| Error::record(path, i + 1, "(line)", e.to_string()))?;
            let text = value
                .get(&opts.text_field)
                .and_then(|v| v.as_str())
                .ok_or_else(|| Error::record(path, i + 1, &opts.text_field, "missing or not a string"))?;
            let id = value
                .get(&opts.id_field)
                .and_then(|v| v.as_str().map(str::to_string).or_else(|| v.as_i64().map(|n| n.to_string())))
                .unwrap_or_else(|| format!("{source}:{}", i + 1));
            document(id, format!("{source}:{}", i + 1), Format::Jsonl, text.to_string())
        })
        .collect()
}
