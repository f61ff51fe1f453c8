//! The batch runner through the library: one record per input document in
//! input order whatever the number of jobs, resume without loss or
//! duplicates, and a clear error record (never a panic, hang or silent drop)
//! for every kind of bad input.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use newstag::batch::{self, BatchOptions, Done, Summary};
use newstag::ingest::IngestOptions;
use newstag::{Pipeline, PipelineConfig};
use serde_json::Value;

/// One pipeline for all tests: it is shared across threads anyway, and
/// loading it is slow in a debug build.
fn pipeline() -> &'static Pipeline {
    static PIPELINE: OnceLock<Pipeline> = OnceLock::new();
    PIPELINE
        .get_or_init(|| Pipeline::new(&PipelineConfig::default()).expect("default pipeline loads"))
}

/// Runs a batch over `paths` and returns the summary and the parsed records.
fn run_with(
    pipeline: &Pipeline,
    paths: &[PathBuf],
    done: Done,
    opts: &BatchOptions,
) -> (Summary, Vec<Value>) {
    let mut out = Vec::new();
    let summary =
        batch::run(pipeline, paths, &mut out, done, opts).expect("the run itself succeeds");
    let text = String::from_utf8(out).expect("output is UTF-8");
    assert!(
        text.is_empty() || text.ends_with('\n'),
        "output ends with a whole line"
    );
    let records = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is JSON"))
        .collect();
    (summary, records)
}

fn run(paths: &[PathBuf]) -> (Summary, Vec<Value>) {
    run_with(
        pipeline(),
        paths,
        Done::none(),
        &BatchOptions {
            jobs: 2,
            ..BatchOptions::default()
        },
    )
}

fn error_kind(record: &Value) -> Option<&str> {
    record
        .get("error")
        .map(|e| e["kind"].as_str().expect("error kind is a string"))
}

fn record_for<'a>(records: &'a [Value], suffix: &str) -> &'a Value {
    records
        .iter()
        .find(|r| r["source"].as_str().unwrap().ends_with(suffix))
        .unwrap_or_else(|| panic!("no record from {suffix}: {records:#?}"))
}

/// A JSONL file of `n` documents of varied length.
fn jsonl(dir: &Path, n: usize) -> PathBuf {
    let sentences = [
        "Kim Jong Un met Vladimir Putin in Moscow on Tuesday.",
        "The U.S. State Department said 12,000 North Korean troops were in Kursk.",
        "Seoul's spy agency disagreed.",
    ];
    let mut text = String::new();
    for i in 0..n {
        let body: Vec<&str> = (0..1 + i % 7).map(|k| sentences[(i + k) % 3]).collect();
        text.push_str(
            &serde_json::json!({"id": format!("doc-{i}"), "text": body.join(" ")}).to_string(),
        );
        text.push('\n');
    }
    let path = dir.join("docs.jsonl");
    fs::write(&path, text).unwrap();
    path
}

fn ids(records: &[Value]) -> Vec<String> {
    records
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn one_record_per_document_in_input_order_for_any_number_of_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let input = jsonl(dir.path(), 300);
    let pipeline = pipeline();
    let mut outputs = Vec::new();
    for jobs in [1, 2, 5] {
        let opts = BatchOptions {
            jobs,
            ..BatchOptions::default()
        };
        let (summary, records) =
            run_with(pipeline, std::slice::from_ref(&input), Done::none(), &opts);
        assert_eq!(summary.written, 300);
        assert_eq!(summary.errors, 0);
        assert!(
            summary.tokens > 300 * 8,
            "tokens are counted: {}",
            summary.tokens
        );
        let expected: Vec<String> = (0..300).map(|i| format!("doc-{i}")).collect();
        assert_eq!(ids(&records), expected, "jobs {jobs}");
        outputs.push(records);
    }
    assert_eq!(
        outputs[0], outputs[1],
        "output does not depend on the number of jobs"
    );
    assert_eq!(outputs[0], outputs[2]);
}

#[test]
fn large_documents_among_small_ones_keep_input_order() {
    // Workers hand their finished lines over before starting on a large
    // document, and in batches otherwise; either way every record comes
    // out once, in input order.
    let dir = tempfile::tempdir().unwrap();
    let sentence = "Kim Jong Un met Vladimir Putin in Moscow on Tuesday. ";
    let mut text = String::new();
    for i in 0..60 {
        let repeats = if i % 10 == 3 { 1_400 } else { 1 + i % 4 };
        let body = sentence.repeat(repeats);
        text.push_str(&serde_json::json!({"id": format!("doc-{i}"), "text": body}).to_string());
        text.push('\n');
    }
    let input = dir.path().join("mixed.jsonl");
    fs::write(&input, text).unwrap();
    for jobs in [1, 3] {
        let opts = BatchOptions {
            jobs,
            ..BatchOptions::default()
        };
        let (summary, records) = run_with(
            pipeline(),
            std::slice::from_ref(&input),
            Done::none(),
            &opts,
        );
        assert_eq!((summary.written, summary.errors), (60, 0), "jobs {jobs}");
        let expected: Vec<String> = (0..60).map(|i| format!("doc-{i}")).collect();
        assert_eq!(ids(&records), expected, "jobs {jobs}");
        let large = &records[3]["text"];
        assert_eq!(large.as_str().unwrap().len(), sentence.len() * 1_400);
    }
}

#[test]
fn resume_truncates_a_cut_line_and_skips_documents_already_written() {
    let dir = tempfile::tempdir().unwrap();
    let input = jsonl(dir.path(), 50);
    let pipeline = pipeline();
    let opts = BatchOptions {
        jobs: 2,
        ..BatchOptions::default()
    };
    let (_, full) = run_with(pipeline, std::slice::from_ref(&input), Done::none(), &opts);
    let lines: Vec<String> = full.iter().map(|r| format!("{r}\n")).collect();
    let out = dir.path().join("out.jsonl");
    // An interrupted run: 20 whole lines and part of the 21st, cut after one
    // byte, in the middle, or just before its line end (a whole record).
    let line = &lines[20];
    for (cut, kept_records) in [(1, 20), (line.len() / 2, 20), (line.len() - 1, 21)] {
        fs::write(&out, lines[..20].concat() + &line[..cut]).unwrap();
        let done = Done::from_output(&out).expect("resume reads the output");
        assert_eq!(done.len(), kept_records, "cut at {cut}");
        let kept = fs::read_to_string(&out).unwrap();
        let expected = lines[..kept_records as usize].concat();
        assert!(
            kept == expected,
            "cut at {cut}: {} bytes kept, {} expected",
            kept.len(),
            expected.len()
        );

        let file = batch::open_output(&out, true).unwrap();
        let summary =
            batch::run(pipeline, std::slice::from_ref(&input), file, done, &opts).unwrap();
        assert_eq!(
            (summary.written, summary.resumed),
            (50 - kept_records, kept_records)
        );
        let resumed: Vec<Value> = fs::read_to_string(&out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(
            resumed == full,
            "cut at {cut}: resumed output equals an uninterrupted run"
        );
    }
}

#[test]
fn resume_refuses_an_output_that_is_not_newstag_records() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    fs::write(&out, "{\"id\":\"a\"}\nhello\n").unwrap();
    let err = Done::from_output(&out).unwrap_err().to_string();
    assert!(
        err.contains("out.jsonl:2") && err.contains("cannot resume"),
        "{err}"
    );
    assert!(Done::from_output(&dir.path().join("missing.jsonl"))
        .unwrap()
        .is_empty());
}

#[test]
fn duplicate_ids_get_an_error_record_and_survive_resume() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("dup.jsonl");
    fs::write(
        &input,
        "{\"id\":\"a\",\"text\":\"Kim left.\"}\n{\"id\":\"b\",\"text\":\"Putin stayed.\"}\n{\"id\":\"a\",\"text\":\"Again.\"}\n",
    )
    .unwrap();
    let (summary, records) = run(std::slice::from_ref(&input));
    assert_eq!(ids(&records), ["a", "b", "a"]);
    assert_eq!(error_kind(&records[0]), None);
    assert_eq!(error_kind(&records[2]), Some("duplicate_id"));
    assert!(records[2]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("dup.jsonl:3"));
    assert_eq!(summary.errors, 1);

    // Interrupted after the first two records: the duplicate's error record
    // is still owed and is written on resume.
    let out = dir.path().join("out.jsonl");
    fs::write(&out, format!("{}\n{}\n", records[0], records[1])).unwrap();
    let done = Done::from_output(&out).unwrap();
    let (summary, rest) = run_with(pipeline(), &[input], done, &BatchOptions::default());
    assert_eq!(summary.resumed, 2);
    assert_eq!(rest, records[2..]);
}

#[test]
fn bad_files_in_a_directory_each_give_one_clear_record() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("01_bom.txt"), "\u{feff}Kim Jong Un met Putin.").unwrap();
    fs::write(
        d.join("02_crlf.txt"),
        "Kim left Pyongyang.\r\nPutin stayed in Moscow.\r\n",
    )
    .unwrap();
    fs::write(d.join("03_latin1.txt"), b"Caf\xe9 in Paris.\n").unwrap();
    fs::write(
        d.join("04_image.txt"),
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    )
    .unwrap();
    fs::write(d.join("05_empty.md"), "").unwrap();
    fs::write(d.join("06_blank.txt"), " \n\t\n").unwrap();
    fs::write(d.join("photo.png"), b"\x89PNG\x00\x00").unwrap();
    fs::write(d.join("notes.doc"), "not an input").unwrap();
    let (summary, records) = run(&[d.to_path_buf()]);
    assert_eq!(records.len(), 6, "one record per input file: {records:#?}");
    assert_eq!(
        summary.skipped_files, 2,
        "other extensions are left out and counted"
    );

    let bom = record_for(&records, "01_bom.txt");
    assert_eq!(bom["text"], "Kim Jong Un met Putin.", "the BOM is stripped");
    let crlf = record_for(&records, "02_crlf.txt");
    let text = crlf["text"].as_str().unwrap();
    assert!(text.contains("\r\n"), "CRLF is kept as given");
    for e in crlf["entities"].as_array().unwrap() {
        let (s, t) = (
            e["start"].as_u64().unwrap() as usize,
            e["end"].as_u64().unwrap() as usize,
        );
        let covered: String = text.chars().skip(s).take(t - s).collect();
        assert_eq!(
            covered,
            e["text"].as_str().unwrap(),
            "offsets count the \\r"
        );
    }
    assert_eq!(crlf["sentences"].as_array().unwrap().len(), 2);

    let latin1 = record_for(&records, "03_latin1.txt");
    assert_eq!(error_kind(latin1), Some("invalid_utf8"));
    assert!(latin1["error"]["message"]
        .as_str()
        .unwrap()
        .contains("line 1, byte 3"));
    assert_eq!(
        error_kind(record_for(&records, "04_image.txt")),
        Some("binary")
    );
    assert_eq!(
        error_kind(record_for(&records, "05_empty.md")),
        Some("empty")
    );
    assert_eq!(
        error_kind(record_for(&records, "06_blank.txt")),
        Some("empty")
    );
    assert_eq!(summary.errors, 4);

    // Named explicitly, a file is read whatever its extension.
    let (_, records) = run(&[d.join("notes.doc")]);
    assert_eq!(records.len(), 1);
    assert_eq!(
        (records[0]["format"].as_str(), records[0]["text"].as_str()),
        (Some("text"), Some("not an input"))
    );
}

#[test]
fn bad_jsonl_lines_each_give_one_clear_record() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let lines = [
        "\u{feff}{\"id\":\"ok\",\"text\":\"Kim met Putin.\"}\r",
        "{\"id\":\"trunc\",\"text\":\"Kim met",
        "{\"id\":\"no-text\",\"body\":\"Kim met Putin.\"}",
        "{\"id\":\"wrong-type\",\"text\":[\"Kim\"]}",
        "{\"id\":{\"nested\":1},\"text\":\"Kim.\"}",
        "{\"id\":\"empty\",\"text\":\"\"}",
        "\"just a string\"",
        "",
        "{\"id\":42,\"text\":\"Seoul said so.\"}",
    ];
    let mut bytes = lines.join("\n").into_bytes();
    bytes.extend_from_slice(
        b"\n{\"id\":\"bad-utf8\",\"text\":\"caf\xe9\"}\n{\"id\":\"nul\",\x00}\n",
    );
    fs::write(&input, bytes).unwrap();
    let (summary, records) = run(&[input]);
    let got: Vec<(String, Option<&str>)> = records
        .iter()
        .map(|r| (r["id"].as_str().unwrap().to_string(), error_kind(r)))
        .collect();
    let name = |line: usize| format!("{}:{line}", dir.path().join("in.jsonl").display());
    let expected = vec![
        ("ok".to_string(), None),
        (name(2), Some("invalid_json")),
        ("no-text".to_string(), Some("missing_field")),
        ("wrong-type".to_string(), Some("missing_field")),
        (name(5), Some("missing_field")),
        ("empty".to_string(), Some("empty")),
        (name(7), Some("invalid_json")),
        ("42".to_string(), None),
        (name(10), Some("invalid_utf8")),
        (name(11), Some("binary")),
    ];
    assert_eq!(got, expected, "blank line 8 is not a document");
    assert_eq!(summary.errors, 8);
    let message = |i: usize| records[i]["error"]["message"].as_str().unwrap().to_string();
    assert!(
        message(2).ends_with("in.jsonl:3: field `text` is missing"),
        "{}",
        message(2)
    );
    assert!(
        message(3).ends_with("in.jsonl:4: field `text` must be a string, found an array"),
        "{}",
        message(3)
    );
    assert_eq!(
        records[0]["text"], "Kim met Putin.",
        "BOM and \\r are stripped from JSONL lines"
    );
}

#[test]
fn a_document_over_the_size_limit_is_an_error_record_not_a_truncation() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.txt");
    fs::write(&big, "Kim met Putin. ".repeat(100)).unwrap();
    let lines = dir.path().join("big.jsonl");
    let long = "Kim met Putin. ".repeat(100);
    fs::write(
        &lines,
        format!(
            "{{\"id\":\"long\",\"text\":\"{long}\"}}\n{{\"id\":\"short\",\"text\":\"Kim.\"}}\n"
        ),
    )
    .unwrap();
    let opts = BatchOptions {
        jobs: 1,
        ingest: IngestOptions {
            max_bytes: 1000,
            ..IngestOptions::default()
        },
        ..BatchOptions::default()
    };
    let (_, records) = run_with(pipeline(), &[big, lines], Done::none(), &opts);
    let kinds: Vec<Option<&str>> = records.iter().map(error_kind).collect();
    assert_eq!(kinds, [Some("too_large"), Some("too_large"), None]);
    assert_eq!(
        records[2]["id"], "short",
        "the line after an overlong one is read whole"
    );
}

#[test]
fn a_five_thousand_token_sentence_without_punctuation_is_tagged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.txt");
    let words = [
        "troops", "from", "North", "Korea", "moved", "toward", "Kursk", "and", "Seoul", "watched",
    ];
    let text: Vec<&str> = (0..5000).map(|i| words[i % words.len()]).collect();
    fs::write(&path, text.join(" ")).unwrap();
    let (summary, records) = run(&[path]);
    assert_eq!(summary.errors, 0, "{records:#?}");
    assert_eq!(records[0]["sentences"].as_array().unwrap().len(), 1);
    assert_eq!(summary.tokens, 5000);
}

#[cfg(unix)]
#[test]
fn unreadable_paths_give_error_records_and_never_block() {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("a.txt"), "Kim met Putin.").unwrap();
    symlink(d.join("gone.txt"), d.join("dangling.txt")).unwrap();
    symlink(d.join("self.txt"), d.join("self.txt")).unwrap();
    let fifo = d.join("pipe.txt");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    let locked = d.join("locked.txt");
    fs::write(&locked, "Kim met Putin.").unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    let root_reads_anyway = fs::read(&locked).is_ok();

    let missing = d.join("no-such-file.txt");
    let (_, records) = run(&[d.to_path_buf(), missing]);
    assert_eq!(error_kind(record_for(&records, "a.txt")), None);
    assert_eq!(
        error_kind(record_for(&records, "dangling.txt")),
        Some("unreadable")
    );
    assert_eq!(
        error_kind(record_for(&records, "self.txt")),
        Some("unreadable")
    );
    assert_eq!(
        error_kind(record_for(&records, "no-such-file.txt")),
        Some("unreadable")
    );
    if made {
        let pipe = record_for(&records, "pipe.txt");
        assert_eq!(error_kind(pipe), Some("unreadable"));
        assert!(pipe["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not a regular file"));
    } else {
        eprintln!("skipping the fifo case: mkfifo is not available");
    }
    if root_reads_anyway {
        eprintln!("skipping the permission case: running as root, which reads mode 000 files");
    } else {
        assert_eq!(
            error_kind(record_for(&records, "locked.txt")),
            Some("unreadable")
        );
    }
}

#[cfg(unix)]
#[test]
fn symlink_cycles_are_detected_and_every_file_is_read_once() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("corpus");
    fs::create_dir_all(root.join("a/b")).unwrap();
    fs::write(root.join("a/one.txt"), "Kim met Putin.").unwrap();
    fs::write(root.join("a/b/two.md"), "Seoul said so.").unwrap();
    symlink(&root, root.join("a/b/up")).unwrap();
    symlink(root.join("a"), root.join("a/b/up_a")).unwrap();
    let (summary, records) = run(std::slice::from_ref(&root));
    let mut sources: Vec<&str> = records
        .iter()
        .map(|r| r["source"].as_str().unwrap())
        .collect();
    sources.sort();
    assert_eq!(sources.len(), 2, "{sources:?}");
    assert!(
        sources[0].ends_with("a/b/two.md") && sources[1].ends_with("a/one.txt"),
        "{sources:?}"
    );
    assert_eq!(summary.notes.len(), 2, "{:?}", summary.notes);
    assert!(summary
        .notes
        .iter()
        .all(|n| n.contains("symbolic link cycle")));
}
