"""The published file's search index is built in SQLite's temp schema and its shadow tables copied in (issue 17,
second round: publish's speed). It must be the very index an in-place build makes: the same rows of
``accounts_fts_data``, ``_idx`` and ``_docsize``, byte for byte - here with a tiny pending-terms budget, so the
build flushes many segments and merges them, as 200,000 accounts do."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import generate  # noqa: E402

from casefile.searchable import SEARCH_COLUMNS, SEARCH_INDEXED  # noqa: E402
from casefile.store import publish as store_publish  # noqa: E402

SHADOWS = ("data", "idx", "docsize")


def shadows(conn: sqlite3.Connection, table: str) -> dict[str, list[tuple]]:
    return {s: conn.execute(f"SELECT * FROM {table}_{s} ORDER BY 1, 2").fetchall() for s in SHADOWS}


def in_place(published: Path, settings: tuple[tuple[str, int], ...]) -> dict[str, list[tuple]]:
    """The index an in-place build makes: the published file's own FTS5 declaration, its settings, the same
    rows in the same order, inserted into a new database."""
    conn = sqlite3.connect(":memory:")
    conn.execute("ATTACH ? AS pub", (str(published),))
    sql = conn.execute("SELECT sql FROM pub.sqlite_master WHERE name = 'accounts_fts'").fetchone()[0]
    conn.execute(sql)
    for option, value in settings:
        conn.execute("INSERT INTO accounts_fts (accounts_fts, rank) VALUES (?, ?)", (option, value))
    conn.execute(  # what the working file indexes for each account (m011's rule, casefile.searchable)
        f"INSERT INTO accounts_fts (rowid, {', '.join(SEARCH_COLUMNS)}) SELECT d.rowid, {', '.join(SEARCH_INDEXED)} "
        "FROM pub.accounts_fts_docs AS d JOIN pub.accounts AS a ON a.rowid = d.rowid ORDER BY d.rowid"
    )
    return shadows(conn, "main.accounts_fts")


@pytest.mark.parametrize("settings", [(("hashsize", 4096), ("automerge", 2)), store_publish._FTS_BUILD])
def test_the_copied_index_is_the_one_an_in_place_build_makes(cli, tmp_path: Path, monkeypatch, settings) -> None:
    source = tmp_path / "accounts.jsonl"
    with source.open("w", encoding="utf-8") as fh:
        generate.write(400, "jsonl", fh)
    assert cli("import", source).exit_code == 0
    monkeypatch.setattr(store_publish, "_FTS_BUILD", settings)
    out = tmp_path / "shared.db"
    result = cli("publish", out)
    assert result.exit_code == 0, result.stderr
    conn = sqlite3.connect(out)
    built = shadows(conn, "accounts_fts")
    structure = conn.execute("SELECT count(*) FROM accounts_fts_data").fetchone()[0]
    assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
    conn.execute("INSERT INTO accounts_fts (accounts_fts) VALUES ('integrity-check')")
    conn.close()
    assert structure > 10  # a real index, not an empty one
    assert built == in_place(out, settings)
