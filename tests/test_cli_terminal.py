"""Terminal conventions with real processes: colour only for a person, NO_COLOR / TERM=dumb / --no-color /
FORCE_COLOR, plain rows when piped, and the pager (only on a terminal, only for long output)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from casefile import terminal

from conftest import DATA, run_in_terminal, run_process

_SGR = re.compile(rb"\x1b\[([0-9;]*)m")


def colour_codes(output: bytes) -> list[str]:
    """The colour-setting SGR parameters in ``output`` (30–37, 38;…, 40–47, 48;…, 90–97, 100–107).

    Bold, dim, italic and reset are not colour: rich keeps them under NO_COLOR, as no-color.org intends.
    """
    found = []
    for match in _SGR.finditer(output):
        params = [int(p or 0) for p in match.group(1).split(b";")]
        i = 0
        while i < len(params):
            code = params[i]
            if code in (38, 48):  # 38;5;N or 38;2;R;G;B
                width = 3 if params[i + 1 : i + 2] == [5] else 5
                found.append(";".join(map(str, params[i : i + width])))
                i += width
                continue
            if 30 <= code <= 37 or 40 <= code <= 47 or 90 <= code <= 97 or 100 <= code <= 107:
                found.append(str(code))
            i += 1
    return found


def test_colour_codes_helper() -> None:
    assert colour_codes(b"\x1b[1m\x1b[0m\x1b[2;3m") == []
    assert colour_codes(b"\x1b[33mx\x1b[1;36m\x1b[38;5;208m\x1b[38;2;1;2;3m\x1b[92m") == [
        "33",
        "36",
        "38;5;208",
        "38;2;1;2;3",
        "92",
    ]


@pytest.fixture
def sample(cli) -> None:
    result = cli("import", DATA / "accounts.json")
    assert result.exit_code == 0, result.stderr


def many(cli, tmp_path: Path, n: int, title: str = "A source title") -> None:
    """Import ``n`` numbered accounts."""
    path = tmp_path / "many.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            out.write(json.dumps({"name": f"Person {i:05d}", "organization": "Group", "source_title": title}) + "\n")
    result = cli("import", path)
    assert result.exit_code == 0, result.stderr


# ------------------------------------------------------------------------------------------- pipes


def test_piped_output_of_every_read_command_has_no_escape_byte(sample) -> None:
    commands = [
        ["list"],
        *(["list", "--format", f] for f in ("table", "json", "jsonl", "csv")),
        ["show", "SEED-0001"],
        *(["show", "SEED-0001", "--format", f] for f in ("table", "json", "jsonl", "csv")),
        *(["export", "--format", f] for f in ("csv", "json", "jsonl", "md")),
        ["template", "csv"],
        ["template", "json"],
        ["config", "show"],
        ["config", "path"],
        ["--version"],
        ["--help"],
        ["list", "--help"],
    ]
    for args in commands:
        proc = run_process(*args, env={"TERM": "xterm-256color"})
        assert proc.returncode == 0, (args, proc.stderr)
        assert proc.stdout, args
        assert b"\x1b" not in proc.stdout + proc.stderr, args


def test_piped_list_is_one_full_line_per_record_even_with_a_10_kb_name(cli) -> None:
    name = "N" * 5000 + " " + "ن" * 2500  # 10 KB of UTF-8, with a space where a wrapper would break
    assert cli("add", "--no-input", "--name", name, "--org", "G").exit_code == 0
    assert cli("add", "--no-input", "--name", "Short").exit_code == 0
    proc = run_process("list", env={"COLUMNS": "80"})
    assert proc.returncode == 0 and proc.stderr == b""
    lines = proc.stdout.decode("utf-8").splitlines()
    assert len(lines) == 2
    cells = lines[0].split("\t")
    assert len(cells) == 6 and len(cells[0]) == 16
    assert cells[1] == name and cells[2] == "G"
    assert lines[1].split("\t")[1] == "Short"


def shell(pipeline: str) -> tuple[int, bytes]:
    """Run ``pipeline`` through bash with casefile on PATH; returns the exit status of its first command
    (``${PIPESTATUS[0]}``, casefile's own, not the last command's) and the pipeline's stdout."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    read, write = os.pipe()
    command = f"{pipeline}; echo ${{PIPESTATUS[0]}} >&{write}"
    proc = subprocess.run(["bash", "-c", command], capture_output=True, env=env, pass_fds=(write,), timeout=120)
    os.close(write)
    with os.fdopen(read, "rb") as status:
        return int(status.read()), proc.stdout


@pytest.mark.parametrize(
    "command",
    ["list", "list --format json", "list --format csv", "export --format jsonl", "export --format md"],
)
def test_a_reader_that_stops_early_is_no_error(cli, tmp_path: Path, command: str) -> None:
    many(cli, tmp_path, 3000, title="x" * 200)  # 700 KB: far more than a pipe holds
    errors = tmp_path / "stderr"
    status, out = shell(f"casefile {command} 2>{errors} | head -1")
    assert status == 0
    assert errors.read_bytes() == b""
    assert len(out.splitlines()) == 1


def test_a_reader_gone_before_the_first_byte_is_no_error(sample, tmp_path: Path) -> None:
    errors = tmp_path / "stderr"
    for command in ("list --limit 1", "show SEED-0001", "--version", "config path"):
        status, _ = shell(f"casefile {command} 2>{errors} | true")
        assert (command, status, errors.read_bytes()) == (command, 0, b"")


# ---------------------------------------------------------------------------------------- colour


def test_terminal_output_is_drawn_in_colour(sample) -> None:
    code, out = run_in_terminal("list")
    assert code == 0
    assert "┃ id".encode() in out or b"id" in out
    assert "33" in colour_codes(out)  # ids in yellow
    code, out = run_in_terminal("show", "SEED-0001")
    assert code == 0 and b"Ali Mohammad Rahimi Alashti" in out
    assert {"33", "36"} <= set(colour_codes(out))  # the id, the group titles


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--no-color"], {}),
        ([], {"NO_COLOR": "1"}),
        ([], {"TERM": "dumb"}),
    ],
    ids=["--no-color", "NO_COLOR", "TERM=dumb"],
)
def test_colour_can_be_turned_off(sample, args: list[str], env: dict[str, str]) -> None:
    for command in (["list"], ["show", "SEED-0001"]):
        code, out = run_in_terminal(*args, *command, env=env)
        assert code == 0
        assert b"Alashti" in out
        assert colour_codes(out) == [], (command, env)
        if env.get("TERM") == "dumb":
            assert b"\x1b[" not in out  # a dumb terminal gets no escape codes at all


def test_force_color_draws_in_colour_when_piped(sample) -> None:
    proc = run_process("list", env={"FORCE_COLOR": "1"})
    assert proc.returncode == 0
    assert "┃".encode() in proc.stdout  # the table, not tab-separated rows
    assert "33" in colour_codes(proc.stdout)
    proc = run_process("show", "SEED-0001", env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "╭".encode() in proc.stdout and colour_codes(proc.stdout) == []  # drawn, but NO_COLOR still wins
    proc = run_process("list", env={"FORCE_COLOR": ""})  # empty means unset (force-color.org)
    assert b"\x1b" not in proc.stdout and b"\t" in proc.stdout


def test_terminal_decisions() -> None:
    assert terminal.colour(False, {})
    assert not terminal.colour(True, {})
    assert not terminal.colour(False, {"NO_COLOR": "1"})
    assert terminal.colour(False, {"NO_COLOR": ""})  # no-color.org: only a non-empty value counts
    assert not terminal.colour(False, {"TERM": "dumb"})
    assert terminal.force_color({"FORCE_COLOR": "1"}) and not terminal.force_color({"FORCE_COLOR": ""})
    assert terminal.too_tall("a\n" * 24, 24) and not terminal.too_tall("a\n" * 23, 24)


# ----------------------------------------------------------------------------------------- pager


def test_long_output_on_a_terminal_goes_through_the_pager(cli, tmp_path: Path) -> None:
    many(cli, tmp_path, 60)
    paged = tmp_path / "paged.txt"
    code, out = run_in_terminal("list", env={"PAGER": f"cat > {paged}"}, rows=20)
    assert code == 0
    text = paged.read_text(encoding="utf-8")
    assert "Person 00000" in text and "Person 00059" in text
    assert "33" in colour_codes(text.encode())  # the pager gets the colours (less -R shows them)
    assert b"Person 00000" not in out  # nothing went past the pager


def test_no_pager_and_short_output_and_pipes_never_page(cli, tmp_path: Path) -> None:
    many(cli, tmp_path, 60)
    paged = tmp_path / "paged.txt"
    env = {"PAGER": f"cat > {paged}"}
    code, out = run_in_terminal("--no-pager", "list", env=env, rows=20)
    assert code == 0 and b"Person 00059" in out and not paged.exists()
    code, out = run_in_terminal("list", "--limit", "3", env=env, rows=20)
    assert code == 0 and b"Person 00002" in out and not paged.exists()
    proc = run_process("list", env=env)
    assert proc.returncode == 0 and proc.stdout.count(b"\n") == 60 and not paged.exists()
    code, out = run_in_terminal("list", env={**env, "CASEFILE_PAGER": ""}, rows=20)  # an empty pager: off
    assert code == 0 and b"Person 00059" in out and not paged.exists()


def test_pager_setting_precedence(cli, tmp_path: Path, config_file: Path) -> None:
    many(cli, tmp_path, 60)
    system, configured, specific = (tmp_path / name for name in ("system", "configured", "specific"))
    config_file.write_text(f"pager = {json.dumps(f'cat > {configured}')}\n")
    code, _ = run_in_terminal("list", env={"PAGER": f"cat > {system}"}, rows=20)
    assert code == 0 and configured.exists() and not system.exists()
    code, _ = run_in_terminal("list", env={"PAGER": f"cat > {system}", "CASEFILE_PAGER": f"cat > {specific}"}, rows=20)
    assert code == 0 and specific.exists() and not system.exists()


def test_a_missing_pager_warns_and_prints(cli, tmp_path: Path) -> None:
    many(cli, tmp_path, 60)
    code, out = run_in_terminal("list", env={"PAGER": "no-such-pager-here -R"}, rows=20)
    assert code == 0
    assert b"warning: pager 'no-such-pager-here -R' not found" in out
    assert b"Person 00059" in out


def test_a_pager_quit_early_is_a_clean_exit(cli, tmp_path: Path) -> None:
    many(cli, tmp_path, 600, title="x" * 200)  # far more than a pipe holds
    for pager in ("true", "head -c 100 > /dev/null"):
        code, out = run_in_terminal("list", env={"PAGER": pager}, rows=20)
        assert code == 0, out[-500:]
        assert b"Traceback" not in out and b"Error" not in out


def test_the_import_progress_bar_honours_no_color(tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    path.write_text("".join(json.dumps({"name": f"P{i}"}) + "\n" for i in range(20000)), encoding="utf-8")
    code, out = run_in_terminal("import", path, "--dry-run")  # long enough for the bar to be drawn
    assert code == 0 and b"importing" in out and colour_codes(out)
    code, out = run_in_terminal("--no-color", "import", path, "--dry-run")
    assert code == 0 and b"importing" in out and colour_codes(out) == []
    assert b"20000 added" in out


# Every read command whose output can be long: on a terminal shorter than its output, it goes through the pager.
LONG_COMMANDS = [
    ["list"],
    ["show", "SEED-0001"],
    ["vocab"],
    ["timeline", "--org", "MEK"],
    ["check"],
    ["history"],
    ["search", "MEK"],
    ["stats", "--by", "organization"],
    ["org", "list"],
    ["source", "list"],
]


@pytest.mark.parametrize("command", LONG_COMMANDS, ids=" ".join)
def test_every_long_command_pages_on_a_short_terminal_and_not_with_no_pager(sample, tmp_path: Path, command) -> None:
    paged = tmp_path / "paged.txt"
    code, out = run_in_terminal(*command, env={"PAGER": f"cat > {paged}"}, rows=6)
    assert code == 0, out
    assert paged.exists() and paged.stat().st_size > 0, out  # the text went to the pager, not past it
    paged.unlink()
    code, out = run_in_terminal("--no-pager", *command, env={"PAGER": f"cat > {paged}"}, rows=6)
    assert code == 0 and not paged.exists(), out


def demo_commands() -> list[list[str]]:
    """The casefile commands `make demo` runs, as argument lists (the database and data paths made absolute)."""
    import shlex

    from conftest import ROOT

    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    commands = []
    for line in recipe.splitlines():
        line = line.strip()
        if line.startswith("$(CASEFILE)"):
            args = shlex.split(line.removeprefix("$(CASEFILE)"))
            commands.append([str(ROOT / a) if a.startswith("data/") else a for a in args])
    return commands


def test_make_demo_never_waits_on_a_pager(tmp_path: Path) -> None:
    commands = demo_commands()
    assert len(commands) >= 5 and any(c[-2:] == ["--format", "table"] for c in commands)
    db = tmp_path / "demo.db"
    for command in commands:
        args = [str(db) if a == "$(DEMO_DB)" else a for a in command]
        # PAGER unset: casefile's default pager (less) would wait for a key on a 40-row terminal
        code, out = run_in_terminal(*args, rows=40, timeout=60, unset=("PAGER", "CASEFILE_PAGER", "LESS"))
        assert code == 0, out


# ----------------------------------------------------------------------------------------- progress


@pytest.mark.parametrize("command", [["import", "{file}"], ["export", "--format", "jsonl", "-o", "{out}"]])
def test_long_jobs_show_rows_and_rate_on_a_terminal_only(cli, tmp_path: Path, command: list[str]) -> None:
    path = tmp_path / "many.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for i in range(3000):
            out.write(json.dumps({"name": f"Person {i:05d}", "organization": "Group", "source_title": "T"}) + "\n")
    if command[0] == "export":
        assert cli("import", path).exit_code == 0
    args = [a.replace("{file}", str(path)).replace("{out}", str(tmp_path / "out.jsonl")) for a in command]
    code, shown = run_in_terminal(*args, rows=20)
    assert code == 0, shown
    assert b"rows/s" in shown and b"rows" in shown, shown  # how many, and how fast
    if command[0] == "import":
        cli("purge", "--yes", "--org", "Group")
    code, quiet = run_in_terminal("--quiet", *args, env={}, rows=20)
    assert code == 0 and b"rows/s" not in quiet, quiet
    piped = run_process(*args)
    assert piped.returncode == 0 and b"rows/s" not in piped.stderr
