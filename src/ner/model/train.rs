//! Training of the embedded NER model: an averaged structured perceptron
//! over the hashed features of [`super::features`], decoded with the same
//! constrained Viterbi as inference. The epoch with the best dev F1 is kept
//! (the only use of dev data besides choosing settings by hand), or the last
//! one for a final model trained on train and dev; weights are
//! then quantised to i16 and written in the format of [`super::weights`].
//! Several runs with consecutive seeds may be averaged (a cheap ensemble:
//! +0.3 dev F1 for three). Single-threaded with fixed seeds, so a rebuild
//! gives the same bytes.

use std::collections::HashMap;
use std::time::Instant;

use crate::error::{Error, Result};
use crate::metrics::Scores;
use crate::ner::conll::ConllSentence;
use crate::text::Span;

use super::features::FEATURES_PER_TOKEN;
use super::rng::Rng;
use super::weights::WeightFile;
use super::{entities, tag_of, Lattice, Lexicons, Transitions, N_TAGS};

/// Settings of a training run.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    /// Most passes over the training data; the best on dev is kept.
    pub epochs: usize,
    /// Features seen fewer times in training are dropped.
    pub min_count: u32,
    /// Seed of the shuffles, the recased copies and the bagging.
    pub seed: u64,
    /// Share of training sentences added again in lower case, so that
    /// lower-case input does not collapse.
    pub lower_copies: f64,
    /// Share added again in upper case (headlines).
    pub upper_copies: f64,
    /// Keep the epoch with the best dev F1 (else the last one).
    pub select_on_dev: bool,
    /// Runs with consecutive seeds whose weights are averaged.
    pub bags: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 12,
            min_count: 2,
            seed: 2003,
            lower_copies: 0.2,
            upper_copies: 0.2,
            select_on_dev: true,
            bags: 3,
        }
    }
}

/// What a training run measured.
#[derive(Debug, Clone)]
pub struct TrainReport {
    /// Dev scores of the averaged weights after each epoch (of the last
    /// run when several are averaged).
    pub dev_by_epoch: Vec<Scores>,
    /// The epoch kept (of the last run).
    pub best_epoch: usize,
    /// Distinct features kept for training, and entries written.
    pub features: usize,
    /// Weight entries written.
    pub entries: usize,
    /// Seconds training took.
    pub seconds: f64,
}

/// One training sentence: feature rows per token (`u32::MAX`: dropped) and
/// gold tags.
struct Example {
    rows: Vec<u32>,
    gold: Vec<u8>,
}

fn gold_tags(sentence: &ConllSentence) -> Vec<u8> {
    let mut tags = vec![0u8; sentence.tokens.len()];
    for (range, label) in &sentence.entities {
        for i in range.clone() {
            tags[i] = tag_of(i == range.start, *label) as u8;
        }
    }
    tags
}

fn hashes(tokens: &[String], lexicons: &Lexicons, out: &mut Vec<u64>) {
    lexicons.features(
        tokens.iter().map(String::as_str),
        &mut Vec::new(),
        &mut Vec::new(),
        out,
    );
}

/// The weights being learnt, with the running sums for averaging
/// (the standard trick: average = w - u / c).
struct Perceptron {
    w: Vec<f32>,
    u: Vec<f64>,
    trans_w: Vec<f32>,
    trans_u: Vec<f64>,
    c: f64,
}

/// Index of transition weights: start (N_TAGS), pairs (N_TAGS²), end (N_TAGS).
fn start_ix(t: usize) -> usize {
    t
}
fn pair_ix(p: usize, t: usize) -> usize {
    N_TAGS + p * N_TAGS + t
}
fn end_ix(t: usize) -> usize {
    N_TAGS + N_TAGS * N_TAGS + t
}
const N_TRANS: usize = N_TAGS + N_TAGS * N_TAGS + N_TAGS;

fn transitions(v: &[f32]) -> Transitions {
    let mut t = Transitions::default();
    for a in 0..N_TAGS {
        t.start[a] = v[start_ix(a)];
        t.end[a] = v[end_ix(a)];
        for b in 0..N_TAGS {
            t.pair[a][b] = v[pair_ix(a, b)];
        }
    }
    t
}

fn emissions(w: &[f32], rows: &[u32], out: &mut Vec<f32>) {
    out.clear();
    for feats in rows.chunks_exact(FEATURES_PER_TOKEN) {
        let mut sums = [0f32; N_TAGS];
        for &r in feats {
            if r != u32::MAX {
                let row = &w[r as usize * N_TAGS..(r as usize + 1) * N_TAGS];
                for (s, x) in sums.iter_mut().zip(row) {
                    *s += x;
                }
            }
        }
        out.extend_from_slice(&sums);
    }
}

impl Perceptron {
    fn update_feat(&mut self, rows: &[u32], tag: usize, delta: f32) {
        for &r in rows {
            if r != u32::MAX {
                let i = r as usize * N_TAGS + tag;
                self.w[i] += delta;
                self.u[i] += self.c * f64::from(delta);
            }
        }
    }

    fn update_trans(&mut self, i: usize, delta: f32) {
        self.trans_w[i] += delta;
        self.trans_u[i] += self.c * f64::from(delta);
    }

    fn learn(&mut self, ex: &Example, pred: &[u8]) {
        let n = ex.gold.len();
        for i in 0..n {
            let (g, p) = (ex.gold[i] as usize, pred[i] as usize);
            if g != p {
                let feats = &ex.rows[i * FEATURES_PER_TOKEN..(i + 1) * FEATURES_PER_TOKEN];
                self.update_feat(feats, g, 1.0);
                self.update_feat(feats, p, -1.0);
            }
            let (gi, pi) = if i == 0 {
                (start_ix(g), start_ix(p))
            } else {
                (
                    pair_ix(ex.gold[i - 1] as usize, g),
                    pair_ix(pred[i - 1] as usize, p),
                )
            };
            if gi != pi {
                self.update_trans(gi, 1.0);
                self.update_trans(pi, -1.0);
            }
        }
        let (g, p) = (ex.gold[n - 1] as usize, pred[n - 1] as usize);
        if g != p {
            self.update_trans(end_ix(g), 1.0);
            self.update_trans(end_ix(p), -1.0);
        }
    }

    fn averaged(&self) -> (Vec<f32>, Vec<f32>) {
        let avg = |w: &[f32], u: &[f64]| -> Vec<f32> {
            w.iter()
                .zip(u)
                .map(|(&w, &u)| (f64::from(w) - u / self.c) as f32)
                .collect()
        };
        (avg(&self.w, &self.u), avg(&self.trans_w, &self.trans_u))
    }
}

fn recase(sentence: &ConllSentence, upper: bool) -> ConllSentence {
    let tokens = sentence
        .tokens
        .iter()
        .map(|t| {
            if upper {
                t.to_uppercase()
            } else {
                t.to_lowercase()
            }
        })
        .collect();
    ConllSentence {
        tokens,
        entities: sentence.entities.clone(),
        line: sentence.line,
        document: sentence.document,
    }
}

fn dev_scores(w: &[f32], trans: &Transitions, dev: &[Example], lattice: &mut Lattice) -> Scores {
    let mut scores = Scores::default();
    let mut emis = Vec::new();
    for ex in dev {
        emissions(w, &ex.rows, &mut emis);
        lattice.viterbi(&emis, trans);
        let spans = |ents: Vec<(std::ops::Range<usize>, crate::ner::EntityLabel)>| -> Vec<(Span, &'static str)> {
            ents.into_iter().map(|(r, l)| (Span::new(r.start, r.end), l.as_str())).collect()
        };
        scores.add_exact(&spans(entities(&ex.gold)), &spans(entities(&lattice.path)));
    }
    scores
}

/// Trains on `train`, keeps the epoch with the best F1 on `dev`, and returns
/// the quantised weights. `log` receives one line per step.
pub fn train(
    train: &[ConllSentence],
    dev: &[ConllSentence],
    lexicons: &Lexicons,
    config: &TrainConfig,
    mut log: impl FnMut(&str),
) -> Result<(WeightFile, TrainReport)> {
    check_data(train, dev, config)?;
    let started = Instant::now();
    let sentences = with_recased_copies(train, config);
    let (features, examples) = FeatureRows::count(&sentences, lexicons, config.min_count);
    let dev_examples = features.examples(dev, lexicons);
    log(&format!(
        "{} training sentences ({} with recased copies), {} features kept (min count {})",
        train.len(),
        examples.len(),
        features.kept.len(),
        config.min_count
    ));
    let mut lattice = Lattice::default();
    let bagged = fit_bags(
        &examples,
        &dev_examples,
        features.kept.len(),
        config,
        &mut lattice,
        &mut log,
        started,
    );
    let trans = transitions(&bagged.t);
    let (scale, entries) = quantise(&bagged.w, &features.kept);
    let confidence_scale = median_margin(&bagged.w, &trans.masked(), &dev_examples, &mut lattice);
    let report = TrainReport {
        dev_by_epoch: bagged.dev_by_epoch,
        best_epoch: bagged.best_epoch,
        features: features.kept.len(),
        entries: entries.len(),
        seconds: started.elapsed().as_secs_f64(),
    };
    log(&format!(
        "best epoch {}; {} weight entries; confidence scale {confidence_scale:.3}",
        report.best_epoch,
        entries.len()
    ));
    Ok((
        WeightFile::new(
            lexicons.clusters.is_some(),
            lexicons.gazetteer.is_some(),
            scale,
            confidence_scale,
            trans,
            entries,
        ),
        report,
    ))
}

/// Refuses what cannot train a model: no epoch, no training sentence, or
/// no dev sentence to choose the epoch on.
fn check_data(train: &[ConllSentence], dev: &[ConllSentence], config: &TrainConfig) -> Result<()> {
    let too_little = |message: &str| {
        Err(Error::NotEnoughData {
            what: "NER training".to_string(),
            message: message.to_string(),
        })
    };
    if config.epochs == 0 {
        return Err(Error::InvalidArgument {
            argument: "--epochs 0".to_string(),
            message: "training needs at least one epoch".to_string(),
        });
    }
    if train.iter().all(|s| s.tokens.is_empty()) {
        return too_little("no training sentences");
    }
    if config.select_on_dev && dev.iter().all(|s| s.tokens.is_empty()) {
        return too_little("no dev sentences to choose the epoch on (or pass --last-epoch)");
    }
    Ok(())
}

/// The non-empty training sentences, each followed, as the seeded draws
/// say, by a lower-case and an upper-case copy of itself
/// ([`TrainConfig::lower_copies`], [`TrainConfig::upper_copies`]).
fn with_recased_copies(train: &[ConllSentence], config: &TrainConfig) -> Vec<ConllSentence> {
    let mut rng = Rng::new(config.seed);
    let mut sentences: Vec<ConllSentence> = Vec::with_capacity(train.len() * 5 / 4);
    for s in train.iter().filter(|s| !s.tokens.is_empty()) {
        sentences.push(s.clone());
        if rng.unit() < config.lower_copies {
            sentences.push(recase(s, false));
        }
        if rng.unit() < config.upper_copies {
            sentences.push(recase(s, true));
        }
    }
    sentences
}

/// The features kept for training, each with its row of weights.
struct FeatureRows {
    /// Feature hashes seen at least `min_count` times, sorted; the row of
    /// `kept[i]` is `i`.
    kept: Vec<u64>,
    row_of: HashMap<u64, u32>,
}

impl FeatureRows {
    /// Counts the features of `sentences` and keeps those seen at least
    /// `min_count` times; returns them with `sentences` as examples.
    fn count(
        sentences: &[ConllSentence],
        lexicons: &Lexicons,
        min_count: u32,
    ) -> (Self, Vec<Example>) {
        let mut buf = Vec::new();
        let mut counts: HashMap<u64, u32> = HashMap::new();
        let mut all_hashes: Vec<Vec<u64>> = Vec::with_capacity(sentences.len());
        for s in sentences {
            hashes(&s.tokens, lexicons, &mut buf);
            for &h in &buf {
                *counts.entry(h).or_default() += 1;
            }
            all_hashes.push(buf.clone());
        }
        let mut kept: Vec<u64> = counts
            .iter()
            .filter(|(_, &c)| c >= min_count)
            .map(|(&h, _)| h)
            .collect();
        kept.sort_unstable();
        let row_of: HashMap<u64, u32> = kept
            .iter()
            .enumerate()
            .map(|(i, &h)| (h, i as u32))
            .collect();
        drop(counts);
        let rows = Self { kept, row_of };
        let examples = sentences
            .iter()
            .zip(&all_hashes)
            .map(|(s, hs)| Example {
                rows: rows.rows(hs),
                gold: gold_tags(s),
            })
            .collect();
        (rows, examples)
    }

    /// The rows of feature hashes; `u32::MAX` for one not kept.
    fn rows(&self, hashes: &[u64]) -> Vec<u32> {
        hashes
            .iter()
            .map(|h| self.row_of.get(h).copied().unwrap_or(u32::MAX))
            .collect()
    }

    /// The non-empty `sentences` as examples over the kept features.
    fn examples(&self, sentences: &[ConllSentence], lexicons: &Lexicons) -> Vec<Example> {
        let mut buf = Vec::new();
        sentences
            .iter()
            .filter(|s| !s.tokens.is_empty())
            .map(|s| {
                hashes(&s.tokens, lexicons, &mut buf);
                Example {
                    rows: self.rows(&buf),
                    gold: gold_tags(s),
                }
            })
            .collect()
    }
}

/// `config.bags` perceptron runs with consecutive seeds, their emission and
/// transition weights averaged; the epochs reported are the last run's.
#[allow(clippy::too_many_arguments)]
fn fit_bags(
    examples: &[Example],
    dev: &[Example],
    rows: usize,
    config: &TrainConfig,
    lattice: &mut Lattice,
    log: &mut impl FnMut(&str),
    started: Instant,
) -> Fit {
    let bags = config.bags.max(1);
    let mut w = vec![0f32; rows * N_TAGS];
    let mut t = vec![0f32; N_TRANS];
    let mut dev_by_epoch = Vec::new();
    let mut best_epoch = 0;
    for bag in 0..bags {
        let mut bag_rng = Rng::new(config.seed.wrapping_add(bag as u64));
        let fit = fit(
            examples,
            dev,
            rows,
            config,
            &mut bag_rng,
            lattice,
            log,
            started,
        );
        for (a, b) in w.iter_mut().zip(&fit.w) {
            *a += b / bags as f32;
        }
        for (a, b) in t.iter_mut().zip(&fit.t) {
            *a += b / bags as f32;
        }
        dev_by_epoch = fit.dev_by_epoch;
        best_epoch = fit.best_epoch;
    }
    if config.bags > 1 {
        let scores = dev_scores(&w, &transitions(&t).masked(), dev, lattice);
        log(&format!(
            "average of {} runs: dev P {:.4} R {:.4} F1 {:.4}",
            config.bags,
            scores.overall.precision(),
            scores.overall.recall(),
            scores.overall.f1()
        ));
    }
    Fit {
        w,
        t,
        best_epoch,
        dev_by_epoch,
    }
}

/// Quantises the emission weights to i16 with one scale for all, which it
/// returns with the entries (feature hash, weights per tag); rows that
/// round to all zeros are left out.
fn quantise(w: &[f32], kept: &[u64]) -> (f32, Vec<(u64, [i16; N_TAGS])>) {
    let max = w.iter().fold(0f32, |m, x| m.max(x.abs())).max(1e-9);
    let scale = max / f32::from(i16::MAX);
    let mut entries = Vec::new();
    for (row, &hash) in kept.iter().enumerate() {
        let mut q = [0i16; N_TAGS];
        for (k, v) in q.iter_mut().enumerate() {
            *v = (w[row * N_TAGS + k] / scale).round() as i16;
        }
        if q.iter().any(|&v| v != 0) {
            entries.push((hash, q));
        }
    }
    (scale, entries)
}

/// The weights of one perceptron run (or of several averaged).
struct Fit {
    w: Vec<f32>,
    t: Vec<f32>,
    best_epoch: usize,
    dev_by_epoch: Vec<Scores>,
}

/// One averaged-perceptron run over `examples` in an order drawn from `rng`.
#[allow(clippy::too_many_arguments)]
fn fit(
    examples: &[Example],
    dev: &[Example],
    rows: usize,
    config: &TrainConfig,
    rng: &mut Rng,
    lattice: &mut Lattice,
    log: &mut impl FnMut(&str),
    started: Instant,
) -> Fit {
    let mut p = Perceptron {
        w: vec![0.0; rows * N_TAGS],
        u: vec![0.0; rows * N_TAGS],
        trans_w: vec![0.0; N_TRANS],
        trans_u: vec![0.0; N_TRANS],
        c: 1.0,
    };
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let mut emis = Vec::new();
    let mut best: Option<(f64, usize, Vec<f32>, Vec<f32>)> = None;
    let mut dev_by_epoch = Vec::new();
    for epoch in 1..=config.epochs {
        rng.shuffle(&mut order);
        let mut mistakes = 0usize;
        for &k in &order {
            let ex = &examples[k];
            let trans = transitions(&p.trans_w).masked();
            emissions(&p.w, &ex.rows, &mut emis);
            lattice.viterbi(&emis, &trans);
            if lattice.path != ex.gold {
                mistakes += 1;
                let pred = lattice.path.clone();
                p.learn(ex, &pred);
            }
            p.c += 1.0;
        }
        let (avg_w, avg_t) = p.averaged();
        let scores = dev_scores(&avg_w, &transitions(&avg_t).masked(), dev, lattice);
        let f1 = scores.overall.f1();
        log(&format!(
            "epoch {epoch}: {mistakes} sentences wrong; dev P {:.4} R {:.4} F1 {:.4} ({:.0} s)",
            scores.overall.precision(),
            scores.overall.recall(),
            f1,
            started.elapsed().as_secs_f64()
        ));
        dev_by_epoch.push(scores);
        if !config.select_on_dev || best.as_ref().is_none_or(|b| f1 > b.0) {
            best = Some((f1, epoch, avg_w, avg_t));
        }
    }
    let (_, best_epoch, w, t) = best.expect("at least one epoch");
    Fit {
        w,
        t,
        best_epoch,
        dev_by_epoch,
    }
}

/// Median of the smallest token margin of each predicted entity on `dev`:
/// the margin that maps to confidence 0.73.
fn median_margin(w: &[f32], trans: &Transitions, dev: &[Example], lattice: &mut Lattice) -> f32 {
    let mut emis = Vec::new();
    let mut margins = Vec::new();
    let mut mins = Vec::new();
    for ex in dev {
        emissions(w, &ex.rows, &mut emis);
        lattice.viterbi(&emis, trans);
        lattice.margins(&emis, trans, &mut margins);
        for (range, _) in entities(&lattice.path) {
            mins.push(margins[range].iter().copied().fold(f32::INFINITY, f32::min));
        }
    }
    if mins.is_empty() {
        return 1.0;
    }
    mins.sort_by(f32::total_cmp);
    mins[mins.len() / 2].max(1e-3)
}
