"""How long, as a testimony says it: "for 34 years", "more than seven years", "almost a decade", "over twenty
years", ">7", "~10", "34". The number is kept with its qualifier (``more_than``, ``about``…), never rounded into
a bare number, and :func:`interval` gives the years it allows, for ``check``. Standard library only.
"""

from __future__ import annotations

import re

__all__ = ["QUALIFIERS", "DurationError", "interval", "parse_years", "shown"]


class DurationError(ValueError):
    """Text that is not a number of years; the message never quotes it."""


#: qualifier code -> (symbol shown before the number, what it means, phrases that say it)
QUALIFIERS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "more_than": (">", "more than", ("more than", "over", "above", "upwards of", "in excess of", "más de", "mehr als",
                                     "über")),
    "at_least": ("≥", "at least", ("at least", "no less than", "al menos", "mindestens")),
    "less_than": ("<", "less than", ("less than", "under", "fewer than", "menos de", "weniger als")),
    "at_most": ("≤", "at most", ("at most", "up to", "no more than", "hasta", "höchstens", "bis zu")),
    "about": ("~", "about", ("about", "around", "some", "roughly", "approximately", "circa", "close to", "unos",
                             "unas", "alrededor de", "etwa", "ungefähr", "rund")),
    "almost": ("~", "almost (less than)", ("almost", "nearly", "just under", "not quite", "casi", "fast", "beinahe")),
}  # fmt: skip
_SYMBOLS = {">": "more_than", "≥": "at_least", ">=": "at_least", "<": "less_than", "≤": "at_most", "<=": "at_most"}
_SYMBOLS |= {"~": "about", "+": "at_least"}
_PHRASES = {phrase: code for code, (_, _, phrases) in QUALIFIERS.items() for phrase in phrases}
_WORDS = {
    **{w: i for i, w in enumerate(("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                                   "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
                                   "eighteen", "nineteen", "twenty"), 1)},
    "a": 1, "an": 1, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    **{w: i for i, w in enumerate(("uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez"),
                                  1)},
    "un": 1, "una": 1, "veinte": 20, "treinta": 30,
    **{w: i for i, w in enumerate(("ein", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn"),
                                  1)},
    "eine": 1, "zwanzig": 20, "dreißig": 30,
}  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70}
_NUMBER = re.compile(r"[0-9]{1,3}(?:[.,][0-9]+)?")
_UNIT = re.compile(r"(?:years?|yrs?\.?|años?|jahren?|jahre)$|(?P<decade>decades?|décadas?|jahrzehnten?|jahrzehnte)$")
FORMS = "a number of years, optionally qualified: 34, for 34 years, more than seven years, almost a decade, >7, ~10"


def parse_years(text: str) -> tuple[float, str | None]:
    """(number of years, qualifier code or None) of ``text``; raises :class:`DurationError`."""
    t = " ".join(text.strip().lower().rstrip(".").split())
    t = re.sub(r"^(?:for|during|durante|seit|für) ", "", t)
    qualifier = None
    for symbol in sorted(_SYMBOLS, key=len, reverse=True):
        if t.startswith(symbol) and symbol != "+":
            qualifier, t = _SYMBOLS[symbol], t[len(symbol) :].strip()
            break
    if qualifier is None and t.endswith("+"):
        qualifier, t = "more_than", t[:-1].strip()
    if qualifier is None:
        for phrase in sorted(_PHRASES, key=len, reverse=True):
            if t.startswith(phrase + " "):
                qualifier, t = _PHRASES[phrase], t[len(phrase) + 1 :]
                break
    words = t.split(" ")
    factor = 1
    if len(words) > 1 and (m := _UNIT.match(words[-1])):
        factor = 10 if m["decade"] else 1
        words = words[:-1]
    number = _number(" ".join(words))
    if number is None:
        raise DurationError(f"must be {FORMS}")
    years = number * factor
    if not 0 <= years <= 120:
        raise DurationError("must be a number of years between 0 and 120")
    return years, qualifier


def _number(text: str) -> float | None:
    if _NUMBER.fullmatch(text):
        return float(text.replace(",", "."))
    if text in _WORDS:
        return float(_WORDS[text])
    tens, _, unit = text.replace(" ", "-").partition("-")
    if tens in _TENS and unit in _WORDS and _WORDS[unit] < 10 and unit not in ("a", "an"):
        return float(_TENS[tens] + _WORDS[unit])
    return None


def interval(years: float, qualifier: str | None) -> tuple[float, float | None]:
    """The years a stated duration allows: ``>7`` → (7, None), ``~10`` → (9, 11), ``almost 10`` → (9, 10)."""
    margin = max(1.0, years / 10)
    if qualifier in ("more_than", "at_least"):
        return years, None
    if qualifier in ("less_than", "at_most"):
        return 0.0, years
    if qualifier == "about":
        return max(0.0, years - margin), years + margin
    if qualifier == "almost":
        return max(0.0, years - margin), years
    return years, years


def shown(years: str, qualifier: str | None) -> str:
    """A stated duration as shown: ``34``, ``>7``, ``~10``, ``~10 (<10)`` (almost)."""
    if qualifier not in QUALIFIERS:
        return years
    symbol = QUALIFIERS[qualifier][0]
    return f"~{years} (<{years})" if qualifier == "almost" else f"{symbol}{years}"
