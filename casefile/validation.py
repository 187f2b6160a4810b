"""Raw input (a CSV row, a JSON object, command-line options) → an :class:`~casefile.model.Account`.

Every problem in a record is collected, each naming its field and why, and raised together as
:class:`~casefile.errors.InvalidRecord`. Messages never contain the values themselves: they may be
testimony. Nothing here touches the database; the vocabularies in use are handed in.

A validated account holds only the fields the input *gave* (``Account.values``), so an import can
update some columns of an existing record and leave the others alone.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import dates, model, vocab
from .errors import InvalidRecord, Problem
from .model import Account, FuzzyDate

ID_RE = re.compile(r"^[0-9a-f]{16}$")
YEAR_RE = re.compile(r"^[12][0-9]{3}$")
NUMBER_RE = re.compile(r"^[0-9]{1,3}(\.[0-9]+)?$")
KNOWN_KEYS: frozenset[str] = frozenset(model.JSON_KEYS)
_DATE_COMPANIONS = {f"{name}_{part}": (name, part) for name in model.DATE_FIELDS for part in model.DATE_PARTS}
_COMPANION_KEYS: frozenset[str] = frozenset(_DATE_COMPANIONS)
_NUL = "\x00"


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
    unknown = unknown_keys(keys)
    if not unknown:
        return None
    return Problem(
        line,
        None,
        f"unknown column(s) {', '.join(unknown)}; known columns are {', '.join(model.CSV_COLUMNS)} "
        "(and the parsed date columns of JSON exports); pass --ignore-unknown to skip them",
    )


def closest(word: str, choices: Iterable[str]) -> str:
    matches = difflib.get_close_matches(word, sorted(choices), n=3, cutoff=0.5)
    return f"; did you mean {' or '.join(matches)}?" if matches else ""


class Validator:
    def __init__(self, options: Options | None = None):
        self.options = options or Options()
        #: (field name, is a date, reader) in registry order, for :meth:`_validate_plain`.
        self._plan: list[tuple[str, bool, Any]] = [(f.name, f.kind == "date", self._reader(f)) for f in model.FIELDS]

    def validate(self, raw: Mapping[str, Any], line: int | None = None) -> Validated:
        """Check one record; raise :class:`InvalidRecord` listing every problem found."""
        if KNOWN_KEYS.issuperset(raw) and _COMPANION_KEYS.isdisjoint(raw):
            return self._validate_plain(raw, line)
        problems: list[Problem] = []
        values: dict[str, Any] = {}
        result = Validated(Account(values))
        if not self.options.ignore_unknown:
            problem = unknown_columns_problem(raw.keys(), line)
            if problem:
                problems.append(problem)
        for f in model.FIELDS:
            if f.name not in raw:
                continue
            try:
                if f.kind == "date":
                    self._date(f.name, raw, line, result)
                else:
                    values[f.name] = self._value(f, raw[f.name])
            except ValueError as exc:
                problems.append(Problem(line, f.name, str(exc)))
        for key in raw:
            companion = _DATE_COMPANIONS.get(key)
            if companion and companion[0] not in raw and raw[key] not in (None, ""):
                problems.append(Problem(line, key, f"given without the {companion[0]!r} column it belongs to"))
        if problems:
            raise InvalidRecord(problems)
        return result

    def _validate_plain(self, raw: Mapping[str, Any], line: int | None) -> Validated:
        """:meth:`validate` for the common record: only known columns and no parsed-date companions.

        The same checks in the same order with the same messages, minus the per-key work that cannot find
        anything here (unknown columns, orphaned companions), and with a reader per field chosen once.
        Bulk imports spend most of their validation time here (docs/PERFORMANCE.md).
        """
        values: dict[str, Any] = {}
        result = Validated(Account(values))
        problems: list[Problem] = []
        for name, is_date, read in self._plan:
            if name not in raw:
                continue
            try:
                if is_date:
                    self._plain_date(name, raw[name], line, result)
                else:
                    values[name] = read(raw[name])
            except ValueError as exc:
                problems.append(Problem(line, name, str(exc)))
        if problems:
            raise InvalidRecord(problems)
        return result

    def _reader(self, f: model.Field) -> Any:
        """A function reading one value of ``f`` exactly as :meth:`_value` does, faster for plain text."""
        generic = functools.partial(self._value, f)
        if f.kind == "text":

            def text(value: Any) -> Any:
                if value.__class__ is str:
                    if _NUL in value:
                        raise ValueError("contains a NUL character")
                    return value or None
                return generic(value)

            return text
        if f.kind == "enum" and f.vocab:
            name = f.vocab

            def enum(value: Any) -> Any:
                if value.__class__ is str and value in (self.options.codes.get(name) or ()):
                    return value
                return generic(value)

            return enum
        if f.kind == "multi":
            return functools.partial(self._multi, f)
        return generic

    def _plain_date(self, name: str, text: Any, line: int | None, result: Validated) -> None:
        """:meth:`_date` when no parsed-date companion column was given."""
        values = result.account.values
        if not _date_text(text):
            values[name] = None
            return
        try:
            values[name] = dates.parse_date(text, order=self.options.order)
        except dates.DateError as exc:
            if self.options.keep_unparsed_dates:
                values[name] = FuzzyDate(text, precision="unknown")
            else:
                values[name] = FuzzyDate(text, precision="unknown", note=None)
                result.deferred[name] = Problem(
                    line, name, f"{exc} (or pass --keep-unparsed-dates to keep the text as written)"
                )

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
        if _NUL in value:
            raise ValueError("contains a NUL character")
        if value == "":
            return None
        if f.kind == "id":
            if not ID_RE.match(value):
                raise ValueError("is not a casefile id (16 hex digits); leave it empty to have one assigned")
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
            if _NUL in item:
                raise ValueError("contains a NUL character")
            if f.vocab:
                item = self._code(f.vocab, item)
            if item not in out:
                out.append(item)
        return out

    # -- dates --------------------------------------------------------------------------------------

    def _date(self, name: str, raw: Mapping[str, Any], line: int | None, result: Validated) -> None:
        text = raw[name]
        values = result.account.values
        if not _date_text(text):
            values[name] = None
            return
        given = {part: raw.get(f"{name}_{part}") for part in model.DATE_PARTS if f"{name}_{part}" in raw}
        given = {k: v for k, v in given.items() if v not in (None, "")}
        corrected, note = given.get("corrected"), given.get("note")
        for part, value in given.items():
            if not isinstance(value, str):
                raise ValueError(f"{name}_{part} must be text, not {_json_type(value)}")
        if corrected is not None:
            base = dates.parse_date(text, order=self.options.order, keep_unparsed=True)
            try:
                fd = dates.correct_date(base, corrected, note, order=self.options.order)
            except dates.DateError as exc:
                raise ValueError(f"correction cannot be read as a date: {exc}") from None
            candidates = [fd]
        else:
            candidates = []
            try:
                candidates.append(dates.parse_date(text, order=self.options.order))
            except dates.DateError as exc:
                if self.options.keep_unparsed_dates or given.get("precision") == "unknown":
                    candidates.append(FuzzyDate(text, precision="unknown"))
                elif not (given.keys() - {"note"}):
                    values[name] = FuzzyDate(text, precision="unknown", note=note)
                    result.deferred[name] = Problem(
                        line, name, f"{exc} (or pass --keep-unparsed-dates to keep the text as written)"
                    )
                    return
            if given.keys() - {"note"}:
                candidates.extend(dates.interpretations(text))
            if note is not None:
                candidates = [_with_note(c, note) for c in candidates]
        parsed = ("edtf", "min", "max", "precision")
        if given.keys() & set(parsed):
            result.explicit_dates.add(name)
            for candidate in candidates:
                if all(getattr(candidate, p) == given.get(p) for p in parsed):
                    values[name] = candidate
                    return
            raise ValueError(
                "the parsed date columns do not match the raw date; leave them empty to have them recomputed"
            )
        if note is not None or corrected is not None:
            result.explicit_dates.add(name)
        values[name] = candidates[0]


def _date_text(text: Any) -> bool:
    """Whether a date field holds text to read (False: empty); raises for a value that is not usable text."""
    if text is None or text == "":
        return False
    if not isinstance(text, str):
        raise ValueError(f"must be text, not {_json_type(text)}")
    if _NUL in text:
        raise ValueError("contains a NUL character")
    return True


def _with_note(fd: FuzzyDate, note: str) -> FuzzyDate:
    return FuzzyDate(fd.raw, fd.edtf, fd.min, fd.max, fd.precision, fd.corrected, note)


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
        raise ValueError("must be a four-digit year")
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
            raise ValueError("must be a number of years like 34 or 2.5; put approximations in the summary")
        number = float(text)
    else:
        raise ValueError(f"must be a number, not {_json_type(value)}")
    if not 0 <= number <= 120 or number != number:
        raise ValueError("must be a number of years between 0 and 120")
    return number


def _json_type(value: Any) -> str:
    return {dict: "an object", list: "a list", bool: "true/false", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )
