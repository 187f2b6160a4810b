"""Dates relative to another date (issue 19, item 1): the core API that validation and a future `ingest` use —
a phrase and an anchor give an interval with its precision, marked derived, with the words matched and their
offsets."""

from __future__ import annotations

import pytest

from casefile.dates import DateError, parse_date
from casefile.relative_dates import find, match, resolve

SOURCE = "2010-03-21"  # a Sunday

# phrase -> (rule's anchor kind, edtf, min, max, precision), resolved against SOURCE (or 1986 for events,
# the birth year 1988/1989 for ages)
RESOLVED: dict[str, tuple[str, str, str | None, str | None, str]] = {
    "last year": ("source", "2009", "2009-01-01", "2009-12-31", "year"),
    "Last Year.": ("source", "2009", "2009-01-01", "2009-12-31", "year"),
    "the previous month": ("source", "2010-02", "2010-02-01", "2010-02-28", "month"),
    "until last December": ("source", "../2009-12", None, "2009-12-31", "interval"),
    "last December": ("source", "2009-12", "2009-12-01", "2009-12-31", "month"),
    "since last December": ("source", "2009-12/..", "2009-12-01", None, "interval"),
    "last March": ("source", "2009-03", "2009-03-01", "2009-03-31", "month"),
    "one more year": ("event", "1987", "1987-01-01", "1987-12-31", "year"),
    # the rules ingest had of its own (issue 22), now the one grammar's
    "on Sunday": ("source", "2010-03-21", "2010-03-21", "2010-03-21", "day"),
    "on Wednesday": ("source", "2010-03-17", "2010-03-17", "2010-03-17", "day"),
    "in September": ("source", "2009-09", "2009-09-01", "2009-09-30", "month"),
    "in March": ("source", "2010-03", "2010-03-01", "2010-03-31", "month"),
    "December of last year": ("source", "2009-12", "2009-12-01", "2009-12-31", "month"),
    "the summer of last year": ("source", "2009-22", "2009-06-01", "2009-08-31", "season"),
    "February this year": ("source", "2010-02", "2010-02-01", "2010-02-28", "month"),
    "the following year": ("event", "1987", "1987-01-01", "1987-12-31", "year"),
    "the year after": ("event", "1987", "1987-01-01", "1987-12-31", "year"),
    "four years later": ("event", "1990", "1990-01-01", "1990-12-31", "year"),
    "after two years": ("event", "1988", "1988-01-01", "1988-12-31", "year"),
    "about a month ago": ("source", "2010-02~", "2010-01-01", "2010-03-31", "month"),
    "two years ago": ("source", "2008", "2008-01-01", "2008-12-31", "year"),
    "34 years ago": ("source", "1976", "1976-01-01", "1976-12-31", "year"),
    "three days ago": ("source", "2010-03-18", "2010-03-18", "2010-03-18", "day"),
    "earlier this month": ("source", "2010-03-01/2010-03-21", "2010-03-01", "2010-03-21", "interval"),
    "earlier this year": ("source", "2010-01-01/2010-03-21", "2010-01-01", "2010-03-21", "interval"),
    "this year": ("source", "2010", "2010-01-01", "2010-12-31", "year"),
    "yesterday": ("source", "2010-03-20", "2010-03-20", "2010-03-20", "day"),
    "el año pasado": ("source", "2009", "2009-01-01", "2009-12-31", "year"),
    "el pasado diciembre": ("source", "2009-12", "2009-12-01", "2009-12-31", "month"),
    "hace dos años": ("source", "2008", "2008-01-01", "2008-12-31", "year"),
    "cuatro años después": ("event", "1990", "1990-01-01", "1990-12-31", "year"),
    "letztes Jahr": ("source", "2009", "2009-01-01", "2009-12-31", "year"),
    "vor zwei Jahren": ("source", "2008", "2008-01-01", "2008-12-31", "year"),
    "18 August": ("source", "2009-08-18", "2009-08-18", "2009-08-18", "day"),
    "on 18 March": ("source", "2010-03-18", "2010-03-18", "2010-03-18", "day"),
    "in the spring": ("source", "2010-21", "2010-03-01", "2010-05-31", "season"),
    "in the summer": ("source", "2009-22", "2009-06-01", "2009-08-31", "season"),
    "New Year's Eve": ("source", "2009-12-31", "2009-12-31", "2009-12-31", "day"),
    "at the age of 13": ("birth_year", "2001/2003", "2001-01-01", "2003-12-31", "interval"),
    "a los 13 años": ("birth_year", "2001/2003", "2001-01-01", "2003-12-31", "interval"),
}
ANCHOR_OF = {"source": SOURCE, "event": "1986", "birth_year": "1988/1989"}


@pytest.mark.parametrize(("phrase", "expected"), RESOLVED.items(), ids=list(RESOLVED))
def test_resolve(phrase: str, expected: tuple[str, str, str | None, str | None, str]) -> None:
    needs, *reading = expected
    found = match(phrase)
    assert found is not None and found.needs == needs
    derived = resolve(phrase, ANCHOR_OF[needs])
    assert derived.derived is True
    assert [derived.edtf, derived.min, derived.max, derived.precision] == reading
    assert derived.phrase.text == phrase.strip().rstrip(".")


def test_an_anchor_that_is_a_range_widens_the_result() -> None:
    assert resolve("four years later", parse_date("1986/1987")).edtf == "1990/1991"
    assert resolve("last year", "2010").edtf == "2009"
    assert resolve("last December", "2010").edtf == "2009-12"


def test_without_an_anchor_nothing_is_invented() -> None:
    derived = resolve("last year", None)
    assert (derived.edtf, derived.min, derived.max, derived.precision) == (None, None, None, "unknown")
    assert resolve("last year", parse_date("New Year's Eve")).min is None


@pytest.mark.parametrize("text", ["1990", "banana", "last", "the year", "years ago", "later", "May 2016"])
def test_not_relative(text: str) -> None:
    assert match(text) is None
    with pytest.raises(DateError):
        resolve(text, SOURCE)


def test_find_gives_the_words_and_their_offsets_in_an_article() -> None:
    text = "He left last December, about a month ago; hace dos años he said. Four years later, silence."
    found = list(find(text))
    assert [(p.text, p.start, p.end) for p in found] == [
        ("last December", 8, 21),
        ("about a month ago", 23, 40),
        ("hace dos años", 42, 55),
        ("Four years later", 65, 81),
    ]
    assert all(text[p.start : p.end] == p.text for p in found)
    assert [resolve(p, SOURCE, text=text).edtf for p in found[:3]] == ["2009-12", "2010-02~", "2008"]
    assert resolve(found[3], "1986", text=text).edtf == "1990"


def test_find_reads_weekdays_months_seasons_and_the_following_year_in_an_article() -> None:
    text = (
        "He crossed on Wednesday. She had joined in September and fled in the summer of last year; "
        "the following year she spoke. In May 2016 nothing, in March of 2011 nothing."
    )
    found = [(p.text, p.rule) for p in find(text)]
    assert found == [
        ("on Wednesday", "weekday"),
        ("in September", "in_month"),
        ("the summer of last year", "month_of"),
        ("the following year", "later"),
    ]
    assert [resolve(p, SOURCE, text=text).edtf for p in find(text)][:3] == ["2010-03-17", "2009-09", "2009-22"]


def test_ingest_reads_relative_dates_only_through_this_grammar() -> None:
    """Every relative phrase ingest resolves in the labelled texts is one this grammar reads as a whole, with
    the same meaning against the same anchor: `add --left "<the words>"` means what ingest drafted."""
    from pathlib import Path

    from casefile.ingest import dating, facts

    checked = 0
    for path in sorted((Path(__file__).parent / "eval" / "texts").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        pub = dating.published(text)
        for d in dating.relative(text, pub[0] if pub else None, facts._mask_quotes(text)):
            if d.value is None or d.rule.startswith("relative: an age"):
                continue
            phrase = match(d.words)
            assert phrase is not None, (path.name, d.words)
            if phrase.needs == "source":
                assert pub is not None
                assert resolve(d.words, pub[0].isoformat()).edtf == d.value, (path.name, d.words)
            checked += 1
    assert checked >= 20
