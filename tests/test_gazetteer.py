"""The gazetteer of well-known groups and the nearness of organisation names (casefile/gazetteer.py): a table
of spellings that must be one group and of names that must not, the shipped list's own soundness, and a
researcher's own file beside it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from casefile import gazetteer

MUST_MATCH = [
    ("Mujahedin-e-Khalq", "MEK"),  # the issue's own examples, with MEK known
    ("Mojahedin-e Khalq", "MEK"),
    ("Mujahedin-e Khalq (MEK)", "MEK"),
    ("MEK", "Mujahedin-e Khalq (MEK)"),  # the other way round: a known name with a part in brackets
    ("Children of the Dawn", "CotD (Children of the Dawn)"),  # not in the gazetteer: the brackets alone
    ("Mujahedin-e-Khalq", "Mujahedin-e Khalq"),  # the hyphen and the ezafe
    ("Mujahideen-e Khalq", "Mojahedin-e Khalq"),  # transliterations
    ("MKO", "PMOI"),  # one gazetteer entry
    ("People's Mojahedin Organization of Iran", "MEK"),
    ("Daesh", "ISIS"),
    ("Islamic State of Iraq and the Levant", "Islamic State"),
    ("Hizbullah", "Hezbollah"),
    ("al-Shabab", "Al-Shabaab"),
    ("Lashkar-e-Toiba", "LeT"),
    ("DPRK", "North Korea"),
    ("FARC-EP", "FARC"),
    ("Kongra-Gel", "PKK"),
]

MUST_NOT_MATCH = [
    ("Islamic State", "Islamic Jihad"),  # two groups sharing a word
    ("Islamic State", "Palestinian Islamic Jihad"),
    ("ISIS", "ISIS-K"),  # Islamic State – Khorasan Province: a branch with its own command and members
    ("FARC", "FARC-EP dissidents"),  # the factions that refused the 2016 peace deal are other armed groups
    ("Taliban", "Tehrik-i-Taliban Pakistan"),  # the Pakistani Taliban: a group of its own
    ("North Korea", "Workers' Party of Korea"),  # a state and its ruling party
    ("al-Qaeda", "al-Qaeda in the Arabian Peninsula"),
    ("al-Nusra Front", "Hay'at Tahrir al-Sham"),  # a successor formed by a merger, not a new name
    ("Hamas", "Hezbollah"),
    ("MEK", "NLA"),  # short acronyms are never compared by their letters' shape
    ("Mujahedin-e Khalq", "Fadaiyan-e Khalq"),  # another Iranian group: "of the people" is not a name
]


@pytest.mark.parametrize(("a", "b"), MUST_MATCH)
def test_spellings_of_one_group_match(a: str, b: str) -> None:
    assert gazetteer.same_group(a, b) is not None
    assert [n.name for n in gazetteer.near(a, [b])] == [b]


@pytest.mark.parametrize(("a", "b"), MUST_NOT_MATCH)
def test_other_groups_do_not(a: str, b: str) -> None:
    assert gazetteer.same_group(a, b) is None
    assert gazetteer.near(a, [b]) == [] and gazetteer.near(b, [a]) == []


def test_lookup_and_split_alias() -> None:
    entry = gazetteer.lookup("Da'esh")
    assert entry is not None and entry.name == "Islamic State" and entry.source
    assert gazetteer.lookup("Mujahedin-e Khalq (MEK)").name == "Mujahedin-e Khalq"  # type: ignore[union-attr]
    assert gazetteer.lookup("Children of the Dawn") is None
    assert gazetteer.split_alias("Mujahedin-e Khalq (MEK)") == ("Mujahedin-e Khalq", "MEK")
    assert gazetteer.split_alias("Plain Name") == ("Plain Name", None)


def test_nearest_is_given_however_far() -> None:
    found = gazetteer.nearest("North Korea", ["Children of the Dawn", "Northern Front"])
    assert found is not None and found.name == "Northern Front" and found.score < gazetteer.CUTOFF
    assert gazetteer.nearest("North Korea", []) is None


def test_the_shipped_list_is_sound() -> None:
    shipped = json.loads((Path(gazetteer.__file__).with_name("data") / "groups.json").read_text(encoding="utf-8"))
    assert 25 <= len(shipped) <= 60
    owner: dict[str, str] = {}
    for entry in shipped:
        assert set(entry) - {"founded"} == {"name", "aliases", "source"}  # founded: where it is well known
        assert entry["source"].strip(), entry["name"]
        for name in (entry["name"], *entry["aliases"]):
            key = gazetteer.org_key(name)
            assert owner.setdefault(key, entry["name"]) == entry["name"], f"{name!r} folds into two entries"


def test_a_researchers_own_file_adds_and_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    own = tmp_path / "mine.json"
    own.write_text(
        json.dumps(
            [
                {"name": "Children of the Dawn", "aliases": ["CotD", "Dawn Children"], "source": "our field notes"},
                {"name": "Unification Church", "aliases": ["Moon Church"], "source": "our field notes"},
            ]
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("CASEFILE_GAZETTEER", str(own))
    assert gazetteer.same_group("CotD", "Dawn Children") is not None
    entry = gazetteer.lookup("Moon Church")
    assert entry is not None and entry.origin == str(own)
    assert gazetteer.same_group("Daesh", "ISIS") is not None  # the shipped entries stay


def test_a_broken_own_file_is_one_line_exit_1(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CASEFILE_NEW_ORG")
    own = tmp_path / "broken.json"
    own.write_text('[{"name": "X", "aliases": "not a list"}]', encoding="utf-8")
    monkeypatch.setenv("CASEFILE_GAZETTEER", str(own))
    assert cli("org", "add", "--new-org", "MEK").exit_code == 0  # nothing to compare: the gazetteer is not read
    for args in (("add", "--no-input", "--name", "A", "--org", "MKO"), ("org", "add", "PMOI")):
        result = cli(*args)
        assert result.exit_code == 1
        assert result.stderr.count("\n") == 1 and "broken.json" in result.stderr and "entry 1" in result.stderr
