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
import json
import os
import re
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

MIGRATION_SET = "casefile"
BUSY_TIMEOUT_ENV = "CASEFILE_BUSY_TIMEOUT"
DEFAULT_BUSY_TIMEOUT = 5.0
PAGE_SIZE = 32768  # ~2.2 KB accounts: 8 KiB pages left the file 1.38x the CSV, 32 KiB 1.21x (docs/PERFORMANCE.md)

_SELECT_COLUMNS = ", ".join(f'"{c}"' for c in model.ACCOUNT_COLUMNS)
_FIELD_COLUMNS = tuple(c for f in model.FIELDS for c in f.columns())
_TEXT_SEARCH_COLUMNS = ("name", "aliases", "organization", "summary", "source_title")


def now() -> str:
    """Timestamps are UTC ISO 8601 with seconds, e.g. ``2026-11-30T02:20:09Z``."""
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_id() -> str:
    """16 random hex digits: never reused in practice (2⁶⁴ values), short prefixes stay unique."""
    return secrets.token_hex(8)


def new_ids(count: int) -> Iterator[str]:
    """Up to ``count`` ids like :func:`new_id`, from one read of the system's random source."""
    pool = secrets.token_hex(8 * count)
    for start in range(0, len(pool), 16):
        yield pool[start : start + 16]


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


#: Multi-valued columns repeat (the same tags, the same reasons): decoded ones, by their stored text.
_MULTI_CACHE: dict[str, tuple[str, ...]] = {}
_MULTI_CACHE_SIZE = 4096


def _load_multi(raw: str) -> Any:
    """``json.loads(raw)`` for a stored multi-valued column; a fresh list each time, from a bounded cache."""
    cached = _MULTI_CACHE.get(raw)
    if cached is not None:
        return list(cached)
    value = json.loads(raw)
    if type(value) is list and len(_MULTI_CACHE) < _MULTI_CACHE_SIZE and all(type(v) is str for v in value):
        _MULTI_CACHE[raw] = tuple(value)
    return value


def row_to_account(row: Sequence[Any]) -> Account:
    i = sum(width for _, _, width in _CONVERTERS)
    return Account(_field_values(row, _CONVERTERS), created_at=row[i], updated_at=row[i + 1], deleted_at=row[i + 2])


def _field_values(row: Sequence[Any], converters: Sequence[tuple[str, str, int]]) -> dict[str, Any]:
    """Field values from a row holding the columns of ``converters``' fields, in that order."""
    values: dict[str, Any] = {}
    i = 0
    for name, kind, width in converters:
        raw = row[i]
        if kind == "date":
            values[name] = FuzzyDate(raw, *row[i + 1 : i + width]) if raw is not None else None
        elif kind == "multi":
            values[name] = _load_multi(raw) if raw else []
        else:
            values[name] = raw
        i += width
    return values


def _columns_of(fields: Sequence[str]) -> str:
    """The SQL column list of some fields, in registry order (names checked against the registry)."""
    wanted = {check_field(name, model.FIELD_NAMES) for name in fields}
    return ", ".join(f'"{c}"' for f in model.FIELDS if f.name in wanted for c in f.columns())


_JSON_SPECIAL = re.compile(r'["\\\x00-\x1f]')


def _json_list(items: list[str]) -> str:
    """``json.dumps(items, ensure_ascii=False)``, without the encoder's overhead for plain strings."""
    try:
        plain = _JSON_SPECIAL.search("".join(items)) is None
    except TypeError:  # not all text: let json say how
        plain = False
    return '["' + '", "'.join(items) + '"]' if plain else json.dumps(items, ensure_ascii=False)


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
            out.append(_json_list(value) if value else None)
        else:
            out.append(value)
    return out


def _json_sql(keys: Sequence[str], first: bool) -> str:
    """SQL writing ``"key": value`` pairs for :meth:`Store.query_json` (see there): one ``printf`` per 60 keys
    (one formatting pass; SQLite functions take at most 127 arguments)."""
    chunks = []
    for start in range(0, len(keys), 60):
        text, args = [], []
        for n, key in enumerate(keys[start : start + 60], start):
            f = model.FIELD_BY_NAME.get(key)
            text.append(("{" if first and n == 0 else ", ") + json.dumps(key) + ": %s")
            args.append(f"coalesce(\"{key}\", '[]')" if f is not None and f.multi else f'json_quote("{key}")')
        chunks.append(f"printf('{''.join(text)}', {', '.join(args)})")
    return " || ".join(chunks)


_NUMBER_KEY = model.JSON_KEYS.index("years_in_org")
_JSON_HEAD = _json_sql(model.JSON_KEYS[:_NUMBER_KEY], True) + " || ', \"years_in_org\": '"
_JSON_TAIL = _json_sql(model.JSON_KEYS[_NUMBER_KEY + 1 :], False) + " || '}'"
_NUMBER_ENCODER = json.JSONEncoder(allow_nan=False)


def _csv_column(f: model.Field) -> str:
    if f.kind == "number":
        return f"coalesce(\"{f.name}\", '')"  # formatted in Python: 34.0 -> 34
    if f.kind == "year":
        return f"coalesce(CAST(\"{f.name}\" AS TEXT), '')"
    return f"coalesce(\"{f.name}\", '')"  # text, codes, a date's raw text, a multi-valued field's stored list


_CSV_SELECT = ", ".join(_csv_column(f) for f in model.FIELDS)
_CSV_MULTI = tuple(i for i, f in enumerate(model.FIELDS) if f.multi)
_CSV_NUMBER = tuple(i for i, f in enumerate(model.FIELDS) if f.kind == "number")
_JOINED_CACHE: dict[str, str] = {}


def _joined_multi(raw: str) -> str:
    """A stored multi-valued column as its CSV cell (``to_csv_row``: the values joined by ``"; "``)."""
    cell = _JOINED_CACHE.get(raw)
    if cell is None:
        cell = f"{model.MULTI_SEPARATOR} ".join(_load_multi(raw))
        if len(_JOINED_CACHE) < _MULTI_CACHE_SIZE:
            _JOINED_CACHE[raw] = cell
    return cell


def _json_number(value: Any) -> str:
    """``years_in_org`` as ``to_json_dict`` + ``json`` write it: integral floats as integers, NaN refused."""
    if value is None:
        return "null"
    if type(value) is float and value.is_integer():
        return int.__repr__(int(value))
    return _NUMBER_ENCODER.encode(value)


# ------------------------------------------------------------------------------------------- filters


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def check_field(name: str, allowed: Sequence[str], what: str = "field") -> str:
    """Refuse a user-supplied field name before any SQL exists; the message lists the allowed names."""
    if name not in allowed:
        raise UsageError(f"unknown {what} {name!r}; choose one of: {', '.join(allowed)}")
    return name


def filter_sql(flt: Filter) -> tuple[str, list[Any]]:
    """``WHERE`` clause (possibly empty) and its bound parameters for a filter."""
    where: list[str] = []
    params: list[Any] = []
    if flt.only_deleted:
        where.append("deleted_at IS NOT NULL")
    elif not flt.include_deleted:
        where.append("deleted_at IS NULL")
    if not flt.include_restricted:
        where.append("confidentiality != 'restricted'")
    if flt.org:
        where.append("(" + " OR ".join("organization = ? COLLATE NOCASE" for _ in flt.org) + ")")
        params.extend(flt.org)
    for column, values in (("tags", flt.tags), ("reasons", flt.reasons), ("allegations", flt.allegations)):
        for value in values:
            where.append(f"EXISTS (SELECT 1 FROM json_each(accounts.{column}) WHERE value = ?)")
            params.append(value)
    if flt.exit_types:
        where.append("exit_type IN (" + ", ".join("?" for _ in flt.exit_types) + ")")
        params.extend(flt.exit_types)
    if flt.since:
        where.append("left_max >= ?")
        params.append(flt.since)
    if flt.until:
        where.append("left_min <= ?")
        params.append(flt.until)
    if flt.text:
        pattern = f"%{_escape_like(flt.text)}%"
        where.append("(" + " OR ".join(f"{c} LIKE ? ESCAPE '\\'" for c in _TEXT_SEARCH_COLUMNS) + ")")
        params.extend([pattern] * len(_TEXT_SEARCH_COLUMNS))
    return (" WHERE " + " AND ".join(where) if where else ""), params


def order_sql(flt: Filter) -> str:
    if flt.sort is None:
        return " ORDER BY rowid" + (" DESC" if flt.reverse else "")
    f = model.FIELD_BY_NAME[check_field(flt.sort, model.SORTABLE, "sort field")]
    column = f"{f.name}_min" if f.kind == "date" else f.name
    direction = "DESC" if flt.reverse else "ASC"
    return f' ORDER BY "{column}" {direction}, rowid {direction}'


# --------------------------------------------------------------------------------------------- store


@dataclass
class WriteCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    ids: list[str] = field(default_factory=list)


class Store:
    """An open casefile database."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.conn = conn
        self.path = path

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

    def close(self) -> None:
        self.conn.close()

    # -- transactions -------------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; any exception (Ctrl-C too) rolls everything back."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise _map_sqlite_error(exc) from exc
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise _map_sqlite_error(exc) from exc
            raise

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Inside a transaction: while the ``accounts`` table starts empty, build its secondary indexes once at
        the end instead of row by row.

        Inserting a row into four randomly ordered indexes cost about as much as inserting the row itself;
        ``CREATE INDEX`` over the finished table sorts once. Only non-unique indexes are deferred, so
        uniqueness is still checked on every row; they are recreated from their own stored SQL, in their
        original order, in the same transaction (a rollback restores them untouched). A table that already
        holds accounts keeps its indexes: rebuilding them would cost more than a small import saves.
        """
        deferred: list[str] = []
        if self.conn.execute("SELECT NOT EXISTS (SELECT 1 FROM accounts)").fetchone()[0]:
            rows = self.conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'accounts' "
                "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY rowid"
            ).fetchall()
            for name, sql in rows:
                self.conn.execute(f'DROP INDEX "{name}"')
                deferred.append(sql)
        yield
        for sql in deferred:
            self.conn.execute(sql)

    def claimed(self, keys: Sequence[str]) -> dict[str, tuple[str, int | None]]:
        """Keys already claimed earlier in this import (see :meth:`claim`): key → (source, line)."""
        out: dict[str, tuple[str, int | None]] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            sql = f"SELECT key, source, line FROM temp.import_keys WHERE key IN ({', '.join('?' for _ in chunk)})"
            for key, source, line in self.conn.execute(sql, chunk):
                out[key] = (source, line)
        return out

    def start_claims(self) -> None:
        """An empty temporary table of the keys one import has used, so memory stays flat in the import size.

        The temp schema's page cache is unbounded by default here (``PRAGMA temp.cache_size`` is 0), which kept
        the whole table in memory: ~75 bytes a row, 15 MiB more peak RSS at 200k rows. 2 MiB, like the main
        database's default, lets it spill to its temporary file."""
        self.conn.execute("PRAGMA temp.cache_size = -2048")
        self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS import_keys (key TEXT PRIMARY KEY, source TEXT, line INT)")
        self.conn.execute("DELETE FROM temp.import_keys")

    def claim(self, claims: Iterable[tuple[str, str, int | None]]) -> None:
        """Record (key, source, line) claims; a key may be claimed once per import."""
        self.conn.executemany("INSERT INTO temp.import_keys VALUES (?, ?, ?)", claims)

    # -- reading ------------------------------------------------------------------------------------

    def resolve_id(self, ref: str, *, include_deleted: bool = True) -> str:
        """A full id from a unique id prefix (as git does with hashes) or an exact ``external_id``."""
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
        raise NotFound(f"no account with id or external_id {ref!r}; `casefile list` shows the ids")

    def get(self, account_id: str) -> Account:
        row = self.conn.execute(f"SELECT {_SELECT_COLUMNS} FROM accounts WHERE id = ?", (account_id,)).fetchone()
        if row is None:
            raise NotFound(f"no account with id {account_id!r}")
        return row_to_account(row)

    def query(self, flt: Filter, fields: Sequence[str] | None = None) -> Iterator[Account]:
        """The accounts ``flt`` selects. With ``fields``, only those fields are read and set in ``values`` (no
        timestamps): ``list`` needs six short columns, and reading every ~2 KB row in full cost ~30 us a row."""
        where, params = filter_sql(flt)
        columns = _SELECT_COLUMNS if fields is None else _columns_of(fields)
        sql = f"SELECT {columns} FROM accounts{where}{order_sql(flt)}"
        if flt.limit is not None:
            sql += " LIMIT ?"
            params.append(flt.limit)
        if fields is None:
            for row in self.conn.execute(sql, params):
                yield row_to_account(row)
            return
        converters = [c for c in _CONVERTERS if c[0] in fields]
        for row in self.conn.execute(sql, params):
            yield Account(_field_values(row, converters))

    def query_json(self, flt: Filter) -> Iterator[str]:
        """The accounts :meth:`query` would yield, each already as one line of interchange JSON (no newline):
        the exact text of ``exporters.json.encode_account(account)``, written by SQLite.

        Building an Account and encoding it in Python cost about 5x SQLite's own ``json_object`` export
        (docs/PERFORMANCE.md, E2). Here SQLite quotes every value with ``json_quote`` (the same escapes as
        Python's ``json`` with ``ensure_ascii=False``) and concatenates the keys with Python's ``", "`` and
        ``": "`` separators. Multi-valued columns are copied as stored, since :func:`account_to_row` stores them
        in exactly that form; ``years_in_org`` is formatted in Python, where ``34.0`` becomes ``34``.
        """
        where, params = filter_sql(flt)
        sql = f"SELECT {_JSON_HEAD}, years_in_org, {_JSON_TAIL} FROM accounts{where}{order_sql(flt)}"
        if flt.limit is not None:
            sql += " LIMIT ?"
            params.append(flt.limit)
        encode = _json_number
        for head, number, tail in self.conn.execute(sql, params):
            yield head + encode(number) + tail

    def query_csv(self, flt: Filter) -> Iterator[list[str]]:
        """The flat CSV cells (``model.to_csv_row``) of the accounts :meth:`query` would yield, without building
        them: SQLite selects the 27 columns as text and only multi-valued cells (a cached join of the stored
        list) and ``years_in_org`` are formatted here. About half the CPU of the Account path (E1)."""
        where, params = filter_sql(flt)
        sql = f"SELECT {_CSV_SELECT} FROM accounts{where}{order_sql(flt)}"
        if flt.limit is not None:
            sql += " LIMIT ?"
            params.append(flt.limit)
        number, multi, joined = _CSV_NUMBER, _CSV_MULTI, _joined_multi
        for row in self.conn.execute(sql, params):
            cells = list(row)
            for i in multi:
                if cells[i]:
                    cells[i] = joined(cells[i])
            for i in number:
                cells[i] = model.format_number(cells[i]) if cells[i] != "" else ""
            yield cells

    def count(self, flt: Filter) -> int:
        where, params = filter_sql(flt)
        return int(self.conn.execute(f"SELECT count(*) FROM accounts{where}", params).fetchone()[0])

    def explain(self, flt: Filter) -> list[str]:
        """``EXPLAIN QUERY PLAN`` of :meth:`query` (tests use it to prove index use)."""
        where, params = filter_sql(flt)
        sql = f"EXPLAIN QUERY PLAN SELECT {_SELECT_COLUMNS} FROM accounts{where}{order_sql(flt)}"
        if flt.limit is not None:
            sql += " LIMIT ?"
            params.append(flt.limit)
        return [str(r[-1]) for r in self.conn.execute(sql, params)]

    def existing(self, ids: Iterable[str], external_ids: Iterable[str]) -> dict[str, tuple[Any, ...]]:
        """Rows already stored for these ids / external ids, keyed ``id:<id>`` and ``ext:<external_id>``."""
        out: dict[str, tuple[Any, ...]] = {}
        for column, prefix, keys in (("id", "id:", list(ids)), ("external_id", "ext:", list(external_ids))):
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                sql = f"SELECT {_SELECT_COLUMNS} FROM accounts WHERE {column} IN ({', '.join('?' for _ in chunk)})"
                for row in self.conn.execute(sql, chunk):
                    account = row_to_account(row)
                    out[prefix + str(account.values[column])] = tuple(row)
        return out

    # -- writing (call inside transaction()) --------------------------------------------------------

    def insert(self, accounts: Iterable[Account], stamp: str) -> int:
        """Insert new accounts (ids already assigned); returns how many."""
        columns = ", ".join(f'"{c}"' for c in (*_FIELD_COLUMNS, "created_at", "updated_at"))
        marks = ", ".join("?" for _ in range(len(_FIELD_COLUMNS) + 2))
        cursor = self.conn.executemany(
            f"INSERT INTO accounts ({columns}) VALUES ({marks})",
            ((*account_to_row(a), stamp, stamp) for a in accounts),
        )
        return max(cursor.rowcount, 0)

    def update(self, account: Account, stamp: str) -> None:
        assigns = ", ".join(f'"{c}" = ?' for c in _FIELD_COLUMNS)
        self.conn.execute(
            f"UPDATE accounts SET {assigns}, updated_at = ? WHERE id = ?",
            (*account_to_row(account), stamp, account.id),
        )

    def set_deleted(self, account_id: str, stamp: str | None) -> None:
        self.conn.execute("UPDATE accounts SET deleted_at = ? WHERE id = ?", (stamp, account_id))


def field_columns_equal(a: Account, b: Account) -> bool:
    """Whether two accounts store the same field values (timestamps ignored)."""
    return account_to_row(a) == account_to_row(b)


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
