"""The SQLite store: the only module that speaks SQL.

Opening a store checks the path, the file's permissions and its schema version, applies pending
migrations, and sets the pragmas casefile relies on (rollback journal, ``synchronous=FULL``, a busy
timeout, foreign keys, ``secure_delete``). Every write happens inside :meth:`Store.transaction`, a
``BEGIN IMMEDIATE`` … ``COMMIT`` that rolls back on any exception, Ctrl-C included.

Reads use the standard library's ``sqlite3`` connection directly: importing sqlite-utils costs more
than a whole ``casefile show``, so it is only imported when migrations have to run.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from casefile import model
from casefile.errors import DatabaseError, NotFound, UsageError
from casefile.model import Filter
from casefile.text import fold, loose_key

from .accounts import (
    Accounts,
    WriteCounts,
    _rows_in,
    account_to_row,
    check_field,
    field_columns_equal,
    filter_sql,
    order_sql,
    row_to_account,
    same_record,
)
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
from .parts import Parts
from .search import Search

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


# --------------------------------------------------------------------------------------------- audit


@dataclass(frozen=True)
class AuditKind:
    """A kind of record the audit log follows: its main table, the child tables holding its parts (with the
    column naming the main row), and the columns that name it for people."""

    name: str
    table: str
    children: tuple[tuple[str, str], ...]
    label: tuple[str, ...]


#: In the order entries are written (undo walks them backwards: accounts first, then what they refer to).
AUDITED: tuple[AuditKind, ...] = (
    AuditKind("vocabulary", "vocabulary", (), ("vocabulary", "code")),
    AuditKind("organization", "organizations", (("organization_names", "organization_rowid"),), ("name",)),
    AuditKind("source", "sources", (), ("id",)),
    AuditKind(
        "account",
        "accounts",
        (("account_sources", "account_rowid"), ("events", "account_rowid"), ("quotes", "account_rowid")),
        ("id",),
    ),
    AuditKind("redirect", "account_redirects", (), ("old_id",)),
)
AUDIT_KIND: dict[str, AuditKind] = {k.name: k for k in AUDITED}
#: What a child table is called in a diff.
_PART_NAMES = {"account_sources": "sources", "events": "events", "quotes": "quotes", "organization_names": "names"}
#: Columns a diff leaves out: the row's key and timestamps every change moves.
_DIFF_SKIP = frozenset({"rowid", "created_at", "updated_at"})
_JSON_COLUMNS = frozenset(model.MULTI_FIELDS)


@dataclass
class Change:
    """One record a transaction changed, as the audit log records it. ``before`` is the record's rows as they
    were ({table: [row]}, empty values left out), ``diff`` maps each changed column or part to [before, after]."""

    kind: str
    rid: int
    record_id: str
    action: str  # update, delete, restore, remove, purge (creates are written by SQL alone)
    before: dict[str, list[dict[str, Any]]] | None
    diff: dict[str, Any] | None


def _label(kind: AuditKind, row: dict[str, Any]) -> str:
    return ":".join(str(row.get(c)) for c in kind.label)


def _compact(rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    return {t: [{k: v for k, v in r.items() if v is not None} for r in rs] for t, rs in rows.items()}


def _json_or_none(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# --------------------------------------------------------------------------------------------- store


class Store(Connection, Accounts, Parts, Export, Search):
    """An open casefile database."""

    # -- the audit log ------------------------------------------------------------------------------

    def _audit_install(self) -> None:
        """Create this connection's temporary audit tables and triggers (once; they live as long as it does)."""
        if self._audit_ready:
            return
        self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS audit_start (kind TEXT PRIMARY KEY, max_rid INTEGER)")
        self.conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS audit_purged (kind TEXT NOT NULL, rid INTEGER NOT NULL, "
            "record_id TEXT NOT NULL, PRIMARY KEY (kind, rid))"
        )
        for kind in AUDITED:
            self.conn.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS audit_touched_{kind.name} "
                "(rid INTEGER PRIMARY KEY, created INTEGER NOT NULL)"
            )
            for table, owner in ((kind.table, "audit_rowid"), *kind.children):
                self.conn.execute(
                    f"CREATE TEMP TABLE IF NOT EXISTS audit_image_{table} AS "
                    f"SELECT rowid AS audit_rowid, * FROM main.{table} WHERE 0"
                )
                self.conn.execute(
                    f"CREATE INDEX IF NOT EXISTS temp.audit_image_{table}_owner ON audit_image_{table} ({owner})"
                )
            for statement in _audit_triggers(kind):
                self.conn.execute(statement)
        self._audit_ready = True

    def _audit_begin(self) -> None:
        """Start a batch: no record touched yet, and the highest rowid of each table, so that the rows this
        transaction inserts are known at the end without a trigger on every insert."""
        self._audit_clear()
        for kind in AUDITED:
            self.conn.execute(
                f"INSERT INTO temp.audit_start SELECT ?, coalesce(max(rowid), 0) FROM main.{kind.table}", (kind.name,)
            )

    def _audit_clear(self) -> None:
        self.conn.execute("DELETE FROM temp.audit_start")
        self.conn.execute("DELETE FROM temp.audit_purged")
        for kind in AUDITED:
            self.conn.execute(f"DELETE FROM temp.audit_touched_{kind.name}")
            for table in (kind.table, *(t for t, _ in kind.children)):
                self.conn.execute(f"DELETE FROM temp.audit_image_{table}")

    def _created_sql(self, kind: AuditKind) -> str:
        """``SELECT rid, label`` of the records of a kind this transaction created: rows above the table's
        highest rowid at the start, and rows put back with their old rowid (see :meth:`restore_image`)."""
        label = " || ':' || ".join(f"m.{c}" for c in kind.label)
        start = f"(SELECT max_rid FROM temp.audit_start WHERE kind = '{kind.name}')"
        return (
            f"SELECT m.rowid, {label} FROM main.{kind.table} m WHERE m.rowid > {start} UNION ALL SELECT m.rowid, "
            f"{label} FROM temp.audit_touched_{kind.name} t JOIN main.{kind.table} m ON m.rowid = t.rid "
            f"WHERE t.created = 1 AND t.rid <= {start}"
        )

    def _audit_finish(self) -> None:
        """Write what this transaction changed as one batch: a bare ``create`` entry for each new record (its
        id, nothing else: cheap even for a million-row import), the before-image and diff of every other."""
        self.last_batch = None
        touched = self.conn.execute("SELECT 1 FROM temp.audit_purged LIMIT 1").fetchone() or any(
            self.conn.execute(f"SELECT 1 FROM temp.audit_touched_{k.name} LIMIT 1").fetchone()
            or self.conn.execute(f"SELECT 1 FROM ({self._created_sql(k)}) LIMIT 1").fetchone()
            for k in AUDITED
        )
        if not touched and self.undoes is None:
            return
        from casefile.config import actor

        batch_id = new_id()
        cursor = self.conn.execute(
            "INSERT INTO audit_batches (id, ts, actor, command, undoes) VALUES (?, ?, ?, ?, ?)",
            (batch_id, now(), self.actor or actor(), self.command or "casefile", self.undoes),
        )
        batch = int(cursor.lastrowid or 0)
        entries = 0
        for kind in AUDITED:
            entries += self.conn.execute(
                "INSERT INTO audit_log (batch_rowid, action, kind, rid, record_id) "
                f"SELECT ?, 'create', ?, c.* FROM ({self._created_sql(kind)}) c",
                (batch, kind.name),
            ).rowcount
            changes = self.audit_changes(kind.name)
            while chunk := list(itertools.islice(changes, 500)):  # a few at a time: images can be large
                self.conn.executemany(
                    "INSERT INTO audit_log (batch_rowid, action, kind, rid, record_id, before, diff) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (batch, c.action, c.kind, c.rid, c.record_id, _json_or_none(c.before), _json_or_none(c.diff))
                        for c in chunk
                    ],
                )
                entries += len(chunk)
        entries += self.conn.execute(
            "INSERT INTO audit_log (batch_rowid, action, kind, rid, record_id) SELECT ?, 'purge', kind, rid, "
            "record_id FROM temp.audit_purged ORDER BY rowid",
            (batch,),
        ).rowcount
        if not entries and self.undoes is None:
            self.conn.execute("DELETE FROM audit_batches WHERE rowid = ?", (batch,))
        else:
            self.last_batch = batch_id
        self._audit_clear()

    def audit_changes(self, kind_name: str) -> Iterator[Change]:
        """The records of one kind this open transaction has changed so far, created ones left out (a bulk
        edit's preview reads them before rolling back)."""
        kind = AUDIT_KIND[kind_name]
        purged = {r[0] for r in self.conn.execute("SELECT rid FROM temp.audit_purged WHERE kind = ?", (kind.name,))}
        rids = [r[0] for r in self.conn.execute(f"SELECT rid FROM temp.audit_touched_{kind.name} WHERE created = 0")]
        for start in range(0, len(rids), 500):
            chunk = rids[start : start + 500]
            before, after = self._record_rows(kind, chunk, image=True), self._record_rows(kind, chunk, image=False)
            for rid in chunk:
                old, new = before.get(rid, {}), after.get(rid, {})
                if old == new or not old.get(kind.table):
                    continue
                main_old, main_new = old[kind.table][0], (new.get(kind.table) or [None])[0]
                record_id = _label(kind, main_old)
                if rid in purged:
                    continue  # a purge records only that it happened (see _audit_finish)
                if main_new is None or _label(kind, main_new) != record_id:
                    yield Change(kind.name, rid, record_id, "remove", _compact(old), None)
                    if main_new is not None:  # the rowid was freed and taken by a new record
                        yield Change(kind.name, rid, _label(kind, main_new), "create", None, None)
                else:
                    diff = self._diff(kind, old, new)
                    action = "update"
                    if "deleted_at" in diff:
                        action = "delete" if diff["deleted_at"][0] is None else "restore"
                    yield Change(kind.name, rid, record_id, action, _compact(old), diff)

    def _record_rows(self, kind: AuditKind, rids: list[int], *, image: bool) -> dict[int, dict[str, list[Any]]]:
        """{rid: {table: [row dict]}} of some records: as they were (``image``) or as they are."""
        out: dict[int, dict[str, list[Any]]] = {}
        marks = ", ".join("?" for _ in rids)
        for table, owner in ((kind.table, "rowid"), *kind.children):
            if image:
                key = "audit_rowid" if table == kind.table else owner
                cursor = self.conn.execute(
                    f"SELECT * FROM temp.audit_image_{table} WHERE {key} IN ({marks}) ORDER BY {key}, audit_rowid",
                    rids,
                )
            else:
                cursor = self.conn.execute(
                    f"SELECT rowid, * FROM main.{table} WHERE {owner} IN ({marks}) ORDER BY {owner}, rowid", rids
                )
            names = ["rowid" if d[0] == "audit_rowid" else d[0] for d in cursor.description]
            for row in cursor:
                record = dict(zip(names, row, strict=True))
                out.setdefault(record[owner], {}).setdefault(table, []).append(record)
        return out

    def _diff(self, kind: AuditKind, old: dict[str, list[Any]], new: dict[str, list[Any]]) -> dict[str, Any]:
        diff: dict[str, Any] = {}
        before, after = old[kind.table][0], new[kind.table][0]
        for column in after:
            if column not in _DIFF_SKIP and before.get(column) != after[column]:
                diff[column] = [
                    self._decoded(kind, column, before.get(column)),
                    self._decoded(kind, column, after[column]),
                ]
        for table, owner in kind.children:
            parts = [self._part_list(old.get(table, []), owner), self._part_list(new.get(table, []), owner)]
            if parts[0] != parts[1]:
                diff[_PART_NAMES[table]] = parts
        return diff

    @staticmethod
    def _decoded(kind: AuditKind, column: str, value: Any) -> Any:
        """A column's value as the interchange form has it: lists as lists, ``34`` rather than ``34.0``."""
        if kind.name == "account" and column in _JSON_COLUMNS:
            return json.loads(value) if value else []
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value

    def _part_list(self, rows: list[dict[str, Any]], owner: str) -> list[dict[str, Any]]:
        """A record's part (its events, its source links…) as a list for a diff: in order, without keys."""
        items = []
        for row in sorted(rows, key=lambda r: (r.get("position") or 0, r["rowid"])):
            item = {k: v for k, v in row.items() if k not in ("rowid", owner, "position") and v is not None}
            if "source_rowid" in item:
                item["source"] = self._source_id(item.pop("source_rowid"))
            items.append(item)
        return items

    def _source_id(self, rowid: int) -> str | None:
        for table in ("main.sources", "temp.audit_image_sources"):
            row = self.conn.execute(f"SELECT id FROM {table} WHERE rowid = ?", (rowid,)).fetchone()
            if row is not None:
                return str(row[0])
        return None

    def table_columns(self, table: str) -> tuple[str | None, list[str]]:
        """(the column that is the rowid, if one is; the other columns) of a main table."""
        if table not in self._columns:
            info = self.conn.execute(f"PRAGMA main.table_info({table})").fetchall()
            keys = [r for r in info if r[5]]
            alias = keys[0][1] if len(keys) == 1 and str(keys[0][2]).upper() == "INTEGER" else None
            self._columns[table] = (alias, [r[1] for r in info if r[1] != alias])
        return self._columns[table]

    def restore_image(self, kind_name: str, rid: int, image: dict[str, list[dict[str, Any]]]) -> None:
        """Put a record's rows back as an audit before-image has them, rowids included."""
        kind = AUDIT_KIND[kind_name]
        _alias, columns = self.table_columns(kind.table)
        row = image[kind.table][0]
        values = [row.get(c) for c in columns]
        label = " || ':' || ".join(kind.label)
        current = self.conn.execute(f"SELECT {label} FROM main.{kind.table} WHERE rowid = ?", (rid,)).fetchone()
        if current is not None and str(current[0]) != _label(kind, row):
            raise DatabaseError(f"cannot put {kind.name} {_label(kind, row)} back: another record took its place")
        if current is not None:
            assigns = ", ".join(f'"{c}" = ?' for c in columns)
            self.conn.execute(f"UPDATE main.{kind.table} SET {assigns} WHERE rowid = ?", (*values, rid))
        else:
            self._insert_image_row(kind.table, columns, rid, values)
            if kind.table == "accounts":  # below the start's highest rowid, so sync_search would not see it
                self.conn.execute("INSERT OR IGNORE INTO temp.search_touched (rowid) VALUES (?)", (rid,))
            # a row put back under its old rowid is not above the start's highest one: say it was created
            self.conn.execute(
                f"INSERT OR IGNORE INTO temp.audit_touched_{kind.name} (rid, created) VALUES (?, 1)", (rid,)
            )
        for table, owner in kind.children:
            self.conn.execute(f"DELETE FROM main.{table} WHERE {owner} = ?", (rid,))
            _alias, child_columns = self.table_columns(table)
            for child in image.get(table, []):
                self._insert_image_row(table, child_columns, child["rowid"], [child.get(c) for c in child_columns])

    def _insert_image_row(self, table: str, columns: list[str], rowid: int, values: list[Any]) -> None:
        names = ", ".join(f'"{c}"' for c in ("rowid", *columns))
        marks = ", ".join("?" for _ in range(len(columns) + 1))
        self.conn.execute(f"INSERT INTO main.{table} ({names}) VALUES ({marks})", (rowid, *values))

    def clear_parts(self, kind_name: str, rid: int) -> None:
        """Delete a record's parts (events, quotes, links, names), keeping the record."""
        for table, owner in AUDIT_KIND[kind_name].children:
            self.conn.execute(f"DELETE FROM main.{table} WHERE {owner} = ?", (rid,))

    def remove_record(self, kind_name: str, rid: int) -> None:
        """Delete a record and its parts for good (undo of a create, purge)."""
        kind = AUDIT_KIND[kind_name]
        for table, owner in kind.children:
            self.conn.execute(f"DELETE FROM main.{table} WHERE {owner} = ?", (rid,))
        self.conn.execute(f"DELETE FROM main.{kind.table} WHERE rowid = ?", (rid,))

    def record_rowid(self, kind_name: str, record_id: str) -> int | None:
        kind = AUDIT_KIND[kind_name]
        where = " AND ".join(f"{c} = ?" for c in kind.label)
        row = self.conn.execute(
            f"SELECT rowid FROM main.{kind.table} WHERE {where}", record_id.split(":", len(kind.label) - 1)
        ).fetchone()
        return None if row is None else int(row[0])

    def references(self, kind_name: str, rid: int) -> list[str]:
        """Ids of the accounts that use a source, an organisation or a code (so it cannot be removed)."""
        if kind_name == "source":
            sql = (
                "SELECT a.id FROM accounts a WHERE a.rowid IN (SELECT account_rowid FROM account_sources WHERE "
                "source_rowid = ?1 UNION SELECT account_rowid FROM events WHERE source_rowid = ?1 UNION "
                "SELECT account_rowid FROM quotes WHERE source_rowid = ?1)"
            )
        elif kind_name == "organization":
            sql = "SELECT a.id FROM accounts a JOIN organizations o ON a.organization = o.name WHERE o.rowid = ?1"
        elif kind_name == "vocabulary":
            sql = (
                "SELECT a.id FROM accounts a, vocabulary v WHERE v.rowid = ?1 AND ("
                "(v.vocabulary = 'exit_reason' AND EXISTS (SELECT 1 FROM json_each(a.reasons) WHERE value = v.code))"
                " OR (v.vocabulary = 'allegation' AND EXISTS (SELECT 1 FROM json_each(a.allegations) "
                "WHERE value = v.code)) OR (v.vocabulary = 'event_type' AND EXISTS (SELECT 1 FROM events e "
                "WHERE e.account_rowid = a.rowid AND e.type = v.code)))"
            )
        else:
            return []
        return [str(r[0]) for r in self.conn.execute(sql + " LIMIT 11", (rid,))]

    def mark_purged(self, kind_name: str, records: Iterable[tuple[int, str]]) -> None:
        """Make this transaction record only that these records (rowid, id) were purged: the audit triggers
        keep no image of them, not even in the temporary tables, and the entry has no before-image or diff."""
        self.conn.executemany(
            "INSERT OR IGNORE INTO temp.audit_purged (kind, rid, record_id) VALUES (?, ?, ?)",
            ((kind_name, rid, record_id) for rid, record_id in records),
        )

    def scrub_audit(self, kind_name: str, rid: int, record_id: str, stamp: str) -> int:
        """Drop the before-images and diffs the audit log holds of a record (purge); returns how many."""
        return self.conn.execute(
            "UPDATE audit_log SET before = NULL, diff = NULL, scrubbed_at = ? WHERE kind = ? AND rid = ? AND "
            "record_id = ? AND (before IS NOT NULL OR diff IS NOT NULL)",
            (stamp, kind_name, rid, record_id),
        ).rowcount

    def defer_foreign_keys(self) -> None:
        """Check foreign keys at COMMIT, not per statement (undo restores records in any order)."""
        self.conn.execute("PRAGMA defer_foreign_keys = ON")

    def audit_batches(self) -> list[dict[str, Any]]:
        cursor = self.conn.execute("SELECT rowid, id, ts, actor, command, undoes FROM audit_batches ORDER BY rowid")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in cursor]

    def audit_counts(self, batch_rowids: Sequence[int]) -> dict[int, dict[tuple[str, str], int]]:
        """{batch: {(kind, action): entries}}."""
        out: dict[int, dict[tuple[str, str], int]] = {b: {} for b in batch_rowids}
        sql = (
            "SELECT batch_rowid, kind, action, count(*) FROM audit_log WHERE batch_rowid IN ({marks}) "
            "GROUP BY batch_rowid, kind, action"
        )
        for batch, kind, action, n in _rows_in(self.conn, sql, batch_rowids):
            out[batch][(kind, action)] = n
        return out

    def audit_entries(
        self,
        batch_rowid: int | None = None,
        *,
        kind: str | None = None,
        record_id: str | None = None,
        reverse: bool = False,
        with_images: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """Entries of one batch, or of one record, oldest first (``reverse``: newest first), with their batch;
        ``with_images``: only those holding a before-image."""
        where: list[str] = ["l.before IS NOT NULL"] if with_images else []
        params: list[Any] = []
        if batch_rowid is not None:
            where.append("l.batch_rowid = ?")
            params.append(batch_rowid)
        if kind is not None and record_id is not None:
            where.append("l.kind = ? AND l.record_id = ?")
            params.extend((kind, record_id))
            rid = self.record_rowid(kind, record_id)  # a record keeps its rowid for life: use the index
            if rid is not None:
                where.append("l.rid = ?")
                params.append(rid)
        cursor = self.conn.execute(
            "SELECT l.rowid, l.batch_rowid, b.id AS batch, b.ts, b.actor, b.command, l.action, l.kind, l.rid, "
            "l.record_id, l.before, l.diff, l.scrubbed_at FROM audit_log l JOIN audit_batches b ON b.rowid = "
            f"l.batch_rowid WHERE {' AND '.join(where) or '1'} ORDER BY l.rowid{' DESC' if reverse else ''}",
            params,
        )
        names = [d[0] for d in cursor.description]
        for row in cursor:
            yield dict(zip(names, row, strict=True))

    def audit_later_touching(self, batch_rowid: int) -> list[tuple[int, str, str]]:
        """(batch, kind, record id) for each later batch that changed a record this batch changed — or took
        the rowid of one it removed (a new record added after an undo), which putting it back would overwrite."""
        return [
            (int(r[0]), str(r[1]), str(r[2]))
            for r in self.conn.execute(
                "SELECT DISTINCT l.batch_rowid, l.kind, l.record_id FROM audit_log l WHERE l.batch_rowid > ?1 AND "
                "EXISTS (SELECT 1 FROM audit_log t WHERE t.kind = l.kind AND t.rid = l.rid AND t.batch_rowid = ?1) "
                "ORDER BY l.batch_rowid",
                (batch_rowid,),
            )
        ]

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

    # -- reading ------------------------------------------------------------------------------------

    # -- writing (call inside transaction()) --------------------------------------------------------

    # -- the keys an import has claimed (the same id or external_id twice in one import is an error) ----------

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

    # -- organisations ------------------------------------------------------------------------------

    def organization_by_key(self, key: str) -> str | None:
        """The canonical name of the organisation one of whose names folds to ``key``."""
        row = self.conn.execute(
            "SELECT o.name FROM organization_names n JOIN organizations o ON o.rowid = n.organization_rowid "
            "WHERE n.match_key = ?",
            (key,),
        ).fetchone()
        return str(row[0]) if row else None

    def resolve_organization(self, name: str) -> str:
        """The canonical name for any name or alias; unknown names are returned as given."""
        return self.organization_by_key(fold(name)) or name

    def organizations_near(self, name: str, cutoff: float = 0.88) -> list[str]:
        """Canonical names of organisations with a name that nearly matches ``name`` (not exactly)."""
        import difflib

        key, loose = fold(name), loose_key(name)
        near: list[str] = []
        for other, match_key in self.conn.execute(
            "SELECT o.name, n.match_key FROM organization_names n JOIN organizations o ON o.rowid = "
            "n.organization_rowid ORDER BY o.name"
        ):
            if match_key == key or other in near:
                continue
            if loose_key(match_key) == loose:
                near.append(str(other))
                continue
            # the cheap upper bounds first (lengths, then letter counts), as difflib.get_close_matches does, with
            # one matcher per stored name: its index of the name is built once, not for every new organisation
            # (an import creating 300 of them spent more than a second here; issue 9)
            matcher = self._matchers.get(match_key)
            if matcher is None:
                matcher = self._matchers[match_key] = difflib.SequenceMatcher(None, "", match_key)
            matcher.set_seq1(key)
            if matcher.real_quick_ratio() >= cutoff and matcher.quick_ratio() >= cutoff and matcher.ratio() >= cutoff:
                near.append(str(other))
        return near

    def create_organization(
        self,
        name: str,
        *,
        stamp: str,
        type_: str | None = None,
        country: str | None = None,
        notes: str | None = None,
        aliases: Sequence[str] = (),
    ) -> None:
        if self.organization_by_key(fold(name)) is not None:
            raise UsageError(f"an organisation is already called {name!r}; `casefile org show` it")
        cursor = self.conn.execute(
            "INSERT INTO organizations (name, type, country, notes, created_at) VALUES (?, ?, ?, ?, ?)",
            (name, type_, country, notes, stamp),
        )
        rowid = int(cursor.lastrowid or 0)
        self._add_name(rowid, name, "name")
        for alias in aliases:
            self._add_name(rowid, alias, "alias")

    def add_aliases(self, organization: str, aliases: Sequence[str]) -> str:
        """Give an organisation (named by any of its names) more names; returns its canonical name."""
        row = self.conn.execute(
            "SELECT o.rowid, o.name FROM organization_names n JOIN organizations o ON o.rowid = "
            "n.organization_rowid WHERE n.match_key = ?",
            (fold(organization),),
        ).fetchone()
        if row is None:
            raise NotFound(f"no organisation called {organization!r}; `casefile org list` shows them")
        for alias in aliases:
            self._add_name(int(row[0]), alias, "alias")
        return str(row[1])

    def _add_name(self, org_rowid: int, name: str, kind: str) -> None:
        key = fold(name)
        if not key:
            raise UsageError("an organisation name cannot be empty")
        owner = self.organization_by_key(key)
        if owner is not None:
            raise UsageError(f"{name!r} already names the organisation {owner!r}")
        self.conn.execute(
            "INSERT INTO organization_names (organization_rowid, name, kind, match_key) VALUES (?, ?, ?, ?)",
            (org_rowid, name, kind, key),
        )

    def organizations(self) -> list[dict[str, Any]]:
        """Every organisation with its aliases and how many (not deleted) accounts name it."""
        rows = self.conn.execute(
            "SELECT o.rowid, o.name, o.type, o.country, o.notes, "
            "(SELECT count(*) FROM accounts a WHERE a.organization = o.name AND a.deleted_at IS NULL) "
            "FROM organizations o ORDER BY o.name"
        ).fetchall()
        names: dict[int, list[str]] = {}
        for org_rowid, name in self.conn.execute(
            "SELECT organization_rowid, name FROM organization_names WHERE kind = 'alias' ORDER BY rowid"
        ):
            names.setdefault(org_rowid, []).append(name)
        return [
            {
                "name": r[1],
                "aliases": names.get(r[0], []),
                "type": r[2],
                "country": r[3],
                "notes": r[4],
                "accounts": r[5],
            }
            for r in rows
        ]

    # -- vocabulary ---------------------------------------------------------------------------------

    def user_codes(self) -> list[tuple[str, str, str, str, str]]:
        """(vocabulary, code, label, description, group) of every code users added."""
        return [
            tuple(r)  # type: ignore[misc]
            for r in self.conn.execute(
                "SELECT vocabulary, code, label, coalesce(description, ''), coalesce(grp, '') FROM vocabulary "
                "ORDER BY vocabulary, rowid"
            )
        ]

    def codes(self) -> dict[str, frozenset[str]]:
        """Every vocabulary's codes: the shipped ones and those users added."""
        from casefile import vocab

        out = {name: set(vocab.codes(name)) for name in vocab.VOCABULARIES}
        for vocabulary, code, *_ in self.user_codes():
            out.setdefault(vocabulary, set()).add(code)
        return {name: frozenset(codes) for name, codes in out.items()}

    def add_code(self, vocabulary: str, code: str, label: str, description: str, group: str, stamp: str) -> None:
        self.conn.execute(
            "INSERT INTO vocabulary (vocabulary, code, label, description, grp, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (vocabulary, code, label, description or None, group or None, stamp),
        )


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


def _audit_triggers(kind: AuditKind) -> list[str]:
    """The temporary triggers that keep a record's rows the first time a transaction changes it. A trigger on
    a child table (an event, a source link) keeps the whole record. Records the transaction created (above
    the highest rowid at its start) are left alone, and inserts carry no trigger at all: a trigger makes
    SQLite write a statement journal for every row, which would slow a large import down by a quarter."""

    def capture(rid: str) -> str:
        steps = [
            f"INSERT INTO audit_touched_{kind.name} (rid, created) VALUES ({rid}, 0);",
            f"INSERT INTO audit_image_{kind.table} SELECT rowid, * FROM main.{kind.table} WHERE rowid = {rid};",
        ]
        steps += [
            f"INSERT INTO audit_image_{table} SELECT rowid, * FROM main.{table} WHERE {owner} = {rid};"
            for table, owner in kind.children
        ]
        return " ".join(steps)

    def trigger(name: str, event: str, table: str, rid: str) -> str:
        return (
            f"CREATE TEMP TRIGGER IF NOT EXISTS audit_{name} {event} ON {table} WHEN {rid} <= (SELECT max_rid "
            f"FROM audit_start WHERE kind = '{kind.name}') AND NOT EXISTS (SELECT 1 FROM audit_touched_{kind.name} "
            f"WHERE rid = {rid}) AND NOT EXISTS (SELECT 1 FROM audit_purged WHERE kind = '{kind.name}' AND "
            f"rid = {rid}) BEGIN {capture(rid)} END"
        )

    out = [
        trigger(f"{kind.table}_update", "BEFORE UPDATE", kind.table, "OLD.rowid"),
        trigger(f"{kind.table}_delete", "BEFORE DELETE", kind.table, "OLD.rowid"),
    ]
    for table, owner in kind.children:
        out += [
            trigger(f"{table}_insert", "BEFORE INSERT", table, f"NEW.{owner}"),
            trigger(f"{table}_update_old", "BEFORE UPDATE", table, f"OLD.{owner}"),
            trigger(f"{table}_update_new", "BEFORE UPDATE", table, f"NEW.{owner}"),
            trigger(f"{table}_delete", "BEFORE DELETE", table, f"OLD.{owner}"),
        ]
    return out
