//! Per-stage throughput of the default engine: tokenising, sentence
//! splitting, the whole annotation, the record line, JSONL ingest, and a
//! batch run with 1 and 2 jobs. Reports bytes/s or tokens/s (criterion's
//! "elem/s" are tokens).
//!
//! Input: the JSONL corpus in `$NEWSTAG_BENCH_CORPUS`, else
//! `target/corpus/news.jsonl` (built by `scripts/make-corpus`), else the
//! seed articles in `fixtures/seeds` or `../shared/seeds`; the first
//! `$NEWSTAG_BENCH_BYTES` (default 300,000) bytes of text are used.
//!
//! Run: `cargo bench --bench stages` (add `-- annotate` to pick one).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use newstag::batch::{self, BatchOptions, Done};
use newstag::ingest::{self, IngestOptions, Source};
use newstag::sentence::{NewsSplitter, SentenceSplitter};
use newstag::tokenize::{tokenize, tokenize_into};
use newstag::{Document, Format, Pipeline, PipelineConfig};

/// The benchmark documents, about `budget` bytes of text in all.
fn documents(budget: usize) -> Option<(String, Vec<String>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = std::env::var_os("NEWSTAG_BENCH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/corpus/news.jsonl"));
    let mut texts = Vec::new();
    if corpus.is_file() {
        for line in fs::read_to_string(&corpus).ok()?.lines() {
            let value: serde_json::Value = serde_json::from_str(line).ok()?;
            texts.push(value["text"].as_str()?.to_string());
            if texts.iter().map(String::len).sum::<usize>() >= budget {
                break;
            }
        }
        return Some((corpus.display().to_string(), texts));
    }
    for dir in [root.join("fixtures/seeds"), root.join("../shared/seeds")] {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        texts = paths
            .iter()
            .filter_map(|p| fs::read_to_string(p).ok())
            .collect();
        if !texts.is_empty() {
            return Some((dir.display().to_string(), texts));
        }
    }
    None
}

fn stages(c: &mut Criterion) {
    let budget = std::env::var("NEWSTAG_BENCH_BYTES")
        .ok()
        .and_then(|b| b.parse().ok())
        .unwrap_or(300_000);
    let Some((from, texts)) = documents(budget) else {
        eprintln!(
            "stages: no input (run scripts/make-corpus, or provide fixtures/seeds); skipping"
        );
        return;
    };
    let bytes: usize = texts.iter().map(String::len).sum();
    let tokens: usize = texts.iter().map(|t| tokenize(t).len()).sum();
    eprintln!(
        "stages: {} documents, {bytes} bytes, {tokens} tokens from {from}",
        texts.len()
    );
    let pipeline = Pipeline::new(&PipelineConfig::default()).expect("default pipeline loads");
    let docs: Vec<Document> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| Document::plain(format!("d{i}"), "bench", t.clone()))
        .collect();

    let mut group = c.benchmark_group("stages");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(1));

    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("tokenize", |b| {
        let mut out = Vec::new();
        b.iter(|| {
            for t in &texts {
                tokenize_into(t, &mut out);
            }
        })
    });

    group.throughput(Throughput::Elements(tokens as u64));
    group.bench_function("tokenize+split", |b| {
        let mut out = Vec::new();
        b.iter(|| {
            texts
                .iter()
                .map(|t| {
                    tokenize_into(t, &mut out);
                    NewsSplitter.split(t, &out).len()
                })
                .sum::<usize>()
        })
    });
    group.bench_function("annotate", |b| {
        b.iter(|| {
            docs.iter()
                .map(|d| {
                    pipeline
                        .annotate(&d.text)
                        .expect("annotates")
                        .entities
                        .len()
                })
                .sum::<usize>()
        })
    });
    group.bench_function("process+line", |b| {
        b.iter(|| docs.iter().map(|d| pipeline.process(d).len()).sum::<u64>())
    });

    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("bench.jsonl");
    let jsonl: String = docs
        .iter()
        .map(|d| serde_json::json!({"id": d.id, "text": d.text}).to_string() + "\n")
        .collect();
    fs::write(&input, &jsonl).expect("write bench input");
    group.throughput(Throughput::Bytes(jsonl.len() as u64));
    group.bench_function("ingest-jsonl", |b| {
        let opts = IngestOptions::default();
        b.iter(|| {
            let source = Source::File {
                path: input.clone(),
                format: Format::Jsonl,
                size: jsonl.len() as u64,
            };
            ingest::items(source, &opts).count()
        })
    });

    group.throughput(Throughput::Elements(tokens as u64));
    for jobs in [1, 2] {
        group.bench_function(format!("batch-jobs-{jobs}"), |b| {
            let opts = BatchOptions {
                jobs,
                ..BatchOptions::default()
            };
            b.iter_batched(
                Vec::new,
                |mut out| {
                    batch::run(
                        &pipeline,
                        std::slice::from_ref(&input),
                        &mut out,
                        Done::none(),
                        &opts,
                    )
                    .expect("batch runs");
                    out.len()
                },
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
