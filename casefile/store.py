"""The SQLite store: the only module that speaks SQL.

Opening a store checks the path, the file's permissions and its schema version, applies pending
migrations, and sets the pragmas casefile relies on (rollback journal, ``synchronous=FULL``, a busy
timeout, foreign keys, ``secure_delete``). Every write happens inside :meth:`Store.transaction`, a
``BEGIN IMMEDIATE`` … ``COMMIT`` that rolls back on any exception, Ctrl-C included.

Reads use the standard library's ``sqlite3`` connection directly: importing sqlite-utils costs more
than a whole ``casefile show``, so it is only imported when migrations have to run.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import os
import secrets
import sqlite3
import stat
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import model
from .errors import CasefileError, DatabaseBusy, DatabaseError, DiskFull, NotFound, UsageError
from .model import Account, Filter, FuzzyDate
from .text import fold, index_form, loose_key, translit_key, words

MIGRATION_SET = "casefile"
BUSY_TIMEOUT_ENV = "CASEFILE_BUSY_TIMEOUT"
DEFAULT_BUSY_TIMEOUT = 5.0
PAGE_SIZE = 8192  # ~2 KB accounts fit several to a page (4 KiB pages waste a third of the file)

_SELECT_COLUMNS = "rowid, " + ", ".join(f'"{c}"' for c in model.ACCOUNT_COLUMNS)
_FIELD_COLUMNS = tuple(c for f in model.FIELDS for c in f.columns())
_TEXT_SEARCH_COLUMNS = ("name", "aliases", "organization", "summary", "source_title")


def now() -> str:
    """Timestamps are UTC ISO 8601 with seconds, e.g. ``2026-11-30T02:20:09Z``."""
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_id() -> str:
    """16 random hex digits: never reused in practice (2⁶⁴ values), short prefixes stay unique."""
    return secrets.token_hex(8)


def _busy_timeout() -> float:
    try:
        return float(os.environ.get(BUSY_TIMEOUT_ENV, DEFAULT_BUSY_TIMEOUT))
    except ValueError:
        return DEFAULT_BUSY_TIMEOUT


def _map_sqlite_error(exc: sqlite3.Error) -> CasefileError:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return DatabaseBusy(
            "database is busy: another casefile command kept it locked for longer than "
            f"{_busy_timeout():g} s; nothing was written, try again"
        )
    if "disk is full" in text or "disk i/o" in text and "full" in text:
        return DiskFull("disk full: nothing was written; free some space and try again")
    if "not a database" in text or "malformed" in text:
        return DatabaseError("the database file is damaged or not a casefile database; run `casefile doctor`")
    if "readonly" in text or "read-only" in text:
        return DatabaseError("the database is read-only; check the file's permissions")
    return DatabaseError(f"database error: {type(exc).__name__}")


# ---------------------------------------------------------------------------------------------- rows


#: (field name, kind, number of columns) for each field, in column order.
_CONVERTERS: list[tuple[str, str, int]] = [(f.name, f.kind, len(f.columns())) for f in model.FIELDS]


def row_to_account(row: Sequence[Any]) -> Account:
    """An account from a row of ``SELECT _SELECT_COLUMNS`` (rowid first)."""
    values: dict[str, Any] = {}
    i = 1
    for name, kind, width in _CONVERTERS:
        raw = row[i]
        if kind == "date":
            values[name] = FuzzyDate(raw, *row[i + 1 : i + width]) if raw is not None else None
        elif kind == "multi":
            values[name] = json.loads(raw) if raw else []
        else:
            values[name] = raw
        i += width
    return Account(values, created_at=row[i], updated_at=row[i + 1], deleted_at=row[i + 2], rowid=row[0])


def account_to_row(account: Account) -> list[Any]:
    """The field columns of an account, in :data:`_FIELD_COLUMNS` order."""
    out: list[Any] = []
    values = account.values
    for name, kind, _width in _CONVERTERS:
        value = values.get(name)
        if kind == "date":
            if value is None:
                out.extend((None,) * 7)
            else:
                out.extend((value.raw, value.edtf, value.min, value.max, value.precision, value.corrected, value.note))
        elif kind == "multi":
            out.append(json.dumps(value, ensure_ascii=False) if value else None)
        else:
            out.append(value)
    return out


# ------------------------------------------------------------------------------------------- filters


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def check_field(name: str, allowed: Sequence[str], what: str = "field") -> str:
    """Refuse a user-supplied field name before any SQL exists; the message lists the allowed names."""
    if name not in allowed:
        raise UsageError(f"unknown {what} {name!r}; choose one of: {', '.join(allowed)}")
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


# -------------------------------------------------------------------------------------- nested parts


def _columns_of(fields: tuple[model.Field, ...], skip: tuple[str, ...] = ()) -> list[str]:
    return [c for f in fields if f.name not in skip for c in f.columns()]


_SOURCE_LINK_PARTS = ("id", "role", "locator", "reliability", "credibility")
_SOURCE_COLUMNS = _columns_of(model.SOURCE_FIELDS, _SOURCE_LINK_PARTS)
_EVENT_COLUMNS = _columns_of(model.EVENT_FIELDS, ("source",))
_QUOTE_COLUMNS = _columns_of(model.QUOTE_FIELDS, ("source",))
#: Flat account column → the SQL expression giving it from a primary link ``l`` and its source ``s``.
_FLAT_FROM_LINK = {
    "source_title": "s.title",
    "source_url": "s.url",
    "source_publisher": "s.publisher",
    **{f"source_{c}": f"s.{c}" for c in ("date", *(f"date_{p}" for p in model.DATE_PARTS))},
    "source_reliability": "l.reliability",
    "source_credibility": "l.credibility",
}
_NESTED_SELECT = {
    "sources": "SELECT l.account_rowid, s.id, "
    + ", ".join(f"s.{c}" for c in _SOURCE_COLUMNS)
    + ", l.role, l.locator, l.reliability, l.credibility FROM account_sources l JOIN sources s ON s.rowid = "
    "l.source_rowid WHERE l.account_rowid IN ({marks}) ORDER BY l.account_rowid, l.position",
    "events": "SELECT e.account_rowid, "
    + ", ".join(f"e.{c}" for c in _EVENT_COLUMNS)
    + ", s.id FROM events e LEFT JOIN sources s ON s.rowid = e.source_rowid WHERE e.account_rowid IN ({marks}) "
    "ORDER BY e.account_rowid, e.position",
    "quotes": "SELECT q.account_rowid, "
    + ", ".join(f"q.{c}" for c in _QUOTE_COLUMNS)
    + ", s.id FROM quotes q LEFT JOIN sources s ON s.rowid = q.source_rowid WHERE q.account_rowid IN ({marks}) "
    "ORDER BY q.account_rowid, q.position",
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
            item[name] = FuzzyDate(row[i], *row[i + 1 : i + 7]) if row[i] is not None else None
            i += 7
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
            out.extend((value.raw, *value.parts().values()) if value is not None else (None,) * 7)
        else:
            out.append(value)
    return out


# -------------------------------------------------------------------------------------------- search

#: The text behind one account's search entry: names, body (summary, quotes, events) and source titles.
_DOC_SQL = (
    "SELECT a.rowid, a.name, a.aliases, a.summary, a.source_title, "
    "(SELECT group_concat(q.text || coalesce(char(10) || q.translation, ''), char(10)) FROM quotes q "
    "WHERE q.account_rowid = a.rowid), "
    "(SELECT group_concat(coalesce(e.description, '') || coalesce(char(10) || e.place, ''), char(10)) FROM events e "
    "WHERE e.account_rowid = a.rowid), "
    "(SELECT group_concat(s.title, char(10)) FROM account_sources l JOIN sources s ON s.rowid = l.source_rowid "
    "WHERE l.account_rowid = a.rowid) "
    "FROM accounts a WHERE a.rowid IN ({marks})"
)


#: What is indexed for accounts (see m003_search_index: a NULL in accounts_fts_docs is the accounts column).
_INDEXED_SQL = (
    "SELECT d.rowid, coalesce(d.name, a.name, ''), coalesce(d.summary, a.summary, ''), "
    "coalesce(d.source_title, a.source_title, '') FROM accounts_fts_docs d LEFT JOIN accounts a ON a.rowid = d.rowid "
    "WHERE d.rowid IN ({marks})"
)


@functools.lru_cache(maxsize=65536)
def _name_terms(name: str) -> tuple[str, frozenset[str]]:
    """A name's index form and the romanisation keys of its words (cached: names recur in bulk imports)."""
    return index_form(name), frozenset(k for w in words(name) if (k := translit_key(w)) != w)


def _search_doc(row: Sequence[Any]) -> tuple[str, str, str]:
    """What ``accounts_fts`` indexes for one row of :data:`_DOC_SQL`: (names, body, source titles), folded.

    The names column also holds the transliteration key of each Latin word that has one (Hassan → hasan),
    so a search for one romanisation finds the others."""
    _rowid, name, aliases, summary, flat_title, quotes, events, titles = row
    names = [_name_terms(n) for n in (name, *(json.loads(aliases) if aliases else ())) if n]
    keys = sorted({k for _, name_keys in names for k in name_keys})
    name_doc = "\n".join([*(form for form, _ in names), *keys])
    body = index_form("\n".join(t for t in (summary, quotes, events) if t))
    seen = dict.fromkeys(t for t in (flat_title, *(titles.split("\n") if titles else ())) if t)
    return name_doc, body, index_form("\n".join(seen))


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


@dataclass
class WriteCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    ids: list[str] = field(default_factory=list)
    new_organizations: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class Store:
    """An open casefile database."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.conn = conn
        self.path = path
        self._depth = 0  # nesting of transaction(): only the outermost one commits
        self._tracking = False  # whether the temp triggers feeding temp.search_touched exist

    # -- opening ------------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, *, create: bool = False) -> Store:
        """Open (``create=True``: create if missing) the database at ``path`` and bring its schema up to date."""
        path = Path(path)
        fresh = False
        if not path.exists():
            if not create:
                raise NotFound(f"no database at {path}; create one with `casefile init` or pass --db")
            _create_private_file(path)
            fresh = True
        elif path.is_dir():
            raise DatabaseError(f"{path} is a folder, not a database file")
        try:
            conn = sqlite3.connect(str(path), isolation_level=None, timeout=_busy_timeout())
        except sqlite3.Error as exc:
            raise _map_sqlite_error(exc) from exc
        store = cls(conn, path)
        try:
            store._configure(fresh)
            store._migrate()
        except sqlite3.Error as exc:
            conn.close()
            raise _map_sqlite_error(exc) from exc
        except BaseException:
            conn.close()
            raise
        return store

    def _configure(self, fresh: bool) -> None:
        conn = self.conn
        conn.execute(f"PRAGMA busy_timeout = {int(_busy_timeout() * 1000)}")
        if fresh:
            conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "delete":
            conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA secure_delete = ON")

    def applied_migrations(self) -> list[str]:
        exists = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlite_migrations'"
        ).fetchone()
        if not exists:
            return []
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid", (MIGRATION_SET,)
            )
        ]

    def _migrate(self) -> None:
        from .migrations import migrations

        known = [m.name for m in migrations._migrations]
        applied = self.applied_migrations()
        unknown = [name for name in applied if name not in known]
        if unknown:
            raise DatabaseError(
                f"{self.path} was written by a newer casefile (schema step {unknown[-1]!r}); upgrade casefile to use it"
            )
        if len(applied) == len(known):
            return
        if not applied and self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise DatabaseError(f"{self.path} is an SQLite database but not a casefile database")
        import sqlite_utils

        db = sqlite_utils.Database(self.conn)
        migrations.apply(db)
        if applied and "m003_search_index" not in applied:
            with self.transaction():  # an older database: index what it already holds
                self.conn.execute("INSERT INTO temp.search_touched SELECT rowid FROM accounts")

    def close(self) -> None:
        self.conn.close()

    # -- transactions -------------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; any exception (Ctrl-C too) rolls everything back.

        Inside another transaction this is a savepoint: a command that combines several writes (``merge``)
        stays one transaction, and an inner failure rolls back only its own part. Just before the outermost
        COMMIT the search index is brought up to date (:meth:`sync_search`), in the same transaction.
        """
        if self._depth:
            yield from self._savepoint()
            return
        self._track_writes()
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.execute("DELETE FROM temp.search_touched")
        except sqlite3.Error as exc:
            raise _map_sqlite_error(exc) from exc
        self._depth = 1
        try:
            yield self.conn
            self.sync_search()
            self.conn.execute("COMMIT")
        except BaseException as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise _map_sqlite_error(exc) from exc
            raise
        finally:
            self._depth = 0

    def _savepoint(self) -> Iterator[sqlite3.Connection]:
        name = f"casefile_{self._depth}"
        self.conn.execute(f"SAVEPOINT {name}")
        self._depth += 1
        try:
            yield self.conn
        except BaseException:
            self.conn.execute(f"ROLLBACK TO {name}")
            self.conn.execute(f"RELEASE {name}")
            raise
        else:
            self.conn.execute(f"RELEASE {name}")
        finally:
            self._depth -= 1

    # -- reading ------------------------------------------------------------------------------------

    def resolve_id(self, ref: str, *, include_deleted: bool = True, follow: bool = True) -> str:
        """A full id from a unique id prefix (as git does with hashes) or an exact ``external_id``; an account
        merged into another resolves to that one (``follow=False``: to itself)."""
        try:
            found = self._resolve_id(ref, include_deleted=include_deleted)
        except NotFound:
            if not follow:
                raise
            found = self._resolve_id(ref, include_deleted=True)  # merged away (deleted), maybe
            if self.redirected(found) == found:
                raise
        return self.redirected(found) if follow else found

    def redirected(self, account_id: str) -> str:
        """Where ``casefile merge`` sent an account (itself when it was never merged away)."""
        for _ in range(100):  # merges chain: A into B, then B into C
            row = self.conn.execute("SELECT new_id FROM account_redirects WHERE old_id = ?", (account_id,)).fetchone()
            if row is None:
                break
            account_id = str(row[0])
        return account_id

    def add_redirect(self, old_id: str, new_id: str, stamp: str) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO account_redirects (old_id, new_id, created_at) VALUES (?, ?, ?)",
            (old_id, new_id, stamp),
        )

    def _resolve_id(self, ref: str, *, include_deleted: bool) -> str:
        ref = ref.strip()
        if not ref:
            raise UsageError("an empty id matches nothing; give an id or a unique prefix of one")
        deleted = "" if include_deleted else " AND deleted_at IS NULL"
        exact = self.conn.execute(f"SELECT id FROM accounts WHERE id = ?{deleted}", (ref,)).fetchone()
        if exact:
            return str(exact[0])
        candidates = [
            r[0]
            for r in self.conn.execute(
                f"SELECT id FROM accounts WHERE id >= ? AND id < ?{deleted} ORDER BY id LIMIT 11",
                (ref.lower(), ref.lower() + "\U0010ffff"),
            )
        ]
        if len(candidates) == 1:
            return str(candidates[0])
        if len(candidates) > 1:
            listed = ", ".join(candidates[:10]) + (", …" if len(candidates) > 10 else "")
            raise UsageError(f"id prefix {ref!r} is ambiguous; it matches {listed}")
        by_key = self.conn.execute(f"SELECT id FROM accounts WHERE external_id = ?{deleted}", (ref,)).fetchone()
        if by_key:
            return str(by_key[0])
        gone = self.conn.execute("SELECT old_id FROM account_redirects WHERE old_id = ?", (ref,)).fetchone()
        if gone:  # merged away and since removed for good
            return str(gone[0])
        raise NotFound(f"no account with id or external_id {ref!r}; `casefile list` shows the ids")

    def get(self, account_id: str) -> Account:
        row = self.conn.execute(f"SELECT {_SELECT_COLUMNS} FROM accounts WHERE id = ?", (account_id,)).fetchone()
        if row is None:
            raise NotFound(f"no account with id {account_id!r}")
        account = row_to_account(row)
        self.attach_nested([account])
        return account

    def query(self, flt: Filter, *, nested: bool = False) -> Iterator[Account]:
        """Accounts matching ``flt``, streamed; ``nested`` also loads sources, events and quotes (in batches)."""
        where, params = self.where(flt)
        sql = f"SELECT {_SELECT_COLUMNS} FROM accounts{where}{order_sql(flt)}"
        if flt.limit is not None:
            sql += " LIMIT ?"
            params.append(flt.limit)
        cursor = self.conn.execute(sql, params)
        if not nested:
            for row in cursor:
                yield row_to_account(row)
            return
        while batch := [row_to_account(row) for row in cursor.fetchmany(500)]:
            self.attach_nested(batch)
            yield from batch

    def where(self, flt: Filter) -> tuple[str, list[Any]]:
        """``filter_sql`` with ``--org`` names and aliases resolved to the canonical organisation names."""
        if flt.org:
            flt.org = [self.resolve_organization(name) for name in flt.org]
        return filter_sql(flt)

    def count(self, flt: Filter) -> int:
        where, params = self.where(flt)
        return int(self.conn.execute(f"SELECT count(*) FROM accounts{where}", params).fetchone()[0])

    def explain(self, flt: Filter) -> list[str]:
        """``EXPLAIN QUERY PLAN`` of :meth:`query` (tests use it to prove index use)."""
        where, params = self.where(flt)
        sql = f"EXPLAIN QUERY PLAN SELECT {_SELECT_COLUMNS} FROM accounts{where}{order_sql(flt)}"
        if flt.limit is not None:
            sql += " LIMIT ?"
            params.append(flt.limit)
        return [str(r[-1]) for r in self.conn.execute(sql, params)]

    def existing(self, ids: Iterable[str], external_ids: Iterable[str]) -> dict[str, Account]:
        """Accounts already stored for these ids / external ids (nested parts loaded), keyed ``id:<id>`` and
        ``ext:<external_id>``."""
        out: dict[str, Account] = {}
        found: dict[int, Account] = {}
        for column, prefix, keys in (("id", "id:", list(ids)), ("external_id", "ext:", list(external_ids))):
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                sql = f"SELECT {_SELECT_COLUMNS} FROM accounts WHERE {column} IN ({', '.join('?' for _ in chunk)})"
                for row in self.conn.execute(sql, chunk):
                    account = found.setdefault(row[0], row_to_account(row))
                    out[prefix + str(account.values[column])] = account
        self.attach_nested(list(found.values()))
        return out

    # -- nested parts -------------------------------------------------------------------------------

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
            raise NotFound(f"no source with id {source_id!r}; `casefile source list` shows them")
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

    # -- writing (call inside transaction()) --------------------------------------------------------

    def insert(self, accounts: list[Account], stamp: str) -> int:
        """Insert new accounts (ids already assigned) and their nested parts; returns how many."""
        columns = ", ".join(f'"{c}"' for c in (*_FIELD_COLUMNS, "created_at", "updated_at"))
        marks = ", ".join("?" for _ in range(len(_FIELD_COLUMNS) + 2))
        cursor = self.conn.executemany(
            f"INSERT INTO accounts ({columns}) VALUES ({marks})",
            ((*account_to_row(a), stamp, stamp) for a in accounts),
        )
        with_nested = [a for a in accounts if any(a.values.get(part) for part in model.NESTED)]
        for account in with_nested:
            row = self.conn.execute("SELECT rowid FROM accounts WHERE id = ?", (account.id,)).fetchone()
            account.rowid = int(row[0])
            self.replace_nested(account.rowid, account.values, stamp)
        return max(cursor.rowcount, 0)

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

    # -- search index -------------------------------------------------------------------------------
    #
    # The one hook: temp triggers (on this connection only, so other tools never need casefile's code)
    # note the rowid of every account whose searchable text may have changed in temp.search_touched, and
    # transaction() calls sync_search() before COMMIT, which rewrites those accounts' index entries in
    # batches. A bulk import therefore indexes its accounts once, after they are written, set-wise, rather
    # than through per-row FTS triggers; an account that was written but whose text did not change costs a
    # comparison. Any write through this connection is covered, whichever command makes it.

    def _track_writes(self) -> None:
        if self._tracking:
            return
        touch = "INSERT OR IGNORE INTO search_touched (rowid) VALUES"
        statements = [
            "CREATE TEMP TABLE IF NOT EXISTS search_touched (rowid INTEGER PRIMARY KEY)",
            f"CREATE TEMP TRIGGER IF NOT EXISTS search_accounts_insert AFTER INSERT ON main.accounts "
            f"BEGIN {touch} (new.rowid); END",
            f"CREATE TEMP TRIGGER IF NOT EXISTS search_accounts_update AFTER UPDATE OF name, aliases, summary, "
            f"source_title ON main.accounts BEGIN {touch} (new.rowid); END",
            "CREATE TEMP TRIGGER IF NOT EXISTS search_sources_update AFTER UPDATE OF title ON main.sources BEGIN "
            "INSERT OR IGNORE INTO search_touched (rowid) SELECT account_rowid FROM main.account_sources "
            "WHERE source_rowid = new.rowid; END",
        ]
        for table in ("events", "quotes", "account_sources"):
            for event, row in (("INSERT", "new"), ("DELETE", "old"), ("UPDATE", "new")):
                statements.append(
                    f"CREATE TEMP TRIGGER IF NOT EXISTS search_{table}_{event.lower()} AFTER {event} ON "
                    f"main.{table} BEGIN {touch} ({row}.account_rowid); END"
                )
        for statement in statements:
            self.conn.execute(statement)
        self._tracking = True

    def sync_search(self, batch: int = 2000) -> int:
        """Bring the index entries of the touched accounts up to date; returns how many changed."""
        conn = self.conn
        changed = 0
        last = 0
        while True:
            chunk = [
                r[0]
                for r in conn.execute(
                    "SELECT rowid FROM temp.search_touched WHERE rowid > ? ORDER BY rowid LIMIT ?", (last, batch)
                )
            ]
            if not chunk:
                break
            last = chunk[-1]
            marks = ", ".join("?" for _ in chunk)
            old = {r[0]: r[1:] for r in conn.execute(_INDEXED_SQL.format(marks=marks), chunk)}
            rows = {r[0]: r for r in conn.execute(_DOC_SQL.format(marks=marks), chunk)}
            new = {rowid: _search_doc(row) for rowid, row in rows.items()}
            stale = [rowid for rowid in chunk if old.get(rowid) != new.get(rowid)]
            if not stale:
                continue
            changed += len(stale)
            gone = [(rowid, *old[rowid]) for rowid in stale if rowid in old]
            conn.executemany(
                "INSERT INTO accounts_fts (accounts_fts, rowid, name, summary, source_title) "
                "VALUES ('delete', ?, ?, ?, ?)",
                gone,
            )
            conn.executemany("DELETE FROM accounts_fts_docs WHERE rowid = ?", [(g[0],) for g in gone])
            fresh = [(rowid, *new[rowid]) for rowid in stale if rowid in new]
            conn.executemany("INSERT INTO accounts_fts (rowid, name, summary, source_title) VALUES (?, ?, ?, ?)", fresh)
            # keep only what the accounts row does not already hold (NULL: "the column's text, as it is now")
            kept = [
                (
                    rowid,
                    *(
                        None if doc == (rows[rowid][column] or "") else doc
                        for doc, column in zip(docs, (1, 3, 4), strict=True)
                    ),
                )
                for rowid, *docs in fresh
            ]
            conn.executemany(
                "INSERT INTO accounts_fts_docs (rowid, name, summary, source_title) VALUES (?, ?, ?, ?)", kept
            )
        conn.execute("DELETE FROM temp.search_touched")
        return changed

    def rebuild_search(self) -> int:
        """Re-index every account (after writes by other tools, which casefile cannot see)."""
        with self.transaction():
            self.conn.execute("INSERT INTO accounts_fts (accounts_fts) VALUES ('delete-all')")
            self.conn.execute("DELETE FROM accounts_fts_docs")
            self.conn.execute("INSERT INTO temp.search_touched SELECT rowid FROM accounts")
            return int(self.conn.execute("SELECT count(*) FROM temp.search_touched").fetchone()[0])

    def search(self, match: str, flt: Filter) -> list[tuple[int, float]]:
        """(account rowid, bm25 score) of the accounts matching an FTS5 expression and the filter, best
        first (``flt.sort`` orders them by a field instead); at most ``flt.limit``."""
        where, params = self.where(flt)
        where = where.replace(" WHERE ", " AND ", 1)
        order = order_sql(flt) if flt.sort else " ORDER BY accounts_fts.rank"
        sql = (
            "SELECT accounts.rowid, -accounts_fts.rank FROM accounts_fts JOIN accounts ON accounts.rowid = "
            f"accounts_fts.rowid WHERE accounts_fts MATCH ?{where}{order}"
        )
        if flt.limit is not None:
            sql += " LIMIT ?"
            params.append(flt.limit)
        return [(int(r[0]), float(r[1])) for r in self.conn.execute(sql, [match, *params])]

    def accounts_by_rowid(self, rowids: Sequence[int]) -> dict[int, Account]:
        """Stored accounts (nested parts loaded) by rowid."""
        if not rowids:
            return {}
        marks = ", ".join("?" for _ in rowids)
        rows = self.conn.execute(f"SELECT {_SELECT_COLUMNS} FROM accounts WHERE rowid IN ({marks})", list(rowids))
        accounts = [row_to_account(r) for r in rows]
        self.attach_nested(accounts)
        return {int(a.rowid): a for a in accounts if a.rowid is not None}

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
            if loose_key(match_key) == loose or difflib.SequenceMatcher(None, key, match_key).ratio() >= cutoff:
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
        from . import vocab

        out = {name: set(vocab.codes(name)) for name in vocab.VOCABULARIES}
        for vocabulary, code, *_ in self.user_codes():
            out.setdefault(vocabulary, set()).add(code)
        return {name: frozenset(codes) for name, codes in out.items()}

    def add_code(self, vocabulary: str, code: str, label: str, description: str, group: str, stamp: str) -> None:
        self.conn.execute(
            "INSERT INTO vocabulary (vocabulary, code, label, description, grp, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (vocabulary, code, label, description or None, group or None, stamp),
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
            raise UsageError(f"source id prefix {ref!r} is ambiguous; it matches {', '.join(r[0] for r in rows[:10])}")
        raise NotFound(f"no source with id {ref!r}; `casefile source list` shows them")

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


def same_record(a: Account, b: Account) -> bool:
    """Whether two accounts store the same values, nested parts included (timestamps ignored)."""
    return model.to_json_dict(a) == model.to_json_dict(b)


def _create_private_file(path: Path) -> None:
    """Create the database file mode 0600 (and missing folders 0700), whatever the umask."""
    parent = path.parent
    if not parent.exists():
        parent.mkdir(parents=True, mode=0o700)
        os.chmod(parent, 0o700)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def is_private(path: Path) -> bool:
    """True when neither group nor others can read or write the file."""
    return not (path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))
