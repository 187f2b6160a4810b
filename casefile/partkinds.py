"""The parts of an account that can be corrected one by one, as a registry: ``casefile event|quote|reason|…
list/edit/remove`` and the parts ``template json`` shows follow from it. A new part (places, people…) needs an
entry in :data:`PART_KINDS` beside its fields in :data:`casefile.model.NESTED`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .model import FIELD_BY_NAME, FLAT_SOURCE, NESTED, PART_ID, Field, example_record


@dataclass(frozen=True, slots=True)
class PartKind:
    """A part of an account that can be listed, edited and removed one by one (``casefile event list/edit/
    remove``): its command name, its key in an account's values (a :data:`NESTED` list of dicts, each with a
    :data:`PART_ID`), the table its rows live in, and the columns ``list`` shows. A new part needs only an
    entry here (and its ``NESTED`` fields, its table with an ``id`` column and a migration step)."""

    name: str
    part: str
    table: str
    columns: tuple[str, ...]
    coded: str | None = None  # for a code: the account field holding it (its entries live in ``codes``)
    key: str = "id"  # the entry's key holding its short id (a source link's ``id`` is the source's)
    editable: tuple[str, ...] | None = None  # the fields `edit` changes, when not all of them

    @property
    def fields(self) -> tuple[Field, ...]:
        if self.coded is None and self.editable is not None:
            return tuple(f for f in NESTED[self.part] if f.name == self.key or f.name in self.editable)
        if self.coded is None:
            return NESTED[self.part]
        f = FIELD_BY_NAME[self.coded]
        return (PART_ID, Field("code", "enum", f"The code (see `casefile vocab {f.vocab}`).", "codes", vocab=f.vocab))


PART_KINDS: dict[str, PartKind] = {
    k.name: k
    for k in (
        PartKind("event", "events", "events", ("id", "type", "date", "place", "description", "source")),
        PartKind("quote", "quotes", "quotes", ("id", "text", "speaker", "supports", "relayed_via", "source")),
        PartKind("reason", "codes", "coded_items", ("id", "code", "group"), coded="reasons"),
        PartKind("join-reason", "codes", "coded_items", ("id", "code", "group"), coded="join_reasons"),
        PartKind("barrier", "codes", "coded_items", ("id", "code", "group"), coded="barriers"),
        PartKind("allegation", "codes", "coded_items", ("id", "code", "group"), coded="allegations"),
        PartKind(
            "place",
            "places",
            "places",
            ("id", "role", "name", "country", "country_code", "since", "until", "note", "source"),
        ),
        PartKind("person", "people", "people", ("id", "relation", "name", "account", "note", "source")),
        PartKind(  # the account's citation of a shared source; the source itself: `source edit`
            "source-link",
            "sources",
            "account_sources",
            ("link", "id", "title", "role", "locator", "reliability", "credibility"),
            key="link",
            editable=("role", "locator", "reliability", "credibility"),
        ),
    )
}


def example_record_with_parts() -> dict[str, Any]:
    """:func:`example_record` with one example of each part of :data:`NESTED` that a person codes (built from
    the parts' ``example`` values, so a part registered later appears by itself): a whole account in one file,
    for ``template json`` and ``add --from-json``. The flat ``source_*`` fields are left to the sources entry;
    ids, references between parts and the ids of codes are assigned or given by the person."""
    out = {k: v for k, v in example_record().items() if k not in FLAT_SOURCE}
    for part, fields in NESTED.items():
        item = {f.name: f.example or None for f in fields if f.kind not in ("id", "part_id", "ref")}
        if any(item.values()):
            out[part] = [item]
    return out
