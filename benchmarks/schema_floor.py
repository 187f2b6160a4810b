"""SQLite's own floor under I3 (issue 23): how long SQLite alone takes to write what a casefile import of a file
writes - every table, every index, the search index and its docs - with no Python between the rows, against the
I3 yardstick (``sqlite3 .import`` + FTS5 ``rebuild``) in the same run.

    python benchmarks/schema_floor.py benchmarks/out/accounts-10000.csv [repeat]

1. ``casefile import --new-org`` of the file into a new database (timed: the I3 figure).
2. The yardstick, as ``benchmarks/run.py`` runs it for I3.
3. The replay: a new, empty casefile database (same schema: ``Store.open``), and in one transaction, with the
   rollback journal and ``synchronous=FULL`` casefile uses and the accounts' secondary indexes dropped and rebuilt
   at the end as an import into an empty database does, ``INSERT INTO t SELECT * FROM imported.t`` for every table
   the import wrote, then the FTS5 index filled from what casefile indexed (``accounts_fts_docs``).

The replay is a lower bound: set-wise ``INSERT … SELECT`` is cheaper than the ``executemany`` of tuples any Python
pipeline needs, and nothing is parsed, checked or looked up. So ``yardstick / replay`` is the best I3 ratio casefile
could reach with its present schema, whatever its Python did; the figure says whether a bar is reachable at all.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from casefile import store as st
from casefile.searchable import SEARCH_COLUMNS, SEARCH_INDEXED

OUT = Path("/tmp")
SQLITE3 = shutil.which("sqlite3")
CASEFILE = [sys.executable, "-m", "casefile"]


def fresh(path: Path) -> Path:
    for suffix in ("", "-journal", "-wal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return path


def wall(cmd: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def casefile_import(source: Path) -> tuple[float, Path]:
    db = fresh(OUT / "schema-floor-casefile.db")
    return wall([*CASEFILE, "--db", str(db), "import", "--new-org", "--quiet", str(source)]), db


def yardstick(source: Path) -> float:
    assert SQLITE3, "the sqlite3 command-line shell is needed for the yardstick"
    db = fresh(OUT / "schema-floor-yardstick.db")
    script = (
        f".import --csv {source} accounts\n"
        f"CREATE VIRTUAL TABLE accounts_fts USING fts5({', '.join(SEARCH_COLUMNS)}, content=accounts);\n"
        "INSERT INTO accounts_fts(accounts_fts) VALUES('rebuild');\n"
    )
    started = time.perf_counter()
    subprocess.run([SQLITE3, str(db)], input=script.encode(), check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    fresh(db)
    return seconds


def replay(imported: Path) -> tuple[float, dict[str, int]]:
    """SQLite writing what the import wrote; (seconds, rows per table)."""
    db = fresh(OUT / "schema-floor-replay.db")
    st.Store.open(db, create=True).close()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("ATTACH DATABASE ? AS imported", (str(imported),))
    tables = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM imported.sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' "
            "AND name NOT LIKE 'accounts_fts_%' AND name NOT LIKE 'sqlite_%' AND name != '_sqlite_migrations' "
            "ORDER BY rowid"
        )
    ]
    counts = {t: conn.execute(f'SELECT count(*) FROM imported."{t}"').fetchone()[0] for t in tables}
    counts["accounts_fts_docs"] = conn.execute("SELECT count(*) FROM imported.accounts_fts_docs").fetchone()[0]
    written = [t for t in tables if counts[t] and conn.execute(f'SELECT count(*) FROM main."{t}"').fetchone()[0] == 0]
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    secondary = conn.execute(
        "SELECT name, sql FROM main.sqlite_master WHERE type = 'index' AND tbl_name = 'accounts' AND sql IS NOT NULL "
        "AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY rowid"
    ).fetchall()
    for name, _sql in secondary:
        conn.execute(f'DROP INDEX main."{name}"')
    parents = [t for t in ("organizations", "sources", "accounts") if t in written]  # before what refers to them
    for table in [*parents, *(t for t in written if t not in parents)]:
        conn.execute(f'INSERT INTO main."{table}" SELECT * FROM imported."{table}"')
    conn.execute("INSERT INTO main.accounts_fts_docs SELECT * FROM imported.accounts_fts_docs")
    conn.execute(
        f"INSERT INTO main.accounts_fts (rowid, {', '.join(SEARCH_COLUMNS)}) SELECT d.rowid, "
        + ", ".join(SEARCH_INDEXED)
        + " FROM main.accounts_fts_docs d JOIN main.accounts a ON a.rowid = d.rowid ORDER BY d.rowid"
    )
    for _name, sql in secondary:
        conn.execute(sql)
    conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    for table, count in counts.items():  # what was replayed is what was imported
        assert conn.execute(f'SELECT count(*) FROM main."{table}"').fetchone()[0] == count, table
    conn.close()
    fresh(db)
    return seconds, {t: c for t, c in counts.items() if c}


def main(source: Path, repeat: int) -> None:
    rows = None
    runs: dict[str, list[float]] = {"casefile": [], "yardstick": [], "replay": []}
    for _ in range(repeat):
        seconds, imported = casefile_import(source)
        runs["casefile"].append(seconds)
        runs["yardstick"].append(yardstick(source))
        seconds, rows = replay(imported)
        runs["replay"].append(seconds)
        fresh(imported)
    best = {k: min(v) for k, v in runs.items()}
    n = rows["accounts"] if rows else 0
    print(f"{source.name}: {n:,} accounts; rows replayed per table: {rows}")
    for name, seconds in best.items():
        print(f"  {name:<10} {seconds:7.2f} s  {seconds / n * 1e6:6.1f} µs/account  (best of {repeat})")
    print(f"  I3 now (yardstick / casefile):                     {best['yardstick'] / best['casefile']:.2f}×")
    print(f"  I3 ceiling with this schema (yardstick / replay):  {best['yardstick'] / best['replay']:.2f}×")
    print(f"  Python's share of casefile's time, at most:        {1 - best['replay'] / best['casefile']:.0%}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 3)
