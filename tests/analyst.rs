//! The commands that work on saved records, as a user runs them: `eval
//! --pred` scoring the records of a `tag` run exactly as `eval` scores the
//! pipeline, `--errors` listing every miss the report counts, `table` and
//! `view` skipping bad lines by number and refusing a file with none usable.

use std::fs;
use std::path::Path;
use std::process::Output;

use serde_json::Value;

mod common;
use common::{fixture_gold, newstag};

fn stdout_json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

/// Tags the gold texts (ids and texts only) into `dir/pred.jsonl`.
fn tag_gold_texts(dir: &Path) {
    let input: String = fs::read_to_string(fixture_gold())
        .unwrap()
        .lines()
        .map(|l| {
            let doc: Value = serde_json::from_str(l).unwrap();
            serde_json::json!({"id": doc["id"], "text": doc["text"]}).to_string() + "\n"
        })
        .collect();
    fs::write(dir.join("in.jsonl"), input).unwrap();
    let out = newstag(&["tag", "in.jsonl", "-o", "pred.jsonl", "--quiet"], dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn lines(path: &Path) -> Vec<Value> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn eval_pred_scores_saved_records_as_eval_scores_the_pipeline() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    tag_gold_texts(d);
    let gold = fixture_gold();
    let live = newstag(
        &["eval", "--gold", &gold, "--json", "--errors", "live.jsonl"],
        d,
    );
    let saved = newstag(
        &[
            "eval",
            "--gold",
            &gold,
            "--pred",
            "pred.jsonl",
            "--json",
            "--errors",
            "saved.jsonl",
        ],
        d,
    );
    let (live, saved) = (stdout_json(&live), stdout_json(&saved));
    for key in [
        "documents",
        "entities",
        "actor_countries",
        "frames",
        "skipped",
        "engine",
    ] {
        assert_eq!(live[key], saved[key], "key {key}");
    }
    let misses = lines(&d.join("saved.jsonl"));
    assert_eq!(misses, lines(&d.join("live.jsonl")));
    // Every false positive and negative the report counts is listed.
    let count = |kind: &str, error: &str| {
        misses
            .iter()
            .filter(|m| m["kind"] == kind && m["error"] == error)
            .count() as u64
    };
    for (kind, scores) in [
        ("entity", &saved["entities"]["strict"]),
        ("role", &saved["entities"]["role"]),
        ("actor_country", &saved["actor_countries"]),
        ("frame", &saved["frames"]),
    ] {
        assert_eq!(
            count(kind, "fp"),
            scores["fp"].as_u64().unwrap(),
            "{kind} fp"
        );
        assert_eq!(
            count(kind, "fn"),
            scores["fn"].as_u64().unwrap(),
            "{kind} fn"
        );
    }
    assert!(!misses.is_empty());
    // Each miss quotes the gold text at its offsets, inside its sentence.
    let texts: std::collections::HashMap<String, String> = lines(Path::new(&gold))
        .into_iter()
        .map(|d| {
            (
                d["id"].as_str().unwrap().into(),
                d["text"].as_str().unwrap().into(),
            )
        })
        .collect();
    for m in &misses {
        let text: Vec<char> = texts[m["doc_id"].as_str().unwrap()].chars().collect();
        let (s, e) = (
            m["start"].as_u64().unwrap() as usize,
            m["end"].as_u64().unwrap() as usize,
        );
        let quoted: String = text[s..e].iter().collect();
        assert_eq!(m["text"], quoted.as_str(), "{m}");
        assert!(
            m["sentence"].as_str().unwrap().contains(quoted.trim()),
            "{m}"
        );
    }
}

#[test]
fn eval_pred_skips_bad_lines_and_scores_missing_documents_as_empty() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    tag_gold_texts(d);
    let records = fs::read_to_string(d.join("pred.jsonl")).unwrap();
    let mut kept: Vec<&str> = records.lines().collect();
    let dropped = kept.remove(1);
    let dropped_id = serde_json::from_str::<Value>(dropped).unwrap()["id"].clone();
    let broken = format!(
        "{}\nnot json\n{}\n",
        kept.join("\n"),
        &dropped[..dropped.len() / 2]
    );
    fs::write(d.join("broken.jsonl"), broken).unwrap();
    let out = newstag(
        &[
            "eval",
            "--gold",
            &fixture_gold(),
            "--pred",
            "broken.jsonl",
            "--json",
        ],
        d,
    );
    let report = stdout_json(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let n = kept.len();
    assert!(
        stderr.contains(&format!("broken.jsonl:{}: ", n + 1)),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("broken.jsonl:{}: ", n + 2)),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("gold document {dropped_id}: no record")),
        "{stderr}"
    );
    assert_eq!(report["documents"], 5);
    assert!(report["entities"]["strict"]["fn"].as_u64().unwrap() > 0);

    fs::write(d.join("none.jsonl"), "[]\n{\"id\":\n").unwrap();
    for args in [
        vec!["eval", "--gold", &fixture_gold(), "--pred", "none.jsonl"],
        vec!["table", "none.jsonl", "--what", "documents", "-o", "t.csv"],
        vec!["view", "none.jsonl", "-o", "v.html"],
    ] {
        let out = newstag(&args, d);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("none.jsonl:1: ") && stderr.contains("none.jsonl:2: "),
            "{stderr}"
        );
        assert!(stderr.contains("no usable record"), "{stderr}");
    }
    assert!(!d.join("t.csv").exists() && !d.join("v.html").exists());
}

#[test]
fn view_pages_a_large_corpus_beside_its_summary() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input: String = (0..120)
        .map(|i| {
            serde_json::json!({"id": format!("n{i}"), "text": format!("Kim Jong Un met Vladimir Putin in Moscow on day {i}.")})
                .to_string()
                + "\n"
        })
        .collect();
    fs::write(d.join("in.jsonl"), input).unwrap();
    let out = newstag(
        &[
            "tag",
            "in.jsonl",
            "-o",
            "out.jsonl",
            "--quiet",
            "--view",
            "v.html",
        ],
        d,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = fs::read_to_string(d.join("v.html")).unwrap();
    let pages: Vec<String> = (1..=3)
        .map(|p| fs::read_to_string(d.join(format!("v-pages/{p:04}.html"))).unwrap())
        .collect();
    assert!(!d.join("v-pages/0004.html").exists());
    assert!(summary.contains("id=\"count-documents\">120<"));
    assert!(summary.contains("href=\"v-pages/0003.html#d119\""));
    assert!(pages[2].contains("id=\"d119\" data-doc=\"n119\""));
    assert!(pages[0].contains("<a href=\"../v.html\">summary</a>"));
    // Every page is whole HTML, with no script and nothing fetched.
    for page in pages.iter().chain([&summary]) {
        assert!(page.starts_with("<!DOCTYPE html>") && page.ends_with("</html>\n"));
        assert!(!page.contains("<script") && !page.contains("src=") && !page.contains("<link"));
    }
}

#[test]
fn table_rows_follow_the_records() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    tag_gold_texts(d);
    let records = lines(&d.join("pred.jsonl"));
    for (what, rows) in [
        (
            "mentions",
            records
                .iter()
                .map(|r| r["entities"].as_array().unwrap().len())
                .sum::<usize>(),
        ),
        (
            "actors",
            records
                .iter()
                .map(|r| r["actors"].as_array().unwrap().len())
                .sum(),
        ),
        (
            "frames",
            records
                .iter()
                .map(|r| r["frames"].as_array().unwrap().len())
                .sum(),
        ),
        ("documents", records.len()),
    ] {
        let out = newstag(&["table", "pred.jsonl", "--what", what, "-o", "-"], d);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let csv = String::from_utf8(out.stdout).unwrap();
        assert!(csv.starts_with("doc_id,"), "{what}: {csv}");
        // Mention texts and ids here hold no quotes or line breaks, so one
        // CRLF ends each row (check-tables covers quoting).
        assert_eq!(csv.matches("\r\n").count(), rows + 1, "{what}");
    }
}
