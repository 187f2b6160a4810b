"""Organisations and their names: each organisation has one canonical name and any number of aliases,
all matched folded (case, diacritics, Arabic/Persian letter variants), so ``--org`` and an import's
``organization`` may use any of them; repairs (rename, merge, unalias, delete) keep accounts in step. Near
matches are :mod:`casefile.gazetteer`'s business.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from casefile.errors import CasefileError, NotFound, UsageError, quote
from casefile.text import fold

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

    def create_organization(
        self,
        name: str,
        *,
        stamp: str,
        type_: str | None = None,
        country: str | None = None,
        notes: str | None = None,
        aliases: Sequence[str] = (),
        founded: str | None = None,
    ) -> None:
        if self.organization_by_key(fold(name)) is not None:
            raise UsageError(f"an organisation is already called {quote(name)}; `casefile org show` it")
        cursor = self.conn.execute(
            "INSERT INTO organizations (name, type, country, notes, created_at, founded) VALUES (?, ?, ?, ?, ?, ?)",
            (name, type_, country, notes, stamp, founded),
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
            "(SELECT count(*) FROM accounts a WHERE a.organization = o.name AND a.deleted_at IS NULL), o.founded "
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
                "founded": r[6],
                "accounts": r[5],
            }
            for r in rows
        ]

    def set_organization_details(self, name: str, details: dict[str, str | None]) -> str:
        """``org edit``: set some of an organisation's details (type, country, notes, founded); its canonical
        name."""
        rowid, canonical = self._organization(name)
        for column, value in details.items():
            assert column in ("type", "country", "notes", "founded")
            self.conn.execute(f"UPDATE organizations SET {column} = ? WHERE rowid = ?", (value, rowid))
        return canonical

    def founding_dates(self) -> dict[str, str]:
        """Canonical name → when the organisation was founded, as written, for those that say."""
        return {
            str(r[0]): str(r[1])
            for r in self.conn.execute("SELECT name, founded FROM organizations WHERE founded IS NOT NULL")
        }

    # ----------------------------------------------------------------------------------------- repair

    def organization_names(self) -> list[tuple[str, str]]:
        """(name, canonical name) of every name and alias, for near matches."""
        return [
            (str(r[0]), str(r[1]))
            for r in self.conn.execute(
                "SELECT n.name, o.name FROM organization_names n JOIN organizations o ON o.rowid = "
                "n.organization_rowid ORDER BY o.name, n.rowid"
            )
        ]

    def _organization(self, name: str) -> tuple[int, str]:
        row = self.conn.execute(
            "SELECT o.rowid, o.name FROM organization_names n JOIN organizations o ON o.rowid = "
            "n.organization_rowid WHERE n.match_key = ?",
            (fold(name),),
        ).fetchone()
        if row is None:
            raise NotFound(f"no organisation called {quote(name)}; `casefile org list` shows them")
        return int(row[0]), str(row[1])

    def organization_users(self, canonical: str) -> tuple[int, int]:
        """(accounts, of which deleted) that name an organisation."""
        row = self.conn.execute(
            "SELECT count(*), count(deleted_at) FROM accounts WHERE organization = ?", (canonical,)
        ).fetchone()
        return int(row[0]), int(row[1])

    def _move_accounts(self, old: str, new: str, stamp: str) -> int:
        return self.conn.execute(
            "UPDATE accounts SET organization = ?, updated_at = ? WHERE organization = ?", (new, stamp, old)
        ).rowcount

    def _names_of(self, rowid: int) -> list[tuple[str, str]]:
        return [
            (str(r[0]), str(r[1]))
            for r in self.conn.execute(
                "SELECT name, kind FROM organization_names WHERE organization_rowid = ? ORDER BY rowid", (rowid,)
            )
        ]

    def _fresh_names(self, rowid: int, names: Sequence[tuple[str, str]], above: int) -> None:
        """Insert names with rowids above ``above`` (the highest before this change): an undo puts the old
        rows back under their own rowids, which a name inserted now must not have taken."""
        for offset, (name, kind) in enumerate(names, 1):
            self.conn.execute(
                "INSERT INTO organization_names (rowid, organization_rowid, name, kind, match_key) "
                "VALUES (?, ?, ?, ?, ?)",
                (above + offset, rowid, name, kind, fold(name)),
            )

    def _highest_name_rowid(self) -> int:
        return int(self.conn.execute("SELECT coalesce(max(rowid), 0) FROM organization_names").fetchone()[0])

    def rename_organization(self, old: str, new: str, stamp: str) -> tuple[str, int]:
        """Give an organisation another canonical name; its accounts follow. One of its own aliases swaps places
        with the name (the old name becomes an alias); any other new name replaces the old one. Returns (the old
        canonical name, accounts moved). The organisation becomes a new record with the old one's details (the
        audit log names organisation records by their names)."""
        rowid, canonical = self._organization(old)
        if not fold(new):
            raise UsageError("an organisation name cannot be empty")
        if new == canonical:
            raise UsageError(f"the organisation is already called {quote(new)}")
        owner = self.organization_by_key(fold(new))
        if owner is not None and owner != canonical:
            raise CasefileError(
                f"{quote(new)} already names the organisation {quote(owner)}; "
                f"`casefile org merge {quote(owner)} {quote(canonical)}` makes them one"
            )
        aliases = [(n, k) for n, k in self._names_of(rowid) if k == "alias" and fold(n) != fold(new)]
        if owner is not None and fold(new) != fold(canonical):  # one of its aliases: the name becomes one
            aliases.insert(0, (canonical, "alias"))
        top = self._highest_name_rowid()
        details = self.conn.execute(
            "SELECT type, country, notes, created_at, founded FROM organizations WHERE rowid = ?", (rowid,)
        ).fetchone()
        new_rowid = int(self.conn.execute("SELECT max(rowid) + 1 FROM organizations").fetchone()[0])
        self.conn.execute("DELETE FROM organization_names WHERE organization_rowid = ?", (rowid,))
        self.conn.execute("DELETE FROM organizations WHERE rowid = ?", (rowid,))
        self.conn.execute(  # a rowid of its own, above the old one: an undo puts the old record back there
            "INSERT INTO organizations (rowid, name, type, country, notes, created_at, founded) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (new_rowid, new, *details),
        )
        self._fresh_names(new_rowid, [(new, "name"), *aliases], top)
        return canonical, self._move_accounts(canonical, new, stamp)

    def merge_organizations(self, keep: str, other: str, stamp: str) -> tuple[str, str, int]:
        """Make ``other`` part of ``keep``: its accounts move, its name and aliases become aliases of ``keep``,
        and details ``keep`` lacks are taken from it. Returns (keep's name, other's name, accounts moved)."""
        keep_rowid, keep_name = self._organization(keep)
        other_rowid, other_name = self._organization(other)
        if keep_rowid == other_rowid:
            raise UsageError(f"{quote(keep)} and {quote(other)} are already one organisation, {quote(keep_name)}")
        names = [(n, "alias") for n, _ in self._names_of(other_rowid)]
        top = self._highest_name_rowid()
        self.conn.execute(
            "UPDATE organizations SET type = coalesce(organizations.type, o.type), country = "
            "coalesce(organizations.country, o.country), notes = coalesce(organizations.notes, o.notes), founded = "
            "coalesce(organizations.founded, o.founded) FROM (SELECT type, country, notes, founded FROM organizations "
            "WHERE rowid = ?) AS o WHERE organizations.rowid = ?",
            (other_rowid, keep_rowid),
        )
        self.conn.execute("DELETE FROM organization_names WHERE organization_rowid = ?", (other_rowid,))
        self.conn.execute("DELETE FROM organizations WHERE rowid = ?", (other_rowid,))
        self._fresh_names(keep_rowid, names, top)
        return keep_name, other_name, self._move_accounts(other_name, keep_name, stamp)

    def remove_alias(self, organization: str, alias: str) -> str:
        """Take one alias from an organisation; returns the organisation's name."""
        rowid, canonical = self._organization(organization)
        row = self.conn.execute(
            "SELECT organization_rowid, kind, name FROM organization_names WHERE match_key = ?", (fold(alias),)
        ).fetchone()
        if row is None or int(row[0]) != rowid:
            raise NotFound(f"{quote(alias)} is no alias of {quote(canonical)}; `casefile org show` lists them")
        if row[1] == "name":
            raise UsageError(f"{quote(alias)} is the organisation's name; `casefile org rename` changes it")
        self.conn.execute("DELETE FROM organization_names WHERE match_key = ?", (fold(alias),))
        return canonical

    def delete_organization(self, name: str) -> str:
        """Delete an organisation no account names; returns its name."""
        rowid, canonical = self._organization(name)
        used, deleted = self.organization_users(canonical)
        if used:
            from casefile.text import plural

            also = f" ({deleted} of them deleted)" if deleted else ""
            raise CasefileError(
                f"{quote(canonical)} is the organisation of {plural(used, 'account')}{also}; "
                "`casefile org merge` it into another, or change those accounts first"
            )
        self.conn.execute("DELETE FROM organization_names WHERE organization_rowid = ?", (rowid,))
        self.conn.execute("DELETE FROM organizations WHERE rowid = ?", (rowid,))
        return canonical
