//! What a system predicted for one gold document, in the one shape the
//! scorer reads: from the pipeline's [`Annotation`] (`eval --gold`) or from
//! a saved record of any system (`eval --pred`), spans in bytes of the gold
//! text either way.

use std::collections::HashMap;

use super::{GoldSet, Miss, Report, ReportEngine, Scorer};
use crate::pipeline::Annotation;
use crate::records::{Entry, Record, Records};
use crate::resolve::Entity;
use crate::text::{CharOffsets, Span};

/// The predictions for one document.
#[derive(Debug, Clone, Default)]
pub struct Prediction {
    /// Entity mentions.
    pub entities: Vec<PredEntity>,
    /// Selected frames: span and label.
    pub frames: Vec<(Span, String)>,
    /// Sentence spans, to show an error in its sentence.
    pub sentences: Vec<Span>,
}

/// A predicted entity mention.
#[derive(Debug, Clone, PartialEq)]
pub struct PredEntity {
    /// Bytes of the gold text.
    pub span: Span,
    /// `PER`, `ORG`, `LOC`, `MISC`.
    pub label: String,
    /// `actor`, `place` or `other`.
    pub role: String,
    /// ISO 3166-1 alpha-3 code, for actors and places.
    pub country: Option<String>,
}

impl Prediction {
    /// The pipeline's annotation of a gold text made in windows (spans are
    /// offsets into the whole text).
    pub fn from_windows(windows: &[Annotation]) -> Self {
        let mut out = Self::default();
        for w in windows {
            let p = Self::from_annotation(w);
            out.entities.extend(p.entities);
            out.frames.extend(p.frames);
            out.sentences.extend(p.sentences);
        }
        out
    }

    /// The pipeline's annotation of the gold text.
    pub fn from_annotation(ann: &Annotation) -> Self {
        Self {
            frames: ann
                .frames
                .iter()
                .filter(|f| f.selected)
                .map(|f| (f.span, f.label.clone()))
                .collect(),
            sentences: ann.sentences.iter().map(|s| s.span).collect(),
            ..Self::from_entities(&ann.entities)
        }
    }

    /// Resolved entities alone (no frames, no sentences).
    pub fn from_entities(entities: &[Entity]) -> Self {
        Self {
            entities: entities
                .iter()
                .map(|e| PredEntity {
                    span: e.mention.span,
                    label: e.mention.label.as_str().to_string(),
                    role: e.role.as_str().to_string(),
                    country: e.country.map(|c| c.to_string()),
                })
                .collect(),
            ..Self::default()
        }
    }

    /// A saved record of `gold_text`. Fails, saying why, when the record's
    /// text is not the gold text or a span lies outside it.
    pub fn from_record(record: &Record, gold_text: &str) -> Result<Self, String> {
        if let Some(text) = &record.text {
            if text != gold_text {
                return Err("the record's text differs from the gold text".into());
            }
        }
        let chars = CharOffsets::new(gold_text);
        let span =
            |what: &str, start: usize, end: usize| match (chars.to_byte(start), chars.to_byte(end))
            {
                (Some(s), Some(e)) if s <= e => Ok(Span::new(s, e)),
                _ => Err(format!("{what} {start}..{end} lies outside the gold text")),
            };
        let mut entities = Vec::with_capacity(record.entities.len());
        for (k, e) in record.entities.iter().enumerate() {
            entities.push(PredEntity {
                span: span(&format!("entities[{k}]"), e.start, e.end)?,
                label: e.label.clone(),
                role: e.role.clone(),
                country: e.country.clone(),
            });
        }
        let mut frames = Vec::new();
        for (k, f) in record.frames.iter().enumerate() {
            if f.is_selected() {
                frames.push((
                    span(&format!("frames[{k}]"), f.start, f.end)?,
                    f.label.clone(),
                ));
            }
        }
        let sentences = record
            .sentences
            .iter()
            .enumerate()
            .map(|(k, s)| span(&format!("sentences[{k}]"), s.start, s.end))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            entities,
            frames,
            sentences,
        })
    }
}

/// Scores saved records against `gold`, each gold document against the
/// record with its id. A gold document without a usable record (none, an
/// error record, a record of another text) is scored as predicting nothing,
/// and said so in the returned problems, as are records without a gold
/// document.
pub fn evaluate_records(
    gold: &GoldSet,
    records: &Records,
    list_misses: bool,
) -> (Report, Vec<Miss>, Vec<String>) {
    let by_id: HashMap<&str, &Entry> = records.entries.iter().map(|e| (e.id(), e)).collect();
    let mut scorer = Scorer::new(list_misses);
    let mut problems = Vec::new();
    let mut engine = serde_json::Value::Null;
    for doc in &gold.docs {
        let pred = match by_id.get(doc.id.as_str()) {
            None => Err("no record".to_string()),
            Some(Entry::Error(e)) => Err(format!("an error record ({})", e.kind)),
            Some(Entry::Record(r)) => {
                if engine.is_null() {
                    engine = r.engine.clone();
                }
                Prediction::from_record(r, &doc.text)
            }
        };
        let pred = pred.unwrap_or_else(|why| {
            problems.push(format!(
                "gold document {:?}: {why}; scored as predicting nothing",
                doc.id
            ));
            Prediction::default()
        });
        scorer.add(doc, &pred);
    }
    let gold_ids: std::collections::HashSet<&str> =
        gold.docs.iter().map(|d| d.id.as_str()).collect();
    let extra = records
        .entries
        .iter()
        .filter(|e| !gold_ids.contains(e.id()))
        .count();
    if extra > 0 {
        problems.push(format!(
            "{extra} records have no gold document with their id (not scored)"
        ));
    }
    let (report, misses) = scorer.finish(gold, ReportEngine::Records(engine));
    (report, misses, problems)
}
