"""JSON output: an array with one account per line, streamed element by element.

The bytes are exactly ``"[\\n" + ",\\n".join(json.dumps(to_json_dict(a), ensure_ascii=False)) + "\\n]\\n"``
(``"[]\\n"`` when empty), with no timestamps, so the same accounts always give the same file. The
encoder is built once (``json.dumps`` with options builds one per call) and refuses NaN/Infinity, which
would make the output invalid JSON, rather than writing them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

from casefile.model import Account, to_json_dict

_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)


def _iterencoder() -> Any:
    """``_ENCODER``'s C iterencoder, made once (``encode`` makes a new one, and a markers dict, per call).

    No circular-reference markers: an account is a flat dict of strings, numbers and lists of strings.
    ``None`` where the C accelerator is missing; then :func:`encode_account` uses ``_ENCODER.encode``.
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython always has it
        return None
    return make(None, _ENCODER.default, json.encoder.encode_basestring, None, ": ", ", ", False, False, False)


_C_ENCODE = _iterencoder()


def encode_account(account: Account) -> str:
    """The account's interchange form as one line of JSON (shared with the JSONL exporter)."""
    if _C_ENCODE is None:  # pragma: no cover
        return _ENCODER.encode(to_json_dict(account))
    return "".join(_C_ENCODE(to_json_dict(account), 0))


def write(accounts: Iterable[Account], out: TextIO) -> int:
    """Write the array; returns the number of accounts written."""
    return write_lines(map(encode_account, accounts), out)


def write_lines(lines: Iterable[str], out: TextIO) -> int:
    """Write the array from accounts already encoded by :func:`encode_account` (or ``Store.query_json``)."""
    separator = "[\n"
    count = 0
    for line in lines:
        out.write(separator + line)
        separator = ",\n"
        count += 1
    out.write("\n]\n" if count else "[]\n")
    return count
