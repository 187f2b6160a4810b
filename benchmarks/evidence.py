"""Evidence benchmarks (issue 21), each a ratio against a yardstick run in the same process on the same bytes:

1. capture + hash + store of a 5 MB page served on 127.0.0.1 (by ``python -m http.server`` in a process of
   its own), against ``sha256sum`` over the file plus writing it once with ``cat`` (goal: ≥ 0.5× their
   speed). Measured twice: the whole ``casefile source capture`` process (Python's start-up included) and the
   capture call alone, in this process (the best of five each).
2. the peak RSS of ``casefile source attach`` of a 200 MB file (goal: ≤ 64 MiB), from ``getrusage``.
3. ``casefile verify`` over 1 GB of artifacts against ``sha256sum`` over the same files (goal: ≥ 0.7×).

    python benchmarks/evidence.py [--mb-capture 5] [--mb-attach 200] [--gb-verify 1] [--dir DIR] [--only capture]

``make bench`` runs it with ``--gb-verify 0.2`` (``EVIDENCE_GB=1 make bench`` for the issue's 1 GB).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path


def _random_file(path: Path, size: int) -> None:
    with open(path, "wb") as fh:
        left = size
        while left:
            piece = os.urandom(min(left, 1 << 20))
            fh.write(piece)
            left -= len(piece)


def _casefile(db: Path, *args: str) -> tuple[float, str]:
    env = {**os.environ, "CASEFILE_DB": str(db)}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "casefile", *args], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"casefile {' '.join(args)} failed: {done.stderr.strip()}")
    return elapsed, done.stdout.strip()


def _yardstick(files: list[Path], scratch: Path) -> float:
    started = time.perf_counter()
    subprocess.run(["sha256sum", *map(str, files)], check=True, capture_output=True)
    for f in files:
        with open(scratch, "wb") as out:
            subprocess.run(["cat", str(f)], check=True, stdout=out)
    return time.perf_counter() - started


def _serve(folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    """``python -m http.server`` over ``folder`` on a free port of 127.0.0.1, in a process of its own: a server
    thread in this process would take turns with the capture under test for the GIL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, port
        except OSError:
            time.sleep(0.05)
    server.kill()
    sys.exit("the benchmark's web server did not start")


def capture_page(work: Path, mb: float) -> None:
    page = work / "www" / "page.bin"
    page.parent.mkdir(parents=True, exist_ok=True)
    _random_file(page, int(mb * 1000 * 1000))
    server, port = _serve(page.parent)
    url = f"http://127.0.0.1:{port}/page.bin"
    try:
        yard = min(_yardstick([page], work / "cat.out") for _ in range(5))
        db = work / "capture.db"
        whole = min(_casefile(db, "source", "capture", url)[0] for _ in range(3))
        os.environ["CASEFILE_DB"] = str(db)
        from casefile import evidence
        from casefile.store import Store

        store = Store.open(db)
        calls = []
        for _ in range(5):
            started = time.perf_counter()
            evidence.capture(store, url, given={}, max_bytes=10**10, timeout=600, collected_by="bench")
            calls.append(time.perf_counter() - started)
        store.close()
    finally:
        server.terminate()
        server.wait()
    call = min(calls)
    print(
        f"capture {mb:g} MB: sha256sum + cat {yard * 1000:.0f} ms; casefile process {whole * 1000:.0f} ms "
        f"(ratio {yard / whole:.2f}); capture call {call * 1000:.0f} ms (ratio {yard / call:.2f}); goal >= 0.5"
    )


def attach_rss(work: Path, mb: int) -> None:
    big = work / "big.bin"
    _random_file(big, mb * 1000 * 1000)
    db = work / "attach.db"
    _casefile(db, "init")
    _elapsed, source = _casefile(db, "source", "add", "--title", "Big")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    elapsed, _ = _casefile(db, "source", "attach", source, str(big))
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux; the largest child so far
    note = "" if peak > before else " (no larger than an earlier child's: an upper bound)"
    print(f"attach {mb} MB: {elapsed:.2f} s, peak RSS {peak / 1024:.1f} MiB{note}; goal <= 64 MiB")
    big.unlink()


def verify_gb(work: Path, gb: float) -> None:
    db = work / "verify.db"
    _casefile(db, "init")
    _elapsed, source = _casefile(db, "source", "add", "--title", "Many")
    files = []
    each = 200 * 1000 * 1000
    for i in range(max(1, round(gb * 1e9 / each))):
        f = work / f"part{i}.bin"
        _random_file(f, each)
        _casefile(db, "source", "attach", source, str(f))
        files.append(f)
    started = time.perf_counter()
    subprocess.run(["sha256sum", *map(str, files)], check=True, capture_output=True)
    yard = time.perf_counter() - started
    elapsed, _ = _casefile(db, "--quiet", "verify")
    total = len(files) * each / 1e9
    print(
        f"verify {total:.1f} GB: sha256sum {yard:.2f} s; casefile verify {elapsed:.2f} s (ratio {yard / elapsed:.2f}, "
        "SHA-256 and SHA-1 both); goal >= 0.7"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb-capture", type=float, default=5.0)
    parser.add_argument("--mb-attach", type=int, default=200)
    parser.add_argument("--gb-verify", type=float, default=1.0)
    parser.add_argument("--dir", default="/tmp/casefile-evidence-bench")
    parser.add_argument("--only", choices=("capture", "attach", "verify"))
    args = parser.parse_args()
    work = Path(args.dir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        if args.only in (None, "capture"):
            capture_page(work, args.mb_capture)
        if args.only in (None, "attach"):
            attach_rss(work, args.mb_attach)
        if args.only in (None, "verify"):
            verify_gb(work, args.gb_verify)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
