"""Field names from users are checked against the registry before any SQL exists; values are only ever
bound parameters; LIKE wildcards in ``--q`` are literal. An SQLite trace callback records every statement
casefile runs, to prove no statement carries a bad field name."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from reliability import record

from casefile import model
from casefile.errors import UsageError
from casefile.store import Store

from conftest import dump

BAD_FIELDS = ["name,(select 1)", "nmae", 'x" OR 1=1 --', "name DESC; DROP TABLE accounts", "summary", ""]


@pytest.fixture
def seeded(cli, db: Path) -> Path:
    assert cli("add", "--no-input", "--name", "Someone", "--org", "Group X").exit_code == 0
    return db


@pytest.fixture
def traced(seeded: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every SQL statement any casefile connection runs once the database is seeded."""
    statements: list[str] = []
    real_init = Store.__init__

    def init(self: Store, conn: sqlite3.Connection, path: Path) -> None:
        conn.set_trace_callback(statements.append)
        real_init(self, conn, path)

    monkeypatch.setattr(Store, "__init__", init)
    return statements


@pytest.mark.parametrize("bad", BAD_FIELDS)
@pytest.mark.parametrize("command", ["list", "export"])
def test_bad_sort_field_is_exit_2_before_any_sql(cli, seeded: Path, traced: list[str], command: str, bad: str) -> None:
    before = dump(seeded)
    result = cli(command, "--sort", bad)
    assert result.exit_code == 2
    assert result.stderr == f"error: unknown sort field {bad!r}; choose one of: {', '.join(model.SORTABLE)}\n"
    assert traced == [], "no SQL at all may run once a field name is refused"
    assert dump(seeded) == before


@pytest.mark.parametrize("bad", BAD_FIELDS)
def test_store_refuses_a_bad_sort_field_itself(seeded: Path, traced: list[str], bad: str) -> None:
    store = Store.open(seeded)
    opened = len(traced)
    with pytest.raises(UsageError, match="unknown sort field"):
        list(store.query(model.Filter(sort=bad)))
    store.close()
    assert traced[opened:] == []
    assert not any(bad and bad in sql for sql in traced)


def test_values_are_bound_parameters(cli, seeded: Path, traced: list[str]) -> None:
    hostile = "x' OR 1=1 --"
    for option in ("--org", "--tag", "--reason", "--exit-type", "--q"):
        result = cli("list", option, hostile, "--format", "json")
        assert (result.exit_code, json.loads(result.stdout)) == (0, [])
    for sql in traced:  # the trace shows bound values expanded, as quoted literals; never as SQL
        assert "1=1" not in re.sub(r"'(?:[^']|'')*'", "''", sql), sql
    record("field names and values", bad_field_names=len(BAD_FIELDS), sql_run_with_bad_name=0, values_bound=5)


LIKE_CASES = [("%", ["100% sure"]), ("_", ["a_b"]), ("\\", ["back\\slash"]), ("%%", []), ("a%b", []), ("A_B", ["a_b"])]


def test_like_wildcards_are_literal(cli) -> None:
    for name in ("100% sure", "a_b", "back\\slash", "plain", "axb"):
        assert cli("add", "--no-input", "--name", name).exit_code == 0
    for query, expected in LIKE_CASES:
        result = cli("list", "--q", query, "--format", "json")
        assert sorted(r["name"] for r in json.loads(result.stdout)) == expected, query
