"""Markdown output: a readable dossier, one ``##`` section per account.

Layout: a title line; per account a ``## name`` heading (``(unnamed)`` when there is none), the id (and
external id) as bullets, then one ``###`` subsection per field group (person, membership, exit, coding,
source) listing the non-empty fields as ``- **field:** value`` bullets, the summary as a paragraph, and
``### Sources``, ``### Events``, ``### Quotes``, ``### Places`` and ``### People`` with one bullet per entry
and its non-empty parts as bullets under it. Every field of the registry appears when it has a value
(tests/test_markdown_dossier.py walks the registry). A date shows its raw text, the researcher's correction
and note, and its reading (EDTF, precision, earliest and latest day); allegations are marked as alleged.

The text is data, possibly hostile, and must not become markup. So, in every value:

* characters with a meaning in Markdown or HTML (``\\ ` * _ [ ] < > # | ~ &``) are backslash-escaped, so
  data cannot make links, images, HTML, entities, code or emphasis;
* at the start of each line, ``-``, ``+``, ``=`` and ``1.``/``1)`` are escaped too (lists, setext
  headings), and leading spaces/tabs become no-break spaces (no indented code blocks);
* line breaks become Markdown hard breaks inside the same bullet or paragraph (headings get spaces), so a
  value can never end its bullet or start a new block;
* control characters and bidi overrides are shown as ``⟨U+001B⟩``, so a dossier printed in a terminal
  cannot send escape sequences or reorder text (ZWNJ/ZWJ, which Persian needs, are kept).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TextIO

from casefile.model import CSV_COLUMNS, FIELDS, NESTED, SINGULAR, Account, FuzzyDate, to_csv_row

TITLE = "# Case file: accounts\n"
GROUPS = ("person", "membership", "exit", "coding", "source")
_RECORD_FIELDS = tuple(f.name for f in FIELDS if f.group == "record")
_GROUP_FIELDS = {group: tuple(f for f in FIELDS if f.group == group and f.name != "summary") for group in GROUPS}

_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&])")
_BLOCK_MARK = re.compile(r"^([-+=])")
_ORDERED_MARK = re.compile(r"^([0-9]+)([.)])")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def write(accounts: Iterable[Account], out: TextIO) -> int:
    """Write the dossier; returns the number of accounts written."""
    out.write(TITLE)
    count = 0
    for account in accounts:
        out.write(_section(account))
        count += 1
    if not count:
        out.write("\nNo accounts.\n")
    return count


def _section(account: Account) -> str:
    cells = dict(zip(CSV_COLUMNS, to_csv_row(account), strict=True))
    lines = ["", "## " + _heading(account.display_name), ""]
    lines += [_bullet(name, cells[name]) for name in _RECORD_FIELDS if cells[name]]
    for group in GROUPS:
        bullets = [
            _bullet(f.name, _date_text(account, f.name) if f.kind == "date" else cells[f.name])
            for f in _GROUP_FIELDS[group]
            if cells[f.name]
        ]
        if bullets:
            lines += ["", "### " + group.capitalize(), "", *bullets]
    if cells["summary"]:
        lines += ["", "### Summary", "", _block(cells["summary"], "")]
    for part, fields in NESTED.items():
        entries = account.values.get(part) or []
        if entries:
            lines += ["", "### " + part.capitalize(), ""]
        for n, entry in enumerate(entries, 1):
            lines.append(f"- **{SINGULAR[part]} {n}**")
            for f in fields:
                value = entry.get(f.name)
                if value is not None and value != "":
                    text = _fuzzy(value) if isinstance(value, FuzzyDate) else str(value)
                    lines.append("  " + _bullet(f.name, text, "    "))
    return "\n".join(lines) + "\n"


def _date_text(account: Account, name: str) -> str:
    return _fuzzy(account[name])


def _fuzzy(date: FuzzyDate) -> str:
    """A date with every part: as written, the correction and note, and the reading casefile made of it."""
    text = str(date.raw)
    if date.corrected:
        text += f" (corrected: {date.corrected}" + (f"; {date.note})" if date.note else ")")
    elif date.note:
        text += f" (note: {date.note})"
    if date.derived:
        return text + f" — derived, not stated: {date.derivation()}"
    if date.edtf is None:
        return text + " — not read (precision unknown)"
    span = f", {date.min} to {date.max}" if date.min else ""
    return text + f" — read as {date.edtf} ({date.precision}{span})"


def _bullet(name: str, value: str, indent: str = "  ") -> str:
    if name == "allegations":  # codes a source alleges, never established facts
        value = "; ".join(f"alleged {code}" for code in value.split("; "))
    return f"- **{_escape_line(name)}:** " + _block(value, indent)


def _heading(text: str) -> str:
    return _escape_line(" ".join(_LINE_BREAK.split(text)))


def _block(text: str, indent: str) -> str:
    """``text`` as inline Markdown; its line breaks become hard breaks (``\\`` at the end of a line)."""
    return ("\\\n" + indent).join(_escape_line(line) for line in _LINE_BREAK.split(text))


def _escape_line(line: str) -> str:
    line = _INVISIBLE.sub(lambda m: f"⟨U+{ord(m.group()):04X}⟩", line)
    line = _SPECIAL.sub(r"\\\1", line)
    stripped = line.lstrip(" \t")
    indent = "\u00a0" * (len(line) - len(stripped))
    return indent + _ORDERED_MARK.sub(r"\1\\\2", _BLOCK_MARK.sub(r"\\\1", stripped))
