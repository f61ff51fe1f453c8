#!/usr/bin/env bash
# Cross-validation of the NER domain adaptation over the documents of the
# labelled conflict-news corpus (issue 10). For each corpus weight W (how many
# times the corpus documents are repeated next to CoNLL-2003 train + dev) and
# each of FOLDS folds, a model is trained without that fold's documents and the
# full pipeline (dictionary, label rules, roles) is scored on the fold with
# `newstag eval`; TP/FP/FN are summed over folds. W=0 is the dictionary-only
# figure: one model trained on CoNLL-2003 alone (same recipe, no corpus
# document), scored on every fold.
#
#   scripts/ner_corpus_cv.sh [WEIGHTS...]     # default weights: 0 2 4
#
# CHECK="web-e web-f ..." also reports the same folds over only the documents
# of these groups (ids "GROUP-NN"; a held-out part of the corpus).
#
# Each fold also trains the role model (`newstag train-roles`) on that fold's
# training documents only and scores the fold with it; ROLE_MODEL=0 scores
# the role rules alone. A shipped models/roles.model.json (trained on every
# document) is never used here.
#
# WORK=DIR keeps the fold models there; a rerun with the same WORK reuses
# the NER models it finds instead of training them again.
#
# Folds: documents in file order, document i goes to fold i mod FOLDS.
# Needs a release build (cargo build --release).
set -euo pipefail
cd "$(dirname "$0")/.."
FOLDS=${FOLDS:-4}
GOLD=fixtures/corpus/articles.jsonl
CONLL=${CONLL:-../shared/data/conll2003}
WEIGHTS=("${@:-0 2 4}")
read -r -a WEIGHTS <<< "${WEIGHTS[*]}"
BIN=target/release/newstag
WORK=${WORK:-$(mktemp -d /tmp/ner-cv.XXXXXX)}
mkdir -p "$WORK"
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 2; }

python3 - "$GOLD" "$FOLDS" "$WORK" "${CHECK:-}" <<'PY'
import json, sys
gold, folds, work, check = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4].split()
lines = [l for l in open(gold, encoding="utf-8") if l.strip()]
for k in range(folds):
    held = [l for i, l in enumerate(lines) if i % folds == k]
    open(f"{work}/fold{k}.jsonl", "w", encoding="utf-8").writelines(held)
    open(f"{work}/fold{k}.ids", "w").write(",".join(json.loads(l)["id"] for l in held))
    checked = [l for l in held if json.loads(l)["id"].startswith(tuple(f"{g}-" for g in check))] if check else []
    open(f"{work}/check{k}.jsonl", "w", encoding="utf-8").writelines(checked)
PY

for w in "${WEIGHTS[@]}"; do
  for ((k = 0; k < FOLDS; k++)); do
    out="$WORK/w$w-f$k"
    [ "$w" = 0 ] && out="$WORK/w0"
    # A fold's NER model already in WORK is reused (rerun with another
    # ROLE_MODEL or CHECK without training it again).
    if [ -f "$out/models/ner/conll2003.bin" ]; then
      models="$out/models"
    else
      mkdir -p "$out/models"
      for f in models/*; do
        case "$(basename "$f")" in ner | roles.model.json) ;; *) ln -sfn "$PWD/$f" "$out/models/" ;; esac
      done
      mkdir -p "$out/models/ner"
      cp models/ner/clusters.tsv "$out/models/ner/"
      "$BIN" convert-gold "$GOLD" --exclude-ids "$(cat "$WORK/fold$k.ids")" > "$out/corpus.conll"  # unused when w=0
      args=()
      for ((r = 0; r < w; r++)); do args+=(--train "$out/corpus.conll"); done
      "$BIN" train-ner --train "$CONLL/train.txt" --train "$CONLL/dev.txt" "${args[@]}" \
        --dev "$CONLL/dev.txt" --out "$out/models/ner" --last-epoch --actors models/actors.jsonl \
        > "$out/train.log" 2>&1
      models="$out/models"
    fi
    # The fold's role model, beside links to the fold's other models.
    roles="$WORK/w$w-f$k-roles/models"
    rm -rf "$roles" && mkdir -p "$roles"
    for f in "$models"/*; do
      [ "$(basename "$f")" = roles.model.json ] || ln -sfn "$(cd "$(dirname "$f")" && pwd)/$(basename "$f")" "$roles/"
    done
    if [ "${ROLE_MODEL:-1}" != 0 ]; then
      "$BIN" train-roles --gold "$GOLD" --exclude-ids "$(cat "$WORK/fold$k.ids")" --models "$roles" \
        --out "$roles/roles.model.json" > "$WORK/w$w-f$k-roles.log" 2>&1
    fi
    models="$roles"
    "$BIN" eval --gold "$WORK/fold$k.jsonl" --no-frames --json --models "$models" > "$WORK/w$w-f$k.json"
    if [ -s "$WORK/check$k.jsonl" ]; then
      "$BIN" eval --gold "$WORK/check$k.jsonl" --no-frames --json --models "$models" > "$WORK/w$w-c$k.json"
    fi
  done
done

python3 - "$WORK" "$FOLDS" "${CHECK:-}" "${WEIGHTS[@]}" <<'PY'
import json, os, sys
work, folds, check, weights = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
def f1(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)
def table(title, part):
    print(title)
    print(f"{'weight':>6}  {'strict P':>8} {'R':>6} {'F1':>6}  {'role F1':>7}  {'countries F1':>12}")
    for w in weights:
        sums = {"strict": [0, 0, 0], "role": [0, 0, 0], "countries": [0, 0, 0]}
        for k in range(folds):
            path = f"{work}/w{w}-{part}{k}.json"
            if part == "c" and not os.path.exists(path):
                continue  # the fold holds none of the CHECK documents
            d = json.load(open(path))
            for name, counts in (("strict", d["entities"]["strict"]), ("role", d["entities"]["role"]), ("countries", d["actor_countries"])):
                for i, key in enumerate(("tp", "fp", "fn")):
                    sums[name][i] += counts[key]
        s, r, c = (f1(*sums[n]) for n in ("strict", "role", "countries"))
        print(f"{w:>6}  {s[0]:8.3f} {s[1]:6.3f} {s[2]:6.3f}  {r[2]:7.3f}  {c[2]:12.3f}")

table(f"{folds}-fold cross-validation over documents, summed over folds ({work})", "f")
if check:
    table(f"the same folds, only the documents of {check}", "c")
PY
