"""The people a text names: every mention with its offsets, grouped under the fullest form of the name.

No trained model is available offline for English, so people are found by rule, and only where the words
around a capitalised name say it is a person: a title (``Mr``, ``Corporal``, ``Maître``), an age
(``Reza Tavakoli, 44,``), an apposition (``His lawyer, Ann Verstraete,``), a speech or life verb
(``Tavakoli said``, ``Okello escaped``), "identified only as", initials, a letter's signature or an
interview's header. A later surname alone ("Tavakoli") joins the full name it belongs to. Capitalised
words that are places or organisations ("Camp Ashraf", "World Vision") are kept apart by the same kind of
evidence, and by the cast of organisations and places the caller knows.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

TITLES = (
    "Mr|Mrs|Ms|Miss|Dr|Prof|Professor|Mullah|Maître|Me|Corporal|Cpl|Sergeant|Sgt|Private|Captain|Major|Colonel|"
    "General|Lieutenant|Judge|Justice|Imam|Sheikh|Mother|Father|Sister|Brother|Herr|Frau|Señor|Señora|Sra|Sr|"
    "Mme|Madame|Monsieur|Commander|Emir|Hajji|Haji|Ayatollah|Rev|Reverend|Pastor|Governor|President|Minister"
)
_TITLE = re.compile(rf"\b(?:{TITLES})\.?\s+$")
_TITLE_WORD = re.compile(rf"(?:{TITLES})\.?")
ROLE_WORDS = (
    "lawyer|attorney|spokesman|spokeswoman|spokesperson|prosecutor|judge|director|governor|chair|chairman|"
    "chairwoman|commander|leader|brother|sister|father|mother|son|daughter|husband|wife|uncle|aunt|cousin|"
    "friend|colleague|interpreter|researcher|official|officer|soldier|emir|recruiter|reporter|correspondent|"
    "editor|founder|head|minister|president|investigator|psychologist|counsellor|teacher|priest|imam"
)
_APPOSITION = re.compile(
    rf"\b(?:{ROLE_WORDS})\s*,\s*$|\b(?:[Aa]n?|[Tt]he|[Aa]nother|[Hh]is|[Hh]er|[Tt]heir|[Ii]ts|[Oo]ur)\s+(?:[a-z'’-]+\s+){{0,3}}[a-z'’-]+\s*,\s*$|"
    rf"\b(?:named|called)\s+$"
)
FEMALE = re.compile(
    r"\b(?:mother|wife|sister|daughter|woman|girl|aunt|niece|grandmother|spokeswoman|chairwoman|businesswoman|"
    r"actress|widow|Mrs|Ms|Miss|Madame|Mme|Frau|Señora|Sra)\b\.?[^.;]{0,30}$",
    re.I,
)
MALE = re.compile(
    r"\b(?:father|husband|brother|son|man|boy|uncle|nephew|grandfather|spokesman|chairman|businessman|salesman|"
    r"widower|Mr|Herr|Señor|Sr|Monsieur)\b\.?[^.;]{0,30}$",
    re.I,
)
_NAME_TOKEN = r"(?:[A-Z][a-zà-ÿ'’]+(?:-[A-Z]?[a-zà-ÿ'’]+)*|[A-Z]\.(?:\s?[A-Z]\.)*|[A-Z][a-z]?\.|[A-ZÀ-Þ][a-zà-ÿ]+)"
_PARTICLE = r"(?:de|da|dos|van|von|der|den|el|El|al|al-|Al-|bin|ibn|Abu|Abd|Abdel|Abdul|ul|la|le|du|de la)"
_CANDIDATE = re.compile(rf"(?<![\w-])(?:{_NAME_TOKEN})(?:[ \t]+(?:{_PARTICLE}[ \t]+)?(?:{_NAME_TOKEN}))*(?![\w-])")
NOT_NAMES = {
    # capitalised function words, months, days, and words that start sentences
    *"""A An The This That These Those He She It We They I You His Her Its Our Their My Your In On At By For From
    To Of With Without After Before During Since Until When Where While Who Whom What Why How If But And Or Nor So
    Yet As Then There Here Now Today Yesterday Tomorrow Last Next Every Each Some Many Most Both All No Not Only
    Even Still Also However Although Though Because Under Over About Around Within Among Between Through Across
    Against Into Onto Upon Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May
    June July August September October November December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec
    Published Posted Updated By Reposted Transcript TRANSCRIPT Interview Interviewer Interviewee End Press Release
    PRESS RELEASE IN BRIEF Spokesperson Yours Dear God Allah Paradise Koranic Islamist Islamic Christian Muslim
    Please Thank Thanks Nobody Everybody Somebody Anyone Everyone Whoever Ya Ich Der Die Das Ein Eine Und El La
    Los Las Une Un Une Les Le Former Ex Young Old Two Three Four Five Survivor Girl Boy Woman Man Defector
    Defectors Exmember Jihadist Returnee Ex-guerrilla Guerrilla Soldier Soldiers PKK""".split(),
    # nationalities and languages: capitalised, never a person on their own
    *"""German Germans French Belgian Dutch British English American Iranian Iraqi Syrian Turkish Kurdish Afghan
    Somali Nigerian Ugandan Colombian Korean Chinese Japanese Swedish Albanian Persian Arabic Arab Spanish
    Italian Russian Lebanese Palestinian Israeli Egyptian Libyan Tunisian Moroccan Algerian Saudi Yemeni
    Pakistani Indian European African Asian Western Eastern Northern Southern Sudanese Ethiopian Eritrean
    Kenyan Malian Chadian Congolese Cameroonian Venezuelan Mexican Peruvian Filipino Indonesian Uzbek Tajik
    Chechen Bosnian Kosovar Swiss Austrian Danish Norwegian Finnish Polish Romanian Greek Portuguese""".split(),
}
ORG_WORDS = re.compile(
    r"\b(?:Army|Ministry|Agency|Organi[sz]ation|Society|Association|Church|Party|Forces|Front|State|Council|"
    r"Committee|Commission|Service|Services|Court|University|Program|Programme|Mission|Union|Group|Movement|"
    r"Brigade|Battalion|Police|Office|Department|Institute|Centre|Center|Foundation|Network|Guard|Guards|"
    r"Gazette|Times|News|Post|Herald|Press|Radio|Television|TV|Blog|Vision|Circle|Order|Chiefs|Staff|Nations|"
    r"Red Cross|Crescent|Resistance|Liberation|Revolutionary|Mojahedin|Mujahedin|Mujahedeen|Khalq|Taliban|"
    r"Shabaab|Haram|Hezbollah|Hamas|Daesh|ISIS|ISIL|PKK|FARC|LRA|MEK|MKO|PMOI|UN|UNHCR|NGO|Voice|Kingdom|"
    r"Republic|Camp|Ashraf|Liberty|Forest|River|Mountains|Province|District|Region|Street|Square|Airport|"
    r"Hotel|Prison|Base|Border)\b"
)
PLACE_CUE = re.compile(r"\b(?:in|from|to|at|near|into|across|outside|via|of)\s+$")
LIFE_VERBS = (
    r"said|says|told|tells|added|recalled|explained|wrote|writes|asked|answered|replied|stated|joined|left|"
    r"fled|escaped|deserted|defected|surrendered|spent|was|is|had|has|hopes|lives|lived|works|worked|"
    r"now|returned|crossed|walked|described|spoke|travelled|traveled|went|became|grew|remembers|remembered|"
    r"believed|decided|wanted|testified|appeared|served|fought|knew|agreed|complained|denied|rejected|"
    r"welcomed|campaigned|confirmed|called|asked|received|paid|counsels|teaches|sent|took|came|announced|"
    r"announces|speaks|spoke|recounted|recounts|says|insisted|admitted"
)
_LIFE_AFTER = re.compile(rf"^\s*(?:,\s*(?:who|whose)\b|,?\s(?:{LIFE_VERBS})\b|,\s*\d{{1,3}}\s*,|\s*\(\d{{1,3}}\))")
_AGE_AFTER = re.compile(
    r"^\s*,\s*\d{1,3}\s*,|^\s*\(\d{1,3}\)|^\s*,\s*(?:an?|now)\s+\d{1,3}-year-old|^\s*,\s*(?:who is|aged)\s+\d{1,3}\b|"
    r"^\s*,\s*de\s+\d{1,3}\s+años"
)
_IDENTIFIED = re.compile(
    r"(?:identified\b[^.]{0,40}?(?:only |just )?(?:as|by (?:his|her|their) (?:initials|first name|family names?)),?|"
    r"known (?:only )?as|called|named|asked to be identified only as|whose full name cannot be published[^.]*?,?|"
    r"identificad[oa] como|conocid[oa] como|llamad[oa]|alias)"
    r"(?:\s*[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)?\s*(?:,|and))?\s*$",  # "… family names, Ri and Choe"
    re.I,
)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    words: str


@dataclass
class Person:
    name: str  # the fullest form seen
    mentions: list[Span] = field(default_factory=list)
    evidence: set[str] = field(default_factory=set)  # why we think this is a person
    gender: str | None = None  # "f" or "m" when the text says (a title, "her mother, X", "She" after X)


@dataclass
class Cast:
    """The people of one text, and the lookups quotes need (by position, by pronoun, by initials, by role)."""

    text: str
    people: list[Person] = field(default_factory=list)
    initials: dict[str, Span] = field(default_factory=dict)
    subject: Person | None = None
    roles: dict[str, Person] = field(default_factory=dict)

    def person_of(self, span: Span) -> Person | None:
        for person in self.people:
            if span in person.mentions:
                return person
        return None

    def full_name(self, span: Span) -> str:
        person = self.person_of(span)
        return person.name if person else span.words

    def mentions(self) -> list[tuple[Span, Person]]:
        return sorted(((m, p) for p in self.people for m in p.mentions), key=lambda mp: mp[0].start)

    def person_in(self, start: int, end: int) -> Span | None:
        """The first person mentioned inside [start, end)."""
        for span, _ in self.mentions():
            if start <= span.start and span.end <= end:
                return span
        return None

    def last_person_in(self, start: int, end: int) -> Span | None:
        found = None
        for span, _ in self.mentions():
            if start <= span.start and span.end <= end:
                found = span
        return found

    def pronoun_before(self, offset: int, pronoun: str) -> Span | None:
        """The person a "he said"/"she said" after ``offset`` most likely is: the last person named before
        it, within the same or the previous paragraph."""
        if pronoun in {"i", "we", "they"}:
            return None
        floor = _paragraph_floor(self.text, offset, back=2)
        before = [span for span, _ in self.mentions() if floor <= span.start < offset]
        forms = {"he": r"he|him", "she": r"she"}[pronoun]
        skipped: set[int] = set()
        want = {"he": "m", "she": "f"}[pronoun]
        for span in reversed(before):
            person = self.person_of(span)
            if person is not None and person.gender not in (None, want):
                skipped.add(id(person))
                continue
            # "Brandt asked why he had stayed": a pronoun in the named person's own sentence is someone else
            rest = self.text[span.end : offset]
            sentence_rest = re.split(r"(?<=[.!?])[\"”»']?\s", rest, maxsplit=1)[0]
            asked = rf"\b(?:asked|questioned|urged|accused|thanked|interrupted)\b[^.]*?\b(?:{forms})\b"
            if re.search(asked, sentence_rest, re.I) and len(sentence_rest) < len(rest):
                skipped.add(id(self.person_of(span)))
                continue
            return span
        # nobody named nearby: the subject, when no one else was named since the subject last was
        if self.subject is not None:
            earlier = [s for s, p in self.mentions() if s.start < offset and id(p) not in skipped]
            if earlier and self.person_of(earlier[-1]) is self.subject:
                return earlier[-1]
        return None

    def named_by_initials(self, initials: str) -> Span | None:
        return self.initials.get(initials)

    def role_of(self, words: str) -> Span | None:
        """``the defendant``, ``the man``: the subject, when the text has one subject."""
        key = re.sub(r"^(?:the|der|die|el|la)\s+", "", words.strip(), flags=re.I).lower()
        person = self.roles.get(key) or next(
            (p for role, p in self.roles.items() if re.match(rf"{re.escape(role)}\b", key)), None
        )
        if person is None or not person.mentions:
            return None
        return person.mentions[0]


def _paragraph_floor(text: str, offset: int, back: int) -> int:
    floor = offset
    for _ in range(back):
        cut = text.rfind("\n\n", 0, floor)
        if cut < 0:
            return 0
        floor = cut
    return floor


def _known(names: Iterable[str]) -> set[str]:
    return {n.casefold() for n in names}


def find(text: str, not_people: Iterable[str] = ()) -> Cast:
    """Every person ``text`` names. ``not_people``: names the caller knows are organisations or places."""
    cast = Cast(text)
    excluded = _known(not_people)
    candidates: list[tuple[Span, set[str]]] = []
    for m in _CANDIDATE.finditer(text):
        span = _trim(text, m.start(), m.end())
        if span is None:
            continue
        cues = _cues(text, span)
        if span.words.casefold() in excluded or ORG_WORDS.search(span.words):
            continue
        if re.search(ORG_WORDS.pattern + r"\s+(?:of|for)\s+(?:the\s+)?$", text[max(0, span.start - 40) : span.start]):
            continue  # "Ministry of Unification"
        candidates.append((span, cues))
    # full names first: a name with two or more words and a cue is a person; single words join them later.
    # A name of two or more words written more than once is a person too (a headline and a lede).
    seen: dict[str, int] = {}
    for span, _ in candidates:
        seen[span.words] = seen.get(span.words, 0) + 1
    for span, cues in candidates:
        if seen[span.words] >= 2 and len(span.words.split()) >= 2:
            cues.add("recurring")
    for span, cues in candidates:
        if cues and (len(span.words.split()) >= 2 or "identified" in cues or "initials" in cues):
            _add(cast, span, cues)
    for span, cues in candidates:
        if cast.person_of(span) is not None:
            continue
        owner = _owner(cast, span)
        if owner is not None:
            owner.mentions.append(span)
        elif cues & {"title", "age", "apposition", "identified", "speech", "byline"}:
            _add(cast, span, cues)
    for span, _ in candidates:  # "Ha Tae-keung" after "Ha" was taken for a person: the fuller name
        if cast.person_of(span) is not None or len(span.words.split()) < 2:
            continue
        tokens = _tokens(span.words)
        fuller = [p for p in cast.people if _tokens(p.name) < tokens and len(_tokens(p.name)) == 1]
        if len(fuller) == 1:
            fuller[0].mentions.append(span)
            fuller[0].name = span.words
    for person in cast.people:
        person.mentions.sort(key=lambda s: s.start)
        person.gender = _gender(text, person)
    _header_initials(cast)
    _signature(cast)
    return cast


def _gender(text: str, person: Person) -> str | None:
    """What the text says of a person's gender: a title or relation just before a mention ("her mother,
    Fatima Hamidi", "Mr Sadeghi"), or a sentence that begins with She/He right after one that names them."""
    for span in person.mentions:
        before = text[max(0, span.start - 45) : span.start]
        f, m = FEMALE.search(before), MALE.search(before)
        if f or m:
            return "f" if f and (not m or f.start() > m.start()) else "m"
    for span in person.mentions:
        end = re.search(r"[.!?][\"”»']?\s+", text[span.end :])
        if end is None:
            continue
        sentence_start = text.rfind(". ", 0, span.start)
        if re.search(r"\b(?:he|she|his|her)\b", text[sentence_start + 1 : span.start], re.I):
            continue  # a pronoun before the name in its own sentence may be someone else
        follow = text[span.end + end.end() : span.end + end.end() + 4]
        if follow.startswith("She "):
            return "f"
        if follow.startswith("He "):
            return "m"
    return None


def _trim(text: str, start: int, end: int) -> Span | None:
    """Drop capitalised function words at either end ("After Tavakoli" → "Tavakoli")."""
    words = text[start:end]
    parts = list(re.finditer(r"\S+", words))
    while parts and (parts[0].group().strip(".") in NOT_NAMES or _TITLE_WORD.fullmatch(parts[0].group())):
        parts.pop(0)
    while parts and parts[-1].group().strip(".") in NOT_NAMES:
        parts.pop()
    if not parts:
        return None
    s, e = start + parts[0].start(), start + parts[-1].end()
    w = text[s:e]
    if re.search(r"['’]s?$", w):  # "Rahimi’s testimony": the name without its possessive
        e -= len(re.search(r"['’]s?$", w).group())  # type: ignore[union-attr]
        w = text[s:e]
    if w.endswith(".") and not re.search(r"(?:^|\s)[A-Z]\.$|[A-Z]\.[A-Z]\.$", w):
        e -= 1
        w = w[:-1]
    if len(w) < 2 or w.isupper() and len(w) > 4 and "." not in w:
        return None
    return Span(s, e, w)


def _cues(text: str, span: Span) -> set[str]:
    before = text[max(0, span.start - 80) : span.start]
    after = text[span.end : span.end + 40]
    cues = set()
    if _TITLE.search(before):
        cues.add("title")
    if _APPOSITION.search(before):
        cues.add("apposition")
    if _AGE_AFTER.match(after):
        cues.add("age")
    if _LIFE_AFTER.match(after):
        cues.add("life")
    if re.match(r"^\s*,?\s+(?:said|says|told|added|recalled|wrote|answered|asked|dijo|afirmó|sagte)\b", after):
        cues.add("speech")
    if re.search(r"\b(?:said|says|told|added|recalled|answered|sagte|dijo)\s+$", before) and re.match(
        r"^\s*[.,]", after
    ):
        cues.add("speech")
    if _IDENTIFIED.search(before):
        cues.add("identified")
    line_start = text.rfind("\n", 0, span.start) + 1
    if re.match(r"(?:Posted|Published|By|Written)\b[^\n]*\bby\s+$|By\s+$", text[line_start : span.start], re.I):
        cues.add("byline")
    if re.fullmatch(r"[A-Z]\.(?:\s?[A-Z]\.)+", span.words):
        cues.add("initials")
    if PLACE_CUE.search(before) and not (cues & {"title", "apposition", "age"}):
        return set()  # "lives in Cologne, said": the place, not a speaker
    return cues


def _add(cast: Cast, span: Span, cues: set[str]) -> None:
    owner = _owner(cast, span)
    if owner is not None:
        owner.mentions.append(span)
        owner.evidence |= cues
        if len(span.words) > len(owner.name) and _tokens(owner.name) <= _tokens(span.words):
            owner.name = span.words
        return
    cast.people.append(Person(span.words, [span], set(cues)))


@functools.lru_cache(maxsize=4096)
def _tokens(name: str) -> frozenset[str]:
    return frozenset(t.casefold() for t in re.findall(r"[\w.]+", name) if t not in {"Mr", "Mrs", "Ms", "Dr"})


def _owner(cast: Cast, span: Span) -> Person | None:
    """The person an earlier, fuller mention already names ("Tavakoli" → "Reza Tavakoli")."""
    tokens = _tokens(span.words)
    if not tokens:
        return None
    for person in cast.people:
        if tokens <= _tokens(person.name):
            return person
    return None


def _header_initials(cast: Cast) -> None:
    """``Kim Soo-min (KSM)`` in a transcript's header: the initials name that person."""
    if "interview" not in cast.text[:400].lower():
        return
    for m in re.finditer(r"(?P<name>[A-Z][^():\n]{1,60}?)\s*\((?P<ini>[A-Z]{2,5})\)", cast.text):
        name = m.group("name").split(":")[-1].strip()
        if not _CANDIDATE.fullmatch(name):
            continue
        start = m.start("name") + m.group("name").rfind(name)
        span = Span(start, start + len(name), name)
        person = next((p for p in cast.people if _tokens(name) <= _tokens(p.name)), None)
        if person is None:
            person = Person(name, [span], {"header"})
            cast.people.append(person)
        elif span not in person.mentions:
            person.mentions.append(span)
            person.mentions.sort(key=lambda s: s.start)
        cast.initials[m.group("ini")] = span


def _signature(cast: Cast) -> None:
    """A letter's closing name: the last short line after a valediction ("Your brother,")."""
    lines = list(re.finditer(r"[^\n]+", cast.text))
    for k in range(len(lines) - 1, max(-1, len(lines) - 5), -1):
        line = lines[k]
        if k > 0 and re.search(r"^(?:Your|Yours|With love|Love|Sincerely|Regards|Best)\b.*,\s*$", lines[k - 1].group()):
            words = line.group().strip()
            if _CANDIDATE.fullmatch(words):
                span = Span(
                    line.start() + line.group().find(words), line.start() + line.group().find(words) + len(words), words
                )
                person = next((p for p in cast.people if _tokens(words) <= _tokens(p.name)), None)
                if person is None:
                    person = Person(words, [span], {"signature"})
                    cast.people.append(person)
                else:
                    person.mentions.append(span)
                person.evidence.add("signature")
            return


#: The words before a person's name that say how they relate to the subject → the relation vocabulary.
RELATION_WORDS = {
    "mother": "mother", "father": "father", "brother": "brother", "sister": "sister", "wife": "spouse",
    "husband": "spouse", "partner": "spouse", "son": "child", "daughter": "child", "aunt": "relative",
    "uncle": "relative", "cousin": "relative", "grandmother": "relative", "grandfather": "relative",
    "recruiter": "recruiter", "commander": "commander", "emir": "commander", "leader": "commander",
    "reporter": "reporter", "correspondent": "reporter", "interviewer": "reporter", "friend": "fellow_member",
}  # fmt: skip
_RELATION_BEFORE = re.compile(
    rf"\b(?P<word>{ROLE_WORDS}|wife|husband|partner|grandmother|grandfather|recruiter|correspondent|interviewer)"
    r"\b[^.;]{0,30}?[,:]?\s*(?:(?:Mr|Mrs|Ms|Dr|Corporal|Maître|Mother|Father)\.?\s+)?$",
    re.I,
)


def relations(cast: Cast, subject: Person | None) -> list[tuple[Person, dict[str, str], Span]]:
    """Other people named with a word that says who they are (``His lawyer, Ann Verstraete``, ``her
    father, Hossein Sadeghi``, ``a man he knew only as Abu Hafs`` after "recruiter"): each once, with the
    relation code (``other`` with the word when the vocabulary has none) and the mention it came from."""
    out = []
    for person in cast.people:
        if person is subject:
            continue
        for span in person.mentions:
            m = _RELATION_BEFORE.search(cast.text[max(0, span.start - 45) : span.start])
            if m:
                word = m.group("word").lower()
                out.append((person, {"code": RELATION_WORDS.get(word, "other"), "word": word}, span))
                break
    return out
