"""From a text to a draft: the record ``import`` reads, every value with the words it came from.

A draft is a plain dict, written as JSON by ``ingest --draft-out`` and read back by ``add --from-draft``:

``text``      the text the offsets refer to (the working copy: an article's main text, a PDF's text layer)
``record``    the drafted account in the shape of ``casefile template json`` (name, organization, joined,
              left, years_in_org, reasons, allegations, quotes [{text, speaker}], places, people …)
``evidence``  for each drafted value, by its path in the record (``name``, ``quotes[2].speaker``), a list
              of ``{start, end, words, rule}``: ``text[start:end] == words``, always
``dates``     every date phrase found, with what it resolved to (``relative`` when it needed an anchor)
``flags``     values written wrongly and their likely intent (``1886`` → ``1986``), never fixed silently
``unsure``    what the draft is unsure about and why, by field
"""

from __future__ import annotations

from typing import Any

from . import names, quotes, subject
from .names import Span


def _ev(span: Span, rule: str) -> dict[str, Any]:
    return {"start": span.start, "end": span.end, "words": span.words, "rule": rule}


def draft(text: str, *, known_orgs: list[str] | None = None) -> dict[str, Any]:
    """The draft of one text (already reduced to its main text)."""
    cast = names.find(text, not_people=known_orgs or [])
    choice = subject.choose(cast)
    record: dict[str, Any] = {}
    evidence: dict[str, list[dict[str, Any]]] = {}
    unsure: list[dict[str, str]] = []
    if choice.person is not None:
        record["name"] = choice.person.name
        first = next((m for m in choice.person.mentions if m.words == choice.person.name), choice.person.mentions[0])
        evidence["name"] = [_ev(first, f"subject: {choice.why}")]
    else:
        unsure.append({"field": "name", "why": choice.why})
    if choice.unsure:
        unsure.append({"field": "name", "why": choice.unsure})
    found = quotes.find(text, cast)
    record["quotes"] = []
    for i, q in enumerate(found):
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
    return {"casefile_draft": 1, "text": text, "record": record, "evidence": evidence, "dates": [], "flags": [], "unsure": unsure}
