"""Shared sources (articles, letters, interviews): add one, link one to an account. Each function is one
command's work, in one transaction; nothing here prints."""

from __future__ import annotations

import re
from typing import Any

from . import model, pipeline
from .errors import InputError, UsageError
from .store import Store, now
from .text import plural
from .validation import Validator

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,62}$")


# ------------------------------------------------------------------------------------------------ sources


def add_source(store: Store, given: dict[str, Any], validator: Validator | None = None) -> str:
    """A new shared source; returns its id. ``validator``: the command's date order and --keep-unparsed-dates."""
    item = _checked(store, given, validator)
    found = store.find_source({k: v for k, v in item.items() if k != "id"})
    if found is not None:
        raise UsageError(
            f"this source is stored already as {found[1]} (same address, or same title, publisher and date); "
            f"`casefile source link ID {found[1][:8]}` links it"
        )
    with store.transaction():
        store.upsert_source(item, now())
    return str(item["id"])


def _checked(store: Store, given: dict[str, Any], validator: Validator | None) -> dict[str, Any]:
    """``given`` validated as a source entry (raises InvalidRecord naming each problem)."""
    from .errors import InvalidRecord

    validator = validator or Validator(pipeline.options_for(store))
    items, problems = validator.nested_items("sources", [given], None)
    if problems:
        raise InvalidRecord(problems)
    return items[0]


def edit_source(store: Store, source_ref: str, given: dict[str, Any], validator: Validator | None = None) -> bool:
    """Change a shared source's fields (validated as ``source add`` validates them) for every account citing
    it; an empty value clears one. True when something changed. An address another source has is refused:
    that is a ``source merge``."""
    source_id = store.resolve_source_id(source_ref)
    if not given:
        raise UsageError("give the fields to change, e.g. --title …, --url …, --publisher-type …")
    item = {k: v for k, v in _checked(store, given, validator).items() if k in given and k != "role"}
    with store.transaction():
        rowid = store.source_row(source_id)
        other = store.source_owner_of_key(item, rowid)
        if other is not None:
            raise UsageError(
                f"source {other} has this address already; `casefile source merge {other[:8]} {source_id[:8]}` "
                "makes them one"
            )
        return store.change_source(rowid, item, now())


def merge_sources(store: Store, keep_ref: str, other_ref: str) -> list[str]:
    """Make OTHER part of KEEP: its links (with their roles and grades) and citations move to KEEP, the values
    KEEP lacks come from OTHER, OTHER is removed. Returns the fields both held differently (KEEP's kept) -
    named, never their values."""
    keep_id, other_id = store.resolve_source_id(keep_ref), store.resolve_source_id(other_ref)
    if keep_id == other_id:
        raise UsageError("KEEP and OTHER are the same source")
    with store.transaction():
        return store.merge_sources(store.source_row(keep_id), store.source_row(other_id), now())


def unlink_source(store: Store, account_ref: str, source_ref: str) -> None:
    """Remove one account's link to a source (the source stays); a primary source unlinked leaves the
    account's flat ``source_*`` columns empty."""
    account = store.get(store.resolve_id(account_ref))
    source_id = store.resolve_source_id(source_ref)
    with store.transaction():
        assert account.rowid is not None
        if not store.unlink_source(store.source_row(source_id), account.rowid):
            raise UsageError(f"account {account.id} does not link source {source_id}")


def delete_source(store: Store, source_ref: str, *, unlink: bool = False) -> int:
    """Remove a source. While accounts cite it, refused unless ``unlink``: then their links go (and their
    events' and quotes' citations of it; their text stays). Returns how many links went."""
    source_id = store.resolve_source_id(source_ref)
    with store.transaction():
        rowid = store.source_row(source_id)
        held = len(store.captures(source_id))
        if held:  # evidence is never lost with a duplicate entry: it moves with a merge
            raise InputError(
                f"source {source_id} holds {plural(held, 'archived copy', 'archived copies')}; a source with "
                f"evidence is not deleted: `casefile source merge KEEP {source_id[:8]}` moves it to the source it "
                "duplicates"
            )
        users = store.references("source", rowid)
        if users and not unlink:
            listed = ", ".join(u[:8] for u in users[:5]) + (" …" if len(users) > 5 else "")
            raise UsageError(
                f"source {source_id} is cited by account {listed}; `casefile source unlink ID {source_id[:8]}` "
                "for each, or --unlink to remove every link with it"
            )
        return store.delete_source(rowid)


def link_source(store: Store, account_ref: str, source_ref: str, link: dict[str, Any]) -> None:
    """Link a shared source to an account (again: the link's role and grades are replaced). A new primary
    source makes the previous primary one corroborating."""
    account = store.get(store.resolve_id(account_ref))
    source_id = store.resolve_source_id(source_ref)
    entries = [model.nested_to_json("sources", s) for s in account.values["sources"] if s["id"] != source_id]
    if link.get("role") == "primary":
        for entry in entries:
            if entry["role"] == "primary":
                entry["role"] = "corroborating"
    entries.append({"id": source_id, **{k: v for k, v in link.items() if v is not None}})
    pipeline.update_record(store, Validator(pipeline.options_for(store)), {"id": account.id, "sources": entries})
