"""Codes for free-text categories: a nationality or a place's country as an ISO 3166-1 alpha-2 code, a gender
as one of a few codes. What was written is always kept; the code is stored beside it (``nationality_code``),
so ``IR``, ``ir``, ``Iran``, ``Iranian`` and ``Islamic Republic of Iran`` count as one in ``stats``.

Countries come from pycountry (the ISO 3166 data, shipped inside the package; nothing is downloaded): its
alpha-2, alpha-3 and numeric codes, names, official names and common names, in any letter case. pycountry
has no demonyms and misses a few everyday names (``DPRK``, ``UK``, ``Russia``), so :data:`COUNTRY_WORDS`
adds them: the countries of the organisations casefile is used on (Iran, Iraq, Albania, the two Koreas,
China, Syria, Turkey, Afghanistan…) and the common ones. A value found nowhere gets no code and is kept as
written; ``check`` names it (rule ``uncoded``).
"""

from __future__ import annotations

import functools
import re

#: Nationality words and everyday names pycountry does not know → alpha-2 code (keys folded: lower case,
#: single spaces). Add a line here for a country a project meets often.
COUNTRY_WORDS: dict[str, str] = {
    "afghan": "AF",
    "albanian": "AL",
    "algerian": "DZ",
    "american": "US",
    "austrian": "AT",
    "bahraini": "BH",
    "belgian": "BE",
    "british": "GB",
    "britain": "GB",
    "great britain": "GB",
    "uk": "GB",
    "england": "GB",
    "english": "GB",
    "canadian": "CA",
    "chinese": "CN",
    "danish": "DK",
    "dane": "DK",
    "dutch": "NL",
    "holland": "NL",
    "egyptian": "EG",
    "emirati": "AE",
    "uae": "AE",
    "french": "FR",
    "german": "DE",
    "greek": "GR",
    "indian": "IN",
    "indonesian": "ID",
    "iranian": "IR",
    "persia": "IR",
    "iraqi": "IQ",
    "irish": "IE",
    "israeli": "IL",
    "italian": "IT",
    "japanese": "JP",
    "jordanian": "JO",
    "kazakh": "KZ",
    "kosovar": "XK",
    "kosovo": "XK",
    "kuwaiti": "KW",
    "kyrgyz": "KG",
    "lebanese": "LB",
    "libyan": "LY",
    "malaysian": "MY",
    "moroccan": "MA",
    "norwegian": "NO",
    "north korean": "KP",
    "dprk": "KP",
    "n. korea": "KP",
    "pakistani": "PK",
    "palestinian": "PS",
    "palestine": "PS",
    "filipino": "PH",
    "philippine": "PH",
    "polish": "PL",
    "qatari": "QA",
    "russian": "RU",
    "russia": "RU",
    "saudi": "SA",
    "saudi arabian": "SA",
    "somali": "SO",
    "south korean": "KR",
    "rok": "KR",
    "spanish": "ES",
    "sudanese": "SD",
    "swedish": "SE",
    "swede": "SE",
    "swiss": "CH",
    "syrian": "SY",
    "tajik": "TJ",
    "tunisian": "TN",
    "turkish": "TR",
    "turkey": "TR",
    "turkmen": "TM",
    "ukrainian": "UA",
    "usa": "US",
    "us": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "america": "US",
    "uzbek": "UZ",
    "vietnamese": "VN",
    "yemeni": "YE",
}

#: Codes outside ISO 3166-1 that are in common use (Kosovo's user-assigned code) → their names.
EXTRA_COUNTRIES: dict[str, str] = {"XK": "Kosovo"}

#: Gender codes and the words that mean each (folded). Anything else keeps no code.
GENDERS: dict[str, tuple[str, ...]] = {
    "female": ("f", "female", "woman", "women", "girl", "fem"),
    "male": ("m", "male", "man", "men", "boy"),
    "other": ("other", "non-binary", "nonbinary", "x", "diverse"),
    "unknown": ("unknown", "not known", "?", "n/a", "unspecified"),
}
_GENDER_WORDS = {word: code for code, words in GENDERS.items() for word in words}
#: Which coder each coded field uses (``Field.coded``).
CODERS = ("country", "gender")

_SPACES = re.compile(r"\s+")


def _fold(text: str) -> str:
    return _SPACES.sub(" ", text.strip()).casefold()


@functools.lru_cache(maxsize=4096)
def country_code(text: str | None) -> str | None:
    """The ISO 3166-1 alpha-2 code a nationality or country as written means, or None."""
    if not text or not text.strip():
        return None
    folded = _fold(text)
    if folded in COUNTRY_WORDS:
        return COUNTRY_WORDS[folded]
    if folded.upper() in EXTRA_COUNTRIES:
        return folded.upper()
    import pycountry

    for candidate in (text.strip(), folded.removeprefix("the ")):
        try:
            return str(pycountry.countries.lookup(candidate).alpha_2)
        except LookupError:
            continue
    return None


@functools.lru_cache(maxsize=512)
def country_name(code: str | None) -> str | None:
    """The everyday English name of a country code (``IR`` → ``Iran``), or None for an unknown code."""
    if not code:
        return None
    if code in EXTRA_COUNTRIES:
        return EXTRA_COUNTRIES[code]
    import pycountry

    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return None
    return str(getattr(country, "common_name", None) or country.name)


def gender_code(text: str | None) -> str | None:
    """The gender code a value as written means (``F``, ``woman`` → ``female``), or None."""
    if not text:
        return None
    return _GENDER_WORDS.get(_fold(text))


def code_of(coder: str, text: str | None) -> str | None:
    """The code a value of a field coded with ``coder`` (one of :data:`CODERS`) means, or None."""
    return country_code(text) if coder == "country" else gender_code(text)
