"""Two backups into one folder in the same second get two files, neither refused nor overwritten."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from conftest import DATA


def test_two_backups_in_the_same_second_do_not_collide(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from casefile import maintenance

    monkeypatch.setattr(maintenance, "now", lambda: "2026-12-07T17:50:00Z")  # the same second for both
    assert cli("import", DATA / "accounts.json").exit_code == 0
    folder = tmp_path / "backups"
    folder.mkdir()
    first = cli("backup", folder)
    assert first.exit_code == 0, first.stderr
    assert cli("add", "--name", "Person Z", "--org", "Group", "--source-title", "T").exit_code == 0
    second = cli("backup", f"{folder}/")
    assert second.exit_code == 0, second.stderr
    files = sorted(folder.iterdir())
    assert len(files) == 2 and all(f.name.startswith("casefile-2026-12-07T175000Z") for f in files)
    counts = sorted(sqlite3.connect(f).execute("SELECT count(*) FROM accounts").fetchone()[0] for f in files)
    assert counts[1] == counts[0] + 1  # the first backup was kept as it was; the second has the new account
