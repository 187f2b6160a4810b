"""The shape of the package stays as docs/ARCHITECTURE.md draws it: every import points down the table of
rooms below, no two modules import each other (however indirectly), the core never imports typer or rich,
and no module grows past 600 lines.

The import graph is read from the source with ``ast``: imports at module level, inside functions and under
``if TYPE_CHECKING:`` alike (a typing-only import is still an arrow a reader has to follow), relative and
absolute ones, and ``importlib.import_module("casefile.…")`` with a literal name.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import casefile

PACKAGE = Path(casefile.__file__).resolve().parent

#: The rooms, top to bottom, and the modules in each. A dotted name covers that module and, for a package,
#: every module in it; a module belongs to the room with the longest name that covers it.
ROOMS: dict[str, tuple[str, ...]] = {
    "entry": ("casefile", "casefile.__main__"),
    "cli": ("casefile.cli", "casefile.docs"),
    "render": ("casefile.render",),
    "core": (
        "casefile.pipeline",
        "casefile.reading",
        "casefile.import_worker",
        "casefile.analysis",
        "casefile.pairing",
        "casefile.counting",
        "casefile.editing",
        "casefile.merging",
        "casefile.research",
        "casefile.organizing",
        "casefile.orgresolve",
        "casefile.sourcing",
        "casefile.citing",
        "casefile.correcting",
        "casefile.ingesting",
        "casefile.ingest",
        "casefile.audit",
        "casefile.maintenance",
        "casefile.privacy",
        "casefile.publishing",
        "casefile.serving",
        "casefile.evidence",
        "casefile.capture",
        "casefile.bundling",
        "casefile.worktext",
        "casefile.timestamping",
        "casefile.webarchive",
        "casefile.reconciling",
    ),
    "formats": ("casefile.importers", "casefile.exporters"),
    "store": ("casefile.store",),
    "base": (
        "casefile.model",
        "casefile.searchable",
        "casefile.partkinds",
        "casefile.vocab",
        "casefile.dates",
        "casefile.date_forms",
        "casefile.relative_dates",
        "casefile.durations",
        "casefile.validation",
        "casefile.text",
        "casefile.sourcekeys",
        "casefile.safecsv",
        "casefile.errors",
        "casefile.paths",
        "casefile.interrupts",
        "casefile.terminal",
        "casefile.config",
        "casefile.gazetteer",
        "casefile.migrations",
        "casefile.migrations_base",
        "casefile.migrations_later",
        "casefile.codes",
    ),
}

#: The rooms a room's modules may import (its own included; circles inside a room are caught separately).
MAY_IMPORT: dict[str, frozenset[str]] = {
    "entry": frozenset({"entry", "cli", "base"}),
    "cli": frozenset({"cli", "render", "core", "formats", "store", "base"}),
    "render": frozenset({"render", "base"}),
    "core": frozenset({"core", "formats", "store", "base"}),
    "formats": frozenset({"formats", "base"}),
    "store": frozenset({"store", "base"}),
    "base": frozenset({"base"}),
}

#: Libraries only some rooms may import: presentation stays out of the core.
ONLY_IN: dict[str, frozenset[str]] = {
    "typer": frozenset({"cli"}),
    "rich": frozenset({"cli", "render"}),
}

MAX_LINES = 600
#: Modules allowed past MAX_LINES, each with the reason it cannot be split.
LONG_MODULES: dict[str, str] = {
    "casefile.model": "the field registry is one table (FIELDS and the parts' fields) that everything derives "
    "from; split, a new field's recipe would touch two files and the registry test would read two",
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def room_of(name: str) -> str | None:
    best: tuple[int, str | None] = (-1, None)
    for room, prefixes in ROOMS.items():
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > best[0]:
                best = (len(prefix), room)
    return best[1]


def _target(name: str) -> str:
    """The casefile module an import of ``name`` runs: itself, or the package or module defining it."""
    while name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def imports(name: str) -> Iterator[tuple[str, int]]:
    """(imported name, line) of every import in a module: casefile modules by their module name, other
    libraries by their top-level name."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    package = name if is_package(name) else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield _resolve(alias.name), node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            if source.split(".")[0] != "casefile":
                yield source.split(".")[0], node.lineno
                continue
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                yield (_target(submodule) if submodule in MODULES else _target(source)), node.lineno
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield _resolve(node.args[0].value), node.lineno


def _resolve(dotted: str) -> str:
    return _target(dotted) if dotted.split(".")[0] == "casefile" else dotted.split(".")[0]


def graph() -> dict[str, dict[str, int]]:
    """module → {casefile module it imports: first line doing so}."""
    out: dict[str, dict[str, int]] = {}
    for name in MODULES:
        edges: dict[str, int] = {}
        for target, line in imports(name):
            if target in MODULES and target != name:
                edges.setdefault(target, line)
        out[name] = edges
    return out


def circles(edges: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return sorted(found)


def where(name: str, line: int) -> str:
    return f"{MODULES[name].relative_to(PACKAGE.parent)}:{line}"


# ------------------------------------------------------------------------------------------------- tests


def test_every_module_is_in_a_room() -> None:
    homeless = [name for name in MODULES if room_of(name) is None]
    assert not homeless, f"put these modules in a room of ROOMS (and docs/ARCHITECTURE.md): {homeless}"


def test_no_circles() -> None:
    edges = graph()
    described = []
    for component in circles(edges):
        members = set(component)
        arrows = [
            f"{where(a, line)} imports {b}" for a in component for b, line in sorted(edges[a].items()) if b in members
        ]
        described.append(" ↔ ".join(component) + " (" + "; ".join(arrows) + ")")
    assert not described, "modules that import each other:\n" + "\n".join(described)


def test_arrows_point_down() -> None:
    wrong = []
    for name in MODULES:
        room = room_of(name)
        assert room is not None
        for target, line in imports(name):
            if target in MODULES:
                other = room_of(target)
                if other not in MAY_IMPORT[room]:
                    wrong.append(f"{where(name, line)}: {name} ({room}) imports {target} ({other})")
            elif target in ONLY_IN and room not in ONLY_IN[target]:
                wrong.append(f"{where(name, line)}: {name} ({room}) imports {target} (only {sorted(ONLY_IN[target])})")
    assert not wrong, "imports against the table in tests/test_architecture.py:\n" + "\n".join(wrong)


def test_no_module_over_600_lines() -> None:
    long = {}
    for name, path in MODULES.items():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES and name not in LONG_MODULES:
            long[name] = lines
    assert not long, f"split these modules (one concern a file, at most {MAX_LINES} lines): {long}"


def test_exceptions_are_still_needed() -> None:
    for name in LONG_MODULES:
        assert name in MODULES, f"{name} is gone: drop it from LONG_MODULES"
        lines = len(MODULES[name].read_text(encoding="utf-8").splitlines())
        assert lines > MAX_LINES, f"{name} has {lines} lines now: drop it from LONG_MODULES"


# ---------------------------------------------------------------------------- the reader itself is right


def test_the_reader_sees_every_kind_of_import() -> None:
    """The graph follows relative imports from packages and modules, function-level and typing-only ones
    and importlib's: each arrow below is in casefile today and must be found."""
    edges = graph()
    assert "casefile.cli.common" in edges["casefile.cli.records"]  # absolute, module level
    assert "casefile.model" in edges["casefile.validation"]  # relative: from . import model
    assert "casefile.exporters.output" in edges["casefile.exporters"]  # relative, from a package's __init__
    assert "casefile.cli" in edges["casefile"]  # function level, in the package's __init__
    assert "casefile" in edges["casefile.__main__"]  # from casefile import main: the package itself


def test_a_circle_and_a_wrong_arrow_are_caught() -> None:
    edges = {"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}, "d": {"a": 1}}
    assert circles(edges) == [["a", "b", "c"]]
    assert room_of("casefile.store.accounts") == "store" and room_of("casefile.cli.common") == "cli"
    assert "render" not in MAY_IMPORT["core"] and "core" not in MAY_IMPORT["store"]
