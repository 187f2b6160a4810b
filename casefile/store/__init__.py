"""The SQLite store: the only package that speaks SQL, one module a concern.

:class:`Store` is the façade the CLI and the core use: one open database, composed of a class a room, each
owning its SQL (see docs/ARCHITECTURE.md):

* :mod:`.connection` — opening (path, permissions, schema version, migrations, pragmas, SQLCipher's key),
  :meth:`~.connection.Connection.transaction`, the private-file helpers;
* :mod:`.accounts` — rows ↔ :class:`~casefile.model.Account`, what a :class:`~casefile.model.Filter`
  selects, reading, writing and finding accounts, the keys an import claims;
* :mod:`.parts` — the sources, events and quotes of accounts, and the shared sources;
* :mod:`.search` — the full-text index, kept in step before every COMMIT;
* :mod:`.audit_log` and :mod:`.history` — writing the audit log at COMMIT; reading it, undo's primitives;
* :mod:`.organizations` and :mod:`.vocabulary` — organisations with their aliases; codes users added;
* :mod:`.export` — the CSV cells and JSON lines SQLite writes for an export;
* :mod:`.analysis` — the queries behind stats, dupes and check;
* :mod:`.maintenance` — backup and restore through the backup API, doctor's checks;
* :mod:`.publish` — the allow-list copy of what may be shared, behind ``publish``;
* :mod:`.artifacts` and :mod:`.custody` — evidence: content-addressed bytes, the captures of sources, and
  each artifact's append-only, hash-chained custody log.

:mod:`.base` holds the state the rooms share and declares the calls one room makes into another. Every write
happens inside :meth:`Store.transaction`, a ``BEGIN IMMEDIATE`` … ``COMMIT`` that rolls back on any
exception, Ctrl-C included. Importing this package costs no sqlite-utils: it is imported only when
migrations have to run.
"""

from __future__ import annotations

from .accounts import (
    Accounts,
    WriteCounts,
    account_to_row,
    check_field,
    field_columns_equal,
    filter_sql,
    merged_text,
    order_sql,
    row_to_account,
    same_record,
)
from .analysis import STATS_DIMENSIONS, Analysis
from .artifacts import Artifacts
from .audit_log import AUDIT_KIND, AUDITED, AuditKind, AuditLog, Change
from .connection import (
    BUSY_TIMEOUT_ENV,
    DEFAULT_BUSY_TIMEOUT,
    ENCRYPTED_EXTRA,
    MAX_PAGE_COUNT_ENV,
    MIGRATION_SET,
    PAGE_SIZE,
    Connection,
    _map_sqlite_error,
    database_errors,
    fsync_path,
    is_encrypted,
    is_private,
    new_id,
    now,
)
from .custody import Custody
from .export import Export
from .history import History
from .maintenance import Maintenance, integrity_problems, schema_steps
from .organizations import Organizations
from .parts import UNSUPPORTED, Parts, supportable
from .publish import UNPUBLISHED_TABLES, Publishing
from .search import INDEX_STALE, Search
from .sources import Sources
from .vocabulary import Vocabulary

__all__ = [
    "AUDITED",
    "AUDIT_KIND",
    "BUSY_TIMEOUT_ENV",
    "DEFAULT_BUSY_TIMEOUT",
    "ENCRYPTED_EXTRA",
    "INDEX_STALE",
    "MAX_PAGE_COUNT_ENV",
    "MIGRATION_SET",
    "PAGE_SIZE",
    "STATS_DIMENSIONS",
    "UNPUBLISHED_TABLES",
    "AuditKind",
    "Change",
    "Store",
    "WriteCounts",
    "_map_sqlite_error",
    "account_to_row",
    "check_field",
    "database_errors",
    "field_columns_equal",
    "filter_sql",
    "merged_text",
    "fsync_path",
    "integrity_problems",
    "is_encrypted",
    "is_private",
    "new_id",
    "now",
    "order_sql",
    "row_to_account",
    "same_record",
    "supportable",
    "UNSUPPORTED",
    "schema_steps",
]


class Store(
    Connection,
    Accounts,
    Parts,
    Sources,
    Search,
    AuditLog,
    History,
    Organizations,
    Vocabulary,
    Export,
    Analysis,
    Maintenance,
    Publishing,
    Artifacts,
    Custody,
):
    """An open casefile database: every room's methods on one connection (``Store.open(path)``)."""
