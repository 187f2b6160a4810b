"""Places a text names in the subject's story: a capitalised name after a word of place ("in Tirana",
"from Brussels", "at Camp Ashraf", "near the Chinese border" is not a name), with its country code when a
maintained list knows the name (pycountry for countries; a city is drafted with no code rather than a
guessed one). People, organisations, months and words inside quotes are not places.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from .names import NOT_NAMES, Span

_PLACE = re.compile(
    r"\b(?i:in|from|to|at|near|into|across|outside|via|through|towards|reached|inside|en|desde|aus|nach|bei|"
    r"outskirts of|province of|city of|region of|department of|state of|hometown of|town of|village of|"
    r"north of|south of|east of|west of|out of)[ \t]+(?:the[ \t]+)?"
)
_NOT_PLACE = re.compile(
    r"^(?:the\s+)?(?:Red Cross|Committee|Ministry|Association|Agency|Army|Court|Gazette|Association|Society|"
    r"Church|University|Commission|Mission|Program|Programme|Voice|Interior|Justice|Joint|International|"
    r"Human|Islamic State|Taliban|Mojahedin|Mujahedin|Mujahedeen|People|Revolutionary|Lord|Exit|World|UN\b|"
    r"God|Paradise)",
)
_PLACE_WORDS = re.compile(
    r"\b(?:Camp|camp|forest|River|Mountains|mountains|Province|province|region|Region|district|department)\b"
)


@functools.lru_cache(maxsize=1024)
def _country(name: str) -> str | None:
    try:
        import pycountry
    except ImportError:
        return None
    try:
        found = pycountry.countries.lookup(name)
    except LookupError:
        return None
    return str(found.alpha_2)


_ORG_TAIL = re.compile(
    r"\b(?:Court|Society|Association|Committee|Ministry|Agency|Army|Church|Party|Council|Commission|Service|"
    r"University|Gazette|Times|News|Press|Radio|Mission|Union|Office|Department|Institute|Foundation|Staff|"
    r"Inquiry|Circle|Fellowship|Order|Flame|Families|Residents|Persian)\b"
)


_WORD = re.compile(r"(?:al-|el-)?[^\W\d_][\w'’-]*|\d+")


def _capitalised_run(rest: str) -> str:
    """The run of capitalised words at the start of ``rest`` ("Camp Ashraf", "al-Hol", "Ashraf 3"): a
    name, not the sentence after it; "" when it is an organisation's or nothing capitalised."""
    out: list[str] = []
    pos = 0
    while True:
        m = _WORD.match(rest, pos)
        if not m:
            break
        word = m.group()
        bare = re.sub(r"^(?:al|el)-", "", word)
        if not (bare[:1].isupper() or (out and word.isdigit())):
            break
        out.append(re.sub(r"['’]s$", "", word))
        if word.endswith(("'s", "’s")) or not re.match(r"[ \t]+(?=\S)", rest[m.end() :]):
            break
        pos = m.end() + len(re.match(r"[ \t]+", rest[m.end() :]).group())  # type: ignore[union-attr]
    name = " ".join(out)
    if out and out[-1] in NOT_NAMES:  # "South Korean radio": a people's name, not a place
        return ""
    if re.match(r"[ \t]+of[ \t]+the[ \t]+[A-Z]", rest[len(" ".join(out)) :]):  # "the Community of the New Dawn"
        return ""
    if not name or _ORG_TAIL.search(name) or name in {"North", "South", "East", "West"}:
        return ""
    return name


_ROLES = (
    (
        "lives_now",
        re.compile(r"\b(?:now )?(?:lives|living|settled|resides|is now|now studies|now works)\b[^.]{0,40}$", re.I),
    ),
    ("held", re.compile(r"\b(?:held|detained|imprisoned|jailed|locked|prison|camp|captivity)\b[^.]{0,30}$", re.I)),
    (
        "left_from",
        re.compile(r"\b(?:walked out of|escaped from|fled from|left|out of|deserted from)\b[^.]{0,25}$", re.I),
    ),
    (
        "went_to",
        re.compile(
            r"\b(?:reached|arrived in|arrived at|fled to|went to|crossed into|moved to|returned to)\b[^.]{0,25}$", re.I
        ),
    ),
    ("origin", re.compile(r"\b(?:from|born in|grew up in|hometown of|native)\b[^.]{0,10}$", re.I)),
)


def role_of(masked: str, start: int) -> str:
    """The place's role in the story from the words just before it (place_role vocabulary); "other"."""
    before = masked[max(0, start - 60) : start]
    for role, pattern in _ROLES:
        if pattern.search(before):
            return role
    return "other"


def find(text: str, masked: str, taken: Iterable[Span]) -> list[tuple[Span, str | None]]:
    """(span, country code or None) for each distinct place named outside quotes."""
    spans = list(taken)
    seen: dict[str, tuple[Span, str | None]] = {}
    for m in _PLACE.finditer(masked):
        rest = masked[m.end() : m.end() + 80].split("\n")[0]
        name = _capitalised_run(rest)
        if not name:
            continue
        start = m.end()
        name = re.sub(r"\s+(?:Province|province)$", "", name)
        if name.split()[0] in NOT_NAMES or _NOT_PLACE.match(name):
            continue
        if any(s.start <= start < s.end or start <= s.start < start + len(name) for s in spans):
            continue
        if len(name) < 3 or name.isupper() and len(name) <= 5:
            continue
        if name not in seen:
            seen[name] = (Span(start, start + len(name), text[start : start + len(name)]), _country(name))
    return list(seen.values())
