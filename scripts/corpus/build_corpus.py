#!/usr/bin/env python3
"""Builds the labelled conflict corpus (fixtures/corpus/*.jsonl) from its hand-written sources.

Each document is one JSON file under fixtures/corpus/src/<group>/<id>.json:

    {"id": "sudan-01",
     "url": "https://...", "publisher": "Reuters", "date": "2024-05-02", "title": "...",
     "conflict": "sudan",                      # slug used for leave-one-conflict-out
     "layers": ["entities", "frames"],         # what was labelled; CoNLL documents: ["frames"]
     "source": "conll2003/train.txt:12-40",    # for data-set text: written out as `origin`
     "text": "exact text, copied character for character",
     "entities": [["Rapid Support Forces", "ORG", "actor", "SDN"], ["Khartoum", "LOC", "place", "SDN"]],
     "frames": [["exact substring (usually a whole sentence)", ["desperation"]],
                ["first words", "last words", ["capability", "desperation"]]]}

Entities are listed in text order, every mention; each surface is found as a whole word after
the previous one, so offsets are never typed by hand. A frame is an exact substring, or its
first and last words; frames are listed in text order too.

Writes fixtures/corpus/articles.jsonl (layers with entities) and fixtures/corpus/conll.jsonl
(frames only), validates both with scripts/check_gold.py, and with --review prints capitalised
words that no entity covers, for a checking pass.

Usage: python3 scripts/corpus/build_corpus.py [--review] [--stats]
"""
import glob
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
sys.path.insert(0, os.path.join(ROOT, "fixtures"))
import check_gold  # noqa: E402
from build_gold import find_word, occurrences  # noqa: E402

SRC = os.path.join(ROOT, "fixtures", "corpus", "src")
OUT = os.path.join(ROOT, "fixtures", "corpus")
PROVENANCE = ["url", "publisher", "date", "title", "conflict"]


def fail(path, msg):
    sys.exit(f"{os.path.relpath(path, ROOT)}: {msg}")


def build_doc(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    text = doc["text"]
    layers = doc.get("layers", ["entities", "frames"])
    rec = {"id": doc["id"]}
    for key in PROVENANCE:
        if doc.get(key) is not None:
            rec[key] = doc[key]
    if doc.get("source") is not None:
        # Where in a data set the text comes from ("conll2003/train.txt:12-40"),
        # not a repository path (check_gold reads `source` as one).
        rec["origin"] = doc["source"]
    if "conflict" not in rec:
        fail(path, "no 'conflict' slug")
    rec["layers"] = layers
    rec["text"] = text
    entities, pos = [], 0
    for k, item in enumerate(doc.get("entities", [])):
        if len(item) != 4:
            fail(path, f"entity #{k} {item!r}: want [surface, label, role, country-or-null]")
        surface, label, role, country = item
        i = find_word(text, surface, pos)
        if i < 0:
            fail(path, f"entity #{k} {surface!r} not found after code point {pos}")
        ent = {"start": i, "end": i + len(surface), "label": label, "role": role}
        if country:
            ent["country"] = country
        entities.append(ent)
        pos = i + len(surface)
    if "entities" in layers:
        rec["entities"] = entities
    elif entities:
        fail(path, "entities given but 'entities' is not in layers")
    frames, pos = [], 0
    for k, item in enumerate(doc.get("frames", [])):
        if len(item) == 2:
            span, labels = item
            i = text.find(span, pos)
            if i < 0:
                i = text.find(span)
                where = "anywhere" if i < 0 else f"after code point {pos} (frames must be in text order)"
                fail(path, f"frame #{k} {span[:60]!r} not found {where}")
            end = i + len(span)
        elif len(item) == 3:
            first, last, labels = item
            i = text.find(first, pos)
            if i < 0:
                fail(path, f"frame #{k} start {first!r} not found after code point {pos}")
            j = text.find(last, i)
            if j < 0:
                fail(path, f"frame #{k} end {last!r} not found after code point {i}")
            end = j + len(last)
        else:
            fail(path, f"frame #{k}: want [span, labels] or [first, last, labels]")
        if not labels or not all(isinstance(x, str) and x for x in labels):
            fail(path, f"frame #{k}: labels must be a non-empty list of strings")
        frames.append({"start": i, "end": end, "labels": sorted(set(labels))})
        pos = end
    rec["frames"] = frames
    return rec


def review(rec):
    text, ents = rec["text"], rec.get("entities", [])
    covered = [False] * len(text)
    for e in ents:
        for k in range(e["start"], e["end"]):
            covered[k] = True
    seen = {}
    for m in re.finditer(r"[A-Z][\w.\-’']*", text):
        if not covered[m.start()]:
            seen[m.group(0)] = seen.get(m.group(0), 0) + 1
    print(f"== {rec['id']}: capitalised, not in an entity:",
          ", ".join(f"{w}x{n}" if n > 1 else w for w, n in sorted(seen.items())))
    for s in sorted({text[e["start"]:e["end"]] for e in ents}):
        for i in occurrences(text, s):
            if not covered[i]:
                print(f"   surface {s!r} at {i} not tagged: ...{text[max(0, i - 40):i + 40]!r}")


def main():
    paths = sorted(glob.glob(os.path.join(SRC, "*", "*.json")))
    recs = [build_doc(p) for p in paths]
    ids = [r["id"] for r in recs]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        sys.exit(f"duplicate ids: {sorted(dup)}")
    groups = {
        "articles.jsonl": [r for r in recs if "entities" in r["layers"]],
        "conll.jsonl": [r for r in recs if "entities" not in r["layers"]],
    }
    status = 0
    for name, rs in groups.items():
        out = os.path.join(OUT, name)
        with open(out, "w", encoding="utf-8", newline="\n") as f:
            for r in rs:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        print(f"wrote {os.path.relpath(out, ROOT)}: {len(rs)} documents")
        status |= check_gold.check_file(out)
    if "--stats" in sys.argv:
        from collections import Counter
        conflicts = Counter(r["conflict"] for r in recs)
        frames = Counter(l for r in recs for fr in r["frames"] for l in fr["labels"])
        sents = sum(len(re.findall(r"[.!?][\"”’]?(\s|$)", r["text"])) for r in recs)
        print(f"documents {len(recs)}, approx sentences {sents}, framed spans "
              f"{sum(len(r['frames']) for r in recs)}, labels {dict(frames)}")
        print("conflicts:", dict(sorted(conflicts.items())))
    if "--review" in sys.argv:
        for r in recs:
            if "entities" in r["layers"]:
                review(r)
    return status


if __name__ == "__main__":
    sys.exit(main())
