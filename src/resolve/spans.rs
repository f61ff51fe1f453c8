//! Mention spans as ANNOTATION.md draws them, whatever the recogniser's
//! tokens gave: only the name part of a hyphenated compound ("non-Russian"
//! → "Russian", "Russo-Georgian" → "Russo" + "Georgian"), a state or
//! nationality before a body as its own mention ("US State Department" →
//! "US" + "State Department"), a capitalised force name whole ("Georgian
//! Legion"), a place's capitalised suffix inside its name ("Gwoza Local
//! Government Area"), no title without a name ("the Defense Minister"), a
//! nickname in quotes inside a person's name ("Jimmy 'Barbecue' Chérizier")
//! part of the name, and a dateline's name a place wherever it recurs. The word lists are data, in
//! `models/spans.toml`; this module applies them.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;

use crate::document::Tokenized;
use crate::error::Result;
use crate::ner::{EntityLabel, Mention};
use crate::resolve::roles::in_word_list;
use crate::resolve::{normalize_into, starts_upper, Dictionary, EntryId, Kind, RoleRules};
use crate::text::Span;

/// File name of the span rules under the models directory.
pub const SPANS_FILE: &str = "spans.toml";

/// The hyphens that join the parts of a compound ("Ukraine-Russia",
/// "non-Russian"), as [`normalize_into`] reads them.
pub const HYPHENS: &[char] = &['-', '‐', '–'];

/// The most words a force name or a place suffix adds after a mention
/// ("Special Operations Forces" is 3, "Local Government Area" 3).
const MAX_EXTRA_TOKENS: usize = 4;

/// The most words of a state or nationality at the start of a body's name
/// ("North Korean", "Central African Republic").
const MAX_PREFIX_TOKENS: usize = 3;

/// The most words of a nickname in quotes inside a name ("El Mayo").
const MAX_NICKNAME_TOKENS: usize = 3;

/// Quote marks that open or close a nickname.
const QUOTES: &[&str] = &["'", "\"", "‘", "’", "“", "”"];

/// The shortest lower-case word after a hyphen that is cut off
/// ("Muslim-majority", "Kremlin-led"); shorter ones are rarely English words
/// and often parts of names ("Gyeonggi-do").
const MIN_SUFFIX_LEN: usize = 3;

/// The rules as written in `spans.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    name_particles: Vec<String>,
    prefixes: Vec<String>,
    participles: Vec<String>,
    combining_forms: BTreeMap<String, String>,
    bodies: RawBodies,
    places: RawPlaces,
    events: RawEvents,
    titles: RawTitles,
    lists: RawLists,
    weapons: RawWeapons,
    calendar: RawCalendar,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBodies {
    split_heads: Vec<String>,
    force_heads: Vec<String>,
    member_nouns: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlaces {
    prefixes: Vec<String>,
    suffixes: Vec<String>,
    heads: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvents {
    suffixes: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLists {
    separators: Vec<String>,
    conjunctions: Vec<String>,
    min_places: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCalendar {
    words: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWeapons {
    heads: Vec<String>,
    modifiers: Vec<String>,
    generic: Vec<String>,
    compound_nouns: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTitles {
    titles: Vec<String>,
    title_words: Vec<String>,
}

/// The span conventions of `spans.toml`. Word lists hold lower-case words;
/// the words of place and event names keep their capitals, as they must be
/// written in text.
#[derive(Debug, Clone, Default)]
pub struct SpanRules {
    name_particles: HashSet<String>,
    prefixes: HashSet<String>,
    /// Participles that do not end in "-ed" ("run", "made").
    participles: HashSet<String>,
    /// Lower-case combining form ("russo") to the demonym it stands for.
    combining_forms: HashMap<String, String>,
    split_heads: HashSet<String>,
    force_heads: HashSet<String>,
    /// Nouns for a force's members: a number before the force and one of
    /// them after it is a headcount ("20 Indian Army personnel").
    member_nouns: HashSet<String>,
    place_prefixes: HashSet<String>,
    place_suffixes: Vec<Vec<String>>,
    place_heads: HashSet<String>,
    event_suffixes: Vec<Vec<String>>,
    titles: HashSet<String>,
    title_words: HashSet<String>,
    list_separators: Vec<String>,
    list_conjunctions: Vec<String>,
    list_min_places: usize,
    weapon_heads: HashSet<String>,
    weapon_modifiers: HashSet<String>,
    /// Abbreviations of a kind of weapon, not names ("FPV", "UAV"), as
    /// written.
    weapon_generic: HashSet<String>,
    /// Nouns after a weapon noun that make it a modifier ("drone base").
    weapon_compound_nouns: HashSet<String>,
    /// Days and months: capitalised, but never a vessel's or a weapon's name.
    calendar_words: HashSet<String>,
}

impl SpanRules {
    /// Reads `spans.toml`; an error names the file, line and field.
    pub fn load(path: &Path) -> Result<Self> {
        let raw: RawRules = crate::datafile::read_toml(path)?;
        let set = |words: Vec<String>| words.iter().map(|w| w.to_lowercase()).collect();
        Ok(Self {
            name_particles: set(raw.name_particles),
            prefixes: set(raw.prefixes),
            participles: set(raw.participles),
            combining_forms: raw
                .combining_forms
                .into_iter()
                .map(|(form, demonym)| (form.to_lowercase(), demonym))
                .collect(),
            split_heads: set(raw.bodies.split_heads),
            force_heads: set(raw.bodies.force_heads),
            member_nouns: set(raw.bodies.member_nouns),
            place_prefixes: raw.places.prefixes.into_iter().collect(),
            place_suffixes: words(&raw.places.suffixes),
            place_heads: raw.places.heads.into_iter().collect(),
            event_suffixes: words(&raw.events.suffixes),
            titles: set(raw.titles.titles),
            title_words: set(raw.titles.title_words),
            list_separators: raw.lists.separators,
            list_conjunctions: raw.lists.conjunctions,
            list_min_places: raw.lists.min_places,
            weapon_heads: set(raw.weapons.heads),
            weapon_modifiers: set(raw.weapons.modifiers),
            weapon_generic: raw.weapons.generic.into_iter().collect(),
            weapon_compound_nouns: set(raw.weapons.compound_nouns),
            calendar_words: set(raw.calendar.words),
        })
    }

    /// Cuts the parts of a hyphenated compound that are not the name: a
    /// lower-case word before a hyphen ("non-Russian" → "Russian", "army-RSF"
    /// → "RSF"; also a capitalised prefix such as "Anti-"), and a trailing
    /// hyphen and lower-case word ("Muslim-majority" → "Muslim",
    /// "al-Qaida-linked" → "al-Qaida"). Name particles ("al-Qaida",
    /// "Hwanghae-namdo") and names the dictionary knows whole stay; a
    /// person's name keeps a lower-case ending ("Kim Jong-un") unless the
    /// dictionary knows the part before it. A cut mention keeps the tokens
    /// it overlaps, so the role rules still read the compound's suffix.
    /// A mention that opens with a name and a participle before more words
    /// is first split in two ([`SpanRules::split_participle`]).
    pub fn trim_hyphens(
        &self,
        dict: &Dictionary,
        doc: &Tokenized<'_>,
        mentions: Vec<Mention>,
        key: &mut String,
    ) -> Vec<Mention> {
        let mut out = Vec::with_capacity(mentions.len());
        for m in mentions {
            match self.split_participle(dict, doc, &m, key) {
                Some((name, rest)) => out.extend(std::iter::once(name).chain(rest)),
                None => out.push(m),
            }
        }
        for m in &mut out {
            let surface = m.span.slice(doc.text);
            if !surface.contains(HYPHENS) || dict.lookup(surface, key).is_some() {
                continue;
            }
            let mut span = m.span;
            if let Some(cut) = self.prefix_len(span.slice(doc.text)) {
                span = Span::new(span.start + cut, span.end);
            }
            if let Some((kept, suffix)) =
                self.without_suffix(dict, span.slice(doc.text), m.label, key)
            {
                // A name before a participle ("Hong Kong-based", "Moscow-
                // allied") is the name the dictionary knows, whatever the
                // recogniser made of the compound.
                span = Span::new(span.start, span.start + kept);
                if self.is_participle(suffix) {
                    if let Some(id) = dict.lookup(span.slice(doc.text), key) {
                        m.label = dict.entry(id).label;
                    }
                }
            }
            if span != m.span {
                m.span = span;
                m.tokens = covering_tokens(doc, m.tokens.clone(), span);
            }
        }
        out
    }

    /// A mention that opens with a compound of a name and a participle and
    /// goes on ("Houthi-controlled Sanaa", "UN-backed Government of National
    /// Accord", "US-made Bradley") as two: the name before the hyphen, with
    /// the dictionary's label (ORG for a name it does not know: what
    /// controls, backs or leads is most often an organisation), and the
    /// words after the compound when they open with a capital, with the
    /// dictionary's label where it knows them (the recogniser's label was
    /// given to the whole) and else the recogniser's ("Houthi-run satellite
    /// TV" keeps only "Houthi"). Participles end in "-ed" or are in
    /// `spans.toml`'s `participles`.
    fn split_participle(
        &self,
        dict: &Dictionary,
        doc: &Tokenized<'_>,
        m: &Mention,
        key: &mut String,
    ) -> Option<(Mention, Option<Mention>)> {
        if m.tokens.len() < 2 {
            return None;
        }
        let first = doc.tokens[m.tokens.start];
        let compound = first.slice(doc.text);
        let (name, suffix) = split_at_last_hyphen(compound)?;
        if !self.is_participle(suffix)
            || !starts_upper(name)
            || dict.lookup(compound, key).is_some()
        {
            return None;
        }
        let label = dict
            .lookup(name, key)
            .map_or(EntityLabel::Org, |id| dict.entry(id).label);
        let head = Mention {
            span: Span::new(first.start, first.start + name.len()),
            tokens: m.tokens.start..m.tokens.start + 1,
            label,
            score: m.score,
        };
        let span = Span::new(doc.tokens[m.tokens.start + 1].start, m.span.end);
        let rest = starts_upper(span.slice(doc.text)).then(|| Mention {
            span,
            tokens: m.tokens.start + 1..m.tokens.end,
            label: dict
                .lookup(span.slice(doc.text), key)
                .map_or(m.label, |id| dict.entry(id).label),
            score: m.score,
        });
        Some((head, rest))
    }

    /// Adds the name of every compound of a name the dictionary is sure of
    /// and a participle ("UN-backed", "Houthi-held", "UK-supplied") that no
    /// mention covers: the recogniser misses such tokens often, and
    /// ANNOTATION.md tags the name part of every one. The name takes the
    /// entry's label. `mentions` is sorted and non-overlapping, and so is
    /// the result.
    pub fn name_missed_compounds(
        &self,
        dict: &Dictionary,
        doc: &Tokenized<'_>,
        mentions: Vec<Mention>,
        key: &mut String,
    ) -> Vec<Mention> {
        with_uncovered_tokens(doc, mentions, |t, token| {
            let (name, suffix) = split_at_last_hyphen(token.slice(doc.text))?;
            if !starts_upper(name) || !self.is_participle(suffix) {
                return None;
            }
            let id = dict.lookup_sure(name, key)?;
            Some(Mention {
                span: Span::new(token.start, token.start + name.len()),
                tokens: t..t + 1,
                label: dict.entry(id).label,
                score: 0.5,
            })
        })
    }

    /// Names weapons before a weapon noun (`spans.toml`, "Weapons"): the
    /// capitalised words or model code before `heads` and at most three
    /// lower-case `modifiers` become a MISC mention where no
    /// mention covers them, and a mention the recogniser made a person or a
    /// place there becomes MISC, unless the dictionary knows the name as
    /// something other than a weapon.
    /// `mentions` is sorted and non-overlapping, and so is the result.
    pub fn name_weapons(
        &self,
        dict: &Dictionary,
        doc: &Tokenized<'_>,
        mut mentions: Vec<Mention>,
        key: &mut String,
    ) -> Vec<Mention> {
        let word = |t: usize| doc.tokens[t].slice(doc.text);
        let heads: Vec<usize> = (1..doc.tokens.len())
            .filter(|&t| {
                let w = word(t);
                w.chars().all(char::is_lowercase) && in_word_list(&self.weapon_heads, w)
            })
            .collect();
        if heads.is_empty() {
            return mentions;
        }
        // A capitalised word ("Storm") or a model code ("BM21", "Type-12"),
        // not a compound that ends in a lower-case word ("AI-driven"), nor a
        // day or a month ("said Sunday drones hit").
        let name_word = |w: &str| {
            let compound =
                split_at_last_hyphen(w).is_some_and(|(_, end)| end.starts_with(char::is_lowercase));
            !compound
                && !in_word_list(&self.calendar_words, w)
                && !self.weapon_generic.contains(w)
                && (w.starts_with(char::is_uppercase)
                    || (w.chars().any(char::is_uppercase) && w.chars().any(|c| c.is_ascii_digit())))
        };
        // A modifier as written in running text, in lower case: a
        // capitalised one ("Heavy") belongs to the name.
        let modifier =
            |w: &str| !w.chars().any(char::is_uppercase) && in_word_list(&self.weapon_modifiers, w);
        let knows_other_than_weapon = |surface: &str, key: &mut String| {
            dict.lookup(surface, key)
                .is_some_and(|id| dict.entry(id).kind != Kind::Weapon)
        };
        let mut added = Vec::new();
        for head in heads {
            let Some(sentence) = doc.sentences.get(doc.sentence_of(head)) else {
                continue;
            };
            if head + 1 < sentence.tokens.end
                && in_word_list(&self.weapon_compound_nouns, word(head + 1))
            {
                continue;
            }
            let first = sentence.tokens.start;
            let mut last = head;
            while last > first && head - last < WEAPON_MODIFIERS && modifier(word(last - 1)) {
                last -= 1;
            }
            // `last` is the first token after the name.
            if last == first
                || !name_word(word(last - 1))
                || is_heading(doc, sentence.tokens.clone())
            {
                continue;
            }
            let covering = mentions.partition_point(|m| m.tokens.end < last);
            match mentions.get_mut(covering) {
                Some(m) if m.tokens.start < last => {
                    let surface = m.span.slice(doc.text);
                    if m.tokens.end == last
                        && matches!(m.label, EntityLabel::Per | EntityLabel::Loc)
                        && !knows_other_than_weapon(surface, key)
                    {
                        m.label = EntityLabel::Misc;
                    }
                }
                _ => {
                    let covered = |t: usize| {
                        mentions[..covering]
                            .last()
                            .is_some_and(|m| m.tokens.end > t)
                    };
                    let mut start = last - 1;
                    while start > first
                        && last - start < WEAPON_NAME_WORDS
                        && name_word(word(start - 1))
                        && !covered(start - 1)
                    {
                        start -= 1;
                    }
                    // Not a part of a longer name the recogniser tagged
                    // ("Leopard" of "Leopard II"), and not a word that is
                    // capitalised because it opens a sentence, a quotation,
                    // a bracket or a clause after a colon or a dash ("The",
                    // "Similar"): after punctuation, only a comma, a
                    // semicolon or a possessive may stand before the name,
                    // unless it is a model code.
                    let code = word(start).chars().any(|c| c.is_ascii_digit());
                    let opens = start == first || {
                        let before = word(start - 1);
                        !before.starts_with(char::is_alphanumeric)
                            && !matches!(before, "," | ";")
                            && !RoleRules::is_possessive(before)
                    };
                    if (start > first && covered(start - 1)) || (opens && !code) {
                        continue;
                    }
                    let span = Span::new(doc.tokens[start].start, doc.tokens[last - 1].end);
                    if knows_other_than_weapon(span.slice(doc.text), key) {
                        continue;
                    }
                    added.push(Mention {
                        span,
                        tokens: start..last,
                        label: EntityLabel::Misc,
                        score: 0.5,
                    });
                }
            }
        }
        if !added.is_empty() {
            // Two weapon nouns after one name ("rocket launchers") find it
            // twice: the first found of overlapping names stays.
            added.sort_by_key(|m: &Mention| m.span.start);
            let mut kept: Vec<Mention> = Vec::with_capacity(added.len());
            for m in added {
                if kept.last().is_none_or(|k| k.span.end <= m.span.start) {
                    kept.push(m);
                }
            }
            mentions.extend(kept);
            mentions.sort_by_key(|m| m.span.start);
        }
        mentions
    }

    /// Named vessels (`vessel_names`), with this file's days and months.
    pub fn name_vessels(
        &self,
        dict: &Dictionary,
        doc: &Tokenized<'_>,
        mentions: Vec<Mention>,
        key: &mut String,
        is_prefix: impl Fn(&str) -> bool,
    ) -> Vec<Mention> {
        let known = |m: &Mention| dict.lookup(m.span.slice(doc.text), key).is_some();
        vessel_names(doc, mentions, &self.calendar_words, is_prefix, known)
    }

    /// Whether the word after a compound's hyphen is a participle: a
    /// lower-case word in "-ed" or one of `participles`.
    fn is_participle(&self, word: &str) -> bool {
        word.chars().count() >= MIN_SUFFIX_LEN
            && word.chars().all(char::is_lowercase)
            && (word.ends_with("ed") || in_word_list(&self.participles, word))
    }

    /// Bytes of `surface` before its name when it opens with a prefix and a
    /// hyphen ("non-" of "non-Russian").
    fn prefix_len(&self, surface: &str) -> Option<usize> {
        let at = surface.find(HYPHENS)?;
        let prefix = &surface[..at];
        let hyphen = surface[at..].chars().next()?.len_utf8();
        let rest = &surface[at + hyphen..];
        let lower_word = !prefix.is_empty()
            && prefix.chars().all(char::is_lowercase)
            && !in_word_list(&self.name_particles, prefix);
        let capitalised_prefix = starts_upper(prefix)
            && prefix.chars().skip(1).all(char::is_lowercase)
            && in_word_list(&self.prefixes, prefix);
        ((lower_word || capitalised_prefix) && starts_upper(rest)).then_some(at + hyphen)
    }

    /// Bytes of `surface` before a trailing hyphen and lower-case word
    /// ("Muslim" of "Muslim-majority"), and that word.
    fn without_suffix<'s>(
        &self,
        dict: &Dictionary,
        surface: &'s str,
        label: EntityLabel,
        key: &mut String,
    ) -> Option<(usize, &'s str)> {
        let (head, suffix) = split_at_last_hyphen(surface)?;
        let cut = suffix.chars().count() >= MIN_SUFFIX_LEN
            && suffix.chars().all(char::is_lowercase)
            && !in_word_list(&self.name_particles, suffix)
            && starts_upper(head.trim_start_matches(|c: char| c.is_lowercase() || c == '-'))
            && (label != EntityLabel::Per || dict.lookup(head, key).is_some());
        cut.then_some((head.len(), suffix))
    }

    /// The conventions that need the words around a mention, applied after
    /// the dictionary's own repairs: titles without a name dropped, bodies
    /// split from the state before them, force names, place and event words
    /// taken in, datelines made places with every mention of their name.
    /// `mentions` is sorted and non-overlapping, and so is the result.
    pub fn follow_conventions(
        &self,
        dict: &Dictionary,
        doc: &Tokenized<'_>,
        mentions: Vec<Mention>,
        key: &mut String,
    ) -> Vec<Mention> {
        let mentions = nicknames_in_names(doc, mentions);
        let mut out: Vec<Mention> = Vec::with_capacity(mentions.len() + 2);
        let mut next = 0;
        while next < mentions.len() {
            let m = mentions[next].clone();
            next += 1;
            if self.is_title(m.span.slice(doc.text)) {
                continue;
            }
            if let Some((state, body)) = self.split_body(dict, doc, &m, key) {
                out.extend([state, body]);
                continue;
            }
            let m = match self.place_prefix(dict, doc, &m, out.last(), key) {
                Some((grown, replaces_last)) => {
                    if replaces_last {
                        out.pop();
                    }
                    grown
                }
                None => m,
            };
            let m = self.place_by_its_words(dict, doc, &m, key).unwrap_or(m);
            let grown = self
                .force_name(dict, doc, &m, key)
                .or_else(|| self.place_name(doc, &m))
                .or_else(|| self.event_name(doc, &m));
            let grown = match grown {
                Some(grown) => Some(self.unit_number(doc, &grown).unwrap_or(grown)),
                None => self.unit_number(doc, &m),
            }
            // A number taken in before the name never cuts the mention before.
            .filter(|grown| {
                out.last()
                    .is_none_or(|last| last.span.end <= grown.span.start)
            });
            match grown {
                // A longer name replaces the mentions it covers whole, never
                // one that it would cut.
                Some(grown) => {
                    let covered =
                        mentions[next..].partition_point(|n| n.span.start < grown.span.end);
                    if mentions[next..next + covered]
                        .iter()
                        .all(|n| n.span.end <= grown.span.end)
                    {
                        next += covered;
                        out.push(grown);
                    } else {
                        out.push(m);
                    }
                }
                None => out.push(m),
            }
        }
        datelines_are_places(doc, &mut out, key);
        self.listed_places(dict, doc, &mut out, key);
        out
    }

    /// "the settlements of Dachne, Novy Trud, and Volkove": in a list of
    /// names within a sentence, joined only by `separators` and ended by the
    /// first of `conjunctions` ("Egypt and Jordan, Jeffers said" is a list
    /// of two), where at least `min_places` names and more than the persons
    /// are LOC, a PER name the dictionary does not know is a place too.
    fn listed_places(
        &self,
        dict: &Dictionary,
        doc: &Tokenized<'_>,
        mentions: &mut [Mention],
        key: &mut String,
    ) {
        // How `a` and `b` are joined: Some(true) by a conjunction, which
        // ends the list, Some(false) by a separator, None not at all.
        let joined = |a: &Mention, b: &Mention| {
            if doc.sentence_of(a.tokens.start) != doc.sentence_of(b.tokens.start) {
                return None;
            }
            let between = doc.text.get(a.span.end..b.span.start)?;
            let is = |list: &[String]| list.iter().any(|j| j == between);
            if is(&self.list_conjunctions) {
                Some(true)
            } else {
                is(&self.list_separators).then_some(false)
            }
        };
        let mut start = 0;
        while start < mentions.len() {
            let mut end = start + 1;
            while let Some(ends) = mentions
                .get(end)
                .and_then(|m| joined(&mentions[end - 1], m))
            {
                end += 1;
                if ends {
                    break;
                }
            }
            let list = &mut mentions[start..end];
            let count = |label| list.iter().filter(|m| m.label == label).count();
            let (places, persons) = (count(EntityLabel::Loc), count(EntityLabel::Per));
            if places >= self.list_min_places && places > persons {
                for m in list.iter_mut().filter(|m| m.label == EntityLabel::Per) {
                    if dict.lookup(m.span.slice(doc.text), key).is_none() {
                        m.label = EntityLabel::Loc;
                    }
                }
            }
            start = end;
        }
    }

    /// Whether `surface` is a title without a name ("Defense Minister",
    /// "Secretary of State").
    fn is_title(&self, surface: &str) -> bool {
        let mut title = false;
        for word in surface.split(|c: char| c.is_whitespace() || HYPHENS.contains(&c)) {
            if in_word_list(&self.titles, word) {
                title = true;
            } else if !(in_word_list(&self.title_words, word)
                || word.chars().all(char::is_lowercase))
            {
                return false;
            }
        }
        title
    }

    /// "US State Department" → LOC "US" + ORG "State Department", "Russian
    /// Ministry of Defence" → MISC "Russian" + ORG "Ministry of Defence": an
    /// ORG mention that opens with a state or a nationality of one state,
    /// followed by a body whose head is a `split_heads` word, or a force
    /// (`force_heads`) after a state's abbreviation ("US Navy").
    fn split_body(
        &self,
        dict: &Dictionary,
        doc: &Tokenized<'_>,
        m: &Mention,
        key: &mut String,
    ) -> Option<(Mention, Mention)> {
        let head_word_in = |t: usize| {
            let w = doc.tokens[t].slice(doc.text);
            in_word_list(&self.split_heads, w) || in_word_list(&self.force_heads, w)
        };
        if m.label != EntityLabel::Org || m.tokens.len() < 2 || !m.tokens.clone().any(head_word_in)
        {
            return None;
        }
        let longest = MAX_PREFIX_TOKENS.min(m.tokens.len() - 1);
        let (k, id) = (1..=longest).rev().find_map(|k| {
            let end = doc.tokens[m.tokens.start + k - 1].end;
            let prefix = Span::new(m.span.start, end).slice(doc.text);
            dict.lookup_sure(prefix, key).map(|id| (k, id))
        })?;
        let entry = dict.entry(id);
        if !entry.kind.is_national() || entry.country.is_none() {
            return None;
        }
        let rest = m.tokens.start + k..m.tokens.end;
        let head = head_word(doc, rest.clone())?;
        let prefix = Span::new(m.span.start, doc.tokens[rest.start - 1].end);
        let abbreviation = entry.kind == Kind::State && is_abbreviation(prefix.slice(doc.text));
        let splits = in_word_list(&self.split_heads, head)
            || (abbreviation && in_word_list(&self.force_heads, head));
        if !splits || !starts_upper(doc.tokens[rest.start].slice(doc.text)) {
            return None;
        }
        let state = Mention {
            span: prefix,
            tokens: m.tokens.start..rest.start,
            label: entry.label,
            score: m.score,
        };
        let body = Mention {
            span: Span::new(doc.tokens[rest.start].start, m.span.end),
            tokens: rest,
            label: EntityLabel::Org,
            score: m.score,
        };
        Some((state, body))
    }

    /// "Georgian" + "Legion" → ORG "Georgian Legion": a nationality or a
    /// state (not its abbreviation) followed by capitalised words that end
    /// in a force head is one ORG, the longest such. Not after a possessive
    /// ("Ukraine's National Guard" is two names), nor after the name part of
    /// a compound ("Kurdish-led Syrian Democratic Forces"), nor in headings,
    /// whose every word is capitalised ("Ukrainian Forces Advance").
    fn force_name(
        &self,
        dict: &Dictionary,
        doc: &Tokenized<'_>,
        m: &Mention,
        key: &mut String,
    ) -> Option<Mention> {
        let sentence = doc.sentences.get(doc.sentence_of(m.tokens.start))?;
        let last = (m.tokens.end + MAX_EXTRA_TOKENS).min(sentence.tokens.end);
        let mut end = None;
        for next in m.tokens.end..last {
            let word = doc.tokens[next].slice(doc.text);
            // "Korean People's Army": a possessive inside the name.
            if next > m.tokens.end && RoleRules::is_possessive(word) {
                continue;
            }
            if !starts_upper(word) {
                break;
            }
            if in_word_list(&self.force_heads, word) {
                end = Some(next + 1);
            }
        }
        let end = end?;
        let surface = m.span.slice(doc.text);
        let entry = dict.entry(dict.lookup_sure(surface, key)?);
        let national =
            entry.kind == Kind::Demonym || (entry.kind == Kind::State && !is_abbreviation(surface));
        let whole_tokens = doc.tokens[m.tokens.end - 1].end == m.span.end;
        let named = national && whole_tokens && !is_heading(doc, sentence.tokens.clone());
        named.then(|| Mention {
            span: Span::new(m.span.start, doc.tokens[end - 1].end),
            tokens: m.tokens.start..end,
            label: EntityLabel::Org,
            score: m.score,
        })
    }

    /// "Armoured Brigade" + "45" → ORG "Armoured Brigade 45", "11" +
    /// "Rashtriya Rifles" → ORG "11 Rashtriya Rifles": a unit's number is
    /// part of its name, written after it (also as "No. 14") or before it
    /// as a bare number ("33 Assam Rifles"; ordinals such as "6th" the
    /// recogniser already takes in). Only for an ORG whose last word is a
    /// force head, a number of at most four digits, and a number before it
    /// of two words or more that follows no other number and no
    /// capitalised word ("March 11 Rashtriya Rifles" is a date) and is not
    /// a headcount: a member noun after the force, or after its bracketed
    /// abbreviation, makes it one ("20 Indian Army personnel", "30 New
    /// People's Army (NPA) insurgents").
    fn unit_number(&self, doc: &Tokenized<'_>, m: &Mention) -> Option<Mention> {
        let word = |t: usize| doc.tokens[t].slice(doc.text);
        let is_number =
            |w: &str| (1..=4).contains(&w.len()) && w.bytes().all(|b| b.is_ascii_digit());
        let last = word(m.tokens.end - 1);
        let whole = doc.tokens[m.tokens.end - 1].end == m.span.end
            && doc.tokens[m.tokens.start].start == m.span.start;
        if m.label != EntityLabel::Org || !whole || !in_word_list(&self.force_heads, last) {
            return None;
        }
        let sentence = doc
            .sentences
            .get(doc.sentence_of(m.tokens.start))?
            .tokens
            .clone();
        let mut end = m.tokens.end;
        if end < sentence.end && is_number(word(end)) {
            end += 1;
        } else if end + 1 < sentence.end && word(end) == "No." && is_number(word(end + 1)) {
            end += 2;
        }
        let after = |t: usize| (t < sentence.end).then(|| word(t));
        let next = match after(m.tokens.end) {
            Some("(") if after(m.tokens.end + 2) == Some(")") => after(m.tokens.end + 3),
            w => w,
        };
        let headcount = next.is_some_and(|w| in_word_list(&self.member_nouns, w));
        let mut start = m.tokens.start;
        if start > sentence.start && is_number(word(start - 1)) && m.tokens.len() >= 2 && !headcount
        {
            let free = start - 1 == sentence.start || {
                let before = word(start - 2);
                !is_number(before)
                    && !starts_upper(before)
                    && before.chars().any(char::is_alphabetic)
            };
            if free {
                start -= 1;
            }
        }
        if (start, end) == (m.tokens.start, m.tokens.end) {
            return None;
        }
        Some(Mention {
            span: Span::new(doc.tokens[start].start, doc.tokens[end - 1].end),
            tokens: start..end,
            label: EntityLabel::Org,
            score: m.score,
        })
    }

    /// "Gwoza" + "Local Government Area" → LOC "Gwoza Local Government
    /// Area": a place suffix right after a LOC mention, when no capitalised
    /// word follows it.
    fn place_name(&self, doc: &Tokenized<'_>, m: &Mention) -> Option<Mention> {
        if m.label != EntityLabel::Loc {
            return None;
        }
        let end = suffix_end(doc, m, &self.place_suffixes)?;
        Some(Mention {
            span: Span::new(m.span.start, doc.tokens[end - 1].end),
            tokens: m.tokens.start..end,
            label: EntityLabel::Loc,
            score: m.score,
        })
    }

    /// PER "Shizuoka Prefecture", PER "Camp Kengun" → LOC: a PER name the
    /// dictionary does not know, of capitalised words only, that ends with
    /// a place suffix or opens with a place head word is a place. An ORG
    /// name stays: many bodies are named so ("Ross County" is a club).
    fn place_by_its_words(
        &self,
        dict: &Dictionary,
        doc: &Tokenized<'_>,
        m: &Mention,
        key: &mut String,
    ) -> Option<Mention> {
        if m.label != EntityLabel::Per {
            return None;
        }
        let words: Vec<&str> = (m.tokens.clone())
            .map(|t| doc.tokens[t].slice(doc.text))
            .collect();
        if words.len() < 2 || !words.iter().all(|w| starts_upper(w)) {
            return None;
        }
        let suffixed = self.place_suffixes.iter().any(|suffix| {
            suffix.len() < words.len() && words[words.len() - suffix.len()..] == suffix[..]
        });
        let headed = self.place_heads.contains(words[0]);
        if !(suffixed || headed) {
            return None;
        }
        let known = dict.lookup(m.span.slice(doc.text), key).is_some();
        (!known).then(|| Mention {
            label: EntityLabel::Loc,
            ..m.clone()
        })
    }

    /// "Western" + "Siberia" → LOC "Western Siberia": a capitalised
    /// compass word right before a LOC mention belongs to its name, unless
    /// it opens the sentence, the sentence is a heading (where every word
    /// is capitalised) or the place is a state, whose name is whole without
    /// it ("Southern Lebanon" is a part of Lebanon, as "southern Lebanon").
    /// Also says whether the word was the mention before (`previous`,
    /// "Western" MISC), which the name replaces.
    fn place_prefix(
        &self,
        dict: &Dictionary,
        doc: &Tokenized<'_>,
        m: &Mention,
        previous: Option<&Mention>,
        key: &mut String,
    ) -> Option<(Mention, bool)> {
        let before = m.tokens.start.checked_sub(1)?;
        if m.label != EntityLabel::Loc
            || !self
                .place_prefixes
                .contains(doc.tokens[before].slice(doc.text))
        {
            return None;
        }
        let sentence = doc.sentences.get(doc.sentence_of(m.tokens.start))?;
        let whole_token = doc.tokens[m.tokens.start].start == m.span.start;
        let state = dict
            .lookup(m.span.slice(doc.text), key)
            .is_some_and(|id| dict.entry(id).kind == Kind::State);
        if state
            || !whole_token
            || before <= sentence.tokens.start
            || is_heading(doc, sentence.tokens.clone())
        {
            return None;
        }
        let replaces_last = match previous {
            Some(p) if p.tokens.end > before => {
                if p.tokens != (before..before + 1) || p.span != doc.tokens[before] {
                    return None;
                }
                true
            }
            _ => false,
        };
        let grown = Mention {
            span: Span::new(doc.tokens[before].start, m.span.end),
            tokens: before..m.tokens.end,
            label: EntityLabel::Loc,
            score: m.score,
        };
        Some((grown, replaces_last))
    }

    /// "Donbas" + "War" → MISC "Donbas War": named wars are MISC
    /// (ANNOTATION.md). An event word right after a LOC or MISC mention,
    /// when no capitalised word follows it and the sentence is no heading
    /// ("Ukraine War Enters Third Year").
    fn event_name(&self, doc: &Tokenized<'_>, m: &Mention) -> Option<Mention> {
        if !matches!(m.label, EntityLabel::Loc | EntityLabel::Misc) {
            return None;
        }
        let end = suffix_end(doc, m, &self.event_suffixes)?;
        let sentence = doc.sentences.get(doc.sentence_of(m.tokens.start))?;
        if is_heading(doc, sentence.tokens.clone()) {
            return None;
        }
        Some(Mention {
            span: Span::new(m.span.start, doc.tokens[end - 1].end),
            tokens: m.tokens.start..end,
            label: EntityLabel::Misc,
            score: m.score,
        })
    }

    /// Replaces each mention that joins states or nationalities with hyphens
    /// ("Ukraine-Russia", "Russia-North Korea", "Armenian-Azerbaijani",
    /// "Russo-Georgian") by one mention per part, as ANNOTATION.md tags
    /// them, so that each state gets its own role, country and referent. A
    /// part takes its entry's label (LOC for a state, MISC for a
    /// nationality) and the compound's score and tokens (the tokens that
    /// overlap it, so the parts of "Ukraine-Russia" share one token):
    /// mentions stay in text order and never overlap by span, but two may
    /// share a token. Also gives, for each mention, the dictionary entry of
    /// the part it is (a combining form such as "Russo" links to its
    /// nationality), `None` for a mention that is no such part. A name the
    /// dictionary knows whole ("Guinea-Bissau"), compounds with any part
    /// that is neither a state or nationality nor a party to a conflict the
    /// dictionary is sure of ("Rolls-Royce", "Kim Jong-un") and compounds
    /// that do not open with a state or nationality stay as they are.
    /// Needs no word list but the combining forms, so it also runs without
    /// `spans.toml`.
    pub fn split_compounds(
        &self,
        dict: &Dictionary,
        doc: &Tokenized<'_>,
        mentions: Vec<Mention>,
        key: &mut String,
    ) -> (Vec<Mention>, Vec<Option<EntryId>>) {
        if !mentions
            .iter()
            .any(|m| m.span.slice(doc.text).contains(HYPHENS))
        {
            let n = mentions.len();
            return (mentions, vec![None; n]);
        }
        let mut out = Vec::with_capacity(mentions.len() + 2);
        let mut parts_of = Vec::with_capacity(mentions.len() + 2);
        for m in mentions {
            let parts = self.national_parts(dict, m.span.slice(doc.text), key);
            if parts.is_empty() {
                out.push(m);
                parts_of.push(None);
                continue;
            }
            for (part, id) in parts {
                let span = Span::new(m.span.start + part.start, m.span.start + part.end);
                out.push(Mention {
                    span,
                    tokens: covering_tokens(doc, m.tokens.clone(), span),
                    label: dict.entry(id).label,
                    score: m.score,
                });
                parts_of.push(Some(id));
            }
        }
        (out, parts_of)
    }

    /// The byte ranges (within `surface`) and entries of the parts of
    /// `surface` when it joins two or more states or nationalities with
    /// hyphens (a combining form, "Russo", before a hyphen), or a state or
    /// nationality with a party to a conflict after it ("Israel-Hamas",
    /// "Russia-NATO"); empty otherwise.
    fn national_parts(
        &self,
        dict: &Dictionary,
        surface: &str,
        key: &mut String,
    ) -> Vec<(Range<usize>, EntryId)> {
        if !surface.contains(HYPHENS) || dict.lookup(surface, key).is_some() {
            return Vec::new();
        }
        let ends = surface
            .match_indices(HYPHENS)
            .map(|(at, h)| (at, at + h.len()));
        let mut parts = Vec::new();
        let mut from = 0;
        for (end, next) in ends.chain([(surface.len(), surface.len())]) {
            let piece = &surface[from..end];
            let start = from + piece.len() - piece.trim_start().len();
            let part = start..from + piece.trim_end().len();
            let text = surface.get(part.clone()).unwrap_or_default();
            let combining = (end < surface.len())
                .then(|| self.combining_forms.get(&text.to_lowercase()))
                .flatten();
            // An empty part ("Russia-" or " - ") is no key of the dictionary.
            let national = dict
                .lookup(combining.map_or(text, String::as_str), key)
                .filter(|&id| dict.entry(id).kind.is_national());
            let party = || {
                dict.lookup_sure(text, key)
                    .filter(|&id| is_party_to_conflict(dict.entry(id).kind))
            };
            match national.or_else(party) {
                Some(id) if !text.is_empty() => parts.push((part, id)),
                _ => return Vec::new(),
            }
            from = next;
        }
        // A party before a state names the party's branch there
        // ("ISIS-Mozambique", "Islamic State-Somalia"): one name.
        let national_first = parts
            .first()
            .is_some_and(|&(_, id)| dict.entry(id).kind.is_national());
        if national_first {
            parts
        } else {
            Vec::new()
        }
    }
}

/// Every use of an abbreviation the article defines in brackets after a
/// name ("Al-Shabaab (AS)", "the Central African Republic (CAR)") is a
/// mention with the name's label, whether or not the recogniser tagged it
/// and whatever label it gave: the article says what the letters stand
/// for. An abbreviation is two to six capital letters or digits, the first
/// a letter, that spell the initials of the name's words and hyphenated
/// parts in order ("Inter-Services Public Relations (ISPR)", "Tehreek-e-
/// Taliban Pakistan (TTP)"); a use in a line of capitals ("AS WAR
/// SPREADS") is no mention. `mentions` is sorted and non-overlapping, and
/// so is the result.
pub fn name_defined_abbreviations(doc: &Tokenized<'_>, mut mentions: Vec<Mention>) -> Vec<Mention> {
    let word = |t: usize| doc.tokens.get(t).map_or("", |t| t.slice(doc.text));
    let mut defined: Vec<(&str, EntityLabel)> = Vec::new();
    for m in &mentions {
        let t = m.tokens.end;
        let short = word(t + 1);
        if word(t) == "(" && word(t + 2) == ")" && abbreviates(short, m.span.slice(doc.text)) {
            defined.push((short, m.label));
        }
    }
    if defined.is_empty() {
        return mentions;
    }
    let label_of = |surface: &str| defined.iter().find(|(s, _)| *s == surface).map(|&(_, l)| l);
    for m in &mut mentions {
        if let Some(label) = label_of(m.span.slice(doc.text)) {
            m.label = label;
        }
    }
    let shouting = |t: Option<usize>| {
        t.map(word).is_some_and(|w| {
            w.chars().filter(|c| c.is_alphabetic()).count() >= 3
                && !w.chars().any(char::is_lowercase)
        })
    };
    with_uncovered_tokens(doc, mentions, |t, token| {
        let label = label_of(token.slice(doc.text))?;
        if shouting(t.checked_sub(1)) || shouting(Some(t + 1)) {
            return None;
        }
        Some(Mention {
            span: *token,
            tokens: t..t + 1,
            label,
            score: 0.5,
        })
    })
}

/// The most modifiers between a weapon's name and its noun ("Grad multiple
/// rocket launchers").
const WEAPON_MODIFIERS: usize = 3;

/// The most words of a weapon's name before its noun ("Storm Shadow").
const WEAPON_NAME_WORDS: usize = 3;

/// The most capitalised words a vessel's name takes after its prefix.
const VESSEL_NAME_WORDS: usize = 4;

/// A vessel prefix (`is_prefix`: "USS", "BRP") and the capitalised words and
/// initials after it are one MISC mention ("USS Harry S. Truman", "BRP Datu
/// Pagbuaya", ANNOTATION.md's named weapons), replacing the mentions inside
/// it (the recogniser gives "USS" and "Harry S. Truman" PER, or "BRP Datu").
/// The name stops at a day or a month (`calendar_words`: "aboard USS Carney
/// Monday") and before a mention after its first word that the dictionary
/// knows (`known`: "near USS Mason Houthis fired"; the recogniser's
/// "Elizabeth" of "HMS Queen Elizabeth" is taken in); a heading names no
/// vessel ("USS Carney Shoots Down Houthi Drones"). A mention that starts before the prefix or ends
/// after the name keeps its span. `mentions` is sorted and non-overlapping,
/// and so is the result.
fn vessel_names(
    doc: &Tokenized<'_>,
    mentions: Vec<Mention>,
    calendar_words: &HashSet<String>,
    is_prefix: impl Fn(&str) -> bool,
    mut known: impl FnMut(&Mention) -> bool,
) -> Vec<Mention> {
    let word = |t: usize| doc.tokens[t].slice(doc.text);
    // A capitalised word in lower case after its capital ("Truman", not
    // "SUPPORT" in a headline) or an initial ("S."), not a day or a month.
    let name_word = |w: &str| {
        let mut chars = w.chars();
        let capital = chars.next().is_some_and(char::is_uppercase);
        let rest = chars.as_str();
        capital
            && (rest == "." || (!rest.is_empty() && rest.chars().all(char::is_lowercase)))
            && !in_word_list(calendar_words, w)
    };
    let mut starts_known = |t: usize| {
        mentions
            .binary_search_by_key(&t, |m| m.tokens.start)
            .is_ok_and(|i| known(&mentions[i]))
    };
    // Each vessel's tokens: the prefix and the name words after it in its
    // sentence, "of" between two of them ("HMS Prince of Wales").
    let mut vessels = Vec::new();
    for t in 0..doc.tokens.len() {
        if !is_prefix(word(t)) {
            continue;
        }
        let Some(sentence) = doc.sentences.get(doc.sentence_of(t)) else {
            continue;
        };
        let last = sentence.tokens.end;
        let (mut end, mut words) = (t + 1, 0);
        while end < last && words < VESSEL_NAME_WORDS {
            // A known name after the name's first word ends it, unless "of"
            // joins it ("HMS Prince of" + "Wales").
            let after_of = word(end - 1) == "of";
            let takes = name_word(word(end)) && (words == 0 || after_of || !starts_known(end));
            let joins =
                words > 0 && word(end) == "of" && end + 1 < last && name_word(word(end + 1));
            if takes {
                words += 1;
            } else if !joins {
                break;
            }
            end += 1;
        }
        if words > 0 && !is_heading(doc, sentence.tokens.clone()) {
            vessels.push(t..end);
        }
    }
    if vessels.is_empty() {
        return mentions;
    }
    let mut out: Vec<Mention> = Vec::with_capacity(mentions.len());
    let mut next = 0;
    for tokens in vessels {
        while next < mentions.len() && mentions[next].tokens.end <= tokens.start {
            out.push(mentions[next].clone());
            next += 1;
        }
        let inside = mentions[next..].partition_point(|m| m.tokens.start < tokens.end);
        let whole = mentions[next..next + inside]
            .iter()
            .all(|m| m.tokens.start >= tokens.start && m.tokens.end <= tokens.end);
        if !whole {
            continue;
        }
        let score = mentions[next..next + inside]
            .iter()
            .map(|m| m.score)
            .fold(0.5, f32::max);
        next += inside;
        out.push(Mention {
            span: Span::new(
                doc.tokens[tokens.start].start,
                doc.tokens[tokens.end - 1].end,
            ),
            tokens,
            label: EntityLabel::Misc,
            score,
        });
    }
    out.extend(mentions[next..].iter().cloned());
    out
}

/// `mentions` with those `found` gives for the tokens no mention covers
/// (index and token); `mentions` is sorted and non-overlapping, and so is
/// the result when each found mention lies in its token.
fn with_uncovered_tokens(
    doc: &Tokenized<'_>,
    mut mentions: Vec<Mention>,
    mut found: impl FnMut(usize, &Span) -> Option<Mention>,
) -> Vec<Mention> {
    let mut added = Vec::new();
    let mut next = 0;
    for (t, token) in doc.tokens.iter().enumerate() {
        while next < mentions.len() && mentions[next].tokens.end <= t {
            next += 1;
        }
        if mentions.get(next).is_some_and(|m| m.tokens.start <= t) {
            continue;
        }
        added.extend(found(t, token));
    }
    if !added.is_empty() {
        mentions.extend(added);
        mentions.sort_by_key(|m| m.span.start);
    }
    mentions
}

/// Whether `short` is an abbreviation of `name`: two to six capital letters
/// or digits, the first a letter, each letter the initial of one of the
/// name's words or hyphenated parts, in order, the first letter the name's
/// first initial.
fn abbreviates(short: &str, name: &str) -> bool {
    let len = short.chars().count();
    if !(2..=6).contains(&len)
        || !short.starts_with(|c: char| c.is_ascii_uppercase())
        || !short
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return false;
    }
    let mut initials = name
        .split(|c: char| c.is_whitespace() || HYPHENS.contains(&c))
        .filter_map(|part| part.chars().next())
        .map(|c| c.to_ascii_uppercase());
    let mut letters = short.chars().filter(char::is_ascii_uppercase);
    if letters.next() != initials.next() {
        return false;
    }
    letters.all(|l| initials.any(|i| i == l))
}

/// Joins two mentions around a nickname in quotes into one person
/// ("Jimmy" 'Barbecue' "Chérizier", "Ismael 'El" Mayo' "Zambada"), as the
/// corpus's labellers tag such names whole: one of the two is a person,
/// and from the first's start to the second's end there are only
/// capitalised words and one pair of quotes around one to three of them.
fn nicknames_in_names(doc: &Tokenized<'_>, mentions: Vec<Mention>) -> Vec<Mention> {
    let word = |t: usize| doc.tokens[t].slice(doc.text);
    let nickname = |tokens: Range<usize>| {
        let mut quotes = tokens.clone().filter(|&t| QUOTES.contains(&word(t)));
        let (Some(open), Some(close), None) = (quotes.next(), quotes.next(), quotes.next()) else {
            return false;
        };
        (1..=MAX_NICKNAME_TOKENS).contains(&(close - open - 1))
            && open > tokens.start
            && close + 1 < tokens.end
            && tokens
                .filter(|&t| t != open && t != close)
                .all(|t| starts_upper(word(t)))
    };
    let mut out: Vec<Mention> = Vec::with_capacity(mentions.len());
    for m in mentions {
        if let Some(last) = out.last_mut() {
            let joined = last.tokens.start..m.tokens.end;
            let person = last.label == EntityLabel::Per || m.label == EntityLabel::Per;
            if person && last.tokens.end <= m.tokens.start && nickname(joined.clone()) {
                *last = Mention {
                    span: Span::new(last.span.start, m.span.end),
                    tokens: joined,
                    label: EntityLabel::Per,
                    score: last.score.min(m.score),
                };
                continue;
            }
        }
        out.push(m);
    }
    out
}

/// A dateline ("KYIV, Ukraine (AP) —", "AADAN YABAAL, Somalia –",
/// "WASHINGTON —") names a place (ANNOTATION.md): its mention becomes LOC,
/// and so does every other mention of the same name in the document
/// ("Aadan Yabaal" later in the story), whatever the recogniser made of it.
/// A dateline is a mention in capitals that opens a sentence (after "The"
/// at most), is followed by a comma, a bracket or a dash, and then, within
/// a few words, by a dash and running text.
fn datelines_are_places(doc: &Tokenized<'_>, mentions: &mut [Mention], key: &mut String) {
    let word = |t: usize| doc.tokens[t].slice(doc.text);
    let is_dash = |w: &str| matches!(w, "—" | "–" | "-" | "--");
    let mut names: Vec<String> = Vec::new();
    for m in mentions.iter() {
        let sentence = &doc.sentences[doc.sentence_of(m.tokens.start)];
        let opens = m.tokens.start == sentence.tokens.start
            || (m.tokens.start == sentence.tokens.start + 1
                && word(sentence.tokens.start).eq_ignore_ascii_case("the"));
        let capitals = m.tokens.clone().all(|t| {
            let w = word(t);
            w.chars().any(char::is_alphabetic) && !w.chars().any(char::is_lowercase)
        });
        let after = m.tokens.end;
        if !opens || !capitals || after >= sentence.tokens.end {
            continue;
        }
        if !(matches!(word(after), "," | "(") || is_dash(word(after))) {
            continue;
        }
        let window = after..(after + 8).min(sentence.tokens.end);
        let Some(dash) = window.clone().find(|&t| is_dash(word(t))) else {
            continue;
        };
        let running = (dash + 1..sentence.tokens.end)
            .any(|t| word(t).chars().next().is_some_and(char::is_lowercase));
        if running {
            normalize_into(m.span.slice(doc.text), key);
            names.push(key.clone());
        }
    }
    if names.is_empty() {
        return;
    }
    for m in mentions.iter_mut() {
        normalize_into(m.span.slice(doc.text), key);
        if names.contains(key) {
            m.label = EntityLabel::Loc;
        }
    }
}

/// Kinds of entry that join a state with a hyphen as the other side of a
/// conflict or a relation ("Israel-Hamas war", "Russia-NATO talks"): an
/// armed movement, a party, an intergovernmental organisation or a seat of
/// government.
fn is_party_to_conflict(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Force | Kind::Party | Kind::Igo | Kind::Government
    )
}

/// Each name of `list` as its words.
fn words(list: &[String]) -> Vec<Vec<String>> {
    list.iter()
        .map(|s| s.split_whitespace().map(str::to_string).collect())
        .collect()
}

/// The token end of the first of `suffixes` (as words) written right after
/// `m` in its sentence, when no capitalised word follows it ("Borno State
/// has", not "US State Department").
fn suffix_end(doc: &Tokenized<'_>, m: &Mention, suffixes: &[Vec<String>]) -> Option<usize> {
    let sentence = doc.sentences.get(doc.sentence_of(m.tokens.start))?;
    let word = |t: usize| doc.tokens[t].slice(doc.text);
    let whole_token = doc.tokens[m.tokens.end - 1].end == m.span.end;
    suffixes.iter().find_map(|suffix| {
        let end = m.tokens.end + suffix.len();
        let fits = whole_token
            && end <= sentence.tokens.end
            && (m.tokens.end..end).zip(suffix).all(|(t, w)| word(t) == w)
            && (end == sentence.tokens.end || !starts_upper(word(end)));
        fits.then_some(end)
    })
}

/// The tokens of `tokens` that overlap `span`; at least one.
/// `surface` split at its last hyphen: the part before and the part after.
fn split_at_last_hyphen(surface: &str) -> Option<(&str, &str)> {
    let at = surface.rfind(HYPHENS)?;
    let hyphen = surface[at..].chars().next()?.len_utf8();
    Some((&surface[..at], &surface[at + hyphen..]))
}

fn covering_tokens(doc: &Tokenized<'_>, tokens: Range<usize>, span: Span) -> Range<usize> {
    let overlap = doc.overlapping(span);
    let first = overlap.start.clamp(tokens.start, tokens.end);
    let last = overlap.end.clamp(tokens.start, tokens.end);
    first..last.max(first + 1)
}

/// The head of a body's name: its last capitalised word before the first
/// lower-case word ("Ministry" of "Ministry of Defence", "Army" of
/// "People's Army").
fn head_word<'t>(doc: &Tokenized<'t>, tokens: Range<usize>) -> Option<&'t str> {
    let mut head = None;
    for t in tokens {
        let w = doc.tokens[t].slice(doc.text);
        if w.chars().next().is_some_and(char::is_lowercase) {
            break;
        }
        if w.chars().next().is_some_and(char::is_alphabetic) {
            head = Some(w);
        }
    }
    head
}

/// Whether a sentence is a heading in title case or capitals: none of its
/// words of four letters or more starts in lower case (title case leaves
/// only short function words in lower case: "of", "in", "the").
fn is_heading(doc: &Tokenized<'_>, tokens: Range<usize>) -> bool {
    !tokens.into_iter().any(|t| {
        let w = doc.tokens[t].slice(doc.text);
        w.chars().count() >= 4 && w.chars().next().is_some_and(char::is_lowercase)
    })
}

/// An abbreviation ("US", "U.S.", "UAE", "CAR"): two to four capital
/// letters, full stops allowed.
pub(super) fn is_abbreviation(surface: &str) -> bool {
    let letters = surface.chars().filter(|c| *c != '.').count();
    (2..=4).contains(&letters) && surface.chars().all(|c| c.is_ascii_uppercase() || c == '.')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> SpanRules {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("models")
            .join(SPANS_FILE);
        SpanRules::load(&path).expect("the shipped span conventions load")
    }

    #[test]
    fn prefixes_are_cut_but_not_particles_of_names() {
        let rules = shipped();
        assert_eq!(rules.prefix_len("non-Russian"), Some(4));
        assert_eq!(rules.prefix_len("army-RSF"), Some(5));
        assert_eq!(rules.prefix_len("Anti-French"), Some(5));
        assert_eq!(rules.prefix_len("al-Qaida"), None);
        assert_eq!(
            rules.prefix_len("Army-RSF"),
            None,
            "a capitalised word is a name"
        );
        assert_eq!(rules.prefix_len("non-aligned"), None, "no name follows");
    }

    #[test]
    fn titles_are_whole_mentions_of_title_words() {
        let rules = shipped();
        for title in [
            "Defense Minister",
            "Secretary of State",
            "Secretary-General",
        ] {
            assert!(rules.is_title(title), "{title}");
        }
        for name in [
            "Defense Ministry",
            "General Staff",
            "Minister Sybiha",
            "Supreme Court",
        ] {
            assert!(!rules.is_title(name), "{name}");
        }
    }

    #[test]
    fn abbreviations_of_states() {
        for short in ["US", "U.S.", "UK", "UAE"] {
            assert!(is_abbreviation(short), "{short}");
        }
        for long in ["Japan", "U", "Ukrainian", "UKRAINE"] {
            assert!(!is_abbreviation(long), "{long}");
        }
    }

    #[test]
    fn a_bad_file_names_its_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(SPANS_FILE);
        let shipped = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("models")
                .join(SPANS_FILE),
        )
        .unwrap();
        std::fs::write(&path, shipped.replace("split_heads", "split_words")).unwrap();
        let err = SpanRules::load(&path).unwrap_err().to_string();
        assert!(err.contains(SPANS_FILE) && err.contains("bodies"), "{err}");
    }
}
