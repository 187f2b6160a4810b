"""The SQLite store: the only module that speaks SQL.

Opening a store checks the path, the file's permissions and its schema version, applies pending
migrations, and sets the pragmas casefile relies on (rollback journal, ``synchronous=FULL``, a busy
timeout, foreign keys, ``secure_delete``). Every write happens inside :meth:`Store.transaction`, a
``BEGIN IMMEDIATE`` … ``COMMIT`` that rolls back on any exception, Ctrl-C included.

Reads use the standard library's ``sqlite3`` connection directly: importing sqlite-utils costs more
than a whole ``casefile show``, so it is only imported when migrations have to run.
"""

from __future__ import annotations

import datetime as _dt
import functools
import itertools
import json
import os
import re
import secrets
import sqlite3
import stat
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import interrupts, model
from .errors import (
    CasefileError,
    DatabaseBusy,
    DatabaseError,
    DiskFull,
    KeyNeeded,
    MergedAway,
    NotFound,
    UsageError,
    quote,
)
from .model import Account, Filter, FuzzyDate
from .paths import make_private_folder
from .text import fold, index_form, loose_key, translit_key, words

MIGRATION_SET = "casefile"
BUSY_TIMEOUT_ENV = "CASEFILE_BUSY_TIMEOUT"
DEFAULT_BUSY_TIMEOUT = 5.0
MAX_BUSY_TIMEOUT = 3600.0  # an hour: longer is a hung command, not a busy database
#: Test hook, not a user setting: cap the database at this many pages (``PRAGMA max_page_count``) so tests
#: can fill the "disk" at will and prove a full disk rolls back cleanly (docs/RELIABILITY.md).
MAX_PAGE_COUNT_ENV = "CASEFILE_MAX_PAGE_COUNT"
PAGE_SIZE = 32768  # ~2.2 KB accounts: 8 KiB pages left the file 1.38x the CSV, 32 KiB 1.21x (docs/PERFORMANCE.md)

_SELECT_COLUMNS = "rowid, " + ", ".join(f'"{c}"' for c in model.ACCOUNT_COLUMNS)
_FIELD_COLUMNS = tuple(c for f in model.FIELDS for c in f.columns())
_SAVED = "the changes to the database"
_TEXT_SEARCH_COLUMNS = ("name", "aliases", "organization", "summary", "source_title")


def now() -> str:
    """Timestamps are UTC ISO 8601 with seconds, e.g. ``2026-11-30T02:20:09Z``."""
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_id() -> str:
    """16 random hex digits: never reused in practice (2⁶⁴ values), short prefixes stay unique."""
    return secrets.token_hex(8)


def _busy_timeout() -> float:
    """``CASEFILE_BUSY_TIMEOUT`` in seconds (empty or unset: the default). Anything but a number from 0 to
    3600 is refused, not replaced: ``inf`` and ``nan`` crashed, ``-1`` and ``1e20`` gave up at once and
    ``abc`` silently meant 5 s."""
    raw = os.environ.get(BUSY_TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_BUSY_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not 0 <= value <= MAX_BUSY_TIMEOUT:  # nan too
        shown = raw if len(raw) <= 40 else raw[:40] + "…"
        raise UsageError(
            f"{BUSY_TIMEOUT_ENV} must be a number from 0 to {MAX_BUSY_TIMEOUT:g} seconds (got {shown!r}); "
            "nothing was written"
        )
    return value


def database_errors() -> tuple[type[Exception], ...]:
    """The exception classes a database call can raise: the standard library's, and SQLCipher's own (sqlcipher3
    does not derive from sqlite3) once an encrypted database has been opened."""
    cipher = sys.modules.get("sqlcipher3")
    return (sqlite3.Error, cipher.Error) if cipher is not None else (sqlite3.Error,)


def _map_sqlite_error(exc: Exception, path: Path | None = None) -> CasefileError:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return DatabaseBusy(
            "database is busy: another casefile command kept it locked for longer than "
            f"{_busy_timeout():g} s; nothing was written, try again"
        )
    if interrupts.file_size_limit_reached and ("disk i/o" in text or "full" in text):
        return DatabaseError(
            f"file size limit (ulimit -f) reached{f' while writing {path}' if path else ''}; nothing was changed"
        )
    if "disk is full" in text or "disk i/o" in text and "full" in text:
        return DiskFull("disk full: nothing was written; free some space and try again")
    if "not a database" in text or "malformed" in text:
        return DatabaseError("the database file is damaged or not a casefile database; run `casefile doctor`")
    if "readonly" in text or "read-only" in text:
        return DatabaseError("the database is read-only; check the file's permissions")
    return DatabaseError(f"database error: {type(exc).__name__}")


# ---------------------------------------------------------------------------------------------- rows


#: (field name, kind, number of columns) for each field, in column order.
_CONVERTERS: list[tuple[str, str, int]] = [(f.name, f.kind, len(f.columns())) for f in model.FIELDS]


def _load_multi(raw: str | None) -> Any:
    """A stored multi-valued column as the list it holds (``[]`` when there is none)."""
    return json.loads(raw) if raw else []


def row_to_account(row: Sequence[Any]) -> Account:
    """An account from a row of ``SELECT _SELECT_COLUMNS`` (rowid first)."""
    values: dict[str, Any] = {}
    i = 1
    for name, kind, width in _CONVERTERS:
        raw = row[i]
        if kind == "date":
            values[name] = FuzzyDate(raw, *row[i + 1 : i + width]) if raw is not None else None
        elif kind == "multi":
            values[name] = _load_multi(raw)
        else:
            values[name] = raw
        i += width
    return Account(values, created_at=row[i], updated_at=row[i + 1], deleted_at=row[i + 2], rowid=row[0])


#: ``json.dumps(value, ensure_ascii=False)`` without building an encoder for every call (bulk imports).
_encode_multi = json.JSONEncoder(ensure_ascii=False).encode
_NO_DATE = (None,) * 7


def account_to_row(account: Account) -> list[Any]:
    """The field columns of an account, in :data:`_FIELD_COLUMNS` order."""
    out: list[Any] = []
    append, extend = out.append, out.extend
    get = account.values.get
    for name, kind, _width in _CONVERTERS:
        value = get(name)
        if kind == "date":
            if value is None:
                extend(_NO_DATE)
            else:
                extend((value.raw, value.edtf, value.min, value.max, value.precision, value.corrected, value.note))
        elif kind == "multi":
            append(_encode_multi(value) if value else None)
        else:
            append(value)
    return out


# ------------------------------------------------------------------------------------------- filters


def _rows_in(conn: sqlite3.Connection, sql: str, values: Sequence[Any], size: int = 500) -> Iterator[Any]:
    """The rows of ``sql`` for every value in ``values``, where ``{marks}`` in ``sql`` stands for an IN list:
    a chunk of ``size`` values per statement, as SQLite caps the variables one statement may take."""
    for start in range(0, len(values), size):
        chunk = list(values[start : start + size])
        yield from conn.execute(sql.format(marks=", ".join("?" * len(chunk))), chunk)


def merged_text(chain: Sequence[tuple[str, str, str]]) -> str:
    """``account B was merged into A on 2026-11-30`` (``, and A into Z on …`` along a chain): how a message
    says where a merged-away id went."""
    (first, into, when), *rest = chain
    return f"account {first} was merged into {into} on {when[:10]}" + "".join(
        f", and {old} into {new} on {stamp[:10]}" for old, new, stamp in rest
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def check_field(name: str, allowed: Sequence[str], what: str = "field") -> str:
    """Refuse a user-supplied field name before any SQL exists; the message lists the allowed names."""
    if name not in allowed:
        raise UsageError(f"unknown {what} {quote(name)}; choose one of: {', '.join(allowed)}")
    return name


def filter_sql(flt: Filter) -> tuple[str, list[Any]]:
    """``WHERE`` clause (possibly empty) and its bound parameters for a filter. Columns are qualified with
    ``accounts.`` so the clause also works in a join (``search`` joins ``accounts_fts``)."""
    where: list[str] = []
    params: list[Any] = []
    if flt.only_deleted:
        where.append("accounts.deleted_at IS NOT NULL")
    elif not flt.include_deleted:
        where.append("accounts.deleted_at IS NULL")
    if not flt.include_restricted:
        where.append("accounts.confidentiality != 'restricted'")
    if flt.ids:
        where.append("accounts.id IN (" + ", ".join("?" for _ in flt.ids) + ")")
        params.extend(flt.ids)
    if flt.org:
        where.append("(" + " OR ".join("accounts.organization = ? COLLATE NOCASE" for _ in flt.org) + ")")
        params.extend(flt.org)
    for column, values in (("tags", flt.tags), ("reasons", flt.reasons), ("allegations", flt.allegations)):
        for value in values:
            where.append(f"EXISTS (SELECT 1 FROM json_each(accounts.{column}) WHERE value = ?)")
            params.append(value)
    if flt.exit_types:
        where.append("accounts.exit_type IN (" + ", ".join("?" for _ in flt.exit_types) + ")")
        params.extend(flt.exit_types)
    if flt.since:
        where.append("accounts.left_max >= ?")
        params.append(flt.since)
    if flt.until:
        where.append("accounts.left_min <= ?")
        params.append(flt.until)
    if flt.text:
        pattern = f"%{_escape_like(flt.text)}%"
        where.append("(" + " OR ".join(f"accounts.{c} LIKE ? ESCAPE '\\'" for c in _TEXT_SEARCH_COLUMNS) + ")")
        params.extend([pattern] * len(_TEXT_SEARCH_COLUMNS))
    return (" WHERE " + " AND ".join(where) if where else ""), params


def order_sql(flt: Filter) -> str:
    if flt.sort is None:
        return " ORDER BY accounts.rowid" + (" DESC" if flt.reverse else "")
    f = model.FIELD_BY_NAME[check_field(flt.sort, model.SORTABLE, "sort field")]
    column = f"{f.name}_min" if f.kind == "date" else f.name
    direction = "DESC" if flt.reverse else "ASC"
    return f' ORDER BY accounts."{column}" {direction}, accounts.rowid {direction}'


# -------------------------------------------------------------------------------------- nested parts


def _columns_of(fields: tuple[model.Field, ...], skip: tuple[str, ...] = ()) -> list[str]:
    return [c for f in fields if f.name not in skip for c in f.columns()]


_SOURCE_LINK_PARTS = ("id", "role", "locator", "reliability", "credibility")
_SOURCE_COLUMNS = _columns_of(model.SOURCE_FIELDS, _SOURCE_LINK_PARTS)
_EVENT_COLUMNS = _columns_of(model.EVENT_FIELDS, ("source",))
_QUOTE_COLUMNS = _columns_of(model.QUOTE_FIELDS, ("source",))
#: Flat account column → the SQL expression giving it from a primary link ``l`` and its source ``s``.
_FLAT_FROM_LINK = {
    "source_title": "s.title",
    "source_url": "s.url",
    "source_publisher": "s.publisher",
    **{f"source_{c}": f"s.{c}" for c in ("date", *(f"date_{p}" for p in model.DATE_PARTS))},
    "source_reliability": "l.reliability",
    "source_credibility": "l.credibility",
}
#: Where each part's rows come from: the table holding their account_rowid and position, its alias, the join.
_NESTED_FROM = {
    "sources": ("account_sources", "l", "JOIN sources s ON s.rowid = l.source_rowid"),
    "events": ("events", "e", "LEFT JOIN sources s ON s.rowid = e.source_rowid"),
    "quotes": ("quotes", "q", "LEFT JOIN sources s ON s.rowid = q.source_rowid"),
}
#: The columns of each part's rows, in _NESTED_ORDER order (a date's raw text, then its six parsed columns).
_NESTED_COLUMNS = {
    "sources": ["s.id", *(f"s.{c}" for c in _SOURCE_COLUMNS), "l.role", "l.locator", "l.reliability", "l.credibility"],
    "events": [*(f"e.{c}" for c in _EVENT_COLUMNS), "s.id"],
    "quotes": [*(f"q.{c}" for c in _QUOTE_COLUMNS), "s.id"],
}
_NESTED_SELECT = {
    part: f"SELECT {a}.account_rowid, {', '.join(_NESTED_COLUMNS[part])} FROM {table} {a} {join} "
    f"WHERE {a}.account_rowid IN ({{marks}}) ORDER BY {a}.account_rowid, {a}.position"
    for part, (table, a, join) in _NESTED_FROM.items()
}
#: The order of the parts in each _NESTED_SELECT row (after account_rowid).
_NESTED_ORDER = {
    "sources": [
        "id",
        *[f.name for f in model.SOURCE_FIELDS if f.name not in _SOURCE_LINK_PARTS],
        "role",
        "locator",
        "reliability",
        "credibility",
    ],
    "events": [*[f.name for f in model.EVENT_FIELDS if f.name != "source"], "source"],
    "quotes": [*[f.name for f in model.QUOTE_FIELDS if f.name != "source"], "source"],
}


def _nested_item(part: str, row: Sequence[Any]) -> dict[str, Any]:
    fields = {f.name: f for f in model.NESTED[part]}
    item: dict[str, Any] = {}
    i = 0
    for name in _NESTED_ORDER[part]:
        if fields[name].kind == "date":
            item[name] = FuzzyDate(row[i], *row[i + 1 : i + 7]) if row[i] is not None else None
            i += 7
        else:
            item[name] = row[i]
            i += 1
    return item


def _nested_row(part: str, item: dict[str, Any], fields: Sequence[model.Field] | None = None) -> list[Any]:
    """The stored columns of a nested item, in _SOURCE/_EVENT/_QUOTE_COLUMNS order (no links, no source ref),
    or of just the ``fields`` given."""
    skip = _SOURCE_LINK_PARTS if part == "source" else ("source",)
    if fields is None:
        fields = [f for f in (model.SOURCE_FIELDS if part == "source" else model.NESTED[part]) if f.name not in skip]
    out: list[Any] = []
    for f in fields:
        value = item.get(f.name)
        if f.kind == "date":
            out.extend((value.raw, *value.parts().values()) if value is not None else (None,) * 7)
        else:
            out.append(value)
    return out


# ----------------------------------------------------------------------------- exports written by SQLite
#
# Building an Account per row only to flatten or encode it again cost most of an export's time (E1, E2 in
# docs/PERFORMANCE.md). Store.query_csv and Store.query_json give the same cells and lines from SQL instead.
#
# CSV: SQLite gives the cells that are stored as they are written (text, codes, a date's raw text); Python
# formats the multi-valued lists (decoded as row_to_account does; repeated lists cached) and the numbers.


@functools.lru_cache(maxsize=4096)
def _csv_multi(raw: str | None) -> str:
    """A stored multi-valued column as to_csv_row writes it."""
    value = _load_multi(raw)
    return "" if value is None else f"{model.MULTI_SEPARATOR} ".join(value)


def _csv_number(value: Any) -> str:
    return "" if value is None else model.format_number(value)


def _csv_select() -> tuple[str, tuple[tuple[int, Callable[[Any], str]], ...]]:
    """The columns of :meth:`Store.query_csv`'s rows, and the cells Python formats (index, function)."""
    columns: list[str] = []
    formatters: list[tuple[int, Callable[[Any], str]]] = []
    for n, f in enumerate(model.FIELDS):
        column = f'accounts."{f.name}"'  # a date's raw text
        if f.multi or f.kind in ("number", "year"):
            formatters.append((n, _csv_multi if f.multi else _csv_number))
            columns.append(column)
        else:
            columns.append(f"coalesce({column}, '')")
    return ", ".join(columns), tuple(formatters)


_CSV_SELECT, _CSV_FORMATTERS = _csv_select()


# JSON: SQLite quotes every string with json_quote (Python json's escapes with ensure_ascii=False;
# Store.writes_json checks this SQLite's) and joins the members with json's ", " and ": ". Python formats
# years_in_org (34.0 is written 34, other floats as repr writes them) and checks that each multi-valued column
# holds the text _JSON writes for its list, as account_to_row stores it; a row where one does not, or with a
# fractional birth_year, is encoded from its Account as before.

#: The settings of exporters.json's encoder.
_JSON = json.JSONEncoder(ensure_ascii=False, allow_nan=False)
#: Text SQLite must quote exactly as _JSON does for query_json to apply: every ASCII control, quotes,
#: backslashes, DEL, C1, line/paragraph separators, bidi controls, a BOM and an astral character.
_JSON_PROBE = "".join(map(chr, range(0x80))) + "\x85\xa0\u2028\u2029\u200c\u202e\ufeff\U0001f600 '%s"


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _printf(template: str, values: Sequence[str]) -> str:
    return f"printf({_sql_string(template)}, {', '.join(values)})"


def _json_members(members: Sequence[tuple[str, str]], before: str, after: str) -> str:
    """SQL writing ``before``, the members (key, SQL giving the value's JSON text) as _JSON joins them, ``after``."""
    assert all(key.isidentifier() for key, _ in members)  # nothing to escape for SQL, printf or JSON
    return _printf(before + ", ".join(f'"{key}": %s' for key, _ in members) + after, [v for _, v in members])


def _json_value(f: model.Field, columns: Sequence[str]) -> str:
    """SQL giving the JSON text of a field's value from its stored ``columns``. A date's is its raw text and
    then its six parsed members, all null when the raw text is (row_to_account makes no date then)."""
    if f.kind == "date":  # || is cheaper than printf for these short texts
        keys = [f"{f.name}_{p}" for p in model.DATE_PARTS]
        nulls = "null" + "".join(f', "{key}": null' for key in keys)
        members = [f"json_quote({columns[0]})"]
        members.extend(
            f"""{_sql_string(f', "{key}": ')} || json_quote({c})""" for key, c in zip(keys, columns[1:], strict=True)
        )
        return f"CASE WHEN {columns[0]} IS NULL THEN {_sql_string(nulls)} ELSE {' || '.join(members)} END"
    if f.multi:
        return f"coalesce({columns[0]}, '[]')"  # the stored text, which query_json checks
    return f"json_quote({columns[0]})"


def _json_part(part: str) -> str:
    """SQL giving the JSON array of an account's ``part`` (sources, events or quotes): the items attach_nested
    loads (the same joins, in the same order) as nested_to_json + _JSON write them."""
    fields = {f.name: f for f in model.NESTED[part]}
    columns = iter(_NESTED_COLUMNS[part])
    stored = {name: [next(columns) for _ in fields[name].columns()] for name in _NESTED_ORDER[part]}
    item = _json_members([(f.name, _json_value(f, stored[f.name])) for f in model.NESTED[part]], "{", "}")
    table, a, join = _NESTED_FROM[part]
    items = (
        f"SELECT group_concat(item, ', ') FROM (SELECT {item} AS item FROM {table} {a} {join} "
        f"WHERE {a}.account_rowid = accounts.rowid ORDER BY {a}.position)"
    )
    # most accounts have no events or quotes: EXISTS says so for half the cost of the aggregate
    return (
        f"CASE WHEN EXISTS (SELECT 1 FROM {table} WHERE account_rowid = accounts.rowid) "
        f"THEN '[' || coalesce(({items}), '') || ']' ELSE '[]' END"
    )


#: The one number field, years_in_org: Python writes its value in query_json's lines.
(_NUMBER,) = (f.name for f in model.FIELDS if f.kind == "number")


def _json_select() -> str:
    """The columns of :meth:`Store.query_json`'s rows: the text before the number's value, the value, the text
    after it; whether a year is fractional; the rowid; the multi-valued columns as stored."""
    members = [(f.name, _json_value(f, [f'accounts."{c}"' for c in f.columns()])) for f in model.FIELDS]
    split = model.FIELD_NAMES.index(_NUMBER)
    head = _json_members(members[:split], "{", f', "{_NUMBER}": ')
    tail = _json_members([*members[split + 1 :], *((part, _json_part(part)) for part in model.NESTED)], ", ", "}")
    fractional = " OR ".join(f"typeof(accounts.\"{f.name}\") = 'real'" for f in model.FIELDS if f.kind == "year")
    multi = ", ".join(f'accounts."{name}"' for name in model.MULTI_FIELDS)
    return f'{head}, accounts."{_NUMBER}", {tail}, {fractional}, accounts.rowid, {multi}'


_JSON_SELECT = _json_select()
#: What _JSON writes for a list of strings that need no escapes: most stored lists, known without decoding them.
_PLAIN_JSON_LIST = re.compile(r'\["[^"\\\x00-\x1f]*"(?:, "[^"\\\x00-\x1f]*")*\]')


def _is_json_list(raw: str | None) -> bool:
    """Whether a stored multi-valued column holds the text to_json_dict + _JSON write for it (None: ``[]``)."""
    if raw is None or _PLAIN_JSON_LIST.fullmatch(raw):
        return True
    try:
        return bool(_JSON.encode(list(_load_multi(raw) or [])) == raw)
    except (ValueError, TypeError):  # not a list: the Account's encoding fails the same way
        return False


def _json_number(value: Any) -> str:
    """``years_in_org`` as to_json_dict + _JSON write it: an integral float as an integer, NaN/inf refused."""
    if value is None:
        return "null"
    if type(value) is float and value.is_integer():
        return int.__repr__(int(value))  # what json writes for int(value)
    return _JSON.encode(value)


# -------------------------------------------------------------------------------------------- search

#: The text behind one account's search entry: names, body (summary, quotes, events) and source titles.
_DOC_SQL = (
    "SELECT a.rowid, a.name, a.aliases, a.summary, a.source_title, "
    "(SELECT group_concat(q.text || coalesce(char(10) || q.translation, ''), char(10)) FROM quotes q "
    "WHERE q.account_rowid = a.rowid), "
    "(SELECT group_concat(coalesce(e.description, '') || coalesce(char(10) || e.place, ''), char(10)) FROM events e "
    "WHERE e.account_rowid = a.rowid), "
    "(SELECT group_concat(s.title, char(10)) FROM account_sources l JOIN sources s ON s.rowid = l.source_rowid "
    "WHERE l.account_rowid = a.rowid) "
    "FROM accounts a WHERE a.rowid IN ({marks})"
)


#: What is indexed for accounts (see m003_search_index: a NULL in accounts_fts_docs is the accounts column).
_INDEXED_SQL = (
    "SELECT d.rowid, coalesce(d.name, a.name, ''), coalesce(d.summary, a.summary, ''), "
    "coalesce(d.source_title, a.source_title, '') FROM accounts_fts_docs d LEFT JOIN accounts a ON a.rowid = d.rowid "
    "WHERE d.rowid IN ({marks})"
)


@functools.lru_cache(maxsize=4096)
def _name_terms(name: str) -> tuple[str, frozenset[str]]:
    """A name's index form and the romanisation keys of its words (cached: names recur in bulk imports)."""
    return index_form(name), frozenset(k for w in words(name) if (k := translit_key(w)) != w)


def _search_doc(row: Sequence[Any]) -> tuple[str, str, str]:
    """What ``accounts_fts`` indexes for one row of :data:`_DOC_SQL`: (names, body, source titles), folded.

    The names column also holds the transliteration key of each Latin word that has one (Hassan → hasan),
    so a search for one romanisation finds the others."""
    _rowid, name, aliases, summary, flat_title, quotes, events, titles = row
    names = [_name_terms(n) for n in (name, *(json.loads(aliases) if aliases else ())) if n]
    keys = sorted({k for _, name_keys in names for k in name_keys})
    name_doc = "\n".join([*(form for form, _ in names), *keys])
    body = index_form("\n".join(t for t in (summary, quotes, events) if t))
    seen = dict.fromkeys(t for t in (flat_title, *(titles.split("\n") if titles else ())) if t)
    return name_doc, body, index_form("\n".join(seen))


# --------------------------------------------------------------------------------------------- stats


def _year(field: str) -> str:
    """The year a date says: the written year when it names one (``2008``, ``around 2008``, ``March
    2016``), else the span of possible years (``1997–1999``); NULL when the year is unknown."""
    c = f"accounts.{field}"
    return (
        f"CASE WHEN {c}_min IS NULL THEN NULL "
        f"WHEN {c}_precision IN ('day', 'month', 'season', 'year') AND {c}_edtf GLOB '[0-9][0-9][0-9][0-9]*' "
        f"THEN substr({c}_edtf, 1, 4) "
        f"WHEN substr({c}_min, 1, 4) = substr({c}_max, 1, 4) THEN substr({c}_min, 1, 4) "
        f"ELSE substr({c}_min, 1, 4) || '–' || substr({c}_max, 1, 4) END"
    )


#: ``stats`` dimensions: name → (FROM clause joined to accounts, value expression). Multi-valued ones join
#: a row per value; an account counts once per distinct value.
STATS_DIMENSIONS: dict[str, tuple[str, str]] = {
    "organization": ("", "accounts.organization"),
    "exit_year": ("", _year("left")),
    "joined_year": ("", _year("joined")),
    "reason": (" LEFT JOIN json_each(accounts.reasons) AS j", "j.value"),
    "reason_factor": (
        " LEFT JOIN json_each(accounts.reasons) AS j LEFT JOIN factors AS f ON f.code = j.value",
        "f.grp",
    ),
    "allegation": (" LEFT JOIN json_each(accounts.allegations) AS j", "j.value"),
    "exit_type": ("", "accounts.exit_type"),
    "nationality": ("", "accounts.nationality"),
    "gender": ("", "accounts.gender"),
    "source_reliability": ("", "accounts.source_reliability"),
    "publisher_type": (
        " LEFT JOIN account_sources AS l ON l.account_rowid = accounts.rowid LEFT JOIN sources AS s ON "
        "s.rowid = l.source_rowid",
        "s.publisher_type",
    ),
}


# --------------------------------------------------------------------------------------------- audit


@dataclass(frozen=True)
class AuditKind:
    """A kind of record the audit log follows: its main table, the child tables holding its parts (with the
    column naming the main row), and the columns that name it for people."""

    name: str
    table: str
    children: tuple[tuple[str, str], ...]
    label: tuple[str, ...]


#: In the order entries are written (undo walks them backwards: accounts first, then what they refer to).
AUDITED: tuple[AuditKind, ...] = (
    AuditKind("vocabulary", "vocabulary", (), ("vocabulary", "code")),
    AuditKind("organization", "organizations", (("organization_names", "organization_rowid"),), ("name",)),
    AuditKind("source", "sources", (), ("id",)),
    AuditKind(
        "account",
        "accounts",
        (("account_sources", "account_rowid"), ("events", "account_rowid"), ("quotes", "account_rowid")),
        ("id",),
    ),
    AuditKind("redirect", "account_redirects", (), ("old_id",)),
)
AUDIT_KIND: dict[str, AuditKind] = {k.name: k for k in AUDITED}
#: What a child table is called in a diff.
_PART_NAMES = {"account_sources": "sources", "events": "events", "quotes": "quotes", "organization_names": "names"}
#: Columns a diff leaves out: the row's key and timestamps every change moves.
_DIFF_SKIP = frozenset({"rowid", "created_at", "updated_at"})
_JSON_COLUMNS = frozenset(model.MULTI_FIELDS)


@dataclass
class Change:
    """One record a transaction changed, as the audit log records it. ``before`` is the record's rows as they
    were ({table: [row]}, empty values left out), ``diff`` maps each changed column or part to [before, after]."""

    kind: str
    rid: int
    record_id: str
    action: str  # update, delete, restore, remove, purge (creates are written by SQL alone)
    before: dict[str, list[dict[str, Any]]] | None
    diff: dict[str, Any] | None


def _label(kind: AuditKind, row: dict[str, Any]) -> str:
    return ":".join(str(row.get(c)) for c in kind.label)


def _compact(rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    return {t: [{k: v for k, v in r.items() if v is not None} for r in rs] for t, rs in rows.items()}


def _json_or_none(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# --------------------------------------------------------------------------------------------- store


@dataclass
class WriteCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    ids: list[str] = field(default_factory=list)
    new_organizations: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class Store:
    """An open casefile database."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.conn = conn
        self.path = path
        self._depth = 0  # nesting of transaction(): only the outermost one commits
        self._tracking = False  # whether the temp triggers feeding temp.search_touched exist
        self._accounts_start = 0  # the highest account rowid when the open transaction began
        self._matchers: dict[str, Any] = {}  # organisation match key → its difflib.SequenceMatcher
        #: Who and which command the audit log names for this store's writes (``audit.current_actor()`` if unset).
        self.actor: str | None = None
        self.command: str | None = None
        #: Set by undo: the batch the next transaction reverts.
        self.undoes: str | None = None
        #: The id of the audit batch the last committed transaction wrote (None when it changed nothing).
        self.last_batch: str | None = None
        self._audit_ready = False
        self._columns: dict[str, tuple[str | None, list[str]]] = {}
        self.encrypted = False
        self._key: str | None = None  # an encrypted database's key: its backups are encrypted with it too

    # -- opening ------------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, *, create: bool = False, migrate: bool = True, key: str | None = None) -> Store:
        """Open (``create=True``: create if missing) the database at ``path`` and bring its schema up to date
        (``migrate=False``: leave it as it is, for ``doctor``).

        With ``key`` the database is an SQLCipher one (the ``encrypted`` extra): opened with that key, or made
        encrypted if it is new. Without one, an encrypted file is refused with a message saying so."""
        path = Path(path)
        _busy_timeout()  # a bad setting is refused before anything is created
        if not path.exists():
            if not create:
                raise NotFound(f"no database at {path}; create one with `casefile init` or pass --db")
            _create_private_file(path)
        elif path.is_dir():
            raise DatabaseError(f"{path} is a folder, not a database file")
        fresh = path.stat().st_size == 0  # ours or another command's that is creating it right now
        if key is not None and not fresh and not is_encrypted(path):
            key = None  # a plain database: a key in the environment does not apply to it
        if key is None and is_encrypted(path):
            raise KeyNeeded(f"{path} is encrypted; give its key with CASEFILE_KEY or --key-file, or type it when asked")
        try:
            conn = _connect(path, key)
        except database_errors() as exc:
            raise _map_sqlite_error(exc) from exc
        store = cls(conn, path)
        store.encrypted = key is not None
        store._key = key
        try:
            if key is not None:
                _check_key(conn, path)
            store._configure(fresh)
            if migrate:
                store._migrate()
        except database_errors() as exc:
            conn.close()
            raise _map_sqlite_error(exc) from exc
        except BaseException:
            conn.close()
            raise
        return store

    def _configure(self, fresh: bool) -> None:
        conn = self.conn
        conn.execute(f"PRAGMA busy_timeout = {int(_busy_timeout() * 1000)}")
        if fresh and not self.encrypted:  # SQLCipher keeps its own page size, which every open must match
            conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "delete":
            conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA secure_delete = ON")
        cap = os.environ.get(MAX_PAGE_COUNT_ENV, "")
        if cap.isascii() and cap.isdigit():
            conn.execute(f"PRAGMA max_page_count = {int(cap)}")

    def applied_migrations(self) -> list[str]:
        exists = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlite_migrations'"
        ).fetchone()
        if not exists:
            return []
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid", (MIGRATION_SET,)
            )
        ]

    def schema_status(self) -> tuple[list[str], list[str]]:
        """(schema steps this casefile knows but the file lacks, steps the file has that it does not know)."""
        from .migrations import migrations

        known = [m.name for m in migrations._migrations]
        applied = self.applied_migrations()
        return [n for n in known if n not in applied], [n for n in applied if n not in known]

    def _migrate(self) -> None:
        from .migrations import migrations

        known = [m.name for m in migrations._migrations]
        applied = self.applied_migrations()
        unknown = [name for name in applied if name not in known]
        if unknown:
            raise DatabaseError(
                f"{self.path} was written by a newer casefile (schema step {unknown[-1]!r}); upgrade casefile to use it"
            )
        if len(applied) == len(known):
            return
        import sqlite_utils

        # One BEGIN IMMEDIATE transaction for every pending step: a failing step leaves the schema as it
        # was and the step pending, and of several commands opening an old (or brand-new) file at once,
        # one migrates while the others wait for it and then find nothing left to do. So steps must be
        # transactional (sqlite_utils' ``transactional=False`` is not supported). No search or audit hooks
        # run in it: their tables may be among the steps.
        with self.transaction(saves="the database schema", result=False, hooks=False):
            applied = self.applied_migrations()
            if len(applied) == len(known):
                return
            if not applied and self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                raise DatabaseError(f"{self.path} is an SQLite database but not a casefile database")
            migrations.apply(sqlite_utils.Database(self.conn))
        if applied and "m003_search_index" not in applied:
            with self.transaction(result=False):  # an older database: index what it already holds
                self.conn.execute("INSERT INTO temp.search_touched SELECT rowid FROM accounts")

    def close(self) -> None:
        self.conn.close()

    # -- transactions -------------------------------------------------------------------------------

    @contextmanager
    def transaction(
        self, *, saves: str = _SAVED, result: bool = True, hooks: bool = True
    ) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; any exception (Ctrl-C too) rolls everything back.

        BEGIN is inside the ``try``, so no interrupt can fall between it and the rollback that guards it; an
        interrupt during COMMIT is held until the COMMIT is done and then reported as coming after it (what
        was saved is ``saves``). ``result=False`` (migrations) marks a commit that is not the command's
        result: the command stays interruptible after it.

        Inside another transaction this is a savepoint: a command that combines several writes (``merge``)
        stays one transaction, and an inner failure rolls back only its own part. Just before the outermost
        COMMIT the search index is brought up to date (:meth:`sync_search`), in the same transaction.

        This is also the audit hook, the one place every write passes: temporary triggers note each record
        the transaction changes (whichever method or statement changes it) and keep its rows as they were
        before; just before ``COMMIT`` they become one audit batch (see :meth:`_audit_finish`).
        ``hooks=False`` (schema migrations, whose steps may create those very tables) runs neither.
        """
        if self._depth:
            yield from self._savepoint()
            return
        committing = False
        try:
            if hooks:
                self._track_writes()
                self._audit_install()
            self.conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            if hooks:
                self.conn.execute("DELETE FROM temp.search_touched")
                start = self.conn.execute("SELECT coalesce(max(rowid), 0) FROM main.accounts").fetchone()
                self._accounts_start = int(start[0])
                self._audit_begin()
            yield self.conn
            if hooks:
                self.sync_search()
                self._audit_finish()
            committing = True
            with interrupts.held(keep=result):
                interrupts.check()  # an interrupt that landed where it could not be raised
                self.conn.execute("COMMIT")
            interrupts.note_saved(saves)
        except BaseException as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            elif committing and isinstance(exc, KeyboardInterrupt) and saves not in interrupts.saved:
                interrupts.note_saved(saves)  # the COMMIT had finished when the interrupt came
            if isinstance(exc, database_errors()):
                self._recover()
                raise _map_sqlite_error(exc, self.path) from exc
            raise
        finally:
            self._depth = 0

    def _recover(self) -> None:
        """After an I/O error (a file-size limit, a failing disk) SQLite leaves the journal hot, for the next
        reader to play back; read once now, so it is played back before this process exits and no hot
        journal is left beside the database. Another failure leaves it for the next command, as SQLite
        intends."""
        try:
            self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except database_errors():
            pass

    def _savepoint(self) -> Iterator[sqlite3.Connection]:
        name = f"casefile_{self._depth}"
        self.conn.execute(f"SAVEPOINT {name}")
        self._depth += 1
        try:
            yield self.conn
        except BaseException:
            self.conn.execute(f"ROLLBACK TO {name}")
            self.conn.execute(f"RELEASE {name}")
            raise
        else:
            self.conn.execute(f"RELEASE {name}")
        finally:
            self._depth -= 1

    # -- the audit log ------------------------------------------------------------------------------

    def _audit_install(self) -> None:
        """Create this connection's temporary audit tables and triggers (once; they live as long as it does)."""
        if self._audit_ready:
            return
        self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS audit_start (kind TEXT PRIMARY KEY, max_rid INTEGER)")
        self.conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS audit_purged (kind TEXT NOT NULL, rid INTEGER NOT NULL, "
            "record_id TEXT NOT NULL, PRIMARY KEY (kind, rid))"
        )
        for kind in AUDITED:
            self.conn.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS audit_touched_{kind.name} "
                "(rid INTEGER PRIMARY KEY, created INTEGER NOT NULL)"
            )
            for table, owner in ((kind.table, "audit_rowid"), *kind.children):
                self.conn.execute(
                    f"CREATE TEMP TABLE IF NOT EXISTS audit_image_{table} AS "
                    f"SELECT rowid AS audit_rowid, * FROM main.{table} WHERE 0"
                )
                self.conn.execute(
                    f"CREATE INDEX IF NOT EXISTS temp.audit_image_{table}_owner ON audit_image_{table} ({owner})"
                )
            for statement in _audit_triggers(kind):
                self.conn.execute(statement)
        self._audit_ready = True

    def _audit_begin(self) -> None:
        """Start a batch: no record touched yet, and the highest rowid of each table, so that the rows this
        transaction inserts are known at the end without a trigger on every insert."""
        self._audit_clear()
        for kind in AUDITED:
            self.conn.execute(
                f"INSERT INTO temp.audit_start SELECT ?, coalesce(max(rowid), 0) FROM main.{kind.table}", (kind.name,)
            )

    def _audit_clear(self) -> None:
        self.conn.execute("DELETE FROM temp.audit_start")
        self.conn.execute("DELETE FROM temp.audit_purged")
        for kind in AUDITED:
            self.conn.execute(f"DELETE FROM temp.audit_touched_{kind.name}")
            for table in (kind.table, *(t for t, _ in kind.children)):
                self.conn.execute(f"DELETE FROM temp.audit_image_{table}")

    def _created_sql(self, kind: AuditKind) -> str:
        """``SELECT rid, label`` of the records of a kind this transaction created: rows above the table's
        highest rowid at the start, and rows put back with their old rowid (see :meth:`restore_image`)."""
        label = " || ':' || ".join(f"m.{c}" for c in kind.label)
        start = f"(SELECT max_rid FROM temp.audit_start WHERE kind = '{kind.name}')"
        return (
            f"SELECT m.rowid, {label} FROM main.{kind.table} m WHERE m.rowid > {start} UNION ALL SELECT m.rowid, "
            f"{label} FROM temp.audit_touched_{kind.name} t JOIN main.{kind.table} m ON m.rowid = t.rid "
            f"WHERE t.created = 1 AND t.rid <= {start}"
        )

    def _audit_finish(self) -> None:
        """Write what this transaction changed as one batch: a bare ``create`` entry for each new record (its
        id, nothing else: cheap even for a million-row import), the before-image and diff of every other."""
        self.last_batch = None
        touched = self.conn.execute("SELECT 1 FROM temp.audit_purged LIMIT 1").fetchone() or any(
            self.conn.execute(f"SELECT 1 FROM temp.audit_touched_{k.name} LIMIT 1").fetchone()
            or self.conn.execute(f"SELECT 1 FROM ({self._created_sql(k)}) LIMIT 1").fetchone()
            for k in AUDITED
        )
        if not touched and self.undoes is None:
            return
        from .audit import current_actor

        batch_id = new_id()
        cursor = self.conn.execute(
            "INSERT INTO audit_batches (id, ts, actor, command, undoes) VALUES (?, ?, ?, ?, ?)",
            (batch_id, now(), self.actor or current_actor(), self.command or "casefile", self.undoes),
        )
        batch = int(cursor.lastrowid or 0)
        entries = 0
        for kind in AUDITED:
            entries += self.conn.execute(
                "INSERT INTO audit_log (batch_rowid, action, kind, rid, record_id) "
                f"SELECT ?, 'create', ?, c.* FROM ({self._created_sql(kind)}) c",
                (batch, kind.name),
            ).rowcount
            changes = self.audit_changes(kind.name)
            while chunk := list(itertools.islice(changes, 500)):  # a few at a time: images can be large
                self.conn.executemany(
                    "INSERT INTO audit_log (batch_rowid, action, kind, rid, record_id, before, diff) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (batch, c.action, c.kind, c.rid, c.record_id, _json_or_none(c.before), _json_or_none(c.diff))
                        for c in chunk
                    ],
                )
                entries += len(chunk)
        entries += self.conn.execute(
            "INSERT INTO audit_log (batch_rowid, action, kind, rid, record_id) SELECT ?, 'purge', kind, rid, "
            "record_id FROM temp.audit_purged ORDER BY rowid",
            (batch,),
        ).rowcount
        if not entries and self.undoes is None:
            self.conn.execute("DELETE FROM audit_batches WHERE rowid = ?", (batch,))
        else:
            self.last_batch = batch_id
        self._audit_clear()

    def audit_changes(self, kind_name: str) -> Iterator[Change]:
        """The records of one kind this open transaction has changed so far, created ones left out (a bulk
        edit's preview reads them before rolling back)."""
        kind = AUDIT_KIND[kind_name]
        purged = {r[0] for r in self.conn.execute("SELECT rid FROM temp.audit_purged WHERE kind = ?", (kind.name,))}
        rids = [r[0] for r in self.conn.execute(f"SELECT rid FROM temp.audit_touched_{kind.name} WHERE created = 0")]
        for start in range(0, len(rids), 500):
            chunk = rids[start : start + 500]
            before, after = self._record_rows(kind, chunk, image=True), self._record_rows(kind, chunk, image=False)
            for rid in chunk:
                old, new = before.get(rid, {}), after.get(rid, {})
                if old == new or not old.get(kind.table):
                    continue
                main_old, main_new = old[kind.table][0], (new.get(kind.table) or [None])[0]
                record_id = _label(kind, main_old)
                if rid in purged:
                    continue  # a purge records only that it happened (see _audit_finish)
                if main_new is None or _label(kind, main_new) != record_id:
                    yield Change(kind.name, rid, record_id, "remove", _compact(old), None)
                    if main_new is not None:  # the rowid was freed and taken by a new record
                        yield Change(kind.name, rid, _label(kind, main_new), "create", None, None)
                else:
                    diff = self._diff(kind, old, new)
                    action = "update"
                    if "deleted_at" in diff:
                        action = "delete" if diff["deleted_at"][0] is None else "restore"
                    yield Change(kind.name, rid, record_id, action, _compact(old), diff)

    def _record_rows(self, kind: AuditKind, rids: list[int], *, image: bool) -> dict[int, dict[str, list[Any]]]:
        """{rid: {table: [row dict]}} of some records: as they were (``image``) or as they are."""
        out: dict[int, dict[str, list[Any]]] = {}
        marks = ", ".join("?" for _ in rids)
        for table, owner in ((kind.table, "rowid"), *kind.children):
            if image:
                key = "audit_rowid" if table == kind.table else owner
                cursor = self.conn.execute(
                    f"SELECT * FROM temp.audit_image_{table} WHERE {key} IN ({marks}) ORDER BY {key}, audit_rowid",
                    rids,
                )
            else:
                cursor = self.conn.execute(
                    f"SELECT rowid, * FROM main.{table} WHERE {owner} IN ({marks}) ORDER BY {owner}, rowid", rids
                )
            names = ["rowid" if d[0] == "audit_rowid" else d[0] for d in cursor.description]
            for row in cursor:
                record = dict(zip(names, row, strict=True))
                out.setdefault(record[owner], {}).setdefault(table, []).append(record)
        return out

    def _diff(self, kind: AuditKind, old: dict[str, list[Any]], new: dict[str, list[Any]]) -> dict[str, Any]:
        diff: dict[str, Any] = {}
        before, after = old[kind.table][0], new[kind.table][0]
        for column in after:
            if column not in _DIFF_SKIP and before.get(column) != after[column]:
                diff[column] = [
                    self._decoded(kind, column, before.get(column)),
                    self._decoded(kind, column, after[column]),
                ]
        for table, owner in kind.children:
            parts = [self._part_list(old.get(table, []), owner), self._part_list(new.get(table, []), owner)]
            if parts[0] != parts[1]:
                diff[_PART_NAMES[table]] = parts
        return diff

    @staticmethod
    def _decoded(kind: AuditKind, column: str, value: Any) -> Any:
        """A column's value as the interchange form has it: lists as lists, ``34`` rather than ``34.0``."""
        if kind.name == "account" and column in _JSON_COLUMNS:
            return json.loads(value) if value else []
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value

    def _part_list(self, rows: list[dict[str, Any]], owner: str) -> list[dict[str, Any]]:
        """A record's part (its events, its source links…) as a list for a diff: in order, without keys."""
        items = []
        for row in sorted(rows, key=lambda r: (r.get("position") or 0, r["rowid"])):
            item = {k: v for k, v in row.items() if k not in ("rowid", owner, "position") and v is not None}
            if "source_rowid" in item:
                item["source"] = self._source_id(item.pop("source_rowid"))
            items.append(item)
        return items

    def _source_id(self, rowid: int) -> str | None:
        for table in ("main.sources", "temp.audit_image_sources"):
            row = self.conn.execute(f"SELECT id FROM {table} WHERE rowid = ?", (rowid,)).fetchone()
            if row is not None:
                return str(row[0])
        return None

    def table_columns(self, table: str) -> tuple[str | None, list[str]]:
        """(the column that is the rowid, if one is; the other columns) of a main table."""
        if table not in self._columns:
            info = self.conn.execute(f"PRAGMA main.table_info({table})").fetchall()
            keys = [r for r in info if r[5]]
            alias = keys[0][1] if len(keys) == 1 and str(keys[0][2]).upper() == "INTEGER" else None
            self._columns[table] = (alias, [r[1] for r in info if r[1] != alias])
        return self._columns[table]

    def restore_image(self, kind_name: str, rid: int, image: dict[str, list[dict[str, Any]]]) -> None:
        """Put a record's rows back as an audit before-image has them, rowids included."""
        kind = AUDIT_KIND[kind_name]
        _alias, columns = self.table_columns(kind.table)
        row = image[kind.table][0]
        values = [row.get(c) for c in columns]
        label = " || ':' || ".join(kind.label)
        current = self.conn.execute(f"SELECT {label} FROM main.{kind.table} WHERE rowid = ?", (rid,)).fetchone()
        if current is not None and str(current[0]) != _label(kind, row):
            raise DatabaseError(f"cannot put {kind.name} {_label(kind, row)} back: another record took its place")
        if current is not None:
            assigns = ", ".join(f'"{c}" = ?' for c in columns)
            self.conn.execute(f"UPDATE main.{kind.table} SET {assigns} WHERE rowid = ?", (*values, rid))
        else:
            self._insert_image_row(kind.table, columns, rid, values)
            if kind.table == "accounts":  # below the start's highest rowid, so sync_search would not see it
                self.conn.execute("INSERT OR IGNORE INTO temp.search_touched (rowid) VALUES (?)", (rid,))
            # a row put back under its old rowid is not above the start's highest one: say it was created
            self.conn.execute(
                f"INSERT OR IGNORE INTO temp.audit_touched_{kind.name} (rid, created) VALUES (?, 1)", (rid,)
            )
        for table, owner in kind.children:
            self.conn.execute(f"DELETE FROM main.{table} WHERE {owner} = ?", (rid,))
            _alias, child_columns = self.table_columns(table)
            for child in image.get(table, []):
                self._insert_image_row(table, child_columns, child["rowid"], [child.get(c) for c in child_columns])

    def _insert_image_row(self, table: str, columns: list[str], rowid: int, values: list[Any]) -> None:
        names = ", ".join(f'"{c}"' for c in ("rowid", *columns))
        marks = ", ".join("?" for _ in range(len(columns) + 1))
        self.conn.execute(f"INSERT INTO main.{table} ({names}) VALUES ({marks})", (rowid, *values))

    def clear_parts(self, kind_name: str, rid: int) -> None:
        """Delete a record's parts (events, quotes, links, names), keeping the record."""
        for table, owner in AUDIT_KIND[kind_name].children:
            self.conn.execute(f"DELETE FROM main.{table} WHERE {owner} = ?", (rid,))

    def remove_record(self, kind_name: str, rid: int) -> None:
        """Delete a record and its parts for good (undo of a create, purge)."""
        kind = AUDIT_KIND[kind_name]
        for table, owner in kind.children:
            self.conn.execute(f"DELETE FROM main.{table} WHERE {owner} = ?", (rid,))
        self.conn.execute(f"DELETE FROM main.{kind.table} WHERE rowid = ?", (rid,))

    def record_rowid(self, kind_name: str, record_id: str) -> int | None:
        kind = AUDIT_KIND[kind_name]
        where = " AND ".join(f"{c} = ?" for c in kind.label)
        row = self.conn.execute(
            f"SELECT rowid FROM main.{kind.table} WHERE {where}", record_id.split(":", len(kind.label) - 1)
        ).fetchone()
        return None if row is None else int(row[0])

    def references(self, kind_name: str, rid: int) -> list[str]:
        """Ids of the accounts that use a source, an organisation or a code (so it cannot be removed)."""
        if kind_name == "source":
            sql = (
                "SELECT a.id FROM accounts a WHERE a.rowid IN (SELECT account_rowid FROM account_sources WHERE "
                "source_rowid = ?1 UNION SELECT account_rowid FROM events WHERE source_rowid = ?1 UNION "
                "SELECT account_rowid FROM quotes WHERE source_rowid = ?1)"
            )
        elif kind_name == "organization":
            sql = "SELECT a.id FROM accounts a JOIN organizations o ON a.organization = o.name WHERE o.rowid = ?1"
        elif kind_name == "vocabulary":
            sql = (
                "SELECT a.id FROM accounts a, vocabulary v WHERE v.rowid = ?1 AND ("
                "(v.vocabulary = 'exit_reason' AND EXISTS (SELECT 1 FROM json_each(a.reasons) WHERE value = v.code))"
                " OR (v.vocabulary = 'allegation' AND EXISTS (SELECT 1 FROM json_each(a.allegations) "
                "WHERE value = v.code)) OR (v.vocabulary = 'event_type' AND EXISTS (SELECT 1 FROM events e "
                "WHERE e.account_rowid = a.rowid AND e.type = v.code)))"
            )
        else:
            return []
        return [str(r[0]) for r in self.conn.execute(sql + " LIMIT 11", (rid,))]

    def mark_purged(self, kind_name: str, records: Iterable[tuple[int, str]]) -> None:
        """Make this transaction record only that these records (rowid, id) were purged: the audit triggers
        keep no image of them, not even in the temporary tables, and the entry has no before-image or diff."""
        self.conn.executemany(
            "INSERT OR IGNORE INTO temp.audit_purged (kind, rid, record_id) VALUES (?, ?, ?)",
            ((kind_name, rid, record_id) for rid, record_id in records),
        )

    def source_rowids_of(self, account_rowid: int) -> list[int]:
        """The sources an account links to or cites in its events and quotes."""
        return [
            int(r[0])
            for r in self.conn.execute(
                "SELECT source_rowid FROM account_sources WHERE account_rowid = ?1 UNION SELECT source_rowid FROM "
                "events WHERE account_rowid = ?1 AND source_rowid IS NOT NULL UNION SELECT source_rowid FROM quotes "
                "WHERE account_rowid = ?1 AND source_rowid IS NOT NULL",
                (account_rowid,),
            )
        ]

    def source_id_of(self, rowid: int) -> str:
        return str(self.conn.execute("SELECT id FROM sources WHERE rowid = ?", (rowid,)).fetchone()[0])

    def optimize_search_index(self) -> None:
        """Rewrite every FTS5 index, so text deleted from the records leaves the index too (FTS5 keeps deleted
        terms in its segments until an 'optimize'; VACUUM does not remove them). The purge hook for whatever
        full-text index the database has."""
        for (name,) in self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND lower(sql) LIKE 'create virtual table%using fts5%'"
        ).fetchall():
            self.conn.execute(f'INSERT INTO "{name}"("{name}") VALUES (\'optimize\')')

    def scrub_audit(self, kind_name: str, rid: int | None, record_id: str, stamp: str) -> int:
        """Drop the before-images and diffs the audit log holds of a record (purge); returns how many. ``rid``
        None: of whichever row the record had (one removed by another tool, whose rowid is not known)."""
        return self.conn.execute(
            "UPDATE audit_log SET before = NULL, diff = NULL, scrubbed_at = ?1 WHERE kind = ?2 AND (?3 IS NULL OR "
            "rid = ?3) AND record_id = ?4 AND (before IS NOT NULL OR diff IS NOT NULL)",
            (stamp, kind_name, rid, record_id),
        ).rowcount

    def defer_foreign_keys(self) -> None:
        """Check foreign keys at COMMIT, not per statement (undo restores records in any order)."""
        self.conn.execute("PRAGMA defer_foreign_keys = ON")

    def audit_batches(self) -> list[dict[str, Any]]:
        cursor = self.conn.execute("SELECT rowid, id, ts, actor, command, undoes FROM audit_batches ORDER BY rowid")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in cursor]

    def audit_counts(self, batch_rowids: Sequence[int]) -> dict[int, dict[tuple[str, str], int]]:
        """{batch: {(kind, action): entries}}."""
        out: dict[int, dict[tuple[str, str], int]] = {b: {} for b in batch_rowids}
        sql = (
            "SELECT batch_rowid, kind, action, count(*) FROM audit_log WHERE batch_rowid IN ({marks}) "
            "GROUP BY batch_rowid, kind, action"
        )
        for batch, kind, action, n in _rows_in(self.conn, sql, batch_rowids):
            out[batch][(kind, action)] = n
        return out

    def audit_entries(
        self,
        batch_rowid: int | None = None,
        *,
        kind: str | None = None,
        record_id: str | None = None,
        reverse: bool = False,
        with_images: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """Entries of one batch, or of one record, oldest first (``reverse``: newest first), with their batch;
        ``with_images``: only those holding a before-image."""
        where: list[str] = ["l.before IS NOT NULL"] if with_images else []
        params: list[Any] = []
        if batch_rowid is not None:
            where.append("l.batch_rowid = ?")
            params.append(batch_rowid)
        if kind is not None and record_id is not None:
            where.append("l.kind = ? AND l.record_id = ?")
            params.extend((kind, record_id))
            rid = self.record_rowid(kind, record_id)  # a record keeps its rowid for life: use the index
            if rid is not None:
                where.append("l.rid = ?")
                params.append(rid)
        cursor = self.conn.execute(
            "SELECT l.rowid, l.batch_rowid, b.id AS batch, b.ts, b.actor, b.command, l.action, l.kind, l.rid, "
            "l.record_id, l.before, l.diff, l.scrubbed_at FROM audit_log l JOIN audit_batches b ON b.rowid = "
            f"l.batch_rowid WHERE {' AND '.join(where) or '1'} ORDER BY l.rowid{' DESC' if reverse else ''}",
            params,
        )
        names = [d[0] for d in cursor.description]
        for row in cursor:
            yield dict(zip(names, row, strict=True))

    def audit_later_touching(self, batch_rowid: int) -> list[tuple[int, str, str]]:
        """(batch, kind, record id) for each later batch that changed a record this batch changed — or took
        the rowid of one it removed (a new record added after an undo), which putting it back would overwrite."""
        return [
            (int(r[0]), str(r[1]), str(r[2]))
            for r in self.conn.execute(
                "SELECT DISTINCT l.batch_rowid, l.kind, l.record_id FROM audit_log l WHERE l.batch_rowid > ?1 AND "
                "EXISTS (SELECT 1 FROM audit_log t WHERE t.kind = l.kind AND t.rid = l.rid AND t.batch_rowid = ?1) "
                "ORDER BY l.batch_rowid",
                (batch_rowid,),
            )
        ]

    # -- backup, restore, checks --------------------------------------------------------------------

    def copy_to(self, path: Path) -> None:
        """Copy the whole database into ``path`` (an empty file the caller created 0600) through SQLite's backup
        API, in one step under one read lock: a consistent snapshot even while other processes write (they wait
        for it, within their busy timeout). The copy of an encrypted database is encrypted with the same key (the
        backup API between two connections keyed alike copies the pages, never plaintext). The copy must pass
        ``integrity_check`` and is synced to disk."""
        target = self.connect_to(path)
        try:
            self.conn.backup(target)
            if integrity_problems(target):
                raise DatabaseError(f"the copy at {path} failed its integrity check; it was not kept")
        finally:
            target.close()
        fsync_path(path)

    def connect_to(self, path: Path, *, readonly: bool = False) -> sqlite3.Connection:
        """A connection to another database file (a backup) under this database's key, if it has one. For an
        encrypted one, a key that does not open it fails at the first read."""
        try:
            return _connect(path, self._key, readonly=readonly)
        except database_errors() as exc:
            raise _map_sqlite_error(exc) from exc

    def copy_from(self, source: sqlite3.Connection) -> None:
        """Replace this database's content with ``source``'s, through the backup API: SQLite writes it as one
        transaction, under its own locks and journal, so other processes never see half of it and a crash
        leaves the old content (replacing the file itself under their open connections could corrupt it)."""
        source.backup(self.conn)
        self._columns.clear()

    def integrity(self) -> list[str]:
        return integrity_problems(self.conn)

    def foreign_key_problems(self) -> list[str]:
        return [f"{r[0]} row {r[1]} points to a missing {r[2]}" for r in self.conn.execute("PRAGMA foreign_key_check")]

    def search_index_problems(self) -> list[str]:
        """What is wrong with the full-text index: FTS5's own structure check, then whether each account's
        entry is what casefile would index for it now (the index holds folded text, names and quotes, so it
        cannot be compared with the ``accounts`` columns alone)."""
        if not self.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'accounts_fts'").fetchone():
            return []
        problems = []
        try:
            with self.transaction():
                # rank 0: the index's own structure; rank 1 would compare it with the accounts columns
                self.conn.execute("INSERT INTO accounts_fts (accounts_fts, rank) VALUES ('integrity-check', 0)")
                raise _Rollback
        except _Rollback:
            pass
        except DatabaseBusy:
            raise  # another command is writing: the check needs the write lock, the index is not damaged
        except CasefileError:
            problems.append("the full-text index 'accounts_fts' is damaged")
        stale = missing = 0
        rowids = [r[0] for r in self.conn.execute("SELECT rowid FROM accounts ORDER BY rowid")]
        for start in range(0, len(rowids), 2000):
            chunk = rowids[start : start + 2000]
            marks = ", ".join("?" for _ in chunk)
            indexed = {r[0]: tuple(r[1:]) for r in self.conn.execute(_INDEXED_SQL.format(marks=marks), chunk)}
            for row in self.conn.execute(_DOC_SQL.format(marks=marks), chunk):
                if row[0] not in indexed:
                    missing += 1
                elif indexed[row[0]] != _search_doc(row):
                    stale += 1
        orphaned = self.conn.execute(
            "SELECT count(*) FROM accounts_fts_docs WHERE rowid NOT IN (SELECT rowid FROM accounts)"
        ).fetchone()[0]
        for count, what in (
            (missing, "accounts missing from"),
            (stale, "accounts out of date in"),
            (orphaned, "entries for accounts that no longer exist in"),
        ):
            if count:
                problems.append(f"{count} {what} the full-text index")
        return problems

    def orphans(self) -> dict[str, int]:
        """Rows that belong to nothing (left by a tool that wrote with foreign keys off), and sources nobody cites."""
        counts = {
            "events without an account": "SELECT count(*) FROM events WHERE account_rowid NOT IN (SELECT rowid FROM "
            "accounts)",
            "quotes without an account": "SELECT count(*) FROM quotes WHERE account_rowid NOT IN (SELECT rowid FROM "
            "accounts)",
            "source links without an account": "SELECT count(*) FROM account_sources WHERE account_rowid NOT IN "
            "(SELECT rowid FROM accounts)",
            "source links to a missing source": "SELECT count(*) FROM account_sources WHERE source_rowid NOT IN "
            "(SELECT rowid FROM sources)",
            "names without an organisation": "SELECT count(*) FROM organization_names WHERE organization_rowid NOT IN "
            "(SELECT rowid FROM organizations)",
            "sources nobody cites": "SELECT count(*) FROM sources WHERE rowid NOT IN (SELECT source_rowid FROM "
            "account_sources UNION SELECT source_rowid FROM events WHERE source_rowid IS NOT NULL UNION SELECT "
            "source_rowid FROM quotes WHERE source_rowid IS NOT NULL)",
        }
        return {what: int(self.conn.execute(sql).fetchone()[0]) for what, sql in counts.items()}

    # -- reading ------------------------------------------------------------------------------------

    def resolve_id(self, ref: str) -> str:
        """The account a command that **changes or removes** records acts on: a full id, an exact
        ``external_id`` or a unique id prefix (as git does with hashes), tried in that order, deleted accounts
        included. An account merged into another is refused (:class:`MergedAway`, naming the survivor): a write
        never follows a merge redirect to an account the user did not name. Reading commands use
        :meth:`resolve_to_read`."""
        account_id = self._resolve_id(ref)
        chain = self.merge_chain(account_id)
        if not chain:
            return account_id
        survivor = chain[-1][1]
        if self._exists(survivor):
            raise MergedAway(f"{merged_text(chain)}; name {survivor}", account_id, survivor)
        raise MergedAway(
            f"{merged_text(chain)}, and {survivor} was purged since; `casefile purge {account_id}` removes what is "
            "left of it",
            account_id,
            None,
        )

    def resolve_to_read(self, ref: str) -> tuple[str, str | None]:
        """The account a **reading** command shows for ``ref`` and, when ``ref`` was merged into another
        account, the one line saying so (the command prints it on stderr): a merged-away id shows the account
        it was merged into."""
        account_id = self._resolve_id(ref)
        chain = self.merge_chain(account_id)
        if not chain:
            return account_id, None
        survivor = chain[-1][1]
        if not self._exists(survivor):
            raise NotFound(f"{merged_text(chain)}, and {survivor} was purged since")
        return survivor, f"{merged_text(chain)}; showing {survivor}"

    def merge_chain(self, account_id: str) -> list[tuple[str, str, str]]:
        """The merges that sent an account on, oldest first, as (from, into, when): empty when it was never
        merged away; C into B then B into A gives two."""
        chain: list[tuple[str, str, str]] = []
        seen = {account_id}
        while True:
            row = self.conn.execute(
                "SELECT new_id, created_at FROM account_redirects WHERE old_id = ?", (account_id,)
            ).fetchone()
            if row is None or str(row[0]) in seen:  # a loop written by another tool ends where it closes
                return chain
            chain.append((account_id, str(row[0]), str(row[1])))
            account_id = str(row[0])
            seen.add(account_id)

    def merged_into(self, account_ids: Iterable[str]) -> list[str]:
        """Every account merged into these, directly or along a chain (C into B, B into A: both for A), whether
        its row is still there or not."""
        found: list[str] = []
        todo = list(account_ids)
        seen = set(todo)
        while todo:
            rows = _rows_in(self.conn, "SELECT old_id FROM account_redirects WHERE new_id IN ({marks})", todo)
            todo = [str(r[0]) for r in rows if str(r[0]) not in seen]
            seen.update(todo)
            found.extend(todo)
        return found

    def merged_away(self, account_ids: Sequence[str]) -> set[str]:
        """Those of these accounts that were merged into another."""
        sql = "SELECT old_id FROM account_redirects WHERE old_id IN ({marks})"
        return {str(r[0]) for r in _rows_in(self.conn, sql, account_ids)}

    def _exists(self, account_id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM accounts WHERE id = ?", (account_id,)).fetchone() is not None

    def add_redirect(self, old_id: str, new_id: str, stamp: str) -> None:
        self.conn.execute(
            "INSERT INTO account_redirects (old_id, new_id, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (old_id) DO UPDATE SET new_id = excluded.new_id, created_at = excluded.created_at",
            (old_id, new_id, stamp),
        )

    def _resolve_id(self, ref: str) -> str:
        """The id ``ref`` names, as it is: deleted and merged-away accounts included (and the id of one
        merged away whose row was since removed)."""
        ref = ref.strip()
        if not ref:
            raise UsageError("an empty id matches nothing; give an id or a unique prefix of one")
        exact = self.conn.execute("SELECT id FROM accounts WHERE id = ?", (ref,)).fetchone()
        if exact:
            return str(exact[0])
        # an exact external id before a prefix: "D" names that record, not whichever random id starts with d
        by_key = self.conn.execute("SELECT id FROM accounts WHERE external_id = ?", (ref,)).fetchone()
        if by_key:
            return str(by_key[0])
        candidates = [
            r[0]
            for r in self.conn.execute(
                "SELECT id FROM accounts WHERE id >= ? AND id < ? ORDER BY id LIMIT 11",
                (ref.lower(), ref.lower() + "\U0010ffff"),
            )
        ]
        if len(candidates) == 1:
            return str(candidates[0])
        if len(candidates) > 1:
            listed = ", ".join(candidates[:10]) + (", …" if len(candidates) > 10 else "")
            raise UsageError(f"id prefix {quote(ref)} is ambiguous; it matches {listed}")
        gone = self.conn.execute("SELECT old_id FROM account_redirects WHERE old_id = ?", (ref,)).fetchone()
        if gone:  # merged away and since removed for good
            return str(gone[0])
        raise NotFound(f"no account with id or external_id {quote(ref)}; `casefile list` shows the ids")

    def get(self, account_id: str) -> Account:
        row = self.conn.execute(f"SELECT {_SELECT_COLUMNS} FROM accounts WHERE id = ?", (account_id,)).fetchone()
        if row is None:
            raise NotFound(f"no account with id {quote(account_id)}")
        account = row_to_account(row)
        self.attach_nested([account])
        return account

    def query(self, flt: Filter, *, nested: bool = False) -> Iterator[Account]:
        """Accounts matching ``flt``, streamed; ``nested`` also loads sources, events and quotes (in batches)."""
        cursor = self.conn.execute(*self._select(_SELECT_COLUMNS, flt))
        if not nested:
            for row in cursor:
                yield row_to_account(row)
            return
        while batch := [row_to_account(row) for row in cursor.fetchmany(500)]:
            self.attach_nested(batch)
            yield from batch

    def query_csv(self, flt: Filter) -> Iterator[list[str]]:
        """The CSV cells (``model.to_csv_row``) of the accounts :meth:`query` yields, without building them."""
        formatters = _CSV_FORMATTERS
        for row in self.conn.execute(*self._select(_CSV_SELECT, flt)):
            cells = list(row)
            for i, fmt in formatters:
                cells[i] = fmt(cells[i])
            yield cells

    def query_json(self, flt: Filter) -> Iterator[str]:
        """The interchange JSON of the accounts ``query(flt, nested=True)`` yields, one line each without its
        newline: the text ``exporters.json.encode_account`` gives, mostly written by SQLite (see
        :meth:`writes_json`)."""
        number, is_json_list = _json_number, _is_json_list
        for head, value, tail, fractional, rowid, *lists in self.conn.execute(*self._select(_JSON_SELECT, flt)):
            if fractional or not all(map(is_json_list, lists)):
                yield self._encode_json(rowid)
            else:
                yield head + number(value) + tail

    def _encode_json(self, rowid: int) -> str:
        """One account's line of :meth:`query_json` as the exporter encodes it from the Account."""
        account = row_to_account(
            self.conn.execute(f"SELECT {_SELECT_COLUMNS} FROM accounts WHERE rowid = ?", (rowid,)).fetchone()
        )
        self.attach_nested([account])
        return _JSON.encode(model.to_json_dict(account))

    def writes_json(self) -> bool:
        """Whether this SQLite's ``json_quote`` writes strings exactly as Python's json does (without it
        :meth:`query_json` does not apply)."""
        try:
            quoted = self.conn.execute("SELECT json_quote(?)", (_JSON_PROBE,)).fetchone()[0]
        except sqlite3.Error:  # no JSON functions in this build
            return False
        return bool(quoted == _JSON.encode(_JSON_PROBE))

    def _select(self, columns: str, flt: Filter, explain: str = "") -> tuple[str, list[Any]]:
        """The SQL (and parameters) selecting ``columns`` of the accounts ``flt`` selects, in its order."""
        where, params = self.where(flt)
        sql = f"{explain}SELECT {columns} FROM accounts{where}{order_sql(flt)}"
        if flt.limit is not None:
            sql += " LIMIT ?"
            params.append(flt.limit)
        return sql, params

    def where(self, flt: Filter) -> tuple[str, list[Any]]:
        """``filter_sql`` with ``--org`` names and aliases resolved to the canonical organisation names."""
        if flt.org:
            flt.org = [self.resolve_organization(name) for name in flt.org]
        return filter_sql(flt)

    def list_rows(self, flt: Filter) -> Iterator[tuple[Any, ...]]:
        """Just the ``list`` columns (``model.LIST_COLUMNS``; a date as its raw text), for plain output: reading
        and decoding all ~50 columns of every row cost most of a large ``list > file``."""
        columns = ", ".join(f'accounts."{c}"' for c in model.LIST_COLUMNS)
        return iter(self.conn.execute(*self._select(columns, flt)))

    def count(self, flt: Filter) -> int:
        where, params = self.where(flt)
        return int(self.conn.execute(f"SELECT count(*) FROM accounts{where}", params).fetchone()[0])

    def explain(self, flt: Filter) -> list[str]:
        """``EXPLAIN QUERY PLAN`` of :meth:`query` (tests use it to prove index use)."""
        return [str(r[-1]) for r in self.conn.execute(*self._select(_SELECT_COLUMNS, flt, "EXPLAIN QUERY PLAN "))]

    def existing(self, ids: Iterable[str], external_ids: Iterable[str]) -> dict[str, Account]:
        """Accounts already stored for these ids / external ids (nested parts loaded), keyed ``id:<id>`` and
        ``ext:<external_id>``."""
        out: dict[str, Account] = {}
        found: dict[int, Account] = {}
        for column, prefix, keys in (("id", "id:", list(ids)), ("external_id", "ext:", list(external_ids))):
            sql = f"SELECT {_SELECT_COLUMNS} FROM accounts WHERE {column} IN ({{marks}})"
            for row in _rows_in(self.conn, sql, keys):
                account = found.setdefault(row[0], row_to_account(row))
                out[prefix + str(account.values[column])] = account
        self.attach_nested(list(found.values()))
        return out

    # -- nested parts -------------------------------------------------------------------------------

    def attach_nested(self, accounts: list[Account]) -> None:
        """Load the sources, events and quotes of stored accounts into ``values``."""
        by_rowid = {a.rowid: a for a in accounts if a.rowid is not None}
        for account in by_rowid.values():
            for part in model.NESTED:
                account.values[part] = []
        if not by_rowid:
            return
        marks = ", ".join("?" for _ in by_rowid)
        keys = list(by_rowid)
        for part, sql in _NESTED_SELECT.items():
            for row in self.conn.execute(sql.format(marks=marks), keys):
                by_rowid[row[0]].values[part].append(_nested_item(part, row[1:]))

    def replace_nested(self, rowid: int, values: dict[str, Any], stamp: str) -> None:
        """Write the nested parts present in ``values`` for one stored account (absent parts are left alone)."""
        conn = self.conn
        if "sources" in values:
            conn.execute("DELETE FROM account_sources WHERE account_rowid = ?", (rowid,))
            for position, item in enumerate(values["sources"]):
                source_rowid = self.upsert_source(item, stamp)
                conn.execute(
                    "INSERT INTO account_sources (account_rowid, source_rowid, position, role, locator, reliability,"
                    " credibility) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        rowid,
                        source_rowid,
                        position,
                        item.get("role") or "primary",
                        item.get("locator"),
                        item.get("reliability"),
                        item.get("credibility"),
                    ),
                )
        for part, table, columns in (("events", "events", _EVENT_COLUMNS), ("quotes", "quotes", _QUOTE_COLUMNS)):
            if part not in values:
                continue
            conn.execute(f"DELETE FROM {table} WHERE account_rowid = ?", (rowid,))
            rows = [
                (rowid, position, *_nested_row(part, item), self.source_rowid(item.get("source")))
                for position, item in enumerate(values[part])
            ]
            marks = ", ".join("?" for _ in range(len(columns) + 3))
            conn.executemany(
                f"INSERT INTO {table} (account_rowid, position, {', '.join(columns)}, source_rowid) VALUES ({marks})",
                rows,
            )

    def source_rowid(self, source_id: str | None) -> int | None:
        if not source_id:
            return None
        row = self.conn.execute("SELECT rowid FROM sources WHERE id = ?", (source_id,)).fetchone()
        if row is None:
            raise NotFound(f"no source with id {quote(source_id)}; `casefile source list` shows them")
        return int(row[0])

    def find_source(self, item: dict[str, Any]) -> tuple[int, str] | None:
        """The stored source an entry means: by its id, else by its URL."""
        for column in ("id", "url"):
            if item.get(column):
                row = self.conn.execute(f"SELECT rowid, id FROM sources WHERE {column} = ?", (item[column],)).fetchone()
                if row is not None:
                    return int(row[0]), str(row[1])
        return None

    def upsert_source(self, item: dict[str, Any], stamp: str) -> int:
        """Store a shared source (matched by id, then URL) with the entry's values; returns its rowid. The
        flat ``source_*`` columns of every account citing it as primary are kept in step."""
        found = self.find_source(item)
        if found is None:
            values = _nested_row("source", item)
            item["id"] = item.get("id") or new_id()
            marks = ", ".join("?" for _ in range(len(_SOURCE_COLUMNS) + 2))
            cursor = self.conn.execute(
                f"INSERT INTO sources (id, {', '.join(_SOURCE_COLUMNS)}, created_at) VALUES ({marks})",
                (item["id"], *values, stamp),
            )
            return int(cursor.lastrowid or 0)
        rowid, item["id"] = found
        present = [f for f in model.SOURCE_FIELDS if f.name not in _SOURCE_LINK_PARTS and f.name in item]
        if not present:
            return rowid  # a reference by id or URL only: link it, change nothing
        columns = [c for f in present for c in f.columns()]
        values = _nested_row("source", item, present)
        assigns = ", ".join(f"{c} = ?" for c in columns)
        differs = " OR ".join(f"{c} IS NOT ?" for c in columns)
        cursor = self.conn.execute(
            f"UPDATE sources SET {assigns} WHERE rowid = ? AND ({differs})", (*values, rowid, *values)
        )
        if cursor.rowcount:
            self.sync_primary_columns(source_rowid=rowid, stamp=stamp)
        return rowid

    def sync_primary_columns(
        self, *, source_rowid: int | None = None, account_rowid: int | None = None, stamp: str
    ) -> None:
        """Copy primary links (source fields and link grades) into the accounts' flat ``source_*`` columns."""
        where = "l.source_rowid = ?" if source_rowid is not None else "l.account_rowid = ?"
        key = source_rowid if source_rowid is not None else account_rowid
        flat = list(_FLAT_FROM_LINK)
        assigns = ", ".join(f'"{c}" = ?' for c in flat)
        differs = " OR ".join(f'"{c}" IS NOT ?' for c in flat)
        rows = self.conn.execute(
            f"SELECT l.account_rowid, {', '.join(_FLAT_FROM_LINK.values())} FROM account_sources l "
            f"JOIN sources s ON s.rowid = l.source_rowid WHERE {where} AND l.role = 'primary' AND l.position = "
            "(SELECT min(position) FROM account_sources WHERE account_rowid = l.account_rowid AND role = 'primary')",
            (key,),
        ).fetchall()
        for row in rows:
            self.conn.execute(
                f"UPDATE accounts SET {assigns}, updated_at = ? WHERE rowid = ? AND ({differs})",
                (*row[1:], stamp, row[0], *row[1:]),
            )

    # -- writing (call inside transaction()) --------------------------------------------------------

    def insert(self, accounts: list[Account], stamp: str) -> int:
        """Insert new accounts (ids already assigned) and their nested parts; returns how many."""
        columns = ", ".join(f'"{c}"' for c in (*_FIELD_COLUMNS, "created_at", "updated_at"))
        marks = ", ".join("?" for _ in range(len(_FIELD_COLUMNS) + 2))
        cursor = self.conn.executemany(
            f"INSERT INTO accounts ({columns}) VALUES ({marks})",
            ((*account_to_row(a), stamp, stamp) for a in accounts),
        )
        with_nested = [a for a in accounts if any(a.values.get(part) for part in model.NESTED)]
        for account in with_nested:
            row = self.conn.execute("SELECT rowid FROM accounts WHERE id = ?", (account.id,)).fetchone()
            account.rowid = int(row[0])
            self.replace_nested(account.rowid, account.values, stamp)
        return max(cursor.rowcount, 0)

    # -- the keys an import has claimed (the same id or external_id twice in one import is an error) ----------

    def start_key_claims(self) -> None:
        """An empty ``temp.import_keys`` for this transaction's import."""
        # the temp schema's page cache is unbounded by default here, which kept the whole key table in memory
        # (~75 bytes a row); 2 MiB, like the main database's default, lets it spill to its file (issue 9, I4)
        self.conn.execute("PRAGMA temp.cache_size = -2048")
        self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS import_keys (key TEXT PRIMARY KEY, source TEXT, line INT)")
        self.conn.execute("DELETE FROM temp.import_keys")

    def claimed_keys(self, keys: Sequence[str]) -> dict[str, tuple[str, int | None]]:
        """Which of ``keys`` this import has claimed already: key → (source, line) of the claim."""
        sql = "SELECT key, source, line FROM temp.import_keys WHERE key IN ({marks})"
        return {key: (source, line) for key, source, line in _rows_in(self.conn, sql, keys)}

    def claim_keys(self, claims: Iterable[tuple[str, str, int | None]]) -> None:
        self.conn.executemany("INSERT INTO temp.import_keys VALUES (?, ?, ?)", claims)

    def accounts_empty(self) -> bool:
        return self.conn.execute("SELECT 1 FROM accounts LIMIT 1").fetchone() is None

    def drop_secondary_indexes(self) -> list[str]:
        """Drop the non-unique indexes of ``accounts`` (inside a transaction); returns their SQL, in schema
        order, for :meth:`create_indexes`. The unique ones (id, external_id) stay: a load checks keys."""
        rows = self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'accounts' AND sql IS NOT NULL "
            "AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY rowid"
        ).fetchall()
        for name, _sql in rows:
            self.conn.execute(f'DROP INDEX "{name}"')
        return [sql for _name, sql in rows]

    def create_indexes(self, statements: Sequence[str]) -> None:
        for sql in statements:
            self.conn.execute(sql)

    def update(self, account: Account, stamp: str) -> None:
        assigns = ", ".join(f'"{c}" = ?' for c in _FIELD_COLUMNS)
        self.conn.execute(
            f"UPDATE accounts SET {assigns}, updated_at = ? WHERE id = ?",
            (*account_to_row(account), stamp, account.id),
        )
        if account.rowid is not None:
            self.replace_nested(account.rowid, account.values, stamp)

    def set_deleted(self, account_id: str, stamp: str | None) -> None:
        self.conn.execute("UPDATE accounts SET deleted_at = ? WHERE id = ?", (stamp, account_id))

    # -- search index -------------------------------------------------------------------------------
    #
    # The one hook: temp triggers (on this connection only, so other tools never need casefile's code)
    # note the rowid of every account whose searchable text may have changed in temp.search_touched, and
    # transaction() calls sync_search() before COMMIT, which rewrites those accounts' index entries in
    # batches. New accounts need no trigger: they are the rows above the highest rowid the transaction
    # began with (an INSERT trigger made SQLite keep a statement journal for every inserted row, which
    # more than doubled the cost of a bulk insert; docs/PERFORMANCE.md). The one insert below that rowid,
    # an account put back by undo, is noted by restore_image.
    #
    # A bulk import therefore indexes its accounts once, after they are written, set-wise, rather
    # than through per-row FTS triggers; an account that was written but whose text did not change costs a
    # comparison. Any write through this connection is covered, whichever command makes it.

    def _track_writes(self) -> None:
        if self._tracking:
            return
        touch = "INSERT OR IGNORE INTO search_touched (rowid) VALUES"
        statements = [
            "CREATE TEMP TABLE IF NOT EXISTS search_touched (rowid INTEGER PRIMARY KEY)",
            f"CREATE TEMP TRIGGER IF NOT EXISTS search_accounts_update AFTER UPDATE OF name, aliases, summary, "
            f"source_title ON main.accounts BEGIN {touch} (new.rowid); END",
            "CREATE TEMP TRIGGER IF NOT EXISTS search_sources_update AFTER UPDATE OF title ON main.sources BEGIN "
            "INSERT OR IGNORE INTO search_touched (rowid) SELECT account_rowid FROM main.account_sources "
            "WHERE source_rowid = new.rowid; END",
        ]
        for table in ("events", "quotes", "account_sources"):
            for event, row in (("INSERT", "new"), ("DELETE", "old"), ("UPDATE", "new")):
                statements.append(
                    f"CREATE TEMP TRIGGER IF NOT EXISTS search_{table}_{event.lower()} AFTER {event} ON "
                    f"main.{table} BEGIN {touch} ({row}.account_rowid); END"
                )
        for statement in statements:
            self.conn.execute(statement)
        self._tracking = True

    def sync_search(self, batch: int = 2000) -> int:
        """Bring the index entries of the touched accounts up to date; returns how many changed."""
        conn = self.conn
        conn.execute(
            "INSERT OR IGNORE INTO temp.search_touched (rowid) SELECT rowid FROM main.accounts WHERE rowid > ?",
            (self._accounts_start,),
        )
        changed = 0
        last = 0
        while True:
            chunk = [
                r[0]
                for r in conn.execute(
                    "SELECT rowid FROM temp.search_touched WHERE rowid > ? ORDER BY rowid LIMIT ?", (last, batch)
                )
            ]
            if not chunk:
                break
            last = chunk[-1]
            marks = ", ".join("?" for _ in chunk)
            old = {r[0]: r[1:] for r in conn.execute(_INDEXED_SQL.format(marks=marks), chunk)}
            rows = {r[0]: r for r in conn.execute(_DOC_SQL.format(marks=marks), chunk)}
            new = {rowid: _search_doc(row) for rowid, row in rows.items()}
            stale = [rowid for rowid in chunk if old.get(rowid) != new.get(rowid)]
            if not stale:
                continue
            changed += len(stale)
            gone = [(rowid, *old[rowid]) for rowid in stale if rowid in old]
            conn.executemany(
                "INSERT INTO accounts_fts (accounts_fts, rowid, name, summary, source_title) "
                "VALUES ('delete', ?, ?, ?, ?)",
                gone,
            )
            conn.executemany("DELETE FROM accounts_fts_docs WHERE rowid = ?", [(g[0],) for g in gone])
            fresh = [(rowid, *new[rowid]) for rowid in stale if rowid in new]
            conn.executemany("INSERT INTO accounts_fts (rowid, name, summary, source_title) VALUES (?, ?, ?, ?)", fresh)
            # keep only what the accounts row does not already hold (NULL: "the column's text, as it is now")
            kept = [
                (
                    rowid,
                    *(
                        None if doc == (rows[rowid][column] or "") else doc
                        for doc, column in zip(docs, (1, 3, 4), strict=True)
                    ),
                )
                for rowid, *docs in fresh
            ]
            conn.executemany(
                "INSERT INTO accounts_fts_docs (rowid, name, summary, source_title) VALUES (?, ?, ?, ?)", kept
            )
        conn.execute("DELETE FROM temp.search_touched")
        return changed

    def rebuild_search(self) -> int:
        """Re-index every account (after writes by other tools, which casefile cannot see)."""
        with self.transaction():
            self.conn.execute("INSERT INTO accounts_fts (accounts_fts) VALUES ('delete-all')")
            self.conn.execute("DELETE FROM accounts_fts_docs")
            self.conn.execute("INSERT INTO temp.search_touched SELECT rowid FROM accounts")
            return int(self.conn.execute("SELECT count(*) FROM temp.search_touched").fetchone()[0])

    def search(self, match: str, flt: Filter) -> list[tuple[int, float]]:
        """(account rowid, bm25 score) of the accounts matching an FTS5 expression and the filter, best
        first (``flt.sort`` orders them by a field instead); at most ``flt.limit``."""
        where, params = self.where(flt)
        where = where.replace(" WHERE ", " AND ", 1)
        order = order_sql(flt) if flt.sort else " ORDER BY accounts_fts.rank"
        sql = (
            "SELECT accounts.rowid, -accounts_fts.rank FROM accounts_fts JOIN accounts ON accounts.rowid = "
            f"accounts_fts.rowid WHERE accounts_fts MATCH ?{where}{order}"
        )
        if flt.limit is not None:
            sql += " LIMIT ?"
            params.append(flt.limit)
        return [(int(r[0]), float(r[1])) for r in self.conn.execute(sql, [match, *params])]

    def accounts_by_rowid(self, rowids: Sequence[int]) -> dict[int, Account]:
        """Stored accounts (nested parts loaded) by rowid."""
        if not rowids:
            return {}
        marks = ", ".join("?" for _ in rowids)
        rows = self.conn.execute(f"SELECT {_SELECT_COLUMNS} FROM accounts WHERE rowid IN ({marks})", list(rowids))
        accounts = [row_to_account(r) for r in rows]
        self.attach_nested(accounts)
        return {int(a.rowid): a for a in accounts if a.rowid is not None}

    # -- statistics ---------------------------------------------------------------------------------

    def stats(
        self, dimensions: Sequence[str], flt: Filter, factors: dict[str, str]
    ) -> tuple[int, list[tuple[Any, ...]]]:
        """(accounts selected, [(value, [value2,] accounts)]) for one or two :data:`STATS_DIMENSIONS`; a
        None value counts the accounts with no value. ``factors`` maps reason codes to push/pull/barrier."""
        for name in dimensions:
            check_field(name, tuple(STATS_DIMENSIONS), "stats dimension")
        where, params = self.where(flt)
        total = int(self.conn.execute(f"SELECT count(*) FROM accounts{where}", params).fetchone()[0])
        joins = [STATS_DIMENSIONS[name] for name in dimensions]
        if len(joins) == 1 and not joins[0][0]:  # one plain column: a GROUP BY an index can answer
            sql = f"SELECT {joins[0][1]}, count(*) FROM accounts{where} GROUP BY 1"
            return total, [tuple(r) for r in self.conn.execute(sql, params)]
        pairs = list(factors.items()) or [("", "")]
        ctes = ["factors(code, grp) AS (VALUES " + ", ".join("(?, ?)" for _ in pairs) + ")"]
        cte_params: list[Any] = [x for pair in pairs for x in pair]
        for n, (join, value) in enumerate(joins):
            raw = f"SELECT accounts.rowid AS k, {value} AS v FROM accounts{join}{where}"
            ctes.append(
                f"d{n} AS (SELECT DISTINCT k, v FROM ({raw}) WHERE v IS NOT NULL "
                f"UNION ALL SELECT k, NULL FROM ({raw}) GROUP BY k HAVING count(v) = 0)"
            )
            cte_params += params * 2
        if len(joins) == 1:
            sql = "SELECT d0.v, count(*) FROM d0 GROUP BY 1"
        else:
            sql = "SELECT d0.v, d1.v, count(*) FROM d0 JOIN d1 ON d1.k = d0.k GROUP BY 1, 2"
        sql = "WITH " + ", ".join(ctes) + " " + sql
        return total, [tuple(r) for r in self.conn.execute(sql, cte_params)]

    def explain_stats(self, dimension: str, flt: Filter) -> list[str]:
        """``EXPLAIN QUERY PLAN`` of a one-column :meth:`stats` query (tests prove index use with it)."""
        where, params = self.where(flt)
        value = STATS_DIMENSIONS[check_field(dimension, tuple(STATS_DIMENSIONS), "stats dimension")][1]
        sql = f"EXPLAIN QUERY PLAN SELECT {value}, count(*) FROM accounts{where} GROUP BY 1"
        return [str(r[-1]) for r in self.conn.execute(sql, params)]

    # -- duplicates ---------------------------------------------------------------------------------

    def people(self, flt: Filter) -> Iterator[tuple[Any, ...]]:
        """(rowid, id, external_id, name, aliases JSON, organization, joined_min, joined_max, left_min,
        left_max, birth_year) of the accounts ``flt`` selects, for duplicate detection. An account merged into
        another is never one (``--include-deleted`` or not): it is part of that account now."""
        where, params = self.where(flt)
        merged = "accounts.id NOT IN (SELECT old_id FROM account_redirects)"
        where = f"{where} AND {merged}" if where else f" WHERE {merged}"
        sql = (
            "SELECT accounts.rowid, accounts.id, accounts.external_id, accounts.name, accounts.aliases, "
            "accounts.organization, accounts.joined_min, accounts.joined_max, accounts.left_min, accounts.left_max, "
            f"accounts.birth_year FROM accounts{where} ORDER BY accounts.rowid"
        )
        yield from self.conn.execute(sql, params)

    # -- check --------------------------------------------------------------------------------------

    def ignore_check(self, rule: str, account_id: str, note: str, stamp: str) -> None:
        """Record that a check finding on one account was looked at (replacing an earlier note)."""
        self.conn.execute(
            "INSERT OR REPLACE INTO check_ignores (rule, account_rowid, note, created_at) "
            "SELECT ?, rowid, ?, ? FROM accounts WHERE id = ?",
            (rule, note, stamp, account_id),
        )

    def check_ignores(self) -> dict[tuple[str, str], str]:
        """(rule, account id) → note, for every silenced finding."""
        sql = "SELECT i.rule, a.id, i.note FROM check_ignores i JOIN accounts a ON a.rowid = i.account_rowid"
        return {(r[0], r[1]): r[2] for r in self.conn.execute(sql)}

    # -- organisations ------------------------------------------------------------------------------

    def organization_by_key(self, key: str) -> str | None:
        """The canonical name of the organisation one of whose names folds to ``key``."""
        row = self.conn.execute(
            "SELECT o.name FROM organization_names n JOIN organizations o ON o.rowid = n.organization_rowid "
            "WHERE n.match_key = ?",
            (key,),
        ).fetchone()
        return str(row[0]) if row else None

    def resolve_organization(self, name: str) -> str:
        """The canonical name for any name or alias; unknown names are returned as given."""
        return self.organization_by_key(fold(name)) or name

    def organizations_near(self, name: str, cutoff: float = 0.88) -> list[str]:
        """Canonical names of organisations with a name that nearly matches ``name`` (not exactly)."""
        import difflib

        key, loose = fold(name), loose_key(name)
        near: list[str] = []
        for other, match_key in self.conn.execute(
            "SELECT o.name, n.match_key FROM organization_names n JOIN organizations o ON o.rowid = "
            "n.organization_rowid ORDER BY o.name"
        ):
            if match_key == key or other in near:
                continue
            if loose_key(match_key) == loose:
                near.append(str(other))
                continue
            # the cheap upper bounds first (lengths, then letter counts), as difflib.get_close_matches does, with
            # one matcher per stored name: its index of the name is built once, not for every new organisation
            # (an import creating 300 of them spent more than a second here; issue 9)
            matcher = self._matchers.get(match_key)
            if matcher is None:
                matcher = self._matchers[match_key] = difflib.SequenceMatcher(None, "", match_key)
            matcher.set_seq1(key)
            if matcher.real_quick_ratio() >= cutoff and matcher.quick_ratio() >= cutoff and matcher.ratio() >= cutoff:
                near.append(str(other))
        return near

    def create_organization(
        self,
        name: str,
        *,
        stamp: str,
        type_: str | None = None,
        country: str | None = None,
        notes: str | None = None,
        aliases: Sequence[str] = (),
    ) -> None:
        if self.organization_by_key(fold(name)) is not None:
            raise UsageError(f"an organisation is already called {quote(name)}; `casefile org show` it")
        cursor = self.conn.execute(
            "INSERT INTO organizations (name, type, country, notes, created_at) VALUES (?, ?, ?, ?, ?)",
            (name, type_, country, notes, stamp),
        )
        rowid = int(cursor.lastrowid or 0)
        self._add_name(rowid, name, "name")
        for alias in aliases:
            self._add_name(rowid, alias, "alias")

    def add_aliases(self, organization: str, aliases: Sequence[str]) -> str:
        """Give an organisation (named by any of its names) more names; returns its canonical name."""
        row = self.conn.execute(
            "SELECT o.rowid, o.name FROM organization_names n JOIN organizations o ON o.rowid = "
            "n.organization_rowid WHERE n.match_key = ?",
            (fold(organization),),
        ).fetchone()
        if row is None:
            raise NotFound(f"no organisation called {quote(organization)}; `casefile org list` shows them")
        for alias in aliases:
            self._add_name(int(row[0]), alias, "alias")
        return str(row[1])

    def _add_name(self, org_rowid: int, name: str, kind: str) -> None:
        key = fold(name)
        if not key:
            raise UsageError("an organisation name cannot be empty")
        owner = self.organization_by_key(key)
        if owner is not None:
            raise UsageError(f"{quote(name)} already names the organisation {quote(owner)}")
        self.conn.execute(
            "INSERT INTO organization_names (organization_rowid, name, kind, match_key) VALUES (?, ?, ?, ?)",
            (org_rowid, name, kind, key),
        )

    def organizations(self) -> list[dict[str, Any]]:
        """Every organisation with its aliases and how many (not deleted) accounts name it."""
        rows = self.conn.execute(
            "SELECT o.rowid, o.name, o.type, o.country, o.notes, "
            "(SELECT count(*) FROM accounts a WHERE a.organization = o.name AND a.deleted_at IS NULL) "
            "FROM organizations o ORDER BY o.name"
        ).fetchall()
        names: dict[int, list[str]] = {}
        for org_rowid, name in self.conn.execute(
            "SELECT organization_rowid, name FROM organization_names WHERE kind = 'alias' ORDER BY rowid"
        ):
            names.setdefault(org_rowid, []).append(name)
        return [
            {
                "name": r[1],
                "aliases": names.get(r[0], []),
                "type": r[2],
                "country": r[3],
                "notes": r[4],
                "accounts": r[5],
            }
            for r in rows
        ]

    # -- vocabulary ---------------------------------------------------------------------------------

    def user_codes(self) -> list[tuple[str, str, str, str, str]]:
        """(vocabulary, code, label, description, group) of every code users added."""
        return [
            tuple(r)  # type: ignore[misc]
            for r in self.conn.execute(
                "SELECT vocabulary, code, label, coalesce(description, ''), coalesce(grp, '') FROM vocabulary "
                "ORDER BY vocabulary, rowid"
            )
        ]

    def codes(self) -> dict[str, frozenset[str]]:
        """Every vocabulary's codes: the shipped ones and those users added."""
        from . import vocab

        out = {name: set(vocab.codes(name)) for name in vocab.VOCABULARIES}
        for vocabulary, code, *_ in self.user_codes():
            out.setdefault(vocabulary, set()).add(code)
        return {name: frozenset(codes) for name, codes in out.items()}

    def add_code(self, vocabulary: str, code: str, label: str, description: str, group: str, stamp: str) -> None:
        self.conn.execute(
            "INSERT INTO vocabulary (vocabulary, code, label, description, grp, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (vocabulary, code, label, description or None, group or None, stamp),
        )

    # -- sources and timeline -----------------------------------------------------------------------

    def sources(self, source_id: str | None = None) -> list[dict[str, Any]]:
        """Shared sources (one, by id prefix resolved by the caller) with the accounts citing each."""
        where, params = ("WHERE s.id = ?", [source_id]) if source_id else ("", [])
        cols = ", ".join(f"s.{c}" for c in _SOURCE_COLUMNS)
        out = []
        for row in self.conn.execute(f"SELECT s.rowid, s.id, {cols} FROM sources s {where} ORDER BY s.rowid", params):
            item = _nested_item("sources", (row[1], *row[2:], None, None, None, None))
            for key in ("role", "locator", "reliability", "credibility"):
                item.pop(key)
            item["accounts"] = [
                {"id": r[0], "name": r[1], "role": r[2], "locator": r[3], "reliability": r[4], "credibility": r[5]}
                for r in self.conn.execute(
                    "SELECT a.id, a.name, l.role, l.locator, l.reliability, l.credibility FROM account_sources l "
                    "JOIN accounts a ON a.rowid = l.account_rowid WHERE l.source_rowid = ? ORDER BY a.rowid",
                    (row[0],),
                )
            ]
            out.append(item)
        return out

    def resolve_source_id(self, ref: str) -> str:
        rows = self.conn.execute(
            "SELECT id FROM sources WHERE id >= ? AND id < ? ORDER BY id LIMIT 11", (ref, ref + "\U0010ffff")
        ).fetchall()
        if len(rows) == 1:
            return str(rows[0][0])
        if rows:
            raise UsageError(
                f"source id prefix {quote(ref)} is ambiguous; it matches {', '.join(r[0] for r in rows[:10])}"
            )
        raise NotFound(f"no source with id {quote(ref)}; `casefile source list` shows them")

    def timeline(self, flt: Filter) -> Iterator[tuple[str, str | None, dict[str, Any]]]:
        """(account id, account name, event) for the events of the accounts ``flt`` selects, ordered by the
        earliest possible day, then the latest; events whose year is unknown come last, in record order."""
        where, params = self.where(flt)
        cols = ", ".join(f"e.{c}" for c in _EVENT_COLUMNS)
        sql = (
            f"SELECT a.id, a.name, {cols}, s.id FROM events e JOIN accounts a ON a.rowid = e.account_rowid "
            f"LEFT JOIN sources s ON s.rowid = e.source_rowid WHERE e.account_rowid IN (SELECT rowid FROM accounts"
            f"{where}) ORDER BY e.date_min IS NULL, e.date_min, e.date_max, a.rowid, e.position"
        )
        for row in self.conn.execute(sql, params):
            yield str(row[0]), row[1], _nested_item("events", row[2:])


def same_record(a: Account, b: Account) -> bool:
    """Whether two accounts store the same values, nested parts included (timestamps ignored)."""
    return model.to_json_dict(a) == model.to_json_dict(b)


# ---------------------------------------------------------------------------------------- encryption

_PLAIN_HEADER = b"SQLite format 3\x00"
ENCRYPTED_EXTRA = "pip install 'casefile[encrypted]'"


def is_encrypted(path: Path) -> bool:
    """A non-empty file without SQLite's plain header: an SQLCipher database (or not a database at all)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError:
        return False
    return bool(head) and head != _PLAIN_HEADER


def _connect(path: Path, key: str | None, *, readonly: bool = False) -> sqlite3.Connection:
    name, uri = (f"{Path(path).resolve().as_uri()}?mode=ro", True) if readonly else (str(path), False)
    if key is None:
        return sqlite3.connect(name, uri=uri, isolation_level=None, timeout=_busy_timeout())
    try:
        import sqlcipher3
    except ImportError:
        raise DatabaseError(f"encrypted databases need the optional extra: {ENCRYPTED_EXTRA}") from None
    if not key or "\0" in key:
        raise UsageError("the database key must be non-empty text without NUL characters")
    conn: sqlite3.Connection = sqlcipher3.connect(name, uri=uri, isolation_level=None, timeout=_busy_timeout())
    conn.execute("PRAGMA cipher_log_level = NONE")  # SQLCipher's own log lines would break "one clear line"
    quoted = key.replace("'", "''")
    conn.execute(f"PRAGMA key = '{quoted}'")  # PRAGMA takes no bound parameters; the key is quoted as a literal
    return conn


def _check_key(conn: sqlite3.Connection, path: Path) -> None:
    """The first read decrypts page 1: a wrong key fails here, with one clear line."""
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except database_errors() as exc:
        if isinstance(_map_sqlite_error(exc), DatabaseBusy):
            raise
        raise DatabaseError(f"cannot open {path}: wrong key (or not an encrypted casefile database)") from None


def field_columns_equal(a: Account, b: Account) -> bool:
    """Whether two accounts store the same field values (timestamps ignored)."""
    return account_to_row(a) == account_to_row(b)


def _create_private_file(path: Path) -> None:
    """Create the database file mode 0600 (and missing folders 0700), whatever the umask."""
    make_private_folder(path.parent)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:  # likewise: it is creating the database; migrations wait for it
        return
    os.close(fd)
    os.chmod(path, 0o600)


class _Rollback(Exception):
    pass


def integrity_problems(conn: sqlite3.Connection) -> list[str]:
    """What ``PRAGMA integrity_check`` finds wrong (empty when the database is sound)."""
    try:
        rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check")]
    except database_errors() as exc:  # an encrypted file's connection raises SQLCipher's own classes
        return [str(exc)]
    return [] if rows == ["ok"] else rows


def schema_steps(conn: sqlite3.Connection) -> list[str] | None:
    """The casefile schema steps a database has applied, or None when it is not a casefile database."""
    try:
        return [
            str(r[0])
            for r in conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid", (MIGRATION_SET,)
            )
        ] or None
    except database_errors():
        return None


def fsync_path(path: Path) -> None:
    """Flush a file (or a folder's entries, after a rename) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def is_private(path: Path) -> bool:
    """True when neither group nor others can read or write the file."""
    return not (path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))


def _audit_triggers(kind: AuditKind) -> list[str]:
    """The temporary triggers that keep a record's rows the first time a transaction changes it. A trigger on
    a child table (an event, a source link) keeps the whole record. Records the transaction created (above
    the highest rowid at its start) are left alone, and inserts carry no trigger at all: a trigger makes
    SQLite write a statement journal for every row, which would slow a large import down by a quarter."""

    def capture(rid: str) -> str:
        steps = [
            f"INSERT INTO audit_touched_{kind.name} (rid, created) VALUES ({rid}, 0);",
            f"INSERT INTO audit_image_{kind.table} SELECT rowid, * FROM main.{kind.table} WHERE rowid = {rid};",
        ]
        steps += [
            f"INSERT INTO audit_image_{table} SELECT rowid, * FROM main.{table} WHERE {owner} = {rid};"
            for table, owner in kind.children
        ]
        return " ".join(steps)

    def trigger(name: str, event: str, table: str, rid: str) -> str:
        return (
            f"CREATE TEMP TRIGGER IF NOT EXISTS audit_{name} {event} ON {table} WHEN {rid} <= (SELECT max_rid "
            f"FROM audit_start WHERE kind = '{kind.name}') AND NOT EXISTS (SELECT 1 FROM audit_touched_{kind.name} "
            f"WHERE rid = {rid}) AND NOT EXISTS (SELECT 1 FROM audit_purged WHERE kind = '{kind.name}' AND "
            f"rid = {rid}) BEGIN {capture(rid)} END"
        )

    out = [
        trigger(f"{kind.table}_update", "BEFORE UPDATE", kind.table, "OLD.rowid"),
        trigger(f"{kind.table}_delete", "BEFORE DELETE", kind.table, "OLD.rowid"),
    ]
    for table, owner in kind.children:
        out += [
            trigger(f"{table}_insert", "BEFORE INSERT", table, f"NEW.{owner}"),
            trigger(f"{table}_update_old", "BEFORE UPDATE", table, f"OLD.{owner}"),
            trigger(f"{table}_update_new", "BEFORE UPDATE", table, f"NEW.{owner}"),
            trigger(f"{table}_delete", "BEFORE DELETE", table, f"OLD.{owner}"),
        ]
    return out
