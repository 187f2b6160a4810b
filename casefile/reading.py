"""Input files → validated :class:`Item` s: what ``import`` reads, before anything is written.

Reading (the CSV, JSON or JSONL parse) and validation (field checks, dates) touch no database, so they can run in
this process or in the import's one worker process (:mod:`casefile.import_worker`, issue 23) while this one
writes. Both paths run the same functions here and hand :func:`casefile.pipeline.run` the same items in the same
order. This module stays light (no store, no SQLite): it is what the worker process imports.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .errors import InvalidRecord, Problem
from .validation import Validated, Validator


@dataclass
class Item:
    """One input record on its way in: where it came from and what validation made of it."""

    source: str
    line: int | None
    raw: Any = None
    validated: Validated | None = None
    problems: list[Problem] = field(default_factory=list)


def validate_items(
    rows: Iterable[tuple[str, int | None, Any, dict[str, Any] | None, Problem | None]], validator: Validator
) -> Iterator[Item]:
    """(source, line, raw, data, row-level problem) → :class:`Item` with validation done."""
    for source, line, raw, data, problem in rows:
        item = Item(source, line, raw)
        if problem is not None:
            item.problems.append(problem)
        elif data is not None:
            try:
                item.validated = validator.validate(data, line)
            except InvalidRecord as exc:
                item.problems.extend(exc.problems)
        yield item


def file_items(
    path: str, fmt: str, *, encoding: str, validator: Validator, stream: Any = None, header: list[str] | None = None
) -> Iterator[Item]:
    """Read one input file and validate each record. A CSV header is checked once (unknown columns are one
    error for the file, not one per row) and copied into ``header`` for a rejects file."""
    from . import importers
    from .errors import InputError
    from .validation import header_problem

    def check(names: list[str] | None) -> None:
        if names is None:  # JSON and JSONL have no header
            return
        problem = header_problem(names, validator.options.ignore_unknown)
        if problem is not None:  # the header is not kept: a refused one never reaches a rejects file (nor,
            raise InputError(problem, file=path, line=1)  # a million names, the import's worker's messages)
        if header is not None:
            header.extend(names)

    def rows() -> Iterator[tuple[str, int | None, Any, dict[str, Any] | None, Problem | None]]:
        reader = importers.read_rows(path, fmt, encoding=encoding, stream=stream)
        checked = False
        with reader:
            for row in reader:
                if not checked:
                    checked = True
                    check(reader.header)
                yield path, row.line, row.raw, row.data, row.error
            if not checked:  # a header-only file is checked too
                check(reader.header)

    return validate_items(rows(), validator)
