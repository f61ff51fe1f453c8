//! Tests of the transformer engine (feature `transformers`, needs libtorch).
//! Tiny randomly initialised BERT models, written by the tests in the
//! layout Hugging Face publishes, drive loading, conversion, windowing and
//! decoding; the real all-MiniLM-L6-v2 weights (`newstag models fetch
//! all-MiniLM-L6-v2`) check that embeddings rank related sentences first.
#![cfg(feature = "transformers")]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use newstag::document::TokenizedText;
use newstag::ner::{EntityLabel, EntityRecognizer};
use newstag::transformer::embed::cosine;
use newstag::transformer::ner::map_entity_type;
use newstag::transformer::{weights, NliModel, SentenceEmbedder, TransformerRecognizer};
use rust_bert::bert::{
    BertConfig, BertForSequenceClassification, BertForTokenClassification, BertModel,
};
use serde_json::json;
use tch::nn::VarStore;
use tch::{Device, Tensor};

const WORDS: &str =
    "the a of to in and said on for was troops north south korea russia ukraine kim jong un \
putin president minister army sent border talks city news report war peace deal with by from at";

/// vocab.txt with specials, some words, every letter and digit, and their
/// `##` continuations, so any ASCII word splits into known pieces.
fn write_vocab(dir: &Path) {
    let mut vocab: Vec<String> = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        .map(String::from)
        .to_vec();
    vocab.extend(WORDS.split_whitespace().map(String::from));
    let chars: Vec<char> = ('a'..='z').chain('0'..='9').collect();
    vocab.extend(chars.iter().map(|c| c.to_string()));
    vocab.extend(chars.iter().map(|c| format!("##{c}")));
    vocab.extend(".,;:!?'\"()-–".chars().map(|c| c.to_string()));
    std::fs::write(dir.join("vocab.txt"), vocab.join("\n") + "\n").unwrap();
}

/// config.json of a tiny BERT; `labels` in index order.
fn bert_config(dir: &Path, max_positions: i64, labels: &[&str]) -> BertConfig {
    let vocab_size = std::fs::read_to_string(dir.join("vocab.txt"))
        .unwrap()
        .lines()
        .count();
    let id2label: HashMap<String, String> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (i.to_string(), l.to_string()))
        .collect();
    let mut config = json!({
        "model_type": "bert",
        "hidden_act": "gelu",
        "attention_probs_dropout_prob": 0.1,
        "hidden_dropout_prob": 0.1,
        "hidden_size": 32,
        "initializer_range": 0.02,
        "intermediate_size": 64,
        "max_position_embeddings": max_positions,
        "num_attention_heads": 2,
        "num_hidden_layers": 2,
        "type_vocab_size": 2,
        "vocab_size": vocab_size,
        "pad_token_id": 0,
    });
    if !labels.is_empty() {
        config["id2label"] = json!(id2label);
        let label2id: HashMap<&str, usize> =
            labels.iter().enumerate().map(|(i, l)| (*l, i)).collect();
        config["label2id"] = json!(label2id);
    }
    let text = serde_json::to_string_pretty(&config).unwrap();
    std::fs::write(dir.join("config.json"), &text).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Writes `vs`'s variables as Hugging Face would: `model.safetensors`,
/// with the `position_ids` buffer that rust-bert does not use.
fn write_safetensors(dir: &Path, named: Vec<(String, Tensor)>, prefix: &str) {
    let mut named = named;
    named.push((
        format!("{prefix}embeddings.position_ids"),
        Tensor::arange(8, (tch::Kind::Int64, Device::Cpu)).unsqueeze(0),
    ));
    Tensor::write_safetensors(&named, dir.join("model.safetensors")).unwrap();
}

fn variables(vs: &VarStore) -> Vec<(String, Tensor)> {
    let mut named: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    named
}

const NER_LABELS: [&str; 8] = [
    "O", "B-PER", "I-PER", "B-GPE", "I-GPE", "B-DATE", "I-DATE", "B-NORP",
];

/// A tiny random BERT token classifier in `dir`, biased towards entity
/// tags so that decoding sees many entities.
fn tiny_ner(dir: &Path, max_positions: i64) {
    write_vocab(dir);
    let config = bert_config(dir, max_positions, &NER_LABELS);
    tch::manual_seed(7);
    let vs = VarStore::new(Device::Cpu);
    let _model = BertForTokenClassification::new(vs.root(), &config).unwrap();
    let mut named = variables(&vs);
    for (name, tensor) in &mut named {
        if name == "classifier.bias" {
            *tensor = Tensor::from_slice(&[1.0f32, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]);
        }
        if name == "classifier.weight" {
            *tensor = Tensor::randn([8, 32], (tch::Kind::Float, Device::Cpu));
        }
    }
    write_safetensors(dir, named, "bert.");
}

fn recognise(
    recognizer: &TransformerRecognizer,
    text: &str,
) -> (
    Vec<newstag::ner::Mention>,
    Vec<String>,
    Vec<newstag::text::Span>,
) {
    let tokenized = TokenizedText::new(text);
    let doc = tokenized.view();
    let mut notes = Vec::new();
    let mentions = recognizer.recognize(&doc, &mut notes).unwrap();
    (mentions, notes, doc.tokens.to_vec())
}

fn tokens_and_labels(
    recognizer: &TransformerRecognizer,
    text: &str,
) -> (Vec<newstag::text::Span>, Vec<Option<(String, f32)>>) {
    let tokenized = TokenizedText::new(text);
    let doc = tokenized.view();
    let labels = recognizer.label_tokens(&doc, &mut Vec::new()).unwrap();
    (doc.tokens.to_vec(), labels)
}

/// A news-like text of `sentences` sentences.
fn long_text(sentences: usize) -> String {
    let base = [
        "Kim Jong Un sent troops to the Russia border.",
        "President Putin said the talks with Ukraine were a deal for peace.",
        "North Korea's army, in 2024, sent 12,000 troops south.",
        "The minister from Seoul said: \"no news\" on the war report.",
    ];
    (0..sentences)
        .map(|i| base[i % base.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn ner_loads_safetensors_and_converted_weights_alike() {
    let dir = tempfile::tempdir().unwrap();
    tiny_ner(dir.path(), 64);
    let text = long_text(2);
    let from_safetensors = TransformerRecognizer::load(dir.path(), None).unwrap();
    let (_, before) = tokens_and_labels(&from_safetensors, &text);

    let (converted, tensors) = weights::convert(dir.path()).unwrap();
    assert_eq!(converted, dir.path().join("rust_model.ot"));
    // Every model tensor, without the position_ids buffer.
    assert_eq!(tensors, variables_in(&converted).len());
    assert!(variables_in(&converted)
        .iter()
        .all(|n| !n.ends_with("position_ids")));
    std::fs::remove_file(dir.path().join("model.safetensors")).unwrap();
    let from_ot = TransformerRecognizer::load(dir.path(), None).unwrap();
    let (_, after) = tokens_and_labels(&from_ot, &text);
    assert_eq!(before.len(), after.len());
    for (a, b) in before.iter().zip(&after) {
        let (a, b) = (a.as_ref().unwrap(), b.as_ref().unwrap());
        assert_eq!(a.0, b.0);
        assert!((a.1 - b.1).abs() < 1e-5);
    }
    assert!(from_ot
        .info()
        .files
        .iter()
        .any(|f| f.path.ends_with("rust_model.ot")));
}

fn variables_in(path: &Path) -> Vec<String> {
    Tensor::load_multi(path)
        .unwrap()
        .into_iter()
        .map(|(n, _)| n)
        .collect()
}

/// Structural properties every recogniser output must have.
fn assert_well_formed(
    text: &str,
    tokens: &[newstag::text::Span],
    mentions: &[newstag::ner::Mention],
) {
    let mut last_end = 0;
    for m in mentions {
        assert!(m.tokens.start < m.tokens.end && m.tokens.end <= tokens.len());
        assert!(m.tokens.start >= last_end, "mentions sorted and disjoint");
        last_end = m.tokens.end;
        assert_eq!(
            m.span.start, tokens[m.tokens.start].start,
            "span starts at its first token"
        );
        assert_eq!(
            m.span.end,
            tokens[m.tokens.end - 1].end,
            "span ends at its last token"
        );
        assert!(!m.span.slice(text).is_empty());
        assert!((0.0..=1.0).contains(&m.score));
        assert!(EntityLabel::ALL.contains(&m.label));
    }
}

#[test]
fn ner_windows_cover_every_token_of_a_long_document() {
    let dir = tempfile::tempdir().unwrap();
    // 24 positions: 22 pieces per window, far fewer than the document has.
    tiny_ner(dir.path(), 24);
    let recognizer = TransformerRecognizer::load(dir.path(), Some(3)).unwrap();
    let text = long_text(12);
    let (mentions, notes, tokens) = recognise(&recognizer, &text);
    assert!(tokens.len() > 100);
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("ner: ") && n.contains("windows")),
        "window note: {notes:?}"
    );
    assert!(
        !mentions.is_empty(),
        "a model biased to entity tags finds entities"
    );
    assert_well_formed(&text, &tokens, &mentions);

    let (_, labels) = tokens_and_labels(&recognizer, &text);
    assert_eq!(labels.len(), tokens.len());
    assert!(labels.iter().all(Option::is_some), "every token labelled");
    // Mentions come from mappable tags only: a DATE word is never inside one,
    // and every word of a mention carries the mention's type.
    for m in &mentions {
        for i in m.tokens.clone() {
            let (tag, _) = labels[i].as_ref().unwrap();
            let kind = tag.split_once('-').map_or(tag.as_str(), |(_, k)| k);
            assert_eq!(
                map_entity_type(kind),
                Some(m.label),
                "token {i} tagged {tag} inside a {} mention",
                m.label
            );
        }
    }
    // A short document needs no window note.
    let (_, notes, _) = recognise(&recognizer, "Kim sent troops.");
    assert!(notes.is_empty(), "{notes:?}");
}

#[test]
fn ner_keeps_a_word_longer_than_a_window() {
    let dir = tempfile::tempdir().unwrap();
    tiny_ner(dir.path(), 16);
    let recognizer = TransformerRecognizer::load(dir.path(), None).unwrap();
    let text = format!("Kim said {} to Putin.", "abcdefghij".repeat(6));
    let (tokens, labels) = tokens_and_labels(&recognizer, &text);
    assert_eq!(labels.len(), tokens.len());
    assert!(labels.iter().all(Option::is_some));
    let (mentions, notes, tokens) = recognise(&recognizer, &text);
    assert!(notes.iter().any(|n| n.contains("windows")));
    assert_well_formed(&text, &tokens, &mentions);
}

#[test]
fn ner_reports_a_missing_model_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let err = TransformerRecognizer::load(&dir.path().join("absent"), None)
        .err()
        .expect("no model there");
    let message = err.to_string();
    assert!(
        message.contains("config.json") && message.contains("models fetch"),
        "{message}"
    );
}

/// A tiny random BERT NLI classifier in `dir` whose classes are `labels`;
/// the classifier rows are taken from `rows` (name → row) so that two
/// models with permuted label orders compute the same function.
fn tiny_nli(dir: &Path, labels: &[&str], rows: &HashMap<String, (Vec<f32>, f32)>) {
    write_vocab(dir);
    let config = bert_config(dir, 64, labels);
    tch::manual_seed(11);
    let vs = VarStore::new(Device::Cpu);
    let _model = BertForSequenceClassification::new(vs.root(), &config).unwrap();
    let mut named = variables(&vs);
    for (name, tensor) in &mut named {
        if name == "classifier.weight" {
            let data: Vec<f32> = labels.iter().flat_map(|l| rows[*l].0.clone()).collect();
            *tensor = Tensor::from_slice(&data).view([labels.len() as i64, 32]);
        }
        if name == "classifier.bias" {
            let data: Vec<f32> = labels.iter().map(|l| rows[*l].1).collect();
            *tensor = Tensor::from_slice(&data);
        }
    }
    write_safetensors(dir, named, "bert.");
}

fn classifier_rows(names: &[&str]) -> HashMap<String, (Vec<f32>, f32)> {
    tch::manual_seed(3);
    names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let row: Vec<f32> =
                Vec::try_from(Tensor::randn([32], (tch::Kind::Float, Device::Cpu))).unwrap();
            (n.to_string(), (row, 0.1 * i as f32))
        })
        .collect()
}

const PAIRS: [(&str, &str); 5] = [
    (
        "Kim Jong Un sent troops to the Russia border.",
        "This text is about war.",
    ),
    (
        "President Putin said the talks were a deal for peace.",
        "This text is about peace.",
    ),
    ("The minister said no.", "This text is about a report."),
    (
        "North Korea's army sent 12,000 troops south to the border with the south.",
        "This is news.",
    ),
    (
        "Talks.",
        "This text is about talks with Ukraine and Russia in the city.",
    ),
];

#[test]
fn nli_reads_entailment_from_id2label_in_any_order() {
    let rows = classifier_rows(&["entailment", "neutral", "contradiction"]);
    let mnli = tempfile::tempdir().unwrap();
    tiny_nli(
        mnli.path(),
        &["contradiction", "neutral", "entailment"],
        &rows,
    );
    let permuted = tempfile::tempdir().unwrap();
    tiny_nli(
        permuted.path(),
        &["entailment", "contradiction", "neutral"],
        &rows,
    );

    let a = NliModel::load(mnli.path(), None).unwrap();
    let b = NliModel::load(permuted.path(), Some(2)).unwrap();
    assert_eq!(a.entailment_index(), 2);
    assert_eq!(b.entailment_index(), 0);
    let (sa, sb) = (a.entailment(&PAIRS).unwrap(), b.entailment(&PAIRS).unwrap());
    assert_eq!(sa.len(), PAIRS.len());
    for (x, y) in sa.iter().zip(&sb) {
        assert!(
            (x - y).abs() < 1e-5,
            "same function, permuted labels: {x} vs {y}"
        );
        assert!((0.0..=1.0).contains(x));
    }
    // Entailment against contradiction, from the raw logits, in label order.
    let logits = b.logits(&PAIRS).unwrap();
    for (row, score) in logits.iter().zip(&sb) {
        let expected = 1.0 / (1.0 + (row[1] - row[0]).exp());
        assert!((expected - score).abs() < 1e-5);
    }
    // Full distributions sum to one and agree across orders, class by class.
    let (pa, pb) = (
        a.probabilities(&PAIRS).unwrap(),
        b.probabilities(&PAIRS).unwrap(),
    );
    for (ra, rb) in pa.iter().zip(&pb) {
        assert!((ra.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        assert!(
            (ra[2] - rb[0]).abs() < 1e-5
                && (ra[0] - rb[1]).abs() < 1e-5
                && (ra[1] - rb[2]).abs() < 1e-5
        );
    }
}

#[test]
fn nli_batches_do_not_change_scores_and_two_classes_work() {
    let rows = classifier_rows(&["not_entailment", "entailment"]);
    let dir = tempfile::tempdir().unwrap();
    tiny_nli(dir.path(), &["not_entailment", "entailment"], &rows);
    let one = NliModel::load(dir.path(), Some(1)).unwrap();
    let many = NliModel::load(dir.path(), Some(16)).unwrap();
    assert_eq!(one.entailment_index(), 1);
    for (x, y) in one
        .entailment(&PAIRS)
        .unwrap()
        .iter()
        .zip(many.entailment(&PAIRS).unwrap())
    {
        assert!(
            (x - y).abs() < 1e-4,
            "padding must not change a score: {x} vs {y}"
        );
    }
    assert!(one.fits(PAIRS[0].0, PAIRS[0].1).unwrap());
    assert!(!one.fits(&long_text(20), "This is news.").unwrap());
}

#[test]
fn nli_refuses_labels_without_entailment() {
    let rows = classifier_rows(&["LABEL_0", "LABEL_1", "LABEL_2"]);
    let dir = tempfile::tempdir().unwrap();
    tiny_nli(dir.path(), &["LABEL_0", "LABEL_1", "LABEL_2"], &rows);
    let message = NliModel::load(dir.path(), None)
        .err()
        .expect("unnamed labels")
        .to_string();
    assert!(
        message.contains("config.json") && message.contains("entailment"),
        "{message}"
    );
}

/// A tiny random bare BERT encoder, as sentence-transformers stores one
/// (no `bert.` prefix).
fn tiny_encoder(dir: &Path) {
    write_vocab(dir);
    let config = bert_config(dir, 16, &[]);
    tch::manual_seed(5);
    let vs = VarStore::new(Device::Cpu);
    let _model = BertModel::<rust_bert::bert::BertEmbeddings>::new_with_optional_pooler(
        vs.root(),
        &config,
        false,
    );
    write_safetensors(dir, variables(&vs), "");
}

#[test]
fn embeddings_are_unit_length_batch_invariant_and_windowed() {
    let dir = tempfile::tempdir().unwrap();
    tiny_encoder(dir.path());
    let texts = [
        "Kim sent troops.",
        "President Putin said the talks with Ukraine were a deal.",
        &long_text(3),
    ];
    let one = SentenceEmbedder::load(dir.path(), Some(1)).unwrap();
    let many = SentenceEmbedder::load(dir.path(), Some(8)).unwrap();
    assert_eq!(one.dim(), 32);
    assert!(
        one.windows_needed(texts[2]).unwrap() > 1,
        "16 positions cannot hold the long text"
    );
    let (a, b) = (one.embed(&texts).unwrap(), many.embed(&texts).unwrap());
    for (x, y) in a.iter().zip(&b) {
        assert!((cosine(x, x) - 1.0).abs() < 1e-4);
        assert!(
            x.iter().zip(y).all(|(p, q)| (p - q).abs() < 1e-4),
            "padding must not change a vector"
        );
    }
    // The long text is not its first window alone.
    let first_window = one
        .embed(&["kim jong un sent troops to the russia border. president"])
        .unwrap();
    assert!(cosine(&a[2], &first_window[0]) < 0.9999);
}

/// The real all-MiniLM-L6-v2, if fetched (CI fetches it and sets
/// NEWSTAG_REQUIRE_MODELS=1 so that its absence fails).
fn minilm() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/hf/all-MiniLM-L6-v2");
    if dir.join("config.json").is_file() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("NEWSTAG_REQUIRE_MODELS").is_none(),
        "{} is missing: run `newstag models fetch all-MiniLM-L6-v2`",
        dir.display()
    );
    eprintln!(
        "skipping: {} is missing (run `newstag models fetch all-MiniLM-L6-v2`)",
        dir.display()
    );
    None
}

#[test]
fn minilm_ranks_related_sentences_above_unrelated_ones() {
    let Some(dir) = minilm() else { return };
    let embedder = SentenceEmbedder::load(&dir, None).unwrap();
    assert_eq!(embedder.dim(), 384);
    let texts = [
        "North Korea sent thousands of soldiers to fight alongside Russian forces.",
        "Pyongyang has deployed troops to help Moscow in the war.",
        "The recipe calls for two cups of flour and a pinch of salt.",
        "Stock markets rallied after the central bank cut interest rates.",
        "Investors cheered as the Federal Reserve lowered borrowing costs.",
    ];
    let v = embedder.embed(&texts).unwrap();
    for x in &v {
        assert!((cosine(x, x) - 1.0).abs() < 1e-4);
    }
    // Each pair of paraphrases is closer than any cross-topic pair.
    let related = [cosine(&v[0], &v[1]), cosine(&v[3], &v[4])];
    let unrelated = [
        cosine(&v[0], &v[2]),
        cosine(&v[0], &v[3]),
        cosine(&v[1], &v[4]),
        cosine(&v[2], &v[4]),
    ];
    let (least_related, most_unrelated) = (
        related.iter().copied().fold(f32::MAX, f32::min),
        unrelated.iter().copied().fold(f32::MIN, f32::max),
    );
    assert!(
        least_related > most_unrelated + 0.1,
        "related {related:?}, unrelated {unrelated:?}"
    );
}

#[test]
fn tag_with_the_transformer_engine_writes_entities_and_the_window_note() {
    let dir = tempfile::tempdir().unwrap();
    tiny_ner(dir.path(), 24);
    let text = long_text(8);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_newstag"))
        .args([
            "tag",
            "-",
            "--engine",
            "transformer",
            "--no-frames",
            "--ner-model",
        ])
        .arg(dir.path())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("newstag starts (libtorch found through the embedded rpath)");
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let record: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let notes = record["notes"].as_array().expect("notes present");
    assert!(
        notes
            .iter()
            .any(|n| n.as_str().unwrap().contains("windows")),
        "{notes:?}"
    );
    assert!(record["engine"]["ner"]["name"]
        .as_str()
        .unwrap()
        .starts_with("transformer-ner:"));
    assert_eq!(
        record["engine"]["ner"]["files"][0]["sha256"]
            .as_str()
            .unwrap()
            .len(),
        64
    );
    let chars: Vec<char> = text.chars().collect();
    let entities = record["entities"].as_array().unwrap();
    assert!(!entities.is_empty());
    for e in entities {
        let (start, end) = (
            e["start"].as_u64().unwrap() as usize,
            e["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(
            chars[start..end].iter().collect::<String>(),
            e["text"].as_str().unwrap()
        );
        assert!(["PER", "ORG", "LOC", "MISC"].contains(&e["label"].as_str().unwrap()));
    }
}

/// A tiny random RoBERTa token classifier with a byte-level BPE vocabulary
/// (`vocab.json`, `merges.txt`) and no tokenizer.json.
fn tiny_roberta_ner(dir: &Path, max_positions: i64) {
    let mut vocab: Vec<String> = ["<s>", "<pad>", "</s>", "<unk>"].map(String::from).to_vec();
    let mut alphabet: Vec<char> = tokenizers::pre_tokenizers::byte_level::ByteLevel::alphabet()
        .into_iter()
        .collect();
    alphabet.sort();
    vocab.extend(alphabet.iter().map(|c| c.to_string()));
    vocab.extend(["Ġt", "he", "Ġthe"].map(String::from));
    let ids: HashMap<&str, usize> = vocab
        .iter()
        .enumerate()
        .map(|(i, t)| (t.as_str(), i))
        .collect();
    std::fs::write(dir.join("vocab.json"), serde_json::to_string(&ids).unwrap()).unwrap();
    std::fs::write(dir.join("merges.txt"), "#version: 0.2\nĠ t\nh e\nĠt he\n").unwrap();
    let config = json!({
        "model_type": "roberta", "hidden_act": "gelu", "attention_probs_dropout_prob": 0.1,
        "hidden_dropout_prob": 0.1, "hidden_size": 32, "initializer_range": 0.02, "intermediate_size": 64,
        "max_position_embeddings": max_positions, "num_attention_heads": 2, "num_hidden_layers": 2,
        "type_vocab_size": 1, "vocab_size": vocab.len(), "pad_token_id": 1,
        "id2label": {"0": "O", "1": "B-ORG", "2": "I-ORG", "3": "B-LOC", "4": "I-LOC"},
    });
    std::fs::write(dir.join("config.json"), config.to_string()).unwrap();
    let config: BertConfig = serde_json::from_value(config).unwrap();
    tch::manual_seed(13);
    let vs = VarStore::new(Device::Cpu);
    let _model =
        rust_bert::roberta::RobertaForTokenClassification::new(vs.root(), &config).unwrap();
    write_safetensors(dir, variables(&vs), "roberta.");
}

#[test]
fn roberta_with_byte_level_bpe_reads_each_word_after_a_space() {
    let dir = tempfile::tempdir().unwrap();
    // 26 positions less RoBERTa's offset of 2: windows of 24 pieces.
    tiny_roberta_ner(dir.path(), 26);
    let tokenizer = newstag::transformer::tokenizer::SubwordTokenizer::load(dir.path()).unwrap();
    let pieces = tokenizer.encode_words(&["Kim", "the"], true).unwrap();
    assert_eq!(
        pieces.get_tokens(),
        ["<s>", "Ġ", "K", "i", "m", "Ġthe", "</s>"]
    );
    let recognizer = TransformerRecognizer::load(dir.path(), Some(4)).unwrap();
    let text = long_text(4);
    let (mentions, notes, tokens) = recognise(&recognizer, &text);
    assert!(notes.iter().any(|n| n.contains("windows")), "{notes:?}");
    assert_well_formed(&text, &tokens, &mentions);
    let (_, labels) = tokens_and_labels(&recognizer, &text);
    assert!(labels.iter().all(Option::is_some), "every token labelled");
}

#[test]
fn distill_writes_a_model2vec_table() {
    let model = tempfile::tempdir().unwrap();
    tiny_encoder(model.path());
    let tokenizer = newstag::transformer::tokenizer::SubwordTokenizer::load(model.path()).unwrap();
    tokenizer
        .tokenizer
        .save(model.path().join("tokenizer.json"), false)
        .unwrap();
    let vocab = tokenizer.tokenizer.get_vocab_size(true);
    let out = tempfile::tempdir().unwrap();
    let opts = newstag::transformer::distill::DistillOptions {
        dim: 8,
        batch_size: 16,
        ..Default::default()
    };
    let report = newstag::transformer::distill::distill(model.path(), out.path(), &opts).unwrap();
    assert_eq!((report.vocab, report.dim), (vocab, 8));
    assert!(report.explained_variance > 0.0 && report.explained_variance <= 1.0 + 1e-9);

    let bytes = std::fs::read(out.path().join("model.safetensors")).unwrap();
    let tensors = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let table = tensors.tensor("embeddings").unwrap();
    assert_eq!(table.shape(), [vocab, 8]);
    assert_eq!(table.dtype(), safetensors::Dtype::F16);
    assert_eq!(
        std::fs::read(out.path().join("tokenizer.json")).unwrap(),
        std::fs::read(model.path().join("tokenizer.json")).unwrap()
    );
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("config.json")).unwrap())
            .unwrap();
    assert_eq!(config["model_type"], "model2vec");
    assert_eq!(config["hidden_dim"], 8);
    assert_eq!(config["normalize"], true);
    // SIF weighting: the first (most frequent) ids weigh far less than the last.
    let rows = Tensor::read_safetensors(out.path().join("model.safetensors"))
        .unwrap()
        .remove(0)
        .1
        .to_kind(tch::Kind::Float);
    let norms = rows.norm_scalaropt_dim(2, [1i64].as_slice(), false);
    let head = norms
        .narrow(0, 0, 10)
        .mean(tch::Kind::Float)
        .double_value(&[]);
    let tail = norms
        .narrow(0, vocab as i64 - 10, 10)
        .mean(tch::Kind::Float)
        .double_value(&[]);
    assert!(head * 5.0 < tail, "head {head}, tail {tail}");
}

#[test]
fn fetch_without_the_hub_says_what_to_put_where() {
    use newstag::transformer::fetch::{fetch, Sources};
    // A closed local port stands in for a machine without network.
    let sources = Sources {
        hub: "http://127.0.0.1:9".to_string(),
        ..Sources::default()
    };
    let root = tempfile::tempdir().unwrap();
    let err = fetch(
        root.path(),
        "dslim/bert-base-NER",
        None,
        &sources,
        &mut |_| {},
    )
    .expect_err("no hub");
    let message = err.to_string();
    let dir = root.path().join("dslim/bert-base-NER");
    assert!(
        message.contains("cannot reach the Hugging Face hub"),
        "{message}"
    );
    assert!(
        message.contains("model.safetensors") && message.contains(&dir.display().to_string()),
        "{message}"
    );
    assert!(message.contains("newstag models convert"), "{message}");
}
