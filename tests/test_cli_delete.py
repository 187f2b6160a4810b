"""delete, restore and purge through the CLI: soft deletes hide, undo and restore bring back, purge leaves
no copy of the text in the database file (journal included), its audit log or a full-text index."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from conftest import DATA, dump_data, file_hash

CANARY = "zqcanary7f3a"  # one token, all lower case: a full-text index stores it as it is (or a suffix of it)
NEEDLE = CANARY[2:].encode()  # what the bytes are searched for, whatever prefix the index shares with a neighbour


def seeded(cli) -> None:
    assert cli("org", "import", DATA / "organizations.json").exit_code == 0
    assert cli("import", DATA / "accounts.json").exit_code == 0


def ids(cli, *args: str) -> list[str]:
    return [r["external_id"] for r in json.loads(cli("list", "--format", "json", *args).stdout)]


def test_delete_hides_restore_brings_back(cli, db: Path) -> None:
    seeded(cli)
    before = dump_data(db)
    result = cli("delete", "DEMO-0002", "DEMO-0003", "--yes")
    assert result.exit_code == 0 and "2 accounts deleted" in result.stderr
    assert "DEMO-0002" not in ids(cli) and "DEMO-0002" in ids(cli, "--include-deleted")
    assert "DEMO-0002" not in cli("export", "--format", "json", "--include-restricted").stdout
    assert "deleted" in cli("show", "DEMO-0002").stdout
    assert cli("edit", "DEMO-0002", "--add-tag", "x").exit_code == 2  # restore it first
    assert "1 account restored" in cli("restore", "DEMO-0002").stderr
    assert "1 account restored, 1 was not deleted" in cli("restore", "DEMO-0003", "DEMO-0002").stderr
    assert dump_data(db) == before  # a delete and a restore change deleted_at alone
    assert cli("undo").exit_code == 0  # the second restore
    assert cli("undo").exit_code == 0  # the first restore
    assert cli("undo").exit_code == 0  # the delete
    assert dump_data(db) == before


def test_undo_of_a_delete_leaves_the_database_exactly_as_before(cli, db: Path) -> None:
    seeded(cli)
    before = dump_data(db)
    assert cli("delete", "SEED-0001", "--yes").exit_code == 0
    assert "1 account restored" in cli("undo").stderr
    assert dump_data(db) == before


def test_delete_and_purge_refuse_without_a_terminal_or_yes(cli, db: Path) -> None:
    seeded(cli)
    before = file_hash(db)
    for args in (["delete", "SEED-0001"], ["purge", "SEED-0001"]):
        result = cli(*args)
        assert result.exit_code == 2 and "--yes" in result.stderr
    assert cli("purge", "--yes").exit_code == 2  # neither ids nor --all-deleted
    assert file_hash(db) == before


def canary_record(tmp_path: Path) -> Path:
    record = {
        "external_id": "CANARY",
        "name": f"Name {CANARY}",
        "aliases": [f"alias {CANARY}"],
        "organization": f"Group of {CANARY[:6]}",
        "summary": f"Testimony {CANARY} " + "long text " * 500,  # spills onto an overflow page
        "left": "2001",
        "left_note": f"note {CANARY}",
        "tags": ["canary"],
        "sources": [{"title": f"Interview {CANARY}", "url": f"https://example.org/{CANARY}", "role": "primary"}],
        "events": [{"type": "left", "date": "2001", "description": f"event {CANARY}"}],
        "quotes": [{"text": f"quote {CANARY}", "translation": f"translated {CANARY}"}],
    }
    path = tmp_path / "canary.json"
    path.write_text(json.dumps([record]))
    return path


def file_bytes(db: Path) -> bytes:
    """The database file and any journal beside it."""
    return b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))


@pytest.mark.parametrize("with_search_index", [False, True])
def test_purge_leaves_no_canary_bytes(cli, db: Path, tmp_path: Path, with_search_index: bool) -> None:
    seeded(cli)
    if with_search_index:
        add_search_index(db)
    assert cli("import", canary_record(tmp_path)).exit_code == 0
    assert cli("edit", "CANARY", "--set", f"role=role {CANARY}", "--add-tag", "x").exit_code == 0
    assert cli("edit", "CANARY", "--set", "summary=shorter now").exit_code == 0  # the old one is in the audit log
    assert cli("event", "add", "CANARY", "--type", "testified", "--description", f"more {CANARY}").exit_code == 0
    assert cli("delete", "CANARY", "--yes").exit_code == 0
    assert cli("restore", "CANARY").exit_code == 0
    assert cli("delete", "CANARY", "--yes").exit_code == 0
    assert NEEDLE in file_bytes(db)
    result = cli("purge", "--all-deleted", "--yes")
    assert result.exit_code == 0, result.stderr
    assert "1 account and 1 source purged" in result.stderr
    assert NEEDLE not in file_bytes(db)
    assert sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone() == ("ok",)
    history = json.loads(cli("history", "--format", "json").stdout)
    assert history[0]["command"] == "purge" and history[0]["changes"] == "1 account purged, 1 source purged"
    assert len(ids(cli)) == 7
    result = cli("undo")
    assert result.exit_code == 1 and "cannot be undone" in result.stderr
    earlier = history[2]["batch"]  # the event add: its before-image was scrubbed
    result = cli("undo", earlier)
    assert result.exit_code == 1 and "purged" in result.stderr


def add_search_index(db: Path) -> None:
    """An FTS5 index kept in sync by triggers, as a full-text search could add: purge must clean it too."""
    conn = sqlite3.connect(db)
    conn.executescript(
        """
        CREATE VIRTUAL TABLE tsearch USING fts5(name, summary, content='accounts', content_rowid='rowid');
        CREATE TRIGGER tsearch_ai AFTER INSERT ON accounts BEGIN
          INSERT INTO tsearch(rowid, name, summary) VALUES (new.rowid, new.name, new.summary);
        END;
        CREATE TRIGGER tsearch_ad AFTER DELETE ON accounts BEGIN
          INSERT INTO tsearch(tsearch, rowid, name, summary) VALUES ('delete', old.rowid, old.name, old.summary);
        END;
        CREATE TRIGGER tsearch_au AFTER UPDATE ON accounts BEGIN
          INSERT INTO tsearch(tsearch, rowid, name, summary) VALUES ('delete', old.rowid, old.name, old.summary);
          INSERT INTO tsearch(rowid, name, summary) VALUES (new.rowid, new.name, new.summary);
        END;
        INSERT INTO tsearch(tsearch) VALUES ('rebuild');
        INSERT INTO tsearch(tsearch, rank) VALUES ('automerge', 0);  -- keep every segment, deleted terms too
        """
    )
    conn.close()


def test_purge_of_named_accounts_keeps_shared_sources(cli, db: Path) -> None:
    seeded(cli)
    shared = [s for s in json.loads(cli("source", "list", "--format", "json").stdout) if s["accounts"] == 2]
    assert len(shared) == 1
    two = json.loads(cli("source", "show", shared[0]["id"], "--format", "json").stdout)[0]["accounts"]
    assert cli("purge", two[0]["id"], "--yes").exit_code == 0
    assert len(json.loads(cli("source", "list", "--format", "json").stdout)) == 6  # 2 linked + 4 flat, shared now
    assert cli("purge", two[1]["id"], "--yes").exit_code == 0
    assert len(json.loads(cli("source", "list", "--format", "json").stdout)) == 5


def test_restoring_one_account_that_was_not_deleted_is_singular(cli) -> None:
    assert cli("add", "--no-input", "--name", "A", "--external-id", "a1").exit_code == 0
    result = cli("restore", "a1")
    assert "1 was not deleted" in result.stderr and "(s)" not in result.stderr


def test_purge_names_every_kind_it_removed(cli, db: Path, tmp_path: Path) -> None:
    """The attached file and the merged-away id go with the account; the summary says so, not only accounts and
    sources."""
    kept = cli("add", "--no-input", "--name", "Survivor Example").stdout.strip()
    merged = cli("add", "--no-input", "--name", "Merged Example").stdout.strip()
    source = cli("source", "add", "--title", "A letter only they cite").stdout.strip()
    assert cli("source", "link", kept, source, "--role", "primary").exit_code == 0
    scan = tmp_path / "scan.jpg"
    scan.write_bytes(b"\xff\xd8\xff\xe0 an invented scan \xff\xd9")
    assert cli("source", "attach", source, str(scan)).exit_code == 0
    assert cli("merge", kept, merged).exit_code == 0  # `merged` now leads to `kept`: a merged-id redirect
    result = cli("purge", kept, "--yes")
    assert (result.exit_code, result.stdout) == (0, "")
    summary = result.stderr.splitlines()[0]
    assert summary.startswith(
        "2 accounts, 1 source, 1 artifact and 1 merged-id redirect purged; "
        "1 of the accounts had been merged into the others; "
    ), summary
    assert summary.endswith("audit entries cleared")
    conn = sqlite3.connect(db)
    for table in ("accounts", "sources", "artifacts", "captures", "account_redirects"):
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
    conn.close()
