"""Opening the database and writing to it: the path, the file's permissions and its schema version, pending
migrations, the pragmas casefile relies on (rollback journal, ``synchronous=FULL``, a busy timeout, foreign
keys, ``secure_delete``), SQLCipher's key, and transactions.

Every write happens inside :meth:`Connection.transaction`, a ``BEGIN IMMEDIATE`` … ``COMMIT`` that rolls back
on any exception, Ctrl-C included; just before COMMIT it brings the search index up to date and writes the
audit batch (the hooks of :mod:`.search` and :mod:`.audit_log`).

Reads use the standard library's ``sqlite3`` connection directly: importing sqlite-utils costs more than a
whole ``casefile show``, so it is only imported when migrations have to run.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import secrets
import sqlite3
import stat
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from casefile import interrupts
from casefile.errors import CasefileError, DatabaseBusy, DatabaseError, DiskFull, KeyNeeded, NotFound, UsageError
from casefile.paths import make_private_folder

from .base import StoreBase

MIGRATION_SET = "casefile"
BUSY_TIMEOUT_ENV = "CASEFILE_BUSY_TIMEOUT"
DEFAULT_BUSY_TIMEOUT = 5.0
MAX_BUSY_TIMEOUT = 3600.0  # an hour: longer is a hung command, not a busy database
#: Test hook, not a user setting: cap the database at this many pages (``PRAGMA max_page_count``) so tests
#: can fill the "disk" at will and prove a full disk rolls back cleanly (docs/RELIABILITY.md).
MAX_PAGE_COUNT_ENV = "CASEFILE_MAX_PAGE_COUNT"
PAGE_SIZE = 32768  # ~2.2 KB accounts: 8 KiB pages left the file 1.38x the CSV, 32 KiB 1.21x (docs/PERFORMANCE.md)
_SAVED = "the changes to the database"


def now() -> str:
    """Timestamps are UTC ISO 8601 with seconds, e.g. ``2026-11-30T02:20:09Z``."""
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


#: A trigger's SQL as SQLite keeps it, when the trigger fires on INSERT.
_INSERT_TRIGGER = re.compile(
    r'CREATE (?:TEMP |TEMPORARY )?TRIGGER (?:IF NOT EXISTS )?(?:"[^"]*"|\S+) (?:BEFORE |AFTER )?INSERT ON ',
    re.IGNORECASE,
)
_PLAIN_CREATE = re.compile(r"CREATE TRIGGER ", re.IGNORECASE)


class _IdPool:
    """Random bytes for ids, drawn from the system 512 ids at a time: one ``os.urandom`` call per id was 5-6 % of
    an import's time (issue 23). A forked child starts with an empty pool, so it never draws its parent's ids."""

    SIZE = 512

    def __init__(self) -> None:
        self.hex = ""
        self.at = 0

    def empty(self) -> None:
        self.hex, self.at = "", 0

    def draw(self, digits: int = 16) -> str:
        if self.at + digits > len(self.hex):
            self.hex, self.at = secrets.token_hex(8 * self.SIZE), 0
        self.at += digits
        return self.hex[self.at - digits : self.at]


_IDS = _IdPool()
os.register_at_fork(after_in_child=_IDS.empty)


def new_id() -> str:
    """16 random hex digits: never reused in practice (2⁶⁴ values), short prefixes stay unique."""
    return _IDS.draw()


def new_part_id() -> str:
    """8 random hex digits: a part's id (an event, a quote, a code, a source link), unique within its table (the
    caller checks and draws again)."""
    return _IDS.draw(8)


def _busy_timeout() -> float:
    """``CASEFILE_BUSY_TIMEOUT`` in seconds (empty or unset: the default). Anything but a number from 0 to
    3600 is refused, not replaced: ``inf`` and ``nan`` crashed, ``-1`` and ``1e20`` gave up at once and
    ``abc`` silently meant 5 s."""
    raw = os.environ.get(BUSY_TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_BUSY_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not 0 <= value <= MAX_BUSY_TIMEOUT:  # nan too
        shown = raw if len(raw) <= 40 else raw[:40] + "…"
        raise UsageError(
            f"{BUSY_TIMEOUT_ENV} must be a number from 0 to {MAX_BUSY_TIMEOUT:g} seconds (got {shown!r}); "
            "nothing was written"
        )
    return value


def database_errors() -> tuple[type[Exception], ...]:
    """The exception classes a database call can raise: the standard library's, and SQLCipher's own (sqlcipher3
    does not derive from sqlite3) once an encrypted database has been opened."""
    cipher = sys.modules.get("sqlcipher3")
    return (sqlite3.Error, cipher.Error) if cipher is not None else (sqlite3.Error,)


def _map_sqlite_error(exc: Exception, path: Path | None = None) -> CasefileError:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return DatabaseBusy(
            "database is busy: another casefile command kept it locked for longer than "
            f"{_busy_timeout():g} s; nothing was written, try again"
        )
    if interrupts.file_size_limit_reached and ("disk i/o" in text or "full" in text):
        return DatabaseError(
            f"file size limit (ulimit -f) reached{f' while writing {path}' if path else ''}; nothing was changed"
        )
    if "disk is full" in text or "disk i/o" in text and "full" in text:
        return DiskFull("disk full: nothing was written; free some space and try again")
    if "not a database" in text or "malformed" in text:
        return DatabaseError("the database file is damaged or not a casefile database; run `casefile doctor`")
    if "readonly" in text or "read-only" in text:
        return DatabaseError("the database is read-only; check the file's permissions")
    return DatabaseError(f"database error: {type(exc).__name__}")


#: Schema steps that make the full-text index anew: after one of them has run on a database that already held
#: accounts, every account is indexed again.
_INDEX_STEPS = ("m003_search_index", "m011_search_everything")


class Connection(StoreBase):
    """Opening, configuring and migrating the database; transactions."""

    @classmethod
    def open(cls, path: Path, *, create: bool = False, migrate: bool = True, key: str | None = None) -> Self:
        """Open (``create=True``: create if missing) the database at ``path`` and bring its schema up to date
        (``migrate=False``: leave it as it is, for ``doctor``).

        With ``key`` the database is an SQLCipher one (the ``encrypted`` extra): opened with that key, or made
        encrypted if it is new. Without one, an encrypted file is refused with a message saying so."""
        path = Path(path)
        _busy_timeout()  # a bad setting is refused before anything is created
        if not path.exists():
            if not create:
                raise NotFound(f"no database at {path}; create one with `casefile init` or pass --db")
            _create_private_file(path)
        elif path.is_dir():
            raise DatabaseError(f"{path} is a folder, not a database file")
        fresh = path.stat().st_size == 0  # ours or another command's that is creating it right now
        if key is not None and not fresh and _header(path) == _PLAIN_HEADER:
            key = None  # a plain database: a key in the environment does not apply to it
        if key is None and is_encrypted(path):
            raise KeyNeeded(f"{path} is encrypted; give its key with CASEFILE_KEY or --key-file, or type it when asked")
        try:
            conn = _connect(path, key)
        except database_errors() as exc:
            raise _map_sqlite_error(exc) from exc
        store = cls(conn, path)
        store.encrypted = key is not None
        store._key = key
        try:
            if key is not None:
                _check_key(conn, path)
            store._configure(fresh)
            if migrate:
                store._migrate()
        except database_errors() as exc:
            conn.close()
            raise _map_sqlite_error(exc) from exc
        except BaseException:
            conn.close()
            raise
        return store

    def _configure(self, fresh: bool) -> None:
        conn = self.conn
        conn.execute(f"PRAGMA busy_timeout = {int(_busy_timeout() * 1000)}")
        if fresh and not self.encrypted:  # SQLCipher keeps its own page size, which every open must match
            conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "delete":
            conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA secure_delete = ON")
        cap = os.environ.get(MAX_PAGE_COUNT_ENV, "")
        if cap.isascii() and cap.isdigit():
            conn.execute(f"PRAGMA max_page_count = {int(cap)}")

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

    def schema_status(self) -> tuple[list[str], list[str]]:
        """(schema steps this casefile knows but the file lacks, steps the file has that it does not know)."""
        from casefile.migrations import migrations

        known = [m.name for m in migrations._migrations]
        applied = self.applied_migrations()
        return [n for n in known if n not in applied], [n for n in applied if n not in known]

    def _migrate(self) -> None:
        from casefile.migrations import migrations

        known = [m.name for m in migrations._migrations]
        applied = self.applied_migrations()
        unknown = [name for name in applied if name not in known]
        if unknown:
            raise DatabaseError(
                f"{self.path} was written by a newer casefile (schema step {unknown[-1]!r}); upgrade casefile to use it"
            )
        if len(applied) == len(known):
            return
        import sqlite_utils

        # One BEGIN IMMEDIATE transaction for every pending step: a failing step leaves the schema as it
        # was and the step pending, and of several commands opening an old (or brand-new) file at once,
        # one migrates while the others wait for it and then find nothing left to do. So steps must be
        # transactional (sqlite_utils' ``transactional=False`` is not supported). No search or audit hooks
        # run in it: their tables may be among the steps.
        with self.transaction(saves="the database schema", result=False, hooks=False):
            applied = self.applied_migrations()
            if len(applied) == len(known):
                return
            if not applied and self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                raise DatabaseError(f"{self.path} is an SQLite database but not a casefile database")
            migrations.apply(sqlite_utils.Database(self.conn))
        if applied and not set(_INDEX_STEPS) <= set(applied):
            with self.transaction(result=False):  # an older database: index what it already holds
                self.conn.execute("INSERT INTO temp.search_touched SELECT rowid FROM accounts")
        elif applied and "m010_shared_sources" not in applied:
            with self.transaction(result=False):  # their flat sources became shared ones: index their titles
                self.conn.execute(
                    "INSERT OR IGNORE INTO temp.search_touched SELECT DISTINCT account_rowid FROM account_sources"
                )

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def transaction(
        self, *, saves: str = _SAVED, result: bool = True, hooks: bool = True
    ) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; any exception (Ctrl-C too) rolls everything back.

        BEGIN is inside the ``try``, so no interrupt can fall between it and the rollback that guards it; an
        interrupt during COMMIT is held until the COMMIT is done and then reported as coming after it (what
        was saved is ``saves``). ``result=False`` (migrations) marks a commit that is not the command's
        result: the command stays interruptible after it.

        Inside another transaction this is a savepoint: a command that combines several writes (``merge``)
        stays one transaction, and an inner failure rolls back only its own part. Just before the outermost
        COMMIT the search index is brought up to date (:meth:`sync_search`), in the same transaction.

        This is also the audit hook, the one place every write passes: temporary triggers note each record
        the transaction changes (whichever method or statement changes it) and keep its rows as they were
        before; just before ``COMMIT`` they become one audit batch (see :meth:`_audit_finish`).
        ``hooks=False`` (schema migrations, whose steps may create those very tables) runs neither.
        """
        if self._depth:
            yield from self._savepoint()
            return
        committing = False
        try:
            if hooks:
                self._track_writes()
                self._audit_install()
            self.conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            if hooks:
                self._search_begin()
                self._audit_begin()
            yield self.conn
            if hooks:
                self.sync_search()
                self._audit_finish()
            committing = True
            with interrupts.held(keep=result):
                interrupts.check()  # an interrupt that landed where it could not be raised
                self.conn.execute("COMMIT")
            interrupts.note_saved(saves)
        except BaseException as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            elif committing and isinstance(exc, KeyboardInterrupt) and saves not in interrupts.saved:
                interrupts.note_saved(saves)  # the COMMIT had finished when the interrupt came
            if isinstance(exc, database_errors()):
                self._recover()
                raise _map_sqlite_error(exc, self.path) from exc
            raise
        finally:
            self._depth = 0

    def _recover(self) -> None:
        """After an I/O error (a file-size limit, a failing disk) SQLite leaves the journal hot, for the next
        reader to play back; read once now, so it is played back before this process exits and no hot
        journal is left beside the database. Another failure leaves it for the next command, as SQLite
        intends."""
        try:
            self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except database_errors():
            pass

    @contextmanager
    def inserts_untriggered(self, tables: Sequence[str]) -> Iterator[None]:
        """Inside a transaction, INSERTs into ``tables`` fire none of this connection's temporary triggers (the
        audit's and the search index's): they are dropped and made again as they were, from their own SQL.

        For the parts of accounts this transaction created, the only rows such triggers would ever see: the
        audit leaves created records to the rowids above the start (their triggers' WHEN is false for them) and
        the search index takes those rows whole before COMMIT, so the triggers did nothing but cost - SQLite
        keeps a statement journal for each row a trigger may write to, and evaluates the trigger's subqueries:
        a part row cost 3.5 times as much (issue 23). Temporary schema changes are part of the transaction, so
        a rollback puts the triggers back whatever happened in between."""
        wanted = set(tables)
        rows = self.conn.execute("SELECT name, tbl_name, sql FROM temp.sqlite_master WHERE type = 'trigger'")
        dropped = [(name, sql) for name, table, sql in rows if table in wanted and _INSERT_TRIGGER.match(sql)]
        for name, _sql in dropped:
            self.conn.execute(f'DROP TRIGGER temp."{name}"')
        try:
            yield
        finally:
            for _name, sql in dropped:  # kept as "CREATE TRIGGER …": the TEMP is not in the text
                self.conn.execute(_PLAIN_CREATE.sub("CREATE TEMP TRIGGER ", sql, count=1))

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


# ---------------------------------------------------------------------------------------- encryption and private files

_PLAIN_HEADER = b"SQLite format 3\x00"


ENCRYPTED_EXTRA = "pip install 'casefile[encrypted]'"


def is_encrypted(path: Path) -> bool:
    """A non-empty file without SQLite's plain header: an SQLCipher database (or not a database at all). A
    header of zeros is not one: SQLCipher's first 16 bytes are a random salt, while a plain database another
    command is creating grows before its first page is written (its schema spills from the cache); opening it
    waits for that command's lock like any other."""
    head = _header(path)
    return bool(head) and head != _PLAIN_HEADER and head.strip(b"\0") != b""


def _header(path: Path) -> bytes:
    """The file's first 16 bytes (fewer for a shorter file; none when it cannot be read)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(16)
    except OSError:
        return b""


def _connect(path: Path, key: str | None, *, readonly: bool = False) -> sqlite3.Connection:
    name, uri = (f"{Path(path).resolve().as_uri()}?mode=ro", True) if readonly else (str(path), False)
    if key is None:
        return sqlite3.connect(name, uri=uri, isolation_level=None, timeout=_busy_timeout())
    try:
        import sqlcipher3
    except ImportError:
        raise DatabaseError(f"encrypted databases need the optional extra: {ENCRYPTED_EXTRA}") from None
    if not key or "\0" in key:
        raise UsageError("the database key must be non-empty text without NUL characters")
    conn: sqlite3.Connection = sqlcipher3.connect(name, uri=uri, isolation_level=None, timeout=_busy_timeout())
    conn.execute("PRAGMA cipher_log_level = NONE")  # SQLCipher's own log lines would break "one clear line"
    quoted = key.replace("'", "''")
    conn.execute(f"PRAGMA key = '{quoted}'")  # PRAGMA takes no bound parameters; the key is quoted as a literal
    return conn


def _check_key(conn: sqlite3.Connection, path: Path) -> None:
    """The first read decrypts page 1: a wrong key fails here, with one clear line."""
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except database_errors() as exc:
        if isinstance(_map_sqlite_error(exc), DatabaseBusy):
            raise
        raise DatabaseError(f"cannot open {path}: wrong key (or not an encrypted casefile database)") from None


def _create_private_file(path: Path) -> None:
    """Create the database file mode 0600 (and missing folders 0700), whatever the umask."""
    make_private_folder(path.parent)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:  # likewise: it is creating the database; migrations wait for it
        return
    os.close(fd)
    os.chmod(path, 0o600)


def fsync_path(path: Path) -> None:
    """Flush a file (or a folder's entries, after a rename) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def is_private(path: Path) -> bool:
    """True when neither group nor others can read or write the file."""
    return not (path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))
