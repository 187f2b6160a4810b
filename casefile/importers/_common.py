"""Plumbing shared by the format readers: the :class:`RawRow` they yield, opening an input as decoded text,
and turning decoding failures into one-line :class:`InputError` s.

Design notes:

* Every reader works on a :class:`TextInput`: a binary stream wrapped in an incremental
  ``io.TextIOWrapper``. Nothing ever reads a whole file, so memory does not grow with file size.
* Between the two sits :class:`_NewlineCountingReader`, which counts the ``\\n`` bytes handed to the
  decoder. A ``UnicodeDecodeError`` is raised for a chunk read ahead of the line being parsed; its
  ``object`` is the undecoded input ending exactly where reading stopped, so the line of the bad byte is
  ``1 + newlines read - newlines after the bad byte``, exact even when the bad byte is lines ahead.
* Messages name the file, line and field and say what to do; they never quote record content.
"""

from __future__ import annotations

import codecs
import io
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, BinaryIO, TextIO, cast

from casefile.errors import InputError, Problem, UsageError, quote


@dataclass(slots=True)
class RawRow:
    """One record as read, before validation.

    ``line`` is the 1-based physical line where the record starts. ``data`` is the record as given (CSV:
    header → cell string; JSON: the decoded object), ``None`` when ``error`` is set. ``error`` is a
    row-level problem; reading goes on after it. ``raw`` is what a rejects file gets back: the list of
    cells for CSV, the element's original JSON text for JSON and JSONL.
    """

    line: int
    data: dict[str, Any] | None
    error: Problem | None
    raw: Any


class InputUsageError(InputError, UsageError):
    """An input problem caused by how casefile was called (format, encoding): exit code 2, not 1."""


def merge_problems(line: int, problems: list[Problem]) -> Problem:
    """One :class:`Problem` standing for several found in the same record (``RawRow.error`` holds one)."""
    if len(problems) == 1:
        return problems[0]
    reasons = (f"field {quote(p.field)}: {p.reason}" if p.field else p.reason for p in problems)
    return Problem(line, None, "; ".join(reasons))


def describe_problems(problems: list[Problem]) -> list[str]:
    """``field: reason`` strings (just ``reason`` when no field), as written into rejects files."""
    return [f"{p.field}: {p.reason}" if p.field else p.reason for p in problems]


def resolve_codec(encoding: str) -> str:
    """The codec name to decode with; UTF-8 becomes ``utf-8-sig`` so a byte-order mark is dropped."""
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise InputUsageError(
            f"unknown encoding {quote(encoding)}; pass an encoding name such as utf-8 or latin-1"
        ) from None
    return "utf-8-sig" if info.name == "utf-8" else info.name


class _NewlineCountingReader(io.BufferedIOBase):
    """A read-only view of a binary stream that counts the newline bytes it hands out.

    Closing it leaves the underlying stream open (it may be ``sys.stdin.buffer``).
    """

    def __init__(self, inner: BinaryIO) -> None:
        super().__init__()
        self._read1: Callable[[int], bytes] = getattr(inner, "read1", inner.read)
        self._read: Callable[[int], bytes] = inner.read
        self.newlines = 0
        self.head = b""  # the first bytes, to recognise a UTF-16/32 byte-order mark

    def readable(self) -> bool:
        return True

    def read1(self, size: int = -1, /) -> bytes:
        return self._counted(self._read1(size))

    def read(self, size: int | None = -1, /) -> bytes:
        return self._counted(self._read(-1 if size is None else size))

    def _counted(self, data: bytes) -> bytes:
        self.newlines += data.count(b"\n")
        if len(self.head) < 4:
            self.head += data[: 4 - len(self.head)]
        return data


_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class TextInput:
    """An input file as decoded text (``text``), with what is needed to report problems in it."""

    def __init__(self, path: str, binary: BinaryIO, codec: str, newline: str) -> None:
        self.path = path
        self._codec = codec
        self._counter = _NewlineCountingReader(binary)
        try:
            self.text: TextIO = io.TextIOWrapper(cast(BinaryIO, self._counter), encoding=codec, newline=newline)
        except LookupError:  # a codec that is not a text encoding, e.g. base64
            raise InputUsageError(f"{quote(codec)} is not a text encoding; pass e.g. --encoding latin-1") from None

    def error(self, reason: str, line: int | None, field: str | None = None) -> InputError:
        return InputError(reason, file=self.path, line=line, field=field)

    def decoding_error(self, err: UnicodeDecodeError) -> InputError:
        """The one-line error for bytes that the chosen encoding cannot decode, naming their line."""
        line = 1 + self._counter.newlines - err.object[err.start :].count(b"\n")
        wide = next((name for bom, name in _WIDE_BOMS if self._counter.head.startswith(bom)), None)
        if wide and self._codec == "utf-8-sig":
            reason = f"the file looks like {wide.upper()} (it starts with a byte-order mark); pass --encoding {wide}"
        elif self._codec == "utf-8-sig":
            reason = "not valid UTF-8; pass --encoding with the file's encoding (e.g. --encoding latin-1)"
        else:
            reason = f"not valid {self._codec} (the --encoding given); pass --encoding with the file's encoding"
        return self.error(reason, line)


@contextmanager
def open_input(path: str, encoding: str, stream: BinaryIO | None, newline: str) -> Iterator[TextInput]:
    """Open ``path`` (``stream`` when given, stdin for ``-``) as decoded text; closes only what it opened."""
    codec = resolve_codec(encoding)
    if stream is not None or path == "-":
        yield TextInput(path, stream or sys.stdin.buffer, codec, newline)
        return
    try:
        binary = open(path, "rb")  # noqa: SIM115 - closed below, after the caller is done
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror or type(exc).__name__})", file=path) from None
    with binary:
        yield TextInput(path, binary, codec, newline)
