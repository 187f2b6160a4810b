"""Forms of dates that fuzzy dates read by first rewriting them into one they already know (on the normalised
text :mod:`casefile.dates` parses: lower case, one space, ``-`` for every dash):

- a time of day after a full date, as news sites print a publication date: "Sunday 21 March 2010 01:00 GMT",
  "March 21, 2010 at 1:00 am", "2010-03-21T01:00:00Z" → the day (a date is a day here; the time is dropped);
- a span of years with the second written short: "1986-90", "2023/24" → "1986-1990", "2023-2024" (only when
  the short year is later in the same century and cannot be a month: "2011/12" stays December 2011);
- "before 2024", "after 1990" (and Spanish "antes de", "después de"; German "vor", "nach") → "until 2023",
  "since 1991": open intervals that exclude the year named.

Standard library only.
"""

from __future__ import annotations

import re

__all__ = ["rewrite"]

_TIME = re.compile(
    r"(.*[0-9]{4}),?(?: at| um| a las)? [0-9]{1,2}[:.][0-9]{2}(?:[:.][0-9]{2})?(?: ?[ap]\.?m\.?)?"
    r"(?: ?(?:gmt|utc|bst|cet|cest|eet|eest|est|edt|cst|cdt|pst|pdt|irst|z|[+-][0-9]{2}:?[0-9]{2}))?"
)
_ISO_TIME = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})t[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:z|[+-][0-9]{2}:?[0-9]{2})?"
)
_SHORT_SPAN = re.compile(r"([0-9]{2})([0-9]{2})[-/]([0-9]{2})")
_BEFORE = re.compile(r"(?:before|prior to|antes de|vor) ([0-9]{4})")
_AFTER = re.compile(r"(?:after|later than|después de|despues de|nach) ([0-9]{4})")


def rewrite(text: str) -> str:
    """``text`` in a form the grammar of :mod:`casefile.dates` reads, or ``text`` itself."""
    if m := _ISO_TIME.fullmatch(text):
        return m[1]
    if m := _TIME.fullmatch(text):
        return m[1]
    if m := _SHORT_SPAN.fullmatch(text):
        century, start, end = m.groups()
        if int(end) > 12 and int(end) > int(start):
            return f"{century}{start}-{century}{end}"
    if m := _BEFORE.fullmatch(text):
        return f"until {int(m[1]) - 1:04d}"
    if m := _AFTER.fullmatch(text):
        return f"since {int(m[1]) + 1:04d}"
    return text
