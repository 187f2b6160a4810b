"""``casefile import --no-index`` and ``casefile reindex`` (issue 23, I1): an import that leaves its accounts out of
the search index, a database that knows its index is out of date (``search`` and a plain ``publish`` refuse,
``check`` and ``doctor`` say so) until ``reindex`` rebuilds it - and after the rebuild the database holds exactly
what a plain import leaves, term for term in the index."""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reliability import canary_records, write_jsonl
from test_import_fast_path import _canonical
from typer.testing import CliRunner

from casefile.cli import app

from conftest import dump_data, error_lines, file_hash, popen_casefile, rows_csv

NOTE = "the search index leaves these accounts out: search refuses until `casefile reindex`"
STALE = "error: the search index is out of date since an import with --no-index: run `casefile reindex`"


def scalar(db: Path, sql: str, params: tuple[Any, ...] = ()) -> Any:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchone()[0]
    finally:
        conn.close()


def marked(db: Path) -> bool:
    return bool(scalar(db, "SELECT count(*) FROM search_index_stale"))


def indexed(db: Path, word: str) -> int:
    """How many accounts the full-text index finds by ``word`` (read with the standard library)."""
    return int(scalar(db, "SELECT count(*) FROM accounts_fts WHERE accounts_fts MATCH ?", (word,)))


def index_contents(db: Path) -> tuple[list[Any], list[Any]]:
    """Every term at every place of every account in the index, and what ``accounts_fts_docs`` says was indexed."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, accounts_fts, instance)")
        terms = conn.execute("SELECT term, doc, col, offset FROM temp.terms ORDER BY doc, col, offset").fetchall()
        docs = conn.execute("SELECT * FROM accounts_fts_docs ORDER BY rowid").fetchall()
        return terms, docs
    finally:
        conn.close()


@pytest.fixture
def unindexed(cli, seeded: Path, tmp_path: Path) -> Path:
    """The sample accounts, indexed, and five more imported with --no-index."""
    source = write_jsonl(tmp_path / "more.jsonl", canary_records(5, prefix="NOIDX"))
    result = cli("import", "--no-index", "--new-org", source)
    assert result.exit_code == 0, result.stderr
    assert NOTE in result.stderr.splitlines()
    assert result.stderr.splitlines()[-1] == "5 added, 0 updated, 0 unchanged"
    return seeded


def test_an_import_with_no_index_leaves_its_accounts_out_of_the_index(unindexed: Path) -> None:
    assert scalar(unindexed, "SELECT count(*) FROM accounts WHERE external_id LIKE 'NOIDX-%'") == 5
    assert indexed(unindexed, "testimony") == 0  # the new accounts' summaries
    assert indexed(unindexed, "kowalczyk") == 1  # the accounts indexed before are still there
    assert (
        scalar(
            unindexed,
            "SELECT count(*) FROM accounts_fts_docs WHERE rowid IN (SELECT rowid FROM accounts WHERE external_id "
            "LIKE 'NOIDX-%')",
        )
        == 0
    )
    assert marked(unindexed)


def test_search_refuses_while_the_index_is_out_of_date(cli, unindexed: Path) -> None:
    for args in (("search", "testimony"), ("search", "Kowalczyk", "--format", "json"), ("search", "x", "--raw")):
        result = cli(*args)
        assert result.exit_code == 1, args
        assert result.stdout == ""
        assert result.stderr.splitlines() == [STALE]


def test_search_in_sources_does_not_use_the_accounts_index(cli, unindexed: Path) -> None:
    result = cli("search", "testimony", "--in", "sources")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip() == "no archived source text matches"


def test_check_and_doctor_say_the_index_is_out_of_date(cli, unindexed: Path) -> None:
    result = cli("check", "--rule", "search-index-stale", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert '"rule": "search-index-stale"' in result.stdout
    assert "casefile reindex" in result.stdout
    assert cli("check", "--format", "csv").stdout.count("search-index-stale") == 1
    doctor = cli("doctor")
    assert doctor.exit_code == 1
    assert "out of date since an import with --no-index" in doctor.stdout + doctor.stderr
    assert "rebuild it: casefile reindex" in doctor.stdout + doctor.stderr
    ignored = cli("check", "--ignore", "search-index-stale", "--account", "NOIDX-000001", "--note", "later")
    assert ignored.exit_code == 2  # about the database, not an account: reindex puts it right


def test_reindex_rebuilds_the_index_and_clears_the_mark(cli, unindexed: Path) -> None:
    accounts = scalar(unindexed, "SELECT count(*) FROM accounts")
    result = cli("reindex")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"search index rebuilt: {accounts} accounts"]
    assert not marked(unindexed)
    assert indexed(unindexed, "testimony") == 5
    found = cli("search", "testimony", "--format", "jsonl")
    assert found.exit_code == 0, found.stderr
    assert len(found.stdout.splitlines()) == 5
    assert "search-index-stale" not in cli("check", "--format", "csv").stdout
    doctor = cli("doctor")
    assert "out of date" not in doctor.stdout + doctor.stderr


def test_search_reindex_is_the_same_rebuild(cli, unindexed: Path) -> None:
    result = cli("search", "--reindex", "testimony", "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 5
    assert not marked(unindexed)


def test_later_writes_keep_the_mark_and_index_what_they_write(cli, unindexed: Path) -> None:
    assert cli("add", "--no-input", "--name", "Marta Lindqvist", "--summary", "lighthouse").exit_code == 0
    assert cli("edit", "NOIDX-000001", "--set", "summary=harbour crane").exit_code == 0
    assert marked(unindexed)
    assert indexed(unindexed, "lighthouse") == 1  # what the later commands wrote is indexed as always
    assert indexed(unindexed, "crane") == 1
    assert indexed(unindexed, "testimony") == 0  # the others stay out until the rebuild
    result = cli("search", "lighthouse")
    assert (result.exit_code, error_lines(result)) == (1, [STALE])


def test_undo_of_an_import_with_no_index_removes_accounts_that_were_never_indexed(
    cli, unindexed: Path, seeded_template: Path
) -> None:
    result = cli("undo")
    assert result.exit_code == 0, result.stderr
    assert scalar(unindexed, "SELECT count(*) FROM accounts WHERE external_id LIKE 'NOIDX-%'") == 0
    assert marked(unindexed)  # only a rebuild clears it
    assert cli("reindex").exit_code == 0
    assert index_contents(unindexed) == index_contents(seeded_template)
    assert dump_data(unindexed) == dump_data(seeded_template)


def test_a_dry_run_with_no_index_writes_nothing(cli, seeded: Path, tmp_path: Path) -> None:
    before = file_hash(seeded)
    source = write_jsonl(tmp_path / "more.jsonl", canary_records(3, prefix="DRY"))
    result = cli("import", "--no-index", "--dry-run", "--new-org", source)
    assert result.exit_code == 0, result.stderr
    assert file_hash(seeded) == before
    assert not marked(seeded)


def test_an_import_that_writes_nothing_leaves_no_mark(cli, seeded: Path, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "more.jsonl", canary_records(3, prefix="TWICE"))
    assert cli("import", "--new-org", source).exit_code == 0
    result = cli("import", "--no-index", source)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[-1] == "0 added, 0 updated, 3 unchanged"
    assert not marked(seeded) and NOTE not in result.stderr


def test_a_refused_import_with_no_index_leaves_no_mark(cli, seeded: Path, tmp_path: Path) -> None:
    records = [*canary_records(2, prefix="BAD"), {"name": "x", "left": "the thirteenth month"}]
    before = file_hash(seeded)
    result = cli("import", "--no-index", "--new-org", write_jsonl(tmp_path / "bad.jsonl", records))
    assert result.exit_code == 1
    assert file_hash(seeded) == before


def test_leaving_the_index_out_ends_with_its_transaction_whatever_the_outcome(seeded: Path) -> None:
    """In one process (a test, a long-lived caller): a failed write under ``unindexed()`` marks nothing, and the
    next write is indexed as always."""
    from casefile.store import Store

    store = Store.open(seeded)
    try:
        with pytest.raises(RuntimeError), store.unindexed(), store.transaction():
            store.conn.execute("UPDATE accounts SET summary = 'lighthouse' WHERE rowid = 1")
            raise RuntimeError
        with store.transaction():
            store.conn.execute("UPDATE accounts SET summary = 'lighthouse keeper' WHERE rowid = 1")
    finally:
        store.close()
    assert not marked(seeded) and indexed(seeded, "keeper") == 1


def test_a_plain_publish_refuses_while_the_index_is_out_of_date(cli, unindexed: Path, tmp_path: Path) -> None:
    out = tmp_path / "shared.db"
    result = cli("publish", out)
    assert (result.exit_code, error_lines(result)) == (1, [STALE])
    assert not out.exists() and not (tmp_path / "shared.metadata.json").exists()
    assert cli("reindex").exit_code == 0
    assert cli("publish", out).exit_code == 0
    assert indexed(out, "testimony") == 5


def test_serve_refuses_while_the_index_is_out_of_date(cli, unindexed: Path) -> None:
    """``serve`` publishes first (its search index is built from the working file's): refused the same way, before
    any server starts."""
    result = cli("serve", "--port", "1")
    assert (result.exit_code, error_lines(result)) == (1, [STALE])


def test_an_update_with_no_index_is_indexed_as_a_plain_update_after_reindex(
    cli, seeded: Path, tmp_path: Path, seeded_template: Path
) -> None:
    """The upsert path: accounts that were indexed, changed by an import with --no-index (their index entries now
    hold the old text), then reindexed - the same index as the same two imports made without --no-index."""
    first = write_jsonl(tmp_path / "first.jsonl", canary_records(4, prefix="UPD"))
    changed = [{**r, "summary": f"moved to the harbour {n}"} for n, r in enumerate(canary_records(4, prefix="UPD"))]
    second = write_jsonl(tmp_path / "second.jsonl", changed)
    plain = tmp_path / "plain.db"
    shutil.copy(seeded_template, plain)
    for db, options in ((seeded, ["--no-index"]), (plain, [])):
        assert cli("--db", db, "import", "--new-org", first).exit_code == 0
        result = cli("--db", db, "import", *options, second)
        assert result.stderr.splitlines()[-1] == "0 added, 4 updated, 0 unchanged"
    assert marked(seeded) and indexed(seeded, "harbour") == 0 and indexed(seeded, "testimony") == 4
    assert cli("reindex").exit_code == 0
    assert indexed(seeded, "harbour") == 4 and indexed(seeded, "testimony") == 0
    assert index_contents(seeded) == index_contents(plain)


def test_export_does_not_need_the_index(cli, unindexed: Path) -> None:
    result = cli("export", "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("NOIDX-") == 5


# ------------------------------------------------------------------------- the same store as a plain import

_EMPTY: list[Path] = []

ROWS = st.lists(
    st.fixed_dictionaries(
        {
            "external_id": st.sampled_from(["", "K1", "K2", "K3", "K4"]),
            "name": st.sampled_from(["Zoë Haddad", "Hassan Heyrani", "Gholam Reza Karimi", "Ana Ruiz"]),
            "aliases": st.sampled_from(["", "Abu Zaid", "Mohammad Ali; Mohammed Ali"]),
            "organization": st.sampled_from(["MEK", "Northern Front"]),
            "summary": st.sampled_from(["", "Left after the brainwashing sessions.", "علی گفت می‌خواهم بروم"]),
            "left": st.sampled_from(["", "summer 2016", "around 2003"]),
            "source_title": st.sampled_from(["Two former members speak", "", "Letter from Tirana"]),
            "source_url": st.sampled_from(["https://example.org/news/17", "", "http://b.example/1"]),
        }
    ),
    min_size=1,
    max_size=6,
)


def _imported(folder: Path, name: str, text: str, *options: str) -> tuple[Any, ...]:
    if not _EMPTY:
        _EMPTY.append(Path(tempfile.mkdtemp()) / "empty.db")
        CliRunner().invoke(app, ["--db", str(_EMPTY[0]), "init"], catch_exceptions=False)
    path, db = folder / f"{name}.csv", folder / f"{name}.db"
    shutil.copy(_EMPTY[0], db)
    path.write_text(text, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["--db", str(db), "import", "--new-org", *options, str(path)], catch_exceptions=False)
    rebuilt = None
    if "--no-index" in options and result.exit_code == 0:
        rebuilt = runner.invoke(app, ["--db", str(db), "reindex"], catch_exceptions=False)
        assert rebuilt.exit_code == 0, rebuilt.stderr
    return result.exit_code, result.stderr.replace(str(path), "FILE"), db


@settings(max_examples=25, deadline=None)
@given(rows=ROWS)
def test_no_index_then_reindex_stores_what_a_plain_import_stores(rows: list[dict[str, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        text = rows_csv(rows)
        code, err, plain = _imported(folder, "plain", text)
        later_code, later_err, later = _imported(folder, "later", text, "--no-index")
        # the same output, and the note when the accounts were written
        assert (later_err.count(NOTE + "\n"), later_code) == (int(code == 0), code)
        assert _canonical(later_err.replace(NOTE + "\n", "")) == _canonical(err)
        assert not marked(later)
        # ids are random: each is renamed by where it first appears; timestamps are left out
        assert _canonical(dump_data(later)) == _canonical(dump_data(plain))
        assert index_contents(later) == index_contents(plain)


# ------------------------------------------------------------------------------------------ interrupted


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning", "ignore::ResourceWarning")
def test_an_interrupted_reindex_leaves_the_index_and_the_mark_as_they_were(unindexed: Path, tmp_path: Path) -> None:
    """Ctrl-C at a spread of points of ``reindex`` (every line of the commit path among them): exit 130, and
    either nothing was written - the index still lacks the new accounts and the mark is still there - or
    the rebuild was saved in full."""
    from test_faults_interrupt import Case, content, interrupt_everywhere

    pristine = tmp_path / "pristine.db"
    shutil.copy(unindexed, pristine)

    def state() -> Any:
        return content(unindexed), marked(unindexed), index_contents(unindexed)

    tally = interrupt_everywhere(Case(["reindex"], state, lambda: shutil.copy(pristine, unindexed)), 150)
    assert tally["half_written"] == 0 and tally["nothing_written"] and tally["saved_in_full"], tally


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_mid_reindex_leaves_the_mark_and_writes_nothing(cli, empty: Path, tmp_path: Path, sig: int) -> None:
    """A real process, a real signal, sent once the rebuild has begun writing (its journal exists): exit 130,
    "nothing was written", the index still without the accounts and the database still marked."""
    from reliability import integrity
    from test_faults_interrupt import NOTHING, size_of, wait_until

    source = write_jsonl(tmp_path / "many.jsonl", canary_records(4_000))
    assert cli("import", "--no-index", "--new-org", source).exit_code == 0
    before = index_contents(empty)
    journal = empty.with_name(empty.name + "-journal")
    proc = popen_casefile("reindex", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_until(lambda: size_of(journal) > 0 or proc.poll() is not None, "the rebuild began writing", 30)
    proc.send_signal(sig)
    out, errs = proc.communicate(timeout=60)
    assert proc.returncode == 130, ("the reindex ran to the end, or the signal killed it", errs[-300:])
    assert errs.decode().splitlines()[-1] == NOTHING
    assert integrity(empty) == "ok"
    assert marked(empty) and index_contents(empty) == before and indexed(empty, "testimony") == 0
