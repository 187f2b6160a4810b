"""Reading CSV, JSON and JSONL inputs as a stream of :class:`RawRow` — nothing else.

Importers never touch the database and never validate field values (that is ``validation.py``); they
turn bytes into records, one at a time, so memory does not grow with the file. Each format lives in its
own module (``csv``, ``json``, ``jsonl``) with a ``read(source)`` generator and a ``write_rejects``; the
shared plumbing is in ``_common``.

Problems come in two kinds. A *fatal* one (the file cannot be read on: bad encoding, broken CSV quoting,
a JSON syntax error) raises :class:`~casefile.errors.InputError` naming the file and line. A *row-level*
one (a row with the wrong number of cells, a JSONL line that is not an object, a duplicate key) is
yielded as ``RawRow.error`` and reading continues. No message ever contains record content.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import BinaryIO, TextIO

from casefile.errors import Problem, quote

from . import csv as csv_format
from . import json as json_format
from . import jsonl as jsonl_format
from ._common import InputUsageError, RawRow, open_input, resolve_codec

__all__ = ["FORMATS", "InputUsageError", "RawRow", "RowReader", "detect_format", "read_rows", "write_rejects"]

FORMATS = ("csv", "json", "jsonl")

_EXTENSIONS = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def detect_format(path: str, explicit: str | None) -> str:
    """The input format: ``explicit`` (``--format``) if given, else from the file extension."""
    if explicit:
        fmt = explicit.lower()
        if fmt not in FORMATS:
            raise InputUsageError(f"unknown format {quote(explicit)}; use --format csv, json or jsonl", file=path)
        return fmt
    if path == "-":
        raise InputUsageError("cannot tell the format of standard input; use --format csv, json or jsonl", file=path)
    by_extension = _EXTENSIONS.get(os.path.splitext(path)[1].lower())
    if by_extension is None:
        raise InputUsageError("cannot tell the format from the file name; pass --format csv, json or jsonl", file=path)
    return by_extension


class RowReader(Iterator[RawRow]):
    """The iterator :func:`read_rows` returns; the input is opened on the first ``next()``.

    ``header`` is the CSV header once it has been read (``None`` before, and always for JSON/JSONL) —
    what :func:`write_rejects` needs even when every row was rejected. Use it as a context manager, or
    call ``close()``, to close the file when stopping early.
    """

    def __init__(self, path: str, fmt: str, encoding: str, stream: BinaryIO | None) -> None:
        if fmt not in FORMATS:
            raise InputUsageError(f"unknown format {quote(fmt)}; use csv, json or jsonl", file=path)
        resolve_codec(encoding)  # an unknown --encoding is a usage error before anything is read
        self.path = path
        self.header: list[str] | None = None
        self._rows = self._generate(fmt, encoding, stream)

    def _generate(self, fmt: str, encoding: str, stream: BinaryIO | None) -> Iterator[RawRow]:
        with open_input(self.path, encoding, stream, newline="" if fmt == "csv" else "\n") as source:
            if fmt == "csv":
                yield from csv_format.read(source, self._set_header)
            else:
                yield from (json_format if fmt == "json" else jsonl_format).read(source)

    def _set_header(self, header: list[str]) -> None:
        self.header = header

    def __next__(self) -> RawRow:
        return next(self._rows)

    def close(self) -> None:
        self._rows.close()  # type: ignore[attr-defined]

    def __enter__(self) -> RowReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_rows(path: str, fmt: str, *, encoding: str = "utf-8", stream: BinaryIO | None = None) -> RowReader:
    """Stream the records of one input file.

    ``path`` is read unless ``stream`` is given (the CLI passes ``sys.stdin.buffer`` for ``-``); ``path``
    is always what messages name. ``encoding`` defaults to UTF-8, with or without a byte-order mark.
    """
    return RowReader(path, fmt, encoding, stream)


def write_rejects(
    fmt: str, rejects: Iterable[tuple[RawRow, list[Problem]]], out: TextIO, header: list[str] | None
) -> None:
    """Write rejected records in their input format, each with its line and reasons, for the researcher.

    CSV: ``rejected_line``, ``rejected_reasons`` (``field: reason; field: reason``), then the original
    columns under the original ``header``. JSON: an array of ``{"line", "reasons", "record"}`` objects,
    one per line; JSONL: one such object per line. The rejects file holds record content by design.
    """
    if fmt == "csv":
        csv_format.write_rejects(rejects, out, header)
    elif fmt == "json":
        json_format.write_rejects(rejects, out)
    elif fmt == "jsonl":
        jsonl_format.write_rejects(rejects, out)
    else:
        raise InputUsageError(f"unknown format {quote(fmt)}; use csv, json or jsonl")
