#!/usr/bin/env python3
"""SetFit-style frame classifier for newstag's transformer engine
(`--frame-method setfit`): contrastive fine-tuning of a sentence encoder
(all-MiniLM-L6-v2) on sentence pairs from a labelled frame corpus, then one
logistic-regression head per label.

Sentences are newstag's own (`newstag tag --no-frames` gives their spans);
a sentence carries a label when a gold frame span with that label overlaps
it by at least half of the shorter span (ANNOTATION.md's frame match).
Pairs follow SetFit: for each sentence and iteration, one partner with the
same label set (target cosine 1) and one with a different one (target 0).
Each head's threshold is the one that maximises sentence F1 over
out-of-fold predictions of an inner cross-validation over the training
documents only.

Output directory: the fine-tuned encoder as sentence-transformers saves it
(config.json, model.safetensors, tokenizer.json, modules.json, ...; newstag
loads it with its SentenceEmbedder) and setfit-head.json: per label the
weights, bias and threshold, the labelled training sentences with their
vectors (for evidence: nearest training sentences), and provenance
(training files with SHA-256, documents, sentences, options, versions).

With --objective classify the encoder is instead fine-tuned on the labels
themselves, end to end with a linear head (binary cross-entropy per label);
a share of the training documents is kept out to choose the epoch and the
thresholds. The head is written in the same format, so newstag scores it the
same way. With --context-pieces N as well, the encoder reads each sentence
after the last N word pieces of the sentence before it ([CLS] previous [SEP]
sentence [SEP]) and pools over the sentence's segment only; the head records
N, and newstag reads sentences the same way.

With --cv the script instead measures frame F1 on held-out documents:
`folds` (5-fold cross-validation over documents), `conflict`
(leave-one-conflict-out over the documents' `conflict` field),
`conflict-groups` (--folds folds over conflicts, each conflict's documents
held out together, dealt as `newstag eval --cv conflict:K` deals them) or
`both` (the first two).
The encoder is fine-tuned afresh inside every training fold and the head
and thresholds are fitted there too; nothing is written.

Usage (venv of scripts/setup-libtorch with scripts/requirements-python.txt):
  .venv/bin/python scripts/train-setfit.py --corpus fixtures/corpus/articles.jsonl \
      fixtures/corpus/conll.jsonl --out models/hf/setfit-deployment
  .venv/bin/python scripts/train-setfit.py --corpus ... --cv both --max-pairs 1500
"""

import argparse
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEAD_FILE = "setfit-head.json"
HEAD_FORMAT = "newstag-setfit-head/1"
DEFAULT_BASE = os.path.join(ROOT, "models", "hf", "all-MiniLM-L6-v2")
THRESHOLDS = [round(t, 2) for t in np.arange(0.05, 0.96, 0.05)]


class CorpusError(Exception):
    """A problem with the input, naming file, line and field."""


# ---------------------------------------------------------------- corpus


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_documents(paths, keep=lambda doc: True):
    """(where, document) for each JSON line of `paths` that `keep` accepts,
    checked: string `id` and `text`, ids unique among the kept ones."""
    seen = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                where = f"{path}:{n}"
                try:
                    doc = json.loads(line)
                except json.JSONDecodeError as e:
                    raise CorpusError(f"{where}: not JSON: {e}")
                for field in ("id", "text"):
                    if not isinstance(doc.get(field), str):
                        raise CorpusError(f"{where}: field `{field}`: missing or not a string")
                if not keep(doc):
                    continue
                if doc["id"] in seen:
                    raise CorpusError(f"{where}: field `id`: {doc['id']!r} also at {seen[doc['id']]}")
                seen[doc["id"]] = where
                yield where, doc


def read_gold(paths):
    """Documents of gold JSONL files (ANNOTATION.md) that have `frames`."""
    docs = []
    for where, doc in read_documents(paths, keep=lambda doc: "frames" in doc):
        length = len(doc["text"])
        spans = []
        for i, frame in enumerate(doc["frames"]):
            s, e, labels = frame.get("start"), frame.get("end"), frame.get("labels")
            if not (isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= length):
                raise CorpusError(f"{where}: field `frames[{i}]`: bad span {s}..{e} (text has {length} code points)")
            if not labels or not all(isinstance(l, str) for l in labels):
                raise CorpusError(f"{where}: field `frames[{i}].labels`: missing or empty")
            spans.extend(((s, e), label) for label in labels)
        docs.append(
            {"id": doc["id"], "text": doc["text"], "gold": spans,
             "conflict": doc.get("conflict"), "where": where}
        )
    if not docs:
        raise CorpusError(f"{', '.join(paths)}: no document has a `frames` field")
    return docs


def split_sentences(docs, newstag):
    """Sentence spans (code points) of every document, by newstag's splitter."""
    if not os.access(newstag, os.X_OK):
        raise CorpusError(f"{newstag}: no newstag binary (build it: cargo build --release)")
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "docs.jsonl")
        with open(src, "w", encoding="utf-8") as f:
            for doc in docs:
                f.write(json.dumps({"id": doc["id"], "text": doc["text"]}, ensure_ascii=False) + "\n")
        run = subprocess.run(
            [newstag, "tag", src, "--no-frames", "--quiet", "--jobs", "1"],
            capture_output=True, text=True, encoding="utf-8",
        )
        if run.returncode != 0:
            raise CorpusError(f"{newstag} tag failed ({run.returncode}): {run.stderr.strip()}")
    records = {}
    for line in run.stdout.splitlines():
        record = json.loads(line)
        if "error" in record:
            raise CorpusError(f"newstag could not read document {record.get('id')}: {record['error']}")
        records[record["id"]] = record
    for doc in docs:
        record = records.get(doc["id"])
        if record is None or record.get("text", doc["text"]) != doc["text"]:
            raise CorpusError(f"{doc['where']}: newstag's record of {doc['id']!r} is missing or has another text")
        doc["sentences"] = [(s["start"], s["end"]) for s in record["sentences"]]
        doc["record"] = record


def half_overlap(a, b):
    """ANNOTATION.md's frame match: overlap >= half of the shorter span."""
    shorter = min(a[1] - a[0], b[1] - b[0])
    overlap = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    return shorter > 0 and 2 * overlap >= shorter


def sentence_rows(docs, labels):
    """One row per sentence: document, index, text, label indicator vector."""
    rows = []
    for d, doc in enumerate(docs):
        for s, span in enumerate(doc["sentences"]):
            y = [int(any(l == label and half_overlap(span, g) for g, l in doc["gold"])) for label in labels]
            previous = doc["sentences"][s - 1] if s else (0, 0)
            rows.append({"doc": d, "id": f"{doc['id']}#{s}", "span": span,
                         "text": doc["text"][span[0]:span[1]],
                         "previous": doc["text"][previous[0]:previous[1]], "y": y})
    return rows


# ---------------------------------------------------------------- encoder


def load_encoder(path, max_seq_length=None):
    """A sentence-transformers model: the directory's own modules, or mean
    pooling and normalisation over a bare transformers encoder (as newstag's
    SentenceEmbedder computes it)."""
    from sentence_transformers import SentenceTransformer, models

    if os.path.isfile(os.path.join(path, "modules.json")):
        model = SentenceTransformer(path, device="cpu")
    else:
        word = models.Transformer(path)
        pooling = models.Pooling(word.get_word_embedding_dimension(), pooling_mode="mean")
        model = SentenceTransformer(modules=[word, pooling, models.Normalize()], device="cpu")
    if max_seq_length:
        model.max_seq_length = max_seq_length
    return model


def embed(model, texts, batch_size=32):
    """Unit sentence vectors, float32 [n, dim]."""
    vectors = model.encode(list(texts), batch_size=batch_size, convert_to_numpy=True,
                           show_progress_bar=False, normalize_embeddings=True)
    return vectors.astype(np.float32)


def context_features(model, rows, context_pieces):
    """Inputs for a sentence read in context: [CLS] the previous sentence's
    last `context_pieces` word pieces [SEP] the sentence [SEP], the sentence
    as the second segment (token type 1), cut to the model's max_seq_length."""
    tokenizer = model.tokenizer
    cls, sep, pad = tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.pad_token_id
    ids, types = [], []
    for r in rows:
        before = tokenizer(r["previous"], add_special_tokens=False)["input_ids"][-context_pieces:]
        first = [cls] + before + [sep]
        room = max(1, model.max_seq_length - len(first) - 1)
        second = tokenizer(r["text"], add_special_tokens=False)["input_ids"][:room] + [sep]
        ids.append(first + second)
        types.append([0] * len(first) + [1] * len(second))
    width = max(map(len, ids))
    return {
        "input_ids": torch.tensor([i + [pad] * (width - len(i)) for i in ids]),
        "token_type_ids": torch.tensor([t + [0] * (width - len(t)) for t in types]),
        "attention_mask": torch.tensor([[1] * len(i) + [0] * (width - len(i)) for i in ids]),
    }


def encode_rows(model, rows, context_pieces):
    """Unit vectors (a tensor, with gradients when the model trains) of rows:
    the sentence alone (sentence-transformers' pipeline), or, with
    context_pieces > 0, the mean over the sentence's segment (its pieces and
    final [SEP]) read after the previous sentence's last pieces."""
    if not context_pieces:
        return model(model.tokenize([r["text"] for r in rows]))["sentence_embedding"]
    features = context_features(model, rows, context_pieces)
    hidden = model[0].auto_model(**features).last_hidden_state
    mask = (features["attention_mask"] * features["token_type_ids"]).unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, dim=-1)


def embed_rows(model, rows, context_pieces, batch_size=32):
    """Unit vectors of rows, float32 [n, dim] (see encode_rows)."""
    if not context_pieces:
        return embed(model, [r["text"] for r in rows], batch_size)
    out = [np.zeros((0, model.get_sentence_embedding_dimension()), np.float32)]
    with torch.no_grad():
        for b in range(0, len(rows), batch_size):
            out.append(encode_rows(model, rows[b:b + batch_size], context_pieces).numpy())
    return np.concatenate(out).astype(np.float32)


def make_pairs(rows, pairs_per_sentence, max_pairs, rng):
    """SetFit pairs: per sentence and iteration one same-label-set partner
    (target 1) and one different (target 0), shuffled, at most max_pairs."""
    classes = {}
    for i, row in enumerate(rows):
        classes.setdefault(tuple(row["y"]), []).append(i)
    keys = list(classes)
    pairs = []
    for _ in range(pairs_per_sentence):
        for i, row in enumerate(rows):
            own = tuple(row["y"])
            same = classes[own]
            if len(same) > 1:
                j = i
                while j == i:
                    j = rng.choice(same)
                pairs.append((i, j, 1.0))
            others = [k for k in keys if k != own]
            if others:
                pairs.append((i, rng.choice(classes[rng.choice(others)]), 0.0))
    rng.shuffle(pairs)
    return pairs[:max_pairs] if max_pairs else pairs


def optimise(optimiser, loss, steps, start, log):
    """One optimiser step on `loss`; logs every 25th. Returns the step count."""
    optimiser.zero_grad()
    loss.backward()
    optimiser.step()
    steps += 1
    if steps % 25 == 0:
        log(f"  step {steps}: loss {loss.item():.4f} ({time.time() - start:.0f}s)")
    return steps


def fine_tune(model, rows, opts, log):
    """Contrastive fine-tuning with the cosine-similarity loss (SetFit's)."""
    rng = random.Random(opts.seed)
    torch.manual_seed(opts.seed)
    pairs = make_pairs(rows, opts.pairs_per_sentence, opts.max_pairs, rng)
    if not pairs:
        return 0
    model.train()
    optimiser = torch.optim.AdamW(model.parameters(), lr=opts.learning_rate)
    steps = 0
    start = time.time()
    for epoch in range(opts.epochs):
        for b in range(0, len(pairs), opts.batch_size):
            batch = pairs[b:b + opts.batch_size]
            left = model.tokenize([rows[i]["text"] for i, _, _ in batch])
            right = model.tokenize([rows[j]["text"] for _, j, _ in batch])
            u = model(left)["sentence_embedding"]
            v = model(right)["sentence_embedding"]
            target = torch.tensor([t for _, _, t in batch], dtype=torch.float32)
            loss = torch.nn.functional.mse_loss(torch.cosine_similarity(u, v), target)
            steps = optimise(optimiser, loss, steps, start, log)
    model.eval()
    return len(pairs)


def check_examples(rows, labels, opts):
    """Every label needs --min-examples framed training sentences; the error
    names the label and its count."""
    for j, label in enumerate(labels):
        positives = sum(r["y"][j] for r in rows)
        if positives < opts.min_examples:
            raise CorpusError(
                f"label {label!r} has {positives} framed training sentences, fewer than "
                f"--min-examples {opts.min_examples}"
            )


def fine_tune_classifier(model, rows, labels, opts, log):
    """Supervised fine-tuning (--objective classify): the encoder and one
    linear layer over its unit sentence vector, trained end to end with
    binary cross-entropy per label (positives weighted by negatives/positives,
    as the balanced heads are). A share of the training documents
    (--validation) is kept out of training: after each epoch the thresholds
    with the best sentence F1 there are found, and the epoch with the best
    validation F1 is kept. Returns the Head of that epoch: the linear layer is
    the head, so newstag's `setfit` method scores it unchanged."""
    check_examples(rows, labels, opts)
    rng = random.Random(opts.seed)
    torch.manual_seed(opts.seed)
    docs = sorted({r["doc"] for r in rows})
    if len(docs) < 2:
        raise CorpusError("the training data has fewer than 2 documents: none to keep out for validation")
    rng.shuffle(docs)
    held = set(docs[:max(1, round(len(docs) * opts.validation))])
    train = [r for r in rows if r["doc"] not in held]
    valid = [r for r in rows if r["doc"] in held]
    y_train = torch.tensor([r["y"] for r in train], dtype=torch.float32)
    y_valid = np.array([r["y"] for r in valid])
    positives = y_train.sum(0).clamp(min=1.0)
    pos_weight = (len(train) - positives) / positives
    dim = model.get_sentence_embedding_dimension()
    layer = torch.nn.Linear(dim, len(labels))
    optimiser = torch.optim.AdamW([
        {"params": model.parameters(), "lr": opts.learning_rate},
        {"params": layer.parameters(), "lr": opts.head_learning_rate},
    ])
    loss_of = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    best, steps, start = None, 0, time.time()
    for epoch in range(opts.epochs):
        model.train()
        order = list(range(len(train)))
        rng.shuffle(order)
        for b in range(0, len(order), opts.batch_size):
            batch = order[b:b + opts.batch_size]
            logits = layer(encode_rows(model, [train[i] for i in batch], opts.context_pieces))
            loss = loss_of(logits, y_train[batch])
            steps = optimise(optimiser, loss, steps, start, log)
        model.eval()
        weights = layer.weight.detach().numpy().copy()
        bias = layer.bias.detach().numpy().copy()
        head = Head(labels, weights, bias, [0.5] * len(labels), [], context_pieces=opts.context_pieces)
        scores = head.scores(embed_rows(model, valid, opts.context_pieces))
        thresholds, f1s = [], []
        for j in range(len(labels)):
            t = max(THRESHOLDS, key=lambda t: (sentence_f1(y_valid[:, j], scores[:, j], t), -abs(t - 0.5)))
            thresholds.append(t)
            f1s.append(sentence_f1(y_valid[:, j], scores[:, j], t))
        f1 = float(np.mean(f1s))
        log(f"  epoch {epoch + 1}: validation F1 {f1:.3f} over {len(valid)} sentences, thresholds {thresholds}")
        if best is None or f1 > best[0]:
            state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            best = (f1, weights, bias, thresholds, state)
    f1, weights, bias, thresholds, state = best
    model.load_state_dict(state)
    model.eval()
    vectors = embed_rows(model, rows, opts.context_pieces)
    return Head(labels, weights, bias, thresholds, neighbours(rows, labels, vectors),
                context_pieces=opts.context_pieces)


# ---------------------------------------------------------------- head


def neighbours(rows, labels, vectors):
    """The labelled training sentences with their vectors, kept in the head
    for evidence (the nearest training sentences of a selected label)."""
    return [
        {"document": r["id"], "text": r["text"],
         "labels": [l for l, v in zip(labels, r["y"]) if v],
         "vector": [round(float(v), 6) for v in vectors[i]]}
        for i, r in enumerate(rows) if any(r["y"])
    ]


class Head:
    """One logistic regression per label over unit sentence vectors:
    p = sigmoid(w . x + b), selected when p >= threshold. `context_pieces`:
    how the encoder reads a sentence (see encode_rows; 0: alone)."""

    def __init__(self, labels, weights, bias, thresholds, neighbours, provenance=None, context_pieces=0):
        self.labels = list(labels)
        self.context_pieces = int(context_pieces)
        self.weights = np.asarray(weights, dtype=np.float32)
        self.bias = np.asarray(bias, dtype=np.float32)
        self.thresholds = list(thresholds)
        self.neighbours = neighbours
        self.provenance = provenance or {}

    def scores(self, vectors):
        """Probabilities [n, labels], computed in float32 as newstag does."""
        logits = np.asarray(vectors, dtype=np.float32) @ self.weights.T + self.bias
        return (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)

    def save(self, path):
        value = {
            "format": HEAD_FORMAT,
            "labels": [
                {"name": n, "weights": [float(w) for w in ws], "bias": float(b), "threshold": float(t)}
                for n, ws, b, t in zip(self.labels, self.weights, self.bias, self.thresholds)
            ],
            "context_pieces": self.context_pieces,
            "neighbours": self.neighbours,
            "provenance": self.provenance,
        }
        with open(path, "w", encoding="utf-8") as f:
            json.dump(value, f, ensure_ascii=False)
            f.write("\n")

    @staticmethod
    def load(path):
        with open(path, encoding="utf-8") as f:
            value = json.load(f)
        if value.get("format") != HEAD_FORMAT:
            raise CorpusError(f"{path}: field `format`: expected {HEAD_FORMAT!r}")
        labels = value["labels"]
        return Head([l["name"] for l in labels], [l["weights"] for l in labels],
                    [l["bias"] for l in labels], [l["threshold"] for l in labels],
                    value["neighbours"], value.get("provenance"), value.get("context_pieces", 0))


def conflict_groups(conflicts, k):
    """Conflicts dealt into k folds of about equal document counts, as newstag's
    `eval --cv conflict:K` deals them: the conflict with the most documents first (ties by
    name), each to the fold with the fewest documents so far (the lowest-numbered on a tie)."""
    counts = {}
    for c in conflicts:
        counts[c] = counts.get(c, 0) + 1
    sizes, fold_of = [0] * k, {}
    for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        fold = min(range(k), key=lambda f: (sizes[f], f))
        sizes[fold] += n
        fold_of[name] = fold
    return fold_of


def doc_folds(doc_ids, k, seed):
    """Documents split into k folds by a seeded shuffle."""
    order = sorted(set(doc_ids))
    random.Random(seed).shuffle(order)
    return {d: i % k for i, d in enumerate(order)}


def sentence_f1(y, p, t):
    pred = p >= t
    tp = int(np.sum(pred & (y == 1)))
    fp = int(np.sum(pred & (y == 0)))
    fn = int(np.sum(~pred & (y == 1)))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def fit_regression(x, y, c):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, class_weight="balanced", max_iter=2000).fit(x, y)


def fit_head(vectors, rows, labels, opts):
    """Heads on all rows; thresholds from out-of-fold probabilities of an
    inner cross-validation over the rows' documents."""
    check_examples(rows, labels, opts)
    docs = [r["doc"] for r in rows]
    y_all = np.array([r["y"] for r in rows])
    k = min(opts.inner_folds, len(set(docs)))
    if k < 2:
        raise CorpusError("the training data has fewer than 2 documents: no inner cross-validation")
    fold_of = doc_folds(docs, k, opts.seed)
    folds = np.array([fold_of[d] for d in docs])
    weights, bias, thresholds = [], [], []
    for j, label in enumerate(labels):
        y = y_all[:, j]
        oof = np.zeros(len(rows), dtype=np.float32)
        for f in range(k):
            train, test = folds != f, folds == f
            if len(set(y[train])) < 2:
                oof[test] = 0.0
                continue
            oof[test] = fit_regression(vectors[train], y[train], opts.c).predict_proba(vectors[test])[:, 1]
        best = max(THRESHOLDS, key=lambda t: (sentence_f1(y, oof, t), -abs(t - 0.5)))
        model = fit_regression(vectors, y, opts.c)
        weights.append(model.coef_[0])
        bias.append(model.intercept_[0])
        thresholds.append(best)
    return Head(labels, weights, bias, thresholds, neighbours(rows, labels, vectors))


# ---------------------------------------------------------------- evaluation


class Tally:
    def __init__(self, labels):
        self.counts = {l: [0, 0, 0] for l in labels}

    def add(self, gold, pred):
        """newstag eval's frame matching: one to one, each gold span taken
        by the first prediction (in sentence, then label order) it fits."""
        taken = [False] * len(gold)
        for span, label in pred:
            hit = next((i for i, (g, l) in enumerate(gold)
                        if not taken[i] and l == label and half_overlap(span, g)), None)
            if hit is None:
                self.counts[label][1] += 1
            else:
                taken[hit] = True
                self.counts[label][0] += 1
        for i, (_, label) in enumerate(gold):
            if not taken[i] and label in self.counts:
                self.counts[label][2] += 1

    @staticmethod
    def prf(tp, fp, fn):
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    def table(self, title):
        lines = [title, f"  {'label':<14}{'tp':>5}{'fp':>5}{'fn':>5}{'P':>8}{'R':>8}{'F1':>8}"]
        total = [0, 0, 0]
        for label, c in self.counts.items():
            total = [a + b for a, b in zip(total, c)]
            lines.append(f"  {label:<14}{c[0]:>5}{c[1]:>5}{c[2]:>5}" + "".join(f"{x:>8.3f}" for x in self.prf(*c)))
        lines.append(f"  {'micro':<14}{total[0]:>5}{total[1]:>5}{total[2]:>5}" + "".join(f"{x:>8.3f}" for x in self.prf(*total)))
        return "\n".join(lines)


def train_fold(rows, labels, opts, log, frozen=None):
    """Fine-tune a fresh encoder on rows (unless --pairs-per-sentence 0), fit
    the head. `frozen`: the base encoder and its vectors of all rows by id,
    reused across folds when there is no fine-tuning."""
    if opts.objective == "classify":
        model = load_encoder(opts.base, opts.max_seq_length)
        return model, fine_tune_classifier(model, rows, labels, opts, log), 0
    if opts.pairs_per_sentence > 0 or frozen is None:
        model = load_encoder(opts.base, opts.max_seq_length)
        pairs = fine_tune(model, rows, opts, log) if opts.pairs_per_sentence > 0 else 0
        vectors = embed(model, [r["text"] for r in rows])
    else:
        model, cache = frozen
        pairs, vectors = 0, np.stack([cache[r["id"]] for r in rows])
    return model, fit_head(vectors, rows, labels, opts), pairs


def cross_validate(docs, rows, labels, opts, log):
    """Prints each scheme's held-out frame F1 and returns its counts:
    scheme -> label -> [tp, fp, fn]."""
    schemes = ["folds", "conflict"] if opts.cv == "both" else [opts.cv]
    counts = {}
    frozen = None
    if opts.pairs_per_sentence == 0 and opts.objective == "contrastive":
        model = load_encoder(opts.base, opts.max_seq_length)
        vectors = embed(model, [r["text"] for r in rows])
        frozen = (model, {r["id"]: v for r, v in zip(rows, vectors)})
    for scheme in schemes:
        if scheme == "folds":
            fold_of = doc_folds([d["id"] for d in docs], opts.folds, opts.seed)
            groups = {d["id"]: f"fold {fold_of[d['id']] + 1}" for d in docs}
        else:
            missing = [d["where"] for d in docs if not d["conflict"]]
            if missing:
                raise CorpusError(f"{missing[0]}: field `conflict`: missing (needed by --cv {scheme})")
            groups = {d["id"]: d["conflict"] for d in docs}
            if scheme == "conflict-groups":
                fold_of = conflict_groups([d["conflict"] for d in docs], opts.folds)
                groups = {i: f"conflict fold {fold_of[c] + 1}" for i, c in groups.items()}
        tally = Tally(labels)
        predicted = {}
        started = time.time()
        chosen_groups = sorted(set(groups.values()))
        if opts.fold:
            names = {fold_dir_name(g): g for g in chosen_groups}
            unknown = [f for f in opts.fold if f not in names]
            if unknown:
                raise CorpusError(f"--fold {unknown[0]}: no such fold in --cv {scheme} (folds: {', '.join(names)})")
            chosen_groups = [names[f] for f in sorted(set(opts.fold))]
        for group in chosen_groups:
            held = {i for i, d in enumerate(docs) if groups[d["id"]] == group}
            train = [r for r in rows if r["doc"] not in held]
            test = [r for r in rows if r["doc"] in held]
            model, head, pairs = train_fold(train, labels, opts, log, frozen)
            if opts.save_folds:
                save_fold(opts.save_folds, scheme, group, model, head, [docs[d]["id"] for d in sorted(held)])
            if frozen:
                scores = head.scores(np.stack([frozen[1][r["id"]] for r in test]))
            else:
                scores = head.scores(embed_rows(model, test, head.context_pieces))
            for d in sorted(held):
                chosen = [(r, label, float(s))
                          for r, p in zip(test, scores) if r["doc"] == d
                          for label, s, t in zip(labels, p, head.thresholds) if s >= t]
                tally.add(docs[d]["gold"], [(r["span"], label) for r, label, _ in chosen])
                predicted[d] = chosen
            log(f"{scheme} {group}: {len(held)} held-out documents, {len(train)} training sentences, "
                f"{pairs} pairs, thresholds {dict(zip(labels, map(float, head.thresholds)))} ({time.time() - started:.0f}s)")
        name = {"folds": f"{opts.folds}-fold cross-validation over documents",
                "conflict": "leave-one-conflict-out",
                "conflict-groups": f"{opts.folds} folds over conflicts (each conflict held out whole)"}[scheme]
        if opts.objective == "classify":
            how = f"encoder fine-tuned on the labels, at most {opts.epochs} epoch(s)"
        else:
            how = (f"{opts.pairs_per_sentence} pair iterations per sentence, at most {opts.max_pairs} pairs, "
                   f"{opts.epochs} epoch(s)")
        print(tally.table(f"frames, {name} ({len(docs)} documents; {how}; {time.time() - started:.0f}s)"))
        sys.stdout.flush()
        if opts.predictions:
            write_predictions(opts.predictions, docs, predicted, f"train-setfit.py --cv {scheme}")
            log(f"train-setfit: wrote the held-out predictions to {opts.predictions}")
        counts[scheme] = tally.counts
    return counts


def fold_dir_name(group):
    """A fold's name as a directory and as `--fold` takes it: "conflict fold 3"
    -> "conflict-fold-3"."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", group)


def save_fold(root, scheme, group, model, head, held_ids):
    """A fold's encoder and head (the layout of --out) under
    ROOT/SCHEME/GROUP, with the ids of the documents it held out."""
    path = os.path.join(root, scheme, fold_dir_name(group))
    os.makedirs(path, exist_ok=True)
    model.save(path)
    head.save(os.path.join(path, HEAD_FILE))
    with open(os.path.join(path, "held-out.ids"), "w", encoding="utf-8") as f:
        f.write("\n".join(held_ids) + "\n")


def write_predictions(path, docs, predicted, protocol):
    """The held-out predictions as newstag records, for `newstag eval --pred`:
    each document's record from `newstag tag --no-frames` (text, sentences,
    entities) with the frames its held-out fold selected."""
    with open(path, "w", encoding="utf-8") as f:
        for d, doc in enumerate(docs):
            record = dict(doc["record"])
            record["frames"] = [
                {"start": r["span"][0], "end": r["span"][1], "sentence": int(r["id"].rsplit("#", 1)[1]),
                 "label": label, "score": score}
                for r, label, score in predicted.get(d, [])]
            record["frames_protocol"] = protocol
            f.write(json.dumps(record, ensure_ascii=False) + "\n")


# ---------------------------------------------------------------- main


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", nargs="+", required=True, help="gold JSONL files with `frames`")
    p.add_argument("--out", help="directory for the encoder and setfit-head.json (not with --cv)")
    p.add_argument("--base", default=DEFAULT_BASE, help="encoder to start from (default: models/hf/all-MiniLM-L6-v2)")
    p.add_argument("--newstag", default=os.path.join(ROOT, "target", "release", "newstag"),
                   help="newstag binary, for its sentence splitter")
    p.add_argument("--labels", help="labels to train, comma-separated (default: every label in the corpus)")
    p.add_argument("--cv", choices=["folds", "conflict", "conflict-groups", "both"],
                   help="measure held-out frame F1 instead of training: folds over documents, one fold per "
                        "conflict, --folds folds over conflicts (as `newstag eval --cv conflict:K`), or the "
                        "first two")
    p.add_argument("--predictions", help="with --cv (one scheme): write the held-out predictions as newstag "
                                         "records, to score with `newstag eval --gold ... --pred FILE`")
    p.add_argument("--save-folds", metavar="DIR",
                   help="with --cv: save each fold's encoder and head under DIR/SCHEME/FOLD, with the ids it held out")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--fold", nargs="+", metavar="NAME",
                   help="with --cv: run only these folds, named as --save-folds names their directories "
                        "(e.g. conflict-fold-3); the table then covers their held-out documents only")
    p.add_argument("--inner-folds", type=int, default=5, help="folds over training documents for thresholds")
    p.add_argument("--objective", choices=["contrastive", "classify"], default="contrastive",
                   help="contrastive: SetFit pairs, then logistic heads; classify: encoder and linear "
                        "head trained end to end on the labels (epoch and thresholds chosen on --validation)")
    p.add_argument("--context-pieces", type=int, default=0, metavar="N",
                   help="with --objective classify: read each sentence after the last N word pieces of the "
                        "previous sentence, as the first segment of a pair (0: the sentence alone)")
    p.add_argument("--validation", type=float, default=0.15,
                   help="with --objective classify: share of training documents kept out for epoch and thresholds")
    p.add_argument("--head-learning-rate", type=float, default=1e-3,
                   help="with --objective classify: learning rate of the linear head")
    p.add_argument("--pairs-per-sentence", type=int, default=5,
                   help="SetFit iterations: pairs per sentence (0: no fine-tuning, head on the base encoder)")
    p.add_argument("--max-pairs", type=int, default=0, help="at most this many pairs (0: no limit)")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--learning-rate", type=float, default=2e-5)
    p.add_argument("--max-seq-length", type=int, default=256)
    p.add_argument("--c", type=float, default=1.0, help="inverse L2 strength of the heads")
    p.add_argument("--min-examples", type=int, default=5, help="fewest framed sentences a label needs")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    p.add_argument("--quiet", action="store_true")
    opts = p.parse_args(argv)
    if bool(opts.out) == bool(opts.cv):
        p.error("give exactly one of --out (train and save) and --cv (measure)")
    if opts.predictions and (not opts.cv or opts.cv == "both"):
        p.error("--predictions needs --cv with one scheme (folds, conflict or conflict-groups)")
    if opts.context_pieces < 0:
        p.error("--context-pieces must be 0 or more")
    if opts.context_pieces and opts.objective != "classify":
        p.error("--context-pieces needs --objective classify")
    if opts.fold and (not opts.cv or opts.cv == "both"):
        p.error("--fold needs --cv with one scheme (folds, conflict or conflict-groups)")
    return opts


def main(argv=None):
    opts = parse_args(argv)
    log = (lambda _: None) if opts.quiet else (lambda m: print(m, file=sys.stderr, flush=True))
    torch.set_num_threads(opts.threads)
    docs = read_gold(opts.corpus)
    split_sentences(docs, opts.newstag)
    labels = opts.labels.split(",") if opts.labels else sorted({l for d in docs for _, l in d["gold"]})
    rows = sentence_rows(docs, labels)
    log(f"train-setfit: {len(docs)} documents, {len(rows)} sentences, "
        + ", ".join(f"{l} {sum(r['y'][j] for r in rows)}" for j, l in enumerate(labels)))
    if opts.cv:
        return cross_validate(docs, rows, labels, opts, log)
    model, head, pairs = train_fold(rows, labels, opts, log)
    os.makedirs(opts.out, exist_ok=True)
    model.save(opts.out)
    import sentence_transformers
    import sklearn
    import transformers

    head.provenance = {
        "trainer": "scripts/train-setfit.py",
        "base": os.path.relpath(opts.base, ROOT) if opts.base.startswith(ROOT) else opts.base,
        "training_files": [{"path": os.path.relpath(p, ROOT) if os.path.abspath(p).startswith(ROOT) else p,
                            "sha256": sha256(p)} for p in opts.corpus],
        "documents": len(docs),
        "sentences": len(rows),
        "framed_sentences": {l: sum(r["y"][j] for r in rows) for j, l in enumerate(labels)},
        "pairs": pairs,
        "options": {k: v for k, v in vars(opts).items()
                    if k not in ("corpus", "out", "base", "newstag", "quiet", "cv", "threads")},
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                     "sentence_transformers": sentence_transformers.__version__,
                     "scikit_learn": sklearn.__version__},
    }
    head.save(os.path.join(opts.out, HEAD_FILE))
    log(f"train-setfit: wrote {opts.out} (thresholds {dict(zip(labels, map(float, head.thresholds)))})")


if __name__ == "__main__":
    try:
        main()
    except CorpusError as e:
        sys.exit(f"train-setfit: {e}")
