"""init, add, list, show through the CLI, on a real database file."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from pathlib import Path

from conftest import DATA, dump, run_process


def add(cli, *args: str) -> str:
    result = cli("add", "--no-input", *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip()


def test_init_creates_private_database_in_private_folder(tmp_path: Path, cli) -> None:
    os.umask(0o022)
    db = tmp_path / "new" / "cases.db"
    result = cli("--db", db, "init")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "created" in result.stderr
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700


def test_read_commands_refuse_a_missing_database(db: Path, cli) -> None:
    for args in (["list"], ["show", "abc"], ["export"]):
        result = cli(*args)
        assert result.exit_code == 1
        assert "no database" in result.stderr and "casefile init" in result.stderr
        assert not db.exists()


def test_add_prints_only_the_id_and_stores_every_field(db: Path, cli) -> None:
    new_id = add(
        cli,
        "--name",
        "Test Person",
        "--org",
        "Group X",
        "--left",
        "Jan.14, 2006",
        "--reason",
        "no_future",
        "--reason",
        "burnout",
        "--tag",
        "a",
        "--years-in-org",
        "34",
        "--birth-year",
        "1965",
        "--source-reliability",
        "b",
        "--source-credibility",
        "3",
    )
    assert len(new_id) == 16 and all(c in "0123456789abcdef" for c in new_id)
    row = (
        sqlite3.connect(db)
        .execute(
            "SELECT name, organization, left, left_min, left_max, left_precision, reasons, tags, years_in_org, "
            "birth_year, source_reliability, confidentiality FROM accounts WHERE id = ?",
            (new_id,),
        )
        .fetchone()
    )
    assert row == (
        "Test Person",
        "Group X",
        "Jan.14, 2006",
        "2006-01-14",
        "2006-01-14",
        "day",
        '["no_future", "burnout"]',
        '["a"]',
        34.0,
        1965,
        "B",
        "internal",
    )


def test_add_year_only_is_year_precision(db: Path, cli) -> None:
    new_id = add(cli, "--left", "1990")
    row = (
        sqlite3.connect(db)
        .execute("SELECT left_min, left_max, left_precision FROM accounts WHERE id = ?", (new_id,))
        .fetchone()
    )
    assert row == ("1990-01-01", "1990-12-31", "year")


def test_add_yearless_date_keeps_unknown_year(db: Path, cli) -> None:
    new_id = add(cli, "--announced", "New Year's Eve")
    row = (
        sqlite3.connect(db)
        .execute("SELECT announced, announced_edtf, announced_min, announced_max FROM accounts WHERE id = ?", (new_id,))
        .fetchone()
    )
    assert row == ("New Year's Eve", "XXXX-12-31", None, None)


def test_add_rejects_ambiguous_numeric_date_unless_order_given(db: Path, cli) -> None:
    result = cli("add", "--no-input", "--left", "03/04/2021")
    assert result.exit_code == 1
    assert "left" in result.stderr and "--dayfirst" in result.stderr
    assert result.stdout == ""
    new_id = add(cli, "--left", "03/04/2021", "--dayfirst")
    assert sqlite3.connect(db).execute("SELECT left_min FROM accounts WHERE id = ?", (new_id,)).fetchone() == (
        "2021-04-03",
    )


def test_add_unparseable_date_is_an_error_unless_kept(db: Path, cli) -> None:
    result = cli("add", "--no-input", "--left", "the week after the flood")
    assert result.exit_code == 1
    assert "error: --left: " in result.stderr and "flood" not in result.stderr
    new_id = add(cli, "--left", "the week after the flood", "--keep-unparsed-dates")
    assert sqlite3.connect(db).execute(
        "SELECT left, left_precision, left_min FROM accounts WHERE id = ?", (new_id,)
    ).fetchone() == ("the week after the flood", "unknown", None)


def test_add_bad_values_name_every_field_and_write_nothing(db: Path, cli) -> None:
    cli("init")
    before = dump(db)
    result = cli(
        "add",
        "--no-input",
        "--exit-type",
        "flew",
        "--reason",
        "no_futur",
        "--birth-year",
        "65",
        "--source-credibility",
        "9",
        "--name",
        "SECRET-CANARY",
    )
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 4  # one line per problem
    for option in ("--exit-type", "--reason", "--birth-year", "--source-credibility"):  # as typed
        assert sum(line.startswith(f"error: {option}: ") for line in lines) == 1
    assert "SECRET-CANARY" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    assert dump(db) == before


def test_unknown_code_suggests_the_closest(cli) -> None:
    result = cli("add", "--no-input", "--reason", "no_futur")
    assert result.exit_code == 1
    assert "did you mean no_future" in result.stderr


def test_add_from_json_object_and_list(cli, tmp_path: Path) -> None:
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"name": "One", "left": "2001"}))
    many = tmp_path / "many.json"
    many.write_text(json.dumps([{"name": "Two"}, {"name": "Three"}]))
    assert len(cli("add", "--from-json", one).stdout.split()) == 1
    assert len(cli("add", "--from-json", many).stdout.split()) == 2
    result = cli("add", "--from-json", "-", input=json.dumps({"name": "Four"}))
    assert result.exit_code == 0 and len(result.stdout.split()) == 1
    assert cli("list", "--format", "json").stdout.count('"name"') == 4


def test_add_refuses_an_existing_external_id(cli) -> None:
    add(cli, "--external-id", "K1")
    result = cli("add", "--no-input", "--external-id", "K1")
    assert result.exit_code == 1 and "exists" in result.stderr


def test_list_empty_is_ok(cli) -> None:
    cli("init")
    result = cli("list")
    assert result.exit_code == 0 and result.stdout == ""
    result = cli("list", "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout) == []


def test_list_piped_is_tab_separated_one_line_per_record(cli) -> None:
    first = add(cli, "--name", "Line\nbreak\tand tab", "--org", "G", "--left", "2001")
    add(cli, "--org", "G")
    lines = cli("list").stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].split("\t") == [first, "Line\\nbreak\\tand tab", "G", "2001", "", ""]
    assert lines[1].split("\t")[1] == "(unnamed)"


def test_list_filters_sort_and_limit(cli) -> None:
    add(cli, "--name", "A", "--org", "MEK", "--left", "2010", "--tag", "x", "--exit-type", "escaped")
    add(cli, "--name", "B", "--org", "mek", "--left", "summer 2016", "--tag", "y")
    add(cli, "--name", "C", "--org", "Other", "--left", "2020", "--tag", "x", "--reason", "burnout")

    def names(*args: str) -> list[str]:
        out = cli("list", "--format", "json", *args)
        assert out.exit_code == 0, out.stderr
        return [r["name"] for r in json.loads(out.stdout)]

    assert names("--org", "MEK") == ["A", "B"]
    assert names("--tag", "x") == ["A", "C"]
    assert names("--reason", "burnout") == ["C"]
    assert names("--exit-type", "escaped") == ["A"]
    assert names("--since", "2016") == ["B", "C"]
    assert names("--until", "June 2016") == ["A", "B"]  # summer 2016 overlaps June
    assert names("--q", "b") == ["B"]
    assert names("--sort", "left", "--reverse") == ["C", "B", "A"]
    assert names("--sort", "name", "--limit", "2") == ["A", "B"]


def test_list_unknown_sort_field_is_usage_error(cli) -> None:
    cli("init")
    for bad in ("nmae", "name,(select 1)"):
        result = cli("list", "--sort", bad)
        assert result.exit_code == 2
        assert "choose one of" in result.stderr and "organization" in result.stderr


def test_q_treats_like_wildcards_literally(cli) -> None:
    add(cli, "--name", "100% sure")
    add(cli, "--name", "1000 sure")
    assert [r["name"] for r in json.loads(cli("list", "--format", "json", "--q", "0%").stdout)] == ["100% sure"]


def test_show_by_prefix_external_id_and_ambiguity(cli, db: Path) -> None:
    new_id = add(cli, "--name", "Shown", "--external-id", "EXT-1", "--left", "1886")
    for ref in (new_id, new_id[:6], "EXT-1"):
        result = cli("show", ref, "--format", "json")
        assert result.exit_code == 0
        assert json.loads(result.stdout)["id"] == new_id
    conn = sqlite3.connect(db)
    conn.execute("UPDATE accounts SET id = 'aaaa000000000001' WHERE id = ?", (new_id,))
    conn.commit()
    add(cli, "--name", "Other")
    conn.execute("UPDATE accounts SET id = 'aaaa000000000002' WHERE name = 'Other'")
    conn.commit()
    result = cli("show", "aaaa")
    assert result.exit_code == 2
    assert "ambiguous" in result.stderr and "aaaa000000000001" in result.stderr
    result = cli("show", "ffff")
    assert result.exit_code == 1 and "no account" in result.stderr


def test_an_exact_external_id_wins_over_an_id_prefix(cli, db: Path) -> None:
    # an external id such as "D" or "ab12" can also be the prefix of another account's random id; the exact
    # match must win, or `edit D` would change a different record (one in 16 random ids starts with "d")
    target = add(cli, "--name", "Target", "--external-id", "D")
    other = add(cli, "--name", "Other")
    conn = sqlite3.connect(db)
    conn.execute("UPDATE accounts SET id = 'd000000000000001' WHERE id = ?", (other,))
    conn.execute("UPDATE accounts SET id = 'e000000000000001' WHERE id = ?", (target,))
    conn.commit()
    conn.close()
    result = cli("show", "D", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["name"] == "Target"
    assert json.loads(cli("show", "d0", "--format", "json").stdout)["name"] == "Other"  # a longer prefix still works
    result = cli("edit", "D", "--set", "role=checked")
    assert result.exit_code == 0, result.stderr
    assert json.loads(cli("show", "d000000000000001", "--format", "json").stdout)["role"] is None


def test_show_plain_groups_and_raw_dates(cli) -> None:
    new_id = add(cli, "--name", "P", "--left", "Jan.14, 2006", "--org", "G")
    out = cli("show", new_id).stdout
    assert "[person]" in out and "[exit]" in out
    assert "left: Jan.14, 2006 (2006-01-14)" in out


def test_demo_data_imports_and_seed_shows(cli) -> None:
    result = cli("import", DATA / "accounts.json")
    assert result.exit_code == 0, result.stderr
    out = cli("show", "SEED-0001").stdout
    assert "Ali Mohammad Rahimi Alashti" in out
    assert "announced: New Year's Eve (XXXX-12-31)" in out


def test_python_dash_m_runs(db: Path) -> None:
    proc = run_process("--db", db, "init")
    assert proc.returncode == 0 and db.exists()
