"""``casefile publish OUT.db``: a new file holding only what may be shared (issue 17). Canary strings planted
in everything that must not be shared are looked for in the raw bytes of the published file."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

PUBLIC_WORD = "lighthousekeeper"
CANARIES = {
    "restricted": "CANARYRESTRICTEDQX",
    "deleted": "CANARYDELETEDQX",
    "merged": "CANARYMERGEDQX",
    "edited": "CANARYEDITEDQX",
    "purged": "CANARYPURGEDQX",
    "restricted source": "CANARYSOURCEQX",
}


def add(cli, external_id: str, *args: str) -> None:
    result = cli("add", "--no-input", "--external-id", external_id, "--organization", "MEK", *args)
    assert result.exit_code == 0, result.stderr


def plant(cli) -> None:
    """One public account and one account for each way a record must stay out of a published file."""
    add(
        cli, "PUB-1", "--name", "Public Person", "--summary", f"a {PUBLIC_WORD} who left", "--confidentiality", "public"
    )
    add(
        cli,
        "RES-1",
        "--name",
        CANARIES["restricted"],
        "--summary",
        f"{CANARIES['restricted']} told us",
        "--confidentiality",
        "restricted",
        "--source-title",
        CANARIES["restricted source"],
        "--source-url",
        "https://example.org/restricted-only",
    )
    add(cli, "DEL-1", "--name", "Deleted One", "--summary", CANARIES["deleted"])
    assert cli("delete", "DEL-1", "--yes").exit_code == 0
    add(cli, "KEEP-1", "--name", "Kept One", "--summary", "kept after a merge")
    add(cli, "GONE-1", "--name", "Kept One", "--summary", CANARIES["merged"])
    assert cli("merge", "KEEP-1", "GONE-1").exit_code == 0
    add(cli, "EDIT-1", "--name", "Edited One", "--summary", CANARIES["edited"])
    assert cli("edit", "EDIT-1", "--set", "summary=now plain", "--yes").exit_code == 0
    add(cli, "PURGE-1", "--name", "Purged One", "--summary", CANARIES["purged"])
    assert cli("purge", "PURGE-1", "--yes").exit_code == 0


def canaries_in(data: bytes) -> list[str]:
    found = []
    for what, canary in CANARIES.items():
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            if canary.encode(encoding) in data or canary.lower().encode(encoding) in data:
                found.append(what)
    return found


def test_publish_leaves_every_unshareable_record_out_of_the_file_bytes(cli, db: Path, tmp_path: Path) -> None:
    plant(cli)
    assert canaries_in(db.read_bytes())  # the working file holds them (the test could fail)
    out = tmp_path / "shared.db"
    result = cli("publish", out)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert canaries_in(out.read_bytes()) == []
    assert "1 restricted" in result.stderr and "1 deleted" in result.stderr and "1 merged away" in result.stderr
    for canary in CANARIES.values():
        assert canary not in result.stderr  # counts only
    conn = sqlite3.connect(out)
    ids = {r[0] for r in conn.execute("SELECT external_id FROM accounts")}
    assert ids == {"PUB-1", "KEEP-1", "EDIT-1"}
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "audit_log" not in tables and "audit_batches" not in tables and "account_redirects" not in tables
    assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM sources").fetchone()[0] == 0  # only the restricted account cited one
    # the search index covers what was published, and only that
    found = conn.execute("SELECT rowid FROM accounts_fts WHERE accounts_fts MATCH ?", (PUBLIC_WORD,)).fetchall()
    assert len(found) == 1
    assert conn.execute("SELECT count(*) FROM accounts_fts_docs").fetchone()[0] <= 3
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.execute("INSERT INTO accounts_fts (accounts_fts) VALUES ('integrity-check')")
    conn.close()


def test_publishing_again_leaves_out_a_record_made_restricted_since(cli, tmp_path: Path) -> None:
    plant(cli)
    out = tmp_path / "shared.db"
    assert cli("publish", out).exit_code == 0
    assert PUBLIC_WORD.encode() in out.read_bytes()
    assert cli("edit", "PUB-1", "--set", "confidentiality=restricted", "--yes").exit_code == 0
    result = cli("publish", out)
    assert result.exit_code == 0, result.stderr
    assert "2 restricted" in result.stderr
    assert PUBLIC_WORD.encode() not in out.read_bytes()


def test_publish_refuses_the_database_and_its_journal(cli, db: Path) -> None:
    plant(cli)
    before = db.read_bytes()
    for target in (db, Path(str(db) + "-journal")):
        result = cli("publish", target)
        assert result.exit_code == 2
        assert "refusing to write" in result.stderr
    assert db.read_bytes() == before
    assert not Path(str(db) + "-journal").exists()


def test_publish_redacts_and_pseudonymises_like_export(cli, tmp_path: Path) -> None:
    plant(cli)
    out = tmp_path / "shared.db"
    key = tmp_path / "pseudonyms.key"
    result = cli("publish", out, "--redact", "summary", "--pseudonymise", "name", "--pseudonym-key", key, "--new-key")
    assert result.exit_code == 0, result.stderr
    data = out.read_bytes()
    assert PUBLIC_WORD.encode() not in data and b"Public Person" not in data
    conn = sqlite3.connect(out)
    rows = conn.execute("SELECT name, summary FROM accounts WHERE external_id = 'PUB-1'").fetchall()
    assert rows[0][0].startswith("person-") and rows[0][1] is None
    assert (
        conn.execute("SELECT count(*) FROM accounts_fts WHERE accounts_fts MATCH ?", (PUBLIC_WORD,)).fetchone()[0] == 0
    )
    assert canaries_in(data) == []
    assert cli("publish", out, "--redact", "confidentiality").exit_code == 2


def test_publish_of_an_encrypted_database_is_a_plain_file(cli, tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("sqlcipher3")
    encrypted = tmp_path / "secret.db"
    monkeypatch.setenv("CASEFILE_DB", str(encrypted))
    monkeypatch.setenv("CASEFILE_KEY", "correct horse")
    assert cli("init", "--encrypted").exit_code == 0
    plant(cli)
    assert not canaries_in(encrypted.read_bytes()) and b"SQLite format 3" not in encrypted.read_bytes()[:16]
    out = tmp_path / "shared.db"
    result = cli("publish", out)
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes()[:16] == b"SQLite format 3\x00"
    assert PUBLIC_WORD.encode() in out.read_bytes()
    assert canaries_in(out.read_bytes()) == []
    assert json.loads(json.dumps(sqlite3.connect(out).execute("SELECT count(*) FROM accounts").fetchone()))[0] == 3


def datasette_get(db: Path, metadata: Path, path: str) -> tuple[int, Any]:
    """One request to a real Datasette (its Python API, in-process) serving ``db`` immutable with ``metadata``."""
    from datasette.app import Datasette

    async def get() -> tuple[int, Any]:
        ds = Datasette(immutables=[str(db)], metadata=json.loads(metadata.read_text()))
        response = await ds.client.get(path)
        return response.status_code, response.json()

    return asyncio.run(get())


def test_publish_writes_datasette_metadata_from_the_field_registry(cli, tmp_path: Path) -> None:
    from casefile import model

    plant(cli)
    add(cli, "PUB-2", "--name", "Second", "--reason", "no_future", "--left", "1999", "--confidentiality", "public")
    assert cli("event", "add", "PUB-2", "--type", "captured", "--date", "1998", "--description", "x").exit_code == 0
    out = tmp_path / "shared.db"
    assert cli("publish", out).exit_code == 0
    meta_path = tmp_path / "shared.metadata.json"
    meta = json.loads(meta_path.read_text())
    tables = meta["databases"]["shared"]["tables"]
    columns = tables["accounts"]["columns"]
    assert columns["summary"] == model.FIELD_BY_NAME["summary"].help
    assert columns["left_min"].startswith("left: earliest possible day")
    assert tables["events"]["columns"]["account_rowid"]
    assert tables["sources"]["label_column"] == "title"
    status, page = datasette_get(out, meta_path, "/shared/accounts.json?_shape=objects")
    assert status == 200
    assert set(page["facet_results"]) >= {"organization", "reasons", "nationality", "left_year"}
    assert page["facet_results"]["left_year"]["results"][0]["value"] == 1999
    reasons = {r["value"] for r in page["facet_results"]["reasons"]["results"]}
    assert "no_future" in reasons
    for query in meta["databases"]["shared"]["queries"]:
        status, rows = datasette_get(out, meta_path, f"/shared/{query}.json?_shape=array")
        assert status == 200, query
        assert canaries_in(json.dumps(rows).encode()) == []
    status, rows = datasette_get(out, meta_path, "/shared/counts_by_reason_and_year.json?_shape=array")
    assert {"reason": "no_future", "year": 1999, "accounts": 1} in rows


def ftm_tool(*args: str) -> None:
    """followthemoney's own command-line tool (installed with the ftm extra), as a team would run it."""
    tool = Path(sys.executable).parent / "ftm"
    done = subprocess.run([str(tool), *args], capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode()


def entity_ids(path: Path) -> list[str]:
    return [json.loads(line)["id"] for line in path.read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("command", ["publish", "export"])
def test_ftm_output_has_no_canary_and_survives_ftm_validate_and_aggregate(cli, tmp_path: Path, command: str) -> None:
    pytest.importorskip("followthemoney")
    plant(cli)
    out = tmp_path / "case.ftm.json"
    if command == "publish":
        result = cli("publish", out, "--format", "ftm", "--dataset", "defection_cases")
        assert "1 restricted" in result.stderr and "1 merged away" in result.stderr
        assert not (tmp_path / "case.ftm.metadata.json").exists()
    else:
        result = cli("export", "--format", "ftm", "-o", out, "--dataset", "defection_cases")
    assert result.exit_code == 0, result.stderr
    assert canaries_in(out.read_bytes()) == []
    assert PUBLIC_WORD.encode() in out.read_bytes()
    ids = entity_ids(out)
    assert len(ids) == len(set(ids))
    # the ids are casefile's stable ones: the same as a plain export's, and the same on every run
    again = tmp_path / "again.ftm.json"
    assert cli("export", "--format", "ftm", "-o", again, "--dataset", "defection_cases").exit_code == 0
    assert entity_ids(again) == ids
    clean, merged = tmp_path / "clean.ftm.json", tmp_path / "aggregated.ftm.json"
    ftm_tool("validate", "-i", str(out), "-o", str(clean))
    ftm_tool("aggregate", "-i", str(clean), "-o", str(merged))
    assert sorted(entity_ids(clean)) == sorted(ids)
    assert sorted(entity_ids(merged)) == sorted(ids)
    assert canaries_in(merged.read_bytes()) == []


def test_the_checks_docs_sharing_md_gives_hold_for_a_published_file(cli, tmp_path: Path) -> None:
    from conftest import ROOT

    guide = (ROOT / "docs" / "SHARING.md").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "datasette ~/.local" not in readme and "`datasette casefile.db`" not in readme
    plant(cli)
    out = tmp_path / "shared.db"
    assert cli("publish", out).exit_code == 0
    checks = re.findall(r'^sqlite3 shared\.db "([^"]+)"[ \t]*(?:#[ \t]*(\S+))?', guide, re.M)
    assert len(checks) >= 5
    conn = sqlite3.connect(out)
    for sql, expected in checks:
        rows = conn.execute(sql).fetchall()
        if expected:
            assert str(rows[0][0]) == expected, sql
        assert not {r[0] for r in rows} & {"audit_log", "audit_batches", "account_redirects", "check_ignores"}
        assert "restricted" not in {r[0] for r in rows}
