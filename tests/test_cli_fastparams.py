"""The start-up shortcut for Typer's parameter coercion (casefile/cli/fastparams.py) returns exactly what
Typer's own pydantic adapters return, and is active once the CLI is imported."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from typer._coercion import build_runtime_param, resolve_type_descriptor
from typer.models import OptionInfo

import casefile.cli  # noqa: F401 - installs the shortcut
from casefile.cli import fastparams
from casefile.cli.common import ReadFormat


class Colour(str, Enum):
    red = "red"
    blue = "blue"


CASES: list[tuple[Any, Any]] = [
    (str, "plain"),
    (str, ""),
    (str, "Zoë سارا"),
    (Colour, Colour.red),
    (ReadFormat, ReadFormat.table),
    (list[str], ("a", "b")),
    (list[str], []),
    (list[str], ["x"]),
    (int, 20),
    (int, "50"),
    (int, "050"),
    (int, "0"),
    (int, "123456789012"),
]


@pytest.mark.parametrize(("annotation", "value"), CASES)
def test_shortcut_equals_typer_coercion(annotation: Any, value: Any) -> None:
    real = build_runtime_param(resolve_type_descriptor(annotation, OptionInfo()))
    expected = real._coerce_value(value, param=None, ctx=None)
    got = fastparams.shortcut(annotation, value)
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize(
    ("annotation", "value"),
    [(int, " 3"), (int, "-3"), (int, "+3"), (int, "3_0"), (int, "٣"), (int, True), (float, "1"), (Colour, "red"),
     (Path, "x"), (list[int], ("1",)), (str, b"x")],
)  # fmt: skip
def test_values_that_need_coercion_go_to_typer(annotation: Any, value: Any) -> None:
    assert fastparams.shortcut(annotation, value) is fastparams._SENTINEL


class Number(int, Enum):
    one = 1
    uno = 1  # an alias: Typer's choices skip it, as iterating the Enum does
    two = 2


@pytest.mark.parametrize(
    ("annotation", "value"),
    [(Colour, "red"), (Colour, "blue"), (ReadFormat, "json"), (ReadFormat, "csv"), (Number, "1"), (Number, "2")],
)
def test_a_choice_given_as_its_exact_text_equals_typer_coercion(annotation: Any, value: Any) -> None:
    real = build_runtime_param(resolve_type_descriptor(annotation, OptionInfo()))
    expected = real._coerce_value(value, param=None, ctx=None)
    got = fastparams.shortcut(annotation, value, exact_choices=True)
    assert got is expected


@pytest.mark.parametrize("value", ["RED", " red", "red ", "r", "", "Colour.red"])
def test_other_spellings_of_a_choice_go_to_typer(value: str) -> None:
    assert fastparams.shortcut(Colour, value, exact_choices=True) is fastparams._SENTINEL
    assert fastparams.shortcut(Colour, "red", exact_choices=False) is fastparams._SENTINEL  # case-insensitive choice


@pytest.mark.parametrize(("value", "lo", "hi"), [(0, 1, None), ("0", 1, None), (11, None, 10), ("11", 0, 10)])
def test_out_of_range_ints_go_to_typer(value: Any, lo: Any, hi: Any) -> None:
    assert fastparams.shortcut(int, value, lo, hi) is fastparams._SENTINEL


def test_installed_by_the_cli_and_choices_still_checked(cli) -> None:
    from typer.core import _TyperParameter

    assert getattr(_TyperParameter.get_runtime_param, "casefile_lazy", False)
    assert fastparams.install()  # idempotent
    assert cli("init").exit_code == 0
    result = cli("list", "--format", "json", "--limit", "3")  # a choice and a number given as text
    assert result.exit_code == 0 and result.stdout.strip() == "[]"
    assert cli("list", "--format", "yaml").exit_code == 2
    assert cli("list", "--format", "JSON").exit_code == 2  # case-sensitive, as Typer checks it
    assert cli("list", "--limit", "x").exit_code == 2
    assert cli("list", "--limit", "-1").exit_code == 2  # min=0, checked by Typer
    assert cli("import", "-", "--format", "csv", "--max-errors", "0").exit_code == 2  # min=1
