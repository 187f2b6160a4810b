"""A bulk import into an empty database drops the non-unique indexes of ``accounts`` and builds them again
before the commit (issue 9): the result must be the database an ordinary import makes, and a failed import
must leave nothing changed, indexes included."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from casefile import model
from casefile.store import Store

from conftest import file_hash

ROWS = 1_500  # more than one batch of the pipeline (1,000), so the first batch triggers the bulk load


def accounts_csv(path: Path, rows: int, bad_last: bool = False) -> Path:
    lines = ["external_id,name,organization,left,exit_type"]
    for n in range(1, rows + 1):
        left = "2016-13-45" if bad_last and n == rows else f"{1980 + n % 40}-0{1 + n % 9}"
        lines.append(f"B-{n},Person {n},Org {n % 7},{left},{'escaped' if n % 2 else 'released'}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def indexes(db: Path) -> dict[str, str]:
    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute("SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type = 'index'"))
    finally:
        conn.close()


def test_a_bulk_load_ends_with_every_index_and_uses_them(cli, db: Path, tmp_path: Path) -> None:
    assert cli("init").exit_code == 0
    fresh = indexes(db)
    result = cli("import", accounts_csv(tmp_path / "bulk.csv", ROWS))
    assert result.exit_code == 0, result.stderr
    assert indexes(db) == fresh
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    by_index = conn.execute("SELECT count(*) FROM accounts INDEXED BY idx_accounts_org WHERE organization = 'Org 3'")
    assert by_index.fetchone() == (len([n for n in range(1, ROWS + 1) if n % 7 == 3]),)
    conn.close()
    store = Store.open(db)
    plan = store.explain(model.Filter(org=["Org 3"], limit=50))
    store.close()
    assert any("idx_accounts_org " in step for step in plan), plan


def test_a_failed_bulk_load_changes_nothing(cli, db: Path, tmp_path: Path) -> None:
    assert cli("init").exit_code == 0
    before = file_hash(db)
    result = cli("import", accounts_csv(tmp_path / "bad.csv", ROWS, bad_last=True))
    assert result.exit_code == 1
    assert f":{ROWS + 1}: field 'left'" in result.stderr
    assert file_hash(db) == before
