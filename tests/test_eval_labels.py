"""The ingest evaluation set is only as good as its labels: every label must agree with its text.

A quote that is not in its text, a relative phrase the text does not contain or a subject the text never
names would make `make eval` reward or punish an extractor for the label's mistake, not its own.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

EVAL = Path(__file__).parent / "eval"
LABELS = sorted(p for p in (EVAL / "labels").glob("*.json") if not p.name.startswith("00-"))
CODES = re.compile(r"^[a-z][a-z_]+$")


def load(path: Path) -> tuple[dict, str]:
    label = json.loads(path.read_text(encoding="utf-8"))
    return label, (EVAL / label["text"]).read_text(encoding="utf-8")


def visible(text: str) -> str:
    """The text as a reader sees it: HTML entities decoded (labels are written from the rendered page)."""
    import html

    return html.unescape(text)


def test_the_set_has_at_least_twenty_texts_of_our_own_and_covers_the_genres() -> None:
    assert len(LABELS) >= 20
    genres = " ".join(json.loads(p.read_text(encoding="utf-8"))["genre"] for p in LABELS)
    for genre in ("news report", "letter", "transcript", "blog", "Spanish", "German", "two defectors", "pseudonym"):
        assert genre in genres, genre


@pytest.mark.parametrize("path", LABELS, ids=lambda p: p.stem)
def test_every_labelled_value_is_in_its_text(path: Path) -> None:
    label, raw = load(path)
    text = visible(raw)
    for quote in label["quotes"] + label.get("nested_quotes", []):
        assert quote["text"] in text, quote["text"]
        if quote["speaker"] is not None:
            # the speaker is named in the text (a transcript names them in its header)
            assert any(part in text for part in quote["speaker"].split()), quote["speaker"]
    if label["subject"]["name"] is not None:
        assert label["subject"]["name"] in text
    for other in label["other_subjects"]:
        assert other["name"] in text
    for place in label["places"]:
        assert place["name"] in text, place["name"]
        assert re.fullmatch(r"[A-Z]{2}", place["country"])
    for phrase in label["relative_dates"]:
        assert phrase["phrase"] in text, phrase["phrase"]
    for typo in label["typos"]:
        assert typo["as_written"] in text and typo["likely"] not in text
    for person in label["people"]:
        assert person["name"] in text or person["name"] == person["relation"], person["name"]
    names = [label["organisation"]["name"], *label["organisation"]["accept"]]
    assert any(name in text for name in names), names
    for decoy in label["decoy_organisations"]:
        assert decoy in text, decoy


@pytest.mark.parametrize("path", LABELS, ids=lambda p: p.stem)
def test_years_and_codes_are_well_formed(path: Path) -> None:
    label, _ = load(path)
    for key in ("joined", "left"):
        value = label[key]
        if value is not None:
            assert 1900 < value["year"] < 2030 and isinstance(value["derived"], bool)
            low, high = value.get("range", [value["year"], value["year"]])
            assert low <= value["year"] <= high
    if label["joined"] and label["left"]:
        assert label["joined"]["year"] <= label["left"]["year"]
    if label["years_in_org"] is not None:
        assert label["years_in_org"]["qualifier"] in {"=", ">", "<", "~"}
    if label["published"] is not None:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", label["published"])
    for code in label["reasons"] + label["allegations"]:
        assert CODES.match(code)


def test_reasons_and_allegations_are_codes_of_the_shipped_vocabularies() -> None:
    from casefile import vocab

    for path in [*LABELS, EVAL / "labels" / "00-seed.json"]:
        label = json.loads(path.read_text(encoding="utf-8"))
        assert set(label["reasons"]) <= vocab.codes("exit_reason"), path.stem
        assert set(label["allegations"]) <= vocab.codes("allegation"), path.stem


def test_the_seed_label_copies_no_prose() -> None:
    """The seed's words stay in the seed: its label holds offsets and hashes, never the quoted text."""
    label = json.loads((EVAL / "labels" / "00-seed.json").read_text(encoding="utf-8"))
    assert "quotes" not in label and len(label["quotes_by_offset"]) >= 5
    for quote in label["quotes_by_offset"]:
        assert quote["end"] > quote["start"] and re.fullmatch(r"[0-9a-f]{64}", quote["sha256"])
    assert label["typos"] == [{"as_written": "1886", "likely": "1986"}]
