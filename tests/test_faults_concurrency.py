"""Several writers at once, from separate processes.

Every write is ``BEGIN IMMEDIATE``, so a writer that finds another one busy waits (up to the busy timeout,
``CASEFILE_BUSY_TIMEOUT``) instead of failing at once on a read-then-write upgrade. Past the timeout it
exits 3 with one line, having written nothing, and it does so within about a second of the timeout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from reliability import CANARY, canary_records, count, integrity, no_canary, record, write_jsonl

from conftest import DATA, dump, sample_records

HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
if sys.argv[2] == "write":
    conn.execute("BEGIN IMMEDIATE")
else:  # a reader in the middle of a long read: its SHARED lock keeps any writer from committing
    conn.execute("BEGIN")
    conn.execute("SELECT count(*) FROM accounts").fetchone()
print("locked", flush=True)
time.sleep(float(sys.argv[3]))
conn.execute("COMMIT")
"""


def casefile(*args: str, timeout: float) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CASEFILE_BUSY_TIMEOUT": str(timeout)}
    return subprocess.Popen(
        [sys.executable, "-m", "casefile", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


@contextmanager
def lock_held(db: Path, kind: str, seconds: float) -> Iterator[None]:
    """Another process holds a write (or read) lock on ``db`` for ``seconds``, or until the block ends."""
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db), kind, str(seconds)], stdout=subprocess.PIPE, text=True
    ) as holder:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        try:
            yield
        finally:
            if holder.poll() is None and seconds > 2:
                holder.kill()
            holder.wait(30)


@pytest.fixture
def seeded(cli, db: Path) -> Path:
    assert cli("import", DATA / "accounts.json").exit_code == 0
    return db


def test_two_imports_and_an_add_at_once_all_succeed(seeded: Path, tmp_path: Path) -> None:
    first = write_jsonl(tmp_path / "first.jsonl", canary_records(2000, prefix="FIRST"))
    second = write_jsonl(tmp_path / "second.jsonl", canary_records(2000, prefix="SECOND"))
    procs = [
        casefile("import", str(first), timeout=30),
        casefile("import", str(second), timeout=30),
        casefile("add", "--no-input", "--name", "Added meanwhile", timeout=30),
    ]
    results = [(*p.communicate(timeout=60), p.returncode) for p in procs]
    assert [r[2] for r in results] == [0, 0, 0], [r[1] for r in results]
    assert count(seeded) == len(sample_records()) + 2000 + 2000 + 1
    assert integrity(seeded) == "ok"
    assert all(no_canary(out, errs) for out, errs, _ in results)
    record("concurrent writers within the timeout", processes=3, succeeded=3, rows_lost=0)


def test_add_waits_for_a_lock_held_within_the_timeout(seeded: Path) -> None:
    with lock_held(seeded, "write", 1.0):
        started = time.monotonic()
        proc = casefile("add", "--no-input", "--name", "Patient", timeout=5)
        proc.communicate(timeout=30)
        code, elapsed = proc.returncode, time.monotonic() - started
    assert code == 0
    assert elapsed >= 0.5, "it must have waited for the holder"
    assert count(seeded) == len(sample_records()) + 1


def timed(*args: str, timeout: float) -> tuple[subprocess.Popen[bytes], bytes, bytes, float]:
    started = time.monotonic()
    proc = casefile(*args, timeout=timeout)
    out, errs = proc.communicate(timeout=30)
    return proc, out, errs, time.monotonic() - started


@pytest.mark.parametrize(
    ("kind", "command"),
    [
        ("write", ["add", "--no-input", "--name", CANARY]),
        ("write", ["import", str(DATA / "accounts.json")]),
        ("read", ["add", "--no-input", "--name", CANARY]),  # the lock is met at COMMIT, after the writes
    ],
    ids=["writer-blocks-add", "writer-blocks-import", "reader-blocks-commit"],
)
def test_writer_blocked_past_the_timeout_exits_3_fast_and_writes_nothing(
    seeded: Path, tmp_path: Path, kind: str, command: list[str]
) -> None:
    """Exit 3 within the timeout plus about a second more than the same command takes unhindered (its
    start-up and work, measured first on a copy, so a loaded machine does not make the test flaky)."""
    copy = tmp_path / "unlocked.db"
    shutil.copy(seeded, copy)
    *_, unhindered = timed("--db", str(copy), *command, timeout=1.0)
    before = dump(seeded)
    timeout = 1.0
    with lock_held(seeded, kind, 8.0):
        proc, out, errs, elapsed = timed(*command, timeout=timeout)
    assert proc.returncode == 3
    assert errs.decode() == (
        "error: database is busy: another casefile command kept it locked for longer than 1 s; "
        "nothing was written, try again\n"
    )
    assert out == b""
    assert timeout <= elapsed < unhindered + timeout + 1.0, f"took {elapsed:.2f} s, {unhindered:.2f} s unhindered"
    assert dump(seeded) == before
    record(
        f"busy past the timeout ({kind} lock, {command[0]})",
        exit_code=3,
        seconds=round(elapsed, 2),
        unhindered_seconds=round(unhindered, 2),
        timeout=1,
    )
