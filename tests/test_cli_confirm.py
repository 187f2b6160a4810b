"""Questions asked on a real terminal (a pseudo-terminal): bulk edit, delete and purge ask before writing."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import DATA, file_hash, run_process


def on_terminal(args: list[str], answer: str, timeout: float = 30) -> tuple[int, str, str]:
    """Run casefile with stdin and stderr on a pseudo-terminal; answer its question; (exit, stdout, terminal)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "casefile", *args], stdin=slave, stdout=subprocess.PIPE, stderr=slave
    )
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + timeout
    while not seen.rstrip().endswith((b"]:", b"confirm:")) and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                seen += os.read(master, 4096)
            except OSError:
                break
    os.write(master, answer.encode() + b"\n")
    stdout, _ = proc.communicate(timeout=timeout)
    while select.select([master], [], [], 0.1)[0]:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    return proc.returncode, stdout.decode(), seen.decode(errors="replace")


@pytest.fixture
def seeded_db(db: Path) -> Path:
    run_process("org", "import", DATA / "organizations.json")
    run_process("import", DATA / "accounts.json")
    return db


def tags(ref: str) -> list[str]:
    return json.loads(run_process("show", ref, "--format", "json").stdout)["tags"]


def test_bulk_edit_asks_after_the_preview(seeded_db: Path) -> None:
    before = file_hash(seeded_db)
    code, out, terminal = on_terminal(["edit", "--tag", "synthetic", "--org", "MEK", "--add-tag", "seen"], "n")
    assert code == 1 and "Change 3 accounts?" in terminal and "nothing written" in terminal
    assert len(out.splitlines()) == 3 and file_hash(seeded_db) == before
    code, out, terminal = on_terminal(["edit", "--tag", "synthetic", "--org", "MEK", "--add-tag", "seen"], "y")
    assert code == 0 and "3 accounts changed" in terminal
    assert "seen" in tags("DEMO-0003")


def test_delete_lists_the_accounts_and_asks(seeded_db: Path) -> None:
    code, _, terminal = on_terminal(["delete", "DEMO-0005"], "y")
    assert code == 0 and "Юрий Петренко" in terminal and "Delete 1 account?" in terminal
    assert "1 account deleted" in terminal


def test_purge_wants_the_word_typed(seeded_db: Path) -> None:
    before = file_hash(seeded_db)
    code, _, terminal = on_terminal(["purge", "DEMO-0005"], "yes")
    assert code == 1 and "Type 'purge' to confirm" in terminal and file_hash(seeded_db) == before
    code, _, terminal = on_terminal(["purge", "DEMO-0005"], "purge")
    # its article is a shared source no other account cites (issue 18, item 4): purged with it
    assert code == 0 and "1 account and 1 source purged" in terminal
