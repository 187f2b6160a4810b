"""The research record around accounts: organisations, shared sources, timeline events, quotes and the
vocabularies of codes. Each function is one command's work, in one transaction; nothing here prints.

Events, quotes and source links are written by rebuilding the account's list and sending the record
through the same validation and pipeline as ``import``, so every write path checks the same rules.
"""

from __future__ import annotations

import re
from typing import Any

from . import model, pipeline, vocab
from .errors import InputError, NotFound, UsageError, quote
from .model import Filter
from .store import Store, now
from .text import fold, noun
from .validation import Validator, closest

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,62}$")


# ----------------------------------------------------------------------------------------- organisations


def _check_code(store: Store, vocabulary: str, value: str | None) -> str | None:
    if value is None:
        return None
    allowed = store.codes()[vocabulary]
    if value not in allowed:
        raise UsageError(
            f"unknown {vocabulary} {quote(value)}{closest(value, allowed)} (`casefile vocab -v {vocabulary}`)"
        )
    return value


def add_organization(
    store: Store, name: str, *, aliases: list[str], type_: str | None, country: str | None, notes: str | None
) -> None:
    if not name.strip():
        raise UsageError("an organisation needs a name")
    _check_code(store, "org_type", type_)
    with store.transaction():
        store.create_organization(name, stamp=now(), type_=type_, country=country, notes=notes, aliases=aliases)


def add_aliases(store: Store, name: str, aliases: list[str]) -> str:
    with store.transaction():
        return store.add_aliases(name, aliases)


def organization(store: Store, name: str) -> dict[str, Any]:
    canonical = store.organization_by_key(fold(name))
    for org in store.organizations():
        if org["name"] == canonical:
            return org
    raise NotFound(f"no organisation called {quote(name)}; `casefile org list` shows them")


def import_organizations(store: Store, path: str) -> tuple[int, int]:
    """Organisations from a JSON list; returns (organisations added, names added). Idempotent."""
    from . import importers

    stream = pipeline.json_object_or_list(path)
    added = names = 0
    stamp = now()
    with store.transaction():
        for row in importers.read_rows(path, "json", stream=stream):
            if row.error is not None or row.data is None:
                reason = row.error.reason if row.error else "not an object"
                raise InputError(reason, file=path, line=row.line)
            data = row.data
            name, aliases = data.get("name"), data.get("aliases") or []
            if not isinstance(name, str) or not name.strip():
                raise InputError("needs a name (text)", file=path, line=row.line, field="name")
            if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
                raise InputError("must be a list of text", file=path, line=row.line, field="aliases")
            unknown = set(data) - {"name", "aliases", "type", "country", "notes"}
            if unknown:
                raise InputError(
                    f"unknown {noun(len(unknown), 'key')} {', '.join(sorted(unknown))}", file=path, line=row.line
                )
            try:
                _check_code(store, "org_type", data.get("type"))
            except UsageError as exc:
                raise InputError(str(exc), file=path, line=row.line, field="type") from None
            if store.organization_by_key(fold(name)) is None:
                store.create_organization(
                    name, stamp=stamp, type_=data.get("type"), country=data.get("country"), notes=data.get("notes")
                )
                added += 1
            new = [a for a in aliases if store.organization_by_key(fold(a)) is None]
            for alias in aliases:
                owner = store.organization_by_key(fold(alias))
                if owner is not None and owner != store.resolve_organization(name):
                    raise InputError(f"alias already names {quote(owner)}", file=path, line=row.line, field="aliases")
            if new:
                store.add_aliases(name, new)
                names += len(new)
    return added, names


# ------------------------------------------------------------------------------------------------ sources


def add_source(store: Store, given: dict[str, Any]) -> str:
    """A new shared source; returns its id."""
    validator = Validator(pipeline.options_for(store))
    items, problems = validator.nested_items("sources", [given], None)
    if problems:
        from .errors import InvalidRecord

        raise InvalidRecord(problems)
    item = items[0]
    if item.get("url") and store.find_source({"url": item["url"]}):
        raise UsageError(f"a source with this URL exists: {store.find_source({'url': item['url']})[1]}")  # type: ignore[index]
    with store.transaction():
        store.upsert_source(item, now())
    return str(item["id"])


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


# ----------------------------------------------------------------------------------------- events, quotes


def append_part(store: Store, validator: Validator, account_ref: str, part: str, entry: dict[str, Any]) -> None:
    """Add one event or quote to an account."""
    account = store.get(store.resolve_id(account_ref))
    entry = {k: v for k, v in entry.items() if v is not None}
    if entry.get("source"):
        entry["source"] = store.resolve_source_id(entry["source"])
    entries = [model.nested_to_json(part, item) for item in account.values[part]]
    pipeline.update_record(store, validator, {"id": account.id, part: [*entries, entry]})


def timeline_rows(store: Store, flt: Filter, account_id: str | None) -> list[dict[str, Any]]:
    """The events of the accounts ``flt`` selects, or of one account (its full id), earliest first."""
    if account_id is not None:
        flt.ids = [account_id]
    rows = []
    for account_id, name, event in store.timeline(flt):
        date = event["date"]
        reading = None
        if date is not None:
            reading = date.edtf if date.edtf is not None else "(unread)"
            if date.corrected:
                reading = f"{date.edtf} (corrected)"
        rows.append(
            {
                "account": account_id,
                "name": name or model.UNNAMED,
                "date": date.raw if date else None,
                "reading": reading,
                "precision": date.precision if date else None,
                "note": date.note if date else None,
                "type": event["type"],
                "place": event["place"],
                "description": event["description"],
                "source": event["source"],
                "earliest": date.min if date else None,
                "latest": date.max if date else None,
            }
        )
    return rows


# ------------------------------------------------------------------------------------------- vocabularies


def vocabulary_rows(store: Store | None, only: str | None) -> list[dict[str, Any]]:
    if only is not None and only not in vocab.VOCABULARIES:
        raise UsageError(f"unknown vocabulary {quote(only)}; choose one of: {', '.join(vocab.VOCABULARIES)}")
    rows = [
        {
            "vocabulary": name,
            "code": c.code,
            "group": c.group,
            "label": c.label,
            "description": c.description,
            "origin": "casefile",
        }
        for name, codes in vocab.VOCABULARIES.items()
        for c in codes
        if only in (None, name)
    ]
    for name, code, label, description, group in store.user_codes() if store is not None else ():
        if only in (None, name):
            rows.append(
                {
                    "vocabulary": name,
                    "code": code,
                    "group": group,
                    "label": label,
                    "description": description,
                    "origin": "user",
                }
            )
    return rows


def add_code(store: Store, vocabulary: str, code: str, label: str, description: str, group: str) -> None:
    if vocabulary not in vocab.EXTENSIBLE:
        raise UsageError(f"{quote(vocabulary)} cannot be extended; choose one of: {', '.join(vocab.EXTENSIBLE)}")
    if not CODE_RE.match(code):
        raise UsageError("a code is 2–63 lower-case letters, digits and _, starting with a letter")
    if code in store.codes()[vocabulary]:
        raise UsageError(f"{vocabulary} already has the code {quote(code)}")
    if vocabulary == "exit_reason" and group not in ("push", "pull", "barrier"):
        raise UsageError("an exit reason needs --group push, pull or barrier")
    if not label.strip():
        raise UsageError("a code needs a --label")
    with store.transaction():
        store.add_code(vocabulary, code, label, description, group, now())
