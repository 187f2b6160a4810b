"""What the search index is given for an account (issue 23: built without naming where each text came from, for
speed) is exactly :func:`searchable_texts` grouped by search column, in its order - for any mix of fields, list
values, blank and non-text values, parts and organisation names."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from casefile import model
from casefile.model import Account
from casefile.searchable import SEARCH_COLUMNS, searchable_columns, searchable_texts

TEXTS = st.sampled_from(["Camp Ashraf", "  ", "", "Zoë Haddad", "MEK", "camp ashraf", "Tirana", "\u200c", "x"])
VALUES = st.one_of(st.none(), TEXTS, st.lists(st.one_of(TEXTS, st.none(), st.integers()), max_size=3), st.integers())


def _part(part: str) -> Any:
    names = [f.name for f in model.NESTED[part]]
    return st.lists(st.dictionaries(st.sampled_from(names), VALUES, max_size=len(names)), max_size=3)


ACCOUNTS = st.fixed_dictionaries(
    {},
    optional={
        **{f.name: VALUES for f in model.FIELDS if f.name != "organization"},
        "organization": st.one_of(st.none(), TEXTS),  # one name (validated text), looked up as a key
        **{part: st.one_of(st.none(), _part(part)) for part in model.NESTED},
    },
)


@settings(max_examples=400, deadline=None)
@given(values=ACCOUNTS, names=st.lists(st.one_of(TEXTS, st.none()), max_size=3).map(tuple))
def test_the_columns_are_the_searchable_texts_grouped_in_order(values: dict[str, Any], names: tuple[Any, ...]) -> None:
    account = Account(values)
    grouped: dict[str, list[str]] = {column: [] for column in SEARCH_COLUMNS}
    for _where, column, text in searchable_texts(account, names):
        grouped[column].append(text)
    assert searchable_columns(account, names) == grouped


def test_a_source_title_met_twice_is_given_once_and_blank_texts_never() -> None:
    title = "Letter from Tirana"
    account = Account(
        {
            "name": "Hassan Heyrani",
            "aliases": ["  ", "Hasan"],
            "source_title": title,
            "sources": [{"title": title, "publisher": "Nejat"}, {"title": "  "}],
            "events": [{"description": "left Camp Ashraf", "place": ""}],
            "organization": "MEK",
        }
    )
    assert searchable_columns(account, ("MEK", "PMOI")) == {
        "name": ["Hassan Heyrani", "Hasan"],
        "summary": ["left Camp Ashraf"],
        "source_title": [title, "Nejat"],
        "organization": ["MEK", "PMOI"],
    }
