"""The ``casefile`` command: a thin Typer layer over the core modules.

Each command module holds one group of commands; this module wires them together and owns the global
options. Heavy imports happen inside the commands (see ARCHITECTURE.md, "lazy imports").
"""

import sys
from typing import Annotated, Optional

import typer

from casefile import partkinds
from casefile.cli import (
    analysis,
    config,
    correcting,
    editing,
    evidence,
    fastparams,
    ingest,
    organizations,
    parts,
    records,
    research,
    sources,
    transfer,
    usage,
)
from casefile.cli.common import _silence_stdout, state

fastparams.install()

app = typer.Typer(
    rich_markup_mode=None,
    name="casefile",
    help="A case-file manager for defection accounts: testimonies of people who left an armed group, "
    "a cult-like movement or a regime.\n\n"
    "Example: casefile init && casefile import data/accounts.json && casefile list --org MEK",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    add_completion=True,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        try:
            sys.stdout.write(f"casefile {version('casefile')}\n")
            sys.stdout.flush()
        except BrokenPipeError:
            _silence_stdout()
        raise typer.Exit()


@app.callback()
def _global(
    db: Annotated[
        Optional[str],
        typer.Option(
            "--db",
            help="Database file (default: $CASEFILE_DB, then $XDG_DATA_HOME/casefile/casefile.db).",
            show_default=False,
        ),
    ] = None,
    key_file: Annotated[
        Optional[str],
        typer.Option(
            "--key-file",
            metavar="PATH",
            help="Key of an encrypted database, read from this file (or set CASEFILE_KEY, or type it when asked).",
            show_default=False,
        ),
    ] = None,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colour (NO_COLOR and TERM=dumb work too).")] = False,
    no_pager: Annotated[bool, typer.Option("--no-pager", help='Never page long output (config: pager = "").')] = False,
    actor: Annotated[
        Optional[str],
        typer.Option(
            "--actor",
            help="Your name in the audit log (default: $CASEFILE_ACTOR, then the config's actor, then your login).",
            show_default=False,
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress display for long jobs.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    from casefile import terminal

    terminal.ignore_bogus_size()  # before anything measures the terminal
    state.db = db
    state.key_file = key_file
    state.no_color = no_color
    state.no_pager = no_pager
    state.debug = debug
    state.quiet = quiet
    state.settings = None
    state.actor = actor


for module in (records, transfer, research, analysis, editing, evidence, ingest):
    app.registered_commands.extend(module.app.registered_commands)
app.add_typer(organizations.org_app, name="org")
evidence.register(sources.source_app)  # source capture, source attach
app.add_typer(sources.source_app, name="source")
for kind in partkinds.PART_KINDS.values():  # event, quote, …: list/edit/remove made from the registry
    part_app = parts.PART_APPS.get(kind.name) or typer.Typer(
        rich_markup_mode=None,
        help=f"The {(kind.coded or kind.part).replace('_', ' ')} of accounts, one by one, by id.\n\n"
        f"Example: casefile {kind.name} list 3f9a",
        no_args_is_help=True,
    )
    correcting.add_part_commands(part_app, kind)
    app.add_typer(part_app, name=kind.name)
app.add_typer(research.vocab_app, name="vocab")
app.add_typer(config.app, name="config")
usage.install(app)  # parser errors count stray arguments and quote typed values short


def main() -> None:
    """Console-script entry point: SIGTERM and SIGHUP are treated like Ctrl-C (roll back, exit 130), and output
    still buffered when the reader has gone (``casefile list | head -1``) is dropped quietly, not a traceback."""
    from casefile import interrupts

    interrupts.install()  # done already when started as `casefile` (casefile.main); not when called directly
    interrupts.hold_after_saving = True
    try:
        app()
    except SystemExit:
        _flush_stdout()
        raise


def _flush_stdout() -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
