"""A full disk: a write that cannot finish leaves the database exactly as it was (exit 1, "disk full"),
and a failed export leaves no partial file and keeps an existing one intact.

The database case is simulated with ``CASEFILE_MAX_PAGE_COUNT`` (a test hook: ``PRAGMA max_page_count``)
and, where the tests run as root and may mount, proved on a real 1 MiB tmpfs."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from reliability import CANARY, canary_records, integrity, no_canary, record, scalar, write_jsonl

from conftest import DATA, dump, file_hash

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


@pytest.fixture
def tiny_disk(tmp_path: Path):
    """A real 4 MiB tmpfs (root only); skipped where mounting is not allowed."""
    mountpoint = tmp_path / "tiny"
    mountpoint.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(mountpoint)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("this machine does not allow mounting a tmpfs")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=False)


def fill(folder: Path, leave: int) -> None:
    """Fill the file system holding ``folder`` until only about ``leave`` bytes are free."""
    free = shutil.disk_usage(folder).free - leave
    with open(folder / "filler", "wb") as fh:
        try:
            fh.write(b"\0" * max(free, 0))
            fh.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC


def test_real_full_disk_rolls_back_import_and_keeps_old_export(cli, tiny_disk: Path, tmp_path: Path) -> None:
    db = tiny_disk / "casefile.db"
    assert cli("--db", db, "import", DATA / "accounts.json").exit_code == 0
    target = tiny_disk / "accounts.json"
    assert cli("--db", db, "export", "--format", "json", "-o", target).exit_code == 0
    old_export = file_hash(target)
    source = write_jsonl(tmp_path / "many.jsonl", canary_records(4000))
    before = dump(db)
    fill(tiny_disk, leave=48 * 1024)

    result = cli("--db", db, "import", source)
    assert (result.exit_code, result.stderr) == (1, DISK_FULL)
    assert dump(db) == before
    assert integrity(db) == "ok"
    assert not (tiny_disk / "casefile.db-journal").exists()

    (tiny_disk / "filler").unlink()
    fill(tiny_disk, leave=1024)
    exported = cli("--db", db, "export", "--format", "json", "--include-restricted", "-o", target)
    assert exported.exit_code == 1
    assert exported.stderr.startswith(f"error: disk full while writing {target}: no file was written")
    assert file_hash(target) == old_export
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["accounts.json", "casefile.db", "filler"]
    record("disk full: real tmpfs", runs=1, unchanged=1, partial_files=0)


@pytest.mark.parametrize(
    "where",
    ["mid-write", "fsync", "create"],
)
def test_failed_export_leaves_no_partial_file_and_keeps_the_old_one(
    cli, seeded: Path, tmp_path: Path, monkeypatch, where: str
) -> None:
    from casefile.exporters import json as json_format
    from casefile.exporters import output

    target = tmp_path / "out" / "accounts.json"
    target.parent.mkdir()
    target.write_text("the previous export\n", encoding="utf-8")
    old = file_hash(target)
    calls = {"n": 0}

    def full(*args: object) -> str:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_encode(*args)  # type: ignore[arg-type]

    real_encode = json_format.encode_account
    if where == "mid-write":
        monkeypatch.setattr(json_format, "encode_account", full)
    elif where == "fsync":
        monkeypatch.setattr(output.os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.EDQUOT, "quota")))
    else:

        def refuse(*args: object, **kwargs: object) -> int:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

        monkeypatch.setattr(output.os, "open", refuse)

    result = cli("export", "--format", "json", "--include-restricted", "-o", target)
    assert result.exit_code == 1
    kept = "no file was written and an existing one is unchanged"
    if where == "create":
        assert result.stderr == (
            f"error: cannot write {target} (Permission denied); check that the folder exists and that you may "
            "write there\n"
        )
    else:
        assert result.stderr.startswith(f"error: disk full while writing {target}: {kept}")
    assert file_hash(target) == old
    assert [p.name for p in target.parent.iterdir()] == ["accounts.json"]
    record(f"failed export ({where})", runs=1, partial_files=0, old_file_intact=1)
