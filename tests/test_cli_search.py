"""`casefile search` through the CLI: ranking, snippets, folding (Latin, Persian, romanisations), hostile
input, filters, the index kept in step with every write, and the layout Datasette detects."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from casefile.store import Store

from conftest import CORPORA, DATA


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def hits(cli, *args: str) -> list[dict]:
    return json.loads(ok(cli("search", "--format", "json", *args)).stdout)


def names(cli, *args: str) -> list[str]:
    return [h["name"] for h in hits(cli, *args)]


@pytest.fixture
def sample(cli) -> None:
    ok(cli("org", "import", DATA / "organizations.json"))
    ok(cli("import", DATA / "accounts.json"))


def add(cli, *args: str) -> str:
    return ok(cli("add", "--no-input", *args)).stdout.strip()


# ------------------------------------------------------------------------------------ results, snippets


def test_a_quote_is_found_with_the_match_highlighted(cli, sample) -> None:
    [hit] = hits(cli, "BRAINWASHING")
    assert hit["external_id"] == "SEED-0001" and hit["field"] == "quotes[3].text"
    a, b = hit["highlights"][0]
    assert hit["snippet"][a:b] == "brainwashing"  # the original text, not the folded one


def test_snippet_is_a_window_of_the_original_text(cli) -> None:
    summary = " ".join(f"filler{i}" for i in range(80)) + " the Panmunjom crossing " + "tail " * 80
    add(cli, "--name", "P", "--summary", summary)
    [hit] = hits(cli, "panmunjom")
    a, b = hit["highlights"][0]
    assert hit["snippet"].startswith("…") and hit["snippet"].endswith("…")
    assert hit["snippet"][a:b] == "Panmunjom" and len(hit["snippet"]) <= 170


def test_every_indexed_text_is_searchable(cli, sample) -> None:
    assert names(cli, "Rahimi") == ["Ali Mohammad Rahimi Alashti"]  # alias and name
    assert "Ali Mohammad Rahimi Alashti" in names(cli, "prisoners")  # event description
    assert set(names(cli, "Tirana")) == {"Ali Mohammad Rahimi Alashti", "Hassan Shahbazi"}  # event place, went_to
    assert set(names(cli, "two former members speak")) == {"سارا احمدی", "Hassan Shahbazi"}  # shared source
    assert hits(cli, "radio interview")[0]["field"] == "source_title"  # flat source title


def test_names_weigh_more_than_body_text(cli) -> None:
    add(cli, "--name", "Somebody Else", "--summary", "She met Karimi twice, and Karimi again later.")
    add(cli, "--name", "Reza Karimi", "--summary", "Nothing of note.")
    assert names(cli, "karimi") == ["Reza Karimi", "Somebody Else"]


def test_all_words_must_match_and_limit_defaults_to_twenty(cli) -> None:
    for i in range(25):
        add(cli, "--name", f"P{i}", "--summary", "camp life" if i % 2 else "camp")
    assert len(hits(cli, "camp")) == 20
    assert len(hits(cli, "camp", "--limit", "50")) == 25
    assert len(hits(cli, "camp life", "--limit", "50")) == 12


def test_piped_table_is_tab_separated_and_csv_has_a_header(cli, sample) -> None:
    line = ok(cli("search", "brainwashing")).stdout
    assert line.count("\n") == 1 and line.split("\t")[3:] == ["quotes[3].text", "brainwashing sessions\n"]
    csv_out = ok(cli("search", "brainwashing", "--format", "csv")).stdout.splitlines()
    assert csv_out[0] == "'id,external_id,name,organization,left,field,snippet,score"  # marked: spreadsheet-safe
    assert "\x1b" not in line + "".join(csv_out)


def test_no_match_is_ok_and_json_is_empty_list(cli, sample) -> None:
    assert hits(cli, "picnic") == []
    result = ok(cli("search", "picnic"))
    assert result.stdout == "" and "no accounts match" in result.stderr


def test_a_query_is_required_unless_reindexing(cli, sample) -> None:
    assert cli("search").exit_code == 2
    result = ok(cli("search", "--reindex"))
    assert "7 accounts" in result.stderr
    assert names(cli, "Rahimi") == ["Ali Mohammad Rahimi Alashti"]


# --------------------------------------------------------------------------------------------- folding


def test_case_and_diacritics_fold_both_ways(cli) -> None:
    add(cli, "--name", "Zoë Brontë")
    add(cli, "--name", "ZOE SMITH")
    assert set(names(cli, "zoe")) == {"Zoë Brontë", "ZOE SMITH"}
    assert set(names(cli, "ZOË")) == {"Zoë Brontë", "ZOE SMITH"}
    assert names(cli, "bronte") == ["Zoë Brontë"]


def test_persian_and_arabic_letter_variants_match(cli) -> None:
    add(cli, "--name", "علي رضايي")  # Arabic yeh
    add(cli, "--name", "كريم", "--summary", "أحمد")  # Arabic kaf, alef with hamza
    assert names(cli, "علی") == ["علي رضايي"]  # Persian yeh finds Arabic yeh
    assert names(cli, "رضایی") == ["علي رضايي"]
    assert names(cli, "کریم") == ["كريم"]  # keheh finds kaf
    assert names(cli, "احمد") == ["كريم"]  # bare alef finds alef with hamza
    [hit] = hits(cli, "علی")
    a, b = hit["highlights"][0]
    assert hit["snippet"][a:b] == "علي"  # shown as written


def test_persian_zwnj_words(cli) -> None:
    add(cli, "--name", "N", "--summary", "گفت: می\u200cخواهم برگردم")
    assert names(cli, "می\u200cخواهم") == ["N"]  # typed with the ZWNJ
    assert names(cli, "می خواهم") == ["N"]  # typed with a space instead
    snippet = hits(cli, "برگردم")[0]["snippet"]
    assert "می\u200cخواهم" in snippet  # the ZWNJ is kept in what is shown


def test_romanisations_of_names_meet(cli) -> None:
    add(cli, "--name", "Hassan Mousavi")
    add(cli, "--name", "Ghasem Khalili")
    assert names(cli, "Hasan") == ["Hassan Mousavi"]
    assert names(cli, "Moosavi") == ["Hassan Mousavi"]
    assert names(cli, "Qasem Xalili") == ["Ghasem Khalili"]
    add(cli, "--name", "X", "--summary", "a letter from Hasan")  # body text is not romanisation-folded
    assert names(cli, "Hassan") == ["Hassan Mousavi"]


# ------------------------------------------------------------------------------------------ hostile input

NASTY = [
    '"',
    '"unbalanced',
    "AND",
    "OR NOT",
    "a AND",
    "NEAR(",
    "*",
    "foo*",
    "^start",
    "u.s.",
    "name:x",
    "{name summary}: x",
    "(",
    ")",
    "-x",
    "+x",
    "a:b:c",
    "' OR 1=1 --",
    "%_\\",
    "\x00",
    "\ud800",
    "\u202eevil",
    "[bold]x[/]",
    "x" * 5000,
    "a " * 2000,
    "((((((((((((((((((((((((((((((((((x",
    '"" "" ""',
    "NEAR(a b, -1)",
    "col : ",
    ":",
    "  ",
    "",
]


@pytest.mark.parametrize("query", NASTY)
def test_hostile_queries_are_literal_and_raw_fails_cleanly(cli, sample, query: str) -> None:
    result = cli("search", "--format", "json", "--", query)
    assert result.exit_code == 0, result.stderr
    assert isinstance(json.loads(result.stdout), list)
    raw = cli("search", "--raw", "--format", "json", "--", query)
    assert raw.exit_code in (0, 2), raw.stderr
    if raw.exit_code == 2:
        assert raw.stderr.startswith("error: ") and raw.stderr.count("\n") == 1 and "\x1b" not in raw.stderr


def test_literal_punctuation_is_searched_as_words(cli) -> None:
    add(cli, "--name", "P", "--summary", "He went to the U.S. embassy and waited.")
    assert names(cli, "u.s.") == ["P"]
    assert names(cli, '"embassy') == ["P"]
    assert names(cli, "AND waited") == ["P"]  # AND is a word here
    assert names(cli, "embassy*") == ["P"]


def test_raw_syntax_works_and_errors_are_one_line_exit_2(cli, sample) -> None:
    assert set(names(cli, "--raw", "hasan OR brainwash*")) >= {"Hasan Shahbaz", "Ali Mohammad Rahimi Alashti"}
    assert names(cli, "--raw", "name: rahimi NOT zzz") == ["Ali Mohammad Rahimi Alashti"]
    result = cli("search", "--raw", "a AND")
    assert result.exit_code == 2 and "search syntax" in result.stderr and "--raw" in result.stderr


def blns() -> list[str]:
    return json.loads((CORPORA / "blns" / "blns.json").read_text(encoding="utf-8"))


def test_big_list_of_naughty_strings_never_crash(db: Path, cli, sample) -> None:
    """Every BLNS string through the search core (literal: results; raw: results or a usage error), and
    every tenth through the whole CLI; `make soak` runs all of them through the CLI."""
    from casefile import analysis
    from casefile.errors import UsageError
    from casefile.model import Filter

    store = Store.open(db)
    for text in blns():
        assert isinstance(analysis.search(store, text, Filter()), list)
        try:
            analysis.search(store, text, Filter(), raw=True)
        except UsageError:
            pass
    store.close()
    for text in blns()[::10]:
        assert cli("search", "--format", "json", "--", text).exit_code == 0, text
        assert cli("search", "--raw", "--format", "json", "--", text).exit_code in (0, 2), text


@pytest.mark.slow
def test_big_list_of_naughty_strings_through_the_cli(cli, sample) -> None:
    for text in blns():
        result = cli("search", "--format", "json", "--", text)
        assert result.exit_code == 0, (text, result.stderr)
        raw = cli("search", "--raw", "--format", "json", "--", text)
        assert raw.exit_code in (0, 2), (text, raw.stderr)


# ---------------------------------------------------------------------------------------- filters, deleted


def test_combines_with_list_filters(cli, sample) -> None:
    assert set(names(cli, "synthetic")) >= {"Marta Kowalczyk", "Hasan Shahbaz"}
    assert names(cli, "synthetic", "--org", "CotD") == ["Marta Kowalczyk"]
    assert "Marta Kowalczyk" not in names(cli, "synthetic", "--since", "2010")
    assert set(names(cli, "synthetic", "--exit-type", "escaped", "--tag", "synthetic")) == {
        "Marta Kowalczyk",
        "Юрий Петренко",
    }
    ordered = names(cli, "synthetic", "--sort", "name")
    assert ordered == sorted(ordered)


def test_soft_deleted_accounts_only_with_include_deleted(cli, db: Path) -> None:
    add(cli, "--name", "Gone Person", "--summary", "picnic")
    conn = sqlite3.connect(db)
    conn.execute("UPDATE accounts SET deleted_at = '2026-01-01T00:00:00Z'")
    conn.commit()
    conn.close()
    assert hits(cli, "picnic") == []
    assert names(cli, "picnic", "--include-deleted") == ["Gone Person"]


# ------------------------------------------------------------------------------------- kept in step


def test_index_follows_every_write(cli, sample, tmp_path: Path) -> None:
    ok(cli("event", "add", "DEMO-0002", "--type", "relocated", "--description", "moved to Wroclaw"))
    assert names(cli, "wroclaw") == ["Marta Kowalczyk"]
    ok(cli("quote", "add", "DEMO-0004", "--text", "the picnic was a trap"))
    assert names(cli, "picnic") == ["(unnamed)"]
    source = ok(cli("source", "add", "--title", "Kaesong bulletin")).stdout.strip()
    ok(cli("source", "link", "DEMO-0005", source))
    assert names(cli, "kaesong") == ["Юрий Петренко"]
    update = tmp_path / "u.json"
    update.write_text(json.dumps([{"external_id": "DEMO-0002", "summary": "Rewritten about Olsztyn."}]))
    ok(cli("import", update))
    assert names(cli, "olsztyn") == ["Marta Kowalczyk"]
    assert names(cli, "exempt") == []  # the old summary's words are gone
    shared = [s for s in json.loads(ok(cli("source", "list", "--format", "json")).stdout) if s["accounts"] == 2][0]
    change = tmp_path / "s.json"
    change.write_text(
        json.dumps([{"external_id": "DEMO-0003", "sources": [{"id": shared["id"], "title": "Renamed gazette"}]}])
    )
    ok(cli("import", change))
    assert set(names(cli, "gazette")) == {"سارا احمدی", "Hassan Shahbazi"}  # both accounts citing it


def test_a_rolled_back_import_leaves_the_index_alone(cli, sample, db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"external_id": "NEW-1", "summary": "zanzibar"}, {"external_id": "NEW-2", "left": "?"}]))
    assert cli("import", bad).exit_code == 1
    good = tmp_path / "good.json"
    good.write_text(json.dumps([{"external_id": "NEW-1", "summary": "zanzibar"}]))
    ok(cli("import", "--dry-run", good))
    assert hits(cli, "zanzibar") == []
    conn = sqlite3.connect(db)
    docs, accounts = conn.execute(
        "SELECT (SELECT count(*) FROM accounts_fts_docs), (SELECT count(*) FROM accounts)"
    ).fetchone()
    conn.close()
    assert docs == accounts == 7


def test_an_account_put_back_below_the_highest_rowid_is_searchable_again(cli, db: Path) -> None:
    """New accounts are indexed as the rows above the transaction's starting rowid; one that undo puts back
    under its old, lower rowid must be indexed too."""
    add(cli, "--name", "Zanzibar Person")
    add(cli, "--name", "Other Person")
    first_add = json.loads(ok(cli("history", "--format", "json")).stdout)[1]["batch"]
    undone = ok(cli("undo", first_add)).stderr
    assert names(cli, "zanzibar") == []
    redo = undone.split("`casefile undo ")[1].split("`")[0]
    ok(cli("undo", redo))  # the account comes back with rowid 1, below the other one's 2
    assert names(cli, "zanzibar") == ["Zanzibar Person"]
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT rowid FROM accounts WHERE name = 'Zanzibar Person'").fetchone() == (1,)
    assert conn.execute("SELECT count(*) FROM accounts_fts_docs").fetchone() == (2,)
    conn.close()


def test_deleting_a_row_with_another_tool_removes_its_entry(cli, sample, db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("DELETE FROM accounts WHERE external_id = 'SEED-0001'")
    conn.commit()
    assert conn.execute("SELECT count(*) FROM accounts_fts WHERE accounts_fts MATCH 'brainwashing'").fetchone() == (0,)
    conn.execute("INSERT INTO accounts_fts (accounts_fts) VALUES ('integrity-check')")
    conn.close()
    assert hits(cli, "brainwashing") == []


def test_an_older_database_is_indexed_when_upgraded(cli, sample, db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("DROP TRIGGER accounts_fts_forget")
    conn.execute("DROP TRIGGER accounts_fts_keep")
    conn.execute("DROP TABLE accounts_fts")
    conn.execute("DROP TABLE accounts_fts_docs")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name IN ('m003_search_index', 'm011_search_everything')")
    conn.commit()
    conn.close()
    assert names(cli, "brainwashing") == ["Ali Mohammad Rahimi Alashti"]


# ------------------------------------------------------------------------------------------- Datasette


def test_datasette_detects_the_index_for_accounts(cli, sample, db: Path) -> None:
    """Datasette's detect_fts looks for a virtual table declaring content="<table>"; its search box then
    runs ``rowid in (select rowid from <fts> where <fts> match :search)``."""
    conn = sqlite3.connect(db)
    found = conn.execute(
        "select name from sqlite_master where rootpage = 0 and sql like "
        "'%VIRTUAL TABLE%USING FTS%content=\"accounts\"%'"
    ).fetchall()
    assert found == [("accounts_fts",)]
    rows = conn.execute(
        "select external_id from accounts where rowid in (select rowid from accounts_fts where accounts_fts match ?)",
        ('"recruiter"',),
    ).fetchall()
    assert rows == [("DEMO-0002",)]
    columns = [r[1] for r in conn.execute("PRAGMA table_info(accounts_fts)")]
    assert set(columns) <= {r[1] for r in conn.execute("PRAGMA table_info(accounts)")}  # readable by any tool
    assert conn.execute("SELECT count(*) FROM accounts_fts").fetchone() == (7,)
    conn.close()


def test_store_sync_reports_nothing_to_do_for_unchanged_writes(db: Path, cli, sample) -> None:
    store = Store.open(db)
    with store.transaction():
        store.conn.execute("UPDATE accounts SET summary = summary")
        assert store.sync_search() == 0
    store.close()


def index_snapshot(db: Path) -> list[tuple]:
    """Every (term, account, column, offset) in the index, read through fts5vocab."""
    conn = sqlite3.connect(db)
    conn.execute("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, accounts_fts, 'instance')")
    rows = sorted(conn.execute("SELECT term, doc, col, offset FROM temp.v"))
    conn.close()
    return rows


def test_incremental_upkeep_equals_a_full_rebuild(cli, sample, db: Path, tmp_path: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("UPDATE accounts SET summary = 'changed behind casefile''s back' WHERE external_id = 'DEMO-0004'")
    conn.execute("UPDATE accounts SET name = 'Renamed', summary = NULL WHERE external_id = 'DEMO-0002'")
    conn.commit()
    conn.close()
    ok(cli("event", "add", "DEMO-0004", "--type", "released", "--description", "let go"))
    ok(cli("quote", "add", "DEMO-0002", "--text", "Zoë said: می\u200cخواهم"))
    ok(cli("add", "--no-input", "--name", "Ghasem Khalili", "--summary", "Straße"))
    update = tmp_path / "u.json"
    update.write_text(json.dumps([{"external_id": "SEED-0001", "aliases": ["A. M. Rahimi"], "summary": "short"}]))
    ok(cli("import", update))
    before = index_snapshot(db)
    assert ok(cli("search", "--reindex")).exit_code == 0
    assert index_snapshot(db) == before
    assert names(cli, "behind") == ["(unnamed)"]


def test_plain_text_is_not_stored_twice(cli, sample, db: Path) -> None:
    conn = sqlite3.connect(db)
    row = conn.execute(
        "SELECT d.name, d.summary, d.source_title FROM accounts_fts_docs d JOIN accounts a ON a.rowid = d.rowid "
        "WHERE a.external_id = 'DEMO-0004'"
    ).fetchone()
    seed = conn.execute(
        "SELECT d.summary_more FROM accounts_fts_docs d JOIN accounts a ON a.rowid = d.rowid "
        "WHERE a.external_id = 'SEED-0001'"
    ).fetchone()
    conn.close()
    assert row == (None, None, None)  # unnamed, plain English summary, one source title: not stored twice
    assert seed[0] is not None  # the seed's quotes and events are indexed after its summary
