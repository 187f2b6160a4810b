"""Fetching a web page as evidence (``casefile source capture``): one GET with ``requests``, recorded as WARC
by ``warcio`` (the request and response records of every hop, bytes as they crossed the wire), and the body
kept as received with its Content-Encoding decoded. Both libraries are the ``evidence`` extra's and are
imported only here, inside :func:`fetch`.

What a capture refuses - each a one-line :class:`FetchError` (exit 1), nothing stored: a scheme other than
http or https, credentials in the URL, an unreachable host, a timeout (connecting, or the whole exchange
taking longer than ``timeout``), an HTTP status of 400 or more, more than ``max_redirects`` redirects or a
redirect loop, a redirect to another scheme, a body larger than ``max_bytes`` (after decoding).

Nothing identifying is sent: no cookies (none are accepted either), no credentials (``.netrc`` and proxy
settings from the environment are not read), a User-Agent of ``casefile/<version>``.
"""

from __future__ import annotations

import functools
import hashlib
import http.cookiejar
import tempfile
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import IO, Any
from urllib.parse import urljoin, urlsplit

from .errors import CasefileError, quote

EXTRA = "pip install 'casefile[evidence]'"
#: The largest body a capture keeps unless ``--max-bytes`` says otherwise.
DEFAULT_MAX_BYTES = 100 * 1024 * 1024
DEFAULT_TIMEOUT = 30.0
MAX_REDIRECTS = 10
_PIECE = 1024 * 1024


class FetchError(CasefileError):
    """A page could not be captured as asked; nothing was stored (exit 1)."""


@dataclass
class Fetched:
    """A capture on its way into the store: the body and the WARC in temporary files, and the fixity record."""

    body: IO[bytes]
    warc: IO[bytes]
    record: dict[str, Any]
    warc_hashes: tuple[str, str, int] = ("", "", 0)
    meta: dict[str, str] = field(default_factory=dict)


@functools.cache
def version() -> str:
    from importlib.metadata import version as installed

    return installed("casefile")


@functools.cache
def library_versions() -> str:
    from importlib.metadata import version as installed

    return f"requests {installed('requests')}, warcio {installed('warcio')}"


def check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise FetchError(f"only http:// and https:// addresses can be captured, not {quote(url)}")
    if parts.username or parts.password:
        raise FetchError("the address holds a user name or password; casefile sends no credentials - remove them")


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    def set_ok(self, cookie: Any, request: Any) -> bool:
        return False

    def return_ok(self, cookie: Any, request: Any) -> bool:
        return False


def fetch(url: str, *, max_bytes: int = DEFAULT_MAX_BYTES, timeout: float = DEFAULT_TIMEOUT) -> Fetched:
    """GET ``url``, following at most :data:`MAX_REDIRECTS` redirects one by one; every hop is written to a
    WARC file (a request and a response record each, the body as it came off the wire). Raises
    :class:`FetchError` (nothing kept) on any refusal listed above."""
    check_url(url)
    try:
        import requests
        from warcio.warcwriter import WARCWriter
    except ImportError:
        raise FetchError(f"capturing web pages needs the optional extra: {EXTRA}") from None
    from .store import now

    session = requests.Session()
    session.trust_env = False  # no .netrc credentials, no proxy settings from the environment
    session.cookies.set_policy(_NoCookies())
    session.headers.update({"User-Agent": f"casefile/{version()}", "Accept-Encoding": "gzip, deflate"})
    warc = tempfile.TemporaryFile()
    body = tempfile.TemporaryFile()
    # uncompressed: warcio gzips at level 9, which took half a 5 MB capture's time (benchmarks/evidence.py); the
    # body is often compressed already, and the database (encrypted or not) holds it either way
    aside = _Aside()
    out = _Hashing(warc, aside)  # the WARC's own hashes, as it is written (not read back afterwards)
    writer = WARCWriter(out, gzip=False)
    writer.write_record(
        writer.create_warcinfo_record(
            "", {"software": f"casefile {version()} ({library_versions()})", "format": "WARC File Format 1.0"}
        )
    )
    deadline = time.monotonic() + timeout
    hops: list[dict[str, Any]] = []
    seen = {url}
    current = url
    captured_at = now()
    try:
        while True:
            response = _get(session, requests, current, deadline, timeout)
            try:
                wire = tempfile.TemporaryFile()
                try:
                    head = _response_head(response)
                    digests = [hashlib.sha1(head.headers_buff), hashlib.sha1()]  # the WARC's block and payload
                    hashes = _read_body(response, wire, body, requests, max_bytes, deadline, current, digests, aside)
                    _write_exchange(writer, response, wire, head, digests)
                finally:
                    wire.close()
            finally:
                response.close()
            if response.is_redirect:
                target = urljoin(current, response.headers.get("Location", ""))
                hops.append({"url": current, "status": response.status_code, "location": target})
                if len(hops) > MAX_REDIRECTS:
                    raise FetchError(f"more than {MAX_REDIRECTS} redirects from {quote(url)}; nothing stored")
                if target in seen:
                    raise FetchError(f"redirect loop at {quote(target)}; nothing stored")
                if urlsplit(target).scheme.lower() not in ("http", "https"):
                    raise FetchError(f"redirect to a non-web address {quote(target)}; nothing stored")
                seen.add(target)
                current = target
                continue
            if response.status_code >= 400:
                raise FetchError(f"{quote(current)} answered HTTP {response.status_code}; nothing stored")
            break
        warc_hashes = out.hashes()
    except BaseException:
        body.close()
        warc.close()
        raise
    finally:
        session.close()
        aside.close()
    content_type = response.headers.get("Content-Type", "")
    record = {
        "method": "capture",
        "request_url": url,
        "final_url": current,
        "redirects": hops,
        "status": response.status_code,
        "headers": [[k, v] for k, v in response.raw.headers.items()],
        "media_type": content_type.split(";")[0].strip().lower() or None,
        "content_encoding": response.headers.get("Content-Encoding"),
        "size": hashes[2],
        "sha256": hashes[0],
        "sha1": hashes[1],
        "captured_at": captured_at,
        "tool": "casefile",
        "tool_version": f"{version()} ({library_versions()})",
        "ip_address": _peer(response),
    }
    fetched = Fetched(body, warc, record)
    fetched.warc_hashes = warc_hashes
    body.seek(0)
    fetched.meta = page_metadata(body.read(2 * 1024 * 1024), content_type) if _is_html(record["media_type"]) else {}
    body.seek(0)
    warc.seek(0)
    return fetched


def _peer(response: Any) -> str | None:
    return getattr(response, "casefile_peer", None)


class _Aside:
    """Hash updates run in a helper thread, in the order given, while this thread goes on reading and writing:
    hashlib releases the GIL over large buffers, so on a second core the SHA-256s of a capture cost no time of
    their own. At most one piece waits at a time, so memory stays bounded."""

    def __init__(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="casefile-hash")
        self.pending: Any = None

    def update(self, digest: Any, piece: bytes) -> None:
        self.wait()
        self.pending = self.pool.submit(digest.update, piece)

    def wait(self) -> None:
        if self.pending is not None:
            pending, self.pending = self.pending, None
            pending.result()

    def close(self) -> None:
        self.pending = None
        self.pool.shutdown(wait=True)


class _Hashing:
    """A file being written, with the SHA-256 (hashed aside), the SHA-1 and the size of what went in; small
    writes are hashed a megabyte at a time."""

    def __init__(self, out: IO[bytes], aside: _Aside) -> None:
        self.out, self.aside = out, aside
        self.sha256, self.sha1, self.size = hashlib.sha256(), hashlib.sha1(), 0
        self.buffered: list[bytes] = []
        self.waiting = 0

    def write(self, data: bytes) -> int:
        self.out.write(data)
        self.buffered.append(bytes(data))
        self.waiting += len(data)
        self.size += len(data)
        if self.waiting >= _PIECE:
            self._hash()
        return len(data)

    def _hash(self) -> None:
        piece = b"".join(self.buffered)
        self.buffered, self.waiting = [], 0
        self.aside.update(self.sha256, piece)
        self.sha1.update(piece)

    def flush(self) -> None:
        self.out.flush()

    def hashes(self) -> tuple[str, str, int]:
        self._hash()
        self.aside.wait()
        return self.sha256.hexdigest(), self.sha1.hexdigest(), self.size


def _response_head(response: Any) -> Any:
    """The HTTP status line and headers of a response as its WARC record holds them (``headers_buff``)."""
    from warcio.statusandheaders import StatusAndHeaders

    version = {10: "HTTP/1.0", 11: "HTTP/1.1"}.get(getattr(response.raw, "version", 11), "HTTP/1.1")
    head = StatusAndHeaders(
        f"{response.status_code} {response.reason or ''}".strip(), list(response.raw.headers.items()), protocol=version
    )
    head.compute_headers_buffer()
    return head


def _warc_digest(digest: Any) -> str:
    import base64

    return "sha1:" + base64.b32encode(digest.digest()).decode("ascii")


def _write_exchange(writer: Any, response: Any, wire: IO[bytes], head: Any, digests: list[Any]) -> None:
    """A request and a response record for one hop; the response's payload is the body as received. Its block
    and payload digests were computed as the body was read, so warcio does not read it twice more for them."""
    from warcio.statusandheaders import StatusAndHeaders

    request = response.request
    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    sent = [("Host", parts.netloc), *request.headers.items()]
    req_headers = StatusAndHeaders(f"{request.method} {target} HTTP/1.1", sent, is_http_request=True)
    warc_headers: dict[str, str | None] = {
        "WARC-Block-Digest": _warc_digest(digests[0]),
        "WARC-Payload-Digest": _warc_digest(digests[1]),
    }
    if _peer(response):
        warc_headers["WARC-IP-Address"] = _peer(response)
    length = wire.seek(0, 2)
    wire.seek(0)
    resp = writer.create_warc_record(
        request.url, "response", payload=wire, length=length, http_headers=head, warc_headers_dict=warc_headers
    )
    import io

    req = writer.create_warc_record(request.url, "request", payload=io.BytesIO(b""), length=0, http_headers=req_headers)
    writer.write_request_response_pair(req, resp)


def _get(session: Any, requests: Any, url: str, deadline: float, timeout: float) -> Any:
    left = max(0.001, deadline - time.monotonic())
    try:
        return session.get(url, allow_redirects=False, stream=True, timeout=(min(left, timeout), left))
    except requests.exceptions.Timeout:
        raise FetchError(f"{quote(url)} did not answer within {timeout:g} s; nothing stored") from None
    except requests.exceptions.RequestException as exc:
        reason = type(exc).__name__
        raise FetchError(f"cannot reach {quote(url)} ({reason}); nothing stored") from None


def _read_body(
    response: Any,
    wire: IO[bytes],
    out: IO[bytes],
    requests: Any,
    max_bytes: int,
    deadline: float,
    url: str,
    digests: list[Any],
    aside: _Aside,
) -> tuple[str, str, int]:
    """Read the body as it comes off the wire into ``wire``, and its Content-Encoding decoded into ``out``
    (a redirect's body is read too, for the WARC, but not kept), hashing the decoded bytes (SHA-256, SHA-1)
    and the wire's (the WARC's block and payload SHA-1 ``digests``: each byte is hashed once per digest, in
    the one pass that reads it; for a body with no Content-Encoding the payload digest is its SHA-1, copied
    in); refuse either past ``max_bytes`` or the deadline."""
    import zlib

    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"{quote(url)} is {int(declared):,} bytes, over the cap of {max_bytes:,} (--max-bytes)")
    _note_peer(response)
    encoding = response.headers.get("Content-Encoding", "").strip().lower()
    decoder = zlib.decompressobj(47) if encoding in ("gzip", "x-gzip", "deflate") else None
    keep = not response.is_redirect
    sha256, sha1, size, received = hashlib.sha256(), hashlib.sha1(), 0, 0
    block, payload = digests
    same = decoder is None and keep  # the payload digest is the body's own SHA-1: computed once, copied after

    def take(piece: bytes) -> None:
        nonlocal size
        size += len(piece)
        if size > max_bytes:
            raise FetchError(
                f"{quote(url)} is larger than the cap of {max_bytes:,} bytes (--max-bytes); nothing stored"
            )
        if keep:
            aside.update(sha256, piece)
            sha1.update(piece)
            out.write(piece)

    try:
        for raw in response.raw.stream(_PIECE, decode_content=False):
            received += len(raw)
            if received > max_bytes:
                raise FetchError(
                    f"{quote(url)} is larger than the cap of {max_bytes:,} bytes (--max-bytes); nothing stored"
                )
            if time.monotonic() > deadline:
                raise FetchError(f"{quote(url)} took longer than the timeout to send; nothing stored")
            wire.write(raw)
            block.update(raw)
            if not same:
                payload.update(raw)
            take(decoder.decompress(raw, max_bytes + 1 - size) if decoder is not None else raw)
            if decoder is not None and decoder.unconsumed_tail:
                raise FetchError(
                    f"{quote(url)} is larger than the cap of {max_bytes:,} bytes (--max-bytes); nothing stored"
                )
        if decoder is not None:
            take(decoder.flush())
    except zlib.error:
        raise FetchError(
            f"{quote(url)} sent a body its Content-Encoding ({encoding}) cannot decode; nothing stored"
        ) from None
    except requests.exceptions.RequestException as exc:
        raise FetchError(
            f"the answer from {quote(url)} could not be read ({type(exc).__name__}); nothing stored"
        ) from None
    except Exception as exc:  # noqa: BLE001 - urllib3's read errors and timeouts
        if type(exc).__module__.startswith(("urllib3", "socket", "http")) or isinstance(exc, OSError):
            raise FetchError(f"{quote(url)} stopped sending within the timeout; nothing stored") from None
        raise
    out.flush()
    aside.wait()
    if same:
        digests[1] = sha1.copy()
    return sha256.hexdigest(), sha1.hexdigest(), size


def _note_peer(response: Any) -> None:
    """The server's IP address, for the fixity record and WARC-IP-Address, while the socket is open."""
    try:
        response.casefile_peer = response.raw._connection.sock.getpeername()[0]
    except (AttributeError, OSError, IndexError, TypeError):
        response.casefile_peer = None


def hash_stream(fh: IO[bytes]) -> tuple[str, str, int]:
    """(SHA-256, SHA-1, size) of a file from its start; leaves it at its end."""
    fh.seek(0)
    sha256, sha1, size = hashlib.sha256(), hashlib.sha1(), 0
    while piece := fh.read(1024 * 1024):
        sha256.update(piece)
        sha1.update(piece)
        size += len(piece)
    return sha256.hexdigest(), sha1.hexdigest(), size


def _is_html(media_type: str | None) -> bool:
    return media_type in (None, "text/html", "application/xhtml+xml")


# ------------------------------------------------------------------------------------------- page metadata


class _Meta(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title: list[str] = []
        self.json_ld: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): v or "" for k, v in attrs}
        if tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            if key and a.get("content") and key not in self.meta:
                self.meta[key] = a["content"].strip()
            if a.get("charset"):
                self.meta.setdefault("charset", a["charset"])
            if a.get("http-equiv", "").lower() == "content-type" and "charset=" in a.get("content", ""):
                self.meta.setdefault("charset", a["content"].split("charset=")[-1].strip())
        elif tag == "title" or (tag == "script" and a.get("type", "").lower() == "application/ld+json"):
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.title.append(data)
        elif self._in == "script":
            self.json_ld.append(data)


def declared_charset(content_type: str, head: bytes) -> str | None:
    """The charset the Content-Type header or the page's own ``<meta>`` declares (None: none, or unknown)."""
    import codecs

    found = _charset(content_type, head)
    try:
        return codecs.lookup(found).name if found else None
    except LookupError:
        return None


def _charset(content_type: str, head: bytes) -> str | None:
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            return value.strip("\"' ")
    probe = _Meta()
    try:
        probe.feed(head[:4096].decode("ascii", "replace"))
    except Exception:  # noqa: BLE001 - a malformed page just has no declared charset
        return None
    return probe.meta.get("charset")


def page_metadata(head: bytes, content_type: str = "") -> dict[str, str]:
    """Title, publisher and publication date of a page, from (first found) Open Graph and article tags,
    JSON-LD, ``<title>`` and common meta names; decoded with the charset the header or the page declares
    (UTF-8 if none). Only what is found is returned."""
    import codecs
    import json

    charset = _charset(content_type, head) or "utf-8"
    try:
        codecs.lookup(charset)
    except LookupError:
        charset = "utf-8"
    parser = _Meta()
    try:
        parser.feed(head.decode(charset, "replace"))
    except Exception:  # noqa: BLE001 - what could be read is used
        pass
    ld: dict[str, Any] = {}
    for block in parser.json_ld:
        try:
            data = json.loads(block)
        except ValueError:
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict) and not ld:
                ld = item
    publisher = ld.get("publisher")
    m = parser.meta
    out = {
        "title": m.get("og:title") or _text(ld.get("headline")) or " ".join("".join(parser.title).split()),
        "publisher": m.get("og:site_name")
        or (_text(publisher.get("name")) if isinstance(publisher, dict) else _text(publisher)),
        "date": m.get("article:published_time")
        or _text(ld.get("datePublished"))
        or m.get("date")
        or m.get("dc.date")
        or m.get("datepublished"),
    }
    return {k: v for k, v in out.items() if v}


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""
