"""kill -9 during a big import, at a random moment, as SQLite's own crash tests do.

Afterwards the database must hold exactly what it held before (an equal ordered dump) or the whole
import, the rows that were there before must be intact, and ``PRAGMA integrity_check`` must say ok. A
state in between is a *partial state*; the figure that matters is how many were seen (it must be 0).

``make test`` runs 10 trials of a 50,000-row import, ``make soak`` 200 trials of a 200,000-row one
(``CASEFILE_CRASH_TRIALS`` and ``CASEFILE_CRASH_ROWS`` override both). One big CSV
and one prepared database are made per session and one undisturbed import is timed; kill moments are drawn
uniformly from start-up to 10 % past that time, so some land in the commit and some after it. Each trial
works on a copy of the prepared database, two trials at a time.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from reliability import integrity, record, scalar

from conftest import DATA, dump

ROWS = int(os.environ.get("CASEFILE_CRASH_ROWS", "50000"))  # make soak: 200,000
PARALLEL = 2


@dataclass
class Prepared:
    csv: Path
    db: Path
    dump: str
    prior_rows: list[tuple[object, ...]]
    seconds: float = 0.0  # how long the whole import takes undisturbed (measured once, on a copy)


@pytest.fixture(scope="session")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    folder = tmp_path_factory.mktemp("crash")
    big = folder / "big.csv"
    with open(big, "w", encoding="utf-8", newline="") as fh:
        fh.write("external_id,name,left\r\n")
        fh.writelines(f"BIG-{i:06d},Person {i},{1990 + i % 30}\r\n" for i in range(ROWS))
    db = folder / "prepared.db"
    env = {**os.environ, "CASEFILE_DB": str(db), "XDG_STATE_HOME": str(folder / "state")}
    subprocess.run(  # the sample names one group three ways: create them as written (tests/test_cli_org_near.py)
        [sys.executable, "-m", "casefile", "import", "--new-org", str(DATA / "accounts.json")], env=env, check=True
    )
    prepared = Prepared(big, db, dump(db), prior_rows(db))
    # timed as the trials run: PARALLEL imports at once
    runs = [start(prepared, Trial(folder / f"calibration-{i}.db", kill_at=float("inf"))) for i in range(PARALLEL)]
    for run in runs:
        assert run.proc is not None and run.proc.wait(600) == 0
        prepared.seconds = max(prepared.seconds, time.monotonic() - run.started)
        assert outcome(prepared, run.db) == "complete"
    return prepared


def prior_rows(db: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT * FROM accounts WHERE external_id NOT LIKE 'BIG-%' ORDER BY rowid").fetchall()
    finally:
        conn.close()


def whole_import_present(db: Path) -> bool:
    conn = sqlite3.connect(db)
    try:
        n, total, named = conn.execute(
            "SELECT count(*), sum(CAST(substr(external_id, 5) AS INTEGER)),"
            " sum(name = 'Person ' || CAST(substr(external_id, 5) AS INTEGER))"
            " FROM accounts WHERE external_id LIKE 'BIG-%'"
        ).fetchone()
    finally:
        conn.close()
    return (n, total, named) == (ROWS, ROWS * (ROWS - 1) // 2, ROWS)


@dataclass
class Trial:
    db: Path
    kill_at: float
    proc: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    finished: float | None = None  # seconds after start, when the import ended by itself
    killed: bool = False


def start(prepared: Prepared, trial: Trial) -> Trial:
    shutil.copy(prepared.db, trial.db)
    trial.started = time.monotonic()
    trial.proc = subprocess.Popen(
        [sys.executable, "-m", "casefile", "--db", str(trial.db), "import", str(prepared.csv)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return trial


def ended(trial: Trial) -> bool:
    """Kill the trial's import once its moment has come; True when the process is gone."""
    assert trial.proc is not None
    elapsed = time.monotonic() - trial.started
    if trial.proc.poll() is not None:
        trial.finished = elapsed
        assert trial.proc.returncode == 0, "an import that was not killed must succeed"
        return True
    if elapsed >= trial.kill_at:
        trial.proc.send_signal(signal.SIGKILL)
        trial.proc.wait()
        trial.killed = True
        return True
    return False


def outcome(prepared: Prepared, db: Path) -> str:
    """'before', 'complete' or 'partial' (with integrity and the earlier rows checked first)."""
    assert integrity(db) == "ok"
    assert prior_rows(db) == prepared.prior_rows, "rows that existed before the import changed"
    conn = sqlite3.connect(db)
    try:
        n = conn.execute("SELECT count(*) FROM accounts").fetchone()[0]
    finally:
        conn.close()
    if n == len(prepared.prior_rows) and dump(db) == prepared.dump:
        return "before"
    if n == len(prepared.prior_rows) + ROWS and whole_import_present(db):
        return "complete"
    return "partial"


def crash_trials(prepared: Prepared, tmp_path: Path, trials: int) -> None:
    rng = random.Random(os.environ.get("CASEFILE_CRASH_SEED") or None)
    window = prepared.seconds * 1.1  # kill moments: from start-up to a little past the commit
    outcomes = {"before": 0, "complete": 0, "partial": 0}
    kills: list[float] = []
    running: list[Trial] = []
    launched = 0
    while launched < trials or running:
        while launched < trials and len(running) < PARALLEL:  # keep PARALLEL imports going at all times
            running.append(start(prepared, Trial(tmp_path / f"trial-{launched}.db", rng.uniform(0.05, window))))
            launched += 1
        time.sleep(0.01)
        for t in [t for t in running if ended(t)]:
            running.remove(t)
            result = outcome(prepared, t.db)
            outcomes[result] += 1
            if t.killed:
                kills.append(t.kill_at)
            else:
                assert result == "complete"
            assert result != "partial", f"partial state after kill -9 at {t.kill_at:.2f} s"
            for leftover in [t.db, *t.db.parent.glob(t.db.name + "-*")]:
                leftover.unlink()
    record(
        f"kill -9 during a {ROWS:,}-row import",
        trials=trials,
        killed=len(kills),
        unchanged=outcomes["before"],
        complete=outcomes["complete"],
        partial_states=outcomes["partial"],
        integrity_failures=0,
        undisturbed_import_s=round(prepared.seconds, 2),
        kill_times_s=[round(min(kills), 2), round(max(kills), 2)] if kills else [],
    )


def test_kill_9_during_import_leaves_before_or_complete(prepared: Prepared, tmp_path: Path) -> None:
    crash_trials(prepared, tmp_path, int(os.environ.get("CASEFILE_CRASH_TRIALS", "10")))


@pytest.mark.slow
def test_kill_9_soak(prepared: Prepared, tmp_path: Path) -> None:
    crash_trials(prepared, tmp_path, int(os.environ.get("CASEFILE_CRASH_TRIALS", "200")))


# ------------------------------------------------------------- an export aimed at the journal of a running import

JOURNAL_ROWS = 30_000


def test_export_onto_the_live_journal_is_refused_and_kill_9_leaves_the_database_intact(
    seeded: Path, tmp_path: Path
) -> None:
    """The rename of an export onto ``DB-journal`` would replace a running import's rollback journal, and a
    crash of the import would then leave half its rows in the file (issue 15, item 3). The export is refused
    before it opens the database; kill -9 of the import afterwards must leave the database as it was."""
    big = tmp_path / "big.csv"
    with open(big, "w", encoding="utf-8", newline="") as fh:
        fh.write("external_id,name,left,summary\r\n")
        fh.writelines(f"J-{i:06d},Person {i},{1990 + i % 30},words {i}\r\n" for i in range(JOURNAL_ROWS))
    before = dump(seeded)
    accounts_before = int(scalar(seeded, "SELECT count(*) FROM accounts"))
    journal = Path(f"{seeded}-journal")
    size = seeded.stat().st_size
    env = {**os.environ, "CASEFILE_DB": str(seeded)}
    importing = subprocess.Popen(
        [sys.executable, "-m", "casefile", "import", str(big)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        # until the import has written pages into the database file itself (its cache spilled): from then on
        # only the journal can take the file back to what it was
        while not (journal.exists() and seeded.stat().st_size > size):
            assert importing.poll() is None, "the import ended before it wrote into the database file"
            assert time.monotonic() < deadline, "the import wrote nothing into the database file"
            time.sleep(0.005)
        export = subprocess.run(
            [sys.executable, "-m", "casefile", "export", "--format", "json", "-o", str(journal)],
            capture_output=True,
            env=env,
            timeout=60,
        )
        still_running = importing.poll() is None
        importing.send_signal(signal.SIGKILL)
        importing.wait(30)
    finally:
        if importing.poll() is None:
            importing.kill()
            importing.wait()
    assert (export.returncode, export.stdout, export.stderr.decode().splitlines()) == (
        2,
        b"",
        [f"error: refusing to write {journal}: it is the database's journal; choose another file"],
    )
    assert still_running, "the import finished before the export was tried: make JOURNAL_ROWS larger"
    assert integrity(seeded) == "ok"  # the next open rolls the hot journal back
    assert int(scalar(seeded, "SELECT count(*) FROM accounts")) == accounts_before
    assert dump(seeded) == before and not journal.exists()
    record("export onto the journal of a running import, then kill -9", refused=1, partial_rows=0)
