"""The ``casefile`` command: a thin Typer layer over the core modules.

Each command module holds one group of commands; this module wires them together and owns the global
options. Heavy imports happen inside the commands (see ARCHITECTURE.md, "lazy imports").
"""

import signal
from typing import Annotated, Optional

import typer

from casefile.cli import fastparams, records, transfer
from casefile.cli.common import state

fastparams.install()

app = typer.Typer(
    name="casefile",
    help="A case-file manager for defection accounts: testimonies of people who left an armed group, "
    "a cult-like movement or a regime.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    add_completion=True,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"casefile {version('casefile')}")
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
    no_color: Annotated[bool, typer.Option("--no-color", help="No colour (NO_COLOR and TERM=dumb work too).")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    state.db = db
    state.no_color = no_color
    state.debug = debug


for module in (records, transfer):
    app.registered_commands.extend(module.app.registered_commands)


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """Console-script entry point: SIGTERM is treated like Ctrl-C (roll back, exit 130)."""
    signal.signal(signal.SIGTERM, _terminate)
    app()
