"""Organisations and the names they are known by: add, alias, show, import. Each function is one
command's work, in one transaction; nothing here prints."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from . import gazetteer, pipeline
from .errors import CasefileError, InputError, NotFound, UsageError, quote
from .orgresolve import NEW
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
    store: Store,
    name: str,
    *,
    aliases: list[str],
    type_: str | None,
    country: str | None,
    notes: str | None,
    new_org: bool = False,
    founded: str | None = None,
) -> None:
    """``org add``; a name that nearly matches a known organisation is refused unless ``new_org``."""
    if not name.strip():
        raise UsageError("an organisation needs a name")
    _check_code(store, "org_type", type_)
    founded = _founded(founded)
    with store.transaction():
        if not new_org:
            _refuse_near(store, name)
        store.create_organization(
            name, stamp=now(), type_=type_, country=country, notes=notes, aliases=aliases, founded=founded
        )


def _founded(value: str | None) -> str | None:
    """When an organisation was founded, as written: a date casefile can read ("1965", "September 1965", "around
    1966"), or None for an empty one; UsageError names what is wrong."""
    from .dates import DateError, parse_date

    if value is None or not value.strip():
        return None
    try:
        fd = parse_date(value.strip())
    except DateError as exc:
        raise UsageError(f"--founded: {exc}") from None
    if fd is None or (fd.min is None and fd.max is None):
        raise UsageError("--founded: needs a year (such as 1965)")
    return value.strip()


def edit_organization(store: Store, name: str, details: dict[str, str | None]) -> str:
    """``org edit``: the details given (type, country, notes, founded; an empty text clears one); one audited
    transaction. Returns the canonical name."""
    if "type" in details:
        details["type"] = _check_code(store, "org_type", details["type"] or None)
    if "founded" in details:
        details["founded"] = _founded(details["founded"])
    details = {k: (v or None) for k, v in details.items()}
    if not details:
        raise UsageError("nothing to change: give --type, --country, --notes or --founded")
    with store.transaction():
        return store.set_organization_details(name, details)


def _refuse_near(store: Store, name: str, **where: Any) -> None:
    """Refuse a new organisation whose name nearly matches a known one, naming it and the ways out."""
    near = near_organizations(store, name)
    if near:
        known = near[0]
        message = (
            f"{quote(name)} nearly matches the organisation {quote(known.name)} ({known.why}); `casefile org alias "
            f"{quote(known.name)} {quote(name)}` makes it one of its names, --new-org adds it as another"
        )
        if where:
            raise InputError(message, **where)
        raise CasefileError(message)


@dataclass
class Aliased:
    """What ``org alias`` did: the organisation's name, and the organisations merged into it (an alias given
    that was the name of an organisation of its own), with how many accounts moved."""

    name: str
    merged: list[tuple[str, int]] = field(default_factory=list)


def add_aliases(store: Store, name: str, aliases: list[str]) -> Aliased:
    """Give an organisation more names. An alias that is the name of another organisation merges that one
    into this (its accounts and aliases move: what "these are one" means); one that is only an alias of
    another organisation is refused, naming it."""
    with store.transaction():
        canonical = store.resolve_organization(name)
        if store.organization_by_key(fold(name)) is None:
            raise NotFound(f"no organisation called {quote(name)}; `casefile org list` shows them")
        done = Aliased(canonical)
        fresh = []
        for alias in aliases:
            owner = store.organization_by_key(fold(alias))
            if owner is None:
                fresh.append(alias)
            elif owner == canonical:
                raise UsageError(f"{quote(alias)} already names {quote(canonical)}")
            elif fold(owner) == fold(alias):
                _, other, moved = store.merge_organizations(canonical, owner, now())
                done.merged.append((other, moved))
            else:
                raise CasefileError(
                    f"{quote(alias)} is an alias of {quote(owner)}; `casefile org unalias {quote(owner)} "
                    f"{quote(alias)}` first, or `casefile org merge {quote(canonical)} {quote(owner)}`"
                )
        if fresh:
            store.add_aliases(canonical, fresh)
        return done


def rename(store: Store, old: str, new: str) -> tuple[str, int]:
    """``org rename``: (the old name, accounts moved)."""
    with store.transaction():
        return store.rename_organization(old, new.strip(), now())


def merge(store: Store, keep: str, other: str) -> tuple[str, str, int]:
    """``org merge KEEP OTHER``: (keep's name, other's name, accounts moved)."""
    with store.transaction():
        return store.merge_organizations(keep, other, now())


def unalias(store: Store, name: str, alias: str) -> str:
    with store.transaction():
        return store.remove_alias(name, alias)


def delete(store: Store, name: str) -> str:
    with store.transaction():
        return store.delete_organization(name)


def near_organizations(store: Store, name: str) -> list[gazetteer.Near]:
    """Known organisations (by canonical name) near a name that is not one of theirs; [] when it is."""
    if not fold(name) or store.organization_by_key(fold(name)) is not None:
        return []
    return _canonical(store, gazetteer.near(name, [n for n, _ in store.organization_names()]))


def _canonical(store: Store, found: list[gazetteer.Near]) -> list[gazetteer.Near]:
    """Near names → their organisations' canonical names, each once, nearest first."""
    by_name = dict(store.organization_names())
    out: dict[str, gazetteer.Near] = {}
    for n in found:
        canonical = by_name.get(n.name, n.name)
        if canonical not in out:
            why = n.why if canonical == n.name else f"{n.why} ({quote(n.name)} is one of its names)"
            out[canonical] = gazetteer.Near(canonical, n.score, why)
    return list(out.values())


def read_org_map(path: str) -> dict[str, str]:
    """``import --org-map FILE``: a CSV (two columns: the name as written, the organisation or ``new``; a
    header row is allowed) or a JSON object; returns folded written name → target."""
    import csv
    import json
    from pathlib import Path

    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the organisation map ({exc})", file=path) from None
    pairs: list[tuple[int, Any, Any]] = []
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"not JSON: {exc.msg}", file=path, line=exc.lineno) from None
        pairs = [(1, k, v) for k, v in data.items()]
    else:
        for line, row in enumerate(csv.reader(text.splitlines()), 1):
            if not row or not any(cell.strip() for cell in row):
                continue
            if len(row) != 2:
                raise InputError(
                    "needs two columns: the name as written, the organisation (or new)", file=path, line=line
                )
            if line == 1 and [c.strip().lower() for c in row] in (["name", "organization"], ["name", "organisation"]):
                continue
            pairs.append((line, row[0], row[1]))
    mapping: dict[str, str] = {}
    for line, written, target in pairs:
        if not isinstance(written, str) or not isinstance(target, str) or not fold(written) or not target.strip():
            raise InputError("each name needs an organisation (or new), as text", file=path, line=line)
        mapping[fold(written)] = NEW if target.strip().lower() == NEW else target.strip()
    return mapping


def organization(store: Store, name: str) -> dict[str, Any]:
    canonical = store.organization_by_key(fold(name))
    for org in store.organizations():
        if org["name"] == canonical:
            return org
    raise NotFound(f"no organisation called {quote(name)}; `casefile org list` shows them")


def import_organizations(store: Store, path: str, new_org: bool = False) -> tuple[int, int]:
    """Organisations from a JSON list; returns (organisations added, names added). Idempotent. A new one whose
    name nearly matches a known one (or one added earlier in the file) is refused unless ``new_org``."""
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
            unknown = set(data) - {"name", "aliases", "type", "country", "notes", "founded"}
            if unknown:
                raise InputError(
                    f"unknown {noun(len(unknown), 'key')} {', '.join(sorted(unknown))}", file=path, line=row.line
                )
            try:
                _check_code(store, "org_type", data.get("type"))
            except UsageError as exc:
                raise InputError(str(exc), file=path, line=row.line, field="type") from None
            try:
                founded = _founded(data.get("founded") if isinstance(data.get("founded"), str) else None)
            except UsageError as exc:
                message = str(exc).removeprefix("--founded: ")
                raise InputError(message, file=path, line=row.line, field="founded") from None
            if store.organization_by_key(fold(name)) is None:
                if not new_org:
                    _refuse_near(store, name, file=path, line=row.line, field="name")
                store.create_organization(
                    name,
                    stamp=stamp,
                    type_=data.get("type"),
                    country=data.get("country"),
                    notes=data.get("notes"),
                    founded=founded,
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


@dataclass(frozen=True)
class NearDuplicate:
    """Two organisations that look like one group: ``keep`` (the one more accounts name) and ``other``."""

    keep: str
    other: str
    score: float
    why: str


def near_duplicates(store: Store) -> list[NearDuplicate]:
    """Pairs of organisations one of whose names nearly matches one of the other's (a spelling, "X (MEK)", one
    gazetteer entry), for ``check``; each pair once, with its nearest names' score and why."""
    names = store.organization_names()
    owner = dict(names)
    known = gazetteer.Known(owner)
    used = {o["name"]: o["accounts"] for o in store.organizations()}
    best: dict[frozenset[str], tuple[float, str]] = {}
    for name, canonical in names:
        for found in gazetteer.near(name, known):
            if owner[found.name] == canonical:
                continue
            pair = frozenset((canonical, owner[found.name]))
            if pair not in best or best[pair][0] < found.score:
                best[pair] = (found.score, found.why)
    out = []
    for pair, (score, why) in best.items():
        keep, other = sorted(pair, key=lambda n: (-used.get(n, 0), n))
        out.append(NearDuplicate(keep, other, score, why))
    return sorted(out, key=lambda d: (d.keep, d.other))


def groups(store: Store) -> dict[str, str]:
    """Each organisation that looks like one group with others (:func:`near_duplicates`: MEK, MKO, "People's
    Mojahedin…" not yet merged) → the one organisation standing for them all, so ``dupes`` compares accounts
    a raw import split between them (issue 18). Organisations in no such group are left out."""
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        while parent.get(name, name) != name:
            name = parent[name]
        return name

    for pair in near_duplicates(store):
        a, b = sorted((root(pair.keep), root(pair.other)))
        if a != b:
            parent[b] = a
    return {name: root(name) for name in parent}


def ignore_near_duplicate(store: Store, rule: str, names: list[str], note: str) -> tuple[str, str]:
    """``check --ignore org-near-duplicate --org A --org B``: record that two organisations are not one."""
    if len(names) != 2:
        raise UsageError(f"--ignore {rule} needs the two organisations: --org A --org B")
    pair = []
    for name in names:
        canonical = store.organization_by_key(fold(name))
        if canonical is None:
            raise NotFound(f"no organisation called {quote(name)}; `casefile org list` shows them")
        pair.append(canonical)
    if pair[0] == pair[1]:
        raise UsageError(f"{quote(names[0])} and {quote(names[1])} are one organisation already")
    with store.transaction():
        store.ignore_org_check(rule, (pair[0], pair[1]), note, now())
    return pair[0], pair[1]
