"""One source model, shown the same everywhere (issue 18, item 4): after `source link` or `merge` the
account's own primary source stays in `show`, the FtM export and the Markdown dossier; `source edit`,
`merge`, `unlink` and `delete` are audited and undoable; FtM writes one Document per article; a source only
restricted accounts cite stays out of exports that leave them out; purge keeps what others cite."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import dump_data, rows_csv


def ok(result: Any) -> Any:
    assert result.exit_code == 0, result.stderr
    return result


def add(cli, name: str, *args: str) -> str:
    return str(ok(cli("add", "--no-input", "--name", name, "--org", "MEK", *args)).stdout.strip())


def record(cli, account: str) -> dict[str, Any]:
    return dict(json.loads(ok(cli("show", account, "--format", "json")).stdout))


def sources(cli) -> list[dict[str, Any]]:
    return list(json.loads(ok(cli("source", "list", "--format", "json")).stdout))


OWN = ("--source-title", "Own article", "--source-url", "https://example.org/own", "--source-reliability", "C")


def ftm(cli, *args: str) -> list[dict[str, Any]]:
    out = ok(cli("export", "--format", "ftm", *args)).stdout
    return [json.loads(line) for line in out.splitlines()]


def test_after_linking_a_new_primary_the_own_source_stays_everywhere(cli) -> None:
    account = add(cli, "Person A", *OWN)
    other = ok(cli("source", "add", "--title", "Later article", "--url", "https://example.org/later")).stdout.strip()
    ok(cli("source", "link", account, other, "--role", "primary", "--reliability", "B", "--credibility", "2"))
    shown = record(cli, account)
    assert [(s["title"], s["role"]) for s in shown["sources"]] == [
        ("Own article", "corroborating"),
        ("Later article", "primary"),
    ]
    plain = ok(cli("show", account)).stdout
    assert "Own article" in plain and "Later article" in plain
    entities = ftm(cli)
    articles = {e["properties"]["title"][0]: e["id"] for e in entities if e["schema"] == "Article"}
    assert set(articles) == {"Own article", "Later article"}
    (membership,) = [e for e in entities if e["schema"] == "Membership"]
    assert membership["properties"]["proof"] == [articles["Later article"]]
    docs = {e["properties"]["document"][0]: e["properties"]["role"] for e in entities if e["schema"] == "Documentation"}
    assert docs == {articles["Own article"]: ["corroborating source"], articles["Later article"]: ["primary source"]}
    dossier = ok(cli("export", "--format", "md")).stdout
    for text in ("Own article", "Later article", "**role:** corroborating", "**role:** primary", "**reliability:** C"):
        assert text in dossier, text


def test_the_proof_of_a_membership_is_the_own_primary_source_with_a_corroborating_link(cli) -> None:
    account = add(cli, "Person A", *OWN)
    other = ok(cli("source", "add", "--title", "Corroboration", "--publisher", "P", "--date", "2024")).stdout.strip()
    ok(cli("source", "link", account, other))
    entities = ftm(cli)
    articles = {e["properties"]["title"][0]: e["id"] for e in entities if e["schema"] == "Article"}
    (membership,) = [e for e in entities if e["schema"] == "Membership"]
    assert membership["properties"]["proof"] == [articles["Own article"]]


def test_merging_two_accounts_keeps_the_kept_accounts_primary_source(cli) -> None:
    keep = add(cli, "Person A", *OWN)
    other = add(cli, "Person A.", "--source-title", "Second article", "--source-url", "https://example.org/2")
    ok(cli("merge", keep, other))
    shown = record(cli, keep)
    assert [(s["title"], s["role"]) for s in shown["sources"]] == [
        ("Own article", "primary"),
        ("Second article", "corroborating"),
    ]
    assert shown["source_title"] == "Own article" and shown["source_reliability"] == "C"
    (membership,) = [e for e in ftm(cli) if e["schema"] == "Membership"]
    articles = {e["properties"]["title"][0]: e["id"] for e in ftm(cli) if e["schema"] == "Article"}
    assert membership["properties"]["proof"] == [articles["Own article"]]


def test_json_round_trip_carries_every_source_and_csv_mirrors_the_primary(cli, db: Path, tmp_path: Path) -> None:
    account = add(cli, "Person A", *OWN)
    other = ok(cli("source", "add", "--title", "Corroboration", "--url", "https://example.org/c")).stdout.strip()
    ok(cli("source", "link", account, other, "--reliability", "A"))
    exported = tmp_path / "all.json"
    ok(cli("export", "--format", "json", "-o", exported))
    fresh = tmp_path / "fresh.db"
    ok(cli("--db", fresh, "import", exported))
    again = tmp_path / "again.json"
    ok(cli("--db", fresh, "export", "--format", "json", "-o", again))
    assert again.read_bytes() == exported.read_bytes()
    (row,) = json.loads(exported.read_text())
    assert [s["title"] for s in row["sources"]] == ["Own article", "Corroboration"]
    csv_text = ok(cli("export", "--format", "csv")).stdout
    assert "Own article,https://example.org/own" in csv_text and "Corroboration" not in csv_text


# -------------------------------------------------------------------------------------- source commands


def test_source_edit_changes_every_citing_account_and_undo_puts_it_back(cli, db: Path) -> None:
    first = add(cli, "Person A", *OWN)
    second = add(cli, "Person B", "--source-url", "https://example.org/own/")
    (source,) = sources(cli)
    before = dump_data(db)
    ok(cli("source", "edit", source["id"][:6], "--title", "Renamed", "--publisher-type", "news_media"))
    assert {record(cli, a)["source_title"] for a in (first, second)} == {"Renamed"}
    assert record(cli, second)["source_publisher_type"] == "news_media"
    assert json.loads(ok(cli("search", "Renamed", "--format", "json")).stdout)
    ok(cli("undo"))
    assert dump_data(db) == before


def test_source_edit_validates_like_add_and_refuses_another_sources_address(cli, db: Path) -> None:
    add(cli, "Person A", *OWN)
    (source,) = sources(cli)
    ok(cli("source", "add", "--url", "https://example.org/taken"))
    before = dump_data(db)
    bad = cli("source", "edit", source["id"], "--publisher-type", "tabloid")
    assert bad.exit_code == 1 and "--publisher-type:" in bad.stderr and "unknown code" in bad.stderr
    taken = cli("source", "edit", source["id"], "--url", "http://www.example.org/taken?utm_source=x")
    assert taken.exit_code == 2 and "source merge" in taken.stderr
    assert dump_data(db) == before


def test_source_merge_moves_links_names_conflicts_by_field_and_undoes(cli, db: Path) -> None:
    first = add(cli, "Person A", "--source-title", "Secret title A", "--source-publisher", "P", "--source-date", "2020")
    second = add(cli, "Person B", "--source-title", "Secret title B", "--source-url", "https://example.org/b")
    keep, other = sorted(sources(cli), key=lambda s: s["title"])
    before = dump_data(db)
    result = ok(cli("source", "merge", keep["id"], other["id"]))
    assert "conflict: title" in result.stderr and "Secret" not in result.stderr
    (merged,) = sources(cli)
    assert merged["id"] == keep["id"] and merged["accounts"] == 2 and merged["url"] == "https://example.org/b"
    assert record(cli, second)["source_title"] == "Secret title A"
    assert record(cli, first)["sources"][0]["id"] == keep["id"]
    ok(cli("undo"))
    assert dump_data(db) == before


def test_source_unlink_and_delete(cli, db: Path) -> None:
    account = add(cli, "Person A", *OWN)
    (source,) = sources(cli)
    before = dump_data(db)
    refused = cli("source", "delete", source["id"])
    assert refused.exit_code == 2 and "source unlink" in refused.stderr and "--unlink" in refused.stderr
    assert dump_data(db) == before
    ok(cli("source", "unlink", account, source["id"]))
    shown = record(cli, account)
    assert shown["sources"] == [] and shown["source_title"] is None and shown["source_reliability"] is None
    ok(cli("undo"))
    assert dump_data(db) == before
    ok(cli("source", "delete", source["id"], "--unlink"))
    assert sources(cli) == [] and record(cli, account)["source_url"] is None
    ok(cli("undo"))
    assert dump_data(db) == before
    ok(cli("source", "unlink", account, source["id"]))
    ok(cli("source", "delete", source["id"]))
    assert sources(cli) == []


# ------------------------------------------------------------------------------------ publisher type, stance


def test_publisher_type_and_stance_come_in_through_csv_and_json(cli, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(
        rows_csv(
            [
                {"name": "A", "source_title": "T", "source_url": "https://e.org/1",
                 "source_publisher_type": "news_media", "source_stance": "Independent"},
            ]
        )
    )  # fmt: skip
    ok(cli("import", path))
    (source,) = sources(cli)
    assert (source["publisher_type"], source["stance"]) == ("news_media", "independent")
    bad = tmp_path / "b.csv"
    bad.write_text(rows_csv([{"name": "B", "source_title": "U", "source_stance": "hostile"}]))
    result = cli("import", bad)
    assert result.exit_code == 1 and f"{bad}:2: field 'source_stance': unknown code" in result.stderr
    record_file = tmp_path / "c.json"
    record_file.write_text(json.dumps([{"name": "C", "source_title": "V", "source_publisher_type": "tabloid"}]))
    result = cli("import", record_file)
    assert result.exit_code == 1 and "field 'source_publisher_type': unknown code" in result.stderr


# ------------------------------------------------------------------------------------------- FtM, restricted


def test_eleven_articles_cited_by_sixteen_accounts_are_eleven_documents(cli, tmp_path: Path) -> None:
    rows = []
    for n in range(16):
        article = n % 11  # articles 0-4 are cited twice
        rows.append(
            {
                "name": f"Person {n}",
                "organization": "MEK",
                "source_title": f"Article {article}",
                "source_url": f"https://example.org/a/{article}" + ("?utm_source=feed" if n >= 11 else ""),
                "source_publisher": "Example News",
            }
        )
    path = tmp_path / "a.csv"
    path.write_text(rows_csv(rows))
    result = ok(cli("import", path))
    assert "11 sources created, 5 reused" in result.stderr
    entities = ftm(cli)
    assert sum(e["schema"] == "Article" for e in entities) == 11
    assert sum(e["schema"] == "Documentation" for e in entities) == 16


def test_a_source_only_restricted_accounts_cite_stays_out_of_exports_without_them(cli) -> None:
    add(cli, "Open", "--source-title", "Public article", "--source-url", "https://example.org/p")
    add(cli, "Closed", "--confidentiality", "restricted", "--source-title", "Restricted lead",
        "--source-url", "https://example.org/r")  # fmt: skip
    for fmt in ("ftm", "json", "jsonl", "csv", "md"):
        out = ok(cli("export", "--format", fmt)).stdout
        assert "Public article" in out and "Restricted lead" not in out and "example.org/r" not in out, fmt
    table = ok(cli("export", "--table", "sources")).stdout
    assert "Public article" in table and "Restricted lead" not in table


# ------------------------------------------------------------------------------------------------- purge


def test_purge_keeps_a_source_others_cite_and_removes_one_nobody_cites(cli, db: Path) -> None:
    shared = ("--source-title", "Shared article", "--source-url", "https://example.org/s")
    keep = add(cli, "Stays", *shared)
    gone = add(cli, "Goes", "--confidentiality", "restricted", *shared)
    alone = add(cli, "Also goes", "--confidentiality", "restricted", "--source-title", "Only theirs secret",
                "--source-publisher", "P")  # fmt: skip
    ok(cli("delete", gone, alone, "--yes"))
    result = ok(cli("purge", gone, alone, "--yes"))
    assert "1 source" in result.stderr
    (left,) = sources(cli)
    assert left["title"] == "Shared article" and left["accounts"] == 1
    assert record(cli, keep)["sources"][0]["id"] == left["id"]
    assert b"Only theirs secret" not in db.read_bytes()


def test_purge_leaves_no_audit_image_of_a_source_merged_away_from_a_restricted_account(cli, db: Path) -> None:
    """A restricted account's own source merged into a public one: its before-image (title, address) is in the
    audit log under the removed source; purging the account must not leave it there."""
    add(cli, "Public", "--source-title", "Public article", "--source-url", "https://example.org/p")
    closed = add(cli, "Closed", "--confidentiality", "restricted", "--source-title", "Secret lead title",
                 "--source-url", "https://example.org/secret-lead")  # fmt: skip
    public, secret = sorted(sources(cli), key=lambda s: s["title"])
    ok(cli("source", "merge", public["id"], secret["id"]))
    ok(cli("delete", closed, "--yes"))
    ok(cli("purge", closed, "--yes"))
    assert sources(cli)[0]["accounts"] == 1
    data = db.read_bytes()
    assert b"Secret lead title" not in data and b"secret-lead" not in data


def test_source_merge_of_two_sources_one_account_links_leaves_one_primary_link(cli, db: Path) -> None:
    account = add(cli, "Person A", "--source-title", "Copy one", "--source-url", "https://example.org/1")
    (first,) = sources(cli)
    second = ok(cli("source", "add", "--title", "Copy two", "--url", "https://example.org/2")).stdout.strip()
    ok(cli("source", "link", account, second, "--role", "primary", "--reliability", "B", "--locator", "p. 2"))
    ok(cli("source", "merge", first["id"], second))
    (link,) = record(cli, account)["sources"]
    assert (link["id"], link["role"], link["reliability"], link["locator"]) == (first["id"], "primary", "B", "p. 2")
    assert record(cli, account)["source_title"] == "Copy one"
