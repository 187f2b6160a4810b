"""CSV input: strict RFC 4180 through the stdlib ``csv`` module, streamed one record at a time.

Decisions:

* ``strict=True``: ``"a"b`` and an unterminated quoted field are fatal instead of silently merged or
  swallowed (the lenient default turns them into different data).
* No type guessing: every cell stays the exact string given (``08123``, ``+44 20…``, ``1e5``, ``NaN``).
* A row with more or fewer cells than the header is a row-level problem (never silently padded or cut);
  a completely empty line is skipped; a header-only file yields nothing.
* The header must be usable as field names: no empty and no duplicate names (a duplicate would make one
  column silently overwrite the other). A file without a header has a record in its first line, so a
  message quotes a repeated name only when it is a casefile column.
* NUL characters are fatal: the ``csv`` module of Python 3.11 accepts them, but they mean a binary file
  or UTF-16 read as UTF-8, and would be stored as garbage.
* Cells are limited to :data:`MAX_CELL_CHARS` characters, so a stray quote cannot make one cell swallow
  the rest of a huge file in memory before the error is found.
* casefile's own spreadsheet-safe CSV (its header's first name is marked: ``'id``) gets back exactly the
  values it was written from: the one ``'`` put in front of a cell is taken off (:mod:`casefile.safecsv`).
  Nothing is taken off a file without the mark. The rejects file is written the same way.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO

from casefile import safecsv
from casefile.errors import InputError, Problem
from casefile.model import JSON_KEYS

from ._common import RawRow, TextInput, describe_problems

#: The longest cell accepted (characters); the csv module's own default (131,072) is too small for testimony.
MAX_CELL_CHARS = 16 * 1024 * 1024

#: Columns put in front of the original ones in a CSV rejects file.
REJECT_COLUMNS = ("rejected_line", "rejected_reasons")


def read(source: TextInput, on_header: Callable[[list[str]], None]) -> Iterator[RawRow]:
    """Yield the records of a CSV input; ``on_header`` receives the header once it has been checked."""
    csv.field_size_limit(MAX_CELL_CHARS)  # process-wide, but only the importers read CSV
    reader = csv.reader(_lines(source), strict=True)
    header: list[str] | None = None
    width = 0
    marked = False  # casefile's spreadsheet-safe CSV: the marks come off
    last_line = 0  # the last physical line of the previous record
    try:
        for cells in reader:
            start, last_line = last_line + 1, reader.line_num
            if not cells:
                continue
            if header is None:
                marked = safecsv.is_marked(cells)
                if marked:
                    cells = [cells[0][1:], *cells[1:]]
                header, width = _checked_header(cells, source, start), len(cells)
                on_header(header)
                continue
            if marked:
                cells = safecsv.restore(cells)
            if len(cells) != width:
                problem = Problem(start, None, f"row has {len(cells)} cells, header has {width}")
                yield RawRow(start, None, problem, cells)
            else:
                yield RawRow(start, dict(zip(header, cells, strict=True)), None, cells)
    except csv.Error as err:
        raise _strict_error(str(err), source, last_line + 1, reader.line_num) from None
    except UnicodeDecodeError as err:
        raise source.decoding_error(err) from None
    if header is None:
        raise source.error("file is empty (a CSV file needs a header line)", 1)


def _lines(source: TextInput) -> Iterator[str]:
    """The physical lines of the input, refusing NUL characters."""
    for number, line in enumerate(source.text, 1):
        if "\0" in line:
            raise source.error(
                "contains a NUL character: a binary file, or UTF-16 (then pass --encoding utf-16)?", number
            )
        yield line


#: How many column numbers, and how many repeated names, a header error lists (a header can have a million).
LISTED = 3
LISTED_GROUPS = 2


def _checked_header(cells: list[str], source: TextInput, line: int) -> list[str]:
    empty = [i for i, name in enumerate(cells, 1) if not name.strip()]
    if empty:
        raise source.error(f"the header has an empty column name (column {_places(empty)}); name every column", line)
    if len(set(cells)) == len(cells):
        return cells
    places: dict[str, list[int]] = {}
    for i, name in enumerate(cells, 1):
        places.setdefault(name, []).append(i)
    repeated = [(name, where) for name, where in places.items() if len(where) > 1]
    if repeated:
        groups = "; ".join(_same_name(name, where) for name, where in repeated[:LISTED_GROUPS])
        if len(repeated) > LISTED_GROUPS:
            groups += f"; {len(repeated) - LISTED_GROUPS} more names repeated"
        raise source.error(f"the header names a column more than once ({groups}); rename or remove the copies", line)
    return cells


def _places(numbers: list[int]) -> str:
    """``2``, ``1 and 3``, ``1, 3, 5 and 97 more``: column numbers for a message, the first few of them."""
    if len(numbers) > LISTED + 1:
        return f"{', '.join(map(str, numbers[:LISTED]))} and {len(numbers) - LISTED} more"
    listed = [str(n) for n in numbers]
    return listed[0] if len(listed) == 1 else f"{', '.join(listed[:-1])} and {listed[-1]}"


def _same_name(name: str, places: list[int]) -> str:
    """Where a repeated name stands; the name itself only when it is a casefile column: a file without a header
    has data in its first line, and data is never echoed."""
    columns = f"columns {_places(places)}"
    both = "both" if len(places) == 2 else "all"
    return f"{columns} are {both} {name!r}" if name in JSON_KEYS else f"{columns} have the same name"


def _strict_error(message: str, source: TextInput, record_line: int, current_line: int) -> InputError:
    """Our wording for a ``csv.Error`` (its own text is not passed on, so no cell content can leak)."""
    if message.startswith("unexpected end of data"):
        return source.error(
            f"unterminated quoted field starting on line {record_line}: a '\"' is opened and never closed", record_line
        )
    if message.startswith("field larger than field limit"):
        return source.error(
            f"a cell is longer than {MAX_CELL_CHARS:,} characters (is a quote never closed?)", record_line
        )
    if "expected after" in message:
        return source.error(
            'a quoted field must end at a comma or the end of the line; write a quote inside a quoted field as ""',
            current_line,
        )
    return source.error("not valid CSV (RFC 4180)", current_line)


def write_rejects(rejects: Iterable[tuple[RawRow, list[Problem]]], out: TextIO, header: list[str] | None) -> None:
    """The rejected rows as CSV: ``rejected_line``, ``rejected_reasons``, then the original cells.

    The two columns come first so that rows with the wrong number of cells still line up.
    """
    writer = csv.writer(out)
    writer.writerow(safecsv.marked_header([*REJECT_COLUMNS, *(header or [])]))
    for row, problems in rejects:
        writer.writerow(safecsv.neutralise([str(row.line), "; ".join(describe_problems(problems)), *row.raw]))
