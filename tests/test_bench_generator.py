"""The benchmark generator (benchmarks/generate.py) stays deterministic, prefix-stable and valid casefile input.

Not a timing test: it checks that what ``make bench`` measures is real, importable data in casefile's own
interchange format, so a change in validation cannot quietly turn the benchmark into a rejects run.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from casefile import model, vocab

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import generate  # noqa: E402


def text(rows: int, fmt: str) -> str:
    out = io.StringIO(newline="")
    generate.write(rows, fmt, out)
    return out.getvalue()


def test_columns_and_codes_match_casefile() -> None:
    assert generate.CSV_COLUMNS == model.TEMPLATE_COLUMNS
    assert set(generate.EXIT_REASONS) == vocab.codes("exit_reason")
    assert set(generate.ALLEGATIONS) == vocab.codes("allegation")
    assert set(generate.EXIT_TYPES) == vocab.codes("exit_type")
    assert set(generate.MULTI) == set(model.MULTI_FIELDS)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_first_rows_of_a_bigger_file_equal_a_smaller_file(fmt: str) -> None:
    small, big = text(50, fmt), text(120, fmt)
    assert big.startswith(small)
    assert text(50, fmt) == small  # deterministic


def test_json_array_holds_the_same_records_as_jsonl() -> None:
    records = json.loads(text(30, "json"))
    assert records == [json.loads(line) for line in text(30, "jsonl").splitlines()]
    assert json.loads(text(0, "json")) == []


def test_records_look_realistic() -> None:
    records = list(generate.Generator().records(3000))
    orgs = [r["organization"] for r in records]
    top = max(set(orgs), key=orgs.count)
    assert 0.1 < orgs.count(top) / len(orgs) < 0.3  # Zipf-skewed
    assert len(set(orgs)) > 150
    summaries = [r["summary"] for r in records]
    assert all(900 <= len(s) <= 2000 for s in summaries)
    assert all("," in s and "\n" in s for s in summaries)
    assert any('"' in s for s in summaries)
    names = "".join(r["name"] or "" for r in records)
    for sample in ("ř", "ی", "ة", "Д"):  # Latin with diacritics, Persian, Arabic, Cyrillic
        assert sample in names
    lefts = [r["left"] for r in records if r["left"]]
    for pattern in ("around ", "summer ", " SH", "–", "s", "?", "Jan.", "New Year"):
        assert any(pattern in d for d in lefts), pattern


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json"])
def test_every_generated_record_imports(fmt: str, cli, tmp_path: Path) -> None:
    path = tmp_path / f"accounts.{fmt}"
    with path.open("w", encoding="utf-8", newline="") as out:
        generate.write(1500, fmt, out)
    result = cli("import", path)
    assert result.exit_code == 0, result.stderr
    assert "1500 added, 0 updated, 0 unchanged" in result.stderr
