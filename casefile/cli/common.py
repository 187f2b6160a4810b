"""What every command shares: global options, the error boundary, opening the store, filter options.

Only typer and the standard library are imported at module level; everything heavy is imported inside
the function that needs it, so ``casefile --help`` stays fast.
"""

import functools
import inspect
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional, TypeVar

import typer

from casefile import config, errors, model
from casefile.text import plural

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class State:
    db: Optional[str] = None
    key_file: Optional[str] = None
    debug: bool = False
    no_color: bool = False
    no_pager: bool = False
    quiet: bool = False
    settings: Optional[config.Settings] = None  # loaded on first use, once per command run
    actor: Optional[str] = None
    command: Optional[str] = None  # the running command as the audit log names it: import, event add, edit


state = State()


def settings() -> config.Settings:
    """This run's settings (flag > environment > config file > default); the file is read when first needed."""
    if state.settings is None:
        state.settings = config.Settings()
    return state.settings


class ReadFormat(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


#: The longest line ``err`` writes, whatever a message holds (the longest casefile writes is ~400 characters).
ERR_LINE_CHARS = 1000


def err(message: str) -> None:
    """One line on stderr, shown safely: a file name or an argument may hold escape sequences or newlines,
    and no line is longer than :data:`ERR_LINE_CHARS` (what a message quotes is cut by ``errors.quote``)."""
    from casefile.text import visible

    line = visible(message).replace("\n", "\\n")
    if len(line) > ERR_LINE_CHARS:
        line = line[:ERR_LINE_CHARS] + f"… ({len(line) - ERR_LINE_CHARS} more characters not shown)"
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def report_new_organizations(names: list[str], shown: int = 10) -> None:
    """The organisations a write created, on one line: the first ``shown``, then how many more (a scraped
    archive can create hundreds; `casefile org list` has them all)."""
    if not names:
        return
    listed = ", ".join(names[:shown])
    more = f" and {len(names) - shown} more (`casefile org list` shows them)" if len(names) > shown else ""
    err(f"{plural(len(names), 'new organisation')}: {listed}{more}")


def report_findings(store: Any, shown: int = 10) -> None:
    """After ``add``, ``edit`` and ``import``: what ``check`` finds on the accounts just written, as warnings on
    stderr (never blocking, off with ``--quiet``); the dates as written, no other text of the record."""
    if state.quiet:
        return
    from casefile import analysis

    found = analysis.findings_after_write(store)
    for f in found[:shown]:
        err(f"{f['severity']}: {f['account']} {f['field']}: {f['message']} ({f['rule']})")
    if len(found) > shown:
        err(f"… and {len(found) - shown} more: casefile check")


@contextmanager
def named_as_typed(options: dict[str, str]) -> Iterator[None]:
    """Problems with values the user typed as options name the option (``--left``, ``--date``), not the
    record's field (``left``, ``events[1].date``): ``options`` maps a field (without its ``events[N].``) to it.
    Problems of a file (``--from-json``) keep their field."""
    try:
        yield
    except errors.InvalidRecord as exc:
        if exc.file is not None:
            raise

        def typed(field: Optional[str]) -> Optional[str]:
            return options.get(re.sub(r"^\w+\[\d+\]\.", "", field), field) if field else field

        raise errors.InvalidRecord([errors.Problem(p.line, typed(p.field), p.reason) for p in exc.problems]) from None


@contextmanager
def progress(label: str) -> Iterator[Optional[Callable[[int], None]]]:
    """The progress of a long job on stderr - rows done, rows a second, time - while it runs: yields a function
    to count rows with, or None (nothing shown) when stderr is not a terminal or with ``--quiet``."""
    from casefile import terminal

    if state.quiet or not terminal.is_terminal(sys.stderr):
        yield None
        return
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from casefile.render import console

    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} rows"),
        TextColumn("{task.fields[rate]} rows/s"),
        TimeElapsedColumn(),
        transient=True,
        console=console(sys.stderr, no_color=state.no_color),
    )
    task = bar.add_task(label, total=None, rate=0)

    def advance(rows: int) -> None:
        bar.advance(task, rows)
        elapsed = bar.tasks[0].elapsed or 0
        bar.update(task, rate=int(bar.tasks[0].completed / elapsed) if elapsed > 0 else 0)

    with bar:
        yield advance


def _crash_log() -> Path:
    from casefile.paths import data_home, make_private_folder

    folder = Path(os.environ.get("XDG_STATE_HOME") or data_home().parent / "state") / "casefile"
    make_private_folder(folder)
    path = folder / "last-error.log"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(traceback.format_exc())
    os.chmod(path, 0o600)
    return path


def boundary(fn: F) -> F:
    """The one error boundary: casefile errors become one line and their exit code; Ctrl-C exits 130;
    anything unexpected prints one line and where the traceback went (``--debug`` shows it instead)."""

    command = fn.__name__.rstrip("_").replace("_", " ")  # import_ → import, event_add → event add

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        state.command = command
        from casefile import interrupts

        interrupts.saved.clear()
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except errors.InvalidRecord as exc:
            for p in exc.problems:  # every problem, one line each
                err(f"error: {errors.InputError(p.reason, file=exc.file, line=p.line, field=p.field).where()}")
            raise typer.Exit(exc.exit_code) from None
        except errors.CasefileError as exc:
            if state.debug:
                traceback.print_exc()
            err(f"error: {exc}")
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err(interrupts.message())
            raise typer.Exit(errors.EXIT_INTERRUPTED) from None
        except BrokenPipeError:
            _silence_stdout()
            raise typer.Exit(0) from None
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            from casefile.store import _map_sqlite_error, database_errors

            if isinstance(exc, database_errors()):  # the standard library's and SQLCipher's
                mapped = _map_sqlite_error(exc)
                if not state.debug:
                    err(f"error: {mapped}")
                    raise typer.Exit(mapped.exit_code) from None
            if state.debug:
                traceback.print_exc()
                raise typer.Exit(1) from None
            try:
                where = f"; the details are in {_crash_log()}"
            except OSError:
                where = "; rerun with --debug for details"
            err(f"error: unexpected {type(exc).__name__}{where}")
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def _silence_stdout() -> None:
    """After a closed pipe (``casefile list | head -1``) point stdout at /dev/null so exit is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def db_path() -> Path:
    resolved = settings().resolve("db", ("--db", state.db))
    if resolved.value == "-":
        raise errors.UsageError(f"{resolved.origin}: the database must be a file; '-' (stdin/stdout) cannot hold one")
    return Path(resolved.value).expanduser()


def protected(
    *, pseudonym_key: Optional[str] = None, inputs: tuple[str, ...] = (), restore_source: Optional[str] = None
) -> dict[str, str]:
    """The files no output of this command may be: the database and its journals, the key file, and what
    the command is using (``exporters.output.protected_files``, the one list every writer checks)."""
    from casefile.exporters.output import protected_files

    return protected_files(
        db_path(), key_file=state.key_file, pseudonym_key=pseudonym_key, inputs=inputs, restore_source=restore_source
    )


def open_store(*, create: bool = False, encrypt: bool = False) -> Any:
    """Open the database; an encrypted one (or a new one with ``encrypt``) asks for its key."""
    from casefile.store import Store, is_encrypted, is_private

    path = db_path()
    key = database_key(new=encrypt) if encrypt or is_encrypted(path) else None
    store = Store.open(path, create=create, key=key)
    if not is_private(path):
        err(f"warning: {path} can be read by other users; run `chmod 600 {path}`")
    store.actor = state.actor  # None: the audit log asks config.actor() when it writes
    store.command = state.command
    return store


def read_id(store: Any, ref: str) -> str:
    """The account a reading command shows for ``ref``; a merged-away id shows the account it was merged
    into, and says so on stderr. (Commands that change records use ``store.resolve_id``, which refuses one.)"""
    account_id, notice = store.resolve_to_read(ref)
    if notice:
        err(notice)
    return str(account_id)


ENV_KEY = "CASEFILE_KEY"


def database_key(*, new: bool) -> str:
    """The key of an encrypted database: ``--key-file``, else ``$CASEFILE_KEY``, else asked on the terminal
    (twice for a new database). Never a command-line argument: those end up in shell history and ``ps``."""
    if state.key_file:
        return _read_key_file(Path(state.key_file), create=new)
    if os.environ.get(ENV_KEY):
        return os.environ[ENV_KEY]
    if stdin_is_terminal():
        key = typer.prompt("database key", hide_input=True, confirmation_prompt=new, err=True)
        return str(key)
    raise errors.KeyNeeded(
        f"{db_path()} is encrypted; give its key with CASEFILE_KEY or --key-file, or run on a terminal to be asked"
    )


def _read_key_file(path: Path, *, create: bool) -> str:
    """A key file's text (one line). ``init --encrypted`` creates a missing one: 32 random bytes as hex, 0600."""
    import secrets
    import stat

    if create and not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            os.fchmod(fd, 0o600)
            fh.write(secrets.token_hex(32) + "\n")
        err(f"created key file {path}: keep it safe and apart from the database; without it the data is lost")
    try:
        if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise errors.CasefileError(f"the key file {path} can be read by other users; run `chmod 600 {path}`")
        key = path.read_text(encoding="utf-8").rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not text"
        raise errors.CasefileError(f"cannot read the key file {path} ({reason})") from None
    if not key:
        raise errors.CasefileError(f"the key file {path} is empty")
    return key


def stdout_is_terminal() -> bool:
    """Draw for a person (tables, panels) rather than write plain text: a terminal, or FORCE_COLOR."""
    from casefile import terminal

    return terminal.drawn(sys.stdout)


def pager_flag() -> Optional[tuple[str, str]]:
    """``--no-pager`` as a flag value for the ``pager`` setting (an empty pager: no paging)."""
    return ("--no-pager", "") if state.no_pager else None


def draw(renderable: Any) -> None:
    """Print a rich renderable on stdout for a person: in colour unless it is turned off, and through the
    pager when stdout is a terminal and the text is taller than it."""
    from casefile import render, terminal

    size = terminal.size()
    text = render.to_text(renderable, width=size.columns, no_color=not terminal.colour(state.no_color))
    if terminal.is_terminal(sys.stdout) and terminal.too_tall(text, size.lines):
        command = settings().get("pager", pager_flag())
        if command:
            if terminal.page(text, command, encoding=sys.stdout.encoding or "utf-8"):
                return
            err(f"warning: pager {errors.quote(command)} not found; printing directly (set `pager` in the config file)")
    sys.stdout.write(text)


class _VisibleOnTerminal:
    """stdout for CSV/JSON/Markdown when it is a terminal: a person reads it, so control and bidi characters in
    the data are shown as ``<U+XXXX>`` rather than obeyed (CRLF line ends become plain newlines)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        from casefile.render import visible

        return int(self._stream.write(visible(text.replace("\r\n", "\n"))))

    def writelines(self, lines: Any) -> None:  # not passed on by __getattr__: it would write past the escaping
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def data_out(stream: Any = None) -> Any:
    """Where data goes: ``stream`` (default stdout), made safe when it is stdout on a terminal."""
    stream = sys.stdout if stream is None else stream
    return _VisibleOnTerminal(stream) if stream is sys.stdout and stdout_is_terminal() else stream


def stdin_is_terminal() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


# ------------------------------------------------------------------------------- shared filter options


def _filter_params() -> list[inspect.Parameter]:
    kw = inspect.Parameter.KEYWORD_ONLY
    specs: list[tuple[str, Any, Any, Any]] = [
        ("org", Optional[list[str]], None, typer.Option("--org", help="Organisation (repeat for any of several).")),
        ("tag", Optional[list[str]], None, typer.Option("--tag", help="Has this tag (repeat: all of them).")),
        ("reason", Optional[list[str]], None, typer.Option("--reason", help="Has this reason code (repeat: all).")),
        ("allegation", Optional[list[str]], None, typer.Option("--allegation", help="Has this allegation code.")),
        ("exit_type", Optional[list[str]], None, typer.Option("--exit-type", help="Exit type (repeat: any of).")),
        ("since", Optional[str], None, typer.Option("--since", help="Left on or after this (fuzzy) date.")),
        ("until", Optional[str], None, typer.Option("--until", help="Left on or before this (fuzzy) date.")),
        ("q", Optional[str], None, typer.Option("--q", help=f"Text in {', '.join(model.TEXT_FILTERED)}.")),
        ("sort", Optional[str], None, typer.Option("--sort", help="Sort by this field.")),
        ("reverse", bool, False, typer.Option("--reverse", help="Reverse the order.")),
        ("limit", Optional[int], None, typer.Option("--limit", min=0, help="At most this many records.")),
        ("include_deleted", bool, False, typer.Option("--include-deleted", help="Include deleted records.")),
    ]
    return [
        inspect.Parameter(name, kw, default=default, annotation=Annotated[tp, info])
        for name, tp, default, info in specs
    ]


FILTER_PARAMS = _filter_params()


def build_filter(
    org: Optional[list[str]] = None,
    tag: Optional[list[str]] = None,
    reason: Optional[list[str]] = None,
    allegation: Optional[list[str]] = None,
    exit_type: Optional[list[str]] = None,
    since: Optional[str] = None,
    until: Optional[str] = None,
    q: Optional[str] = None,
    sort: Optional[str] = None,
    reverse: bool = False,
    limit: Optional[int] = None,
    include_deleted: bool = False,
) -> model.Filter:
    from casefile.store import check_field

    if sort is not None:
        check_field(sort, model.SORTABLE, "sort field")
    return model.Filter(
        org=list(org or []),
        tags=list(tag or []),
        reasons=list(reason or []),
        allegations=list(allegation or []),
        exit_types=list(exit_type or []),
        since=_day(since, "--since", earliest=True),
        until=_day(until, "--until", earliest=False),
        text=q or None,
        sort=sort,
        reverse=reverse,
        limit=limit,
        include_deleted=include_deleted,
    )


def _day(text: Optional[str], option: str, *, earliest: bool) -> Optional[str]:
    if not text:
        return None
    from casefile import dates

    try:
        fd = dates.parse_date(text, order=date_order(False, False))
    except dates.DateError as exc:
        raise errors.UsageError(f"{option}: {exc}") from None
    day = fd.min if earliest else fd.max
    if day is None:
        raise errors.UsageError(f"{option}: the date needs a year")
    return day


def with_filters(fn: Optional[F] = None, *, omit: tuple[str, ...] = ()) -> Any:
    """Add the ``list`` filter options to a command; it receives them as one ``flt: Filter`` argument.
    ``@with_filters(omit=("sort", ...))`` leaves out options the command defines its own way."""
    if fn is None:
        return functools.partial(with_filters, omit=omit)
    sig = inspect.signature(fn)
    params = [p for p in sig.parameters.values() if p.name != "flt"]
    extra = [p for p in FILTER_PARAMS if p.name not in omit]
    names = [p.name for p in extra]

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        kwargs["flt"] = build_filter(**{n: kwargs.pop(n) for n in names if n in kwargs})
        return fn(*args, **kwargs)

    wrapper.__signature__ = sig.replace(parameters=params + extra)  # type: ignore[attr-defined]
    return wrapper


def validator_for(store: Any, order: Any, keep_unparsed: bool, ignore_unknown: bool = False) -> Any:
    """A validator that knows the codes users added to this database."""
    from casefile import validation

    options = validation.Options(
        order=order, keep_unparsed_dates=keep_unparsed, ignore_unknown=ignore_unknown, codes=store.codes()
    )
    return validation.Validator(options)


def date_order(dayfirst: bool, monthfirst: bool) -> Any:
    """The order for all-numeric dates: the flags, else the ``dayfirst`` setting, else None (refuse them)."""
    if dayfirst and monthfirst:
        raise errors.UsageError("--dayfirst and --monthfirst exclude each other")
    if dayfirst or monthfirst:
        return "dayfirst" if dayfirst else "monthfirst"
    default = settings().get("dayfirst")
    return None if default is None else "dayfirst" if default else "monthfirst"


DayFirst = Annotated[bool, typer.Option("--dayfirst", help="Read 03/04/2021 as 3 April (config: dayfirst = true).")]
MonthFirst = Annotated[
    bool, typer.Option("--monthfirst", help="Read 03/04/2021 as March 4 (config: dayfirst = false).")
]
KeepUnparsed = Annotated[
    bool, typer.Option("--keep-unparsed-dates", help="Keep dates casefile cannot read as written (precision unknown).")
]
