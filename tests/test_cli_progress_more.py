"""Progress on the long jobs issue 20 lists beyond import and export - ``publish``, ``dupes``, ``search --reindex``
and ``reindex``: rows and rate on a terminal (a real pseudo-terminal), nothing with ``--quiet`` or when stderr is
a pipe."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_in_terminal, run_process


@pytest.mark.parametrize(
    "command",
    [
        ["publish", "{out}"],
        ["publish", "{out}", "--redact", "summary"],
        ["dupes", "--limit", "3"],
        ["search", "--reindex"],
        ["reindex"],
    ],
)
def test_long_jobs_show_rows_and_rate_on_a_terminal_only(cli, tmp_path: Path, command: list[str]) -> None:
    path = tmp_path / "many.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for i in range(300):
            record = {
                "name": f"Person {i:05d}",
                "organization": "Group",
                "summary": "left",
                "confidentiality": "public",
            }
            out.write(json.dumps(record) + "\n")
    assert cli("import", path).exit_code == 0
    target = tmp_path / "shared.db"
    args = [a.replace("{out}", str(target)) for a in command]
    code, shown = run_in_terminal(*args, rows=20)
    assert code == 0, shown
    assert b"rows/s" in shown and b"rows" in shown, shown  # how many, and how fast
    code, quiet = run_in_terminal("--quiet", *args, env={}, rows=20)
    assert code == 0 and b"rows/s" not in quiet, quiet
    piped = run_process(*args)
    assert piped.returncode == 0 and b"rows/s" not in piped.stderr, piped.stderr
