//! Measures what framing costs per token: runs the default pipeline over
//! JSONL documents (field `text`) once without frames and once with them,
//! on one thread, and prints tokens per second and the difference in
//! microseconds per token.
//!
//! `cargo bench --bench frame_cost -- [FILE.jsonl] [repeats] [--frame-method M]`
//! (default: `fixtures/gold.jsonl`, 20 repeats).

use std::time::Instant;

use newstag::engine::FrameChoice;
use newstag::{Pipeline, PipelineConfig};

fn main() -> anyhow::Result<()> {
    // `cargo bench` adds `--bench`.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let path = args.first().map_or("fixtures/gold.jsonl", String::as_str);
    let repeats: usize = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(20);
    let method = args
        .iter()
        .position(|a| a == "--frame-method")
        .and_then(|i| args.get(i + 1))
        .map(|m| m.parse())
        .transpose()?;
    let texts: Vec<String> = std::fs::read_to_string(path)?
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            Ok(serde_json::from_str::<serde_json::Value>(l)?["text"]
                .as_str()
                .unwrap_or_default()
                .to_string())
        })
        .collect::<anyhow::Result<_>>()?;
    let mut seconds = Vec::new();
    let mut tokens = 0;
    for frames in [FrameChoice::None, FrameChoice::Default] {
        let mut config = PipelineConfig {
            frames,
            ..PipelineConfig::default()
        };
        config.transformer.frame_method = method;
        let pipeline = Pipeline::new(&config)?;
        let start = Instant::now();
        tokens = 0;
        for _ in 0..repeats {
            for text in &texts {
                tokens += pipeline.annotate(text)?.tokens.len();
            }
        }
        let s = start.elapsed().as_secs_f64();
        println!(
            "{:<10} {tokens} tokens in {s:.3} s: {:.0} tokens/s",
            if seconds.is_empty() {
                "no frames"
            } else {
                "frames"
            },
            tokens as f64 / s
        );
        seconds.push(s);
    }
    println!(
        "framing: {:.2} µs per token",
        (seconds[1] - seconds[0]) / tokens as f64 * 1e6
    );
    Ok(())
}
