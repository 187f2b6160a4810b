"""The ends of a transfer through the CLI: where an export may go and what it may hold (no timestamps),
`-` for stdin and stdout, `--format` against the file extension, and `casefile template`."""

from __future__ import annotations

import csv
import json
import os
import re
import sqlite3
from pathlib import Path

import pytest

from casefile import model

from conftest import CANARY, assert_no_leak, error_lines, file_hash, run_process, sample_records, stored

FORMATS = ["csv", "json", "jsonl", "md"]


def no_crash_log(tmp_path: Path) -> bool:
    return not (tmp_path / "xdg-state" / "casefile" / "last-error.log").exists()


# ------------------------------------------------------------------------------------ where output may go


@pytest.mark.parametrize("spelling", ["same", "dotdot", "symlink"])
def test_export_never_replaces_the_database(cli, seeded: Path, tmp_path: Path, spelling: str) -> None:
    before = file_hash(seeded)
    target = {
        "same": seeded,
        "dotdot": tmp_path / "sub" / ".." / seeded.name,
        "symlink": tmp_path / "link.db",
    }[spelling]
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.db").symlink_to(seeded)
    result = cli("export", "--format", "json", "-o", target)
    assert result.exit_code == 2
    assert error_lines(result) == [f"error: refusing to write {target}: it is the database; choose another file"]
    assert file_hash(seeded) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary file left


@pytest.mark.parametrize("where", ["missing folder", "a folder", "under a file"])
def test_export_that_cannot_be_written_is_one_line(cli, seeded: Path, tmp_path: Path, where: str) -> None:
    target = {
        "missing folder": tmp_path / "no" / "such" / "x.json",
        "a folder": tmp_path,
        "under a file": seeded / "x.json",
    }[where]
    listing = sorted(os.listdir(tmp_path))
    result = cli("export", "--format", "json", "-o", target)
    assert result.exit_code == 1
    (line,) = error_lines(result)
    expected = {
        "missing folder": f"cannot write {target}: there is no folder {tmp_path / 'no' / 'such'}; create it first",
        "a folder": f"cannot write {target}: it is a folder; name a file in it",
        "under a file": f"cannot write {target} (Not a directory); check that the folder exists and that you may "
        "write there",
    }
    assert line == f"error: {expected[where]}"
    assert_no_leak(result)
    assert no_crash_log(tmp_path)
    assert sorted(os.listdir(tmp_path)) == listing


# ---------------------------------------------------------------------------------- no run-dependent content


@pytest.mark.parametrize("fmt", FORMATS)
def test_exports_hold_no_timestamps(cli, seeded: Path, fmt: str) -> None:
    """The same accounts give the same bytes whenever they were created or changed."""
    first = cli("export", "--format", fmt, "--include-restricted").stdout
    conn = sqlite3.connect(seeded)
    stamps = {value for row in conn.execute("SELECT created_at, updated_at FROM accounts") for value in row}
    with conn:
        conn.execute("UPDATE accounts SET created_at = '1999-01-01T00:00:00Z', updated_at = '2001-02-03T04:05:06Z'")
    conn.close()
    assert cli("export", "--format", fmt, "--include-restricted").stdout == first
    assert stamps and not [stamp for stamp in stamps if stamp in first]
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", first)


# ------------------------------------------------------------------------------------------ stdin and stdout


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_import_reads_stdin_with_format(cli, empty: Path, fmt: str) -> None:
    content = {"csv": "name,tags\r\nZoë,a; b\r\n", "json": '[{"name": "Zoë", "tags": ["a", "b"]}]', "jsonl": ""}[fmt]
    content = content or '{"name": "Zoë", "tags": ["a", "b"]}\n'
    result = cli("import", "-", "--format", fmt, input=content.encode())
    assert result.exit_code == 0, result.stderr
    assert [(r["name"], r["tags"]) for r in stored(empty)] == [("Zoë", ["a", "b"])]


def test_import_from_stdin_needs_format_and_reads_it_once(cli, empty: Path) -> None:
    before = file_hash(empty)
    result = cli("import", "-", input=b"name\nA\n")
    assert result.exit_code == 2
    assert error_lines(result) == [
        "error: -: cannot tell the format of standard input; use --format csv, json or jsonl"
    ]
    result = cli("import", "-", "-", "--format", "csv", input=b"name\nA\n")
    assert result.exit_code == 2
    assert error_lines(result) == ["error: stdin ('-') can be read only once"]
    assert file_hash(empty) == before


def test_export_dash_o_dash_is_stdout(cli, seeded: Path) -> None:
    plain = cli("export", "--format", "jsonl")
    dashed = cli("export", "--format", "jsonl", "-o", "-")
    assert dashed.exit_code == 0
    shared = [r for r in sample_records() if r.get("confidentiality") != "restricted"]
    assert dashed.stdout == plain.stdout and dashed.stdout.count("\n") == len(shared)
    assert dashed.stderr == ""  # no "written to" line: the data is on stdout


def test_export_piped_into_import_through_real_processes(seeded: Path, tmp_path: Path) -> None:
    exported = run_process("export", "--format", "jsonl", "--include-restricted")
    assert exported.returncode == 0 and exported.stderr == b""
    other = tmp_path / "other.db"
    imported = run_process("--db", other, "import", "-", "--format", "jsonl", input=exported.stdout)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout == b""
    last = imported.stderr.decode().splitlines()[-1]  # then how many shared sources it made or reused
    assert last.startswith(f"{len(sample_records())} added, 0 updated, 0 unchanged; ") and "sources created" in last
    assert stored(other) == stored(seeded)


# ------------------------------------------------------------------------------------------------- --format


@pytest.mark.parametrize(
    ("name", "content", "fmt"),
    [
        ("notes.txt", '{"name": "Zoë"}\n', "jsonl"),
        ("looks.csv", '[{"name": "Zoë"}]', "json"),
        ("looks.json", "name\r\nZoë\r\n", "csv"),
        ("looks.jsonl", '[{"name": "Zoë"}]', "json"),
    ],
)
def test_format_overrides_the_extension(cli, empty: Path, tmp_path: Path, name: str, content: str, fmt: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = cli("import", path, "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert [r["name"] for r in stored(empty)] == ["Zoë"]


@pytest.mark.parametrize("name", ["UPPER.JSON", "x.ndjson"])
def test_extension_chooses_the_format(cli, empty: Path, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text('[{"name": "Zoë"}]' if name.endswith("JSON") else '{"name": "Zoë"}\n', encoding="utf-8")
    assert cli("import", path).exit_code == 0
    assert [r["name"] for r in stored(empty)] == ["Zoë"]


def test_a_file_read_in_the_wrong_format_is_refused_without_echo(cli, empty: Path, tmp_path: Path) -> None:
    path = tmp_path / "mislabelled.csv"
    path.write_text(f'[{{"name": "{CANARY}"}}]', encoding="utf-8")
    result = cli("import", path)
    assert result.exit_code == 1
    assert_no_leak(result)
    assert not empty.exists() or stored(empty) == []


# ------------------------------------------------------------------------------------------------- template


def test_template_csv_is_the_header_and_imports(cli, empty: Path, tmp_path: Path) -> None:
    result = cli("template", "csv")
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout_bytes == (",".join(model.TEMPLATE_COLUMNS) + "\r\n").encode()
    path = tmp_path / "template.csv"
    path.write_bytes(result.stdout_bytes)
    assert "0 added, 0 updated, 0 unchanged" in cli("import", path).stderr
    with path.open("a", encoding="utf-8", newline="") as out:  # a row of every field's documented example
        csv.writer(out).writerow([f.example for f in model.FIELDS])
    result = cli("import", path)
    assert result.exit_code == 0, result.stderr
    (record,) = stored(empty)
    example = model.example_record()
    assert {key: record[key] for key in example} == example
    assert record["id"] == model.FIELD_BY_NAME["id"].example


def test_template_json_imports_as_the_example(cli, empty: Path, tmp_path: Path) -> None:
    result = cli("template", "json")
    assert result.exit_code == 0 and result.stderr == ""
    assert "id" not in json.loads(result.stdout)[0]  # a new record gets one assigned
    path = tmp_path / "template.json"
    path.write_text(result.stdout, encoding="utf-8")
    result = cli("import", path)
    assert result.exit_code == 0, result.stderr
    assert "1 added" in result.stderr
    (record,) = stored(empty)
    example = model.example_record()
    assert {key: record[key] for key in example} == example
    assert record["left_precision"] == "year" and record["announced_edtf"] == "XXXX-12-31"


def test_template_of_an_unknown_format_is_a_usage_error(cli) -> None:
    assert cli("template", "xml").exit_code == 2
