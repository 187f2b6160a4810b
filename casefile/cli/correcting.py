"""`casefile event|quote|… list ACCOUNT`, `edit PART-ID --field value`, `remove PART-ID`: made for every part
:data:`casefile.partkinds.PART_KINDS` registers, with one option per field of the part (from its registry entry)."""

import inspect
from typing import Annotated, Any, Optional

import typer

from casefile import partkinds
from casefile.cli.common import (
    DayFirst,
    KeepUnparsed,
    MonthFirst,
    ReadFormat,
    boundary,
    date_order,
    err,
    named_as_typed,
    open_store,
    read_id,
    validator_for,
)

PartId = Annotated[str, typer.Argument(metavar="PART-ID", help="The part's id (or a unique prefix), from `list`.")]


def _options(kind: partkinds.PartKind) -> list[tuple[str, str, str]]:
    """(parameter, flag, key of the part's JSON entry) for every field of the part but its id; a date's
    correction and note as ``--correct`` and ``--note``, as ``event add`` names them."""
    out = []
    for f in kind.fields:
        if f.kind == "part_id":
            continue
        out.append((f.name, "--" + f.name.replace("_", "-"), f.name))
        if f.kind == "date":
            prefix = "" if f.name == "date" else f.name.replace("_", "-") + "-"
            out.append((f"{f.name}_corrected", f"--{prefix}correct", f"{f.name}_corrected"))
            out.append((f"{f.name}_note", f"--{prefix}note", f"{f.name}_note"))
    return out


def _help(kind: partkinds.PartKind, name: str) -> str:
    fields = {f.name: f for f in kind.fields}
    if name in fields:
        return fields[name].help + " An empty value ('') clears it."
    return "What the date means when it is written wrongly." if name.endswith("_corrected") else "Why it reads so."


def add_part_commands(app: typer.Typer, kind: partkinds.PartKind) -> None:
    """Give ``app`` (``casefile event`` …) its ``list``, ``edit`` and ``remove`` commands for ``kind``."""
    options = _options(kind)

    def list_(
        account_id: Annotated[
            str, typer.Argument(metavar="ID", help="An account id, a unique prefix, or an external id.")
        ],
        fmt: Annotated[ReadFormat, typer.Option("--format", "-f", help="table, json, jsonl, csv.")] = ReadFormat.table,
    ) -> None:
        from casefile import correcting
        from casefile.cli.output import emit_rows

        store = open_store()
        rows = correcting.list_parts(store, read_id(store, account_id), kind)
        emit_rows(rows, fmt.value, list(kind.columns), kind.part)

    what = (kind.coded or kind.part).replace("_", " ")
    list_.__doc__ = f"List an account's {what} with their ids.\n\nExample: casefile {kind.name} list 3f9a"

    def edit(part_id: str, dayfirst: bool, monthfirst: bool, keep_unparsed_dates: bool, **given: Any) -> None:
        from casefile import correcting

        store = open_store()
        validator = validator_for(store, date_order(dayfirst, monthfirst), keep_unparsed_dates)
        changes = {key: given[param] for param, _, key in options if given.get(param) is not None}
        with named_as_typed({key: flag for _, flag, key in options}):
            full = correcting.edit_part(store, validator, kind, part_id, changes)
        err(f"{kind.name} {full} changed")

    params = [
        inspect.Parameter("part_id", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=PartId),
        *(
            inspect.Parameter(
                param,
                inspect.Parameter.KEYWORD_ONLY,
                default=None,
                annotation=Annotated[Optional[str], typer.Option(flag, help=_help(kind, param))],
            )
            for param, flag, _ in options
        ),
        inspect.Parameter("dayfirst", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=DayFirst),
        inspect.Parameter("monthfirst", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=MonthFirst),
        inspect.Parameter(
            "keep_unparsed_dates", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=KeepUnparsed
        ),
    ]
    edit.__signature__ = inspect.Signature(params, return_annotation=None)  # type: ignore[attr-defined]
    first = next(flag for _, flag, _ in options)
    edit.__doc__ = (
        f"Change one {kind.name} by its id, checked as `add` checks it; `casefile undo` takes it back.\n\n"
        f"Example: casefile {kind.name} edit 1a2b3c4d {first} …"
    )

    def remove(part_id: PartId) -> None:
        from casefile import correcting

        store = open_store()
        full = correcting.remove_part(store, validator_for(store, None, False), kind, part_id)
        err(f"{kind.name} {full} removed")

    remove.__doc__ = (
        f"Remove one {kind.name} by its id; `casefile undo` brings it back.\n\n"
        f"Example: casefile {kind.name} remove 1a2b3c4d"
    )

    app.command("list")(boundary(list_))
    app.command("edit")(boundary(edit))
    app.command("remove")(boundary(remove))
