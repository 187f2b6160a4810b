"""JSON (streamed array) and JSONL importers: exact values, the checks Python's json skips, lines in messages."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from casefile.errors import InputError, Problem
from casefile.importers import RawRow, read_rows, write_rejects
from casefile.importers import json as json_importer
from casefile.importers import jsonl as jsonl_importer

CANARY = "CANARY-7f3a"


def rows_of(tmp_path: Path, content: bytes | str, fmt: str = "json", **kwargs: str) -> list[RawRow]:
    path = tmp_path / f"input.{fmt}"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return list(read_rows(str(path), fmt, **kwargs))


def fatal(tmp_path: Path, content: bytes | str, fmt: str = "json") -> InputError:
    with pytest.raises(InputError) as info:
        rows_of(tmp_path, content, fmt)
    assert CANARY not in str(info.value)
    return info.value


def only_error(rows: list[RawRow]) -> Problem:
    (row,) = rows
    assert row.data is None and row.error is not None
    assert CANARY not in row.error.reason
    return row.error


# ----------------------------------------------------------------------------------------------- JSON array


def test_elements_lines_and_raw_text(tmp_path: Path) -> None:
    content = '[\n  {"a": 1},\n  {\n    "b": "x"\n  }, {"c": [1, 2]}\n]\n'
    rows = rows_of(tmp_path, content)
    assert [(r.line, r.data, r.raw) for r in rows] == [
        (2, {"a": 1}, '{"a": 1}'),
        (3, {"b": "x"}, '{\n    "b": "x"\n  }'),
        (5, {"c": [1, 2]}, '{"c": [1, 2]}'),
    ]


@pytest.mark.parametrize("content", ["[]", "[ ]\n", "\n\n[\n]\n\n", "\ufeff[]"])
def test_empty_array(tmp_path: Path, content: str) -> None:
    assert rows_of(tmp_path, content) == []


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 64, 4096])
def test_elements_straddling_chunk_boundaries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    monkeypatch.setattr(json_importer, "CHUNK_CHARS", chunk)
    rng = random.Random(chunk)
    values: list[Any] = [12345, -0.5, 1e-7, 10**20, True, False, None, "", "é\u00a0ش", 'a\\b"c', [1, [2]], {"k": 3}]
    docs = [{f"k{i}": rng.choice(values) for i in range(rng.randint(0, 5))} for _ in range(300)]
    parts = [json.dumps(d, ensure_ascii=rng.random() < 0.5, indent=rng.choice([None, 1])) for d in docs]
    content, lines = "[", []
    for part in parts:
        content += rng.choice(["", " ", "\n", "\r\n  "])
        lines.append(content.count("\n") + 1)
        content += part + rng.choice([",", " ,\n", "\r\n,  "])
    content = content.rstrip(", \r\n") + "\n]"
    rows = rows_of(tmp_path, content)
    assert [r.data for r in rows] == docs
    assert [r.raw for r in rows] == parts
    assert [r.line for r in rows] == lines


def test_long_element_grows_the_buffer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_importer, "CHUNK_CHARS", 10)
    big = {"summary": "ß" * 200_000, "n": 123456789}
    rows = rows_of(tmp_path, json.dumps([big, {"a": 1}], ensure_ascii=False))
    assert [r.data for r in rows] == [big, {"a": 1}]


def test_values_are_exact(tmp_path: Path) -> None:
    record = {"zip": "08123", "phone": "+44 20", "e": "1e5", "nan": "NaN", "year": 1965, "years": 34.5, "list": ["a"]}
    (row,) = rows_of(tmp_path, json.dumps([record]))
    assert row.data == record
    assert isinstance(row.data["year"], int)


@pytest.mark.parametrize(
    ("content", "line", "words"),
    [
        ("", 1, "file is empty"),
        ("  \n \n", 1, "file is empty"),
        (f'{{"a": "{CANARY}"}}', 1, "must be an array"),
        (f'\n"{CANARY}"', 2, "must be an array"),
        (f'[\n{{"a": 1}},\n{{"a": "{CANARY}", }}\n]', 3, "Expecting property name"),
        (f'[\n{{"a": "{CANARY}"}}\n{{"b": 2}}]', 3, "expected ',' or ']'"),
        (f'[{{"a": "{CANARY}"}},]', 1, "Expecting value"),
        (f'[{{"a": "{CANARY}"}}', 1, "never closed"),
        (f'[{{"a": "{CANARY}"}}]\n\n{CANARY}', 3, "unexpected data after"),
        (f'[{{"a": "{CANARY}"}}][]', 1, "unexpected data after"),
        (f'[\n\n{{"a": "{CANARY}\n"}}]', 3, "Invalid control character"),
        (f'[\n{{"a": "{CANARY}', 2, "Unterminated string"),
        ("[" * 100_000, 1, "nested too deeply"),
        ('[{"n": 1' + "2" * 5000 + "}]", 1, "too many digits"),
    ],
)
def test_fatal_problems(tmp_path: Path, content: str, line: int, words: str) -> None:
    error = fatal(tmp_path, content)
    assert error.line == line
    assert words in str(error)
    assert str(error).startswith(f"{tmp_path / 'input.json'}:{line}: ")


def test_syntax_error_column(tmp_path: Path) -> None:
    assert "Expecting ':' delimiter at column 17" in str(fatal(tmp_path, '[{"a": 1}, {"a" 2}]'))


def test_bad_encoding_line(tmp_path: Path) -> None:
    content = ("[\n" + ",\n".join(json.dumps({"i": i}) for i in range(5000)) + "\n]").encode()
    content = content.replace(b'{"i": 4000}', b'{"i": "\xff"}')
    error = fatal(tmp_path, content)
    assert error.line == 4002 and "not valid UTF-8" in str(error)


def test_utf16_json_without_encoding(tmp_path: Path) -> None:
    assert "--encoding utf-16" in str(fatal(tmp_path, '[{"a": 1}]'.encode("utf-16")))


def test_element_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_importer, "MAX_ELEMENT_CHARS", 1000)
    monkeypatch.setattr(json_importer, "CHUNK_CHARS", 100)
    error = fatal(tmp_path, '[{"a": 1},\n {"b": "' + CANARY * 500)
    assert error.line == 2 and "longer than 1,000 characters" in str(error)


@pytest.mark.parametrize(
    ("element", "field", "words"),
    [
        (f'"{CANARY}"', None, "is a string, not an object"),
        ("[1, 2]", None, "is a list, not an object"),
        ("null", None, "is null, not an object"),
        ("true", None, "is true or false, not an object"),
        ("-12.5", None, "is a number, not an object"),
        (f'{{"name": "{CANARY}", "name": "other"}}', "name", "duplicate key"),
        ('{"outer": {"k": 1, "k": 2}}', "k", "duplicate key"),
        ('{"years_in_org": NaN}', "years_in_org", "NaN"),
        ('{"x": Infinity}', "x", "NaN"),
        ('{"x": [-Infinity]}', "x", "NaN"),
        ('{"x": 1e999}', "x", "too large"),
        (f'{{"name": "{CANARY}\\ud800"}}', "name", "lone surrogate"),
        (f'{{"aliases": ["ok", "{CANARY}\\uDC00"]}}', "aliases", "lone surrogate"),
        ('{"\\ud83d": 1}', "\ud83d", "lone surrogate"),
        ('{"k": ' + "[" * 40 + "]" * 40 + "}", "k", "nested more than 32"),
    ],
)
def test_row_level_problems(tmp_path: Path, element: str, field: str | None, words: str) -> None:
    content = f'[\n{{"first": 1}},\n{element},\n{{"last": 2}}\n]'
    rows = rows_of(tmp_path, content)
    assert [r.data for r in rows] == [{"first": 1}, None, {"last": 2}]
    error = rows[1].error
    assert error is not None and error.line == 3 and error.field == field and words in error.reason
    assert CANARY not in error.reason
    assert rows[1].raw == element


def test_several_problems_in_one_element(tmp_path: Path) -> None:
    error = only_error(rows_of(tmp_path, '[{"a": 1, "a": 2, "b": NaN}]'))
    assert "'a': duplicate key" in error.reason and "'b': NaN" in error.reason


def test_surrogate_pairs_are_fine(tmp_path: Path) -> None:
    (row,) = rows_of(tmp_path, '[{"emoji": "\\ud83d\\ude00"}]')
    assert row.data == {"emoji": "\U0001f600"}


# ---------------------------------------------------------------------------------------------------- JSONL


def test_jsonl_lines(tmp_path: Path) -> None:
    content = '{"a": 1}\r\n\n   \n{"b": "x"}\n{"c": 2}'
    rows = rows_of(tmp_path, content, "jsonl")
    assert [(r.line, r.data, r.raw) for r in rows] == [
        (1, {"a": 1}, '{"a": 1}'),
        (4, {"b": "x"}, '{"b": "x"}'),
        (5, {"c": 2}, '{"c": 2}'),
    ]


def test_jsonl_empty_file(tmp_path: Path) -> None:
    assert rows_of(tmp_path, "", "jsonl") == []


def test_jsonl_bad_lines_are_row_level(tmp_path: Path) -> None:
    lines = [
        '{"ok": 1}',
        f"not json {CANARY}",
        f'{{"a": "{CANARY}"',
        f'["{CANARY}"]',
        f'{{"a": "{CANARY}", "a": 1}}',
        '{"n": NaN}',
        f'{{"s": "{CANARY}\\udfff"}}',
        "[" * 5000,
        f'{{"a": 1}} {{"b": "{CANARY}"}}',
        '{"ok": 2}',
    ]
    rows = rows_of(tmp_path, "\n".join(lines) + "\n", "jsonl")
    assert [r.line for r in rows] == list(range(1, 11))
    assert rows[0].data == {"ok": 1} and rows[-1].data == {"ok": 2}
    reasons = [r.error.reason for r in rows[1:-1] if r.error]
    assert len(reasons) == 8
    assert reasons[0].startswith("not valid JSON: Expecting value at column 1")
    assert "is a list" in reasons[2] and "duplicate key" in reasons[3] and "NaN" in reasons[4]
    assert "lone surrogate" in reasons[5] and "nested too deeply" in reasons[6] and "Extra data" in reasons[7]
    assert all(CANARY not in reason for reason in reasons)
    assert [r.raw for r in rows] == lines


def test_jsonl_bad_encoding_is_fatal(tmp_path: Path) -> None:
    error = fatal(tmp_path, b'{"a": 1}\n{"a": 2}\n{"a": "\xe9"}\n', "jsonl")
    assert error.line == 3


def test_jsonl_line_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonl_importer, "MAX_ELEMENT_CHARS", 50)
    error = fatal(tmp_path, '{"a": 1}\n{"b": "' + CANARY * 10 + '"}\n', "jsonl")
    assert error.line == 2 and "longer than 50" in str(error)


# -------------------------------------------------------------------------------------------------- rejects


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_rejects(tmp_path: Path, fmt: str) -> None:
    if fmt == "json":
        content = '[\n{"a": 1, "a": 2},\n{\n  "b": NaN\n}\n]'
    else:
        content = '{"a": 1, "a": 2}\n{"b": NaN}\nnot json\n'
    rows = [r for r in rows_of(tmp_path, content, fmt) if r.error]
    rejects = [(row, [row.error, Problem(row.line, None, "extra")]) for row in rows if row.error]
    out = tmp_path / f"rejects.{fmt}"
    with out.open("w", encoding="utf-8", newline="") as stream:
        write_rejects(fmt, rejects, stream, None)
    text = out.read_text(encoding="utf-8")
    if fmt == "json":
        assert text.startswith("[\n") and text.endswith("\n]\n")
        entries = json.loads(text)
    else:
        entries = [json.loads(line) for line in text.splitlines()]
        assert len(text.splitlines()) == len(rejects)
    assert entries[0] == {"line": rows[0].line, "reasons": ["a: duplicate key", "extra"], "record": {"a": 2}}
    assert '"record": {"a": 1, "a": 2}}' in text  # the element verbatim, duplicate keys and all
    assert '"b": NaN }}\n' in text or '"b": NaN}}\n' in text  # line breaks inside the element became spaces
    if fmt == "jsonl":
        assert entries[2]["record"] == "not json"
    back = list(read_rows(str(out), fmt))  # readable by casefile itself
    assert len(back) == len(rejects)


def test_empty_json_rejects(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    with out.open("w", encoding="utf-8") as stream:
        write_rejects("json", [], stream, None)
    assert out.read_text() == "[]\n"
