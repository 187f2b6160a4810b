"""How a command decides about an organisation name that nearly matches a known one: ``--new-org``, the
``new_org`` setting, ``import --org-map``, or a question on a terminal (issue 18). Shared by add, edit, import."""

from typing import TYPE_CHECKING, Annotated, Optional

import typer

from casefile.cli.common import err, settings, stdin_is_terminal

if TYPE_CHECKING:
    from casefile.pipeline import NewOrganization, OrgChoices
    from casefile.store import Store

NewOrg = Annotated[
    Optional[bool],
    typer.Option(
        "--new-org",
        help="Create an organisation that nearly matches a known one (default: refused, or asked on a terminal).",
        show_default=False,
    ),
]


def org_choices(new_org: Optional[bool], hint: str, org_map: Optional[str] = None) -> "OrgChoices":
    """The choices of this run: ``--new-org`` (or the ``new_org`` setting), the ``--org-map`` file's entries."""
    from casefile import organizing, pipeline

    create = bool(settings().get("new_org", ("--new-org", True if new_org else None)))
    mapping = organizing.read_org_map(org_map) if org_map else {}
    return pipeline.OrgChoices(new_org=create, org_map=mapping, hint=hint)


def ask_organization(store: "Store", name: str, choices: "OrgChoices", no_input: bool) -> str:
    """On a terminal, ask whether a name that nearly matches known organisations is one of them or a new one;
    returns the name to use. Elsewhere (or with --new-org, --no-input) the name is returned as given."""
    from casefile import organizing
    from casefile.errors import UsageError, quote

    if choices.new_org or no_input or not stdin_is_terminal():
        return name
    near = organizing.near_organizations(store, name)[:5]
    if not near:
        return name
    err(f"{quote(name)} is no known organisation; it nearly matches:")
    for number, found in enumerate(near, 1):
        err(f"  {number}) link to {quote(found.name)}: {found.why}")
    err(f"  n) create a new organisation {quote(name)}")
    answer = typer.prompt("Which one", default="1", err=True).strip().lower()
    if answer == "n":
        choices.new_org = True
        return name
    if answer.isdigit() and 1 <= int(answer) <= len(near):
        return near[int(answer) - 1].name
    raise UsageError(f"answer a number from 1 to {len(near)}, or n; nothing was written")


def report_organizations(found: list["NewOrganization"], *, dry_run: bool) -> None:
    """An import's would-be new organisations, each with the nearest known name and its score (stderr): in a
    dry run, and whenever one was refused."""
    from casefile.errors import quote

    if not found or not (dry_run or any(o.outcome == "refused" for o in found)):
        return
    err(f"new organisations ({'this dry run' if dry_run else 'this import'}), each ~ the nearest known one:")
    for o in found:
        nearest = f"{quote(o.nearest)} {o.score:g} ({o.why})" if o.nearest is not None and o.score else "nothing known"
        err(f"  {quote(o.name)} ~ {nearest}: {o.outcome}, {o.rows} {'row' if o.rows == 1 else 'rows'}")
