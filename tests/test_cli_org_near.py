"""Issue 18, item 2: a name that would create an organisation but nearly matches a known one (a spelling, a
transliteration, "X (MEK)", a gazetteer alias) is never created silently: `add`, `edit` and `import` name the
near match and the ways out (--new-org, the known name, --org-map), a terminal asks, and `import --dry-run`
lists every would-be new organisation with its nearest known name before anything is written."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from test_cli_confirm import on_terminal

from conftest import DATA, dump, run_process


@pytest.fixture(autouse=True)
def decide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CASEFILE_NEW_ORG", raising=False)  # these tests are about the decision itself


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def orgs(cli) -> dict[str, list[str]]:
    return {o["name"]: o["aliases"] for o in json.loads(ok(cli("org", "list", "--format", "json")).stdout)}


def add(cli, *args: str):
    return cli("add", "--no-input", "--name", "A. Person", *args)


@pytest.fixture
def mek(cli) -> None:
    ok(cli("org", "add", "MEK"))


@pytest.mark.parametrize("written", ["Mujahedin-e-Khalq", "Mojahedin-e Khalq", "Mujahedin-e Khalq (MEK)", "MKO"])
def test_add_refuses_a_near_match_naming_it_and_the_ways_out(cli, db: Path, mek, written: str) -> None:
    before = dump(db)
    result = add(cli, "--org", written)
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "'MEK'" in lines[0] and "--new-org" in lines[0] and "--org 'MEK'" in lines[0]
    assert "Traceback" not in result.stderr
    assert dump(db) == before


def test_add_new_org_creates_it_anyway_and_the_known_name_links(cli, mek) -> None:
    ok(add(cli, "--org", "Mojahedin-e Khalq", "--new-org"))
    assert set(orgs(cli)) == {"MEK", "Mojahedin-e Khalq"}
    ok(add(cli, "--org", "mek"))  # an exact name (folded) links silently, as before
    assert set(orgs(cli)) == {"MEK", "Mojahedin-e Khalq"}


def test_the_config_setting_always_creates(cli, mek, config_file: Path) -> None:
    config_file.write_text("new_org = true\n", encoding="utf-8")
    ok(add(cli, "--org", "Mujahedin-e-Khalq"))
    assert set(orgs(cli)) == {"MEK", "Mujahedin-e-Khalq"}


@pytest.mark.parametrize(
    ("known", "written"),
    [
        ("Islamic State", "Islamic Jihad"),  # two groups sharing a word
        ("FARC", "FARC-EP dissidents"),  # the dissident factions that refused the 2016 peace deal: other groups
        ("Taliban", "Tehrik-i-Taliban Pakistan"),  # the Pakistani Taliban, a group of its own
        ("North Korea", "Workers' Party of Korea"),  # a state and its ruling party
        ("Hamas", "Hezbollah"),
        ("ISIS", "ISIS-K"),  # a branch with its own command
    ],
)
def test_names_that_must_not_match_are_created_without_a_question(cli, known: str, written: str) -> None:
    ok(cli("org", "add", known))
    ok(add(cli, "--org", written))
    assert set(orgs(cli)) == {known, written}


def test_edit_refuses_a_near_match_and_takes_new_org(cli, db: Path, mek) -> None:
    account = ok(add(cli, "--org", "MEK")).stdout.strip()
    before = dump(db)
    result = cli("edit", account, "--set", "organization=Mujahedin-e-Khalq")
    assert result.exit_code == 1 and "'MEK'" in result.stderr and "--new-org" in result.stderr
    assert dump(db) == before
    ok(cli("edit", account, "--set", "organization=Mujahedin-e-Khalq", "--new-org"))
    assert set(orgs(cli)) == {"MEK", "Mujahedin-e-Khalq"}


# ------------------------------------------------------------------------------------------------ import

#: Eight accounts in the shape of the real ones (issue 18): one group written four ways, another group once.
REAL = [
    ("R-01", "Hassan Heyrani", "MEK"),
    ("R-02", "Batool Soltani", "MKO"),
    ("R-03", "Ebrahim Khodabandeh", "People's Mojahedin Organization of Iran"),
    ("R-04", "Mohammad Hossein Sobhani", "Mujahedin-e Khalq (MEK)"),
    ("R-05", "Gholamreza Shekari", "MKO"),
    ("R-06", "Zahra Moini", "MEK"),
    ("R-07", "Ali Ghasemi", "PMOI"),
    ("R-08", "Kim Ryong-su", "North Korea"),
]


def write_real(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["external_id", "name", "organization"])
        w.writerows(REAL)
    return path


def test_a_raw_import_refuses_every_near_duplicate_and_writes_nothing(cli, db: Path, tmp_path: Path) -> None:
    ok(cli("org", "add", "Children of the Dawn"))
    before = dump(db)
    result = cli("import", write_real(tmp_path / "real.csv"))
    assert result.exit_code == 1
    assert dump(db) == before
    for name in ("MKO", "People's Mojahedin Organization of Iran", "Mujahedin-e Khalq (MEK)", "PMOI"):
        assert f"'{name}'" in result.stderr and "'MEK'" in result.stderr
    assert "--org-map" in result.stderr and "--new-org" in result.stderr


def test_dry_run_reports_each_would_be_new_organisation_with_its_nearest(cli, db: Path, tmp_path: Path) -> None:
    ok(cli("org", "add", "Nejat Society"))
    before = dump(db)
    result = cli("import", "--dry-run", DATA / "accounts.json", write_real(tmp_path / "real.csv"))
    assert dump(db) == before
    report = [line for line in result.stderr.splitlines() if line.startswith("  ")]
    named = {line.split("~")[0].strip() for line in report}
    # the sample's own "Mujahedin-e Khalq" and "PMOI" beside its "MEK", and the CSV's four spellings
    for name in ("'Mujahedin-e Khalq'", "'PMOI'", "'MKO'", "'People''s Mojahedin Organization of Iran'"):
        assert any(name.replace("''", "'") in n for n in named), (name, result.stderr)
    assert any("'North Korea'" in line and "new" in line for line in report)
    assert all("~" in line for line in report)  # each with its nearest known name and score


def test_org_map_links_and_creates_as_told(cli, db: Path, tmp_path: Path) -> None:
    mapping = tmp_path / "orgs.csv"
    mapping.write_text(
        "name,organization\nMKO,MEK\nPeople's Mojahedin Organization of Iran,MEK\n"
        "Mujahedin-e Khalq (MEK),MEK\nPMOI,new\n",
        encoding="utf-8",
    )
    ok(cli("import", "--org-map", mapping, write_real(tmp_path / "real.csv")))
    assert set(orgs(cli)) == {"MEK", "PMOI", "North Korea"}
    counts = {o["name"]: o["accounts"] for o in json.loads(cli("org", "list", "--format", "json").stdout)}
    assert counts == {"MEK": 6, "PMOI": 1, "North Korea": 1}


def test_org_map_as_json_and_a_map_to_nothing_known(cli, db: Path, tmp_path: Path) -> None:
    ok(cli("org", "add", "MEK"))
    mapping = tmp_path / "orgs.json"
    mapping.write_text(json.dumps({"MKO": "Mujahedin", "PMOI": "MEK"}), encoding="utf-8")
    before = dump(db)
    result = cli("import", "--org-map", mapping, write_real(tmp_path / "real.csv"))
    assert result.exit_code == 1 and "'Mujahedin'" in result.stderr
    assert dump(db) == before


def test_import_new_org_creates_them_all(cli, tmp_path: Path) -> None:
    ok(cli("import", "--new-org", write_real(tmp_path / "real.csv")))
    assert len(orgs(cli)) == 6


def test_a_terminal_asks_link_or_create(db: Path) -> None:
    assert run_process("org", "add", "MEK").returncode == 0
    code, out, screen = on_terminal(
        ["add", "--name", "A. Person", "--left", "2019", "--exit-type", "escaped", "--org", "Mujahedin-e-Khalq"], "1"
    )
    assert code == 0, screen
    assert "MEK" in screen and "create" in screen
    listed = json.loads(run_process("org", "list", "--format", "json").stdout)
    assert [(o["name"], o["accounts"]) for o in listed] == [("MEK", 1)]
    code, out, screen = on_terminal(
        ["add", "--name", "B. Person", "--left", "2019", "--exit-type", "escaped", "--org", "Mojahedin-e Khalq"], "n"
    )
    assert code == 0, screen
    listed = json.loads(run_process("org", "list", "--format", "json").stdout)
    assert {o["name"] for o in listed} == {"MEK", "Mojahedin-e Khalq"}


def test_org_add_and_org_import_refuse_a_near_match_too(cli, db: Path, mek, tmp_path: Path) -> None:
    before = dump(db)
    result = cli("org", "add", "MKO")
    assert result.exit_code == 1 and "'MEK'" in result.stderr and "org alias 'MEK' 'MKO'" in result.stderr
    path = tmp_path / "orgs.json"
    path.write_text(json.dumps([{"name": "Hezbollah"}, {"name": "Mojahedin-e Khalq", "aliases": ["NLA"]}]))
    result = cli("org", "import", path)
    assert result.exit_code == 1 and "orgs.json" in result.stderr and "'MEK'" in result.stderr
    assert dump(db) == before
    ok(cli("org", "import", "--new-org", path))
    ok(cli("org", "add", "--new-org", "MKO"))
    assert set(orgs(cli)) == {"MEK", "MKO", "Hezbollah", "Mojahedin-e Khalq"}


def test_edit_on_a_terminal_asks_too(db: Path) -> None:
    assert run_process("org", "add", "Islamic State").returncode == 0
    made = run_process("add", "--no-input", "--name", "A. Person", "--org", "Islamic State")
    account = made.stdout.decode().strip()
    code, out, screen = on_terminal(["edit", account, "--set", "organization=Daesh"], "1")
    assert code == 0, screen
    assert "1) link to 'Islamic State': one group in the gazetteer" in screen
    shown = json.loads(run_process("show", account, "--format", "json").stdout)
    assert shown["organization"] == "Islamic State"
    listed = json.loads(run_process("org", "list", "--format", "json").stdout)
    assert [o["name"] for o in listed] == ["Islamic State"]
