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
    name: str  # the path as given, or "-" for stdin
    data: bytes


def inputs(sources: list[str], stdin: Any = None) -> Iterator[Input]:
    """The texts named: files, ``-`` (stdin), and the files of a folder (sorted, recursively, only the
    kinds ingest reads). Each is read whole, up to :data:`MAX_BYTES`."""
    for source in sources:
        if source == "-":
            data = (stdin.buffer if hasattr(stdin, "buffer") else stdin).read(MAX_BYTES + 1)
            yield Input("-", _capped(data, "-"))
            continue
        path = Path(source)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES):
                yield Input(str(child), _read(child))
            continue
        yield Input(source, _read(path))


def _read(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"{path}: {size:,} bytes; ingest reads texts up to {MAX_BYTES:,} bytes")
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror or exc})") from None


def _capped(data: bytes, name: str) -> bytes:
    if len(data) > MAX_BYTES:
        raise InputError(f"{name}: more than {MAX_BYTES:,} bytes; ingest reads texts up to that size")
    return data


def known_organisations(store: Any) -> list[tuple[str, list[str]]]:
    """The user's organisations with their aliases, for the drafter to match first."""
    if store is None:
        return []
    return [(o["name"], list(o.get("aliases") or [])) for o in store.organizations()]


def draft(item: Input, orgs: list[tuple[str, list[str]]]) -> dict[str, Any]:
    """The draft of one input: its working text, record, evidence, dates, flags and doubts."""
    from .ingest import drafting, reading

    doc = reading.read_bytes(item.data, item.name)
    result = drafting.draft(doc.text, orgs=orgs, metadata=doc.metadata)
    import hashlib

    result["input"] = {
        "name": item.name,
        "media_type": doc.media_type,
        "sha256": hashlib.sha256(item.data).hexdigest(),
        "bytes": len(item.data),
        **({"metadata": doc.metadata} if doc.metadata else {}),
    }
    record = result["record"]
    if doc.metadata.get("title") and "source_title" not in record:
        record["source_title"] = doc.metadata["title"]
    if doc.metadata.get("url") and "source_url" not in record:
        record["source_url"] = doc.metadata["url"]
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


def file_record(store: Any, record: dict[str, Any], *, reviewed: bool, name: str = "draft") -> tuple[str, list[str]]:
    """File one record through the same validation and pipeline as ``add`` (one transaction); returns its
    id and the organisations it created. A record filed unread is marked ``review: unreviewed``."""
    from . import pipeline
    from .validation import Validator

    record = dict(record)
    record["review"] = "reviewed" if reviewed else "unreviewed"
    validator = Validator(pipeline.options_for(store))
    items = pipeline.validate_items([(name, None, None, record, None)], validator)
    counts = pipeline.add_records(store, items)
    return str(counts.ids[0]), list(counts.new_organizations)


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
