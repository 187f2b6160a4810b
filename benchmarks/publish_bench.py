"""P1/P2 (issue 17): ``casefile publish OUT.db`` against SQLite's own copy of the same database, in one run.

    python benchmarks/publish_bench.py              # 200,000 accounts (BENCH_ROWS), 3 runs each (BENCH_REPEAT)
    BENCH_REUSE_DB=1 python benchmarks/publish_bench.py   # reuse the database a previous run built

Builds the N-account database once (``casefile import`` of the generated CSV), then alternates, ``BENCH_REPEAT``
times: the yardstick, ``sqlite3 DB ".backup OUT"`` (the sqlite3 shell when it is on PATH, else Python's
``sqlite3.Connection.backup`` in a subprocess: the line printed says which); ``casefile publish OUT.db``; and
SQLite's own floor for the search index, an FTS5 table with the same tokenizer filled with the text the
published file indexes (a subprocess, publish's own FTS5 settings, no journal, no fsync: what the index
alone costs, whoever builds it). Medians of the wall
seconds; the ratios are publish / backup and floor / backup. Peak RSS of each run is the child's own, from
``os.wait4`` (a process measured alone, not this one's high-water mark).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402  (the suite's inputs, paths and casefile command)

from casefile.store.publish import _FTS_BUILD  # noqa: E402

SQLITE3 = shutil.which("sqlite3")
#: ``BENCH_BEFORE=DIR``: also time the casefile package in DIR (e.g. ``git archive OLD casefile | tar -x -C DIR``).
BEFORE = os.environ.get("BENCH_BEFORE")
_BACKUP_PY = (
    "import sqlite3, sys\nsrc = sqlite3.connect(sys.argv[1]); dst = sqlite3.connect(sys.argv[2])\nsrc.backup(dst)\n"
)
#: SQLite's floor for the index: the published accounts' indexed text into an empty FTS5 table, nothing else.
_FLOOR_PY = """import json, sqlite3, sys
db = sqlite3.connect(sys.argv[2], isolation_level=None)
db.execute("PRAGMA page_size = 32768"); db.execute("PRAGMA journal_mode = OFF"); db.execute("PRAGMA synchronous = OFF")
db.execute("CREATE VIRTUAL TABLE f USING fts5(name, summary, source_title, content='', "
           "tokenize='unicode61 remove_diacritics 2')")
for option, value in json.loads(sys.argv[3]):
    db.execute("INSERT INTO f (f, rank) VALUES (?, ?)", (option, value))
db.execute("ATTACH ? AS src", (sys.argv[1],))
db.execute("BEGIN")
db.execute("INSERT INTO f (rowid, name, summary, source_title) SELECT d.rowid, coalesce(d.name, a.name, ''), "
           "coalesce(d.summary, a.summary, ''), coalesce(d.source_title, a.source_title, '') "
           "FROM src.accounts_fts_docs AS d JOIN src.accounts AS a ON a.rowid = d.rowid "
           "WHERE a.deleted_at IS NULL AND a.confidentiality != 'restricted' ORDER BY d.rowid")
db.execute("COMMIT")
"""


def timed_wait4(cmd: Sequence[str], env: dict[str, str] | None = None) -> tuple[float, int, float]:
    """(wall seconds, the child's own peak RSS in KiB, its CPU seconds) of one run; stdout to /dev/null."""
    start = time.perf_counter()
    child = subprocess.Popen(list(cmd), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=HERE)
    assert child.stderr is not None
    err = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {child.returncode}: {err.decode(errors='replace')[-500:]}")
    return elapsed, int(usage.ru_maxrss), usage.ru_utime + usage.ru_stime


def yardstick() -> str:
    return "`sqlite3 .backup` (the sqlite3 shell)" if SQLITE3 else "Python's `Connection.backup` (no sqlite3 shell)"


def backup(db: Path, copy: Path) -> tuple[float, int, float]:
    run.fresh_db(copy.name)
    if SQLITE3:
        return timed_wait4([SQLITE3, str(db), f".backup '{copy}'"])
    return timed_wait4([sys.executable, "-c", _BACKUP_PY, str(db), str(copy)])


def publish(db: Path, out: Path, source: str | None = None) -> tuple[float, int, float]:
    """``casefile publish``; ``source``: a folder holding another casefile package to run instead (before/after)."""
    run.fresh_db(out.name)
    for extra in (".metadata.json",):
        Path(str(out.with_suffix("")) + extra).unlink(missing_ok=True)
    if source is None:
        return timed_wait4([*run.CASEFILE, "--db", str(db), "publish", str(out)])
    env = {**os.environ, "PYTHONPATH": source}
    return timed_wait4([sys.executable, "-m", "casefile", "--db", str(db), "publish", str(out)], env=env)


def floor(db: Path, out: Path) -> tuple[float, int, float]:
    run.fresh_db(out.name)
    settings = json.dumps(_FTS_BUILD)  # publish's own FTS5 settings: the cheapest build it could have
    return timed_wait4([sys.executable, "-c", _FLOOR_PY, str(db), str(out), settings])


def measure(db: Path, repeat: int = run.REPEAT) -> dict[str, dict[str, float]]:
    """Each of the three, ``repeat`` times, alternated: median seconds and the highest peak RSS."""
    copy, published, index = run.OUT / "bench-backup.db", run.OUT / "bench-published.db", run.OUT / "bench-floor.db"
    runs: dict[str, list[tuple[float, int, float]]] = {"backup": [], "publish": [], "floor": []}
    if BEFORE:
        runs["before"] = []
    for _ in range(repeat):
        runs["backup"].append(backup(db, copy))
        runs["publish"].append(publish(db, published))
        runs["floor"].append(floor(db, index))
        if BEFORE:
            runs["before"].append(publish(db, published, BEFORE))
    for path in (copy, index, published):
        run.fresh_db(path.name)
    return {
        name: {
            "seconds": statistics.median(s for s, _, _ in r),
            "rss_kib": max(k for _, k, _ in r),
            "cpu": statistics.median(c for _, _, c in r),
            "all": [round(s, 2) for s, _, _ in r],  # type: ignore[dict-item]
        }
        for name, r in runs.items()
    }


def main() -> int:
    rows = run.ROWS
    db = run.OUT / f"bench-publish-{rows}.db"
    started = time.perf_counter()
    if not (os.environ.get("BENCH_REUSE_DB") and db.exists()):
        seconds, _ = run.casefile_import(db, run.data_file(rows, "csv"))
        print(f"built {db.name} ({rows:,} accounts) in {seconds:.1f} s", file=sys.stderr)
    r = measure(db)
    b, p, f = r["backup"]["seconds"], r["publish"]["seconds"], r["floor"]["seconds"]
    load = os.getloadavg()[0]
    print(f"publish benchmark, {rows:,} accounts, {run.REPEAT} runs each, {os.cpu_count()} CPUs, load {load:.1f}")
    cpu = {name: f"CPU {m['cpu']:.2f} s" for name, m in r.items()}
    print(f"yardstick: {yardstick()}: {b:.2f} s {r['backup']['all']}, {cpu['backup']}")
    print(f"publish OUT.db: {p:.2f} s {r['publish']['all']}: {p / b:.2f}× the backup (must ≤ 2×), {cpu['publish']}")
    if BEFORE:
        o = r["before"]
        ratio = o["seconds"] / b
        print(f"publish before ({BEFORE}): {o['seconds']:.2f} s {o['all']}: {ratio:.2f}× the backup, {cpu['before']}")
    print(f"peak RSS of publish: {r['publish']['rss_kib'] / 1024:.1f} MiB (must ≤ 64 MiB)")
    floor_all = r["floor"]["all"]
    print(f"SQLite's floor for the search index alone: {f:.2f} s {floor_all}: {f / b:.2f}× the backup, {cpu['floor']}")
    print(f"({time.perf_counter() - started:.0f} s in all)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
