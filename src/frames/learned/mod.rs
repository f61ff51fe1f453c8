//! The learned frame classifier: trained per frame set from hand-labelled
//! documents (`newstag train-frames`), it scores each sentence with one
//! logistic regression per label over [`features`] that carry meaning
//! beyond keywords (static sentence vectors, the neighbouring sentences,
//! cue hits with their negation, the actors and places in the sentence,
//! hashed word stems). The model is a JSON file next to the frame set
//! (`deployment.toml` → `deployment.classifier.json`) that records its
//! training data by SHA-256; the embedded engine uses it when present.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::document::Tokenized;
use crate::error::{Error, Result};
use crate::frames::embedded::SentenceAnalysis;
use crate::frames::vectors::dot;
use crate::frames::{choose_target, Evidence, EvidenceKind, Frame, FrameClassifier, FrameSet};
use crate::logistic as train;
use crate::models::{ComponentInfo, ModelFile};
use crate::resolve::Entity;
use crate::text::Span;

pub mod features;

pub use crate::logistic::{LinearModel, Scaling, TrainOptions};
pub use features::{Featurizer, SentenceRow};

/// Format tag written into every classifier file.
pub const FORMAT: &str = "newstag-frame-classifier/1";
/// How many nearest training sentences a selected frame lists.
const NEAREST: usize = 2;
/// How many of the strongest features a selected frame lists.
const TOP_FEATURES: usize = 3;
/// Longest training-sentence excerpt kept for evidence, in characters.
const EXCERPT_CHARS: usize = 160;

/// The classifier file that belongs to the frame set at `set_path`.
pub fn classifier_path(set_path: &Path) -> PathBuf {
    set_path.with_extension("classifier.json")
}

/// A trained classifier as stored on disk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassifierFile {
    /// File format and version, [`FORMAT`]; another is refused at load.
    pub format: String,
    /// Name of the frame set it was trained for.
    pub frame_set: String,
    /// The frame set's labels, in the set's order.
    pub labels: Vec<String>,
    /// Length of a dense feature row (checks the features still match).
    pub dense_len: usize,
    /// Centring and scaling of the dense features, fitted on the training
    /// rows.
    pub scaling: Scaling,
    /// Per label, in `labels` order.
    pub models: Vec<LabelModel>,
    /// Labelled training sentences, for evidence.
    pub exemplars: Vec<Exemplar>,
    /// What it was trained on, and how.
    pub training: Provenance,
}

/// One label's fitted model and decision threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelModel {
    /// The frame label.
    pub label: String,
    /// Probability at which a sentence is selected for the label, chosen
    /// by the inner cross-validation.
    pub threshold: f32,
    /// Regularisation chosen by the inner cross-validation.
    pub l2: f32,
    /// Sentence-level F1 of the inner cross-validation at `threshold`.
    pub inner_f1: f32,
    /// Positive training sentences.
    pub positives: usize,
    /// Weight of a pseudo-labelled sentence, chosen by the inner
    /// cross-validation; absent when training had none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pseudo_weight: Option<f32>,
    /// The fitted weights.
    pub model: LinearModel,
}

/// A positive training sentence: its labels, where it comes from, an
/// excerpt and its static vector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exemplar {
    /// The labels the gold gives it.
    pub labels: Vec<String>,
    /// `document-id#sentence`.
    pub document: String,
    /// The sentence, cut to `EXCERPT_CHARS` (160) characters.
    pub text: String,
    /// Its static vector, rounded to 4 decimals.
    pub vector: Vec<f32>,
}

/// What a classifier was trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// Gold files, with their SHA-256.
    pub files: Vec<ModelFile>,
    /// Pseudo-labelled files (`train-frames --pseudo`), with their SHA-256;
    /// absent when there were none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pseudo_files: Vec<ModelFile>,
    /// Training documents.
    pub documents: usize,
    /// Training sentences.
    pub sentences: usize,
    /// The training settings.
    pub options: TrainOptions,
    /// newstag version that trained it.
    pub newstag: String,
}

impl ClassifierFile {
    /// Each label with whether it is selected for a raw feature row, scored
    /// by `scorer` (this file's [`RowScorer`]).
    pub fn predict(&self, scorer: &RowScorer, row: &SentenceRow) -> Vec<(&str, bool)> {
        scorer
            .probabilities(&self.scaling.scale(&row.dense), &row.words)
            .into_iter()
            .zip(&self.models)
            .map(|(p, m)| (m.label.as_str(), p >= m.threshold))
            .collect()
    }

    /// Reads a classifier file and checks it belongs to `set` (same labels,
    /// in order) and to `featurizer`'s features; errors name both files.
    pub fn load(path: &Path, set: &FrameSet, set_path: &Path, dense_len: usize) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let file: ClassifierFile = serde_json::from_str(&text).map_err(|e| Error::Model {
            path: path.to_path_buf(),
            message: format!("not a frame classifier: {e}"),
        })?;
        let mismatch = |message: String| Error::Model {
            path: path.to_path_buf(),
            message: format!(
                "{message}; retrain it with `newstag train-frames --frames {}`",
                set_path.display()
            ),
        };
        if file.format != FORMAT {
            return Err(mismatch(format!(
                "format {:?}, expected {FORMAT:?}",
                file.format
            )));
        }
        let labels: Vec<String> = set.label_names().map(str::to_string).collect();
        if file.labels != labels {
            return Err(mismatch(format!(
                "trained for labels {:?} but the frame set {} has {:?}",
                file.labels,
                set_path.display(),
                labels
            )));
        }
        if file.dense_len != dense_len || file.scaling.mean.len() != dense_len {
            return Err(mismatch(format!(
                "trained on {} dense features but the frame set {} and the static model give {dense_len}",
                file.dense_len,
                set_path.display()
            )));
        }
        Ok(file)
    }
}

/// A classifier's label models ready to score many rows: the file's
/// models with their word weights hashed ([`train::ScoringModel`]), built
/// once per classifier, not per row.
#[derive(Debug, Clone)]
pub struct RowScorer {
    models: Vec<train::ScoringModel>,
}

impl RowScorer {
    /// The scorer of `file`'s label models.
    pub fn new(file: &ClassifierFile) -> Self {
        Self {
            models: (file.models.iter())
                .map(|m| train::ScoringModel::from(&m.model))
                .collect(),
        }
    }

    /// Each label's probability (in the file's order) for a row whose
    /// dense part is already scaled.
    pub fn probabilities(&self, dense: &[f32], words: &[u32]) -> Vec<f32> {
        (self.models.iter())
            .map(|m| train::sigmoid(m.logit(dense, words)))
            .collect()
    }

    /// Label number `label`'s weight of word feature `id`, if it has one.
    pub fn word_weight(&self, label: usize, id: u32) -> Option<f32> {
        self.models[label].word(id)
    }
}

/// Frame classifier over a trained [`ClassifierFile`].
#[derive(Debug)]
pub struct LearnedFramer {
    featurizer: Featurizer,
    classifier: ClassifierFile,
    dense_names: Vec<String>,
    files: Vec<ModelFile>,
    /// Per label (in the classifier's order), its exemplars' indices and
    /// vectors, so that the evidence search reads only those, from one
    /// block of memory.
    exemplars_of: Vec<ExemplarIndex>,
    /// The classifier's models, ready to score rows.
    scorer: RowScorer,
}

/// The exemplars of one label: their indices in the classifier file (in
/// file order) and their vectors, row after row.
#[derive(Debug)]
struct ExemplarIndex {
    members: Vec<usize>,
    vectors: Vec<f32>,
}

impl ExemplarIndex {
    fn new(exemplars: &[Exemplar], label: &str) -> Self {
        let members: Vec<usize> = (exemplars.iter().enumerate())
            .filter(|(_, e)| e.labels.iter().any(|l| l == label))
            .map(|(i, _)| i)
            .collect();
        let vectors = members
            .iter()
            .flat_map(|&i| exemplars[i].vector.iter().copied())
            .collect();
        Self { members, vectors }
    }
}

impl LearnedFramer {
    /// The classifier at `path` over `featurizer`'s frame set (read from
    /// `set_path`).
    pub fn load(featurizer: Featurizer, path: &Path, set_path: &Path) -> Result<Self> {
        let classifier = ClassifierFile::load(
            path,
            featurizer.frame_set(),
            set_path,
            featurizer.dense_len(),
        )?;
        Ok(Self::new(
            featurizer,
            classifier,
            vec![ModelFile::hash(path)?],
        ))
    }

    /// A classifier from memory (cross-validation trains one per fold).
    pub fn new(featurizer: Featurizer, classifier: ClassifierFile, files: Vec<ModelFile>) -> Self {
        let dense_names = featurizer.dense_names();
        let mut files = files;
        files.extend(featurizer.vectors().files().iter().cloned());
        let exemplars_of = (classifier.labels.iter())
            .map(|label| ExemplarIndex::new(&classifier.exemplars, label))
            .collect();
        let scorer = RowScorer::new(&classifier);
        Self {
            featurizer,
            classifier,
            dense_names,
            files,
            exemplars_of,
            scorer,
        }
    }

    /// The trained classifier.
    pub fn classifier(&self) -> &ClassifierFile {
        &self.classifier
    }

    /// Frames of a document whose features are already computed.
    pub fn frames_from(
        &self,
        doc: &Tokenized<'_>,
        entities: &[Entity],
        analyses: Vec<SentenceAnalysis>,
        rows: &[SentenceRow],
    ) -> Vec<Frame> {
        let labels = self.featurizer.frame_set().labels.len();
        let scored: Vec<(Vec<f32>, Vec<f32>)> = rows
            .iter()
            .map(|row| {
                let dense = self.classifier.scaling.scale(&row.dense);
                let probabilities = self.scorer.probabilities(&dense, &row.words);
                (dense, probabilities)
            })
            .collect();
        let selected =
            |s: usize, label: usize| scored[s].1[label] >= self.classifier.models[label].threshold;
        // The nearest training sentences of every selected frame, label by
        // label: one pass over a label's exemplars serves the whole document.
        let mut nearest: Vec<Vec<Option<Vec<Evidence>>>> = (0..labels)
            .map(|label| {
                let (sentences, queries): (Vec<usize>, Vec<&[f32]>) = (0..rows.len())
                    .filter(|&s| selected(s, label))
                    .filter_map(|s| analyses[s].vector.as_deref().map(|v| (s, v)))
                    .unzip();
                let mut of_label = vec![None; rows.len()];
                for (s, evidence) in sentences.into_iter().zip(self.nearest(label, &queries)) {
                    of_label[s] = Some(evidence);
                }
                of_label
            })
            .collect();
        let mut frames = Vec::with_capacity(rows.len() * labels);
        for (s, analysis) in analyses.into_iter().enumerate() {
            let (dense, probabilities) = &scored[s];
            let negated = features::negated_spans(&analysis);
            for (label, scores) in analysis.labels.into_iter().enumerate() {
                let lm = &self.classifier.models[label];
                let score = probabilities[label];
                let selected = selected(s, label);
                let mut evidence = scores.evidence;
                // Keep the cue evidence; the static prototypes are features
                // here, the weights below say what decided.
                evidence.retain(|e| e.span.is_some());
                if selected {
                    evidence.extend(self.top_features(doc, s, &negated, label, dense));
                    evidence.extend(nearest[label][s].take().unwrap_or_default());
                }
                frames.push(Frame {
                    span: doc.sentences[s].span,
                    sentence: s,
                    label: lm.label.clone(),
                    score,
                    selected,
                    evidence,
                    target: choose_target(doc, entities, s, scores.anchor),
                });
            }
        }
        frames
    }

    /// The features that pushed label number `label`'s log-odds up most in
    /// sentence `s` (dense features by name, words as `w:stem` / `b:stem
    /// stem`).
    fn top_features(
        &self,
        doc: &Tokenized<'_>,
        s: usize,
        negated: &[Span],
        label: usize,
        dense: &[f32],
    ) -> Vec<Evidence> {
        let model = &self.classifier.models[label].model;
        let mut contributions: Vec<(f32, String)> = Vec::new();
        let (mut vector, mut neighbours) = (0f32, 0f32);
        let dim = self.featurizer.vectors().dim();
        for (i, (w, x)) in model.dense.iter().zip(dense).enumerate() {
            match i {
                _ if i < dim => vector += w * x,
                _ if i < 2 * dim => neighbours += w * x,
                _ => contributions.push((w * x, self.dense_names[i].clone())),
            }
        }
        contributions.push((vector, "sentence vector".to_string()));
        contributions.push((neighbours, "neighbouring sentences".to_string()));
        features::each_word_feature(doc, s, negated, |id, name| {
            if let Some(w) = self.scorer.word_weight(label, id) {
                contributions.push((w, name()));
            }
        });
        contributions.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        contributions.dedup_by(|a, b| a.1 == b.1);
        contributions
            .into_iter()
            .filter(|(c, _)| *c > 0.0)
            .take(TOP_FEATURES)
            .map(|(c, name)| Evidence {
                kind: EvidenceKind::Feature,
                text: name,
                span: None,
                score: Some(c),
                negated_by: None,
                document: None,
            })
            .collect()
    }

    /// For each query vector, the training sentences of label number
    /// `label` nearest to it: the best [`NEAREST`], most similar first, ties
    /// by document. One pass over the label's exemplars serves every query
    /// (this runs for every document, over every training sentence of each
    /// selected label), each query keeping its best as it goes.
    fn nearest(&self, label: usize, queries: &[&[f32]]) -> Vec<Vec<Evidence>> {
        let exemplars = &self.classifier.exemplars;
        let index = &self.exemplars_of[label];
        let before = |a: &(f32, &Exemplar), b: &(f32, &Exemplar)| {
            b.0.total_cmp(&a.0)
                .then_with(|| a.1.document.cmp(&b.1.document))
        };
        let mut near: Vec<Vec<(f32, &Exemplar)>> =
            vec![Vec::with_capacity(NEAREST + 1); queries.len()];
        let dim = self.featurizer.vectors().dim();
        for (&i, row) in index.members.iter().zip(index.vectors.chunks_exact(dim)) {
            let e = &exemplars[i];
            for (query, near) in queries.iter().zip(&mut near) {
                let candidate = (dot(row, query), e);
                let at = near.partition_point(|kept| before(kept, &candidate).is_le());
                if at < NEAREST {
                    near.insert(at, candidate);
                    near.truncate(NEAREST);
                }
            }
        }
        near.into_iter()
            .map(|near| {
                near.into_iter()
                    .map(|(sim, e)| Evidence {
                        kind: EvidenceKind::Training,
                        text: e.text.clone(),
                        span: None,
                        score: Some(sim),
                        negated_by: None,
                        document: Some(e.document.clone()),
                    })
                    .collect()
            })
            .collect()
    }
}

impl FrameClassifier for LearnedFramer {
    fn classify(
        &self,
        doc: &Tokenized<'_>,
        entities: &[Entity],
        _notes: &mut Vec<String>,
    ) -> Result<Vec<Frame>> {
        let (analyses, rows) = self.featurizer.features(doc, entities);
        Ok(self.frames_from(doc, entities, analyses, &rows))
    }

    fn info(&self) -> ComponentInfo {
        ComponentInfo::with_files(
            format!("frames-learned:{}", self.featurizer.frame_set().name),
            self.files.clone(),
        )
    }
}

/// A labelled document ready for training: its id, its sentences' texts,
/// feature rows and vectors, and per sentence and label whether the gold
/// marks it.
#[derive(Debug, Clone)]
pub struct LabelledDoc {
    /// The document id.
    pub id: String,
    /// Its sentences' texts.
    pub sentences: Vec<String>,
    /// Per sentence, its feature row.
    pub rows: Vec<SentenceRow>,
    /// Per sentence, its static vector (`None` when no word of it has one).
    pub vectors: Vec<Option<Vec<f32>>>,
    /// Per sentence and label (in the frame set's order), whether the gold
    /// frames it.
    pub labels: Vec<Vec<bool>>,
    /// Labelled by a teacher model, not by hand (`train-frames --pseudo`).
    pub pseudo: bool,
}

/// Trains a classifier for `set` on `docs`. Errors when a label has fewer
/// positive sentences than `opts.min_positives`, naming it and its count.
pub fn train(
    set: &FrameSet,
    dense_len: usize,
    docs: &[&LabelledDoc],
    opts: &TrainOptions,
    files: Vec<ModelFile>,
    pseudo_files: Vec<ModelFile>,
) -> Result<ClassifierFile> {
    let labels: Vec<String> = set.label_names().map(str::to_string).collect();
    let examples = examples(docs);
    check_positives(&labels, &examples, opts)?;
    let rows: Vec<&SentenceRow> = examples.iter().map(|e| e.row).collect();
    let scaling = Scaling::fit(&rows);
    let models = fit_models(&labels, &examples, &scaling, opts);
    Ok(ClassifierFile {
        format: FORMAT.to_string(),
        frame_set: set.name.clone(),
        exemplars: exemplars(&labels, docs),
        labels,
        dense_len,
        scaling,
        models,
        training: Provenance {
            files,
            pseudo_files,
            documents: docs.len(),
            sentences: examples.len(),
            options: opts.clone(),
            newstag: env!("CARGO_PKG_VERSION").to_string(),
        },
    })
}

/// Every sentence of `docs` as a training example, numbered by document
/// (the inner folds split by document).
fn examples<'a>(docs: &[&'a LabelledDoc]) -> Vec<train::Example<'a>> {
    let mut examples = Vec::new();
    for (d, doc) in docs.iter().enumerate() {
        for (row, l) in doc.rows.iter().zip(&doc.labels) {
            examples.push(train::Example {
                doc: d,
                row,
                labels: l,
                pseudo: doc.pseudo,
            });
        }
    }
    examples
}

/// Refuses a label with fewer framed sentences than `opts.min_positives`:
/// its classifier would only learn noise.
fn check_positives(
    labels: &[String],
    examples: &[train::Example<'_>],
    opts: &TrainOptions,
) -> Result<()> {
    for (i, label) in labels.iter().enumerate() {
        let count = examples.iter().filter(|e| e.labels[i]).count();
        if count < opts.min_positives {
            return Err(Error::NotEnoughData {
                what: "train-frames".to_string(),
                message: format!(
                    "label {label:?} has {count} framed sentences in the training data; at least {} \
                     are needed (--min-positives)",
                    opts.min_positives
                ),
            });
        }
    }
    Ok(())
}

/// One fitted model per label, its regularisation and threshold chosen by
/// the inner folds ([`train::fit_label`]).
fn fit_models(
    labels: &[String],
    examples: &[train::Example<'_>],
    scaling: &Scaling,
    opts: &TrainOptions,
) -> Vec<LabelModel> {
    labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let fit = train::fit_label(examples, scaling, i, opts);
            LabelModel {
                label: label.clone(),
                threshold: fit.threshold,
                l2: fit.l2,
                inner_f1: fit.inner_f1,
                positives: examples.iter().filter(|e| e.labels[i]).count(),
                pseudo_weight: fit.pseudo_weight,
                model: fit.model,
            }
        })
        .collect()
}

/// The framed training sentences that have a vector, kept as evidence for
/// the frames the classifier assigns (the nearest of them to a sentence).
fn exemplars(labels: &[String], docs: &[&LabelledDoc]) -> Vec<Exemplar> {
    let mut exemplars = Vec::new();
    for doc in docs.iter().filter(|d| !d.pseudo) {
        for (s, l) in doc.labels.iter().enumerate() {
            let (Some(vector), true) = (&doc.vectors[s], l.iter().any(|&x| x)) else {
                continue;
            };
            exemplars.push(Exemplar {
                labels: labels
                    .iter()
                    .zip(l)
                    .filter(|(_, &x)| x)
                    .map(|(n, _)| n.clone())
                    .collect(),
                document: format!("{}#{s}", doc.id),
                text: excerpt(&doc.sentences[s]),
                vector: vector.iter().map(|x| (x * 1e4).round() / 1e4).collect(),
            });
        }
    }
    exemplars
}

/// The sentence cut to [`EXCERPT_CHARS`] characters, with an ellipsis.
fn excerpt(sentence: &str) -> String {
    let sentence = sentence.trim();
    match sentence.char_indices().nth(EXCERPT_CHARS) {
        Some((i, _)) => format!("{}…", &sentence[..i]),
        None => sentence.to_string(),
    }
}
