//! Logistic regression for the project's learned models: one
//! L2-regularised binary regression per label over [`FeatureRow`]s (the
//! frame classifier), or one multinomial regression over classes (the role
//! model, [`fit_softmax`]), fitted by full-batch Adam on ndarray matrices, deterministic (fixed initialisation, fixed order, no
//! randomness). The regularisation strength and the decision threshold are
//! chosen by cross-validation over the training documents only, so a
//! threshold never sees the documents it is scored on. Hashed features use
//! [`Fnv`], fixed so that a trained model means the same on every platform.

use std::collections::BTreeMap;

use ndarray::{Array1, Array2, Axis};
use serde::{Deserialize, Serialize};

use crate::hashed::HashedMap;

/// The features of one example: a few dense values and hashed sparse ones.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeatureRow {
    /// Raw (unscaled) dense features.
    pub dense: Vec<f32>,
    /// Hashed sparse features (present or not), sorted and distinct.
    pub words: Vec<u32>,
}

/// Options of a training run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainOptions {
    /// Regularisation strengths tried; the inner cross-validation picks one.
    pub l2_grid: Vec<f32>,
    /// Folds over training documents for choosing `l2` and the threshold.
    pub inner_folds: usize,
    /// Full-batch Adam steps.
    pub steps: usize,
    /// Adam step size.
    pub learning_rate: f32,
    /// Fewest positive sentences a label needs.
    pub min_positives: usize,
    /// Weights tried for pseudo-labelled examples (relative to a hand-labelled
    /// one); the inner cross-validation picks one with `l2`. Only `[1]`,
    /// the default, is left out of a serialised file.
    #[serde(default = "unit_weight", skip_serializing_if = "is_unit_weight")]
    pub pseudo_weights: Vec<f32>,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            l2_grid: vec![0.1, 1.0, 10.0],
            inner_folds: 4,
            steps: 300,
            learning_rate: 0.05,
            min_positives: 10,
            pseudo_weights: unit_weight(),
        }
    }
}

/// A grid in the order the inner search's tie rule reads it: ascending,
/// each value once.
fn ascending(grid: &[f32]) -> Vec<f32> {
    let mut grid = grid.to_vec();
    grid.sort_by(f32::total_cmp);
    grid.dedup();
    grid
}

/// The pseudo-label weight grid of a run without choice: `[1]`.
fn unit_weight() -> Vec<f32> {
    vec![1.0]
}

fn is_unit_weight(grid: &[f32]) -> bool {
    grid == [1.0]
}

/// One training sentence: its document (for folds), its features and, per
/// label, whether the gold marks it.
#[derive(Debug, Clone, Copy)]
pub struct Example<'a> {
    /// Index of its document (the inner folds split by document).
    pub doc: usize,
    /// Its feature row.
    pub row: &'a FeatureRow,
    /// Per label, whether the gold frames it.
    pub labels: &'a [bool],
    /// Labelled by a teacher model, not by hand: always fitted on, never
    /// held out to choose the regularisation or the threshold.
    pub pseudo: bool,
}

/// Per-feature centring and scaling of the dense features, learned on the
/// training rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scaling {
    /// Mean of each dense feature, subtracted.
    pub mean: Vec<f32>,
    /// Inverse standard deviation of each dense feature, multiplied by.
    pub scale: Vec<f32>,
}

impl Scaling {
    /// Mean and inverse standard deviation of each dense feature (1 for a
    /// constant one).
    pub fn fit(rows: &[&FeatureRow]) -> Self {
        let x = dense_matrix(rows, None);
        let mean = x.mean_axis(Axis(0)).unwrap_or_default();
        let std = x.std_axis(Axis(0), 0.0);
        Self {
            mean: mean.to_vec(),
            scale: std
                .iter()
                .map(|&s| if s > 1e-6 { 1.0 / s } else { 1.0 })
                .collect(),
        }
    }

    /// Applies the scaling to one raw dense value.
    pub fn apply(&self, i: usize, value: f32) -> f32 {
        (value - self.mean[i]) * self.scale[i]
    }

    /// Applies the scaling to a raw dense row.
    pub fn scale(&self, dense: &[f32]) -> Vec<f32> {
        dense
            .iter()
            .enumerate()
            .map(|(i, &x)| self.apply(i, x))
            .collect()
    }
}

/// A fitted linear model of one label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearModel {
    /// The intercept, in log-odds.
    pub bias: f32,
    /// Weights of the scaled dense features.
    pub dense: Vec<f32>,
    /// Weights of the hashed word features seen in training, by id.
    #[serde(deserialize_with = "words_in_bulk")]
    pub words: BTreeMap<u32, f32>,
}

/// Reads a JSON object of word weights into a list, then builds the map in
/// one go (files hold the ids in order, so no search per id); a repeated id
/// keeps its last weight, as inserting one by one would.
fn words_in_bulk<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<BTreeMap<u32, f32>, D::Error> {
    struct Words;
    impl<'de> serde::de::Visitor<'de> for Words {
        type Value = BTreeMap<u32, f32>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a map of word ids to weights")
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> std::result::Result<Self::Value, A::Error> {
            let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(0));
            while let Some(pair) = map.next_entry::<u32, f32>()? {
                pairs.push(pair);
            }
            Ok(pairs.into_iter().collect())
        }
    }
    deserializer.deserialize_map(Words)
}

impl LinearModel {
    /// Log-odds of a row whose dense part is already scaled.
    pub fn logit(&self, dense: &[f32], words: &[u32]) -> f32 {
        log_odds(
            self.bias,
            &self.dense,
            dense,
            words.iter().filter_map(|id| self.words.get(id)),
        )
    }
}

/// A linear model for scoring many rows: its word weights in a hash map
/// instead of the file's ordered map, which costs a tree search per word.
/// Gives exactly [`LinearModel::logit`] (the same sums in the same order).
#[derive(Debug, Clone)]
pub struct ScoringModel {
    bias: f32,
    dense: Vec<f32>,
    words: HashedMap<f32>,
}

impl From<&LinearModel> for ScoringModel {
    fn from(model: &LinearModel) -> Self {
        Self {
            bias: model.bias,
            dense: model.dense.clone(),
            words: (model.words.iter())
                .map(|(&id, &w)| (u64::from(id), w))
                .collect(),
        }
    }
}

impl ScoringModel {
    /// Log-odds of a row whose dense part is already scaled.
    pub fn logit(&self, dense: &[f32], words: &[u32]) -> f32 {
        log_odds(
            self.bias,
            &self.dense,
            dense,
            words
                .iter()
                .filter_map(|id| self.words.get(&u64::from(*id))),
        )
    }

    /// The weight of word feature `id`, if training saw it.
    pub fn word(&self, id: u32) -> Option<f32> {
        self.words.get(&u64::from(id)).copied()
    }
}

/// The intercept plus the dense dot product plus the word weights found.
fn log_odds<'a>(
    bias: f32,
    weights: &[f32],
    dense: &[f32],
    words: impl Iterator<Item = &'a f32>,
) -> f32 {
    let d: f32 = weights.iter().zip(dense).map(|(w, x)| w * x).sum();
    let w: f32 = words.sum();
    bias + d + w
}

/// The logistic function.
pub fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// What training chose for one label.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelFit {
    /// The model fitted on all training rows with the chosen `l2`.
    pub model: LinearModel,
    /// The decision threshold with the best inner-fold F1.
    pub threshold: f32,
    /// The regularisation strength chosen from the grid.
    pub l2: f32,
    /// Sentence-level F1 of the inner cross-validation at that threshold.
    pub inner_f1: f32,
    /// The weight of a pseudo-labelled example chosen from
    /// `opts.pseudo_weights`; `None` when there were none.
    pub pseudo_weight: Option<f32>,
}

/// Fits label `label` on `examples` (dense parts scaled by `scaling`):
/// picks `l2`, the pseudo-labelled examples' weight and the threshold by
/// inner folds over documents, then fits on all of them. Pseudo-labelled
/// examples are in every inner fold's training part and never scored: the
/// choices are made on the hand labels alone.
pub fn fit_label(
    examples: &[Example<'_>],
    scaling: &Scaling,
    label: usize,
    opts: &TrainOptions,
) -> LabelFit {
    let docs: Vec<usize> = {
        let mut d: Vec<usize> = (examples.iter())
            .filter(|e| !e.pseudo)
            .map(|e| e.doc)
            .collect();
        d.sort_unstable();
        d.dedup();
        d
    };
    let folds = opts.inner_folds.max(1);
    // A pseudo-labelled example's fold is `folds`: held out by none.
    let fold_of = |e: &Example<'_>| match (e.pseudo, docs.binary_search(&e.doc)) {
        (false, Ok(i)) => i % folds,
        _ => folds,
    };
    let y: Vec<bool> = examples.iter().map(|e| e.labels[label]).collect();
    let scored: Vec<usize> = (0..examples.len())
        .filter(|&i| !examples[i].pseudo)
        .collect();
    let has_pseudo = scored.len() < examples.len();
    let weights = ascending(if has_pseudo {
        &opts.pseudo_weights
    } else {
        &[1.0]
    });
    let l2_grid = ascending(&opts.l2_grid);
    // Every (weight, l2) setting's out-of-fold scores; the fits are
    // independent, so they run on all cores, and the choice below reads
    // them in grid order whatever the thread count.
    let settings: Vec<(f32, f32)> = (weights.iter())
        .flat_map(|&w| l2_grid.iter().map(move |&l2| (w, l2)))
        .collect();
    let tasks: Vec<(usize, usize)> = (0..settings.len())
        .flat_map(|s| (0..folds).map(move |fold| (s, fold)))
        .collect();
    let held_out = parallel_map(&tasks, |&(setting, fold)| {
        let (pseudo_weight, l2) = settings[setting];
        let train: Vec<usize> = (0..examples.len())
            .filter(|&i| fold_of(&examples[i]) != fold)
            .collect();
        let test: Vec<usize> = (0..examples.len())
            .filter(|&i| fold_of(&examples[i]) == fold)
            .collect();
        if train.is_empty() || test.is_empty() {
            return Vec::new();
        }
        let model = fit(examples, &train, &y, scaling, l2, pseudo_weight, opts);
        (test.into_iter())
            .map(|i| (i, score(&model, scaling, examples[i].row)))
            .collect::<Vec<_>>()
    });
    let mut best: Option<Choice> = None;
    // Tasks are setting-major: each setting's folds are one chunk.
    for (&(pseudo_weight, l2), setting_scores) in settings.iter().zip(held_out.chunks(folds)) {
        let mut scores = vec![0f32; examples.len()];
        for &(i, p) in setting_scores.iter().flatten() {
            scores[i] = p;
        }
        let (f1, threshold) = best_threshold(
            &scored.iter().map(|&i| scores[i]).collect::<Vec<_>>(),
            &scored.iter().map(|&i| y[i]).collect::<Vec<_>>(),
        );
        // Ties go to the later setting in grid order (weights outer, l2
        // inner, both ascending): for one weight, the stronger
        // regularisation; across weights, the heavier weight.
        if best.is_none_or(|b| f1 >= b.f1) {
            best = Some(Choice {
                f1,
                l2,
                pseudo_weight,
                threshold,
            });
        }
    }
    let chosen = best.unwrap_or(Choice {
        f1: 0.0,
        l2: opts.l2_grid[0],
        pseudo_weight: weights[0],
        threshold: 0.5,
    });
    let all: Vec<usize> = (0..examples.len()).collect();
    LabelFit {
        model: fit(
            examples,
            &all,
            &y,
            scaling,
            chosen.l2,
            chosen.pseudo_weight,
            opts,
        ),
        threshold: chosen.threshold,
        l2: chosen.l2,
        inner_f1: chosen.f1,
        pseudo_weight: has_pseudo.then_some(chosen.pseudo_weight),
    }
}

/// `f` of every task, in task order, computed on all available cores.
fn parallel_map<T: Sync, R: Send>(tasks: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(tasks.len());
    if threads <= 1 {
        return tasks.iter().map(f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(task) = tasks.get(i) else {
                            return mine;
                        };
                        mine.push((i, f(task)));
                    }
                })
            })
            .collect();
        (workers.into_iter())
            .flat_map(|w| w.join().expect("a training thread panicked"))
            .collect()
    });
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// One setting of the inner search and its inner-fold F1.
#[derive(Debug, Clone, Copy)]
struct Choice {
    f1: f32,
    l2: f32,
    pseudo_weight: f32,
    threshold: f32,
}

/// Probability of the label for a raw row.
pub fn score(model: &LinearModel, scaling: &Scaling, row: &FeatureRow) -> f32 {
    sigmoid(model.logit(&scaling.scale(&row.dense), &row.words))
}

/// The threshold with the best F1 over `scores` against `y`: midway between
/// the lowest score selected and the highest one left out. Returns (F1,
/// threshold).
pub fn best_threshold(scores: &[f32], y: &[bool]) -> (f32, f32) {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    let positives = y.iter().filter(|&&p| p).count();
    let (mut tp, mut best_f1, mut best_k) = (0usize, 0f32, 0usize);
    for (k, &i) in order.iter().enumerate() {
        tp += usize::from(y[i]);
        // Only cut between distinct scores.
        if order.get(k + 1).is_some_and(|&j| scores[j] == scores[i]) {
            continue;
        }
        let f1 = 2.0 * tp as f32 / (k + 1 + positives) as f32;
        if f1 > best_f1 {
            best_f1 = f1;
            best_k = k + 1;
        }
    }
    if best_k == 0 {
        return (0.0, 1.0);
    }
    let low = scores[order[best_k - 1]];
    let next = order.get(best_k).map_or(0.0, |&j| scores[j]);
    (best_f1, (low + next) / 2.0)
}

/// Dense rows as a matrix, scaled when `scaling` is given.
fn dense_matrix(rows: &[&FeatureRow], scaling: Option<&Scaling>) -> Array2<f32> {
    let d = rows.first().map_or(0, |r| r.dense.len());
    let mut x = Array2::<f32>::zeros((rows.len(), d));
    for (mut out, row) in x.axis_iter_mut(Axis(0)).zip(rows) {
        for (j, (o, &v)) in out.iter_mut().zip(&row.dense).enumerate() {
            *o = scaling.map_or(v, |s| s.apply(j, v));
        }
    }
    x
}

/// Logistic regression on the rows `which` of `examples`, label `y`:
/// positives weighted by sqrt(negatives / positives), pseudo-labelled rows
/// by `pseudo_weight` besides, L2 on all weights but the bias, `opts.steps`
/// of full-batch Adam from zero.
fn fit(
    examples: &[Example<'_>],
    which: &[usize],
    y: &[bool],
    scaling: &Scaling,
    l2: f32,
    pseudo_weight: f32,
    opts: &TrainOptions,
) -> LinearModel {
    let design = Design::new(examples, which, scaling);
    let target: Array1<f32> = which.iter().map(|&i| f32::from(u8::from(y[i]))).collect();
    let mut sample_weight = class_weights(&target);
    for (w, &i) in sample_weight.iter_mut().zip(which) {
        if examples[i].pseudo {
            *w *= pseudo_weight;
        }
    }
    let (w, v, b) = descend(&design, &target, &sample_weight, l2, opts);
    LinearModel {
        bias: b,
        dense: w.to_vec(),
        words: design
            .ids
            .into_iter()
            .zip(v)
            .filter(|(_, w)| w.abs() > 1e-4)
            .collect(),
    }
}

/// The rows a regression is fitted on: the scaled dense matrix, and the
/// word features as columns of their own.
struct Design {
    /// Scaled dense features, one row per example.
    x: Array2<f32>,
    /// The word feature ids these rows hold, in id order; column `j` of
    /// the word weights is `ids[j]`.
    ids: Vec<u32>,
    /// Per row, the word columns it has.
    cols: Vec<Vec<usize>>,
}

impl Design {
    /// The rows `which` of `examples`, dense parts scaled by `scaling`.
    fn new(examples: &[Example<'_>], which: &[usize], scaling: &Scaling) -> Self {
        let rows: Vec<&FeatureRow> = which.iter().map(|&i| examples[i].row).collect();
        Self::of_rows(&rows, scaling)
    }

    /// `rows`, dense parts scaled by `scaling`.
    fn of_rows(rows: &[&FeatureRow], scaling: &Scaling) -> Self {
        let x = dense_matrix(rows, Some(scaling));
        let mut ids: Vec<u32> = rows.iter().flat_map(|r| r.words.iter().copied()).collect();
        ids.sort_unstable();
        ids.dedup();
        let cols = rows
            .iter()
            .map(|r| {
                r.words
                    .iter()
                    .filter_map(|id| ids.binary_search(id).ok())
                    .collect()
            })
            .collect();
        Self { x, ids, cols }
    }
}

/// Per-example weights: positives count sqrt(negatives / positives) times
/// (at least once), so that a rare label is not drowned by its negatives
/// and a common one is not overweighted.
fn class_weights(target: &Array1<f32>) -> Array1<f32> {
    let n = target.len();
    let positives = target.sum();
    let pos_weight = if positives > 0.0 {
        ((n as f32 - positives) / positives).max(1.0).sqrt()
    } else {
        1.0
    };
    target.mapv(|t| if t > 0.0 { pos_weight } else { 1.0 })
}

/// `opts.steps` of full-batch Adam from zero on the weighted logistic loss
/// with L2 on all weights but the bias; returns the dense weights, the
/// word weights (by column of `design.ids`) and the bias.
fn descend(
    design: &Design,
    target: &Array1<f32>,
    sample_weight: &Array1<f32>,
    l2: f32,
    opts: &TrainOptions,
) -> (Array1<f32>, Vec<f32>, f32) {
    let Design { x, ids, cols } = design;
    let norm = sample_weight.sum().max(1.0);
    let mut w = Array1::<f32>::zeros(x.ncols());
    let mut v = vec![0f32; ids.len()];
    let mut b = 0f32;
    let mut adam = Adams::new(w.len(), v.len(), 1);
    for step in 1..=opts.steps {
        let mut z = x.dot(&w) + b;
        for (zi, c) in z.iter_mut().zip(cols) {
            *zi += c.iter().map(|&j| v[j]).sum::<f32>();
        }
        let g: Array1<f32> = (z.mapv(sigmoid) - target) * sample_weight / norm;
        let grad_w = x.t().dot(&g) + &w * l2;
        let mut grad_v: Vec<f32> = v.iter().map(|&vj| vj * l2).collect();
        for (gi, c) in g.iter().zip(cols) {
            for &j in c {
                grad_v[j] += gi;
            }
        }
        let grad_b = g.sum();
        adam.step(
            [
                (
                    w.as_slice_mut().expect("contiguous"),
                    grad_w.as_slice().expect("contiguous"),
                ),
                (&mut v, &grad_v),
                (std::slice::from_mut(&mut b), &[grad_b]),
            ],
            step,
            opts.learning_rate,
        );
    }
    (w, v, b)
}

/// Multinomial (softmax) logistic regression of `rows` (dense parts scaled
/// by `scaling`) on the classes `y` (each below `classes`): one linear model
/// per class, fitted jointly, unweighted, with L2 `l2` on all weights but
/// the biases, `opts.steps` of full-batch Adam from zero. Deterministic.
pub fn fit_softmax(
    rows: &[&FeatureRow],
    y: &[usize],
    classes: usize,
    scaling: &Scaling,
    l2: f32,
    opts: &TrainOptions,
) -> Vec<LinearModel> {
    let Design { x, ids, cols } = Design::of_rows(rows, scaling);
    let (n, k) = (rows.len(), classes);
    let norm = n.max(1) as f32;
    let mut w = Array2::<f32>::zeros((x.ncols(), k));
    let mut v = vec![0f32; ids.len() * k];
    let mut b = vec![0f32; k];
    let mut adam = Adams::new(w.len(), v.len(), k);
    for step in 1..=opts.steps {
        let mut z = x.dot(&w);
        for (mut zi, c) in z.axis_iter_mut(Axis(0)).zip(&cols) {
            for (class, zc) in zi.iter_mut().enumerate() {
                *zc += b[class] + c.iter().map(|&j| v[j * k + class]).sum::<f32>();
            }
        }
        // The gradient of the mean cross-entropy: softmax minus one-hot.
        for (mut zi, &yi) in z.axis_iter_mut(Axis(0)).zip(y) {
            let max = zi.fold(f32::NEG_INFINITY, |m, &x| m.max(x));
            zi.mapv_inplace(|x| (x - max).exp());
            let sum = zi.sum();
            zi.mapv_inplace(|x| x / sum);
            zi[yi] -= 1.0;
            zi.mapv_inplace(|x| x / norm);
        }
        let g = z;
        let grad_w = x.t().dot(&g) + &w * l2;
        let mut grad_v: Vec<f32> = v.iter().map(|&vj| vj * l2).collect();
        for (gi, c) in g.axis_iter(Axis(0)).zip(&cols) {
            for &j in c {
                for (class, &gc) in gi.iter().enumerate() {
                    grad_v[j * k + class] += gc;
                }
            }
        }
        let grad_b = g.sum_axis(Axis(0));
        adam.step(
            [
                (
                    w.as_slice_mut().expect("contiguous"),
                    grad_w.as_slice().expect("contiguous"),
                ),
                (&mut v, &grad_v),
                (&mut b, grad_b.as_slice().expect("contiguous")),
            ],
            step,
            opts.learning_rate,
        );
    }
    (0..k)
        .map(|class| LinearModel {
            bias: b[class],
            dense: w.column(class).to_vec(),
            words: ids
                .iter()
                .enumerate()
                .map(|(j, &id)| (id, v[j * k + class]))
                .filter(|(_, w)| w.abs() > 1e-4)
                .collect(),
        })
        .collect()
}

/// Softmax of the log-odds of `models` for a row whose dense part is
/// already scaled.
pub fn softmax(models: &[LinearModel], dense: &[f32], words: &[u32]) -> Vec<f32> {
    let mut z: Vec<f32> = models.iter().map(|m| m.logit(dense, words)).collect();
    softmax_in_place(&mut z);
    z
}

/// Turns log-odds `z` into probabilities in place (shifted by their
/// maximum, so that no exponential overflows).
pub fn softmax_in_place(z: &mut [f32]) {
    let max = z.iter().fold(f32::NEG_INFINITY, |m, &x| m.max(x));
    z.iter_mut().for_each(|x| *x = (*x - max).exp());
    let sum: f32 = z.iter().sum();
    z.iter_mut().for_each(|x| *x /= sum);
}

/// One Adam state for each of a linear model's three parameter groups:
/// dense weights, hashed word weights and biases.
struct Adams([Adam; 3]);

impl Adams {
    fn new(dense: usize, words: usize, biases: usize) -> Self {
        Self([Adam::new(dense), Adam::new(words), Adam::new(biases)])
    }

    /// One step of each group: (parameters, gradient) in the order of
    /// [`Adams::new`].
    fn step(&mut self, groups: [(&mut [f32], &[f32]); 3], t: usize, lr: f32) {
        for (adam, (params, grad)) in self.0.iter_mut().zip(groups) {
            adam.step(params, grad, t, lr);
        }
    }
}

/// Adam's moment estimates for one parameter vector.
struct Adam {
    m: Vec<f32>,
    v: Vec<f32>,
}

impl Adam {
    const B1: f32 = 0.9;
    const B2: f32 = 0.999;
    const EPS: f32 = 1e-8;

    fn new(n: usize) -> Self {
        Self {
            m: vec![0.0; n],
            v: vec![0.0; n],
        }
    }

    fn step(&mut self, params: &mut [f32], grad: &[f32], t: usize, lr: f32) {
        let c1 = 1.0 - Self::B1.powi(t as i32);
        let c2 = 1.0 - Self::B2.powi(t as i32);
        for (((p, g), m), v) in params
            .iter_mut()
            .zip(grad)
            .zip(&mut self.m)
            .zip(&mut self.v)
        {
            *m = Self::B1 * *m + (1.0 - Self::B1) * g;
            *v = Self::B2 * *v + (1.0 - Self::B2) * g * g;
            *p -= lr * (*m / c1) / ((*v / c2).sqrt() + Self::EPS);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_weights_load_in_bulk_as_one_by_one() {
        let json = r#"{"bias":0.5,"dense":[1.0],"words":{"7":0.25,"3":-1.0,"7":2.0,"12":0.5}}"#;
        let model: LinearModel = serde_json::from_str(json).unwrap();
        let expected: BTreeMap<u32, f32> = [(3, -1.0), (7, 2.0), (12, 0.5)].into_iter().collect();
        assert_eq!(
            model.words, expected,
            "in id order, a repeated id keeps its last weight"
        );
        let written = serde_json::to_string(&model).unwrap();
        assert_eq!(
            serde_json::from_str::<LinearModel>(&written).unwrap(),
            model
        );
        let err = serde_json::from_str::<LinearModel>(r#"{"bias":0,"dense":[],"words":{"x":1}}"#);
        assert!(err.is_err());
    }

    #[test]
    fn softmax_fits_three_classes_deterministically() {
        let rows: Vec<FeatureRow> = (0..60)
            .map(|i| FeatureRow {
                dense: Vec::new(),
                words: vec![(i % 3) as u32, 100],
            })
            .collect();
        let refs: Vec<&FeatureRow> = rows.iter().collect();
        let y: Vec<usize> = (0..60).map(|i| i % 3).collect();
        let scaling = Scaling::fit(&refs);
        let opts = TrainOptions::default();
        let a = fit_softmax(&refs, &y, 3, &scaling, 1e-3, &opts);
        assert_eq!(a, fit_softmax(&refs, &y, 3, &scaling, 1e-3, &opts));
        for (row, &class) in rows.iter().zip(&y) {
            let p = softmax(&a, &[], &row.words);
            assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
            assert!(p[class] > 0.9, "{p:?}");
        }
    }

    #[test]
    fn the_scoring_model_gives_the_files_log_odds_exactly() {
        let model = LinearModel {
            bias: -0.3,
            dense: vec![0.25, -1.5, 0.125],
            words: [(7, 0.5), (9, -0.75), (u32::MAX, 1.25)]
                .into_iter()
                .collect(),
        };
        let scoring = ScoringModel::from(&model);
        for (dense, words) in [
            (vec![1.0, 2.0, -3.0], vec![7, 9, 11]),
            (vec![0.1, 0.2, 0.3], vec![u32::MAX, 7]),
            (vec![0.0; 3], vec![]),
        ] {
            let (a, b) = (model.logit(&dense, &words), scoring.logit(&dense, &words));
            assert_eq!(a.to_bits(), b.to_bits(), "{a} {b}");
        }
    }

    #[test]
    fn threshold_cuts_between_distinct_scores() {
        let (f1, t) = best_threshold(&[0.9, 0.8, 0.3, 0.1], &[true, true, false, false]);
        assert_eq!(f1, 1.0);
        assert!((t - 0.55).abs() < 1e-6);
        let (f1, t) = best_threshold(&[0.2, 0.1], &[false, false]);
        assert_eq!((f1, t), (0.0, 1.0));
    }

    #[test]
    fn pseudo_labelled_rows_are_fitted_on_but_never_scored() {
        // Hand-labelled rows separable on the first feature; pseudo-labelled
        // rows that no threshold can get right (the same features, both
        // labels). Scored, they would pull the inner F1 below 1.
        let mut rows = Vec::new();
        let mut labels = Vec::new();
        for i in 0..40 {
            rows.push(FeatureRow {
                dense: vec![if i % 2 == 1 { 1.0 } else { -1.0 }, 0.0],
                words: Vec::new(),
            });
            labels.push([i % 2 == 1]);
        }
        for i in 0..40 {
            rows.push(FeatureRow {
                dense: vec![0.0, 1.0],
                words: Vec::new(),
            });
            labels.push([i % 2 == 0]);
        }
        let refs: Vec<&FeatureRow> = rows.iter().collect();
        let scaling = Scaling::fit(&refs);
        let examples = |pseudo: bool| -> Vec<Example<'_>> {
            (rows.iter().zip(&labels).enumerate())
                .map(|(i, (row, l))| Example {
                    doc: i / 4,
                    row,
                    labels: l,
                    pseudo: pseudo && i >= 40,
                })
                .collect()
        };
        let opts = TrainOptions::default();
        let with_pseudo = fit_label(&examples(true), &scaling, 0, &opts);
        assert_eq!(with_pseudo.inner_f1, 1.0);
        assert!(fit_label(&examples(false), &scaling, 0, &opts).inner_f1 < 1.0);
        // Fitted on: the pseudo rows' feature carries weight.
        let hand_only = fit_label(&examples(true)[..40], &scaling, 0, &opts);
        assert_ne!(with_pseudo.model.dense[1], hand_only.model.dense[1]);
    }

    #[test]
    fn the_pseudo_label_weight_is_chosen_on_the_hand_labels() {
        // 40 hand-labelled rows separable on the one feature, and 10
        // pseudo-labelled rows on the same feature whose labels agree with
        // them or contradict them.
        let rows: Vec<FeatureRow> = (0..50)
            .map(|i| FeatureRow {
                dense: vec![if i % 2 == 1 { 1.0 } else { -1.0 }],
                words: Vec::new(),
            })
            .collect();
        let refs: Vec<&FeatureRow> = rows.iter().collect();
        let scaling = Scaling::fit(&refs);
        let fit_with = |agree: bool, pseudo: bool, grid: &[f32]| {
            let labels: Vec<[bool; 1]> = (0..50)
                .map(|i| [(i % 2 == 1) == (agree || i < 40)])
                .collect();
            let examples: Vec<Example<'_>> = (rows.iter().zip(&labels).enumerate())
                .map(|(i, (row, l))| Example {
                    doc: i / 4,
                    row,
                    labels: l,
                    pseudo: pseudo && i >= 40,
                })
                .collect();
            let opts = TrainOptions {
                pseudo_weights: grid.to_vec(),
                ..TrainOptions::default()
            };
            fit_label(&examples, &scaling, 0, &opts)
        };
        // Weighed 4 times, contradicting rows outweigh the 30 hand-labelled
        // rows of an inner fold's training part: the light weight wins.
        let contradicting = fit_with(false, true, &[0.25, 4.0]);
        assert_eq!(contradicting.pseudo_weight, Some(0.25));
        assert_eq!(contradicting.inner_f1, 1.0);
        // Agreeing rows do no harm at either weight: the tie goes to the
        // heavier one, whatever order the grid is given in.
        assert_eq!(fit_with(true, true, &[0.25, 4.0]).pseudo_weight, Some(4.0));
        assert_eq!(
            fit_with(true, true, &[4.0, 0.25, 4.0]).pseudo_weight,
            Some(4.0)
        );
        // Hand labels alone: no weight to choose.
        assert_eq!(fit_with(true, false, &[0.25, 4.0]).pseudo_weight, None);
    }

    #[test]
    fn fits_a_separable_label_deterministically() {
        let rows: Vec<FeatureRow> = (0..40)
            .map(|i| FeatureRow {
                dense: vec![(i % 2) as f32, (i % 3) as f32],
                words: if i % 2 == 1 { vec![7] } else { vec![9] },
            })
            .collect();
        let labels: Vec<[bool; 1]> = (0..40).map(|i| [i % 2 == 1]).collect();
        let examples: Vec<Example<'_>> = rows
            .iter()
            .zip(&labels)
            .enumerate()
            .map(|(i, (row, l))| Example {
                doc: i / 4,
                row,
                labels: l,
                pseudo: false,
            })
            .collect();
        let refs: Vec<&FeatureRow> = rows.iter().collect();
        let scaling = Scaling::fit(&refs);
        let opts = TrainOptions::default();
        let a = fit_label(&examples, &scaling, 0, &opts);
        let b = fit_label(&examples, &scaling, 0, &opts);
        assert_eq!(a, b);
        assert_eq!(a.inner_f1, 1.0);
        for (row, l) in rows.iter().zip(&labels) {
            assert_eq!(score(&a.model, &scaling, row) >= a.threshold, l[0]);
        }
    }
}
