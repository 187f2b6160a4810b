"""Settings and limits from the environment: a bad ``CASEFILE_BUSY_TIMEOUT``, ``COLUMNS`` or ``$EDITOR`` is one
line naming it (never a crash, never a silent default), and a file-size limit (``ulimit -f``) reached while
writing the database is one line naming the limit, with the database as it was."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from reliability import CANARY, canary_records, count, integrity, write_jsonl

from conftest import DATA, file_hash


@pytest.mark.parametrize("value", ["inf", "nan", "1e309", "-1", "1e20", "abc", "3601", "-0.5", "5s", "²"])
def test_a_busy_timeout_out_of_range_is_refused_and_nothing_changes(cli, db: Path, monkeypatch, value: str) -> None:
    assert cli("import", DATA / "accounts.json").exit_code == 0
    before = file_hash(db)
    monkeypatch.setenv("CASEFILE_BUSY_TIMEOUT", value)
    for args in (["add", "--no-input", "--name", CANARY], ["list"]):
        result = cli(*args)
        assert (result.exit_code, result.stdout) == (2, ""), (args, result.stderr)
        [line] = result.stderr.splitlines()
        assert line.startswith("error: CASEFILE_BUSY_TIMEOUT ") and "from 0 to 3600 seconds" in line
        assert CANARY not in line
    assert file_hash(db) == before


def test_a_bad_busy_timeout_does_not_create_the_database(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CASEFILE_BUSY_TIMEOUT", "nan")
    new = tmp_path / "new" / "cases.db"
    result = cli("--db", new, "init")
    assert result.exit_code == 2 and "CASEFILE_BUSY_TIMEOUT" in result.stderr
    assert not new.exists()


@pytest.mark.parametrize("value", ["0", "0.25", "3600", " 2 ", ""])
def test_a_busy_timeout_in_range_is_taken(cli, db: Path, monkeypatch, value: str) -> None:
    monkeypatch.setenv("CASEFILE_BUSY_TIMEOUT", value)
    assert cli("add", "--no-input", "--name", "someone").exit_code == 0
    assert count(db) == 1


# ------------------------------------------------------------------------------------------ file size


def limited(limit: int):
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


@pytest.mark.parametrize("headroom", [64 * 1024, 1024 * 1024])
def test_a_file_size_limit_rolls_back_and_names_the_limit(cli, db: Path, tmp_path: Path, headroom: int) -> None:
    assert cli("import", write_jsonl(tmp_path / "first.jsonl", canary_records(500))).exit_code == 0
    source = write_jsonl(tmp_path / "more.jsonl", canary_records(20_000, start=500))
    before, accounts = file_hash(db), count(db)
    proc = subprocess.run(
        [sys.executable, "-m", "casefile", "import", str(source)],
        capture_output=True,
        preexec_fn=limited(db.stat().st_size + headroom),
        timeout=120,
    )
    errs = proc.stderr.decode()
    assert (proc.returncode, proc.stdout) == (1, b""), errs[-500:]
    assert errs.splitlines()[-1] == (
        f"error: file size limit (ulimit -f) reached while writing {db}; nothing was changed"
    )
    assert "Traceback" not in errs and CANARY not in errs
    assert not db.with_name(db.name + "-journal").exists(), "a hot journal is left"
    assert integrity(db) == "ok" and count(db) == accounts and file_hash(db) == before


def test_a_file_size_limit_on_a_new_database(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    source = write_jsonl(tmp_path / "many.jsonl", canary_records(5_000))
    proc = subprocess.run(
        [sys.executable, "-m", "casefile", "--db", str(db), "import", str(source)],
        capture_output=True,
        preexec_fn=limited(4 * 1024 * 1024),  # a new file's schema alone is 2.3 MB (72 pages of 32 KiB)
        timeout=120,
    )
    errs = proc.stderr.decode()
    assert proc.returncode == 1 and "file size limit (ulimit -f) reached while writing" in errs, errs[-500:]
    assert not db.with_name(db.name + "-journal").exists()
    assert integrity(db) == "ok" and count(db) == 0


# ------------------------------------------------------------------------------------------ siblings


@pytest.mark.parametrize("columns", ["100000000", "99999999999999999999", "-5", "0", "abc", "1e9"])
def test_a_bogus_terminal_width_is_ignored(db: Path, columns: str) -> None:
    """COLUMNS (set by shells, or by hand) drew a panel 10^8 columns wide (MemoryError) or 10^20 (OverflowError)
    on a terminal; a value no terminal has is ignored, as a non-number already was."""
    import pty

    assert subprocess.run([sys.executable, "-m", "casefile", "import", str(DATA / "accounts.json")]).returncode == 0
    pid, fd = pty.fork()
    if pid == 0:  # the child: casefile on a terminal, memory capped so a runaway width fails fast
        resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))
        env = {**os.environ, "COLUMNS": columns, "LINES": "40"}
        os.execvpe(sys.executable, [sys.executable, "-m", "casefile", "--no-pager", "show", "SEED-0001"], env)
    out = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the terminal closed: the child is done
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0, out[-400:]
    assert b"SEED-0001" in out and b"error" not in out
    assert max(len(line) for line in out.splitlines()) < 20_000


@pytest.mark.parametrize("editor", ['vim "unclosed', "   "])
def test_an_editor_that_is_not_a_command_is_one_line(cli, db: Path, monkeypatch, editor: str) -> None:
    assert cli("import", DATA / "accounts.json").exit_code == 0
    before = file_hash(db)
    monkeypatch.setenv("EDITOR", editor)
    result = cli("edit", "SEED-0001")
    assert (
        result.exit_code == 2 and result.stderr.startswith("error: $EDITOR ") and len(result.stderr.splitlines()) == 1
    )
    assert file_hash(db) == before


def test_the_page_cap_test_hook_ignores_what_is_not_a_number(cli, db: Path, monkeypatch) -> None:
    """CASEFILE_MAX_PAGE_COUNT (a test hook) took "²" for a number (str.isdigit) and crashed in int()."""
    monkeypatch.setenv("CASEFILE_MAX_PAGE_COUNT", "²")
    assert cli("add", "--no-input", "--name", "someone").exit_code == 0
    assert count(db) == 1
