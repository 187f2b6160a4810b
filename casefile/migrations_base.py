"""The machinery of casefile's migration steps: the ordered set they register in (without importing
sqlite-utils until a step has to run) and the helpers steps share. The steps themselves are in
:mod:`casefile.migrations` (the first ones) and :mod:`casefile.migrations_later` (the rest, in order)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlite_utils import Database


@dataclass(frozen=True)
class Step:
    name: str
    fn: Callable[[Any], None]
    transactional: bool = True


class Steps:
    """The migration set, recorded with the decorator API of ``sqlite_utils.Migrations`` but without importing
    sqlite-utils: that import costs about 90 ms, half a whole ``casefile show``, and opening a database only
    needs the step names to see that nothing is pending. :meth:`apply` hands the steps to a real
    ``Migrations`` when some are."""

    def __init__(self, name: str):
        self.name = name
        self._migrations: list[Step] = []

    def __call__(self, *, name: str | None = None, transactional: bool = True) -> Callable[[Any], Any]:
        def inner(func: Callable[[Any], None]) -> Callable[[Any], None]:
            step = name or func.__name__
            if any(m.name == step for m in self._migrations):
                raise ValueError(f"Migration '{step}' is already registered in set '{self.name}'")
            self._migrations.append(Step(step, func, transactional))
            return func

        return inner

    def apply(self, db: Database) -> None:
        from sqlite_utils import Migrations

        real = Migrations(self.name)
        for step in self._migrations:
            real(name=step.name, transactional=step.transactional)(step.fn)  # type: ignore[arg-type]
        real.apply(db)


migrations = Steps("casefile")


def _statements(db: Database, script: str) -> None:
    """Run ``;``-separated DDL one statement at a time: ``executescript`` would COMMIT the migration's
    transaction first, so a failure half-way could leave a half-applied schema."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _date(name: str) -> str:
    return ", ".join(
        f"{name}{suffix} TEXT" for suffix in ("", "_edtf", "_min", "_max", "_precision", "_corrected", "_note")
    )
