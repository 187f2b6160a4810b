"""Scoring drafts against hand-made labels: precision and recall per field, for `make eval`.

A draft is what ``casefile ingest --draft-out`` writes: the text the offsets refer to, the drafted record
(in the shape ``import`` reads), the evidence of every drafted value and the flags it raised. A label is
a file of ``tests/eval/labels/`` (its conventions are in ``tests/eval/README.md``). This module knows
nothing about how a draft was made, so the same scorer runs on any labelled set — the one in the
repository, or real published articles it never saw.

The rules, stated once (the README of the set repeats them for people):

- A drafted value counts only with evidence: at least one ``{start, end, words}`` whose ``words`` are
  exactly ``text[start:end]``. A value without it, or with offsets that do not reproduce their words, is
  wrong however right it looks. For a quote the words must be the quote itself (after normalising quote
  marks and whitespace); for a name they must contain it.
- Single values (subject name, organisation, joined, left, years in the organisation) are scored per text:
  *precision* over the texts where the draft gives a value, *recall* over the texts where the label has
  one. Leaving a value empty where the label has none is right and costs nothing.
- Lists (quotes, places, reasons, relative dates, typos) are matched item by item: precision over drafted
  items, recall over labelled ones, summed over the whole set (micro-averaged).
- A speaker is scored on the quotes that matched: precision over those the draft attributes, recall over
  those the label attributes.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The goals of issue 22 (floors, not targets): field → (measure, minimum).
GOALS: dict[str, tuple[str, float]] = {
    "quotes": ("precision", 0.95),
    "quotes ": ("recall", 0.90),
    "speaker": ("precision", 0.90),
    "organisation": ("precision", 0.95),
    "subject name": ("precision", 0.90),
    "joined": ("precision", 0.85),
    "left": ("precision", 0.85),
    "relative dates": ("precision", 0.85),
    "places": ("precision", 0.80),
}

_QUOTE_MARKS = str.maketrans(dict.fromkeys("“”„‟«»‹›″", '"') | dict.fromkeys("‘’‚‛′`", "'"))
_EDGE = " \t\n\"'.,;:!?…—–-"


def fold(text: str) -> str:
    """Case, accents, quote marks and whitespace folded: how two spellings of one value are compared."""
    text = unicodedata.normalize("NFKD", text.translate(_QUOTE_MARKS))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", text).strip().casefold()


def quote_key(text: str) -> str:
    """A quote compared without the punctuation a writer moves in and out of the marks ("…," vs "…")."""
    return fold(text).strip(_EDGE)


def years_of(value: Any) -> set[int]:
    """Every four-digit year a drafted date value names ("2001/2002" → {2001, 2002})."""
    if value is None:
        return set()
    if isinstance(value, int):
        return {value}
    return {int(y) for y in re.findall(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)", str(value))}


@dataclass
class Tally:
    """Counts for one field: true positives over drafted (precision) and over labelled (recall)."""

    drafted: int = 0
    drafted_right: int = 0
    labelled: int = 0
    labelled_found: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        return self.drafted_right / self.drafted if self.drafted else None

    @property
    def recall(self) -> float | None:
        return self.labelled_found / self.labelled if self.labelled else None


@dataclass
class Scores:
    fields: dict[str, Tally] = field(default_factory=dict)
    texts: int = 0
    evidence_broken: int = 0

    def tally(self, name: str) -> Tally:
        return self.fields.setdefault(name, Tally())

    def as_dict(self) -> dict[str, Any]:
        return {
            "texts": self.texts,
            "evidence_broken": self.evidence_broken,
            "fields": {
                name: {
                    "precision": _round(t.precision),
                    "recall": _round(t.recall),
                    "drafted": t.drafted,
                    "labelled": t.labelled,
                    "misses": t.misses,
                }
                for name, t in self.fields.items()
            },
        }

    def failures(self) -> list[str]:
        """The goals this run misses, one line each ("quotes precision 0.91 < 0.95")."""
        out = []
        for key, (measure, floor) in GOALS.items():
            tally = self.fields.get(key.strip())
            value = getattr(tally, measure) if tally else None
            if value is not None and value < floor:
                out.append(f"{key.strip()} {measure} {value:.2f} < {floor:.2f}")
        return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


# ------------------------------------------------------------------------------------------------ evidence


def _evidence(draft: dict[str, Any], key: str) -> list[dict[str, Any]]:
    found = draft.get("evidence", {}).get(key) or []
    return found if isinstance(found, list) else [found]


def reproduces(text: str, ev: dict[str, Any]) -> bool:
    """True when the evidence's offsets give back exactly its words."""
    try:
        start, end, words = int(ev["start"]), int(ev["end"]), str(ev["words"])
    except (KeyError, TypeError, ValueError):
        return False
    return 0 <= start < end <= len(text) and text[start:end] == words and bool(words.strip())


def backed(draft: dict[str, Any], key: str, value: Any = None, *, exact: bool = False) -> bool:
    """The drafted value under ``key`` has evidence that reproduces from the draft's text; with ``value``,
    the words must also contain it (``exact``: be it, as quotes must)."""
    text = draft.get("text", "")
    for ev in _evidence(draft, key):
        if not reproduces(text, ev):
            continue
        if value is None:
            return True
        if exact and quote_key(ev["words"]) == quote_key(str(value)):
            return True
        if not exact and fold(str(value)) in fold(ev["words"]):
            return True
    return False


# ------------------------------------------------------------------------------------------------- scoring


def _single(scores: Scores, name: str, drafted: Any, right: bool | None, labelled: bool, where: str) -> None:
    """One single-valued field of one text: ``right`` is whether the drafted value (if any) is right."""
    tally = scores.tally(name)
    if drafted not in (None, "", [], {}):
        tally.drafted += 1
        if right:
            tally.drafted_right += 1
        else:
            tally.misses.append(f"{where}: drafted {drafted!r}")
    if labelled:
        tally.labelled += 1
        if right and drafted not in (None, "", [], {}):
            tally.labelled_found += 1
        elif drafted in (None, "", [], {}):
            tally.misses.append(f"{where}: missing")


def _items(scores: Scores, name: str, drafted: list[Any], labelled: list[Any], match: Any, where: str) -> list[Any]:
    """Match drafted items to labelled ones one to one; returns the (drafted, labelled) pairs that matched."""
    tally = scores.tally(name)
    pairs = []
    free = list(labelled)
    for item in drafted:
        hit = next((lab for lab in free if match(item, lab)), None)
        tally.drafted += 1
        if hit is not None:
            free.remove(hit)
            tally.drafted_right += 1
            pairs.append((item, hit))
        else:
            tally.misses.append(f"{where}: extra {_short(item)}")
    tally.labelled += len(labelled)
    tally.labelled_found += len(labelled) - len(free)
    tally.misses.extend(f"{where}: missed {_short(lab)}" for lab in free)
    return pairs


def _short(item: Any) -> str:
    text = json.dumps(item, ensure_ascii=False)
    return text if len(text) <= 90 else text[:87] + "..."


def same_person(drafted: str | None, labelled: str | None) -> bool:
    """A drafted name is the labelled person when its words are a part of the labelled name's or the
    reverse ("Tavakoli" for "Reza Tavakoli"; "Mullah Abdul Ghafoor" for "Abdul Ghafoor")."""
    if not drafted or not labelled:
        return False
    a, b = set(fold(drafted).replace(".", ". ").split()), set(fold(labelled).replace(".", ". ").split())
    return bool(a) and bool(b) and (a <= b or b <= a)


def score_one(scores: Scores, label: dict[str, Any], draft: dict[str, Any], where: str) -> None:
    scores.texts += 1
    record = draft.get("record", {})
    text = draft.get("text", "")
    for key in draft.get("evidence", {}):
        for ev in _evidence(draft, key):
            if not reproduces(text, ev):
                scores.evidence_broken += 1

    name = record.get("name")
    label_name = label["subject"]["name"]
    right = same_person(name, label_name) and backed(draft, "name", name)
    if name and not label_name:
        right = False
    _single(scores, "subject name", name, right, label_name is not None, where)

    org = record.get("organization")
    accept = {fold(n) for n in [label["organisation"]["name"], *label["organisation"]["accept"]]}
    _single(
        scores, "organisation", org, bool(org) and fold(org) in accept and backed(draft, "organization"), True, where
    )

    for key in ("joined", "left"):
        lab = label.get(key)
        # the value a reader would take: a correction of what was written, else the derived value, else it
        value = record.get(f"{key}_corrected") or record.get(f"{key}_derived") or record.get(key)
        years = years_of(value)
        if lab is None:
            ok = False
        else:
            low, high = lab.get("range", [lab["year"], lab["year"]])
            ok = bool(years) and all(low <= y <= high for y in years) and backed(draft, key)
        _single(scores, key, value, ok, lab is not None, where)

    years = record.get("years_in_org")
    lab_years = label.get("years_in_org")
    ok = lab_years is not None and _same_duration(years, lab_years) and backed(draft, "years_in_org")
    _single(scores, "years in organisation", years, ok, lab_years is not None, where)

    quotes = [q for q in record.get("quotes", []) if isinstance(q, dict)]
    labelled_quotes = label.get("quotes", [])

    def quote_match(q: dict[str, Any], lab: dict[str, Any]) -> bool:
        i = quotes.index(q)
        return quote_key(q.get("text", "")) == quote_key(lab["text"]) and backed(
            draft, f"quotes[{i}].text", q.get("text"), exact=True
        )

    pairs = _items(scores, "quotes", quotes, labelled_quotes, quote_match, where)
    speaker = scores.tally("speaker")
    for q, lab in pairs:
        said = q.get("speaker")
        i = quotes.index(q)
        if said:
            speaker.drafted += 1
            if same_person(said, lab["speaker"]) and backed(draft, f"quotes[{i}].speaker"):
                speaker.drafted_right += 1
            else:
                speaker.misses.append(f"{where}: {said!r} for {lab['speaker']!r}: {_short(lab['text'])}")
        if lab["speaker"]:
            speaker.labelled += 1
            if said and same_person(said, lab["speaker"]):
                speaker.labelled_found += 1

    places = [p for p in _places(record) if p.get("name")]

    def place_match(p: dict[str, Any], lab: dict[str, Any]) -> bool:
        name_ok = fold(lab["name"]) in fold(p["name"]) or fold(p["name"]) in fold(lab["name"])
        country_ok = not p.get("country") or p["country"].upper() == lab["country"]
        return name_ok and country_ok

    _items(scores, "places", places, label.get("places", []), place_match, where)
    people = [p for p in record.get("people", []) or [] if isinstance(p, dict) and p.get("name")]
    _items(scores, "people", people, label.get("people", []), lambda p, lab: same_person(p["name"], lab["name"]), where)
    _items(scores, "reasons", list(record.get("reasons", [])), label.get("reasons", []), lambda a, b: a == b, where)
    _items(
        scores,
        "allegations",
        list(record.get("allegations", [])),
        label.get("allegations", []),
        lambda a, b: a == b,
        where,
    )

    resolved = draft.get("dates", [])

    def date_match(d: dict[str, Any], lab: dict[str, Any]) -> bool:
        words = fold(str(d.get("words", "")))
        overlap = fold(lab["phrase"]) in words or words in fold(lab["phrase"])
        value = _date_value(d.get("value"))
        inside = "/" in value and all(end.startswith(lab["value"]) for end in value.split("/"))
        if "/" in lab["value"] and "/" in value and re.fullmatch(r"\d{4}/\d{4}", lab["value"]):
            low, high = (int(y) for y in lab["value"].split("/"))
            inside = inside or all(low <= int(end[:4]) <= high for end in value.split("/") if end[:4].isdigit())
        return overlap and (value == lab["value"] or inside)

    # a phrase the draft could not resolve is kept as written: only the values it gives are scored
    relative = [
        d for d in resolved if isinstance(d, dict) and d.get("relative") and d.get("value") and reproduces(text, d)
    ]
    _items(scores, "relative dates", relative, label.get("relative_dates", []), date_match, where)

    flags = [f for f in draft.get("flags", []) if isinstance(f, dict) and f.get("as_written")]

    def typo_match(f: dict[str, Any], lab: dict[str, Any]) -> bool:
        return str(f.get("as_written")) == lab["as_written"] and str(f.get("likely")) == lab["likely"]

    _items(scores, "typos", flags, label.get("typos", []), typo_match, where)


def _date_value(value: Any) -> str:
    """An EDTF value compared by what it names: qualifiers (``~ ? %``) dropped, an open interval by its
    known end ("2018/.." names 2018)."""
    text = re.sub(r"[~?%]", "", str(value))
    if text.endswith("/.."):
        return text[:-3]
    if text.startswith("../"):
        return text[3:]
    return text


def _places(record: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for place in record.get("places", []) or []:
        if isinstance(place, dict):
            yield place


def _same_duration(drafted: Any, labelled: dict[str, Any]) -> bool:
    """ "34", 34, ">7", "~10" against ``{"value": 34, "qualifier": "="}``."""
    if drafted is None:
        return False
    m = re.fullmatch(r"\s*([<>~=]?)\s*(\d+(?:\.\d+)?)\s*", str(drafted))
    if not m:
        return False
    qualifier = m.group(1) or "="
    return float(m.group(2)) == float(labelled["value"]) and qualifier == labelled["qualifier"]


# --------------------------------------------------------------------------------------------- the set


@dataclass
class Case:
    name: str
    label: dict[str, Any]
    text_path: Path


def cases(labels: Path) -> Iterable[Case]:
    """Every label of a folder whose text is present; a label naming a file outside the folder (the seed)
    is used only when that file is there and has the hash the label gives."""
    import hashlib

    for path in sorted(labels.glob("*.json")):
        label = json.loads(path.read_text(encoding="utf-8"))
        text_path = (labels.parent / label["text"]).resolve()
        if not text_path.is_file():
            continue
        if label.get("text_sha256") and hashlib.sha256(text_path.read_bytes()).hexdigest() != label["text_sha256"]:
            continue
        if "quotes_by_offset" in label:
            content = text_path.read_text(encoding="utf-8")
            label["quotes"] = [
                {"text": content[q["start"] : q["end"]], "speaker": q["speaker"]} for q in label["quotes_by_offset"]
            ]
        yield Case(path.stem, label, text_path)


def score(pairs: Iterable[tuple[Case, dict[str, Any]]]) -> Scores:
    scores = Scores()
    for case, draft in pairs:
        score_one(scores, case.label, draft, case.name)
    return scores


def report(scores: Scores) -> str:
    """The table `make eval` prints."""
    lines = [f"{scores.texts} texts; evidence that does not reproduce from its offsets: {scores.evidence_broken}", ""]
    lines.append(f"{'field':<24}{'precision':>10}{'recall':>8}{'drafted':>9}{'labelled':>10}  goal")
    goals: dict[str, list[str]] = {}
    for key, (measure, floor) in GOALS.items():
        goals.setdefault(key.strip(), []).append(f"{measure[0].upper()}≥{floor:.2f}")
    for name, t in scores.fields.items():
        p = "-" if t.precision is None else f"{t.precision:.2f}"
        r = "-" if t.recall is None else f"{t.recall:.2f}"
        lines.append(f"{name:<24}{p:>10}{r:>8}{t.drafted:>9}{t.labelled:>10}  {' '.join(goals.get(name, []))}")
    return "\n".join(lines)
