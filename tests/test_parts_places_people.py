"""Places and people are parts like events and quotes (issue 19, item 7): `place|person list/edit/remove` by their
short id, checked like `add`, audited and undoable; their ids stay the same while the account is rewritten, and
every part kind shows its ids in `show`."""

from __future__ import annotations

import json
import re
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
    ok(cli("place", "add", account_id, "--role", "held", "--name", "Camp One", "--country", "Iraq", "--since", "1986"))
    ok(cli("place", "add", account_id, "--role", "origin", "--name", "Tabriz", "--country", "IR"))
    ok(cli("person", "add", account_id, "--name", "Commander K.", "--relation", "recruiter"))
    ok(cli("person", "add", account_id, "--name", "Reza", "--relation", "brother"))
    return account_id


def test_place_edit_and_remove_are_checked_audited_and_undoable(cli, account: str, db: Path) -> None:
    rows = json.loads(ok(cli("place", "list", account, "--format", "json")).stdout)
    assert [(r["role"], r["name"]) for r in rows] == [("held", "Camp One"), ("origin", "Tabriz")]
    first, second = rows[0]["id"], rows[1]["id"]
    assert PART_ID.match(first) and PART_ID.match(second)
    before = dump_data(db)
    bad = cli("place", "edit", first, "--since", "the 32nd of Smarch")
    assert bad.exit_code == 1 and "--since" in bad.stderr and dump_data(db) == before
    bad = cli("place", "edit", first, "--role", "nowhere")
    assert bad.exit_code == 1 and "--role" in bad.stderr and dump_data(db) == before
    result = ok(cli("place", "edit", first[:6], "--until", "2012", "--country", "IQ"))
    assert result.stdout == "" and first in result.stderr
    places = shown(cli, account)["places"]
    assert [(p["id"], p["country_code"], p["until"]) for p in places] == [(first, "IQ", "2012"), (second, "IR", None)]
    ok(cli("place", "remove", second))
    assert [p["id"] for p in shown(cli, account)["places"]] == [first]
    ok(cli("undo"))
    ok(cli("undo"))
    assert dump_data(db) == before


def test_person_edit_and_remove_are_checked_audited_and_undoable(cli, account: str, db: Path) -> None:
    other = ok(cli("add", "--no-input", "--name", "Reza R.")).stdout.strip()
    rows = json.loads(ok(cli("person", "list", account, "--format", "json")).stdout)
    recruiter, brother = rows[0]["id"], rows[1]["id"]
    before = dump_data(db)
    bad = cli("person", "edit", brother, "--relation", "nobody-knows")
    assert bad.exit_code == 1 and "--relation" in bad.stderr and dump_data(db) == before
    ok(cli("person", "edit", brother, "--account", other[:8], "--note", "his own account"))
    people = shown(cli, account)["people"]
    assert [(p["id"], p["account"], p["note"]) for p in people] == [
        (recruiter, None, None),
        (brother, other, "his own account"),
    ]
    ok(cli("person", "remove", recruiter))
    assert [p["id"] for p in shown(cli, account)["people"]] == [brother]
    ok(cli("undo"))
    ok(cli("undo"))
    assert dump_data(db) == before


def test_ids_of_places_and_people_stay_while_the_account_is_rewritten(cli, account: str) -> None:
    record = shown(cli, account)
    ids = [p["id"] for p in record["places"]] + [p["id"] for p in record["people"]]
    ok(cli("edit", account, "--set", "role=member"))
    ok(cli("event", "add", account, "--type", "left", "--date", "2016"))
    again = shown(cli, account)
    assert [p["id"] for p in again["places"]] + [p["id"] for p in again["people"]] == ids


def test_every_part_kind_has_list_edit_remove_and_its_ids_in_show(cli, account: str) -> None:
    ok(cli("event", "add", account, "--type", "recruited", "--date", "1990"))
    ok(cli("quote", "add", account, "--text", "I could not see any future"))
    ok(cli("edit", account, "--set", "reasons=no_future", "--set", "allegations=psychological_abuse"))
    record = shown(cli, account)
    plain = ok(cli("show", account)).stdout
    for name, ids in (
        ("event", [e["id"] for e in record["events"]]),
        ("quote", [q["id"] for q in record["quotes"]]),
        ("reason", [c["id"] for c in record["codes"] if c["field"] == "reasons"]),
        ("allegation", [c["id"] for c in record["codes"] if c["field"] == "allegations"]),
        ("place", [p["id"] for p in record["places"]]),
        ("person", [p["id"] for p in record["people"]]),
    ):
        assert ids and all(PART_ID.match(i) and i in plain for i in ids), name
        listed = json.loads(ok(cli(name, "list", account, "--format", "json")).stdout)
        assert [r["id"] for r in listed] == ids, name
        for command in ("edit", "remove"):
            assert ok(cli(name, command, "--help")).exit_code == 0
