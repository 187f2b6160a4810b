"""Which organisation a text is about: known groups found under any of their names, and a group the text
names that nobody knows yet.

Known groups are the organisations and aliases of the user's database and the shipped gazetteer
(:mod:`casefile.gazetteer`, extended by the user's own file), matched as written and through the
gazetteer's folding ("Mujahedeen-e Khalq" is the MEK). A group nobody knows is proposed from the words
of membership around a capitalised name ("a member of the Circle of the Living Flame for nine years").
The group *left* is the one named nearest the subject's joining and leaving; the others named (a
ministry that comments, the army that received a deserter) are decoys and never drafted.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from .names import Span

MEMBERSHIP = re.compile(
    r"\b(?:member|members|membership|joined|join|joining|left|leave|leaving|quit|defected from|deserted|"
    r"fought (?:for|with)|inside|within|recruited (?:by|into)|walked (?:out of|away from)|escaped from|"
    r"fled|broke with|years? (?:in|with)|ranks of|former|ex-)\b",
    re.I,
)
_UNKNOWN = re.compile(
    r"\b(?:member of|members of|joined|left|leaving|leave|quit|inside|walked (?:out of|away from)|escaped from|"
    r"broke with|years (?:in|with)|called itself|calls itself|known as)\s+(?:the\s+)?"
    r"(?P<name>[A-Z][\w'’-]+(?:[ \t]+(?:of[ \t]+the|of|the|de|del|la)[ \t]+[A-Z][\w'’-]+|[ \t]+[A-Z][\w'’-]+){1,5})"
)
_NOT_GROUP = re.compile(r"^(?:Camp|Hotel|United|Iraq|Iran|Syria|Albania|North|South|The)\b")


@dataclass
class Group:
    name: str  # the name to draft: the user's organisation, else the gazetteer's main name, else as written
    mentions: list[Span] = field(default_factory=list)
    known: str = ""  # "database", "gazetteer" or "" (proposed)
    why: str = ""


def _pattern(name: str) -> re.Pattern[str]:
    escaped = re.escape(name).replace(r"\ ", r"\s+").replace(r"\-", r"[-\s]?")
    if len(name) <= 6 and any(c.isupper() for c in name[1:]) or len(name) <= 4:
        return re.compile(rf"(?<![\w-]){escaped}(?![\w-])")  # acronyms (MEK, LeT): as written, case and all
    tail = r"(?:n|ns)?" if name.endswith("a") else ""  # "North Korean soldiers" names North Korea
    return re.compile(rf"(?<![\w-])(?i:{escaped}){tail}(?![\w-])")


_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def _tokens_of(name: str) -> tuple[str, ...]:
    return tuple(t for t in _TOKEN.findall(name))


@functools.lru_cache(maxsize=8)
def _index(
    known: tuple[tuple[str, tuple[str, ...], str], ...],
) -> dict[str, list[tuple[tuple[str, ...], bool, str, str]]]:
    """First word (folded) → (the name's words, whether case must match, group, where known), longest first.
    An acronym (MEK, LeT, IS) matches only as written; other names in any case."""
    index: dict[str, list[tuple[tuple[str, ...], bool, str, str]]] = {}
    for name, names, origin in known:
        for alias in {name, *names}:
            words = _tokens_of(alias)
            if not words or not re.search(r"[A-Za-z]", alias):
                continue
            exact = len(alias) <= 6 and any(c.isupper() for c in alias[1:]) or len(alias) <= 4
            index.setdefault(words[0].casefold(), []).append((words, exact, name, origin))
    for entries in index.values():
        entries.sort(key=lambda e: -len(e[0]))
    return index


def find(text: str, known: Iterable[tuple[str, Iterable[str], str]]) -> list[Group]:
    """Every known group ``text`` names. ``known``: (name to draft, its names, where it is known). Words are
    compared in order, so "Mojahedin-e Khalq" and "Mojahedin e Khalq" are one name; "North Korean" names
    North Korea."""
    index = _index(tuple((name, tuple(names), origin) for name, names, origin in known))
    words = list(_TOKEN.finditer(text))
    groups: dict[str, Group] = {}
    i = 0
    while i < len(words):
        hit = None
        for alias, exact, name, origin in index.get(words[i].group().casefold(), ()):
            n = len(alias)
            got = words[i : i + n]
            if len(got) < n:
                continue
            same = all(
                (g.group() == a if exact else g.group().casefold() == a.casefold())
                or (
                    k == n - 1
                    and not exact
                    and a.endswith("a")
                    and g.group().casefold() in (a.casefold() + "n", a.casefold() + "ns")
                )
                for k, (g, a) in enumerate(zip(got, alias, strict=True))
            )
            if same and _joined(text, got):
                hit = (name, origin, got[0].start(), got[-1].end())
                break
        if hit is None or _shouting(text, words[i].start()):
            i += 1
            continue
        name, origin, start, end = hit
        group = groups.setdefault(name, Group(name, known=origin, why=f"a name of {name} ({origin})"))
        group.mentions.append(Span(start, end, text[start:end]))
        i += 1
        while i < len(words) and words[i].start() < end:
            i += 1
    return list(groups.values())


def _joined(text: str, words: list[re.Match[str]]) -> bool:
    """The words of a name follow each other (a space or a hyphen between them, never a sentence's end)."""
    return all(re.fullmatch(r"[\s-]{1,3}", text[a.end() : b.start()]) for a, b in zip(words, words[1:], strict=False))


def _shouting(text: str, at: int) -> bool:
    """A line in capitals (a dateline, a headline kicker): acronyms there are words, not groups."""
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    line = text[start : end if end >= 0 else len(text)]
    letters = [c for c in line if c.isalpha()]
    return len(letters) > 12 and sum(c.isupper() for c in letters) > 0.8 * len(letters)


def folded_matches(text: str, lookup: object) -> list[Group]:
    """Groups named in a spelling no list has but the gazetteer folds to a known group
    ("Mujahedeen-e Khalq"): capitalised runs of words looked up one by one."""
    found: dict[str, Group] = {}
    for m in re.finditer(
        r"(?<![\w-])[A-Z][\w'’]*(?:[-\s]+(?:e|of|the|al|el|[A-Z][\w'’]*))*(?:[-\s]+[A-Z][\w'’]*)", text
    ):
        words = re.sub(r"['’]s$", "", m.group())  # "the Unification Church's youth wing"
        entry = lookup(words)  # type: ignore[operator]
        if entry is not None:
            group = found.setdefault(entry.name, Group(entry.name, known="gazetteer", why=f"spelt as {words!r}"))
            group.mentions.append(Span(m.start(), m.start() + len(words), words))
    return list(found.values())


def proposed(text: str, taken: Iterable[Span]) -> list[Group]:
    """Groups nobody knows, named with the words of membership ("member of the Circle of the Living
    Flame"): proposed as new organisations, never matched to a known one."""
    spans = list(taken)
    out: dict[str, Group] = {}
    for m in _UNKNOWN.finditer(text):
        name = m.group("name").rstrip(".,;:")
        start = m.start("name")
        if _NOT_GROUP.match(name) or any(s.start <= start < s.end for s in spans):
            continue
        group = out.setdefault(name, Group(name, known="", why="named with the words of membership; not a known group"))
        group.mentions.append(Span(start, start + len(name), name))
    return list(out.values())


def choose(text: str, groups: list[Group], subject_spans: list[Span]) -> Group | None:
    """The group the subject was in: named close to the words of membership and to the subject."""
    best, best_score = None, 0.0
    for group in groups:
        score = 0.0
        for span in group.mentions:
            window = text[max(0, span.start - 80) : span.end + 40]
            if MEMBERSHIP.search(window):
                score += 2
            if re.search(
                r"\b(?:run by|spokes\w+ for|statement|according to|told|reporters?|agency)\b",
                text[max(0, span.start - 40) : span.start],
                re.I,
            ):
                score -= 1.5
            if any(abs(s.start - span.start) < 250 for s in subject_spans):
                score += 1
            score += 0.5
        if group.known:
            score += 0.5
        if score > best_score:
            best, best_score = group, score
    return best
