#!/usr/bin/env python3
"""Chooses frame decision thresholds on a gold file (ANNOTATION.md format).

Runs `newstag tag GOLD --all-frame-scores --frame-method METHOD`, then, per
label, tries every distinct score as threshold and keeps the one with the
best F1 (matching as `newstag eval` does: same label, spans overlapping by
at least half the shorter one, one prediction per gold span; ties go to the
higher threshold). Prints the thresholds and the F1 each gives, to be copied
into the frame set file as `thresholds = { METHOD = ... }` per label.

Usage: scripts/frame_thresholds.py [--newstag target/release/newstag]
           [--gold fixtures/gold.jsonl] [--method static] [-- extra newstag flags]
Needs only the Python standard library. Thresholds chosen this way fit the
gold file they were chosen on: there is no held-out frame gold, so F1 on
the same file is optimistic.
"""
import argparse
import json
import subprocess
import sys


def overlaps(a, b):
    shorter = min(a[1] - a[0], b[1] - b[0])
    return shorter > 0 and 2 * (min(a[1], b[1]) - max(a[0], b[0])) >= shorter


def f1_at(threshold, docs, label):
    tp = fp = fn = 0
    for gold, frames in docs:
        spans = [g for g in gold if label in g[2]]
        taken = [False] * len(spans)
        for f in frames:
            if f["label"] != label or f["score"] < threshold:
                continue
            hit = next((i for i, g in enumerate(spans) if not taken[i] and overlaps((f["start"], f["end"]), g)), None)
            if hit is None:
                fp += 1
            else:
                taken[hit] = True
                tp += 1
        fn += taken.count(False)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return (2 * p * r / (p + r) if p + r else 0.0), p, r


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--newstag", default="target/release/newstag")
    ap.add_argument("--gold", default="fixtures/gold.jsonl")
    ap.add_argument("--method", default="static")
    ap.add_argument("extra", nargs="*", help="further newstag flags (after --)")
    args = ap.parse_args()
    cmd = [args.newstag, "tag", args.gold, "--no-text", "--all-frame-scores", "--frame-method", args.method, *args.extra]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    gold = {}
    with open(args.gold, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                d = json.loads(line)
                gold[d["id"]] = [(g["start"], g["end"], set(g["labels"])) for g in d.get("frames", [])]
    docs, labels = [], []
    for line in out.splitlines():
        rec = json.loads(line)
        if "error" in rec:
            sys.exit(f"{rec['id']}: {rec['error']['message']}")
        docs.append((gold[rec["id"]], rec["frames"]))
        for f in rec["frames"]:
            if f["label"] not in labels:
                labels.append(f["label"])
    print(f"# {' '.join(cmd)}")
    for label in labels:
        scores = sorted({f["score"] for _, fs in docs for f in fs if f["label"] == label and f["score"] > 0})
        best = max(((f1_at(t, docs, label), t) for t in scores), key=lambda x: (x[0][0], x[1]), default=None)
        if best is None:
            print(f"{label}: no positive score")
            continue
        (f1, p, r), t = best
        # Midway to the next lower score, so the choice is not on a knife edge.
        lower = [s for s in scores if s < t]
        threshold = (t + lower[-1]) / 2 if lower else t
        print(f"{label}: thresholds = {{ {args.method} = {threshold:.3f} }}   # P {p:.3f} R {r:.3f} F1 {f1:.3f}")


if __name__ == "__main__":
    main()
