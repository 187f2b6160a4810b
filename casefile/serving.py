"""``casefile serve``: Datasette over a private published copy, never over the working database (issue 17).

The copy is made by :func:`casefile.publishing.publish` in a new folder of the system's temporary folder
(mode 0700; the file inside is 0600), with its Datasette metadata beside it. Datasette runs as a child process
on that file only, ``--immutable`` (opened read-only, never written), with arbitrary SQL denied through the
metadata's ``allow_sql`` unless asked for; canned queries still run. When the child ends, or this process is
stopped (Ctrl-C, SIGTERM, SIGHUP: all arrive as ``KeyboardInterrupt``), the child is stopped and the folder
removed. Only a ``kill -9`` leaves it behind, in the temporary folder, named ``casefile-serve.*``, where
``casefile doctor`` finds it (the folder is locked while in use, so ``doctor --clean`` leaves a running serve's
alone).
"""

from __future__ import annotations

import importlib.util
import ipaddress
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from . import interrupts, paths, publishing
from .errors import CasefileError

if TYPE_CHECKING:
    from .store import Store

SERVE_EXTRA = "pip install 'casefile[serve]'"
#: What the temporary folder's name starts with (``doctor`` and a person can find a leftover by it).
FOLDER_PREFIX = paths.SERVE_FOLDER_PREFIX
DATABASE = "published"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_datasette() -> None:
    if importlib.util.find_spec("datasette") is None:
        raise CasefileError(f"casefile serve needs Datasette, the optional extra: {SERVE_EXTRA}")


def serve(store: Store, *, host: str, port: int, sql: bool, say: Callable[[str], None]) -> int:
    """Publish ``store`` to a private temporary file and run Datasette on it until it stops or this process is
    interrupted; returns Datasette's exit status (0 when this process is stopped by a signal; 128 + N when signal
    N ended Datasette itself, as a shell reports it). ``say`` prints to stderr."""
    require_datasette()
    interrupts.hold_after_saving = False  # the temporary copy is no result to keep: a signal stops and cleans up
    try:
        with paths.locked_folder(FOLDER_PREFIX) as folder:  # 0700, locked: doctor --clean leaves it alone
            return _serve_from(store, str(folder), host=host, port=port, sql=sql, say=say)
    except KeyboardInterrupt:
        return 0


def _serve_from(store: Store, folder: str, *, host: str, port: int, sql: bool, say: Callable[[str], None]) -> int:
    child: subprocess.Popen[bytes] | None = None
    try:
        path = os.path.join(folder, f"{DATABASE}.db")
        result = publishing.publish(store, path)
        store.close()  # the working database is not needed, and never served
        meta = publishing.metadata(DATABASE)
        if not sql:
            meta["allow_sql"] = False  # Datasette: nobody may run arbitrary SQL; canned queries still run
        meta_path = os.path.join(folder, "metadata.json")
        fd = os.open(meta_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with open(fd, "w", encoding="utf-8") as fh:
            json.dump(meta, fh, ensure_ascii=False)
        left = ", ".join(f"{n} {reason}" for reason, n in result.left_out.items() if n)
        say(f"{result.accounts} accounts published (left out: {left or 'nothing'}) to the temporary file {path}")
        if not is_loopback(host):
            say(f"warning: serving on {host}: other machines on the network can read the published accounts")
        say(f"serving at http://{host}:{port}/{DATABASE} (arbitrary SQL {'on' if sql else 'off'}); Ctrl-C stops")
        command = [sys.executable, "-m", "datasette", "serve", "--immutable", path, "--metadata", meta_path]
        command += ["--host", host, "--port", str(port)]
        child = subprocess.Popen(command, stdin=subprocess.DEVNULL)
        code = child.wait()
        if code < 0:  # the OOM killer, a `kill -9` aimed at Datasette: not our own Ctrl-C (KeyboardInterrupt)
            say(f"error: Datasette was {interrupts.ended(code)}")
        return interrupts.exit_status(code)
    finally:
        with interrupts.held(keep=False):
            if child is not None and child.poll() is None:
                child.send_signal(signal.SIGINT)
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
