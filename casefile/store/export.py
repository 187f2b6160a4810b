"""Exports written by SQLite: the cells of a CSV export and the lines of a JSON one, selected and mostly
encoded in SQL, so an export of many accounts does not build an Account per row only to flatten it again.
The output is byte for byte what the exporters write from Accounts (tests compare them).
"""

from __future__ import annotations

import functools
import json
import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from casefile import model
from casefile.model import Filter

from .accounts import _SELECT_COLUMNS, _load_multi, row_to_account
from .base import StoreBase
from .parts import _NESTED_COLUMNS, _NESTED_FROM, _NESTED_ORDER

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
    for f in model.FIELDS:
        if f.multi or f.kind in ("number", "year"):
            formatters.append((len(columns), _csv_multi if f.multi else _csv_number))
            columns.append(f'accounts."{f.name}"')
        else:  # text and codes as stored; a date's raw text, then its parts
            columns.append(f"coalesce(accounts.\"{f.name}\", '')")
            columns.extend(  # a date's parts only beside its raw text, as row_to_account reads them
                f"CASE WHEN accounts.\"{f.name}\" IS NULL THEN '' ELSE coalesce(accounts.\"{c}\", '') END"
                for c in f.columns()[1:]
            )
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
    then its parts, all null when the raw text is (row_to_account makes no date then)."""
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
    if f.coded:  # what was written, then its code
        return f"""json_quote({columns[0]}) || {_sql_string(f', "{f.name}_code": ')} || json_quote({columns[1]})"""
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


class Export(StoreBase):
    """The CSV cells and JSON lines of the accounts a Filter selects."""

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
