"""`casefile bundle OUT --account ID…` (issue 21): the originals, the accounts' JSON, fixity records, custody
logs and a SHA256SUMS the real `sha256sum -c` accepts - and rejects after one flipped byte."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import zipfile

import pytest
from evidence_server import ARTICLE, PDF, serve

from conftest import dump

pytestmark = pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs coreutils' sha256sum")


@pytest.fixture
def filed(cli, db, tmp_path):
    """An account with a captured article (primary) and an attached PDF (corroborating)."""
    account = cli("add", "--no-input", "--name", "Bundled Person").stdout.strip()
    with serve() as site:
        source = cli("source", "capture", f"{site}/article", "--account", account).stdout.strip()
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(PDF)
    second = cli("source", "add", "--title", "Letter").stdout.strip()
    cli("source", "link", account, second)
    assert cli("source", "attach", second, str(letter)).exit_code == 0
    return account, source


def test_a_folder_bundle_passes_sha256sum_and_fails_after_a_flipped_byte(cli, db, filed, tmp_path):
    account, source = filed
    out = tmp_path / "bundle"
    result = cli("bundle", str(out), "--account", account)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["algorithm"] == "SHA-256" and manifest["accounts"] == [account]
    article = out / f"artifacts/{hashlib.sha256(ARTICLE).hexdigest()}.html"
    assert article.read_bytes() == ARTICLE
    assert (out / f"artifacts/{hashlib.sha256(PDF).hexdigest()}.pdf").read_bytes() == PDF
    assert {f["role"] for f in manifest["files"]} == {"original", "warc"}
    assert [a["id"] for a in json.loads((out / "accounts.json").read_text())] == [account]
    log = [
        json.loads(line)
        for line in (out / f"custody/{hashlib.sha256(ARTICLE).hexdigest()}.jsonl").read_text().splitlines()
    ]
    assert [e["event"] for e in log] == ["captured", "exported"]
    assert log[1]["prev_hash"] == log[0]["hash"]
    # the chain checks as docs/EVIDENCE.md tells a reader to check it, without casefile's code
    prev = "0" * 64
    for entry in log:
        fields = {k: entry[k] for k in ("seq", "ts", "event", "actor", "tool", "detail", "prev_hash")}
        body = {"artifact": hashlib.sha256(ARTICLE).hexdigest(), **fields}
        text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        assert entry["prev_hash"] == prev and hashlib.sha256(text.encode()).hexdigest() == entry["hash"]
        prev = entry["hash"]
    # flip one byte of an original
    data = bytearray(article.read_bytes())
    data[10] ^= 0x01
    article.write_bytes(bytes(data))
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True, text=True)
    assert check.returncode == 1 and f"{article.name}: FAILED" in check.stdout


def test_a_zip_bundle(cli, db, filed, tmp_path):
    account, _ = filed
    out = tmp_path / "bundle.zip"
    assert cli("bundle", str(out), "--account", account).exit_code == 0
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(out) as zf:
        zf.extractall(unpacked)
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=unpacked, capture_output=True)
    assert check.returncode == 0
    assert out.stat().st_mode & 0o077 == 0


def test_restricted_accounts_and_their_sources_stay_out(cli, db, filed, tmp_path):
    account, source = filed
    secret = cli("add", "--no-input", "--name", "Hidden Person", "--confidentiality", "restricted").stdout.strip()
    cli("source", "link", secret, source)
    before = dump(db)
    refused = cli("bundle", str(tmp_path / "b1"), "--account", secret)
    assert refused.exit_code == 2 and "restricted" in refused.stderr
    assert dump(db) == before and not (tmp_path / "b1").exists()
    result = cli("bundle", str(tmp_path / "b2"), "--account", account)
    assert result.exit_code == 0 and "left out the files of 1 source" in result.stderr
    assert not (tmp_path / "b2" / f"artifacts/{hashlib.sha256(ARTICLE).hexdigest()}.html").exists()
    assert cli("bundle", str(tmp_path / "b3"), "--account", account, "--include-restricted").exit_code == 0
    assert (tmp_path / "b3" / f"artifacts/{hashlib.sha256(ARTICLE).hexdigest()}.html").exists()


def test_an_existing_folder_or_the_database_is_refused(cli, db, filed, tmp_path):
    account, _ = filed
    (tmp_path / "taken").mkdir()
    before = dump(db)
    taken = cli("bundle", str(tmp_path / "taken"), "--account", account)
    assert taken.exit_code == 1 and "exists" in taken.stderr
    assert cli("bundle", str(db), "--account", account).exit_code in (1, 2)
    assert dump(db) == before
