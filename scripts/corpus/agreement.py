#!/usr/bin/env python3
"""Agreement of the corpus's two independent frame labellings
(fixtures/corpus/agreement/sentences.jsonl): per label, sentences labelled by the first
labelling only, the second only, both; F1 of one against the other (symmetric) and Cohen's
kappa; overall and per group of documents. Also how the adjudication settled the
disagreements. This is the ceiling to read the frame classifiers' F1 against.

Usage: python3 scripts/corpus/agreement.py
"""
import collections
import json
import os

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


def main():
    path = os.path.join(ROOT, "fixtures", "corpus", "agreement", "sentences.jsonl")
    rows = [json.loads(line) for line in open(path, encoding="utf-8")]
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
    print("adjudicated disagreements:", dict(settled))


if __name__ == "__main__":
    main()
