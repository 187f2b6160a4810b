"""casefile config path|show, and the settings reaching the commands: db, dayfirst, export_format."""

from __future__ import annotations

import json
import sqlite3
import tomllib
from pathlib import Path

import pytest

from conftest import run_process


def test_config_path_prints_the_file(cli, config_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = cli("config", "path")
    assert result.exit_code == 0 and result.stdout == f"{config_file}\n"
    monkeypatch.setenv("CASEFILE_CONFIG", str(tmp_path / "project.toml"))
    assert cli("config", "path").stdout == f"{tmp_path / 'project.toml'}\n"


def test_config_show_says_where_each_value_comes_from(cli, config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_file.write_text('dayfirst = true\nactor = "R. Researcher"\n')
    monkeypatch.setenv("CASEFILE_EXPORT_FORMAT", "jsonl")
    result = cli("--db", "/tmp/flag.db", "config", "show")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"# config file: {config_file}"
    assert 'db = "/tmp/flag.db"  # --db' in lines
    assert 'actor = "R. Researcher"  # config file' in lines
    assert "dayfirst = true  # config file" in lines
    assert 'export_format = "jsonl"  # env CASEFILE_EXPORT_FORMAT' in lines
    assert 'pager = "less -FIRX"  # default' in lines
    assert tomllib.loads(result.stdout) == {
        "db": "/tmp/flag.db",
        "actor": "R. Researcher",
        "dayfirst": True,
        "export_format": "jsonl",
        "pager": "less -FIRX",
        "new_org": True,  # the test fixture sets CASEFILE_NEW_ORG (tests/conftest.py)
        "gazetteer": str(config_file.with_name("groups.json")),
    }


def test_config_show_without_a_file(cli, config_file: Path) -> None:
    out = cli("config", "show").stdout
    assert out.splitlines()[0].endswith("(not found)")
    assert "# dayfirst: not set (ambiguous dates such as 03/04/2021 are refused)" in out
    assert "db = " in out and "# env CASEFILE_DB" in out  # the test fixture sets CASEFILE_DB


def test_a_bad_config_file_is_one_line_and_exit_1(config_file: Path) -> None:
    config_file.write_text("dayfirst = 'yes'\n")
    for args in (["config", "show"], ["add", "--no-input", "--name", "X"]):
        proc = run_process(*args)
        assert proc.returncode == 1
        assert proc.stderr.decode() == (
            f"error: {config_file}: key 'dayfirst': expected true or false (without quotes), got a string\n"
        )
        assert proc.stdout == b""


def test_db_from_the_config_file(cli, config_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CASEFILE_DB")
    db = tmp_path / "from-config" / "cases.db"
    config_file.write_text(f"db = {json.dumps(str(db))}\n")
    assert cli("init").exit_code == 0
    assert db.exists()
    assert cli("add", "--no-input", "--name", "In config db").exit_code == 0
    assert sqlite3.connect(db).execute("SELECT name FROM accounts").fetchall() == [("In config db",)]
    other = tmp_path / "flag.db"
    assert cli("--db", other, "init").exit_code == 0 and other.exists()


def test_db_cannot_be_a_dash(cli) -> None:
    result = cli("--db", "-", "init")
    assert result.exit_code == 2
    assert "must be a file" in result.stderr
    assert not Path("-").exists()


@pytest.mark.parametrize(
    ("setting", "flag", "expected"),
    [("true", None, "2021-04-03"), ("false", None, "2021-03-04"), ("true", "--monthfirst", "2021-03-04")],
)
def test_dayfirst_setting_is_the_default_date_order(
    cli, db: Path, config_file: Path, setting: str, flag: str | None, expected: str
) -> None:
    config_file.write_text(f"dayfirst = {setting}\n")
    args = ["add", "--no-input", "--left", "03/04/2021", *([flag] if flag else [])]
    result = cli(*args)
    assert result.exit_code == 0, result.stderr
    assert sqlite3.connect(db).execute("SELECT left_min FROM accounts").fetchone() == (expected,)


def test_dayfirst_setting_reads_filter_dates_too(cli, config_file: Path) -> None:
    assert cli("add", "--no-input", "--name", "A", "--left", "2021-04-10").exit_code == 0
    assert cli("list", "--since", "03/04/2021").exit_code == 2  # ambiguous without a setting
    config_file.write_text("dayfirst = true\n")
    result = cli("list", "--since", "03/04/2021", "--format", "json")
    assert [r["name"] for r in json.loads(result.stdout)] == ["A"]
    config_file.write_text("dayfirst = false\n")
    assert json.loads(cli("list", "--since", "11/04/2021", "--format", "json").stdout) == []


def test_export_format_setting(cli, config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("add", "--no-input", "--name", "A").exit_code == 0
    assert cli("export").stdout.startswith("'id,external_id,name")  # the built-in default: CSV (marked)
    config_file.write_text('export_format = "jsonl"\n')
    assert json.loads(cli("export").stdout)["name"] == "A"
    monkeypatch.setenv("CASEFILE_EXPORT_FORMAT", "json")
    assert json.loads(cli("export").stdout)[0]["name"] == "A"
    assert cli("export", "--format", "csv").stdout.startswith("'id,")
    monkeypatch.delenv("CASEFILE_EXPORT_FORMAT")
    config_file.write_text('export_format = "xml"\n')
    result = cli("export")
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {config_file}: key 'export_format': unknown export format 'xml'; "
        "use one of csv, json, jsonl, md, ftm\n"
    )
