//! The role rules: whether a mention is an actor, a place or other, read
//! from the words around it. The words live in `models/roles.toml`; this
//! module holds the few rules that use them, in one place, so that a rule
//! can be read and changed without hunting through the resolver.

use std::collections::HashSet;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;

use crate::datafile;
use crate::document::Tokenized;
use crate::error::Result;
use crate::resolve::dictionary::Kind;
use crate::resolve::Role;

/// File name of the word lists inside the models directory.
pub const ROLES_FILE: &str = "roles.toml";

/// Which role rules apply to a mention: from its dictionary kind, or from
/// the recogniser's label when the dictionary does not know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// People.
    Person,
    /// Organisations, governments, agencies, forces, IGOs, parties.
    Group,
    /// Media outlets: cited as sources, so `other`.
    Media,
    /// States: political actors unless the context makes them a place.
    State,
    /// Capitals, cities, regions, geographic names: places unless the
    /// context makes them actors ("Pyongyang confirmed").
    Place,
    /// Nationality words: "North Korean", "Russians".
    Demonym,
    /// Events, wars, unknown MISC.
    Other,
}

impl Class {
    /// The class of a dictionary kind.
    pub fn of_kind(kind: Kind) -> Self {
        match kind {
            Kind::State => Self::State,
            Kind::Capital | Kind::City | Kind::Region | Kind::Geo => Self::Place,
            Kind::Demonym => Self::Demonym,
            Kind::Person => Self::Person,
            Kind::Media => Self::Media,
            Kind::Event => Self::Other,
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
    group_nouns: Vec<String>,
    auxiliaries: Vec<String>,
    verbs: Vec<String>,
    verb_forms: Vec<String>,
    adverbs: Vec<String>,
    conjunctions: Vec<String>,
    source_words: Vec<String>,
}

/// The loaded word lists, as sets of lower-case words.
#[derive(Debug, Default)]
pub struct RoleRules {
    skip_before: HashSet<String>,
    place_modifiers: HashSet<String>,
    place_prepositions: HashSet<String>,
    recipient_nouns: HashSet<String>,
    recipient_prepositions: HashSet<String>,
    actor_prepositions: HashSet<String>,
    territory_nouns: HashSet<String>,
    group_nouns: HashSet<String>,
    /// Auxiliaries, inflected lemmas and irregular forms together.
    verbs: HashSet<String>,
    adverbs: HashSet<String>,
    conjunctions: HashSet<String>,
    source_words: HashSet<String>,
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
    /// Start token and class of every mention in the document, by start.
    pub mentions: &'a [(usize, Class)],
    /// The mention is part of a hyphenated compound ("Ukraine" in
    /// "Ukraine-Russia"), as the resolver splits states joined by hyphens
    /// and as gold spans may be.
    pub in_compound: bool,
}

impl Context<'_> {
    fn word(&self, i: usize) -> &str {
        self.doc.tokens[i].slice(self.doc.text)
    }

    fn mention_at(&self, token: usize) -> Option<Class> {
        let k = self.mentions.partition_point(|(start, _)| *start < token);
        self.mentions
            .get(k)
            .filter(|(start, _)| *start == token)
            .map(|(_, class)| *class)
    }
}

impl RoleRules {
    /// Reads `roles.toml`.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| crate::error::Error::io(path, e))?;
        let raw: RawRules = datafile::parse_toml(&text, path)?;
        let set = |words: Vec<String>| {
            words
                .into_iter()
                .map(|w| w.to_lowercase())
                .collect::<HashSet<_>>()
        };
        let mut verbs = set(raw.auxiliaries);
        verbs.extend(raw.verb_forms.into_iter().map(|w| w.to_lowercase()));
        for lemma in raw.verbs {
            verbs.extend(inflect(&lemma.to_lowercase()));
        }
        Ok(Self {
            skip_before: set(raw.skip_before),
            place_modifiers: set(raw.place_modifiers),
            place_prepositions: set(raw.place_prepositions),
            recipient_nouns: set(raw.recipient_nouns),
            recipient_prepositions: set(raw.recipient_prepositions),
            actor_prepositions: set(raw.actor_prepositions),
            territory_nouns: set(raw.territory_nouns),
            group_nouns: set(raw.group_nouns),
            verbs,
            adverbs: set(raw.adverbs),
            conjunctions: set(raw.conjunctions),
            source_words: set(raw.source_words),
        })
    }

    /// The role of a mention of `class` in `ctx`.
    pub fn role(&self, class: Class, ctx: &Context<'_>) -> Role {
        match class {
            Class::Media | Class::Other => Role::Other,
            Class::Person | Class::Group if self.cited_as_source(ctx) => Role::Other,
            Class::Person | Class::Group => Role::Actor,
            Class::State => self.place_role(ctx, Role::Actor),
            Class::Place => self.place_role(ctx, Role::Place),
            Class::Demonym => self.demonym_role(ctx),
        }
    }

    /// Whether tokens `gap` between two mentions join them into one
    /// coordination ("Russia and North Korea", "Russian and North Korean").
    pub fn joins(&self, doc: &Tokenized<'_>, gap: Range<usize>) -> bool {
        let len = gap.len();
        (1..=3).contains(&len)
            && gap
                .clone()
                .any(|i| self.is(&self.conjunctions, doc.tokens[i].slice(doc.text)))
            && gap.into_iter().all(|i| {
                let w = doc.tokens[i].slice(doc.text);
                w == "," || self.is(&self.conjunctions, w) || self.is(&self.skip_before, w)
            })
    }

    /// Whether `word` names a force, group or office ("troops",
    /// "President", "leader").
    pub fn is_group_noun(&self, word: &str) -> bool {
        self.is(&self.group_nouns, word)
    }

    /// Whether `word` is a possessive clitic ("'s" as the tokenizer splits it).
    pub fn is_possessive(word: &str) -> bool {
        matches!(word, "'s" | "’s" | "'S" | "’S" | "'" | "’")
    }

    /// A place name is a place after a locative preposition ("in Kursk",
    /// "sent to Russia") or as the possessor of a place ("Russia's Kursk
    /// region"); it is an actor as an agent ("by Russia", "between Pyongyang
    /// and Moscow"), a recipient ("support to Russia"), an object ("isolate
    /// Moscow"), a possessor ("Russia's need") or a subject ("Russia is
    /// paying"); otherwise `default` (actor for states, place for the rest).
    fn place_role(&self, ctx: &Context<'_>, default: Role) -> Role {
        if ctx.in_compound {
            // "the Ukraine-Russia conflict": the parties of a relation.
            return Role::Actor;
        }
        let next = ctx.last;
        if next < ctx.sentence.end && Self::is_possessive(ctx.word(next)) {
            // A preposition before governs the possessed noun, not the
            // possessor ("from South Korea's intelligence service"). The
            // possessor of a place is where it lies ("Russia's Kursk
            // region"); of anything else, an actor ("Russia's need").
            let mut after = next + 1;
            while after < ctx.sentence.end && self.is(&self.place_modifiers, ctx.word(after)) {
                after += 1;
            }
            let place_follows = after < ctx.sentence.end
                && (self.is(&self.territory_nouns, ctx.word(after))
                    || matches!(ctx.mention_at(after), Some(Class::Place | Class::State)));
            return if place_follows {
                Role::Place
            } else {
                Role::Actor
            };
        }
        if let Some(left) = self.left_word(ctx) {
            let w = ctx.word(left);
            let before = (left > ctx.sentence.start).then(|| ctx.word(left - 1));
            if self.is(&self.place_prepositions, w) {
                let recipient = self.is(&self.recipient_prepositions, w)
                    && before.is_some_and(|b| self.is(&self.recipient_nouns, b));
                return if recipient { Role::Actor } else { Role::Place };
            }
            if w == "of" && before.is_some_and(|b| self.is(&self.territory_nouns, b)) {
                // "the Kursk region of Russia"
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

    /// A nationality word is an actor when it names whose force or people
    /// something is ("North Korean troops", "the Russians are"), a place
    /// before a territory noun ("on Russian territory"), otherwise other
    /// ("Russian standards").
    fn demonym_role(&self, ctx: &Context<'_>) -> Role {
        let end = ctx.sentence.end;
        // The noun it modifies may come after other modifiers:
        // "North Korean military leaders", "Ukrainian drone strikes".
        let mut i = ctx.last;
        while i < end && i < ctx.last + 3 && is_word(ctx.word(i)) && ctx.mention_at(i).is_none() {
            let w = ctx.word(i);
            if self.is(&self.group_nouns, w) {
                return Role::Actor;
            }
            if self.is(&self.territory_nouns, w) {
                return Role::Place;
            }
            i += 1;
        }
        if self.verb_follows(ctx, ctx.last) {
            return Role::Actor;
        }
        // Used as a noun ("the North Koreans.", "Millions of Ukrainians
        // have") it names a people; before another noun it is an adjective
        // that names neither who acts nor where.
        let adjective = ctx.last < end && {
            let w = ctx.word(ctx.last);
            is_word(w)
                && !self.is(&self.place_prepositions, w)
                && !self.is(&self.actor_prepositions, w)
                && !self.is(&self.conjunctions, w)
                && !matches!(w, "of" | "for" | "on" | "who" | "that" | "which")
        };
        if adjective {
            Role::Other
        } else {
            Role::Actor
        }
    }

    /// "Source: Stern": a name after a source word and a colon is cited.
    fn cited_as_source(&self, ctx: &Context<'_>) -> bool {
        let s = ctx.sentence.start;
        ctx.first >= s + 2
            && ctx.word(ctx.first - 1) == ":"
            && self.is(&self.source_words, ctx.word(ctx.first - 2))
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

    /// Whether a verb follows at token `i`, after up to two adverbs.
    fn verb_follows(&self, ctx: &Context<'_>, mut i: usize) -> bool {
        for _ in 0..3 {
            if i >= ctx.sentence.end {
                return false;
            }
            let w = ctx.word(i);
            if self.is(&self.verbs, w) || (w.len() >= 5 && w.ends_with("ed") && is_lower_word(w)) {
                return true;
            }
            let adverb =
                self.is(&self.adverbs, w) || (w.len() > 4 && w.ends_with("ly") && is_lower_word(w));
            if !adverb {
                return false;
            }
            i += 1;
        }
        false
    }

    /// Set membership of `word` lower-cased, without allocating: the lists
    /// hold short ASCII words only.
    fn is(&self, set: &HashSet<String>, word: &str) -> bool {
        let mut buf = [0u8; 24];
        if word.len() > buf.len() || !word.is_ascii() {
            return false;
        }
        let lower = &mut buf[..word.len()];
        lower.copy_from_slice(word.as_bytes());
        lower.make_ascii_lowercase();
        std::str::from_utf8(lower).is_ok_and(|w| set.contains(w))
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
    fn shipped_word_lists_load() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("models")
            .join(ROLES_FILE);
        let rules = RoleRules::load(&path).unwrap();
        assert!(rules.is(&rules.verbs, "Confirmed"));
        assert!(rules.is(&rules.place_prepositions, "in"));
        assert!(!rules.is(&rules.group_nouns, "standards"));
    }
}
