"""Settings a researcher sets once: ``$XDG_CONFIG_HOME/casefile/config.toml`` and ``CASEFILE_*`` variables.

Each setting is resolved by precedence: a command-line flag, then its environment variable
(``CASEFILE_<NAME>``), then the config file, then the built-in default. The pager alone has one more step
between the config file and the default, the conventional ``$PAGER`` (as git and gh do: a casefile-specific
choice beats the system-wide one). ``CASEFILE_CONFIG`` names another config file.

The file is read only when a setting is needed that neither a flag nor the environment gives, so a broken
file stops only commands that depend on it; when it is read, every key is checked and any problem is one
:class:`ConfigError` line naming the file and the key. Standard library only; ``tomllib`` is imported when a
file is actually read.
"""

from __future__ import annotations

import difflib
import getpass
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from casefile import paths
from casefile.errors import CasefileError, quote

ENV_CONFIG = "CASEFILE_CONFIG"
DEFAULT_PAGER = "less -FIRX"

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


class ConfigError(CasefileError):
    """A config file or a ``CASEFILE_*`` variable holds something casefile cannot use (exit 1)."""


@dataclass(frozen=True)
class Setting:
    name: str
    kind: type  # str or bool
    help: str
    default: Callable[[], tuple[Any, str]]  # () -> (value, where that value comes from)
    shown_default: str  # the default as the docs describe it
    flags: str = ""  # the command-line flags that beat the setting, as the docs list them
    fallback_env: str | None = None  # consulted after the config file (``PAGER``)

    @property
    def env(self) -> str:
        return "CASEFILE_" + self.name.upper()


def _login_name() -> tuple[str, str]:
    try:
        return getpass.getuser(), "default: your login name"
    except (KeyError, OSError, ImportError):  # no passwd entry and no LOGNAME/USER (containers)
        return "unknown", "default: no login name found"


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "db",
        str,
        "The database file. `~` is expanded; a relative path is refused in the file.",
        lambda: (str(paths.default_db()), "default"),
        "`$XDG_DATA_HOME/casefile/casefile.db`",
        "`--db`",
    ),
    Setting(
        "actor",
        str,
        "Your name, for recording who made each change (nothing records it yet; the audit log will).",
        _login_name,
        "your login name",
    ),
    Setting(
        "dayfirst",
        bool,
        "How to read all-numeric dates: true reads 03/04/2021 as 3 April, false as March 4.",
        lambda: (None, "not set (ambiguous dates such as 03/04/2021 are refused)"),
        "unset: such dates are refused",
        "`--dayfirst`, `--monthfirst`",
    ),
    Setting(
        "export_format",
        str,
        "What `export` writes: csv, json, jsonl, md or ftm.",
        lambda: ("csv", "default"),
        "`csv`",
        "`export --format`",
    ),
    Setting(
        "pager",
        str,
        'The pager for output taller than the terminal; "" turns paging off.',
        lambda: (DEFAULT_PAGER, "default"),
        "`$PAGER`, else `less -FIRX`",
        "`--no-pager`",
        fallback_env="PAGER",
    ),
    Setting(
        "new_org",
        bool,
        "Create an organisation whose name nearly matches a known one without asking (as `--new-org` does).",
        lambda: (False, "default"),
        "`false`: such a name is refused (or asked about on a terminal)",
        "`--new-org`",
    ),
    Setting(
        "gazetteer",
        str,
        "A JSON file of your own groups and their aliases, beside the ones casefile ships (README: Organisations).",
        lambda: (str(paths.config_file().with_name("groups.json")), "default"),
        "`groups.json` beside the config file (used when it exists)",
    ),
    Setting(
        "collector",
        str,
        "Who collected evidence, for the fixity record of `source capture` and `source attach`.",
        lambda: (None, "not set (the actor)"),
        "the actor",
        "`--collector`",
    ),
    Setting(
        "timestamp_urls",
        str,
        "The RFC 3161 timestamp authorities `--timestamp` asks (their URLs, separated by spaces).",
        lambda: (None, "not set (--timestamp is refused)"),
        "none",
        "",
    ),
    Setting(
        "timestamp_ca",
        str,
        "A PEM file with the CA certificate of those timestamp authorities: their replies must chain to it.",
        lambda: (None, "not set (--timestamp is refused)"),
        "none",
        "",
    ),
)
SETTING_BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Resolved:
    """A setting's effective value and where it came from (``--db``, ``env CASEFILE_DB``, ``config file``…)."""

    name: str
    value: Any
    source: str
    origin: str  # the file or variable to name in an error about this value

    def error(self, reason: str) -> ConfigError:
        """An error about this value that names where it came from, for checks only a command can make."""
        return ConfigError(f"{self.origin}: {reason}")


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    """The config file: ``$CASEFILE_CONFIG``, else ``$XDG_CONFIG_HOME/casefile/config.toml``."""
    env = os.environ if environ is None else environ
    explicit = env.get(ENV_CONFIG)
    return Path(explicit).expanduser() if explicit else paths.config_file()


class Settings:
    """The settings of one command run. The file is read at most once, and only when needed."""

    def __init__(self, path: Path | None = None, environ: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ
        self.explicit = path is not None or bool(self.environ.get(ENV_CONFIG))
        self.path = path if path is not None else config_path(self.environ)
        self._file: dict[str, Any] | None = None

    # ----------------------------------------------------------------------------------- resolving

    def resolve(self, name: str, flag: tuple[str, Any] | None = None) -> Resolved:
        """``name``'s value by precedence; ``flag`` is ``(flag name, value)``, used when the value is not None."""
        setting = SETTING_BY_NAME[name]
        if flag is not None and flag[1] is not None:
            return Resolved(name, flag[1], flag[0], flag[0])
        raw = self.environ.get(setting.env)
        if raw is not None and (raw != "" or setting.name == "pager"):
            where = f"environment variable {setting.env}"
            return Resolved(name, _from_env(setting, raw, where), f"env {setting.env}", where)
        file_values = self.file_values()
        if name in file_values:
            return Resolved(name, file_values[name], "config file", f"{self.path}: key {quote(name)}")
        if setting.fallback_env and self.environ.get(setting.fallback_env):
            env = setting.fallback_env
            return Resolved(name, self.environ[env], f"env {env}", f"environment variable {env}")
        value, source = setting.default()
        return Resolved(name, value, source, source)

    def get(self, name: str, flag: tuple[str, Any] | None = None) -> Any:
        return self.resolve(name, flag).value

    def effective(self, flags: Mapping[str, tuple[str, Any] | None] | None = None) -> list[Resolved]:
        """Every setting, resolved (``config show``); reads and checks the whole file."""
        flags = flags or {}
        self.file_values()
        return [self.resolve(s.name, flags.get(s.name)) for s in SETTINGS]

    # ------------------------------------------------------------------------------------- reading

    def file_values(self) -> dict[str, Any]:
        """The checked values of the config file ({} when there is none)."""
        if self._file is None:
            self._file = _read(self.path, must_exist=self.explicit)
        return self._file

    def exists(self) -> bool:
        return self.path.is_file()


def actor(settings: Settings | None = None) -> str:
    """Who is making a change, for the audit log: ``CASEFILE_ACTOR``, the config's ``actor``, the login name."""
    return str((settings or Settings()).get("actor"))


# --------------------------------------------------------------------------------------- checking


def _read(path: Path, *, must_exist: bool) -> dict[str, Any]:
    import tomllib

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if must_exist:
            raise ConfigError(f"{path}: no such config file (named by {ENV_CONFIG})") from None
        return {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc.strerror or exc}") from None
    try:
        table = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return {key: _check(path, key, value) for key, value in table.items()}


def _check(path: Path, key: str, value: Any) -> Any:
    setting = SETTING_BY_NAME.get(key)
    where = f"{path}: key {quote(key)}"
    if setting is None:
        close = difflib.get_close_matches(key, SETTING_BY_NAME, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ConfigError(f"{path}: unknown key {quote(key)}; {hint}known keys: {', '.join(SETTING_BY_NAME)}")
    if setting.kind is bool and not isinstance(value, bool):
        raise ConfigError(f"{where}: expected true or false (without quotes), got {_toml_type(value)}")
    if setting.kind is str and not isinstance(value, str):
        raise ConfigError(f"{where}: expected a string in quotes, got {_toml_type(value)}")
    if setting.name == "db":
        return _db_path(value, where)
    if setting.name in ("actor", "export_format") and not value.strip():
        raise ConfigError(f"{where}: must not be empty")
    return value


def _db_path(value: str, where: str) -> str:
    if not value.strip():
        raise ConfigError(f"{where}: must not be empty")
    expanded = os.path.expanduser(value)
    if not os.path.isabs(expanded):
        raise ConfigError(f"{where}: give an absolute path or one starting with ~ (relative to what would be unclear)")
    return expanded


def _from_env(setting: Setting, raw: str, where: str) -> Any:
    if setting.kind is bool:
        word = raw.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise ConfigError(f"{where}: expected true or false (or 1/0, yes/no, on/off)")
    return raw


def _toml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return "a date or time"


def toml_value(value: Any) -> str:
    """``value`` written as TOML (``config show`` prints a file that could be pasted into config.toml)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return '"' + _TOML_ESCAPE.sub(lambda m: _TOML_SHORT.get(m.group(), f"\\u{ord(m.group()):04X}"), str(value)) + '"'


# A TOML basic string must escape the quote, the backslash and every control character but TAB.
_TOML_ESCAPE = re.compile(r'["\\\x00-\x08\x0a-\x1f\x7f]')
_TOML_SHORT = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r"}
