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
from .output import open_output, sync

__all__ = ["FORMATS", "open_output", "sync", "write_accounts"]

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
