"""A schema step that fails half-way leaves the schema as it was and the step pending; a rerun works.

The failing step is registered on a copy of ``casefile.migrations.migrations`` (never on the real
object), after an ALTER TABLE and a CREATE TABLE have already run inside it."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlite_utils import Database, Migrations

from casefile import migrations as schema
from casefile.store import PAGE_SIZE, Store

from conftest import dump

REAL = schema.migrations


def with_step(fail: bool) -> Migrations:
    """The real steps plus ``m999_test_step``, which fails after changing the schema when ``fail``."""
    copy = Migrations(REAL.name)
    copy._migrations = list(REAL._migrations)

    @copy(name="m999_test_step")
    def step(db: Database) -> None:
        db.execute("ALTER TABLE accounts ADD COLUMN added_by_test TEXT")
        db.execute("CREATE TABLE made_by_test (x)")
        if fail:
            raise RuntimeError("injected failure half-way through a migration")

    return copy


def tables_and_columns(db: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return [(t, c[1]) for t in tables for c in conn.execute(f'PRAGMA table_info("{t}")')]
    finally:
        conn.close()


def test_failing_step_on_an_existing_database_changes_nothing_and_stays_pending(
    db: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("add", "--no-input", "--name", "Before the upgrade").exit_code == 0
    before, schema_before = dump(db), tables_and_columns(db)

    monkeypatch.setattr(schema, "migrations", with_step(fail=True))
    with pytest.raises(RuntimeError, match="injected"):
        Store.open(db)
    assert dump(db) == before
    assert tables_and_columns(db) == schema_before
    conn = sqlite3.connect(db)
    applied = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations")]
    conn.close()
    assert "m999_test_step" not in applied

    result = cli("list", "--format", "json")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: unexpected RuntimeError; the details are in ")
    assert dump(db) == before

    monkeypatch.setattr(schema, "migrations", with_step(fail=False))
    reopened = Store.open(db)
    assert reopened.applied_migrations()[-1] == "m999_test_step"
    reopened.close()
    assert ("accounts", "added_by_test") in tables_and_columns(db)
    assert "Before the upgrade" in cli("list").stdout


def test_failing_step_on_a_new_database_leaves_no_half_schema(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schema, "migrations", with_step(fail=True))
    with pytest.raises(RuntimeError):
        Store.open(db, create=True)
    assert tables_and_columns(db) == [], "not even the first step may stay when a later one fails"
    monkeypatch.setattr(schema, "migrations", with_step(fail=False))
    Store.open(db).close()
    assert ("made_by_test", "x") in tables_and_columns(db)


def test_many_commands_creating_one_database_at_once(tmp_path: Path) -> None:
    """First use from several processes at once (four threads here, each with its own connection): one
    creates and migrates, the others wait for it; no 'file exists', 'not a casefile database' or busy error."""
    failures: list[BaseException] = []
    rounds = 25
    for r in range(rounds):
        path = tmp_path / f"round-{r}" / "casefile.db"
        barrier = threading.Barrier(4)

        def first_use(path: Path = path, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            try:
                Store.open(path, create=True).close()
            except BaseException as exc:  # noqa: BLE001 - collected and reported below
                failures.append(exc)

        threads = [threading.Thread(target=first_use) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE
        assert conn.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0] == len(REAL._migrations)
        conn.close()
    assert failures == []
