"""`dupes` at 20,000 accounts, against a yardstick run in the same process (docs/PERFORMANCE.md).

    python benchmarks/dupes.py [--rows 20000]

Builds a database in /tmp of synthetic accounts: people with two- and three-word Persian and Arabic names
over 40 organisations, and one in ten written a second time the way another source romanises it (Hassan →
Hasan, Heyrani → Heirani, Mohammad → Muhammad, Gholamreza → Gholam Reza …). Then times

* ``dupes`` (the folded-key blocking and rapidfuzz scoring, :func:`casefile.analysis.dupes`), and
* the yardstick: one SQL query counting the candidate pairs a blocking on the names as written makes (same
  organisation, same first three letters), which reads every account once;
* ``dupes`` with the names as written (the blocking before issue 18: ``text.name_key`` replaced by the
  plain folded words), in the same process;

and prints the times, their ratios, and how many of the people written twice each finds.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from casefile import analysis, model, text
from casefile import store as st

GIVEN = ["Hassan", "Mohammad", "Gholamreza", "Ali", "Reza", "Hossein", "Karim", "Mehdi", "Abdulrahman", "Ebrahim"]
GIVEN += ["Saeed", "Hamid", "Kamran", "Zeinab", "Fatemeh", "Maryam", "Esmail", "Yousef", "Jafar", "Masoud"]
FAMILY = ["Heyrani", "Rahimi", "Karimi", "Khweis", "Mousavi", "Ghasemi", "Hosseini", "Rezaei", "Ahmadi", "Shahbazi"]
FAMILY += ["Jafari", "Sadeghi", "Moradi", "Heidari", "Ebrahimi", "Kazemi", "Abbasi", "Najafi", "Soltani", "Rostami"]
RESPELL = [
    ("ss", "s"),
    ("ey", "ei"),
    ("Mohammad", "Muhammad"),
    ("Gholamreza", "Gholam Reza"),
    ("Hossein", "Hussein"),
    ("Khweis", "Khuwais"),
    ("ou", "u"),
    ("Gh", "Q"),
    ("ee", "i"),
    ("Abdulrahman", "Abd al-Rahman"),
    ("Ebrahim", "Ibrahim"),
    ("ei", "ey"),
]


def _account(name: str, org: str, year: str, key: str) -> model.Account:
    values = {"name": name, "organization": org, "left": model.FuzzyDate(year), "external_id": key}
    return model.Account({**values, "confidentiality": "internal"})


def _found(pairs: list[dict[str, str]]) -> int:
    """How many of the people written twice a list of pairs pairs with themselves."""
    return sum(1 for p in pairs if p["a_external_id"][:-2] == p["b_external_id"][:-2])


def build(db: Path, rows: int, seed: int = 18) -> int:
    """Fill ``db`` with ``rows`` accounts; returns how many people were written twice."""
    rng = random.Random(seed)
    store = st.Store.open(db, create=True)
    accounts: list[model.Account] = []
    twice = 0
    while len(accounts) < rows:
        name = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}" + (f" {rng.choice(FAMILY)}" if rng.random() < 0.3 else "")
        org = f"Organisation {rng.randrange(40)}"
        year = str(rng.randrange(1985, 2024))
        person = f"P{len(accounts)}"
        accounts.append(_account(name, org, year, person + "-a"))
        if rng.random() < 0.1:
            variant = name
            for a, b in rng.sample(RESPELL, len(RESPELL)):
                if a in variant:
                    variant = variant.replace(a, b, 1)
                    break
            if variant != name:
                twice += 1
                accounts.append(_account(variant, org, year, person + "-b"))
    for account in accounts[:rows]:
        account.values["id"] = st.new_id()
    with store.transaction():
        store.insert(accounts[:rows], st.now())
    store.close()
    return twice


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    rows = parser.parse_args().rows
    db = Path(f"/tmp/casefile-bench-dupes-{rows}.db")
    db.unlink(missing_ok=True)
    twice = build(db, rows)
    store = st.Store.open(db)
    started = time.perf_counter()
    candidates = store.conn.execute(
        "SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) AS n FROM accounts "
        "GROUP BY organization, substr(lower(name), 1, 3))"
    ).fetchone()[0]
    yardstick = time.perf_counter() - started
    started = time.perf_counter()
    pairs = analysis.dupes(store, model.Filter())
    seconds = time.perf_counter() - started
    folded = text.name_key
    text.name_key = lambda name: " ".join(text.words(name))  # the names as written: the old blocking's keys
    try:
        started = time.perf_counter()
        raw_pairs = analysis.dupes(store, model.Filter())
        raw_seconds = time.perf_counter() - started
    finally:
        text.name_key = folded
    store.close()
    db.unlink()
    print(f"accounts                                   {rows:,} ({twice:,} people written twice, respelled)")
    print(f"yardstick: SQL count of raw-prefix blocks  {yardstick:.3f} s ({candidates:,} candidate pairs)")
    print(f"dupes, names as written (old blocking)     {raw_seconds:.2f} s ({_found(raw_pairs):,} of {twice:,} found)")
    print(f"dupes, folded names (this blocking)        {seconds:.2f} s ({_found(pairs):,} of {twice:,} found)")
    print(f"ratio folded / yardstick                   {seconds / yardstick:.0f}")
    print(f"ratio folded / names as written            {seconds / raw_seconds:.2f}")


if __name__ == "__main__":
    main()
