"""Ctrl-C or SIGTERM at any point of a write: exit 130, nothing half-written, and a message that tells the
truth ("nothing was written", or what had been saved in full just before the interrupt arrived).

"Any point" is taken literally: a tracer raises ``KeyboardInterrupt`` on the N-th line of casefile code the
command executes, for every N (``make soak``) or a spread of them that includes every line of the commit
and rename paths (``make test``). Real signals are sent to real processes as well."""

from __future__ import annotations

import functools
import gc
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from reliability import CANARY, canary_records, hangups_as_on_a_terminal, integrity, record, write_jsonl
from typer.testing import CliRunner

import casefile
from casefile.cli import app

from conftest import DATA

PACKAGE = os.path.dirname(casefile.__file__)
NOTHING = "interrupted: nothing was written"
CRITICAL = {"transaction", "open_output", "_place", "_put", "held"}  # every line of these is always tried


def content(db: Path) -> Any:
    """The database's content, without the random ids and the timestamps (which differ run to run)."""
    if not db.exists():
        return None
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        if "accounts" not in tables:
            return tables
        cols = [r[1] for r in conn.execute("PRAGMA table_info(accounts)")]
        keep = ", ".join(f'"{c}"' for c in cols if c not in ("id", "created_at", "updated_at"))
        return tables, conn.execute(f"SELECT {keep} FROM accounts ORDER BY rowid").fetchall()
    finally:
        conn.close()


def files(folder: Path) -> Any:
    """Every file in the export's folder with its content: the target, and any temp file left behind."""
    return sorted((p.name, p.read_bytes()) for p in folder.iterdir())


@dataclass
class Case:
    args: list[str]
    state: Callable[[], Any]
    reset: Callable[[], None]


@pytest.fixture
def cases(cli, db: Path, tmp_path: Path) -> dict[str, Case]:
    assert cli("import", DATA / "accounts.json").exit_code == 0
    pristine = tmp_path / "pristine.db"
    shutil.copy(db, pristine)
    source = write_jsonl(tmp_path / "in.jsonl", canary_records(3))
    target = tmp_path / "exports" / "out.json"
    target.parent.mkdir()
    fresh = tmp_path / "new" / "casefile.db"

    def reset() -> None:
        shutil.copy(pristine, db)
        target.write_text("the previous export\n", encoding="utf-8")
        shutil.rmtree(fresh.parent, ignore_errors=True)

    add = ["add", "--no-input", "--name", CANARY, "--summary", CANARY, "--left", "around 2001", "--tag", "t"]
    return {
        "add": Case(add, lambda: content(db), reset),
        "import": Case(["import", str(source)], lambda: content(db), reset),
        "export": Case(
            ["export", "-f", "json", "--limit", "2", "-o", str(target)], lambda: files(target.parent), reset
        ),
        "init": Case(["--db", str(fresh), "init"], lambda: content(fresh) or None, reset),
    }


def blocked() -> bool:
    return signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, [])


def traced_run(args: list[str], interrupt_at: int | None) -> tuple[Any, list[tuple[str, str]]]:
    """Run the command in-process, counting the lines of casefile code it executes inside the error
    boundary; raise KeyboardInterrupt on line ``interrupt_at`` (it must be reached). Returns the result and
    each line's (file, function)."""
    lines: list[tuple[str, str]] = []
    depth = [0]
    fired: list[int] = []  # once only, even in frames that outlive this run

    def local(frame: FrameType, event: str, arg: object) -> Any:
        if event == "line":
            lines.append((relative(frame.f_code.co_filename), frame.f_code.co_name))
            # like a real signal: while casefile holds SIGINT blocked, it is delivered on the first line after
            if interrupt_at is not None and len(lines) >= interrupt_at and not fired and not blocked():
                fired.append(len(lines))
                raise KeyboardInterrupt
        return local

    def on_call(frame: FrameType, event: str, arg: object) -> Any:
        code = frame.f_code
        if code.co_qualname == "boundary.<locals>.wrapper":
            depth[0] += 1
            return None  # the boundary's own lines are not the command's
        if depth[0] and code.co_filename.startswith(PACKAGE):
            return local
        return None

    previous = sys.gettrace()  # coverage's tracer: put back afterwards
    sys.settrace(on_call)
    try:
        result = CliRunner().invoke(app, args, catch_exceptions=False)
    finally:
        sys.settrace(previous)
    assert interrupt_at is None or len(lines) >= interrupt_at, "the run took another path than the reference run"
    return result, lines


@functools.cache
def relative(filename: str) -> str:
    """A module's path inside the package (os.path.relpath on every traced line cost more than the line)."""
    return os.path.relpath(filename, PACKAGE)


def points(lines: list[tuple[str, str]], spread: int | None) -> list[int]:
    """Which lines to interrupt at: all of them, or every ``spread``-th plus every critical one."""
    if spread is None:
        return list(range(1, len(lines) + 1))
    return [n for n, (_, fn) in enumerate(lines, 1) if fn in CRITICAL or n % spread == 0]


def interrupt_everywhere(case: Case, spread: int | None) -> dict[str, int]:
    case.reset()
    CliRunner().invoke(app, case.args)  # import every module and fill the caches, so all runs take one path
    case.reset()
    before = case.state()
    done, lines = traced_run(case.args, None)
    assert done.exit_code == 0, done.stderr
    after = case.state()
    assert after != before
    tally = {"points": 0, "nothing_written": 0, "saved_in_full": 0, "half_written": 0}
    # Everything alive now (pytest, the loaded modules, their caches) is set aside from the collections below:
    # each then looks only at what the runs made, where the leftovers it must close are (a full collection
    # walked the whole heap every time, a quarter of the test's time).
    gc.collect()
    gc.freeze()
    try:
        for n in points(lines, spread):
            case.reset()
            result, _ = traced_run(case.args, n)
            tally["points"] += 1
            assert result.exit_code == 130, (n, lines[n - 1], result.stderr)
            message = result.stderr.splitlines()[-1]
            state = case.state()
            if message == NOTHING:
                tally["nothing_written"] += 1
                ok = state == before
            else:
                assert message.startswith("interrupted after ") and "saved in full" in message, message
                tally["saved_in_full"] += 1
                ok = state == after
            tally["half_written"] += not ok
            assert ok, f"interrupt at line {n} ({lines[n - 1]}): the state does not match {message!r}"
            assert CANARY not in result.stderr
            # What an interrupt at an artificial point left open (a file, a cursor in the middle of a SELECT, which
            # holds a read lock) is closed here, not in a later run: a real process exits after an interrupt, this
            # loop runs the next command in the same one, where a leftover reader made its COMMIT wait and fail.
            del result
            gc.collect()
    finally:
        gc.unfreeze()
    return tally


UNRAISABLE = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning", "ignore::ResourceWarning")


@UNRAISABLE
@pytest.mark.parametrize("command", ["add", "import", "export", "init"])
def test_interrupt_at_a_spread_of_points_including_every_commit_line(cases, command: str) -> None:
    spread = {"add": 60, "import": 90, "export": 90, "init": 15}[command]
    tally = interrupt_everywhere(cases[command], spread)
    record(f"interrupt ({command}), sampled points", **tally)


@UNRAISABLE
@pytest.mark.slow
@pytest.mark.parametrize("command", ["add", "import", "export", "init"])
def test_interrupt_at_every_point(cases, command: str) -> None:
    tally = interrupt_everywhere(cases[command], None)
    record(f"interrupt ({command}), every point", **tally)


# ------------------------------------------------------------------------------------------ real signals


def signal_trials(db: Path, tmp_path: Path, trials: int) -> None:
    """``casefile add`` in a real process, hit by SIGINT or SIGTERM at a random moment of its life."""
    pristine = tmp_path / "pristine.db"
    shutil.copy(db, pristine)
    before = content(db)
    rng = random.Random(os.environ.get("CASEFILE_SIGNAL_SEED") or None)
    outcomes: dict[str, int] = {}
    for i in range(trials):
        sig = (signal.SIGINT, signal.SIGTERM)[i % 2]
        shutil.copy(pristine, db)
        proc = subprocess.Popen(
            [sys.executable, "-m", "casefile", "add", "--no-input", "--name", CANARY, "--summary", CANARY],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        time.sleep(rng.uniform(0.0, 0.8))
        proc.send_signal(sig)
        out, errs = proc.communicate(timeout=30)
        state, lines = content(db), errs.decode().splitlines()
        assert integrity(db) == "ok"
        added = state != before
        if added:  # the record is whole, and the process says so: its id (exit 0) or "saved in full" (130)
            assert len(state[1]) == len(before[1]) + 1 and state[1][-1][2] == CANARY
            assert (proc.returncode == 0 and len(out.split()) == 1) or (
                proc.returncode == 130 and "saved in full" in lines[-1]
            ), (proc.returncode, lines)
            kind = "finished, id printed" if proc.returncode == 0 else "130, saved in full"
        elif lines[-1:] == [NOTHING]:
            kind = "interrupted: nothing was written"
            assert proc.returncode in (130, -signal.SIGINT)
        else:  # during start-up or option parsing, before casefile's boundary: Python's or typer's own exit
            kind = "stopped before the command began"
            assert proc.returncode in (130, 1, -sig, -signal.SIGINT), (proc.returncode, lines)
        assert CANARY.encode() not in errs
        outcomes[kind] = outcomes.get(kind, 0) + 1
    record("real SIGINT/SIGTERM during add", trials=trials, half_written=0, **outcomes)


def test_sigint_and_sigterm_during_add(cli, db: Path, tmp_path: Path) -> None:
    assert cli("import", DATA / "accounts.json").exit_code == 0
    signal_trials(db, tmp_path, 6)


@pytest.mark.slow
def test_sigint_and_sigterm_during_add_soak(cli, db: Path, tmp_path: Path) -> None:
    assert cli("import", DATA / "accounts.json").exit_code == 0
    signal_trials(db, tmp_path, 200)


@pytest.mark.slow
def test_sigint_during_import_soak(tmp_path: Path) -> None:
    """``casefile import`` of 3,000 records into a new database, hit by SIGINT at a random moment (so also
    while Python loads casefile's modules): the import is whole or absent, and the process says which."""
    source = write_jsonl(tmp_path / "many.jsonl", canary_records(3_000))
    rng = random.Random(os.environ.get("CASEFILE_SIGNAL_SEED") or None)
    trials = int(os.environ.get("CASEFILE_SIGNAL_TRIALS", "150"))
    outcomes: dict[str, int] = {}
    for i in range(trials):
        db = tmp_path / f"trial{i}.db"
        proc = subprocess.Popen(
            [sys.executable, "-m", "casefile", "--db", str(db), "import", str(source)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        time.sleep(rng.uniform(0.0, 0.8))
        proc.send_signal(signal.SIGINT)
        out, errs = proc.communicate(timeout=60)
        state, last = content(db), (errs.decode().splitlines() or [""])[-1]
        rows = len(state[1]) if isinstance(state, tuple) else 0
        assert rows in (0, 3_000) and (state is None or integrity(db) == "ok"), (rows, last)
        if rows:
            assert (proc.returncode, last) == (0, "3000 added, 0 updated, 0 unchanged") or (
                proc.returncode == 130 and "saved in full" in last and "schema" not in last
            ), (proc.returncode, last)
            kind = "imported in full"
        elif last == NOTHING or "schema had been saved in full" in last:
            assert proc.returncode in (130, -signal.SIGINT)  # -2: the CPython case of docs/RELIABILITY.md
            kind = "interrupted, nothing imported"
        else:  # in Python's own start-up (site, runpy), before casefile's entry point installed its handler
            assert proc.returncode in (1, -signal.SIGINT) and "casefile/cli" not in errs.decode(), errs[-300:]
            kind = "stopped in Python's start-up"
        if kind != "stopped in Python's start-up":
            assert b"Traceback" not in errs, errs[-300:]
        assert CANARY.encode() not in errs
        outcomes[kind] = outcomes.get(kind, 0) + 1
    record("real SIGINT during import", trials=trials, half_written=0, **outcomes)


def size_of(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return -1


def wait_until(condition: Callable[[], Any], what: str, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.005)
    return value


#: Ctrl-C, and the hang-up a closing terminal sends: the same outcome, as for SIGTERM
STOPS = pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGHUP], ids=["SIGINT", "SIGHUP"])


@STOPS
def test_a_new_database_stays_interruptible_after_its_schema_is_made(tmp_path: Path, sig: int) -> None:
    """The schema's COMMIT is not the command's result: Ctrl-C (or a hang-up) must still stop the import that
    follows, and leave no journal or temp file behind."""
    db, source = tmp_path / "new.db", write_jsonl(tmp_path / "many.jsonl", canary_records(60_000))
    journal = db.with_name(db.name + "-journal")
    proc = subprocess.Popen(
        [sys.executable, "-m", "casefile", "--db", str(db), "import", str(source)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=hangups_as_on_a_terminal,
    )
    # the schema is written into an empty file; the import's own transaction then opens a journal against the
    # committed schema and, once its page cache spills, grows the file: only then is the signal sent, so it
    # lands in the import's loop and not (by chance, on a busy machine) while Python is still loading modules
    # (a new file's schema alone is 72 pages of 32 KiB, which spill from the cache while it is being made: the
    # size of a schema made by `init` tells the import's own pages from the schema's)
    fresh = tmp_path / "fresh" / "schema.db"
    subprocess.run([sys.executable, "-m", "casefile", "--db", str(fresh), "init"], check=True, capture_output=True)
    schema = max(size_of(fresh), 1)
    shutil.rmtree(fresh.parent)
    wait_until(lambda: size_of(journal) > 0 and size_of(db) > schema, "the import wrote its first pages", 30)
    proc.send_signal(sig)
    out, errs = proc.communicate(timeout=60)
    assert proc.returncode == 130, "the import ran to the end, or the signal killed it"
    assert errs.decode().splitlines()[-1] == (
        "interrupted after the database schema had been saved in full; nothing else was written"
    )
    state = content(db)
    assert integrity(db) == "ok" and state[1] == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["many.jsonl", "new.db"], "a journal or temp file is left"


@STOPS
def test_an_export_stays_interruptible_after_its_temp_file_is_made(cli, db: Path, tmp_path: Path, sig: int) -> None:
    """Creating the temp file holds signals for a moment; it must not hold them for the rest of the export.
    The signal removes the temp file (a copy of the testimony) and leaves the previous export as it was."""
    assert cli("import", write_jsonl(tmp_path / "many.jsonl", canary_records(20_000))).exit_code == 0
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "out.json"
    target.write_bytes(b"the previous export\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "casefile", "export", "-f", "json", "-o", str(target)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=hangups_as_on_a_terminal,
    )
    # sent once the temp file has its first rows: the export's loop is running, Python has loaded its modules
    wait_until(lambda: any(size_of(p) > 0 for p in folder.iterdir() if p != target), "the export wrote rows", 30)
    proc.send_signal(sig)
    out, errs = proc.communicate(timeout=60)
    assert proc.returncode == 130, "the export ran to the end, or the signal killed it"
    assert errs.decode().splitlines()[-1] == NOTHING
    assert files(folder) == [("out.json", b"the previous export\n")], "a temp file is left, or the export changed"


def test_nohup_keeps_a_hangup_from_stopping_the_import(tmp_path: Path) -> None:
    """A hang-up the parent chose to ignore (``nohup casefile import …``) stays ignored: the import runs on
    to the end instead of stopping when the terminal closes."""
    db, source = tmp_path / "new.db", write_jsonl(tmp_path / "many.jsonl", canary_records(60_000))
    journal = db.with_name(db.name + "-journal")
    proc = subprocess.Popen(
        [sys.executable, "-m", "casefile", "--db", str(db), "import", str(source)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN),  # what nohup does
    )
    # (a new file's schema alone is 72 pages of 32 KiB, which spill from the cache while it is being made: the
    # size of a schema made by `init` tells the import's own pages from the schema's)
    fresh = tmp_path / "fresh" / "schema.db"
    subprocess.run([sys.executable, "-m", "casefile", "--db", str(fresh), "init"], check=True, capture_output=True)
    schema = max(size_of(fresh), 1)
    shutil.rmtree(fresh.parent)
    wait_until(lambda: size_of(journal) > 0 and size_of(db) > schema, "the import wrote its first pages", 30)
    proc.send_signal(signal.SIGHUP)
    out, errs = proc.communicate(timeout=120)
    assert (proc.returncode, errs.decode().splitlines()[-1]) == (0, "60000 added, 0 updated, 0 unchanged")
    assert integrity(db) == "ok" and len(content(db)[1]) == 60_000


def swallow_an_interrupt() -> None:
    """What Python does with a Ctrl-C that lands in a weakref callback (as during a lazy import): the handler
    runs, its KeyboardInterrupt is printed as "Exception ignored" and lost, and the code goes on."""
    from casefile import interrupts

    class Lock:
        pass

    lock = Lock()
    _ref = weakref.ref(lock, lambda _: interrupts.on_signal(signal.SIGINT, None))
    del lock  # the callback runs now; the exception cannot leave it


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_an_interrupt_python_swallowed_still_stops_the_commit(cli, db: Path, monkeypatch) -> None:
    from casefile import interrupts
    from casefile.store import Store

    monkeypatch.setattr(interrupts, "requested", False)  # put back after the test
    assert cli("import", DATA / "accounts.json").exit_code == 0
    before = content(db)
    sync = Store.sync_search

    def sync_then_swallow(self: Store) -> None:
        sync(self)
        swallow_an_interrupt()

    monkeypatch.setattr(Store, "sync_search", sync_then_swallow)
    result = cli("add", "--no-input", "--name", "After the ignored Ctrl-C")
    assert interrupts.requested, "the simulated interrupt did not reach the handler"
    assert (result.exit_code, result.stderr.splitlines()[-1:]) == (130, [NOTHING])
    assert content(db) == before


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_an_interrupt_python_swallowed_still_stops_an_export(cli, db: Path, tmp_path: Path, monkeypatch) -> None:
    from casefile import interrupts
    from casefile.exporters import output

    monkeypatch.setattr(interrupts, "requested", False)
    assert cli("import", DATA / "accounts.json").exit_code == 0
    folder = tmp_path / "exports"
    folder.mkdir()
    sync = output.sync

    def sync_then_swallow(out: Any, path: str | None) -> None:
        swallow_an_interrupt()
        sync(out, path)

    monkeypatch.setattr(output, "sync", sync_then_swallow)
    result = cli("export", "-f", "csv", "-o", folder / "out.csv")
    assert (result.exit_code, result.stderr.splitlines()[-1:]) == (130, [NOTHING])
    assert list(folder.iterdir()) == [], "no temp file or partial export is left"


def test_ctrl_c_while_the_cli_loads_is_one_line_not_a_traceback(db: Path) -> None:
    """A real SIGINT, sent by the process to itself the moment it first imports Typer (so while the
    command-line layer loads, before any command runs)."""
    probe = (
        "import builtins, os, signal, sys\n"
        "real = builtins.__import__\n"
        "def hook(name, *args, **kwargs):\n"
        "    if name == 'typer':\n"
        "        builtins.__import__ = real\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "    return real(name, *args, **kwargs)\n"
        "builtins.__import__ = hook\n"
        "sys.argv = ['casefile', 'list']\n"
        "import casefile\n"
        "casefile.main()\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, timeout=60)
    assert (proc.returncode, proc.stderr.decode(), proc.stdout) == (130, NOTHING + "\n", b"")
    assert not db.exists()


def test_an_interrupt_as_signals_are_held_does_not_leave_them_blocked(monkeypatch) -> None:
    """Python runs a pending handler as ``pthread_sigmask`` returns, so the call that blocks the signals can
    itself raise; Ctrl-C must not then stay blocked for the rest of the process."""
    from casefile import interrupts

    real = signal.pthread_sigmask

    def block_then_raise(how: int, mask: Any) -> Any:
        old = real(how, mask)
        if how == signal.SIG_BLOCK and set(mask) == interrupts._SIGNALS:
            raise KeyboardInterrupt  # as the handler of a signal that came a moment before would
        return old

    before = real(signal.SIG_BLOCK, [])
    monkeypatch.setattr(signal, "pthread_sigmask", block_then_raise)
    with pytest.raises(KeyboardInterrupt):
        with interrupts.held():
            pass
    assert real(signal.SIG_BLOCK, []) == before


def test_a_swallowed_interrupt_is_not_printed_as_an_ignored_traceback() -> None:
    """The console script's handlers: the lost KeyboardInterrupt is noted, not printed; other exceptions in
    callbacks still are."""
    probe = (
        "import signal, weakref\n"
        "from casefile import interrupts\n"
        "interrupts.install()\n"
        "class Lock:\n    pass\n"
        "for callback in (lambda _: interrupts.on_signal(signal.SIGINT, None), lambda _: 1 / 0):\n"
        "    lock = Lock()\n"
        "    ref = weakref.ref(lock, callback)\n"
        "    del lock\n"
        "print(interrupts.requested)\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout == b"True\n"
    assert b"KeyboardInterrupt" not in proc.stderr and b"ZeroDivisionError" in proc.stderr
