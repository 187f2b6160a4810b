"""`export --format wacz` (issue 21): the captured pages of the selected accounts' sources as a WACZ 1.1.1
package (a zip of archive/data.warc.gz, indexes/index.cdxj, pages/pages.jsonl and datapackage.json) that
replay tools open: every hash in datapackage.json matches its file, and every CDXJ line points at the record
it names in the WARC, read back with warcio at that offset."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import subprocess
import sys
import zipfile

from evidence_server import ARTICLE, PDF, rows, serve

from conftest import dump


def _record(warc: bytes, offset: int, length: int):
    """The one WARC record in ``length`` bytes at ``offset`` (one gzip member), with its payload read."""
    from warcio.archiveiterator import ArchiveIterator

    records = []
    for record in ArchiveIterator(io.BytesIO(warc[offset : offset + length])):
        records.append((record.rec_type, record.rec_headers, record.http_headers, record.content_stream().read()))
    assert len(records) == 1
    return records[0]


def test_export_wacz_packages_the_captures_with_hashes_and_an_index_that_points_right(cli, db, tmp_path):
    account = cli("add", "--no-input", "--name", "Archived Person").stdout.strip()
    other = cli("add", "--no-input", "--name", "Other Person").stdout.strip()
    with serve() as site:
        cli("source", "capture", f"{site}/r1", "--account", account)  # two redirects, then the article
        cli("source", "capture", f"{site}/pdf", "--account", account, "--role", "corroborating")
        cli("source", "capture", f"{site}/gzip", "--account", account, "--role", "corroborating")
        cli("source", "capture", f"{site}/jsonld", "--account", other)
    out = tmp_path / "pages.wacz"
    result = cli("export", "--format", "wacz", "-o", str(out), "--q", "Archived")
    assert result.exit_code == 0, result.stderr
    assert "3 captures written as WACZ" in result.stderr
    assert out.stat().st_mode & 0o077 == 0
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        package = json.loads(zf.read("datapackage.json"))
        assert package["profile"] == "data-package" and package["wacz_version"] == "1.1.1"
        assert package["software"].startswith("casefile ")
        paths = {r["path"] for r in package["resources"]}
        assert paths == {"archive/data.warc.gz", "indexes/index.cdxj", "pages/pages.jsonl"}
        assert names == paths | {"datapackage.json", "datapackage-digest.json"}
        for resource in package["resources"]:
            data = zf.read(resource["path"])
            assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
            assert resource["bytes"] == len(data)
        digest = json.loads(zf.read("datapackage-digest.json"))
        assert digest["path"] == "datapackage.json"
        assert digest["hash"] == "sha256:" + hashlib.sha256(zf.read("datapackage.json")).hexdigest()
        # stored, not deflated: a replay tool reads a record by its offset without unpacking the whole WARC
        assert zf.getinfo("archive/data.warc.gz").compress_type == zipfile.ZIP_STORED
        warc = zf.read("archive/data.warc.gz")
        lines = zf.read("indexes/index.cdxj").decode().splitlines()
        pages = [json.loads(line) for line in zf.read("pages/pages.jsonl").decode().splitlines()]
    assert lines == sorted(lines)
    found = {}
    for line in lines:
        key, stamp, text = line.split(" ", 2)
        entry = json.loads(text)
        assert entry["filename"] == "data.warc.gz" and len(stamp) == 14 and stamp.isdigit()
        kind, headers, http, payload = _record(warc, int(entry["offset"]), int(entry["length"]))
        assert kind == "response"
        assert headers.get_header("WARC-Target-URI") == entry["url"]
        assert headers.get_header("WARC-Date").replace("-", "").replace(":", "").replace("T", "")[:14] == stamp
        assert http.get_statuscode() == entry["status"]
        assert headers.get_header("WARC-Payload-Digest") == entry["digest"]
        assert key == "127.0.0.1:" + site.rsplit(":", 1)[1] + ")/" + entry["url"].split("/", 3)[3]  # SURT
        found[entry["url"]] = payload
    assert set(found) == {f"{site}/{p}" for p in ("r1", "r2", "article", "pdf", "gzip")}
    assert found[f"{site}/article"] == ARTICLE and found[f"{site}/pdf"] == PDF
    assert pages[0]["format"] == "json-pages-1.0"
    assert [p["url"] for p in pages[1:]] == [f"{site}/article", f"{site}/pdf", f"{site}/gzip"]
    assert pages[1]["title"] == "Former cadre describes the camp" and pages[1]["ts"].endswith("Z")
    # the WARC inside is whole: warcio checks every record's digests
    extracted = tmp_path / "data.warc.gz"
    extracted.write_bytes(warc)
    check = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", str(extracted)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    exported = rows(db, "SELECT detail FROM custody WHERE event = 'exported'")
    assert sorted(json.loads(d)["export"] for (d,) in exported) == ["wacz", "wacz", "wacz"]
    # the records inside are the stored ones, byte for byte: what --format warc writes, gzipped record by record
    plain = tmp_path / "pages.warc"
    assert cli("export", "--format", "warc", "-o", str(plain), "--q", "Archived").exit_code == 0
    assert gzip.decompress(warc) == plain.read_bytes()


def test_surt_keys_as_cdxj_indexes_sort_them():
    from casefile.webarchive import surt

    assert surt("https://www.Example.org/News/A?z=1&a=2") == "org,example)/news/a?a=2&z=1"
    assert surt("http://example.org:80") == "org,example)/"
    assert surt("https://sub.example.org:8443/x") == "org,example,sub:8443)/x"


def test_export_wacz_leaves_restricted_sources_out_and_refuses_shaping(cli, db, tmp_path):
    account = cli("add", "--no-input", "--name", "Open Person").stdout.strip()
    hidden = cli("add", "--no-input", "--name", "Hidden Person", "--confidentiality", "restricted").stdout.strip()
    with serve() as site:
        source = cli("source", "capture", f"{site}/article", "--account", account).stdout.strip()
    cli("source", "link", hidden, source)
    out = tmp_path / "open.wacz"
    result = cli("export", "--format", "wacz", "-o", str(out))
    assert result.exit_code == 0 and "left out the captures of 1 source" in result.stderr
    with zipfile.ZipFile(out) as zf:
        assert zf.read("indexes/index.cdxj") == b""
    before = dump(db)
    refused = cli("export", "--format", "wacz", "--pseudonymise", "name", "-o", str(tmp_path / "x.wacz"))
    assert refused.exit_code == 2 and dump(db) == before
