"""Shared sources (articles, letters, interviews) and their links to accounts: `casefile source ...`."""

from typing import Annotated, Any, Optional

import typer

from casefile.cli.common import (
    DayFirst,
    KeepUnparsed,
    MonthFirst,
    ReadFormat,
    boundary,
    data_out,
    date_order,
    named_as_typed,
    open_store,
    validator_for,
)

source_app = typer.Typer(
    rich_markup_mode=None,
    help="Shared sources (articles, letters, interviews) and their grading.\n\nExample: casefile source list",
    no_args_is_help=True,
)

AccountId = Annotated[str, typer.Argument(metavar="ID", help="An account id, a unique prefix, or an external id.")]
Format = Annotated[ReadFormat, typer.Option("--format", "-f", help="table (plain rows when piped), json, jsonl, csv.")]


def _emit(rows: list[dict[str, Any]], fmt: ReadFormat, columns: list[str], title: str) -> None:
    from casefile.cli.output import emit_rows

    emit_rows(rows, fmt.value, columns, title)


# ------------------------------------------------------------------------------------------------ sources

PublisherType = Annotated[Optional[str], typer.Option("--publisher-type", help="news_media, advocacy_ngo, …")]
Stance = Annotated[Optional[str], typer.Option("--stance", help="adversarial, aligned, independent, unknown.")]
Role = Annotated[str, typer.Option("--role", help="primary, corroborating or contradicting.")]
Publisher = Annotated[Optional[str], typer.Option("--publisher", help="Publisher.")]
SourceDate = Annotated[Optional[str], typer.Option("--date", help="Publication date (fuzzy).")]
Language = Annotated[Optional[str], typer.Option("--language", help="ISO 639 code.")]
Locator = Annotated[Optional[str], typer.Option("--locator", help="Where in the source: page, paragraph.")]
Reliability = Annotated[Optional[str], typer.Option("--reliability", help="Admiralty source reliability A–F.")]
Credibility = Annotated[Optional[str], typer.Option("--credibility", help="Admiralty information credibility 1–6.")]


#: The option each field of ``source add`` / ``source edit`` is typed as: their errors name it.
_TYPED = {
    name: "--" + name.replace("_", "-")
    for name in ("title", "url", "publisher", "publisher_type", "stance", "date", "language")
}


@source_app.command("add")
@boundary
def source_add(
    title: Annotated[Optional[str], typer.Option("--title", help="Title.")] = None,
    url: Annotated[Optional[str], typer.Option("--url", help="Address; one URL is one source.")] = None,
    publisher: Publisher = None,
    publisher_type: PublisherType = None,
    stance: Stance = None,
    date: SourceDate = None,
    language: Language = None,
    dayfirst: DayFirst = False,
    monthfirst: MonthFirst = False,
    keep_unparsed_dates: KeepUnparsed = False,
) -> None:
    """Add a shared source; prints its id. Link it to accounts with `casefile source link`.

    Example: casefile source add --title "Former member speaks" --publisher "Nejat Society"
    """
    from casefile import sourcing

    given = {
        "title": title,
        "url": url,
        "publisher": publisher,
        "publisher_type": publisher_type,
        "stance": stance,
        "date": date,
        "language": language,
    }
    store = open_store(create=True)
    validator = validator_for(store, date_order(dayfirst, monthfirst), keep_unparsed_dates)
    with named_as_typed(_TYPED):
        source_id = sourcing.add_source(store, {k: v for k, v in given.items() if v is not None}, validator)
    data_out().write(source_id + "\n")


@source_app.command("link")
@boundary
def source_link(
    account_id: AccountId,
    source_id: Annotated[str, typer.Argument(metavar="SOURCE", help="A source id or a unique prefix.")],
    role: Role = "corroborating",
    locator: Locator = None,
    reliability: Reliability = None,
    credibility: Credibility = None,
) -> None:
    """Link a source to an account with its role, locator and Admiralty grades (for this account).

    Example: casefile source link 3f9a 7c21 --role corroborating --reliability C --credibility 2
    """
    from casefile import sourcing

    link = {"role": role, "locator": locator, "reliability": reliability, "credibility": credibility}
    sourcing.link_source(open_store(), account_id, source_id, link)
    typer.echo("linked", err=True)


@source_app.command("list")
@boundary
def source_list(fmt: Format = ReadFormat.table) -> None:
    """List shared sources and how many accounts cite each.

    Example: casefile source list
    """
    rows = open_store().sources()
    for row in rows:
        row["accounts"] = len(row["accounts"])
    _emit(rows, fmt, ["id", "title", "publisher", "publisher_type", "stance", "date", "accounts"], "sources")


@source_app.command("show")
@boundary
def source_show(source_id: Annotated[str, typer.Argument(metavar="SOURCE")], fmt: Format = ReadFormat.table) -> None:
    """Show one source, the accounts that cite it with their grades, and its captures with their custody logs.

    Example: casefile source show 7c21
    """
    from casefile.cli.evidence import show_evidence

    store = open_store()
    row = store.sources(store.resolve_source_id(source_id))[0]
    if fmt is not ReadFormat.table:
        row["captures"] = show_evidence(store, row["id"], fmt)
    _emit(
        [row],
        fmt,
        ["id", "title", "url", "publisher", "publisher_type", "stance", "date", "language", "accounts"],
        "source",
    )
    if fmt is ReadFormat.table:
        show_evidence(store, row["id"], fmt)


SourceRef = Annotated[str, typer.Argument(metavar="SOURCE", help="A source id or a unique prefix.")]


@source_app.command("edit")
@boundary
def source_edit(
    source_id: SourceRef,
    title: Annotated[Optional[str], typer.Option("--title", help="Title ('' clears it).")] = None,
    url: Annotated[Optional[str], typer.Option("--url", help="Address ('' clears it).")] = None,
    publisher: Publisher = None,
    publisher_type: PublisherType = None,
    stance: Stance = None,
    date: SourceDate = None,
    language: Language = None,
    dayfirst: DayFirst = False,
    monthfirst: MonthFirst = False,
    keep_unparsed_dates: KeepUnparsed = False,
) -> None:
    """Change a shared source for every account that cites it (their flat source columns follow); undo with
    `casefile undo`.

    Example: casefile source edit 7c21 --title "Former member speaks" --publisher-type advocacy_ngo
    """
    from casefile import sourcing

    given = {
        "title": title,
        "url": url,
        "publisher": publisher,
        "publisher_type": publisher_type,
        "stance": stance,
        "date": date,
        "language": language,
    }
    store = open_store()
    validator = validator_for(store, date_order(dayfirst, monthfirst), keep_unparsed_dates)
    with named_as_typed(_TYPED):
        changed = sourcing.edit_source(store, source_id, {k: v for k, v in given.items() if v is not None}, validator)
    typer.echo("changed" if changed else "unchanged: the source has these values already", err=True)


@source_app.command("merge")
@boundary
def source_merge(keep_id: SourceRef, other_id: SourceRef) -> None:
    """Make OTHER part of KEEP (one article entered twice): its links, grades and citations move to KEEP, the
    values KEEP lacks come from OTHER, and OTHER is removed. Where both differ KEEP's value stays; the fields
    are named, never their values. Undo with `casefile undo`.

    Example: casefile source merge 7c21 9d04
    """
    from casefile import sourcing
    from casefile.cli.common import err

    for name in sourcing.merge_sources(open_store(), keep_id, other_id):
        err(f"conflict: {name}: KEEP's value kept (`casefile source edit` changes it)")
    err("merged")


@source_app.command("unlink")
@boundary
def source_unlink(account_id: AccountId, source_id: SourceRef) -> None:
    """Remove an account's link to a source; the source stays. Unlinking the primary source empties the
    account's flat source columns. Undo with `casefile undo`.

    Example: casefile source unlink 3f9a 7c21
    """
    from casefile import sourcing

    sourcing.unlink_source(open_store(), account_id, source_id)
    typer.echo("unlinked", err=True)


@source_app.command("delete")
@boundary
def source_delete(
    source_id: SourceRef,
    unlink: Annotated[
        bool, typer.Option("--unlink", help="Also remove every account's link to it (refused without, while linked).")
    ] = False,
) -> None:
    """Delete a source nobody cites (with --unlink: remove its links and citations first; events and quotes keep
    their text). Undo with `casefile undo`.

    Example: casefile source delete 7c21 --unlink
    """
    from casefile import sourcing
    from casefile.cli.common import err
    from casefile.text import plural

    links = sourcing.delete_source(open_store(), source_id, unlink=unlink)
    err("deleted" + (f"; unlinked from {plural(links, 'account')}" if links else ""))
