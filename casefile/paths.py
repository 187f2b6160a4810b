"""Where casefile's files live: ``--db`` > ``CASEFILE_DB`` > ``$XDG_DATA_HOME/casefile/casefile.db``."""

from __future__ import annotations

import os
from pathlib import Path

ENV_DB = "CASEFILE_DB"


def data_home() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME")
    return Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".local" / "share"


def config_home() -> Path:
    xdg = os.environ.get("XDG_CONFIG_HOME")
    return Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".config"


def config_file() -> Path:
    return config_home() / "casefile" / "config.toml"


def default_db() -> Path:
    return data_home() / "casefile" / "casefile.db"


def resolve_db(flag: str | None, config_db: str | None = None) -> Path:
    """The database path by precedence: the ``--db`` flag, ``CASEFILE_DB``, the config file, the default."""
    for candidate in (flag, os.environ.get(ENV_DB), config_db):
        if candidate:
            return Path(candidate).expanduser()
    return default_db()


def make_private_folder(folder: Path) -> None:
    """Create ``folder`` and any missing parents mode 0700 whatever the umask; existing folders are left alone
    (another casefile command creating one at the same moment is fine)."""
    missing = []
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    for candidate in reversed(missing):
        try:
            candidate.mkdir(mode=0o700)
        except FileExistsError:
            continue
        os.chmod(candidate, 0o700)
