"""Organisations and the names they are known by: add, alias, show, import. Each function is one
command's work, in one transaction; nothing here prints."""

from __future__ import annotations

import re
from typing import Any

from . import pipeline
from .errors import InputError, NotFound, UsageError, quote
from .store import Store, now
from .text import fold, noun
from .validation import closest

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
