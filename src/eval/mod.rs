//! Evaluation against hand-labelled gold files (ANNOTATION.md): runs the
//! production pipeline on each gold text and scores entities (strict and by
//! role), actor countries per document and frames.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::engine::{EngineInfo, FrameChoice};
use crate::error::Result;
use crate::pipeline::{Annotation, Pipeline, WINDOW_BYTES};

pub mod conll;
pub mod gold;
pub mod pred;
pub mod score;
pub use crate::metrics;

pub use conll::evaluate_conll;
pub use gold::{GoldDoc, GoldSet};
pub use metrics::{DocumentFrames, Prf, Scores};
pub use pred::{evaluate_records, Prediction};
pub use score::{Miss, Scorer};

/// Scores of one evaluation run. Scores the gold file cannot support (no
/// roles, no countries, no frames) are left out and named in `skipped`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Gold documents scored.
    pub documents: usize,
    /// Entity scores.
    pub entities: EntityScores,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Actor countries, compared as sets per document.
    pub actor_countries: Option<Prf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Frames: same label, spans overlapping by at least half the shorter one.
    pub frames: Option<Scores>,
    /// Frames per document: whether a document carries each label, and how
    /// many of its spans do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frames_by_document: Option<DocumentFrames>,
    /// How frames were predicted when not by the pipeline as it stands:
    /// the cross-validation protocol (`eval --cv`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frames_protocol: Option<String>,
    /// Scores left out, each with the reason.
    pub skipped: Vec<String>,
    /// What produced the predictions.
    pub engine: ReportEngine,
}

/// What produced the scored predictions.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum ReportEngine {
    /// The pipeline that `eval` ran.
    Pipeline(Arc<EngineInfo>),
    /// The `engine` object of the scored records (`eval --pred`), as read.
    Records(serde_json::Value),
}

impl ReportEngine {
    /// The engine's name (`embedded`, `transformer`, ...), if known.
    pub fn name(&self) -> Option<String> {
        match self {
            ReportEngine::Pipeline(info) => serde_json::to_value(info.name)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string)),
            ReportEngine::Records(v) => v["name"].as_str().map(str::to_string),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
/// Entity scores of an evaluation run.
pub struct EntityScores {
    /// Exact span and label.
    pub strict: Scores,
    /// Exact span and role, label ignored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Scores>,
}

/// The frames to classify when evaluating `gold`: the explicit choice if
/// there is one, else the labels that occur in the gold file, else none.
pub fn frame_choice(gold: &GoldSet, explicit: Option<FrameChoice>) -> FrameChoice {
    match explicit {
        Some(choice) => choice,
        None if gold.has_frames => FrameChoice::Labels(gold.frame_labels()),
        None => FrameChoice::None,
    }
}

/// Runs `pipeline` on every gold document and scores the result.
pub fn evaluate(pipeline: &Pipeline, gold: &GoldSet) -> Result<Report> {
    Ok(evaluate_listing(pipeline, gold, false)?.0)
}

/// [`evaluate`], also listing every false positive and negative when
/// `list_misses` is set.
pub fn evaluate_listing(
    pipeline: &Pipeline,
    gold: &GoldSet,
    list_misses: bool,
) -> Result<(Report, Vec<Miss>)> {
    let mut scorer = Scorer::new(list_misses);
    for doc in &gold.docs {
        // The record path: window by window, as `newstag tag` annotates.
        let mut windows: Vec<Annotation> = Vec::new();
        pipeline.annotate_into(&doc.text, WINDOW_BYTES, &mut windows)?;
        scorer.add(doc, &Prediction::from_windows(&windows));
    }
    let engine = ReportEngine::Pipeline(Arc::clone(pipeline.info()));
    Ok(scorer.finish(gold, engine))
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} documents, engine {}",
            self.documents,
            self.engine.name().as_deref().unwrap_or("?")
        )?;
        table(
            f,
            "entities, strict (exact span and label)",
            &self.entities.strict,
        )?;
        if let Some(role) = &self.entities.role {
            table(f, "entities, role (exact span and role)", role)?;
        }
        if let Some(c) = &self.actor_countries {
            writeln!(f, "\nactor countries (sets per document)")?;
            header(f)?;
            row(f, "overall", c)?;
        }
        if let Some(frames) = &self.frames {
            let title = match &self.frames_protocol {
                Some(p) => format!("frames (same label, overlap >= half the shorter span), {p}"),
                None => "frames (same label, overlap >= half the shorter span)".to_string(),
            };
            table(f, &title, frames)?;
        }
        if let Some(docs) = &self.frames_by_document {
            document_table(f, docs)?;
        }
        for s in &self.skipped {
            writeln!(f, "\nnot scored: {s}")?;
        }
        Ok(())
    }
}

fn table(f: &mut fmt::Formatter<'_>, title: &str, scores: &Scores) -> fmt::Result {
    writeln!(f, "\n{title}")?;
    header(f)?;
    for (label, prf) in &scores.per_label {
        row(f, label, prf)?;
    }
    row(f, "overall", &scores.overall)
}

fn document_table(f: &mut fmt::Formatter<'_>, docs: &DocumentFrames) -> fmt::Result {
    writeln!(
        f,
        "\nframes per document (does the document carry the label; spans per document)"
    )?;
    writeln!(
        f,
        "  {:<14} {:>6} {:>6} {:>6} {:>6} {:>10} {:>10} {:>6}",
        "label", "docs", "P", "R", "F1", "gold spans", "predicted", "r"
    )?;
    for (label, d) in docs.per_label() {
        let r = d
            .count_correlation
            .map_or_else(|| "-".to_string(), |r| format!("{r:.3}"));
        writeln!(
            f,
            "  {:<14} {:>6} {:>6.3} {:>6.3} {:>6.3} {:>10} {:>10} {:>6}",
            label,
            d.documents,
            d.presence.precision(),
            d.presence.recall(),
            d.presence.f1(),
            d.gold_spans,
            d.predicted_spans,
            r
        )?;
    }
    Ok(())
}

fn header(f: &mut fmt::Formatter<'_>) -> fmt::Result {
    writeln!(
        f,
        "  {:<14} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}",
        "label", "P", "R", "F1", "TP", "FP", "FN"
    )
}

fn row(f: &mut fmt::Formatter<'_>, label: &str, p: &Prf) -> fmt::Result {
    writeln!(
        f,
        "  {:<14} {:>6.3} {:>6.3} {:>6.3} {:>6} {:>6} {:>6}",
        label,
        p.precision(),
        p.recall(),
        p.f1(),
        p.tp,
        p.fp,
        p.fn_
    )
}
