"""The audit log and undo through the CLI: every write is a batch; undo puts the database back exactly."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from conftest import DATA, dump_data


def add(cli, *args: str) -> str:
    result = cli("add", "--no-input", *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip()


def batches(db: Path) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT actor, command, coalesce(undoes, '') FROM audit_batches ORDER BY rowid").fetchall()
    finally:
        conn.close()


def seeded(cli) -> None:
    assert cli("org", "import", DATA / "organizations.json").exit_code == 0
    assert cli("import", DATA / "accounts.json").exit_code == 0


def undo(cli, *args: str) -> str:
    result = cli("undo", *args)
    assert result.exit_code == 0, result.stderr
    return result.stderr


def test_every_write_command_is_one_batch_naming_actor_and_command(cli, db: Path, monkeypatch) -> None:
    monkeypatch.setenv("CASEFILE_ACTOR", "alice")
    seeded(cli)
    source = cli("source", "add", "--title", "Another article").stdout.strip()
    steps = [
        ("event", "add", "SEED-0001", "--type", "testified", "--date", "2025"),
        ("quote", "add", "SEED-0001", "--text", "words"),
        ("source", "link", "SEED-0001", source),
        ("org", "add", "Group Y", "--alias", "GY"),
        ("org", "alias", "Group Y", "G-Y"),
        ("vocab", "add", "exit_reason", "new_code", "--label", "New", "--group", "push"),
    ]
    for step in steps:
        assert cli(*step).exit_code == 0
    assert cli("--actor", "bob", "add", "--no-input", "--name", "X").exit_code == 0
    assert batches(db) == [
        ("alice", "org import", ""),
        ("alice", "import", ""),
        ("alice", "source add", ""),
        ("alice", "event add", ""),
        ("alice", "quote add", ""),
        ("alice", "source link", ""),
        ("alice", "org add", ""),
        ("alice", "org alias", ""),
        ("alice", "vocab add", ""),
        ("bob", "add", ""),
    ]


def test_a_command_that_changes_nothing_writes_no_batch(cli, db: Path) -> None:
    seeded(cli)
    before = batches(db)
    assert "7 unchanged" in cli("import", DATA / "accounts.json").stderr
    assert cli("import", "--dry-run", DATA / "accounts.json").exit_code == 0
    assert batches(db) == before


def test_undo_of_an_add_leaves_the_database_exactly_as_before(cli, db: Path) -> None:
    seeded(cli)
    before = dump_data(db)
    add(cli, "--name", "New Person", "--org", "A brand new group", "--left", "2001", "--tag", "t")
    assert "1 account removed, 1 organisation removed" in undo(cli)
    assert dump_data(db) == before


def test_undo_of_a_whole_import_with_nested_parts(cli, db: Path) -> None:
    add(cli, "--name", "Already here")
    before = dump_data(db)
    seeded(cli)  # two batches: the organisations, then 7 accounts with sources, events and quotes
    assert "7 accounts removed, 6 sources removed" in undo(cli)
    assert "5 organisations removed" in undo(cli)
    assert dump_data(db) == before


def test_undo_of_a_large_import_is_one_step(cli, db: Path, tmp_path: Path) -> None:
    add(cli, "--name", "Already here")
    before = dump_data(db)
    rows = [{"external_id": f"K-{i}", "name": f"Person {i}", "organization": "Org", "tags": ["t"]} for i in range(3000)]
    path = tmp_path / "many.json"
    path.write_text(json.dumps(rows))
    assert cli("import", path).exit_code == 0
    assert "3000 accounts removed, 1 organisation removed" in undo(cli)
    assert dump_data(db) == before


def test_undo_of_updates_restores_every_part_and_the_shared_source(cli, db: Path, tmp_path: Path) -> None:
    seeded(cli)
    before = dump_data(db)
    records = json.loads((DATA / "accounts.json").read_text(encoding="utf-8"))
    for record in records:
        record["tags"] = [*record.get("tags", []), "revised"]
        for event in record.get("events", []):
            event["description"] = "rewritten"
        for source in record.get("sources", []):
            source["title"] = "A new title for a shared source"
    path = tmp_path / "revised.json"
    path.write_text(json.dumps(records))
    assert "7 updated" in cli("import", path).stderr
    assert dump_data(db) != before
    assert "updated" in undo(cli)
    assert dump_data(db) == before


def test_undo_walks_back_and_an_undo_can_be_undone(cli, db: Path) -> None:
    seeded(cli)
    start = dump_data(db)
    cli("event", "add", "SEED-0001", "--type", "testified", "--date", "2025")
    after_event = dump_data(db)
    cli("quote", "add", "SEED-0001", "--text", "more words")
    after_quote = dump_data(db)
    first = undo(cli)  # the quote
    assert dump_data(db) == after_event
    redo = first.split("`casefile undo ")[1].split("`")[0]
    undo(cli, redo)  # undoing the undo puts the quote back
    assert dump_data(db) == after_quote
    history = json.loads(cli("history", "--format", "json").stdout)
    assert [b["command"] for b in history[:2]] == ["undo", "undo"]
    assert history[0]["undoes"].startswith(redo) and history[1]["undone_by"] == history[0]["batch"]
    undo(cli)  # the quote again: the undos cancelled out
    undo(cli)  # then the event: repeated undo walks back, it does not redo
    assert dump_data(db) == start


def test_undo_of_an_earlier_batch_refuses_when_later_changes_depend_on_it(cli, db: Path) -> None:
    seeded(cli)
    cli("event", "add", "SEED-0001", "--type", "testified", "--date", "2025")
    cli("--actor", "bob", "quote", "add", "SEED-0001", "--text", "words")
    event_batch = json.loads(cli("history", "--format", "json").stdout)[1]["batch"]
    before = dump_data(db)
    result = cli("undo", event_batch[:8])
    assert result.exit_code == 1
    assert "later commands changed the same records" in result.stderr
    assert "quote add by bob" in result.stderr and "undo those first" in result.stderr
    assert dump_data(db) == before


def test_undo_of_an_earlier_independent_batch(cli, db: Path) -> None:
    seeded(cli)
    cli("event", "add", "SEED-0001", "--type", "testified", "--date", "2025")
    state = dump_data(db)
    cli("event", "add", "DEMO-0002", "--type", "testified", "--date", "2025")
    batch = json.loads(cli("history", "--format", "json").stdout)[0]["batch"]
    cli("quote", "add", "DEMO-0003", "--text", "words")
    cli("undo")  # the quote
    undo(cli, batch)  # the DEMO-0002 event: the quote's add and undo cancel out
    assert dump_data(db) == state


def test_undo_refuses_a_source_a_later_change_cites(cli, db: Path) -> None:
    seeded(cli)
    source = cli("source", "add", "--title", "Fresh source").stdout.strip()
    cli("source", "link", "DEMO-0002", source)
    batch = json.loads(cli("history", "--format", "json").stdout)[1]["batch"]
    result = cli("undo", batch)
    assert result.exit_code == 1 and "source" in result.stderr and "undo that first" in result.stderr


def test_undo_of_an_undone_batch_says_how_to_put_it_back(cli) -> None:
    seeded(cli)
    cli("undo")
    batch = json.loads(cli("history", "--format", "json").stdout)[1]["batch"]
    result = cli("undo", batch)
    assert result.exit_code == 1 and "already undone by" in result.stderr


def test_nothing_to_undo(cli) -> None:
    cli("init")
    result = cli("undo")
    assert result.exit_code == 1 and "nothing to undo" in result.stderr


def test_history_lists_commands_and_an_accounts_field_changes(cli, db: Path) -> None:
    seeded(cli)
    cli("event", "add", "SEED-0001", "--type", "testified", "--date", "2025")
    listing = json.loads(cli("history", "--format", "json").stdout)
    assert [b["command"] for b in listing] == ["event add", "import", "org import"]
    assert listing[1]["changes"] == "7 accounts created, 6 sources created"
    entries = json.loads(cli("history", "SEED-0001", "--format", "json").stdout)
    assert [e["action"] for e in entries] == ["create", "update"]
    old, new = entries[1]["diff"]["events"]
    assert len(new) == len(old) + 1 and new[-1]["type"] == "testified"
    plain = cli("history", "SEED-0001").stdout.splitlines()
    assert plain[-1].endswith("events: 10 → 11 entries")
    assert cli("history", "--batch", listing[1]["batch"][:6], "--format", "json").stdout.count('"create"') == 13


@pytest.mark.parametrize("bad", ["zz", ""])
def test_unknown_batch(cli, bad: str) -> None:
    seeded(cli)
    result = cli("undo", bad)
    assert result.exit_code == 1 and "casefile history" in result.stderr


def test_redo_refuses_when_a_new_record_took_the_place_of_one_it_would_put_back(cli, db: Path) -> None:
    seeded(cli)
    add(cli, "--name", "First")
    undone = undo(cli).split("`casefile undo ")[1].split("`")[0]
    add(cli, "--name", "Second")  # takes the freed rowid
    state = dump_data(db)
    result = cli("undo", undone)
    assert result.exit_code == 1 and "later commands changed the same records" in result.stderr
    assert dump_data(db) == state
    undo(cli)  # the second add
    undo(cli, undone)  # now the first comes back
    assert [r["name"] for r in json.loads(cli("list", "--format", "json").stdout)][-1] == "First"


def test_undo_covers_a_merge_written_by_code_of_its_own(cli, db: Path) -> None:
    """A merge (built elsewhere) is undone from before-images alone: whatever SQL it runs inside
    Store.transaction() is captured, so undo needs no merge-specific code."""
    from casefile.store import Store, now

    seeded(cli)
    cli("event", "add", "DEMO-0007", "--type", "left", "--date", "2019")
    cli("quote", "add", "DEMO-0007", "--text", "words of the second spelling")
    before = dump_data(db)
    store = Store.open(db)
    store.command = "merge"
    with store.transaction() as conn:
        keep, gone = (store.get(store.resolve_id(ref)) for ref in ("DEMO-0006", "DEMO-0007"))
        conn.execute(
            "UPDATE accounts SET aliases = ?, updated_at = ? WHERE rowid = ?",
            (json.dumps([*keep.values["aliases"], gone.values["name"]]), now(), keep.rowid),
        )
        conn.execute("UPDATE events SET account_rowid = ? WHERE account_rowid = ?", (keep.rowid, gone.rowid))
        conn.execute("UPDATE quotes SET account_rowid = ? WHERE account_rowid = ?", (keep.rowid, gone.rowid))
        conn.execute("DELETE FROM accounts WHERE rowid = ?", (gone.rowid,))
    store.close()
    assert json.loads(cli("history", "--format", "json").stdout)[0]["changes"] == "1 account updated, 1 account removed"
    assert "1 account created, 1 account updated" in undo(cli)
    assert dump_data(db) == before


def test_undo_of_casefile_merge_leaves_the_database_exactly_as_before_and_redo_restores_it(cli, db: Path) -> None:
    assert cli("org", "import", DATA / "organizations.json").exit_code == 0
    assert cli("import", DATA / "accounts.json").exit_code == 0
    before = dump_data(db)
    assert cli("merge", "DEMO-0006", "DEMO-0007").exit_code == 0
    merged = dump_data(db)
    kept = json.loads(cli("show", "DEMO-0006", "--format", "json").stdout)["id"]
    assert json.loads(cli("show", "DEMO-0007", "--format", "json").stdout)["id"] == kept  # the old id redirects
    result = cli("undo")
    assert result.exit_code == 0 and "merge" in result.stderr
    assert dump_data(db) == before
    assert json.loads(cli("show", "DEMO-0007", "--format", "json").stdout)["id"] != kept
    redo = result.stderr.split("casefile undo ")[1].split("`")[0]
    assert cli("undo", redo).exit_code == 0
    assert dump_data(db) == merged


@pytest.fixture
def purged(cli, db: Path, tmp_path: Path) -> dict[str, str]:
    """Records of every kind a purge removes, each made by a batch of its own, then purged: the ids by name, and
    the database as the purges left it."""
    import hashlib

    letter = tmp_path / "letter.txt"
    letter.write_bytes(b"A letter the person wrote after leaving.\n")
    ids = {"person": add(cli, "--name", "Purged Person")}
    ids["source"] = cli("source", "add", "--title", "A letter").stdout.strip()
    assert cli("source", "link", ids["person"], ids["source"]).exit_code == 0
    assert cli("source", "attach", ids["source"], letter).exit_code == 0
    ids["artifact"] = hashlib.sha256(letter.read_bytes()).hexdigest()
    ids["keep"], ids["other"] = add(cli, "--name", "Kept Person"), add(cli, "--name", "Kept P.")
    assert cli("merge", ids["keep"], ids["other"]).exit_code == 0
    for account in ("person", "keep"):
        assert cli("purge", ids[account], "--yes").exit_code == 0
    return {name: value[:8] for name, value in ids.items()}


@pytest.mark.parametrize(
    ("command", "what"),
    [
        ("add", "account {person} was"),
        ("source add", "source {source} was"),
        ("attach", "source {source} and artifact {artifact} were"),
        ("merge", "accounts {keep}, {other} and merged-id redirect {other} were"),
    ],
)
def test_an_undo_refused_by_a_purge_names_the_kind_of_every_record_purged(
    cli, db: Path, purged: dict[str, str], command: str, what: str
) -> None:
    listing = json.loads(cli("history", "--format", "json").stdout)
    batch = next(b for b in reversed(listing) if b["command"] == command)  # the first: the add of "Purged Person"
    state = dump_data(db)
    result = cli("undo", batch["batch"][:8])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"error: cannot undo batch {batch['batch'][:8]} ({command} by {batch['actor']}, {batch['when']}): "
        f"{what.format(**purged)} purged for good since\n"
    )
    assert dump_data(db) == state


def test_putting_back_a_record_whose_place_was_taken_names_its_kind_as_messages_do(cli, db: Path) -> None:
    """restore_image's refusal (undo's last guard) says "organisation", as every other message does - the kind's
    noun, not its internal name."""
    from casefile.errors import DatabaseError
    from casefile.store import Store

    assert cli("org", "add", "Beta Union").exit_code == 0
    conn = sqlite3.connect(db)
    (rid,) = conn.execute("SELECT rowid FROM organizations WHERE name = 'Beta Union'").fetchone()
    conn.close()
    store = Store.open(db)
    try:
        with pytest.raises(DatabaseError) as raised:
            store.restore_image("organization", rid, {"organizations": [{"name": "Alpha\x1b[31m Front"}]})
    finally:
        store.close()
    # the name quoted as every message quotes what a user typed: a terminal escape shown, not run
    assert str(raised.value) == "cannot put organisation 'Alpha<U+001B>[31m Front' back: another record took its place"


def test_an_undo_refusal_names_an_organisation_whole_and_cuts_only_random_ids(cli, db: Path) -> None:
    """Ids are shown by their first 8 hex digits; a name is a name: "Beta Uni" named another organisation."""
    cli("init")
    assert cli("org", "add", "Beta Union").exit_code == 0
    assert cli("org", "alias", "Beta Union", "BU").exit_code == 0
    first, alias = (b["batch"] for b in reversed(json.loads(cli("history", "--format", "json").stdout)))
    before = dump_data(db)
    result = cli("undo", first)
    assert result.exit_code == 1 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"error: cannot undo batch {first[:8]} (org add by ")
    assert f"— {alias[:8]} (org alias by " in result.stderr
    assert result.stderr.endswith(" changed organisation 'Beta Union'; undo those first (newest first)\n")
    assert dump_data(db) == before


def test_an_attached_file_in_use_names_the_later_commands_that_changed_its_source(
    cli, db: Path, tmp_path: Path
) -> None:
    """Undoing an attach is refused while another source holds the same file; the refusal names the later commands
    that changed that source, to undo first (the source was looked up as an account, so it never did)."""
    letter = tmp_path / "letter.txt"
    letter.write_bytes(b"A letter the person wrote after leaving.\n")
    first = cli("source", "add", "--title", "A letter").stdout.strip()
    other = cli("source", "add", "--title", "The same letter, kept elsewhere").stdout.strip()
    assert cli("source", "attach", first, letter).exit_code == 0
    assert cli("source", "attach", other, letter).exit_code == 0  # the same bytes: the same artifact
    assert cli("source", "edit", other, "--publisher", "Nejat Society").exit_code == 0
    edit, attach_other, attach = json.loads(cli("history", "--format", "json").stdout)[:3]
    assert [b["command"] for b in (attach, attach_other, edit)] == ["attach", "attach", "source edit"]
    before = dump_data(db)
    result = cli("undo", attach["batch"][:8])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.endswith(
        f"the artifact it created is now used by source {other[:8]} (changed by {attach_other['batch'][:8]}, "
        f"{edit['batch'][:8]}); undo that first\n"
    ), result.stderr
    assert dump_data(db) == before
