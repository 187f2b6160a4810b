"""FollowTheMoney (FtM) entities for Aleph and OpenAleph, one JSON object per line: ``export --format ftm``.

Built with the ``followthemoney`` library itself (the extra ``casefile[ftm]``), imported only when this format
is used (it pulls in pydantic, PyICU and rdflib). Each line is the library's
``{"id", "schema", "properties": {name: [value, …]}}`` with sorted keys, so the same accounts always give
the same bytes. Ids come from the library's ``make_id`` under the dataset name as key prefix, from keys
that survive export and re-import (casefile's account and source ids, organisation names, place texts,
positions in an account's timeline and quotes).

What an account becomes (entities shared between accounts are written once, before their first use):

* **Person**: name (an unnamed person is "Unnamed defector (<first 8 digits of the id>)"), alias,
  nationality, gender, birthDate, summary (the account's summary), keywords (``tag:…``,
  ``confidentiality:…``), proof (the primary source).
* **Organization**, one per organisation the accounts name, from the organisations table: name, its
  aliases (acronyms — all-caps short names such as MEK — as weakAlias), country, classification, notes.
* **Membership**: member, organization, role, startDate (joined), endDate (left), proof, recordId (the
  account id); the description keeps every date as written (joined, left, announced) and the years stated.
* **Article**, one per source: title, publisher, publishedAt, sourceUrl, language, keywords
  (``publisher_type:…``, ``stance:…``); and a **Documentation** per link from an account to a source: the
  Article documents the Person, with the link's role, locator and Admiralty grades.
* **Event**: the exit ("<person> left <organisation>": the left date, left_from and went_to, keywords
  ``exit_type:…`` and ``exit_reason:…`` for the reasons); one "Allegation: <code>" per allegation involving
  the person and the organisation (keywords ``allegation:<code>``, ``status:alleged``); one per timeline
  event ("<Type>: <person>", keyword ``event_type:…``, its place and its source as proof, else the
  account's primary source).
* **Note**, one per quote: description is the exact text, summary the translation, entity the Person.
* **Address**, one per distinct place text (left_from, went_to, event places), linked from the Events
  (places and people of an account: :mod:`.ftm_parts`).

The library's traps, verified on followthemoney 4.11, and what is done about each:

* ``add()`` silently drops a value its type cannot clean ("circa 1960", a gender of "unknown", a name
  over 384 characters). Every value is cleaned with its property type's ``clean()`` and checked against
  the length limit before it is added, and looked for afterwards. A value that cannot be carried is
  reported — one line naming the account (or source), the field and the reason, never the text — and
  written into the entity's description (a Note's ``notes``) instead.
* ``Schema.validate()`` ignores absent required properties: they are checked here before each entity is
  written, and the entity must then pass ``validate()`` too; either failure stops the export.
* The date cleaner truncates intervals ("1990/2024" → "1990") and strips ``?`` and ``~``, so it is never
  given an EDTF value. A date comes from casefile's earliest and latest possible days: FtM gets the most
  precise year, month or day that holds both (a year-precision date → "1990", "summer 1997" → "1997",
  "1886" corrected to 1986 → "1986"). An Event whose days span more than that gets startDate and endDate
  from the two days; a Membership start or end, a birth or publication date gets no date and is reported.
  Every date is also written out in its entity's description as written, with its EDTF value, days,
  precision, correction and note, so nothing is lost ("New Year's Eve" stays "XXXX-12-31" there).
* Found here too: the text cleaner deletes invisible formatting characters, among them the ZWNJ Persian
  spelling needs ("می‌خواهم" becomes "میخواهم"), and control characters, from every value: no FtM
  property can keep them, so such a value is carried without them and reported (JSON keeps them).
"""

from __future__ import annotations

import calendar
import json
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from casefile.errors import CasefileError, UsageError, quote
from casefile.model import FIELD_BY_NAME, FLAT_SOURCE, Account, FuzzyDate, format_number

from . import ftm_parts

if TYPE_CHECKING:
    from followthemoney.proxy import EntityProxy

DEFAULT_DATASET = "casefile"
INSTALL_HINT = "pip install 'casefile[ftm]'"
_DATASET_NAME = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_ACRONYM = re.compile(r"[A-Z0-9&.\-]{2,10}")
_SPACES = re.compile(r"\s+")
#: Property types whose cleaning should change nothing but Unicode normalisation and white space.
_TEXT_TYPES = frozenset({"name", "string", "text", "address"})

Warn = Callable[[str], None]


def check_dataset(name: str) -> str:
    """The dataset name (the id prefix and the Aleph collection's foreign id) if it is snake_case."""
    if not _DATASET_NAME.fullmatch(name) or len(name) > 64:
        raise UsageError(
            f"--dataset {quote(name)}: use snake_case (lower-case letters, digits and single underscores), "
            "e.g. defection_cases"
        )
    return name


def require_library() -> None:
    """Fail with one line saying how to install the extra when followthemoney is missing."""
    try:
        import followthemoney  # noqa: F401
    except ImportError:
        raise CasefileError(f"--format ftm needs the followthemoney library: {INSTALL_HINT}") from None


def _comparable(text: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def is_acronym(name: str) -> bool:
    """All-caps short names (MEK, PMOI, NLF) are acronyms: FtM's weakAlias, not used for matching."""
    return bool(_ACRONYM.fullmatch(name)) and any(c.isalpha() for c in name)


# ----------------------------------------------------------------------------------------------- dates


def common_date(fd: FuzzyDate | None) -> str | None:
    """The most precise FtM date (``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``) that holds every possible day."""
    if fd is None or not fd.min or not fd.max:
        return None
    for length in (10, 7, 4):
        if fd.min[:length] == fd.max[:length]:
            return fd.min[:length]
    return None


def start_bound(day: str) -> str:
    """An earliest day as the widest FtM date that starts on it: 1986-01-01 → 1986, 2014-06-01 → 2014-06."""
    if day[5:] == "01-01":
        return day[:4]
    return day[:7] if day[8:] == "01" else day


def end_bound(day: str) -> str:
    """A latest day as the widest FtM date that ends on it: 1990-12-31 → 1990, 2014-08-31 → 2014-08."""
    if day[5:] == "12-31":
        return day[:4]
    try:
        last = calendar.monthrange(int(day[:4]), int(day[5:7]))[1]
    except ValueError:
        return day
    return day[:7] if day[8:] == f"{last:02d}" else day


def no_date_reason(fd: FuzzyDate) -> str:
    if not fd.min or not fd.max:
        if fd.edtf and "X" in fd.edtf:
            return "the year is unknown, so FtM has no date for it"
        return "casefile has no earliest and latest day for it, so FtM has no date for it"
    return "its possible days span more than one calendar year; an FtM date is one year, month or day"


def describe_date(label: str, fd: FuzzyDate) -> str:
    """A date in full, for a description: as written, its correction, EDTF value, days, precision and note."""
    text = f"{label}: {fd.raw}"
    if fd.corrected:
        text += f" (as written), corrected to {fd.corrected}"
    details = [f"EDTF {fd.edtf}"] if fd.edtf else []
    if fd.min and fd.max:
        details.append(fd.min if fd.min == fd.max else f"{fd.min} to {fd.max}")
    else:
        details.append("earliest and latest day unknown")
    if fd.precision:
        details.append(f"precision {fd.precision}")
    if fd.derived:
        details.append(f"derived, not stated: counted from {fd.anchor}")
    if fd.note:
        details.append(f"note: {fd.note}")
    return f"{text} ({'; '.join(details)})"


# ---------------------------------------------------------------------------------------------- writer


@dataclass
class Draft:
    """An entity being built: the library's proxy, whose record it is (for reports) and its description lines."""

    proxy: EntityProxy
    subject: str  # "account <id>", "source <id>": where a reported problem lies
    lines: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.proxy.id)

    @property
    def overflow(self) -> str:
        """The property that takes the description lines; a Note's description is the quote itself."""
        return "notes" if self.proxy.schema.name == "Note" else "description"


@dataclass
class Context:
    """What the entities of one account share."""

    account_id: str
    subject: str
    person: Draft
    display: str  # the Person's name, for Event names
    org_name: str | None
    org_id: str | None
    primary: str | None  # the Article id of the primary source
    articles: dict[str, str]  # casefile source id → Article id


class Writer:
    """Writes accounts as FtM entities to ``out``: counts entities and values, and reports every value that
    cannot be carried through ``warn``, one line each."""

    def __init__(
        self,
        out: TextIO,
        organizations: Iterable[Mapping[str, Any]] = (),
        *,
        dataset: str = DEFAULT_DATASET,
        warn: Warn | None = None,
    ):
        self.dataset = check_dataset(dataset)
        require_library()
        from followthemoney import model

        self.model = model
        self.out = out
        self.organizations = {str(o["name"]): o for o in organizations}
        self.warn: Warn = warn or (lambda line: print(line, file=sys.stderr))
        self.written: set[str] = set()
        self.entities: Counter[str] = Counter()  # schema name → entities written
        self.values = 0  # property values in the entities written
        self.problems = 0  # values reported as not carried
        self.altered = 0  # values carried without the invisible characters FtM deletes
        self._encoder = json.JSONEncoder(ensure_ascii=False, sort_keys=True)

    def write(self, accounts: Iterable[Account]) -> int:
        count = 0
        for account in accounts:
            self.account(account)
            count += 1
        if self.problems:
            self.warn(
                f"{self.problems} value{'s' if self.problems != 1 else ''} could not be carried as FtM "
                "properties; each is kept in its entity's description"
            )
        if self.altered:
            self.warn(
                f"{self.altered} value{'s' if self.altered != 1 else ''} lost invisible characters (ZWNJ, control "
                "characters) that FtM deletes; casefile's JSON export keeps them"
            )
        return count

    # -- values -------------------------------------------------------------------------------------

    def draft(self, schema: str, subject: str, *key: Any) -> Draft:
        proxy = self.model.make_entity(schema, key_prefix=self.dataset)
        proxy.make_id(*key)
        return Draft(proxy, subject)

    def refusal(self, draft: Draft, prop_name: str, value: Any) -> tuple[str | None, str | None]:
        """(the cleaned value, None) when FtM can carry ``value`` in the property, else (None, why not)."""
        prop = draft.proxy.schema.get(prop_name)
        if prop is None:
            raise CasefileError(f"FtM export: {draft.proxy.schema.name} has no property {prop_name!r} (a casefile bug)")
        cleaned = prop.type.clean(value, proxy=draft.proxy)
        if cleaned is None:
            return None, f"FtM does not accept it as a {prop.type.name}"
        limit = min(prop.max_length, prop.type.max_length)
        if len(cleaned) > limit:
            return None, f"longer than the {limit} characters FtM allows in {prop_name}"
        return cleaned, None

    def put(self, draft: Draft, prop_name: str, value: Any, what: str, *, described: bool = False) -> bool:
        """Add one value if FtM can carry it; else report it (``what`` names the field) and keep it in the
        description, unless the description has it already (``described``). True when carried."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return False
        cleaned, reason = self.refusal(draft, prop_name, value)
        if cleaned is not None:
            held_before = len(draft.proxy.get(prop_name))
            draft.proxy.add(prop_name, cleaned, cleaned=True)
            held = draft.proxy.get(prop_name)
            if cleaned in held:
                self.values += len(held) - held_before
                if self.lost_characters(draft, prop_name, value, cleaned):
                    self.altered += 1
                    self.warn(
                        f"warning: {draft.subject}: {what}: FtM deletes invisible characters such as ZWNJ and "
                        "control characters; carried without them"
                    )
                return True
            reason = "the library refused it (an entity size limit)"
        self.report(draft, what, str(reason))
        if not described:
            draft.lines.append(f"{what}: {value}")
        return False

    @staticmethod
    def lost_characters(draft: Draft, prop_name: str, value: Any, cleaned: str) -> bool:
        """Whether cleaning deleted characters from a text value (beyond normalising Unicode and white space)."""
        if draft.proxy.schema.properties[prop_name].type.name not in _TEXT_TYPES or not isinstance(value, str):
            return False
        return _comparable(value) != _comparable(cleaned)

    def put_text(self, draft: Draft, prop_name: str, text: str | None) -> None:
        """Text of any length: beyond what FtM allows in one value it is split over several values."""
        if not text or not text.strip():
            return
        limit = draft.proxy.schema.properties[prop_name].type.max_length
        for start in range(0, len(text), limit):
            self.put(draft, prop_name, text[start : start + limit], f"field {prop_name!r}")

    def report(self, draft: Draft, what: str, reason: str) -> None:
        self.problems += 1
        where = f"the {draft.proxy.schema.name}'s {draft.overflow}"
        self.warn(f"warning: {draft.subject}: {what}: {reason}; kept in {where}")

    def put_date(self, draft: Draft, prop_name: str, fd: FuzzyDate | None, what: str) -> None:
        """One FtM date for a casefile date, or a report; the description line is the caller's."""
        if fd is None:
            return
        day = common_date(fd)
        if day is None:
            self.report(draft, what, no_date_reason(fd))
        else:
            self.put(draft, prop_name, day, what, described=True)

    def put_event_date(self, draft: Draft, label: str, fd: FuzzyDate | None, what: str) -> None:
        """An Event's date, described in full: one date when there is one, else startDate and endDate from
        the earliest and latest possible days."""
        if fd is None:
            return
        draft.lines.append(describe_date(label, fd))
        if common_date(fd) is not None or not fd.min or not fd.max:
            self.put_date(draft, "date", fd, what)
        else:
            self.put(draft, "startDate", start_bound(fd.min), what, described=True)
            self.put(draft, "endDate", end_bound(fd.max), what, described=True)

    def put_place(self, draft: Draft, label: str, place: str | None, what: str) -> None:
        """A place on an Event: described, as its location, and as an Address entity written once."""
        if not place or not place.strip():
            return
        draft.lines.append(f"{label}: {place}")
        if not self.put(draft, "location", place, what, described=True):
            return
        address = self.draft("Address", draft.subject, "address", place.strip())
        if address.id not in self.written:
            self.put(address, "full", place, what)
            self.emit(address)
        self.put(draft, "addressEntity", address.id, what)

    def emit(self, draft: Draft) -> str:
        """Check an entity and write it (once); returns its id."""
        if draft.id in self.written:
            return draft.id
        proxy = draft.proxy
        self.put_text(draft, draft.overflow, "\n".join(draft.lines))
        missing = [p for p in sorted(proxy.schema.required) if not proxy.has(p)]
        if missing:
            raise CasefileError(
                f"FtM export stopped: a {proxy.schema.name} of {draft.subject} lacks the required "
                f"{', '.join(missing)} (a casefile bug)"
            )
        from followthemoney.exc import InvalidData

        data = proxy.to_dict()
        try:
            proxy.schema.validate({"properties": data["properties"]})
        except InvalidData as exc:
            props = ", ".join(sorted(dict(exc.errors.get("properties") or {}))) or "its values"
            raise CasefileError(
                f"FtM export stopped: a {proxy.schema.name} of {draft.subject} fails the library's validation "
                f"in {props} (a casefile bug)"
            ) from None
        self.out.write(self._encoder.encode(data) + "\n")
        self.written.add(draft.id)
        self.entities[proxy.schema.name] += 1
        return draft.id

    # -- shared entities ----------------------------------------------------------------------------

    def organization(self, name: str, subject: str) -> str:
        org = self.draft("Organization", f"organisation of {subject}", "organization", name)
        if org.id in self.written:
            return org.id
        info = self.organizations.get(name, {})
        if not self.put(org, "name", name, "field 'organization'"):
            self.put(org, "name", f"Organisation ({org.id[:8]})", "field 'organization'")
        for i, alias in enumerate(info.get("aliases") or (), 1):
            self.put(org, "weakAlias" if is_acronym(alias) else "alias", alias, f"alias {i}")
        self.put(org, "country", info.get("country"), "field 'country'")
        self.put(org, "classification", info.get("type"), "field 'type'")
        self.put_text(org, "notes", info.get("notes"))
        return self.emit(org)

    def article(self, source: Mapping[str, Any], subject: str, *key: str) -> str:
        art = self.draft("Article", subject, *key)
        if art.id in self.written:
            return art.id
        if source.get("id"):
            art.lines.append(f"casefile source {source['id']}")
        self.put(art, "title", source.get("title"), "field 'title'")
        self.put(art, "publisher", source.get("publisher"), "field 'publisher'")
        self.put(art, "sourceUrl", source.get("url"), "field 'url'")
        self.put(art, "language", source.get("language"), "field 'language'")
        for part in ("publisher_type", "stance"):
            if source.get(part):
                self.put(art, "keywords", f"{part}:{source[part]}", f"field {part!r}")
        if source.get("date") is not None:
            art.lines.append(describe_date("published", source["date"]))
            self.put_date(art, "publishedAt", source["date"], "field 'date'")
        return self.emit(art)

    def source_links(self, account: Account, subject: str) -> list[tuple[str, Mapping[str, Any]]]:
        """(Article id, link) for each source of the account; from the flat source_* columns when it has none."""
        v = account.values
        links = [
            (self.article(s, f"source {s['id']} of {subject}", "source", s["id"]), s) for s in v.get("sources") or ()
        ]
        if links:
            return links
        flat = {part: v.get(column) for column, part in FLAT_SOURCE.items()}
        if not any(flat.get(k) for k in ("title", "url", "publisher", "date")):
            return []
        flat["role"] = "primary"
        return [(self.article(flat, subject, "source", "account", str(account.id)), flat)]

    # -- one account --------------------------------------------------------------------------------

    def account(self, account: Account) -> None:
        v = account.values
        account_id = str(account.id)
        subject = f"account {account_id}"
        org_name = v.get("organization") or None
        org_id = self.organization(org_name, subject) if org_name else None
        links = self.source_links(account, subject)
        primary = next((a for a, link in links if link.get("role") == "primary"), links[0][0] if links else None)
        person = self.person(account, subject, primary)
        ctx = Context(
            account_id,
            subject,
            person,
            person.proxy.first("name") or "",
            org_name,
            org_id,
            primary,
            {str(link["id"]): a for a, link in links if link.get("id")},
        )
        membership = self.membership(ctx, v)
        ftm_parts.person_countries(self, person, v)
        self.put(person, "addressEntity", ftm_parts.places(self, ctx, v), "place where the person lives now")
        self.emit(person)
        if membership is not None:
            self.emit(membership)
        for article_id, link in links:
            self.documentation(ctx, article_id, link)
        self.exit_event(ctx, v)
        for code in v.get("allegations") or ():
            self.allegation(ctx, code)
        for i, item in enumerate(v.get("events") or (), 1):
            self.timeline_event(ctx, i, item)
        for i, item in enumerate(v.get("quotes") or (), 1):
            self.quote(ctx, i, item)
        ftm_parts.people(self, ctx, v)

    def person(self, account: Account, subject: str, primary: str | None) -> Draft:
        v = account.values
        account_id = str(account.id)
        person = self.draft("Person", subject, "person", account_id)
        if not self.put(person, "name", v.get("name") or f"Unnamed defector ({account_id[:8]})", "field 'name'"):
            self.put(person, "name", f"Defector ({account_id[:8]})", "field 'name'")
        external = f", external id {v['external_id']}" if v.get("external_id") else ""
        person.lines.append(f"casefile account {account_id}{external}")
        for i, alias in enumerate(v.get("aliases") or (), 1):
            self.put(person, "alias", alias, f"alias {i}")
        for name in ("nationality", "gender"):  # the code when there is one (IR for Iranian), else as written
            self.put(person, name, FIELD_BY_NAME[name].code(v.get(name)) or v.get(name), f"field {name!r}")
        if v.get("birth_year") is not None:
            self.put(person, "birthDate", str(v["birth_year"]), "field 'birth_year'")
        self.put_text(person, "summary", v.get("summary"))
        for tag in v.get("tags") or ():
            self.put(person, "keywords", f"tag:{tag}", "field 'tags'")
        if v.get("confidentiality"):
            self.put(person, "keywords", f"confidentiality:{v['confidentiality']}", "field 'confidentiality'")
        self.put(person, "proof", primary, "primary source")
        return person

    def membership(self, ctx: Context, v: Mapping[str, Any]) -> Draft | None:
        """The Membership; without an organisation there is none, and its values go to the Person's description."""
        if ctx.org_id is None:
            target = ctx.person
            for name in ("role", "joined", "left"):
                if v.get(name) is not None:
                    self.report(target, f"field {name!r}", "no organisation is named, so there is no Membership")
            if v.get("role"):
                target.lines.append(f"role: {v['role']}")
        else:
            target = self.draft("Membership", ctx.subject, "membership", ctx.account_id)
            self.put(target, "member", ctx.person.id, "person")
            self.put(target, "organization", ctx.org_id, "field 'organization'")
            self.put(target, "role", v.get("role"), "field 'role'")
            self.put(target, "recordId", ctx.account_id, "field 'id'")
            self.put(target, "proof", ctx.primary, "primary source")
            self.put_date(target, "startDate", v.get("joined"), "field 'joined'")
            self.put_date(target, "endDate", v.get("left"), "field 'left'")
        for name in ("joined", "left", "announced"):
            if v.get(name) is not None:
                target.lines.append(describe_date(name, v[name]))
        if v.get("years_in_org") is not None:
            target.lines.append(f"years in the organisation, as stated: {format_number(v['years_in_org'])}")
        return target if ctx.org_id is not None else None

    def documentation(self, ctx: Context, article_id: str, link: Mapping[str, Any]) -> None:
        doc = self.draft("Documentation", ctx.subject, "documentation", ctx.account_id, article_id)
        self.put(doc, "document", article_id, "source")
        self.put(doc, "entity", ctx.person.id, "person")
        self.put(doc, "role", f"{link.get('role') or 'primary'} source", "field 'role'")
        grades = [
            f"{label} {link[key]}"
            for key, label in (("reliability", "source reliability"), ("credibility", "information credibility"))
            if link.get(key)
        ]
        if grades:
            doc.lines.append("Admiralty grading for this account: " + ", ".join(grades))
        if link.get("locator"):
            doc.lines.append(f"locator: {link['locator']}")
        self.emit(doc)
        from .ftm_evidence import archived_copies

        archived_copies(self, ctx, link)

    def exit_event(self, ctx: Context, v: Mapping[str, Any]) -> None:
        """The exit as the account codes it: when, from where, to where, how and why."""
        if not any(v.get(k) for k in ("left", "left_from", "went_to", "exit_type", "reasons")):
            return
        event = self.draft("Event", ctx.subject, "exit", ctx.account_id)
        name = f"{ctx.display} left {ctx.org_name}" if ctx.org_name else f"{ctx.display} left"
        if not self.put(event, "name", name, "exit"):
            self.put(event, "name", f"Exit ({ctx.account_id[:8]})", "exit")
        self.put(event, "involved", ctx.person.id, "person")
        self.put(event, "involved", ctx.org_id, "field 'organization'")
        self.put_event_date(event, "left", v.get("left"), "field 'left'")
        self.put_place(event, "left from", v.get("left_from"), "field 'left_from'")
        self.put_place(event, "went to", v.get("went_to"), "field 'went_to'")
        if v.get("exit_type"):
            self.put(event, "keywords", f"exit_type:{v['exit_type']}", "field 'exit_type'")
        for code in v.get("reasons") or ():
            self.put(event, "keywords", f"exit_reason:{code}", "field 'reasons'")
        self.put(event, "proof", ctx.primary, "primary source")
        self.emit(event)

    def allegation(self, ctx: Context, code: str) -> None:
        event = self.draft("Event", ctx.subject, "allegation", ctx.account_id, code)
        if not self.put(event, "name", f"Allegation: {code}", "field 'allegations'"):
            self.put(event, "name", "Allegation", "field 'allegations'")
        self.put(event, "involved", ctx.person.id, "person")
        self.put(event, "involved", ctx.org_id, "field 'organization'")
        self.put(event, "keywords", f"allegation:{code}", "field 'allegations'")
        self.put(event, "keywords", "status:alleged", "field 'allegations'")
        self.put(event, "proof", ctx.primary, "primary source")
        event.lines.append(f"Alleged in casefile account {ctx.account_id}; recorded as alleged, not as established.")
        self.emit(event)

    def timeline_event(self, ctx: Context, i: int, item: Mapping[str, Any]) -> None:
        event = self.draft("Event", ctx.subject, "event", ctx.account_id, i)
        what = f"event {i} field"
        kind = str(item.get("type") or "event")
        if not self.put(event, "name", f"{kind.replace('_', ' ').capitalize()}: {ctx.display}", f"{what} 'type'"):
            self.put(event, "name", f"Event {i} ({ctx.account_id[:8]})", f"{what} 'type'")
        if item.get("description"):
            event.lines.append(str(item["description"]))
        self.put(event, "involved", ctx.person.id, "person")
        self.put(event, "keywords", f"event_type:{kind}", f"{what} 'type'")
        self.put_event_date(event, "date", item.get("date"), f"{what} 'date'")
        self.put_place(event, "place", item.get("place"), f"{what} 'place'")
        self.put(event, "proof", ctx.articles.get(str(item.get("source"))) or ctx.primary, f"{what} 'source'")
        self.emit(event)

    def quote(self, ctx: Context, i: int, item: Mapping[str, Any]) -> None:
        note = self.draft("Note", ctx.subject, "quote", ctx.account_id, i)
        self.put_text(note, "description", item.get("text"))
        self.put_text(note, "summary", item.get("translation"))
        self.put(note, "entity", ctx.person.id, "person")
        for key in ("speaker", "locator", "language"):
            if item.get(key):
                note.lines.append(f"{key}: {item[key]}")
        self.put(note, "proof", ctx.articles.get(str(item.get("source"))) or ctx.primary, f"quote {i} field 'source'")
        self.emit(note)


def write(
    accounts: Iterable[Account],
    out: TextIO,
    organizations: Iterable[Mapping[str, Any]] = (),
    *,
    dataset: str = DEFAULT_DATASET,
    warn: Warn | None = None,
) -> int:
    """Write the accounts as FtM entities, one JSON object per line; returns the number of accounts.

    ``organizations`` are the organisation records (``name``, ``aliases``, ``type``, ``country``,
    ``notes``) as the store lists them; those the accounts name become Organization entities. ``warn``
    receives one line per value FtM cannot carry (default: stderr).
    """
    return Writer(out, organizations, dataset=dataset, warn=warn).write(accounts)
