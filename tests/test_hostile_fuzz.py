"""Fuzzing the importers with mutated real files.

``data/accounts.json`` is exported to CSV, JSON and JSONL; hypothesis then flips bytes, truncates, inserts
quotes, NUL, invalid UTF-8, brackets and line breaks, drops or repeats lines, and imports the result into a
copy of a populated database. Every outcome must be a successful import (integrity ok, the row count grown by
exactly what the summary says) or a clean exit 1 with the database unchanged - never a traceback, an
"unexpected" error, another exit code or a hang. ``make test`` tries a few dozen files per format;
``make soak`` thousands (``CASEFILE_FUZZ_EXAMPLES``).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability import count, integrity, record
from typer.testing import CliRunner

from casefile.cli import app

from conftest import DATA, dump

FORMATS = ("csv", "json", "jsonl")
PAYLOADS = [b'"', b'""', b"\x00", b"\xff", b"\xc3", b"\xed\xa0\x80", b"[", b"]", b"{", b"}", b",", b":", b"\n"]
PAYLOADS += [b"\r", b"\r\n", b"\\", b"\\u", b'\\ud800"', b"NaN", b"1e999", b"\xef\xbb\xbf", b";", b"=cmd"]

mutation = st.one_of(
    st.tuples(st.just("flip"), st.floats(0, 1), st.integers(1, 255)),
    st.tuples(st.just("truncate"), st.floats(0, 1), st.just(0)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.sampled_from(range(len(PAYLOADS)))),
    st.tuples(st.just("delete"), st.floats(0, 1), st.integers(1, 64)),
    st.tuples(st.just("drop line"), st.floats(0, 1), st.just(0)),
    st.tuples(st.just("repeat line"), st.floats(0, 1), st.just(0)),
)


def mutate(data: bytes, mutations: list[tuple[str, float, int]]) -> bytes:
    for kind, where, n in mutations:
        at = int(where * len(data))
        if kind == "flip" and data:
            at = min(at, len(data) - 1)
            data = data[:at] + bytes([data[at] ^ n]) + data[at + 1 :]
        elif kind == "truncate":
            data = data[:at]
        elif kind == "insert":
            data = data[:at] + PAYLOADS[n] + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + n :]
        elif kind in ("drop line", "repeat line"):
            lines = data.split(b"\n")
            i = min(int(where * len(lines)), len(lines) - 1)
            lines[i:i] = [lines[i]] if kind == "repeat line" else []
            if kind == "drop line":
                del lines[i]
            data = b"\n".join(lines)
    return data


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("fuzz")
    db = folder / "seed.db"
    runner = CliRunner()
    assert runner.invoke(app, ["--db", str(db), "import", "--new-org", str(DATA / "accounts.json")]).exit_code == 0
    files: dict[str, object] = {"db": db, "folder": folder}
    for fmt in FORMATS:
        out = folder / f"accounts.{fmt}"
        args = ["--db", str(db), "export", "--format", fmt, "--include-restricted", "-o", str(out)]
        assert runner.invoke(app, args + (["--raw-csv"] if fmt == "csv" else [])).exit_code == 0
        files[fmt] = out.read_bytes()
    return files


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    def hang(signum: int, frame: object) -> None:
        raise TimeoutError(f"an import took more than {seconds} s")

    old = signal.signal(signal.SIGALRM, hang)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


TALLY: dict[str, int] = {}
UNEXPECTED = re.compile(r"^error: unexpected \w+(; the details are in|; rerun with --debug)", re.M)


def fuzz_one(seeds: dict[str, object], fmt: str, mutations: list[tuple[str, float, int]]) -> None:
    folder = seeds["folder"]
    assert isinstance(folder, Path)
    db, source = folder / "target.db", folder / f"mutated.{fmt}"
    shutil.copy(seeds["db"], db)  # type: ignore[arg-type]
    source.write_bytes(mutate(seeds[fmt], mutations))  # type: ignore[arg-type]
    before, rows = dump(db), count(db)
    with deadline(20):
        result = CliRunner().invoke(app, ["--db", str(db), "import", str(source)], catch_exceptions=False)
    assert not UNEXPECTED.search(result.stderr) and "Traceback" not in result.stderr, result.stderr
    assert result.exit_code in (0, 1), (result.exit_code, result.stderr)
    if result.exit_code == 1:
        assert result.stderr.startswith("error: ") or "nothing was written" in result.stderr, result.stderr
        assert dump(db) == before, "a failed import changed the database"
        TALLY["clean exit 1"] = TALLY.get("clean exit 1", 0) + 1
    else:
        added = int(re.match(r"(\d+) added", result.stderr.splitlines()[-1]).group(1))  # type: ignore[union-attr]
        assert integrity(db) == "ok" and count(db) == rows + added
        TALLY["imported"] = TALLY.get("imported", 0) + 1


def examples(default: int) -> int:
    return int(os.environ.get("CASEFILE_FUZZ_EXAMPLES", default))


def fuzz(seeds: dict[str, object], fmt: str, n: int) -> None:
    @settings(max_examples=examples(n), deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(mutations=st.lists(mutation, min_size=1, max_size=4))
    def run(mutations: list[tuple[str, float, int]]) -> None:
        fuzz_one(seeds, fmt, mutations)

    run()


@pytest.mark.parametrize("fmt", FORMATS)
def test_mutated_files_import_or_fail_cleanly(seeds: dict[str, object], fmt: str) -> None:
    TALLY.clear()
    fuzz(seeds, fmt, 60)
    record(f"fuzzed {fmt} imports", examples=sum(TALLY.values()), tracebacks=0, partial_writes=0, hangs=0, **TALLY)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS)
def test_mutated_files_long_run(seeds: dict[str, object], fmt: str) -> None:
    TALLY.clear()
    fuzz(seeds, fmt, 2000)
    record(f"fuzzed {fmt} imports (long)", examples=sum(TALLY.values()), tracebacks=0, partial_writes=0, **TALLY)


def test_the_mutations_do_something() -> None:
    data = b'[{"a": 1},\n{"b": 2}]\n'
    assert mutate(data, [("truncate", 0.5, 0)]) == data[:10]
    assert mutate(data, [("drop line", 0.0, 0)]) == b'{"b": 2}]\n'
    assert mutate(data, [("repeat line", 0.0, 0)]) == b'[{"a": 1},\n[{"a": 1},\n{"b": 2}]\n'
    assert mutate(data, [("insert", 0.0, 2)]) == b"\x00" + data
