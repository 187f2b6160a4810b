"""Encryption at rest with the ``encrypted`` extra (SQLCipher through sqlcipher3).

``init --encrypted`` takes its key from ``--key-file`` (created 0600 when missing), ``CASEFILE_KEY`` or a
no-echo prompt - never from a command-line argument. Every later command sees that the file is encrypted
and needs the key; a wrong key is one line, exit 1; the file's bytes hold no plaintext. These tests are
skipped only when sqlcipher3 is not installed (``make test`` installs it with the test extra)."""

from __future__ import annotations

import importlib.util
import json
import os
import select
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from reliability import CANARY, record

from conftest import DATA, sample_records

needs_sqlcipher = pytest.mark.skipif(
    importlib.util.find_spec("sqlcipher3") is None, reason="the encrypted extra (sqlcipher3) is not installed"
)
KEY = "correct horse 'battery' staple"


@pytest.fixture
def encrypted(cli, db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CASEFILE_KEY", KEY)
    result = cli("init", "--encrypted")
    assert (result.exit_code, result.stderr) == (0, f"created (encrypted): {db}\n")
    assert cli("import", DATA / "accounts.json").exit_code == 0
    assert cli("add", "--no-input", "--name", CANARY, "--summary", f"{CANARY} testimony").exit_code == 0
    return db


@needs_sqlcipher
def test_the_file_holds_no_plaintext(encrypted: Path, cli) -> None:
    data = encrypted.read_bytes()
    assert CANARY.encode() not in data and b"Rahimi" not in data and b"SQLite format 3" not in data
    assert stat.S_IMODE(encrypted.stat().st_mode) == 0o600
    with pytest.raises(sqlite3.DatabaseError, match="file is not a database"):
        sqlite3.connect(encrypted).execute("SELECT * FROM sqlite_master").fetchall()
    names = [r["name"] for r in json.loads(cli("list", "--format", "json").stdout)]
    assert CANARY in names and len(names) == len(sample_records()) + 1
    record("encryption at rest", plaintext_hits=0, canary_in_file=0, stdlib_can_read=0)


@needs_sqlcipher
def test_every_command_needs_the_key(encrypted: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CASEFILE_KEY")
    for args in (["list"], ["show", "SEED-0001"], ["export"], ["add", "--no-input", "--name", "x"]):
        result = cli(*args)
        assert result.exit_code == 2, args
        assert result.stderr == (
            f"error: {encrypted} is encrypted; give its key with CASEFILE_KEY or --key-file, "
            "or run on a terminal to be asked\n"
        )
        assert result.stdout == ""
    monkeypatch.setenv("CASEFILE_KEY", "wrong key")
    wrong = cli("list")
    assert (wrong.exit_code, wrong.stdout) == (1, "")
    assert wrong.stderr == f"error: cannot open {encrypted}: wrong key (or not an encrypted casefile database)\n"


@needs_sqlcipher
def test_wrong_key_in_a_real_process_is_one_line(encrypted: Path) -> None:
    """SQLCipher logs its own errors to stderr unless told not to: the user must see only casefile's line."""
    env = {**os.environ, "CASEFILE_KEY": "wrong"}
    proc = subprocess.run([sys.executable, "-m", "casefile", "list"], env=env, capture_output=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.decode().splitlines() == [
        f"error: cannot open {encrypted}: wrong key (or not an encrypted casefile database)"
    ]


@needs_sqlcipher
def test_key_file_is_created_private_and_used(cli, db: Path, tmp_path: Path) -> None:
    key = tmp_path / "cases.key"
    old = os.umask(0)
    try:
        result = cli("--key-file", key, "init", "--encrypted")
    finally:
        os.umask(old)
    assert result.exit_code == 0 and "created key file" in result.stderr
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_text().strip()) == 64
    assert cli("--key-file", key, "add", "--no-input", "--name", "x").exit_code == 0
    assert cli("list").exit_code == 2
    os.chmod(key, 0o640)
    shared = cli("--key-file", key, "list")
    assert shared.exit_code == 1 and "can be read by other users" in shared.stderr
    assert key.read_text().strip() not in result.stderr + shared.stderr


@needs_sqlcipher
def test_errors_of_both_driver_families_are_mapped(encrypted: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """sqlcipher3 raises its own exception classes: busy and disk full must still be exit 3 and exit 1."""
    import sqlcipher3

    holder = sqlcipher3.connect(str(encrypted), isolation_level=None)
    holder.execute(f"PRAGMA key = '{KEY.replace(chr(39), chr(39) * 2)}'")
    holder.execute("BEGIN IMMEDIATE")
    monkeypatch.setenv("CASEFILE_BUSY_TIMEOUT", "0.2")
    busy = cli("add", "--no-input", "--name", "y")
    holder.execute("ROLLBACK")
    holder.close()
    assert busy.exit_code == 3 and busy.stderr.startswith("error: database is busy")
    monkeypatch.setenv("CASEFILE_MAX_PAGE_COUNT", "1")
    full = cli("add", "--no-input", "--summary", CANARY * 5000)
    assert (full.exit_code, full.stderr) == (
        1,
        "error: disk full: nothing was written; free some space and try again\n",
    )


@needs_sqlcipher
def test_no_key_on_the_command_line(cli) -> None:
    for args in (["--help"], ["init", "--help"], ["export", "--help"]):
        assert "--key " not in cli(*args).stdout and "--password" not in cli(*args).stdout
    assert cli("--key", "x", "init", "--encrypted").exit_code == 2


@needs_sqlcipher
def test_init_encrypted_refuses_an_existing_database(cli, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("init").exit_code == 0
    monkeypatch.setenv("CASEFILE_KEY", KEY)
    result = cli("init", "--encrypted")
    assert result.exit_code == 2 and "only makes a new database" in result.stderr
    assert cli("list").exit_code == 0, "a plain database opens as before, CASEFILE_KEY or not"


@needs_sqlcipher
def test_key_is_asked_without_echo_on_a_terminal(db: Path) -> None:
    """On a terminal the key is prompted for (twice for a new database) and never echoed."""

    def run(args: list[str], answers: list[str]) -> tuple[int, bytes]:
        master, slave = os.openpty()
        env = {k: v for k, v in os.environ.items() if k != "CASEFILE_KEY"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "casefile", *args], stdin=slave, stdout=slave, stderr=slave, env=env
        )
        os.close(slave)
        seen = b""
        for answer in answers:
            while not seen.rstrip().endswith((b"database key:", b"confirmation:")):
                ready, _, _ = select.select([master], [], [], 30)
                assert ready, seen
                seen += os.read(master, 4096)
            time.sleep(0.1)  # let getpass turn echo off first
            os.write(master, answer.encode() + b"\n")
            seen += b"\n"
        code = proc.wait(60)
        try:
            while True:
                ready, _, _ = select.select([master], [], [], 0.2)
                if not ready:
                    break
                seen += os.read(master, 4096)
        except OSError:
            pass
        os.close(master)
        return code, seen

    code, screen = run(["init", "--encrypted"], [KEY, KEY])
    assert code == 0 and b"created (encrypted)" in screen and KEY.encode() not in screen
    code, screen = run(["add", "--no-input", "--name", "asked"], [KEY])
    assert code == 0 and KEY.encode() not in screen


def test_without_the_extra_init_encrypted_says_how_to_install(cli, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sqlcipher3", None)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "sqlcipher3" else object())
    result = cli("init", "--encrypted")
    assert (result.exit_code, result.stderr) == (
        1,
        "error: encryption needs the optional extra: pip install 'casefile[encrypted]'\n",
    )
    assert not db.exists()
    db.write_bytes(b"\x8a" * 4096)  # what an encrypted database looks like to a casefile without the extra
    monkeypatch.setenv("CASEFILE_KEY", KEY)
    opened = cli("list")
    assert opened.exit_code == 1 and "pip install 'casefile[encrypted]'" in opened.stderr


# ------------------------------------------------------------------------------------ backups of an encrypted file


def everything(cli) -> str:
    result = cli("export", "--format", "json", "--include-restricted")
    assert result.exit_code == 0, result.stderr
    return result.stdout


def keyed(path: Path, key: str) -> Any:
    import sqlcipher3

    conn = sqlcipher3.connect(str(path))
    conn.execute(f"PRAGMA key = '{key.replace(chr(39), chr(39) * 2)}'")
    return conn


@needs_sqlcipher
def test_backup_of_an_encrypted_database_is_encrypted_and_restores(encrypted: Path, cli, tmp_path: Path) -> None:
    saved = everything(cli)
    target = tmp_path / "backups" / "cases-backup.db"
    target.parent.mkdir()
    result = cli("backup", target)
    assert (result.exit_code, result.stderr) == (0, f"backed up to {target} (integrity check passed)\n")
    data = target.read_bytes()
    assert CANARY.encode() not in data and b"Rahimi" not in data and b"SQLite format 3" not in data
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    conn = keyed(target, KEY)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*) FROM accounts WHERE name = ?", (CANARY,)).fetchone()[0] == 1
    conn.close()

    assert cli("delete", "SEED-0001", "--yes").exit_code == 0
    changed = everything(cli)
    assert changed != saved
    restored = cli("restore-backup", target, "--yes")
    assert restored.exit_code == 0, restored.stderr
    assert everything(cli) == saved
    [kept] = encrypted.parent.glob(f"{encrypted.name}.bak-*")
    assert CANARY.encode() not in kept.read_bytes() and stat.S_IMODE(kept.stat().st_mode) == 0o600
    conn = keyed(kept, KEY)
    assert conn.execute("SELECT count(*) FROM accounts WHERE deleted_at IS NOT NULL").fetchone()[0] == 1
    conn.close()
    record("backup of an encrypted database", plaintext_hits=0, restored=1)


@needs_sqlcipher
def test_a_backup_under_another_key_is_refused_and_nothing_replaced(
    encrypted: Path, cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backup = tmp_path / "theirs.db"
    assert cli("backup", backup).exit_code == 0
    other = tmp_path / "mine" / "cases.db"
    monkeypatch.setenv("CASEFILE_KEY", "another key entirely")
    assert cli("--db", other, "init", "--encrypted").exit_code == 0
    assert cli("--db", other, "add", "--no-input", "--name", "Mine").exit_code == 0
    before = other.read_bytes()
    result = cli("--db", other, "restore-backup", backup, "--yes")
    assert (result.exit_code, result.stdout, result.stderr) == (
        1,
        "",
        f"error: cannot open {backup} with the database's key (another key, or not a casefile backup); "
        "nothing was restored\n",
    )
    assert other.read_bytes() == before and sorted(p.name for p in other.parent.iterdir()) == ["cases.db"]


@needs_sqlcipher
def test_plain_and_encrypted_backups_do_not_mix(encrypted: Path, cli, tmp_path: Path) -> None:
    """A plain backup restored into an encrypted database would store the records unencrypted, and the
    reverse cannot be read: both are refused before anything changes."""
    plain_db = tmp_path / "plain" / "cases.db"
    plain_backup = tmp_path / "plain-backup.db"
    assert cli("--db", plain_db, "import", DATA / "accounts.json").exit_code == 0
    assert cli("--db", plain_db, "backup", plain_backup).exit_code == 0
    encrypted_backup = tmp_path / "encrypted-backup.db"
    assert cli("backup", encrypted_backup).exit_code == 0
    before = {p: p.read_bytes() for p in (encrypted, plain_db)}
    into_encrypted = cli("restore-backup", plain_backup, "--yes")
    assert (into_encrypted.exit_code, into_encrypted.stderr) == (
        1,
        f"error: {plain_backup} is not encrypted but the database is; nothing was restored\n",
    )
    into_plain = cli("--db", plain_db, "restore-backup", encrypted_backup, "--yes")
    assert (into_plain.exit_code, into_plain.stderr) == (
        1,
        f"error: {encrypted_backup} is not an SQLite database (or it is encrypted and the database is not)\n",
    )
    assert {p: p.read_bytes() for p in (encrypted, plain_db)} == before
    assert not list(tmp_path.rglob("*.bak-*"))
