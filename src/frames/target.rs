//! The target of a framing: which actor a framed sentence is about.

use std::ops::Range;

use crate::document::Tokenized;
use crate::resolve::{Entity, Role};

/// Words that, right after a cue, introduce whom the cue is about
/// ("casualties among the North Korean forces", "losses of Russia"); not
/// "for", which as often names what is needed ("need for North Korean
/// troops").
const PATIENT_MARKERS: [&str; 3] = ["among", "on", "of"];
/// How many tokens after a cue a patient marker may start.
const PATIENT_WINDOW: usize = 2;

/// The actor entity a framing in sentence `sentence` is about. With a cue
/// `anchor`: an actor introduced right after the cue by "among", "on",
/// "of" or "for" ("heavy losses among the North Korean troops"), else the
/// actor nearest before the cue (the possessor or subject usually comes
/// first: "Russia's need for ..."), else the nearest after it. Without a
/// cue, or when those find none: the first actor of the sentence. `None`
/// when the sentence names no actor.
pub fn choose_target(
    doc: &Tokenized<'_>,
    entities: &[Entity],
    sentence: usize,
    anchor: Option<Range<usize>>,
) -> Option<usize> {
    // Entities are in text order, so the sentence's own are one slice: found
    // by binary search, which keeps a long document linear overall.
    let lo = entities.partition_point(|e| e.sentence < sentence);
    let hi = lo + entities[lo..].partition_point(|e| e.sentence <= sentence);
    let actors = || {
        entities[lo..hi]
            .iter()
            .enumerate()
            .map(move |(i, e)| (lo + i, e))
            .filter(|(_, e)| e.role == Role::Actor)
    };
    let first = actors().next().map(|(i, _)| i);
    let Some(cue) = anchor else { return first };
    let patient = || {
        let end = doc
            .sentences
            .get(sentence)
            .map_or(cue.end, |s| s.tokens.end);
        let marker = (cue.end..(cue.end + PATIENT_WINDOW).min(end)).find(|&t| {
            let word = doc.tokens[t].slice(doc.text);
            PATIENT_MARKERS.iter().any(|m| m.eq_ignore_ascii_case(word))
        })?;
        // The actor must start within a few words of the marker ("of the
        // North Korean troops").
        actors()
            .find(|(_, e)| e.mention.tokens.start > marker && e.mention.tokens.start <= marker + 3)
            .map(|(i, _)| i)
    };
    let before = || {
        actors()
            .rfind(|(_, e)| e.mention.tokens.end <= cue.start)
            .map(|(i, _)| i)
    };
    let after = || {
        actors()
            .find(|(_, e)| e.mention.tokens.start >= cue.end)
            .map(|(i, _)| i)
    };
    patient().or_else(before).or_else(after).or(first)
}
