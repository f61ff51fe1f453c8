//! The commands that work on saved records rather than on articles:
//! `table` and `view` (and the record-reading half of `eval --pred`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;

use newstag::eval::{GoldSet, Miss, Report};
use newstag::records::{self, Records};
use newstag::table::{self, TableFormat, What};
use newstag::view;

pub const TABLE_EXAMPLES: &str = "\
Examples:
  newstag table out.jsonl --what mentions -o mentions.csv
  newstag table out.jsonl --what frames -o frames.parquet
  newstag table out.jsonl --what documents --format csv -o -    # CSV on stdout

Tables (columns in README, \"Tables\"): mentions, actors, places, frames, documents.
Bad lines are reported with their line number and skipped; exit status 2
when no usable line is left.";

pub const VIEW_EXAMPLES: &str = "\
Examples:
  newstag view out.jsonl -o view.html
  newstag view out.jsonl -o view.html --gold fixtures/gold.jsonl    # gold beside predictions
  newstag tag fixtures/seeds -o out.jsonl --view view.html

Up to 50 documents: one file. More: the summary in FILE and pages of 50
documents in FILE-pages/ beside it (view.html -> view-pages/0001.html ...).";

#[derive(Debug, Args)]
pub struct ViewArgs {
    /// Records written by `newstag tag` (JSONL), or `-` for stdin.
    #[arg(value_name = "RECORDS")]
    records: PathBuf,
    /// The HTML file (the summary, when there are pages beside it).
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// Gold JSONL (ANNOTATION.md): style entities as matching, prediction
    /// only or gold only.
    #[arg(long, value_name = "FILE")]
    gold: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct TableArgs {
    /// Records written by `newstag tag` (JSONL), or `-` for stdin.
    #[arg(value_name = "RECORDS")]
    records: PathBuf,
    /// The table: mentions, actors, places, frames or documents.
    #[arg(long, value_name = "TABLE")]
    what: What,
    /// Output file; `-` writes CSV to stdout.
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// csv or parquet [default: by the output's extension].
    #[arg(long, value_name = "FORMAT")]
    format: Option<TableFormat>,
}

/// Reads a records file for a command, reporting each bad line on stderr.
pub fn read_records(path: &Path) -> Result<Records> {
    let records = records::read_usable(path, |bad| eprintln!("newstag: skipped {bad}"))?;
    if !records.bad.is_empty() {
        eprintln!(
            "newstag: {}: {} bad lines skipped, {} used",
            path.display(),
            records.bad.len(),
            records.entries.len()
        );
    }
    Ok(records)
}

pub fn table(args: TableArgs) -> Result<ExitCode> {
    let to_stdout = args.output == Path::new("-");
    let format = match (args.format, TableFormat::from_path(&args.output)) {
        (Some(f), _) | (None, Some(f)) => f,
        (None, None) if to_stdout => TableFormat::Csv,
        (None, None) => anyhow::bail!(
            "{}: cannot tell the table format from the extension: use .csv or .parquet, or --format",
            args.output.display()
        ),
    };
    if to_stdout && format == TableFormat::Parquet {
        anyhow::bail!("Parquet needs an output file (-o FILE.parquet), not stdout");
    }
    let records = read_records(&args.records)?;
    let table = table::build(args.what, &records.entries);
    if to_stdout {
        table::write_csv(&table, &mut std::io::stdout().lock()).context("writing stdout")?;
    } else {
        table::write(&table, format, &args.output)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `eval --pred`: scores saved records, reporting what could not be scored.
pub fn eval_pred(gold: &GoldSet, path: &Path, list_misses: bool) -> Result<(Report, Vec<Miss>)> {
    let records = read_records(path)?;
    let (report, misses, problems) = newstag::eval::evaluate_records(gold, &records, list_misses);
    for p in &problems {
        eprintln!("newstag: {}: {p}", path.display());
    }
    Ok((report, misses))
}

/// Writes `eval --errors`: one JSON object per miss.
pub fn write_misses(path: &Path, misses: &[Miss]) -> Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    for m in misses {
        serde_json::to_writer(&mut out, m)?;
        out.write_all(b"\n")?;
    }
    out.flush()
        .with_context(|| format!("writing {}", path.display()))?;
    eprintln!(
        "newstag: {} errors written to {}",
        misses.len(),
        path.display()
    );
    Ok(())
}

pub fn view(args: ViewArgs) -> Result<ExitCode> {
    write_view(&args.records, &args.output, args.gold.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

/// Writes the HTML view of the records in `records` at `output`.
pub fn write_view(records: &Path, output: &Path, gold: Option<&Path>) -> Result<()> {
    let gold = gold.map(newstag::eval::gold::read).transpose()?;
    let records = read_records(records)?;
    let view = view::build(&records, gold.as_ref(), output);
    view.write()?;
    if view.files.len() > 1 {
        eprintln!(
            "newstag: view of {} documents: {} and {} pages in {}",
            records.entries.len(),
            output.display(),
            view.files.len() - 1,
            view::pages_dir(output).display()
        );
    }
    Ok(())
}
