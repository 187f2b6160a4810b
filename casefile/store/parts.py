"""The parts of an account: its links to shared sources (with the link's role, locator and grades), its
timeline events and its verbatim quotes - loaded beside the accounts they belong to, written in place of the
old ones - and the shared sources themselves, found by id or URL. The flat ``source_*`` columns of an account
mirror its primary source and are kept in step here.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterator, Sequence
from typing import Any

from casefile import model
from casefile.errors import InvalidRecord, NotFound, Problem, UsageError, quote
from casefile.model import Account, Filter, FuzzyDate
from casefile.sourcekeys import title_key, url_key

from .base import StoreBase
from .connection import new_id


def _columns_of(fields: tuple[model.Field, ...], skip: tuple[str, ...] = ()) -> list[str]:
    return [c for f in fields if f.name not in skip for c in f.columns()]


_SOURCE_LINK_PARTS = ("id", "link", "role", "locator", "reliability", "credibility")
_SOURCE_COLUMNS = _columns_of(model.SOURCE_FIELDS, _SOURCE_LINK_PARTS)
_EVENT_COLUMNS = _columns_of(model.EVENT_FIELDS, ("source",))
_QUOTE_COLUMNS = _columns_of(model.QUOTE_FIELDS, ("source",))
_PLACE_COLUMNS = _columns_of(model.PLACE_FIELDS, ("source",))
_PERSON_COLUMNS = _columns_of(model.PERSON_FIELDS, ("source",))
#: The parts stored a row per entry in a table of their own (table, columns), written by replace_nested.
_ROW_PARTS = {
    "events": ("events", _EVENT_COLUMNS),
    "quotes": ("quotes", _QUOTE_COLUMNS),
    "places": ("places", _PLACE_COLUMNS),
    "people": ("people", _PERSON_COLUMNS),
}
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
    "places": ("places", "p", "LEFT JOIN sources s ON s.rowid = p.source_rowid"),
    "people": ("people", "m", "LEFT JOIN sources s ON s.rowid = m.source_rowid"),
    "codes": ("coded_items", "c", ""),
}
#: The columns of each part's rows, in _NESTED_ORDER order (a date's raw text, then its parts).
_NESTED_COLUMNS = {
    "sources": [
        "s.id",
        *(f"s.{c}" for c in _SOURCE_COLUMNS),
        "l.id",
        "l.role",
        "l.locator",
        "l.reliability",
        "l.credibility",
    ],
    "events": [*(f"e.{c}" for c in _EVENT_COLUMNS), "s.id"],
    "quotes": [*(f"q.{c}" for c in _QUOTE_COLUMNS), "s.id"],
    "places": [*(f"p.{c}" for c in _PLACE_COLUMNS), "s.id"],
    "people": [*(f"m.{c}" for c in _PERSON_COLUMNS), "s.id"],
    "codes": ["c.id", "c.field", "c.code"],
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
        "link",
        "role",
        "locator",
        "reliability",
        "credibility",
    ],
    "events": [*[f.name for f in model.EVENT_FIELDS if f.name != "source"], "source"],
    "quotes": [*[f.name for f in model.QUOTE_FIELDS if f.name != "source"], "source"],
    "places": [*[f.name for f in model.PLACE_FIELDS if f.name != "source"], "source"],
    "people": [*[f.name for f in model.PERSON_FIELDS if f.name != "source"], "source"],
    "codes": ["id", "field", "code"],
}


#: A column of the link to source ``?2`` of the account whose link an UPDATE of account_sources is on.
_OTHER_LINK = (
    "(SELECT o.{c} FROM account_sources o WHERE o.source_rowid = ?2 AND "
    "o.account_rowid = account_sources.account_rowid)"
)


def _nested_item(part: str, row: Sequence[Any]) -> dict[str, Any]:
    fields = {f.name: f for f in model.NESTED[part]}
    item: dict[str, Any] = {}
    i = 0
    for name in _NESTED_ORDER[part]:
        if fields[name].kind == "date":
            item[name] = FuzzyDate(row[i], *row[i + 1 : i + model.DATE_WIDTH]) if row[i] is not None else None
        else:  # a coded field's code, stored beside it, is derived again when needed
            item[name] = row[i]
        i += len(fields[name].columns())
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
        elif f.coded:
            out.extend((value, f.code(value)))
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
            self._give_part_ids("account_sources", rowid, values["sources"], key="link")
            for position, item in enumerate(values["sources"]):
                settled = self._settled.get(id(item))
                if settled is not None and settled[0] is item:
                    source_rowid = settled[1]  # stored already, and perhaps filled in since by a later row
                else:
                    source_rowid = self.upsert_source(item, stamp)
                conn.execute(
                    "INSERT INTO account_sources (account_rowid, source_rowid, position, id, role, locator, "
                    "reliability, credibility) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        rowid,
                        source_rowid,
                        position,
                        item["link"],
                        item.get("role") or "primary",
                        item.get("locator"),
                        item.get("reliability"),
                        item.get("credibility"),
                    ),
                )
        for part, (table, columns) in _ROW_PARTS.items():
            if part not in values:
                continue
            conn.execute(f"DELETE FROM {table} WHERE account_rowid = ?", (rowid,))
            self._give_part_ids(table, rowid, values[part])
            rows = [
                (rowid, position, *_nested_row(part, item), self.source_rowid(item.get("source")))
                for position, item in enumerate(values[part])
            ]
            marks = ", ".join("?" for _ in range(len(columns) + 3))
            conn.executemany(
                f"INSERT INTO {table} (account_rowid, position, {', '.join(columns)}, source_rowid) VALUES ({marks})",
                rows,
            )
        if "codes" in values or any(name in values for name in model.CODED_FIELDS):
            self._replace_codes(rowid, values)
        if values.get("quotes") and ("quotes" in values or "codes" in values or "events" in values):
            self._check_supports(rowid, values["quotes"])

    def settle_source(self, entry: dict[str, Any], rowid: int) -> None:
        """The link ``entry`` is to a source this write has just stored (the flat ``source_*`` columns created
        it or brought it up to date): writing the account then stores the link only. The entry is a copy of the
        source as it was then, and a new account is written at the end of its batch: a later row of the batch
        filling in a value the source lacked was undone by writing that copy back (a date given in the
        import, lost for every account citing the source)."""
        self._settled[id(entry)] = (entry, rowid)

    def forget_settled_sources(self) -> None:
        """The batch whose links :meth:`settle_source` noted is written."""
        self._settled.clear()

    def _replace_codes(self, rowid: int, values: dict[str, Any]) -> None:
        """Write the ids of the account's codes: a code keeps the id ``values['codes']`` gives it, else the id it
        had, else gets a new one; a coded field absent from ``values`` keeps its stored codes."""
        given = {(c.get("field"), c.get("code")): c.get("id") for c in values.get("codes") or () if c.get("id")}
        stored: dict[tuple[str, str], str] = {}
        kept: list[dict[str, Any]] = []
        for part_id, name, code in self.conn.execute(
            "SELECT id, field, code FROM coded_items WHERE account_rowid = ? ORDER BY position", (rowid,)
        ):
            stored[(name, code)] = part_id
            if name not in values:
                kept.append({"id": part_id, "field": name, "code": code})
        self.conn.execute("DELETE FROM coded_items WHERE account_rowid = ?", (rowid,))
        items: list[dict[str, Any]] = []
        for name in model.CODED_FIELDS:
            if name not in values:
                items.extend(i for i in kept if i["field"] == name)
                continue
            for code in values.get(name) or ():
                items.append({"id": given.get((name, code)) or stored.get((name, code)), "field": name, "code": code})
        self._give_part_ids("coded_items", rowid, items)
        self.conn.executemany(
            "INSERT INTO coded_items (account_rowid, position, id, field, code) VALUES (?, ?, ?, ?, ?)",
            [(rowid, n, i["id"], i["field"], i["code"]) for n, i in enumerate(items)],
        )
        values["codes"] = items

    def _check_supports(self, rowid: int, quotes: list[dict[str, Any]]) -> None:
        """A quote's ``supports`` names one of the account's events or codes."""
        problems = []
        for n, item in enumerate(quotes, 1):
            target = item.get("supports")
            if (
                target
                and not self.conn.execute(
                    "SELECT 1 FROM events WHERE account_rowid = ?1 AND id = ?2 UNION ALL SELECT 1 FROM coded_items "
                    "WHERE account_rowid = ?1 AND id = ?2",
                    (rowid, target),
                ).fetchone()
            ):
                reason = "is not the id of one of the account's events, reasons, barriers or allegations"
                problems.append(Problem(None, f"quotes[{n}].supports", reason))
        if problems:
            raise InvalidRecord(problems)

    def _give_part_ids(self, table: str, rowid: int, items: list[dict[str, Any]], key: str = "id") -> None:
        """Keep each item's id (its ``key``: a source link's is ``link``, ``id`` being the source's) unless it has
        none, repeats one before it, or is held by another live account (a copy of a record imported beside
        it); those get a new one. Every part's rows have their id in the column ``id``."""
        seen: set[str] = set()
        for item in items:
            given = item.get(key)
            if not given or given in seen or self._part_id_elsewhere(table, given, rowid):
                item[key] = self.new_part_id(table, seen)
            seen.add(item[key])

    def _part_id_elsewhere(self, table: str, part_id: str, rowid: int) -> bool:
        return (
            self.conn.execute(
                f"SELECT 1 FROM {table} t JOIN accounts a ON a.rowid = t.account_rowid WHERE t.id = ? AND "
                "t.account_rowid != ? AND a.deleted_at IS NULL LIMIT 1",
                (part_id, rowid),
            ).fetchone()
            is not None
        )

    def new_part_id(self, table: str, taken: Collection[str] = ()) -> str:
        """8 random hex digits no row of ``table`` (nor ``taken``) has."""
        while True:
            candidate = secrets.token_hex(4)
            if (
                candidate not in taken
                and not self.conn.execute(f"SELECT 1 FROM {table} WHERE id = ? LIMIT 1", (candidate,)).fetchone()
            ):
                return candidate

    def part_owners(self, table: str, part_id: str) -> list[tuple[str, str, bool]]:
        """(part id, account id, merged away?) for the rows of ``table`` whose id is ``part_id`` or starts with
        it, live accounts first."""
        return [
            (str(r[0]), str(r[1]), bool(r[2]))
            for r in self.conn.execute(
                f"SELECT t.id, a.id, EXISTS (SELECT 1 FROM account_redirects WHERE old_id = a.id) AS gone "
                f"FROM {table} t JOIN accounts a ON a.rowid = t.account_rowid WHERE t.id >= ? AND t.id < ? "
                "ORDER BY gone, a.deleted_at IS NOT NULL, a.rowid LIMIT 20",
                (part_id, part_id + "\U0010ffff"),
            )
        ]

    def source_rowid(self, source_id: str | None) -> int | None:
        if not source_id:
            return None
        row = self.conn.execute("SELECT rowid FROM sources WHERE id = ?", (source_id,)).fetchone()
        if row is None:
            raise NotFound(f"no source with id {quote(source_id)}; `casefile source list` shows them")
        return int(row[0])

    def find_source(self, item: dict[str, Any]) -> tuple[int, str] | None:
        """The stored source an entry means: by its id, else by its normalised URL, else by its title,
        publisher and date folded - against sources without a URL when the entry has one (see
        :mod:`casefile.sourcekeys`). Of several sources with one key, the oldest."""
        if item.get("id"):
            row = self.conn.execute("SELECT rowid, id FROM sources WHERE id = ?", (item["id"],)).fetchone()
            if row is not None:
                return int(row[0]), str(row[1])
        by_url = url_key(item.get("url"))
        if by_url is not None:
            row = self.conn.execute(
                "SELECT rowid, id FROM sources WHERE url_key = ? ORDER BY rowid LIMIT 1", (by_url,)
            ).fetchone()
            if row is not None:
                return int(row[0]), str(row[1])
        by_title = title_key(item.get("title"), item.get("publisher"), item.get("date"))
        if by_title is not None:
            # "+url": the UNIQUE index on url would otherwise be chosen for "url IS NULL" and walk every source
            # without a URL on each lookup (a 50,000-row import took minutes; tests/test_import_query_plans.py)
            only_unaddressed = " AND +url IS NULL" if by_url is not None else ""
            row = self.conn.execute(
                f"SELECT rowid, id FROM sources WHERE match_key = ?{only_unaddressed} ORDER BY rowid LIMIT 1",
                (by_title,),
            ).fetchone()
            if row is not None:
                return int(row[0]), str(row[1])
        return None

    def upsert_source(self, item: dict[str, Any], stamp: str) -> int:
        """Store a shared source (matched as :meth:`find_source` does) with the entry's values; returns its
        rowid. The flat ``source_*`` columns of every account citing it as primary are kept in step."""
        found = self.find_source(item)
        if found is None:
            values = _nested_row("source", item)
            item["id"] = item.get("id") or new_id()
            marks = ", ".join("?" for _ in range(len(_SOURCE_COLUMNS) + 2))
            cursor = self.conn.execute(
                f"INSERT INTO sources (id, {', '.join(_SOURCE_COLUMNS)}, created_at) VALUES ({marks})",
                (item["id"], *values, stamp),
            )
            rowid = int(cursor.lastrowid or 0)
            self._refresh_source_keys(rowid)
            return rowid
        rowid, item["id"] = found
        self.change_source(rowid, item, stamp)
        return rowid

    def change_source(self, rowid: int, item: dict[str, Any], stamp: str) -> bool:
        """Set the source fields ``item`` holds (link parts and ``id`` aside) on a stored source; True when
        something changed. The accounts citing it as primary get their flat columns in step."""
        present = [f for f in model.SOURCE_FIELDS if f.name not in _SOURCE_LINK_PARTS and f.name in item]
        if not present:
            return False  # a reference by id or URL only: link it, change nothing
        columns = [c for f in present for c in f.columns()]
        values = _nested_row("source", item, present)
        assigns = ", ".join(f"{c} = ?" for c in columns)
        differs = " OR ".join(f"{c} IS NOT ?" for c in columns)
        cursor = self.conn.execute(
            f"UPDATE sources SET {assigns} WHERE rowid = ? AND ({differs})", (*values, rowid, *values)
        )
        if not cursor.rowcount:
            return False
        self._refresh_source_keys(rowid)
        self.sync_primary_columns(source_rowid=rowid, stamp=stamp)
        return True

    def _refresh_source_keys(self, rowid: int) -> None:
        url, title, publisher, raw, edtf = self.conn.execute(
            "SELECT url, title, publisher, date, date_edtf FROM sources WHERE rowid = ?", (rowid,)
        ).fetchone()
        date = FuzzyDate(raw, edtf) if raw is not None else None
        keys = (url_key(url), title_key(title, publisher, date))
        self.conn.execute(
            "UPDATE sources SET url_key = ?, match_key = ? WHERE rowid = ? AND (url_key IS NOT ? OR "
            "match_key IS NOT ?)",
            (*keys, rowid, *keys),
        )

    def source_entry(self, rowid: int) -> dict[str, Any]:
        """A stored source as a sources entry: its id and fields, without the link's parts."""
        cols = ", ".join(f"s.{c}" for c in _SOURCE_COLUMNS)
        row = self.conn.execute(f"SELECT s.id, {cols} FROM sources s WHERE s.rowid = ?", (rowid,)).fetchone()
        item = _nested_item("sources", (*row, *(None for _ in _SOURCE_LINK_PARTS[1:])))
        for key in _SOURCE_LINK_PARTS[1:]:
            item.pop(key)
        return item

    def source_cited_by_others(self, source_id: str, account_rowid: int | None) -> bool:
        """Whether an account other than ``account_rowid`` links to the source or cites it in an event or quote."""
        row = self.conn.execute(
            "SELECT 1 FROM sources s WHERE s.id = ?1 AND (EXISTS (SELECT 1 FROM account_sources WHERE source_rowid = "
            "s.rowid AND account_rowid IS NOT ?2) OR EXISTS (SELECT 1 FROM events WHERE source_rowid = s.rowid AND "
            "account_rowid IS NOT ?2) OR EXISTS (SELECT 1 FROM quotes WHERE source_rowid = s.rowid AND account_rowid "
            "IS NOT ?2))",
            (source_id, account_rowid),
        ).fetchone()
        return row is not None

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

    # -- changing shared sources (source edit, merge, unlink, delete) ---------------------------------

    def source_row(self, source_id: str) -> int:
        return int(self.conn.execute("SELECT rowid FROM sources WHERE id = ?", (source_id,)).fetchone()[0])

    def source_owner_of_key(self, item: dict[str, Any], rowid: int) -> str | None:
        """The id of another source an address means (its URL key), if one does."""
        key = url_key(item.get("url"))
        if key is None:
            return None
        row = self.conn.execute(
            "SELECT id FROM sources WHERE url_key = ? AND rowid != ? ORDER BY rowid LIMIT 1", (key, rowid)
        ).fetchone()
        return None if row is None else str(row[0])

    def unlink_source(self, source_rowid: int, account_rowid: int | None = None) -> int:
        """Remove the links to a source (of one account, or of all); an account losing its primary source has
        its flat ``source_*`` columns emptied. Returns how many links went."""
        where, params = "source_rowid = ?", [source_rowid]
        if account_rowid is not None:
            where, params = where + " AND account_rowid = ?", [source_rowid, account_rowid]
        flat = ", ".join(f'"{c}" = NULL' for c in _FLAT_FROM_LINK)
        self.conn.execute(
            f"UPDATE accounts SET {flat} WHERE rowid IN (SELECT account_rowid FROM account_sources WHERE {where} AND "
            "role = 'primary')",
            params,
        )
        return int(self.conn.execute(f"DELETE FROM account_sources WHERE {where}", params).rowcount)

    def delete_source(self, source_rowid: int) -> int:
        """Remove a source, its links and its citations by events and quotes (which keep their text); returns
        how many links went."""
        links = self.unlink_source(source_rowid)
        for table in ("events", "quotes"):
            self.conn.execute(f"UPDATE {table} SET source_rowid = NULL WHERE source_rowid = ?", (source_rowid,))
        self.conn.execute("DELETE FROM sources WHERE rowid = ?", (source_rowid,))
        return links

    def merge_sources(self, keep: int, other: int, stamp: str) -> list[str]:
        """Move every link and citation of source ``other`` to ``keep``, fill what ``keep`` lacks from ``other``
        and remove ``other``. An account linking both keeps one link: primary if either was, ``keep``'s grades
        and locator where it has them. Returns the fields both sources hold with different values (kept's)."""
        conn = self.conn
        names = [f.name for f in model.SOURCE_FIELDS if f.name not in _SOURCE_LINK_PARTS]
        kept, gone = self.source_entry(keep), self.source_entry(other)
        conflicts = [n for n in names if kept.get(n) is not None and gone.get(n) is not None and kept[n] != gone[n]]
        fill = {n: gone[n] for n in names if kept.get(n) is None and gone.get(n) is not None}
        conn.execute(
            "UPDATE account_sources SET "  # correlated subqueries: UPDATE … FROM needs SQLite 3.33
            + ", ".join(
                f"{c} = {how.format(c=c, o=_OTHER_LINK.format(c=c))}"
                for c, how in (
                    ("role", "CASE WHEN {o} = 'primary' THEN 'primary' ELSE {c} END"),
                    ("position", "min({c}, {o})"),
                    ("locator", "coalesce({c}, {o})"),
                    ("reliability", "coalesce({c}, {o})"),
                    ("credibility", "coalesce({c}, {o})"),
                )
            )
            + " WHERE source_rowid = ?1 AND account_rowid IN (SELECT account_rowid FROM account_sources WHERE "
            "source_rowid = ?2)",
            (keep, other),
        )
        conn.execute(
            "DELETE FROM account_sources WHERE source_rowid = ? AND account_rowid IN (SELECT account_rowid FROM "
            "account_sources WHERE source_rowid = ?)",
            (other, keep),
        )
        conn.execute("UPDATE account_sources SET source_rowid = ? WHERE source_rowid = ?", (keep, other))
        for table in ("events", "quotes", "captures"):  # captures: its archived copies go with its citations
            conn.execute(f"UPDATE {table} SET source_rowid = ? WHERE source_rowid = ?", (keep, other))
        conn.execute("DELETE FROM sources WHERE rowid = ?", (other,))  # first: its URL may go to ``keep``
        if fill:
            self.change_source(keep, fill, stamp)
        self.sync_primary_columns(source_rowid=keep, stamp=stamp)
        return conflicts

    # -- sources and timeline -----------------------------------------------------------------------

    def sources(self, source_id: str | None = None) -> list[dict[str, Any]]:
        """Shared sources (one, by id prefix resolved by the caller) with the accounts citing each."""
        where, params = ("WHERE s.id = ?", [source_id]) if source_id else ("", [])
        cols = ", ".join(f"s.{c}" for c in _SOURCE_COLUMNS)
        out = []
        for row in self.conn.execute(f"SELECT s.rowid, s.id, {cols} FROM sources s {where} ORDER BY s.rowid", params):
            item = _nested_item("sources", (row[1], *row[2:], *(None for _ in _SOURCE_LINK_PARTS[1:])))
            for key in _SOURCE_LINK_PARTS[1:]:
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

    def source_citers(self, account_rowids: Sequence[int]) -> dict[int, dict[str, list[str]]]:
        """For each of these accounts, each source it links to (by id) → the names and aliases of every account
        in the database linking to that source, restricted and deleted ones included, in rowid order: the text
        of a shared source is redacted or pseudonymised against all of them (:func:`casefile.privacy.plan`)."""
        import json

        out: dict[int, dict[str, list[str]]] = {int(r): {} for r in account_rowids}
        if not out:
            return out
        marks = ", ".join("?" * len(out))
        rows = self.conn.execute(
            "SELECT mine.account_rowid, s.id, a.name, a.aliases FROM account_sources AS mine "
            "JOIN sources AS s ON s.rowid = mine.source_rowid "
            "JOIN account_sources AS other ON other.source_rowid = mine.source_rowid "
            "JOIN accounts AS a ON a.rowid = other.account_rowid "
            f"WHERE mine.account_rowid IN ({marks}) ORDER BY mine.account_rowid, s.id, a.rowid",
            list(out),
        )
        for account_rowid, source_id, name, aliases in rows:
            names = out[int(account_rowid)].setdefault(str(source_id), [])
            for value in [name, *(json.loads(aliases) if aliases else [])]:
                if isinstance(value, str) and value and value not in names:
                    names.append(value)
        return out

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

    def dated_places(self, flt: Filter) -> Iterator[tuple[str, str | None, dict[str, Any]]]:
        """(account id, account name, place) for the places with a date (since or until) of the accounts ``flt``
        selects, in record order."""
        where, params = self.where(flt)
        cols = ", ".join(f"p.{c}" for c in _PLACE_COLUMNS)
        sql = (
            f"SELECT a.id, a.name, {cols}, s.id FROM places p JOIN accounts a ON a.rowid = p.account_rowid "
            f"LEFT JOIN sources s ON s.rowid = p.source_rowid WHERE (p.since IS NOT NULL OR p.until IS NOT NULL) "
            f"AND p.account_rowid IN (SELECT rowid FROM accounts{where}) ORDER BY a.rowid, p.position"
        )
        for row in self.conn.execute(sql, params):
            yield str(row[0]), row[1], _nested_item("places", row[2:])

    def relink_people(self, old_id: str, new_id: str) -> None:
        """People mentioned who linked to an account merged away now link to the account it was merged into."""
        self.conn.execute("UPDATE people SET account = ? WHERE account = ?", (new_id, old_id))
