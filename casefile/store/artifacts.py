"""Evidence artifacts: the bytes of captured pages and attached files, content-addressed by SHA-256 inside the
database (one copy however many sources point at it), and the captures and attachments that tie a source to
an artifact with their fixity record (request and final URL, every redirect, status, headers, media type,
size, hashes, time, tool and collector).

The bytes are kept in ``artifact_chunks``, :data:`CHUNK` bytes a row, each written and read with SQLite's
incremental BLOB I/O (``Connection.blobopen``) :data:`PIECE` bytes at a time, so storing or reading a file of
any size holds at most one piece in memory. SQLCipher's connection has no ``blobopen``: an encrypted database
keeps :data:`PIECE` bytes a row instead, written and read whole - the same bound on memory.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from casefile.errors import DatabaseError, NotFound, UsageError, quote

from .base import StoreBase
from .connection import new_id

#: Bytes a chunk row holds (the last one of an artifact holds the rest).
CHUNK = 16 * 1024 * 1024
#: Bytes written or read at once inside a chunk.
PIECE = 1024 * 1024
#: The page cache (KiB) while an artifact is written.
CACHE_KIB = 16 * 1024

_CAPTURE_COLUMNS = (
    "id",
    "method",
    "file_name",
    "request_url",
    "final_url",
    "redirects",
    "status",
    "headers",
    "media_type",
    "content_encoding",
    "size",
    "sha256",
    "sha1",
    "captured_at",
    "tool",
    "tool_version",
    "collector",
    "ip_address",
)
_JSON_CAPTURE = ("redirects", "headers")
_TIMESTAMP_COLUMNS = (
    "tsa_url",
    "hash_algorithm",
    "digest",
    "gen_time",
    "serial",
    "policy",
    "tsa_name",
    "response",
    "ca_pem",
)


def _read_exactly(data: IO[bytes], length: int) -> bytes:
    piece = data.read(length)
    if len(piece) != length:
        raise DatabaseError("the file got shorter while it was being stored; nothing was kept")
    return piece


class _NoCheck:
    def update(self, data: bytes) -> None:
        pass

    def hexdigest(self) -> str:
        return ""


class Artifacts(StoreBase):
    """Artifacts (content-addressed bytes) and the captures linking sources to them."""

    def artifact_rowid(self, sha256: str) -> int | None:
        row = self.conn.execute("SELECT rowid FROM artifacts WHERE sha256 = ?", (sha256,)).fetchone()
        return None if row is None else int(row[0])

    def store_artifact(
        self,
        data: IO[bytes],
        *,
        sha256: str,
        sha1: str,
        size: int,
        media_type: str | None,
        stamp: str,
        private: bool = False,
    ) -> tuple[int, bool]:
        """Store the bytes read from ``data`` (already hashed by the caller) unless an artifact with that
        SHA-256 exists; returns (its rowid, whether it is new). The bytes are hashed again as they are
        written: a file that changed since it was hashed is refused, and nothing is kept. A ``private`` file
        (an unnamed temporary file this process wrote and hashed as it wrote it: a capture's body and WARC)
        has no other writer, and is not hashed twice; its size is still checked."""
        found = self.artifact_rowid(sha256)
        if found is not None:
            return found, False
        cursor = self.conn.execute(
            "INSERT INTO artifacts (sha256, sha1, size, media_type, created_at) VALUES (?, ?, ?, ?, ?)",
            (sha256, sha1, size, media_type, stamp),
        )
        rowid = int(cursor.lastrowid or 0)
        check = _NoCheck() if private else hashlib.sha256()
        with self._roomy_cache(size):
            self._write_chunks(data, rowid, size, check)
        if data.read(1) or (not private and check.hexdigest() != sha256):
            raise DatabaseError("the file changed while it was being stored; nothing was kept")
        return rowid, True

    @contextmanager
    def _roomy_cache(self, size: int) -> Iterator[None]:
        """A page cache of :data:`CACHE_KIB` while bytes that fit in it are stored: with SQLite's default 2 MiB,
        the pages of a 5 MB capture spill to the file in the middle of the transaction, each spill syncing the
        journal first (a third of a capture's storing time, benchmarks/evidence.py). Larger files spill
        whatever the cache, and keep the default (a 200 MB attachment stays near 34 MiB of memory)."""
        if size > CACHE_KIB * 1024:
            yield
            return
        before = self.conn.execute("PRAGMA cache_size").fetchone()[0]
        self.conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        try:
            yield
        finally:
            self.conn.execute(f"PRAGMA cache_size = {int(before)}")

    def _write_chunks(self, data: IO[bytes], rowid: int, size: int, check: Any) -> None:
        written = 0
        seq = 0
        incremental = hasattr(self.conn, "blobopen")
        while written < size or (size == 0 and seq == 0):
            length = min(CHUNK if incremental else PIECE, size - written)
            if not incremental:
                piece = _read_exactly(data, length)
                self.conn.execute(
                    "INSERT INTO artifact_chunks (artifact_rowid, seq, data) VALUES (?, ?, ?)", (rowid, seq, piece)
                )
                check.update(piece)
            else:
                chunk = self.conn.execute(
                    "INSERT INTO artifact_chunks (artifact_rowid, seq, data) VALUES (?, ?, zeroblob(?))",
                    (rowid, seq, length),
                ).lastrowid
                done = 0
                with self.conn.blobopen("artifact_chunks", "data", int(chunk or 0), readonly=False) as blob:
                    while done < length:
                        piece = _read_exactly(data, min(PIECE, length - done))
                        blob.write(piece)
                        check.update(piece)
                        done += len(piece)
            written += length
            seq += 1

    def artifact_bytes(self, rowid: int) -> Iterator[bytes]:
        """The bytes of an artifact, :data:`PIECE` at a time."""
        chunks = self.conn.execute(
            "SELECT rowid FROM artifact_chunks WHERE artifact_rowid = ? ORDER BY seq", (rowid,)
        ).fetchall()
        for (chunk,) in chunks:
            if not hasattr(self.conn, "blobopen"):
                yield self.conn.execute("SELECT data FROM artifact_chunks WHERE rowid = ?", (chunk,)).fetchone()[0]
                continue
            with self.conn.blobopen("artifact_chunks", "data", int(chunk), readonly=True) as blob:
                while piece := blob.read(PIECE):
                    yield piece

    def artifacts_by_rowid(self, rowids: list[int]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for rowid in rowids:
            cursor = self.conn.execute(
                "SELECT rowid, sha256, sha1, size, media_type, created_at FROM artifacts WHERE rowid = ?", (rowid,)
            )
            names = [d[0] for d in cursor.description]
            out.extend(dict(zip(names, r, strict=True)) for r in cursor)
        return out

    def artifacts(self, refs: list[str] | None = None) -> list[dict[str, Any]]:
        """Every artifact (or those a SHA-256 prefix or capture id names), oldest first."""
        cursor = self.conn.execute(
            "SELECT rowid, sha256, sha1, size, media_type, created_at FROM artifacts ORDER BY rowid"
        )
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, r, strict=True)) for r in cursor]
        if not refs:
            return rows
        out: dict[int, dict[str, Any]] = {}
        for ref in refs:
            key = ref.strip().lower()
            by_capture = self.conn.execute("SELECT artifact_rowid FROM captures WHERE id = ?", (key,)).fetchone()
            matches = [r for r in rows if by_capture and r["rowid"] == by_capture[0]] or [
                r for r in rows if key and r["sha256"].startswith(key)
            ]
            if not matches:
                raise NotFound(f"no artifact {quote(ref)}; `casefile source show SOURCE` lists a source's captures")
            if len(matches) > 1:
                raise UsageError(f"artifact prefix {quote(ref)} is ambiguous; give more of its SHA-256")
            out[matches[0]["rowid"]] = matches[0]
        return list(out.values())

    def add_timestamp(self, artifact_rowid: int, stamp: dict[str, Any], created_at: str) -> None:
        """Keep an RFC 3161 timestamp of an artifact (the row :mod:`casefile.timestamping` made)."""
        columns = _TIMESTAMP_COLUMNS
        self.conn.execute(
            f"INSERT INTO artifact_timestamps (artifact_rowid, created_at, {', '.join(columns)}) "
            f"VALUES (?, ?, {', '.join('?' for _ in columns)})",
            (artifact_rowid, created_at, *(stamp.get(c) for c in columns)),
        )

    def timestamps(self, artifact_rowid: int) -> list[dict[str, Any]]:
        """An artifact's timestamps, in the order they were kept."""
        cursor = self.conn.execute(
            f"SELECT {', '.join(_TIMESTAMP_COLUMNS)} FROM artifact_timestamps WHERE artifact_rowid = ? ORDER BY rowid",
            (artifact_rowid,),
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in cursor]

    def artifacts_of_sources(self, source_rowids: list[int]) -> list[int]:
        """The artifacts (bodies and WARC records) the captures of these sources hold."""
        out: set[int] = set()
        for rowid in source_rowids:
            for body, warc in self.conn.execute(
                "SELECT artifact_rowid, warc_rowid FROM captures WHERE source_rowid = ?", (rowid,)
            ):
                out.update(r for r in (body, warc) if r is not None)
        return sorted(out)

    def artifact_labels(self, rowids: list[int]) -> list[tuple[int, str]]:
        """(rowid, SHA-256) of those of these artifacts that exist."""
        out = []
        for rowid in rowids:
            row = self.conn.execute("SELECT sha256 FROM artifacts WHERE rowid = ?", (rowid,)).fetchone()
            if row is not None:
                out.append((rowid, str(row[0])))
        return out

    def restricted_source(self, source_id: str) -> bool:
        """Whether a live restricted account cites this source: its files are then restricted too."""
        return (
            self.conn.execute(
                "SELECT 1 FROM accounts a WHERE a.deleted_at IS NULL AND a.confidentiality = 'restricted' AND "
                "a.rowid IN (SELECT account_rowid FROM account_sources WHERE source_rowid = ?1 UNION SELECT "
                "account_rowid FROM events WHERE source_rowid = ?1 UNION SELECT account_rowid FROM quotes WHERE "
                "source_rowid = ?1) LIMIT 1",
                ((self.conn.execute("SELECT rowid FROM sources WHERE id = ?", (source_id,)).fetchone() or (0,))[0],),
            ).fetchone()
            is not None
        )

    def set_text(self, rowid: int, extractor: str, text: str, stamp: str) -> None:
        """Keep the working copy of an artifact's text (derived: ``extractor`` made it), unless it has one."""
        self.conn.execute(
            "INSERT OR IGNORE INTO artifact_texts (artifact_rowid, extractor, text, created_at) VALUES (?, ?, ?, ?)",
            (rowid, extractor, text, stamp),
        )

    def source_texts(self, source_id: str) -> list[str]:
        """The working-copy texts of a source's archived copies."""
        return [
            str(r[0])
            for r in self.conn.execute(
                "SELECT t.text FROM artifact_texts t JOIN captures c ON c.artifact_rowid = t.artifact_rowid JOIN "
                "sources s ON s.rowid = c.source_rowid WHERE s.id = ? ORDER BY c.rowid",
                (source_id,),
            )
        ]

    def source_text_rows(self) -> Iterator[tuple[str, str | None, str, str, str]]:
        """(source id, title, capture id, extractor, text) of every working copy, oldest capture first."""
        yield from self.conn.execute(
            "SELECT s.id, s.title, c.id, t.extractor, t.text FROM captures c JOIN sources s ON s.rowid = "
            "c.source_rowid JOIN artifact_texts t ON t.artifact_rowid = c.artifact_rowid ORDER BY c.rowid"
        )

    def archived(self, source_id: str) -> bool:
        """Whether a source has any capture or attachment."""
        return (
            self.conn.execute(
                "SELECT 1 FROM captures c JOIN sources s ON s.rowid = c.source_rowid WHERE s.id = ? LIMIT 1",
                (source_id,),
            ).fetchone()
            is not None
        )

    def artifact_chunk_count(self, rowid: int) -> int:
        return int(
            self.conn.execute("SELECT count(*) FROM artifact_chunks WHERE artifact_rowid = ?", (rowid,)).fetchone()[0]
        )

    def add_capture(
        self, source_rowid: int, artifact_rowid: int, warc_rowid: int | None, record: dict[str, Any]
    ) -> str:
        """Record a capture or attachment of a source; returns its id."""
        values = {**record, "id": record.get("id") or new_id()}
        for key in _JSON_CAPTURE:
            if values.get(key) is not None:
                values[key] = json.dumps(values[key], ensure_ascii=False, separators=(",", ":"))
        columns = ", ".join(_CAPTURE_COLUMNS)
        marks = ", ".join("?" for _ in range(len(_CAPTURE_COLUMNS) + 3))
        self.conn.execute(
            f"INSERT INTO captures (source_rowid, artifact_rowid, warc_rowid, {columns}) VALUES ({marks})",
            (source_rowid, artifact_rowid, warc_rowid, *(values.get(c) for c in _CAPTURE_COLUMNS)),
        )
        return str(values["id"])

    def captures(self, source_id: str | None = None, *, artifact_rowid: int | None = None) -> list[dict[str, Any]]:
        """The captures of one source (or of every source, or of one artifact), oldest first, with the source
        id and the SHA-256 of their WARC record, if any."""
        where: list[str] = []
        params: list[Any] = []
        if source_id is not None:
            where.append("s.id = ?")
            params.append(source_id)
        if artifact_rowid is not None:
            where.append("(c.artifact_rowid = ? OR c.warc_rowid = ?)")
            params.extend((artifact_rowid, artifact_rowid))
        cols = ", ".join(f"c.{c}" for c in _CAPTURE_COLUMNS)
        cursor = self.conn.execute(
            f"SELECT s.id AS source, {cols}, c.artifact_rowid, w.sha256 AS warc_sha256, w.size AS warc_size, "
            "c.warc_rowid FROM captures c JOIN sources s ON s.rowid = c.source_rowid LEFT JOIN artifacts w ON "
            f"w.rowid = c.warc_rowid WHERE {' AND '.join(where) or '1'} ORDER BY c.rowid",
            params,
        )
        names = [d[0] for d in cursor.description]
        out = []
        for row in cursor:
            item = dict(zip(names, row, strict=True))
            for key in _JSON_CAPTURE:
                if item[key] is not None:
                    item[key] = json.loads(item[key])
            out.append(item)
        return out
