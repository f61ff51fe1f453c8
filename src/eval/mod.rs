//! Evaluation against hand-labelled gold files (ANNOTATION.md): runs the
//! production pipeline on each gold text and scores entities (strict and by
//! role), actor countries per document and frames.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::engine::{EngineInfo, FrameChoice};
use crate::error::Result;
use crate::pipeline::Pipeline;

pub mod gold;
pub mod metrics;
pub mod pred;
pub mod score;

pub use gold::{GoldDoc, GoldSet};
pub use metrics::{Prf, Scores};
pub use pred::{evaluate_records, Prediction};
pub use score::{Miss, Scorer};

/// Scores of one evaluation run. Scores the gold file cannot support (no
/// roles, no countries, no frames) are left out and named in `skipped`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub documents: usize,
    pub entities: EntityScores,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_countries: Option<Prf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frames: Option<Scores>,
    /// Scores left out, each with the reason.
    pub skipped: Vec<String>,
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
        let ann = pipeline.annotate(&doc.text)?;
        scorer.add(doc, &Prediction::from_annotation(&ann));
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
            table(
                f,
                "frames (same label, overlap >= half the shorter span)",
                frames,
            )?;
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
