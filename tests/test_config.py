"""The config file and CASEFILE_* variables: precedence flag > environment > file > default, strict checks."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from casefile import config
from casefile.config import ConfigError, Settings


def test_path_follows_xdg_config_home_and_casefile_config(
    config_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert config.config_path() == config_file
    monkeypatch.setenv("CASEFILE_CONFIG", str(tmp_path / "other.toml"))
    assert config.config_path() == tmp_path / "other.toml"


def test_defaults_without_a_file(config_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CASEFILE_DB")
    values = {r.name: (r.value, r.source) for r in Settings().effective()}
    assert values["db"] == (str(tmp_path / "xdg-data" / "casefile" / "casefile.db"), "default")
    assert values["dayfirst"][0] is None
    assert values["export_format"] == ("csv", "default")
    assert values["pager"] == ("less -FIRX", "default")
    assert values["actor"][1] == "default: your login name"


def test_file_values_are_used(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CASEFILE_DB")
    monkeypatch.delenv("CASEFILE_NEW_ORG")
    config_file.write_text(
        'db = "~/research/cases.db"\nactor = "R. Researcher"\ndayfirst = true\nexport_format = "jsonl"\npager = ""\n'
        'new_org = true\ngazetteer = "~/research/groups.json"\ncollector = "Field Team 2"\n'
        'timestamp_urls = "https://tsa.example/a https://tsa.example/b"\ntimestamp_ca = "~/research/tsa-ca.pem"\n'
    )
    s = Settings()
    assert s.get("new_org") is True
    assert s.get("db") == str(Path.home() / "research" / "cases.db")
    assert s.get("actor") == config.actor(s) == "R. Researcher"
    assert s.get("dayfirst") is True
    assert s.get("export_format") == "jsonl"
    assert s.get("pager") == ""
    assert s.get("collector") == "Field Team 2"
    assert s.get("timestamp_urls").split() == ["https://tsa.example/a", "https://tsa.example/b"]
    assert s.get("timestamp_ca") == "~/research/tsa-ca.pem"
    assert {r.source for r in s.effective()} == {"config file"}


def test_flag_beats_environment_beats_file(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_file.write_text('db = "/from/file.db"\ndayfirst = true\nactor = "file"\n')
    monkeypatch.setenv("CASEFILE_DB", "/from/env.db")
    monkeypatch.setenv("CASEFILE_DAYFIRST", "no")
    monkeypatch.setenv("CASEFILE_ACTOR", "env")
    s = Settings()
    env_db = config.Resolved("db", "/from/env.db", "env CASEFILE_DB", "environment variable CASEFILE_DB")
    assert s.resolve("db") == env_db
    assert s.resolve("db", ("--db", "/from/flag.db")).value == "/from/flag.db"
    assert s.resolve("db", ("--db", "/from/flag.db")).source == "--db"
    assert s.resolve("db", ("--db", None)).value == "/from/env.db"  # a flag not given does not count
    assert s.get("dayfirst") is False
    assert config.actor(s) == "env"
    monkeypatch.delenv("CASEFILE_DB")
    assert Settings().resolve("db").source == "config file"


def test_pager_precedence_puts_pager_after_the_config_file(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAGER", "more")
    assert (Settings().get("pager"), Settings().resolve("pager").source) == ("more", "env PAGER")
    config_file.write_text('pager = "most"\n')
    assert Settings().get("pager") == "most"  # the casefile-specific choice beats the system-wide one
    monkeypatch.setenv("CASEFILE_PAGER", "less")
    assert Settings().get("pager") == "less"
    monkeypatch.setenv("CASEFILE_PAGER", "")  # empty: paging off, not "unset"
    assert Settings().resolve("pager").value == ""
    assert Settings().resolve("pager", ("--no-pager", "")).source == "--no-pager"


def test_the_file_is_read_only_when_needed(config_file: Path) -> None:
    config_file.write_text("this is not toml")
    s = Settings()
    assert s.get("db", ("--db", "/x.db")) == "/x.db"
    assert s.get("db") == str(Path(s.environ["CASEFILE_DB"]))  # CASEFILE_DB is set by the test fixture
    with pytest.raises(ConfigError):
        s.get("dayfirst")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dayfirst = ", "not valid TOML: "),  # tomllib names the line: "(at line 1, column 12)"
        ("dayfist = true", "unknown key 'dayfist'; did you mean 'dayfirst'? known keys: db, actor, dayfirst"),
        ("[casefile]\ndb = '/x'", "unknown key 'casefile'; known keys:"),
        ('dayfirst = "yes"', "key 'dayfirst': expected true or false (without quotes), got a string"),
        ("db = 3", "key 'db': expected a string in quotes, got a number"),
        ("pager = []", "key 'pager': expected a string in quotes, got a list"),
        ("actor = 1979-05-27", "key 'actor': expected a string in quotes, got a date or time"),
        ('db = "cases.db"', "key 'db': give an absolute path or one starting with ~"),
        ('db = ""', "key 'db': must not be empty"),
        ('actor = "  "', "key 'actor': must not be empty"),
    ],
)
def test_a_bad_file_is_one_line_naming_file_and_key(config_file: Path, text: str, expected: str) -> None:
    config_file.write_text(text + "\n")
    with pytest.raises(ConfigError) as caught:
        Settings().effective()
    message = str(caught.value)
    assert message.startswith(f"{config_file}: ")
    assert expected in message
    assert "\n" not in message


def test_unreadable_files(config_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_file.write_bytes(b'actor = "\xff"\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        Settings().effective()
    config_file.unlink()
    config_file.mkdir()
    with pytest.raises(ConfigError, match="cannot read the config file"):
        Settings().effective()
    monkeypatch.setenv("CASEFILE_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="missing.toml: no such config file"):
        Settings().effective()


def test_bad_environment_values_name_the_variable(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEFILE_DAYFIRST", "sometimes")
    with pytest.raises(ConfigError, match="^environment variable CASEFILE_DAYFIRST: expected true or false"):
        Settings().get("dayfirst")
    for word, value in (("1", True), ("TRUE", True), ("on", True), ("0", False), ("No", False)):
        monkeypatch.setenv("CASEFILE_DAYFIRST", word)
        assert Settings().get("dayfirst") is value


def test_resolved_error_names_its_origin(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_file.write_text('export_format = "xml"\n')
    error = Settings().resolve("export_format").error("unknown format 'xml'")
    assert str(error) == f"{config_file}: key 'export_format': unknown format 'xml'"
    monkeypatch.setenv("CASEFILE_EXPORT_FORMAT", "xml")
    error = Settings().resolve("export_format").error("unknown format 'xml'")
    assert str(error) == "environment variable CASEFILE_EXPORT_FORMAT: unknown format 'xml'"


def test_actor_falls_back_when_there_is_no_login_name(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config.getpass, "getuser", lambda: "someone")
    assert config.actor() == "someone"

    def no_user() -> str:
        raise OSError("no login name")

    monkeypatch.setattr(config.getpass, "getuser", no_user)
    assert config.actor() == "unknown"


@pytest.mark.parametrize("value", ['a"b\\c\nd\x7fe\x01 \t شیرین', "less -FIRX", "", True, False])
def test_toml_value_round_trips(value: object) -> None:
    assert tomllib.loads("k = " + config.toml_value(value))["k"] == value


def test_importing_config_does_not_load_tomllib() -> None:
    probe = "import sys, casefile.config; print('tomllib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
