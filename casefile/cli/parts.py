"""The parts of an account added one at a time: `casefile event ...`, `casefile quote ...`."""

import sys
from typing import Annotated, Optional

import typer

from casefile.cli.common import (
    DayFirst,
    KeepUnparsed,
    MonthFirst,
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
    supports: Annotated[
        Optional[str], typer.Option("--supports", help="Id of the event, reason, barrier or allegation it supports.")
    ] = None,
    relayed_via: Annotated[
        Optional[str], typer.Option("--relayed-via", help="The outlet that relayed the words (e.g. VOA).")
    ] = None,
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
        "supports": supports,
        "relayed_via": relayed_via,
    }
    with named_as_typed({"supports": "--supports", "relayed_via": "--relayed-via", "text": "--text"}):
        research.append_part(store, validator_for(store, None, False), account_id, "quotes", entry)
    typer.echo("quote added", err=True)


# ------------------------------------------------------------------------------------------- places, people

place_app = typer.Typer(
    rich_markup_mode=None,
    help="Places in the person's story: origin, where they served or were held, left from, went to, live now."
    '\n\nExample: casefile place add 3f9a --role held --name "Camp Ashraf" --country IQ --since 1986 --until 2012',
    no_args_is_help=True,
)

person_app = typer.Typer(
    rich_markup_mode=None,
    help="People the account mentions: recruiters, commanders, relatives, fellow defectors, the reporter."
    '\n\nExample: casefile person add 3f9a --name "Reza" --relation brother --account 7b2e',
    no_args_is_help=True,
)


@place_app.command("add")
@boundary
def place_add(
    account_id: AccountId,
    role: Annotated[str, typer.Option("--role", help="origin, served, held, … (`casefile vocab place_role`).")],
    name: Annotated[Optional[str], typer.Option("--name", help="The place as written: camp, city, country.")] = None,
    country: Annotated[
        Optional[str], typer.Option("--country", help="Its country as written (IQ, Iraq, Iraqi); coded to ISO 3166.")
    ] = None,
    since: Annotated[Optional[str], typer.Option("--since", help="From when (fuzzy; kept as written).")] = None,
    until: Annotated[Optional[str], typer.Option("--until", help="Until when (fuzzy; kept as written).")] = None,
    note: Annotated[Optional[str], typer.Option("--note", help="The researcher's note.")] = None,
    source: SourceRef = None,
    dayfirst: DayFirst = False,
    monthfirst: MonthFirst = False,
    keep_unparsed_dates: KeepUnparsed = False,
) -> None:
    """Add a place to an account, with its role in the story; the country is coded, what was written kept.

    Example: casefile place add 3f9a --role held --name "Camp Ashraf" --country Iraq --since 1986 --until 2012
    """
    from casefile import research

    store = open_store()
    entry = {"role": role, "name": name, "country": country, "since": since, "until": until, "note": note}
    validator = validator_for(store, date_order(dayfirst, monthfirst), keep_unparsed_dates)
    typed = {"role": "--role", "name": "--name", "country": "--country", "since": "--since", "until": "--until"}
    with named_as_typed({**typed, "note": "--note", "source": "--source"}):
        research.append_part(store, validator, account_id, "places", {**entry, "source": source})
    typer.echo("place added", err=True)


@person_app.command("add")
@boundary
def person_add(
    account_id: AccountId,
    relation: Annotated[
        str, typer.Option("--relation", help="recruiter, commander, brother, … (`casefile vocab relation`).")
    ],
    name: Annotated[Optional[str], typer.Option("--name", help="Their name as written, or who they are.")] = None,
    account: Annotated[
        Optional[str], typer.Option("--account", help="Their own account: an id, a unique prefix or an external id.")
    ] = None,
    note: Annotated[Optional[str], typer.Option("--note", help="The researcher's note.")] = None,
    source: SourceRef = None,
) -> None:
    """Add a person the account mentions, with their relation to the subject and, when known, their account.

    Example: casefile person add 3f9a --name "Commander K." --relation recruiter --note "met in Baghdad"
    """
    from casefile import research

    store = open_store()
    entry = {"name": name, "relation": relation, "account": account, "note": note, "source": source}
    typed = {"name": "--name", "relation": "--relation", "account": "--account", "note": "--note", "source": "--source"}
    with named_as_typed(typed):
        research.append_part(store, validator_for(store, None, False), account_id, "people", entry)
    typer.echo("person added", err=True)


#: The apps of the parts that have commands of their own besides list/edit/remove (cli/correcting.py).
PART_APPS = {"event": event_app, "quote": quote_app, "place": place_app, "person": person_app}
