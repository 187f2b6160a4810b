"""The README's tour runs exactly as written: every `$ casefile …` line through a real shell, and what it
prints matches the lines shown under it.

The tour is written for the repository root (it imports data/accounts.json); it runs in a temporary folder
that links data/ to the repository's, so a file the tour writes by a relative name cannot land in the
checkout. Two allowances, and only these: the tour's files under /tmp/ go to the test's own temporary
folder (the path is rewritten in the commands and the expected output alike), and a 16-hex-digit id,
random on every run, matches any 16 hex digits.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

README = ROOT / "README.md"
_ID = re.compile(r"\b[0-9a-f]{16}\b")


def tour() -> list[tuple[str, list[str]]]:
    """(command, expected output lines) for each ``$ `` line of the first ```sh block after "A short tour"."""
    section = README.read_text(encoding="utf-8").split("\n## A short tour\n", 1)[1]
    block = section.split("```sh\n", 1)[1].split("\n```", 1)[0]
    steps: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            assert steps, "the tour starts with output before any command"
            steps[-1][1].append(line)
    return steps


def pattern(expected: str) -> re.Pattern[str]:
    parts = _ID.split(expected)
    return re.compile("[0-9a-f]{16}".join(re.escape(p) for p in parts) + r"\Z")


def run_tour(steps: list[tuple[str, list[str]]], tmp: Path) -> list[tuple[int, list[str]]]:
    """Run the steps in one bash, so `export` carries over and pipes work; stdout and stderr interleave as on
    a terminal. Returns each step's exit status and output lines."""
    marker = "@@casefile-tour-step@@"
    work = tmp / "checkout"
    work.mkdir()
    (work / "data").symlink_to(ROOT / "data")
    script = ["set -o pipefail", f"cd {work}"]
    for command, _ in steps:
        script += [command.replace("/tmp/", f"{tmp}/"), f'echo "{marker} $?"']
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    proc = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        timeout=300,
        check=False,
    )
    results, lines = [], []
    for line in proc.stdout.decode("utf-8").splitlines():
        if line.startswith(marker):
            results.append((int(line.split()[-1]), lines))
            lines = []
        else:
            lines.append(line)
    assert len(results) == len(steps), proc.stdout.decode("utf-8")
    return results


def test_the_tour_has_the_steps_it_shows() -> None:
    commands = [c for c, _ in tour()]
    assert commands[0].startswith("export CASEFILE_DB=/tmp/")
    assert all(c.startswith(("casefile ", "export ")) for c in commands), commands
    assert len(commands) >= 8


def test_the_readme_tour_runs_as_written(tmp_path: Path) -> None:
    steps = tour()
    for (command, expected), (status, actual) in zip(steps, run_tour(steps, tmp_path), strict=True):
        expected = [line.replace("/tmp/", f"{tmp_path}/") for line in expected]
        shown = "\n".join(actual)
        assert len(actual) == len(expected), f"$ {command}\n{shown}"
        for want, got in zip(expected, actual, strict=True):
            assert pattern(want).match(got), f"$ {command}\nREADME: {want}\nactual: {got}"
        fails = any(line.startswith("error:") for line in expected)
        assert (status != 0) == fails, f"$ {command} exited {status}\n{shown}"


def test_the_tour_runs_in_a_clean_environment(tmp_path: Path) -> None:
    """No casefile setting, pager, config or data of the machine's: only PATH with the venv, as after
    `source .venv/bin/activate`, and a fresh HOME."""
    keep = {"PATH", "LANG", "LC_ALL", "TERM", "SYSTEMROOT"}
    clean = {k: v for k, v in os.environ.items() if k in keep}
    home = tmp_path / "home"
    home.mkdir()
    clean.update(HOME=str(home), PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    steps = tour()
    old = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(clean)
        results = run_tour(steps, tmp_path)
    finally:
        os.environ.clear()
        os.environ.update(old)
    for (command, expected), (status, _) in zip(steps, results, strict=True):
        assert (status != 0) == any(line.startswith("error:") for line in expected), command
    assert not (home / ".local" / "share" / "casefile").exists()  # the tour's database is where it says


def test_the_readme_says_how_casefile_gets_on_the_path() -> None:
    text = " ".join(README.read_text(encoding="utf-8").split())
    start = text.split("## A short tour", 1)[0]
    assert "source .venv/bin/activate" in start and ".venv/bin/casefile" in start and "make install" in start
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ninstall:\n", 1)[1].split("\n\n", 1)[0]
    assert "pipx install" in recipe and "pip install --user ." in recipe
    assert Path(sys.executable).parent.joinpath("casefile").exists()  # what activating puts on PATH


def test_the_sample_data_is_as_the_readme_describes() -> None:
    import json

    accounts = json.loads((ROOT / "data" / "accounts.json").read_text(encoding="utf-8"))
    synthetic = [a for a in accounts if "synthetic" in a.get("tags", [])]
    assert len(accounts) == 7 and len(synthetic) == 6  # "the canonical example … and six … synthetic"
    seed = next(a for a in accounts if a["external_id"] == "SEED-0001")
    assert len(seed["quotes"]) == 3 and "synthetic" not in seed["tags"]  # "three short attributed quotes"
    text = " ".join(README.read_text(encoding="utf-8").split())
    assert "six clearly synthetic demo accounts" in text and "three short attributed quotes" in text
