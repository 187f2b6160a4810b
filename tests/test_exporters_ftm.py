"""FollowTheMoney export: every entity validates with the library itself, the sample file loads into the
library's own proxies with nothing dropped, values FtM cannot carry are reported and kept in descriptions,
and ids are the same on every export and after a re-import."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from followthemoney import model

from casefile.errors import CasefileError
from casefile.exporters import ftm
from casefile.model import Account, Filter, FuzzyDate
from casefile.store import Store

from conftest import DATA


def ok(result: Any) -> Any:
    assert result.exit_code == 0, result.stderr
    return result


@pytest.fixture
def sample(cli) -> None:
    ok(cli("org", "import", DATA / "organizations.json"))
    ok(cli("import", DATA / "accounts.json"))


def entities(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def export(cli, *args: str) -> tuple[list[dict[str, Any]], str]:
    result = ok(cli("export", "--format", "ftm", "--include-restricted", *args))
    return entities(result.stdout), result.stderr


def by_keyword(items: list[dict[str, Any]], keyword: str, person_id: str | None = None) -> list[dict[str, Any]]:
    return [
        e
        for e in items
        if keyword in e["properties"].get("keywords", [])
        and (person_id is None or person_id in e["properties"].get("involved", []))
    ]


def person_of(items: list[dict[str, Any]], external_id: str) -> dict[str, Any]:
    (person,) = [
        e
        for e in items
        if e["schema"] == "Person" and any(external_id in d for d in e["properties"].get("description", []))
    ]
    return person


def check(data: dict[str, Any]) -> None:
    """The library's own validation plus the required-property check it does not make."""
    schema = model.get(data["schema"])
    assert schema is not None and not schema.abstract
    schema.validate(data)
    missing = [p for p in schema.required if not data["properties"].get(p)]
    assert not missing, (data["schema"], missing)


# ------------------------------------------------------------------------------------------- the sample


def test_every_entity_validates_and_every_reference_resolves(cli, sample) -> None:
    items, _ = export(cli)
    ids = [e["id"] for e in items]
    assert len(ids) == len(set(ids))
    for data in items:
        check(data)
        proxy = model.get_proxy(data)
        for prop, value in proxy.itervalues():
            if prop.type.name == "entity":
                assert value in ids, (data["schema"], prop.name)


def test_sample_entity_counts(cli, sample) -> None:
    items, _ = export(cli)
    assert Counter(e["schema"] for e in items) == {
        "Person": 7,
        "Membership": 7,
        "Organization": 4,  # the four organisations the accounts name; Nejat Society is only a publisher
        "Article": 6,  # two shared sources and four accounts' flat source columns; one source is shared
        "Documentation": 7,
        "Event": 30,  # 7 exits, 11 allegations, 12 timeline events
        "Note": 3,
        "Address": 13,  # distinct place texts
    }


def test_sample_loads_into_the_library_proxies_with_nothing_dropped(cli, sample, db: Path) -> None:
    store = Store.open(db)
    out = io.StringIO()
    writer = ftm.Writer(out, store.organizations(), warn=lambda line: None)
    assert writer.write(store.query(Filter(), nested=True)) == 7
    store.close()
    assert out.getvalue() == ok(cli("export", "--format", "ftm", "--include-restricted")).stdout
    held = 0
    for data in entities(out.getvalue()):
        proxy = model.get_proxy(data, cleaned=False)  # re-cleans every value, as Aleph's bulk API does
        assert proxy.to_dict()["properties"] == data["properties"]
        held += sum(len(values) for values in proxy.properties.values())
    assert held == writer.values > 400
    assert sum(writer.entities.values()) == len(entities(out.getvalue()))


def test_ftm_validate_passes_the_file_unchanged(cli, sample, tmp_path: Path) -> None:
    from click.testing import CliRunner
    from followthemoney.cli.cli import cli as ftm_cli

    ok(cli("export", "--format", "ftm", "-o", tmp_path / "case.ftm.json"))
    result = CliRunner().invoke(
        ftm_cli, ["validate", "-i", str(tmp_path / "case.ftm.json"), "-o", str(tmp_path / "clean.json")]
    )
    assert result.exit_code == 0, result.output
    ours = entities((tmp_path / "case.ftm.json").read_text(encoding="utf-8"))
    theirs = entities((tmp_path / "clean.json").read_text(encoding="utf-8"))
    assert [(e["id"], e["schema"], e["properties"]) for e in theirs] == [
        (e["id"], e["schema"], e["properties"]) for e in ours
    ]


def test_the_seed_capture_date_is_carried_as_corrected_with_the_raw_text(cli, sample) -> None:
    items, _ = export(cli)
    seed = person_of(items, "SEED-0001")
    (captured,) = by_keyword(items, "event_type:captured", seed["id"])
    assert captured["properties"]["date"] == ["1986"]
    assert captured["properties"]["name"] == ["Captured: Ali Mohammad Rahimi Alashti"]
    (description,) = captured["properties"]["description"]
    assert "date: 1886 (as written), corrected to 1986 (EDTF 1986;" in description
    assert "note: typo in the source" in description


def test_new_years_eve_is_no_date_and_stays_in_the_description(cli, sample) -> None:
    items, stderr = export(cli)
    seed = person_of(items, "SEED-0001")
    (announced,) = by_keyword(items, "event_type:announced", seed["id"])
    assert not {"date", "startDate", "endDate"} & set(announced["properties"])
    assert (
        "date: New Year's Eve (EDTF XXXX-12-31; earliest and latest day unknown"
        in announced["properties"]["description"][0]
    )
    seed_id = seed["properties"]["description"][0].split()[2].rstrip(",")
    assert f"warning: account {seed_id}: event 10 field 'date': the year is unknown" in stderr
    assert "New Year" not in stderr and "1886" not in stderr  # reports name the field, never the text


def test_dates_are_as_precise_as_ftm_can_carry(cli, sample) -> None:
    items, stderr = export(cli)
    memberships = {e["properties"]["member"][0]: e["properties"] for e in items if e["schema"] == "Membership"}
    seed = memberships[person_of(items, "SEED-0001")["id"]]
    assert seed["startDate"] == ["1990"] and "endDate" not in seed  # "around 2024" is 2023…2025
    assert "left: around 2024 (EDTF 2024~; 2023-01-01 to 2025-12-31; precision year;" in seed["description"][0]
    demo = memberships[person_of(items, "DEMO-0002")["id"]]
    assert (demo["startDate"], demo["endDate"]) == (["1997"], ["2006-01-14"])  # summer 1997; Jan.14, 2006
    assert "announced: March 2006 (EDTF 2006-03;" in demo["description"][0]
    (detained,) = by_keyword(items, "event_type:detained")
    assert (detained["properties"]["startDate"], detained["properties"]["endDate"]) == (["1986"], ["1990"])
    assert "date" not in detained["properties"]
    assert stderr.count("warning: ") == 8
    assert "8 values could not be carried as FtM properties" in stderr


def test_organisations_with_aliases_and_acronyms(cli, sample) -> None:
    items, _ = export(cli, "--org", "MEK")
    (org,) = [e["properties"] for e in items if e["schema"] == "Organization"]
    assert org["name"] == ["Mujahedin-e Khalq"]
    assert org["weakAlias"] == ["MEK", "MKO", "PMOI"]
    assert org["alias"] == ["People's Mojahedin Organization of Iran", "Mojahedin-e Khalq", "سازمان مجاهدین خلق ایران"]
    assert (org["country"], org["classification"]) == (["ir"], ["political_movement"])
    seed = person_of(items, "SEED-0001")
    allegations = [e for e in items if e["properties"].get("name", [""])[0].startswith("Allegation: ")]
    assert len(allegations) == 7  # the seed's four, DEMO-0003's one and DEMO-0006's two
    coercion = by_keyword(allegations, "allegation:coercive_group_sessions", seed["id"])[0]["properties"]
    assert set(coercion["involved"]) == {seed["id"], next(e["id"] for e in items if e["schema"] == "Organization")}
    assert coercion["keywords"] == ["allegation:coercive_group_sessions", "status:alleged"]


def test_person_reasons_sources_quotes_and_places(cli, sample) -> None:
    items, _ = export(cli)
    unnamed = person_of(items, "DEMO-0004")
    assert unnamed["properties"]["name"][0].startswith("Unnamed defector (")
    seed = person_of(items, "SEED-0001")
    assert (seed["properties"]["nationality"], seed["properties"]["gender"]) == (["ir"], ["male"])
    (exit_event,) = by_keyword(items, "exit_type:unknown", seed["id"])
    assert "exit_reason:burnout" in exit_event["properties"]["keywords"]
    assert exit_event["properties"]["name"] == ["Ali Mohammad Rahimi Alashti left Mujahedin-e Khalq"]
    addresses = {e["id"]: e["properties"]["full"][0] for e in items if e["schema"] == "Address"}
    assert [addresses[a] for a in exit_event["properties"]["addressEntity"]] == [
        "Camp Ashraf 3, Manëz, Albania",
        "Nejat Society office, Tirana",
    ]
    articles = {e["id"]: e["properties"] for e in items if e["schema"] == "Article"}
    (source,) = seed["properties"]["proof"]
    assert articles[source]["publisher"] == ["Nejat Society"] and articles[source]["language"] == ["eng"]
    notes = [e["properties"] for e in items if e["schema"] == "Note"]
    assert [n["description"] for n in notes][2] == ["brainwashing sessions"]
    assert all(n["entity"] == [seed["id"]] and n["proof"] == [source] for n in notes)
    docs = [
        e["properties"] for e in items if e["schema"] == "Documentation" and e["properties"]["document"] == [source]
    ]
    assert docs[0]["role"] == ["primary source"]
    assert docs[0]["description"] == [
        "Admiralty grading for this account: source reliability F, information credibility 3"
    ]


# ---------------------------------------------------------------------------------------------------- ids


def test_two_exports_are_byte_identical_and_ids_survive_a_reimport(cli, sample, tmp_path: Path) -> None:
    first = ok(cli("export", "--format", "ftm", "--include-restricted")).stdout
    assert ok(cli("export", "--format", "ftm", "--include-restricted")).stdout == first
    ok(cli("export", "--format", "json", "--include-restricted", "-o", tmp_path / "all.json"))
    fresh = tmp_path / "fresh.db"
    ok(cli("--db", fresh, "org", "import", DATA / "organizations.json"))
    ok(cli("--db", fresh, "import", tmp_path / "all.json"))
    again = ok(cli("--db", fresh, "export", "--format", "ftm", "--include-restricted")).stdout
    assert [e["id"] for e in entities(again)] == [e["id"] for e in entities(first)]
    assert again == first


def test_dataset_name_prefixes_every_id(cli, sample) -> None:
    default, _ = export(cli)
    named, _ = export(cli, "--dataset", "defection_cases")
    assert len(default) == len(named)
    assert not {e["id"] for e in default} & {e["id"] for e in named}
    person = model.make_entity("Person", key_prefix="defection_cases")
    seed_id = person_of(default, "SEED-0001")["properties"]["description"][0].split()[2].rstrip(",")
    assert person.make_id("person", seed_id) == person_of(named, "SEED-0001")["id"]


@pytest.mark.parametrize("name", ["Defection-Cases", "defection cases", "1cases", "a__b", "cases_", "", "Cases"])
def test_dataset_must_be_snake_case(cli, name: str, tmp_path: Path) -> None:
    result = cli("export", "--format", "ftm", "--dataset", name, "-o", tmp_path / "x.json")
    assert result.exit_code == 2
    assert "snake_case" in result.stderr and len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "x.json").exists()


def test_dataset_belongs_to_ftm(cli) -> None:
    result = cli("export", "--format", "json", "--dataset", "cases")
    assert result.exit_code == 2 and "--format ftm" in result.stderr


def test_without_the_library_one_line_says_how_to_install(
    cli, sample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "followthemoney", None)  # `import followthemoney` now fails
    result = cli("export", "--format", "ftm", "-o", tmp_path / "case.ftm.json")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == "error: --format ftm needs the followthemoney library: pip install 'casefile[ftm]'\n"
    assert not (tmp_path / "case.ftm.json").exists()


def test_the_library_is_imported_only_when_the_format_is_used() -> None:
    probe = (
        "import sys, casefile.cli, casefile.exporters, casefile.exporters.ftm\nprint('followthemoney' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


# ----------------------------------------------------------------------------------- values FtM refuses


def date(raw: str, edtf: str | None, lo: str | None, hi: str | None, precision: str) -> FuzzyDate:
    return FuzzyDate(raw, edtf, lo, hi, precision)


def awkward() -> Account:
    return Account(
        {
            "id": "0123456789abcdef",
            "name": "N" * 400,  # over the 384 characters of an FtM name
            "aliases": ["Nick", "Nick"],
            "gender": "unknown",
            "nationality": "Atlantis",
            "birth_year": 990,
            "organization": "Group X",
            "role": "r" * 1100,
            "joined": date("circa 1960", None, None, None, "unknown"),
            "left": date("1990-2024", "1990/2024", "1990-01-01", "2024-12-31", "interval"),
            "left_from": "p" * 300,  # over the 250 characters of an FtM address
            "summary": "s" * 70000,  # over the 65000 characters of one FtM text value
            "sources": [{"id": "feedfacefeedface", "title": "T", "url": "javascript:alert(1)", "role": "primary"}],
            "events": [{"type": "left", "date": date("1986?", "1986?", "1986-01-01", "1986-12-31", "year")}],
        }
    )


def test_values_ftm_cannot_carry_are_reported_and_kept_in_descriptions() -> None:
    out, warnings = io.StringIO(), []
    writer = ftm.Writer(out, [{"name": "Group X", "aliases": ["GX", "Gruppe X"], "notes": None}], warn=warnings.append)
    writer.write([awkward()])
    items = entities(out.getvalue())
    for data in items:
        check(data)
    person = next(e["properties"] for e in items if e["schema"] == "Person")
    membership = next(e["properties"] for e in items if e["schema"] == "Membership")
    article = next(e["properties"] for e in items if e["schema"] == "Article")
    reported = [line.split(": ")[2] for line in warnings[:-1]]
    assert reported == [
        "field 'url'",
        "field 'name'",
        "field 'nationality'",
        "field 'gender'",
        "field 'birth_year'",
        "field 'role'",
        "field 'joined'",
        "field 'left'",
        "field 'left_from'",
    ]
    assert warnings[-1] == "9 values could not be carried as FtM properties; each is kept in its entity's description"
    for line in warnings[:-1]:
        assert line.startswith("warning: ")
        assert not any(
            text in line for text in ("NNN", "unknown", "Atlantis", "990", "rrr", "circa", "ppp", "javascript")
        )
    assert person["name"] == ["Defector (01234567)"] and person["alias"] == ["Nick"]
    description = person["description"][0]
    assert "field 'name': " + "N" * 400 in description
    assert "field 'gender': unknown" in description and "field 'nationality': Atlantis" in description
    assert "field 'birth_year': 990" in description
    assert "".join(person["summary"]) == "s" * 70000 and len(person["summary"]) == 2
    assert "field 'role': " + "r" * 1100 in membership["description"][0]
    assert "joined: circa 1960 (earliest and latest day unknown; precision unknown)" in membership["description"][0]
    assert "left: 1990-2024 (EDTF 1990/2024; 1990-01-01 to 2024-12-31;" in membership["description"][0]
    assert "startDate" not in membership and "endDate" not in membership
    assert "field 'url': javascript:alert(1)" in article["description"][0]
    exit_event = next(
        e["properties"] for e in items if e["properties"].get("name") == ["Defector (01234567) left Group X"]
    )
    assert (exit_event["startDate"], exit_event["endDate"]) == (["1990"], ["2024"])  # not the cleaner's "1990"
    assert "left from: " + "p" * 300 in exit_event["description"][0] and "addressEntity" not in exit_event
    (left,) = [e["properties"] for e in items if e["properties"].get("keywords") == ["event_type:left"]]
    assert left["date"] == ["1986"] and "date: 1986? (EDTF 1986?;" in left["description"][0]  # "?" kept in text
    held = sum(len(v) for e in items for v in model.get_proxy(e, cleaned=False).properties.values())
    assert held == writer.values


def test_without_an_organisation_there_is_no_membership() -> None:
    out, warnings = io.StringIO(), []
    account = Account(
        {
            "id": "ab" * 8,
            "name": "P",
            "role": "cook",
            "joined": date("1990", "1990", "1990-01-01", "1990-12-31", "year"),
        }
    )
    ftm.write([account], out, warn=warnings.append)
    items = entities(out.getvalue())
    assert [e["schema"] for e in items] == ["Person"]
    assert items[0]["properties"]["description"][0].splitlines() == [
        "casefile account abababababababab",
        "role: cook",
        "joined: 1990 (EDTF 1990; 1990-01-01 to 1990-12-31; precision year)",
    ]
    assert [w.split(": ")[2] for w in warnings[:-1]] == ["field 'role'", "field 'joined'"]


@pytest.mark.parametrize(
    ("lo", "hi", "common", "start", "end"),
    [
        ("1990-01-01", "1990-12-31", "1990", "1990", "1990"),
        ("2016-03-01", "2016-03-31", "2016-03", "2016-03", "2016-03"),
        ("2006-01-14", "2006-01-14", "2006-01-14", "2006-01-14", "2006-01-14"),
        ("1997-06-01", "1997-08-31", "1997", "1997-06", "1997-08"),
        ("2024-02-01", "2024-02-29", "2024-02", "2024-02", "2024-02"),
        ("1986-01-01", "1990-12-31", None, "1986", "1990"),
        ("2023-01-01", "2025-12-31", None, "2023", "2025"),
        ("2015-12-30", "2016-01-02", None, "2015-12-30", "2016-01-02"),
    ],
)
def test_date_precision(lo: str, hi: str, common: str | None, start: str, end: str) -> None:
    assert ftm.common_date(FuzzyDate("x", None, lo, hi)) == common
    assert (ftm.start_bound(lo), ftm.end_bound(hi)) == (start, end)


def test_acronyms() -> None:
    assert [
        n for n in ["MEK", "PMOI", "NLF", "ESSS", "CotD", "Nejat Society", "A", "People's"] if ftm.is_acronym(n)
    ] == [
        "MEK",
        "PMOI",
        "NLF",
        "ESSS",
    ]


def test_required_properties_and_validation_are_checked_before_writing() -> None:
    out = io.StringIO()
    writer = ftm.Writer(out)
    draft = writer.draft("Membership", "account x", "membership", "x")
    writer.put(draft, "role", "member", "field 'role'")
    assert draft.proxy.schema.validate(draft.proxy.to_dict()) is None  # the library lets it through
    with pytest.raises(CasefileError, match="a Membership of account x lacks the required member, organization"):
        writer.emit(draft)
    person = writer.draft("Person", "account y", "person", "y")
    writer.put(person, "name", "P", "field 'name'")
    person.proxy.add("gender", "nonsense", cleaned=True)  # what add() with cleaned=True lets in unchecked
    with pytest.raises(CasefileError, match="fails the library's validation in gender"):
        writer.emit(person)
    assert out.getvalue() == ""


def test_text_that_loses_invisible_characters_is_reported() -> None:
    out, warnings = io.StringIO(), []
    zwnj = "\u200c"
    account = Account({"id": "cd" * 8, "name": f"علی{zwnj}رضا", "aliases": ["Ali\tReza"], "summary": f"می{zwnj}خواهم"})
    writer = ftm.Writer(out, warn=warnings.append)
    writer.write([account])
    (person,) = entities(out.getvalue())
    assert person["properties"]["name"] == ["علیرضا"]  # FtM deletes the ZWNJ: no property can keep it
    assert person["properties"]["alias"] == ["Ali Reza"]  # white space is only normalised: not reported
    assert [w.split(": ")[2] for w in warnings[:-1]] == ["field 'name'", "field 'summary'"]
    assert all("deletes invisible characters such as ZWNJ" in w and "رضا" not in w for w in warnings[:-1])
    assert warnings[-1].startswith("2 values lost invisible characters (ZWNJ, control characters)")
    assert writer.altered == 2 and writer.problems == 0
