#!/usr/bin/env python3
"""Validate a gold JSONL file against /work/shared/ANNOTATION.md (../shared/ANNOTATION.md).

Usage:
    python3 scripts/check_gold.py fixtures/gold.jsonl [--list]
    python3 scripts/check_gold.py --visible fixtures/seeds/000_8875dd35056fa2b9.md

Checks every line: valid JSON object, unique string `id`, string `text`, entities with
code point offsets in range (end exclusive), no whitespace at span edges, sorted by start
and non-overlapping, `label` in PER/ORG/LOC/MISC, `role` in actor/place/other, `country`
a 3-letter uppercase code and only on actor/place; frames with valid offsets and a
non-empty list of non-empty string labels. When a record has a `source` field (a path
relative to the repository root), its `text` must equal the file's content, or for a
Markdown source (`.md`) the file's visible text as made by `visible_text` below.

Errors are printed as `file:line:field: message` and the exit status is 1.
`--list` prints each entity (surface, label, role, country) and each frame span
(text, labels) of every document. Standard library only.
"""

import argparse
import html
import json
import os
import re
import sys

LABELS = {"PER", "ORG", "LOC", "MISC"}
ROLES = {"actor", "place", "other"}
COUNTRY_RE = re.compile(r"^[A-Z]{3}$")

# ---------------------------------------------------------------------------
# Visible text of a Markdown note (seed 000)
# ---------------------------------------------------------------------------

_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n.*?\n---[ \t]*\n(?:[ \t]*\n)*", re.S)
_WIKI_LABEL_RE = re.compile(r"\[\[([^\[\]|]*)\|([^\[\]]*)\]\]")
_WIKI_RE = re.compile(r"\[\[([^\[\]|]*)\]\]")
_BR_EOL_RE = re.compile(r"[ \t]*<br\s*/?>[ \t]*$", re.M | re.I)
_BR_RE = re.compile(r"<br\s*/?>", re.I)
_TAG_RE = re.compile(r"</?[A-Za-z][^<>]*>")
_HEADING_RE = re.compile(r"^#{1,6}[ \t]", re.M)
_STRONG_RE = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EM_STAR_RE = re.compile(r"(?<![\*\w])\*(?=[^\s\*])(.+?)(?<=[^\s\*])\*(?![\*\w])")
_EM_UNDER_RE = re.compile(r"(?<![_\w])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![_\w])")


def visible_text(raw: str) -> str:
    """The visible text of a Markdown note with wiki links and inline HTML.

    Rules, applied in this order:
    1. The YAML front matter (a first line `---` up to the closing `---` line) is
       dropped, with the blank lines right after it.
    2. `[[target | label]]` becomes `label` trimmed; `[[target]]` becomes `target`.
    3. `<br/>` / `<br>` is dropped; at a line end the spaces around it go too.
    4. Any other HTML element keeps only its inner text (the tags are dropped).
    5. Heading markers `#`..`######` at a line start are dropped with the following space.
    6. `**`/`__` and single `*`/`_` emphasis markers around words are dropped.
    7. HTML entities are decoded (`&amp;` -> `&`).
    Everything else (newlines, blank lines, other spaces) is kept as is.
    """
    text = _FRONT_MATTER_RE.sub("", raw, count=1)
    text = _WIKI_LABEL_RE.sub(lambda m: m.group(2).strip(), text)
    text = _WIKI_RE.sub(lambda m: m.group(1), text)
    text = _BR_EOL_RE.sub("", text)
    text = _BR_RE.sub("", text)
    text = _TAG_RE.sub("", text)
    text = _HEADING_RE.sub("", text)
    text = _STRONG_RE.sub(lambda m: m.group(2), text)
    text = _EM_STAR_RE.sub(lambda m: m.group(1), text)
    text = _EM_UNDER_RE.sub(lambda m: m.group(1), text)
    return html.unescape(text)


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _repo_root() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _resolve_source(source: str, gold_path: str):
    """Finds `source` relative to the working directory, the repository root or the gold file."""
    candidates = [source, os.path.join(_repo_root(), source),
                  os.path.join(os.path.dirname(os.path.abspath(gold_path)), source)]
    for c in candidates:
        if os.path.isfile(c):
            return c
    return None


def _check_span(text, obj, where, err):
    """Checks start/end of an entity or frame; returns (start, end) or None."""
    start, end = obj.get("start"), obj.get("end")
    ok = True
    if not _is_int(start):
        err(where + ".start", f"must be an integer, got {start!r}")
        ok = False
    if not _is_int(end):
        err(where + ".end", f"must be an integer, got {end!r}")
        ok = False
    if not ok:
        return None
    if not (0 <= start < end <= len(text)):
        err(where, f"offsets [{start}, {end}) out of range for text of {len(text)} code points")
        return None
    surface = text[start:end]
    if surface[0].isspace() or surface[-1].isspace():
        err(where, f"span [{start}, {end}) starts or ends on whitespace: {surface!r}")
    return start, end


def check_record(rec, path, lineno, ids, err_sink):
    def err(field, msg):
        err_sink(f"{path}:{lineno}:{field}: {msg}")

    if not isinstance(rec, dict):
        err("(record)", "must be a JSON object")
        return
    rid = rec.get("id")
    if not isinstance(rid, str) or not rid:
        err("id", f"must be a non-empty string, got {rid!r}")
    elif rid in ids:
        err("id", f"duplicate id {rid!r} (first on line {ids[rid]})")
    else:
        ids[rid] = lineno
    text = rec.get("text")
    if not isinstance(text, str):
        err("text", "must be a string")
        return

    source = rec.get("source")
    if source is not None:
        if not isinstance(source, str):
            err("source", "must be a string path")
        else:
            found = _resolve_source(source, path)
            if found is None:
                err("source", f"file {source!r} not found")
            else:
                with open(found, encoding="utf-8", newline="") as f:
                    raw = f.read()
                expected = visible_text(raw) if found.endswith(".md") else raw
                if text != expected:
                    i = next((k for k, (a, b) in enumerate(zip(text, expected)) if a != b),
                             min(len(text), len(expected)))
                    kind = "the visible text of" if found.endswith(".md") else "the content of"
                    err("text", f"differs from {kind} {source} at code point {i}: "
                                f"{text[i:i + 30]!r} vs {expected[i:i + 30]!r}")

    entities = rec.get("entities", [])
    if not isinstance(entities, list):
        err("entities", "must be a list")
        entities = []
    prev = None   # (start, index) of the previous entity
    reach = None  # (start, end, index) of the entity reaching furthest so far
    for k, ent in enumerate(entities):
        where = f"entities[{k}]"
        if not isinstance(ent, dict):
            err(where, "must be an object")
            continue
        span = _check_span(text, ent, where, err)
        label = ent.get("label")
        if label not in LABELS:
            err(where + ".label", f"must be one of {sorted(LABELS)}, got {label!r}")
        role = ent.get("role")
        if role not in ROLES:
            err(where + ".role", f"must be one of {sorted(ROLES)}, got {role!r}")
        if "country" in ent:
            country = ent["country"]
            if not isinstance(country, str) or not COUNTRY_RE.match(country):
                err(where + ".country", f"must be a 3-letter uppercase ISO code, got {country!r}")
            if role not in ("actor", "place"):
                err(where + ".country", f"only actor/place mentions carry a country (role is {role!r})")
        if span is None:
            continue
        if prev is not None:
            pstart, pk = prev
            if span[0] < pstart:
                err(where + ".start", f"entities not sorted by start ({span[0]} after {pstart} at entities[{pk}])")
            if reach is not None and span[0] < reach[1]:
                rs, re_, rk = reach
                err(where, f"[{span[0]}, {span[1]}) overlaps entities[{rk}] [{rs}, {re_})")
        prev = (span[0], k)
        if reach is None or span[1] > reach[1]:
            reach = (span[0], span[1], k)

    if "frames" in rec:
        frames = rec["frames"]
        if not isinstance(frames, list):
            err("frames", "must be a list")
            frames = []
        for k, fr in enumerate(frames):
            where = f"frames[{k}]"
            if not isinstance(fr, dict):
                err(where, "must be an object")
                continue
            _check_span(text, fr, where, err)
            labels = fr.get("labels")
            if not isinstance(labels, list) or not labels:
                err(where + ".labels", f"must be a non-empty list, got {labels!r}")
            elif not all(isinstance(l, str) and l.strip() for l in labels):
                err(where + ".labels", f"labels must be non-empty strings, got {labels!r}")
            elif len(set(labels)) != len(labels):
                err(where + ".labels", f"duplicate labels {labels!r}")


def listing(rec) -> str:
    text = rec["text"]
    out = [f"== {rec['id']}  ({rec.get('source', '-')}, {len(text)} code points)"]
    out.append(f"-- entities ({len(rec.get('entities', []))})")
    for e in rec.get("entities", []):
        out.append(f"  {e['start']:>5}-{e['end']:<5} {text[e['start']:e['end']]!r:34} "
                   f"{e['label']:4} {e['role']:6} {e.get('country', '')}")
    frames = rec.get("frames", [])
    out.append(f"-- frames ({len(frames)})")
    for f in frames:
        out.append(f"  {f['start']:>5}-{f['end']:<5} [{', '.join(f['labels'])}] {text[f['start']:f['end']]!r}")
    return "\n".join(out)


def check_file(path, show_list=False) -> int:
    errors = []
    records = []
    ids = {}
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
    except (OSError, UnicodeDecodeError) as e:
        print(f"{path}:0:(file): {e}", file=sys.stderr)
        return 1
    if lines and lines[-1] == "":
        lines.pop()
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            errors.append(f"{path}:{lineno}:(record): empty line")
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            errors.append(f"{path}:{lineno}:(record): invalid JSON: {e}")
            continue
        n = len(errors)
        check_record(rec, path, lineno, ids, errors.append)
        if len(errors) == n:
            records.append(rec)
    if show_list:
        for rec in records:
            print(listing(rec))
            print()
    for e in errors:
        print(e, file=sys.stderr)
    if errors:
        print(f"{path}: {len(errors)} error(s)", file=sys.stderr)
        return 1
    n_ent = sum(len(r.get("entities", [])) for r in records)
    n_fr = sum(len(r.get("frames", [])) for r in records)
    print(f"{path}: OK, {len(records)} documents, {n_ent} entities, {n_fr} frame spans")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("gold", nargs="?", help="gold JSONL file to validate")
    ap.add_argument("--list", action="store_true", help="print entities and frames of every document")
    ap.add_argument("--visible", metavar="MD", help="print the visible text of a Markdown file and exit")
    args = ap.parse_args(argv)
    if args.visible:
        with open(args.visible, encoding="utf-8", newline="") as f:
            sys.stdout.write(visible_text(f.read()))
        return 0
    if not args.gold:
        ap.error("a gold file is required")
    return check_file(args.gold, args.list)


if __name__ == "__main__":
    sys.exit(main())
