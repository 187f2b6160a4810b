"""`python -m casefile import` as a real process: Ctrl-C and SIGTERM mid-import, and the progress bar.

Signals and terminals need the real thing: a subprocess, its own database file, a pseudo-terminal.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from import_signals import assert_a_signal_stops_the_import

from conftest import CANARY, run_process, write_big_csv

BIG_ROWS = 300_000


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CSV large enough that importing it takes seconds (about 13 MB)."""
    return write_big_csv(tmp_path_factory.mktemp("big") / "big.csv", BIG_ROWS, "BIG")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_during_import_writes_nothing(seeded: Path, big_csv: Path, signum: int) -> None:
    assert_a_signal_stops_the_import(seeded, big_csv, signum, "import", worker=False)


# ------------------------------------------------------------------------------------------------ progress


@pytest.fixture
def rows_csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "rows.csv"
    path.write_text("name,summary\n" + "".join(f"Person {i},{CANARY}\n" for i in range(3000)), encoding="utf-8")
    return path


def run_with_terminal_stderr(*args: object, env: dict[str, str] | None = None) -> tuple[int, bytes, bytes]:
    """Run casefile with stderr on a pseudo-terminal and stdout on a pipe: (exit code, stdout, terminal)."""
    master, slave = pty.openpty()
    full_env = {**os.environ, "TERM": "xterm-256color", **(env or {})}
    command = [sys.executable, "-m", "casefile", *map(str, args)]
    terminal = b""
    try:
        with subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave, env=full_env
        ) as process:
            os.close(slave)
            while True:  # drain the terminal as the process writes, or it blocks once the buffer is full
                if select.select([master], [], [], 0.1)[0]:
                    try:
                        chunk = os.read(master, 65536)
                    except OSError:  # EIO: the process has closed its end
                        break
                    if not chunk:
                        break
                    terminal += chunk
                elif process.poll() is not None:
                    break
            stdout = process.stdout.read() if process.stdout else b""
            return process.wait(timeout=60), stdout, terminal
    finally:
        os.close(master)


def test_progress_is_silent_when_stderr_is_piped(rows_csv_file: Path) -> None:
    result = run_process("import", rows_csv_file)
    assert result.returncode == 0
    assert result.stdout == b""
    assert result.stderr == b"3000 added, 0 updated, 0 unchanged\n"  # nothing else: no bar, no escape bytes


def test_progress_bar_on_a_terminal_keeps_stdout_clean(rows_csv_file: Path) -> None:
    code, stdout, terminal = run_with_terminal_stderr("import", rows_csv_file)
    assert code == 0
    assert stdout == b""
    assert b"importing" in terminal and b"\x1b[" in terminal  # a rich live display
    assert b"\x1b[38;" in terminal  # in colour
    assert terminal.rstrip().endswith(b"3000 added, 0 updated, 0 unchanged")
    assert CANARY.encode() not in terminal


@pytest.mark.parametrize(
    ("args", "env"), [(("--no-color",), {}), ((), {"NO_COLOR": "1"})], ids=["--no-color", "NO_COLOR"]
)
def test_progress_bar_honours_no_color(rows_csv_file: Path, args: tuple[str, ...], env: dict[str, str]) -> None:
    code, _, terminal = run_with_terminal_stderr(*args, "import", rows_csv_file, env=env)
    assert code == 0
    assert b"importing" in terminal
    assert b"\x1b[38;" not in terminal
