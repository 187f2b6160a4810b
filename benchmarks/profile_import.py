"""Where an import's time goes, per phase: cProfile of ``pipeline.run`` over one file (issue 23).

    python benchmarks/profile_import.py benchmarks/out/accounts-50000.csv [csv|jsonl]

Imports the file into a new database in /tmp (with ``--new-org``'s choice: every organisation name is created
as written) and prints the CPU seconds cProfile gives each phase's function, cumulative. Phases nest (the dates
are part of validation, the nested parts part of the insert), so the column does not add up to the total;
cProfile's own overhead makes every figure larger than in a plain run, the ratios between them are what it is for.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import time
from pathlib import Path

from casefile import pipeline
from casefile import store as st
from casefile.validation import Validator

#: (label, file the function is in, function name)
PHASES = (
    ("parse (reader)", "importers/csv.py", "read"),
    ("parse (reader)", "importers/jsonl.py", "read"),
    ("validate (incl. dates)", "casefile/validation.py", "validate"),
    ("  dates", "casefile/dates.py", "parse_date"),
    ("write loop (everything below)", "casefile/pipeline.py", "write"),
    ("  lookup of stored keys", "store/accounts.py", "existing"),
    ("  key claims", "casefile/pipeline.py", "_claim_keys"),
    ("  organisation resolution", "casefile/orgresolve.py", "resolve"),
    ("  Account build (merge with defaults)", "casefile/pipeline.py", "merge"),
    ("  sources (citations)", "casefile/citing.py", "resolve"),
    ("  insert (executemany + parts)", "store/accounts.py", "insert"),
    ("    row build (account_to_row)", "store/accounts.py", "account_to_row"),
    ("    nested parts", "store/parts.py", "write_nested"),
    ("  primary source columns", "store/sources.py", "sync_primary_columns"),
    ("secondary indexes (end)", "store/accounts.py", "create_indexes"),
    ("search index (FTS5)", "store/search.py", "sync_search"),
    ("audit log", "store/audit_log.py", "_audit_finish"),
)


def main(src: str, fmt: str) -> None:
    db = Path("/tmp/casefile-profile.db")
    for suffix in ("", "-journal"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    store = st.Store.open(db, create=True)
    validator = Validator(pipeline.options_for(store))
    profile = cProfile.Profile(time.process_time)  # CPU seconds: the machine may be shared
    started = time.perf_counter()
    profile.enable()
    items = pipeline.file_items(src, fmt, encoding="utf-8", validator=validator)
    result = pipeline.run(store, items, orgs=pipeline.OrgChoices(new_org=True))
    profile.disable()
    total = time.perf_counter() - started
    store.close()
    db.unlink()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    seconds: dict[str, float] = {}
    for label, path, name in PHASES:
        found = sum(v[3] for (file, _line, func), v in stats.items() if func == name and file.endswith(path))
        seconds[label] = seconds.get(label, 0.0) + found
    rows = result.counts.added + result.counts.updated + result.counts.unchanged
    for label, value in seconds.items():
        print(f"{label:40s} {value:7.2f} s {value / max(rows, 1) * 1e6:7.0f} µs/row")
    per_row = total / max(rows, 1) * 1e6
    print(f"{'total (pipeline.run, profiled)':40s} {total:7.2f} s {per_row:7.0f} µs/row; {rows} rows")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "csv")
