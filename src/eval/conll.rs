//! Scoring the entity recogniser alone on a CoNLL column file's own tokens
//! and sentences (entity-level strict scores, as conlleval), which is how
//! the README's CoNLL-2003 figures are measured.

use std::path::Path;
use std::sync::Arc;

use crate::engine::{self, FrameChoice, PipelineConfig};
use crate::error::Result;
use crate::ner::conll;

use super::{EntityScores, Report};

/// Builds the recogniser `config` asks for (no framing) and scores it on
/// the CoNLL file at `path`.
pub fn evaluate_conll(config: &PipelineConfig, path: &Path) -> Result<Report> {
    let sentences = conll::read(path)?;
    if sentences.is_empty() {
        return Err(crate::Error::NotEnoughData {
            what: path.display().to_string(),
            message: "no documents to score".to_string(),
        });
    }
    let config = PipelineConfig {
        frames: FrameChoice::None,
        ..config.clone()
    };
    let stages = engine::build(&config)?;
    let strict = conll::score(stages.recognizer.as_ref(), &sentences)?;
    Ok(Report {
        documents: sentences.last().map_or(0, |s| s.document + 1),
        entities: EntityScores { strict, role: None },
        actor_countries: None,
        frames: None,
        frames_by_document: None,
        frames_protocol: None,
        skipped: vec![
            "entities.role, actor_countries, frames: a CoNLL file has labels only".to_string(),
        ],
        engine: super::ReportEngine::Pipeline(Arc::new(stages.info)),
    })
}
