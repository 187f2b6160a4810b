"""Finding and analysing: search, stats, check, dupes, merge."""

from typing import Annotated, Any, Optional

import typer

from casefile.cli.common import ReadFormat, boundary, err, open_store, state, stdout_is_terminal, with_filters

app = typer.Typer()

Format = Annotated[ReadFormat, typer.Option("--format", "-f", help="table (plain rows when piped), json, jsonl, csv.")]


def _emit(rows: list[dict[str, Any]], fmt: ReadFormat, columns: list[str], title: str) -> None:
    from casefile.cli.output import emit_rows

    emit_rows(rows, fmt.value, columns, title)


# ------------------------------------------------------------------------------------------------ search

HIT_COLUMNS = ["id", "external_id", "name", "organization", "left", "field", "snippet", "score"]


@app.command()
@boundary
@with_filters
def search(
    flt: Any,
    query: Annotated[
        Optional[str], typer.Argument(metavar="QUERY", help="Words to find (all of them), matched literally.")
    ] = None,
    raw: Annotated[bool, typer.Option("--raw", help='QUERY is FTS5 syntax: AND OR NOT NEAR, "phrase", pre*.')] = False,
    reindex: Annotated[
        bool, typer.Option("--reindex", help="Rebuild the search index (after other tools wrote).")
    ] = False,
    fmt: Format = ReadFormat.table,
) -> None:
    """Find accounts by the words of their names, aliases, summary, quotes, events and source titles, best
    first (names weigh most), each with a snippet of where it matched; at most 20 unless --limit.
    Case, diacritics, Arabic/Persian letter variants and common romanisations of names are folded.

    Example: casefile search "brainwashing sessions" --org MEK
    """
    from casefile import analysis

    store = open_store()
    if reindex:
        err(f"search index rebuilt: {store.rebuild_search()} accounts")
    if query is None:
        if not reindex:
            from casefile.errors import UsageError

            raise UsageError("give words to search for, e.g. casefile search picnic")
        return
    rows = analysis.search(store, query, flt, raw=raw)
    if fmt is ReadFormat.table and stdout_is_terminal() and rows:
        _hit_table(rows)
    elif fmt is ReadFormat.table and not rows:
        err("no accounts match")
    else:
        columns = HIT_COLUMNS if fmt is not ReadFormat.table else ["id", "name", "organization", "field", "snippet"]
        _emit(rows, fmt, columns, "hits")


def _hit_table(rows: list[dict[str, Any]]) -> None:
    from rich.table import Table

    from casefile.render import SHORT_ID, console, highlighted, safe_text

    table = Table(header_style="bold")
    table.add_column("id", no_wrap=True)
    table.add_column("name", ratio=1)
    table.add_column("organization", ratio=1)
    table.add_column("where", no_wrap=True)
    table.add_column("snippet", ratio=3)
    for row in rows:
        table.add_row(
            safe_text(row["id"][:SHORT_ID]),
            safe_text(row["name"]),
            safe_text(row["organization"] or ""),
            safe_text(row["field"]),
            highlighted(row["snippet"], row["highlights"]),
        )
    console(no_color=state.no_color).print(table)
