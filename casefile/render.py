"""Showing records to a person: rich tables and panels on a terminal, plain text everywhere else.

Every untrusted string passes through :func:`visible` (plain) or :func:`safe_text` (rich) first:
markup inside data is shown literally, control characters and bidi overrides become visible
``<U+XXXX>`` escapes, and the Persian ZWNJ/ZWJ are kept. rich is imported only inside the functions
that draw with it, so commands writing to a pipe never pay for it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, TextIO

from . import model
from .model import Account, FuzzyDate

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.text import Text

# C0 controls except TAB and LF, DEL, C1 controls, bidi embeddings/overrides/isolates and marks, the Arabic
# letter mark, and the line/paragraph separators. ZWNJ (U+200C) and ZWJ (U+200D) are deliberately absent.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_PLAIN_EXTRA = re.compile(r"[\\\t\n]")
_PLAIN_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n"}
_PLAIN_ANY = re.compile(f"{_UNSAFE.pattern}|{_PLAIN_EXTRA.pattern}")  # anything plain_cell changes

SHORT_ID = 8


def _escape(match: re.Match[str]) -> str:
    return f"<U+{ord(match.group()):04X}>"


def visible(text: str) -> str:
    """``text`` with every control or bidi character replaced by a visible ``<U+XXXX>``."""
    return _UNSAFE.sub(_escape, text)


def plain_cell(text: str) -> str:
    """One tab-separated cell: visible, with backslash, TAB and newline escaped so a record stays one line."""
    if _PLAIN_ANY.search(text) is None:  # the usual cell: nothing to escape (one scan instead of two subs)
        return text
    return _PLAIN_EXTRA.sub(lambda m: _PLAIN_ESCAPES[m.group()], visible(text))


def safe_text(text: str, style: str = "") -> Text:
    """A rich ``Text`` that shows ``text`` literally: no markup, no escape sequences, no bidi tricks."""
    from rich.text import Text

    return Text(visible(text), style=style)


# ------------------------------------------------------------------------------------------ values


def date_text(fd: FuzzyDate | None) -> str:
    """A date as written, with its reading when the two differ: ``1886 → 1986 (corrected)``."""
    if fd is None:
        return ""
    if fd.corrected:
        text = f"{fd.raw} → {fd.corrected} (corrected)"
    elif fd.precision == "unknown" and fd.edtf is None:
        text = f"{fd.raw} (unread)"
    else:
        shown = fd.edtf or ""
        text = fd.raw if shown in ("", fd.raw) else f"{fd.raw} ({shown})"
    return f"{text} — {fd.note}" if fd.note else text


def value_text(f: model.Field, value: Any) -> str:
    if value is None:
        return ""
    if f.kind == "date":
        return date_text(value)
    if f.multi:
        return f"{model.MULTI_SEPARATOR} ".join(value)
    if f.kind in ("number", "year"):
        return model.format_number(value)
    return str(value)


def list_cells(account: Account, short: bool) -> list[str]:
    cells = []
    for name in model.LIST_COLUMNS:
        value = account.values.get(name)
        if name == "id" and short:
            cells.append(str(value)[:SHORT_ID])
        elif name == "name":
            cells.append(account.display_name)
        elif name == "left":
            cells.append(value.raw if value is not None else "")
        else:
            cells.append(value_text(model.FIELD_BY_NAME[name], value))
    return cells


# ------------------------------------------------------------------------------------- plain output


def write_plain_rows(accounts: Iterable[Account], out: TextIO) -> int:
    """``list`` off a terminal: one tab-separated line per record, full ids, no header, nothing truncated."""
    count = 0
    write = out.write
    for account in accounts:
        write("\t".join(plain_cell(c) for c in list_cells(account, short=False)) + "\n")
        count += 1
    return count


def show_lines(account: Account) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """The groups of ``show``: (group title, [(field, text)]) with empty fields left out."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for f in model.FIELDS:
        text = account.display_name if f.name == "name" else value_text(f, account.values.get(f.name))
        if text:
            groups.setdefault(f.group, []).append((f.name, text))
    for group in ("record", "person", "membership", "exit", "coding", "source"):
        if group in groups:
            yield group, groups[group]
    stamps = [
        (k, v)
        for k, v in (("created", account.created_at), ("updated", account.updated_at), ("deleted", account.deleted_at))
        if v
    ]
    if stamps:
        yield "history", stamps


def write_plain_show(account: Account, out: TextIO) -> None:
    for group, rows in show_lines(account):
        out.write(f"[{group}]\n")
        for name, text in rows:
            out.write(f"{name}: {plain_cell(text)}\n")
        out.write("\n")


# -------------------------------------------------------------------------------------- rich output


def console(stream: TextIO | None = None, *, no_color: bool = False) -> Console:
    """A console that honours NO_COLOR, TERM=dumb, FORCE_COLOR (rich reads them) and ``--no-color``."""
    from rich.console import Console

    return Console(file=stream or sys.stdout, no_color=no_color or None, highlight=False, emoji=False)


def account_table(accounts: Iterable[Account]) -> tuple[RenderableType, int]:
    from rich.table import Table

    table = Table(header_style="bold")
    for name in model.LIST_COLUMNS:
        short = name in ("id", "left", "exit_type")  # short values: never wrapped; the others share the rest
        table.add_column(name.replace("_", " "), no_wrap=short, ratio=None if short else 1)
    count = 0
    for account in accounts:
        cells = list_cells(account, short=True)
        row = [safe_text(c) for c in cells]
        if account.values.get("name") is None:
            row[model.LIST_COLUMNS.index("name")] = safe_text(model.UNNAMED, style="dim italic")
        table.add_row(*row)
        count += 1
    return table, count


def account_panel(account: Account) -> RenderableType:
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table

    parts = []
    for group, rows in show_lines(account):
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        for name, text in rows:
            grid.add_row(safe_text(name.replace("_", " ")), safe_text(text))
        parts.append(Panel(grid, title=safe_text(group), title_align="left", border_style="dim"))
    title = safe_text(f"{account.display_name} · {account.id}")
    return Panel(Group(*parts), title=title, title_align="left")
