//! The worker threads: each turns documents into their record line through
//! the shared pipeline; a panic in a stage costs that document, as an error
//! record, never the batch.

use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver};
use std::sync::Mutex;

use crate::error::{Error, InputErrorKind};
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

/// A worker: turns documents into record lines until the input ends.
pub(super) fn tag_all(
    pipeline: &Pipeline,
    work: &Mutex<Receiver<Work>>,
    finished: mpsc::Sender<Finished>,
) {
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
