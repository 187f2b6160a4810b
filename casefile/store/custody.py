"""The custody log of each artifact: what happened to it (captured, attached, exported, verified), when, by
whom and with which tool. Append-only: the schema refuses any UPDATE, and a DELETE while its artifact exists
(see migration m015). Each entry carries the hash of the one before, so an entry removed or edited behind
casefile's back breaks the chain, and ``verify`` says where."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .base import StoreBase

#: The ``prev_hash`` of an artifact's first entry.
GENESIS = "0" * 64


def entry_hash(artifact_sha256: str, entry: dict[str, Any]) -> str:
    """The SHA-256 of an entry: of the artifact's SHA-256, the entry's fields and the hash of the entry
    before, as canonical JSON (sorted keys, no spaces, UTF-8) - what ``verify`` and a reader recompute."""
    fields = {k: entry.get(k) for k in ("seq", "ts", "event", "actor", "tool", "detail", "prev_hash")}
    text = json.dumps(
        {"artifact": artifact_sha256, **fields}, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Custody(StoreBase):
    """Appending to and reading the custody log."""

    def custody_append(
        self, artifact_rowid: int, event: str, *, actor: str, tool: str, detail: dict[str, Any] | None, stamp: str
    ) -> dict[str, Any]:
        """Append an entry to an artifact's log, chained to the last one; returns it."""
        sha = self.conn.execute("SELECT sha256 FROM artifacts WHERE rowid = ?", (artifact_rowid,)).fetchone()[0]
        last = self.conn.execute(
            "SELECT seq, hash FROM custody WHERE artifact_rowid = ? ORDER BY seq DESC LIMIT 1", (artifact_rowid,)
        ).fetchone()
        entry = {
            "seq": 1 if last is None else int(last[0]) + 1,
            "ts": stamp,
            "event": event,
            "actor": actor,
            "tool": tool,
            "detail": None if detail is None else json.dumps(detail, sort_keys=True, ensure_ascii=False),
            "prev_hash": GENESIS if last is None else str(last[1]),
        }
        entry["hash"] = entry_hash(sha, entry)
        self.conn.execute(
            "INSERT INTO custody (artifact_rowid, seq, ts, event, actor, tool, detail, prev_hash, hash) "
            "VALUES (?, :seq, :ts, :event, :actor, :tool, :detail, :prev_hash, :hash)".replace("?", ":artifact"),
            {**entry, "artifact": artifact_rowid},
        )
        return entry

    def custody_entries(self, artifact_rowid: int) -> list[dict[str, Any]]:
        """An artifact's log, in the order it was written (by rowid: a reordered ``seq`` shows up too)."""
        cursor = self.conn.execute(
            "SELECT seq, ts, event, actor, tool, detail, prev_hash, hash FROM custody WHERE artifact_rowid = ? "
            "ORDER BY rowid",
            (artifact_rowid,),
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in cursor]
