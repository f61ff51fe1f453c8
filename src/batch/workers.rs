//! The worker threads: each turns documents into their record line through
//! the shared pipeline; a panic in a stage costs that document, as an error
//! record, never the batch.

use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::{Mutex, TryLockError};

use crate::error::{Error, InputErrorKind};
use crate::ingest::Item;
use crate::pipeline::Pipeline;
use crate::record::Line;

use super::reader::Work;

/// A document's finished line on its way to the writer.
pub(super) struct Finished {
    pub(super) seq: u64,
    pub(super) line: Line,
    /// Input bytes the document took (for progress).
    pub(super) bytes: u64,
    /// Bytes it held in flight (see [`InFlight`](super::flow::InFlight)).
    pub(super) held: u64,
}

/// Input bytes from which a document is taken to be slow to tag: the
/// lines a worker holds are handed over before it starts on one.
const LARGE_DOCUMENT: u64 = 64 << 10;

/// A worker: turns documents into record lines until the input ends.
/// Finished lines go to the writer `batch` at a time, so that the writer
/// (and, through it, the reader) is woken once per batch rather than per
/// document. A worker holds lines only while documents are ready for it:
/// before it waits for the next, or starts on a large one, it hands over
/// what it holds, so no line is held back while its thread sleeps.
pub(super) fn tag_all(
    pipeline: &Pipeline,
    work: &Mutex<Receiver<Work>>,
    finished: mpsc::Sender<Vec<Finished>>,
    batch: usize,
) {
    let mut lines: Vec<Finished> = Vec::with_capacity(batch);
    let hand_over = |lines: &mut Vec<Finished>| {
        lines.is_empty() || finished.send(std::mem::take(lines)).is_ok()
    };
    loop {
        let ready = match work.try_lock() {
            Ok(rx) => rx.try_recv().map_err(|e| e == TryRecvError::Disconnected),
            Err(TryLockError::WouldBlock) => Err(false),
            Err(TryLockError::Poisoned(_)) => Err(true),
        };
        let next = match ready {
            Ok(work) => Some(work),
            Err(ended) => {
                if !hand_over(&mut lines) || ended {
                    return;
                }
                // The lock is held only while waiting for the next document.
                work.lock().ok().and_then(|rx| rx.recv().ok())
            }
        };
        // Whatever was held was handed over before waiting.
        let Some(Work { seq, item, held }) = next else {
            return;
        };
        if item.bytes >= LARGE_DOCUMENT && !hand_over(&mut lines) {
            return;
        }
        let bytes = item.bytes;
        let line = tag_one(pipeline, item);
        lines.push(Finished {
            seq,
            line,
            bytes,
            held,
        });
        if lines.len() >= batch && !hand_over(&mut lines) {
            return;
        }
    }
}

/// One document's record line; a panic in a stage becomes its error record.
fn tag_one(pipeline: &Pipeline, item: Item) -> Line {
    let (id, source) = (item.id.clone(), item.source.clone());
    panic::catch_unwind(AssertUnwindSafe(|| match item.into_document() {
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
    })
}

fn panic_message(payload: &Box<dyn std::any::Any + Send>) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("panic")
}
