"""Counting accounts for ``stats``: by one dimension, cross-tabulated by two, or as a matrix of two with
totals and percentages. No printing and no SQL here: the store runs the queries, the CLI shows them.

The pairing rule of a cross-tab: two dimensions that are parts of one coded item (a reason and its
push/pull/barrier factor) pair within each item; two dimensions from different parts of an account (a
reason and the organisation) pair per account, every value of one with every value of the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

from .errors import UsageError
from .model import Filter

if TYPE_CHECKING:
    from .store import Store

#: Names ``--by`` accepts besides the dimensions themselves.
DIMENSION_ALIASES = {
    "organisation": "organization",
    "org": "organization",
    "reasons": "reason",
    "factor": "reason_factor",
    "allegations": "allegation",
    "join_reasons": "join_reason",
    "barriers": "barrier",
    "reliability": "source_reliability",
}
MULTI_DIMENSIONS = frozenset(
    {
        "reason",
        "reason_factor",
        "allegation",
        "join_reason",
        "barrier",
        "publisher_type",
        "country",
        "place_role",
        "relation",
    }
)
#: Dimensions counting country codes: each row also carries the country's name (``nationality_name``).
COUNTRY_DIMENSIONS = frozenset({"nationality", "country"})
YEAR_DIMENSIONS = frozenset({"exit_year", "joined_year"})
#: What ``stats --sort`` orders rows by: the count (largest first; years in their order) or the value.
SORT_KEYS = ("accounts", "value")


@dataclass
class Stats:
    by: list[str]
    accounts: int  # accounts selected by the filters
    rows: list[dict[str, Any]]  # one per value (pair of values); None = no value
    no_value: dict[str, int]  # per dimension: accounts without any value
    totals: dict[str, dict[Any, int]]  # per dimension: accounts with each value (an account once a value)

    @property
    def columns(self) -> list[str]:
        """The keys of each row: every dimension (a country one followed by its name), then ``accounts``."""
        return [c for name in self.by for c in (name, f"{name}_name")[: 2 if name in COUNTRY_DIMENSIONS else 1]] + [
            "accounts"
        ]


@dataclass
class Matrix:
    """Two dimensions as rows × columns. A row's total counts the accounts with that row value once, so
    with a multi-valued column dimension the cells of a row can add up to more than its total; a row's
    percentages are of its total."""

    by: list[str]
    rows: list[Any]
    columns: list[Any]
    cells: list[list[int]]
    row_totals: list[int]
    column_totals: list[int]
    total: int

    @property
    def row_percent(self) -> list[list[float]]:
        return [
            [round(100 * c / t, 1) if t else 0.0 for c in cells]
            for cells, t in zip(self.cells, self.row_totals, strict=True)
        ]


def dimensions(by: list[str]) -> list[str]:
    """``--by`` names checked against the allow-list (before any SQL exists)."""
    from .store import STATS_DIMENSIONS, check_field

    names = [check_field(DIMENSION_ALIASES.get(b, b), tuple(STATS_DIMENSIONS), "stats dimension") for b in by]
    if not 1 <= len(names) <= 2:
        raise UsageError("give one --by for counts, or two for a cross-tabulation")
    if len(set(names)) < len(names):
        raise UsageError("the two --by dimensions must differ")
    return names


def stats(
    store: Store,
    by: list[str],
    flt: Filter,
    *,
    sort: Optional[str] = None,
    reverse: bool = False,
    limit: Optional[int] = None,
) -> Stats:
    """Accounts counted by one dimension, or cross-tabulated by two (see the module's pairing rule). A
    multi-valued dimension counts an account once under each of its distinct values. Rows come largest
    first (years in their order) or, with ``sort="value"``, by value; ``reverse`` turns the order round and
    ``limit`` keeps the first rows."""
    from . import vocab
    from .store import check_field

    names = dimensions(by)
    if sort is not None:
        check_field(sort, SORT_KEYS, "stats sort key")
    factors = {c.code: c.group for c in vocab.VOCABULARIES["exit_reason"]}
    factors.update({code: group for name, code, _, _, group in store.user_codes() if name == "exit_reason" and group})
    total, counted = store.stats(names, flt, factors)
    no_value, totals = {}, {}
    for name in names:
        single = counted if len(names) == 1 else store.stats([name], flt, factors)[1]
        no_value[name] = sum(r[-1] for r in single if r[0] is None)
        totals[name] = {r[0]: r[-1] for r in single}
    by_value = sort == "value" or (sort is None and names[0] in YEAR_DIMENSIONS)

    def order(r: tuple[Any, ...]) -> tuple[Any, ...]:
        first = (r[0] is None, str(r[0])) if by_value else (r[0] is None, -totals[names[0]][r[0]], str(r[0]))
        if len(names) == 1:
            return first
        second = (r[1] is None, str(r[1])) if sort == "value" else (r[1] is None, -r[-1], str(r[1]))
        return (*first, *second)

    ordered = sorted(counted, key=order, reverse=reverse)
    rows = [_named(dict(zip([*names, "accounts"], r, strict=True))) for r in ordered[:limit]]
    return Stats(names, total, rows, no_value, totals)


def _named(row: dict[str, Any]) -> dict[str, Any]:
    """A row of counts with the country's name after each country code (None for a value as written)."""
    from .codes import country_name

    out: dict[str, Any] = {}
    for key, value in row.items():
        out[key] = value
        if key in COUNTRY_DIMENSIONS:
            out[f"{key}_name"] = country_name(value) if isinstance(value, str) and len(value) == 2 else None
    return out


def matrix(result: Stats) -> Matrix:
    """The cross-tab ``result`` of two dimensions as rows × columns, in the order of its rows."""
    if len(result.by) != 2:
        raise UsageError("a matrix needs two --by dimensions")
    rows = list(dict.fromkeys(r[result.by[0]] for r in result.rows))
    columns = list(dict.fromkeys(r[result.by[1]] for r in result.rows))
    if result.by[1] in YEAR_DIMENSIONS:
        columns.sort(key=lambda v: (v is None, str(v)))
    else:
        columns.sort(key=lambda v: (v is None, -result.totals[result.by[1]].get(v, 0), str(v)))
    at = {(r[result.by[0]], r[result.by[1]]): r["accounts"] for r in result.rows}
    return Matrix(
        by=result.by,
        rows=rows,
        columns=columns,
        cells=[[at.get((r, c), 0) for c in columns] for r in rows],
        row_totals=[result.totals[result.by[0]].get(r, 0) for r in rows],
        column_totals=[result.totals[result.by[1]].get(c, 0) for c in columns],
        total=result.accounts,
    )
