"""A new field needs its entry in the registry (casefile/model.py) and a migration step, nothing else: the
CLI options, validation, storage, list, CSV and JSON all follow from the registry.

Each test runs casefile in a fresh interpreter whose registry has one field more - the model module built
from its own source with the new entry added, and the migration step a developer would write for it - and
then uses the commands as a researcher would.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import casefile

MODEL = Path(casefile.__file__).with_name("model.py")

#: Run in the child: build casefile.model with the extra field, register the migration, run the commands.
CHILD = r"""
import json, sys, types
from pathlib import Path

spec = json.loads(sys.argv[1])
src = Path(spec["model"]).read_text(encoding="utf-8")
end_of_fields = "\n)\n\nFIELD_BY_NAME"
assert src.count(end_of_fields) == 1
src = src.replace(end_of_fields, "\n    " + spec["field"] + ",\n)\n\nFIELD_BY_NAME")
for old, new in spec.get("replace", []):
    assert src.count(old) == 1, old
    src = src.replace(old, new)
model = types.ModuleType("casefile.model")
model.__file__ = spec["model"]
sys.modules["casefile.model"] = model
exec(compile(src, spec["model"], "exec"), model.__dict__)
import casefile
casefile.model = model

from casefile.migrations import migrations

@migrations(name="m999_new_field")
def _step(db):
    for statement in spec["migration"]:
        db.execute(statement)

from typer.testing import CliRunner
from casefile.cli import app

out = []
for args in spec["commands"]:
    env = {"FORCE_COLOR": "1"} if args[-1] == "table" else {}  # draw the table as on a terminal
    result = CliRunner().invoke(app, ["--db", spec["db"], *args], env=env, catch_exceptions=False)
    out.append({"code": result.exit_code, "stdout": result.stdout, "stderr": result.stderr})
print(json.dumps(out))
"""


def run_with_field(
    db: Path, field: str, migration: list[str], commands: list[list[str]], replace: list[tuple[str, str]] = ()
) -> list[dict[str, object]]:
    spec = {
        "model": str(MODEL),
        "field": field,
        "replace": list(replace),
        "migration": migration,
        "db": str(db),
        "commands": commands,
    }
    proc = subprocess.run([sys.executable, "-c", CHILD, json.dumps(spec)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout.splitlines()[-1])
    for args, result in zip(commands, results, strict=True):
        assert result["code"] == 0, (args, result)
    return results


def date_columns(name: str) -> list[str]:
    return [
        f"ALTER TABLE accounts ADD COLUMN {name}{suffix} TEXT"
        for suffix in ("", "_edtf", "_min", "_max", "_precision", "_corrected", "_note", "_anchor")
    ]


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_a_new_date_field_in_the_list_goes_from_add_to_the_csv_export(db: Path) -> None:
    """Walk a field like ``left`` - a fuzzy date, shown in ``list`` - from ``add --arrived`` to the CSV export."""
    field = (
        'Field("arrived", "date", "When the person arrived (fuzzy date).", "exit", list_column=True, '
        'example="spring 2019")'
    )
    init, add, table, plain, exported, sorted_json = run_with_field(
        db,
        field,
        date_columns("arrived"),
        [
            ["init"],
            ["add", "--no-input", "--name", "Person A", "--arrived", "spring 2019"],
            ["list", "--format", "table"],
            ["list"],
            ["export", "--format", "csv"],
            ["list", "--format", "json", "--sort", "arrived"],
        ],
    )
    assert "arrived" in str(table["stdout"]) and "spring 2019" in str(table["stdout"])
    # a date in the list is shown as written, in the table as in the plain rows (not with its reading)
    assert "spring 2019 (" not in str(table["stdout"])
    assert str(plain["stdout"]).rstrip("\n").endswith("spring 2019") or "\tspring 2019\t" in str(plain["stdout"])
    (row,) = csv_rows(str(exported["stdout"]))
    assert row["arrived"] == "spring 2019" and row["name"] == "Person A"
    (record,) = json.loads(str(sorted_json["stdout"]))
    assert record["arrived"] == "spring 2019" and record["arrived_min"] == "2019-03-01"


def test_a_new_flat_source_field_follows_the_primary_source(db: Path, tmp_path: Path) -> None:
    """A flat ``source_*`` field mirrors its part of the account's primary source, as ``source_title`` does -
    also when the shared source is changed through another account that cites it."""
    field = 'Field("source_language", "text", "Language of the primary source.", "source")'
    records = []
    for name, language in (("Person B", "fa"), ("Person C", "ar")):
        path = tmp_path / f"{language}.json"
        source = {"title": "An interview", "url": "https://example.org/i", "language": language, "role": "primary"}
        path.write_text(json.dumps({"name": name, "sources": [source]}), encoding="utf-8")
        records.append(str(path))
    *_, exported = run_with_field(
        db,
        field,
        ["ALTER TABLE accounts ADD COLUMN source_language TEXT"],
        [
            ["init"],
            ["add", "--no-input", "--from-json", records[0]],
            ["add", "--no-input", "--from-json", records[1]],
            ["export", "--format", "csv"],
        ],
        replace=[
            (
                '    "source_credibility": "credibility",\n}',
                '    "source_credibility": "credibility",\n    "source_language": "language",\n}',
            )
        ],
    )
    rows = {row["name"]: row for row in csv_rows(str(exported["stdout"]))}
    assert {row["source_title"] for row in rows.values()} == {"An interview"}
    assert rows["Person B"]["source_language"] == rows["Person C"]["source_language"] == "ar"


def test_a_new_text_field_can_join_the_text_filter(db: Path) -> None:
    """``--q`` looks in every field the registry marks ``text_filter``; its help names them."""
    field = 'Field("camp_name", "text", "The camp the person lived in.", "membership", text_filter=True)'
    *_, found, missed, helped = run_with_field(
        db,
        field,
        ["ALTER TABLE accounts ADD COLUMN camp_name TEXT"],
        [
            ["init"],
            ["add", "--no-input", "--name", "Person D", "--camp-name", "Ashraf Three"],
            ["add", "--no-input", "--name", "Person E"],
            ["list", "--format", "json", "--q", "ashraf"],
            ["list", "--format", "json", "--q", "nowhere"],
            ["list", "--help"],
        ],
    )
    assert [r["name"] for r in json.loads(str(found["stdout"]))] == ["Person D"]
    assert json.loads(str(missed["stdout"])) == []
    assert "camp_name" in " ".join(str(helped["stdout"]).split())


def test_a_new_text_field_is_searchable_and_named_in_the_hit(db: Path) -> None:
    """Search walks the registry (issue 18, item 5): a new free-text field is indexed, kept in step on edit,
    and named as the field a hit matched, with no other change."""
    field = 'Field("birthplace", "text", "Where the person was born.", "person", example="Tabriz")'
    *_, found, edited, gone = run_with_field(
        db,
        field,
        ["ALTER TABLE accounts ADD COLUMN birthplace TEXT"],
        [
            ["init"],
            ["add", "--no-input", "--name", "Person D", "--birthplace", "Tabriz", "--external-id", "D"],
            ["search", "--format", "json", "tabriz"],
            ["edit", "D", "--set", "birthplace=Mashhad"],
            ["search", "--format", "json", "tabriz"],
        ],
    )
    (hit,) = json.loads(str(found["stdout"]))
    assert hit["name"] == "Person D" and hit["field"] == "birthplace" and hit["snippet"] == "Tabriz"
    assert json.loads(str(gone["stdout"])) == [] and edited["code"] == 0
