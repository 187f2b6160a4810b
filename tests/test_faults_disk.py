"""A full disk: a write that cannot finish leaves the database exactly as it was (exit 1, "disk full"),
and a failed export leaves no partial file and keeps an existing one intact.

The database case is simulated with ``CASEFILE_MAX_PAGE_COUNT`` (a test hook: ``PRAGMA max_page_count``)
and, where the tests run as root and may mount, proved on a real 1 MiB tmpfs."""

from __future__ import annotations

from pathlib import Path

import pytest
from reliability import CANARY, canary_records, integrity, no_canary, record, scalar, write_jsonl

from conftest import DATA, dump

DISK_FULL = "error: disk full: nothing was written; free some space and try again\n"


def page_count(db: Path) -> int:
    return int(scalar(db, "PRAGMA page_count"))


@pytest.fixture
def seeded(cli, db: Path) -> Path:
    assert cli("import", DATA / "accounts.json").exit_code == 0
    return db


def test_import_on_a_full_disk_exits_1_and_changes_nothing(cli, seeded: Path, tmp_path: Path, monkeypatch) -> None:
    before = dump(seeded)
    monkeypatch.setenv("CASEFILE_MAX_PAGE_COUNT", str(page_count(seeded) + 4))
    source = write_jsonl(tmp_path / "many.jsonl", canary_records(3000))
    result = cli("import", source)
    assert result.exit_code == 1
    assert result.stderr == DISK_FULL
    assert no_canary(result.stdout, result.stderr)
    assert dump(seeded) == before
    assert integrity(seeded) == "ok"
    monkeypatch.delenv("CASEFILE_MAX_PAGE_COUNT")
    assert cli("import", source).exit_code == 0, "the same import works once there is room"
    record("disk full: import", runs=1, unchanged=1)


def test_add_on_a_full_disk_exits_1_and_changes_nothing(cli, seeded: Path, monkeypatch) -> None:
    before = dump(seeded)
    monkeypatch.setenv("CASEFILE_MAX_PAGE_COUNT", str(page_count(seeded)))
    result = cli("add", "--no-input", "--name", CANARY, "--summary", CANARY * 20_000)
    assert (result.exit_code, result.stderr, result.stdout) == (1, DISK_FULL, "")
    assert dump(seeded) == before
    assert integrity(seeded) == "ok"
