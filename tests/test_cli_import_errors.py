"""Every bad input of issue 3 through `casefile import`, on real files, against a seeded database.

Each case of the table is checked the same way: the exit code (1 for bad data, 2 for a usage error), one
``error:`` line per problem naming the file and line (and the field where there is one), no traceback, no
record text (the canary sits in the data of every case) on stdout or stderr, and a database file that is
byte-identical to before. The inputs that must be accepted (BOM, CRLF, header only, ``--encoding``) are a
second table, checked for the values stored.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import CANARY, assert_no_leak, count, error_lines, file_hash, rows_csv, stored

C = CANARY.encode()


@dataclass(frozen=True)
class Bad:
    id: str
    name: str  # the file name: its extension picks the format
    content: bytes
    problems: tuple[tuple[int, str | None, str], ...]  # (line, field or None, words of the reason)
    args: tuple[str, ...] = ()
    exit_code: int = 1


def _jsonl_300_with_bad_line_250() -> bytes:
    lines = [json.dumps({"external_id": f"L{i}", "summary": CANARY}) for i in range(1, 301)]
    lines[249] = '{"external_id": "L250", "summary": "' + CANARY  # unterminated string
    return ("\n".join(lines) + "\n").encode()


DEEP = 100_000

BAD = [
    # ------------------------------------------------------------------------------------------- CSV
    Bad(
        "unknown columns",
        "u.csv",
        b"name,nmae,colour\r\n" + C + b",x,y\r\n",
        ((1, None, "2 unknown columns: 'nmae', 'colour'; did you mean 'name' for 'nmae'?"),),
    ),
    Bad(
        "short rows, every one listed",
        "short.csv",
        b"name,summary\nok," + C + b"\n" + C + b"\nok,fine\n" + C + b"\n",
        ((3, None, "row has 1 cells, header has 2"), (5, None, "row has 1 cells, header has 2")),
    ),
    Bad("long row", "long.csv", b"name,summary\n" + C + b",a,b\n", ((2, None, "row has 3 cells, header has 2"),)),
    Bad(
        "unterminated quote",
        "unterminated.csv",
        b'name,summary\nok,fine\n"' + C + b",x\nmore," + C + b"\n",
        ((3, None, "unterminated quoted field starting on line 3"),),
    ),
    Bad(
        'text after a closing quote ("a"b)',
        "ab.csv",
        b'name,summary\nok,fine\n"a"' + C + b",x\n",
        ((3, None, "a quoted field must end at a comma or the end of the line"),),
    ),
    Bad(
        "duplicate header name",
        "dup.csv",
        b"name,summary,name\n" + C + b",x,y\n",
        ((1, None, "the header names a column more than once (columns 1 and 3 are both 'name')"),),
    ),
    Bad(
        "a CSV without a header line",
        "headerless.csv",
        b"Ali " + C + b",Mujahedin-e Khalq,2001\nOther,MEK,2002\n",
        ((1, None, "none of the 3 columns of the first line is a casefile column: is it a header?"),),
    ),
    Bad(
        "a one-line CSV without a header line",
        "oneline.csv",
        b"Ali " + C + b",Mujahedin-e Khalq,2001\r\n",
        ((1, None, "none of the 3 columns of the first line is a casefile column: is it a header?"),),
    ),
    Bad(
        "a header-only CSV with an unknown column",
        "headeronly.csv",
        b"name,nmae\r\n",
        ((1, None, "1 unknown column: 'nmae'"),),
    ),
    Bad(
        "a CSV without a header line, with --ignore-unknown",
        "headerless.csv",
        b"Ali " + C + b",Mujahedin-e Khalq,2001\nOther,MEK,2002\n",
        ((1, None, "none of the 3 columns of the first line is a casefile column: is it a header?"),),
        ("--ignore-unknown",),
    ),
    Bad(
        "a CSV without a header line, repeating a value in its first line",
        "headerless.csv",
        C + b",MEK," + C + b"\nOther,MEK,2002\n",
        ((1, None, "the header names a column more than once (columns 1 and 3 have the same name)"),),
    ),
    Bad(
        "empty header name",
        "emptyname.csv",
        b"name,,summary\n" + C + b",x,y\n",
        ((1, None, "empty column name (column 2)"),),
    ),
    Bad("empty file", "empty.csv", b"", ((1, None, "file is empty"),)),
    Bad(
        "NUL byte",
        "nul.csv",
        b"name,summary\nok,fine\n" + C + b"\x00,x\n",
        ((3, None, "contains a NUL character"),),
    ),
    Bad(
        "latin-1 bytes without --encoding",
        "latin1.csv",
        ("name,summary\nok,fine\nZoë " + CANARY + ",x\n").encode("latin-1"),
        ((3, None, "not valid UTF-8; pass --encoding"),),
    ),
    Bad(
        "UTF-16 with a byte-order mark, without --encoding",
        "utf16.csv",
        ("name,summary\n" + CANARY + ",x\n").encode("utf-16"),
        ((1, None, "looks like UTF-16 (it starts with a byte-order mark); pass --encoding utf-16"),),
    ),
    Bad(
        "UTF-16 without a byte-order mark",
        "utf16le.csv",
        ("name,summary\n" + CANARY + ",x\n").encode("utf-16-le"),
        ((1, None, "NUL character: a binary file, or UTF-16"),),
    ),
    Bad(
        "values casefile refuses name line and field",
        "values.csv",
        b"name,left,exit_type,birth_year\nok,2001,escaped,1960\n" + C + b",2001,flew,65\n" + C + b",2024-02-30,,\n",
        ((3, "birth_year", "four-digit year"), (3, "exit_type", "unknown code"), (4, "left", "no such date")),
    ),
    Bad(
        "a lone surrogate decoded by --encoding utf-7",
        "utf7.csv",
        b"name,summary,tags\nok,fine,a\n" + C + b",+2AA-,a\nok," + C + b",x; +3/8-\n",
        ((3, "summary", "lone surrogate"), (4, "tags", "lone surrogate")),
        ("--encoding", "utf-7"),
    ),
    Bad(
        "the same external_id twice names both lines",
        "twice.csv",
        b"external_id,summary\nK1," + C + b"\nK2,x\nK1," + C + b"\n",
        ((4, "external_id", "the same external_id appears on line 2"),),
    ),
    Bad(
        "a repeated key is found across batches, and an id is claimed before its external_id",
        "twice-far.csv",
        b"id,external_id,summary\n"
        + b"".join(b",K%d,x\n" % n for n in range(1, 1200))
        + b"00000000000000aa,K5,"
        + C
        + b"\n00000000000000aa,K1500,x\n",
        ((1201, "external_id", "the same external_id appears on line 6"), (1202, "id", "appears on line 1201")),
    ),
    # ------------------------------------------------------------------------------------------ JSON
    Bad(
        "JSON duplicate keys",
        "dupkeys.json",
        b'[\n{"name": "' + C + b'", "summary": "x", "name": "y"}\n]\n',
        ((2, "name", "duplicate key"),),
    ),
    Bad("JSON NaN", "nan.json", b'[\n{"summary": "' + C + b'", "years_in_org": NaN}\n]', ((2, "years_in_org", "NaN"),)),
    Bad(
        "JSON Infinity",
        "inf.json",
        b'[{"summary": "' + C + b'", "years_in_org": Infinity}]',
        ((1, "years_in_org", "NaN, Infinity"),),
    ),
    Bad(
        "JSON -Infinity and a number too large for a float",
        "big.json",
        b'[{"years_in_org": -Infinity},\n{"summary": "' + C + b'", "years_in_org": 1e999}]',
        ((1, "years_in_org", "NaN, Infinity"), (2, "years_in_org", "NaN, Infinity")),
    ),
    Bad(
        "JSON lone surrogate",
        "surrogate.json",
        b'[\n{"name": "' + C + b'\\ud800"}\n]',
        ((2, "name", "lone surrogate"),),
    ),
    Bad(
        "JSON top level is an object",
        "object.json",
        b'{"name": "' + C + b'"}',
        ((1, None, "the top level must be an array of objects"),),
    ),
    Bad(
        "JSON array of strings",
        "strings.json",
        b'[\n"' + C + b'",\n{"name": "ok"}\n]',
        ((2, None, "is a string, not an object"),),
    ),
    Bad(
        f"JSON nested {DEEP} deep",
        "deep.json",
        b'[{"summary": "' + C + b'", "tags": ' + b"[" * DEEP + b"]" * DEEP + b"}]",
        ((1, None, "nested too deeply"),),
    ),
    Bad(
        "JSON nested 40 deep",
        "deep40.json",
        b'[\n{"summary": "' + C + b'", "tags": ' + b"[" * 40 + b"]" * 40 + b"}]",
        ((2, "tags", "nested more than 32 levels deep"),),
    ),
    Bad(
        "JSON syntax error",
        "syntax.json",
        b'[{"name": "ok"},\n {"name": ' + C + b"}]",
        ((2, None, "not valid JSON: Expecting value at column 11"),),
    ),
    Bad(
        "JSON trailing garbage",
        "trailing.json",
        b'[{"name": "ok"}]\n' + C,
        ((2, None, "unexpected data after the closing ']'"),),
    ),
    Bad(
        "JSON array never closed",
        "open.json",
        b'[{"name": "' + C + b'"}\n\n',
        ((3, None, "the array is never closed"),),
    ),
    Bad("JSON empty file", "empty.json", b"", ((1, None, "file is empty"),)),
    Bad(
        "JSON unknown keys",
        "unknown.json",
        b'[{"name": "ok", "colour": "' + C + b'"}]',
        ((1, None, "1 unknown column: 'colour'; `casefile template csv` prints the known columns"),),
    ),
    # ----------------------------------------------------------------------------------------- JSONL
    Bad("JSONL bad line 250 of 300", "lines.jsonl", _jsonl_300_with_bad_line_250(), ((250, None, "not valid JSON"),)),
    Bad(
        "a quote supporting no event or code of its account",
        "supports.jsonl",
        b'{"name": "ok"}\n{"name": "'
        + C
        + b'", "events": [{"type": "joined"}], "quotes": [{"text": "x", "supports": "e1e1e1e1"}]}\n',
        ((2, "quotes[1].supports", "is not the id of one of the account's events, reasons, barriers or allegations"),),
    ),
    Bad(
        "JSONL trailing garbage after an object",
        "trailing.jsonl",
        b'{"name": "ok"}\n{"name": "x"} ' + C + b"\n",
        ((2, None, "not valid JSON: Extra data at column 15"),),
    ),
    Bad(
        "JSONL duplicate keys, NaN, surrogate, a list",
        "mixed.jsonl",
        b'{"name": "a", "name": "' + C + b'"}\n'
        b'{"summary": "' + C + b'", "years_in_org": NaN}\n'
        b'{"summary": "' + C + b'\\udfff"}\n'
        b'["' + C + b'"]\n',
        (
            (1, "name", "duplicate key"),
            (2, "years_in_org", "NaN"),
            (3, "summary", "lone surrogate"),
            (4, None, "is a list, not an object"),
        ),
    ),
    Bad(
        f"JSONL nested {DEEP} deep",
        "deep.jsonl",
        b'{"name": "ok"}\n{"summary": "' + C + b'", "tags": ' + b"[" * DEEP + b"]" * DEEP + b"}\n",
        ((2, None, "nested too deeply"),),
    ),
    Bad(
        "JSONL with a byte that is not UTF-8",
        "latin1.jsonl",
        b'{"name": "ok"}\n{"name": "Zo\xeb ' + C + b'"}\n',
        ((2, None, "not valid UTF-8"),),
    ),
    # -------------------------------------------------------------------------------- usage errors (2)
    Bad(
        "an encoding that does not exist",
        "a.csv",
        b"name\n" + C + b"\n",
        ((0, None, "unknown encoding 'klingon'"),),
        ("--encoding", "klingon"),
        2,
    ),
    Bad(
        "a file name that does not tell the format",
        "data.txt",
        b"name\n" + C + b"\n",
        ((0, None, "cannot tell the format from the file name; pass --format"),),
        exit_code=2,
    ),
    Bad(
        "--rejects without --skip-bad-rows",
        "a.csv",
        b"name\n" + C + b"\n",
        ((0, None, "--rejects needs --skip-bad-rows"),),
        ("--rejects", "rejects.csv"),
        2,
    ),
]


def run_bad(cli, seeded: Path, tmp_path: Path, case: Bad):
    before = file_hash(seeded)
    path = tmp_path / case.name
    path.write_bytes(case.content)
    result = cli("import", path, *case.args)
    assert result.exit_code == case.exit_code, result.stderr
    assert_no_leak(result)
    assert result.stdout == ""
    assert file_hash(seeded) == before
    return result, path


@pytest.mark.parametrize("case", BAD, ids=[case.id for case in BAD])
def test_bad_input_is_refused_line_by_line(cli, seeded: Path, tmp_path: Path, case: Bad) -> None:
    result, path = run_bad(cli, seeded, tmp_path, case)
    lines = error_lines(result)
    assert len(lines) == len(case.problems), result.stderr
    for line, (number, field, words) in zip(lines, case.problems, strict=True):
        where = "" if number == 0 else f"{path}:{number}: " + (f"field {field!r}: " if field else "")
        assert line.startswith(f"error: {where}"), line
        assert words in line, line


def test_unknown_columns_message_suggests_and_points_to_the_known_columns(cli, seeded: Path, tmp_path: Path) -> None:
    """A misspelt column gets the known one it is near; the rest are one command away (a list of every known
    column made the line ~500 characters, past the 200 an error may have)."""
    (line,) = error_lines(run_bad(cli, seeded, tmp_path, BAD[0])[0])
    assert "did you mean 'name' for 'nmae'?" in line and "`casefile template csv`" in line
    assert "--ignore-unknown" in line
    assert len(line) - len(str(tmp_path)) <= 200


# ------------------------------------------------------------------------------------------ accepted input


@dataclass(frozen=True)
class Good:
    id: str
    name: str
    content: bytes
    expected: list[dict[str, object]]  # the fields of each added record that must be stored exactly
    args: tuple[str, ...] = ()


GOOD = [
    Good("header only: 0 added", "header.csv", b"name,summary\r\n", []),
    Good(
        "UTF-8 byte-order mark",
        "bom.csv",
        "\ufeffname,summary\nZoë,x\n".encode(),
        [{"name": "Zoë", "summary": "x"}],
    ),
    Good(
        "CRLF line ends, also inside a quoted cell",
        "crlf.csv",
        b'name,summary\r\nA,"two\r\nlines"\r\nB,x\r\n',
        [{"name": "A", "summary": "two\r\nlines"}, {"name": "B", "summary": "x"}],
    ),
    Good(
        "latin-1 with --encoding latin-1",
        "latin1.csv",
        "name,summary\nZoë,façade\n".encode("latin-1"),
        [{"name": "Zoë", "summary": "façade"}],
        ("--encoding", "latin-1"),
    ),
    Good(
        "UTF-16 with --encoding utf-16",
        "utf16.csv",
        "name,summary\r\nعلی,x\r\n".encode("utf-16"),
        [{"name": "علی", "summary": "x"}],
        ("--encoding", "utf-16"),
    ),
    Good(
        "unknown columns with --ignore-unknown",
        "unknown.csv",
        b"name,colour\nA,red\n",
        [{"name": "A"}],
        ("--ignore-unknown",),
    ),
    Good("JSON empty array", "empty.json", b"[]\n", []),
    Good(
        "JSON with a byte-order mark and CRLF",
        "bom.json",
        '\ufeff[\r\n{"name": "Zoë"},\r\n{"name": "B"}\r\n]\r\n'.encode(),
        [{"name": "Zoë"}, {"name": "B"}],
    ),
    Good("JSONL blank lines", "blank.jsonl", b'\n{"name": "A"}\r\n\n{"name": "B"}\n\n', [{"name": "A"}, {"name": "B"}]),
    Good(
        "JSON surrogate pair escape is one character",
        "pair.json",
        b'[{"name": "a\\ud83d\\ude00b"}]',
        [{"name": "a\U0001f600b"}],
    ),
]


@pytest.mark.parametrize("case", GOOD, ids=[case.id for case in GOOD])
def test_accepted_input_is_stored_exactly(cli, seeded: Path, tmp_path: Path, case: Good) -> None:
    before = stored(seeded)
    path = tmp_path / case.name
    path.write_bytes(case.content)
    result = cli("import", path, *case.args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert f"{len(case.expected)} added, 0 updated, 0 unchanged" in result.stderr
    after = stored(seeded)
    assert after[: len(before)] == before
    added = after[len(before) :]
    assert [{key: record[key] for key in want} for record, want in zip(added, case.expected, strict=True)] == (
        case.expected
    )


def test_header_only_file_leaves_the_database_byte_identical(cli, seeded: Path, tmp_path: Path) -> None:
    before = file_hash(seeded)
    path = tmp_path / "header.csv"
    path.write_text(cli("template", "csv").stdout)
    assert cli("import", path).exit_code == 0
    assert file_hash(seeded) == before


# -------------------------------------------------------------------------------- several files, limits


def test_several_files_are_one_transaction(cli, seeded: Path, tmp_path: Path) -> None:
    before = file_hash(seeded)
    first, second = tmp_path / "first.csv", tmp_path / "second.jsonl"
    first.write_text(rows_csv([{"name": f"Good {i}", "summary": CANARY} for i in range(1500)]))
    second.write_text('{"name": "fine"}\n{"name": "' + CANARY + '", "exit_type": "flew"}\n')
    result = cli("import", first, second)
    assert result.exit_code == 1
    assert error_lines(result) == [f"error: {second}:2: field 'exit_type': unknown code (`casefile vocab` lists them)"]
    assert "nothing was written" in result.stderr
    assert_no_leak(result)
    assert file_hash(seeded) == before


def test_the_same_key_in_two_files_names_both(cli, empty: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.json"
    first.write_text(rows_csv([{"external_id": "K", "summary": CANARY}]))
    second.write_text('[\n{"external_id": "other"},\n{"external_id": "K"}\n]\n')
    result = cli("import", first, second)
    assert result.exit_code == 1
    assert error_lines(result) == [
        f"error: {second}:3: field 'external_id': the same external_id appears on {first}:2 of this import"
    ]
    assert count(empty) == 0


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_max_errors_caps_the_list(cli, seeded: Path, tmp_path: Path, fmt: str) -> None:
    before = file_hash(seeded)
    rows = [{"name": CANARY, "exit_type": "flew"} for _ in range(10)]
    path = tmp_path / f"bad.{fmt}"
    path.write_text(rows_csv(rows) if fmt == "csv" else "".join(json.dumps(r) + "\n" for r in rows))
    result = cli("import", path, "--max-errors", "3")
    assert result.exit_code == 1
    first_line = 2 if fmt == "csv" else 1
    assert [line.split(": ")[1] for line in error_lines(result)] == [
        f"{path}:{n}" for n in range(first_line, first_line + 3)
    ]
    assert "stopped after 3 bad records (--max-errors)" in result.stderr
    assert_no_leak(result)
    assert file_hash(seeded) == before


def test_default_max_errors_is_20(cli, empty: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(rows_csv([{"exit_type": "flew"} for _ in range(25)]))
    result = cli("import", path)
    assert len(error_lines(result)) == 20
    assert "stopped after 20 bad records" in result.stderr


def test_max_errors_must_be_positive(cli, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("name\nA\n")
    assert cli("import", path, "--max-errors", "0").exit_code == 2


# --------------------------------------------------------------------------------- --skip-bad-rows --rejects


SKIP_INPUTS = {
    "csv": (
        f"name,exit_type\r\nGood one,escaped\r\n{CANARY},flew\r\nshort\r\nGood two,\r\n",
        [(3, "exit_type: unknown code"), (4, "row has 1 cells, header has 2")],
    ),
    "json": (
        f'[\n{{"name": "Good one"}},\n{{"name": "{CANARY}", "exit_type": "flew"}},\n'
        f'{{"name": "Good two"}},\n{{"name": "{CANARY}", "name": "again"}}\n]\n',
        [(3, "exit_type: unknown code"), (5, "name: duplicate key")],
    ),
    "jsonl": (
        f'{{"name": "Good one"}}\n{{"name": "{CANARY}", "exit_type": "flew"}}\n'
        f'not json {CANARY}\n{{"name": "Good two"}}\n',
        [(2, "exit_type: unknown code"), (3, "not valid JSON")],
    ),
}


def read_rejects(path: Path, fmt: str) -> list[tuple[int, str]]:
    """(line, reasons) of each entry of a rejects file."""
    text = path.read_text(encoding="utf-8")
    if fmt == "csv":
        import csv
        import io

        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert rows[0] == ["'rejected_line", "rejected_reasons", "name", "exit_type"]  # marked, like exports
        return [(int(row[0]), row[1]) for row in rows[1:]]
    entries = json.loads(text) if fmt == "json" else [json.loads(line) for line in text.splitlines()]
    assert all(set(e) == {"line", "reasons", "record"} for e in entries)
    return [(e["line"], "; ".join(e["reasons"])) for e in entries]


@pytest.mark.parametrize("fmt", sorted(SKIP_INPUTS))
def test_skip_bad_rows_writes_good_rows_and_a_private_rejects_file(cli, empty: Path, tmp_path: Path, fmt: str) -> None:
    content, expected = SKIP_INPUTS[fmt]
    path = tmp_path / f"in.{fmt}"
    path.write_text(content, encoding="utf-8")
    rejects = tmp_path / f"rejects.{fmt}"
    result = cli("import", path, "--skip-bad-rows", "--rejects", rejects)
    assert result.exit_code == 4, result.stderr
    assert "2 added, 0 updated, 0 unchanged, 2 rejected" in result.stderr
    assert [r["name"] for r in stored(empty)] == ["Good one", "Good two"]
    assert_no_leak(result)
    assert stat.S_IMODE(rejects.stat().st_mode) == 0o600
    entries = read_rejects(rejects, fmt)
    assert [line for line, _ in entries] == [line for line, _ in expected]
    assert all(reasons.startswith(words) for (_, reasons), (_, words) in zip(entries, expected, strict=True))
    assert CANARY in rejects.read_text(encoding="utf-8")  # the rows themselves, for the researcher to fix


def test_skip_bad_rows_without_rejects_file(cli, empty: Path, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(SKIP_INPUTS["csv"][0])
    result = cli("import", path, "--skip-bad-rows")
    assert result.exit_code == 4
    assert len(error_lines(result)) == 2
    assert count(empty) == 2
    assert_no_leak(result)


@pytest.mark.parametrize("which", ["the database", "the input file"])
def test_rejects_never_replaces_the_database_or_the_input(cli, seeded: Path, tmp_path: Path, which: str) -> None:
    path = tmp_path / "in.csv"
    path.write_text(SKIP_INPUTS["csv"][0])
    target = seeded if which == "the database" else path
    before = {p: file_hash(p) for p in (seeded, path)}
    result = cli("import", path, "--skip-bad-rows", "--rejects", target)
    assert result.exit_code == 2
    what = "the database" if which == "the database" else "an input file"
    assert error_lines(result) == [f"error: refusing to write {target}: it is {what}; choose another file"]
    assert {p: file_hash(p) for p in (seeded, path)} == before


def test_rejects_takes_one_input_file(cli, seeded: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.jsonl"
    first.write_text(SKIP_INPUTS["csv"][0])
    second.write_text(SKIP_INPUTS["jsonl"][0])
    before = file_hash(seeded)
    result = cli("import", first, second, "--skip-bad-rows", "--rejects", tmp_path / "rejects.csv")
    assert result.exit_code == 2
    assert error_lines(result) == [
        "error: --rejects keeps the rejected rows of one input file; import the files one at a time"
    ]
    assert file_hash(seeded) == before
    assert not (tmp_path / "rejects.csv").exists()
    assert cli("import", first, second, "--skip-bad-rows").exit_code == 4  # without a rejects file they may share


def test_rejects_file_that_cannot_be_written_writes_nothing(cli, seeded: Path, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(SKIP_INPUTS["csv"][0])
    before = file_hash(seeded)
    target = tmp_path / "missing" / "rejects.csv"
    result = cli("import", path, "--skip-bad-rows", "--rejects", target)
    assert result.exit_code == 1
    assert error_lines(result) == [f"error: cannot write {target}: there is no folder {target.parent}; create it first"]
    assert file_hash(seeded) == before
    assert not (tmp_path / "xdg-state" / "casefile" / "last-error.log").exists()


@pytest.mark.parametrize(
    ("fmt", "expected"), [("csv", "'rejected_line,rejected_reasons,name\r\n"), ("json", "[]\n"), ("jsonl", "")]
)
def test_rejects_file_of_an_earlier_run_is_replaced(cli, empty: Path, tmp_path: Path, fmt: str, expected: str) -> None:
    path = tmp_path / f"in.{fmt}"
    path.write_text({"csv": "name\nA\n", "json": '[{"name": "A"}]', "jsonl": '{"name": "A"}\n'}[fmt])
    rejects = tmp_path / f"rejects.{fmt}"
    rejects.write_text("rows rejected by an earlier run")
    os.chmod(rejects, 0o640)
    result = cli("import", path, "--skip-bad-rows", "--rejects", rejects)
    assert result.exit_code == 0, result.stderr
    assert rejects.read_bytes().decode() == expected
    assert stat.S_IMODE(rejects.stat().st_mode) == 0o640  # the mode it had (a new file is 0600)


def test_rejects_file_that_cannot_be_synced_writes_nothing(
    cli, seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rejects file must be on disk before the import commits: a full disk then rolls the import back."""

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    path = tmp_path / "in.csv"
    path.write_text(SKIP_INPUTS["csv"][0])
    before = file_hash(seeded)
    monkeypatch.setattr(os, "fsync", disk_full)
    result = cli("import", path, "--skip-bad-rows", "--rejects", tmp_path / "rejects.csv")
    assert result.exit_code == 1
    assert error_lines(result)[-1].startswith(
        f"error: disk full while writing {tmp_path / 'rejects.csv'}: no file was written"
    )
    assert file_hash(seeded) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["casefile.db", "in.csv"]


def test_skip_bad_rows_rejects_a_quote_supporting_nothing_and_writes_the_rest(cli, empty: Path, tmp_path: Path) -> None:
    """A quote's ``supports`` was checked only once the batch was being stored: the error named no file or line,
    and --skip-bad-rows wrote nothing at all instead of the good rows."""
    path = tmp_path / "in.jsonl"
    good = {"name": "Good one", "events": [{"id": "e1e1e1e1", "type": "joined"}]}
    good["quotes"] = [{"text": "We left.", "supports": "e1e1e1e1"}]
    bad = {"name": CANARY, "events": [{"type": "joined"}], "quotes": [{"text": "x", "supports": "e2e2e2e2"}]}
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    rejects = tmp_path / "rejects.jsonl"
    result = cli("import", path, "--skip-bad-rows", "--rejects", rejects)
    assert result.exit_code == 4, result.stderr
    assert "1 added, 0 updated, 0 unchanged, 1 rejected" in result.stderr
    assert [r["name"] for r in stored(empty)] == ["Good one"]
    assert_no_leak(result)
    assert read_rejects(rejects, "jsonl") == [
        (2, "quotes[1].supports: is not the id of one of the account's events, reasons, barriers or allegations")
    ]


def test_errors_come_in_line_order_whichever_step_found_them(cli, empty: Path, tmp_path: Path) -> None:
    """A key repeated (found while writing) on line 3 and an unknown code (found while reading) on line 4: the
    errors in line order. A batch listed what reading found first, so the order depended on the batch size
    (the batch-parts hypothesis test found it)."""
    path = tmp_path / "in.csv"
    path.write_text(
        rows_csv(
            [
                {"external_id": "K1", "name": "One", "exit_type": ""},
                {"external_id": "K1", "name": "Two", "exit_type": ""},
                {"external_id": "K2", "name": CANARY, "exit_type": "flew"},
            ]
        ),
        encoding="utf-8",
    )
    result = cli("import", path)
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert [line.split(":")[2] for line in lines] == ["3", "4"], lines
    assert count(empty) == 0
