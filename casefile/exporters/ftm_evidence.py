"""The FtM entities of the archived copies behind a source (issue 21): a ``HyperText`` for a captured web page,
a ``Document`` for any other file, with ``contentHash`` (SHA-1, as Aleph names files), ``sourceUrl``,
``retrievedAt``, ``mimeType`` and ``fileSize``, and a ``Documentation`` tying it to the Person whose account
it proves. The captures arrive on the account's source links (``link["captures"]``), put there by the
export command; the bytes themselves are not exported here (``casefile bundle`` carries them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def archived_copies(writer: Any, ctx: Any, link: Mapping[str, Any]) -> None:
    """``writer`` is the :class:`~casefile.exporters.ftm.Writer` (not imported: it imports this module), ``ctx``
    its Context of the account."""
    for cap in link.get("captures") or ():
        html = cap.get("media_type") in ("text/html", "application/xhtml+xml")
        doc = writer.draft("HyperText" if html else "Document", f"capture {cap['id']}", "capture", cap["sha256"])
        if doc.id not in writer.written:
            doc.lines.append(f"casefile capture {cap['id']} of source {link.get('id')}; SHA-256 {cap['sha256']}")
            writer.put(doc, "title", link.get("title") or cap.get("file_name"), "field 'title'")
            writer.put(doc, "fileName", cap.get("file_name"), "capture file name")
            writer.put(doc, "contentHash", cap["sha1"], "capture SHA-1")
            writer.put(doc, "sourceUrl", cap.get("final_url") or cap.get("request_url"), "capture URL")
            writer.put(doc, "retrievedAt", cap.get("captured_at"), "capture time")
            writer.put(doc, "mimeType", cap.get("media_type"), "capture media type")
            writer.put(doc, "fileSize", str(cap["size"]), "capture size")
            writer.put(doc, "publisher", link.get("publisher"), "field 'publisher'")
            writer.emit(doc)
        proof = writer.draft("Documentation", ctx.subject, "documentation", ctx.account_id, doc.id)
        writer.put(proof, "document", doc.id, "capture")
        writer.put(proof, "entity", ctx.person.id, "person")
        writer.put(proof, "role", f"archived copy of the {link.get('role') or 'primary'} source", "field 'role'")
        writer.emit(proof)
