"""Reading the audit log and putting records back: the batches and their entries (``history``), which later
batches touched the same records, and the primitives undo and purge are built of - restoring a record's rows
from a before-image (rowids included), removing a record, finding what still refers to one, scrubbing the
images of a purged one. What undo means is :mod:`casefile.audit`'s; writing the log is :mod:`.audit_log`'s.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from casefile.errors import DatabaseError, quote

from .accounts import _rows_in
from .audit_log import AUDIT_KIND, ENTRY_SPAN, _label
from .base import StoreBase


class History(StoreBase):
    """The audit log read back, and records put back or taken away."""

    def batch_record_ids(self, batch_id: str, kind_name: str, limit: int) -> list[str]:
        """The ids of the records of one kind a batch created or changed (not those it deleted), first written
        first, at most ``limit``."""
        out: dict[str, None] = {}
        entries = self._entries(
            "l.batch_rowid = (SELECT rowid FROM audit_batches WHERE id = ?) AND l.kind = ? AND l.action != 'delete'",
            [batch_id, kind_name],
        )
        for entry in entries:  # a range is read a chunk at a time: a million-record import stops at ``limit``
            out[entry["record_id"]] = None
            if len(out) == limit:
                break
        return list(out)

    def audit_batches(self) -> list[dict[str, Any]]:
        cursor = self.conn.execute("SELECT rowid, id, ts, actor, command, undoes FROM audit_batches ORDER BY rowid")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in cursor]

    def audit_counts(self, batch_rowids: Sequence[int]) -> dict[int, dict[tuple[str, str], int]]:
        """{batch: {(kind, action): records}}: a range entry counts every record it stands for."""
        out: dict[int, dict[tuple[str, str], int]] = {b: {} for b in batch_rowids}
        sql = (
            f"SELECT batch_rowid, kind, action, sum({ENTRY_SPAN}) FROM audit_log WHERE batch_rowid IN ({{marks}}) "
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
        ``with_images``: only those holding a before-image. A range entry comes as an entry per record."""
        where: list[str] = ["l.before IS NOT NULL"] if with_images else []
        params: list[Any] = []
        if batch_rowid is not None:
            where.append("l.batch_rowid = ?")
            params.append(batch_rowid)
        if kind is None or record_id is None:
            yield from self._entries(" AND ".join(where) or "1", params, reverse=reverse)
            return
        rid = self.record_rowid(kind, record_id)  # a record keeps its rowid for life: use the index
        if rid is not None:
            rids = [rid]
            own = "l.kind = ? AND l.record_id = ? AND l.rid = ?"
            params.extend((kind, record_id, rid))
        else:  # gone: the rowids its entries name (a purge's, a removal's)
            rids = [
                int(r[0])
                for r in self.conn.execute(
                    "SELECT DISTINCT rid FROM audit_log WHERE kind = ? AND record_id = ?", (kind, record_id)
                )
            ]
            own = "l.kind = ? AND l.record_id = ?"
            params.extend((kind, record_id))
        ranges = [] if with_images else self._ranges_holding(kind, rids)
        if ranges:
            own = f"({own} OR l.rowid IN ({', '.join('?' for _ in ranges)}))"
            params.extend(ranges)
        spans = [range(r, r + 1) for r in rids]
        for entry in self._entries(" AND ".join([*where, own]), params, reverse=reverse, within=spans):
            if entry["record_id"] == record_id:  # a range may hold the rowid for another record, before or after
                yield entry

    def _ranges_holding(self, kind: str, rids: Sequence[int]) -> list[int]:
        """The rowids of the range entries (m022) that hold any of these records' rowids."""
        return [
            int(r[0])
            for rid in rids
            for r in self.conn.execute(
                "SELECT rowid FROM audit_log WHERE kind = ? AND last_rid IS NOT NULL AND last_rid >= ? AND rid <= ?",
                (kind, rid, rid),
            )
        ]

    def _entries(
        self,
        where: str,
        params: Sequence[Any],
        *,
        reverse: bool = False,
        within: Mapping[str, list[range]] | list[range] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """The entries matching ``where``, in the order they were written (``reverse``: newest first), each range
        read by :meth:`_expanded` - only its records ``within`` these rowids (of its kind) when given."""
        cursor = self.conn.execute(
            "SELECT l.rowid, l.batch_rowid, b.id AS batch, b.ts, b.actor, b.command, l.action, l.kind, l.rid, "
            "l.last_rid, l.record_id, l.before, l.diff, l.scrubbed_at FROM audit_log l JOIN audit_batches b ON "
            f"b.rowid = l.batch_rowid WHERE {where} ORDER BY l.rowid{' DESC' if reverse else ''}",
            params,
        )
        names = [d[0] for d in cursor.description]
        for row in cursor:
            entry = dict(zip(names, row, strict=True))
            last = entry.pop("last_rid")
            if last is None:
                yield entry
                continue
            spans = [range(entry["rid"], last + 1)]
            if within is not None:
                wanted = within.get(entry["kind"], []) if isinstance(within, Mapping) else within
                spans = [range(max(s.start, w.start), min(s.stop, w.stop)) for s in spans for w in wanted]
            ordered = [reversed(s) for s in reversed(spans)] if reverse else spans
            rids = itertools.chain.from_iterable(ordered)
            yield from self._expanded(entry, rids)

    def _expanded(self, entry: dict[str, Any], rids: Iterable[int]) -> Iterator[dict[str, Any]]:
        """THE reading of a range entry (m022), which every reader of the audit log goes through: one ``create``
        entry per record, as the log once held them, 500 records at a time. A record is named by the entry that
        recorded its going - the first ``remove`` or ``purge`` of its rowid in a later batch (undone, purged,
        merged away, renamed: its id then) - or else by the record that holds the rowid now. A record removed
        by another program, unaudited, has no name left: its id reads as empty."""
        kind = AUDIT_KIND[entry["kind"]]
        label = " || ':' || ".join(kind.label)
        rids = iter(rids)
        while chunk := list(itertools.islice(rids, 500)):
            low, high = min(chunk), max(chunk)
            names = dict(
                self.conn.execute(
                    f"SELECT rowid, {label} FROM main.{kind.table} WHERE rowid BETWEEN ? AND ?", (low, high)
                )
            )
            for rid, record_id in self.conn.execute(  # latest first: the earliest going is written last
                "SELECT rid, record_id FROM audit_log WHERE kind = ? AND rid BETWEEN ? AND ? AND batch_rowid > ? "
                "AND action IN ('remove', 'purge') ORDER BY batch_rowid DESC, rowid DESC",
                (kind.name, low, high, entry["batch_rowid"]),
            ):
                names[rid] = record_id
            for rid in chunk:
                yield {**entry, "rid": rid, "record_id": str(names.get(rid, ""))}

    def audit_later_touching(self, batch_rowid: int) -> list[tuple[int, str, str]]:
        """(batch, kind, record id) for each later batch that changed a record this batch changed — or took
        the rowid of one it removed (a new record added after an undo), which putting it back would overwrite.
        A range entry (m022) counts for each record it holds, on either side."""
        spans: dict[str, list[range]] = {}
        for kind, first, last in self.conn.execute(
            f"SELECT kind, rid, rid + {ENTRY_SPAN} - 1 FROM audit_log WHERE batch_rowid = ?", (batch_rowid,)
        ):
            spans.setdefault(kind, []).append(range(first, last + 1))
        spans = {kind: _merged(ranges) for kind, ranges in spans.items()}
        later = self._entries(  # a later entry on a rowid of this batch's; a later range over one; one of this
            # batch's ranges over a later entry (a handful of ranges in all: the partial index finds them). Entries
            # are only ever appended, so a later batch's come after this one's last: the search starts there.
            "l.rowid > (SELECT max(rowid) FROM audit_log WHERE batch_rowid = ?1) AND l.batch_rowid > ?1 AND ("
            "EXISTS (SELECT 1 FROM audit_log t WHERE t.kind = l.kind AND t.rid = l.rid AND t.batch_rowid = ?1) "
            "OR (l.last_rid IS NOT NULL AND EXISTS (SELECT 1 FROM audit_log t WHERE t.kind = l.kind AND "
            "t.batch_rowid = ?1 AND t.rid BETWEEN l.rid AND l.last_rid)) "
            "OR EXISTS (SELECT 1 FROM audit_log t WHERE t.kind = l.kind AND t.last_rid IS NOT NULL AND "
            "t.last_rid >= l.rid AND t.rid <= coalesce(l.last_rid, l.rid) AND t.batch_rowid = ?1))",
            [batch_rowid],
            within=spans,
        )
        starts = {kind: [s.start for s in ranges] for kind, ranges in spans.items()}
        out: dict[tuple[int, str, str], None] = {}
        for entry in later:
            ranges = spans.get(entry["kind"], [])
            at = bisect.bisect_right(starts.get(entry["kind"], []), entry["rid"]) - 1  # the span it may be in
            if at >= 0 and entry["rid"] in ranges[at]:
                out[(int(entry["batch_rowid"]), str(entry["kind"]), str(entry["record_id"]))] = None
        return sorted(out, key=lambda t: t[0])

    def record_rowid(self, kind_name: str, record_id: str) -> int | None:
        kind = AUDIT_KIND[kind_name]
        where = " AND ".join(f"{c} = ?" for c in kind.label)
        names = record_id.split(":", len(kind.label) - 1)
        if len(names) != len(kind.label):  # not a name of this kind (the empty id of an unnamed record)
            return None
        row = self.conn.execute(f"SELECT rowid FROM main.{kind.table} WHERE {where}", names).fetchone()
        return None if row is None else int(row[0])

    def references(self, kind_name: str, rid: int) -> list[str]:
        """Ids of the accounts that use a source, an organisation or a code (so it cannot be removed)."""
        if kind_name == "source":
            sql = (
                "SELECT a.id FROM accounts a WHERE a.rowid IN (SELECT account_rowid FROM account_sources WHERE "
                "source_rowid = ?1 UNION SELECT account_rowid FROM events WHERE source_rowid = ?1 UNION "
                "SELECT account_rowid FROM quotes WHERE source_rowid = ?1)"
            )
        elif kind_name == "artifact":  # the sources whose captures hold it
            sql = (
                "SELECT s.id FROM sources s WHERE s.rowid IN (SELECT source_rowid FROM captures WHERE "
                "artifact_rowid = ?1 OR warc_rowid = ?1)"
            )
        elif kind_name == "organization":
            sql = "SELECT a.id FROM accounts a JOIN organizations o ON a.organization = o.name WHERE o.rowid = ?1"
        elif kind_name == "vocabulary":
            sql = (
                "SELECT a.id FROM accounts a, vocabulary v WHERE v.rowid = ?1 AND ("
                "(v.vocabulary = 'exit_reason' AND EXISTS (SELECT 1 FROM json_each(a.reasons) WHERE value = v.code))"
                " OR (v.vocabulary = 'allegation' AND EXISTS (SELECT 1 FROM json_each(a.allegations) "
                "WHERE value = v.code)) OR (v.vocabulary = 'join_reason' AND EXISTS (SELECT 1 FROM "
                "json_each(a.join_reasons) WHERE value = v.code)) OR (v.vocabulary = 'barrier' AND EXISTS (SELECT 1 "
                "FROM json_each(a.barriers) WHERE value = v.code)) OR (v.vocabulary = 'event_type' AND EXISTS "
                "(SELECT 1 FROM events e WHERE e.account_rowid = a.rowid AND e.type = v.code)))"
            )
        else:
            return []
        return [str(r[0]) for r in self.conn.execute(sql + " LIMIT 11", (rid,))]

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
            shown = quote(_label(kind, row))
            raise DatabaseError(f"cannot put {kind.nouns[0]} {shown} back: another record took its place")
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

    def audit_cited_sources(self, rid: int) -> set[int]:
        """The rowids of the sources an account's audit before-images link or cite: sources it cited once,
        some perhaps removed since (merged into another), whose own images purge must drop too."""
        import json

        out: set[int] = set()
        for (before,) in self.conn.execute(
            "SELECT before FROM audit_log WHERE kind = 'account' AND rid = ? AND before IS NOT NULL", (rid,)
        ):
            image = json.loads(before)
            for table in ("account_sources", "events", "quotes"):
                out.update(int(r["source_rowid"]) for r in image.get(table, ()) if r.get("source_rowid"))
        return out

    def removed_source_ids(self, rid: int) -> list[str]:
        """The ids the audit log knows for a source rowid that no source holds now (the source was removed)."""
        return [
            str(r[0])
            for r in self.conn.execute(
                "SELECT DISTINCT record_id FROM audit_log WHERE kind = 'source' AND rid = ?1 AND last_rid IS NULL AND "
                "record_id NOT IN "
                "(SELECT id FROM sources WHERE rowid = ?1)",
                (rid,),
            )
        ]

    def scrub_audit(self, kind_name: str, rid: int | None, record_id: str, stamp: str) -> int:
        """Drop the before-images and diffs the audit log holds of a record (purge); returns how many. ``rid``
        None: of whichever row the record had (one removed by another tool, whose rowid is not known)."""
        return self.conn.execute(
            "UPDATE audit_log SET before = NULL, diff = NULL, scrubbed_at = ?1 WHERE kind = ?2 AND (?3 IS NULL OR "
            "rid = ?3) AND record_id = ?4 AND (before IS NOT NULL OR diff IS NOT NULL)",
            (stamp, kind_name, rid, record_id),
        ).rowcount

    def defer_foreign_keys(self) -> None:
        """Check foreign keys at COMMIT, not per statement (undo restores records in any order)."""
        self.conn.execute("PRAGMA defer_foreign_keys = ON")


def _merged(ranges: list[range]) -> list[range]:
    """Ranges of rowids in order, those that touch or overlap made one."""
    out: list[range] = []
    for r in sorted(ranges, key=lambda r: r.start):
        if out and r.start <= out[-1].stop:
            out[-1] = range(out[-1].start, max(out[-1].stop, r.stop))
        else:
            out.append(r)
    return out
