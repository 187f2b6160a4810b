"""Start-up stays fast: importing the CLI loads no rich, sqlite-utils, dateutil or pydantic, and the
queries `list` runs use the indexes (EXPLAIN QUERY PLAN)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from casefile import model
from casefile.store import Store

HEAVY = (
    "rich",
    "rich.table",
    "rich.console",
    "sqlite_utils",
    "dateutil",
    "dateutil.parser",
    "pydantic",
    "sqlite3",
    "tomllib",
    "rapidfuzz",
)


def loaded_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nimport json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return set(json.loads(out.splitlines()[-1]))  # the last line: a command may print before it


def test_importing_the_cli_loads_nothing_heavy() -> None:
    modules = loaded_after("import casefile.cli")
    assert not modules & set(HEAVY), modules & set(HEAVY)


def test_plain_list_off_a_terminal_never_imports_rich(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    code = (
        "import sys\n"
        f"sys.argv = ['casefile', '--db', {str(db)!r}, 'init']\n"
        "from casefile.cli import app\n"
        "try:\n    app()\nexcept SystemExit:\n    pass\n"
        f"sys.argv = ['casefile', '--db', {str(db)!r}, 'list']\n"
        "for m in [m for m in sys.modules if m.startswith('rich')]:\n    del sys.modules[m]\n"
        "try:\n    app()\nexcept SystemExit:\n    pass\n"
    )
    modules = loaded_after(code)
    assert "rich.table" not in modules


def test_options_given_as_plain_text_never_import_pydantic(tmp_path: Path) -> None:
    """A script's `casefile list --format json --limit 5 --org X`: a choice, a number and a name given as text
    are read without Typer's pydantic adapters (~70 ms of such a run; casefile/cli/fastparams.py)."""
    db = str(tmp_path / "x.db")
    init = subprocess.run([sys.executable, "-m", "casefile", "--db", db, "init"], capture_output=True)
    assert init.returncode == 0, init.stderr
    argv = ["casefile", "--db", db, "list", "--format", "json", "--limit", "5", "--org", "MEK"]
    code = (
        f"sys.argv = {argv!r}\n"
        "from casefile.cli import app\n"
        "try:\n    app()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
    )
    modules = loaded_after(code)
    assert "casefile.store" in modules  # the command ran
    assert "pydantic" not in modules


def test_list_filters_use_indexes(db: Path) -> None:
    store = Store.open(db, create=True)
    plans = {
        "org": store.explain(model.Filter(org=["MEK"], limit=50)),
        "org sorted by left": store.explain(model.Filter(org=["MEK"], sort="left", limit=50)),
        "since, sorted by left": store.explain(model.Filter(since="2015-01-01", sort="left")),
        "sorted by left": store.explain(model.Filter(sort="left", limit=50)),
        "exit type": store.explain(model.Filter(exit_types=["escaped"])),
    }
    store.close()
    for name, plan in plans.items():
        assert any("USING INDEX" in step for step in plan), (name, plan)
    assert any("idx_accounts_org " in step for step in plans["org"])
