"""The parts of the accounts a transaction creates are written without the connection's temporary triggers (issue
23: each trigger made a part row cost 3.5 times as much), and the triggers are back, exactly as they were, for
every write after them - so an import that adds accounts and then changes an older account's parts is still
audited and indexed whole: undo puts the old parts back, search finds the new ones."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from casefile import pipeline
from casefile.store import Store, search

from conftest import dump_data


def _triggers(store: Store) -> list[tuple[str, str, str]]:
    return store.conn.execute(
        "SELECT name, tbl_name, sql FROM temp.sqlite_master WHERE type = 'trigger' ORDER BY name"
    ).fetchall()


def _touched(store: Store) -> int:
    return int(store.conn.execute("SELECT count(*) FROM temp.search_touched").fetchone()[0])


def test_the_triggers_are_dropped_inside_and_back_as_they_were_whatever_happens(db: Path, cli) -> None:
    assert cli("add", "--no-input", "--name", "Old One", "--organization", "MEK").exit_code == 0
    store = Store.open(db)
    try:
        with store.transaction():
            before = _triggers(store)
            insert_triggers = [t for t in before if " INSERT ON " in t[2] and t[1] in ("events", "coded_items")]
            assert len(insert_triggers) >= 4  # the audit's and the search index's, on both tables
            tables = ("events", "coded_items")
            with store.inserts_untriggered(tables):
                left = _triggers(store)
                assert not [t for t in left if t[1] in tables and " INSERT ON " in t[2]]
                assert [t for t in left if t not in insert_triggers] == left  # only those went
                store.conn.execute(
                    "INSERT INTO events (account_rowid, position, id, type) VALUES (1, 0, 'e0e0e0e0', 'joined')"
                )
                assert _touched(store) == 0  # no trigger noted the account
            assert _triggers(store) == before
            with pytest.raises(RuntimeError), store.inserts_untriggered(tables):
                raise RuntimeError("a failure inside")
            assert _triggers(store) == before
            store.conn.execute(
                "INSERT INTO events (account_rowid, position, id, type) VALUES (1, 1, 'e1e1e1e1', 'left')"
            )
            assert _touched(store) == 1  # the triggers fire again
    finally:
        store.close()


def test_an_import_that_adds_accounts_then_changes_an_older_ones_parts_is_undone_whole(
    db: Path, cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = {
        "external_id": "OLD-1",
        "name": "Hassan Heyrani",
        "organization": "MEK",
        "reasons": ["burnout"],
        "events": [{"type": "joined", "description": "joined in Tehran"}],
    }
    first = tmp_path / "first.jsonl"
    first.write_text(json.dumps(old) + "\n", encoding="utf-8")
    assert cli("import", str(first)).exit_code == 0
    before = dump_data(db)
    new = [
        {
            "external_id": f"NEW-{n}",
            "name": f"Person {n}",
            "organization": "MEK",
            "reasons": ["no_future"],
            "events": [{"type": "left", "description": "left through Albania"}],
        }
        for n in range(6)
    ]
    changed = {**old, "reasons": ["isolation_from_family"], "events": [{"type": "left", "description": "fled Ashraf"}]}
    second = tmp_path / "second.jsonl"
    second.write_text("".join(json.dumps(r) + "\n" for r in [*new, changed]), encoding="utf-8")
    monkeypatch.setattr(pipeline, "BATCH", 2)  # new accounts in three batches, then the older account's change
    monkeypatch.setattr(search, "SYNC_BATCH", 2)
    result = cli("import", str(second))
    assert result.exit_code == 0, result.stderr
    assert "6 added, 1 updated" in result.stderr
    conn = sqlite3.connect(db)
    try:
        rowid = conn.execute("SELECT rowid FROM accounts WHERE external_id = 'OLD-1'").fetchone()[0]
        assert conn.execute("SELECT description FROM events WHERE account_rowid = ?", (rowid,)).fetchall() == [
            ("fled Ashraf",)
        ]
    finally:
        conn.close()
    found = cli("search", "--format", "json", "Ashraf")
    assert [h["name"] for h in json.loads(found.stdout)] == ["Hassan Heyrani"]
    assert cli("check").exit_code == 0  # the index holds what the records say
    undone = cli("undo")
    assert undone.exit_code == 0, undone.stderr
    assert dump_data(db) == before  # the older account's events and codes are back, the new accounts gone
    assert json.loads(cli("search", "--format", "json", "Ashraf").stdout) == []
    assert [h["name"] for h in json.loads(cli("search", "--format", "json", "Tehran").stdout)] == ["Hassan Heyrani"]
