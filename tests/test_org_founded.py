"""When an organisation was founded (issue 19, item 3): ``org add/edit --founded``, shown by ``org show``/``list``,
and used by ``check``: a joined date before the group was founded is flagged with both; a year before 1900 says
when the group was founded. The shipped gazetteer gives the founding year of the groups where it is well known."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import dump_data

GROUPS = Path(__file__).resolve().parent.parent / "casefile" / "data" / "groups.json"


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def org(cli, name: str) -> dict:
    return json.loads(ok(cli("org", "show", name, "--format", "json")).stdout)[0]


def findings(cli, *args: str) -> list[dict]:
    return json.loads(ok(cli("check", "--format", "json", *args)).stdout)


def test_org_add_and_edit_keep_the_founding_date_shown_by_show_and_list(cli, db: Path) -> None:
    ok(cli("org", "add", "Example Front", "--alias", "EF", "--founded", "1965"))
    assert org(cli, "EF")["founded"] == "1965"
    listed = json.loads(ok(cli("org", "list", "--format", "json")).stdout)
    assert [(o["name"], o["founded"]) for o in listed] == [("Example Front", "1965")]
    assert "1965" in ok(cli("org", "show", "EF")).stdout
    before = dump_data(db)
    result = ok(cli("org", "edit", "EF", "--founded", "around 1966", "--country", "IR"))
    assert result.stdout == ""
    assert (org(cli, "EF")["founded"], org(cli, "EF")["country"]) == ("around 1966", "IR")
    ok(cli("undo"))
    assert dump_data(db) == before


def test_a_founding_date_that_cannot_be_read_is_refused_and_nothing_written(cli, db: Path) -> None:
    ok(cli("org", "add", "Example Front"))
    before = dump_data(db)
    for args in (("org", "add", "Other Front", "--founded", "whenever"), ("org", "edit", "Example Front",
                 "--founded", "whenever")):  # fmt: skip
        result = cli(*args)
        assert result.exit_code in (1, 2) and "--founded" in result.stderr and result.stdout == ""
        assert "Traceback" not in result.stderr
    assert dump_data(db) == before
    result = cli("org", "edit", "No Such Front", "--founded", "1990")
    assert result.exit_code == 1 and "no organisation" in result.stderr


def test_check_flags_a_joined_date_before_the_group_was_founded_with_both(cli) -> None:
    ok(cli("org", "add", "Example Front", "--founded", "1965"))
    early = ok(cli("add", "--no-input", "--name", "A", "--org", "Example Front", "--joined", "1950")).stdout.strip()
    ok(cli("add", "--no-input", "--name", "B", "--org", "Example Front", "--joined", "1970"))
    [finding] = findings(cli, "--rule", "joined-before-founded")
    assert finding["account"] == early and finding["field"] == "joined"
    assert finding["message"] == "joined 1950, before the group was founded (1965)"


def test_add_prints_the_finding_and_a_corrected_year_says_when_the_group_was_founded(cli) -> None:
    ok(cli("org", "add", "Example Front", "--founded", "1965"))
    result = ok(cli("add", "--no-input", "--name", "A", "--org", "Example Front", "--joined", "1950"))
    assert "joined-before-founded" in result.stderr or "before the group was founded (1965)" in result.stderr
    account = ok(cli("add", "--no-input", "--name", "B", "--org", "Example Front")).stdout.strip()
    ok(cli("event", "add", account, "--type", "captured", "--date", "1886"))
    ok(cli("edit", account, "--set", "joined=1886", "--set", "joined_corrected=1986"))
    messages = {f["field"]: f["message"] for f in findings(cli, "--rule", "date-before-1900", "--account", account)}
    assert messages["joined"] == "1886 as written, corrected to 1986 — before 1900; the group was founded 1965"


def test_the_shipped_gazetteer_gives_founding_years_used_without_org_add(cli) -> None:
    groups = json.loads(GROUPS.read_text(encoding="utf-8"))
    founded = {g["name"]: g["founded"] for g in groups if "founded" in g}
    assert len(founded) >= 20 and founded["Mujahedin-e Khalq"] == "1965"
    assert all(re.fullmatch(r"1[89]\d\d|20[0-2]\d", year) for year in founded.values())
    assert all(g["source"] for g in groups if "founded" in g)
    ok(cli("add", "--no-input", "--name", "A", "--org", "MEK", "--joined", "1950", "--new-org"))
    [finding] = findings(cli, "--rule", "joined-before-founded")
    assert (
        finding["message"] == "joined 1950, before the group was founded (1965, from the gazetteer: Mujahedin-e Khalq)"
    )
