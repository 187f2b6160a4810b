"""An import as a real process, signalled while it writes: starting it, finding its worker, and the one check every
such test makes - the import stops with exit 130 and one line, and nothing of it is written."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any, Literal

from conftest import dump_data, file_hash, popen_casefile

ENV = "CASEFILE_IMPORT_WORKERS"


def children(pid: int) -> list[int]:
    """The live processes whose parent is ``pid``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"  # an orphan's zombie waits for a reaper that may never come in a container


def start_import(db: Path, source: Path, *, worker: bool = True, **kwargs: Any) -> subprocess.Popen[bytes]:
    """``casefile import source`` onto ``db``, its output piped; read in its worker (``worker``) or by the input's
    size, as a user's import is."""
    env = {**os.environ, ENV: "1"} if worker else None
    return popen_casefile(
        "--db", str(db), "import", str(source), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, **kwargs
    )


def wait_for_writing(process: subprocess.Popen[bytes], db: Path, *, worker: bool = True) -> int | None:
    """Wait until the import has written its first batch (its journal exists) and, with ``worker``, has its worker;
    the worker's pid (None without one)."""
    journal = db.with_name(db.name + "-journal")
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None and time.monotonic() < deadline, "the import never started writing"
        workers = children(process.pid)
        if journal.exists() and (workers or not worker):
            return workers[0] if workers else None
        time.sleep(0.005)


def assert_a_signal_stops_the_import(
    db: Path, source: Path, signum: int, to: Literal["import", "group", "worker"], *, worker: bool = True
) -> None:
    """Send ``signum`` while the import writes - to the import, to its whole process group (Ctrl-C at a terminal),
    or to its worker alone - and check what the user sees: exit 130, the one line "interrupted: nothing was
    written" on stderr, nothing on stdout, the database file byte for byte as it was, and no worker left."""
    before, contents = file_hash(db), dump_data(db)
    journal = db.with_name(db.name + "-journal")
    with start_import(db, source, worker=worker, start_new_session=True) as process:
        try:
            pid = wait_for_writing(process, db, worker=worker or to == "worker")
            if to == "group":
                os.killpg(process.pid, signum)
            elif to == "worker":
                assert pid is not None
                os.kill(pid, signum)
            else:
                process.send_signal(signum)
            stdout, stderr = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 130, stderr
    assert stderr.decode() == "interrupted: nothing was written\n"
    assert stdout == b""
    assert pid is None or not alive(pid)
    assert file_hash(db) == before and dump_data(db) == contents
    assert not journal.exists()


def hangup_ignored() -> None:
    """For ``preexec_fn``: SIGHUP ignored, as ``nohup`` starts a command."""
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
