//! Markdown and HTML inputs reduce to their visible text, and every visible
//! word maps back to the same word in the original file.

mod common;

use std::path::PathBuf;

use newstag::document::Origin;
use newstag::ingest::{html, markdown};

/// Checks that each plain word of `visible` (letters and digits only, so not
/// a decoded entity) stands at its mapped offset in the original, and that
/// its end maps to the end of the same word.
fn assert_maps_back(visible: &str, origin: &Origin) {
    let mut checked = 0;
    let mut at = 0;
    for piece in visible.split_inclusive(|c: char| !c.is_alphanumeric()) {
        let word = piece.trim_end_matches(|c: char| !c.is_alphanumeric());
        if !word.is_empty() {
            let start = origin.to_original(at);
            let end = origin.to_original_end(at + word.len());
            let original = &origin.original[start..];
            assert!(
                original.starts_with(word),
                "visible {word:?} at {at} maps to {:?}",
                &original[..original.len().min(30)]
            );
            assert_eq!(
                end - start,
                word.len(),
                "end of {word:?} maps to the end of the same word"
            );
            checked += 1;
        }
        at += piece.len();
    }
    assert!(checked > 0 || visible.trim().is_empty());
}

#[test]
fn markdown_note_reduces_to_visible_text() {
    let raw = "---\ntitle: Use of troops\nvideoId: SB75I6E0HOI\n---\n\nFrom: [[zeihanongeopolitics]] <br/> \n\n\
               ## Deployment and Tactics\n[[north_korean_involvement | North Korean]] troops are used by the \
               [[russian_strategies | Russians]] in Kursk <a class=\"yt-timestamp\" data-t=\"00:00:51\">[00:00:51]</a>.\n\n\
               - **Casualties** are *horrific*\n1. See [the report](https://example.org/a_b) &amp; `code`\n> Quoted ![x](y.png)\n";
    let (text, origin) = markdown::to_visible(raw);
    assert_eq!(
        text,
        "From: zeihanongeopolitics\n\nDeployment and Tactics\nNorth Korean troops are used by the Russians in Kursk \
         [00:00:51].\n\nCasualties are horrific\nSee the report & code\nQuoted\n"
    );
    assert_maps_back(&text, &origin);
    let amp = text.find('&').unwrap();
    assert_eq!(
        &raw[origin.to_original(amp)..][..5],
        "&amp;",
        "a decoded entity maps to its reference"
    );
}

#[test]
fn html_page_reduces_to_visible_text() {
    let raw = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Troops &amp; Kursk</title>\n\
               <style>p { color: red }</style><script>if (a < b) { x = '</p>'; }</script></head>\n\
               <body><!-- nav --><nav><ul><li>Home</li><li>World</li></ul></nav>\n\
               <article><h1>North Korean troops</h1>\n<p>Kim Jong Un&#8217;s soldiers\n    arrived in <b>Kursk</b>,\n\
               officials said.</p><p>Seoul&nbsp;agreed.<br>New line</p>\n<noscript>Enable JS</noscript>\
               <table><tr><td>A</td><td>B</td></tr></table><template><p>hidden</p></template></article></body></html>";
    let (text, origin) = html::to_visible(raw);
    assert_eq!(
        text,
        "Troops & Kursk\n\nHome\nWorld\n\nNorth Korean troops\n\nKim Jong Un’s soldiers arrived in Kursk, \
         officials said.\n\nSeoul agreed.\nNew line\n\nA B"
    );
    assert_maps_back(&text, &origin);
}

#[test]
fn html_without_head_or_body_and_pre() {
    let raw = "Plain <i>text</i> with a < b and 3 > 2.<pre>  keep\n  this</pre>After";
    let (text, origin) = html::to_visible(raw);
    assert_eq!(
        text,
        "Plain text with a < b and 3 > 2.\n\n  keep\n  this\n\nAfter"
    );
    assert_maps_back(&text, &origin);
}

#[test]
fn broken_html_never_panics_or_hangs() {
    let cases = [
        "<p>unclosed <b>bold",
        "text <b",
        "a <!-- never closed <p>hidden</p>",
        "<script>never closed",
        "<a href=\"unterminated>Link</a> after",
        "<<<>>> </ > <3 <!> <? x",
        "<p>é<ü>ñ &#xZZ; &bogus; &#99999999; &",
        "<title>t",
        "<head><p>body text without body tag",
        "</p></div>stray closers",
    ];
    for raw in cases {
        let (text, origin) = html::to_visible(raw);
        for (i, _) in text.char_indices() {
            let o = origin.to_original(i);
            assert!(
                o <= raw.len() && raw.is_char_boundary(o),
                "{raw:?}: offset {i} maps to {o}"
            );
        }
    }
    assert_eq!(html::to_visible("<p>unclosed <b>bold").0, "unclosed bold");
    assert_eq!(html::to_visible("a <!-- never closed <p>hidden</p>").0, "a");
    assert_eq!(
        html::to_visible("<head><p>body text without body tag").0,
        "body text without body tag"
    );
    // Many unmatched `<` (or `[`) are text, kept as written; the scan stays
    // linear, so this finishes at once rather than rescanning each opener.
    let many = "<a x=\"".repeat(2_000);
    assert_eq!(html::to_visible(&many).0, many);
    let many = "[x](".repeat(2_000) + &"[".repeat(2_000);
    assert_eq!(markdown::to_visible(&many).0, many);
}

#[test]
fn spans_ending_in_an_entity_end_after_it() {
    let raw = "<p>He said &ldquo;no.&rdquo;</p><p>&nbsp;Kim&#8217;s&nbsp;&nbsp;men</p>";
    let (text, origin) = html::to_visible(raw);
    assert_eq!(text, "He said “no.”\n\nKim’s men");
    let first = text.find('\n').unwrap();
    assert_eq!(
        &raw[origin.to_original(0)..origin.to_original_end(first)],
        "He said &ldquo;no.&rdquo;"
    );
    let kim = text.find("Kim").unwrap();
    assert_eq!(
        &raw[origin.to_original(kim)..origin.to_original_end(text.len())],
        "Kim&#8217;s&nbsp;&nbsp;men"
    );
    let raw = "Kim &amp; Putin &quot;met&quot;";
    let (text, origin) = markdown::to_visible(raw);
    assert_eq!(text, "Kim & Putin \"met\"");
    assert_eq!(origin.to_original_end(text.len()), raw.len());
    assert_eq!(
        &raw[origin.to_original(4)..origin.to_original_end(5)],
        "&amp;"
    );
}

/// The committed seed article 000 (Markdown).
fn fixture_seed_000() -> PathBuf {
    std::fs::read_dir(common::repo().join("fixtures/seeds"))
        .expect("fixtures/seeds is committed")
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("000_") && n.ends_with(".md"))
        })
        .expect("fixtures/seeds/000_*.md is committed")
}

#[test]
fn seed_000_visible_text_equals_the_gold_text() {
    let gold_path = common::repo().join("fixtures/gold.jsonl");
    let seed = fixture_seed_000();
    let gold = std::fs::read_to_string(&gold_path).unwrap();
    let record = gold
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|r| r["id"] == "seed-000")
        .expect("gold.jsonl has a record with id seed-000");
    let raw = std::fs::read_to_string(&seed).unwrap();
    let (text, origin) = markdown::to_visible(&raw);
    let expected = record["text"].as_str().expect("seed-000 has a text");
    if text != expected {
        let at = text
            .bytes()
            .zip(expected.bytes())
            .position(|(a, b)| a != b)
            .unwrap_or(text.len().min(expected.len()));
        let from = at.saturating_sub(40);
        panic!(
            "visible text differs from gold at byte {at}:\n ours: {:?}\n gold: {:?}",
            &text[from..(at + 40).min(text.len())],
            &expected[from..(at + 40).min(expected.len())]
        );
    }
    assert_maps_back(&text, &origin);
}

#[test]
#[ignore = "needs ../shared: cargo test --release -- --ignored (CI runs it)"]
fn shared_seed_000_maps_back() {
    let seed = std::fs::read_dir(common::shared("seeds"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("000_"))
        .expect("seed 000");
    let raw = std::fs::read_to_string(seed).unwrap();
    let (text, origin) = markdown::to_visible(&raw);
    assert!(
        text.starts_with(
            "From: zeihanongeopolitics\n\nDeployment and Tactics\nNorth Korean troops are being used by the Russians"
        ),
        "{text}"
    );
    assert!(
        !text.contains("[[") && !text.contains("<a") && !text.contains("videoId"),
        "{text}"
    );
    assert!(
        text.contains("Russian territory [00:00:51]. The Russians"),
        "{text}"
    );
    assert_maps_back(&text, &origin);
}

/// Random strings over markup-heavy pieces: no panic, and every visible
/// offset maps to a char boundary of the original, in order.
#[test]
fn random_markup_maps_monotonically() {
    const PIECES: &[&str] = &[
        "<", ">", "/", "!", "-", "[", "]", "(", ")", "|", "`", "*", "_", "~", "&", "#", ";", "x",
        "p", "b", "br", "script", "title", "head", "\"", "'", "=", " ", "\n", "é", "’", "…", ".",
        "U.S.", "\\", "&amp;", "&#x41", "<!--", "-->", "---", "\r", "\u{FEFF}", "http://", "The",
    ];
    // A fixed xorshift sequence, so a failure reproduces.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..3_000 {
        let n = (next() % 40) as usize;
        let raw: String = (0..n)
            .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
            .collect();
        for (text, origin) in [markdown::to_visible(&raw), html::to_visible(&raw)] {
            let mut prev = 0;
            for (i, _) in text.char_indices() {
                let at = origin.to_original(i);
                assert!(
                    at >= prev && raw.is_char_boundary(at),
                    "{raw:?} -> {text:?} at {i}"
                );
                prev = at;
            }
            let end = origin.to_original_end(text.len());
            assert!(
                end >= prev && end <= raw.len() && raw.is_char_boundary(end),
                "{raw:?} -> {text:?}"
            );
        }
    }
}
