"""casefile: a command-line case-file manager for defection accounts."""


def main() -> None:
    """The ``casefile`` console script. Ctrl-C (or SIGTERM, SIGHUP) is handled from here on, before the
    command-line layer is even imported: an interrupt while it loads is one line and exit 130, not a traceback."""
    import sys

    from casefile import errors, interrupts

    interrupts.install()
    try:
        from casefile.cli import main as run

        run()
    except KeyboardInterrupt:  # while the CLI layer loads or Typer builds the command; a command's own
        # interrupts end at its error boundary, with the same line
        sys.stderr.write(interrupts.message() + "\n")
        raise SystemExit(errors.EXIT_INTERRUPTED) from None
