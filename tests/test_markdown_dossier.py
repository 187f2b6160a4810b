"""The Markdown dossier shows everything a record holds: every field of the registry, every part of a
date (its reading, correction and note), every source, event and quote with all their parts, and an
allegation as alleged (issue 18, item 10). The test walks the registry, so a new field cannot be left out."""

from __future__ import annotations

import json
from pathlib import Path

from casefile import model, vocab


def filled(part: str) -> dict:
    """An entry of ``part`` with every field given."""
    out: dict = {}
    for f in model.NESTED[part]:
        if f.kind == "date":
            out.update({f.name: "1886", f"{f.name}_corrected": "1986", f"{f.name}_note": f"{part} date typo"})
        elif f.kind in ("id", "ref", "account_ref"):
            out[f.name] = "a" * 16
        elif f.kind == "part_id" or f.name == "supports":  # a quote supports the event (both "aaaaaaaa")
            out[f.name] = "a" * 8
        elif f.vocab:
            out[f.name] = sorted(vocab.codes(f.vocab))[0]
        else:
            out[f.name] = f"{part}-{f.name}-value"
    return out


def everything() -> dict:
    record = model.example_record()
    for name in model.DATE_FIELDS:
        record.update({name: "1886", f"{name}_corrected": "1986", f"{name}_note": f"{name} note"})
    record["external_id"] = "EVERY-1"
    record["review"] = "unreviewed"  # the template leaves it empty: a record typed by a person is no draft
    parts = {part: [filled(part)] for part in model.NESTED}
    parts["codes"][0].update(field="reasons", code=record["reasons"][0])  # the id of a code the record holds
    return {**record, **parts}


def dossier(cli, tmp_path: Path) -> str:
    path = tmp_path / "one.json"
    path.write_text(json.dumps([everything()]), encoding="utf-8")
    result = cli("import", path)
    assert result.exit_code == 0, result.stderr
    out = cli("export", "--format", "md", "--include-restricted")
    assert out.exit_code == 0, out.stderr
    return out.stdout.replace("\\", "")  # the escapes that keep data from becoming markup


def test_every_registry_field_appears(cli, tmp_path: Path) -> None:
    text = dossier(cli, tmp_path)
    missing = [
        f.name for f in model.FIELDS if f"**{f.name}:**" not in text and f"### {f.name.capitalize()}" not in text
    ]
    assert missing == []


def test_every_part_of_a_date_appears(cli, tmp_path: Path) -> None:
    text = dossier(cli, tmp_path)
    for name in model.DATE_FIELDS:
        line = next(line for line in text.splitlines() if line.startswith(f"- **{name}:**"))
        assert "1886" in line and "1986" in line and f"{name} note" in line, line
        assert "1986-01-01" in line and "1986-12-31" in line and "year" in line, line


def test_sources_events_and_quotes_appear_with_every_part(cli, tmp_path: Path) -> None:
    text = dossier(cli, tmp_path)
    for part, fields in model.NESTED.items():
        assert f"### {part.capitalize()}" in text
        section = text.split(f"### {part.capitalize()}", 1)[1].split("\n### ", 1)[0]
        missing = [f.name for f in fields if f"**{f.name}:**" not in section]
        assert missing == [], part
        assert f"{part} date typo" in section or not any(f.kind == "date" for f in fields)


def test_allegations_are_shown_as_alleged(cli, tmp_path: Path) -> None:
    text = dossier(cli, tmp_path)
    line = next(line for line in text.splitlines() if line.startswith("- **allegations:**"))
    assert "alleged" in line
