"""Which organisation a written name means, for every write that names one (add, edit, import, the editor):
a known name or alias links; an unknown one is created, unless it nearly matches a known one (issue 18) —
then :class:`OrgChoices` says whether to create it, link it, or refuse the record. Used by
:mod:`casefile.pipeline`'s writer, inside its transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import Problem
from .text import fold

if TYPE_CHECKING:
    from .store import Store, WriteCounts

#: In an organisation map (``import --org-map``): create the organisation as written.
NEW = "new"


@dataclass
class OrgChoices:
    """What to do with an organisation name that no organisation has but that nearly matches one that does
    (:func:`casefile.gazetteer.near`): create it anyway (``new_org``: ``--new-org`` or the ``new_org``
    setting), or look the written name up in ``org_map`` (folded name → a known organisation, or :data:`NEW`);
    otherwise the record is refused with ``hint`` — how to say which — filled in with the known name."""

    new_org: bool = False
    org_map: dict[str, str] = field(default_factory=dict)
    hint: str = "give --org {known} to use it, or --new-org to create a new organisation"


@dataclass
class NewOrganization:
    """A name that made (or would have made) a new organisation, for an import's report."""

    name: str
    nearest: str | None
    score: float | None
    why: str | None
    outcome: str  # "new", "new (--new-org)", "new (--org-map)", "linked to …", "refused"
    rows: int = 0


class Organizations:
    """Resolves organisation names and aliases (case- and diacritics-insensitively) to the canonical name.

    An unknown name creates the organisation, reported in the summary — unless it nearly matches a known one
    ("Mujahedin-e-Khalq", "MKO", "Mujahedin-e Khalq (MEK)" when MEK is known): then :class:`OrgChoices` says
    whether to create it, link it to a known one, or refuse the record. Never merged silently.
    """

    def __init__(self, store: Store, counts: WriteCounts, stamp: str, choices: OrgChoices | None = None):
        self.store = store
        self.counts = counts
        self.stamp = stamp
        self.choices = choices or OrgChoices()
        self.cache: dict[str, tuple[str, Problem | None]] = {}
        self.report: dict[str, NewOrganization] = {}
        self._known: dict[str, str] | None = None  # every name and alias → its canonical name
        self._names: Any = None  # the same names, indexed for gazetteer.near

    def resolve(self, name: str, line: int | None = None) -> tuple[str, Problem | None]:
        """(the canonical name to store, or a problem that refuses the record)."""
        key = fold(name)
        if not key:
            return name, None  # only marks or spaces: nothing to match an organisation by; kept as written
        if key not in self.cache:
            canonical = self.store.organization_by_key(key)
            self.cache[key] = (canonical, None) if canonical is not None else self._new(name, key)
        canonical, problem = self.cache[key]
        if key in self.report:
            self.report[key].rows += 1
        if problem is not None:
            return canonical, Problem(line, problem.field, problem.reason)
        return canonical, None

    def _new(self, name: str, key: str) -> tuple[str, Problem | None]:
        from . import gazetteer
        from .errors import quote

        known = self._known_names()
        found = gazetteer.nearest(name, self._names)
        canonical = known[found.name] if found else None
        close = found is not None and found.score >= gazetteer.CUTOFF
        entry = NewOrganization(name, canonical, found.score if found else None, found.why if found else None, "new")
        self.report[key] = entry
        target = self.choices.org_map.get(key)
        if target is not None and target != NEW:
            linked = self.store.organization_by_key(fold(target))
            if linked is None:
                entry.outcome = "refused"
                return name, Problem(None, "organization", f"--org-map names {quote(target)}, no known organisation")
            entry.outcome = f"linked to {quote(linked)} (--org-map)"
            return linked, None
        if close and target is None and not self.choices.new_org:
            assert found is not None and canonical is not None
            entry.outcome = "refused"
            why = found.why + (f", as {quote(found.name)}" if found.name != canonical else "")
            return name, Problem(
                None,
                "organization",
                f"{quote(name)} is no known organisation but nearly matches {quote(canonical)} ({why}); "
                + self.choices.hint.format(known=quote(canonical)),
            )
        if close:
            assert found is not None and canonical is not None
            entry.outcome = "new (--org-map)" if target == NEW else "new (--new-org)"
            self.counts.warnings.append(
                f"new organisation {quote(name)} nearly matches {quote(canonical)} ({found.why}); created as told; "
                f"if they are one: `casefile org merge {quote(canonical)} {quote(name)}`"
            )
        self.store.create_organization(name, stamp=self.stamp)
        self.counts.new_organizations.append(name)
        known[name] = name
        self._names.add(name)
        return name, None

    def _known_names(self) -> dict[str, str]:
        from . import gazetteer

        if self._known is None:
            self._known = dict(self.store.organization_names())
            self._names = gazetteer.Known(self._known)
        return self._known
