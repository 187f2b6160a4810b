"""Moving records in and out: import, export, template."""

import sys
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from casefile import errors, model
from casefile.cli.common import DayFirst, KeepUnparsed, MonthFirst, boundary, date_order, err, open_store, with_filters

if TYPE_CHECKING:
    from casefile import pipeline

app = typer.Typer()


class InFormat(str, Enum):
    csv = "csv"
    json = "json"
    jsonl = "jsonl"


class OutFormat(str, Enum):
    csv = "csv"
    json = "json"
    jsonl = "jsonl"
    md = "md"


class OnConflict(str, Enum):
    update = "update"
    skip = "skip"
    error = "error"


ImportFiles = Annotated[list[str], typer.Argument(metavar="FILE...", help="CSV, JSON or JSONL files; '-' reads stdin.")]
InFormatOpt = Annotated[
    Optional[InFormat], typer.Option("--format", "-f", help="Input format (default: by extension).")
]
Encoding = Annotated[str, typer.Option("--encoding", help="Text encoding of CSV input.")]
SkipBad = Annotated[bool, typer.Option("--skip-bad-rows", help="Write the good rows; exit 4 if any were rejected.")]
Rejects = Annotated[Optional[str], typer.Option("--rejects", help="With --skip-bad-rows: write rejected rows here.")]
DryRun = Annotated[bool, typer.Option("--dry-run", "-n", help="Check everything, write nothing.")]
Conflict = Annotated[
    OnConflict, typer.Option("--on-conflict", help="An existing id or external_id: update, skip, error.")
]
MaxErrors = Annotated[int, typer.Option("--max-errors", min=1, help="Stop listing problems after this many.")]
IgnoreUnknown = Annotated[bool, typer.Option("--ignore-unknown", help="Ignore columns casefile does not know.")]


@app.command("import")
@boundary
def import_(
    files: ImportFiles,
    fmt: InFormatOpt = None,
    encoding: Encoding = "utf-8",
    skip_bad_rows: SkipBad = False,
    rejects: Rejects = None,
    dry_run: DryRun = False,
    on_conflict: Conflict = OnConflict.update,
    max_errors: MaxErrors = 20,
    ignore_unknown: IgnoreUnknown = False,
    dayfirst: DayFirst = False,
    monthfirst: MonthFirst = False,
    keep_unparsed_dates: KeepUnparsed = False,
) -> None:
    """Import accounts; all of them in one transaction, or nothing if any is invalid.

    Example: casefile import accounts.csv --dry-run
    """
    from casefile import pipeline, validation

    if rejects and not skip_bad_rows:
        raise errors.UsageError("--rejects needs --skip-bad-rows")
    options = validation.Options(
        order=date_order(dayfirst, monthfirst), keep_unparsed_dates=keep_unparsed_dates, ignore_unknown=ignore_unknown
    )
    plan = pipeline.ImportPlan(files, fmt.value if fmt else None, encoding, validation.Validator(options))
    store = open_store(create=True)
    with _progress() as advance:
        result = pipeline.run(
            store,
            plan.items(),
            on_conflict=on_conflict.value,
            skip_bad=skip_bad_rows,
            dry_run=dry_run,
            max_errors=max_errors,
            progress=advance,
            bulk=True,
        )
    raise typer.Exit(
        _report(result, plan, skip_bad=skip_bad_rows, dry_run=dry_run, rejects=rejects, max_errors=max_errors)
    )


def _report(
    result: "pipeline.Result",
    plan: "pipeline.ImportPlan",
    *,
    skip_bad: bool,
    dry_run: bool,
    rejects: Optional[str],
    max_errors: int,
) -> int:
    """Print the problems and the summary on stderr; return the exit code."""
    from casefile.errors import InputError

    for item in result.rejected[:max_errors]:
        for p in item.problems:
            err(f"error: {InputError(p.reason, file=item.source, line=p.line, field=p.field).where()}")
    if result.truncated:
        err(f"stopped after {max_errors} bad records (--max-errors)")
    elif len(result.rejected) > max_errors:
        err(f"… and {len(result.rejected) - max_errors} more bad records")
    c = result.counts
    summary = f"{c.added} added, {c.updated} updated, {c.unchanged} unchanged"
    if c.skipped:
        summary += f", {c.skipped} skipped"
    if result.rejected and not skip_bad:
        err(f"{summary} — not written: fix the records above and import again (nothing was written)")
        return errors.EXIT_DATA
    if skip_bad and result.rejected:
        summary += f", {len(result.rejected)} rejected"
        if rejects:
            _write_rejects(result, plan, rejects)
            summary += f" (written to {rejects})"
    err(summary + (" (dry run: nothing written)" if dry_run else ""))
    return errors.EXIT_REJECTED if result.rejected else errors.EXIT_OK


def _write_rejects(result: "pipeline.Result", plan: "pipeline.ImportPlan", path: str) -> None:
    from casefile import exporters, importers

    fmt = plan.formats[result.rejected[0].source]
    header = plan.headers[result.rejected[0].source] or None
    rows = [(importers.RawRow(i.line or 0, None, None, i.raw), i.problems) for i in result.rejected]
    with exporters.open_output(path) as out:
        importers.write_rejects(fmt, rows, out, header)


class _progress:
    """A rich progress bar on stderr when stderr is a terminal; nothing otherwise."""

    def __enter__(self):  # type: ignore[no-untyped-def]
        self._bar = None
        if not sys.stderr.isatty():
            return None
        from rich.console import Console
        from rich.progress import Progress

        self._bar = Progress(transient=True, console=Console(stderr=True))
        self._bar.start()
        task = self._bar.add_task("importing", total=None)
        return lambda n: self._bar.advance(task, n)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


OutFormatOpt = Annotated[OutFormat, typer.Option("--format", "-f", help="csv, json, jsonl or md.")]
Output = Annotated[Optional[str], typer.Option("--output", "-o", help="Write to this file ('-': stdout).")]
RawCsv = Annotated[bool, typer.Option("--raw-csv", help="Do not neutralise spreadsheet formulas in CSV cells.")]
IncludeRestricted = Annotated[bool, typer.Option("--include-restricted", help="Include restricted accounts.")]


@app.command()
@boundary
@with_filters
def export(
    flt: model.Filter,
    fmt: OutFormatOpt = OutFormat.csv,
    output: Output = None,
    raw_csv: RawCsv = False,
    include_restricted: IncludeRestricted = False,
) -> None:
    """Export accounts (the same filters as list). Restricted accounts are left out unless asked for.

    Example: casefile export --format json --org MEK -o mek.json
    """
    from casefile import exporters

    if raw_csv and fmt is OutFormat.csv:
        err("warning: --raw-csv: cells starting with = + - @ may run as formulas in a spreadsheet")
    flt.include_restricted = include_restricted
    store = open_store()
    with exporters.open_output(output) as out:
        if fmt.value in exporters.JSON_FORMATS:  # SQLite writes the JSON: same bytes, ~2x faster
            count = exporters.write_json_lines(fmt.value, store.query_json(flt), out)
        elif fmt is OutFormat.csv:  # the cells straight from SQLite: same bytes, no Account objects
            count = exporters.write_csv_cells(store.query_csv(flt), out, safe_csv=not raw_csv)
        else:
            count = exporters.write_accounts(fmt.value, store.query(flt), out, safe_csv=not raw_csv)
    if output not in (None, "-"):
        err(f"{count} account{'s' if count != 1 else ''} written to {output}")


@app.command()
@boundary
def template(
    fmt: Annotated[InFormat, typer.Argument(metavar="FORMAT", help="csv (a header) or json (an example record).")],
) -> None:
    """Print a CSV header or an example JSON record to start a spreadsheet or a script from.

    Example: casefile template csv > accounts.csv
    """
    import json

    if fmt is InFormat.csv:
        sys.stdout.write(",".join(model.CSV_COLUMNS) + "\r\n")
    else:
        sys.stdout.write(json.dumps([model.example_record()], ensure_ascii=False, indent=2) + "\n")
