"""One output path for every command's stdout: on a terminal, data cannot drive it; to a pipe, bytes are exact.

Every command with a ``--format`` option runs in every format it offers, once with stdout on a real
pseudo-terminal and once into a pipe, on records whose text holds ESC sequences, an OSC 52 clipboard write,
BEL, a C1 CSI (``\\x9b``) and a right-to-left override, plus a Persian word with ZWNJ:

* on the terminal no raw ESC, BEL, C1 or bidi control arrives, the data shows as ``<U+XXXX>`` escapes, and
  the ZWNJ is kept;
* through the pipe CSV cells hold the stored text byte for byte, and JSON/JSONL decode to it.

A new read command is one row of :data:`COMMANDS`; a test fails when a command with ``--format`` has no row.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer
from reliability import record
from test_hostile_terminal import DRIVER, run_on_a_pty

from casefile.cli import app

#: A Persian word whose ZWNJ must survive, then controls a terminal obeys: a right-to-left override and its
#: pop, a C1 CSI (clear screen), red, a bare BEL, an OSC 52 clipboard write ended by BEL. All of it within the
#: 60 characters ``history`` shows of a changed value.
PERSIAN = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
HOSTILE = f"Ali {PERSIAN} \u202eevil\u202c\x9b2J\x1b[31mRED\x07bell\x1b]52;c;SGVsbG8=\x07"
RAW_CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e", "\u202c")

ALL = ("table", "csv", "json", "jsonl")


@dataclass(frozen=True)
class Command:
    args: tuple[str, ...]
    formats: tuple[str, ...] = ALL
    #: the formats whose output shows the hostile text (others must still leak nothing)
    shown: tuple[str, ...] = ALL
    #: the machine formats whose output holds the stored text itself (not a shortened rendering of it)
    exact: tuple[str, ...] = ("csv", "json", "jsonl")


#: Every command with a ``--format`` option, the arguments that make it show the hostile records.
COMMANDS: dict[str, Command] = {
    "list": Command(("list",)),
    "show": Command(("show", "HOSTILE-1")),
    "export": Command(("export",), formats=("csv", "json", "jsonl", "md")),
    "search": Command(("search", "Kowalski")),
    "timeline": Command(("timeline",)),
    "stats": Command(("stats", "--by", "organization")),
    "org list": Command(("org", "list")),
    "org show": Command(("org", "show", "HOSTILE-ORG")),
    "source list": Command(("source", "list")),
    "source show": Command(("source", "show", "SOURCE")),  # SOURCE: replaced by the source's id
    "vocab": Command(("vocab", "--vocabulary", "allegation")),
    # a change is shown shortened; the JSON forms also hold the values before and after
    "history": Command(("history", "HOSTILE-1"), exact=("json", "jsonl")),
    # findings name accounts by id; the JSON forms also carry each account's external id
    "check": Command(("check",), shown=("json", "jsonl"), exact=("json", "jsonl")),
    "dupes": Command(("dupes", "--min-score", "50")),
    # the parts of one account, by id (issue 19): events and quotes hold the hostile text; the others are
    # codes or parts the hostile records do not have, and must still leak nothing
    "event list": Command(("event", "list", "HOSTILE-1")),
    "quote list": Command(("quote", "list", "HOSTILE-1")),
    "reason list": Command(("reason", "list", "HOSTILE-1"), shown=(), exact=()),
    "join-reason list": Command(("join-reason", "list", "HOSTILE-1"), shown=(), exact=()),
    "barrier list": Command(("barrier", "list", "HOSTILE-1"), shown=(), exact=()),
    "allegation list": Command(("allegation", "list", "HOSTILE-1"), shown=(), exact=()),
    "place list": Command(("place", "list", "HOSTILE-1"), shown=(), exact=()),
    "person list": Command(("person", "list", "HOSTILE-1"), shown=(), exact=()),
    "source-link list": Command(("source-link", "list", "HOSTILE-1")),  # each link with its source's title
}

#: Commands with ``--format`` that show no record text: import reads a format, doctor reports on the file;
#: publish writes a file to share (a database, or FtM entities as ``export --format ftm``, itself not a row here).
NOT_DATA = {"import", "doctor", "publish"}


def format_commands() -> set[str]:
    """The full names (``org list``) of every command with a ``--format`` option, groups walked."""
    found: set[str] = set()

    def walk(command: Any, path: tuple[str, ...]) -> None:
        if any("--format" in getattr(p, "opts", ()) for p in command.params):
            found.add(" ".join(path))
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return found


def test_every_command_with_a_format_has_a_row() -> None:
    assert format_commands() - NOT_DATA == set(COMMANDS)


@pytest.fixture
def hostile(cli, tmp_path: Path) -> dict[str, str]:
    """A database whose records, organisation, source, vocabulary and audit log hold :data:`HOSTILE`."""
    records = [
        {
            "external_id": f"HOSTILE-{i}",
            "name": f"Jan Kowalski {HOSTILE}",
            "organization": f"Org {HOSTILE}",
            "left": "2016",
            "summary": f"summary {HOSTILE}",
            "sources": [{"title": f"title {HOSTILE}", "publisher": HOSTILE, "role": "primary"}],
            "events": [{"type": "left", "date": "2016", "place": f"place {HOSTILE}", "description": HOSTILE}],
            "quotes": [{"text": f"quote {HOSTILE}"}],
        }
        for i in (1, 2)
    ]
    records.append({"external_id": f"EXT {HOSTILE}", "name": "Someone Else", "left": "2001"})
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    assert cli("import", path).exit_code == 0
    assert cli("org", "alias", f"Org {HOSTILE}", "HOSTILE-ORG").exit_code == 0
    assert cli("vocab", "add", "allegation", "hostile", "--label", HOSTILE, "--description", HOSTILE).exit_code == 0
    assert cli("edit", "HOSTILE-1", "--set", f"summary={HOSTILE}").exit_code == 0
    sources = json.loads(cli("source", "list", "--format", "json").stdout)
    return {"SOURCE": sources[0]["id"]}


def runs(substitutes: dict[str, str]) -> list[tuple[str, str, list[str]]]:
    return [
        (name, fmt, [substitutes.get(a, a) for a in command.args] + ["--format", fmt])
        for name, command in COMMANDS.items()
        for fmt in command.formats
    ]


def split(output: bytes, count: int) -> list[bytes]:
    """The output of each invocation of the driver, which writes ``@@@ i`` before invocation ``i``."""
    parts = []
    for i in range(count):
        start = output.index(f"@@@ {i}".encode()) + len(f"@@@ {i}")
        end = output.find(f"@@@ {i + 1}".encode(), start)
        parts.append(output[start : end if end >= 0 else len(output)])
    return parts


def test_no_command_lets_data_drive_the_terminal(hostile: dict[str, str]) -> None:
    todo = runs(hostile)
    env = {"TERM": "dumb", "NO_COLOR": "1", "COLUMNS": "2000", "LINES": "5000", "PAGER": "cat"}
    output, codes = run_on_a_pty([args for _, _, args in todo], env, timeout=240)
    assert codes == [[i, 0] for i in range(len(todo))], [(todo[i][2], c) for i, c in codes if c != 0]
    for (name, fmt, args), part in zip(todo, split(output, len(todo)), strict=True):
        text = part.decode("utf-8")
        leaked = [c for c in RAW_CONTROLS if c in text]
        assert not leaked, f"{' '.join(args)}: raw {leaked!r} reached the terminal"
        assert not any("\x80" <= c <= "\x9f" for c in text), f"{' '.join(args)}: a C1 control reached the terminal"
        if fmt in COMMANDS[name].shown:
            # shown as <U+XXXX> (Markdown: ⟨U+XXXX⟩ always); JSON escapes C0 controls itself
            shown = "U+202E" in text and ("U+001B" in text or "\\u001b" in text)
            assert shown, f"{' '.join(args)}: the data was not shown"
            assert PERSIAN in text, f"{' '.join(args)}: the ZWNJ was not kept"
    record("hostile text in every command's stdout on a terminal", invocations=len(todo), escapes_leaked=0)


def run_in_a_pipe(args: list[list[str]]) -> tuple[bytes, list[Any]]:
    proc = subprocess.run(
        [sys.executable, "-c", DRIVER, json.dumps(args)],
        capture_output=True,
        env={**os.environ, "TERM": "xterm-256color"},
        timeout=240,
    )
    codes = [json.loads(line) for line in proc.stderr.decode().splitlines() if line.startswith("[")]
    return proc.stdout, codes


def strings(value: Any) -> list[str]:
    """Every string in a decoded JSON value, keys left out."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings(item)]
    return []


def test_through_a_pipe_the_data_is_exact(hostile: dict[str, str]) -> None:
    todo = [(n, f, a) for n, f, a in runs(hostile) if f in COMMANDS[n].exact]
    output, codes = run_in_a_pipe([args for _, _, args in todo])
    assert codes == [[i, 0] for i in range(len(todo))]
    for (_, fmt, args), part in zip(todo, split(output, len(todo)), strict=True):
        text = part.decode("utf-8").lstrip("\n")
        if fmt == "csv":
            found = [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]
        elif fmt == "json":
            found = strings(json.loads(text))
        else:
            found = [s for line in text.split("\n") if line for s in strings(json.loads(line))]
        assert any(HOSTILE in s for s in found), f"{' '.join(args)}: the stored text did not come out exact"


def writes_stdout(line: str) -> bool:
    """A line that writes to stdout directly: ``sys.stdout``, a bare ``print(`` or ``typer.echo`` without err."""
    bare_print = "print(" in line and ".print(" not in line  # console.print: rich, on safe_text only
    return "sys.stdout" in line or bare_print or ("echo(" in line and "err=True" not in line)


def test_commands_write_stdout_only_through_the_one_path() -> None:
    """``data_out()`` (and ``draw()`` for rich output) in ``cli/common.py`` are the only writers of stdout."""
    cli = Path(__file__).resolve().parent.parent / "casefile" / "cli"
    direct = [
        f"{path.name}:{n}"
        for path in sorted(cli.glob("*.py"))
        if path.name not in ("common.py", "__init__.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if writes_stdout(line)
    ]
    assert direct == []
