"""casefile config path|show: where the config file is, and what each setting is and why."""

import typer

from casefile import config
from casefile.cli.common import boundary, data_out, pager_flag, settings, state

app = typer.Typer(
    rich_markup_mode=None,
    help="The config file ($XDG_CONFIG_HOME/casefile/config.toml) and the settings in effect.\n\n"
    "Example: casefile config show",
    no_args_is_help=True,
)


@app.command()
@boundary
def path() -> None:
    """Print the config file's path (it need not exist yet; $CASEFILE_CONFIG names another).

    Example: $EDITOR "$(casefile config path)"
    """
    data_out().write(f"{config.config_path()}\n")


@app.command()
@boundary
def show() -> None:
    """Print every setting's effective value and where it came from (flag, environment, config file, default).

    The output is TOML: the lines could be pasted into the config file.

    Example: CASEFILE_DAYFIRST=1 casefile config show
    """
    current = settings()
    flags = {"db": ("--db", state.db), "pager": pager_flag()}
    out = [f"# config file: {current.path}" + ("" if current.exists() else " (not found)")]
    for resolved in current.effective(flags):
        if resolved.value is None:
            out.append(f"# {resolved.name}: {resolved.source}")
        else:
            out.append(f"{resolved.name} = {config.toml_value(resolved.value)}  # {resolved.source}")
    data_out().write("\n".join(out) + "\n")
