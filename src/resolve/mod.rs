//! The actor/place layer: gives every recognised mention a role (actor,
//! place, other) and a country, and groups mentions into distinct actors and
//! places. It sits on top of any [`EntityRecognizer`](crate::ner::EntityRecognizer).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::document::Tokenized;
use crate::error::{Error, Result};
use crate::logistic::FeatureRow;
use crate::models::{require, ComponentInfo, ModelFile};
use crate::ner::{EntityLabel, Mention};
use crate::text::Span;

pub mod dictionary;
pub mod labels;
pub mod recognizer;
pub mod role_model;
pub mod roles;
pub mod spans;

pub use dictionary::{normalize_into, Dictionary, Entry, EntryId, Kind, ACTORS_FILE};
pub use labels::{LabelRules, LABELS_FILE};
pub use role_model::{RoleExample, RoleModel, ROLE_MODEL_FILE};
pub use roles::{Class, Context, Mentioned, RoleRules, ROLES_FILE};
pub use spans::{SpanRules, SPANS_FILE};

use spans::{is_abbreviation, name_defined_abbreviations, HYPHENS};

crate::names::named_enum! {
    /// What part a mention plays in the text (see ANNOTATION.md).
    #[derive(PartialOrd, Ord)]
    pub enum Role("role") {
        /// Someone or something that acts: a person, an organisation, a state.
        Actor = "actor",
        /// Where something happens.
        Place = "place",
        /// Neither (events, nationalities used as adjectives, ...).
        Other = "other",
    }
}

/// An ISO 3166-1 alpha-3 country code such as `PRK`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Country([u8; 3]);

impl Country {
    /// The three-letter code.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("country codes are ASCII")
    }
}

impl FromStr for Country {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.as_bytes() {
            &[a, b, c] if s.bytes().all(|b| b.is_ascii_uppercase()) => Ok(Self([a, b, c])),
            _ => Err(Error::InvalidValue {
                value: s.to_string(),
                expected: "an ISO 3166-1 alpha-3 code",
            }),
        }
    }
}

impl fmt::Debug for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Country {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Country {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A mention with its role, country and the actor or place it refers to.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    /// The mention as recognised.
    pub mention: Mention,
    /// What part it plays.
    pub role: Role,
    /// For actors and places: the state the mention belongs to.
    pub country: Option<Country>,
    /// Index of the sentence the mention lies in.
    pub sentence: usize,
    /// Index into [`Resolution::actors`] (role actor) or
    /// [`Resolution::places`] (role place).
    pub referent: Option<usize>,
}

/// A distinct actor or place of a document, with all its mentions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Referent {
    /// Canonical name ("North Korea" for "Pyongyang" used for its government).
    pub name: String,
    /// Dictionary kind (`state`, `person`, `agency`, ...); `None`, written
    /// `unknown`, for a name the dictionary does not hold.
    #[serde(serialize_with = "kind_or_unknown")]
    pub kind: Option<Kind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The state it belongs to, when known.
    pub country: Option<Country>,
    /// Indices into the document's entities.
    pub mentions: Vec<usize>,
}

/// Writes a referent's kind, `unknown` when it has none.
fn kind_or_unknown<S: Serializer>(
    kind: &Option<Kind>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(kind.map_or("unknown", Kind::as_str))
}

/// The resolved entities of a document.
#[derive(Debug, Clone, Default)]
pub struct Resolution {
    /// In text order, never overlapping; the parts of a split compound
    /// ("Ukraine-Russia") share its token.
    pub entities: Vec<Entity>,
    /// Distinct actors; an actor entity's `referent` points here.
    pub actors: Vec<Referent>,
    /// Distinct places; a place entity's `referent` points here.
    pub places: Vec<Referent>,
    /// Worth knowing about the resolution, for the record's `notes`.
    pub notes: Vec<String>,
}

/// Resolves mentions into actors and places: links each mention to the
/// actor dictionary, reads its role from context ([`RoleRules`]), gives it a
/// country and groups mentions into referents.
///
/// Grouping: a capital or seat of government used as an actor ("Pyongyang
/// confirmed", "the Kremlin said") and a nationality word used as an actor
/// ("North Korean troops") or place ("on Russian territory") stand for their
/// state, so they join the state's referent (canonical name of the state,
/// kind `state`). A capital used as a place stays itself ("in Pyongyang").
/// Mentions the dictionary does not know group by their normalised text, and
/// a lone surname joins an earlier full name ("Budanov" after "Kyrylo
/// Budanov"). A short form of an earlier unknown name ("Diamond" after "HMS
/// Diamond") and an abbreviation in brackets right after a name ("(MoD)")
/// take that name's class, country and referent, so that one actor keeps
/// one kind and country in a document.
///
/// States and nationalities joined by hyphens ("the Ukraine-Russia
/// conflict", "the Russia-North Korea treaty", "the Armenian-Azerbaijani
/// war") are split into one entity per part, each an actor of the relation
/// that joins its state's referent.
///
/// Before any of this, mention spans are made to follow ANNOTATION.md
/// ([`SpanRules`], [`LabelRules`]).
///
/// Roles come from the rules, corrected by the learned [`RoleModel`] where
/// one is loaded and surer than them.
#[derive(Debug, Default)]
pub struct Resolver {
    dictionary: Arc<Dictionary>,
    rules: RoleRules,
    /// `None`: the rules alone decide roles.
    role_model: Option<RoleModel>,
    labels: LabelRules,
    /// `None`: the recogniser's spans are kept (but for the split of
    /// compounds of states and nationalities).
    spans: Option<SpanRules>,
    files: Vec<ModelFile>,
}

/// What a referent is keyed by within one document.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Entry(EntryId),
    Surface(String),
}

impl Resolver {
    /// Loads the actor dictionary and the role word lists from `models_dir`.
    pub fn load(models_dir: &Path) -> Result<Self> {
        let actors = require(
            models_dir,
            ACTORS_FILE,
            "the actor dictionary ships in models/ (see models/ACTORS.md)",
        )?;
        let roles = require(
            models_dir,
            ROLES_FILE,
            "the role word lists ship in models/ (see README, Actors and places)",
        )?;
        let labels = require(
            models_dir,
            LABELS_FILE,
            "the dictionary's label rules ship in models/ (see models/ACTORS.md)",
        )?;
        let spans = require(
            models_dir,
            SPANS_FILE,
            "the span conventions ship in models/ (see README, Actors and places)",
        )?;
        let mut resolver = Self::new(
            Arc::new(Dictionary::load(&actors)?),
            RoleRules::load(&roles)?,
        )
        .with_labels(LabelRules::load(&labels)?)
        .with_spans(SpanRules::load(&spans)?);
        resolver.files = vec![
            ModelFile::hash(&actors)?,
            ModelFile::hash(&roles)?,
            ModelFile::hash(&labels)?,
            ModelFile::hash(&spans)?,
        ];
        // Optional: model directories without it keep the rules alone.
        let role_model = models_dir.join(ROLE_MODEL_FILE);
        if role_model.is_file() {
            resolver.role_model = Some(RoleModel::load(&role_model)?);
            resolver.files.push(ModelFile::hash(&role_model)?);
        }
        Ok(resolver)
    }

    /// A resolver over an already loaded dictionary and word lists, that
    /// keeps the recogniser's labels and spans (see
    /// [`with_labels`](Self::with_labels), [`with_spans`](Self::with_spans)).
    pub fn new(dictionary: Arc<Dictionary>, rules: RoleRules) -> Self {
        Self {
            dictionary,
            rules,
            role_model: None,
            labels: LabelRules::default(),
            spans: None,
            files: Vec::new(),
        }
    }

    /// The same resolver, correcting labels and spans by `labels`.
    pub fn with_labels(mut self, labels: LabelRules) -> Self {
        self.labels = labels;
        self
    }

    /// The same resolver, correcting the rules' roles by `model` (`None`:
    /// the rules alone).
    pub fn with_role_model(mut self, model: Option<RoleModel>) -> Self {
        self.role_model = model;
        self
    }

    /// The same resolver, drawing mention spans by the conventions `spans`.
    pub fn with_spans(mut self, spans: SpanRules) -> Self {
        self.spans = Some(spans);
        self
    }

    /// The dictionary, to share with the dictionary recogniser.
    pub fn dictionary(&self) -> &Arc<Dictionary> {
        &self.dictionary
    }

    /// The dictionary entry of each mention, looked up in the context of the
    /// entries linked before it; a part of a split compound keeps the entry
    /// it was split by (`parts`).
    fn link(
        &self,
        doc: &Tokenized<'_>,
        mentions: &[Mention],
        parts: &[Option<EntryId>],
        key: &mut String,
    ) -> Vec<Option<EntryId>> {
        let mut seen = Vec::new();
        mentions
            .iter()
            .zip(parts)
            .map(|(m, part)| {
                let link = part.or_else(|| {
                    self.dictionary
                        .lookup_in_context(m.span.slice(doc.text), key, &seen)
                });
                seen.extend(link);
                link
            })
            .collect()
    }

    /// The token range each mention shares as context with the mentions it
    /// is coordinated with ("between Pyongyang and Moscow", "where Niger,
    /// Burkina Faso, and Mali meet"). A lone comma joins members of a list
    /// only when the list ends in a conjunction: "Kathmandu, Nepal" is no
    /// coordination.
    fn coordinations(
        &self,
        doc: &Tokenized<'_>,
        mentions: &[Mention],
        sentences: &[usize],
    ) -> Vec<(usize, usize)> {
        let n = mentions.len();
        let mut bounds = vec![(0, 0); n];
        let gap = |j: usize| mentions[j].tokens.end..mentions[j + 1].tokens.start;
        let mut i = 0;
        while i < n {
            let mut j = i;
            let mut end = i;
            while j + 1 < n && sentences[j + 1] == sentences[j] {
                if self.rules.joins(doc, gap(j)) || RoleRules::is_dash_join(doc, gap(j)) {
                    j += 1;
                    end = j;
                } else if RoleRules::is_list_comma(doc, gap(j)) {
                    j += 1;
                } else {
                    break;
                }
            }
            bounds[i..=end].fill((mentions[i].tokens.start, mentions[end].tokens.end));
            i = end + 1;
        }
        bounds
    }

    /// Resolves the mentions of one document. Costs one dictionary lookup
    /// per mention and a few word-list lookups around it.
    pub fn resolve(&self, doc: &Tokenized<'_>, mentions: Vec<Mention>) -> Resolution {
        let dict = &*self.dictionary;
        let mut key = String::new();
        let (mentions, parts) = self.draw_spans(doc, mentions, &mut key);
        let reading = self.read(doc, &mentions, &parts, &mut key);
        let roles = self.roles(doc, &mentions, &reading);
        let Reading {
            links,
            same,
            classes,
            sentences,
            ..
        } = reading;
        let tokens: Vec<Range<usize>> = mentions.iter().map(|m| m.tokens.clone()).collect();
        let near = Near {
            links: &links,
            classes: &classes,
            tokens: &tokens,
            sentences: &sentences,
        };
        let mut entities: Vec<Entity> = Vec::with_capacity(mentions.len());
        let mut actors = Grouping::default();
        let mut places = Grouping::default();
        let mut label_notes = LabelNotes::default();
        // Entries the document has named by a name the dictionary is sure
        // of, not by an abbreviation: what makes a later abbreviation sure.
        let mut named_in_full: HashSet<EntryId> = HashSet::new();
        for (i, mut mention) in mentions.into_iter().enumerate() {
            let role = roles[i];
            let surface = mention.span.slice(doc.text);
            let entry = links[i].map(|id| dict.entry(id));
            let linked_before = links[i].is_some_and(|id| named_in_full.contains(&id));
            if links[i].is_some()
                && !is_abbreviation(surface)
                && dict.lookup_sure(surface, &mut key) == links[i]
            {
                named_in_full.extend(links[i]);
            }
            self.check_label(
                &mut mention,
                surface,
                links[i],
                linked_before,
                &mut key,
                &mut label_notes,
            );
            // A name taken for a person that the sentence makes a place
            // ("spread through Sweisa") and the dictionary does not know is
            // a place (ANNOTATION.md: small places are LOC).
            if role == Role::Place && mention.label == EntityLabel::Per && links[i].is_none() {
                mention.label = EntityLabel::Loc;
            }
            let country = match (role, entry, same[i]) {
                (Role::Other, _, _) => None,
                // A short form ("Makaruk", "MoD") belongs where its full
                // name does.
                (_, _, Some(j)) if entities[j].role != Role::Other => entities[j].country,
                (_, Some(entry), _) => {
                    // A short or shared form ("National Guard", "Democratic
                    // Party") belongs to the state the text gives it, when
                    // it gives one ("Ukraine's National Guard"); so does a
                    // state body whose name other states' bodies share
                    // ("Poland's Ministry of National Defense", "Ukraine's
                    // Security Service"), even where the dictionary is sure.
                    let sure = dict.lookup_sure(surface, &mut key) == links[i];
                    let shareable =
                        (!sure || entry.kind.is_state_body()) && classes[i] != Class::Source;
                    let stated = shareable
                        .then(|| self.context_country(doc, &near, i, &mut key))
                        .flatten();
                    // A body's name that several states' bodies share
                    // ("National Guard", "Ministry of National Defense"),
                    // without a state beside it, linked to neither an
                    // entry the article named before nor one of a state it
                    // named, belongs to the state the article last named
                    // ("... in Sinaloa, Mexico. The National Guard"), and
                    // to none if it named none.
                    let unsettled = shareable
                        && entry.kind.is_state_body()
                        && dict.is_shared(surface, &mut key)
                        && !links[..i].contains(&links[i])
                        && !entry
                            .country
                            .is_some_and(|own| named_before(dict, &near, i, own));
                    match stated {
                        Some(c) => Some(c),
                        None if unsettled => last_state(dict, &near, i),
                        None => entry.country,
                    }
                }
                (_, None, _) => self
                    .rules
                    .vessel_country(surface)
                    .or_else(|| self.context_country(doc, &near, i, &mut key)),
            };
            let mut entity = Entity {
                sentence: sentences[i],
                mention,
                role,
                country,
                referent: None,
            };
            let joins = same[i].filter(|&j| entities[j].role == role);
            entity.referent = match (role, joins) {
                (Role::Other, _) => None,
                (Role::Actor, Some(j)) => entities[j]
                    .referent
                    .map(|r| actors.add(r, i, entity.country)),
                (Role::Place, Some(j)) => entities[j]
                    .referent
                    .map(|r| places.add(r, i, entity.country)),
                (Role::Actor, None) => {
                    Some(self.group(&mut actors, role, &near, i, surface, &entity))
                }
                (Role::Place, None) => {
                    Some(self.group(&mut places, role, &near, i, surface, &entity))
                }
            };
            entities.push(entity);
        }
        Resolution {
            entities,
            actors: actors.referents,
            places: places.referents,
            notes: label_notes.into_notes(),
        }
    }

    /// Links a name the dictionary does not know to the entry of the
    /// abbreviation bracketed after it when the name is a variant of one of
    /// the entry's names: at least two of its words, and half of them, in
    /// one of them ("Tehreek-e-Taliban Pakistan (TTP)" is the dictionary's
    /// "Tehrik-i-Taliban Pakistan"; "Multinational Security Support (MSS)"
    /// is not China's Ministry of State Security), and no word or pair of
    /// words of it a place or nationality of another state ("Puntland
    /// Defence Forces (PDF)" is not Myanmar's People's Defence Force).
    fn link_defined_names(
        &self,
        doc: &Tokenized<'_>,
        mentions: &[Mention],
        links: &mut [Option<EntryId>],
        key: &mut String,
    ) {
        for i in 1..mentions.len() {
            let (Some(id), None) = (links[i], links[i - 1]) else {
                continue;
            };
            if !bracketed_abbreviation(doc, mentions, i) {
                continue;
            }
            let name = name_words(mentions[i - 1].span.slice(doc.text));
            let entry = self.dictionary.entry(id);
            let variant = std::iter::once(&entry.name)
                .chain(&entry.aliases)
                .any(|other| {
                    let other = name_words(other);
                    let shared = name.iter().filter(|w| other.contains(w)).count();
                    shared >= 2 && 2 * shared >= name.len()
                });
            if !variant {
                continue;
            }
            let surface = mentions[i - 1].span.slice(doc.text);
            let words: Vec<&str> = surface.split_whitespace().collect();
            // Every word and every pair of neighbouring words.
            let elsewhere = (1..=2)
                .flat_map(|n| words.windows(n))
                .filter_map(|w| self.dictionary.lookup(&w.join(" "), key))
                .map(|other| self.dictionary.entry(other))
                .any(|other| other.country.is_some() && other.country != entry.country);
            if !elsewhere {
                links[i - 1] = Some(id);
            }
        }
    }

    /// What the role and referent steps read about `mentions`: their links
    /// (`parts`: the entries of the parts of split compounds), which are
    /// such parts, which repeat an earlier mention, their classes and their
    /// sentences.
    fn read(
        &self,
        doc: &Tokenized<'_>,
        mentions: &[Mention],
        parts: &[Option<EntryId>],
        key: &mut String,
    ) -> Reading {
        let mut links = self.link(doc, mentions, parts, key);
        self.link_defined_names(doc, mentions, &mut links, key);
        let split = parts.iter().map(Option::is_some).collect();
        let same = same_as_earlier(doc, mentions, &links);
        let classes = self.classes(doc, mentions, &links, &same);
        let sentences = mentions
            .iter()
            .map(|m| doc.sentence_of(m.tokens.start))
            .collect();
        Reading {
            links,
            split,
            same,
            classes,
            sentences,
        }
    }

    /// The class of each mention: its dictionary entry's kind where it is
    /// linked, else its label's.
    fn classes(
        &self,
        doc: &Tokenized<'_>,
        mentions: &[Mention],
        links: &[Option<EntryId>],
        same: &[Option<usize>],
    ) -> Vec<Class> {
        let mut classes: Vec<Class> = Vec::with_capacity(mentions.len());
        for (i, (m, link)) in mentions.iter().zip(links).enumerate() {
            let class = match (link, same[i]) {
                (Some(id), _) => Class::of_kind(self.dictionary.entry(*id).kind),
                (None, Some(j)) => classes[j],
                (None, None) => self.rules.class_of_unknown(m.label, m.span.slice(doc.text)),
            };
            classes.push(class);
        }
        classes
    }

    /// The role of each mention: the rules' ([`RoleRules::role`]),
    /// corrected by the role model where one is loaded and the rules read
    /// the role from context, not from the mention's form.
    fn roles(&self, doc: &Tokenized<'_>, mentions: &[Mention], reading: &Reading) -> Vec<Role> {
        let mut words = Vec::new();
        self.each_role(doc, mentions, reading, |m, ctx| match &self.role_model {
            Some(model) if !m.by_form => {
                self.rules.features(m, ctx, &mut words);
                model.decide(m.rule, &words)
            }
            _ => m.rule,
        })
    }

    /// The role model's training rows of a labelled document: for each of
    /// `mentions` (gold spans and labels, in text order, not overlapping),
    /// its features and the rules' role, read in the document's own context
    /// by the code that [`resolve`](Self::resolve) runs (spans are taken as
    /// they are); `None` for a mention whose role the rules read from its
    /// form ([`RoleRules::by_form`]), which the model never corrects.
    pub fn role_rows(
        &self,
        doc: &Tokenized<'_>,
        mentions: &[Mention],
    ) -> Vec<Option<(FeatureRow, Role)>> {
        let mut key = String::new();
        let reading = self.read(doc, mentions, &vec![None; mentions.len()], &mut key);
        self.each_role(doc, mentions, &reading, |m, ctx| {
            (!m.by_form).then(|| {
                let mut words = Vec::new();
                self.rules.features(m, ctx, &mut words);
                (
                    FeatureRow {
                        dense: Vec::new(),
                        words,
                    },
                    m.rule,
                )
            })
        })
    }

    /// Calls `f` with each mention, its rules' role and its context (its
    /// sentence, the mentions coordinated with it, where the other mentions
    /// start, whether it is a part of a split state compound); collects
    /// what `f` returns.
    fn each_role<T>(
        &self,
        doc: &Tokenized<'_>,
        mentions: &[Mention],
        reading: &Reading,
        mut f: impl FnMut(&Mentioned, &Context<'_>) -> T,
    ) -> Vec<T> {
        let Reading {
            links,
            split,
            classes,
            sentences,
            ..
        } = reading;
        let starts: Vec<(Range<usize>, Class)> = mentions
            .iter()
            .zip(classes)
            .map(|(m, c)| (m.tokens.clone(), *c))
            .collect();
        let compound = compound_parts(doc, mentions, split);
        let bounds = self.coordinations(doc, mentions, sentences);
        (0..mentions.len())
            .map(|i| {
                let ctx = Context {
                    doc,
                    sentence: doc
                        .sentences
                        .get(sentences[i])
                        .map_or(0..doc.tokens.len(), |s| s.tokens.clone()),
                    first: bounds[i].0,
                    last: bounds[i].1,
                    mentions: &starts,
                    in_compound: compound[i],
                    suffix: hyphen_suffix(doc, &mentions[i]),
                };
                let rule = self.rules.role(classes[i], &ctx);
                // A person the rules place by its context ("spread through
                // Sweisa") is a small place the recogniser took for a
                // person: the model reads it as the place name it is, as
                // it was trained on gold places.
                let (label, class) = if classes[i] == Class::Person && rule == Role::Place {
                    (EntityLabel::Loc, Class::Place)
                } else {
                    (mentions[i].label, classes[i])
                };
                let mentioned = Mentioned {
                    tokens: mentions[i].tokens.clone(),
                    label,
                    class,
                    kind: links[i].map(|id| self.dictionary.entry(id).kind),
                    rule,
                    by_form: self.rules.by_form(classes[i], &ctx),
                };
                f(&mentioned, &ctx)
            })
            .collect()
    }

    /// Where the dictionary entry `link` gives `mention` (written `surface`)
    /// another label than the recogniser did: takes the dictionary's label
    /// when the dictionary is sure of the name, or the name is an
    /// abbreviation of an entry the document named before by a sure name in
    /// full (`linked_before`: "CAR" after "the Central African Republic"),
    /// and the label rules let it correct that label; else keeps the
    /// recogniser's; notes either.
    fn check_label(
        &self,
        mention: &mut Mention,
        surface: &str,
        link: Option<EntryId>,
        linked_before: bool,
        key: &mut String,
        notes: &mut LabelNotes,
    ) {
        let dict = &*self.dictionary;
        let Some(entry) = link.map(|id| dict.entry(id)) else {
            return;
        };
        if entry.label == mention.label {
            return;
        }
        let note = format!("{surface:?} {} (dictionary {})", mention.label, entry.label);
        let sure =
            dict.lookup_sure(surface, key) == link || (linked_before && is_abbreviation(surface));
        if sure && self.labels.corrects(entry.kind, mention.label) {
            mention.label = entry.label;
            notes.corrected.push(note);
        } else {
            notes.conflicts.push(note);
        }
    }

    /// The mentions with their spans drawn as ANNOTATION.md draws them:
    /// hyphenated compounds cut to their name, the dictionary's repairs
    /// ([`LabelRules::repair`]), the names of compounds the recogniser
    /// missed ([`SpanRules::name_missed_compounds`]), the conventions of
    /// [`SpanRules`], then compounds of states and nationalities split into
    /// their parts. Also gives each part's dictionary entry (`None` for
    /// other mentions).
    fn draw_spans(
        &self,
        doc: &Tokenized<'_>,
        mentions: Vec<Mention>,
        key: &mut String,
    ) -> (Vec<Mention>, Vec<Option<EntryId>>) {
        let dict = &*self.dictionary;
        let Some(spans) = &self.spans else {
            let mentions = self.labels.repair(dict, doc, mentions, key);
            return SpanRules::default().split_compounds(dict, doc, mentions, key);
        };
        let mentions = spans.trim_hyphens(dict, doc, mentions, key);
        let mentions = self.labels.repair(dict, doc, mentions, key);
        let mentions = spans.name_missed_compounds(dict, doc, mentions, key);
        let mentions = spans.follow_conventions(dict, doc, mentions, key);
        let mentions = name_defined_abbreviations(doc, mentions);
        let mentions =
            spans.name_vessels(dict, doc, mentions, key, |w| self.rules.is_vessel_prefix(w));
        let mentions = spans.name_weapons(dict, doc, mentions, key);
        spans.split_compounds(dict, doc, mentions, key)
    }

    /// Country of a mention from cheap context, for one the dictionary does
    /// not know or knows only by a shared name or as a state body: a
    /// nationality word or state inside it ("Ukrainian Center for ..."), a
    /// possessive state or nationality title before it ("Russia's Kursk",
    /// "Ukrainian President Volodymyr Zelensky"), or "X region of Russia" /
    /// "X, Russia" after it.
    fn context_country(
        &self,
        doc: &Tokenized<'_>,
        near: &Near<'_>,
        i: usize,
        key: &mut String,
    ) -> Option<Country> {
        let dict = &*self.dictionary;
        let national = |id: EntryId| {
            let e = dict.entry(id);
            e.kind.is_national().then_some(e.country).flatten()
        };
        let word = |t: usize| doc.tokens[t].slice(doc.text);
        let tokens = &near.tokens[i];
        if tokens.len() > 1 {
            if let Some(c) = dict.lookup(word(tokens.start), key).and_then(national) {
                return Some(c);
            }
        }
        let same_sentence = |j: usize| near.sentences[j] == near.sentences[i];
        if let Some(p) = i.checked_sub(1).filter(|&p| same_sentence(p)) {
            if let Some(id) = near.links[p] {
                let gap = near.tokens[p].end..tokens.start;
                let possessive = gap.len() == 1 && RoleRules::is_possessive(word(gap.start));
                // "Ukrainian President Volodymyr Zelensky", "North Korean
                // leader Kim", "Ukraine's Defence Minister Rustem Umerov": a
                // nationality or a state's possessive, then office words,
                // then a person or organisation.
                let office = match gap.clone().next().map(word) {
                    Some(w) if RoleRules::is_possessive(w) => gap.start + 1..gap.end,
                    _ => gap.clone(),
                };
                let title = dict.entry(id).kind.is_national()
                    && (office.start == gap.start) == (dict.entry(id).kind == Kind::Demonym)
                    && matches!(near.classes[i], Class::Person | Class::Group)
                    && (1..=3).contains(&office.len())
                    && office.clone().all(|t| self.rules.is_group_noun(word(t)));
                // "US" + "Navy", "Russian" + "Ministry of Defence": a state
                // or nationality split from the body right after it; not
                // one cut from a compound before it ("Iran-backed
                // Hezbollah": the backer is not the group's state).
                let compound = word(near.tokens[p].end - 1).contains(HYPHENS);
                let body = gap.is_empty()
                    && !compound
                    && dict.entry(id).kind.is_national()
                    && near.classes[i] == Class::Group;
                if possessive || title || body {
                    if let Some(c) = national(id) {
                        return Some(c);
                    }
                }
            }
        }
        let q = i + 1;
        if q < near.links.len() && same_sentence(q) {
            if let Some(e) = near.links[q]
                .map(|id| dict.entry(id))
                .filter(|e| e.kind == Kind::State)
            {
                let gap = tokens.end..near.tokens[q].start;
                let comma = gap.len() == 1 && word(gap.start) == ",";
                let of = (1..=2).contains(&gap.len()) && word(gap.end - 1) == "of";
                if comma || of {
                    return e.country;
                }
            }
        }
        None
    }

    /// The referent of mention `i` in `referents` (actors or places), made
    /// if it is the first mention of it.
    fn group(
        &self,
        out: &mut Grouping,
        role: Role,
        near: &Near<'_>,
        i: usize,
        surface: &str,
        entity: &Entity,
    ) -> usize {
        let dict = &*self.dictionary;
        let (key, name, kind) = match near.links[i].map(|id| (id, dict.entry(id))) {
            Some((id, e)) => {
                let stands_for_state = match role {
                    Role::Actor => e.kind.is_metonym() || e.kind == Kind::Demonym,
                    _ => e.kind == Kind::Demonym,
                };
                match e
                    .country
                    .and_then(|c| dict.state_of(c))
                    .filter(|_| stands_for_state)
                {
                    Some(state) => (
                        Key::Entry(state),
                        dict.entry(state).name.as_str(),
                        Some(Kind::State),
                    ),
                    None => (Key::Entry(id), e.name.as_str(), Some(e.kind)),
                }
            }
            None => {
                let mut k = String::new();
                normalize_into(surface, &mut k);
                // A lone surname joins the first earlier full name that
                // ends in it.
                let surname = entity.mention.label == EntityLabel::Per && !k.contains(' ');
                let full = surname
                    .then(|| {
                        out.full_names
                            .iter()
                            .find(|(name, _)| name.rsplit(' ').next() == Some(k.as_str()))
                    })
                    .flatten();
                match full {
                    Some(&(_, index)) => return out.add(index, i, entity.country),
                    None => (Key::Surface(k), surface, None),
                }
            }
        };
        let index = match out.keys.get(&key) {
            Some(&index) => index,
            None => {
                let index = out.referents.len();
                out.referents.push(Referent {
                    name: name.to_string(),
                    kind,
                    country: None,
                    mentions: Vec::new(),
                });
                if let Key::Surface(k) = &key {
                    if k.contains(' ') && entity.mention.label == EntityLabel::Per {
                        out.full_names.push((k.clone(), index));
                    }
                }
                out.keys.insert(key, index);
                index
            }
        };
        out.add(index, i, entity.country)
    }

    /// Name and files, for the record's `engine` field.
    pub fn info(&self) -> ComponentInfo {
        ComponentInfo::with_files("actors", self.files.clone())
    }
}

/// Where the dictionary and the recogniser disagree on a label, by what
/// came of it; reported in the record's notes.
#[derive(Default)]
struct LabelNotes {
    /// The dictionary's label was taken.
    corrected: Vec<String>,
    /// The recogniser's label was kept.
    conflicts: Vec<String>,
}

impl LabelNotes {
    /// One note per kind of disagreement, with its first five mentions.
    fn into_notes(self) -> Vec<String> {
        let mut notes = Vec::new();
        for (what, list) in [
            (
                "gave the actor dictionary's label where the recogniser gave another",
                &self.corrected,
            ),
            (
                "kept the recogniser's label where the actor dictionary gives another",
                &self.conflicts,
            ),
        ] {
            if !list.is_empty() {
                let shown = list.len().min(5);
                notes.push(format!(
                    "{what} ({} mentions): {}{}",
                    list.len(),
                    list[..shown].join(", "),
                    if list.len() > shown { ", ..." } else { "" }
                ));
            }
        }
        notes
    }
}

/// Whether `country`, by the state's name or its nationality, is named
/// before mention `i`.
fn named_before(dict: &Dictionary, near: &Near<'_>, i: usize, country: Country) -> bool {
    near.links[..i]
        .iter()
        .flatten()
        .map(|&id| dict.entry(id))
        .any(|e| e.kind.is_national() && e.country == Some(country))
}

/// The country of the state or nationality named last before mention `i`.
fn last_state(dict: &Dictionary, near: &Near<'_>, i: usize) -> Option<Country> {
    near.links[..i]
        .iter()
        .rev()
        .flatten()
        .map(|&id| dict.entry(id))
        .find(|e| e.kind.is_national())
        .and_then(|e| e.country)
}

/// What the resolver knows about every mention of a document while it
/// resolves them one by one.
struct Near<'a> {
    links: &'a [Option<EntryId>],
    classes: &'a [Class],
    tokens: &'a [Range<usize>],
    sentences: &'a [usize],
}

/// The referents of one role and their keys.
#[derive(Default)]
struct Grouping {
    referents: Vec<Referent>,
    keys: HashMap<Key, usize>,
    /// Multi-word person names the dictionary does not know, in order of
    /// first mention, for linking a later lone surname.
    full_names: Vec<(String, usize)>,
}

impl Grouping {
    /// Adds entity `i` to referent `index`; returns `index`.
    fn add(&mut self, index: usize, i: usize, country: Option<Country>) -> usize {
        let referent = &mut self.referents[index];
        referent.mentions.push(i);
        referent.country = referent.country.or(country);
        index
    }
}

/// What [`Resolver::read`] finds about a document's mentions, one entry
/// per mention.
struct Reading {
    /// Its dictionary entry.
    links: Vec<Option<EntryId>>,
    /// Whether it is a part of a split state compound.
    split: Vec<bool>,
    /// The earlier mention it repeats or shortens.
    same: Vec<Option<usize>>,
    /// Which role rules apply to it.
    classes: Vec<Class>,
    /// Its sentence.
    sentences: Vec<usize>,
}

/// Whether `word` begins with a capital letter (the span rules of
/// [`labels`] and [`spans`] read names by their capitals).
fn starts_upper(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
}

/// Whether each mention is part of a hyphenated compound: split by
/// [`SpanRules::split_compounds`] (`split`), or a sub-token mention
/// from elsewhere (gold spans).
fn compound_parts(doc: &Tokenized<'_>, mentions: &[Mention], split: &[bool]) -> Vec<bool> {
    let dash_join = |j: usize| {
        j + 1 < mentions.len()
            && RoleRules::is_dash_join(doc, mentions[j].tokens.end..mentions[j + 1].tokens.start)
    };
    mentions
        .iter()
        .zip(split)
        .enumerate()
        .map(|(i, (m, &split))| {
            let last = m.tokens.end.max(m.tokens.start + 1) - 1;
            let covering = Span::new(doc.tokens[m.tokens.start].start, doc.tokens[last].end);
            split
                || (covering != m.span && covering.slice(doc.text).contains('-'))
                || dash_join(i)
                || (i > 0 && dash_join(i - 1))
        })
        .collect()
}

/// The lower-case word joined by a hyphen right after a mention ("backed"
/// in "Iranian-backed", "made" in "Russian-made"), within the token that
/// ends the mention, or in the two tokens right after an abbreviation's
/// full stop ("U.S.-led", where the tokenizer ends "U.S." at its stop).
fn hyphen_suffix<'a>(doc: &Tokenized<'a>, m: &Mention) -> Option<&'a str> {
    let last = m.tokens.end.max(m.tokens.start + 1) - 1;
    let mut token_end = doc.tokens[last].end;
    if m.span.end == token_end && doc.text[..token_end].ends_with('.') {
        let adjacent = |t: usize, at: usize| doc.tokens.get(t).filter(|t| t.start == at);
        if let Some(hyphen) = adjacent(last + 1, token_end) {
            if let Some(word) = adjacent(last + 2, hyphen.end) {
                token_end = word.end;
            }
        }
    }
    let rest = doc.text.get(m.span.end..token_end)?;
    let word = rest.strip_prefix(HYPHENS)?;
    let word = word.split(HYPHENS).next().unwrap_or(word);
    (!word.is_empty() && word.chars().all(char::is_lowercase)).then_some(word)
}

/// Whether mention `i` is an abbreviation in brackets right after the
/// mention before it ("German Defense Ministry (MoD)"): one word with two
/// capitals or more.
fn bracketed_abbreviation(doc: &Tokenized<'_>, mentions: &[Mention], i: usize) -> bool {
    let word = |t: usize| doc.tokens.get(t).map(|t| t.slice(doc.text));
    let m = &mentions[i];
    let surface = m.span.slice(doc.text);
    i > 0
        && m.tokens.start > 0
        && word(m.tokens.start - 1) == Some("(")
        && word(m.tokens.end) == Some(")")
        && mentions[i - 1].tokens.end + 1 == m.tokens.start
        && !surface.contains(' ')
        && surface.chars().filter(|c| c.is_uppercase()).count() >= 2
}

/// The words of a name that tell it from others, lower-cased: split at
/// spaces and hyphens, without possessives, and without words of fewer
/// than three letters ("of", "e", "i").
fn name_words(name: &str) -> Vec<String> {
    name.split(|c: char| c.is_whitespace() || HYPHENS.contains(&c))
        .map(|w| {
            w.trim_end_matches("'s")
                .trim_end_matches("’s")
                .trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|w| w.chars().count() >= 3 && !matches!(w.as_str(), "the" | "and" | "for"))
        .collect()
}

/// For each mention the dictionary does not know, the earlier mention it is
/// a short form of, so that it gets the same class, country and referent
/// (ANNOTATION.md: the same actor keeps one name, kind and country):
///
/// - an abbreviation in brackets right after a name ("German Defense
///   Ministry (MoD)"), the dictionary's or not, and every later mention of
///   it: the article's own definition wins over the dictionary's ("Japan's
///   Self-Defense Forces (SDF)" is not Syria's SDF);
/// - the last word, or the first and last words, of an earlier unknown name
///   of two or more words ("Makaruk" after "Mykhailo Makaruk", "Diamond"
///   and "HMS Diamond" after "HMS Diamond", "USS Truman" after "USS Harry
///   S. Truman").
fn same_as_earlier(
    doc: &Tokenized<'_>,
    mentions: &[Mention],
    links: &[Option<EntryId>],
) -> Vec<Option<usize>> {
    let mut out = vec![None; mentions.len()];
    // The latest unknown name of two or more words by its last word, and
    // by its first and last words.
    let mut by_last: HashMap<&str, usize> = HashMap::new();
    let mut by_ends: HashMap<(&str, &str), usize> = HashMap::new();
    // Abbreviations the article defined, to the name they stand for.
    let mut defined: HashMap<&str, usize> = HashMap::new();
    for (i, m) in mentions.iter().enumerate() {
        let surface = m.span.slice(doc.text);
        if let Some(&name) = defined.get(surface) {
            out[i] = Some(name);
            continue;
        }
        if bracketed_abbreviation(doc, mentions, i) {
            out[i] = Some(i - 1);
            defined.insert(surface, i - 1);
            continue;
        }
        if links[i].is_some() {
            continue;
        }
        let mut words = surface.split_whitespace();
        let (Some(first), last) = (words.next(), words.next_back()) else {
            continue;
        };
        let more = words.next().is_some();
        match last {
            None => out[i] = by_last.get(first).copied(),
            Some(last) => {
                if !more {
                    out[i] = by_ends.get(&(first, last)).copied();
                }
                if out[i].is_none() {
                    by_last.insert(last, i);
                    if more {
                        by_ends.insert((first, last), i);
                    }
                }
            }
        }
    }
    out
}
