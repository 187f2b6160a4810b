"""Organisations and the names they are known by: `casefile org ...`."""

from typing import Annotated, Any, Optional

import typer

from casefile.cli.common import (
    ReadFormat,
    boundary,
    err,
    open_store,
)
from casefile.cli.orgchoices import NewOrg, org_choices
from casefile.errors import quote
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
Founded = Annotated[
    Optional[str],
    typer.Option("--founded", help="When it was founded, as written (1965, 'September 1965'); `check` uses it."),
]


@org_app.command("add")
@boundary
def org_add(
    name: Annotated[str, typer.Argument(help="The organisation's canonical name.")],
    alias: Aliases = None,
    org_type: OrgType = None,
    country: Country = None,
    notes: Notes = None,
    new_org: NewOrg = None,
    founded: Founded = None,
) -> None:
    """Add an organisation with its aliases; names match case- and diacritics-insensitively. A name that
    nearly matches a known organisation (a spelling, a gazetteer alias) is refused unless --new-org.

    Example: casefile org add "Mujahedin-e Khalq" --alias MEK --alias MKO --alias PMOI --type political_movement
    """
    from casefile import organizing

    store = open_store(create=True)
    create = org_choices(new_org, "").new_org
    organizing.add_organization(
        store, name, aliases=alias or [], type_=org_type, country=country, notes=notes, new_org=create, founded=founded
    )
    typer.echo(f"added organisation {name!r}", err=True)


@org_app.command("edit")
@boundary
def org_edit(
    name: Annotated[str, typer.Argument(help="Any name of the organisation.")],
    org_type: OrgType = None,
    country: Country = None,
    notes: Notes = None,
    founded: Founded = None,
) -> None:
    """Change an organisation's details; an empty value ('') clears one (audited; `casefile undo` takes it back).

    Example: casefile org edit MEK --founded 1965
    """
    from casefile import organizing

    given = {"type": org_type, "country": country, "notes": notes, "founded": founded}
    done = organizing.edit_organization(open_store(), name, {k: v for k, v in given.items() if v is not None})
    err(f"changed the organisation {quote(done)} (`casefile undo` takes it back)")


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

    done = organizing.add_aliases(open_store(), name, aliases)
    for other, moved in done.merged:
        err(f"merged the organisation {quote(other)} ({plural(moved, 'account')}) into {quote(done.name)}")
    added = len(aliases) - len(done.merged)
    if added:
        err(f"{plural(added, 'name')} added to {quote(done.name)}")
    err("`casefile undo` takes it back")


@org_app.command("rename")
@boundary
def org_rename(
    old: Annotated[str, typer.Argument(help="Any name of the organisation.")],
    new: Annotated[str, typer.Argument(help="Its new name (one of its aliases swaps places with the name).")],
) -> None:
    """Rename an organisation; its accounts follow (audited; `casefile undo` takes it back).

    Example: casefile org rename DPRK "North Korea"
    """
    from casefile import organizing

    was, moved = organizing.rename(open_store(), old, new)
    err(f"renamed {quote(was)} to {quote(new.strip())} ({plural(moved, 'account')} moved)")


@org_app.command("merge")
@boundary
def org_merge(
    keep: Annotated[str, typer.Argument(help="The organisation to keep (any of its names).")],
    other: Annotated[str, typer.Argument(help="The organisation to merge into it; its names become aliases.")],
) -> None:
    """Make two organisations one: OTHER's accounts move to KEEP, its name and aliases become KEEP's aliases.

    Example: casefile org merge MEK MKO
    """
    from casefile import organizing

    kept, gone, moved = organizing.merge(open_store(), keep, other)
    err(f"merged {quote(gone)} into {quote(kept)} ({plural(moved, 'account')} moved; `casefile undo` takes it back)")


@org_app.command("unalias")
@boundary
def org_unalias(
    name: Annotated[str, typer.Argument(help="Any name of the organisation.")],
    alias: Annotated[str, typer.Argument(help="The alias to take away.")],
) -> None:
    """Take an alias away from an organisation.

    Example: casefile org unalias MEK NLA
    """
    from casefile import organizing

    err(f"{quote(alias)} is no longer a name of {quote(organizing.unalias(open_store(), name, alias))}")


@org_app.command("delete")
@boundary
def org_delete(name: Annotated[str, typer.Argument(help="Any name of the organisation.")]) -> None:
    """Delete an organisation that no account names (refused while any does, naming how many).

    Example: casefile org delete "Typo Front"
    """
    from casefile import organizing

    err(f"deleted the organisation {quote(organizing.delete(open_store(), name))} (`casefile undo` takes it back)")


@org_app.command("list")
@boundary
def org_list(fmt: Format = ReadFormat.table) -> None:
    """List organisations with their aliases and number of accounts.

    Example: casefile org list --format json
    """
    rows = open_store().organizations()
    _emit(rows, fmt, ["name", "aliases", "type", "country", "founded", "accounts"], "organisations")


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
        ["name", "aliases", "type", "country", "founded", "notes", "accounts"],
        "organisation",
    )


@org_app.command("import")
@boundary
def org_import(
    file: Annotated[
        str, typer.Argument(help="JSON list of {name, aliases, type, country, notes, founded}; '-': stdin.")
    ],
    new_org: NewOrg = None,
) -> None:
    """Add organisations from a JSON file; known ones get any new aliases (idempotent, one transaction).

    Example: casefile org import data/organizations.json
    """
    from casefile import organizing

    added, names = organizing.import_organizations(open_store(create=True), file, org_choices(new_org, "").new_org)
    typer.echo(f"{plural(added, 'organisation')} added, {plural(names, 'name')} added", err=True)
