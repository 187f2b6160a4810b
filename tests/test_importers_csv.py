"""CSV importer: strict RFC 4180, exact cell strings, streamed; every problem names its line, never its content."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from casefile.errors import EXIT_USAGE, InputError, Problem
from casefile.importers import RawRow, detect_format, read_rows, write_rejects
from casefile.importers import csv as csv_importer

SPECTRUM = Path(__file__).resolve().parent / "corpora" / "csv-spectrum"
CANARY = "CANARY-7f3a"


def rows_of(tmp_path: Path, content: bytes, **kwargs: str) -> list[RawRow]:
    path = tmp_path / "input.csv"
    path.write_bytes(content)
    return list(read_rows(str(path), "csv", **kwargs))


def fatal(tmp_path: Path, content: bytes, **kwargs: str) -> InputError:
    with pytest.raises(InputError) as info:
        rows_of(tmp_path, content, **kwargs)
    assert CANARY not in str(info.value)
    assert str(info.value).startswith(str(tmp_path / "input.csv"))
    return info.value


# ------------------------------------------------------------------------------------------------- corpora


@pytest.mark.parametrize("name", sorted(p.stem for p in (SPECTRUM / "csvs").glob("*.csv")))
def test_csv_spectrum(name: str) -> None:
    expected = json.loads((SPECTRUM / "json" / f"{name}.json").read_text(encoding="utf-8"))
    rows = list(read_rows(str(SPECTRUM / "csvs" / f"{name}.csv"), "csv"))
    assert [row.data for row in rows] == expected
    assert all(row.error is None for row in rows)


def test_csv_spectrum_is_complete_and_keeps_crlf_bytes() -> None:
    assert len(list((SPECTRUM / "csvs").glob("*.csv"))) == 11
    assert b"\r\n" in (SPECTRUM / "csvs" / "newlines_crlf.csv").read_bytes()
    assert b"\r\n" not in (SPECTRUM / "csvs" / "newlines.csv").read_bytes()
    assert (SPECTRUM.parent / ".gitattributes").read_text() == "* -text\n"


# -------------------------------------------------------------------------------------------- good input


def test_records_lines_and_raw_cells(tmp_path: Path) -> None:
    content = b'name,summary\nA,"two\nlines"\n\nB,x\r\n"C",""\n'
    rows = rows_of(tmp_path, content)
    assert [(r.line, r.data, r.raw) for r in rows] == [
        (2, {"name": "A", "summary": "two\nlines"}, ["A", "two\nlines"]),
        (5, {"name": "B", "summary": "x"}, ["B", "x"]),
        (6, {"name": "C", "summary": ""}, ["C", ""]),
    ]


def test_cells_keep_their_exact_text(tmp_path: Path) -> None:
    values = [
        "08123",
        "+44 20 7946 0958",
        "1e5",
        "NaN",
        "  padded  ",
        "-5",
        "=1+1",
        'a"b',
        "TRUE",
        "null",
        "x" * 1_000_000,
    ]
    content = ("v\n" + "".join('"' + v.replace('"', '""') + '"\n' for v in values)).encode()
    assert [r.data["v"] for r in rows_of(tmp_path, content) if r.data] == values


def test_bom_and_crlf(tmp_path: Path) -> None:
    rows = rows_of(tmp_path, b"\xef\xbb\xbfid,name\r\n1,Zo\xc3\xab\r\n")
    assert [r.data for r in rows] == [{"id": "1", "name": "Zoë"}]


def test_latin1_with_encoding(tmp_path: Path) -> None:
    rows = rows_of(tmp_path, "id,name\n1,Zoë\n".encode("latin-1"), encoding="latin-1")
    assert [r.data for r in rows] == [{"id": "1", "name": "Zoë"}]


def test_utf16_with_encoding(tmp_path: Path) -> None:
    rows = rows_of(tmp_path, "id,name\n1,علی\n".encode("utf-16"), encoding="utf-16")
    assert [r.data for r in rows] == [{"id": "1", "name": "علی"}]


def test_header_only_yields_nothing_but_sets_header(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_bytes(b"id,name\r\n")
    reader = read_rows(str(path), "csv")
    assert reader.header is None
    assert list(reader) == []
    assert reader.header == ["id", "name"]


def test_stdin_stream(tmp_path: Path) -> None:
    rows = list(read_rows("-", "csv", stream=io.BytesIO(b"a\n1\n")))
    assert [(r.line, r.data) for r in rows] == [(2, {"a": "1"})]


# ------------------------------------------------------------------------------------------ fatal problems


def test_empty_file(tmp_path: Path) -> None:
    error = fatal(tmp_path, b"")
    assert error.line == 1 and "file is empty" in str(error)


def test_blank_lines_only_is_empty(tmp_path: Path) -> None:
    assert "file is empty" in str(fatal(tmp_path, b"\n\r\n"))


def test_duplicate_header_names_are_named(tmp_path: Path) -> None:
    error = fatal(tmp_path, b"id,name,id,name,x\n1,2,3,4,5\n")
    assert error.line == 1
    assert "(columns 1 and 3 are both 'id'; columns 2 and 4 are both 'name')" in str(error)


def test_duplicate_header_names_are_quoted_only_when_they_are_casefile_columns(tmp_path: Path) -> None:
    """A file without a header has data in its first line: that must not be echoed."""
    error = fatal(tmp_path, f"{CANARY},x,{CANARY},y,y\n1,2,3,4,5\n".encode())
    assert "(columns 1 and 3 have the same name; columns 4 and 5 have the same name)" in str(error)


@pytest.mark.parametrize("header", [b"id,,name\n", b"id, ,name\n", b",\n"])
def test_empty_header_name(tmp_path: Path, header: bytes) -> None:
    error = fatal(tmp_path, header + b"1,2,3\n")
    assert error.line == 1 and "empty column name" in str(error)


def test_unterminated_quote_names_the_record_line(tmp_path: Path) -> None:
    content = f'a,b\n1,2\n3,"{CANARY} never closed\n4,5\n6,7\n'.encode()
    error = fatal(tmp_path, content)
    assert error.line == 3
    assert "unterminated quoted field starting on line 3" in str(error)


def test_text_after_closing_quote(tmp_path: Path) -> None:
    error = fatal(tmp_path, f'a,b\n1,2\n"x\ny"z{CANARY},3\n'.encode())
    assert error.line == 4
    assert "quoted field must end" in str(error)


def test_nul_byte(tmp_path: Path) -> None:
    error = fatal(tmp_path, f"a,b\n1,2\n3,{CANARY}\0\n".encode())
    assert error.line == 3 and "NUL" in str(error)


def test_bad_utf8_names_the_exact_line_even_far_ahead(tmp_path: Path) -> None:
    lines = ["id,summary"] + [f"{i},{'é' * (i % 40)}" for i in range(1, 6000)]
    lines[4321] = f"4321,{CANARY}\udcff"  # becomes a lone 0xff byte
    content = "\n".join(lines).encode("utf-8", "surrogateescape")
    error = fatal(tmp_path, content)
    assert error.line == 4322
    assert "not valid UTF-8" in str(error) and "--encoding" in str(error)


def test_bad_utf8_split_across_reads(tmp_path: Path) -> None:
    for size in range(8180, 8200):  # an incomplete sequence right at the decoder's chunk edge
        content = b"a\n" + b"x" * size + b"\n\xc3\n"
        assert fatal(tmp_path, content).line == 3


def test_utf16_without_encoding_is_fatal(tmp_path: Path) -> None:
    error = fatal(tmp_path, "id,name\n1,x\n".encode("utf-16"))
    assert error.line == 1 and "--encoding utf-16" in str(error)


def test_utf16_without_bom_is_caught_as_nul(tmp_path: Path) -> None:
    error = fatal(tmp_path, "id,name\n1,x\n".encode("utf-16-le"))
    assert error.line == 1 and "NUL" in str(error)


def test_cell_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_importer, "MAX_CELL_CHARS", 100)
    error = fatal(tmp_path, b"a\nshort\n" + CANARY.encode() * 20 + b"\n")
    assert error.line == 3 and "longer than 100 characters" in str(error)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the file"):
        list(read_rows(str(tmp_path / "nope.csv"), "csv"))


def test_unknown_encoding_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown encoding") as info:
        read_rows(str(tmp_path / "x.csv"), "csv", encoding="no-such-codec")
    assert info.value.exit_code == EXIT_USAGE


# -------------------------------------------------------------------------------------- row-level problems


def test_wrong_cell_count_is_row_level_and_reading_goes_on(tmp_path: Path) -> None:
    content = f'a,b\n1,2\n3,"{CANARY}\nmore",5\n6\n7,8\n'.encode()
    rows = rows_of(tmp_path, content)
    assert [r.line for r in rows] == [2, 3, 5, 6]
    assert rows[1].error == Problem(3, None, "row has 3 cells, header has 2")
    assert rows[1].data is None and rows[1].raw == ["3", f"{CANARY}\nmore", "5"]
    assert rows[2].error == Problem(5, None, "row has 1 cells, header has 2")
    assert rows[3].data == {"a": "7", "b": "8"}
    assert all(CANARY not in r.error.reason for r in rows if r.error)


# --------------------------------------------------------------------------------------------- formats


@pytest.mark.parametrize(
    ("path", "explicit", "expected"),
    [
        ("a.csv", None, "csv"),
        ("A.CSV", None, "csv"),
        ("a.json", None, "json"),
        ("a.jsonl", None, "jsonl"),
        ("a.NDJSON", None, "jsonl"),
        ("a.txt", "csv", "csv"),
        ("a.csv", "JSON", "json"),
        ("-", "jsonl", "jsonl"),
    ],
)
def test_detect_format(path: str, explicit: str | None, expected: str) -> None:
    assert detect_format(path, explicit) == expected


@pytest.mark.parametrize(("path", "explicit"), [("-", None), ("a.txt", None), ("noext", None), ("a.csv", "xml")])
def test_detect_format_refuses(path: str, explicit: str | None) -> None:
    with pytest.raises(InputError, match="--format") as info:
        detect_format(path, explicit)
    assert info.value.exit_code == EXIT_USAGE


# ------------------------------------------------------------------------------------------------ rejects


def test_csv_rejects_round_trip(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(f'a,b\n1,2\n3,"x,\n{CANARY}",9\n=cmd,4\n'.encode())
    reader = read_rows(str(source), "csv")
    rows = list(reader)
    rejects = [
        (rows[1], [rows[1].error]),
        (rows[2], [Problem(5, "a", "not in the vocabulary"), Problem(5, None, "second problem")]),
    ]
    out = tmp_path / "rejects.csv"
    with out.open("w", encoding="utf-8", newline="") as stream:
        write_rejects("csv", rejects, stream, reader.header)
    assert out.read_bytes().startswith(b"'rejected_line,rejected_reasons,a,b\r\n")  # marked, like exports
    back = list(read_rows(str(out), "csv"))
    assert back[0].raw == ["3", "row has 3 cells, header has 2", "3", f"x,\n{CANARY}", "9"]
    reasons = "a: not in the vocabulary; second problem"
    assert back[1].data == {"rejected_line": "5", "rejected_reasons": reasons, "a": "=cmd", "b": "4"}
