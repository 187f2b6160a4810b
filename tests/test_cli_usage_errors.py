"""Usage errors as a person reads them: one line on stderr (plus at most one hint line), exit 2, in casefile's
words rather than the parser's or pydantic's; an unknown command suggests the nearest; a bare `casefile`
prints its help and exits 0."""

from __future__ import annotations

import pytest

from conftest import run_process


def usage_error(*args: str) -> str:
    """stderr of a usage error run as a real process: exit 2, nothing on stdout, one or two lines."""
    proc = run_process(*args)
    stderr = proc.stderr.decode()
    assert proc.returncode == 2, stderr
    assert proc.stdout == b""
    lines = stderr.splitlines()
    assert 1 <= len(lines) <= 2 and all(lines), stderr
    assert lines[0].startswith("error: "), stderr
    assert "Traceback" not in stderr and "Input should" not in stderr and "Value error" not in stderr
    return lines[0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["list", "--limit", "ten"], "error: --limit: 'ten' is not a whole number"),
        (["list", "--limit=ten"], "error: --limit: 'ten' is not a whole number"),
        (["history", "--limit", "1.5"], "error: --limit: '1.5' is not a whole number"),
        (["list", "--limit", "-3"], "error: --limit: -3 is too small (the least is 0)"),
        (["dupes", "--min-score", "abc"], "error: --min-score: 'abc' is not a number"),
        (["dupes", "--min-score", "101"], "error: --min-score: 101 is too large (the most is 100)"),
        (["list", "--format", "tabel"], "error: --format: 'tabel' is not one of 'table', 'json', 'jsonl', 'csv'"),
        (["list", "-f", "tabel"], "error: -f: 'tabel' is not one of 'table', 'json', 'jsonl', 'csv'"),
    ],
)
def test_bad_values_are_one_line_in_our_words(args: list[str], expected: str) -> None:
    assert usage_error(*args) == expected


@pytest.mark.parametrize(
    ("typed", "nearest"), [("lst", "list"), ("imprt", "import"), ("stat", "stats"), ("shwo", "show")]
)
def test_an_unknown_command_suggests_the_nearest(typed: str, nearest: str) -> None:
    line = usage_error(typed)
    assert f"'{typed}'" in line and f"did you mean '{nearest}'?" in line, line


def test_an_unknown_subcommand_and_option_are_one_line() -> None:
    assert "did you mean 'list'?" in usage_error("org", "lst")
    assert usage_error("list", "--limmit", "3").startswith("error: no such option: --limmit")
    assert usage_error("show").startswith("error: missing")


def test_bare_casefile_prints_help_and_exits_0() -> None:
    proc = run_process()
    assert proc.returncode == 0, proc.stderr
    assert (
        b"Usage: " in proc.stdout
        and b"casefile [OPTIONS] COMMAND" in proc.stdout
        and b"list" in proc.stdout
        and proc.stderr == b""
    )


def test_a_bare_group_still_shows_its_whole_help() -> None:
    proc = run_process("org")
    assert b"Commands:" in proc.stderr and b"import" in proc.stderr and b"error:" not in proc.stderr
