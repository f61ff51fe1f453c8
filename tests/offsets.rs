//! The offset contract of the output record: every span is a code point range
//! into the record's `text`, and for markup inputs `source_start`/`source_end`
//! point into the original file.

use newstag::document::Format;
use newstag::ingest;
use newstag::{Pipeline, PipelineConfig};
use serde_json::Value;

fn slice(text: &str, start: usize, end: usize) -> String {
    text.chars().skip(start).take(end - start).collect()
}

fn bounds(span: &Value) -> (usize, usize) {
    (
        span["start"].as_u64().unwrap() as usize,
        span["end"].as_u64().unwrap() as usize,
    )
}

fn record(format: Format, raw: &str) -> Value {
    let pipeline = Pipeline::new(&PipelineConfig::default()).expect("default pipeline loads");
    let doc =
        ingest::document("d".into(), "test".into(), format, raw.to_string()).expect("document");
    serde_json::from_str(&pipeline.process(&doc).into_string().expect("record line"))
        .expect("record is JSON")
}

fn spans(record: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    for key in ["sentences", "entities", "frames"] {
        out.extend(record[key].as_array().expect("array"));
    }
    out
}

const TEXT: &str =
    "Ukraine’s President Volodymyr Zelensky said on Monday that 12,000 North Korean \
troops had arrived in Russia’s Kursk region. « Pyongyang confirmed it », the Korean Central News \
Agency reported — and Seoul’s NIS agreed. Kim Jong Un 😀 met Sergei Shoigu in Pyongyang.";

#[test]
fn spans_slice_to_their_text() {
    let rec = record(Format::Text, TEXT);
    let text = rec["text"].as_str().unwrap();
    assert_eq!(text, TEXT);
    assert_eq!(rec["text_kind"], "original");
    let entities = rec["entities"].as_array().unwrap();
    assert!(!entities.is_empty(), "the text names several entities");
    for e in entities {
        let (s, t) = bounds(e);
        assert_eq!(slice(text, s, t), e["text"].as_str().unwrap(), "entity {e}");
    }
    for span in spans(&rec) {
        let (s, t) = bounds(span);
        assert!(s < t && t <= text.chars().count(), "span {span}");
        let covered = slice(text, s, t);
        assert_eq!(
            covered.trim(),
            covered,
            "spans never start or end on whitespace: {span}"
        );
        assert!(
            span.get("source_start").is_none(),
            "plain text has no source offsets"
        );
    }
    let sentences = rec["sentences"].as_array().unwrap();
    assert!(sentences.len() >= 3, "{sentences:?}");
    for pair in sentences.windows(2) {
        assert!(
            bounds(&pair[0]).1 <= bounds(&pair[1]).0,
            "sentences in order, not overlapping"
        );
    }
}

#[test]
fn markup_spans_point_into_the_original() {
    let raw = "---\ntitle: x\n---\n\n## Deployment\n[[north_korea | North Korean]] troops are in \
               **Kursk** <a data-t=\"00:00:51\">[00:00:51]</a>. Seoul’s NIS said so.\n";
    let rec = record(Format::Markdown, raw);
    assert_eq!(rec["text_kind"], "visible");
    let text = rec["text"].as_str().unwrap();
    for span in spans(&rec) {
        let (s, t) = bounds(span);
        let os = span["source_start"]
            .as_u64()
            .expect("markup spans carry source offsets") as usize;
        let ot = span["source_end"].as_u64().unwrap() as usize;
        assert!(os <= ot && ot <= raw.chars().count(), "{span}");
        if span.get("label").is_some() {
            // The entity's first visible word stands at its place in the original.
            let visible = slice(text, s, t);
            let original = slice(raw, os, ot);
            let first = visible.split_whitespace().next().unwrap();
            assert!(original.contains(first), "{visible:?} vs {original:?}");
        }
    }
}
