//! Reads gold JSONL files (the format of ANNOTATION.md) into byte spans,
//! checking every field and naming the line and field that is wrong.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::ner::EntityLabel;
use crate::resolve::{Country, Role};
use crate::text::{CharOffsets, Span};

/// One hand-labelled document.
#[derive(Debug, Clone)]
pub struct GoldDoc {
    /// The document's id.
    pub id: String,
    /// Its text.
    pub text: String,
    /// Its entities, in text order.
    pub entities: Vec<GoldEntity>,
    /// `None` when the document has no `frames` field.
    pub frames: Option<Vec<GoldFrame>>,
    /// Whether entities were labelled: false when the record's `layers`
    /// field lists what was labelled and leaves out `entities` (a
    /// frames-only document), so an empty list is not read as "no names".
    pub has_entities: bool,
    /// The record's `conflict` field: the group that leave-one-conflict-out
    /// cross-validation holds out together.
    pub conflict: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
/// A gold entity.
pub struct GoldEntity {
    /// Byte span into the document text.
    pub span: Span,
    /// Its CoNLL label.
    pub label: EntityLabel,
    /// Its role, when the file gives roles.
    pub role: Option<Role>,
    /// The state it belongs to, when the file gives one.
    pub country: Option<Country>,
}

#[derive(Debug, Clone, PartialEq)]
/// A gold framed stretch of text.
pub struct GoldFrame {
    /// Byte span into the document text.
    pub span: Span,
    /// The frame labels it carries.
    pub labels: Vec<String>,
}

/// A gold file and what it annotates.
#[derive(Debug, Clone)]
pub struct GoldSet {
    /// The documents, in file order.
    pub docs: Vec<GoldDoc>,
    /// Every entity has a role.
    pub has_roles: bool,
    /// Some actor entity has a country (else actor countries are not scored).
    pub has_countries: bool,
    /// Some document has a `frames` field.
    pub has_frames: bool,
}

impl GoldSet {
    /// The frame labels used anywhere in the file, sorted.
    pub fn frame_labels(&self) -> Vec<String> {
        let mut labels: Vec<String> = self
            .docs
            .iter()
            .flat_map(|d| d.frames.iter().flatten())
            .flat_map(|f| f.labels.iter().cloned())
            .collect();
        labels.sort();
        labels.dedup();
        labels
    }
}

#[derive(Deserialize)]
struct RawDoc {
    id: serde_json::Value,
    text: String,
    #[serde(default)]
    entities: Vec<RawEntity>,
    frames: Option<Vec<RawFrame>>,
    layers: Option<Vec<String>>,
    conflict: Option<String>,
}

#[derive(Deserialize)]
struct RawEntity {
    start: usize,
    end: usize,
    label: String,
    role: Option<String>,
    country: Option<String>,
}

#[derive(Deserialize)]
struct RawFrame {
    start: usize,
    end: usize,
    labels: Vec<String>,
}

/// Reads gold JSONL files into one set; ids must be unique across them.
pub fn read_all(paths: &[impl AsRef<Path>]) -> Result<GoldSet> {
    let mut docs = Vec::new();
    // Each id with the index of the file it was first read from.
    let mut ids: HashMap<String, usize> = HashMap::new();
    for (file, path) in paths.iter().enumerate() {
        let path = path.as_ref();
        read_lines(path, |line, doc| {
            if let Some(earlier) = ids.insert(doc.id.clone(), file) {
                let message = if earlier == file {
                    format!("duplicate id {:?}", doc.id)
                } else {
                    format!(
                        "id {:?} also occurs in {}",
                        doc.id,
                        paths[earlier].as_ref().display()
                    )
                };
                return Err(Error::record(path, line, "id", message));
            }
            docs.push(doc);
            Ok(())
        })?;
    }
    Ok(GoldSet::new(docs))
}

impl GoldSet {
    /// A set of documents, with what they annotate.
    pub fn new(docs: Vec<GoldDoc>) -> Self {
        let labelled = || docs.iter().filter(|d| d.has_entities);
        let entities = || labelled().flat_map(|d| &d.entities);
        GoldSet {
            has_roles: entities().next().is_some() && entities().all(|e| e.role.is_some()),
            has_countries: entities().any(|e| e.country.is_some()),
            has_frames: docs.iter().any(|d| d.frames.is_some()),
            docs,
        }
    }
}

/// Reads a gold JSONL file.
pub fn read(path: &Path) -> Result<GoldSet> {
    read_all(&[path])
}

/// Passes each document of the gold JSONL file at `path` to `each` with its
/// line number (1-based), in file order.
fn read_lines(path: &Path, mut each: impl FnMut(usize, GoldDoc) -> Result<()>) -> Result<()> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| Error::io(path, e))?;
        let line = if i == 0 {
            crate::ingest::strip_bom(&line)
        } else {
            &line
        };
        if line.trim().is_empty() {
            continue;
        }
        each(i + 1, parse_line(path, i + 1, line)?)?;
    }
    Ok(())
}

fn parse_line(path: &Path, line: usize, json: &str) -> Result<GoldDoc> {
    let err = |field: &str, msg: String| Error::record(path, line, field, msg);
    let raw: RawDoc = serde_json::from_str(json).map_err(|e| err("(record)", e.to_string()))?;
    let id = match raw.id {
        serde_json::Value::String(s) => s,
        serde_json::Value::Number(n) => n.to_string(),
        other => return Err(err("id", format!("expected a string, found {other}"))),
    };
    let chars = CharOffsets::new(&raw.text);
    let span = |field: &str, start: usize, end: usize| -> Result<Span> {
        let (Some(s), Some(e)) = (chars.to_byte(start), chars.to_byte(end)) else {
            return Err(err(
                field,
                format!("offsets {start}..{end} lie outside the text"),
            ));
        };
        if s >= e {
            return Err(err(field, format!("empty or reversed span {start}..{end}")));
        }
        Ok(Span::new(s, e))
    };
    let mut entities = Vec::with_capacity(raw.entities.len());
    for (k, e) in raw.entities.into_iter().enumerate() {
        let field = |name: &str| format!("entities[{k}].{name}");
        let entity = GoldEntity {
            span: span(&field("start"), e.start, e.end)?,
            label: e
                .label
                .parse()
                .map_err(|x: Error| err(&field("label"), x.to_string()))?,
            role: e
                .role
                .map(|r| r.parse())
                .transpose()
                .map_err(|x: Error| err(&field("role"), x.to_string()))?,
            country: e
                .country
                .map(|c| c.parse())
                .transpose()
                .map_err(|x: Error| err(&field("country"), x.to_string()))?,
        };
        entities.push(entity);
    }
    let frames = match raw.frames {
        None => None,
        Some(frames) => Some(
            frames
                .into_iter()
                .enumerate()
                .map(|(k, f)| {
                    if f.labels.is_empty() {
                        return Err(err(
                            &format!("frames[{k}].labels"),
                            "empty label list".into(),
                        ));
                    }
                    Ok(GoldFrame {
                        span: span(&format!("frames[{k}].start"), f.start, f.end)?,
                        labels: f.labels,
                    })
                })
                .collect::<Result<_>>()?,
        ),
    };
    let has_entities = raw
        .layers
        .as_ref()
        .is_none_or(|l| l.iter().any(|x| x == "entities"));
    if !has_entities && !entities.is_empty() {
        return Err(err(
            "layers",
            "lists no `entities` but the record has entities".into(),
        ));
    }
    Ok(GoldDoc {
        id,
        text: raw.text,
        entities,
        frames,
        has_entities,
        conflict: raw.conflict,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(lines: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut f, lines.as_bytes()).unwrap();
        f
    }

    #[test]
    fn reads_code_point_offsets_as_bytes() {
        let f = write(concat!(
            r#"{"id":"a","text":"Ukraine’s Zelensky met Kim.","entities":[{"start":10,"end":18,"label":"PER","role":"actor","country":"UKR"}],"frames":[{"start":0,"end":27,"labels":["capability"]}],"extra":1}"#,
            "\n"
        ));
        let gold = read(f.path()).unwrap();
        let doc = &gold.docs[0];
        assert_eq!(doc.entities[0].span.slice(&doc.text), "Zelensky");
        assert_eq!(
            doc.frames.as_ref().unwrap()[0].span.slice(&doc.text),
            "Ukraine’s Zelensky met Kim."
        );
        assert!(gold.has_roles && gold.has_countries && gold.has_frames);
        assert_eq!(gold.frame_labels(), ["capability"]);
    }

    #[test]
    fn errors_name_line_and_field() {
        let f = write(concat!(
            r#"{"id":"a","text":"Kim","entities":[]}"#,
            "\n",
            r#"{"id":"b","text":"Kim","entities":[{"start":0,"end":9,"label":"PER"}]}"#,
            "\n"
        ));
        let msg = read(f.path()).unwrap_err().to_string();
        assert!(msg.contains(":2: field `entities[0].start`"), "{msg}");
        let f =
            write(r#"{"id":"a","text":"Kim","entities":[{"start":0,"end":3,"label":"PERSON"}]}"#);
        let msg = read(f.path()).unwrap_err().to_string();
        assert!(msg.contains(":1: field `entities[0].label`"), "{msg}");
        let f = write("{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"a\",\"text\":\"y\"}\n");
        let msg = read(f.path()).unwrap_err().to_string();
        assert!(
            msg.contains(":2: field `id`") && msg.contains("duplicate"),
            "{msg}"
        );
    }

    #[test]
    fn an_id_in_two_files_names_the_line_and_the_earlier_file() {
        let first = write("{\"id\":\"a\",\"text\":\"x\"}\n");
        let second = write("{\"id\":\"b\",\"text\":\"x\"}\n{\"id\":\"a\",\"text\":\"y\"}\n");
        let msg = read_all(&[first.path(), second.path()])
            .unwrap_err()
            .to_string();
        let expected = format!(
            "{}:2: field `id`: id \"a\" also occurs in {}",
            second.path().display(),
            first.path().display()
        );
        assert_eq!(msg, expected);
    }
}
