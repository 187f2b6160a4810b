"""Telling the truth about an interrupt.

Ctrl-C, SIGTERM and SIGHUP (the terminal closing) become ``KeyboardInterrupt``; everything a command writes
is one transaction or one renamed temp file, so an interrupt leaves nothing half-written. What remains is to
*say* the right thing: an interrupt that lands just after a ``COMMIT`` (or the rename of an export) must not
be reported as "nothing was written", or the researcher adds the record again. So the signals are held off
while the commit or rename runs, and whatever became durable is noted in :data:`saved` for the error boundary.

A hang-up the parent process set to be ignored stays ignored: ``nohup casefile import …`` survives the
terminal closing, as the user asked. SIGXFSZ (a file-size limit, ``ulimit -f``) is noted in
:data:`file_size_limit_reached` and otherwise ignored, as Python ignores it: the write fails with ``EFBIG``,
the transaction rolls back, and the error can name the limit.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: What this command has made durable so far ("the database", an export's path), in order.
saved: list[str] = []

#: Set by :func:`on_signal` when SIGINT, SIGTERM or SIGHUP arrives, and never cleared: Python runs the handler
#: in whatever code is running, and where that code cannot pass an exception on (a weakref callback or a
#: ``__del__`` during a lazy import) the ``KeyboardInterrupt`` is printed as "ignored" and lost. A commit
#: or an export's rename asks :func:`check` first, so such an interrupt still stops the command.
requested = False

#: Set by the console script (not by in-process callers such as tests): once something is saved, SIGINT,
#: SIGTERM and SIGHUP stay blocked until the process exits, so the command finishes - prints the new id, exits
#: 0 - rather than stopping after the fact with an exit status that says it failed.
hold_after_saving = False

#: Set when SIGXFSZ arrives: a write went past the process's file-size limit and failed with ``EFBIG``.
file_size_limit_reached = False

_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
_installed = False


@contextmanager
def held(*, keep: bool = True) -> Iterator[None]:
    """Block SIGINT, SIGTERM and SIGHUP (in the main thread) for the body; one that arrives meanwhile is
    delivered, as ``KeyboardInterrupt``, as soon as the body is done - unless ``keep`` and
    :data:`hold_after_saving` are set and the body succeeded: then they stay blocked to the end of the
    process."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    # Python runs a pending handler when pthread_sigmask returns: reading the mask first means an interrupt
    # raised by the call that blocks is raised with the old mask known, and the finally puts it back
    old = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    done = False
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
        yield
        done = True
    finally:
        if not (done and keep and hold_after_saving):
            signal.pthread_sigmask(signal.SIG_SETMASK, old)


def install() -> None:
    """For the console script: SIGINT, SIGTERM and SIGHUP (unless inherited as ignored) go to
    :func:`on_signal`, SIGXFSZ to :func:`on_file_size_limit`, and a ``KeyboardInterrupt`` that Python could not raise
    is not printed as an "Exception ignored" traceback (:func:`check` acts on it)."""
    import sys

    global _installed
    if _installed:
        return
    _installed = True
    for signum in sorted(_SIGNALS):
        if not (signum == signal.SIGHUP and signal.getsignal(signum) is signal.SIG_IGN):  # nohup's choice
            signal.signal(signum, on_signal)
    signal.signal(signal.SIGXFSZ, on_file_size_limit)
    default = sys.unraisablehook

    def unraisable(info: Any) -> None:
        if not isinstance(info.exc_value, KeyboardInterrupt):
            default(info)

    sys.unraisablehook = unraisable


def on_signal(signum: int, frame: object) -> None:
    """The console script's handler for SIGINT, SIGTERM and SIGHUP: note the request, then raise as Python
    does."""
    global requested
    requested = True
    raise KeyboardInterrupt


def check() -> None:
    """Raise ``KeyboardInterrupt`` if an interrupt came that the code it landed in swallowed; called just
    before a change becomes durable."""
    if requested:
        raise KeyboardInterrupt


def note_saved(what: str) -> None:
    saved.append(what)


def message() -> str:
    """The boundary's line for an interrupt."""
    if not saved:
        return "interrupted: nothing was written"
    return f"interrupted after {' and '.join(saved)} had been saved in full; nothing else was written"


def ended(returncode: int) -> str:
    """How a child process ended, for a message: ``exit status 3``, ``killed by signal 9``. ``returncode`` as
    :mod:`subprocess` gives it (``-N``: signal N ended the child)."""
    return f"killed by signal {-returncode}" if returncode < 0 else f"exit status {returncode}"


def exit_status(returncode: int) -> int:
    """The exit status to pass on for a child that ended with ``returncode``: a shell's 128 + N for one that
    signal N ended (``sys.exit`` of a negative number would give 256 - N, a status that means nothing)."""
    return 128 - returncode if returncode < 0 else returncode


def on_file_size_limit(signum: int, frame: object) -> None:
    """The handler for SIGXFSZ: only note it; the write that went past the limit fails with ``EFBIG``."""
    global file_size_limit_reached
    file_size_limit_reached = True
