"""The bulk-import machinery is invisible in the result: deferred indexes come back exactly as they were, key
claims work across batches and files, and an import keeps no per-record list in memory."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from casefile import pipeline
from casefile.store import Store

from conftest import DATA, file_hash


def schema(db: Path) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY rowid").fetchall()
    finally:
        conn.close()


def test_import_into_an_empty_database_restores_every_index(cli, db: Path) -> None:
    cli("init")
    before = schema(db)
    result = cli("import", DATA / "accounts.json")
    assert result.exit_code == 0, result.stderr
    assert schema(db) == before  # same indexes, same SQL, same order
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    plan = conn.execute("EXPLAIN QUERY PLAN SELECT id FROM accounts WHERE exit_type = 'escaped'").fetchall()
    assert any("idx_accounts_exit_type" in str(step) for step in plan)


def test_a_failed_bulk_import_leaves_the_indexes_and_the_file_alone(cli, db: Path, tmp_path: Path) -> None:
    cli("init")
    before, digest = schema(db), file_hash(db)
    bad = tmp_path / "bad.csv"
    bad.write_text("external_id,birth_year\r\nA,1965\r\nB,abc\r\n")
    assert cli("import", bad).exit_code == 1
    assert cli("import", DATA / "accounts.json", "--dry-run").exit_code == 0
    assert schema(db) == before
    assert file_hash(db) == digest


def test_a_non_empty_table_keeps_its_indexes_during_import(db: Path) -> None:
    store = Store.open(db, create=True)
    indexes = [r for r in schema(db) if r[0] == "index"]
    with store.transaction():
        store.conn.execute("INSERT INTO accounts (id, created_at, updated_at) VALUES ('0123456789abcdef', 'x', 'x')")
    with store.transaction(), store.bulk_load():
        assert [r for r in schema_of(store) if r[0] == "index"] == indexes
    with store.transaction():
        store.conn.execute("DELETE FROM accounts")
    with store.transaction(), store.bulk_load():
        assert not [r for r in schema_of(store) if r[0] == "index" and r[2] and "accounts" in r[2]]
    assert [r for r in schema(db) if r[0] == "index"] == indexes
    store.close()


def schema_of(store: Store) -> list[tuple[str, str, str]]:
    return store.conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY rowid").fetchall()


def test_duplicate_keys_are_found_across_batches_and_files(
    cli, db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "BATCH", 2)
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("external_id,name\r\nK,a\r\nL,b\r\nM,c\r\nK,d\r\n")
    second.write_text("external_id,name\r\nN,e\r\nL,f\r\n")
    result = cli("import", first, second)
    assert result.exit_code == 1
    assert f"{first}:5: field 'external_id': the same external_id appears on line 2" in result.stderr
    assert f"{second}:3: field 'external_id': the same external_id appears on {first}:3" in result.stderr


def test_import_keeps_no_list_of_ids_but_add_does(db: Path) -> None:
    from casefile.validation import Validator

    store = Store.open(db, create=True)
    items = list(pipeline.file_items(str(DATA / "accounts.json"), "json", encoding="utf-8", validator=Validator()))
    result = pipeline.run(store, items, bulk=True)
    assert result.counts.added == 6 and result.counts.ids == []
    items = pipeline.validate_items([("", None, None, {"name": "X"}, None)], Validator())
    assert len(pipeline.add_records(store, items)) == 1
    store.close()


@pytest.mark.parametrize(
    "items",
    [["a", "b"], ['x"y'], ["a\\b"], ["line\nbreak"], ["Zoë", "سارا", "نرگس\u200c"], ["\x7f"], ["\ud800"], [1, "a"]],
)
def test_multi_values_are_stored_as_json_dumps_would_write_them(items: list) -> None:
    import json

    from casefile.store import _json_list

    assert _json_list(items) == json.dumps(items, ensure_ascii=False)


def test_the_key_claims_table_has_a_bounded_cache(db: Path) -> None:
    # unbounded by default (PRAGMA temp.cache_size = 0): the whole claims table stayed in memory
    store = Store.open(db, create=True)
    store.start_claims()
    assert store.conn.execute("PRAGMA temp.cache_size").fetchone()[0] == -2048
    store.close()


def test_new_ids_come_from_one_random_read() -> None:
    from casefile.store import new_ids

    ids = list(new_ids(1000))
    assert len(ids) == len(set(ids)) == 1000
    assert all(len(i) == 16 and int(i, 16) >= 0 for i in ids)
    assert list(new_ids(0)) == []
