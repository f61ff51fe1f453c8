#!/usr/bin/env python3
"""Agreement of two independent labellings of entity roles and countries
(fixtures/corpus/agreement/roles.jsonl against fixtures/corpus/articles.jsonl).

A second labeller was given 30 documents of the corpus (drawn at random) with their entity
mentions and labels fixed, and assigned every mention its role (actor / place / other) and
country under ANNOTATION.md alone, without seeing the first labelling or any tagger output.
This script reports, over those mentions:
  - role agreement (share of mentions with the same role), the confusion of the two
    labellings and Cohen's kappa;
  - actor-country agreement: F1 of the (mention, country) pairs of mentions each labelling
    calls an actor with a country, one labelling against the other.
With --cv-work DIR (the WORK directory of scripts/ner_corpus_cv.sh, after a run), each of
the 30 documents is also tagged with the models of the fold that held it out, and the
tagger's roles are compared with the first labelling on the mentions whose span it found
exactly, beside the second labeller's on the same mentions: the same yardstick for both.

Usage: python3 scripts/corpus/role_agreement.py [--cv-work DIR [--weight 12]]
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

from jsonl import read_jsonl

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "fixtures", "corpus")
ROLES = ("actor", "place", "other")


def pairs(gold, second):
    """(first, second) mention pairs of every document of the second labelling."""
    out = []
    for doc in second:
        first = gold.get(doc["id"])
        if first is None:
            sys.exit(f"role_agreement: {doc['id']}: not in articles.jsonl")
        spans = {(e["start"], e["end"]): e for e in first["entities"]}
        for m in doc["mentions"]:
            e = spans.get((m["start"], m["end"]))
            if e is None:
                sys.exit(f"role_agreement: {doc['id']}: mention {m['text']!r} at {m['start']} "
                         "is not an entity of articles.jsonl")
            out.append((doc["id"], e, m))
    return out


def kappa(confusion, n):
    po = sum(confusion[r, r] for r in ROLES) / n
    pe = sum(sum(confusion[r, c] for c in ROLES) * sum(confusion[c, r] for c in ROLES)
             for r in ROLES) / n / n
    return (po - pe) / (1 - pe)


def country_f1(a, b):
    """F1 of one labelling's actor (mention, country) pairs against the other's."""
    tp = len(a & b)
    return 2 * tp / (len(a) + len(b)) if a or b else 0.0


def actor_countries(doc_id, e):
    return {(doc_id, e["start"], e["country"])} if e["role"] == "actor" and e.get("country") else set()


def tagged(ids, gold, work, weight):
    """Records of the documents `ids`, each tagged with the models of the fold of
    ner_corpus_cv.sh that held it out."""
    fold_of = {}
    k = 0
    while os.path.exists(os.path.join(work, f"fold{k}.ids")):
        for i in open(os.path.join(work, f"fold{k}.ids")).read().split(","):
            fold_of[i] = k
        k += 1
    if not fold_of:
        sys.exit(f"role_agreement: {work}: no fold0.ids: not the WORK directory of a "
                 "scripts/ner_corpus_cv.sh run")
    missing = [i for i in ids if i not in fold_of]
    if missing:
        sys.exit(f"role_agreement: {work}: document {missing[0]} is in none of its foldK.ids "
                 "(a run of scripts/ner_corpus_cv.sh on another corpus?)")
    newstag = os.path.join(ROOT, "target", "release", "newstag")
    if not os.access(newstag, os.X_OK):
        sys.exit(f"role_agreement: {newstag}: no newstag binary (build it: cargo build --release)")
    records = {}
    for fold in sorted({fold_of[i] for i in ids}):
        models = os.path.join(work, f"w{weight}-f{fold}-roles", "models")
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8", delete=False) as f:
            for i in ids:
                if fold_of[i] == fold:
                    f.write(json.dumps({"id": i, "text": gold[i]["text"]}, ensure_ascii=False) + "\n")
        run = subprocess.run([newstag, "tag", f.name, "--no-frames", "--quiet", "--models", models],
                             capture_output=True, text=True, encoding="utf-8")
        os.unlink(f.name)
        if run.returncode != 0:
            sys.exit(f"role_agreement: newstag tag failed: {run.stderr.strip()}")
        for line in run.stdout.splitlines():
            r = json.loads(line)
            records[r["id"]] = r
    return records


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cv-work", help="WORK directory of a scripts/ner_corpus_cv.sh run")
    p.add_argument("--weight", default="12", help="the corpus weight of that run's models")
    opts = p.parse_args()
    gold = {d["id"]: d for _, d in read_jsonl(os.path.join(CORPUS, "articles.jsonl"))}
    second = [d for _, d in read_jsonl(os.path.join(CORPUS, "agreement", "roles.jsonl"))]
    rows = pairs(gold, second)
    n = len(rows)
    confusion = collections.Counter((e["role"], m["role"]) for _, e, m in rows)
    same = sum(confusion[r, r] for r in ROLES)
    print(f"{n} mentions of {len(second)} documents")
    print(f"role agreement {same / n:.3f}, Cohen's kappa {kappa(confusion, n):.3f}")
    print("first \\ second " + "".join(f"{r:>8}" for r in ROLES))
    for r in ROLES:
        print(f"{r:<15}" + "".join(f"{confusion[r, c]:>8}" for c in ROLES))
    first_c = set().union(*(actor_countries(i, e) for i, e, _ in rows))
    second_c = set().union(*(actor_countries(i, m) for i, _, m in rows))
    print(f"actor-country F1, one labelling against the other {country_f1(first_c, second_c):.3f}")
    if opts.cv_work:
        records = tagged(sorted({i for i, _, _ in rows}), gold, opts.cv_work, opts.weight)
        found = tagger = labeller = 0
        for i, e, m in rows:
            pred = {(x["start"], x["end"]): x for x in records[i]["entities"]}.get((e["start"], e["end"]))
            if pred is None:
                continue
            found += 1
            tagger += pred["role"] == e["role"]
            labeller += m["role"] == e["role"]
        print(f"on the {found} mentions whose span the held-out tagger found: roles as the first "
              f"labelling, tagger {tagger / found:.3f}, second labeller {labeller / found:.3f}")


if __name__ == "__main__":
    main()
