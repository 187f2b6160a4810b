"""`casefile stats` through the CLI: counts and cross-tabs, multi-valued codes, accounts without a value,
the allow-list of dimensions, filters, and the index that keeps `--by organization` fast."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from casefile import model
from casefile.store import Store

from conftest import DATA, casefile_csv


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def counts(cli, *args: str) -> dict:
    return json.loads(ok(cli("stats", "--format", "json", *args)).stdout)


def add(cli, *args: str) -> None:
    ok(cli("add", "--no-input", *args))


@pytest.fixture
def sample(cli) -> None:
    ok(cli("org", "import", DATA / "organizations.json"))
    ok(cli("import", DATA / "accounts.json"))


def test_by_organisation_with_json_shape(cli, sample) -> None:
    result = counts(cli, "--by", "organisation")
    assert result["by"] == ["organization"] and result["accounts"] == 7
    assert result["rows"][0] == {"organization": "Mujahedin-e Khalq", "accounts": 4}
    assert result["no_value"] == {"organization": 0}


def test_accounts_without_a_value_are_counted_and_said(cli) -> None:
    add(cli, "--name", "A", "--org", "X")
    add(cli, "--name", "B")
    result = counts(cli, "--by", "organization")
    assert {"organization": None, "accounts": 1} in result["rows"] and result["no_value"] == {"organization": 1}
    assert "2 accounts; 1 without organization" in ok(cli("stats", "--by", "organization")).stderr


def test_multi_valued_codes_count_once_per_account(cli) -> None:
    add(cli, "--name", "A", "--reason", "burnout", "--reason", "no_future", "--reason", "family_reunion")
    add(cli, "--name", "B", "--reason", "burnout")
    add(cli, "--name", "C")
    reasons = {r["reason"]: r["accounts"] for r in counts(cli, "--by", "reason")["rows"]}
    assert reasons == {"burnout": 2, "no_future": 1, "family_reunion": 1, None: 1}
    factors = {r["reason_factor"]: r["accounts"] for r in counts(cli, "--by", "reason_factor")["rows"]}
    assert factors == {"push": 2, "pull": 1, None: 1}  # A's two push codes count once


def test_user_codes_have_their_factor(cli) -> None:
    ok(cli("vocab", "add", "exit_reason", "religious_conversion", "--label", "Conversion", "--group", "pull"))
    add(cli, "--name", "A", "--reason", "religious_conversion")
    assert counts(cli, "--by", "reason_factor")["rows"] == [{"reason_factor": "pull", "accounts": 1}]


def test_years_as_written_and_spans(cli) -> None:
    for left in ("around 2008", "2008-03-01", "late 1990s", "New Year's Eve", "1403-01-15 SH"):
        add(cli, "--name", "P", "--left", left)
    rows = counts(cli, "--by", "exit_year")["rows"]
    assert rows == [
        {"exit_year": "1997–1999", "accounts": 1},
        {"exit_year": "2008", "accounts": 2},
        {"exit_year": "2024", "accounts": 1},
        {"exit_year": None, "accounts": 1},
    ]


def test_cross_tab_as_csv(cli, sample) -> None:
    out = ok(cli("stats", "--by", "reason_factor", "--by", "organization", "--format", "csv")).stdout
    assert out.startswith("'reason_factor,organization,accounts")  # marked: spreadsheet-safe
    rows = casefile_csv(out)
    assert list(rows[0]) == ["reason_factor", "organization", "accounts"]
    assert {"reason_factor": "barrier", "organization": "Mujahedin-e Khalq", "accounts": "1"} in rows
    assert sum(int(r["accounts"]) for r in rows if r["reason_factor"] == "push") == 7


def test_filters_combine(cli, sample) -> None:
    result = counts(cli, "--by", "exit_type", "--org", "MEK", "--since", "2015")
    assert result["accounts"] == 4
    assert counts(cli, "--by", "gender", "--tag", "seed")["rows"] == [{"gender": "male", "accounts": 1}]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--by", "nmae"], "choose one of: organization, exit_year"),
        (["--by", "organization; DROP TABLE accounts"], "unknown stats dimension"),
        (["--by", "reason", "--by", "reasons"], "must differ"),
        (["--by", "reason", "--by", "gender", "--by", "exit_type"], "one --by"),
    ],
)
def test_dimensions_are_checked_before_any_sql(cli, sample, args: list[str], message: str) -> None:
    result = cli("stats", *args)
    assert result.exit_code == 2 and message in result.stderr


def test_terminal_table_has_bars_and_a_no_value_row(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import casefile.cli.analysis as commands

    monkeypatch.setattr(commands, "stdout_is_terminal", lambda: True)
    add(cli, "--name", "A", "--org", "X")
    add(cli, "--name", "B")
    out = ok(cli("stats", "--by", "organization")).stdout
    assert "█" in out and "(no value)" in out and "50.0%" in out


def test_stats_by_organisation_uses_an_index(db: Path) -> None:
    store = Store.open(db, create=True)
    plan = store.explain_stats("organization", model.Filter())
    store.close()
    assert any("COVERING INDEX idx_accounts_org_deleted" in step for step in plan), plan


# -- issue 18, item 1: cross-tabs that pair within one coded item, a matrix, sort/limit, singulars -------


def test_reason_by_its_factor_pairs_within_the_coded_item(cli) -> None:
    add(cli, "--name", "A", "--reason", "no_future", "--reason", "family_reunion")
    rows = counts(cli, "--by", "reason", "--by", "reason_factor")["rows"]
    assert sorted((r["reason"], r["reason_factor"], r["accounts"]) for r in rows) == [
        ("family_reunion", "pull", 1),
        ("no_future", "push", 1),
    ]  # not no_future/pull nor family_reunion/push: those pairs were never coded


def test_dimensions_of_different_parts_pair_per_account(cli) -> None:
    add(cli, "--name", "A", "--org", "X", "--reason", "no_future", "--reason", "family_reunion")
    add(cli, "--name", "B", "--org", "Y", "--reason", "no_future")
    rows = counts(cli, "--by", "reason", "--by", "organization")["rows"]
    assert sorted((r["reason"], r["organization"], r["accounts"]) for r in rows) == [
        ("family_reunion", "X", 1),
        ("no_future", "X", 1),
        ("no_future", "Y", 1),
    ]


def test_matrix_view_with_totals_and_percentages(cli) -> None:
    add(cli, "--name", "A", "--org", "X", "--exit-type", "escaped")
    add(cli, "--name", "B", "--org", "X", "--exit-type", "escaped")
    add(cli, "--name", "C", "--org", "X", "--exit-type", "released")
    add(cli, "--name", "D", "--org", "Y", "--exit-type", "released")
    body = json.loads(ok(cli("stats", "--by", "organization", "--by", "exit_type", "--matrix", "-f", "json")).stdout)
    assert body["rows"] == ["X", "Y"] and body["columns"] == ["escaped", "released"]
    assert body["cells"] == [[2, 1], [0, 1]]
    assert body["row_totals"] == [3, 1] and body["column_totals"] == [2, 2] and body["total"] == 4
    assert body["row_percent"][0] == [66.7, 33.3]
    out = ok(cli("stats", "--by", "organization", "--by", "exit_type", "--matrix", "-f", "csv")).stdout
    table = casefile_csv(out)
    assert list(table[0]) == ["organization", "escaped", "escaped %", "released", "released %", "total"]
    assert table[0] == {
        "organization": "X",
        "escaped": "2",
        "escaped %": "66.7",
        "released": "1",
        "released %": "33.3",
        "total": "3",
    }
    assert table[-1]["organization"] == "total" and table[-1]["total"] == "4"


def test_matrix_on_a_terminal_is_a_table(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import casefile.cli.analysis as commands

    monkeypatch.setattr(commands, "stdout_is_terminal", lambda: True)
    add(cli, "--name", "A", "--org", "X", "--exit-type", "escaped")
    add(cli, "--name", "B", "--org", "Y", "--exit-type", "released")
    out = ok(cli("stats", "--by", "organization", "--by", "exit_type", "--matrix")).stdout
    assert "escaped" in out and "released" in out and "total" in out and "1 (100%)" in out


def test_matrix_needs_two_dimensions(cli) -> None:
    result = cli("stats", "--by", "organization", "--matrix")
    assert result.exit_code == 2 and "two --by" in result.stderr


def test_sort_reverse_and_limit_work_on_stats(cli) -> None:
    for org, n in (("X", 3), ("Y", 1), ("Z", 2)):
        for i in range(n):
            add(cli, "--name", f"P{i}", "--org", org)
    by_count = [r["organization"] for r in counts(cli, "--by", "organization")["rows"]]
    assert by_count == ["X", "Z", "Y"]
    assert [r["organization"] for r in counts(cli, "--by", "organization", "--limit", "2")["rows"]] == ["X", "Z"]
    assert [r["organization"] for r in counts(cli, "--by", "organization", "--reverse")["rows"]] == ["Y", "Z", "X"]
    by_value = counts(cli, "--by", "organization", "--sort", "value")["rows"]
    assert [r["organization"] for r in by_value] == ["X", "Y", "Z"]
    bad = cli("stats", "--by", "organization", "--sort", "name")
    assert bad.exit_code == 2 and "accounts, value" in bad.stderr


def test_one_account_is_singular(cli) -> None:
    add(cli, "--name", "A", "--org", "X")
    assert "1 account; 0 without organization" in ok(cli("stats", "--by", "organization")).stderr
