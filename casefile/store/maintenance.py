"""What ``backup``, ``restore`` and ``doctor`` ask of the database: a consistent copy through SQLite's backup
API (and content replaced the same way), the integrity and foreign-key checks, the rows that belong to
nothing, and the schema steps a database file has applied. The commands themselves are
:mod:`casefile.maintenance`'s.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from casefile.errors import DatabaseError

from .base import StoreBase
from .connection import MIGRATION_SET, _connect, _map_sqlite_error, database_errors, fsync_path


class Maintenance(StoreBase):
    """Backup and restore through the backup API; the checks doctor runs."""

    def copy_to(self, path: Path) -> None:
        """Copy the whole database into ``path`` (an empty file the caller created 0600) through SQLite's backup
        API, in one step under one read lock: a consistent snapshot even while other processes write (they wait
        for it, within their busy timeout). The copy of an encrypted database is encrypted with the same key (the
        backup API between two connections keyed alike copies the pages, never plaintext). The copy must pass
        ``integrity_check`` and is synced to disk."""
        target = self.connect_to(path)
        try:
            self.conn.backup(target)
            if integrity_problems(target):
                raise DatabaseError(f"the copy at {path} failed its integrity check; it was not kept")
        finally:
            target.close()
        fsync_path(path)

    def connect_to(self, path: Path, *, readonly: bool = False) -> sqlite3.Connection:
        """A connection to another database file (a backup) under this database's key, if it has one. For an
        encrypted one, a key that does not open it fails at the first read."""
        try:
            return _connect(path, self._key, readonly=readonly)
        except database_errors() as exc:
            raise _map_sqlite_error(exc) from exc

    def copy_from(self, source: sqlite3.Connection) -> None:
        """Replace this database's content with ``source``'s, through the backup API: SQLite writes it as one
        transaction, under its own locks and journal, so other processes never see half of it and a crash
        leaves the old content (replacing the file itself under their open connections could corrupt it)."""
        source.backup(self.conn)
        self._columns.clear()

    def integrity(self) -> list[str]:
        return integrity_problems(self.conn)

    def foreign_key_problems(self) -> list[str]:
        return [f"{r[0]} row {r[1]} points to a missing {r[2]}" for r in self.conn.execute("PRAGMA foreign_key_check")]

    def orphans(self) -> dict[tuple[str, str], int]:
        """Rows that belong to nothing (left by a tool that wrote with foreign keys off), and sources nobody cites:
        (what, how) → how many, e.g. ("event", "without an account") → 2."""
        counts = {
            (
                "event",
                "without an account",
            ): "SELECT count(*) FROM events WHERE account_rowid NOT IN (SELECT rowid FROM accounts)",
            (
                "quote",
                "without an account",
            ): "SELECT count(*) FROM quotes WHERE account_rowid NOT IN (SELECT rowid FROM accounts)",
            ("source link", "without an account"): "SELECT count(*) FROM account_sources WHERE account_rowid NOT IN "
            "(SELECT rowid FROM accounts)",
            ("source link", "to a missing source"): "SELECT count(*) FROM account_sources WHERE source_rowid NOT IN "
            "(SELECT rowid FROM sources)",
            (
                "name",
                "without an organisation",
            ): "SELECT count(*) FROM organization_names WHERE "
            "organization_rowid NOT IN (SELECT rowid FROM organizations)",
            ("source", "nobody cites"): "SELECT count(*) FROM sources WHERE rowid NOT IN (SELECT source_rowid FROM "
            "account_sources UNION SELECT source_rowid FROM events WHERE source_rowid IS NOT NULL UNION SELECT "
            "source_rowid FROM quotes WHERE source_rowid IS NOT NULL)",
        }
        return {what: int(self.conn.execute(sql).fetchone()[0]) for what, sql in counts.items()}


def integrity_problems(conn: sqlite3.Connection) -> list[str]:
    """What ``PRAGMA integrity_check`` finds wrong (empty when the database is sound)."""
    try:
        rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check")]
    except database_errors() as exc:  # an encrypted file's connection raises SQLCipher's own classes
        return [str(exc)]
    return [] if rows == ["ok"] else rows


def schema_steps(conn: sqlite3.Connection) -> list[str] | None:
    """The casefile schema steps a database has applied, or None when it is not a casefile database."""
    try:
        return [
            str(r[0])
            for r in conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid", (MIGRATION_SET,)
            )
        ] or None
    except database_errors():
        return None
