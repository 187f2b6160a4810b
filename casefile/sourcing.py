"""Shared sources (articles, letters, interviews): add one, link one to an account. Each function is one
command's work, in one transaction; nothing here prints."""

from __future__ import annotations

import re
from typing import Any

from . import model, pipeline
from .errors import UsageError
from .store import Store, now
from .validation import Validator

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,62}$")


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
