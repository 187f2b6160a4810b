"""`add --org` that creates an organisation says so on stderr, in one line, as `import` does."""

from __future__ import annotations

import json


def org_names(cli) -> list[str]:
    return sorted(row["name"] for row in json.loads(cli("org", "list", "--format", "json").stdout))


def test_add_with_a_new_organisation_says_so(cli) -> None:
    result = cli("add", "--name", "Person A", "--org", "Group X", "--source-title", "T")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == "1 new organisation: Group X\n"
    assert len(result.stdout.splitlines()) == 1  # only the id on stdout
    assert org_names(cli) == ["Group X"]
    again = cli("add", "--name", "Person B", "--org", "group x", "--source-title", "T")
    assert again.exit_code == 0 and again.stderr == ""  # a known organisation: nothing to say
    assert org_names(cli) == ["Group X"]


def test_add_from_json_reports_new_organisations_too(cli, tmp_path) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps([{"name": "P", "organization": "Group Y", "source_title": "T"}]), encoding="utf-8")
    result = cli("add", "--from-json", path)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == "1 new organisation: Group Y\n"
