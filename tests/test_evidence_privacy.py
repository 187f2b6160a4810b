"""The bytes of captured pages follow every rule the records do (issue 21): purge leaves nothing of them in
the file, an encrypted database holds no plaintext of them, a backup restored verifies, and publish never
copies them."""

from __future__ import annotations

import importlib.util
import json
import sqlite3
from pathlib import Path

import pytest
from evidence_server import serve

CANARY = b"CANARY-ARTICLE-7731"  # in evidence_server.ARTICLE's body


@pytest.fixture
def site():
    with serve() as base:
        yield base


def _count(db: Path, table: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


def test_purge_leaves_no_byte_of_a_captured_page_in_the_file(cli, db, site):
    account = cli("add", "--no-input", "--name", "Purged Person").stdout.strip()
    keep = cli("add", "--no-input", "--name", "Kept Person").stdout.strip()
    assert cli("source", "capture", f"{site}/article", "--account", account).exit_code == 0
    assert cli("source", "capture", f"{site}/pdf", "--account", keep).exit_code == 0
    assert CANARY in db.read_bytes()
    result = cli("purge", account, "--yes")
    assert result.exit_code == 0, result.stderr
    assert CANARY not in db.read_bytes()
    journal = db.with_name(db.name + "-journal")
    assert not journal.exists() or CANARY not in journal.read_bytes()
    # what another account's source holds stays, and verifies
    assert _count(db, "captures") == 1 and _count(db, "artifacts") == 2
    conn = sqlite3.connect(db)
    assert conn.execute(
        "SELECT count(*) FROM custody WHERE artifact_rowid NOT IN (SELECT rowid FROM artifacts)"
    ).fetchone() == (0,)
    conn.close()
    assert cli("verify").exit_code == 0


def test_backup_restore_verify(cli, db, site, tmp_path):
    assert cli("source", "capture", f"{site}/pdf").exit_code == 0
    backup = tmp_path / "copy.db"
    assert cli("backup", str(backup)).exit_code == 0
    assert cli("source", "capture", f"{site}/article").exit_code == 0
    assert cli("restore-backup", str(backup), "--yes").exit_code == 0
    assert _count(db, "captures") == 1
    result = cli("verify")
    assert result.exit_code == 0, result.stderr
    assert "2 artifacts" in result.stderr  # the PDF and its WARC record


def test_publish_copies_no_evidence(cli, db, site, tmp_path):
    account = cli("add", "--no-input", "--name", "Public Person", "--confidentiality", "public").stdout.strip()
    assert cli("source", "capture", f"{site}/article", "--account", account).exit_code == 0
    out = tmp_path / "published.db"
    result = cli("publish", str(out))
    assert result.exit_code == 0, result.stderr
    assert CANARY not in out.read_bytes()
    conn = sqlite3.connect(out)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.close()
    assert not tables & {"artifacts", "artifact_chunks", "captures", "custody"}


@pytest.mark.skipif(importlib.util.find_spec("sqlcipher3") is None, reason="the encrypted extra is not installed")
def test_an_encrypted_database_holds_no_plaintext_of_a_captured_page(cli, db, site, monkeypatch):
    monkeypatch.setenv("CASEFILE_KEY", "evidence key")
    assert cli("init", "--encrypted").exit_code == 0
    big = cli("source", "capture", f"{site}/big")  # several pieces: SQLCipher has no incremental BLOB I/O
    assert big.exit_code == 0, big.stderr
    result = cli("source", "capture", f"{site}/article")
    assert result.exit_code == 0, result.stderr
    assert CANARY not in db.read_bytes() and b"Former cadre" not in db.read_bytes()
    shown = json.loads(cli("source", "show", result.stdout.strip(), "--format", "json").stdout)[0]
    assert shown["title"] == "Former cadre describes the camp"
    assert cli("verify").exit_code == 0
