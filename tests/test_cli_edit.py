"""edit through the CLI: each kind of field, the import rules, $EDITOR driven by a real script, bulk edits."""

from __future__ import annotations

import json
import os
import shlex
import signal
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from reliability import hangups_as_on_a_terminal

from conftest import DATA, dump_data, file_hash, run_process


def seeded(cli) -> None:
    assert cli("org", "import", DATA / "organizations.json").exit_code == 0
    assert cli("import", DATA / "accounts.json").exit_code == 0


def record(cli, ref: str = "SEED-0001") -> dict:
    return json.loads(cli("show", ref, "--format", "json").stdout)


def edit(cli, *args: str) -> str:
    result = cli("edit", *args)
    assert result.exit_code == 0, result.stderr
    return result.stderr


def batch_count(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM audit_batches").fetchone()[0]
    finally:
        conn.close()


# ----------------------------------------------------------------------------------------- --set and lists


def test_edit_each_kind_of_field(cli) -> None:
    seeded(cli)
    edit(
        cli,
        "DEMO-0002",
        *("--set", "name=Marta K."),  # text
        *("--set", "birth_year=1971"),  # year
        *("--set", "years_in_org=12.5"),  # number
        *("--set", "exit_type=ESCAPED"),  # enum, read case-insensitively like import
        *("--set", "joined=summer 1994"),  # fuzzy date
        *("--set", "summary="),  # empties a field
        *("--add-tag", "reviewed", "--remove-tag", "commune"),  # free list
        *("--add-reason", "burnout"),  # coded list
        *("--add-alias", "M. K."),
        *("--add-allegation", "threats"),
        *("--set", "organization=children of the dawn"),  # resolved to the canonical name
    )
    r = record(cli, "DEMO-0002")
    assert r["name"] == "Marta K." and r["birth_year"] == 1971 and r["years_in_org"] == 12.5
    assert r["exit_type"] == "escaped" and r["summary"] is None
    assert (r["joined"], r["joined_edtf"], r["joined_precision"]) == ("summer 1994", "1994-22", "season")
    assert r["tags"] == ["synthetic", "reviewed"]
    assert "burnout" in r["reasons"] and "threats" in r["allegations"] and r["aliases"][-1] == "M. K."
    assert r["organization"] == "Children of the Dawn"


def test_a_correction_or_note_alone_keeps_the_date_text(cli) -> None:
    seeded(cli)
    edit(cli, "SEED-0001", "--set", "joined_corrected=1991", "--set", "joined_note=the source says 1990")
    r = record(cli)
    assert (r["joined"], r["joined_corrected"], r["joined_edtf"]) == ("1990", "1991", "1991")
    edit(cli, "SEED-0001", "--set", "joined_note=checked again")
    r = record(cli)
    assert (r["joined_corrected"], r["joined_note"]) == ("1991", "checked again")
    edit(cli, "SEED-0001", "--set", "joined_corrected=")
    r = record(cli)
    assert (r["joined"], r["joined_corrected"], r["joined_edtf"], r["joined_note"]) == (
        "1990",
        None,
        "1990",
        "checked again",
    )


def test_a_day_first_reading_survives_a_note(cli) -> None:
    cli("add", "--no-input", "--external-id", "D", "--left", "03/04/2021", "--dayfirst")
    edit(cli, "D", "--set", "left_note=as the letter writes it")
    r = record(cli, "D")
    assert (r["left_min"], r["left_note"]) == ("2021-04-03", "as the letter writes it")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "birth_year=abc"], "field 'birth_year': must be a four-digit year"),
        (["--set", "exit_type=flew"], "field 'exit_type': unknown code"),
        (["--add-reason", "boredom"], "field 'reasons': unknown code"),
        (["--set", "left=03/04/2021"], "field 'left': ambiguous day/month order"),
        (["--set", "source_stance=hostile"], "field 'source_stance': unknown code"),
        (["--set", "left_edtf=1999"], "field 'left': the parsed date columns do not match"),
    ],
)
def test_invalid_values_are_refused_like_import(cli, db: Path, args: list[str], message: str) -> None:
    seeded(cli)
    before = file_hash(db)
    result = cli("edit", "SEED-0001", *args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Rahimi" not in result.stderr  # no record text in errors
    assert file_hash(db) == before


def test_unknown_field_names_are_a_usage_error_listing_the_fields(cli, db: Path) -> None:
    seeded(cli)
    result = cli("edit", "SEED-0001", "--set", 'nmae" OR 1=1 --=x')
    assert result.exit_code == 2
    assert "unknown field" in result.stderr and "external_id, name, aliases" in result.stderr
    assert cli("edit", "SEED-0001", "--set", "id=0123456789abcdef").exit_code == 2
    assert cli("edit", "SEED-0001", "--set", "name").exit_code == 2


def test_an_edit_that_changes_nothing_writes_nothing(cli, db: Path) -> None:
    seeded(cli)
    before = file_hash(db)
    assert "nothing changed" in edit(cli, "SEED-0001", "--add-tag", "seed")
    assert file_hash(db) == before


def test_undo_of_an_edit_restores_the_record_exactly(cli, db: Path) -> None:
    seeded(cli)
    before = dump_data(db)
    edit(cli, "SEED-0001", "--set", "left=2023", "--set", "role=", "--add-tag", "x", "--set", "organization=New Org")
    assert cli("undo").exit_code == 0
    assert dump_data(db) == before


# ------------------------------------------------------------------------------------------------- bulk


def test_bulk_edit_previews_refuses_without_a_terminal_and_applies_with_yes(cli, db: Path) -> None:
    seeded(cli)
    before, state = file_hash(db), dump_data(db)
    refused = cli("edit", "--tag", "synthetic", "--org", "MEK", "--add-tag", "reviewed")
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    dry = cli("edit", "--tag", "synthetic", "--org", "MEK", "--add-tag", "reviewed", "--dry-run")
    assert dry.exit_code == 0 and file_hash(db) == before
    lines = dry.stdout.splitlines()
    assert len(lines) == 3 and all('→ ["synthetic", "reviewed"]' in line for line in lines)
    assert "3 of 3 accounts would change" in dry.stderr
    done = cli("edit", "--tag", "synthetic", "--org", "MEK", "--add-tag", "reviewed", "--yes")
    assert done.exit_code == 0 and done.stdout == dry.stdout
    assert "3 accounts changed" in done.stderr
    assert len(json.loads(cli("list", "--tag", "reviewed", "--format", "json").stdout)) == 3
    assert cli("undo").exit_code == 0
    assert dump_data(db) == state


def test_bulk_edit_needs_a_selection(cli) -> None:
    seeded(cli)
    result = cli("edit", "--add-tag", "x", "--yes")
    assert result.exit_code == 2 and "choose the accounts" in result.stderr
    assert cli("edit", "SEED-0001", "--org", "MEK", "--add-tag", "x").exit_code == 2
    assert cli("edit", "SEED-0001", "--dry-run").exit_code == 2  # nothing to show: never opens the editor


# ---------------------------------------------------------------------------------------------- $EDITOR


def editor(tmp_path: Path, monkeypatch, body: str) -> Path:
    """$EDITOR as a real program: a Python script that records how it found the file, then runs ``body``
    with ``data`` (the JSON), ``text`` (the file) and ``call`` (1, 2, … per opening)."""
    log = tmp_path / "editor.log"
    script = tmp_path / "fake_editor.py"
    script.write_text(
        "import json, os, re, stat, sys\n"
        "path = sys.argv[1]\n"
        f"log = {str(log)!r}\n"
        "call = sum(1 for _ in open(log)) + 1 if os.path.exists(log) else 1\n"
        "text = open(path, encoding='utf-8').read()\n"
        "with open(log, 'a') as fh:\n"
        "    fh.write(json.dumps([path, oct(stat.S_IMODE(os.stat(path).st_mode)), text]) + '\\n')\n"
        "def parse(value):\n"
        "    return json.loads(re.sub(r'(?m)^#.*$', '', value))\n"
        "try:\n"
        "    data = parse(text)\n"
        "except ValueError:\n"
        "    data = None\n"
        "def save(value):\n"
        "    open(path, 'w', encoding='utf-8').write(value if isinstance(value, str) else json.dumps(value))\n" + body
    )
    monkeypatch.setenv("EDITOR", f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}")
    return log


def openings(log: Path) -> list[list[str]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_editor_changes_are_written_and_the_private_file_removed(cli, tmp_path: Path, monkeypatch) -> None:
    seeded(cli)
    log = editor(
        tmp_path,
        monkeypatch,
        "data['role'] = 'a new role'\n"
        "data['events'][0]['date_note'] = 'rechecked'\n"
        "data['quotes'].append({'text': 'added in the editor'})\n"
        "save(data)\n",
    )
    result = cli("edit", "SEED-0001")
    assert result.exit_code == 0, result.stderr
    [(path, mode, text)] = openings(log)
    assert mode == "0o600" and not Path(path).exists() and not Path(path).parent.exists()
    assert text.startswith("# casefile: account ") and '"left_edtf"' not in text  # readings are recomputed
    r = record(cli)
    assert r["role"] == "a new role" and r["quotes"][-1]["text"] == "added in the editor"
    captured = r["events"][0]
    assert (captured["date"], captured["date_corrected"], captured["date_note"]) == ("1886", "1986", "rechecked")


def test_editor_round_trip_is_lossless(cli, db: Path, tmp_path: Path, monkeypatch) -> None:
    seeded(cli)
    cli(
        "add",
        "--no-input",
        "--external-id",
        "D",
        "--left",
        "03/04/2021",
        "--dayfirst",
        "--keep-unparsed-dates",
        "--joined",
        "some time before the war",
    )
    before = file_hash(db)
    editor(tmp_path, monkeypatch, "save(json.dumps(data, indent=4))\n")  # reformatted, not changed
    for ref in ("SEED-0001", "DEMO-0002", "D"):
        result = cli("edit", ref)
        assert result.exit_code == 0 and "no change" in result.stderr
    assert file_hash(db) == before


def test_editor_shows_the_errors_and_reopens_until_valid(cli, tmp_path: Path, monkeypatch) -> None:
    seeded(cli)
    log = editor(
        tmp_path,
        monkeypatch,
        "if call == 1:\n"
        "    data['birth_year'] = 'nineteen'\n"
        "    data['exit_type'] = 'flew'\n"
        "    save(data)\n"
        "elif call == 2:\n"
        "    save(text.replace('{', '{{', 1))\n"  # now not even JSON
        "else:\n"
        "    data = parse(text.replace('{{', '{', 1))\n"
        "    data['birth_year'] = 1960\n"
        "    data['exit_type'] = 'escaped'\n"
        "    save(data)\n",
    )
    result = cli("edit", "SEED-0001")
    assert result.exit_code == 0, result.stderr
    texts = [t for _, _, t in openings(log)]
    assert len(texts) == 3
    assert "# error: field 'birth_year': must be a four-digit year\n" in texts[1]
    assert "# error: field 'exit_type': unknown code" in texts[1]
    assert "# error: line " in texts[2] and "not valid JSON" in texts[2]
    assert (record(cli)["birth_year"], record(cli)["exit_type"]) == (1960, "escaped")


def test_editor_gives_up_when_an_invalid_record_is_saved_unchanged(cli, db: Path, tmp_path: Path, monkeypatch) -> None:
    seeded(cli)
    before = file_hash(db)
    editor(tmp_path, monkeypatch, "if call == 1:\n    data['birth_year'] = 'x'\n    save(data)\n")
    result = cli("edit", "SEED-0001")
    assert result.exit_code == 1 and "still invalid" in result.stderr
    assert file_hash(db) == before


@pytest.mark.parametrize("body", ["save('')\n", "pass\n", "sys.exit(3)\n"])
def test_editor_emptied_unchanged_or_failing_writes_nothing(cli, db: Path, tmp_path, monkeypatch, body) -> None:
    seeded(cli)
    before = file_hash(db)
    result = cli("edit", "SEED-0001")  # no EDITOR and no terminal: refused
    assert result.exit_code == 2 and "$EDITOR" in result.stderr
    editor(tmp_path, monkeypatch, body)
    result = cli("edit", "SEED-0001")
    assert result.exit_code == (1 if "exit" in body else 0)
    assert file_hash(db) == before


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["SIGINT", "SIGTERM", "SIGHUP"])
def test_an_interrupt_in_the_editor_removes_the_file(db: Path, tmp_path: Path, sig: int) -> None:
    """Ctrl-C, a kill, or the terminal closing (SIGHUP) while the record is open in $EDITOR: casefile stops
    the editor, writes nothing, and removes the file holding the record's text and the folder made for it."""
    run_process("org", "import", DATA / "organizations.json")
    run_process("import", DATA / "accounts.json")
    before = file_hash(db)
    script = tmp_path / "interrupting_editor.py"
    log = tmp_path / "path.txt"
    script.write_text(
        "import os, sys, time\n"
        f"open({str(log)!r}, 'w').write(sys.argv[1])\n"
        f"os.kill(os.getppid(), {int(sig)})\n"
        "time.sleep(30)\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "casefile", "edit", "SEED-0001"],
        capture_output=True,
        env={**os.environ, "EDITOR": f"{sys.executable} {script}"},
        preexec_fn=hangups_as_on_a_terminal,
        timeout=60,
    )
    assert (result.returncode, result.stderr.decode().splitlines()[-1]) == (130, "interrupted: nothing was written")
    path = Path(log.read_text())
    assert not path.exists() and not path.parent.exists()
    assert file_hash(db) == before
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600


@pytest.mark.parametrize("runtime", ["usable", "loose casefile folder", "unset", "shared", "relative", "no cache home"])
def test_the_editor_file_is_in_a_folder_only_you_can_enter(cli, tmp_path: Path, monkeypatch, runtime: str) -> None:
    """The record is written to $XDG_RUNTIME_DIR/casefile/ when that folder is the user's own (0700), else
    under the user's cache folder - never straight into a shared /tmp; folders 0700, the file 0600."""
    seeded(cli)
    run = tmp_path / "run"
    run.mkdir(mode=0o700)
    cache = tmp_path / "xdg-cache" / "casefile" / "edit"
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(run))
    expected = run / "casefile"
    if runtime == "loose casefile folder":
        expected.mkdir(mode=0o755)
        os.chmod(expected, 0o755)
    elif runtime == "unset":
        monkeypatch.delenv("XDG_RUNTIME_DIR")
        expected = cache
    elif runtime == "shared":
        os.chmod(run, 0o1777)
        expected = cache
    elif runtime == "relative":
        monkeypatch.setenv("XDG_RUNTIME_DIR", "run")
        expected = cache
    elif runtime == "no cache home":
        monkeypatch.delenv("XDG_RUNTIME_DIR")
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
        monkeypatch.setenv("HOME", str(tmp_path / "home"))
        expected = tmp_path / "home" / ".cache" / "casefile" / "edit"
    folder_mode = tmp_path / "folder-mode"
    log = editor(
        tmp_path,
        monkeypatch,
        f"open({str(folder_mode)!r}, 'w').write(oct(stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode)))\n"
        "data['role'] = 'changed in the editor'\n"
        "save(data)\n",
    )
    result = cli("edit", "SEED-0001")
    assert result.exit_code == 0, result.stderr
    [(path, mode, _)] = openings(log)
    assert Path(path).parent.parent == expected
    assert (mode, folder_mode.read_text(), oct(stat.S_IMODE(expected.stat().st_mode))) == ("0o600",) + ("0o700",) * 2
    assert not Path(path).parent.exists() and list(expected.iterdir()) == []
    assert record(cli)["role"] == "changed in the editor"


def test_a_bulk_edit_names_the_accounts_it_cannot_change(cli, db: Path) -> None:
    seeded(cli)
    before = file_hash(db)
    result = cli("edit", "--tag", "synthetic", "--set", "years_in_org=500", "--yes")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 6 and len({line.split("(account ")[1] for line in lines}) == 6
    assert all(line.startswith("error: field 'years_in_org': must be a number of years") for line in lines)
    assert file_hash(db) == before


def test_an_editor_killed_by_a_signal_is_named_so_and_nothing_is_written(cli, db: Path, tmp_path, monkeypatch) -> None:
    """The same words as `serve` and the import's worker use for a child that a signal ended, not "status -9"."""
    seeded(cli)
    editor(tmp_path, monkeypatch, "save('{}')\nimport signal\nos.kill(os.getpid(), signal.SIGKILL)\n")
    before = file_hash(db)
    result = cli("edit", "SEED-0001")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == "error: the editor stopped (killed by signal 9); nothing was written\n"
    assert file_hash(db) == before
