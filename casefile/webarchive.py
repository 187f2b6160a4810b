"""The captured pages of the selected accounts' sources as web archives (issue 21): ``export --format warc``
(the stored WARC records, one after another) and ``export --format wacz`` (a WACZ 1.1.1 package that
ReplayWeb.page and pywb open: ``archive/data.warc.gz`` with each record its own gzip member,
``indexes/index.cdxj`` pointing at every response record by offset and length, ``pages/pages.jsonl``, and a
``datapackage.json`` with the SHA-256 of each of them). Both pick the captures the same way and append an
``exported`` custody entry to each WARC artifact, in one transaction.

The WACZ is written by hand with the standard library (zipfile, zlib) from the WARC records as stored: no
record is parsed into objects and written again, so the bytes inside are those captured; the ``wacz``
package would bring pywb and its dependencies for the same result.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from .store import Store

WACZ_VERSION = "1.1.1"
_WARC_NAME = "data.warc.gz"


def _captures(store: Store, flt: Any) -> tuple[list[tuple[str, dict[str, Any]]], int]:
    """(source id, capture) of every capture with a WARC record of the sources the accounts ``flt`` selects
    cite, and how many sources were left out because a restricted account cites them."""
    out: list[tuple[str, dict[str, Any]]] = []
    left_out = 0
    seen: set[str] = set()
    for account in list(store.query(flt, nested=True)):
        for link in account.values.get("sources") or ():
            source_id = link.get("id")
            if not source_id or source_id in seen:
                continue
            seen.add(source_id)
            if not flt.include_restricted and store.restricted_source(source_id):
                left_out += 1
                continue
            out.extend((source_id, cap) for cap in store.captures(source_id) if cap["warc_rowid"] is not None)
    return out, left_out


def _exported(store: Store, source_id: str, cap: dict[str, Any], fmt: str, stamp: str) -> None:
    from .evidence import _actor, _tool

    detail = {"export": fmt, "source": source_id, "capture": cap["id"]}
    store.custody_append(cap["warc_rowid"], "exported", actor=_actor(store), tool=_tool(), detail=detail, stamp=stamp)


def write_warc(store: Store, flt: Any, out: IO[bytes]) -> tuple[int, int]:
    """The stored WARC records of the selected captures to ``out``; returns (captures written, sources left
    out as restricted)."""
    from .store import now

    stamp = now()
    with store.transaction():
        captures, left_out = _captures(store, flt)
        for source_id, cap in captures:
            for piece in store.artifact_bytes(cap["warc_rowid"]):
                out.write(piece)
            _exported(store, source_id, cap, "warc", stamp)
        out.flush()
        os.fsync(out.fileno())
    return len(captures), left_out


# ------------------------------------------------------------------------------------------------- WACZ


class _Stream(io.RawIOBase):
    """A readable file over an iterator of byte pieces (an artifact read from the database)."""

    def __init__(self, pieces: Iterable[bytes]) -> None:
        self._pieces = iter(pieces)
        self._left = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._left:
            self._left = next(self._pieces, b"")
            if not self._left:
                return 0
        n = min(len(buffer), len(self._left))
        buffer[:n] = self._left[:n]
        self._left = self._left[n:]
        return n


@dataclass
class _Counted:
    """The WARC entry of the zip as it is written: its size so far and its SHA-256."""

    out: IO[bytes]
    size: int = 0
    sha256: Any = field(default_factory=hashlib.sha256)

    def write(self, data: bytes) -> None:
        self.out.write(data)
        self.sha256.update(data)
        self.size += len(data)


def _records(stream: IO[bytes]) -> Iterator[tuple[dict[str, str], Iterator[bytes]]]:
    """Each WARC record of a stored WARC file: its header fields (names lower-cased), then its bytes as
    stored - header block, content block and the closing CRLF CRLF - in pieces."""
    while True:
        first = stream.readline()
        if not first:
            return
        if not first.startswith(b"WARC/"):
            raise ValueError("not a WARC record")
        head = [first]
        fields: dict[str, str] = {}
        while (line := stream.readline()) not in (b"\r\n", b"\n", b""):
            head.append(line)
            name, _, value = line.decode("utf-8", "replace").partition(":")
            fields[name.strip().lower()] = value.strip()
        head.append(line)
        length = int(fields.get("content-length", "0"))

        def pieces(head: list[bytes] = head, length: int = length) -> Iterator[bytes]:
            yield b"".join(head)
            left = length
            while left:
                piece = stream.read(min(left, 1024 * 1024))
                if not piece:
                    raise ValueError("a WARC record ends early")
                left -= len(piece)
                yield piece
            yield stream.read(4)  # CRLF CRLF

        yield fields, pieces()


def _http_head(block: bytes) -> tuple[str, str]:
    """(status, media type) from the start of a response record's content block (its HTTP head)."""
    lines = block.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    words = lines[0].split(b" ")
    status = words[1].decode("ascii", "replace") if len(words) > 1 else "-"
    mime = "unk"
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-type":
            mime = value.split(b";")[0].strip().decode("latin-1") or "unk"
    return status, mime


def surt(url: str) -> str:
    """The Sort-friendly URI Reordering Transform of a URL, as CDXJ indexes key their lines: host labels
    reversed and comma-separated (``www.`` dropped; an IP address kept as it is), a port other than the
    scheme's own, ``)``, then the path and the query (its arguments sorted), lower-cased."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    if not re.fullmatch(r"[\d.]+|\[?[0-9a-f:]+\]?", host):
        host = ",".join(reversed(host.split(".")))
    port = parts.port
    if port is not None and (parts.scheme.lower(), port) not in (("http", 80), ("https", 443)):
        host += f":{port}"
    query = "&".join(sorted(parts.query.split("&"))) if parts.query else ""
    return (f"{host}){parts.path or '/'}" + (f"?{query}" if query else "")).lower()


def _warc_date(value: str) -> str:
    return re.sub(r"\D", "", value)[:14].ljust(14, "0")


def write_wacz(store: Store, flt: Any, path: str, title: str = "casefile export") -> tuple[int, int]:
    """A WACZ package of the selected captures to the file ``path``; returns (captures written, sources left
    out as restricted)."""
    import zipfile

    from .capture import version
    from .store import now

    stamp = now()
    index: list[str] = []
    pages = [json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "All Pages"})]
    resources = []
    with store.transaction(), zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        captures, left_out = _captures(store, flt)
        with zf.open(f"archive/{_WARC_NAME}", "w", force_zip64=True) as entry:
            warc = _Counted(entry)
            for source_id, cap in captures:
                stream = io.BufferedReader(_Stream(store.artifact_bytes(cap["warc_rowid"])), 1024 * 1024)
                for fields, pieces in _records(stream):
                    offset = warc.size
                    packer = zlib.compressobj(6, zlib.DEFLATED, 31)  # one gzip member per record
                    block = b""
                    for n, piece in enumerate(pieces):
                        block = piece[:65536] if n == 1 else block
                        warc.write(packer.compress(piece))
                    warc.write(packer.flush())
                    if fields.get("warc-type") == "response":
                        status, mime = _http_head(block)
                        url = fields.get("warc-target-uri", "")
                        line = {"url": url, "mime": mime, "status": status, "digest": fields.get("warc-payload-digest")}
                        line |= {"length": str(warc.size - offset), "offset": str(offset), "filename": _WARC_NAME}
                        index.append(f"{surt(url)} {_warc_date(fields.get('warc-date', ''))} {json.dumps(line)}")
                title_of = (store.sources(source_id)[0].get("title") or "") if source_id else ""
                page = {"id": cap["id"], "url": cap["final_url"], "ts": cap["captured_at"], "title": title_of}
                pages.append(json.dumps(page, ensure_ascii=False))
                _exported(store, source_id, cap, "wacz", stamp)
        resources.append(_resource(f"archive/{_WARC_NAME}", warc.sha256.hexdigest(), warc.size))
        for name, text in (("indexes/index.cdxj", sorted(index)), ("pages/pages.jsonl", pages)):
            data = "".join(f"{line}\n" for line in text).encode("utf-8")
            zf.writestr(name, data)
            resources.append(_resource(name, hashlib.sha256(data).hexdigest(), len(data)))
        package = {
            "profile": "data-package",
            "wacz_version": WACZ_VERSION,
            "title": title,
            "created": stamp,
            "modified": stamp,
            "software": f"casefile {version()}",
            "resources": resources,
        }
        data = (json.dumps(package, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        zf.writestr("datapackage.json", data)
        digest = {"path": "datapackage.json", "hash": "sha256:" + hashlib.sha256(data).hexdigest()}
        zf.writestr("datapackage-digest.json", json.dumps(digest, indent=2) + "\n")
    return len(captures), left_out


def _resource(path: str, sha256: str, size: int) -> dict[str, Any]:
    return {"name": os.path.basename(path), "path": path, "hash": f"sha256:{sha256}", "bytes": size}
