"""Accounts: the rows of the ``accounts`` table as :class:`~casefile.model.Account` objects and back, the
``WHERE`` and ``ORDER BY`` a :class:`~casefile.model.Filter` means, and reading, writing and finding
accounts - by id, external id or id prefix, following merge redirects - plus the keys an import claims.

Field names from users (sort keys) are checked against the registry's allow-list before any SQL is built;
values are always bound parameters.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from casefile import model
from casefile.errors import MergedAway, NotFound, UsageError, quote
from casefile.model import Account, Filter, FuzzyDate

from .base import StoreBase

_FIELD_COLUMNS = tuple(c for f in model.FIELDS for c in f.columns())
_SELECT_COLUMNS = "rowid, " + ", ".join(f'"{c}"' for c in (*_FIELD_COLUMNS, *model.SYSTEM_COLUMNS))
_TEXT_SEARCH_COLUMNS = model.TEXT_FILTERED


# ---------------------------------------------------------------------------------------------- rows

#: (field name, kind, number of columns) for each field, in column order; a coded field's kind is ``coded``.
_CONVERTERS: list[tuple[str, str, int]] = [
    (f.name, "coded" if f.coded else f.kind, len(f.columns())) for f in model.FIELDS
]
_FIELDS = model.FIELD_BY_NAME


def _load_multi(raw: str | None) -> Any:
    """A stored multi-valued column as the list it holds (``[]`` when there is none)."""
    return json.loads(raw) if raw else []


def row_to_account(row: Sequence[Any]) -> Account:
    """An account from a row of ``SELECT _SELECT_COLUMNS`` (rowid first)."""
    values: dict[str, Any] = {}
    i = 1
    for name, kind, width in _CONVERTERS:
        raw = row[i]
        if kind == "date":
            values[name] = FuzzyDate(raw, *row[i + 1 : i + width]) if raw is not None else None
        elif kind == "multi":
            values[name] = _load_multi(raw)
        else:
            values[name] = raw
        i += width
    return Account(values, created_at=row[i], updated_at=row[i + 1], deleted_at=row[i + 2], rowid=row[0])


#: ``json.dumps(value, ensure_ascii=False)`` without building an encoder for every call (bulk imports).
_encode_multi = json.JSONEncoder(ensure_ascii=False).encode
_NO_DATE = (None,) * model.DATE_WIDTH


def date_cells(value: FuzzyDate | None) -> tuple[Any, ...]:
    """A date's stored columns: its raw text, then its parts in :data:`model.DATE_PARTS` order."""
    if value is None:
        return _NO_DATE
    return (value.raw, value.edtf, value.min, value.max, value.precision, value.corrected, value.note, value.anchor)


assert model.DATE_PARTS == ("edtf", "min", "max", "precision", "corrected", "note", "anchor")  # date_cells' order


def account_to_row(account: Account) -> list[Any]:
    """The field columns of an account, in :data:`_FIELD_COLUMNS` order."""
    out: list[Any] = []
    append, extend = out.append, out.extend
    get = account.values.get
    for name, kind, _width in _CONVERTERS:
        value = get(name)
        if kind == "date":
            extend(date_cells(value))
        elif kind == "multi":
            append(_encode_multi(value) if value else None)
        elif kind == "coded":
            extend((value, _FIELDS[name].code(value)))
        else:
            append(value)
    return out


def _derivation_sql(c: str) -> str:
    """SQL giving what :meth:`FuzzyDate.derivation` gives for a derived date, else the date's raw text."""
    a = f'accounts."{c}'
    return (
        f'CASE WHEN {a}_anchor" IS NULL OR {a}_corrected" IS NOT NULL THEN {a}" '
        f"""WHEN {a}_edtf" IS NULL THEN '"' || {a}" || '" (from ' || {a}_anchor" || ', which has no date yet)' """
        f"""ELSE {a}_edtf" || ' (from "' || {a}" || '", ' || {a}_anchor" || ')' END"""
    )


def field_columns_equal(a: Account, b: Account) -> bool:
    """Whether two accounts store the same field values (timestamps ignored)."""
    return account_to_row(a) == account_to_row(b)


def same_record(a: Account, b: Account) -> bool:
    """Whether two accounts store the same values, nested parts included (timestamps ignored)."""
    return model.to_json_dict(a) == model.to_json_dict(b)


# ------------------------------------------------------------------------------------------- filters


def _rows_in(conn: sqlite3.Connection, sql: str, values: Sequence[Any], size: int = 500) -> Iterator[Any]:
    """The rows of ``sql`` for every value in ``values``, where ``{marks}`` in ``sql`` stands for an IN list:
    a chunk of ``size`` values per statement, as SQLite caps the variables one statement may take."""
    for start in range(0, len(values), size):
        chunk = list(values[start : start + size])
        yield from conn.execute(sql.format(marks=", ".join("?" * len(chunk))), chunk)


def merged_text(chain: Sequence[tuple[str, str, str]]) -> str:
    """``account B was merged into A on 2026-11-30`` (``, and A into Z on …`` along a chain): how a message
    says where a merged-away id went."""
    (first, into, when), *rest = chain
    return f"account {first} was merged into {into} on {when[:10]}" + "".join(
        f", and {old} into {new} on {stamp[:10]}" for old, new, stamp in rest
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def check_field(name: str, allowed: Sequence[str], what: str = "field") -> str:
    """Refuse a user-supplied field name before any SQL exists; the message lists the allowed names."""
    if name not in allowed:
        raise UsageError(f"unknown {what} {quote(name)}; choose one of: {', '.join(allowed)}")
    return name


def filter_sql(flt: Filter) -> tuple[str, list[Any]]:
    """``WHERE`` clause (possibly empty) and its bound parameters for a filter. Columns are qualified with
    ``accounts.`` so the clause also works in a join (``search`` joins ``accounts_fts``)."""
    where: list[str] = []
    params: list[Any] = []
    if flt.only_deleted:
        where.append("accounts.deleted_at IS NOT NULL")
    elif not flt.include_deleted:
        where.append("accounts.deleted_at IS NULL")
    if not flt.include_restricted:
        where.append("accounts.confidentiality != 'restricted'")
    if flt.ids:
        where.append("accounts.id IN (" + ", ".join("?" for _ in flt.ids) + ")")
        params.extend(flt.ids)
    if flt.org:
        where.append("(" + " OR ".join("accounts.organization = ? COLLATE NOCASE" for _ in flt.org) + ")")
        params.extend(flt.org)
    for column, values in (("tags", flt.tags), ("reasons", flt.reasons), ("allegations", flt.allegations)):
        for value in values:
            where.append(f"EXISTS (SELECT 1 FROM json_each(accounts.{column}) WHERE value = ?)")
            params.append(value)
    if flt.exit_types:
        where.append("accounts.exit_type IN (" + ", ".join("?" for _ in flt.exit_types) + ")")
        params.extend(flt.exit_types)
    if flt.since:
        where.append("accounts.left_max >= ?")
        params.append(flt.since)
    if flt.until:
        where.append("accounts.left_min <= ?")
        params.append(flt.until)
    if flt.text:
        pattern = f"%{_escape_like(flt.text)}%"
        where.append("(" + " OR ".join(f"accounts.{c} LIKE ? ESCAPE '\\'" for c in _TEXT_SEARCH_COLUMNS) + ")")
        params.extend([pattern] * len(_TEXT_SEARCH_COLUMNS))
    return (" WHERE " + " AND ".join(where) if where else ""), params


def order_sql(flt: Filter) -> str:
    if flt.sort is None:
        return " ORDER BY accounts.rowid" + (" DESC" if flt.reverse else "")
    f = model.FIELD_BY_NAME[check_field(flt.sort, model.SORTABLE, "sort field")]
    column = f"{f.name}_min" if f.kind == "date" else f.name
    direction = "DESC" if flt.reverse else "ASC"
    return f' ORDER BY accounts."{column}" {direction}, accounts.rowid {direction}'


# ------------------------------------------------------------------------------------------ accounts


@dataclass
class WriteCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    ids: list[str] = field(default_factory=list)
    new_organizations: list[str] = field(default_factory=list)
    sources_created: int = 0  # shared sources the flat source_* columns created
    sources_reused: int = 0  # ... and stored ones they were linked to instead
    warnings: list[str] = field(default_factory=list)


class Accounts(StoreBase):
    """Reading, finding and writing accounts."""

    # -- reading ------------------------------------------------------------------------------------

    def resolve_id(self, ref: str) -> str:
        """The account a command that **changes or removes** records acts on: a full id, an exact
        ``external_id`` or a unique id prefix (as git does with hashes), tried in that order, deleted accounts
        included. An account merged into another is refused (:class:`MergedAway`, naming the survivor): a write
        never follows a merge redirect to an account the user did not name. Reading commands use
        :meth:`resolve_to_read`."""
        account_id = self._resolve_id(ref)
        chain = self.merge_chain(account_id)
        if not chain:
            return account_id
        survivor = chain[-1][1]
        if self._exists(survivor):
            raise MergedAway(f"{merged_text(chain)}; name {survivor}", account_id, survivor)
        raise MergedAway(
            f"{merged_text(chain)}, and {survivor} was purged since; `casefile purge {account_id}` removes what is "
            "left of it",
            account_id,
            None,
        )

    def resolve_to_read(self, ref: str) -> tuple[str, str | None]:
        """The account a **reading** command shows for ``ref`` and, when ``ref`` was merged into another
        account, the one line saying so (the command prints it on stderr): a merged-away id shows the account
        it was merged into."""
        account_id = self._resolve_id(ref)
        chain = self.merge_chain(account_id)
        if not chain:
            return account_id, None
        survivor = chain[-1][1]
        if not self._exists(survivor):
            raise NotFound(f"{merged_text(chain)}, and {survivor} was purged since")
        return survivor, f"{merged_text(chain)}; showing {survivor}"

    def merge_chain(self, account_id: str) -> list[tuple[str, str, str]]:
        """The merges that sent an account on, oldest first, as (from, into, when): empty when it was never
        merged away; C into B then B into A gives two."""
        chain: list[tuple[str, str, str]] = []
        seen = {account_id}
        while True:
            row = self.conn.execute(
                "SELECT new_id, created_at FROM account_redirects WHERE old_id = ?", (account_id,)
            ).fetchone()
            if row is None or str(row[0]) in seen:  # a loop written by another tool ends where it closes
                return chain
            chain.append((account_id, str(row[0]), str(row[1])))
            account_id = str(row[0])
            seen.add(account_id)

    def merged_into(self, account_ids: Iterable[str]) -> list[str]:
        """Every account merged into these, directly or along a chain (C into B, B into A: both for A), whether
        its row is still there or not."""
        found: list[str] = []
        todo = list(account_ids)
        seen = set(todo)
        while todo:
            rows = _rows_in(self.conn, "SELECT old_id FROM account_redirects WHERE new_id IN ({marks})", todo)
            todo = [str(r[0]) for r in rows if str(r[0]) not in seen]
            seen.update(todo)
            found.extend(todo)
        return found

    def merged_away(self, account_ids: Sequence[str]) -> set[str]:
        """Those of these accounts that were merged into another."""
        sql = "SELECT old_id FROM account_redirects WHERE old_id IN ({marks})"
        return {str(r[0]) for r in _rows_in(self.conn, sql, account_ids)}

    def _exists(self, account_id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM accounts WHERE id = ?", (account_id,)).fetchone() is not None

    def add_redirect(self, old_id: str, new_id: str, stamp: str) -> None:
        self.conn.execute(
            "INSERT INTO account_redirects (old_id, new_id, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (old_id) DO UPDATE SET new_id = excluded.new_id, created_at = excluded.created_at",
            (old_id, new_id, stamp),
        )

    def _resolve_id(self, ref: str) -> str:
        """The id ``ref`` names, as it is: deleted and merged-away accounts included (and the id of one
        merged away whose row was since removed)."""
        ref = ref.strip()
        if not ref:
            raise UsageError("an empty id matches nothing; give an id or a unique prefix of one")
        exact = self.conn.execute("SELECT id FROM accounts WHERE id = ?", (ref,)).fetchone()
        if exact:
            return str(exact[0])
        # an exact external id before a prefix: "D" names that record, not whichever random id starts with d
        by_key = self.conn.execute("SELECT id FROM accounts WHERE external_id = ?", (ref,)).fetchone()
        if by_key:
            return str(by_key[0])
        candidates = [
            r[0]
            for r in self.conn.execute(
                "SELECT id FROM accounts WHERE id >= ? AND id < ? ORDER BY id LIMIT 11",
                (ref.lower(), ref.lower() + "\U0010ffff"),
            )
        ]
        if len(candidates) == 1:
            return str(candidates[0])
        if len(candidates) > 1:
            listed = ", ".join(candidates[:10]) + (", …" if len(candidates) > 10 else "")
            raise UsageError(f"id prefix {quote(ref)} is ambiguous; it matches {listed}")
        gone = self.conn.execute("SELECT old_id FROM account_redirects WHERE old_id = ?", (ref,)).fetchone()
        if gone:  # merged away and since removed for good
            return str(gone[0])
        raise NotFound(f"no account with id or external_id {quote(ref)}; `casefile list` shows the ids")

    def get(self, account_id: str) -> Account:
        row = self.conn.execute(f"SELECT {_SELECT_COLUMNS} FROM accounts WHERE id = ?", (account_id,)).fetchone()
        if row is None:
            raise NotFound(f"no account with id {quote(account_id)}")
        account = row_to_account(row)
        self.attach_nested([account])
        return account

    def query(self, flt: Filter, *, nested: bool = False) -> Iterator[Account]:
        """Accounts matching ``flt``, streamed; ``nested`` also loads sources, events and quotes (in batches)."""
        cursor = self.conn.execute(*self._select(_SELECT_COLUMNS, flt))
        if not nested:
            for row in cursor:
                yield row_to_account(row)
            return
        while batch := [row_to_account(row) for row in cursor.fetchmany(500)]:
            self.attach_nested(batch)
            yield from batch

    def _select(self, columns: str, flt: Filter, explain: str = "") -> tuple[str, list[Any]]:
        """The SQL (and parameters) selecting ``columns`` of the accounts ``flt`` selects, in its order."""
        where, params = self.where(flt)
        sql = f"{explain}SELECT {columns} FROM accounts{where}{order_sql(flt)}"
        if flt.limit is not None:
            sql += " LIMIT ?"
            params.append(flt.limit)
        return sql, params

    def where(self, flt: Filter) -> tuple[str, list[Any]]:
        """``filter_sql`` with ``--org`` names and aliases resolved to the canonical organisation names."""
        if flt.org:
            flt.org = [self.resolve_organization(name) for name in flt.org]
        return filter_sql(flt)

    def list_rows(self, flt: Filter) -> Iterator[tuple[Any, ...]]:
        """Just the ``list`` columns (``model.LIST_COLUMNS``; a date as its raw text), for plain output: reading
        and decoding all ~50 columns of every row cost most of a large ``list > file``."""
        columns = ", ".join(
            _derivation_sql(c) if c in model.DATE_FIELDS else f'accounts."{c}"' for c in model.LIST_COLUMNS
        )
        return iter(self.conn.execute(*self._select(columns, flt)))

    def count(self, flt: Filter) -> int:
        where, params = self.where(flt)
        return int(self.conn.execute(f"SELECT count(*) FROM accounts{where}", params).fetchone()[0])

    def explain(self, flt: Filter) -> list[str]:
        """``EXPLAIN QUERY PLAN`` of :meth:`query` (tests use it to prove index use)."""
        return [str(r[-1]) for r in self.conn.execute(*self._select(_SELECT_COLUMNS, flt, "EXPLAIN QUERY PLAN "))]

    def existing(self, ids: Iterable[str], external_ids: Iterable[str]) -> dict[str, Account]:
        """Accounts already stored for these ids / external ids (nested parts loaded), keyed ``id:<id>`` and
        ``ext:<external_id>``."""
        out: dict[str, Account] = {}
        found: dict[int, Account] = {}
        for column, prefix, keys in (("id", "id:", list(ids)), ("external_id", "ext:", list(external_ids))):
            sql = f"SELECT {_SELECT_COLUMNS} FROM accounts WHERE {column} IN ({{marks}})"
            for row in _rows_in(self.conn, sql, keys):
                account = found.setdefault(row[0], row_to_account(row))
                out[prefix + str(account.values[column])] = account
        self.attach_nested(list(found.values()))
        return out

    # -- writing (call inside transaction()) --------------------------------------------------------

    def insert(self, accounts: list[Account], stamp: str) -> int:
        """Insert new accounts (ids already assigned) and their nested parts; returns how many."""
        columns = ", ".join(f'"{c}"' for c in (*_FIELD_COLUMNS, "created_at", "updated_at"))
        marks = ", ".join("?" for _ in range(len(_FIELD_COLUMNS) + 2))
        cursor = self.conn.executemany(
            f"INSERT INTO accounts ({columns}) VALUES ({marks})",
            ((*account_to_row(a), stamp, stamp) for a in accounts),
        )
        with_nested = [a for a in accounts if any(a.values.get(part) for part in (*model.NESTED, *model.CODED_FIELDS))]
        sql = "SELECT id, rowid FROM accounts WHERE id IN ({marks})"
        rowids = dict(_rows_in(self.conn, sql, [a.id for a in with_nested]))
        for account in with_nested:
            account.rowid = int(rowids[account.id])
        # new accounts have no parts stored: theirs are written a statement per table for the whole batch
        self.write_nested([(int(a.rowid), a.values) for a in with_nested if a.rowid is not None], stamp, new=True)
        return max(cursor.rowcount, 0)

    # -- the keys an import has claimed (the same id or external_id twice in one import is an error) ----------

    def start_key_claims(self) -> None:
        """An empty ``temp.import_keys`` for this transaction's import."""
        # the temp schema's page cache is unbounded by default here, which kept the whole key table in memory
        # (~75 bytes a row); 2 MiB, like the main database's default, lets it spill to its file (issue 9, I4)
        self.conn.execute("PRAGMA temp.cache_size = -2048")
        self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS import_keys (key TEXT PRIMARY KEY, source TEXT, line INT)")
        self.conn.execute("DELETE FROM temp.import_keys")

    def claimed_keys(self, keys: Sequence[str]) -> dict[str, tuple[str, int | None]]:
        """Which of ``keys`` this import has claimed already: key → (source, line) of the claim."""
        sql = "SELECT key, source, line FROM temp.import_keys WHERE key IN ({marks})"
        return {key: (source, line) for key, source, line in _rows_in(self.conn, sql, keys)}

    def claim_keys(self, claims: Iterable[tuple[str, str, int | None]]) -> None:
        self.conn.executemany("INSERT INTO temp.import_keys VALUES (?, ?, ?)", claims)

    def accounts_empty(self) -> bool:
        return self.conn.execute("SELECT 1 FROM accounts LIMIT 1").fetchone() is None

    def drop_secondary_indexes(self) -> list[str]:
        """Drop the non-unique indexes of ``accounts`` (inside a transaction); returns their SQL, in schema
        order, for :meth:`create_indexes`. The unique ones (id, external_id) stay: a load checks keys."""
        rows = self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'accounts' AND sql IS NOT NULL "
            "AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY rowid"
        ).fetchall()
        for name, _sql in rows:
            self.conn.execute(f'DROP INDEX "{name}"')
        return [sql for _name, sql in rows]

    def create_indexes(self, statements: Sequence[str]) -> None:
        for sql in statements:
            self.conn.execute(sql)

    def update(self, account: Account, stamp: str) -> None:
        assigns = ", ".join(f'"{c}" = ?' for c in _FIELD_COLUMNS)
        self.conn.execute(
            f"UPDATE accounts SET {assigns}, updated_at = ? WHERE id = ?",
            (*account_to_row(account), stamp, account.id),
        )
        if account.rowid is not None:
            self.replace_nested(account.rowid, account.values, stamp)

    def set_deleted(self, account_id: str, stamp: str | None) -> None:
        self.conn.execute("UPDATE accounts SET deleted_at = ? WHERE id = ?", (stamp, account_id))
