"""`casefile check` through the CLI: every rule, severities and exit codes, --rule, --ignore with a note,
and that no finding echoes the record's text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import DATA


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def findings(cli, *args: str) -> list[dict]:
    return json.loads(ok(cli("check", "--format", "json", *args)).stdout)


def rules_of(cli, *args: str) -> set[tuple[str, str]]:
    return {(f["rule"], f["field"]) for f in findings(cli, *args)}


def add(cli, *args: str) -> str:
    return ok(
        cli("add", "--no-input", "--source-title", "T", "--source-reliability", "C", "--source-credibility", "3", *args)
    ).stdout.strip()


@pytest.fixture
def sample(cli) -> None:
    ok(cli("org", "import", DATA / "organizations.json"))
    ok(cli("import", DATA / "accounts.json"))


def test_the_seed_1886_is_reported_as_info(cli, sample) -> None:
    seed = [f for f in findings(cli, "--rule", "date-before-1900") if f["external_id"] == "SEED-0001"]
    assert [(f["severity"], f["field"]) for f in seed] == [("info", "events[1].date (captured)")]
    # the year as written and its correction (issue 19), nothing else of the record; the group's founding year
    # from the shipped gazetteer (MEK, 1965)
    assert seed[0]["message"] == "1886 as written, corrected to 1986 — before 1900; the group was founded 1965"


def test_sample_findings(cli, sample) -> None:
    found = {(f["external_id"], f["rule"]) for f in findings(cli)}
    assert ("SEED-0001", "date-no-year") in found  # announced on New Year's Eve
    assert ("SEED-0001", "date-unread") in found  # "last year", "one more year"
    assert ("DEMO-0006", "source-ungraded") not in found


def test_impossible_dates_are_errors(cli) -> None:
    add(cli, "--name", "A", "--birth-year", "1980", "--joined", "1975", "--left", "2999")
    add(cli, "--name", "B", "--joined", "2010", "--left", "2005")
    result = findings(cli)
    by_rule = {(f["rule"], f["field"]): f["severity"] for f in result}
    assert by_rule[("date-future", "left")] == "error"
    assert by_rule[("date-before-birth", "joined")] == "error"
    assert by_rule[("left-before-joined", "left")] == "error"
    assert cli("check").exit_code == 0  # findings are a report ...
    strict = cli("check", "--strict")
    assert strict.exit_code == 1 and "3 errors" in strict.stderr  # ... until --strict


def test_strict_passes_with_only_warnings(cli) -> None:
    add(cli, "--name", "A", "--left", "New Year's Eve")
    assert ("date-no-year", "left") in rules_of(cli)
    assert ok(cli("check", "--strict")).exit_code == 0


def test_before_1900_uncorrected_is_a_warning(cli) -> None:
    account = add(cli, "--name", "A")
    ok(cli("event", "add", account, "--type", "captured", "--date", "1886"))
    [finding] = findings(cli, "--rule", "date-before-1900")
    assert finding["severity"] == "warning" and finding["field"] == "events[1].date (captured)"


def test_years_in_org_and_event_order(cli) -> None:
    account = add(cli, "--name", "A", "--joined", "1990", "--left", "2000", "--years-in-org", "34")
    ok(cli("event", "add", account, "--type", "left", "--date", "1995"))
    ok(cli("event", "add", account, "--type", "recruited", "--date", "1998"))
    [years] = findings(cli, "--rule", "years-in-org")
    assert years["message"] == "joined 1990 + 34 years = 2024, but left 2000: disagree by 24 years"
    order = {f["field"] for f in findings(cli, "--rule", "event-order")}
    assert order == {"events[2].date (recruited)"}  # recruited in 1998, after leaving in 1995
    ok(cli("add", "--no-input", "--name", "B", "--joined", "1990", "--left", "around 2024", "--years-in-org", "34"))
    assert len(findings(cli, "--rule", "years-in-org")) == 1  # 1990 + 34 fits "around 2024"


def test_sources_and_grades(cli) -> None:
    ok(cli("add", "--no-input", "--name", "No Source"))
    ungraded = ok(cli("add", "--no-input", "--name", "Ungraded", "--source-title", "T")).stdout.strip()
    source = ok(cli("source", "add", "--title", "Shared")).stdout.strip()
    linked = ok(cli("add", "--no-input", "--name", "Linked")).stdout.strip()
    ok(cli("source", "link", linked, source, "--role", "primary", "--reliability", "B"))
    found = {(f["account"], f["rule"], f["field"]) for f in findings(cli)}
    assert {f[1:] for f in found} >= {("no-source", "sources")}
    # the flat source is a shared one, linked as the primary: one model, one way of naming its grades
    assert {(ungraded, "source-ungraded", f"sources[1].{g}") for g in ("reliability", "credibility")} <= found
    assert (linked, "source-ungraded", "sources[1].credibility") in found
    assert (linked, "source-ungraded", "sources[1].reliability") not in found


def test_near_duplicate_organisation_names(cli) -> None:
    ok(cli("org", "add", "Mujahedin-e Khalq", "--alias", "MEK"))
    ok(cli("org", "add", "Mujahedin-e-Khalq"))
    [finding] = findings(cli, "--rule", "org-near-duplicate")
    assert finding["account"] is None and "nearly matches" in finding["message"]


def test_ignore_with_a_note_is_recorded_and_silences_one_account(cli, sample, db: Path) -> None:
    before = findings(cli, "--rule", "date-no-year")
    result = ok(cli("check", "--ignore", "date-no-year", "--account", "SEED-0001", "--note", "the source gives none"))
    assert "silenced" in result.stderr
    after = findings(cli, "--rule", "date-no-year")
    assert len(after) == len(before) - 2 and all(f["external_id"] != "SEED-0001" for f in after)
    assert "2 silenced" in ok(cli("check", "--rule", "date-no-year")).stderr
    import sqlite3

    conn = sqlite3.connect(db)
    assert conn.execute("SELECT rule, note FROM check_ignores").fetchall() == [
        ("date-no-year", "the source gives none")
    ]
    conn.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rule", "nope"], "choose one of: date-future"),
        (["--ignore", "nope", "--account", "SEED-0001", "--note", "x"], "cannot ignore"),
        (["--ignore", "date-no-year", "--note", "x"], "needs --account"),
        (["--ignore", "date-no-year", "--account", "SEED-0001"], "needs a --note"),
        (["--ignore", "org-near-duplicate", "--account", "SEED-0001", "--note", "x"], "cannot ignore"),
    ],
)
def test_usage_errors(cli, sample, args: list[str], message: str) -> None:
    result = cli("check", *args)
    assert result.exit_code == 2 and message in result.stderr


def test_messages_never_echo_record_text(cli) -> None:
    secret = "CANARY-7f3a"
    account = ok(
        cli(
            "add",
            "--no-input",
            "--name",
            secret,
            "--summary",
            secret,
            "--left",
            f"{secret} day",
            "--keep-unparsed-dates",
        )
    ).stdout.strip()
    ok(cli("event", "add", account, "--type", "left", "--date", "2999", "--description", secret))
    out = ok(cli("check")).stdout + ok(cli("check", "--format", "json")).stdout
    assert secret not in out and "date-unread" in out and "date-future" in out
