"""`casefile merge` through the CLI: everything united, conflicts shown and --take, the merged-away id
resolving to the kept account, one transaction, and the search index following."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from conftest import DATA, dump


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def show(cli, ref: str) -> dict:
    return json.loads(ok(cli("show", ref, "--format", "json")).stdout)


@pytest.fixture
def sample(cli) -> None:
    ok(cli("org", "import", DATA / "organizations.json"))
    ok(cli("import", DATA / "accounts.json"))


def test_merge_unites_and_redirects(cli, sample) -> None:
    keep, other = show(cli, "DEMO-0006"), show(cli, "DEMO-0007")
    result = ok(cli("merge", "DEMO-0006", "DEMO-0007"))
    assert f"merged {other['id']} into {keep['id']}" in result.stderr
    assert "conflict: left: kept 'around 2016' · other '2016' → kept (--take left for the other)" in result.stderr
    merged = show(cli, "DEMO-0007")  # the merged-away external id resolves to the kept account
    assert merged["id"] == keep["id"] == show(cli, other["id"][:10])["id"]
    assert merged["aliases"] == ["Hassan Shahbaz", "Hasan Shahbaz"]  # OTHER's name kept as an alias
    assert merged["reasons"] == ["leadership_disagreement", "no_future"]
    assert merged["left"] == "around 2016" and merged["name"] == "Hassan Shahbazi"
    titles = [(s["title"], s["role"]) for s in merged["sources"]]
    assert titles == [
        ("Synthetic news article: two former members speak", "primary"),
        ("Synthetic radio interview 7", "corroborating"),  # OTHER's flat source, now linked and graded
    ]
    assert merged["sources"][1]["reliability"] == "D"
    ids = [r["id"] for r in json.loads(ok(cli("list", "--format", "json")).stdout)]
    assert other["id"] not in ids and len(ids) == 6
    assert other["id"] in [r["id"] for r in json.loads(ok(cli("list", "--format", "json", "--include-deleted")).stdout)]
    assert json.loads(ok(cli("dupes", "--format", "json")).stdout) == []


def test_take_uses_the_other_value(cli, sample) -> None:
    ok(cli("merge", "DEMO-0006", "DEMO-0007", "--take", "left", "--take", "exit_type"))
    merged = show(cli, "DEMO-0006")
    assert merged["left"] == "2016" and merged["left_precision"] == "year"
    assert merged["exit_type"] == show(cli, "DEMO-0007")["exit_type"]


def test_take_is_checked_against_the_registry(cli, sample, db: Path) -> None:
    before = dump(db)
    for bad in ("nmae", "aliases", "id"):
        result = cli("merge", "DEMO-0006", "DEMO-0007", "--take", bad)
        assert result.exit_code == 2 and "unknown field for --take" in result.stderr
    assert cli("merge", "DEMO-0006", "DEMO-0006").exit_code == 2
    assert dump(db) == before


def test_events_quotes_and_codes_are_united_and_gaps_filled(cli) -> None:
    a = ok(cli("add", "--no-input", "--name", "A", "--reason", "burnout", "--tag", "x")).stdout.strip()
    b = ok(
        cli(
            "add",
            "--no-input",
            "--name",
            "B",
            "--reason",
            "no_future",
            "--birth-year",
            "1970",
            "--allegation",
            "threats",
        )
    ).stdout.strip()
    ok(cli("event", "add", a, "--type", "joined", "--date", "1990"))
    ok(cli("event", "add", b, "--type", "left", "--date", "2001", "--description", "crossed the river"))
    ok(cli("quote", "add", b, "--text", "I walked all night"))
    ok(cli("merge", a, b))
    merged = show(cli, a)
    assert merged["birth_year"] == 1970  # filled: A had none
    assert merged["reasons"] == ["burnout", "no_future"] and merged["allegations"] == ["threats"]
    assert [e["type"] for e in merged["events"]] == ["joined", "left"]
    assert [q["text"] for q in merged["quotes"]] == ["I walked all night"]
    hits = json.loads(ok(cli("search", "river", "--format", "json")).stdout)
    assert [h["id"] for h in hits] == [a]  # the index follows the merge; B is hidden as deleted


def test_a_failed_merge_writes_nothing(cli, sample, db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("CREATE TRIGGER boom BEFORE INSERT ON account_redirects BEGIN SELECT RAISE(ABORT, 'boom'); END")
    conn.commit()
    conn.close()
    before = dump(db)
    result = cli("merge", "DEMO-0006", "DEMO-0007")
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert dump(db) == before


def test_chained_merges_resolve_to_the_last(cli, sample) -> None:
    ok(cli("merge", "DEMO-0006", "DEMO-0007"))
    ok(cli("merge", "DEMO-0003", "DEMO-0006"))
    assert show(cli, "DEMO-0007")["external_id"] == "DEMO-0003"


def test_redirect_survives_removing_the_merged_away_row(cli, sample, db: Path) -> None:
    other = show(cli, "DEMO-0007")["id"]
    ok(cli("merge", "DEMO-0006", "DEMO-0007"))
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("DELETE FROM accounts WHERE id = ?", (other,))
    conn.commit()
    conn.close()
    assert show(cli, other)["external_id"] == "DEMO-0006"
