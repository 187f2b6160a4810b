"""Errors casefile raises on purpose, each with the exit code the CLI maps it to.

Messages are one line, say what and where (file, line, field) and what to do — and never contain the
text of a record, which may be sensitive testimony. What a user typed (an id, a name, a code, a file's
column names) is quoted through :func:`quote` or :func:`column_names`: cut short, control and bidi
characters made visible, so a value typed in the wrong place cannot fill the screen with testimony.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

EXIT_OK = 0
EXIT_DATA = 1
EXIT_USAGE = 2
EXIT_BUSY = 3
EXIT_REJECTED = 4
EXIT_INTERRUPTED = 130


class CasefileError(Exception):
    """Base class: ``str(error)`` is the one-line message shown to the user."""

    exit_code = EXIT_DATA


class UsageError(CasefileError):
    """A bad option, an unknown field name, an ambiguous id prefix."""

    exit_code = EXIT_USAGE


class NotFound(CasefileError):
    """No record, organisation or file by that name."""

    exit_code = EXIT_DATA


class DatabaseBusy(CasefileError):
    exit_code = EXIT_BUSY


class DiskFull(CasefileError):
    exit_code = EXIT_DATA


class InputError(CasefileError):
    """A problem with an input file as a whole or one of its lines.

    ``where`` renders as ``file:line: field: reason``; parts that are unknown are left out.
    """

    def __init__(self, reason: str, *, file: str | None = None, line: int | None = None, field: str | None = None):
        self.reason = reason
        self.file = file
        self.line = line
        self.field = field
        super().__init__(self.where())

    def where(self) -> str:
        loc = ""
        if self.file is not None:
            loc = self.file
            if self.line is not None:
                loc += f":{self.line}"
        elif self.line is not None:
            loc = f"line {self.line}"
        field = "" if not self.field else self.field if self.field.startswith("--") else f"field {quote(self.field)}"
        parts = [p for p in (loc, field, self.reason) if p]  # an option the user typed is named as typed
        return ": ".join(parts)


class Problem(tuple):  # type: ignore[type-arg]
    """One problem with one record: (line, field, reason)."""

    __slots__ = ()

    def __new__(cls, line: int | None, field: str | None, reason: str) -> Problem:
        return tuple.__new__(cls, (line, field, reason))

    def __getnewargs__(self) -> tuple[int | None, str | None, str]:  # pickled: the import's worker sends problems
        return self[0], self[1], self[2]

    @property
    def line(self) -> int | None:
        return self[0]  # type: ignore[no-any-return]

    @property
    def field(self) -> str | None:
        return self[1]  # type: ignore[no-any-return]

    @property
    def reason(self) -> str:
        return self[2]  # type: ignore[no-any-return]


class OutputError(CasefileError):
    """A file casefile was asked to write (an export, a rejects file) cannot be written; nothing was."""


class InvalidRecord(CasefileError):
    """A record failed validation; ``problems`` lists every problem found, not just the first."""

    def __init__(self, problems: list[Problem], *, file: str | None = None):
        self.problems = problems
        self.file = file
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(InputError(first.reason, file=file, line=first.line, field=first.field).where() + more)


class DatabaseError(CasefileError):
    """The database cannot be opened or used (missing, newer schema, corrupt, not a database)."""

    exit_code = EXIT_DATA


class KeyNeeded(UsageError):
    """The database is encrypted and no key was given."""


class MergedAway(UsageError):
    """A command that changes records was given the id of an account ``casefile merge`` merged into another:
    it never acts on the survivor instead (exit 2). ``account_id`` is the id named, ``survivor`` the account
    it now belongs to (None when that was purged since)."""

    def __init__(self, message: str, account_id: str, survivor: str | None):
        super().__init__(message)
        self.account_id = account_id
        self.survivor = survivor


#: How many characters of a user's text a message quotes: enough to spot a typo, too few for testimony.
QUOTE_CHARS = 40

#: How many names a message lists before it only counts the rest.
LISTED_NAMES = 5


def quote(value: object, limit: int = QUOTE_CHARS) -> str:
    """``value`` quoted for a message: at most ``limit`` characters (then ``…`` and the full length), with
    control and bidi characters shown as ``<U+XXXX>``. The one way a message quotes what a user typed."""
    from .text import visible  # here, not at the top: errors is imported by every command at start-up

    text = str(value)
    shown = visible(text[:limit])[:limit]
    if len(text) > limit:
        return f"'{shown}…' ({len(text)} characters)"
    return f"'{shown}'"


_COLUMN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,31}")


def looks_like_a_name(text: str) -> bool:
    """A field or column name (``nmae``, ``source-url``), not a sentence that could be a record's text."""
    return _COLUMN_NAME.fullmatch(text) is not None


def typed_name(text: str) -> str:
    """A field, column, rule or vocabulary name the user typed, for a message: quoted when it looks like a
    name, else not shown at all - a sentence typed where a name belongs (``--set "he was held=…"``) may be
    testimony."""
    return quote(text) if looks_like_a_name(text) else "(not shown: it does not look like a name)"


def column_names(names: Iterable[str], describe: Callable[[str], str] = quote) -> str:
    """Column names for a message. The first :data:`LISTED_NAMES` that look like one (``nmae``,
    ``source-url``) are listed (each through ``describe``), the others counted: one that does not look like a
    name may be a cell of a record whose header line is missing - testimony - and a header can have a
    million columns."""
    names = list(names)
    plausible = [n for n in names if looks_like_a_name(n)]
    shown = [describe(n) for n in plausible[:LISTED_NAMES]]
    if len(plausible) > LISTED_NAMES:
        shown.append(f"{len(plausible) - LISTED_NAMES} more")
    hidden = len(names) - len(plausible)
    if hidden:
        shown.append(f"{hidden} more not shown (they do not look like column names)")
    return ", ".join(shown)
