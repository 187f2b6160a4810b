"""Sharing carefully: blank fields (``export --redact``) and replace names with stable pseudonyms
(``export --pseudonymise``).

The confidentiality marker is never blanked: an export is imported somewhere, and a blank marker is read
there as the default, ``internal``, so a restricted account would arrive unprotected. ``--redact
confidentiality`` is refused (exit 2) rather than quietly kept.

A pseudonym is ``person-`` plus 12 hex digits of HMAC-SHA256 over the name (NFKC, case-folded, spaces
collapsed), under a 32-byte key kept in a key file outside the database. The same key gives the same
pseudonym for the same name in every export, so records stay linkable across exports; another key gives
unrelated pseudonyms; without the key a pseudonym cannot be reversed by guessing names, as a plain hash
could. ``name`` takes ``aliases`` along (an alias that is someone's name gets that person's pseudonym), and
the record's own name and aliases inside its other free text (text fields, tags, and the text of its
sources, events and quotes) are replaced too (by the pseudonym, or by ``[redacted]`` for ``--redact
name``): whole, or by any part of three or more letters used alone ("Kowalski said", "Kowalski's"), as whole
words in any case, with or without diacritics and across Arabic/Persian letter variants. A source is one
text shared by every account linking to it, restricted and deleted ones included: its text (and the
``source_*`` columns mirroring it) has the names of all of them replaced, so it reads the same whichever
account is written and names none of their subjects. A best effort:
free text can identify a person in other ways, so redact it (``--redact summary``) when in doubt.

The key file holds 64 hex digits and a newline. It is created only when asked (``--new-key``), mode 0600,
and never overwritten; a key file other users can read is refused. Nothing here touches the database or
the terminal.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import stat
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from . import model
from .errors import CasefileError, UsageError, quote
from .model import Account
from .text import WORD, whole_words, words

KEY_BYTES = 32

#: Fields that can be pseudonymised: free text and uncoded lists.
PSEUDONYMISABLE: tuple[str, ...] = tuple(
    f.name for f in model.FIELDS if f.kind == "text" or (f.kind == "multi" and f.vocab is None)
)
#: Fields that take a pseudonym of the same kind as ``name``.
_PERSON = ("name", "aliases")
_FREE_TEXT = tuple(f.name for f in model.FIELDS if f.kind == "text" and f.name not in _PERSON)
_FREE_LISTS = tuple(f.name for f in model.FIELDS if f.kind == "multi" and f.vocab is None and f.name not in _PERSON)


def parse_fields(given: Sequence[str], allowed: Sequence[str], option: str) -> list[str]:
    """``["name,summary", "tags"]`` → checked field names, in order, each once; unknown ones are a usage error."""
    names: list[str] = []
    for part in (p.strip() for text in given for p in text.split(",")):
        if part not in allowed:
            raise UsageError(f"{option}: unknown or unsuitable field {quote(part)}; choose from: {', '.join(allowed)}")
        if part not in names:
            names.append(part)
    return names


def load_key(path: Path, *, create: bool, protect: Mapping[str, str] | None = None) -> bytes:
    """The pseudonym key in ``path``; with ``create``, a new random one written there first (never over one,
    nor over any of the ``protect`` files - the database, its journal, its key)."""
    if create:
        from .exporters.output import open_output

        exists = "--new-key: {path} exists; a key is never overwritten (drop --new-key to use it)"
        with open_output(str(path), protect=protect, exists=exists, streams=False) as fh:
            fh.write(secrets.token_hex(KEY_BYTES) + "\n")
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise CasefileError(f"no pseudonym key at {path}; pass --new-key to create one there") from None
    except (OSError, UnicodeDecodeError):
        raise CasefileError(f"{path} is not a casefile pseudonym key (64 hex digits)") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise CasefileError(f"the pseudonym key {path} can be read by other users; run `chmod 600 {path}`")
    if not re.fullmatch(r"[0-9a-fA-F]{64,}", text):
        raise CasefileError(f"{path} is not a casefile pseudonym key (64 hex digits)")
    return bytes.fromhex(text)


class Pseudonymiser:
    def __init__(self, key: bytes):
        self._key = key

    def __call__(self, domain: str, value: str) -> str:
        """``person-3f9a1c2e7b4d`` for a name; ``<field>-…`` for other fields."""
        folded = " ".join(unicodedata.normalize("NFKC", value).casefold().split())
        digest = hmac.new(self._key, f"{domain}\0{folded}".encode(), hashlib.sha256).hexdigest()
        return f"{domain}-{digest[:12]}"


#: For accounts (by rowid): each source they link to (by id) → the names and aliases of every account linking
#: to it (:meth:`casefile.store.Store.source_citers`).
Citers = Callable[[Sequence[int]], Mapping[int, Mapping[str, Sequence[str]]]]
#: What ``--redact``/``--pseudonymise`` do to a stream of accounts; ``citers`` (the store's, for stored
#: accounts: without it a source is shaped against its account's names only) is asked once per chunk.
Shaper = Callable[[Iterable[Account], Citers | None], Iterator[Account]]
#: Accounts shaped per question to ``citers``.
_CHUNK = 256
#: The account's text fields that mirror its primary source (``source_title``, …): shared text, like the
#: source's own.
_FLAT_SOURCE_TEXT = tuple(name for name in model.FLAT_SOURCE if name in _FREE_TEXT)


def plan(
    redact: Sequence[str],
    pseudonymise: Sequence[str],
    key_file: str | None,
    new_key: bool,
    *,
    protect: Mapping[str, str] | None = None,
) -> Shaper | None:
    """Check the options and return what to apply to the exported accounts (``None``: nothing). ``protect``:
    the files a new key (``new_key``) may not be written over."""
    blank = parse_fields(redact, model.FIELD_NAMES, "--redact")
    if "confidentiality" in blank:
        raise UsageError(
            "--redact: confidentiality cannot be redacted: a blank marker is read as 'internal' where the export "
            "is imported, so restricted accounts would lose their protection; leave it out of --redact"
        )
    hide = parse_fields(pseudonymise, PSEUDONYMISABLE, "--pseudonymise")
    for fields in (blank, hide):
        if "name" in fields and "aliases" not in fields:
            fields.append("aliases")
    both = sorted(set(blank) & set(hide))
    if both:
        raise UsageError(f"{', '.join(both)}: a field is either redacted or pseudonymised, not both")
    if (key_file or new_key) and not hide:
        raise UsageError("--pseudonym-key and --new-key go with --pseudonymise")
    if hide and not key_file:
        raise UsageError("--pseudonymise needs --pseudonym-key PATH (add --new-key to create the key)")
    if not blank and not hide:
        return None
    pseudonym = Pseudonymiser(load_key(Path(key_file), create=new_key, protect=protect)) if key_file else None

    def one(account: Account, cited: Mapping[str, Sequence[str]]) -> Account:
        values = dict(account.values)
        if "name" in blank:
            _scrub_names(values, blank, cited, lambda name: "[redacted]")
        if pseudonym is not None:
            if "name" in hide:
                _scrub_names(values, hide + blank, cited, lambda name: pseudonym("person", name))
            _pseudonymise(values, hide, pseudonym)
        if "name" in blank or "name" in hide:  # the people the account mentions are named too
            values["people"] = [
                {**m, "name": _other_name(m.get("name"), "name" in blank, pseudonym)}
                for m in values.get("people") or ()
            ]
        for name in blank:
            values[name] = [] if model.FIELD_BY_NAME[name].multi else None
        return Account(values, account.created_at, account.updated_at, account.deleted_at)

    def shape(accounts: Iterable[Account], citers: Citers | None = None) -> Iterator[Account]:
        for chunk in _chunks(accounts):
            rowids = [a.rowid for a in chunk if a.rowid is not None]
            cited = citers(rowids) if citers is not None and "name" in blank + hide else {}
            for account in chunk:
                yield one(account, cited.get(account.rowid, {}) if account.rowid is not None else {})

    return shape


def _other_name(name: object, redact: bool, pseudonym: Pseudonymiser | None) -> object:
    """The name of a person the account mentions, as ``--redact name`` or ``--pseudonymise name`` leave it: a
    pseudonym of the same kind as the account's own names (so a person mentioned in two accounts, or with
    an account of their own, keeps one pseudonym)."""
    if not isinstance(name, str) or not name:
        return name
    if redact or pseudonym is None:
        return "[redacted]"
    return pseudonym("person", name)


#: The shortest name part looked for on its own in free text: "Kowalski" and "Ali" are, "Al" and "Bo" not.
MIN_PART_LETTERS = 3


def _chunks(accounts: Iterable[Account]) -> Iterator[list[Account]]:
    chunk: list[Account] = []
    for account in accounts:
        chunk.append(account)
        if len(chunk) == _CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _scrub_names(
    values: dict[str, object], skip: list[str], cited: Mapping[str, Sequence[str]], replace: Callable[[str], str]
) -> None:
    """Replace names inside the record's free text: its own name and aliases in its own text; in the text of a
    source, shared by every account linking to it, the names of all of them (``cited``: source id → names), so
    the source reads the same whichever account is written and names none of their subjects."""
    aliases = values.get("aliases")
    own = [v for v in [values.get("name"), *(aliases if isinstance(aliases, list) else [])] if isinstance(v, str)]
    mine = _scrubber(own, replace)
    everyone = _scrubber([*(n for names in cited.values() for n in names), *own], replace)
    for text_field in _FREE_TEXT:
        text = values.get(text_field)
        if isinstance(text, str) and text_field not in skip:
            values[text_field] = (everyone if text_field in _FLAT_SOURCE_TEXT else mine)(text)
    for list_field in _FREE_LISTS:
        items = values.get(list_field)
        if isinstance(items, list) and list_field not in skip:
            values[list_field] = [mine(v) if isinstance(v, str) else v for v in items]
    # the sources, events and quotes (a quote's speaker, a source's title) name the person too
    for part in model.NESTED:
        items = values.get(part)
        if not isinstance(items, list):
            continue
        shaped = []
        for item in items:
            citers = cited.get(item.get("id")) if part == "sources" else None
            scrub = _scrubber([*citers, *own], replace) if citers else mine
            shaped.append(
                {k: scrub(v) if isinstance(v, str) and k not in ("id", "source") else v for k, v in item.items()}
            )
        values[part] = shaped


def _scrubber(names: Sequence[str], replace: Callable[[str], str]) -> Callable[[str], str]:
    """A function replacing ``names`` in a text - whole or by any part of three or more letters ("Kowalski
    said", "Kowalski's"), as whole words, in any case, with or without diacritics, across Arabic/Persian letter
    variants (:func:`casefile.text.whole_words`). A part stands for the first name it comes from."""
    owner: dict[str, str] = {}  # the folded words of a phrase → the name or alias it stands for
    for name in names:
        owner.setdefault(" ".join(words(name)), name)
    for name in names:
        for part in words(name):
            if sum(c.isalpha() for c in part) >= MIN_PART_LETTERS:
                owner.setdefault(part, name)
    parts = [p for name in names for p in WORD.findall(name) if sum(c.isalpha() for c in p) >= MIN_PART_LETTERS]
    pattern = whole_words([*names, *parts])
    if pattern is None:
        return lambda text: text

    def one(match: re.Match[str]) -> str:
        found = " ".join(words(match.group()))
        return replace(owner[found]) if found in owner else match.group()

    return lambda text: pattern.sub(one, text)


def _pseudonymise(values: dict[str, object], fields: list[str], pseudonym: Pseudonymiser) -> None:
    for field in fields:
        domain = "person" if field in _PERSON else field
        value = values.get(field)
        if isinstance(value, list):
            values[field] = [pseudonym(domain, v) for v in value]
        elif isinstance(value, str) and value:
            values[field] = pseudonym(domain, value)
