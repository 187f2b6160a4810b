"""CPU seconds per phase of an import, streamed as ``casefile import`` runs it (docs/PERFORMANCE.md).

    python benchmarks/phases.py benchmarks/out/accounts-50000.csv csv

Wraps the pipeline's parts in ``time.process_time`` timers (which add a little overhead of their own) and imports
the file into a new database in /tmp.
"""

import sys
import time
from collections import defaultdict
from pathlib import Path

from casefile import pipeline, validation
from casefile import store as st

T: dict[str, float] = defaultdict(float)


def wrap(obj: object, name: str, label: str | None = None) -> None:
    f = getattr(obj, name)

    def w(*a: object, **k: object) -> object:
        t = time.process_time()
        try:
            return f(*a, **k)
        finally:
            T[label or name] += time.process_time() - t

    setattr(obj, name, w)


wrap(validation.Validator, "validate", "validate (incl. dates)")
wrap(st.Store, "insert", "SQLite: insert accounts (+ account_to_row)")
wrap(st.Store, "sync_search", "search index (docs + FTS5)")
wrap(st.Store, "_audit_finish", "audit log")
wrap(st.Store, "create_indexes", "secondary indexes built at the end")
wrap(pipeline.Organizations, "resolve", "organisations")
wrap(pipeline.Writer, "_claim_keys", "key claims")
wrap(pipeline, "merge", "merge with defaults")
wrap(st.Store, "existing", "lookup of stored keys")


def main(src: str, fmt: str) -> None:
    db = Path("/tmp/casefile-phases.db")
    for suffix in ("", "-journal"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    store = st.Store.open(db, create=True)
    validator = validation.Validator(pipeline.options_for(store))
    started = time.process_time()
    result = pipeline.run(store, pipeline.file_items(src, fmt, encoding="utf-8", validator=validator))
    total = time.process_time() - started
    store.close()
    db.unlink()
    for label, seconds in sorted(T.items(), key=lambda item: -item[1]):
        print(f"{label:45s} {seconds:6.2f} s")
    print(f"{'everything else (reading, items, write loop)':45s} {total - sum(T.values()):6.2f} s")
    print(f"{'total (pipeline.run, CPU)':45s} {total:6.2f} s; {result.counts.added} added")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
