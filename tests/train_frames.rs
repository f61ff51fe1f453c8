//! `newstag train-frames` and the learned frame classifier from the outside:
//! training is deterministic and writes next to the frame set, `tag` then
//! uses it with evidence, and bad training data or a classifier of other
//! labels is refused with the label, the count or both files named.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

mod common;
use common::{newstag, repo};

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A copy of the shipped frame set in `dir`, without a classifier.
fn frame_set(dir: &Path) -> PathBuf {
    let set = dir.join("set.toml");
    std::fs::copy(repo().join("models/frames/deployment.toml"), &set).unwrap();
    set
}

fn gold() -> String {
    common::fixture_gold()
}

#[test]
fn training_is_deterministic_and_tag_uses_the_classifier_with_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let set = frame_set(dir.path());
    let set = set.to_str().unwrap();
    let out = newstag(
        &["train-frames", "--frames", set, "--gold", &gold()],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let first = std::fs::read(dir.path().join("set.classifier.json")).expect("written beside");
    let out = newstag(
        &[
            "train-frames",
            "--frames",
            set,
            "--gold",
            &gold(),
            "--out",
            "again.json",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(first, std::fs::read(dir.path().join("again.json")).unwrap());
    let classifier: Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(
        classifier["labels"],
        serde_json::json!(["desperation", "capability"])
    );
    assert_eq!(
        classifier["training"]["files"][0]["sha256"]
            .as_str()
            .map(str::len),
        Some(64)
    );

    let article = repo().join("fixtures/seeds/002_9730d9838f12ff58.txt");
    let out = newstag(
        &["tag", "--quiet", "--frames", set, article.to_str().unwrap()],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let record: Value = serde_json::from_slice(&out.stdout).unwrap();
    let name = record["engine"]["frames"]["name"].as_str().unwrap();
    assert_eq!(name, "frames-learned:deployment");
    let frames = record["frames"].as_array().unwrap();
    assert!(!frames.is_empty(), "no frame selected in a framed seed");
    for frame in frames {
        let kinds: Vec<&str> = frame["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert!(kinds.contains(&"feature"), "{frame}");
        let training = frame["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == "training")
            .unwrap_or_else(|| panic!("no nearest training sentence: {frame}"));
        assert!(training["document"].as_str().unwrap().starts_with("seed-"));
    }
}

#[test]
fn pseudo_labelled_documents_are_fitted_on_but_never_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let set = frame_set(dir.path());
    let set = set.to_str().unwrap();
    // The fixtures again under other ids, as if a teacher had labelled them.
    let pseudo = dir.path().join("pseudo.jsonl");
    let renamed: String = std::fs::read_to_string(common::fixture_gold())
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut doc: Value = serde_json::from_str(l).unwrap();
            doc["id"] = Value::from(format!("pseudo-{}", doc["id"].as_str().unwrap()));
            format!("{doc}\n")
        })
        .collect();
    std::fs::write(&pseudo, renamed).unwrap();
    let gold = gold();
    let train = |extra: &[&str], out: &str| -> Value {
        let mut args = vec![
            "train-frames",
            "--frames",
            set,
            "--gold",
            &gold,
            "--out",
            out,
        ];
        args.extend_from_slice(extra);
        let run = newstag(&args, dir.path());
        assert!(run.status.success(), "{}", stderr(&run));
        serde_json::from_slice(&std::fs::read(dir.path().join(out)).unwrap()).unwrap()
    };
    let hand = train(&[], "hand.json");
    let both = train(&["--pseudo", pseudo.to_str().unwrap()], "both.json");
    assert_ne!(
        hand["models"], both["models"],
        "the pseudo-labels were not fitted on"
    );
    assert_eq!(
        both["exemplars"], hand["exemplars"],
        "pseudo-labelled sentences as evidence"
    );
    // The provenance tells the hand-labelled file from the pseudo-labelled
    // one, and each label records the pseudo-label weight its inner folds
    // chose from the default grid.
    assert_eq!(both["training"]["files"].as_array().unwrap().len(), 1);
    let pseudo_files = both["training"]["pseudo_files"].as_array().unwrap();
    assert_eq!(pseudo_files.len(), 1);
    assert!(pseudo_files[0]["path"]
        .as_str()
        .unwrap()
        .ends_with("pseudo.jsonl"));
    assert!(hand["training"].get("pseudo_files").is_none());
    assert_eq!(
        both["training"]["options"]["pseudo_weights"],
        serde_json::json!([1.0, 2.0, 4.0])
    );
    for model in both["models"].as_array().unwrap() {
        let weight = model["pseudo_weight"].as_f64().unwrap();
        assert!([1.0, 2.0, 4.0].contains(&weight), "{weight}");
    }
    for model in hand["models"].as_array().unwrap() {
        assert!(model.get("pseudo_weight").is_none());
    }
    assert!(hand["training"]["options"].get("pseudo_weights").is_none());
    assert_eq!(
        both["training"]["documents"].as_u64().unwrap(),
        2 * hand["training"]["documents"].as_u64().unwrap()
    );
}

#[test]
fn too_few_framed_sentences_name_the_label_and_its_count() {
    let dir = tempfile::tempdir().unwrap();
    let set = frame_set(dir.path());
    let out = newstag(
        &[
            "train-frames",
            "--frames",
            set.to_str().unwrap(),
            "--gold",
            &gold(),
            "--min-positives",
            "1000",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("\"desperation\" has ") && err.contains("at least 1000"),
        "{err}"
    );
    assert!(!dir.path().join("set.classifier.json").exists());
}

#[test]
fn a_classifier_for_other_labels_is_refused_naming_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let set = frame_set(dir.path());
    let out = newstag(
        &[
            "train-frames",
            "--frames",
            set.to_str().unwrap(),
            "--gold",
            &gold(),
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // The same classifier beside a set with one more label.
    let other = dir.path().join("other.toml");
    let text = std::fs::read_to_string(&set).unwrap()
        + "\n[[label]]\nname = \"resolve\"\ndescription = \"Forces presented as determined.\"\n";
    std::fs::write(&other, text).unwrap();
    std::fs::copy(
        dir.path().join("set.classifier.json"),
        dir.path().join("other.classifier.json"),
    )
    .unwrap();
    let out = newstag(
        &["tag", "--quiet", "--frames", "other.toml", "-"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("other.classifier.json") && err.contains("other.toml"),
        "{err}"
    );
}

#[test]
fn cross_validation_reports_its_protocol() {
    let dir = tempfile::tempdir().unwrap();
    let out = newstag(
        &["eval", "--gold", &gold(), "--cv", "docs:2", "--json"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["frames_protocol"],
        "cross-validation over documents, 2 folds"
    );
    let frames = &report["frames"];
    let gold_spans = frames["tp"].as_u64().unwrap() + frames["fn"].as_u64().unwrap();
    assert_eq!(
        gold_spans, 90,
        "every gold frame label of the fixtures is scored"
    );
    // The per-document table counts the same spans, over the 5 documents.
    let by_document = report["frames_by_document"].as_object().unwrap();
    assert_eq!(by_document.len(), 2, "{by_document:?}");
    let total = |key: &str| -> u64 { by_document.values().map(|d| d[key].as_u64().unwrap()).sum() };
    assert_eq!(total("gold_spans"), gold_spans);
    assert_eq!(
        total("predicted_spans"),
        frames["tp"].as_u64().unwrap() + frames["fp"].as_u64().unwrap()
    );
    assert!(by_document.values().all(|d| d["documents"] == 5));
    let out = newstag(&["eval", "--gold", &gold(), "--cv", "conflict"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("has no `conflict` field"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_models_directory_comes_from_newstag_models_as_documented() {
    // `train-frames` reads the pipeline's models (dictionary, span and role
    // rules) from `$NEWSTAG_MODELS` when `--models` is not given, as `tag`
    // and `eval` do: an empty directory there is what it reports.
    let dir = tempfile::tempdir().unwrap();
    let set = frame_set(dir.path());
    let empty = dir.path().join("no-models");
    std::fs::create_dir(&empty).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_newstag"))
        .args([
            "train-frames",
            "--frames",
            set.to_str().unwrap(),
            "--gold",
            &gold(),
        ])
        .env("NEWSTAG_MODELS", &empty)
        .current_dir(dir.path())
        .output()
        .expect("newstag runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("no-models"), "{}", stderr(&out));
    assert!(!dir.path().join("set.classifier.json").exists());
}

#[test]
fn the_regularisation_grid_is_the_users_and_each_label_picks_from_it() {
    let dir = tempfile::tempdir().unwrap();
    let set = frame_set(dir.path());
    let gold = gold();
    let train = |l2: &str| {
        newstag(
            &[
                "train-frames",
                "--frames",
                set.to_str().unwrap(),
                "--gold",
                &gold,
                "--l2",
                l2,
            ],
            dir.path(),
        )
    };
    let out = train("0.01,0.001");
    assert!(out.status.success(), "{}", stderr(&out));
    let classifier: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("set.classifier.json")).unwrap())
            .unwrap();
    assert_eq!(
        classifier["training"]["options"]["l2_grid"],
        serde_json::json!([0.01, 0.001])
    );
    for model in classifier["models"].as_array().unwrap() {
        let l2 = model["l2"].as_f64().unwrap();
        assert!([0.01, 0.001].contains(&l2), "{l2}");
    }
    let out = train("0.1,0");
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("\"0\" is not a positive number"),
        "{}",
        stderr(&out)
    );
}
