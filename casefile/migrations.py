"""The database schema, as append-only migration steps.

Each step is a literal statement of what changed, never derived from the field registry: the registry
describes the current shape, these steps are the history that gets an old file there. Never edit or
reorder a step that has shipped; add a new one. ``tests/test_migrations.py`` proves a fresh database has
exactly the registry's columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlite_utils import Database


@dataclass(frozen=True)
class Step:
    name: str
    fn: Callable[[Any], None]
    transactional: bool = True


class Steps:
    """The migration set, recorded with the decorator API of ``sqlite_utils.Migrations`` but without importing
    sqlite-utils: that import costs about 90 ms, half a whole ``casefile show``, and opening a database only
    needs the step names to see that nothing is pending. :meth:`apply` hands the steps to a real
    ``Migrations`` when some are."""

    def __init__(self, name: str):
        self.name = name
        self._migrations: list[Step] = []

    def __call__(self, *, name: str | None = None, transactional: bool = True) -> Callable[[Any], Any]:
        def inner(func: Callable[[Any], None]) -> Callable[[Any], None]:
            step = name or func.__name__
            if any(m.name == step for m in self._migrations):
                raise ValueError(f"Migration '{step}' is already registered in set '{self.name}'")
            self._migrations.append(Step(step, func, transactional))
            return func

        return inner

    def apply(self, db: Database) -> None:
        from sqlite_utils import Migrations

        real = Migrations(self.name)
        for step in self._migrations:
            real(name=step.name, transactional=step.transactional)(step.fn)  # type: ignore[arg-type]
        real.apply(db)


migrations = Steps("casefile")


def _date(name: str) -> str:
    return ", ".join(
        f"{name}{suffix} TEXT" for suffix in ("", "_edtf", "_min", "_max", "_precision", "_corrected", "_note")
    )


@migrations()
def m001_accounts(db: Database) -> None:
    db.execute(
        f"""
        CREATE TABLE accounts (
            rowid INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            external_id TEXT UNIQUE,
            name TEXT,
            aliases TEXT,
            gender TEXT,
            birth_year INTEGER,
            nationality TEXT,
            organization TEXT,
            role TEXT,
            {_date("joined")},
            {_date("left")},
            {_date("announced")},
            years_in_org REAL,
            left_from TEXT,
            went_to TEXT,
            exit_type TEXT,
            reasons TEXT,
            allegations TEXT,
            summary TEXT,
            tags TEXT,
            confidentiality TEXT NOT NULL DEFAULT 'internal',
            source_title TEXT,
            source_url TEXT,
            source_publisher TEXT,
            {_date("source_date")},
            source_reliability TEXT,
            source_credibility TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            deleted_at TEXT
        )
        """
    )
    db.execute("CREATE INDEX idx_accounts_org_left ON accounts (organization COLLATE NOCASE, left_min)")
    db.execute("CREATE INDEX idx_accounts_left_min ON accounts (left_min)")
    db.execute("CREATE INDEX idx_accounts_left_max ON accounts (left_max)")
    db.execute("CREATE INDEX idx_accounts_exit_type ON accounts (exit_type)")


@migrations()
def m002_accounts_org_index(db: Database) -> None:
    # `list --org X --limit 50` sorts by rowid; (organization, left_min) made SQLite sort every match of a
    # large organisation in a temp b-tree (about 200 ms at 200k rows). An index on organization alone keeps
    # each organisation's rows in rowid order, so the first 50 are read and nothing is sorted.
    db.execute("CREATE INDEX idx_accounts_org ON accounts (organization COLLATE NOCASE)")
