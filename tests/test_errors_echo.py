"""Errors never echo testimony: stray arguments are counted, not printed; what a message quotes is cut and
shown visibly; a huge header gives a short error. Every stderr line stays within :data:`LINE`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from reliability import record

from casefile import errors

from conftest import dump, run_process

#: The longest line an error may print (characters).
LINE = 200

#: A value a user might type by mistake where an id, a name or a code belongs: long, with controls.
LONG = "he told us where they held him " * 20 + "\x1b[2J\x1b]52;c;SGVsbG8=\x07\u202eevil"


def lines_ok(stderr: str) -> bool:
    return all(len(line) <= LINE for line in stderr.splitlines())


def no_controls(stderr: str) -> bool:
    return not any(c in stderr for c in ("\x1b", "\x07", "\u202e"))


@pytest.fixture
def one(cli) -> str:
    result = cli("add", "--no-input", "--name", "Jan Kowalski", "--organization", "Group X", "--left", "2016")
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip()


def test_stray_arguments_are_counted_not_printed(cli, one: str, db: Path) -> None:
    before = dump(db)
    result = cli("add", "--no-input", "--name", "X", "secret", "testimony", "words")
    assert result.exit_code == 2
    assert "got 3 unexpected extra arguments" in result.stderr and "quote a value that has spaces" in result.stderr
    assert not any(word in result.stderr for word in ("secret", "testimony", "words"))
    edit = cli("edit", one, "--set", "summary=he", "was", "tortured")  # the shell split an unquoted value
    assert edit.exit_code == 2
    assert "tortured" not in edit.stderr and "he was" not in edit.stderr
    assert "got 2 unexpected extra arguments" in edit.stderr
    assert dump(db) == before


def test_stray_arguments_through_the_console_script() -> None:
    """The same through ``python -m casefile`` (the entry point, not the test runner)."""
    proc = run_process("add", "--no-input", "--name", "X", "he", "was", "tortured")
    assert proc.returncode == 2
    stderr = proc.stderr.decode()
    assert "got 3 unexpected extra arguments" in stderr and "tortured" not in stderr


def test_set_without_equals_does_not_echo_the_value(cli, one: str) -> None:
    result = cli("edit", one, "--set", "he was tortured")
    assert result.exit_code == 2 and "--set takes FIELD=VALUE" in result.stderr
    assert "tortured" not in result.stderr
    result = cli("edit", one, "--set", "he was tortured=yes")
    assert result.exit_code == 2 and "unknown field" in result.stderr
    assert "tortured" not in result.stderr


#: Commands given :data:`LONG` where a short name, id, code or option value belongs.
LONG_ARGUMENTS = {
    "unknown command": [LONG],
    "unknown option": ["list", "--" + LONG.replace(" ", "-")],
    "bad integer": ["list", "--limit", LONG],
    "bad choice": ["list", "--format", LONG],
    "bad choice of a group": ["org", LONG],
    "unknown account": ["show", LONG],
    "unknown organisation": ["org", "show", LONG],
    "unknown source": ["source", "show", LONG],
    "unknown batch": ["history", "--batch", LONG],
    "unknown vocabulary": ["vocab", "--vocabulary", LONG],
    "unknown code": ["vocab", "add", LONG, "code", "--label", "x"],
    "unknown rule": ["check", "--rule", LONG],
    "unknown sort field": ["list", "--sort", LONG],
    "unknown redact field": ["export", "--redact", LONG],
    "unknown stats dimension": ["stats", "--by", LONG],
    "unknown encoding": ["import", "--encoding", LONG, "x.csv"],
    "bad date filter": ["list", "--since", LONG],
    "unknown --set field": ["edit", "ID", "--set", LONG + "=1"],
    "bad dataset": ["export", "--format", "ftm", "--dataset", LONG],
}


@pytest.mark.parametrize("case", list(LONG_ARGUMENTS))
def test_quoted_values_are_cut_and_visible(cli, one: str, tmp_path: Path, case: str) -> None:
    """The same mistake with a short value and with :data:`LONG`: the message grows by at most what
    ``errors.quote`` shows (40 characters, ``…`` and the length), whatever the value's length."""
    (tmp_path / "x.csv").write_text("name\r\nA\r\n", encoding="utf-8")

    def run(value: str) -> str:
        args = [one if a == "ID" else str(tmp_path / a) if a == "x.csv" else a for a in LONG_ARGUMENTS[case]]
        result = cli(*(a.replace(LONG, value).replace(LONG.replace(" ", "-"), value) for a in args))
        assert result.exit_code in (1, 2), result.stderr
        return result.stderr

    short, long = run("Zz"), run(LONG)
    assert no_controls(long), long
    assert "he told us where they held him he told us where they held him he told" not in long
    longest = max(len(line) for line in long.splitlines())
    assert longest <= max(len(line) for line in short.splitlines()) + len(" (9999 characters)") + 40, long


def test_quote_cuts_and_escapes() -> None:
    assert errors.quote("MEK") == "'MEK'"
    quoted = errors.quote("a\x1b[2J" + "x" * 500)
    assert quoted.startswith("'a<U+001B>[2J") and len(quoted) <= 80 and "505 characters" in quoted
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # its ZWNJ is kept
    assert errors.quote(persian) == f"'{persian}'"


def test_a_header_of_a_million_columns_gives_a_short_error(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    columns = 1_000_000
    path.write_text("name," + ",".join(f"c{i}" for i in range(columns)) + "\r\n" + "a," * columns + "a\r\n")
    casefile_rss, proc = peak_memory_kb([sys.executable, "-m", "casefile", "import", "wide.csv"], tmp_path)
    stderr = proc.stderr.decode()
    assert proc.returncode == 1
    assert lines_ok(stderr) and len(stderr) < 1000, stderr[:500]
    assert "1000000 unknown columns" in stderr and "'c0', 'c1', 'c2'" in stderr
    # the least any reader of that header needs: Python's csv module parsing the file, and nothing else; each
    # measured over its own start-up (the same commands on a one-column file), so casefile's imports growing
    # does not count as the header's cost
    (tmp_path / "narrow.csv").write_text("name\r\na\r\n")
    start_rss, _ = peak_memory_kb([sys.executable, "-m", "casefile", "import", "narrow.csv"], tmp_path)
    parse = "import csv, sys; rows = list(csv.reader(open(sys.argv[1], newline='')))"
    parse_rss, _ = peak_memory_kb([sys.executable, "-c", parse, "wide.csv"], tmp_path)
    parse_start_rss, _ = peak_memory_kb([sys.executable, "-c", parse, "narrow.csv"], tmp_path)
    header, parsed = casefile_rss - start_rss, parse_rss - parse_start_rss
    # before: ~220 MB for the header against ~118 MB for the parse (the message, its list and a Counter of the
    # header); now ~150 MB against ~90 MB (the header's names and the one list of unknown ones)
    assert header - parsed < 75_000, (casefile_rss, start_rss, parse_rss, parse_start_rss)
    record("a CSV header of a million columns", stderr_bytes=len(stderr), rss_kb=casefile_rss, parse_kb=parse_rss)


def test_a_header_repeating_many_names_gives_a_short_error(cli, tmp_path: Path, monkeypatch) -> None:
    names = [f"col{i}" for i in range(50_000)]
    (tmp_path / "dup.csv").write_text(",".join(["name", *names, *names]) + "\r\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = cli("import", "dup.csv")
    assert result.exit_code == 1 and lines_ok(result.stderr) and len(result.stderr) < 1000


def test_unknown_keys_of_an_event_are_not_echoed(cli, tmp_path: Path, monkeypatch) -> None:
    events = [{"type": "left", "he told us where they held him": "x", **{f"k{i}": 1 for i in range(5000)}}]
    (tmp_path / "x.json").write_text(json.dumps([{"name": "A", "events": events}]), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = cli("import", "x.json")
    assert result.exit_code == 1 and lines_ok(result.stderr)
    assert "held him" not in result.stderr and "'k0'" in result.stderr
    record("errors quoting user text", long_arguments=len(LONG_ARGUMENTS), longest_line_allowed=LINE)


def peak_memory_kb(command: list[str], cwd: Path) -> tuple[int, subprocess.CompletedProcess[bytes]]:
    """Run ``command`` from a fresh Python process that reports its child's peak resident memory (KB)."""
    code = (
        "import json, resource, subprocess, sys\n"
        "p = subprocess.run(json.loads(sys.argv[1]), capture_output=True)\n"
        "sys.stdout.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
        "sys.stderr.write(p.stderr.decode())\n"
        "sys.exit(p.returncode)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, json.dumps(command)], capture_output=True, timeout=300, cwd=cwd)
    return int(proc.stdout), proc
