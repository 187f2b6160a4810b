"""JSON input: a top-level array of objects, streamed one element at a time.

``json.load`` of a whole array costs about 4× the file size in memory, so the array is read in chunks of
:data:`CHUNK_CHARS` characters into a rolling buffer and each element is decoded with
``JSONDecoder.raw_decode``. The reader itself handles what lies between elements (whitespace, ``[``,
``,``, ``]``) and counts the newlines it passes, so every element knows the line of its first character.

An element may straddle a chunk boundary. A decode that fails near the end of the buffer (or with an
unterminated string) is retried with at least twice the data, so a long element costs linear, not
quadratic, time; a decode that succeeds but ends exactly at the end of the buffer is retried too,
because a number such as ``12`` might continue as ``123`` in the next chunk. A failure that more data
cannot fix is a syntax error; since the end of that element is unknown, it is fatal.

:class:`RecordDecoder` holds the checks Python's ``json`` does not make; it is shared with the JSONL
reader: duplicate keys (``json`` silently keeps the last), ``NaN``/``Infinity`` and numbers too large
for a float (``json`` turns them into non-finite floats), lone surrogates such as ``"\\ud800"`` (they
cannot be stored as UTF-8), nesting deeper than :data:`MAX_DEPTH`, and an element that is not an
object. These are row-level problems: the element's extent is known, so reading goes on.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator
from typing import Any, NoReturn, TextIO

from casefile.errors import Problem

from ._common import RawRow, TextInput, describe_problems, merge_problems

#: Characters read from the input at a time.
CHUNK_CHARS = 64 * 1024
#: The largest element (JSON array) or line (JSONL) accepted, in characters: a bound on memory.
MAX_ELEMENT_CHARS = 16 * 1024 * 1024
#: Objects and lists may nest this deep; records are flat, so deeper means a broken or hostile file.
MAX_DEPTH = 32
#: A decode error this close to the end of the buffer may just mean the element continues in the next chunk.
_LOOKAHEAD = 16

#: What decoding a value can raise besides the row-level problems (JSONDecodeError is a ValueError).
DECODE_FAILURES = (ValueError, RecursionError)

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_SURROGATE = re.compile("[\ud800-\udfff]")
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")


class RecordDecoder:
    """Decodes one JSON value and reports the problems casefile cares about (see the module docstring)."""

    def __init__(self) -> None:
        self._duplicates: list[str] = []
        self._nonfinite = False
        self._decoder = json.JSONDecoder(
            object_pairs_hook=self._object, parse_constant=self._constant, parse_float=self._float
        )

    def decode_at(self, text: str, pos: int) -> tuple[Any, int]:
        """The value starting exactly at ``text[pos]`` and the index just after it (``raw_decode``)."""
        self._reset()
        return self._decoder.raw_decode(text, pos)

    def decode(self, text: str) -> Any:
        """The single value in ``text``, surrounding whitespace allowed (one JSONL line)."""
        self._reset()
        return self._decoder.decode(text)

    def row(self, value: Any, raw: str, line: int) -> RawRow:
        """The :class:`RawRow` for a value just decoded from ``raw``, with any problems merged into ``error``."""
        problems = [Problem(line, key, "duplicate key") for key in self._duplicates]
        if not isinstance(value, dict):
            problems.append(Problem(line, None, f"is {_kind(value)}, not an object"))
        # Cheap filters first: only \u escapes make surrogates, only many brackets make deep nesting.
        if self._nonfinite or "\\u" in raw or raw.count("{") + raw.count("[") > MAX_DEPTH:
            _inspect(value, None, 1, line, problems)
        if problems:
            return RawRow(line, None, merge_problems(line, list(dict.fromkeys(problems))), raw)
        return RawRow(line, value, None, raw)

    def _reset(self) -> None:
        self._duplicates = []
        self._nonfinite = False

    def _object(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen and key not in self._duplicates:
                    self._duplicates.append(key)
                seen.add(key)
        return obj

    def _constant(self, name: str) -> float:
        self._nonfinite = True
        return float(name)

    def _float(self, text: str) -> float:
        value = float(text)
        if math.isinf(value):
            self._nonfinite = True
        return value


def failure_reason(exc: ValueError | RecursionError, column: int = 0) -> str:
    """Why a value could not be decoded at all, without quoting the input (``column`` of a syntax error)."""
    if isinstance(exc, json.JSONDecodeError):
        where = "" if exc.msg.endswith(" at") else " at"  # "Unterminated string starting at", "Expecting value"
        return f"not valid JSON: {exc.msg}{where} column {column}"
    if isinstance(exc, RecursionError):
        return f"nested too deeply (more than {MAX_DEPTH} levels are never valid)"
    return "a number has too many digits"  # int() refuses more than sys.get_int_max_str_digits()


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {list: "a list", str: "a string", bool: "true or false"}.get(type(value), "a number")


def _inspect(value: Any, key: str | None, depth: int, line: int, out: list[Problem]) -> None:
    """Walk a decoded value for lone surrogates, non-finite numbers and excessive depth."""
    if depth > MAX_DEPTH:
        out.append(Problem(line, key, f"nested more than {MAX_DEPTH} levels deep"))
    elif isinstance(value, dict):
        for name, item in value.items():
            if _SURROGATE.search(name):
                out.append(
                    Problem(line, name, "the key contains a lone surrogate (an unpaired \\ud800-\\udfff escape)")
                )
            _inspect(item, name, depth + 1, line, out)
    elif isinstance(value, list):
        for item in value:
            _inspect(item, key, depth + 1, line, out)
    elif isinstance(value, str):
        if _SURROGATE.search(value):
            out.append(Problem(line, key, "contains a lone surrogate (an unpaired \\ud800-\\udfff escape)"))
    elif isinstance(value, float) and not math.isfinite(value):
        out.append(Problem(line, key, "NaN, Infinity and numbers too large for a float are not allowed"))


class _ArrayReader:
    """The rolling buffer over one JSON input and the position/line bookkeeping (see the module docstring)."""

    def __init__(self, source: TextInput) -> None:
        self._source = source
        self._decoder = RecordDecoder()
        self._buf = ""
        self._pos = 0  # next unread character in _buf
        self._eof = False
        self._line = 1  # line of _buf[_pos]
        self._dropped = 0  # characters dropped from the front of _buf so far
        self._line_start = 0  # absolute offset of the first character of the current line

    def rows(self) -> Iterator[RawRow]:
        first = self._peek()
        if not first:
            self._fail("file is empty (expected a JSON array of objects)", 1)
        if first != "[":
            self._fail("the top level must be an array of objects: [{...}, {...}]")
        self._advance(self._pos + 1)
        if self._peek() == "]":
            self._advance(self._pos + 1)
        else:
            while True:
                yield self._element()
                separator = self._peek()
                if separator == "]":
                    self._advance(self._pos + 1)
                    break
                if separator != ",":
                    self._fail(
                        "expected ',' or ']' after an array element" if separator else "the array is never closed"
                    )
                self._advance(self._pos + 1)
        if self._peek():
            self._fail("unexpected data after the closing ']' of the array")

    def _element(self) -> RawRow:
        """Decode the element at the current position, reading more input while it may be incomplete."""
        self._peek()
        line, start = self._line, self._pos
        while True:
            try:
                value, end = self._decoder.decode_at(self._buf, start)
                complete = end < len(self._buf) or self._eof  # "12" at the end of the buffer may go on as "123"
            except json.JSONDecodeError as exc:
                truncated = exc.msg.startswith("Unterminated string") or exc.pos + _LOOKAHEAD >= len(self._buf)
                if self._eof or not truncated:
                    self._fail(failure_reason(exc, self._column(exc.pos)), self._line_at(exc.pos))
                complete = False
            except DECODE_FAILURES as exc:
                self._fail(failure_reason(exc), line)
            if complete:
                break
            if len(self._buf) - start > MAX_ELEMENT_CHARS:
                self._fail(f"an array element is longer than {MAX_ELEMENT_CHARS:,} characters (a string never closed?)")
            self._fill(2 * (len(self._buf) - start))  # at least double, so a long element costs linear time
            start = self._pos
        raw = self._buf[start:end]
        self._advance(end)
        return self._decoder.row(value, raw, line)

    def _peek(self) -> str:
        """The next character that is not JSON whitespace, or '' at the end of the input."""
        while True:
            self._advance(_WHITESPACE.match(self._buf, self._pos).end())  # type: ignore[union-attr]
            if self._pos < len(self._buf) or self._eof:
                return self._buf[self._pos : self._pos + 1]
            self._fill(1)

    def _fill(self, wanted: int) -> None:
        """Drop consumed text, then read until ``wanted`` unread characters are buffered or the input ends."""
        self._dropped += self._pos
        self._buf, self._pos = self._buf[self._pos :], 0
        try:
            while len(self._buf) < wanted and not self._eof:
                chunk = self._source.text.read(max(CHUNK_CHARS, wanted - len(self._buf)))
                self._buf += chunk
                self._eof = not chunk
        except UnicodeDecodeError as exc:
            raise self._source.decoding_error(exc) from None

    def _advance(self, end: int) -> None:
        newlines = self._buf.count("\n", self._pos, end)
        if newlines:
            self._line += newlines
            self._line_start = self._dropped + self._buf.rindex("\n", self._pos, end) + 1
        self._pos = end

    def _line_at(self, index: int) -> int:
        return self._line + self._buf.count("\n", self._pos, index)

    def _column(self, index: int) -> int:
        last_newline = self._buf.rfind("\n", self._pos, index)
        line_start = last_newline + 1 if last_newline >= 0 else self._line_start - self._dropped
        return index - line_start + 1

    def _fail(self, reason: str, line: int | None = None) -> NoReturn:
        raise self._source.error(reason, self._line if line is None else line)


def read(source: TextInput) -> Iterator[RawRow]:
    """Yield the elements of a JSON array input."""
    return _ArrayReader(source).rows()


def reject_object(row: RawRow, problems: list[Problem]) -> str:
    """One rejects entry, ``{"line": n, "reasons": [...], "record": <original element>}``, on one line.

    The element is copied verbatim when it is JSON (duplicate keys and all), with its line breaks, which
    can only be whitespace there, turned into spaces; text that is not JSON is kept as a JSON string.
    """
    record = row.raw
    try:
        json.loads(record)
    except (TypeError, ValueError, RecursionError):
        record = json.dumps(record, ensure_ascii=False)
    else:
        record = _LINE_BREAKS.sub(" ", record.strip())
    reasons = json.dumps(describe_problems(problems), ensure_ascii=False)
    return f'{{"line": {row.line}, "reasons": {reasons}, "record": {record}}}'


def write_rejects(rejects: Iterable[tuple[RawRow, list[Problem]]], out: TextIO) -> None:
    """The rejected elements as a JSON array, one per line (``[]`` when there are none)."""
    separator = "[\n"
    for row, problems in rejects:
        out.write(separator + reject_object(row, problems))
        separator = ",\n"
    out.write("[]\n" if separator == "[\n" else "\n]\n")
