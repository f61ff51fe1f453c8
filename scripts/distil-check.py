#!/usr/bin/env python3
"""Does a static table distilled from an encoder fine-tuned on the frame labels
carry more frame signal than the shipped one, distilled from the base encoder?
(issue 9, "then distil again").

Per fold of a 5-fold cross-validation over documents (the folds of
train-setfit.py --cv folds): the encoder is fine-tuned on the training
documents (train-setfit.py --objective classify), a Model2Vec-style table is
distilled from it as `newstag models distill` does (each vocabulary entry run
alone as [CLS] token [SEP], mean of the three positions, PCA to 256, SIF
weights by vocabulary rank), and logistic heads over mean static sentence
vectors (thresholds by inner folds, as train-setfit.py fits them) are scored
on the held-out documents. The same heads over the base encoder's table, and
the fine-tuned encoder itself, are scored on the same folds. Nothing is
written; the tables are printed after each fold.

Usage (venv of scripts/setup-libtorch with scripts/requirements-python.txt):
  .venv/bin/python scripts/distil-check.py --base models/hf/all-MiniLM-L6-v2
About 25 minutes on 2 cores.
"""
import argparse
import importlib.util
import os
import sys
import time

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
spec = importlib.util.spec_from_file_location("train_setfit", os.path.join(ROOT, "scripts", "train-setfit.py"))
ts = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ts)


def distil(model, dim=256):
    """The static table of `model`'s transformer, as newstag models distill builds it."""
    tok = model.tokenizer
    word = model[0].auto_model
    n = tok.vocab_size
    out = np.zeros((n, word.config.hidden_size), dtype=np.float32)
    with torch.no_grad():
        for b in range(0, n, 1024):
            ids = torch.tensor([[tok.cls_token_id, i, tok.sep_token_id] for i in range(b, min(n, b + 1024))])
            hidden = word(input_ids=ids, attention_mask=torch.ones_like(ids)).last_hidden_state
            out[b:b + len(ids)] = hidden.mean(1).numpy()
    x = out - out.mean(0)
    _, vectors = np.linalg.eigh(x.T @ x / n)
    x = x @ vectors[:, ::-1][:, :dim]
    rank = np.arange(1, n + 1)
    p = 1.0 / (rank * np.log(1.78 * n))
    return (x * (1e-4 / (1e-4 + p))[:, None]).astype(np.float32)


def static_vectors(model, table, texts):
    """Unit mean of the table rows of each text's word pieces."""
    vectors = []
    for text in texts:
        ids = model.tokenizer(text, add_special_tokens=False)["input_ids"]
        v = table[ids].mean(0) if ids else np.zeros(table.shape[1], np.float32)
        vectors.append(v / (np.linalg.norm(v) + 1e-9))
    return np.stack(vectors)


def tally_fold(tally, docs, held, test, scores, head, labels):
    for d in sorted(held):
        pred = [(r["span"], label) for r, p in zip(test, scores) if r["doc"] == d
                for label, s, t in zip(labels, p, head.thresholds) if s >= t]
        tally.add(docs[d]["gold"], pred)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", nargs="+", default=[os.path.join(ROOT, "fixtures", "corpus", f)
                                                   for f in ("articles.jsonl", "conll.jsonl")])
    p.add_argument("--base", default=ts.DEFAULT_BASE)
    p.add_argument("--epochs", type=int, default=3)
    args = p.parse_args()
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    opts = ts.parse_args(["--corpus", *args.corpus, "--cv", "folds", "--objective", "classify",
                          "--epochs", str(args.epochs), "--base", args.base, "--max-seq-length", "128"])
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    docs = ts.read_gold(opts.corpus)
    ts.split_sentences(docs, opts.newstag)
    labels = sorted({l for d in docs for _, l in d["gold"]})
    rows = ts.sentence_rows(docs, labels)
    base = ts.load_encoder(args.base, 128)
    base_table = distil(base)
    fold_of = ts.doc_folds([d["id"] for d in docs], opts.folds, opts.seed)
    tallies = {k: ts.Tally(labels) for k in ("base table", "fine-tuned table", "fine-tuned encoder")}
    for f in range(opts.folds):
        held = {i for i, d in enumerate(docs) if fold_of[d["id"]] == f}
        train = [r for r in rows if r["doc"] not in held]
        test = [r for r in rows if r["doc"] in held]
        model, head, _ = ts.train_fold(train, labels, opts, log)
        started = time.time()
        table = distil(model)
        log(f"fold {f + 1}: distilled in {time.time() - started:.0f}s")
        for name, tab, m in (("base table", base_table, base), ("fine-tuned table", table, model)):
            x_train = static_vectors(m, tab, [r["text"] for r in train])
            x_test = static_vectors(m, tab, [r["text"] for r in test])
            static_head = ts.fit_head(x_train, train, labels, opts)
            tally_fold(tallies[name], docs, held, test, static_head.scores(x_test), static_head, labels)
        scores = head.scores(ts.embed(model, [r["text"] for r in test]))
        tally_fold(tallies["fine-tuned encoder"], docs, held, test, scores, head, labels)
        for name, tally in tallies.items():
            print(tally.table(f"after fold {f + 1} of {opts.folds}: {name}"), flush=True)


if __name__ == "__main__":
    main()
