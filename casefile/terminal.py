"""Who is reading: a person at a terminal or another program. Colour decisions and the pager live here.

- **Drawn output** (tables, panels) when stdout is a terminal, or when ``FORCE_COLOR`` is set to anything
  non-empty (https://force-color.org; rich reads it the same way) — e.g. ``FORCE_COLOR=1 casefile list |
  less -R``. Otherwise plain text: tab-separated rows, ``field: value`` lines, no escape codes.
- **Colour** in drawn output unless ``--no-color``, ``NO_COLOR`` (https://no-color.org; bold and italic
  stay) or ``TERM=dumb`` (no escape codes at all).
- **The pager** only when stdout really is a terminal and the drawn text is taller than it.

Standard library only: the decision to write plain text must not cost an import of rich.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping, MutableMapping
from contextlib import suppress
from typing import TextIO


def is_terminal(stream: TextIO | None = None) -> bool:
    stream = sys.stdout if stream is None else stream
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or the stream is closed
        return False


def force_color(environ: Mapping[str, str] | None = None) -> bool:
    return bool((os.environ if environ is None else environ).get("FORCE_COLOR"))


def drawn(stream: TextIO | None = None) -> bool:
    """Draw tables and panels for a person (a terminal, or FORCE_COLOR); otherwise write plain text."""
    return is_terminal(stream) or force_color()


def colour(no_color_flag: bool, environ: Mapping[str, str] | None = None) -> bool:
    """Colour is allowed: no ``--no-color``, ``NO_COLOR`` unset or empty, and a terminal that is not dumb."""
    env = os.environ if environ is None else environ
    return not no_color_flag and not env.get("NO_COLOR") and env.get("TERM", "").lower() not in ("dumb", "unknown")


#: The most columns or lines a terminal is believed to have: a ``COLUMNS`` of 10^8 drew a panel that wide
#: (MemoryError), one of 10^20 an OverflowError.
MAX_SIZE = 10_000


def ignore_bogus_size(environ: MutableMapping[str, str] | None = None) -> None:
    """Drop ``COLUMNS`` and ``LINES`` when they are not a whole number from 1 to :data:`MAX_SIZE`, so rich and
    :func:`size` use the terminal's real size, as they already do for a value that is not a number."""
    env = os.environ if environ is None else environ
    for name in ("COLUMNS", "LINES"):
        value = env.get(name, "").strip()
        if name in env and not (value.isascii() and value.isdigit() and 0 < int(value) <= MAX_SIZE):
            del env[name]


def size() -> os.terminal_size:
    """Columns and lines of the terminal (``COLUMNS`` and ``LINES`` win), 80×24 when there is none."""
    return shutil.get_terminal_size((80, 24))


def too_tall(text: str, lines: int) -> bool:
    """``text`` would scroll off a terminal of ``lines`` lines (one line is kept for the shell prompt)."""
    return text.count("\n") >= lines


def page(text: str, command: str, *, encoding: str = "utf-8") -> bool:
    """Show ``text`` through the pager ``command`` (run by the shell, like git and gh do).

    Returns False without starting anything when the command is not found, so the caller can print the text
    itself. A pager quit before the end (``q`` in less) closes the pipe: that is the reader's choice, not an
    error. Ctrl-C goes to the pager, which owns the terminal until it exits, so it is ignored here meanwhile.
    """
    try:
        program = shlex.split(command)[0]
    except (ValueError, IndexError):
        return False
    if shutil.which(program) is None:
        return False
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")  # a bare `less` in $PAGER still shows colour and quits on short output
    env.setdefault("LV", "-c")
    proc = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=env)
    assert proc.stdin is not None
    try:
        proc.stdin.write(text.encode(encoding, errors="replace"))
    except (BrokenPipeError, KeyboardInterrupt):
        pass
    with suppress(BrokenPipeError, OSError):
        proc.stdin.close()
    while True:
        try:
            proc.wait()
            return True
        except KeyboardInterrupt:
            continue
