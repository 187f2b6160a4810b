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


def test_a_plain_database_being_written_is_waited_for_not_taken_for_an_encrypted_one(tmp_path: Path) -> None:
    """Found by the test above on a loaded machine (1 run in ~25): a new database's schema spills from the cache
    while it is made, so the file grows before its first page (SQLite's header) is written; another command
    reading those zeros took the file for an SQLCipher one and said 'give its key'. Here the writer is a backup
    copying a casefile database page by page into a new file, the opener starts while the header is still
    zeros, and must wait for the writer and open what it wrote."""
    source, target = tmp_path / "source.db", tmp_path / "casefile.db"
    Store.open(source, create=True).close()
    reader, writer = sqlite3.connect(source), sqlite3.connect(target)
    writer.execute(f"PRAGMA page_size = {PAGE_SIZE}")
    writer.execute("PRAGMA cache_size = 2")  # spills page by page, as a schema larger than the cache does
    heads: list[bytes] = []
    outcome: list[object] = []

    def open_it() -> None:
        try:
            store = Store.open(target, create=True)
            outcome.append(store.applied_migrations())
            store.close()
        except BaseException as exc:  # noqa: BLE001 - reported below
            outcome.append(exc)

    opener = threading.Thread(target=open_it)

    def copied(_status: int, _remaining: int, _total: int) -> None:
        if not heads:
            with open(target, "rb") as fh:
                heads.append(fh.read(16))
            opener.start()

    reader.backup(writer, pages=4, progress=copied)
    reader.close()
    writer.close()
    opener.join(timeout=60)
    assert heads == [bytes(16)] and target.stat().st_size > 0  # the opener met a file with no header yet
    assert outcome == [[step.name for step in REAL._migrations]], outcome
