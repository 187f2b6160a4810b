"""Well-known groups and the names they go by, and how near one organisation name is to another.

casefile ships a small gazetteer (``casefile/data/groups.json``: armed groups, regimes, movements, each entry
with its common aliases and transliterations and the ``source`` they were taken from); a researcher adds
their own in a JSON file of the same shape (the ``gazetteer`` setting, by default ``groups.json`` beside the
config file). Entries are facts about names only: they never create or merge anything by themselves.

:func:`org_key` folds an organisation name further than :func:`~casefile.text.fold`: hyphens and spaces,
apostrophes, the Persian/Urdu ezafe ("-e-", "-i-") and Arabic article ("al-"), and the vowels and doubled
letters of longer words, where transliterations differ (Mujahedin/Mojahedin/Mujahideen → ``mjhdn``). Words of
four letters or fewer (acronyms) are kept as they are. :func:`near` compares a name with known ones:

* the same :func:`org_key` — one name spelt another way (score 100);
* a parenthesised alias, "Mujahedin-e Khalq (MEK)", that is a known name (score 100);
* one gazetteer entry naming both ("MKO" and "PMOI": score 100);
* else rapidfuzz's ratio of the two keys, when at least :data:`CUTOFF`.

Standard library at module level; rapidfuzz is imported where a score is computed.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from .errors import CasefileError, quote
from .text import fold

#: The lowest similarity (0–100) of two names' keys that counts as a near match.
CUTOFF = 88.0

_PAREN = re.compile(r"^(?P<base>.*?\S)\s*[(\[](?P<inner>[^()\[\]]+)[)\]]\s*$")
_SPLIT = re.compile(r"[\W_]+")
_APOSTROPHES = re.compile(r"['’ʼ`´]")
#: Words that carry nothing for matching: the ezafe of Persian and Urdu names, the Arabic article, "the".
_FILLERS = frozenset({"e", "i", "ul", "al", "el", "the"})
_VOWELS = frozenset("aeiouy")
_SHORT = 4


class GazetteerError(CasefileError):
    """A gazetteer file casefile cannot use (exit 1)."""


@dataclass(frozen=True)
class Entry:
    """One group: its usual name, its other names, and where they come from."""

    name: str
    aliases: tuple[str, ...]
    source: str
    origin: str  # "casefile" or the user's file
    founded: str = ""  # the year it was founded, where well known (the same source says so)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


class Near(NamedTuple):
    """A known name near the one asked about: how near (0–100) and why; unpacks as (name, score, why)."""

    name: str
    score: float
    why: str


def split_alias(name: str) -> tuple[str, str | None]:
    """``"Mujahedin-e Khalq (MEK)"`` → ``("Mujahedin-e Khalq", "MEK")``; other names → ``(name, None)``."""
    match = _PAREN.match(name.strip())
    if match is None:
        return name, None
    return match["base"], match["inner"].strip()


def _skeleton(word: str) -> str:
    if len(word) <= _SHORT or not word.isascii():
        return word
    out = [word[0]]
    for letter in word[1:]:
        if letter in _VOWELS or letter == out[-1]:
            continue
        out.append(letter)
    return "".join(out)


@functools.lru_cache(maxsize=65536)
def org_key(name: str) -> str:
    """The key two spellings of one organisation name share (see the module's text)."""
    words = [w for w in _SPLIT.split(_APOSTROPHES.sub("", fold(name))) if w and w not in _FILLERS]
    return " ".join(_skeleton(w) for w in words)


# ----------------------------------------------------------------------------------------- the entries


def _entries(path: Path, origin: str) -> list[Entry]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GazetteerError(f"{path}: cannot read the gazetteer ({exc})") from None
    if not isinstance(data, list):
        raise GazetteerError(f"{path}: a gazetteer is a JSON list of {{name, aliases, source}}")
    entries = []
    for number, item in enumerate(data, 1):
        ok = isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"].strip()
        aliases = item.get("aliases", []) if isinstance(item, dict) else None
        if not ok or not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise GazetteerError(f"{path}: entry {number} needs a name (text) and aliases (a list of text)")
        founded = str(item.get("founded") or "")
        entries.append(Entry(item["name"], tuple(aliases), str(item.get("source") or ""), origin, founded))
    return entries


@functools.lru_cache(maxsize=8)
def _index(user_file: str | None) -> dict[str, Entry]:
    """Every name's :func:`org_key` → its entry; the user's entries override the shipped ones."""
    shipped = Path(__file__).with_name("data") / "groups.json"
    index: dict[str, Entry] = {}
    entries = _entries(shipped, "casefile")
    if user_file:
        entries += _entries(Path(user_file).expanduser(), user_file)
    for entry in entries:
        for name in entry.names:
            key = org_key(name)
            if key:
                index[key] = entry
    return index


def entry(name: str) -> Entry | None:
    """The gazetteer's entry one of whose names is ``name`` (spelled any way :func:`org_key` folds together)."""
    return _index(_user_file()).get(org_key(name))


def _user_file() -> str | None:
    from .config import Settings

    return str(Settings().get("gazetteer") or "") or None


def entries() -> list[Entry]:
    """The entries in use (shipped and the user's), each once."""
    return list(dict.fromkeys(_index(_user_file()).values()))


def lookup(name: str) -> Entry | None:
    """The gazetteer entry one of whose names is ``name`` (spelt any way :func:`org_key` folds), or None."""
    index = _index(_user_file())
    base, inner = split_alias(name)
    return index.get(org_key(base)) or (index.get(org_key(inner)) if inner else None)


# ------------------------------------------------------------------------------------------- nearness


class Known:
    """Known organisation names, indexed for :func:`near`: by key, by gazetteer entry, and as a list of keys
    rapidfuzz scores all at once (an import creating thousands of organisations compares each with every
    name before it; one Python loop per pair made that quadratic in the interpreter)."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.names: list[str] = []
        self.keys: list[str] = []
        self.by_key: dict[str, list[str]] = {}
        self.by_part: dict[str, list[str]] = {}  # the key of either part of a name "X (Y)" → such names
        self.by_entry: dict[Entry, list[str]] = {}
        self._index = _index(_user_file())
        for name in names:
            self.add(name)

    def add(self, name: str) -> None:
        key = org_key(name)
        if not key or name in self.by_key.get(key, ()):
            return
        self.names.append(name)
        self.keys.append(key)
        self.by_key.setdefault(key, []).append(name)
        base, inner = split_alias(name)
        parts = [org_key(base), org_key(inner)] if inner else []
        for part in parts:
            self.by_part.setdefault(part, []).append(name)
        for entry in {e for k in (key, *parts) if (e := self._index.get(k)) is not None}:
            self.by_entry.setdefault(entry, []).append(name)


def near(name: str, known: Iterable[str] | Known, cutoff: float = CUTOFF) -> list[Near]:
    """The names in ``known`` near ``name``, nearest first (a name that folds equal is not "near": the
    caller has matched it already). With ``cutoff`` 0, only the nearest by spelling is scored."""
    from rapidfuzz import fuzz, process

    names = known if isinstance(known, Known) else Known(known)
    base, inner = split_alias(name)
    key, inner_key = org_key(base), org_key(inner) if inner else None
    entry = names._index.get(key) or (names._index.get(inner_key) if inner_key else None)
    found: dict[str, Near] = {}
    for other in names.by_key.get(inner_key, []) if inner_key else []:
        found.setdefault(other, Near(other, 100.0, f"it names {quote(inner or '')} in brackets"))
    same = f"the same name with {quote(inner)} in brackets" if inner else "the same name spelt another way"
    for other in names.by_key.get(key, []):
        found.setdefault(other, Near(other, 100.0, same))
    for other in names.by_part.get(key, []):
        found.setdefault(other, Near(other, 100.0, f"{quote(other)} names it with a part in brackets"))
    if entry is not None:
        for other in names.by_entry.get(entry, []):
            found.setdefault(other, Near(other, 100.0, f"one group in the gazetteer: {quote(entry.name)}"))
    if key and cutoff <= 100:
        limit = 1 if cutoff <= 0 else None
        for _, score, at in process.extract(key, names.keys, scorer=fuzz.ratio, score_cutoff=cutoff, limit=limit):
            other = names.names[at]
            why = "a similar spelling" if score >= CUTOFF else "not near"
            found.setdefault(other, Near(other, round(score, 1), why))
    return sorted(found.values(), key=lambda n: (-n.score, n.name))


def nearest(name: str, known: Iterable[str]) -> Near | None:
    """The one known name nearest ``name``, however far (for a report); None when nothing is known."""
    best = near(name, known, cutoff=0.0)
    return best[0] if best else None


def same_group(a: str, b: str) -> str | None:
    """Why two organisation names are one group (:func:`near` at full score either way), or None."""
    for one, other in ((a, b), (b, a)):
        found = near(one, [other], cutoff=101.0)
        if found:
            return found[0].why
    return None
