"""The audit log: who changed what, when, with which command — and taking a command back.

Every write transaction becomes one *batch* (see :meth:`casefile.store.Store.transaction`): its time, its
actor, the command, and one entry per record it changed, holding the record's rows as they were before
(its *before-image*) and a field-level diff; a record the command created gets a bare ``create`` entry (the
records of an import one entry together, a range of rowids the store reads back as an entry per record).

Undo works on before-images alone, whatever command wrote them (add, import, edit, delete, merge, an event
or a source link): it puts each record a batch changed back as the image has it, and removes the records the
batch created. Undo is a write like any other, so it is a batch too, and can itself be undone.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import CasefileError, MergedAway, NotFound, UsageError, quote
from .text import plural

if TYPE_CHECKING:
    from .store import Store


# ------------------------------------------------------------------------------------------------ batches


def effective(batches: list[dict[str, Any]]) -> dict[str, bool]:
    """Which batches are in effect: not undone, or undone by an undo that was itself undone (and so on)."""
    undoers: dict[str, list[str]] = {}
    for batch in batches:
        if batch["undoes"]:
            undoers.setdefault(batch["undoes"], []).append(batch["id"])
    out: dict[str, bool] = {}
    for batch in reversed(batches):  # an undo always comes after what it undoes
        out[batch["id"]] = not any(out[u] for u in undoers.get(batch["id"], ()))
    return out


def resolve_batch(batches: list[dict[str, Any]], ref: str) -> dict[str, Any]:
    """A batch from its id or a unique prefix of it."""
    ref = ref.strip().lower()
    matches = [b for b in batches if b["id"].startswith(ref)] if ref else []
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise UsageError(
            f"batch prefix {quote(ref)} is ambiguous; it matches {', '.join(b['id'] for b in matches[:10])}"
        )
    raise NotFound(f"no batch {quote(ref)}; `casefile history` lists them")


def describe(batch: dict[str, Any]) -> str:
    """``3f9a1c2e (edit by alice, 2026-11-30T02:20:09Z)``: how a message names a batch."""
    return f"{batch['id'][:SHORT]} ({batch['command']} by {batch['actor']}, {batch['ts']})"


SHORT = 8


def summary(counts: dict[tuple[str, str], int]) -> str:
    """``2 accounts updated, 1 organisation created``."""
    parts = []
    actions = list(_PAST)
    for (kind, action), n in sorted(
        counts.items(), key=lambda kv: (_KIND_ORDER.index(kv[0][0]), actions.index(kv[0][1]))
    ):
        parts.append(f"{plural(n, *_nouns(kind))} {_PAST.get(action, action)}")
    return ", ".join(parts)


def counted(counts: dict[str, int]) -> str:
    """``2 accounts, 1 source and 1 artifact``: how many records of each kind (``kind: n``), in the order
    history lists kinds; kinds with none are left out."""
    return _and([plural(counts[kind], *_nouns(kind)) for kind in _KIND_ORDER if counts.get(kind)])


def _and(parts: list[str]) -> str:
    return ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else "".join(parts)


_KIND_ORDER = ["account", "source", "artifact", "organization", "vocabulary", "redirect"]


def _nouns(kind: str) -> tuple[str, str]:
    """What messages call one and many records of a kind (the store's list of audited kinds holds them)."""
    from .store.audit_log import AUDIT_KIND

    return AUDIT_KIND[kind].nouns


_RANDOM_ID = re.compile(r"[0-9a-f]{16,}")


def shown(record_id: str) -> str:
    """A record's id as messages show it: a random id (an account's, a source's, an artifact's sha256) by its
    first :data:`SHORT` hex digits, a prefix the commands accept; anything else - an organisation's name, a code -
    whole and quoted (cut, "Beta Union" read "Beta Uni", another organisation's name)."""
    return record_id[:SHORT] if _RANDOM_ID.fullmatch(record_id) else quote(record_id)


def _records_text(records: list[tuple[str, str]], most: int = 5) -> str:
    """``accounts 3f9a1c2e, 7b2d4e10 and source 90ab12cd``: records (kind, id) named by their kind, kinds in the
    order history lists them, at most ``most`` ids of a kind."""
    ids: dict[str, list[str]] = {}
    for kind, record_id in records:
        ids.setdefault(kind, []).append(shown(record_id))
    named = [
        f"{_nouns(kind)[0 if len(shown) == 1 else 1]} {', '.join(shown[:most])}{' …' if len(shown) > most else ''}"
        for kind, shown in sorted(ids.items(), key=lambda kv: _KIND_ORDER.index(kv[0]))
    ]
    return _and(named)


_PAST = {
    "create": "created",
    "update": "updated",
    "delete": "deleted",
    "restore": "restored",
    "remove": "removed",
    "purge": "purged",
}


def history(store: Store, *, limit: int | None = None) -> list[dict[str, Any]]:
    """Every batch, newest first: when, who, which command, what it changed, and whether it is undone."""
    batches = store.audit_batches()
    in_effect = effective(batches)
    undone_by = {b["undoes"]: b["id"] for b in batches if b["undoes"] and in_effect[b["id"]]}
    shown = list(reversed(batches))[:limit] if limit is not None else list(reversed(batches))
    counts = store.audit_counts([b["rowid"] for b in shown])
    return [
        {
            "batch": b["id"],
            "when": b["ts"],
            "actor": b["actor"],
            "command": b["command"],
            "changes": summary(counts[b["rowid"]]) or "nothing",
            "undoes": b["undoes"],
            "undone_by": undone_by.get(b["id"]),
        }
        for b in shown
    ]


def entries(
    store: Store, *, record: tuple[str, str] | None = None, batch_ref: str | None = None
) -> list[dict[str, Any]]:
    """The entries of one record (``(kind, id)``) or of one batch, oldest first, with their diffs."""
    batch_rowid = None
    if batch_ref is not None:
        batch_rowid = resolve_batch(store.audit_batches(), batch_ref)["rowid"]
    kind, record_id = record if record is not None else (None, None)
    out = []
    for e in store.audit_entries(batch_rowid, kind=kind, record_id=record_id):
        out.append(
            {
                "batch": e["batch"],
                "when": e["ts"],
                "actor": e["actor"],
                "command": e["command"],
                "kind": e["kind"],
                "id": e["record_id"],
                "action": e["action"],
                "diff": json.loads(e["diff"]) if e["diff"] else None,
                "scrubbed": e["scrubbed_at"],
            }
        )
    return out


# --------------------------------------------------------------------------------------------------- undo


class UndoRefused(CasefileError):
    """The batch cannot be undone as asked (later changes depend on it, or it purged records); exit 1."""


@dataclass
class Undone:
    target: dict[str, Any]
    counts: dict[tuple[str, str], int] = field(default_factory=dict)
    batch: str | None = None  # the undo's own batch


def undo(store: Store, ref: str | None = None) -> Undone:
    """Revert one command as a whole — the most recent one still in effect (undos aside), or the batch named —
    and record that as a batch of its own. Everything happens in one transaction; nothing is written on refusal."""
    try:
        with store.transaction():
            batches = store.audit_batches()
            in_effect = effective(batches)
            target = _target(batches, in_effect, ref)
            _check_dependents(store, target, batches, in_effect)
            result = Undone(target)
            store.defer_foreign_keys()
            # 1. take away the accounts the batch added and every part its records have now (a part the batch
            # moved between two records, as a merge does, is then free for its owner again); 2. put each record
            # back as it was; 3. take away the sources, organisations and codes it added, now nothing uses them.
            for entry in store.audit_entries(target["rowid"], reverse=True):
                if entry["action"] != "create" or entry["kind"] == "account":
                    _take_away(store, target, entry, batches)
                elif store.record_rowid(entry["kind"], entry["record_id"]) == entry["rid"]:
                    # a record the batch created may hold parts it took from another (a renamed organisation
                    # holds the old one's aliases): free them before the other is put back
                    store.clear_parts(entry["kind"], entry["rid"])
                key = (entry["kind"], _INVERSE.get(entry["action"], "update"))
                result.counts[key] = result.counts.get(key, 0) + 1
            # records that still exist first, then those the batch removed: a value a removed record held (a
            # merged source's URL) may have moved to one that stays, and must be freed before it comes back
            images = list(store.audit_entries(target["rowid"], reverse=True, with_images=True))
            for entry in sorted(images, key=lambda e: e["action"] == "remove"):
                store.restore_image(entry["kind"], entry["rid"], json.loads(entry["before"]))
            for entry in store.audit_entries(target["rowid"], reverse=True):
                if entry["action"] == "create" and entry["kind"] != "account":
                    _take_away(store, target, entry, batches)
            store.undoes = target["id"]
    finally:
        store.undoes = None
    result.batch = store.last_batch
    return result


def _target(batches: list[dict[str, Any]], in_effect: dict[str, bool], ref: str | None) -> dict[str, Any]:
    if ref is None:
        candidates = [b for b in reversed(batches) if in_effect[b["id"]] and not b["undoes"]]
        if not candidates:
            raise UndoRefused("nothing to undo: every command is undone already (`casefile history`)")
        target = candidates[0]
        if target["command"] == "purge":
            raise UndoRefused(
                f"the last command, {describe(target)}, removed records for good and cannot be undone; name an "
                "earlier batch (`casefile history`)"
            )
        return target
    target = resolve_batch(batches, ref)
    if not in_effect[target["id"]]:
        by = next(b for b in reversed(batches) if b["undoes"] == target["id"] and in_effect[b["id"]])
        raise UndoRefused(
            f"batch {describe(target)} is already undone by {by['id'][:SHORT]}; "
            f"`casefile undo {by['id'][:SHORT]}` puts it back"
        )
    return target


#: What undoing an entry does to its record, as history calls it.
_INVERSE = {"create": "remove", "update": "update", "delete": "restore", "restore": "delete", "remove": "create"}


def _take_away(store: Store, target: dict[str, Any], entry: dict[str, Any], batches: list[dict[str, Any]]) -> None:
    kind, rid, record_id = entry["kind"], entry["rid"], entry["record_id"]
    if entry["action"] == "purge":
        raise UndoRefused(f"batch {describe(target)} purged records for good; a purge cannot be undone")
    if entry["action"] == "create":
        if store.record_rowid(kind, record_id) != rid:
            return  # already gone
        if kind != "account":
            users = store.references(kind, rid)
            if users:
                user_kind = "source" if kind == "artifact" else "account"  # what store.references gives
                later = _later_batches_of(store, target, user_kind, users, batches)
                raise UndoRefused(
                    f"cannot undo batch {describe(target)}: the {_nouns(kind)[0]} it created is now used by "
                    f"{user_kind} {', '.join(shown(u) for u in users[:5])}"
                    + (f" (changed by {', '.join(later)}); undo that first" if later else "")
                )
        store.remove_record(kind, rid)
        return
    if entry["before"] is None:
        raise UndoRefused(
            f"cannot undo batch {describe(target)}: {_nouns(kind)[0]} {shown(record_id)} was purged since, and the "
            "audit log no longer holds what it was"
        )
    store.clear_parts(kind, rid)


def _later_batches_of(
    store: Store, target: dict[str, Any], kind: str, record_ids: list[str], batches: list[dict[str, Any]]
) -> list[str]:
    """The batches after ``target`` that changed these records of a kind (an artifact's users are sources)."""
    by_rowid = {b["rowid"]: b for b in batches}
    later = []
    for record_id in record_ids:
        for e in store.audit_entries(kind=kind, record_id=record_id):
            if e["batch_rowid"] > target["rowid"] and e["batch"][:SHORT] not in later:
                later.append(by_rowid[e["batch_rowid"]]["id"][:SHORT])
    return later


def _check_dependents(
    store: Store, target: dict[str, Any], batches: list[dict[str, Any]], in_effect: dict[str, bool]
) -> None:
    """Refuse when a later command still in effect changed a record this batch changed: undoing it would
    throw that change away too. A later command and its undo cancel out, so they do not count."""
    by_rowid = {b["rowid"]: b for b in batches}
    by_id = {b["id"]: b for b in batches}
    blocking: dict[str, list[str]] = {}
    purged: list[tuple[str, str]] = []
    for batch_rowid, kind, record_id in store.audit_later_touching(target["rowid"]):
        later = by_rowid[batch_rowid]
        if not in_effect[later["id"]]:
            continue
        if later["undoes"] and by_id[later["undoes"]]["rowid"] > target["rowid"]:
            continue  # it undid a command that came after the target: the two cancel out
        if later["command"] == "purge":
            purged.append((kind, record_id))
        blocking.setdefault(later["id"], []).append(f"{_nouns(kind)[0]} {shown(record_id)}")
    if purged:
        raise UndoRefused(
            f"cannot undo batch {describe(target)}: {_records_text(purged)} "
            f"{'was' if len(purged) == 1 else 'were'} purged for good since"
        )
    if blocking:
        listed = "; ".join(
            f"{describe(by_id[b])} changed {', '.join(records[:3])}{' …' if len(records) > 3 else ''}"
            for b, records in list(blocking.items())[:5]
        )
        raise UndoRefused(
            f"cannot undo batch {describe(target)}: later commands changed the same records — {listed}; "
            "undo those first (newest first)"
        )


# ------------------------------------------------------------------------------------------------ display


def account_ref(store: Store, ref: str) -> tuple[str, str | None]:
    """The account id a ``history ID`` means — any id prefix or external id, or the full id of a purged one —
    and, for an account merged into another, the line saying so. Its history is its own (its changes up to
    the merge), not the survivor's."""
    from .store import merged_text

    try:
        return store.resolve_id(ref), None
    except MergedAway as exc:
        chain = store.merge_chain(exc.account_id)
        survivor = chain[-1][1]
        where = f"`casefile history {survivor}` shows what it became" if exc.survivor else f"{survivor} was purged"
        return exc.account_id, f"{merged_text(chain)}; {where}"
    except NotFound:
        if next(store.audit_entries(kind="account", record_id=ref.strip()), None) is not None:
            return ref.strip(), None
        raise


def diff_text(entry: dict[str, Any], width: int = 60) -> str:
    """An entry's changes on one line: ``name: 'A' → 'B'; events: 2 → 3 entries``."""
    if entry["action"] in ("create", "remove", "purge"):
        return _PAST[entry["action"]]
    if entry["diff"] is None:
        return "(details removed by a purge)" if entry.get("scrubbed") else ""
    parts = []
    for key, (old, new) in entry["diff"].items():
        if key in ("sources", "events", "quotes", "names"):
            parts.append(f"{key}: {len(old)} → {len(new)} entries" if len(old) != len(new) else f"{key} changed")
        else:
            parts.append(f"{key}: {_short(old, width)} → {_short(new, width)}")
    return "; ".join(parts)


def _short(value: Any, width: int) -> str:
    text = "∅" if value is None or value == [] else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"
