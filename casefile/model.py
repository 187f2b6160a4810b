"""The record types and the field registry.

Everything that talks about an account's fields — the SQLite columns, the CSV header, the JSON keys,
prompts, ``list`` columns, the sort and filter allow-lists, the fields ``--q`` looks in, the flat source
columns and the generated field reference — is derived from :data:`FIELDS`. Add a field here (and a
migration step); never rename one.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any, Literal

Kind = Literal["id", "part_id", "text", "multi", "date", "year", "number", "enum", "ref", "account_ref"]

UNNAMED = "(unnamed)"
MULTI_SEPARATOR = ";"

#: Precision values a date can carry, coarsest last.
PRECISIONS = ("day", "month", "season", "year", "decade", "century", "interval", "unknown")

#: Suffixes of the parsed-date companion columns stored beside each date field's raw text.
DATE_PARTS = ("edtf", "min", "max", "precision", "corrected", "note", "anchor")
#: How many columns a date occupies: its raw text and its parts.
DATE_WIDTH = 1 + len(DATE_PARTS)


@dataclass(frozen=True, slots=True)
class FuzzyDate:
    """A date as a testimony gives it: the raw text, never lost, and what can be said about it.

    ``min``/``max`` are the earliest and latest possible ISO days (``None`` when unknown, e.g. the
    year of "New Year's Eve"); ``edtf`` is an EDTF-style value (``1990``, ``2016-03``, ``XXXX-12-31``,
    ``2008~``, ``1986?``, ``1986/1990``); ``corrected`` holds the researcher's correction of an
    obviously wrong raw value (raw ``1886`` → corrected ``1986``), with ``note`` saying why. ``anchor`` marks a
    date *derived* from another one ("last December", "four years later"): what it counts from (``source``, a
    date field such as ``joined``, ``birth_year``, or a date), followed once derived by that date's EDTF
    (``source 2010-03-21``); the parsed parts then hold the derived interval (:mod:`casefile.relative_dates`).
    """

    raw: str
    edtf: str | None = None
    min: str | None = None
    max: str | None = None
    precision: str = "unknown"
    corrected: str | None = None
    note: str | None = None
    anchor: str | None = None

    def parts(self) -> dict[str, Any]:
        return {p: getattr(self, p) for p in DATE_PARTS}

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickled (the import's worker sends dates to the writer) as a call of the class: the dataclass default
        calls ``dataclasses.fields()`` for every date unpickled, which cost the writer more than reading the
        records had (issue 23)."""
        return FuzzyDate, _FUZZY_DATE_FIELDS(self)

    @property
    def derived(self) -> bool:
        """Counted from another date ("last December" from the source's date), not stated."""
        return self.anchor is not None and self.corrected is None

    def derivation(self) -> str:
        """A derived date as every view shows it, never as if stated: ``2009-12 (from "last December", source
        2010-03-21)``; before it can be derived: ``"last year" (from source, which has no date yet)``."""
        anchor = self.anchor or ""
        if self.edtf is None:
            return f'"{self.raw}" (from {anchor}, which has no date yet)'
        return f'{self.edtf} (from "{self.raw}", {anchor})'


#: every field of a FuzzyDate, in its constructor's order (the pickled form: a field added later is pickled too)
_FUZZY_DATE_FIELDS = operator.attrgetter(*(f.name for f in fields(FuzzyDate)))


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: Kind
    help: str
    group: str
    vocab: str | None = None  # vocabulary name in vocab.py for enum / coded multi fields
    prompt: bool = False  # asked interactively by `add` when left out
    list_column: bool = False
    sortable: bool = True
    filterable: bool = False
    text_filter: bool = False  # ``--q TEXT`` looks for TEXT in it
    example: str = ""
    flags: tuple[str, ...] = ()  # command-line flags; default ``--<name-with-dashes>``
    #: a coded text field (``country``, ``gender``; see codes.py): what was written is the value, and its
    #: code is stored beside it in ``<name>_code``, derived from it on every write, never typed in
    coded: str | None = None

    @property
    def multi(self) -> bool:
        return self.kind == "multi"

    @property
    def option_flags(self) -> tuple[str, ...]:
        return self.flags or ("--" + self.name.replace("_", "-"),)

    def columns(self) -> tuple[str, ...]:
        """The SQLite columns this field occupies in the ``accounts`` table."""
        if self.kind == "date":
            return (self.name, *(f"{self.name}_{p}" for p in DATE_PARTS))
        if self.coded:
            return (self.name, f"{self.name}_code")
        return (self.name,)

    def code(self, value: Any) -> str | None:
        """The code of a coded field's value (None when it has none or the field is not coded)."""
        if not self.coded or not isinstance(value, str):
            return None
        from .codes import code_of

        return code_of(self.coded, value)


FIELDS: tuple[Field, ...] = (
    Field(
        "id",
        "id",
        "Assigned by casefile; permanent, never reused. Any unique prefix works as an id.",
        "record",
        list_column=True,
        example="3f9a1c2e7b4d5a60",
    ),
    Field(
        "external_id",
        "text",
        "Your own key for the record; import updates the record with the same key.",
        "record",
        example="NEJAT-2024-017",
    ),
    Field(
        "name",
        "text",
        'The person\'s name as published; empty for unnamed people (shown as "(unnamed)").',
        "person",
        prompt=True,
        list_column=True,
        example="Ali Mohammad Rahimi Alashti",
        text_filter=True,
    ),
    Field(
        "aliases",
        "multi",
        "Other names and spellings, separated by ';' in CSV.",
        "person",
        example="Rahimi; A. M. Rahimi",
        flags=("--alias",),
        text_filter=True,
    ),
    Field(
        "gender",
        "text",
        "Gender as reported; its code (female, male, other, unknown) is kept beside it in gender_code.",
        "person",
        filterable=True,
        example="male",
        coded="gender",
    ),
    Field(
        "birth_year", "year", "Four-digit year of birth, when the text gives one exact year.", "person", example="1965"
    ),
    Field(
        "born",
        "date",
        "Year of birth as written when it is not one exact year: '1988/1989', '1986–90', 'before 1990' (raw text "
        "kept, with its interval). Ages ('at the age of 13') count from birth_year, or from this when there is none.",
        "person",  # no example: the example person has one exact year of birth (birth_year), never both
    ),
    Field(
        "nationality",
        "text",
        "Nationality as reported (IR, Iran, Iranian…); its ISO 3166 code is kept beside it in nationality_code.",
        "person",
        filterable=True,
        example="IR",
        coded="country",
    ),
    Field(
        "organization",
        "text",
        "The organisation the person left.",
        "membership",
        prompt=True,
        list_column=True,
        filterable=True,
        example="Mujahedin-e Khalq (MEK)",
        flags=("--org", "--organization"),
        text_filter=True,
    ),
    Field("role", "text", "Role or rank inside the organisation.", "membership", example="member"),
    Field("joined", "date", "When the person joined (fuzzy date, raw text kept).", "membership", example="1990"),
    Field(
        "left",
        "date",
        "When the person left (fuzzy date, raw text kept).",
        "exit",
        prompt=True,
        list_column=True,
        example="around 2023",
    ),
    Field("announced", "date", "When the defection was announced (fuzzy date).", "exit", example="New Year's Eve"),
    Field(
        "years_in_org",
        "number",
        "Years in the organisation as stated by the source: 34, 'for 34 years', 'more than seven years', 'almost a "
        "decade', '>7', '~10' (the qualifier goes to years_in_org_qualifier).",
        "membership",
        example="34",
    ),
    Field(
        "years_in_org_qualifier",
        "enum",
        "How years_in_org was stated: more_than, at_least, less_than, at_most, about, almost; empty when exact. "
        "Set from the words of --years-in-org.",
        "membership",
        vocab="years_qualifier",
        sortable=False,
        example="more_than",
    ),
    Field(
        "left_from",
        "text",
        "Where the person left from (camp, city, country).",
        "exit",
        example="Ashraf 3, Manez, Albania",
    ),
    Field("went_to", "text", "Where or to whom the person went.", "exit", example="Nejat Society office, Tirana"),
    Field(
        "exit_type",
        "enum",
        "How the person got out.",
        "exit",
        vocab="exit_type",
        prompt=True,
        list_column=True,
        filterable=True,
        example="permitted",
    ),
    Field(
        "reasons",
        "multi",
        "Coded reasons for leaving (see `casefile vocab`), separated by ';'.",
        "coding",
        vocab="exit_reason",
        filterable=True,
        example="no_future; isolation_from_family",
        flags=("--reason",),
    ),
    Field(
        "allegations",
        "multi",
        "Coded allegations, always recorded as alleged, separated by ';'.",
        "coding",
        vocab="allegation",
        filterable=True,
        example="psychological_abuse; coercive_group_sessions",
        flags=("--allegation",),
    ),
    Field(
        "summary",
        "text",
        "The researcher's summary of the account, in their own words.",
        "coding",
        sortable=False,
        example="Former POW recruited in 1990; left after 34 years.",
        text_filter=True,
    ),
    Field(
        "tags",
        "multi",
        "Free tags, separated by ';'.",
        "coding",
        filterable=True,
        example="pow; albania",
        flags=("--tag",),
    ),
    Field(
        "confidentiality",
        "enum",
        "Who may see the record: public, internal (default) or restricted.",
        "coding",
        vocab="confidentiality",
        filterable=True,
        example="internal",
    ),
    Field(
        "review",
        "enum",
        "unreviewed: drafted by `casefile ingest --accept` and not yet checked by a person; reviewed: checked.",
        "coding",
        vocab="review",
        filterable=True,
        example="",
    ),
    Field(
        "source_title",
        "text",
        "Title of the primary source.",
        "source",
        list_column=True,
        example="Former member announces defection",
        text_filter=True,
    ),
    Field("source_url", "text", "Address of the primary source.", "source", example="https://example.org/a/17"),
    Field(
        "source_publisher",
        "text",
        "Publisher of the primary source.",
        "source",
        filterable=True,
        example="Nejat Society",
    ),
    Field(
        "source_publisher_type",
        "enum",
        "Kind of publisher of the primary source (see `casefile vocab publisher_type`).",
        "source",
        vocab="publisher_type",
        filterable=True,
        example="advocacy_ngo",
    ),
    Field(
        "source_stance",
        "enum",
        "The primary source's publisher's stance toward the organisation (see `casefile vocab stance`).",
        "source",
        vocab="stance",
        filterable=True,
        example="adversarial",
    ),
    Field(
        "source_date", "date", "Publication date of the primary source (fuzzy date).", "source", example="2024-01-02"
    ),
    Field(
        "source_reliability",
        "enum",
        "Admiralty source reliability, A (reliable) to F (cannot be judged).",
        "source",
        vocab="reliability",
        filterable=True,
        example="F",
    ),
    Field(
        "source_credibility",
        "enum",
        "Admiralty information credibility, 1 (confirmed) to 6 (cannot be judged).",
        "source",
        vocab="credibility",
        filterable=True,
        example="3",
    ),
    Field(
        "join_reasons",
        "multi",
        "Coded reasons for joining (see `casefile vocab join_reason`), separated by ';'.",
        "coding",
        vocab="join_reason",
        filterable=True,
        example="recruited_in_captivity; deceived_by_offer",
        flags=("--join-reason",),
    ),
    Field(
        "barriers",
        "multi",
        "Coded barriers to leaving, apart from the reasons (see `casefile vocab barrier`), separated by ';'.",
        "coding",
        vocab="barrier",
        filterable=True,
        example="fear_of_reprisal; family_inside",
        flags=("--barrier",),
    ),
)

FIELD_BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)
#: The header of a CSV export: every field, each date followed by its parts (``left_edtf`` … ``left_note``),
#: so a correction, its note and the date's reading come back on import (the flat keys of JSON_KEYS).
CSV_COLUMNS: tuple[str, ...] = tuple(c for f in FIELDS for c in f.columns())
#: The columns of ``casefile template csv``: the fields a person fills in (the parts are optional).
TEMPLATE_COLUMNS: tuple[str, ...] = FIELD_NAMES
DATE_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.kind == "date")
MULTI_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.multi)
LIST_COLUMNS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.list_column)
SORTABLE: tuple[str, ...] = tuple(f.name for f in FIELDS if f.sortable)
PROMPTED: tuple[str, ...] = tuple(f.name for f in FIELDS if f.prompt)
TEXT_FILTERED: tuple[str, ...] = tuple(f.name for f in FIELDS if f.text_filter)

#: Columns casefile keeps beside the fields (not part of the interchange format).
SYSTEM_COLUMNS: tuple[str, ...] = ("created_at", "updated_at", "deleted_at")

#: The code columns beside coded fields (``nationality_code``…): added by a later migration, so last in the table.
CODE_COLUMNS: tuple[str, ...] = tuple(f"{f.name}_code" for f in FIELDS if f.coded)
#: Every column of the ``accounts`` table, in order (after the integer ``rowid``).
ACCOUNT_COLUMNS: tuple[str, ...] = (
    tuple(c for f in FIELDS for c in f.columns() if c not in CODE_COLUMNS) + SYSTEM_COLUMNS + CODE_COLUMNS
)


@dataclass(slots=True)
class Account:
    """One person's defection as reported by a source.

    ``values`` maps field names to their Python values: ``str`` or ``None`` for text and enum fields,
    ``list[str]`` for multi-valued ones, :class:`FuzzyDate` or ``None`` for dates, ``int`` for
    ``birth_year`` and ``float`` for ``years_in_org``; ``sources``, ``events`` and ``quotes`` are lists
    of dicts shaped by :data:`NESTED`. A key that is absent was not given (an import leaves it alone).
    """

    values: dict[str, Any] = field(default_factory=dict)
    created_at: str | None = None
    updated_at: str | None = None
    deleted_at: str | None = None
    rowid: int | None = None  # the store's internal key, when the account is stored

    def __getitem__(self, name: str) -> Any:
        return self.values.get(name)

    @property
    def id(self) -> str | None:
        return self.values.get("id")

    @property
    def display_name(self) -> str:
        return self.values.get("name") or UNNAMED


def format_number(value: float | int | None) -> str:
    """Numbers as a researcher wrote them: ``34`` not ``34.0``, ``0.00001`` not ``1e-05`` (which the CSV
    importer rightly refuses); the shortest digits that read back as the same float."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        text = repr(value)
        return format(Decimal(text), "f") if "e" in text else text
    return str(value)


# ----------------------------------------------------------------------------- nested parts of a record

#: The parts of a sources entry: a shared source (article, letter, interview) and this account's link to it.
SOURCE_FIELDS: tuple[Field, ...] = (
    Field("id", "id", "The source's casefile id (16 hex digits); assigned when left out.", "sources"),
    Field(
        "title",
        "text",
        "Title of the article, letter, interview or report.",
        "sources",
        example="Former member announces defection",
    ),
    Field(
        "url",
        "text",
        "Address of the source; sources with the same URL are one source.",
        "sources",
        example="https://example.org/a/17",
    ),
    Field("publisher", "text", "Who published it.", "sources", example="Nejat Society"),
    Field("publisher_type", "enum", "Kind of publisher.", "sources", vocab="publisher_type", example="advocacy_ngo"),
    Field(
        "stance",
        "enum",
        "The publisher's stance toward the organisation.",
        "sources",
        vocab="stance",
        example="adversarial",
    ),
    Field("date", "date", "Publication date (fuzzy).", "sources", example="2024-01-02"),
    Field("language", "text", "Language of the source (ISO 639 code).", "sources", example="fa"),
    Field(
        "link",
        "part_id",
        "The short id (8 hex digits) of this account's link to the source, as `source-link edit` takes it; assigned "
        "when left out.",
        "sources",
    ),
    Field(
        "role",
        "enum",
        "What the source is for this account (default primary).",
        "sources",
        vocab="source_role",
        example="primary",
    ),
    Field("locator", "text", "Where in the source (page, paragraph).", "sources", example="paragraph 3"),
    Field(
        "reliability",
        "enum",
        "Admiralty source reliability A–F, for this account.",
        "sources",
        vocab="reliability",
        example="F",
    ),
    Field(
        "credibility",
        "enum",
        "Admiralty information credibility 1–6, for this account.",
        "sources",
        vocab="credibility",
        example="3",
    ),
)

#: A part's own id: short, stable, unique in the database; kept through export, import and merge.
PART_ID = Field("id", "part_id", "The part's id (8 hex digits); assigned when left out, kept ever after.", "parts")

#: The parts of a timeline event.
EVENT_FIELDS: tuple[Field, ...] = (
    PART_ID,
    Field(
        "type",
        "enum",
        "What happened (see `casefile vocab event_type`).",
        "events",
        vocab="event_type",
        example="captured",
    ),
    Field("date", "date", "When (fuzzy; raw text kept; may be corrected).", "events", example="1988"),
    Field("place", "text", "Where.", "events", example="Shalamcheh front"),
    Field(
        "description", "text", "What happened, in the researcher's words.", "events", example="Taken prisoner of war."
    ),
    Field("source", "ref", "Id of the source this event comes from (one of the account's sources).", "events"),
)

#: The parts of a verbatim quote.
QUOTE_FIELDS: tuple[Field, ...] = (
    PART_ID,
    Field(
        "text",
        "text",
        "The exact words, as published.",
        "quotes",
        example="I could not see any future for myself there.",
    ),
    Field("speaker", "text", "Who said or wrote them.", "quotes", example="the defector"),
    Field("language", "text", "Language of the text (ISO 639 code).", "quotes", example="en"),
    Field("translation", "text", "A translation, when the text is not in English.", "quotes"),
    Field("locator", "text", "Where in the source (page, paragraph).", "quotes", example="paragraph 5"),
    Field("source", "ref", "Id of the source the quote is taken from.", "quotes"),
    Field(
        "supports",
        "text",
        "Id of the account's part the quote supports: an event, or a coded reason, barrier or allegation.",
        "quotes",
    ),
    Field(
        "relayed_via",
        "text",
        "The outlet that relayed the words, as written (e.g. VOA), when not first-hand.",
        "quotes",
        example="VOA",
    ),
)

#: The parts of a place in the person's story (issue 19, item 4); ``id`` is a short stable id (8 hex digits).
PLACE_FIELDS: tuple[Field, ...] = (
    Field("id", "part_id", "The place's short id (8 hex digits); assigned when left out.", "places"),
    Field(
        "role",
        "enum",
        "Its role in the story (see `casefile vocab place_role`).",
        "places",
        vocab="place_role",
        example="held",
    ),
    Field(
        "name",
        "text",
        "The place as written: a camp, a city, a country.",
        "places",
        text_filter=True,
        example="Camp Ashraf",
    ),
    Field(
        "country",
        "text",
        "Its country as written (IQ, Iraq, Iraqi); the ISO 3166 code is kept beside it in country_code.",
        "places",
        coded="country",
        example="Iraq",
    ),
    Field("since", "date", "From when (fuzzy; raw text kept).", "places", example="1986"),
    Field("until", "date", "Until when (fuzzy; raw text kept).", "places", example="2003"),
    Field(
        "note", "text", "The researcher's note.", "places", text_filter=True, example="held with about 3,000 members"
    ),
    Field("source", "ref", "Id of the source this place comes from.", "places"),
)

#: The parts of a person the account mentions (issue 19, item 5).
PERSON_FIELDS: tuple[Field, ...] = (
    Field("id", "part_id", "The person's short id (8 hex digits); assigned when left out.", "people"),
    Field(
        "name",
        "text",
        "The name as written (or a description: 'her brother').",
        "people",
        text_filter=True,
        example="his brother",
    ),
    Field(
        "relation",
        "enum",
        "Their relation to the subject (see `casefile vocab relation`).",
        "people",
        vocab="relation",
        example="brother",
    ),
    Field("account", "account_ref", "Id of their own account, when there is one.", "people"),
    Field("note", "text", "The researcher's note.", "people", text_filter=True, example="still inside the camp"),
    Field("source", "ref", "Id of the source that mentions them.", "people"),
)

#: The coded multi-valued fields whose codes are parts with ids of their own (a reason, a barrier, an allegation).
CODED_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.multi and f.vocab)

#: The ids of an account's codes: one entry per code of each :data:`CODED_FIELDS` field, in their order. The
#: fields themselves hold the codes (``stats`` counts them there); these entries only give each code its id.
CODE_FIELDS: tuple[Field, ...] = (
    PART_ID,
    Field("field", "text", f"Which coded field the code is in: {', '.join(CODED_FIELDS)}.", "codes"),
    Field("code", "text", "The code, as the field holds it.", "codes"),
)

NESTED: dict[str, tuple[Field, ...]] = {
    "sources": SOURCE_FIELDS,
    "events": EVENT_FIELDS,
    "quotes": QUOTE_FIELDS,
    "places": PLACE_FIELDS,
    "people": PERSON_FIELDS,
    "codes": CODE_FIELDS,
}
REQUIRED_NESTED = {"events": "type", "quotes": "text", "places": "role", "people": "relation"}
#: Each part's fields by name: ``FIELD_BY_NAME_OF["places"]["country"]``.
FIELD_BY_NAME_OF: dict[str, dict[str, Field]] = {part: {f.name: f for f in fs} for part, fs in NESTED.items()}
#: One entry of each part, as messages and headings name it.
SINGULAR = {
    "sources": "source",
    "events": "event",
    "quotes": "quote",
    "places": "place",
    "people": "person",
    "codes": "code",
}


#: The flat ``source_*`` columns describe the account's primary source: column → part of a sources entry.
FLAT_SOURCE: dict[str, str] = {
    "source_title": "title",
    "source_url": "url",
    "source_publisher": "publisher",
    "source_publisher_type": "publisher_type",
    "source_stance": "stance",
    "source_date": "date",
    "source_reliability": "reliability",
    "source_credibility": "credibility",
}


def nested_to_json(part: str, item: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in NESTED[part]:
        value = item.get(f.name)
        if f.kind == "date":
            out[f.name] = value.raw if value is not None else None
            for p in DATE_PARTS:
                out[f"{f.name}_{p}"] = getattr(value, p) if value is not None else None
        else:
            out[f.name] = value
            if f.coded:
                out[f"{f.name}_code"] = f.code(value)
    return out


#: Keys of an account in JSON/JSONL, in order: every field, with each date's parsed companions after it.
JSON_KEYS: tuple[str, ...] = tuple(c for f in FIELDS for c in f.columns()) + tuple(NESTED)


def to_json_dict(account: Account) -> dict[str, Any]:
    """The interchange form of an account for JSON and JSONL: every key of :data:`JSON_KEYS`, always.

    Text and enum fields are a string or null, multi-valued fields a list, ``birth_year`` an integer,
    ``years_in_org`` a number, and each date field its raw text plus ``<field>_edtf``, ``_min``,
    ``_max``, ``_precision``, ``_corrected`` and ``_note``. Then the lists ``sources``, ``events`` and
    ``quotes``, each entry shaped the same way.
    """
    out: dict[str, Any] = {}
    for f in FIELDS:
        value = account.values.get(f.name)
        if f.kind == "date":
            out[f.name] = value.raw if value is not None else None
            for part in DATE_PARTS:
                out[f"{f.name}_{part}"] = getattr(value, part) if value is not None else None
        elif f.multi:
            out[f.name] = list(value or [])
        elif f.kind == "number" and isinstance(value, float) and value.is_integer():
            out[f.name] = int(value)
        else:
            out[f.name] = value
            if f.coded:
                out[f"{f.name}_code"] = f.code(value)
    for part in NESTED:
        out[part] = [nested_to_json(part, item) for item in account.values.get(part) or ()]
    return out


def to_csv_row(account: Account) -> list[str]:
    """The flat CSV cells of an account, in :data:`CSV_COLUMNS` order (no spreadsheet escaping here)."""
    row: list[str] = []
    for f in FIELDS:
        value = account.values.get(f.name)
        if f.kind == "date":
            row.append(value.raw if value is not None else "")
            row.extend(("" if value is None else getattr(value, part) or "") for part in DATE_PARTS)
        elif value is None:
            row.extend("" for _ in f.columns())
        elif f.multi:
            row.append(f"{MULTI_SEPARATOR} ".join(value))
        elif f.kind in ("number", "year"):
            row.append(format_number(value))
        else:
            row.append(value)
            if f.coded:
                row.append(f.code(value) or "")
    return row


@dataclass(slots=True)
class Filter:
    """What ``list``, ``export``, ``search``, ``stats`` and bulk ``edit`` select; built by the CLI, turned into
    SQL by the store (field names checked against the registry first, values always bound)."""

    ids: list[str] = field(default_factory=list)  # exact account ids
    org: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    allegations: list[str] = field(default_factory=list)
    exit_types: list[str] = field(default_factory=list)
    since: str | None = None  # ISO day: the record's possible `left` range must reach this day or later
    until: str | None = None  # ISO day: ... must start on or before this day
    text: str | None = None  # substring of any TEXT_FILTERED field (name, aliases, organization…)
    include_deleted: bool = False
    only_deleted: bool = False
    include_restricted: bool = True
    sort: str | None = None
    reverse: bool = False
    limit: int | None = None


def example_record() -> dict[str, Any]:
    """An example account in the JSON interchange form, built from each field's ``example``."""
    out: dict[str, Any] = {}
    for f in FIELDS:
        if f.kind == "id":
            continue
        if f.multi:
            out[f.name] = [part.strip() for part in f.example.split(MULTI_SEPARATOR) if part.strip()]
        elif f.kind in ("year", "number"):
            out[f.name] = int(f.example) if f.example else None
        else:
            out[f.name] = f.example or None
    return out
