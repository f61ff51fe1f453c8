//! Batch tagging: streams documents through the pipeline on worker threads
//! and writes one record per document, in input order, with bounded memory.
//!
//! One reader thread walks the inputs and reads documents; `jobs` workers
//! share one [`Pipeline`] and turn each document into its JSON line; the
//! calling thread writes the lines in input order. A fixed number of slots
//! bounds the documents in flight (read, not yet written), so memory does
//! not grow with the input, and neither does the reorder buffer when one
//! document is slow. Every input document yields exactly one line: its
//! record, or an error record saying why it has none.
//!
//! One file per part, in the order a document passes through them:
//! `resume.rs` (what an interrupted run's output already holds, [`Done`]),
//! `reader.rs` (the reader thread), `flow.rs` (the bound on documents in
//! flight), `workers.rs` (the worker threads), `writer.rs` (the ordered
//! writer) and `progress.rs` (the progress bar); this file starts them and
//! sums up the run ([`Summary`]).

use std::fmt;
use std::io::Write;
use std::panic;
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::Result;
use crate::ingest::IngestOptions;
use crate::pipeline::Pipeline;

mod flow;
mod progress;
mod reader;
mod resume;
mod workers;
mod writer;

pub use resume::Done;
pub use writer::open_output;

use flow::{InFlight, IN_FLIGHT_BYTES};
use reader::Work;
use workers::Finished;

/// Most worker threads a batch starts: more only costs memory and start-up
/// time (each job adds slots in flight), never speed on real machines.
pub const MAX_JOBS: usize = 256;

/// How a batch runs.
#[derive(Debug, Clone, Default)]
pub struct BatchOptions {
    /// Worker threads; 0 means one per available core; at most [`MAX_JOBS`].
    pub jobs: usize,
    /// How the inputs are read.
    pub ingest: IngestOptions,
    /// Show a progress bar on stderr.
    pub progress: bool,
}

impl BatchOptions {
    /// The number of worker threads to start (at most [`MAX_JOBS`]).
    pub fn threads(&self) -> usize {
        match self.jobs {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
        .min(MAX_JOBS)
    }
}

/// What a batch did.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Records written in this run.
    pub written: u64,
    /// Records written that are error records.
    pub errors: u64,
    /// Input documents skipped because the output already had them (`--resume`).
    pub resumed: u64,
    /// Error records among those already in the output (`--resume`).
    pub resumed_errors: u64,
    /// Tokens in the documents tagged.
    pub tokens: u64,
    /// Wall-clock time of the whole run.
    pub elapsed: Duration,
    /// Worker threads the run used.
    pub jobs: usize,
    /// Files in input directories left out because of their extension.
    pub skipped_files: usize,
    /// What the input walk did not follow (symbolic link cycles).
    pub notes: Vec<String>,
}

impl Summary {
    /// Error records in the whole output: written now or kept from before.
    pub fn all_errors(&self) -> u64 {
        self.errors + self.resumed_errors
    }

    /// Tokens per second over the whole run.
    pub fn tokens_per_second(&self) -> f64 {
        self.tokens as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} documents: {} ok, {} errors",
            self.written,
            self.written - self.errors,
            self.errors
        )?;
        if self.resumed > 0 {
            write!(f, ", {} already in the output", self.resumed)?;
            if self.resumed_errors > 0 {
                write!(f, " ({} of them errors)", self.resumed_errors)?;
            }
        }
        write!(
            f,
            "; {:.1} s, {} tokens, {:.0} tokens/s with {} job{}",
            self.elapsed.as_secs_f64(),
            self.tokens,
            self.tokens_per_second(),
            self.jobs,
            if self.jobs == 1 { "" } else { "s" }
        )?;
        if self.skipped_files > 0 {
            write!(
                f,
                "; {} files in input directories left out (not .txt .md .html .jsonl)",
                self.skipped_files
            )?;
        }
        Ok(())
    }
}

/// Tags every document under `paths` (files, directories, `-` for stdin)
/// and writes one JSON line per document to `out`, in input order. Input
/// documents whose id `done` holds are skipped (`--resume`). Fails only
/// when the run itself cannot go on (output not writable); bad documents
/// become error records.
pub fn run<W: Write>(
    pipeline: &Pipeline,
    paths: &[PathBuf],
    out: W,
    done: Done,
    opts: &BatchOptions,
) -> Result<Summary> {
    let started = Instant::now();
    let resumed_errors = done.errors();
    let jobs = opts.threads();
    let slots = 4 * jobs + 4;
    let in_flight = InFlight::new(slots, IN_FLIGHT_BYTES);
    let progress = progress::progress_bar(paths, opts);
    let (work_tx, work_rx) = mpsc::sync_channel::<Work>(slots);
    let (done_tx, done_rx) = mpsc::channel::<Vec<Finished>>();
    // Lines reach the writer in batches of half of each worker's share of
    // the slots, as the reader is woken when half the slots are free.
    let batch = (slots / (2 * jobs)).max(1);
    let work_rx = Mutex::new(work_rx);
    let mut summary = std::thread::scope(|scope| {
        let reader = scope
            .spawn(|| reader::read_all(paths, &opts.ingest, done, work_tx, &in_flight, &progress));
        for _ in 0..jobs {
            let done_tx = done_tx.clone();
            let work_rx = &work_rx;
            scope.spawn(move || workers::tag_all(pipeline, work_rx, done_tx, batch));
        }
        drop(done_tx);
        let written = writer::write_in_order(out, done_rx, &in_flight, &progress);
        // However the writer ended, the reader must not wait for room.
        in_flight.close();
        let read = reader.join().unwrap_or_else(|p| panic::resume_unwind(p));
        written.map(|mut summary| {
            summary.resumed = read.resumed;
            summary.resumed_errors = resumed_errors;
            summary.skipped_files = read.skipped_files;
            summary.notes = read.notes;
            summary
        })
    })?;
    progress.finish_and_clear();
    summary.elapsed = started.elapsed();
    summary.jobs = jobs;
    Ok(summary)
}
