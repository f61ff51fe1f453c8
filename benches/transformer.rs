//! Throughput of the transformer engine on this machine, and what newstag
//! adds over the bare forward pass: NER sentences per second with two model
//! sizes (all-MiniLM-L6-v2's encoder under a random CoNLL head, and a
//! random bert-base-sized model standing in for dslim/bert-base-NER, which
//! cannot be downloaded here), and all-MiniLM-L6-v2 embedding sentences per
//! second. Weights do not change the compute, so random heads time right.
//!
//!   cargo bench --features transformers --bench transformer -- [DIR] [PARTS]
//!
//! DIR defaults to `fixtures/seeds`, PARTS (any of ner-small, ner-base,
//! embed) to all three.
//!
//! Needs `newstag models fetch all-MiniLM-L6-v2`. The bare pass runs the
//! same padded batches through the same model; the overhead is the rest
//! (sub-word tokenisation, windowing, tensor building, decoding).

use std::path::{Path, PathBuf};
use std::time::Instant;

use newstag::document::{Tokenized, TokenizedText};
use newstag::ner::EntityRecognizer;
use newstag::transformer::architectures::{Batch, Encoder, TokenClassifier};
use newstag::transformer::tokenizer::SubwordTokenizer;
use newstag::transformer::{ModelConfig, SentenceEmbedder, TransformerRecognizer};
use serde_json::Value;
use tch::{Device, Kind, Tensor};

const CONLL_LABELS: [&str; 9] = [
    "O", "B-MISC", "I-MISC", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `cargo bench` adds `--bench`.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let input = args.first().map_or("fixtures/seeds", String::as_str);
    // Which parts to run: any of ner-small, ner-base, embed (default all).
    let parts = args
        .get(1)
        .map_or("ner-small,ner-base,embed", String::as_str);
    let minilm = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/hf/all-MiniLM-L6-v2");
    let tokenized = read_docs(Path::new(input))?;
    let docs: Vec<Tokenized<'_>> = tokenized.iter().map(TokenizedText::view).collect();
    let sentences: usize = docs.iter().map(|d| d.sentences.len()).sum();
    let words: usize = docs.iter().map(|d| d.tokens.len()).sum();
    println!(
        "{} documents, {sentences} sentences, {words} tokens; libtorch threads {}",
        docs.len(),
        tch::get_num_threads()
    );

    let scratch = tempfile::tempdir()?;
    if parts.contains("ner-small") {
        let small = scratch.path().join("minilm-ner");
        ner_model_from_minilm(&minilm, &small)?;
        bench_ner("MiniLM-L6 (6x384)", &small, &docs, sentences)?;
    }
    if parts.contains("ner-base") {
        let base = scratch.path().join("base-ner");
        random_base_ner(&minilm, &base)?;
        bench_ner("bert-base size (12x768)", &base, &docs, sentences)?;
    }
    if parts.contains("embed") {
        bench_embedding(&minilm, &docs, sentences)?;
    }
    Ok(())
}

fn read_docs(dir: &Path) -> Result<Vec<TokenizedText>, Box<dyn std::error::Error>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    paths.sort();
    let mut docs = Vec::new();
    for path in paths
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "txt" || e == "md"))
    {
        docs.push(TokenizedText::new(std::fs::read_to_string(path)?));
    }
    Ok(docs)
}

/// Wall-clock and process CPU seconds of one run.
#[derive(Clone, Copy)]
struct Timing {
    wall: f64,
    cpu: f64,
}

/// Runs `f` once to warm up, then `runs` times; returns the fastest run.
fn best_of(
    runs: usize,
    mut f: impl FnMut() -> Result<(), Box<dyn std::error::Error>>,
) -> Result<Timing, Box<dyn std::error::Error>> {
    f()?;
    let mut best = Timing {
        wall: f64::MAX,
        cpu: f64::MAX,
    };
    for _ in 0..runs {
        let (started, cpu) = (Instant::now(), process_cpu_seconds());
        f()?;
        let run = Timing {
            wall: started.elapsed().as_secs_f64(),
            cpu: process_cpu_seconds() - cpu,
        };
        if run.wall < best.wall {
            best = run;
        }
    }
    Ok(best)
}

/// User + system CPU seconds of this process, all threads (Linux; 0 elsewhere).
fn process_cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the parenthesised command name; utime and stime are 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11..13).map_or(0.0, |f| {
        f.iter().filter_map(|v| v.parse::<f64>().ok()).sum()
    });
    ticks / 100.0
}

fn bench_ner(
    name: &str,
    dir: &Path,
    docs: &[Tokenized<'_>],
    sentences: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let recognizer = TransformerRecognizer::load(dir, None)?;
    let full = best_of(2, || {
        for doc in docs {
            recognizer.recognize(doc, &mut Vec::new())?;
        }
        Ok(())
    })?;
    // The same windows and batches, through the bare model.
    let config = ModelConfig::read(dir)?;
    let (model, _store, _) = TokenClassifier::load(dir, &config)?;
    let mut batches: Vec<Batch> = Vec::new();
    for doc in docs {
        let words: Vec<&str> = doc.tokens.iter().map(|t| t.slice(doc.text)).collect();
        let (windows, _) = recognizer.windows_of(&words)?;
        batches.extend(
            windows
                .chunks(recognizer.batch_size())
                .map(|group| recognizer.batch(group)),
        );
    }
    let bare = best_of(2, || {
        for batch in &batches {
            let _logits = tch::no_grad(|| model.forward(batch))?;
        }
        Ok(())
    })?;
    report(&format!("NER {name}"), sentences, full, bare);
    Ok(())
}

fn bench_embedding(
    dir: &Path,
    docs: &[Tokenized<'_>],
    sentences: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let embedder = SentenceEmbedder::load(dir, None)?;
    let texts: Vec<&str> = docs
        .iter()
        .flat_map(|d| d.sentences.iter().map(move |s| s.span.slice(d.text)))
        .collect();
    let full = best_of(2, || {
        embedder.embed(&texts)?;
        Ok(())
    })?;
    // Bare: the same length-sorted batches through the encoder alone.
    let config = ModelConfig::read(dir)?;
    let (encoder, _store, _) = Encoder::load(dir, &config)?;
    let tokenizer = SubwordTokenizer::load(dir)?;
    let mut encodings = texts
        .iter()
        .map(|t| tokenizer.encode(t, None))
        .collect::<Result<Vec<_>, _>>()?;
    encodings.iter_mut().for_each(|e| {
        e.truncate(
            embedder.max_len(),
            0,
            tokenizers::TruncationDirection::Right,
        )
    });
    encodings.sort_by_key(|e| e.len());
    let batches: Vec<Batch> = encodings
        .chunks(newstag::transformer::DEFAULT_BATCH_SIZE)
        .map(|chunk| Batch::new(&chunk.iter().collect::<Vec<_>>(), tokenizer.pad_id))
        .collect();
    let bare = best_of(2, || {
        for batch in &batches {
            let _hidden = tch::no_grad(|| encoder.forward(batch))?;
        }
        Ok(())
    })?;
    report("embedding all-MiniLM-L6-v2", sentences, full, bare);
    Ok(())
}

fn report(what: &str, sentences: usize, full: Timing, bare: Timing) {
    println!(
        "{what}: newstag {:.1} sentences/s ({:.2} s wall, {:.2} s CPU), bare forward {:.1} sentences/s ({:.2} s wall, {:.2} s CPU), overhead {:+.1}% wall, {:+.1}% CPU",
        sentences as f64 / full.wall,
        full.wall,
        full.cpu,
        sentences as f64 / bare.wall,
        bare.wall,
        bare.cpu,
        100.0 * (full.wall - bare.wall) / bare.wall,
        100.0 * (full.cpu - bare.cpu) / bare.cpu.max(1e-9),
    );
}

/// A CoNLL token classifier made of MiniLM's encoder and a random head.
fn ner_model_from_minilm(minilm: &Path, out: &Path) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(out)?;
    for file in ["tokenizer.json", "vocab.txt"] {
        std::fs::copy(minilm.join(file), out.join(file))?;
    }
    write_config(&minilm.join("config.json"), out, &[])?;
    let mut named: Vec<(String, Tensor)> = newstag::transformer::weights::read_named(
        &newstag::transformer::weights::weight_file(minilm)?,
    )?
    .into_iter()
    .map(|(n, t)| (format!("bert.{n}"), t))
    .collect();
    let hidden = named
        .iter()
        .find(|(n, _)| n.ends_with("word_embeddings.weight"))
        .map(|(_, t)| t.size()[1])
        .unwrap_or(384);
    named.push((
        "classifier.weight".into(),
        Tensor::randn(
            [CONLL_LABELS.len() as i64, hidden],
            (Kind::Float, Device::Cpu),
        ) * 0.02,
    ));
    named.push((
        "classifier.bias".into(),
        Tensor::zeros([CONLL_LABELS.len() as i64], (Kind::Float, Device::Cpu)),
    ));
    Tensor::save_multi(&named, out.join("rust_model.ot"))?;
    Ok(())
}

/// A random token classifier of bert-base's size with MiniLM's vocabulary.
fn random_base_ner(minilm: &Path, out: &Path) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(out)?;
    for file in ["tokenizer.json", "vocab.txt"] {
        std::fs::copy(minilm.join(file), out.join(file))?;
    }
    let size = [
        ("hidden_size", 768),
        ("num_hidden_layers", 12),
        ("num_attention_heads", 12),
        ("intermediate_size", 3072),
    ];
    let config: rust_bert::bert::BertConfig =
        serde_json::from_value(write_config(&minilm.join("config.json"), out, &size)?)?;
    let vs = tch::nn::VarStore::new(Device::Cpu);
    let _model = rust_bert::bert::BertForTokenClassification::new(vs.root(), &config)?;
    vs.save(out.join("rust_model.ot"))?;
    Ok(())
}

/// `source` with CoNLL labels and the sizes in `overrides`, written to `out/config.json`.
fn write_config(
    source: &Path,
    out: &Path,
    overrides: &[(&str, i64)],
) -> Result<Value, Box<dyn std::error::Error>> {
    let mut config: Value = serde_json::from_str(&std::fs::read_to_string(source)?)?;
    let id2label: serde_json::Map<String, Value> = CONLL_LABELS
        .iter()
        .enumerate()
        .map(|(i, l)| (i.to_string(), Value::from(*l)))
        .collect();
    config["id2label"] = Value::Object(id2label);
    for (key, value) in overrides {
        config[*key] = Value::from(*value);
    }
    std::fs::write(
        out.join("config.json"),
        serde_json::to_string_pretty(&config)?,
    )?;
    Ok(config)
}
