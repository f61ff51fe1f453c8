#!/usr/bin/env python3
"""Adds collected article openings to the unlabelled pool
(fixtures/pool/articles.jsonl), keeping out what would leak labels or repeat:

- a page whose URL is already in the pool or in the labelled corpus;
- a page sharing three or more 8-word runs with a labelled corpus document
  (a copy or a rewrite of a labelled article would leak its labels into
  cross-validation);
- a page sharing three or more 8-word runs with a pool page before it.

  python3 scripts/corpus/pool_add.py NEW.jsonl [NEW.jsonl ...]

Each new line is a JSON object with `url`, `publisher` and `text` (its `id`
is replaced: pages are numbered on from the pool's highest `pool-NNNN`).
Prints what was dropped and why; `--dry-run` writes nothing.
"""
import argparse
import json
import os
import re
import sys

from jsonl import read_jsonl

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
POOL = os.path.join(ROOT, "fixtures", "pool", "articles.jsonl")
CORPUS = [os.path.join(ROOT, "fixtures", "corpus", f) for f in ("articles.jsonl", "conll.jsonl")]
RUN = 8
SHARED_RUNS = 3


def runs(text):
    """The text's 8-word runs (words lower-cased, punctuation dropped)."""
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i:i + RUN]) for i in range(len(words) - RUN + 1)}


def shares_runs(mine, others):
    """Whether the runs `mine` share SHARED_RUNS or more with any set of
    `others`."""
    return any(len(mine & r) >= SHARED_RUNS for r in others)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("new", nargs="+", help="JSONL files of collected pages")
    p.add_argument("--dry-run", action="store_true")
    opts = p.parse_args()
    pool = [d for _, d in read_jsonl(POOL)]
    corpus = [d for path in CORPUS for _, d in read_jsonl(path)]
    seen_urls = {d["url"] for d in pool + corpus if d.get("url")}
    labelled = [runs(d["text"]) for d in corpus]
    earlier = [runs(d["text"]) for d in pool]
    number = max(int(d["id"].split("-")[1]) for d in pool if re.fullmatch(r"pool-\d+", d["id"]))
    added, dropped = [], []
    for path in opts.new:
        for n, d in read_jsonl(path):
            where = f"{path}:{n}"
            for field in ("url", "publisher", "text"):
                if not isinstance(d.get(field), str) or not d[field].strip():
                    sys.exit(f"pool_add: {where}: field {field!r} missing or empty")
            mine = runs(d["text"])
            if d["url"] in seen_urls:
                dropped.append((where, "URL already in the pool or the corpus"))
            elif shares_runs(mine, labelled):
                dropped.append((where, f"{SHARED_RUNS}+ 8-word runs shared with a labelled document"))
            elif shares_runs(mine, earlier):
                dropped.append((where, f"{SHARED_RUNS}+ 8-word runs shared with an earlier pool page"))
            else:
                number += 1
                added.append({"id": f"pool-{number:04d}", "url": d["url"], "publisher": d["publisher"],
                              "text": d["text"]})
                seen_urls.add(d["url"])
                earlier.append(mine)
    for where, why in dropped:
        print(f"dropped {where}: {why}", file=sys.stderr)
    print(f"pool_add: {len(added)} added, {len(dropped)} dropped; pool {len(pool)} -> {len(pool) + len(added)}",
          file=sys.stderr)
    if not opts.dry_run and added:
        with open(POOL, "a", encoding="utf-8") as f:
            for d in added:
                f.write(json.dumps(d, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
