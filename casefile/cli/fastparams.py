"""Start-up: skip Typer's pydantic coercion for values that need none.

Typer 0.29 coerces every parameter value with a pydantic ``TypeAdapter``, built on first use, even for an
option that was not given (its ``None`` default) or a plain string argument. The first adapter of a process
costs about 30 ms of pydantic schema machinery: a quarter of a bare Typer app's whole run, and most of
the gap between ``casefile show ID`` and that app (docs/PERFORMANCE.md, S1).

:func:`install` wraps the adapter so that the values whose coercion is the identity skip it:

* ``None`` (an option not given): Typer returns ``None``, or ``()`` for a multi-valued one, without
  looking at the value, so the adapter was only being built, never used;
* a ``str`` for a ``str`` parameter (Typer's ``_parse_cli_str`` returns it unchanged);
* an Enum member for that Enum parameter (Typer's ``coerce_cli_choice`` returns a member as is): the default;
* a ``str`` that is exactly the value of a member of that Enum (``--format json``), when the choice is
  case-sensitive and no token normalisation is set: ``coerce_cli_choice`` returns the first such member;
* a list or tuple of ``str`` for ``list[str]`` (Typer's list adapter returns a list of the same strings);
* an ``int``, or a string of plain decimal digits, for an ``int`` parameter, within its ``min``/``max``.

Everything else (numbers, a choice typed as text, paths, bytes) goes to Typer's own adapter, built as
before. If Typer's internals change shape, :func:`install` does nothing and Typer works as it always did;
``tests/test_cli_fastparams.py`` checks the shortcut against the real adapters.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, get_args, get_origin

_SENTINEL = object()


def shortcut(annotation: Any, value: Any, lo: Any = None, hi: Any = None, *, exact_choices: bool = False) -> Any:
    """The coerced value when coercion is the identity, else ``_SENTINEL``. ``lo``/``hi``: an int's bounds;
    ``exact_choices``: Typer compares a choice's text as given (case-sensitive, no token normalisation)."""
    kind = type(value)
    if annotation is str:
        return value if kind is str else _SENTINEL
    if annotation is int:
        if kind is str and value.isascii() and value.isdigit():
            value, kind = int(value), int  # plain decimal digits, as Typer's int adapter reads them
        if kind is int and (lo is None or value >= lo) and (hi is None or value <= hi):
            return value
        return _SENTINEL  # signs, spaces, out of range: Typer reads or refuses it
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        if kind is annotation:
            return value
        if kind is str and exact_choices:
            # coerce_cli_choice compares str(member.value) with the text and returns the first member that matches
            return next((member for member in annotation if str(member.value) == value), _SENTINEL)
        return _SENTINEL
    if get_origin(annotation) is list and get_args(annotation) == (str,) and kind in (list, tuple):
        return list(value) if all(type(item) is str for item in value) else _SENTINEL
    return _SENTINEL


class _Lazy:
    """Stands in for Typer's ``RuntimeParam``; builds the real one only for a value that needs it."""

    __slots__ = ("_param", "_real", "_build")

    def __init__(self, param: Any, build: Any) -> None:
        self._param = param
        self._build = build
        self._real: Any = None

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        if value is None:
            return () if (param.multiple or param.nargs == -1) else None
        descriptor = param.type_descriptor
        info = descriptor.parameter_info
        if getattr(info, "parser", None) is None:
            exact = getattr(info, "case_sensitive", False) is True and getattr(ctx, "token_normalize_func", 0) is None
            bounds = getattr(info, "min", None), getattr(info, "max", None)
            done = shortcut(descriptor.annotation, value, *bounds, exact_choices=exact)
            if done is not _SENTINEL:
                return done
        if self._real is None:
            self._real = self._build(param)
        return self._real.coerce(value, param=param, ctx=ctx)


def install() -> bool:
    """Wrap Typer's parameter coercion (once); False when this Typer does not look as expected."""
    try:
        from typer._coercion import build_runtime_param
        from typer.core import _TyperParameter
    except ImportError:  # pragma: no cover - another Typer
        return False
    original = getattr(_TyperParameter, "get_runtime_param", None)
    if original is None or not hasattr(_TyperParameter, "process_value"):  # pragma: no cover
        return False
    if getattr(original, "casefile_lazy", False):
        return True

    def build(param: Any) -> Any:
        return build_runtime_param(param.type_descriptor)

    def get_runtime_param(self: Any) -> Any:
        if getattr(self, "_runtime_param", None) is None:
            self._runtime_param = _Lazy(self, build)
        return self._runtime_param

    get_runtime_param.casefile_lazy = True  # type: ignore[attr-defined]
    _TyperParameter.get_runtime_param = get_runtime_param  # type: ignore[method-assign]
    return True
