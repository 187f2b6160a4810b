"""JSONL (newline-delimited JSON) input: one object per line, read one line at a time.

Each line is decoded with the same checks as a JSON array element (:class:`~.json.RecordDecoder`). The
extent of a record is its line, so every bad line, even one that is not JSON at all, is a row-level
problem and reading goes on. Blank lines are skipped. Only an input that cannot be decoded as text, or a
line longer than :data:`~.json.MAX_ELEMENT_CHARS` (a bound on memory), is fatal.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from json import JSONDecodeError
from typing import TextIO

from casefile.errors import Problem

from ._common import RawRow, TextInput
from .json import DECODE_FAILURES, MAX_ELEMENT_CHARS, RecordDecoder, failure_reason, reject_object


def read(source: TextInput) -> Iterator[RawRow]:
    """Yield one :class:`RawRow` per non-blank line (the input is opened with ``newline="\\n"``)."""
    decoder = RecordDecoder()
    number = 0
    while True:
        try:
            line = source.text.readline(MAX_ELEMENT_CHARS + 1)
        except UnicodeDecodeError as exc:
            raise source.decoding_error(exc) from None
        if not line:
            return
        number += 1
        if len(line) > MAX_ELEMENT_CHARS:
            raise source.error(f"the line is longer than {MAX_ELEMENT_CHARS:,} characters", number)
        raw = line.removesuffix("\n").removesuffix("\r")
        if not raw.strip(" \t"):
            continue
        try:
            value = decoder.decode(raw)
        except DECODE_FAILURES as exc:
            reason = failure_reason(exc, exc.colno if isinstance(exc, JSONDecodeError) else 0)
            yield RawRow(number, None, Problem(number, None, reason), raw)
        else:
            yield decoder.row(value, raw, number)


def write_rejects(rejects: Iterable[tuple[RawRow, list[Problem]]], out: TextIO) -> None:
    """The rejected lines as JSONL: one ``{"line", "reasons", "record"}`` object per line."""
    for row, problems in rejects:
        out.write(reject_object(row, problems) + "\n")
