"""Trusted time (issue 21): `--timestamp` on `source capture` and `source attach`, and `source timestamp ART`,
ask the configured RFC 3161 timestamp authorities to sign the artifact's SHA-256; the reply is kept with the
artifact, checked offline by `verify` (its imprint against the bytes, its signature against the TSA's CA),
shown by `source show`, put in the bundle for `openssl ts -verify`. The TSA is a local one answering with
`openssl ts -reply` (tests/tsa_server.py); no test touches the network."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from evidence_server import ARTICLE, rows
from evidence_server import serve as serve_site
from tsa_server import make_authority, serve

from conftest import FLIP_BYTE_100, dump, error_lines, write_sql

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="the local TSA is made with openssl")


@pytest.fixture(scope="session")
def authority(tmp_path_factory):
    return make_authority(tmp_path_factory.mktemp("tsa"))


@pytest.fixture(scope="session")
def stranger(tmp_path_factory):
    """Another CA and TSA: a token it signed does not chain to ``authority``'s root, nor the reverse."""
    return make_authority(tmp_path_factory.mktemp("tsa-other"))


@pytest.fixture
def tsa(authority, monkeypatch):
    """The local TSA, configured (its URL and its CA) the way a user configures one; yields the queries it got."""
    with serve(authority) as (base, seen):
        monkeypatch.setenv("CASEFILE_TIMESTAMP_URLS", f"{base}/tsa")
        monkeypatch.setenv("CASEFILE_TIMESTAMP_CA", str(authority.ca))
        yield base, seen


@pytest.fixture
def source(cli, db) -> str:
    return cli("source", "add", "--title", "Letter to the family").stdout.strip()


@pytest.fixture
def letter(tmp_path: Path) -> Path:
    path = tmp_path / "letter.pdf"
    path.write_bytes(b"%PDF-1.7\n" + os.urandom(300 * 1024) + b"\n%%EOF")
    return path


def _events(db: Path, sha: str) -> list[str]:
    return [
        r[0]
        for r in rows(
            db,
            "SELECT c.event FROM custody c JOIN artifacts a ON a.rowid = c.artifact_rowid WHERE a.sha256 = ? "
            "ORDER BY c.seq",
            (sha,),
        )
    ]


def test_attach_with_timestamp_keeps_the_reply_and_verify_checks_it(cli, db, source, letter, tsa):
    _base, seen = tsa
    result = cli("source", "attach", source, str(letter), "--timestamp")
    assert result.exit_code == 0, result.stderr
    sha = hashlib.sha256(letter.read_bytes()).hexdigest()
    assert len(seen) == 1 and bytes.fromhex(sha) in seen[0]  # the TSA was sent the hash, never the file
    assert letter.read_bytes()[-1000:] not in seen[0]
    stored = rows(
        db,
        "SELECT t.tsa_url, t.hash_algorithm, t.gen_time, t.response FROM artifact_timestamps t JOIN artifacts a "
        "ON a.rowid = t.artifact_rowid WHERE a.sha256 = ?",
        (sha,),
    )
    assert len(stored) == 1
    url, algorithm, gen_time, response = stored[0]
    assert url == tsa[0] + "/tsa" and algorithm == "sha256" and gen_time.endswith("Z")
    assert _events(db, sha) == ["attached", "timestamped"]
    # the reply is the TSA's own DER bytes: openssl reads it and finds the hash in it
    reply = Path(db.parent / "r.tsr")
    reply.write_bytes(base64.b64decode(response))
    text = subprocess.run(["openssl", "ts", "-reply", "-in", str(reply), "-text"], capture_output=True, text=True)
    assert text.returncode == 0 and "Granted" in text.stdout
    ok = cli("verify")
    assert ok.exit_code == 0, ok.stderr
    detail = json.loads(rows(db, "SELECT detail FROM custody WHERE event = 'verified'")[0][0])
    assert detail["result"] == "ok" and detail["timestamps"] == [{"tsa": url, "gen_time": gen_time, "result": "ok"}]
    (shown,) = json.loads(cli("source", "show", source, "--format", "json").stdout)
    (capture,) = shown["captures"]
    assert capture["timestamps"] == [
        {"tsa_url": url, "gen_time": gen_time, "hash_algorithm": "sha256", "serial": capture["timestamps"][0]["serial"],
         "tsa_name": "CN=Casefile Test TSA", "policy": "1.2.3.4.1", "artifact": sha}
    ]  # fmt: skip
    table = cli("source", "show", source)
    assert "timestamped" in table.stdout and gen_time in table.stdout


def test_every_configured_authority_stamps(cli, db, source, letter, tsa, monkeypatch):
    base, seen = tsa
    monkeypatch.setenv("CASEFILE_TIMESTAMP_URLS", f"{base}/tsa  {base}/tsa?second")
    result = cli("source", "attach", source, str(letter), "--timestamp")
    assert result.exit_code == 0, result.stderr
    assert len(seen) == 2
    assert rows(db, "SELECT tsa_url FROM artifact_timestamps ORDER BY rowid") == [
        (f"{base}/tsa",),
        (f"{base}/tsa?second",),
    ]
    assert cli("verify").exit_code == 0


def test_source_timestamp_stamps_an_artifact_already_kept_and_undo_takes_it_back(cli, db, source, letter, tsa):
    assert cli("source", "attach", source, str(letter)).exit_code == 0
    sha = hashlib.sha256(letter.read_bytes()).hexdigest()
    result = cli("source", "timestamp", sha[:12])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert rows(db, "SELECT count(*) FROM artifact_timestamps") == [(1,)]
    assert _events(db, sha) == ["attached", "timestamped"]
    assert cli("verify").exit_code == 0
    history = json.loads(cli("history", "--format", "json").stdout)
    assert history[0]["command"] == "timestamp" and "1 artifact updated" in history[0]["changes"]
    assert cli("undo").exit_code == 0
    assert rows(db, "SELECT count(*) FROM artifact_timestamps") == [(0,)]
    assert rows(db, "SELECT count(*) FROM artifacts") == [(1,)]  # the artifact stays
    assert cli("verify").exit_code == 0


def test_capture_with_timestamp_stamps_the_page_and_its_warc(cli, db, tsa):
    with serve_site() as site:
        result = cli("source", "capture", f"{site}/article", "--timestamp")
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.split()) == 1
    stamped = rows(
        db, "SELECT a.media_type FROM artifact_timestamps t JOIN artifacts a ON a.rowid = t.artifact_rowid ORDER BY 1"
    )
    assert stamped == [("application/warc",), ("text/html",)]
    assert _events(db, hashlib.sha256(ARTICLE).hexdigest()) == ["captured", "timestamped"]


def test_verify_names_an_artifact_whose_bytes_no_longer_match_its_stamp(cli, db, source, letter, tsa):
    cli("source", "attach", source, str(letter), "--timestamp")
    sha = hashlib.sha256(letter.read_bytes()).hexdigest()
    write_sql(
        db,
        FLIP_BYTE_100,
    )
    bad = cli("verify")
    assert bad.exit_code == 1
    (line,) = error_lines(bad)
    assert sha in line and "timestamp" in line and "does not cover" in line
    detail = json.loads(rows(db, "SELECT detail FROM custody WHERE event = 'verified'")[0][0])
    assert detail["timestamps"][0]["result"] == "mismatch"


def test_verify_names_a_stamp_kept_for_other_bytes(cli, db, source, letter, tsa, tmp_path):
    scan = tmp_path / "scan.png"
    scan.write_bytes(b"\x89PNG a scan of the letter")
    assert cli("source", "attach", source, str(letter), str(scan), "--timestamp").exit_code == 0
    # the two replies swapped with raw SQL: each artifact now holds a stamp over the other's hash
    write_sql(
        db,
        "DROP TRIGGER IF EXISTS artifact_timestamps_kept",
        "UPDATE artifact_timestamps SET artifact_rowid = 3 - artifact_rowid",
    )
    bad = cli("verify")
    assert bad.exit_code == 1
    for path in (letter, scan):
        assert hashlib.sha256(path.read_bytes()).hexdigest() in bad.stderr
    assert "does not cover" in bad.stderr and "bytes now hash" not in bad.stderr


def test_verify_checks_the_signature_against_the_configured_ca(cli, db, source, letter, tsa, stranger, monkeypatch):
    cli("source", "attach", source, str(letter), "--timestamp")
    monkeypatch.delenv("CASEFILE_TIMESTAMP_CA")  # the CA kept with the stamp when it was made
    assert cli("verify").exit_code == 0
    monkeypatch.setenv("CASEFILE_TIMESTAMP_CA", str(stranger.ca))  # a CA that did not issue this TSA's certificate
    bad = cli("verify")
    assert bad.exit_code == 1
    assert "signature" in bad.stderr and hashlib.sha256(letter.read_bytes()).hexdigest() in bad.stderr


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("/500", "HTTP 500"),
        ("/garbage", "not an RFC 3161 timestamp reply"),
        ("/rejection", "refused"),
        ("/other", "another hash"),
        ("/nothing-here", "HTTP 404"),
    ],
)
def test_a_tsa_that_fails_stores_nothing(cli, db, source, letter, tsa, monkeypatch, path, says):
    base, _seen = tsa
    monkeypatch.setenv("CASEFILE_TIMESTAMP_URLS", f"{base}/tsa {base}{path}")  # the first one answers well
    before = dump(db)
    result = cli("source", "attach", source, str(letter), "--timestamp")
    assert result.exit_code == 1
    (line,) = error_lines(result)
    assert says in line and f"{base}{path}" in line and "nothing stored" in line
    assert "Traceback" not in result.stderr
    assert dump(db) == before
    # and the same for an artifact already kept
    cli("source", "attach", source, str(letter))
    before = dump(db)
    again = cli("source", "timestamp", hashlib.sha256(letter.read_bytes()).hexdigest())
    assert again.exit_code == 1 and says in again.stderr
    assert dump(db) == before


def test_an_unreachable_tsa_stores_nothing(cli, db, source, letter, tsa, monkeypatch):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("CASEFILE_TIMESTAMP_URLS", f"http://127.0.0.1:{port}/tsa")
    before = dump(db)
    result = cli("source", "attach", source, str(letter), "--timestamp")
    assert result.exit_code == 1
    (line,) = error_lines(result)
    assert "cannot reach" in line and f"127.0.0.1:{port}" in line
    assert dump(db) == before


def test_a_reply_signed_by_a_tsa_the_configured_ca_does_not_vouch_for_is_refused(
    cli, db, source, letter, tsa, stranger, monkeypatch
):
    monkeypatch.setenv("CASEFILE_TIMESTAMP_CA", str(stranger.ca))
    before = dump(db)
    result = cli("source", "attach", source, str(letter), "--timestamp")
    assert result.exit_code == 1 and "signature" in result.stderr and "nothing stored" in result.stderr
    assert dump(db) == before


@pytest.mark.parametrize("missing", ["CASEFILE_TIMESTAMP_URLS", "CASEFILE_TIMESTAMP_CA"])
def test_timestamp_without_a_configured_authority_is_a_usage_error(cli, db, source, letter, tsa, monkeypatch, missing):
    monkeypatch.delenv(missing)
    before = dump(db)
    result = cli("source", "attach", source, str(letter), "--timestamp")
    assert result.exit_code == 2
    assert missing.removeprefix("CASEFILE_").lower() in result.stderr
    assert dump(db) == before


def test_a_ca_file_that_holds_no_certificate_is_refused(cli, db, source, letter, tsa, monkeypatch, tmp_path):
    bogus = tmp_path / "ca.pem"
    bogus.write_text("not a certificate\n")
    monkeypatch.setenv("CASEFILE_TIMESTAMP_CA", str(bogus))
    result = cli("source", "attach", source, str(letter), "--timestamp")
    assert result.exit_code == 1
    (line,) = error_lines(result)
    assert str(bogus) in line and "certificate" in line


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs coreutils' sha256sum")
def test_the_bundle_carries_the_stamps_and_openssl_verifies_them_without_casefile(
    cli, db, source, letter, tsa, tmp_path
):
    account = cli("add", "--no-input", "--name", "Stamped Person").stdout.strip()
    cli("source", "link", account, source)
    cli("source", "attach", source, str(letter), "--timestamp")
    sha = hashlib.sha256(letter.read_bytes()).hexdigest()
    out = tmp_path / "bundle"
    result = cli("bundle", str(out), "--account", account)
    assert result.exit_code == 0, result.stderr
    sums = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True, text=True)
    assert sums.returncode == 0, sums.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    (entry,) = manifest["files"]
    (stamp,) = entry["timestamps"]
    assert stamp["reply"] == f"timestamps/{sha}.1.tsr" and stamp["ca"] == f"timestamps/{sha}.1.ca.pem"
    command = ["openssl", "ts", "-verify", "-in", stamp["reply"], "-data", entry["path"], "-CAfile", stamp["ca"]]
    check = subprocess.run(command, cwd=out, capture_output=True, text=True)
    assert check.returncode == 0 and "Verification: OK" in check.stdout, check.stderr
    # the README and docs/EVIDENCE.md give the same command
    assert "openssl ts -verify" in (out / "README.txt").read_text()
    # one flipped byte in the original and openssl refuses it
    original = out / entry["path"]
    data = bytearray(original.read_bytes())
    data[100] ^= 1
    original.write_bytes(bytes(data))
    refused = subprocess.run(command, cwd=out, capture_output=True, text=True)
    assert refused.returncode != 0 and "Verification: OK" not in refused.stdout


def test_without_the_timestamp_extra_the_command_says_which_to_install(cli, db, source, letter, tsa, monkeypatch):
    import sys

    cli("source", "attach", source, str(letter), "--timestamp")
    for name in ("rfc3161_client", "cryptography", "cryptography.x509"):
        monkeypatch.setitem(sys.modules, name, None)  # an import of it now fails, as when it is not installed
    before = dump(db)
    result = cli("source", "attach", source, str(letter), "--timestamp")
    assert result.exit_code == 1
    (line,) = error_lines(result)
    assert "casefile[timestamp]" in line and "Traceback" not in result.stderr
    assert dump(db) == before
    checked = cli("verify")  # the stamps kept cannot be checked without it either: said, not a traceback
    assert checked.exit_code == 1 and "casefile[timestamp]" in checked.stderr
    doctor = cli("doctor", "--format", "json")  # doctor runs verify: its evidence row says it
    evidence = {r["check"]: r for r in json.loads(doctor.stdout)}["evidence"]
    assert evidence["status"] == "problem" and "casefile[timestamp]" in evidence["detail"]
