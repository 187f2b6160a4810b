"""Where an export goes: stdout, or a file replaced atomically.

A file export is written to a temporary file beside the target (same folder, so the rename cannot cross
file systems), created with ``O_CREAT | O_EXCL`` and mode 0600 whatever the umask (exports hold
testimony). Only after the last byte is written and ``fsync``-ed is it renamed onto the target with
``os.replace``, and the folder is ``fsync``-ed so the rename survives a power cut. On any exception,
Ctrl-C included, the temporary file is removed and the exception re-raised: an existing file at the
target stays byte-for-byte intact and no partial file is left behind.

A target that is one of the ``protect`` files (the database, the input files of an import), under any
spelling or through a symbolic link, is refused before anything is written: replacing it would destroy the
data being exported. A target that cannot be written (a missing folder, a folder, no permission) is an
:class:`~casefile.errors.OutputError` with a one-line message, not an ``OSError``.
"""

from __future__ import annotations

import errno
import os
import secrets
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TextIO

from casefile import interrupts
from casefile.errors import DiskFull, OutputError, UsageError

FILE_MODE = 0o600


@contextmanager
def open_output(path: str | None, *, protect: Mapping[str, str] | None = None) -> Iterator[TextIO]:
    """A text stream for an export to ``path`` (UTF-8, no newline translation); ``None`` or ``-`` is stdout.

    ``protect`` maps files that must never be replaced to what they are (``{db: "the database"}``).
    """
    if path is None or path == "-":
        yield sys.stdout  # not ours to close
        sys.stdout.flush()
        return
    target = os.path.abspath(path)
    for other, what in (protect or {}).items():
        if _same_file(target, other):
            raise UsageError(f"refusing to write {path}: it is {what}; choose another file")
    folder = os.path.dirname(target)
    temp = None
    try:
        with _writing(path):
            if os.path.isdir(target):
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
            with interrupts.held(keep=False):  # so the temp file is never created without our knowing its name
                fd, temp = _create_temp(folder, os.path.basename(target))
        with _writing(path), open(fd, "w", encoding="utf-8", newline="") as out:  # a full disk mid-write too
            yield out
            sync(out, path)
        with _writing(path), interrupts.held():
            interrupts.check()  # an interrupt that landed where it could not be raised
            os.replace(temp, target)
        interrupts.note_saved(path)
    except BaseException as exc:
        if temp is not None and os.path.exists(temp):
            os.unlink(temp)
        elif temp is not None and isinstance(exc, KeyboardInterrupt) and path not in interrupts.saved:
            interrupts.note_saved(path)  # renamed into place just before the interrupt
        raise
    _fsync_folder(folder)


def sync(out: TextIO, path: str | None) -> None:
    """Flush a stream of :func:`open_output` and fsync its file now, e.g. before a commit that must not happen
    without it; ``path`` is what a failure names."""
    if out is sys.stdout:
        out.flush()
        return
    with _writing(str(path)):
        out.flush()
        os.fsync(out.fileno())


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet): compare where the names lead
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
    while True:
        temp = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")
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


def _fsync_folder(folder: str) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as exc:  # some file systems cannot sync a directory; the file itself is synced
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)
