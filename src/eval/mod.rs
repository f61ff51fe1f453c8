//! Evaluation against hand-labelled gold files (ANNOTATION.md): runs the
//! production pipeline on each gold text and scores entities (strict and by
//! role), actor countries per document and frames.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::engine::{EngineInfo, FrameChoice};
use crate::error::Result;
use crate::pipeline::{Annotation, Pipeline, WINDOW_BYTES};
use crate::resolve::{Entity, Role};
use crate::text::Span;

pub mod conll;
pub mod gold;
pub use crate::metrics;

pub use conll::evaluate_conll;
pub use gold::{GoldDoc, GoldSet};
pub use metrics::{Prf, Scores};

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
    /// Scores left out, each with the reason.
    pub skipped: Vec<String>,
    /// What produced the predictions.
    pub engine: Arc<EngineInfo>,
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
    let mut strict = Scores::default();
    let mut role = Scores::default();
    let mut countries = Prf::default();
    let mut frames = Scores::default();
    for doc in &gold.docs {
        // The record path: window by window, as `newstag tag` annotates.
        let mut windows: Vec<Annotation> = Vec::new();
        pipeline.annotate_into(&doc.text, WINDOW_BYTES, &mut windows)?;
        let entities: Vec<&Entity> = windows.iter().flat_map(|w| &w.entities).collect();
        score_entities(doc, &entities, &mut strict, &mut role);
        countries.add(score_actor_countries(doc, &entities));
        if let Some(gold_frames) = &doc.frames {
            let gold: Vec<(Span, String)> = gold_frames
                .iter()
                .flat_map(|f| f.labels.iter().map(|l| (f.span, l.clone())))
                .collect();
            let pred: Vec<(Span, String)> = windows
                .iter()
                .flat_map(|w| &w.frames)
                .filter(|f| f.selected)
                .map(|f| (f.span, f.label.clone()))
                .collect();
            frames.add_overlapping(&gold, &pred);
        }
    }
    let mut skipped = Vec::new();
    let mut keep = |ok: bool, what: &str, why: &str| {
        if !ok {
            skipped.push(format!("{what}: {why}"));
        }
        ok
    };
    let role = keep(
        gold.has_roles,
        "entities.role",
        "the gold file has entities without `role`",
    )
    .then_some(role);
    let actor_countries = keep(
        gold.has_countries,
        "actor_countries",
        "the gold file has no `country` fields",
    )
    .then_some(countries);
    let frames = keep(
        gold.has_frames,
        "frames",
        "the gold file has no `frames` fields",
    )
    .then_some(frames);
    Ok(Report {
        documents: gold.docs.len(),
        entities: EntityScores { strict, role },
        actor_countries,
        frames,
        skipped,
        engine: Arc::clone(pipeline.info()),
    })
}

/// Adds one document's entity scores: `strict` by exact span and label,
/// `role` by exact span and role (gold entities without a role left out).
pub fn score_entities(
    doc: &GoldDoc,
    predicted: &[&Entity],
    strict: &mut Scores,
    role: &mut Scores,
) {
    let gold: Vec<(Span, &str)> = doc
        .entities
        .iter()
        .map(|e| (e.span, e.label.as_str()))
        .collect();
    let pred: Vec<(Span, &str)> = predicted
        .iter()
        .map(|e| (e.mention.span, e.mention.label.as_str()))
        .collect();
    strict.add_exact(&gold, &pred);
    let gold: Vec<(Span, &str)> = doc
        .entities
        .iter()
        .filter_map(|e| Some((e.span, e.role?.as_str())))
        .collect();
    let pred: Vec<(Span, &str)> = predicted
        .iter()
        .map(|e| (e.mention.span, e.role.as_str()))
        .collect();
    role.add_exact(&gold, &pred);
}

/// One document's actor countries compared as sets: those of the gold
/// actors against those of the predicted ones.
pub fn score_actor_countries(doc: &GoldDoc, predicted: &[&Entity]) -> Prf {
    let gold: BTreeSet<String> = doc
        .entities
        .iter()
        .filter(|e| e.role == Some(Role::Actor))
        .filter_map(|e| e.country.map(|c| c.to_string()))
        .collect();
    let pred: BTreeSet<String> = predicted
        .iter()
        .filter(|e| e.role == Role::Actor)
        .filter_map(|e| e.country.map(|c| c.to_string()))
        .collect();
    metrics::compare_sets(&gold, &pred)
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let engine = serde_json::to_value(self.engine.name).unwrap_or_default();
        writeln!(
            f,
            "{} documents, engine {}",
            self.documents,
            engine.as_str().unwrap_or("?")
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
