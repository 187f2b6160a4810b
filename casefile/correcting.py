"""Parts of an account corrected one by one: `casefile event|quote|… list`, `edit PART-ID`, `remove PART-ID`.

One mechanism for every part :data:`partkinds.PART_KINDS` registers. A part is found by its short id (or a unique
prefix of it); the account's list is rebuilt with that one item changed or left out and sent through the same
validation and pipeline as ``import`` and ``add``, so a change is checked like an addition, written in one
transaction, audited, and undone by ``casefile undo``. Nothing here prints.
"""

from __future__ import annotations

from typing import Any

from . import model, partkinds, pipeline, vocab
from .errors import NotFound, UsageError, quote
from .store import Store
from .validation import Validator


def kind_of(name: str) -> partkinds.PartKind:
    try:
        return partkinds.PART_KINDS[name]
    except KeyError:
        raise UsageError(f"unknown part {quote(name)}; choose one of: {', '.join(partkinds.PART_KINDS)}") from None


def list_parts(store: Store, account_id: str, kind: partkinds.PartKind) -> list[dict[str, Any]]:
    """The parts of one account (its full id, resolved by the caller), in their order, as JSON shapes them; a
    code with its group (push, pull, barrier…) from its vocabulary."""
    account = store.get(account_id)
    if kind.coded is None:
        return [model.nested_to_json(kind.part, item) for item in account.values[kind.part]]
    groups = _groups(store, kind)
    return [
        {"id": c["id"], "code": c["code"], "group": groups.get(c["code"]) or None}
        for c in account.values["codes"]
        if c["field"] == kind.coded
    ]


def _groups(store: Store, kind: partkinds.PartKind) -> dict[str, str]:
    vocabulary = model.FIELD_BY_NAME[str(kind.coded)].vocab
    out = {c.code: c.group for c in vocab.VOCABULARIES[str(vocabulary)]}
    out.update({code: group for name, code, _, _, group in store.user_codes() if name == vocabulary})
    return out


def find_part(store: Store, kind: partkinds.PartKind, ref: str) -> tuple[str, str]:
    """(account id, part id) of the part ``ref`` names: its id or a unique prefix of it. A part held only by
    an account merged into another is refused as every write refuses a merged-away id (``resolve_id``)."""
    owners = store.part_owners(kind.table, ref.strip().lower()) if ref.strip() else []
    ids = sorted({part_id for part_id, _, _ in owners})
    if not ids:
        raise NotFound(f"no {kind.name} with id {quote(ref)}; `casefile {kind.name} list ACCOUNT` shows them")
    if len(ids) > 1:
        raise UsageError(f"{kind.name} id prefix {quote(ref)} is ambiguous; it matches {', '.join(ids[:10])}")
    _, account_id, _ = owners[0]  # live accounts come first: after a merge, the survivor's copy
    return store.resolve_id(account_id), ids[0]


def edit_part(store: Store, validator: Validator, kind: partkinds.PartKind, ref: str, changes: dict[str, Any]) -> str:
    """Change the given values of one part (``None`` or ``""`` empties a value); returns its full id."""
    if not changes:
        raise UsageError(f"nothing to change: give at least one option (casefile {kind.name} edit --help)")
    if changes.get("source"):
        changes = {**changes, "source": store.resolve_source_id(changes["source"])}
    if changes.get("account"):  # a person's own account, resolved as `person add` resolves it
        changes = {**changes, "account": store.resolve_id(changes["account"])}
    return _rewrite(store, validator, kind, ref, lambda entry: _changed(kind, entry, changes))


def remove_part(store: Store, validator: Validator, kind: partkinds.PartKind, ref: str) -> str:
    """Remove one part from its account; returns its full id."""
    return _rewrite(store, validator, kind, ref, lambda entry: None)


def _rewrite(store: Store, validator: Validator, kind: partkinds.PartKind, ref: str, change: Any) -> str:
    with store.transaction():
        account_id, part_id = find_part(store, kind, ref)
        if kind.coded is not None:
            _rewrite_code(store, validator, kind, account_id, part_id, change)
            return part_id
        entries = list_parts(store, account_id, kind)
        out = []
        for entry in entries:
            if entry.get(kind.key) == part_id:
                entry = change(entry)
                if entry is None:
                    continue
            out.append(entry)
        pipeline.update_record(store, validator, {"id": account_id, kind.part: out})
    return part_id


def _changed(kind: partkinds.PartKind, entry: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``entry`` with ``changes`` applied. A date whose text, correction or note changes is read again: its
    parsed companions are dropped (its correction and note kept unless they are what changes)."""
    entry = dict(entry)
    for f in kind.fields:
        if f.kind != "date" or not any(key == f.name or key.startswith(f.name + "_") for key in changes):
            continue
        for part in ("edtf", "min", "max", "precision"):
            entry.pop(f"{f.name}_{part}", None)
    for key, value in changes.items():
        entry[key] = value if value != "" else None
    return {k: v for k, v in entry.items() if v is not None or k in ("id", kind.key)}


def _rewrite_code(
    store: Store, validator: Validator, kind: partkinds.PartKind, account_id: str, part_id: str, change: Any
) -> None:
    """Change or drop one code in its account field, the other codes and every id kept."""
    field = str(kind.coded)
    entries = [dict(c) for c in store.get(account_id).values["codes"]]
    out = []
    for entry in entries:
        if entry["id"] == part_id:
            changed = change({"code": entry["code"]})
            if changed is None:
                continue
            if not changed.get("code"):
                raise UsageError(f"a {kind.name} needs its code; `casefile {kind.name} remove {part_id}` removes it")
            entry["code"] = changed["code"]
        out.append(entry)
    codes = [e["code"] for e in out if e["field"] == field]
    pipeline.update_record(store, validator, {"id": account_id, field: codes, "codes": out})
