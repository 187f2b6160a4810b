"""Whose account a text is: the subject among the people it names, and how sure the choice is.

News reports name the defector first and most, with the words of leaving around the name; a letter is
signed by its writer; an interview's header names the interviewee; a pseudonym is announced ("identified
only as Maryam"). When two people are reported leaving with equal weight ("two soldiers, Ri and Choe"),
the first is drafted and the draft says it is unsure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .names import Cast, Person

LEAVING = re.compile(
    r"\b(?:left|leave|leaving|defect(?:ed|ion|or|ors)?|escap(?:ed|e|ing)|fled|flee|desert(?:ed|er)|"
    r"surrender(?:ed|s)?|walked out|crossed|abducted|joined|join|recruited|spent|former (?:member|fighter|"
    r"commander|soldier)|ex-(?:member|fighter|combatant)|returnee|repatriated|handed (?:him|her)self|"
    r"fought|fighting|served|serving|disappeared|lived under|has been living|worked for|married an?|"
    r"se entregó|desertó|abandonó|huyó|ingresó|se unió|verließ|floh|flüchtete|reiste|schloss sich)\b",
    re.I,
)
OTHER_ROLES = re.compile(
    r"\b(?:lawyer|attorney|spokes(?:man|woman|person)|prosecutor|judge|director|governor|chair|interviewer|"
    r"reporter|correspondent|official|officer|corporal|soldier who|minister|emir|recruiter|commander|leader|"
    r"father|mother|brother|sister)\b",
    re.I,
)
SUBJECT_ROLES = (
    "defendant", "accused", "angeklagte", "man", "woman", "girl", "boy", "defector", "former member",
    "former fighter", "former commander", "returnee", "ex-combatant", "deserter",
)  # fmt: skip


@dataclass
class Choice:
    person: Person | None
    why: str
    unsure: str | None = None


def choose(cast: Cast) -> Choice:
    text = cast.text
    if not cast.people:
        return Choice(None, "the text names nobody")
    header = re.search(r"Interviewee:\s*([^,(\n]+)", text)
    if header:
        person = next((p for p in cast.people if header.group(1).strip() in p.name or p.name in header.group(1)), None)
        if person is not None:
            return _with_roles(cast, Choice(person, "named as the interviewee"))
    signed = [p for p in cast.people if "signature" in p.evidence]
    if signed and re.match(LETTER_OPENING, text):
        return _with_roles(cast, Choice(signed[0], "signs the letter"))
    if re.search(r"^(?:Posted|Published)\b.*\bby\s+", text, re.M | re.I) and re.search(r"\bI\b", text):
        byline = re.search(r"^(?:Posted|Published)\b.*\bby\s+([^\n]+)", text, re.M | re.I)
        person = next((p for p in cast.people if byline and p.name in byline.group(1)), None)
        if person is not None and len(re.findall(r"\bI\b", text)) >= 5:
            return _with_roles(cast, Choice(person, "writes in the first person"))
    masked = _mask_quotes(text)
    scored = []
    for rank, person in enumerate(sorted(cast.people, key=lambda p: p.mentions[0].start)):
        score, acts = 0.0, False
        for span in person.mentions:
            near = text[max(0, span.start - 60) : span.start]
            if _role_before(near):
                score -= 3
            score += 1
            if _acts(masked, span, cast):
                score += 3
                acts = True
        if "identified" in person.evidence or "initials" in person.evidence:
            score += 3
            acts = True
        score -= rank * 0.5
        if acts:
            scored.append((score, rank, person))
    if not scored:
        lede = _lede_subject(masked, cast)
        if lede is not None:
            return _with_roles(cast, Choice(lede, "the first person named after a lede about someone leaving"))
        return Choice(None, "no one named is reported joining or leaving")
    scored.sort(key=lambda s: (-s[0], s[1]))
    best = scored[0]
    choice = Choice(best[2], "named most, with the words of leaving around the name")
    pair = re.search(
        r"\b(?:two|three|both)\b[^.]{0,80}?\b(?:men|women|soldiers|defectors|fighters|members)\b", text, re.I
    )
    if pair:
        others = [p.name for _, _, p in scored[1:] if _named_together(text, best[2], p)]
        if others:
            choice.unsure = f"the text reports more than one person leaving: {best[2].name}, " + ", ".join(others)
    return _with_roles(cast, choice)


LETTER_OPENING = r"\s*(?:To|Dear|Dearest|My dear|Querid[oa]|Estimad[oa]|Liebe[rs]?|Cher|Chère|Hi|Hello)\b"


def _lede_subject(masked: str, cast: Cast) -> Person | None:
    """ "A former recruiter who surrendered in December says … Hussein Omar, 29, said": when the lede
    reports someone leaving before naming them, the first person then named (not a reporter or an
    official by the words before the name) is that someone."""
    mentions = cast.mentions()
    if not mentions:
        return None
    first = mentions[0][0]
    lede = masked[: first.start]
    body_start = lede.find("\n\n")
    if not LEAVING.search(lede[max(0, body_start) :] if body_start >= 0 else lede):
        return None
    for span, person in mentions:
        near = masked[max(0, span.start - 60) : span.start]
        if not _role_before(near) and "byline" not in person.evidence:
            return person
    return None


def _role_before(near: str) -> bool:
    """A role word naming this person ("His lawyer, Ann Verstraete", "Corporal Emeka Obi", "the group's
    spokesman in Paris, Shahin Gobadi"), not a role word of someone else earlier in the sentence ("The
    official said Ri")."""
    return re.search(OTHER_ROLES.pattern + r"[^.;]{0,25}?,?\s*$", near, re.I) is not None and not re.search(
        r"\b(?:said|says|told|added|according to)\s+$", near
    )


def _mask_quotes(text: str) -> str:
    """The text with quoted speech blanked out (same length): what people *say* is not what they did."""
    return re.sub(r"[“\"«„][^“”\"«»„\n]{0,600}[”\"»“]", lambda m: " " * len(m.group()), text)


def _acts(masked: str, span: object, cast: Cast) -> bool:
    """A joining or leaving word after the name in its own sentence, before anyone else is named, or in
    the next sentence when it begins with He/She."""
    start, end = span.start, span.end  # type: ignore[attr-defined]
    stop = re.search(r"[.!?](?:\s|$)", masked[end:])
    sentence_end = end + (stop.start() if stop else len(masked) - end)
    others = [m.start for m, _ in cast.mentions() if end <= m.start < sentence_end]
    limit = min([sentence_end, *others])
    if LEAVING.search(masked, end, min(limit, end + 160)):
        return True
    if stop is not None:
        nxt = masked[sentence_end + 1 : sentence_end + 1 + 200].lstrip()
        first = re.match(r"(?:He|She)\b[^.!?]*", nxt)
        if first and LEAVING.search(first.group()):
            return True
    del start
    return False


def _named_together(text: str, a: Person, b: Person) -> bool:
    for span in a.mentions:
        for other in b.mentions:
            between = text[min(span.end, other.end) : max(span.start, other.start)]
            if 0 < len(between) <= 12 and re.fullmatch(r"\s*(?:and|,|&)\s*", between):
                return True
    return False


def _with_roles(cast: Cast, choice: Choice) -> Choice:
    if choice.person is not None and not choice.unsure:
        for role in SUBJECT_ROLES:
            cast.roles[role] = choice.person
    cast.subject = choice.person
    return choice
