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

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::fs::{File, OpenOptions};
use std::hash::{Hash, Hasher};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Deserialize;

use crate::document::Format;
use crate::error::{Error, InputErrorKind, Result};
use crate::ingest::{self, IngestOptions, Item, Walker};
use crate::pipeline::Pipeline;
use crate::record::Line;

/// Output is written (and flushed) once this many bytes of whole lines are
/// buffered, or after [`FLUSH_EVERY`].
const FLUSH_BYTES: usize = 1 << 16;
const FLUSH_EVERY: Duration = Duration::from_millis(500);

/// Most worker threads a batch starts: more only costs memory and start-up
/// time (each job adds slots in flight), never speed on real machines.
pub const MAX_JOBS: usize = 256;

/// How a batch runs.
#[derive(Debug, Clone, Default)]
pub struct BatchOptions {
    /// Worker threads; 0 means one per available core; at most [`MAX_JOBS`].
    pub jobs: usize,
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
    pub elapsed: Duration,
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

/// The ids already in an output file, counted, so that `--resume` skips
/// exactly the input documents that have a record (an id that occurs twice
/// in the input, the second time as a `duplicate_id` error record, is
/// skipped twice). Ids are kept as 64-bit hashes, with a hash of the
/// record's text where it has one, so that a document whose text differs
/// from its record is never taken as done: about 40 bytes per record.
#[derive(Debug, Default)]
pub struct Done {
    counts: HashMap<u64, u32>,
    /// Hash of the text of the first record with each id, where it has one.
    texts: HashMap<u64, u64>,
    total: u64,
    errors: u64,
    /// Bytes of whole records in the output read; `None` when there was none.
    whole: Option<u64>,
    /// Error records were left out, to be taken out of the output.
    retry_errors: bool,
}

/// Only what resuming needs of a record.
#[derive(Deserialize)]
struct RecordHead {
    id: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    error: Option<serde::de::IgnoredAny>,
}

impl Done {
    /// Nothing done yet: a fresh run.
    pub fn none() -> Self {
        Self::default()
    }

    /// Reads the records of an interrupted run's output, truncating a last
    /// record that was cut off mid-write. Records are parsed as a stream, so
    /// a huge record is never held in memory. A missing file is an empty
    /// output.
    pub fn from_output(path: &Path) -> Result<Self> {
        let done = Self::read_output(path, false)?;
        done.repair_output(path)?;
        Ok(done)
    }

    /// Reads the records of an interrupted run's output without changing
    /// it; [`Done::repair_output`] then readies it for appending, once the
    /// run is known to be valid. With `retry_errors`, error records do not
    /// count as done (their documents are tagged again).
    pub fn read_output(path: &Path, retry_errors: bool) -> Result<Self> {
        let file = match File::open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Self::none()),
            Err(e) => return Err(Error::io(path, e)),
        };
        let mut done = Self::none();
        let mut records =
            serde_json::Deserializer::from_reader(BufReader::new(&file)).into_iter::<RecordHead>();
        for record in records.by_ref() {
            match record {
                Ok(record) if record.error.is_some() && retry_errors => {}
                Ok(record) => done.add(&record),
                // Any prefix of a record ends in EOF: the cut-off last line.
                Err(e) if e.is_eof() => break,
                Err(e) => {
                    let message =
                        format!("not a newstag record ({e}); cannot resume into this file");
                    return Err(Error::record(path, e.line(), "id", message));
                }
            }
        }
        done.whole = Some(records.byte_offset() as u64);
        done.retry_errors = retry_errors;
        Ok(done)
    }

    /// Readies the output read by [`Done::read_output`] for appending: cuts
    /// off a last record that was cut mid-write, ends the last whole one
    /// with its line end, and with `retry_errors` takes the error records out.
    pub fn repair_output(&self, path: &Path) -> Result<()> {
        let Some(whole) = self.whole else {
            return Ok(()); // there was no output
        };
        let io_err = |e| Error::io(path, e);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(io_err)?;
        // Keep the whole records, and end the last one with its line end.
        if file.metadata().map_err(io_err)?.len() > whole {
            file.set_len(whole).map_err(io_err)?;
        }
        let mut last = [b'\n'];
        if whole > 0 {
            file.seek(SeekFrom::Start(whole - 1))
                .and_then(|_| file.read_exact(&mut last))
                .map_err(io_err)?;
        }
        if last != [b'\n'] {
            file.seek(SeekFrom::End(0))
                .and_then(|_| file.write_all(b"\n"))
                .map_err(io_err)?;
        }
        if self.retry_errors {
            drop_error_records(path)?;
        }
        Ok(())
    }

    fn add(&mut self, record: &RecordHead) {
        let hash = id_hash(&record.id);
        *self.counts.entry(hash).or_default() += 1;
        if let Some(text) = &record.text {
            self.texts.entry(hash).or_insert_with(|| id_hash(text));
        }
        self.total += 1;
        self.errors += u64::from(record.error.is_some());
    }

    /// Records counted.
    pub fn len(&self) -> u64 {
        self.total
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Error records among those counted.
    pub fn errors(&self) -> u64 {
        self.errors
    }

    /// Checks, before anything is appended, that every input document with
    /// a record already in the output still has that record's text: an
    /// output resumed against other input would otherwise keep stale
    /// records. Standard input cannot be read twice; its documents are
    /// checked as they are read (a mismatch becomes an error record).
    pub fn check_texts(&self, paths: &[PathBuf], opts: &IngestOptions) -> Result<()> {
        let mut unchecked: HashSet<u64> = self.texts.keys().copied().collect();
        let sources =
            Walker::new(paths, opts.format).filter(|s| !matches!(s, ingest::Source::Stdin { .. }));
        for source in sources {
            for item in ingest::items(source, opts) {
                if unchecked.is_empty() {
                    return Ok(());
                }
                let hash = id_hash(&item.id);
                if !unchecked.remove(&hash) {
                    continue;
                }
                if self.differs(hash, &item) {
                    return Err(Error::ResumeInputChanged {
                        source_name: item.source,
                        id: item.id,
                    });
                }
            }
        }
        Ok(())
    }

    /// Whether the output's record for `hash` has a text and `item`'s differs.
    fn differs(&self, hash: u64, item: &Item) -> bool {
        let Some(&recorded) = self.texts.get(&hash) else {
            return false;
        };
        let Ok((format, raw)) = &item.content else {
            return false;
        };
        let text = match format {
            Format::Markdown | Format::Html => {
                match ingest::document(item.id.clone(), item.source.clone(), *format, raw.clone()) {
                    Ok(doc) => doc.text,
                    Err(_) => return true,
                }
            }
            Format::Text | Format::Jsonl => return id_hash(raw) != recorded,
        };
        id_hash(&text) != recorded
    }

    /// Whether a record for `id` is in the output and not yet matched to an
    /// input document; matches it if so.
    fn take(&mut self, hash: u64) -> bool {
        match self.counts.get_mut(&hash) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    }
}

/// Rewrites the output at `path` without its error records (one record per
/// line, as newstag writes them), through a temporary file renamed over it.
fn drop_error_records(path: &Path) -> Result<()> {
    let io_err = |e| Error::io(path, e);
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(".newstag-tmp");
    let tmp_path = PathBuf::from(tmp_name);
    let mut reader = BufReader::new(File::open(path).map_err(io_err)?);
    let mut out = io::BufWriter::new(File::create(&tmp_path).map_err(|e| Error::io(&tmp_path, e))?);
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).map_err(io_err)? == 0 {
            break;
        }
        let is_error = serde_json::from_slice::<RecordHead>(&line).is_ok_and(|r| r.error.is_some());
        if !is_error {
            out.write_all(&line).map_err(|e| Error::io(&tmp_path, e))?;
        }
    }
    out.into_inner()
        .map_err(|e| Error::io(&tmp_path, e.into_error()))?
        .sync_all()
        .map_err(|e| Error::io(&tmp_path, e))?;
    std::fs::rename(&tmp_path, path).map_err(io_err)
}

fn id_hash(id: &str) -> u64 {
    let mut h = DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

/// A document on its way to a worker.
struct Work {
    seq: u64,
    item: Item,
    /// Bytes it holds in flight (see [`InFlight`]).
    held: u64,
}

/// A document's finished line on its way to the writer.
struct Finished {
    seq: u64,
    line: Line,
    /// Input bytes the document took (for progress).
    bytes: u64,
    /// Bytes it held in flight (see [`InFlight`]).
    held: u64,
}

/// Bytes of document text that may be in flight at once; a single larger
/// document (up to the ingest limit) goes through alone.
const IN_FLIGHT_BYTES: u64 = 64 << 20;

/// Bounds the documents in flight (read, not yet written) by number and by
/// bytes, so that memory stays bounded whatever the inputs: many huge
/// documents wait for each other, many small ones for the writer.
struct InFlight {
    state: Mutex<InFlightState>,
    changed: Condvar,
    max_docs: usize,
    max_bytes: u64,
}

#[derive(Default)]
struct InFlightState {
    docs: usize,
    bytes: u64,
    /// The writer has stopped: no room will ever be made.
    closed: bool,
}

impl InFlight {
    fn new(max_docs: usize, max_bytes: u64) -> Self {
        Self {
            state: Mutex::default(),
            changed: Condvar::new(),
            max_docs,
            max_bytes,
        }
    }

    /// Waits until a document holding `bytes` fits in (always, when nothing
    /// else is in flight); false once the writer has stopped.
    fn enter(&self, bytes: u64) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if state.closed {
                return false;
            }
            if state.docs == 0
                || state.docs < self.max_docs && state.bytes + bytes <= self.max_bytes
            {
                state.docs += 1;
                state.bytes += bytes;
                return true;
            }
            state = self.changed.wait(state).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// A document holding `bytes` was written.
    fn leave(&self, bytes: u64) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.docs -= 1;
        state.bytes -= bytes;
        self.changed.notify_all();
    }

    fn close(&self) {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).closed = true;
        self.changed.notify_all();
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
    let progress = progress_bar(paths, opts);
    let (work_tx, work_rx) = mpsc::sync_channel::<Work>(slots);
    let (done_tx, done_rx) = mpsc::channel::<Finished>();
    let work_rx = Mutex::new(work_rx);
    let mut summary = std::thread::scope(|scope| {
        let reader =
            scope.spawn(|| read_all(paths, &opts.ingest, done, work_tx, &in_flight, &progress));
        for _ in 0..jobs {
            let done_tx = done_tx.clone();
            let work_rx = &work_rx;
            scope.spawn(move || tag_all(pipeline, work_rx, done_tx));
        }
        drop(done_tx);
        let written = write_in_order(out, done_rx, &in_flight, &progress);
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

fn progress_bar(paths: &[PathBuf], opts: &BatchOptions) -> ProgressBar {
    if !opts.progress {
        return ProgressBar::hidden();
    }
    // The total in input bytes, when every input has a known size: files
    // and JSONL alike advance by the bytes their documents took.
    let total = Walker::new(paths, opts.ingest.format)
        .map(|s| s.size())
        .sum::<Option<u64>>();
    let (bar, template) = match total {
        Some(total) => (
            ProgressBar::new(total),
            "{spinner} {elapsed_precise} [{wide_bar}] {percent:>3}% {msg} ETA {eta}",
        ),
        None => (
            ProgressBar::no_length(),
            "{spinner} {elapsed_precise} {msg}",
        ),
    };
    bar.set_draw_target(ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(template)
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// What the reader found besides the documents it sent.
struct ReadSummary {
    resumed: u64,
    skipped_files: usize,
    notes: Vec<String>,
}

/// Walks the inputs and sends every document, numbered in input order,
/// once there is room for it in flight. Ids already in the output are skipped;
/// an id seen before in this input becomes a `duplicate_id` error record.
fn read_all(
    paths: &[PathBuf],
    opts: &IngestOptions,
    mut done: Done,
    work: SyncSender<Work>,
    in_flight: &InFlight,
    progress: &ProgressBar,
) -> ReadSummary {
    let mut walker = Walker::new(paths, opts.format);
    let mut seen = HashSet::new();
    let mut seq = 0;
    let mut resumed = 0;
    'inputs: for source in walker.by_ref() {
        // A file of one document takes its room in flight before it is
        // read, so that waiting for room never holds one more document.
        let whole = source.document_bytes(opts);
        if whole.is_some_and(|size| !in_flight.enter(size)) {
            break;
        }
        for mut item in ingest::items(source, opts) {
            let hash = id_hash(&item.id);
            if !seen.contains(&hash) && done.differs(hash, &item) {
                // Standard input, which `Done::check_texts` cannot read ahead.
                not_tagged(&mut item, "has a record in the output with other text");
            } else if done.take(hash) {
                seen.insert(hash);
                resumed += 1;
                progress.inc(item.bytes);
                whole.inspect(|&size| in_flight.leave(size));
                continue;
            }
            if !seen.insert(hash) && item.content.is_ok() {
                not_tagged(&mut item, "occurs earlier in the input");
            }
            let held = whole.unwrap_or_else(|| item.held());
            // No room ever again: the writer has stopped, so the run is over.
            if whole.is_none() && !in_flight.enter(held)
                || work.send(Work { seq, item, held }).is_err()
            {
                break 'inputs;
            }
            seq += 1;
        }
    }
    ReadSummary {
        resumed,
        skipped_files: walker.skipped(),
        notes: walker.notes().to_vec(),
    }
}

/// Replaces `item`'s content by a `duplicate_id` error: its id `why`.
fn not_tagged(item: &mut Item, why: &str) {
    let message = format!("id {:?} {why}; this document was not tagged", item.id);
    item.content = Err(Error::Input {
        source_name: item.source.clone(),
        kind: InputErrorKind::DuplicateId,
        message,
    });
}

/// A worker: turns documents into record lines until the input ends.
fn tag_all(pipeline: &Pipeline, work: &Mutex<Receiver<Work>>, finished: mpsc::Sender<Finished>) {
    loop {
        // The lock is held only while waiting for the next document.
        let next = work
            .lock()
            .map_err(|_| ())
            .and_then(|rx| rx.recv().map_err(|_| ()));
        let Ok(Work { seq, item, held }) = next else {
            return;
        };
        let (id, source, bytes) = (item.id.clone(), item.source.clone(), item.bytes);
        let line = panic::catch_unwind(AssertUnwindSafe(|| match item.into_document() {
            Ok(doc) => pipeline.process(&doc),
            Err(err) => Line::error(&id, &source, &err),
        }))
        .unwrap_or_else(|payload| {
            // A bug in a stage costs one document, not the batch.
            let message = format!(
                "internal error (please report): {}",
                panic_message(&payload)
            );
            let err = Error::Input {
                source_name: source.clone(),
                kind: InputErrorKind::Processing,
                message,
            };
            Line::error(&id, &source, &err)
        });
        let done = Finished {
            seq,
            line,
            bytes,
            held,
        };
        if finished.send(done).is_err() {
            return;
        }
    }
}

fn panic_message(payload: &Box<dyn std::any::Any + Send>) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("panic")
}

/// Writes finished lines in input order, making room in flight for each
/// document once its line is written. Only whole lines are ever handed to `out`.
fn write_in_order<W: Write>(
    mut out: W,
    finished: Receiver<Finished>,
    in_flight: &InFlight,
    progress: &ProgressBar,
) -> Result<Summary> {
    let write_err = |e| Error::io("output", e);
    let started = Instant::now();
    let mut summary = Summary::default();
    let mut pending = BTreeMap::new();
    let mut next = 0;
    let mut buf = Vec::with_capacity(FLUSH_BYTES);
    let mut flushed = Instant::now();
    let mut shown = Instant::now();
    loop {
        // Waking up now and then flushes what is buffered even while one
        // slow document holds back the lines after it.
        match finished.recv_timeout(FLUSH_EVERY) {
            Ok(done) => {
                pending.insert(done.seq, done);
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        while let Some(mut done) = pending.remove(&next) {
            next += 1;
            match done.line.in_memory() {
                Some(bytes) => buf.extend_from_slice(bytes),
                None => {
                    out.write_all(&buf).map_err(write_err)?;
                    buf.clear();
                    done.line.copy_to(&mut out).map_err(write_err)?;
                }
            }
            summary.written += 1;
            summary.errors += u64::from(done.line.is_error());
            summary.tokens += done.line.tokens() as u64;
            progress.inc(done.bytes);
            in_flight.leave(done.held);
        }
        if buf.len() >= FLUSH_BYTES || !buf.is_empty() && flushed.elapsed() >= FLUSH_EVERY {
            out.write_all(&buf)
                .and_then(|()| out.flush())
                .map_err(write_err)?;
            buf.clear();
            flushed = Instant::now();
        }
        if shown.elapsed() >= Duration::from_millis(200) {
            let rate = summary.tokens as f64 / started.elapsed().as_secs_f64().max(1e-9);
            progress.set_message(format!(
                "{} docs, {} errors, {:.0} tokens/s",
                summary.written, summary.errors, rate
            ));
            shown = Instant::now();
        }
    }
    out.write_all(&buf)
        .and_then(|()| out.flush())
        .map_err(write_err)?;
    Ok(summary)
}

/// Opens the output file: appended to after `done` was read from it for a
/// resumed run, created afresh otherwise.
pub fn open_output(path: &Path, resume: bool) -> Result<File> {
    let mut options = OpenOptions::new();
    if resume {
        options.append(true).create(true);
    } else {
        options.write(true).create(true).truncate(true);
    }
    options.open(path).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs_in(in_flight: &InFlight) -> (usize, u64) {
        let state = in_flight.state.lock().unwrap();
        (state.docs, state.bytes)
    }

    #[test]
    fn in_flight_bytes_are_bounded_but_one_large_document_goes_alone() {
        let in_flight = InFlight::new(4, 100);
        assert!(in_flight.enter(60));
        let in_flight = &in_flight;
        std::thread::scope(|scope| {
            let (tx, rx) = mpsc::channel();
            let waiter = scope.spawn(move || {
                let entered = in_flight.enter(60);
                tx.send(()).unwrap();
                entered
            });
            // 60 + 60 > 100: the second document must not be in yet.
            assert!(rx.recv_timeout(Duration::from_millis(50)).is_err());
            assert_eq!(docs_in(in_flight), (1, 60));
            in_flight.leave(60);
            assert!(waiter.join().unwrap());
        });
        assert_eq!(docs_in(in_flight), (1, 60));
        in_flight.leave(60);
        // Larger than the whole budget, but nothing else is in flight.
        assert!(in_flight.enter(500));
        in_flight.leave(500);
        // Small documents are bounded by number.
        assert!((0..4).all(|_| in_flight.enter(1)));
        assert_eq!(docs_in(in_flight), (4, 4));
    }

    #[test]
    fn closing_releases_a_waiting_reader() {
        let in_flight = InFlight::new(1, 100);
        assert!(in_flight.enter(10));
        std::thread::scope(|scope| {
            let waiter = scope.spawn(|| in_flight.enter(10));
            in_flight.close();
            assert!(
                !waiter.join().unwrap(),
                "no room is made once the writer has stopped"
            );
        });
    }
}
