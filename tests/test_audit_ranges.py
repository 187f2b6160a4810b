"""An import's creations are logged as rowid ranges (issue 23, D1): one audit entry per run of created rowids,
not one per record. Every reader - history, history of a batch or of one account, undo and its refusals,
purge - reads them through one expansion, so what a person sees is what the per-record entries of older
databases show. The ids of the records in a range come from the records themselves, or, once a record is
gone (undone, purged, renamed), from the entry that recorded its going."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

from conftest import dump_data

LABELS = {  # how a record of each audited table is named in the log
    "vocabulary": ("vocabulary", "vocabulary || ':' || code"),
    "organization": ("organizations", "name"),
    "artifact": ("artifacts", "sha256"),
    "source": ("sources", "id"),
    "account": ("accounts", "id"),
    "redirect": ("account_redirects", "old_id"),
}


def ok(result) -> str:
    assert result.exit_code == 0, result.stderr
    return result.stdout


def people(tmp_path: Path, name: str, n: int, prefix: str) -> Path:
    rows = [
        {
            "external_id": f"{prefix}-{i:04d}",
            "name": f"{prefix} Person {i}",
            "organization": f"{prefix} Group {i % 3}",
            "tags": ["t"],
            "source_title": f"{prefix} article {i}",
        }
        for i in range(n)
    ]
    path = tmp_path / name
    path.write_text(json.dumps(rows), encoding="utf-8")
    return path


def connect(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(db)


def remember_labels(db: Path, labels: dict[int, list[tuple[int, str]]]) -> None:
    """Right after a command: the ids of the records each new range entry covers, read from the records while
    they all exist (what the per-record entries of an older casefile held)."""
    conn = connect(db)
    try:
        for rowid, kind, first, last in conn.execute(
            "SELECT rowid, kind, rid, last_rid FROM audit_log WHERE last_rid IS NOT NULL"
        ).fetchall():
            if rowid not in labels:
                table, label = LABELS[kind]
                labels[rowid] = conn.execute(
                    f"SELECT rowid, {label} FROM {table} WHERE rowid BETWEEN ? AND ? ORDER BY rowid", (first, last)
                ).fetchall()
                assert len(labels[rowid]) == last - first + 1
    finally:
        conn.close()


def as_older_casefile_wrote_it(db: Path, copy: Path, labels: dict[int, list[tuple[int, str]]]) -> None:
    """A copy of the database whose audit log has one ``create`` entry per record, in the same order."""
    shutil.copy(db, copy)
    conn = connect(copy)
    try:
        rows = conn.execute(
            "SELECT rowid, batch_rowid, action, kind, rid, last_rid, record_id, before, diff, scrubbed_at "
            "FROM audit_log ORDER BY rowid"
        ).fetchall()
        conn.execute("DELETE FROM audit_log")
        for rowid, batch, action, kind, rid, last, record_id, before, diff, scrubbed in rows:
            expanded = labels[rowid] if last is not None else [(rid, record_id)]
            conn.executemany(
                "INSERT INTO audit_log (batch_rowid, action, kind, rid, record_id, before, diff, scrubbed_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(batch, action, kind, r, label, before, diff, scrubbed) for r, label in expanded],
            )
        conn.commit()
    finally:
        conn.close()


def import_entries(db: Path) -> list[tuple]:
    conn = connect(db)
    try:
        batch = conn.execute("SELECT rowid FROM audit_batches WHERE command = 'import' ORDER BY rowid").fetchone()[0]
        return conn.execute(
            "SELECT action, kind, rid, last_rid FROM audit_log WHERE batch_rowid = ? ORDER BY rowid", (batch,)
        ).fetchall()
    finally:
        conn.close()


def test_an_import_of_3000_accounts_writes_a_handful_of_audit_entries_not_3000(cli, db: Path, tmp_path: Path) -> None:
    ok(cli("import", people(tmp_path, "many.json", 3000, "K")))
    entries = import_entries(db)
    # organisations, sources and accounts each created in one run of rowids: one entry each
    assert sorted((action, kind) for action, kind, _, _ in entries) == [
        ("create", "account"),
        ("create", "organization"),
        ("create", "source"),
    ]
    assert ("create", "account", 1, 3000) in entries
    history = json.loads(ok(cli("history", "--format", "json")))
    assert history[0]["changes"] == "3000 accounts created, 3000 sources created, 3 organisations created"


def test_history_and_undo_read_ranges_exactly_as_per_record_entries(cli, db: Path, tmp_path: Path) -> None:
    """The same commands read the log as this casefile writes it and as an older one wrote it (one entry per
    created record): the same text on stdout and stderr, the same exit codes, the same database after undo."""
    labels: dict[int, list[tuple[int, str]]] = {}
    steps = [
        ("import", people(tmp_path, "a.json", 40, "A")),
        ("edit", "A-0003", "--set", "name=Renamed"),
        ("delete", "A-0004", "--yes"),
        ("merge", "A-0005", "A-0006"),
        ("org", "rename", "A Group 1", "A Group One"),
        ("import", people(tmp_path, "b.json", 5, "B")),
        ("delete", "B-0002", "--yes"),
        ("undo",),
        ("undo",),  # the import of B
        ("import", people(tmp_path, "c.json", 5, "C")),  # takes the rowids the undone import freed
    ]
    for step in steps:
        ok(cli(*step))
        remember_labels(db, labels)
    listed = json.loads(ok(cli("list", "--format", "json", "--include-deleted")))
    ids = {a["external_id"]: a["id"] for a in listed}
    purged = ids["A-0007"]
    ok(cli("purge", purged, "--yes"))
    remember_labels(db, labels)
    older = tmp_path / "older.db"
    as_older_casefile_wrote_it(db, older, labels)

    batches = [b["batch"] for b in json.loads(ok(cli("history", "--format", "json")))]
    reads = [
        ("history",),
        ("history", "--format", "json"),
        *[("history", "--batch", b, "--format", "json") for b in batches],
        *[("history", ids[x], "--format", "json") for x in ("A-0001", "A-0003", "A-0005", "A-0006", "C-0001")],
        ("history", purged, "--format", "json"),
        ("undo", batches[-1]),  # the first import: later commands changed its records
        ("undo", batches[2]),  # the undo of B's import: a later import took its rowids
        ("undo", batches[3]),  # the undo of a deletion in the middle of that later import's rowids
    ]
    for read in reads:
        now, then = cli("--db", db, *read), cli("--db", older, *read)
        assert (now.exit_code, now.stdout, now.stderr) == (then.exit_code, then.stdout, then.stderr), read
        if read[0] == "undo":  # each refused, naming what came later
            assert now.exit_code == 1 and "cannot undo batch" in now.stderr, now.stderr
    for _ in range(4):  # undo, newest first, as far as it goes, in both
        now, then = cli("--db", db, "undo"), cli("--db", older, "undo")
        mask = re.compile(r"`casefile undo [0-9a-f]+`")
        assert (now.exit_code, mask.sub("", now.stderr)) == (then.exit_code, mask.sub("", then.stderr))
        assert dump_data(db) == dump_data(older)


def test_undo_of_an_import_and_of_its_undo_restore_the_exact_database(cli, db: Path, tmp_path: Path) -> None:
    ok(cli("add", "--no-input", "--name", "Already here"))
    before = dump_data(db)
    ok(cli("import", people(tmp_path, "many.json", 500, "K")))
    imported = dump_data(db)
    undone = cli("undo")
    assert undone.exit_code == 0 and "500 accounts removed, 500 sources removed, 3 organisations removed" in (
        undone.stderr
    )
    assert dump_data(db) == before
    redo = undone.stderr.split("`casefile undo ")[1].split("`")[0]
    assert "500 accounts created" in cli("undo", redo).stderr  # the records come back under their old rowids
    assert dump_data(db) == imported
    conn = connect(db)
    try:  # the records put back are ranges too
        last = conn.execute("SELECT max(rowid) FROM audit_batches").fetchone()[0]
        assert (
            conn.execute(
                "SELECT count(*) FROM audit_log WHERE batch_rowid = ? AND kind = 'account' AND action = 'create'",
                (last,),
            ).fetchone()[0]
            == 1
        )
    finally:
        conn.close()
    assert "500 accounts removed" in cli("undo").stderr
    assert dump_data(db) == before


def test_a_record_whose_rowid_is_taken_again_keeps_its_own_id_in_the_history(cli, db: Path, tmp_path: Path) -> None:
    ok(cli("import", people(tmp_path, "a.json", 30, "A")))
    first = {a["external_id"]: a["id"] for a in json.loads(ok(cli("list", "--format", "json")))}
    ok(cli("undo"))
    ok(cli("import", people(tmp_path, "b.json", 30, "B")))  # the same rowids, other records
    second = {a["external_id"]: a["id"] for a in json.loads(ok(cli("list", "--format", "json")))}
    batches = json.loads(ok(cli("history", "--format", "json")))
    created = json.loads(ok(cli("history", "--batch", batches[-1]["batch"], "--format", "json")))
    assert [e["id"] for e in created if e["action"] == "create"][-30:] == list(first.values())
    mine = json.loads(ok(cli("history", first["A-0000"], "--format", "json")))
    assert [(e["command"], e["action"]) for e in mine] == [("import", "create"), ("undo", "remove")]
    theirs = json.loads(ok(cli("history", second["B-0000"], "--format", "json")))
    assert [(e["command"], e["action"]) for e in theirs] == [("import", "create")]


def test_a_purged_account_is_still_named_as_created_by_its_import(cli, db: Path, tmp_path: Path) -> None:
    ok(cli("import", people(tmp_path, "a.json", 10, "A")))
    ids = [a["id"] for a in json.loads(ok(cli("list", "--format", "json")))]
    ok(cli("purge", ids[4], "--yes"))
    batches = json.loads(ok(cli("history", "--format", "json")))
    created = json.loads(ok(cli("history", "--batch", batches[-1]["batch"], "--format", "json")))
    assert [e["id"] for e in created if e["action"] == "create" and e["kind"] == "account"] == ids
    own = json.loads(ok(cli("history", ids[4], "--format", "json")))
    assert [(e["command"], e["action"]) for e in own] == [("import", "create"), ("purge", "purge")]


def test_an_older_database_keeps_its_per_record_entries_readable(cli, db: Path, tmp_path: Path) -> None:
    """A file from before m022: no range column, one create entry per record. It is upgraded in place, its
    entries are read as they were, and undo of its import still takes every record away."""
    ok(cli("add", "--no-input", "--name", "Already here"))
    before = dump_data(db)
    labels: dict[int, list[tuple[int, str]]] = {}
    ok(cli("import", people(tmp_path, "a.json", 25, "A")))
    remember_labels(db, labels)
    ids = [a["id"] for a in json.loads(ok(cli("list", "--format", "json")))][1:]
    older = tmp_path / "older.db"
    as_older_casefile_wrote_it(db, older, labels)
    conn = connect(older)
    conn.executescript(
        "DROP INDEX idx_audit_log_ranges; ALTER TABLE audit_log DROP COLUMN last_rid; "
        "DELETE FROM _sqlite_migrations WHERE name = 'm022_audit_create_ranges';"
    )
    conn.close()
    history = json.loads(ok(cli("--db", older, "history", "--format", "json")))
    assert history[0]["changes"] == "25 accounts created, 25 sources created, 3 organisations created"
    conn = connect(older)
    assert conn.execute("SELECT count(*) FROM audit_log WHERE kind = 'account' AND action = 'create'").fetchone() == (
        26,
    )
    assert "last_rid" in [r[1] for r in conn.execute("PRAGMA table_info(audit_log)")]
    conn.close()
    created = json.loads(ok(cli("--db", older, "history", "--batch", history[0]["batch"], "--format", "json")))
    assert [e["id"] for e in created if e["kind"] == "account"] == ids
    assert "25 accounts removed" in cli("--db", older, "undo").stderr

    def records(dumped: str) -> list[str]:  # the step applied again has its own time
        return [line for line in dumped.splitlines() if "m022_audit_create_ranges" not in line]

    assert records(dump_data(older)) == records(before)


def test_a_record_another_program_deleted_is_left_unnamed_and_undo_takes_the_rest(
    cli, db: Path, tmp_path: Path
) -> None:
    """The log knows only what casefile did: an account deleted behind its back has no id left in the range
    (an empty one, never another record's), and undo of the import takes the others away."""
    ok(cli("add", "--no-input", "--name", "Already here"))
    ok(cli("import", people(tmp_path, "a.json", 4, "A")))
    ids = [a["id"] for a in json.loads(ok(cli("list", "--format", "json")))][1:]
    conn = connect(db)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("DELETE FROM account_sources WHERE account_rowid = 3")
    conn.execute("DELETE FROM coded_items WHERE account_rowid = 3")
    conn.execute("DELETE FROM accounts WHERE rowid = 3")
    conn.commit()
    conn.close()
    batch = json.loads(ok(cli("history", "--format", "json")))[0]["batch"]
    created = json.loads(ok(cli("history", "--batch", batch, "--format", "json")))
    assert [e["id"] for e in created if e["kind"] == "account"] == [ids[0], "", ids[2], ids[3]]
    undone = cli("undo")
    assert undone.exit_code == 0 and "4 accounts removed" in undone.stderr, undone.stderr
    assert [a["name"] for a in json.loads(ok(cli("list", "--format", "json")))] == ["Already here"]


def test_one_records_history_finds_its_entries_and_ranges_through_indexes(cli, db: Path, tmp_path: Path) -> None:
    """`history ID` and undo's look at later batches, on a long log: every statement on the audit log is an
    index search, none a scan (EXPLAIN QUERY PLAN of each statement they run, as SQLite ran it)."""
    from casefile.store import Store

    for n in range(3):
        ok(cli("import", people(tmp_path, f"p{n}.json", 200, f"P{n}")))
    ok(cli("edit", "P1-0007", "--set", "name=Changed"))
    account = json.loads(ok(cli("show", "P1-0007", "--format", "json")))["id"]
    store = Store.open(db)
    ran: list[str] = []
    store.conn.set_trace_callback(ran.append)
    entries = list(store.audit_entries(kind="account", record_id=account))
    store.conn.set_trace_callback(None)
    assert [(e["action"], e["command"]) for e in entries] == [("create", "import"), ("update", "edit")]
    on_the_log = [sql for sql in ran if "audit_log" in sql]
    assert len(on_the_log) >= 3  # the ranges holding it, its entries, the names of a range's records
    # what undo of the second import asks first: which later batches touched its records (the edit did)
    ran.clear()
    store.conn.set_trace_callback(ran.append)
    assert [(kind, record) for _, kind, record in store.audit_later_touching(entries[0]["batch_rowid"])] == [
        ("account", account)
    ]
    store.conn.set_trace_callback(None)
    on_the_log += [sql for sql in ran if "audit_log" in sql]
    for sql in on_the_log:
        plan = [row[3] for row in store.conn.execute("EXPLAIN QUERY PLAN " + sql)]
        assert not [step for step in plan if step.startswith("SCAN")], (sql, plan)
    store.close()
