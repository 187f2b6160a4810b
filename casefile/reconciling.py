"""What ``check`` says about dates as the text gave them (issue 19): the arithmetic of joined + years in the
organisation + left when they disagree, a year before 1900 with what was written and the likely intent, and
relative dates ("last December") with nothing to count from or counted from a date that has changed since.

Each function yields ``(rule, where, message, severity or None)``; :mod:`casefile.analysis` makes them findings.
A message quotes at most the year as written, never the rest of the record.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from . import durations, relative_dates
from .model import FuzzyDate, format_number

Found = tuple[str, str, str, str | None]
#: When the account's organisation was founded, as written, and who says so ("" for the organisation's own record).
Founded = tuple[str, str]
_OLD_YEAR = re.compile(r"(?<!\d)1[0-8]\d\d(?!\d)")


def _years(fd: FuzzyDate) -> tuple[int, int] | None:
    if not fd.min or not fd.max:
        return None
    return int(fd.min[:4]), int(fd.max[:4])


def _span(lo: float, hi: float) -> str:
    a, b = format_number(round(lo, 1)), format_number(round(hi, 1))
    return a if a == b else f"{a}–{b}"


def years_in_org(values: dict[str, Any]) -> Iterator[Found]:
    """joined + years_in_org (with its qualifier) against left, in whole years; reported, with the arithmetic,
    when they disagree by more than a year: ``joined 1981 + >7 years ≥ 1988, but left 1985: disagree by 3 years``."""
    stated, qualifier = values.get("years_in_org"), values.get("years_in_org_qualifier")
    joined, left = values.get("joined"), values.get("left")
    if stated is None or joined is None or left is None:
        return
    j, lf = _years(joined), _years(left)
    if j is None or lf is None:
        return
    low, high = durations.interval(stated, qualifier)
    first = j[0] + low
    last = None if high is None else j[1] + high
    if lf[1] < first:
        gap = first - lf[1]
    elif last is not None and lf[0] > last:
        gap = lf[0] - last
    else:
        return
    if gap <= 1:
        return
    if last is None:
        result = f"≥ {format_number(round(first, 1))}"
    elif low == 0:
        result = f"≤ {format_number(round(last, 1))}"
    else:
        result = f"= {_span(first, last)}"
    said = durations.shown(format_number(stated), qualifier)
    yield (
        "years-in-org",
        "years_in_org",
        f"joined {_span(*j)} + {said} years {result}, but left {_span(*lf)}: disagree by "
        f"{format_number(round(gap, 1))} years",
        None,
    )


def old_years(
    dates: Iterable[tuple[str, FuzzyDate]], values: dict[str, Any], today: str, founded: Founded | None = None
) -> Iterator[Found]:
    """A year before 1900 as written: what was written, its correction or the likely one, and what says so (the
    birth year, when the group was founded)."""
    birth = values.get("birth_year")
    context = f"; the person was born {birth}" if birth is not None else ""
    if founded is not None:
        context += f"; the group was founded {founded[0]}"
    for where, fd in dates:
        m = _OLD_YEAR.search(fd.raw)
        written = m[0] if m else None
        if fd.corrected and written:
            message = f"{written} as written, corrected to {fd.corrected} — before 1900{context}"
            yield "date-before-1900", where, message, "info"
        elif fd.max is not None and fd.max < "1900-01-01":
            message = f"{written or fd.edtf} as written — before 1900{context}"
            guess = _likely(written, birth, today)
            if guess:
                message += f"; perhaps {guess} was meant (keep what was written: correct it with <date>_corrected)"
            yield "date-before-1900", where, message, None


def joined_before_founded(values: dict[str, Any], founded: Founded | None) -> Iterator[Found]:
    """A joined date wholly before the organisation was founded, with both."""
    from .dates import DateError, parse_date

    joined = values.get("joined")
    if founded is None or not isinstance(joined, FuzzyDate) or joined.max is None:
        return
    try:
        start = parse_date(founded[0])
    except DateError:
        return
    if start is None or start.min is None or joined.max >= start.min:
        return
    said = f"{founded[0]}, {founded[1]}" if founded[1] else founded[0]
    yield "joined-before-founded", "joined", f"joined {joined.edtf}, before the group was founded ({said})", None


def _likely(written: str | None, birth: int | None, today: str) -> str | None:
    """1886 → 1986: the year with its century slipped, if that year is possible for this person."""
    if written is None or not written.startswith("18"):
        return None
    guess = int("19" + written[2:])
    if guess > int(today[:4]) or (birth is not None and guess < birth):
        return None
    return str(guess)


_MISSING = {
    "source": "the primary source's publication date, which the account does not have yet (--source-date)",
    "birth_year": "the birth year, which the account does not have yet (--birth-year)",
    "event": "another date of the account, not named yet (add --anchor left=joined, event add --anchor joined, or "
    "<date>_anchor)",
}


def relative(dates: Iterable[tuple[str, FuzzyDate]], values: dict[str, Any]) -> Iterator[Found]:
    """Relative dates not derived yet, and derived ones whose anchor has changed since they were written."""
    for where, fd in dates:
        if not fd.derived or fd.anchor is None:
            continue
        name = relative_dates.anchor_name(fd.anchor)
        if fd.edtf is None:
            missing = _MISSING.get(name, f"{name}, which has no date to count from")
            yield "date-no-anchor", where, f"a relative date: it counts from {missing}", None
            continue
        again = relative_dates.derived(fd, values)
        if again != fd and again is not None:
            now = again.anchor if again.edtf is not None else f"{name} (no date now)"
            message = f"derived from {fd.anchor}, which reads {now} now; edit the account to derive it again"
            yield "date-anchor-changed", where, message, None
