//! The reader thread: walks the inputs, skips the documents a resumed
//! output already has, turns repeated ids into error records, and hands
//! each document, numbered in input order, to the workers once there is
//! room in flight.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::mpsc::SyncSender;

use indicatif::ProgressBar;

use crate::error::{Error, InputErrorKind};
use crate::ingest::{self, IngestOptions, Item, Walker};

use super::flow::InFlight;
use super::resume::{id_hash, Done};

/// A document on its way to a worker.
pub(super) struct Work {
    pub(super) seq: u64,
    pub(super) item: Item,
    /// Bytes it holds in flight (see [`InFlight`]).
    pub(super) held: u64,
}

/// What the reader found besides the documents it sent.
pub(super) struct ReadSummary {
    pub(super) resumed: u64,
    pub(super) skipped_files: usize,
    pub(super) notes: Vec<String>,
}

/// Walks the inputs and sends every document, numbered in input order,
/// once there is room for it in flight. Ids already in the output are skipped;
/// an id seen before in this input becomes a `duplicate_id` error record.
pub(super) fn read_all(
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
