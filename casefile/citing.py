"""The flat ``source_*`` columns as a link to a shared source: one source model for ``add --source-*``, CSV
and JSON rows that give flat columns, and ``edit --set source_*=…``.

The flat columns describe an account's primary source. When a record gives any of them (and no ``sources``
list with a primary entry, which is then the truth), what they describe is resolved to a shared source:

1. the values the account's primary source already has (a changed grade, the same source re-imported): that
   source;
2. else a stored source matching them (:meth:`Store.find_source`: normalised URL, else title + publisher +
   date folded) is reused;
3. else the account's own primary source, when no other account cites it (a typo fixed in place), or when the
   values give no other address than it has (a shared source's title changed: refused below);
4. else a new source is created.

A value given that differs from the one the shared source holds is written to it only when no other account
cites the source; otherwise it is a problem naming the field (never the value): other accounts' records would
change with it (`casefile source edit` is the way). A value the source lacks is filled in. An empty value
never clears a shared source's value. The source becomes the account's primary link (the previous primary
link is replaced), the grades go on the link, and the flat columns then mirror the source.
"""

from __future__ import annotations

from typing import Any

from . import model
from .errors import Problem
from .model import Account
from .sourcekeys import date_key, title_key, url_key
from .store import Store, WriteCounts
from .text import fold

#: The link's own parts among the flat columns: this account's grading, not the source's.
LINK_PARTS = ("reliability", "credibility")
DESCRIPTIVE = tuple((flat, part) for flat, part in model.FLAT_SOURCE.items() if part not in LINK_PARTS)


def _raw(value: Any) -> Any:
    return value.raw if hasattr(value, "raw") else value


def differs(a: Any, b: Any) -> bool:
    return bool(_raw(a) != _raw(b))


def _same_meaning(part: str, a: Any, b: Any) -> bool:
    """Two values of a source part that match as the matching rule compares them (an address with tracking
    parameters, a title in other case, a date written another way): not a change of the source."""
    if a is None or b is None:
        return a is b
    if part == "url":
        return url_key(a) == url_key(b)
    if part == "date":
        return date_key(a) == date_key(b) and a.corrected == b.corrected
    if part in ("title", "publisher"):
        return fold(a) == fold(b)
    return not differs(a, b)


class Citations:
    """Resolves the flat source columns of the records of one write (one transaction)."""

    def __init__(self, store: Store, counts: WriteCounts, stamp: str):
        self.store = store
        self.counts = counts
        self.stamp = stamp
        #: source id → ids of the accounts this write linked to it (new accounts are inserted a batch at a time)
        self.linked: dict[str, set[str]] = {}
        #: keys of the sources ``sources`` lists of this write create (with their account, at the batch's end)
        self.pending: set[Any] = set()

    def resolve(
        self, account: Account, stored: Account | None, given: dict[str, Any], line: int | None
    ) -> list[Problem]:
        """Turn the flat columns ``given`` into the account's primary link (changing ``account.values``);
        the problems that stop it. Writes the source it creates or changes (inside the caller's transaction)."""
        if not any(flat in given for flat in model.FLAT_SOURCE):
            return []
        if any(s.get("role") == "primary" for s in given.get("sources") or ()):
            return []  # casefile's own JSON: the primary entry is the truth (merge() checked the flat columns)
        values = account.values
        entries = [dict(s) for s in values.get("sources") or ()]
        at = next((i for i, s in enumerate(entries) if s.get("role") == "primary"), None)
        primary = entries[at] if at is not None else None
        wanted = {part: values.get(flat) for flat, part in DESCRIPTIVE}
        if all(v is None for v in wanted.values()):
            if primary is not None and any(flat in given for flat, _ in DESCRIPTIVE):
                del entries[at]  # type: ignore[arg-type]  # every descriptive column emptied: no primary source
                values["sources"] = entries
            return []
        account_id = str(values.get("id"))
        rowid = stored.rowid if stored is not None else None
        created: dict[str, Any] | None = None
        if primary is not None and all(v is None or _same_meaning(p, v, primary.get(p)) for p, v in wanted.items()):
            target = self.store.find_source({"id": primary["id"]})
        else:
            target = self.store.find_source(wanted)
            if target is None and primary is not None and self._describes(primary, wanted, account_id, rowid):
                target = self.store.find_source({"id": primary["id"]})
        if target is None:
            item = {p: v for p, v in wanted.items() if v is not None}
            source_rowid = self.store.create_source(item, self.stamp)  # find_source(wanted) found none
            target = (source_rowid, str(item["id"]))
            created = item
        else:
            problems = self._update(target, wanted, account_id, rowid, line)
            if problems:
                return problems
        source_rowid, source_id = target
        self.linked.setdefault(source_id, set()).add(account_id)
        entry = {**self.store.source_entry(source_rowid, created), "role": "primary"}
        self.store.settle_source(entry, source_rowid)
        same = primary is not None and primary["id"] == source_id
        entry["locator"] = primary.get("locator") if same else None  # type: ignore[union-attr]
        if same:  # the same link: it keeps its id
            entry["link"] = primary.get("link")  # type: ignore[union-attr]
        for flat, part in model.FLAT_SOURCE.items():
            if part in LINK_PARTS:
                entry[part] = values.get(flat)
        kept = [s for s in entries if s.get("id") != source_id and s is not primary]
        position = min(at if at is not None else 0, len(kept))
        values["sources"] = [*kept[:position], entry, *kept[position:]]
        for flat, part in model.FLAT_SOURCE.items():
            values[flat] = entry.get(part)
        before = {s.get("id") for s in stored.values.get("sources") or ()} if stored is not None else set()
        if created is not None:
            self.counts.sources_created += 1
        elif source_id not in before:
            self.counts.sources_reused += 1
        return []

    def written(self) -> None:
        """The batch's new accounts are stored, their links with them: what the store holds now answers for them
        (:meth:`_cited_elsewhere`, :meth:`count_entries`), so nothing is kept per source until the end (a million
        rows each citing its own article held ~0.8 KB a row; issue 23, I4)."""
        self.linked.clear()
        self.pending.clear()
        self.store.forget_settled_sources()

    def count_entries(self, given: dict[str, Any], stored: Account | None) -> None:
        """Count the sources a ``sources`` list (casefile's JSON) creates or reuses, as :meth:`resolve` counts
        the flat columns' (written later, with the account: :meth:`Store.upsert_source`)."""
        before = {s.get("id") for s in stored.values.get("sources") or ()} if stored is not None else set()
        for entry in given.get("sources") or ():
            found = self.store.find_source(entry)
            key = (
                entry.get("id")
                or url_key(entry.get("url"))
                or title_key(entry.get("title"), entry.get("publisher"), entry.get("date"))
            )
            if found is None and key not in self.pending:
                self.pending.add(key)
                self.counts.sources_created += 1
            elif found is None or found[1] not in before:
                self.counts.sources_reused += 1

    def _describes(self, primary: dict[str, Any], wanted: dict[str, Any], account_id: str, rowid: int | None) -> bool:
        """Whether values that match no stored source still describe the account's primary source: always when
        no other account cites it (a typo fixed in place); else unless they give another address (changing a
        shared source's title is refused by field in :meth:`_update`; another article has its own address)."""
        if not self._cited_elsewhere(primary["id"], account_id, rowid):
            return True
        return wanted.get("url") is None or url_key(wanted["url"]) == url_key(primary.get("url"))

    def _cited_elsewhere(self, source_id: str, account_id: str, rowid: int | None) -> bool:
        if self.linked.get(source_id, set()) - {account_id}:
            return True
        return self.store.source_cited_by_others(source_id, rowid)

    def _update(
        self, target: tuple[int, str], wanted: dict[str, Any], account_id: str, rowid: int | None, line: int | None
    ) -> list[Problem]:
        """Write what ``wanted`` adds to or changes in the stored source; the problems when it would change a
        value other accounts cite."""
        source_rowid, source_id = target
        current = self.store.source_entry(source_rowid)
        changes = {p: v for p, v in wanted.items() if v is not None and not _same_meaning(p, v, current.get(p))}
        clashing = [p for p in changes if current.get(p) is not None]
        if clashing and self._cited_elsewhere(source_id, account_id, rowid):
            flats = {part: flat for flat, part in DESCRIPTIVE}
            return [
                Problem(
                    line,
                    flats[part],
                    f"differs from the shared source {source_id}, which other accounts cite; change it "
                    f"for all of them with `casefile source edit {source_id[:8]}`, or leave the cell as the source "
                    "has it",
                )
                for part in clashing
            ]
        if changes:
            self.store.change_source(source_rowid, changes, self.stamp)
        return []
