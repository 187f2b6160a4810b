"""What ``publish`` asks of the database: write the rows that may be shared into a brand-new database file,
from an allow-list, never by copying everything and deleting.

:meth:`Publishing.write_published` makes the new file's schema from this database's own (every table but those a
published file never holds, :data:`UNPUBLISHED_TABLES`; plus ``left_year``, a virtual column for a facet),
attaches it to this connection and fills it by ``INSERT … SELECT`` under one read snapshot: the accounts that
are not restricted and not deleted (a merged-away account is a deleted one), their source links, events,
quotes, places and people mentioned (a person's link to an account that is not published is left empty), the
sources a published account or part cites, every organisation with its aliases, the
vocabulary labels and the list of schema steps. Nothing else is copied: no audit log, no merge redirects, no
accepted ``check`` findings. Only row values travel, never pages, and nothing is ever deleted or updated in
the new file, so it has no free page and no page holds bytes of anything but what was published.

The full-text index is built anew over the published accounts alone, from what the working file indexed for
them (the ``accounts_fts_docs`` rule), in SQLite's ``temp`` schema (an anonymous file SQLite unlinks as it
opens it: nothing is left behind, whatever stops the process) with a larger pending-terms budget and fewer
merges, and its shadow tables are then copied into the new file as they are: FTS5's merges free pages, which
must not happen in the published file. The indexes are built last, each in one sorted pass. The new file is
written without a journal or fsync (it is a private temporary file that is thrown away unless all of it was
written; the output mechanism fsyncs it before it takes the output's place). The working database is only
read.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from casefile.searchable import SEARCH_COLUMNS, SEARCH_INDEXED

from .audit_log import ENTRY_SPAN
from .base import StoreBase
from .connection import PAGE_SIZE, _map_sqlite_error, database_errors

#: The rows a published file holds, table by table, in an order foreign keys accept; ``{published}`` is
#: the published accounts' rowids (already copied), ``{cited}`` the sources they cite. (A join or a rowid
#: lookup per row: ``IN (SELECT rowid FROM pub.accounts)`` would first copy every published rowid, each time.)
_PUBLISHED = "EXISTS (SELECT 1 FROM pub.accounts AS p WHERE p.rowid = {column})"
_CITED = " UNION ".join(
    f"SELECT t.source_rowid FROM main.{table} AS t JOIN pub.accounts AS p ON p.rowid = t.account_rowid"
    for table in ("account_sources", "events", "quotes", "places", "people")
)
_COPIES: tuple[tuple[str, str], ...] = (
    ("accounts", "deleted_at IS NULL AND confidentiality != 'restricted'"),
    ("sources", f"rowid IN ({_CITED})"),
    ("account_sources", _PUBLISHED.format(column="account_rowid")),
    ("events", _PUBLISHED.format(column="account_rowid")),
    ("quotes", _PUBLISHED.format(column="account_rowid")),
    ("places", _PUBLISHED.format(column="account_rowid")),
    ("people", _PUBLISHED.format(column="account_rowid")),
    ("coded_items", _PUBLISHED.format(column="account_rowid")),
    ("organizations", "1"),
    ("organization_names", "1"),
    ("vocabulary", "1"),
    ("accounts_fts_docs", "rowid IN (SELECT rowid FROM pub.accounts)"),  # all of them: one sorted list is faster
)
#: The search index of the published accounts, from what the published file's docs table says was indexed: the
#: docs row's text where it differs from the account's columns, else the column (the ``accounts_fts_forget``
#: trigger's own rule). All of it is the accounts' own text and their parts', which are published with them.
_INDEX = (
    "INSERT INTO temp.{fts} (rowid, "
    + ", ".join(SEARCH_COLUMNS)
    + ") SELECT d.rowid, "
    + ", ".join(SEARCH_INDEXED)
    + " FROM {db}.accounts_fts_docs AS d JOIN {db}.accounts AS a ON a.rowid = d.rowid ORDER BY d.rowid"
)
#: The search index's shadow tables that hold the index itself (``config`` holds settings, copied as they are).
_FTS_SHADOWS = ("data", "idx", "docsize")
#: FTS5 settings for building the index: a 8 MiB pending-terms budget (1 MiB by default) and merging 16 segments
#: at a time (4) roughly halve the CPU time of the build (docs/PERFORMANCE.md, P1); RSS stays under 64 MiB.
_FTS_BUILD = (("hashsize", 8 * 1024 * 1024), ("automerge", 16))
#: Told how many rows a step wrote (a progress bar), or None.
Progress = Callable[[int], None] | None
#: Tables a published file never holds, dropped from its schema. Evidence (captured pages, attached files,
#: their fixity records and custody logs) is never published: the bytes may name people the accounts do not,
#: and are often someone else's copyright; a published source keeps its title, publisher, URL and date.
UNPUBLISHED_TABLES = (
    "audit_log",
    "audit_batches",
    "account_redirects",
    "check_ignores",
    "org_check_ignores",
    "captures",
    "artifact_texts",
    "custody",
    "artifact_chunks",
    "artifacts",
)

#: The accounts and history no published file holds, counted (no record text): the reason → how many.
_UNPUBLISHED = {
    "restricted": "SELECT count(*) FROM main.accounts WHERE deleted_at IS NULL AND confidentiality = 'restricted'",
    "deleted": "SELECT count(*) FROM main.accounts WHERE deleted_at IS NOT NULL "
    "AND id NOT IN (SELECT old_id FROM main.account_redirects)",
    "merged away": "SELECT count(*) FROM main.accounts WHERE deleted_at IS NOT NULL "
    "AND id IN (SELECT old_id FROM main.account_redirects)",
    "audit log entries": f"SELECT coalesce(sum({ENTRY_SPAN}), 0) FROM main.audit_log",  # a range: its records
}


def _columns(conn: sqlite3.Connection, table: str) -> str:
    """What to copy of a row: every column, except that a person mentioned keeps the link to their own account
    only when that account is published (the link would otherwise name an account the file leaves out; it is
    left empty as the row is written, never updated afterwards)."""
    if table != "people":
        return "*"
    names = [r[1] for r in conn.execute("PRAGMA main.table_info(people)")]
    return ", ".join(
        "CASE WHEN account IN (SELECT id FROM pub.accounts) THEN account END" if n == "account" else f'"{n}"'
        for n in names
    )


_UNCITED = "SELECT (SELECT count(*) FROM main.sources) - (SELECT count(*) FROM pub.sources)"


class Publishing(StoreBase):
    """The allow-list copy behind ``publish``."""

    def write_published(self, target: Path, advance: Progress = None) -> tuple[int, dict[str, int]]:
        """Write to ``target`` (a new, empty file) a published database: what this database may share, searchable.
        Returns how many accounts it holds and what was left out, counted by reason. One read snapshot;
        ``target`` gets all of it or is to be thrown away. ``advance`` is told the rows each step wrote. Refused
        while this database's index is out of date: the published index is built from it."""
        self.require_search_index()
        tables, later = self._published_schema()
        try:
            _create(target, tables, self.conn.execute("PRAGMA main.user_version").fetchone()[0])
        except sqlite3.Error as exc:
            raise _map_sqlite_error(exc, target) from exc
        conn = self.conn
        with self._attached(target):
            for table, where in (*_COPIES, ("_sqlite_migrations", "1")):
                done = conn.execute(
                    f"INSERT INTO pub.{table} SELECT {_columns(conn, table)} FROM main.{table} WHERE {where}"
                ).rowcount
                if advance is not None:
                    advance(max(done, 0))
            conn.execute("INSERT OR REPLACE INTO pub.accounts_fts_config SELECT * FROM main.accounts_fts_config")
            self._build_index("pub")
            if advance is not None:
                advance(0)  # (the index: the rate shown stays rows copied per second of the whole job)
            for sql in later:  # each index in one sorted pass over the rows, rather than row by row
                conn.execute(_IN_PUB.sub(lambda m: m.group() + "pub.", sql, count=1))
            published = int(conn.execute("SELECT count(*) FROM pub.accounts").fetchone()[0])
            return published, self._left_out()

    def copy_published(self, target: Path) -> dict[str, int]:
        """Fill ``target`` (a new casefile database, plain, made by :meth:`Connection.open`) with the rows that may
        be shared, to be redacted or pseudonymised there before :meth:`write_published` writes them out; the
        search index is left to be built over the shaped text. Returns what was left out, counted by reason."""
        with self._attached(target):
            for table, where in _COPIES:
                if table != "accounts_fts_docs":
                    self.conn.execute(
                        f"INSERT INTO pub.{table} SELECT {_columns(self.conn, table)} FROM main.{table} WHERE {where}"
                    )
            return self._left_out()

    def unpublished(self) -> dict[str, int]:
        """How many accounts a publish leaves out, by reason, and how many audit entries (counts only)."""
        return {reason: int(self.conn.execute(sql).fetchone()[0]) for reason, sql in _UNPUBLISHED.items()}

    def _left_out(self) -> dict[str, int]:
        left = self.unpublished()
        left["sources no published account cites"] = int(self.conn.execute(_UNCITED).fetchone()[0])
        return left

    @contextmanager
    def _attached(self, target: Path) -> Iterator[None]:
        """``target`` attached as ``pub``, without journal or fsync, in one transaction of this connection."""
        conn = self.conn
        key = " KEY ''" if self.encrypted else ""  # SQLCipher: the attached file is plain
        try:
            conn.execute(f"ATTACH DATABASE ? AS pub{key}", (str(target),))
            try:  # a scratch file, thrown away on failure: no journal, no waiting for the disk
                conn.execute("PRAGMA pub.journal_mode = OFF")
                conn.execute("PRAGMA pub.synchronous = OFF")
                conn.execute("BEGIN")
                try:
                    yield
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            finally:
                conn.execute("DETACH DATABASE pub")
        except database_errors() as exc:
            raise _map_sqlite_error(exc, self.path) from exc

    def _build_index(self, db: str) -> None:
        """The search index of ``db``'s accounts, built in the ``temp`` schema and copied into ``db``'s (empty)
        shadow tables: the same rows, in the same order, with the same tokenizer, as if built in place."""
        conn = self.conn
        fts = "published_fts"
        tokenize = conn.execute(
            "SELECT sql FROM main.sqlite_master WHERE name = 'accounts_fts' AND type = 'table'"
        ).fetchone()[0]
        tokenizer = _TOKENIZE.search(tokenize)
        assert tokenizer is not None, "the search index declares its tokenizer"
        conn.execute("PRAGMA temp.secure_delete = OFF")  # FTS5's merges free pages: only the temp file's
        conn.execute("PRAGMA temp.journal_mode = OFF")
        conn.execute(f"DROP TABLE IF EXISTS temp.{fts}")
        conn.execute(
            f"CREATE VIRTUAL TABLE temp.{fts} USING fts5({', '.join(SEARCH_COLUMNS)}, content='', "
            f"tokenize={tokenizer.group(1)})"
        )
        for option, value in _FTS_BUILD:
            conn.execute(f"INSERT INTO temp.{fts} ({fts}, rank) VALUES (?, ?)", (option, value))
        conn.execute(_INDEX.format(fts=fts, db=db))
        for shadow in _FTS_SHADOWS:  # (an empty index's two records, all zeros, make way for the built one's)
            conn.execute(f"DELETE FROM {db}.accounts_fts_{shadow}")
            conn.execute(f"INSERT INTO {db}.accounts_fts_{shadow} SELECT * FROM temp.{fts}_{shadow}")
        conn.execute(f"DROP TABLE temp.{fts}")

    def _published_schema(self) -> tuple[list[str], list[str]]:
        """(the CREATE statements of the tables a published file holds, the indexes and triggers on them), from
        this database's own schema: the published file is this schema less :data:`UNPUBLISHED_TABLES`."""
        rows = self.conn.execute(
            "SELECT type, tbl_name, sql FROM main.sqlite_master WHERE sql IS NOT NULL ORDER BY rowid"
        ).fetchall()
        shadows = {f"accounts_fts_{s}" for s in ("data", "idx", "docsize", "config", "content")}
        tables, later = [], []
        for kind, table, sql in rows:
            if table in UNPUBLISHED_TABLES or table in shadows or table.startswith("sqlite_"):
                continue
            if kind == "table":
                tables.append(sql)
            elif kind in ("index", "trigger"):
                later.append(sql)
        return tables, later


#: Where a CREATE INDEX or CREATE TRIGGER statement names its index or trigger (``pub.`` goes there).
_IN_PUB = re.compile(r"^\s*CREATE\s+(?:UNIQUE\s+)?(?:INDEX|TRIGGER)\s+(?:IF\s+NOT\s+EXISTS\s+)?", re.IGNORECASE)
_TOKENIZE = re.compile(r"tokenize\s*=\s*(\"[^\"]*\"|'[^']*')", re.IGNORECASE)


def _create(target: Path, tables: list[str], user_version: int) -> None:
    """The published file's tables, in a new file, with casefile's page size and schema version and ``left_year``
    (the earliest year left, for a facet: a virtual column, computed when read, so it costs no space)."""
    conn = sqlite3.connect(target, isolation_level=None)
    try:
        conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("BEGIN")
        for sql in tables:
            conn.execute(sql)
        conn.execute(
            "ALTER TABLE accounts ADD COLUMN left_year INTEGER "
            "GENERATED ALWAYS AS (CAST(substr(left_min, 1, 4) AS INTEGER)) VIRTUAL"
        )
        conn.execute(f"PRAGMA user_version = {int(user_version)}")
        conn.execute("COMMIT")
    finally:
        conn.close()
