//! Large documents are annotated in windows of whole sentences and their
//! records written as they go. Windowing must not change a record beyond
//! what its note says, and must cover every sentence once.

use std::sync::OnceLock;

use newstag::document::Document;
use newstag::{Pipeline, PipelineConfig};
use serde_json::Value;

/// The default pipeline but for framing by `static`, whose context is the
/// sentence alone: the learned default also reads the neighbouring
/// sentences, which a window boundary cuts (the record's note says so).
fn pipeline() -> &'static Pipeline {
    static PIPELINE: OnceLock<Pipeline> = OnceLock::new();
    PIPELINE.get_or_init(|| {
        let mut config = PipelineConfig::default();
        config.transformer.frame_method = Some(newstag::frames::FrameMethod::Static);
        Pipeline::new(&config).expect("default pipeline loads")
    })
}

fn record(doc: &Document, window: usize) -> Value {
    let line = pipeline().process_windows(doc, window);
    assert!(!line.is_error(), "document failed");
    serde_json::from_str(&line.into_string().expect("line reads back")).expect("record is JSON")
}

/// Sentences whose entities need no context from other sentences (full
/// names, states), with non-ASCII text so that code point offsets differ
/// from bytes.
const PARAGRAPH: &str = "North Korea sent 12,000 troops to Russia’s Kursk region, Ukraine’s \
intelligence agency said on Monday. The deployment shows how desperate the Kremlin has become « after \
heavy losses ». Vladimir Putin met Kim Jong Un in Pyongyang. Seoul warned that the U.S. and Japan would \
respond.\n\n";

fn repeated(times: usize) -> Document {
    Document::plain("w", "test", PARAGRAPH.repeat(times))
}

#[test]
fn windows_change_nothing_but_the_note_when_context_is_local() {
    let doc = repeated(30);
    let whole = record(&doc, usize::MAX);
    let windowed = record(&doc, 1500);
    let notes = windowed["notes"]
        .as_array()
        .expect("windowed record has notes");
    assert!(
        notes
            .iter()
            .any(|n| n.as_str().unwrap().starts_with("annotated in ")),
        "{notes:?}"
    );
    assert!(whole
        .get("notes")
        .is_none_or(|n| !n.to_string().contains("windows")));
    for field in [
        "text",
        "sentences",
        "entities",
        "actors",
        "places",
        "frames",
        "doc_frames",
    ] {
        assert_eq!(windowed[field], whole[field], "field {field} differs");
    }
    // The merge really happened: one referent per state, with every mention.
    let actors = whole["actors"].as_array().unwrap();
    let north_korea = actors
        .iter()
        .find(|a| a["name"] == "North Korea")
        .expect("North Korea is an actor");
    assert!(north_korea["mentions"].as_array().unwrap().len() >= 30);
}

#[test]
fn every_sentence_is_covered_once_whatever_the_window() {
    // A run of 3,000 words without punctuation is longer than the windows.
    let text = format!(
        "{}{}. {}",
        PARAGRAPH.repeat(3),
        "word ".repeat(3000),
        PARAGRAPH
    );
    let doc = Document::plain("w", "test", text.as_str());
    let chars: Vec<char> = text.chars().collect();
    for window in [64, 333, 1000, 4096] {
        let rec = record(&doc, window);
        let sentences = rec["sentences"].as_array().unwrap();
        let mut covered = vec![false; chars.len()];
        let mut last_end = 0;
        for s in sentences {
            let (start, end) = (
                s["start"].as_u64().unwrap() as usize,
                s["end"].as_u64().unwrap() as usize,
            );
            assert!(
                start >= last_end && start < end,
                "window {window}: sentence {start}..{end} after {last_end}"
            );
            covered[start..end].fill(true);
            last_end = end;
        }
        let missed: String = chars
            .iter()
            .zip(&covered)
            .filter(|(c, &cov)| !cov && !c.is_whitespace())
            .map(|(c, _)| *c)
            .collect();
        assert!(
            missed.is_empty(),
            "window {window}: text outside every sentence: {missed:?}"
        );
        // Indices count from the document, not the window.
        for e in rec["entities"].as_array().unwrap() {
            let s = &sentences[e["sentence"].as_u64().unwrap() as usize];
            assert!(
                s["start"].as_u64() <= e["start"].as_u64()
                    && e["end"].as_u64() <= s["end"].as_u64()
            );
        }
        let entities = rec["entities"].as_array().unwrap().len() as u64;
        for r in rec["actors"]
            .as_array()
            .unwrap()
            .iter()
            .chain(rec["places"].as_array().unwrap())
        {
            assert!(r["mentions"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m.as_u64().unwrap() < entities));
        }
    }
}

#[test]
fn a_record_larger_than_memory_allows_goes_through_a_file_whole() {
    let doc = repeated(2000);
    let line = pipeline().process(&doc);
    assert!(line.len() > newstag::spool::SPOOL_MEMORY as u64);
    assert!(
        line.in_memory().is_none(),
        "a record this size is spooled to a temporary file"
    );
    let text = line.into_string().unwrap();
    assert!(text.ends_with("}\n") && text.matches('\n').count() == 1);
    let rec: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(rec["text"].as_str().unwrap(), doc.text);
    assert_eq!(rec["sentences"].as_array().unwrap().len(), 2000 * 4);
}
