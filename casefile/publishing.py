"""Sharing a case file: ``publish`` writes a new SQLite file holding only what may be shared (issue 17).

The file is built from an allow-list, never by copying the working database and deleting from it: the store
writes the shareable rows straight into the new file the output mechanism gives
(:meth:`casefile.store.Store.write_published`), with a full-text index over them alone, and the file then takes
the output's place as every file casefile writes does (:mod:`casefile.exporters.output`: fsynced, renamed
atomically, never the database, its journals or keys). With ``--redact``/``--pseudonymise`` the rows are first
copied to a private scratch folder (0700, locked while in use) beside the working database and shaped there as
``export`` shapes them, and the new file is written from that copy; the folder is removed whatever happens
(``doctor`` finds what a ``kill -9`` leaves). The published file is plain SQLite even when the working database
is encrypted: it is meant to be shared.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import model, paths
from .privacy import Citers, Shaper

if TYPE_CHECKING:
    from .store import Store

#: Accounts shaped (redacted, pseudonymised) per step: bounded memory whatever the size of the file.
_CHUNK = 500


#: The columns of the tables beside ``accounts`` a reader needs explained (foreign keys above all).
_PART_COLUMNS: dict[str, dict[str, str]] = {
    "account_sources": {
        "account_rowid": "The account citing the source.",
        "source_rowid": "The source cited.",
        "position": "Order of the source in the account (0: the first).",
        "role": "What the source is for this account (primary, corroborating, …).",
    },
    "events": {
        "account_rowid": "The account this event belongs to.",
        "source_rowid": "The source that reports the event.",
        "type": "What happened (captured, recruited, left, …).",
        "date_min": "Earliest possible day of the event.",
    },
    "quotes": {
        "account_rowid": "The account quoted.",
        "source_rowid": "The source of the quote.",
        "text": "The exact words.",
    },
    "organization_names": {"organization_rowid": "The organisation this name or alias belongs to."},
}
_LABELS = {
    "accounts": "name",
    "sources": "title",
    "organizations": "name",
    "organization_names": "name",
    "vocabulary": "label",
}
_DATE_PART_HELP = {
    "edtf": "as an EDTF value",
    "min": "earliest possible day",
    "max": "latest possible day",
    "precision": "precision",
    "corrected": "the researcher's correction",
    "note": "note on the date",
    "anchor": "what a derived date counts from (empty when the date is stated)",
}
#: Canned queries: name → (title, SQL).
QUERIES = {
    "timeline": (
        "Timeline: every event of the published accounts, earliest first",
        "SELECT events.date_min AS earliest, events.date AS date, events.type, accounts.name, accounts.organization,"
        " events.place, events.description FROM events JOIN accounts ON accounts.rowid = events.account_rowid"
        " ORDER BY events.date_min IS NULL, events.date_min, accounts.name",
    ),
    "counts_by_reason_and_year": (
        "Accounts by reason for leaving and (earliest) year left",
        "SELECT reason.value AS reason, accounts.left_year AS year, count(*) AS accounts"
        " FROM accounts, json_each(accounts.reasons) AS reason GROUP BY reason.value, accounts.left_year"
        " ORDER BY accounts.left_year IS NULL, accounts.left_year, reason.value",
    ),
}


def metadata(database: str) -> dict[str, Any]:
    """Datasette metadata for a published file named ``database`` (its stem): table and column descriptions
    from the field registry, label columns for foreign keys, facets and canned queries."""
    columns: dict[str, str] = {}
    for f in model.FIELDS:
        columns[f.name] = f.help
        if f.kind == "date":
            for part in model.DATE_PARTS:
                columns[f"{f.name}_{part}"] = f"{f.name}: {_DATE_PART_HELP[part]}."
    columns["left_year"] = "left: the earliest year it can have been (from left_min)."
    tables: dict[str, Any] = {
        "accounts": {
            "description": "One person's defection as a source reports it; only accounts that may be shared.",
            "columns": columns,
            "facets": ["organization", {"array": "reasons"}, "nationality", "left_year"],
            "fts_table": "accounts_fts",
            "fts_pk": "rowid",
        },
        "organizations": {"description": "Organisations the accounts name.", "facets": ["country", "type"]},
        "organization_names": {"description": "Names and aliases of the organisations."},
        "sources": {"description": "The sources the published accounts, events and quotes cite."},
        "account_sources": {"description": "Which account cites which source."},
        "events": {"description": "The timeline of each account.", "facets": ["type"]},
        "quotes": {"description": "Words quoted from the accounts' sources."},
        "vocabulary": {"description": "Labels of the coded values (reasons, exit types, …).", "facets": ["vocabulary"]},
    }
    for table, label in _LABELS.items():
        tables[table]["label_column"] = label
    for table, described in _PART_COLUMNS.items():
        tables[table]["columns"] = described
    queries = {name: {"title": title, "sql": sql} for name, (title, sql) in QUERIES.items()}
    return {
        "title": "casefile: a published case file",
        "description": "Only what may be shared: no restricted, deleted or merged-away accounts, no audit log.",
        "databases": {database: {"tables": tables, "queries": queries}},
    }


def metadata_path(out: str) -> str:
    """Where the metadata of the file published at ``out`` goes: ``shared.db`` → ``shared.metadata.json``."""
    return str(Path(out).with_suffix(".metadata.json"))


@dataclass(frozen=True)
class Published:
    accounts: int
    left_out: dict[str, int]  # reason → how many (no record text)


def publish(
    store: Store,
    out: str,
    *,
    shape: Shaper | None = None,
    protect: Mapping[str, str] | None = None,
    advance: Callable[[int], None] | None = None,
) -> Published:
    """Write to ``out`` a new database holding what ``store`` may share; ``shape`` is export's redaction;
    ``advance`` is told how many rows each step wrote (a progress bar)."""
    from .exporters.output import output_path

    with output_path(out, protect=protect, scratch=str(store.path.parent)) as final:
        if shape is None:  # straight from the working file into the output's new file
            count, left_out = store.write_published(Path(final), advance)
        else:
            count, left_out = _publish_shaped(store, shape, Path(final), advance)
    return Published(count, left_out)


def _publish_shaped(
    store: Store, shape: Shaper, final: Path, advance: Callable[[int], None] | None
) -> tuple[int, dict[str, int]]:
    """``--redact``/``--pseudonymise``: the rows that may be shared are copied to a private scratch file, shaped
    there (no unshaped byte ever reaches ``final``) and indexed, then written to ``final`` as an unshaped publish
    is."""
    from .exporters.output import TEMP_PREFIX
    from .store import Store

    # beside the working database (the unshaped rows stay where the testimony is, and doctor looks there)
    with paths.locked_folder(f"{TEMP_PREFIX}publish.", store.path.parent) as folder:
        build = folder / "published.db"
        staged = Store.open(build, create=True)
        try:
            left_out = store.copy_published(build)
            _shape(staged, shape, store.source_citers, advance)
            staged.rebuild_search()  # the index holds the shaped text
            count, _ = staged.write_published(final, advance)
        finally:
            staged.close()
    return count, left_out


def _shape(staged: Store, shape: Shaper, citers: Citers, advance: Callable[[int], None] | None) -> None:
    """Apply ``shape`` to every account of the staged file, a chunk at a time, in one transaction without the
    audit log (the staged file is private and thrown away; only its live rows reach the output)."""
    from .store import now

    stamp = now()
    rowids = [int(r[0]) for r in staged.conn.execute("SELECT rowid FROM accounts ORDER BY rowid")]
    with staged.transaction(hooks=False):
        for start in range(0, len(rowids), _CHUNK):
            accounts = staged.accounts_by_rowid(rowids[start : start + _CHUNK])
            originals = list(accounts.values())
            for original, shaped in zip(originals, shape(originals, citers), strict=True):
                shaped.rowid = original.rowid
                staged.update(shaped, original.updated_at or stamp)
            if advance is not None:
                advance(len(originals))
