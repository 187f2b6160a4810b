"""Dates relative to another date: "last year", "until last December", "four years later", "about a month ago",
"earlier this month", "el año pasado", "letztes Jahr", "18 August" with no year, "at the age of 13".

The core API, used by validation (a date field written so) and meant for reading articles (phrases resolved
against the publication date):

- :func:`match` reads a whole phrase (``None`` if it is not a relative date this grammar knows);
- :func:`find` yields every phrase in a longer text, with its offsets;
- :func:`resolve` turns a phrase and an anchor (a :class:`~casefile.model.FuzzyDate` or an ISO day) into a
  :class:`Derived` interval: EDTF, earliest and latest day, precision, the words matched and their offsets.

Each phrase says which anchor it needs by default (:attr:`Phrase.needs`): ``source`` (the publication date of
the account's primary source: "last year", "two years ago", "18 August"), ``birth_year`` ("at the age of 13")
or ``event`` ("four years later", "one more year": the date of something else in the account, which the user
names). An anchor that is itself a range (a year, "1988/1989") gives the union of what each of its days gives.
A date with no year ("18 August", "in the spring") is the latest one beginning on or before the anchor.
Nothing here reads the clock; standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from .dates import _WIDEN_DAYS, _WIDEN_MONTHS, DateError, _add_days, _add_months, _days_in_month, parse_date
from .model import DATE_FIELDS, FuzzyDate

__all__ = ["ANCHORS_OF_KIND", "Derived", "Phrase", "derive", "derived", "find", "match", "resolve", "unanchored"]

Needs = Literal["source", "event", "birth_year"]
Unit = Literal["day", "week", "month", "year", "decade"]
#: The anchor a phrase counts from when none is named; ``event``: another date of the account, not named yet.
ANCHORS_OF_KIND: dict[str, str] = {"source": "source", "birth_year": "birth_year", "event": "event"}


@dataclass(frozen=True)
class Phrase:
    """A relative date found in text: what it says, not yet what it means."""

    text: str  # the words matched, as written
    start: int  # offsets in the text searched
    end: int
    needs: Needs
    rule: str  # ago, later, previous, this, earlier_this, last_month_name, age, no_year, yesterday...
    count: int = 0
    unit: Unit = "year"
    approximate: bool = False
    month: int = 0  # last_month_name, month_of
    bound: str = ""  # "until" (open start) or "since" (open end) or ""
    weekday: int = 0  # weekday: 1 (Monday) to 7
    season: str = ""  # month_of: spring, summer, autumn, fall, winter


@dataclass(frozen=True)
class Derived:
    """What a phrase means against an anchor; always derived, never stated."""

    edtf: str | None
    min: str | None
    max: str | None
    precision: str
    phrase: Phrase
    derived: bool = True


# --- the words ---------------------------------------------------------------------------------------------------

_NUMBERS = {
    **dict.fromkeys(("a", "an", "one", "un", "una", "uno", "ein", "eine", "einem", "einen", "einer"), 1),
    **{w: i for i, w in enumerate(("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"), 2)},
    **{w: i for i, w in enumerate(("dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez"), 2)},
    **{w: i for i, w in enumerate(("zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn"), 2)},
    "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "once": 11, "doce": 12, "quince": 15, "veinte": 20, "treinta": 30,
    "elf": 11, "zwölf": 12, "fünfzehn": 15, "zwanzig": 20, "dreißig": 30,
}  # fmt: skip
_NUMBER = r"(?P<n>\d{1,3}|" + "|".join(sorted(_NUMBERS, key=len, reverse=True)) + ")"
_UNITS: dict[str, Unit] = {
    **dict.fromkeys(("day", "days", "día", "días", "dia", "dias", "tag", "tage", "tagen"), "day"),
    **dict.fromkeys(("week", "weeks", "semana", "semanas", "woche", "wochen"), "week"),
    **dict.fromkeys(("month", "months", "mes", "meses", "monat", "monate", "monaten"), "month"),
    **dict.fromkeys(("year", "years", "año", "años", "ano", "anos", "jahr", "jahre", "jahren"), "year"),
    **dict.fromkeys(("decade", "decades", "década", "décadas", "jahrzehnt", "jahrzehnte", "jahrzehnten"), "decade"),
}
_UNIT = r"(?P<unit>" + "|".join(sorted(_UNITS, key=len, reverse=True)) + ")"
_ABOUT = r"(?:(?P<about>about|around|some|roughly|nearly|almost|approximately|unos|unas|casi|etwa|fast|ungefähr) )?"
_MONTHS = {
    name: i
    for i, names in enumerate(
        (
            ("january", "enero", "januar"), ("february", "febrero", "februar"), ("march", "marzo", "märz"),
            ("april", "abril"), ("may", "mayo", "mai"), ("june", "junio", "juni"), ("july", "julio", "juli"),
            ("august", "agosto"), ("september", "septiembre", "setiembre"), ("october", "octubre", "oktober"),
            ("november", "noviembre"), ("december", "diciembre", "dezember"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + ")"
_BOUND = r"(?:(?P<until>until|till|up to|hasta|bis)|(?P<since>since|desde|seit)) "
_PREVIOUS = (
    r"(?:last|the previous|the past|the preceding|previous|letzte[nsm]?|vergangene[nsm]?|im letzten|im vergangenen)"
)

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SEASONS = ("spring", "summer", "autumn", "fall", "winter")
_ENGLISH_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"

# (rule, needs, pattern); tried in order, the first that matches wins
_RULES: tuple[tuple[str, Needs, str], ...] = (
    # "December of last year", "the summer of last year", "February this year": before "last year" itself
    ("month_of", "source", r"(?:the )?(?P<part>" + "|".join(_SEASONS) + "|" + _ENGLISH_MONTHS +
     r") (?:of )?(?P<which>last|this) year"),
    # "on Wednesday" in a news report: the latest such day on or before the publication date
    ("weekday", "source", r"on (?-i:(?P<weekday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday))"),
    # "in September" (not "in September 2009", "in May last year"): the latest September that began by then;
    # unlike a bare "18 August", read as relative wherever it is written (see :func:`relative_first`)
    ("in_month", "source", r"in (?-i:(?P<month>" + _ENGLISH_MONTHS + r"))(?! (?:of )?(?:\d|last|this|next))"),
    ("later", "event", r"the (?:following|next) year|the year after"),
    ("ago", "source", _ABOUT + _NUMBER + " " + _UNIT + " ago"),
    ("ago", "source", r"hace " + _ABOUT + _NUMBER + " " + _UNIT),
    ("ago", "source", r"vor " + _ABOUT + _NUMBER + " " + _UNIT),
    ("age", "birth_year", r"(?:at the age of|aged|at age|a la edad de|con|a los|im alter von|mit) (?P<n>\d{1,3})"
     r"(?: (?:years old|years|años|jahren))?"),
    ("later", "event", _ABOUT + _NUMBER + " " + _UNIT + r" (?:later|afterwards|after that|on|después|más tarde|"
     r"später|danach)"),
    ("later", "event", r"(?:after|within|nach) " + _ABOUT + _NUMBER + " " + _UNIT),
    ("later", "event", r"(?:another|" + _NUMBER + " more) " + _UNIT),
    ("later", "event", _NUMBER + " " + _UNIT + " (?:more|más)"),
    ("previous", "source", _PREVIOUS + " " + r"(?P<unit>year|month|week|jahr|monat|woche)"),
    ("previous", "source", r"(?:el|la) (?P<unit>año|mes|semana) pasad[oa]"),
    ("previous", "source", r"(?:el|la) pasad[oa] (?P<unit>año|mes|semana)"),
    ("last_month_name", "source", r"(?:last|el pasado|el último|(?:im )?(?:letzten|vergangenen)) " + _MONTH),
    ("last_month_name", "source", _MONTH + r" (?:last|pasado)"),
    ("earlier_this", "source", r"(?:earlier|previously) this (?P<unit>year|month|week)"),
    ("earlier_this", "source", r"(?:a principios de|antes) este (?P<unit>año|mes)"),
    ("earlier_this", "source", r"(?:anfang|früher in) (?:diese[ns]|des) (?P<unit>jahr(?:es)?|monats?)"),
    ("this", "source", r"(?:this|este|esta|dieses|diesen|diese|in diesem) (?P<unit>year|month|week|año|mes|semana|"
     r"jahr|monat|woche)"),
    ("yesterday", "source", r"(?P<word>the day before yesterday|yesterday|today|anteayer|ayer|hoy|vorgestern|"
     r"gestern|heute)"),
)  # fmt: skip
_COMPILED = tuple(
    (
        rule,
        needs,
        re.compile(r"(?<![\w-])(?:" + (_BOUND + r")?(?:" + pattern).replace(" ", r"\s+") + r")(?![\w-])", re.I),
    )
    for rule, needs, pattern in _RULES
)
_DAYS_OF = {"the day before yesterday": -2, "anteayer": -2, "vorgestern": -2, "yesterday": -1, "ayer": -1}
_DAYS_OF |= {"gestern": -1, "today": 0, "hoy": 0, "heute": 0}
_UNIT_ALIASES: dict[str, Unit] = {"jahres": "year", "monats": "month"}
# "in the spring", "18 August", "New Year's Eve": a date fuzzy dates read with no year
_NO_YEAR_BOUND = re.compile(_BOUND, re.IGNORECASE)
# dashes and apostrophes as one ASCII character each, so offsets in the copy are offsets in the text
_SAME_LENGTH = str.maketrans({**dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"), "\u2019": "'"})


def _phrase(rule: str, needs: Needs, m: re.Match[str], text: str) -> Phrase:
    groups = {k: v for k, v in m.groupdict().items() if v is not None}
    unit_word = groups.get("unit", "year").lower()
    unit: Unit = _UNITS.get(unit_word) or _UNIT_ALIASES.get(unit_word, "year")
    count = 1
    if "n" in groups:
        word = groups["n"].lower()
        count = int(word) if word.isdigit() else _NUMBERS[word]
    if rule == "yesterday":
        count, unit = _DAYS_OF[groups["word"].lower()], "day"
    bound = "until" if "until" in groups else "since" if "since" in groups else ""
    part = groups.get("part", "").lower()
    if rule == "month_of":
        count = 1 if groups["which"].lower() == "last" else 0
        groups["month"] = part if part not in _SEASONS else ""
    return Phrase(
        text=text[m.start() : m.end()],
        start=m.start(),
        end=m.end(),
        needs=needs,
        rule=rule,
        count=count,
        unit=unit,
        approximate="about" in groups,
        month=_MONTHS.get(groups.get("month", "").lower(), 0),
        bound=bound,
        weekday=_WEEKDAYS.index(groups["weekday"].lower()) + 1 if "weekday" in groups else 0,
        season=part if part in _SEASONS else "",
    )


def match(text: str) -> Phrase | None:
    """The relative date ``text`` is, as a whole (surrounding spaces and a final full stop aside), or None."""
    copy = text.translate(_SAME_LENGTH)
    body = copy.strip().rstrip(".").rstrip()
    start = copy.index(body) if body else 0
    end = start + len(body)
    for rule, needs, pattern in _COMPILED:
        if m := pattern.fullmatch(copy, start, end):
            return _phrase(rule, needs, m, text)
    return _no_year(text, start, end)


def relative_first(text: str) -> bool:
    """Whether ``text``, which the date parser reads as a date with no year, is read as relative to the source
    date instead: "in September", as ingest reads it in an article. A bare "18 August" stays a yearless date
    unless an anchor is named (issue 19)."""
    phrase = match(text)
    return phrase is not None and phrase.rule == "in_month"


def _no_year(text: str, start: int, end: int) -> Phrase | None:
    body = text[start:end].translate(_SAME_LENGTH)
    bound = ""
    if m := _NO_YEAR_BOUND.match(body):
        bound = "until" if m["until"] else "since"
        body = body[m.end() :]
    try:
        reading = parse_date(body)
    except DateError:
        return None
    if not (reading.edtf or "").startswith("XXXX") or "/" in (reading.edtf or ""):
        return None
    return Phrase(text[start:end], start, end, "source", "no_year", bound=bound)


def find(text: str) -> Iterator[Phrase]:
    """Every relative phrase in ``text`` (an article, a letter), left to right, without overlaps; dates with no
    year are not looked for here (a bare "May" is too often a verb)."""
    copy = text.translate(_SAME_LENGTH)
    found: list[Phrase] = []
    for rule, needs, pattern in _COMPILED:
        for m in pattern.finditer(copy):
            if not any(m.start() < p.end and p.start < m.end() for p in found):
                found.append(_phrase(rule, needs, m, text))
    yield from sorted(found, key=lambda p: p.start)


# --- meaning -----------------------------------------------------------------------------------------------------


class _Span:
    """A calendar unit around a day: its first and last day, its EDTF and its precision."""

    def __init__(self, lo: date, hi: date, edtf: str, precision: str):
        self.lo, self.hi, self.edtf, self.precision = lo, hi, edtf, precision


def _unit_span(day: date, unit: Unit) -> _Span:
    if unit == "year":
        return _Span(date(day.year, 1, 1), date(day.year, 12, 31), f"{day.year:04d}", "year")
    if unit == "month":
        last = _days_in_month(day.year, day.month)
        return _Span(day.replace(day=1), day.replace(day=last), day.isoformat()[:7], "month")
    if unit == "decade":
        first = day.year - day.year % 10
        return _Span(date(first, 1, 1), date(first + 9, 12, 31), f"{first // 10:03d}X", "decade")
    if unit == "week":
        monday = day - timedelta(days=day.weekday())
        sunday = monday + timedelta(days=6)
        return _Span(monday, sunday, f"{monday.isoformat()}/{sunday.isoformat()}", "interval")
    return _Span(day, day, day.isoformat(), "day")


def _move(day: date, unit: Unit, count: int) -> date:
    if unit == "year":
        return _add_months(day, 12 * count)
    if unit == "decade":
        return _add_months(day, 120 * count)
    if unit == "month":
        return _add_months(day, count)
    return _add_days(day, count * (7 if unit == "week" else 1))


def _at(p: Phrase, raw: str, day: date) -> _Span:
    """What ``p`` means when its anchor is the single day ``day``."""
    if p.rule == "ago":
        return _unit_span(_move(day, p.unit, -p.count), p.unit)
    if p.rule == "later":
        return _unit_span(_move(day, p.unit, p.count), p.unit)
    if p.rule == "previous":
        return _unit_span(_move(day, p.unit, -1), p.unit)
    if p.rule == "this":
        return _unit_span(day, p.unit)
    if p.rule == "yesterday":
        return _unit_span(_move(day, "day", p.count), "day")
    if p.rule == "earlier_this":
        span = _unit_span(day, p.unit)
        return _Span(span.lo, day, f"{span.lo.isoformat()}/{day.isoformat()}", "interval")
    if p.rule == "last_month_name":
        year = day.year if p.month < day.month else day.year - 1
        return _unit_span(date(year, p.month, 1), "month")
    if p.rule == "weekday":
        return _unit_span(day - timedelta(days=(day.weekday() - (p.weekday - 1)) % 7), "day")
    if p.rule == "month_of":
        year = day.year - p.count
        if p.month:
            return _unit_span(date(year, p.month, 1), "month")
        season = parse_date(f"{p.season} {year:04d}")
        if season.min is None or season.max is None:
            raise DateError("cannot read this as a date")
        return _Span(date.fromisoformat(season.min), date.fromisoformat(season.max), season.edtf or "", "season")
    if p.rule == "age":  # someone aged N was so from their Nth birthday to the day before the next
        return _Span(date(day.year + p.count, 1, 1), date(day.year + p.count + 1, 12, 31), "", "year")
    return _no_year_at(raw, p, day)


def _no_year_at(raw: str, p: Phrase, day: date) -> _Span:
    """The latest reading of a yearless date that begins on or before ``day``."""
    body = raw[p.start : p.end]
    if p.bound:
        body = _NO_YEAR_BOUND.sub("", body.translate(_SAME_LENGTH), count=1)
    for year in (day.year, day.year - 1):
        reading = parse_date(f"{body} {year:04d}")
        if reading.min is not None and reading.max is not None and reading.min <= day.isoformat():
            lo, hi = date.fromisoformat(reading.min), date.fromisoformat(reading.max)
            return _Span(lo, hi, reading.edtf or "", reading.precision)
    raise DateError("cannot read this as a date")


def _anchor_days(anchor: FuzzyDate | str) -> tuple[date, date] | None:
    if isinstance(anchor, str):
        anchor = parse_date(anchor)
    if anchor.min is None or anchor.max is None:
        return None
    return date.fromisoformat(anchor.min), date.fromisoformat(anchor.max)


def resolve(phrase: str | Phrase, anchor: FuzzyDate | str | None, *, text: str | None = None) -> Derived:
    """What ``phrase`` means counted from ``anchor``. A :class:`Phrase` from :func:`find` needs the ``text`` it was
    found in when it has no year ("18 August"). Without an anchor (or one with no known days) the result has no
    days: ``edtf``/``min``/``max`` None, precision ``unknown``. Raises :class:`~casefile.dates.DateError` when
    ``phrase`` is not a relative date."""
    if isinstance(phrase, str):
        text = phrase
        found = match(phrase)
        if found is None:
            raise DateError("not a relative date")
        phrase = found
    raw = text if text is not None else phrase.text
    days = None if anchor is None else _anchor_days(anchor)
    if days is None:
        return Derived(None, None, None, "unknown", phrase)
    if phrase.rule == "age":  # an age counts whole years from the year of birth
        first, last = date(days[0].year, 1, 1), date(days[1].year, 1, 1)
        a = _at(phrase, raw, first)
        b = _at(phrase, raw, last)
        lo, hi = a.lo, b.hi
        edtf = f"{lo.year:04d}/{hi.year:04d}"
        return _bounded(Derived(edtf, lo.isoformat(), hi.isoformat(), "interval", phrase))
    a, b = _at(phrase, raw, days[0]), _at(phrase, raw, days[1])
    if a.edtf == b.edtf:
        edtf, precision = a.edtf, a.precision
    else:
        edtf, precision = f"{a.edtf.split('/')[0]}/{b.edtf.split('/')[-1]}", "interval"
    lo, hi = a.lo, b.hi
    if phrase.approximate:
        edtf = "/".join(part + "~" for part in edtf.split("/"))
        if precision in _WIDEN_MONTHS:
            lo, hi = _add_months(lo, -_WIDEN_MONTHS[precision]), _add_months(hi, _WIDEN_MONTHS[precision])
        else:
            lo, hi = _add_days(lo, -_WIDEN_DAYS), _add_days(hi, _WIDEN_DAYS)
    return _bounded(Derived(edtf, lo.isoformat(), hi.isoformat(), precision, phrase))


def _bounded(d: Derived) -> Derived:
    """ "until last December": nothing known about the start; "since ...": nothing about the end."""
    if d.phrase.bound == "until":
        return Derived(f"../{(d.edtf or '').split('/')[-1]}", None, d.max, "interval", d.phrase)
    if d.phrase.bound == "since":
        return Derived(f"{(d.edtf or '').split('/')[0]}/..", d.min, None, "interval", d.phrase)
    return d


# --- anchors of an account's dates --------------------------------------------------------------------------------

#: What a date of an account may count from, besides a date written out ("2010-03-21").
ANCHOR_NAMES: tuple[str, ...] = ("source", "birth_year", "event", *DATE_FIELDS)
ANCHOR_FORMS = "source, birth_year, another date of the account (" + ", ".join(DATE_FIELDS) + ") or a date"


def anchor_name(spec: str) -> str:
    """The anchor a stored ``<date>_anchor`` names: ``source 2010-03-21`` → ``source``; a date stays itself."""
    first = spec.split(" ", 1)[0]
    return first if first in ANCHOR_NAMES else spec


def check_anchor(spec: str) -> None:
    """Raise ValueError unless ``spec`` names an anchor (the message lists the accepted forms)."""
    if anchor_name(spec) in ANCHOR_NAMES:
        return
    try:
        parse_date(spec)
    except DateError:
        raise ValueError(f"the anchor must be {ANCHOR_FORMS}") from None


def unanchored(text: str, spec: str | None, note: str | None = None) -> FuzzyDate | None:
    """``text`` as a relative date not yet derived (None if it is not one). Without ``spec`` the phrase's own
    default anchor is used; a phrase that counts from an event ("four years later") gets ``event`` until the user
    names which (``check`` asks)."""
    phrase = match(text)
    if phrase is None:
        return None
    if spec is None:
        spec = ANCHORS_OF_KIND[phrase.needs]
    check_anchor(spec)
    return FuzzyDate(text, precision="unknown", note=note, anchor=spec)


def _anchor_date(name: str, values: dict[str, Any]) -> FuzzyDate | None:
    if name == "source":
        return values.get("source_date")
    if name == "birth_year":  # the exact year, else the year of birth as written ("1988/1989")
        year = values.get("birth_year")
        if year is None:
            born = values.get("born")
            return born if isinstance(born, FuzzyDate) and born.edtf is not None else None
        return parse_date(str(year))
    if name in DATE_FIELDS:
        found = values.get(name)
        return found if isinstance(found, FuzzyDate) else None
    try:
        return None if name == "event" else parse_date(name)
    except DateError:  # stored by an older or newer casefile: nothing to count from
        return None


def derived(fd: FuzzyDate | None, values: dict[str, Any]) -> FuzzyDate | None:
    """``fd`` derived again from the account's ``values`` (a date with no anchor, or corrected, as it is). The
    anchor part becomes the name and the EDTF it was counted from (``source 2010-03-21``); with no date to
    count from, the name alone and no days (``check`` says what is missing)."""
    if fd is None or fd.anchor is None or fd.corrected is not None:
        return fd
    name = anchor_name(fd.anchor)
    anchor = _anchor_date(name, values)
    try:
        d = resolve(fd.raw, anchor)
    except DateError:
        return FuzzyDate(fd.raw, precision="unknown", note=fd.note, anchor=name)
    underived = d.min is None and d.max is None
    spec = name if underived or anchor is None or name == anchor.raw else f"{name} {anchor.edtf}"
    return FuzzyDate(fd.raw, d.edtf, d.min, d.max, d.precision, None, fd.note, spec)


def derive(values: dict[str, Any]) -> None:
    """Derive, in place, every relative date of an account (its date fields, its events' and sources' dates)
    from what they count from. A date may count from another derived one (left from joined, joined from the
    source): a few passes settle any chain; a circle stays underived."""
    for _ in range(len(DATE_FIELDS)):
        before = [values.get(name) for name in DATE_FIELDS]
        for name in DATE_FIELDS:
            values[name] = derived(values.get(name), values)
        if before == [values.get(name) for name in DATE_FIELDS]:
            break
    for part in (*(values.get("events") or ()), *(values.get("sources") or ())):
        if part.get("date") is not None:  # a source's own date, as its flat copy above (source_date)
            part["date"] = derived(part["date"], values)
