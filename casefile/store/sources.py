"""Shared sources: one row per article, letter or interview however many accounts cite it - found by id, normalised
URL or title, publisher and date (:mod:`casefile.sourcekeys`), created, changed, merged, unlinked and deleted - and
the flat ``source_*`` columns of an account, which mirror its primary source and are kept in step here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from casefile import model
from casefile.errors import NotFound, UsageError, quote
from casefile.model import FuzzyDate
from casefile.sourcekeys import title_key, url_key

from .accounts import _rows_in
from .base import StoreBase
from .connection import new_id
from .parts import (
    _FLAT_FROM_LINK,
    _OTHER_LINK,
    _SOURCE_COLUMNS,
    _SOURCE_INSERT,
    _SOURCE_LINK_PARTS,
    _item_spec,
    _nested_item,
    _nested_row,
)


class Sources(StoreBase):
    """The shared sources and the accounts' flat columns that mirror their primary one."""

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
            return self.create_source(item, stamp)
        rowid, item["id"] = found
        self.change_source(rowid, item, stamp)
        return rowid

    def create_source(self, item: dict[str, Any], stamp: str) -> int:
        """Store a new source with the entry's values and its matching keys (the caller found none it is);
        returns its rowid. The entry gets its id when it has none."""
        values = _nested_row("source", item)
        item["id"] = item.get("id") or new_id()
        keys = (url_key(item.get("url")), title_key(item.get("title"), item.get("publisher"), item.get("date")))
        cursor = self.conn.execute(_SOURCE_INSERT, (item["id"], *values, *keys, stamp))
        return int(cursor.lastrowid or 0)

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

    def source_entry(self, rowid: int, created: dict[str, Any] | None = None) -> dict[str, Any]:
        """A stored source as a sources entry: its id and fields, without the link's parts. ``created``: the entry
        :meth:`create_source` has just stored it from, which is what reading it back would give."""
        if created is not None:
            parts = _SOURCE_LINK_PARTS[1:]
            return {name: created.get(name) for name, _, _ in _item_spec("sources") if name not in parts}
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
        self,
        *,
        source_rowid: int | None = None,
        account_rowid: int | None = None,
        account_rowids: Sequence[int] = (),
        stamp: str,
    ) -> None:
        """Copy primary links (source fields and link grades) into the accounts' flat ``source_*`` columns: of the
        accounts citing a source, of one account, or of many (a batch of new ones: one query for them all)."""
        if source_rowid is not None:
            where, keys = "l.source_rowid = ?", [source_rowid]
        else:
            keys = [account_rowid] if account_rowid is not None else list(account_rowids)
            where = "l.account_rowid IN ({marks})"
        flat = list(_FLAT_FROM_LINK)
        assigns = ", ".join(f'"{c}" = ?' for c in flat)
        differs = " OR ".join(f'"{c}" IS NOT ?' for c in flat)
        sql = (
            f"SELECT l.account_rowid, {', '.join(_FLAT_FROM_LINK.values())} FROM account_sources l "
            f"JOIN sources s ON s.rowid = l.source_rowid WHERE {where} AND l.role = 'primary' AND l.position = "
            "(SELECT min(position) FROM account_sources WHERE account_rowid = l.account_rowid AND role = 'primary')"
        )
        rows = list(_rows_in(self.conn, sql, keys)) if source_rowid is None else self.conn.execute(sql, keys).fetchall()
        self.conn.executemany(
            f"UPDATE accounts SET {assigns}, updated_at = ? WHERE rowid = ? AND ({differs})",
            [(*row[1:], stamp, row[0], *row[1:]) for row in rows],
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
