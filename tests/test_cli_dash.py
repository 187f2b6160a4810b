"""'-' means stdin or stdout wherever casefile reads or writes a file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import typer

from casefile.cli import app

from conftest import DATA, run_process

#: (command, parameter) of every parameter that names a file to read or write, and what '-' means there.
FILE_PARAMETERS = {
    ("add", "from_json"): "stdin",
    ("import", "files"): "stdin",
    ("import", "rejects"): "stdout",
    ("export", "output"): "stdout",
    ("org import", "file"): "stdin",
    ("add", "from_draft"): "stdin",
    ("ingest", "sources"): "stdin",
}
#: Parameters that name a file but cannot be a stream, and why.
NOT_STREAMS = {
    ("import", "org_map"): "the map is read whole before the records, which may come on stdin: a file by name",
    ("source attach", "files"): "an archived copy is a regular file, its name and size recorded with its hashes",
    ("", "db"): "a database is a file SQLite opens by name; '-' is refused",
    ("backup", "path"): "a backup is an SQLite database written by the backup API, not a stream",
    ("restore-backup", "path"): "a backup is an SQLite database opened by name, not a stream",
}


def parameters() -> list[tuple[str, Any]]:
    def walk(command: Any, path: str) -> list[tuple[str, Any]]:
        found = [(path, p) for p in command.params]
        if hasattr(command, "commands"):  # a group (typer carries its own copy of click)
            for name, sub in command.commands.items():
                found += walk(sub, f"{path} {name}".strip())
        return found

    return walk(typer.main.get_command(app), "")


def test_every_file_parameter_takes_a_dash_and_says_so() -> None:
    seen = set()
    for command, param in parameters():
        help_text = (getattr(param, "help", None) or "").lower()
        metavar = (param.metavar or "").upper()
        names_a_file = "FILE" in metavar or param.name in ("db", "file", "files", "input", "output", "path")
        key = (command, param.name)
        if not names_a_file:
            continue
        seen.add(key)
        assert key in FILE_PARAMETERS or key in NOT_STREAMS, f"{key}: does '-' work here? add it to this test"
        if key in FILE_PARAMETERS:
            assert f"'-': {FILE_PARAMETERS[key]}" in help_text or f"'-' reads {FILE_PARAMETERS[key]}" in help_text
    assert seen == set(FILE_PARAMETERS) | set(NOT_STREAMS)


def test_export_to_dash_is_stdout(cli) -> None:
    cli("import", DATA / "accounts.json")
    for fmt in ("csv", "json", "jsonl", "md"):
        to_dash = cli("export", "--format", fmt, "-o", "-")
        assert to_dash.exit_code == 0 and to_dash.stderr == ""
        assert to_dash.stdout == cli("export", "--format", fmt).stdout
    assert not Path("-").exists()


def test_export_piped_into_import_dash(cli, db: Path, tmp_path: Path) -> None:
    cli("import", DATA / "accounts.json")
    other = tmp_path / "other.db"
    env = dict(os.environ)
    exporter = subprocess.Popen(
        [sys.executable, "-m", "casefile", "export", "--format", "jsonl", "--include-restricted"],
        stdout=subprocess.PIPE,
        env=env,
    )
    importer = subprocess.run(
        [sys.executable, "-m", "casefile", "--db", str(other), "import", "-", "--format", "jsonl"],
        stdin=exporter.stdout,
        capture_output=True,
        env=env,
        timeout=120,
    )
    assert exporter.stdout is not None
    exporter.stdout.close()
    assert exporter.wait(timeout=120) == 0
    assert importer.returncode == 0, importer.stderr
    assert "7 added, 0 updated, 0 unchanged" in importer.stderr.decode()
    assert (
        run_process("--db", other, "export", "--include-restricted").stdout
        == run_process("export", "--include-restricted").stdout
    )


def test_import_dash_needs_a_format_and_reads_stdin_once(cli) -> None:
    result = cli("import", "-", input="[]")
    assert result.exit_code == 2 and "--format" in result.stderr
    result = cli("import", "-", "-", "--format", "json", input="[]")
    assert result.exit_code == 2 and "only once" in result.stderr


def test_rejects_to_dash_is_stdout(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"name": "Good"}) + "\n" + json.dumps({"name": "Bad", "birth_year": "65"}) + "\n")
    proc = run_process("import", bad, "--skip-bad-rows", "--rejects", "-")
    assert proc.returncode == 4
    rejected = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert len(rejected) == 1 and rejected[0]["line"] == 2 and rejected[0]["record"]["name"] == "Bad"
    assert "1 added" in proc.stderr.decode() and "written to -" in proc.stderr.decode()
    assert not Path("-").exists()
