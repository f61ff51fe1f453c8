//! Reads saved records (the JSONL that `newstag tag` writes, see
//! [`crate::record`]) back, for the commands that work on them: `table`,
//! `view` and `eval --pred`. Every line is checked here, once (spans inside
//! the text, indices pointing at entries that exist), so that those commands
//! index without checking again; a line that fails is reported with its
//! number and skipped, never allowed to stop the others.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::text::{CharOffsets, Span};

/// An annotated document as read back; the fields, and those of the types
/// below, are the record format's ([`crate::record`], README "Output
/// record"). Offsets are code points into `text`, as written; `bytes`
/// fields hold the same spans in bytes (when the record has its text), for
/// slicing.
#[derive(Debug, Clone, Deserialize)]
pub struct Record {
    /// The document id.
    pub id: String,
    /// Where the document came from (`FILE`, `FILE:LINE` for JSONL).
    #[serde(default)]
    pub source: String,
    /// The input format (`text`, `markdown`, `html`, `jsonl`).
    #[serde(default)]
    pub format: String,
    /// The text every offset counts into; absent for records written with
    /// `--no-text`.
    #[serde(default)]
    pub text: Option<String>,
    /// The sentences, in text order.
    #[serde(default)]
    pub sentences: Vec<SpanIn>,
    /// Every entity mention, in text order.
    pub entities: Vec<EntityIn>,
    /// The distinct actors, each with its mentions.
    #[serde(default)]
    pub actors: Vec<ReferentIn>,
    /// The distinct places, each with its mentions.
    #[serde(default)]
    pub places: Vec<ReferentIn>,
    /// The framed sentences (with `--all-frame-scores`, every scored one).
    #[serde(default)]
    pub frames: Vec<FrameIn>,
    /// Each frame label over the whole document.
    #[serde(default)]
    pub doc_frames: Vec<DocFrameIn>,
    /// How the document was processed (windows, label conflicts).
    #[serde(default)]
    pub notes: Vec<String>,
    /// What produced the record, as written.
    #[serde(default)]
    pub engine: serde_json::Value,
}

impl Record {
    /// The actor or place that entity `entity` refers to, if any.
    pub fn referent(&self, entity: usize) -> Option<&ReferentIn> {
        let e = &self.entities[entity];
        let list = match e.role.as_str() {
            "actor" => &self.actors,
            "place" => &self.places,
            _ => return None,
        };
        Some(&list[e.referent?])
    }
}

/// A sentence span.
#[derive(Debug, Clone, Deserialize)]
pub struct SpanIn {
    /// Start, in code points into the text.
    pub start: usize,
    /// End (exclusive), in code points.
    pub end: usize,
    /// The same span in bytes, when the record has its text.
    #[serde(skip)]
    pub bytes: Option<Span>,
}

/// An entity mention.
#[derive(Debug, Clone, Deserialize)]
pub struct EntityIn {
    /// Start, in code points into the text.
    pub start: usize,
    /// End (exclusive), in code points.
    pub end: usize,
    /// The text it covers.
    pub text: String,
    /// Its CoNLL label (`PER`, `ORG`, `LOC`, `MISC`).
    pub label: String,
    /// Its role (`actor`, `place`, `other`).
    pub role: String,
    /// The ISO 3166-1 alpha-3 code of the state it belongs to, when known.
    #[serde(default)]
    pub country: Option<String>,
    /// The recogniser's confidence, 0 to 1.
    #[serde(default)]
    pub score: Option<f64>,
    /// Index of its sentence in `sentences`.
    #[serde(default)]
    pub sentence: Option<usize>,
    /// Index into `actors` (role actor) or `places` (role place).
    #[serde(default)]
    pub referent: Option<usize>,
    /// The same span in bytes, when the record has its text.
    #[serde(skip)]
    pub bytes: Option<Span>,
}

/// An actor or place with the indices of its mentions.
#[derive(Debug, Clone, Deserialize)]
pub struct ReferentIn {
    /// The canonical name (`North Korea`).
    pub name: String,
    /// Its dictionary kind (`state`, `person`, `city`, ...).
    #[serde(default)]
    pub kind: String,
    /// The ISO 3166-1 alpha-3 code of its state, when known.
    #[serde(default)]
    pub country: Option<String>,
    /// Indices of its mentions in `entities`.
    pub mentions: Vec<usize>,
}

/// A framed sentence.
#[derive(Debug, Clone, Deserialize)]
pub struct FrameIn {
    /// Start of the sentence, in code points into the text.
    pub start: usize,
    /// End (exclusive), in code points.
    pub end: usize,
    /// Index of the sentence in `sentences`.
    #[serde(default)]
    pub sentence: Option<usize>,
    /// The frame label.
    pub label: String,
    /// The score the label's threshold applies to.
    pub score: f64,
    /// Present with `--all-frame-scores`.
    #[serde(default)]
    pub selected: Option<bool>,
    /// Why it was assigned.
    #[serde(default)]
    pub evidence: Vec<EvidenceIn>,
    /// Index of the entity the framing is about.
    #[serde(default)]
    pub target: Option<usize>,
    /// The sentence's span in bytes, when the record has its text.
    #[serde(skip)]
    pub bytes: Option<Span>,
}

impl FrameIn {
    /// Whether the frame passed its threshold (always, unless the record
    /// was written with `--all-frame-scores` and says otherwise).
    pub fn is_selected(&self) -> bool {
        self.selected != Some(false)
    }
}

/// Why a frame was assigned.
#[derive(Debug, Clone, Deserialize)]
pub struct EvidenceIn {
    /// What kind of evidence (`cue`, `description`, `example`, ...).
    pub kind: String,
    /// The cue as written, or the description, example or hypothesis.
    pub text: String,
    /// Similarity or entailment score behind it.
    #[serde(default)]
    pub score: Option<f64>,
    /// For a cue under a negator: the negator, as written.
    #[serde(default)]
    pub negated_by: Option<String>,
}

/// A frame label aggregated over the document.
#[derive(Debug, Clone, Deserialize)]
pub struct DocFrameIn {
    /// The frame label.
    pub label: String,
    /// The document's score for it (the mean of its best sentence scores).
    pub score: f64,
    /// Its best sentence score.
    #[serde(default)]
    pub max: Option<f64>,
    /// How many sentences were selected for it.
    #[serde(default)]
    pub sentences: usize,
}

/// An error record: a document that could not be processed.
#[derive(Debug, Clone)]
pub struct ErrorEntry {
    /// The document id.
    pub id: String,
    /// Where the document came from (`FILE`, `FILE:LINE`).
    pub source: String,
    /// Machine-readable kind (`invalid_json`, `empty`, ...).
    pub kind: String,
    /// What went wrong, for people.
    pub message: String,
}

/// One usable line of a records file.
#[derive(Debug, Clone)]
pub enum Entry {
    /// An annotated document.
    Record(Box<Record>),
    /// A document that could not be processed.
    Error(ErrorEntry),
}

impl Entry {
    /// The document id.
    pub fn id(&self) -> &str {
        match self {
            Entry::Record(r) => &r.id,
            Entry::Error(e) => &e.id,
        }
    }
}

/// A records file: its usable lines in order, and the lines that were not
/// (each an [`Error::Record`] naming file, line and field).
#[derive(Debug, Default)]
pub struct Records {
    /// The usable lines, in file order.
    pub entries: Vec<Entry>,
    /// One error per bad line.
    pub bad: Vec<Error>,
}

impl Records {
    /// The annotated records (error records left out).
    pub fn records(&self) -> impl Iterator<Item = &Record> {
        self.entries.iter().filter_map(|e| match e {
            Entry::Record(r) => Some(r.as_ref()),
            Entry::Error(_) => None,
        })
    }
}

/// Reads a records file; `-` reads stdin. Fails only when the file cannot
/// be read at all: bad lines go to [`Records::bad`].
pub fn read(path: &Path) -> Result<Records> {
    if path == Path::new("-") {
        return read_from(std::io::stdin().lock(), path);
    }
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    read_from(file, path)
}

/// Reads records from `input`; `path` names it in messages.
pub fn read_from(input: impl Read, path: &Path) -> Result<Records> {
    let mut out = Records::default();
    let mut ids = HashSet::new();
    let mut reader = BufReader::new(input);
    let mut buf = Vec::new();
    let mut line_no = 0;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let bad = |field: &str, message: String| Error::record(path, line_no, field, message);
        let Ok(line) = std::str::from_utf8(&buf) else {
            out.bad.push(bad("(line)", "not UTF-8".into()));
            continue;
        };
        let line = line.trim_end_matches(['\n', '\r']);
        if line.trim().is_empty() {
            continue;
        }
        match parse_line(line).map_err(|(field, message)| bad(&field, message)) {
            Ok(entry) => {
                if ids.insert(entry.id().to_string()) {
                    out.entries.push(entry);
                } else {
                    out.bad
                        .push(bad("id", format!("duplicate id {:?}", entry.id())));
                }
            }
            Err(e) => out.bad.push(e),
        }
    }
    Ok(out)
}

/// What a bad line got wrong: the field and the message.
type LineError = (String, String);

fn parse_line(line: &str) -> std::result::Result<Entry, LineError> {
    let value: serde_json::Value = serde_json::from_str(line).map_err(|e| {
        let what = if e.is_eof() {
            "truncated JSON"
        } else {
            "not JSON"
        };
        ("(line)".to_string(), format!("{what}: {e}"))
    })?;
    let Some(object) = value.as_object() else {
        return Err(("(line)".into(), "not a JSON object".into()));
    };
    if let Some(error) = object.get("error") {
        return parse_error_record(object, error);
    }
    let mut record: Record = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." {
            "(record)".to_string()
        } else {
            path
        };
        (field, e.into_inner().to_string())
    })?;
    check(&mut record)?;
    Ok(Entry::Record(Box::new(record)))
}

fn parse_error_record(
    object: &serde_json::Map<String, serde_json::Value>,
    error: &serde_json::Value,
) -> std::result::Result<Entry, LineError> {
    let text = |v: Option<&serde_json::Value>, field: &str| {
        v.and_then(|v| v.as_str())
            .map(str::to_string)
            .ok_or_else(|| (field.to_string(), "missing or not a string".to_string()))
    };
    Ok(Entry::Error(ErrorEntry {
        id: text(object.get("id"), "id")?,
        source: text(object.get("source"), "source").unwrap_or_default(),
        kind: text(error.get("kind"), "error.kind")?,
        message: text(error.get("message"), "error.message").unwrap_or_default(),
    }))
}

/// Checks every span and index of a record and fills in the byte spans.
fn check(r: &mut Record) -> std::result::Result<(), LineError> {
    let err = |field: String, message: String| Err((field, message));
    let chars = r.text.as_deref().map(CharOffsets::new);
    let span = |field: String, start: usize, end: usize| {
        if start > end {
            return Err((field, format!("reversed span {start}..{end}")));
        }
        match &chars {
            None => Ok(None),
            Some(c) => match (c.to_byte(start), c.to_byte(end)) {
                (Some(s), Some(e)) => Ok(Some(Span::new(s, e))),
                _ => Err((
                    field,
                    format!("offsets {start}..{end} lie outside the text"),
                )),
            },
        }
    };
    for (k, s) in r.sentences.iter_mut().enumerate() {
        s.bytes = span(format!("sentences[{k}].start"), s.start, s.end)?;
    }
    let (sentences, entities) = (r.sentences.len(), r.entities.len());
    let in_sentences = |field: String, i: Option<usize>| match i {
        Some(i) if sentences > 0 && i >= sentences => err(
            field,
            format!("sentence {i} does not exist ({sentences} sentences)"),
        ),
        _ => Ok(()),
    };
    for (k, e) in r.entities.iter_mut().enumerate() {
        e.bytes = span(format!("entities[{k}].start"), e.start, e.end)?;
        in_sentences(format!("entities[{k}].sentence"), e.sentence)?;
        let referents = match e.role.as_str() {
            "actor" => r.actors.len(),
            "place" => r.places.len(),
            _ => 0,
        };
        if let Some(i) = e.referent.filter(|&i| i >= referents) {
            return err(
                format!("entities[{k}].referent"),
                format!("{} {i} does not exist", e.role),
            );
        }
    }
    for (list, name) in [(&r.actors, "actors"), (&r.places, "places")] {
        for (k, a) in list.iter().enumerate() {
            if let Some(&m) = a.mentions.iter().find(|&&m| m >= entities) {
                return err(
                    format!("{name}[{k}].mentions"),
                    format!("entity {m} does not exist ({entities} entities)"),
                );
            }
        }
    }
    for (k, f) in r.frames.iter_mut().enumerate() {
        f.bytes = span(format!("frames[{k}].start"), f.start, f.end)?;
        in_sentences(format!("frames[{k}].sentence"), f.sentence)?;
        if let Some(t) = f.target.filter(|&t| t >= entities) {
            return err(
                format!("frames[{k}].target"),
                format!("entity {t} does not exist ({entities} entities)"),
            );
        }
    }
    Ok(())
}

/// Reads `path` for a command that needs records: each bad line is passed
/// to `report`, and a file with no usable line at all is an error.
pub fn read_usable(path: &Path, mut report: impl FnMut(&Error)) -> Result<Records> {
    let records = read(path)?;
    records.bad.iter().for_each(&mut report);
    if records.entries.is_empty() {
        return Err(Error::Record {
            path: PathBuf::from(path),
            line: records.bad.len(),
            field: "(file)".into(),
            message: format!("no usable record ({} bad lines)", records.bad.len()),
        });
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Records {
        read_from(text.as_bytes(), Path::new("t.jsonl")).unwrap()
    }

    #[test]
    fn reads_records_and_error_records_and_reports_bad_lines() {
        let good = r#"{"id":"a","text":"Kyiv’s Zelensky spoke.","sentences":[{"start":0,"end":22}],"entities":[{"start":7,"end":15,"text":"Zelensky","label":"PER","role":"actor","country":"UKR","sentence":0,"referent":0}],"actors":[{"name":"Volodymyr Zelensky","kind":"person","country":"UKR","mentions":[0]}],"places":[],"frames":[],"doc_frames":[]}"#;
        let error = r#"{"id":"b","source":"x","error":{"kind":"invalid_json","message":"bad"}}"#;
        let out_of_text = r#"{"id":"c","text":"Kim","entities":[{"start":0,"end":9,"text":"Kim","label":"PER","role":"other"}]}"#;
        let bad_target = r#"{"id":"d","text":"Kim","entities":[],"frames":[{"start":0,"end":3,"label":"x","score":0.5,"target":4}]}"#;
        let input = [
            good,
            error,
            "[1,2]",
            "{\"id\":\"a\",\"ent",
            out_of_text,
            bad_target,
            good,
        ]
        .join("\n");
        let r = parse(&input);
        assert_eq!(r.entries.len(), 2);
        let rec = r.records().next().unwrap();
        let e = &rec.entities[0];
        assert_eq!(
            e.bytes.unwrap().slice(rec.text.as_deref().unwrap()),
            "Zelensky"
        );
        assert!(matches!(&r.entries[1], Entry::Error(e) if e.kind == "invalid_json"));
        let msgs: Vec<String> = r.bad.iter().map(|e| e.to_string()).collect();
        assert_eq!(msgs.len(), 5, "{msgs:?}");
        assert!(
            msgs[0].starts_with("t.jsonl:3: field `(line)`: not a JSON object"),
            "{msgs:?}"
        );
        assert!(
            msgs[1].contains(":4:") && msgs[1].contains("truncated"),
            "{msgs:?}"
        );
        assert!(
            msgs[2].contains(":5: field `entities[0].start`"),
            "{msgs:?}"
        );
        assert!(msgs[3].contains(":6: field `frames[0].target`"), "{msgs:?}");
        assert!(
            msgs[4].contains(":7: field `id`") && msgs[4].contains("duplicate"),
            "{msgs:?}"
        );
    }

    #[test]
    fn a_wrong_field_type_names_the_field() {
        let r = parse(
            r#"{"id":"a","entities":[{"start":"0","end":1,"text":"K","label":"PER","role":"other"}]}"#,
        );
        let msg = r.bad[0].to_string();
        assert!(msg.contains("field `entities[0].start`"), "{msg}");
    }
}
