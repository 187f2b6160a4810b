"""``make eval``: draft every labelled text and print precision and recall per field.

    python -m casefile.ingest.evaluate [LABELS_DIR...] [--json] [--misses] [--strict]

LABELS_DIR defaults to the repository's three sets (``tests/eval/labels``, the development set the rules
were written against; ``holdout`` and ``holdout2``, written later and measured before any rule was
changed for them — their first scores are in docs/INGEST.md). Any folder of labels in the same format
works (the texts are found relative to it). The scores are over all the sets given together.
``--strict`` exits 1 when a goal of issue 22 is missed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from . import reading, scoring
from .drafting import draft


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    root = Path(__file__).resolve().parents[2] / "tests" / "eval"
    folders = [Path(a) for a in args] or [root / "labels", root / "holdout" / "labels", root / "holdout2" / "labels"]
    pairs = []
    for labels in folders:
        for case in scoring.cases(labels):
            doc = reading.read_path(case.text_path)
            pairs.append((case, draft(doc.text, metadata=doc.metadata)))
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
