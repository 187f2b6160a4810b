"""The research record through the CLI: organisations and aliases, shared graded sources, timelines,
quotes, vocabularies, and the lossless nested round trip."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from conftest import DATA, casefile_csv


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def records(cli, *args: str) -> list[dict]:
    return json.loads(ok(cli("list", "--format", "json", *args)).stdout)


@pytest.fixture
def sample(cli) -> None:
    ok(cli("org", "import", DATA / "organizations.json"))
    ok(cli("import", DATA / "accounts.json"))


# ------------------------------------------------------------------------------------------ organisations


def test_aliases_resolve_case_and_diacritics_insensitively(cli) -> None:
    ok(cli("org", "add", "Mujahedin-e Khalq", "--alias", "MEK", "--alias", "MKO", "--type", "political_movement"))
    ok(cli("org", "alias", "mek", "PMOI"))
    for name in ("Mujahedin-e Khalq", "mujahedin-e khalq", "MEK", "mko", "PMOI", "Mujahedín-e Khalq"):
        ok(cli("add", "--no-input", "--name", name, "--org", name))
    assert {r["organization"] for r in records(cli)} == {"Mujahedin-e Khalq"}
    assert len(records(cli, "--org", "pmoi")) == 6
    org = json.loads(ok(cli("org", "show", "MKO", "--format", "json")).stdout)[0]
    assert org["name"] == "Mujahedin-e Khalq" and org["aliases"] == ["MEK", "MKO", "PMOI"] and org["accounts"] == 6


def test_an_alias_cannot_name_two_organisations(cli) -> None:
    ok(cli("org", "add", "Alpha", "--alias", "AL"))
    result = cli("org", "add", "Beta", "--alias", "al")
    assert result.exit_code == 2 and "already names the organisation 'Alpha'" in result.stderr
    assert len(json.loads(cli("org", "list", "--format", "json").stdout)) == 1


def test_unknown_org_on_import_is_created_and_near_match_warned(cli, tmp_path: Path) -> None:
    ok(cli("org", "add", "Mujahedin-e Khalq"))
    path = tmp_path / "a.json"
    path.write_text(json.dumps([{"name": "x", "organization": "Mujahedin-e-Khalq"}]))
    result = ok(cli("import", path))
    assert "1 new organisation: Mujahedin-e-Khalq" in result.stderr
    assert "nearly matches 'Mujahedin-e Khalq'" in result.stderr
    names = [o["name"] for o in json.loads(cli("org", "list", "--format", "json").stdout)]
    assert names == ["Mujahedin-e Khalq", "Mujahedin-e-Khalq"]  # reported, never merged


def test_many_new_organisations_are_summed_up_on_one_short_line(cli, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("name,organization\n" + "".join(f"x,Group {n:02d}\n" for n in range(1, 13)))
    result = ok(cli("import", path))
    (line,) = [x for x in result.stderr.splitlines() if "new organisation" in x]
    listed = ", ".join(f"Group {n:02d}" for n in range(1, 11))
    assert line == f"12 new organisations: {listed} and 2 more (`casefile org list` shows them)"
    assert len(json.loads(cli("org", "list", "--format", "json").stdout)) == 12


def test_org_import_is_idempotent(cli) -> None:
    assert "5 organisations added" in ok(cli("org", "import", DATA / "organizations.json")).stderr
    assert "0 organisations added, 0 names added" in ok(cli("org", "import", DATA / "organizations.json")).stderr


def test_unknown_org_type_suggests(cli) -> None:
    result = cli("org", "add", "X", "--type", "armed_grup")
    assert result.exit_code == 2 and "did you mean armed_group" in result.stderr


# ------------------------------------------------------------------------------------------------ sources


def test_sample_shares_one_source_between_two_accounts(cli, sample) -> None:
    sources = json.loads(ok(cli("source", "list", "--format", "json")).stdout)
    shared = [s for s in sources if s["accounts"] == 2]
    assert len(shared) == 1 and shared[0]["publisher"] == "Demo Daily"
    detail = json.loads(ok(cli("source", "show", shared[0]["id"][:6], "--format", "json")).stdout)[0]
    assert [a["locator"] for a in detail["accounts"]] == ["para. 2", "para. 7"]
    assert {
        r["source_title"] for r in records(cli, "--org", "MEK") if r["external_id"] in ("DEMO-0003", "DEMO-0006")
    } == {"Synthetic news article: two former members speak"}


def test_source_add_link_grades_and_primary_mirror(cli) -> None:
    account = ok(cli("add", "--no-input", "--name", "P", "--source-title", "old title")).stdout.strip()
    source = ok(
        cli(
            "source",
            "add",
            "--title",
            "Interview",
            "--publisher",
            "Radio X",
            "--publisher-type",
            "news_media",
            "--stance",
            "independent",
            "--date",
            "March 2016",
        )
    ).stdout.strip()
    ok(
        cli(
            "source",
            "link",
            account[:5],
            source[:5],
            "--role",
            "corroborating",
            "--reliability",
            "b",
            "--credibility",
            "2",
            "--locator",
            "p. 3",
        )
    )
    record = json.loads(ok(cli("show", account, "--format", "json")).stdout)
    assert record["source_title"] == "old title"  # a corroborating source leaves the flat columns alone
    own, linked = record["sources"]  # the flat source is a shared one too, and stays the primary
    assert (own["title"], own["role"]) == ("old title", "primary")
    assert linked["reliability"] == "B" and linked["locator"] == "p. 3"
    ok(cli("source", "link", account, source, "--role", "primary", "--reliability", "C", "--credibility", "3"))
    record = json.loads(ok(cli("show", account, "--format", "json")).stdout)
    assert (
        record["source_title"],
        record["source_publisher"],
        record["source_date"],
        record["source_reliability"],
        record["source_credibility"],
    ) == ("Interview", "Radio X", "March 2016", "C", "3")
    assert [(s["title"], s["role"]) for s in record["sources"]] == [
        ("old title", "corroborating"),
        ("Interview", "primary"),
    ]


def test_flat_source_columns_cannot_contradict_a_shared_primary(cli, sample, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("external_id,source_title\r\nDEMO-0003,Another title\r\n")  # its source: DEMO-0006's too
    result = cli("import", path)
    assert result.exit_code == 1 and "field 'source_title': differs from the shared source" in result.stderr


def test_source_url_is_unique(cli) -> None:
    ok(cli("source", "add", "--url", "https://example.org/a"))
    result = cli("source", "add", "--url", "https://example.org/a")
    assert result.exit_code == 2 and "stored already" in result.stderr


# ------------------------------------------------------------------------------------- timeline and quotes


def test_event_add_with_correction_and_timeline_order(cli, db: Path) -> None:
    account = ok(cli("add", "--no-input", "--name", "T")).stdout.strip()
    for args in (
        ["--type", "announced", "--date", "New Year's Eve"],
        ["--type", "left", "--date", "2010-05-02"],
        ["--type", "joined", "--date", "2010"],
        ["--type", "captured", "--date", "1886", "--correct", "1986", "--note", "typo"],
        ["--type", "recruited", "--date", "summer 2009"],
        ["--type", "relocated", "--date", "March 2010"],
    ):
        ok(cli("event", "add", account, *args))
    rows = json.loads(ok(cli("timeline", account, "--format", "json")).stdout)
    assert [r["type"] for r in rows] == ["captured", "recruited", "joined", "relocated", "left", "announced"]
    captured = rows[0]
    assert (captured["date"], captured["reading"], captured["note"]) == ("1886", "1986 (corrected)", "typo")
    assert rows[-1]["reading"] == "XXXX-12-31" and rows[-1]["earliest"] is None
    stored = sqlite3.connect(db).execute("SELECT date, date_corrected, date_min FROM events WHERE type='captured'")
    assert stored.fetchone() == ("1886", "1986", "1986-01-01")


def test_event_errors_name_the_field(cli) -> None:
    account = ok(cli("add", "--no-input", "--name", "T")).stdout.strip()
    result = cli("event", "add", account, "--type", "flew")
    assert result.exit_code == 1 and result.stderr.startswith("error: --type: ")  # the option typed, not events[1].type
    result = cli("event", "add", account, "--type", "left", "--date", "03/04/2021")
    assert result.exit_code == 1 and result.stderr.startswith("error: --date: ") and "events[" not in result.stderr
    assert ok(cli("event", "add", account, "--type", "left", "--date", "03/04/2021", "--dayfirst"))


def test_quote_from_stdin_keeps_text_exact(cli) -> None:
    account = ok(cli("add", "--no-input", "--name", "Q")).stdout.strip()
    text = "  «Я не видел будущего» — می‌خواهم\tend  "
    ok(cli("quote", "add", account, "--text", "-", "--speaker", "Q", "--language", "ru", input=text + "\n"))
    record = json.loads(ok(cli("show", account, "--format", "json")).stdout)
    (quote,) = record["quotes"]
    assert len(quote.pop("id")) == 8  # each quote has an id of its own (issue 19, item 7)
    assert quote == {
        "text": text,
        "speaker": "Q",
        "language": "ru",
        "translation": None,
        "locator": None,
        "source": None,
        "supports": None,
        "relayed_via": None,
    }


def test_timeline_filters_and_unknown_years_last(cli, sample) -> None:
    rows = json.loads(ok(cli("timeline", "--org", "Children of the Dawn", "--format", "json")).stdout)
    assert [r["type"] for r in rows if r["field"] == "events"] == ["joined", "left"]
    seed = json.loads(ok(cli("timeline", "SEED-0001", "--format", "json")).stdout)
    assert seed[0]["type"] == "captured" and seed[0]["date"] == "1886" and seed[0]["field"] == "events"
    dated = [r for r in seed if r["earliest"]]
    assert [r["earliest"] for r in dated] == sorted(r["earliest"] for r in dated)
    assert all(r["earliest"] is None for r in seed[len(dated) :])


# ---------------------------------------------------------------------------------------------- vocabularies


def test_vocab_lists_and_extends(cli) -> None:
    rows = json.loads(ok(cli("vocab", "--vocabulary", "exit_reason", "--format", "json")).stdout)
    groups = {r["code"]: r["group"] for r in rows}
    assert groups["burnout"] == "push" and groups["normal_life"] == "pull" and groups["no_papers"] == "barrier"
    result = cli("add", "--no-input", "--reason", "religious_conversion")
    assert result.exit_code == 1
    ok(cli("vocab", "add", "exit_reason", "religious_conversion", "--label", "Religious conversion", "--group", "pull"))
    ok(cli("add", "--no-input", "--reason", "religious_conversion"))
    rows = json.loads(ok(cli("vocab", "--vocabulary", "exit_reason", "--format", "json")).stdout)
    assert {"code": "religious_conversion", "origin": "user"}.items() <= rows[-1].items()
    assert cli("vocab", "add", "exit_type", "flew", "--label", "x").exit_code == 2


# --------------------------------------------------------------------------------------- the seed and export


def test_seed_account_is_fully_coded(cli, sample) -> None:
    seed = json.loads(ok(cli("show", "SEED-0001", "--format", "json")).stdout)
    assert seed["organization"] == "Mujahedin-e Khalq"
    types = [e["type"] for e in seed["events"]]
    assert types == [
        "captured",
        "detained",
        "recruited",
        "joined",
        "relocated",
        "requested_exit",
        "exit_blocked",
        "left",
        "arrived",
        "announced",
    ]
    captured = seed["events"][0]
    assert (captured["date"], captured["date_corrected"], captured["date_edtf"]) == ("1886", "1986", "1986")
    assert seed["events"][-1]["date_edtf"] == "XXXX-12-31"
    assert {"isolation_from_family", "no_future", "exit_denied_or_delayed"} <= set(seed["reasons"])
    assert {"coercive_group_sessions", "family_contact_restricted"} <= set(seed["allegations"])
    assert any("brainwashing" in q["text"] for q in seed["quotes"])
    source = seed["sources"][0]
    assert (source["role"], source["reliability"], source["credibility"], source["stance"]) == (
        "primary",
        "F",
        "3",
        "adversarial",
    )


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_nested_round_trip_is_lossless_and_idempotent(cli, sample, tmp_path: Path, fmt: str) -> None:
    first = tmp_path / f"first.{fmt}"
    ok(cli("export", "--format", fmt, "--include-restricted", "-o", first))
    other = tmp_path / "other.db"
    ok(cli("--db", other, "import", first))
    assert "0 added, 0 updated, 7 unchanged" in ok(cli("--db", other, "import", first)).stderr
    second = tmp_path / f"second.{fmt}"
    ok(cli("--db", other, "export", "--format", fmt, "--include-restricted", "-o", second))
    assert first.read_bytes() == second.read_bytes()
    assert b'"date_corrected": "1986"' in first.read_bytes()


def test_export_tables_keyed_by_account(cli, sample) -> None:
    seed_id = json.loads(cli("show", "SEED-0001", "--format", "json").stdout)["id"]
    for table, count in (("events", 12), ("quotes", 3), ("sources", 7)):  # 3 linked and 4 flat sources
        out = ok(cli("export", "--table", table, "--include-restricted")).stdout
        rows = casefile_csv(out)
        assert len(rows) == count, table
        assert rows[0]["account_id"] == seed_id
    events = casefile_csv(cli("export", "--table", "events").stdout)
    assert events[0]["date"] == "1886" and events[0]["date_corrected"] == "1986"
    assert cli("export", "--table", "events", "--format", "json").exit_code == 2
