//! Precision, recall and F1 from true/false positive and false negative
//! counts, overall and per label, and the matching rules ANNOTATION.md sets
//! for entity spans and frame spans.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::text::Span;

/// Counts of one comparison, with the derived scores.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Prf {
    /// True positives.
    pub tp: usize,
    /// False positives.
    pub fp: usize,
    /// False negatives.
    pub fn_: usize,
}

impl Prf {
    /// TP / (TP + FP); 0 when nothing was predicted.
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }

    /// TP / (TP + FN); 0 when there was nothing to find.
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }

    /// Harmonic mean of precision and recall; 0 when both are 0.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }

    /// Adds the counts of `other`.
    pub fn add(&mut self, other: Prf) {
        self.tp += other.tp;
        self.fp += other.fp;
        self.fn_ += other.fn_;
    }
}

fn ratio(num: usize, den: usize) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

impl Serialize for Prf {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Prf", 6)?;
        st.serialize_field("precision", &self.precision())?;
        st.serialize_field("recall", &self.recall())?;
        st.serialize_field("f1", &self.f1())?;
        st.serialize_field("tp", &self.tp)?;
        st.serialize_field("fp", &self.fp)?;
        st.serialize_field("fn", &self.fn_)?;
        st.end()
    }
}

/// Micro-averaged counts overall and per label.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Scores {
    #[serde(flatten)]
    /// Counts over every label.
    pub overall: Prf,
    /// Counts per label.
    pub per_label: BTreeMap<String, Prf>,
}

impl Scores {
    fn label(&mut self, label: &str) -> &mut Prf {
        self.per_label.entry(label.to_string()).or_default()
    }

    fn count(&mut self, label: &str, tp: usize, fp: usize, fn_: usize) {
        let counts = Prf { tp, fp, fn_ };
        self.label(label).add(counts);
        self.overall.add(counts);
    }

    /// Adds exact-match counts of labelled spans: a prediction is a true
    /// positive only with the same span and the same label.
    pub fn add_exact<L: AsRef<str> + Ord>(&mut self, gold: &[(Span, L)], pred: &[(Span, L)]) {
        let gold_set: BTreeSet<(Span, &str)> = gold.iter().map(|(s, l)| (*s, l.as_ref())).collect();
        let pred_set: BTreeSet<(Span, &str)> = pred.iter().map(|(s, l)| (*s, l.as_ref())).collect();
        for &(span, label) in &pred_set {
            let hit = gold_set.contains(&(span, label));
            self.count(label, usize::from(hit), usize::from(!hit), 0);
        }
        for &(span, label) in &gold_set {
            if !pred_set.contains(&(span, label)) {
                self.count(label, 0, 0, 1);
            }
        }
    }

    /// Adds frame counts: a predicted span matches a gold span with the same
    /// label when they overlap by at least half of the shorter one (see
    /// [`match_overlapping`]).
    pub fn add_overlapping(&mut self, gold: &[(Span, String)], pred: &[(Span, String)]) {
        let (pred_hit, gold_taken) = match_overlapping(gold, pred);
        for ((_, label), hit) in pred.iter().zip(pred_hit) {
            self.count(label, usize::from(hit), usize::from(!hit), 0);
        }
        for ((_, label), taken) in gold.iter().zip(gold_taken) {
            if !taken {
                self.count(label, 0, 0, 1);
            }
        }
    }
}

/// Matches predicted frame spans to gold ones: same label, overlap by at
/// least half of the shorter span, one to one, each gold span taken by the
/// first prediction it fits. Returns whether each prediction matched and
/// whether each gold span was taken.
pub fn match_overlapping(
    gold: &[(Span, String)],
    pred: &[(Span, String)],
) -> (Vec<bool>, Vec<bool>) {
    let mut taken = vec![false; gold.len()];
    let hits = pred
        .iter()
        .map(|(span, label)| {
            let hit = gold
                .iter()
                .enumerate()
                .position(|(i, (g, l))| !taken[i] && l == label && half_overlap(span, g));
            if let Some(i) = hit {
                taken[i] = true;
            }
            hit.is_some()
        })
        .collect();
    (hits, taken)
}

/// Whether two spans overlap by at least half the length of the shorter one.
pub fn half_overlap(a: &Span, b: &Span) -> bool {
    let shorter = a.len().min(b.len());
    shorter > 0 && 2 * a.overlap(b) >= shorter
}

/// Counts of two sets compared as sets.
pub fn compare_sets<T: Ord>(gold: &BTreeSet<T>, pred: &BTreeSet<T>) -> Prf {
    let tp = gold.intersection(pred).count();
    Prf {
        tp,
        fp: pred.len() - tp,
        fn_: gold.len() - tp,
    }
}

/// Frames judged per document rather than per span, as an analyst who
/// counts framed articles or framed sentences per article uses them: per
/// label, whether a document carries the label at all (P, R, F1 over
/// documents), how many spans carry it in all, and how closely the number
/// of its spans per document follows the gold's (Pearson's r over
/// documents). Documents without a span of a label, gold or predicted,
/// count as zero for it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocumentFrames {
    /// Per document: label → (gold spans, predicted spans).
    documents: Vec<BTreeMap<String, (usize, usize)>>,
}

impl DocumentFrames {
    /// Adds one document's gold and predicted frame spans.
    pub fn add(&mut self, gold: &[(Span, String)], pred: &[(Span, String)]) {
        let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for (_, label) in gold {
            counts.entry(label.clone()).or_default().0 += 1;
        }
        for (_, label) in pred {
            counts.entry(label.clone()).or_default().1 += 1;
        }
        self.documents.push(counts);
    }

    /// The scores per label, over every document added.
    pub fn per_label(&self) -> BTreeMap<String, DocumentLabel> {
        let labels: BTreeSet<&String> = self.documents.iter().flat_map(|d| d.keys()).collect();
        labels
            .into_iter()
            .map(|label| {
                let (gold, pred): (Vec<usize>, Vec<usize>) = self
                    .documents
                    .iter()
                    .map(|d| d.get(label).copied().unwrap_or_default())
                    .unzip();
                let mut presence = Prf::default();
                for (&g, &p) in gold.iter().zip(&pred) {
                    presence.add(Prf {
                        tp: usize::from(g > 0 && p > 0),
                        fp: usize::from(g == 0 && p > 0),
                        fn_: usize::from(g > 0 && p == 0),
                    });
                }
                let scores = DocumentLabel {
                    documents: gold.len(),
                    presence,
                    gold_spans: gold.iter().sum(),
                    predicted_spans: pred.iter().sum(),
                    count_correlation: pearson(&gold, &pred),
                };
                (label.clone(), scores)
            })
            .collect()
    }
}

impl Serialize for DocumentFrames {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.per_label().serialize(s)
    }
}

/// One label's scores in [`DocumentFrames`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DocumentLabel {
    /// Documents scored.
    pub documents: usize,
    /// Documents that carry the label, gold against predicted.
    pub presence: Prf,
    /// Gold spans with the label, over every document.
    pub gold_spans: usize,
    /// Predicted spans with the label, over every document.
    pub predicted_spans: usize,
    /// Pearson's r of the spans per document, gold against predicted;
    /// none when either count is the same in every document.
    pub count_correlation: Option<f64>,
}

/// Pearson's correlation of two equally long series; none when either has
/// no variance.
pub fn pearson(x: &[usize], y: &[usize]) -> Option<f64> {
    let n = x.len() as f64;
    let mean = |v: &[usize]| v.iter().sum::<usize>() as f64 / n;
    let (mx, my) = (mean(x), mean(y));
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (&a, &b) in x.iter().zip(y) {
        let (dx, dy) = (a as f64 - mx, b as f64 - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(start: usize, end: usize) -> Span {
        Span::new(start, end)
    }

    #[test]
    fn prf_by_hand() {
        let p = Prf {
            tp: 3,
            fp: 1,
            fn_: 2,
        };
        assert_eq!(p.precision(), 0.75);
        assert_eq!(p.recall(), 0.6);
        assert!((p.f1() - 2.0 * 0.75 * 0.6 / 1.35).abs() < 1e-12);
        assert_eq!(Prf::default().f1(), 0.0);
    }

    #[test]
    fn exact_spans_need_span_and_label() {
        let gold = [(s(0, 5), "LOC"), (s(10, 15), "PER"), (s(20, 22), "ORG")];
        let pred = [(s(0, 5), "LOC"), (s(10, 15), "ORG"), (s(30, 31), "MISC")];
        let mut scores = Scores::default();
        scores.add_exact(&gold, &pred);
        assert_eq!(
            scores.overall,
            Prf {
                tp: 1,
                fp: 2,
                fn_: 2
            }
        );
        assert_eq!(
            scores.per_label["LOC"],
            Prf {
                tp: 1,
                fp: 0,
                fn_: 0
            }
        );
        assert_eq!(
            scores.per_label["ORG"],
            Prf {
                tp: 0,
                fp: 1,
                fn_: 1
            }
        );
        assert_eq!(
            scores.per_label["PER"],
            Prf {
                tp: 0,
                fp: 0,
                fn_: 1
            }
        );
        assert_eq!(
            scores.per_label["MISC"],
            Prf {
                tp: 0,
                fp: 1,
                fn_: 0
            }
        );
    }

    #[test]
    fn frames_match_on_half_of_the_shorter_span() {
        // Gold sentence 0..100. A clause 40..80 lies inside: overlap 40 of the
        // shorter 40 → match. 90..200 overlaps 10 of the shorter 100 → no.
        assert!(half_overlap(&s(0, 100), &s(40, 80)));
        assert!(!half_overlap(&s(0, 100), &s(90, 200)));
        // Exactly half of the shorter one counts.
        assert!(half_overlap(&s(0, 10), &s(5, 30)));
        assert!(!half_overlap(&s(0, 10), &s(6, 30)));
        let gold = vec![
            (s(0, 100), "desperation".to_string()),
            (s(0, 100), "capability".to_string()),
        ];
        let pred = vec![
            (s(40, 80), "desperation".to_string()),
            (s(50, 90), "desperation".to_string()),
            (s(90, 200), "capability".to_string()),
        ];
        let mut scores = Scores::default();
        scores.add_overlapping(&gold, &pred);
        // The first desperation prediction takes the gold span; the second
        // finds it taken. The capability prediction overlaps too little.
        assert_eq!(
            scores.per_label["desperation"],
            Prf {
                tp: 1,
                fp: 1,
                fn_: 0
            }
        );
        assert_eq!(
            scores.per_label["capability"],
            Prf {
                tp: 0,
                fp: 1,
                fn_: 1
            }
        );
        assert_eq!(
            scores.overall,
            Prf {
                tp: 1,
                fp: 2,
                fn_: 1
            }
        );
    }

    #[test]
    fn sets() {
        let gold: BTreeSet<_> = ["PRK", "RUS", "UKR"].into_iter().collect();
        let pred: BTreeSet<_> = ["PRK", "USA"].into_iter().collect();
        assert_eq!(
            compare_sets(&gold, &pred),
            Prf {
                tp: 1,
                fp: 1,
                fn_: 2
            }
        );
    }
    #[test]
    fn frames_per_document() {
        let d = |n: usize| -> Vec<(Span, String)> {
            (0..n)
                .map(|i| (s(i, i + 1), "desperation".to_string()))
                .collect()
        };
        let mut docs = DocumentFrames::default();
        docs.add(&d(2), &d(3)); // both carry it
        docs.add(&d(0), &d(1)); // predicted only
        docs.add(&d(1), &d(0)); // gold only
        docs.add(&d(0), &d(0)); // neither
        let per = docs.per_label();
        let des = &per["desperation"];
        assert_eq!(des.documents, 4);
        assert_eq!(
            des.presence,
            Prf {
                tp: 1,
                fp: 1,
                fn_: 1
            }
        );
        assert_eq!((des.gold_spans, des.predicted_spans), (3, 4));
        // gold 2 0 1 0 (mean 0.75), predicted 3 1 0 0 (mean 1): r by hand.
        let r = des.count_correlation.unwrap();
        let (sxy, sxx, syy) = (3.0, 2.75, 6.0);
        assert!((r - sxy / f64::sqrt(sxx * syy)).abs() < 1e-12);
        assert_eq!(pearson(&[1, 1, 1], &[0, 1, 2]), None);
    }
}
