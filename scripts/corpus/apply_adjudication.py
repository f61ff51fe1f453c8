#!/usr/bin/env python3
"""Applies the adjudicated frame labels of fixtures/corpus/agreement/sentences.jsonl to the
corpus sources (fixtures/corpus/src/*/*.json), then rebuild with build_corpus.py.

Only sentences where the two independent labellings disagreed carry an adjudication that can
differ from the first labelling; for each of them the sentence's labels are set to the
adjudicated ones: a label removed is taken off every frame span that covers the sentence (a span
reaching over other sentences is first split into one span per sentence, so the others keep
their labels), a label
added joins a frame span that covers the sentence, or the sentence becomes a new frame span.
Frames are written back as exact substrings, in text order. Idempotent: a sentence already
labelled as adjudicated is left alone.

Usage: python3 scripts/corpus/apply_adjudication.py && python3 scripts/corpus/build_corpus.py
"""
import glob
import json
import os
import sys

from jsonl import read_jsonl

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "fixtures", "corpus")


def half_overlap(a, b):
    ov = min(a[1], b[1]) - max(a[0], b[0])
    return ov > 0 and 2 * ov >= min(a[1] - a[0], b[1] - b[0])


def covering(spans, sent):
    """The frame spans that cover sentence `sent`, as eval matches spans."""
    return [f for f in spans if half_overlap((f[0], f[1]), sent)]


def split(spans, frame, sentences, sent):
    """Replaces a frame span that reaches beyond `sent` by its pieces, one per sentence it
    covers (overlap by half the shorter span, as the labels per sentence were read), each
    with the frame's labels; returns the piece within `sent`."""
    spans.remove(frame)
    mine = None
    for start, end in sentences:
        lo, hi = max(start, frame[0]), min(end, frame[1])
        if lo < hi and half_overlap((start, end), (frame[0], frame[1])):
            piece = [lo, hi, set(frame[2])]
            spans.append(piece)
            if (start, end) == sent:
                mine = piece
    return mine


def built_frames():
    out = {}
    for name in ("articles.jsonl", "conll.jsonl"):
        for _, doc in read_jsonl(os.path.join(CORPUS, name)):
            out[doc["id"]] = [[f["start"], f["end"], set(f["labels"])] for f in doc["frames"]]
    return out


def main():
    frames = built_frames()
    todo, bounds = {}, {}
    for _, s in read_jsonl(os.path.join(CORPUS, "agreement", "sentences.jsonl")):
        bounds.setdefault(s["id"], []).append((s["start"], s["end"]))
        if s["first"] != s["second"]:
            todo.setdefault(s["id"], []).append(s)
    changed = 0
    for path in sorted(glob.glob(os.path.join(CORPUS, "src", "*", "*.json"))):
        src = json.load(open(path, encoding="utf-8"))
        doc_id = src["id"]
        if doc_id not in todo:
            continue
        spans = frames[doc_id]
        text = src["text"]
        edited = False
        for s in todo[doc_id]:
            sent = (s["start"], s["end"])
            want = set(s["adjudicated"])
            cover = covering(spans, sent)
            have = set().union(*(f[2] for f in cover))
            if have == want:
                continue
            edited = True
            for label in have - want:
                for f in [f for f in cover if label in f[2]]:
                    if f[0] < sent[0] or f[1] > sent[1]:
                        f = split(spans, f, bounds[doc_id], sent)
                    f[2].discard(label)
                cover = covering(spans, sent)
            for label in want - have:
                inside = [f for f in cover if f[2]]
                if inside:
                    f = inside[0]
                    if f[0] < sent[0] or f[1] > sent[1]:
                        f = split(spans, f, bounds[doc_id], sent)
                        cover = covering(spans, sent)
                    f[2].add(label)
                else:
                    spans.append([sent[0], sent[1], {label}])
                    cover.append(spans[-1])
        if not edited:
            continue
        kept = []
        for f in sorted(spans, key=lambda f: (f[0], f[1])):
            start, end = f[0], f[1]
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if f[2] and start < end:
                kept.append([text[start:end], sorted(f[2])])
        src["frames"] = kept
        with open(path, "w", encoding="utf-8") as out:
            json.dump(src, out, ensure_ascii=False, indent=1)
            out.write("\n")
        changed += 1
    print(f"{changed} documents changed", file=sys.stderr)


if __name__ == "__main__":
    main()
