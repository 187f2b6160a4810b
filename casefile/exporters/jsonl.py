"""JSONL output: one account per line, each line the same JSON as an element of the JSON export."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from casefile.model import Account

from .json import encode_account


def write(accounts: Iterable[Account | str], out: TextIO) -> int:
    """Write one line per account (or line ``Store.query_json`` encoded); returns the number written (an empty
    export is an empty file)."""
    count = 0
    for account in accounts:
        out.write(encode_account(account) + "\n")
        count += 1
    return count
