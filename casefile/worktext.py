"""The working copy of a captured page's or an attached PDF's text (issue 21): extracted once, when the artifact
is stored, and kept apart from the original, marked with the extractor that made it (derived, not evidence).
HTML through the standard library's parser (script and style left out, block elements on lines of their own);
PDF through pypdf, the ``evidence`` extra's, when it is installed. Also the normalisation ``check`` compares
verbatim quotes with: white space collapsed, quote marks and dashes made plain."""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser
from typing import IO

#: Files larger than this get no working copy (their text would be read into memory whole).
MAX_BYTES = 32 * 1024 * 1024
_BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote", "article", "section"}
_SKIP = {"script", "style", "noscript", "template", "head"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and self.skipping:
            self.skipping -= 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def extract(data: IO[bytes], media_type: str | None, size: int, content_type: str = "") -> tuple[str, str] | None:
    """(extractor, text) of an HTML page or a PDF, or None (another kind, too large, or unreadable)."""
    if size > MAX_BYTES:
        return None
    if media_type in ("text/html", "application/xhtml+xml"):
        from .capture import declared_charset

        raw = data.read()
        charset = declared_charset(content_type, raw) or "utf-8"
        parser = _Text()
        try:
            parser.feed(raw.decode(charset, "replace"))
            parser.close()
        except (LookupError, AssertionError):
            return None
        lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
        return "casefile html text", "\n".join(line for line in lines if line)
    if media_type == "application/pdf":
        try:
            import pypdf
        except ImportError:
            return None
        try:
            reader = pypdf.PdfReader(data)
            text = "\n".join(page.extract_text() or "" for page in reader.pages)
        except Exception:  # noqa: BLE001 - a PDF pypdf cannot read just has no working copy
            return None
        return f"pypdf {pypdf.__version__}", text
    return None


_QUOTES = str.maketrans(
    dict.fromkeys("“”„‟«»″〝〞", '"') | dict.fromkeys("‘’‚‛‹›′`´", "'") | dict.fromkeys("‐‑‒–—―−﹘﹣－", "-")
)
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Text as ``check`` compares a verbatim quote with its source: NFC, quote marks and dashes made plain,
    white space (non-breaking too) collapsed to one space."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text).translate(_QUOTES)).strip()
