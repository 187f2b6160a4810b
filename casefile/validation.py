"""Raw input (a CSV row, a JSON object, command-line options) → an :class:`~casefile.model.Account`.

Every problem in a record is collected, each naming its field and why, and raised together as
:class:`~casefile.errors.InvalidRecord`. Messages never contain the values themselves: they may be
testimony. Nothing here touches the database; the vocabularies in use are handed in.

A validated account holds only the fields the input *gave* (``Account.values``), so an import can
update some columns of an existing record and leave the others alone.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import dates, durations, model, relative_dates, vocab
from .errors import LISTED_NAMES, InvalidRecord, Problem, column_names, looks_like_a_name, quote
from .model import Account, FuzzyDate
from .text import noun, plural

ID_RE = re.compile(r"^[0-9a-f]{16}$")
PART_ID_RE = re.compile(r"^[0-9a-f]{8}$")
YEAR_RE = re.compile(r"^[12][0-9]{3}$")
NUMBER_RE = re.compile(r"^[0-9]{1,3}(\.[0-9]+)?$")
KNOWN_KEYS: frozenset[str] = frozenset(model.JSON_KEYS)  # includes the nested lists
_DATE_COMPANIONS = {f"{name}_{part}": (name, part) for name in model.DATE_FIELDS for part in model.DATE_PARTS}
#: The code columns beside coded fields (``nationality_code`` → ``nationality``): derived, so only checked.
_CODE_COMPANIONS = {f"{f.name}_code": f.name for f in model.FIELDS if f.coded}
_COMPANION_KEYS: frozenset[str] = frozenset(_DATE_COMPANIONS) | frozenset(_CODE_COMPANIONS)
SHORT_ID_RE = re.compile(r"^[0-9a-f]{8}$")
_NUL = "\x00"
#: Lone surrogates: not Unicode text, so they cannot be stored as UTF-8. JSON escapes are refused by the
#: importer; they also arrive through codecs such as UTF-7 and through undecodable bytes in ``sys.argv``.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _check_text(value: str) -> None:
    if _NUL in value:
        raise ValueError("contains a NUL character")
    if not value.isascii() and _SURROGATE.search(value):  # isascii() is a flag: pure-ASCII text skips the scan
        raise ValueError("contains a lone surrogate (not valid Unicode text)")


@dataclass
class Options:
    """How to read values: date order, whether unreadable dates may be kept, which codes exist."""

    order: dates.Order = None
    keep_unparsed_dates: bool = False
    ignore_unknown: bool = False
    codes: Mapping[str, frozenset[str]] = field(default_factory=lambda: {v: vocab.codes(v) for v in vocab.VOCABULARIES})


@dataclass
class Validated:
    account: Account
    #: date fields whose raw text could not be read; forgiven when the stored record has the same raw text
    deferred: dict[str, Problem] = field(default_factory=dict)
    #: date fields whose parsed columns were given explicitly (JSON export, or CSV with companion columns)
    explicit_dates: set[str] = field(default_factory=set)


def unknown_keys(keys: Iterable[str]) -> list[str]:
    return [k for k in keys if k not in KNOWN_KEYS]


def unknown_columns_problem(keys: Iterable[str], line: int | None) -> Problem | None:
    keys = list(keys)
    unknown = unknown_keys(keys)
    if not unknown:
        return None
    if len(unknown) == len(keys):
        return Problem(
            line,
            None,
            f"none of the {len(keys)} column names is a casefile field: is the header line missing? "
            "(`casefile template csv` prints one)",
        )
    n = len(unknown)
    return Problem(
        line,
        None,
        f"{plural(n, 'unknown column')}: {column_names(unknown)}{_did_you_mean(unknown)}; "
        "`casefile template csv` prints the known columns; --ignore-unknown skips them",
    )


def _did_you_mean(unknown: list[str]) -> str:
    """``; did you mean 'name' for 'nmae'?`` for the first few unknown names that are near a known one."""
    pairs = []
    for name in [n for n in unknown if looks_like_a_name(n)][:LISTED_NAMES]:
        matches = difflib.get_close_matches(name, model.CSV_COLUMNS, n=1, cutoff=0.75)
        if matches:
            pairs.append(f"{quote(matches[0])} for {quote(name)}")
    return f"; did you mean {', '.join(pairs)}?" if pairs else ""


def header_problem(header: list[str], ignore_unknown: bool) -> str | None:
    """What is wrong with a CSV header, if anything. A header without a single casefile column is most likely
    a record (the file has no header line): its cells are testimony, so they are not listed, and it is refused
    even with ``ignore_unknown``, which would otherwise import every row as an empty record."""
    if not any(name in KNOWN_KEYS for name in header):
        return (
            f"none of the {len(header)} columns of the first line is a casefile column: is it a header? "
            "`casefile template csv` prints one"
        )
    problem = None if ignore_unknown else unknown_columns_problem(header, 1)
    return problem.reason if problem else None


def closest(word: str, choices: Iterable[str]) -> str:
    matches = difflib.get_close_matches(word, sorted(choices), n=3, cutoff=0.5)
    return f"; did you mean {' or '.join(matches)}?" if matches else ""


class Validator:
    def __init__(self, options: Options | None = None):
        self.options = options or Options()
        #: (field name, is a date, reader) in registry order, for :meth:`_validate_plain`
        self._plan: list[tuple[str, bool, Any]] = [(f.name, f.kind == "date", self._reader(f)) for f in model.FIELDS]

    def validate(self, raw: Mapping[str, Any], line: int | None = None) -> Validated:
        """Check one record; raise :class:`InvalidRecord` listing every problem found."""
        if "years_in_org" in raw:
            raw = _years_stated(raw)
        if KNOWN_KEYS.issuperset(raw) and _COMPANION_KEYS.isdisjoint(raw):
            return self._validate_plain(raw, line)
        problems: list[Problem] = []
        values: dict[str, Any] = {}
        result = Validated(Account(values))
        if not self.options.ignore_unknown:
            problem = unknown_columns_problem(raw.keys(), line)
            if problem:
                problems.append(problem)
        for part in model.NESTED:
            if part in raw:
                values[part] = self._nested(part, raw[part], line, problems)
        for f in model.FIELDS:
            if f.name not in raw:
                continue
            try:
                if f.kind == "date":
                    self._date(f.name, raw[f.name], _date_parts(f.name, raw), line, result)
                else:
                    values[f.name] = self._value(f, raw[f.name])
                    if f.coded:
                        _check_code(f, values[f.name], raw, line, problems)
            except ValueError as exc:
                problems.append(Problem(line, f.name, str(exc)))
        for key in raw:
            owner = _DATE_COMPANIONS[key][0] if key in _DATE_COMPANIONS else _CODE_COMPANIONS.get(key)
            if owner and owner not in raw and raw[key] not in (None, ""):
                problems.append(Problem(line, key, f"given without the {owner!r} column it belongs to"))
        if "codes" in values:
            self._check_codes(values, line, problems)
        if problems:
            raise InvalidRecord(problems)
        return result

    def _validate_plain(self, raw: Mapping[str, Any], line: int | None) -> Validated:
        """:meth:`validate` for the common record: only known keys and no parsed-date companion columns.

        The same checks in the same order with the same messages, minus the per-key work that cannot find
        anything here (unknown keys, orphaned companions), with a reader per field chosen once. A bulk import
        spends most of its validation time here (docs/PERFORMANCE.md); tests/test_validation_fast_path.py
        checks it against the general path.
        """
        problems: list[Problem] = []
        values: dict[str, Any] = {}
        result = Validated(Account(values))
        for part in model.NESTED:
            if part in raw:
                values[part] = self._nested(part, raw[part], line, problems)
        for name, is_date, read in self._plan:
            if name not in raw:
                continue
            try:
                if is_date:
                    self._date(name, raw[name], {}, line, result)
                else:
                    values[name] = read(raw[name])
            except ValueError as exc:
                problems.append(Problem(line, name, str(exc)))
        if "codes" in values:
            self._check_codes(values, line, problems)
        if problems:
            raise InvalidRecord(problems)
        return result

    def _check_codes(self, values: dict[str, Any], line: int | None, problems: list[Problem]) -> None:
        """Each ``codes`` entry gives the id of a code the record's coded fields hold (read as those fields read
        their codes)."""
        for number, entry in enumerate(values["codes"], 1):
            where = f"codes[{number}]"
            name = entry.get("field")
            if name not in model.CODED_FIELDS:
                problems.append(Problem(line, f"{where}.field", f"must be one of: {', '.join(model.CODED_FIELDS)}"))
                continue
            try:
                entry["code"] = self._code(str(model.FIELD_BY_NAME[name].vocab), entry.get("code") or "")
            except ValueError as exc:
                problems.append(Problem(line, f"{where}.code", str(exc)))
                continue
            if name in values and entry["code"] not in (values[name] or ()):
                problems.append(Problem(line, f"{where}.code", f"is not one of the record's {name}"))

    def _reader(self, f: model.Field) -> Any:
        """A function reading one value of ``f`` exactly as :meth:`_value` does, with a shortcut for the
        common case (a string of plain text, a known code) that falls back to :meth:`_value` for the rest."""
        general = functools.partial(self._value, f)
        if f.kind == "text":

            def text(value: Any) -> Any:
                if value.__class__ is str and _NUL not in value and value.isascii():
                    return value or None
                return general(value)

            return text
        if f.kind == "enum" and f.vocab:
            vocabulary = f.vocab

            def code(value: Any) -> Any:
                if value.__class__ is str and value in (self.options.codes.get(vocabulary) or ()):
                    return value  # a known code: no NUL, no surrogate, not empty
                return general(value)

            return code
        return general

    # -- scalars ------------------------------------------------------------------------------------

    def _value(self, f: model.Field, value: Any) -> Any:
        if f.kind == "multi":
            return self._multi(f, value)
        if value is None:
            return None
        if f.kind == "year":
            return _year(value)
        if f.kind == "number":
            return _number(value)
        if not isinstance(value, str):
            if f.kind == "enum" and isinstance(value, int) and not isinstance(value, bool):
                value = str(value)
            else:
                raise ValueError(f"must be text, not {_json_type(value)}")
        _check_text(value)
        if value == "":
            return None
        if f.kind == "part_id":
            if not PART_ID_RE.match(value):
                raise ValueError("is not a part id (8 hex digits); leave it empty to have one assigned")
            return value
        if f.kind == "id":
            if not ID_RE.match(value):
                raise ValueError("is not a casefile id (16 hex digits); leave it empty to have one assigned")
            return value
        if f.kind == "part_id":
            if not SHORT_ID_RE.match(value):
                raise ValueError("is not a part id (8 hex digits); leave it empty to have one assigned")
            return value
        if f.kind == "account_ref":
            if not ID_RE.match(value):
                raise ValueError("must be the id of an account (16 hex digits)")
            return value
        if f.kind == "enum" and f.vocab:
            return self._code(f.vocab, value)
        return value

    def _code(self, vocabulary: str, value: str) -> str:
        allowed = self.options.codes.get(vocabulary) or vocab.codes(vocabulary)
        if value in allowed:
            return value
        for candidate in (value.strip(), value.strip().lower(), value.strip().upper()):
            if candidate in allowed:
                return candidate
        raise ValueError(f"unknown code{closest(value.strip().lower(), allowed)} (`casefile vocab` lists them)")

    def _multi(self, f: model.Field, value: Any) -> list[str]:
        if value is None or value == "":
            return []
        if isinstance(value, str):
            items = [part.strip() for part in value.split(model.MULTI_SEPARATOR)]
        elif isinstance(value, list):
            items = []
            for item in value:
                if not isinstance(item, str):
                    raise ValueError(f"must be a list of text, found {_json_type(item)}")
                if model.MULTI_SEPARATOR in item:
                    raise ValueError(f"a value contains {model.MULTI_SEPARATOR!r}, which separates values in CSV")
                items.append(item.strip())
        else:
            raise ValueError(f"must be a list or {model.MULTI_SEPARATOR!r}-separated text, not {_json_type(value)}")
        out: list[str] = []
        for item in items:
            if not item:
                continue
            _check_text(item)
            if f.vocab:
                item = self._code(f.vocab, item)
            if item not in out:
                out.append(item)
        return out

    # -- dates --------------------------------------------------------------------------------------

    def _date(self, name: str, text: Any, given: dict[str, Any], line: int | None, result: Validated) -> None:
        try:
            value = self.read_date(text, given)
        except _Unreadable as exc:
            result.account.values[name] = FuzzyDate(text, precision="unknown", note=given.get("note"))
            result.deferred[name] = Problem(line, name, exc.reason)
            return
        if name == "source_date":
            value = _publication_date(value, "anchor" in given, self.options.keep_unparsed_dates)
        result.account.values[name] = value
        if given:
            result.explicit_dates.add(name)

    def read_date(self, text: Any, given: Mapping[str, Any]) -> FuzzyDate | None:
        """A date from its raw text and any parsed parts given beside it (``edtf``, ``min``, … ``note``).

        Given parts are never trusted blindly: they must be one reading of the raw text (or of its
        correction). Raises ValueError, or :class:`_Unreadable` when only the raw text was given and it
        cannot be read (an import may forgive that when the stored record has the same text).
        """
        if text is None or text == "":
            return None
        if not isinstance(text, str):
            raise ValueError(f"must be text, not {_json_type(text)}")
        _check_text(text)
        if not given:  # the common case: the raw text alone (what the general code below does with no parts)
            try:
                reading = dates.parse_date(text, order=self.options.order)
                if (reading.edtf or "").startswith("XXXX") and relative_dates.relative_first(text):
                    return relative_dates.unanchored(text, None)
                return reading
            except dates.DateError as exc:
                if (relative := relative_dates.unanchored(text, None)) is not None:
                    return relative
                if self.options.keep_unparsed_dates:
                    return FuzzyDate(text, precision="unknown")
                raise _Unreadable.of(exc) from None
        for part, value in given.items():
            if not isinstance(value, str):
                raise ValueError(f"the date's {part} must be text, not {_json_type(value)}")
            try:
                _check_text(value)
            except ValueError as exc:
                raise ValueError(f"the date's {part} {exc}") from None
        corrected, note = given.get("corrected"), given.get("note")
        if "anchor" in given and corrected is None:  # its parsed parts are derived again when it is written
            relative = relative_dates.unanchored(text, given["anchor"], note)
            if relative is None:
                raise ValueError(
                    "has an anchor but is not a date relative to another ('last year', 'four years later', "
                    "'18 August'); leave the anchor empty"
                )
            return relative
        order = self.options.order
        if corrected is not None:
            base = dates.parse_date(text, order=order, keep_unparsed=True)
            try:
                candidates = [dates.correct_date(base, corrected, note, order=order)]
            except dates.DateError as exc:
                raise ValueError(f"the correction cannot be read as a date: {exc}") from None
        else:
            candidates = []
            try:
                candidates.append(dates.parse_date(text, order=order))
            except dates.DateError as exc:
                unread = given.get("precision") == "unknown"  # kept so by whoever wrote the file
                if not unread and (relative := relative_dates.unanchored(text, None)) is not None:
                    candidates.append(relative)
                elif self.options.keep_unparsed_dates or unread:
                    candidates.append(FuzzyDate(text, precision="unknown"))
                elif not (given.keys() - {"note"}):
                    raise _Unreadable.of(exc) from None
            if given.keys() - {"note"}:
                candidates.extend(dates.interpretations(text))
            if note is not None:
                candidates = [_with_note(c, note) for c in candidates]
        parsed = ("edtf", "min", "max", "precision")
        if "anchor" in given:  # a correction of a relative date: what it was counted from stays on record
            candidates = [dataclasses.replace(c, anchor=given["anchor"]) for c in candidates]
        if not given.keys() & set(parsed):
            return candidates[0]
        for candidate in candidates:
            if all(getattr(candidate, p) == given.get(p) for p in parsed):
                return candidate
        raise ValueError("the parsed date columns do not match the raw date; leave them empty to have them recomputed")

    # -- nested parts -------------------------------------------------------------------------------

    def nested_items(self, part: str, value: Any, line: int | None) -> tuple[list[dict[str, Any]], list[Problem]]:
        """Validate a list of sources, events or quotes on its own (``source add``)."""
        problems: list[Problem] = []
        return self._nested(part, value, line, problems), problems

    def _nested(self, part: str, value: Any, line: int | None, problems: list[Problem]) -> list[dict[str, Any]]:
        if value is None:
            return []
        if not isinstance(value, list):
            problems.append(Problem(line, part, f"must be a list of objects, not {_json_type(value)}"))
            return []
        fields = model.NESTED[part]
        known = {c for f in fields for c in f.columns()}
        items = []
        seen: set[Any] = set()
        for number, entry in enumerate(value, 1):
            where = f"{part}[{number}]"
            if not isinstance(entry, dict):
                problems.append(Problem(line, where, f"must be an object, not {_json_type(entry)}"))
                continue
            unknown = [k for k in entry if k not in known]
            if unknown and not self.options.ignore_unknown:
                names = ", ".join(f.name for f in fields)  # a date's parsed companions (date_edtf …) are known too
                reason = f"unknown {noun(len(unknown), 'key')} {column_names(unknown)}; known: {names}"
                problems.append(Problem(line, where, reason))
            item: dict[str, Any] = {}
            for f in fields:
                if f.name not in entry:
                    continue
                try:
                    if f.kind == "date":
                        try:
                            item[f.name] = self.read_date(entry[f.name], _date_parts(f.name, entry))
                            if part == "sources":
                                anchored = f"{f.name}_anchor" in entry
                                keep = self.options.keep_unparsed_dates
                                item[f.name] = _publication_date(item[f.name], anchored, keep)
                        except _Unreadable as exc:
                            raise ValueError(exc.reason) from None
                    elif f.kind == "ref":
                        item[f.name] = _ref(entry[f.name])
                    else:
                        item[f.name] = self._value(f, entry[f.name])
                        if f.coded:
                            _check_code(f, item[f.name], entry, line, problems, f"{where}.")
                except ValueError as exc:
                    problems.append(Problem(line, f"{where}.{f.name}", str(exc)))
            required = model.REQUIRED_NESTED.get(part)
            if required and not item.get(required):
                problems.append(Problem(line, f"{where}.{required}", "is required"))
            short = item.get("id") if part in ("places", "people") else None
            if short and short in seen:
                problems.append(Problem(line, f"{where}.id", f"repeats the id of an earlier {model.SINGULAR[part]}"))
            seen.add(short)
            if part == "sources":
                item["role"] = item.get("role") or "primary"
            else:
                item = {f.name: item.get(f.name) for f in fields}
            items.append(item)
        return items


class _Unreadable(Exception):
    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)

    @classmethod
    def of(cls, exc: dates.DateError) -> _Unreadable:
        hint = "" if "--dayfirst" in str(exc) else " (or pass --keep-unparsed-dates to keep the text as written)"
        return cls(f"{exc}{hint}")


def _date_parts(name: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """The non-empty parsed parts given beside a date (``<name>_edtf`` … ``<name>_note``)."""
    parts = {part: raw.get(f"{name}_{part}") for part in model.DATE_PARTS}
    return {k: v for k, v in parts.items() if v not in (None, "")}


def _check_code(
    f: model.Field,
    value: str | None,
    raw: Mapping[str, Any],
    line: int | None,
    problems: list[Problem],
    where: str = "",
) -> None:
    """A code given beside a coded field (an export's ``nationality_code``) must be the one casefile derives."""
    given = raw.get(f"{f.name}_code")
    if given not in (None, "") and given != f.code(value):
        reason = f"does not match {f.name}: the code is derived from what was written; leave it empty"
        problems.append(Problem(line, f"{where}{f.name}_code", reason))


def _ref(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not ID_RE.match(value):
        raise ValueError("must be the id of one of the account's sources (16 hex digits)")
    return value


def _with_note(fd: FuzzyDate, note: str) -> FuzzyDate:
    return dataclasses.replace(fd, note=note)


def _year(value: Any) -> int | None:
    if isinstance(value, bool):
        raise ValueError("must be a four-digit year")
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
        if text == "":
            return None
    else:
        raise ValueError(f"must be a four-digit year, not {_json_type(value)}")
    if not YEAR_RE.match(text):
        hint = (
            "; a range or alternatives ('1988/1989', 'before 1990') go to born (--born)" if text[:1].isdigit() else ""
        )
        raise ValueError(f"must be a four-digit year{hint}")
    return int(text)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        raise ValueError("must be a number of years")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        if text == "":
            return None
        if not NUMBER_RE.match(text):
            raise ValueError(f"must be {durations.FORMS}")
        number = float(text)
    else:
        raise ValueError(f"must be a number, not {_json_type(value)}")
    if not 0 <= number <= 120 or number != number:
        raise ValueError("must be a number of years between 0 and 120")
    return number


def _years_stated(raw: Mapping[str, Any]) -> Mapping[str, Any]:
    """``years_in_org`` in words ("more than seven years") as its number, and its qualifier unless one is given
    beside it; a number alone leaves no qualifier (``--set years_in_org=34`` is exact)."""
    value, given = raw["years_in_org"], raw.get("years_in_org_qualifier")
    out = dict(raw)
    if isinstance(value, str) and value.strip() and not NUMBER_RE.match(value.strip()):
        try:
            years, qualifier = durations.parse_years(value)
        except durations.DurationError:
            return raw  # _number says what is wrong
        out["years_in_org"] = model.format_number(years)
        if given in (None, ""):
            out["years_in_org_qualifier"] = qualifier
    elif "years_in_org_qualifier" not in raw:
        out["years_in_org_qualifier"] = None
    return out


def _json_type(value: Any) -> str:
    return {dict: "an object", list: "a list", bool: "true/false", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


def _publication_date(value: FuzzyDate | None, anchored: bool, keep_unparsed: bool) -> FuzzyDate | None:
    """A source's own date, which several accounts may cite: it may count from a date written out
    ("two years ago" from 2010-03-21) but never from one account's dates, its birth year or itself. With
    --keep-unparsed-dates a phrase given with no anchor is kept as written, like any date it cannot read."""
    if value is None or value.anchor is None or value.corrected is not None:
        return value
    if relative_dates.anchor_name(value.anchor) in relative_dates.ANCHOR_NAMES:
        if keep_unparsed and not anchored:
            return FuzzyDate(value.raw, precision="unknown", note=value.note)
        raise ValueError(
            "a source's publication date cannot count from an account's dates (several accounts may cite the "
            "source): write the date itself, or the date it counts from as its anchor (e.g. 2010-03-21)"
        )
    return value
