"""The queries behind :mod:`casefile.analysis`: the cross-tabs of ``stats`` (by organisation, exit year,
reason…), the people ``dupes`` compares, and the ``check`` findings someone looked at and silenced.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from casefile.model import Filter

from .accounts import check_field
from .base import StoreBase


def _year(field: str) -> str:
    """The year a date says: the written year when it names one (``2008``, ``around 2008``, ``March
    2016``), else the span of possible years (``1997–1999``); NULL when the year is unknown."""
    c = f"accounts.{field}"
    return (
        f"CASE WHEN {c}_min IS NULL THEN NULL "
        f"WHEN {c}_precision IN ('day', 'month', 'season', 'year') AND {c}_edtf GLOB '[0-9][0-9][0-9][0-9]*' "
        f"THEN substr({c}_edtf, 1, 4) "
        f"WHEN substr({c}_min, 1, 4) = substr({c}_max, 1, 4) THEN substr({c}_min, 1, 4) "
        f"ELSE substr({c}_min, 1, 4) || '–' || substr({c}_max, 1, 4) END"
    )


_PLACES = " LEFT JOIN places AS p ON p.account_rowid = accounts.rowid"

#: ``stats`` dimensions: name → (FROM clause joined to accounts, value expression). Multi-valued ones join
#: a row per value; an account counts once per distinct value.
STATS_DIMENSIONS: dict[str, tuple[str, str]] = {
    "organization": ("", "accounts.organization"),
    "exit_year": ("", _year("left")),
    "joined_year": ("", _year("joined")),
    "reason": (" LEFT JOIN json_each(accounts.reasons) AS j", "j.value"),
    "reason_factor": (
        " LEFT JOIN json_each(accounts.reasons) AS j LEFT JOIN factors AS f ON f.code = j.value",
        "f.grp",
    ),
    "allegation": (" LEFT JOIN json_each(accounts.allegations) AS j", "j.value"),
    "join_reason": (" LEFT JOIN json_each(accounts.join_reasons) AS j", "j.value"),
    "barrier": (" LEFT JOIN json_each(accounts.barriers) AS j", "j.value"),
    "exit_type": ("", "accounts.exit_type"),
    # a coded field counts its code (IR for IR, ir, Iran, Iranian); a value without one as written
    "nationality": ("", "coalesce(accounts.nationality_code, accounts.nationality)"),
    "gender": ("", "coalesce(accounts.gender_code, accounts.gender)"),
    "country": (_PLACES, "coalesce(p.country_code, p.country)"),
    "place_role": (_PLACES, "p.role"),
    "relation": (" LEFT JOIN people AS m ON m.account_rowid = accounts.rowid", "m.relation"),
    "source_reliability": ("", "accounts.source_reliability"),
    "publisher_type": (
        " LEFT JOIN account_sources AS l ON l.account_rowid = accounts.rowid LEFT JOIN sources AS s ON "
        "s.rowid = l.source_rowid",
        "s.publisher_type",
    ),
}

#: Dimensions that are parts of one coded item (a reason and its push/pull/barrier factor): a cross-tab of
#: two of them pairs the values within each item; any other pair of dimensions pairs per account.
REASON_PARTS = frozenset({"reason", "reason_factor"})
#: Every such group: a place's country and its role pair within each place too.
ITEM_PARTS = (REASON_PARTS, frozenset({"country", "place_role"}))


class Analysis(StoreBase):
    """Counting and comparing accounts for stats, dupes and check."""

    # -- statistics ---------------------------------------------------------------------------------

    def stats(
        self, dimensions: Sequence[str], flt: Filter, factors: dict[str, str]
    ) -> tuple[int, list[tuple[Any, ...]]]:
        """(accounts selected, [(value, [value2,] accounts)]) for one or two :data:`STATS_DIMENSIONS`; a
        None value counts the accounts with no value. ``factors`` maps reason codes to push/pull/barrier."""
        for name in dimensions:
            check_field(name, tuple(STATS_DIMENSIONS), "stats dimension")
        where, params = self.where(flt)
        total = int(self.conn.execute(f"SELECT count(*) FROM accounts{where}", params).fetchone()[0])
        joins = [STATS_DIMENSIONS[name] for name in dimensions]
        if len(joins) == 1 and not joins[0][0]:  # one plain column: a GROUP BY an index can answer
            sql = f"SELECT {joins[0][1]}, count(*) FROM accounts{where} GROUP BY 1"
            return total, [tuple(r) for r in self.conn.execute(sql, params)]
        pairs = list(factors.items()) or [("", "")]
        ctes = ["factors(code, grp) AS (VALUES " + ", ".join("(?, ?)" for _ in pairs) + ")"]
        cte_params: list[Any] = [x for pair in pairs for x in pair]
        if len(joins) == 2 and any(
            set(dimensions) <= parts for parts in ITEM_PARTS
        ):  # parts of one coded item pair within it
            join = max((j for j, _ in joins), key=len)
            raw = f"SELECT accounts.rowid AS k, {joins[0][1]} AS v0, {joins[1][1]} AS v1 FROM accounts{join}{where}"
            sql = f"WITH {ctes[0]} SELECT v0, v1, count(DISTINCT k) FROM ({raw}) GROUP BY 1, 2"
            return total, [tuple(r) for r in self.conn.execute(sql, cte_params + params)]
        for n, (join, value) in enumerate(joins):
            raw = f"SELECT accounts.rowid AS k, {value} AS v FROM accounts{join}{where}"
            ctes.append(
                f"d{n} AS (SELECT DISTINCT k, v FROM ({raw}) WHERE v IS NOT NULL "
                f"UNION ALL SELECT k, NULL FROM ({raw}) GROUP BY k HAVING count(v) = 0)"
            )
            cte_params += params * 2
        if len(joins) == 1:
            sql = "SELECT d0.v, count(*) FROM d0 GROUP BY 1"
        else:
            sql = "SELECT d0.v, d1.v, count(*) FROM d0 JOIN d1 ON d1.k = d0.k GROUP BY 1, 2"
        sql = "WITH " + ", ".join(ctes) + " " + sql
        return total, [tuple(r) for r in self.conn.execute(sql, cte_params)]

    def explain_stats(self, dimension: str, flt: Filter) -> list[str]:
        """``EXPLAIN QUERY PLAN`` of a one-column :meth:`stats` query (tests prove index use with it)."""
        where, params = self.where(flt)
        value = STATS_DIMENSIONS[check_field(dimension, tuple(STATS_DIMENSIONS), "stats dimension")][1]
        sql = f"EXPLAIN QUERY PLAN SELECT {value}, count(*) FROM accounts{where} GROUP BY 1"
        return [str(r[-1]) for r in self.conn.execute(sql, params)]

    # -- duplicates ---------------------------------------------------------------------------------

    def people(self, flt: Filter) -> Iterator[tuple[Any, ...]]:
        """(rowid, id, external_id, name, aliases JSON, organization, joined_min, joined_max, left_min,
        left_max, birth_year) of the accounts ``flt`` selects, for duplicate detection. An account merged into
        another is never one (``--include-deleted`` or not): it is part of that account now."""
        where, params = self.where(flt)
        merged = "accounts.id NOT IN (SELECT old_id FROM account_redirects)"
        where = f"{where} AND {merged}" if where else f" WHERE {merged}"
        sql = (
            "SELECT accounts.rowid, accounts.id, accounts.external_id, accounts.name, accounts.aliases, "
            "accounts.organization, accounts.joined_min, accounts.joined_max, accounts.left_min, accounts.left_max, "
            f"accounts.birth_year FROM accounts{where} ORDER BY accounts.rowid"
        )
        yield from self.conn.execute(sql, params)

    # -- check --------------------------------------------------------------------------------------

    def ignore_check(self, rule: str, account_id: str, note: str, stamp: str) -> None:
        """Record that a check finding on one account was looked at (replacing an earlier note)."""
        self.conn.execute(
            "INSERT OR REPLACE INTO check_ignores (rule, account_rowid, note, created_at) "
            "SELECT ?, rowid, ?, ? FROM accounts WHERE id = ?",
            (rule, note, stamp, account_id),
        )

    def check_ignores(self) -> dict[tuple[str, str], str]:
        """(rule, account id) → note, for every silenced finding."""
        sql = "SELECT i.rule, a.id, i.note FROM check_ignores i JOIN accounts a ON a.rowid = i.account_rowid"
        return {(r[0], r[1]): r[2] for r in self.conn.execute(sql)}

    def ignore_org_check(self, rule: str, organizations: tuple[str, str], note: str, stamp: str) -> None:
        """Record that a finding about two organisations was looked at (replacing an earlier note)."""
        self.conn.execute(
            "INSERT OR REPLACE INTO org_check_ignores (rule, organizations, note, created_at) VALUES (?, ?, ?, ?)",
            (rule, "\n".join(sorted(organizations)), note, stamp),
        )

    def org_check_ignores(self) -> set[tuple[str, frozenset[str]]]:
        """(rule, {the two organisations}) of every silenced finding about organisations."""
        rows = self.conn.execute("SELECT rule, organizations FROM org_check_ignores")
        return {(r[0], frozenset(str(r[1]).split("\n"))) for r in rows}
