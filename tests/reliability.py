"""Helpers shared by the fault, hostile-input and privacy tests (docs/RELIABILITY.md).

``record(case, **numbers)`` appends the figures a test measured (trials, partial states, strings tried …)
as one JSON line to the file named by ``CASEFILE_FIGURES``, so the published figures come from real runs:
``CASEFILE_FIGURES=figures.jsonl make test`` (or ``make soak``).
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

#: A string planted in record text: it must never show up in an error message, a log or on stderr.
CANARY = "CANARY-7f3a"

FIGURES_ENV = "CASEFILE_FIGURES"


def record(case: str, **numbers: Any) -> None:
    path = os.environ.get(FIGURES_ENV)
    if not path:
        return
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"case": case, **numbers}, ensure_ascii=False) + "\n")


def scalar(db: Path, sql: str) -> Any:
    """The one value ``sql`` returns, read with the standard library (an independent oracle)."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def integrity(db: Path) -> str:
    return str(scalar(db, "PRAGMA integrity_check"))


def count(db: Path) -> int:
    return int(scalar(db, "SELECT count(*) FROM accounts"))


def canary_records(n: int, *, start: int = 0, prefix: str = "BULK") -> list[dict[str, Any]]:
    """``n`` valid records whose text carries the canary."""
    return [
        {
            "external_id": f"{prefix}-{i:06d}",
            "name": f"{CANARY} person {i}",
            "organization": "Group X",
            "left": str(1990 + i % 30),
            "summary": f"{CANARY} testimony {i}",
        }
        for i in range(start, start + n)
    ]


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def no_canary(*outputs: str | bytes) -> bool:
    return all((CANARY.encode() if isinstance(o, bytes) else CANARY) not in o for o in outputs)


def hangups_as_on_a_terminal() -> None:
    """``preexec_fn`` for a process a test sends SIGHUP: the default action, as under a terminal, even when
    the tests themselves run under ``nohup`` (whose ignored SIGHUP casefile would rightly keep)."""
    import signal

    signal.signal(signal.SIGHUP, signal.SIG_DFL)
