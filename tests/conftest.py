"""Shared fixtures: every test gets its own database path and XDG folders, never the user's real data."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer.testing
from hypothesis import settings
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
CORPORA = Path(__file__).resolve().parent / "corpora"

# no per-example time limit: the machines are shared, and a slow example on a busy one is not a failure
settings.register_profile("casefile", deadline=None)
settings.load_profile("casefile")


def _built_once(build: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Typer's test runner turns the app into a click command on every ``invoke`` (~20 ms, more than most
    commands take). casefile's app is built once per test process instead, as a real process builds it once:
    the command holds no state between invocations (each gets its own click context), so every invocation
    parses and runs exactly as before. Other apps (a test's own) are built per call as before."""
    built: dict[int, Any] = {}

    def get_command(app: Any) -> Any:
        cli = sys.modules.get("casefile.cli")
        if cli is None or app is not getattr(cli, "app", None):
            return build(app)
        if id(app) not in built:
            built[id(app)] = build(app)
        return built[id(app)]

    return get_command


typer.testing._get_command = _built_once(typer.testing._get_command)  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "casefile.db"
    monkeypatch.setenv("CASEFILE_DB", str(db))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))  # the editor's record file, when
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)  # there is no runtime folder (doctor looks in both)
    monkeypatch.setenv("COLUMNS", "160")
    monkeypatch.setenv("CASEFILE_BUSY_TIMEOUT", "5")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    for name in (
        "CASEFILE_CONFIG",
        "CASEFILE_ACTOR",
        "CASEFILE_COLLECTOR",
        "CASEFILE_DAYFIRST",
        "CASEFILE_EXPORT_FORMAT",
        "CASEFILE_PAGER",
        "CASEFILE_TIMESTAMP_URLS",
        "CASEFILE_TIMESTAMP_CA",
    ):
        monkeypatch.delenv(name, raising=False)  # the developer's own settings must not leak into a test
    monkeypatch.delenv("PAGER", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    # the sample (data/accounts.json) names one group three ways (MEK, PMOI, Mujahedin-e Khalq); tests that import
    # it without data/organizations.json, to test something else, create them as before. The tests of that
    # decision (test_cli_org_near.py) take this away.
    monkeypatch.setenv("CASEFILE_NEW_ORG", "1")
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


# ------------------------------------------------------------------------------ shared by the import/export tests

#: Put into record text by tests; it must never reach stdout or stderr (messages never echo record text).
CANARY = "CANARY-5e1f0b"


def write_sql(db: Path, *statements: str) -> None:
    """Change a database behind casefile's back (another program, a disk fault), one statement at a time."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        for statement in statements:
            conn.execute(statement)
    finally:
        conn.close()


#: Changes byte 100 of an artifact's first chunk, whatever it was (random bytes may already hold any one value).
FLIP_BYTE_100 = (
    "UPDATE artifact_chunks SET data = substr(data, 1, 99) || CASE substr(data, 100, 1) WHEN x'00' THEN x'01' "
    "ELSE x'00' END || substr(data, 101) WHERE seq = 0"
)


def write_big_csv(path: Path, rows: int, prefix: str) -> Path:
    """A CSV of ``rows`` short accounts (external ids ``prefix-N``, the canary in each summary): large enough that
    importing it takes seconds, for the tests that signal or kill an import midway."""
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("external_id,name,left,summary\r\n")
        out.writelines(f"{prefix}-{i},Person {i},around 2001,{CANARY} summary {i}\r\n" for i in range(rows))
    return path


def rows_csv(rows: list[dict[str, str]], header: list[str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header or list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def count(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT count(*) FROM accounts").fetchone()[0])
    finally:
        conn.close()


def stored(db: Path) -> list[dict[str, Any]]:
    """Every stored account (restricted and deleted too) in its JSON interchange form, in rowid order."""
    from casefile import model
    from casefile.store import Store

    store = Store.open(db)
    try:
        flt = model.Filter(include_deleted=True, include_restricted=True)
        return [model.to_json_dict(account) for account in store.query(flt)]
    finally:
        store.close()


def private_copy(template: Path, path: Path) -> Path:
    shutil.copyfile(template, path)
    os.chmod(path, 0o600)
    return path


@pytest.fixture(scope="session")
def empty_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, migrated database to copy: migrating a new one costs more than most tests."""
    from casefile.store import Store

    path = tmp_path_factory.mktemp("templates") / "empty.db"
    Store.open(path, create=True).close()
    return path


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory, empty_template: Path) -> Path:
    """A database holding the sample accounts, imported once per session."""
    from casefile.cli import app

    path = private_copy(empty_template, tmp_path_factory.mktemp("templates") / "seeded.db")
    result = CliRunner().invoke(app, ["--db", str(path), "import", "--new-org", str(DATA / "accounts.json")])
    assert result.exit_code == 0, result.stderr
    return path


@pytest.fixture
def empty(db: Path, empty_template: Path) -> Path:
    """The test database, created and empty (a private copy of :func:`empty_template`)."""
    return private_copy(empty_template, db)


@pytest.fixture
def seeded(db: Path, seeded_template: Path) -> Path:
    """The test database, holding the sample accounts (a private copy of :func:`seeded_template`)."""
    return private_copy(seeded_template, db)


def _text(stream: str | bytes | None) -> str:
    if isinstance(stream, bytes):
        return stream.decode("utf-8", "replace")
    return stream or ""


def assert_no_leak(result: Any, *secrets: str) -> None:
    """No record text (the canary, or ``secrets``) and no traceback on stdout or stderr."""
    for stream in (_text(result.stdout), _text(result.stderr)):
        for secret in (CANARY, *secrets):
            assert secret not in stream
        assert "Traceback" not in stream


def error_lines(result: Any) -> list[str]:
    return [line for line in _text(result.stderr).splitlines() if line.startswith("error:")]


def popen_casefile(*args: str, **kwargs: Any) -> subprocess.Popen[bytes]:
    """Start ``python -m casefile`` with SIGINT at its default, so Python turns it into KeyboardInterrupt.

    A process started in the background by a non-interactive shell (as CI runners do) inherits SIGINT
    ignored; a Python handler is reset to the default by ``exec``, so installing one here around the
    fork gives the child the disposition a terminal would.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return subprocess.Popen([sys.executable, "-m", "casefile", *map(str, args)], **kwargs)
    finally:
        signal.signal(signal.SIGINT, previous)


def run_in_terminal(
    *args: str,
    env: dict[str, str] | None = None,
    rows: int = 40,
    columns: int = 120,
    input: bytes = b"",
    timeout=30,
    unset: tuple[str, ...] = (),
) -> tuple[int, bytes]:
    """Run casefile with stdin, stdout and stderr on a pseudo-terminal of ``rows`` × ``columns``.

    Returns the exit code and everything the terminal showed. ``TERM`` is a colour terminal and ``PAGER``
    is ``cat`` (no test may wait for a key) unless ``env`` says otherwise; ``COLUMNS`` and ``LINES`` are
    removed so the terminal's own size counts; the variables in ``unset`` are removed too.
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
    for name in unset:
        full_env.pop(name, None)
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


def casefile_csv(text: str) -> list[dict[str, str]]:
    """The rows of a CSV casefile wrote, as ``csv.DictReader`` gives them, with its spreadsheet marks taken
    off (a marked header's ``'id`` is ``id``; a cell's added ``'`` goes): what casefile's importer reads."""
    from casefile import safecsv

    header, *rows = list(csv.reader(io.StringIO(text, newline="")))
    if safecsv.is_marked(header):
        header = [header[0][1:], *header[1:]]
        rows = [safecsv.restore(row) for row in rows]
    return [dict(zip(header, row, strict=True)) for row in rows]
