"""The import's worker process (issue 23): reading and validation in one child process, the parent the single
writer in its one transaction.

* The worker path stores exactly what the in-process path stores - the same database row for row, the same
  search index, the same stdout, stderr, exit code and rejects file - for valid and invalid input (hypothesis).
* A worker that dies stops the import with one line and exit 1, nothing written; a parent that dies leaves the
  database as it was and no worker behind; Ctrl-C exits 130 with nothing written, whichever process it reaches,
  and so does SIGTERM or SIGHUP sent to the worker alone (a hang-up ignored under ``nohup`` stays ignored).
* Small imports stay in-process; ``CASEFILE_IMPORT_WORKERS`` forces either path.

The kill -9 trials of both processes (K1) are at the end of this file, under "K1: kill -9 trials".
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from import_signals import (
    ENV,
    alive,
    assert_a_signal_stops_the_import,
    children,
    hangup_ignored,
    start_import,
    wait_for_writing,
)
from typer.testing import CliRunner

from casefile import import_worker, pipeline
from casefile.cli import app

from conftest import CANARY, count, dump_data, rows_csv, write_big_csv

_ID = re.compile(r"\b(?:[0-9a-f]{16}|[0-9a-f]{8})\b")
_STAMP = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|\+00:00)")


def canonical(text: str) -> str:
    """Random ids renamed by where each first appears; timestamps left out."""
    names: dict[str, str] = {}
    text = _STAMP.sub("<time>", text)
    return _ID.sub(lambda m: names.setdefault(m.group(), f"<id{len(names)}>"), text)


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The process id of every worker an import starts (the worker path was really taken)."""
    pids: list[int] = []
    original = import_worker.Worker.__init__

    def spy(self: import_worker.Worker, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        pids.append(self.process.pid)

    monkeypatch.setattr(import_worker.Worker, "__init__", spy)
    return pids


# ------------------------------------------------------------------------------------------ differential

NAMES = st.sampled_from(["Zoë Haddad", "Hassan Heyrani", "Ana Ruiz", "", 'O"Brien, Liam'])
DATES = st.sampled_from(["", "2016", "2016-03", "around 2001", "2016-13-45", "03/04/2021", "last December", "spring"])
ROWS = st.lists(
    st.fixed_dictionaries(
        {
            "external_id": st.sampled_from(["", "K1", "K2", "K3", "K4", "K5", "K6"]),
            "name": NAMES,
            "organization": st.sampled_from(["MEK", "Northern Front", ""]),
            "left": DATES,
            "nationality": st.sampled_from(["", "IR", "Iran", "XX"]),
            "confidentiality": st.sampled_from(["", "internal", "restricted", "secret!"]),
            "summary": st.sampled_from(["", f'{CANARY} said,\nthen "left"', "Ended\r\nthere"]),
            "source_title": st.sampled_from(["Two former members speak", "", "Letter from Tirana"]),
            "source_url": st.sampled_from(["https://example.org/news/17", "", "http://b.example/1"]),
        }
    ),
    min_size=0,
    max_size=12,
)
#: how the input ends: as written, a row with one cell too many, a broken quote (fatal), a line that is no record
ENDINGS = st.sampled_from(["", "extra-cell", "broken-quote", "not-a-record"])


def _input(fmt: str, rows: list[dict[str, str]], ending: str, header: list[str]) -> str:
    if fmt == "csv":
        text = rows_csv(rows, header) if rows else ",".join(header) + "\r\n"
        if ending == "extra-cell":
            text += "K9,Extra Person," + "," * len(header) + "\r\n"
        elif ending == "broken-quote":
            text += 'K9,"Broken\r\n'
        elif ending == "not-a-record":
            text += "\r\n"  # an empty line is skipped
        return text
    lines = [json.dumps({k: v for k, v in row.items() if v}, ensure_ascii=False) for row in rows]
    if ending == "extra-cell":
        lines.append(json.dumps({"name": "Extra", "colour": "red"}))
    elif ending == "broken-quote":
        lines.append('{"name": "Broken')
    elif ending == "not-a-record":
        lines.append("[1, 2]")
    return "".join(line + "\n" for line in lines)


def _import(folder: Path, name: str, text: str, fmt: str, args: list[str], workers: str) -> tuple[Any, ...]:
    path, db, rejects = folder / f"{name}.{fmt}", folder / f"{name}.db", folder / f"{name}-rejects.{fmt}"
    shutil.copy(folder / "before.db", db)
    path.write_text(text, encoding="utf-8", newline="")
    argv = ["--db", str(db), "import", "--new-org", *args, str(path)]
    if "--skip-bad-rows" in args:
        argv[-1:-1] = ["--rejects", str(rejects)]
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv(ENV, workers)
        result = CliRunner().invoke(app, argv, catch_exceptions=False)
    conn = sqlite3.connect(db)
    try:
        conn.execute("CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, accounts_fts, instance)")
        index = conn.execute("SELECT term, doc, col, offset FROM temp.terms ORDER BY doc, col, offset").fetchall()
    finally:
        conn.close()

    def same(text: str) -> str:
        return canonical(text.replace(str(path), "FILE").replace(str(rejects), "REJECTS"))

    kept = canonical(rejects.read_text(encoding="utf-8")) if rejects.exists() else None
    return result.exit_code, same(result.stdout), same(result.stderr), canonical(dump_data(db)), index, kept


@pytest.fixture(scope="module")
def before_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding one account the generated rows may update (external id K1)."""
    db = tmp_path_factory.mktemp("before") / "before.db"
    seed = db.with_name("seed.csv")
    seed.write_text(rows_csv([{"external_id": "K1", "name": "Stored Person", "left": "2010"}]), encoding="utf-8")
    result = CliRunner().invoke(app, ["--db", str(db), "import", str(seed)], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return db


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    fmt=st.sampled_from(["csv", "jsonl"]),
    rows=ROWS,
    ending=ENDINGS,
    mode=st.sampled_from([[], ["--skip-bad-rows"], ["--max-errors", "2"], ["--dry-run"], ["--dayfirst"]]),
    message=st.sampled_from([1, 3, 1000]),
)
def test_the_worker_stores_what_the_in_process_import_stores(
    before_db: Path,
    started: list[int],
    fmt: str,
    rows: list[dict[str, str]],
    ending: str,
    mode: list[str],
    message: int,
) -> None:
    header = ["external_id", "name", "organization", "left", "nationality", "confidentiality", "summary"]
    header += ["source_title", "source_url"]
    text = _input(fmt, rows, ending, header)
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as monkeypatch:
        folder = Path(tmp)
        shutil.copy(before_db, folder / "before.db")
        monkeypatch.setattr(import_worker, "MESSAGE_ITEMS", message)
        monkeypatch.setattr(pipeline, "BATCH", 4)
        plain = _import(folder, "plain", text, fmt, mode, "0")
        assert not started
        worked = _import(folder, "worker", text, fmt, mode, "1")
        assert len(started) == 1
        started.clear()
    assert worked == plain
    assert "Traceback" not in plain[2] and CANARY not in plain[2]


def test_a_header_error_and_a_header_only_file_read_by_the_worker(tmp_path: Path, started: list[int]) -> None:
    """The header is checked in the worker (one error for the file, exit 1); a header-only file imports nothing;
    the rejects file of a --skip-bad-rows import gets the header the worker read."""
    db = tmp_path / "x.db"
    cases = {
        "unknown.csv": ("name,colour\r\nAna Ruiz,red\r\n", ["import"], 1),
        "empty.csv": ("name,left\r\n", ["import"], 0),
        "bad.csv": ("name,left\r\nAna Ruiz,2016-13-45\r\nLi Wei,2001\r\n", ["import", "--skip-bad-rows"], 4),
    }
    outcomes = {}
    for name, (text, command, code) in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        for workers in ("0", "1"):
            rejects = tmp_path / f"{workers}-{name}"
            extra = ["--rejects", str(rejects)] if "--skip-bad-rows" in command else []
            result = CliRunner().invoke(
                app, ["--db", str(db), *command, *extra, str(path)], env={ENV: workers}, catch_exceptions=False
            )
            assert result.exit_code == code, result.stderr
            kept = rejects.read_text(encoding="utf-8") if extra else None
            outcomes[(name, workers)] = (result.stderr.replace(str(path), "FILE").replace(str(rejects), "R"), kept)
            db.unlink(missing_ok=True)
        assert outcomes[(name, "0")] == outcomes[(name, "1")]
    assert len(started) == 3
    assert "rejected_line,rejected_reasons,name,left" in (outcomes[("bad.csv", "1")][1] or "").replace("'", "")


def test_what_the_worker_sends_comes_back_equal() -> None:
    """Dates (every part set), problems and validated records survive the pickling between the processes."""
    import pickle

    from casefile.errors import Problem
    from casefile.model import FuzzyDate
    from casefile.validation import Validator

    date = FuzzyDate("1886", "1986", "1986-01-01", "1986-12-31", "year", "1986", "typo in the source", "source 1990")
    problem = Problem(3, "left", "no such date")
    validated = Validator().validate({"name": "Ana Ruiz", "left": "last December", "source_date": "2010-03-21"}, 2)
    for value in (date, problem, validated):
        back = pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        assert back == value and type(back) is type(value)


def test_an_unexpected_exception_in_the_worker_stops_the_import_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker reports an exception it did not expect by its type alone (its message may hold record text); the
    writer raises the one-line error (exit 1) and reaps the worker."""
    from casefile import errors, validation

    path = tmp_path / "a.csv"
    path.write_text(rows_csv([{"name": f"{CANARY} {i}"} for i in range(5)]), encoding="utf-8")

    def broken(self: validation.Validator, raw: Any, line: int | None = None) -> Any:
        raise RuntimeError(f"a bug that quotes {raw['name']}")

    sent: list[Any] = []
    channel = type("Channel", (), {"send": lambda self, message: sent.append(message)})()
    job = {"files": [str(path)], "formats": {str(path): "csv"}, "encoding": "utf-8", "options": validation.Options()}
    with monkeypatch.context() as patched:
        patched.setattr(validation.Validator, "validate", broken)
        import_worker._work(channel, {**job, "parent": os.getppid(), "message": 2})
    assert sent == [("crash", "RuntimeError")]

    worker = import_worker.Worker(job["files"], job["formats"], "utf-8", job["options"])
    monkeypatch.setattr(worker.connection, "recv", lambda: ("crash", "RuntimeError"))
    with pytest.raises(import_worker.WorkerFailed) as raised:
        list(worker.items({str(path): []}))
    assert str(raised.value) == (
        "the import's worker process failed (unexpected RuntimeError); nothing was written; run it again with "
        "CASEFILE_IMPORT_WORKERS=0 for the details"
    )
    assert raised.value.exit_code == errors.EXIT_DATA and worker.process.returncode is not None


# ------------------------------------------------------------------------------------------ which path


def test_small_imports_stay_in_process_and_large_ones_use_the_worker(
    tmp_path: Path, started: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.setattr(import_worker, "available_cpus", lambda: 2)
    path = tmp_path / "a.csv"
    path.write_text(rows_csv([{"name": f"Person {i}", "left": "2001"} for i in range(50)]), encoding="utf-8")
    db = tmp_path / "x.db"
    result = CliRunner().invoke(app, ["--db", str(db), "import", str(path)], catch_exceptions=False)
    assert result.exit_code == 0 and not started, result.stderr
    monkeypatch.setattr(import_worker, "MIN_BYTES", path.stat().st_size)  # the threshold is the file size
    result = CliRunner().invoke(app, ["--db", str(db), "import", str(path)], catch_exceptions=False)
    assert result.exit_code == 0 and len(started) == 1, result.stderr
    assert "50 added, 0 updated, 0 unchanged" in result.stderr  # no keys: each import adds them
    monkeypatch.setattr(import_worker, "available_cpus", lambda: 1)  # one core: nothing to gain from a second process
    result = CliRunner().invoke(app, ["--db", str(db), "import", str(path)], catch_exceptions=False)
    assert result.exit_code == 0 and len(started) == 1, result.stderr


@pytest.mark.parametrize("value", ["2", "yes", "-1"])
def test_a_bad_workers_setting_is_a_usage_error(tmp_path: Path, value: str) -> None:
    path = tmp_path / "a.csv"
    path.write_text(rows_csv([{"name": "Ana Ruiz"}]), encoding="utf-8")
    db = tmp_path / "x.db"
    result = CliRunner().invoke(app, ["--db", str(db), "import", str(path)], env={ENV: value})
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {ENV} must be 0 (read in this process) or 1"), result.stderr
    if db.exists():  # the database may have been created before the setting was read; nothing is in it
        conn = sqlite3.connect(db)
        try:
            assert conn.execute("SELECT count(*) FROM accounts").fetchone()[0] == 0
        finally:
            conn.close()


def test_an_interrupt_held_off_while_the_worker_starts_stops_and_reaps_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Signals are held while the worker starts; one that came meanwhile is raised as they are let through, and the
    worker just started is killed and reaped before the interrupt goes on."""
    from contextlib import contextmanager

    from casefile import interrupts, validation

    path = tmp_path / "a.csv"
    path.write_text(rows_csv([{"name": "Ana Ruiz"}]), encoding="utf-8")
    spawned: list[subprocess.Popen[bytes]] = []
    real = subprocess.Popen

    def popen(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        spawned.append(real(*args, **kwargs))
        return spawned[-1]

    @contextmanager
    def held(keep: bool = True) -> Any:
        yield
        raise KeyboardInterrupt  # as a SIGINT that arrived while held is raised when the mask is put back

    monkeypatch.setattr(subprocess, "Popen", popen)
    monkeypatch.setattr(interrupts, "held", held)
    with pytest.raises(KeyboardInterrupt):
        import_worker.Worker([str(path)], {str(path): "csv"}, "utf-8", validation.Options())
    assert len(spawned) == 1 and spawned[0].returncode is not None


# ------------------------------------------------------------------------------------------ real processes

ROWS_BIG = 40_000


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_big_csv(tmp_path_factory.mktemp("big") / "big.csv", ROWS_BIG, "W")


def integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def test_a_killed_worker_stops_the_import_with_one_line_and_nothing_written(seeded: Path, big_csv: Path) -> None:
    before = dump_data(seeded)
    with start_import(seeded, big_csv) as process:
        try:
            worker = wait_for_writing(process, seeded)
            os.kill(worker, signal.SIGKILL)
            stdout, stderr = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 1, stderr
    assert stdout == b""
    assert stderr.decode() == (
        "error: the import's worker process (reading and checking the input) stopped unexpectedly (killed by "
        "signal 9); nothing was written\n"
    )
    assert dump_data(seeded) == before and integrity(seeded) == "ok"
    assert not seeded.with_name(seeded.name + "-journal").exists()


def test_a_killed_import_leaves_the_database_whole_and_no_worker_behind(seeded: Path, big_csv: Path) -> None:
    before = dump_data(seeded)
    with start_import(seeded, big_csv) as process:
        try:
            worker = wait_for_writing(process, seeded)
            process.kill()
            process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
    deadline = time.monotonic() + 5
    while alive(worker) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not alive(worker), "the worker outlived the import"
    assert integrity(seeded) == "ok"  # the hot journal is rolled back by the first connection
    assert dump_data(seeded) == before


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["INT", "TERM", "HUP"])
@pytest.mark.parametrize("to", ["import", "group"], ids=["parent", "group"])
def test_an_interrupt_reaching_either_process_exits_130_with_nothing_written(
    seeded: Path, big_csv: Path, signum: int, to: Literal["import", "group"]
) -> None:
    """``kill -INT`` to the import, or Ctrl-C at a terminal (the signal reaches the whole process group, the
    worker too): exit 130, "nothing was written", the database as it was, the worker gone."""
    assert_a_signal_stops_the_import(seeded, big_csv, signum, to)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["TERM", "HUP"])
def test_a_signal_to_the_worker_alone_stops_the_import_as_an_interrupt(
    seeded: Path, big_csv: Path, signum: int
) -> None:
    """``kill -TERM <worker>`` (a tool stopping a runaway process) or a hang-up of the worker alone stops the import
    as that signal sent to the import would: exit 130, "nothing was written", the database as it was."""
    assert_a_signal_stops_the_import(seeded, big_csv, signum, "worker")


def test_a_hang_up_of_an_import_started_with_nohup_reaches_neither_process(seeded: Path, big_csv: Path) -> None:
    """``nohup casefile import …``: the terminal closing (SIGHUP to the whole process group) stops neither the import
    nor its worker; the import ends as if nothing had happened."""
    with start_import(seeded, big_csv, start_new_session=True, preexec_fn=hangup_ignored) as process:
        try:
            worker = wait_for_writing(process, seeded)
            os.killpg(process.pid, signal.SIGHUP)
            stdout, stderr = process.communicate(timeout=300)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0, stderr
    assert stderr.decode() == f"{ROWS_BIG} added, 0 updated, 0 unchanged\n" and stdout == b""
    assert worker is not None and not alive(worker)
    assert count(seeded) == ROWS_BIG + 7


def test_standard_input_read_by_the_worker_as_a_file_and_as_a_pipe(tmp_path: Path) -> None:
    """``casefile import -`` from a file (``< accounts.csv``) and from a pipe: the same database, output and exit code
    whichever process reads it, a bad row named by its line."""
    source = tmp_path / "in.csv"
    rows = [
        {"external_id": f"S{i}", "name": f"Person {i}", "left": "2016-13-45" if i == 7 else "2001"} for i in range(30)
    ]
    source.write_text(rows_csv(rows), encoding="utf-8")
    outcomes = {}
    for how in ("file", "pipe"):
        for workers in ("0", "1"):
            for skip in ([], ["--skip-bad-rows"]):
                db = tmp_path / f"{how}-{workers}-{len(skip)}.db"
                argv = [sys.executable, "-m", "casefile", "--db", str(db), "import", "--format", "csv", *skip, "-"]
                env = {**os.environ, ENV: workers}
                if how == "file":
                    with source.open("rb") as stdin:
                        done = subprocess.run(argv, stdin=stdin, capture_output=True, env=env, timeout=120)
                else:
                    done = subprocess.run(argv, input=source.read_bytes(), capture_output=True, env=env, timeout=120)
                state = canonical(dump_data(db))
                outcomes[(how, workers, len(skip))] = (done.returncode, done.stdout, done.stderr, state)
    for (how, workers, skip), outcome in outcomes.items():
        assert outcome == outcomes[("file", "0", skip)], (how, workers, skip)
    assert outcomes[("file", "0", 0)][:3] == (
        1,
        b"",
        b"error: -:9: field 'left': no such date in the calendar (or pass --keep-unparsed-dates to keep the text as "
        b"written)\n29 added, 0 updated, 0 unchanged \xe2\x80\x94 not written: fix the records above and import again "
        b"(nothing was written)\n",
    )
    assert outcomes[("file", "0", 1)][0] == 4 and b"29 added" in outcomes[("file", "0", 1)][2]


def test_standard_input_goes_to_the_worker_when_it_is_a_big_enough_file_or_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "in.csv"
    source.write_text(rows_csv([{"name": f"Person {i}"} for i in range(100)]), encoding="utf-8")
    monkeypatch.setattr(import_worker, "available_cpus", lambda: 2)
    monkeypatch.setattr(import_worker, "MIN_BYTES", source.stat().st_size)
    monkeypatch.delenv(ENV, raising=False)
    read, write = os.pipe()
    try:
        with source.open("r") as as_file, os.fdopen(read, "r") as as_pipe:
            monkeypatch.setattr(sys, "stdin", as_file)
            assert import_worker.wanted(["-"])
            as_file.readline()  # what is left to read counts, not the file's size
            assert not import_worker.wanted(["-"])
            monkeypatch.setattr(sys, "stdin", as_pipe)
            assert not import_worker.wanted(["-"])
            monkeypatch.setenv(ENV, "1")
            assert import_worker.wanted(["-"])
    finally:
        os.close(write)


# ------------------------------------------------------------------------------------------ K1: kill -9 trials

K1_ROWS = 6_000


@pytest.fixture(scope="module")
def k1_case(tmp_path_factory: pytest.TempPathFactory, seeded_template: Path) -> dict[str, Any]:
    """A stored database (the sample accounts), an import onto it that adds accounts citing shared sources and
    updates a stored one, and the database before and after that import in full (canonical dumps), with how long
    the import takes."""
    folder = tmp_path_factory.mktemp("k1")
    source = folder / "k1.csv"
    rows = [
        {
            "external_id": f"K1-{i:05d}",
            "name": f"Person {i}",
            "organization": "Northern Front",
            "left": "around 2001",
            "summary": f"{CANARY} account {i}",
            "source_title": f"Interviews, part {i % 40}",
            "source_url": f"https://example.org/interviews/{i % 40}",
        }
        for i in range(K1_ROWS)
    ]
    source.write_text(rows_csv(rows), encoding="utf-8")
    after_db = folder / "after.db"
    shutil.copy(seeded_template, after_db)
    begun = time.monotonic()
    with start_import(after_db, source) as process:
        _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr
    took = time.monotonic() - begun
    return {
        "folder": folder,
        "source": source,
        "base": seeded_template,
        "before": canonical(dump_data(seeded_template)),
        "after": canonical(dump_data(after_db)),
        "seconds": took,
    }


def kill_trials(case: dict[str, Any], trials: int, seed: str | None) -> dict[str, int]:
    """``kill -9`` of the import or of its worker at a random moment of the import, ``trials`` times: every time
    the database passes ``PRAGMA integrity_check`` and holds the whole state before the import or the whole state
    after it, and no worker outlives the import."""
    import random

    rng = random.Random(seed)
    outcomes: dict[str, int] = {}
    for trial in range(trials):
        db = case["folder"] / f"trial-{trial}.db"
        shutil.copy(case["base"], db)
        target = rng.choice(["import", "worker"])
        moment = time.monotonic() + rng.uniform(0.0, case["seconds"] * 1.1)
        seen: set[int] = set()
        with start_import(db, case["source"]) as process:
            try:
                while time.monotonic() < moment and process.poll() is None:
                    seen.update(children(process.pid))
                    time.sleep(0.002)
                workers = children(process.pid)
                seen.update(workers)
                victim = workers[0] if target == "worker" and workers else process.pid
                killed = "worker" if victim != process.pid else "import"
                if db.with_name(db.name + "-journal").exists():
                    killed += " while writing"  # the transaction has written
                try:
                    os.kill(victim, signal.SIGKILL)
                except ProcessLookupError:
                    killed = "nothing (the import had ended)"
                _, stderr = process.communicate(timeout=300)
            finally:
                if process.poll() is None:
                    process.kill()
        deadline = time.monotonic() + 5
        while any(alive(pid) for pid in seen) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not any(alive(pid) for pid in seen), f"trial {trial}: a worker outlived the import"
        assert integrity(db) == "ok", f"trial {trial}"
        state = canonical(dump_data(db))
        whole = "before" if state == case["before"] else "after" if state == case["after"] else "PARTIAL"
        assert whole != "PARTIAL", f"trial {trial}: kill -9 of the {killed}: neither the state before nor after"
        if killed.startswith("worker") and whole == "before":
            assert process.returncode == 1 and b"worker process" in stderr and b"Traceback" not in stderr, stderr
        assert CANARY.encode() not in stderr
        key = f"{killed} killed, database {whole}"
        outcomes[key] = outcomes.get(key, 0) + 1
        db.unlink()
    return outcomes


def test_kill_9_of_either_process_of_an_import_leaves_the_whole_before_or_after_state(k1_case: dict[str, Any]) -> None:
    """K1 in five trials (``make soak`` runs 200)."""
    outcomes = kill_trials(k1_case, 5, os.environ.get("CASEFILE_K1_SEED"))
    assert sum(outcomes.values()) == 5


@pytest.mark.slow
def test_kill_9_of_either_process_of_an_import_soak(k1_case: dict[str, Any]) -> None:
    """K1: 200 trials of kill -9 at a random moment of the import or of its worker: 0 partial states."""
    from reliability import record

    trials = int(os.environ.get("CASEFILE_K1_TRIALS", "200"))
    outcomes = kill_trials(k1_case, trials, os.environ.get("CASEFILE_K1_SEED"))
    record("kill -9 of the import or its worker (K1)", trials=trials, partial=0, **outcomes)
    print(outcomes)
