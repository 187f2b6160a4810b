"""Where a file casefile writes goes: one mechanism for every command that writes one - an export, a
rejects file, a backup, the copy ``restore-backup`` keeps, a new pseudonym key.

First :func:`check` decides, before anything is read or written:

- ``None`` or ``-`` is stdout.
- A file that must never be written - the database, its ``-journal``/``-wal``/``-shm``, its key file, the
  pseudonym key in use, the backup being restored, the input of an import (:func:`protected_files`) - is
  refused as a :class:`~casefile.errors.UsageError`, under any spelling: both names are resolved
  (``..``, symbolic links) and, when both files exist, their device and inode are compared (hard links).
  Replacing the journal of a running import would corrupt the database at its next crash.
- A symbolic link is followed: its target is written, the link stays.
- A FIFO or a device is *streamed in place*: opened for writing, never created, renamed onto or removed
  (``-o /dev/stdout`` as root must not replace the system's link, nor ``-o /dev/null`` the device).
- A regular file, or a new name in a folder that exists, is written to a temporary file
  ``.casefile-tmp.<name>.<8 hex>`` beside it (same folder: the rename cannot cross file systems), created
  with ``O_CREAT | O_EXCL`` and mode 0600 whatever the umask (exports hold testimony). Only after the last
  byte is written and ``fsync``-ed is it renamed onto the target with ``os.replace`` (or, when an existing
  file must not be replaced, hard-linked to the new name, which fails if the name was taken meanwhile),
  and the folder is ``fsync``-ed. A new file stays 0600; an existing one keeps its mode. On any exception,
  Ctrl-C included, the temporary file is removed: an existing file stays byte-for-byte intact and no
  partial file is left behind (``doctor`` finds what a ``kill -9`` leaves by :data:`TEMP_PREFIX`).
- A name ending in ``/``, a folder, or a name whose folder does not exist is an
  :class:`~casefile.errors.OutputError` (one line, exit 1): ``-o nd/`` must not write a file called ``nd``.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import stat
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO

from casefile import interrupts
from casefile.errors import DiskFull, OutputError, UsageError

FILE_MODE = 0o600
#: Every temporary file casefile writes on its way to a target starts with this (``doctor`` looks for it).
TEMP_PREFIX = ".casefile-tmp."

Protected = Mapping[str, str]  # path → what it is ("the database's key file")


def protected_files(
    db: str | os.PathLike[str],
    *,
    key_file: str | os.PathLike[str] | None = None,
    pseudonym_key: str | os.PathLike[str] | None = None,
    restore_source: str | os.PathLike[str] | None = None,
    inputs: Iterable[str] = (),
) -> dict[str, str]:
    """The files no output may be, each with what it is: the one list every writer checks against."""
    out: dict[str, str] = {}
    for base in dict.fromkeys([os.fspath(db), os.path.realpath(db)]):  # SQLite names its files after either
        out[base] = "the database"
        out[base + "-journal"] = "the database's journal"
        out[base + "-wal"] = "the database's write-ahead log"
        out[base + "-shm"] = "the database's shared-memory file"
    if key_file is not None:
        out[os.fspath(key_file)] = "the database's key file"
    if pseudonym_key is not None:
        out[os.fspath(pseudonym_key)] = "the pseudonym key"
    if restore_source is not None:
        out[os.fspath(restore_source)] = "the backup being restored"
    for path in inputs:
        if path != "-":
            out.setdefault(path, "an input file")
    return out


class TargetExists(UsageError):
    """The target exists and the caller said not to replace it."""


@dataclass(frozen=True)
class Target:
    given: str  # as the user wrote it: what messages name
    path: str | None  # where the bytes go, symbolic links resolved; None: stdout
    stream: bool  # stdout, a FIFO or a device: written in place, no temporary file, no rename
    mode: int | None = None  # an existing regular file's permission bits, kept; None: a new file, 0600


def check(
    path: str | None, *, protect: Protected | None = None, exists: str | None = None, streams: bool = True
) -> Target:
    """Where the output to ``path`` goes, or the reason it may not be written there; nothing is written.

    ``exists``: the error for a regular file that is already there, which is then never replaced (``{path}``
    is filled in; ``None``: replace it). ``streams=False``: a FIFO or a device is refused too.
    """
    if path is None or path == "-":
        return Target("-", None, True)
    for other, what in (protect or {}).items():
        if _same_file(path, other):
            raise UsageError(f"refusing to write {path}: it is {what}; choose another file")
    if path.endswith(("/", os.sep)) and not os.path.isdir(path):
        raise OutputError(f"cannot write {path}: there is no folder {path.rstrip('/' + os.sep)}; create it first")
    with _writing(path):
        try:
            info = os.stat(path)  # through symbolic links, /proc's links to a pipe or a terminal included
        except FileNotFoundError:
            info = None
    system = _system(path)
    if info is None:
        final = os.path.realpath(path)  # a new name, or a symbolic link to one
        if system or _system(final):
            raise OutputError(f"cannot write {path}: casefile creates no files in /dev or /proc; choose another file")
        folder = os.path.dirname(final)
        if not os.path.isdir(folder):  # (a folder that is a file fails in os.stat, with ENOTDIR)
            shown = folder if os.path.islink(path) else os.path.dirname(path) or "."
            raise OutputError(f"cannot write {path}: there is no folder {shown}; create it first")
        return Target(path, final, False)
    kind = info.st_mode
    if stat.S_ISDIR(kind):
        raise OutputError(f"cannot write {path}: it is a folder; name a file in it")
    if stat.S_ISREG(kind) and not system:
        if exists is not None:
            raise TargetExists(exists.format(path=path))
        return Target(path, os.path.realpath(path), False, stat.S_IMODE(kind))
    if (stat.S_ISFIFO(kind) or stat.S_ISCHR(kind) or stat.S_ISBLK(kind) or stat.S_ISREG(kind)) and streams:
        return Target(path, path, True)  # opened by the name given: /dev/stdout's link leads to the pipe itself
    raise OutputError(f"cannot write {path}: it is not a regular file; choose another file")


@contextmanager
def open_output(
    path: str | None, *, protect: Protected | None = None, exists: str | None = None, streams: bool = True
) -> Iterator[TextIO]:
    """A text stream (UTF-8, no newline translation) for the output to ``path``, placed as :func:`check`
    says; ``None`` or ``-`` is stdout."""
    target = check(path, protect=protect, exists=exists, streams=streams)
    if target.path is None:
        yield sys.stdout  # not ours to close
        sys.stdout.flush()
        return
    with _place(target, exists) as (fd, _), _writing(target.given):  # a full disk mid-write too
        with open(fd, "w", encoding="utf-8", newline="", closefd=False) as out:
            yield out
            sync(out, target.given)


@contextmanager
def output_path(
    path: str, *, protect: Protected | None = None, exists: str | None = None, scratch: str
) -> Iterator[str]:
    """For a writer that needs a file name rather than a stream (SQLite's backup API writes a database
    file): the name of a new, empty, private file to fill, which then takes the place of ``path`` as any
    output does. For stdout, a FIFO or a device it is made in the folder ``scratch`` and streamed in after."""
    target = check(path, protect=protect, exists=exists)
    if not target.stream:
        with _place(target, exists) as (_, temp):
            assert temp is not None
            yield temp
        return
    with _writing(target.given), interrupts.held(keep=False):
        fd, temp = _create_temp(scratch, "stdout" if target.path is None else os.path.basename(path))
    try:
        os.close(fd)
        yield temp
        with open(temp, "rb") as source:
            if target.path is None:
                shutil.copyfileobj(source, sys.stdout.buffer)
                sys.stdout.buffer.flush()
            else:
                with _place(target, exists) as (fd, _), _writing(target.given):
                    with open(fd, "wb", closefd=False) as sink:
                        shutil.copyfileobj(source, sink)
    finally:
        _remove(temp)


def sync(out: TextIO, path: str | None) -> None:
    """Flush a stream of :func:`open_output` and fsync its file now, e.g. before a commit that must not happen
    without it; ``path`` is what a failure names. A pipe or a device is only flushed."""
    if out is sys.stdout:
        out.flush()
        return
    with _writing(str(path)):
        out.flush()
        if stat.S_ISREG(os.fstat(out.fileno()).st_mode):
            os.fsync(out.fileno())


@contextmanager
def _place(target: Target, exists: str | None) -> Iterator[tuple[int, str | None]]:
    """A file descriptor to write ``target``'s bytes to (and the temporary file's name, when there is one);
    on success the bytes take their place, on any exception nothing does."""
    assert target.path is not None
    if target.stream:  # never O_CREAT: the FIFO or device is there and stays as it is
        with _writing(target.given):
            flags = os.O_WRONLY | os.O_NOCTTY
            if stat.S_ISREG(os.stat(target.path).st_mode):  # a file reached through /dev/stdout: see _system
                flags |= os.O_APPEND
            fd = os.open(target.path, flags)
        try:
            yield fd, None
        finally:
            os.close(fd)
        interrupts.note_saved(target.given)
        return
    folder = os.path.dirname(target.path)
    temp: str | None = None
    fd = -1
    try:
        with _writing(target.given), interrupts.held(keep=False):  # never a temp file whose name we do not know
            fd, temp = _create_temp(folder, os.path.basename(target.path))
        yield fd, temp
        with _writing(target.given):
            if target.mode is not None:
                os.fchmod(fd, target.mode)
            os.fsync(fd)
            closing, fd = fd, -1  # never closed twice, wherever an interrupt lands
            os.close(closing)
        with _writing(target.given), interrupts.held():
            interrupts.check()  # an interrupt that landed where it could not be raised
            _put(temp, target.path, exists, target.given)
        interrupts.note_saved(target.given)
    except BaseException as exc:
        if fd >= 0:
            os.close(fd)
        if temp is not None and os.path.lexists(temp):
            _remove(temp)
        elif temp is not None and isinstance(exc, KeyboardInterrupt) and target.given not in interrupts.saved:
            interrupts.note_saved(target.given)  # renamed into place just before the interrupt
        raise
    _fsync_folder(folder)


def _put(temp: str, path: str, exists: str | None, given: str) -> None:
    """Move the finished temporary file to ``path``: replacing what is there, or (``exists`` given) only
    if nothing is - a hard link fails atomically when the name was taken since :func:`check`."""
    if exists is None:
        os.replace(temp, path)
        return
    try:
        os.link(temp, path)
    except FileExistsError:
        raise TargetExists(exists.format(path=given)) from None
    except OSError as exc:  # a file system without hard links
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        if os.path.lexists(path):
            raise TargetExists(exists.format(path=given)) from None
        os.replace(temp, path)
        return
    os.unlink(temp)


def _system(path: str) -> bool:
    """Whether ``path`` is one of the system's own names (``/dev/stdout``, ``/dev/fd/3``, ``/proc/…``): nothing
    is ever created, renamed onto or removed there; what one leads to is written in place (``-o /dev/stdout``
    when stdout is a file appends to it, as the shell's ``>>`` would). ``/dev/shm`` is an ordinary folder."""
    absolute = os.path.abspath(path)
    return absolute.startswith(("/dev/", "/proc/")) and not absolute.startswith("/dev/shm/")


def _same_file(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` name the same file: the same device and inode when both exist, else (or
    also) the same path once ``..`` and symbolic links are resolved."""
    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:
        pass
    else:
        if (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino):
            return True
    return os.path.realpath(a) == os.path.realpath(b)


@contextmanager
def _writing(path: str) -> Iterator[None]:
    """Turn an ``OSError`` of creating, syncing or renaming the output into a one-line :class:`OutputError`."""
    try:
        yield
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DiskFull(
                f"disk full while writing {path}: no file was written and an existing one is unchanged; "
                "free some space and try again"
            ) from None
        reason = exc.strerror or type(exc).__name__
        raise OutputError(
            f"cannot write {path} ({reason}); check that the folder exists and that you may write there"
        ) from None


def _create_temp(folder: str, name: str) -> tuple[int, str]:
    """A new file ``.casefile-tmp.<name>.<8 hex>`` in ``folder``, mode 0600 whatever the umask."""
    while True:
        temp = os.path.join(folder, f"{TEMP_PREFIX}{name}.{secrets.token_hex(4)}")
        try:
            fd = os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
        except FileExistsError:
            continue
        try:
            os.fchmod(fd, FILE_MODE)  # the umask may have removed bits from the mode given to open
        except BaseException:
            os.close(fd)
            os.unlink(temp)
            raise
        return fd, temp


def _remove(temp: str) -> None:
    """Remove a temporary file and what SQLite may have left beside it (its journal)."""
    for path in (temp, temp + "-journal"):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def _fsync_folder(folder: str) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as exc:  # some file systems cannot sync a directory; the file itself is synced
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)
