"""The text an account was drafted from is archived as its primary source's artifact (issue 22: "the original
is archived as a source"), by the same mechanism as `source attach`, in the account's own transaction; a draft
names its original so `add --from-draft` archives it too, and refuses when it changed or is gone."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from evidence_server import rows
from test_cli_ingest import EVAL, ingest_on_a_terminal, init, run

from conftest import dump, dump_data

TEXT = EVAL / "01-news-camp-ashraf.txt"


def _archived(db: Path, account_id: str) -> list[tuple]:
    """(capture method, file name, sha256, sha1, size, media type, the artifact's bytes) of the captures of the
    account's primary source, read with plain SQL."""
    found = rows(
        db,
        "SELECT c.method, c.file_name, c.sha256, c.sha1, c.size, c.media_type, c.artifact_rowid FROM captures c "
        "JOIN account_sources l ON l.source_rowid = c.source_rowid AND l.role = 'primary' "
        "JOIN accounts a ON a.rowid = l.account_rowid WHERE a.id = ? ORDER BY c.rowid",
        (account_id,),
    )
    out = []
    for *fields, artifact in found:
        data = b"".join(
            r[0]
            for r in rows(db, "SELECT data FROM artifact_chunks WHERE artifact_rowid = ? ORDER BY seq", (artifact,))
        )
        out.append((*fields, data))
    return out


def _custody(db: Path, sha256: str) -> list[tuple]:
    return rows(
        db,
        "SELECT c.event, c.detail FROM custody c JOIN artifacts a ON a.rowid = c.artifact_rowid WHERE a.sha256 = ? "
        "ORDER BY c.seq",
        (sha256,),
    )


def test_accept_archives_the_file_as_its_primary_source_s_artifact_like_source_attach(tmp_path: Path) -> None:
    db = init(tmp_path)
    data = TEXT.read_bytes()
    done = run(db, "ingest", str(TEXT), "--accept")
    assert done.returncode == 0, done.stderr
    new_id = done.stdout.decode().strip()
    ((method, name, sha256, sha1, size, media, stored),) = _archived(db, new_id)
    assert stored == data
    assert (method, name, size, media) == ("attach", TEXT.name, len(data), "text/plain")
    assert sha256 == hashlib.sha256(data).hexdigest() and sha1 == hashlib.sha1(data).hexdigest()
    ((event, detail),) = _custody(db, sha256)
    assert event == "attached" and json.loads(detail)["file"] == TEXT.name
    assert run(db, "verify").returncode == 0
    assert b"source-not-archived" not in run(db, "check", "-f", "json").stdout
    # the same fixity record `source attach` makes: every column filled alike
    source = rows(db, "SELECT s.id FROM sources s JOIN captures c ON c.source_rowid = s.rowid")[0][0]
    copy = tmp_path / "copy.txt"
    copy.write_bytes(data + b"\n")
    assert run(db, "source", "attach", source, str(copy)).returncode == 0
    filled = rows(db, "SELECT * FROM captures ORDER BY rowid")
    assert [v is None for v in filled[0][4:]] == [v is None for v in filled[1][4:]]


def test_undo_of_an_accepted_ingest_removes_the_account_and_its_original(tmp_path: Path) -> None:
    db = init(tmp_path)
    before = dump_data(db)
    assert run(db, "ingest", str(TEXT), "--accept").returncode == 0
    assert rows(db, "SELECT count(*) FROM artifacts") == [(1,)]
    undone = run(db, "undo")
    assert undone.returncode == 0, undone.stderr
    assert rows(db, "SELECT count(*) FROM artifacts") == [(0,)]
    assert dump_data(db) == before


def test_stdin_is_archived_as_read(tmp_path: Path) -> None:
    db = init(tmp_path)
    data = TEXT.read_bytes()
    done = run(db, "ingest", "-", "--accept", stdin=data)
    assert done.returncode == 0, done.stderr
    ((method, _name, sha256, _sha1, size, _media, stored),) = _archived(db, done.stdout.decode().strip())
    assert stored == data and size == len(data) and sha256 == hashlib.sha256(data).hexdigest()


def test_the_draft_names_its_original_and_the_text_its_offsets_refer_to(tmp_path: Path) -> None:
    db = init(tmp_path)
    out = tmp_path / "draft.json"
    assert run(db, "ingest", str(TEXT), "--draft-out", str(out)).returncode == 0
    draft = json.loads(out.read_text(encoding="utf-8"))
    original = draft["input"]
    assert original["path"] == str(TEXT.resolve())
    assert original["sha256"] == hashlib.sha256(TEXT.read_bytes()).hexdigest()
    assert original["media_type"] == "text/plain"
    assert draft["text_sha256"] == hashlib.sha256(draft["text"].encode("utf-8")).hexdigest()
    for found in draft["evidence"].values():
        for ev in found:
            assert draft["text"][ev["start"] : ev["end"]] == ev["words"]


def test_add_from_draft_archives_the_original_it_names(tmp_path: Path) -> None:
    db = init(tmp_path)
    text = tmp_path / "article.txt"
    text.write_bytes(TEXT.read_bytes())
    out = tmp_path / "draft.json"
    assert run(db, "ingest", str(text), "--draft-out", str(out)).returncode == 0
    filed = run(db, "add", "--from-draft", str(out))
    assert filed.returncode == 0, filed.stderr
    ((method, name, *_rest, stored),) = _archived(db, filed.stdout.decode().strip())
    assert (method, name, stored) == ("attach", "article.txt", TEXT.read_bytes())


def test_add_from_draft_refuses_an_original_changed_or_gone_unless_told_to_file_without_it(tmp_path: Path) -> None:
    db = init(tmp_path)
    text = tmp_path / "article.txt"
    text.write_bytes(TEXT.read_bytes())
    out = tmp_path / "draft.json"
    assert run(db, "ingest", str(text), "--draft-out", str(out)).returncode == 0
    before = dump(db)
    text.write_bytes(TEXT.read_bytes().replace(b"Reza", b"Rezza", 1))
    changed = run(db, "add", "--from-draft", str(out))
    assert changed.returncode == 1 and changed.stdout == b""
    (line,) = changed.stderr.decode().splitlines()
    assert "changed since it was drafted" in line and "--without-original" in line and str(text) in line
    text.unlink()
    gone = run(db, "add", "--from-draft", str(out))
    assert gone.returncode == 1
    (line,) = gone.stderr.decode().splitlines()
    assert "gone" in line and "--without-original" in line
    assert dump(db) == before
    filed = run(db, "add", "--from-draft", str(out), "--without-original")
    assert filed.returncode == 0, filed.stderr
    assert _archived(db, filed.stdout.decode().strip()) == []


def test_a_draft_amended_to_cite_only_another_source_gets_a_primary_one_for_its_original(tmp_path: Path) -> None:
    db = init(tmp_path)
    other = run(db, "source", "add", "--title", "Another paper").stdout.decode().strip()
    out = tmp_path / "draft.json"
    assert run(db, "ingest", str(TEXT), "--draft-out", str(out)).returncode == 0
    draft = json.loads(out.read_text(encoding="utf-8"))
    draft["record"] = {k: v for k, v in draft["record"].items() if not k.startswith("source_")}
    draft["record"]["sources"] = [{"id": other, "role": "corroborating"}]
    out.write_text(json.dumps(draft), encoding="utf-8")
    filed = run(db, "add", "--from-draft", str(out))
    assert filed.returncode == 0, filed.stderr
    ((_method, name, *_rest, stored),) = _archived(db, filed.stdout.decode().strip())
    assert name == TEXT.name and stored == TEXT.read_bytes()
    assert rows(
        db, "SELECT count(*) FROM captures c JOIN sources s ON s.rowid = c.source_rowid WHERE s.id = ?", (other,)
    ) == [(0,)]


def test_a_draft_of_stdin_cannot_archive_later_and_says_how_to_proceed(tmp_path: Path) -> None:
    db = init(tmp_path)
    out = tmp_path / "draft.json"
    assert run(db, "ingest", "-", "--draft-out", str(out), stdin=TEXT.read_bytes()).returncode == 0
    before = dump(db)
    refused = run(db, "add", "--from-draft", str(out))
    assert refused.returncode == 1
    (line,) = refused.stderr.decode().splitlines()
    assert "stdin" in line and "--without-original" in line
    assert dump(db) == before


def test_a_reviewed_draft_is_filed_with_its_original(tmp_path: Path) -> None:
    db = init(tmp_path)
    editor = tmp_path / "editor.py"
    editor.write_text("pass\n", encoding="utf-8")  # saved as drafted
    done = ingest_on_a_terminal(db, TEXT, editor)
    assert done.returncode == 0, done.stderr
    ((_method, name, *_rest, stored),) = _archived(db, done.stdout.decode().strip())
    assert name == TEXT.name and stored == TEXT.read_bytes()


def test_a_season_with_its_year_is_filed_as_written(tmp_path: Path) -> None:
    """ "in the summer of 1991" is drafted as the season's EDTF (1991-22), which `add` reads as a year and a
    month: filed, it is the words, read as the season (found by benchmark G3's `ingest DIR --accept`)."""
    db = init(tmp_path)
    done = run(db, "ingest", str(EVAL / "02-letter-first-person.txt"), "--accept")
    assert done.returncode == 0, done.stderr
    shown = json.loads(run(db, "show", done.stdout.decode().strip(), "-f", "json").stdout)
    record = shown[0] if isinstance(shown, list) else shown
    assert record["joined_edtf"] == "1991-22" and "1991" in record["joined"]
