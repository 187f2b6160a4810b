"""``--redact name`` and ``--pseudonymise name`` find the person in the record's free text by any part of
their name or aliases of three or more letters, as a whole word, in any case, across Arabic/Persian letter
variants and Latin diacritics - and nothing inside another word."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from reliability import record

from casefile import model, privacy
from casefile.model import Account

R = "[redacted]"

# (name, aliases, summary as written, summary after --redact name)
CASES: list[tuple[str, list[str], str, str]] = [
    ("Jan Kowalski", [], "Jan Kowalski left in 2016", f"{R} left in 2016"),
    ("Jan Kowalski", [], "Kowalski said he left", f"{R} said he left"),
    ("Jan Kowalski", [], "Then Jan said no", f"Then {R} said no"),
    ("Jan Kowalski", [], "Kowalski's brother stayed", f"{R}'s brother stayed"),
    ("Jan Kowalski", [], "KOWALSKI left; kowalski came back", f"{R} left; {R} came back"),
    ("Jan Kowalski", [], "(Kowalski) and Kowalski-Nowak", f"({R}) and {R}-Nowak"),
    ("Jan Kowalski", [], "Kowalskis and Janet and Kowalski2", "Kowalskis and Janet and Kowalski2"),
    ("Ali Rahimi", [], "Alignment with Rahimi", f"Alignment with {R}"),
    ("Ali Rahimi", [], "Ali was quiet; Alibaba was not", f"{R} was quiet; Alibaba was not"),
    ("Al Bo Rahimi", [], "Al and Bo met Rahimi", f"Al and Bo met {R}"),
    ("Ali Rahimi-Alashti", [], "Alashti spoke to Rahimi", f"{R} spoke to {R}"),
    ("Sara", ["Abu Karim"], "Karim came; Abu did not", f"{R} came; {R} did not"),
    ("Zoë Müller", [], "Muller and ZOE and MÜLLER", f"{R} and {R} and {R}"),
    ("Zoe Muller", [], "Zoë Müller, and Mu\u0308ller decomposed", f"{R}, and {R} decomposed"),
    ("علی رحیمی", [], "رحیمی گفت که علی رفت", f"{R} گفت که {R} رفت"),
    ("علي رحيمي", [], "رحیمی گفت", f"{R} گفت"),  # the name in Arabic yeh, the text in Persian yeh
    ("علی رحیمی", [], "علیرضا رفت", "علیرضا رفت"),  # Alireza is another name: not inside a word
    ("علی رحیمی", [], "خانواده\u200cی رحیمی", f"خانواده\u200cی {R}"),  # ZWNJ kept where it was
    ("Jan Kowalski", [], "", ""),
]


def shape(redact: list[str], values: dict[str, Any]) -> dict[str, Any]:
    apply = privacy.plan(redact, [], None, False)
    assert apply is not None
    (account,) = apply([Account(values)])
    return account.values


@pytest.mark.parametrize(("name", "aliases", "text", "expected"), CASES)
def test_every_name_part_is_redacted_as_a_whole_word(name: str, aliases: list[str], text: str, expected: str) -> None:
    out = shape(["name"], {"name": name, "aliases": aliases, "summary": text})
    assert out["summary"] == expected
    assert out["name"] is None and out["aliases"] == []


def free_text_record(word: str) -> dict[str, Any]:
    """A record naming the person by ``word`` alone in every free-text field it has."""
    said = f"{word} said so"
    record_: dict[str, Any] = {"name": f"Jan {word}", "organization": "Group X", "left": "2016"}
    for f in model.FIELDS:
        if f.name in ("name", "aliases", "external_id") or f.vocab is not None:
            continue
        if f.kind == "text":
            record_[f.name] = said
        elif f.kind == "multi":
            record_[f.name] = [said]
    record_["sources"] = [{"title": said, "publisher": said, "locator": said, "role": "primary"}]
    record_["events"] = [{"type": "left", "date": "2016", "place": said, "description": said}]
    record_["quotes"] = [{"text": said, "speaker": said, "translation": said, "locator": said}]
    return record_


@pytest.mark.parametrize("option", ["redact", "pseudonymise"])
def test_no_free_text_field_keeps_the_surname(cli, tmp_path: Path, option: str) -> None:
    source = tmp_path / "in.json"
    given = free_text_record("Kowalski")
    source.write_text(json.dumps([given]), encoding="utf-8")
    assert cli("import", source).exit_code == 0
    args = ["--redact", "name"] if option == "redact" else ["--pseudonymise", "name", "--pseudonym-key"]
    if option == "pseudonymise":
        args += [str(tmp_path / "k"), "--new-key"]
    result = cli("export", "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    assert "Kowalski" not in result.stdout
    (row,) = json.loads(result.stdout)
    assert row["summary"].endswith(" said so") and row["events"][0]["description"] == row["summary"]
    assert row["tags"] == [row["summary"]]
    places = json.dumps(given).count("Kowalski said so")
    record("name parts in free text", cases=len(CASES), places=places, surname_left=0)
