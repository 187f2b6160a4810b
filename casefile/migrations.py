"""The database schema, as append-only migration steps.

Each step is a literal statement of what changed, never derived from the field registry: the registry
describes the current shape, these steps are the history that gets an old file there. Never edit or
reorder a step that has shipped; add a new one. ``tests/test_migrations.py`` proves a fresh database has
exactly the registry's columns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlite_utils import Migrations

if TYPE_CHECKING:
    from sqlite_utils import Database

migrations = Migrations("casefile")


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
