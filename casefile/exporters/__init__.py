"""Writing a stream of :class:`~casefile.model.Account` as CSV, JSON, JSONL, a Markdown dossier or FtM entities.

Exporters take any iterable of accounts (the store's query iterator) and write text to a stream, one
account at a time, so memory does not grow with the export. They know nothing of the database or of
rich: what else a format needs (FtM: the organisation records) is passed in. One module per format, each
with ``write(accounts, out) -> count``; :func:`open_output` (in ``output``) gives the stream: stdout, or a
temporary file renamed into place only on success. ``ftm`` imports the followthemoney library only when
it writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TextIO

from casefile.errors import UsageError, quote

from . import csv as csv_format
from . import ftm as ftm_format
from . import json as json_format
from . import jsonl as jsonl_format
from . import markdown as markdown_format
from .output import open_output, sync

__all__ = ["FORMATS", "open_output", "sync", "write_accounts"]

FORMATS = ("csv", "json", "jsonl", "md", "ftm")


def write_accounts(
    fmt: str,
    accounts: Iterable[Any],
    out: TextIO,
    *,
    safe_csv: bool = True,
    organizations: Iterable[Mapping[str, Any]] = (),
    dataset: str = ftm_format.DEFAULT_DATASET,
    warn: ftm_format.Warn | None = None,
) -> int:
    """Write ``accounts`` to ``out`` in ``fmt``; returns how many were written.

    ``accounts`` are :class:`Account` objects; for ``csv``, ``json`` and ``jsonl`` they can also come already
    encoded, to the same bytes in the end: each one's cells from ``Store.query_csv``, its line of JSON from
    ``Store.query_json``.

    ``safe_csv`` (CSV only) prefixes cells a spreadsheet would run as formulas with ``'``. FtM only:
    ``organizations`` (the store's organisation records), ``dataset`` (the id prefix) and ``warn`` (one
    line per value FtM cannot carry).
    """
    if fmt == "csv":
        return csv_format.write(accounts, out, safe_csv=safe_csv)
    if fmt == "json":
        return json_format.write(accounts, out)
    if fmt == "jsonl":
        return jsonl_format.write(accounts, out)
    if fmt == "md":
        return markdown_format.write(accounts, out)
    if fmt == "ftm":
        return ftm_format.write(accounts, out, organizations, dataset=dataset, warn=warn)
    raise UsageError(f"unknown export format {quote(fmt)}; use one of {', '.join(FORMATS)}")
