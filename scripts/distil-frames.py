#!/usr/bin/env python3
"""Distils the transformer frame classifier into the embedded one (issue 9,
"then distil again"): a MiniLM encoder fine-tuned on the hand labels
(`scripts/train-setfit.py`) labels a pool of unlabelled news articles, and the
embedded classifier is trained on the hand labels plus those pseudo-labels
(`newstag train-frames --pseudo`), its regularisation and thresholds still
chosen on the hand labels alone.

  # pseudo-label the pool with a fine-tuned encoder (train-setfit.py --out DIR)
  scripts/distil-frames.py label --teacher DIR --pool fixtures/pool/articles.jsonl --out pseudo.jsonl

  # cross-validate the recipe: for each fold saved by
  # `train-setfit.py --cv conflict-groups --save-folds DIR` (its teacher never
  # saw the fold's documents), pseudo-label the pool with that fold's teacher,
  # train the embedded classifier on the other folds' documents plus the pool,
  # tag the fold with it and score it with `newstag eval`; counts summed
  scripts/distil-frames.py cv --folds DIR/conflict-groups --pool fixtures/pool/articles.jsonl

Several teachers (`label --teacher A B`, `cv --folds A/SCHEME B/SCHEME`, for
example encoders fine-tuned with other learning rates or seeds) label the
pool together: a sentence takes a label when the teachers' mean probability
reaches the mean of their thresholds, each chosen on its own training
documents. With one teacher the output is what it was.

`cv --no-pool` runs the same folds without the pool: the embedded classifier
on the hand labels alone, for comparison (the same figure as
`newstag eval --cv conflict:5`).

The pool is a JSONL file of documents with `id` and `text` (other fields are
kept). Sentences are split by newstag, as for every other use of the corpus.
"""
import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = [os.path.join(ROOT, "fixtures", "corpus", f) for f in ("articles.jsonl", "conll.jsonl")]
FRAMES = os.path.join(ROOT, "models", "frames")
# The shipped recipe's train-frames settings (models/README.md, "frames/"):
# weaker regularisation than train-frames' default grid suits the large
# pool, and its pseudo-labelled sentences weigh as much as hand-labelled ones.
PSEUDO_WEIGHTS = "1"
L2_GRID = "0.001,0.01,0.1"

_spec = importlib.util.spec_from_file_location("train_setfit", os.path.join(ROOT, "scripts", "train-setfit.py"))
setfit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(setfit)
CorpusError = setfit.CorpusError


def read_pool(paths):
    """The pool's documents: JSON lines with string `id` and `text`, ids
    unique across the files."""
    docs = [{"id": doc["id"], "text": doc["text"], "gold": [], "conflict": None, "where": where, "source": doc}
            for where, doc in setfit.read_documents(paths)]
    if not docs:
        raise CorpusError(f"{', '.join(paths)}: no document")
    return docs


def ensemble_scores(teachers, rows, max_seq_length):
    """The teachers' probabilities of every label for sentence `rows` (`text`
    and the `previous` sentence's, which a teacher trained with
    --context-pieces reads), averaged, and
    their thresholds, averaged (each chosen on its own training documents):
    labels, scores [n, labels], thresholds, the heads. One teacher is its own
    ensemble. Teachers whose labels differ are refused, naming both."""
    # Every head is read and checked before any encoder runs.
    heads = [setfit.Head.load(os.path.join(teacher, setfit.HEAD_FILE)) for teacher in teachers]
    for teacher, head in zip(teachers[1:], heads[1:]):
        if list(head.labels) != list(heads[0].labels):
            raise CorpusError(f"{teacher}: labels {list(head.labels)} differ from {teachers[0]}'s "
                              f"{list(heads[0].labels)}")
    scores = [head.scores(setfit.embed_rows(setfit.load_encoder(teacher, max_seq_length), rows,
                                            head.context_pieces))
              for teacher, head in zip(teachers, heads)]
    thresholds = [float(np.mean([h.thresholds[j] for h in heads])) for j in range(len(heads[0].labels))]
    return heads[0].labels, np.mean(scores, axis=0), thresholds, heads


def pseudo_label(teachers, pool, out, max_seq_length):
    """Writes `pool` (sentences split) as gold-format documents whose frames
    are the sentences the teachers select: their mean probability at their
    mean threshold (one teacher: its own)."""
    rows = [(d, span) for d in pool for span in d["sentences"]]
    previous = [d["sentences"][i - 1] if i else (0, 0) for d in pool for i in range(len(d["sentences"]))]
    labels, scores, thresholds, heads = ensemble_scores(
        teachers, [{"text": d["text"][s:e], "previous": d["text"][ps:pe]}
                   for (d, (s, e)), (ps, pe) in zip(rows, previous)], max_seq_length)
    frames = {}
    for (d, (s, e)), p in zip(rows, scores):
        chosen = [l for l, x, t in zip(labels, p, thresholds) if x >= t]
        if chosen:
            frames.setdefault(d["id"], []).append({"start": s, "end": e, "labels": chosen})
    counts = {l: 0 for l in labels}
    # Each teacher as its head's provenance records it (training files with
    # their SHA-256, options), and the thresholds selected at.
    described = [{k: h.provenance.get(k) for k in ("trainer", "base", "training_files", "documents", "options")
                  if k in h.provenance} for h in heads]
    by = {"teacher": described[0]} if len(heads) == 1 else {
        "teachers": described, "ensemble": "mean of the teachers' probabilities and of their thresholds"}
    by["thresholds"] = dict(zip(labels, thresholds))
    with open(out, "w", encoding="utf-8") as f:
        for d in pool:
            record = {k: v for k, v in d["source"].items() if k not in ("frames", "entities")}
            record["layers"] = ["frames"]
            record["frames"] = frames.get(d["id"], [])
            record["frames_by"] = by
            for fr in record["frames"]:
                for l in fr["labels"]:
                    counts[l] += 1
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    return len(rows), counts


def run(args, **kw):
    done = subprocess.run(args, **kw)
    if done.returncode != 0:
        raise CorpusError(f"{' '.join(map(str, args))} failed ({done.returncode}): {done.stderr or ''}")
    return done


def held_out(teachers):
    """The document ids a fold's teachers held out; teachers that held out
    different documents are refused, naming both."""
    sets = []
    for teacher in teachers:
        path = os.path.join(teacher, "held-out.ids")
        if not os.path.isfile(path):
            raise CorpusError(f"{path}: missing (train-setfit.py --save-folds writes it)")
        with open(path, encoding="utf-8") as f:
            sets.append(set(f.read().split()))
        if sets[-1] != sets[0]:
            raise CorpusError(f"{path}: holds out other documents than {os.path.join(teachers[0], 'held-out.ids')}")
    return sets[0]


def cross_validate(opts, log):
    """Per saved fold: pseudo-label, train, tag, score; returns the counts
    summed over folds as train-setfit.py's Tally."""
    gold = [doc for _, doc in setfit.read_documents(CORPUS)]
    root = opts.folds[0]
    folds = sorted(f for f in os.listdir(root) if os.path.isfile(os.path.join(root, f, "held-out.ids")))
    if not folds:
        raise CorpusError(f"{root}: no fold directory with held-out.ids (train-setfit.py --save-folds)")
    if opts.fold:
        missing = sorted(set(opts.fold) - set(folds))
        if missing:
            raise CorpusError(f"{root}: no saved fold {', '.join(missing)} (folds: {', '.join(folds)})")
        folds = [f for f in folds if f in opts.fold]
    # Every fold's teachers are checked before the pool is read.
    plan = []
    for fold in folds:
        teachers = [os.path.join(r, fold) for r in opts.folds]
        plan.append((fold, teachers, held_out(teachers)))
    pool = None
    if not opts.no_pool:
        pool = read_pool(opts.pool)
        setfit.split_sentences(pool, opts.newstag)
    os.makedirs(opts.work, exist_ok=True)
    totals = None
    for fold, teachers, held in plan:
        work = os.path.join(opts.work, fold)
        os.makedirs(work, exist_ok=True)
        with open(os.path.join(work, "train.jsonl"), "w", encoding="utf-8") as train, \
                open(os.path.join(work, "held.jsonl"), "w", encoding="utf-8") as test:
            for doc in gold:
                (test if doc["id"] in held else train).write(json.dumps(doc, ensure_ascii=False) + "\n")
        args = [opts.newstag, "train-frames", "--gold", os.path.join(work, "train.jsonl")]
        if pool:
            pseudo = os.path.join(work, "pseudo.jsonl")
            sentences, counts = pseudo_label(teachers, pool, pseudo, opts.max_seq_length)
            log(f"{fold}: the fold's teachers framed {counts} of the pool's {sentences} sentences")
            args += ["--pseudo", pseudo]
            args += ["--pseudo-weights", opts.pseudo_weights, "--l2", opts.l2]
        for name in ("deployment.toml", "negation.toml"):
            shutil.copy(os.path.join(FRAMES, name), os.path.join(work, name))
        frames = os.path.join(work, "deployment.toml")
        run(args + ["--frames", frames], capture_output=True, text=True)
        predicted = os.path.join(work, "predicted.jsonl")
        for path in (predicted, predicted + ".newstag-run.json"):
            if os.path.exists(path):
                os.remove(path)
        run([opts.newstag, "tag", os.path.join(work, "held.jsonl"), "--frames", frames, "-o", predicted, "-q"],
            capture_output=True, text=True)
        report = json.loads(run([opts.newstag, "eval", "--gold", os.path.join(work, "held.jsonl"),
                                 "--pred", predicted, "--json"], capture_output=True, text=True).stdout)
        per_label = report["frames"]["per_label"]
        totals = totals or setfit.Tally(sorted(per_label))
        for label, c in per_label.items():
            for i, key in enumerate(("tp", "fp", "fn")):
                totals.counts[label][i] += c[key]
        log(f"{fold}: {len(held)} held-out documents, frame F1 {report['frames']['f1']:.3f}")
    return totals


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    label = sub.add_parser("label", help="pseudo-label a pool with a fine-tuned encoder")
    label.add_argument("--teacher", required=True, nargs="+", metavar="DIR",
                       help="directory written by train-setfit.py --out; several: their mean probability "
                            "at their mean threshold")
    label.add_argument("--out", required=True, help="pseudo-labelled JSONL (for train-frames --pseudo)")
    cv = sub.add_parser("cv", help="cross-validate the distillation over saved folds")
    cv.add_argument("--folds", required=True, nargs="+", metavar="DIR/SCHEME",
                    help="written by train-setfit.py --cv ... --save-folds DIR; several: each fold's teachers "
                         "(the same fold of each, holding out the same documents) label the pool together")
    cv.add_argument("--work", default=os.path.join(ROOT, "target", "distil-cv"), help="working directory")
    cv.add_argument("--no-pool", action="store_true", help="the same folds on the hand labels alone")
    cv.add_argument("--fold", nargs="+", metavar="NAME",
                    help="only these saved folds (e.g. conflict-fold-1); each fold's predictions stay in WORK/NAME")
    cv.add_argument("--pseudo-weights", metavar="W,...", default=PSEUDO_WEIGHTS,
                    help=f"passed to train-frames (default: the shipped recipe's, {PSEUDO_WEIGHTS})")
    cv.add_argument("--l2", metavar="L2,...", default=L2_GRID,
                    help=f"passed to train-frames (default: the shipped recipe's, {L2_GRID})")
    for s in (label, cv):
        s.add_argument("--pool", nargs="+", default=[os.path.join(ROOT, "fixtures", "pool", "articles.jsonl")],
                       help="unlabelled JSONL documents (default: fixtures/pool/articles.jsonl)")
        s.add_argument("--newstag", default=os.path.join(ROOT, "target", "release", "newstag"))
        s.add_argument("--max-seq-length", type=int, default=128)
        s.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    opts = p.parse_args(argv)
    log = lambda m: print(m, file=sys.stderr, flush=True)
    setfit.torch.set_num_threads(opts.threads)
    if opts.command == "label":
        pool = read_pool(opts.pool)
        setfit.split_sentences(pool, opts.newstag)
        sentences, counts = pseudo_label(opts.teacher, pool, opts.out, opts.max_seq_length)
        log(f"distil-frames: {len(pool)} documents, {sentences} sentences; framed {counts}; wrote {opts.out}")
        return
    totals = cross_validate(opts, log)
    teachers = "teacher" if len(opts.folds) == 1 else "teachers"
    how = "hand labels alone" if opts.no_pool else f"hand labels + the pool labelled by the fold's {teachers}"
    print(totals.table(f"frames, embedded classifier over the folds of {', '.join(opts.folds)} ({how})"))


if __name__ == "__main__":
    try:
        main()
    except CorpusError as e:
        sys.exit(f"distil-frames: {e}")
