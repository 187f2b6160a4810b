"""Dates in a text: when it was published, what its relative phrases mean, and when the subject joined
and left — every value with its words, derived values marked derived.

The publication date is the full date of the dateline or byline (or the page's metadata); relative
phrases ("last December", "two years ago", "on Wednesday", "in September", "the summer of last year")
resolve against it through :mod:`casefile.relative_dates` only - the grammar ``add`` and ``import`` read
dates with, so a phrase filed as written means what it meant here. A phrase that counts from another date
("four years later", "one more year after that", "the following year") counts from the year named just
before it. Without a publication date a relative phrase is kept as written and the draft says it is
unresolved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from casefile.dates import DateError

from .names import Span

_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|"
    r"Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|"
    r"noviembre|diciembre|Januar|Februar|März|Mai|Juni|Juli|Oktober|Dezember)\.?"
)
FULL_DATE = re.compile(
    rf"(?<!\d)(?:(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),?\s+)?"
    rf"(?:\d{{1,2}}\s+(?:de\s+)?{_MONTH}(?:\s+de)?,?\s+\d{{4}}|{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|"
    rf"\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}[./]\d{{1,2}}[./]\d{{4}})(?!\d)"
    rf"(?:,?\s+(?:at\s+)?\d{{1,2}}[:.]\d{{2}}(?:\s*[ap]\.?m\.?)?(?:\s+[A-Z]{{2,4}})?)?",
)
_YEAR = re.compile(r"(?<![\d./-])(1[89]\d\d|20[0-4]\d)(?![\d/-]|\.\d)")


@dataclass
class Dated:
    words: str
    start: int
    end: int
    value: str | None  # EDTF, None when it cannot be resolved
    relative: bool
    rule: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "words": self.words, "start": self.start, "end": self.end, "value": self.value,
            "relative": self.relative, "rule": self.rule,
        }  # fmt: skip


def to_day(words: str) -> date | None:
    """A full date as news prints it, as a day: day-first for all-numeric dates (the world's order)."""
    from casefile import dates

    m = re.fullmatch(r"\s*(\d{1,2})[./](\d{1,2})[./](\d{4}).*", words)
    if m:
        day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        try:
            return date(year, month, day)
        except ValueError:
            return None
    cleaned = re.sub(r"\s+de\s+", " ", words)
    try:
        parsed = dates.parse_date(cleaned)
    except (DateError, ValueError):
        return None
    if parsed.precision != "day" or parsed.min is None:
        return None
    return date.fromisoformat(parsed.min)


def published(text: str, metadata_date: str | None = None) -> tuple[date, Span | None] | None:
    """The publication date: a full date in the dateline or byline (a short line near the top, a line that
    starts "Published"/"Posted", or "CITY, date —"); for a letter, the date it closes with; else the page's
    metadata. A date in the body ("I left on 3 February 2017") is never taken for it."""
    from .subject import LETTER_OPENING

    letter = re.match(LETTER_OPENING, text) is not None
    if not letter:
        for m in FULL_DATE.finditer(text[:500]):
            line_start = text.rfind("\n", 0, m.start()) + 1
            line_end = text.find("\n", m.end())
            line = text[line_start : line_end if line_end >= 0 else len(text)]
            after = text[m.end() : m.end() + 4]
            dateline = (
                len(line) < 90
                or line_start == 0
                or re.match(r"\s*[—–-]|\s*\(", after)
                or re.match(r"(?:Published|Posted|Updated|By)\b", line)
                or re.match(r"[A-ZÀ-Þ][A-ZÀ-Þ .'-]+,", line)
            )
            day = to_day(m.group()) if dateline else None
            if day is not None:
                return day, Span(m.start(), m.end(), m.group())
    tail_start = max(0, len(text) - 250)
    for m in FULL_DATE.finditer(text, tail_start):
        day = to_day(m.group())
        if day is not None:
            return day, Span(m.start(), m.end(), m.group())
    if metadata_date:
        try:
            return date.fromisoformat(metadata_date[:10]), None
        except ValueError:
            return None
    return None


def relative(text: str, anchor: date | None, masked: str | None = None, age_now: int | None = None) -> list[Dated]:
    """Every relative phrase outside quotes (``masked`` blanks them), resolved against ``anchor`` (the
    publication day), the year named before it, or — for an age — the birth year the text gives ("born in
    1988 or 1989") or the age it gives now (``age_now``, "Abdirahman Hussein, 22,")."""
    from casefile import relative_dates

    masked = masked if masked is not None else text
    birth = born(text, anchor, age_now)
    out: list[Dated] = []
    for m in _AT_AGE.finditer(masked):
        value = None
        if birth is not None:
            try:
                value = relative_dates.resolve(f"at the age of {m.group('n')}", birth).edtf
            except (DateError, ValueError):
                value = None
        out.append(Dated(m.group(), m.start(), m.end(), value, True, "relative: an age, from the year of birth"))
    for phrase in _phrases(relative_dates, masked):
        if phrase.rule == "age":
            continue  # read above, with the birth year
        if phrase.rule == "later" and re.match(r"(?:after|within|nach)\b", phrase.text, re.I):
            continue  # "after 24 years" in a news report is how long, not when
        base: Any = None
        if phrase.needs == "source":
            base = anchor.isoformat() if anchor else None
        elif phrase.needs == "event":
            year = _year_before(text, phrase.start)
            base = str(year) if year else None
        value = None
        if base is not None:
            try:
                value = relative_dates.resolve(phrase, base, text=masked).edtf
            except (DateError, ValueError):
                value = None
        out.append(
            Dated(text[phrase.start : phrase.end], phrase.start, phrase.end, value, True, f"relative: {phrase.rule}")
        )
    out.sort(key=lambda d: d.start)
    return _no_overlap(out)


_AT_AGE = re.compile(
    r"\b(?:at the age of|aged|at age|at)\s+(?P<n>\d{1,2})\b(?!\s*(?:%|percent|per cent|o'clock|[ap]\.?m\b|:))"
    r"(?:\s+years old)?"
)
_BORN = re.compile(r"\bborn (?:in )?(?P<a>1[89]\d\d|20[0-4]\d)(?:\s*(?:or|/|–|-)\s*(?P<b>1[89]\d\d|20[0-4]\d))?")


def born(text: str, anchor: date | None, age_now: int | None) -> str | None:
    """The year (or years) of birth: as written ("born in 1988 or 1989"), else from an age now and the
    publication year (22 in 2018 → 1995/1996)."""
    m = _BORN.search(text)
    if m:
        return f"{m.group('a')}/{m.group('b')}" if m.group("b") else m.group("a")
    if age_now is not None and anchor is not None:
        return f"{anchor.year - age_now - 1}/{anchor.year - age_now}"
    return None


_DATE_WORDS = re.compile(
    r"\b(?:ago|last|later|this|since|until|till|age|aged|yesterday|today|more|another|previous|earlier|after|"
    r"within|following|next|pasad[oa]|hace|vor|letzte[nsm]?|gestern|heute|spring|summer|autumn|fall|winter|"
    r"January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b",
    re.I,
)


def _phrases(relative_dates: Any, masked: str) -> list[Any]:
    """The grammar's phrases, looked for only in the sentences that have a word they could start with
    (the grammar is thorough and slow; most sentences have no date word)."""
    out = []
    for m in re.finditer(r"[^.!?\n]+[.!?]?", masked):
        if _DATE_WORDS.search(m.group()):
            for phrase in relative_dates.find(m.group()):
                out.append(_shifted(phrase, m.start()))
    return out


def _shifted(phrase: Any, by: int) -> Any:
    import dataclasses

    return dataclasses.replace(phrase, start=phrase.start + by, end=phrase.end + by)


def _no_overlap(found: list[Dated]) -> list[Dated]:
    kept: list[Dated] = []
    for d in found:
        if kept and d.start < kept[-1].end:
            if d.end - d.start > kept[-1].end - kept[-1].start:
                kept[-1] = d
            continue
        kept.append(d)
    return kept


def _year_before(text: str, at: int) -> int | None:
    """The last year written before ``at`` in the same or the previous sentence."""
    window = text[max(0, at - 300) : at]
    years = _YEAR.findall(window)
    return int(years[-1]) if years else None
