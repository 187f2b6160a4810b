"""Usage errors that echo nothing sensitive: the command-line parser's messages, made safe.

A value with spaces that was not quoted (``casefile add --name X he was held in Ashraf``) splits into
stray arguments, and click would print them all back: "Got unexpected extra arguments (he was held in
Ashraf)" - testimony on the screen, in a terminal's scrollback, in a CI log. Here stray arguments are
counted, never printed, and every other parser message quotes what the user typed through
:func:`casefile.errors.quote` (cut short, controls visible), so a long or hostile token cannot fill the
screen or drive the terminal.

:func:`install` gives every command and group of the app these classes; typer builds the click commands
from them.
"""

from __future__ import annotations

import re
from typing import Any

import typer.core
from typer._click.core import Context  # Typer 0.29 vendors click: these are the classes it builds and raises
from typer._click.exceptions import BadParameter, ClickException, NoArgsIsHelpError, UsageError

from casefile.errors import QUOTE_CHARS, quote

#: The longest parser message shown when the user typed a long token (click's own are far shorter).
MESSAGE_CHARS = 160


def stray_arguments(count: int) -> str:
    from casefile.text import plural

    return (
        f"got {plural(count, 'unexpected extra argument')} (not shown: they may be record text); "
        'quote a value that has spaces, e.g. --summary "left in 2016"'
    )


def _made_safe(exc: ClickException, tokens: list[str]) -> ClickException:
    """``exc`` with every long token the user typed (or its ``--option`` part) quoted short, and control
    characters visible. A message that quotes nothing of the user's (the help of a bare group) is kept."""
    message = exc.message
    option = getattr(exc, "option_name", None)  # "No such option: …" escapes the name its own way
    if isinstance(option, str) and len(option) > QUOTE_CHARS and message.startswith("No such option: "):
        message = f"No such option: {quote(option)}"
    parts = {p for t in tokens for p in (t, t.split("=", 1)[0]) if len(p) > QUOTE_CHARS}
    for token in sorted(parts, key=len, reverse=True):
        message = message.replace(repr(token), quote(token)).replace(token, quote(token)[1:-1])
    if parts and len(message) > MESSAGE_CHARS:  # a token the parser quoted in its own way (escaped, in part)
        message = message[:MESSAGE_CHARS] + "…"
    from casefile.text import visible

    exc.message = visible(message)
    return exc


def _number(value: object) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _typed_name(param: Any, tokens: list[str]) -> str:
    """The name the user gave ``param`` (``-f`` or ``--format``), else its long name, else its metavar."""
    names = [*getattr(param, "opts", []), *getattr(param, "secondary_opts", [])]
    for token in tokens:
        for name in names:
            if name.startswith("-") and (token == name or token.startswith(name + "=")):
                return str(name)
    long = [n for n in names if n.startswith("--")]
    return long[0] if long else str(getattr(param, "metavar", None) or str(param.name).upper())


def _plain_value_error(exc: BadParameter, tokens: list[str]) -> str | None:
    """A value the parser refused, in casefile's words: ``--limit: 'ten' is not a whole number``, not
    pydantic's "Input should be a valid integer, unable to parse string as an integer"."""
    from pydantic import ValidationError

    cause = exc.__cause__
    if exc.param is None or not isinstance(cause, ValidationError) or not cause.errors():
        return None
    error = cause.errors(include_url=False)[0]
    kind, typed, bounds = error["type"], error.get("input"), error.get("ctx") or {}
    if kind in ("int_parsing", "int_from_float", "int_type"):
        reason = f"{quote(typed)} is not a whole number"
    elif kind in ("float_parsing", "float_type"):
        reason = f"{quote(typed)} is not a number"
    elif kind in ("greater_than_equal", "greater_than"):
        least = bounds.get("ge", bounds.get("gt"))
        reason = f"{quote(typed)[1:-1]} is too small (the least is {_number(least)})"
    elif kind in ("less_than_equal", "less_than"):
        most = bounds.get("le", bounds.get("lt"))
        reason = f"{quote(typed)[1:-1]} is too large (the most is {_number(most)})"
    elif kind == "value_error" and "error" in bounds:
        reason = str(bounds["error"]).rstrip(".")
    else:
        reason = str(error["msg"]).rstrip(".")
    return f"{_typed_name(exc.param, tokens)}: {reason}"


def _one_line(exc: ClickException, tokens: list[str]) -> ClickException:
    """``exc`` shown as every other casefile error is: ``error: …`` on one line of stderr, then one hint line
    (``Try 'casefile list -h' for help.``) for a usage error, instead of click's usage block. A bare group's
    help (``casefile org``) is shown whole."""
    if isinstance(exc, NoArgsIsHelpError):
        return exc
    plain = _plain_value_error(exc, tokens) if isinstance(exc, BadParameter) else None
    if plain is not None:
        exc.message = plain
    exc = _made_safe(exc, tokens)
    if plain is not None:
        message = exc.message
    else:
        message = exc.format_message().replace(". Did you mean", "; did you mean").rstrip(".")
        message = message[:1].lower() + message[1:]
    ctx = getattr(exc, "ctx", None)
    hint = f"Try '{ctx.command_path} -h' for help." if isinstance(exc, UsageError) and ctx is not None else None

    def show(file: Any = None) -> None:
        import sys

        from casefile.cli.common import err

        err(f"error: {message}")
        if hint:
            sys.stderr.write(hint + "\n")

    exc.show = show  # type: ignore[method-assign]
    return exc


#: Typer's metavars as people write them: ``{ID}`` → ``ID``, ``[[ID]]`` → ``[ID]``, ``<list[str]>`` → ``TEXT``.
_ARGUMENT = re.compile(r"\{([A-Za-z_][A-Za-z_.]*?)(\.\.\.)?\}(\.\.\.)?")
_OPTIONAL_ARGUMENT = re.compile(r"\[\[([A-Za-z_][A-Za-z_.]*?)(\.\.\.)?\]\](\.\.\.)?")
_VALUE = re.compile(r"<(list\[str\]|str|int range|int|float range|float|path|time)>( ?)")
_VALUE_NAMES = {"list[str]": "TEXT", "str": "TEXT", "int range": "N", "int": "N", "float range": "NUMBER"}


def plain_notation(help_text: str) -> str:
    """``help_text`` with Typer's metavar notation written the usual way (``ID``, ``[ID]...``, ``TEXT``, ``N``);
    an option's value keeps its column, so the descriptions stay aligned."""

    def value(match: re.Match[str]) -> str:
        name = _VALUE_NAMES.get(match.group(1), match.group(1).split()[0].upper())
        pad = " " * (len(match.group(0)) - len(name) - 1) if match.group(2) else ""
        return name + (" " + pad if match.group(2) else "")

    text = _ARGUMENT.sub(lambda m: m.group(1).upper() + ("..." if m.group(2) or m.group(3) else ""), help_text)
    text = _OPTIONAL_ARGUMENT.sub(
        lambda m: f"[{m.group(1).upper()}]" + ("..." if m.group(2) or m.group(3) else ""), text
    )
    return _VALUE.sub(value, text)


class _SafeParsing:
    """Stray arguments counted, long tokens cut, controls made visible in every message of the parser."""

    def get_help(self, ctx: Context) -> str:
        return plain_notation(super().get_help(ctx))  # type: ignore[misc]

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        tokens = list(args)
        allowed = ctx.allow_extra_args
        ctx.allow_extra_args = True  # click would put the stray arguments in its message; count them here
        try:
            rest: list[str] = super().parse_args(ctx, args)  # type: ignore[misc]
        except ClickException as exc:
            raise _one_line(exc, tokens) from None
        finally:
            ctx.allow_extra_args = allowed
        if rest and not allowed and not ctx.resilient_parsing:
            raise _one_line(UsageError(stray_arguments(len(rest)), ctx), tokens)
        return rest


class SafeCommand(_SafeParsing, typer.core.TyperCommand):
    pass


class SafeGroup(_SafeParsing, typer.core.TyperGroup):
    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        if ctx.parent is None:  # the whole command line: global options typed after the command move before it
            if not args and not ctx.resilient_parsing:  # a bare `casefile`: its help, not an error
                from casefile.cli.common import data_out

                data_out().write(ctx.get_help() + "\n")
                ctx.exit(0)
            args = hoist_global_options(self, ctx, args)
        return super().parse_args(ctx, args)

    def resolve_command(self, ctx: Context, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except ClickException as exc:  # "No such command '…'"
            raise _one_line(exc, list(args)) from None


def _takes_value(option: Any) -> bool:
    return not (option.is_flag or option.count)


def _options(command: Any, ctx: Context) -> dict[str, Any]:
    """``command``'s options by every name they are typed with."""
    return {name: p for p in command.get_params(ctx) if p.param_type_name == "option" for name in p.opts}


def first_word(options: dict[str, Any], args: list[str]) -> int:
    """Where the first word that is not an option (nor an option's value) is in ``args``."""
    i = 0
    while i < len(args) and args[i].startswith("-") and args[i] != "--":
        name = args[i].split("=", 1)[0]
        i += 2 if name in options and "=" not in args[i] and _takes_value(options[name]) else 1
    return i


def hoist_global_options(root: Any, ctx: Context, args: list[str]) -> list[str]:
    """``args`` with the root's options that were typed after the command (``casefile list --db X``,
    ``casefile org list --no-pager``) moved before it, so they work wherever people type them.

    The command's own options, and the values they take, are left where they are (a command's ``--debug``,
    or ``--text --db`` whose value is "--db"); so is everything after ``--``.
    """
    own = _options(root, ctx)
    i = first_word(own, args)
    head = args[:i]
    command: Any = root
    rest: list[str] = []
    while i < len(args) and hasattr(command, "get_command") and not args[i].startswith("-"):
        sub = command.get_command(ctx, args[i])  # a group: the next word names its command
        rest.append(args[i])
        i += 1
        if sub is None:  # an unknown command: the parser will say so
            return [*head, *rest, *args[i:]]
        command = sub
    theirs = _options(command, ctx)
    hoisted: list[str] = []
    while i < len(args):
        token = args[i]
        if token == "--":
            rest += args[i:]
            break
        name = token.split("=", 1)[0]
        if name in theirs:  # the command's own option, with its value
            take = 2 if "=" not in token and _takes_value(theirs[name]) else 1
            rest += args[i : i + take]
        elif name in own and name not in ("--help", "-h"):
            take = 2 if "=" not in token and _takes_value(own[name]) else 1
            hoisted += args[i : i + take]
        else:
            take = 1
            rest.append(token)
        i += take
    return [*head, *hoisted, *rest]


class VocabularyGroup(SafeGroup):
    """``casefile vocab org_type`` is ``casefile vocab --vocabulary org_type``: a first word that names none of
    the group's commands is the vocabulary to list."""

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        i = first_word(_options(self, ctx), args)
        if i < len(args) and args[i] != "--" and args[i] not in self.commands:
            args = [*args[:i], "--vocabulary", *args[i:]]
        return super().parse_args(ctx, args)


def install(app: typer.Typer) -> None:
    """Build every command of ``app`` (and of its sub-apps) as a :class:`SafeCommand` or :class:`SafeGroup`
    (where typer's own class, or its default placeholder, stands)."""
    if _default(app.info.cls, typer.core.TyperGroup):
        app.info.cls = SafeGroup
    for command in app.registered_commands:
        if _default(command.cls, typer.core.TyperCommand):
            command.cls = SafeCommand
    for group in app.registered_groups:
        if _default(group.cls, typer.core.TyperGroup):
            own = group.typer_instance.info.cls if group.typer_instance is not None else None
            group.cls = SafeGroup if _default(own, typer.core.TyperGroup) else own
        if group.typer_instance is not None:
            install(group.typer_instance)


def _default(cls: Any, typer_class: type) -> bool:
    return cls is None or cls is typer_class or isinstance(cls, typer.models.DefaultPlaceholder)
