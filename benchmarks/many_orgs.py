"""An import that creates many organisations (issue 23): before, each new organisation cost a scan of the accounts
already written - their organisation index is dropped for a load into an empty table - so the time grew with
rows × organisations.

    python benchmarks/many_orgs.py [rows] [every]

Writes ``rows`` rows (default 20,000) from the generated bench file, one in ``every`` (default 10) naming an
organisation of its own, imports them with ``--new-org`` into a new database, and prints the wall time and the
time per row beside the same rows with the bench file's ~300 organisations.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).parent / "out"


def write(rows: int, every: int | None, path: Path) -> None:
    with (OUT / "accounts-10000.csv").open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        source = list(reader)
    org, key = header.index("organization"), header.index("external_id")
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for n in range(rows):
            row = list(source[n % len(source)])
            row[key] = f"X-{n}"
            if every and n % every == 0:
                row[org] = f"Committee number {n}"
            writer.writerow(row)


def timed_import(path: Path) -> float:
    db = Path("/tmp/casefile-many-orgs.db")
    for suffix in ("", "-journal"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "casefile", "--db", str(db), "import", "--new-org", "--quiet", str(path)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    db.unlink()
    return seconds


def main(rows: int, every: int) -> None:
    if not (OUT / "accounts-10000.csv").exists():
        import generate  # benchmarks/generate.py: the bench's seeded generator

        OUT.mkdir(exist_ok=True)
        with (OUT / "accounts-10000.csv").open("w", encoding="utf-8", newline="") as out:
            generate.write(10_000, "csv", out)
    many, few = Path("/tmp/casefile-many-orgs.csv"), Path("/tmp/casefile-few-orgs.csv")
    write(rows, every, many)
    write(rows, None, few)
    for label, path in ((f"a new organisation every {every} rows", many), ("the bench file's organisations", few)):
        seconds = timed_import(path)
        print(f"{rows:,} rows, {label}: {seconds:.2f} s, {seconds / rows * 1e6:.0f} µs a row")
    many.unlink()
    few.unlink()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000, int(sys.argv[2]) if len(sys.argv) > 2 else 10)
