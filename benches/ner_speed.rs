//! Tokens per second of the embedded NER model alone, on one core: tags
//! the sentences of a CoNLL file (its own tokens) repeatedly for a few
//! seconds. Reports tokens per wall-clock second and, on Linux, per second
//! of this thread's CPU time (the fairer figure on a busy machine). Usage:
//!   cargo bench --bench ner_speed -- [CONLL_FILE]
//! (default: `../shared/data/conll2003/test.txt`; skipped when it is not
//! there, like the other benches without their input).

use std::time::{Duration, Instant};

use newstag::models::models_dir;
use newstag::ner::conll;
use newstag::ner::model::NerModel;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `cargo bench` adds `--bench`.
    let path = std::env::args()
        .skip(1)
        .find(|a| a != "--bench")
        .unwrap_or_else(|| "../shared/data/conll2003/test.txt".to_string());
    if !std::path::Path::new(&path).is_file() {
        eprintln!(
            "ner_speed: no CoNLL file {path} (see README: CoNLL-2003 in ../shared); skipping"
        );
        return Ok(());
    }
    let sentences = conll::read(path.as_ref())?;
    let model = NerModel::load(&models_dir(None))?;
    let tokens_per_pass: usize = sentences.iter().map(|s| s.tokens.len()).sum();
    let mut entities = 0usize;
    // One warm-up pass, then timed passes for at least three seconds.
    for s in &sentences {
        model.tag(s.tokens.iter().map(String::as_str), |_, _, _| entities += 1);
    }
    let started = Instant::now();
    let cpu_start = thread_cpu_seconds();
    let mut passes = 0usize;
    while started.elapsed() < Duration::from_secs(3) {
        for s in &sentences {
            model.tag(s.tokens.iter().map(String::as_str), |_, _, _| entities += 1);
        }
        passes += 1;
    }
    let secs = started.elapsed().as_secs_f64();
    let tokens = tokens_per_pass * passes;
    println!(
        "{tokens} tokens in {secs:.2} s: {:.0} tokens/s on one core ({} sentences x {passes} passes, {entities} entities)",
        tokens as f64 / secs,
        sentences.len()
    );
    if let (Some(a), Some(b)) = (cpu_start, thread_cpu_seconds()) {
        println!(
            "{:.2} s of CPU time: {:.0} tokens per CPU second",
            b - a,
            tokens as f64 / (b - a)
        );
    }
    Ok(())
}

/// User + system CPU time of the calling thread (Linux `/proc`), if known.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are
    // fields 14 and 15 of the whole line, in clock ticks (100 per second).
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}
