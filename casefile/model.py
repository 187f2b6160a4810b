"""The record types and the field registry.

Everything that talks about an account's fields — the SQLite columns, the CSV header, the JSON keys,
prompts, ``list`` columns, the sort and filter allow-lists, the fields ``--q`` looks in, the flat source
columns and the generated field reference — is derived from :data:`FIELDS`. Add a field here (and a
migration step); never rename one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

Kind = Literal["id", "text", "multi", "date", "year", "number", "enum", "ref"]

UNNAMED = "(unnamed)"
MULTI_SEPARATOR = ";"

#: Precision values a date can carry, coarsest last.
PRECISIONS = ("day", "month", "season", "year", "decade", "century", "interval", "unknown")

#: Suffixes of the parsed-date companion columns stored beside each date field's raw text.
DATE_PARTS = ("edtf", "min", "max", "precision", "corrected", "note")


@dataclass(frozen=True, slots=True)
class FuzzyDate:
    """A date as a testimony gives it: the raw text, never lost, and what can be said about it.

    ``min``/``max`` are the earliest and latest possible ISO days (``None`` when unknown, e.g. the
    year of "New Year's Eve"); ``edtf`` is an EDTF-style value (``1990``, ``2016-03``, ``XXXX-12-31``,
    ``2008~``, ``1986?``, ``1986/1990``); ``corrected`` holds the researcher's correction of an
    obviously wrong raw value (raw ``1886`` → corrected ``1986``), with ``note`` saying why.
    """

    raw: str
    edtf: str | None = None
    min: str | None = None
    max: str | None = None
    precision: str = "unknown"
    corrected: str | None = None
    note: str | None = None

    def parts(self) -> dict[str, Any]:
        return {p: getattr(self, p) for p in DATE_PARTS}


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
        return (self.name,)


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
        "Gender as reported (free text, e.g. male, female, unknown).",
        "person",
        filterable=True,
        example="male",
    ),
    Field("birth_year", "year", "Four-digit year of birth.", "person", example="1965"),
    Field(
        "nationality",
        "text",
        "Nationality as reported, preferably an ISO 3166 country code.",
        "person",
        filterable=True,
        example="IR",
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
    Field("years_in_org", "number", "Years in the organisation as stated by the source.", "membership", example="34"),
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

#: Every column of the ``accounts`` table, in order (after the integer ``rowid``).
ACCOUNT_COLUMNS: tuple[str, ...] = tuple(c for f in FIELDS for c in f.columns()) + SYSTEM_COLUMNS


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
    Field("title", "text", "Title of the article, letter, interview or report.", "sources"),
    Field("url", "text", "Address of the source; sources with the same URL are one source.", "sources"),
    Field("publisher", "text", "Who published it.", "sources"),
    Field("publisher_type", "enum", "Kind of publisher.", "sources", vocab="publisher_type"),
    Field("stance", "enum", "The publisher's stance toward the organisation.", "sources", vocab="stance"),
    Field("date", "date", "Publication date (fuzzy).", "sources"),
    Field("language", "text", "Language of the source (ISO 639 code).", "sources"),
    Field("role", "enum", "What the source is for this account (default primary).", "sources", vocab="source_role"),
    Field("locator", "text", "Where in the source (page, paragraph).", "sources"),
    Field("reliability", "enum", "Admiralty source reliability A–F, for this account.", "sources", vocab="reliability"),
    Field(
        "credibility",
        "enum",
        "Admiralty information credibility 1–6, for this account.",
        "sources",
        vocab="credibility",
    ),
)

#: The parts of a timeline event.
EVENT_FIELDS: tuple[Field, ...] = (
    Field("type", "enum", "What happened (see `casefile vocab event_type`).", "events", vocab="event_type"),
    Field("date", "date", "When (fuzzy; raw text kept; may be corrected).", "events"),
    Field("place", "text", "Where.", "events"),
    Field("description", "text", "What happened, in the researcher's words.", "events"),
    Field("source", "ref", "Id of the source this event comes from (one of the account's sources).", "events"),
)

#: The parts of a verbatim quote.
QUOTE_FIELDS: tuple[Field, ...] = (
    Field("text", "text", "The exact words, as published.", "quotes"),
    Field("speaker", "text", "Who said or wrote them.", "quotes"),
    Field("language", "text", "Language of the text (ISO 639 code).", "quotes"),
    Field("translation", "text", "A translation, when the text is not in English.", "quotes"),
    Field("locator", "text", "Where in the source (page, paragraph).", "quotes"),
    Field("source", "ref", "Id of the source the quote is taken from.", "quotes"),
)

NESTED: dict[str, tuple[Field, ...]] = {"sources": SOURCE_FIELDS, "events": EVENT_FIELDS, "quotes": QUOTE_FIELDS}
REQUIRED_NESTED = {"events": "type", "quotes": "text"}

#: The flat ``source_*`` columns describe the account's primary source: column → part of a sources entry.
FLAT_SOURCE: dict[str, str] = {
    "source_title": "title",
    "source_url": "url",
    "source_publisher": "publisher",
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
            row.append("")
        elif f.multi:
            row.append(f"{MULTI_SEPARATOR} ".join(value))
        elif f.kind in ("number", "year"):
            row.append(format_number(value))
        else:
            row.append(value)
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
