"""Writing records: validated input → merged with what is stored → one transaction.

``import`` and ``add`` both come through here, so they share one set of rules:

* a record whose ``id`` or ``external_id`` matches a stored one updates it (``on_conflict`` can make
  that a skip or an error); the columns the input did not give keep their stored values;
* a date whose raw text is unchanged keeps its stored reading (a correction, a ``--dayfirst`` choice);
* two records with the same key in one import are an error naming both lines;
* by default any invalid record means nothing is written; with ``skip_bad`` the good ones are
  written and the bad ones handed back for a rejects file.

Memory stays flat whatever the input size: records are handled in batches and the keys seen so far
live in a temporary table, not in Python.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from . import model
from .errors import InvalidRecord, Problem
from .model import Account
from .store import Store, WriteCounts, field_columns_equal, new_ids, now, row_to_account
from .validation import Validated, Validator

OnConflict = Literal["update", "skip", "error"]
BATCH = 1000


@dataclass
class Item:
    """One input record on its way in: where it came from and what validation made of it."""

    source: str
    line: int | None
    raw: Any = None
    validated: Validated | None = None
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Result:
    counts: WriteCounts = field(default_factory=WriteCounts)
    rejected: list[Item] = field(default_factory=list)
    problems: int = 0
    truncated: bool = False


_DEFAULTS: dict[str, Any] = {f.name: None for f in model.FIELDS} | {"confidentiality": "internal"}
_DATE_FIELDS = frozenset(model.DATE_FIELDS)


def defaults() -> dict[str, Any]:
    values = dict(_DEFAULTS)
    for name in model.MULTI_FIELDS:
        values[name] = []
    return values


def merge(stored: Account | None, item: Validated) -> tuple[Account, list[Problem]]:
    """The record to store: ``stored`` with the given fields applied (or a new record)."""
    values = dict(stored.values) if stored else defaults()
    problems: list[Problem] = []
    for name, value in item.account.values.items():
        if stored is not None and name in _DATE_FIELDS and name not in item.explicit_dates:
            old = stored.values.get(name)
            if old is not None and value is not None and old.raw == value.raw:
                continue  # same raw text: keep the stored reading (correction, day/month order)
        if name in item.deferred:
            problems.append(item.deferred[name])
            continue
        values[name] = value
    if values.get("confidentiality") is None:
        values["confidentiality"] = "internal"
    return Account(values), problems


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


class Writer:
    """Applies items to the store inside an open transaction."""

    def __init__(
        self, store: Store, *, on_conflict: OnConflict = "update", stamp: str | None = None, keep_ids: bool = True
    ):
        self.store = store
        self.on_conflict = on_conflict
        self.stamp = stamp or now()
        self.counts = WriteCounts()
        self.keep_ids = keep_ids  # False for big imports: a list of every id would grow with the input
        self.store.start_claims()

    def write(self, items: list[Item]) -> list[Item]:
        """Write a batch; return the items that failed (with their problems filled in)."""
        good = [i for i in items if not i.problems and i.validated is not None]
        failed = [i for i in items if i.problems]
        given = [i.validated.account.values for i in good if i.validated is not None]
        ids = [str(v["id"]) for v in given if v.get("id")]
        exts = [str(v["external_id"]) for v in given if v.get("external_id")]
        stored = self.store.existing(ids, exts)
        earlier = self.store.claimed([f"id:{i}" for i in ids] + [f"ext:{e}" for e in exts])
        claims: dict[str, tuple[str, int | None]] = {}
        new: list[Account] = []
        fresh = new_ids(len(good))
        for item in good:
            assert item.validated is not None
            problem = self._claim_keys(item, earlier, claims)
            if problem is not None:
                item.problems.append(problem)
                failed.append(item)
                continue
            values = item.validated.account.values
            by_id = stored.get(f"id:{values['id']}") if values.get("id") else None
            by_ext = stored.get(f"ext:{values['external_id']}") if values.get("external_id") else None
            if by_id is not None and by_ext is not None and by_id != by_ext:
                item.problems.append(Problem(item.line, "external_id", "belongs to another account than the id"))
                failed.append(item)
                continue
            row = by_id or by_ext
            current = row_to_account(row) if row is not None else None
            if current is not None and self.on_conflict == "error":
                column = "id" if by_id else "external_id"
                item.problems.append(
                    Problem(item.line, column, "an account with this key exists (--on-conflict error)")
                )
                failed.append(item)
                continue
            if current is not None and self.on_conflict == "skip":
                self.counts.skipped += 1
                continue
            account, problems = merge(current, item.validated)
            if problems:
                item.problems.extend(problems)
                failed.append(item)
                continue
            if current is None:
                account.values["id"] = account.values.get("id") or next(fresh)
                new.append(account)
                self.counts.added += 1
                if self.keep_ids:
                    self.counts.ids.append(account.values["id"])
            elif field_columns_equal(account, current):
                self.counts.unchanged += 1
                if self.keep_ids:
                    self.counts.ids.append(str(current.id))
            else:
                self.store.update(account, self.stamp)
                self.counts.updated += 1
                if self.keep_ids:
                    self.counts.ids.append(str(current.id))
        if claims:
            self.store.claim((key, source, line) for key, (source, line) in claims.items())
        if new:
            self.store.insert(new, self.stamp)
        return failed

    @staticmethod
    def _claim_keys(
        item: Item, earlier: dict[str, tuple[str, int | None]], claims: dict[str, tuple[str, int | None]]
    ) -> Problem | None:
        """Claim the item's id and external_id for this import; ``earlier`` holds the claims of earlier batches
        that this batch's keys collide with, ``claims`` collects this batch's (written to the store in one go)."""
        assert item.validated is not None
        values = item.validated.account.values
        for column, prefix in (("id", "id:"), ("external_id", "ext:")):
            key = values.get(column)
            if not key:
                continue
            full = prefix + str(key)
            found = earlier.get(full) or claims.get(full)
            if found is not None:
                where = f"line {found[1]}" if found[0] == item.source else f"{found[0]}:{found[1]}"
                return Problem(item.line, column, f"the same {column} appears on {where} of this import")
            claims[full] = (item.source, item.line)
        return None


def run(
    store: Store,
    items: Iterable[Item],
    *,
    on_conflict: OnConflict = "update",
    skip_bad: bool = False,
    dry_run: bool = False,
    max_errors: int = 20,
    progress: Callable[[int], None] | None = None,
    bulk: bool = False,
) -> Result:
    """Write all items in one transaction. Raises nothing for bad records: they are in ``Result.rejected``;
    without ``skip_bad`` the transaction is rolled back when there are any.

    ``bulk`` (``import``): into an empty table, build secondary indexes once at the end
    (:meth:`Store.bulk_load`), and keep no list of the ids written (``Result.counts.ids`` stays empty)."""
    result = Result()

    class _Rollback(Exception):
        pass

    try:
        with store.transaction(), store.bulk_load() if bulk else contextlib.nullcontext():
            writer = Writer(store, on_conflict=on_conflict, keep_ids=not bulk)
            batch: list[Item] = []
            for item in items:
                batch.append(item)
                if len(batch) >= BATCH:
                    if _flush(writer, batch, result, skip_bad, max_errors, progress):
                        break
                    batch = []
            else:
                _flush(writer, batch, result, skip_bad, max_errors, progress)
            result.counts = writer.counts
            if dry_run or (result.problems and not skip_bad):
                raise _Rollback
    except _Rollback:
        pass
    return result


def _flush(
    writer: Writer,
    batch: list[Item],
    result: Result,
    skip_bad: bool,
    max_errors: int,
    progress: Callable[[int], None] | None,
) -> bool:
    """Write one batch; True when the error limit stops the import."""
    failed = writer.write(batch)
    if progress is not None:
        progress(len(batch))
    for item in failed:
        result.problems += len(item.problems)
        if skip_bad:
            result.rejected.append(item)
        elif len(result.rejected) < max_errors:
            result.rejected.append(item)
    if not skip_bad and len(result.rejected) >= max_errors and result.problems >= max_errors:
        result.truncated = True
        return True
    return False


# ------------------------------------------------------------------------------------ entry points


def file_items(
    path: str, fmt: str, *, encoding: str, validator: Validator, stream: Any = None, header: list[str] | None = None
) -> Iterator[Item]:
    """Read one input file and validate each record. A CSV header is checked once (unknown columns are one
    error for the file, not one per row) and copied into ``header`` for a rejects file."""
    from . import importers
    from .errors import InputError
    from .validation import unknown_columns_problem

    def rows() -> Iterator[tuple[str, int | None, Any, dict[str, Any] | None, Problem | None]]:
        reader = importers.read_rows(path, fmt, encoding=encoding, stream=stream)
        checked = False
        with reader:
            for row in reader:
                if reader.header is not None and not checked:
                    checked = True
                    if header is not None:
                        header.extend(reader.header)
                    problem = unknown_columns_problem(reader.header, 1)
                    if problem is not None and not validator.options.ignore_unknown:
                        raise InputError(problem.reason, file=path, line=1)
                yield path, row.line, row.raw, row.data, row.error

    return validate_items(rows(), validator)


def add_records(store: Store, items: Iterable[Item], *, on_conflict: OnConflict = "error") -> list[str]:
    """``casefile add``: every record valid or nothing written; returns the new ids."""
    result = run(store, items, on_conflict=on_conflict)
    if result.rejected:
        problems = [p for item in result.rejected for p in item.problems]
        raise InvalidRecord(problems, file=result.rejected[0].source or None)
    return result.counts.ids


def json_object_or_list(path: str) -> Any:
    """``add --from-json``: one object or a list of them, from a file or stdin ('-'), as a JSON-array stream."""
    import io
    import sys
    from pathlib import Path

    from .errors import InputError

    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror})", file=path) from None
    start = data.lstrip()[:1]
    if start == b"{":
        data = b"[" + data + b"]"
    elif start != b"[":
        raise InputError("expected a JSON object or a list of objects", file=path, line=1)
    return io.BytesIO(data)


class ImportPlan:
    """The files of one ``casefile import``, read one after another into a single transaction."""

    def __init__(self, files: list[str], fmt: str | None, encoding: str, validator: Validator):
        from . import importers

        self.files = files
        self.encoding = encoding
        self.validator = validator
        self.formats = {path: importers.detect_format(path, fmt) for path in files}
        self.headers: dict[str, list[str]] = {path: [] for path in files}
        if files.count("-") > 1:
            from .errors import UsageError

            raise UsageError("stdin ('-') can be read only once")

    def items(self) -> Iterator[Item]:
        import sys

        for path in self.files:
            stream = sys.stdin.buffer if path == "-" else None
            yield from file_items(
                path,
                self.formats[path],
                encoding=self.encoding,
                validator=self.validator,
                stream=stream,
                header=self.headers[path],
            )
