"""Reading what a researcher hands to ``ingest``: plain text, an HTML page, a PDF with a text layer.

The text drafted from — and that every offset refers to — is the *working copy*: for HTML the article's
main text and metadata as trafilatura and htmldate find them (navigation, cookie banners and comments
left out), for a PDF its text layer through pypdf (``worktext.read_pdf``, which keeps pypdf's log lines off the
terminal). Both libraries come with the ``ingest`` extra and are imported only when a page or a PDF is read.
The original bytes are kept as they were by the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from casefile.errors import InputError

#: Fewest words of main text an HTML page must have to be read as an article.
MIN_WORDS = 15
#: Longest text drafted (characters of the working copy). A 50 MB text is not an article.
MAX_CHARS = 2_000_000


@dataclass
class Document:
    text: str
    media_type: str
    metadata: dict[str, Any] = field(default_factory=dict)  # title, author, published, sitename, url


def sniff(data: bytes, name: str = "") -> str:
    head = data[:2048].lstrip().lower()
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith((b"<!doctype html", b"<html")) or b"<body" in head or name.lower().endswith((".html", ".htm")):
        return "text/html"
    return "text/plain"


def read_bytes(data: bytes, name: str, kind: str | None = None) -> Document:
    """``data`` read as the kind of document it is (``kind``: as a web server said, else sniffed); a clear
    :class:`InputError` when there is no text."""
    if not data.strip():
        raise InputError(f"{name}: the file is empty")
    kind = kind or sniff(data, name)
    if kind == "application/pdf":
        return _pdf(data, name)
    if b"\x00" in data[:4096]:
        raise InputError(f"{name}: a binary file, not text, HTML or PDF")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if kind != "text/html":
            raise InputError(f"{name}: not UTF-8 text (byte {exc.start}); convert it first") from None
        text = data.decode("cp1252", errors="replace")
    if kind == "text/html":
        return _html(text, name)
    if len(text) > MAX_CHARS:
        raise InputError(f"{name}: {len(text):,} characters; ingest drafts from articles up to {MAX_CHARS:,}")
    return Document(text.replace("\r\n", "\n"), "text/plain")


def read_path(path: Path) -> Document:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    return read_bytes(data, str(path))


def _html(page: str, name: str) -> Document:
    try:
        import trafilatura
    except ImportError:
        raise InputError(f"{name}: reading HTML needs the ingest extra: pip install 'casefile[ingest]'") from None
    doc: Any = trafilatura.bare_extraction(
        page, include_comments=False, include_tables=False, favor_precision=True, with_metadata=True
    )
    words = len((doc.text or "").split()) if doc is not None else 0
    if doc is None or words < MIN_WORDS:  # navigation, a login wall, a cookie banner: not an article
        raise InputError(f"{name}: no article text found in the page ({words} words of main text)")
    title = (doc.title or "").strip()
    body = re.sub(r"\n+", "\n\n", doc.text.strip())  # one paragraph a line → blank lines between them
    text = f"{title}\n\n{body}" if title and not body.startswith(title) else body
    meta = {
        "title": title or None,
        "author": doc.author,
        "published": doc.date,
        "sitename": doc.sitename,
        "url": doc.url,
    }
    return Document(text, "text/html", {k: v for k, v in meta.items() if v})


def _pdf(data: bytes, name: str) -> Document:
    import io

    from casefile import worktext

    try:
        pages, meta = worktext.read_pdf(io.BytesIO(data))
    except ImportError:
        raise InputError(f"{name}: reading PDF needs the ingest extra: pip install 'casefile[ingest]'") from None
    except worktext.Unreadable as exc:
        raise InputError(f"{name}: {exc}") from None
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text:
        raise InputError(f"{name}: the PDF has no text layer (a scan?); ingest needs text")
    return Document(text, "application/pdf", {k: v for k, v in {"title": meta.get("/Title")}.items() if v})
