"""Help, version and shell completion: -h and --help on every command, each with an example that uses it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from casefile import docs

from conftest import run_process

COMMANDS = docs.command_paths()
CASEFILE = Path(sys.executable).parent / "casefile"  # the console script: completion keys on its name


def test_the_walk_finds_every_command() -> None:
    assert {" ".join(p) for p in COMMANDS} >= {"", "init", "add", "list", "show", "import", "export", "template"}
    assert ("config", "show") in COMMANDS and ("config", "path") in COMMANDS


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "casefile")
def test_every_command_has_short_and_long_help_with_an_example(cli, path: tuple[str, ...]) -> None:
    long = cli(*path, "--help")
    short = cli(*path, "-h")
    assert long.exit_code == short.exit_code == 0
    assert long.stdout == short.stdout
    examples = [line.strip(" │") for line in long.stdout.splitlines() if "Example:" in line]
    assert examples, f"casefile {' '.join(path)} --help shows no example"
    assert any(uses(line, path) for line in examples), examples


def uses(example: str, path: tuple[str, ...]) -> bool:
    """``example`` runs ``casefile`` with the words of ``path`` after it (global options may come between)."""
    words = re.findall(r"[\w.-]+", example)
    if "casefile" not in words:
        return False
    rest = iter(words[words.index("casefile") + 1 :])
    return all(word in rest for word in path)  # a subsequence: each found after the previous one


def test_version(cli) -> None:
    expected = f"casefile {version('casefile')}\n"
    result = cli("--version")
    assert result.exit_code == 0 and result.stdout == expected
    proc = run_process("--version")
    assert proc.returncode == 0 and proc.stdout.decode() == expected and proc.stderr == b""


def test_show_completion_prints_the_script_for_the_shell_it_runs_in() -> None:
    # Typer detects the shell from the parent processes (shellingham); `; true` keeps bash from exec-ing
    # casefile in its own place, so bash really is the parent.
    proc = subprocess.run(["bash", "-c", f"{CASEFILE} --show-completion; true"], capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    script = proc.stdout.decode()
    assert "complete -o default -F _casefile_completion casefile" in script
    assert "_CASEFILE_COMPLETE=complete_bash" in script


def complete(words: str) -> list[str]:
    """What bash completion offers after ``words`` (the last word may be partial or empty)."""
    probe = (
        "import json, sys\n"
        "from casefile.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('rich', 'sqlite_utils', 'dateutil', 'sqlite3')]\n"
        "sys.stderr.write(json.dumps(heavy))\n"
    )
    env = dict(
        os.environ, _CASEFILE_COMPLETE="complete_bash", COMP_WORDS=words, COMP_CWORD=str(len(words.split(" ")) - 1)
    )
    proc = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.argv = ['casefile']\n{probe}"],
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0
    assert json.loads(proc.stderr) == []  # completion stays fast: nothing heavy is imported
    return proc.stdout.decode().split()


def test_completion_through_the_environment_variable() -> None:
    assert complete("casefile li") == ["list"]
    assert complete("casefile config ") == ["path", "show"]
    assert complete("casefile list --format ") == ["table", "json", "jsonl", "csv"]
    assert "--org" in complete("casefile list --o")
    assert complete("casefile export --format j") == ["json", "jsonl"]


def test_completion_of_the_installed_script() -> None:
    env = dict(os.environ, _CASEFILE_COMPLETE="complete_bash", COMP_WORDS="casefile temp", COMP_CWORD="1")
    proc = subprocess.run([CASEFILE], capture_output=True, env=env, timeout=60)
    assert proc.returncode == 0 and proc.stdout.decode().split() == ["template"]
