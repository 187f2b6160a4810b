"""Where an export goes: stdout, or a file replaced atomically.

A file export is written to a temporary file beside the target (same folder, so the rename cannot cross
file systems), created with ``O_CREAT | O_EXCL`` and mode 0600 whatever the umask (exports hold
testimony). Only after the last byte is written and ``fsync``-ed is it renamed onto the target with
``os.replace``, and the folder is ``fsync``-ed so the rename survives a power cut. On any exception,
Ctrl-C included, the temporary file is removed and the exception re-raised: an existing file at the
target stays byte-for-byte intact and no partial file is left behind. An ``OSError`` (a full disk, a
folder that cannot be written) becomes a one-line :class:`~casefile.errors.CasefileError` saying so.
"""

from __future__ import annotations

import errno
import os
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from casefile import interrupts
from casefile.errors import CasefileError, DiskFull

FILE_MODE = 0o600


@contextmanager
def open_output(path: str | None) -> Iterator[TextIO]:
    """A text stream for an export to ``path`` (UTF-8, no newline translation); ``None`` or ``-`` is stdout."""
    if path is None or path == "-":
        yield sys.stdout  # not ours to close
        sys.stdout.flush()
        return
    target = os.path.abspath(path)
    folder = os.path.dirname(target)
    temp = None
    try:
        with interrupts.held(keep=False):  # so the temp file is never created without our knowing its name
            fd, temp = _create_temp(folder, os.path.basename(target))
        with open(fd, "w", encoding="utf-8", newline="") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        with interrupts.held():
            os.replace(temp, target)
        interrupts.note_saved(path)
    except BaseException as exc:
        if temp is not None and os.path.exists(temp):
            os.unlink(temp)
        elif temp is not None and isinstance(exc, KeyboardInterrupt) and path not in interrupts.saved:
            interrupts.note_saved(path)  # renamed into place just before the interrupt
        if isinstance(exc, OSError):
            raise _write_error(exc, path) from None
        raise
    _fsync_folder(folder)


def _write_error(exc: OSError, path: str) -> CasefileError:
    """One line for a failed file write; the target is untouched and no partial file is left."""
    kept = "no file was written and an existing one is unchanged"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFull(f"disk full while writing {path}: {kept}; free some space and try again")
    return CasefileError(f"cannot write {path} ({exc.strerror or type(exc).__name__}): {kept}")


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
