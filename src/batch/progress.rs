//! The progress bar on stderr: input bytes against their total when every
//! input's size is known, a spinner otherwise.

use std::path::PathBuf;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::ingest::Walker;

use super::BatchOptions;

pub(super) fn progress_bar(paths: &[PathBuf], opts: &BatchOptions) -> ProgressBar {
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
