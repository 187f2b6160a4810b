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

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from . import model, relative_dates
from .errors import InvalidRecord, Problem
from .model import Account
from .orgresolve import NEW, NewOrganization, Organizations, OrgChoices
from .reading import Item, file_items, validate_items
from .store import UNSUPPORTED, Store, WriteCounts, new_id, now, same_record, supportable
from .validation import Options, Validated, Validator

#: the organisation rules writes follow, and what is read (:mod:`casefile.reading`: here or in the import's worker)
__all__ = ["NEW", "NewOrganization", "OrgChoices", "Organizations", "Item", "file_items", "validate_items"]

OnConflict = Literal["update", "skip", "error"]
BATCH = 1000


@dataclass
class Result:
    counts: WriteCounts = field(default_factory=WriteCounts)
    rejected: list[Item] = field(default_factory=list)
    problems: int = 0
    truncated: bool = False
    organizations: list[NewOrganization] = field(default_factory=list)  # names that made new ones (or would)


_DEFAULTS: dict[str, Any] = {
    **dict.fromkeys(f.name for f in model.FIELDS),
    "confidentiality": "internal",
    **dict.fromkeys(model.NESTED),
}
_LIST_KEYS = (*(f.name for f in model.FIELDS if f.multi), *model.NESTED)


def defaults() -> dict[str, Any]:
    """A new record's values: empty, ``internal``; a fresh list for each multi-valued field and nested part."""
    values = dict(_DEFAULTS)  # the registry's order; the lists below replace values, keeping it
    for name in _LIST_KEYS:
        values[name] = []
    return values


def merge(stored: Account | None, item: Validated) -> tuple[Account, list[Problem]]:
    """The record to store: ``stored`` with the given fields applied (or a new record).

    The flat ``source_*`` columns describe the primary source. When the record gives a ``sources`` list with
    a primary entry, that shared source is the truth: flat values given beside it must agree with it, and are
    filled in from it. Flat values given alone are resolved to a shared source afterwards
    (:class:`casefile.citing.Citations`).
    """
    values = dict(stored.values) if stored else defaults()
    given = item.account.values
    problems: list[Problem] = []
    for name, value in given.items():
        if name == "id" and value is None and stored is not None:
            continue  # an empty id cell (a CSV export's id column left blank) names nothing: keep the stored id
        if name in model.DATE_FIELDS and stored is not None and name not in item.explicit_dates:
            old = stored.values.get(name)
            if old is not None and value is not None and old.raw == value.raw:
                continue  # same raw text: keep the stored reading (correction, day/month order)
        if name in item.deferred:
            problems.append(item.deferred[name])
            continue
        if name in model.NESTED and stored is not None:  # a source link's id is its ``link``
            value = _with_stored_ids(stored.values.get(name) or [], value, "link" if name == "sources" else "id")
        values[name] = value
    if values.get("confidentiality") is None:
        values["confidentiality"] = "internal"
    primary = next((s for s in values.get("sources") or () if s.get("role") == "primary"), None)
    given_primary = any(s.get("role") == "primary" for s in given.get("sources") or ())
    if primary is not None and (given_primary or not any(flat in given for flat in model.FLAT_SOURCE)):
        for flat, part in model.FLAT_SOURCE.items():
            if part not in primary:
                continue
            shared = primary[part]
            if flat in given and _differs(given[flat], shared):
                problems.append(
                    Problem(
                        None,
                        flat,
                        f"disagrees with the primary source {primary.get('id') or ''} in sources; change the "
                        "source (it may be shared with other accounts) or link another one",
                    )
                )
            values[flat] = shared
    relative_dates.derive(values)  # "last December" follows the source's date as it is now
    return Account(values), problems


def _with_stored_ids(
    stored: list[dict[str, Any]], given: list[dict[str, Any]], key: str = "id"
) -> list[dict[str, Any]]:
    """The parts given without an id (its ``key``; a file written before ids, or by hand) take the id of a stored
    part equal to them in everything else, so importing the same record again changes nothing. A source link
    is the account's one link to its source: it takes the id of the stored link to the same source."""
    unused = list(stored)
    out = []
    for item in given:
        if not item.get(key):
            bare = {**item, key: None}
            if key == "link" and item.get("id"):
                match = next((s for s in unused if s.get("id") == item["id"]), None)
            else:
                match = next((s for s in unused if {**s, key: None} == bare), None)
            if match is not None:
                unused = [s for s in unused if s is not match]
                item = {**item, key: match[key]}
        out.append(item)
    return out


def _differs(a: Any, b: Any) -> bool:
    raw_a = a.raw if hasattr(a, "raw") else a
    raw_b = b.raw if hasattr(b, "raw") else b
    return bool(raw_a != raw_b)


class Writer:
    """Applies items to the store inside an open transaction."""

    def __init__(
        self,
        store: Store,
        *,
        on_conflict: OnConflict = "update",
        stamp: str | None = None,
        keep_ids: bool = False,
        orgs: OrgChoices | None = None,
    ):
        self.store = store
        self.on_conflict = on_conflict
        #: collect the id of every record written in ``counts.ids`` (``add`` prints them; an import of a million
        #: records would hold ~70 MB of them for nothing: issue 9, I4)
        self.keep_ids = keep_ids
        self.stamp = stamp or now()
        self.counts = WriteCounts()
        self.organizations = Organizations(store, self.counts, self.stamp, orgs)
        from .citing import Citations

        self.citations = Citations(store, self.counts, self.stamp)
        self.store.start_key_claims()
        self._first = True
        #: the secondary indexes of ``accounts`` dropped for a bulk load, to be built again by :meth:`done`
        self._dropped: list[str] = []

    def write(self, items: list[Item]) -> list[Item]:
        """Write a batch; return the items that failed (with their problems filled in)."""
        if self._first:
            self._first = False
            if len(items) >= BATCH and self.store.accounts_empty():
                # a bulk load into an empty table: building its non-unique indexes once at the end, from
                # sorted keys, costs less than keeping them up to date row by row (issue 9; same transaction)
                self._dropped = self.store.drop_secondary_indexes()
        good = [i for i in items if not i.problems and i.validated is not None]
        given = [i.validated.account.values for i in good if i.validated is not None]
        ids = [str(v["id"]) for v in given if v.get("id")]
        exts = [str(v["external_id"]) for v in given if v.get("external_id")]
        stored = self.store.existing(ids, exts)
        claimed = self._claim_keys(good)
        new: list[Account] = []
        for number, item in enumerate(good):
            assert item.validated is not None
            outcome = self._write_one(item, stored, claimed.get(number))  # True: failed, its problems noted
            if isinstance(outcome, Account):
                new.append(outcome)
        if new:
            self.store.insert(new, self.stamp)
            linked = [a.rowid for a in new if a.rowid is not None and "sources" in a.values]
            self.store.sync_primary_columns(account_rowids=linked, stamp=self.stamp)
        self.citations.written()
        return [i for i in items if i.problems]  # in input order, whatever step found them (as a batch of one)

    def done(self) -> None:
        """Build again the indexes a bulk load dropped (before anything reads through them)."""
        self.store.create_indexes(self._dropped)
        self._dropped = []

    def _write_one(self, item: Item, stored: dict[str, Account], problem: Problem | None) -> Account | bool:
        """Update or skip one record; a new record is returned for the batch insert. True means it failed.
        ``problem``: what claiming its keys found."""
        assert item.validated is not None
        values = item.validated.account.values
        by_id = stored.get(f"id:{values['id']}") if values.get("id") else None
        by_ext = stored.get(f"ext:{values['external_id']}") if values.get("external_id") else None
        current = by_id or by_ext
        if problem is None and by_id is not None and by_ext is not None and by_id is not by_ext:
            problem = Problem(item.line, "external_id", "belongs to another account than the id")
        if problem is None and current is not None and self.on_conflict == "error":
            column = "id" if by_id else "external_id"
            problem = Problem(item.line, column, "an account with this key exists (--on-conflict error)")
        if problem is not None:
            item.problems.append(problem)
            return True
        if current is not None and self.on_conflict == "skip":
            self.counts.skipped += 1
            return False
        if values.get("organization"):
            values["organization"], org_problem = self.organizations.resolve(values["organization"], item.line)
            if org_problem is not None:
                item.problems.append(org_problem)
                return True
        account, problems = merge(current, item.validated)
        problems += self._check_source_refs(account, item.line)
        problems += _check_supports(account, current, item.line)
        if current is None:
            account.values["id"] = account.values.get("id") or new_id()
        if not problems:
            problems = self.citations.resolve(account, current, item.validated.account.values, item.line)
        if problems:
            item.problems.extend(problems)
            return True
        if "sources" in item.validated.account.values and (current is None or not same_record(account, current)):
            self.citations.count_entries(item.validated.account.values, current)
        if current is None:
            self.counts.added += 1
            if self.keep_ids:
                self.counts.ids.append(account.values["id"])
            return account
        if self.keep_ids:
            self.counts.ids.append(str(current.id))
        if same_record(account, current):
            self.counts.unchanged += 1
            return False
        account.rowid = current.rowid
        self.store.update(account, self.stamp)
        if "sources" in account.values and current.rowid is not None:
            self.store.sync_primary_columns(account_rowid=current.rowid, stamp=self.stamp)
        self.counts.updated += 1
        return False

    def _check_source_refs(self, account: Account, line: int | None) -> list[Problem]:
        """Parts may cite only sources that exist: in this record's sources or already stored. A person
        mentioned may not link to an account merged into another (name the one it was merged into)."""
        own = {s.get("id") for s in account.values.get("sources") or () if s.get("id")}
        problems = []
        links = [(n, p["account"]) for n, p in enumerate(account.values.get("people") or (), 1) if p.get("account")]
        merged = self.store.merged_away([ref for _, ref in links]) if links else set()
        for number, ref in links:
            if ref in merged:
                reason = "links to an account that was merged into another; link the one it was merged into"
                problems.append(Problem(line, f"people[{number}].account", reason))
        for part in ("events", "quotes", "places", "people"):
            for number, entry in enumerate(account.values.get(part) or (), 1):
                ref = entry.get("source")
                if ref and ref not in own and self.store.find_source({"id": ref}) is None:
                    problems.append(Problem(line, f"{part}[{number}].source", "no source with this id"))
        return problems

    def _claim_keys(self, items: list[Item]) -> dict[int, Problem]:
        """Claim the ids and external ids of a batch, in order, in ``temp.import_keys``; the problem of each
        item (by position) that repeats a key claimed earlier in this import. An item's claims stop at its
        first repeated key. One query and one insert per batch, not two statements per key."""
        keyed: list[tuple[int, str, str]] = []  # (position, column, key) in the order they are claimed
        for number, item in enumerate(items):
            assert item.validated is not None
            values = item.validated.account.values
            for column, prefix in (("id", "id:"), ("external_id", "ext:")):
                if values.get(column):
                    keyed.append((number, column, prefix + str(values[column])))
        earlier = self.store.claimed_keys([key for _, _, key in keyed])
        problems: dict[int, Problem] = {}
        claims: list[tuple[str, str, int | None]] = []
        for number, column, key in keyed:
            if number in problems:
                continue
            item = items[number]
            if key in earlier:
                source, line = earlier[key]
                where = f"line {line}" if source == item.source else f"{source}:{line}"
                problems[number] = Problem(item.line, column, f"the same {column} appears on {where} of this import")
                continue
            earlier[key] = (item.source, item.line)
            claims.append((key, item.source, item.line))
        self.store.claim_keys(claims)
        return problems


def _check_supports(account: Account, current: Account | None, line: int | None) -> list[Problem]:
    """A quote's ``supports`` names one of the account's events or codes: checked before anything is written, so
    the problem names its line and --skip-bad-rows rejects the record alone (the store checks it again)."""
    quotes = [(n, q["supports"]) for n, q in enumerate(account.values.get("quotes") or (), 1) if q.get("supports")]
    if not quotes:
        return []
    stored = [(c["id"], c["field"], c["code"]) for c in (current.values.get("codes") or ())] if current else []
    known = supportable(account.values, stored)
    return [Problem(line, f"quotes[{n}].supports", UNSUPPORTED) for n, target in quotes if target not in known]


def run(
    store: Store,
    items: Iterable[Item],
    *,
    on_conflict: OnConflict = "update",
    skip_bad: bool = False,
    dry_run: bool = False,
    max_errors: int = 20,
    progress: Callable[[int], None] | None = None,
    finish: Callable[[Result], None] | None = None,
    before_commit: Callable[[Store], None] | None = None,
    keep_ids: bool = False,
    orgs: OrgChoices | None = None,
    index: bool = True,
) -> Result:
    """Write all items in one transaction. Raises nothing for bad records: they are in ``Result.rejected``;
    without ``skip_bad`` the transaction is rolled back when there are any.

    ``finish`` is called inside the transaction, after the last record and before the commit, when the import
    goes through (a dry run included): the rejects file is written there, so that a failure to write it
    rolls the import back instead of losing the rejected rows after the good ones were committed.
    ``before_commit`` sees the store with everything written, still inside the transaction (a bulk edit's
    preview reads the changes there). ``index=False`` (``import --no-index``) leaves the accounts written out of
    the search index and marks it out of date, until ``casefile reindex``."""
    result = Result()

    class _Rollback(Exception):
        pass

    import gc

    # a load allocates a few objects per field of every record and frees them a batch later: the collector's
    # default threshold (700) ran a young collection every few records for nothing (issue 23). Raised, not
    # disabled: a cycle still goes within 50,000 allocations.
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], 50_000), *threshold[1:])
    try:
        with store.unindexed(not index), store.transaction():
            writer = Writer(store, on_conflict=on_conflict, keep_ids=keep_ids, orgs=orgs)
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
            result.organizations = list(writer.organizations.report.values())
            failed = bool(result.problems) and not skip_bad
            if not failed:  # a failed import is rolled back, its dropped indexes with it
                writer.done()
            if finish is not None and not failed:
                finish(result)
            if before_commit is not None and not result.problems:
                before_commit(store)
            if dry_run or failed:
                raise _Rollback
    except _Rollback:
        pass
    finally:
        gc.set_threshold(*threshold)
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


def add_records(
    store: Store, items: Iterable[Item], *, on_conflict: OnConflict = "error", orgs: OrgChoices | None = None
) -> WriteCounts:
    """``casefile add``: every record valid or nothing written; returns the counts (the new ids, the
    organisations it created)."""
    result = run(store, items, on_conflict=on_conflict, keep_ids=True, orgs=orgs)
    if result.rejected:
        problems = [p for item in result.rejected for p in item.problems]
        raise InvalidRecord(problems, file=result.rejected[0].source or None)
    return result.counts


def options_for(store: Store, **kwargs: Any) -> Options:
    """Validation options that know the codes users added to this database."""
    return Options(codes=store.codes(), **kwargs)


def update_record(store: Store, validator: Validator, raw: dict[str, Any]) -> None:
    """Write one record that names an existing account by ``id`` (events, quotes, links, edits)."""
    items = validate_items([("", None, None, raw, None)], validator)
    add_records(store, items, on_conflict="update")


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
    """The files of one ``casefile import``, read one after another into a single transaction: in this process,
    or in the import's worker process (:mod:`casefile.import_worker`) while this one writes. Use it as a context
    manager: leaving it reaps the worker, whatever happened."""

    def __init__(self, files: list[str], fmt: str | None, encoding: str, validator: Validator):
        from . import import_worker, importers

        self.files = files
        self.encoding = encoding
        self.validator = validator
        self.formats = {path: importers.detect_format(path, fmt) for path in files}
        self.headers: dict[str, list[str]] = {path: [] for path in files}
        if files.count("-") > 1:
            from .errors import UsageError

            raise UsageError("stdin ('-') can be read only once")
        self.in_worker = import_worker.wanted(files)
        self._worker: import_worker.Worker | None = None

    def items(self) -> Iterator[Item]:
        """The items of every file in order; the worker (when it reads them) starts now, before the transaction."""
        if self.in_worker:
            from . import import_worker

            self._worker = import_worker.Worker(self.files, self.formats, self.encoding, self.validator.options)
            return self._worker.items(self.headers)
        return self._read_here()

    def _read_here(self) -> Iterator[Item]:
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

    def close(self) -> None:
        if self._worker is not None:
            self._worker.close()

    def __enter__(self) -> ImportPlan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
