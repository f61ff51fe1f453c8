//! `newstag train-roles` and the role model from the outside: training is
//! deterministic and writes a model that a models directory then loads (the
//! record's engine names it), and a gold file without roles or with too few
//! mentions of a role is refused with the file named.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

mod common;
use common::{fixture_gold, models, newstag};

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A models directory in `dir` that links every shipped model but the
/// role model.
fn models_without_role_model(dir: &Path) -> std::path::PathBuf {
    let out = dir.join("models");
    std::fs::create_dir(&out).unwrap();
    for entry in std::fs::read_dir(models()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap();
        if name != "roles.model.json" {
            std::os::unix::fs::symlink(&path, out.join(name)).unwrap();
        }
    }
    out
}

#[test]
fn training_is_deterministic_and_the_model_loads() {
    let dir = tempfile::tempdir().unwrap();
    let models = models_without_role_model(dir.path());
    let models = models.to_str().unwrap();
    let train = |out: &str| {
        newstag(
            &[
                "train-roles",
                "--gold",
                &fixture_gold(),
                "--models",
                models,
                "--min-examples",
                "5",
                "--out",
                out,
            ],
            dir.path(),
        )
    };
    let out = train("models/roles.model.json");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("margin"), "{}", stderr(&out));
    let first = std::fs::read(dir.path().join("models/roles.model.json")).unwrap();
    let out = train("again.json");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(first, std::fs::read(dir.path().join("again.json")).unwrap());

    let model: Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(model["format"], "newstag-role-model/2");
    assert_eq!(model["margins"].as_array().unwrap().len(), 3);
    let roles: Vec<&str> = model["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["actor", "place", "other"]);
    assert_eq!(model["training"]["documents"], 5);
    assert_eq!(
        model["training"]["files"][0]["sha256"]
            .as_str()
            .unwrap()
            .len(),
        64
    );

    // The models directory now loads it, and the record says so.
    let input = dir.path().join("in.txt");
    std::fs::write(&input, "Russia sent troops to Kursk.").unwrap();
    let out = newstag(
        &[
            "tag",
            "--models",
            models,
            "--no-frames",
            input.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let record = String::from_utf8_lossy(&out.stdout);
    assert!(record.contains("roles.model.json"), "{record}");
}

#[test]
fn a_gold_file_without_roles_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let gold = std::fs::read_to_string(fixture_gold()).unwrap();
    let stripped: String = gold
        .lines()
        .map(|line| {
            let mut doc: Value = serde_json::from_str(line).unwrap();
            for e in doc["entities"].as_array_mut().unwrap() {
                e.as_object_mut().unwrap().remove("role");
                e.as_object_mut().unwrap().remove("country");
            }
            format!("{doc}\n")
        })
        .collect();
    let path = dir.path().join("no-roles.jsonl");
    std::fs::write(&path, stripped).unwrap();
    let out = newstag(
        &[
            "train-roles",
            "--gold",
            path.to_str().unwrap(),
            "--out",
            "x.json",
        ],
        dir.path(),
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("no-roles.jsonl") && err.contains("role"),
        "{err}"
    );
    assert!(!dir.path().join("x.json").exists());
}

#[test]
fn too_few_mentions_of_a_role_are_refused_with_the_file_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = newstag(
        &["train-roles", "--gold", &fixture_gold(), "--out", "x.json"],
        dir.path(),
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("gold.jsonl") && err.contains("role \"other\" has 9 gold mentions"),
        "{err}"
    );
    assert!(!dir.path().join("x.json").exists());
}
