"""Parts that can be corrected one by one (issue 19, item 7): events, quotes, reasons and allegations each have a
short stable id, shown by `show` and kept through export and import, and `casefile event|quote|… list/edit/
remove` change one of them, validated like `add`, audited and undoable."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from conftest import dump_data

PART_ID = re.compile(r"^[0-9a-f]{8}$")


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def shown(cli, account: str) -> dict:
    return json.loads(ok(cli("show", account, "--format", "json")).stdout)


@pytest.fixture
def account(cli) -> str:
    account_id = ok(cli("add", "--no-input", "--name", "Test Person", "--org", "Group")).stdout.strip()
    ok(cli("event", "add", account_id, "--type", "recruited", "--date", "1990", "--place", "Baghdad"))
    ok(cli("event", "add", account_id, "--type", "left", "--date", "2016"))
    ok(cli("quote", "add", account_id, "--text", "I could not see any future", "--speaker", "the defector"))
    return account_id


def test_events_and_quotes_have_short_stable_ids_in_show_and_json(cli, account: str, tmp_path: Path) -> None:
    record = shown(cli, account)
    ids = [e["id"] for e in record["events"]] + [q["id"] for q in record["quotes"]]
    assert all(PART_ID.match(i) for i in ids) and len(set(ids)) == 3
    plain = ok(cli("show", account)).stdout
    assert all(i in plain for i in ids)
    ok(cli("event", "add", account, "--type", "announced"))  # rewriting the list keeps the ids it had
    again = shown(cli, account)
    assert [e["id"] for e in again["events"]][:2] == ids[:2] and again["quotes"][0]["id"] == ids[2]
    out = tmp_path / "all.json"
    ok(cli("export", "--format", "json", "-o", out))
    other = tmp_path / "other.db"
    ok(cli("--db", other, "import", out))
    assert json.loads(ok(cli("--db", other, "show", account, "--format", "json")).stdout) == again


def test_event_list_edit_remove_are_validated_audited_and_undoable(cli, account: str, db: Path) -> None:
    rows = json.loads(ok(cli("event", "list", account, "--format", "json")).stdout)
    assert [(r["type"], r["date"], r["place"]) for r in rows] == [
        ("recruited", "1990", "Baghdad"),
        ("left", "2016", None),
    ]
    first, second = rows[0]["id"], rows[1]["id"]
    before = dump_data(db)

    bad = cli("event", "edit", first, "--date", "1990-13-45")
    assert bad.exit_code == 1 and "date" in bad.stderr and dump_data(db) == before
    bad = cli("event", "edit", first, "--type", "no_such_type")
    assert bad.exit_code == 1 and "type" in bad.stderr and dump_data(db) == before
    assert cli("event", "edit", "deadbeef", "--place", "x").exit_code == 1

    ok(cli("event", "edit", first, "--place", "Ashraf", "--date", "1991"))
    events = shown(cli, account)["events"]
    assert (events[0]["id"], events[0]["place"], events[0]["date"], events[0]["date_edtf"]) == (
        first,
        "Ashraf",
        "1991",
        "1991",
    )
    ok(cli("event", "remove", second))
    assert [e["id"] for e in shown(cli, account)["events"]] == [first]
    history = json.loads(ok(cli("history", account, "--format", "json")).stdout)
    assert len(history) >= 2
    ok(cli("undo"))
    ok(cli("undo"))
    assert dump_data(db) == before


def test_quote_edit_and_remove(cli, account: str) -> None:
    (row,) = json.loads(ok(cli("quote", "list", account, "--format", "json")).stdout)
    ok(cli("quote", "edit", row["id"], "--translation", "(English original)", "--speaker", ""))
    (quote,) = shown(cli, account)["quotes"]
    assert quote["id"] == row["id"] and quote["speaker"] is None and quote["translation"] == "(English original)"
    assert quote["text"] == "I could not see any future"
    assert cli("quote", "edit", row["id"], "--text", "").exit_code == 1  # a quote needs its text, as in add
    ok(cli("quote", "remove", row["id"]))
    assert shown(cli, account)["quotes"] == []


def test_a_part_of_a_merged_away_account_is_edited_on_the_survivor(cli, account: str) -> None:
    other = ok(cli("add", "--no-input", "--name", "Test Person", "--org", "Group")).stdout.strip()
    ok(cli("event", "add", other, "--type", "captured", "--date", "1986"))
    (captured,) = shown(cli, other)["events"]
    ok(cli("merge", account, other))
    kept = shown(cli, account)["events"]
    assert captured["id"] in [e["id"] for e in kept]  # ids are kept through a merge
    ok(cli("event", "edit", captured["id"], "--place", "Basra"))
    assert [e["place"] for e in shown(cli, account)["events"] if e["id"] == captured["id"]] == ["Basra"]
    assert cli("event", "list", other).exit_code == 0  # reading follows the merge


def test_an_older_database_gets_ids_for_its_parts(db: Path) -> None:
    from casefile.store import Store

    Store.open(db, create=True).close()
    conn = sqlite3.connect(db)
    conn.executescript(  # the file as the previous casefile left it: parts without ids, the step not applied
        "DROP INDEX idx_events_id; DROP INDEX idx_quotes_id; ALTER TABLE events DROP COLUMN id;"
        "ALTER TABLE quotes DROP COLUMN id; DELETE FROM _sqlite_migrations WHERE name = 'm013_part_ids';"
        "INSERT INTO accounts (id, confidentiality, created_at, updated_at) VALUES ('0123456789abcdef', 'internal', "
        "'2026-01-01', '2026-01-01');"
        "INSERT INTO events (account_rowid, position, type) VALUES (1, 0, 'left'), (1, 1, 'joined');"
        "INSERT INTO quotes (account_rowid, position, text) VALUES (1, 0, 'words');"
    )
    conn.commit()
    conn.close()
    Store.open(db).close()
    conn = sqlite3.connect(db)
    ids = [r[0] for r in conn.execute("SELECT id FROM events UNION ALL SELECT id FROM quotes")]
    conn.close()
    assert len(ids) == 3 and len(set(ids)) == 3 and all(PART_ID.match(i) for i in ids)


def test_reasons_and_allegations_have_ids_and_are_edited_one_by_one(cli, db: Path, tmp_path: Path) -> None:
    account = ok(
        cli(
            "add",
            "--no-input",
            "--name",
            "R",
            "--reason",
            "no_future",
            "--reason",
            "burnout",
            "--allegation",
            "psychological_abuse",
        )
    ).stdout.strip()
    rows = json.loads(ok(cli("reason", "list", account, "--format", "json")).stdout)
    assert [(r["code"], r["group"]) for r in rows] == [("no_future", "push"), ("burnout", "push")]
    assert all(PART_ID.match(r["id"]) for r in rows)
    (alleged,) = json.loads(ok(cli("allegation", "list", account, "--format", "json")).stdout)
    before = dump_data(db)
    assert cli("reason", "edit", rows[1]["id"], "--code", "no_such_code").exit_code == 1
    assert dump_data(db) == before
    ok(cli("reason", "edit", rows[1]["id"], "--code", "family_reunion"))
    record = shown(cli, account)
    assert record["reasons"] == ["no_future", "family_reunion"]
    assert [c["id"] for c in record["codes"]] == [rows[0]["id"], rows[1]["id"], alleged["id"]]
    ok(cli("allegation", "remove", alleged["id"]))
    assert shown(cli, account)["allegations"] == []
    stats = json.loads(ok(cli("stats", "--by", "reason_factor", "--format", "json")).stdout)["rows"]
    assert {r["reason_factor"]: r["accounts"] for r in stats} == {"push": 1, "pull": 1}
    ok(cli("undo"))
    ok(cli("undo"))
    assert dump_data(db) == before
    out = tmp_path / "a.json"
    ok(cli("export", "--format", "json", "-o", out))
    ok(cli("--db", tmp_path / "b.db", "import", out))
    assert json.loads(ok(cli("--db", tmp_path / "b.db", "show", account, "--format", "json")).stdout) == shown(
        cli, account
    )


def test_join_reasons_and_barriers_are_coded_apart_and_counted(cli) -> None:
    vocab = json.loads(ok(cli("vocab", "--format", "json")).stdout)
    names = {r["vocabulary"] for r in vocab}
    assert {"join_reason", "barrier"} <= names
    assert "family_inside" in {r["code"] for r in vocab if r["vocabulary"] == "barrier"}
    ok(
        cli(
            "add",
            "--no-input",
            "--name",
            "A",
            "--reason",
            "no_future",
            "--join-reason",
            "recruited_in_captivity",
            "--barrier",
            "fear_of_reprisal",
            "--barrier",
            "family_inside",
        )
    )
    ok(cli("add", "--no-input", "--name", "B", "--barrier", "fear_of_reprisal"))
    assert cli("add", "--no-input", "--name", "C", "--barrier", "no_future").exit_code == 1  # a reason, not a barrier
    by = json.loads(ok(cli("stats", "--by", "barrier", "--format", "json")).stdout)
    assert {r["barrier"]: r["accounts"] for r in by["rows"]} == {"fear_of_reprisal": 2, "family_inside": 1}
    by = json.loads(ok(cli("stats", "--by", "join_reason", "--format", "json")).stdout)
    assert {r["join_reason"]: r["accounts"] for r in by["rows"]} == {"recruited_in_captivity": 1, None: 1}
    reasons = json.loads(ok(cli("stats", "--by", "reason", "--format", "json")).stdout)
    assert {r["reason"]: r["accounts"] for r in reasons["rows"]} == {"no_future": 1, None: 1}  # barriers: not reasons
    (a,) = [r for r in json.loads(ok(cli("list", "--format", "json")).stdout) if r["name"] == "A"]
    assert a["join_reasons"] == ["recruited_in_captivity"] and a["barriers"] == ["fear_of_reprisal", "family_inside"]


def test_a_quote_supports_a_reason_and_is_relayed(cli) -> None:
    account = ok(cli("add", "--no-input", "--name", "Q", "--barrier", "family_inside")).stdout.strip()
    (barrier,) = json.loads(ok(cli("barrier", "list", account, "--format", "json")).stdout)
    bad = cli("quote", "add", account, "--text", "My wife is still there", "--supports", "0000ffff")
    assert bad.exit_code == 1 and "--supports" in bad.stderr
    ok(
        cli(
            "quote",
            "add",
            account,
            "--text",
            "My wife is still there",
            "--supports",
            barrier["id"],
            "--relayed-via",
            "VOA",
        )
    )
    (quote,) = shown(cli, account)["quotes"]
    assert (quote["supports"], quote["relayed_via"]) == (barrier["id"], "VOA")
