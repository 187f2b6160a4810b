"""`casefile timeline` on accounts as researchers record them: the account's own dates (joined, left,
announced, the source's date) are rows beside the events, `--since/--until` judge each row by its own
date, and a fuzzy date shows how fuzzy it is (issue 18, item 7)."""

from __future__ import annotations

import json

from casefile import model


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def rows(cli, *args: str) -> list[dict]:
    return json.loads(ok(cli("timeline", "--format", "json", *args)).stdout)


def test_accounts_with_dates_but_no_events_have_a_timeline(cli) -> None:
    ok(cli("add", "--no-input", "--name", "A", "--joined", "around 1990", "--left", "2016-03", "--announced", "2017"))
    ok(cli("add", "--no-input", "--name", "B", "--left", "1980s", "--source-date", "2019-05-02"))
    got = [(r["name"], r["field"], r["when"]) for r in rows(cli)]
    assert got == [
        ("B", "left", "1980s"),
        ("A", "joined", "~1990"),
        ("A", "left", "2016-03"),
        ("A", "announced", "2017"),
        ("B", "source_date", "2019-05-02"),
    ]


def test_every_account_level_date_of_the_registry_is_a_row(cli) -> None:
    args = []
    for n, name in enumerate(model.DATE_FIELDS):
        args += [model.FIELD_BY_NAME[name].option_flags[0], f"{2000 + n}"]
    ok(cli("add", "--no-input", "--name", "A", *args))
    assert sorted(r["field"] for r in rows(cli)) == sorted(model.DATE_FIELDS)


def test_since_and_until_judge_each_row_by_its_own_date(cli) -> None:
    account = ok(cli("add", "--no-input", "--name", "A", "--joined", "1985", "--left", "2015")).stdout.strip()
    ok(cli("event", "add", account, "--type", "captured", "--date", "1990"))
    ok(cli("event", "add", account, "--type", "arrived", "--date", "2016"))
    ok(cli("event", "add", account, "--type", "detained", "--date", "New Year's Eve"))
    assert [r["when"] for r in rows(cli, "--since", "2010")] == ["2015", "2016"]
    assert [r["when"] for r in rows(cli, "--until", "1995")] == ["1985", "1990"]
    assert [r["when"] for r in rows(cli, account, "--since", "1989", "--until", "2015")] == ["1990", "2015"]


def test_precision_is_shown(cli) -> None:
    account = ok(cli("add", "--no-input", "--name", "A")).stdout.strip()
    for date in ("around 1990", "1980s", "1986-1990", "19th century", "summer 2014", "early 2012", "1986?"):
        ok(cli("event", "add", account, "--type", "detained", "--date", date))
    ok(cli("event", "add", account, "--type", "captured", "--date", "1886", "--correct", "1986", "--note", "typo"))
    shown = {r["date"]: r["when"] for r in rows(cli)}
    assert shown == {
        "around 1990": "~1990",
        "1980s": "1980s",
        "1986-1990": "1986–1990",
        "19th century": "1800s",
        "summer 2014": "summer 2014",
        "early 2012": "early 2012",
        "1986?": "1986?",
        "1886": "1986 (corrected)",
    }


def test_the_table_shows_when(cli) -> None:
    ok(cli("add", "--no-input", "--name", "A", "--joined", "around 1990"))
    out = ok(cli("timeline")).stdout
    assert "~1990" in out and "joined" in out
