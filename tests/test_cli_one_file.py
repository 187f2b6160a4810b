"""A whole account coded in one file and one command (issue 19, item 9): `template json` shows a complete record
with its parts, and `add --from-json` takes it back, parts, codes, ids and all."""

from __future__ import annotations

import json
import re
from pathlib import Path

from casefile import model


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def test_template_json_shows_every_part_a_person_codes(cli) -> None:
    (record,) = json.loads(ok(cli("template", "json")).stdout)
    optional = {"translation", "supports", "account"}  # another part's or account's id, or a second text
    for part in ("sources", "events", "quotes", "places", "people"):
        assert len(record[part]) == 1 and all(v is not None for k, v in record[part][0].items() if k not in optional)
    for name in ("reasons", "join_reasons", "barriers", "allegations"):
        assert record[name]
    # one year of birth: the exact year, or (when the text gives no one year) born as written, never both
    assert record["birth_year"] is not None and record["born"] is None
    assert json.loads(ok(cli("template", "jsonl")).stdout) == record


def test_a_filled_template_is_one_add_and_shows_as_written(cli, tmp_path: Path) -> None:
    (record,) = json.loads(ok(cli("template", "json")).stdout)
    record.update(name="Hassan Karimi", external_id="LETTER-2019-04", joined="summer 1991", left="2019-03")
    record["events"].append({"id": "00c0ffee", "type": "left", "date": "March 2019", "place": "Tirana"})
    record["quotes"][0].update(text="They told us our families had forgotten us.", supports="00c0ffee")
    record["codes"] = [{"id": "0000beef", "field": "barriers", "code": "family_inside"}]
    path = tmp_path / "one.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    account = ok(cli("add", "--from-json", path)).stdout.strip()
    shown = json.loads(ok(cli("show", account, "--format", "json")).stdout)

    expected = {k: v for k, v in record.items() if k not in model.NESTED}
    assert {k: shown[k] for k in expected} == expected
    assert shown["joined_edtf"] == "1991-22" and shown["left_edtf"] == "2019-03"
    assert shown["source_title"] == record["sources"][0]["title"]  # the flat columns mirror the primary source
    for part in ("sources", "events", "quotes", "places", "people"):
        assert len(shown[part]) == len(record[part])
        for given, stored in zip(record[part], shown[part], strict=True):
            assert {k: stored[k] for k in given} == given
            assert re.match(r"^[0-9a-f]{8,16}$", stored["id"])
    assert shown["events"][1]["id"] == "00c0ffee" and shown["quotes"][0]["supports"] == "00c0ffee"
    codes = [(c["field"], c["code"]) for c in shown["codes"]]
    assert codes == [(name, code) for name in model.CODED_FIELDS for code in record[name]]
    assert {c["code"]: c["id"] for c in shown["codes"]}["family_inside"] == "0000beef"


def test_a_bad_part_in_the_file_names_it_and_writes_nothing(cli, tmp_path: Path) -> None:
    (record,) = json.loads(ok(cli("template", "json")).stdout)
    record["events"][0]["type"] = "no_such_event"
    record["codes"] = [{"field": "barriers", "code": "no_future"}]
    path = tmp_path / "one.json"
    path.write_text(json.dumps([record]), encoding="utf-8")
    result = cli("add", "--from-json", path)
    assert result.exit_code == 1
    assert "events[1].type" in result.stderr and "codes[1].code" in result.stderr
    assert json.loads(ok(cli("list", "--format", "json")).stdout) == []
