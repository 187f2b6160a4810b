"""The parts of an account: its links to shared sources (with the link's role, locator and grades), its
timeline events and its verbatim quotes - loaded beside the accounts they belong to, written in place of the
old ones - and the shared sources themselves, found by id or URL. The flat ``source_*`` columns of an account
mirror its primary source and are kept in step here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import nullcontext
from typing import Any

from casefile import model
from casefile.errors import InvalidRecord, Problem
from casefile.model import Account, Filter, FuzzyDate
from casefile.searchable import searchable

from .accounts import _rows_in, date_cells
from .base import StoreBase
from .connection import new_part_id


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
_SOURCE_INSERT = (
    f"INSERT INTO sources (id, {', '.join(_SOURCE_COLUMNS)}, url_key, match_key, created_at) "
    f"VALUES ({', '.join('?' for _ in range(len(_SOURCE_COLUMNS) + 4))})"
)
#: The INSERT of each of them (account_rowid, position, its columns, source_rowid).
_PART_INSERT = {
    part: f"INSERT INTO {table} (account_rowid, position, {', '.join(columns)}, source_rowid) "
    f"VALUES ({', '.join('?' for _ in range(len(columns) + 3))})"
    for part, (table, columns) in _ROW_PARTS.items()
}
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


def _searched_select(part: str) -> tuple[str, tuple[str, ...]]:
    """The SELECT of a part's searchable fields (the first column of each: a place's country, not its code), and
    their names in its row's order."""
    first: dict[str, str] = {}
    at = 0
    for name, _is_date, width in _item_spec(part):  # the columns _nested_item reads, in their order
        first[name] = _NESTED_COLUMNS[part][at]
        at += width
    names = tuple(f.name for f in model.NESTED[part] if searchable(f))
    table, a, join = _NESTED_FROM[part]
    if not any(first[n].startswith("s.") for n in names):
        join = ""  # no column of the source cited: no join
    sql = (
        f"SELECT {a}.account_rowid, {', '.join(first[n] for n in names)} FROM {table} {a} {join} "
        f"WHERE {a}.account_rowid IN ({{marks}}) ORDER BY {a}.account_rowid, {a}.position"
    )
    return sql, names


#: A column of the link to source ``?2`` of the account whose link an UPDATE of account_sources is on.
_OTHER_LINK = (
    "(SELECT o.{c} FROM account_sources o WHERE o.source_rowid = ?2 AND "
    "o.account_rowid = account_sources.account_rowid)"
)


#: Per part, (name, is a date, columns) of each entry of a _NESTED_SELECT row in _NESTED_ORDER: a date's columns
#: are its raw text and its parts; a coded field's are its value and its code (derived again when needed).
_ITEM_SPECS: dict[str, tuple[tuple[str, bool, int], ...]] = {}


def _item_spec(part: str) -> tuple[tuple[str, bool, int], ...]:
    spec = _ITEM_SPECS.get(part)
    if spec is None:
        fields = {f.name: f for f in model.NESTED[part]}
        spec = _ITEM_SPECS[part] = tuple(
            (name, fields[name].kind == "date", len(fields[name].columns())) for name in _NESTED_ORDER[part]
        )
    return spec


def _nested_item(part: str, row: Sequence[Any]) -> dict[str, Any]:
    item: dict[str, Any] = {}
    i = 0
    for name, is_date, width in _item_spec(part):
        if is_date:
            item[name] = FuzzyDate(row[i], *row[i + 1 : i + width]) if row[i] is not None else None
        else:
            item[name] = row[i]
        i += width
    return item


#: The tables of the parts of an account, which write_nested fills.
_PART_TABLES = ("account_sources", *(table for table, _columns in _ROW_PARTS.values()), "coded_items")
#: Per part, the SELECT of its searchable fields and their names (``attach_nested(searched=True)``).
_SEARCHED_SELECT = {part: _searched_select(part) for part in _NESTED_SELECT}


#: Per part, (name, how it is stored, its field) of the stored columns _nested_row gives: "date" (raw text and
#: parts), "coded" (value and code) or "plain".
_ROW_SPECS: dict[str, tuple[tuple[str, str, model.Field], ...]] = {}


def _row_spec(fields: Sequence[model.Field]) -> tuple[tuple[str, str, model.Field], ...]:
    return tuple((f.name, "date" if f.kind == "date" else "coded" if f.coded else "plain", f) for f in fields)


def _nested_row(part: str, item: dict[str, Any], fields: Sequence[model.Field] | None = None) -> list[Any]:
    """The stored columns of a nested item, in _SOURCE/_EVENT/_QUOTE_COLUMNS order (no links, no source ref),
    or of just the ``fields`` given."""
    if fields is None:
        spec = _ROW_SPECS.get(part)
        if spec is None:
            skip = _SOURCE_LINK_PARTS if part == "source" else ("source",)
            every = model.SOURCE_FIELDS if part == "source" else model.NESTED[part]
            spec = _ROW_SPECS[part] = _row_spec([f for f in every if f.name not in skip])
    else:
        spec = _row_spec(fields)
    out: list[Any] = []
    for name, how, f in spec:
        value = item.get(name)
        if how == "date":
            out.extend(date_cells(value))
        elif how == "coded":
            out.extend((value, f.code(value)))
        else:
            out.append(value)
    return out


def code_items(values: dict[str, Any], stored: Sequence[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """An account's codes ({id, field, code}) as its values give them, ``stored`` being its (id, field, code) rows:
    a code keeps the id ``values['codes']`` gives it, else the id it had, else none yet (a new one is drawn when
    it is written); a coded field absent from ``values`` keeps its stored codes."""
    given = {(c.get("field"), c.get("code")): c.get("id") for c in values.get("codes") or () if c.get("id")}
    had = {(name, code): part_id for part_id, name, code in stored}
    items: list[dict[str, Any]] = []
    for name in model.CODED_FIELDS:
        if name not in values:
            items.extend({"id": i, "field": n, "code": c} for i, n, c in stored if n == name)
            continue
        for code in values.get(name) or ():
            items.append({"id": given.get((name, code)) or had.get((name, code)), "field": name, "code": code})
    return items


#: Why a quote's ``supports`` is refused.
UNSUPPORTED = "is not the id of one of the account's events, reasons, barriers or allegations"


def supportable(values: dict[str, Any], stored_codes: Sequence[tuple[str, str, str]]) -> set[str]:
    """The ids a quote's ``supports`` may name once an account with these values is written: its events' and its
    codes' (:func:`code_items`) - those it has before it is written; an id drawn when it is written is new."""
    events = {e["id"] for e in values.get("events") or () if e.get("id")}
    return events | {c["id"] for c in code_items(values, stored_codes) if c["id"]}


class Parts(StoreBase):
    """Sources, events and quotes of accounts; shared sources."""

    def attach_nested(self, accounts: list[Account], searched: bool = False) -> None:
        """Load the sources, events and quotes of stored accounts into ``values``; ``searched``: only the fields
        search reads of each part (:func:`~casefile.searchable.searchable`, all single-column text: no dates to
        build), which is what re-indexing needs (issue 23)."""
        by_rowid = {a.rowid: a for a in accounts if a.rowid is not None}
        for account in by_rowid.values():
            for part in model.NESTED:
                account.values[part] = []
        if not by_rowid:
            return
        marks = ", ".join("?" for _ in by_rowid)
        keys = list(by_rowid)
        if searched:
            for part, (sql, names) in _SEARCHED_SELECT.items():
                for row in self.conn.execute(sql.format(marks=marks), keys):
                    by_rowid[row[0]].values[part].append(dict(zip(names, row[1:], strict=True)))
            return
        for part, sql in _NESTED_SELECT.items():
            for row in self.conn.execute(sql.format(marks=marks), keys):
                by_rowid[row[0]].values[part].append(_nested_item(part, row[1:]))

    def replace_nested(self, rowid: int, values: dict[str, Any], stamp: str) -> None:
        """Write the nested parts present in ``values`` for one stored account (absent parts are left alone)."""
        self.write_nested([(rowid, values)], stamp)

    def write_nested(self, accounts: Sequence[tuple[int, dict[str, Any]]], stamp: str, new: bool = False) -> None:
        """Write the nested parts present in each account's values (rowid, values): the old rows of a part go, the
        given ones are written in their order - a statement per table for all the accounts, not a few per account
        and part (issue 23). Several accounts at once only when none of them has parts stored (a batch of new
        accounts): a part id another account of the batch holds is then taken as one held elsewhere, as when
        they were written one after another. ``new``: the accounts were inserted in this batch, so they have no
        rows to delete or read back (a query per part table saved), and their rows are written without the
        temporary triggers (:meth:`~casefile.store.connection.Connection.inserts_untriggered`) when they all lie
        above the transaction's start, where the audit and the search index take them whole."""
        quiet = new and self._depth > 0 and all(rowid > self._accounts_start for rowid, _ in accounts)
        with self.inserts_untriggered(_PART_TABLES) if quiet else nullcontext():
            self._write_nested(accounts, stamp, new)

    def _write_nested(self, accounts: Sequence[tuple[int, dict[str, Any]]], stamp: str, new: bool) -> None:
        conn = self.conn
        linked = [(rowid, values) for rowid, values in accounts if "sources" in values]
        if linked:
            if not new:
                self._delete_parts("account_sources", [rowid for rowid, _ in linked])
            self._give_part_ids("account_sources", [(r, v["sources"]) for r, v in linked], key="link")
            rows = []
            for rowid, values in linked:
                for position, item in enumerate(values["sources"]):
                    settled = self._settled.get(id(item))
                    if settled is not None and settled[0] is item:
                        source_rowid = settled[1]  # stored already, and perhaps filled in since by a later row
                    else:
                        source_rowid = self.upsert_source(item, stamp)
                    rows.append(
                        (
                            rowid,
                            source_rowid,
                            position,
                            item["link"],
                            item.get("role") or "primary",
                            item.get("locator"),
                            item.get("reliability"),
                            item.get("credibility"),
                        )
                    )
            conn.executemany(
                "INSERT INTO account_sources (account_rowid, source_rowid, position, id, role, locator, "
                "reliability, credibility) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        cited: dict[str, int | None] = {}  # source id → rowid, for the parts that cite one
        for part, (table, _columns) in _ROW_PARTS.items():
            given = [(rowid, values[part]) for rowid, values in accounts if part in values]
            if not given:
                continue
            if not new:
                self._delete_parts(table, [rowid for rowid, _ in given])
            self._give_part_ids(table, given)
            rows = []
            for rowid, items in given:
                for position, item in enumerate(items):
                    ref = item.get("source")
                    if ref not in cited:
                        cited[ref] = self.source_rowid(ref)
                    rows.append((rowid, position, *_nested_row(part, item), cited[ref]))
            conn.executemany(_PART_INSERT[part], rows)
        coded = [(r, v) for r, v in accounts if "codes" in v or any(name in v for name in model.CODED_FIELDS)]
        if coded:
            self._replace_codes(coded, new)
        for rowid, values in accounts:
            if values.get("quotes") and ("quotes" in values or "codes" in values or "events" in values):
                self._check_supports(rowid, values["quotes"])

    def _delete_parts(self, table: str, rowids: Sequence[int]) -> None:
        for start in range(0, len(rowids), 500):
            chunk = rowids[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            self.conn.execute(f"DELETE FROM {table} WHERE account_rowid IN ({marks})", chunk)

    def _replace_codes(self, accounts: Sequence[tuple[int, dict[str, Any]]], new: bool = False) -> None:
        """Write the ids of the accounts' codes (:func:`code_items`)."""
        stored: dict[int, list[tuple[str, str, str]]] = {rowid: [] for rowid, _ in accounts}
        if not new:
            sql = (
                "SELECT account_rowid, id, field, code FROM coded_items WHERE account_rowid IN ({marks}) "
                "ORDER BY position"
            )
            for rowid, part_id, name, code in _rows_in(self.conn, sql, list(stored)):
                stored[rowid].append((part_id, name, code))
            self._delete_parts("coded_items", list(stored))
        lists: list[tuple[int, list[dict[str, Any]]]] = []
        for rowid, values in accounts:
            values["codes"] = items = code_items(values, stored[rowid])
            lists.append((rowid, items))
        self._give_part_ids("coded_items", lists)
        self.conn.executemany(
            "INSERT INTO coded_items (account_rowid, position, id, field, code) VALUES (?, ?, ?, ?, ?)",
            [(rowid, n, i["id"], i["field"], i["code"]) for rowid, items in lists for n, i in enumerate(items)],
        )

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
                problems.append(Problem(None, f"quotes[{n}].supports", UNSUPPORTED))
        if problems:
            raise InvalidRecord(problems)

    def _give_part_ids(self, table: str, accounts: Sequence[tuple[int, list[dict[str, Any]]]], key: str = "id") -> None:
        """Keep each item's id (its ``key``: a source link's is ``link``, ``id`` being the source's) unless it has
        none, repeats one before it, or is held by another live account (a copy of a record imported beside
        it: an account written earlier in ``accounts`` counts); those get a new one that no row of ``table``
        has. Every part's rows have their id in the column ``id``. A query for all the ids, not one per id."""
        given = list({item[key] for _, items in accounts for item in items if item.get(key)})
        sql = (
            f"SELECT t.id FROM {table} t JOIN accounts a ON a.rowid = t.account_rowid WHERE t.id IN ({{marks}}) "
            "AND a.deleted_at IS NULL"
        )
        # the accounts' own rows were deleted by the caller: what is left is held elsewhere
        elsewhere = {row[0] for row in _rows_in(self.conn, sql, given)} if given else set()
        taken: set[str] = set()  # the ids given so far, by the accounts before and the items before
        fresh: list[dict[str, Any]] = []
        for _rowid, items in accounts:
            for item in items:
                value = item.get(key)
                if not value or value in taken or value in elsewhere:
                    fresh.append(item)
                else:
                    taken.add(value)
        while fresh:
            candidates = {}
            for item in fresh:
                candidate = new_part_id()
                while candidate in taken or candidate in candidates:
                    candidate = new_part_id()
                candidates[candidate] = item
            used = {
                row[0]
                for row in _rows_in(self.conn, f"SELECT id FROM {table} WHERE id IN ({{marks}})", list(candidates))
            }
            fresh = []
            for candidate, item in candidates.items():
                if candidate in used:
                    fresh.append(item)
                else:
                    item[key] = candidate
                    taken.add(candidate)

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
