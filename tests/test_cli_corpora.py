"""Public corpora through the CLI: csv-spectrum's 11 files and the Big List of Naughty Strings (BLNS).

csv-spectrum's columns (``a,b,c``, ``first,last,address,city,zip``, …) are not casefile fields. Each file is
imported as free-text fields of records by rewriting its header line — and nothing else — by position into
:data:`TEXT_COLUMNS`: the first column becomes ``name``, the second ``role``, and so on. Every data byte,
line end and quote stays as published. The stored values must equal the expected JSON of the corpus, with
one documented difference: casefile stores an empty text as no value (``None``), where the corpus has ``""``.

BLNS: all 515 strings, each as ``name`` and as ``summary`` of one record, round-trip unchanged through CSV
(``--raw-csv``), JSON and JSONL: export → import into an empty database → export gives the same values and
the same bytes. No string is left out: none holds a NUL (which validation refuses by design, proved below);
the one empty string is stored, and round-trips, as no value like any empty text.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from casefile import model

from conftest import CORPORA, stored

SPECTRUM = CORPORA / "csv-spectrum"
SPECTRUM_FILES = sorted(p.stem for p in (SPECTRUM / "csvs").glob("*.csv"))
#: csv-spectrum column n → casefile text column n (files have at most five columns).
TEXT_COLUMNS = ("name", "role", "summary", "left_from", "went_to")

BLNS = json.loads((CORPORA / "blns" / "blns.json").read_text(encoding="utf-8"))
FORMATS = ("csv", "json", "jsonl")


def test_the_corpora_are_complete() -> None:
    assert len(SPECTRUM_FILES) == 11
    assert len(BLNS) == 515 and all(isinstance(s, str) for s in BLNS)


# ---------------------------------------------------------------------------------------------- csv-spectrum


def with_casefile_header(content: bytes) -> tuple[bytes, list[str]]:
    """The file with its header line's names replaced by casefile columns, and the original names."""
    end = content.index(b"\n")
    header = content[:end].removesuffix(b"\r")
    names = header.decode("utf-8").split(",")
    assert len(names) <= len(TEXT_COLUMNS) and all('"' not in n for n in names)
    return ",".join(TEXT_COLUMNS[: len(names)]).encode() + content[len(header) :], names


@pytest.mark.parametrize("name", SPECTRUM_FILES)
def test_csv_spectrum_imports_as_text_fields(cli, empty: Path, tmp_path: Path, name: str) -> None:
    original = (SPECTRUM / "csvs" / f"{name}.csv").read_bytes()
    expected = json.loads((SPECTRUM / "json" / f"{name}.json").read_text(encoding="utf-8"))
    content, names = with_casefile_header(original)
    assert content.split(b"\n", 1)[1] == original.split(b"\n", 1)[1]  # every data byte kept
    path = tmp_path / f"{name}.csv"
    path.write_bytes(content)
    result = cli("import", path)
    assert result.exit_code == 0, result.stderr
    assert f"{len(expected)} added" in result.stderr
    records = stored(empty)
    got = [{column: record[field] for column, field in zip(names, TEXT_COLUMNS, strict=False)} for record in records]
    assert got == [{column: value or None for column, value in row.items()} for row in expected]


# ------------------------------------------------------------------------------------------------------- BLNS


def test_no_naughty_string_is_left_out() -> None:
    """Validation refuses NUL by design; BLNS has none, so every string takes part."""
    assert not [s for s in BLNS if "\0" in s]
    assert [i for i, s in enumerate(BLNS) if s == ""] == [0]  # stored as no value, like every empty text


@pytest.fixture
def naughty(cli, empty: Path, tmp_path: Path) -> list[dict[str, object]]:
    """The test database holding one record per BLNS string, as name and summary; returns what is stored."""
    source = tmp_path / "blns.jsonl"
    lines = [json.dumps({"external_id": f"BLNS-{i:03}", "name": s, "summary": s}) for i, s in enumerate(BLNS)]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("import", source)
    assert result.exit_code == 0, result.stderr
    records = stored(empty)
    assert [(r["name"], r["summary"]) for r in records] == [(s or None, s or None) for s in BLNS]
    return records


@pytest.mark.parametrize("fmt", FORMATS)
def test_blns_round_trips(cli, naughty: list[dict[str, object]], tmp_path: Path, fmt: str) -> None:
    first, second, other = tmp_path / f"first.{fmt}", tmp_path / f"second.{fmt}", tmp_path / "other.db"
    args = ("export", "--format", fmt, "--include-restricted", "--raw-csv")
    assert cli(*args, "-o", first).exit_code == 0
    result = cli("--db", other, "import", first)
    assert result.exit_code == 0, result.stderr
    assert "515 added" in result.stderr
    assert stored(other) == naughty
    assert cli("--db", other, *args, "-o", second).exit_code == 0
    assert first.read_bytes() == second.read_bytes()


def test_blns_spreadsheet_safe_csv_round_trips(cli, naughty, tmp_path: Path) -> None:
    """Without --raw-csv, cells a spreadsheet would run get a leading ', which the import takes off again."""
    path, other = tmp_path / "safe.csv", tmp_path / "other.db"
    assert cli("export", "--format", "csv", "-o", path).exit_code == 0
    assert cli("--db", other, "import", path).exit_code == 0
    assert [r["name"] for r in stored(other)] == [s or None for s in BLNS]


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_exports_are_byte_exact_to_what_is_stored(cli, naughty, empty: Path, fmt: str) -> None:
    """Every exported value is the SQLite column as stored, byte for byte: no normalising, no escaping."""
    text = cli("export", "--format", fmt, "--include-restricted").stdout
    exported = json.loads(text) if fmt == "json" else [json.loads(line) for line in text.split("\n")[:-1]]
    conn = sqlite3.connect(empty)
    try:
        stored_columns = {row[1] for row in conn.execute("PRAGMA table_info(accounts)")}
        keys = [key for key in model.JSON_KEYS if key in stored_columns]  # the account's own columns
        rows = conn.execute(f"SELECT {', '.join(f'[{key}]' for key in keys)} FROM accounts ORDER BY rowid").fetchall()
    finally:
        conn.close()
    multi = set(model.MULTI_FIELDS)
    as_stored = [
        {
            key: (json.loads(value) if value else []) if key in multi else value
            for key, value in zip(keys, row, strict=True)
        }
        for row in rows
    ]
    assert len(keys) > 40
    assert [{key: record[key] for key in keys} for record in exported] == as_stored
    plain = [s for s in BLNS if s and not any(c in '"\\' or c < " " for c in s)]
    assert all(json.dumps(s, ensure_ascii=False)[1:-1] == s and s in text for s in plain)  # not \\u escapes
