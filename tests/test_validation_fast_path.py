"""The validator's fast paths give exactly what the general code gives (issue 9: validation was most of a bulk
import's time): the same values, deferred dates and problems, in the same order.

* A record with only known keys and no parsed-date companion columns takes ``_validate_plain``; the same
  record plus an empty companion column (``left_note: ""``) means the same thing but takes the general path.
* A date given as raw text alone takes a shortcut in ``read_date``; the same text with a note beside it
  (``left_note: "n"``) goes through the general reading, which differs only by carrying the note.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from casefile import model
from casefile.errors import InvalidRecord
from casefile.validation import Options, Validator

TEXTS = st.sampled_from(
    ["", " ", "x", "a\x00b", "a\ud800b", "Zoë", "no_future", " No_Future ", "burnout; no_future", "escaped",
     "ESCAPED", "F", "f", "3", "1965", "34", "2.5", "121", "around 2008", "1986–1990", "03/04/2021", "Jan.14, 2006",
     "yesterday", "?", "0123456789abcdef", "0123456789ABCDEF", "Zoë; ;Zoë", "1403-01-15 SH", "summer", "1886",
     "2016-02-30", "2016-13", "0000"]
)  # fmt: skip
HOSTILE = st.sampled_from(["a\x00b", "\x00", "a\ud800b", "Zoë\x00", "\udfff"])  # NUL, lone surrogates
VALUES = st.one_of(
    TEXTS,
    HOSTILE,
    st.text(max_size=12),
    st.none(),
    st.integers(-5, 3000),
    st.floats(allow_nan=True),
    st.booleans(),
    st.lists(TEXTS, max_size=3),
    st.dictionaries(st.just("k"), TEXTS, max_size=1),
)
RECORDS = st.dictionaries(st.sampled_from(model.FIELD_NAMES), VALUES, min_size=1, max_size=10)
OPTIONS = st.builds(Options, order=st.sampled_from([None, "dayfirst"]), keep_unparsed_dates=st.booleans())


def outcome(validator: Validator, raw: dict[str, Any]) -> Any:
    try:
        v = validator.validate(raw, 7)
    except InvalidRecord as exc:
        return [(p.line, p.field, p.reason) for p in exc.problems]
    deferred = {k: (p.line, p.field, p.reason) for k, p in v.deferred.items()}
    return v.account.values, deferred, v.explicit_dates


@settings(max_examples=400, deadline=None)
@given(RECORDS, OPTIONS)
def test_plain_records_take_a_path_equal_to_the_general_one(raw: dict[str, Any], options: Options) -> None:
    validator = Validator(options)
    assert outcome(validator, raw) == outcome(validator, dict(raw, left_note=""))


@settings(max_examples=400, deadline=None)
@given(st.one_of(TEXTS, HOSTILE, st.text(max_size=20), st.integers(), st.none()), OPTIONS)
def test_a_raw_date_alone_reads_as_the_general_reading_does(text: Any, options: Options) -> None:
    validator = Validator(options)
    alone = outcome(validator, {"left": text})
    noted = outcome(validator, {"left": text, "left_note": "n"})
    if isinstance(noted, tuple):  # read (or deferred): the general reading carries the note and says so
        values, deferred, explicit = noted
        if values["left"] is not None:
            assert values["left"].note == "n"
            values["left"] = dataclasses.replace(values["left"], note=None)
        explicit.discard("left")
    assert alone == noted
