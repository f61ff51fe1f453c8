//! Throughput of the actor/place layer alone: the dictionary recogniser and
//! the resolver on the seed articles, in tokens/s (criterion's "elem/s"),
//! with the shipped dictionary. The stages bench covers the whole pipeline.
//!
//! Run: `cargo bench --bench resolve`.

use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use newstag::document::TokenizedText;
use newstag::ner::EntityRecognizer;
use newstag::resolve::recognizer::DictionaryRecognizer;
use newstag::resolve::Resolver;

fn resolve(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<_> = std::fs::read_dir(root.join("fixtures/seeds"))
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.sort();
    let text: String = paths
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect::<Vec<_>>()
        .join("\n\n");
    if text.is_empty() {
        eprintln!("resolve: no fixtures/seeds; skipping");
        return;
    }
    let resolver = Resolver::load(&root.join("models")).expect("the shipped dictionary loads");
    let gazetteer = DictionaryRecognizer::new(resolver.dictionary()).expect("the gazetteer builds");
    let tokenized = TokenizedText::new(text);
    let doc = tokenized.view();
    let mentions = gazetteer.recognize(&doc, &mut Vec::new()).unwrap();
    eprintln!(
        "resolve: {} tokens, {} mentions",
        doc.tokens.len(),
        mentions.len()
    );

    let mut group = c.benchmark_group("resolve");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    group.throughput(Throughput::Elements(doc.tokens.len() as u64));
    group.bench_function("gazetteer", |b| {
        b.iter(|| gazetteer.recognize(&doc, &mut Vec::new()).unwrap())
    });
    group.bench_function("resolver", |b| {
        b.iter_batched(
            || mentions.clone(),
            |m| resolver.resolve(&doc, m),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, resolve);
criterion_main!(benches);
