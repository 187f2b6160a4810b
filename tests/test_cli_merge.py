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
    assert "conflict: left: kept KEEP's value (OTHER's differed); --take left to take OTHER's" in result.stderr
    assert "around 2016" not in result.stderr
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


# ------------------------------------------------------------------------------------- confidentiality

CANARY_A = "zqpublica9d41"
CANARY_B = "zqsecretb27e6"


def canary_pair(cli, keep: str, other: str) -> tuple[str, str]:
    """Two accounts about one person, every text field of each holding its canary, and differing values."""
    ids = []
    for canary, level, exit_type in ((CANARY_A, keep, "escaped"), (CANARY_B, other, "captured")):
        account = ok(
            cli(
                "add",
                "--no-input",
                "--name",
                f"Name {canary}",
                "--alias",
                f"alias {canary}",
                "--summary",
                f"summary {canary}",
                "--tag",
                f"tag-{canary}",
                "--exit-type",
                exit_type,
                "--confidentiality",
                level,
            )
        ).stdout.strip()
        ok(cli("event", "add", account, "--type", "left", "--date", "2001", "--description", f"event {canary}"))
        ok(cli("quote", "add", account, "--text", f"quote {canary}"))
        ids.append(account)
    return ids[0], ids[1]


def test_a_restricted_account_merged_into_a_public_one_makes_it_restricted(cli, db: Path) -> None:
    keep, other = canary_pair(cli, "public", "restricted")
    assert CANARY_A in ok(cli("export", "--format", "json")).stdout  # public: exported by default
    result = ok(cli("merge", keep, other))
    for value in (CANARY_A, CANARY_B, "escaped", "captured", "Name"):
        assert value not in result.stderr, value  # conflict lines name fields, never values
    assert "conflict: summary: kept KEEP's value (OTHER's differed); --take summary to take OTHER's" in result.stderr
    assert "conflict: name: kept KEEP's value (OTHER's differed); --take name to take OTHER's" in result.stderr
    assert "confidentiality: restricted, the stricter of the two" in result.stderr
    assert show(cli, keep)["confidentiality"] == "restricted"
    for fmt in ("json", "jsonl", "csv", "md"):  # the default export leaves restricted accounts out
        exported = ok(cli("export", "--format", fmt)).stdout
        assert CANARY_B not in exported and CANARY_A not in exported, fmt
    assert CANARY_B in ok(cli("export", "--format", "json", "--include-restricted")).stdout  # kept, not lost


@pytest.mark.parametrize(
    ("keep", "other", "expected"),
    [
        ("public", "internal", "internal"),
        ("internal", "public", "internal"),
        ("internal", "restricted", "restricted"),
        ("restricted", "public", "restricted"),
        ("public", "public", "public"),
    ],
)
def test_the_survivor_takes_the_stricter_confidentiality(cli, keep: str, other: str, expected: str) -> None:
    a = ok(cli("add", "--no-input", "--name", "Keeper", "--confidentiality", keep)).stdout.strip()
    b = ok(cli("add", "--no-input", "--name", "Keeper", "--confidentiality", other)).stdout.strip()
    result = ok(cli("merge", a, b))
    assert show(cli, a)["confidentiality"] == expected
    assert ("the stricter of the two" in result.stderr) == (keep != other)


def test_take_cannot_loosen_confidentiality(cli, db: Path) -> None:
    a = ok(cli("add", "--no-input", "--name", "Keeper", "--confidentiality", "restricted")).stdout.strip()
    b = ok(cli("add", "--no-input", "--name", "Keeper", "--confidentiality", "public")).stdout.strip()
    before = dump(db)
    result = cli("merge", a, b, "--take", "confidentiality")
    assert result.exit_code == 2 and "stricter" in result.stderr and "edit" in result.stderr
    assert dump(db) == before


def test_take_names_the_field_it_took_without_its_value(cli, db: Path) -> None:
    a = ok(cli("add", "--no-input", "--name", "Keeper", "--summary", "first words")).stdout.strip()
    b = ok(cli("add", "--no-input", "--name", "Keeper", "--summary", "second words")).stdout.strip()
    result = ok(cli("merge", a, b, "--take", "summary"))
    assert result.stderr.splitlines()[0] == "conflict: summary: took OTHER's value (--take summary)"
    assert "words" not in result.stderr
    assert show(cli, a)["summary"] == "second words"
