"""FollowTheMoney export: every entity validates with the library itself, and values FtM cannot carry are
reported and kept in descriptions."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from typing import Any

import pytest
from followthemoney import model

from casefile.errors import CasefileError
from casefile.exporters import ftm
from casefile.model import Account, FuzzyDate


def entities(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def check(data: dict[str, Any]) -> None:
    """The library's own validation plus the required-property check it does not make."""
    schema = model.get(data["schema"])
    assert schema is not None and not schema.abstract
    schema.validate(data)
    missing = [p for p in schema.required if not data["properties"].get(p)]
    assert not missing, (data["schema"], missing)


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
