"""What every room of the store shares: the open connection, the state the rooms keep on it, and the
methods one room calls in another.

:class:`casefile.store.Store` is composed of one class a concern (a module each), all built on
:class:`StoreBase`. A room calls another's methods through ``self``; those calls are declared here for the
type checker, so each room can be read - and checked - on its own, and this list is the whole of what the
rooms ask of each other.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from contextlib import AbstractContextManager

    from casefile.model import Account, Filter


class StoreBase:
    """An open casefile database: the connection and the state kept on it."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.conn = conn
        self.path = path
        self._depth = 0  # nesting of transaction(): only the outermost one commits
        self._tracking = False  # whether the temp triggers feeding temp.search_touched exist
        self._accounts_start = 0  # the highest account rowid when the open transaction began
        self._indexed: Callable[[int], None] | None = None  # told how many accounts each step of sync_search took
        self._unindexed = False  # import --no-index: sync_search writes no index entry and marks the index stale
        self._matchers: dict[str, Any] = {}  # organisation match key → its difflib.SequenceMatcher
        #: Who and which command the audit log names for this store's writes (``config.actor()`` if unset).
        self.actor: str | None = None
        self.command: str | None = None
        #: Set by undo: the batch the next transaction reverts.
        self.undoes: str | None = None
        #: The id of the audit batch the last committed transaction wrote (None when it changed nothing).
        self.last_batch: str | None = None
        self._audit_ready = False
        #: id(link entry) → (the entry, its source's rowid) for the links whose source this write has already
        #: stored as the flat columns resolved it (see :meth:`Parts.settle_source`)
        self._settled: dict[int, tuple[dict[str, Any], int]] = {}
        self._columns: dict[str, tuple[str | None, list[str]]] = {}
        self.encrypted = False
        self._key: str | None = None  # an encrypted database's key: its backups are encrypted with it too

    if TYPE_CHECKING:  # defined in the rooms named
        # connection.py: every write is one transaction
        def transaction(
            self, *, saves: str = ..., result: bool = ..., hooks: bool = ...
        ) -> AbstractContextManager[sqlite3.Connection]: ...

        def inserts_untriggered(self, tables: Sequence[str]) -> AbstractContextManager[None]: ...

        # search.py: transaction() keeps the full-text index in step with every write
        def _track_writes(self) -> None: ...
        def _search_begin(self) -> None: ...
        def sync_search(self, batch: int | None = None) -> int: ...
        def require_search_index(self) -> None: ...

        # audit_log.py: transaction() writes one audit batch per write
        def _audit_install(self) -> None: ...
        def _audit_begin(self) -> None: ...
        def _audit_finish(self) -> None: ...

        # accounts.py: what a Filter selects, for queries over other tables
        def where(self, flt: Filter) -> tuple[str, list[Any]]: ...
        def _select(self, columns: str, flt: Filter, explain: str = "") -> tuple[str, list[Any]]: ...

        # parts.py: an account is read and written with its sources, events and quotes
        def attach_nested(self, accounts: list[Account], searched: bool = False) -> None: ...
        def replace_nested(self, rowid: int, values: dict[str, Any], stamp: str) -> None: ...
        def write_nested(
            self, accounts: Sequence[tuple[int, dict[str, Any]]], stamp: str, new: bool = False
        ) -> None: ...

        # sources.py: an account's parts link and cite shared sources
        def upsert_source(self, item: dict[str, Any], stamp: str) -> int: ...
        def source_rowid(self, source_id: str | None) -> int | None: ...

        # organizations.py: --org takes any name or alias of an organisation
        def resolve_organization(self, name: str) -> str: ...
        def organization_names_of(self, names: Iterable[str]) -> dict[str, tuple[str, ...]]: ...
