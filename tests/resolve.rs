//! The actor/place layer: dictionary loading, the dictionary recogniser and
//! each role rule on small sentences, then (when the shipped dictionary and
//! the gold fixtures are there) role and actor-country scores on the gold
//! mentions, so the resolver is measured apart from any recogniser.

mod common;

use std::path::PathBuf;

use newstag::document::{Tokenized, TokenizedText};
use newstag::eval::{gold, Prediction, ReportEngine, Scorer};
use newstag::metrics::{Prf, Scores};
use newstag::ner::{EntityLabel, EntityRecognizer, Mention};
use newstag::resolve::recognizer::DictionaryRecognizer;
use newstag::resolve::{
    Kind, Resolution, Resolver, Role, ACTORS_FILE, LABELS_FILE, ROLES_FILE, SPANS_FILE,
};
use newstag::text::Span;

/// A small dictionary in the format of models/actors.jsonl.
const SAMPLE: &str = r#"{"name":"North Korea","kind":"state","country":"PRK","label":"LOC","aliases":["North Korea","DPRK"]}
{"name":"Korea","kind":"geo","label":"LOC","aliases":["Korea"]}
{"name":"South Korea","kind":"state","country":"KOR","label":"LOC","aliases":["South Korea"]}
{"name":"Russia","kind":"state","country":"RUS","label":"LOC","aliases":["Russia","Russian Federation"]}
{"name":"Ukraine","kind":"state","country":"UKR","label":"LOC","aliases":["Ukraine"]}
{"name":"Pyongyang","kind":"capital","country":"PRK","label":"LOC","aliases":["Pyongyang"]}
{"name":"Moscow","kind":"capital","country":"RUS","label":"LOC","aliases":["Moscow"]}
{"name":"Kyiv","kind":"capital","country":"UKR","label":"LOC","aliases":["Kyiv","Kiev"]}
{"name":"Kremlin","kind":"government","country":"RUS","label":"ORG","aliases":["Kremlin"]}
{"name":"Kursk","kind":"city","country":"RUS","label":"LOC","aliases":["Kursk","Kursk Oblast","Kursk region"]}
{"name":"North Korean","kind":"demonym","country":"PRK","label":"MISC","aliases":["North Korean","North Koreans"]}
{"name":"Russian","kind":"demonym","country":"RUS","label":"MISC","aliases":["Russian","Russians"]}
{"name":"Ukrainian","kind":"demonym","country":"UKR","label":"MISC","aliases":["Ukrainian","Ukrainians"]}
{"name":"Kim Jong Un","kind":"person","country":"PRK","label":"PER","aliases":["Kim Jong Un","Kim Jong-un"],"link_only":["Kim"]}
{"name":"Kim Yo Jong","kind":"person","country":"PRK","label":"PER","aliases":["Kim Yo Jong"],"link_only":["Kim"]}
{"name":"Kim Min-seok","kind":"person","country":"KOR","label":"PER","aliases":["Kim Min-seok"],"link_only":["Kim"]}
{"name":"Vladimir Putin","kind":"person","country":"RUS","label":"PER","aliases":["Vladimir Putin","Putin"]}
{"name":"Main Directorate of Intelligence","kind":"agency","country":"UKR","label":"ORG","aliases":["GUR"]}
{"name":"BBC","kind":"media","country":"GBR","label":"ORG","aliases":["BBC"]}
{"name":"NATO","kind":"igo","label":"ORG","aliases":["NATO"]}
{"name":"Korean War","kind":"event","label":"MISC","aliases":["Korean War"]}
"#;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A models directory holding `actors` and the shipped role word lists,
/// label rules and span conventions.
fn models(actors: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(ACTORS_FILE), actors).unwrap();
    for file in [ROLES_FILE, LABELS_FILE, SPANS_FILE] {
        std::fs::copy(repo().join("models").join(file), dir.path().join(file)).unwrap();
    }
    dir
}

struct Setup {
    resolver: Resolver,
    gazetteer: DictionaryRecognizer,
    _dir: tempfile::TempDir,
}

fn setup() -> Setup {
    setup_with(SAMPLE)
}

/// A resolver and gazetteer over the dictionary `actors`.
fn setup_with(actors: &str) -> Setup {
    let dir = models(actors);
    let resolver = Resolver::load(dir.path()).unwrap();
    let gazetteer = DictionaryRecognizer::new(resolver.dictionary()).unwrap();
    Setup {
        resolver,
        gazetteer,
        _dir: dir,
    }
}

/// A resolver and gazetteer over the shipped (committed) dictionary.
fn shipped() -> Setup {
    let resolver = Resolver::load(&repo().join("models")).expect("the shipped dictionary loads");
    let gazetteer = DictionaryRecognizer::new(resolver.dictionary()).unwrap();
    Setup {
        resolver,
        gazetteer,
        _dir: tempfile::tempdir().unwrap(),
    }
}

/// The shipped dictionary and word lists without the learned role corrector
/// (`roles.model.json`): the role rules' own reading.
fn shipped_rules() -> Setup {
    let actors = std::fs::read_to_string(repo().join("models").join(ACTORS_FILE))
        .expect("the shipped dictionary is readable");
    setup_with(&actors)
}

/// Runs tokeniser, splitter and `mentions` (or the gazetteer) and resolves.
fn resolve_with(s: &Setup, text: &str, mentions: Option<&[(&str, EntityLabel)]>) -> Resolution {
    let tokenized = TokenizedText::new(text);
    let doc = tokenized.view();
    let found = match mentions {
        Some(list) => list
            .iter()
            .map(|(surface, label)| mention_of(&doc, surface, *label))
            .collect(),
        None => s.gazetteer.recognize(&doc, &mut Vec::new()).unwrap(),
    };
    s.resolver.resolve(&doc, found)
}

/// The first whole-token occurrence of `surface` as a mention.
fn mention_of(doc: &Tokenized<'_>, surface: &str, label: EntityLabel) -> Mention {
    let start = doc
        .text
        .find(surface)
        .unwrap_or_else(|| panic!("{surface:?} not in {:?}", doc.text));
    let span = Span::new(start, start + surface.len());
    mention_at(doc, span, label)
}

/// A mention over the tokens that cover `span`.
fn mention_at(doc: &Tokenized<'_>, span: Span, label: EntityLabel) -> Mention {
    let tokens = doc.overlapping(span);
    Mention {
        span,
        tokens: tokens.start..tokens.end.max(tokens.start + 1),
        label,
        score: 1.0,
    }
}

/// (surface, role, country) of every entity.
fn roles(text: &str, r: &Resolution) -> Vec<(String, Role, Option<String>)> {
    r.entities
        .iter()
        .map(|e| {
            (
                e.mention.span.slice(text).to_string(),
                e.role,
                e.country.map(|c| c.to_string()),
            )
        })
        .collect()
}

fn role_of(s: &Setup, text: &str, surface: &str) -> (Role, Option<String>) {
    let r = resolve_with(s, text, None);
    let all = roles(text, &r);
    all.iter()
        .find(|(t, _, _)| t == surface)
        .map(|(_, role, c)| (*role, c.clone()))
        .unwrap_or_else(|| panic!("{surface:?} not recognised in {text:?}: {all:?}"))
}

fn actor(country: &str) -> (Role, Option<String>) {
    (Role::Actor, Some(country.to_string()))
}

fn place(country: &str) -> (Role, Option<String>) {
    (Role::Place, Some(country.to_string()))
}

#[test]
fn dictionary_loads_and_a_bad_line_names_file_line_and_field() {
    let s = setup();
    assert_eq!(
        s.resolver.dictionary().entries().len(),
        SAMPLE.lines().count()
    );
    let bad = format!(
        "{SAMPLE}{}\n",
        r#"{"name":"Atlantis","kind":"empire","label":"LOC","aliases":["Atlantis"]}"#
    );
    let dir = models(&bad);
    let msg = Resolver::load(dir.path()).unwrap_err().to_string();
    let line = SAMPLE.lines().count() + 1;
    assert!(
        msg.contains(&format!("{ACTORS_FILE}:{line}: field `kind`")),
        "{msg}"
    );
    assert!(msg.contains("empire"), "{msg}");
}

#[test]
fn a_missing_dictionary_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let msg = Resolver::load(dir.path()).unwrap_err().to_string();
    assert!(msg.contains(ACTORS_FILE), "{msg}");
}

#[test]
fn gazetteer_prefers_the_longest_alias_and_whole_tokens() {
    let s = setup();
    let text = "North Korea and Korea. The Koreans met in Moscow’s suburbs.";
    let r = resolve_with(&s, text, None);
    let found: Vec<(&str, EntityLabel)> = r
        .entities
        .iter()
        .map(|e| (e.mention.span.slice(text), e.mention.label))
        .collect();
    assert_eq!(
        found,
        [
            ("North Korea", EntityLabel::Loc),
            ("Korea", EntityLabel::Loc),
            ("Moscow", EntityLabel::Loc)
        ]
    );
}

#[test]
fn gazetteer_leaves_a_trailing_common_noun_outside() {
    let s = setup();
    let text = "They reached the Kursk region, then Kursk Oblast.";
    let r = resolve_with(&s, text, None);
    let found: Vec<&str> = r
        .entities
        .iter()
        .map(|e| e.mention.span.slice(text))
        .collect();
    assert_eq!(found, ["Kursk", "Kursk Oblast"]);
    assert!(r
        .entities
        .iter()
        .all(|e| e.role == Role::Place && e.referent == Some(0)));
}

#[test]
fn gazetteer_link_only_aliases_create_no_mention() {
    let s = setup();
    let text = "Kim said little. Kim Jong Un said more.";
    let r = resolve_with(&s, text, None);
    let found: Vec<&str> = r
        .entities
        .iter()
        .map(|e| e.mention.span.slice(text))
        .collect();
    assert_eq!(found, ["Kim Jong Un"]);
}

#[test]
fn gazetteer_reads_headlines_in_capitals() {
    let s = setup();
    let text = "NORTH KOREA SENDS TROOPS TO RUSSIA\n\nNorth Korea sent troops.";
    let r = resolve_with(&s, text, None);
    let found: Vec<&str> = r
        .entities
        .iter()
        .map(|e| e.mention.span.slice(text))
        .collect();
    assert_eq!(found, ["NORTH KOREA", "RUSSIA", "North Korea"]);
    assert_eq!(r.entities[1].role, Role::Place);
}

#[test]
fn locative_prepositions_make_places() {
    let s = setup();
    assert_eq!(
        role_of(
            &s,
            "The first troops arrived in Kursk on Wednesday.",
            "Kursk"
        ),
        place("RUS")
    );
    assert_eq!(
        role_of(&s, "North Korea sent troops to Russia.", "Russia"),
        place("RUS")
    );
    assert_eq!(
        role_of(&s, "Shelling near Kursk went on.", "Kursk"),
        place("RUS")
    );
    assert_eq!(
        role_of(&s, "Troops moved into the western Kursk region.", "Kursk"),
        place("RUS")
    );
    assert_eq!(
        role_of(&s, "The units came from North Korea.", "North Korea"),
        place("PRK")
    );
}

#[test]
fn subjects_agents_objects_and_recipients_are_actors() {
    let s = setup();
    assert_eq!(
        role_of(&s, "And Russia is paying for this aid.", "Russia"),
        actor("RUS")
    );
    assert_eq!(
        role_of(&s, "Since then Russia also deployed drones.", "Russia"),
        actor("RUS")
    );
    assert_eq!(
        role_of(&s, "They were used by Russia in the north.", "Russia"),
        actor("RUS")
    );
    assert_eq!(
        role_of(&s, "It sends military support to Russia.", "Russia"),
        actor("RUS")
    );
    assert_eq!(
        role_of(&s, "Sanctions could isolate Moscow further.", "Moscow"),
        actor("RUS")
    );
    assert_eq!(
        role_of(&s, "Nobody expected that Kyiv claimed victory.", "Kyiv"),
        actor("UKR")
    );
}

#[test]
fn possessives_are_actors_unless_a_place_follows() {
    let s = setup();
    assert_eq!(
        role_of(
            &s,
            "This reflects Russia's need for reinforcements.",
            "Russia"
        ),
        actor("RUS")
    );
    assert_eq!(
        role_of(&s, "Fighters reached Russia’s Kursk region.", "Russia"),
        place("RUS")
    );
    assert_eq!(
        role_of(&s, "They stayed on Russia's territory.", "Russia"),
        place("RUS")
    );
}

#[test]
fn states_default_to_actors_and_other_places_to_places() {
    let s = setup();
    assert_eq!(
        role_of(
            &s,
            "Talks between officials and Ukraine continue.",
            "Ukraine"
        ),
        actor("UKR")
    );
    assert_eq!(
        role_of(&s, "Tensions around the Kursk salient grew.", "Kursk"),
        place("RUS")
    );
}

#[test]
fn metonyms_act_for_their_state() {
    let s = setup();
    let text = "So far, Pyongyang has only confirmed that its troops are there.";
    assert_eq!(role_of(&s, text, "Pyongyang"), actor("PRK"));
    let r = resolve_with(&s, text, None);
    let referent = &r.actors[r.entities[0].referent.unwrap()];
    assert_eq!(
        (referent.name.as_str(), referent.kind),
        ("North Korea", Some(Kind::State))
    );

    let text = "In fact, the Kremlin said nothing.";
    assert_eq!(role_of(&s, text, "Kremlin"), actor("RUS"));
    // A capital as a place stays itself.
    let r = resolve_with(&s, "Diplomats met in Pyongyang.", None);
    assert_eq!(r.entities[0].role, Role::Place);
    assert_eq!(r.places[0].name, "Pyongyang");
}

#[test]
fn demonyms_name_forces_places_or_nothing() {
    let s = setup();
    assert_eq!(
        role_of(&s, "The North Korean troops arrived.", "North Korean"),
        actor("PRK")
    );
    assert_eq!(
        role_of(&s, "They met Russian President Vladimir Putin.", "Russian"),
        actor("RUS")
    );
    assert_eq!(
        role_of(&s, "Its troops are on Russian territory.", "Russian"),
        place("RUS")
    );
    assert_eq!(
        role_of(&s, "There are Ukrainian troops on Russian soil.", "Russian"),
        place("RUS")
    );
    assert_eq!(
        role_of(&s, "It was horrific even by Russian standards.", "Russian"),
        (Role::Other, None)
    );
    assert_eq!(
        role_of(&s, "The Russians are employing these tactics.", "Russians"),
        actor("RUS")
    );
    assert_eq!(
        role_of(&s, "This area was cut off by the Russians.", "Russians"),
        actor("RUS")
    );
    assert_eq!(
        role_of(&s, "Millions of Ukrainians have left.", "Ukrainians"),
        actor("UKR")
    );
}

#[test]
fn coordinations_share_their_context() {
    let s = setup();
    let text = "A growing alliance between Pyongyang and Moscow worries them.";
    assert_eq!(role_of(&s, text, "Pyongyang"), actor("PRK"));
    assert_eq!(role_of(&s, text, "Moscow"), actor("RUS"));
    let text = "Soldiers were sent to the war in Russia and Ukraine.";
    assert_eq!(role_of(&s, text, "Russia"), place("RUS"));
    assert_eq!(role_of(&s, text, "Ukraine"), place("UKR"));
    let text = "It is seen through the eyes of Russian and North Korean military leaders.";
    assert_eq!(role_of(&s, text, "Russian"), actor("RUS"));
}

/// (surface, byte start, byte end, label, role, country) of every entity.
fn spans(
    text: &str,
    r: &Resolution,
) -> Vec<(String, usize, usize, EntityLabel, Role, Option<String>)> {
    r.entities
        .iter()
        .map(|e| {
            let (span, country) = (e.mention.span, e.country.map(|c| c.to_string()));
            (
                span.slice(text).to_string(),
                span.start,
                span.end,
                e.mention.label,
                e.role,
                country,
            )
        })
        .collect()
}

#[test]
fn states_joined_by_hyphens_split_into_one_actor_per_state() {
    let s = setup();
    let some = |c: &str| Some(c.to_string());
    // The recogniser's label does not matter: the parts are states (LOC).
    let text = "The developments in the Russia-North Korea relationship worry Seoul.";
    let r = resolve_with(&s, text, Some(&[("Russia-North Korea", EntityLabel::Misc)]));
    assert_eq!(
        spans(text, &r),
        [
            (
                "Russia".into(),
                24,
                30,
                EntityLabel::Loc,
                Role::Actor,
                some("RUS")
            ),
            (
                "North Korea".into(),
                31,
                42,
                EntityLabel::Loc,
                Role::Actor,
                some("PRK")
            ),
        ]
    );
    // "Russia-North" is one token, "Korea" the next.
    assert_eq!(r.entities[0].mention.tokens, 4..5);
    assert_eq!(r.entities[1].mention.tokens, 4..6);

    // Non-ASCII text before the compound: offsets stay byte-exact.
    let text = "Kyiv’s view: North Korea sent troops. The Ukraine-Russia conflict goes on, Pyongyang said.";
    let r = resolve_with(
        &s,
        text,
        Some(&[
            ("Kyiv", EntityLabel::Loc),
            ("North Korea", EntityLabel::Loc),
            ("Ukraine-Russia", EntityLabel::Loc),
            ("Pyongyang", EntityLabel::Loc),
        ]),
    );
    let ukraine = text.find("Ukraine").unwrap();
    let got = spans(text, &r);
    assert_eq!(
        got[2],
        (
            "Ukraine".into(),
            ukraine,
            ukraine + 7,
            EntityLabel::Loc,
            Role::Actor,
            some("UKR")
        )
    );
    assert_eq!(
        got[3],
        (
            "Russia".into(),
            ukraine + 8,
            ukraine + 14,
            EntityLabel::Loc,
            Role::Actor,
            some("RUS")
        )
    );
    assert_eq!(
        r.entities[2].mention.tokens, r.entities[3].mention.tokens,
        "the parts share their token"
    );
    assert!(r
        .entities
        .windows(2)
        .all(|w| w[0].mention.span.end <= w[1].mention.span.start));
    assert_eq!(r.entities[2].sentence, 1);
    // Each part joins its state's referent: "Ukraine" with "Kyiv’s view",
    // "North Korea" with "Pyongyang said".
    let referent = |i: usize| &r.actors[r.entities[i].referent.unwrap()];
    assert_eq!(referent(2).name, "Ukraine");
    assert_eq!(referent(2).mentions, [0, 2]);
    assert_eq!(referent(1).name, "North Korea");
    assert_eq!(referent(4).name, "North Korea");
    assert_eq!(referent(1).mentions, [1, 4]);
    assert_eq!(referent(3).name, "Russia");
    assert_eq!(referent(3).mentions, [3]);

    // An en dash is split off as a token of its own: each part keeps only
    // its own token, and is still a party of the relation.
    let text = "Talks on the Russia–Ukraine war began in Kyiv.";
    let r = resolve_with(
        &s,
        text,
        Some(&[
            ("Russia–Ukraine", EntityLabel::Misc),
            ("Kyiv", EntityLabel::Loc),
        ]),
    );
    let got = spans(text, &r);
    assert_eq!(
        got[0],
        (
            "Russia".into(),
            13,
            19,
            EntityLabel::Loc,
            Role::Actor,
            some("RUS")
        )
    );
    assert_eq!(
        got[1],
        (
            "Ukraine".into(),
            22,
            29,
            EntityLabel::Loc,
            Role::Actor,
            some("UKR")
        )
    );
    assert_eq!(got[2].4, Role::Place);
    assert_eq!(
        (
            r.entities[0].mention.tokens.clone(),
            r.entities[1].mention.tokens.clone()
        ),
        (3..4, 5..6)
    );
}

#[test]
fn hyphenated_names_that_do_not_join_states_stay_whole() {
    let s = setup();
    let extra = r#"{"name":"Guinea","kind":"state","country":"GIN","label":"LOC","aliases":["Guinea"]}
{"name":"Guinea-Bissau","kind":"state","country":"GNB","label":"LOC","aliases":["Guinea-Bissau"]}
"#;
    let with_guinea = setup_with(&format!("{SAMPLE}{extra}"));
    let cases: [(&Setup, &str, &str, EntityLabel); 5] = [
        (
            &s,
            "Rolls-Royce makes engines for the army.",
            "Rolls-Royce",
            EntityLabel::Org,
        ),
        (
            &s,
            "Kim Jong-un met the delegation.",
            "Kim Jong-un",
            EntityLabel::Per,
        ),
        (
            &s,
            "Fighters of al-Qaeda were seen there.",
            "al-Qaeda",
            EntityLabel::Org,
        ),
        (
            &s,
            "The Russia-Kursk road was closed.",
            "Russia-Kursk",
            EntityLabel::Loc,
        ),
        (
            &with_guinea,
            "Guinea-Bissau voted.",
            "Guinea-Bissau",
            EntityLabel::Loc,
        ),
    ];
    for (setup, text, surface, label) in cases {
        let r = resolve_with(setup, text, Some(&[(surface, label)]));
        assert_eq!(r.entities.len(), 1, "{surface:?} in {text:?}");
        let e = &r.entities[0];
        assert_eq!(
            (e.mention.span.slice(text), e.mention.label),
            (surface, label),
            "{text:?}"
        );
    }
    let r = resolve_with(
        &with_guinea,
        "Guinea-Bissau voted.",
        Some(&[("Guinea-Bissau", EntityLabel::Loc)]),
    );
    assert_eq!(
        r.entities[0].country.map(|c| c.to_string()).as_deref(),
        Some("GNB")
    );
}

/// The same with the shipped dictionary, whose thousands of aliases must
/// not make a part of "Rolls-Royce" or "al-Qaeda" a state. A state before
/// an armed movement splits too ("Israel-Hamas war"); the movement before
/// a state names its branch there ("ISIS-Mozambique") and stays whole.
#[test]
fn shipped_dictionary_splits_only_pairs_that_open_with_a_state() {
    let s = shipped();
    let surfaces = |text: &str, surface: &str, label: EntityLabel| -> Vec<String> {
        let r = resolve_with(&s, text, Some(&[(surface, label)]));
        r.entities
            .iter()
            .map(|e| format!("{} {}", e.mention.span.slice(text), e.mention.label))
            .collect()
    };
    let whole = [
        ("Rolls-Royce", EntityLabel::Org),
        ("Kim Jong-un", EntityLabel::Per),
        ("al-Qaeda", EntityLabel::Org),
        ("Guinea-Bissau", EntityLabel::Loc),
        ("Bosnia-Herzegovina", EntityLabel::Loc),
        ("Timor-Leste", EntityLabel::Loc),
        ("ISIS-Mozambique", EntityLabel::Org),
        ("Islamic State-Somalia", EntityLabel::Org),
    ];
    for (surface, label) in whole {
        let text = format!("They spoke of {surface} on Monday.");
        assert_eq!(
            surfaces(&text, surface, label),
            [format!("{surface} {label}")]
        );
    }
    let text = "The US-South Korea drills and the Russia-Ukraine-Belarus talks went on.";
    assert_eq!(
        surfaces(text, "US-South Korea", EntityLabel::Misc),
        ["US LOC", "South Korea LOC"]
    );
    let three = surfaces(text, "Russia-Ukraine-Belarus", EntityLabel::Misc);
    assert_eq!(three, ["Russia LOC", "Ukraine LOC", "Belarus LOC"]);
    let text = "Talks in the Israel-Hamas war stalled.";
    assert_eq!(
        surfaces(text, "Israel-Hamas", EntityLabel::Loc),
        ["Israel LOC", "Hamas ORG"]
    );
}

/// An abbreviation the article defines in brackets after a name is that
/// name wherever it recurs: tagged where the recogniser missed it, with the
/// name's label where it gave another, linked to the same actor; letters
/// that are not the name's initials define nothing, and a line in capitals
/// adds no mention.
#[test]
fn abbreviations_defined_in_brackets_take_their_names_label() {
    let s = shipped();
    let text = "Al-Shabaab (AS) took the town. Later AS fighters fled. \
                The Central African Republic (CAR) said CAR troops would stay. \
                WHAT AS MEANS NOW";
    let got = drawn(
        &s,
        text,
        &[
            ("Al-Shabaab", EntityLabel::Org),
            ("Central African Republic", EntityLabel::Loc),
            ("CAR", EntityLabel::Org),
            ("CAR", EntityLabel::Org),
        ],
    );
    let got: Vec<(&str, EntityLabel, Option<&str>)> = got
        .iter()
        .map(|(surface, label, _, country)| (surface.as_str(), *label, country.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("Al-Shabaab", EntityLabel::Org, Some("SOM")),
            ("AS", EntityLabel::Org, Some("SOM")),
            ("AS", EntityLabel::Org, Some("SOM")),
            ("Central African Republic", EntityLabel::Loc, Some("CAF")),
            ("CAR", EntityLabel::Loc, Some("CAF")),
            ("CAR", EntityLabel::Loc, Some("CAF")),
        ]
    );
    let text = "Ukraine (AP) said AP reporters left.";
    let got = drawn_names(&s, text, &[("Ukraine", EntityLabel::Loc)]);
    assert_eq!(got, names(&[("Ukraine", EntityLabel::Loc)]));
}

/// A vessel prefix and the capitalised words after it are one MISC actor of
/// the prefix's state, whatever pieces the recogniser tagged; a prefix
/// before words in capitals ("ITS SUPPORT") names no vessel.
#[test]
fn a_vessel_prefix_and_its_name_are_one_misc_mention() {
    let s = shipped();
    let text = "The USS Harry S. Truman sailed with HMS Prince of Wales and BRP Datu Pagbuaya.";
    let got = drawn(
        &s,
        text,
        &[
            ("USS", EntityLabel::Misc),
            ("Harry S. Truman", EntityLabel::Per),
            ("HMS Prince", EntityLabel::Misc),
            ("Wales", EntityLabel::Loc),
            ("BRP Datu", EntityLabel::Misc),
        ],
    );
    let got: Vec<(&str, EntityLabel, Role, Option<&str>)> = got
        .iter()
        .map(|(surface, label, role, country)| {
            (surface.as_str(), *label, *role, country.as_deref())
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "USS Harry S. Truman",
                EntityLabel::Misc,
                Role::Actor,
                Some("USA")
            ),
            (
                "HMS Prince of Wales",
                EntityLabel::Misc,
                Role::Actor,
                Some("GBR")
            ),
            (
                "BRP Datu Pagbuaya",
                EntityLabel::Misc,
                Role::Actor,
                Some("PHL")
            ),
        ]
    );
    let text = "ITALY AND ITS SUPPORT";
    let got = drawn_names(&s, text, &[("ITALY", EntityLabel::Loc)]);
    assert_eq!(got, names(&[("ITALY", EntityLabel::Loc)]));
    // The name stops at a day and before a mention after its first word; a
    // heading names no vessel.
    let text = "Sailors aboard USS Carney Monday said that near USS Mason Houthis fired.";
    let got = drawn_names(&s, text, &[("Houthis", EntityLabel::Org)]);
    assert_eq!(
        got,
        names(&[
            ("USS Carney", EntityLabel::Misc),
            ("USS Mason", EntityLabel::Misc),
            ("Houthis", EntityLabel::Org),
        ])
    );
    let text = "USS Carney Shoots Down Houthi Drones";
    assert_eq!(drawn_names(&s, text, &[]), names(&[]));
}

/// A name or model code before a weapon noun is a MISC weapon: tagged when
/// the recogniser missed it, made MISC when it took it for a person; not a
/// name the dictionary knows, a capitalised sentence opening, a compound
/// adjective, a weapon noun that modifies another ("drone base") or a
/// headline's capitalised noun.
#[test]
fn names_before_weapon_nouns_are_weapons() {
    let s = shipped();
    let text = "Kyiv fired Storm Shadow missiles, BM21 rockets and Harop loitering munitions \
                while Hamas rockets fell.";
    let got = drawn_names(
        &s,
        text,
        &[
            ("Kyiv", EntityLabel::Loc),
            ("Harop", EntityLabel::Per),
            ("Hamas", EntityLabel::Org),
        ],
    );
    assert_eq!(
        got,
        names(&[
            ("Kyiv", EntityLabel::Loc),
            ("Storm Shadow", EntityLabel::Misc),
            ("BM21", EntityLabel::Misc),
            ("Harop", EntityLabel::Misc),
            ("Hamas", EntityLabel::Org),
        ])
    );
    for text in [
        "The missiles were fired at dawn.",
        "They built AI-driven missile systems.",
        "Troops left the Agadez drone base.",
        "Rebels Utilize Drones to Gain Ground in the North",
        "The army said Sunday drones hit the city.",
    ] {
        assert_eq!(drawn_names(&s, text, &[]), names(&[]), "{text:?}");
    }
    // After a comma a name stands; two weapon nouns after one name find it
    // once; a capitalised word between is part of the name.
    let text =
        "Kyiv got Tornado rocket launchers, Patriot missiles and Grad Heavy rocket launchers.";
    let got = drawn_names(&s, text, &[("Kyiv", EntityLabel::Loc)]);
    assert_eq!(
        got,
        names(&[
            ("Kyiv", EntityLabel::Loc),
            ("Tornado", EntityLabel::Misc),
            ("Patriot", EntityLabel::Misc),
            ("Grad Heavy", EntityLabel::Misc),
        ])
    );
}

/// An abbreviation the dictionary links only by its full name ("CAR") takes
/// the entry's label once the article has named the entry, as a sure name
/// would; the correction is noted.
#[test]
fn an_abbreviation_of_a_name_already_linked_takes_the_dictionary_label() {
    let s = shipped();
    let text = "Troops reached the Central African Republic. CAR officials agreed.";
    let r = resolve_with(
        &s,
        text,
        Some(&[
            ("Central African Republic", EntityLabel::Loc),
            ("CAR", EntityLabel::Org),
        ]),
    );
    assert_eq!(r.entities[1].mention.label, EntityLabel::Loc);
    assert!(
        r.notes.iter().any(|n| n.contains("\"CAR\" ORG")),
        "{:?}",
        r.notes
    );
    // Without the full name, a repeated abbreviation keeps the
    // recogniser's label each time.
    let text = "CAR officials agreed. Later CAR troops left.";
    let got = drawn_names(
        &s,
        text,
        &[("CAR", EntityLabel::Org), ("CAR", EntityLabel::Org)],
    );
    assert_eq!(
        got,
        names(&[("CAR", EntityLabel::Org), ("CAR", EntityLabel::Org)])
    );
}

/// Resolves `text` with the shipped dictionary and rules over `given`
/// recogniser mentions, each found after the one before it, and returns
/// every entity as (surface, label, role, country), checking that its
/// offsets slice the text to its surface.
fn drawn(
    s: &Setup,
    text: &str,
    given: &[(&str, EntityLabel)],
) -> Vec<(String, EntityLabel, Role, Option<String>)> {
    let tokenized = TokenizedText::new(text);
    let doc = tokenized.view();
    let mut from = 0;
    let mentions = given
        .iter()
        .map(|&(surface, label)| {
            let start = from
                + text[from..]
                    .find(surface)
                    .unwrap_or_else(|| panic!("{surface:?} not in {text:?}"));
            from = start + surface.len();
            mention_at(&doc, Span::new(start, from), label)
        })
        .collect();
    let r = s.resolver.resolve(&doc, mentions);
    assert!(r
        .entities
        .windows(2)
        .all(|w| w[0].mention.span.end <= w[1].mention.span.start));
    r.entities
        .iter()
        .map(|e| {
            let m = &e.mention;
            assert!(
                doc.tokens[m.tokens.start].start <= m.span.start
                    && m.span.end <= doc.tokens[m.tokens.end - 1].end,
                "{m:?} lies in its tokens"
            );
            let country = e.country.map(|c| c.to_string());
            (m.span.slice(text).to_string(), m.label, e.role, country)
        })
        .collect()
}

/// (surface, label) of what [`drawn`] gives.
fn drawn_names(s: &Setup, text: &str, given: &[(&str, EntityLabel)]) -> Vec<(String, EntityLabel)> {
    drawn(s, text, given)
        .into_iter()
        .map(|(surface, label, _, _)| (surface, label))
        .collect()
}

/// A surface and its label, as given by a recogniser or expected.
type Named = (&'static str, EntityLabel);

/// A sentence, the recogniser's mentions in it and the entities expected.
type SpanCase = (&'static str, &'static [Named], &'static [Named]);

fn names(list: &[(&str, EntityLabel)]) -> Vec<(String, EntityLabel)> {
    list.iter().map(|&(s, l)| (s.to_string(), l)).collect()
}

#[test]
fn hyphenated_compounds_keep_only_their_name() {
    use EntityLabel::{Loc, Misc, Org, Per};
    let s = shipped();
    let cases: &[(&str, Named, Named)] = &[
        (
            "a patchwork of non-Russian support",
            ("non-Russian", Misc),
            ("Russian", Misc),
        ),
        (
            "the Muslim-majority town",
            ("Muslim-majority", Misc),
            ("Muslim", Misc),
        ),
        (
            "the al-Qaida-linked group",
            ("al-Qaida-linked", Org),
            ("al-Qaida", Org),
        ),
        ("the army-RSF war", ("army-RSF", Org), ("RSF", Org)),
        (
            "Anti-French protests grew.",
            ("Anti-French", Misc),
            ("French", Misc),
        ),
        (
            "a Portsmouth-based destroyer",
            ("Portsmouth-based", Loc),
            ("Portsmouth", Loc),
        ),
        (
            "Kremlin-linked bloggers",
            ("Kremlin-linked", Misc),
            ("Kremlin", Org),
        ),
        // A name before a participle is the name the dictionary knows,
        // whatever label the recogniser gave the compound.
        (
            "a Hong Kong-based daily",
            ("Hong Kong-based", Misc),
            ("Hong Kong", Loc),
        ),
        (
            "the Moscow-allied group",
            ("Moscow-allied", Misc),
            ("Moscow", Loc),
        ),
        // The dictionary then corrects the label of a name it is sure of.
        (
            "A pro-Russia rally was held.",
            ("pro-Russia", Misc),
            ("Russia", Loc),
        ),
        (
            "An anti-Kremlin blogger",
            ("anti-Kremlin", Misc),
            ("Kremlin", Org),
        ),
        // Particles and lower-case endings of names stay.
        (
            "Fighters of al-Qaeda were seen.",
            ("al-Qaeda", Org),
            ("al-Qaeda", Org),
        ),
        (
            "Choe Son-hui spoke.",
            ("Choe Son-hui", Per),
            ("Choe Son-hui", Per),
        ),
        (
            "in South Hwanghae-namdo province",
            ("Hwanghae-namdo", Loc),
            ("Hwanghae-namdo", Loc),
        ),
        (
            "in Gyeonggi-do province",
            ("Gyeonggi-do", Loc),
            ("Gyeonggi-do", Loc),
        ),
    ];
    for &(text, given, want) in cases {
        assert_eq!(drawn_names(&s, text, &[given]), names(&[want]), "{text:?}");
    }
    // A cut compound is still read by its suffix: "Portsmouth-based" is
    // where the ship is from.
    let got = drawn(
        &s,
        "a Portsmouth-based destroyer",
        &[("Portsmouth-based", Loc)],
    );
    assert_eq!(got[0].2, Role::Place);
}

#[test]
fn a_name_and_a_participle_before_another_name_are_two_mentions() {
    use EntityLabel::{Loc, Misc, Org};
    let s = shipped();
    let cases: &[SpanCase] = &[
        // The name before the hyphen takes the dictionary's label, the
        // name after the compound the dictionary's where it knows it.
        (
            "Officials in Houthi-controlled Sanaa said so.",
            &[("Houthi-controlled Sanaa", Org)],
            &[("Houthi", Org), ("Sanaa", Loc)],
        ),
        (
            "The UN-backed Government of National Accord agreed.",
            &[("UN-backed Government of National Accord", Org)],
            &[("UN", Org), ("Government of National Accord", Org)],
        ),
        (
            "Troops crossed into Pakistan-administered Kashmir.",
            &[("Pakistan-administered Kashmir", Loc)],
            &[("Pakistan", Loc), ("Kashmir", Loc)],
        ),
        // "made" is a participle from spans.toml's list.
        (
            "They fired American-made Stinger missiles.",
            &[("American-made Stinger", Misc)],
            &[("American", Misc), ("Stinger", Misc)],
        ),
        // A name the dictionary does not know before "-controlled" is an
        // organisation; lower-case words after the compound are no name.
        (
            "The ZXQ-controlled Namya area was shelled.",
            &[("ZXQ-controlled Namya", Loc)],
            &[("ZXQ", Org), ("Namya", Loc)],
        ),
        (
            "on Houthi-run satellite TV",
            &[("Houthi-run satellite TV", Org)],
            &[("Houthi", Org)],
        ),
        // Not a participle: the name stays whole.
        (
            "The Pag-asa Island outpost",
            &[("Pag-asa Island", Loc)],
            &[("Pag-asa Island", Loc)],
        ),
    ];
    for &(text, given, want) in cases {
        assert_eq!(drawn_names(&s, text, given), names(want), "{text:?}");
    }
}

#[test]
fn compounds_the_recogniser_missed_keep_their_sure_name() {
    use EntityLabel::{Loc, Misc, Org};
    let s = shipped();
    let cases: &[SpanCase] = &[
        // Nothing tagged: the sure names before a participle are.
        (
            "The UN-backed government held Houthi-held areas with UK-supplied missiles.",
            &[],
            &[("UN", Org), ("Houthi", Org), ("UK", Loc)],
        ),
        ("Serb-controlled towns fell.", &[], &[("Serb", Misc)]),
        // A covered compound is the recogniser's; a name the dictionary
        // does not know, or no participle after the hyphen, adds nothing.
        (
            "The UN-backed force and ZXQ-backed fighters met Russia-Ukraine talks.",
            &[("UN-backed", Org)],
            &[("UN", Org)],
        ),
        // Only a lower-case participle: "UN-BACKED" in a headline is not one.
        ("UN-BACKED TALKS RESUME", &[], &[]),
    ];
    for &(text, given, want) in cases {
        assert_eq!(drawn_names(&s, text, given), names(want), "{text:?}");
    }
}

#[test]
fn nationalities_joined_by_hyphens_split_into_one_per_part() {
    use EntityLabel::Misc;
    let s = shipped();
    let some = |c: &str| Some(c.to_string());
    let text = "Russo-Georgian relations deteriorated after the Armenian-Azerbaijani war.";
    let got = drawn(
        &s,
        text,
        &[("Russo-Georgian", Misc), ("Armenian-Azerbaijani", Misc)],
    );
    assert_eq!(
        got,
        [
            ("Russo".into(), Misc, Role::Actor, some("RUS")),
            ("Georgian".into(), Misc, Role::Actor, some("GEO")),
            ("Armenian".into(), Misc, Role::Actor, some("ARM")),
            ("Azerbaijani".into(), Misc, Role::Actor, some("AZE")),
        ]
    );
    // A combining form is a part only before a hyphen, and a name the
    // dictionary knows whole stays whole.
    for (text, surface) in [
        ("They met Georgian-Russo on Monday.", "Georgian-Russo"),
        (
            "The Russo-Ukrainian War began in 2014.",
            "Russo-Ukrainian War",
        ),
    ] {
        assert_eq!(
            drawn_names(&s, text, &[(surface, Misc)]),
            names(&[(surface, Misc)]),
            "{text:?}"
        );
    }
}

#[test]
fn a_state_or_nationality_before_a_body_is_its_own_mention() {
    use EntityLabel::{Loc, Misc, Org};
    let s = shipped();
    let some = |c: &str| Some(c.to_string());
    let text = "The US State Department and the Russian Ministry of Defence disagreed.";
    let got = drawn(
        &s,
        text,
        &[
            ("US State Department", Org),
            ("Russian Ministry of Defence", Org),
        ],
    );
    assert_eq!(
        got,
        [
            ("US".into(), Loc, Role::Actor, some("USA")),
            ("State Department".into(), Org, Role::Actor, some("USA")),
            ("Russian".into(), Misc, Role::Actor, some("RUS")),
            ("Ministry of Defence".into(), Org, Role::Actor, some("RUS")),
        ]
    );
    let split: &[(&str, &str, &[Named])] = &[
        // After a state's abbreviation even a force is its own name.
        (
            "The US Navy said so.",
            "US Navy",
            &[("US", Loc), ("Navy", Org)],
        ),
        (
            "The U.S. Air Force flew.",
            "U.S. Air Force",
            &[("U.S.", Loc), ("Air Force", Org)],
        ),
        (
            "The Chinese Foreign Ministry said so.",
            "Chinese Foreign Ministry",
            &[("Chinese", Misc), ("Foreign Ministry", Org)],
        ),
        (
            "The Ukrainian General Staff said so.",
            "Ukrainian General Staff",
            &[("Ukrainian", Misc), ("General Staff", Org)],
        ),
    ];
    for &(text, given, want) in split {
        assert_eq!(
            drawn_names(&s, text, &[(given, Org)]),
            names(want),
            "{text:?}"
        );
    }
    // Force names after a nationality or a state's full name, full official
    // names, bodies of no single state: one ORG.
    for (text, name) in [
        ("The Syrian National Army advanced.", "Syrian National Army"),
        (
            "The Japan Self Defense Force sailed.",
            "Japan Self Defense Force",
        ),
        ("The Israel Defense Forces struck.", "Israel Defense Forces"),
        (
            "The Malian Petroleum Importers Association said so.",
            "Malian Petroleum Importers Association",
        ),
        ("The Kuwait News Agency said so.", "Kuwait News Agency"),
        ("The European Parliament voted.", "European Parliament"),
        ("The US Steel plant closed.", "US Steel"),
    ] {
        assert_eq!(
            drawn_names(&s, text, &[(name, Org)]),
            names(&[(name, Org)]),
            "{text:?}"
        );
    }
}

#[test]
fn a_capitalised_force_name_is_one_org() {
    use EntityLabel::{Loc, Misc, Org};
    let s = shipped();
    let cases: &[SpanCase] = &[
        (
            "Fighters of the Georgian Legion held the line.",
            &[("Georgian", Misc)],
            &[("Georgian Legion", Org)],
        ),
        (
            "The Ukrainian Special Operations Forces said so.",
            &[("Ukrainian", Misc), ("Special Operations Forces", Org)],
            &[("Ukrainian Special Operations Forces", Org)],
        ),
        // A lower-case army is no name; a possessive state and a compound's
        // name part stay apart; a heading's capitals are no name.
        (
            "The Georgian army held the line.",
            &[("Georgian", Misc)],
            &[("Georgian", Misc)],
        ),
        (
            "Ukraine's National Guard held the line.",
            &[("Ukraine", Loc), ("National Guard", Org)],
            &[("Ukraine", Loc), ("National Guard", Org)],
        ),
        (
            "The Kurdish-led Syrian Democratic Forces held the line.",
            &[("Kurdish-led", Misc), ("Syrian Democratic Forces", Org)],
            &[("Kurdish", Misc), ("Syrian Democratic Forces", Org)],
        ),
        (
            "Ukrainian Forces Advance In Kursk",
            &[("Ukrainian", Misc), ("Kursk", Loc)],
            &[("Ukrainian", Misc), ("Kursk", Loc)],
        ),
    ];
    for &(text, given, want) in cases {
        assert_eq!(drawn_names(&s, text, given), names(want), "{text:?}");
    }
}

#[test]
fn places_and_wars_take_their_capitalised_words() {
    use EntityLabel::{Loc, Misc, Org};
    let s = shipped();
    let cases: &[SpanCase] = &[
        (
            "The attack on Isige town, Gwoza Local Government Area, lasted hours.",
            &[("Isige", Loc), ("Gwoza", Loc)],
            &[("Isige", Loc), ("Gwoza Local Government Area", Loc)],
        ),
        (
            "Borno State has seen attacks.",
            &[("Borno", Loc)],
            &[("Borno State", Loc)],
        ),
        (
            "in the Kursk Region: a capture",
            &[("Kursk", Loc)],
            &[("Kursk Region", Loc)],
        ),
        // A capitalised word after the suffix makes it another name.
        (
            "The US State Department said so.",
            &[("US", Loc), ("State Department", Org)],
            &[("US", Loc), ("State Department", Org)],
        ),
        ("in the Kursk region", &[("Kursk", Loc)], &[("Kursk", Loc)]),
        // A capitalised compass word before a place, not a state's.
        (
            "Russia pumps gas from Western Siberia through Ukraine.",
            &[
                ("Russia", Loc),
                ("Western", Misc),
                ("Siberia", Loc),
                ("Ukraine", Loc),
            ],
            &[("Russia", Loc), ("Western Siberia", Loc), ("Ukraine", Loc)],
        ),
        (
            "Fighters were killed in Southern Lebanon during the offensive.",
            &[("Lebanon", Loc)],
            &[("Lebanon", Loc)],
        ),
        (
            "Western Siberia supplies the gas.",
            &[("Western", Misc), ("Siberia", Loc)],
            &[("Western", Misc), ("Siberia", Loc)],
        ),
        // Named wars.
        (
            "They fought in the Donbas War against Russia and in the Ukrainian War.",
            &[("Donbas", Loc), ("Russia", Loc), ("Ukrainian", Misc)],
            &[
                ("Donbas War", Misc),
                ("Russia", Loc),
                ("Ukrainian War", Misc),
            ],
        ),
        (
            "Ukraine War Enters Third Year",
            &[("Ukraine", Loc)],
            &[("Ukraine", Loc)],
        ),
    ];
    for &(text, given, want) in cases {
        assert_eq!(drawn_names(&s, text, given), names(want), "{text:?}");
    }
}

#[test]
fn small_places_taken_for_people_are_places_by_their_words_or_their_list() {
    use EntityLabel::{Loc, Org, Per};
    let s = shipped();
    let cases: &[SpanCase] = &[
        // A place suffix or head word in a name tagged PER.
        (
            "The missiles go to Shizuoka Prefecture and Camp Kengun.",
            &[("Shizuoka Prefecture", Per), ("Camp Kengun", Per)],
            &[("Shizuoka Prefecture", Loc), ("Camp Kengun", Loc)],
        ),
        // Not in a name tagged ORG ("Ross County" is a club), nor in a name
        // with a lower-case word.
        (
            "Ross County beat Ayr.",
            &[("Ross County", Org), ("Ayr", Org)],
            &[("Ross County", Org), ("Ayr", Org)],
        ),
        // A person in a list of places, more of them places than persons.
        (
            "DeepState identified the settlements of Dachne, Novy Trud, and Volkove as captured.",
            &[
                ("DeepState", Org),
                ("Dachne", Loc),
                ("Novy Trud", Per),
                ("Volkove", Loc),
            ],
            &[
                ("DeepState", Org),
                ("Dachne", Loc),
                ("Novy Trud", Loc),
                ("Volkove", Loc),
            ],
        ),
        (
            "the settlements of Dachne, Novy Trud, and Volkove",
            &[("Dachne", Loc), ("Novy Trud", Per), ("Volkove", Per)],
            &[("Dachne", Loc), ("Novy Trud", Per), ("Volkove", Per)],
        ),
        // The conjunction ends the list: "Jeffers" is no part of it.
        (
            "Training would take place in Egypt and Jordan, Jeffers said.",
            &[("Egypt", Loc), ("Jordan", Loc), ("Jeffers", Per)],
            &[("Egypt", Loc), ("Jordan", Loc), ("Jeffers", Per)],
        ),
        // As many persons as places: the list is left as it is.
        (
            "Talks in Paris and Berlin, Macron, and Scholz went on.",
            &[
                ("Paris", Loc),
                ("Berlin", Loc),
                ("Macron", Per),
                ("Scholz", Per),
            ],
            &[
                ("Paris", Loc),
                ("Berlin", Loc),
                ("Macron", Per),
                ("Scholz", Per),
            ],
        ),
        (
            "Visits by Macron, Scholz and Meloni to Kyiv.",
            &[
                ("Macron", Per),
                ("Scholz", Per),
                ("Meloni", Per),
                ("Kyiv", Loc),
            ],
            &[
                ("Macron", Per),
                ("Scholz", Per),
                ("Meloni", Per),
                ("Kyiv", Loc),
            ],
        ),
    ];
    for &(text, given, want) in cases {
        assert_eq!(drawn_names(&s, text, given), names(want), "{text:?}");
    }
}

/// A name tagged PER in a context that takes only places is a small place
/// the recogniser took for a person (ANNOTATION.md: small places are LOC
/// places like any other), by the rules and with the shipped corrector.
#[test]
fn small_places_taken_for_people_are_places_by_their_context() {
    use EntityLabel::Per;
    let cases = [
        (
            "The force spread through Sweisa for an hour.",
            "Sweisa",
            Role::Place,
        ),
        (
            "They hit a camp in Hadaa Loggaa on Sunday.",
            "Hadaa Loggaa",
            Role::Place,
        ),
        (
            "They captured Jebel Aulia, a city south of Khartoum.",
            "Jebel Aulia",
            Role::Place,
        ),
        ("They left the town of Nawnghkio.", "Nawnghkio", Role::Place),
        // A closing quote is no possessive.
        (
            "He called it 'a raid in Sweisa' on Sunday.",
            "Sweisa",
            Role::Place,
        ),
        // Not after a preposition that takes people too, nor as a possessor
        // or before an apposition that names no territory.
        (
            "According to Sarea, three ships were hit.",
            "Sarea",
            Role::Actor,
        ),
        (
            "Airpower helped in Hafter's retreat.",
            "Hafter",
            Role::Actor,
        ),
        (
            "Airpower helped in Hawkins' retreat.",
            "Hawkins",
            Role::Actor,
        ),
        (
            "Sutthirot, a district chief, said so.",
            "Sutthirot",
            Role::Actor,
        ),
    ];
    for s in [shipped_rules(), shipped()] {
        for (text, name, want) in cases {
            let r = resolve_with(&s, text, Some(&[(name, Per)]));
            let got: Vec<_> = roles(text, &r)
                .into_iter()
                .filter(|(t, _, _)| t == name)
                .map(|(_, role, _)| role)
                .collect();
            assert_eq!(got, [want], "{text:?}");
            // A place is LOC whatever the recogniser called it; a person
            // stays PER.
            let label = if want == Role::Place {
                EntityLabel::Loc
            } else {
                Per
            };
            assert_eq!(r.entities[0].mention.label, label, "{text:?}");
        }
    }
}

#[test]
fn a_title_without_a_name_is_no_entity() {
    use EntityLabel::{Loc, Org, Per};
    let s = shipped();
    let cases: &[SpanCase] = &[
        (
            "Russia's Defense Minister added that talks went on.",
            &[("Russia", Loc), ("Defense Minister", Org)],
            &[("Russia", Loc)],
        ),
        (
            "The Secretary of State said so.",
            &[("Secretary of State", Org)],
            &[],
        ),
        (
            "The Prime Minister said so.",
            &[("Prime Minister", Per)],
            &[],
        ),
        (
            "The Defense Ministry said so.",
            &[("Defense Ministry", Org)],
            &[("Defense Ministry", Org)],
        ),
        (
            "The General Staff said so.",
            &[("General Staff", Org)],
            &[("General Staff", Org)],
        ),
    ];
    for &(text, given, want) in cases {
        assert_eq!(drawn_names(&s, text, given), names(want), "{text:?}");
    }
}

#[test]
fn a_dateline_name_is_a_place_wherever_it_recurs() {
    use EntityLabel::{Loc, Org, Per};
    let s = shipped();
    let text = "AADAN YABAAL, Somalia – Al-Shabaab militants seized the town of Aadan Yabaal \
                on Wednesday.\n\nFighters stormed Aadan Yabaal at dawn.";
    let got = drawn(
        &s,
        text,
        &[
            ("AADAN YABAAL", Loc),
            ("Somalia", Loc),
            ("Al-Shabaab", Org),
            ("Aadan Yabaal", Per),
            ("Aadan Yabaal", Per),
        ],
    );
    let yabaal: Vec<_> = got
        .iter()
        .filter(|(surface, ..)| surface.eq_ignore_ascii_case("Aadan Yabaal"))
        .map(|(_, label, role, _)| (*label, *role))
        .collect();
    assert_eq!(yabaal, [(Loc, Role::Place); 3], "{got:?}");
    // Without a dateline the recogniser's label stands, and a heading in
    // capitals is no dateline.
    for text in [
        "Militants seized Aadan Yabaal on Wednesday.",
        "AADAN YABAAL, SOMALIA – MILITANTS SEIZE TOWN\n\nMilitants seized Aadan Yabaal.",
    ] {
        let given: Vec<(&str, EntityLabel)> = if text.starts_with("AADAN") {
            vec![("AADAN YABAAL", Per), ("Aadan Yabaal", Per)]
        } else {
            vec![("Aadan Yabaal", Per)]
        };
        let got = drawn_names(&s, text, &given);
        assert!(
            got.iter()
                .filter(|(surface, _)| surface.eq_ignore_ascii_case("Aadan Yabaal"))
                .all(|(_, label)| *label == Per),
            "{text:?}: {got:?}"
        );
    }
}

#[test]
fn media_events_and_igos() {
    let s = setup();
    assert_eq!(
        role_of(&s, "A soldier told the BBC that he was afraid.", "BBC"),
        (Role::Other, None)
    );
    assert_eq!(
        role_of(
            &s,
            "It is the first war since the Korean War ended.",
            "Korean War"
        ),
        (Role::Other, None)
    );
    assert_eq!(
        role_of(&s, "NATO warned of escalation.", "NATO"),
        (Role::Actor, None)
    );
    let text = "Russia is paying.\nSource: Stern";
    let r = resolve_with(
        &s,
        text,
        Some(&[("Russia", EntityLabel::Loc), ("Stern", EntityLabel::Org)]),
    );
    assert_eq!(r.entities[1].role, Role::Other);
}

#[test]
fn mentions_group_into_actors_and_places() {
    let s = setup();
    let text = "North Korea sent troops to Russia. Pyongyang confirmed it. North Korean soldiers died in Kursk. \
                Fighting near Kursk went on.";
    let r = resolve_with(&s, text, None);
    let north_korea: Vec<_> = r
        .actors
        .iter()
        .filter(|a| a.name == "North Korea")
        .collect();
    assert_eq!(north_korea.len(), 1);
    assert_eq!(north_korea[0].mentions.len(), 3);
    assert_eq!(
        north_korea[0].country.map(|c| c.to_string()).as_deref(),
        Some("PRK")
    );
    for (i, e) in r.entities.iter().enumerate() {
        let list = match e.role {
            Role::Actor => &r.actors,
            Role::Place => &r.places,
            Role::Other => continue,
        };
        assert!(
            list[e.referent.unwrap()].mentions.contains(&i),
            "entity {i} not in its referent"
        );
    }
    let places: Vec<&str> = r.places.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(places, ["Russia", "Kursk"]);
    assert_eq!(r.places[1].mentions.len(), 2);
}

#[test]
fn unknown_names_group_by_text_and_surname() {
    let s = setup();
    let text = "Kyrylo Budanov said the units were ready. Budanov added that Kim had agreed.";
    let r = resolve_with(
        &s,
        text,
        Some(&[
            ("Kyrylo Budanov", EntityLabel::Per),
            ("Budanov", EntityLabel::Per),
            ("Kim", EntityLabel::Per),
        ]),
    );
    assert_eq!(r.actors.len(), 2, "{:?}", r.actors);
    assert_eq!(r.actors[0].name, "Kyrylo Budanov");
    assert_eq!(r.actors[0].mentions, [0, 1]);
    // "Kim" is a link-only alias: it links, though it never creates a mention.
    assert_eq!(r.actors[1].name, "Kim Jong Un");
    assert_eq!(
        r.entities[2].country.map(|c| c.to_string()).as_deref(),
        Some("PRK")
    );
}

#[test]
fn a_shared_surname_links_to_the_person_already_named() {
    let s = setup();
    let text = "Kim Yo Jong spoke first. Kim Min-seok replied. Later Kim said more.";
    let tokenized = TokenizedText::new(text);
    let doc = tokenized.view();
    let at = text.rfind("Kim").unwrap();
    let lone = mention_at(&doc, Span::new(at, at + 3), EntityLabel::Per);
    // Three entries share the link-only "Kim": it links to the one named
    // in the document ...
    let r = s.resolver.resolve(
        &doc,
        vec![
            mention_of(&doc, "Kim Yo Jong", EntityLabel::Per),
            lone.clone(),
        ],
    );
    assert_eq!(r.actors.len(), 1, "{:?}", r.actors);
    assert_eq!(r.actors[0].name, "Kim Yo Jong");
    // ... to the one named last when several are ...
    let both = vec![
        mention_of(&doc, "Kim Yo Jong", EntityLabel::Per),
        mention_of(&doc, "Kim Min-seok", EntityLabel::Per),
        lone.clone(),
    ];
    let r = s.resolver.resolve(&doc, both);
    assert_eq!(
        r.actors[r.entities[2].referent.unwrap()].name,
        "Kim Min-seok"
    );
    // ... and to the dictionary's first with none named.
    let r = s.resolver.resolve(&doc, vec![lone]);
    assert_eq!(r.actors[0].name, "Kim Jong Un");
}

#[test]
fn unknown_names_take_a_country_from_cheap_context() {
    let s = setup();
    let text = "Ukrainian President Volodymyr Zelensky warned of more. Fighters reached Russia's Belgorod region.";
    let r = resolve_with(
        &s,
        text,
        Some(&[
            ("Ukrainian", EntityLabel::Misc),
            ("Volodymyr Zelensky", EntityLabel::Per),
            ("Russia", EntityLabel::Loc),
            ("Belgorod", EntityLabel::Loc),
        ]),
    );
    let got = roles(text, &r);
    assert_eq!(
        got[1],
        ("Volodymyr Zelensky".into(), Role::Actor, Some("UKR".into()))
    );
    // Only office words may stand between: not "in the".
    let text = "North Korean soldiers in the Donbas fought.";
    let r = resolve_with(
        &s,
        text,
        Some(&[
            ("North Korean", EntityLabel::Misc),
            ("Donbas", EntityLabel::Loc),
        ]),
    );
    assert_eq!(roles(text, &r)[1], ("Donbas".into(), Role::Place, None));
    assert_eq!(got[3], ("Belgorod".into(), Role::Place, Some("RUS".into())));
}

#[test]
fn a_label_conflict_keeps_the_recogniser_label_and_is_noted() {
    let s = setup();
    let text = "Pyongyang confirmed the deployment.";
    let r = resolve_with(&s, text, Some(&[("Pyongyang", EntityLabel::Per)]));
    assert_eq!(r.entities[0].mention.label, EntityLabel::Per);
    assert_eq!(r.entities[0].role, Role::Actor);
    assert_eq!(
        r.entities[0].country.map(|c| c.to_string()).as_deref(),
        Some("PRK")
    );
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("Pyongyang") && n.contains("LOC")),
        "{:?}",
        r.notes
    );
}

/// The conflict-news conventions of ANNOTATION.md that the dictionary
/// enforces by models/labels.toml: a sure name corrects the recogniser's
/// label (noted), hyphen suffixes are cut, a named army is kept whole, a
/// newspaper keeps its "The", and a state name the recogniser missed is
/// added (not inside a currency).
#[test]
fn sure_dictionary_names_correct_labels_and_spans() {
    let extra = r#"{"name":"Russian Army","kind":"force","country":"RUS","label":"ORG","aliases":["Russian Army"]}
{"name":"The Washington Post","kind":"media","country":"USA","label":"ORG","aliases":["The Washington Post","Washington Post"]}
{"name":"United States","kind":"state","country":"USA","label":"LOC","aliases":["United States","US"]}
{"name":"Wagner Group","kind":"force","country":"RUS","label":"ORG","aliases":["Wagner Group","Wagner"]}
"#;
    let s = setup_with(&format!("{SAMPLE}{extra}"));
    let shown = |r: &Resolution, text: &str| -> Vec<(String, EntityLabel)> {
        r.entities
            .iter()
            .map(|e| (e.mention.span.slice(text).to_string(), e.mention.label))
            .collect()
    };
    let text = "The Kremlin said Wagner fighters had left.";
    let r = resolve_with(
        &s,
        text,
        Some(&[("Kremlin", EntityLabel::Loc), ("Wagner", EntityLabel::Per)]),
    );
    assert_eq!(
        shown(&r, text),
        [
            ("Kremlin".to_string(), EntityLabel::Org),
            ("Wagner".to_string(), EntityLabel::Org)
        ]
    );
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("gave the actor dictionary's label") && n.contains("Kremlin")),
        "{:?}",
        r.notes
    );

    let text = "Kremlin-linked bloggers praised the Russian Army in The Washington Post.";
    let r = resolve_with(
        &s,
        text,
        Some(&[
            ("Kremlin-linked", EntityLabel::Misc),
            ("Russian", EntityLabel::Misc),
            ("Washington Post", EntityLabel::Org),
        ]),
    );
    assert_eq!(
        shown(&r, text),
        [
            ("Kremlin".to_string(), EntityLabel::Org),
            ("Russian Army".to_string(), EntityLabel::Org),
            ("The Washington Post".to_string(), EntityLabel::Org)
        ]
    );

    // A missed state is the name alone, not the dash after it (the key
    // of "UKRAINE –" is "ukraine").
    let text = "KYIV, UKRAINE – TROOPS ADVANCE";
    let r = resolve_with(&s, text, Some(&[]));
    assert_eq!(shown(&r, text), [("UKRAINE".to_string(), EntityLabel::Loc)]);
    let text = "Officials of the US and NATO spoke of US$750 billion.";
    let r = resolve_with(&s, text, Some(&[("NATO", EntityLabel::Org)]));
    assert_eq!(
        shown(&r, text),
        [
            ("US".to_string(), EntityLabel::Loc),
            ("NATO".to_string(), EntityLabel::Org)
        ]
    );
    assert_eq!(
        r.entities[0].country.map(|c| c.to_string()).as_deref(),
        Some("USA")
    );
}

/// Role and actor-country scores of the resolver on the gold mentions of
/// fixtures/gold.jsonl, with the shipped dictionary.
#[test]
fn oracle_mentions_on_the_gold_fixtures() {
    let gold_path = repo().join("fixtures/gold.jsonl");
    let models = repo().join("models");
    let gold = gold::read(&gold_path).unwrap();
    let resolver = Resolver::load(&models).unwrap();
    let (role, countries) = oracle_scores(&resolver, &gold);
    println!(
        "oracle mentions, role (exact span and role): {}",
        line(&role.overall)
    );
    for (label, prf) in &role.per_label {
        println!("  {label:<6} {}", line(prf));
    }
    println!(
        "oracle mentions, actor countries per document: {}",
        line(&countries)
    );
    assert!(
        role.overall.f1() >= 0.75,
        "role F1 {:.3}",
        role.overall.f1()
    );
    assert!(
        countries.f1() >= 0.8,
        "actor-country F1 {:.3}",
        countries.f1()
    );
}

/// The role and actor-country scores of `eval` for the resolver's entities
/// on the gold mentions themselves (so strict scores are perfect, unused).
fn oracle_scores(resolver: &Resolver, gold: &gold::GoldSet) -> (Scores, Prf) {
    let mut scorer = Scorer::new(false);
    for doc in &gold.docs {
        let tokenized = TokenizedText::new(doc.text.as_str());
        let tk = tokenized.view();
        let mentions = doc
            .entities
            .iter()
            .map(|e| mention_at(&tk, e.span, e.label))
            .collect();
        let r = resolver.resolve(&tk, mentions);
        scorer.add(doc, &Prediction::from_entities(&r.entities));
    }
    let (report, _) = scorer.finish(gold, ReportEngine::Records(serde_json::Value::Null));
    (
        report.entities.role.expect("the fixtures have roles"),
        report.actor_countries.expect("the fixtures have countries"),
    )
}

fn line(p: &Prf) -> String {
    format!(
        "P {:.3} R {:.3} F1 {:.3} (tp {} fp {} fn {})",
        p.precision(),
        p.recall(),
        p.f1(),
        p.tp,
        p.fp,
        p.fn_
    )
}

/// Every state, capital and demonym of the shipped dictionary, in the same
/// frames: the rules must not depend on the seed articles' names.
#[test]
fn shipped_dictionary_generalises_over_states_capitals_and_demonyms() {
    let s = shipped();
    let mut failures = Vec::new();
    let mut checked = 0;
    for entry in s.resolver.dictionary().entries() {
        let Some(country) = entry.country.map(|c| c.to_string()) else {
            continue;
        };
        let frames: &[(&str, Role)] = match entry.kind {
            Kind::State | Kind::Capital => &[
                ("{} confirmed the report on Monday.", Role::Actor),
                ("Talks were held in {} on Monday.", Role::Place),
            ],
            Kind::Demonym => &[
                ("Officials said {} troops arrived.", Role::Actor),
                ("They stood on {} soil.", Role::Place),
            ],
            _ => continue,
        };
        // The first alias that may create a mention ("Kursk", not "Kursk region").
        let Some(alias) = entry.aliases.iter().find(|a| {
            a.split(' ')
                .next_back()
                .is_some_and(|w| w.chars().any(char::is_uppercase))
        }) else {
            continue;
        };
        for (frame, want) in frames {
            let text = frame.replace("{}", alias);
            let r = resolve_with(&s, &text, None);
            let got = roles(&text, &r);
            checked += 1;
            if !got.iter().any(|(t, role, c)| {
                t == alias && role == want && c.as_deref() == Some(country.as_str())
            }) {
                failures.push(format!("{text:?}: {got:?}"));
            }
        }
    }
    println!("{checked} sentences, {} failures", failures.len());
    assert!(checked > 500, "only {checked} sentences");
    assert!(
        failures.is_empty(),
        "{} of {checked} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// --- Conventions for conflict news (ANNOTATION.md), one sentence each ---

/// (surface, role, country) of every entity, with the shipped dictionary
/// and the mentions given (names the dictionary does not know need them).
fn shipped_roles(
    s: &Setup,
    text: &str,
    mentions: &[(&str, EntityLabel)],
) -> Vec<(String, Role, Option<String>)> {
    roles(text, &resolve_with(s, text, Some(mentions)))
}

fn other() -> (Role, Option<String>) {
    (Role::Other, None)
}

#[test]
fn media_platforms_and_research_groups_cited_as_sources_are_other() {
    let s = shipped();
    assert_eq!(
        role_of(&s, "Ukraine's army said in a Facebook post.", "Facebook"),
        other()
    );
    assert_eq!(
        role_of(
            &s,
            "The clashes killed 20, the Syrian Observatory for Human Rights said.",
            "Syrian Observatory for Human Rights"
        ),
        other()
    );
    assert_eq!(
        role_of(
            &s,
            "Deaths rose, according to the ACLED analysis group.",
            "ACLED"
        ),
        other()
    );
    // Names the dictionary does not know: after a medium's noun, or with
    // a research or news word in the name.
    let text = "Moscow is deploying more, writes the Hungarian news outlet Mandiner.";
    let got = shipped_roles(
        &s,
        text,
        &[
            ("Moscow", EntityLabel::Loc),
            ("Hungarian", EntityLabel::Misc),
            ("Mandiner", EntityLabel::Org),
        ],
    );
    assert_eq!(got[2], ("Mandiner".into(), Role::Other, None));
    let text = "Videos geolocated by Sudan War Monitor confirmed the advance.";
    let got = shipped_roles(&s, text, &[("Sudan War Monitor", EntityLabel::Org)]);
    assert_eq!(got[0], ("Sudan War Monitor".into(), Role::Other, None));
}

#[test]
fn nationalities_before_goods_are_their_origin() {
    let s = shipped();
    assert_eq!(
        role_of(&s, "Ukraine shot down an Iranian drone.", "Iranian"),
        place("IRN")
    );
    assert_eq!(
        role_of(
            &s,
            "Experts questioned the quality of North Korean ammunition.",
            "North Korean"
        ),
        place("PRK")
    );
    // (The recogniser finds the name inside a hyphenated word.)
    let text = "The soldier carried Russian-made weapons.";
    let got = shipped_roles(&s, text, &[("Russian", EntityLabel::Misc)]);
    assert_eq!(got[0], ("Russian".into(), Role::Place, Some("RUS".into())));
    // An abbreviation's full stop ends its token: "U.S.-" is read as "US-".
    for (text, role) in [
        ("The U.S.-made rifles arrived.", Role::Place),
        ("The U.S.-led coalition struck.", Role::Actor),
    ] {
        let got = shipped_roles(&s, text, &[("U.S.", EntityLabel::Loc)]);
        assert_eq!(got[0], ("U.S.".into(), role, Some("USA".into())), "{text}");
    }
    // A force's own weapons, used against a target, name the force.
    assert_eq!(
        role_of(
            &s,
            "Training centres are constant targets for Russian missiles.",
            "Russian"
        ),
        actor("RUS")
    );
}

#[test]
fn nationalities_name_who_unless_a_language_or_style() {
    let s = shipped();
    assert_eq!(
        role_of(
            &s,
            "They ensured Russian victories in the region.",
            "Russian"
        ),
        actor("RUS")
    );
    assert_eq!(
        role_of(
            &s,
            "One South Korean lawmaker estimated the number.",
            "South Korean"
        ),
        actor("KOR")
    );
    assert_eq!(
        role_of(
            &s,
            "Their approach resembles the Soviet military style of the 1950s.",
            "Soviet"
        ),
        other()
    );
    let text = "The prisoners do not speak Ukrainian, Russian or English.";
    let r = resolve_with(&s, text, None);
    assert!(
        r.entities.iter().all(|e| e.role == Role::Other),
        "{:?}",
        roles(text, &r)
    );
    // Hyphenated: the name before the hyphen, by what the suffix says.
    let text = "Iranian-backed Houthis fired missiles.";
    let got = shipped_roles(
        &s,
        text,
        &[
            ("Iranian", EntityLabel::Misc),
            ("Houthis", EntityLabel::Org),
        ],
    );
    assert_eq!(got[0], ("Iranian".into(), Role::Actor, Some("IRN".into())));
    let text = "A London-based institute said so.";
    let got = shipped_roles(&s, text, &[("London", EntityLabel::Loc)]);
    assert_eq!(got[0], ("London".into(), Role::Place, Some("GBR".into())));
}

#[test]
fn states_and_places_by_what_the_sentence_says_of_them() {
    // The rules' reading under ANNOTATION.md. The shipped corrector, trained
    // on the corpus, may override some of it where the labellers split (a
    // state after a transfer noun and "to", "arms sales to", "shells sent
    // to", is an actor 15 times and a place 11 times there).
    let s = shipped_rules();
    // Territory: inside a state, its border, its parts.
    assert_eq!(
        role_of(&s, "North Korean troops in Russia were killed.", "Russia"),
        place("RUS")
    );
    assert_eq!(
        role_of(
            &s,
            "The rebels won victories along Myanmar's border with China.",
            "Myanmar"
        ),
        place("MMR")
    );
    assert_eq!(
        role_of(
            &s,
            "The rebels won victories along Myanmar's border with China.",
            "China"
        ),
        place("CHN")
    );
    assert_eq!(
        role_of(&s, "Civilians have fled southern Lebanon.", "Lebanon"),
        place("LBN")
    );
    assert_eq!(
        role_of(&s, "Russia launched its invasion of Ukraine.", "Ukraine"),
        place("UKR")
    );
    assert_eq!(
        role_of(&s, "Putin visited Pyongyang in June.", "Pyongyang"),
        place("PRK")
    );
    assert_eq!(
        role_of(
            &s,
            "He spoke at a conference in Wiesbaden, Germany.",
            "Germany"
        ),
        place("DEU")
    );
    // Metonymy, recipients, whose role.
    assert_eq!(
        role_of(&s, "Moscow said the talks had failed.", "Moscow"),
        actor("RUS")
    );
    assert_eq!(
        role_of(
            &s,
            "Washington approved arms sales worth $619 million to Taiwan.",
            "Taiwan"
        ),
        actor("TWN")
    );
    assert_eq!(
        role_of(&s, "Pyongyang sent troops to Russia.", "Russia"),
        place("RUS")
    );
    assert_eq!(
        role_of(
            &s,
            "Analysts weighed the role of the United States.",
            "United States"
        ),
        actor("USA")
    );
    assert_eq!(
        role_of(&s, "No US personnel were injured.", "US"),
        actor("USA")
    );
    // Cities and regions stay places as subjects; capitals act.
    assert_eq!(
        role_of(&s, "Aleppo remains a key prize.", "Aleppo"),
        place("SYR")
    );
    // States joined by hyphens are the parties of a relation, unless the
    // compound names a territory.
    let text = "The Ukraine-Russia conflict goes on.";
    let got = shipped_roles(&s, text, &[("Ukraine-Russia", EntityLabel::Misc)]);
    assert_eq!(got[1], ("Russia".into(), Role::Actor, Some("RUS".into())));
    let text = "He crossed the Myanmar-China border.";
    let got = shipped_roles(&s, text, &[("Myanmar-China", EntityLabel::Misc)]);
    assert_eq!(got[1], ("China".into(), Role::Place, Some("CHN".into())));
    // A list shares its context.
    let text = "Attacks rose in Niger, Burkina Faso, and Mali.";
    let r = resolve_with(&s, text, None);
    assert!(
        r.entities.iter().all(|e| e.role == Role::Place),
        "{:?}",
        roles(text, &r)
    );
}

#[test]
fn datelines_are_places_with_their_code() {
    let s = shipped();
    let text = "KYIV, Ukraine (AP) — Russia struck the capital overnight.";
    let got = shipped_roles(
        &s,
        text,
        &[
            ("KYIV", EntityLabel::Loc),
            ("Ukraine", EntityLabel::Loc),
            ("AP", EntityLabel::Org),
            ("Russia", EntityLabel::Loc),
        ],
    );
    assert_eq!(got[0], ("KYIV".into(), Role::Place, Some("UKR".into())));
    assert_eq!(got[1], ("Ukraine".into(), Role::Place, Some("UKR".into())));
    assert_eq!(got[3], ("Russia".into(), Role::Actor, Some("RUS".into())));
}

#[test]
fn operations_and_wars_as_dates_are_other() {
    let s = shipped();
    let text = "Since Operation Barbarossa, the front has moved twice.";
    let got = shipped_roles(&s, text, &[("Operation Barbarossa", EntityLabel::Misc)]);
    assert_eq!(got[0], ("Operation Barbarossa".into(), Role::Other, None));
    assert_eq!(
        role_of(
            &s,
            "It is the first war since the Korean War.",
            "Korean War"
        ),
        other()
    );
}

#[test]
fn people_take_the_country_the_text_gives_them() {
    let s = shipped();
    let text = "Ukrainian Sergeant Mykola Hrytsenko described the attack. Hrytsenko said they ran.";
    let r = resolve_with(
        &s,
        text,
        Some(&[
            ("Ukrainian", EntityLabel::Misc),
            ("Mykola Hrytsenko", EntityLabel::Per),
            ("Hrytsenko", EntityLabel::Per),
        ]),
    );
    let got = roles(text, &r);
    assert_eq!(got[0].1, Role::Actor);
    assert_eq!(got[1].2.as_deref(), Some("UKR"));
    assert_eq!(
        got[2].2.as_deref(),
        Some("UKR"),
        "the surname is the same person"
    );
    assert_eq!(r.entities[1].referent, r.entities[2].referent);
    let text = "Ukraine's Defence Minister Oleh Marchenko flew to Brussels.";
    let got = shipped_roles(
        &s,
        text,
        &[
            ("Ukraine", EntityLabel::Loc),
            ("Oleh Marchenko", EntityLabel::Per),
            ("Brussels", EntityLabel::Loc),
        ],
    );
    assert_eq!(
        got[1],
        ("Oleh Marchenko".into(), Role::Actor, Some("UKR".into()))
    );
}

#[test]
fn one_actor_keeps_one_name_kind_and_country_in_a_document() {
    let s = shipped();
    // A shared short form takes the state the text names.
    let text = "Oleksandr Pivnenko, head of Ukraine's National Guard, said Russia had more men.";
    let got = shipped_roles(
        &s,
        text,
        &[
            ("Oleksandr Pivnenko", EntityLabel::Per),
            ("Ukraine", EntityLabel::Loc),
            ("National Guard", EntityLabel::Org),
            ("Russia", EntityLabel::Loc),
        ],
    );
    assert_eq!(
        got[2],
        ("National Guard".into(), Role::Actor, Some("UKR".into()))
    );
    // A bracketed abbreviation is its name.
    let text = "Ukraine's Coordination Headquarters (CHTPW) said the exchange went well.";
    let r = resolve_with(
        &s,
        text,
        Some(&[
            ("Ukraine", EntityLabel::Loc),
            ("Coordination Headquarters", EntityLabel::Org),
            ("CHTPW", EntityLabel::Org),
        ]),
    );
    let got = roles(text, &r);
    assert_eq!(got[1].2.as_deref(), Some("UKR"), "{got:?}");
    assert_eq!(got[2].2.as_deref(), Some("UKR"), "{got:?}");
    assert_eq!(r.entities[1].referent, r.entities[2].referent);
    // The article's own definition of an abbreviation holds for its later
    // mentions too, over the dictionary's ("SDF" is Syria's there).
    let text = "Japan's Self-Defense Forces (SDF) held drills. The SDF said it would expand.";
    let r = resolve_with(
        &s,
        text,
        Some(&[
            ("Japan", EntityLabel::Loc),
            ("Self-Defense Forces", EntityLabel::Org),
            ("SDF", EntityLabel::Org),
            ("SDF", EntityLabel::Org),
        ]),
    );
    let got = roles(text, &r);
    assert_eq!(got[1].2.as_deref(), Some("JPN"), "{got:?}");
    assert_eq!(got[2].2.as_deref(), Some("JPN"), "{got:?}");
    assert_eq!(got[3].2.as_deref(), Some("JPN"), "{got:?}");
    // A variant spelling of the dictionary's name before its abbreviation
    // is that entry; a name of another state's place is not.
    let text = "Tehreek-e-Taliban Pakistan (TTP) struck. Puntland Defence Forces (PDF) left.";
    let got = shipped_roles(
        &s,
        text,
        &[
            ("Tehreek-e-Taliban Pakistan", EntityLabel::Org),
            ("TTP", EntityLabel::Org),
            ("Puntland Defence Forces", EntityLabel::Org),
            ("PDF", EntityLabel::Org),
        ],
    );
    assert_eq!(got[0].2.as_deref(), Some("PAK"), "{got:?}");
    assert_eq!(got[1].2.as_deref(), Some("PAK"), "{got:?}");
    assert_ne!(got[3].2.as_deref(), Some("MMR"), "{got:?}");
    // Without the definition, the dictionary's.
    let text = "The SDF said it would expand.";
    let got = shipped_roles(&s, text, &[("SDF", EntityLabel::Org)]);
    assert_eq!(got[0].2.as_deref(), Some("SYR"), "{got:?}");
    // A backer cut from a compound is not the state of the group after it
    // ("Iran-backed Hezbollah"), as a state before its body is ("US Navy").
    let text = "The Iran-backed Hezbollah fired rockets as the US Navy sailed.";
    let got = shipped_roles(
        &s,
        text,
        &[
            ("Iran-backed", EntityLabel::Loc),
            ("Hezbollah", EntityLabel::Org),
            ("US", EntityLabel::Loc),
            ("Navy", EntityLabel::Org),
        ],
    );
    assert_eq!(got[0].0, "Iran", "{got:?}");
    assert_eq!(got[1].2.as_deref(), Some("LBN"), "{got:?}");
    assert_eq!(got[3].2.as_deref(), Some("USA"), "{got:?}");
    // A named vessel is an actor of its navy's state, and so is its bare
    // name later.
    let text = "HMS Diamond shot down drones. Later Diamond destroyed two more.";
    let tokenized = TokenizedText::new(text);
    let doc = tokenized.view();
    let later = text.rfind("Diamond").unwrap();
    let r = s.resolver.resolve(
        &doc,
        vec![
            mention_of(&doc, "HMS Diamond", EntityLabel::Misc),
            mention_at(&doc, Span::new(later, later + 7), EntityLabel::Misc),
        ],
    );
    let got = roles(text, &r);
    assert_eq!(
        got[0],
        ("HMS Diamond".into(), Role::Actor, Some("GBR".into()))
    );
    assert_eq!(got[1], ("Diamond".into(), Role::Actor, Some("GBR".into())));
    assert_eq!(r.actors.len(), 1, "{:?}", r.actors);
}

#[test]
fn international_organisations_and_think_tanks_have_no_code() {
    let s = shipped();
    assert_eq!(
        role_of(&s, "NATO warned Moscow.", "NATO"),
        (Role::Actor, None)
    );
    let r = resolve_with(&s, "The Institute for the Study of War said so.", None);
    assert_eq!(r.entities[0].country, None);
}

/// The role model's training rows are read by the resolver's own code:
/// the same document gives the same rows, with the rules' role; another
/// context gives other features.
#[test]
fn role_rows_are_deterministic_and_read_the_context() {
    let s = setup();
    let rows = |text: &str| {
        let tokenized = TokenizedText::new(text);
        let doc = tokenized.view();
        let m = mention_of(&doc, "Russia", EntityLabel::Loc);
        s.resolver.role_rows(&doc, &[m])
    };
    let subject = rows("Russia sent troops.");
    assert_eq!(subject, rows("Russia sent troops."));
    assert_eq!(subject.len(), 1);
    let (row, rule) = subject[0].as_ref().expect("read from context");
    assert_eq!(*rule, Role::Actor);
    assert!(row.words.len() >= 15, "{} features", row.words.len());
    assert!(
        row.words.windows(2).all(|w| w[0] < w[1]),
        "sorted, distinct"
    );
    let place = rows("Troops were sent to Russia.");
    let (place, rule) = place[0].as_ref().expect("read from context");
    assert_eq!(*rule, Role::Place);
    assert_ne!(place.words, row.words);
    // A hyphenated compound's role is fixed by its form: no row.
    assert!(rows("Russia-backed militias attacked.")[0].is_none());
}

/// Named weapons (ANNOTATION.md: MISC) are role other with no country,
/// whoever uses them: "Russian Shahed drones" gives Russia the actor, not
/// the drone.
#[test]
fn shipped_weapons_are_misc_of_no_role_and_no_country() {
    let s = shipped();
    let text = "Ukraine received its first F-16s while Russia launched Shahed drones and Iskander-M missiles.";
    let r = resolve_with(&s, text, None);
    let got = roles(text, &r);
    for weapon in ["F-16s", "Shahed", "Iskander-M"] {
        let found = got.iter().find(|(t, _, _)| t == weapon);
        assert_eq!(
            found.map(|(_, role, c)| (*role, c.clone())),
            Some((Role::Other, None)),
            "{weapon}: {got:?}"
        );
    }
    let entity = r
        .entities
        .iter()
        .find(|e| e.mention.span.slice(text) == "F-16s")
        .unwrap();
    assert_eq!(entity.mention.label, EntityLabel::Misc);
    assert_eq!(role_of(&s, text, "Russia"), actor("RUS"));
}

/// A state body whose name other states' bodies share takes the state the
/// text gives it, even where the dictionary knows the name as another
/// state's: "Poland's Ministry of National Defense" is Poland's, not South
/// Korea's; "Ukraine's Security Service" is Ukraine's.
#[test]
fn a_body_belongs_to_the_state_the_text_gives_it() {
    let s = shipped();
    let text = "Poland's Ministry of National Defense and Ukraine's Security Service met the Polish National Security Council.";
    let r = resolve_with(
        &s,
        text,
        Some(&[
            ("Poland", EntityLabel::Loc),
            ("Ministry of National Defense", EntityLabel::Org),
            ("Ukraine", EntityLabel::Loc),
            ("Security Service", EntityLabel::Org),
            ("Polish", EntityLabel::Misc),
            ("National Security Council", EntityLabel::Org),
        ]),
    );
    let got = roles(text, &r);
    let country = |surface: &str| {
        got.iter()
            .find(|(t, _, _)| t == surface)
            .and_then(|(_, _, c)| c.clone())
    };
    assert_eq!(
        country("Ministry of National Defense").as_deref(),
        Some("POL"),
        "{got:?}"
    );
    assert_eq!(
        country("Security Service").as_deref(),
        Some("UKR"),
        "{got:?}"
    );
    assert_eq!(
        country("National Security Council").as_deref(),
        Some("POL"),
        "{got:?}"
    );
    // A name several states' bodies share, with no state beside it, is the
    // body of the state the article named last; of none if it named none.
    let text = "Drones flew over Constanta, Romania, on Sunday. The Ministry of National Defense said drills would go on.";
    let r = resolve_with(
        &s,
        text,
        Some(&[
            ("Constanta", EntityLabel::Loc),
            ("Romania", EntityLabel::Loc),
            ("Ministry of National Defense", EntityLabel::Org),
        ]),
    );
    let got = roles(text, &r);
    assert_eq!(got[2].2.as_deref(), Some("ROU"), "{got:?}");
    let text = "The Ministry of National Defense said on Monday that drills would go on.";
    let r = resolve_with(
        &s,
        text,
        Some(&[("Ministry of National Defense", EntityLabel::Org)]),
    );
    assert_eq!(roles(text, &r)[0].2, None);
    // Where the article named states that have such a body in the
    // dictionary, the name is the body of the one it named last ("Chinese").
    let text = "Taiwan reported Chinese aircraft near the island. The Ministry of National Defense said drills would go on.";
    let r = resolve_with(
        &s,
        text,
        Some(&[
            ("Taiwan", EntityLabel::Loc),
            ("Chinese", EntityLabel::Misc),
            ("Ministry of National Defense", EntityLabel::Org),
        ]),
    );
    let got = roles(text, &r);
    assert_eq!(got[2].2.as_deref(), Some("CHN"), "{got:?}");
}

/// A nickname in quotes inside a person's name is part of the name, as the
/// corpus tags "Jimmy 'Barbecue' Chérizier" and "Ismael “El Mayo” Zambada";
/// quoted words between two names that are not people, or a quotation
/// after a name, join nothing.
#[test]
fn a_nickname_in_quotes_is_part_of_the_name() {
    let s = shipped();
    let text = "Jimmy 'Barbecue' Chérizier met Ismael “El Mayo” Zambada in Haiti.";
    let r = resolve_with(
        &s,
        text,
        Some(&[
            ("Jimmy", EntityLabel::Per),
            ("Chérizier", EntityLabel::Per),
            ("Ismael “El", EntityLabel::Per),
            ("Zambada", EntityLabel::Per),
            ("Haiti", EntityLabel::Loc),
        ]),
    );
    let got: Vec<String> = roles(text, &r).into_iter().map(|(t, _, _)| t).collect();
    assert_eq!(
        got,
        [
            "Jimmy 'Barbecue' Chérizier",
            "Ismael “El Mayo” Zambada",
            "Haiti"
        ],
        "{got:?}"
    );
    let text = "Russia 'Strongly' Ukraine. Biden said 'Never' Putin would win.";
    let r = resolve_with(
        &s,
        text,
        Some(&[
            ("Russia", EntityLabel::Loc),
            ("Ukraine", EntityLabel::Loc),
            ("Biden", EntityLabel::Per),
            ("Putin", EntityLabel::Per),
        ]),
    );
    let got: Vec<String> = roles(text, &r).into_iter().map(|(t, _, _)| t).collect();
    assert_eq!(got, ["Russia", "Ukraine", "Biden", "Putin"], "{got:?}");
}

/// A unit's number is part of its name, as the corpus's labellers tag
/// every numbered unit: after the name ("Armoured Brigade 45",
/// "Infantry Battalion No. 14") or as a bare number before a name of two
/// words or more ("11 Rashtriya Rifles"). A number after a capitalised
/// word is a date's ("May 11 Rashtriya Rifles"), and a number before a
/// one-word name, or before a force and a member noun, a count ("2 Army
/// officers", "20 Indian Army personnel", "30 New People's Army (NPA)
/// insurgents").
#[test]
fn a_unit_keeps_its_number() {
    let s = shipped();
    let text = "Armoured Brigade 45 and Infantry Battalion No. 14 relieved 11 Rashtriya Rifles. \
                Since May 11 Assam Rifles has held the pass, and 2 Army officers left. \
                Then 20 Indian Army personnel and 30 New People's Army (NPA) insurgents met.";
    let r = resolve_with(
        &s,
        text,
        Some(&[
            ("Armoured Brigade", EntityLabel::Org),
            ("Infantry Battalion", EntityLabel::Org),
            ("Rashtriya Rifles", EntityLabel::Org),
            ("Assam Rifles", EntityLabel::Org),
            ("Army", EntityLabel::Org),
            ("Indian Army", EntityLabel::Org),
            ("New People's Army", EntityLabel::Org),
            ("NPA", EntityLabel::Org),
        ]),
    );
    let got: Vec<String> = roles(text, &r).into_iter().map(|(t, _, _)| t).collect();
    assert_eq!(
        got,
        [
            "Armoured Brigade 45",
            "Infantry Battalion No. 14",
            "11 Rashtriya Rifles",
            "Assam Rifles",
            "Army",
            "Indian Army",
            "New People's Army",
            "NPA"
        ],
        "{got:?}"
    );
}

/// Names joined by an en dash written without spaces are one compound, as
/// with a hyphen: "the Thai–Cambodian border" is where (both places), "the
/// Ukraine–Russia war" is fought by its parties (both actors).
#[test]
fn an_en_dash_joins_a_compound_as_a_hyphen_does() {
    let s = shipped();
    let text = "Troops moved along the Thai–Cambodian border. The Ukraine–Russia war goes on.";
    let r = resolve_with(&s, text, None);
    let got: Vec<(String, Role)> = roles(text, &r)
        .into_iter()
        .map(|(t, r, _)| (t, r))
        .collect();
    let expected = [
        ("Thai", Role::Place),
        ("Cambodian", Role::Place),
        ("Ukraine", Role::Actor),
        ("Russia", Role::Actor),
    ]
    .map(|(t, r)| (t.to_string(), r));
    assert_eq!(got, expected, "{got:?}");
}
