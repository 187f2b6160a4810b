"""The parts of records as their own CSV tables, keyed by account id: ``export --table events|quotes|…``.

One row per event, quote, source link, place or person mentioned, with the account's ``account_id`` first
and then the part's keys exactly as in the JSON export (dates with their parsed companions), so a
statistician can join the tables on ``account_id``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TextIO

from casefile.model import NESTED, Account, nested_to_json

from .csv import header_line, row_line

TABLES = tuple(NESTED)


def header(part: str) -> list[str]:
    return ["account_id", *nested_to_json(part, {})]


def write(part: str, accounts: Iterable[Account], out: TextIO, *, safe_csv: bool = True) -> int:
    """Write the table of ``part`` for these accounts (nested parts loaded); returns the number of rows."""
    out.write(header_line(header(part), safe_csv))
    count = 0
    for account in accounts:
        for item in account.values.get(part) or ():
            cells = [str(account.id), *(_cell(v) for v in nested_to_json(part, item).values())]
            out.write(row_line(cells, safe_csv))
            count += 1
    return count


def _cell(value: Any) -> str:
    return "" if value is None else str(value)
