"""``casefile ingest``: from an article, a letter or an interview to a drafted account, reviewed before it
is filed.

The drafting itself is :mod:`casefile.ingest` (rules, no database). This module reads what the user hands
over (a file, stdin, a folder of files), drafts each text with the organisations the user's database
already knows, turns a draft into the record ``import`` reads, writes the review document a person edits
(every value with the words it came from, as comments), and files a record — reviewed, or marked
``unreviewed`` when a script accepts it unread. Nothing here prints or prompts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InputError

#: Files ``ingest DIR`` reads; anything else in the folder is skipped and counted.
SUFFIXES = (".txt", ".text", ".md", ".html", ".htm", ".pdf")
#: Largest file ``ingest`` reads (bytes). A 50 MB "article" is refused with a one-line error.
MAX_BYTES = 20 * 1024 * 1024
#: Record keys a draft may carry that are not fields (kept for scoring and review only).
_NOT_FIELDS = re.compile(r"_derived$")


@dataclass
class Input:
    """A text handed to ``ingest``, kept whole: its bytes become the archived original when it is filed."""

    name: str  # the path as given, "-" for stdin, or the address of a page
    data: bytes
    fetched: Any = None  # the capture (casefile.capture.Fetched) of a page ingested by its address
    path: str | None = None  # the file's absolute path (a draft names it for ``add --from-draft``)


def inputs(sources: list[str], stdin: Any = None, max_bytes: int = MAX_BYTES) -> Iterator[Input]:
    """The texts named: files, ``-`` (stdin), and the files of a folder (sorted, recursively, only the
    kinds ingest reads). Each is read whole, up to ``max_bytes`` (``--max-bytes``)."""
    for source in sources:
        if source == "-":
            data = (stdin.buffer if hasattr(stdin, "buffer") else stdin).read(max_bytes + 1)
            yield Input("-", _capped(data, "-", max_bytes))
            continue
        path = Path(source)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES):
                yield Input(str(child), _read(child, max_bytes), path=str(child.resolve()))
            continue
        if is_address(source):
            yield _captured(source, max_bytes)
            continue
        yield Input(source, _read(path, max_bytes), path=str(path.resolve()))


def is_address(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def _captured(url: str, max_bytes: int) -> Input:
    """A page fetched through ``source capture``'s code (its limits: timeouts, redirects, a size cap, no
    cookies or credentials); the caller closes the capture's files (:func:`done_with`)."""
    from . import capture as fetching

    fetched = fetching.fetch(url, max_bytes=max_bytes, timeout=fetching.DEFAULT_TIMEOUT)
    data = fetched.body.read()
    fetched.body.seek(0)
    return Input(url, data, fetched=fetched)


def done_with(item: Input) -> None:
    if item.fetched is not None:
        item.fetched.body.close()
        item.fetched.warc.close()


def _read(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(f"{path}: {size:,} bytes, over the cap of {max_bytes:,} (--max-bytes)")
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror or exc})") from None


def _capped(data: bytes, name: str, max_bytes: int) -> bytes:
    if len(data) > max_bytes:
        raise InputError(f"{name}: more than {max_bytes:,} bytes, over the cap (--max-bytes)")
    return data


def known_organisations(store: Any) -> list[tuple[str, list[str]]]:
    """The user's organisations with their aliases, for the drafter to match first."""
    if store is None:
        return []
    return [(o["name"], list(o.get("aliases") or [])) for o in store.organizations()]


def draft(item: Input, orgs: list[tuple[str, list[str]]]) -> dict[str, Any]:
    """The draft of one input: its working text, record, evidence, dates, flags and doubts."""
    import hashlib

    from .ingest import drafting, reading

    kind = None
    if item.fetched is not None:
        kind = "text/html" if item.fetched.record.get("media_type") in ("text/html", "application/xhtml+xml") else None
    doc = reading.read_bytes(item.data, item.name, kind)
    result = drafting.draft(doc.text, orgs=orgs, metadata=doc.metadata)
    # the original drafted from, so that `add --from-draft` can archive it (and tell when it changed) ...
    result["input"] = {
        "name": item.name,
        "path": item.path,
        "media_type": doc.media_type,
        "sha256": hashlib.sha256(item.data).hexdigest(),
        "bytes": len(item.data),
        **({"metadata": doc.metadata} if doc.metadata else {}),
    }
    if item.fetched is not None:
        captured = item.fetched.record
        result["input"].update(
            url=captured["request_url"], final_url=captured["final_url"], captured_at=captured["captured_at"]
        )
    # ... and the text every evidence offset counts in
    result["text_sha256"] = hashlib.sha256(doc.text.encode("utf-8")).hexdigest()
    record = result["record"]
    if doc.metadata.get("title") and "source_title" not in record:
        record["source_title"] = doc.metadata["title"]
    url = item.name if item.fetched is not None else doc.metadata.get("url")
    if url and "source_url" not in record:
        record["source_url"] = url
    return result


def record_of(draft: dict[str, Any]) -> dict[str, Any]:
    """The record ``import`` reads, from a draft: values as written (a relative date as its words, with
    the publication date it counts from), derived values only where the words cannot be filed."""
    from . import model

    known = set(model.JSON_KEYS) | set(model.NESTED)
    # what this database's registry can hold (a part a newer casefile drafts, e.g. places, is left out)
    record = {k: v for k, v in draft.get("record", {}).items() if not _NOT_FIELDS.search(k) and k in known}
    for key in ("joined", "left"):
        written = record.get(key)
        derived = draft["record"].get(f"{key}_derived")
        if derived and isinstance(written, str) and not _readable(written):
            # arithmetic ("left - 34 years") or a phrase the date grammar does not read ("on Sunday"):
            # file what it means, and say in the note where it came from
            record[key] = derived
            anchor = f", source {record['source_date']}" if record.get("source_date") else ""
            record[f"{key}_note"] = f"derived by ingest from {json.dumps(written)}{anchor}"
        elif isinstance(written, str) and not _readable(written):
            # an EDTF form casefile does not read as written ("1991-22", a season): file the words it came from
            words = next((ev["words"] for ev in draft.get("evidence", {}).get(key, []) if _readable(ev["words"])), None)
            if words is not None:
                record[key] = words
    if record.get("places") == []:
        del record["places"]
    for empty in ("quotes", "reasons", "allegations"):
        if record.get(empty) == []:
            del record[empty]
    if isinstance(record.get("years_in_org"), str) and re.fullmatch(r"\d+", record["years_in_org"]):
        record["years_in_org"] = int(record["years_in_org"])
    return record


def _readable(written: str) -> bool:
    """Whether casefile's own date grammar reads ``written`` (a date, or a relative phrase it resolves)."""
    from . import relative_dates
    from .dates import DateError, parse_date

    if relative_dates.match(written) is not None:
        return True
    try:
        parse_date(written)
    except DateError:
        return False
    return True


# ------------------------------------------------------------------------------------------ the review file

REVIEW_HEADER = """\
# casefile ingest: a drafted account. Nothing is filed until you save this file.
#
# Each value below is preceded by the words it was drafted from (# from: …) and the rule that found
# them. Check every value against the source; change, add or delete what is wrong. Lines starting with #
# are ignored. Delete everything (or save an empty file) to file nothing.
"""


def review_text(draft: dict[str, Any], errors: list[str] | None = None) -> str:
    """The draft as a commented JSON document: every value with its evidence above it."""
    record = record_of(draft)
    evidence = draft.get("evidence", {})
    lines = [REVIEW_HEADER]
    source = draft.get("input", {}).get("name")
    if source:
        lines.append(f"# text: {source}\n")
    for doubt in draft.get("unsure", []):
        lines.append(f"# unsure ({doubt['field']}): {doubt['why']}\n")
    for flag in draft.get("flags", []):
        lines.append(
            f"# check: {flag.get('as_written')} as written; likely {flag.get('likely')} ({flag.get('why', '')})\n"
        )
    for e in errors or []:
        lines.append(f"# error: {e}\n")
    lines.append("{\n")
    keys = list(record)
    for n, key in enumerate(keys):
        comma = "," if n < len(keys) - 1 else ""
        value = record[key]
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            lines.append(f"  {json.dumps(key)}: [\n")
            for i, item in enumerate(value):
                for sub in item:
                    lines.extend(_evidence_lines(evidence.get(f"{key}[{i}].{sub}"), "    ", sub))
                item_comma = "," if i < len(value) - 1 else ""
                lines.append(f"    {json.dumps(item, ensure_ascii=False)}{item_comma}\n")
            lines.append(f"  ]{comma}\n")
            continue
        if isinstance(value, list):
            for i in range(len(value)):
                lines.extend(_evidence_lines(evidence.get(f"{key}[{i}]"), "  ", str(value[i])))
        else:
            lines.extend(_evidence_lines(evidence.get(key), "  ", None))
        lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}{comma}\n")
    lines.append("}\n")
    return "".join(lines)


def _evidence_lines(found: list[dict[str, Any]] | None, indent: str, what: str | None) -> list[str]:
    out = []
    for ev in found or []:
        words = re.sub(r"\s+", " ", str(ev.get("words", "")))
        if len(words) > 110:
            words = words[:107] + "..."
        label = f"{what}: " if what else ""
        out.append(f"{indent}# {label}from {json.dumps(words, ensure_ascii=False)} ({ev.get('rule', '')})\n")
    return out


def read_review(text: str) -> tuple[dict[str, Any] | None, list[str]]:
    """The record in a saved review file (None when emptied), or what is wrong with it."""
    from .editing import read_form

    return read_form(text)


def file_record(
    store: Any, record: dict[str, Any], *, reviewed: bool, name: str = "draft", original: Input | None = None
) -> tuple[str, list[str]]:
    """File one record through the same validation and pipeline as ``add``, with the ``original`` it was
    drafted from archived as its primary source's capture (one transaction: both or neither); returns its id
    and the organisations it created. A record filed unread is marked ``review: unreviewed``."""
    from . import model, pipeline
    from .validation import Validator

    record = dict(record)
    record["review"] = "reviewed" if reviewed else "unreviewed"
    primary = any(isinstance(s, dict) and s.get("role") == "primary" for s in record.get("sources") or ())
    if original is not None and not primary and not any(k in record for k in model.FLAT_SOURCE):
        # the original needs a source to belong to: named after the file, as `source attach` names it
        record["source_title"] = _file_name(original)
    validator = Validator(pipeline.options_for(store))
    items = pipeline.validate_items([(name, None, None, record, None)], validator)
    with store.transaction():
        counts = pipeline.add_records(store, items)
        new_id = str(counts.ids[0])
        if original is not None:
            _archive(store, new_id, original)
    return new_id, list(counts.new_organizations)


def _file_name(original: Input) -> str:
    return "stdin" if original.name == "-" else original.name if original.fetched else Path(original.name).name


def _archive(store: Any, account_id: str, original: Input) -> None:
    """The original kept as a capture of the account's primary source, through ``source capture``'s and
    ``source attach``'s own code (:mod:`casefile.evidence`): the same fixity record and custody entry."""
    import io

    from . import evidence
    from .capture import hash_stream

    primary = next(s["id"] for s in store.get(account_id).values["sources"] if s.get("role") == "primary")
    source_rowid = store.source_rowid(primary)
    if original.fetched is not None:
        evidence.keep_capture(store, source_rowid, original.fetched, None)
        return
    data = io.BytesIO(original.data)
    media = None
    if original.name == "-":
        from .ingest.reading import sniff

        media = sniff(original.data)
    hashes = hash_stream(data)
    evidence.keep_file(
        store, source_rowid, _file_name(original), data, hashes, url=None, collected_by=None, media_type=media
    )


def original_of(draft: dict[str, Any], path: str, without: bool) -> Input | None:
    """The original a draft was made from, read again for ``add --from-draft`` to archive: the file it names
    (which must hash as it did), or the page at its address captured again (likewise). None with
    ``without`` (``--without-original``) or for a draft that names no original."""
    import hashlib

    given = draft.get("input")
    if without or not isinstance(given, dict):
        return None
    advice = "; file the draft without it: add --from-draft FILE --without-original"
    if given.get("url"):
        size = given.get("bytes")  # drafted under a larger --max-bytes: the page as big as it was then
        item = _captured(str(given["url"]), max(MAX_BYTES, size if isinstance(size, int) else 0))
        where = str(given["url"])
    elif given.get("path"):
        where = str(given["path"])
        try:
            item = Input(where, Path(where).read_bytes(), path=where)
        except FileNotFoundError:
            raise InputError(f"{path}: the original it was drafted from, {where}, is gone{advice}") from None
        except OSError as exc:
            raise InputError(f"{path}: cannot read its original {where} ({exc.strerror or exc}){advice}") from None
    elif given.get("name") == "-":
        raise InputError(
            f"{path}: drafted from stdin, whose bytes a draft does not keep; ingest it again with --accept{advice}"
        )
    else:
        return None
    if hashlib.sha256(item.data).hexdigest() != given.get("sha256"):
        done_with(item)
        raise InputError(f"{path}: the original {where} changed since it was drafted (its SHA-256 differs){advice}")
    return item


def load_draft(path: str) -> dict[str, Any]:
    """A draft written by ``ingest --draft-out``: checked to be one, never trusted further than its record."""
    try:
        import sys

        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        data = json.loads(text)
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a draft (not JSON: {exc.__class__.__name__})") from None
    from .ingest.drafting import VERSION

    if not isinstance(data, dict) or data.get("casefile_draft") != VERSION or not isinstance(data.get("record"), dict):
        raise InputError(
            f"{path}: not a casefile draft (version {VERSION}); make one with `casefile ingest --draft-out`"
        )
    return data
