"""Where casefile's files live: ``--db`` > ``CASEFILE_DB`` > ``$XDG_DATA_HOME/casefile/casefile.db``."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
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


#: The name of the folder each ``edit`` makes for its record (``doctor`` recognises leftovers by it).
EDIT_FOLDER_PREFIX = "edit-"


def edit_folders() -> list[Path]:
    """Where ``edit`` may put the record it opens in $EDITOR, the one it uses first: ``$XDG_RUNTIME_DIR/casefile``
    when that runtime folder is usable (absolute, the user's own, mode 0700: memory on most systems, emptied
    at logout), then ``$XDG_CACHE_HOME/casefile/edit`` (``~/.cache/casefile/edit``). Never a shared /tmp.
    ``doctor`` looks for leftovers in every one of them."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    cache = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    folders = [cache / "casefile" / "edit"]
    runtime = os.environ.get("XDG_RUNTIME_DIR") or ""
    if os.path.isabs(runtime) and private_folder_of_mine(Path(runtime)) and os.access(runtime, os.W_OK | os.X_OK):
        folders.insert(0, Path(runtime) / "casefile")
    return folders


def private_folder_of_mine(folder: Path) -> bool:
    """True when ``folder`` is a real folder (not a link to one) of the user's that no one else may enter."""
    try:
        st = os.lstat(folder)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o077


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


#: What the folder ``serve`` publishes into is named, in the system's temporary folder (``doctor`` looks there).
SERVE_FOLDER_PREFIX = "casefile-serve."


@contextmanager
def locked_folder(prefix: str, parent: str | os.PathLike[str] | None = None) -> Iterator[Path]:
    """A new folder, mode 0700, named ``prefix`` and random letters, in ``parent`` (None: the system's temporary
    folder), locked (``flock``) while in use, so ``doctor --clean`` leaves it alone; removed on the way out,
    whatever happens (Ctrl-C, SIGTERM and SIGHUP included). Only a ``kill -9`` or a power cut leaves it behind,
    for ``doctor`` to find by its prefix (:mod:`casefile.maintenance`)."""
    import fcntl
    import shutil
    import tempfile

    from . import interrupts

    folder: Path | None = None
    lock = -1
    try:
        with interrupts.held(keep=False):  # so the folder is never made without our knowing its name
            folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
        os.chmod(folder, 0o700)  # a strict umask may have left the owner without a permission
        lock = os.open(folder, os.O_RDONLY)
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield folder
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        if lock >= 0:
            os.close(lock)
