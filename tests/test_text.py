"""Folding for matching and search: the fast fold equals the plain definition, and romanisation keys."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casefile import text


def reference_fold(value: str) -> str:
    """The plain definition: NFKD, Arabic-script variants, drop combining marks, case-fold, single spaces."""
    decomposed = unicodedata.normalize("NFKD", value).translate(text._ARABIC_VARIANTS)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return text._SPACE.sub(" ", stripped.casefold()).strip()


@given(st.text())
def test_fast_fold_equals_the_definition(value: str) -> None:
    assert text.fold(value) == reference_fold(value)
    assert text.fold(text.fold(value)) == text.fold(value)


def test_presentation_forms_fold_like_the_letters() -> None:
    assert text.fold("\ufef1\ufeea") == text.fold("يه") == "یه"  # isolated yeh, final heh


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Hassan Shahbazi", "Hasan Shahbazi"),
        ("Mousavi", "Moosavi"),
        ("Mousavi", "Musavi"),
        ("Pahlawi", "Pahlavi"),
        ("Ghasem", "Qasem"),
        ("Khalq", "Xalq"),
        ("Mujahedin-e Khalq", "Mujahedin Khalq"),
        ("ZOË", "zoe"),
    ],
)
def test_romanisations_share_a_name_key(a: str, b: str) -> None:
    assert text.name_key(a) == text.name_key(b)


def test_other_scripts_are_never_romanised() -> None:
    assert text.name_key("علی رضایی") == "علی رضایی"
    assert text.translit_key("кхалк") == "кхалк"


@given(st.text())
def test_index_form_leaves_only_ascii_case_to_the_tokenizer(value: str) -> None:
    assert text._SPACE.sub(" ", text.index_form(value).casefold()).strip() == text.fold(value)


def test_index_form_leaves_ascii_as_written() -> None:
    summary = "He said: WAIT. Then left."
    assert text.index_form(summary) is summary
    assert text.index_form("He said “wait”") == "He said “wait”"
    assert text.index_form("ZOË and علي") == "ZOe and علی"
    assert text.words("می\u200cخواهم U.S.") == ["می", "خواهم", "u", "s"]


def test_plural_counts_in_words() -> None:
    from casefile.text import plural

    assert plural(1, "account") == "1 account" and plural(0, "account") == "0 accounts"
    assert plural(2, "candidate pair") == "2 candidate pairs" and plural(1, "entry", "entries") == "1 entry"
    assert plural(3, "entry", "entries") == "3 entries"


def test_no_message_hedges_its_plural_with_s_in_brackets() -> None:
    import io
    import re
    import tokenize
    from pathlib import Path

    import casefile

    root = Path(casefile.__file__).parent
    hedged = []
    for path in sorted(root.rglob("*.py")):
        tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
        for tok in tokens:
            is_text = tok.type == tokenize.STRING or tok.type == getattr(tokenize, "FSTRING_MIDDLE", -1)
            if is_text and re.search(r"[a-z]\(s\)", tok.string):
                hedged.append(f"{path.relative_to(root)}:{tok.start[0]}")
    assert hedged == []
