"""`add` on a terminal checks each answer as it is typed (issue 19, item 8): a bad date or code is refused at its
prompt with the reason and asked again, keeping what was typed before; a field given as a flag is never asked
for, and a bad flag is refused before any question is asked."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from conftest import run_in_terminal


def stored(db: Path) -> list[tuple]:
    return sqlite3.connect(db).execute("SELECT name, organization, left, left_edtf, exit_type FROM accounts").fetchall()


def test_a_bad_answer_is_refused_at_its_prompt_and_asked_again(db: Path) -> None:
    # name, organisation, left (no such day, then a good one), exit type (an unknown code, then a good one)
    answers = b"Typed Person\rSome Group\r2019-13-45\rMarch 2019\rwalked_on_water\rescaped\r"
    code, out = run_in_terminal("add", input=answers)
    assert code == 0, out
    text = out.decode()
    assert text.count("left") >= 2 and text.count("exit type") >= 2  # each asked again after its bad answer
    assert "unknown code" in text and "try again" in text
    assert stored(db) == [("Typed Person", "Some Group", "March 2019", "2019-03", "escaped")]


def test_a_field_given_as_a_flag_is_not_asked_and_a_bad_flag_fails_before_any_question(db: Path) -> None:
    code, out = run_in_terminal("add", "--left", "2001", "--exit-type", "escaped", input=b"Flag Person\r\r")
    assert code == 0, out
    assert b"left" not in out and b"exit type" not in out
    assert stored(db) == [("Flag Person", None, "2001", "2001", "escaped")]
    code, out = run_in_terminal("add", "--left", "2019-13-45", input=b"Never asked\r\r\r")
    assert code == 1 and b"--left" in out and b"name" not in out.split(b"--left")[0]
    assert len(stored(db)) == 1
