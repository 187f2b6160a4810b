"""Global options (--db, --key-file, --no-color, --no-pager, --actor, --debug) work after the command name as
well as before it, in both value forms (``--db X`` and ``--db=X``), without taking a command's own options."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from casefile.cli import usage

from conftest import DATA, run_process


def actors(cli, db: Path) -> list[str]:
    result = cli("--db", db, "history", "--format", "json")
    assert result.exit_code == 0, result.stderr
    return [row["actor"] for row in json.loads(result.stdout)]


@pytest.mark.parametrize("form", ["split", "joined"])
def test_db_after_the_command_and_the_subcommand(cli, tmp_path: Path, form: str) -> None:
    other = tmp_path / "other.db"

    def db(*before: str) -> list[str]:
        return [*before, "--db", str(other)] if form == "split" else [*before, f"--db={other}"]

    assert cli(*db("init")).exit_code == 0
    assert other.exists() and not (tmp_path / "casefile.db").exists()  # the default database was not touched
    assert cli(*db("org", "import"), DATA / "organizations.json").exit_code == 0
    result = cli("import", DATA / "accounts.json", *db())
    assert result.exit_code == 0, result.stderr
    listed = cli(*db("list", "--format", "jsonl"))
    assert listed.exit_code == 0 and listed.stdout.count("\n") >= 3, listed.stderr
    orgs = cli(*db("org", "list", "--format", "json"))
    assert orgs.exit_code == 0 and "MEK" in orgs.stdout
    assert not (tmp_path / "casefile.db").exists()


@pytest.mark.parametrize("form", ["split", "joined"])
def test_actor_after_the_command(cli, tmp_path: Path, form: str) -> None:
    db = tmp_path / "a.db"
    assert cli("--db", db, "init").exit_code == 0
    actor = ["--actor", "R. Researcher"] if form == "split" else ["--actor=R. Researcher"]
    result = cli("add", "--name", "Person A", "--org", "Group", "--source-title", "T", "--db", db, *actor)
    assert result.exit_code == 0, result.stderr
    assert actors(cli, db)[0] == "R. Researcher"


@pytest.mark.parametrize("flag", ["--no-pager", "--no-color", "--debug"])
@pytest.mark.parametrize("command", [["list"], ["vocab"], ["org", "list"], ["show", "SEED-0001"]])
def test_flags_after_the_command(cli, flag: str, command: list[str]) -> None:
    assert cli("import", DATA / "accounts.json").exit_code == 0
    result = cli(*command, flag)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == cli(flag, *command).stdout


def test_debug_after_the_command_shows_the_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "not-a-db.db"
    bad.write_bytes(b"this is not a database" * 100)
    plain = run_process("list", "--db", bad)
    debug = run_process("list", "--db", bad, "--debug")
    assert plain.returncode == debug.returncode != 0
    assert b"Traceback" not in plain.stderr and b"Traceback" in debug.stderr


def test_key_file_after_the_command(cli, tmp_path: Path) -> None:
    key = tmp_path / "key"
    db = tmp_path / "enc.db"
    result = cli("init", "--encrypted", "--db", db, "--key-file", key)
    assert result.exit_code == 0, result.stderr
    assert key.exists()
    assert cli("list", "--key-file", key, "--db", db).exit_code == 0


def test_values_and_text_after_a_double_dash_are_not_taken() -> None:
    """A command's value that looks like a global option, and anything after ``--``, stay where they are."""
    app = typer.Typer()

    @app.callback()
    def _root(db: str = typer.Option("", "--db"), debug: bool = typer.Option(False, "--debug")) -> None:
        typer.echo(f"root db={db} debug={debug}")

    @app.command()
    def note(text: str = typer.Option("", "--text"), debug: bool = typer.Option(False, "--debug")) -> None:
        typer.echo(f"note text={text} debug={debug}")

    @app.command()
    def say(words: list[str]) -> None:
        typer.echo(f"say {words}")

    usage.install(app)
    runner = CliRunner()
    out = runner.invoke(app, ["note", "--text", "--db", "--debug"]).stdout
    assert out == "root db= debug=False\nnote text=--db debug=True\n"  # its own --debug, the value of --text
    out = runner.invoke(app, ["note", "--db", "x.db"]).stdout
    assert out == "root db=x.db debug=False\nnote text= debug=False\n"
    out = runner.invoke(app, ["say", "--", "--db", "y"]).stdout
    assert out == "root db= debug=False\nsay ['--db', 'y']\n"
