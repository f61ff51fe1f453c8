//! The actor dictionary (`models/actors.jsonl`, described in
//! `models/ACTORS.md`): states, capitals, demonyms, leaders, agencies, forces
//! and organisations with their aliases and ISO 3166-1 alpha-3 codes. Loaded
//! once; the resolver links mentions to it, the dictionary recogniser
//! ([`super::recognizer`]) searches its aliases, and the NER model's name
//! list (its gazetteer) is frozen from them ([`Dictionary::name_list`]).

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::fold;
use crate::hashed::NameMap;
use crate::ner::EntityLabel;
use crate::resolve::Country;

/// File name of the dictionary inside the models directory.
pub const ACTORS_FILE: &str = "actors.jsonl";

crate::names::named_enum! {
    /// What a dictionary entry is; decides which role rules apply to it.
    /// The names are those of the dictionary and of output referents.
    pub enum Kind("kind") {
        /// A sovereign state.
        State = "state",
        /// A capital city (stands for its state when it acts).
        Capital = "capital",
        /// Another city.
        City = "city",
        /// A region, province or territory.
        Region = "region",
        /// A geographic feature (river, sea, mountain range).
        Geo = "geo",
        /// A people or nationality ("North Koreans").
        Demonym = "demonym",
        /// A seat of government ("the Kremlin"; stands for its state).
        Government = "government",
        /// A person.
        Person = "person",
        /// A government agency or ministry.
        Agency = "agency",
        /// Armed forces or a unit.
        Force = "force",
        /// An intergovernmental organisation.
        Igo = "igo",
        /// A political party.
        Party = "party",
        /// A news organisation or social platform.
        Media = "media",
        /// A think tank, monitor, research or open-source intelligence
        /// group: cited as a source, of no state.
        Research = "research",
        /// Another organisation.
        Organization = "organization",
        /// A named event.
        Event = "event",
        /// A named weapon system, aircraft, drone or vessel class.
        Weapon = "weapon",
    }
}

impl Kind {
    /// Capitals and seats of government stand for their state when they act
    /// ("Pyongyang confirmed", "the Kremlin said").
    pub fn is_metonym(self) -> bool {
        matches!(self, Kind::Capital | Kind::Government)
    }

    /// A state's own bodies (ministries, agencies, forces, seats of
    /// government), whose names other states' bodies may share ("Ministry
    /// of National Defense", "Security Service"): such a mention belongs to
    /// the state the text gives it, if any, before the entry's own.
    pub fn is_state_body(self) -> bool {
        matches!(self, Kind::Agency | Kind::Force | Kind::Government)
    }

    /// A state by its name or its nationality ("Russia", "Russian"): what
    /// gives a body, a person or a place beside it its country.
    pub fn is_national(self) -> bool {
        matches!(self, Kind::State | Kind::Demonym)
    }
}

/// One dictionary entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Canonical name, used for the referent.
    pub name: String,
    /// What the entry is.
    pub kind: Kind,
    /// The state the entry belongs to; absent for IGOs and the like.
    pub country: Option<Country>,
    /// The CoNLL label a recogniser should give the entry's mentions.
    pub label: EntityLabel,
    /// Surfaces that both create mentions (the dictionary recogniser, the
    /// NER model's name list) and link them.
    pub aliases: Vec<String>,
    /// Surfaces that only link a mention some recogniser already found
    /// (surnames, ambiguous short forms).
    pub link_only: Vec<String>,
}

/// Index of an entry in [`Dictionary::entries`].
pub type EntryId = u32;

/// The loaded dictionary with its lookup tables.
#[derive(Debug, Default)]
pub struct Dictionary {
    entries: Vec<Entry>,
    /// Normalised alias (see [`normalize_into`]) to entry; the first entry
    /// in file order wins, a creating alias over a link-only one. The flag
    /// says whether the key is a creating alias of that entry.
    by_alias: NameMap<(EntryId, bool)>,
    /// Link-only keys that several entries share ("kim"), with all of them
    /// in file order; the first is the one in `by_alias`.
    shared: NameMap<Vec<EntryId>>,
    /// The `state` entry of each country, for metonyms and demonyms.
    states: HashMap<Country, EntryId>,
}

impl Dictionary {
    /// Reads `path`; a malformed line is an error naming file, line and field.
    pub fn load(path: &Path) -> Result<Self> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut entries = Vec::new();
        for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line.map_err(|e| Error::io(path, e))?;
            if line.trim().is_empty() {
                continue;
            }
            entries.push(
                parse_entry(&line)
                    .map_err(|(field, msg)| Error::record(path, i + 1, field, msg))?,
            );
        }
        Ok(Self::from_entries(entries))
    }

    /// Builds the lookup tables over `entries`.
    pub fn from_entries(entries: Vec<Entry>) -> Self {
        let mut by_alias = NameMap::default();
        let mut shared: NameMap<Vec<EntryId>> = NameMap::default();
        let mut states = HashMap::new();
        let mut key = String::new();
        // Two passes so that a creating alias of a later entry still beats a
        // link-only alias (or name) of an earlier one.
        for link_only in [false, true] {
            for (id, entry) in entries.iter().enumerate() {
                // The name links like a link-only alias: it is not always
                // one of the aliases ("Joint Chiefs of Staff").
                let surfaces = if link_only {
                    &entry.link_only
                } else {
                    &entry.aliases
                };
                for alias in std::iter::once(&entry.name)
                    .filter(|_| link_only)
                    .chain(surfaces)
                {
                    normalize_into(alias, &mut key);
                    if key.is_empty() {
                        continue;
                    }
                    match by_alias.get(key.as_str()) {
                        None => {
                            by_alias.insert(key.clone(), (id as EntryId, !link_only));
                        }
                        Some(&(first, _)) if link_only && first != id as EntryId => {
                            let list = shared.entry(key.clone()).or_insert_with(|| vec![first]);
                            if !list.contains(&(id as EntryId)) {
                                list.push(id as EntryId);
                            }
                        }
                        Some(_) => {}
                    }
                }
            }
        }
        for (id, entry) in entries.iter().enumerate() {
            if let (Kind::State, Some(country)) = (entry.kind, entry.country) {
                states.entry(country).or_insert(id as EntryId);
            }
        }
        Self {
            entries,
            by_alias,
            shared,
            states,
        }
    }

    /// Every entry, in file order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry `id`.
    pub fn entry(&self, id: EntryId) -> &Entry {
        &self.entries[id as usize]
    }

    /// Whether the dictionary has no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry a surface links to, creating or link-only aliases alike.
    /// `key` is a scratch buffer, so a caller can look up many surfaces
    /// without allocating.
    pub fn lookup(&self, surface: &str, key: &mut String) -> Option<EntryId> {
        normalize_into(surface, key);
        self.by_alias.get(key.as_str()).map(|&(id, _)| id)
    }

    /// The entry whose creating alias `surface` is, when no other entry
    /// shares it: the names the dictionary is sure of, which may correct
    /// a recogniser's label ([`LabelRules`](super::LabelRules)).
    pub fn lookup_sure(&self, surface: &str, key: &mut String) -> Option<EntryId> {
        normalize_into(surface, key);
        match self.by_alias.get(key.as_str()) {
            Some(&(id, true)) if !self.shared.contains_key(key.as_str()) => Some(id),
            _ => None,
        }
    }

    /// Whether several entries share `surface` as a link-only alias
    /// ("Kim", "National Guard").
    pub fn is_shared(&self, surface: &str, key: &mut String) -> bool {
        normalize_into(surface, key);
        self.shared.contains_key(key.as_str())
    }

    /// The entry a surface links to, as [`lookup`](Self::lookup), but when
    /// several entries share the surface ("Kim", "National Guard"), the one
    /// of them last in `seen` (the entries linked so far, in order): a lone
    /// surname means the person named most recently. When none of them was
    /// seen, the one of the state most recently named or implied ("Ukraine's
    /// National Guard", "Seoul ... the Democratic Party"); else the first in
    /// file order.
    pub fn lookup_in_context(
        &self,
        surface: &str,
        key: &mut String,
        seen: &[EntryId],
    ) -> Option<EntryId> {
        let first = self.lookup(surface, key)?;
        let Some(ids) = self.shared.get(key.as_str()) else {
            return Some(first);
        };
        let recent = seen.iter().rev().find(|id| ids.contains(id));
        let of_state = || {
            seen.iter().rev().find_map(|&s| {
                let country = self.entry(s).country?;
                ids.iter()
                    .find(|&&id| self.entry(id).country == Some(country))
            })
        };
        Some(*recent.or_else(of_state).unwrap_or(&first))
    }

    /// Every alias that creates mentions (not the link-only ones, which are
    /// ambiguous on their own), with its entry's label, in file order: the
    /// names the NER model's name list is frozen from (`train-ner --actors`).
    pub fn name_list(&self) -> Vec<(EntityLabel, String)> {
        self.entries
            .iter()
            .flat_map(|e| e.aliases.iter().map(|alias| (e.label, alias.clone())))
            .collect()
    }

    /// The `state` entry of `country`.
    pub fn state_of(&self, country: Country) -> Option<EntryId> {
        self.states.get(&country).copied()
    }
}

/// Parses one line; the error is (field, message).
fn parse_entry(line: &str) -> std::result::Result<Entry, (&'static str, String)> {
    let value: Value =
        serde_json::from_str(line).map_err(|e| ("(line)", format!("not JSON: {e}")))?;
    let Value::Object(obj) = value else {
        return Err(("(line)", "expected a JSON object".to_string()));
    };
    let string =
        |field: &'static str| -> std::result::Result<Option<&str>, (&'static str, String)> {
            match obj.get(field) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s)),
                Some(other) => Err((field, format!("expected a non-empty string, found {other}"))),
            }
        };
    let required = |field: &'static str| string(field)?.ok_or((field, "missing".to_string()));
    let strings =
        |field: &'static str| -> std::result::Result<Vec<String>, (&'static str, String)> {
            match obj.get(field) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|v| match v {
                        Value::String(s) if !s.trim().is_empty() => Ok(s.clone()),
                        other => Err((field, format!("expected non-empty strings, found {other}"))),
                    })
                    .collect(),
                Some(other) => Err((field, format!("expected a list of strings, found {other}"))),
            }
        };
    let name = required("name")?.to_string();
    let kind = required("kind")?
        .parse()
        .map_err(|e: Error| ("kind", e.to_string()))?;
    let country = string("country")?
        .map(|c| c.parse::<Country>())
        .transpose()
        .map_err(|e| ("country", e.to_string()))?;
    let label = required("label")?
        .parse()
        .map_err(|e: Error| ("label", e.to_string()))?;
    Ok(Entry {
        name,
        kind,
        country,
        label,
        aliases: strings("aliases")?,
        link_only: strings("link_only")?,
    })
}

/// Writes the lookup key of `surface` into `out`: case-folded, diacritics
/// removed ([`fold::for_each_unaccented`], [`fold::push_lower`]), a leading "the " and a trailing possessive dropped, full stops
/// dropped ("U.S." = "US"), hyphens and runs of spaces as one space
/// ("Kim Jong-un" = "Kim Jong Un").
pub fn normalize_into(surface: &str, out: &mut String) {
    out.clear();
    let mut s = surface.trim();
    for possessive in ["'s", "’s", "'S", "’S", "'", "’"] {
        if let Some(rest) = s.strip_suffix(possessive) {
            s = rest.trim_end();
            break;
        }
    }
    if s.len() > 4 && s.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("the ")) {
        s = s[4..].trim_start();
    }
    let mut space = false;
    fold::for_each_unaccented(s, |c| {
        if c.is_whitespace() || c == '-' || c == '‐' || c == '–' {
            space = !out.is_empty();
        } else if c != '.' {
            if space {
                out.push(' ');
                space = false;
            }
            fold::push_lower(c, out);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> String {
        let mut out = String::new();
        normalize_into(s, &mut out);
        out
    }

    #[test]
    fn keys_fold_case_diacritics_possessives_and_articles() {
        assert_eq!(key("North Korea’s"), "north korea");
        assert_eq!(key("the Kremlin"), "kremlin");
        assert_eq!(key("Kim Jong-un"), key("Kim  Jong Un"));
        assert_eq!(key("U.S."), "us");
        assert_eq!(key("Zelenskyy's"), "zelenskyy");
        assert_eq!(key("Côte d’Ivoire"), "cote d'ivoire");
        assert_eq!(key("São Tomé"), "sao tome");
        assert_eq!(key("The"), "the");
        assert_eq!(key("Chișinău"), "chisinau");
    }

    #[test]
    fn bad_lines_name_the_field() {
        let err = |line: &str| parse_entry(line).unwrap_err().0;
        assert_eq!(err(r#"{"name":"X","kind":"empire","label":"LOC"}"#), "kind");
        assert_eq!(
            err(r#"{"name":"X","kind":"state","country":"XX","label":"LOC"}"#),
            "country"
        );
        assert_eq!(
            err(r#"{"name":"X","kind":"state","label":"PLACE"}"#),
            "label"
        );
        assert_eq!(err(r#"{"kind":"state","label":"LOC"}"#), "name");
        assert_eq!(
            err(r#"{"name":"X","kind":"state","label":"LOC","aliases":"X"}"#),
            "aliases"
        );
        assert_eq!(err(r#"{"name":"X""#), "(line)");
    }
}
