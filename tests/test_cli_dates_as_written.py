"""Dates as the text gives them (issue 19, items 1-3), through the CLI: relative dates derived from the source's
publication date or another date of the account, shown as derived everywhere; years in the organisation with
their qualifier; `check` doing the arithmetic and flagging a year before 1900 with what was written; and
`add`/`edit`/`import` printing the findings for the records they touched."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def add(cli, *args: str) -> str:
    return ok(cli("add", "--no-input", *args)).stdout.strip()


def record(cli, account: str) -> dict:
    return json.loads(ok(cli("show", account, "--format", "json")).stdout)


def findings(cli, *args: str) -> list[dict]:
    return json.loads(ok(cli("check", "--format", "json", *args)).stdout)


NEWS_DATE = "Sunday 21 March 2010 01:00 GMT"


# ------------------------------------------------------------------------------------------ item 1


def test_a_relative_date_is_derived_from_the_source_date_and_never_shown_as_stated(cli, db: Path) -> None:
    account = add(cli, "--name", "A", "--left", "last December", "--source-date", NEWS_DATE)
    shown = '2009-12 (from "last December", source 2010-03-21)'
    assert f"left: {shown}" in ok(cli("show", account)).stdout
    assert shown in ok(cli("list")).stdout
    data = record(cli, account)
    assert data["left"] == "last December"  # what was written, kept
    assert (data["left_edtf"], data["left_min"], data["left_max"]) == ("2009-12", "2009-12-01", "2009-12-31")
    assert (data["left_precision"], data["left_anchor"]) == ("month", "source 2010-03-21")
    assert data["source_date_edtf"] == "2010-03-21"  # the news form with a time of day is read
    row = next(csv.DictReader(io.StringIO(ok(cli("export", "--format", "csv")).stdout)))
    assert (row["left"], row["left_edtf"], row["left_anchor"]) == ("last December", "2009-12", "source 2010-03-21")
    markdown = ok(cli("export", "--format", "md")).stdout
    assert f"derived, not stated: {shown}" in markdown
    timeline = ok(cli("timeline", "--format", "json")).stdout
    assert "2009-12 (derived)" in timeline
    with sqlite3.connect(db) as conn:  # --since/--until filter on the derived days
        assert conn.execute("SELECT left_min, left_max FROM accounts").fetchone() == ("2009-12-01", "2009-12-31")
    assert ok(cli("list", "--since", "2009-12-15", "--until", "2009-12-20")).stdout.startswith(account)


def test_add_reads_the_phrases_ingest_drafts_the_same_way(cli) -> None:
    """One grammar (issue 22): "in September", "on Wednesday", "the summer of last year" given to `add` are
    derived from the source date as ingest derives them from an article's publication date."""
    for words, edtf in (
        ("in September", "2009-09"),
        ("on Wednesday", "2010-03-17"),
        ("the summer of last year", "2009-22"),
    ):
        account = add(cli, "--name", "A", "--left", words, "--source-date", NEWS_DATE)
        data = record(cli, account)
        assert (data["left"], data["left_edtf"], data["left_anchor"]) == (words, edtf, "source 2010-03-21")


def test_without_a_source_date_it_is_kept_as_written_until_one_is_added(cli) -> None:
    account = add(cli, "--name", "A", "--left", "el año pasado")
    data = record(cli, account)
    assert (data["left"], data["left_edtf"], data["left_min"], data["left_anchor"]) == (
        "el año pasado",
        None,
        None,
        "source",
    )
    assert '"el año pasado" (from source, which has no date yet)' in ok(cli("show", account)).stdout
    [finding] = findings(cli, "--rule", "date-no-anchor")
    assert (
        finding["field"] == "left"
        and "publication date" in finding["message"]
        and "--source-date" in finding["message"]
    )
    ok(cli("edit", account, "--set", "source_date=21.03.2010"))  # derived when the source date is written
    data = record(cli, account)
    assert (data["left_edtf"], data["left_anchor"]) == ("2009", "source 2010-03-21")
    assert findings(cli, "--rule", "date-no-anchor") == []
    ok(cli("undo"))  # the derivation is part of the audited write: undo takes it back
    assert record(cli, account)["left_edtf"] is None


def test_a_date_counted_from_another_date_of_the_account(cli) -> None:
    account = add(cli, "--name", "A", "--joined", "1986", "--left", "four years later", "--anchor", "left=joined")
    data = record(cli, account)
    assert (data["left_edtf"], data["left_anchor"]) == ("1990", "joined 1986")
    assert 'left: 1990 (from "four years later", joined 1986)' in ok(cli("show", account)).stdout
    ok(cli("edit", account, "--set", "joined=1988/1989"))  # the anchor changes: derived again, as a range
    assert record(cli, account)["left_edtf"] == "1992/1993"
    # no anchor named: kept as written, and check says what to do
    other = add(cli, "--name", "B", "--left", "one more year")
    assert record(cli, other)["left_anchor"] == "event"
    [finding] = [f for f in findings(cli, "--rule", "date-no-anchor") if f["account"] == other]
    assert "--anchor left=joined" in finding["message"]


def test_event_add_takes_an_anchor(cli) -> None:
    account = add(cli, "--name", "A", "--joined", "1990")
    ok(cli("event", "add", account, "--type", "exit_blocked", "--date", "one more year", "--anchor", "joined"))
    [event] = record(cli, account)["events"]
    assert (event["date"], event["date_edtf"], event["date_anchor"]) == ("one more year", "1991", "joined 1990")
    result = cli("event", "add", account, "--type", "left", "--date", "1995", "--anchor", "joined")
    assert result.exit_code == 1 and result.stderr.startswith("error: --date: "), result.stderr


def test_an_age_counts_from_the_birth_year(cli) -> None:
    account = add(cli, "--name", "A", "--birth-year", "1988", "--joined", "at the age of 13")
    data = record(cli, account)
    assert (data["joined_edtf"], data["joined_min"], data["joined_max"]) == ("2001/2002", "2001-01-01", "2002-12-31")
    uncertain = add(cli, "--name", "B", "--joined", "at the age of 13", "--anchor", "joined=1988/1989")
    assert record(cli, uncertain)["joined_edtf"] == "2001/2003"


def test_yearless_dates_need_an_anchor_to_be_derived(cli) -> None:
    stated = add(cli, "--name", "A", "--left", "18 August", "--source-date", "2010-03-21")
    assert record(cli, stated)["left_edtf"] == "XXXX-08-18"  # as before: a date without a year
    derived = add(cli, "--name", "B", "--left", "18 August", "--source-date", "2010-03-21", "--anchor", "left=source")
    assert record(cli, derived)["left_edtf"] == "2009-08-18"


def test_relative_dates_of_events_and_anchors_in_an_import(cli, tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text(
        json.dumps(
            [
                {
                    "name": "A",
                    "joined": "1990",
                    "left": "about a month ago",
                    "source_date": "March 21, 2010 at 1:00 am",
                    "events": [{"type": "exit_blocked", "date": "one more year", "date_anchor": "joined"}],
                }
            ]
        ),
        encoding="utf-8",
    )
    ok(cli("import", path))
    [data] = json.loads(ok(cli("export", "--format", "json")).stdout)
    assert (data["left_edtf"], data["left_min"], data["left_max"]) == ("2010-02~", "2010-01-01", "2010-03-31")
    assert (data["events"][0]["date_edtf"], data["events"][0]["date_anchor"]) == ("1991", "joined 1990")


def test_the_primary_shared_source_is_the_anchor(cli, tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    source = {"id": "5e0000000000000a", "title": "T", "date": "21.03.2010", "role": "primary"}
    path.write_text(json.dumps([{"name": "A", "left": "earlier this month", "sources": [source]}]), encoding="utf-8")
    ok(cli("import", path))
    [data] = json.loads(ok(cli("export", "--format", "json")).stdout)
    assert (data["left_edtf"], data["left_anchor"]) == ("2010-03-01/2010-03-21", "source 2010-03-21")


def test_a_source_date_never_counts_from_one_account_of_the_many_that_may_cite_it(
    cli, db: Path, tmp_path: Path
) -> None:
    """Found by the round-trip soak: two accounts citing one article, its date "four years later" counted from
    each account's own joined year, gave the shared source two dates (the second import was refused)."""
    add(cli, "--name", "Z")
    path = tmp_path / "a.json"
    for raw in (
        {
            "name": "A",
            "joined": "1990",
            "source_url": "https://example.org/a",
            "source_date": "four years later",
            "source_date_anchor": "joined",
        },
        {"name": "A", "birth_year": 1980, "source_date": "at the age of 13"},
        {"name": "A", "sources": [{"title": "T", "date": "last year", "date_anchor": "birth_year", "role": "primary"}]},
    ):
        path.write_text(json.dumps([raw]), encoding="utf-8")
        before = ok(cli("export", "--format", "json")).stdout
        result = cli("import", path)
        assert result.exit_code == 1, result.stderr
        assert "date" in result.stderr and "write the date itself" in result.stderr
        assert ok(cli("export", "--format", "json")).stdout == before
    result = cli("add", "--no-input", "--name", "A", "--source-date", "two years ago", "--anchor", "source_date=left")
    assert result.exit_code == 1 and "--source-date" in result.stderr and "write the date itself" in result.stderr
    # counted from a date written out, it is one date for everyone
    account = add(cli, "--name", "A", "--source-date", "two years ago", "--anchor", "source_date=2010-03-21")
    data = record(cli, account)
    assert (data["source_date_edtf"], data["source_date_anchor"]) == ("2008", "2010-03-21")


def test_bad_anchors_name_the_option_and_the_forms(cli, db: Path) -> None:
    result = cli("add", "--no-input", "--name", "A", "--left", "last year", "--anchor", "lfet=joined")
    assert result.exit_code == 2 and "--anchor takes DATE=FROM" in result.stderr
    result = cli("add", "--no-input", "--name", "A", "--left", "last year", "--anchor", "left=banana")
    assert result.exit_code == 1 and "--left" in result.stderr and "the anchor must be source" in result.stderr
    result = cli("add", "--no-input", "--name", "A", "--left", "1990", "--anchor", "left=joined")
    assert result.exit_code == 1 and "not a date relative to another" in result.stderr
    assert "banana" not in result.stderr


def test_a_derived_date_whose_anchor_changed_elsewhere_is_reported(cli, db: Path) -> None:
    account = add(cli, "--name", "A", "--left", "last year", "--source-date", "2010-03-21")
    with sqlite3.connect(db) as conn:  # as a shared source's new date reaches the flat columns
        conn.execute("UPDATE accounts SET source_date = '2012-05-01', source_date_edtf = '2012-05-01', "
                     "source_date_min = '2012-05-01', source_date_max = '2012-05-01'")  # fmt: skip
    [finding] = findings(cli, "--rule", "date-anchor-changed")
    assert finding["account"] == account and "source 2012-05-01" in finding["message"]


# ------------------------------------------------------------------------------------------ item 2


def test_years_in_org_keeps_its_qualifier(cli) -> None:
    cases = {
        "for 34 years": (34, None, "34"),
        "more than seven years": (7, "more_than", ">7"),
        "almost a decade": (10, "almost", "~10 (<10)"),
        "over twenty years": (20, "more_than", ">20"),
        "34": (34, None, "34"),
        "~10": (10, "about", "~10"),
    }
    for written, (years, qualifier, shown) in cases.items():
        account = add(cli, "--name", "A", "--years-in-org", written)
        data = record(cli, account)
        assert (data["years_in_org"], data["years_in_org_qualifier"]) == (years, qualifier), written
        assert f"years_in_org: {shown}\n" in ok(cli("show", account)).stdout
    result = cli("add", "--no-input", "--years-in-org", "a long time")
    assert result.exit_code == 1 and "--years-in-org" in result.stderr and "more than seven years" in result.stderr


def test_an_exact_number_clears_the_qualifier(cli) -> None:
    account = add(cli, "--name", "A", "--years-in-org", "more than seven years")
    ok(cli("edit", account, "--set", "years_in_org=8"))
    data = record(cli, account)
    assert (data["years_in_org"], data["years_in_org_qualifier"]) == (8, None)


def test_ranges_and_alternatives_are_dates_not_errors(cli) -> None:
    for written, edtf in {"1986–90": "1986/1990", "2023/24": "2023/2024", "before 2024": "../2023",
                          "after 1990": "1991/..", "early 1990s": "1990/1993"}.items():  # fmt: skip
        account = add(cli, "--name", "A", "--joined", written)
        assert record(cli, account)["joined_edtf"] == edtf


# ------------------------------------------------------------------------------------------ item 3


def test_check_shows_the_arithmetic_when_joined_years_and_left_disagree(cli) -> None:
    add(cli, "--name", "A", "--joined", "1986", "--years-in-org", "34", "--left", "2019-2020")
    late = add(cli, "--name", "B", "--joined", "1981", "--years-in-org", "more than seven years", "--left", "1985")
    exact = add(cli, "--name", "C", "--joined", "1990", "--years-in-org", "34", "--left", "2000")
    found = {f["account"]: f["message"] for f in findings(cli, "--rule", "years-in-org")}
    assert found == {
        late: "joined 1981 + >7 years ≥ 1988, but left 1985: disagree by 3 years",
        exact: "joined 1990 + 34 years = 2024, but left 2000: disagree by 24 years",
    }


def test_a_year_before_1900_shows_what_was_written_and_the_likely_intent(cli) -> None:
    account = add(cli, "--name", "A", "--birth-year", "1965")
    ok(cli("event", "add", account, "--type", "captured", "--date", "1886"))
    [finding] = findings(cli, "--rule", "date-before-1900")
    assert finding["severity"] == "warning"
    assert finding["message"] == (
        "1886 as written — before 1900; the person was born 1965; perhaps 1986 was meant (keep what was written: "
        "correct it with <date>_corrected)"
    )


def test_add_edit_and_import_print_the_findings_of_what_they_wrote(cli, tmp_path: Path) -> None:
    result = ok(cli("add", "--no-input", "--name", "SECRET-NAME", "--joined", "1981", "--years-in-org", "over seven "
                    "years", "--left", "1985"))  # fmt: skip
    account = result.stdout.strip()
    assert result.stdout == f"{account}\n"  # stdout: the id alone
    assert f"warning: {account} years_in_org: joined 1981 + >7 years ≥ 1988" in result.stderr
    assert "SECRET-NAME" not in result.stderr
    result = ok(cli("edit", account, "--set", "left=2999"))
    assert "date-future" in result.stderr
    assert "date-future" not in ok(cli("--quiet", "edit", account, "--set", "left=2998")).stderr
    path = tmp_path / "a.json"
    path.write_text(json.dumps([{"name": "B", "joined": "2010", "left": "2005"}]), encoding="utf-8")
    result = ok(cli("import", path))
    assert "left-before-joined" in result.stderr and "error:" in result.stderr
    before = ok(cli("add", "--no-input", "--name", "C", "--left", "1990"))
    assert before.stderr == ""  # nothing found, nothing said
