"""``make eval``: draft every labelled text and print precision and recall per field.

    python -m casefile.ingest.evaluate [LABELS_DIR] [--json] [--misses] [--strict]

LABELS_DIR defaults to the repository's ``tests/eval/labels``; any folder of labels in the same format
works (the texts are found relative to it). ``--strict`` exits 1 when a goal of issue 22 is missed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from . import reading, scoring
from .drafting import draft


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    labels = Path(args[0]) if args else Path(__file__).resolve().parents[2] / "tests" / "eval" / "labels"
    pairs = []
    for case in scoring.cases(labels):
        text = reading.read_path(case.text_path).text
        pairs.append((case, draft(text)))
    scores = scoring.score(pairs)
    if "--json" in argv:
        print(json.dumps(scores.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(scoring.report(scores))
        if "--misses" in argv:
            for name, tally in scores.fields.items():
                for miss in tally.misses:
                    print(f"  {name}: {miss}")
    failures = scores.failures()
    for line in failures:
        print(f"goal missed: {line}", file=sys.stderr)
    return 1 if failures and "--strict" in argv else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
