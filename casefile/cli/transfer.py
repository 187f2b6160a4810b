"""Moving records in and out: import, export, template."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from casefile import errors, model, partkinds
from casefile.cli.common import (
    DayFirst,
    KeepUnparsed,
    MonthFirst,
    boundary,
    data_out,
    date_order,
    err,
    open_store,
    progress,
    protected,
    report_findings,
    report_new_organizations,
    settings,
    validator_for,
    with_filters,
)
from casefile.cli.orgchoices import NewOrg, org_choices, report_organizations
from casefile.errors import quote
from casefile.text import plural

if TYPE_CHECKING:
    from casefile import pipeline
    from casefile.store import Store

app = typer.Typer(rich_markup_mode=None)


class InFormat(str, Enum):
    csv = "csv"
    json = "json"
    jsonl = "jsonl"


class OutFormat(str, Enum):
    csv = "csv"
    json = "json"
    jsonl = "jsonl"
    md = "md"
    ftm = "ftm"
    warc = "warc"
    wacz = "wacz"


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
Rejects = Annotated[
    Optional[str],
    typer.Option("--rejects", metavar="FILE", help="With --skip-bad-rows: write the rejected rows here ('-': stdout)."),
]
DryRun = Annotated[bool, typer.Option("--dry-run", "-n", help="Check everything, write nothing.")]
Conflict = Annotated[
    OnConflict, typer.Option("--on-conflict", help="An existing id or external_id: update, skip, error.")
]
MaxErrors = Annotated[int, typer.Option("--max-errors", min=1, help="Stop listing problems after this many.")]
OrgMap = Annotated[
    Optional[str],
    typer.Option(
        "--org-map",
        metavar="FILE",
        help="CSV (name,organization) or JSON {name: organization}: what each new organisation name is ('new').",
    ),
]
IgnoreUnknown = Annotated[bool, typer.Option("--ignore-unknown", help="Ignore columns casefile does not know.")]
NoIndex = Annotated[
    bool,
    typer.Option(
        "--no-index",
        help="Leave the accounts out of the search index (a faster load); search refuses until `casefile reindex`.",
    ),
]


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
    new_org: NewOrg = None,
    org_map: OrgMap = None,
    no_index: NoIndex = False,
) -> None:
    """Import accounts; all of them in one transaction, or nothing if any is invalid.

    A new organisation whose name nearly matches a known one (a spelling, "X (MEK)", a gazetteer alias) is
    refused unless --new-org or --org-map says what it is; --dry-run lists each would-be new organisation.

    Example: casefile import accounts.csv --dry-run
    """
    from casefile import pipeline

    if rejects and not skip_bad_rows:
        raise errors.UsageError("--rejects needs --skip-bad-rows")
    if rejects and len(files) > 1:
        raise errors.UsageError("--rejects keeps the rejected rows of one input file; import the files one at a time")
    if rejects:
        from casefile.exporters import output

        output.check(rejects, protect=protected(inputs=tuple(files)))  # before the database is opened or created
    store = open_store(create=True)
    validator = validator_for(store, date_order(dayfirst, monthfirst), keep_unparsed_dates, ignore_unknown)
    plan = pipeline.ImportPlan(files, fmt.value if fmt else None, encoding, validator)
    orgs = org_choices(new_org, "map it in --org-map FILE (to {known} or new), or give --new-org to create it", org_map)
    with plan, _rejects_file(rejects, plan) as write_rejects:
        with progress("importing") as advance:
            result = pipeline.run(
                store,
                plan.items(),
                on_conflict=on_conflict.value,
                skip_bad=skip_bad_rows,
                dry_run=dry_run,
                max_errors=max_errors,
                progress=advance,
                finish=write_rejects,
                orgs=orgs,
                index=not no_index,
            )
    if not dry_run:
        report_findings(store)
    if no_index and not dry_run and store.index_out_of_date():
        err("the search index leaves these accounts out: search refuses until `casefile reindex`")
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
    for warning in c.warnings:
        err(f"warning: {warning}")
    report_new_organizations(c.new_organizations)
    report_organizations(result.organizations, dry_run=dry_run)
    summary = f"{c.added} added, {c.updated} updated, {c.unchanged} unchanged"
    if c.skipped:
        summary += f", {c.skipped} skipped"
    if c.sources_created or c.sources_reused:
        summary += f"; {plural(c.sources_created, 'source')} created, {c.sources_reused} reused"
    if result.rejected and not skip_bad:
        err(f"{summary} — not written: fix the records above and import again (nothing was written)")
        return errors.EXIT_DATA
    if skip_bad and result.rejected:
        summary += f", {len(result.rejected)} rejected"
        if rejects:
            summary += f" (written to {rejects})"
    err(summary + (" (dry run: nothing written)" if dry_run else ""))
    return errors.EXIT_REJECTED if result.rejected else errors.EXIT_OK


@contextmanager
def _rejects_file(
    path: Optional[str], plan: "pipeline.ImportPlan"
) -> Iterator[Optional[Callable[["pipeline.Result"], None]]]:
    """The ``--rejects`` file, created before anything is read (a path that cannot be written stops the import
    at once) and never the database or an input; filled by the import before it commits, in the input's format."""
    if path is None:
        yield None
        return
    from casefile import exporters, importers

    protect = protected(inputs=tuple(plan.files))
    source = plan.files[0]

    def write(result: "pipeline.Result") -> None:
        rows = [(importers.RawRow(i.line or 0, None, None, i.raw), i.problems) for i in result.rejected]
        importers.write_rejects(plan.formats[source], rows, out, plan.headers[source] or None)
        exporters.sync(out, path)  # on disk before the import commits

    with exporters.open_output(path, protect=protect) as out:
        yield write


OutFormatOpt = Annotated[
    Optional[OutFormat],
    typer.Option(
        "--format",
        "-f",
        help="csv, json, jsonl, md, ftm (FollowTheMoney entities for Aleph), warc or wacz (the captured pages); "
        "default: export_format in the config file, else csv.",
        show_default=False,
    ),
]
Output = Annotated[
    Optional[str], typer.Option("--output", "-o", metavar="FILE", help="Write to this file ('-': stdout).")
]
RawCsv = Annotated[
    bool,
    typer.Option("--raw-csv", help="Write cells as they are: no ' before formulas, no marked header (for programs)."),
]
IncludeRestricted = Annotated[bool, typer.Option("--include-restricted", help="Include restricted accounts.")]
Dataset = Annotated[
    Optional[str],
    typer.Option("--dataset", help="ftm: the dataset name every id is made under (snake_case; default: casefile)."),
]


class Part(str, Enum):
    events = "events"
    quotes = "quotes"
    sources = "sources"
    places = "places"
    people = "people"


TableOpt = Annotated[
    Optional[Part],
    typer.Option("--table", help="Export the events, quotes, source links, places or people as a CSV table."),
]
Redact = Annotated[
    Optional[list[str]], typer.Option("--redact", metavar="FIELD,...", help="Blank these fields (repeatable).")
]
Pseudonymise = Annotated[
    Optional[list[str]],
    typer.Option(
        "--pseudonymise",
        "--pseudonymize",
        metavar="FIELD,...",
        help="Replace these fields with stable pseudonyms (name takes aliases along); needs --pseudonym-key.",
    ),
]
PseudonymKey = Annotated[
    Optional[str],
    typer.Option("--pseudonym-key", metavar="PATH", help="Key file for --pseudonymise (keep it out of the export)."),
]
NewKey = Annotated[bool, typer.Option("--new-key", help="Create the --pseudonym-key file (32 random bytes, 0600).")]


@app.command()
@boundary
@with_filters
def export(
    flt: model.Filter,
    fmt: OutFormatOpt = None,
    output: Output = None,
    raw_csv: RawCsv = False,
    include_restricted: IncludeRestricted = False,
    table: TableOpt = None,
    dataset: Dataset = None,
    redact: Redact = None,
    pseudonymise: Pseudonymise = None,
    pseudonym_key: PseudonymKey = None,
    new_key: NewKey = False,
) -> None:
    """Export accounts (the same filters as list). Restricted accounts are left out unless asked for.

    Example: casefile export --format json --org MEK -o mek.json --redact summary --pseudonymise name
    --pseudonym-key ~/.casefile-pseudonyms.key
    """
    from casefile import exporters, privacy
    from casefile.exporters import output as outputs

    protect = protected(pseudonym_key=pseudonym_key)
    outputs.check(output, protect=protect)  # before a key is made or the database read
    fmt = fmt or _default_export_format()
    if fmt in (OutFormat.warc, OutFormat.wacz):
        from casefile.cli.evidence import export_web

        if table is not None or redact or pseudonymise or dataset is not None or raw_csv:
            raise errors.UsageError(
                f"--format {fmt.value} writes the captured pages as received: no --table, --redact, "
                "--pseudonymise, --dataset or --raw-csv"
            )
        flt.include_restricted = include_restricted
        export_web(open_store(), flt, output, protect, fmt.value)
        return
    if raw_csv and fmt is OutFormat.csv:
        err("warning: --raw-csv: cells starting with = + - @ may run as formulas in a spreadsheet")
    if table is not None and fmt is not OutFormat.csv:
        raise errors.UsageError("--table writes CSV; leave out --format or use --format csv")
    options = _ftm_options(fmt, dataset)
    shape = privacy.plan(redact or [], pseudonymise or [], pseudonym_key, new_key, protect=protected())
    flt.include_restricted = include_restricted
    store = open_store()
    if options:
        options["organizations"] = store.organizations()
    with exporters.open_output(output, protect=protect) as out:
        if table is not None:
            from casefile.exporters import tables

            parts = store.query(flt, nested=True)
            count = tables.write(
                table.value, shape(parts, store.source_citers) if shape else parts, data_out(out), safe_csv=not raw_csv
            )
        else:
            if shape is None and _sqlite_encodes(store, fmt):  # the same bytes, without building Accounts
                records = store.query_csv(flt) if fmt is OutFormat.csv else store.query_json(flt)
            else:
                accounts = store.query(flt, nested=fmt is not OutFormat.csv)
                records = shape(accounts, store.source_citers) if shape else accounts
                if fmt is OutFormat.ftm:  # the archived copies of each source, as Document entities
                    from casefile import evidence

                    records = evidence.with_captures(store, records, include_restricted=include_restricted)
            with progress("exporting") as advance:
                counted = records if advance is None else _counted(records, advance)
                count = exporters.write_accounts(fmt.value, counted, data_out(out), safe_csv=not raw_csv, **options)
    if output not in (None, "-"):
        what = "row" if table is not None else "account"
        err(f"{plural(count, what)} written to {output}")


PublishOut = Annotated[str, typer.Argument(metavar="OUT.db", help="The new file ('-': stdout).")]


class PublishFormat(str, Enum):
    sqlite = "sqlite"
    ftm = "ftm"


PublishFormatOpt = Annotated[
    PublishFormat,
    typer.Option(
        "--format", "-f", help="sqlite (a database for Datasette) or ftm (FollowTheMoney entities for OpenAleph)."
    ),
]


@app.command()
@boundary
def publish(
    out: PublishOut,
    fmt: PublishFormatOpt = PublishFormat.sqlite,
    dataset: Dataset = None,
    redact: Redact = None,
    pseudonymise: Pseudonymise = None,
    pseudonym_key: PseudonymKey = None,
    new_key: NewKey = False,
) -> None:
    """Write a new SQLite file holding only what may be shared, for Datasette or a colleague: accounts that are
    not restricted, deleted or merged away, their parts, the sources they cite, organisations and vocabulary
    labels; no audit log, no undo data, no old bytes. Publishing again leaves out what was restricted since.

    With --format ftm the same accounts go to a FollowTheMoney file for a team platform (OpenAleph), as
    `export --format ftm` writes them.

    Example: casefile publish shared.db --redact summary
    """
    import json
    from pathlib import Path

    from casefile import privacy, publishing
    from casefile.exporters import output as outputs

    protect = protected(pseudonym_key=pseudonym_key)
    outputs.check(out, protect=protect)  # before a key is made or the database read
    options = _ftm_options(OutFormat(fmt.value) if fmt is PublishFormat.ftm else OutFormat.csv, dataset)
    shape = privacy.plan(redact or [], pseudonymise or [], pseudonym_key, new_key, protect=protected())
    if fmt is PublishFormat.ftm:
        _publish_ftm(out, shape, options, protect)
        return
    meta = publishing.metadata_path(out) if out != "-" else None
    if meta is not None:
        outputs.check(meta, protect={**protect, out: "the published file"})
    with progress("publishing") as advance:
        result = publishing.publish(open_store(), out, shape=shape, protect=protect, advance=advance)
    if meta is not None:  # Datasette's descriptions, facets and canned queries: `datasette OUT.db -m META`
        with outputs.open_output(meta, protect=protect) as fh:
            json.dump(publishing.metadata(Path(out).stem), fh, ensure_ascii=False, indent=2)
            fh.write("\n")
    _report_published(result.accounts, out, result.left_out)
    if meta is not None:
        err(f"Datasette metadata written to {meta}: datasette {out} --immutable -m {meta} (or: casefile serve)")


def _publish_ftm(out: str, shape: Any, options: dict[str, Any], protect: dict[str, str]) -> None:
    """``publish --format ftm``: what a published file holds, as FtM entities (export's writer, export's ids)."""
    from casefile import exporters

    store = open_store()
    options["organizations"] = store.organizations()
    left = store.unpublished()
    with exporters.open_output(out, protect=protect) as fh:
        accounts = store.query(model.Filter(include_restricted=False), nested=True)  # not deleted, not restricted
        count = exporters.write_accounts(
            "ftm", shape(accounts, store.source_citers) if shape else accounts, data_out(fh), **options
        )
    _report_published(count, out, left)


def _report_published(count: int, out: str, left_out: dict[str, int]) -> None:
    """How many accounts were published, and what was left out: counts only, never record text."""
    left = ", ".join(f"{n} {reason}" for reason, n in left_out.items() if n)
    err(f"{count} account{'s' if count != 1 else ''} published to {out}")
    err(f"left out: {left or 'nothing'}")


@app.command()
@boundary
def serve(
    port: Annotated[int, typer.Option("--port", "-p", min=1, max=65535, help="Port to listen on.")] = 8001,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on; anything but this machine's own prints a warning.")
    ] = "127.0.0.1",
    sql: Annotated[bool, typer.Option("--sql", help="Let visitors run arbitrary SQL (on the published copy).")] = False,
) -> None:
    """Browse what may be shared in Datasette: publish to a private temporary file and serve it read-only on
    this machine (the working database is never served). Ctrl-C stops and removes the temporary file.

    Example: casefile serve --port 8001
    """
    from casefile import serving

    serving.require_datasette()
    raise typer.Exit(serving.serve(open_store(), host=host, port=port, sql=sql, say=err))


def _counted(records: Any, advance: Any) -> Any:
    """``records`` as they pass, each counted on the progress display."""
    for record in records:
        advance(1)
        yield record


def _sqlite_encodes(store: "Store", fmt: OutFormat) -> bool:
    """Whether SQLite can encode this export's accounts (CSV cells, JSON lines) for the exporter (E1, E2)."""
    if fmt is OutFormat.csv:
        return True
    return fmt in (OutFormat.json, OutFormat.jsonl) and store.writes_json()


def _ftm_options(fmt: OutFormat, dataset: Optional[str]) -> dict[str, Any]:
    """What ``--format ftm`` needs, checked before anything is read or written; nothing for other formats."""
    if fmt is not OutFormat.ftm:
        if dataset is not None:
            raise errors.UsageError("--dataset names the FollowTheMoney dataset; use it with --format ftm")
        return {}
    from casefile.exporters import ftm

    options: dict[str, Any] = {
        "dataset": ftm.check_dataset(ftm.DEFAULT_DATASET if dataset is None else dataset),
        "warn": err,
    }
    ftm.require_library()
    return options


def _default_export_format() -> OutFormat:
    resolved = settings().resolve("export_format")
    formats = [f for f in OutFormat if f not in (OutFormat.warc, OutFormat.wacz)]  # asked for, never a default
    if resolved.value not in [f.value for f in formats]:
        known = ", ".join(f.value for f in formats)
        raise resolved.error(f"unknown export format {quote(resolved.value)}; use one of {known}")
    return OutFormat(resolved.value)


@app.command()
@boundary
def template(
    fmt: Annotated[
        InFormat,
        typer.Argument(
            metavar="FORMAT",
            help="csv (a header), json (an example record with its parts, in a list), jsonl (one line).",
        ),
    ],
) -> None:
    """Print a CSV header, or an example record as JSON or JSON lines, to start a spreadsheet or a script from.

    Example: casefile template csv > accounts.csv
    """
    import json

    if fmt is InFormat.csv:
        data_out().write(",".join(model.TEMPLATE_COLUMNS) + "\r\n")
    elif fmt is InFormat.jsonl:
        data_out().write(json.dumps(partkinds.example_record_with_parts(), ensure_ascii=False) + "\n")
    else:
        data_out().write(json.dumps([partkinds.example_record_with_parts()], ensure_ascii=False, indent=2) + "\n")
