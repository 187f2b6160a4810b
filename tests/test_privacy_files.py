"""Files casefile creates are readable by the user alone - database, journal, exports, rejects files, the
crash log - and folders it creates are 0700, whatever the umask (022 and 000 tried). Opening a database
others can read prints a warning."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from reliability import record

from casefile.store import Store

from conftest import DATA


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o022, 0o000], ids=["umask-022", "umask-000"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def test_everything_casefile_creates_is_private(cli, tmp_path: Path, umask: int) -> None:
    db = tmp_path / "a" / "b" / "casefile.db"
    assert cli("--db", db, "init").exit_code == 0
    assert cli("--db", db, "import", DATA / "accounts.json").exit_code == 0
    exported = tmp_path / "out.json"
    assert cli("--db", db, "export", "--format", "json", "-o", exported).exit_code == 0
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"name": "x", "left": "2024-02-30"}\n{"name": "y"}\n', encoding="utf-8")
    rejects = tmp_path / "rejects.jsonl"
    assert cli("--db", db, "import", bad, "--skip-bad-rows", "--rejects", rejects).exit_code == 4

    store = Store.open(db)  # a write in progress: the rollback journal exists now
    with pytest.raises(LookupError), store.transaction() as conn:
        conn.execute("UPDATE accounts SET role = 'x'")
        journal_mode = mode(db.with_name(db.name + "-journal"))
        raise LookupError("roll back")
    store.close()

    files = {"database": mode(db), "journal": journal_mode, "export": mode(exported), "rejects": mode(rejects)}
    folders = {"a": mode(tmp_path / "a"), "a/b": mode(tmp_path / "a" / "b")}
    assert files == dict.fromkeys(files, 0o600)
    assert folders == dict.fromkeys(folders, 0o700)
    record(f"file modes under umask {umask:03o}", files=len(files), folders=len(folders), readable_by_others=0)


def test_default_location_folders_are_private(cli, tmp_path: Path, monkeypatch, umask: int) -> None:
    monkeypatch.delenv("CASEFILE_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "fresh" / "share"))
    assert cli("init").exit_code == 0
    for folder in (tmp_path / "fresh", tmp_path / "fresh" / "share", tmp_path / "fresh" / "share" / "casefile"):
        assert mode(folder) == 0o700, folder
    assert mode(tmp_path / "fresh" / "share" / "casefile" / "casefile.db") == 0o600


def test_a_database_others_can_read_gets_a_warning(cli, db: Path) -> None:
    assert cli("init").exit_code == 0
    assert cli("list", "--format", "json").stderr == ""
    os.chmod(db, 0o644)
    result = cli("list", "--format", "json")
    assert result.exit_code == 0
    assert result.stderr == f"warning: {db} can be read by other users; run `chmod 600 {db}`\n"
    os.chmod(db, 0o600)
    assert cli("list", "--format", "json").stderr == ""
