"""The research record across accounts: the timeline and the controlled vocabularies."""

from typing import Annotated, Any, Optional

import typer

from casefile.cli.common import (
    ReadFormat,
    boundary,
    open_store,
    read_id,
    with_filters,
)
from casefile.cli.usage import VocabularyGroup

vocab_app = typer.Typer(
    rich_markup_mode=None,
    cls=VocabularyGroup,
    help="Controlled vocabularies: list codes, add your own.\n\nExample: casefile vocab allegation",
    invoke_without_command=True,
)

AccountId = Annotated[str, typer.Argument(metavar="ID", help="An account id, a unique prefix, or an external id.")]
Format = Annotated[ReadFormat, typer.Option("--format", "-f", help="table (plain rows when piped), json, jsonl, csv.")]


def _emit(rows: list[dict[str, Any]], fmt: ReadFormat, columns: list[str], title: str) -> None:
    from casefile.cli.output import emit_rows

    emit_rows(rows, fmt.value, columns, title)


app = typer.Typer(rich_markup_mode=None)


@app.command()
@boundary
@with_filters
def timeline(
    flt: Any,
    account_id: Annotated[
        Optional[str], typer.Argument(metavar="[ID]", help="One account (else all selected).")
    ] = None,
    fmt: Format = ReadFormat.table,
) -> None:
    """Each account's own dates (joined, left, announced, its source's date) and its events, ordered by
    their earliest possible day, with precision shown (~1990, 1980s, 1986–1990) and the date as written.
    --since/--until keep the rows whose own date can fall between them; --limit caps the rows.

    Example: casefile timeline --org MEK --since 2010
    """
    from casefile import research

    store = open_store()
    rows = research.timeline_rows(store, flt, read_id(store, account_id) if account_id is not None else None)
    columns = ["account", "name", "date", "when", "precision", "type", "place", "description"]
    _emit(rows, fmt, columns, "timeline")


# ------------------------------------------------------------------------------------------------- vocab


@vocab_app.callback()
@boundary
def vocab_list(
    ctx: typer.Context,
    vocabulary: Annotated[Optional[str], typer.Option("--vocabulary", "-v", help="Only this vocabulary.")] = None,
    fmt: Format = ReadFormat.table,
) -> None:
    """List the codes of every vocabulary (or one: `casefile vocab NAME` is `--vocabulary NAME`), with labels,
    groups and descriptions.

    Example: casefile vocab exit_reason
    """
    if ctx.invoked_subcommand is not None:
        return
    from casefile import research

    rows = research.vocabulary_rows(open_store(create=False) if _db_exists() else None, vocabulary)
    _emit(rows, fmt, ["vocabulary", "code", "group", "label", "description", "origin"], "vocabulary")


def _db_exists() -> bool:
    from casefile.cli.common import db_path

    return db_path().exists()


@vocab_app.command("add")
@boundary
def vocab_add(
    vocabulary: Annotated[str, typer.Argument(help="exit_reason, allegation, event_type or org_type.")],
    code: Annotated[str, typer.Argument(help="The new code: lower-case letters, digits and _.")],
    label: Annotated[str, typer.Option("--label", help="A short label.")],
    description: Annotated[str, typer.Option("--description", help="What the code means.")] = "",
    group: Annotated[str, typer.Option("--group", help="For exit reasons: push, pull or barrier.")] = "",
) -> None:
    """Add a code of your own to an extensible vocabulary.

    Example: casefile vocab add exit_reason religious_conversion --label "Religious conversion" --group pull
    """
    from casefile import research

    research.add_code(open_store(create=True), vocabulary, code, label, description, group)
    typer.echo(f"added {vocabulary}:{code}", err=True)
