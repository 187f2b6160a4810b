"""Merging two accounts that are one person: ``casefile merge KEEP OTHER``.

OTHER's lists join KEEP's, the values KEEP lacks are filled from OTHER, conflicts keep KEEP's value unless
``--take`` says otherwise, and the merged account takes the stricter confidentiality of the two. Messages name
fields, never values. No printing: the cli says what happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import model
from .errors import UsageError
from .store import Store, now
from .vocab import CONFIDENTIALITY

#: Fields ``merge --take`` accepts: the single-valued ones (lists are always united) but confidentiality,
#: which is always the stricter of the two.
TAKEABLE = tuple(f.name for f in model.FIELDS if not f.multi and f.name not in ("id", "external_id", "confidentiality"))


@dataclass
class Conflict:
    """A field both accounts hold with different values: which one the merged account keeps. It carries no
    value: a merge's messages name fields, never what they hold."""

    field: str
    winner: str  # "kept" or "other"


@dataclass
class Merged:
    keep_id: str
    other_id: str
    conflicts: list[Conflict]
    #: The merged account's confidentiality when the two differed (the stricter of them), else None.
    confidentiality: str | None = None


def stricter(a: str | None, b: str | None) -> str:
    """The stricter of two confidentiality levels (public < internal < restricted; none counts as internal,
    the default)."""
    order = [c.code for c in CONFIDENTIALITY]
    return max(a or "internal", b or "internal", key=lambda level: order.index(level) if level in order else 1)


def merge(store: Store, keep_ref: str, other_ref: str, take: list[str]) -> Merged:
    """Merge account OTHER into KEEP in one transaction: aliases (OTHER's name among them), codes, tags,
    sources, events and quotes are united; a single value KEEP lacks is filled from OTHER; where both have
    different values KEEP's wins unless the field is in ``take``. The merged account takes the stricter
    confidentiality of the two, so a restricted account never becomes part of a public one. KEEP is written
    through the pipeline (validation, search index); OTHER is marked deleted and its id redirected to KEEP.
    Both ids must name accounts not merged away already."""
    from . import pipeline
    from .store import check_field
    from .validation import Validator

    for name in take:
        if name == "confidentiality":
            raise UsageError(
                "--take confidentiality: the merged account always takes the stricter confidentiality of the two; "
                "change it afterwards with `casefile edit KEEP --set confidentiality=…` if it must be less strict"
            )
        check_field(name, TAKEABLE, "field for --take")
    keep_id, other_id = store.resolve_id(keep_ref), store.resolve_id(other_ref)
    if keep_id == other_id:
        raise UsageError("KEEP and OTHER are the same account")
    kept, other = store.get(keep_id), store.get(other_id)
    k, o = model.to_json_dict(kept), model.to_json_dict(other)
    raw: dict[str, Any] = {"id": keep_id}
    conflicts: list[Conflict] = []
    kept_has_source = bool(k["sources"]) or any(k[f] for f in model.FLAT_SOURCE)
    other_entries = [dict(s) for s in o["sources"]]
    if not other_entries and any(o[f] for f in model.FLAT_SOURCE) and kept_has_source:
        other_entries = [_flat_source_entry(o)]
    level = None
    if k["confidentiality"] != o["confidentiality"]:
        level = raw["confidentiality"] = stricter(k["confidentiality"], o["confidentiality"])
    for f in model.FIELDS:
        if f.name in ("id", "external_id", "confidentiality") or (
            f.name in model.FLAT_SOURCE and (other_entries or k["sources"])
        ):
            continue
        if f.multi:
            extra = [o["name"]] if f.name == "aliases" and o["name"] and k["name"] not in (None, o["name"]) else []
            united = list(dict.fromkeys([*k[f.name], *o[f.name], *extra]))
            if united != k[f.name]:
                raw[f.name] = united
            continue
        mine, theirs = k[f.name], o[f.name]
        if theirs is None or mine == theirs:
            continue
        if mine is not None:
            winner = "other" if f.name in take else "kept"
            conflicts.append(Conflict(f.name, winner))
            if winner == "kept":
                continue
        raw[f.name] = theirs
        for part in model.DATE_PARTS if f.kind == "date" else ():
            raw[f"{f.name}_{part}"] = o[f"{f.name}_{part}"]
    if other_entries:
        linked = {s["id"] for s in k["sources"]}
        added = [s for s in other_entries if not s.get("id") or s["id"] not in linked]
        for entry in added:
            if kept_has_source and entry.get("role") == "primary":
                entry["role"] = "corroborating"
        raw["sources"] = [*k["sources"], *added]
    for part in ("events", "quotes", "places", "people"):
        if o[part]:
            mine = [{**item, "id": None} for item in k[part]]  # the same event twice is one, whatever its id
            raw[part] = [*k[part], *(item for item in o[part] if {**item, "id": None} not in mine)]
    with store.transaction():
        stamp = now()
        store.set_deleted(other_id, stamp)  # first, so the parts KEEP takes over keep their ids
        store.add_redirect(other_id, keep_id, stamp)
        pipeline.update_record(store, Validator(pipeline.options_for(store)), raw)
        store.relink_people(other_id, keep_id)  # people mentioned elsewhere now link to the account kept
    return Merged(keep_id, other_id, conflicts, level)


def _flat_source_entry(values: dict[str, Any]) -> dict[str, Any]:
    """OTHER's flat source_* columns as a sources entry, so merging keeps them."""
    entry = {part: values[flat] for flat, part in model.FLAT_SOURCE.items() if values[flat] is not None}
    for part in model.DATE_PARTS if values.get("source_date") is not None else ():
        entry[f"date_{part}"] = values[f"source_date_{part}"]
    return {**entry, "role": "primary"}
