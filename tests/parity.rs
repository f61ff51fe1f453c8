//! Parity of the transformer engine with Python (feature `transformers`):
//! tiny random checkpoints saved by Python `transformers`, and the outputs
//! the Python reference gives on them, are written by
//! `scripts/make-tiny-checkpoints.py` (CI runs it before these tests) into
//! `target/tiny-checkpoints/` (or `$NEWSTAG_TINY_CHECKPOINTS`). newstag must
//! give the same entities as the token-classification pipeline with
//! `aggregation_strategy="first"`, the same entailment probabilities as the
//! zero-shot pipeline for NLI models whose label order is not MNLI's, and
//! the same SetFit frame scores as sentence-transformers with the head of
//! `scripts/train-setfit.py`.
#![cfg(feature = "transformers")]

use std::path::{Path, PathBuf};

use newstag::document::{Tokenized, TokenizedText};
use newstag::frames::setfit::{SetfitFramer, SetfitHead, HEAD_FILE};
use newstag::frames::{EvidenceKind, FrameClassifier, FrameSet};
use newstag::ner::EntityRecognizer;
use newstag::transformer::{NliModel, SentenceEmbedder, TransformerRecognizer};
use serde_json::Value;

/// Scores agree with Python's to this (issue 9 asks for 1e-4); both sides
/// compute in float32 on the same weights.
const TOLERANCE: f32 = 1e-4;

/// The checkpoint directory `name`, which must exist.
fn checkpoint(name: &str) -> PathBuf {
    let root = std::env::var_os("NEWSTAG_TINY_CHECKPOINTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/tiny-checkpoints")
        });
    let dir = root.join(name);
    assert!(
        dir.join("expected.json").is_file(),
        "{} is missing: run `.venv/bin/python scripts/make-tiny-checkpoints.py {}` \
         (needs scripts/setup-libtorch and scripts/requirements-python.txt; see .ci/run)",
        dir.join("expected.json").display(),
        root.display()
    );
    dir
}

fn expected(dir: &Path) -> Value {
    let path = dir.join("expected.json");
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Code point offset of byte offset `at` in `text`.
fn chars_before(text: &str, at: usize) -> usize {
    text[..at].chars().count()
}

fn with_doc<T>(text: &str, f: impl FnOnce(&Tokenized<'_>) -> T) -> T {
    f(&TokenizedText::new(text).view())
}

#[test]
fn ner_matches_the_transformers_pipeline_with_first_aggregation() {
    let dir = checkpoint("ner");
    let want = expected(&dir);
    assert_eq!(want["aggregation_strategy"], "first");
    let recognizer = TransformerRecognizer::load(&dir, None).unwrap();
    let mut compared = 0;
    for case in want["texts"].as_array().unwrap() {
        let text = case["text"].as_str().unwrap();
        let (mentions, sentences) = with_doc(text, |doc| {
            let mentions = recognizer.recognize(doc, &mut Vec::new()).unwrap();
            (mentions, doc.sentences.len())
        });
        // The pipeline groups across sentence ends and newstag does not, so
        // each text is one sentence.
        assert_eq!(sentences, 1, "{text:?} must be a single sentence");
        let got: Vec<(String, usize, usize, f32)> = mentions
            .iter()
            .map(|m| {
                (
                    m.label.as_str().to_string(),
                    chars_before(text, m.span.start),
                    chars_before(text, m.span.end),
                    m.score,
                )
            })
            .collect();
        let python: Vec<(String, usize, usize, f32)> = case["entities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["entity_group"].as_str().unwrap().to_string(),
                    e["start"].as_u64().unwrap() as usize,
                    e["end"].as_u64().unwrap() as usize,
                    e["score"].as_f64().unwrap() as f32,
                )
            })
            .collect();
        let spans = |v: &[(String, usize, usize, f32)]| -> Vec<(String, usize, usize)> {
            v.iter().map(|(l, s, e, _)| (l.clone(), *s, *e)).collect()
        };
        assert_eq!(spans(&got), spans(&python), "entities of {text:?}");
        for ((label, start, _, score), (_, _, _, expected)) in got.iter().zip(&python) {
            assert!(
                (score - expected).abs() < TOLERANCE,
                "{label} at {start} in {text:?}: newstag {score}, transformers {expected}"
            );
        }
        compared += got.len();
    }
    assert!(compared >= 5, "only {compared} entities compared");
}

fn assert_entailment_matches(name: &str) {
    let dir = checkpoint(name);
    let want = expected(&dir);
    let model = NliModel::load(&dir, Some(2)).unwrap();
    let labels: Vec<String> = want["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_string())
        .collect();
    assert_eq!(model.labels(), labels.as_slice());
    assert_ne!(model.entailment_index(), 2, "not MNLI's label order");
    let cases = want["pairs"].as_array().unwrap();
    let pairs: Vec<(&str, &str)> = cases
        .iter()
        .map(|c| {
            (
                c["premise"].as_str().unwrap(),
                c["hypothesis"].as_str().unwrap(),
            )
        })
        .collect();
    let got = model.entailment(&pairs).unwrap();
    let mut spread = (f32::MAX, f32::MIN);
    for ((pair, p), case) in pairs.iter().zip(&got).zip(cases) {
        let python = case["entailment"].as_f64().unwrap() as f32;
        assert!(
            (p - python).abs() < TOLERANCE,
            "{pair:?}: newstag {p}, transformers {python}"
        );
        spread = (spread.0.min(*p), spread.1.max(*p));
    }
    // The comparison means something only if the probabilities differ.
    assert!(spread.1 - spread.0 > 0.05, "probabilities {got:?}");
}

#[test]
fn nli_entailment_matches_the_zero_shot_pipeline_with_entailment_first() {
    assert_entailment_matches("nli");
}

#[test]
fn nli_entailment_matches_the_zero_shot_pipeline_with_two_classes() {
    assert_entailment_matches("nli2");
}

fn setfit_framer(dir: &Path, labels: &[&str]) -> newstag::Result<SetfitFramer> {
    let head = SetfitHead::load(dir)?;
    SetfitFramer::new(
        FrameSet::from_labels(labels),
        "the test's labels",
        SentenceEmbedder::load(dir, None)?,
        head,
    )
}

#[test]
fn setfit_scores_match_sentence_transformers_and_the_head() {
    assert_setfit_scores_match("setfit");
}

#[test]
fn setfit_fine_tuned_on_the_labels_matches_sentence_transformers() {
    assert_setfit_scores_match("setfit-classify");
}

#[test]
fn setfit_reading_each_sentence_after_the_previous_matches_python() {
    let dir = checkpoint("setfit-context");
    assert_eq!(SetfitHead::load(&dir).unwrap().context_pieces(), 8);
    assert_setfit_scores_match("setfit-context");
}

/// newstag's scores of the checkpoint `name` equal Python's (the encoder as
/// sentence-transformers runs it, then the head) to TOLERANCE.
fn assert_setfit_scores_match(name: &str) {
    let dir = checkpoint(name);
    let want = expected(&dir);
    let head = SetfitHead::load(&dir).unwrap();
    let labels: Vec<&str> = head.labels().iter().map(String::as_str).collect();
    assert_eq!(labels, ["capability", "desperation"]);
    let framer = setfit_framer(&dir, &labels).unwrap();
    assert_scores_match_python(&framer, &want, &labels);
}

/// `framer`'s scores of the sentences of `want` (an expected file of
/// make-tiny-checkpoints.py, read as one document) equal Python's to
/// TOLERANCE; returns the sentences and newstag's scores, labels in order.
fn assert_scores_match_python<'w>(
    framer: &SetfitFramer,
    want: &'w Value,
    labels: &[&str],
) -> (Vec<&'w str>, ndarray::Array2<f32>) {
    let cases = want["sentences"].as_array().unwrap();
    let texts: Vec<&str> = cases.iter().map(|c| c["text"].as_str().unwrap()).collect();
    let got = framer.score_texts(&texts).unwrap();
    for (row, case) in cases.iter().enumerate() {
        for (col, label) in labels.iter().enumerate() {
            let python = case["scores"][label].as_f64().unwrap() as f32;
            let score = got[[row, col]];
            assert!(
                (score - python).abs() < TOLERANCE,
                "{label} of {:?}: newstag {score}, Python {python}",
                texts[row]
            );
        }
    }
    (texts, got)
}

#[test]
fn setfit_ensemble_averages_its_encoders_as_python_does() {
    // One member reads sentences alone, the other after the previous one's
    // last pieces, at another sequence limit: each is read its own way.
    let root = checkpoint("setfit-classify");
    let root = root.parent().unwrap();
    let want: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("setfit-ensemble.json")).unwrap())
            .unwrap();
    let names: Vec<&str> = want["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert_eq!(names, ["setfit-classify", "setfit-context"]);
    // The frame set's order differs from the heads' on purpose.
    let labels = ["desperation", "capability"];
    let members = names
        .iter()
        .map(|name| {
            let dir = checkpoint(name);
            (
                SentenceEmbedder::load(&dir, None).unwrap(),
                SetfitHead::load(&dir).unwrap(),
            )
        })
        .collect();
    let framer =
        SetfitFramer::ensemble(FrameSet::from_labels(&labels), "the test's labels", members)
            .unwrap();
    for (col, label) in labels.iter().enumerate() {
        let python = want["thresholds"][label].as_f64().unwrap() as f32;
        assert!((framer.thresholds()[col] - python).abs() < 1e-6, "{label}");
    }
    let (texts, got) = assert_scores_match_python(&framer, &want, &labels);
    let alone = setfit_framer(&checkpoint(names[0]), &labels)
        .unwrap()
        .score_texts(&texts)
        .unwrap();
    let differs = (&got - &alone).fold(0.0f32, |m, d| m.max(d.abs()));
    assert!(differs > 1e-3, "the ensemble scores as its first member");
}

#[test]
fn setfit_evidence_names_the_nearest_training_sentences() {
    let dir = checkpoint("setfit");
    let head = SetfitHead::load(&dir).unwrap();
    let framer = setfit_framer(&dir, &["desperation"]).unwrap();
    // A training sentence of the label is its own nearest neighbour.
    let text = &head_neighbour(&dir, "desperation");
    let frames = with_doc(text, |doc| {
        assert_eq!(doc.sentences.len(), 1, "{text:?}");
        framer.classify(doc, &[], &mut Vec::new()).unwrap()
    });
    assert_eq!(frames.len(), 1);
    let training: Vec<_> = frames[0]
        .evidence
        .iter()
        .filter(|e| e.kind == EvidenceKind::Training)
        .collect();
    assert!(!training.is_empty() && training.len() <= 3);
    assert_eq!(training[0].text, *text);
    assert!(training[0].score.unwrap() > 0.999, "{:?}", training[0]);
    assert!(training[0].document.as_deref().unwrap().contains('#'));
    let scores: Vec<f32> = training.iter().map(|e| e.score.unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    assert_eq!(frames[0].selected, frames[0].score >= head.threshold(1));
}

/// The text of the first training sentence in the head labelled `label`.
fn head_neighbour(dir: &Path, label: &str) -> String {
    let head: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(HEAD_FILE)).unwrap()).unwrap();
    head["neighbours"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| {
            n["labels"].as_array().unwrap().iter().any(|l| l == label)
                && !n["text"].as_str().unwrap().contains(". ")
        })
        .map(|n| n["text"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("no training sentence labelled {label}"))
}

#[test]
fn setfit_refuses_a_frame_set_with_a_label_it_was_not_trained_for() {
    let dir = checkpoint("setfit");
    let err = setfit_framer(&dir, &["desperation", "legitimacy"])
        .err()
        .expect("a label without a head is refused")
        .to_string();
    assert!(err.contains(HEAD_FILE), "{err}");
    assert!(err.contains("the test's labels"), "{err}");
    assert!(err.contains("\"legitimacy\""), "{err}");
}

#[test]
fn setfit_head_errors_name_the_file_and_field() {
    let dir = checkpoint("setfit");
    let copy = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(dir.join(HEAD_FILE)).unwrap();
    let mut head: Value = serde_json::from_str(&text).unwrap();
    head["labels"][1]["weights"] = serde_json::json!([0.5, 0.25]);
    std::fs::write(copy.path().join(HEAD_FILE), head.to_string()).unwrap();
    let err = SetfitHead::load(copy.path()).unwrap_err().to_string();
    assert!(
        err.contains(HEAD_FILE) && err.contains("labels[1].weights"),
        "{err}"
    );
    let missing = SetfitHead::load(&copy.path().join("absent"))
        .unwrap_err()
        .to_string();
    assert!(missing.contains("scripts/train-setfit.py"), "{missing}");
}

#[test]
fn tag_with_frame_method_setfit_writes_training_evidence() {
    let dir = checkpoint("setfit");
    let text = head_neighbour(&dir, "capability");
    let record = tag_with_setfit(&[dir], &text);
    let frames = record["frames"].as_array().unwrap();
    assert_eq!(frames.len(), 2, "{record}");
    let capability = frames.iter().find(|f| f["label"] == "capability").unwrap();
    let nearest = capability["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "training")
        .unwrap_or_else(|| panic!("no training evidence in {capability}"));
    assert_eq!(nearest["text"], text.as_str());
    assert!(nearest["document"].as_str().unwrap().contains('#'));
    assert!(record["engine"]["frames"]["name"]
        .as_str()
        .unwrap()
        .starts_with("frames-setfit:"));
}

#[test]
fn tag_with_two_setfit_models_loads_both() {
    let dirs = [checkpoint("setfit-classify"), checkpoint("setfit-context")];
    let text = head_neighbour(&dirs[0], "capability");
    let record = tag_with_setfit(&dirs, &text);
    let heads: Vec<&str> = record["engine"]["frames"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .filter(|p| p.ends_with(HEAD_FILE))
        .collect();
    assert_eq!(heads.len(), 2, "{record}");
    assert!(heads[1].contains("setfit-context"), "{heads:?}");
    assert_eq!(record["frames"].as_array().unwrap().len(), 2, "{record}");
}

/// The record of `newstag tag --frame-method setfit --all-frame-scores` on
/// `text`, with one `--setfit-model` per directory.
fn tag_with_setfit(dirs: &[PathBuf], text: &str) -> Value {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_newstag"));
    command
        .args(["tag", "-", "--quiet", "--all-frame-scores"])
        .args([
            "--frame-method",
            "setfit",
            "--labels",
            "capability,desperation",
        ]);
    for dir in dirs {
        command.arg("--setfit-model").arg(dir);
    }
    let output = command
        .stdin(std::fs::File::open(write_temp(text).path()).unwrap())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn write_temp(text: &str) -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), text).unwrap();
    file
}

/// `train-setfit.py --cv --predictions` writes its held-out frames as
/// records; `newstag eval --pred` scores them to the same counts as the
/// script's own tally, so both engines' figures come from one scorer.
#[test]
fn held_out_predictions_of_the_fine_tune_score_as_the_script_counts_them() {
    let dir = checkpoint("held-out");
    let want = expected(&dir);
    let gold_path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/gold.jsonl");
    let gold = newstag::eval::gold::read(&gold_path).unwrap();
    let records = newstag::records::read(&dir.join("records.jsonl")).unwrap();
    let (report, _, problems) = newstag::eval::evaluate_records(&gold, &records, false);
    assert!(problems.is_empty(), "{problems:?}");
    let frames = report.frames.expect("the fixtures have frames");
    let counts = want["counts"].as_object().unwrap();
    assert_eq!(counts.len(), 2, "{counts:?}");
    for (label, c) in counts {
        let got = frames.per_label[label];
        let python: Vec<u64> = c
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert_eq!(
            [got.tp as u64, got.fp as u64, got.fn_ as u64],
            python[..],
            "{label}"
        );
    }
}
