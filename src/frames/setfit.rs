//! The transformer engine's learned frame classifier (`--frame-method
//! setfit`, feature `transformers`): a sentence encoder fine-tuned on
//! labelled documents SetFit-style, and one logistic-regression head per
//! label over its unit sentence vectors, both written by
//! `scripts/train-setfit.py` into one directory. A frame's evidence is its
//! cue hits and the labelled training sentences nearest to it, so an
//! analyst sees which training examples the decision resembles.

use std::path::{Path, PathBuf};

use ndarray::{Array1, Array2, ArrayView1, Axis};
use serde::Deserialize;

use crate::document::Tokenized;
use crate::error::{Error, Result};
use crate::frames::cues::{cue_evidence, CueHit, MatchText};
use crate::frames::scored::ScoredSet;
use crate::frames::{Evidence, EvidenceKind, Frame, FrameClassifier, FrameMethod, FrameSet};
use crate::models::{ComponentInfo, ModelFile};
use crate::resolve::Entity;
use crate::transformer::SentenceEmbedder;

/// File of the heads, next to the fine-tuned encoder.
pub const HEAD_FILE: &str = "setfit-head.json";
/// Value of the head file's `format` field.
pub const HEAD_FORMAT: &str = "newstag-setfit-head/1";
/// Directory under `models/hf/` searched when `--setfit-model` is not given.
pub const DEFAULT_SETFIT_DIR: &str = "setfit-deployment";
/// How many nearest training sentences a frame lists as evidence.
pub const NEIGHBOURS: usize = 3;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HeadFile {
    format: String,
    labels: Vec<LabelHead>,
    /// Pieces of the previous sentence the encoder reads before each
    /// sentence (`train-setfit.py --context-pieces`); 0: the sentence alone.
    #[serde(default)]
    context_pieces: usize,
    #[serde(default)]
    neighbours: Vec<Neighbour>,
    /// Training files, their SHA-256, counts and options; kept for people.
    #[serde(default)]
    #[allow(dead_code)]
    provenance: serde_json::Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LabelHead {
    name: String,
    weights: Vec<f32>,
    bias: f32,
    threshold: f32,
}

/// A labelled training sentence, kept for evidence.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Neighbour {
    /// Document id and sentence number (`id#3`).
    pub document: String,
    /// The sentence, as evidence shows it.
    pub text: String,
    /// The labels the sentence carries.
    pub labels: Vec<String>,
    /// Its unit vector under the fine-tuned encoder.
    pub vector: Vec<f32>,
}

/// The trained heads: `p = sigmoid(w · x + b)` per label over unit sentence
/// vectors `x`, a threshold per label, and the labelled training sentences.
#[derive(Debug, Clone)]
pub struct SetfitHead {
    path: PathBuf,
    labels: Vec<String>,
    /// `[labels, dim]`.
    weights: Array2<f32>,
    bias: Array1<f32>,
    thresholds: Vec<f32>,
    /// Pieces of the previous sentence read before each sentence (0: none).
    context_pieces: usize,
    neighbours: Vec<Neighbour>,
    /// The neighbours' vectors, `[neighbours, dim]`.
    neighbour_vectors: Array2<f32>,
}

impl SetfitHead {
    /// Reads `dir/setfit-head.json`; errors name the file, line and field.
    pub fn load(dir: &Path) -> Result<Self> {
        let path = crate::models::require(
            dir,
            HEAD_FILE,
            &format!(
                "train one with `scripts/train-setfit.py --corpus FILE.jsonl --out {}` (see README, \"Transformer engine\")",
                dir.display()
            ),
        )?;
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let mut de = serde_json::Deserializer::from_str(&text);
        let file: HeadFile = serde_path_to_error::deserialize(&mut de).map_err(|err| {
            let field = err.path().to_string();
            let inner = err.into_inner();
            Error::record(&path, inner.line(), field, inner.to_string())
        })?;
        let bad = |field: String, message: String| Error::record(&path, 1, field, message);
        if file.format != HEAD_FORMAT {
            return Err(bad(
                "format".into(),
                format!("expected {HEAD_FORMAT:?}, found {:?}", file.format),
            ));
        }
        let Some(first) = file.labels.first() else {
            return Err(bad("labels".into(), "no label".into()));
        };
        let dim = first.weights.len();
        let mut weights = Vec::with_capacity(file.labels.len() * dim);
        for (i, label) in file.labels.iter().enumerate() {
            if label.weights.len() != dim || dim == 0 {
                return Err(bad(
                    format!("labels[{i}].weights"),
                    format!("{} weights, expected {dim} (> 0)", label.weights.len()),
                ));
            }
            if !(0.0..=1.0).contains(&label.threshold) {
                return Err(bad(
                    format!("labels[{i}].threshold"),
                    format!("{} is outside [0, 1]", label.threshold),
                ));
            }
            weights.extend_from_slice(&label.weights);
        }
        let mut vectors = Vec::with_capacity(file.neighbours.len() * dim);
        for (i, n) in file.neighbours.iter().enumerate() {
            if n.vector.len() != dim {
                return Err(bad(
                    format!("neighbours[{i}].vector"),
                    format!("{} values, expected {dim}", n.vector.len()),
                ));
            }
            vectors.extend_from_slice(&n.vector);
        }
        let rows = file.labels.len();
        Ok(Self {
            labels: file.labels.iter().map(|l| l.name.clone()).collect(),
            weights: Array2::from_shape_vec((rows, dim), weights).expect("checked shape"),
            bias: file.labels.iter().map(|l| l.bias).collect(),
            thresholds: file.labels.iter().map(|l| l.threshold).collect(),
            context_pieces: file.context_pieces,
            neighbour_vectors: Array2::from_shape_vec((file.neighbours.len(), dim), vectors)
                .expect("checked shape"),
            neighbours: file.neighbours,
            path,
        })
    }

    /// The head file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Label names, in the file's order.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Width of the vectors the heads expect.
    pub fn dim(&self) -> usize {
        self.weights.ncols()
    }

    /// Pieces of the previous sentence the encoder reads before each
    /// sentence (0: the sentence alone).
    pub fn context_pieces(&self) -> usize {
        self.context_pieces
    }

    /// The threshold trained for label `index` (file order).
    pub fn threshold(&self, index: usize) -> f32 {
        self.thresholds[index]
    }

    /// Probabilities `[sentences, labels]` (file order) of unit vectors
    /// `[sentences, dim]`.
    pub fn scores(&self, vectors: &Array2<f32>) -> Array2<f32> {
        let mut logits = vectors.dot(&self.weights.t());
        logits += &self.bias;
        logits.mapv_inplace(|z| 1.0 / (1.0 + (-z).exp()));
        logits
    }

    /// Up to `k` training sentences that carry `label`, nearest to `vector`
    /// first, with their cosine similarity.
    pub fn nearest(
        &self,
        vector: ArrayView1<'_, f32>,
        label: &str,
        k: usize,
    ) -> Vec<(&Neighbour, f32)> {
        let similarities = self.neighbour_vectors.dot(&vector);
        let mut found: Vec<(&Neighbour, f32)> = self
            .neighbours
            .iter()
            .zip(similarities.iter().copied())
            .filter(|(n, _)| n.labels.iter().any(|l| l == label))
            .collect();
        found.sort_by(|a, b| b.1.total_cmp(&a.1));
        found.truncate(k);
        found
    }
}

/// One fine-tuned encoder with its heads, and per label of the frame set its
/// row in the heads.
struct Member {
    model: SentenceEmbedder,
    head: SetfitHead,
    rows: Vec<usize>,
}

impl Member {
    /// Pairs the frame set's labels with the head's. Refused, naming the
    /// head file and `set_source`, when the set has a label the head was
    /// not trained for or the encoder's width differs from the head's.
    fn new(
        model: SentenceEmbedder,
        head: SetfitHead,
        set: &FrameSet,
        set_source: &str,
    ) -> Result<Self> {
        let mismatch = |message: String| Error::ClassifierMismatch {
            classifier: head.path.clone(),
            frame_set: set_source.to_string(),
            message,
        };
        let rows = set
            .labels
            .iter()
            .map(|def| {
                head.labels.iter().position(|l| *l == def.name).ok_or_else(|| {
                    mismatch(format!(
                        "no head for label {:?} (the head has {:?}); train one with scripts/train-setfit.py",
                        def.name, head.labels
                    ))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        if model.dim() != head.dim() {
            return Err(mismatch(format!(
                "the encoder gives {}-dimensional vectors, the head expects {}",
                model.dim(),
                head.dim()
            )));
        }
        Ok(Self { model, head, rows })
    }

    /// Unit vectors of consecutive sentences, each read as the head was
    /// trained: alone, or after the previous sentence's last pieces.
    fn vectors(&self, texts: &[&str]) -> Result<Array2<f32>> {
        let rows = if self.head.context_pieces == 0 {
            self.model.embed(texts)?
        } else {
            let pairs: Vec<(&str, &str)> = texts
                .iter()
                .enumerate()
                .map(|(i, text)| (if i == 0 { "" } else { texts[i - 1] }, *text))
                .collect();
            self.model
                .embed_in_context(&pairs, self.head.context_pieces)?
        };
        let flat: Vec<f32> = rows.into_iter().flatten().collect();
        Ok(Array2::from_shape_vec((texts.len(), self.head.dim()), flat).expect("embedder width"))
    }
}

/// Frames from one fine-tuned encoder and its heads, or from several
/// (`--setfit-model` given more than once, e.g. encoders fine-tuned with
/// other learning rates or seeds): a label's score is then the members'
/// mean probability, and its trained threshold the mean of theirs, each
/// chosen on its own training documents (as `scripts/distil-frames.py label
/// --teacher A B` computes it). Evidence lists the first member's nearest
/// training sentences.
pub struct SetfitFramer {
    scored: ScoredSet,
    members: Vec<Member>,
    info: ComponentInfo,
}

impl SetfitFramer {
    /// A framer of one encoder and its head; see [`SetfitFramer::ensemble`].
    pub fn new(
        set: FrameSet,
        set_source: &str,
        model: SentenceEmbedder,
        head: SetfitHead,
    ) -> Result<Self> {
        Self::ensemble(set, set_source, vec![(model, head)])
    }

    /// Pairs the frame set's labels with each member's heads. Refused,
    /// naming the head file and `set_source` (where the set came from), when
    /// the set has a label a head was not trained for or an encoder's width
    /// differs from its head's. A label's threshold is the frame set's
    /// `thresholds.setfit` when it gives one, else the mean of the members'
    /// trained ones.
    ///
    /// # Panics
    /// When `members` is empty.
    pub fn ensemble(
        set: FrameSet,
        set_source: &str,
        members: Vec<(SentenceEmbedder, SetfitHead)>,
    ) -> Result<Self> {
        assert!(!members.is_empty(), "a setfit framer needs an encoder");
        let members = members
            .into_iter()
            .map(|(model, head)| Member::new(model, head, &set, set_source))
            .collect::<Result<Vec<_>>>()?;
        let mut scored = ScoredSet::new(set, FrameMethod::Setfit)?;
        let key = FrameMethod::Setfit;
        for label in 0..scored.set.labels.len() {
            let trained = members
                .iter()
                .map(|m| m.head.thresholds[m.rows[label]])
                .sum::<f32>()
                / members.len() as f32;
            let def = &scored.set.labels[label];
            scored.thresholds[label] = def
                .thresholds
                .get(&key)
                .or_else(|| scored.set.thresholds.get(&key))
                .copied()
                .unwrap_or(trained);
        }
        // Each encoder's files, then its head.
        let mut files = Vec::new();
        for member in &members {
            files.extend(member.model.info().files);
            files.push(ModelFile::hash(&member.head.path)?);
        }
        let info = ComponentInfo::with_files(members[0].model.info().name, files);
        Ok(Self {
            scored,
            members,
            info,
        })
    }

    /// The threshold of each label, in frame set order.
    pub fn thresholds(&self) -> &[f32] {
        &self.scored.thresholds
    }

    /// Probabilities `[sentences, labels]` (frame set order) of consecutive
    /// sentences (a head trained with context reads each after the one
    /// before it), averaged over the members.
    pub fn score_texts(&self, texts: &[&str]) -> Result<Array2<f32>> {
        Ok(self.scores_and_vectors(texts)?.0)
    }

    /// The members' mean probabilities `[sentences, labels]` (frame set
    /// order), and the first member's sentence vectors, for evidence.
    fn scores_and_vectors(&self, texts: &[&str]) -> Result<(Array2<f32>, Array2<f32>)> {
        let mut mean = Array2::<f32>::zeros((texts.len(), self.scored.set.labels.len()));
        let mut first = None;
        for member in &self.members {
            let vectors = member.vectors(texts)?;
            mean += &member.head.scores(&vectors).select(Axis(1), &member.rows);
            first.get_or_insert(vectors);
        }
        mean /= self.members.len() as f32;
        Ok((mean, first.expect("at least one member")))
    }
}

impl FrameClassifier for SetfitFramer {
    fn classify(
        &self,
        doc: &Tokenized<'_>,
        entities: &[Entity],
        _notes: &mut Vec<String>,
    ) -> Result<Vec<Frame>> {
        let texts = doc.sentence_texts();
        let (scores, vectors) = self.scores_and_vectors(&texts)?;
        let evidence_head = &self.members[0].head;
        let hits = self.scored.cues.find(doc, &mut MatchText::default());
        let labels = &self.scored.set.labels;
        let rows = (0..texts.len())
            .map(|s| {
                labels
                    .iter()
                    .enumerate()
                    .map(|(label, def)| {
                        let score = scores[[s, label]];
                        let label_hits: Vec<&CueHit> = hits
                            .iter()
                            .filter(|h| h.sentence == s && h.label == label)
                            .collect();
                        let (_, mut evidence) = cue_evidence(&label_hits, false, doc.text);
                        evidence.extend(
                            evidence_head
                                .nearest(vectors.row(s), &def.name, NEIGHBOURS)
                                .into_iter()
                                .map(|(n, similarity)| Evidence {
                                    kind: EvidenceKind::Training,
                                    text: n.text.clone(),
                                    span: None,
                                    score: Some(similarity),
                                    negated_by: None,
                                    document: Some(n.document.clone()),
                                }),
                        );
                        (score, evidence)
                    })
                    .collect()
            })
            .collect();
        Ok(self.scored.frames(doc, entities, rows))
    }

    fn info(&self) -> ComponentInfo {
        self.scored.info(self.info.clone())
    }
}
