"""What ``publish`` asks of the database: copy the rows that may be shared into a new database file, from an
allow-list, never by copying everything and deleting.

The new file (made by :meth:`Connection.open`, so it has casefile's schema) is attached to this connection and
filled by ``INSERT … SELECT`` under one read snapshot: the accounts that are not restricted and not deleted (a
merged-away account is a deleted one), their source links, events and quotes, the sources a published
account, event or quote cites, every organisation with its aliases, and the vocabulary labels. Nothing else
is copied: no audit log, no merge redirects, no accepted ``check`` findings, no full-text index of
anything else (the published file's index is built anew over the published accounts alone, from what the
working file indexed for them). Only row values travel, never pages, so no free page of
the working file reaches the new one. The working database is only read.
"""

from __future__ import annotations

from pathlib import Path

from casefile.model import SEARCH_COLUMNS, SEARCH_INDEXED

from .base import StoreBase
from .connection import _map_sqlite_error, database_errors

#: The rows a published file holds, table by table, in an order foreign keys accept; ``{published}`` is
#: the published accounts' rowids (already copied), ``{cited}`` the sources they cite.
_PUBLISHED = "SELECT rowid FROM pub.accounts"
_CITED = (
    f"SELECT source_rowid FROM main.account_sources WHERE account_rowid IN ({_PUBLISHED}) "
    f"UNION SELECT source_rowid FROM main.events WHERE account_rowid IN ({_PUBLISHED}) "
    f"UNION SELECT source_rowid FROM main.quotes WHERE account_rowid IN ({_PUBLISHED})"
)
_COPIES: tuple[tuple[str, str], ...] = (
    ("accounts", "deleted_at IS NULL AND confidentiality != 'restricted'"),
    ("sources", f"rowid IN ({_CITED})"),
    ("account_sources", f"account_rowid IN ({_PUBLISHED})"),
    ("events", f"account_rowid IN ({_PUBLISHED})"),
    ("quotes", f"account_rowid IN ({_PUBLISHED})"),
    ("organizations", "1"),
    ("organization_names", "1"),
    ("vocabulary", "1"),
    ("accounts_fts_docs", f"rowid IN ({_PUBLISHED})"),
)
#: The search index of the published accounts, from what the working file indexed for them: the docs row's
#: text where it differs from the account's columns, else the column (the ``accounts_fts_forget`` trigger's
#: own rule). All of it is the accounts' own text and their parts', which are published with them.
_INDEX = (
    f"INSERT INTO pub.accounts_fts (rowid, {', '.join(SEARCH_COLUMNS)}) SELECT d.rowid, "
    + ", ".join(SEARCH_INDEXED)
    + " FROM pub.accounts_fts_docs AS d JOIN pub.accounts AS a ON a.rowid = d.rowid"
)
#: Tables a published file never holds, dropped from its schema.
UNPUBLISHED_TABLES = ("audit_log", "audit_batches", "account_redirects", "check_ignores")

#: The accounts and history no published file holds, counted (no record text): the reason → how many.
_UNPUBLISHED = {
    "restricted": "SELECT count(*) FROM main.accounts WHERE deleted_at IS NULL AND confidentiality = 'restricted'",
    "deleted": "SELECT count(*) FROM main.accounts WHERE deleted_at IS NOT NULL "
    "AND id NOT IN (SELECT old_id FROM main.account_redirects)",
    "merged away": "SELECT count(*) FROM main.accounts WHERE deleted_at IS NOT NULL "
    "AND id IN (SELECT old_id FROM main.account_redirects)",
    "audit log entries": "SELECT count(*) FROM main.audit_log",
}
_UNCITED = "SELECT (SELECT count(*) FROM main.sources) - (SELECT count(*) FROM pub.sources)"


class Publishing(StoreBase):
    """The allow-list copy behind ``publish``."""

    def copy_published(self, target: Path) -> dict[str, int]:
        """Fill ``target`` (a new, empty casefile database, plain) with what may be shared; returns what was left
        out, counted by reason. One read snapshot of this database; ``target`` gets all of it or nothing."""
        conn = self.conn
        key = " KEY ''" if self.encrypted else ""  # SQLCipher: the attached file is plain
        try:
            conn.execute(f"ATTACH DATABASE ? AS pub{key}", (str(target),))
            try:  # a scratch file, thrown away on failure: no journal, no waiting for the disk
                conn.execute("PRAGMA pub.journal_mode = OFF")
                conn.execute("PRAGMA pub.synchronous = OFF")
                conn.execute("BEGIN")
                try:
                    # indexes are built once, sorted, after the rows are in: faster than row by row
                    indexes = conn.execute(
                        "SELECT name, sql FROM pub.sqlite_master WHERE type = 'index' AND sql LIKE 'CREATE INDEX %'"
                    ).fetchall()
                    for name, _sql in indexes:
                        conn.execute(f'DROP INDEX pub."{name}"')
                    for table, where in _COPIES:
                        conn.execute(f"INSERT INTO pub.{table} SELECT * FROM main.{table} WHERE {where}")
                    conn.execute(_INDEX)
                    for _name, sql in indexes:
                        conn.execute(sql.replace("CREATE INDEX ", "CREATE INDEX pub.", 1))
                    left = self.unpublished()
                    left["sources no published account cites"] = int(conn.execute(_UNCITED).fetchone()[0])
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            finally:
                conn.execute("DETACH DATABASE pub")
        except database_errors() as exc:
            raise _map_sqlite_error(exc, self.path) from exc
        return left

    def unpublished(self) -> dict[str, int]:
        """How many accounts a publish leaves out, by reason, and how many audit entries (counts only)."""
        return {reason: int(self.conn.execute(sql).fetchone()[0]) for reason, sql in _UNPUBLISHED.items()}

    def finish_published(self, target: Path) -> None:
        """On the published file's own store: drop the tables it never holds and write it, compacted into fresh
        pages, to ``target`` (an empty file): ``VACUUM INTO`` copies live rows only. ``left_year`` (the earliest year
        left, for a facet) is a virtual column."""
        try:
            for table in UNPUBLISHED_TABLES:
                self.conn.execute(f"DROP TABLE IF EXISTS {table}")
            # a facet "year left" (computed when read: it costs no space and no time here)
            self.conn.execute(
                "ALTER TABLE accounts ADD COLUMN left_year INTEGER "
                "GENERATED ALWAYS AS (CAST(substr(left_min, 1, 4) AS INTEGER)) VIRTUAL"
            )
            self.conn.execute("VACUUM INTO ?", (str(target),))
        except database_errors() as exc:
            raise _map_sqlite_error(exc, self.path) from exc
