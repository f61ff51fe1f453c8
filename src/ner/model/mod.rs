//! The embedded NER model: a linear-chain tagger over hashed features with
//! BIO tags and constrained Viterbi decoding, trained by newstag itself on
//! CoNLL-2003 (averaged perceptron, [`train`]) and shipped in `models/ner/`.
//! Inference is pure Rust and allocates nothing per token: feature hashes,
//! emissions and the Viterbi lattice live in per-thread scratch buffers.

use std::cell::RefCell;
use std::path::Path;

use crate::document::Tokenized;
use crate::error::Result;
use crate::models::{require, ComponentInfo, ModelFile};
use crate::ner::chunk::{Chunker, Position};
use crate::ner::{EntityLabel, EntityRecognizer, Mention};
use crate::text::Span;

pub mod build;
pub mod clusters;
pub mod consistency;
pub mod features;
pub mod gazetteer;
pub mod rng;
pub mod train;
pub mod weights;

use clusters::Clusters;
use features::{sentence_features, TokenInfo, FEATURES_PER_TOKEN};
use gazetteer::Gazetteer;
use weights::WeightFile;

/// Number of tags: O, then B- and I- for each label of [`EntityLabel::ALL`].
pub const N_TAGS: usize = 1 + 2 * EntityLabel::ALL.len();

/// Weights file, relative to the models directory.
pub const WEIGHTS_FILE: &str = "ner/conll2003.bin";
/// Word cluster file, relative to the models directory.
pub const CLUSTERS_FILE: &str = "ner/clusters.tsv";
/// Name list file, relative to the models directory.
pub const GAZETTEER_FILE: &str = "ner/gazetteer.tsv";
/// How to rebuild the files above; named in missing-file errors.
pub const REBUILD_HINT: &str = "rebuild it with `cargo run --release -- train-ner --train ../shared/data/conll2003/train.txt --dev ../shared/data/conll2003/dev.txt --out models/ner` (see models/README.md)";

/// Tag `t` as (is it a B- tag, label), or `None` for O.
#[inline]
pub fn tag_parts(t: usize) -> Option<(bool, EntityLabel)> {
    (t > 0).then(|| ((t - 1) % 2 == 0, EntityLabel::ALL[(t - 1) / 2]))
}

/// The tag index of B-`label` (`begin`) or I-`label`.
pub fn tag_of(begin: bool, label: EntityLabel) -> usize {
    let k = EntityLabel::ALL
        .iter()
        .position(|&l| l == label)
        .expect("label in ALL");
    1 + 2 * k + usize::from(!begin)
}

/// Whether tag `cur` may follow `prev` (`None`: sentence start): an I- tag
/// only continues an entity of its own label.
#[inline]
pub fn allowed(prev: Option<usize>, cur: usize) -> bool {
    match tag_parts(cur) {
        Some((false, label)) => prev.and_then(tag_parts).is_some_and(|(_, l)| l == label),
        _ => true,
    }
}

/// Transition scores between tags, plus start and end scores; disallowed
/// transitions are `-inf` so decoding never produces a broken entity.
#[derive(Debug, Clone, PartialEq)]
pub struct Transitions {
    /// Score of each tag at a sentence's first token.
    pub start: [f32; N_TAGS],
    /// `pair[prev][cur]`.
    pub pair: [[f32; N_TAGS]; N_TAGS],
    /// Score of each tag at a sentence's last token.
    pub end: [f32; N_TAGS],
}

impl Default for Transitions {
    fn default() -> Self {
        Self {
            start: [0.0; N_TAGS],
            pair: [[0.0; N_TAGS]; N_TAGS],
            end: [0.0; N_TAGS],
        }
    }
}

impl Transitions {
    /// A copy with the disallowed transitions set to `-inf`.
    pub fn masked(&self) -> Self {
        let mut m = self.clone();
        for cur in 0..N_TAGS {
            if !allowed(None, cur) {
                m.start[cur] = f32::NEG_INFINITY;
            }
            for prev in 0..N_TAGS {
                if !allowed(Some(prev), cur) {
                    m.pair[prev][cur] = f32::NEG_INFINITY;
                }
            }
        }
        m
    }
}

/// Reused buffers of the decoder.
#[derive(Debug, Default)]
pub struct Lattice {
    alpha: Vec<f32>,
    back: Vec<u8>,
    beta: Vec<f32>,
    /// The best tag path of the last `viterbi`.
    pub path: Vec<u8>,
}

impl Lattice {
    /// Best tag sequence for `emis` (`n * N_TAGS` scores) under `trans`
    /// (masked), written to `self.path`.
    pub fn viterbi(&mut self, emis: &[f32], trans: &Transitions) {
        let n = emis.len() / N_TAGS;
        self.alpha.clear();
        self.alpha.resize(n * N_TAGS, 0.0);
        self.back.clear();
        self.back.resize(n * N_TAGS, 0);
        self.path.clear();
        self.path.resize(n, 0);
        if n == 0 {
            return;
        }
        for ((a, s), e) in self.alpha.iter_mut().zip(&trans.start).zip(emis) {
            *a = s + e;
        }
        for i in 1..n {
            let (done, rest) = self.alpha.split_at_mut(i * N_TAGS);
            let prev = &done[(i - 1) * N_TAGS..];
            for cur in 0..N_TAGS {
                let mut best = (f32::NEG_INFINITY, 0u8);
                for (p, &score) in prev.iter().enumerate() {
                    let s = score + trans.pair[p][cur];
                    if s > best.0 {
                        best = (s, p as u8);
                    }
                }
                rest[cur] = best.0 + emis[i * N_TAGS + cur];
                self.back[i * N_TAGS + cur] = best.1;
            }
        }
        let last = &self.alpha[(n - 1) * N_TAGS..];
        let mut best = (f32::NEG_INFINITY, 0usize);
        for (t, (a, e)) in last.iter().zip(&trans.end).enumerate() {
            if a + e > best.0 {
                best = (a + e, t);
            }
        }
        let mut t = best.1;
        for i in (0..n).rev() {
            self.path[i] = t as u8;
            t = self.back[i * N_TAGS + t] as usize;
        }
    }

    /// After [`Self::viterbi`]: for each token, how much worse the best
    /// sequence with a different tag at that token scores (max-marginal
    /// margin), into `margins`.
    pub fn margins(&mut self, emis: &[f32], trans: &Transitions, margins: &mut Vec<f32>) {
        let n = self.path.len();
        margins.clear();
        if n == 0 {
            return;
        }
        self.beta.clear();
        self.beta.resize(n * N_TAGS, 0.0);
        self.beta[(n - 1) * N_TAGS..].copy_from_slice(&trans.end);
        for i in (0..n - 1).rev() {
            for t in 0..N_TAGS {
                let mut best = f32::NEG_INFINITY;
                for u in 0..N_TAGS {
                    let s = trans.pair[t][u]
                        + emis[(i + 1) * N_TAGS + u]
                        + self.beta[(i + 1) * N_TAGS + u];
                    best = best.max(s);
                }
                self.beta[i * N_TAGS + t] = best;
            }
        }
        for i in 0..n {
            let chosen = self.path[i] as usize;
            let mut top = f32::NEG_INFINITY;
            let mut other = f32::NEG_INFINITY;
            for t in 0..N_TAGS {
                let m = self.alpha[i * N_TAGS + t] + self.beta[i * N_TAGS + t];
                if t == chosen {
                    top = m;
                } else {
                    other = other.max(m);
                }
            }
            margins.push((top - other).max(0.0));
        }
    }
}

/// Entities of a tag path as token ranges.
pub fn entities(path: &[u8]) -> Vec<(std::ops::Range<usize>, EntityLabel)> {
    let mut chunker = Chunker::default();
    for (i, &t) in path.iter().enumerate() {
        match tag_parts(t as usize) {
            Some((true, label)) => chunker.push(i, Position::Begin, label),
            Some((false, label)) => chunker.push(i, Position::Inside, label),
            None => chunker.push(i, Position::Outside, EntityLabel::Misc),
        }
    }
    chunker.finish(path.len())
}

/// The word lists a model is trained and run with.
#[derive(Default)]
pub struct Lexicons {
    /// Word clusters (features of a token's cluster ids).
    pub clusters: Option<Clusters>,
    /// The name list (features of tokens inside a listed name).
    pub gazetteer: Option<Gazetteer>,
}

impl Lexicons {
    /// Feature hashes of the sentence `words` into `out` (cleared);
    /// `tokens` and `names` are scratch space.
    pub fn features<'w>(
        &self,
        words: impl Iterator<Item = &'w str>,
        tokens: &mut Vec<TokenInfo>,
        names: &mut Vec<u8>,
        out: &mut Vec<u64>,
    ) {
        tokens.clear();
        tokens.extend(words.map(|w| TokenInfo::of(w, self.clusters.as_ref())));
        names.clear();
        names.resize(tokens.len(), 0);
        if let Some(g) = &self.gazetteer {
            g.mark(|i| tokens[i].key(), tokens.len(), names);
        }
        out.clear();
        sentence_features(tokens, names, out);
    }
}

/// Per-thread buffers for tagging.
#[derive(Default)]
struct Scratch {
    tokens: Vec<TokenInfo>,
    names: Vec<u8>,
    features: Vec<u64>,
    emis: Vec<f32>,
    margins: Vec<f32>,
    lattice: Lattice,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::default();
}

/// The shipped NER model, loaded.
pub struct NerModel {
    weights: WeightFile,
    trans: Transitions,
    lexicons: Lexicons,
    files: Vec<ModelFile>,
}

impl NerModel {
    /// Loads `ner/conll2003.bin` (and the cluster file it was trained with)
    /// from the models directory `dir`.
    pub fn load(dir: &Path) -> Result<Self> {
        let path = require(dir, WEIGHTS_FILE, REBUILD_HINT)?;
        let weights = WeightFile::read(&path)?;
        let mut files = vec![ModelFile::hash(&path)?];
        let clusters = if weights.uses_clusters {
            let path = require(dir, CLUSTERS_FILE, REBUILD_HINT)?;
            files.push(ModelFile::hash(&path)?);
            Some(Clusters::load(&path)?)
        } else {
            None
        };
        let gazetteer = if weights.uses_gazetteer {
            let path = require(dir, GAZETTEER_FILE, REBUILD_HINT)?;
            files.push(ModelFile::hash(&path)?);
            Some(Gazetteer::load(&path)?)
        } else {
            None
        };
        let trans = weights.transitions.masked();
        Ok(Self {
            weights,
            trans,
            lexicons: Lexicons {
                clusters,
                gazetteer,
            },
            files,
        })
    }

    /// Builds a model from weights in memory (used by training to score
    /// dev data with the exact inference code).
    pub fn from_parts(weights: WeightFile, lexicons: Lexicons) -> Self {
        let trans = weights.transitions.masked();
        Self {
            weights,
            trans,
            lexicons,
            files: Vec::new(),
        }
    }

    /// Tags one sentence; calls `emit(token range, label, score)` for each
    /// entity, in order.
    pub fn tag<'w>(
        &self,
        words: impl Iterator<Item = &'w str>,
        mut emit: impl FnMut(std::ops::Range<usize>, EntityLabel, f32),
    ) {
        SCRATCH.with(|cell| {
            let mut guard = cell.borrow_mut();
            let s = &mut *guard;
            self.lexicons
                .features(words, &mut s.tokens, &mut s.names, &mut s.features);
            if s.tokens.is_empty() {
                return;
            }
            s.emis.clear();
            // The next token's slots are fetched while this token's are summed.
            let table = &self.weights.table;
            s.features[..FEATURES_PER_TOKEN.min(s.features.len())]
                .iter()
                .for_each(|&h| table.prefetch(h));
            for (t, feats) in s.features.chunks_exact(FEATURES_PER_TOKEN).enumerate() {
                let next = (t + 1) * FEATURES_PER_TOKEN;
                if let Some(ahead) = s.features.get(next..next + FEATURES_PER_TOKEN) {
                    ahead.iter().for_each(|&h| table.prefetch(h));
                }
                let mut sums = [0i32; N_TAGS];
                for &h in feats {
                    if let Some(row) = table.get(h) {
                        for (acc, &w) in sums.iter_mut().zip(row) {
                            *acc += i32::from(w);
                        }
                    }
                }
                s.emis
                    .extend(sums.iter().map(|&x| x as f32 * self.weights.scale));
            }
            s.lattice.viterbi(&s.emis, &self.trans);
            if s.lattice.path.iter().all(|&t| t == 0) {
                return; // no entity, no confidence to compute
            }
            s.lattice.margins(&s.emis, &self.trans, &mut s.margins);
            let path = &s.lattice.path;
            let mut start = None;
            for i in 0..=path.len() {
                let t = path.get(i).map_or(0, |&t| t as usize);
                let continues = matches!(tag_parts(t), Some((false, _)));
                if let Some((from, label)) = start {
                    if !continues {
                        let margin = s.margins[from..i]
                            .iter()
                            .copied()
                            .fold(f32::INFINITY, f32::min);
                        emit(
                            from..i,
                            label,
                            confidence(margin, self.weights.confidence_scale),
                        );
                        start = None;
                    }
                }
                if let Some((true, label)) = tag_parts(t) {
                    start = Some((i, label));
                }
            }
        });
    }
}

/// Maps a max-marginal margin into (0.5, 1): the decoded entity is always
/// the better choice, and more so the larger its margin.
fn confidence(margin: f32, scale: f32) -> f32 {
    1.0 / (1.0 + (-margin / scale).exp())
}

impl EntityRecognizer for NerModel {
    fn recognize(&self, doc: &Tokenized<'_>, _notes: &mut Vec<String>) -> Result<Vec<Mention>> {
        let mut mentions = Vec::new();
        for sentence in doc.sentences {
            let base = sentence.tokens.start;
            let tokens = &doc.tokens[sentence.tokens.clone()];
            self.tag(
                tokens.iter().map(|t| t.slice(doc.text)),
                |range, label, score| {
                    let (first, last) = (tokens[range.start], tokens[range.end - 1]);
                    mentions.push(Mention {
                        span: Span::new(first.start, last.end),
                        tokens: base + range.start..base + range.end,
                        label,
                        score,
                    });
                },
            );
        }
        // Sentences are tagged independently; the document-level vote makes
        // repeated names agree (see `consistency` for why and how it was chosen).
        consistency::harmonise(doc, &mut mentions);
        Ok(mentions)
    }

    fn info(&self) -> ComponentInfo {
        ComponentInfo::with_files("embedded-perceptron-conll2003", self.files.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip() {
        for label in EntityLabel::ALL {
            for begin in [true, false] {
                assert_eq!(tag_parts(tag_of(begin, label)), Some((begin, label)));
            }
        }
        assert_eq!(tag_parts(0), None);
    }

    #[test]
    fn viterbi_respects_constraints() {
        // Emissions prefer I-PER at the first token and I-LOC after B-PER,
        // both invalid; the decoder must return a well-formed sequence.
        let mut emis = vec![0.0f32; 2 * N_TAGS];
        emis[tag_of(false, EntityLabel::Per)] = 5.0;
        emis[tag_of(true, EntityLabel::Loc)] = -10.0;
        emis[tag_of(true, EntityLabel::Per)] = 1.0;
        emis[N_TAGS + tag_of(false, EntityLabel::Loc)] = 5.0;
        emis[N_TAGS + tag_of(false, EntityLabel::Per)] = 1.0;
        let trans = Transitions::default().masked();
        let mut lattice = Lattice::default();
        lattice.viterbi(&emis, &trans);
        let path: Vec<usize> = lattice.path.iter().map(|&t| t as usize).collect();
        assert_eq!(
            path,
            [
                tag_of(true, EntityLabel::Per),
                tag_of(false, EntityLabel::Per)
            ]
        );
        assert_eq!(entities(&lattice.path), [(0..2, EntityLabel::Per)]);
        let mut margins = Vec::new();
        lattice.margins(&emis, &trans, &mut margins);
        assert_eq!(margins.len(), 2);
        assert!(margins.iter().all(|&m| m >= 0.0));
    }
}
