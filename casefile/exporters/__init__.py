"""Writing a stream of :class:`~casefile.model.Account` as CSV, JSON, JSONL or a Markdown dossier.

Exporters take any iterable of accounts (the store's query iterator) and write text to a stream, one
account at a time, so memory does not grow with the export. They know nothing of the database or of
rich. One module per format, each with ``write(accounts, out) -> count``; :func:`open_output` (in
``output``) gives the stream: stdout, or a temporary file renamed into place only on success.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from casefile.errors import UsageError
from casefile.model import Account

from . import csv as csv_format
from . import json as json_format
from . import jsonl as jsonl_format
from . import markdown as markdown_format
from .output import open_output

__all__ = ["FORMATS", "JSON_FORMATS", "open_output", "write_accounts", "write_csv_cells", "write_json_lines"]

FORMATS = ("csv", "json", "jsonl", "md")


def write_accounts(fmt: str, accounts: Iterable[Account], out: TextIO, *, safe_csv: bool = True) -> int:
    """Write ``accounts`` to ``out`` in ``fmt``; returns how many were written.

    ``safe_csv`` (CSV only) prefixes cells a spreadsheet would run as formulas with ``'``.
    """
    if fmt == "csv":
        return csv_format.write(accounts, out, safe_csv=safe_csv)
    if fmt == "json":
        return json_format.write(accounts, out)
    if fmt == "jsonl":
        return jsonl_format.write(accounts, out)
    if fmt == "md":
        return markdown_format.write(accounts, out)
    raise UsageError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")


def write_csv_cells(rows: Iterable[list[str]], out: TextIO, *, safe_csv: bool = True) -> int:
    """Write CSV from each account's cells as ``model.to_csv_row`` gives them (``Store.query_csv``): the same
    bytes as :func:`write_accounts` with the accounts themselves."""
    return csv_format.write_cells(rows, out, safe_csv=safe_csv)


#: Formats whose records can come pre-encoded from ``Store.query_json`` (see :func:`write_json_lines`).
JSON_FORMATS = ("json", "jsonl")


def write_json_lines(fmt: str, lines: Iterable[str], out: TextIO) -> int:
    """Write ``json`` or ``jsonl`` from accounts already encoded one per string, as ``Store.query_json`` gives
    them: the same bytes as :func:`write_accounts` with the accounts themselves, without building them."""
    if fmt == "json":
        return json_format.write_lines(lines, out)
    if fmt == "jsonl":
        return jsonl_format.write_lines(lines, out)
    raise UsageError(f"format {fmt!r} cannot be written from JSON lines; use json or jsonl")
