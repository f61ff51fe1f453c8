#!/usr/bin/env python3
"""Agreement of the corpus's two independent frame labellings
(fixtures/corpus/agreement/sentences.jsonl): per label, sentences labelled by the first
labelling only, the second only, both; F1 of one against the other (symmetric) and Cohen's
kappa; overall and per group of documents. Per document too, as `newstag eval`'s "frames per
document" table reads a classifier: F1 of whether a document carries a label at all, and
Pearson's r of the number of its sentences with the label. Also how the adjudication settled
the disagreements. This is the ceiling to read the frame classifiers' F1 against.

Usage: python3 scripts/corpus/agreement.py
"""
import collections
import os

from jsonl import read_jsonl

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LABELS = ("desperation", "capability")


def f1(tp, fp, fn):
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def kappa(c):
    n = sum(c.values())
    po = (c[True, True] + c[False, False]) / n
    a1, a2 = c[True, True] + c[True, False], c[True, True] + c[False, True]
    pe = (a1 * a2 + (n - a1) * (n - a2)) / n / n
    return (po - pe) / (1 - pe)


def pearson(x, y):
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx, syy = sum((a - mx) ** 2 for a in x), sum((b - my) ** 2 for b in y)
    return sxy / (sxx * syy) ** 0.5 if sxx and syy else float("nan")


def per_document(rows):
    """Per label: presence F1 over documents and r of sentences per document,
    first labelling against second."""
    counts = collections.defaultdict(lambda: {l: [0, 0] for l in LABELS})
    for r in rows:
        for l in LABELS:
            counts[r["id"]][l][0] += l in r["first"]
            counts[r["id"]][l][1] += l in r["second"]
    for l in LABELS:
        pairs = [c[l] for c in counts.values()]
        c = collections.Counter((a > 0, b > 0) for a, b in pairs)
        first, second = zip(*pairs)
        print(f"{l:12} documents {len(pairs)}  carry it: first only {c[True, False]:3}  second only "
              f"{c[False, True]:3}  both {c[True, True]:3}  F1 {f1(c[True, True], c[False, True], c[True, False]):.3f}"
              f"  sentences per document r {pearson(first, second):.3f}")


def main():
    path = os.path.join(ROOT, "fixtures", "corpus", "agreement", "sentences.jsonl")
    rows = [r for _, r in read_jsonl(path)]
    per_label = {l: collections.Counter() for l in LABELS}
    per_group = collections.defaultdict(collections.Counter)
    settled = collections.Counter()
    for r in rows:
        group = "conll" if r["id"].startswith("conll") else r["id"].rsplit("-", 1)[0]
        for l in LABELS:
            key = (l in r["first"], l in r["second"])
            per_label[l][key] += 1
            per_group[group][key] += 1
        if r["first"] != r["second"]:
            adj = r["adjudicated"]
            settled["as first" if adj == r["first"] else "as second" if adj == r["second"] else "other"] += 1
    print(f"{len(rows)} sentences of {len({r['id'] for r in rows})} documents")
    total = collections.Counter()
    for l, c in per_label.items():
        total.update(c)
        print(f"{l:12} first only {c[True, False]:4}  second only {c[False, True]:4}  both {c[True, True]:4}"
              f"  F1 {f1(c[True, True], c[False, True], c[True, False]):.3f}  kappa {kappa(c):.3f}")
    print(f"{'overall':12} F1 {f1(total[True, True], total[False, True], total[True, False]):.3f}")
    for g, c in sorted(per_group.items()):
        print(f"  {g:6} F1 {f1(c[True, True], c[False, True], c[True, False]):.3f}")
    print("per document:")
    per_document(rows)
    print("adjudicated disagreements:", dict(settled))


if __name__ == "__main__":
    main()
