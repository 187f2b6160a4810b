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
from typing import Any

from casefile.dates import DateError

from .names import Span

JOIN = re.compile(
    r"\b(?:joined|joining|join|recruited|enlisted|(?:first )?approached|abducted|was taken|were taken|taken from|"
    r"went to join|"
    r"travelled to|traveled to|crossed into|was sent to|arrived at|member since|"
    r"(?:fought|served|worked for|member|been (?:with|a member|in the group|in the organi[sz]ation))"
    r"\b[^.;]{0,60}?\bsince|"
    r"(?:been |was |were )?(?:with|in) (?:them|the group|the organi[sz]ation|the movement|it) since|"
    r"ingresó|se unió|se incorporó|trat (?:der|dem)|schloss sich)\b",
    re.I,
)
LEAVE = re.compile(
    r"\b(?:left|leaving|walked out|escaped|escaping|fled|deserted|defected|surrendered|handing (?:him|her)self|"
    r"handed (?:him|her)self|quit|broke with|got out|was released|were released|laid down|walked across|"
    r"crossed the border|fleeing|disappeared from|se entregó|desertó|abandonó|huyó|se desmovilizó|"
    r"verließ|floh|flüchtete)\b",
    re.I,
)
YEAR = re.compile(r"(?<![\d./-])(1[89]\d\d|20[0-4]\d)(?![\d/-]|\.\d|s\b)")
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "a": 1, "an": 1,
}  # fmt: skip
_NUM = (
    r"(?:\d{1,2}(?:\.\d)?|(?:twenty|thirty|forty|fifty)(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?|"
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|"
    r"eighteen|nineteen)"
)
DURATION = re.compile(
    rf"(?P<qual>more than|over|nearly|almost|about|around|some|roughly|close to|at least|less than|under)?\s*"
    rf"(?P<n>{_NUM}|a|two|three)\s+(?P<unit>years?|decades?)\b",
    re.I,
)
QUALIFIER = {
    "more than": ">", "over": ">", "at least": ">", "nearly": "<", "almost": "<", "less than": "<", "under": "<",
    "about": "~", "around": "~", "some": "~", "roughly": "~", "close to": "~",
}  # fmt: skip
IN_GROUP = re.compile(
    r"\b(?:in|inside|with|within|among)\s+(?:the\s+)?(?:group|organisation|organization|movement|camp|ranks|"
    r"rebels|guerrilla|it|them|the)\b|\bafter\s*$|\bspent\b|\bserved\b|\bfought\b|"
    r"\b(?:member|been with|lived|stayed|remained|fought|served)\b[^.]{0,50}\bfor\s*$",
    re.I,
)


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


def about_subject(
    text: str, mentions: list[Span], others: list[Span], first_person: bool = False
) -> list[tuple[int, int]]:
    """Sentences about the subject: those that name them, those right after one that begin with He/She,
    the lede before they are first named (when it names no one else), and in a first-person text those
    that say I, me or my."""
    keep = []
    named_before = False
    first = min((m.start for m in mentions), default=len(text))
    for s, e in _sentences(text):
        named = any(s <= m.start < e for m in mentions)
        lede = e <= first and not any(s <= m.start < e for m in others) and s > 0
        if lede or (first_person and re.search(r"\b(?:I|me|my|I've|I'm)\b", text[s:e])):
            keep.append((s, e))
            continue
        if named or (named_before and re.match(r"\s*(?:He|She|His|Her)\b", text[s:e])):
            keep.append((s, e))
        if named:
            named_before = True
        elif not re.match(r"\s*(?:He|She|His|Her)\b", text[s:e]):
            named_before = named_before and False
    return keep


def when_near(
    text: str,
    sentences: list[tuple[int, int]],
    trigger: re.Pattern[str],
    rule: str,
    relatives: list[Any],
    skip: Span | None = None,
) -> Found | None:
    """The first date in a clause that follows a joining/leaving word, in the subject's sentences: a year,
    a month or season with its year, or a relative phrase already resolved (then marked derived)."""
    masked = _mask_quotes(text)
    if skip is not None:  # the dateline's date is when it was written, not when anything happened
        masked = masked[: skip.start] + " " * (skip.end - skip.start) + masked[skip.end :]
    for s, e in sentences:
        sentence = masked[s:e]
        for t in trigger.finditer(sentence):
            if trigger is LEAVE and _left_something_else(sentence, t.end()):
                continue
            clause_end = _clause_end(sentence, t.end())
            lo, hi = s + t.end(), s + clause_end
            rel = next((r for r in relatives if lo <= r.start < hi and r.value), None)
            year = next(
                (y for y in YEAR.finditer(sentence, t.end(), clause_end) if not _is_age_or_count(sentence, y)), None
            )
            if year is None and rel is None and trigger is JOIN:  # "in April 2014 … crossed into Syria to join"
                lead_start = max(0, t.start() - 70)
                lead = sentence[lead_start : t.start()]
                real_leaving = [
                    x for x in LEAVE.finditer(lead) if not _left_something_else(sentence, lead_start + x.end())
                ]
                if not real_leaving:
                    years = list(YEAR.finditer(sentence, max(0, t.start() - 70), t.start()))
                    year = years[-1] if years and not _is_age_or_count(sentence, years[-1]) else None
            if rel is not None and (year is None or rel.start < s + year.start()):
                return Found(
                    rel.value, Span(rel.start, rel.end, rel.words), f"{rule}: '{t.group()}' … {rel.rule} (derived)"
                )
            if year is not None:
                wide = _with_month(text, s + year.start(), s + year.end())
                return Found(_edtf_of(wide.words, year.group()), wide, f"{rule}: '{t.group()}' … year")
    return None


_GROUP_NOUNS = re.compile(
    r"(?:group|organi[sz]ation|movement|party|camp|base|ranks|army|rebels|militia|guerrilla|church|sect|cult|"
    r"commune|community|fellowship|order|regime|country|state|unit|battalion|brigade|network|them|it)\b",
    re.I,
)


def _left_something_else(sentence: str, at: int) -> bool:
    """ "left her parents' house", "fled his village": the verb's object is not the group."""
    verb = re.search(r"(\w+)\W*$", sentence[:at])
    if verb is None or verb.group(1).lower() not in {"left", "leaving", "fled", "fleeing", "quit", "abandonó"}:
        return False
    m = re.match(r"\s+(?:his|her|my|their|our|your)\s+([\w'’-]+(?:\s+[\w'’-]+)?)", sentence[at : at + 50])
    return m is not None and not _GROUP_NOUNS.search(m.group(1))


SPAN = re.compile(
    r"\bfrom\s+(?:(?:the\s+)?(?:spring|summer|autumn|fall|winter)\s+(?:of\s+)?)?(?P<a>1[89]\d\d|20[0-4]\d)\s+"
    r"(?:until|to|till|through|and)\s+(?:(?:the\s+)?(?:spring|summer|autumn|fall|winter|early|late|mid)\s+(?:of\s+)?)?"
    r"(?P<b>1[89]\d\d|20[0-4]\d)\b",
    re.I,
)


def span_of_years(text: str, sentences: list[tuple[int, int]]) -> tuple[Found, Found] | None:
    """ "from 2011 until the autumn of 2020" in a sentence about the subject's membership: joined and left."""
    for s, e in sentences:
        m = SPAN.search(text, s, e)
        if m and IN_GROUP.search(text[s : m.start()]) or (m and re.search(r"member|with them|in the group", text[s:e])):
            a = _with_month(text, m.start("a"), m.end("a"))
            b = _with_month(text, m.start("b"), m.end("b"))
            return (
                Found(_edtf_of(a.words, m.group("a")), a, "joined: from … until"),
                Found(_edtf_of(b.words, m.group("b")), b, "left: from … until"),
            )
    return None


def _with_month(text: str, start: int, end: int) -> Span:
    """A year with the month, day or season written before it ("October 2014", "3 February 2017",
    "the summer of 1991")."""
    before = text[max(0, start - 30) : start]
    m = re.search(
        r"(?:(?:\d{1,2}\s+)?(?:January|February|March|April|May|June|July|August|September|October|November|December)"
        r"|(?:the\s+)?(?:spring|summer|autumn|fall|winter)(?:\s+of)?)\s+$",
        before,
    )
    if m:
        s = start - (len(before) - m.start())
        return Span(s, end, text[s:end])
    return Span(start, end, text[start:end])


def _edtf_of(words: str, year: str) -> str:
    from casefile import dates

    if words != year:  # "October 2014", "the summer of 1991": read by casefile's own date parser
        try:
            parsed = dates.parse_date(words)
            if parsed.edtf:
                return parsed.edtf
        except (DateError, ValueError):
            pass
    return year


def _mask_quotes(text: str) -> str:
    return re.sub(r"[“\"«„][^“”\"«»„\n]{0,600}[”\"»“]", lambda m: " " * len(m.group()), text)


def _clause_end(sentence: str, start: int) -> int:
    stop = re.compile(r";|\.\s|, (?:and|but|after|before|when|where|which)\b|\b(?:and|but) (?:was|were|later|then)\b")
    m = stop.search(sentence, start)
    return m.start() if m else len(sentence)


def _is_age_or_count(sentence: str, year: re.Match[str]) -> bool:
    after = sentence[year.end() : year.end() + 12]
    return bool(re.match(r"\s*(?:years?|people|members|former|men|women|fighters)", after))


def duration(text: str, sentences: list[tuple[int, int]]) -> Found | None:
    """ "for 34 years", "after 24 years", "more than seven years with the rebels" → ``34``/``>7``."""
    masked = _mask_quotes(text)
    for s, e in sentences:
        sentence = masked[s:e]
        for m in DURATION.finditer(sentence):
            before = sentence[max(0, m.start() - 70) : m.start()]
            after = sentence[m.end() : m.end() + 60]
            opening = sentence[: m.start()].strip(" \n\"'“(").lower().rstrip() not in ("", "for") and False
            if re.fullmatch(r"\s*for\s*", sentence[: m.start()], re.I) and re.match(
                r",?\s+[^.]{0,60}\b(?:lived|was|spent|served|fought|belonged)\b", after
            ):
                before = "spent "  # "For eleven years, Ruth Abernathy lived on a farm run by a group"
            del opening
            if re.match(r"\s+(?:ago|old|later|earlier|since)\b", after) or re.search(
                r"(?:sentenced to|prison|jail)\s*$", before[-20:]
            ):
                continue
            if re.search(r"\baged?\b|\bat\s*$", before):
                continue
            if not (
                IN_GROUP.search(before) or IN_GROUP.search(after[:40]) or re.match(r"\s+(?:inside|in|with)\b", after)
            ):
                continue
            n = number(m.group("n"))
            if n is None:
                continue
            if m.group("unit").lower().startswith("decade"):
                n *= 10
            qual = QUALIFIER.get((m.group("qual") or "").lower(), "")
            words_start = s + (m.start("qual") if m.group("qual") else m.start("n"))
            value = f"{qual}{int(n) if n == int(n) else n}"
            return Found(
                value, Span(words_start, s + m.end(), text[words_start : s + m.end()]), "duration in the group"
            )
    return None


def implausible_years(text: str) -> list[tuple[Span, str]]:
    """Years that cannot be right in a life story told today: 18xx where 19xx makes sense (not a
    founding date or a history written as such)."""
    out = []
    for y in re.finditer(r"(?<![\d.,])(18\d\d)(?!\d)", text):
        before = text[max(0, y.start() - 40) : y.start()]
        if re.search(r"\b(?:founded|established|built|since the|century|in the \d+s)\b", before, re.I):
            continue
        out.append((Span(y.start(), y.end(), y.group()), "19" + y.group()[2:]))
    return out
