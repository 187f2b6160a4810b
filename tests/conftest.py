"""Shared fixtures: every test gets its own database path and XDG folders, never the user's real data."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
CORPORA = Path(__file__).resolve().parent / "corpora"


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "casefile.db"
    monkeypatch.setenv("CASEFILE_DB", str(db))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    monkeypatch.setenv("COLUMNS", "160")
    monkeypatch.setenv("CASEFILE_BUSY_TIMEOUT", "5")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    for name in ("CASEFILE_CONFIG", "CASEFILE_ACTOR", "CASEFILE_DAYFIRST", "CASEFILE_EXPORT_FORMAT", "CASEFILE_PAGER"):
        monkeypatch.delenv(name, raising=False)  # the developer's own settings must not leak into a test
    monkeypatch.delenv("PAGER", raising=False)
    return db


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    """Where casefile looks for its config file in a test (the folder exists, the file not yet)."""
    path = tmp_path / "xdg-config" / "casefile" / "config.toml"
    path.parent.mkdir(parents=True)
    return path


@pytest.fixture
def db(isolated: Path) -> Path:
    return isolated


@pytest.fixture
def cli() -> Callable[..., object]:
    """Run casefile in-process with Typer's CliRunner; stdout and stderr are kept apart."""
    from casefile.cli import app

    runner = CliRunner()

    def run(*args: str, input: str | bytes | None = None):  # noqa: A002
        return runner.invoke(app, [str(a) for a in args], input=input, catch_exceptions=False)

    return run


def run_process(*args: str, input: bytes | None = None, env: dict[str, str] | None = None, timeout: float = 120):
    """Run casefile as a real subprocess (streams, signals, TTYs and concurrency need the real thing)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "casefile", *map(str, args)],
        input=input,
        capture_output=True,
        env=full_env,
        timeout=timeout,
    )


def dump(db: Path) -> str:
    """A full ordered dump of every table: equal dumps mean equal databases."""
    conn = sqlite3.connect(db)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sample_records() -> list[dict]:
    return json.loads((DATA / "accounts.json").read_text(encoding="utf-8"))


def run_in_terminal(
    *args: str, env: dict[str, str] | None = None, rows: int = 40, columns: int = 120, input: bytes = b"", timeout=30
) -> tuple[int, bytes]:
    """Run casefile with stdin, stdout and stderr on a pseudo-terminal of ``rows`` × ``columns``.

    Returns the exit code and everything the terminal showed. ``TERM`` is a colour terminal and ``PAGER``
    is ``cat`` (no test may wait for a key) unless ``env`` says otherwise; ``COLUMNS`` and ``LINES`` are
    removed so the terminal's own size counts.
    """
    import fcntl
    import pty
    import select
    import struct
    import termios
    import time

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    full_env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    full_env.update({"TERM": "xterm-256color", "PAGER": "cat"})
    full_env.update(env or {})
    proc = subprocess.Popen(
        [sys.executable, "-m", "casefile", *map(str, args)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=full_env,
        start_new_session=True,
    )
    os.close(slave)
    if input:
        os.write(master, input)
    chunks = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            ready, _, _ = select.select([master], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                os.killpg(proc.pid, signal.SIGKILL)  # its own session: casefile and any pager it started
                raise TimeoutError(f"casefile {' '.join(map(str, args))} did not finish on the terminal")
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the last process holding the terminal has closed it
                break
            if not data:
                break
            chunks.append(data)
        return proc.wait(timeout=timeout), b"".join(chunks)
    finally:
        os.close(master)
