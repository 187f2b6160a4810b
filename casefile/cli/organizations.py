"""Organisations and the names they are known by: `casefile org ...`."""

from typing import Annotated, Any, Optional

import typer

from casefile.cli.common import (
    ReadFormat,
    boundary,
    open_store,
)
from casefile.text import plural

org_app = typer.Typer(
    rich_markup_mode=None,
    help="Organisations and the names they are known by.\n\nExample: casefile org add MEK --alias PMOI",
    no_args_is_help=True,
)

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
    from casefile import organizing

    store = open_store(create=True)
    organizing.add_organization(store, name, aliases=alias or [], type_=org_type, country=country, notes=notes)
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
    from casefile import organizing

    canonical = organizing.add_aliases(open_store(), name, aliases)
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
    from casefile import organizing

    _emit(
        [organizing.organization(open_store(), name)],
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
    from casefile import organizing

    added, names = organizing.import_organizations(open_store(create=True), file)
    typer.echo(f"{plural(added, 'organisation')} added, {plural(names, 'name')} added", err=True)
