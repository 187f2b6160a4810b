"""Trusted time for evidence (issue 21): an RFC 3161 timestamp over an artifact's SHA-256 from each configured
timestamp authority (``timestamp_urls``), checked when it arrives and again, offline, by ``verify``: the
token's message imprint must equal the artifact's hash, and its signature must chain to the TSA's CA
certificate (``timestamp_ca``). Only the hash leaves the machine, never the bytes.

The request (TimeStampReq) is written here, in DER, from the hash alone - rfc3161-client's request builder
wants the data itself, which for a file of any size we do not hold in memory; the reply is read and checked
with rfc3161-client (Trail of Bits, Apache-2.0) and the HTTP POST is made with requests, both the
``timestamp`` extra's and imported only inside the functions that need them. A TSA that cannot be reached,
answers an HTTP error, answers something that is not a granted TimeStampResp, a stamp over another hash or
for another request, or one whose signature does not check is a one-line :class:`TimestampError` (exit 1),
and nothing is stored."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import CasefileError, UsageError, quote

EXTRA = "pip install 'casefile[timestamp]'"
TIMEOUT = 30.0
#: The largest reply read from a TSA (a reply with its certificate chain is a few kilobytes).
MAX_REPLY = 1024 * 1024
#: DER of the AlgorithmIdentifier of SHA-256 (OID 2.16.840.1.101.3.4.2.1, NULL parameters).
_SHA256 = bytes.fromhex("300d06096086480165030402010500")
_SHA256_OID = "2.16.840.1.101.3.4.2.1"


class TimestampError(CasefileError):
    """A timestamp authority did not give a timestamp casefile can keep; nothing was stored (exit 1)."""


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _tlv(tag: int, body: bytes) -> bytes:
    return bytes([tag]) + _length(len(body)) + body


def _integer(value: int) -> bytes:
    return _tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def request(sha256: str, nonce: int) -> bytes:
    """A DER TimeStampReq (RFC 3161 section 2.4.1): version 1, the SHA-256 imprint, a nonce, and certReq set so
    the TSA's certificate travels inside the token (what offline verification needs)."""
    imprint = _tlv(0x30, _SHA256 + _tlv(0x04, bytes.fromhex(sha256)))
    return _tlv(0x30, _integer(1) + imprint + _integer(nonce) + b"\x01\x01\xff")


@dataclass
class Stamper:
    """The configured timestamp authorities and the CA certificates their tokens must chain to."""

    urls: list[str]
    ca_pem: str
    ca_origin: str

    def stamp(self, sha256: str) -> list[dict[str, Any]]:
        """A checked timestamp over ``sha256`` from every authority, as the rows ``artifact_timestamps`` keeps."""
        return [_stamp_one(url, sha256, self.ca_pem, self.ca_origin) for url in self.urls]


def configured() -> Stamper:
    """The authorities of ``timestamp_urls`` (one or more, separated by spaces) and the CA of ``timestamp_ca``;
    a usage error (exit 2) naming the setting when either is not set, exit 1 when the CA file is unusable."""
    from .config import Settings

    require()
    settings = Settings()
    urls = (settings.get("timestamp_urls") or "").split()
    if not urls:
        raise UsageError(
            "--timestamp needs a timestamp authority: set timestamp_urls (config file or CASEFILE_TIMESTAMP_URLS)"
        )
    for url in urls:
        if not url.lower().startswith(("http://", "https://")):
            raise UsageError(f"timestamp_urls: {quote(url, 200)} is not an http:// or https:// address")
    ca = settings.get("timestamp_ca")
    if not ca:
        raise UsageError(
            "--timestamp needs the certificate of the timestamp authority's CA to check its replies: set "
            "timestamp_ca to a PEM file (config file or CASEFILE_TIMESTAMP_CA)"
        )
    return Stamper(urls, load_ca(ca), ca)


def require(what: str = "--timestamp") -> None:
    """Refuse, naming the extra to install, when rfc3161-client (and cryptography with it) is not there."""
    try:
        import cryptography.x509  # noqa: F401
        import requests  # noqa: F401
        import rfc3161_client  # noqa: F401
    except ImportError:
        raise TimestampError(f"{what} needs the optional extra: {EXTRA}") from None


def load_ca(path: str) -> str:
    """The PEM certificates of a CA file, checked to hold at least one certificate."""
    try:
        text = Path(path).expanduser().read_text("ascii")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not a PEM file"
        raise TimestampError(f"{path}: cannot read the timestamp CA certificate: {reason}") from None
    try:
        _roots(text)
    except ValueError:
        raise TimestampError(
            f"{path}: holds no PEM certificate (timestamp_ca must name the TSA's CA certificate)"
        ) from None
    return text


def _roots(pem: str) -> list[Any]:
    from cryptography import x509

    return list(x509.load_pem_x509_certificates(pem.encode("ascii")))


def _stamp_one(url: str, sha256: str, ca_pem: str, ca_origin: str) -> dict[str, Any]:
    import requests

    from .store import now

    where = f"timestamp authority {quote(url, 200)}"
    nonce = secrets.randbits(62) | 1 << 62
    session = requests.Session()
    session.trust_env = False  # no .netrc credentials, no proxy settings from the environment
    try:
        reply = session.post(
            url,
            data=request(sha256, nonce),
            headers={"Content-Type": "application/timestamp-query", "User-Agent": _agent()},
            timeout=TIMEOUT,
            allow_redirects=False,
            stream=True,
        )
        with reply:
            if reply.status_code != 200:
                raise TimestampError(f"{where} answered HTTP {reply.status_code}; nothing stored")
            der = reply.raw.read(MAX_REPLY + 1, decode_content=True)
    except requests.exceptions.Timeout:
        raise TimestampError(f"{where} did not answer within {TIMEOUT:g} s; nothing stored") from None
    except requests.exceptions.RequestException as exc:
        raise TimestampError(f"cannot reach {where} ({type(exc).__name__}); nothing stored") from None
    finally:
        session.close()
    if len(der) > MAX_REPLY:
        raise TimestampError(f"{where} answered more than {MAX_REPLY:,} bytes; nothing stored")
    row = read_reply(der, where)
    problem = check(der, sha256, ca_pem, nonce=nonce)
    if problem:
        raise TimestampError(f"{where} sent a timestamp that {problem}; nothing stored (timestamp_ca: {ca_origin})")
    return {**row, "tsa_url": url, "response": base64.b64encode(der).decode("ascii"), "ca_pem": ca_pem, "at": now()}


def _agent() -> str:
    from .capture import version

    return f"casefile/{version()}"


def read_reply(der: bytes, where: str = "the timestamp") -> dict[str, Any]:
    """What a granted TimeStampResp says: time, serial, policy, the TSA's name, the imprint's algorithm and hash."""
    from rfc3161_client import PKIStatus, decode_timestamp_response

    try:
        reply = decode_timestamp_response(der)
    except ValueError:
        raise TimestampError(
            f"{where} answered something that is not an RFC 3161 timestamp reply; nothing stored"
        ) from None
    if reply.status not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        said = "; ".join(reply.status_string) if reply.status_string else f"status {reply.status}"
        raise TimestampError(f"{where} refused to timestamp ({quote(said, 120)}); nothing stored")
    info = reply.tst_info
    imprint = info.message_imprint
    name: Any = getattr(info.name, "value", None) if info.name is not None else None
    return {
        "hash_algorithm": "sha256" if imprint.hash_algorithm.dotted_string == _SHA256_OID else "other",
        "digest": imprint.message.hex(),
        "gen_time": info.gen_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "serial": str(info.serial_number),
        "policy": info.policy.dotted_string,
        "tsa_name": name.rfc4514_string() if hasattr(name, "rfc4514_string") else (str(name) if name else None),
    }


def check(der: bytes, sha256: str, ca_pem: str, *, nonce: int | None = None) -> str | None:
    """Why a reply does not prove ``sha256`` existed at its time, as the end of a sentence about it (None: it
    does): its imprint is not this SHA-256, it answers another request, or its signature does not chain to
    ``ca_pem``. Offline."""
    from rfc3161_client import VerificationError, VerifierBuilder, decode_timestamp_response

    try:
        reply = decode_timestamp_response(der)
        imprint = reply.tst_info.message_imprint
    except ValueError:
        return "cannot be read"
    if imprint.hash_algorithm.dotted_string != _SHA256_OID or imprint.message != bytes.fromhex(sha256):
        return "is over another hash: it does not cover these bytes"
    if nonce is not None and reply.tst_info.nonce != nonce:
        return "answers another request (its nonce differs)"
    try:
        VerifierBuilder(roots=_roots(ca_pem)).build().verify(reply, imprint.message)
    except (VerificationError, ValueError) as exc:
        return f"has a signature that does not check against the TSA's CA certificate ({_short(exc)})"
    return None


def _short(exc: Exception) -> str:
    text = str(exc).split(": ErrorStack")[0].split("Verify error: ")[-1].strip('" ])')
    return text[:160]
