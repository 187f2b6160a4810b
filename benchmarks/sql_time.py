"""Where an import's SQL time goes, statement by statement (issue 23): a timer around every ``execute`` and
``executemany`` of the store's connection while ``pipeline.run`` imports a file in this process (no worker).

    python benchmarks/sql_time.py benchmarks/out/accounts-10000.csv [statements]

Prints the import's wall time, the part of it spent inside SQLite calls, and the statements that took longest
(total seconds, calls, the statement's first words). An ``executemany`` given a generator includes the Python that
produces its rows (the accounts' INSERT: ``account_to_row``); lists are built before the call and are not counted.
Compare with ``benchmarks/schema_floor.py``: what SQLite alone takes to write the same rows set-wise.
"""

from __future__ import annotations

import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from casefile import pipeline
from casefile import store as st
from casefile.validation import Validator

SECONDS: dict[str, float] = defaultdict(float)
CALLS: Counter[str] = Counter()


class Timed:
    """The connection, with its execute and executemany timed by statement."""

    def __init__(self, conn: Any):
        object.__setattr__(self, "_conn", conn)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._conn, name, value)

    def _timed(self, method: str, sql: str, *args: Any) -> Any:
        started = time.perf_counter()
        try:
            return getattr(self._conn, method)(sql, *args)
        finally:
            key = " ".join(sql.split())[:80]
            SECONDS[key] += time.perf_counter() - started
            CALLS[key] += 1

    def execute(self, sql: str, *args: Any) -> Any:
        return self._timed("execute", sql, *args)

    def executemany(self, sql: str, *args: Any) -> Any:
        return self._timed("executemany", sql, *args)


def main(src: str, shown: int) -> None:
    db = Path("/tmp/casefile-sql-time.db")
    for suffix in ("", "-journal"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    store = st.Store.open(db, create=True)
    store.conn = Timed(store.conn)  # type: ignore[assignment]
    validator = Validator(pipeline.options_for(store))
    started = time.perf_counter()
    items = pipeline.file_items(src, "csv", encoding="utf-8", validator=validator)
    result = pipeline.run(store, items, orgs=pipeline.OrgChoices(new_org=True))
    total = time.perf_counter() - started
    store.close()
    db.unlink()
    print(f"{result.counts.added:,} accounts added in {total:.2f} s; inside SQLite calls {sum(SECONDS.values()):.2f} s")
    for key, seconds in sorted(SECONDS.items(), key=lambda kv: -kv[1])[:shown]:
        print(f"{seconds:7.3f} s {CALLS[key]:7,} calls  {key}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 15)
