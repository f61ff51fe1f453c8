#!/usr/bin/env python3
"""The CoNLL-2003 part of the unlabelled pool (fixtures/pool/articles.jsonl):
the Reuters stories of train.txt and dev.txt (never test.txt) about armed
forces or fighting, as JSONL documents on stdout.

Stories are cut at their datelines (a line such as "GROZNY, Russia
1996-08-22" starts a story together with the headline before it). A story is
kept when it has at least 4 sentences, names armed forces or fighting at
least 3 times, is not a table (digits under 8% of its characters), shares
no line with a document of fixtures/corpus/conll.jsonl, and shares fewer than
three 8-word runs with any labelled corpus document (Reuters sent updates of
one story; pool_add.py applies the same rule to pages). Tokens are joined
back into text.

Usage: python3 scripts/corpus/conll_pool.py [--conll ../shared/data/conll2003] > conll-pool.jsonl
"""
import argparse
import json
import os
import re

from jsonl import read_jsonl
from pool_add import CORPUS, runs, shares_runs

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATELINE = re.compile(r"^[A-Z][A-Z .'/-]+(, [A-Za-z .'-]+)? \d{4}-\d{2}-\d{2}\s*$")
ARMED = re.compile(
    r"\b(troops|soldiers|army|armed|military|rebels?|guerrillas?|militia|militias|war|fighting|fighters"
    r"|forces|killed|attack|attacks|ceasefire|shelling|artillery|offensive|insurgents?|separatists?"
    r"|gunmen|peacekeepers?|bomb|bombing|clashes)\b", re.I)


def detokenize(words):
    s = " ".join(words)
    s = re.sub(r" ([.,;:!?%)\]])", r"\1", s)
    s = re.sub(r"([(\[$]) ", r"\1", s)
    s = re.sub(r" (n't|'s|'re|'ve|'ll|'d|'m)\b", r"\1", s)
    return s.replace(' " ', ' "')


def sentences(path):
    """(first line, last line, tokens) of every sentence of a CoNLL file."""
    out, words, start = [], [], None
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line:
                if words:
                    out.append((start, n - 1, words))
                    words = []
                continue
            if not words:
                start = n
            words.append(line.split(" ")[0])
    if words:
        out.append((start, n, words))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--conll", default=os.path.join(ROOT, "..", "shared", "data", "conll2003"))
    opts = p.parse_args()
    labelled = [runs(d["text"]) for path in CORPUS for _, d in read_jsonl(path)]
    used = []
    with open(os.path.join(ROOT, "fixtures", "corpus", "conll.jsonl"), encoding="utf-8") as f:
        for line in f:
            name, lines = json.loads(line)["origin"].split(":")
            a, b = map(int, lines.split("-"))
            used.append((os.path.basename(name), a, b))
    for name in ("train.txt", "dev.txt"):
        sents = sentences(os.path.join(opts.conll, name))
        starts = sorted({k - 1 for k, (_, _, w) in enumerate(sents) if k > 0 and DATELINE.match(" ".join(w))})
        for i, first in enumerate(starts):
            story = sents[first:starts[i + 1] if i + 1 < len(starts) else len(sents)]
            a, b = story[0][0], story[-1][1]
            if any(f == name and not (b < x or a > y) for f, x, y in used):
                continue
            text = "\n".join(detokenize(w) for _, _, w in story)
            if len(story) < 4 or len(ARMED.findall(text)) < 3:
                continue
            if sum(c.isdigit() for c in text) / len(text) > 0.08:
                continue
            if shares_runs(runs(text), labelled):
                continue
            print(json.dumps({"id": f"conllpool-{name[:-4]}-{a}", "publisher": "Reuters",
                              "origin": f"conll2003/{name}:{a}-{b}", "text": text}, ensure_ascii=False))


if __name__ == "__main__":
    main()
