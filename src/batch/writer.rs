//! The ordered writer: puts the workers' lines back into input order and
//! writes whole lines only, buffered, flushing now and then even while a
//! slow document holds back the lines after it.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use indicatif::ProgressBar;

use crate::error::{Error, Result};

use super::flow::InFlight;
use super::workers::Finished;
use super::Summary;

/// Output is written (and flushed) once this many bytes of whole lines are
/// buffered, or after [`FLUSH_EVERY`].
const FLUSH_BYTES: usize = 1 << 16;
const FLUSH_EVERY: Duration = Duration::from_millis(500);

/// Writes finished lines in input order, making room in flight for each
/// document once its line is written. Only whole lines are ever handed to `out`.
pub(super) fn write_in_order<W: Write>(
    mut out: W,
    finished: Receiver<Vec<Finished>>,
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
            Ok(batch) => pending.extend(batch.into_iter().map(|done| (done.seq, done))),
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
