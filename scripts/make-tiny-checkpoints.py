#!/usr/bin/env python3
"""Tiny random checkpoints saved by Python `transformers`, each with the
output the Python reference gives on it, for newstag's parity tests
(tests/parity.rs, feature `transformers`):

  OUT/ner/     BertForTokenClassification (2 layers, WordPiece vocab) and
               expected.json: the `transformers` token-classification
               pipeline with aggregation_strategy="first" on a few texts.
  OUT/nli/     BertForSequenceClassification with id2label
               entailment/neutral/contradiction (not MNLI's order) and
               expected.json: the zero-shot pipeline's multi-label
               entailment probabilities.
  OUT/nli2/    the same with two classes, not_entailment/entailment.
  OUT/setfit/  a tiny sentence encoder fine-tuned by scripts/train-setfit.py
               on fixtures/gold.jsonl (a few steps) with its head, and
               expected.json: sentence-transformers' embeddings through the
               head, per sentence and label.
  OUT/setfit-classify/  the same, fine-tuned on the labels themselves
               (--objective classify: encoder and linear head end to end).
  OUT/setfit-context/  the same, each sentence read after the previous
               one's last 8 pieces (--context-pieces 8), with a sequence
               limit of 32 pieces, so that long sentences are cut.
  OUT/setfit-ensemble.json  the mean of setfit-classify's and
               setfit-context's probabilities and of their thresholds, as
               scripts/distil-frames.py's ensemble computes them, for
               `--setfit-model A --setfit-model B`.
  OUT/held-out/  train-setfit.py --cv folds --folds 2 --predictions on the
               fixtures from the tiny base: records.jsonl, the held-out
               frames as newstag records, and expected.json, the script's
               own counts per label.

Weights are random but seeded, so a run is reproducible on one machine.

Usage (in the venv of scripts/setup-libtorch, with
scripts/requirements-python.txt installed):
  .venv/bin/python scripts/make-tiny-checkpoints.py target/tiny-checkpoints \
      [--newstag target/release/newstag]
"""

import argparse
import importlib.util
import json
import os
import string
import sys

import torch
from transformers import (
    BertConfig,
    BertForSequenceClassification,
    BertForTokenClassification,
    BertModel,
    BertTokenizerFast,
    pipeline,
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

WORDS = (
    "the a of to in and said on for was troops north south korea russia ukraine kim "
    "jong un putin president minister army sent border talks city news report war "
    "peace deal with by from at soldiers losses forces fighting drones front"
).split()

NER_LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]

# One sentence each: the pipeline groups entities across sentence ends and
# newstag does not, so multi-sentence texts would compare two conventions.
# Mixed case, words the vocabulary splits into several pieces, punctuation.
NER_TEXTS = [
    "Kim Jong Un sent troops to the Russia border, the report said.",
    "President Putin met Zelensky in Pyongyang on Tuesday.",
    "North Korean soldiers were fighting near Kursk with Russian drones.",
    "The Ministry of Defence in Seoul said 600 soldiers died.",
    "Reuters and the BBC cited NATO officials from Brussels and Kyiv.",
]

NLI_LABELS = ["entailment", "neutral", "contradiction"]
NLI2_LABELS = ["not_entailment", "entailment"]
PREMISES = [
    "Kim Jong Un sent troops to the Russia border.",
    "The army suffered heavy losses at the front.",
    "Peace talks in the city ended with a deal.",
]
CANDIDATES = ["desperation", "capability", "war"]
TEMPLATE = "This text is about {}."


def write_vocab(path):
    """Specials, some words, every letter and digit with its ## form, punctuation."""
    chars = list(string.ascii_lowercase + string.digits)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + WORDS + chars
    vocab += ["##" + c for c in chars] + list(".,;:!?'\"()-")
    vocab = list(dict.fromkeys(vocab))
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(vocab) + "\n")
    return len(vocab)


def bert_config(vocab_size, labels, max_positions=128, spread=0.02):
    """A 2-layer BERT; `spread` is the weights' standard deviation (larger
    than BERT's 0.02 makes a random model's outputs depend on its input)."""
    config = BertConfig(
        initializer_range=spread,
        vocab_size=vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=max_positions,
        hidden_act="gelu",
    )
    if labels:
        config.id2label = dict(enumerate(labels))
        config.label2id = {label: i for i, label in enumerate(labels)}
    return config


def save_tokenizer(out, vocab_file):
    tokenizer = BertTokenizerFast(vocab_file=vocab_file, do_lower_case=True, model_max_length=128)
    tokenizer.save_pretrained(out)
    return tokenizer


def spread(linear, std):
    """Random classifier rows wide enough that the classes differ."""
    with torch.no_grad():
        linear.weight.normal_(0.0, std)
        linear.bias.normal_(0.0, 0.5)


def make_ner(out):
    os.makedirs(out, exist_ok=True)
    vocab_size = write_vocab(os.path.join(out, "vocab.txt"))
    torch.manual_seed(7)
    model = BertForTokenClassification(bert_config(vocab_size, NER_LABELS)).eval()
    spread(model.classifier, 1.0)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer = save_tokenizer(out, os.path.join(out, "vocab.txt"))
    ner = pipeline(
        "token-classification",
        model=model,
        tokenizer=tokenizer,
        aggregation_strategy="first",
        device=-1,
    )
    expected = []
    for text in NER_TEXTS:
        entities = [
            {
                "entity_group": e["entity_group"],
                "score": float(e["score"]),
                "start": int(e["start"]),
                "end": int(e["end"]),
                "word": e["word"],
            }
            for e in ner(text)
        ]
        expected.append({"text": text, "entities": entities})
    found = sum(len(e["entities"]) for e in expected)
    if found < 5:
        sys.exit(f"make-tiny-checkpoints: the random NER model found only {found} entities")
    dump(os.path.join(out, "expected.json"), {"aggregation_strategy": "first", "texts": expected})


def make_nli(out, labels, seed):
    os.makedirs(out, exist_ok=True)
    vocab_size = write_vocab(os.path.join(out, "vocab.txt"))
    torch.manual_seed(seed)
    model = BertForSequenceClassification(bert_config(vocab_size, labels, spread=0.3)).eval()
    spread(model.classifier, 0.2)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer = save_tokenizer(out, os.path.join(out, "vocab.txt"))
    zero_shot = pipeline("zero-shot-classification", model=model, tokenizer=tokenizer, device=-1)
    pairs = []
    for premise in PREMISES:
        result = zero_shot(
            premise, candidate_labels=CANDIDATES, hypothesis_template=TEMPLATE, multi_label=True
        )
        for label, score in zip(result["labels"], result["scores"]):
            pairs.append(
                {"premise": premise, "hypothesis": TEMPLATE.format(label), "entailment": float(score)}
            )
    dump(os.path.join(out, "expected.json"), {"labels": labels, "pairs": pairs})


def load_script(file, name):
    """The script `scripts/FILE` as a module called `name`."""
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, "scripts", file))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_trainer():
    return load_script("train-setfit.py", "train_setfit")


def make_setfit(out, newstag, objective, context_pieces=0, max_seq_length=512):
    """A tiny encoder, fine-tuned and given a head by train-setfit.py itself,
    with `objective` (contrastive: SetFit pairs and logistic heads; classify:
    the encoder and a linear head trained on the labels), reading each
    sentence after the previous one's last `context_pieces` pieces (0:
    alone). The expected scores read the sentences as one document, in order."""
    trainer = load_trainer()
    base = out + "-base"
    os.makedirs(base, exist_ok=True)
    vocab_size = write_vocab(os.path.join(base, "vocab.txt"))
    torch.manual_seed(5)
    BertModel(bert_config(vocab_size, [], max_positions=512), add_pooling_layer=False).save_pretrained(
        base, safe_serialization=True
    )
    save_tokenizer(base, os.path.join(base, "vocab.txt"))
    trainer.main(
        [
            "--corpus", os.path.join(ROOT, "fixtures", "gold.jsonl"),
            "--base", base,
            "--out", out,
            "--newstag", newstag,
            "--objective", objective,
            "--pairs-per-sentence", "1",
            "--max-pairs", "256",
            "--epochs", "1" if objective == "contrastive" else "2",
            # 512 is above every sentence's length in pieces: past the limit
            # sentence-transformers truncates and newstag averages windows.
            "--max-seq-length", str(max_seq_length),
            "--context-pieces", str(context_pieces),
            "--seed", "3",
            "--quiet",
        ]
    )
    model = trainer.load_encoder(out)
    head = trainer.Head.load(os.path.join(out, trainer.HEAD_FILE))
    sentences = [n["text"] for n in head.neighbours[:6]] + PREMISES
    rows = [{"text": text, "previous": sentences[i - 1] if i else ""} for i, text in enumerate(sentences)]
    vectors = trainer.embed_rows(model, rows, head.context_pieces)
    scores = head.scores(vectors)
    expected = [
        {"text": text, "scores": {name: float(s) for name, s in zip(head.labels, row)}}
        for text, row in zip(sentences, scores)
    ]
    dump(os.path.join(out, "expected.json"), {"sentences": expected})


def make_setfit_ensemble(path, members):
    """The expected scores and thresholds of `members` (checkpoints written
    by make_setfit) as one ensemble, computed by distil-frames.py's
    ensemble_scores (each encoder at its own sequence limit), over the
    first member's expected sentences read as one document."""
    distil = load_script("distil-frames.py", "distil_frames")
    with open(os.path.join(members[0], "expected.json"), encoding="utf-8") as f:
        sentences = [case["text"] for case in json.load(f)["sentences"]]
    rows = [{"text": text, "previous": sentences[i - 1] if i else ""} for i, text in enumerate(sentences)]
    labels, scores, thresholds, _ = distil.ensemble_scores(members, rows, None)
    dump(path, {
        "members": [os.path.basename(m) for m in members],
        "thresholds": dict(zip(labels, thresholds)),
        "sentences": [{"text": text, "scores": {name: float(s) for name, s in zip(labels, row)}}
                      for text, row in zip(sentences, scores)],
    })


def make_held_out(out, base, newstag):
    """train-setfit.py's cross-validation on the fixtures from the tiny base
    encoder `base` (2 folds over documents): its held-out predictions as
    records and its own counts, which `newstag eval --pred` must reproduce."""
    trainer = load_trainer()
    os.makedirs(out, exist_ok=True)
    counts = trainer.main(
        [
            "--corpus", os.path.join(ROOT, "fixtures", "gold.jsonl"),
            "--base", base,
            "--cv", "folds",
            "--folds", "2",
            "--predictions", os.path.join(out, "records.jsonl"),
            "--newstag", newstag,
            "--objective", "classify",
            "--epochs", "1",
            "--max-seq-length", "512",
            "--seed", "3",
            "--quiet",
        ]
    )
    dump(os.path.join(out, "expected.json"), {"counts": counts["folds"]})


def dump(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=1, ensure_ascii=False)
        f.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="directory to write the checkpoints into")
    parser.add_argument(
        "--newstag",
        default=os.path.join(ROOT, "target", "release", "newstag"),
        help="newstag binary, for its sentence splitter (default: target/release/newstag)",
    )
    args = parser.parse_args()
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    make_ner(os.path.join(args.out, "ner"))
    make_nli(os.path.join(args.out, "nli"), NLI_LABELS, 11)
    make_nli(os.path.join(args.out, "nli2"), NLI2_LABELS, 13)
    make_setfit(os.path.join(args.out, "setfit"), args.newstag, "contrastive")
    make_setfit(os.path.join(args.out, "setfit-classify"), args.newstag, "classify")
    make_setfit(os.path.join(args.out, "setfit-context"), args.newstag, "classify", context_pieces=8,
                max_seq_length=32)
    make_setfit_ensemble(os.path.join(args.out, "setfit-ensemble.json"),
                         [os.path.join(args.out, "setfit-classify"), os.path.join(args.out, "setfit-context")])
    make_held_out(
        os.path.join(args.out, "held-out"), os.path.join(args.out, "setfit-classify-base"), args.newstag
    )
    print(f"make-tiny-checkpoints: wrote ner, nli, nli2, setfit, setfit-classify, setfit-context, setfit-ensemble.json, held-out under {args.out}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
