//! Negation scope of cue evidence: a cue phrase under a negator ("no
//! shortage of troops", "not a sign of desperation", "denied that its
//! forces were exhausted") is no evidence for its label. The word lists are
//! data (`models/frames/negation.toml`); the scope rule is NegEx's
//! (Chapman et al. 2001), kept that simple on purpose.

use std::ops::Range;
use std::path::Path;

use aho_corasick::AhoCorasick;
use serde::Deserialize;

use crate::datafile;
use crate::document::Tokenized;
use crate::error::{Error, Result};
use crate::frames::cues::{fold_phrase, phrase_automaton, CueHit, Words};
use crate::text::Span;

/// File name of the shipped negation lists, under `models/`.
pub const NEGATION_FILE: &str = "frames/negation.toml";

/// The negation file as written; see `models/frames/negation.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NegationFile {
    window: usize,
    #[serde(default)]
    before: Vec<String>,
    #[serde(default)]
    after: Vec<String>,
    #[serde(default)]
    pseudo: Vec<String>,
    #[serde(default)]
    terminators: Vec<String>,
}

/// What a phrase of the negation file does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Negates what follows it.
    Before,
    /// Negates what precedes it.
    After,
    /// Looks like a trigger but is not one ("not only").
    Pseudo,
    /// Ends a trigger's scope (",", "but").
    Terminator,
}

/// Negation triggers and the scope rule that decides which cue hits they
/// negate.
///
/// **Scope.** A cue hit is negated by a `before` trigger when the cue
/// starts within `window` words after the trigger's end (at most
/// `window - 1` words between them: "not a sign of desperation"), or by an
/// `after` trigger that starts within `window` words after the cue's end
/// ("reports of heavy losses were denied"); in both cases in the same
/// sentence, with no terminator (a comma, semicolon, "but", "and", "which",
/// ...) between trigger and cue, so that a negator in another clause does
/// not reach the cue. A trigger inside a pseudo-trigger ("not only") is
/// no trigger.
///
/// Two exceptions keep negative cues working. A trigger that is part of a
/// cue of the same label does not negate that label's other cues: in "a
/// lack of troops has led to heavy losses" the desperation cue "lack of"
/// does not negate "losses", while in "a lack of discipline" it negates the
/// capability cue "discipline". And a cue that contains a trigger itself
/// ("no choice", "without foreign", "cannot") is never negated: double
/// negation ("could not have done it without foreign help") is not modelled,
/// and reading the outer negator as cancelling the inner one is wrong more
/// often than right in news text.
#[derive(Debug, Clone)]
pub struct Negation {
    automaton: Option<AhoCorasick>,
    roles: Vec<Role>,
    window: usize,
}

/// The triggers and scope ends found in one document, as token ranges.
#[derive(Debug, Default)]
struct Triggers {
    /// `before` triggers, by end.
    before: Vec<Range<usize>>,
    /// `after` triggers, by start.
    after: Vec<Range<usize>>,
    /// Tokens that end a scope, ascending.
    ends: Vec<usize>,
}

impl Negation {
    /// Reads the negation lists from a TOML file (the layout of
    /// `models/frames/negation.toml`). Errors name the file, line and field.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::parse_toml(&text, path)
    }

    /// Parses the negation lists; `path` only names the source in errors.
    pub fn parse_toml(text: &str, path: &Path) -> Result<Self> {
        let file: NegationFile = datafile::parse_toml(text, path)?;
        let bad = |field: String, message: &str| Error::Field {
            path: path.to_path_buf(),
            field,
            message: message.to_string(),
        };
        if file.window == 0 {
            return Err(bad("window".into(), "the window must be at least 1 word"));
        }
        let lists = [
            ("before", Role::Before, &file.before),
            ("after", Role::After, &file.after),
            ("pseudo", Role::Pseudo, &file.pseudo),
            ("terminators", Role::Terminator, &file.terminators),
        ];
        let mut keys = Vec::new();
        let mut roles = Vec::new();
        for (field, role, phrases) in lists {
            for (i, phrase) in phrases.iter().enumerate() {
                let key = fold_phrase(phrase);
                if key.is_empty() {
                    return Err(bad(format!("{field}[{i}]"), "empty phrase"));
                }
                keys.push(format!(" {key} "));
                roles.push(role);
            }
        }
        let automaton =
            phrase_automaton(&keys, || format!("{}: negation phrases", path.display()))?;
        Ok(Self {
            automaton,
            roles,
            window: file.window,
        })
    }

    /// Sets `negator` on every hit in `hits` (one document's, in text
    /// order) that lies in a trigger's scope; `words` is the document in
    /// plain (lowercased, unstemmed) match form.
    pub(crate) fn mark(&self, doc: &Tokenized<'_>, words: &Words, hits: &mut [CueHit]) {
        if hits.is_empty() {
            return;
        }
        let triggers = self.scan(doc, words);
        let mut first = 0;
        while first < hits.len() {
            let sentence = hits[first].sentence;
            let end = first + hits[first..].partition_point(|h| h.sentence == sentence);
            for i in first..end {
                let tokens = self.negator(&triggers, &hits[first..end], &hits[i], doc);
                hits[i].negator =
                    tokens.map(|t| Span::new(doc.tokens[t.start].start, doc.tokens[t.end - 1].end));
            }
            first = end;
        }
    }

    /// Every trigger and terminator in `doc`, pseudo-triggers removed.
    fn scan(&self, doc: &Tokenized<'_>, words: &Words) -> Triggers {
        let mut found = Triggers::default();
        let Some(ac) = &self.automaton else {
            return found;
        };
        let mut pseudo: Vec<Range<usize>> = Vec::new();
        for m in ac.find_overlapping_iter(words.text.as_str()) {
            let tokens = words.tokens(m.start(), m.end());
            if tokens.is_empty() || doc.sentence_of(tokens.start) != doc.sentence_of(tokens.end - 1)
            {
                continue;
            }
            match self.roles[m.pattern().as_usize()] {
                Role::Before => found.before.push(tokens),
                Role::After => found.after.push(tokens),
                Role::Pseudo => pseudo.push(tokens),
                Role::Terminator => found.ends.extend(tokens),
            }
        }
        let genuine =
            |t: &Range<usize>| !pseudo.iter().any(|p| p.start <= t.start && t.end <= p.end);
        found.before.retain(genuine);
        found.after.retain(genuine);
        found.before.sort_by_key(|t| (t.end, t.start));
        found.after.sort_by_key(|t| (t.start, t.end));
        found.ends.sort_unstable();
        found.ends.dedup();
        found
    }

    /// The trigger (token range) whose scope holds `hit`, the nearest one
    /// when several do; `sentence_hits` are all hits of `hit`'s sentence.
    fn negator(
        &self,
        triggers: &Triggers,
        sentence_hits: &[CueHit],
        hit: &CueHit,
        doc: &Tokenized<'_>,
    ) -> Option<Range<usize>> {
        let cue = &hit.tokens;
        let inside = |t: &Range<usize>, r: &Range<usize>| r.start <= t.start && t.end <= r.end;
        // A cue that is negative itself ("no choice") is not negated.
        let from = triggers.before.partition_point(|t| t.end <= cue.start);
        if triggers.before[from..]
            .iter()
            .take_while(|t| t.end <= cue.end)
            .any(|t| inside(t, cue))
        {
            return None;
        }
        let usable = |t: &Range<usize>, between: Range<usize>| {
            doc.sentence_of(t.start) == hit.sentence
                && !self.ends_within(triggers, between)
                && !sentence_hits
                    .iter()
                    .any(|h| h.label == hit.label && inside(t, &h.tokens))
        };
        let before = triggers.before[..from]
            .iter()
            .rev()
            .take_while(|t| cue.start - t.end < self.window)
            .find(|t| usable(t, t.end..cue.start));
        if let Some(t) = before {
            return Some(t.clone());
        }
        let from = triggers.after.partition_point(|t| t.start < cue.end);
        triggers.after[from..]
            .iter()
            .take_while(|t| t.start - cue.end < self.window)
            .find(|t| usable(t, cue.end..t.start))
            .cloned()
    }

    /// Whether a terminator lies in `tokens`.
    fn ends_within(&self, triggers: &Triggers, tokens: Range<usize>) -> bool {
        let at = triggers.ends.partition_point(|&e| e < tokens.start);
        triggers.ends.get(at).is_some_and(|&e| e < tokens.end)
    }
}
