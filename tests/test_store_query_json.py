"""``Store.query_json`` and ``Store.query_csv`` (SQLite does the work of the JSON and CSV exports) give exactly
what ``encode_account`` and ``to_csv_row`` give on the accounts ``Store.query`` yields, for any text, numbers and
lists; and the export command writes the same bytes as the Account-based exporters."""

from __future__ import annotations

import io
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casefile.exporters import write_accounts
from casefile.exporters.json import encode_account
from casefile.model import Account, Filter, FuzzyDate, to_csv_row
from casefile.store import Store

TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)  # lone surrogates cannot be stored
OPTIONAL = st.none() | TEXT
ACCOUNTS = st.fixed_dictionaries(
    {
        "name": OPTIONAL,
        "aliases": st.lists(TEXT.filter(lambda t: ";" not in t), max_size=3),
        "tags": st.lists(TEXT, max_size=3),
        "birth_year": st.none() | st.integers(1000, 2999),
        "years_in_org": st.none() | st.floats(0, 120) | st.sampled_from([34.0, 2.5, 0.1, 1e-05, 8.333333333333334]),
        "summary": OPTIONAL,
        "left": st.none() | st.builds(FuzzyDate, TEXT, OPTIONAL, OPTIONAL, OPTIONAL, TEXT, OPTIONAL, OPTIONAL),
        "confidentiality": st.sampled_from(["public", "internal", "restricted"]),
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(ACCOUNTS, min_size=1, max_size=4))
def test_sqlite_json_equals_python_json(tmp_path_factory, values: list[dict]) -> None:
    db = tmp_path_factory.mktemp("q") / "x.db"
    store = Store.open(db, create=True)
    accounts = [Account({**v, "id": f"{i:016x}"}) for i, v in enumerate(values)]
    with store.transaction():
        store.insert(accounts, "2026-01-01T00:00:00Z")
    flt = Filter(limit=10)
    expected = [encode_account(a) for a in store.query(flt)]
    assert list(store.query_json(flt)) == expected
    assert [json.loads(line) for line in expected]  # and it is JSON
    assert list(store.query_csv(flt)) == [to_csv_row(a) for a in store.query(flt)]
    store.close()


def test_export_json_and_jsonl_are_the_bytes_of_the_python_encoder(cli, db: Path) -> None:
    from conftest import DATA

    assert cli("import", DATA / "accounts.json").exit_code == 0
    store = Store.open(db)
    accounts = list(store.query(Filter()))
    store.close()
    jsonl = cli("export", "--format", "jsonl", "--include-restricted").stdout
    assert jsonl == "".join(encode_account(a) + "\n" for a in accounts)
    array = cli("export", "--format", "json", "--include-restricted").stdout
    assert array == "[\n" + ",\n".join(encode_account(a) for a in accounts) + "\n]\n"
    assert cli("export", "--format", "json", "--org", "nobody").stdout == "[]\n"
    for flags in ([], ["--raw-csv"]):
        csv_bytes = cli("export", "--format", "csv", "--include-restricted", *flags).stdout_bytes
        expected = io.StringIO(newline="")
        write_accounts("csv", accounts, expected, safe_csv=not flags)
        assert csv_bytes == expected.getvalue().encode()


def test_query_of_some_fields_reads_just_those(cli, db: Path) -> None:
    import pytest

    from casefile import model
    from casefile.errors import UsageError

    from conftest import DATA

    assert cli("import", DATA / "accounts.json").exit_code == 0
    store = Store.open(db)
    full = list(store.query(Filter()))
    some = list(store.query(Filter(), fields=model.LIST_COLUMNS))
    assert [a.values for a in some] == [{k: a.values[k] for k in model.LIST_COLUMNS} for a in full]
    assert [a.display_name for a in some] == [a.display_name for a in full]
    with pytest.raises(UsageError):
        list(store.query(Filter(), fields=["name", "nope"]))
    store.close()
