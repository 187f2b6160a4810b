"""The research record around accounts: organisations, shared sources, timeline events, quotes and the
vocabularies of codes. Each function is one command's work, in one transaction; nothing here prints.

Events, quotes and source links are written by rebuilding the account's list and sending the record
through the same validation and pipeline as ``import``, so every write path checks the same rules.
"""

from __future__ import annotations

import re
from typing import Any

from . import model, pipeline, vocab
from .errors import UsageError, quote
from .model import Filter
from .store import Store, now
from .validation import Validator

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,62}$")


# ----------------------------------------------------------------------------------------- events, quotes


def append_part(store: Store, validator: Validator, account_ref: str, part: str, entry: dict[str, Any]) -> None:
    """Add one event, quote, place or person mentioned to an account."""
    account = store.get(store.resolve_id(account_ref))
    entry = {k: v for k, v in entry.items() if v is not None}
    if entry.get("source"):
        entry["source"] = store.resolve_source_id(entry["source"])
    if entry.get("account"):  # a person's own account: resolved as writes resolve ids (never a merged-away one)
        entry["account"] = store.resolve_id(entry["account"])
    entries = [model.nested_to_json(part, item) for item in account.values[part]]
    pipeline.update_record(store, validator, {"id": account.id, part: [*entries, entry]})


_SUB_YEARS = {"21": "spring", "22": "summer", "23": "autumn", "24": "winter", "37": "early", "38": "mid", "39": "late"}


def when(date: model.FuzzyDate | None) -> str | None:
    """A date as the timeline shows it, with its precision: ``~1990`` (around), ``1980s`` (a decade),
    ``1800s`` (a century), ``1986–1990`` (a span), ``summer 2014``, ``early 2012``, ``1986?`` (uncertain), ``1986
    (corrected)``; ``(unread)`` when casefile could not read it."""
    if date is None:
        return None
    edtf = date.edtf
    if edtf is None:
        return "(not derived yet)" if date.derived else "(unread)"
    if "/" in edtf:
        shown = "–".join(edtf.split("/", 1))
    elif edtf.endswith("~"):
        shown = "~" + edtf[:-1]
    elif date.precision in ("decade", "century") and edtf[:4].rstrip("X").isdigit() and edtf[:4].endswith("X"):
        shown = edtf[:4].replace("X", "0") + "s"
    elif date.precision == "season" and edtf[5:7] in _SUB_YEARS:
        shown = f"{_SUB_YEARS[edtf[5:7]]} {edtf[:4]}"
    else:
        shown = edtf
    return f"{shown} (corrected)" if date.corrected else f"{shown} (derived)" if date.derived else shown


def _in_range(date: model.FuzzyDate | None, since: str | None, until: str | None) -> bool:
    """Whether a row's own date can fall in [since, until]; an undated row only when neither is given."""
    if since is None and until is None:
        return True
    if date is None or date.min is None or date.max is None:
        return False
    return (since is None or date.max >= since) and (until is None or date.min <= until)


def timeline_rows(store: Store, flt: Filter, account_id: str | None) -> list[dict[str, Any]]:
    """The dated things of the accounts ``flt`` selects, or of one account (its full id), earliest first:
    each account's own dates (every date field of the registry: joined, left, announced, the source's
    date) and its events. ``flt.since``/``flt.until`` keep the rows whose own date can fall between them
    (not the accounts that left then); ``flt.limit`` caps the rows."""
    from dataclasses import replace

    select = replace(flt, since=None, until=None, limit=None, sort=None, reverse=False)
    if account_id is not None:
        select.ids = [account_id]
    items: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    order: dict[str, int] = {}
    for n, account in enumerate(store.query(select)):
        key = str(account.id)
        order[key] = n
        for k, field in enumerate(model.DATE_FIELDS):
            date = account.values.get(field)
            if date is not None:
                row = _row(key, account.values.get("name"), field, date, type=field)
                items.append(((n, -len(model.DATE_FIELDS) + k), row))
    for position, (owner, name, event) in enumerate(store.timeline(select)):
        row = _row(owner, name, "events", event["date"], type=event["type"], place=event["place"])
        row.update(description=event["description"], source=event["source"])
        items.append(((order.get(owner, len(order)), position), row))
    for position, (owner, name, place) in enumerate(store.dated_places(select)):
        row = _row(owner, name, "places", _span(place["since"], place["until"]), type=place["role"])
        row.update(place=place["name"], description=place["note"], source=place["source"])
        items.append(((order.get(owner, len(order)), 10**9 + position), row))
    kept = [(key, row) for key, row in items if _in_range(row.pop("_date"), flt.since, flt.until)]
    kept.sort(key=lambda kr: (kr[1]["earliest"] is None, kr[1]["earliest"] or "", kr[1]["latest"] or "", *kr[0]))
    return [row for _, row in kept][: flt.limit]


def _span(since: model.FuzzyDate | None, until: model.FuzzyDate | None) -> model.FuzzyDate | None:
    """A place's time there as one date for the timeline: ``1986–2012`` from since 1986 until 2012 (what was
    written kept in the raw text), from the earliest day of ``since`` to the latest of ``until``."""
    if since is None or until is None:
        return since or until
    raw = f"{since.raw} – {until.raw}"
    if since.edtf is None or until.edtf is None or since.min is None or until.max is None:
        return model.FuzzyDate(raw, precision="unknown")
    edtf = f"{since.edtf.rstrip('~?')}/{until.edtf.rstrip('~?')}"
    return model.FuzzyDate(raw, edtf, since.min, until.max, "interval")


def _row(account: str, name: Any, field: str, date: model.FuzzyDate | None, **values: Any) -> dict[str, Any]:
    reading = None
    if date is not None:
        reading = date.edtf if date.edtf is not None else "(unread)"
        if date.corrected:
            reading = f"{date.edtf} (corrected)"
    return {
        "account": account,
        "name": name or model.UNNAMED,
        "field": field,
        "date": date.raw if date else None,
        "when": when(date),
        "reading": reading,
        "precision": date.precision if date else None,
        "note": date.note if date else None,
        "type": values.get("type"),
        "place": values.get("place"),
        "description": None,
        "source": None,
        "earliest": date.min if date else None,
        "latest": date.max if date else None,
        "_date": date,
    }


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
