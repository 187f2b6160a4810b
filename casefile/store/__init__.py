"""The SQLite store: the only module that speaks SQL.

Opening a store checks the path, the file's permissions and its schema version, applies pending
migrations, and sets the pragmas casefile relies on (rollback journal, ``synchronous=FULL``, a busy
timeout, foreign keys, ``secure_delete``). Every write happens inside :meth:`Store.transaction`, a
``BEGIN IMMEDIATE`` … ``COMMIT`` that rolls back on any exception, Ctrl-C included.

Reads use the standard library's ``sqlite3`` connection directly: importing sqlite-utils costs more
than a whole ``casefile show``, so it is only imported when migrations have to run.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from casefile.errors import DatabaseError
from casefile.model import Filter

from .accounts import (
    Accounts,
    WriteCounts,
    account_to_row,
    check_field,
    field_columns_equal,
    filter_sql,
    order_sql,
    row_to_account,
    same_record,
)
from .audit_log import AUDIT_KIND, AUDITED, AuditKind, AuditLog, Change
from .connection import (
    BUSY_TIMEOUT_ENV,
    DEFAULT_BUSY_TIMEOUT,
    ENCRYPTED_EXTRA,
    MAX_PAGE_COUNT_ENV,
    MIGRATION_SET,
    PAGE_SIZE,
    Connection,
    _map_sqlite_error,
    create_private_file,
    database_errors,
    fsync_path,
    is_encrypted,
    is_private,
    new_id,
    now,
)
from .export import Export
from .history import (
    History,
)
from .organizations import (
    Organizations,
)
from .parts import Parts
from .search import Search
from .vocabulary import (
    Vocabulary,
)

__all__ = [
    "AUDITED",
    "AUDIT_KIND",
    "BUSY_TIMEOUT_ENV",
    "DEFAULT_BUSY_TIMEOUT",
    "ENCRYPTED_EXTRA",
    "MAX_PAGE_COUNT_ENV",
    "MIGRATION_SET",
    "PAGE_SIZE",
    "STATS_DIMENSIONS",
    "AuditKind",
    "Change",
    "Store",
    "WriteCounts",
    "_map_sqlite_error",
    "account_to_row",
    "check_field",
    "create_private_file",
    "database_errors",
    "field_columns_equal",
    "filter_sql",
    "fsync_path",
    "integrity_problems",
    "is_encrypted",
    "is_private",
    "new_id",
    "now",
    "open_readonly",
    "order_sql",
    "row_to_account",
    "same_record",
    "schema_steps",
]


# --------------------------------------------------------------------------------------------- stats


def _year(field: str) -> str:
    """The year a date says: the written year when it names one (``2008``, ``around 2008``, ``March
    2016``), else the span of possible years (``1997–1999``); NULL when the year is unknown."""
    c = f"accounts.{field}"
    return (
        f"CASE WHEN {c}_min IS NULL THEN NULL "
        f"WHEN {c}_precision IN ('day', 'month', 'season', 'year') AND {c}_edtf GLOB '[0-9][0-9][0-9][0-9]*' "
        f"THEN substr({c}_edtf, 1, 4) "
        f"WHEN substr({c}_min, 1, 4) = substr({c}_max, 1, 4) THEN substr({c}_min, 1, 4) "
        f"ELSE substr({c}_min, 1, 4) || '–' || substr({c}_max, 1, 4) END"
    )


#: ``stats`` dimensions: name → (FROM clause joined to accounts, value expression). Multi-valued ones join
#: a row per value; an account counts once per distinct value.
STATS_DIMENSIONS: dict[str, tuple[str, str]] = {
    "organization": ("", "accounts.organization"),
    "exit_year": ("", _year("left")),
    "joined_year": ("", _year("joined")),
    "reason": (" LEFT JOIN json_each(accounts.reasons) AS j", "j.value"),
    "reason_factor": (
        " LEFT JOIN json_each(accounts.reasons) AS j LEFT JOIN factors AS f ON f.code = j.value",
        "f.grp",
    ),
    "allegation": (" LEFT JOIN json_each(accounts.allegations) AS j", "j.value"),
    "exit_type": ("", "accounts.exit_type"),
    "nationality": ("", "accounts.nationality"),
    "gender": ("", "accounts.gender"),
    "source_reliability": ("", "accounts.source_reliability"),
    "publisher_type": (
        " LEFT JOIN account_sources AS l ON l.account_rowid = accounts.rowid LEFT JOIN sources AS s ON "
        "s.rowid = l.source_rowid",
        "s.publisher_type",
    ),
}


# --------------------------------------------------------------------------------------------- store


class Store(Connection, Accounts, Parts, Export, Search, AuditLog, History, Organizations, Vocabulary):
    """An open casefile database."""

    # -- backup, restore, checks --------------------------------------------------------------------

    def copy_to(self, path: Path) -> None:
        """Copy the whole database into ``path`` (an empty file the caller created 0600) through SQLite's backup
        API, in one step under one read lock: a consistent snapshot even while other processes write (they wait
        for it, within their busy timeout). The copy must pass ``integrity_check`` and is synced to disk."""
        target = sqlite3.connect(str(path), isolation_level=None)
        try:
            self.conn.backup(target)
            if integrity_problems(target):
                raise DatabaseError(f"the copy at {path} failed its integrity check; it was not kept")
        finally:
            target.close()
        fsync_path(path)

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

    def orphans(self) -> dict[str, int]:
        """Rows that belong to nothing (left by a tool that wrote with foreign keys off), and sources nobody cites."""
        counts = {
            "events without an account": "SELECT count(*) FROM events WHERE account_rowid NOT IN (SELECT rowid FROM "
            "accounts)",
            "quotes without an account": "SELECT count(*) FROM quotes WHERE account_rowid NOT IN (SELECT rowid FROM "
            "accounts)",
            "source links without an account": "SELECT count(*) FROM account_sources WHERE account_rowid NOT IN "
            "(SELECT rowid FROM accounts)",
            "source links to a missing source": "SELECT count(*) FROM account_sources WHERE source_rowid NOT IN "
            "(SELECT rowid FROM sources)",
            "names without an organisation": "SELECT count(*) FROM organization_names WHERE organization_rowid NOT IN "
            "(SELECT rowid FROM organizations)",
            "sources nobody cites": "SELECT count(*) FROM sources WHERE rowid NOT IN (SELECT source_rowid FROM "
            "account_sources UNION SELECT source_rowid FROM events WHERE source_rowid IS NOT NULL UNION SELECT "
            "source_rowid FROM quotes WHERE source_rowid IS NOT NULL)",
        }
        return {what: int(self.conn.execute(sql).fetchone()[0]) for what, sql in counts.items()}

    # -- statistics ---------------------------------------------------------------------------------

    def stats(
        self, dimensions: Sequence[str], flt: Filter, factors: dict[str, str]
    ) -> tuple[int, list[tuple[Any, ...]]]:
        """(accounts selected, [(value, [value2,] accounts)]) for one or two :data:`STATS_DIMENSIONS`; a
        None value counts the accounts with no value. ``factors`` maps reason codes to push/pull/barrier."""
        for name in dimensions:
            check_field(name, tuple(STATS_DIMENSIONS), "stats dimension")
        where, params = self.where(flt)
        total = int(self.conn.execute(f"SELECT count(*) FROM accounts{where}", params).fetchone()[0])
        joins = [STATS_DIMENSIONS[name] for name in dimensions]
        if len(joins) == 1 and not joins[0][0]:  # one plain column: a GROUP BY an index can answer
            sql = f"SELECT {joins[0][1]}, count(*) FROM accounts{where} GROUP BY 1"
            return total, [tuple(r) for r in self.conn.execute(sql, params)]
        pairs = list(factors.items()) or [("", "")]
        ctes = ["factors(code, grp) AS (VALUES " + ", ".join("(?, ?)" for _ in pairs) + ")"]
        cte_params: list[Any] = [x for pair in pairs for x in pair]
        for n, (join, value) in enumerate(joins):
            raw = f"SELECT accounts.rowid AS k, {value} AS v FROM accounts{join}{where}"
            ctes.append(
                f"d{n} AS (SELECT DISTINCT k, v FROM ({raw}) WHERE v IS NOT NULL "
                f"UNION ALL SELECT k, NULL FROM ({raw}) GROUP BY k HAVING count(v) = 0)"
            )
            cte_params += params * 2
        if len(joins) == 1:
            sql = "SELECT d0.v, count(*) FROM d0 GROUP BY 1"
        else:
            sql = "SELECT d0.v, d1.v, count(*) FROM d0 JOIN d1 ON d1.k = d0.k GROUP BY 1, 2"
        sql = "WITH " + ", ".join(ctes) + " " + sql
        return total, [tuple(r) for r in self.conn.execute(sql, cte_params)]

    def explain_stats(self, dimension: str, flt: Filter) -> list[str]:
        """``EXPLAIN QUERY PLAN`` of a one-column :meth:`stats` query (tests prove index use with it)."""
        where, params = self.where(flt)
        value = STATS_DIMENSIONS[check_field(dimension, tuple(STATS_DIMENSIONS), "stats dimension")][1]
        sql = f"EXPLAIN QUERY PLAN SELECT {value}, count(*) FROM accounts{where} GROUP BY 1"
        return [str(r[-1]) for r in self.conn.execute(sql, params)]

    # -- duplicates ---------------------------------------------------------------------------------

    def people(self, flt: Filter) -> Iterator[tuple[Any, ...]]:
        """(rowid, id, external_id, name, aliases JSON, organization, joined_min, joined_max, left_min,
        left_max, birth_year) of the accounts ``flt`` selects, for duplicate detection."""
        where, params = self.where(flt)
        sql = (
            "SELECT accounts.rowid, accounts.id, accounts.external_id, accounts.name, accounts.aliases, "
            "accounts.organization, accounts.joined_min, accounts.joined_max, accounts.left_min, accounts.left_max, "
            f"accounts.birth_year FROM accounts{where} ORDER BY accounts.rowid"
        )
        yield from self.conn.execute(sql, params)

    # -- check --------------------------------------------------------------------------------------

    def ignore_check(self, rule: str, account_id: str, note: str, stamp: str) -> None:
        """Record that a check finding on one account was looked at (replacing an earlier note)."""
        self.conn.execute(
            "INSERT OR REPLACE INTO check_ignores (rule, account_rowid, note, created_at) "
            "SELECT ?, rowid, ?, ? FROM accounts WHERE id = ?",
            (rule, note, stamp, account_id),
        )

    def check_ignores(self) -> dict[tuple[str, str], str]:
        """(rule, account id) → note, for every silenced finding."""
        sql = "SELECT i.rule, a.id, i.note FROM check_ignores i JOIN accounts a ON a.rowid = i.account_rowid"
        return {(r[0], r[1]): r[2] for r in self.conn.execute(sql)}


def integrity_problems(conn: sqlite3.Connection) -> list[str]:
    """What ``PRAGMA integrity_check`` finds wrong (empty when the database is sound)."""
    try:
        rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    return [] if rows == ["ok"] else rows


def open_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection to a database file that casefile will not change (a backup being restored)."""
    try:
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise _map_sqlite_error(exc) from exc


def schema_steps(conn: sqlite3.Connection) -> list[str] | None:
    """The casefile schema steps a database has applied, or None when it is not a casefile database."""
    try:
        return [
            str(r[0])
            for r in conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid", (MIGRATION_SET,)
            )
        ] or None
    except sqlite3.DatabaseError:
        return None
