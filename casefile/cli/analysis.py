"""Finding and analysing: search, stats, check, dupes, merge."""

from enum import Enum
from typing import Annotated, Any, Optional

import typer

from casefile.cli.common import (
    ReadFormat,
    boundary,
    draw,
    err,
    open_store,
    progress,
    state,
    stdout_is_terminal,
    with_filters,
)
from casefile.errors import quote
from casefile.text import plural

app = typer.Typer(rich_markup_mode=None)

Format = Annotated[ReadFormat, typer.Option("--format", "-f", help="table (plain rows when piped), json, jsonl, csv.")]


def _emit(rows: list[dict[str, Any]], fmt: ReadFormat, columns: list[str], title: str) -> None:
    from casefile.cli.output import emit_rows

    emit_rows(rows, fmt.value, columns, title)


# ------------------------------------------------------------------------------------------------ search

HIT_COLUMNS = ["id", "external_id", "name", "organization", "left", "field", "snippet", "score"]


class SearchIn(str, Enum):
    accounts = "accounts"
    sources = "sources"


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
    where: Annotated[
        SearchIn,
        typer.Option("--in", help="accounts, or sources: the archived text of captured pages and PDFs."),
    ] = SearchIn.accounts,
) -> None:
    """Find accounts by any text typed into them: names, aliases, the organisation and its aliases, every
    free-text field (places, role, tags…), quotes, events and linked sources; best first (names weigh most),
    each with the field it matched and a snippet; at most 20 unless --limit. Case, diacritics,
    Arabic/Persian letter variants and romanisations of names (Hasan Heirani = Hassan Heyrani) are folded.
    With --in sources: the sources whose archived text holds every word (account filters do not apply). After
    `import --no-index` search refuses (exit 1) until `casefile reindex` (or --reindex) rebuilds the index.

    Example: casefile search "brainwashing sessions" --org MEK
    """
    from casefile import analysis

    store = open_store()
    if reindex:
        _rebuild(store)
    if query is None:
        if not reindex:
            from casefile.errors import UsageError

            raise UsageError("give words to search for, e.g. casefile search picnic")
        return
    if where is SearchIn.sources:
        from casefile.cli.evidence import search_sources

        search_sources(store, query, flt, raw, fmt)
        return
    rows = analysis.search(store, query, flt, raw=raw)
    if fmt is ReadFormat.table and stdout_is_terminal() and rows:
        _hit_table(rows)
    elif fmt is ReadFormat.table and not rows:
        err("no accounts match")
    else:
        columns = HIT_COLUMNS if fmt is not ReadFormat.table else ["id", "name", "organization", "field", "snippet"]
        _emit(rows, fmt, columns, "hits")


@app.command()
@boundary
def reindex() -> None:
    """Rebuild the search index of every account, in one transaction: after `import --no-index` (search refuses
    until then) or after another tool wrote to the database. Ctrl-C leaves the index as it was. The same as
    `search --reindex`.

    Example: casefile import big.csv --no-index && casefile reindex
    """
    _rebuild(open_store())


def _rebuild(store: Any) -> None:
    """``reindex`` and ``search --reindex``: the whole index rebuilt, with progress, and how many accounts."""
    with progress("indexing") as advance:
        rebuilt = store.rebuild_search(advance)
    err(f"search index rebuilt: {plural(rebuilt, 'account')}")


def _hit_table(rows: list[dict[str, Any]]) -> None:
    from rich.table import Table

    from casefile.render import SHORT_ID, highlighted, safe_text

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
    draw(table)


# ------------------------------------------------------------------------------------------------- stats

By = Annotated[
    list[str],
    typer.Option(
        "--by",
        help="organization, exit_year, joined_year, reason, reason_factor, allegation, exit_type, nationality, "
        "gender, source_reliability, publisher_type; twice for a cross-tab.",
    ),
]


@app.command()
@boundary
@with_filters(omit=("sort", "reverse", "limit"))
def stats(
    flt: Any,
    by: By,
    matrix: Annotated[
        bool, typer.Option("--matrix", help="Two --by as rows × columns, with totals and row percentages.")
    ] = False,
    sort: Annotated[
        Optional[str],
        typer.Option("--sort", help="accounts (largest first; years in order) or value (alphabetical)."),
    ] = None,
    reverse: Annotated[bool, typer.Option("--reverse", help="Reverse the order.")] = False,
    limit: Annotated[Optional[int], typer.Option("--limit", min=0, help="At most this many rows.")] = None,
    fmt: Format = ReadFormat.table,
) -> None:
    """Count accounts by one dimension, or cross-tabulate two; says how many had no value.

    Multi-valued codes (reasons, allegations, publisher types) count an account once under each value. A
    reason and its factor pair within each coded reason; dimensions from different parts of an account
    pair per account.

    Example: casefile stats --by reason_factor --by exit_year --org MEK --since 2015 --matrix
    """
    from casefile import counting

    names = counting.dimensions(by)
    if matrix and len(names) != 2:
        from casefile.errors import UsageError

        raise UsageError("--matrix needs two --by dimensions")
    result = counting.stats(open_store(), names, flt, sort=sort, reverse=reverse, limit=limit)
    if matrix:
        _matrix_out(counting.matrix(result), fmt)
    elif fmt is ReadFormat.json:
        import json

        body = {"by": result.by, "accounts": result.accounts, "no_value": result.no_value, "rows": result.rows}
        from casefile.cli.common import data_out

        data_out().write(json.dumps(body, ensure_ascii=False, indent=2) + "\n")
    elif fmt is ReadFormat.table and stdout_is_terminal():
        _stats_table(result)
    else:
        _emit(result.rows, fmt, result.columns, "counts")
    missing = ", ".join(f"{n} without {d.replace('_', ' ')}" for d, n in result.no_value.items())
    err(f"{plural(result.accounts, 'account')}; {missing}")


def _stats_table(result: Any) -> None:
    from rich.table import Table

    from casefile.render import bar, safe_text

    table = Table(header_style="bold")
    for name in result.by:
        table.add_column(name.replace("_", " "))
    table.add_column("accounts", justify="right")
    table.add_column("share", justify="right")
    table.add_column("")
    top = max((r["accounts"] for r in result.rows), default=0)
    for row in result.rows:
        cells = [
            safe_text(str(row[d]) + (f" ({row[d + '_name']})" if row.get(d + "_name") else ""))
            if row[d] is not None
            else safe_text("(no value)", "dim italic")
            for d in result.by
        ]
        share = f"{100 * row['accounts'] / result.accounts:.1f}%" if result.accounts else ""
        table.add_row(*cells, str(row["accounts"]), share, bar(row["accounts"], top))
    draw(table)


def _label(value: Any) -> str:
    return "(no value)" if value is None else str(value)


def _matrix_out(m: Any, fmt: ReadFormat) -> None:
    """The matrix: a table on a terminal; JSON with its cells, totals and row percentages; else one line
    per row value with each column's count and row percentage, the row's total, and a line of totals."""
    import json

    from casefile.cli.common import data_out

    if fmt is ReadFormat.json:
        body = {
            "by": m.by, "rows": m.rows, "columns": m.columns, "cells": m.cells, "row_totals": m.row_totals,
            "column_totals": m.column_totals, "total": m.total, "row_percent": m.row_percent,
        }  # fmt: skip
        data_out().write(json.dumps(body, ensure_ascii=False, indent=2) + "\n")
        return
    if fmt is ReadFormat.table and stdout_is_terminal():
        from rich.table import Table

        from casefile.render import console, safe_text

        table = Table(header_style="bold", title=f"{m.by[0]} × {m.by[1]}".replace("_", " "))
        table.add_column(m.by[0].replace("_", " "))
        for c in m.columns:
            table.add_column(safe_text(_label(c)), justify="right")
        table.add_column("total", justify="right")
        for r, cells, pct, t in zip(m.rows, m.cells, m.row_percent, m.row_totals, strict=True):
            shown = [f"{n} ({p:g}%)" if n else "" for n, p in zip(cells, pct, strict=True)]
            table.add_row(safe_text(_label(r)), *shown, str(t))
        table.add_row("total", *map(str, m.column_totals), str(m.total), style="bold")
        console(no_color=state.no_color).print(table)
        return
    columns = [m.by[0]]
    for c in m.columns:
        columns += [_label(c), f"{_label(c)} %"]
    columns.append("total")
    lines = []
    for r, cells, pct, t in zip(m.rows, m.cells, m.row_percent, m.row_totals, strict=True):
        line: dict[str, Any] = {m.by[0]: _label(r), "total": t}
        for c, n, p in zip(m.columns, cells, pct, strict=True):
            line[_label(c)], line[f"{_label(c)} %"] = n, p
        lines.append(line)
    last: dict[str, Any] = {m.by[0]: "total", "total": m.total}
    for c, n in zip(m.columns, m.column_totals, strict=True):
        last[_label(c)], last[f"{_label(c)} %"] = n, round(100 * n / m.total, 1) if m.total else 0.0
    header = [dict(zip(columns, columns, strict=True))] if fmt is ReadFormat.table else []  # plain rows: say which
    _emit([*header, *lines, last], fmt, columns, "matrix")


# ------------------------------------------------------------------------------------------------- check


@app.command()
@boundary
@with_filters
def check(
    flt: Any,
    rule: Annotated[Optional[str], typer.Option("--rule", help="Run only this rule.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when any finding is an error.")] = False,
    ignore: Annotated[
        Optional[str],
        typer.Option("--ignore", help="Silence this rule on --account (org-near-duplicate: on two --org names)."),
    ] = None,
    account: Annotated[Optional[str], typer.Option("--account", help="The account --ignore is about.")] = None,
    note: Annotated[Optional[str], typer.Option("--note", help="Why --ignore accepts the finding.")] = None,
    fmt: Format = ReadFormat.table,
) -> None:
    """Check the data's quality: impossible or implausible dates, order and durations, missing sources and
    grades, near-duplicate organisation names. Each finding names the account, field and rule, never the
    record's text. Rules: date-future, date-before-birth, date-before-1900, left-before-joined, event-order,
    years-in-org, date-no-year, date-unread, no-source, source-ungraded, org-near-duplicate,
    search-index-stale (after `import --no-index`, until `casefile reindex`).

    Example: casefile check --ignore date-no-year --account SEED-0001 --note "the source gives no year"
    Example: casefile check --ignore org-near-duplicate --org ISIS --org ISIS-K --note "a branch of its own"
    """
    from casefile import analysis, errors

    store = open_store()
    if ignore is not None and ignore in analysis.ORGANIZATION_RULES:
        pair = analysis.ignore_organization_finding(store, ignore, flt.org or [], note or "", account)
        err(f"{ignore} silenced on {quote(pair[0])} and {quote(pair[1])}")
        return
    if ignore is not None:
        if account is None:
            raise errors.UsageError("--ignore needs --account (and --note)")
        err(f"{ignore} silenced on {analysis.ignore_finding(store, ignore, account, note or '')}")
        return
    findings, silenced = analysis.check(store, flt, rule)
    _emit(findings, fmt, ["severity", "rule", "account", "field", "message"], "findings")
    counts = {s: sum(f["severity"] == s for f in findings) for s in analysis.SEVERITIES}
    err(", ".join(plural(n, s, "info" if s == "info" else None) for s, n in counts.items()) + f"; {silenced} silenced")
    if strict and counts["error"]:
        raise typer.Exit(1)


# ------------------------------------------------------------------------------------------------ dupes


@app.command()
@boundary
@with_filters
def dupes(
    flt: Any,
    min_score: Annotated[
        float, typer.Option("--min-score", min=0, max=100, help="Show pairs scoring at least this.")
    ] = 80.0,
    fmt: Format = ReadFormat.table,
) -> None:
    """Candidate pairs of accounts about the same person: names and aliases compared across
    romanisations (Hassan Shahbazi ~ Hasan Shahbaz), the same organisation, dates that can agree. Each pair
    has a score (0–100) and its evidence; merge a true pair with `casefile merge KEEP OTHER`.

    --limit caps the number of pairs shown.

    Example: casefile dupes --org MEK --min-score 90
    """
    from casefile import analysis

    with progress("finding pairs") as advance:
        pairs = analysis.dupes(open_store(), flt, min_score, advance)
    columns = ["score", "a", "a_name", "b", "b_name", "evidence"]
    _emit(
        pairs,
        fmt,
        columns
        if fmt is ReadFormat.table
        else [*columns[:3], "a_external_id", *columns[3:5], "b_external_id", "evidence"],
        "candidate pairs",
    )
    err(plural(len(pairs), "candidate pair"))


# ------------------------------------------------------------------------------------------------ merge


@app.command()
@boundary
def merge(
    keep: Annotated[str, typer.Argument(metavar="KEEP", help="The account that stays (id, prefix or external id).")],
    other: Annotated[str, typer.Argument(metavar="OTHER", help="The account merged into KEEP and then removed.")],
    take: Annotated[
        Optional[list[str]], typer.Option("--take", help="Use OTHER's value of this field where both differ (repeat).")
    ] = None,
) -> None:
    """Merge two accounts about the same person, in one transaction. Aliases (OTHER's name too), codes,
    tags, sources, events and quotes are united; empty fields are filled from OTHER; conflicting fields are
    named (never their values) and KEEP's values win unless --take FIELD; the stricter confidentiality of
    the two wins. OTHER is marked deleted; its id then shows KEEP, and commands that change records refuse it.

    Example: casefile merge DEMO-0006 DEMO-0007 --take left
    """
    from casefile import merging

    merged = merging.merge(open_store(), keep, other, take or [])
    for c in merged.conflicts:  # fields only, never their values: either account may be restricted
        if c.winner == "other":
            err(f"conflict: {c.field}: took OTHER's value (--take {c.field})")
        else:
            err(f"conflict: {c.field}: kept KEEP's value (OTHER's differed); --take {c.field} to take OTHER's")
    if merged.confidentiality:
        err(f"confidentiality: {merged.confidentiality}, the stricter of the two")
    err(f"merged {merged.other_id} into {merged.keep_id}")
