"""The research record around accounts: organisations, shared sources, timeline events, quotes, vocabularies."""

import sys
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
    read_id,
    validator_for,
    with_filters,
)
from casefile.cli.usage import VocabularyGroup
from casefile.text import plural

org_app = typer.Typer(
    rich_markup_mode=None,
    help="Organisations and the names they are known by.\n\nExample: casefile org add MEK --alias PMOI",
    no_args_is_help=True,
)

source_app = typer.Typer(
    rich_markup_mode=None,
    help="Shared sources (articles, letters, interviews) and their grading.\n\nExample: casefile source list",
    no_args_is_help=True,
)
event_app = typer.Typer(
    rich_markup_mode=None,
    help="Timeline events of an account.\n\nExample: casefile event add 3f9a --type left --date 2016",
    no_args_is_help=True,
)
quote_app = typer.Typer(
    rich_markup_mode=None,
    help="Verbatim quotes, kept apart from the researcher's coding.\n\n"
    'Example: casefile quote add 3f9a --text "I could not see any future"',
    no_args_is_help=True,
)
vocab_app = typer.Typer(
    rich_markup_mode=None,
    cls=VocabularyGroup,
    help="Controlled vocabularies: list codes, add your own.\n\nExample: casefile vocab allegation",
    invoke_without_command=True,
)
app = typer.Typer(rich_markup_mode=None)

AccountId = Annotated[str, typer.Argument(metavar="ID", help="An account id, a unique prefix, or an external id.")]
Format = Annotated[ReadFormat, typer.Option("--format", "-f", help="table (plain rows when piped), json, jsonl, csv.")]


def _emit(rows: list[dict[str, Any]], fmt: ReadFormat, columns: list[str], title: str) -> None:
    from casefile.cli.output import emit_rows

    emit_rows(rows, fmt.value, columns, title)


# ---------------------------------------------------------------------------------------- organisations

Aliases = Annotated[
    Optional[list[str]],
    typer.Option("--alias", help="Another name or acronym; repeat --alias for each (--alias PMOI --alias NLA)."),
]
OrgType = Annotated[
    Optional[str], typer.Option("--type", help="armed_group, cultic_movement, … (`casefile vocab org_type`).")
]
Country = Annotated[Optional[str], typer.Option("--country", help="Country (ISO 3166 code).")]
Notes = Annotated[Optional[str], typer.Option("--notes", help="Notes on the organisation.")]


@org_app.command("add")
@boundary
def org_add(
    name: Annotated[str, typer.Argument(help="The organisation's canonical name.")],
    alias: Aliases = None,
    org_type: OrgType = None,
    country: Country = None,
    notes: Notes = None,
) -> None:
    """Add an organisation with its aliases; names match case- and diacritics-insensitively.

    Example: casefile org add "Mujahedin-e Khalq" --alias MEK --alias MKO --alias PMOI --type political_movement
    """
    from casefile import research

    store = open_store(create=True)
    research.add_organization(store, name, aliases=alias or [], type_=org_type, country=country, notes=notes)
    typer.echo(f"added organisation {name!r}", err=True)


@org_app.command("alias")
@boundary
def org_alias(
    name: Annotated[str, typer.Argument(help="Any name of the organisation.")],
    aliases: Annotated[list[str], typer.Argument(metavar="ALIAS...", help="Names to add.")],
) -> None:
    """Give an organisation more names.

    Example: casefile org alias MEK "People's Mojahedin Organization of Iran"
    """
    from casefile import research

    canonical = research.add_aliases(open_store(), name, aliases)
    typer.echo(f"{plural(len(aliases), 'name')} added to {canonical!r}", err=True)


@org_app.command("list")
@boundary
def org_list(fmt: Format = ReadFormat.table) -> None:
    """List organisations with their aliases and number of accounts.

    Example: casefile org list --format json
    """
    rows = open_store().organizations()
    _emit(rows, fmt, ["name", "aliases", "type", "country", "accounts"], "organisations")


@org_app.command("show")
@boundary
def org_show(name: Annotated[str, typer.Argument(help="Any name or alias.")], fmt: Format = ReadFormat.table) -> None:
    """Show one organisation (any of its names works).

    Example: casefile org show PMOI
    """
    from casefile import research

    _emit(
        [research.organization(open_store(), name)],
        fmt,
        ["name", "aliases", "type", "country", "notes", "accounts"],
        "organisation",
    )


@org_app.command("import")
@boundary
def org_import(
    file: Annotated[str, typer.Argument(help="JSON list of {name, aliases, type, country, notes}; '-': stdin.")],
) -> None:
    """Add organisations from a JSON file; known ones get any new aliases (idempotent, one transaction).

    Example: casefile org import data/organizations.json
    """
    from casefile import research

    added, names = research.import_organizations(open_store(create=True), file)
    typer.echo(f"{plural(added, 'organisation')} added, {plural(names, 'name')} added", err=True)


# ------------------------------------------------------------------------------------------------ sources

PublisherType = Annotated[Optional[str], typer.Option("--publisher-type", help="news_media, advocacy_ngo, …")]
Stance = Annotated[Optional[str], typer.Option("--stance", help="adversarial, aligned, independent, unknown.")]
Role = Annotated[str, typer.Option("--role", help="primary, corroborating or contradicting.")]
Locator = Annotated[Optional[str], typer.Option("--locator", help="Where in the source: page, paragraph.")]
Reliability = Annotated[Optional[str], typer.Option("--reliability", help="Admiralty source reliability A–F.")]
Credibility = Annotated[Optional[str], typer.Option("--credibility", help="Admiralty information credibility 1–6.")]


@source_app.command("add")
@boundary
def source_add(
    title: Annotated[Optional[str], typer.Option("--title", help="Title.")] = None,
    url: Annotated[Optional[str], typer.Option("--url", help="Address; one URL is one source.")] = None,
    publisher: Annotated[Optional[str], typer.Option("--publisher", help="Publisher.")] = None,
    publisher_type: PublisherType = None,
    stance: Stance = None,
    date: Annotated[Optional[str], typer.Option("--date", help="Publication date (fuzzy).")] = None,
    language: Annotated[Optional[str], typer.Option("--language", help="ISO 639 code.")] = None,
) -> None:
    """Add a shared source; prints its id. Link it to accounts with `casefile source link`.

    Example: casefile source add --title "Former member speaks" --publisher "Nejat Society"
    """
    from casefile import research

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
    data_out().write(research.add_source(store, {k: v for k, v in given.items() if v is not None}) + "\n")


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
    from casefile import research

    link = {"role": role, "locator": locator, "reliability": reliability, "credibility": credibility}
    research.link_source(open_store(), account_id, source_id, link)
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
    """Show one source and the accounts that cite it, with their grades.

    Example: casefile source show 7c21
    """
    store = open_store()
    row = store.sources(store.resolve_source_id(source_id))[0]
    _emit(
        [row],
        fmt,
        ["id", "title", "url", "publisher", "publisher_type", "stance", "date", "language", "accounts"],
        "source",
    )


# ------------------------------------------------------------------------------------------- events, quotes

EventType = Annotated[str, typer.Option("--type", help="captured, recruited, left, … (`casefile vocab event_type`).")]
DateOpt = Annotated[Optional[str], typer.Option("--date", help="When (fuzzy; the text is kept as written).")]
Correct = Annotated[Optional[str], typer.Option("--correct", help="What the date means when it is written wrongly.")]
NoteOpt = Annotated[Optional[str], typer.Option("--note", help="Why the date reads so (e.g. a correction's reason).")]
SourceRef = Annotated[Optional[str], typer.Option("--source", help="Id (or prefix) of the source it comes from.")]


@event_app.command("add")
@boundary
def event_add(
    account_id: AccountId,
    event_type: EventType,
    date: DateOpt = None,
    correct: Correct = None,
    note: NoteOpt = None,
    place: Annotated[Optional[str], typer.Option("--place", help="Where.")] = None,
    description: Annotated[Optional[str], typer.Option("--description", help="What happened.")] = None,
    source: SourceRef = None,
    dayfirst: DayFirst = False,
    monthfirst: MonthFirst = False,
    keep_unparsed_dates: KeepUnparsed = False,
) -> None:
    """Add a timeline event to an account; a written date can be corrected, keeping both.

    Example: casefile event add 3f9a --type captured --date 1886 --correct 1986 --note "typo in the source"
    """
    from casefile import research

    store = open_store()
    entry = {
        "type": event_type,
        "date": date,
        "date_corrected": correct,
        "date_note": note,
        "place": place,
        "description": description,
        "source": source,
    }
    validator = validator_for(store, date_order(dayfirst, monthfirst), keep_unparsed_dates)
    typed = {"type": "--type", "date": "--date", "date_corrected": "--correct", "date_note": "--note"}
    with named_as_typed({**typed, "place": "--place", "description": "--description", "source": "--source"}):
        research.append_part(store, validator, account_id, "events", entry)
    typer.echo("event added", err=True)


@quote_app.command("add")
@boundary
def quote_add(
    account_id: AccountId,
    text: Annotated[
        str,
        typer.Option("--text", help="The exact words; '-' reads them from stdin (keeps them out of shell history)."),
    ],
    speaker: Annotated[Optional[str], typer.Option("--speaker", help="Who said or wrote them.")] = None,
    source: SourceRef = None,
    locator: Locator = None,
    language: Annotated[Optional[str], typer.Option("--language", help="ISO 639 code of the text.")] = None,
    translation: Annotated[Optional[str], typer.Option("--translation", help="A translation.")] = None,
) -> None:
    """Add a verbatim quote to an account.

    Example: echo "I could not see any future" | casefile quote add 3f9a --text - --speaker "the defector"
    """
    from casefile import research

    if text == "-":
        text = sys.stdin.read().rstrip("\n")
    store = open_store()
    entry = {
        "text": text,
        "speaker": speaker,
        "source": source,
        "locator": locator,
        "language": language,
        "translation": translation,
    }
    research.append_part(store, validator_for(store, None, False), account_id, "quotes", entry)
    typer.echo("quote added", err=True)


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
