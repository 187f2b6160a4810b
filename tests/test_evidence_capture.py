"""`casefile source capture URL` (issue 21): the page kept as received, hashed, with its fixity record and
custody log, from a local HTTP server; every refusal leaves the database as it was."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import sqlite3
from pathlib import Path

import pytest
from evidence_server import ARTICLE, PDF, PERSIAN, rows, serve

from conftest import dump


@pytest.fixture
def site():
    with serve() as base:
        yield base


def _artifact_bytes(db: Path, sha256: str) -> bytes:
    chunks = rows(
        db,
        "SELECT c.data FROM artifact_chunks c JOIN artifacts a ON a.rowid = c.artifact_rowid "
        f"WHERE a.sha256 = '{sha256}' ORDER BY c.seq",
    )
    return b"".join(r[0] for r in chunks)


def _capture(db: Path) -> dict:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return dict(conn.execute("SELECT * FROM captures ORDER BY rowid DESC LIMIT 1").fetchone())
    finally:
        conn.close()


def test_capture_keeps_the_page_as_received_with_its_fixity_record(cli, db, site):
    result = cli("source", "capture", f"{site}/article", "--collector", "researcher-7")
    assert result.exit_code == 0, result.stderr
    source_id = result.stdout.strip()
    assert len(result.stdout.splitlines()) == 1 and len(source_id) == 16
    # the source is titled from the page's metadata
    title, publisher, date, url = rows(db, f"SELECT title, publisher, date, url FROM sources WHERE id = '{source_id}'")[
        0
    ]
    assert (title, publisher, date, url) == (
        "Former cadre describes the camp",
        "Example Herald",
        "2024-03-05",
        f"{site}/article",
    )
    cap = _capture(db)
    assert cap["sha256"] == hashlib.sha256(ARTICLE).hexdigest()
    assert cap["sha1"] == hashlib.sha1(ARTICLE).hexdigest()
    assert cap["size"] == len(ARTICLE) and cap["status"] == 200 and cap["media_type"] == "text/html"
    assert cap["request_url"] == cap["final_url"] == f"{site}/article"
    assert cap["collector"] == "researcher-7" and cap["tool"] == "casefile" and "warcio" in cap["tool_version"]
    assert cap["captured_at"].endswith("Z")
    assert ["Content-Type", "text/html; charset=utf-8"] in json.loads(cap["headers"])
    assert _artifact_bytes(db, cap["sha256"]) == ARTICLE
    # the custody log: one captured entry per artifact (the body and the WARC), chained from the genesis
    log = rows(
        db, "SELECT a.sha256, c.seq, c.event, c.prev_hash FROM custody c JOIN artifacts a ON a.rowid = c.artifact_rowid"
    )
    assert sorted((r[1], r[2], r[3]) for r in log) == [(1, "captured", "0" * 64)] * 2


def test_the_warc_record_holds_the_exchange_byte_for_byte(cli, db, site):
    from warcio.archiveiterator import ArchiveIterator

    assert cli("source", "capture", f"{site}/gzip").exit_code == 0
    cap = _capture(db)
    assert cap["content_encoding"] == "gzip"
    assert _artifact_bytes(db, cap["sha256"]) == ARTICLE  # decoded
    warc_sha = rows(db, f"SELECT sha256 FROM artifacts WHERE rowid = {cap['warc_rowid']}")[0][0]
    kinds, wire = [], b""
    for record in ArchiveIterator(io.BytesIO(_artifact_bytes(db, warc_sha))):
        kinds.append((record.rec_type, record.rec_headers.get_header("WARC-Target-URI")))
        if record.rec_type == "response":
            assert record.http_headers.get_header("Content-Encoding") == "gzip"
            wire = record.raw_stream.read()
    assert sorted(kinds, key=str) == [("request", f"{site}/gzip"), ("response", f"{site}/gzip"), ("warcinfo", None)]
    assert gzip.decompress(wire) == ARTICLE  # as it crossed the wire


def test_every_redirect_hop_is_recorded(cli, db, site):
    assert cli("source", "capture", f"{site}/r1").exit_code == 0
    cap = _capture(db)
    assert json.loads(cap["redirects"]) == [
        {"url": f"{site}/r1", "status": 302, "location": f"{site}/r2"},
        {"url": f"{site}/r2", "status": 301, "location": f"{site}/article"},
    ]
    assert cap["request_url"] == f"{site}/r1" and cap["final_url"] == f"{site}/article"
    from warcio.archiveiterator import ArchiveIterator

    warc_sha = rows(db, f"SELECT sha256 FROM artifacts WHERE rowid = {cap['warc_rowid']}")[0][0]
    responses = [
        (r.rec_headers.get_header("WARC-Target-URI"), r.http_headers.get_statuscode())
        for r in ArchiveIterator(io.BytesIO(_artifact_bytes(db, warc_sha)))
        if r.rec_type == "response"
    ]
    assert responses == [(f"{site}/r1", "302"), (f"{site}/r2", "301"), (f"{site}/article", "200")]


def test_metadata_from_json_ld_and_odd_charsets(cli, db, site):
    out = cli("source", "capture", f"{site}/jsonld").stdout.strip()
    assert rows(db, f"SELECT title, publisher, date FROM sources WHERE id = '{out}'")[0] == (
        "Ld headline",
        "Ld Publisher",
        "2023-11-02",
    )
    out = cli("source", "capture", f"{site}/persian").stdout.strip()
    assert rows(db, f"SELECT title FROM sources WHERE id = '{out}'")[0][0] == "شهادة عضو سابق"
    assert _artifact_bytes(db, _capture(db)["sha256"]) == PERSIAN  # the bytes stay in their own charset


def test_the_user_s_own_values_win_over_the_page(cli, db, site):
    out = cli("source", "capture", f"{site}/article", "--title", "My title").stdout.strip()
    assert rows(db, f"SELECT title, publisher FROM sources WHERE id = '{out}'")[0] == ("My title", "Example Herald")


def test_binary_pdf_and_one_copy_of_the_same_bytes(cli, db, site):
    first = cli("source", "capture", f"{site}/pdf").stdout.strip()
    again = cli("source", "capture", f"{site}/pdf").stdout.strip()
    assert first == again  # the same URL: the same source
    sha = hashlib.sha256(PDF).hexdigest()
    assert rows(db, f"SELECT count(*) FROM artifacts WHERE sha256 = '{sha}'") == [(1,)]
    assert _artifact_bytes(db, sha) == PDF
    assert rows(db, "SELECT count(*) FROM captures") == [(2,)]
    events = rows(
        db, f"SELECT c.event FROM custody c JOIN artifacts a ON a.rowid = c.artifact_rowid WHERE a.sha256 = '{sha}'"
    )
    assert events == [("captured",), ("captured",)]


def test_capture_links_the_account(cli, db, site):
    account = cli("add", "--name", "Test Person", "--org", "MEK").stdout.strip()
    source = cli("source", "capture", f"{site}/article", "--account", account, "--role", "primary").stdout.strip()
    shown = json.loads(cli("show", account, "--format", "json").stdout)
    links = shown["sources"] if isinstance(shown, dict) else shown[0]["sources"]
    assert [(s["id"], s["role"]) for s in links] == [(source, "primary")]


def test_nothing_identifying_is_sent(cli, db, site):
    assert cli("source", "capture", f"{site}/cookie").exit_code == 0
    sent = json.loads(_artifact_bytes(db, _capture(db)["sha256"]))
    assert "Cookie" not in sent and "Authorization" not in sent
    assert sent["User-Agent"].startswith("casefile/")


@pytest.mark.parametrize(
    ("path", "args", "says"),
    [
        ("/404", (), "HTTP 404"),
        ("/500", (), "HTTP 500"),
        ("/loop1", (), "redirect loop"),
        ("/many", (), "more than 10 redirects"),
        ("/to-ftp", (), "non-web address"),
        ("/big", ("--max-bytes", "1000"), "over the cap"),
        ("/big-chunked", ("--max-bytes", "1000"), "larger than the cap"),
        ("/gzip-big", ("--max-bytes", "1000"), "larger than the cap"),
        ("/slow", ("--timeout", "0.5"), "nothing stored"),
    ],
)
def test_refusals_store_nothing(cli, db, site, path, args, says):
    cli("init")
    before = dump(db)
    result = cli("source", "capture", f"{site}{path}", *args)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert says in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert dump(db) == before


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ftp://127.0.0.1/x", "only http:// and https://"),
        ("file:///etc/passwd", "only http:// and https://"),
        ("http://user:pw@127.0.0.1:1/x", "sends no credentials"),
        ("http://127.0.0.1:1/unreachable", "cannot reach"),
    ],
)
def test_bad_addresses_store_nothing(cli, db, url, says):
    cli("init")
    before = dump(db)
    result = cli("source", "capture", url)
    assert result.exit_code == 1 and says in result.stderr and result.stdout == ""
    assert dump(db) == before


def test_source_show_prints_captures_and_custody(cli, db, site):
    source = cli("source", "capture", f"{site}/article").stdout.strip()
    shown = json.loads(cli("source", "show", source, "--format", "json").stdout)[0]
    (cap,) = shown["captures"]
    assert cap["sha256"] == hashlib.sha256(ARTICLE).hexdigest()
    assert [e["event"] for e in cap["custody"]] == ["captured"]
    plain = cli("source", "show", source).stdout
    assert cap["sha256"] in plain and "captured" in plain
