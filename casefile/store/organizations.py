"""Organisations and their names: each organisation has one canonical name and any number of aliases,
all matched folded (case, diacritics, Arabic/Persian letter variants), so ``--org`` and an import's
``organization`` may use any of them; near matches are found for the warnings that suggest an alias.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from casefile.errors import NotFound, UsageError, quote
from casefile.text import fold, loose_key

from .base import StoreBase


class Organizations(StoreBase):
    """Organisations, their aliases, and finding one by any of its names."""

    def organization_by_key(self, key: str) -> str | None:
        """The canonical name of the organisation one of whose names folds to ``key``."""
        row = self.conn.execute(
            "SELECT o.name FROM organization_names n JOIN organizations o ON o.rowid = n.organization_rowid "
            "WHERE n.match_key = ?",
            (key,),
        ).fetchone()
        return str(row[0]) if row else None

    def resolve_organization(self, name: str) -> str:
        """The canonical name for any name or alias; unknown names are returned as given."""
        return self.organization_by_key(fold(name)) or name

    def organizations_near(self, name: str, cutoff: float = 0.88) -> list[str]:
        """Canonical names of organisations with a name that nearly matches ``name`` (not exactly)."""
        import difflib

        key, loose = fold(name), loose_key(name)
        near: list[str] = []
        for other, match_key in self.conn.execute(
            "SELECT o.name, n.match_key FROM organization_names n JOIN organizations o ON o.rowid = "
            "n.organization_rowid ORDER BY o.name"
        ):
            if match_key == key or other in near:
                continue
            if loose_key(match_key) == loose:
                near.append(str(other))
                continue
            # the cheap upper bounds first (lengths, then letter counts), as difflib.get_close_matches does, with
            # one matcher per stored name: its index of the name is built once, not for every new organisation
            # (an import creating 300 of them spent more than a second here; issue 9)
            matcher = self._matchers.get(match_key)
            if matcher is None:
                matcher = self._matchers[match_key] = difflib.SequenceMatcher(None, "", match_key)
            matcher.set_seq1(key)
            if matcher.real_quick_ratio() >= cutoff and matcher.quick_ratio() >= cutoff and matcher.ratio() >= cutoff:
                near.append(str(other))
        return near

    def create_organization(
        self,
        name: str,
        *,
        stamp: str,
        type_: str | None = None,
        country: str | None = None,
        notes: str | None = None,
        aliases: Sequence[str] = (),
    ) -> None:
        if self.organization_by_key(fold(name)) is not None:
            raise UsageError(f"an organisation is already called {quote(name)}; `casefile org show` it")
        cursor = self.conn.execute(
            "INSERT INTO organizations (name, type, country, notes, created_at) VALUES (?, ?, ?, ?, ?)",
            (name, type_, country, notes, stamp),
        )
        rowid = int(cursor.lastrowid or 0)
        self._add_name(rowid, name, "name")
        for alias in aliases:
            self._add_name(rowid, alias, "alias")

    def add_aliases(self, organization: str, aliases: Sequence[str]) -> str:
        """Give an organisation (named by any of its names) more names; returns its canonical name."""
        row = self.conn.execute(
            "SELECT o.rowid, o.name FROM organization_names n JOIN organizations o ON o.rowid = "
            "n.organization_rowid WHERE n.match_key = ?",
            (fold(organization),),
        ).fetchone()
        if row is None:
            raise NotFound(f"no organisation called {quote(organization)}; `casefile org list` shows them")
        for alias in aliases:
            self._add_name(int(row[0]), alias, "alias")
        return str(row[1])

    def _add_name(self, org_rowid: int, name: str, kind: str) -> None:
        key = fold(name)
        if not key:
            raise UsageError("an organisation name cannot be empty")
        owner = self.organization_by_key(key)
        if owner is not None:
            raise UsageError(f"{quote(name)} already names the organisation {quote(owner)}")
        self.conn.execute(
            "INSERT INTO organization_names (organization_rowid, name, kind, match_key) VALUES (?, ?, ?, ?)",
            (org_rowid, name, kind, key),
        )

    def organization_names_of(self, names: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """For each of ``names`` that names a known organisation: all that organisation's names, the canonical
        one first, then its aliases as they were added (what search finds its accounts by)."""
        out: dict[str, tuple[str, ...]] = {}
        for name in names:
            rows = self.conn.execute(
                "SELECT n2.name FROM organization_names n JOIN organization_names n2 ON n2.organization_rowid = "
                "n.organization_rowid WHERE n.match_key = ? ORDER BY n2.kind != 'name', n2.rowid",
                (fold(name),),
            ).fetchall()
            if rows:
                out[name] = tuple(r[0] for r in rows)
        return out

    def organizations(self) -> list[dict[str, Any]]:
        """Every organisation with its aliases and how many (not deleted) accounts name it."""
        rows = self.conn.execute(
            "SELECT o.rowid, o.name, o.type, o.country, o.notes, "
            "(SELECT count(*) FROM accounts a WHERE a.organization = o.name AND a.deleted_at IS NULL) "
            "FROM organizations o ORDER BY o.name"
        ).fetchall()
        names: dict[int, list[str]] = {}
        for org_rowid, name in self.conn.execute(
            "SELECT organization_rowid, name FROM organization_names WHERE kind = 'alias' ORDER BY rowid"
        ):
            names.setdefault(org_rowid, []).append(name)
        return [
            {
                "name": r[1],
                "aliases": names.get(r[0], []),
                "type": r[2],
                "country": r[3],
                "notes": r[4],
                "accounts": r[5],
            }
            for r in rows
        ]
