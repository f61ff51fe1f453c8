//! Engines: which implementation serves each stage. This is the one place
//! that turns configuration into concrete stages; the pipeline only sees
//! the traits.

use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

use crate::error::Result;
use crate::frames::embedded::StaticFramer;
use crate::frames::negation::{Negation, NEGATION_FILE};
use crate::frames::vectors::{StaticEmbeddings, STATIC_MODEL_DIR};
use crate::frames::{FrameClassifier, FrameMethod, FrameSet, DEFAULT_SET};
use crate::models::{models_dir, ComponentInfo};
use crate::ner::model::NerModel;
use crate::ner::EntityRecognizer;
use crate::pipeline::PipelineConfig;
use crate::resolve::Resolver;

/// Which engine runs NER and framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    /// Pure Rust, weights shipped in `models/`; needs nothing but cargo.
    #[default]
    Embedded,
    /// rust-bert on libtorch (cargo feature `transformers`).
    Transformer,
}

/// Which frames to classify.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum FrameChoice {
    /// No framing.
    None,
    /// The frame set shipped in `models/frames/deployment.toml`.
    #[default]
    Default,
    /// A frame set file (TOML or JSON).
    File(PathBuf),
    /// A frame set given in full (ad-hoc labels from `--labels`).
    Set(FrameSet),
    /// These labels, with the shipped default set's definitions for the
    /// labels it defines and bare labels otherwise (used by `eval`, which
    /// classifies the labels of the gold file).
    Labels(Vec<String>),
}

/// Settings of the transformer engine.
#[derive(Debug, Clone, Default)]
pub struct TransformerOptions {
    /// Token-classification model directory.
    pub ner_model: Option<PathBuf>,
    /// NLI model directory for zero-shot framing.
    pub nli_model: Option<PathBuf>,
    /// Sentence-embedding model directory.
    pub embedding_model: Option<PathBuf>,
    /// Fine-tuned encoder and head directory for `--frame-method setfit`.
    pub setfit_model: Option<PathBuf>,
    /// Framing method (see [`FrameMethod`]): `nli`, `embedding` or `setfit` for the
    /// transformer engine; `static` (default), `vectors`, `cues` or `every`
    /// for the embedded one.
    pub frame_method: Option<String>,
    /// Largest batch of sequences per forward pass.
    pub batch_size: Option<usize>,
}

/// What produced a record, so a downstream analysis can be reproduced.
#[derive(Debug, Clone, Serialize)]
pub struct EngineInfo {
    pub name: EngineKind,
    /// newstag's crate version.
    pub version: &'static str,
    pub ner: ComponentInfo,
    pub actors: ComponentInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frames: Option<ComponentInfo>,
}

/// The loaded stages of an engine.
pub struct Stages {
    pub recognizer: Box<dyn EntityRecognizer>,
    pub resolver: Resolver,
    pub framer: Option<Box<dyn FrameClassifier>>,
    pub info: EngineInfo,
}

/// Loads the stages `config` asks for.
pub fn build(config: &PipelineConfig) -> Result<Stages> {
    let dir = models_dir(config.models_dir.as_deref());
    let recognizer: Box<dyn EntityRecognizer> = match config.engine {
        EngineKind::Embedded => Box::new(NerModel::load(&dir)?),
        EngineKind::Transformer => transformer_recognizer(config, &dir)?,
    };
    let resolver = Resolver::load(&dir)?;
    let framer = framer(config, &dir)?;
    let info = EngineInfo {
        name: config.engine,
        version: env!("CARGO_PKG_VERSION"),
        ner: recognizer.info(),
        actors: resolver.info(),
        frames: framer.as_ref().map(|f| f.info()),
    };
    Ok(Stages {
        recognizer,
        resolver,
        framer,
        info,
    })
}

/// The frame classifier for `config.frames`, scored by the method
/// `--frame-method` names (default: `static` on the embedded engine,
/// `embedding` on the transformer engine, whose MiniLM is fetchable
/// offline from PyPI where an NLI model may not be).
fn framer(
    config: &PipelineConfig,
    dir: &std::path::Path,
) -> Result<Option<Box<dyn FrameClassifier>>> {
    let set = match &config.frames {
        FrameChoice::None => return Ok(None),
        FrameChoice::Default => FrameSet::load(&dir.join(DEFAULT_SET))?,
        FrameChoice::File(path) => FrameSet::load(path)?,
        FrameChoice::Set(set) => set.clone(),
        FrameChoice::Labels(labels) => {
            FrameSet::load(&dir.join(DEFAULT_SET))?.restricted_to(labels)
        }
    };
    let method = match (&config.transformer.frame_method, config.engine) {
        (Some(name), _) => name.parse()?,
        (None, EngineKind::Embedded) => FrameMethod::Static,
        (None, EngineKind::Transformer) => FrameMethod::Embedding,
    };
    // The transformer methods need the feature, not the transformer NER:
    // `--frame-method nli` also works with the embedded engine's entities.
    if method.is_transformer() {
        return transformer_framer(config, dir, set, method).map(Some);
    }
    let vectors = match method {
        FrameMethod::Static | FrameMethod::Vectors => Some(Arc::new(StaticEmbeddings::load(
            &dir.join(STATIC_MODEL_DIR),
        )?)),
        _ => None,
    };
    let negation = Negation::load(&dir.join(NEGATION_FILE))?;
    Ok(Some(Box::new(
        StaticFramer::new(set, method, vectors)?.with_negation(negation),
    )))
}

/// The transformer engine's frame classifier: NLI (`--nli-model`, else the
/// default one under `models/hf/`), MiniLM sentence embeddings
/// (`--embedding-model`, else `models/hf/all-MiniLM-L6-v2`) or a fine-tuned
/// encoder with its head (`--setfit-model`, else `models/hf/setfit-deployment`).
#[cfg(feature = "transformers")]
fn transformer_framer(
    config: &PipelineConfig,
    dir: &std::path::Path,
    set: FrameSet,
    method: FrameMethod,
) -> Result<Box<dyn FrameClassifier>> {
    use crate::frames::nli::{EmbeddingFramer, NliFramer};
    use crate::frames::setfit::{SetfitFramer, SetfitHead, DEFAULT_SETFIT_DIR};
    use crate::transformer::fetch::{model_dir, DEFAULT_NLI, MINILM};
    use crate::transformer::{NliModel, SentenceEmbedder};
    let opts = &config.transformer;
    if method == FrameMethod::Setfit {
        let path = opts
            .setfit_model
            .clone()
            .unwrap_or_else(|| dir.join("hf").join(DEFAULT_SETFIT_DIR));
        let head = SetfitHead::load(&path)?;
        let set_source = match &config.frames {
            FrameChoice::File(file) => file.display().to_string(),
            FrameChoice::Set(_) => "the labels of --labels".to_string(),
            _ => dir.join(DEFAULT_SET).display().to_string(),
        };
        return Ok(Box::new(SetfitFramer::new(
            set,
            &set_source,
            SentenceEmbedder::load(&path, opts.batch_size)?,
            head,
        )?));
    }
    if method == FrameMethod::Nli {
        let path = opts
            .nli_model
            .clone()
            .unwrap_or_else(|| model_dir(&dir.join("hf"), DEFAULT_NLI));
        Ok(Box::new(NliFramer::new(
            set,
            NliModel::load(&path, opts.batch_size)?,
        )?))
    } else {
        let path = opts
            .embedding_model
            .clone()
            .unwrap_or_else(|| model_dir(&dir.join("hf"), MINILM));
        Ok(Box::new(EmbeddingFramer::new(
            set,
            SentenceEmbedder::load(&path, opts.batch_size)?,
        )?))
    }
}

#[cfg(not(feature = "transformers"))]
fn transformer_framer(
    _: &PipelineConfig,
    _: &std::path::Path,
    _: FrameSet,
    _: FrameMethod,
) -> Result<Box<dyn FrameClassifier>> {
    Err(transformer_missing())
}

/// The token-classification model of `--ner-model`, else the default one
/// that `newstag models fetch` puts under `models/hf/`.
#[cfg(feature = "transformers")]
fn transformer_recognizer(
    config: &PipelineConfig,
    dir: &std::path::Path,
) -> Result<Box<dyn EntityRecognizer>> {
    use crate::transformer::{fetch::DEFAULT_NER, TransformerRecognizer};
    let path = config
        .transformer
        .ner_model
        .clone()
        .unwrap_or_else(|| dir.join("hf").join(DEFAULT_NER));
    Ok(Box::new(TransformerRecognizer::load(
        &path,
        config.transformer.batch_size,
    )?))
}

#[cfg(not(feature = "transformers"))]
fn transformer_recognizer(
    _: &PipelineConfig,
    _: &std::path::Path,
) -> Result<Box<dyn EntityRecognizer>> {
    Err(transformer_missing())
}

#[cfg(not(feature = "transformers"))]
fn transformer_missing() -> crate::error::Error {
    crate::error::Error::Config(
        "the transformer engine is not compiled in: rebuild with `cargo build --release --features transformers` (see README)"
            .to_string(),
    )
}
