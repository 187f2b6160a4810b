"""``casefile bundle OUT --account ID…``: an evidence bundle a court, a fact-checker or an archive can check
without casefile - the originals behind the accounts, the accounts as JSON, each capture's fixity record,
each artifact's custody log, a ``SHA256SUMS`` that ``sha256sum -c`` verifies, and a manifest naming the
algorithm. A folder (written beside its name and renamed into place) or, for a name ending in ``.zip``, a
zip file through the one output mechanism. One transaction: the ``exported`` custody entries are written
only if the bundle is. See docs/EVIDENCE.md.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .errors import OutputError, UsageError, quote

if TYPE_CHECKING:
    from .store import Store

FORMAT = "casefile evidence bundle 1"
README = """This folder is an evidence bundle written by casefile.

manifest.json    what is here: the accounts, every file with its SHA-256, SHA-1, size and media type,
                 the source and capture it belongs to; the hash algorithm is named in "algorithm".
accounts.json    the accounts, with their sources, events and quotes.
captures/        the fixity record of each capture or attachment (request and final URL, redirects,
                 HTTP status and headers, time in UTC, tool and version, collector).
artifacts/       the files as they were captured, named by their SHA-256.
custody/         the custody log of each artifact, one JSON entry a line; each entry's "hash" is the
                 SHA-256 of the canonical JSON of the artifact's SHA-256 and the entry's other fields,
                 and "prev_hash" is the hash of the entry before (64 zeros for the first).
timestamps/      RFC 3161 timestamps of artifacts, if any: <sha256>.<n>.tsr is the authority's reply (DER
                 TimeStampResp) and <sha256>.<n>.ca.pem the CA certificate it was checked against.

Check every file without casefile:  sha256sum -c SHA256SUMS
Check a timestamp without casefile (the file names are in manifest.json, under "timestamps"):
  openssl ts -verify -in timestamps/<sha256>.1.tsr -data artifacts/<sha256>.<ext> -CAfile timestamps/<sha256>.1.ca.pem
  (compare the CA certificate with the one the timestamp authority publishes first)
"""


class _Sink(Protocol):
    def add(self, name: str, chunks: Iterable[bytes]) -> None: ...


@dataclass
class Bundled:
    accounts: int = 0
    files: int = 0
    bytes: int = 0
    left_out: list[str] = field(default_factory=list)  # source ids whose files are restricted


def bundle(
    store: Store, out: str, account_refs: list[str], *, include_restricted: bool, protect: dict[str, str]
) -> Bundled:
    """Write the bundle of these accounts to ``out``; returns what went in."""
    from . import capture as fetching
    from . import evidence
    from .exporters.json import encode_account
    from .store import now

    result = Bundled()
    stamp = now()
    with store.transaction():
        ids = list(dict.fromkeys(store.resolve_id(ref) for ref in account_refs))
        accounts = [store.get(i) for i in ids]
        for account in accounts:
            if account.values.get("confidentiality") == "restricted" and not include_restricted:
                raise UsageError(f"account {account.id} is restricted; --include-restricted bundles it")
        source_ids = list(
            dict.fromkeys(
                s for a in accounts for part in ("sources", "events", "quotes") for s in _source_refs(a, part)
            )
        )
        captures = []
        for source_id in source_ids:
            if not include_restricted and store.restricted_source(source_id):
                result.left_out.append(source_id)
                continue
            captures.extend(store.captures(source_id))
        artifacts: dict[int, dict[str, Any]] = {}
        for cap in captures:
            for rowid, role in ((cap["artifact_rowid"], "original"), (cap["warc_rowid"], "warc")):
                if rowid is not None and rowid not in artifacts:
                    art = next(a for a in store.artifacts_by_rowid([rowid]))
                    artifacts[rowid] = {
                        **art,
                        "role": role,
                        "source": cap["source"],
                        "capture": cap["id"],
                        "suffix": _suffix(art["media_type"], cap["file_name"] if role == "original" else None),
                    }
        for rowid in artifacts:
            store.custody_append(
                rowid,
                "exported",
                actor=evidence._actor(store),
                tool=f"casefile {fetching.version()}",
                detail={"bundle": os.path.basename(out.rstrip("/")), "accounts": ids},
                stamp=stamp,
            )
        sums: list[tuple[str, str]] = []
        files: list[dict[str, Any]] = []
        with _sink(out, protect) as sink:

            def put(name: str, chunks: Iterable[bytes]) -> str:
                import hashlib

                digest = hashlib.sha256()

                def counted() -> Iterator[bytes]:
                    for chunk in chunks:
                        digest.update(chunk)
                        result.bytes += len(chunk)
                        yield chunk

                sink.add(name, counted())
                sums.append((digest.hexdigest(), name))
                return digest.hexdigest()

            put("README.txt", [README.encode()])
            put("accounts.json", [("[\n" + ",\n".join(encode_account(a) for a in accounts) + "\n]\n").encode()])
            for cap in captures:
                put(f"captures/{cap['id']}.json", [_json(cap)])
            for rowid, art in artifacts.items():
                name = f"artifacts/{art['sha256']}{art['suffix']}"
                written = put(name, store.artifact_bytes(rowid))
                if written != art["sha256"]:
                    raise OutputError(f"artifact {art['sha256']} no longer matches its hash; run `casefile verify`")
                log = store.custody_entries(rowid)
                put(f"custody/{art['sha256']}.jsonl", ["".join(_json_line(e) for e in log).encode()])
                stamps = []
                for n, tsr in enumerate(store.timestamps(rowid), 1):
                    base = f"timestamps/{art['sha256']}.{n}"
                    put(f"{base}.tsr", [base64.b64decode(tsr["response"])])
                    put(f"{base}.ca.pem", [tsr["ca_pem"].encode("ascii")])
                    fields = ("tsa_url", "gen_time", "serial", "tsa_name", "hash_algorithm")
                    stamps.append({**{k: tsr[k] for k in fields}, "reply": f"{base}.tsr", "ca": f"{base}.ca.pem"})
                files.append(
                    {
                        "path": name,
                        "sha256": art["sha256"],
                        "sha1": art["sha1"],
                        "size": art["size"],
                        "media_type": art["media_type"],
                        "role": art["role"],
                        "source": art["source"],
                        "capture": art["capture"],
                        "custody": f"custody/{art['sha256']}.jsonl",
                        "timestamps": stamps,
                    }
                )
            manifest = {
                "format": FORMAT,
                "created": stamp,
                "tool": f"casefile {fetching.version()}",
                "algorithm": "SHA-256",
                "checksums": "SHA256SUMS (sha256sum -c SHA256SUMS)",
                "accounts": ids,
                "sources": [s for s in source_ids if s not in result.left_out],
                "left_out_restricted_sources": result.left_out,
                "files": files,
            }
            put("manifest.json", [_json(manifest)])
            sink.add("SHA256SUMS", ["".join(f"{h}  {n}\n" for h, n in sums).encode()])
        result.accounts, result.files = len(accounts), len(files)
    return result


def _source_refs(account: Any, part: str) -> list[str]:
    key = "id" if part == "sources" else "source"
    return [item[key] for item in account.values.get(part) or [] if item.get(key)]


def _json(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode()


def _json_line(entry: dict[str, Any]) -> str:
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"


def _suffix(media_type: str | None, file_name: str | None) -> str:
    """An attached file's own ending (``.warc.gz``, ``.mhtml``), else one for its media type."""
    import mimetypes
    import re

    if file_name:
        ending = "".join(Path(file_name).suffixes[-2:])
        if re.fullmatch(r"(\.[A-Za-z0-9]{1,8}){1,2}", ending):
            return ending.lower()
    known = {"application/warc": ".warc", "text/html": ".html", "application/pdf": ".pdf"}
    return known.get(media_type or "", mimetypes.guess_extension(media_type or "") or "")


# ----------------------------------------------------------------------------------------------- sinks


class _Zip:
    def __init__(self, zf: Any) -> None:
        self.zf = zf

    def add(self, name: str, chunks: Iterable[bytes]) -> None:
        with self.zf.open(name, "w", force_zip64=True) as fh:
            for chunk in chunks:
                fh.write(chunk)


class _Folder:
    def __init__(self, root: Path) -> None:
        self.root = root

    def add(self, name: str, chunks: Iterable[bytes]) -> None:
        path = self.root / name
        path.parent.mkdir(mode=0o700, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with open(fd, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())


@contextmanager
def _sink(out: str, protect: dict[str, str]) -> Iterator[_Sink]:
    """A zip file (``.zip``) through :func:`~casefile.exporters.output.output_path`, else a new folder built
    beside its name and renamed into place when complete (a folder that exists is refused)."""
    from .exporters.output import check, output_path

    if out.lower().endswith(".zip"):
        import zipfile

        with output_path(out, protect=protect, scratch=str(Path(out).resolve().parent)) as temp:
            with zipfile.ZipFile(temp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                yield _Zip(zf)
        return
    target = Path(out.rstrip("/") or out)
    if target.exists() or target.is_symlink():
        raise OutputError(f"cannot write {quote(out)}: it exists; name a new folder (or a .zip file)")
    check(str(target), protect=protect, streams=False)  # its folder exists; not the database or its key
    folder = target.parent / f".casefile-tmp.{target.name}.{secrets.token_hex(4)}"
    folder.mkdir(mode=0o700)
    try:
        yield _Folder(folder)
        os.rename(folder, target)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
