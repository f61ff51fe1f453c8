//! The output contract (README, "Output"; `src/record.rs`) checked against
//! the binary's real output: every line parses into the types below, which
//! reject unknown fields and require the documented ones, so a field added,
//! renamed or dropped without updating the contract fails here.

use std::fs;
use std::process::Command;

use serde::Deserialize;

use newstag::error::InputErrorKind;
use newstag::ner::EntityLabel;
use newstag::resolve::{Kind, Role};
use newstag::Format;

mod common;

/// One output line: a record or an error record.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Line {
    Record(Box<Record>),
    Error(ErrorRecord),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    id: String,
    source: String,
    format: Format,
    text_kind: TextKind,
    text: Option<String>,
    sentences: Vec<SpanOut>,
    entities: Vec<EntityOut>,
    actors: Vec<ReferentOut>,
    places: Vec<ReferentOut>,
    frames: Vec<FrameOut>,
    doc_frames: Vec<DocFrameOut>,
    notes: Option<Vec<String>>,
    engine: EngineOut,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
enum TextKind {
    Original,
    Visible,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpanOut {
    start: usize,
    end: usize,
    source_start: Option<usize>,
    source_end: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntityOut {
    start: usize,
    end: usize,
    source_start: Option<usize>,
    source_end: Option<usize>,
    text: String,
    label: EntityLabel,
    role: Role,
    country: Option<String>,
    score: f32,
    sentence: usize,
    referent: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReferentOut {
    name: String,
    /// A dictionary kind, or `unknown`.
    kind: String,
    country: Option<String>,
    mentions: Vec<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrameOut {
    start: usize,
    end: usize,
    source_start: Option<usize>,
    source_end: Option<usize>,
    sentence: usize,
    label: String,
    score: f32,
    selected: Option<bool>,
    evidence: Vec<EvidenceOut>,
    target: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EvidenceOut {
    kind: EvidenceKind,
    text: String,
    start: Option<usize>,
    end: Option<usize>,
    score: Option<f32>,
    negated_by: Option<String>,
    /// For `training` evidence: `document-id#sentence`.
    document: Option<String>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
enum EvidenceKind {
    Cue,
    Description,
    Example,
    Hypothesis,
    Label,
    Feature,
    Training,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DocFrameOut {
    label: String,
    score: f32,
    max: f32,
    sentences: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EngineOut {
    name: String,
    version: String,
    ner: ComponentOut,
    actors: ComponentOut,
    frames: Option<ComponentOut>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ComponentOut {
    name: String,
    files: Vec<ModelFileOut>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelFileOut {
    path: String,
    bytes: u64,
    sha256: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ErrorRecord {
    id: String,
    source: String,
    error: ErrorInfo,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ErrorInfo {
    kind: InputErrorKind,
    message: String,
}

/// Tags `args` (run in the crate root) and parses every output line.
fn tag(args: &[&str]) -> Vec<Line> {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("out.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_newstag"))
        .arg("tag")
        .args(args)
        .arg("-o")
        .arg(&out_path)
        .arg("--quiet")
        .current_dir(common::repo())
        .output()
        .expect("newstag runs");
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    fs::read_to_string(&out_path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn records_of_every_input_format_match_the_contract() {
    let lines = tag(&["fixtures/seeds", "--all-frame-scores"]);
    let records: Vec<&Record> = lines
        .iter()
        .map(|l| match l {
            Line::Record(r) => r.as_ref(),
            Line::Error(e) => panic!("error record for a seed: {e:?}"),
        })
        .collect();
    assert_eq!(records.len(), 5);
    let mut seen = (false, false, false);
    for r in &records {
        assert!(!r.id.is_empty() && !r.source.is_empty());
        let text = r.text.as_deref().expect("text is written by default");
        let chars = text.chars().count();
        let visible = r.text_kind == TextKind::Visible;
        assert_eq!(visible, matches!(r.format, Format::Markdown | Format::Html));
        for s in &r.sentences {
            assert!(s.start < s.end && s.end <= chars);
            assert_eq!(s.source_start.is_some() && s.source_end.is_some(), visible);
        }
        for e in &r.entities {
            let surface: String = text.chars().skip(e.start).take(e.end - e.start).collect();
            assert_eq!(surface, e.text);
            assert!(e.sentence < r.sentences.len());
            assert_eq!(e.source_start.is_some(), visible);
            assert_eq!(e.source_end.is_some(), visible);
            assert!(EntityLabel::ALL.contains(&e.label));
            if let Some(i) = e.referent {
                let list = match e.role {
                    Role::Actor => &r.actors,
                    Role::Place => &r.places,
                    Role::Other => panic!("a referent for role other: {e:?}"),
                };
                assert!(i < list.len());
            }
            assert!((0.0..=1.0).contains(&e.score), "{e:?}");
            seen.0 |= e.country.is_some();
        }
        for referent in r.actors.iter().chain(&r.places) {
            assert!(
                referent.kind == "unknown" || referent.kind.parse::<Kind>().is_ok(),
                "{referent:?}"
            );
            assert!(!referent.name.is_empty() && !referent.mentions.is_empty());
            assert!(referent.mentions.iter().all(|&m| m < r.entities.len()));
            seen.1 |= referent.country.is_some();
        }
        for f in &r.frames {
            assert!(f.selected.is_some(), "--all-frame-scores writes `selected`");
            assert!(f.start < f.end && f.sentence < r.sentences.len());
            assert_eq!(f.source_start.is_some() && f.source_end.is_some(), visible);
            assert!(f.target.is_none_or(|t| t < r.entities.len()));
            assert!(!f.label.is_empty() && f.score.is_finite());
            for ev in &f.evidence {
                assert!(!ev.text.is_empty());
                // A cue is in the text; a description or example is not.
                if ev.kind == EvidenceKind::Cue {
                    assert!(ev.start.is_some(), "{ev:?}");
                }
                if matches!(ev.kind, EvidenceKind::Description | EvidenceKind::Example) {
                    assert!(ev.start.is_none(), "{ev:?}");
                }
                assert!(ev.end.is_some() == ev.start.is_some());
                assert!(ev.score.is_none_or(f32::is_finite));
                assert!(ev.negated_by.is_none() || ev.kind == EvidenceKind::Cue);
                // A training sentence names where it comes from; nothing else does.
                assert_eq!(
                    ev.document.is_some(),
                    ev.kind == EvidenceKind::Training,
                    "{ev:?}"
                );
            }
            seen.2 = true;
        }
        for d in &r.doc_frames {
            assert!(
                !d.label.is_empty() && d.score <= d.max + 1e-6 && d.sentences <= r.sentences.len()
            );
        }
        assert!(r.notes.as_ref().is_none_or(|n| !n.is_empty()));
        assert_eq!(r.engine.name, "embedded");
        assert_eq!(r.engine.version, env!("CARGO_PKG_VERSION"));
        for c in [&r.engine.ner, &r.engine.actors]
            .into_iter()
            .chain(&r.engine.frames)
        {
            assert!(!c.name.is_empty());
            for f in &c.files {
                assert!(!f.path.is_empty() && f.bytes > 0 && f.sha256.len() == 64);
            }
        }
    }
    assert_eq!(
        seen,
        (true, true, true),
        "countries, referent countries and frames occur"
    );
}

#[test]
fn error_records_and_records_without_text_match_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    fs::write(
        &input,
        "{\"id\":\"a\",\"text\":\"Kim Jong Un met Vladimir Putin in Moscow.\"}\nnot json\n",
    )
    .unwrap();
    let lines = tag(&[input.to_str().unwrap(), "--no-text", "--no-frames"]);
    assert_eq!(lines.len(), 2);
    match &lines[0] {
        Line::Record(r) => {
            assert!(r.text.is_none() && r.frames.is_empty() && r.engine.frames.is_none());
            assert_eq!(
                (r.format, &r.text_kind),
                (Format::Jsonl, &TextKind::Original)
            );
            assert!(r.sentences.iter().all(|s| s.source_start.is_none()));
        }
        Line::Error(e) => panic!("{e:?}"),
    }
    match &lines[1] {
        Line::Error(e) => {
            assert_eq!(e.error.kind, InputErrorKind::InvalidJson);
            assert!(e.source.ends_with(":2") && !e.id.is_empty());
            assert!(!e.error.message.is_empty());
        }
        Line::Record(r) => panic!("a record for a bad line: {r:?}"),
    }
}
