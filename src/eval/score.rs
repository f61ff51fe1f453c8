//! Scores predictions against gold documents, one document at a time, into a
//! [`Report`], and lists every false positive and false negative when asked
//! (`eval --errors`), so that the figures and the error list come from the
//! same comparison.

use std::collections::BTreeSet;

use serde::Serialize;

use super::metrics::{self, DocumentFrames, Prf, Scores};
use super::pred::{PredEntity, Prediction};
use super::{EntityScores, GoldDoc, GoldSet, Report, ReportEngine};
use crate::resolve::Role;
use crate::text::{CharOffsets, Span};

/// One false positive or false negative, as `eval --errors` writes it.
/// Offsets are code points into the gold text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Miss {
    /// The gold document's id.
    pub doc_id: String,
    /// `entity` (span and label), `role` (span and role), `actor_country`
    /// (the document's set of actor countries) or `frame`.
    pub kind: &'static str,
    /// `fp` (predicted, not in gold) or `fn` (in gold, not predicted).
    pub error: &'static str,
    /// Start of the span (for `actor_country`: of the first mention with
    /// that country).
    pub start: usize,
    /// End of the span, exclusive.
    pub end: usize,
    /// The gold text at the span.
    pub text: String,
    /// The predicted value at this span (for a false negative: what was
    /// predicted there instead, if anything).
    pub predicted: Option<String>,
    /// The gold value at this span (for a false positive: what gold has
    /// there instead, if anything).
    pub gold: Option<String>,
    /// The sentence around the span.
    pub sentence: String,
}

/// Counts (and, if asked, misses) over the documents added so far.
#[derive(Debug, Default)]
pub struct Scorer {
    strict: Scores,
    role: Scores,
    countries: Prf,
    frames: Scores,
    frames_by_document: DocumentFrames,
    misses: Option<Vec<Miss>>,
}

impl Scorer {
    /// A scorer; `list_misses` keeps every false positive and negative.
    pub fn new(list_misses: bool) -> Self {
        Self {
            misses: list_misses.then(Vec::new),
            ..Self::default()
        }
    }

    /// Scores the prediction for one gold document.
    pub fn add(&mut self, doc: &GoldDoc, pred: &Prediction) {
        // A document labelled for frames only (`layers` without
        // `entities`) has no entity gold, so its predicted entities are not
        // scored either.
        let entities: &[PredEntity] = if doc.has_entities {
            &pred.entities
        } else {
            &[]
        };
        let gold_labels: Vec<(Span, &str)> = doc
            .entities
            .iter()
            .map(|e| (e.span, e.label.as_str()))
            .collect();
        let pred_labels: Vec<(Span, &str)> = entities
            .iter()
            .map(|e| (e.span, e.label.as_str()))
            .collect();
        self.strict.add_exact(&gold_labels, &pred_labels);
        let gold_roles: Vec<(Span, &str)> = doc
            .entities
            .iter()
            .filter_map(|e| Some((e.span, e.role?.as_str())))
            .collect();
        let pred_roles: Vec<(Span, &str)> =
            entities.iter().map(|e| (e.span, e.role.as_str())).collect();
        self.role.add_exact(&gold_roles, &pred_roles);
        let gold_countries = gold_countries(doc);
        let pred_countries = predicted_countries(entities);
        let set = |c: &Countries| c.keys().cloned().collect::<BTreeSet<String>>();
        self.countries.add(metrics::compare_sets(
            &set(&gold_countries),
            &set(&pred_countries),
        ));
        let gold_frames: Option<Vec<(Span, String)>> = doc.frames.as_ref().map(|frames| {
            frames
                .iter()
                .flat_map(|f| f.labels.iter().map(|l| (f.span, l.clone())))
                .collect()
        });
        if let Some(gold) = &gold_frames {
            self.frames.add_overlapping(gold, &pred.frames);
            self.frames_by_document.add(gold, &pred.frames);
        }
        let Some(misses) = &mut self.misses else {
            return;
        };
        let lister = Lister {
            doc,
            pred,
            chars: CharOffsets::new(&doc.text),
            out: misses,
        };
        lister.list(
            &gold_labels,
            &pred_labels,
            gold_countries,
            pred_countries,
            gold_frames.as_deref(),
            (&gold_roles, &pred_roles),
        );
    }

    /// The report over every document added, and the misses if listed.
    pub fn finish(self, gold: &GoldSet, engine: ReportEngine) -> (Report, Vec<Miss>) {
        let mut skipped = Vec::new();
        let mut keep = |ok: bool, what: &str, why: &str| {
            if !ok {
                skipped.push(format!("{what}: {why}"));
            }
            ok
        };
        let role = keep(
            gold.has_roles,
            "entities.role",
            "the gold file has entities without `role`",
        )
        .then_some(self.role);
        let actor_countries = keep(
            gold.has_countries,
            "actor_countries",
            "the gold file has no `country` fields",
        )
        .then_some(self.countries);
        let frames = keep(
            gold.has_frames,
            "frames",
            "the gold file has no `frames` fields",
        )
        .then_some(self.frames);
        let frames_by_document = frames.is_some().then_some(self.frames_by_document);
        let report = Report {
            documents: gold.docs.len(),
            entities: EntityScores {
                strict: self.strict,
                role,
            },
            actor_countries,
            frames,
            frames_by_document,
            frames_protocol: None,
            skipped,
            engine,
        };
        (report, self.misses.unwrap_or_default())
    }
}

/// Actor countries of a document, each with the span of its first mention.
type Countries = std::collections::BTreeMap<String, Span>;

fn gold_countries(doc: &GoldDoc) -> Countries {
    let mut out = Countries::new();
    for e in doc.entities.iter().filter(|e| e.role == Some(Role::Actor)) {
        if let Some(c) = e.country {
            out.entry(c.to_string()).or_insert(e.span);
        }
    }
    out
}

fn predicted_countries(entities: &[PredEntity]) -> Countries {
    let mut out = Countries::new();
    for e in entities.iter().filter(|e| e.role == Role::Actor.as_str()) {
        if let Some(c) = &e.country {
            out.entry(c.clone()).or_insert(e.span);
        }
    }
    out
}

/// Lists the misses of one document.
struct Lister<'a> {
    doc: &'a GoldDoc,
    pred: &'a Prediction,
    chars: CharOffsets<'a>,
    out: &'a mut Vec<Miss>,
}

type Labelled<'a> = [(Span, &'a str)];

impl Lister<'_> {
    fn list(
        mut self,
        gold_labels: &Labelled,
        pred_labels: &Labelled,
        gold_countries: Countries,
        pred_countries: Countries,
        gold_frames: Option<&[(Span, String)]>,
        (gold_roles, pred_roles): (&Labelled, &Labelled),
    ) {
        self.exact("entity", gold_labels, pred_labels);
        self.exact("role", gold_roles, pred_roles);
        for (c, span) in &pred_countries {
            if !gold_countries.contains_key(c) {
                self.push("actor_country", "fp", *span, Some(c.clone()), None);
            }
        }
        for (c, span) in &gold_countries {
            if !pred_countries.contains_key(c) {
                self.push("actor_country", "fn", *span, None, Some(c.clone()));
            }
        }
        if let Some(gold) = gold_frames {
            let pred = &self.pred.frames;
            let (pred_hit, gold_taken) = metrics::match_overlapping(gold, pred);
            let near = |span: &Span, among: &[(Span, String)]| {
                let labels: Vec<&str> = among
                    .iter()
                    .filter(|(s, _)| metrics::half_overlap(s, span))
                    .map(|(_, l)| l.as_str())
                    .collect();
                (!labels.is_empty()).then(|| labels.join(","))
            };
            for ((span, label), hit) in pred.iter().zip(pred_hit) {
                if !hit {
                    let gold_there = near(span, gold);
                    self.push("frame", "fp", *span, Some(label.clone()), gold_there);
                }
            }
            for ((span, label), taken) in gold.iter().zip(gold_taken) {
                if !taken {
                    let pred_there = near(span, pred);
                    self.push("frame", "fn", *span, pred_there, Some(label.clone()));
                }
            }
        }
    }

    /// Misses of an exact-match comparison (same span and same value).
    fn exact(&mut self, kind: &'static str, gold: &Labelled, pred: &Labelled) {
        let gold_set: BTreeSet<(Span, &str)> = gold.iter().copied().collect();
        let pred_set: BTreeSet<(Span, &str)> = pred.iter().copied().collect();
        let at = |set: &BTreeSet<(Span, &str)>, span: Span| {
            set.iter()
                .find(|(s, _)| *s == span)
                .map(|(_, v)| v.to_string())
        };
        for &(span, value) in pred_set.difference(&gold_set) {
            let gold_there = at(&gold_set, span);
            self.push(kind, "fp", span, Some(value.to_string()), gold_there);
        }
        for &(span, value) in gold_set.difference(&pred_set) {
            let pred_there = at(&pred_set, span);
            self.push(kind, "fn", span, pred_there, Some(value.to_string()));
        }
    }

    fn push(
        &mut self,
        kind: &'static str,
        error: &'static str,
        span: Span,
        predicted: Option<String>,
        gold: Option<String>,
    ) {
        let text = &self.doc.text;
        let sentence = self
            .pred
            .sentences
            .iter()
            .find(|s| s.start <= span.start && span.start < s.end.max(s.start + 1))
            .copied()
            .unwrap_or_else(|| line_around(text, span));
        self.out.push(Miss {
            doc_id: self.doc.id.clone(),
            kind,
            error,
            start: self.chars.to_char(span.start),
            end: self.chars.to_char(span.end),
            text: span.slice(text).to_string(),
            predicted,
            gold,
            sentence: sentence.slice(text).trim().to_string(),
        });
    }
}

/// The line of `text` that holds `span`'s start, when no sentence does.
fn line_around(text: &str, span: Span) -> Span {
    let start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let end = text[span.end..]
        .find('\n')
        .map_or(text.len(), |i| span.end + i);
    Span::new(start, end)
}
