"""The places and people of an account as FollowTheMoney entities (see :mod:`.ftm` for the rest).

* The person's countries: every place with a country adds that country's code to the Person's
  ``country`` (its ``nationality`` and ``gender`` take their codes in :mod:`.ftm`).
* **Address**, one per place: ``full`` is the place as written, ``country`` its code, the description its
  role and dates; the Person's ``addressEntity`` points at the place they live now.
* **Person** for each person mentioned (name as written, or "<relation> of <subject>"), joined to the
  account's Person by **Family** (relation in the vocabulary's ``family`` group: mother, brother, spouse…)
  or **Associate** (recruiter, commander, fellow defector, reporter…), with the relation as
  ``relationship``. FtM's Membership joins a person to an organisation, not to a person, so it is not used
  here; the account's own Membership is written by :mod:`.ftm`. A link to the mentioned person's own
  account is kept as a line of the description (their account may not be in the same export).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from casefile import model, vocab

_FAMILY = frozenset(c.code for c in vocab.RELATIONS if c.group == "family")
_COUNTRY = model.FIELD_BY_NAME_OF["places"]["country"]


def person_countries(writer: Any, person: Any, values: Mapping[str, Any]) -> None:
    """The countries of the account's places on its Person, before the Person is written."""
    for i, place in enumerate(values.get("places") or (), 1):
        code = _COUNTRY.code(place.get("country"))
        if code:
            writer.put(person, "country", code, f"place {i} field 'country'")


def places(writer: Any, ctx: Any, values: Mapping[str, Any]) -> str | None:
    """An Address for each place; returns the id of the one where the person lives now (the last such)."""
    lives = None
    for i, place in enumerate(values.get("places") or (), 1):
        address = writer.draft("Address", ctx.subject, "place", ctx.account_id, place.get("id") or i)
        what = f"place {i} field"
        role = str(place.get("role") or "place")
        full = place.get("name") or place.get("country") or role.replace("_", " ")
        writer.put(address, "full", full, f"{what} 'name'")
        code = _COUNTRY.code(place.get("country"))
        writer.put(address, "country", code or place.get("country"), f"{what} 'country'")
        address.lines.append(f"{role.replace('_', ' ')} of {ctx.display}")
        for key in ("since", "until"):
            if place.get(key) is not None:
                address.lines.append(f"{key}: {place[key].raw}")
        if place.get("note"):
            address.lines.append(str(place["note"]))
        writer.emit(address)
        if role == "lives_now":
            lives = address.id
    return lives


def people(writer: Any, ctx: Any, values: Mapping[str, Any]) -> None:
    """A Person for each person mentioned, joined to the account's Person by Family or Associate."""
    for i, item in enumerate(values.get("people") or (), 1):
        key = item.get("id") or i
        relation = str(item.get("relation") or "other")
        other = writer.draft("Person", ctx.subject, "mentioned", ctx.account_id, key)
        what = f"person {i} field"
        label = relation.replace("_", " ")
        if not writer.put(other, "name", item.get("name") or f"{label} of {ctx.display}", f"{what} 'name'"):
            writer.put(other, "name", f"{label.capitalize()} ({ctx.account_id[:8]}, {key})", f"{what} 'name'")
        other.lines.append(f"mentioned in casefile account {ctx.account_id}")
        if item.get("account"):
            other.lines.append(f"their own casefile account: {item['account']}")
        writer.emit(other)
        family = relation in _FAMILY
        edge = writer.draft("Family" if family else "Associate", ctx.subject, "relation", ctx.account_id, key)
        writer.put(edge, "person", ctx.person.id, "person")
        writer.put(edge, "relative" if family else "associate", other.id, f"{what} 'name'")
        writer.put(edge, "relationship", relation, f"{what} 'relation'")
        if item.get("note"):
            edge.lines.append(str(item["note"]))
        writer.put(edge, "proof", ctx.articles.get(str(item.get("source"))) or ctx.primary, f"{what} 'source'")
        writer.emit(edge)
