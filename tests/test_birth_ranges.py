"""Birth years as the text gives them (issue 19, item 2): "1988/1989", "1986–90", "before 1990" are kept in
``born`` (a date: raw text, interval, precision) while an exact year stays the integer ``birth_year``; ages
("at the age of 13") count from whichever the account has, a range giving a derived range."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import dump_data


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def shown(cli, account: str) -> dict:
    return json.loads(ok(cli("show", account, "--format", "json")).stdout)


@pytest.mark.parametrize(
    ("written", "edtf", "low", "high"),
    [
        ("1986/1987", "1986/1987", "1986-01-01", "1987-12-31"),
        ("1986–90", "1986/1990", "1986-01-01", "1990-12-31"),
        ("before 1990", "../1989", None, "1989-12-31"),
        ("1988/1989", "1988/1989", "1988-01-01", "1989-12-31"),
    ],
)
def test_a_birth_year_range_is_kept_as_written_with_its_interval(cli, written, edtf, low, high) -> None:
    account = ok(cli("add", "--no-input", "--name", "A", "--born", written)).stdout.strip()
    record = shown(cli, account)
    assert (record["born"], record["born_edtf"], record["born_min"], record["born_max"]) == (written, edtf, low, high)
    assert record["birth_year"] is None


def test_an_age_counts_from_a_birth_year_range(cli) -> None:
    account = ok(
        cli("add", "--no-input", "--name", "A", "--born", "1988/1989", "--joined", "at the age of 13")
    ).stdout.strip()
    record = shown(cli, account)
    assert (record["joined_edtf"], record["joined_min"], record["joined_max"]) == (
        "2001/2003",
        "2001-01-01",
        "2003-12-31",
    )
    assert record["joined_anchor"] == "birth_year 1988/1989"
    assert '2001/2003 (from "at the age of 13", birth_year 1988/1989)' in ok(cli("show", account)).stdout


def test_an_exact_birth_year_is_still_the_integer_and_wins_over_a_range(cli) -> None:
    account = ok(
        cli("add", "--no-input", "--name", "A", "--birth-year", "1988", "--born", "1988/1989", "--joined", "aged 13")
    ).stdout.strip()
    record = shown(cli, account)
    assert record["birth_year"] == 1988 and record["joined_edtf"] == "2001/2002"


def test_a_range_given_as_birth_year_is_refused_with_where_it_goes(cli, db: Path) -> None:
    ok(cli("add", "--no-input", "--name", "Before"))
    before = dump_data(db)
    result = cli("add", "--no-input", "--name", "A", "--birth-year", "1988/1989")
    assert result.exit_code == 1 and result.stdout == ""
    assert "--birth-year" in result.stderr and "--born" in result.stderr
    assert dump_data(db) == before


def test_born_round_trips_through_csv_and_json(cli, tmp_path: Path) -> None:
    account = ok(
        cli("add", "--no-input", "--name", "A", "--born", "1986–90", "--joined", "at the age of 13")
    ).stdout.strip()
    for fmt in ("csv", "json", "jsonl"):
        first = tmp_path / f"first.{fmt}"
        ok(cli("export", "--format", fmt, "-o", first))
        other = tmp_path / f"other-{fmt}.db"
        ok(cli("--db", other, "import", first))
        again = tmp_path / f"again.{fmt}"
        ok(cli("--db", other, "export", "--format", fmt, "-o", again))
        assert again.read_bytes() == first.read_bytes()
    assert shown(cli, account)["born"] == "1986–90"
