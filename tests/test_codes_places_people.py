"""Codes for free-text categories (issue 18, item 8), places (issue 19, item 4) and people mentioned (issue 19,
item 5): what a user notices through the CLI - counts, exports, the timeline, publish and redaction."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from casefile.store import Store


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def add(cli, name: str, *args: str) -> str:
    ok(cli("add", "--no-input", "--name", name, *args))
    return json.loads(ok(cli("list", "--format", "json")).stdout)[-1]["id"]


def stats(cli, *by: str) -> dict:
    return json.loads(ok(cli("stats", *(a for b in by for a in ("--by", b)), "--format", "json")).stdout)


def exported(cli, *args: str) -> list[dict]:
    return json.loads(ok(cli("export", "--format", "json", *args)).stdout)


# ------------------------------------------------------------------------------------------------- codes


def test_nationality_spellings_count_as_one_country_with_its_name(cli) -> None:
    for n, written in enumerate(["IR", "ir", "Iran", "Iranian", "Islamic Republic of Iran", "DPRK", "North Korean"]):
        add(cli, f"P{n}", "--nationality", written)
    body = stats(cli, "nationality")
    assert body["rows"] == [
        {"nationality": "IR", "nationality_name": "Iran", "accounts": 5},
        {"nationality": "KP", "nationality_name": "North Korea", "accounts": 2},
    ]
    rows = exported(cli)
    assert [(r["nationality"], r["nationality_code"]) for r in rows][:4] == [
        ("IR", "IR"),
        ("ir", "IR"),
        ("Iran", "IR"),
        ("Iranian", "IR"),
    ]  # what was written is kept beside the code


def test_gender_words_count_as_one_code(cli) -> None:
    for n, written in enumerate(["F", "female", "woman", "M", "Male"]):
        add(cli, f"P{n}", "--gender", written)
    rows = stats(cli, "gender")["rows"]
    assert [(r["gender"], r["accounts"]) for r in rows] == [("female", 3), ("male", 2)]


def test_an_unknown_nationality_is_kept_as_written_and_check_names_it(cli) -> None:
    account = add(cli, "Unknown", "--nationality", "Atlantean")
    (row,) = exported(cli)
    assert row["nationality"] == "Atlantean" and row["nationality_code"] is None
    assert stats(cli, "nationality")["rows"] == [{"nationality": "Atlantean", "nationality_name": None, "accounts": 1}]
    found = json.loads(cli("check", "--format", "json").stdout)
    assert [(f["account"], f["field"]) for f in found if f["rule"] == "uncoded"] == [(account, "nationality")]


def test_a_given_code_that_contradicts_the_written_value_is_refused(cli, tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps([{"name": "X", "nationality": "Iranian", "nationality_code": "IQ"}]))
    result = cli("import", path)
    assert result.exit_code == 1 and "nationality_code" in result.stderr and "does not match" in result.stderr
    assert exported(cli) == []


def test_csv_and_json_round_trips_keep_codes_byte_identical(cli, tmp_path: Path) -> None:
    account = add(cli, "Round", "--nationality", "Iranian", "--gender", "woman")
    ok(cli("place", "add", account, "--role", "held", "--name", "Camp Ashraf", "--country", "Iraq", "--since", "1986"))
    ok(cli("person", "add", account, "--name", "Maryam", "--relation", "sister"))
    for fmt in ("csv", "json"):
        first = ok(cli("export", "--format", fmt)).stdout
        path = tmp_path / f"x.{fmt}"
        path.write_text(first, encoding="utf-8")
        ok(cli("import", path))
        assert ok(cli("export", "--format", fmt)).stdout == first


def test_the_migration_codes_existing_rows_and_keeps_what_was_written(db: Path) -> None:
    Store.open(db, create=True).close()
    conn = sqlite3.connect(db)
    conn.executescript(  # the file as the previous casefile left it
        "DROP TABLE places; DROP TABLE people; ALTER TABLE accounts DROP COLUMN nationality_code; "
        "ALTER TABLE accounts DROP COLUMN gender_code; DELETE FROM _sqlite_migrations WHERE name LIKE 'm012%';"
        "INSERT INTO accounts (id, name, nationality, gender, created_at, updated_at) VALUES "
        "('0123456789abcdef', 'Old', 'Iranian', 'F', 'x', 'x');"
    )
    conn.commit()
    conn.close()
    Store.open(db).close()
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT nationality, nationality_code, gender, gender_code FROM accounts").fetchall() == [
        ("Iranian", "IR", "F", "female")
    ]
    conn.close()


# ------------------------------------------------------------------------------------------------ places


def test_places_are_added_listed_shown_counted_and_on_the_timeline(cli) -> None:
    account = add(cli, "Hassan")
    ok(cli("place", "add", account, "--role", "origin", "--name", "Tabriz", "--country", "Iranian"))
    ok(
        cli(
            "place", "add", account, "--role", "held", "--name", "Camp Ashraf", "--country", "IQ",
            "--since", "1986", "--until", "2012",
        )
    )  # fmt: skip
    places = json.loads(ok(cli("place", "list", account, "--format", "json")).stdout)
    assert [(p["role"], p["name"], p["country"], p["country_code"]) for p in places] == [
        ("origin", "Tabriz", "Iranian", "IR"),
        ("held", "Camp Ashraf", "IQ", "IQ"),
    ]
    assert all(len(p["id"]) == 8 for p in places) and places[0]["id"] != places[1]["id"]
    assert places[1]["since_min"] == "1986-01-01" and places[1]["until_max"] == "2012-12-31"
    shown = ok(cli("show", account)).stdout
    assert "Camp Ashraf" in shown and "held" in shown
    by_country = stats(cli, "country")["rows"]
    assert {(r["country"], r["accounts"]) for r in by_country} == {("IR", 1), ("IQ", 1)}
    assert {(r["place_role"], r["accounts"]) for r in stats(cli, "place_role")["rows"]} == {("origin", 1), ("held", 1)}
    timeline = json.loads(ok(cli("timeline", "--format", "json")).stdout)
    assert [(r["field"], r["place"], r["when"]) for r in timeline if r["field"] == "places"] == [
        ("places", "Camp Ashraf", "1986–2012")
    ]
    ((row,),) = [exported(cli)]
    assert [p["name"] for p in row["places"]] == ["Tabriz", "Camp Ashraf"]
    markdown = ok(cli("export", "--format", "md")).stdout
    assert "### Places" in markdown and "Camp Ashraf" in markdown


def test_a_place_role_outside_the_vocabulary_is_refused_and_nothing_written(cli) -> None:
    account = add(cli, "Hassan")
    result = cli("place", "add", account, "--role", "prison", "--name", "Evin")
    assert result.exit_code == 1 and "role" in result.stderr and "Evin" not in result.stderr
    assert exported(cli)[0]["places"] == []


def test_places_are_undoable(cli) -> None:
    account = add(cli, "Hassan")
    ok(cli("place", "add", account, "--role", "origin", "--name", "Tabriz"))
    ok(cli("undo"))
    assert exported(cli)[0]["places"] == []


# ------------------------------------------------------------------------------------------------ people


def test_people_mentioned_are_added_linked_listed_and_counted(cli) -> None:
    brother = add(cli, "Reza")
    subject = add(cli, "Ali")
    ok(cli("person", "add", subject, "--name", "Reza", "--relation", "brother", "--account", brother[:6]))
    ok(cli("person", "add", subject, "--name", "Commander K.", "--relation", "recruiter", "--note", "met in Baghdad"))
    people = json.loads(ok(cli("person", "list", subject, "--format", "json")).stdout)
    assert [(p["name"], p["relation"], p["account"]) for p in people] == [
        ("Reza", "brother", brother),
        ("Commander K.", "recruiter", None),
    ]
    assert {(r["relation"], r["accounts"]) for r in stats(cli, "relation")["rows"]} == {
        ("brother", 1),
        ("recruiter", 1),
        (None, 1),  # Reza's own account mentions nobody
    }
    assert "Commander K." in ok(cli("show", subject)).stdout


def test_a_person_link_to_a_merged_away_or_unknown_account_is_refused(cli) -> None:
    keep, other = add(cli, "Keep"), add(cli, "Other")
    subject = add(cli, "Subject")
    ok(cli("merge", keep, other))
    result = cli("person", "add", subject, "--name", "X", "--relation", "brother", "--account", other)
    assert result.exit_code == 2 and "merged into" in result.stderr  # as every write refuses a merged-away id
    result = cli("person", "add", subject, "--name", "X", "--relation", "brother", "--account", "ffffffffffffffff")
    assert result.exit_code == 1
    assert json.loads(ok(cli("person", "list", subject, "--format", "json")).stdout) == []


def test_ftm_export_has_family_associates_addresses_and_countries(cli) -> None:
    pytest.importorskip("followthemoney")
    subject = add(cli, "Ali", "--nationality", "Iranian")
    ok(cli("person", "add", subject, "--name", "Reza", "--relation", "brother"))
    ok(cli("person", "add", subject, "--name", "Commander K.", "--relation", "recruiter"))
    ok(cli("place", "add", subject, "--role", "held", "--name", "Camp Ashraf", "--country", "Iraq"))
    lines = [json.loads(line) for line in ok(cli("export", "--format", "ftm")).stdout.splitlines()]
    by_schema: dict[str, list[dict]] = {}
    for entity in lines:
        by_schema.setdefault(entity["schema"], []).append(entity)
    (person,) = [e for e in by_schema["Person"] if e["properties"].get("name") == ["Ali"]]
    assert person["properties"]["nationality"] == ["ir"] and "iq" in person["properties"]["country"]
    (family,) = by_schema["Family"]
    assert family["properties"]["relationship"] == ["brother"] and family["properties"]["person"] == [person["id"]]
    (associate,) = by_schema["Associate"]
    assert associate["properties"]["relationship"] == ["recruiter"]
    (address,) = by_schema["Address"]
    assert address["properties"]["full"] == ["Camp Ashraf"] and address["properties"]["country"] == ["iq"]


# ------------------------------------------------------------------------------------- restricted accounts


def test_publish_leaves_out_places_and_people_of_restricted_accounts(cli, tmp_path: Path) -> None:
    public = add(cli, "Public")
    secret = add(cli, "Secret", "--confidentiality", "restricted")
    ok(cli("person", "add", secret, "--name", "Zebulon Canary", "--relation", "recruiter"))
    ok(cli("place", "add", secret, "--role", "lives_now", "--name", "Canaryville"))
    ok(cli("person", "add", public, "--name", "Open Person", "--relation", "brother", "--account", secret))
    out = tmp_path / "shared.db"
    ok(cli("publish", out))
    data = out.read_bytes()
    assert b"Zebulon" not in data and b"Canaryville" not in data
    conn = sqlite3.connect(out)
    assert conn.execute("SELECT name, account FROM people").fetchall() == [("Open Person", None)]
    conn.close()


@pytest.mark.parametrize("option", ["redact", "pseudonymise"])
def test_names_of_people_mentioned_are_redacted_or_pseudonymised(cli, tmp_path: Path, option: str) -> None:
    subject = add(cli, "Ali Kowalski")
    ok(cli("person", "add", subject, "--name", "Zebulon Quaresma", "--relation", "recruiter"))
    args = ["--redact", "name"] if option == "redact" else ["--pseudonymise", "name", "--pseudonym-key"]
    if option == "pseudonymise":
        args += [str(tmp_path / "k"), "--new-key"]
    result = ok(cli("export", "--format", "json", *args))
    assert "Zebulon" not in result.stdout and "Quaresma" not in result.stdout
    (row,) = json.loads(result.stdout)
    name = row["people"][0]["name"]
    assert name == "[redacted]" if option == "redact" else name.startswith("person-")


def test_places_and_people_are_exported_as_csv_tables(cli) -> None:
    account = add(cli, "Hassan")
    ok(cli("place", "add", account, "--role", "held", "--name", "Camp Ashraf", "--country", "Iraq"))
    ok(cli("person", "add", account, "--name", "Reza", "--relation", "brother"))
    places = ok(cli("export", "--table", "places")).stdout.splitlines()
    assert "account_id,id,role,name,country,country_code,since," in places[0]
    assert places[1].startswith(f"{account},") and ",held,Camp Ashraf,Iraq,IQ," in places[1]
    people = ok(cli("export", "--table", "people")).stdout.splitlines()
    assert people[0].endswith("account_id,id,name,relation,account,note,source") and ",Reza,brother,,," in people[1]
