"""CPU seconds and peak memory of each process of an import, with and without the worker (issue 23).

    python benchmarks/worker_cpu.py benchmarks/out/accounts-10000.csv [runs]

Runs ``casefile import --new-org FILE`` into a new database with ``CASEFILE_IMPORT_WORKERS=0`` and ``=1`` in turn,
``runs`` times (default 3), sampling every process's CPU time and high-water mark every 20 ms from ``/proc``
(Linux). CPU seconds do not depend on what else the machine runs, as wall time on a shared machine does: the
writer's CPU is what the worker takes work off; with a free second core the wall time falls by as much.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # noqa: E402


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def once(source: str, workers: str) -> dict[str, tuple[float, float]]:
    """{"writer" / "worker": (CPU seconds, peak MiB)} of one import."""
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "CASEFILE_IMPORT_WORKERS": workers}
        command = [*run.CASEFILE, "--db", f"{folder}/x.db", "import", "--new-org", source]
        process = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
        seen: dict[int, tuple[float, float]] = {}
        while process.poll() is None:
            for pid in (process.pid, *run._descendants(process.pid)):
                try:
                    seen[pid] = (cpu_seconds(pid), max(seen.get(pid, (0, 0))[1], run._high_water_kib(pid) / 1024))
                except OSError:
                    pass
            time.sleep(0.02)
    return {("writer" if pid == process.pid else "worker"): figures for pid, figures in seen.items()}


def main() -> None:
    source, runs = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3
    for _ in range(runs):
        for workers in ("0", "1"):
            figures = once(source, workers)
            shown = ", ".join(f"{name} {cpu:.2f} s CPU {mib:.1f} MiB" for name, (cpu, mib) in figures.items())
            print(f"CASEFILE_IMPORT_WORKERS={workers}: {shown}", flush=True)


if __name__ == "__main__":
    main()
