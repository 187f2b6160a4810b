"""The validator's fast path for plain records (only known columns, no parsed-date companions) gives exactly
what the general path gives: the same values, the same deferred dates, the same problems in the same order.

A record plus an empty companion column (``left_note: ""``) means the same thing but takes the general path,
so the two can be compared on any input.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from casefile import model
from casefile.errors import InvalidRecord
from casefile.validation import Options, Validator

TEXTS = st.sampled_from(
    ["", " ", "x", "a\x00b", "no_future", " No_Future ", "burnout; no_future", "escaped", "ESCAPED", "F", "f", "3",
     "1965", "34", "2.5", "121", "around 2008", "1986–1990", "03/04/2021", "Jan.14, 2006", "yesterday", "?",
     "0123456789abcdef", "0123456789ABCDEF", "Zoë; ;Zoë", "1403-01-15 SH", "summer"]
)  # fmt: skip
VALUES = st.one_of(
    TEXTS,
    st.text(max_size=12),
    st.none(),
    st.integers(-5, 3000),
    st.floats(allow_nan=True),
    st.booleans(),
    st.lists(TEXTS, max_size=3),
    st.dictionaries(st.just("k"), TEXTS, max_size=1),
)
RECORDS = st.dictionaries(st.sampled_from(model.FIELD_NAMES), VALUES, max_size=10)


def outcome(validator: Validator, raw: dict[str, Any]) -> Any:
    try:
        v = validator.validate(raw, 7)
    except InvalidRecord as exc:
        return [(p.line, p.field, p.reason) for p in exc.problems]
    deferred = {k: (p.line, p.field, p.reason) for k, p in v.deferred.items()}
    return v.account.values, deferred, v.explicit_dates


@settings(max_examples=400, deadline=None)
@given(RECORDS, st.sampled_from([None, "dayfirst"]), st.booleans())
def test_fast_path_equals_general_path(raw: dict[str, Any], order: Any, keep: bool) -> None:
    validator = Validator(Options(order=order, keep_unparsed_dates=keep))
    general = dict(raw, left_note="")
    assert outcome(validator, raw) == outcome(validator, general)
