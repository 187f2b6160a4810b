"""Date errors that help: they name the option the user typed and say why, with the form to write instead."""

from __future__ import annotations

import pytest


@pytest.fixture
def account(cli) -> str:
    result = cli("add", "--name", "Person A", "--org", "Group", "--source-title", "T")
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip()


#: Not a month, and not a span either (a short second year must be later: 1986-90, 2023/24 are spans, issue 19).
SPANS = ["1995–13", "2016-13", "1999/13"]


@pytest.mark.parametrize("typed", SPANS)
def test_a_short_span_of_years_on_add_names_the_option_and_the_form(cli, typed: str, tmp_path) -> None:
    before = cli("list", "--format", "jsonl").stdout
    result = cli("add", "--name", "Person B", "--org", "Group", "--left", typed)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("error: --left: ") and result.stderr.count("\n") == 1, result.stderr
    assert "no such date in the calendar" not in result.stderr
    assert "1986-1990" in result.stderr  # the accepted form of a span of years
    assert cli("list", "--format", "jsonl").stdout == before  # nothing written


@pytest.mark.parametrize("typed", SPANS)
def test_a_short_span_of_years_on_event_add_names_date_not_events_n(cli, account: str, typed: str) -> None:
    result = cli("event", "add", account, "--type", "left", "--date", typed)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: --date: ") and "events[" not in result.stderr, result.stderr
    assert "1986-1990" in result.stderr and result.stderr.count("\n") == 1
    assert cli("timeline", account, "--format", "json").stdout.strip() == "[]"


def test_other_date_options_name_themselves(cli, account: str) -> None:
    result = cli("event", "add", account, "--type", "left", "--date", "1886", "--correct", "1986-13")
    assert result.stderr.startswith("error: --date: the correction cannot be read"), result.stderr
    assert "1986-1990" in result.stderr
    result = cli("add", "--name", "P", "--org", "Group", "--joined", "31 February 2001")
    assert result.stderr.startswith("error: --joined: no such date in the calendar"), result.stderr
    result = cli("list", "--since", "2023/13")
    assert result.exit_code == 2 and result.stderr.startswith("error: --since: ") and "1986-1990" in result.stderr


def test_a_file_still_names_the_field(cli, tmp_path) -> None:
    path = tmp_path / "a.json"
    path.write_text('[{"name": "P", "organization": "G", "left": "1986-13"}]', encoding="utf-8")
    result = cli("add", "--from-json", path)
    assert result.exit_code == 1 and "field 'left'" in result.stderr, result.stderr
