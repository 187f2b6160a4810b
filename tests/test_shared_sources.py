"""Sources are shared records (issue 18, item 4): the flat ``source_*`` columns and ``add --source-*`` create
or reuse a shared source, matched by normalised URL, else by title + publisher + date folded; the import
summary counts them; an old database's flat-only sources become shared sources on upgrade."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from conftest import dump_data, rows_csv


def ok(result: Any) -> Any:
    assert result.exit_code == 0, result.stderr
    return result


def sources(cli) -> list[dict[str, Any]]:
    return json.loads(ok(cli("source", "list", "--format", "json")).stdout)


def accounts(cli) -> dict[str, dict[str, Any]]:
    return {a["name"]: a for a in json.loads(ok(cli("export", "--format", "json", "--include-restricted")).stdout)}


ARTICLE = {
    "organization": "MEK",
    "source_title": "Two former members speak",
    "source_url": "https://example.org/news/17",
    "source_publisher": "Nejat Society",
    "source_date": "2024-01-02",
}


def test_two_accounts_from_one_article_share_one_source(cli, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(
        rows_csv(
            [
                {"name": "Person A", **ARTICLE, "source_reliability": "C", "source_credibility": "3"},
                {"name": "Person B", **ARTICLE, "source_reliability": "B", "source_credibility": "2"},
            ]
        ),
        encoding="utf-8",
    )
    result = ok(cli("import", path))
    assert "1 source created, 1 reused" in result.stderr
    (source,) = sources(cli)
    assert source["accounts"] == 2 and source["title"] == ARTICLE["source_title"]
    stored = accounts(cli)
    for name, grades in (("Person A", ("C", "3")), ("Person B", ("B", "2"))):
        (link,) = stored[name]["sources"]
        assert link["id"] == source["id"] and link["role"] == "primary"
        assert (link["reliability"], link["credibility"]) == grades  # the grades stay the account's own
        assert (stored[name]["source_reliability"], stored[name]["source_credibility"]) == grades


@pytest.mark.parametrize(
    "other",
    [
        "https://example.org/news/17/",
        "http://EXAMPLE.org/news/17",
        "https://www.example.org/news/17",
        "https://example.org:443/news/17",
        "https://example.org/news/17#comments",
        "https://example.org/news/17?utm_source=twitter&utm_medium=social",
        "https://example.org/news/17?fbclid=IwAR0abc",
        "https://example.org/news/17?gclid=xyz&mc_cid=1",
        " https://example.org/news/17 ",
    ],
)
def test_add_reuses_a_source_by_its_normalised_url(cli, other: str) -> None:
    ok(cli("add", "--no-input", "--name", "Person A", "--source-url", "https://example.org/news/17"))
    ok(cli("add", "--no-input", "--name", "Person B", "--source-url", other))
    (source,) = sources(cli)
    assert source["accounts"] == 2


@pytest.mark.parametrize(
    "other",
    [
        "https://example.org/news/18",
        "https://example.org/News/17",  # a path keeps its case
        "https://example.org/news/17?id=2",  # a parameter that is not tracking names another page
        "https://example.com/news/17",
        "https://news.example.org/news/17",
        "https://example.org:8443/news/17",
    ],
)
def test_another_address_is_another_source(cli, other: str) -> None:
    ok(cli("add", "--no-input", "--name", "Person A", "--source-url", "https://example.org/news/17"))
    ok(cli("add", "--no-input", "--name", "Person B", "--source-url", other))
    assert sorted(s["accounts"] for s in sources(cli)) == [1, 1]


def test_url_keys() -> None:
    from casefile.sourcekeys import url_key

    assert (
        url_key("HTTPS://WWW.Example.ORG:443/a/b/?utm_campaign=x&page=2&gclid=1#top") == "web://example.org/a/b?page=2"
    )
    assert url_key("https://example.org/#!/story/5") == "web://example.org#!/story/5"
    assert url_key("") is None and url_key(None) is None
    assert url_key("not a url/") == "not a url"


def test_without_a_url_title_publisher_and_date_match_folded(cli) -> None:
    ok(
        cli(
            "add", "--no-input", "--name", "Person A", "--source-title", "Former Member Speaks",
            "--source-publisher", "Nejat Society", "--source-date", "2024-01-02",
        )
    )  # fmt: skip
    ok(
        cli(
            "add", "--no-input", "--name", "Person B", "--source-title", "former  member speaks",
            "--source-publisher", "NEJAT society", "--source-date", "2 January 2024",
        )
    )  # fmt: skip
    (source,) = sources(cli)
    assert source["accounts"] == 2 and source["title"] == "Former Member Speaks"
    assert accounts(cli)["Person B"]["source_title"] == "Former Member Speaks"  # the flat columns mirror it
    ok(
        cli(
            "add", "--no-input", "--name", "Person C", "--source-title", "Former Member Speaks",
            "--source-publisher", "Nejat Society", "--source-date", "2024-01-03",
        )
    )  # fmt: skip
    ok(cli("add", "--no-input", "--name", "Person D", "--source-title", "Former Member Speaks"))  # title alone
    assert sorted(s["accounts"] for s in sources(cli)) == [1, 1, 2]


def test_a_value_that_would_change_a_source_others_cite_is_refused_by_field(cli, db: Path, tmp_path: Path) -> None:
    ok(cli("add", "--no-input", "--name", "Person A", "--source-url", ARTICLE["source_url"], "--source-title", "T1"))
    before = dump_data(db)
    path = tmp_path / "b.csv"
    path.write_text(rows_csv([{"name": "Person B", "source_url": ARTICLE["source_url"], "source_title": "Secret"}]))
    result = cli("import", path)
    assert result.exit_code == 1
    assert f"{path}:2: field 'source_title': differs from the shared source" in result.stderr
    assert "Secret" not in result.stderr and "T1" not in result.stderr
    assert dump_data(db) == before


def test_a_value_the_shared_source_lacks_is_filled_in_for_every_account(cli) -> None:
    ok(cli("add", "--no-input", "--name", "Person A", "--source-url", ARTICLE["source_url"]))
    ok(cli("add", "--no-input", "--name", "Person B", "--source-url", ARTICLE["source_url"], "--source-title", "T"))
    (source,) = sources(cli)
    assert source["title"] == "T" and source["accounts"] == 2
    assert {a["source_title"] for a in accounts(cli).values()} == {"T"}


def test_editing_the_flat_source_of_the_only_account_citing_it_changes_it_in_place(cli) -> None:
    account = ok(cli("add", "--no-input", "--name", "Person A", "--source-title", "Typo", "--source-date", "2020"))
    account_id = account.stdout.strip()
    ok(cli("edit", account_id, "--set", "source_title=Fixed"))
    ok(cli("edit", account_id, "--set", "source_reliability=B"))
    (source,) = sources(cli)
    assert source["title"] == "Fixed" and source["accounts"] == 1
    (link,) = accounts(cli)["Person A"]["sources"]
    assert link["reliability"] == "B" and link["title"] == "Fixed"


def test_a_reimport_of_the_same_rows_reuses_nothing_new_and_changes_nothing(cli, db: Path, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(rows_csv([{"external_id": "x1", "name": "Person A", **ARTICLE}]), encoding="utf-8")
    ok(cli("import", path))
    before = dump_data(db)
    result = ok(cli("import", path))
    assert "0 added, 0 updated, 1 unchanged" in result.stderr and "source" not in result.stderr
    assert dump_data(db) == before


# ------------------------------------------------------------------------------------------- upgrade


def old_database(db: Path, monkeypatch: pytest.MonkeyPatch, rows: list[dict[str, Any]]) -> None:
    """A database as casefile left it before m010: the steps before it applied, and accounts written the way
    the old code path wrote them - the source only in the flat ``source_*`` columns, no shared source."""
    from casefile import migrations as schema
    from casefile.migrations import Steps
    from casefile.store import Store

    old = Steps("casefile")
    old._migrations = [s for s in schema.migrations._migrations if s.name < "m010"]
    with monkeypatch.context() as patched:
        patched.setattr(schema, "migrations", old)
        Store.open(db, create=True).close()
    conn = sqlite3.connect(db)
    for n, row in enumerate(rows):
        columns = {"id": f"{n:016x}", "confidentiality": "internal", "created_at": "2025-01-01T00:00:00Z"}
        columns["updated_at"] = columns["created_at"]
        columns.update(row)
        names = ", ".join(f'"{c}"' for c in columns)
        conn.execute(
            f"INSERT INTO accounts ({names}) VALUES ({', '.join('?' for _ in columns)})", list(columns.values())
        )
    conn.execute(  # indexed as the old code indexed them: name and flat title (plain ASCII text: as stored)
        "INSERT INTO accounts_fts (rowid, name, summary, source_title) SELECT rowid, coalesce(name, ''), '', "
        "coalesce(source_title, '') FROM accounts"
    )
    conn.execute("INSERT INTO accounts_fts_docs (rowid) SELECT rowid FROM accounts")
    conn.commit()
    conn.close()


def test_an_old_database_gets_its_flat_sources_as_shared_ones(cli, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    day = {"source_date": "2024-01-02", "source_date_edtf": "2024-01-02", "source_date_min": "2024-01-02",
           "source_date_max": "2024-01-02", "source_date_precision": "day"}  # fmt: skip
    old_database(
        db,
        monkeypatch,
        [
            {"name": "A", "source_title": "Article", "source_url": "https://example.org/a?utm_source=x", **day,
             "source_reliability": "C"},
            {"name": "B", "source_title": "Article", "source_url": "https://www.example.org/a/",
             "source_credibility": "2"},
            {"name": "C", "source_title": "Other", "source_publisher": "P", **day},
            {"name": "D", "source_title": "other", "source_publisher": "p", **day,
             "deleted_at": "2025-02-01T00:00:00Z"},
            {"name": "E", "source_title": "Article", "source_url": "https://example.org/a", "source_publisher": "Q"},
            {"name": "F"},
        ],
    )  # fmt: skip
    listed = sorted(sources(cli), key=lambda s: s["title"])
    assert [(s["title"], s["accounts"]) for s in listed] == [("Article", 3), ("Other", 2)]
    assert (
        listed[0]["publisher"] == "Q" and listed[0]["date"]["raw"] == "2024-01-02"
    )  # what one account lacked, from another
    stored = accounts(cli)
    a, b = stored["A"], stored["B"]
    assert a["sources"][0]["id"] == b["sources"][0]["id"] == listed[0]["id"]
    assert (a["sources"][0]["role"], a["sources"][0]["reliability"], b["sources"][0]["credibility"]) == (
        "primary",
        "C",
        "2",
    )
    assert b["source_date"] == "2024-01-02" and b["source_url"] == "https://www.example.org/a/"  # own text kept
    assert stored["F"]["sources"] == []
    search = json.loads(ok(cli("search", "Article", "--format", "json")).stdout)
    assert {r["name"] for r in search} == {"A", "B", "E"}
    doctor = cli("doctor")
    assert doctor.exit_code == 0, doctor.stdout


def test_the_upgrade_keeps_sources_already_shared(cli, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old_database(db, monkeypatch, [{"name": "A", "source_title": "Flat", "source_url": "https://example.org/x"}])
    conn = sqlite3.connect(db)
    conn.execute(
        "INSERT INTO sources (id, title, url, created_at) VALUES ('00000000000000aa', 'Shared', "
        "'https://example.org/x/', 'x')"
    )
    conn.commit()
    conn.close()
    (source,) = sources(cli)
    assert source["id"] == "00000000000000aa" and source["title"] == "Shared" and source["accounts"] == 1
    assert accounts(cli)["A"]["source_title"] == "Flat"  # the account's own text stays in its column


def test_the_summary_counts_the_sources_of_json_sources_lists_too(cli, tmp_path: Path) -> None:
    entry = {"id": "00000000000000a1", "title": "Shared", "url": "https://example.org/s", "role": "primary"}
    path = tmp_path / "a.json"
    path.write_text(json.dumps([{"name": "A", "sources": [entry]}, {"name": "B", "sources": [entry]}]))
    assert "1 source created, 1 reused" in ok(cli("import", path)).stderr
    (source,) = sources(cli)
    assert source["accounts"] == 2


def test_source_add_and_edit_name_the_option_typed_in_their_errors(cli, db: Path) -> None:
    """`source add --date banana` named the field of a file (`sources[1].date`), not the `--date` typed, and
    advised --keep-unparsed-dates, which source add and edit did not have."""
    source = ok(cli("source", "add", "--title", "Shared")).stdout.strip()
    before = dump_data(db)
    for args in (("source", "add", "--title", "T"), ("source", "edit", source)):
        for bad, value, says in (
            ("--date", "banana", "cannot read this as a date (or pass --keep-unparsed-dates"),
            ("--publisher-type", "no_such_type", "unknown code"),
            ("--date", "four years later", "write the date itself"),
        ):
            result = cli(*args, bad, value)
            assert result.exit_code == 1, result.stderr
            (line,) = result.stderr.splitlines()
            assert line.startswith(f"error: {bad}: ") and says in line, line
    assert dump_data(db) == before
    kept = ok(cli("source", "add", "--title", "T", "--date", "banana", "--keep-unparsed-dates")).stdout.strip()
    ok(cli("source", "edit", source, "--date", "03/04/2021", "--dayfirst"))
    listed = {s["id"]: s for s in json.loads(ok(cli("source", "list", "--format", "json")).stdout)}
    assert (listed[kept]["date"]["raw"], listed[kept]["date"]["precision"]) == ("banana", "unknown")
    assert listed[source]["date"]["edtf"] == "2021-04-03"


def test_a_value_filled_in_by_a_later_row_survives_the_new_accounts_written_before_it(cli, tmp_path: Path) -> None:
    """A new account is stored at the end of its batch, an update at once: the new account's link held the
    source as it was when its row was read, and writing it put the source back that way, so a date a later
    row of the same import filled in was silently lost (for every account citing the source)."""
    first = tmp_path / "first.csv"
    first.write_text(
        rows_csv([{"external_id": "b1", "name": "Person B", "source_url": ARTICLE["source_url"]}]),
        encoding="utf-8",
    )
    ok(cli("import", first))
    second = tmp_path / "second.csv"
    rows = [
        {"external_id": "a1", "name": "Person A", "organization": "MEK", "source_url": ARTICLE["source_url"]},
        {"external_id": "b1", "name": "Person B", "organization": "MEK", "source_url": ARTICLE["source_url"]},
    ]
    rows[1]["source_date"] = "2024-01-02"
    rows[0]["source_date"] = ""
    second.write_text(rows_csv(rows), encoding="utf-8")
    result = ok(cli("import", second))
    assert "1 added, 1 updated" in result.stderr
    (source,) = sources(cli)
    assert source["date"]["raw"] == "2024-01-02"
    stored = accounts(cli)
    assert [stored[n]["source_date"] for n in ("Person A", "Person B")] == ["2024-01-02", "2024-01-02"]
    assert [stored[n]["sources"][0]["date"] for n in ("Person A", "Person B")] == ["2024-01-02", "2024-01-02"]


def test_the_entry_of_a_source_just_created_is_what_reading_it_back_gives(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import builds the link to a source it creates from the values it stored, not by reading the row
    back (issue 23): the same fields, values and order - dates in every form, coded fields, empty ones."""
    from casefile.store import Store

    original = Store.source_entry
    compared = []

    def checked(self: Store, rowid: int, created: dict[str, Any] | None = None) -> dict[str, Any]:
        entry = original(self, rowid, created)
        if created is not None:
            compared.append((list(entry.items()), list(original(self, rowid).items())))
        return entry

    monkeypatch.setattr(Store, "source_entry", checked)
    dates = ["2024-01-02", "around 2008", "summer 2014", "Jan.14, 2006", "1986–1990", "", "New Year's Eve", "1886"]
    rows = [
        {
            "name": f"Person {n}",
            "source_title": f"Article {n}",
            "source_url": f"https://example.org/{n}" if n % 2 else "",
            "source_publisher": "Nejat Society" if n % 3 else "",
            "source_publisher_type": "advocacy_ngo" if n % 2 else "",
            "source_stance": "adversarial" if n % 3 == 1 else "",
            "source_date": date,
        }
        for n, date in enumerate(dates)
    ]
    path = tmp_path / "many.csv"
    path.write_text(rows_csv(rows), encoding="utf-8")
    ok(cli("import", "--keep-unparsed-dates", path))
    assert len(compared) == len(dates)
    for built, read in compared:
        assert built == read


def test_the_match_keys_are_the_same_asked_twice_and_for_a_date_that_cannot_be_kept() -> None:
    """title_key and url_key keep their last answers (an import asks twice a row); a date casefile does not make
    (a list) is worked out, not refused."""
    from casefile.model import FuzzyDate
    from casefile.sourcekeys import title_key, url_key

    date = FuzzyDate("2 January 2024", "2024-01-02")
    first = title_key("Two Former Members Speak", "Nejat", date)
    assert first == title_key("two former members speak", "NEJAT", FuzzyDate("2024-01-02", "2024-01-02"))
    assert title_key("Two Former Members Speak", "Nejat", date) == first
    from casefile.sourcekeys import _title_key

    unkept = ["2024"]
    assert title_key("Two Former Members Speak", "Nejat", unkept) == _title_key.__wrapped__(
        "Two Former Members Speak", "Nejat", unkept
    )
    assert (
        url_key("https://www.Example.org/n/1/?utm_source=x")
        == url_key("https://example.org/n/1")
        == "web://example.org/n/1"
    )
