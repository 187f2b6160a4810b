"""Issue 18, item 3: organisations can be repaired — rename, merge, unalias, delete, an alias that names an
organisation of its own — each one audited batch that `casefile undo` puts back exactly; `check` finds
near-duplicate organisations and suggests the merge, and its findings can be silenced without --account;
`dupes` pairs accounts whose organisations are one group."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import dump, dump_data


@pytest.fixture(autouse=True)
def create_anyway(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEFILE_NEW_ORG", "1")  # build the split organisations an old import left behind


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def add(cli, org: str, name: str = "A. Person", *args: str) -> str:
    return ok(cli("add", "--no-input", "--name", name, "--org", org, *args)).stdout.strip()


def orgs(cli) -> dict[str, dict]:
    return {o["name"]: o for o in json.loads(ok(cli("org", "list", "--format", "json")).stdout)}


def organization_of(cli, account: str) -> str:
    return json.loads(ok(cli("show", account, "--format", "json")).stdout)["organization"]


@pytest.fixture
def split(cli) -> dict[str, str]:
    """North Korea with an alias, and DPRK created as an organisation of its own."""
    ok(cli("org", "add", "North Korea", "--alias", "Pukhan"))
    ok(cli("org", "add", "DPRK", "--alias", "Chosun"))
    return {"nk": add(cli, "North Korea"), "dprk": add(cli, "DPRK", "B. Person"), "alias": add(cli, "Chosun", "C")}


def undone_exactly(cli, db: Path, before: str) -> None:
    ok(cli("undo"))
    assert dump_data(db) == before


def test_merge_moves_accounts_and_names_and_undo_puts_it_back(cli, db: Path, split) -> None:
    before = dump_data(db)
    result = ok(cli("org", "merge", "North Korea", "DPRK"))
    assert "2 accounts" in result.stderr
    listed = orgs(cli)
    assert set(listed) == {"North Korea"}
    assert listed["North Korea"]["aliases"] == ["Pukhan", "DPRK", "Chosun"]
    assert listed["North Korea"]["accounts"] == 3
    assert {organization_of(cli, a) for a in split.values()} == {"North Korea"}
    undone_exactly(cli, db, before)


def test_alias_naming_an_organisation_of_its_own_merges_it(cli, db: Path, split) -> None:
    before = dump_data(db)
    result = ok(cli("org", "alias", "North Korea", "DPRK"))
    assert "merged" in result.stderr
    assert set(orgs(cli)) == {"North Korea"}
    assert organization_of(cli, split["dprk"]) == "North Korea"
    undone_exactly(cli, db, before)


def test_alias_that_is_only_an_alias_elsewhere_is_refused(cli, db: Path, split) -> None:
    before = dump(db)
    result = cli("org", "alias", "North Korea", "Chosun")
    assert result.exit_code == 1 and "'DPRK'" in result.stderr and "unalias" in result.stderr
    assert dump(db) == before


def test_rename_moves_accounts_and_undo_puts_it_back(cli, db: Path, split) -> None:
    before = dump_data(db)
    ok(cli("org", "rename", "DPRK", "Democratic People's Republic of Korea"))
    listed = orgs(cli)
    assert listed["Democratic People's Republic of Korea"]["aliases"] == ["Chosun"]
    assert "DPRK" not in listed
    assert organization_of(cli, split["dprk"]) == "Democratic People's Republic of Korea"
    undone_exactly(cli, db, before)


def test_rename_to_an_alias_swaps_them_and_to_another_organisation_refuses(cli, db: Path, split) -> None:
    ok(cli("org", "rename", "DPRK", "chosun"))  # one of its own names: that becomes the name, the old an alias
    assert orgs(cli)["chosun"]["aliases"] == ["DPRK"]
    before = dump(db)
    result = cli("org", "rename", "chosun", "Pukhan")
    assert result.exit_code == 1 and "org merge" in result.stderr
    assert dump(db) == before


def test_unalias_and_undo(cli, db: Path, split) -> None:
    before = dump_data(db)
    ok(cli("org", "unalias", "North Korea", "pukhan"))
    assert orgs(cli)["North Korea"]["aliases"] == []
    undone_exactly(cli, db, before)
    result = cli("org", "unalias", "North Korea", "North Korea")
    assert result.exit_code == 2 and "rename" in result.stderr  # the wrong command for it: a usage error


def test_delete_refuses_while_used_and_undo_restores(cli, db: Path, split) -> None:
    before = dump(db)
    result = cli("org", "delete", "DPRK")
    assert result.exit_code == 1 and "2 accounts" in result.stderr
    assert dump(db) == before
    ok(cli("org", "add", "Unused", "--alias", "UU"))
    before = dump_data(db)
    ok(cli("org", "delete", "uu"))
    assert "Unused" not in orgs(cli)
    undone_exactly(cli, db, before)


def test_repairs_are_named_in_history(cli, split) -> None:
    ok(cli("org", "merge", "North Korea", "DPRK"))
    history = json.loads(ok(cli("history", "--format", "json")).stdout)
    assert history[0]["command"] == "org merge"


# ------------------------------------------------------------------------------------------------ check


def org_findings(cli) -> list[dict]:
    result = ok(cli("check", "--rule", "org-near-duplicate", "--format", "json"))
    return json.loads(result.stdout)


def test_check_finds_split_organisations_with_the_merge_to_run(cli) -> None:
    ok(cli("org", "add", "MEK"))
    ok(cli("org", "add", "MKO"))  # one group, says the gazetteer
    ok(cli("org", "add", "Mojahedin-e Khalq"))
    ok(cli("org", "add", "Islamic Jihad"))
    ok(cli("org", "add", "Islamic State"))
    found = org_findings(cli)
    messages = " ".join(f["message"] for f in found)
    assert "casefile org merge" in messages
    pairs = {frozenset(f["organizations"]) for f in found}
    assert frozenset({"MEK", "MKO"}) in pairs and frozenset({"MEK", "Mojahedin-e Khalq"}) in pairs
    assert frozenset({"Islamic Jihad", "Islamic State"}) not in pairs


def test_check_ignore_for_organisations_needs_no_account(cli) -> None:
    ok(cli("org", "add", "MEK"))
    ok(cli("org", "add", "MKO"))
    assert len(org_findings(cli)) == 1
    result = cli("check", "--ignore", "org-near-duplicate", "--org", "MEK", "--org", "MKO", "--note", "checked")
    ok(result)
    assert org_findings(cli) == []
    assert "1 silenced" in cli("check", "--rule", "org-near-duplicate").stderr


# ------------------------------------------------------------------------------------------------ dupes


def test_dupes_pairs_accounts_whose_organisations_are_one_group(cli) -> None:
    a = add(cli, "MEK", "Hassan Heyrani", "--left", "2003")
    b = add(cli, "People's Mojahedin Organization of Iran", "Hassan Heyrani", "--left", "2003")
    add(cli, "Islamic State", "Hassan Heyrani", "--left", "2003")  # another group: not this person
    pairs = json.loads(ok(cli("dupes", "--format", "json")).stdout)
    assert [{p["a"], p["b"]} for p in pairs] == [{a, b}]
    assert any("one group" in e for e in pairs[0]["evidence"])
