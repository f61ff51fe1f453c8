//! Learning from gold files: the frame classifiers (`newstag
//! train-frames`, and the cross-validated frame scores of `newstag eval
//! --cv`) and the role model (`newstag train-roles`). It sits above
//! the pipeline (it annotates the gold texts once, without frames) and
//! below the command line. Thresholds and regularisation are chosen inside
//! each training fold ([`crate::frames::learned::train()`], over [`crate::logistic`]), never on the
//! documents a fold is scored on.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::document::{Tokenized, TokenizedText};
use crate::engine::PipelineConfig;
use crate::engine::{self, FrameChoice};
use crate::error::{Error, Result};
use crate::eval::gold::GoldDoc;
use crate::eval::{GoldSet, Miss, Prediction, Report, ReportEngine, Scorer};
use crate::frames::learned::{
    self, ClassifierFile, Featurizer, LabelledDoc, RowScorer, TrainOptions,
};
use crate::frames::FrameSet;
use crate::metrics::half_overlap;
use crate::models::{models_dir, ModelFile};
use crate::ner::Mention;
use crate::pipeline::{Annotation, Pipeline};
use crate::resolve::role_model::{self, RoleModelFile, RoleProvenance};
use crate::resolve::{Resolver, Role, RoleExample};
use crate::text::Span;

/// Gold documents annotated once and turned into training rows.
pub struct FrameData {
    /// The frame set.
    pub set: FrameSet,
    /// The file the frame set was read from (`None` for ad-hoc labels).
    pub set_path: Option<PathBuf>,
    /// The features of the frame set's classifier.
    pub featurizer: Featurizer,
    /// Per gold document with frames, in gold order.
    pub docs: Vec<PreparedDoc>,
    /// Every gold document's annotation (entities are scored from these).
    annotations: Vec<Annotation>,
    engine: Arc<crate::engine::EngineInfo>,
}

/// One framed gold document, prepared.
pub struct PreparedDoc {
    /// Index into the gold set.
    pub gold: usize,
    /// Its sentences, features and sentence labels.
    pub data: LabelledDoc,
    /// Sentence spans (byte offsets), for predicted frames.
    pub spans: Vec<Span>,
    /// Gold frames as (span, label).
    pub frames: Vec<(Span, String)>,
    /// Leave-one-conflict-out group.
    pub conflict: Option<String>,
}

impl FrameData {
    /// Annotates every document of `gold` with `config`'s engine (without
    /// frames) and computes the features of the framed ones for the frame
    /// set `config.frames` names (default: the shipped set).
    pub fn prepare(config: &PipelineConfig, gold: &GoldSet) -> Result<Self> {
        let dir = models_dir(config.models_dir.as_deref());
        let Some((set, set_path)) = engine::frame_set(config, &dir)? else {
            return Err(Error::InvalidArgument {
                argument: "--no-frames".to_string(),
                message: "learning frames needs a frame set".to_string(),
            });
        };
        let featurizer = engine::featurizer(&dir, set.clone())?;
        let pipeline = Pipeline::new(&PipelineConfig {
            frames: FrameChoice::None,
            ..config.clone()
        })?;
        let labels: Vec<&str> = set.label_names().collect();
        let mut docs = Vec::new();
        let mut annotations = Vec::with_capacity(gold.docs.len());
        for (g, doc) in gold.docs.iter().enumerate() {
            let ann = pipeline.annotate(&doc.text)?;
            if let Some(frames) = &doc.frames {
                let tokenized = Tokenized {
                    text: &doc.text,
                    tokens: &ann.tokens,
                    sentences: &ann.sentences,
                };
                let (analyses, rows) = featurizer.features(&tokenized, &ann.entities);
                let spans: Vec<Span> = ann.sentences.iter().map(|s| s.span).collect();
                let frames: Vec<(Span, String)> = frames
                    .iter()
                    .flat_map(|f| f.labels.iter().map(|l| (f.span, l.clone())))
                    .collect();
                let sentence_labels = spans
                    .iter()
                    .map(|span| {
                        labels
                            .iter()
                            .map(|l| {
                                frames
                                    .iter()
                                    .any(|(g, gl)| gl == l && half_overlap(g, span))
                            })
                            .collect()
                    })
                    .collect();
                docs.push(PreparedDoc {
                    gold: g,
                    data: LabelledDoc {
                        id: doc.id.clone(),
                        sentences: spans
                            .iter()
                            .map(|s| s.slice(&doc.text).to_string())
                            .collect(),
                        vectors: analyses.into_iter().map(|a| a.vector).collect(),
                        rows,
                        labels: sentence_labels,
                        pseudo: false,
                    },
                    spans,
                    frames,
                    conflict: doc.conflict.clone(),
                });
            }
            annotations.push(ann);
        }
        Ok(Self {
            set,
            set_path,
            featurizer,
            docs,
            annotations,
            engine: Arc::clone(pipeline.info()),
        })
    }

    /// Adds the framed documents of `pseudo`, whose frames a teacher model
    /// chose (see [`LabelledDoc::pseudo`]): the classifier is fitted on them
    /// too, while its regularisation and thresholds are chosen on the hand
    /// labels alone.
    pub fn add_pseudo(&mut self, config: &PipelineConfig, pseudo: &GoldSet) -> Result<()> {
        let prepared = Self::prepare(config, pseudo)?;
        self.docs.extend(prepared.docs.into_iter().map(|mut d| {
            d.data.pseudo = true;
            d
        }));
        Ok(())
    }

    /// Trains a classifier on all prepared documents; `files` are the gold
    /// files and `pseudo_files` the pseudo-labelled ones, recorded with
    /// their SHA-256.
    pub fn train(
        &self,
        opts: &TrainOptions,
        files: Vec<ModelFile>,
        pseudo_files: Vec<ModelFile>,
    ) -> Result<ClassifierFile> {
        let docs: Vec<&LabelledDoc> = self.docs.iter().map(|d| &d.data).collect();
        learned::train(
            &self.set,
            self.featurizer.dense_len(),
            &docs,
            opts,
            files,
            pseudo_files,
        )
    }

    /// Scores `gold` with frames predicted by cross-validation: each fold's
    /// documents by a classifier trained on the other folds. Entities are
    /// scored as in [`crate::eval::evaluate`]; with `list_misses`, every
    /// false positive and negative is listed too (the frames' from the fold
    /// that held the document out).
    pub fn cross_validate(
        &self,
        gold: &GoldSet,
        folds: Folds,
        opts: &TrainOptions,
        list_misses: bool,
    ) -> Result<(Report, Vec<Miss>)> {
        let fold_of = self.folds(folds)?;
        let count = fold_of.iter().max().map_or(0, |m| m + 1);
        let mut predicted: Vec<Vec<(Span, String)>> = vec![Vec::new(); self.docs.len()];
        for fold in 0..count {
            let train: Vec<&LabelledDoc> = self
                .docs
                .iter()
                .zip(&fold_of)
                .filter(|(_, &f)| f != fold)
                .map(|(d, _)| &d.data)
                .collect();
            let classifier = learned::train(
                &self.set,
                self.featurizer.dense_len(),
                &train,
                opts,
                Vec::new(),
                Vec::new(),
            )
            .map_err(|e| Error::Fold {
                fold: fold + 1,
                source: Box::new(e),
            })?;
            let scorer = RowScorer::new(&classifier);
            for (d, doc) in self
                .docs
                .iter()
                .enumerate()
                .filter(|(d, _)| fold_of[*d] == fold)
            {
                for (s, row) in doc.data.rows.iter().enumerate() {
                    for (label, selected) in classifier.predict(&scorer, row) {
                        if selected {
                            predicted[d].push((doc.spans[s], label.to_string()));
                        }
                    }
                }
            }
        }
        let mut scorer = Scorer::new(list_misses);
        let mut next = 0;
        for (g, doc) in gold.docs.iter().enumerate() {
            let mut pred = Prediction::from_annotation(&self.annotations[g]);
            if self.docs.get(next).is_some_and(|p| p.gold == g) {
                pred.frames = std::mem::take(&mut predicted[next]);
                next += 1;
            }
            scorer.add(doc, &pred);
        }
        let protocol = match folds {
            Folds::Documents(k) => format!("cross-validation over documents, {k} folds"),
            Folds::Conflicts => format!("leave one conflict out, {count} conflicts"),
            Folds::ConflictGroups(k) => {
                format!("{k} folds over conflicts (each conflict's documents held out together)")
            }
        };
        let (mut report, misses) =
            scorer.finish(gold, ReportEngine::Pipeline(Arc::clone(&self.engine)));
        report.frames_protocol = Some(protocol);
        Ok((report, misses))
    }

    /// The fold of each prepared document.
    fn folds(&self, folds: Folds) -> Result<Vec<usize>> {
        match folds {
            Folds::Documents(k) => Ok((0..self.docs.len()).map(|d| d % k.max(2)).collect()),
            Folds::Conflicts | Folds::ConflictGroups(_) => {
                let mut names: Vec<&str> = Vec::new();
                for doc in &self.docs {
                    let Some(c) = doc.conflict.as_deref() else {
                        return Err(Error::InvalidArgument {
                            argument: "--cv conflict".to_string(),
                            message: format!(
                                "gold document {:?} has no `conflict` field (folds over conflicts \
                                 need one in every document)",
                                doc.data.id
                            ),
                        });
                    };
                    names.push(c);
                }
                let fold_of_conflict = match folds {
                    Folds::ConflictGroups(k) => conflict_groups(&names, k),
                    _ => {
                        let mut distinct = names.clone();
                        distinct.sort_unstable();
                        distinct.dedup();
                        distinct
                            .into_iter()
                            .enumerate()
                            .map(|(i, c)| (c, i))
                            .collect()
                    }
                };
                Ok(names.iter().map(|n| fold_of_conflict[n]).collect())
            }
        }
    }
}

/// Conflicts dealt into `k` folds of about equal document counts: the
/// conflict with the most documents first (ties by name), each to the fold
/// that has the fewest documents so far (the lowest-numbered on a tie).
/// Deterministic; `scripts/train-setfit.py` deals them the same way.
fn conflict_groups<'a>(names: &[&'a str], k: usize) -> HashMap<&'a str, usize> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for n in names {
        *counts.entry(n).or_default() += 1;
    }
    let mut order: Vec<(&str, usize)> = counts.into_iter().collect();
    order.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut sizes = vec![0usize; k];
    let mut fold_of = HashMap::new();
    for (name, count) in order {
        let fold = (0..k).min_by_key(|&f| (sizes[f], f)).unwrap_or(0);
        sizes[fold] += count;
        fold_of.insert(name, fold);
    }
    fold_of
}

/// How cross-validation splits the documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folds {
    /// `k` folds over documents (document `i` in fold `i mod k`).
    Documents(usize),
    /// One fold per value of the documents' `conflict` field.
    Conflicts,
    /// `k` folds over the values of the `conflict` field: every document
    /// of a conflict is held out in the same fold (see [`conflict_groups`]).
    ConflictGroups(usize),
}

impl std::str::FromStr for Folds {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "conflict" | "conflicts" => Ok(Self::Conflicts),
            _ if s.starts_with("conflict:") => match s["conflict:".len()..].parse::<usize>() {
                Ok(k) if k >= 2 => Ok(Self::ConflictGroups(k)),
                _ => Err(Error::InvalidArgument {
                    argument: format!("--cv {s:?}"),
                    message: "the number of folds must be a whole number of at least 2".to_string(),
                }),
            },
            _ => match s.strip_prefix("docs").map(|k| k.trim_start_matches(':')) {
                Some("") => Ok(Self::Documents(5)),
                Some(k) => match k.parse::<usize>() {
                    Ok(k) if k >= 2 => Ok(Self::Documents(k)),
                    _ => Err(Error::InvalidArgument {
                        argument: format!("--cv {s:?}"),
                        message: "the number of folds must be a whole number of at least 2"
                            .to_string(),
                    }),
                },
                None => Err(Error::InvalidArgument {
                    argument: format!("--cv {s:?}"),
                    message: "expected `docs`, `docs:K`, `conflict` or `conflict:K`".to_string(),
                }),
            },
        }
    }
}

/// Trains the role model ([`crate::resolve::role_model`]) on the gold
/// mentions of the documents in `paths` (those whose id is in `exclude`
/// left out, as `convert-gold --exclude-ids` does), their features read by
/// `resolver` in each document's own context. `rules` is the role word
/// list file the features are read with, recorded in the provenance.
/// Errors name a file that gives no roles, and a role with too few gold
/// mentions.
pub fn train_roles(
    resolver: &Resolver,
    paths: &[PathBuf],
    exclude: &[String],
    rules: ModelFile,
    opts: &TrainOptions,
) -> Result<RoleModelFile> {
    let mut examples = Vec::new();
    let mut documents = 0;
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        let gold = crate::eval::gold::read(path)?;
        if !gold.has_roles {
            return Err(Error::NotEnoughData {
                what: path.display().to_string(),
                message: "no entity in this gold file has a `role`; train-roles needs gold roles \
                          (ANNOTATION.md, Roles)"
                    .to_string(),
            });
        }
        for doc in gold.docs.iter().filter(|d| d.has_entities) {
            if exclude.contains(&doc.id) {
                continue;
            }
            examples.extend(role_examples(resolver, doc, documents));
            documents += 1;
        }
        files.push(ModelFile::hash(path)?);
    }
    let provenance = RoleProvenance {
        files,
        excluded_ids: exclude.to_vec(),
        rules,
        documents,
        mentions: examples.len(),
        options: opts.clone(),
        newstag: env!("CARGO_PKG_VERSION").to_string(),
    };
    role_model::train(&examples, documents, opts, provenance).map_err(|e| match e {
        Error::NotEnoughData { message, .. } => Error::NotEnoughData {
            what: paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            message,
        },
        e => e,
    })
}

/// The training mentions of one gold document (number `d`): its entities
/// that have a role, on the tokens and sentences `tag` would give the text,
/// but those whose role the rules read from their form (the model leaves
/// those).
fn role_examples(resolver: &Resolver, doc: &GoldDoc, d: usize) -> Vec<RoleExample> {
    let owned = TokenizedText::new(doc.text.as_str());
    let tokenized = owned.view();
    let mut gold: Vec<(Mention, Role)> = doc
        .entities
        .iter()
        .filter_map(|e| {
            let role = e.role?;
            let tokens = tokenized.overlapping(e.span);
            (!tokens.is_empty()).then(|| {
                let mention = Mention {
                    span: e.span,
                    tokens,
                    label: e.label,
                    score: 1.0,
                };
                (mention, role)
            })
        })
        .collect();
    gold.sort_by_key(|(m, _)| (m.span.start, m.span.end));
    let mentions: Vec<Mention> = gold.iter().map(|(m, _)| m.clone()).collect();
    resolver
        .role_rows(&tokenized, &mentions)
        .into_iter()
        .zip(&gold)
        .filter_map(|(row, (_, gold))| {
            row.map(|(row, rule)| RoleExample {
                doc: d,
                row,
                rule,
                gold: *gold,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflicts_are_dealt_largest_first_to_the_smallest_fold() {
        let names = ["a", "a", "b", "c", "c", "c", "d"];
        let folds = conflict_groups(&names, 2);
        // c (3) to fold 0, a (2) to fold 1, b (1) to fold 1 (2 < 3), d (1)
        // to fold 0 on the tie at 3.
        assert_eq!(folds["c"], 0);
        assert_eq!(folds["a"], 1);
        assert_eq!(folds["b"], 1);
        assert_eq!(folds["d"], 0);
    }

    #[test]
    fn folds_parse_every_scheme() {
        assert_eq!("docs".parse::<Folds>().unwrap(), Folds::Documents(5));
        assert_eq!("docs:3".parse::<Folds>().unwrap(), Folds::Documents(3));
        assert_eq!("conflict".parse::<Folds>().unwrap(), Folds::Conflicts);
        assert_eq!(
            "conflict:5".parse::<Folds>().unwrap(),
            Folds::ConflictGroups(5)
        );
        for bad in ["conflict:1", "conflict:x", "docs:1", "folds"] {
            assert!(bad.parse::<Folds>().is_err(), "{bad}");
        }
    }
}
