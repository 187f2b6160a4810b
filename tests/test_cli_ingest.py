"""`casefile ingest` through the CLI: drafts written, filed only when reviewed or accepted as unreviewed,
nothing written on bad input (issue 22)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import dump

EVAL = Path(__file__).parent / "eval" / "texts"


def run(
    db: Path, *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "casefile", "--db", str(db), *args],
        input=stdin if stdin is not None else b"",
        capture_output=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def init(tmp_path: Path) -> Path:
    db = tmp_path / "case.db"
    assert run(db, "init").returncode == 0
    return db


def test_draft_out_writes_the_draft_and_files_nothing(tmp_path: Path) -> None:
    db = init(tmp_path)
    before = dump(db)
    out = tmp_path / "draft.json"
    done = run(db, "ingest", str(EVAL / "01-news-camp-ashraf.txt"), "--draft-out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout == b"" and b"1 draft written to" in done.stderr
    draft = json.loads(out.read_text(encoding="utf-8"))
    assert draft["casefile_draft"] == 1
    assert draft["record"]["name"] == "Reza Tavakoli"
    assert draft["record"]["left"] == "last December"
    assert {q["speaker"] for q in draft["record"]["quotes"]} == {"Reza Tavakoli", "Shahin Gobadi"}
    assert draft["input"]["sha256"] and draft["input"]["media_type"] == "text/plain"
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    assert dump(db) == before


def test_a_draft_is_filed_by_add_from_draft_marked_unreviewed_and_check_says_so(tmp_path: Path) -> None:
    db = init(tmp_path)
    out = tmp_path / "draft.json"
    assert run(db, "ingest", str(EVAL / "07-pseudonym-mek.txt"), "--draft-out", str(out)).returncode == 0
    filed = run(db, "add", "--from-draft", str(out))
    assert filed.returncode == 0, filed.stderr
    new_id = filed.stdout.decode().strip()
    shown = json.loads(run(db, "show", new_id, "-f", "json").stdout)
    record = shown[0] if isinstance(shown, list) else shown
    assert record["name"] == "Maryam" and record["review"] == "unreviewed"
    assert [q["text"] for q in record["quotes"]][0].startswith("I was told a mother's love")
    check = run(db, "check", "-f", "json")
    assert b"unreviewed-draft" in check.stdout
    reviewed = run(db, "edit", new_id, "--set", "review=reviewed")
    assert reviewed.returncode == 0, reviewed.stderr
    assert b"unreviewed-draft" not in run(db, "check", "-f", "json").stdout


def test_add_from_draft_with_reviewed_files_it_reviewed(tmp_path: Path) -> None:
    db = init(tmp_path)
    out = tmp_path / "draft.json"
    assert run(db, "ingest", str(EVAL / "13-taliban-reintegration.txt"), "--draft-out", str(out)).returncode == 0
    new_id = run(db, "add", "--from-draft", str(out), "--reviewed").stdout.decode().strip()
    record = json.loads(run(db, "show", new_id, "-f", "json").stdout)
    record = record[0] if isinstance(record, list) else record
    assert record["review"] == "reviewed"


def test_accept_files_every_text_of_a_folder_unreviewed_and_prints_only_ids(tmp_path: Path) -> None:
    db = init(tmp_path)
    folder = tmp_path / "texts"
    folder.mkdir()
    for name in ("01-news-camp-ashraf.txt", "12-boko-haram-escape.txt", "17-cult-first-person-blog.txt"):
        (folder / name).write_bytes((EVAL / name).read_bytes())
    (folder / "notes.docx").write_bytes(b"skipped")
    done = run(db, "ingest", str(folder), "--accept")
    assert done.returncode == 0, done.stderr
    ids = done.stdout.decode().split()
    assert len(ids) == 3 and all(len(i) == 16 for i in ids)
    listed = json.loads(run(db, "list", "-f", "json").stdout)
    assert sorted(a["review"] for a in listed) == ["unreviewed"] * 3


def test_without_a_terminal_ingest_asks_for_draft_out_or_accept_and_writes_nothing(tmp_path: Path) -> None:
    db = init(tmp_path)
    before = dump(db)
    done = run(db, "ingest", str(EVAL / "01-news-camp-ashraf.txt"))
    assert done.returncode == 2
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1 and "--draft-out" in lines[0] and "--accept" in lines[0]
    assert dump(db) == before


def test_bad_input_names_the_file_and_writes_nothing(tmp_path: Path) -> None:
    db = init(tmp_path)
    before = dump(db)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"\x00\xff" * 100)
    for path, words in (
        (empty, "the file is empty"),
        (binary, "a binary file"),
        (tmp_path / "gone.txt", "cannot read"),
    ):
        done = run(db, "ingest", str(path), "--accept")
        assert done.returncode == 1, done.stderr
        (line,) = done.stderr.decode().splitlines()
        assert str(path) in line and words in line and "Traceback" not in line
        assert done.stdout == b""
    assert dump(db) == before


def test_a_draft_file_that_is_not_a_draft_is_refused(tmp_path: Path) -> None:
    db = init(tmp_path)
    before = dump(db)
    bogus = tmp_path / "bogus.json"
    bogus.write_text('{"name": "X"}', encoding="utf-8")
    done = run(db, "add", "--from-draft", str(bogus))
    assert done.returncode == 1 and b"not a casefile draft" in done.stderr
    assert dump(db) == before


def ingest_on_a_terminal(db: Path, text: Path, editor: Path) -> subprocess.CompletedProcess[bytes]:
    """`casefile ingest TEXT` with stdin a terminal (a pty) and $EDITOR the script ``editor``."""
    import pty

    leader, follower = pty.openpty()
    try:
        return subprocess.run(
            [sys.executable, "-m", "casefile", "--db", str(db), "ingest", str(text)],
            stdin=follower,
            capture_output=True,
            env={**os.environ, "EDITOR": f"{sys.executable} {editor}"},
            timeout=120,
        )
    finally:
        os.close(leader)
        os.close(follower)


def test_review_in_the_editor_files_what_the_user_saved(tmp_path: Path) -> None:
    """On a terminal the draft opens in $EDITOR as a commented document; what is saved is filed, reviewed."""
    db = init(tmp_path)
    editor = tmp_path / "editor.py"
    seen = tmp_path / "seen.txt"
    editor.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1]); text = p.read_text(encoding='utf-8')\n"
        f"pathlib.Path({str(seen)!r}).write_text(text, encoding='utf-8')\n"
        'p.write_text(text.replace(\'"name": "Abdul Ghafoor"\', \'"name": "A. Ghafoor"\', 1), encoding=\'utf-8\')\n',
        encoding="utf-8",
    )
    done = ingest_on_a_terminal(db, EVAL / "13-taliban-reintegration.txt", editor)
    assert done.returncode == 0, done.stderr
    review = seen.read_text(encoding="utf-8")
    assert "# casefile ingest: a drafted account" in review
    assert '# from "Abdul Ghafoor"' in review or '# from "Mullah Abdul Ghafoor' in review
    new_id = done.stdout.decode().strip()
    record = json.loads(run(db, "show", new_id, "-f", "json").stdout)
    record = record[0] if isinstance(record, list) else record
    assert record["name"] == "A. Ghafoor" and record["review"] == "reviewed"


def test_emptying_the_review_files_nothing(tmp_path: Path) -> None:
    db = init(tmp_path)
    before = dump(db)
    editor = tmp_path / "editor.py"
    editor.write_text("import sys, pathlib\npathlib.Path(sys.argv[1]).write_text('')\n", encoding="utf-8")
    done = ingest_on_a_terminal(db, EVAL / "01-news-camp-ashraf.txt", editor)
    assert done.returncode == 0, done.stderr
    assert done.stdout == b"" and b"nothing filed" in done.stderr
    assert dump(db) == before
