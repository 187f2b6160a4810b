"""The database is a plain SQLite file Datasette understands: its search box finds accounts through the
FTS5 index casefile keeps (issue 8). Runs Datasette's own Python API in-process."""

from __future__ import annotations

import asyncio
from pathlib import Path

from conftest import DATA


def datasette_get(db: Path, path: str) -> tuple[int, object]:
    from datasette.app import Datasette

    async def get() -> tuple[int, object]:
        ds = Datasette([str(db)])
        response = await ds.client.get(path)
        return response.status_code, response.json()

    return asyncio.run(get())


def test_datasette_search_box_finds_an_account_by_a_word_of_its_summary(cli, db: Path) -> None:
    assert cli("org", "import", DATA / "organizations.json").exit_code == 0
    assert cli("import", DATA / "accounts.json").exit_code == 0
    status, rows = datasette_get(db, f"/{db.stem}/accounts.json?_search=recruiter&_shape=array")
    assert status == 200
    assert [row["external_id"] for row in rows] == ["DEMO-0002"]  # "a recruiter who left a commune-based …"
    status, rows = datasette_get(db, f"/{db.stem}/accounts.json?_search=conscript&_shape=array")
    assert [row["external_id"] for row in rows] == ["SEED-0001"]


def test_datasette_sees_plain_tables_with_readable_names(cli, db: Path) -> None:
    assert cli("import", DATA / "accounts.json").exit_code == 0
    status, tables = datasette_get(db, f"/{db.stem}.json")
    assert status == 200
    names = {t["name"]: t for t in tables["tables"]}  # type: ignore[index]
    for table in ("accounts", "organizations", "sources", "events", "quotes", "account_sources"):
        assert table in names
    assert names["accounts"]["fts_table"] == "accounts_fts"
    assert names["accounts"]["count"] == 7
