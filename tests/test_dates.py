"""Tests for casefile.dates: every supported form, the refusals, corrections, interpretations, independence from
the clock, and property tests on arbitrary text."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casefile.dates import DateError, Order, correct_date, interpretations, parse_date
from casefile.model import PRECISIONS, FuzzyDate

ROOT = Path(__file__).resolve().parents[1]

# raw text -> (edtf, min, max, precision)
PARSED: dict[str, tuple[str, str | None, str | None, str]] = {
    # ISO (fast path) and plain years
    "2006-01-14": ("2006-01-14", "2006-01-14", "2006-01-14", "day"),
    "2024-02-29": ("2024-02-29", "2024-02-29", "2024-02-29", "day"),
    "2016-03": ("2016-03", "2016-03-01", "2016-03-31", "month"),
    "2016-02": ("2016-02", "2016-02-01", "2016-02-29", "month"),
    "2015-02": ("2015-02", "2015-02-01", "2015-02-28", "month"),
    "1990": ("1990", "1990-01-01", "1990-12-31", "year"),
    "1886": ("1886", "1886-01-01", "1886-12-31", "year"),
    "1403": ("1403", "1403-01-01", "1403-12-31", "year"),
    "0990": ("0990", "0990-01-01", "0990-12-31", "year"),
    "  1990 ": ("1990", "1990-01-01", "1990-12-31", "year"),
    "in 1990": ("1990", "1990-01-01", "1990-12-31", "year"),
    "1990.": ("1990", "1990-01-01", "1990-12-31", "year"),
    # months
    "March 2016": ("2016-03", "2016-03-01", "2016-03-31", "month"),
    "Mar 2016": ("2016-03", "2016-03-01", "2016-03-31", "month"),
    "march, 2016": ("2016-03", "2016-03-01", "2016-03-31", "month"),
    "SEPT 2010": ("2010-09", "2010-09-01", "2010-09-30", "month"),
    "February 2024": ("2024-02", "2024-02-01", "2024-02-29", "month"),
    "2016/03": ("2016-03", "2016-03-01", "2016-03-31", "month"),
    "03/2016": ("2016-03", "2016-03-01", "2016-03-31", "month"),
    # days
    "Jan.14, 2006": ("2006-01-14", "2006-01-14", "2006-01-14", "day"),
    "Jan. 14, 2006": ("2006-01-14", "2006-01-14", "2006-01-14", "day"),
    "14 January 2006": ("2006-01-14", "2006-01-14", "2006-01-14", "day"),
    "January 14th, 2006": ("2006-01-14", "2006-01-14", "2006-01-14", "day"),
    "14th of January 2006": ("2006-01-14", "2006-01-14", "2006-01-14", "day"),
    "on 14 January 2006": ("2006-01-14", "2006-01-14", "2006-01-14", "day"),
    "Saturday, January 14, 2006": ("2006-01-14", "2006-01-14", "2006-01-14", "day"),
    "2006/01/14": ("2006-01-14", "2006-01-14", "2006-01-14", "day"),
    "2006.1.14": ("2006-01-14", "2006-01-14", "2006-01-14", "day"),
    "14.01.2006": ("2006-01-14", "2006-01-14", "2006-01-14", "day"),
    "13/04/2021": ("2021-04-13", "2021-04-13", "2021-04-13", "day"),
    "04/13/2021": ("2021-04-13", "2021-04-13", "2021-04-13", "day"),
    "03/03/2021": ("2021-03-03", "2021-03-03", "2021-03-03", "day"),
    "Christmas 2015": ("2015-12-25", "2015-12-25", "2015-12-25", "day"),
    "New Year's Eve 2023": ("2023-12-31", "2023-12-31", "2023-12-31", "day"),
    # without a year: never filled in
    "April 3rd": ("XXXX-04-03", None, None, "day"),
    "3 April": ("XXXX-04-03", None, None, "day"),
    "February 29": ("XXXX-02-29", None, None, "day"),
    "New Year's Eve": ("XXXX-12-31", None, None, "day"),
    "New Year\u2019s Eve": ("XXXX-12-31", None, None, "day"),
    "new years eve": ("XXXX-12-31", None, None, "day"),
    "on New Year's Eve": ("XXXX-12-31", None, None, "day"),
    "New Year's Day": ("XXXX-01-01", None, None, "day"),
    "Christmas": ("XXXX-12-25", None, None, "day"),
    "Christmas Eve": ("XXXX-12-24", None, None, "day"),
    "April": ("XXXX-04", None, None, "month"),
    "summer": ("XXXX-22", None, None, "season"),
    # approximate: widened by a year / month / 15 days
    "around 2008": ("2008~", "2007-01-01", "2009-12-31", "year"),
    "about 2008": ("2008~", "2007-01-01", "2009-12-31", "year"),
    "c. 1990": ("1990~", "1989-01-01", "1991-12-31", "year"),
    "c.1990": ("1990~", "1989-01-01", "1991-12-31", "year"),
    "ca. 1990": ("1990~", "1989-01-01", "1991-12-31", "year"),
    "circa 1990": ("1990~", "1989-01-01", "1991-12-31", "year"),
    "approximately 1990": ("1990~", "1989-01-01", "1991-12-31", "year"),
    "~1990": ("1990~", "1989-01-01", "1991-12-31", "year"),
    "1990~": ("1990~", "1989-01-01", "1991-12-31", "year"),
    "around March 2016": ("2016-03~", "2016-02-01", "2016-04-30", "month"),
    "around February 2016": ("2016-02~", "2016-01-01", "2016-03-31", "month"),
    "around 14 March 2016": ("2016-03-14~", "2016-02-28", "2016-03-29", "day"),
    "around Christmas": ("XXXX-12-25~", None, None, "day"),
    "around the 1990s": ("199X~", "1988-01-01", "2001-12-31", "decade"),
    # widening stops at the ends of the calendar
    "around 0001": ("0001~", "0001-01-01", "0002-12-31", "year"),
    "~9999": ("9999~", "9998-01-01", "9999-12-31", "year"),
    "around New Year's Day 0001": ("0001-01-01~", "0001-01-01", "0001-01-16", "day"),
    "around 31 Dec 9999": ("9999-12-31~", "9999-12-16", "9999-12-31", "day"),
    # uncertain: not widened; both
    "1986?": ("1986?", "1986-01-01", "1986-12-31", "year"),
    "2016-03?": ("2016-03?", "2016-03-01", "2016-03-31", "month"),
    "around 1986?": ("1986%", "1985-01-01", "1987-12-31", "year"),
    "1986%": ("1986%", "1985-01-01", "1987-12-31", "year"),
    # seasons and parts of a year
    "summer 2014": ("2014-22", "2014-06-01", "2014-08-31", "season"),
    "the summer of 2014": ("2014-22", "2014-06-01", "2014-08-31", "season"),
    "spring 2014": ("2014-21", "2014-03-01", "2014-05-31", "season"),
    "autumn 2014": ("2014-23", "2014-09-01", "2014-11-30", "season"),
    "fall 2014": ("2014-23", "2014-09-01", "2014-11-30", "season"),
    "winter 2014": ("2014-24", "2014-12-01", "2015-02-28", "season"),
    "winter 2015": ("2015-24", "2015-12-01", "2016-02-29", "season"),
    "early 2015": ("2015-37", "2015-01-01", "2015-04-30", "season"),
    "mid 2015": ("2015-38", "2015-05-01", "2015-08-31", "season"),
    "mid-2015": ("2015-38", "2015-05-01", "2015-08-31", "season"),
    "middle of 2015": ("2015-38", "2015-05-01", "2015-08-31", "season"),
    "late 2015": ("2015-39", "2015-09-01", "2015-12-31", "season"),
    "end of 2015": ("2015-39", "2015-09-01", "2015-12-31", "season"),
    # decades and centuries
    "1990s": ("199X", "1990-01-01", "1999-12-31", "decade"),
    "the 1990s": ("199X", "1990-01-01", "1999-12-31", "decade"),
    "in the 1990's": ("199X", "1990-01-01", "1999-12-31", "decade"),
    "2000s": ("200X", "2000-01-01", "2009-12-31", "decade"),
    "early 1990s": ("1990/1993", "1990-01-01", "1993-12-31", "decade"),
    "mid 1990s": ("1994/1996", "1994-01-01", "1996-12-31", "decade"),
    "the mid-1990s": ("1994/1996", "1994-01-01", "1996-12-31", "decade"),
    "late 1990s": ("1997/1999", "1997-01-01", "1999-12-31", "decade"),
    "19th century": ("18XX", "1800-01-01", "1899-12-31", "century"),
    "the 21st century": ("20XX", "2000-01-01", "2099-12-31", "century"),
    # intervals
    "1986\u20131990": ("1986/1990", "1986-01-01", "1990-12-31", "interval"),
    "1986-1990": ("1986/1990", "1986-01-01", "1990-12-31", "interval"),
    "1986 - 1990": ("1986/1990", "1986-01-01", "1990-12-31", "interval"),
    "1986/1990": ("1986/1990", "1986-01-01", "1990-12-31", "interval"),
    "from 1986 to 1990": ("1986/1990", "1986-01-01", "1990-12-31", "interval"),
    "between 1986 and 1990": ("1986/1990", "1986-01-01", "1990-12-31", "interval"),
    "1990-1990": ("1990/1990", "1990-01-01", "1990-12-31", "interval"),
    "March 2016 to May 2017": ("2016-03/2017-05", "2016-03-01", "2017-05-31", "interval"),
    "2006-01-14\u20132007-02-03": ("2006-01-14/2007-02-03", "2006-01-14", "2007-02-03", "interval"),
    "from early 2015 to late 2016": ("2015-37/2016-39", "2015-01-01", "2016-12-31", "interval"),
    "early 1990s to 2001": ("1990/2001", "1990-01-01", "2001-12-31", "interval"),
    "1986?/1990": ("1986?/1990", "1986-01-01", "1990-12-31", "interval"),
    "c. 1986-1990": ("1986~/1990", "1985-01-01", "1990-12-31", "interval"),
    "Christmas to New Year's Eve": ("XXXX-12-25/XXXX-12-31", None, None, "interval"),
    "since 2015": ("2015/..", "2015-01-01", None, "interval"),
    "2015\u2013": ("2015/..", "2015-01-01", None, "interval"),
    "2015-": ("2015/..", "2015-01-01", None, "interval"),
    "2015 onwards": ("2015/..", "2015-01-01", None, "interval"),
    "until March 2016": ("../2016-03", None, "2016-03-31", "interval"),
    # spans written short, open intervals that exclude the year named (issue 19, item 2)
    "1986\u201390": ("1986/1990", "1986-01-01", "1990-12-31", "interval"),
    "1986-90": ("1986/1990", "1986-01-01", "1990-12-31", "interval"),
    "2023/24": ("2023/2024", "2023-01-01", "2024-12-31", "interval"),
    "1986/1987": ("1986/1987", "1986-01-01", "1987-12-31", "interval"),
    "before 2024": ("../2023", None, "2023-12-31", "interval"),
    "after 1990": ("1991/..", "1991-01-01", None, "interval"),
    "antes de 2024": ("../2023", None, "2023-12-31", "interval"),
    # publication dates as news sites print them (issue 19, item 1): the time of day is dropped
    "Sunday 21 March 2010 01:00 GMT": ("2010-03-21", "2010-03-21", "2010-03-21", "day"),
    "March 21, 2010 at 1:00 am": ("2010-03-21", "2010-03-21", "2010-03-21", "day"),
    "21.03.2010": ("2010-03-21", "2010-03-21", "2010-03-21", "day"),
    "2010-03-21T01:00:00Z": ("2010-03-21", "2010-03-21", "2010-03-21", "day"),
    "Sun, 21 Mar 2010 01:00:00 +0000": ("2010-03-21", "2010-03-21", "2010-03-21", "day"),
    # Solar Hijri (1403 SH = 2024-03-20 .. 2025-03-20; 1 Farvardin 1403 = 2024-03-20)
    "1403-01-15 SH": ("2024-04-03", "2024-04-03", "2024-04-03", "day"),
    "1403/01/15 SH": ("2024-04-03", "2024-04-03", "2024-04-03", "day"),
    "1403/1/15 s.h.": ("2024-04-03", "2024-04-03", "2024-04-03", "day"),
    "15/01/1403 SH": ("2024-04-03", "2024-04-03", "2024-04-03", "day"),
    "1403 SH": ("2024-03-20/2025-03-20", "2024-03-20", "2025-03-20", "year"),
    "1403 \u0647\u0640.\u0634": ("2024-03-20/2025-03-20", "2024-03-20", "2025-03-20", "year"),
    "Farvardin 1403 SH": ("2024-03-20/2024-04-19", "2024-03-20", "2024-04-19", "month"),
    "Farvardin 1403": ("2024-03-20/2024-04-19", "2024-03-20", "2024-04-19", "month"),
    "15 Farvardin 1403": ("2024-04-03", "2024-04-03", "2024-04-03", "day"),
    "Esfand 1402": ("2024-02-20/2024-03-19", "2024-02-20", "2024-03-19", "month"),
    "30 Esfand 1403": ("2025-03-20", "2025-03-20", "2025-03-20", "day"),
    "Dey 1390": ("2011-12-22/2012-01-20", "2011-12-22", "2012-01-20", "month"),
    "1 Mordad 1367": ("1988-07-23", "1988-07-23", "1988-07-23", "day"),
    "1 Amordad 1367": ("1988-07-23", "1988-07-23", "1988-07-23", "day"),
    # ۱۴۰۳/۰۱/۱۵
    "\u06f1\u06f4\u06f0\u06f3/\u06f0\u06f1/\u06f1\u06f5": ("2024-04-03", "2024-04-03", "2024-04-03", "day"),
    "\u06f1\u06f4\u06f0\u06f3": ("2024-03-20/2025-03-20", "2024-03-20", "2025-03-20", "year"),  # ۱۴۰۳
    "\u06f1\u06f5 \u0641\u0631\u0648\u0631\u062f\u06cc\u0646 \u06f1\u06f4\u06f0\u06f3": (  # ۱۵ فروردین ۱۴۰۳
        "2024-04-03", "2024-04-03", "2024-04-03", "day",
    ),
    "\u0641\u0631\u0648\u0631\u062f\u064a\u0646 \u06f1\u06f4\u06f0\u06f3": (  # فروردين ۱۴۰۳, Arabic yeh
        "2024-03-20/2024-04-19", "2024-03-20", "2024-04-19", "month",
    ),
    "\u0661\u0664\u0660\u0663/\u0661/\u0661\u0665": ("2024-04-03", "2024-04-03", "2024-04-03", "day"),  # Arabic-Indic
    # ۲۰۲۴-۰۱-۱۴: Persian digits, Gregorian year
    "\u06f2\u06f0\u06f2\u06f4-\u06f0\u06f1-\u06f1\u06f4": ("2024-01-14", "2024-01-14", "2024-01-14", "day"),
    "around 1403 SH": ("2024-03-20~/2025-03-20~", "2023-03-20", "2026-03-20", "year"),
    "1390-1392 SH": ("2011-03-21/2014-03-20", "2011-03-21", "2014-03-20", "interval"),
}  # fmt: skip

# raw text -> reason; the reason must never quote the text
REFUSED: dict[str, str] = {
    "": "empty date",
    "   ": "empty date",
    "\u200f": "empty date",
    "03/04/2021": "ambiguous day/month order",
    "03.04.2021": "ambiguous day/month order",
    "03-04-2021": "ambiguous day/month order",
    "01/02/03": "four digits",
    "3/4/21": "four digits",
    "3/4/202": "four digits",
    "Jan 14 06": "four digits",
    "12": "not a year",
    "7": "not a year",
    "199": "not a year",
    "2024-02-30": "no such date",
    "2023-02-29": "no such date",
    "February 30, 2024": "no such date",
    "2016-13": "there is no month above 12",
    "1995-13": "there is no month above 12",
    "13/14/2021": "no such date",
    "0000": "no such date",
    "30 Esfand 1402": "no such date",
    "1403/01/15": "Solar Hijri",
    "1403-01-15": "Solar Hijri",
    "1403-01": "Solar Hijri",
    "15/01/1403": "Solar Hijri",
    "15 Farvardin": "Solar Hijri date needs a year",
    "yesterday": "reference date",
    "last year": "reference date",
    "34 years ago": "reference date",
    "today": "reference date",
    "now": "reference date",
    "\u06f3\u06f4 \u0633\u0627\u0644 \u067e\u06cc\u0634": "reference date",  # ۳۴ سال پیش
    "1990-1986": "ends before it starts",
    "from 2017 to March 2016": "ends before it starts",
    "Friday, January 14, 2006": "weekday does not match",
    "x" * 101: "too long",
    "banana": "cannot read",
    "New Year": "cannot read",
    "Jan 0001": "cannot read",
    "April 2016 12": "cannot read",
    "March 2016 SH": "cannot read",
    "summer \u06f1\u06f3\u06f9\u06f0": "cannot read",  # a season in Persian digits: not a Gregorian year
    "April to May 2016": "cannot read",
    "12345": "cannot read",
    "10:30 2006": "cannot read",
    "Monday": "cannot read",
    "January 2006 at noon": "cannot read",
    "1990s SH": "cannot read",
    "mid-": "cannot read",
    ":": "cannot read",
    "0th century": "cannot read",
    "March \u06f1\u06f4\u06f0\u06f3": "cannot read",  # a Gregorian month with a Solar Hijri year in Persian digits
    "since Christmas": "cannot read",
    "until April": "cannot read",
}


def _parsed(raw: str, fd: FuzzyDate) -> tuple[str | None, str | None, str | None, str]:
    assert fd.raw == raw
    assert fd.corrected is None and fd.note is None
    return fd.edtf, fd.min, fd.max, fd.precision


@pytest.mark.parametrize(("raw", "expected"), PARSED.items(), ids=list(PARSED))
def test_parse(raw: str, expected: tuple[str, str | None, str | None, str]) -> None:
    assert _parsed(raw, parse_date(raw)) == expected
    assert _parsed(raw, parse_date(raw)) == expected  # again, from the cache


def test_table_is_large_enough() -> None:
    assert len(PARSED) >= 80


@pytest.mark.parametrize(("raw", "reason"), REFUSED.items(), ids=[r[:20] or "(empty)" for r in REFUSED])
def test_refused(raw: str, reason: str) -> None:
    with pytest.raises(DateError, match=reason) as info:
        parse_date(raw)
    if raw.strip():
        assert raw.strip() not in str(info.value)
    # no chained exception (dateutil's ParserError quotes the text) is shown with the error
    assert info.value.__cause__ is None
    assert info.value.__context__ is None or info.value.__suppress_context__


@pytest.mark.parametrize(
    ("raw", "order", "edtf"),
    [
        ("03/04/2021", "dayfirst", "2021-04-03"),
        ("03/04/2021", "monthfirst", "2021-03-04"),
        ("03.04.2021", "dayfirst", "2021-04-03"),
        ("03-04-2021", "monthfirst", "2021-03-04"),
        ("13/04/2021", "dayfirst", "2021-04-13"),
        ("1403/01/15 SH", "monthfirst", "2024-04-03"),  # year first: the order does not apply
        ("2006-01-14", "monthfirst", "2006-01-14"),
        ("from 03/04/2021 to 05/06/2021", "dayfirst", "2021-04-03/2021-06-05"),
    ],
)
def test_order(raw: str, order: Order, edtf: str) -> None:
    assert parse_date(raw, order=order).edtf == edtf


def test_order_is_applied_strictly() -> None:
    """With an explicit order, a day that cannot be a month is an error, not silently swapped."""
    with pytest.raises(DateError, match="no such date"):
        parse_date("13/04/2021", order="monthfirst")


@pytest.mark.parametrize("raw", ["banana", "2024-02-30", "03/04/2021", "x" * 101, "yesterday", ":"])
def test_keep_unparsed(raw: str) -> None:
    assert parse_date(raw, keep_unparsed=True) == FuzzyDate(raw=raw, precision="unknown")
    with pytest.raises(DateError):  # the cache must not remember the kept value as a reading
        parse_date(raw)


@pytest.mark.parametrize("raw", ["", "  ", "\t\n"])
def test_keep_unparsed_still_refuses_empty(raw: str) -> None:
    with pytest.raises(DateError, match="^empty date$"):
        parse_date(raw, keep_unparsed=True)


def test_raw_is_kept_verbatim() -> None:
    raw = "  \u200fin  Mid-2015\t"
    assert parse_date(raw).raw == raw
    assert parse_date(raw).edtf == "2015-38"


def test_correct_date() -> None:
    original = parse_date("1886")
    fixed = correct_date(original, "1986", "typo in the source: he joined after the 1979 revolution")
    assert fixed == FuzzyDate(
        raw="1886",
        edtf="1986",
        min="1986-01-01",
        max="1986-12-31",
        precision="year",
        corrected="1986",
        note="typo in the source: he joined after the 1979 revolution",
    )


def test_correct_date_keeps_raw_of_unparsed_value() -> None:
    original = parse_date("03/04/2021", keep_unparsed=True)
    fixed = correct_date(original, "03/04/2021", order="dayfirst")
    assert (fixed.raw, fixed.edtf, fixed.precision, fixed.corrected, fixed.note) == (
        "03/04/2021",
        "2021-04-03",
        "day",
        "03/04/2021",
        None,
    )


def test_correct_date_refuses_unreadable_correction() -> None:
    with pytest.raises(DateError):
        correct_date(parse_date("1886"), "sometime")


def test_interpretations_ambiguous() -> None:
    readings = interpretations("03/04/2021")
    assert [r.edtf for r in readings] == ["2021-04-03", "2021-03-04"]
    assert all(r.raw == "03/04/2021" for r in readings)


@pytest.mark.parametrize(
    ("raw", "edtfs"),
    [("1990", ["1990"]), ("13/04/2021", ["2021-04-13"]), ("03/03/2021", ["2021-03-03"]), ("banana", []), ("", [])],
)
def test_interpretations(raw: str, edtfs: list[str]) -> None:
    assert [r.edtf for r in interpretations(raw)] == edtfs


# --- nothing depends on today ---------------------------------------------------------------------------------------

# Runs in a fresh interpreter. Before anything else is imported it replaces datetime.date and datetime.datetime with
# subclasses whose today()/now()/utcnow() return the frozen moment, and time.time/time_ns/localtime/gmtime with
# frozen versions. dateutil, jdatetime and casefile.dates are imported afterwards, so every way of asking for the
# current date (dateutil's default=None -> datetime.now(), its two-digit-year window from time.localtime(),
# date.today(), time.time()) sees the frozen clock. The "canary" shows the freeze does reach dateutil: parsing
# "April 3" without a default returns the frozen year.
_FROZEN_CLOCK = r"""
import datetime, json, sys, time

frozen = datetime.datetime.fromisoformat(sys.argv[1]).replace(tzinfo=datetime.timezone.utc)
stamp = frozen.timestamp()
real_localtime, real_gmtime = time.localtime, time.gmtime


class FrozenDate(datetime.date):
    @classmethod
    def today(cls):
        return cls(frozen.year, frozen.month, frozen.day)


class FrozenDateTime(datetime.datetime):
    @classmethod
    def now(cls, tz=None):
        return cls.fromtimestamp(stamp, tz)

    @classmethod
    def utcnow(cls):
        return cls.utcfromtimestamp(stamp)

    @classmethod
    def today(cls):
        return cls.fromtimestamp(stamp)


datetime.date, datetime.datetime = FrozenDate, FrozenDateTime
time.time = lambda: stamp
time.time_ns = lambda: int(stamp) * 10**9
time.localtime = lambda secs=None: real_localtime(stamp if secs is None else secs)
time.gmtime = lambda secs=None: real_gmtime(stamp if secs is None else secs)

from dateutil import parser
from casefile.dates import DateError, parse_date

results = {}
for raw, order in json.load(sys.stdin):
    try:
        results[f"{raw}|{order}"] = list(parse_date(raw, order=order).parts().values())
    except DateError as exc:
        results[f"{raw}|{order}"] = str(exc)
canary = {"dateutil": parser.parse("April 3").year, "today": datetime.date.today().isoformat()}
print(json.dumps({"canary": canary, "results": results}))
"""

_ALL_INPUTS: list[tuple[str, Order]] = [
    (raw, order) for raw in [*PARSED, *REFUSED] for order in (None, "dayfirst", "monthfirst")
]


def _run_under_clock(moment: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _FROZEN_CLOCK, moment],
        input=json.dumps(_ALL_INPUTS),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "TZ": "UTC", "PYTHONDONTWRITEBYTECODE": "1"},
        check=True,
    )
    out: dict[str, object] = json.loads(done.stdout)
    return out


def test_nothing_depends_on_today() -> None:
    here: dict[str, object] = {}
    for raw, order in _ALL_INPUTS:
        try:
            here[f"{raw}|{order}"] = list(parse_date(raw, order=order).parts().values())
        except DateError as exc:
            here[f"{raw}|{order}"] = str(exc)
    past, future = _run_under_clock("1999-06-15T12:00:00"), _run_under_clock("2041-02-28T23:30:00")
    # The freeze is real: unguarded dateutil and date.today() see two different clocks ...
    assert past["canary"] == {"dateutil": 1999, "today": "1999-06-15"}
    assert future["canary"] == {"dateutil": 2041, "today": "2041-02-28"}
    # ... while every reading and every refusal is the same under both, and the same as under the real clock.
    assert past["results"] == here
    assert future["results"] == here


def test_import_is_light() -> None:
    """dateutil and jdatetime are imported on first use only (start-up budget)."""
    code = "import sys, casefile.dates; print(sorted(m for m in ('dateutil', 'jdatetime') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == "[]"


# --- properties -----------------------------------------------------------------------------------------------------


def _check(raw: str, fd: FuzzyDate) -> None:
    assert fd.raw == raw
    assert fd.precision in PRECISIONS
    if fd.precision == "unknown":
        assert fd.edtf is None and fd.min is None and fd.max is None
    else:
        assert fd.edtf
    bounds = [date.fromisoformat(b) for b in (fd.min, fd.max) if b is not None]
    if len(bounds) == 2:
        assert bounds[0] <= bounds[1]


@given(st.text(max_size=120))
def test_arbitrary_text_only_raises_date_error(raw: str) -> None:
    try:
        fd = parse_date(raw)
    except DateError:
        pass
    else:
        _check(raw, fd)
    try:
        kept = parse_date(raw, keep_unparsed=True)
    except DateError as exc:  # only blank text, or nothing but invisible marks such as a lone ZWNJ
        assert str(exc) == "empty date", raw
    else:
        _check(raw, kept)


_WORDS = [
    "around", "c.", "~", "?", "the", "in", "of", "from", "to", "between", "and", "since", "until", "-", "/", ",",
    "early", "mid", "late", "summer", "winter", "spring", "1990s", "19th", "century", "SH", "Jan.", "March",
    "Farvardin", "Esfand", "فروردین", "christmas", "eve", "New", "Year's", "Saturday", "14th", "۱۴۰۳", "۲۰۲۴",
]  # fmt: skip
_NUMBERS = st.integers(0, 3000).map(str) | st.from_regex(r"[0-9]{1,4}[-/.][0-9]{1,2}([-/.][0-9]{1,4})?", fullmatch=True)


@given(st.lists(st.sampled_from(_WORDS) | _NUMBERS, max_size=6), st.sampled_from([" ", "", "-", "/"]))
def test_date_like_text_only_raises_date_error(tokens: list[str], separator: str) -> None:
    raw = separator.join(tokens)
    orders: tuple[Order, ...] = (None, "dayfirst", "monthfirst")
    for order in orders:
        try:
            fd = parse_date(raw, order=order)
        except DateError as exc:
            assert "\n" not in str(exc)
        else:
            _check(raw, fd)


# ------------------------------------------------------------------------------ month names without dateutil


YEARS = ("0001", "0999", "1000", "1453", "1600", "1886", "1986", "2000", "2023", "2100")


def _month_name_forms() -> list[str]:
    from casefile import dates

    names = [n for n in dates._GREGORIAN_MONTHS if n.isascii()]
    spellings = {v for n in names for v in (n, n.title(), n.upper(), n + "." if len(n) <= 4 else n)}
    templates = ("{m} {d}, {y}", "{m}.{d}, {y}", "{m} {d} {y}", "{d} {m} {y}", "{d}th of {m} {y}", "{d}th of {m}, {y}",
                 "{m} {y}", "{m}, {y}", "{y} {m}", "{m}, {d} {y}", "{d} {m}, {y}", "{y}, {m} {d}")  # fmt: skip
    forms = []
    for n, spelling in enumerate(sorted(spellings)):
        for template in templates:
            for day in (0, 1, 9, 29, 30, 31, 32) if "{d}" in template else (None,):
                year = YEARS[(n + (day or 0)) % len(YEARS)]
                forms.append(template.format(m=spelling, d=day, y=year))
    return forms


def test_month_name_dates_with_a_year_read_as_dateutil_reads_them() -> None:
    """parse_date reads "Jan.14, 2006"-like forms from the guard's tokens, without dateutil; for every form the
    guard accepts with a year and no weekday, dateutil's reading (or refusal) is the same."""
    from casefile import dates

    checked = 0
    for text in _month_name_forms():
        normal = dates._normalise(text)[0]
        try:
            parts = dates._month_name_parts(normal)
        except DateError:
            continue
        if parts.year is None or parts.weekday is not None or parts.solar_hijri:
            continue  # dateutil reads these
        checked += 1
        try:
            expected: tuple | str = dates._dateutil_read(normal)
        except DateError as exc:
            expected = str(exc)
        if isinstance(expected, tuple) and expected != (parts.month, parts.year, parts.day):
            expected = "cannot read this as a date"
        try:
            got = parse_date(text)
        except DateError as exc:
            assert str(exc) == expected, text
            continue
        assert isinstance(expected, tuple), text
        assert (got.min, got.precision) == (
            date(parts.year, parts.month, parts.day or 1).isoformat(),
            "day" if parts.day else "month",
        ), text
    assert checked > 2000
