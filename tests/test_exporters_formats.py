"""Exporters: exact CSV/JSON/JSONL bytes, formula neutralising, a Markdown dossier that data cannot restructure,
round trips through the importers, and atomic 0600 output files."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casefile.errors import OutputError, UsageError
from casefile.exporters import FORMATS, open_output, write_accounts
from casefile.exporters.csv import csv_line
from casefile.importers import read_rows
from casefile.model import CSV_COLUMNS, JSON_KEYS, Account, FuzzyDate, to_csv_row, to_json_dict

BLNS = json.loads((Path(__file__).resolve().parent / "corpora" / "blns" / "blns.json").read_text(encoding="utf-8"))
DANGEROUS = ['=HYPERLINK("http://evil")', "+1", "-5", "@SUM(A1)", "\tx", "\rx", "\nx", "\0x"]


def full_account() -> Account:
    return Account(
        {
            "id": "3f9a1c2e7b4d5a60",
            "external_id": "NEJAT-2024-017",
            "name": "Ali Mohammad Rahimi Alashti",
            "aliases": ["Rahimi", "A. M. Rahimi"],
            "gender": "male",
            "birth_year": 1965,
            "nationality": "IR",
            "organization": "Mujahedin-e Khalq (MEK)",
            "role": "member",
            "joined": FuzzyDate("1990", "1990", "1990-01-01", "1990-12-31", "year"),
            "left": FuzzyDate("around 2023", "~2023", "2023-01-01", "2023-12-31", "year"),
            "announced": FuzzyDate("1886", "1986", "1986-01-01", "1986-12-31", "year", "1986", "typo in source"),
            "years_in_org": 34.0,
            "left_from": "Ashraf 3, Manez, Albania",
            "exit_type": "permitted",
            "reasons": ["no_future", "isolation_from_family"],
            "allegations": [],
            "summary": 'Former POW, "recruited" in 1990;\nleft after 34 years.\r\n\r\nSecond paragraph.',
            "tags": ["pow"],
            "confidentiality": "internal",
            "source_url": "https://example.org/a/17",
            "source_date": FuzzyDate("2024-01-02", "2024-01-02", "2024-01-02", "2024-01-02", "day"),
            "source_reliability": "F",
            "source_credibility": "3",
        }
    )


def accounts() -> list[Account]:
    persian = Account({"id": "b2", "name": "علی رضایی", "summary": "می‌خواهم", "years_in_org": 2.5, "birth_year": 1970})
    naughty = [Account({"id": f"n{i}", "name": s, "summary": s, "aliases": [s, s]}) for i, s in enumerate(BLNS)]
    return [full_account(), Account({"id": "a1"}), persian, *naughty]


def export(fmt: str, items: list[Account], **kwargs: bool) -> tuple[str, int]:
    out = io.StringIO(newline="")
    count = write_accounts(fmt, items, out, **kwargs)
    return out.getvalue(), count


# -------------------------------------------------------------------------------------------------------- CSV


def test_csv_bytes_match_csv_writer() -> None:
    items = accounts()
    text, count = export("csv", items, safe_csv=False)
    expected = io.StringIO(newline="")
    writer = csv.writer(expected)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(to_csv_row(a) for a in items)
    assert count == len(items)
    assert text == expected.getvalue()
    assert text.startswith(",".join(CSV_COLUMNS) + "\r\n")


def test_csv_line_quotes_minimally() -> None:
    assert csv_line(["a", "", "b c", 'x"y', "p,q", "l\nm", "r\rs", " "]) == 'a,,b c,"x""y","p,q","l\nm","r\rs", \r\n'


def test_formula_cells_are_neutralised() -> None:
    items = [Account({"id": "f1", "name": value, "summary": value, "aliases": [value]}) for value in DANGEROUS]
    text, _ = export("csv", items)
    rows = list(csv.reader(io.StringIO(text, newline="")))[1:]
    for value, row in zip(DANGEROUS, rows, strict=True):
        cells = dict(zip(CSV_COLUMNS, row, strict=True))
        assert cells["name"] == "'" + value and cells["summary"] == "'" + value and cells["aliases"] == "'" + value
    every_cell = [cell for row in rows for cell in row]
    assert not [cell for cell in every_cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r", "\n", "\0")]


def test_blns_never_starts_a_cell_with_a_formula_character() -> None:
    text, _ = export("csv", accounts())
    cells = [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r", "\n", "\0")]


def test_raw_csv_keeps_formula_cells() -> None:
    text, _ = export("csv", [Account({"name": "=1+1", "birth_year": -5})], safe_csv=False)
    assert "\r\n,,=1+1,,,,-5," in text  # id, external_id, name, aliases, gender, gender_code, birth_year


def test_empty_csv_is_just_the_header() -> None:
    assert export("csv", []) == ("'" + ",".join(CSV_COLUMNS) + "\r\n", 0)  # marked: its cells are neutralised
    assert export("csv", [], safe_csv=False) == (",".join(CSV_COLUMNS) + "\r\n", 0)


# ------------------------------------------------------------------------------------------------ JSON, JSONL


def test_json_exact_bytes() -> None:
    items = accounts()
    text, count = export("json", items)
    assert count == len(items)
    assert text == "[\n" + ",\n".join(json.dumps(to_json_dict(a), ensure_ascii=False) for a in items) + "\n]\n"
    assert list(json.loads(text)[0]) == list(JSON_KEYS)


def test_jsonl_exact_bytes() -> None:
    items = accounts()
    text, _ = export("jsonl", items)
    assert text == "".join(json.dumps(to_json_dict(a), ensure_ascii=False) + "\n" for a in items)


@pytest.mark.parametrize(("fmt", "expected"), [("json", "[]\n"), ("jsonl", ""), ("md", "# Case file: accounts\n")])
def test_empty_exports(fmt: str, expected: str) -> None:
    text, count = export(fmt, [])
    assert count == 0 and text.startswith(expected)


def test_json_export_is_streamed() -> None:
    def generate() -> Iterator[Account]:
        yield Account({"id": "1"})
        assert out.getvalue().startswith('[\n{"id": "1"')  # written before the next account is asked for
        yield Account({"id": "2"})

    out = io.StringIO()
    assert write_accounts("json", generate(), out) == 2


def test_nan_is_refused_not_written() -> None:
    with pytest.raises(ValueError):
        export("json", [Account({"years_in_org": float("nan")})])


def test_unknown_format() -> None:
    with pytest.raises(UsageError, match="unknown export format"):
        export("xml", [])
    assert FORMATS == ("csv", "json", "jsonl", "md", "ftm")


# ------------------------------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_round_trip(tmp_path: Path, fmt: str) -> None:
    items = accounts()
    path = tmp_path / f"out.{fmt}"
    with open_output(str(path)) as out:
        write_accounts(fmt, items, out)
    rows = list(read_rows(str(path), fmt))
    assert [row.error for row in rows] == [None] * len(items)
    assert [row.data for row in rows] == [to_json_dict(a) for a in items]
    assert [json.dumps(row.data, ensure_ascii=False) for row in rows] == [row.raw for row in rows]


@pytest.mark.parametrize("safe", [False, True])
def test_csv_round_trip(tmp_path: Path, safe: bool) -> None:
    items = accounts()
    path = tmp_path / "out.csv"
    with open_output(str(path)) as out:
        write_accounts("csv", items, out, safe_csv=safe)
    reader = read_rows(str(path), "csv")
    rows = list(reader)
    assert reader.header == list(CSV_COLUMNS)
    for account, row in zip(items, rows, strict=True):
        assert row.raw == to_csv_row(account)  # the spreadsheet marks are taken off again


text = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=40)
account_values = st.fixed_dictionaries(
    {"id": text, "name": st.none() | text, "summary": text, "aliases": st.lists(text, max_size=3)},
    optional={"birth_year": st.integers(-9999, 9999), "years_in_org": st.floats(allow_nan=False, allow_infinity=False)},
)


@settings(max_examples=300, deadline=None)
@given(st.lists(account_values, max_size=4))
def test_round_trips_for_any_text(values: list[dict[str, object]]) -> None:
    """Whatever text an account holds (control characters, CR/LF, quotes, RTL), export → import gives it back."""
    items = [Account(dict(v)) for v in values]
    for fmt in ("json", "jsonl", "csv"):
        data, _ = export(fmt, items, safe_csv=False)
        rows = list(read_rows("mem", fmt, stream=io.BytesIO(data.encode("utf-8"))))
        if fmt == "csv":
            assert [row.raw for row in rows] == [to_csv_row(a) for a in items]
        else:
            assert [row.data for row in rows] == [to_json_dict(a) for a in items]


# --------------------------------------------------------------------------------------------------- Markdown


def test_markdown_dossier_layout() -> None:
    text, count = export("md", [full_account(), Account({"id": "a1"})])
    assert count == 2
    assert text.startswith("# Case file: accounts\n\n## Ali Mohammad Rahimi Alashti\n\n- **id:** 3f9a1c2e7b4d5a60\n")
    assert "## (unnamed)\n\n- **id:** a1\n" in text
    for title in ("### Person", "### Membership", "### Exit", "### Coding", "### Source", "### Summary"):
        assert title in text
    assert "- **aliases:** Rahimi; A. M. Rahimi\n" in text
    assert "- **years\\_in\\_org:** 34\n" in text
    assert (
        "- **announced:** 1886 (corrected: 1986; typo in source) — read as 1986 (year, 1986-01-01 to 1986-12-31)\n"
        in text
    )
    assert "allegations" not in text  # empty fields are left out
    assert 'Former POW, "recruited" in 1990;\\\nleft after 34 years.\\\n\\\nSecond paragraph.\n' in text


def test_markdown_cannot_be_restructured_by_data() -> None:
    markdown_it = pytest.importorskip("markdown_it")
    hostile = (
        "# Heading\n- item\n1. one\n> quote\n    code\n```\n[link](http://evil.example) ![img](x.png) "
        "<script>alert(1)</script> <http://evil.example> &lt; *em* _em_ `code` | a | b |\n=== \n---\n\n\x1b[2J\u202e"
    )
    items = [Account({"id": "h", "name": hostile, "summary": hostile, "aliases": [hostile], "role": hostile})]
    text, _ = export("md", items)
    tokens = markdown_it.MarkdownIt("commonmark").enable("table").parse(text)
    kinds = {t.type for t in tokens} | {c.type for t in tokens for c in t.children or []}
    assert kinds.isdisjoint({"link_open", "image", "html_inline", "html_block", "code_inline", "code_block", "fence",
                             "blockquote_open", "ordered_list_open", "em_open", "table_open", "hr"})  # fmt: skip
    headings = [t for t in tokens if t.type == "heading_open"]
    assert [h.tag for h in headings] == ["h1", "h2", "h3", "h3", "h3"]  # title, account, person, membership, summary
    assert "\x1b" not in text and "\u202e" not in text and "⟨U+001B⟩" in text
    html = markdown_it.MarkdownIt("commonmark").render(text)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_markdown_keeps_text_visible() -> None:
    text, _ = export("md", [Account({"name": "Zoë می‌خواهم", "summary": "a_b * c"})])
    assert "## Zoë می‌خواهم\n" in text  # ZWNJ kept
    assert "a\\_b \\* c" in text


def test_markdown_blns_sections() -> None:
    markdown_it = pytest.importorskip("markdown_it")
    items = accounts()
    text, _ = export("md", items)
    tokens = markdown_it.MarkdownIt("commonmark").parse(text)
    assert sum(1 for t in tokens if t.type == "heading_open" and t.tag == "h2") == len(items)
    assert not {t.type for t in tokens} & {"html_block", "code_block", "fence", "blockquote_open"}


# ------------------------------------------------------------------------------------------------ open_output


def test_open_output_replaces_atomically_keeping_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "export.csv"
    target.write_text("old")
    os.chmod(target, 0o644)
    old_umask = os.umask(0o022)
    try:
        with open_output(str(target)) as out:
            out.write("new\r\n")
            assert target.read_text() == "old"  # nothing visible until the end
    finally:
        os.umask(old_umask)
    assert target.read_bytes() == b"new\r\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644  # the mode its owner gave it; a new file is 0600
    assert os.listdir(tmp_path) == ["export.csv"]


def test_open_output_mode_under_a_restrictive_umask(tmp_path: Path) -> None:
    old_umask = os.umask(0o277)
    try:
        with open_output(str(tmp_path / "x.json")) as out:
            out.write("[]\n")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE((tmp_path / "x.json").stat().st_mode) == 0o600


@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_open_output_failure_leaves_old_file_intact(tmp_path: Path, exc: type[BaseException]) -> None:
    target = tmp_path / "export.json"
    target.write_bytes(b"precious\r\n\x00bytes")

    def failing() -> Iterator[Account]:
        yield full_account()
        raise exc

    with pytest.raises(exc), open_output(str(target)) as out:
        write_accounts("json", failing(), out)
    assert target.read_bytes() == b"precious\r\n\x00bytes"
    assert os.listdir(tmp_path) == ["export.json"]


def test_open_output_failure_without_old_file_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), open_output(str(tmp_path / "new.csv")) as out:
        out.write("partial")
        raise RuntimeError
    assert os.listdir(tmp_path) == []


def test_open_output_into_missing_folder(tmp_path: Path) -> None:
    with (
        pytest.raises(OutputError, match="there is no folder .*/no; create it first"),
        open_output(str(tmp_path / "no" / "x.csv")),
    ):
        pass


def test_open_output_refuses_a_protected_file(tmp_path: Path) -> None:
    precious = tmp_path / "cases.db"
    precious.write_bytes(b"precious")
    with (
        pytest.raises(UsageError, match="it is the database"),
        open_output(str(tmp_path / "." / "cases.db"), protect={str(precious): "the database"}),
    ):
        pass
    assert os.listdir(tmp_path) == ["cases.db"] and precious.read_bytes() == b"precious"


@pytest.mark.parametrize("path", [None, "-"])
def test_open_output_stdout(path: str | None, capsys: pytest.CaptureFixture[str]) -> None:
    with open_output(path) as out:
        write_accounts("jsonl", [Account({"id": "1"})], out)
    assert capsys.readouterr().out.startswith('{"id": "1"')
