//! Command-line flags and their one-time conversion into library
//! configuration. Nothing below this module reads flags.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};

use newstag::engine::{EngineKind, FrameChoice, TransformerOptions};
use newstag::frames::FrameSet;
use newstag::batch::{self, BatchOptions, Done};
use newstag::ingest::IngestOptions;
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
  newstag eval --gold fixtures/gold.jsonl --json";

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
    #[arg(long, value_name = "A,B", value_delimiter = ',', conflicts_with = "no_frames")]
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
    /// Transformer engine: framing method, `nli` or `embedding`.
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
    /// Worker threads [default: one per core].
    #[arg(short, long, value_name = "N", default_value_t = 0, hide_default_value = true)]
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
    #[arg(long, value_name = "FILE")]
    gold: PathBuf,
    /// Print one JSON object (keys: documents, entities.strict, entities.role,
    /// actor_countries, frames, skipped, engine) instead of tables.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    engine: EngineArgs,
}

fn parse_format(s: &str) -> Result<Format, String> {
    Format::from_extension(s).ok_or_else(|| format!("unknown format {s:?} (txt, md, html, jsonl)"))
}

/// Parses the command line and runs it.
pub fn run() -> Result<ExitCode> {
    match Cli::parse().command {
        Command::Tag(args) => tag(args),
        Command::Eval(args) => eval(args),
    }
}

fn eval(args: EvalArgs) -> Result<ExitCode> {
    let gold = newstag::eval::gold::read(&args.gold)?;
    let mut config = args.engine.config(OutputOptions::default());
    config.frames = newstag::eval::frame_choice(&gold, args.engine.explicit_frames());
    let pipeline = Pipeline::new(&config)?;
    let report = newstag::eval::evaluate(&pipeline, &gold)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{}: {report}", args.gold.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn tag(args: TagArgs) -> Result<ExitCode> {
    let output = OutputOptions { include_text: !args.no_text, all_frame_scores: args.all_frame_scores };
    let pipeline = Pipeline::new(&args.engine.config(output))?;
    let opts = BatchOptions {
        jobs: args.jobs,
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
            let done = if args.resume { Done::from_output(path)? } else { Done::none() };
            if !args.quiet && !done.is_empty() {
                eprintln!("newstag: resuming {}: {} records already there", path.display(), done.len());
            }
            let file = batch::open_output(path, args.resume)?;
            batch::run(&pipeline, &args.paths, file, done, &opts)
        }
        None if args.resume => anyhow::bail!("--resume needs --output FILE: it continues that file"),
        None => batch::run(&pipeline, &args.paths, std::io::stdout().lock(), Done::none(), &opts),
    }
    .context("tagging failed")?;
    if !args.quiet {
        for note in &summary.notes {
            eprintln!("newstag: {note}");
        }
        eprintln!("newstag: {summary}");
    }
    Ok(if summary.errors == 0 || args.errors_ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
