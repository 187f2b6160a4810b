"""What a ``kill -9`` of ``publish`` or ``serve`` leaves behind - the output's temporary file, the scratch folder
of a shaped publish, the temporary folder a serve publishes into - is listed by ``doctor`` and removed by
``doctor --clean`` (issue 17, second round). Real subprocesses, killed by SIGKILL mid-work."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from reliability import canary_records, write_jsonl


@pytest.fixture
def db(tmp_path: Path, monkeypatch) -> Path:
    """The database in a folder of its own (0700), and a temporary folder of the test's own (serve's goes there)."""
    path = tmp_path / "research" / "casefile.db"
    path.parent.mkdir(mode=0o700)
    temp = tmp_path / "tmp"
    temp.mkdir(mode=0o700)
    monkeypatch.setenv("CASEFILE_DB", str(path))
    monkeypatch.setenv("TMPDIR", str(temp))  # the subprocesses'
    monkeypatch.setattr(tempfile, "tempdir", str(temp))  # this process's (doctor runs in it)
    return path


def leftovers(cli) -> tuple[int, dict[str, str]]:
    """doctor's exit code, and path → status of every finding naming a path."""
    result = cli("doctor", "--format", "json")
    return result.exit_code, {r["path"]: r["status"] for r in json.loads(result.stdout) if r.get("path")}


def kill_when(proc: subprocess.Popen[bytes], ready: Callable[[], list[Path]], *, group: bool = False) -> list[Path]:
    deadline = time.monotonic() + 120
    while not (found := ready()):
        assert time.monotonic() < deadline and proc.poll() is None, "the command never got there"
        time.sleep(0.005)
    if group:  # the command and its children (Datasette), as a crash of the session would
        os.killpg(proc.pid, signal.SIGKILL)
    else:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def imported(cli, tmp_path: Path, n: int) -> None:
    assert cli("import", write_jsonl(tmp_path / "many.jsonl", canary_records(n))).exit_code == 0


def cleaned(cli, db: Path, *paths: Path) -> None:
    code, listed = leftovers(cli)
    assert code == 1 and listed == {str(p): "problem" for p in paths}
    result = cli("doctor", "--clean", "--yes")
    assert result.exit_code == 0, result.stderr
    for path in paths:
        assert f"removed {path}" in result.stderr and not path.exists()
    assert leftovers(cli) == (0, {})
    assert db.exists()


def test_a_shaped_publish_killed_mid_work_leaves_a_scratch_folder_doctor_removes(cli, db: Path, tmp_path: Path) -> None:
    imported(cli, tmp_path, 1500)
    key = tmp_path / "pseudonyms.key"
    assert (
        cli("publish", tmp_path / "first.db", "--pseudonymise", "name", "--pseudonym-key", key, "--new-key").exit_code
        == 0
    )
    out = db.parent / "shared.db"
    command = ["publish", str(out), "--pseudonymise", "name", "--pseudonym-key", str(key)]
    proc = subprocess.Popen([sys.executable, "-m", "casefile", *command], stderr=subprocess.DEVNULL)

    def scratch() -> list[Path]:
        return [p for p in db.parent.iterdir() if p.name.startswith(".casefile-tmp.publish.") and p.is_dir()]

    [folder] = kill_when(proc, scratch)
    temps = [p for p in db.parent.iterdir() if p.name.startswith(".casefile-tmp.shared.db.")]
    assert not out.exists()
    cleaned(cli, db, folder, *temps)
    assert sorted(p.name for p in db.parent.iterdir()) == ["casefile.db"]


def test_a_publish_killed_mid_write_leaves_its_temporary_file_doctor_removes(cli, db: Path, tmp_path: Path) -> None:
    imported(cli, tmp_path, 1500)
    out = db.parent / "shared.db"
    proc = subprocess.Popen([sys.executable, "-m", "casefile", "publish", str(out)], stderr=subprocess.DEVNULL)

    def temp() -> list[Path]:
        found = [p for p in db.parent.iterdir() if p.name.startswith(".casefile-tmp.shared.db.")]
        return found if found and found[0].stat().st_size > 0 else []

    [partial] = kill_when(proc, temp)
    assert not out.exists()
    cleaned(cli, db, partial)


@pytest.mark.skipif(importlib.util.find_spec("datasette") is None, reason="needs the serve extra (Datasette)")
def test_a_serve_killed_mid_serving_leaves_its_folder_doctor_removes(cli, db: Path, tmp_path: Path) -> None:
    imported(cli, tmp_path, 50)
    temp = tmp_path / "tmp"
    proc = subprocess.Popen(
        [sys.executable, "-m", "casefile", "serve", "--port", str(free_port())],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )

    def serving() -> list[Path]:  # published, its metadata written: Datasette is being started on it
        return [p for p in temp.glob("casefile-serve.*") if (p / "metadata.json").exists()]

    [folder] = kill_when(proc, serving, group=True)
    time.sleep(0.2)  # the killed processes' files are closed
    assert (folder / "published.db").exists()
    cleaned(cli, db, folder)
    assert list(temp.iterdir()) == []
