"""An id merged away by `casefile merge` never acts on the account it was merged into.

Commands that change or remove records refuse a merged-away id (exit 2, naming the survivor); reading
commands follow it and say so on stderr. `purge` of the survivor removes every account merged into it, with
their parts, redirects and audit before-images (checked over the raw bytes of the file); `purge` of a
merged-away id explains where its data went."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from conftest import dump, dump_data

CANARY_A = "zqkeepa41c9e"  # one token, lower case: a full-text index stores it as it is
CANARY_B = "zqgoneb83d2f"
CANARY_C = "zqgonec05e7a"


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def add(cli, name: str, *args: str) -> str:
    return ok(cli("add", "--no-input", "--name", name, *args)).stdout.strip()


def day(db: Path, old_id: str) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("SELECT created_at FROM account_redirects WHERE old_id = ?", (old_id,)).fetchone()[0])[
            :10
        ]
    finally:
        conn.close()


@pytest.fixture
def merged(cli, db: Path) -> tuple[str, str]:
    """Account A (kept) and account B (merged into A), each with an event, a quote and a source."""
    a = add(cli, "Keeper Person", "--summary", "kept summary", "--tag", "a-tag")
    b = add(cli, "Gone Person", "--summary", "gone summary", "--tag", "b-tag")
    ok(cli("event", "add", b, "--type", "left", "--date", "2001", "--description", "crossed over"))
    ok(cli("merge", a, b))
    return a, b


def test_delete_of_a_merged_away_id_refuses_and_keeps_the_survivor(cli, db: Path, merged) -> None:
    a, b = merged
    before = dump(db)
    result = cli("delete", b, "--yes")
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: account {b} was merged into {a} on {day(db, b)}; name {a}"
    assert dump(db) == before
    assert [r["id"] for r in json.loads(ok(cli("list", "--format", "json")).stdout)] == [a]


@pytest.mark.parametrize(
    "args",
    [
        ["delete", "{b}", "--yes"],
        ["restore", "{b}"],
        ["edit", "{b}", "--set", "summary=changed"],
        ["edit", "{b}", "--no-input"],
        ["event", "add", "{b}", "--type", "testified", "--description", "later"],
        ["quote", "add", "{b}", "--text", "words"],
        ["source", "link", "{b}", "{source}"],
        ["check", "--ignore", "no-source", "--account", "{b}", "--note", "seen"],
        ["merge", "{b}", "{c}"],
        ["merge", "{c}", "{b}"],
        ["purge", "{b}", "--yes"],
        ["purge", "{c}", "{b}", "--yes"],
    ],
)
def test_every_write_refuses_a_merged_away_id(cli, db: Path, merged, args: list[str]) -> None:
    a, b = merged
    c = add(cli, "Third Person")
    source = ok(cli("source", "add", "--title", "A source")).stdout.strip()
    before = dump(db)
    for ref in (b, b[:7]):  # the full id and a prefix of it alike
        result = cli(*(arg.format(a=a, b=ref, c=c, source=source) for arg in args))
        assert result.exit_code == 2, result.stderr
        assert f"account {b} was merged into {a} on {day(db, b)};" in result.stderr
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
        assert dump(db) == before


def test_the_external_id_of_a_merged_away_account_is_refused_too(cli, db: Path) -> None:
    a = ok(cli("add", "--no-input", "--name", "Keeper", "--external-id", "EXT-A")).stdout.strip()
    b = ok(cli("add", "--no-input", "--name", "Gone", "--external-id", "EXT-B")).stdout.strip()
    ok(cli("merge", "EXT-A", "EXT-B"))
    before = dump(db)
    result = cli("delete", "EXT-B", "--yes")
    assert result.exit_code == 2 and f"account {b} was merged into {a}" in result.stderr
    assert dump(db) == before


def test_reading_commands_follow_and_say_so(cli, db: Path, merged) -> None:
    a, b = merged
    notice = f"account {b} was merged into {a} on {day(db, b)}; showing {a}"
    result = ok(cli("show", b, "--format", "json"))
    assert json.loads(result.stdout)["id"] == a
    assert result.stderr.strip() == notice
    result = ok(cli("timeline", b, "--format", "json"))
    assert [r["account"] for r in json.loads(result.stdout)] == [a]
    assert result.stderr.strip().splitlines()[0] == notice
    # history of B is B's own record (its creation, the merge that deleted it), and says where it went
    result = ok(cli("history", b, "--format", "json"))
    assert {r["id"] for r in json.loads(result.stdout)} == {b}
    assert [r["action"] for r in json.loads(result.stdout)] == ["create", "update", "delete"]
    assert f"account {b} was merged into {a} on {day(db, b)}; `casefile history {a}`" in result.stderr
    # an id that was never merged says nothing
    assert ok(cli("show", a)).stderr == ""


def test_a_chain_of_merges_names_the_last_survivor(cli, db: Path) -> None:
    a, b, c = add(cli, "A"), add(cli, "B"), add(cli, "C")
    ok(cli("merge", b, c))
    ok(cli("merge", a, b))
    result = cli("delete", c, "--yes")
    assert result.exit_code == 2
    assert f"account {c} was merged into {b} on {day(db, c)}, and {b} into {a} on {day(db, b)}; name {a}" in (
        result.stderr
    )
    assert json.loads(ok(cli("show", c, "--format", "json")).stdout)["id"] == a


def test_undo_of_a_merge_gives_the_id_back(cli, db: Path) -> None:
    a = add(cli, "Keeper Person", "--summary", "kept summary")
    b = add(cli, "Gone Person", "--summary", "gone summary")
    before = dump_data(db)
    ok(cli("merge", a, b))
    ok(cli("undo"))
    assert dump_data(db) == before  # the redirect is gone and B is as it was
    result = ok(cli("show", b, "--format", "json"))
    assert json.loads(result.stdout)["id"] == b and result.stderr == ""
    ok(cli("delete", b, "--yes"))  # B is its own account again
    assert [r["id"] for r in json.loads(ok(cli("list", "--format", "json")).stdout)] == [a]


# -------------------------------------------------------------------------------------------------- purge


def file_bytes(db: Path) -> bytes:
    """The database file and any journal, WAL or shared-memory file beside it."""
    return b"".join(p.read_bytes() for p in sorted(db.parent.glob(db.name + "*")) if p.is_file())


def canary_account(cli, tmp_path: Path, key: str, canary: str, confidentiality: str) -> str:
    record = {
        "external_id": key,
        "name": f"Name {canary}",
        "aliases": [f"alias {canary}"],
        "summary": f"Testimony {canary} " + "long text " * 400,  # spills onto an overflow page
        "confidentiality": confidentiality,
        "left": "2001",
        "left_note": f"note {canary}",
        "sources": [{"title": f"Interview {canary}", "url": f"https://example.org/{canary}", "role": "primary"}],
        "events": [{"type": "left", "date": "2001", "description": f"event {canary}"}],
        "quotes": [{"text": f"quote {canary}", "translation": f"translated {canary}"}],
    }
    path = tmp_path / f"{key}.json"
    path.write_text(json.dumps([record]))
    ok(cli("import", path))
    ok(cli("edit", key, "--set", f"role=role {canary}"))
    ok(cli("edit", key, "--set", "summary=shorter now"))  # the long one stays in the audit log's before-image
    return str(json.loads(ok(cli("show", key, "--format", "json")).stdout)["id"])


def raw_counts(db: Path, *ids: str) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        marks = ", ".join("?" for _ in ids)
        return {
            "accounts": conn.execute(f"SELECT count(*) FROM accounts WHERE id IN ({marks})", ids).fetchone()[0],
            "redirects": conn.execute(
                f"SELECT count(*) FROM account_redirects WHERE old_id IN ({marks}) OR new_id IN ({marks})", ids * 2
            ).fetchone()[0],
            "images": conn.execute(
                f"SELECT count(*) FROM audit_log WHERE record_id IN ({marks}) AND (before IS NOT NULL OR diff IS NOT "
                "NULL)",
                ids,
            ).fetchone()[0],
        }
    finally:
        conn.close()


@pytest.mark.parametrize("named", [["A"], ["A", "B"], ["B", "A"]])
def test_purge_of_the_survivor_removes_what_was_merged_into_it(cli, db: Path, tmp_path: Path, named) -> None:
    a = canary_account(cli, tmp_path, "A", CANARY_A, "public")
    b = canary_account(cli, tmp_path, "B", CANARY_B, "restricted")
    c = canary_account(cli, tmp_path, "C", CANARY_C, "internal")
    other = add(cli, "Bystander", "--summary", "stays")
    ok(cli("merge", b, c))  # C into B, then B into A: purging A must walk the chain back
    ok(cli("merge", a, b))
    for canary in (CANARY_A, CANARY_B, CANARY_C):
        assert canary[2:].encode() in file_bytes(db)
    refs = {"A": a, "B": b}
    result = cli("purge", *(refs[n] for n in named), "--yes")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith(
        "3 accounts, 3 sources and 2 merged-id redirects purged; 2 of the accounts had been merged into the others; "
    )
    for canary in (CANARY_A, CANARY_B, CANARY_C):
        assert canary[2:].encode() not in file_bytes(db), canary
    assert raw_counts(db, a, b, c) == {"accounts": 0, "redirects": 0, "images": 0}
    assert sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert [r["id"] for r in json.loads(ok(cli("list", "--format", "json", "--include-deleted")).stdout)] == [other]
    for gone in (a, b, c):
        assert cli("show", gone).exit_code == 1


def test_purge_of_a_merged_away_id_says_where_its_data_went(cli, db: Path, merged) -> None:
    a, b = merged
    before = dump(db)
    for _ in range(2):  # asked twice, the answer is the same: never "0 purged", exit 0
        result = cli("purge", b, "--yes")
        assert result.exit_code == 2
        assert f"account {b} was merged into {a} on {day(db, b)}; its data is part of {a} now" in result.stderr
        assert f"casefile purge {a}" in result.stderr
        assert dump(db) == before


def test_purge_of_what_a_survivor_already_purged_left_behind(cli, db: Path, merged) -> None:
    """A database where the survivor is gone but the merged-away row stayed (as an older casefile's `purge B`
    left it): purging B removes that row and its redirect."""
    a, b = merged
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("DELETE FROM accounts WHERE id = ?", (a,))
    conn.commit()
    conn.close()
    result = cli("delete", b, "--yes")
    assert result.exit_code == 2 and f"{a} was purged since; `casefile purge {b}`" in result.stderr
    result = cli("purge", b, "--yes")
    assert result.exit_code == 0 and "1 account " in result.stderr
    assert raw_counts(db, b) == {"accounts": 0, "redirects": 0, "images": 0}
    assert raw_counts(db, a)["redirects"] == 0


def test_purge_names_the_backups_that_still_hold_the_record(cli, db: Path, tmp_path: Path, merged) -> None:
    a, _b = merged
    ok(cli("backup", tmp_path / "copy.db"))
    ok(cli("restore-backup", tmp_path / "copy.db", "--yes"))
    kept = sorted(db.parent.glob(db.name + ".bak-*"))
    assert len(kept) == 1
    result = ok(cli("purge", a, "--yes"))
    assert str(kept[0]) in result.stderr
    assert "`casefile backup`" in result.stderr  # copies made elsewhere are named as a kind: casefile keeps no list
    assert kept[0].exists() and (tmp_path / "copy.db").exists()  # purge deletes no backup by itself
    assert result.stdout == ""


def test_purge_without_backups_beside_the_database_still_warns_about_copies(cli, db: Path) -> None:
    a = add(cli, "Someone")
    result = ok(cli("purge", a, "--yes"))
    assert ".bak-" not in result.stderr and "`casefile backup`" in result.stderr


def test_dupes_never_suggests_a_merged_away_account(cli, db: Path) -> None:
    a = add(cli, "Hassan Shahbazi")
    b = add(cli, "Hasan Shahbazi")
    c = add(cli, "Hassan Shahbazy")
    ok(cli("merge", a, b))
    for args in ([], ["--include-deleted"]):
        pairs = json.loads(ok(cli("dupes", "--format", "json", *args)).stdout)
        assert [sorted((p["a"], p["b"])) for p in pairs] == [sorted((a, c))]


def test_a_bulk_edit_leaves_merged_away_accounts_alone(cli, db: Path) -> None:
    a, b = add(cli, "Keeper", "--tag", "t"), add(cli, "Gone", "--tag", "t")
    ok(cli("merge", a, b))
    result = ok(cli("edit", "--include-deleted", "--tag", "t", "--add-tag", "y", "--yes"))
    assert "1 of 1 account would change" in result.stderr
    conn = sqlite3.connect(db)
    tags = dict(conn.execute("SELECT id, tags FROM accounts").fetchall())
    conn.close()
    assert json.loads(tags[a]) == ["t", "y"] and json.loads(tags[b]) == ["t"]


def test_purge_all_deleted_removes_the_row_a_merge_left_and_keeps_the_redirect(cli, db: Path, merged) -> None:
    a, b = merged
    result = ok(cli("purge", "--all-deleted", "--yes"))
    assert "1 account " in result.stderr
    assert raw_counts(db, b)["accounts"] == 0 and raw_counts(db, a)["accounts"] == 1
    result = ok(cli("show", b, "--format", "json"))  # B's id goes on naming what it became
    assert json.loads(result.stdout)["id"] == a and f"showing {a}" in result.stderr
    result = ok(cli("purge", a, "--yes"))  # and purging the survivor takes the redirect too
    assert raw_counts(db, a, b) == {"accounts": 0, "redirects": 0, "images": 0}
