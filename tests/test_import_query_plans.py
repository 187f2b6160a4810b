"""The lookups an import makes for each record read through an index, whatever the database holds (issue 23).

A lookup that scans a table costs a row of the import time proportional to the rows already stored: a 50,000-row
import then takes minutes instead of seconds. Each statement is checked with ``EXPLAIN QUERY PLAN``, as SQLite
would run it on the database the import wrote, never with a clock.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from casefile.store import Store


def _plans(db: Path, statements: list[str]) -> dict[str, str]:
    conn = sqlite3.connect(db)
    try:
        return {sql: " / ".join(str(r[3]) for r in conn.execute("EXPLAIN QUERY PLAN " + sql)) for sql in statements}
    finally:
        conn.close()


def test_finding_a_source_by_title_reads_the_title_index_not_every_source_without_a_url(db: Path) -> None:
    store = Store.open(db, create=True)
    try:
        with store.transaction():
            for n in range(30):  # sources without a URL: the ones a lookup by title is restricted to
                store.upsert_source({"title": f"Letter {n}", "publisher": "Home office"}, "2024-01-01T00:00:00Z")
        statements: list[str] = []
        store.conn.set_trace_callback(statements.append)
        # an entry with a URL no source has: found by its title among the sources without a URL, or not at all
        assert store.find_source({"title": "Letter 7", "publisher": "Home office", "url": "https://example.org/7"})
        store.conn.set_trace_callback(None)
    finally:
        store.close()
    lookups = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "FROM sources" in s]
    plans = _plans(db, lookups)
    by_title = [plan for sql, plan in plans.items() if "match_key =" in sql]
    assert by_title, plans
    for plan in by_title:
        assert "INDEX idx_sources_match_key" in plan, plan
    for sql, plan in plans.items():
        assert "SCAN" not in plan, (sql, plan)


def test_the_shared_sources_migration_finds_a_source_by_title_through_its_index(db: Path) -> None:
    """m010 (flat source columns -> shared sources) makes the same lookup once per account when it upgrades an
    older file: with the plain ``url IS NULL`` SQLite walked every source without a URL, so the upgrade of a
    file with many address-less sources grew with the square of its accounts."""
    from casefile import migrations_later

    store = Store.open(db, create=True)
    try:
        with store.transaction():
            for n in range(30):
                store.upsert_source({"title": f"Letter {n}", "publisher": "Home office"}, "2024-01-01T00:00:00Z")
    finally:
        store.close()
    sql = migrations_later.SOURCE_BY_TITLE.format(only_unaddressed=migrations_later.ONLY_UNADDRESSED)
    plan = _plans(db, [sql.replace("?", "'x'")])[sql.replace("?", "'x'")]
    assert "INDEX idx_sources_match_key" in plan and "SCAN" not in plan, plan
