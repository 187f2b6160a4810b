"""What search sees of an account: which fields the full-text index reads (every text a user typed, from the
field registry and its parts), the index's columns, and the texts of one account with the field each came
from. Base room: the store's search and publish rooms and the core's snippets all read it."""

from __future__ import annotations

from typing import Any

from .model import FIELDS, FLAT_SOURCE, NESTED, Account, Field


def searchable(f: Field) -> bool:
    """Whether search indexes a field: every text a user types (text fields, and multi-valued ones without a
    vocabulary, such as tags); codes from a vocabulary, dates, numbers and ids are not words to find."""
    return f.kind == "text" or (f.kind == "multi" and f.vocab is None)


#: The full-text index's columns, in order: names weigh most, then source titles, then organisations.
SEARCH_COLUMNS = ("name", "summary", "source_title", "organization")
#: What was indexed for each of them, as SQL over ``accounts_fts_docs d`` and ``accounts a`` (m011).
SEARCH_INDEXED = tuple(f"coalesce(d.{c}, a.{c}, '') || coalesce(d.{c}_more, '')" for c in SEARCH_COLUMNS)
_NAME_FIELDS = ("name", "aliases")
_ORG_FIELD = "organization"


def _field_texts(names: tuple[str, ...], values: dict[str, Any], where: str) -> list[tuple[str, str]]:
    out = []
    for name in names:
        value = values.get(name)
        if value.__class__ is list:
            out += [(where + name, text) for text in value if isinstance(text, str) and text.strip()]
        elif isinstance(value, str) and value.strip():
            out.append((where + name, value))
    return out


def _searchable_names(fields: tuple[Field, ...], keep: Any = lambda name: True) -> tuple[str, ...]:
    return tuple(f.name for f in fields if searchable(f) and keep(f.name))


_BODY = _searchable_names(FIELDS, lambda n: n not in (*_NAME_FIELDS, _ORG_FIELD) and n not in FLAT_SOURCE)
_FLAT_SOURCE = _searchable_names(FIELDS, lambda n: n in FLAT_SOURCE)
_NAMES = _searchable_names(FIELDS, lambda n: n in _NAME_FIELDS)
_PARTS = {part: _searchable_names(fields) for part, fields in NESTED.items()}


def _texts(names: tuple[str, ...], values: dict[str, Any], out: list[str]) -> None:
    """:func:`_field_texts` without where each text came from, appended to ``out``: what the index needs."""
    for name in names:
        value = values.get(name)
        if value.__class__ is list:
            out += [text for text in value if isinstance(text, str) and text.strip()]
        elif isinstance(value, str) and value.strip():
            out.append(value)


def searchable_columns(account: Account, organization_names: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """The texts of :func:`searchable_texts` by search column, in its order, without where each came from: what
    the index is given (issue 23: the index of a large import builds this for every account; the places cost
    half its time). A test holds it to :func:`searchable_texts`."""
    values = account.values
    summary: list[str] = []
    sources: list[str] = []
    _texts(_BODY, values, summary)
    _texts(_FLAT_SOURCE, values, sources)
    for part, names in _PARTS.items():
        out = sources if part == "sources" else summary
        for item in values.get(part) or ():
            _texts(names, item, out)
    org = values.get(_ORG_FIELD)
    orgs = [n for n in dict.fromkeys((org, *organization_names)) if n and n.strip()]
    found: list[str] = []
    _texts(_NAMES, values, found)
    return {"name": found, "summary": summary, "source_title": list(dict.fromkeys(sources)), "organization": orgs}


def searchable_texts(account: Account, organization_names: tuple[str, ...] = ()) -> list[tuple[str, str, str]]:
    """(where, search column, original text) of everything search finds an account by, walked from the field
    registry: every searchable field of :data:`FIELDS` and of each part in :data:`NESTED` (a new field or part
    is searchable by being there), and the organisation's names — ``organization_names`` are its canonical
    name and aliases, so "PMOI" finds the accounts of the organisation aliased PMOI. Body text comes first,
    names last; a text met twice (the primary source's title, flat and linked) is given once.

    Columns: names and aliases → ``name``; the organisation → ``organization``; the flat ``source_*`` fields
    and the linked sources → ``source_title``; everything else → ``summary``."""
    values = account.values
    body = [(w, "summary", t) for w, t in _field_texts(_BODY, values, "")]
    sources = [(w, "source_title", t) for w, t in _field_texts(_FLAT_SOURCE, values, "")]
    for part, names in _PARTS.items():
        for n, item in enumerate(values.get(part) or (), 1):
            if part == "sources":
                sources += [(w, "source_title", t) for w, t in _field_texts(names, item, f"{part}[{n}].")]
            else:
                body += [(w, "summary", t) for w, t in _field_texts(names, item, f"{part}[{n}].")]
    firsts: dict[str, tuple[str, str, str]] = {}
    for entry in sources:
        firsts.setdefault(entry[2], entry)
    org = values.get(_ORG_FIELD)
    orgs = [(_ORG_FIELD, _ORG_FIELD, n) for n in dict.fromkeys((org, *organization_names)) if n and n.strip()]
    found = [(w, "name", t) for w, t in _field_texts(_NAMES, values, "")]
    return [*body, *firsts.values(), *orgs, *found]
