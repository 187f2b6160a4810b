"""The floor under I1 and I3 (docs/PERFORMANCE.md, "What still fails"): what Python spends on a CSV import that
checks nothing, and what FTS5 spends indexing the same text.

    python benchmarks/floor.py benchmarks/out/accounts-50000.csv

Reads the file with ``csv.reader``, inserts the tuples into a bare table of TEXT columns in one transaction, then
builds an FTS5 index over name, summary and source_title as the I3 yardstick does. Compare with
``sqlite3 x.db '.import --csv FILE accounts'`` run on the same file.
"""

import csv
import os
import sqlite3
import sys
import time

DB = "/tmp/casefile-floor.db"


def main(src: str) -> None:
    started = time.process_time()
    with open(src, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    print(f"csv.reader over the file: {time.process_time() - started:.2f} s CPU ({len(rows)} rows)")
    for suffix in ("", "-journal"):
        if os.path.exists(DB + suffix):
            os.unlink(DB + suffix)
    conn = sqlite3.connect(DB, isolation_level=None)
    conn.execute("PRAGMA page_size = 32768")
    conn.execute("CREATE TABLE accounts (" + ", ".join(f'"{h}" TEXT' for h in header) + ")")
    started = time.process_time()
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO accounts VALUES (" + ", ".join("?" * len(header)) + ")", rows)
    conn.execute("COMMIT")
    print(f"executemany into a bare {len(header)}-column table: {time.process_time() - started:.2f} s CPU")
    started = time.perf_counter()
    conn.execute(
        "CREATE VIRTUAL TABLE f USING fts5(name, summary, source_title, content='accounts', "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    conn.execute("INSERT INTO f (f) VALUES ('rebuild')")
    print(f"FTS5 rebuild over name, summary, source_title: {time.perf_counter() - started:.2f} s")
    conn.close()
    os.unlink(DB)


if __name__ == "__main__":
    main(sys.argv[1])
