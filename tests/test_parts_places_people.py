"""Places, people and source links are parts like events and quotes (issue 19, item 7): `place|person|source-link
list/edit/remove` by their short id, checked like `add`, audited and undoable; their ids stay the same while the
account is rewritten, and every part kind shows its ids in `show`."""

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
    ok(cli("edit", account, "--set", "source_title=A letter"))
    record = shown(cli, account)
    plain = ok(cli("show", account)).stdout
    for name, ids in (
        ("event", [e["id"] for e in record["events"]]),
        ("quote", [q["id"] for q in record["quotes"]]),
        ("reason", [c["id"] for c in record["codes"] if c["field"] == "reasons"]),
        ("allegation", [c["id"] for c in record["codes"] if c["field"] == "allegations"]),
        ("place", [p["id"] for p in record["places"]]),
        ("person", [p["id"] for p in record["people"]]),
        ("source-link", [s["link"] for s in record["sources"]]),
    ):
        assert ids and all(PART_ID.match(i) and i in plain for i in ids), name
        listed = json.loads(ok(cli(name, "list", account, "--format", "json")).stdout)
        assert [r["link" if name == "source-link" else "id"] for r in listed] == ids, name
        for command in ("edit", "remove"):
            assert ok(cli(name, command, "--help")).exit_code == 0


def test_source_links_have_ids_and_edit_remove_leave_the_shared_source(cli, account: str, db: Path, tmp_path) -> None:
    ok(cli("edit", account, "--set", "source_title=The letter", "--set", "source_date=2017-03-03"))
    source = ok(cli("source", "add", "--title", "A news report", "--date", "2017-04-01")).stdout.strip()
    ok(cli("source", "link", account, source, "--role", "corroborating"))
    other = ok(cli("add", "--no-input", "--name", "Other", "--source-title", "A news report")).stdout.strip()
    links = json.loads(ok(cli("source-link", "list", account, "--format", "json")).stdout)
    assert [(r["title"], r["role"]) for r in links] == [("The letter", "primary"), ("A news report", "corroborating")]
    primary, second = links[0]["link"], links[1]["link"]
    assert PART_ID.match(primary) and PART_ID.match(second) and primary != second
    before = dump_data(db)
    bad = cli("source-link", "edit", second, "--reliability", "Z")
    assert bad.exit_code == 1 and "--reliability" in bad.stderr and dump_data(db) == before
    assert cli("source-link", "edit", second, "--title", "x").exit_code == 2  # the source's own: `source edit`
    ok(cli("source-link", "edit", second, "--reliability", "B", "--locator", "paragraph 4"))
    record = shown(cli, account)
    assert [(s["link"], s["reliability"], s["locator"]) for s in record["sources"]] == [
        (primary, None, None),
        (second, "B", "paragraph 4"),
    ]
    ok(cli("source-link", "remove", second))
    assert [s["link"] for s in shown(cli, account)["sources"]] == [primary]
    assert shown(cli, other)["sources"][0]["title"] == "A news report"  # the shared source stays for the other
    ok(cli("undo"))
    ok(cli("undo"))
    assert dump_data(db) == before
    out = tmp_path / "all.json"
    ok(cli("export", "--format", "json", "-o", out))
    copy = tmp_path / "copy.db"
    ok(cli("--db", copy, "import", out))
    assert json.loads(ok(cli("--db", copy, "show", account, "--format", "json")).stdout) == shown(cli, account)
