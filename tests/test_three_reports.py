"""Three realistic reports coded through the CLI (issue 19, "Done when"): a first-person letter, a news report with
relative dates and ages, an interview naming several people. Each is coded by commands into a real SQLite file and
its JSON export compared with the record expected for it (``tests/data/three_reports/*.expected.json``, written and
checked by hand against the texts beside them), with only generated ids and timestamps left out. The news report
is also coded in one ``add --from-json``, and the README's flag commands for it are run as written."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "three_reports"
README = HERE.parent / "README.md"
#: What an export holds that casefile makes up: the ids of the account, its source, its parts and source links, the
#: clock.
GENERATED = frozenset({"id", "link", "created_at", "updated_at"})

LETTER = [
    [
        "add", "--no-input", "--name", "Davoud Nasseri", "--gender", "male", "--birth-year", "1971",
        "--nationality", "Iranian", "--org", "Mujahedin-e Khalq", "--joined", "1991", "--left", "January 2017",
        "--years-in-org", "25", "--left-from", "Ashraf 3, Albania", "--went-to", "Tirana", "--exit-type", "permitted",
        "--join-reason", "recruited_in_captivity", "--reason", "no_future", "--reason", "isolation_from_family",
        "--allegation", "family_contact_restricted", "--allegation", "exit_denied_or_delayed",
        "--summary", "Former POW recruited in 1991; 25 years inside; asked to leave in summer 2016, left January 2017.",
        "--source-title", "Letter of Davoud Nasseri", "--source-publisher", "Davoud Nasseri",
        "--source-date", "3 March 2017", "--source-reliability", "C", "--source-credibility", "2",
    ],
    ["event", "add", "{ID}", "--type", "captured", "--date", "spring 1988", "--place", "Fakkeh front"],
    ["event", "add", "{ID}", "--type", "recruited", "--date", "1991", "--place", "a camp near Baghdad",
     "--description", "Recruited from the prison where he was held."],
    ["event", "add", "{ID}", "--type", "requested_exit", "--date", "summer 2016", "--description",
     "Kept waiting for months."],
    ["event", "add", "{ID}", "--type", "left", "--date", "January 2017", "--place", "Ashraf 3"],
    ["quote", "add", "{ID}", "--text", "I had given them my whole youth and they gave me nothing but fear.",
     "--speaker", "Davoud Nasseri", "--language", "en"],
    ["place", "add", "{ID}", "--role", "origin", "--name", "Ahvaz", "--country", "Iran"],
    ["place", "add", "{ID}", "--role", "served", "--name", "Camp Ashraf", "--country", "Iraq", "--until", "2012"],
    ["place", "add", "{ID}", "--role", "served", "--name", "Ashraf 3", "--country", "Albania", "--since", "2016",
     "--until", "January 2017"],
    ["place", "add", "{ID}", "--role", "lives_now", "--name", "Tirana", "--country", "AL"],
    ["person", "add", "{ID}", "--relation", "mother", "--note", "not allowed to call her"],
]  # fmt: skip

INTERVIEW = [
    [
        "add", "--no-input", "--name", "Leyla Haddadi", "--gender", "female", "--birth-year", "1975",
        "--org", "Mujahedin-e Khalq", "--joined", "1994", "--left", "August 2018", "--left-from", "Manez",
        "--exit-type", "escaped", "--join-reason", "family_or_friend", "--join-reason", "deceived_by_offer",
        "--reason", "isolation_from_family", "--barrier", "family_inside", "--barrier", "no_papers",
        "--allegation", "family_contact_restricted",
        "--source-title", "Interview with Leyla Haddadi", "--source-publisher", "Family Bridge Association",
        "--source-publisher-type", "advocacy_ngo", "--source-stance", "adversarial",
        "--source-date", "12 May 2019", "--source-reliability", "C", "--source-credibility", "3",
    ],
    ["event", "add", "{ID}", "--type", "recruited", "--date", "1994", "--place", "Cologne",
     "--description", "Brought to a meeting by her brother."],
    ["event", "add", "{ID}", "--type", "relocated", "--date", "2016", "--place", "Albania"],
    ["event", "add", "{ID}", "--type", "left", "--date", "August 2018", "--place", "Manez"],
    ["quote", "add", "{ID}", "--text", "made it sound like a university with a cause", "--speaker", "Leyla Haddadi"],
    ["quote", "add", "{ID}", "--text", "They told us our families had forgotten us. My mother had written to me "
     "every month.", "--speaker", "Leyla Haddadi"],
    ["place", "add", "{ID}", "--role", "held", "--name", "Camp Liberty", "--country", "IQ", "--since", "2012",
     "--until", "2016"],
    ["place", "add", "{ID}", "--role", "left_from", "--name", "Manez", "--country", "Albania"],
    ["place", "add", "{ID}", "--role", "lives_now", "--name", "Cologne", "--country", "Germany"],
    ["person", "add", "{ID}", "--name", "Ali Haddadi", "--relation", "recruiter", "--note", "her brother"],
    ["person", "add", "{ID}", "--name", "Mahnaz R.", "--relation", "commander"],
    ["person", "add", "{ID}", "--name", "Parvin Sadeghi", "--relation", "fellow_defector"],
    ["person", "add", "{ID}", "--name", "Reza Karimi", "--relation", "spouse", "--note", "still inside"],
    ["person", "add", "{ID}", "--name", "Sara Mohebbi", "--relation", "reporter"],
]  # fmt: skip


def readme_commands() -> list[list[str]]:
    """The README's flag commands for the news report, as written: ``ID=$(casefile add …)``, then
    ``casefile … "$ID" …``; each as the argument list after ``casefile``, ``{ID}`` for the account."""
    block = README.read_text(encoding="utf-8").split("<!-- one-report-by-flags -->\n```sh\n", 1)[1].split("```")[0]
    out = []
    for line in block.strip().splitlines():
        first = re.fullmatch(r"ID=\$\((casefile .*)\)", line)
        words = shlex.split((first[1] if first else line).replace('"$ID"', "{ID}"))
        assert words[0] == "casefile", line
        out.append(words[1:])
    return out


REPORTS = {"letter": LETTER, "news": readme_commands(), "interview": INTERVIEW}


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def without_generated(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_generated(v) for k, v in value.items() if k not in GENERATED}
    if isinstance(value, list):
        return [without_generated(v) for v in value]
    return value


def exported(cli, db: Path, tmp_path: Path) -> list[dict[str, Any]]:
    out = tmp_path / f"{db.stem}.json"
    ok(cli("--db", db, "export", "--format", "json", "-o", out))
    return without_generated(json.loads(out.read_text(encoding="utf-8")))


def code_by_flags(cli, db: Path, commands: list[list[str]]) -> str:
    account = ok(cli("--db", db, *commands[0])).stdout.strip()
    for command in commands[1:]:
        ok(cli("--db", db, *[account if word == "{ID}" else word for word in command]))
    return account


def expected(name: str) -> list[dict[str, Any]]:
    return json.loads((DATA / f"{name}.expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", list(REPORTS))
def test_each_report_coded_by_flags_gives_the_expected_record(cli, tmp_path: Path, name: str) -> None:
    db = tmp_path / f"{name}.db"
    code_by_flags(cli, db, REPORTS[name])
    assert exported(cli, db, tmp_path) == expected(name)


def test_the_news_report_in_one_file_is_the_same_record_as_by_flags(cli, tmp_path: Path) -> None:
    db = tmp_path / "one-file.db"
    ok(cli("--db", db, "add", "--from-json", DATA / "news.json"))
    assert exported(cli, db, tmp_path) == expected("news")


def test_the_expected_records_say_what_the_texts_say(cli) -> None:
    """The expected files were written by running the commands once; these are the values read off the texts by
    hand, so a wrong expected file cannot pass unnoticed."""
    (news,) = expected("news")
    assert (news["born_edtf"], news["joined_edtf"], news["joined_anchor"]) == (
        "1988/1989",
        "2001/2003",
        "birth_year 1988/1989",
    )
    assert (news["left_edtf"], news["left_anchor"], news["years_in_org"], news["years_in_org_qualifier"]) == (
        "2009-12",
        "source 2010-03-21",
        7,
        "more_than",
    )
    assert [e["date_edtf"] for e in news["events"]] == ["2001/2003", "2009-12", "2010-03-01/2010-03-21"]
    assert [(q["speaker"], q["relayed_via"]) for q in news["quotes"]] == [("Karim", None), ("Karim", "VOA")]
    assert [p["country_code"] for p in news["places"]] == ["UG", "CD", "UG"]
    (letter,) = expected("letter")
    assert (letter["birth_year"], letter["nationality_code"], letter["joined_edtf"], letter["left_edtf"]) == (
        1971,
        "IR",
        "1991",
        "2017-01",
    )
    assert [e["type"] for e in letter["events"]] == ["captured", "recruited", "requested_exit", "left"]
    assert [(p["role"], p["country_code"]) for p in letter["places"]] == [
        ("origin", "IR"),
        ("served", "IQ"),
        ("served", "AL"),
        ("lives_now", "AL"),
    ]
    (interview,) = expected("interview")
    assert [(p["relation"], p["name"]) for p in interview["people"]] == [
        ("recruiter", "Ali Haddadi"),
        ("commander", "Mahnaz R."),
        ("fellow_defector", "Parvin Sadeghi"),
        ("spouse", "Reza Karimi"),
        ("reporter", "Sara Mohebbi"),
    ]
    assert interview["barriers"] == ["family_inside", "no_papers"] and interview["gender_code"] == "female"


def test_the_readme_counts_its_commands_honestly() -> None:
    text = " ".join(README.read_text(encoding="utf-8").split())
    assert f"or in **{len(REPORTS['news'])} commands** by flags" in text
    assert "Coded in **one command** from one file" in text
