"""Showing records to a person: rich tables and panels on a terminal, plain text everywhere else.

Every untrusted string passes through :func:`visible` (plain) or :func:`safe_text` (rich) first:
markup inside data is shown literally, control characters and bidi overrides become visible
``<U+XXXX>`` escapes, and the Persian ZWNJ/ZWJ are kept. rich is imported only inside the functions
that draw with it, so commands writing to a pipe never pay for it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from . import durations, model
from .model import Account, FuzzyDate
from .text import UNSAFE as _UNSAFE
from .text import visible as visible  # defined beside the folding: messages (errors.quote) use it too

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.text import Text

_PLAIN_EXTRA = re.compile(r"[\\\t\n]")
_PLAIN_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n"}
_PLAIN_ANY = re.compile(f"{_UNSAFE.pattern}|{_PLAIN_EXTRA.pattern}")  # anything plain_cell changes

SHORT_ID = 8
ID_STYLE = "yellow"  # ids stand out as git's hashes do
GROUP_STYLE = "bold cyan"
#: Kinds of field whose values are short (ids, dates as written, codes): their list columns are never
#: wrapped; the other columns share the rest of the width.
_SHORT_KINDS = ("id", "date", "enum")


def plain_cell(text: str) -> str:
    """One tab-separated cell: visible, with backslash, TAB and newline escaped so a record stays one line."""
    if _PLAIN_ANY.search(text) is None:  # the usual cell: nothing to escape (one scan instead of two subs)
        return text
    return _PLAIN_EXTRA.sub(lambda m: _PLAIN_ESCAPES[m.group()], visible(text))


def safe_text(text: str, style: str = "") -> Text:
    """A rich ``Text`` that shows ``text`` literally: no markup, no escape sequences, no bidi tricks."""
    from rich.text import Text

    return Text(visible(text), style=style)


def highlighted(text: str, spans: Iterable[Sequence[int]], style: str = "bold reverse") -> Text:
    """``text`` made safe like :func:`safe_text`, with the ``[start, end)`` spans in ``style``."""
    from rich.text import Text

    out = Text()
    pos = 0
    for start, end in spans:
        out.append(visible(text[pos:start]))
        out.append(visible(text[start:end]), style=style)
        pos = end
    out.append(visible(text[pos:]))
    return out


def bar(value: float, maximum: float, width: int = 24) -> str:
    """An inline bar of ``width`` cells for ``value`` out of ``maximum`` (eighth-cell resolution)."""
    if maximum <= 0 or value <= 0:
        return ""
    eighths = max(1, round(width * 8 * value / maximum))
    return "█" * (eighths // 8) + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[eighths % 8]


# ------------------------------------------------------------------------------------------ values


def date_text(fd: FuzzyDate | None) -> str:
    """A date as written, with its reading when the two differ: ``1886 → 1986 (corrected)``."""
    if fd is None:
        return ""
    if fd.corrected:
        text = f"{fd.raw} → {fd.corrected} (corrected)"
    elif fd.derived:
        text = fd.derivation()
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
    if f.coded:
        return coded_text(f, value)
    return str(value)


def list_cells(account: Account, short: bool) -> list[str]:
    cells = []
    for name in model.LIST_COLUMNS:
        value = account.values.get(name)
        if name == "id" and short:
            cells.append(str(value)[:SHORT_ID])
        elif name == "name":
            cells.append(account.display_name)
        elif model.FIELD_BY_NAME[name].kind == "date":  # as written, like the plain list (a derived one: from what)
            cells.append("" if value is None else value.derivation() if value.derived else value.raw)
        else:
            cells.append(value_text(model.FIELD_BY_NAME[name], value))
    return cells


# ------------------------------------------------------------------------------------- plain output


def write_plain_rows(rows: Iterable[Sequence[Any]], out: TextIO) -> int:
    """``list`` off a terminal: one tab-separated line per record (the ``model.LIST_COLUMNS`` values of
    ``Store.list_rows``), full ids, no header, nothing truncated; an empty name is "(unnamed)"."""
    count = 0
    write = out.write
    name = model.LIST_COLUMNS.index("name")
    for row in rows:
        cells = ["" if v is None else str(v) for v in row]
        if row[name] is None:
            cells[name] = model.UNNAMED
        write("\t".join([plain_cell(c) for c in cells]) + "\n")
        count += 1
    return count


def show_lines(account: Account) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """The groups of ``show``: (group title, [(field, text)]) with empty fields left out."""
    groups: dict[str, list[tuple[str, str]]] = {}
    linked = bool(account.values.get("sources"))
    for f in model.FIELDS:
        if linked and f.name in model.FLAT_SOURCE:
            continue  # the primary source is shown among the sources
        text = account.display_name if f.name == "name" else value_text(f, account.values.get(f.name))
        if text and f.name in model.CODED_FIELDS:
            text = _codes_text(account, f.name) or text
        if text and f.name == "allegations":
            text = f"alleged: {text}"
        if f.name == "years_in_org_qualifier":
            continue  # shown with the number: >7, ~10 (<10)
        if text and f.name == "years_in_org":
            text = durations.shown(text, account.values.get("years_in_org_qualifier"))
        if text:
            groups.setdefault(f.group, []).append((f.name, text))
    for group in ("record", "person", "membership", "exit", "coding", "source"):
        if group in groups:
            yield group, groups[group]
    parts = (
        ("sources", _source_line),
        ("events", _event_line),
        ("quotes", _quote_line),
        ("places", _place_line),
        ("people", _person_line),
    )
    for part, describe in parts:
        items = account.values.get(part) or []
        if items:
            key = "link" if part == "sources" else "id"  # a source's id is the source's: its link has one too
            rows = [(str(i.get(key) or n), describe(i)) for n, i in enumerate(items, 1)]
            yield ("timeline" if part == "events" else part), rows  # a part by its id, as `edit PART-ID` takes it
    stamps = [
        (k, v)
        for k, v in (("created", account.created_at), ("updated", account.updated_at), ("deleted", account.deleted_at))
        if v
    ]
    if stamps:
        yield "history", stamps


def _codes_text(account: Account, name: str) -> str:
    """A coded field's codes each with its id, as `reason|allegation|… edit PART-ID` takes it: ``no_future
    (ef8d178c); isolation_from_family (1a2b3c4d)``; empty when the codes have no ids (a record not stored)."""
    ids = {c.get("code"): c.get("id") for c in account.values.get("codes") or () if c.get("field") == name}
    codes = account.values.get(name) or []
    if not all(ids.get(code) for code in codes):
        return ""
    return f"{model.MULTI_SEPARATOR} ".join(f"{code} ({ids[code]})" for code in codes)


def _source_line(item: dict[str, Any]) -> str:
    grades = "".join(g for g in (item.get("reliability"), item.get("credibility")) if g)
    bits = [
        item.get("title") or "(untitled)",
        ", ".join(b for b in (item.get("publisher"), item.get("publisher_type"), item.get("stance")) if b),
        date_text(item.get("date")),
        f"{item.get('role')}" + (f", graded {grades}" if grades else ", not graded"),
        item.get("locator") or "",
        f"source {item.get('id')}",
    ]
    return " · ".join(b for b in bits if b)


def _event_line(item: dict[str, Any]) -> str:
    when = date_text(item.get("date")) or "undated"
    what = " — ".join(b for b in (item.get("place"), item.get("description")) if b)
    return f"{when} · {item.get('type')}" + (f" · {what}" if what else "")


def _quote_line(item: dict[str, Any]) -> str:
    who = ", ".join(b for b in (item.get("speaker"), item.get("locator"), item.get("language")) if b)
    text = f"“{item.get('text')}”" + (f" — {who}" if who else "")
    return text + (f" [translation: {item['translation']}]" if item.get("translation") else "")


def coded_text(f: model.Field, value: Any) -> str:
    """A coded value as written, with its code (and a country's name) when it differs: ``Iranian (IR, Iran)``."""
    code = f.code(value)
    if not code:
        return str(value or "")
    from casefile.codes import country_name

    named = ", ".join(b for b in (code, country_name(code) if f.coded == "country" else None) if b)
    return str(value) if named == value else f"{value} ({named})"


def _place_line(item: dict[str, Any]) -> str:
    country = coded_text(model.FIELD_BY_NAME_OF["places"]["country"], item.get("country"))
    span = (
        " – ".join(date_text(item.get(d)) or "?" for d in ("since", "until"))
        if item.get("since") or item.get("until")
        else ""
    )
    bits = [
        str(item.get("role")),
        item.get("name") or "",
        country,
        span,
        item.get("note") or "",
        f"id {item.get('id')}",
    ]
    return " · ".join(b for b in bits if b)


def _person_line(item: dict[str, Any]) -> str:
    own = f"account {item['account']}" if item.get("account") else ""
    bits = [str(item.get("relation")), item.get("name") or "", own, item.get("note") or "", f"id {item.get('id')}"]
    return " · ".join(b for b in bits if b)


def write_plain_show(account: Account, out: TextIO) -> None:
    for group, rows in show_lines(account):
        out.write(f"[{group}]\n")
        for name, text in rows:
            out.write(f"{name}: {plain_cell(text)}\n")
        out.write("\n")


# -------------------------------------------------------------------------------------- rich output


def console(
    stream: TextIO | None = None,
    *,
    no_color: bool = False,
    width: int | None = None,
    force_terminal: bool | None = None,
) -> Console:
    """A console that honours NO_COLOR, TERM=dumb, FORCE_COLOR (rich reads them) and ``--no-color``."""
    from rich.console import Console

    return Console(
        file=stream or sys.stdout,
        no_color=no_color or None,
        width=width,
        force_terminal=force_terminal,
        highlight=False,
        emoji=False,
    )


def to_text(renderable: RenderableType, *, width: int, no_color: bool) -> str:
    """``renderable`` drawn for a terminal ``width`` columns wide, as text with escape codes (for the pager).

    ``no_color`` keeps bold and italic (as NO_COLOR intends); ``TERM=dumb`` leaves out every escape code.
    """
    import io

    buffer = io.StringIO()
    console(buffer, no_color=no_color, width=width, force_terminal=True).print(renderable)
    return buffer.getvalue()


def account_table(accounts: Iterable[Account]) -> tuple[RenderableType, int]:
    from rich.table import Table

    table = Table(header_style="bold")
    for name in model.LIST_COLUMNS:
        short = model.FIELD_BY_NAME[name].kind in _SHORT_KINDS
        style = ID_STYLE if name == "id" else None
        table.add_column(name.replace("_", " "), no_wrap=short, ratio=None if short else 1, style=style)
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
    from rich.text import Text

    parts = []
    for group, rows in show_lines(account):
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        for name, text in rows:
            grid.add_row(safe_text(name.replace("_", " ")), safe_text(text))
        parts.append(Panel(grid, title=safe_text(group, GROUP_STYLE), title_align="left", border_style="dim"))
    title = Text.assemble(safe_text(account.display_name, "bold"), " · ", safe_text(account.id or "", ID_STYLE))
    return Panel(Group(*parts), title=title, title_align="left")
