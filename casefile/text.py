"""Folding text so people find what they mean: one organisation or person under many spellings.

:func:`fold` is for matching and searching: case, diacritics (Zoë = ZOE), Arabic and Persian letter
variants (ي/ی, ك/ک, hamza forms, tatweel), Persian ZWNJ and runs of whitespace. :func:`loose_key` also
drops punctuation and spaces, to spot *near* matches ("Mujahedin-e-Khalq" vs "Mujahedin-e Khalq") that are
reported, never merged silently. Stored text is never folded — only compared.
"""

from __future__ import annotations

import re
import unicodedata

_ARABIC_VARIANTS = str.maketrans(
    {
        "\u064a": "\u06cc",  # Arabic yeh → Persian yeh
        "\u0649": "\u06cc",  # alef maksura → Persian yeh
        "\u0643": "\u06a9",  # Arabic kaf → Persian keheh
        "\u0629": "\u0647",  # teh marbuta → heh
        "\u0623": "\u0627",  # alef with hamza above → alef
        "\u0625": "\u0627",  # alef with hamza below → alef
        "\u0622": "\u0627",  # alef with madda → alef
        "\u0671": "\u0627",  # alef wasla → alef
        "\u0624": "\u0648",  # waw with hamza → waw
        "\u0626": "\u06cc",  # yeh with hamza → yeh
        "\u0640": None,  # tatweel
        "\u200c": " ",  # ZWNJ separates word parts: treat as a space for matching
        "\u200d": None,  # ZWJ
    }
)
_SPACE = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Lower-case, diacritic-free, Arabic/Persian-normalised text with single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_ARABIC_VARIANTS))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACE.sub(" ", stripped.casefold()).strip()


def loose_key(text: str) -> str:
    """:func:`fold` without punctuation or spaces: for spotting near matches."""
    return _NOT_WORD.sub("", fold(text))
