//! The learned role corrector: a small multinomial logistic regression
//! over the roles, on the features [`RoleRules::features`] reads of a
//! mention in context, the rules' own role among them. Trained on the gold
//! mentions of labelled documents (`newstag train-roles`), it overrides the
//! rules only where its probability for another role beats the rules' role
//! by a margin chosen, for each role the rules give, by cross-validation
//! over the training documents, so that without evidence the rules stand.
//! Roles the rules read from a mention's form ([`RoleRules::by_form`]) are
//! never corrected. The file (`roles.model.json` in the models directory)
//! is optional: without it the rules alone decide.
//!
//! [`RoleRules::features`]: crate::resolve::RoleRules::features
//! [`RoleRules::by_form`]: crate::resolve::RoleRules::by_form

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::hashed::HashedMap;
use crate::logistic::{self, FeatureRow, LinearModel, Scaling, TrainOptions};
use crate::models::ModelFile;
use crate::resolve::Role;

/// File name of the role model inside the models directory.
pub const ROLE_MODEL_FILE: &str = "roles.model.json";

/// Format tag written into every role model file.
pub const FORMAT: &str = "newstag-role-model/2";

/// The format of older files, with one `margin` for every rules' role:
/// still read, so that older models directories keep working.
const FORMAT_ONE_MARGIN: &str = "newstag-role-model/1";

/// The roles in the order of the model's outputs.
pub const ROLES: [Role; 3] = Role::ALL;

/// The margins the inner cross-validation chooses from: how much more
/// probable than the rules' role another role must be to replace it. 1.0
/// never overrides (probabilities differ by less).
const MARGINS: [f32; 13] = [
    0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0,
];

/// The role model's training settings: far weaker regularisation than the
/// frame classifier's (its features are sparse indicators, most seen a few
/// times in a few thousand mentions), at least 20 gold mentions per role.
pub fn default_options() -> TrainOptions {
    TrainOptions {
        l2_grid: vec![1e-4, 3e-4, 1e-3, 3e-3, 1e-2],
        min_positives: 20,
        ..TrainOptions::default()
    }
}

/// Fewest training mentions a feature must be seen in to be kept.
const MIN_FEATURE_COUNT: usize = 2;

/// One training mention: its document (the inner folds split by
/// document), its features, the rules' role and the gold role.
#[derive(Debug, Clone)]
pub struct RoleExample {
    /// Index of its document.
    pub doc: usize,
    /// Its features ([`crate::resolve::RoleRules::features`]).
    pub row: FeatureRow,
    /// The role the rules give it.
    pub rule: Role,
    /// The role the gold gives it.
    pub gold: Role,
}

/// The linear model of one role (its log-odds within the softmax).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleFit {
    /// The role (`actor`, `place`, `other`).
    pub role: String,
    /// Training mentions of this role.
    pub examples: usize,
    /// Regularisation strength chosen by the inner folds (the same for
    /// every role).
    pub l2: f32,
    /// The fitted weights (no dense features: all are hashed).
    pub model: LinearModel,
}

/// How the model did in the inner cross-validation that chose the margins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InnerScores {
    /// Training mentions scored.
    pub mentions: usize,
    /// Share whose rules' role is the gold role.
    pub rules_accuracy: f32,
    /// Share whose corrected role (at the chosen margins) is the gold role.
    pub model_accuracy: f32,
    /// Mentions whose role the model changed at those margins.
    pub overridden: usize,
}

/// What a role model was trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleProvenance {
    /// Gold files, with their SHA-256.
    pub files: Vec<ModelFile>,
    /// Documents left out by id (a held-out fold).
    pub excluded_ids: Vec<String>,
    /// The role word lists the features were read with.
    pub rules: ModelFile,
    /// Training documents.
    pub documents: usize,
    /// Training mentions.
    pub mentions: usize,
    /// The training settings.
    pub options: TrainOptions,
    /// newstag version that trained it.
    pub newstag: String,
}

/// The role model as written to `roles.model.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleModelFile {
    /// [`FORMAT`].
    pub format: String,
    /// The margin by which another role's probability must beat the rules'
    /// role's to replace it, for each role of [`ROLES`] the rules give: the
    /// rules of one role may be surer than those of another.
    #[serde(alias = "margin", deserialize_with = "margins")]
    pub margins: [f32; 3],
    /// One model per role, in the order of [`ROLES`].
    pub models: Vec<RoleFit>,
    /// The inner cross-validation that chose the margins.
    pub inner: InnerScores,
    /// What it was trained on.
    pub training: RoleProvenance,
}

/// A loaded role model, its weights gathered per feature for a cheap
/// lookup.
#[derive(Debug, Clone)]
pub struct RoleModel {
    margins: [f32; 3],
    bias: [f32; 3],
    weights: HashedMap<[f32; 3]>,
}

impl RoleModel {
    /// Reads a role model file; errors name the file and the command that
    /// rebuilds it.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let bad = |message: String| Error::Model {
            path: path.to_path_buf(),
            message: format!("{message}; retrain it with `newstag train-roles` (see README)"),
        };
        let file: RoleModelFile =
            serde_json::from_str(&text).map_err(|e| bad(format!("not a role model: {e}")))?;
        if file.format != FORMAT && file.format != FORMAT_ONE_MARGIN {
            return Err(bad(format!(
                "format {:?}, expected {FORMAT:?}",
                file.format
            )));
        }
        let roles: Vec<&str> = file.models.iter().map(|m| m.role.as_str()).collect();
        if roles != ROLES.map(Role::as_str) {
            return Err(bad(format!(
                "models for roles {roles:?}, expected {:?}",
                ROLES.map(Role::as_str)
            )));
        }
        Ok(Self::new(&file))
    }

    /// The model of a file read or trained.
    pub fn new(file: &RoleModelFile) -> Self {
        Self::of_models(
            file.models.iter().map(|m| m.model.clone()).collect(),
            file.margins,
        )
    }

    /// The model of one linear model per role of [`ROLES`].
    fn of_models(models: Vec<LinearModel>, margins: [f32; 3]) -> Self {
        let mut bias = [0f32; 3];
        let mut weights: HashedMap<[f32; 3]> = HashedMap::default();
        for (r, model) in models.iter().enumerate().take(3) {
            bias[r] = model.bias;
            for (&id, &w) in &model.words {
                weights.entry(u64::from(id)).or_default()[r] = w;
            }
        }
        Self {
            margins,
            bias,
            weights,
        }
    }

    /// Each role's probability (in the order of [`ROLES`]) for a mention's
    /// hashed features.
    pub fn probabilities(&self, words: &[u32]) -> [f32; 3] {
        let mut z = self.bias;
        for id in words {
            if let Some(w) = self.weights.get(&u64::from(*id)) {
                for (z, w) in z.iter_mut().zip(w) {
                    *z += w;
                }
            }
        }
        logistic::softmax_in_place(&mut z);
        z
    }

    /// The role of a mention the rules give `rule`: the model's most
    /// probable role when it beats `rule`'s probability by more than
    /// `rule`'s margin, else `rule`.
    pub fn decide(&self, rule: Role, words: &[u32]) -> Role {
        decide(&self.probabilities(words), rule, self.margins[index(rule)])
    }
}

/// The most probable role if it beats `rule` by more than `margin`, else
/// `rule`. Ties go to the earlier role of [`ROLES`].
fn decide(p: &[f32; 3], rule: Role, margin: f32) -> Role {
    let best = (1..3).fold(0, |b, r| if p[r] > p[b] { r } else { b });
    let rule_p = p[index(rule)];
    if p[best] - rule_p > margin {
        ROLES[best]
    } else {
        rule
    }
}

/// The margins of a file: one per rules' role, or one for all
/// ([`FORMAT_ONE_MARGIN`]).
fn margins<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<[f32; 3], D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Margins {
        One(f32),
        Each([f32; 3]),
    }
    Ok(match Margins::deserialize(d)? {
        Margins::One(m) => [m; 3],
        Margins::Each(m) => m,
    })
}

/// Position of `role` in [`ROLES`].
fn index(role: Role) -> usize {
    match role {
        Role::Actor => 0,
        Role::Place => 1,
        Role::Other => 2,
    }
}

/// Trains a role model on `examples` from `documents` documents: the
/// regularisation and the margins are those that give the most correct
/// roles when each inner fold (by document) is predicted by a model fitted
/// on the others (each rules' role's margin counts only the mentions the
/// rules give that role, so the margins are chosen one by one); the model
/// is then fitted on all. Errors when a role has
/// fewer than `opts.min_positives` examples.
pub fn train(
    examples: &[RoleExample],
    documents: usize,
    opts: &TrainOptions,
    provenance: RoleProvenance,
) -> Result<RoleModelFile> {
    let counts = ROLES.map(|role| examples.iter().filter(|e| e.gold == role).count());
    for (role, &count) in ROLES.iter().zip(&counts) {
        if count < opts.min_positives {
            return Err(Error::NotEnoughData {
                what: "train-roles".to_string(),
                message: format!(
                    "role {:?} has {count} gold mentions in the training data; at least {} are \
                     needed (--min-examples)",
                    role.as_str(),
                    opts.min_positives
                ),
            });
        }
    }
    let common = without_rare_features(examples, MIN_FEATURE_COUNT);
    let examples = &common[..];
    let all: Vec<usize> = (0..examples.len()).collect();
    let folds = opts.inner_folds.max(2);
    let correct_rules = examples.iter().filter(|e| e.rule == e.gold).count();
    // (right, l2, margins, changed). Ties go to the larger margin and the
    // stronger regularisation: the rules stand unless the model is surely
    // better.
    let mut best = (correct_rules, opts.l2_grid[0], [1.0f32; 3], 0usize);
    for &l2 in &opts.l2_grid {
        let mut probabilities = vec![[0f32; 3]; examples.len()];
        for fold in 0..folds {
            let (test, train): (Vec<usize>, Vec<usize>) =
                all.iter().partition(|&&i| examples[i].doc % folds == fold);
            if train.is_empty() || test.is_empty() {
                continue;
            }
            let model = RoleModel::of_models(fit(examples, &train, l2, opts), [0.0; 3]);
            for i in test {
                probabilities[i] = model.probabilities(&examples[i].row.words);
            }
        }
        let (mut correct, mut margins, mut changed) = (0, [1.0f32; 3], 0);
        for rule in ROLES {
            // (right, margin, changed) among the mentions the rules give `rule`.
            let mut best_rule = (0, 1.0f32, 0);
            for &margin in MARGINS.iter().rev() {
                let (mut right, mut moved) = (0, 0);
                for (e, p) in examples.iter().zip(&probabilities) {
                    if e.rule == rule {
                        let role = decide(p, e.rule, margin);
                        right += usize::from(role == e.gold);
                        moved += usize::from(role != e.rule);
                    }
                }
                if right > best_rule.0 {
                    best_rule = (right, margin, moved);
                }
            }
            correct += best_rule.0;
            margins[index(rule)] = best_rule.1;
            changed += best_rule.2;
        }
        if correct > best.0 {
            best = (correct, l2, margins, changed);
        }
    }
    let (correct, l2, margins, overridden) = best;
    let models = fit(examples, &all, l2, opts)
        .into_iter()
        .enumerate()
        .map(|(r, model)| RoleFit {
            role: ROLES[r].as_str().to_string(),
            examples: examples.iter().filter(|e| e.gold == ROLES[r]).count(),
            l2,
            model,
        })
        .collect();
    let n = examples.len().max(1) as f32;
    Ok(RoleModelFile {
        format: FORMAT.to_string(),
        margins,
        models,
        inner: InnerScores {
            mentions: examples.len(),
            rules_accuracy: correct_rules as f32 / n,
            model_accuracy: correct as f32 / n,
            overridden,
        },
        training: RoleProvenance {
            documents,
            mentions: examples.len(),
            ..provenance
        },
    })
}

/// The examples with only the features that at least `min` of them have:
/// a feature of one mention (a rare name, a rare pair of words) can only be
/// learned by heart, and would fill the file.
fn without_rare_features(examples: &[RoleExample], min: usize) -> Vec<RoleExample> {
    let mut counts: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
    for e in examples {
        for &id in &e.row.words {
            *counts.entry(id).or_default() += 1;
        }
    }
    examples
        .iter()
        .map(|e| RoleExample {
            row: FeatureRow {
                dense: e.row.dense.clone(),
                words: e
                    .row
                    .words
                    .iter()
                    .copied()
                    .filter(|id| counts[id] >= min)
                    .collect(),
            },
            ..e.clone()
        })
        .collect()
}

/// The multinomial regression of the examples `which` with L2 `l2`
/// ([`logistic::fit_softmax`]), one model per role of [`ROLES`], weights
/// rounded to four decimals (plenty for weights of this size, and a
/// smaller file).
fn fit(
    examples: &[RoleExample],
    which: &[usize],
    l2: f32,
    opts: &TrainOptions,
) -> Vec<LinearModel> {
    let rows: Vec<&FeatureRow> = which.iter().map(|&i| &examples[i].row).collect();
    let y: Vec<usize> = which.iter().map(|&i| index(examples[i].gold)).collect();
    let scaling = Scaling::fit(&rows);
    logistic::fit_softmax(&rows, &y, ROLES.len(), &scaling, l2, opts)
        .into_iter()
        .map(|mut model| {
            model.bias = round4(model.bias);
            model.words = model
                .words
                .into_iter()
                .map(|(id, w)| (id, round4(w)))
                .filter(|(_, w)| *w != 0.0)
                .collect();
            model
        })
        .collect()
}

fn round4(x: f32) -> f32 {
    (x * 1e4).round() / 1e4
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules_file() -> ModelFile {
        ModelFile {
            path: "roles.toml".to_string(),
            bytes: 0,
            sha256: String::new(),
        }
    }

    fn provenance() -> RoleProvenance {
        RoleProvenance {
            files: Vec::new(),
            excluded_ids: Vec::new(),
            rules: rules_file(),
            documents: 0,
            mentions: 0,
            options: TrainOptions::default(),
            newstag: String::new(),
        }
    }

    /// Feature 1 marks a mention the rules call an actor but that the gold
    /// makes a place; the others are right.
    fn examples() -> Vec<RoleExample> {
        (0..120)
            .map(|i| {
                let gold = ROLES[i % 3];
                let misread = i % 3 == 1 && i % 2 == 0;
                RoleExample {
                    doc: i / 6,
                    row: FeatureRow {
                        dense: Vec::new(),
                        words: if misread {
                            vec![1, 10]
                        } else {
                            vec![10 + index(gold) as u32]
                        },
                    },
                    rule: if misread { Role::Actor } else { gold },
                    gold,
                }
            })
            .collect()
    }

    #[test]
    fn margin_keeps_the_rules_unless_the_model_is_surer() {
        let p = [0.6, 0.45, 0.1];
        assert_eq!(decide(&p, Role::Place, 0.1), Role::Actor);
        assert_eq!(decide(&p, Role::Place, 0.2), Role::Place);
        assert_eq!(decide(&p, Role::Actor, 0.0), Role::Actor);
        assert_eq!(decide(&[0.9, 0.0, 0.0], Role::Other, 1.0), Role::Other);
    }

    #[test]
    fn training_is_deterministic_and_learns_the_correction() {
        let opts = TrainOptions {
            min_positives: 5,
            ..TrainOptions::default()
        };
        let a = train(&examples(), 20, &opts, provenance()).unwrap();
        let b = train(&examples(), 20, &opts, provenance()).unwrap();
        assert_eq!(a, b);
        assert!(
            a.margins[index(Role::Actor)] < 1.0,
            "margins {:?}",
            a.margins
        );
        assert!(a.inner.model_accuracy > a.inner.rules_accuracy);
        let model = RoleModel::new(&a);
        assert_eq!(model.decide(Role::Actor, &[1, 10]), Role::Place);
        assert_eq!(model.decide(Role::Actor, &[10]), Role::Actor);
        let json = serde_json::to_string(&a).unwrap();
        let back: RoleModelFile = serde_json::from_str(&json).unwrap();
        assert_eq!(back, a);
    }

    #[test]
    fn files_with_one_margin_give_it_to_every_role() {
        let opts = TrainOptions {
            min_positives: 5,
            ..TrainOptions::default()
        };
        let mut json =
            serde_json::to_value(train(&examples(), 20, &opts, provenance()).unwrap()).unwrap();
        let file = json.as_object_mut().unwrap();
        file.remove("margins");
        file.insert("margin".to_string(), serde_json::json!(0.25));
        file.insert("format".to_string(), serde_json::json!(FORMAT_ONE_MARGIN));
        let back: RoleModelFile = serde_json::from_value(json).unwrap();
        assert_eq!(back.margins, [0.25; 3]);
    }

    #[test]
    fn too_few_examples_of_a_role_are_refused() {
        let few: Vec<RoleExample> = examples().into_iter().take(9).collect();
        let err = train(&few, 2, &TrainOptions::default(), provenance()).unwrap_err();
        assert!(err.to_string().contains("role \"actor\" has 3"), "{err}");
    }
}
