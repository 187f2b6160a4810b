"""Exports from what SQLite encodes (``Store.query_csv`` cells, ``Store.query_json`` lines) are byte for byte
the exports of the reference path: Accounts from ``Store.query`` through ``to_csv_row`` / ``to_json_dict``,
both written by ``exporters.write_accounts``.

The property stores arbitrary records (any text: controls, NUL, quotes, RTL, astral characters; lists; years;
numbers; dates; nested sources, events and quotes) and then puts the database into states casefile itself
never writes but another tool could: a date's parsed columns without its raw text, lists stored in other
JSON spellings or not as lists, a fractional or textual ``birth_year``, text or infinity in
``years_in_org``, a source link whose source is gone. For each state both paths give the same text, or both
fail (JSON has no infinity; a list that is not one). The CLI tests check that ``export`` takes this path, with
filters, and still writes the reference bytes, also from an encrypted database and when SQLite's JSON quoting
is not Python's.
"""

from __future__ import annotations

import copy
import importlib.util
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casefile import exporters, model
from casefile.model import Account, Filter, FuzzyDate
from casefile.store import Store

from conftest import DATA, private_copy

TEXT = st.one_of(
    st.sampled_from(["=1+1", "-5", "+4", "@x", "\tt", '"q"', "a,b", "l\nb", "c\rr", "\x00nul", "\u202eevil", "\\"]),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=12),  # lone surrogates cannot be stored
)
OPTIONAL = st.none() | TEXT
DATE = st.none() | st.builds(FuzzyDate, TEXT, OPTIONAL, OPTIONAL, OPTIONAL, TEXT, OPTIONAL, OPTIONAL)
NUMBER = st.none() | st.floats(allow_nan=False, allow_infinity=False) | st.integers(-200, 200).map(float)
KIND: dict[str, st.SearchStrategy[Any]] = {
    "text": OPTIONAL,
    "enum": OPTIONAL,
    "multi": st.lists(TEXT, max_size=3),
    "date": DATE,
    "year": st.none() | st.integers(-(10**15), 10**15),
    "number": NUMBER,
}
SOURCE = st.fixed_dictionaries(
    {f.name: DATE if f.kind == "date" else OPTIONAL for f in model.SOURCE_FIELDS if f.name not in ("id", "url")}
)
#: Every part of an event or quote but its id (assigned), its required value (given by fill) and its references
#: (a source; the part a quote supports), which must name what exists.
_FREE = ("id", "type", "text", "source", "supports")
EVENT = st.fixed_dictionaries(
    {f.name: DATE if f.kind == "date" else OPTIONAL for f in model.EVENT_FIELDS if f.name not in _FREE}
)
QUOTE = st.fixed_dictionaries({f.name: OPTIONAL for f in model.QUOTE_FIELDS if f.name not in _FREE})
RECORD = st.fixed_dictionaries(
    {f.name: KIND[f.kind] for f in model.FIELDS if f.kind != "id"},
    optional={
        "sources": st.lists(SOURCE, max_size=3),
        "events": st.lists(st.tuples(TEXT, EVENT), max_size=3),
        "quotes": st.lists(st.tuples(TEXT, QUOTE), max_size=2),
    },
)
#: Stored states only another tool writes: SQL setting one, for the account whose rowid is the last ``?``, and
#: the values for the ``?`` before it (none: the SQL needs no value).
ODD_STATES: list[tuple[str, tuple[Any, ...]]] = [
    ("UPDATE accounts SET joined = NULL, joined_edtf = '1990', joined_note = 'n' WHERE rowid = ?", ()),
    ("UPDATE events SET date = NULL, date_min = '1990-01-01' WHERE account_rowid = ?", ()),
    ("UPDATE sources SET date = NULL, date_precision = 'day' WHERE rowid IN "
     "(SELECT source_rowid FROM account_sources WHERE account_rowid = ?)", ()),
    *((f"UPDATE accounts SET {c} = ? WHERE rowid = ?", (
        '["a","b"]', "[]", "", '["\\u00e9", "\\/"]', '[1, 2.5, 1e5]', '"str"', '{"k": 1}', "null", '[null, true]',
        '["x", ["y"]]', '["tab\\there"]', '["raw\x01control"]', '["a"] ', "[", "5",
    )) for c in model.MULTI_FIELDS),
    ("UPDATE accounts SET birth_year = ? WHERE rowid = ?", (1990.5, 0.1 + 0.2, "c. 1990", 7.0, 1e300)),
    ("UPDATE accounts SET years_in_org = ? WHERE rowid = ?", (
        "about 3", "٣", -0.0, 0.1 + 0.2, 1e16, 1e300, 2.5e-7, float("inf"), 12,
    )),
    ("UPDATE accounts SET name = ?1, summary = ?1 WHERE rowid = ?", ("\x00\x01\x1f\x7f\x85\u2028\ufeff'\"\\,\r\n",)),
    ("UPDATE events SET source_rowid = (SELECT min(rowid) FROM sources) WHERE account_rowid = ?", ()),
    ("UPDATE quotes SET source_rowid = (SELECT max(rowid) FROM sources) WHERE account_rowid = ?", ()),
    ("UPDATE account_sources SET source_rowid = source_rowid + 1e6 WHERE account_rowid = ?", ()),  # source gone
    *((f"UPDATE {t} SET position = 10 - position WHERE account_rowid = ?", ()) for t in ("account_sources", "events",
                                                                                       "quotes")),
]  # fmt: skip
ODD = st.integers(0, len(ODD_STATES) - 1).flatmap(
    lambda i: st.tuples(st.just(i), st.sampled_from(ODD_STATES[i][1] or (None,)), st.integers(0, 3))
)
#: The formats SQLite encodes, and whether the CSV is spreadsheet-safe.
WRITES = (("csv", True), ("csv", False), ("json", True), ("jsonl", True))
FORMATS = ("csv", "json", "jsonl")
FILTERS = [
    Filter(),
    Filter(include_deleted=True, include_restricted=False),
    Filter(only_deleted=True),
    Filter(sort="name", reverse=True, limit=3),
    Filter(text="a"),
]


def reference(store: Store, fmt: str, flt: Filter, safe_csv: bool = True) -> str:
    out = io.StringIO(newline="")
    exporters.write_accounts(fmt, store.query(flt, nested=fmt != "csv"), out, safe_csv=safe_csv)
    return out.getvalue()


def encoded(store: Store, fmt: str, flt: Filter, safe_csv: bool = True) -> str:
    out = io.StringIO(newline="")
    records = store.query_csv(flt) if fmt == "csv" else store.query_json(flt)
    exporters.write_accounts(fmt, records, out, safe_csv=safe_csv)
    return out.getvalue()


def outcome(write: Callable[[], str]) -> str | None:
    """The text written, or None when writing failed: on lists that are not lists both paths fail (the
    reference decodes 500 rows before it encodes any, so the first error it meets can be another one)."""
    try:
        return write()
    except (ValueError, TypeError):
        return None


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, empty_template: Path) -> Iterator[Store]:
    """One database, emptied before each example (a new file each time costs more than the example)."""
    opened = Store.open(private_copy(empty_template, tmp_path_factory.mktemp("export") / "x.db"))
    opened.conn.execute("PRAGMA synchronous = OFF")
    yield opened
    opened.close()


def fill(store: Store, records: list[dict[str, Any]], odd: list[tuple[int, Any, int]]) -> None:
    """Store ``records`` (the last one deleted) and set the ``odd`` states: (state, its value, which account)."""
    conn = store.conn
    conn.execute("PRAGMA foreign_keys = OFF")  # a dangling source link is one of the odd states
    for table in ("account_sources", "events", "quotes", "sources", "accounts"):
        conn.execute(f"DELETE FROM {table}")
    accounts = []
    for n, record in enumerate(records):
        values = copy.deepcopy(record)
        for i, source in enumerate(values.get("sources", [])):
            source["url"] = f"https://example.org/{n}/{i}"  # sources with the same URL are one source
        for part in ("events", "quotes"):
            key = model.REQUIRED_NESTED[part]
            values[part] = [{**item, key: required} for required, item in values.get(part, [])]
        values.update(id=f"{n:016x}", confidentiality=values.get("confidentiality") or "internal")
        if values.get("external_id") is not None:
            values["external_id"] += f"#{n}"  # unique
        accounts.append(Account(values))
    with store.transaction():
        store.insert(accounts, "2026-01-01T00:00:00Z")
    rowids = [r[0] for r in conn.execute("SELECT rowid FROM accounts ORDER BY rowid")]
    conn.execute("UPDATE accounts SET deleted_at = '2026-01-02T00:00:00Z' WHERE rowid = ?", (rowids[-1],))
    for state, value, which in odd:  # behind casefile's back: its search index would not take them
        sql, values = ODD_STATES[state]
        conn.execute(sql, (*((value,) if values else ()), rowids[which % len(rowids)]))
    conn.execute("DELETE FROM temp.search_touched")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(RECORD, min_size=1, max_size=4),
    st.lists(ODD, max_size=4),
    st.sampled_from(FILTERS),
)
def test_sqlite_writes_the_reference_bytes(store: Store, records: list[dict[str, Any]], odd: Any, flt: Filter) -> None:
    fill(store, records, odd)
    assert store.writes_json()
    for fmt, safe_csv in WRITES:
        expected = outcome(lambda: reference(store, fmt, flt, safe_csv))  # noqa: B023 - called at once
        assert outcome(lambda: encoded(store, fmt, flt, safe_csv)) == expected, (fmt, safe_csv)  # noqa: B023


FULL = {
    "name": "Zoë",
    "aliases": ["a", 'b"'],
    "joined": FuzzyDate("1990", "1990", "1990-01-01", "1990-12-31", "year"),
    "sources": [{"title": "t", "date": FuzzyDate("May 2001")}, {"title": "u"}],
    "events": [("joined", {"place": "p"}), ("left", {"date": FuzzyDate("2001")})],
    "quotes": [("q1", {}), ("q2", {"speaker": "s"})],
}


@pytest.mark.parametrize(
    ("state", "value"), [(i, v) for i, (_, values) in enumerate(ODD_STATES) for v in values or (None,)]
)
def test_each_odd_state(store: Store, state: int, value: Any) -> None:
    fill(store, [FULL, FULL, {}, {}], [(state, value, 0), (state, value, 1)])  # one without parts, one deleted
    for flt in (Filter(), Filter(sort="name")):
        for fmt, safe_csv in WRITES:
            assert outcome(lambda: encoded(store, fmt, flt, safe_csv)) == outcome(  # noqa: B023
                lambda: reference(store, fmt, flt, safe_csv)  # noqa: B023
            ), (fmt, safe_csv)


def test_the_lines_are_the_encoder_s_and_json(store: Store) -> None:
    values = {"name": "Zoë", "aliases": ["a", 'b"'], "years_in_org": 34.0, "sources": [{"title": "t"}]}
    fill(store, [values, {}], [])  # the last one is deleted
    lines = list(store.query_json(Filter()))
    assert lines == [json.dumps(model.to_json_dict(a), ensure_ascii=False) for a in store.query(Filter(), nested=True)]
    assert json.loads(lines[0])["years_in_org"] == 34 and '"years_in_org": 34,' in lines[0]
    assert list(store.query_csv(Filter())) == [model.to_csv_row(a) for a in store.query(Filter())]


# ------------------------------------------------------------------------------------------------ the command


def cli_bytes(cli: Any, *args: str) -> bytes:
    result = cli("export", *args)
    assert result.exit_code == 0, result.stderr
    return bytes(result.stdout_bytes)


def reference_bytes(db: Path, fmt: str, flt: Filter, safe_csv: bool = True, key: str | None = None) -> bytes:
    store = Store.open(db, key=key)
    try:
        return reference(store, fmt, flt, safe_csv).encode()
    finally:
        store.close()


OPTIONS = [
    ([], Filter(include_restricted=False)),
    (["--include-restricted"], Filter()),
    (["--include-deleted", "--include-restricted"], Filter(include_deleted=True)),
    (["--org", "MEK"], Filter(org=["MEK"], include_restricted=False)),
    (["--tag", "pow", "--include-restricted"], Filter(tags=["pow"])),
]


@pytest.mark.parametrize(("flags", "flt"), OPTIONS)
def test_export_writes_the_reference_bytes(cli, seeded: Path, monkeypatch, flags: list[str], flt: Filter) -> None:
    assert cli("delete", "DEMO-0002", "--yes").exit_code == 0
    expected = {(fmt, safe): reference_bytes(seeded, fmt, flt, safe) for fmt in FORMATS for safe in (1, 0)}

    def no_accounts(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("export built Accounts where SQLite writes the records")

    monkeypatch.setattr(Store, "query", no_accounts)
    for fmt in FORMATS:
        assert cli_bytes(cli, "--format", fmt, *flags) == expected[fmt, 1], fmt
    assert cli_bytes(cli, "--format", "csv", "--raw-csv", *flags) == expected["csv", 0]


def test_without_python_s_json_quoting_the_accounts_are_encoded(cli, seeded: Path, monkeypatch) -> None:
    expected = {fmt: reference_bytes(seeded, fmt, Filter()) for fmt in ("json", "jsonl")}
    monkeypatch.setattr(Store, "query_json", lambda *a: pytest.fail("query_json used without writes_json"))
    monkeypatch.setattr(Store, "writes_json", lambda self: False)
    for fmt in ("json", "jsonl"):
        assert cli_bytes(cli, "--format", fmt, "--include-restricted") == expected[fmt]


def test_writes_json_is_false_when_sqlite_quotes_otherwise(seeded: Path) -> None:
    store = Store.open(seeded)
    try:
        store.conn.create_function("json_quote", 1, lambda value: json.dumps(value))  # ensure_ascii
        assert not store.writes_json()
    finally:
        store.close()


@pytest.mark.skipif(importlib.util.find_spec("sqlcipher3") is None, reason="sqlcipher3 is not installed")
def test_an_encrypted_database_exports_the_reference_bytes(cli, db: Path, monkeypatch) -> None:
    key = "k3y 'quoted'"
    monkeypatch.setenv("CASEFILE_KEY", key)
    assert cli("init", "--encrypted").exit_code == 0
    assert cli("import", DATA / "accounts.json").exit_code == 0
    for fmt in FORMATS:
        assert cli_bytes(cli, "--format", fmt, "--include-restricted") == reference_bytes(db, fmt, Filter(), key=key)
