"""The import's bulk path stores exactly what the plain path stores (issue 23): the same database, row for row,
the same search index term for term, the same output and exit code, for valid and invalid input.

The plain path is one batch for the whole input (what the import of a small file always was: every record's
sources resolved against what this import holds in memory). The bulk path writes a batch every two records and
lets go of what it kept per source once a batch is stored (the store answers for it from then on: issue 23,
I4) - the path a big file takes at every 1,000 records; its search index is written a few accounts at a time
(``SYNC_BATCH``) instead of all at once. Ids are random, so each distinct id is renamed by
where it first appears in the dump; timestamps are left out.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from casefile import pipeline
from casefile.cli import app
from casefile.store import search

from conftest import dump_data, rows_csv

_ID = re.compile(r"\b(?:[0-9a-f]{16}|[0-9a-f]{8})\b")
_STAMP = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|\+00:00)")
_EMPTY: list[Path] = []  # a new database, made once: each run starts from a copy of it


def _canonical(text: str) -> str:
    names: dict[str, str] = {}
    text = _STAMP.sub("<time>", text)
    return _ID.sub(lambda m: names.setdefault(m.group(), f"<id{len(names)}>"), text)


def _run(
    folder: Path, name: str, csv_text: str, batch: int, monkeypatch: pytest.MonkeyPatch, suffix: str = "csv"
) -> tuple[Any, ...]:
    path, db = folder / f"{name}.{suffix}", folder / f"{name}.db"
    if not _EMPTY:
        _EMPTY.append(Path(tempfile.mkdtemp()) / "empty.db")
        CliRunner().invoke(app, ["--db", str(_EMPTY[0]), "init"], catch_exceptions=False)
    shutil.copy(_EMPTY[0], db)
    path.write_text(csv_text, encoding="utf-8")
    monkeypatch.setattr(pipeline, "BATCH", batch)
    monkeypatch.setattr(search, "SYNC_BATCH", batch)
    result = CliRunner().invoke(app, ["--db", str(db), "import", "--new-org", str(path)], catch_exceptions=False)
    conn = sqlite3.connect(db)
    try:
        accounts = conn.execute("SELECT count(*) FROM accounts").fetchone()[0]
        # the search index's contents (its segments' layout may differ): every term at every place of every account
        conn.execute("CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, accounts_fts, instance)")
        index = conn.execute("SELECT term, doc, col, offset FROM temp.terms ORDER BY doc, col, offset").fetchall()
    finally:
        conn.close()
    out = result.stdout.replace(str(path), "FILE")
    err = result.stderr.replace(str(path), "FILE")
    return result.exit_code, _canonical(out), _canonical(err), accounts, _canonical(dump_data(db)), index


TITLES = st.sampled_from(["Two former members speak", "TWO FORMER MEMBERS SPEAK", "Letter from Tirana", ""])
URLS = st.sampled_from(
    ["https://example.org/news/17", "https://example.org/news/17?utm_source=x", "", "http://b.example/1"]
)
PUBLISHERS = st.sampled_from(["Nejat Society", "", "Radio Farda"])
GRADES = st.sampled_from(["", "A", "C"])
ROWS = st.lists(
    st.fixed_dictionaries(
        {
            "external_id": st.sampled_from(["", "K1", "K2", "K3", "K4", "K5", "K6", "K7"]),
            "name": st.sampled_from(["Zoë Haddad", "Hassan Heyrani", "Ana Ruiz"]),
            "organization": st.sampled_from(["MEK", "Northern Front"]),
            "source_title": TITLES,
            "source_url": URLS,
            "source_publisher": PUBLISHERS,
            "source_reliability": GRADES,
        }
    ),
    min_size=1,
    max_size=9,
)


@settings(max_examples=40, deadline=None)
@given(rows=ROWS)
def test_batch_by_batch_stores_what_one_batch_stores(rows: list[dict[str, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as monkeypatch:
        folder = Path(tmp)
        text = rows_csv(rows)
        plain = _run(folder, "plain", text, 1000, monkeypatch)
        bulk = _run(folder, "bulk", text, 2, monkeypatch)
    assert bulk == plain


PART_IDS = st.sampled_from([None, None, "e1e1e1e1", "e2e2e2e2", "a1a1a1a1"])
SOURCE_ID = "5b7af6379c1ae4fa"
EVENTS = st.lists(
    st.fixed_dictionaries(
        {
            "id": PART_IDS,
            "type": st.sampled_from(["joined", "left", "captured"]),
            "date": st.sampled_from(["1988", "", "spring 2003"]),
            "source": st.sampled_from([None, None, SOURCE_ID]),
        }
    ),
    max_size=3,
)
QUOTES = st.lists(
    st.fixed_dictionaries(
        {
            "id": PART_IDS,
            "text": st.sampled_from(["We were not allowed to leave.", "I saw no future there."]),
            "supports": st.sampled_from([None, None, None, None, "e1e1e1e1", "e2e2e2e2"]),
        }
    ),
    max_size=2,
)
RECORDS = st.lists(
    st.fixed_dictionaries(
        {
            "external_id": st.sampled_from([None, "K1", "K2", "K3", "K4"]),
            "name": st.sampled_from(["Zoë Haddad", "Hassan Heyrani"]),
            "organization": st.just("MEK"),
            "reasons": st.lists(st.sampled_from(["no_future", "burnout", "isolation_from_family"]), max_size=2),
            "sources": st.lists(
                st.fixed_dictionaries(
                    {
                        "id": st.just(SOURCE_ID),
                        "title": st.sampled_from(["Letter from Tirana", "Two former members speak"]),
                        "url": st.sampled_from(["https://example.org/n/1", None]),
                        "role": st.just("primary"),
                        "link": st.sampled_from([None, "aaaa0001"]),
                    }
                ),
                min_size=1,
                max_size=1,
            ),
            "events": EVENTS,
            "quotes": QUOTES,
            "places": st.lists(
                st.fixed_dictionaries({"id": PART_IDS, "name": st.just("Camp Ashraf"), "role": st.just("held")}),
                max_size=2,
            ),
            "people": st.lists(
                st.fixed_dictionaries({"id": PART_IDS, "name": st.just("his brother"), "relation": st.just("brother")}),
                max_size=1,
            ),
        }
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=40, deadline=None)
@given(records=RECORDS)
def test_the_parts_of_a_batch_of_new_accounts_are_stored_as_one_by_one(records: list[dict[str, Any]]) -> None:
    """The parts of new accounts are written a statement per table for the whole batch (issue 23): the same
    rows, part ids and refusals as writing them an account at a time - a part id given twice, in one account
    or in two, keeps it for the first and gives the others new ones; a quote supports its own account's
    event; an event cites its record's source. Valid and invalid input (an unknown source, a support that
    names nothing)."""
    import json

    text = "".join(json.dumps({k: v for k, v in r.items() if v is not None}) + "\n" for r in records)
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as monkeypatch:
        folder = Path(tmp)
        one_by_one = _run(folder, "one", text, 1, monkeypatch, "jsonl")
        batch = _run(folder, "batch", text, 1000, monkeypatch, "jsonl")
    assert batch == one_by_one


def test_a_later_batch_may_not_change_a_source_an_earlier_batch_cited(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rule the per-source memory was for, across a batch boundary: the third record gives the shared article
    another title; two accounts cite it already, so it is refused by field and nothing is written."""
    rows = [
        {"external_id": f"K{n}", "name": f"Person {n}", "source_title": title, "source_url": "https://example.org/n/1"}
        for n, title in enumerate(["Two former members speak", "Two former members speak", "Another title"], 1)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        plain = _run(Path(tmp), "plain", rows_csv(rows), 1000, monkeypatch)
        bulk = _run(Path(tmp), "bulk", rows_csv(rows), 2, monkeypatch)
    assert bulk == plain
    assert plain[0] == 1 and plain[3] == 0, plain[2]
    assert "FILE:4: field 'source_title'" in plain[2] and "source_title" in plain[2] and "Another title" not in plain[2]


def test_the_collector_threshold_raised_for_a_load_is_put_back_whatever_the_outcome(tmp_path: Path) -> None:
    """The garbage collector runs less often during a load (issue 23) and as before after it, a refused import
    included (``add`` and every later command in a long-lived process share the interpreter)."""
    import gc

    before = gc.get_threshold()
    good = tmp_path / "good.csv"
    good.write_text(rows_csv([{"name": "Ana Ruiz", "organization": "MEK"}]), encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(rows_csv([{"name": "Ana Ruiz", "organization": "MEK", "left": "2016-13-45"}]), encoding="utf-8")
    seen = []
    original = pipeline.Writer.write

    def write(self: pipeline.Writer, items: list[pipeline.Item]) -> list[pipeline.Item]:
        seen.append(gc.get_threshold())
        return original(self, items)

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(pipeline.Writer, "write", write)
        for path, code in ((good, 0), (bad, 1)):
            result = CliRunner().invoke(app, ["--db", str(tmp_path / "x.db"), "import", str(path)])
            assert result.exit_code == code, result.stderr
            assert gc.get_threshold() == before
    assert seen and all(t[0] >= 50_000 for t in seen)


@settings(max_examples=30, deadline=None)
@given(records=RECORDS, tags=st.lists(st.sampled_from(["exile", "Tirana"]), max_size=2))
def test_the_index_holds_the_search_text_of_the_whole_stored_record(
    records: list[dict[str, Any]], tags: list[str]
) -> None:
    """Re-indexing reads back only the fields search reads of each part (issue 23); what the index then holds
    for every account is what the whole stored record - every column of every part read - gives."""
    import json

    from casefile.store import Store
    from casefile.store.search import _INDEXED_SQL, search_doc

    text = "".join(json.dumps({**{k: v for k, v in r.items() if v is not None}, "tags": tags}) + "\n" for r in records)
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as monkeypatch:
        folder = Path(tmp)
        _run(folder, "rich", text, 2, monkeypatch, "jsonl")
        store = Store.open(folder / "rich.db")
        try:
            rowids = [r[0] for r in store.conn.execute("SELECT rowid FROM accounts ORDER BY rowid")]
            marks = ", ".join("?" for _ in rowids)
            indexed = {r[0]: tuple(r[1:]) for r in store.conn.execute(_INDEXED_SQL.format(marks=marks), rowids)}
            whole = store.accounts_by_rowid(rowids)  # every column of every part
            names = store.organization_names_of({"MEK"})
            expected = {rowid: search_doc(a, names.get("MEK", ())) for rowid, a in whole.items()}
        finally:
            store.close()
    assert indexed == expected
    assert all(any(doc) for doc in indexed.values())
