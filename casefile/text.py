"""Folding text so people find what they mean: one organisation or person under many spellings; and
:func:`visible`, the one way untrusted text is shown (control and bidi characters as ``<U+XXXX>``).

:func:`fold` is for matching and searching: case, diacritics (Zoë = ZOE), Arabic and Persian letter
variants (ي/ی, ك/ک, hamza forms, tatweel), Persian ZWNJ and runs of whitespace. :func:`loose_key` also
drops punctuation and spaces, to spot *near* matches ("Mujahedin-e-Khalq" vs "Mujahedin-e Khalq") that are
reported, never merged silently. Stored text is never folded — only compared.

:func:`visible` is for showing untrusted text: control and bidi characters become ``<U+XXXX>`` (the core
uses it in messages; :mod:`casefile.render` builds its plain and rich output on it).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

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

# C0 controls except TAB and LF, DEL, C1 controls, bidi embeddings/overrides/isolates and marks, the Arabic
# letter mark, and the line/paragraph separators. ZWNJ (U+200C) and ZWJ (U+200D) are deliberately absent.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    return f"<U+{ord(match.group()):04X}>"


def visible(text: str) -> str:
    """``text`` with every control or bidi character replaced by a visible ``<U+XXXX>``: what a terminal shows
    of untrusted text (records on screen, names in messages). Persian ZWNJ/ZWJ are kept."""
    return UNSAFE.sub(_escape, text)


_NOT_WORD = re.compile(r"[\W_]+")


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _strip_marks(match: re.Match[str]) -> str:
    return "".join(c for c in match.group() if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Lower-case, diacritic-free, Arabic/Persian-normalised text with single spaces.

    Only the non-ASCII runs are looked at character by character (combining marks are never ASCII), so
    folding a long, mostly English summary costs a few microseconds, not a loop over every character.
    """
    if not text.isascii():
        text = _NON_ASCII.sub(_strip_marks, unicodedata.normalize("NFKD", text).translate(_ARABIC_VARIANTS))
    return _SPACE.sub(" ", text.casefold()).strip()


def loose_key(text: str) -> str:
    """:func:`fold` without punctuation or spaces: for spotting near matches."""
    return _NOT_WORD.sub("", fold(text))


# ------------------------------------------------------------------------------------------- searching

#: A word as SQLite's ``unicode61`` tokenizer sees one: a run of letters and digits (``_`` separates).
WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The folded words of ``text``, as the search index holds them."""
    return WORD.findall(fold(text))


def _fold_run(match: re.Match[str]) -> str:
    run = unicodedata.normalize("NFKD", match.group()).translate(_ARABIC_VARIANTS)
    return "".join(c for c in run if not unicodedata.combining(c)).casefold()


def index_form(text: str) -> str:
    """What the search index is given for ``text``: its non-ASCII runs folded as :func:`fold` folds them,
    its ASCII left as written. The tokenizer lower-cases ASCII itself, so the tokens are those of
    ``fold(text)``, while text without diacritics or Arabic-script variants comes out unchanged — the
    store then need not keep a second copy of it."""
    return text if text.isascii() else _NON_ASCII.sub(_fold_run, text)


#: Latin consonant spellings of one sound, as they meet in names romanised from Persian and Arabic.
_DIGRAPHS = (("kh", "x"), ("gh", "q"), ("ph", "f"), ("k", "q"), ("w", "v"))
#: A run of vowels (``y`` among them where it is not a consonant: see :func:`_vowel_runs`) → its class:
#: ``a`` (a, aa, e), ``i`` (i, ee, ie, a final or between-consonants y), ``u`` (o, u, oo, ou), ``ay`` (the
#: diphthong or ي after a vowel: ai, ay, ei, ey, ae, aei, aee …), ``au`` (au, ao, aou: Daoud = Daud).
_RUNS = {
    **dict.fromkeys(("a", "aa", "e", "ea"), "a"),
    **dict.fromkeys(("i", "ii", "ee", "ie", "iy", "y"), "i"),
    **dict.fromkeys(("o", "u", "oo", "ou", "uu", "oe", "ue", "uo"), "u"),
    **dict.fromkeys(("ai", "ay", "ei", "ey", "ae", "aei", "aee", "aie", "aey", "eii"), "ay"),
    **dict.fromkeys(("au", "ao", "aou", "aoo"), "au"),
    "ia": "iya",
}
_VOWELS = frozenset("aeiou")
_ABD = re.compile(r"^abd[au]l?(?=[^aiuy])")  # Abdul-/Abdel-/Abd al-/Abdur- + name: the article goes
_UDDIN = re.compile(r"(?<=[^aiuy])[au][ld]?d(?=in$)")  # Nasreddin = Nasr ad-Din = Nasruddin
#: Keys of the words that do not carry a name: the articles al/el/ul/ol and the Persian ezafe e/ye.
_PARTICLES = frozenset({"al", "il", "ul", "i", "ya"})


def _vowel_runs(word: str) -> str:
    """``word`` with each run of vowels replaced by its class (:data:`_RUNS`; an unknown run by the class of
    its first letter). ``y`` is a consonant at the start of a word and before a vowel, otherwise a vowel."""
    out: list[str] = []
    i, n = 0, len(word)
    while i < n:
        if not _is_vowel(word, i):
            out.append(word[i])
            i += 1
            continue
        j = i + 1
        while j < n and _is_vowel(word, j):
            j += 1
        run = word[i:j]
        before_v = word[j : j + 1] == "v" and j + 1 < n and _is_vowel(word, j + 1)
        if not (run[0] in "ou" and before_v and i > 0 and word[i - 1] != "y"):  # Khuwais = Khweis
            out.append(_RUNS.get(run) or _RUNS[run[0]])
        i = j
    return "".join(out)


def _is_vowel(word: str, i: int) -> bool:
    c = word[i]
    if c == "y":
        return i > 0 and not (i + 1 < len(word) and word[i + 1] in _VOWELS)
    return c in _VOWELS


#: 8,192 words: names recur (a given name, a family name), so a few thousand hold the common ones; 65,536 held
#: ~25 MiB once a big import had filled it with the keys of every unique name (issue 23, I4)
@functools.lru_cache(maxsize=8192)
def translit_key(word: str) -> str:
    """One folded Latin word in the form every common romanisation of a Persian or Arabic name shares.

    Consonants: doubled letters are one (Hassan = Hasan), kh = x, gh = q = k, ph = f, w = v. Vowels by class
    (:data:`_RUNS`): a and e are one (Mohammad = Mohammed), o and u are one (Muhammad, Mousavi = Musavi), i
    and ee are one (Karim = Kareem), and the diphthongs ai/ay/ei/ey are their own class (Heyrani = Heirani,
    Hussein = Husayn, but Hassan ≠ Hussein); a word-initial e is i (Ebrahim = Ibrahim, Esmail = Ismail). A
    final h after a vowel goes (Fatemeh, Abdullah = Abdulla), Abd's article goes (Abdulrahman = Abd
    al-Rahman = Abdel Rahman) and so does ud-Din's (Nasreddin = Nasruddin). ch, sh, th, dh, zh, j and g are
    left alone: they are different letters in the English-language romanisations casefile meets (Chamran is
    not Khamran). Words in other scripts, and words with digits, are returned unchanged."""
    if not word.isascii() or not word.isalpha():
        return word
    word = _DOUBLED_CONSONANT.sub(r"\1", word.lower())
    for a, b in _DIGRAPHS:
        word = word.replace(a, b)
    word = _DOUBLED_CONSONANT.sub(r"\1", word)
    if word[:1] == "e":
        word = "i" + word[1:]
    word = _DOUBLED.sub(r"\1", _vowel_runs(word))
    if len(word) > 2 and word[-1] == "h" and word[-2] in "aiuy":
        word = word[:-1]
    if word.startswith("abd"):
        word = _ABD.sub("abd", word)
    if len(word) > 5:
        word = _UDDIN.sub("d", word)
    return _DOUBLED.sub(r"\1", word)


_DOUBLED = re.compile(r"([a-z])\1+")
_DOUBLED_CONSONANT = re.compile(r"([b-df-hj-np-tv-z])\1+")


def _carries(key: str) -> bool:
    return key not in _PARTICLES


def name_key(name: str) -> str:
    """A name folded for matching across transliterations: the :func:`translit_key` of each of its words,
    without the ezafe (Mujahedin-e Khalq) or a lone article (al-Rahman): "Hassan Heyrani" = "Hasan Heirani".
    Idempotent."""
    keys = [translit_key(w) for w in words(name)]
    return " ".join([k for k in keys if _carries(k)] or keys)


def name_keys(name: str) -> set[str]:
    """Every key a name is found by: each word's :func:`translit_key`, and the key of each run of two or three
    adjacent words written as one (Gholam Reza = Gholamreza, Abd al-Rahman = Abdulrahman, Jong Un = Jongun)."""
    found = words(name)
    keys = {k for w in found if _carries(k := translit_key(w))}
    for size in (2, 3):
        for i in range(len(found) - size + 1):
            keys.add(translit_key("".join(found[i : i + size])))
    return keys


# --------------------------------------------------------------------------------------- whole-word names

#: Marks that may follow a letter in stored text: Latin combining diacritics (decomposed ``u\u0308``), Arabic
#: harakat and superscript alef, and tatweel.
_MARKS = "[\u0300-\u036f\u064b-\u065f\u0670\u0640]*"
#: Each Arabic/Persian letter :func:`fold` treats as one, by the letter it folds to.
_ARABIC_SPELLINGS: dict[str, set[str]] = {}
for _source, _target in _ARABIC_VARIANTS.items():
    if isinstance(_target, str) and _target.strip():
        _ARABIC_SPELLINGS.setdefault(_target, {_target}).add(chr(_source))


@functools.cache
def _latin_spellings() -> dict[str, set[str]]:
    """Each Latin letter with its accented forms (e: é è ê ë ē …), from Latin-1 to Latin Extended Additional."""
    spellings: dict[str, set[str]] = {}
    for cp in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00)):
        base = "".join(c for c in unicodedata.normalize("NFKD", chr(cp)) if not unicodedata.combining(c)).lower()
        if len(base) == 1 and base.isascii() and base.isalpha():
            spellings.setdefault(base, {base}).add(chr(cp).lower())
    return spellings


def _letter(c: str) -> str:
    """A regex for one letter of a name written any way :func:`fold` would fold to the same."""
    folded = fold(c) or c
    spellings = _ARABIC_SPELLINGS.get(folded) or _latin_spellings().get(folded) or {c}
    ordered = sorted(spellings | {c.lower()})
    body = re.escape(ordered[0]) if len(ordered) == 1 else f"[{''.join(map(re.escape, ordered))}]"
    return body + _MARKS


def whole_words(phrases: Iterable[str]) -> re.Pattern[str] | None:
    """A regex finding any of ``phrases`` as whole words: not inside another word (``Ali`` is not found in
    ``Alignment`` nor ``علی`` in ``علیرضا``), in any case, with or without Latin diacritics (Müller = Muller),
    across Arabic/Persian letter variants (علي = علی), decomposed or not. A phrase of several words matches
    them with any spaces or punctuation between. Longer phrases are tried first. ``None`` for no phrase."""
    alternatives = []
    for phrase in sorted({p for p in phrases if WORD.search(p)}, key=len, reverse=True):
        parts = WORD.findall(unicodedata.normalize("NFC", phrase))
        alternatives.append(r"[\W_]+".join("".join(_letter(c) for c in part) for part in parts))
    if not alternatives:
        return None
    return re.compile(rf"(?<![^\W_])(?:{'|'.join(alternatives)})(?![^\W_])", re.IGNORECASE)


def noun(n: int, word: str, many: str | None = None) -> str:
    """The word in the number ``n`` needs: ``key`` for one, ``keys`` (or ``many``) for any other count."""
    return word if n == 1 else many or word + "s"


def plural(n: int, word: str, many: str | None = None) -> str:
    """``n`` and the word in the number it needs: ``1 account``, ``2 accounts``, ``1 entry``/``3 entries``
    (``many`` when adding an s is not the plural). Every count a message shows goes through here."""
    return f"{n} {noun(n, word, many)}"
