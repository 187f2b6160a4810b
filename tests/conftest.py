"""Shared fixtures: every test gets its own database path and XDG folders, never the user's real data."""

from __future__ import annotations

import hashlib
import json
import os
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
    return db


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


def dump_data(db: Path) -> str:
    """A full ordered dump of every user table — rows with their rowids, in rowid order — except the audit log
    itself and the shadow tables of full-text indexes (derived data whose internal layout may differ after
    an undo even when every indexed text is the same). Equal dumps mean the records are exactly as they were."""
    conn = sqlite3.connect(db)
    try:
        tables = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall()
        virtual = [name for name, sql in tables if (sql or "").upper().startswith("CREATE VIRTUAL")]
        lines = []
        for name, sql in tables:
            if name.startswith(("audit_", "sqlite_")) or any(name == v or name.startswith(v + "_") for v in virtual):
                continue
            lines.append(sql)
            lines.extend(repr(row) for row in conn.execute(f'SELECT rowid, * FROM "{name}" ORDER BY rowid'))
        return "\n".join(lines)
    finally:
        conn.close()


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sample_records() -> list[dict]:
    return json.loads((DATA / "accounts.json").read_text(encoding="utf-8"))
