"""Direct quotes and who said them, found by rule, each with the character offsets of its words.

Only direct speech between quotation marks counts (and the answer turns of an interview transcript):
indirect speech is out of scope, as in published quote-attribution systems that aim for precision. The
speaker comes from the attribution around the quote — ``"…," Tavakoli said``, ``said Tavakoli``,
``Gobadi said in a statement: "…"``, ``"…" he said`` after a named speaker, a quote that continues the
previous one in the same paragraph — and is left empty, never guessed, when the words around the quote do
not name a person (an unnamed spokesman, "the court", "the commander").

Scare quotes ("to the work"), a headline's quoted words and quotation marks that do not pair up are not
quotes. Nested quotes stay inside their outer quote (the outer speaker is the one who said all of it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .names import Cast, Span

#: Opening mark → the closing marks that may end it. Straight double quotes pair with themselves.
PAIRS = {"“": '”"', '"': '"”“', "«": "»", "„": '“"”', "‹": "›", "»": "«"}
SPEECH = (
    r"said|says|say|told|tells|added|adds|recalled|recalls|explained|explains|wrote|writes|asked|asks|"
    r"answered|answers|replied|stated|states|continued|insisted|admitted|noted|remembered|remembers|"
    r"claimed|argued|warned|declared|testified|recounted|described|sagte|erklärte|dijo|afirmó|contó|"
    r"a déclaré|a dit|confirmed|acknowledged|conceded|cried|shouted|whispered|laughed|sighed|adding"
)
_SPEECH = re.compile(rf"\b(?:{SPEECH})\b", re.I)
_WORD = re.compile(r"[\w'’-]+")


@dataclass
class Quote:
    start: int  # offsets of the words inside the marks
    end: int
    text: str
    speaker: str | None = None
    speaker_span: Span | None = None  # where the speaker is named (for the evidence)
    rule: str = ""
    unsure: str | None = None


def _paragraphs(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each paragraph: runs of text between blank lines (a single line in a transcript)."""
    one_a_line = "\n\n" not in text  # text whose paragraphs are lines
    pattern = r"[^\n]+" if one_a_line else r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*"
    for m in re.finditer(pattern, text):
        yield m.start(), m.end()


def _marks(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Pairs of quotation marks in one paragraph: (index of opening mark, index of closing mark)."""
    i = start
    while i < end:
        c = text[i]
        if c in "‘'" and _opens_single(text, i, start):
            close = _SINGLE_CLOSE.search(text, i + 2, end)
            if close is not None:
                yield i, close.start() + 1
                i = close.end()
                continue
        if c in PAIRS and _opens(text, i, start):
            closers = PAIRS[c]
            j = i + 1
            depth_single = False
            while j < end:
                d = text[j]
                if d in closers and (d != '"' or _closes(text, j, end)):
                    break
                if d == "“" and c == "“":  # an opening curly quote before the close: unbalanced, give up
                    j = end
                    break
                depth_single = depth_single or d in "‘'"
                j += 1
            if j < end:
                yield i, j
                i = j + 1
                continue
        i += 1


#: A closing single quote after the punctuation British style keeps inside it: ``…insults,' Jafari said``.
_SINGLE_CLOSE = re.compile(r"[,.!?…][’'](?![\w])")


def _opens_single(text: str, i: int, floor: int) -> bool:
    """A single quotation mark opening speech: at a word's start, before a capital letter, in a text that
    does not use it as an apostrophe there (``'They showed us…``, not ``parents' house``)."""
    before = text[i - 1] if i > floor else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return (before.isspace() or before in "(—–-") and (after.isupper() or after.isdigit())


def _opens(text: str, i: int, floor: int) -> bool:
    if text[i] != '"':
        return True
    before = text[i - 1] if i > floor else " "
    return not (before.isalnum() or before in ".,;:!?")


def _closes(text: str, j: int, end: int) -> bool:
    after = text[j + 1] if j + 1 < end else " "
    return not after.isalnum()


def _is_headline(text: str, para: tuple[int, int]) -> bool:
    """The first paragraph when it reads as a title: short and without a sentence's full stop."""
    start, end = para
    if text[:start].strip():
        return False
    line = text[start:end].strip()
    return len(_WORD.findall(line)) <= 20 and not re.search(r"[.!?][\"”»']?\s*$", line)


def _scare(words: str, before: str, after: str) -> bool:
    """Fewer than four words in quotation marks inside a sentence — a scare quote, a label ("a
    distortion") — are not speech. A short quote that stands as its own utterance (after a colon, at
    the start of a sentence, followed by its attribution) is."""
    n = len(_WORD.findall(words))
    if n >= 4:
        return False
    tail = before.rstrip()
    stands = (
        not tail
        or tail.endswith((":", ".", "!", "?", "\n"))
        or re.match(r"\s*,?\s*\w+\s+(?:" + SPEECH + r")\b", after, re.I)
    )
    return not (stands and (n >= 2 or re.search(r"[.!?]$", words.strip())))


def find(text: str, cast: Cast) -> list[Quote]:
    """Every direct quote of ``text`` with its speaker where the text names one."""
    transcript = _transcript(text, cast)
    if transcript is not None:
        return transcript
    quotes: list[Quote] = []
    for para in _paragraphs(text):
        if _is_headline(text, para):
            continue
        pstart, pend = para
        previous: Quote | None = None
        for i, j in _marks(text, pstart, pend):
            inner_start, inner_end = i + 1, j
            words = text[inner_start:inner_end]
            stripped = words.strip()
            if not stripped:
                continue
            before, after = text[pstart:i], text[j + 1 : pend]
            if _scare(stripped, before, after):
                continue
            if text[i] in "‘'":
                stripped = stripped.rstrip("’'")
            lead = len(words) - len(words.lstrip())
            quote = Quote(inner_start + lead, inner_start + lead + len(stripped), stripped)
            _attribute(text, quote, i, j, para, previous, cast)
            quotes.append(quote)
            previous = quote
    return quotes


# ------------------------------------------------------------------------------------------- attribution

_AFTER = re.compile(
    rf"^\s*[,.!?]?\s*(?:(?P<verb1>{SPEECH})\s+(?P<who1>[^,.;:!?\"“”«»„()]+)|(?P<who2>[^,.;:!?\"“”«»„()]+?)\s+(?:has\s+|had\s+|was\s+|then\s+|later\s+|also\s+)?(?P<verb2>{SPEECH})\b)",
    re.I,
)
_BEFORE = re.compile(
    rf"(?P<who>[^.;!?\"“”«»„]*?)\s+(?:has\s+|had\s+|also\s+|then\s+)?(?P<verb>{SPEECH})\b[^.;!?\"“”«»„]*?[:,]\s*$",
    re.I,
)
_PRONOUN = re.compile(r"^(?:he|she|they|i|we)$", re.I)


def _attribute(
    text: str, quote: Quote, i: int, j: int, para: tuple[int, int], previous: Quote | None, cast: Cast
) -> None:
    pstart, pend = para
    after = text[j + 1 : pend]
    before = text[pstart:i]
    m = _AFTER.match(after)
    if m:
        who = m.group("who1") or m.group("who2")
        offset = j + 1 + m.start("who1" if m.group("who1") else "who2")
        _speaker_from(text, quote, who, offset, cast, rule="after-verb" if m.group("who1") else "after")
        return
    m = _BEFORE.search(before)
    if m and m.group("who").strip():
        who, offset = m.group("who"), pstart + m.start("who")
        cut = who.rfind(",")  # "In an interview with VOA last week, he said:" → "he"
        if cut >= 0 and who[cut + 1 :].strip():
            who, offset = who[cut + 1 :], offset + cut + 1
        _speaker_from(text, quote, who, offset, cast, rule="before")
        return
    colon = re.search(r"([^.!?\"“”«»„]*):\s*$", before)
    if colon and re.match(r"\s*(?:He|She)\b", colon.group(1)):
        span = cast.pronoun_before(quote.start, colon.group(1).split()[0].lower())
        if span is not None:
            _set(quote, span, cast, "colon+pronoun")
            quote.unsure = "speaker from a pronoun"
            return
    if colon:
        span = cast.last_person_in(pstart + colon.start(1), pstart + colon.end(1))
        if span is not None:
            _set(quote, span, cast, "colon")
            return
    if (
        previous is not None
        and previous.speaker
        and text[previous.end : i].strip(" ,.\"”“«»„'\n").lower() in _CONTINUATION
    ):
        quote.speaker, quote.speaker_span, quote.rule = previous.speaker, previous.speaker_span, "continues"
        return
    if (
        previous is not None
        and previous.speaker
        and re.fullmatch(
            r"[\"”»']?\s*(?:[,.]?\s*\w+\s+(?:" + SPEECH + r")[^\"“«„]*)?", text[previous.end + 1 : i], re.I
        )
    ):
        quote.speaker, quote.speaker_span, quote.rule = previous.speaker, previous.speaker_span, "continues"


_CONTINUATION = {"", "and", "he said", "she said", "he added", "she added"}


def _speaker_from(text: str, quote: Quote, who: str, offset: int, cast: Cast, rule: str) -> None:
    words = who.strip()
    lead = len(who) - len(who.lstrip())
    words_start = offset + lead
    core = re.sub(r"^(?:the|a|an|der|die|el|la)\s+", "", words, flags=re.I)
    if _PRONOUN.match(words):
        span = cast.pronoun_before(quote.start, words.lower())
        if span is not None:
            _set(quote, span, cast, f"{rule}+pronoun")
            quote.unsure = "speaker from a pronoun"
        return
    role = cast.role_of(words)
    if role is not None:
        _set(quote, role, cast, f"{rule}+role")
        return
    # the name nearest the verb: the first after "said", the last before it ("Jo's colleague Kim Chon said")
    if rule == "after-verb":
        span = cast.person_in(words_start, words_start + len(words))
    else:
        span = cast.last_person_in(words_start, words_start + len(words))
    if span is not None:
        _set(quote, span, cast, rule)
        return
    del core  # an unnamed speaker ("a military spokesman", "the court"): left empty


def _set(quote: Quote, span: Span, cast: Cast, rule: str) -> None:
    quote.speaker = cast.full_name(span)
    quote.speaker_span = span
    quote.rule = rule


# ------------------------------------------------------------------------------------------- transcripts

_TURN = re.compile(r"^(?P<who>[A-Z][\w .'-]{0,40}?):\s+(?P<words>\S.*)$", re.M)


def _transcript(text: str, cast: Cast) -> list[Quote] | None:
    """An interview transcript: most paragraphs are ``WHO: words`` turns. Each turn of someone other than
    the interviewer is a quote by them (the header names who the initials stand for)."""
    turns = list(_TURN.finditer(text))
    lines = [line for line in text.splitlines() if line.strip()]
    if len(turns) < 4 or len(turns) < len(lines) / 2:
        return None
    interviewer = _interviewer(text)
    quotes: list[Quote] = []
    for m in turns:
        who = m.group("who").strip()
        if who.lower() in {"interviewer", "q", "question"} or (interviewer and who in interviewer):
            continue
        if m.group("words").rstrip().endswith("?") and not quotes and who not in _answers(turns):
            continue
        span = cast.named_by_initials(who) or cast.person_in(m.start("who"), m.end("who"))
        quote = Quote(m.start("words"), m.end("words"), m.group("words"), rule="transcript turn")
        if span is not None:
            _set(quote, span, cast, "transcript turn")
        quotes.append(quote)
    return quotes


def _interviewer(text: str) -> set[str]:
    m = re.search(r"Interviewer:\s*([^,(\n]+?)\s*(?:\((\w+)\))?[.,\n]", text)
    if not m:
        return set()
    return {m.group(1).strip(), *(g for g in [m.group(2)] if g)}


def _answers(turns: list[re.Match[str]]) -> set[str]:
    """Speakers whose turns are mostly not questions."""
    seen: dict[str, list[bool]] = {}
    for m in turns:
        seen.setdefault(m.group("who").strip(), []).append(m.group("words").rstrip().endswith("?"))
    return {who for who, qs in seen.items() if sum(qs) < len(qs) / 2}
