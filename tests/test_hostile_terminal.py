"""Hostile strings on a real terminal: every read command, in table format, under a pseudo-terminal.

The 515 strings of the Big List of Naughty Strings, plus casefile's own injection strings, become names,
aliases, summaries, organisations, roles, tags, source titles and raw dates. Every read command that
``casefile --help`` lists (any command with a ``--format`` offering ``table``) runs on them under a pty,
one process for all invocations. What must hold:

* every invocation exits 0, within a few seconds (rich once hung on ESC: Textualize/rich#3958);
* with ``TERM=dumb`` rich styles nothing, so the output holds no ESC byte at all and no C1 character;
* with ``TERM=xterm-256color NO_COLOR=1`` every ESC starts one of the SGR sequences rich itself
  emits for harmless data (a control run) - nothing that clears the screen, moves the cursor, sets the
  title or opens a link;
* markup in data is shown literally (``[bold]`` stays text), bidi controls are shown as ``<U+202E>``,
  Persian ZWNJ is kept.
"""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import time
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
import typer
from reliability import record

from casefile.cli import app

from conftest import CORPORA

INJECTIONS = [
    "\x1b[2J\x1b]0;pwned\x07\x9b[bold]F[/] [link=https://evil.example]y[/link] [/bold]",
    "[bold red]FAKE[/]",
    "[/bold]",
    "Ali \u202eSSAP\u202c",
    "می\u200cخواهم",  # with ZWNJ: must stay as it is
    "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",
    "\x9b31m\x9d0;title\x9c",
]

DRIVER = """
import json, signal, sys
import typer
from casefile.cli import app

command = typer.main.get_command(app)  # built once: building it per invocation costs more than a show

def hang(signum, frame):
    raise TimeoutError
signal.signal(signal.SIGALRM, hang)
for i, args in enumerate(json.loads(sys.argv[1])):
    sys.stdout.write(f"\\n@@@ {i}\\n")
    sys.stdout.flush()
    signal.alarm(30)  # check draws ~5,600 findings for these records: seconds of rich table, not a hang
    try:
        command.main(args, prog_name="casefile")
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    except TimeoutError:
        code = "hang"
    signal.alarm(0)
    sys.stdout.flush()
    sys.stderr.write(json.dumps([i, code]) + "\\n")
"""

SGR = re.compile(rb"\x1b\[([0-9;]*)m")
C1 = re.compile("[\x80-\x9f]")


def naughty_strings() -> list[str]:
    strings: list[str] = json.loads((CORPORA / "blns" / "blns.json").read_text(encoding="utf-8"))
    return strings + INJECTIONS


def records(strings: list[str]) -> list[dict[str, Any]]:
    out = []
    for i, s in enumerate(strings):
        r: dict[str, Any] = {"external_id": f"NAUGHTY-{i:03d}", "name": s, "summary": s, "organization": s}
        r.update({"role": s, "source_title": s, "left": s})
        if ";" not in s and s.strip():
            r["aliases"] = [s]
            r["tags"] = [s]
        out.append(r)
    return out


def read_commands() -> dict[str, Any]:
    """Every command with a ``--format`` option offering ``table``: the read commands."""
    group = typer.main.get_command(app)
    found = {}
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        for param in command.params:
            if "--format" in getattr(param, "opts", ()) and "table" in choices(param):
                found[name] = command
    return found


def choices(param: Any) -> list[str]:
    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return [str(m.value) for m in annotation]
    return list(getattr(getattr(param, "type", None), "choices", []))


#: What a read command needs beyond its arguments to show anything: search needs words, stats a dimension.
#: ``doctor`` shows no record text (only checks, paths and counts) and exits 1 when the folder is shared.
EXTRA = {"search": ["a"], "stats": ["--by", "organization", "--by", "exit_type"]}
NOT_RECORD_TEXT = {"doctor"}


def invocations(ids: list[str]) -> list[list[str]]:
    """Each read command once, or once per record when it takes an id; other arguments get 'a'."""
    runs: list[list[str]] = []
    for name, command in read_commands().items():
        if name in NOT_RECORD_TEXT:
            continue
        arguments = [p for p in command.params if p.param_type_name == "argument" and p.required]
        if any("id" in (p.name or "") for p in arguments):
            runs.extend([name, i, "--format", "table"] for i in ids)
        else:
            runs.append([name, *("a" for _ in arguments), *EXTRA.get(name, []), "--format", "table"])
    return runs


def run_on_a_pty(args: list[list[str]], env: dict[str, str], timeout: float) -> tuple[bytes, list[Any]]:
    """Run the driver with stdout on a pseudo-terminal; returns what the terminal received and exit codes."""
    master, slave = os.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-c", DRIVER, json.dumps(args)],
        stdin=slave,
        stdout=slave,
        stderr=subprocess.PIPE,
        env={**os.environ, **env},
        close_fds=True,
    )
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not data:
                    break
                chunks.append(data)
            elif proc.poll() is not None:
                break
        else:
            proc.kill()
            pytest.fail(f"no end after {timeout} s: a command hangs")
    finally:
        os.close(master)
    _, errors = proc.communicate(timeout=30)
    codes = [json.loads(line) for line in errors.decode().splitlines() if line.startswith("[")]
    return b"".join(chunks), codes


@pytest.fixture
def naughty_db(cli, tmp_path: Path) -> list[str]:
    source = tmp_path / "naughty.json"
    source.write_text(json.dumps(records(naughty_strings()), ensure_ascii=False), encoding="utf-8")
    result = cli("import", "--keep-unparsed-dates", source)
    assert result.exit_code == 0, result.stderr
    return [r["id"] for r in json.loads(cli("list", "--format", "json").stdout)]


def test_the_read_commands_are_found() -> None:
    assert {"list", "show"} <= set(read_commands())


def interesting(s: str) -> bool:
    """Strings with control, bidi or markup characters: the xterm pass shows these one by one."""
    return bool(re.search("[\x00-\x1f\x7f-\x9f\u200c-\u200f\u202a-\u202e\u2066-\u2069\\[\\]]", s))


def check_naughty_strings(cli, ids: list[str], tmp_path: Path, show_all_styled: bool) -> None:
    strings = naughty_strings()
    runs = invocations(ids)
    base = {"COLUMNS": "160", "LINES": "50", "NO_COLOR": "1", "PAGER": "cat"}

    dumb, codes = run_on_a_pty(runs, {**base, "TERM": "dumb"}, timeout=240)
    assert codes == [[i, 0] for i in range(len(runs))], [(runs[i], c) for i, c in codes if c != 0] or codes[:3]
    assert b"\x1b" not in dumb, "an escape sequence reached the terminal"
    text = dumb.decode("utf-8")
    assert not C1.search(text)
    assert "[bold]" in text and "[link=https://evil.example]" in text and "[/bold]" in text
    assert "<U+202E>" in text and "<U+001B>" in text
    assert "می\u200cخواهم" in text

    chosen = ids if show_all_styled else [i for i, s in zip(ids, strings, strict=True) if interesting(s)]
    styled_runs = invocations(chosen)
    styled, codes = run_on_a_pty(styled_runs, {**base, "TERM": "xterm-256color"}, timeout=240)
    assert codes == [[i, 0] for i in range(len(styled_runs))]
    control_db = tmp_path / "control.db"
    harmless = tmp_path / "harmless.json"
    harmless.write_text(json.dumps(records(["a harmless record"] * 3)), encoding="utf-8")  # "a": search highlights it
    assert cli("--db", control_db, "import", "--keep-unparsed-dates", harmless).exit_code == 0
    control_ids = [r["id"] for r in json.loads(cli("--db", control_db, "list", "--format", "json").stdout)]
    control, codes = run_on_a_pty(
        invocations(control_ids), {**base, "TERM": "xterm-256color", "CASEFILE_DB": str(control_db)}, timeout=60
    )
    assert codes and all(code == 0 for _, code in codes)
    rich_own = set(SGR.findall(control))
    sgr = SGR.findall(styled)
    assert rich_own and styled.count(b"\x1b") == len(sgr), "an ESC that does not start an SGR sequence got through"
    assert set(sgr) <= rich_own, f"styles rich does not use for harmless data: {set(sgr) - rich_own}"
    assert not C1.search(styled.decode("utf-8"))
    record(
        "naughty strings on a terminal" + (" (all styled)" if show_all_styled else ""),
        strings=len(strings),
        blns_strings=len(strings) - len(INJECTIONS),
        commands=sorted(read_commands()),
        invocations=len(runs) + len(styled_runs),
        nonzero_exits=0,
        hangs=0,
        escapes_leaked=0,
    )


def test_naughty_strings_on_a_terminal(naughty_db: list[str], cli, tmp_path: Path) -> None:
    check_naughty_strings(cli, naughty_db, tmp_path, show_all_styled=False)


@pytest.mark.slow
def test_naughty_strings_on_a_terminal_all_styled(naughty_db: list[str], cli, tmp_path: Path) -> None:
    check_naughty_strings(cli, naughty_db, tmp_path, show_all_styled=True)


def test_machine_formats_on_a_terminal_are_shown_safely(naughty_db: list[str]) -> None:
    """CSV, JSON, JSONL and Markdown printed to a terminal are for a person to read: data cannot drive it."""
    strings = naughty_strings()
    chosen = [i for i, s in zip(naughty_db, strings, strict=True) if interesting(s)]
    runs = [["list", "--format", f] for f in ("csv", "json", "jsonl")]
    runs += [["export", "--include-restricted", "--format", f] for f in ("csv", "json", "jsonl", "md")]
    runs += [["show", i, "--format", f] for i in chosen for f in ("json", "csv")]
    out, codes = run_on_a_pty(runs, {"COLUMNS": "160", "TERM": "xterm-256color"}, timeout=120)
    assert codes == [[i, 0] for i in range(len(runs))]
    assert b"\x1b" not in out and not C1.search(out.decode("utf-8"))
    assert b"<U+001B>" in out and b"[link=https://evil.example]" in out
    record("naughty strings in machine formats on a terminal", invocations=len(runs), escapes_leaked=0)
