"""`casefile ingest URL` (issue 22): the page captured by `source capture`'s code from a local web server on
127.0.0.1, drafted from its main text, and kept as the capture of the account's primary source; a page that
fails or holds no article stores nothing."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from evidence_server import ARTICLE, STORY, rows, serve
from test_cli_ingest import init, run

from conftest import dump


@pytest.fixture
def site():
    with serve() as base:
        yield base


def _capture_of(db: Path, account_id: str) -> dict:
    names = ["method", "request_url", "final_url", "status", "media_type", "sha256", "captured_at", "warc"]
    found = rows(
        db,
        "SELECT c.method, c.request_url, c.final_url, c.status, c.media_type, c.sha256, c.captured_at, "
        "c.warc_rowid FROM captures c JOIN account_sources l ON l.source_rowid = c.source_rowid AND "
        "l.role = 'primary' JOIN accounts a ON a.rowid = l.account_rowid WHERE a.id = ?",
        (account_id,),
    )
    assert len(found) == 1, found
    return dict(zip(names, found[0], strict=True))


def test_ingest_url_drafts_from_the_page_and_keeps_it_as_the_source_s_capture(tmp_path: Path, site: str) -> None:
    db = init(tmp_path)
    done = run(db, "ingest", f"{site}/story-moved", "--accept")
    assert done.returncode == 0, done.stderr
    new_id = done.stdout.decode().strip()
    shown = json.loads(run(db, "show", new_id, "-f", "json").stdout)
    record = shown[0] if isinstance(shown, list) else shown
    assert record["name"] == "Tomas Elvander" and record["review"] == "unreviewed"
    assert record["source_url"] == f"{site}/story-moved"
    captured = _capture_of(db, new_id)
    assert captured["method"] == "capture" and captured["status"] == 200
    assert (captured["request_url"], captured["final_url"]) == (f"{site}/story-moved", f"{site}/story")
    assert captured["sha256"] == hashlib.sha256(STORY).hexdigest() and captured["captured_at"]
    assert captured["warc"] is not None  # the exchange, hop by hop, as `source capture` keeps it
    chunks = rows(
        db,
        "SELECT c.data FROM artifact_chunks c JOIN artifacts a ON a.rowid = c.artifact_rowid WHERE a.sha256 = ? "
        "ORDER BY c.seq",
        (captured["sha256"],),
    )
    assert b"".join(r[0] for r in chunks) == STORY
    assert run(db, "verify").returncode == 0


def test_a_draft_of_a_page_records_its_capture_and_add_from_draft_captures_it_again(tmp_path: Path, site: str) -> None:
    db = init(tmp_path)
    out = tmp_path / "draft.json"
    assert run(db, "ingest", f"{site}/story", "--draft-out", str(out)).returncode == 0
    draft = json.loads(out.read_text(encoding="utf-8"))
    assert draft["input"]["url"] == f"{site}/story" and draft["input"]["final_url"] == f"{site}/story"
    assert draft["input"]["sha256"] == hashlib.sha256(STORY).hexdigest() and draft["input"]["captured_at"]
    assert draft["input"]["media_type"] == "text/html"
    assert "courage to walk out" in draft["text"] and "Sign in" not in draft["text"]
    filed = run(db, "add", "--from-draft", str(out))
    assert filed.returncode == 0, filed.stderr
    assert _capture_of(db, filed.stdout.decode().strip())["final_url"] == f"{site}/story"


@pytest.mark.parametrize(
    ("path", "says"),
    [("/missing", "answered HTTP 404"), ("/article", "no article text found")],
)
def test_a_failing_page_or_one_without_an_article_stores_nothing(tmp_path: Path, site: str, path: str, says: str):
    assert len(ARTICLE.split()) < 30  # /article: a page with a sentence, no article
    db = init(tmp_path)
    before = dump(db)
    for how in (["--accept"], ["--draft-out", str(tmp_path / "draft.json")]):
        done = run(db, "ingest", f"{site}{path}", *how)
        assert done.returncode == 1, done.stderr
        (line,) = done.stderr.decode().splitlines()
        assert says in line and "Traceback" not in line
        assert done.stdout == b""
        assert dump(db) == before
    assert not (tmp_path / "draft.json").exists()


def test_only_web_addresses_are_fetched(tmp_path: Path) -> None:
    db = init(tmp_path)
    before = dump(db)
    done = run(db, "ingest", "http://user:secret@127.0.0.1:9/story", "--accept")
    assert done.returncode == 1
    (line,) = done.stderr.decode().splitlines()
    assert "no credentials" in line and "secret" not in line
    assert dump(db) == before


def test_a_page_or_a_file_over_the_cap_names_ingest_s_own_option(tmp_path: Path, site: str) -> None:
    """The cap's error named --max-bytes, an option of `source capture` that ingest did not have."""
    db = init(tmp_path)
    before = dump(db)
    text = tmp_path / "letter.txt"
    text.write_bytes(b"I left the camp in 1991. " * 100)
    for source in (f"{site}/big", f"{site}/big-chunked", str(text)):
        done = run(db, "ingest", source, "--accept", "--max-bytes", "1000")
        assert done.returncode == 1, done.stderr
        (line,) = done.stderr.decode().splitlines()
        assert "--max-bytes" in line and "1,000" in line
        assert dump(db) == before
    done = run(db, "ingest", str(text), "--draft-out", str(tmp_path / "d.json"), "--max-bytes", "2500")
    assert done.returncode == 0, done.stderr
