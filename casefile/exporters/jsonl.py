"""JSONL output: one account per line, each line the same JSON as an element of the JSON export."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from casefile.model import Account

from .json import encode_account


def write(accounts: Iterable[Account], out: TextIO) -> int:
    """Write one line per account; returns the number written (an empty export is an empty file)."""
    return write_lines(map(encode_account, accounts), out)


def write_lines(lines: Iterable[str], out: TextIO) -> int:
    """Write accounts already encoded by ``encode_account`` (or ``Store.query_json``), one per line."""
    count = 0
    for line in lines:
        out.write(line + "\n")
        count += 1
    return count
