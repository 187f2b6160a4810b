"""casefile's spreadsheet-safe CSV is reversible: export → import changes nothing, whatever the values.

A cell a spreadsheet would run as a formula (``= + - @``, TAB, CR, LF) gets a leading ``'``, and so does a
cell that itself starts with ``'`` (so the mark is never ambiguous); the header's first name gets one too,
marking the file. The importer takes exactly those marks off a marked file, and nothing off any other. A
spreadsheet that consumes the marks when it opens the file consumes the header's as well, so what it saves
is read as written; one that keeps them keeps the header's, so they are taken off on import.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability import record

from conftest import dump_data, stored

FORMULA = ("=", "+", "-", "@", "\t", "\r", "\n")

#: Values that start with each character that gets a mark, with a mark of their own, or with both.
VALUES = [
    "=1+1",
    '=HYPERLINK("http://x")',
    "+44 20 7946 0958",
    "-5",
    "@SUM(A1)",
    "\ttab first",
    "\rcarriage return first",
    "\nline feed first",
    "'quoted",
    "''two quotes",
    "'=mark and formula",
    "'",
    "plain",
    "ends with '",
]


def add_records(cli, tmp_path: Path, values: list[str]) -> None:
    records = [
        {"external_id": f"V{i}", "name": f"Person {i}", "summary": v, "role": v, "went_to": v, "tags": ["t" + str(i)]}
        for i, v in enumerate(values)
    ]
    path = tmp_path / "in.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    result = cli("import", path)
    assert result.exit_code == 0, result.stderr


def cells(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8"), newline="")))


def save(path: Path, table: list[list[str]]) -> None:
    """Write ``table`` as a spreadsheet saves CSV (``csv.writer``'s Excel dialect)."""
    out = io.StringIO(newline="")
    csv.writer(out).writerows(table)
    path.write_bytes(out.getvalue().encode("utf-8"))


def test_exporting_and_importing_casefiles_own_csv_changes_nothing(cli, db: Path, tmp_path: Path) -> None:
    add_records(cli, tmp_path, VALUES)
    path = tmp_path / "all.csv"
    assert cli("export", "--format", "csv", "-o", path).exit_code == 0
    before = dump_data(db)
    result = cli("import", path)
    assert result.exit_code == 0, result.stderr
    assert f"0 added, 0 updated, {len(VALUES)} unchanged" in result.stderr
    assert dump_data(db) == before


def test_the_csv_stays_safe_in_a_spreadsheet(cli, tmp_path: Path) -> None:
    add_records(cli, tmp_path, VALUES)
    path = tmp_path / "all.csv"
    assert cli("export", "--format", "csv", "-o", path).exit_code == 0
    header, *rows = cells(path)
    assert header[0] == "'id"
    assert not [c for row in rows for c in row if c.startswith(FORMULA)]
    summary = header.index("summary")
    assert [row[summary] for row in rows] == ["'" + v if v.startswith((*FORMULA, "'")) else v for v in VALUES]


def test_a_spreadsheet_that_consumes_the_marks_gives_its_values(cli, db: Path, tmp_path: Path) -> None:
    """Excel reads a leading ' as "text" and does not keep it; saved again, the file holds the plain values
    and no mark on its header either, so it is read as written."""
    add_records(cli, tmp_path, VALUES)
    path = tmp_path / "all.csv"
    assert cli("export", "--format", "csv", "-o", path).exit_code == 0
    save(path, [[c[1:] if c.startswith("'") else c for c in row] for row in cells(path)])
    before = dump_data(db)
    result = cli("import", path)
    assert result.exit_code == 0, result.stderr
    assert dump_data(db) == before


def test_a_spreadsheet_that_keeps_the_marks_gives_its_values_and_your_edits(cli, db: Path, tmp_path: Path) -> None:
    """One that keeps the marks as text keeps the header's: marks come off; a cell typed there is as typed."""
    add_records(cli, tmp_path, VALUES)
    path = tmp_path / "all.csv"
    assert cli("export", "--format", "csv", "-o", path).exit_code == 0
    table = cells(path)
    summary = table[0].index("summary")
    table[1][summary] = "-7 edited in the spreadsheet"
    save(path, table)
    result = cli("import", path)
    assert result.exit_code == 0, result.stderr
    assert "0 added, 1 updated" in result.stderr
    summaries = [r["summary"] for r in stored(db)]
    assert summaries == ["-7 edited in the spreadsheet", *VALUES[1:]]


def test_a_csv_casefile_did_not_mark_is_read_exactly(cli, db: Path, tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text("name,summary\r\nA,'=kept\r\nB,''kept too\r\n", encoding="utf-8")
    assert cli("import", path).exit_code == 0
    assert [r["summary"] for r in stored(db)] == ["'=kept", "''kept too"]


CHARS = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
STARTS = st.sampled_from(["'", "''", "=", "+", "-", "@", "\t", "\r", "\n", "'=", "'-", "", " "])
TEXT = st.builds(str.__add__, STARTS, st.text(CHARS, max_size=12)).filter(bool)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(TEXT, min_size=1, max_size=6))
def test_any_text_survives_the_round_trip(cli, tmp_path_factory: pytest.TempPathFactory, values: list[str]) -> None:
    folder = tmp_path_factory.mktemp("rt")
    db = folder / "x.db"
    records: list[dict[str, Any]] = [{"summary": v, "role": v, "name": f"P{i}"} for i, v in enumerate(values)]
    (folder / "in.json").write_text(json.dumps(records), encoding="utf-8")
    assert cli("--db", db, "import", folder / "in.json").exit_code == 0
    assert cli("--db", db, "export", "--format", "csv", "-o", folder / "out.csv").exit_code == 0
    before = dump_data(db)
    result = cli("--db", db, "import", folder / "out.csv")
    assert result.exit_code == 0, result.stderr
    assert f"0 added, 0 updated, {len(values)} unchanged" in result.stderr
    assert dump_data(db) == before


#: The other commands that write CSV, with what makes them show the records of ``sibling_data``.
SIBLINGS = {
    "list": ["list"],
    "show": ["show", "S0"],
    "search": ["search", "Kowalski"],
    "stats": ["stats", "--by", "organization"],
    "timeline": ["timeline"],
    "org list": ["org", "list"],
    "source list": ["source", "list"],
    "vocab": ["vocab", "--vocabulary", "allegation"],
    "history": ["history", "S0"],
    "dupes": ["dupes", "--min-score", "0"],
    "export --table events": ["export", "--table", "events"],
}


@pytest.fixture
def sibling_data(cli, tmp_path: Path) -> None:
    records = [
        {
            "external_id": f"S{i}",
            "name": "=Jan Kowalski",
            "organization": "-Org",
            "left": "2016",
            "events": [{"type": "left", "date": "2016", "description": "@desc"}],
            "sources": [{"title": "+title", "role": "primary"}],
        }
        for i in range(2)
    ]
    path = tmp_path / "s.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    assert cli("import", path).exit_code == 0
    assert cli("vocab", "add", "allegation", "odd", "--label", "=label", "--description", "'quoted").exit_code == 0
    assert cli("--actor", "=actor", "edit", "S0", "--set", "summary=-changed").exit_code == 0


@pytest.mark.parametrize("name", list(SIBLINGS))
def test_every_csv_casefile_writes_is_marked_and_safe(cli, sibling_data: None, name: str) -> None:
    result = cli(*SIBLINGS[name], "--format", "csv")
    assert result.exit_code == 0, result.stderr
    header, *rows = list(csv.reader(io.StringIO(result.stdout, newline="")))
    assert header[0].startswith("'") and not header[0][1:].startswith("'")
    assert rows and not [c for row in rows for c in row if c.startswith(FORMULA)]
    assert any(c.startswith(("'=", "'-", "'@", "'+", "''")) for row in rows for c in row), "nothing to neutralise"
    record("spreadsheet-safe CSV of " + name, rows=len(rows))


def test_a_rejects_file_is_marked_and_reads_back_as_the_input(cli, db: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("name,exit_type,summary\r\n=cmd,flew,-5\r\nOk,,fine\r\n", encoding="utf-8")
    rejects = tmp_path / "rejects.csv"
    result = cli("import", source, "--skip-bad-rows", "--rejects", rejects)
    assert result.exit_code == 4
    header, row = cells(rejects)
    assert header[0] == "'rejected_line" and row[2:] == ["'=cmd", "flew", "'-5"]
    rejects.write_bytes(rejects.read_bytes().replace(b",flew,", b",escaped,"))
    again = cli("import", rejects, "--ignore-unknown")
    assert again.exit_code == 0, again.stderr
    assert [(r["name"], r["summary"]) for r in stored(db)] == [("Ok", "fine"), ("=cmd", "-5")]
