"""A source several accounts cite is one row: its text must be pseudonymised or redacted against the names
of every account that cites it, not only the account being written (issue 17, second round). Otherwise the
last account's pass decides what is written, and the other subjects' names in a shared title leak."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

TITLE = "Interview with Marek Kowalski and Leyla Hosseini"
SURNAMES = (b"kowalski", b"hosseini")


def accounts(tmp_path: Path) -> Path:
    """Two public accounts citing one source (the same URL) whose title names both subjects, and a restricted
    one citing it too (its subject is named in the publisher)."""
    rows = [
        {"name": "Marek Kowalski", "summary": "Kowalski left in 2001.", "organization": "MEK"},
        {"name": "Leyla Hosseini", "summary": "Hosseini left in 2003.", "organization": "MEK"},
    ]
    path = tmp_path / "shared.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            source = {"title": TITLE, "url": "https://example.org/shared", "role": "primary"}
            fh.write(json.dumps({**row, "confidentiality": "public", "sources": [source]}) + "\n")
        restricted = {"title": TITLE, "url": "https://example.org/shared", "publisher": "Radio Zarghami"}
        fh.write(
            json.dumps(
                {
                    "name": "Parisa Zarghami",
                    "summary": "told us",
                    "organization": "MEK",
                    "confidentiality": "restricted",
                    "sources": [{**restricted, "role": "primary"}],
                }
            )
            + "\n"
        )
    return path


def named(data: bytes) -> list[bytes]:
    low = data.lower()
    return [s for s in (*SURNAMES, b"zarghami") if s in low]


@pytest.mark.parametrize("how", ["pseudonymise", "redact"])
@pytest.mark.parametrize("command", ["publish", "export", "publish-ftm"])
def test_a_shared_source_names_no_subject_of_any_account_citing_it(cli, tmp_path: Path, how: str, command: str) -> None:
    result = cli("import", accounts(tmp_path))
    assert result.exit_code == 0, result.stderr
    key = tmp_path / "pseudonyms.key"
    shaping = ["--pseudonymise", "name", "--pseudonym-key", key, "--new-key"] if how == "pseudonymise" else []
    shaping = shaping or ["--redact", "name"]
    out = tmp_path / ("shared.db" if command == "publish" else "shared.out")
    args = {
        "publish": ["publish", out],
        "export": ["export", "--format", "jsonl", "-o", out],
        "publish-ftm": ["publish", "--format", "ftm", out],
    }[command]
    result = cli(*args, *shaping)
    assert result.exit_code == 0, result.stderr
    data = out.read_bytes()
    assert named(data) == []
    assert b"Interview with" in data  # the title itself is published, its names replaced
    if command == "publish":
        conn = sqlite3.connect(out)
        titles = [r[0] for r in conn.execute("SELECT title FROM sources")]
        flat = {r[0] for r in conn.execute("SELECT source_title FROM accounts")}
        conn.close()
        assert len(titles) == 1 and flat == set(titles)  # one row, and each account's copy says the same
        if how == "redact":
            assert titles == ["Interview with [redacted] and [redacted]"]
        else:
            assert "person-" in titles[0] and "[redacted]" not in titles[0]
