"""Spreadsheet-safe CSV cells, and their exact inverse.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some, TAB, CR, LF or NUL)
as a formula (OWASP "CSV injection"). casefile's CSV - exports, ``list``/``show``/``search``/``stats`` …
``--format csv``, ``export --table``, the rejects file - puts a ``'`` in front of such a cell, which every
spreadsheet reads as "this is text". To keep that reversible it also puts one in front of a cell that
itself starts with ``'``; so a cell starts with ``'`` exactly when casefile marked it, and taking one
``'`` off gives the value back, whatever it was (``'=x`` is written ``''=x``).

The header's first name carries a ``'`` too (``'id``): it says "the cells of this file are marked", and
:func:`is_marked` recognises it. The importer takes the marks off a marked file only; a CSV casefile did
not write (or wrote with ``--raw-csv``) is read exactly as it is. A spreadsheet that consumes the marks
when it opens the file (Excel) consumes the header's as well, so the file it saves holds plain values and
is read as written; one that keeps them as text keeps the header's too, and they are taken off on import.

Standard library only: the exporters and the CSV importer both use it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

MARK = "'"
FORMULA_STARTS = frozenset("=+-@\t\r\n\0")
#: The first characters of a value that get a mark: a formula's, and the mark itself.
MARKED_STARTS = FORMULA_STARTS | {MARK}

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,63}")


def neutralise(cells: Sequence[str]) -> list[str]:
    """Each cell a spreadsheet would run as a formula, or that starts with ``'``, with a ``'`` in front."""
    return [(MARK + cell) if cell and cell[0] in MARKED_STARTS else cell for cell in cells]


def marked_header(names: Sequence[str]) -> list[str]:
    """The header of a neutralised file: its first name marked (``'id``)."""
    return [MARK + names[0], *names[1:]] if names else []


def is_marked(header: Sequence[str]) -> bool:
    """``header`` is that of a file casefile neutralised: its first name is ``'`` and a column name."""
    return bool(header) and header[0][:1] == MARK and _NAME.fullmatch(header[0][1:]) is not None


def restore(cells: Sequence[str]) -> list[str]:
    """The values of neutralised cells: the one ``'`` casefile put in front of a cell taken off again."""
    return [cell[1:] if cell[:1] == MARK and cell[1:2] in MARKED_STARTS else cell for cell in cells]
