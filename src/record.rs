//! The output contract: one JSON line per input document, either an
//! annotated [`Record`] or an [`ErrorRecord`]. Offsets in records are Unicode
//! code point offsets into the record's `text`, end exclusive; this module is
//! where byte spans become code points.

use std::sync::Arc;

use serde::Serialize;

use crate::document::{Document, Origin};
use crate::engine::EngineInfo;
use crate::error::Error;
use crate::frames::{DocFrame, EvidenceKind};
use crate::ner::EntityLabel;
use crate::pipeline::Annotation;
use crate::resolve::{Country, Referent, Role};
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
        Self { include_text: true, all_frame_scores: false }
    }
}

/// One output line.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum OutputRecord {
    Ok(Box<Record>),
    Error(ErrorRecord),
}

/// An annotated document.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    pub id: String,
    pub source: String,
    pub format: &'static str,
    /// `original` when `text` is the input itself, `visible` when it is the
    /// visible text of Markdown or HTML (then spans also carry
    /// `source_start`/`source_end` into the original).
    pub text_kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    pub sentences: Vec<SpanOut>,
    pub entities: Vec<EntityOut>,
    pub actors: Vec<Referent>,
    pub places: Vec<Referent>,
    pub frames: Vec<FrameOut>,
    pub doc_frames: Vec<DocFrame>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    pub engine: Arc<EngineInfo>,
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
pub struct EntityOut {
    #[serde(flatten)]
    pub span: SpanOut,
    pub text: String,
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
pub struct FrameOut {
    #[serde(flatten)]
    pub span: SpanOut,
    pub sentence: usize,
    pub label: String,
    pub score: f32,
    /// Present with `--all-frame-scores`: whether the threshold was passed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected: Option<bool>,
    pub evidence: Vec<EvidenceOut>,
    /// Index of the entity the framing is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvidenceOut {
    pub kind: EvidenceKind,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
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

impl OutputRecord {
    /// The record of an annotated document.
    pub fn ok(doc: &Document, ann: &Annotation, engine: &Arc<EngineInfo>, opts: &OutputOptions) -> Self {
        let conv = Converter::new(&doc.text, doc.origin.as_ref());
        let entities = ann
            .entities
            .iter()
            .map(|e| EntityOut {
                span: conv.span(e.mention.span),
                text: e.mention.span.slice(&doc.text).to_string(),
                label: e.mention.label,
                role: e.role,
                country: e.country,
                score: e.mention.score,
                sentence: e.sentence,
                referent: e.referent,
            })
            .collect();
        let frames = ann
            .frames
            .iter()
            .filter(|f| opts.all_frame_scores || f.selected)
            .map(|f| FrameOut {
                span: conv.span(f.span),
                sentence: f.sentence,
                label: f.label.clone(),
                score: f.score,
                selected: opts.all_frame_scores.then_some(f.selected),
                evidence: f
                    .evidence
                    .iter()
                    .map(|ev| {
                        let span = ev.span.map(|s| conv.span(s));
                        EvidenceOut {
                            kind: ev.kind,
                            text: ev.text.clone(),
                            start: span.map(|s| s.start),
                            end: span.map(|s| s.end),
                            score: ev.score,
                        }
                    })
                    .collect(),
                target: f.target,
            })
            .collect();
        Self::Ok(Box::new(Record {
            id: doc.id.clone(),
            source: doc.source.clone(),
            format: doc.format.as_str(),
            text_kind: if doc.origin.is_some() { "visible" } else { "original" },
            text: opts.include_text.then(|| doc.text.clone()),
            sentences: ann.sentences.iter().map(|s| conv.span(s.span)).collect(),
            entities,
            actors: ann.actors.clone(),
            places: ann.places.clone(),
            frames,
            doc_frames: ann.doc_frames.clone(),
            notes: ann.notes.clone(),
            engine: Arc::clone(engine),
        }))
    }

    /// The record of a document that failed.
    pub fn error(id: &str, source: &str, err: &Error) -> Self {
        Self::Error(ErrorRecord {
            id: id.to_string(),
            source: source.to_string(),
            error: ErrorInfo { kind: err.input_kind().as_str(), message: err.to_string() },
        })
    }

    pub fn id(&self) -> &str {
        match self {
            Self::Ok(r) => &r.id,
            Self::Error(e) => &e.id,
        }
    }

    pub fn is_error(&self) -> bool {
        matches!(self, Self::Error(_))
    }

    /// The record as one JSON line, newline included.
    pub fn to_line(&self) -> String {
        let mut line = serde_json::to_string(self).expect("records serialise");
        line.push('\n');
        line
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
        SpanOut { start, end, source_start, source_end }
    }
}
