//! Engines: which implementation serves each stage. This is the one place
//! that turns configuration into concrete stages; the pipeline only sees
//! the traits.

use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

use crate::error::Result;
use crate::frames::embedded::StaticFramer;
use crate::frames::learned::{classifier_path, Featurizer, LearnedFramer};
use crate::frames::negation::{Negation, NEGATION_FILE};
use crate::frames::vectors::{StaticEmbeddings, STATIC_MODEL_DIR};
use crate::frames::{FrameClassifier, FrameMethod, FrameSet, DEFAULT_SET};
use crate::models::{models_dir, ComponentInfo};
use crate::ner::model::NerModel;
use crate::ner::EntityRecognizer;
use crate::resolve::recognizer::DictionaryRecognizer;
use crate::resolve::Resolver;

/// Settings from which a [`Pipeline`](crate::Pipeline) is built, once.
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    /// Which engine runs NER (and, by default, framing).
    pub engine: EngineKind,
    /// Models directory; `None` finds it as [`crate::models::models_dir`] says.
    pub models_dir: Option<PathBuf>,
    /// Which frames to classify.
    pub frames: FrameChoice,
    /// Settings of the transformer engine (ignored by the embedded one).
    pub transformer: TransformerOptions,
    /// What goes into each record besides the annotations.
    pub output: OutputOptions,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        Self {
            engine: EngineKind::Embedded,
            models_dir: None,
            frames: FrameChoice::Default,
            transformer: TransformerOptions::default(),
            output: OutputOptions::default(),
        }
    }
}

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

/// Which engine runs NER and framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    /// Pure Rust, weights shipped in `models/`; needs nothing but cargo.
    #[default]
    Embedded,
    /// rust-bert on libtorch (cargo feature `transformers`).
    Transformer,
    /// The actor dictionary alone as the recogniser (a baseline: it finds
    /// only the names `models/actors.jsonl` holds); framing as `embedded`.
    Dictionary,
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
    /// Fine-tuned encoder and head directories for `--frame-method setfit`:
    /// one, or several whose probabilities are averaged (empty: the default).
    pub setfit_model: Vec<PathBuf>,
    /// Framing method (see [`FrameMethod`]): `nli`, `embedding` or `setfit` for the
    /// transformer engine; `static` (default), `vectors`, `cues` or `every`
    /// for the embedded one.
    pub frame_method: Option<FrameMethod>,
    /// Largest batch of sequences per forward pass.
    pub batch_size: Option<usize>,
}

/// What produced a record, so a downstream analysis can be reproduced.
#[derive(Debug, Clone, Serialize)]
pub struct EngineInfo {
    /// The engine that produced the record.
    pub name: EngineKind,
    /// newstag's crate version.
    pub version: &'static str,
    /// The entity recogniser and its model files.
    pub ner: ComponentInfo,
    /// The actor dictionary and role rules.
    pub actors: ComponentInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The frame classifier, when frames were classified.
    pub frames: Option<ComponentInfo>,
}

/// The loaded stages of an engine.
pub struct Stages {
    /// The entity recogniser.
    pub recognizer: Box<dyn EntityRecognizer>,
    /// The actor/place resolver.
    pub resolver: Resolver,
    /// The frame classifier, unless framing is off.
    pub framer: Option<Box<dyn FrameClassifier>>,
    /// What the stages are, for the records.
    pub info: EngineInfo,
}

/// Loads the stages `config` asks for.
pub fn build(config: &PipelineConfig) -> Result<Stages> {
    let dir = models_dir(config.models_dir.as_deref());
    let recognizer: Option<Box<dyn EntityRecognizer>> = match config.engine {
        EngineKind::Embedded => Some(Box::new(NerModel::load(&dir)?)),
        EngineKind::Transformer => Some(transformer_recognizer(config, &dir)?),
        EngineKind::Dictionary => None,
    };
    let resolver = Resolver::load(&dir)?;
    let recognizer = match recognizer {
        Some(recognizer) => recognizer,
        None => Box::new(DictionaryRecognizer::new(resolver.dictionary())?),
    };
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

/// The frame set `config.frames` asks for, with the file it was read from
/// (`None` for ad-hoc labels); `None` when framing is off. Labels that are
/// exactly the default set's select the default set itself, so that `eval`
/// on a gold file of that set uses its trained classifier.
pub fn frame_set(
    config: &PipelineConfig,
    dir: &std::path::Path,
) -> Result<Option<(FrameSet, Option<PathBuf>)>> {
    let default = || dir.join(DEFAULT_SET);
    Ok(Some(match &config.frames {
        FrameChoice::None => return Ok(None),
        FrameChoice::Default => (FrameSet::load(&default())?, Some(default())),
        FrameChoice::File(path) => (FrameSet::load(path)?, Some(path.clone())),
        FrameChoice::Set(set) => (set.clone(), None),
        FrameChoice::Labels(labels) => {
            let set = FrameSet::load(&default())?;
            let mut own: Vec<&str> = set.label_names().collect();
            let mut asked: Vec<&str> = labels.iter().map(String::as_str).collect();
            own.sort_unstable();
            asked.sort_unstable();
            if own == asked {
                (set, Some(default()))
            } else {
                (set.restricted_to(labels), None)
            }
        }
    }))
}

/// The learned classifier's features for `set`: the shipped static
/// embeddings and negation lists under `dir`.
pub fn featurizer(dir: &std::path::Path, set: FrameSet) -> Result<Featurizer> {
    let vectors = StaticEmbeddings::load(&dir.join(STATIC_MODEL_DIR))?;
    let negation = Negation::load(&dir.join(NEGATION_FILE))?;
    Featurizer::new(set, Arc::new(vectors), negation)
}

/// The frame classifier for `config.frames`, scored by the method
/// `--frame-method` names. The default on the embedded engine is `learned`
/// when the frame set has a trained classifier beside it
/// (`deployment.classifier.json`), else `static`; on the transformer engine
/// it is `embedding`, whose MiniLM is fetchable offline from PyPI where an
/// NLI model may not be.
fn framer(
    config: &PipelineConfig,
    dir: &std::path::Path,
) -> Result<Option<Box<dyn FrameClassifier>>> {
    let Some((set, set_path)) = frame_set(config, dir)? else {
        return Ok(None);
    };
    let trained = set_path
        .as_deref()
        .map(classifier_path)
        .filter(|p| p.is_file());
    let method = match (config.transformer.frame_method, config.engine) {
        (Some(method), _) => method,
        (None, EngineKind::Embedded | EngineKind::Dictionary) if trained.is_some() => {
            FrameMethod::Learned
        }
        (None, EngineKind::Embedded | EngineKind::Dictionary) => FrameMethod::Static,
        (None, EngineKind::Transformer) => FrameMethod::Embedding,
    };
    if method == FrameMethod::Learned {
        let Some(set_path) = set_path else {
            return Err(crate::Error::InvalidArgument {
                argument: "--frame-method learned".to_string(),
                message: "needs a frame set file with a classifier trained by `newstag \
                          train-frames`; ad-hoc --labels are classified zero-shot (static)"
                    .to_string(),
            });
        };
        let path = classifier_path(&set_path);
        let dir_of = path.parent().unwrap_or(std::path::Path::new("."));
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let hint = format!(
            "train it with `newstag train-frames --frames {}` (see README, \"Framing\")",
            set_path.display()
        );
        let path = crate::models::require(dir_of, name, &hint)?;
        return Ok(Some(Box::new(LearnedFramer::load(
            featurizer(dir, set)?,
            &path,
            &set_path,
        )?)));
    }
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
/// encoder with its head, or several averaged (`--setfit-model`, else
/// `models/hf/setfit-deployment`).
#[cfg(feature = "transformers")]
fn transformer_framer(
    config: &PipelineConfig,
    dir: &std::path::Path,
    set: FrameSet,
    method: FrameMethod,
) -> Result<Box<dyn FrameClassifier>> {
    use crate::frames::nli::NliFramer;
    use crate::frames::sentence_embedding::EmbeddingFramer;
    use crate::frames::setfit::{SetfitFramer, SetfitHead, DEFAULT_SETFIT_DIR};
    use crate::transformer::fetch::{model_dir, DEFAULT_NLI, MINILM};
    use crate::transformer::{NliModel, SentenceEmbedder};
    let opts = &config.transformer;
    if method == FrameMethod::Setfit {
        let paths = if opts.setfit_model.is_empty() {
            vec![dir.join("hf").join(DEFAULT_SETFIT_DIR)]
        } else {
            opts.setfit_model.clone()
        };
        // Every head is read and checked before any encoder loads.
        let heads = paths
            .iter()
            .map(|path| SetfitHead::load(path))
            .collect::<Result<Vec<_>>>()?;
        let set_source = match &config.frames {
            FrameChoice::File(file) => file.display().to_string(),
            FrameChoice::Set(_) => "the labels of --labels".to_string(),
            _ => dir.join(DEFAULT_SET).display().to_string(),
        };
        let members = paths
            .iter()
            .zip(heads)
            .map(|(path, head)| Ok((SentenceEmbedder::load(path, opts.batch_size)?, head)))
            .collect::<Result<Vec<_>>>()?;
        return Ok(Box::new(SetfitFramer::ensemble(set, &set_source, members)?));
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
    crate::error::Error::NotCompiledIn {
        what: "the transformer engine",
        feature: "transformers",
    }
}
