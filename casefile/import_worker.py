"""The import's one worker process (issue 23): it reads and validates the input files (the CSV, JSON or JSONL parse,
the field checks, the dates) while this process, the single writer, writes what it hands over in the import's one
transaction.

Why nothing changes but the speed: the worker never opens the database. It runs the same functions as an
in-process import (:func:`casefile.reading.file_items`, with the same validation options: this database's codes,
the date order) and sends the items back in input order; the writer takes them as it would have taken its own.
A worker that fails stops the import as bad input does: one line on stderr, exit 1, the transaction rolled back.

How: a fresh interpreter - ``python -c`` started by :mod:`subprocess`, an exec and never a fork (this process
holds an open SQLite connection), and not :mod:`multiprocessing`'s spawn, which runs the console script again in
the child (Typer and the whole CLI: ~30 ms and ~4 MiB for nothing) and prints a child's traceback - holding one
end of a socket pair. The parent sends the job; the worker sends batches of :data:`MESSAGE_ITEMS` items, pickled,
each after its length (:class:`Channel`). The socket's buffer (:data:`BUFFER_BYTES`) is the bounded queue: the
worker waits when the writer is behind, so memory stays flat whatever the input's size.

Signals: an interrupt is the writer's to handle - it rolls back, kills and reaps the worker, exits 130 with "nothing
was written". The worker ignores SIGINT, which Ctrl-C at a terminal sends to the whole process group, the writer
too. SIGTERM and SIGHUP end the worker, by that signal; the writer, seeing its worker ended so, stops as though
that signal had reached it (one line, exit 130, nothing written): ``kill -TERM <worker>`` alone (a tool stopping
a runaway process) stops the import, and the same signal sent to the whole group ends the same way, whichever
process notices first. A hang-up ignored when casefile started (``nohup``) stays ignored by both. A writer that
dies (``kill -9``) takes the worker with it: on Linux the kernel kills it (``PR_SET_PDEATHSIG``); elsewhere its
next send fails, the socket's other end being closed, or it sees it has another parent.

Which path: ``CASEFILE_IMPORT_WORKERS`` = ``0`` (read in this process) or ``1`` (the worker); unset, the worker
reads inputs of :data:`MIN_BYTES` or more when this process may use two cores or more. Standard input goes to the
worker when it is a file of that size (``< file``), or when the setting asks for it; a pipe stays in-process.
"""

from __future__ import annotations

import os
import struct
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .errors import CasefileError, UsageError

if TYPE_CHECKING:  # pickle and socket are imported when a worker is started: an import read here needs neither
    import socket

    from .reading import Item
    from .validation import Options

ENV = "CASEFILE_IMPORT_WORKERS"

#: The input size (bytes, all files together) from which the worker reads, unless ``CASEFILE_IMPORT_WORKERS`` says.
#: Measured (docs/PERFORMANCE.md, issue 23): the worker takes ~55 µs a record off the writer and costs ~0.18 s of
#: CPU to start; 1,000 of the bench's records (2 MB) gained nothing, 10,000 (20 MB) took 9 % off the writer.
MIN_BYTES = 4 << 20

#: The socket pair's buffers (the kernel caps them at its ``wmem_max``/``rmem_max``, 4 MiB here): room for a whole
#: writer batch (``pipeline.BATCH`` items, ~2.4 KB each pickled) while the writer writes the one before. With the
#: default ~200 KB the worker stopped after ~80 items, and the writer then waited for it to check the rest of each
#: batch: 0.57 s of a 3.06 s import of 10,000 accounts spent waiting, 0.13 s of 2.58 s with these (issue 23). It is
#: kernel memory, outside both processes' resident sets.
BUFFER_BYTES = 4 << 20

#: Items per message from the worker: enough that pickling is done in bulk, few enough to keep memory flat (each
#: item is a few KB, held pickled and unpickled on both sides).
MESSAGE_ITEMS = 100


class Channel:
    """Pickled messages, each after its length, over a stream socket: what
    :class:`multiprocessing.connection.Connection` does, without importing :mod:`multiprocessing` (2.5 MiB in each
    process, against I4's 96 for both)."""

    _LENGTH = struct.Struct("!Q")

    def __init__(self, sock: socket.socket):
        self.socket = sock

    def send(self, message: Any) -> None:
        import pickle

        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        self.socket.sendall(self._LENGTH.pack(len(data)))
        self.socket.sendall(data)

    def recv(self) -> Any:
        import pickle

        (size,) = self._LENGTH.unpack(self._exactly(self._LENGTH.size))
        return pickle.loads(self._exactly(size))

    def _exactly(self, size: int) -> bytearray:
        data = bytearray(size)
        view = memoryview(data)
        got = 0
        while got < size:
            count = self.socket.recv_into(view[got:], size - got)
            if not count:
                raise EOFError("the other end closed the socket")
            got += count
        return data

    def close(self) -> None:
        self.socket.close()


class WorkerFailed(CasefileError):
    """The worker process died or failed; the import was rolled back (exit 1)."""


def available_cpus() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def wanted(files: list[str]) -> bool:
    """Whether the import of ``files`` reads them in the worker; a bad ``CASEFILE_IMPORT_WORKERS`` is a usage error."""
    setting = os.environ.get(ENV, "").strip()
    if setting not in ("", "0", "1"):
        shown = setting if len(setting) <= 20 else setting[:20] + "…"
        raise UsageError(
            f"{ENV} must be 0 (read in this process) or 1 (read in one worker process), or unset (by the input's "
            f"size); got {shown!r}"
        )
    if "-" in files and _stdin_fd() is None:  # standard input replaced in this process (a test's runner)
        return False
    if setting:
        return setting == "1"
    return available_cpus() >= 2 and _input_bytes(files) >= MIN_BYTES


def _stdin_fd() -> int | None:
    try:
        return sys.stdin.fileno()
    except (AttributeError, OSError, ValueError):
        return None


def _input_bytes(files: list[str]) -> int:
    """The bytes left to read in the regular files among ``files``; a pipe or a missing file counts 0."""
    import stat

    total = 0
    for path in files:
        try:
            if path == "-":
                fd = _stdin_fd()
                if fd is None:
                    continue
                info = os.fstat(fd)
                if stat.S_ISREG(info.st_mode):
                    total += max(0, info.st_size - os.lseek(fd, 0, os.SEEK_CUR))
            else:
                info = os.stat(path)
                if stat.S_ISREG(info.st_mode):
                    total += info.st_size
        except OSError:
            continue
    return total


class Worker:
    """The parent's side: starts the worker, hands it the job, turns its messages back into items."""

    def __init__(self, files: list[str], formats: dict[str, str], encoding: str, options: Options):
        import socket
        import subprocess

        from . import interrupts

        self.done = False
        ours, theirs = socket.socketpair()
        for end in (ours, theirs):  # the kernel's buffer is the queue between the two: see BUFFER_BYTES
            end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, BUFFER_BYTES)
            end.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, BUFFER_BYTES)
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the same casefile as this one
        boot = f"import sys; sys.path.insert(0, {root!r}); from casefile.import_worker import serve; serve()"
        try:
            with interrupts.held(keep=False):  # an interrupt waits until the worker is known, so it can be reaped
                self.process = subprocess.Popen(
                    [sys.executable, "-P", "-c", boot, str(theirs.fileno())],
                    stdin=_stdin_fd() if "-" in files else subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,  # it reports through the socket; nothing it could print is for users
                    pass_fds=(theirs.fileno(),),
                )
        except BaseException:  # an interrupt held off while it started lands here: the worker goes too
            ours.close()
            if hasattr(self, "process"):
                self.process.kill()
                self.process.wait()
            raise
        finally:
            theirs.close()
        self.connection = Channel(ours)
        job = {"files": files, "formats": formats, "encoding": encoding, "options": options}
        try:
            self.connection.send({**job, "parent": os.getpid(), "message": MESSAGE_ITEMS})
        except BaseException as exc:
            self.close()
            if isinstance(exc, OSError):
                raise self._failed() from None
            raise

    def items(self, headers: dict[str, list[str]]) -> Iterator[Item]:
        """The items in input order; the CSV headers the worker read are added to ``headers`` (for a rejects file)."""
        from .reading import Item

        try:
            while True:
                message = self._receive()
                kind = message[0]
                if kind == "items":
                    for source, line, raw, validated, problems in message[1]:
                        yield Item(source, line, raw, validated, problems)
                elif kind == "header":
                    headers[message[1]].extend(message[2])
                elif kind == "error":
                    raise _rebuilt(*message[1:])
                elif kind == "done":
                    self.done = True
                    return
                else:  # "crash": an exception the worker did not expect
                    raise WorkerFailed(
                        f"the import's worker process failed (unexpected {message[1]}); nothing was written; "
                        f"run it again with {ENV}=0 for the details"
                    )
        finally:
            self.close()

    def _receive(self) -> Any:
        try:
            return self.connection.recv()
        except (EOFError, OSError):  # it has closed its end: it ended, or is ending
            raise self._failed() from None

    def _failed(self) -> BaseException:
        """What the worker's end means for the import: ended by SIGTERM or SIGHUP, an interrupt - the writer
        stops as that signal sent to it would (``KeyboardInterrupt``: rolled back, exit 130, one line); ended any
        other way, a failure (exit 1)."""
        import signal

        from . import interrupts

        self.close()
        code = self.process.returncode
        if code is not None and -code in (signal.SIGTERM, signal.SIGHUP):
            return KeyboardInterrupt()
        how = interrupts.ended(code) if code is not None else "exit status unknown"
        return WorkerFailed(
            f"the import's worker process (reading and checking the input) stopped unexpectedly ({how}); "
            "nothing was written"
        )

    def close(self) -> None:
        """Reap the worker: it ends by itself once done; otherwise (an error, an interrupt, an early stop) it is
        killed. Idempotent."""
        import subprocess

        if self.process.returncode is None:
            if not self.done:
                self.process.kill()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if hasattr(self, "connection"):
            self.connection.close()
            del self.connection


def _rebuilt(module: str, name: str, args: tuple[Any, ...], state: dict[str, Any]) -> CasefileError:
    """The worker's casefile error, as raised there (type, message, attributes)."""
    import importlib

    cls = getattr(importlib.import_module(module), name, None) if module.startswith("casefile.") else None
    if not (isinstance(cls, type) and issubclass(cls, CasefileError)):
        return WorkerFailed(f"the import's worker process failed (unexpected {name}); nothing was written")
    error: CasefileError = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


# ------------------------------------------------------------------------------------------ in the worker


class _ParentGone(Exception):
    pass


def serve() -> None:
    """The worker's main: ``python -c`` runs it with the socket's file descriptor as its argument."""
    import gc
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the writer too: it decides
    for signum in (signal.SIGTERM, signal.SIGHUP):  # end this process, unless ignored as casefile started (nohup)
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])  # started while the parent held them
    gc.set_threshold(50_000, *gc.get_threshold()[1:])  # as pipeline.run does for the load
    import socket

    connection = Channel(socket.socket(fileno=int(sys.argv[1])))
    try:
        job = connection.recv()
        _die_with(job["parent"])
        _work(connection, job)
    except (EOFError, OSError, _ParentGone):  # the parent is gone, or stopped reading
        pass


def _die_with(parent: int) -> None:
    """Be killed by the kernel when the parent dies (Linux); already orphaned: stop now."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:
        raise _ParentGone


def _work(connection: Any, job: dict[str, Any]) -> None:
    from .reading import file_items
    from .validation import Validator

    validator = Validator(job["options"])
    parent, size = job["parent"], job["message"]
    headers: dict[str, list[str]] = {path: [] for path in job["files"]}
    sent = dict.fromkeys(headers, 0)
    pending: list[tuple[Any, ...]] = []

    def send(message: tuple[Any, ...]) -> None:
        try:
            connection.send(message)
        except OSError:  # the parent closed its end: it is gone, or stopped reading
            raise _ParentGone from None

    def flush() -> None:
        for path, names in headers.items():
            if len(names) > sent[path]:
                send(("header", path, names[sent[path] :]))
                sent[path] = len(names)
        if pending:
            send(("items", pending))
            pending.clear()
        if os.getppid() != parent:
            raise _ParentGone

    try:
        for path in job["files"]:
            items = file_items(
                path,
                job["formats"][path],
                encoding=job["encoding"],
                validator=validator,
                stream=sys.stdin.buffer if path == "-" else None,
                header=headers[path],
            )
            for item in items:
                pending.append((item.source, item.line, item.raw, item.validated, item.problems))
                if len(pending) >= size:
                    flush()
        flush()
        send(("done",))
    except _ParentGone:
        raise
    except CasefileError as exc:
        flush()
        send(("error", type(exc).__module__, type(exc).__qualname__, exc.args, dict(exc.__dict__)))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which stops the import
        send(("crash", type(exc).__name__))
