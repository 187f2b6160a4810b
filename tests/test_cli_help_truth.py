"""Help that tells the truth: what a command's help says works, works; usage lines use plain notation."""

from __future__ import annotations

import json
import re

import pytest

from casefile.docs import command_paths

from conftest import DATA, run_process

ODD_NOTATION = re.compile(r"\{[A-Za-z_.]+\}|\[\[|<list\[str\]>|<int range>|<float range>|<str>|<int>|<float>")


@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(p) or "casefile")
def test_every_help_uses_plain_notation(cli, path: tuple[str, ...]) -> None:
    result = cli(*path, "--help")
    assert result.exit_code == 0, result.stderr
    odd = [line for line in result.stdout.splitlines() if ODD_NOTATION.search(line)]
    assert not odd, odd


def test_usage_lines_read_as_people_write_them(cli) -> None:
    assert "show [OPTIONS] ID\n" in cli("show", "--help").stdout
    assert "history [OPTIONS] [ID]\n" in cli("history", "--help").stdout
    assert "delete [OPTIONS] ID...\n" in cli("delete", "--help").stdout
    assert "org alias [OPTIONS] NAME ALIAS...\n" in cli("org", "alias", "--help").stdout


def test_vocab_with_a_vocabulary_name_as_help_suggests(cli) -> None:
    for path in (("org", "add"), ("event", "add")):
        assert re.search(r"`casefile vocab \w+`", " ".join(cli(*path, "--help").stdout.split()))
    for name in ("org_type", "event_type"):
        by_word = cli("vocab", name, "--format", "json")
        assert by_word.exit_code == 0, by_word.stderr
        rows = json.loads(by_word.stdout)
        assert rows and {r["vocabulary"] for r in rows} == {name}
        assert by_word.stdout == cli("vocab", "--vocabulary", name, "--format", "json").stdout
    assert cli("vocab", "-f", "json", "org_type").stdout == cli("vocab", "org_type", "-f", "json").stdout


def test_show_help_lists_its_real_formats(cli) -> None:
    assert cli("import", DATA / "accounts.json").exit_code == 0
    text = " ".join(cli("show", "--help").stdout.split())
    for fmt in ("table", "json", "jsonl", "csv"):
        assert fmt in text.split("--format", 1)[1].split("-h, --help")[0]
        assert cli("show", "SEED-0001", "--format", fmt).exit_code == 0


def test_template_jsonl_prints_json_lines(cli) -> None:
    result = cli("template", "jsonl")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and isinstance(json.loads(lines[0]), dict)
    array = json.loads(cli("template", "json").stdout)
    assert array == [json.loads(lines[0])]


def test_alias_help_speaks_of_the_repeatable_flag(cli) -> None:
    text = " ".join(cli("org", "add", "--help").stdout.split())
    assert "--alias" in text and "repeat --alias" in text


def test_restore_and_restore_backup_explain_each_other(cli, tmp_path) -> None:
    def text(command: str) -> str:  # the help as one line; a name wrapped at its hyphen joined again
        return re.sub(r"-\s+", "-", " ".join(cli(command, "--help").stdout.split()))

    restore, backup = text("restore"), text("restore-backup")
    assert "deleted" in restore and "restore-backup" in restore
    assert "restore " in backup.split("Options:")[0].replace("restore-backup", "") and "deleted" in backup
    assert cli("init").exit_code == 0
    proc = run_process("restore", str(tmp_path / "casefile-2026.db"))
    stderr = proc.stderr.decode()
    assert proc.returncode == 2 and "restore-backup" in stderr and len(stderr.splitlines()) == 1, stderr
