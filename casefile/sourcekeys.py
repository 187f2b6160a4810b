"""When two citations are one source: the keys shared sources are matched by.

A source is matched first by its address, normalised (:func:`url_key`), else - when it has no address or
none matches - by its title, publisher and publication date, folded (:func:`title_key`). The store keeps
both keys beside each source (``sources.url_key``, ``sources.match_key``) so matching is one indexed lookup.

The URL rule, decided once for every path (flat ``source_*`` columns, ``sources`` entries, ``source add``):

* surrounding spaces go; the scheme and host are compared in lower case, ``http`` and ``https`` alike, and
  a leading ``www.`` and a default port (80, 443) are dropped;
* the fragment goes (``#comments`` is the same article), except a ``#!`` route, which names the page;
* tracking parameters go: ``utm_*``, ``fbclid``, ``gclid``, ``dclid``, ``msclkid``, ``mc_cid``, ``mc_eid``,
  ``igshid``, ``yclid``, ``_ga``, ``_gl``; the others stay, in their order;
* a trailing ``/`` of the path goes; the path keeps its case (servers tell ``/A`` from ``/a``).

The title rule: a title and at least one of publisher and date (a bare "Interview" names nothing), folded
as search folds text (case, diacritics, Arabic/Persian letter variants, spaces); the date by its reading
(EDTF), so "2024-01-02" and "2 January 2024" agree, else its folded text.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from .text import fold

_TRACKING = frozenset({"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid", "_ga", "_gl"})
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<authority>[^/?#]*)(?P<rest>.*)$", re.DOTALL)
_SEPARATOR = "\x1f"


def _tracking(param: str) -> bool:
    name = param.split("=", 1)[0].lower()
    return name.startswith("utm_") or name in _TRACKING


@functools.lru_cache(maxsize=256)  # asked twice for each row an import cites: to find its source, then to store it
def url_key(url: str | None) -> str | None:
    """The normalised form of an address two citations of one source share (None for no address)."""
    if not url:
        return None
    text = url.strip()
    if not text:
        return url  # only spaces: itself (an address is unique as written, so it must match as written)
    match = _URL.match(text)
    if match is None:  # not an absolute URL: compared as written, without case and a trailing slash
        return text.casefold().rstrip("/") or text
    scheme = match["scheme"].lower()
    authority = match["authority"]
    userinfo, _, hostport = authority.rpartition("@")
    host, port = hostport, ""
    if not hostport.endswith("]") and ":" in hostport:  # not a bare IPv6 address
        host, _, port = hostport.rpartition(":")
    host = host.lower().rstrip(".")
    host = host.removeprefix("www.")
    if port == _DEFAULT_PORTS.get(scheme) or port == "":
        port = ""
    rest = match["rest"]
    fragment = ""
    if "#" in rest:
        rest, fragment = rest.split("#", 1)
        fragment = "#" + fragment if fragment.startswith("!") else ""
    path, _, query = rest.partition("?")
    path = path.rstrip("/")
    kept = [p for p in query.split("&") if p and not _tracking(p)]
    kind = "web" if scheme in _DEFAULT_PORTS else scheme
    return (
        f"{kind}://{userinfo + '@' if userinfo else ''}{host}{':' + port if port else ''}{path}"
        f"{'?' + '&'.join(kept) if kept else ''}{fragment}"
    )


def title_key(title: str | None, publisher: str | None, date: Any) -> str | None:
    """Title, publisher and date folded into one key; None without a title or without both of the others.
    ``date`` is a :class:`~casefile.model.FuzzyDate` (its reading counts) or raw text. The last keys are kept: an
    import asks for a row's keys when it looks its source up and again when it stores it (issue 23)."""
    try:
        return _title_key(title, publisher, date)
    except TypeError:  # an unhashable date (not one casefile makes): worked out, not kept
        return _title_key.__wrapped__(title, publisher, date)


@functools.lru_cache(maxsize=256)
def _title_key(title: str | None, publisher: str | None, date: Any) -> str | None:
    folded_title = fold(title or "")
    folded_publisher = fold(publisher or "")
    when = date_key(date)
    if not folded_title or not (folded_publisher or when):
        return None
    return _SEPARATOR.join((folded_title, folded_publisher, when))


def date_key(date: Any) -> str:
    if date is None:
        return ""
    edtf = getattr(date, "edtf", None)
    return str(edtf) if edtf else fold(str(getattr(date, "raw", date)))
