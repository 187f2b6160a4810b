"""casefile's benchmark suite: every goal of issues 9 and 23 as a ratio to a yardstick measured in the same run.

    make bench                         # BENCH_ROWS=200000 by default
    BENCH_ROWS=1000000 make bench      # the full run

Environment: ``BENCH_ROWS`` (accounts, default 200,000), ``BENCH_REPEAT`` (runs of each bulk command,
default 3), ``BENCH_PAIRS`` (A/B pairs for start-up and queries, default 15), ``BENCH_ONLY`` (comma-separated
measure ids, e.g. ``S1,Q1``; the import still runs when a later measure needs its database), ``BENCH_BASE_ROWS``
(accounts already stored for I3b, issue 23's upsert path; unset: I3b prints n/a).

Each measure is a small function registered with :func:`measure`; one that needs a command casefile does
not have yet (``search``, ``stats``, ``dupes``) prints "n/a (command not built yet)" until ``casefile <cmd>
--help`` succeeds, and then runs without edits. Timings:

* whole process: :func:`timed` runs the command with :mod:`subprocess` and ``time.perf_counter`` (the same
  everywhere: CI has no hyperfine); start-up and queries run paired A B A B … after a warm-up and take the
  median of the per-pair ratios; bulk commands take the median of ``BENCH_REPEAT`` runs, alternated with
  their yardstick;
* peak RSS: ``/usr/bin/time -f %M`` when present, else ``resource.getrusage(RUSAGE_CHILDREN)`` read in a
  fresh intermediate process (a direct child would inherit this process's high-water mark);
* in-process: ``time.perf_counter`` over repeated calls, median.

Generated inputs are cached in ``benchmarks/out/`` (git-ignored), as are the databases. The table is
printed at the end, as Markdown; the same figures go to ``benchmarks/out/results-<rows>.json``. The exit
status is 0 whatever the verdicts: read them.
"""

from __future__ import annotations

import compileall
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import generate  # noqa: E402

from casefile import model  # noqa: E402

PY = sys.executable
ROWS = int(os.environ.get("BENCH_ROWS", "200000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
PAIRS = int(os.environ.get("BENCH_PAIRS", "15"))
ONLY = {s.strip().upper() for s in os.environ.get("BENCH_ONLY", "").split(",") if s.strip()}
GNU_TIME = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None
SQLITE3 = shutil.which("sqlite3")
NA_COMMAND = "n/a (command not built yet)"

_console_script = Path(PY).parent / "casefile"
CASEFILE: list[str] = [str(_console_script)] if _console_script.exists() else [PY, "-m", "casefile"]
FLOOR: list[str] = [PY, str(HERE / "typer_floor.py"), "hello"]
#: Heavy modules that must not be loaded by ``import casefile.cli``.
HEAVY = ("rich", "rich.table", "sqlite_utils", "dateutil", "dateutil.parser", "pydantic")

# ---------------------------------------------------------------------------------------------- timing


def timed(cmd: Sequence[str], *, stdout: Any = subprocess.DEVNULL, env: dict[str, str] | None = None) -> float:
    """Wall seconds of one whole-process run (stdout to /dev/null unless given); fails loudly on a bad exit."""
    start = time.perf_counter()
    proc = subprocess.run(list(cmd), stdout=stdout, stderr=subprocess.PIPE, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr.decode(errors='replace')[-500:]}")
    return elapsed


_RSS_SPAWN = (
    "import resource, subprocess, sys\n"
    "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
    "sys.stderr.buffer.write(p.stderr)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(p.returncode)\n"
)


def timed_rss(cmd: Sequence[str]) -> tuple[float, int]:
    """(wall seconds, peak RSS in KiB of all the command's processes together) of one run; stdout to /dev/null.

    An import reads in a worker process (issue 23): its memory counts too (I4). ``/usr/bin/time`` and ``wait4``
    give the largest single process, not the sum, so on Linux the process tree is sampled every 20 ms and each
    process's high-water mark (``VmHWM``) kept; the figure is the sum of those marks (never below the true peak of
    the sum), and never below what ``wait4`` reports for the command at its end."""
    if os.path.isdir(f"/proc/{os.getpid()}"):
        return _timed_tree_rss(cmd)
    if GNU_TIME:
        with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
            seconds = timed([GNU_TIME, "-f", "%M", "-o", rss.name, *cmd])
            return seconds, int(Path(rss.name).read_text().split()[-1])
    start = time.perf_counter()
    proc = subprocess.run([PY, "-c", _RSS_SPAWN, *cmd], capture_output=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr.decode(errors='replace')[-500:]}")
    return elapsed, int(proc.stdout.split()[-1])


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            kids = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            continue
        out.extend(int(k) for k in kids)
        todo.extend(int(k) for k in kids)
    return out


def _high_water_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _timed_tree_rss(cmd: Sequence[str]) -> tuple[float, int]:
    with tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdout=subprocess.DEVNULL, stderr=log)
        peaks: dict[int, int] = {}
        while True:
            for pid in (proc.pid, *_descendants(proc.pid)):
                peaks[pid] = max(peaks.get(pid, 0), _high_water_kib(pid))
            done, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.02)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            log.seek(0)
            tail = log.read().decode(errors="replace")[-500:]
            raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {tail}")
    # wait4: the largest single process, its last moments included; the sum: every process's mark, sampled
    return elapsed, max(usage.ru_maxrss, sum(peaks.values()))


def paired(a: Sequence[str], b: Sequence[str], pairs: int = PAIRS, warmup: int = 2, **kw: Any) -> dict[str, float]:
    """Run A B A B …; the median of the per-pair ratios A/B and each side's median seconds."""
    for _ in range(warmup):
        timed(a, **kw)
        timed(b, **kw)
    ta, tb = [], []
    for _ in range(pairs):
        ta.append(timed(a, **kw))
        tb.append(timed(b, **kw))
    return {
        "ratio": statistics.median(x / y for x, y in zip(ta, tb, strict=True)),
        "a": statistics.median(ta),
        "b": statistics.median(tb),
    }


def bulk(a: Callable[[], tuple[float, int]], b: Callable[[], tuple[float, int]], runs: int = REPEAT) -> dict[str, Any]:
    """Alternate two bulk runs ``runs`` times; medians of seconds, max of peak RSS."""
    ra, rb = [], []
    for _ in range(runs):
        ra.append(a())
        rb.append(b())
    return {
        "a": statistics.median(s for s, _ in ra),
        "b": statistics.median(s for s, _ in rb),
        "a_rss": max(r for _, r in ra),
        "b_rss": max(r for _, r in rb),
        "a_all": [round(s, 2) for s, _ in ra],
        "b_all": [round(s, 2) for s, _ in rb],
    }


def in_process(fn: Callable[[], Any], repeat: int = 21) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# ---------------------------------------------------------------------------------------------- table


@dataclass
class Row:
    id: str
    measure: str
    casefile: str = ""
    baseline: str = ""
    ratio: str = ""
    must: str = ""
    target: str = ""
    verdict: str = ""
    details: dict[str, Any] = field(default_factory=dict)


def verdict(value: float, must: float, *, at_most: bool) -> str:
    ok = value <= must if at_most else value >= must
    return "PASS" if ok else "FAIL"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f} rows/s ({seconds:.1f} s)"


def mib(kib: int) -> str:
    return f"{kib / 1024:.1f} MiB"


@dataclass
class Context:
    rows: int
    commands: set[str] = field(default_factory=set)
    files: dict[str, Path] = field(default_factory=dict)
    db: Path | None = None  # the N-row database casefile imported (queries and exports read it)
    small_db: Path | None = None  # 1,000 rows, for start-up measures
    rss: dict[str, int] = field(default_factory=dict)


Measure = Callable[[Context], list[Row]]
MEASURES: list[tuple[str, str | None, Measure]] = []


def measure(ids: str, needs: str | None = None) -> Callable[[Measure], Measure]:
    """Register a measure; ``needs`` names a casefile command without which it prints n/a."""

    def register(fn: Measure) -> Measure:
        MEASURES.append((ids, needs, fn))
        return fn

    return register


# ---------------------------------------------------------------------------------------------- inputs


def data_file(rows: int, fmt: str) -> Path:
    """The generated input, cached in benchmarks/out (same seed and rows: same bytes)."""
    OUT.mkdir(exist_ok=True)
    path = OUT / f"accounts-{rows}.{fmt}"
    if not path.exists():
        started = time.perf_counter()
        temp = path.with_suffix(path.suffix + ".tmp")
        with temp.open("w", encoding="utf-8", newline="") as out:
            generate.write(rows, fmt, out)
        temp.replace(path)
        print(f"  generated {path.name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def fresh_db(name: str) -> Path:
    path = OUT / name
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return path


def casefile_import(db: Path, source: Path, *options: str) -> tuple[float, int]:
    fresh_db(db.name)
    # the generated organisations include sub-units ("Islamic State (Albania branch)") that nearly match their
    # group: create them as written, as a researcher who has looked would (issue 18)
    return timed_rss([*CASEFILE, "--db", str(db), "import", "--new-org", *options, str(source)])


def sqlite_import(db: Path, source: Path) -> tuple[float, int]:
    assert SQLITE3, "the sqlite3 command-line shell is needed for the yardsticks"
    fresh_db(db.name)
    return timed_rss([SQLITE3, str(db), f".import --csv {source} accounts"])


def sqlite_query(db: Path, sql: str, *flags: str) -> list[str]:
    assert SQLITE3
    return [SQLITE3, *flags, str(db), sql]


def has_command(name: str) -> bool:
    return subprocess.run([*CASEFILE, name, "--help"], capture_output=True).returncode == 0


def fts_table(db: Path) -> tuple[str, list[str]] | None:
    """The FTS5 table casefile made (name, indexed columns), if any."""
    conn = sqlite3.connect(db)
    try:
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE sql LIKE '%USING fts5%'"):
            columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{name}")')]
            return name, columns
    finally:
        conn.close()
    return None


def an_org(db: Path, rare: bool) -> str:
    conn = sqlite3.connect(db)
    try:
        order = "ASC" if rare else "DESC"
        sql = f"SELECT organization FROM accounts GROUP BY organization ORDER BY count(*) {order} LIMIT 1"
        return str(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


def an_id(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("SELECT id FROM accounts ORDER BY rowid LIMIT 1 OFFSET 10").fetchone()[0])
    finally:
        conn.close()


# -------------------------------------------------------------------------------------------- start-up


@measure("S2")
def s2_importtime(ctx: Context) -> list[Row]:
    def cumulative(module: str) -> tuple[float, set[str]]:
        err = subprocess.run([PY, "-X", "importtime", "-c", f"import {module}"], capture_output=True, text=True).stderr
        loaded, total = set(), 0.0
        for line in err.splitlines():
            m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
            if m:
                loaded.add(m[4])
                if m[4] == module:
                    total = int(m[2]) / 1e6
        return total, loaded

    cf, tp, loaded = [], [], set()
    cumulative("casefile.cli")  # warm the bytecode caches
    for _ in range(9):
        seconds, loaded = cumulative("casefile.cli")
        cf.append(seconds)
        tp.append(cumulative("typer")[0])
    cf_s, tp_s = statistics.median(cf), statistics.median(tp)
    heavy = sorted(loaded & set(HEAVY))
    ok = cf_s <= tp_s + 0.015 and not heavy
    return [
        Row(
            "S2",
            "`import casefile.cli` (-X importtime, cumulative)",
            ms(cf_s) + (f"; loads {', '.join(heavy)}" if heavy else "; no heavy module"),
            f"`import typer` {ms(tp_s)}",
            f"+{(cf_s - tp_s) * 1000:.0f} ms",
            "≤ typer + 15 ms, none heavy",
            "",
            "PASS" if ok else "FAIL",
        )
    ]


@measure("S1")
def s1_startup(ctx: Context) -> list[Row]:
    assert ctx.small_db
    db = ["--db", str(ctx.small_db)]
    account = an_id(ctx.small_db)
    cases = [
        ("`casefile --help`", [*CASEFILE, "--help"]),
        ("`casefile show ID`", [*CASEFILE, *db, "show", account[:8]]),
        ("`casefile add …` (one record)", [*CASEFILE, *db, "add", "--no-input", "--name", "Bench Person",
                                           "--org", "Bench Org", "--left", "around 2008", "--reason", "no_future"]),
    ]  # fmt: skip
    rows = []
    for label, cmd in cases:
        r = paired(cmd, FLOOR)
        rows.append(
            Row(
                "S1",
                label + ", whole process",
                ms(r["a"]),
                f"bare Typer `hello` {ms(r['b'])}",
                f"{r['ratio']:.2f}×",
                "≤ 1.15×",
                "≤ 1.05×",
                verdict(r["ratio"], 1.15, at_most=True),
                r,
            )
        )
    return rows


# ---------------------------------------------------------------------------------------------- import


@measure("I1")
def i1_csv_import(ctx: Context) -> list[Row]:
    """CSV import without the search index (`import --no-index`) against a bare `sqlite3 .import` (issue 23);
    then `casefile reindex` of that database, and the two together against `.import` + FTS5 `rebuild` (I3's
    yardstick). The reindexed database is the one the queries and exports read. A casefile without `reindex`
    (an earlier commit through PYTHONPATH) imports with its index, as I1 measured before."""
    db, base = OUT / f"bench-{ctx.rows}.db", OUT / f"sqlite-{ctx.rows}.db"
    source = ctx.files["csv"]
    no_index = "reindex" in ctx.commands
    options = ("--no-index",) if no_index else ()
    r = bulk(lambda: casefile_import(db, source, *options), lambda: sqlite_import(base, source))
    fresh_db(base.name)
    ctx.db = db  # the queries and exports read this one
    ctx.rss["csv --no-index" if no_index else "csv"] = r["a_rss"]
    ratio = r["b"] / r["a"]
    label = "CSV import without the search index (`--no-index`; validation + dates)"
    if not no_index:
        label = "CSV import (no `--no-index` in this casefile: its search index kept in step, the yardstick has none)"
    rows = [
        Row(
            "I1",
            f"{label}, {ctx.rows:,} accounts, new DB",
            rate(ctx.rows, r["a"]),
            "`sqlite3 .import --csv` " + rate(ctx.rows, r["b"]),
            f"{ratio:.2f}×",
            "≥ 0.3×",
            "≥ 0.5×",
            verdict(ratio, 0.3, at_most=False),
            r,
        )
    ]
    if no_index:
        rows.append(_reindex_row(ctx, db, r["a"]))
    return rows


def _reindex_row(ctx: Context, db: Path, imported: float) -> Row:
    """``casefile reindex`` of the database I1 imported, alternated with ``.import`` + FTS5 ``rebuild``; the ratio is
    of the import and the reindex together (no goal of its own: I3 is the goal for an import with its index)."""
    base = OUT / f"sqlite-{ctx.rows}-fts.db"
    columns = _fts_columns(ctx)
    r = bulk(
        lambda: timed_rss([*CASEFILE, "--db", str(db), "reindex"]),
        lambda: sqlite_fts_import(base, ctx.files["csv"], columns),
    )
    fresh_db(base.name)
    ctx.rss["reindex"] = r["a_rss"]
    ratio = r["b"] / (imported + r["a"])
    return Row(
        "I1r",
        f"`casefile reindex` after I1 ({r['a'] / ctx.rows * 1e6:.0f} µs/account; ratio: I1's import + reindex), "
        f"{ctx.rows:,} accounts",
        rate(ctx.rows, r["a"]),
        "`.import` + FTS5 `rebuild` " + rate(ctx.rows, r["b"]),
        f"{ratio:.2f}×",
        "",
        "",
        "",
        r,
    )


@measure("I2")
def i2_jsonl_import(ctx: Context) -> list[Row]:
    """JSONL import of the same records against `.import` + FTS5 `rebuild` of the CSV (issue 23)"""
    source = ctx.files["jsonl"]
    db, base = OUT / f"bench-{ctx.rows}-jsonl.db", OUT / f"sqlite-{ctx.rows}-fts.db"
    columns = _fts_columns(ctx)
    r = bulk(lambda: casefile_import(db, source), lambda: sqlite_fts_import(base, ctx.files["csv"], columns))
    fresh_db(db.name)
    fresh_db(base.name)
    ctx.rss["jsonl"] = r["a_rss"]
    ratio = r["b"] / r["a"]
    return [
        Row(
            "I2",
            f"JSONL import, {ctx.rows:,} accounts, new DB",
            rate(ctx.rows, r["a"]),
            "`.import` + FTS5 `rebuild` " + rate(ctx.rows, r["b"]),
            f"{ratio:.2f}×",
            "≥ 0.5×",
            "≥ 0.65×",
            verdict(ratio, 0.5, at_most=False),
            r,
        )
    ]


#: I4's rows: what each peak RSS in ``Context.rss`` is of.
_RSS_OF = {
    "csv": "a CSV import",
    "csv --no-index": "a CSV import with `--no-index`",
    "reindex": "`casefile reindex`",
    "jsonl": "a JSONL import",
    "json": "a JSON import",
}


@measure("I4")
def i4_import_rss(ctx: Context) -> list[Row]:
    db = OUT / f"bench-{ctx.rows}-json.db"
    _, ctx.rss["json"] = casefile_import(db, ctx.files["json"])
    fresh_db(db.name)
    rows = []
    for fmt, what in _RSS_OF.items():
        if fmt not in ctx.rss:
            continue
        kib = ctx.rss[fmt]
        rows.append(
            Row(
                "I4",
                f"peak RSS of {what}, {ctx.rows:,} accounts",
                mib(kib),
                "",
                "",
                "≤ 96 MiB, flat in N",
                "≤ 64 MiB",
                verdict(kib / 1024, 96, at_most=True),
            )
        )
    return rows


def _fts_columns(ctx: Context) -> list[str]:
    """The columns of casefile's FTS5 table, read from a small database casefile made (the yardstick's index is
    shaped like it)."""
    assert ctx.small_db
    found = fts_table(ctx.small_db)
    assert found is not None, "casefile made no FTS5 table"
    return found[1]


def sqlite_fts_import(db: Path, source: Path, columns: list[str], *, keep: bool = False) -> tuple[float, int]:
    """The yardstick of I2, I3 and I3b: ``sqlite3 .import`` of the CSV, then an FTS5 table with casefile's
    columns over it (external content) and its ``rebuild``. ``keep``: add to the database as it is."""
    assert SQLITE3
    script = (
        f".import --csv {source} accounts\n"
        f"CREATE VIRTUAL TABLE IF NOT EXISTS accounts_fts USING fts5({', '.join(columns)}, content=accounts);\n"
        "INSERT INTO accounts_fts(accounts_fts) VALUES('rebuild');\n"
    )
    script_path = OUT / f"fts_import-{db.stem}.sql"
    script_path.write_text(script)
    if not keep:
        fresh_db(db.name)
    return timed_rss(["sh", "-c", f'"{SQLITE3}" "{db}" < "{script_path}"'])


@measure("I3", needs="search")
def i3_fts_import(ctx: Context) -> list[Row]:
    """CSV import into an empty database including the FTS5 index"""
    source = ctx.files["csv"]
    db, base = OUT / f"bench-{ctx.rows}-fts.db", OUT / f"sqlite-{ctx.rows}-fts.db"
    columns = _fts_columns(ctx)
    r = bulk(lambda: casefile_import(db, source), lambda: sqlite_fts_import(base, source, columns))
    fresh_db(base.name)
    fresh_db(db.name)
    ratio = r["b"] / r["a"]
    return [
        Row(
            "I3",
            f"CSV import with FTS5 ({', '.join(columns)}), {ctx.rows:,} accounts",
            rate(ctx.rows, r["a"]),
            "`.import` + FTS5 `rebuild` " + rate(ctx.rows, r["b"]),
            f"{ratio:.2f}×",
            "≥ 0.6×",
            "≥ 0.75×",
            verdict(ratio, 0.6, at_most=False),
            r,
        )
    ]


#: I3b's base: this many accounts already stored (``BENCH_BASE_ROWS``; 0, the default, leaves I3b out)
BASE_ROWS = int(os.environ.get("BENCH_BASE_ROWS", "0"))


@measure("I3b")
def i3b_upsert_import(ctx: Context) -> list[Row]:
    """CSV import into a database that already holds ``BENCH_BASE_ROWS`` accounts (issue 23). The N measured rows
    are the first N of the base file (the generator's files are prefixes of each other), so every row meets a
    stored account: the upsert path (lookup, merge, compare) for each of them. The yardstick appends the same CSV
    to SQLite's own copy of the base and rebuilds its FTS5 index."""
    if not BASE_ROWS:
        return [Row("I3b", "CSV import onto a stored base (upsert path)", "n/a (set BENCH_BASE_ROWS, e.g. 1000000)")]
    columns = _fts_columns(ctx)
    base_csv = data_file(BASE_ROWS, "csv")
    cf_base, sq_base = OUT / f"base-{BASE_ROWS}.db", OUT / f"base-sqlite-{BASE_ROWS}.db"
    if not cf_base.exists():
        casefile_import(cf_base, base_csv)
    if not sq_base.exists():
        sqlite_fts_import(sq_base, base_csv, columns)
    db, base = OUT / f"bench-{ctx.rows}-on-{BASE_ROWS}.db", OUT / f"sqlite-{ctx.rows}-on-{BASE_ROWS}.db"

    def casefile_run() -> tuple[float, int]:
        fresh_db(db.name)
        shutil.copy(cf_base, db)
        return timed_rss([*CASEFILE, "--db", str(db), "import", "--new-org", str(ctx.files["csv"])])

    def sqlite_run() -> tuple[float, int]:
        fresh_db(base.name)
        shutil.copy(sq_base, base)
        return sqlite_fts_import(base, ctx.files["csv"], columns, keep=True)

    r = bulk(casefile_run, sqlite_run)
    fresh_db(db.name)
    fresh_db(base.name)
    ratio = r["b"] / r["a"]
    return [
        Row(
            "I3b",
            f"CSV import of {ctx.rows:,} accounts onto {BASE_ROWS:,} stored (upsert path)",
            rate(ctx.rows, r["a"]),
            "`.import` + FTS5 `rebuild` on the same base " + rate(ctx.rows, r["b"]),
            f"{ratio:.2f}×",
            "≥ 0.45×",
            "≥ 0.6×",
            verdict(ratio, 0.45, at_most=False),
            r,
        )
    ]


@measure("P1")
def p1_sqlite_utils(ctx: Context) -> list[Row]:
    """CSV import with full validation against `sqlite-utils insert --csv --no-detect-types` (no validation)"""
    sqlite_utils = Path(PY).parent / "sqlite-utils"
    source = ctx.files["csv"]
    db, base = OUT / f"bench-{ctx.rows}-p1.db", OUT / f"sqlite-utils-{ctx.rows}.db"

    def yardstick() -> tuple[float, int]:
        fresh_db(base.name)
        cmd = [str(sqlite_utils), "insert", str(base), "accounts", str(source), "--csv", "--no-detect-types"]
        return timed_rss(cmd)

    r = bulk(lambda: casefile_import(db, source), yardstick)
    fresh_db(db.name)
    fresh_db(base.name)
    ratio = r["b"] / r["a"]
    return [
        Row(
            "P1",
            f"CSV import (issue 23), {ctx.rows:,} accounts, new DB",
            rate(ctx.rows, r["a"]),
            "`sqlite-utils insert --csv --no-detect-types` " + rate(ctx.rows, r["b"]),
            f"{ratio:.2f}×",
            "≥ 1.0×",
            "≥ 1.0× `sqlite-utils bulk`",
            verdict(ratio, 1.0, at_most=False),
            r,
        )
    ]


@measure("D1")
def d1_size(ctx: Context) -> list[Row]:
    assert ctx.db
    conn = sqlite3.connect(ctx.db)
    try:
        size = conn.execute("SELECT sum(pgsize) FROM dbstat WHERE name NOT LIKE '%fts%'").fetchone()[0]
        page = conn.execute("PRAGMA page_size").fetchone()[0]
    finally:
        conn.close()
    csv_size = ctx.files["csv"].stat().st_size
    ratio = size / csv_size
    return [
        Row(
            "D1",
            f"DB size without FTS, {ctx.rows:,} accounts (page size {page})",
            f"{size / 1e6:,.0f} MB",
            f"CSV {csv_size / 1e6:,.0f} MB",
            f"{ratio:.2f}×",
            "≤ 1.25×",
            "≤ 1.15×",
            verdict(ratio, 1.25, at_most=True),
        )
    ]


# ---------------------------------------------------------------------------------------------- export


def _export_rows(ctx: Context, fmt: str, sql: str, flags: Sequence[str], must: float, target: float) -> Row:
    assert ctx.db
    db = str(ctx.db)
    cf = [*CASEFILE, "--db", db, "export", "--format", fmt, "--include-restricted"]
    r = bulk(lambda: timed_rss(cf), lambda: timed_rss(sqlite_query(ctx.db, sql, *flags)))  # type: ignore[arg-type]
    ctx.rss[f"export-{fmt}"] = r["a_rss"]
    ratio = r["b"] / r["a"]
    return Row(
        "E1" if fmt == "csv" else "E2",
        f"{fmt.upper()} export to stdout, {ctx.rows:,} accounts",
        rate(ctx.rows, r["a"]),
        ("`sqlite3 -csv`" if fmt == "csv" else "`sqlite3` `json_object(…)`") + " " + rate(ctx.rows, r["b"]),
        f"{ratio:.2f}×",
        f"≥ {must}×",
        f"≥ {target}×",
        verdict(ratio, must, at_most=False),
        r,
    )


@measure("E1")
def e1_csv_export(ctx: Context) -> list[Row]:
    columns = ", ".join(f'"{c}"' for c in model.CSV_COLUMNS)
    return [_export_rows(ctx, "csv", f"SELECT {columns} FROM accounts", ["-csv", "-header"], 0.2, 0.4)]


@measure("E2")
def e2_jsonl_export(ctx: Context) -> list[Row]:
    pairs = []
    for key in model.JSON_KEYS:
        f = model.FIELD_BY_NAME.get(key)
        value = f"json(coalesce(\"{key}\", '[]'))" if f is not None and f.multi else f'"{key}"'
        pairs.append(f"'{key}', {value}")
    sql = f"SELECT json_object({', '.join(pairs)}) FROM accounts"
    return [_export_rows(ctx, "jsonl", sql, [], 0.3, 0.6)]


@measure("E3")
def e3_export_rss(ctx: Context) -> list[Row]:
    rows = []
    for fmt in ("csv", "jsonl"):
        kib = ctx.rss.get(f"export-{fmt}")
        if kib is None:
            continue
        rows.append(
            Row(
                "E3",
                f"peak RSS of the {fmt.upper()} export, {ctx.rows:,} accounts",
                mib(kib),
                "",
                "",
                "≤ 64 MiB",
                "",
                verdict(kib / 1024, 64, at_most=True),
            )
        )
    return rows


@measure("P1,P2")
def p1_publish(ctx: Context) -> list[Row]:
    """``publish OUT.db`` (issue 17) against SQLite's own copy of the same file, ``sqlite3 DB .backup``
    (benchmarks/publish_bench.py, which also runs alone)."""
    import publish_bench

    assert ctx.db
    m = publish_bench.measure(ctx.db)
    r = {"a": m["publish"]["seconds"], "b": m["backup"]["seconds"], "a_rss": m["publish"]["rss_kib"], **m}
    ratio = r["a"] / r["b"]
    return [
        Row(
            "P1",
            f"publish OUT.db, {ctx.rows:,} accounts",
            f"{r['a']:.2f} s",
            f"{publish_bench.yardstick()} {r['b']:.2f} s",
            f"{ratio:.2f}×",
            "≤ 2×",
            "",
            verdict(ratio, 2, at_most=True),
            r,
        ),
        Row(
            "P2",
            f"peak RSS of publish, {ctx.rows:,} accounts",
            mib(r["a_rss"]),
            "",
            "",
            "≤ 64 MiB",
            "",
            verdict(r["a_rss"] / 1024, 64, at_most=True),
        ),
    ]


# ---------------------------------------------------------------------------------------------- queries


@measure("Q1")
def q1_list(ctx: Context) -> list[Row]:
    assert ctx.db
    from casefile.store import Store

    rows = []
    for rare in (False, True):
        org = an_org(ctx.db, rare)
        cmd = [*CASEFILE, "--db", str(ctx.db), "list", "--org", org, "--limit", "50"]
        r = paired(cmd, FLOOR)
        store = Store.open(ctx.db)
        try:
            flt = model.Filter(org=[org], limit=50)
            query = in_process(lambda s=store, f=flt: list(s.query(f)))  # type: ignore[misc]
        finally:
            store.close()
        label = "rarest" if rare else "commonest"
        rows.append(
            Row(
                "Q1",
                f"`list --org X --limit 50` ({label} organisation), whole process; query in-process",
                f"{ms(r['a'])}; query {query * 1000:.2f} ms",
                f"bare Typer `hello` {ms(r['b'])}",
                f"{r['ratio']:.2f}×",
                "≤ 1.6×; query ≤ 2 ms",
                "≤ 1.35×",
                "PASS" if r["ratio"] <= 1.6 and query <= 0.002 else "FAIL",
                {**r, "query": query},
            )
        )
    return rows


@measure("R1")
def r1_plain_list(ctx: Context) -> list[Row]:
    assert ctx.db
    base = [*CASEFILE, "--db", str(ctx.db), "list", "--limit"]
    with tempfile.TemporaryFile() as out:
        r = paired([*base, "10000"], [*base, "50"], pairs=max(5, PAIRS // 2), stdout=out)
    return [
        Row(
            "R1",
            "`list --limit 10000 > file` (not a terminal)",
            ms(r["a"]),
            f"`list --limit 50 > file` {ms(r['b'])}",
            f"{r['ratio']:.2f}×",
            "≤ 2×",
            "",
            verdict(r["ratio"], 2, at_most=True),
            r,
        )
    ]


@measure("Q2", needs="search")
def q2_search(ctx: Context) -> list[Row]:
    """`search` top 20 with snippets, whole process (selective / broad)"""
    assert ctx.db
    found = fts_table(ctx.db)
    selective = paired([*CASEFILE, "--db", str(ctx.db), "search", "kaesong", "--limit", "20"], FLOOR)
    rows = [
        Row(
            "Q2",
            "`search kaesong` (selective, few hits), whole process",
            ms(selective["a"]),
            f"bare Typer `hello` {ms(selective['b'])}",
            f"{selective['ratio']:.2f}×",
            "≤ 1.6×",
            "",
            verdict(selective["ratio"], 1.6, at_most=True),
            selective,
        )
    ]
    if found is None:
        rows.append(Row("Q2", "`search panmunjom` (broad)", "n/a (no FTS5 table in the database)"))
        return rows
    name, _ = found
    sql = (
        f"SELECT a.id, snippet({name}, -1, '[', ']', '…', 12) FROM {name} JOIN accounts a ON a.rowid = {name}.rowid "
        f"WHERE {name} MATCH 'panmunjom' ORDER BY rank LIMIT 20"
    )
    broad = paired([*CASEFILE, "--db", str(ctx.db), "search", "panmunjom", "--limit", "20"], FLOOR, pairs=5)
    cli = statistics.median(timed(sqlite_query(ctx.db, sql)) for _ in range(5))
    allowed = broad["b"] + 1.3 * cli
    ratio = broad["a"] / allowed
    rows.append(
        Row(
            "Q2",
            "`search panmunjom` (broad, ranked), whole process",
            ms(broad["a"]),
            f"`hello` {ms(broad['b'])} + 1.3 × `sqlite3` {ms(cli)}",
            f"{ratio:.2f}×",
            "≤ 1×",
            "",
            verdict(ratio, 1, at_most=True),
            {**broad, "sqlite3": cli},
        )
    )
    return rows


@measure("Q3", needs="stats")
def q3_stats(ctx: Context) -> list[Row]:
    """`stats --by organization`, whole process"""
    assert ctx.db
    sql = "SELECT organization, count(*) FROM accounts WHERE deleted_at IS NULL GROUP BY organization ORDER BY 2 DESC"
    r = paired([*CASEFILE, "--db", str(ctx.db), "stats", "--by", "organization"], FLOOR, pairs=5)
    cli = statistics.median(timed(sqlite_query(ctx.db, sql)) for _ in range(5))
    ratio = r["a"] / (r["b"] + 1.3 * cli)
    return [
        Row(
            "Q3",
            "`stats --by organization`, whole process",
            ms(r["a"]),
            f"`hello` {ms(r['b'])} + 1.3 × `sqlite3` GROUP BY {ms(cli)}",
            f"{ratio:.2f}×",
            "≤ 1×",
            "",
            verdict(ratio, 1, at_most=True),
            {**r, "sqlite3": cli},
        )
    ]


@measure("X1", needs="dupes")
def x1_dupes(ctx: Context) -> list[Row]:
    """`dupes` on 100,000 accounts"""
    rows = min(ctx.rows, 100_000)
    db = OUT / f"bench-{rows}-dupes.db"
    casefile_import(db, data_file(rows, "csv"))
    seconds = timed([*CASEFILE, "--db", str(db), "dupes"])
    fresh_db(db.name)
    return [
        Row(
            "X1",
            f"`dupes` on {rows:,} accounts",
            f"{seconds:.1f} s",
            "",
            "",
            "≤ 60 s",
            "",
            verdict(seconds, 60, at_most=True),
        )
    ]


def _article(words: int) -> str:
    """An article of about ``words`` words, paragraphs of the labelled eval texts one after another."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests" / "eval" / "texts").glob("*.txt"))]
    out: list[str] = []
    count = 0
    while count < words:
        for text in texts:
            for para in text.split("\n\n"):
                out.append(para)
                count += len(para.split())
                if count >= words:
                    return "\n\n".join(out)
    return "\n\n".join(out)


@measure("G1,G2", needs="ingest")
def g_ingest_speed(ctx: Context) -> list[Row]:
    """drafting one article: 1,500 and 5,000 words, after start-up (issue 22)"""
    from casefile.ingest import drafting

    rows = []
    for ident, words, must in (("G1", 1500, 0.3), ("G2", 5000, 1.0)):
        text = _article(words)
        seconds = in_process(lambda text=text: drafting.draft(text), repeat=7)
        rows.append(
            Row(
                ident,
                f"draft a {words:,}-word article",
                ms(seconds),
                "",
                "",
                f"≤ {ms(must)}",
                "",
                verdict(seconds, must, at_most=True),
            )
        )
    return rows


@measure("G3", needs="ingest")
def g3_ingest_dir(ctx: Context) -> list[Row]:
    """`ingest DIR --draft-out` of 1,000 articles: peak RSS (issue 22: ≤ 200 MiB)"""
    folder = OUT / "ingest-1000"
    texts = sorted((ROOT / "tests" / "eval" / "texts").glob("*.txt"))
    if not folder.exists():
        folder.mkdir(parents=True)
        for n in range(1000):
            shutil.copy(texts[n % len(texts)], folder / f"{n:04d}-{texts[n % len(texts)].name}")
    drafts = Path(tempfile.mkdtemp(dir=OUT))
    try:
        seconds, kib = timed_rss(
            [*CASEFILE, "--db", str(OUT / "ingest.db"), "ingest", str(folder), "--draft-out", str(drafts)]
        )
    finally:
        shutil.rmtree(drafts, ignore_errors=True)
    db = OUT / "ingest-accept.db"
    for stale in OUT.glob("ingest-accept.db*"):
        stale.unlink()
    # filing too: every draft an account, its original archived as its source's artifact, one transaction each
    filed_seconds, filed_kib = timed_rss([*CASEFILE, "--db", str(db), "ingest", str(folder), "--accept"])
    return [
        Row(
            "G3",
            "`ingest DIR --draft-out` of 1,000 articles: peak RSS",
            f"{mib(kib)} ({seconds:.1f} s)",
            "",
            "",
            "≤ 200 MiB",
            "",
            verdict(kib / 1024, 200, at_most=True),
        ),
        Row(
            "G3",
            "`ingest DIR --accept` of 1,000 articles (filed, originals archived): peak RSS",
            f"{mib(filed_kib)} ({filed_seconds:.1f} s)",
            "",
            "",
            "≤ 200 MiB",
            "",
            verdict(filed_kib / 1024, 200, at_most=True),
        ),
    ]


# ------------------------------------------------------------------------------------------------ main

COLUMNS = ("id", "measure", "casefile", "baseline (same run)", "ratio", "must", "target", "verdict")


def table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in rows:
        cells = (r.id, r.measure, r.casefile, r.baseline, r.ratio, r.must, r.target, r.verdict)
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def wanted(ids: str) -> bool:
    """Whether a measure is asked for; ``ids`` may name several (``P1,P2``)."""
    return not ONLY or any(i.upper() in ONLY for i in ids.split(","))


def main() -> int:
    started = time.perf_counter()
    print(f"casefile benchmark: {ROWS:,} accounts, {REPEAT} bulk runs, {PAIRS} pairs", file=sys.stderr)
    ctx = Context(ROWS)
    # casefile's bytecode, as a wheel install leaves it: with PYTHONDONTWRITEBYTECODE set, each run of an
    # editable install would compile every module again and the start-up measures would time the compiler
    compileall.compile_dir(str(ROOT / "casefile"), quiet=1)
    ctx.commands = {name for name in ("search", "stats", "dupes", "ingest", "reindex") if has_command(name)}
    ctx.files = {fmt: data_file(ROWS, fmt) for fmt in ("csv", "jsonl", "json")}
    small = OUT / "bench-small.db"
    casefile_import(small, data_file(1000, "csv"))
    ctx.small_db = small
    needs_db = any(wanted(i) for i in ("D1", "E1", "E2", "E3", "Q1", "R1", "Q2", "Q3", "P1,P2"))
    results: list[Row] = []
    for ids, needs, fn in MEASURES:
        if not wanted(ids) and not (ids == "I1" and needs_db):
            continue
        if needs is not None and needs not in ctx.commands:
            results.append(Row(ids, fn.__doc__ or fn.__name__, NA_COMMAND))
            continue
        step = time.perf_counter()
        print(f"  {ids} …", file=sys.stderr, flush=True)
        new = fn(ctx)
        print(f"  {ids} done in {time.perf_counter() - step:.0f} s", file=sys.stderr, flush=True)
        if wanted(ids):
            results.extend(new)
    conn = sqlite3.connect(":memory:")
    sqlite_version = conn.execute("SELECT sqlite_version()").fetchone()[0]
    conn.close()
    header = (
        f"casefile benchmark — {ROWS:,} accounts; Python {platform.python_version()}, SQLite {sqlite_version}, "
        f"{os.cpu_count()} CPUs; bulk runs {REPEAT}, pairs {PAIRS}; {time.perf_counter() - started:.0f} s in all"
    )
    print(header)
    print()
    print(table(results))
    (OUT / f"results-{ROWS}.json").write_text(
        json.dumps({"header": header, "rows": [asdict(r) for r in results]}, indent=1, ensure_ascii=False)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
