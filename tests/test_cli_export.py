"""`casefile export` through the CLI: where the output may go, what it may contain, stdin and stdout."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import assert_no_leak, error_lines, file_hash

FORMATS = ["csv", "json", "jsonl", "md"]


def no_crash_log(tmp_path: Path) -> bool:
    return not (tmp_path / "xdg-state" / "casefile" / "last-error.log").exists()


# ------------------------------------------------------------------------------------ where output may go


@pytest.mark.parametrize("spelling", ["same", "dotdot", "symlink"])
def test_export_never_replaces_the_database(cli, seeded: Path, tmp_path: Path, spelling: str) -> None:
    before = file_hash(seeded)
    target = {
        "same": seeded,
        "dotdot": tmp_path / "sub" / ".." / seeded.name,
        "symlink": tmp_path / "link.db",
    }[spelling]
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.db").symlink_to(seeded)
    result = cli("export", "--format", "json", "-o", target)
    assert result.exit_code == 2
    assert error_lines(result) == [f"error: refusing to write {target}: it is the database; choose another file"]
    assert file_hash(seeded) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary file left


@pytest.mark.parametrize("where", ["missing folder", "a folder", "under a file"])
def test_export_that_cannot_be_written_is_one_line(cli, seeded: Path, tmp_path: Path, where: str) -> None:
    target = {
        "missing folder": tmp_path / "no" / "such" / "x.json",
        "a folder": tmp_path,
        "under a file": seeded / "x.json",
    }[where]
    listing = sorted(os.listdir(tmp_path))
    result = cli("export", "--format", "json", "-o", target)
    assert result.exit_code == 1
    (line,) = error_lines(result)
    assert line.startswith(f"error: cannot write {target} (") and line.endswith(
        "); check that the folder exists and that you may write there"
    )
    assert_no_leak(result)
    assert no_crash_log(tmp_path)
    assert sorted(os.listdir(tmp_path)) == listing
