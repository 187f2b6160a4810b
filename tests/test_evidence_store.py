"""Attached files, `verify`, the custody log and undo (issue 21): the bytes behind a source stay as they were
kept, a change to them or to their custody log is found and named, and a capture can be taken back."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path

import pytest
from evidence_server import rows

from conftest import FLIP_BYTE_100, dump, dump_data, write_sql


@pytest.fixture
def source(cli, db) -> str:
    return cli("source", "add", "--title", "Letter to the family", "--publisher", "Private").stdout.strip()


@pytest.fixture
def letter(tmp_path: Path) -> Path:
    path = tmp_path / "letter.pdf"
    path.write_bytes(b"%PDF-1.7\n" + os.urandom(3 * 1024 * 1024 + 17) + b"\n%%EOF")
    return path


def _stored(db: Path, sha256: str) -> bytes:
    return b"".join(
        r[0]
        for r in rows(
            db,
            "SELECT c.data FROM artifact_chunks c JOIN artifacts a ON a.rowid = c.artifact_rowid WHERE a.sha256 = ? "
            "ORDER BY c.seq",
            (sha256,),
        )
    )


def test_attach_keeps_the_file_with_its_fixity_record(cli, db, source, letter):
    result = cli("source", "attach", source, str(letter), "--url", "https://example.org/a", "--collector", "nina")
    assert result.exit_code == 0, result.stderr
    (capture_id,) = result.stdout.split()
    sha = hashlib.sha256(letter.read_bytes()).hexdigest()
    assert _stored(db, sha) == letter.read_bytes()
    row = rows(
        db,
        "SELECT method, file_name, request_url, media_type, size, sha256, sha1, collector FROM captures WHERE id = ?",
        (capture_id,),
    )[0]
    assert row == (
        "attach",
        "letter.pdf",
        "https://example.org/a",
        "application/pdf",
        letter.stat().st_size,
        sha,
        hashlib.sha1(letter.read_bytes()).hexdigest(),
        "nina",
    )
    assert rows(db, "SELECT event FROM custody") == [("attached",)]


def test_one_copy_however_many_sources_point_at_it(cli, db, source, letter):
    other = cli("source", "add", "--title", "Second source").stdout.strip()
    assert cli("source", "attach", source, str(letter)).exit_code == 0
    assert cli("source", "attach", other, str(letter)).exit_code == 0
    assert rows(db, "SELECT count(*) FROM artifacts") == [(1,)]
    assert rows(db, "SELECT count(*) FROM captures") == [(2,)]
    assert rows(db, "SELECT seq, event FROM custody ORDER BY seq") == [(1, "attached"), (2, "attached")]


def test_an_unreadable_file_stores_nothing(cli, db, source, letter, tmp_path):
    before = dump(db)
    result = cli("source", "attach", source, str(letter), str(tmp_path / "missing.pdf"))
    assert result.exit_code == 1 and "missing.pdf" in result.stderr and len(result.stderr.splitlines()) == 1
    assert dump(db) == before
    folder = cli("source", "attach", source, str(tmp_path))
    assert folder.exit_code == 1 and dump(db) == before


def test_verify_passes_then_names_a_flipped_byte(cli, db, source, letter):
    cli("source", "attach", source, str(letter))
    sha = hashlib.sha256(letter.read_bytes()).hexdigest()
    ok = cli("verify")
    assert ok.exit_code == 0, ok.stderr
    assert "1 artifact" in ok.stderr
    events = rows(db, "SELECT event, detail FROM custody ORDER BY seq")
    assert [e[0] for e in events] == ["attached", "verified"]
    assert json.loads(events[1][1])["result"] == "ok"
    # flip one byte of the stored bytes with raw SQL
    write_sql(
        db,
        FLIP_BYTE_100,
    )
    bad = cli("verify")
    assert bad.exit_code == 1
    assert sha in bad.stderr and "bytes now hash" in bad.stderr
    last = rows(db, "SELECT event, detail FROM custody ORDER BY seq DESC LIMIT 1")[0]
    assert last[0] == "verified" and json.loads(last[1])["result"] == "mismatch"


def test_verify_named_artifacts_only(cli, db, source, letter, tmp_path):
    other = tmp_path / "scan.png"
    other.write_bytes(b"\x89PNG fake scan")
    cli("source", "attach", source, str(letter), str(other))
    sha = hashlib.sha256(other.read_bytes()).hexdigest()
    assert cli("verify", sha[:12]).exit_code == 0
    assert rows(db, "SELECT count(*) FROM custody WHERE event = 'verified'") == [(1,)]
    missing = cli("verify", "ffffffff")
    assert missing.exit_code == 1 and "no artifact" in missing.stderr


def test_the_custody_log_is_append_only(cli, db, source, letter):
    cli("source", "attach", source, str(letter))
    for statement in ("UPDATE custody SET actor = 'mallory'", "DELETE FROM custody"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            write_sql(db, statement)
    assert rows(db, "SELECT count(*) FROM custody") == [(1,)]


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE custody SET actor = 'mallory' WHERE seq = 1",
        "DELETE FROM custody WHERE seq = 1",
        "UPDATE custody SET ts = '2020-01-01T00:00:00Z' WHERE seq = 2",
    ],
)
def test_verify_finds_an_edited_or_removed_custody_entry(cli, db, source, letter, tamper):
    cli("source", "attach", source, str(letter))
    cli("verify")  # entry 2
    # someone with raw access drops the guards first
    write_sql(db, "DROP TRIGGER custody_append_only", "DROP TRIGGER custody_kept", tamper)
    result = cli("verify")
    assert result.exit_code == 1
    assert hashlib.sha256(letter.read_bytes()).hexdigest() in result.stderr and "entry" in result.stderr


def test_undo_of_a_capture_removes_it_and_its_bytes(cli, db, source, letter):
    before = dump_data(db)
    cli("source", "attach", source, str(letter))
    assert rows(db, "SELECT count(*) FROM artifact_chunks")[0][0] > 0
    undone = cli("undo")
    assert undone.exit_code == 0, undone.stderr
    assert dump_data(db) == before
    assert rows(db, "SELECT count(*) FROM artifacts") == [(0,)]
    assert rows(db, "SELECT count(*) FROM artifact_chunks") == [(0,)]
    assert rows(db, "SELECT count(*) FROM custody") == [(0,)]


def test_undo_keeps_bytes_another_source_still_uses(cli, db, source, letter):
    other = cli("source", "add", "--title", "Second source").stdout.strip()
    cli("source", "attach", source, str(letter))
    first = json.loads(cli("history", "--format", "json").stdout)[0]["batch"]
    cli("source", "attach", other, str(letter))
    before = dump(db)
    refused = cli("undo", first)  # its artifact is used by the other source's attachment now
    assert refused.exit_code == 1 and f"used by source {other[:8]}" in refused.stderr
    assert dump(db) == before
    assert cli("undo").exit_code == 0  # the second attachment: the bytes stay for the first
    assert rows(db, "SELECT count(*) FROM captures") == [(1,)]
    assert rows(db, "SELECT count(*) FROM artifacts") == [(1,)]
    assert cli("undo").exit_code == 0  # now the first: nothing uses the bytes any more
    assert rows(db, "SELECT count(*) FROM captures") == [(0,)]
    assert rows(db, "SELECT count(*) FROM artifact_chunks") == [(0,)]


def test_history_names_the_capture(cli, db, source, letter):
    cli("source", "attach", source, str(letter))
    rows = json.loads(cli("history", "--format", "json").stdout)
    assert "1 artifact created" in rows[0]["changes"] and "1 source updated" in rows[0]["changes"]


def test_doctor_runs_verify(cli, db, source, letter):
    cli("source", "attach", source, str(letter))
    rows = {r["check"]: r for r in json.loads(cli("doctor", "--format", "json").stdout)}
    assert rows["evidence"]["status"] == "ok" and "1 artifact" in rows["evidence"]["detail"]
    write_sql(db, "UPDATE artifact_chunks SET data = x'00' || substr(data, 2) WHERE seq = 0")
    result = cli("doctor", "--format", "json")
    assert result.exit_code == 1
    rows = {r["check"]: r for r in json.loads(result.stdout)}
    assert rows["evidence"]["status"] == "problem"
    assert hashlib.sha256(letter.read_bytes()).hexdigest() in rows["evidence"]["detail"]


def test_the_collector_comes_from_the_flag_then_the_config_then_the_actor(
    cli, db, source, letter, tmp_path, monkeypatch
):
    other = tmp_path / "b.pdf"
    other.write_bytes(b"other")
    third = tmp_path / "c.pdf"
    third.write_bytes(b"third")
    monkeypatch.setenv("CASEFILE_ACTOR", "alice")
    cli("source", "attach", source, str(letter))
    monkeypatch.setenv("CASEFILE_COLLECTOR", "field team")
    cli("source", "attach", source, str(other))
    cli("source", "attach", source, str(third), "--collector", "bob")
    assert rows(db, "SELECT collector FROM captures ORDER BY rowid") == [("alice",), ("field team",), ("bob",)]
    assert rows(db, "SELECT DISTINCT actor FROM custody") == [("alice",)]


def test_a_fifo_is_refused_without_waiting_for_a_writer(cli, db, source, tmp_path):
    fifo = tmp_path / "pipe.pdf"
    os.mkfifo(fifo)
    before = dump(db)
    result = cli("source", "attach", source, str(fifo))
    assert result.exit_code == 1 and "not a regular file" in result.stderr and "pipe.pdf" in result.stderr
    assert dump(db) == before


# --------------------------------------------------- shared sources (issue 18) meet archived copies (issue 21)


def test_source_merge_moves_the_archived_copies_to_the_source_kept(cli, db, source, letter):
    """Two entries of one article, one with its archived copy: merging keeps the copy with the survivor."""
    assert cli("source", "attach", source, str(letter)).exit_code == 0
    other = cli("source", "add", "--title", "Letter to the family (scan)", "--publisher", "Private").stdout.strip()
    before = dump_data(db)
    merged = cli("source", "merge", other, source)
    assert merged.exit_code == 0, merged.stderr
    assert rows(db, "SELECT s.id FROM captures c JOIN sources s ON s.rowid = c.source_rowid") == [(other,)]
    assert cli("undo").exit_code == 0
    assert dump_data(db) == before
    assert cli("source", "merge", other, source).exit_code == 0
    assert cli("verify").exit_code == 0  # the bytes and their custody log are whole under the source kept


def test_source_delete_refuses_a_source_that_holds_archived_copies(cli, db, source, letter):
    """An archived copy is evidence: deleting its source would lose it, so delete is refused and says how."""
    assert cli("source", "attach", source, str(letter)).exit_code == 0
    before = dump(db)
    refused = cli("source", "delete", source)
    assert refused.exit_code == 1, refused.stderr
    (line,) = refused.stderr.splitlines()
    assert "archived cop" in line and "source merge" in line
    assert dump(db) == before
