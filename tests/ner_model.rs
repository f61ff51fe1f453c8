//! The shipped embedded NER model: it loads, finds known entities in news
//! sentences, survives all-caps, lower-case and accented text, keeps the
//! recogniser contract, and scores above a floor on CoNLL-2003 dev.

mod common;

use std::path::PathBuf;

use newstag::document::TokenizedText;
use newstag::models::models_dir;
use newstag::ner::conll;
use newstag::ner::model::clusters::Clusters;
use newstag::ner::model::gazetteer::Gazetteer;
use newstag::ner::model::train::{self, TrainConfig};
use newstag::ner::model::{Lexicons, NerModel};
use newstag::ner::{EntityLabel, EntityRecognizer};

fn model() -> NerModel {
    NerModel::load(&models_dir(None)).expect("the shipped model loads")
}

/// (surface, label) of every mention, after checking the recogniser
/// contract: sorted, non-overlapping, token-aligned, scores in [0, 1].
fn tag(model: &NerModel, text: &str) -> Vec<(String, &'static str)> {
    let tokenized = TokenizedText::new(text);
    let doc = tokenized.view();
    let mentions = model.recognize(&doc, &mut Vec::new()).unwrap();
    for pair in mentions.windows(2) {
        assert!(
            pair[0].tokens.end <= pair[1].tokens.start,
            "{:?} overlaps {:?}",
            pair[0],
            pair[1]
        );
    }
    for m in &mentions {
        assert_eq!(m.span.start, doc.tokens[m.tokens.start].start);
        assert_eq!(m.span.end, doc.tokens[m.tokens.end - 1].end);
        assert!((0.0..=1.0).contains(&m.score), "score {}", m.score);
    }
    mentions
        .iter()
        .map(|m| (m.span.slice(text).to_string(), m.label.as_str()))
        .collect()
}

fn has(found: &[(String, &str)], surface: &str, label: &str) -> bool {
    found.iter().any(|(s, l)| s == surface && *l == label)
}

#[test]
fn shipped_model_loads_with_hashes() {
    let info = model().info();
    assert_eq!(info.files.len(), 3, "weights, clusters and names: {info:?}");
    for file in &info.files {
        assert_eq!(file.sha256.len(), 64);
        assert!(file.bytes > 0);
    }
    let total: u64 = info.files.iter().map(|f| f.bytes).sum();
    assert!(
        total <= 30_000_000,
        "weights must stay within 30 MB, are {total} bytes"
    );
}

#[test]
fn missing_weights_name_file_and_command() {
    let empty = tempfile::tempdir().unwrap();
    let msg = NerModel::load(empty.path())
        .err()
        .expect("no model in an empty directory")
        .to_string();
    assert!(
        msg.contains("conll2003.bin") && msg.contains("train-ner"),
        "{msg}"
    );
}

#[test]
fn known_entities() {
    let m = model();
    let found = tag(&m, "Vladimir Putin met Kim Jong Un in Pyongyang .");
    assert!(has(&found, "Vladimir Putin", "PER"), "{found:?}");
    assert!(has(&found, "Kim Jong Un", "PER"), "{found:?}");
    assert!(has(&found, "Pyongyang", "LOC"), "{found:?}");
    let found = tag(
        &m,
        "The European Union and NATO condemned the attack on Kharkiv, Ukraine's second city.",
    );
    assert!(has(&found, "European Union", "ORG"), "{found:?}");
    assert!(has(&found, "NATO", "ORG"), "{found:?}");
    assert!(has(&found, "Ukraine", "LOC"), "{found:?}");
    assert!(
        !found.iter().any(|(s, _)| s == "The" || s == "attack"),
        "{found:?}"
    );
}

#[test]
fn all_caps_headline() {
    let found = tag(
        &model(),
        "NORTH KOREA SENDS TROOPS TO RUSSIA AS PUTIN VISITS PYONGYANG",
    );
    assert!(has(&found, "NORTH KOREA", "LOC"), "{found:?}");
    assert!(has(&found, "RUSSIA", "LOC"), "{found:?}");
    assert!(found.iter().any(|(s, _)| s == "PUTIN"), "{found:?}");
    assert!(
        !found
            .iter()
            .any(|(s, _)| s.contains("SENDS") || s.contains("TROOPS")),
        "{found:?}"
    );
}

#[test]
fn lower_case_text() {
    let found = tag(
        &model(),
        "vladimir putin met kim jong un in pyongyang on tuesday .",
    );
    assert!(
        found
            .iter()
            .any(|(s, l)| s.contains("putin") && *l == "PER"),
        "{found:?}"
    );
    assert!(has(&found, "pyongyang", "LOC"), "{found:?}");
    assert!(
        !found
            .iter()
            .any(|(s, _)| s.contains("met") || s.contains("tuesday")),
        "{found:?}"
    );
}

#[test]
fn diacritics_do_not_change_entities() {
    let m = model();
    let accented = tag(
        &m,
        "Recep Tayyip Erdoğan met José Manuel Barroso in Zürich .",
    );
    let plain = tag(
        &m,
        "Recep Tayyip Erdogan met Jose Manuel Barroso in Zurich .",
    );
    assert!(
        accented
            .iter()
            .any(|(s, l)| s.ends_with("Tayyip Erdoğan") && *l == "PER"),
        "{accented:?}"
    );
    assert!(has(&accented, "José Manuel Barroso", "PER"), "{accented:?}");
    assert!(has(&accented, "Zürich", "LOC"), "{accented:?}");
    let labels = |v: &[(String, &'static str)]| v.iter().map(|(_, l)| *l).collect::<Vec<_>>();
    assert_eq!(labels(&accented), labels(&plain));
}

/// A CoNLL-2003 file of `../shared`.
fn conll_file(name: &str) -> PathBuf {
    common::shared(&format!("data/conll2003/{name}"))
}

/// The shipped model was trained on train and dev (the CoNLL protocol's
/// final step), so this floor only guards the shipped files and the
/// inference code against breakage; `training_generalises_to_unseen_data`
/// checks generalisation.
#[test]
#[ignore = "needs ../shared: cargo test --release -- --ignored (CI runs it)"]
fn conll_dev_subset_above_floor() {
    let path = conll_file("dev.txt");
    let sentences = conll::read(&path).unwrap();
    let scores = conll::score(&model(), &sentences[..500]).unwrap();
    let f1 = scores.overall.f1();
    eprintln!("dev[..500] strict F1 {f1:.4} ({:?})", scores.overall);
    assert!(f1 > 0.95, "dev subset F1 {f1:.4}");
}

fn lexicons() -> Lexicons {
    let dir = models_dir(None).join("ner");
    Lexicons {
        clusters: Some(Clusters::load(&dir.join("clusters.tsv")).unwrap()),
        gazetteer: Some(Gazetteer::load(&dir.join("gazetteer.tsv")).unwrap()),
    }
}

/// A small model trained here on 3,000 training sentences and scored on
/// dev sentences it never saw. The shipped recipe on all of train scores
/// 0.924 on dev (models/README.md); this one measured 0.82.
#[test]
#[ignore = "needs ../shared: cargo test --release -- --ignored (CI runs it)"]
fn training_generalises_to_unseen_data() {
    let (train_path, dev_path) = (conll_file("train.txt"), conll_file("dev.txt"));
    let train = conll::read(&train_path).unwrap();
    let dev = conll::read(&dev_path).unwrap();
    let config = TrainConfig {
        epochs: 4,
        bags: 1,
        ..TrainConfig::default()
    };
    let (weights, report) =
        train::train(&train[..3000], &dev[..500], &lexicons(), &config, |_| {}).unwrap();
    let model = NerModel::from_parts(weights, lexicons());
    let f1 = conll::score(&model, &dev[500..1500]).unwrap().overall.f1();
    eprintln!(
        "dev[500..1500] strict F1 {f1:.4}, best epoch {}",
        report.best_epoch
    );
    assert!(f1 > 0.78, "F1 {f1:.4}");
}

/// Two runs with the same seed write the same bytes.
#[test]
#[ignore = "needs ../shared: cargo test --release -- --ignored (CI runs it)"]
fn training_is_deterministic() {
    let train_path = conll_file("train.txt");
    let train = conll::read(&train_path).unwrap();
    let config = TrainConfig {
        epochs: 2,
        bags: 2,
        ..TrainConfig::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = Vec::new();
    for run in 0..2 {
        let (weights, _) = train::train(
            &train[..400],
            &train[400..500],
            &lexicons(),
            &config,
            |_| {},
        )
        .unwrap();
        let path = dir.path().join(format!("run{run}.bin"));
        weights.write(&path).unwrap();
        bytes.push(std::fs::read(&path).unwrap());
    }
    assert!(bytes[0] == bytes[1], "two runs with one seed differ");
}

/// `eval --conll` scores a column file directly, and `convert-conll` turns
/// it into gold JSONL on which `eval --gold` (the production pipeline, with
/// its own tokenizer and splitter) gives the same counts for text written
/// in CoNLL style.
#[test]
fn conll_eval_and_converted_gold_agree() {
    let dir = tempfile::tempdir().unwrap();
    let conll_path = dir.path().join("sample.txt");
    std::fs::write(
        &conll_path,
        "-DOCSTART- -X- O\n\nVladimir NNP B-PER\nPutin NNP I-PER\nmet VBD O\nKim NNP B-PER\nJong NNP I-PER\nUn NNP I-PER\nin IN O\nPyongyang NNP B-LOC\n. . O\n\n\
         The DT O\nEuropean NNP B-ORG\nCommission NNP I-ORG\nsaid VBD O\non IN O\nThursday NNP O\nit PRP O\ndisagreed VBD O\nwith IN O\nGerman JJ B-MISC\nadvice NN O\n. . O\n\n\
         Zürich NNP B-ORG\nbeat VBD O\nBasel NNP B-ORG\n2-1 CD O\n. . O\n",
    )
    .unwrap();
    let run = |args: &[&str]| -> String {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_newstag"))
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let direct: serde_json::Value =
        serde_json::from_str(&run(&["eval", "--conll", "sample.txt", "--json"])).unwrap();
    let gold = run(&["convert-conll", "sample.txt"]);
    assert_eq!(gold.lines().count(), 3);
    assert!(gold
        .lines()
        .next()
        .unwrap()
        .contains(r#""text":"Vladimir Putin met Kim Jong Un in Pyongyang .""#));
    std::fs::write(dir.path().join("gold.jsonl"), &gold).unwrap();
    let piped: serde_json::Value = serde_json::from_str(&run(&[
        "eval",
        "--gold",
        "gold.jsonl",
        "--json",
        "--no-frames",
    ]))
    .unwrap();
    let counts = |v: &serde_json::Value| {
        let s = &v["entities"]["strict"];
        (
            s["tp"].as_u64().unwrap(),
            s["fp"].as_u64().unwrap(),
            s["fn"].as_u64().unwrap(),
        )
    };
    assert_eq!(counts(&direct), counts(&piped));
    let (tp, _, fn_) = counts(&direct);
    assert_eq!(tp + fn_, 7, "seven gold entities");
    assert!(tp >= 5, "{direct}");
}

/// `convert-gold` writes gold documents as CoNLL columns that `train-ner`
/// reads back with their entities (a token only partly covered by a name,
/// "Kremlin" in "Kremlin-linked", takes its label), and `--ids` and
/// `--exclude-ids` pick the documents of a fold.
#[test]
fn converted_gold_reads_back_as_conll() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("gold.jsonl"),
        concat!(
            r#"{"id":"a","text":"Kim Jong Un met Kremlin-linked officials. They left.","entities":[{"start":0,"end":11,"label":"PER"},{"start":16,"end":23,"label":"ORG"}]}"#,
            "\n",
            r#"{"id":"b","text":"Seoul said nothing.","entities":[{"start":0,"end":5,"label":"LOC"}]}"#,
            "\n"
        ),
    )
    .unwrap();
    let convert = |extra: &[&str]| -> String {
        let mut args = vec!["convert-gold", "gold.jsonl"];
        args.extend_from_slice(extra);
        let out = common::newstag(&args, dir.path());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let columns = convert(&[]);
    assert!(columns.starts_with("-DOCSTART- -X- -X- O\n\nKim _ _ B-PER\nJong _ _ I-PER\n"));
    let path = dir.path().join("all.conll");
    std::fs::write(&path, &columns).unwrap();
    let sentences = conll::read(&path).unwrap();
    let entities: Vec<(String, EntityLabel)> = sentences
        .iter()
        .flat_map(|s| {
            s.entities
                .iter()
                .map(|(r, label)| (s.tokens[r.clone()].join(" "), *label))
        })
        .collect();
    assert_eq!(
        entities,
        [
            ("Kim Jong Un".to_string(), EntityLabel::Per),
            ("Kremlin-linked".to_string(), EntityLabel::Org),
            ("Seoul".to_string(), EntityLabel::Loc),
        ]
    );
    assert_eq!(sentences.len(), 3, "two sentences in a, one in b");
    assert_eq!(convert(&["--ids", "b"]).matches("-DOCSTART-").count(), 1);
    assert!(!convert(&["--exclude-ids", "a,b"]).contains("-DOCSTART-"));
}
