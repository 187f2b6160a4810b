"""A local RFC 3161 timestamp authority for the timestamp tests (127.0.0.1, a thread; never the network): a
throwaway CA and a TSA certificate made with ``openssl`` (extendedKeyUsage timeStamping, critical), and an
``http.server`` whose handler answers each TimeStampReq with the reply ``openssl ts -reply`` makes for it.

Paths: ``/tsa`` answers properly; ``/500`` answers HTTP 500; ``/garbage`` answers 200 with bytes that are not
a TimeStampResp; ``/other`` answers with a properly signed reply over another hash than the one asked for;
``/rejection`` answers with a TimeStampResp whose status is "rejection"."""

from __future__ import annotations

import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_TSA_CONFIG = """
[ tsa ]
default_tsa = tsa_config1

[ tsa_config1 ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.crt
certs = $dir/tsa.crt
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""

_TSA_EXTENSIONS = """
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""

# a TimeStampResp of status 2 (rejection) with no token: SEQUENCE { PKIStatusInfo SEQUENCE { INTEGER 2 } }
REJECTION = bytes.fromhex("30053003020102")


def _openssl(*args: str, cwd: Path, data: bytes | None = None) -> bytes:
    return subprocess.run(["openssl", *args], cwd=cwd, input=data, capture_output=True, check=True).stdout


@dataclass
class Authority:
    """A throwaway TSA: its folder (``ca.crt`` the root to trust, ``tsa.crt`` the signer), and the config
    file ``openssl ts -reply`` reads."""

    folder: Path

    @property
    def ca(self) -> Path:
        return self.folder / "ca.crt"

    def reply(self, query: bytes) -> bytes:
        with tempfile.TemporaryDirectory(dir=self.folder) as work:
            (Path(work) / "q.tsq").write_bytes(query)
            _openssl(
                "ts", "-reply", "-config", "tsa.cnf", "-queryfile", f"{work}/q.tsq", "-out", f"{work}/r.tsr",
                cwd=self.folder,
            )  # fmt: skip
            return (Path(work) / "r.tsr").read_bytes()

    def reply_over(self, data: bytes) -> bytes:
        """A reply over the SHA-256 of ``data`` (with no nonce), whatever was asked."""
        with tempfile.TemporaryDirectory(dir=self.folder) as work:
            (Path(work) / "d").write_bytes(data)
            query = _openssl("ts", "-query", "-data", f"{work}/d", "-sha256", "-cert", cwd=self.folder)
        return self.reply(query)


def make_authority(folder: Path) -> Authority:
    """A CA (self-signed) and a TSA certificate it issued, with the openssl ts config for them."""
    folder.mkdir(parents=True, exist_ok=True)
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    _openssl(
        "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "3650", "-subj", "/CN=Casefile Test Root",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=folder,
    )  # fmt: skip
    _openssl("req", *ec, "-keyout", "tsa.key", "-out", "tsa.csr", "-subj", "/CN=Casefile Test TSA", cwd=folder)
    (folder / "tsa.ext").write_text(_TSA_EXTENSIONS)
    _openssl(
        "x509", "-req", "-in", "tsa.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "tsa.crt",
        "-days", "3650", "-extfile", "tsa.ext",
        cwd=folder,
    )  # fmt: skip
    (folder / "serial").write_text("01\n")
    (folder / "tsa.cnf").write_text(_TSA_CONFIG.format(dir=folder))
    return Authority(folder)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass


def _handler(authority: Authority, seen: list[bytes]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet tests
            pass

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            query = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            seen.append(query)
            status, body = 200, b""
            path = self.path.split("?")[0]
            if path == "/tsa":
                body = authority.reply(query)
            elif path == "/500":
                status, body = 500, b"<html>internal error</html>"
            elif path == "/garbage":
                body = b"<html>this is not a timestamp</html>"
            elif path == "/other":
                body = authority.reply_over(b"some other file")
            elif path == "/rejection":
                body = REJECTION
            else:
                status = 404
            self.send_response(status)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def serve(authority: Authority) -> Iterator[tuple[str, list[bytes]]]:
    """The TSA on a free port: (its base URL, the queries it received)."""
    seen: list[bytes] = []
    server = _QuietServer(("127.0.0.1", 0), _handler(authority, seen))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", seen
    finally:
        server.shutdown()
        server.server_close()
