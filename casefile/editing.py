"""Changing stored accounts: field assignments, additions to and removals from lists, the ``$EDITOR`` form,
bulk edits with a preview, soft delete and restore, purge, and merging two accounts about one person.

Every change is sent through the same validation and :mod:`casefile.pipeline` as ``import``, so the same
rules hold (dates with their companions, codes, organisation aliases, the flat source columns against a
shared primary source), and through :meth:`casefile.store.Store.transaction`, so each command is one audit
batch that ``casefile undo`` can take back. Nothing here prints or prompts.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import model, paths, pipeline
from .errors import CasefileError, InvalidRecord, MergedAway, Problem, UsageError, quote, typed_name
from .model import Account, Filter
from .store import Change, Store, merged_text, now
from .validation import Validator

#: The keys ``--set`` accepts: every field of the interchange form but the id and the nested lists,
#: each date's companions included (``left_corrected=1986``, ``left_note=…``).
SETTABLE: tuple[str, ...] = tuple(k for k in model.JSON_KEYS if k not in ("id", *model.NESTED))
_PARSED = ("edtf", "min", "max", "precision")


@dataclass
class Changes:
    """What an edit asks for: ``sets`` maps keys to raw text ("" empties the value); ``add`` and ``remove``
    map multi-valued fields to the values to add or take out."""

    sets: dict[str, str] = field(default_factory=dict)
    add: dict[str, list[str]] = field(default_factory=dict)
    remove: dict[str, list[str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.sets or any(self.add.values()) or any(self.remove.values()))


def parse_assignments(assignments: Iterable[str]) -> dict[str, str]:
    """``FIELD=VALUE`` pairs, field names checked against the registry before anything else happens."""
    out: dict[str, str] = {}
    for assignment in assignments:
        key, sep, value = assignment.partition("=")
        key = key.strip()
        if not sep:
            raise UsageError("--set takes FIELD=VALUE (this one has no '='); FIELD= empties a field")
        if key not in SETTABLE:
            names = ", ".join(f.name for f in model.FIELDS if f.kind != "id")
            raise UsageError(
                f"unknown field {typed_name(key)}; choose one of: {names} "
                "(a date also takes <date>_corrected and <date>_note)"
            )
        if key in out:
            raise UsageError(f"--set {key}=… is given twice")
        out[key] = value
    return out


def raw_update(account: Account, changes: Changes) -> tuple[dict[str, Any], set[str]]:
    """The record, as ``import`` takes it, that applies ``changes`` to a stored account, and the date fields
    whose reading must be taken from it (not kept from the stored record because the raw text is the same)."""
    raw: dict[str, Any] = {"id": account.id}
    sets = dict(changes.sets)
    explicit: set[str] = set()
    for name in model.DATE_FIELDS:
        keys = [k for k in sets if k == name or k.startswith(name + "_") and k[len(name) + 1 :] in model.DATE_PARTS]
        if keys:
            raw.update(_date_update(name, account.values.get(name), {k: sets.pop(k) for k in keys}))
            explicit.add(name)
    for name in model.MULTI_FIELDS:
        if name in changes.add or name in changes.remove:
            raw[name] = _list_update(account.values.get(name) or [], sets.pop(name, None), changes, name)
    raw.update(sets)
    return raw, explicit


def _date_update(name: str, stored: model.FuzzyDate | None, given: dict[str, str]) -> dict[str, Any]:
    """A date's raw text and companions for an edit. Unless the raw text changes, the stored correction and
    note are kept (``--set left_note=…`` alone changes the note) and, while the correction stands, so is the
    stored reading — a ``--dayfirst`` choice made when the date was first read stays made."""
    out = dict(given)
    if stored is None or (name in given and given[name] != stored.raw):
        return out
    out.setdefault(name, stored.raw)
    for part in ("corrected", "note"):
        out.setdefault(f"{name}_{part}", getattr(stored, part) or "")
    if out[f"{name}_corrected"] == (stored.corrected or "") and not stored.corrected:
        for part in _PARSED:
            out.setdefault(f"{name}_{part}", getattr(stored, part) or "")
    return out


def _list_update(stored: list[str], replacement: str | None, changes: Changes, name: str) -> list[str]:
    values = list(stored) if replacement is None else [v.strip() for v in replacement.split(model.MULTI_SEPARATOR)]
    for value in changes.add.get(name, ()):
        if value.strip() not in values:
            values.append(value.strip())
    gone = {v.strip() for v in changes.remove.get(name, ())}
    return [v for v in values if v and v not in gone]


def _item(raw: dict[str, Any], explicit: set[str], validator: Validator, name: str = "") -> pipeline.Item:
    item = pipeline.Item(name, None, raw)
    try:
        item.validated = validator.validate(raw)
        item.validated.explicit_dates |= explicit
    except InvalidRecord as exc:
        item.problems.extend(exc.problems)
    return item


# ------------------------------------------------------------------------------------------------ edits


@dataclass
class Outcome:
    """What an edit did (or, for a preview, would do)."""

    changes: list[Change] = field(default_factory=list)  # the accounts that change, with their diffs
    counts: Any = None  # pipeline WriteCounts: new organisations, warnings
    batch: str | None = None


def edit(
    store: Store,
    account_ids: list[str],
    changes: Changes,
    validator: Validator,
    *,
    dry_run: bool = False,
    expect: list[Change] | None = None,
    orgs: pipeline.OrgChoices | None = None,
) -> Outcome:
    """Apply the same changes to each account, in one transaction. ``dry_run`` writes nothing and returns
    what would change (the preview). With ``expect`` (a preview's changes) the edit is written only if it
    changes exactly that; otherwise :class:`Changed` and nothing is written."""
    outcome = Outcome()

    def items() -> Iterator[pipeline.Item]:
        for account_id in account_ids:
            raw, explicit = raw_update(store.get(account_id), changes)
            yield _item(raw, explicit, validator, account_id[:8] if len(account_ids) > 1 else "")

    return _write(store, items(), outcome, dry_run=dry_run, expect=expect, orgs=orgs)


def _write(
    store: Store,
    items: Iterable[pipeline.Item],
    outcome: Outcome,
    *,
    dry_run: bool = False,
    expect: list[Change] | None = None,
    orgs: pipeline.OrgChoices | None = None,
) -> Outcome:
    def collect(s: Store) -> None:
        outcome.changes = list(s.audit_changes("account"))
        if expect is not None and _signature(outcome.changes) != _signature(expect):
            raise Changed("the accounts changed since the preview; nothing was written, run the edit again")

    result = pipeline.run(store, items, on_conflict="update", dry_run=dry_run, before_commit=collect, orgs=orgs)
    if result.rejected:  # in a bulk edit, each problem names its account (by id: never record text)
        raise InvalidRecord(
            [
                Problem(None, p.field, f"{p.reason} (account {item.source})" if item.source else p.reason)
                for item in result.rejected
                for p in item.problems
            ]
        )
    outcome.counts = result.counts
    outcome.batch = None if dry_run else store.last_batch
    return outcome


class Changed(CasefileError):
    """A bulk edit would now change something else than the preview showed (exit 1, nothing written)."""


def _signature(changes: list[Change]) -> list[tuple[str, Any]]:
    return [(c.record_id, c.diff) for c in sorted(changes, key=lambda c: c.rid)]


def selects(flt: Filter) -> bool:
    """Whether any filter that chooses accounts is given (sorting and limits alone choose nothing)."""
    return any((flt.org, flt.tags, flt.reasons, flt.allegations, flt.exit_types, flt.since, flt.until, flt.text))


def select(store: Store, flt: Filter) -> list[str]:
    """The ids of the accounts a bulk command's filters choose; refuses to choose everything by accident.
    Accounts merged into others (``--include-deleted`` shows them) are part of those now and never chosen."""
    if not selects(flt):
        raise UsageError("choose the accounts: give an ID, or a filter such as --org, --tag or --q")
    ids = [str(a.id) for a in store.query(flt)]
    merged = store.merged_away(ids) if flt.include_deleted or flt.only_deleted else set()
    return [i for i in ids if i not in merged]


def check_editable(store: Store, ref: str) -> str:
    account_id = store.resolve_id(ref)
    if store.get(account_id).deleted_at is not None:
        raise UsageError(f"account {account_id[:8]} is deleted; `casefile restore {account_id[:8]}` first")
    return account_id


# ------------------------------------------------------------------------------------ delete, restore, purge


def set_deleted(store: Store, refs: list[str], *, deleted: bool) -> tuple[list[str], list[str]]:
    """Soft-delete (or restore) accounts; returns (changed ids, ids that already were)."""
    ids = [store.resolve_id(ref) for ref in refs]
    changed, already = [], []
    stamp = now() if deleted else None
    with store.transaction():
        for account_id in dict.fromkeys(ids):
            if (store.get(account_id).deleted_at is not None) == deleted:
                already.append(account_id)
            else:
                store.set_deleted(account_id, stamp)
                changed.append(account_id)
    return changed, already


# ------------------------------------------------------------------------------------------- $EDITOR


FORM_HEADER = """\
# casefile: account {id}. Change what you need, save, and close the editor.
# Lines starting with # are ignored. Leave the file unchanged, or empty it, to change nothing.
# Dates are text as written; <date>_corrected and <date>_note hold a correction and why (the readings
# are recomputed). A source's title, url, publisher and date are shared by every account that cites it.
"""
#: Characters JSON would leave raw that a terminal or editor could act on: C1 controls, bidi controls, line
#: separators. In the form they are written as \\u escapes (still valid JSON, still the same text).
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


class EditAborted(CasefileError):
    """The editor failed, or the record stayed invalid (exit 1, nothing written)."""


def form(account: Account) -> dict[str, Any]:
    """The record as the editor shows it: the interchange form without the parsed date readings."""
    data = model.to_json_dict(account)
    for name in model.DATE_FIELDS:
        for part in _PARSED:
            del data[f"{name}_{part}"]
    for part, fields in model.NESTED.items():
        for entry in data[part]:
            for f in fields:
                if f.kind == "date":
                    for p in _PARSED:
                        del entry[f"{f.name}_{p}"]
    return data


def form_text(data: dict[str, Any], errors: Iterable[str] = ()) -> str:
    text = json.dumps(data, ensure_ascii=False, indent=2)
    text = _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    block = "".join(f"# error: {e}\n" for e in errors)
    return FORM_HEADER.format(id=data.get("id")) + block + text + "\n"


def read_form(text: str) -> tuple[dict[str, Any] | None, list[str]]:
    """The record in an edited form (None when the file holds nothing but comments), or what is wrong with
    it. Comment lines are blanked, not removed, so a syntax error's line is the line in the file."""
    from .importers.json import RecordDecoder

    body = "\n".join("" if line.lstrip().startswith("#") else line for line in text.splitlines())
    if not body.strip():
        return None, []
    decoder = RecordDecoder()
    try:
        value = decoder.decode(body)
    except json.JSONDecodeError as exc:
        return None, [f"line {exc.lineno} column {exc.colno}: not valid JSON: {exc.msg}"]
    except (ValueError, RecursionError):
        return None, ["not valid JSON"]
    row = decoder.row(value, body, 1)
    if row.error is not None:
        return None, [_problem_text(row.error)]
    return row.data, []


def _problem_text(p: Problem) -> str:
    return f"field {quote(p.field)}: {p.reason}" if p.field else p.reason


def apply_form(
    store: Store,
    account: Account,
    original: dict[str, Any],
    data: dict[str, Any],
    validator: Validator,
    orgs: pipeline.OrgChoices | None = None,
) -> Outcome:
    """Write an edited form through the import rules. Dates whose text and correction are as stored keep
    their stored reading (a ``--dayfirst`` choice made when they were first read stays made)."""
    if data.get("id") != account.id:
        raise InvalidRecord([Problem(None, "id", "cannot be changed; copy the record with `casefile add` instead")])
    readings = _readings(account)
    raw = dict(data)
    _with_readings(raw, model.DATE_FIELDS, readings)
    for part, fields in model.NESTED.items():
        dated = [f.name for f in fields if f.kind == "date"]
        for entry in raw.get(part) or ():
            if isinstance(entry, dict):
                _with_readings(entry, dated, readings)
    explicit = {
        d for d in model.DATE_FIELDS if any(data.get(k) != original.get(k) for k in (d, f"{d}_corrected", f"{d}_note"))
    }
    item = _item(raw, explicit, validator)
    return _write(store, [item], Outcome(), orgs=orgs)


def _readings(account: Account) -> dict[tuple[str, str], dict[str, str]]:
    """(raw text, "") → parsed parts, for every uncorrected date the stored record holds."""
    dates = [account.values.get(d) for d in model.DATE_FIELDS]
    for part, fields in model.NESTED.items():
        for entry in account.values.get(part) or ():
            dates.extend(entry.get(f.name) for f in fields if f.kind == "date")
    return {
        (fd.raw, ""): {p: getattr(fd, p) or "" for p in _PARSED} for fd in dates if fd is not None and not fd.corrected
    }


def _with_readings(raw: dict[str, Any], names: Iterable[str], readings: dict[tuple[str, str], dict[str, str]]) -> None:
    for name in names:
        text = raw.get(name)
        if not isinstance(text, str) or raw.get(f"{name}_corrected") or any(f"{name}_{p}" in raw for p in _PARSED):
            continue
        for part, value in readings.get((text, ""), {}).items():
            raw[f"{name}_{part}"] = value


def edit_in_editor(
    store: Store, account_id: str, validator: Validator, command: list[str], orgs: pipeline.OrgChoices | None = None
) -> Outcome | None:
    """Open the record in ``command`` (the user's ``$EDITOR``) until it is valid, unchanged or emptied.

    The file is mode 0600 in a private folder, and both are removed afterwards, Ctrl-C included. An invalid
    result opens the editor again with the errors on top; saving it unchanged then gives up. Returns None
    when nothing was written because nothing was changed."""
    account = store.get(account_id)
    original = form(account)
    text = form_text(original)
    with private_file(".json") as path:
        while True:
            path.write_text(text, encoding="utf-8")
            _run_editor(command, path)
            edited = path.read_text(encoding="utf-8")
            data, errors = read_form(edited)
            if data is None and not errors:
                return None  # emptied: a way to cancel
            if data == original:
                return None
            if data is not None:
                try:
                    return apply_form(store, account, original, data, validator, orgs)
                except InvalidRecord as exc:
                    errors = [_problem_text(p) for p in exc.problems]
            if edited == text:
                raise EditAborted("the record is still invalid and was saved unchanged; nothing was written")
            text = form_text(data, errors) if data is not None else _with_errors(edited, errors)


def _with_errors(edited: str, errors: list[str]) -> str:
    """A file that is not JSON yet, as the user left it, with the errors on top instead of the old ones; the
    line a syntax error names moves down with the text."""
    kept = [line for line in edited.splitlines() if not line.startswith("# error:")]
    moved = len(errors) - (len(edited.splitlines()) - len(kept))
    shifted = [re.sub(r"^line (\d+)", lambda m: f"line {int(m.group(1)) + moved}", e) for e in errors]
    return "".join(f"# error: {e}\n" for e in shifted) + "\n".join(kept) + "\n"


def _run_editor(command: list[str], path: Path) -> None:
    import subprocess

    try:
        status = subprocess.run([*command, str(path)], check=False).returncode
    except OSError as exc:
        raise EditAborted(f"cannot run the editor {quote(command[0])} ({exc.strerror}); set $EDITOR") from None
    if status != 0:
        from . import interrupts

        raise EditAborted(f"the editor stopped ({interrupts.ended(status)}); nothing was written")


@contextmanager
def private_file(suffix: str) -> Iterator[Path]:
    """A new empty file, mode 0600, in a new folder, mode 0700, inside the user's own runtime or cache folder
    (:func:`paths.edit_folders`, never a shared /tmp); both removed on the way out, whatever happens (Ctrl-C,
    SIGTERM and SIGHUP included). The folder is locked while in use, so ``doctor --clean`` leaves it alone."""
    with paths.locked_folder(paths.EDIT_FOLDER_PREFIX, _edit_base()) as folder:
        path = folder / f"record{suffix}"
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        yield path


def _edit_base() -> Path:
    """The folder the editor's record goes in, made 0700 (or tightened to 0700) if it is the user's own."""
    base = paths.edit_folders()[0]
    try:
        paths.make_private_folder(base)
        st = os.lstat(base)
        if stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and st.st_mode & 0o077:
            os.chmod(base, 0o700)
    except OSError as exc:
        raise EditAborted(
            f"cannot make the private folder {base} for the record ({exc.strerror}); nothing was written"
        ) from None
    if not paths.private_folder_of_mine(base):
        raise EditAborted(f"{base} is not a folder of yours that only you can enter; the record was not opened")
    return base


@dataclass
class Purged:
    accounts: int = 0
    sources: int = 0
    artifacts: int = 0  # attached files and captured pages (their bytes) no source uses any more
    redirects: int = 0  # merged-away ids that would lead nowhere
    scrubbed: int = 0  # audit entries whose before-image and diff were dropped
    merged: int = 0  # of the accounts, those that had been merged into another

    def removed(self) -> dict[str, int]:
        """How many records of each kind (as the audit log names kinds) went."""
        return {
            "account": self.accounts,
            "source": self.sources,
            "artifact": self.artifacts,
            "redirect": self.redirects,
        }


def purge_targets(store: Store, refs: list[str], all_deleted: bool) -> list[str]:
    """The accounts ``purge`` removes: those named (or every deleted one) and every account merged into them.

    A merged-away id is refused — its data is part of the account it was merged into, which is what to purge —
    unless that account is named too, or was purged since (then what is left of it goes)."""
    if bool(refs) == all_deleted:
        raise UsageError("give the accounts to purge (IDs) or --all-deleted, one or the other")
    if all_deleted:
        return with_merged(store, [str(a.id) for a in store.query(Filter(only_deleted=True))])
    named: list[str] = []
    merged_away: list[MergedAway] = []
    for ref in refs:
        try:
            named.append(store.resolve_id(ref))
        except MergedAway as exc:
            if exc.survivor is None:
                named.append(exc.account_id)
            else:
                merged_away.append(exc)
    for refused in merged_away:
        if refused.survivor not in named:
            raise MergedAway(
                f"{merged_text(store.merge_chain(refused.account_id))}; its data is part of {refused.survivor} now: "
                f"`casefile purge {refused.survivor}` removes it with every account merged into it",
                refused.account_id,
                refused.survivor,
            )
    return with_merged(store, named)


def with_merged(store: Store, account_ids: list[str]) -> list[str]:
    """These accounts and every account merged into them (C into B, B into A: both for A)."""
    return list(dict.fromkeys([*account_ids, *store.merged_into(account_ids)]))


def purge_unused_artifacts(store: Store, rowids: list[int], stamp: str) -> tuple[int, int]:
    """Remove for good the artifacts of these that no capture uses any more - their bytes and custody logs
    with them (migration m015's trigger) - recording only that they were purged; returns how many went and the
    audit entries scrubbed."""
    unused = [(rid, sha) for rid, sha in store.artifact_labels(rowids) if not store.references("artifact", rid)]
    store.mark_purged("artifact", unused)
    scrubbed = 0
    for rid, sha in unused:
        store.remove_record("artifact", rid)
        scrubbed += store.scrub_audit("artifact", rid, sha, stamp)
    return len(unused), scrubbed


def purge(store: Store, account_ids: list[str]) -> Purged:
    """Remove accounts for good — and every account merged into them — with their events, quotes and source
    links, and the sources no other account cites; drop the before-images and diffs the audit log holds of
    them (it keeps only that a purge happened, and when); rewrite any full-text index. With ``secure_delete``
    on, no copy of their text is left in the database file. The merge redirects of the accounts go too,
    except those that still lead to an account that stays (``--all-deleted`` removes the row a merge left
    behind; its id goes on showing the survivor). One transaction; cannot be undone."""
    out = Purged()
    stamp = now()
    with store.transaction():
        every = with_merged(store, account_ids)
        gone = set(every)
        redirects = []  # (rowid, old id) of the redirects that would lead nowhere
        merged_away = set()
        for account_id in every:
            chain = store.merge_chain(account_id)
            if chain:
                merged_away.add(account_id)
            rid = store.record_rowid("redirect", account_id)
            if chain and rid is not None and (chain[-1][1] in gone or not store.record_rowid("account", chain[-1][1])):
                redirects.append((rid, account_id))
        accounts = [(rid, a) for a in every if (rid := store.record_rowid("account", a)) is not None]
        sources = {s for rid, _ in accounts for s in store.source_rowids_of(rid)}
        cited_once = {s for rid, _ in accounts for s in store.audit_cited_sources(rid)}  # before the scrub below
        store.mark_purged("account", accounts)
        store.mark_purged("redirect", redirects)
        for rid, account_id in accounts:
            store.remove_record("account", rid)
            out.scrubbed += store.scrub_audit("account", rid, account_id, stamp)
        for account_id in sorted(gone - {a for _, a in accounts}):  # merged away, its row removed earlier
            out.scrubbed += store.scrub_audit("account", None, account_id, stamp)
        for rid, old_id in redirects:
            store.remove_record("redirect", rid)
            out.scrubbed += store.scrub_audit("redirect", rid, old_id, stamp)
        out.merged = sum(1 for _, a in accounts if a in merged_away)
        orphans = [(s, store.source_id_of(s)) for s in sorted(sources) if not store.references("source", s)]
        artifacts = store.artifacts_of_sources([rid for rid, _ in orphans])  # their captures' bytes
        store.mark_purged("source", orphans)
        for rid, source_id in orphans:
            store.remove_record("source", rid)
            out.scrubbed += store.scrub_audit("source", rid, source_id, stamp)
        for rid in sorted(cited_once):  # a source of theirs merged away since: its images held their text
            for source_id in store.removed_source_ids(rid):
                out.scrubbed += store.scrub_audit("source", rid, source_id, stamp)
        out.artifacts, scrubbed = purge_unused_artifacts(store, artifacts, stamp)
        out.scrubbed += scrubbed
        store.optimize_search_index()
        out.accounts, out.sources, out.redirects = len(accounts), len(orphans), len(redirects)
    return out
