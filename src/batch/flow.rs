//! Flow control: bounds the documents in flight between the reader and the
//! writer, by number and by bytes, so that memory does not grow with the
//! input nor with the reorder buffer when one document is slow.

use std::sync::{Condvar, Mutex};

/// Bytes of document text that may be in flight at once; a single larger
/// document (up to the ingest limit) goes through alone.
pub(super) const IN_FLIGHT_BYTES: u64 = 64 << 20;

/// Bounds the documents in flight (read, not yet written) by number and by
/// bytes, so that memory stays bounded whatever the inputs: many huge
/// documents wait for each other, many small ones for the writer.
pub(super) struct InFlight {
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
    /// The reader is waiting for room.
    waiting: bool,
}

impl InFlight {
    pub(super) fn new(max_docs: usize, max_bytes: u64) -> Self {
        Self {
            state: Mutex::default(),
            changed: Condvar::new(),
            max_docs,
            max_bytes,
        }
    }

    /// Waits until a document holding `bytes` fits in (always, when nothing
    /// else is in flight); false once the writer has stopped.
    pub(super) fn enter(&self, bytes: u64) -> bool {
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
            state.waiting = true;
            state = self.changed.wait(state).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// A document holding `bytes` was written. A waiting reader is woken
    /// once half the room is free (or nothing is in flight), not for every
    /// document written: it then reads several documents in a row, and the
    /// threads hand over to each other less often.
    pub(super) fn leave(&self, bytes: u64) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.docs -= 1;
        state.bytes -= bytes;
        let half_free = state.docs <= self.max_docs / 2 && state.bytes <= self.max_bytes / 2;
        if state.waiting && (half_free || state.docs == 0) {
            state.waiting = false;
            self.changed.notify_all();
        }
    }

    pub(super) fn close(&self) {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).closed = true;
        self.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

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
    fn a_waiting_reader_always_gets_in_again() {
        // A reader and a writer, documents of mixed sizes: the reader waits
        // for half the room to be free, and still never waits for ever.
        let in_flight = InFlight::new(4, 100);
        let sizes: Vec<u64> = (0..2_000).map(|i| [1, 30, 70, 250][i % 4]).collect();
        std::thread::scope(|scope| {
            let (tx, rx) = mpsc::sync_channel(8);
            let in_flight = &in_flight;
            let sizes = &sizes;
            scope.spawn(move || {
                for &size in sizes {
                    assert!(in_flight.enter(size));
                    tx.send(size).unwrap();
                }
            });
            let mut written = 0;
            for size in rx {
                in_flight.leave(size);
                written += 1;
            }
            assert_eq!(written, sizes.len());
        });
        assert_eq!(docs_in(&in_flight), (0, 0));
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
