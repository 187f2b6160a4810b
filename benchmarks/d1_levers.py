"""What D1 (database size without the search index / the CSV's bytes) would be after changes casefile does not
make: each lever applied by hand to a copy of an imported database, then ``VACUUM``, measured as run.py's D1
measures (``dbstat``, every b-tree without ``fts`` in its name). For docs/PERFORMANCE.md's issue-23 section.

    casefile --db d1.db import --new-org accounts-10000.csv
    python benchmarks/d1_levers.py d1.db accounts-10000.csv

The copies are made in a temporary folder and removed; the database given is only read.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import tempfile
import zlib
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

Lever = Callable[[sqlite3.Connection], None]


def d1_bytes(db: Path) -> int:
    with closing(sqlite3.connect(db)) as conn:
        return int(conn.execute("SELECT sum(pgsize) FROM dbstat WHERE name NOT LIKE '%fts%'").fetchone()[0])


def statements(*sql: str) -> Lever:
    def apply(conn: sqlite3.Connection) -> None:
        for statement in sql:
            conn.execute(statement)

    return apply


def drop_flat_source_columns(conn: sqlite3.Connection) -> None:
    # the search index's triggers name source_title; the copy keeps no search index in step
    conn.execute("DROP TRIGGER accounts_fts_keep")
    conn.execute("DROP TRIGGER accounts_fts_forget")
    for (column,) in conn.execute(
        "SELECT name FROM pragma_table_info('accounts') WHERE name LIKE 'source\\_%' ESCAPE '\\'"
    ):
        conn.execute(f"ALTER TABLE accounts DROP COLUMN {column}")


def compress_summaries(conn: sqlite3.Connection) -> None:
    conn.execute("DROP TRIGGER accounts_fts_keep")
    rows = conn.execute("SELECT rowid, summary FROM accounts WHERE summary IS NOT NULL").fetchall()
    conn.executemany(
        "UPDATE accounts SET summary = ? WHERE rowid = ?", [(zlib.compress(s.encode(), 9), r) for r, s in rows]
    )


LEVERS: dict[str, Lever] = {
    "the flat source_* columns dropped": drop_flat_source_columns,
    "coded_items dropped (the codes in the JSON columns only)": statements("DROP TABLE coded_items"),
    "sources.match_key as an 8-byte hash": statements("UPDATE sources SET match_key = randomblob(8)"),
    "created_at/updated_at as integers": statements(
        "UPDATE accounts SET created_at = 1796000000, updated_at = 1796000000"
    ),
    "idx_accounts_org dropped": statements("DROP INDEX idx_accounts_org"),
}


def measured(source: Path, folder: Path, levers: list[Lever]) -> int:
    copy = folder / "copy.db"
    shutil.copy(source, copy)
    conn = sqlite3.connect(copy, isolation_level=None)
    try:
        conn.execute("BEGIN")
        for lever in levers:
            lever(conn)
        conn.execute("COMMIT")
        conn.execute("VACUUM")
    finally:
        conn.close()
    try:
        return d1_bytes(copy)
    finally:
        copy.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("csv", type=Path)
    args = parser.parse_args()
    csv = args.csv.stat().st_size
    print(f"| as imported | {d1_bytes(args.db) / csv:.3f}× | |")
    with tempfile.TemporaryDirectory() as folder:
        base = measured(args.db, Path(folder), [])
        print(f"| VACUUMed, unchanged | {base / csv:.3f}× | |")
        for name, lever in LEVERS.items():
            size = measured(args.db, Path(folder), [lever])
            print(f"| {name} | {size / csv:.3f}× | {(size - base) / csv:+.3f} |")
        size = measured(args.db, Path(folder), list(LEVERS.values()))
        print(f"| all of the above | {size / csv:.3f}× | {(size - base) / csv:+.3f} |")
        size = measured(args.db, Path(folder), [compress_summaries])
        print(f"| only summary compressed row by row (zlib 9) | {size / csv:.3f}× | {(size - base) / csv:+.3f} |")


if __name__ == "__main__":
    main()
