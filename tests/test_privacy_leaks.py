"""No testimony in error messages or logs: a canary planted in record text never reaches stdout or stderr
of a failing command, and an unexpected error prints one line plus the path of a private traceback file."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from reliability import CANARY, no_canary, record

from casefile import errors
from casefile.cli import app

from conftest import DATA


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


FAILING_INPUTS = {
    "csv without its header line": ("x.csv", f"Ali Rahimi,{CANARY} x,MEK\r\nSara A,{CANARY} y,MEK\r\n"),
    "csv with a sentence as a column name": ("x.csv", f"name,{CANARY} was held,summary\r\na,b,c\r\n"),
    "csv with a repeated cell as header": ("x.csv", f"name,{CANARY} said,{CANARY} said\r\na,b,c\r\n"),
    "json with testimony as a key": ("x.json", json.dumps([{"name": "a", f"{CANARY} said": "x"}])),
    "jsonl with testimony as a key": ("x.jsonl", json.dumps({f"{CANARY} said": "x"}) + "\n"),
    "bad date": ("x.json", json.dumps([{"name": CANARY, "left": f"{CANARY} 2001"}])),
    "bad code": ("x.json", json.dumps([{"name": CANARY, "exit_type": f"{CANARY} escaped"}])),
    "bad year": ("x.json", json.dumps([{"name": CANARY, "birth_year": f"{CANARY}"}])),
    "duplicate external id": ("x.jsonl", "".join(json.dumps({"external_id": CANARY}) + "\n" for _ in range(2))),
    "broken json": ("x.json", f'[{{"name": "{CANARY}", "summary": "{CANARY}}}]'),
    "broken csv quote": ("x.csv", f'name,summary\r\n"{CANARY},"{CANARY}\r\n'),
    "lone surrogate": ("x.json", '[{"name": "\\ud800' + CANARY + '"}]'),
}


@pytest.mark.parametrize("case", list(FAILING_INPUTS))
def test_failing_import_never_echoes_record_text(cli, tmp_path: Path, case: str) -> None:
    name, text = FAILING_INPUTS[case]
    result = cli("import", write(tmp_path / name, text))
    assert result.exit_code == 1, result.stderr
    assert result.stderr.startswith("error: ")
    assert no_canary(result.stdout, result.stderr), result.stderr
    assert "unexpected" not in result.stderr


def test_missing_header_is_named_as_such(cli, tmp_path: Path) -> None:
    result = cli("import", write(tmp_path / "x.csv", FAILING_INPUTS["csv without its header line"][1]))
    assert "none of the 3 columns of the first line is a casefile column: is it a header?" in result.stderr


def test_misspelt_column_is_still_named(cli, tmp_path: Path) -> None:
    result = cli("import", write(tmp_path / "x.csv", f"name,nmae,{CANARY} said\r\na,b,c\r\n"))
    assert "'nmae', 1 more not shown" in result.stderr and no_canary(result.stderr)


@pytest.mark.parametrize(
    "args",
    [
        ["add", "--no-input", "--name", CANARY, "--left", f"{CANARY} 2001"],
        ["add", "--no-input", "--name", CANARY, "--exit-type", CANARY],
        ["add", "--no-input", "--summary", CANARY, "--birth-year", CANARY],
        ["add", "--no-input", "--summary", CANARY, "--years-in-org", f"{CANARY} years"],
    ],
    ids=["date", "code", "year", "years"],
)
def test_failing_add_never_echoes_record_text(cli, args: list[str]) -> None:
    result = cli(*args)
    assert result.exit_code == 1
    assert no_canary(result.stdout, result.stderr), result.stderr


def test_messages_cannot_drive_the_terminal(cli, tmp_path: Path) -> None:
    """A file name (or any text in a message) with escape sequences or newlines is shown visibly, on one line."""
    evil = tmp_path / "evil\x1b[2J\x1b]0;pwned\x07\n.csv"
    result = cli("import", evil)
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert result.stderr.count("\n") == 1 and "<U+001B>[2J" in result.stderr


def test_unexpected_error_is_one_line_and_a_private_traceback(cli, monkeypatch, tmp_path: Path) -> None:
    assert app.pretty_exceptions_show_locals is False
    assert cli("import", DATA / "accounts.json").exit_code == 0
    from casefile.store import Store

    def broken(self: Store, flt: object, **kwargs: object) -> None:
        testimony = f"{CANARY} told us where he hid"  # noqa: F841 - a local that must not be shown
        raise RuntimeError(f"{CANARY} in an exception message")

    monkeypatch.setattr(Store, "query", broken)
    old_umask = os.umask(0)  # even so, the log and its folder are private
    try:
        result = cli("list", "--format", "json")
    finally:
        os.umask(old_umask)
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: unexpected RuntimeError; the details are in ")
    log = Path(lines[0].rsplit(" ", 1)[1])
    assert log == tmp_path / "xdg-state" / "casefile" / "last-error.log"
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
    assert "Traceback" in log.read_text() and "RuntimeError" in log.read_text()
    assert no_canary(result.stderr)

    debug = cli("--debug", "list", "--format", "json")
    assert debug.exit_code == 1 and "Traceback" in debug.stderr
    assert "told us where he hid" not in debug.stderr, "locals are never shown, even with --debug"
    record("unexpected error", stderr_lines=1, log_mode="0600", canary_on_stderr=0)


def test_every_error_names_no_record_text_summary() -> None:
    record("no testimony in messages", failing_imports=len(FAILING_INPUTS), failing_adds=4, canary_leaks=0)
    assert (
        errors.column_names(["nmae", f"{CANARY} said"])
        == "'nmae', 1 more not shown (they do not look like column names)"
    )
