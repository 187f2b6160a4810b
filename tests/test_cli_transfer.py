"""import / export / template through the CLI: atomicity, idempotence, round trips, bad input."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path

import pytest

from casefile import model

from conftest import DATA, count, dump, file_hash, rows_csv, sample_records


def test_import_reports_counts_and_is_idempotent(cli, db: Path) -> None:
    result = cli("import", DATA / "accounts.json")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "7 added, 0 updated, 0 unchanged" in result.stderr
    again = cli("import", DATA / "accounts.json")
    assert "0 added, 0 updated, 7 unchanged" in again.stderr
    assert count(db) == 7


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_export_import_export_is_byte_identical(cli, tmp_path: Path, fmt: str) -> None:
    cli("import", DATA / "accounts.json")
    first = tmp_path / f"first.{fmt}"
    assert cli("export", "--format", fmt, "--include-restricted", "-o", first).exit_code == 0
    second_db = tmp_path / "second.db"
    assert cli("--db", second_db, "import", first).exit_code == 0
    second = tmp_path / f"second.{fmt}"
    cli("--db", second_db, "export", "--format", fmt, "--include-restricted", "-o", second)
    assert first.read_bytes() == second.read_bytes()
    assert len(first.read_bytes()) > 1000


def test_csv_round_trip_on_the_csv_columns(cli, tmp_path: Path) -> None:
    cli("import", DATA / "accounts.json")
    first = tmp_path / "first.csv"
    cli("export", "--format", "csv", "--include-restricted", "-o", first)
    assert first.read_text(encoding="utf-8").splitlines()[0] == "'" + ",".join(model.CSV_COLUMNS)
    second_db = tmp_path / "second.db"
    assert cli("--db", second_db, "import", first).exit_code == 0
    second = tmp_path / "second.csv"
    cli("--db", second_db, "export", "--format", "csv", "--include-restricted", "-o", second)
    assert first.read_bytes() == second.read_bytes()


def test_ids_survive_export_and_import(cli, tmp_path: Path) -> None:
    cli("import", DATA / "accounts.json")
    ids = [r["id"] for r in json.loads(cli("list", "--format", "json").stdout)]
    exported = tmp_path / "x.jsonl"
    cli("export", "--format", "jsonl", "--include-restricted", "-o", exported)
    other = tmp_path / "other.db"
    cli("--db", other, "import", exported)
    assert [r["id"] for r in json.loads(cli("--db", other, "list", "--format", "json").stdout)] == ids


def test_bad_row_in_the_middle_of_10000_writes_nothing(cli, db: Path, tmp_path: Path) -> None:
    cli("import", DATA / "accounts.json")
    before = dump(db)
    rows = [{"name": f"Person {i}", "left": "2001", "summary": "SECRET-CANARY"} for i in range(10_000)]
    rows[5000]["left"] = "2024-02-30"
    path = tmp_path / "big.csv"
    path.write_text(rows_csv(rows), encoding="utf-8")
    result = cli("import", path)
    assert result.exit_code == 1
    assert f"{path}:5002: field 'left'" in result.stderr
    assert "nothing was written" in result.stderr
    assert "SECRET-CANARY" not in result.stderr
    assert dump(db) == before


def test_skip_bad_rows_writes_good_ones_and_rejects_file(cli, db: Path, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(rows_csv([{"name": "ok", "exit_type": "escaped"}, {"name": "bad", "exit_type": "flew"}]))
    rejects = tmp_path / "rejects.csv"
    result = cli("import", path, "--skip-bad-rows", "--rejects", rejects)
    assert result.exit_code == 4
    assert "1 added" in result.stderr and "1 rejected" in result.stderr
    assert count(db) == 1
    text = rejects.read_text(encoding="utf-8")
    assert "bad" in text and "3" in text and "exit_type" in text
    assert stat.S_IMODE(rejects.stat().st_mode) == 0o600


def test_dry_run_leaves_the_file_byte_identical(cli, db: Path) -> None:
    cli("init")
    before = file_hash(db)
    result = cli("import", DATA / "accounts.json", "--dry-run")
    assert result.exit_code == 0
    assert "7 added" in result.stderr and "dry run" in result.stderr
    assert file_hash(db) == before


def test_duplicate_key_in_one_import_names_both_lines(cli, db: Path, tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text(rows_csv([{"external_id": "K"}, {"external_id": "L"}, {"external_id": "K"}]))
    result = cli("import", path)
    assert result.exit_code == 1
    assert f"{path}:4: field 'external_id': the same external_id appears on line 2" in result.stderr
    assert not db.exists() or count(db) == 0


def test_on_conflict_modes(cli, db: Path, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(rows_csv([{"external_id": "K", "name": "first"}]))
    cli("import", path)
    path.write_text(rows_csv([{"external_id": "K", "name": "second"}]))
    assert "1 skipped" in cli("import", path, "--on-conflict", "skip").stderr
    assert cli("import", path, "--on-conflict", "error").exit_code == 1
    assert "1 updated" in cli("import", path).stderr
    assert sqlite3.connect(db).execute("SELECT name FROM accounts").fetchall() == [("second",)]


def test_partial_columns_update_only_those_fields(cli, db: Path, tmp_path: Path) -> None:
    cli("import", DATA / "accounts.json")
    path = tmp_path / "tags.csv"
    path.write_text(rows_csv([{"external_id": "SEED-0001", "tags": "seed; reviewed"}]))
    assert "1 updated" in cli("import", path).stderr
    record = json.loads(cli("show", "SEED-0001", "--format", "json").stdout)
    assert record["tags"] == ["seed", "reviewed"]
    assert record["name"] == "Ali Mohammad Rahimi Alashti"
    assert record["left_note"].startswith("inferred")  # unchanged raw date keeps its reading and note


def test_unknown_columns_are_one_error_suggesting_the_known_one(cli, tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_text(rows_csv([{"name": "x", "nmae": "y"}]))
    result = cli("import", path)
    assert result.exit_code == 1
    assert "nmae" in result.stderr and "did you mean 'name'" in result.stderr
    assert cli("import", path, "--ignore-unknown").exit_code == 0


def test_no_type_guessing(cli, tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(rows_csv([{"name": "08123", "role": "+44 20 7946 0958", "summary": "1e5", "tags": "NaN"}]))
    cli("import", path)
    record = json.loads(cli("list", "--format", "json").stdout)[0]
    assert (record["name"], record["role"], record["summary"], record["tags"]) == (
        "08123",
        "+44 20 7946 0958",
        "1e5",
        ["NaN"],
    )


def test_export_csv_neutralises_formulas(cli, tmp_path: Path) -> None:
    cli("add", "--no-input", "--name", '=HYPERLINK("x")', "--role", "-5", "--summary", "@SUM(A1)")
    out = cli("export", "--format", "csv").stdout
    assert "'=HYPERLINK" in out and "'-5" in out and "'@SUM" in out
    raw = cli("export", "--format", "csv", "--raw-csv")
    assert "'=HYPERLINK" not in raw.stdout and "warning" in raw.stderr


def test_export_leaves_out_restricted_unless_asked(cli) -> None:
    cli("import", DATA / "accounts.json")
    assert len(json.loads(cli("export", "--format", "json").stdout)) == 6
    assert len(json.loads(cli("export", "--format", "json", "--include-restricted").stdout)) == 7


def test_export_to_file_is_private_and_atomic(cli, tmp_path: Path) -> None:
    cli("import", DATA / "accounts.json")
    target = tmp_path / "out.json"
    result = cli("export", "--format", "json", "-o", target)
    assert result.exit_code == 0 and result.stdout == ""
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("out")] == ["out.json"]


def test_export_markdown_dossier(cli) -> None:
    cli("import", DATA / "accounts.json")
    out = cli("export", "--format", "md").stdout
    assert "## Ali Mohammad Rahimi Alashti" in out
    assert out.count("\n## ") == 6


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_reimporting_an_export_changes_nothing(cli, seeded: Path, tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"all.{fmt}"
    assert cli("export", "--format", fmt, "--include-restricted", "--raw-csv", "-o", path).exit_code == 0
    before = file_hash(seeded)
    result = cli("import", path)
    assert result.exit_code == 0, result.stderr
    assert f"0 added, 0 updated, {len(sample_records())} unchanged" in result.stderr
    assert file_hash(seeded) == before


def test_dry_run_reports_what_would_happen_and_writes_nothing(cli, seeded: Path, tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text(
        rows_csv(
            [
                {"external_id": "SEED-0001", "name": "Renamed", "exit_type": ""},
                {"external_id": "NEW-1", "name": "New", "exit_type": ""},
                {"external_id": "NEW-2", "name": "Bad", "exit_type": "flew"},
            ]
        )
    )
    before = file_hash(seeded)
    result = cli("import", path, "--dry-run")
    assert result.exit_code == 1
    assert f"{path}:4: field 'exit_type'" in result.stderr
    result = cli("import", path, "--dry-run", "--skip-bad-rows")
    assert result.exit_code == 4
    assert "1 added, 1 updated, 0 unchanged, 1 rejected (dry run: nothing written)" in result.stderr
    assert file_hash(seeded) == before


def test_export_takes_the_filters_of_list(cli, seeded: Path) -> None:
    for filters in (["--tag", "synthetic"], ["--org", "Mujahedin-e Khalq"], ["--since", "2010", "--sort", "left"]):
        exported = cli("export", "--format", "jsonl", "--include-restricted", *filters)
        assert exported.exit_code == 0
        assert exported.stdout == cli("list", "--format", "jsonl", *filters).stdout
        assert 0 < exported.stdout.count("\n") < len(sample_records())


def test_reimport_with_an_empty_id_column_keeps_the_record(cli, db: Path, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(rows_csv([{"id": "", "external_id": "K", "name": "first"}]))
    cli("import", path)
    first = json.loads(cli("show", "K", "--format", "json").stdout)
    path.write_text(rows_csv([{"id": "", "external_id": "K", "name": "second"}]))
    assert "1 updated" in cli("import", path).stderr
    second = json.loads(cli("show", "K", "--format", "json").stdout)
    assert second["id"] == first["id"] and second["name"] == "second"
    assert "0 updated, 1 unchanged" in cli("import", path).stderr
