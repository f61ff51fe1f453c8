//! Name lists as tagger features: a token inside a known name ("North
//! Korea", "Kim Jong Un") gets a feature saying so and with which label, and
//! the model learns from training data how far to trust it. The list is a
//! frozen copy of the actor dictionary's aliases taken at training time
//! (`models/ner/gazetteer.tsv`), so the weights and the list they were
//! trained with always travel together. (Not to be confused with the
//! dictionary recogniser, `resolve::recognizer`, which tags the dictionary's
//! names by themselves, without a model.)

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, Write};
use std::path::Path;

use crate::error::{Error, Result};
use crate::hashed::Prehashed;
use crate::ner::EntityLabel;
use crate::tokenize::tokenize;

use super::features::{finish, mix, word_key};

/// Longest name, in tokens.
const MAX_TOKENS: usize = 8;
const PHRASE_SEED: u64 = 0x3c6e_f372_fe94_f82b;

/// Known names, matched case- and accent-insensitively on tokens.
#[derive(Default)]
pub struct Gazetteer {
    first: HashSet<u64, Prehashed>,
    phrases: HashMap<u64, EntityLabel, Prehashed>,
}

fn phrase_hash(keys: impl Iterator<Item = u64>) -> u64 {
    finish(keys.fold(PHRASE_SEED, mix))
}

impl Gazetteer {
    /// Names in the list.
    pub fn len(&self) -> usize {
        self.phrases.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.phrases.is_empty()
    }

    fn insert(&mut self, phrase: &str, label: EntityLabel) {
        let tokens = tokenize(phrase);
        if tokens.is_empty() || tokens.len() > MAX_TOKENS {
            return;
        }
        let keys: Vec<u64> = tokens.iter().map(|t| word_key(t.slice(phrase))).collect();
        self.first.insert(keys[0]);
        // The first list entry wins; the dictionary keeps aliases unique.
        self.phrases
            .entry(phrase_hash(keys.into_iter()))
            .or_insert(label);
    }

    /// Reads `LABEL<TAB>name` lines.
    pub fn load(path: &Path) -> Result<Self> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut gazetteer = Self::default();
        for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line.map_err(|e| Error::io(path, e))?;
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (label, name) = line
                .split_once('\t')
                .ok_or_else(|| Error::record(path, i + 1, "name", "expected LABEL<TAB>name"))?;
            let label: EntityLabel = label
                .parse()
                .map_err(|e: Error| Error::record(path, i + 1, "label", e.to_string()))?;
            gazetteer.insert(name, label);
        }
        Ok(gazetteer)
    }

    /// Writes `names` (label and name, in order) as a name list file
    /// `out` whose header says they come from `source`; a name holding a
    /// tab or a line end is left out. Returns how many were written.
    pub fn write<'a>(
        names: impl IntoIterator<Item = (EntityLabel, &'a str)>,
        source: &Path,
        out: &Path,
    ) -> Result<usize> {
        let lines: Vec<String> = names
            .into_iter()
            .filter(|(_, name)| !name.contains(['\t', '\n']))
            .map(|(label, name)| format!("{label}\t{name}"))
            .collect();
        let file = std::fs::File::create(out).map_err(|e| Error::io(out, e))?;
        let mut w = std::io::BufWriter::new(file);
        let io = |e| Error::io(out, e);
        writeln!(
            w,
            "# LABEL<TAB>name: aliases of {} at training time",
            source.display()
        )
        .map_err(io)?;
        for line in &lines {
            writeln!(w, "{line}").map_err(io)?;
        }
        w.flush().map_err(io)?;
        Ok(lines.len())
    }

    /// Marks leftmost-longest matches over token keys: `out[i]` becomes 0
    /// outside names, else 1 + 2·label index (+1 inside, after the first
    /// token). `out` must be as long as `keys`.
    pub fn mark(&self, keys: impl Fn(usize) -> u64, n: usize, out: &mut [u8]) {
        out[..n].fill(0);
        let mut i = 0;
        while i < n {
            let mut best = None;
            if self.first.contains(&keys(i)) {
                let mut h = PHRASE_SEED;
                for len in 1..=MAX_TOKENS.min(n - i) {
                    h = mix(h, keys(i + len - 1));
                    if let Some(&label) = self.phrases.get(&finish(h)) {
                        best = Some((len, label));
                    }
                }
            }
            match best {
                Some((len, label)) => {
                    let k = EntityLabel::ALL
                        .iter()
                        .position(|&l| l == label)
                        .expect("label in ALL") as u8;
                    out[i] = 1 + 2 * k;
                    out[i + 1..i + len].fill(2 + 2 * k);
                    i += len;
                }
                None => i += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_match_ignores_case_and_accents() {
        let mut g = Gazetteer::default();
        g.insert("Korea", EntityLabel::Loc);
        g.insert("North Korea", EntityLabel::Loc);
        g.insert("Recep Tayyip Erdoğan", EntityLabel::Per);
        let words = [
            "NORTH", "KOREA", "and", "recep", "tayyip", "erdogan", "korea",
        ];
        let keys: Vec<u64> = words.iter().map(|w| word_key(w)).collect();
        let mut out = [9u8; 7];
        g.mark(|i| keys[i], keys.len(), &mut out);
        let loc = 1 + 2 * 2;
        let per = 1;
        assert_eq!(out, [loc, loc + 1, 0, per, per + 1, per + 1, loc]);
    }
}
