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

from typing import Any

import typer.core
from typer._click.core import Context  # Typer 0.29 vendors click: these are the classes it builds and raises
from typer._click.exceptions import ClickException, UsageError

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


class _SafeParsing:
    """Stray arguments counted, long tokens cut, controls made visible in every message of the parser."""

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        tokens = list(args)
        allowed = ctx.allow_extra_args
        ctx.allow_extra_args = True  # click would put the stray arguments in its message; count them here
        try:
            rest: list[str] = super().parse_args(ctx, args)  # type: ignore[misc]
        except ClickException as exc:
            raise _made_safe(exc, tokens) from None
        finally:
            ctx.allow_extra_args = allowed
        if rest and not allowed and not ctx.resilient_parsing:
            raise UsageError(stray_arguments(len(rest)), ctx)
        return rest


class SafeCommand(_SafeParsing, typer.core.TyperCommand):
    pass


class SafeGroup(_SafeParsing, typer.core.TyperGroup):
    def resolve_command(self, ctx: Context, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except ClickException as exc:  # "No such command '…'"
            raise _made_safe(exc, list(args)) from None


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
            group.cls = SafeGroup
        if group.typer_instance is not None:
            install(group.typer_instance)


def _default(cls: Any, typer_class: type) -> bool:
    return cls is None or cls is typer_class or isinstance(cls, typer.models.DefaultPlaceholder)
