"""FtM export of the archived copies behind an account's sources (issue 21): HyperText and Document entities
with contentHash (SHA-1), sourceUrl, retrievedAt, mimeType and fileSize, linked to the Person they prove."""

from __future__ import annotations

import hashlib
import json

import pytest
from evidence_server import ARTICLE, PDF, serve

pytest.importorskip("followthemoney")


def _entities(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_captures_become_documents_linked_to_the_person(cli, db, tmp_path):
    account = cli("add", "--no-input", "--name", "Documented Person").stdout.strip()
    with serve() as site:
        assert cli("source", "capture", f"{site}/article", "--account", account).exit_code == 0
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(PDF)
    second = cli("source", "add", "--title", "Letter").stdout.strip()
    cli("source", "link", account, second)
    cli("source", "attach", second, str(letter))
    result = cli("export", "--format", "ftm")
    assert result.exit_code == 0, result.stderr
    entities = _entities(result.stdout)
    person = next(e for e in entities if e["schema"] == "Person")
    page = next(e for e in entities if e["schema"] == "HyperText")
    assert page["properties"]["contentHash"] == [hashlib.sha1(ARTICLE).hexdigest()]
    assert page["properties"]["mimeType"] == ["text/html"]
    assert page["properties"]["fileSize"] == [str(len(ARTICLE))]
    assert page["properties"]["sourceUrl"][0].endswith("/article")
    assert page["properties"]["retrievedAt"][0][:4].isdigit()
    pdf = next(e for e in entities if e["schema"] == "Document")
    assert pdf["properties"]["contentHash"] == [hashlib.sha1(PDF).hexdigest()]
    proofs = [
        e
        for e in entities
        if e["schema"] == "Documentation" and e["properties"]["document"][0] in (page["id"], pdf["id"])
    ]
    assert len(proofs) == 2 and all(p["properties"]["entity"] == [person["id"]] for p in proofs)


def test_restricted_sources_captures_stay_out(cli, db):
    account = cli("add", "--no-input", "--name", "Open Person").stdout.strip()
    hidden = cli("add", "--no-input", "--name", "Hidden Person", "--confidentiality", "restricted").stdout.strip()
    with serve() as site:
        source = cli("source", "capture", f"{site}/article", "--account", account).stdout.strip()
    cli("source", "link", hidden, source)
    schemas = [e["schema"] for e in _entities(cli("export", "--format", "ftm").stdout)]
    assert "HyperText" not in schemas
    schemas = [e["schema"] for e in _entities(cli("export", "--format", "ftm", "--include-restricted").stdout)]
    assert "HyperText" in schemas
