"""The facts of membership a text states about its subject: the organisation, when they joined and left,
how long they were in, and the years written wrongly — each with the words it came from.

Rules read the sentences that are about the subject (named, or "he"/"she" after the subject was named):
a joining word (joined, recruited, abducted, travelled … to join) or a leaving word (left, escaped,
deserted, surrendered, defected) with a year or a date phrase in the same clause. A duration keeps its
qualifier ("more than seven years" → ``>7``, "almost a decade" → ``<10``). A year that cannot be right
(before 1900 for a person alive today) is flagged with its likely intent, never corrected silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .names import Span

JOIN = re.compile(
    r"\b(?:joined|joining|join|recruited|enlisted|abducted|was taken|were taken|taken from|went to join|"
    r"travelled to|traveled to|crossed into|was sent to|arrived at|member (?:of|since)|since)\b",
    re.I,
)
LEAVE = re.compile(
    r"\b(?:left|leaving|walked out|escaped|escaping|fled|deserted|defected|surrendered|handing (?:him|her)self|"
    r"handed (?:him|her)self|quit|broke with|got out|was released|were released|laid down|walked across|"
    r"crossed the border|fleeing|until)\b",
    re.I,
)
YEAR = re.compile(r"(?<![\d./-])(1[89]\d\d|20[0-4]\d)(?![\d./-]|s\b)")
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "a": 1, "an": 1,
}  # fmt: skip
_NUM = r"(?:\d{1,2}(?:\.\d)?|(?:twenty|thirty|forty|fifty)(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
DURATION = re.compile(
    rf"(?P<qual>more than|over|nearly|almost|about|around|some|roughly|close to|at least|less than|under)?\s*"
    rf"(?P<n>{_NUM}|a|two|three)\s+(?P<unit>years?|decades?)\b",
    re.I,
)
QUALIFIER = {
    "more than": ">", "over": ">", "at least": ">", "nearly": "<", "almost": "<", "less than": "<", "under": "<",
    "about": "~", "around": "~", "some": "~", "roughly": "~", "close to": "~",
}  # fmt: skip
IN_GROUP = re.compile(r"\b(?:in|inside|with|within|among)\s+(?:the\s+)?(?:group|organisation|organization|movement|camp|ranks|it|them|the)\b|\bafter\b|\bspent\b|\bfor\b|\bserved\b|\bfought\b", re.I)


@dataclass
class Found:
    value: str
    span: Span
    rule: str


def number(words: str) -> float | None:
    w = words.lower().replace("-", " ").split()
    if not w:
        return None
    if re.fullmatch(r"\d+(?:\.\d)?", w[0]):
        return float(w[0])
    total = 0
    for part in w:
        if part not in NUMBER_WORDS:
            return None
        total += NUMBER_WORDS[part]
    return float(total)


def _sentences(text: str) -> list[tuple[int, int]]:
    out = []
    start = 0
    for m in re.finditer(r"(?<=[.!?])[\"”»']?\s+(?=[A-Z\"“«„])|\n\s*\n", text):
        out.append((start, m.start()))
        start = m.end()
    out.append((start, len(text)))
    return out


def about_subject(text: str, mentions: list[Span], pronouns: bool = True) -> list[tuple[int, int]]:
    """Sentences that name the subject, and those right after one that start with he/she/they."""
    keep = []
    named_before = False
    for s, e in _sentences(text):
        named = any(s <= m.start < e for m in mentions)
        if named or (pronouns and named_before and re.match(r"\s*(?:He|She|His|Her)\b", text[s:e])):
            keep.append((s, e))
        if named:
            named_before = True
        elif not re.match(r"\s*(?:He|She|His|Her)\b", text[s:e]):
            named_before = named_before and False
    return keep


def years_near(text: str, sentences: list[tuple[int, int]], trigger: re.Pattern[str], rule: str) -> Found | None:
    """The first year in a clause that follows a joining/leaving word, in the subject's sentences."""
    for s, e in sentences:
        sentence = text[s:e]
        for t in trigger.finditer(sentence):
            clause_end = _clause_end(sentence, t.end())
            for y in YEAR.finditer(sentence, t.end(), clause_end):
                if _is_age_or_count(sentence, y):
                    continue
                return Found(y.group(), Span(s + y.start(), s + y.end(), y.group()), f"{rule}: '{t.group()}' … year")
    return None


def _clause_end(sentence: str, start: int) -> int:
    stop = re.compile(r";|\.\s|, (?:and|but|after|before|when|where|which)\b|\b(?:and|but) (?:was|were|later|then)\b")
    m = stop.search(sentence, start)
    return m.start() if m else len(sentence)


def _is_age_or_count(sentence: str, year: re.Match[str]) -> bool:
    after = sentence[year.end() : year.end() + 12]
    return bool(re.match(r"\s*(?:years?|people|members|former|men|women|fighters)", after))


def duration(text: str, sentences: list[tuple[int, int]]) -> Found | None:
    """"for 34 years", "after 24 years", "more than seven years with the rebels" → ``34``/``>7``."""
    for s, e in sentences:
        sentence = text[s:e]
        for m in DURATION.finditer(sentence):
            before = sentence[max(0, m.start() - 40) : m.start()]
            after = sentence[m.end() : m.end() + 60]
            if re.search(r"\b(?:ago|old|later|earlier|before|sentence|sentenced|prison|jail)\b", after[:25] + before[-20:]):
                continue
            if re.search(r"\baged?\b|\bat\s*$", before):
                continue
            if not (IN_GROUP.search(before) or IN_GROUP.search(after[:40]) or re.match(r"\s+(?:inside|in|with)\b", after)):
                continue
            n = number(m.group("n"))
            if n is None:
                continue
            if m.group("unit").lower().startswith("decade"):
                n *= 10
            qual = QUALIFIER.get((m.group("qual") or "").lower(), "")
            words_start = s + (m.start("qual") if m.group("qual") else m.start("n"))
            value = f"{qual}{int(n) if n == int(n) else n}"
            return Found(value, Span(words_start, s + m.end(), text[words_start : s + m.end()]), "duration in the group")
    return None


def implausible_years(text: str, sentences: list[tuple[int, int]]) -> list[tuple[Span, str]]:
    """Years that cannot be right in a life story told today: 18xx where 19xx reads sense."""
    out = []
    for s, e in sentences:
        for y in re.finditer(r"(?<!\d)(18\d\d)(?!\d)", text[s:e]):
            likely = "19" + y.group()[2:]
            out.append((Span(s + y.start(), s + y.end(), y.group()), likely))
    return out
