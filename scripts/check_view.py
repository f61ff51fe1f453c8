"""Checks the DOM that headless Chromium rendered from `newstag view`
against the JSONL records (called by scripts/check-view with its work
folder)."""
import json
import os
import re
import sys
from html.parser import HTMLParser


class Dom(HTMLParser):
    """Marks with their text and classes, ids with their text, every tag and
    attribute name, and the text of each document section."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.marks = {}  # data-e -> (text, class)
        self.gold_only = 0
        self.ids = {}  # id -> text
        self.tags = set()
        self.on_attrs = []
        self.sections = {}  # data-doc -> text
        self.anchors = set()
        self.links = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        self.on_attrs += [k for k in a if k.lower().startswith("on")]
        if "id" in a:
            self.anchors.add(a["id"])
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        self.stack.append((tag, a, []))

    def handle_endtag(self, tag):
        while self.stack:
            t, a, parts = self.stack.pop()
            text = "".join(parts)
            if self.stack:
                self.stack[-1][2].append(text)
            if t == "mark" and "data-e" in a:
                self.marks[a["data-e"]] = (text, a.get("class", ""))
            elif t == "mark" and "g-gold" in a.get("class", ""):
                self.gold_only += 1
            if "id" in a:
                self.ids[a["id"]] = text
            if t == "section" and "data-doc" in a:
                self.sections[a["data-doc"]] = text
            if t == tag:
                break

    def handle_data(self, data):
        if self.stack:
            self.stack[-1][2].append(data)


def parse(path):
    dom = Dom()
    dom.feed(open(path, encoding="utf-8").read())
    dom.close()
    return dom


def load(path):
    return [json.loads(l) for l in open(path, encoding="utf-8")]


work = sys.argv[1]

# Every entity of every record is highlighted at its text.
records = load(f"{work}/out.jsonl")
dom = parse(f"{work}/dom.html")
ok = [(n, r) for n, r in enumerate(records) if "error" not in r]
checked = 0
for n, r in ok:
    for i, e in enumerate(r["entities"]):
        got = dom.marks.get(f"{n}:{i}")
        assert got is not None, f"{r['id']}: entity {i} {e['text']!r} not highlighted"
        assert got[0] == e["text"] == r["text"][e["start"]:e["end"]], f"{r['id']}: entity {i}: {got[0]!r} != {e['text']!r}"
        assert f"l-{e['label'].lower()}" in got[1], f"{r['id']}: entity {i} class {got[1]!r}"
        checked += 1
print(f"check-view: {checked} entities of {len(ok)} records highlighted at their text")

# Summary counts.
want = {
    "documents": len(records),
    "records": len(ok),
    "errors": len(records) - len(ok),
    "bad-lines": 0,
    "entities": sum(len(r["entities"]) for _, r in ok),
    "actors": sum(len(r["actors"]) for _, r in ok),
    "places": sum(len(r["places"]) for _, r in ok),
    "frames": sum(1 for _, r in ok for f in r["frames"] if f.get("selected", True)),
}
for key, n in want.items():
    assert dom.ids[f"count-{key}"].strip() == str(n), f"count-{key}: {dom.ids[f'count-{key}']!r} != {n}"
assert want["errors"] == 1, "the empty article should give an error record"
print(f"check-view: summary counts equal the JSONL: {want}")

# Hostile markup is text.
assert not {"script", "img", "iframe", "b"} & dom.tags, f"elements from an article: {dom.tags}"
assert not dom.on_attrs, f"event attributes: {dom.on_attrs}"
hostile = next(t for k, t in dom.sections.items() if k.endswith("hostile.txt"))
for s in ["<script>alert(1)</script>", '"><img src=x onerror=alert(2)>', "<b>bold</b>"]:
    assert s in hostile, f"{s!r} not shown as text"
print("check-view: <script> and \"><img onerror=...> in an article render as text")

# Gold overlay: matching marks = strict TP, prediction-only marks = FP.
report = json.load(open(f"{work}/eval.json"))["entities"]["strict"]
gold = parse(f"{work}/gold-dom.html")
classes = [c for _, c in gold.marks.values()]
match = sum("g-match" in c for c in classes)
pred = sum("g-pred" in c for c in classes)
assert (match, pred) == (report["tp"], report["fp"]), f"overlay {match} match, {pred} pred-only; eval tp {report['tp']} fp {report['fp']}"
assert 0 < gold.gold_only <= report["fn"], f"{gold.gold_only} gold-only marks, eval fn {report['fn']}"
print(f"check-view: gold overlay: {match} matching, {pred} prediction-only, {gold.gold_only} gold-only marks (eval: tp {report['tp']}, fp {report['fp']}, fn {report['fn']})")

# 1,000 documents: paged, every document linked once to an anchor that exists.
big = load(f"{work}/big-out.jsonl")
pages = sorted(os.listdir(f"{work}/big-pages"))
assert len(pages) == 20, pages
sizes = [os.path.getsize(f"{work}/big-pages/{p}") for p in pages] + [os.path.getsize(f"{work}/big.html")]
assert max(sizes) < 4_000_000, f"largest page {max(sizes)} bytes"
index = parse(f"{work}/big.html")
doc_links = [l for l in index.links if "#d" in l]
assert len(doc_links) == len(big) == len(set(doc_links)), f"{len(doc_links)} links for {len(big)} documents"
anchors = {}
for p in pages:
    anchors[p] = parse(f"{work}/big-pages/{p}").anchors
for link in doc_links:
    page, anchor = re.fullmatch(r"big-pages/(\d{4}\.html)#(d\d+)", link).groups()
    assert anchor in anchors[page], f"{link}: no such anchor"
rendered = parse(f"{work}/big-dom.html")
first = 6 * 50
for i, e in enumerate(big[first]["entities"]):
    assert rendered.marks[f"{first}:{i}"][0] == e["text"]
print(f"check-view: 1000 documents in {len(pages)} pages, largest file {max(sizes) // 1024} KiB; every link resolves")
