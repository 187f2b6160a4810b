"""The schema: a fresh database has exactly the registry's columns; newer databases are refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from casefile import model
from casefile.errors import DatabaseError
from casefile.store import Store


def columns(db: Path, table: str) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
    finally:
        conn.close()


def test_fresh_database_has_exactly_the_registry_columns(db: Path) -> None:
    """Columns added by later steps come last in the table; every query names its columns."""
    Store.open(db, create=True).close()
    # a field added later gets its column at the end of the table (ALTER TABLE), wherever the registry puts it
    found = columns(db, "accounts")
    assert found[0] == "rowid" and sorted(found[1:]) == sorted(model.ACCOUNT_COLUMNS)
    assert len(found) == len(set(found)) == len(model.ACCOUNT_COLUMNS) + 1


def test_every_date_of_every_part_has_an_anchor_column(db: Path) -> None:
    """m014: a derived date ("last December") keeps what it counts from, in sources and events too."""
    Store.open(db, create=True).close()
    assert "date_anchor" in columns(db, "sources") and "date_anchor" in columns(db, "events")
    assert {"joined_anchor", "left_anchor", "announced_anchor", "source_date_anchor"} <= set(columns(db, "accounts"))


def test_fresh_database_uses_large_pages_and_rollback_journal(db: Path) -> None:
    store = Store.open(db, create=True)
    assert store.conn.execute("PRAGMA page_size").fetchone()[0] == 32768
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    store.close()


def test_reopening_applies_nothing_twice(db: Path) -> None:
    Store.open(db, create=True).close()
    store = Store.open(db)
    names = store.applied_migrations()
    store.close()
    assert len(names) == len(set(names))


def test_database_from_a_newer_casefile_is_refused(db: Path) -> None:
    Store.open(db, create=True).close()
    conn = sqlite3.connect(db)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('casefile', 'm999_future', 'x')"
    )
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseError, match="newer casefile"):
        Store.open(db)


def test_foreign_sqlite_database_is_refused(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE other (x)")
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseError, match="not a casefile database"):
        Store.open(db)


def test_a_database_from_before_the_audit_log_is_upgraded_and_then_audited(db: Path) -> None:
    Store.open(db, create=True).close()
    conn = sqlite3.connect(db)
    conn.executescript(  # the file as the previous casefile left it: no audit tables, their steps not applied
        "DROP TABLE audit_log; DROP TABLE audit_batches; DELETE FROM _sqlite_migrations WHERE name IN "
        "('m007_audit_log', 'm022_audit_create_ranges');"
    )
    conn.close()
    store = Store.open(db)
    assert store.applied_migrations()[-2:] == ["m007_audit_log", "m022_audit_create_ranges"]
    with store.transaction():
        store.create_organization("Group", stamp="2026-01-01T00:00:00Z")
    assert store.conn.execute("SELECT action, kind, record_id FROM audit_log").fetchall() == [
        ("create", "organization", "Group")
    ]
    store.close()
