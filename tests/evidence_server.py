"""A local web server for the evidence tests (127.0.0.1, a thread; no test touches the internet): pages with
metadata, redirect chains and loops, gzip, odd charsets, a binary PDF and a broken one, slow, oversize and
failing answers."""

from __future__ import annotations

import gzip
import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ARTICLE = (
    b"<!doctype html><html><head><meta charset='utf-8'><title>Fallback title</title>"
    b"<meta property='og:title' content='Former cadre describes the camp'>"
    b"<meta property='og:site_name' content='Example Herald'>"
    b"<meta property='article:published_time' content='2024-03-05T08:00:00Z'>"
    b"</head><body><p>He said: \xe2\x80\x9cWe were never allowed to leave.\xe2\x80\x9d</p>"
    b"<p>CANARY-ARTICLE-7731</p></body></html>"
)
JSON_LD = (
    b"<html><head><title>  Plain   title </title><script type='application/ld+json'>"
    b'{"@type": "NewsArticle", "headline": "Ld headline", "datePublished": "2023-11-02",'
    b' "publisher": {"@type": "Organization", "name": "Ld Publisher"}}</script></head><body>x</body></html>'
)
PERSIAN = "<html><head><title>شهادة عضو سابق</title></head><body>نص</body></html>".encode("cp1256")
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
#: A PDF cut short (no cross-reference table, no %%EOF): pypdf cannot read it.
BROKEN_PDF = b"%PDF-1.4\nnot really a PDF: the rest of the download never came\n"
BIG = b"A" * 5000
#: An invented news report with a main text for ``ingest URL`` to draft from, between navigation and a footer.
STORY = (
    "<!doctype html><html><head><meta charset='utf-8'><title>Former guard leaves the movement | Example Herald</title>"
    "<meta property='og:title' content='Former guard tells of twelve years inside the movement'>"
    "<meta property='og:site_name' content='Example Herald'>"
    "<meta property='article:published_time' content='2019-05-14T09:00:00Z'></head><body>"
    "<nav><a href='/'>Home</a> <a href='/world'>World</a> <a href='/login'>Sign in</a></nav>"
    "<article><h1>Former guard tells of twelve years inside the movement</h1>"
    "<p>Tomas Elvander, 41, joined the Brotherhood of the Dawn in 2004 and left it last December, after twelve "
    "years in which he says he was not allowed to call his mother.</p>"
    "<p>\u201cI stopped believing long before I found the courage to walk out,\u201d Elvander said in an "
    "interview at his sister\u2019s flat in Uppsala.</p>"
    "<p>A spokesman for the group did not answer questions sent by email. Elvander now works at a bakery and "
    "says he wants other members to know that leaving is possible.</p></article>"
    "<footer>Copyright Example Herald. All rights reserved.</footer></body></html>"
).encode("utf-8")


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """A client that stops reading (capture refusing a body over its cap) resets the connection: expected,
        and not to be printed into the stderr of the command under test (the server runs in its process)."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet tests
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {"Content-Type": "text/html; charset=utf-8"}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, status: int, where: str) -> None:
        self._send(status, b"", {"Location": where})

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        path = self.path
        if path == "/article":
            self._send(200, ARTICLE)
        elif path == "/story":
            self._send(200, STORY)
        elif path == "/story-moved":
            self._redirect(302, "/story")
        elif path == "/jsonld":
            self._send(200, JSON_LD, {"Content-Type": "text/html"})
        elif path == "/persian":
            self._send(200, PERSIAN, {"Content-Type": "text/html; charset=windows-1256"})
        elif path == "/r1":
            self._redirect(302, "/r2")
        elif path == "/r2":
            self._redirect(301, f"http://127.0.0.1:{self.server.server_port}/article")
        elif path == "/loop1":
            self._redirect(302, "/loop2")
        elif path == "/loop2":
            self._redirect(302, "/loop1")
        elif path.startswith("/many"):
            n = int(path.removeprefix("/many") or 0)
            self._redirect(302, f"/many{n + 1}")
        elif path == "/to-ftp":
            self._redirect(302, "ftp://127.0.0.1/file")
        elif path == "/gzip":
            self._send(200, gzip.compress(ARTICLE), {"Content-Type": "text/html", "Content-Encoding": "gzip"})
        elif path == "/gzip-big":
            self._send(200, gzip.compress(BIG), {"Content-Type": "text/plain", "Content-Encoding": "gzip"})
        elif path == "/pdf":
            self._send(200, PDF, {"Content-Type": "application/pdf"})
        elif path == "/broken-pdf":
            self._send(200, BROKEN_PDF, {"Content-Type": "application/pdf"})
        elif path == "/big":
            self._send(200, BIG, {"Content-Type": "text/plain"})
        elif path == "/big-chunked":  # no Content-Length: the cap is found while reading
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(BIG)
            self.close_connection = True
        elif path == "/slow":
            time.sleep(3)
            self._send(200, ARTICLE)
        elif path == "/cookie":
            self._send(302, b"", {"Location": "/echo", "Set-Cookie": "session=secret123; Path=/"})
        elif path == "/echo":
            self._send(200, json.dumps(dict(self.headers.items())).encode(), {"Content-Type": "application/json"})
        elif path == "/500":
            self._send(500, b"oops")
        else:
            self._send(404, b"not here")


@contextmanager
def serve() -> Iterator[str]:
    """The base address of a server running in a thread for the duration."""
    server = _QuietServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def rows(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    """The rows of a query, read with the standard library over the raw file (what casefile wrote)."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()
