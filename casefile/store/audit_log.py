"""Writing the audit log: every write transaction becomes one batch - who, when, which command - with an
entry per record it changed, holding the record's rows as they were (its before-image) and a field-level
diff; the records the transaction created get a bare ``create`` entry for each run of consecutive rowids
(m022: one for a whole import), read back record by record by :mod:`.history`.

Temporary triggers on this connection (other tools never need casefile's code) keep a record's rows the
first time a transaction changes it; :meth:`AuditLog._audit_finish`, run by ``transaction()`` just before
COMMIT, turns them into the batch. Reading the log and putting records back is :mod:`.history`'s; what undo
means is :mod:`casefile.audit`'s.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from casefile import model

from .base import StoreBase
from .connection import new_id, now


@dataclass(frozen=True)
class AuditKind:
    """A kind of record the audit log follows: its main table, the child tables holding its parts (with the
    column naming the main row), the columns that name it for people, and what messages call one and many."""

    name: str
    table: str
    children: tuple[tuple[str, str], ...]
    label: tuple[str, ...]
    nouns: tuple[str, str]


#: In the order entries are written (undo walks them backwards: accounts first, then what they refer to).
AUDITED: tuple[AuditKind, ...] = (
    AuditKind("vocabulary", "vocabulary", (), ("vocabulary", "code"), ("code", "codes")),
    AuditKind(
        "organization",
        "organizations",
        (("organization_names", "organization_rowid"),),
        ("name",),
        ("organisation", "organisations"),
    ),
    # an artifact's bytes (artifact_chunks) and custody log are not audited: its creation is, and undoing that
    # deletes it, and with it its bytes and log (the trigger of migration m015). It comes before the sources
    # whose captures use it, so undo takes those away first.
    # Its timestamps are its parts: undo of `source timestamp` takes the stamps it added away.
    AuditKind(
        "artifact", "artifacts", (("artifact_timestamps", "artifact_rowid"),), ("sha256",), ("artifact", "artifacts")
    ),
    AuditKind("source", "sources", (("captures", "source_rowid"),), ("id",), ("source", "sources")),
    AuditKind(
        "account",
        "accounts",
        (
            ("account_sources", "account_rowid"),
            ("events", "account_rowid"),
            ("quotes", "account_rowid"),
            ("places", "account_rowid"),
            ("people", "account_rowid"),
            ("coded_items", "account_rowid"),
        ),
        ("id",),
        ("account", "accounts"),
    ),
    AuditKind("redirect", "account_redirects", (), ("old_id",), ("merged-id redirect", "merged-id redirects")),
)
AUDIT_KIND: dict[str, AuditKind] = {k.name: k for k in AUDITED}
#: What a child table is called in a diff.
_PART_NAMES = {
    "captures": "captures",
    "artifact_timestamps": "timestamps",
    "account_sources": "sources",
    "events": "events",
    "quotes": "quotes",
    "places": "places",
    "people": "people",
    "coded_items": "codes",
    "organization_names": "names",
}
#: How many records an entry stands for: one, or a range's (m022).
ENTRY_SPAN = "coalesce(last_rid - rid + 1, 1)"
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


class AuditLog(StoreBase):
    """The audit hooks of transaction(): the temporary triggers and tables, and the batch written at COMMIT."""

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
        """``SELECT part, rid`` of the records of a kind this transaction created: rows above the table's highest
        rowid at the start (part 0), and rows put back with their old rowid (part 1, see :meth:`restore_image`)."""
        start = f"(SELECT max_rid FROM temp.audit_start WHERE kind = '{kind.name}')"
        return (
            f"SELECT 0 AS part, m.rowid AS rid FROM main.{kind.table} m WHERE m.rowid > {start} UNION ALL SELECT 1, "
            f"t.rid FROM temp.audit_touched_{kind.name} t JOIN main.{kind.table} m ON m.rowid = t.rid "
            f"WHERE t.created = 1 AND t.rid <= {start}"
        )

    def _created_runs(self, kind: AuditKind) -> list[tuple[int, int]]:
        """(first, last) of each run of consecutive rowids among the records of a kind this transaction created
        (see :meth:`_created_sql`), in the order the records come: rows above the start, then rows put back. Read
        in rowid order, not sorted: a window function numbering them held every rowid of an import in memory
        (+7 MiB from 120,000 to 240,000 rows, tests/test_importers_memory.py)."""
        start = f"(SELECT max_rid FROM temp.audit_start WHERE kind = '{kind.name}')"
        runs: list[tuple[int, int]] = []
        for sql in (
            f"SELECT m.rowid FROM main.{kind.table} m WHERE m.rowid > {start} ORDER BY m.rowid",
            f"SELECT t.rid FROM temp.audit_touched_{kind.name} t JOIN main.{kind.table} m ON m.rowid = t.rid "
            f"WHERE t.created = 1 AND t.rid <= {start} ORDER BY t.rid",
        ):
            first = last = None
            for (rid,) in self.conn.execute(sql):
                if last is not None and rid == last + 1:
                    last = rid
                    continue
                if first is not None and last is not None:
                    runs.append((first, last))
                first = last = rid
            if first is not None and last is not None:
                runs.append((first, last))
        return runs

    def _audit_finish(self) -> None:
        """Write what this transaction changed as one batch: a bare ``create`` entry for each run of new records
        (the first and last rowid, nothing else: one entry for a million-row import), the before-image and diff
        of every other record."""
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
            # one entry a run of created rowids (m022): a single record's carries its id, a range's ids are read
            # from the records (history.py's _expanded)
            label = " || ':' || ".join(f"m.{c}" for c in kind.label)
            runs = self._created_runs(kind)
            self.conn.executemany(
                "INSERT INTO audit_log (batch_rowid, action, kind, rid, last_rid, record_id) "
                "SELECT ?1, 'create', ?2, ?3, nullif(?4, ?3), CASE WHEN ?4 > ?3 THEN '' ELSE "
                f"(SELECT {label} FROM main.{kind.table} m WHERE m.rowid = ?3) END",
                [(batch, kind.name, first, last) for first, last in runs],
            )
            entries += len(runs)
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

    def mark_purged(self, kind_name: str, records: Iterable[tuple[int, str]]) -> None:
        """Make this transaction record only that these records (rowid, id) were purged: the audit triggers
        keep no image of them, not even in the temporary tables, and the entry has no before-image or diff."""
        self.conn.executemany(
            "INSERT OR IGNORE INTO temp.audit_purged (kind, rid, record_id) VALUES (?, ?, ?)",
            ((kind_name, rid, record_id) for rid, record_id in records),
        )


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
