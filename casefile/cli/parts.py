"""The parts of an account added one at a time: `casefile event ...`, `casefile quote ...`."""

import sys
from typing import Annotated, Any, Optional

import typer

from casefile.cli.common import (
    DayFirst,
    KeepUnparsed,
    MonthFirst,
    ReadFormat,
    boundary,
    date_order,
    named_as_typed,
    open_store,
    validator_for,
)

event_app = typer.Typer(
    rich_markup_mode=None,
    help="Timeline events of an account.\n\nExample: casefile event add 3f9a --type left --date 2016",
    no_args_is_help=True,
)

quote_app = typer.Typer(
    rich_markup_mode=None,
    help="Verbatim quotes, kept apart from the researcher's coding.\n\n"
    'Example: casefile quote add 3f9a --text "I could not see any future"',
    no_args_is_help=True,
)

AccountId = Annotated[str, typer.Argument(metavar="ID", help="An account id, a unique prefix, or an external id.")]
Format = Annotated[ReadFormat, typer.Option("--format", "-f", help="table (plain rows when piped), json, jsonl, csv.")]


def _emit(rows: list[dict[str, Any]], fmt: ReadFormat, columns: list[str], title: str) -> None:
    from casefile.cli.output import emit_rows

    emit_rows(rows, fmt.value, columns, title)


# ------------------------------------------------------------------------------------------- events, quotes

EventType = Annotated[str, typer.Option("--type", help="captured, recruited, left, … (`casefile vocab event_type`).")]
DateOpt = Annotated[Optional[str], typer.Option("--date", help="When (fuzzy; the text is kept as written).")]
Correct = Annotated[Optional[str], typer.Option("--correct", help="What the date means when it is written wrongly.")]
AnchorOpt = Annotated[
    Optional[str],
    typer.Option(
        "--anchor",
        metavar="FROM",
        help="What a relative --date counts from: joined, left, announced, source, birth_year or a date.",
    ),
]
NoteOpt = Annotated[Optional[str], typer.Option("--note", help="Why the date reads so (e.g. a correction's reason).")]
Locator = Annotated[Optional[str], typer.Option("--locator", help="Where in the source: page, paragraph.")]
SourceRef = Annotated[Optional[str], typer.Option("--source", help="Id (or prefix) of the source it comes from.")]


@event_app.command("add")
@boundary
def event_add(
    account_id: AccountId,
    event_type: EventType,
    date: DateOpt = None,
    correct: Correct = None,
    note: NoteOpt = None,
    anchor: AnchorOpt = None,
    place: Annotated[Optional[str], typer.Option("--place", help="Where.")] = None,
    description: Annotated[Optional[str], typer.Option("--description", help="What happened.")] = None,
    source: SourceRef = None,
    dayfirst: DayFirst = False,
    monthfirst: MonthFirst = False,
    keep_unparsed_dates: KeepUnparsed = False,
) -> None:
    """Add a timeline event to an account; a written date can be corrected, keeping both.

    Example: casefile event add 3f9a --type captured --date 1886 --correct 1986 --note "typo in the source"
    """
    from casefile import research

    store = open_store()
    entry = {
        "type": event_type,
        "date": date,
        "date_corrected": correct,
        "date_note": note,
        "date_anchor": anchor,
        "place": place,
        "description": description,
        "source": source,
    }
    validator = validator_for(store, date_order(dayfirst, monthfirst), keep_unparsed_dates)
    typed = {"type": "--type", "date": "--date", "date_corrected": "--correct", "date_note": "--note"}
    typed["date_anchor"] = "--anchor"
    with named_as_typed({**typed, "place": "--place", "description": "--description", "source": "--source"}):
        research.append_part(store, validator, account_id, "events", entry)
    typer.echo("event added", err=True)


@quote_app.command("add")
@boundary
def quote_add(
    account_id: AccountId,
    text: Annotated[
        str,
        typer.Option("--text", help="The exact words; '-' reads them from stdin (keeps them out of shell history)."),
    ],
    speaker: Annotated[Optional[str], typer.Option("--speaker", help="Who said or wrote them.")] = None,
    source: SourceRef = None,
    locator: Locator = None,
    language: Annotated[Optional[str], typer.Option("--language", help="ISO 639 code of the text.")] = None,
    translation: Annotated[Optional[str], typer.Option("--translation", help="A translation.")] = None,
) -> None:
    """Add a verbatim quote to an account.

    Example: echo "I could not see any future" | casefile quote add 3f9a --text - --speaker "the defector"
    """
    from casefile import research

    if text == "-":
        text = sys.stdin.read().rstrip("\n")
    store = open_store()
    entry = {
        "text": text,
        "speaker": speaker,
        "source": source,
        "locator": locator,
        "language": language,
        "translation": translation,
    }
    research.append_part(store, validator_for(store, None, False), account_id, "quotes", entry)
    typer.echo("quote added", err=True)
