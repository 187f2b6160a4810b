"""From a text to a draft: the record ``import`` reads, every value with the words it came from.

A draft is a plain dict, written as JSON by ``ingest --draft-out`` and read back by ``add --from-draft``:

``text``      the text the offsets refer to (the working copy: an article's main text, a PDF's text layer)
``record``    the drafted account in the shape of ``casefile template json`` (name, organization, joined,
              left, years_in_org, reasons, allegations, quotes [{text, speaker}], places …)
``evidence``  for each drafted value, by its path in the record (``name``, ``quotes[2].speaker``), a list
              of ``{start, end, words, rule}``: ``text[start:end] == words``, always
``dates``     every date phrase found, with what it resolved to (``relative`` when it needed an anchor)
``flags``     values written wrongly and their likely intent (``1886`` → ``1986``), never fixed silently
``unsure``    what the draft is unsure about and why, by field
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import coding, dating, facts, groups, names, places, quotes, subject
from .names import Span

#: The draft format's version (``casefile_draft``); ``add --from-draft`` refuses one it does not know.
VERSION = 1


def _ev(span: Span, rule: str) -> dict[str, Any]:
    return {"start": span.start, "end": span.end, "words": span.words, "rule": rule}


def _gazetteer_lookup() -> Any:
    """The gazetteer's lookup with its index built once for the draft (the user's file read once)."""
    from casefile import gazetteer

    index: dict[str, Any] = {}
    for entry in gazetteer.entries():
        for name in entry.names:
            index.setdefault(gazetteer.org_key(name), entry)

    def lookup(name: str) -> Any:
        base, inner = gazetteer.split_alias(name)
        return index.get(gazetteer.org_key(base)) or (index.get(gazetteer.org_key(inner)) if inner else None)

    return lookup


def known_groups(orgs: Iterable[tuple[str, list[str]]] = ()) -> list[tuple[str, list[str], str]]:
    """The organisations of the user's database, then the gazetteer's groups they do not already cover."""
    from casefile import gazetteer

    out = [(name, list(aliases), "database") for name, aliases in orgs]
    covered = {gazetteer.org_key(n) for name, aliases, _ in out for n in [name, *aliases]}
    for entry in gazetteer.entries():
        if not any(gazetteer.org_key(n) in covered for n in entry.names):
            out.append((entry.name, list(entry.names), "gazetteer"))
    return out


def draft(
    text: str,
    *,
    orgs: Iterable[tuple[str, list[str]]] = (),
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The draft of one text (already reduced to its main text). ``orgs``: the user's organisations."""

    metadata = metadata or {}
    record: dict[str, Any] = {}
    evidence: dict[str, list[dict[str, Any]]] = {}
    unsure: list[dict[str, str]] = []
    flags: list[dict[str, Any]] = []

    known = known_groups(orgs)
    found_groups = groups.find(text, known)
    group_spans = [m for g in found_groups for m in g.mentions]
    for g in groups.folded_matches(text, _gazetteer_lookup()):
        if not any(m.start < s.end and s.start < m.end for m in g.mentions for s in group_spans):
            found_groups.append(g)
            group_spans.extend(g.mentions)
    cast = names.find(text, not_people=[n for _, ns, _ in known for n in ns])
    choice = subject.choose(cast)
    subject_spans = list(choice.person.mentions) if choice.person else []
    if choice.person is not None:
        record["name"] = choice.person.name
        first = next((m for m in choice.person.mentions if m.words == choice.person.name), choice.person.mentions[0])
        evidence["name"] = [_ev(first, f"subject: {choice.why}")]
    else:
        unsure.append({"field": "name", "why": choice.why})
    if choice.unsure:
        unsure.append({"field": "name", "why": choice.unsure})

    new_groups = groups.proposed(text, group_spans)
    group = groups.choose(text, found_groups + new_groups, subject_spans)
    if group is not None:
        record["organization"] = group.name
        evidence["organization"] = [_ev(group.mentions[0], group.why)]
        if not group.known:
            unsure.append({"field": "organization", "why": f"{group.name} is not a known organisation: a new one"})

    masked = facts._mask_quotes(text)
    pub = dating.published(text, metadata.get("published"))
    anchor = pub[0] if pub else None
    if pub is not None and anchor is not None:
        record["source_date"] = anchor.isoformat()
        if pub[1] is not None:
            evidence["source_date"] = [_ev(pub[1], "the dateline or byline date")]
    age_now = _age_of(text, choice.person)
    relatives = dating.relative(text, anchor, masked, age_now)
    if anchor is None and relatives:
        unsure.append({"field": "dates", "why": "relative dates, but no publication date to count from"})

    others = [m for p in cast.people if p is not choice.person for m in p.mentions]
    first_person = "letter" in choice.why or "first person" in choice.why or "interviewee" in choice.why
    sentences = (
        facts.about_subject(text, subject_spans, others, first_person) if subject_spans else facts._sentences(text)
    )
    spanned = facts.span_of_years(text, sentences)
    for key, trigger in (("joined", facts.JOIN), ("left", facts.LEAVE)):
        found = facts.when_near(text, sentences, trigger, key, relatives, skip=pub[1] if pub else None)
        if spanned is not None:
            found = spanned[0] if key == "joined" else spanned[1]
        if found is None:
            continue
        value = found.value
        if value[:2] == "18" and len(value) >= 4:
            likely = "19" + value[2:4]
            record[f"{key}_corrected"] = likely + value[4:]
            record[f"{key}_note"] = f"written {value[:4]}; likely {likely} (flagged by ingest, check the source)"
        record[key] = value if "derived" not in found.rule else found.span.words
        if "derived" in found.rule:
            record[f"{key}_derived"] = value
        evidence[key] = [_ev(found.span, found.rule)]
    for span, likely in facts.implausible_years(text):
        flags.append(
            {
                "as_written": span.words,
                "likely": likely,
                "start": span.start,
                "end": span.end,
                "words": span.words,
                "why": "a year before 1900 in a life told today; likely a typo",
            }
        )
    dur = facts.duration(text, sentences)
    if dur is not None:
        record["years_in_org"] = dur.value
        evidence["years_in_org"] = [_ev(dur.span, dur.rule)]

    _derive_membership(record, evidence)

    quotes_found = quotes.find(text, cast)
    record["quotes"] = []
    for i, q in enumerate(quotes_found):
        item: dict[str, Any] = {"text": q.text}
        evidence[f"quotes[{i}].text"] = [_ev(Span(q.start, q.end, q.text), "direct quote between quotation marks")]
        if q.speaker and q.speaker_span is not None:
            item["speaker"] = q.speaker
            evidence[f"quotes[{i}].speaker"] = [_ev(q.speaker_span, f"speaker: {q.rule}")]
        else:
            unsure.append({"field": f"quotes[{i}].speaker", "why": "the words around the quote name no person"})
        if q.unsure:
            unsure.append({"field": f"quotes[{i}].speaker", "why": q.unsure})
        record["quotes"].append(item)

    person_spans = [m for p in cast.people for m in p.mentions]
    new_spans = [m for g in new_groups for m in g.mentions]
    person_names = {p.name for p in cast.people} | {m.words for m in person_spans}
    record["places"] = []
    found_places = [
        (span, country)
        for span, country in places.find(text, masked, group_spans + new_spans + person_spans)
        if span.words not in person_names
    ]
    for i, (span, country) in enumerate(found_places):
        role = places.role_of(masked, span.start)
        record["places"].append({"role": role, "name": span.words, **({"country": country} if country else {})})
        evidence[f"places[{i}].name"] = [_ev(span, "a name after a word of place")]

    record["people"] = []
    for person, relation, span in names.relations(cast, choice.person):
        evidence[f"people[{len(record['people'])}].name"] = [_ev(span, f"a person named with {relation['word']!r}")]
        item = {"name": person.name, "relation": relation["code"]}
        if relation["code"] == "other":
            item["note"] = relation["word"]
        record["people"].append(item)

    subject_quotes = _subject_quote_mask(text, masked, quotes_found, choice.person)
    record["reasons"], record["allegations"] = [], []
    for vocabulary, code, start, end in coding.suggest(text, subject_quotes):
        key = "reasons" if vocabulary == "exit_reason" else "allegations"
        evidence[f"{key}[{len(record[key])}]"] = [_ev(Span(start, end, text[start:end]), f"suggested: {code}")]
        record[key].append(code)

    dates_out = [d.as_dict() for d in relatives]
    return {
        "casefile_draft": VERSION, "text": text, "record": record, "evidence": evidence, "dates": dates_out,
        "flags": flags, "unsure": unsure,
    }  # fmt: skip


def _derive_membership(record: dict[str, Any], evidence: dict[str, list[dict[str, Any]]]) -> None:
    """Joined from left minus the years in the organisation, or left from joined plus them, when the text
    gives two of the three: derived, with the arithmetic as its rule and both sources as its evidence."""
    import re

    years = record.get("years_in_org")
    if years is None:
        return
    m = re.fullmatch(r"([<>~]?)(\d+)", str(years))
    if not m:
        return
    qual, n = m.group(1), int(m.group(2))
    low, high = {"": (n, n), "<": (n - 2, n), ">": (n, n + 3), "~": (n - 1, n + 1)}[qual]
    for have, want, sign in (("left", "joined", -1), ("joined", "left", 1)):
        if record.get(want) is not None or record.get(have) is None:
            continue
        value = record.get(f"{have}_corrected") or record.get(f"{have}_derived") or record[have]
        base = re.match(r"\d{4}", str(value))
        if not base:
            continue
        ends = sorted({int(base.group()) + sign * low, int(base.group()) + sign * high})
        derived = str(ends[0]) if len(ends) == 1 else f"{ends[0]}/{ends[1]}"
        record[want] = f"{have} {'-' if sign < 0 else '+'} {years} years"
        record[f"{want}_derived"] = derived
        evidence[want] = [*evidence.get(have, []), *evidence.get("years_in_org", [])]
        for ev in evidence[want]:
            ev = dict(ev)
        evidence[want] = [
            dict(ev, rule=f"derived: {have} {value} {'-' if sign < 0 else '+'} {years} years") for ev in evidence[want]
        ]


def _age_of(text: str, person: Any) -> int | None:
    """The subject's age now as the text gives it after their name ("Reza Tavakoli, 44,")."""
    import re

    if person is None:
        return None
    for span in person.mentions:
        m = re.match(r"\s*,\s*(?:now\s+)?(\d{1,3})\s*,|\s*\((\d{1,3})\)", text[span.end : span.end + 12])
        if m:
            return int(m.group(1) or m.group(2))
    return None


def _subject_quote_mask(text: str, masked: str, found: list[quotes.Quote], person: Any) -> str:
    """The text with every quote blanked out except the subject's own words (what others say — a
    spokesman's denial, a court's finding — suggests no reason of the subject's)."""
    chars = list(masked)
    for q in found:
        if person is not None and q.speaker == person.name:
            chars[q.start : q.end] = text[q.start : q.end]
    return "".join(chars)
