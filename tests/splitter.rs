//! The news sentence splitter on tricky cases: a table of inputs and the
//! sentences they must give, plus the invariants on the five seed articles.

mod common;

use newstag::ingest::markdown;
use newstag::sentence::{NewsSplitter, Sentence, SentenceSplitter, MAX_SENTENCE_TOKENS};
use newstag::tokenize::tokenize;

/// `(input, expected sentences)`.
const CASES: &[(&str, &[&str])] = &[
    // Abbreviations inside a sentence.
    (
        "The U.S. sent aid on Dec. 5, Mr. Kim said. Gen. Gerasimov agreed.",
        &["The U.S. sent aid on Dec. 5, Mr. Kim said.", "Gen. Gerasimov agreed."],
    ),
    ("He lives at No. 5 Downing St. in London.", &["He lives at No. 5 Downing St. in London."]),
    ("Talks end at 5 p.m. Tuesday, e.g. in Geneva.", &["Talks end at 5 p.m. Tuesday, e.g. in Geneva."]),
    // Initials.
    ("J. R. R. Tolkien wrote it. Kim J. Un did not.", &["J. R. R. Tolkien wrote it.", "Kim J. Un did not."]),
    // Decimal and thousands separators.
    (
        "Growth was 3.5 per cent. About 12,000 troops arrived. 1,000 more came.",
        &["Growth was 3.5 per cent.", "About 12,000 troops arrived.", "1,000 more came."],
    ),
    // Quotes and brackets after the full stop.
    ("He said \"no.\" Then he left.", &["He said \"no.\"", "Then he left."]),
    ("He said “no.” Then he left.", &["He said “no.”", "Then he left."]),
    ("The war goes on. (See below.) Kyiv disagrees.", &["The war goes on.", "(See below.)", "Kyiv disagrees."]),
    ("\"Stop!\" he shouted. \"Why?\", she asked.", &["\"Stop!\" he shouted.", "\"Why?\", she asked."]),
    ("He left. \"Nobody came,\" she said.", &["He left.", "\"Nobody came,\" she said."]),
    ("It ended (as expected). Then talks began.", &["It ended (as expected).", "Then talks began."]),
    // Ellipses.
    ("The troops were… exhausted, officials said.", &["The troops were… exhausted, officials said."]),
    ("They waited... and waited. Nothing came.", &["They waited... and waited.", "Nothing came."]),
    ("It was over... The next day began.", &["It was over...", "The next day began."]),
    // Question and exclamation marks.
    ("Will Pyongyang send more? Seoul thinks so! Really?!", &["Will Pyongyang send more?", "Seoul thinks so!", "Really?!"]),
    // Headlines without a full stop, blank-line paragraphs.
    (
        "Grim orders\nMoscow has been secretive about it.\n\nNorth Korea’s benefits\nThe deal pays.",
        &["Grim orders", "Moscow has been secretive about it.", "North Korea’s benefits", "The deal pays."],
    ),
    ("First paragraph without a stop\n\nsecond paragraph", &["First paragraph without a stop", "second paragraph"]),
    // List items: each line its own sentence.
    (
        "Sources:\n- Ukraine says troops suffer losses\n- Did North Korea volunteer?\n1. First item\n2. Second item",
        &["Sources:", "- Ukraine says troops suffer losses", "- Did North Korea volunteer?", "1. First item", "2. Second item"],
    ),
    // Hard-wrapped prose goes on across a line break in lowercase.
    (
        "North Korean soldiers have received instructions to\nstand in a field. Others remain.",
        &["North Korean soldiers have received instructions to\nstand in a field.", "Others remain."],
    ),
    // A sentence-final abbreviation before a sentence starter ends the sentence.
    (
        "The aid came from the U.S. The troops, however, came from Pyongyang Inc. In total 12,000.",
        &["The aid came from the U.S.", "The troops, however, came from Pyongyang Inc.", "In total 12,000."],
    ),
    ("Officials in the U.S. Congress agreed.", &["Officials in the U.S. Congress agreed."]),
    ("Mr. The is a rare name.", &["Mr. The is a rare name."]),
    // Numbers at sentence start.
    ("It ended in 2023. 2024 was worse.", &["It ended in 2023.", "2024 was worse."]),
    // No space after a full stop.
    ("He left.Then she came.", &["He left.", "Then she came."]),
    // Lowercase after a full stop does not end the sentence.
    ("It costs approx. ten dollars.", &["It costs approx. ten dollars."]),
    // CoNLL-style text with spaced punctuation.
    (
        "Germany 's Kohl said on Monday . \" We will not yield . \" The talks ended .",
        &["Germany 's Kohl said on Monday .", "\" We will not yield . \"", "The talks ended ."],
    ),
    // Seed 000 after Markdown reduction: timestamps before the full stop.
    (
        "Russian territory [00:00:51]. The Russians are employing \"human wave tactics\" <no> soldiers [00:00:56].",
        &["Russian territory [00:00:51].", "The Russians are employing \"human wave tactics\" <no> soldiers [00:00:56]."],
    ),
    // Seed 004: closing quote and comma after a question.
    (
        "Does the North Korean deployment show Putin’s “desperation,” as has been claimed? In fact, the Kremlin ruler is demonstrating his capabilities here.",
        &[
            "Does the North Korean deployment show Putin’s “desperation,” as has been claimed?",
            "In fact, the Kremlin ruler is demonstrating his capabilities here.",
        ],
    ),
    // Seed 002: a headline line followed by a heading line and prose.
    (
        "Understanding the Strategic Motivations\nPyongyang’s Military Objectives\nNorth Korea’s decision to send more troops to Russia can be understood through several strategic lenses.",
        &[
            "Understanding the Strategic Motivations",
            "Pyongyang’s Military Objectives",
            "North Korea’s decision to send more troops to Russia can be understood through several strategic lenses.",
        ],
    ),
    // Seed 001: bold lead sentence reduced from Markdown, and a URL.
    (
        "- Ukraine: How the war shifted in 2024: https://www.foxnews.com/world/ukraine-how-war-shifted-2024\nThe capture of a soldier.",
        &["- Ukraine: How the war shifted in 2024: https://www.foxnews.com/world/ukraine-how-war-shifted-2024", "The capture of a soldier."],
    ),
    ("Only whitespace follows.   \n\n  ", &["Only whitespace follows."]),
];

fn split(text: &str) -> (Vec<Sentence>, usize) {
    let tokens = tokenize(text);
    (NewsSplitter.split(text, &tokens), tokens.len())
}

/// Every token in exactly one sentence, in order; spans tight around tokens.
fn assert_covers(text: &str, sentences: &[Sentence], n_tokens: usize) {
    let mut next = 0;
    for s in sentences {
        assert_eq!(s.tokens.start, next, "sentences cover tokens in order");
        assert!(s.tokens.end > s.tokens.start, "no empty sentence");
        let slice = s.span.slice(text);
        assert_eq!(
            slice.trim(),
            slice,
            "sentence {slice:?} starts or ends on whitespace"
        );
        next = s.tokens.end;
    }
    assert_eq!(next, n_tokens, "every token is in a sentence");
}

#[test]
fn tricky_cases() {
    let mut failures = Vec::new();
    for (input, expected) in CASES {
        let (sentences, n) = split(input);
        assert_covers(input, &sentences, n);
        let got: Vec<&str> = sentences.iter().map(|s| s.span.slice(input)).collect();
        if got != *expected {
            failures.push(format!(
                "input:    {input:?}\nexpected: {expected:#?}\ngot:      {got:#?}"
            ));
        }
    }
    assert!(CASES.len() >= 25);
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n\n")
    );
}

#[test]
fn long_runs_without_punctuation_are_capped() {
    let text =
        "troops ".repeat(5_000) + "arrived. Then more. " + &"Word ".repeat(MAX_SENTENCE_TOKENS + 5);
    let (sentences, n) = split(&text);
    assert_covers(&text, &sentences, n);
    let lens: Vec<usize> = sentences.iter().map(|s| s.tokens.len()).collect();
    // 5,000 words and a full stop are one sentence; a run past the cap is cut.
    assert_eq!(lens, [5_002, 3, MAX_SENTENCE_TOKENS, 5]);
}

#[test]
fn empty_and_punctuation_only_inputs() {
    for text in [
        "",
        "   ",
        "...",
        "?!?",
        "\"\"\"\"\"\"\"\"\"\"\"\"",
        "\n\n\n.\n\n",
    ] {
        let (sentences, n) = split(text);
        assert_covers(text, &sentences, n);
    }
}

/// The seed articles, split; printed with `--nocapture` for a read-through.
#[test]
#[ignore = "needs ../shared: cargo test --release -- --ignored (CI runs it)"]
fn seeds_split_sanely() {
    let dir = common::shared("seeds");
    let entries = std::fs::read_dir(&dir).expect("../shared/seeds is readable");
    let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    assert_eq!(paths.len(), 5, "five seed articles");
    for path in paths {
        let raw = std::fs::read_to_string(&path).unwrap();
        // Seed 000 is a Markdown note saved as .txt.
        let text = if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("000_")
        {
            markdown::to_visible(&raw).0
        } else {
            raw
        };
        let (sentences, n) = split(&text);
        assert_covers(&text, &sentences, n);
        println!("== {}: {} sentences", path.display(), sentences.len());
        for s in &sentences {
            let slice = s.span.slice(&text);
            println!("  | {slice}");
            // No sentence is cut after an abbreviation or inside a number.
            for bad in ["Mr.", "Dr.", "Gen."] {
                assert!(!slice.ends_with(bad), "{slice:?}");
            }
            let first = slice.chars().next().unwrap();
            assert!(
                !first.is_lowercase(),
                "a seed sentence starts in lowercase: {slice:?}"
            );
        }
    }
}
