"""doctor: the leftovers a killed command leaves (temp files, stray journals, editor folders, backups kept by
restore-backup), ``doctor --clean``, and safe advice about the database's folder."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from reliability import CANARY, canary_records, count, integrity, write_jsonl

from conftest import DATA


@pytest.fixture
def db(tmp_path: Path, monkeypatch) -> Path:
    """The database in a folder of its own (0700), so a test sees every file beside it."""
    path = tmp_path / "research" / "casefile.db"
    path.parent.mkdir(mode=0o700)
    monkeypatch.setenv("CASEFILE_DB", str(path))
    return path


def seeded(cli, db: Path) -> None:
    assert cli("import", DATA / "accounts.json").exit_code == 0


def tree(*folders: Path) -> set[str]:
    """Every file and folder under ``folders``, as paths."""
    return {
        str(Path(root) / name) for folder in folders for root, dirs, files in os.walk(folder) for name in dirs + files
    }


def findings(cli, *args: str) -> tuple[int, list[dict]]:
    result = cli("doctor", "--format", "json", *args)
    return result.exit_code, json.loads(result.stdout)


def leftover_paths(rows: list[dict]) -> dict[str, str]:
    """path → status of every finding that names a path."""
    return {row["path"]: row["status"] for row in rows if row.get("path")}


@pytest.fixture
def littered(cli, db: Path, tmp_path: Path, monkeypatch):
    """A database with a live writer (so a journal SQLite needs), unrelated files, and one leftover of each
    kind, two of them in use right now."""
    seeded(cli, db)
    folder = db.parent
    edit = tmp_path / "xdg-cache" / "casefile" / "edit"
    edit.mkdir(parents=True, mode=0o700)
    secret = f"{CANARY} testimony\n".encode()
    leftovers = {
        folder / ".casefile-tmp.out.json.1a2b3c4d": secret,  # an export's temp file
        folder / ".out.csv.deadbeef.tmp": secret,  # an export's temp file, as named before
        folder / ".casefile.db.0badf00d.tmp": secret,  # a backup's temp file and its journal
        folder / ".casefile.db.0badf00d.tmp-journal": secret,
        folder / "gone.db-journal": secret,  # the journal of a database that is no longer there
        edit / "edit-x1y2z3ab" / "record.json": secret,  # an edit cut short
        edit / "edit-x1y2z3ab" / ".record.json.swp": secret,  # with its editor's swap file
    }
    backup = folder / "casefile.db.bak-2026-01-02T030405Z"
    unrelated = {
        folder / "notes.txt": b"mine",
        folder / ".foo.tmp": b"not one of casefile's names",
        folder / ".out.csv.NOTHEX12.tmp": b"not one of casefile's names",
        folder / "other.db": b"another database",
        folder / "other.db-journal": b"its journal: the database is there",
        folder / "casefile.db.bak": b"not a name restore-backup makes",
    }
    in_use = {folder / ".casefile-tmp.busy.csv.12345678": secret, edit / "edit-live0000" / "record.json": secret}
    for path, data in {**leftovers, **unrelated, **in_use, backup: secret}.items():
        path.parent.mkdir(exist_ok=True, mode=0o700)
        path.write_bytes(data)
    held = open(folder / ".casefile-tmp.busy.csv.12345678", "rb")  # an export still writing it
    lock = os.open(edit / "edit-live0000", os.O_RDONLY)  # an edit still open in the editor
    fcntl.flock(lock, fcntl.LOCK_EX)
    monkeypatch.setenv("CASEFILE_BUSY_TIMEOUT", "0.1")  # doctor's index check cannot take the write lock
    writer = sqlite3.connect(db, isolation_level=None)  # another command in the middle of a write
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE accounts SET summary = 'changing'")
    journal = db.with_name(db.name + "-journal")
    assert journal.exists()
    expected = {str(p) for p in leftovers if p.parent == folder} | {str(edit / "edit-x1y2z3ab")}
    yield {
        "folders": (folder, edit),
        "leftovers": expected,
        "backup": str(backup),
        "in_use": {str(folder / ".casefile-tmp.busy.csv.12345678"), str(edit / "edit-live0000")},
        "journal": journal,
    }
    writer.execute("ROLLBACK")
    writer.close()
    held.close()
    os.close(lock)


def test_doctor_lists_every_leftover_and_only_those(cli, littered) -> None:
    before = tree(*littered["folders"])
    code, rows = findings(cli)
    listed = leftover_paths(rows)
    assert code == 1
    assert {p for p, status in listed.items() if status == "problem"} == littered["leftovers"]
    assert listed[littered["backup"]] == "note"  # a backup is not a problem, but it is listed
    assert {p for p, status in listed.items() if status == "note"} == {littered["backup"], *littered["in_use"]}
    assert all("in use" in r["detail"] for r in rows if r.get("path") in littered["in_use"])
    checks = {r["check"]: r["status"] for r in rows}
    assert checks["search index"] == "note" and checks["integrity"] == "ok"  # busy, not damaged
    assert tree(*littered["folders"]) == before, "listing removed something"


def test_doctor_clean_removes_exactly_the_leftovers(cli, db: Path, littered) -> None:
    before = tree(*littered["folders"])
    journal = littered["journal"].read_bytes()
    result = cli("doctor", "--clean")  # not a terminal, no --yes: refused before anything is done
    assert result.exit_code == 2 and "--yes" in result.stderr and result.stdout == ""
    assert tree(*littered["folders"]) == before
    result = cli("doctor", "--clean", "--yes")
    removed = {line.removeprefix("removed ") for line in result.stderr.splitlines() if line.startswith("removed ")}
    assert removed == littered["leftovers"]
    assert result.exit_code == 0, result.stdout  # what is left is a backup and what is in use: notes
    gone = {p for p in before if not Path(p).exists()}
    inside = {p for p in gone if any(p.startswith(r + "/") for r in removed)}
    assert gone - inside == littered["leftovers"], "something else was removed"
    assert littered["journal"].read_bytes() == journal and db.exists()
    assert CANARY not in result.stderr + result.stdout

    result = cli("doctor", "--clean", "--include-backups", "--yes")
    assert result.stderr.splitlines().count(f"removed {littered['backup']}") == 1
    assert not Path(littered["backup"]).exists()
    assert all(Path(p).exists() for p in littered["in_use"])


def test_include_backups_goes_only_with_clean(cli, db: Path) -> None:
    seeded(cli, db)
    result = cli("doctor", "--include-backups")
    assert result.exit_code == 2 and "--clean" in result.stderr


def test_doctor_finds_editor_folders_left_in_tmp_by_older_versions(cli, db: Path, tmp_path: Path, monkeypatch) -> None:
    seeded(cli, db)
    shared = tmp_path / "shared-tmp"
    shared.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(shared))
    old = shared / "casefile-k2j4_9zq"
    old.mkdir(mode=0o700)
    (old / "record.json").write_text(f'{{"summary": "{CANARY}"}}')
    for other in ("casefile-notes", "casefile-k2j4_9zqX", "other-k2j4_9zq"):
        (shared / other).mkdir()
    code, rows = findings(cli)
    assert code == 1 and leftover_paths(rows) == {str(old): "problem"}
    result = cli("doctor", "--clean", "--yes")
    assert result.exit_code == 0 and f"removed {old}" in result.stderr
    assert sorted(p.name for p in shared.iterdir()) == ["casefile-k2j4_9zqX", "casefile-notes", "other-k2j4_9zq"]


def size_of(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return -1


def test_doctor_cleans_up_after_an_export_killed_mid_write(cli, db: Path, tmp_path: Path) -> None:
    """kill -9 cannot be handled by the process it kills: the export's temp copy stays, and doctor finds it."""
    assert cli("import", write_jsonl(tmp_path / "many.jsonl", canary_records(20_000))).exit_code == 0
    target = db.parent / "out.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "casefile", "export", "-f", "json", "-o", str(target)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60

    def temp_files() -> list[Path]:
        return [p for p in db.parent.iterdir() if p.name.startswith(".") and size_of(p) > 0]

    while not temp_files():
        assert time.monotonic() < deadline and proc.poll() is None, "the export never wrote its temp file"
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    [temp] = temp_files()
    assert not target.exists()
    code, rows = findings(cli)
    assert code == 1 and leftover_paths(rows) == {str(temp): "problem"}
    result = cli("doctor", "--clean", "--yes")
    assert (result.exit_code, f"removed {temp}" in result.stderr) == (0, True)
    assert sorted(p.name for p in db.parent.iterdir()) == ["casefile.db"]
    assert integrity(db) == "ok" and count(db) == 20_000


def test_purge_names_the_backups_that_may_still_hold_the_record(cli, db: Path, tmp_path: Path) -> None:
    seeded(cli, db)
    backup = tmp_path / "backup.db"
    assert cli("backup", backup).exit_code == 0
    assert cli("restore-backup", backup, "--yes").exit_code == 0
    [kept] = db.parent.glob("casefile.db.bak-*")
    result = cli("purge", "SEED-0001", "--yes")
    assert result.exit_code == 0
    assert str(kept) in result.stderr and "doctor --clean --include-backups" in result.stderr


# ------------------------------------------------------------------------------- advice about the folder


def doctor_permissions(cli, db: Path) -> list[dict]:
    assert cli("--db", db, "init").exit_code == 0
    result = cli("--db", db, "doctor", "--format", "json")
    return [r for r in json.loads(result.stdout) if r["check"] == "permissions"]


@pytest.mark.parametrize(
    "mode", [0o1777, 0o777, 0o1733], ids=["sticky like /tmp", "world-writable", "sticky, unlisted"]
)
def test_a_database_in_a_shared_folder_is_moved_not_chmodded(cli, tmp_path: Path, mode: int) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, mode)
    [finding] = doctor_permissions(cli, shared / "cases.db")
    assert finding["status"] == "problem" and "others share" in finding["detail"]
    assert finding["fix"].startswith("move the database to a private folder") and "chmod" not in finding["fix"]
    assert os.stat(shared).st_mode & 0o7777 == mode


def test_a_database_in_the_real_tmp_is_moved_not_chmodded(cli) -> None:
    db = Path(tempfile.gettempdir()) / f"casefile-doctor-test-{os.getpid()}.db"
    try:
        [finding] = doctor_permissions(cli, db)
    finally:
        db.unlink(missing_ok=True)
    assert finding["status"] == "problem" and "chmod" not in finding["fix"], finding
    assert finding["fix"].startswith("move the database to a private folder (e.g. ")


def test_a_folder_of_your_own_gets_the_chmod_advice(cli, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    os.chmod(mine, 0o755)
    [finding] = doctor_permissions(cli, mine / "cases.db")
    assert (finding["status"], finding["fix"]) == ("problem", f"chmod 700 {mine}")
    os.chmod(mine, 0o700)
    assert [f["status"] for f in doctor_permissions(cli, mine / "cases.db")] == ["ok"]
