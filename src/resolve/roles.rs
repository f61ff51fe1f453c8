//! The role rules: whether a mention is an actor, a place or other, read
//! from the words around it. The words live in `models/roles.toml`; this
//! module holds the few rules that use them, in one place, so that a rule
//! can be read and changed without hunting through the resolver.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hasher};
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;

use crate::datafile;
use crate::document::Tokenized;
use crate::error::Result;
use crate::hashed::{Fnv, NameSet};
use crate::ner::EntityLabel;
use crate::resolve::dictionary::Kind;
use crate::resolve::spans::HYPHENS;
use crate::resolve::{Country, Role};
use crate::sentence::lacks_full_stop;

/// File name of the word lists inside the models directory.
pub const ROLES_FILE: &str = "roles.toml";

crate::names::named_enum! {
    /// Which role rules apply to a mention: from its dictionary kind, or
    /// from its name and the recogniser's label when the dictionary does not
    /// know it ([`RoleRules::class_of_unknown`]). The names are those the
    /// role model's features write.
    pub enum Class("mention class") {
        /// People.
        Person = "person",
        /// Organisations, governments, agencies, forces, IGOs, parties, named
        /// vessels.
        Group = "group",
        /// Media outlets, social platforms, research groups and monitors: cited
        /// as sources, so `other`.
        Source = "source",
        /// States: political actors unless the context makes them a place.
        State = "state",
        /// Capitals: places unless the context makes them act ("Pyongyang
        /// confirmed", "isolate Moscow", "Washington's support").
        Metonym = "metonym",
        /// Other cities, regions, geographic names, and place names the
        /// dictionary does not know (towns, villages, districts): places,
        /// also as the subject of a sentence ("Aleppo remains a key prize").
        Place = "place",
        /// Nationality words: "North Korean", "Russians".
        Demonym = "demonym",
        /// Events, wars, unknown MISC.
        Other = "other",
    }
}

impl Class {
    /// The class of a dictionary kind.
    pub fn of_kind(kind: Kind) -> Self {
        match kind {
            Kind::State => Self::State,
            Kind::Capital => Self::Metonym,
            Kind::City | Kind::Region | Kind::Geo => Self::Place,
            Kind::Demonym => Self::Demonym,
            Kind::Person => Self::Person,
            Kind::Media | Kind::Research => Self::Source,
            Kind::Event | Kind::Weapon => Self::Other,
            Kind::Government
            | Kind::Agency
            | Kind::Force
            | Kind::Igo
            | Kind::Party
            | Kind::Organization => Self::Group,
        }
    }
}

/// The word lists as written in `roles.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    skip_before: Vec<String>,
    place_modifiers: Vec<String>,
    place_prepositions: Vec<String>,
    recipient_nouns: Vec<String>,
    recipient_prepositions: Vec<String>,
    actor_prepositions: Vec<String>,
    territory_nouns: Vec<String>,
    place_of_nouns: Vec<String>,
    conflict_nouns: Vec<String>,
    group_nouns: Vec<String>,
    place_verbs: Vec<String>,
    transfer_words: Vec<String>,
    auxiliaries: Vec<String>,
    verbs: Vec<String>,
    verb_forms: Vec<String>,
    adverbs: Vec<String>,
    conjunctions: Vec<String>,
    function_words: Vec<String>,
    source_words: Vec<String>,
    place_suffixes: Vec<String>,
    goods_nouns: Vec<String>,
    wielder_prepositions: Vec<String>,
    attribute_nouns: Vec<String>,
    language_cues: Vec<String>,
    source_name_words: Vec<String>,
    source_nouns: Vec<String>,
    locative_prepositions: Vec<String>,
    vessel_prefixes: HashMap<String, String>,
}

/// The loaded word lists, as sets of lower-case words.
#[derive(Debug, Default)]
pub struct RoleRules {
    skip_before: NameSet,
    place_modifiers: NameSet,
    place_prepositions: NameSet,
    recipient_nouns: NameSet,
    recipient_prepositions: NameSet,
    actor_prepositions: NameSet,
    territory_nouns: NameSet,
    place_of_nouns: NameSet,
    conflict_nouns: NameSet,
    group_nouns: NameSet,
    /// Inflected forms of the place verbs.
    place_verbs: NameSet,
    transfer_words: NameSet,
    /// Auxiliaries, inflected lemmas and irregular forms together.
    verbs: NameSet,
    adverbs: NameSet,
    conjunctions: NameSet,
    function_words: NameSet,
    source_words: NameSet,
    place_suffixes: NameSet,
    goods_nouns: NameSet,
    wielder_prepositions: NameSet,
    attribute_nouns: NameSet,
    language_cues: NameSet,
    source_name_words: NameSet,
    source_nouns: NameSet,
    locative_prepositions: NameSet,
    /// Vessel prefix ("USS", as written) to the state of its navy.
    vessel_prefixes: HashMap<String, Country>,
}

/// What the noun a mention modifies says about it ("North Korean
/// *troops*", "Sudan *city*", "Iranian *drones*").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Head {
    /// A force, group, office or their doings: the mention is whose.
    Group,
    /// A territory: the mention is where.
    Territory,
    /// A conflict: where it is fought ("the Syrian conflict"), or, for
    /// states joined by hyphens, its parties ("the Ukraine-Russia conflict").
    Conflict,
    /// Goods: the mention is their origin.
    Goods,
    /// A language, style or work: neither who nor where.
    Attribute,
    /// Another noun.
    Noun,
}

impl Head {
    fn as_str(self) -> &'static str {
        match self {
            Self::Group => "group",
            Self::Territory => "territory",
            Self::Conflict => "conflict",
            Self::Goods => "goods",
            Self::Attribute => "attribute",
            Self::Noun => "noun",
        }
    }
}

/// What the role model ([`crate::resolve::RoleModel`]) knows of a mention
/// besides its context: the same at training (gold mentions) and at
/// inference (recognised ones).
#[derive(Debug, Clone)]
pub struct Mentioned {
    /// Its tokens.
    pub tokens: Range<usize>,
    /// Its entity label.
    pub label: EntityLabel,
    /// Its class.
    pub class: Class,
    /// Its dictionary kind, when the dictionary knows it.
    pub kind: Option<Kind>,
    /// The role the rules give it ([`RoleRules::role`]).
    pub rule: Role,
    /// The rules read that role from the mention's form, as ANNOTATION.md
    /// fixes it ([`RoleRules::by_form`]): the model leaves it.
    pub by_form: bool,
}

/// Where a mention (or the coordination it belongs to) sits in its
/// sentence, and what the mentions around it are.
pub struct Context<'a> {
    /// The document.
    pub doc: &'a Tokenized<'a>,
    /// Token range of the sentence.
    pub sentence: Range<usize>,
    /// First token of the coordination the mention belongs to ("between
    /// Pyongyang and Moscow"): left context is read before it.
    pub first: usize,
    /// End of the coordination: right context is read from here.
    pub last: usize,
    /// Token range and class of every mention in the document, by start.
    pub mentions: &'a [(Range<usize>, Class)],
    /// The mention is part of a hyphenated compound ("Ukraine" in
    /// "Ukraine-Russia"), as the resolver splits states joined by hyphens
    /// and as gold spans may be.
    pub in_compound: bool,
    /// The lower-case word joined to the mention by a hyphen ("backed" in
    /// "Iranian-backed", "made" in "Russian-made"), when there is one.
    pub suffix: Option<&'a str>,
}

impl Context<'_> {
    fn word(&self, i: usize) -> &str {
        self.doc.tokens[i].slice(self.doc.text)
    }

    /// Whether a possessive clitic follows the mention ("Russia's",
    /// "the Philippines' coast"). A bare apostrophe counts only after a
    /// plural in -s, not as a closing quote ("'power in Russia'").
    fn possessive_follows(&self) -> bool {
        let next = self.last;
        next < self.sentence.end
            && RoleRules::is_possessive(self.word(next))
            && (self.word(next).len() > 1 || self.word(next - 1).ends_with(['s', 'S']))
    }

    fn mention_at(&self, token: usize) -> Option<Class> {
        let k = self
            .mentions
            .partition_point(|(tokens, _)| tokens.start < token);
        self.mentions
            .get(k)
            .filter(|(tokens, _)| tokens.start == token)
            .map(|(_, class)| *class)
    }

    /// The mention that ends right at `token`, if any.
    fn mention_ending_at(&self, token: usize) -> Option<Class> {
        let k = self
            .mentions
            .partition_point(|(tokens, _)| tokens.start < token);
        k.checked_sub(1)
            .map(|k| &self.mentions[k])
            .filter(|(tokens, _)| tokens.end == token)
            .map(|(_, class)| *class)
    }
}

impl RoleRules {
    /// Reads `roles.toml`.
    pub fn load(path: &Path) -> Result<Self> {
        let raw: RawRules = datafile::read_toml(path)?;
        let set = |words: Vec<String>| {
            words
                .into_iter()
                .map(|w| w.to_lowercase())
                .collect::<NameSet>()
        };
        let inflected = |lemmas: Vec<String>| {
            lemmas
                .iter()
                .flat_map(|lemma| inflect(&lemma.to_lowercase()))
                .collect::<NameSet>()
        };
        let mut verbs = set(raw.auxiliaries);
        verbs.extend(raw.verb_forms.into_iter().map(|w| w.to_lowercase()));
        verbs.extend(inflected(raw.verbs));
        let vessel_prefixes = raw
            .vessel_prefixes
            .into_iter()
            .map(|(prefix, code)| match code.parse::<Country>() {
                Ok(country) => Ok((prefix, country)),
                Err(e) => Err(crate::error::Error::Field {
                    path: path.to_path_buf(),
                    field: format!("vessel_prefixes.{prefix}"),
                    message: e.to_string(),
                }),
            })
            .collect::<Result<_>>()?;
        Ok(Self {
            skip_before: set(raw.skip_before),
            place_modifiers: set(raw.place_modifiers),
            place_prepositions: set(raw.place_prepositions),
            recipient_nouns: set(raw.recipient_nouns),
            recipient_prepositions: set(raw.recipient_prepositions),
            actor_prepositions: set(raw.actor_prepositions),
            territory_nouns: set(raw.territory_nouns),
            place_of_nouns: set(raw.place_of_nouns),
            conflict_nouns: set(raw.conflict_nouns),
            group_nouns: set(raw.group_nouns),
            place_verbs: inflected(raw.place_verbs),
            transfer_words: set(raw.transfer_words),
            verbs,
            adverbs: set(raw.adverbs),
            conjunctions: set(raw.conjunctions),
            function_words: set(raw.function_words),
            source_words: set(raw.source_words),
            place_suffixes: set(raw.place_suffixes),
            goods_nouns: set(raw.goods_nouns),
            wielder_prepositions: set(raw.wielder_prepositions),
            attribute_nouns: set(raw.attribute_nouns),
            language_cues: set(raw.language_cues),
            source_name_words: set(raw.source_name_words),
            source_nouns: set(raw.source_nouns),
            locative_prepositions: set(raw.locative_prepositions),
            vessel_prefixes,
        })
    }

    /// The class of a mention the dictionary does not know, from its
    /// `label` and its words (`surface`): a named vessel ("USS Stockdale")
    /// is a group, a research group or university ("Sudan War Monitor") a
    /// source; otherwise the label's class.
    pub fn class_of_unknown(&self, label: EntityLabel, surface: &str) -> Class {
        if self.vessel_country(surface).is_some() {
            return Class::Group;
        }
        match label {
            EntityLabel::Per => Class::Person,
            EntityLabel::Org
                if surface
                    .split([' ', '-'])
                    .any(|w| self.is(&self.source_name_words, w)) =>
            {
                Class::Source
            }
            EntityLabel::Org => Class::Group,
            EntityLabel::Loc => Class::Place,
            EntityLabel::Misc => Class::Other,
        }
    }

    /// Whether `word` is a vessel prefix ("USS", "HMS"). Asked of every
    /// token, so a word that does not open with a capital is refused before
    /// the look-up.
    pub fn is_vessel_prefix(&self, word: &str) -> bool {
        word.as_bytes().first().is_some_and(u8::is_ascii_uppercase)
            && self.vessel_prefixes.contains_key(word)
    }

    /// The state whose navy a named vessel belongs to ("USS Stockdale" →
    /// USA): its first word is a vessel prefix and a name follows.
    pub fn vessel_country(&self, surface: &str) -> Option<Country> {
        let (prefix, name) = surface.split_once(' ')?;
        name.starts_with(char::is_uppercase)
            .then(|| self.vessel_prefixes.get(prefix).copied())
            .flatten()
    }

    /// The role of a mention of `class` in `ctx`.
    pub fn role(&self, class: Class, ctx: &Context<'_>) -> Role {
        if matches!(class, Class::Source | Class::Other) {
            return Role::Other;
        }
        if let Some(role) = self.compound_role(ctx) {
            return role;
        }
        if matches!(class, Class::State | Class::Metonym | Class::Place) && Self::dateline(ctx) {
            return Role::Place;
        }
        match class {
            Class::Source | Class::Other => Role::Other,
            Class::Person | Class::Group if self.cited_as_source(ctx) => Role::Other,
            Class::Person => self.person_role(ctx),
            Class::Group => Role::Actor,
            Class::State => self.state_role(ctx, Role::Actor),
            Class::Metonym => self.state_role(ctx, Role::Place),
            Class::Place => self.place_role(ctx),
            Class::Demonym => self.demonym_role(ctx),
        }
    }

    /// The role model's features of mention `m` in `ctx`, hashed into
    /// `out` (cleared first; sorted and distinct on return): the rules'
    /// role, so that the model starts from the rules, alone and with the
    /// class; the class, label and dictionary kind; the mention's words
    /// (whole, and each by its stem with the class), whether it is an
    /// acronym or stands in brackets;
    /// the words one and two left and right of its coordination, and the
    /// first left word past articles and place modifiers (with what it is:
    /// a place or actor preposition, a verb); the noun it modifies and its
    /// kind (with the class, and with the class and the rules' role); the
    /// word a left preposition attaches to ("invasion of", "sent to"); the
    /// nearest verb left in the clause and the verb that follows, by their
    /// stems; the content words up to five left and right, by stem and
    /// side; what a possessive possesses; whether a possessive or a verb
    /// follows, whether a verb or a preposition precedes; whether it is the
    /// subject (no verb before it, one after), sits in a headline, opens
    /// its sentence, sits in a list or a hyphenated compound (and with
    /// which suffix), opens a dateline or is cited as a source. Some dozens
    /// of hashes and word-list lookups: cheap next to recognition.
    pub fn features(&self, m: &Mentioned, ctx: &Context<'_>, out: &mut Vec<u32>) {
        out.clear();
        let mut add = |tag: &str, values: &[&str]| out.push(feature_hash(tag, values));
        let (s, e) = (ctx.sentence.start, ctx.sentence.end);
        let word = |i: usize| ctx.word(i);
        let class = m.class.as_str();
        let rule = m.rule.as_str();
        add("rule", &[rule]);
        add("rule|class", &[rule, class]);
        add("class", &[class]);
        add("label", &[m.label.as_str()]);
        let kind = m.kind.map_or("none", Kind::as_str);
        add("kind", &[kind]);
        add("kind|label|rule", &[kind, m.label.as_str(), rule]);
        let surface: Vec<&str> = m.tokens.clone().map(word).collect();
        add("mention", &surface);
        add("last", &[surface.last().copied().unwrap_or("")]);
        for w in &surface {
            add("mention-word|class", &[stem(w), class]);
        }
        let left1 = (ctx.first > s).then(|| word(ctx.first - 1));
        let left2 = (ctx.first > s + 1).then(|| word(ctx.first - 2));
        let right1 = (ctx.last < e).then(|| word(ctx.last));
        let right2 = (ctx.last + 1 < e).then(|| word(ctx.last + 1));
        let l1 = left1.unwrap_or("<s>");
        let r1 = right1.unwrap_or("</s>");
        add("left1", &[l1]);
        add("left2", &[left2.unwrap_or("<s>"), l1]);
        add("right1", &[r1]);
        add("right2", &[r1, right2.unwrap_or("</s>")]);
        add("left1|class", &[l1, class]);
        add("right1|class", &[r1, class]);
        add("left1|rule", &[l1, rule]);
        match self.left_word(ctx) {
            Some(i) => {
                let w = word(i);
                add("leftword", &[w]);
                add("leftword|class", &[w, class]);
                let kind = if self.is(&self.place_prepositions, w) {
                    "place-preposition"
                } else if self.is(&self.actor_prepositions, w) {
                    "actor-preposition"
                } else if self.is(&self.place_verbs, w) {
                    "place-verb"
                } else if self.is(&self.verbs, w) {
                    "verb"
                } else {
                    "other"
                };
                add("leftkind|class", &[kind, class]);
                add("leftkind|class|rule", &[kind, class, rule]);
            }
            None => add("leftword", &["<s>"]),
        }
        match self.head(ctx, ctx.last) {
            Some((i, head)) => {
                add("head", &[head.as_str()]);
                add("head|class", &[head.as_str(), class]);
                add("head|class|rule", &[head.as_str(), class, rule]);
                add("headword", &[word(i)]);
            }
            None => add("head", &["none"]),
        }
        // The word before the left preposition: the noun or verb it
        // attaches to ("invasion of", "sent to", "attack on").
        if let Some(i) = self.left_word(ctx).filter(|&i| i > s) {
            let (w, before) = (word(i), word(i - 1));
            if self.is(&self.function_words, w) || self.is(&self.place_prepositions, w) {
                add("before|leftword", &[before, w]);
                add("before|leftword|class", &[before, w, class]);
            }
        }
        // The nearest verb to the left in the clause ("transferred ... to"),
        // and the verb that follows ("Russia *sent*").
        if let Some(i) = self.verb_before(ctx) {
            let verb = stem(word(i));
            add("leftverb", &[verb]);
            add("leftverb|class", &[verb, class]);
        }
        let verb_after = self.verb_at(ctx, ctx.last);
        if let Some(i) = verb_after {
            let verb = stem(word(i));
            add("verbafter", &[verb]);
            add("verbafter|class", &[verb, class]);
        }
        add("right2|class", &[r1, right2.unwrap_or("</s>"), class]);
        // The content words near the coordination, by stem and side: what
        // the clause is about ("strike", "invasion", "supplies").
        let near = [
            (
                "near-left|class",
                ctx.first.saturating_sub(5).max(s)..ctx.first,
            ),
            ("near-right|class", ctx.last..e.min(ctx.last + 5)),
        ];
        for (side, tokens) in near {
            for w in tokens.map(word) {
                if is_word(w) && !self.is(&self.function_words, w) {
                    add(side, &[stem(w), class]);
                }
            }
        }
        let possessive = ctx.possessive_follows();
        if possessive && ctx.last + 1 < e {
            // What the mention possesses ("Russia's *war*", "Russia's *regions*").
            if let Some((i, head)) = self.head(ctx, ctx.last + 1) {
                add("possessed", &[word(i)]);
                add("possessed|class", &[head.as_str(), class]);
            }
        }
        let subject = verb_after.is_some() && (s..ctx.first).all(|i| !self.is_verb(word(i)));
        // A headline or caption: no closing punctuation.
        let headline = lacks_full_stop(word(e - 1));
        let acronym = surface.len() == 1
            && (2..=6).contains(&surface[0].len())
            && surface[0].bytes().all(|b| b.is_ascii_uppercase());
        let bracketed = m.tokens.start > s
            && m.tokens.end < e
            && word(m.tokens.start - 1) == "("
            && word(m.tokens.end) == ")";
        let flags = [
            ("subject", subject),
            ("acronym", acronym),
            ("bracketed", bracketed),
            ("headline", headline),
            ("possessive", possessive),
            ("verb-follows", verb_after.is_some()),
            ("opens", ctx.first == s),
            (
                "list",
                ctx.first < m.tokens.start || ctx.last > m.tokens.end,
            ),
            ("compound", ctx.in_compound),
            ("dateline", Self::dateline(ctx)),
            ("source", self.cited_as_source(ctx)),
        ];
        for (name, on) in flags {
            if on {
                add("flag", &[name]);
                add("flag|class", &[name, class]);
            }
        }
        if let Some(suffix) = ctx.suffix {
            add("suffix", &[suffix]);
        }
        out.sort_unstable();
        out.dedup();
    }

    /// Whether the rules read the role of a mention of `class` in `ctx`
    /// from its form rather than its context: a part of a hyphenated
    /// compound ("Iranian-backed", "the Ukraine-Russia war") or a place in
    /// a dateline. ANNOTATION.md fixes these, so the role model does not
    /// second-guess them.
    pub fn by_form(&self, class: Class, ctx: &Context<'_>) -> bool {
        ctx.suffix.is_some()
            || ctx.in_compound
            || (matches!(class, Class::State | Class::Metonym | Class::Place)
                && Self::dateline(ctx))
    }

    /// Whether tokens `gap` between two mentions join them into one
    /// coordination ("Russia and North Korea", "Russian and North Korean").
    pub fn joins(&self, doc: &Tokenized<'_>, gap: Range<usize>) -> bool {
        (1..=3).contains(&gap.len())
            && gap
                .clone()
                .any(|i| self.is(&self.conjunctions, doc.tokens[i].slice(doc.text)))
            && self.only_joiners(doc, gap)
    }

    /// Whether tokens `gap` are one dash written without spaces between two
    /// names ("Thai–Cambodian", "Ukraine–Russia"): the tokenizer splits an
    /// en dash off where it keeps a hyphen inside the word, and such names
    /// are one compound as "Thai-Cambodian" is.
    pub fn is_dash_join(doc: &Tokenized<'_>, gap: Range<usize>) -> bool {
        gap.len() == 1 && gap.start > 0 && gap.end < doc.tokens.len() && {
            let dash = &doc.tokens[gap.start];
            let w = dash.slice(doc.text);
            w.chars().count() == 1
                && w.starts_with(HYPHENS)
                && doc.tokens[gap.start - 1].end == dash.start
                && dash.end == doc.tokens[gap.end].start
        }
    }

    /// Whether tokens `gap` are a lone comma between members of a list
    /// ("Niger, Burkina Faso, and Mali"): they join only when a later gap
    /// of the same list has a conjunction ([`joins`](Self::joins)).
    pub fn is_list_comma(doc: &Tokenized<'_>, gap: Range<usize>) -> bool {
        gap.len() == 1 && doc.tokens[gap.start].slice(doc.text) == ","
    }

    fn only_joiners(&self, doc: &Tokenized<'_>, gap: Range<usize>) -> bool {
        gap.into_iter().all(|i| {
            let w = doc.tokens[i].slice(doc.text);
            w == "," || self.is(&self.conjunctions, w) || self.is(&self.skip_before, w)
        })
    }

    /// Whether `word` names a force, group or office ("troops",
    /// "President", "leader").
    pub fn is_group_noun(&self, word: &str) -> bool {
        self.is(&self.group_nouns, word)
    }

    /// Whether a possessive clitic ("'s" as the tokenizer splits it).
    pub fn is_possessive(word: &str) -> bool {
        matches!(word, "'s" | "’s" | "'S" | "’S" | "'" | "’")
    }

    /// A hyphenated compound: after a place suffix ("Russian-made",
    /// "London-based") the name is a place; after an attribute noun
    /// ("Soviet-style", "Serb-majority") other; after another lower-case word
    /// ("Iranian-backed", "Moscow-run") or as a part of states joined by
    /// hyphens ("the Ukraine-Russia war") it names who acts, unless the
    /// compound names a territory ("the Myanmar-China border"). `None` for
    /// a mention outside a compound.
    fn compound_role(&self, ctx: &Context<'_>) -> Option<Role> {
        if let Some(suffix) = ctx.suffix {
            return Some(if self.is(&self.place_suffixes, suffix) {
                Role::Place
            } else if self.is(&self.attribute_nouns, suffix) {
                Role::Other
            } else {
                Role::Actor
            });
        }
        if !ctx.in_compound {
            return None;
        }
        Some(match self.head(ctx, ctx.last) {
            Some((_, Head::Territory)) => Role::Place,
            _ => Role::Actor,
        })
    }

    /// A state (or capital, whose `default` is place) is a place after a
    /// locative preposition ("in Kursk", "sent to Russia"), a place verb
    /// ("visited Pyongyang"), "of" ("the invasion of Ukraine"), as the
    /// possessor of a place ("Russia's Kursk region", "Myanmar's poorest
    /// regions"), before a territory or goods ("Sudan city", "US products")
    /// and after a place and a comma ("Wiesbaden, Germany"). It is an actor
    /// before a group ("US intelligence"), as an agent ("by Russia",
    /// "between Pyongyang and Moscow"), a recipient ("support to Russia",
    /// "arms sales to Taiwan"), an object ("isolate Moscow"), a possessor
    /// ("Russia's need") or a subject ("Russia is paying"); otherwise
    /// `default`.
    fn state_role(&self, ctx: &Context<'_>, default: Role) -> Role {
        let next = ctx.last;
        if ctx.possessive_follows() {
            // A preposition before governs the possessed noun, not the
            // possessor ("from South Korea's intelligence service"). The
            // possessor of a place is where it lies; of anything else, an
            // actor.
            let after = next + 1;
            let place_follows = matches!(
                ctx.mention_at(after),
                Some(Class::Place | Class::Metonym | Class::State)
            ) || matches!(self.head(ctx, after), Some((_, Head::Territory)));
            return if place_follows {
                Role::Place
            } else {
                Role::Actor
            };
        }
        // After a place modifier, a part of the state's territory
        // ("southern Lebanon", "central Myanmar").
        if ctx.first > ctx.sentence.start && self.is(&self.place_modifiers, ctx.word(ctx.first - 1))
        {
            return Role::Place;
        }
        // Used before a noun: whose force ("US intelligence", "Myanmar
        // military"), where ("Sudan city") or the origin of goods.
        match self.head(ctx, next) {
            Some((_, Head::Group)) => return Role::Actor,
            Some((_, Head::Territory | Head::Conflict | Head::Goods)) => return Role::Place,
            _ => {}
        }
        if let Some(left) = self.left_word(ctx) {
            let w = ctx.word(left);
            let before = (left > ctx.sentence.start).then(|| ctx.word(left - 1));
            if self.is(&self.recipient_prepositions, w)
                && before.is_some_and(|b| self.is(&self.recipient_nouns, b))
            {
                return Role::Actor;
            }
            if self.is(&self.place_prepositions, w) {
                let recipient = default == Role::Actor
                    && self.is(&self.recipient_prepositions, w)
                    && self.transfer_before(ctx, left);
                return if recipient { Role::Actor } else { Role::Place };
            }
            if w == "of"
                && before.is_some_and(|b| {
                    self.noun_kind(b) == Head::Territory || self.is(&self.place_of_nouns, b)
                })
            {
                // "the Kursk region of Russia", "the invasion of Ukraine",
                // "19 per cent of Ukraine"; but "the role of the United
                // States".
                return Role::Place;
            }
            if w == "with" && before.is_some_and(|b| self.is(&self.territory_nouns, b)) {
                // "the border with China"
                return Role::Place;
            }
            if w == "," && left == ctx.first - 1 {
                // "Wiesbaden, Germany": the state of the place before.
                if matches!(
                    ctx.mention_ending_at(left),
                    Some(Class::Place | Class::Metonym)
                ) {
                    return Role::Place;
                }
            }
            if self.is(&self.place_verbs, w) {
                return Role::Place;
            }
            if self.is(&self.actor_prepositions, w) || self.is(&self.verbs, w) {
                return Role::Actor;
            }
        }
        if self.verb_follows(ctx, next) {
            return Role::Actor;
        }
        default
    }

    /// A person is an actor, unless the words around name a place where
    /// no person stands: after a preposition that takes only places
    /// ("spread through Sweisa", "camps in Hadaa Loggaa"), after a
    /// territory and "of" ("the settlements of Novy Trud"), or before an
    /// apposition that calls it one ("Jebel Aulia, a city south of
    /// Khartoum"). Small places the dictionary does not know are often
    /// recognised as people; ANNOTATION.md makes them places like any
    /// other. A possessive stays whose ("in Hafter's retreat").
    fn person_role(&self, ctx: &Context<'_>) -> Role {
        if ctx.possessive_follows() {
            return Role::Actor;
        }
        if self.apposed_territory(ctx) {
            return Role::Place;
        }
        let Some(left) = self.left_word(ctx) else {
            return Role::Actor;
        };
        let w = ctx.word(left);
        let before = (left > ctx.sentence.start).then(|| ctx.word(left - 1));
        let of_territory =
            w == "of" && before.is_some_and(|b| self.noun_kind(b) == Head::Territory);
        if of_territory || self.is(&self.locative_prepositions, w) {
            Role::Place
        } else {
            Role::Actor
        }
    }

    /// Whether an apposition after the coordination names a territory:
    /// a comma, an article and a phrase whose noun is one ("Jebel Aulia,
    /// a city south of Khartoum", "Tripoli, the capital of western Libya";
    /// not "X, a district chief").
    fn apposed_territory(&self, ctx: &Context<'_>) -> bool {
        let i = ctx.last;
        i + 2 < ctx.sentence.end
            && ctx.word(i) == ","
            && matches!(ctx.word(i + 1).to_lowercase().as_str(), "a" | "an" | "the")
            && matches!(self.head(ctx, i + 2), Some((_, Head::Territory)))
    }

    /// A city, region or geographic name is a place, also as a subject
    /// ("Aleppo remains a key prize") or an object ("captured Kidal"); it
    /// is a party only after an agent preposition ("tensions between the
    /// two Koreas"), unless that names a territory ("the border with
    /// China").
    fn place_role(&self, ctx: &Context<'_>) -> Role {
        let Some(left) = self.left_word(ctx) else {
            return Role::Place;
        };
        let w = ctx.word(left);
        let before = (left > ctx.sentence.start).then(|| ctx.word(left - 1));
        if self.is(&self.actor_prepositions, w)
            && !before.is_some_and(|b| self.is(&self.territory_nouns, b))
        {
            Role::Actor
        } else {
            Role::Place
        }
    }

    /// A nationality word names a place before a territory or goods ("on
    /// Russian territory", "Iranian drones", but "hit by Russian missiles"
    /// names who fired them), nothing as a language or
    /// before a language, style or work ("speak Russian", "Soviet military
    /// style"), and otherwise whose force, people or doings something is
    /// ("North Korean troops", "Russian victories", "the Russians are").
    fn demonym_role(&self, ctx: &Context<'_>) -> Role {
        let left = self.left_word(ctx).map(|i| ctx.word(i));
        if left.is_some_and(|w| self.is(&self.language_cues, w)) {
            return Role::Other;
        }
        match self.head(ctx, ctx.last) {
            Some((_, Head::Goods))
                if left.is_some_and(|w| self.is(&self.wielder_prepositions, w)) =>
            {
                Role::Actor
            }
            Some((_, Head::Territory | Head::Conflict | Head::Goods)) => Role::Place,
            Some((_, Head::Attribute)) => Role::Other,
            Some((_, Head::Group | Head::Noun)) => Role::Actor,
            None => {
                // Used as a noun: a people, or after "in" a language ("said
                // in Russian").
                let language = ctx.first > ctx.sentence.start
                    && ctx.word(ctx.first - 1).eq_ignore_ascii_case("in")
                    && !(ctx.last < ctx.sentence.end && self.verb_follows(ctx, ctx.last));
                if language {
                    Role::Other
                } else {
                    Role::Actor
                }
            }
        }
    }

    /// The noun that the words from token `from` make a mention modify,
    /// and what it is. The phrase is up to three words ("military
    /// leaders", "air base", "Conflict Re-erupts") before a function word,
    /// a verb, punctuation or another mention; its noun is the last word of
    /// a known kind ("Soviet military *style*", "North Korean military
    /// *leaders*"), or its last word. `None` when no word follows (the
    /// mention is used as a noun or a subject).
    fn head(&self, ctx: &Context<'_>, from: usize) -> Option<(usize, Head)> {
        let end = ctx.sentence.end.min(from + 3);
        let mut head = None;
        for i in from..end {
            let w = ctx.word(i);
            if !is_word(w) || ctx.mention_at(i).is_some() || self.is(&self.function_words, w) {
                break;
            }
            let kind = self.noun_kind(w);
            // "occupied", "front-line": modifiers, not verbs.
            let modifier = self.is(&self.place_modifiers, w);
            let verb = !modifier
                && (self.is(&self.verbs, w)
                    || (is_lower_word(w)
                        && ((w.len() >= 5 && w.ends_with("ed"))
                            || (w.len() > 4 && w.ends_with("ly"))
                            || (i > from && w.len() >= 5 && w.ends_with("ing")))));
            if verb && kind == Head::Noun {
                break;
            }
            if kind != Head::Noun || head.is_none_or(|(_, k)| k == Head::Noun) {
                head = Some((i, kind));
            }
        }
        head
    }

    /// What kind of noun `word` is, by the word lists.
    fn noun_kind(&self, word: &str) -> Head {
        if self.is(&self.group_nouns, word) {
            Head::Group
        } else if self.is(&self.territory_nouns, word) {
            Head::Territory
        } else if self.is(&self.conflict_nouns, word) {
            Head::Conflict
        } else if self.is(&self.goods_nouns, word) {
            Head::Goods
        } else if self.is(&self.attribute_nouns, word) {
            Head::Attribute
        } else {
            Head::Noun
        }
    }

    /// Whether a transfer word comes up to 8 words before token `at` in its
    /// clause ("arms sales totaling $619 million to").
    fn transfer_before(&self, ctx: &Context<'_>, at: usize) -> bool {
        let from = ctx.sentence.start.max(at.saturating_sub(8));
        (from..at)
            .rev()
            .take_while(|&i| !matches!(ctx.word(i), "," | ";" | ":"))
            .any(|i| self.is(&self.transfer_words, ctx.word(i)))
    }

    /// "Source: Stern": a name after a source word and a colon is cited;
    /// so is a name right after or before a medium's noun ("the news outlet
    /// Mandiner", "the blog Liveuamap", "the Myanma Alinn newspaper").
    fn cited_as_source(&self, ctx: &Context<'_>) -> bool {
        let s = ctx.sentence.start;
        let after_colon = ctx.first >= s + 2
            && ctx.word(ctx.first - 1) == ":"
            && self.is(&self.source_words, ctx.word(ctx.first - 2));
        let medium = |i: usize| self.is(&self.source_nouns, ctx.word(i));
        let after_medium = ctx.first > s && medium(ctx.first - 1);
        let before_medium = ctx.last < ctx.sentence.end && medium(ctx.last);
        after_colon || after_medium || before_medium
    }

    /// A dateline: a name in capitals that opens its sentence, followed by
    /// a comma, a bracket or a dash ("KYIV, Ukraine (AP) —", "THE HAGUE -").
    fn dateline(ctx: &Context<'_>) -> bool {
        let opens = ctx.first == ctx.sentence.start
            || (ctx.first == ctx.sentence.start + 1
                && ctx.word(ctx.sentence.start).eq_ignore_ascii_case("the"));
        let capitals = (ctx.first..ctx.last).all(|t| {
            let w = ctx.word(t);
            w.chars().any(char::is_alphabetic) && !w.chars().any(char::is_lowercase)
        });
        opens
            && capitals
            && ctx.last < ctx.sentence.end
            && matches!(ctx.word(ctx.last), "," | "(" | "—" | "–" | "-" | "--")
    }

    /// The first word left of the coordination that is not an article or a
    /// place modifier ("in the western Kursk region" gives "in").
    fn left_word(&self, ctx: &Context<'_>) -> Option<usize> {
        let mut i = ctx.first;
        for _ in 0..4 {
            if i <= ctx.sentence.start {
                return None;
            }
            i -= 1;
            let w = ctx.word(i);
            if !self.is(&self.skip_before, w) && !self.is(&self.place_modifiers, w) {
                return Some(i);
            }
        }
        None
    }

    /// A verb by the word lists, or a lower-case word in "-ed".
    fn is_verb(&self, w: &str) -> bool {
        self.is(&self.verbs, w) || (w.len() >= 5 && w.ends_with("ed") && is_lower_word(w))
    }

    /// The verb at token `i` or after up to two adverbs, if any.
    fn verb_at(&self, ctx: &Context<'_>, mut i: usize) -> Option<usize> {
        for _ in 0..3 {
            if i >= ctx.sentence.end {
                return None;
            }
            let w = ctx.word(i);
            if self.is_verb(w) {
                return Some(i);
            }
            let adverb =
                self.is(&self.adverbs, w) || (w.len() > 4 && w.ends_with("ly") && is_lower_word(w));
            if !adverb {
                return None;
            }
            i += 1;
        }
        None
    }

    /// The nearest verb up to 8 words left of the coordination, within its
    /// clause.
    fn verb_before(&self, ctx: &Context<'_>) -> Option<usize> {
        let from = ctx.sentence.start.max(ctx.first.saturating_sub(8));
        (from..ctx.first)
            .rev()
            .take_while(|&i| !matches!(ctx.word(i), "," | ";" | ":"))
            .find(|&i| self.is_verb(ctx.word(i)))
    }

    /// Whether a verb follows at token `i`, after up to two adverbs.
    fn verb_follows(&self, ctx: &Context<'_>, i: usize) -> bool {
        self.verb_at(ctx, i).is_some()
    }

    /// Set membership of `word` lower-cased ([`in_word_list`]).
    fn is(&self, set: &NameSet, word: &str) -> bool {
        in_word_list(set, word)
    }
}

/// The hash of one role-model feature: its tag and its values lower-cased
/// (ASCII letters only, so that it costs no allocation).
fn feature_hash(tag: &str, values: &[&str]) -> u32 {
    let mut h = Fnv::new();
    h.write(tag.as_bytes());
    for value in values {
        h.write_u8(0);
        for b in value.bytes() {
            h.write_u8(b.to_ascii_lowercase());
        }
    }
    let v = h.finish();
    (v ^ (v >> 32)) as u32
}

/// Whether the word list `set` (lower-case words) holds `word` lower-cased,
/// without allocating: the lists of the resolver's data files hold short
/// ASCII words only.
pub(crate) fn in_word_list<S: BuildHasher>(set: &HashSet<String, S>, word: &str) -> bool {
    let mut buf = [0u8; 24];
    if word.len() > buf.len() || !word.is_ascii() {
        return false;
    }
    let lower = &mut buf[..word.len()];
    lower.copy_from_slice(word.as_bytes());
    lower.make_ascii_lowercase();
    std::str::from_utf8(lower).is_ok_and(|w| set.contains(w))
}

/// A crude stem of an English word, so that the role model's features
/// share evidence across inflections: "-ing", "-ed" or "-s" and then a
/// final "e" cut ("attacked", "attacks", "attacking" give "attack";
/// "forced", "forces" give "forc"). Short words are kept whole.
fn stem(w: &str) -> &str {
    let ends = |suffix: &str| {
        w.len() > suffix.len() + 2
            && w.is_char_boundary(w.len() - suffix.len())
            && w[w.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
    };
    let cut = ["ing", "ed", "s"]
        .into_iter()
        .find(|suffix| ends(suffix))
        .map_or(w, |suffix| &w[..w.len() - suffix.len()]);
    match cut.strip_suffix(['e', 'E']) {
        Some(rest) if rest.len() >= 3 => rest,
        _ => cut,
    }
}

/// A word of letters (hyphens and apostrophes inside allowed).
fn is_word(w: &str) -> bool {
    w.chars().next().is_some_and(char::is_alphabetic)
        && w.chars()
            .all(|c| c.is_alphabetic() || c == '-' || c == '\'')
}

fn is_lower_word(w: &str) -> bool {
    w.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
}

/// The regular forms of an English verb: lemma, -s, -ed, -ing.
fn inflect(lemma: &str) -> [String; 4] {
    let consonant_y = lemma.len() > 1
        && lemma.ends_with('y')
        && !matches!(
            lemma.as_bytes()[lemma.len() - 2],
            b'a' | b'e' | b'i' | b'o' | b'u'
        );
    if consonant_y {
        let stem = &lemma[..lemma.len() - 1];
        [
            lemma.to_string(),
            format!("{stem}ies"),
            format!("{stem}ied"),
            format!("{lemma}ing"),
        ]
    } else if let Some(stem) = lemma.strip_suffix('e') {
        let ing = if lemma.ends_with("ee") {
            format!("{lemma}ing")
        } else {
            format!("{stem}ing")
        };
        [
            lemma.to_string(),
            format!("{lemma}s"),
            format!("{lemma}d"),
            ing,
        ]
    } else if ["s", "sh", "ch", "x", "z"]
        .iter()
        .any(|s| lemma.ends_with(s))
    {
        [
            lemma.to_string(),
            format!("{lemma}es"),
            format!("{lemma}ed"),
            format!("{lemma}ing"),
        ]
    } else {
        [
            lemma.to_string(),
            format!("{lemma}s"),
            format!("{lemma}ed"),
            format!("{lemma}ing"),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_inflections() {
        assert_eq!(inflect("deny"), ["deny", "denies", "denied", "denying"]);
        assert_eq!(inflect("pay"), ["pay", "pays", "payed", "paying"]);
        assert_eq!(inflect("agree"), ["agree", "agrees", "agreed", "agreeing"]);
        assert_eq!(
            inflect("accuse"),
            ["accuse", "accuses", "accused", "accusing"]
        );
        assert_eq!(inflect("push"), ["push", "pushes", "pushed", "pushing"]);
        assert_eq!(inflect("warn"), ["warn", "warns", "warned", "warning"]);
    }

    #[test]
    fn stems_share_inflections() {
        for w in ["attack", "attacks", "attacked", "attacking", "Attacked"] {
            assert_eq!(stem(w).to_lowercase(), "attack");
        }
        for w in ["force", "forces", "forced", "forcing"] {
            assert_eq!(stem(w), "forc");
        }
        assert_eq!(stem("sent"), "sent");
        assert_eq!(stem("is"), "is");
        assert_eq!(stem("us"), "us");
    }

    #[test]
    fn shipped_word_lists_load() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("models")
            .join(ROLES_FILE);
        let rules = RoleRules::load(&path).unwrap();
        assert!(rules.is(&rules.verbs, "Confirmed"));
        assert!(rules.is(&rules.place_prepositions, "in"));
        assert!(!rules.is(&rules.group_nouns, "standards"));
        assert!(rules.is(&rules.verbs, "visited") && rules.is(&rules.place_verbs, "visited"));
    }

    #[test]
    fn unknown_names_are_classed_by_their_words() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("models")
            .join(ROLES_FILE);
        let rules = RoleRules::load(&path).unwrap();
        let usa: Country = "USA".parse().unwrap();
        assert_eq!(rules.vessel_country("USS Harry S. Truman"), Some(usa));
        assert_eq!(rules.vessel_country("USS"), None);
        assert_eq!(rules.vessel_country("Uss troops"), None);
        assert_eq!(
            rules.class_of_unknown(EntityLabel::Misc, "HMS Diamond"),
            Class::Group
        );
        assert_eq!(
            rules.class_of_unknown(EntityLabel::Org, "Sudan War Monitor"),
            Class::Source
        );
        assert_eq!(
            rules.class_of_unknown(EntityLabel::Org, "Rapid Support Forces"),
            Class::Group
        );
        assert_eq!(
            rules.class_of_unknown(EntityLabel::Loc, "Kunlong"),
            Class::Place
        );
    }
}
