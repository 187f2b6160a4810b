"""Prompts only on a terminal and never with --no-input; an `add` with nothing to add is refused (exit 2)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from conftest import run_in_terminal, run_process


def names(db: Path) -> list[str | None]:
    return [r[0] for r in sqlite3.connect(db).execute("SELECT name FROM accounts ORDER BY rowid")]


def test_add_without_a_terminal_or_fields_fails_fast_naming_the_flags(db: Path) -> None:
    started = time.monotonic()
    with open("/dev/null", "rb") as devnull:
        proc = subprocess.run(
            [sys.executable, "-m", "casefile", "add"], stdin=devnull, capture_output=True, timeout=30, check=False
        )
    assert time.monotonic() - started < 20  # no hang waiting for an answer
    assert proc.returncode == 2
    assert proc.stdout == b""
    message = proc.stderr.decode()
    assert message.count("\n") == 1 and message.startswith("error: give at least one field")
    for flag in ("--name", "--org", "--left", "--exit-type", "casefile add --help", "--from-json"):
        assert flag in message
    assert not db.exists()  # nothing was created


def test_add_with_no_input_and_no_fields_is_refused(cli, db: Path) -> None:
    result = cli("add", "--no-input")
    assert result.exit_code == 2 and "give at least one field" in result.stderr
    assert cli("add", "--no-input", "--confidentiality", "restricted").exit_code == 0  # any one field is enough


def test_from_json_and_field_options_do_not_mix(cli, tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"name": "From file"}))
    result = cli("add", "--from-json", path, "--name", "From flag")
    assert result.exit_code == 2 and "--from-json" in result.stderr


def test_add_from_json_on_stdin_with_dash(cli, db: Path) -> None:
    proc = run_process("add", "--from-json", "-", input=json.dumps([{"name": "Piped 1"}, {"name": "Piped 2"}]).encode())
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.split()) == 2
    assert names(db) == ["Piped 1", "Piped 2"]


def test_add_prompts_for_the_main_fields_on_a_terminal(db: Path) -> None:
    # name, organisation, left, exit type: answer the first two, leave the others empty
    code, out = run_in_terminal("add", input=b"Prompted Person\rSome Group\r\r\r")
    assert code == 0, out
    text = out.decode()
    for prompt in ("name", "organization", "left", "exit type"):
        assert prompt in text
    assert names(db) == ["Prompted Person"]
    assert sqlite3.connect(db).execute("SELECT organization FROM accounts").fetchone() == ("Some Group",)


def test_add_asks_only_for_what_is_missing_and_not_with_no_input(db: Path) -> None:
    code, out = run_in_terminal("add", "--name", "Flagged", "--org", "G", "--left", "2001", input=b"\r")
    assert code == 0, out
    assert b"exit type" in out and b"name" not in out.split(b"exit type")[0]
    code, out = run_in_terminal("add", "--no-input", "--name", "No prompts")
    assert code == 0 and b"exit type" not in out
    code, out = run_in_terminal("add", "--no-input")
    assert code == 2 and b"give at least one field" in out
    assert names(db) == ["Flagged", "No prompts"]


def test_answering_nothing_to_every_prompt_adds_nothing(db: Path) -> None:
    code, out = run_in_terminal("add", input=b"\r\r\r\r")
    assert code == 2 and b"give at least one field" in out
    assert not db.exists()
