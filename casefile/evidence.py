"""Evidence preservation (issue 21): capture a web page or attach a file to a shared source, keeping its bytes
content-addressed in the database with a fixity record; re-hash them and check their custody logs
(``verify``). Each write is one transaction; nothing here prints. See docs/EVIDENCE.md.
"""

from __future__ import annotations

import json
import mimetypes
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .errors import CasefileError, InputError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from .model import Account
    from .store import Store
    from .timestamping import Stamper

_ISO_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ].*)?$")


class VerifyFailed(CasefileError):
    """Some artifacts' bytes or custody chains no longer match (exit 1); the results are recorded."""


def collector(store: Store, given: str | None) -> str:
    from .config import Settings

    return given or Settings().get("collector") or _actor(store)


def _actor(store: Store) -> str:
    from .config import actor

    return store.actor or actor()


def _tool() -> str:
    from .capture import version

    return f"casefile {version()}"


def _source_for(store: Store, source_ref: str | None, url: str | None, found: dict[str, str]) -> int:
    """The source a capture belongs to: the one named, else the one with this URL (its empty title,
    publisher and date filled from the page), else a new one from the page's metadata."""
    from . import pipeline
    from .errors import InvalidRecord
    from .store import now
    from .validation import Validator

    if source_ref is not None:
        return store.source_rowid(store.resolve_source_id(source_ref)) or 0
    existing = store.find_source({"url": url}) if url else None
    given = {k: v for k, v in found.items() if v}
    if "date" in given:
        day = _ISO_DAY.match(given["date"])
        given["date"] = day.group(1) if day else given["date"]
    if existing is not None:
        current = store.sources(existing[1])[0]
        given = {k: v for k, v in given.items() if not current.get(k)}
        given["id"] = existing[1]
    elif url:
        given["url"] = url
    validator = Validator(pipeline.options_for(store))
    items, problems = validator.nested_items("sources", [given], None)
    if problems:  # a page's own date that cannot be read is left out, not an error
        given.pop("date", None)
        items, problems = validator.nested_items("sources", [given], None)
        if problems:
            raise InvalidRecord(problems)
    return store.upsert_source(items[0], now())


def _store_one(
    store: Store,
    data: IO[bytes],
    hashes: tuple[str, str, int],
    media_type: str | None,
    event: str,
    detail: dict[str, Any],
    content_type: str = "",
    stamps: list[dict[str, Any]] | None = None,
    private: bool = False,
    name: str = "",
    unread: list[str] | None = None,
) -> int:
    """Keep an artifact (once for the same bytes) with its working copy of text and a custody entry; a page or
    PDF whose text cannot be read is kept all the same, noted in ``unread`` as ``name: why``."""
    from . import worktext
    from .store import now

    start = data.tell()
    rowid, new = store.store_artifact(
        data, sha256=hashes[0], sha1=hashes[1], size=hashes[2], media_type=media_type, stamp=now(), private=private
    )
    if new:
        data.seek(start)
        try:
            text = worktext.extract(data, media_type, hashes[2], content_type)
        except worktext.Unreadable as exc:
            text = None
            if unread is not None:
                unread.append(f"{name}: {exc}")
        if text is not None:
            store.set_text(rowid, text[0], text[1], now())
    store.custody_append(rowid, event, actor=_actor(store), tool=_tool(), detail=detail, stamp=now())
    _keep_stamps(store, rowid, stamps or [])
    return rowid


def _keep_stamps(store: Store, rowid: int, stamps: list[dict[str, Any]]) -> None:
    """Keep an artifact's new RFC 3161 timestamps, each with a ``timestamped`` custody entry."""
    from .store import now

    for stamp in stamps:
        store.add_timestamp(rowid, stamp, now())
        detail = {k: stamp[k] for k in ("tsa_url", "gen_time", "serial", "hash_algorithm")}
        store.custody_append(rowid, "timestamped", actor=_actor(store), tool=_tool(), detail=detail, stamp=now())


def _stamps(stamper: Stamper | None, sha256: str) -> list[dict[str, Any]]:
    return stamper.stamp(sha256) if stamper is not None else []


def timestamp(store: Store, refs: list[str], stamper: Stamper) -> int:
    """Timestamp artifacts already kept (named by SHA-256 prefix or capture id): the authorities are asked
    first, with no transaction open; then one transaction keeps every stamp. Returns how many were kept."""
    arts = store.artifacts(refs)
    stamped = [(art, stamper.stamp(art["sha256"])) for art in arts]
    with store.transaction():
        for art, stamps in stamped:
            if store.artifact_labels([art["rowid"]]) != [(art["rowid"], art["sha256"])]:
                raise CasefileError(f"artifact {art['sha256']} was removed meanwhile; nothing stored")
            _keep_stamps(store, art["rowid"], stamps)
    return sum(len(stamps) for _art, stamps in stamped)


def capture(
    store: Store,
    url: str,
    *,
    given: dict[str, str],
    max_bytes: int,
    timeout: float,
    collected_by: str | None,
    account: str | None = None,
    role: str = "primary",
    stamper: Stamper | None = None,
    unread: list[str] | None = None,
) -> str:
    """Fetch ``url`` and keep it as a capture of its source (found by URL, or new); returns the source id.
    The network exchange happens before the transaction, which then stores everything or nothing. A page or PDF
    whose text cannot be read is kept all the same and noted in ``unread`` (``url: why``)."""
    from . import capture as fetching
    from . import sourcing

    fetched = fetching.fetch(url, max_bytes=max_bytes, timeout=timeout)
    try:
        body_stamps, warc_stamps = _stamps(stamper, fetched.record["sha256"]), _stamps(stamper, fetched.warc_hashes[0])
        with store.transaction():
            source_rowid = _source_for(store, None, url, {**fetched.meta, **given})
            source_id = keep_capture(store, source_rowid, fetched, collected_by, (body_stamps, warc_stamps), unread)
            if account is not None:
                sourcing.link_source(store, account, source_id, {"role": role})
    finally:
        fetched.body.close()
        fetched.warc.close()
    return source_id


def keep_capture(
    store: Store,
    source_rowid: int,
    fetched: Any,
    collected_by: str | None,
    stamps: tuple[list[dict[str, Any]], list[dict[str, Any]]] = ([], []),
    unread: list[str] | None = None,
) -> str:
    """Store a fetched page (:func:`casefile.capture.fetch`) - its body and its WARC record, each with its
    custody entry and any timestamps (``stamps``: the body's, the WARC's) - as a capture of the source
    ``source_rowid``, inside the caller's transaction; returns the source id. ``source capture`` and
    ``ingest URL`` both keep a page through here."""
    record = {**fetched.record, "collector": collector(store, collected_by)}
    source_id = store.source_id_of(source_rowid)
    detail = {"source": source_id, "url": record["request_url"], "final_url": record["final_url"]}
    body = _store_one(
        store,
        fetched.body,
        (record["sha256"], record["sha1"], record["size"]),
        record["media_type"],
        "captured",
        {**detail, "role": "response body"},
        next((v for k, v in record["headers"] if k.lower() == "content-type"), ""),
        stamps[0],
        private=True,
        name=record["request_url"],
        unread=unread,
    )
    warc = _store_one(
        store,
        fetched.warc,
        fetched.warc_hashes,
        "application/warc",
        "captured",
        {**detail, "role": "WARC record of the exchange"},
        stamps=stamps[1],
        private=True,
    )
    store.add_capture(source_rowid, body, warc, record)
    return source_id


def attach(
    store: Store,
    source_ref: str,
    files: list[str],
    *,
    url: str | None,
    collected_by: str | None,
    stamper: Stamper | None = None,
    unread: list[str] | None = None,
) -> list[str]:
    """Keep files (a PDF, a scan, a page saved from the researcher's browser) as captures of a source; with
    ``url`` they are recorded as captures of that address. Every file is read and hashed before anything is
    written; one transaction for them all. Returns the capture ids. A page or PDF whose text cannot be read is
    kept all the same (as a scan is: bytes, no working copy) and noted in ``unread`` (``file: why``)."""
    from . import capture as fetching

    opened: list[tuple[str, IO[bytes], tuple[str, str, int]]] = []
    fh: IO[bytes]
    try:
        for name in files:
            try:
                regular = stat.S_ISREG(os.stat(name).st_mode)
            except OSError as exc:
                raise InputError(f"cannot read the file: {exc.strerror or exc}", file=name) from None
            if not regular:  # a folder, a FIFO (whose open would wait for a writer) or /dev/zero (endless)
                raise InputError("not a regular file; save it to a file first", file=name)
            try:
                fh = open(name, "rb")  # noqa: SIM115 - closed in finally, after the transaction
            except OSError as exc:
                raise InputError(f"cannot read the file: {exc.strerror or exc}", file=name) from None
            opened.append((name, fh, ("", "", 0)))
            try:
                opened[-1] = (name, fh, fetching.hash_stream(fh))
            except OSError as exc:
                raise InputError(f"cannot read the file: {exc.strerror or exc}", file=name) from None
        stamps = {hashes[0]: _stamps(stamper, hashes[0]) for _name, _fh, hashes in opened}
        with store.transaction():
            source_rowid = store.source_rowid(store.resolve_source_id(source_ref)) or 0
            return [
                keep_file(
                    store,
                    source_rowid,
                    name,
                    fh,
                    hashes,
                    url=url,
                    collected_by=collected_by,
                    stamps=stamps[hashes[0]],
                    unread=unread,
                )
                for name, fh, hashes in opened
            ]
    finally:
        for _name, fh, _hashes in opened:
            fh.close()


def keep_file(
    store: Store,
    source_rowid: int,
    name: str,
    fh: IO[bytes],
    hashes: tuple[str, str, int],
    *,
    url: str | None,
    collected_by: str | None,
    media_type: str | None = None,
    stamps: list[dict[str, Any]] | None = None,
    unread: list[str] | None = None,
) -> str:
    """Store one file (read from ``fh``'s start, already hashed) with its custody entry and any timestamps as
    an attachment of the source ``source_rowid``, inside the caller's transaction; returns the capture id.
    ``source attach`` and ``ingest`` (the text an account was drafted from) both keep a file through here."""
    from . import capture as fetching
    from .store import now

    source_id = store.source_id_of(source_rowid)
    media = media_type or _media_type(name)
    fh.seek(0)
    detail = {"source": source_id, "file": Path(name).name, "url": url}
    rowid = _store_one(store, fh, hashes, media, "attached", detail, stamps=stamps, name=name, unread=unread)
    return store.add_capture(
        source_rowid,
        rowid,
        None,
        {
            "method": "attach",
            "file_name": Path(name).name,
            "request_url": url,
            "final_url": url,
            "media_type": media,
            "size": hashes[2],
            "sha256": hashes[0],
            "sha1": hashes[1],
            "captured_at": now(),
            "tool": "casefile",
            "tool_version": fetching.version(),
            "collector": collector(store, collected_by),
        },
    )


def _media_type(name: str) -> str | None:
    lowered = name.lower()
    for suffix, media in (
        (".mhtml", "multipart/related"),
        (".mht", "multipart/related"),
        (".warc", "application/warc"),
        (".warc.gz", "application/warc"),
        (".wacz", "application/wacz"),
    ):
        if lowered.endswith(suffix):
            return media
    return mimetypes.guess_type(name)[0]


# ------------------------------------------------------------------------------------------------- verify


@dataclass
class Checked:
    sha256: str
    size: int
    bytes_ok: bool
    chain_ok: bool
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.bytes_ok and self.chain_ok


def chain_problems(sha256: str, entries: list[dict[str, Any]]) -> list[str]:
    """Where an artifact's custody chain breaks: an entry edited, removed or reordered."""
    from .store.custody import GENESIS, entry_hash

    problems = []
    prev = GENESIS
    for position, entry in enumerate(entries, 1):
        if entry["seq"] != position:
            problems.append(f"entry {position} has number {entry['seq']} (an entry was removed)")
            break
        if entry["prev_hash"] != prev:
            problems.append(f"entry {position} does not follow the one before (an entry was removed or edited)")
            break
        if entry_hash(sha256, entry) != entry["hash"]:
            problems.append(f"entry {position} was edited after it was written")
            break
        prev = entry["hash"]
    return problems


def rehash(store: Store, rowid: int) -> tuple[str, str, int]:
    import hashlib

    sha256, sha1, size = hashlib.sha256(), hashlib.sha1(), 0
    for piece in store.artifact_bytes(rowid):
        sha256.update(piece)
        sha1.update(piece)
        size += len(piece)
    return sha256.hexdigest(), sha1.hexdigest(), size


def verify(store: Store, refs: list[str] | None = None, advance: Callable[[int], None] | None = None) -> list[Checked]:
    """Re-hash every artifact (or those named by SHA-256 prefix or capture id) and check its custody chain -
    reading only, so other commands can write meanwhile - then append each result to its log in one short
    transaction. Raises :class:`VerifyFailed` naming each that no longer matches (the results stay recorded)."""
    from .store import now

    results: list[tuple[int, Checked, dict[str, Any]]] = []
    trusted: list[str | None] = []  # timestamp_ca, read when the first stamp is checked
    for art in store.artifacts(refs):
        sha256, sha1, size = rehash(store, art["rowid"])
        problems = []
        bytes_ok = (sha256, sha1, size) == (art["sha256"], art["sha1"], art["size"])
        if not bytes_ok:
            problems.append(f"its bytes now hash to {sha256[:16]}… ({size:,} bytes)")
        stamped = _check_stamps(store.timestamps(art["rowid"]), sha256, trusted)
        problems += [p for _, p in stamped if p]
        chain = chain_problems(art["sha256"], store.custody_entries(art["rowid"]))
        result = Checked(
            art["sha256"], art["size"], bytes_ok and not any(p for _, p in stamped), not chain, problems + chain
        )
        detail: dict[str, Any] = {"result": "ok" if result.ok else "mismatch", "algorithm": "sha256", "sha256": sha256}
        if stamped:
            detail["timestamps"] = [
                {"tsa": t["tsa_url"], "gen_time": t["gen_time"], "result": "mismatch" if p else "ok"}
                for t, p in stamped
            ]
        if not result.ok:
            detail["problems"] = result.problems
        results.append((art["rowid"], result, detail))
        if advance is not None:
            advance(1)
    with store.transaction():
        stamp = now()
        for rowid, result, detail in results:
            if store.artifact_labels([rowid]) == [(rowid, result.sha256)]:  # not purged meanwhile
                store.custody_append(rowid, "verified", actor=_actor(store), tool=_tool(), detail=detail, stamp=stamp)
    checked = [r for _, r, _ in results]
    bad = [r for r in checked if not r.ok]
    if bad:
        raise VerifyFailed(
            "; ".join(f"artifact {r.sha256}: {', '.join(r.problems)}" for r in bad[:10])
            + (f"; and {len(bad) - 10} more" if len(bad) > 10 else "")
        )
    return checked


def _trusted_ca() -> str | None:
    """The CA certificates ``timestamp_ca`` names now, if it is set: a stamp is checked against them rather than
    the ones kept with it (which a person editing the file could have replaced along with the stamp)."""
    from .config import Settings

    path = Settings().get("timestamp_ca")
    if not path:
        return None
    from .timestamping import load_ca

    return load_ca(path)


def _check_stamps(
    stamps: list[dict[str, Any]], sha256: str, trusted: list[str | None]
) -> list[tuple[dict[str, Any], str]]:
    """Each timestamp with what is wrong with it ("" when it proves these bytes existed at its time).
    ``trusted`` holds the configured CA once read (read here, the first time a stamp needs it)."""
    import base64

    if not stamps:
        return []
    from .timestamping import check, require

    require("checking the artifacts' timestamps")
    if not trusted:
        trusted.append(_trusted_ca())
    out = []
    for stamp in stamps:
        problem = check(base64.b64decode(stamp["response"]), sha256, trusted[0] or stamp["ca_pem"])
        said = f"its timestamp from {stamp['tsa_url']} of {stamp['gen_time']} {problem}" if problem else ""
        out.append((stamp, said))
    return out


def source_evidence(store: Store, source_id: str) -> list[dict[str, Any]]:
    """The captures of a source, each with the custody log of its artifact."""
    out = []
    for cap in store.captures(source_id):
        entries = store.custody_entries(cap["artifact_rowid"])
        for entry in entries:
            entry["detail"] = json.loads(entry["detail"]) if entry["detail"] else None
        cap["custody"] = entries
        cap["timestamps"] = [
            {**{k: v for k, v in t.items() if k not in ("response", "ca_pem", "digest")}, "artifact": sha}
            for rowid, sha in ((cap["artifact_rowid"], cap["sha256"]), (cap["warc_rowid"], cap["warc_sha256"]))
            if rowid is not None
            for t in store.timestamps(rowid)
        ]
        out.append(cap)
    return out


def doctor_check(store: Store) -> tuple[str, str, str]:
    """``doctor``'s evidence check: :func:`verify` over every artifact, as (status, detail, fix)."""
    from .errors import DatabaseBusy
    from .text import plural
    from .timestamping import TimestampError

    try:
        results = verify(store)
    except VerifyFailed as exc:
        return "problem", str(exc), "restore a backup that `casefile verify` passes; the custody logs say when"
    except TimestampError as exc:  # the stamps cannot be checked here: the extra is missing, or timestamp_ca
        return "problem", str(exc), "install the extra, or fix timestamp_ca (casefile config show)"
    except DatabaseBusy:
        return "note", "not checked: another casefile command is writing to the database", "run doctor again"
    if not results:
        return "ok", "no captured or attached files", ""
    return "ok", f"{plural(len(results), 'artifact')} re-hashed: all match, custody logs intact", ""


def with_captures(store: Store, accounts: Iterable[Account], *, include_restricted: bool) -> Iterator[Account]:
    """The accounts with each source link carrying its source's captures (``link["captures"]``), for the FtM
    export; the captures of a source a restricted account cites only with ``include_restricted``."""
    known: dict[str, list[dict[str, Any]]] = {}
    for account in accounts:
        for link in account.values.get("sources") or ():
            source_id = link.get("id")
            if not source_id:
                continue
            if source_id not in known:
                hidden = not include_restricted and store.restricted_source(source_id)
                known[source_id] = [] if hidden else store.captures(source_id)
            link["captures"] = known[source_id]
        yield account


def search_sources(store: Store, query: str, limit: int | None = None) -> list[dict[str, Any]]:
    """Sources whose archived working-copy text holds every word of ``query`` (case, diacritics and
    Arabic/Persian letter variants folded as ``search`` folds them), each with a snippet of the first match."""
    import re

    from .text import fold

    words = fold(query).split()
    if not words:
        return []
    rows = []
    for source_id, title, capture_id, extractor, text in store.source_text_rows():
        folded = fold(text)
        if all(w in folded for w in words):
            first = re.search(re.escape(query.split()[0]), text, re.IGNORECASE)
            start = max(0, first.start() - 60) if first else 0
            snippet = " ".join(text[start : start + 160].split())
            rows.append(
                {
                    "source": source_id,
                    "title": title,
                    "capture": capture_id,
                    "extractor": extractor,
                    "snippet": ("…" if start else "") + snippet,
                }
            )
            if limit is not None and len(rows) >= limit:
                break
    return rows
