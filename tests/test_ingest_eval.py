"""The drafts of `casefile ingest`, scored against the labelled texts of tests/eval (issue 22).

The goals of the issue are floors for the whole set (the development texts and the two held-out sets
together, 36 texts); a change to a rule that makes any of them fall fails here as well as in `make eval`.
Every drafted value must carry evidence whose offsets give back its words.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from casefile.ingest import drafting, reading, scoring

EVAL = Path(__file__).parent / "eval"
SETS = [EVAL / "labels", EVAL / "holdout" / "labels", EVAL / "holdout2" / "labels"]


@pytest.fixture(scope="module")
def drafted() -> list[tuple[scoring.Case, dict]]:
    pairs = []
    for folder in SETS:
        for case in scoring.cases(folder):
            doc = reading.read_path(case.text_path)
            pairs.append((case, drafting.draft(doc.text, metadata=doc.metadata)))
    return pairs


def test_the_goals_of_issue_22_hold_on_every_labelled_text(drafted: list[tuple[scoring.Case, dict]]) -> None:
    scores = scoring.score(drafted)
    assert scores.texts >= 35
    assert scores.failures() == [], scoring.report(scores)
    # the goals checked above, spelt out (a goal table that lost a row must not pass silently)
    fields = scores.fields
    assert fields["quotes"].precision >= 0.95 and fields["quotes"].recall >= 0.90
    assert fields["speaker"].precision >= 0.90
    assert fields["organisation"].precision >= 0.95
    assert fields["subject name"].precision >= 0.90
    assert fields["joined"].precision >= 0.85 and fields["left"].precision >= 0.85
    assert fields["relative dates"].precision >= 0.85
    assert fields["places"].precision >= 0.80


def test_every_value_has_evidence_that_reproduces_from_its_offsets(drafted: list[tuple[scoring.Case, dict]]) -> None:
    for case, draft in drafted:
        text = draft["text"]
        record = draft["record"]
        for key in ("name", "organization", "joined", "left", "years_in_org"):
            if record.get(key) is not None:
                assert draft["evidence"].get(key), (case.name, key)
        for i, _ in enumerate(record.get("quotes", [])):
            assert draft["evidence"].get(f"quotes[{i}].text"), (case.name, i)
        for key, found in draft["evidence"].items():
            for ev in found:
                assert text[ev["start"] : ev["end"]] == ev["words"], (case.name, key, ev)
                assert ev["rule"], (case.name, key)


def test_a_quote_is_its_words_exactly(drafted: list[tuple[scoring.Case, dict]]) -> None:
    for case, draft in drafted:
        for i, quote in enumerate(draft["record"]["quotes"]):
            (ev,) = draft["evidence"][f"quotes[{i}].text"]
            assert ev["words"] == quote["text"], case.name


def test_the_typo_of_the_seed_shape_is_flagged_and_never_fixed_silently() -> None:
    text = (
        "Man leaves group after decades\n\n"
        "Jan 3, 2011\n\n"
        "Karim Rostami joined the Mujahedin-e Khalq in 1886 as a student and left the organisation in 2010 "
        "after 24 years."
    )
    draft = drafting.draft(text)
    assert draft["record"]["joined"] == "1886"  # as written
    assert draft["record"]["joined_corrected"] == "1986"
    assert "likely 1986" in draft["record"]["joined_note"]
    assert [(f["as_written"], f["likely"]) for f in draft["flags"]] == [("1886", "1986")]


def test_a_relative_date_is_kept_as_written_with_its_resolution() -> None:
    text = (
        "Former member describes camp\n\n"
        "Sunday 21 March 2010 01:00 GMT\n\n"
        'Reza Amini, 44, left the group last December. "I could not stay," Amini said.'
    )
    draft = drafting.draft(text)
    assert draft["record"]["left"] == "last December"
    assert draft["record"]["left_derived"] == "2009-12"
    assert draft["record"]["source_date"] == "2010-03-21"
    (resolved,) = [d for d in draft["dates"] if d["words"] == "last December"]
    assert resolved["value"] == "2009-12" and resolved["relative"]


def test_without_a_publication_date_a_relative_date_stays_unresolved_and_the_draft_says_so() -> None:
    draft = drafting.draft('Reza Amini left the group last December. "I could not stay," Amini said.')
    assert draft["record"].get("left_derived") is None
    assert any(u["field"] == "dates" for u in draft["unsure"])


def test_two_defectors_make_the_draft_unsure_of_its_subject() -> None:
    text = (
        "Two soldiers defect\n\n"
        "SEOUL, 22 June 2017\n\n"
        "Two soldiers walked across the border on Wednesday. The men, identified only by their family names, "
        "Ri and Choe, are in their twenties."
    )
    draft = drafting.draft(text)
    assert any(u["field"] == "name" and "more than one" in u["why"] for u in draft["unsure"])


def test_no_one_named_leaves_the_name_empty_instead_of_guessing() -> None:
    text = "IN BRIEF\n\nA woman in her fifties left the Unification Church in 2009 after nearly thirty years."
    draft = drafting.draft(text)
    assert "name" not in draft["record"]
    assert (
        draft["record"]["organization"]
        == json.loads((EVAL / "labels" / "21-brief-no-quotes.json").read_text(encoding="utf-8"))["organisation"]["name"]
    )


def test_an_unnamed_speaker_is_left_empty() -> None:
    text = (
        "Defection at the border\n\n"
        "SEOUL, 22 June 2017\n\n"
        'Ri Song-chol, 23, a sergeant, crossed the border on Wednesday. "No shots were fired," a military '
        "spokesman told reporters."
    )
    draft = drafting.draft(text)
    (quote,) = draft["record"]["quotes"]
    assert quote == {"text": "No shots were fired,"}
    assert any(u["field"] == "quotes[0].speaker" for u in draft["unsure"])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"   \n\n  ", "the file is empty"),
        (b"\x00\x01\x02binary\x00" * 20, "a binary file"),
        (b"%PDF-1.4\n%broken", "not a readable PDF"),
        (b"caf\xe9 au lait", "not UTF-8 text"),
        (b"<html><body><nav><a href='/'>Home</a></nav></body></html>", "no article text"),
    ],
)
def test_bad_input_is_one_clear_error(data: bytes, message: str) -> None:
    from casefile.errors import InputError

    with pytest.raises(InputError) as raised:
        reading.read_bytes(data, "article.x")
    assert message in str(raised.value) and str(raised.value).startswith("article.x: ")


def test_a_pdf_text_layer_is_read(tmp_path: Path) -> None:
    pdf = _pdf_with_text("Maria Gomez left the FARC in 2016.")
    doc = reading.read_bytes(pdf, "letter.pdf")
    assert doc.media_type == "application/pdf" and "Maria Gomez left the FARC in 2016." in doc.text


def test_a_pdf_without_text_says_so() -> None:
    from casefile.errors import InputError

    with pytest.raises(InputError, match="no text layer"):
        reading.read_bytes(_pdf_with_text(None), "scan.pdf")


def _pdf_with_text(line: str | None) -> bytes:
    """A one-page PDF written by hand (with a text layer, or none: a blank page like a scan)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({line}) Tj ET".encode() if line else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out
