"""The parts of an account: its links to shared sources (with the link's role, locator and grades), its
timeline events and its verbatim quotes - loaded beside the accounts they belong to, written in place of the
old ones - and the shared sources themselves, found by id or URL. The flat ``source_*`` columns of an account
mirror its primary source and are kept in step here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from casefile import model
from casefile.errors import NotFound, UsageError, quote
from casefile.model import Account, Filter, FuzzyDate

from .base import StoreBase
from .connection import new_id


def _columns_of(fields: tuple[model.Field, ...], skip: tuple[str, ...] = ()) -> list[str]:
    return [c for f in fields if f.name not in skip for c in f.columns()]


_SOURCE_LINK_PARTS = ("id", "role", "locator", "reliability", "credibility")
_SOURCE_COLUMNS = _columns_of(model.SOURCE_FIELDS, _SOURCE_LINK_PARTS)
_EVENT_COLUMNS = _columns_of(model.EVENT_FIELDS, ("source",))
_QUOTE_COLUMNS = _columns_of(model.QUOTE_FIELDS, ("source",))
#: Flat account column → the SQL expression giving it from a primary link ``l`` and its source ``s``: every
#: column of each field model.FLAT_SOURCE names (a date's parsed ones too), from the link for the link's own
#: parts (the grades), else from the source.
_FLAT_FROM_LINK = {
    column: f"{'l' if part in _SOURCE_LINK_PARTS else 's'}.{part}{column.removeprefix(flat)}"
    for flat, part in model.FLAT_SOURCE.items()
    for column in model.FIELD_BY_NAME[flat].columns()
}
#: Where each part's rows come from: the table holding their account_rowid and position, its alias, the join.
_NESTED_FROM = {
    "sources": ("account_sources", "l", "JOIN sources s ON s.rowid = l.source_rowid"),
    "events": ("events", "e", "LEFT JOIN sources s ON s.rowid = e.source_rowid"),
    "quotes": ("quotes", "q", "LEFT JOIN sources s ON s.rowid = q.source_rowid"),
}
#: The columns of each part's rows, in _NESTED_ORDER order (a date's raw text, then its parts).
_NESTED_COLUMNS = {
    "sources": ["s.id", *(f"s.{c}" for c in _SOURCE_COLUMNS), "l.role", "l.locator", "l.reliability", "l.credibility"],
    "events": [*(f"e.{c}" for c in _EVENT_COLUMNS), "s.id"],
    "quotes": [*(f"q.{c}" for c in _QUOTE_COLUMNS), "s.id"],
}
_NESTED_SELECT = {
    part: f"SELECT {a}.account_rowid, {', '.join(_NESTED_COLUMNS[part])} FROM {table} {a} {join} "
    f"WHERE {a}.account_rowid IN ({{marks}}) ORDER BY {a}.account_rowid, {a}.position"
    for part, (table, a, join) in _NESTED_FROM.items()
}
#: The order of the parts in each _NESTED_SELECT row (after account_rowid).
_NESTED_ORDER = {
    "sources": [
        "id",
        *[f.name for f in model.SOURCE_FIELDS if f.name not in _SOURCE_LINK_PARTS],
        "role",
        "locator",
        "reliability",
        "credibility",
    ],
    "events": [*[f.name for f in model.EVENT_FIELDS if f.name != "source"], "source"],
    "quotes": [*[f.name for f in model.QUOTE_FIELDS if f.name != "source"], "source"],
}


def _nested_item(part: str, row: Sequence[Any]) -> dict[str, Any]:
    fields = {f.name: f for f in model.NESTED[part]}
    item: dict[str, Any] = {}
    i = 0
    for name in _NESTED_ORDER[part]:
        if fields[name].kind == "date":
            item[name] = FuzzyDate(row[i], *row[i + 1 : i + model.DATE_WIDTH]) if row[i] is not None else None
            i += model.DATE_WIDTH
        else:
            item[name] = row[i]
            i += 1
    return item


def _nested_row(part: str, item: dict[str, Any], fields: Sequence[model.Field] | None = None) -> list[Any]:
    """The stored columns of a nested item, in _SOURCE/_EVENT/_QUOTE_COLUMNS order (no links, no source ref),
    or of just the ``fields`` given."""
    skip = _SOURCE_LINK_PARTS if part == "source" else ("source",)
    if fields is None:
        fields = [f for f in (model.SOURCE_FIELDS if part == "source" else model.NESTED[part]) if f.name not in skip]
    out: list[Any] = []
    for f in fields:
        value = item.get(f.name)
        if f.kind == "date":
            out.extend((value.raw, *value.parts().values()) if value is not None else (None,) * model.DATE_WIDTH)
        else:
            out.append(value)
    return out


class Parts(StoreBase):
    """Sources, events and quotes of accounts; shared sources."""

    def attach_nested(self, accounts: list[Account]) -> None:
        """Load the sources, events and quotes of stored accounts into ``values``."""
        by_rowid = {a.rowid: a for a in accounts if a.rowid is not None}
        for account in by_rowid.values():
            for part in model.NESTED:
                account.values[part] = []
        if not by_rowid:
            return
        marks = ", ".join("?" for _ in by_rowid)
        keys = list(by_rowid)
        for part, sql in _NESTED_SELECT.items():
            for row in self.conn.execute(sql.format(marks=marks), keys):
                by_rowid[row[0]].values[part].append(_nested_item(part, row[1:]))

    def replace_nested(self, rowid: int, values: dict[str, Any], stamp: str) -> None:
        """Write the nested parts present in ``values`` for one stored account (absent parts are left alone)."""
        conn = self.conn
        if "sources" in values:
            conn.execute("DELETE FROM account_sources WHERE account_rowid = ?", (rowid,))
            for position, item in enumerate(values["sources"]):
                source_rowid = self.upsert_source(item, stamp)
                conn.execute(
                    "INSERT INTO account_sources (account_rowid, source_rowid, position, role, locator, reliability,"
                    " credibility) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        rowid,
                        source_rowid,
                        position,
                        item.get("role") or "primary",
                        item.get("locator"),
                        item.get("reliability"),
                        item.get("credibility"),
                    ),
                )
        for part, table, columns in (("events", "events", _EVENT_COLUMNS), ("quotes", "quotes", _QUOTE_COLUMNS)):
            if part not in values:
                continue
            conn.execute(f"DELETE FROM {table} WHERE account_rowid = ?", (rowid,))
            rows = [
                (rowid, position, *_nested_row(part, item), self.source_rowid(item.get("source")))
                for position, item in enumerate(values[part])
            ]
            marks = ", ".join("?" for _ in range(len(columns) + 3))
            conn.executemany(
                f"INSERT INTO {table} (account_rowid, position, {', '.join(columns)}, source_rowid) VALUES ({marks})",
                rows,
            )

    def source_rowid(self, source_id: str | None) -> int | None:
        if not source_id:
            return None
        row = self.conn.execute("SELECT rowid FROM sources WHERE id = ?", (source_id,)).fetchone()
        if row is None:
            raise NotFound(f"no source with id {quote(source_id)}; `casefile source list` shows them")
        return int(row[0])

    def find_source(self, item: dict[str, Any]) -> tuple[int, str] | None:
        """The stored source an entry means: by its id, else by its URL."""
        for column in ("id", "url"):
            if item.get(column):
                row = self.conn.execute(f"SELECT rowid, id FROM sources WHERE {column} = ?", (item[column],)).fetchone()
                if row is not None:
                    return int(row[0]), str(row[1])
        return None

    def upsert_source(self, item: dict[str, Any], stamp: str) -> int:
        """Store a shared source (matched by id, then URL) with the entry's values; returns its rowid. The
        flat ``source_*`` columns of every account citing it as primary are kept in step."""
        found = self.find_source(item)
        if found is None:
            values = _nested_row("source", item)
            item["id"] = item.get("id") or new_id()
            marks = ", ".join("?" for _ in range(len(_SOURCE_COLUMNS) + 2))
            cursor = self.conn.execute(
                f"INSERT INTO sources (id, {', '.join(_SOURCE_COLUMNS)}, created_at) VALUES ({marks})",
                (item["id"], *values, stamp),
            )
            return int(cursor.lastrowid or 0)
        rowid, item["id"] = found
        present = [f for f in model.SOURCE_FIELDS if f.name not in _SOURCE_LINK_PARTS and f.name in item]
        if not present:
            return rowid  # a reference by id or URL only: link it, change nothing
        columns = [c for f in present for c in f.columns()]
        values = _nested_row("source", item, present)
        assigns = ", ".join(f"{c} = ?" for c in columns)
        differs = " OR ".join(f"{c} IS NOT ?" for c in columns)
        cursor = self.conn.execute(
            f"UPDATE sources SET {assigns} WHERE rowid = ? AND ({differs})", (*values, rowid, *values)
        )
        if cursor.rowcount:
            self.sync_primary_columns(source_rowid=rowid, stamp=stamp)
        return rowid

    def sync_primary_columns(
        self, *, source_rowid: int | None = None, account_rowid: int | None = None, stamp: str
    ) -> None:
        """Copy primary links (source fields and link grades) into the accounts' flat ``source_*`` columns."""
        where = "l.source_rowid = ?" if source_rowid is not None else "l.account_rowid = ?"
        key = source_rowid if source_rowid is not None else account_rowid
        flat = list(_FLAT_FROM_LINK)
        assigns = ", ".join(f'"{c}" = ?' for c in flat)
        differs = " OR ".join(f'"{c}" IS NOT ?' for c in flat)
        rows = self.conn.execute(
            f"SELECT l.account_rowid, {', '.join(_FLAT_FROM_LINK.values())} FROM account_sources l "
            f"JOIN sources s ON s.rowid = l.source_rowid WHERE {where} AND l.role = 'primary' AND l.position = "
            "(SELECT min(position) FROM account_sources WHERE account_rowid = l.account_rowid AND role = 'primary')",
            (key,),
        ).fetchall()
        for row in rows:
            self.conn.execute(
                f"UPDATE accounts SET {assigns}, updated_at = ? WHERE rowid = ? AND ({differs})",
                (*row[1:], stamp, row[0], *row[1:]),
            )

    # -- sources and timeline -----------------------------------------------------------------------

    def sources(self, source_id: str | None = None) -> list[dict[str, Any]]:
        """Shared sources (one, by id prefix resolved by the caller) with the accounts citing each."""
        where, params = ("WHERE s.id = ?", [source_id]) if source_id else ("", [])
        cols = ", ".join(f"s.{c}" for c in _SOURCE_COLUMNS)
        out = []
        for row in self.conn.execute(f"SELECT s.rowid, s.id, {cols} FROM sources s {where} ORDER BY s.rowid", params):
            item = _nested_item("sources", (row[1], *row[2:], None, None, None, None))
            for key in ("role", "locator", "reliability", "credibility"):
                item.pop(key)
            item["accounts"] = [
                {"id": r[0], "name": r[1], "role": r[2], "locator": r[3], "reliability": r[4], "credibility": r[5]}
                for r in self.conn.execute(
                    "SELECT a.id, a.name, l.role, l.locator, l.reliability, l.credibility FROM account_sources l "
                    "JOIN accounts a ON a.rowid = l.account_rowid WHERE l.source_rowid = ? ORDER BY a.rowid",
                    (row[0],),
                )
            ]
            out.append(item)
        return out

    def resolve_source_id(self, ref: str) -> str:
        rows = self.conn.execute(
            "SELECT id FROM sources WHERE id >= ? AND id < ? ORDER BY id LIMIT 11", (ref, ref + "\U0010ffff")
        ).fetchall()
        if len(rows) == 1:
            return str(rows[0][0])
        if rows:
            raise UsageError(
                f"source id prefix {quote(ref)} is ambiguous; it matches {', '.join(r[0] for r in rows[:10])}"
            )
        raise NotFound(f"no source with id {quote(ref)}; `casefile source list` shows them")

    def source_rowids_of(self, account_rowid: int) -> list[int]:
        """The sources an account links to or cites in its events and quotes."""
        return [
            int(r[0])
            for r in self.conn.execute(
                "SELECT source_rowid FROM account_sources WHERE account_rowid = ?1 UNION SELECT source_rowid FROM "
                "events WHERE account_rowid = ?1 AND source_rowid IS NOT NULL UNION SELECT source_rowid FROM quotes "
                "WHERE account_rowid = ?1 AND source_rowid IS NOT NULL",
                (account_rowid,),
            )
        ]

    def source_id_of(self, rowid: int) -> str:
        return str(self.conn.execute("SELECT id FROM sources WHERE rowid = ?", (rowid,)).fetchone()[0])

    def timeline(self, flt: Filter) -> Iterator[tuple[str, str | None, dict[str, Any]]]:
        """(account id, account name, event) for the events of the accounts ``flt`` selects, ordered by the
        earliest possible day, then the latest; events whose year is unknown come last, in record order."""
        where, params = self.where(flt)
        cols = ", ".join(f"e.{c}" for c in _EVENT_COLUMNS)
        sql = (
            f"SELECT a.id, a.name, {cols}, s.id FROM events e JOIN accounts a ON a.rowid = e.account_rowid "
            f"LEFT JOIN sources s ON s.rowid = e.source_rowid WHERE e.account_rowid IN (SELECT rowid FROM accounts"
            f"{where}) ORDER BY e.date_min IS NULL, e.date_min, e.date_max, a.rowid, e.position"
        )
        for row in self.conn.execute(sql, params):
            yield str(row[0]), row[1], _nested_item("events", row[2:])
