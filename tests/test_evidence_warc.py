"""`export --format warc` (issue 21): the captured pages of the selected accounts' sources as one WARC file
that warcio reads and checks; restricted sources' captures only with --include-restricted."""

from __future__ import annotations

import io
import subprocess
import sys

from evidence_server import rows, serve

from conftest import dump


def _targets(data: bytes) -> list[str]:
    from warcio.archiveiterator import ArchiveIterator

    return [
        r.rec_headers.get_header("WARC-Target-URI")
        for r in ArchiveIterator(io.BytesIO(data))
        if r.rec_type == "response"
    ]


def test_export_warc_writes_every_capture_and_records_it(cli, db, tmp_path):
    account = cli("add", "--no-input", "--name", "Archived Person").stdout.strip()
    other = cli("add", "--no-input", "--name", "Other Person").stdout.strip()
    with serve() as site:
        cli("source", "capture", f"{site}/r1", "--account", account)
        cli("source", "capture", f"{site}/pdf", "--account", account, "--role", "corroborating")
        cli("source", "capture", f"{site}/jsonld", "--account", other)
    out = tmp_path / "pages.warc"
    result = cli("export", "--format", "warc", "-o", str(out), "--q", "Archived")
    assert result.exit_code == 0, result.stderr
    assert "2 captures written as WARC" in result.stderr
    assert _targets(out.read_bytes()) == [f"{site}/r1", f"{site}/r2", f"{site}/article", f"{site}/pdf"]
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(out)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert rows(db, "SELECT count(*) FROM custody WHERE event = 'exported'") == [(2,)]
    assert out.stat().st_mode & 0o077 == 0


def test_export_warc_leaves_restricted_sources_out_and_refuses_shaping(cli, db, tmp_path):
    account = cli("add", "--no-input", "--name", "Open Person").stdout.strip()
    hidden = cli("add", "--no-input", "--name", "Hidden Person", "--confidentiality", "restricted").stdout.strip()
    with serve() as site:
        source = cli("source", "capture", f"{site}/article", "--account", account).stdout.strip()
    cli("source", "link", hidden, source)
    result = cli("export", "--format", "warc")
    assert result.exit_code == 0 and result.stdout == "" and "left out the captures of 1 source" in result.stderr
    assert cli("export", "--format", "warc", "--include-restricted").stdout.startswith("WARC/1.")
    before = dump(db)
    refused = cli("export", "--format", "warc", "--redact", "summary")
    assert refused.exit_code == 2 and dump(db) == before


def test_the_warc_digests_are_those_of_the_bytes_on_the_wire(cli, db, tmp_path):
    """WARC-Payload-Digest is the SHA-1 of the body as it came off the wire (still gzip-compressed when the
    server compressed it), WARC-Block-Digest that of the HTTP head and body: warcio checks both (the gzip
    response's digests are of its compressed bytes, which only warcio's check can know here)."""
    import base64
    import hashlib

    from evidence_server import ARTICLE
    from warcio.archiveiterator import ArchiveIterator

    account = cli("add", "--no-input", "--name", "Digest Person").stdout.strip()
    with serve() as site:
        for path in ("gzip", "r1", "pdf"):
            assert cli("source", "capture", f"{site}/{path}", "--account", account).exit_code == 0
    out = tmp_path / "pages.warc"
    assert cli("export", "--format", "warc", "-o", str(out)).exit_code == 0
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(out)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    digests = {}
    with open(out, "rb") as fh:
        for record in ArchiveIterator(fh, no_record_parse=False):
            if record.rec_type == "response":
                uri = record.rec_headers.get_header("WARC-Target-URI")
                digests[uri] = record.rec_headers.get_header("WARC-Payload-Digest")
                assert record.rec_headers.get_header("WARC-Block-Digest").startswith("sha1:")
    assert digests[f"{site}/r2"] == "sha1:" + base64.b32encode(hashlib.sha1(b"").digest()).decode()
    assert digests[f"{site}/article"] == "sha1:" + base64.b32encode(hashlib.sha1(ARTICLE).digest()).decode()
    assert len(digests) == 5
