"""The working copy of a captured page's or an attached PDF's text (issue 21): extracted once, when the artifact
is stored, and kept apart from the original, marked with the extractor that made it (derived, not evidence).
HTML through the standard library's parser (script and style left out, block elements on lines of their own);
PDF through pypdf, the ``evidence`` extra's, when it is installed (:func:`read_pdf`, which ``ingest`` reads PDFs
through too: pypdf's own log lines and warnings never reach the terminal). Also the normalisation ``check`` compares
verbatim quotes with: white space collapsed, quote marks and dashes made plain."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from typing import IO, Any

#: Files larger than this get no working copy (their text would be read into memory whole).
MAX_BYTES = 32 * 1024 * 1024
#: The media types whose text is read into a working copy: pages, then PDF.
_PAGES = ("text/html", "application/xhtml+xml")
_READ = (*_PAGES, "application/pdf")
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


class Unreadable(Exception):
    """A page or PDF whose text could not be read (the message says why, for a line naming the file)."""


def extract(data: IO[bytes], media_type: str | None, size: int, content_type: str = "") -> tuple[str, str] | None:
    """(extractor, text) of an HTML page or a PDF, or None (another kind, or pypdf not installed); raises
    :class:`Unreadable` for a page or PDF over :data:`MAX_BYTES`, a page in an unknown charset, or a PDF pypdf
    cannot read."""
    if size > MAX_BYTES:
        if media_type in _READ:  # a page or PDF whose text is not read: said, not silently missing
            raise Unreadable(f"larger than {MAX_BYTES >> 20} MiB, too large to read its text")
        return None
    if media_type in _PAGES:
        from .capture import declared_charset

        raw = data.read()
        charset = declared_charset(content_type, raw) or "utf-8"
        parser = _Text()
        try:
            parser.feed(raw.decode(charset, "replace"))
            parser.close()
        except (LookupError, AssertionError):
            raise Unreadable(f"its text is in a charset Python does not know ({charset})") from None
        lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
        return "casefile html text", "\n".join(line for line in lines if line)
    if media_type == "application/pdf":
        try:
            import pypdf
        except ImportError:
            return None
        pages, _meta = read_pdf(data)
        return f"pypdf {pypdf.__version__}", "\n".join(pages)
    return None


def read_pdf(data: IO[bytes]) -> tuple[list[str], dict[str, Any]]:
    """The text of each page of a PDF (``""`` for a page with none) and its document information (``/Title``
    ...), read by pypdf (ImportError when it is not installed); :class:`Unreadable` for a PDF it cannot read.
    The one place casefile calls pypdf: what it logs or warns about a damaged file is kept from the terminal
    (the error says it once, naming the file)."""
    import pypdf

    try:
        with _quiet("pypdf"):
            reader = pypdf.PdfReader(data)
            info: Any = reader.metadata or {}
            return [page.extract_text() or "" for page in reader.pages], {key: info[key] for key in info}
    except Exception:  # noqa: BLE001 - pypdf raises many kinds (and plain ones) for a damaged file
        raise Unreadable("not a readable PDF") from None


@contextmanager
def _quiet(library: str) -> Iterator[None]:
    """A library's log records and Python warnings dropped for the body. With no logging set up, Python prints
    a library's warning records on stderr (its "last resort" handler): "EOF marker not found" and the like."""
    import logging
    import warnings

    logger = logging.getLogger(library)
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


_QUOTES = str.maketrans(
    dict.fromkeys("“”„‟«»″〝〞", '"') | dict.fromkeys("‘’‚‛‹›′`´", "'") | dict.fromkeys("‐‑‒–—―−﹘﹣－", "-")
)
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Text as ``check`` compares a verbatim quote with its source: NFC, quote marks and dashes made plain,
    white space (non-breaking too) collapsed to one space."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text).translate(_QUOTES)).strip()
