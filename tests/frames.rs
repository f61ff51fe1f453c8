//! Frame sets as data, the embedded frame classifier and its evidence and
//! targets, through the library's public API.

mod common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use newstag::document::TokenizedText;
use newstag::frames::embedded::StaticFramer;
use newstag::frames::negation::{Negation, NEGATION_FILE};
use newstag::frames::vectors::{StaticEmbeddings, STATIC_MODEL_DIR};
use newstag::frames::{EvidenceKind, Frame, FrameClassifier, FrameMethod, FrameSet, DEFAULT_SET};
use newstag::ner::{EntityLabel, Mention};
use newstag::resolve::{Entity, Role};
use newstag::text::Span;
use newstag::{Error, FrameChoice, Pipeline, PipelineConfig};

fn models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models")
}

fn shipped_set() -> FrameSet {
    FrameSet::load(&models().join(DEFAULT_SET)).expect("the shipped frame set loads")
}

/// The shipped static embeddings (committed in `models/static-minilm`),
/// loaded once for all tests.
fn vectors() -> Arc<StaticEmbeddings> {
    static VECTORS: OnceLock<Arc<StaticEmbeddings>> = OnceLock::new();
    VECTORS
        .get_or_init(|| {
            Arc::new(
                StaticEmbeddings::load(&models().join(STATIC_MODEL_DIR))
                    .expect("the committed static embeddings load"),
            )
        })
        .clone()
}

/// Classifies `text` with `framer`; `actors` are (start, end) byte ranges
/// to treat as actor entities.
fn classify(framer: &dyn FrameClassifier, text: &str, actors: &[(usize, usize)]) -> Vec<Frame> {
    let tokenized = TokenizedText::new(text);
    let doc = tokenized.view();
    let entities: Vec<Entity> = actors
        .iter()
        .map(|&(start, end)| {
            let first = doc
                .tokens
                .iter()
                .position(|t| t.start == start)
                .expect("actor starts on a token");
            let last = doc
                .tokens
                .iter()
                .position(|t| t.end == end)
                .expect("actor ends on a token");
            Entity {
                mention: Mention {
                    span: Span::new(start, end),
                    tokens: first..last + 1,
                    label: EntityLabel::Loc,
                    score: 1.0,
                },
                role: Role::Actor,
                country: None,
                sentence: doc.sentence_of(first),
                referent: None,
            }
        })
        .collect();
    framer
        .classify(&doc, &entities, &mut Vec::new())
        .expect("classification succeeds")
}

fn selected(frames: &[Frame]) -> Vec<&str> {
    frames
        .iter()
        .filter(|f| f.selected)
        .map(|f| f.label.as_str())
        .collect()
}

#[test]
fn shipped_set_defines_both_labels_with_everything() {
    let set = shipped_set();
    assert_eq!(
        set.label_names().collect::<Vec<_>>(),
        ["desperation", "capability"]
    );
    for def in &set.labels {
        assert!(def.description.is_some(), "{} has a description", def.name);
        assert!(
            !def.hypotheses.is_empty() && !def.examples.is_empty() && !def.cues.is_empty(),
            "{}",
            def.name
        );
    }
    assert!(!set.neutral.is_empty());
}

#[test]
fn frame_set_round_trips_through_toml_and_json_files() {
    let set = shipped_set();
    let dir = tempfile::tempdir().unwrap();
    let toml_path = dir.path().join("set.toml");
    std::fs::write(&toml_path, set.to_toml().unwrap()).unwrap();
    assert_eq!(FrameSet::load(&toml_path).unwrap(), set);
    let json_path = dir.path().join("set.json");
    std::fs::write(&json_path, set.to_json()).unwrap();
    assert_eq!(FrameSet::load(&json_path).unwrap(), set);
    // Thresholds are keyed by method and written in the order of the
    // methods' names, as they were when keyed by the names themselves.
    let text = set.to_json();
    let at = |name: &str| text.find(&format!("\"{name}\": 0.")).unwrap();
    assert!(
        at("cues") < at("embedding")
            && at("embedding") < at("static")
            && at("static") < at("vectors")
    );
}

#[test]
fn bad_frame_files_name_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "name = \"x\"\n\n[[label]]\nname = \"a\"\nthreshold = 2.0\n",
    )
    .unwrap();
    let msg = FrameSet::load(&path).unwrap_err().to_string();
    assert!(
        msg.contains("bad.toml:5:")
            && msg.contains("label[0].threshold")
            && msg.contains("outside"),
        "{msg}"
    );

    std::fs::write(
        &path,
        "name = \"x\"\n[[label]]\ndescription = \"no name\"\n",
    )
    .unwrap();
    let msg = FrameSet::load(&path).unwrap_err().to_string();
    assert!(
        msg.contains("bad.toml") && msg.contains("label[0]") && msg.contains("name"),
        "{msg}"
    );

    let path = dir.path().join("bad.json");
    std::fs::write(
        &path,
        "{\"name\": \"x\",\n \"label\": [{\"name\": \"a\", \"cues\": \"not a list\"}]}",
    )
    .unwrap();
    let msg = FrameSet::load(&path).unwrap_err().to_string();
    assert!(
        msg.contains("bad.json:2:") && msg.contains("label[0].cues"),
        "{msg}"
    );

    std::fs::write(
        &path,
        "{\"name\": \"x\", \"label\": [{\"name\": \"a\"}, {\"name\": \"a\"}]}",
    )
    .unwrap();
    let msg = FrameSet::load(&path).unwrap_err().to_string();
    assert!(
        msg.contains("bad.json") && msg.contains("label[1].name") && msg.contains("twice"),
        "{msg}"
    );

    std::fs::write(
        &path,
        "{\"name\": \"x\",\n \"label\": [{\"name\": \"a\", \"thresholds\": {\"statik\": 0.3}}]}",
    )
    .unwrap();
    let msg = FrameSet::load(&path).unwrap_err().to_string();
    assert!(
        msg.contains("bad.json:2:")
            && msg.contains("label[0].thresholds.statik")
            && msg.contains("unknown frame method"),
        "{msg}"
    );

    let path = dir.path().join("set.yaml");
    std::fs::write(&path, "name: x").unwrap();
    assert!(
        matches!(FrameSet::load(&path), Err(Error::FrameSet { set, .. }) if set.contains("set.yaml"))
    );
}

#[test]
fn thresholds_fall_back_from_label_and_method_to_set() {
    let text = "threshold = 0.4\nthresholds = { nli = 0.8 }\n\
                [[label]]\nname = \"a\"\nthresholds = { static = 0.3 }\n\
                [[label]]\nname = \"b\"\nthreshold = 0.6\n\
                [[label]]\nname = \"c\"\n";
    let set = FrameSet::parse_toml(text, Path::new("t.toml")).unwrap();
    assert_eq!(set.threshold_for(0, FrameMethod::Static), 0.3);
    assert_eq!(set.threshold_for(0, FrameMethod::Nli), 0.8);
    assert_eq!(set.threshold_for(1, FrameMethod::Nli), 0.6);
    assert_eq!(set.threshold_for(2, FrameMethod::Cues), 0.4);
    assert_eq!(set.threshold_for(2, FrameMethod::Nli), 0.8);
    assert!(FrameSet::parse_toml(
        "thresholds = { magic = 0.1 }\n[[label]]\nname = \"a\"\n",
        Path::new("t.toml")
    )
    .unwrap_err()
    .to_string()
    .contains("unknown frame method"));
}

#[test]
fn keyword_baseline_finds_cues_with_spans_inside_their_sentence() {
    let framer = StaticFramer::new(shipped_set(), FrameMethod::Cues, None).unwrap();
    let text = "Russia is so short of men that it has to rely on foreign troops. \
                The North Korean troops showed remarkable discipline and adapted quickly on the battlefield.";
    let frames = classify(&framer, text, &[]);
    assert_eq!(frames.len(), 4, "two labels scored on two sentences");
    for frame in &frames {
        for ev in frame
            .evidence
            .iter()
            .filter(|e| e.kind == EvidenceKind::Cue)
        {
            let span = ev.span.expect("cue evidence has a span");
            assert!(
                frame.span.contains(&span),
                "{span:?} inside {:?}",
                frame.span
            );
            assert!(!span.slice(text).trim().is_empty());
        }
    }
    let cues: Vec<&str> = frames[0]
        .evidence
        .iter()
        .map(|e| e.span.unwrap().slice(text))
        .collect();
    assert!(cues.contains(&"short of"), "{cues:?}");
    assert!(cues.iter().any(|c| c.ends_with("rely on")), "{cues:?}");
    let cues: Vec<&str> = frames[3]
        .evidence
        .iter()
        .map(|e| e.span.unwrap().slice(text))
        .collect();
    assert!(
        cues.contains(&"discipline") && cues.contains(&"adapted"),
        "inflected cue matched: {cues:?}"
    );
}

#[test]
fn target_is_the_actor_nearest_before_the_cue() {
    let framer = StaticFramer::new(shipped_set(), FrameMethod::Cues, None).unwrap();
    let text = "Ukraine says Russia's need for reinforcements is growing. The talks ended.";
    let ukraine = (0, 7);
    let russia = (13, 19);
    let frames = classify(&framer, text, &[ukraine, russia]);
    let desperation = &frames[0];
    assert_eq!(desperation.label, "desperation");
    assert!(desperation.selected);
    assert_eq!(
        desperation.target,
        Some(1),
        "Russia, the possessor before the cue"
    );
    assert_eq!(frames[2].target, None, "the second sentence names no actor");
}

#[test]
fn target_prefers_whom_the_cue_is_about_then_the_first_actor() {
    let framer = StaticFramer::new(shipped_set(), FrameMethod::Cues, None).unwrap();
    let text = "Ukrainian forces inflicted heavy casualties on the North Korean soldiers. \
                Kyiv and Seoul watched as Pyongyang showed discipline.";
    let ukrainian = (0, 9);
    let north_korean = (51, 63);
    let kyiv = (74, 78);
    let seoul = (83, 88);
    let pyongyang = (100, 109);
    for (start, end) in [ukrainian, north_korean, kyiv, seoul, pyongyang] {
        assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
    }
    let frames = classify(
        &framer,
        text,
        &[ukrainian, north_korean, kyiv, seoul, pyongyang],
    );
    assert!(frames[0].selected && frames[0].label == "desperation");
    assert_eq!(
        frames[0].target,
        Some(1),
        "the actor after \"casualties on\""
    );
    assert!(frames[3].selected && frames[3].label == "capability");
    assert_eq!(
        frames[3].target,
        Some(4),
        "the actor nearest before \"discipline\""
    );
    assert_eq!(
        frames[2].target,
        Some(2),
        "no cue: the first actor of the sentence"
    );
}

#[test]
fn clear_sentences_get_their_frame_and_neutral_ones_none() {
    let vectors = vectors();
    for method in [FrameMethod::Static, FrameMethod::Cues] {
        let framer = StaticFramer::new(shipped_set(), method, Some(Arc::clone(&vectors))).unwrap();
        let cases = [
            ("Russia is so short of men that it has to rely on foreign troops.", vec!["desperation"]),
            (
                "The North Korean troops showed remarkable discipline and adapted quickly on the battlefield.",
                vec!["capability"],
            ),
            ("The meeting took place on Tuesday in Geneva.", vec![]),
        ];
        for (text, expected) in cases {
            assert_eq!(
                selected(&classify(&framer, text, &[])),
                expected,
                "{method}: {text}"
            );
        }
    }
}

#[test]
fn static_method_gives_vector_evidence_from_the_definitions() {
    let vectors = vectors();
    let framer = StaticFramer::new(shipped_set(), FrameMethod::Static, Some(vectors)).unwrap();
    let frames = classify(
        &framer,
        "The army is running out of soldiers and must bring in foreign fighters.",
        &[],
    );
    let nearest = frames[0]
        .evidence
        .iter()
        .find(|e| e.kind != EvidenceKind::Cue)
        .expect("nearest definition text");
    assert!(nearest.span.is_none() && nearest.score.is_some_and(|s| s > 0.0 && s <= 1.0));
    assert!(
        frames[0].score > frames[1].score,
        "closer to desperation than to capability: {frames:?}"
    );
}

#[test]
fn ad_hoc_labels_work_without_descriptions() {
    let set = FrameSet::from_labels(&["economy", "humanitarian crisis"]);
    let config = PipelineConfig {
        frames: FrameChoice::Set(set),
        ..PipelineConfig::default()
    };
    let pipeline = Pipeline::new(&config).expect("pipeline with ad-hoc labels");
    let ann = pipeline
        .annotate("The economy shrank again this year. Aid groups warn of a humanitarian crisis in the city. It rained.")
        .unwrap();
    assert_eq!(ann.frames.len(), 6);
    let picked: Vec<(usize, &str)> = ann
        .frames
        .iter()
        .filter(|f| f.selected)
        .map(|f| (f.sentence, f.label.as_str()))
        .collect();
    assert_eq!(picked, [(0, "economy"), (1, "humanitarian crisis")]);
    let doc = ann
        .doc_frames()
        .into_iter()
        .find(|d| d.label == "economy")
        .unwrap();
    assert_eq!(doc.sentences, 1);
    assert!(doc.max >= doc.score && doc.score > 0.0);
}

#[test]
fn every_baseline_selects_everything() {
    let framer =
        StaticFramer::new(FrameSet::from_labels(&["x"]), FrameMethod::Every, None).unwrap();
    let frames = classify(&framer, "One. Two.", &[]);
    assert_eq!(selected(&frames), ["x", "x"]);
}

fn shipped_negation() -> Negation {
    Negation::load(&models().join(NEGATION_FILE)).expect("the shipped negation lists load")
}

/// The keyword baseline with the shipped negation lists: its scores are
/// the cue evidence alone.
fn negation_aware_cues() -> StaticFramer {
    StaticFramer::new(shipped_set(), FrameMethod::Cues, None)
        .unwrap()
        .with_negation(shipped_negation())
}

/// The cue and label-word evidence of `label` in the first sentence of
/// `text`, as (the words in the text, the negator if any).
fn cues_of(text: &str, label: &str) -> Vec<(String, Option<String>)> {
    let frames = classify(&negation_aware_cues(), text, &[]);
    let frame = frames
        .iter()
        .find(|f| f.sentence == 0 && f.label == label)
        .expect("label scored");
    frame
        .evidence
        .iter()
        .filter(|e| matches!(e.kind, EvidenceKind::Cue | EvidenceKind::Label))
        .map(|e| {
            (
                e.span.unwrap().slice(text).to_string(),
                e.negated_by.clone(),
            )
        })
        .collect()
}

fn cue(words: &str, negator: Option<&str>) -> (String, Option<String>) {
    (words.to_string(), negator.map(str::to_string))
}

#[test]
fn a_negated_cue_is_listed_but_counts_for_nothing() {
    let framer = negation_aware_cues();
    let negated = classify(&framer, "Russia faces no shortage of troops.", &[]);
    let plain = classify(&framer, "Russia faces a shortage of troops.", &[]);
    assert_eq!(selected(&plain), ["desperation"]);
    assert_eq!(selected(&negated), Vec::<&str>::new(), "{negated:?}");
    assert_eq!(negated[0].score, 0.0);
    let ev = &negated[0].evidence[0];
    assert_eq!(
        (ev.text.as_str(), ev.negated_by.as_deref(), ev.score),
        ("shortage", Some("no"), Some(0.0))
    );
    assert_eq!(plain[0].evidence[0].negated_by, None);
    // Without the negation lists the old behaviour stays: the cue counts.
    let blind = StaticFramer::new(shipped_set(), FrameMethod::Cues, None).unwrap();
    assert_eq!(
        selected(&classify(
            &blind,
            "Russia faces no shortage of troops.",
            &[]
        )),
        ["desperation"]
    );
}

#[test]
fn negators_reach_a_few_words_ahead_within_their_clause() {
    let text = "The deployment is not a sign of desperation.";
    assert_eq!(
        cues_of(text, "desperation"),
        [cue("desperation", Some("not"))]
    );
    let text = "The army didn't suffer heavy losses.";
    assert_eq!(
        cues_of(text, "desperation"),
        [cue("suffer", Some("n't")), cue("heavy losses", Some("n't"))]
    );
    let text = "Moscow denied that its forces were exhausted.";
    assert_eq!(
        cues_of(text, "desperation"),
        [cue("exhausted", Some("denied"))]
    );
    let text = "Reports of heavy losses were denied by the ministry.";
    assert_eq!(
        cues_of(text, "desperation"),
        [cue("heavy losses", Some("were denied"))]
    );
    // "killed" is the sixth word after "not": out of reach.
    let text = "Moscow has not disclosed how many soldiers were killed.";
    assert_eq!(cues_of(text, "desperation"), [cue("killed", None)]);
}

#[test]
fn a_negator_in_another_clause_or_far_away_does_not_block() {
    let text = "There is no shortage of shells, but the losses are heavy.";
    assert_eq!(
        cues_of(text, "desperation"),
        [cue("shortage", Some("no")), cue("losses", None)]
    );
    let text = "Kyiv did not comment and said the troops suffered heavy losses.";
    assert_eq!(
        cues_of(text, "desperation"),
        [cue("suffered", None), cue("heavy losses", None)]
    );
    let text = "There was no comment from the ministry on reports of heavy losses.";
    assert_eq!(cues_of(text, "desperation"), [cue("heavy losses", None)]);
    let framer = negation_aware_cues();
    let frames = classify(
        &framer,
        "Russia has no reserves. Its troops face a shortage of shells.",
        &[],
    );
    assert!(
        frames[2].selected && frames[2].label == "desperation",
        "next sentence unaffected: {frames:?}"
    );
}

#[test]
fn pseudo_negators_and_negative_cues_keep_their_evidence() {
    let text = "The troops are not only disciplined but also skilled.";
    assert_eq!(
        cues_of(text, "capability"),
        [cue("disciplined", None), cue("skilled", None)]
    );
    // The negator is the cue's own word: "no choice", "without foreign".
    assert_eq!(
        cues_of("Moscow had no choice.", "desperation"),
        [cue("no choice", None)]
    );
    let text = "Russia could not have done it without foreign help.";
    assert_eq!(cues_of(text, "desperation"), [cue("without foreign", None)]);
    // "lack" (the cue "lacking", stemmed) is a desperation cue: it does not
    // negate desperation's other cues, but it does negate capability's.
    let text = "A lack of troops has led to heavy losses.";
    assert_eq!(
        cues_of(text, "desperation"),
        [cue("lack", None), cue("heavy losses", None)]
    );
    let text = "The units showed a lack of discipline.";
    assert_eq!(cues_of(text, "desperation"), [cue("lack", None)]);
    assert_eq!(
        cues_of(text, "capability"),
        [cue("discipline", Some("lack"))]
    );
}

#[test]
fn static_method_does_not_bring_a_negated_cue_back_as_word_evidence() {
    let vectors = vectors();
    let framer = StaticFramer::new(shipped_set(), FrameMethod::Static, Some(vectors))
        .unwrap()
        .with_negation(shipped_negation());
    let frames = classify(&framer, "The deployment is not a sign of desperation.", &[]);
    let desperation = &frames[0];
    assert!(!desperation.selected, "{desperation:?}");
    // Taken as the word nearest to the label's name, "desperation" would
    // give full vector evidence: a score of at least the vector share, 0.25.
    assert!(desperation.score < 0.25, "{desperation:?}");
    // The word is listed once, as the negated label-word hit, and not again
    // as the word nearest to the label's name.
    let spanned: Vec<_> = desperation
        .evidence
        .iter()
        .filter(|e| e.span.is_some())
        .collect();
    assert_eq!(spanned.len(), 1, "{spanned:?}");
    assert_eq!(
        (spanned[0].negated_by.as_deref(), spanned[0].score),
        (Some("not"), Some(0.0))
    );
}

#[test]
fn bad_negation_files_name_file_line_and_field() {
    let path = Path::new("neg.toml");
    let msg = Negation::parse_toml("window = 0\nbefore = [\"no\"]\n", path)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("neg.toml") && msg.contains("`window`"),
        "{msg}"
    );
    let msg = Negation::parse_toml("window = 5\nbefore = [\"no\", \" \"]\n", path)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("neg.toml") && msg.contains("before[1]") && msg.contains("empty"),
        "{msg}"
    );
    let msg = Negation::parse_toml("window = 5\n\nbefor = [\"no\"]\n", path)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("neg.toml:3:") && msg.contains("befor"),
        "{msg}"
    );
}

/// The transformer methods (feature `transformers`): embedding zero-shot
/// with all-MiniLM-L6-v2, and NLI when an NLI model has been fetched.
#[cfg(feature = "transformers")]
mod transformer {
    use super::*;
    use newstag::frames::nli::NliFramer;
    use newstag::frames::sentence_embedding::EmbeddingFramer;
    use newstag::transformer::{NliModel, SentenceEmbedder};

    /// `models/hf/NAME`, or `None` with the reason printed; `required`
    /// models fail the test instead when NEWSTAG_REQUIRE_MODELS is set.
    fn model(name: &str, required: bool) -> Option<PathBuf> {
        let dir = models().join("hf").join(name);
        if dir.join("config.json").is_file() {
            return Some(dir);
        }
        assert!(
            !required || std::env::var_os("NEWSTAG_REQUIRE_MODELS").is_none(),
            "{} is missing: run `newstag models fetch {name}`",
            dir.display()
        );
        eprintln!(
            "skipping: {} is missing (run `newstag models fetch {name}`)",
            dir.display()
        );
        None
    }

    const CASES: [(&str, &[&str]); 3] = [
        ("Russia is so short of men that it has to rely on foreign troops.", &["desperation"]),
        ("The North Korean troops showed remarkable discipline and adapted quickly on the battlefield.", &["capability"]),
        ("The meeting took place on Tuesday in Geneva.", &[]),
    ];

    /// Sentence vectors see the topic as much as the framing, so the
    /// other label of a war sentence can pass too: the expected label must
    /// be selected and score highest, and the neutral sentence get none.
    #[test]
    fn embedding_method_ranks_clear_sentences() {
        let Some(dir) = model("all-MiniLM-L6-v2", true) else {
            return;
        };
        let framer =
            EmbeddingFramer::new(shipped_set(), SentenceEmbedder::load(&dir, None).unwrap())
                .unwrap();
        for (text, expected) in CASES {
            let frames = classify(&framer, text, &[]);
            let picked = selected(&frames);
            match expected.first() {
                Some(label) => {
                    let best = frames
                        .iter()
                        .max_by(|a, b| a.score.total_cmp(&b.score))
                        .unwrap();
                    assert!(
                        picked.contains(label) && best.label == *label,
                        "{text}: {frames:?}"
                    );
                }
                None => assert!(picked.is_empty(), "{text}: {frames:?}"),
            }
            assert!(frames
                .iter()
                .all(|f| f.evidence.iter().all(|e| e.kind != EvidenceKind::Cue)));
        }
    }

    #[test]
    fn nli_method_frames_clear_sentences() {
        let Some(dir) = model("cross-encoder/nli-distilroberta-base", false) else {
            return;
        };
        let framer = NliFramer::new(shipped_set(), NliModel::load(&dir, None).unwrap()).unwrap();
        for (text, expected) in CASES {
            let frames = classify(&framer, text, &[]);
            assert_eq!(selected(&frames), expected, "{text}: {frames:?}");
            let best = &frames[0].evidence[0];
            assert_eq!(best.kind, EvidenceKind::Hypothesis);
        }
    }
}
