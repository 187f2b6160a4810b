"""Exports meant to be shared: restricted accounts left out unless asked, ``--redact`` blanks fields,
``--pseudonymise`` replaces names with stable keyed pseudonyms. "Gone" is checked on the output's bytes."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import pytest
from reliability import CANARY, record

from casefile import model, privacy

from conftest import DATA, sample_records, stored

FORMATS = ["csv", "json", "jsonl", "md"]


@pytest.fixture
def seeded(cli, db: Path) -> Path:
    assert cli("import", DATA / "accounts.json").exit_code == 0
    return db


def export(cli, *args: object) -> str:
    result = cli("export", *args)
    assert result.exit_code == 0, result.stderr
    return str(result.stdout)


def names() -> list[str]:
    """Every name and alias in the sample data."""
    out = []
    for r in sample_records():
        out += [r["name"], *r.get("aliases", [])] if r.get("name") else r.get("aliases", [])
    return [n for n in out if n]


@pytest.mark.parametrize("fmt", FORMATS)
def test_restricted_accounts_stay_out_unless_asked(cli, db: Path, fmt: str) -> None:
    assert (
        cli("add", "--no-input", "--name", CANARY, "--summary", CANARY, "--confidentiality", "restricted").exit_code
        == 0
    )
    assert cli("add", "--no-input", "--name", "Shared").exit_code == 0
    assert CANARY not in export(cli, "--format", fmt)
    assert CANARY in export(cli, "--format", fmt, "--include-restricted")


@pytest.mark.parametrize("fmt", FORMATS)
def test_redacted_fields_leave_no_trace(cli, seeded: Path, fmt: str) -> None:
    out = export(cli, "--format", fmt, "--include-restricted", "--redact", "name", "--redact", "summary")
    summaries = [r["summary"] for r in sample_records() if r.get("summary")]
    for value in names() + summaries:
        assert value not in out, value
    assert re.search(r"\\?\[redacted\\?\] announced defection", out)
    if fmt == "json":
        rows = json.loads(out)
        assert {r["name"] for r in rows} == {None} and {tuple(r["aliases"]) for r in rows} == {()}


@pytest.mark.parametrize("option", ["--redact", "--pseudonymise"])
def test_unknown_fields_are_usage_errors(cli, seeded: Path, option: str, tmp_path: Path) -> None:
    for bad in ("nmae", "name,(select 1)", "left" if option == "--pseudonymise" else "summary,x"):
        result = cli("export", option, bad, "--pseudonym-key", tmp_path / "k", "--new-key")
        assert result.exit_code == 2, result.stderr
        assert "choose from: " in result.stderr and result.stdout == ""
    assert not (tmp_path / "k").exists(), "no key file is made for a refused command"


def test_pseudonyms_are_stable_under_one_key_and_differ_under_another(cli, seeded: Path, tmp_path: Path) -> None:
    key, other = tmp_path / "one.key", tmp_path / "two.key"
    old = os.umask(0)
    try:
        first = export(cli, "--format", "json", "--pseudonymise", "name", "--pseudonym-key", key, "--new-key")
    finally:
        os.umask(old)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert re.fullmatch(r"[0-9a-f]{64}\n", key.read_text())
    again = export(cli, "--format", "json", "--pseudonymise", "name", "--pseudonym-key", key)
    assert again == first
    export(cli, "--format", "json", "--pseudonymise", "name", "--pseudonym-key", other, "--new-key")
    elsewhere = export(cli, "--format", "json", "--pseudonymise", "name", "--pseudonym-key", other)
    assert elsewhere != first
    for value in names():
        assert value not in first, value  # in name, aliases and in other text fields (a source title here)
    rows = json.loads(first)
    pseudonyms = [r["name"] for r in rows if r["name"]]
    assert all(re.fullmatch(r"person-[0-9a-f]{12}", p) for p in pseudonyms)
    assert len(set(pseudonyms)) == len(pseudonyms)
    assert key.read_text().strip() not in first
    record("pseudonymised export", names=len(names()), names_left=0, stable_under_one_key=1, other_key_differs=1)


def test_one_name_one_pseudonym_across_records(tmp_path: Path) -> None:
    key = tmp_path / "k"
    shape = privacy.plan([], ["name"], str(key), True)
    assert shape is not None
    a = model.Account({"name": "Ali  Rahimi", "aliases": ["A. R."], "summary": "Ali Rahimi said so"})
    b = model.Account({"name": "ali rahimi", "aliases": []})
    c = model.Account({"name": "Sara", "aliases": ["Ali Rahimi"]})
    x, y, z = shape([a, b, c])
    assert x["name"] == y["name"] == z["aliases"][0] != z["name"]
    assert x["summary"] == f"{x['name']} said so"


def test_key_file_problems_are_clear(cli, seeded: Path, tmp_path: Path) -> None:
    key = tmp_path / "k"
    missing = cli("export", "--pseudonymise", "name", "--pseudonym-key", key)
    assert (missing.exit_code, missing.stderr) == (
        1,
        f"error: no pseudonym key at {key}; pass --new-key to create one there\n",
    )
    assert cli("export", "--pseudonymise", "name", "--pseudonym-key", key, "--new-key").exit_code == 0
    again = cli("export", "--pseudonymise", "name", "--pseudonym-key", key, "--new-key")
    assert again.exit_code == 2 and "never overwritten" in again.stderr
    os.chmod(key, 0o644)
    shared = cli("export", "--pseudonymise", "name", "--pseudonym-key", key)
    assert shared.exit_code == 1 and "can be read by other users" in shared.stderr and shared.stdout == ""
    bad = tmp_path / "bad"
    bad.write_text("not a key\n")
    os.chmod(bad, 0o600)
    assert "not a casefile pseudonym key" in cli("export", "--pseudonymise", "name", "--pseudonym-key", bad).stderr
    assert cli("export", "--pseudonym-key", key).exit_code == 2
    assert cli("export", "--pseudonymise", "name").exit_code == 2
    both = cli("export", "--pseudonymise", "name", "--redact", "aliases", "--pseudonym-key", key)
    assert both.exit_code == 2 and "either redacted or pseudonymised" in both.stderr


@pytest.mark.parametrize("redact", [["confidentiality"], ["summary,confidentiality"], ["name", "confidentiality"]])
def test_the_confidentiality_marker_cannot_be_redacted(cli, db: Path, tmp_path: Path, redact: list[str]) -> None:
    """A blank marker imports as the default, 'internal': a restricted record would arrive unprotected."""
    assert cli("add", "--no-input", "--name", "Held", "--confidentiality", "restricted").exit_code == 0
    out = tmp_path / "shared.json"
    args = [a for r in redact for a in ("--redact", r)]
    result = cli("export", "--format", "json", "--include-restricted", *args, "-o", out)
    assert result.exit_code == 2 and result.stdout == ""
    assert "confidentiality cannot be redacted" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_a_redacted_restricted_record_stays_restricted_where_it_is_imported(cli, db: Path, tmp_path: Path, fmt: str):
    assert (
        cli("add", "--no-input", "--name", "Held", "--summary", "x", "--confidentiality", "restricted").exit_code == 0
    )
    shared = tmp_path / f"shared.{fmt}"
    redacted = cli("export", "--format", fmt, "--include-restricted", "--redact", "summary,name", "-o", shared)
    assert redacted.exit_code == 0, redacted.stderr
    other = tmp_path / "other.db"
    assert cli("--db", other, "import", shared).exit_code == 0
    (row,) = stored(other)
    assert row["confidentiality"] == "restricted" and row["summary"] is None
