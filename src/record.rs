//! The output contract: one JSON line per input document, either an
//! annotated record ([`RecordWriter`]) or an [`ErrorRecord`]. Offsets in
//! records are Unicode code point offsets into the record's `text`, end
//! exclusive; this module is where byte spans become code points.
//!
//! A record's fields, in this order:
//!
//! - `id`, `source`, `format` (`text`, `markdown`, `html`);
//! - `text_kind`: `original` when `text` is the input itself, `visible` when
//!   it is the visible text of Markdown or HTML (then spans also carry
//!   `source_start`/`source_end` into the original);
//! - `text`, unless `--no-text`;
//! - `sentences` ([`SpanOut`]), `entities` ([`EntityOut`]), `actors` and
//!   `places` ([`Referent`]), `frames` ([`FrameOut`]), `doc_frames`
//!   ([`DocFrame`](crate::frames::DocFrame));
//! - `notes`, when there is something worth knowing about how the document
//!   was processed;
//! - `engine`: what produced the record ([`EngineInfo`]).

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::Arc;

use serde::Serialize;

use crate::document::{Document, Origin};
use crate::engine::EngineInfo;
use crate::error::Error;
use crate::frames::{EvidenceKind, FrameTally};
use crate::ner::EntityLabel;
use crate::pipeline::Annotation;
use crate::resolve::{Country, Referent, Role};
use crate::spool::Spool;
use crate::text::{CharOffsets, Span};

/// What goes into each record besides the annotations.
#[derive(Debug, Clone)]
pub struct OutputOptions {
    /// Write the analysed text into the record (default: yes).
    pub include_text: bool,
    /// Write every scored frame, not only those that passed the threshold.
    pub all_frame_scores: bool,
}

impl Default for OutputOptions {
    fn default() -> Self {
        Self {
            include_text: true,
            all_frame_scores: false,
        }
    }
}

/// A span in code points; `source_*` point into the original markup.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct SpanOut {
    pub start: usize,
    pub end: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_start: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_end: Option<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EntityOut<'a> {
    #[serde(flatten)]
    pub span: SpanOut,
    pub text: &'a str,
    pub label: EntityLabel,
    pub role: Role,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<Country>,
    pub score: f32,
    pub sentence: usize,
    /// Index into `actors` (role actor) or `places` (role place).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referent: Option<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FrameOut<'a> {
    #[serde(flatten)]
    pub span: SpanOut,
    pub sentence: usize,
    pub label: &'a str,
    pub score: f32,
    /// Present with `--all-frame-scores`: whether the threshold was passed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected: Option<bool>,
    pub evidence: Vec<EvidenceOut<'a>>,
    /// Index of the entity the framing is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvidenceOut<'a> {
    pub kind: EvidenceKind,
    pub text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
    /// For a cue under a negator: the negator as written; the cue then
    /// counts for nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub negated_by: Option<&'a str>,
    /// For a labelled training sentence: its document id and sentence
    /// number (`id#3`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<&'a str>,
}

/// A document that could not be processed.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorRecord {
    pub id: String,
    pub source: String,
    pub error: ErrorInfo,
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorInfo {
    pub kind: &'static str,
    pub message: String,
}

impl ErrorRecord {
    pub fn new(id: &str, source: &str, err: &Error) -> Self {
        Self {
            id: id.to_string(),
            source: source.to_string(),
            error: ErrorInfo {
                kind: err.input_kind().as_str(),
                message: err.to_string(),
            },
        }
    }
}

/// One document's output line, newline included: its record, or an error
/// record saying why it has none. A huge record lies in a temporary file.
#[derive(Debug)]
pub struct Line {
    spool: Spool,
    error: bool,
    tokens: usize,
}

impl Line {
    /// The line of an annotated document of `tokens` tokens, written by
    /// [`RecordWriter::finish`].
    pub fn record(spool: Spool, tokens: usize) -> Self {
        Self {
            spool,
            error: false,
            tokens,
        }
    }

    /// The error record of a document that could not be annotated.
    pub fn error(id: &str, source: &str, err: &Error) -> Self {
        // Never spilled, so writing cannot fail.
        let mut spool = Spool::with_limit(usize::MAX);
        serde_json::to_writer(&mut spool, &ErrorRecord::new(id, source, err))
            .expect("error records serialise");
        spool.write_all(b"\n").expect("in memory");
        Self {
            spool,
            error: true,
            tokens: 0,
        }
    }

    pub fn is_error(&self) -> bool {
        self.error
    }

    /// Tokens in the document (0 for an error record), for throughput.
    pub fn tokens(&self) -> usize {
        self.tokens
    }

    /// Length in bytes, newline included.
    pub fn len(&self) -> u64 {
        self.spool.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spool.is_empty()
    }

    /// The line's bytes, when it is in memory (all but huge records).
    pub fn in_memory(&self) -> Option<&[u8]> {
        self.spool.in_memory()
    }

    /// Writes the line to `out`.
    pub fn copy_to(&mut self, out: &mut dyn Write) -> io::Result<()> {
        self.spool.copy_to(out)
    }

    /// The line as a string.
    pub fn into_string(self) -> io::Result<String> {
        self.spool.into_string()
    }
}

/// Writes the record of one document as its windows are annotated: the
/// sentences, entities and frames of each window go straight to spools
/// (memory, then temporary files), while actors, places and document
/// frames, which span windows, are merged as they come. Sentence and
/// entity indices of a window are renumbered to count from the document's
/// start; an actor or place of a later window joins an earlier one with the
/// same name, kind and country.
pub struct RecordWriter<'d> {
    doc: &'d Document,
    conv: Converter<'d>,
    engine: &'d Arc<EngineInfo>,
    opts: &'d OutputOptions,
    sentences: Array,
    entities: Array,
    frames: Array,
    actors: Referents,
    places: Referents,
    tally: FrameTally,
    notes: Notes,
}

impl<'d> RecordWriter<'d> {
    pub fn new(doc: &'d Document, engine: &'d Arc<EngineInfo>, opts: &'d OutputOptions) -> Self {
        Self {
            doc,
            conv: Converter::new(&doc.text, doc.origin.as_ref()),
            engine,
            opts,
            sentences: Array::default(),
            entities: Array::default(),
            frames: Array::default(),
            actors: Referents::default(),
            places: Referents::default(),
            tally: FrameTally::default(),
            notes: Notes::default(),
        }
    }

    /// Adds the annotation of the document's next window (spans in bytes
    /// into the document's text, indices counting from the window).
    pub fn add(&mut self, ann: &Annotation) -> io::Result<()> {
        let text = &self.doc.text;
        let (sentence_base, entity_base) = (self.sentences.len, self.entities.len);
        for sentence in &ann.sentences {
            self.sentences.push(&self.conv.span(sentence.span))?;
        }
        let actors = self.actors.merge(&ann.actors, entity_base);
        let places = self.places.merge(&ann.places, entity_base);
        for e in &ann.entities {
            let referent = match e.role {
                Role::Actor => e.referent.map(|r| actors[r]),
                Role::Place => e.referent.map(|r| places[r]),
                Role::Other => None,
            };
            self.entities.push(&EntityOut {
                span: self.conv.span(e.mention.span),
                text: e.mention.span.slice(text),
                label: e.mention.label,
                role: e.role,
                country: e.country,
                score: e.mention.score,
                sentence: sentence_base + e.sentence,
                referent,
            })?;
        }
        for f in &ann.frames {
            self.tally.add(f);
            if !(self.opts.all_frame_scores || f.selected) {
                continue;
            }
            let evidence = f
                .evidence
                .iter()
                .map(|ev| {
                    let span = ev.span.map(|s| self.conv.span(s));
                    EvidenceOut {
                        kind: ev.kind,
                        text: &ev.text,
                        start: span.map(|s| s.start),
                        end: span.map(|s| s.end),
                        score: ev.score,
                        negated_by: ev.negated_by.as_deref(),
                        document: ev.document.as_deref(),
                    }
                })
                .collect();
            self.frames.push(&FrameOut {
                span: self.conv.span(f.span),
                sentence: sentence_base + f.sentence,
                label: &f.label,
                score: f.score,
                selected: self.opts.all_frame_scores.then_some(f.selected),
                evidence,
                target: f.target.map(|t| entity_base + t),
            })?;
        }
        ann.notes.iter().for_each(|n| self.notes.add(n));
        Ok(())
    }

    /// Adds a note about how the document was processed.
    pub fn note(&mut self, note: &str) {
        self.notes.add(note);
    }

    /// The finished record line.
    pub fn finish(mut self) -> io::Result<Spool> {
        let doc = self.doc;
        let mut out = Spool::default();
        out.write_all(b"{\"id\":")?;
        serde_json::to_writer(&mut out, &doc.id)?;
        field(&mut out, "source", &doc.source)?;
        field(&mut out, "format", doc.format.as_str())?;
        field(
            &mut out,
            "text_kind",
            if doc.origin.is_some() {
                "visible"
            } else {
                "original"
            },
        )?;
        if self.opts.include_text {
            field(&mut out, "text", &doc.text)?;
        }
        self.sentences.write_field(&mut out, "sentences")?;
        self.entities.write_field(&mut out, "entities")?;
        field(&mut out, "actors", &self.actors.list)?;
        field(&mut out, "places", &self.places.list)?;
        self.frames.write_field(&mut out, "frames")?;
        field(&mut out, "doc_frames", &self.tally.finish())?;
        let notes = self.notes.finish();
        if !notes.is_empty() {
            field(&mut out, "notes", &notes)?;
        }
        field(&mut out, "engine", self.engine)?;
        out.write_all(b"}\n")?;
        out.flush()?;
        Ok(out)
    }
}

/// Writes `,"name":value`.
fn field<T: Serialize + ?Sized>(out: &mut Spool, name: &str, value: &T) -> io::Result<()> {
    write!(out, ",\"{name}\":")?;
    serde_json::to_writer(out, value).map_err(io::Error::from)
}

/// A JSON array being written, element by element.
#[derive(Debug, Default)]
struct Array {
    spool: Spool,
    len: usize,
}

impl Array {
    fn push<T: Serialize>(&mut self, item: &T) -> io::Result<()> {
        if self.len > 0 {
            self.spool.write_all(b",")?;
        }
        serde_json::to_writer(&mut self.spool, item)?;
        self.len += 1;
        Ok(())
    }

    /// Writes `,"name":[...]`.
    fn write_field(&mut self, out: &mut Spool, name: &str) -> io::Result<()> {
        write!(out, ",\"{name}\":[")?;
        self.spool.copy_to(out)?;
        out.write_all(b"]")
    }
}

/// The actors (or places) of a document, merged across windows.
#[derive(Debug, Default)]
struct Referents {
    list: Vec<Referent>,
    /// Index of the first referent with each name, kind and country.
    by_key: HashMap<(String, String, Option<Country>), usize>,
}

impl Referents {
    /// Adds the referents of a window whose entities start at index
    /// `entity_base`, and returns where each went. One that an earlier
    /// window has is merged into it; within a window they stay apart, as the
    /// resolver made them.
    fn merge(&mut self, window: &[Referent], entity_base: usize) -> Vec<usize> {
        let earlier = self.list.len();
        window
            .iter()
            .map(|r| {
                let mentions = r.mentions.iter().map(|m| entity_base + m);
                let key = (r.name.clone(), r.kind.clone(), r.country);
                match self.by_key.get(&key).copied().filter(|&i| i < earlier) {
                    Some(i) => {
                        self.list[i].mentions.extend(mentions);
                        i
                    }
                    None => {
                        let i = self.list.len();
                        self.list.push(Referent {
                            name: r.name.clone(),
                            kind: r.kind.clone(),
                            country: r.country,
                            mentions: mentions.collect(),
                        });
                        self.by_key.entry(key).or_insert(i);
                        i
                    }
                }
            })
            .collect()
    }
}

/// A record's notes: each said once, and not too many.
#[derive(Debug, Default)]
struct Notes {
    list: Vec<String>,
    more: usize,
}

/// Notes a record holds; later distinct ones are counted, not listed.
const MAX_NOTES: usize = 20;

impl Notes {
    fn add(&mut self, note: &str) {
        if self.list.iter().any(|n| n == note) {
            return;
        }
        if self.list.len() < MAX_NOTES {
            self.list.push(note.to_string());
        } else {
            self.more += 1;
        }
    }

    fn finish(mut self) -> Vec<String> {
        if self.more > 0 {
            self.list.push(format!("... and {} more notes", self.more));
        }
        self.list
    }
}

/// Byte spans of a visible text to code point spans, with their position in
/// the original markup when there is one.
struct Converter<'t> {
    visible: CharOffsets<'t>,
    origin: Option<(&'t Origin, CharOffsets<'t>)>,
}

impl<'t> Converter<'t> {
    fn new(text: &'t str, origin: Option<&'t Origin>) -> Self {
        Self {
            visible: CharOffsets::new(text),
            origin: origin.map(|o| (o, CharOffsets::new(&o.original))),
        }
    }

    fn span(&self, span: Span) -> SpanOut {
        let (start, end) = self.visible.span_to_chars(span);
        let (source_start, source_end) = match &self.origin {
            Some((origin, chars)) => {
                let s = chars.to_char(origin.to_original(span.start));
                let e = chars.to_char(origin.to_original_end(span.end));
                (Some(s), Some(e.max(s)))
            }
            None => (None, None),
        };
        SpanOut {
            start,
            end,
            source_start,
            source_end,
        }
    }
}
