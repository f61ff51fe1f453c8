//! Adversarial input, one row per case: what goes in, the command, the exit
//! status and the records that must come out. Every failure found by the
//! adversarial run of issue 11 has a row here, beside the cases that were
//! already handled well, so that none of them can come back unnoticed.
//!
//! Every row also checks that the input files it starts with are unchanged
//! afterwards: newstag never writes an input.

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Where a row's records are read from.
#[derive(Clone, Copy)]
enum Out {
    /// Standard output.
    Stdout,
    /// This file in the row's directory.
    File(&'static str),
    /// Nothing is written (a refused run, or `eval`).
    Nothing,
}

struct Case {
    name: &'static str,
    /// Files made before the run, relative to a fresh directory.
    files: &'static [(&'static str, &'static [u8])],
    /// Anything else to prepare: links, fifos, an earlier run.
    setup: fn(&Path),
    args: &'static [&'static str],
    /// A bash wrapper around the command, in which `"$0" "$@"` is newstag
    /// with `args` (to close stdout or give it a pipe without a reader).
    shell: Option<&'static str>,
    stdin: &'static [u8],
    rc: i32,
    out: Out,
    /// The records in order: id, and error kind (`""` for a tagged document).
    records: &'static [(&'static str, &'static str)],
    /// A part of stderr (`""`: anything).
    stderr: &'static str,
    /// Further checks on the directory and the run.
    check: fn(&Path, &Output),
}

const ROW: Case = Case {
    name: "",
    files: &[],
    setup: nothing,
    args: &[],
    shell: None,
    stdin: b"",
    rc: 0,
    out: Out::Stdout,
    records: &[],
    stderr: "",
    check: no_more,
};

fn nothing(_: &Path) {}
fn no_more(_: &Path, _: &Output) {}

const TWO_DOCS: &[u8] = b"{\"id\":\"a\",\"text\":\"Kim Jong Un met Vladimir Putin in Moscow.\"}\n\
{\"id\":\"b\",\"text\":\"Seoul said 12,000 North Korean troops are in Kursk.\"}\n";
const TWO_OTHER_DOCS: &[u8] = b"{\"id\":\"a\",\"text\":\"Zelensky spoke in Kyiv.\"}\n\
{\"id\":\"b\",\"text\":\"NATO met in Brussels.\"}\n";
const ONE_BAD_OF_THREE: &[u8] = b"{\"id\":\"a\",\"text\":\"Kim left Pyongyang.\"}\n\
{\"id\":\"b\"}\n{\"id\":\"c\",\"text\":\"Putin stayed in Moscow.\"}\n";

fn cases() -> Vec<Case> {
    vec![
        // Issue 11, item 1: an output that is an input.
        Case {
            name: "output is the input",
            files: &[("x.jsonl", TWO_DOCS)],
            args: &["tag", "x.jsonl", "-o", "x.jsonl"],
            rc: 2,
            out: Out::Nothing,
            stderr: "is the input",
            ..ROW
        },
        Case {
            name: "output is the input through ./in/..",
            files: &[("x.jsonl", TWO_DOCS), ("in/keep.txt", b"k")],
            args: &["tag", "x.jsonl", "-o", "./in/../x.jsonl"],
            rc: 2,
            out: Out::Nothing,
            stderr: "is the input",
            ..ROW
        },
        Case {
            name: "output is the input through a symbolic link",
            files: &[("x.jsonl", TWO_DOCS)],
            setup: |d| symlink("x.jsonl", &d.join("l.jsonl")),
            args: &["tag", "x.jsonl", "-o", "l.jsonl"],
            rc: 2,
            out: Out::Nothing,
            stderr: "is the input",
            ..ROW
        },
        Case {
            name: "output is the input through a hard link",
            files: &[("x.jsonl", TWO_DOCS)],
            setup: |d| fs::hard_link(d.join("x.jsonl"), d.join("h.jsonl")).unwrap(),
            args: &["tag", "x.jsonl", "-o", "h.jsonl"],
            rc: 2,
            out: Out::Nothing,
            stderr: "is the input",
            ..ROW
        },
        Case {
            name: "output is a text input",
            files: &[("a.txt", b"Kim Jong Un met Vladimir Putin.")],
            args: &["tag", "a.txt", "-o", "a.txt"],
            rc: 2,
            out: Out::Nothing,
            stderr: "is the input",
            ..ROW
        },
        Case {
            name: "output is the file on standard input",
            files: &[("x.jsonl", TWO_DOCS)],
            args: &["tag", "-", "--format", "jsonl", "-o", "x.jsonl"],
            shell: Some(r#"exec "$0" "$@" < x.jsonl"#),
            rc: 2,
            out: Out::Nothing,
            stderr: "is the standard input",
            ..ROW
        },
        Case {
            name: "output inside an input directory",
            files: &[("d/a.txt", b"Kim Jong Un met Vladimir Putin.")],
            args: &["tag", "d", "-o", "d/out.jsonl"],
            rc: 2,
            out: Out::Nothing,
            stderr: "inside the input directory",
            check: |d, _| assert!(!d.join("d/out.jsonl").exists()),
            ..ROW
        },
        // Item 2: --jobs is bounded before any output is touched.
        Case {
            name: "absurd --jobs",
            files: &[("ex.jsonl", TWO_DOCS), ("out.jsonl", b"keep\n")],
            args: &["tag", "ex.jsonl", "-o", "out.jsonl", "--jobs", "99999999999"],
            rc: 2,
            out: Out::Nothing,
            stderr: "at most 256 jobs",
            ..ROW
        },
        Case {
            name: "--jobs at the bound",
            files: &[("ex.jsonl", TWO_DOCS)],
            args: &["tag", "ex.jsonl", "--jobs", "256"],
            records: &[("a", ""), ("b", "")],
            ..ROW
        },
        // Item 3: --resume checks what it resumes.
        Case {
            name: "resume into the output of another input",
            files: &[("a.jsonl", TWO_DOCS), ("b.jsonl", TWO_OTHER_DOCS)],
            setup: |d| interrupted_run(d, &["tag", "a.jsonl", "-o", "out.jsonl"]),
            args: &["tag", "b.jsonl", "-o", "out.jsonl", "--resume"],
            rc: 2,
            out: Out::Nothing,
            stderr: "inputs[0].path",
            check: |d, _| unchanged(d, "out.jsonl"),
            ..ROW
        },
        Case {
            name: "resume with other record flags",
            files: &[("a.jsonl", TWO_DOCS)],
            setup: |d| interrupted_run(d, &["tag", "a.jsonl", "-o", "out.jsonl"]),
            args: &[
                "tag",
                "a.jsonl",
                "-o",
                "out.jsonl",
                "--resume",
                "--no-text",
                "--no-frames",
            ],
            rc: 2,
            out: Out::Nothing,
            stderr: "flags.no_text: false → true",
            check: |d, _| unchanged(d, "out.jsonl"),
            ..ROW
        },
        Case {
            name: "resume where a document's text changed",
            setup: |d| {
                fs::create_dir(d.join("d")).unwrap();
                fs::write(d.join("d/x.jsonl"), TWO_DOCS).unwrap();
                interrupted_run(d, &["tag", "d", "-o", "out.jsonl"]);
                // Rewritten in place: the directory itself does not change.
                fs::write(d.join("d/x.jsonl"), TWO_OTHER_DOCS).unwrap();
            },
            args: &["tag", "d", "-o", "out.jsonl", "--resume"],
            rc: 2,
            out: Out::Nothing,
            stderr: "has other text than its record",
            check: |d, _| unchanged(d, "out.jsonl"),
            ..ROW
        },
        Case {
            name: "resume from stdin where a document's text changed",
            setup: |d| {
                let args = ["tag", "-", "--format", "jsonl", "-o", "out.jsonl"];
                let first = newstag_in(d, &args, TWO_DOCS);
                assert_eq!(first.status.code(), Some(0));
                keep_first_line(d);
            },
            args: &[
                "tag", "-", "--format", "jsonl", "-o", "out.jsonl", "--resume",
            ],
            stdin: TWO_OTHER_DOCS,
            rc: 1,
            out: Out::File("out.jsonl"),
            records: &[("a", ""), ("a", "duplicate_id"), ("b", "")],
            ..ROW
        },
        Case {
            name: "resume after a model file changed",
            files: &[("a.jsonl", TWO_DOCS)],
            setup: |d| {
                copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("models"), &d.join("m"));
                interrupted_run(d, &["tag", "a.jsonl", "-o", "out.jsonl", "--models", "m"]);
                let roles = d.join("m/roles.toml");
                let edited = fs::read_to_string(&roles).unwrap() + "# edited\n";
                fs::write(roles, edited).unwrap();
            },
            args: &[
                "tag",
                "a.jsonl",
                "-o",
                "out.jsonl",
                "--models",
                "m",
                "--resume",
            ],
            rc: 2,
            out: Out::Nothing,
            stderr: "engine.actors.files[1].sha256",
            check: |d, _| unchanged(d, "out.jsonl"),
            ..ROW
        },
        Case {
            name: "resume an output without its run record",
            files: &[("a.jsonl", TWO_DOCS)],
            setup: |d| {
                interrupted_run(d, &["tag", "a.jsonl", "-o", "out.jsonl"]);
                fs::remove_file(d.join("out.jsonl.newstag-run.json")).unwrap();
            },
            args: &["tag", "a.jsonl", "-o", "out.jsonl", "--resume"],
            rc: 2,
            out: Out::Nothing,
            stderr: "out.jsonl.newstag-run.json is missing",
            check: |d, _| unchanged(d, "out.jsonl"),
            ..ROW
        },
        Case {
            name: "resume into a missing output is a fresh start, whatever the old run record",
            files: &[("a.jsonl", TWO_DOCS), ("b.jsonl", TWO_OTHER_DOCS)],
            setup: |d| {
                interrupted_run(d, &["tag", "a.jsonl", "-o", "out.jsonl"]);
                fs::remove_file(d.join("out.jsonl")).unwrap();
            },
            args: &["tag", "b.jsonl", "-o", "out.jsonl", "--resume"],
            out: Out::File("out.jsonl"),
            records: &[("a", ""), ("b", "")],
            check: |d, _| {
                let record = fs::read_to_string(d.join("out.jsonl.newstag-run.json")).unwrap();
                assert!(record.contains("b.jsonl"), "the run record is the new run's");
            },
            ..ROW
        },
        // Item 4: the exit status covers the whole output; errors can be retried.
        Case {
            name: "resume counts the error records already written",
            files: &[("in.jsonl", ONE_BAD_OF_THREE)],
            setup: |d| {
                let first = newstag_in(d, &["tag", "in.jsonl", "-o", "out.jsonl"], b"");
                assert_eq!(first.status.code(), Some(1));
            },
            args: &["tag", "in.jsonl", "-o", "out.jsonl", "--resume"],
            rc: 1,
            out: Out::File("out.jsonl"),
            records: &[("a", ""), ("b", "missing_field"), ("c", "")],
            stderr: "(1 of them errors)",
            ..ROW
        },
        Case {
            name: "resume --retry-errors tags a document that failed for a passing reason",
            files: &[("d/a.txt", b"Kim Jong Un met Vladimir Putin.")],
            setup: |d| {
                symlink("../later.txt", &d.join("d/b.txt"));
                let first = newstag_in(d, &["tag", "d", "-o", "out.jsonl"], b"");
                assert_eq!(first.status.code(), Some(1), "d/b.txt is dangling");
                fs::write(d.join("later.txt"), "Putin stayed in Moscow.").unwrap();
            },
            args: &[
                "tag",
                "d",
                "-o",
                "out.jsonl",
                "--resume",
                "--retry-errors",
            ],
            rc: 0,
            out: Out::File("out.jsonl"),
            records: &[("d/a.txt", ""), ("d/b.txt", "")],
            ..ROW
        },
        Case {
            name: "a refused --resume --retry-errors leaves the output as it was",
            setup: |d| {
                fs::create_dir(d.join("d")).unwrap();
                fs::write(d.join("d/x.jsonl"), ONE_BAD_OF_THREE).unwrap();
                let first = newstag_in(d, &["tag", "d", "-o", "out.jsonl"], b"");
                assert_eq!(first.status.code(), Some(1));
                // A record cut off by a kill, and a document changed since.
                let mut out = fs::read(d.join("out.jsonl")).unwrap();
                out.extend_from_slice(b"{\"id\":\"cut");
                fs::write(d.join("out.jsonl"), &out).unwrap();
                fs::copy(d.join("out.jsonl"), d.join("out.jsonl.before")).unwrap();
                fs::write(d.join("d/x.jsonl"), TWO_OTHER_DOCS).unwrap();
            },
            args: &[
                "tag",
                "d",
                "-o",
                "out.jsonl",
                "--resume",
                "--retry-errors",
            ],
            rc: 2,
            out: Out::Nothing,
            stderr: "has other text than its record",
            check: |d, _| unchanged(d, "out.jsonl"),
            ..ROW
        },
        // Item 5: deep JSON.
        Case {
            name: "valid JSON nested 200 deep",
            setup: |d| {
                let deep = "[".repeat(200) + &"]".repeat(200);
                let line = format!(r#"{{"id":"deep","meta":{deep},"text":"Kim met Putin."}}"#);
                fs::write(d.join("deep.jsonl"), line + "\n").unwrap();
            },
            args: &["tag", "deep.jsonl"],
            records: &[("deep", "")],
            ..ROW
        },
        Case {
            name: "invalid JSON nested 200 deep",
            setup: |d| {
                let line = format!(r#"{{"id":"deep","meta":{}}}"#, "[".repeat(200));
                fs::write(d.join("deep.jsonl"), line + "\n").unwrap();
            },
            args: &["tag", "deep.jsonl"],
            rc: 1,
            records: &[("deep.jsonl:1", "invalid_json")],
            ..ROW
        },
        // Item 6: file names that are not UTF-8 stay apart.
        Case {
            name: "names differing in a byte that is not UTF-8",
            setup: |d| {
                use std::os::unix::ffi::OsStrExt;
                fs::create_dir(d.join("L")).unwrap();
                for (byte, text) in [(0xff, "Kim left."), (0xfe, "Putin stayed.")] {
                    let name = [b'b', byte, b'.', b't', b'x', b't'];
                    let name = std::ffi::OsStr::from_bytes(&name);
                    fs::write(d.join("L").join(name), text).unwrap();
                }
            },
            args: &["tag", "L"],
            records: &[("L/b\\xFE.txt", ""), ("L/b\\xFF.txt", "")],
            ..ROW
        },
        // Items 7 and 8: stdout.
        Case {
            name: "closed stdout",
            files: &[("ex.jsonl", TWO_DOCS)],
            args: &["tag", "ex.jsonl"],
            shell: Some(r#"exec "$0" "$@" >&-"#),
            rc: 2,
            out: Out::Nothing,
            stderr: "standard output is closed",
            ..ROW
        },
        Case {
            name: "eval into a closed stdout",
            files: &[(
                "g.jsonl",
                b"{\"id\":\"g\",\"text\":\"Putin met Kim.\",\"entities\":[{\"start\":0,\"end\":5,\"label\":\"PER\"}]}\n",
            )],
            args: &["eval", "--gold", "g.jsonl"],
            shell: Some(r#"exec "$0" "$@" >&-"#),
            rc: 2,
            out: Out::Nothing,
            stderr: "standard output is closed",
            ..ROW
        },
        Case {
            name: "-o - is stdout",
            files: &[("ex.jsonl", TWO_DOCS)],
            args: &["tag", "ex.jsonl", "-o", "-"],
            records: &[("a", ""), ("b", "")],
            check: |d, _| assert!(!d.join("-").exists(), "no file named -"),
            ..ROW
        },
        // Item 9: empty labels.
        Case {
            name: "--labels \"\"",
            files: &[("ex.jsonl", TWO_DOCS)],
            args: &["tag", "ex.jsonl", "--labels", ""],
            rc: 2,
            out: Out::Nothing,
            stderr: "no labels given",
            ..ROW
        },
        Case {
            name: "--labels ,,,",
            files: &[("ex.jsonl", TWO_DOCS)],
            args: &["tag", "ex.jsonl", "--labels", ",,,"],
            rc: 2,
            out: Out::Nothing,
            stderr: "no labels given",
            ..ROW
        },
        // Item 10: HTML5 numeric character references.
        Case {
            name: "numeric references past the maximum",
            files: &[(
                "e.html",
                b"<p>A &#99999999999999999999; C &#xFFFFFFFFFF; D &amp E</p>",
            )],
            args: &["tag", "e.html"],
            records: &[("e.html", "")],
            check: |_, out| assert_eq!(text_of(out), "A \u{FFFD} C \u{FFFD} D & E"),
            ..ROW
        },
        // Item 11: an unclosed Markdown comment.
        Case {
            name: "unclosed inline comment in Markdown",
            files: &[("c.md", b"Putin said <!-- in Moscow that Kyiv fell.")],
            args: &["tag", "c.md"],
            records: &[("c.md", "")],
            check: |_, out| assert!(text_of(out).ends_with("in Moscow that Kyiv fell.")),
            ..ROW
        },
        // Items 12 to 15: eval.
        Case {
            name: "eval of an empty gold file",
            files: &[("empty.jsonl", b"")],
            args: &["eval", "--gold", "empty.jsonl"],
            rc: 2,
            out: Out::Nothing,
            stderr: "no documents",
            ..ROW
        },
        Case {
            name: "eval of an empty CoNLL file",
            files: &[("empty.txt", b"\n")],
            args: &["eval", "--conll", "empty.txt"],
            rc: 2,
            out: Out::Nothing,
            stderr: "no documents",
            ..ROW
        },
        Case {
            name: "eval of a gold file with a BOM",
            files: &[(
                "g.jsonl",
                b"\xef\xbb\xbf{\"id\":\"g\",\"text\":\"Putin met Kim.\",\"entities\":[{\"start\":0,\"end\":5,\"label\":\"PER\"}]}\n",
            )],
            args: &["eval", "--gold", "g.jsonl", "--json"],
            out: Out::Nothing,
            check: |_, out| assert_eq!(report(out)["documents"], 1),
            ..ROW
        },
        Case {
            name: "eval of a CoNLL file with a BOM",
            files: &[(
                "b.conll",
                b"\xef\xbb\xbfEU NNP B-NP B-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP B-MISC\n\n",
            )],
            args: &["eval", "--conll", "b.conll", "--json"],
            out: Out::Nothing,
            check: |_, out| {
                let strict = &report(out)["entities"]["strict"];
                assert_eq!((&strict["tp"], &strict["fn"]), (&2.into(), &0.into()), "{strict}");
            },
            ..ROW
        },
        Case {
            name: "eval into a pipe nobody reads",
            files: &[(
                "g.jsonl",
                b"{\"id\":\"g\",\"text\":\"Putin met Kim.\",\"entities\":[{\"start\":0,\"end\":5,\"label\":\"PER\"}]}\n",
            )],
            args: &["eval", "--gold", "g.jsonl"],
            // A fifo with a writer and no reader: every write fails with EPIPE.
            shell: Some(r#"mkfifo p && exec 3<>p 4>p 3<&- && exec "$0" "$@" >&4"#),
            rc: 2,
            out: Out::Nothing,
            stderr: "Broken pipe",
            check: |_, out| assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked")),
            ..ROW
        },
        // Item 16.
        Case {
            name: "train-ner --epochs 0",
            files: &[("t.conll", b"EU NNP B-NP B-ORG\n\n")],
            args: &[
                "train-ner",
                "--train",
                "t.conll",
                "--dev",
                "t.conll",
                "--out",
                "m",
                "--epochs",
                "0",
            ],
            rc: 2,
            out: Out::Nothing,
            stderr: "must be at least 1",
            ..ROW
        },
        // Handled well before issue 11; kept that way.
        Case {
            name: "invalid UTF-8",
            files: &[("l.txt", b"Caf\xe9 in Paris.\n")],
            args: &["tag", "l.txt"],
            rc: 1,
            records: &[("l.txt", "invalid_utf8")],
            ..ROW
        },
        Case {
            name: "NUL bytes",
            files: &[("n.txt", b"\x89PNG\r\n\x1a\n\x00\x00")],
            args: &["tag", "n.txt"],
            rc: 1,
            records: &[("n.txt", "binary")],
            ..ROW
        },
        Case {
            name: "NUL in a JSONL line",
            files: &[("n.jsonl", b"{\"id\":\"a\",\"text\":\"x\x00\"}\n")],
            args: &["tag", "n.jsonl"],
            rc: 1,
            records: &[("n.jsonl:1", "binary")],
            ..ROW
        },
        Case {
            name: "BOM",
            files: &[("bom.txt", b"\xef\xbb\xbfKim Jong Un met Putin.")],
            args: &["tag", "bom.txt"],
            records: &[("bom.txt", "")],
            check: |_, out| assert_eq!(text_of(out), "Kim Jong Un met Putin."),
            ..ROW
        },
        Case {
            name: "CRLF",
            files: &[("crlf.txt", b"Kim left Pyongyang.\r\nPutin stayed.\r\n")],
            args: &["tag", "crlf.txt"],
            records: &[("crlf.txt", "")],
            check: |_, out| assert!(text_of(out).contains("\r\n"), "kept as given"),
            ..ROW
        },
        Case {
            name: "duplicate ids",
            files: &[(
                "dup.jsonl",
                b"{\"id\":\"a\",\"text\":\"Kim left.\"}\n{\"id\":\"b\",\"text\":\"Putin stayed.\"}\n{\"id\":\"a\",\"text\":\"Again.\"}\n",
            )],
            args: &["tag", "dup.jsonl"],
            rc: 1,
            records: &[("a", ""), ("b", ""), ("a", "duplicate_id")],
            ..ROW
        },
        Case {
            name: "symbolic link cycle",
            files: &[("d/a.txt", b"Kim Jong Un met Putin.")],
            setup: |d| symlink("..", &d.join("d/loop")),
            args: &["tag", "d"],
            records: &[("d/a.txt", "")],
            stderr: "symbolic link cycle",
            ..ROW
        },
        Case {
            name: "fifo in a directory",
            files: &[("d/a.txt", b"Kim Jong Un met Putin.")],
            setup: |d| mkfifo(&d.join("d/b.txt")),
            args: &["tag", "d"],
            rc: 1,
            records: &[("d/a.txt", ""), ("d/b.txt", "unreadable")],
            ..ROW
        },
        Case {
            name: "unreadable file (a dangling link: root reads any file)",
            setup: |d| symlink("missing.txt", &d.join("gone.txt")),
            args: &["tag", "gone.txt"],
            rc: 1,
            records: &[("gone.txt", "unreadable")],
            ..ROW
        },
        Case {
            name: "disk full",
            files: &[("ex.jsonl", TWO_DOCS)],
            args: &["tag", "ex.jsonl", "-o", "/dev/full"],
            rc: 2,
            out: Out::Nothing,
            stderr: "No space left on device",
            ..ROW
        },
        Case {
            name: "SIGTERM midway, then --resume",
            setup: |d| signalled_run(d, "TERM"),
            args: &["tag", "in.jsonl", "-o", "out.jsonl", "--jobs", "2", "--resume"],
            out: Out::Nothing,
            check: every_corpus_document_once_in_order,
            ..ROW
        },
        Case {
            name: "SIGINT midway, then --resume",
            setup: |d| signalled_run(d, "INT"),
            args: &["tag", "in.jsonl", "-o", "out.jsonl", "--jobs", "2", "--resume"],
            out: Out::Nothing,
            check: every_corpus_document_once_in_order,
            ..ROW
        },
    ]
}

#[test]
fn every_bad_input_gives_its_exit_status_and_records() {
    let mut failures = Vec::new();
    for case in cases() {
        let result = std::panic::catch_unwind(|| run_case(&case));
        if let Err(payload) = result {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!("{}: {message}", case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        cases().len(),
        failures.join("\n")
    );
}

fn run_case(case: &Case) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (name, content) in case.files {
        let path = d.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }
    (case.setup)(d);
    let out = match case.shell {
        Some(script) => run_in(
            Command::new("bash")
                .arg("-c")
                .arg(script)
                .arg(env!("CARGO_BIN_EXE_newstag")),
            d,
            case.args,
            case.stdin,
        ),
        None => newstag_in(d, case.args, case.stdin),
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(case.rc),
        "exit status; stderr: {stderr}"
    );
    assert!(
        stderr.contains(case.stderr),
        "stderr should contain {:?}: {stderr}",
        case.stderr
    );
    let lines = match case.out {
        Out::Stdout => String::from_utf8(out.stdout.clone()).unwrap(),
        Out::File(name) => fs::read_to_string(d.join(name)).unwrap(),
        Out::Nothing => {
            assert!(
                case.records.is_empty(),
                "a row without output expects no records"
            );
            String::new()
        }
    };
    if !matches!(case.out, Out::Nothing) {
        let found: Vec<(String, String)> = lines
            .lines()
            .map(|l| {
                let r: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
                let kind = r["error"]["kind"].as_str().unwrap_or("").to_string();
                (r["id"].as_str().unwrap().to_string(), kind)
            })
            .collect();
        let expected: Vec<(String, String)> = case
            .records
            .iter()
            .map(|(id, kind)| (id.to_string(), kind.to_string()))
            .collect();
        assert_eq!(found, expected, "records (id, error kind)");
    }
    for (name, content) in case.files {
        assert_eq!(
            fs::read(d.join(name)).unwrap(),
            *content,
            "{name} is unchanged"
        );
    }
    (case.check)(d, &out);
}

fn newstag_in(dir: &Path, args: &[&str], stdin: &[u8]) -> Output {
    run_in(
        &mut Command::new(env!("CARGO_BIN_EXE_newstag")),
        dir,
        args,
        stdin,
    )
}

fn run_in(command: &mut Command, dir: &Path, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = command
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("newstag starts");
    let mut input = child.stdin.take().unwrap();
    // A command that exits without reading its input is not an error here.
    let _ = std::io::Write::write_all(&mut input, stdin);
    drop(input);
    child.wait_with_output().unwrap()
}

/// A run whose output then lost all but its first record, as if killed;
/// `out.jsonl.before` keeps it for [`unchanged`].
fn interrupted_run(dir: &Path, args: &[&str]) {
    let first = newstag_in(dir, args, b"");
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    keep_first_line(dir);
    fs::copy(dir.join("out.jsonl"), dir.join("out.jsonl.before")).unwrap();
}

fn keep_first_line(dir: &Path) {
    let out = fs::read_to_string(dir.join("out.jsonl")).unwrap();
    let first = out.lines().next().unwrap();
    fs::write(dir.join("out.jsonl"), format!("{first}\n")).unwrap();
}

fn unchanged(dir: &Path, name: &str) {
    assert_eq!(
        fs::read(dir.join(name)).unwrap(),
        fs::read(dir.join(format!("{name}.before"))).unwrap(),
        "{name} is untouched"
    );
}

/// The one record's text, from stdout.
fn text_of(out: &Output) -> String {
    let record: Value = serde_json::from_slice(&out.stdout).unwrap();
    record["text"].as_str().unwrap().to_string()
}

fn report(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn symlink(target: &str, link: &Path) {
    std::os::unix::fs::symlink(target, link).unwrap();
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

const CORPUS_DOCS: usize = 1500;

/// JSONL of news-like documents with ids `doc-0..`.
fn corpus() -> String {
    let sentence = "Kim Jong Un met Vladimir Putin in Moscow on Tuesday, the Kremlin said. \
                    Seoul said 12,000 North Korean troops were in Russia's Kursk region.";
    (0..CORPUS_DOCS)
        .map(|i| {
            let text = vec![sentence; 1 + i % 5].join(" ");
            serde_json::json!({"id": format!("doc-{i}"), "text": text}).to_string() + "\n"
        })
        .collect()
}

/// Starts a run over the corpus and sends it `signal` once it has written
/// something (or lets it finish, when it is faster than that).
fn signalled_run(dir: &Path, signal: &str) {
    fs::write(dir.join("in.jsonl"), corpus()).unwrap();
    let out = dir.join("out.jsonl");
    let mut child = Command::new(env!("CARGO_BIN_EXE_newstag"))
        .args([
            "tag",
            "in.jsonl",
            "-o",
            "out.jsonl",
            "--jobs",
            "2",
            "--quiet",
        ])
        .current_dir(dir)
        .spawn()
        .unwrap();
    let started = Instant::now();
    while fs::metadata(&out).map_or(0, |m| m.len()) == 0
        && started.elapsed() < Duration::from_secs(120)
    {
        std::thread::sleep(Duration::from_millis(2));
    }
    let pid = child.id().to_string();
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), &pid])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    if sent.success() && !status.success() {
        let written = fs::read_to_string(&out).unwrap().lines().count();
        assert!(written < CORPUS_DOCS, "stopped midway: {written} records");
    }
}

fn every_corpus_document_once_in_order(dir: &Path, _: &Output) {
    let ids: Vec<String> = fs::read_to_string(dir.join("out.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let r: Value = serde_json::from_str(l).unwrap();
            assert!(r.get("error").is_none(), "{r}");
            r["id"].as_str().unwrap().to_string()
        })
        .collect();
    let expected: Vec<String> = (0..CORPUS_DOCS).map(|i| format!("doc-{i}")).collect();
    assert!(
        ids == expected,
        "{} records, every document once, in order",
        ids.len()
    );
}
