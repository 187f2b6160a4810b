"""Fuzzy dates as testimonies give them: "1990", "around 2008", "summer 2014", "New Year's Eve", "1403/01/15 SH".

:func:`parse_date` turns such text into a :class:`~casefile.model.FuzzyDate`: the raw text (kept verbatim), an
EDTF-style value, the earliest and latest possible ISO day and a precision. The design, in the order a call runs:

1. **Fast path.** ``YYYY``, ``YYYY-MM`` and ``YYYY-MM-DD`` (the bulk of an import) are read with one regex and
   :meth:`datetime.date.fromisoformat`, before anything else. Months and days before 1600 skip it (see step 4).
2. **Cache.** Everything else goes through :func:`_parse_cached`, an LRU cache keyed on ``(raw, order)`` that also
   remembers failures, so a column repeating the same odd value is read once. Readings are frozen, so sharing is safe.
3. **Normalisation** of a copy: NFKC, Persian and Arabic-Indic digits to ASCII (remembering that there were some),
   Arabic yeh/kaf to Persian, bidi marks and tatweel dropped, every dash to ``-``, every apostrophe to ``'``,
   lower case, single spaces, and a leading "in "/"on " dropped.
4. **Grammar.** Intervals (``from A to B``, ``A - B``, ``A/B``, ``since A``, ``A-``, ``A onwards``, ``until B``)
   split into single dates. A single date is optional qualifiers (``around``, ``c.``, ``~`` before; ``?``, ``~``,
   ``%`` after), an optional Solar Hijri marker (``SH``) and one core form, each matched by an anchored regex:
   numeric dates (day/month order must be unambiguous or given by ``order``; two-digit years are refused; a numeric
   month or day before 1600 is refused with a hint that it may be Solar Hijri), decades, centuries, seasons, parts
   of a year, holidays, and month names. An approximate date (EDTF ``~``, or ``%`` with ``?``) has min/max widened
   by 15 days (day precision), a month (month, season), a year, two years (decade) or ten years (century); an
   uncertain one (``?``) keeps them. Relative dates ("yesterday", "34 years ago") are refused here: they need a
   reference date (:mod:`casefile.relative_dates`). A few forms are first rewritten (:mod:`casefile.date_forms`).
5. **Month names.** A guard checks that the text is nothing but one month name, at most one day and at most one
   four-digit year (plus "of", commas, a weekday). With a year and no weekday ("Jan.14, 2006", "14th of January
   2006", "March 2016", the bulk of an archive's distinct month-name dates) the guard's tokens are the reading;
   a test checks that dateutil reads every such form the same. Otherwise **dateutil** reads it: never fuzzy and
   never with a default from the clock, it parses twice, with defaults 2000-01-01 and 2004-02-02 (both leap
   years, so "February 29" works), and the components that differ were absent from the text. The result must
   agree with the guard, so a stray number never becomes a day or year.
6. **Solar Hijri** dates (marked ``SH``, written with a Persian month name, or with Persian digits and a year
   1200-1500) are converted with ``jdatetime``; their EDTF and min/max are Gregorian.

Nothing here reads the clock: a year not written stays unknown (``XXXX-12-31``, min/max ``None``). dateutil and
jdatetime are imported on first use. A :class:`DateError` message never quotes the input (it may be testimony).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Literal, NamedTuple, TypeAlias

from casefile.date_forms import rewrite
from casefile.model import FuzzyDate

__all__ = ["DateError", "Order", "correct_date", "interpretations", "parse_date"]

Order: TypeAlias = Literal["dayfirst", "monthfirst"] | None


class DateError(ValueError):
    """Text that cannot be read as a date; ``str(error)`` is a short reason that never quotes the text."""


_MAX_LENGTH = 100

_EMPTY = "empty date"
_TOO_LONG = "too long to be a date"
_UNREADABLE = "cannot read this as a date"
_INVALID = "no such date in the calendar"
_NO_SUCH_MONTH = "not a year and month (there is no month above 12); a span of years is written 1986-1990 or 1986-90"
_AMBIGUOUS = "ambiguous day/month order; use --dayfirst or --monthfirst"
_TWO_DIGIT_YEAR = "the year must be written with four digits"
_SHORT_NUMBER = "a number of one to three digits is not a year; write the year with four digits"
_MAYBE_SOLAR_HIJRI = "numeric date before 1600; if it is a Solar Hijri date, add 'SH'"
_SOLAR_HIJRI_YEAR = "a Solar Hijri date needs a year"
_RELATIVE = "relative dates need a reference date; casefile derives forms such as 'two years ago' (see README)"
_WEEKDAY = "the weekday does not match the date"
_BACKWARDS = "the interval ends before it starts"


class _Reading(NamedTuple):
    edtf: str
    lo: date | None
    hi: date | None
    precision: str


# --- fast path ------------------------------------------------------------------------------------------------------

_ISO = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-[0-9]{2})?)?")
_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_in_month(year: int, month: int) -> int:
    """As ``calendar.monthrange(year, month)[1]``, without importing ``calendar`` (and ``locale``)."""
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _MONTH_DAYS[month]


def _iso_fast(raw: str) -> FuzzyDate | None:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, or None to let the full parser decide (and explain)."""
    m = _ISO.fullmatch(raw)
    if m is None:
        return None
    year, month = m.groups()
    # FuzzyDate(raw, edtf, min, max, precision): positional, as keywords cost 30 % more here.
    if month is None:
        return FuzzyDate(raw, raw, raw + "-01-01", raw + "-12-31", "year") if year != "0000" else None
    if year < "1600":
        return None
    if len(raw) == 7:
        mo = int(month)
        if not 1 <= mo <= 12:
            return None
        return FuzzyDate(raw, raw, raw + "-01", f"{raw}-{_days_in_month(int(year), mo)}", "month")
    try:
        date.fromisoformat(raw)
    except ValueError:
        return None
    return FuzzyDate(raw, raw, raw, raw, "day")


# --- public API -----------------------------------------------------------------------------------------------------


def parse_date(raw: str, *, order: Order = None, keep_unparsed: bool = False) -> FuzzyDate:
    """Read ``raw`` as a fuzzy date. ``raw`` is kept verbatim; parsing works on a normalised copy.

    ``order`` settles all-numeric dates such as ``03/04/2021``. Blank text raises ``DateError("empty date")``.
    Other unreadable text raises :class:`DateError`, or with ``keep_unparsed`` gives precision ``"unknown"``.
    """
    fast = _iso_fast(raw)
    if fast is not None:
        return fast
    found = _parse_cached(raw, order) if len(raw) <= _MAX_LENGTH else _TOO_LONG
    if isinstance(found, FuzzyDate):
        return found
    if keep_unparsed and found != _EMPTY:
        return FuzzyDate(raw=raw, precision="unknown")
    raise DateError(found)


def correct_date(fd: FuzzyDate, corrected: str, note: str | None = None, *, order: Order = None) -> FuzzyDate:
    """A researcher's correction (raw ``1886`` meaning 1986): keep ``fd.raw``, read the rest from ``corrected``.

    Raises :class:`DateError` if ``corrected`` cannot be read.
    """
    return replace(parse_date(corrected, order=order), raw=fd.raw, corrected=corrected, note=note)


def interpretations(raw: str) -> list[FuzzyDate]:
    """Every distinct reading of ``raw`` with no order, day first and month first; ``[]`` if there is none."""
    readings: list[FuzzyDate] = []
    orders: tuple[Order, ...] = (None, "dayfirst", "monthfirst")
    for order in orders:
        try:
            reading = parse_date(raw, order=order)
        except DateError:
            continue
        if reading not in readings:
            readings.append(reading)
    return readings


@lru_cache(maxsize=4096)
def _parse_cached(raw: str, order: Order) -> FuzzyDate | str:
    """The reading of ``raw``, or the reason it has none (cached too)."""
    try:
        r = _parse_text(raw, order)
    except DateError as exc:
        return str(exc)
    return FuzzyDate(raw=raw, edtf=r.edtf, min=_iso(r.lo), max=_iso(r.hi), precision=r.precision)


def _iso(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


# --- normalisation --------------------------------------------------------------------------------------------------

_PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩"
_TRANSLATE = str.maketrans(
    {
        **{c: str(i % 10) for i, c in enumerate(_PERSIAN_DIGITS)},
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
        **dict.fromkeys("\u2018\u2019\u02bc\u0060\u00b4\u2032", "'"),
        **dict.fromkeys("\u200c\u200d\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u0640"),
        "\u064a": "\u06cc",  # Arabic yeh -> Persian yeh
        "\u0643": "\u06a9",  # Arabic kaf -> Persian keheh
        "\u060c": ",",  # Arabic comma
        "\u060d": "/",  # Arabic date separator
    }
)
_LEADING_WORD = re.compile(r"^(?:in|on) ")
_RELATIVE_WORDS = re.compile(
    r"\b(?:yesterday|today|tomorrow|tonight|now|ago|last|next|this|recently|currently"
    r"|دیروز|امروز|فردا|پارسال|پیش|اکنون|الان)\b"
)


def _normalise(raw: str) -> tuple[str, bool]:
    """The text to parse, and whether it was written with Persian or Arabic-Indic digits."""
    text = unicodedata.normalize("NFKC", raw)
    persian_digits = any(c in _PERSIAN_DIGITS for c in text)
    text = " ".join(text.translate(_TRANSLATE).lower().split())
    if not text:  # blank, or nothing but invisible marks
        raise DateError(_EMPTY)
    return rewrite(_LEADING_WORD.sub("", text.rstrip(".,;: "), count=1)), persian_digits


# --- grammar: intervals ---------------------------------------------------------------------------------------------


class _Context(NamedTuple):
    order: Order
    persian_digits: bool
    solar_hijri: bool  # an explicit SH marker applies

    def is_solar_hijri(self, year: int) -> bool:
        return self.solar_hijri or (self.persian_digits and 1200 <= year <= 1500)


_SH_MARKER = re.compile(r"(.+?) ?(?:\b(?:h\.? ?)?s\.? ?h|ه\.? ?ش|\bش)\.?")
_BOUNDED = (
    re.compile(r"(?:from|between) (.+?) (?:to|and|until|till|-) (.+)"),
    re.compile(r"(.+?) (?:to|until|till|-) (.+)"),
)
_OPEN_END = re.compile(r"(?:from )?(.+?) onwards?|(?:since|from) (.+)|(.+?) ?-")
_OPEN_START = re.compile(r"(?:until|till) (.+)")


def _parse_text(raw: str, order: Order) -> _Reading:
    text, persian_digits = _normalise(raw)
    if _RELATIVE_WORDS.search(text):
        raise DateError(_RELATIVE)
    ctx = _Context(order, persian_digits, solar_hijri=False)
    marked = _SH_MARKER.fullmatch(text)
    body, body_ctx = (marked[1], ctx._replace(solar_hijri=True)) if marked else (text, ctx)
    for pattern in _BOUNDED:
        if m := pattern.fullmatch(body):
            return _interval(_single(m[1], body_ctx), _single(m[2], body_ctx))
    if m := _OPEN_END.fullmatch(body):
        start = _single(m[1] or m[2] or m[3], body_ctx)
        if start.lo is None:  # "since Christmas" says nothing without a year
            raise DateError(_UNREADABLE)
        return _Reading(f"{_first(start.edtf)}/..", start.lo, None, "interval")
    if m := _OPEN_START.fullmatch(body):
        end = _single(m[1], body_ctx)
        if end.hi is None:
            raise DateError(_UNREADABLE)
        return _Reading(f"../{_last(end.edtf)}", None, end.hi, "interval")
    try:
        return _single(text, ctx)
    except DateError:
        # "1986-1990", "1986?/1990": an unspaced '-' or '/' is a separator only if both sides read as dates.
        for i, c in enumerate(body):
            if c in "-/":
                try:
                    start, end = _single(body[:i], body_ctx), _single(body[i + 1 :], body_ctx)
                except DateError:
                    continue
                return _interval(start, end)
        raise


def _first(edtf: str) -> str:
    return edtf.split("/")[0]


def _last(edtf: str) -> str:
    return edtf.split("/")[-1]


def _interval(start: _Reading, end: _Reading) -> _Reading:
    if (start.lo is None) != (end.hi is None):  # one end has a year, the other has none
        raise DateError(_UNREADABLE)
    if start.lo is not None and end.hi is not None and end.hi < start.lo:
        raise DateError(_BACKWARDS)
    return _Reading(f"{_first(start.edtf)}/{_last(end.edtf)}", start.lo, end.hi, "interval")


# --- grammar: one date ----------------------------------------------------------------------------------------------

_APPROXIMATE = re.compile(r"(?:(?:around|about|approximately|roughly|circa) |(?:approx|ca|c)(?:\. ?| )|~ ?)(.+)")
_QUALIFIER_SUFFIX = re.compile(r"(.+?) ?([?~%]+)")
_WIDEN_MONTHS = {"month": 1, "season": 1, "year": 12, "decade": 24, "century": 120}
_WIDEN_DAYS = 15


def _single(text: str, ctx: _Context) -> _Reading:
    text = text.strip()
    approximate = uncertain = False
    if m := _APPROXIMATE.fullmatch(text):
        approximate, text = True, m[1]
    if m := _QUALIFIER_SUFFIX.fullmatch(text):
        text, marks = m[1], m[2]
        approximate = approximate or "~" in marks or "%" in marks
        uncertain = "?" in marks or "%" in marks
    if m := _SH_MARKER.fullmatch(text):
        text, ctx = m[1], ctx._replace(solar_hijri=True)
    reading = _core(text.removeprefix("the "), ctx)
    if not (approximate or uncertain):
        return reading
    mark = "%" if approximate and uncertain else "~" if approximate else "?"
    edtf = "/".join(part + mark for part in reading.edtf.split("/"))
    if not approximate or reading.lo is None or reading.hi is None:
        return reading._replace(edtf=edtf)
    if reading.precision == "day":
        lo, hi = _add_days(reading.lo, -_WIDEN_DAYS), _add_days(reading.hi, _WIDEN_DAYS)
    else:
        months = _WIDEN_MONTHS[reading.precision]
        lo, hi = _add_months(reading.lo, -months), _add_months(reading.hi, months)
    return _Reading(edtf, lo, hi, reading.precision)


def _add_days(d: date, days: int) -> date:
    try:
        return d + timedelta(days=days)
    except OverflowError:
        return date.min if days < 0 else date.max


def _add_months(d: date, months: int) -> date:
    """``d`` moved by whole months; the last day of a month stays the last day, other days are clamped."""
    year, month0 = divmod(d.year * 12 + d.month - 1 + months, 12)
    if year < date.min.year:
        return date.min
    if year > date.max.year:
        return date.max
    last = _days_in_month(year, month0 + 1)
    at_end = d.day == _days_in_month(d.year, d.month)
    return date(year, month0 + 1, last if at_end else min(d.day, last))


_YEAR_FIRST = re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})(?:\2([0-9]{1,2}))?")
_YEAR_LAST = re.compile(r"([0-9]{1,2})([-/.])([0-9]{1,2})\2([0-9]+)")
_MONTH_YEAR = re.compile(r"([0-9]{1,2})[-/.]([0-9]{4})")
_DECADE = re.compile(r"(?:(early|mid|late)[ -]?)?([0-9]{3})0'?s")
_DECADE_PARTS = {"early": (0, 3), "mid": (4, 6), "late": (7, 9)}
_CENTURY = re.compile(r"([0-9]{1,2})(?:st|nd|rd|th)[ -]century")
_SEASON = re.compile(r"(spring|summer|autumn|fall|winter)(?:(?: of|,)? ([0-9]{4}))?")
_SEASONS = {"spring": 21, "summer": 22, "autumn": 23, "fall": 23, "winter": 24}
_PART_OF_YEAR = re.compile(r"(early|beginning of|start of|mid|middle of|late|end of)[ -]?([0-9]{4})")
_PARTS_OF_YEAR = {
    "early": 37, "beginning of": 37, "start of": 37, "mid": 38, "middle of": 38, "late": 39, "end of": 39,
}  # fmt: skip
# EDTF code -> (first month, last month); winter (24) runs into February of the next year.
_SUB_YEAR_MONTHS = {21: (3, 5), 22: (6, 8), 23: (9, 11), 24: (12, 14), 37: (1, 4), 38: (5, 8), 39: (9, 12)}
_HOLIDAY = re.compile(
    r"(new year'?s?'? eve|new year'?s?'? day|christmas eve|christmas(?: day)?|xmas)(?:(?: of|,)? ([0-9]{4}))?"
)


def _core(text: str, ctx: _Context) -> _Reading:
    if len(text) == 4 and text.isascii() and text.isdigit():
        return _year(int(text), ctx)
    if m := _YEAR_FIRST.fullmatch(text):
        return _numeric(int(m[1]), int(m[3]), None if m[4] is None else int(m[4]), ctx)
    if m := _YEAR_LAST.fullmatch(text):
        if len(m[4]) != 4:
            raise DateError(_TWO_DIGIT_YEAR)
        day, month = _day_month(int(m[1]), int(m[3]), ctx.order)
        return _numeric(int(m[4]), month, day, ctx)
    if m := _MONTH_YEAR.fullmatch(text):
        return _numeric(int(m[2]), int(m[1]), None, ctx)
    if text.isascii() and text.isdigit() and len(text) < 4:
        raise DateError(_SHORT_NUMBER)
    if m := _DECADE.fullmatch(text):
        decade = _gregorian_year(m[2] + "0", ctx)
        first, last = _DECADE_PARTS[m[1]] if m[1] else (0, 9)
        edtf = f"{decade + first:04d}/{decade + last:04d}" if m[1] else f"{m[2]}X"
        return _Reading(edtf, _date(decade + first, 1, 1), _date(decade + last, 12, 31), "decade")
    if m := _CENTURY.fullmatch(text):
        century = int(m[1])
        if not 1 <= century <= 100:
            raise DateError(_UNREADABLE)
        first = (century - 1) * 100
        return _Reading(f"{century - 1:02d}XX", _date(max(first, 1), 1, 1), _date(first + 99, 12, 31), "century")
    if m := _SEASON.fullmatch(text):
        return _sub_year(_SEASONS[m[1]], m[2], ctx)
    if m := _PART_OF_YEAR.fullmatch(text):
        return _sub_year(_PARTS_OF_YEAR[m[1]], m[2], ctx)
    if m := _HOLIDAY.fullmatch(text):
        month, day = _holiday(m[1])
        if m[2] is None:
            return _Reading(f"XXXX-{month:02d}-{day:02d}", None, None, "day")
        return _gregorian(_gregorian_year(m[2], ctx), month, day)
    return _month_name_date(text, ctx)


def _holiday(name: str) -> tuple[int, int]:
    if name.startswith("new year"):
        return (12, 31) if name.endswith("eve") else (1, 1)
    return (12, 24) if name.endswith("eve") else (12, 25)


def _gregorian_year(digits: str, ctx: _Context) -> int:
    """A year for a form only the Gregorian calendar has (seasons, decades...)."""
    year = int(digits)
    if ctx.is_solar_hijri(year):
        raise DateError(_UNREADABLE)
    return year


def _sub_year(code: int, digits: str | None, ctx: _Context) -> _Reading:
    """A season (EDTF 21-24) or a third of a year (37-39)."""
    if digits is None:
        return _Reading(f"XXXX-{code}", None, None, "season")
    year = _gregorian_year(digits, ctx)
    first, last = _SUB_YEAR_MONTHS[code]
    end = _date(year + (last - 1) // 12, (last - 1) % 12 + 1, 1)
    return _Reading(f"{digits}-{code}", _date(year, first, 1), _month_end(end), "season")


def _day_month(a: int, b: int, order: Order) -> tuple[int, int]:
    """(day, month) from the first two numbers of ``a/b/yyyy``."""
    if order == "dayfirst":
        return a, b
    if order == "monthfirst":
        return b, a
    if a != b and a <= 12 and b <= 12:
        raise DateError(_AMBIGUOUS)
    return (a, b) if b <= 12 else (b, a)


def _year(year: int, ctx: _Context) -> _Reading:
    if ctx.is_solar_hijri(year):
        return _solar_hijri(year)
    return _gregorian(year)


def _numeric(year: int, month: int, day: int | None, ctx: _Context) -> _Reading:
    if ctx.is_solar_hijri(year):
        return _solar_hijri(year, month, day)
    if year < 1600:
        raise DateError(_MAYBE_SOLAR_HIJRI)
    return _gregorian(year, month, day)


def _date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DateError(_INVALID) from None


def _month_end(d: date) -> date:
    return d.replace(day=_days_in_month(d.year, d.month))


def _gregorian(year: int, month: int | None = None, day: int | None = None) -> _Reading:
    if month is None:
        return _Reading(f"{year:04d}", _date(year, 1, 1), _date(year, 12, 31), "year")
    if day is None:
        if not 1 <= month <= 12:  # 1986-90, 2023/24: a span of years written short
            raise DateError(_NO_SUCH_MONTH)
        first = _date(year, month, 1)
        return _Reading(first.isoformat()[:7], first, _month_end(first), "month")
    d = _date(year, month, day)
    return _Reading(d.isoformat(), d, d, "day")


def _solar_hijri(year: int, month: int | None = None, day: int | None = None) -> _Reading:
    """A Solar Hijri year, month or day as Gregorian days; a month or year is an EDTF day interval."""
    import jdatetime

    try:
        if day is not None:
            d: date = jdatetime.date(year, month, day).togregorian()
            return _Reading(d.isoformat(), d, d, "day")
        if month is None:
            first, following = jdatetime.date(year, 1, 1), jdatetime.date(year + 1, 1, 1)
        else:
            first = jdatetime.date(year, month, 1)
            following = jdatetime.date(year + month // 12, month % 12 + 1, 1)
        lo: date = first.togregorian()
        hi: date = following.togregorian() - timedelta(days=1)
    except (ValueError, OverflowError):
        raise DateError(_INVALID) from None
    return _Reading(f"{lo.isoformat()}/{hi.isoformat()}", lo, hi, "year" if month is None else "month")


# --- month names ----------------------------------------------------------------------------------------------------

_GREGORIAN_MONTHS = {
    name: i
    for i, names in enumerate(
        (
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
            ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
            ("november", "nov"), ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip
_SOLAR_HIJRI_MONTHS = {
    name: i
    for i, names in enumerate(
        (
            ("farvardin", "فروردین"), ("ordibehesht", "ardibehesht", "اردیبهشت"), ("khordad", "خرداد"),
            ("tir", "تیر"), ("mordad", "amordad", "مرداد", "امرداد"), ("shahrivar", "شهریور"), ("mehr", "مهر"),
            ("aban", "آبان", "ابان"), ("azar", "آذر", "اذر"), ("dey", "dei", "دی"), ("bahman", "بهمن"),
            ("esfand", "اسفند"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip
_WEEKDAYS = {
    name: i
    for i, names in enumerate(
        (("monday", "mon"), ("tuesday", "tue", "tues"), ("wednesday", "wed"), ("thursday", "thu", "thur", "thurs"),
         ("friday", "fri"), ("saturday", "sat"), ("sunday", "sun")),
    )
    for name in names
}  # fmt: skip
_TOKEN = re.compile(r"[^\W\d_]+\.?|[0-9]+(?:st|nd|rd|th)?|\S")
_ORDINAL = re.compile(r"([0-9]{1,2})(?:st|nd|rd|th)?")
# Two defaults differing in every date component (both leap years): a component that differs was not in the text.
_DEFAULTS = (datetime(2000, 1, 1), datetime(2004, 2, 2))


class _Parts(NamedTuple):
    month: int
    solar_hijri: bool
    year: int | None
    day: int | None
    weekday: int | None


def _month_name_date(text: str, ctx: _Context) -> _Reading:
    parts = _month_name_parts(text)
    if parts.solar_hijri:
        if parts.year is None:
            raise DateError(_SOLAR_HIJRI_YEAR)
        return _solar_hijri(parts.year, parts.month, parts.day)
    if ctx.solar_hijri:
        raise DateError(_UNREADABLE)
    if parts.year is not None and ctx.is_solar_hijri(parts.year):
        raise DateError(_UNREADABLE)
    if parts.year is None or parts.year < 1000 or parts.weekday is not None:
        # the common forms with a year ("Jan.14, 2006", "March 2016", "14th of May 1990") are read from the
        # guard's tokens; tests/test_dates.py checks, form by form, that dateutil reads them the same way
        # (a year written with leading zeros, "0001", is a day to dateutil: that goes to dateutil)
        read = _dateutil_read(text)
        if read != (parts.month, parts.year, parts.day):
            raise DateError(_UNREADABLE)
    if parts.year is None:
        edtf = f"XXXX-{parts.month:02d}" + ("" if parts.day is None else f"-{parts.day:02d}")
        return _Reading(edtf, None, None, "month" if parts.day is None else "day")
    reading = _gregorian(parts.year, parts.month, parts.day)
    if parts.weekday is not None and reading.lo is not None and reading.lo.weekday() != parts.weekday:
        raise DateError(_WEEKDAY)
    return reading


def _month_name_parts(text: str) -> _Parts:
    """The guard in front of dateutil: one month name, at most one four-digit year and at most one day, written
    next to the month; nothing else but "of", punctuation and (with a day) a weekday."""
    kinds = ""  # one letter per significant token: m(onth), s(olar hijri month), w(eekday), y(ear), d(ay)
    values: dict[str, int] = {}
    for token in _TOKEN.findall(text):
        word = token.rstrip(".")
        if token in {",", ".", "of"}:
            continue
        if word in _GREGORIAN_MONTHS:
            kind, value = "m", _GREGORIAN_MONTHS[word]
        elif word in _SOLAR_HIJRI_MONTHS:
            kind, value = "s", _SOLAR_HIJRI_MONTHS[word]
        elif word in _WEEKDAYS:
            kind, value = "w", _WEEKDAYS[word]
        elif len(token) == 4 and token.isdigit():
            kind, value = "y", int(token)
        elif m := _ORDINAL.fullmatch(token):
            kind, value = "d", int(m[1])
        else:
            raise DateError(_UNREADABLE)
        kinds += kind
        values[kind] = value
    month_kind = kinds.replace("s", "m")
    if month_kind.count("d") > 1 and "y" not in kinds:
        raise DateError(_TWO_DIGIT_YEAR)
    if (
        month_kind.count("m") != 1
        or kinds.count("y") > 1
        or kinds.count("d") > 1
        or kinds.count("w") > kinds.count("d")
        or ("d" in kinds and "md" not in month_kind and "dm" not in month_kind)
    ):
        raise DateError(_UNREADABLE)
    solar_hijri = "s" in kinds
    return _Parts(values["s" if solar_hijri else "m"], solar_hijri, values.get("y"), values.get("d"), values.get("w"))


def _dateutil_read(text: str) -> tuple[int, int | None, int | None]:
    """(month, year or None, day or None) as dateutil reads ``text``, with the two-defaults trick."""
    from dateutil import parser

    try:
        a, b = (parser.parse(text, default=default, ignoretz=True) for default in _DEFAULTS)
    except (ValueError, OverflowError):  # ParserError is a ValueError; its message quotes the text
        raise DateError(_INVALID) from None
    if a.month != b.month:
        raise DateError(_UNREADABLE)
    return a.month, a.year if a.year == b.year else None, a.day if a.day == b.day else None
