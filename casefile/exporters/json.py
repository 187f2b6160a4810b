"""JSON output: an array with one account per line, streamed element by element.

The bytes are exactly ``"[\\n" + ",\\n".join(json.dumps(to_json_dict(a), ensure_ascii=False)) + "\\n]\\n"``
(``"[]\\n"`` when empty), with no timestamps, so the same accounts always give the same file. The
encoder is built once (``json.dumps`` with options builds one per call) and refuses NaN/Infinity, which
would make the output invalid JSON, rather than writing them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TextIO

from casefile.model import Account, to_json_dict

_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)


def encode_account(account: Account | str) -> str:
    """The account's interchange form as one line of JSON (shared with the JSONL exporter). An account the
    store has already encoded (``Store.query_json``: the same text) is that line."""
    if isinstance(account, str):
        return account
    return _ENCODER.encode(to_json_dict(account))


def write(accounts: Iterable[Account | str], out: TextIO) -> int:
    """Write the array; returns the number of accounts written."""
    separator = "[\n"
    count = 0
    for account in accounts:
        out.write(separator + encode_account(account))
        separator = ",\n"
        count += 1
    out.write("\n]\n" if count else "[]\n")
    return count
