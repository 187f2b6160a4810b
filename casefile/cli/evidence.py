"""Evidence: `casefile source capture`, `casefile source attach` (registered on the `source` group) and
`casefile verify`. The work is casefile/evidence.py's; see docs/EVIDENCE.md."""

from typing import Annotated, Any, Optional

import typer

from casefile.cli.common import ReadFormat, boundary, data_out, err, open_store, progress

app = typer.Typer(rich_markup_mode=None)

Timestamp = Annotated[
    bool,
    typer.Option(
        "--timestamp",
        help="Have the configured RFC 3161 timestamp authorities (timestamp_urls) sign the SHA-256 of what is kept.",
    ),
]


def _stamper(timestamp: bool) -> Any:
    """The configured authorities when ``--timestamp`` is given (checked before any other work), else None."""
    if not timestamp:
        return None
    from casefile import timestamping

    return timestamping.configured()


def _warn_unread(unread: list[str]) -> None:
    """One line for each page or PDF kept whose text could not be read (``name: why``)."""
    for entry in unread:
        err(f"warning: {entry}; kept as it is, with no working copy of its text")


Collector = Annotated[
    Optional[str],
    typer.Option(
        "--collector", help="Who collected it (default: the config's collector, then the actor).", show_default=False
    ),
]


def capture(
    url: Annotated[str, typer.Argument(metavar="URL", help="An http:// or https:// address.")],
    account: Annotated[
        Optional[str], typer.Option("--account", help="Link the source to this account.", show_default=False)
    ] = None,
    role: Annotated[str, typer.Option("--role", help="The link's role: primary, corroborating, contradicting.")] = (
        "primary"
    ),
    title: Annotated[Optional[str], typer.Option("--title", help="Title (default: the page's).")] = None,
    publisher: Annotated[Optional[str], typer.Option("--publisher", help="Publisher (default: the page's).")] = None,
    date: Annotated[Optional[str], typer.Option("--date", help="Publication date (default: the page's).")] = None,
    max_bytes: Annotated[
        int, typer.Option("--max-bytes", min=1, help="Refuse a body larger than this (decoded), in bytes.")
    ] = 100 * 1024 * 1024,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, help="Seconds for the whole exchange, redirects included.")
    ] = 30.0,
    collected_by: Collector = None,
    timestamp: Timestamp = False,
) -> None:
    """Fetch a web page and keep it, as received, as evidence for a source; prints the source's id.

    The source is the one with this URL, or a new one titled from the page. Needs the `evidence` extra.

    Example: casefile source capture https://example.org/news/1 --account 3f9a --role primary
    """
    from casefile import evidence

    given = {k: v for k, v in {"title": title, "publisher": publisher, "date": date}.items() if v}
    stamper = _stamper(timestamp)
    store = open_store(create=True)
    unread: list[str] = []
    source_id = evidence.capture(
        store,
        url,
        given=given,
        max_bytes=max_bytes,
        timeout=timeout,
        collected_by=collected_by,
        account=account,
        role=role,
        stamper=stamper,
        unread=unread,
    )
    data_out().write(source_id + "\n")
    _warn_unread(unread)


def attach(
    source_id: Annotated[str, typer.Argument(metavar="SOURCE", help="A source id or a unique prefix.")],
    files: Annotated[
        list[str], typer.Argument(metavar="FILE", help="PDF, scan, audio, saved page (HTML, MHTML, WARC).")
    ],
    url: Annotated[
        Optional[str], typer.Option("--url", help="The address a saved page came from.", show_default=False)
    ] = None,
    collected_by: Collector = None,
    timestamp: Timestamp = False,
) -> None:
    """Keep files as evidence for a source, with the same fixity record as a capture; prints the capture ids.

    Example: casefile source attach 7c21 letter.pdf page.mhtml --url https://example.org/a
    """
    from casefile import capture as fetching
    from casefile import evidence

    if url is not None:
        fetching.check_url(url)
    stamper = _stamper(timestamp)
    unread: list[str] = []
    ids = evidence.attach(
        open_store(), source_id, files, url=url, collected_by=collected_by, stamper=stamper, unread=unread
    )
    for capture_id in ids:
        data_out().write(capture_id + "\n")
    _warn_unread(unread)


def timestamp(
    refs: Annotated[list[str], typer.Argument(metavar="ARTIFACT", help="SHA-256 prefixes or capture ids.")],
) -> None:
    """Have the configured RFC 3161 timestamp authorities sign the SHA-256 of artifacts already kept.

    Only the hash is sent. Each reply is checked against timestamp_ca, kept with the artifact, and checked
    again by `verify`; `undo` takes the stamps back. Needs the `timestamp` extra.

    Example: casefile source timestamp 3b1f0c9a
    """
    from casefile import evidence
    from casefile.text import plural

    stamper = _stamper(True)
    kept = evidence.timestamp(open_store(), refs, stamper)
    err(f"kept {plural(kept, 'timestamp')}")


def register(source_app: typer.Typer) -> None:
    """Add `capture`, `attach` and `timestamp` to the `source` group."""
    source_app.command("capture")(boundary(capture))
    source_app.command("attach")(boundary(attach))
    source_app.command("timestamp")(boundary(timestamp))


@app.command()
@boundary
def verify(
    refs: Annotated[
        Optional[list[str]], typer.Argument(metavar="ID", help="SHA-256 prefixes or capture ids (default: all).")
    ] = None,
) -> None:
    """Re-hash every stored artifact and check its custody log; exit 1 naming each that no longer matches.

    The result is appended to each artifact's custody log.

    Example: casefile verify
    """
    from casefile import evidence
    from casefile.text import plural

    store = open_store()
    with progress("verifying artifacts") as advance:
        results = evidence.verify(store, refs or None, advance)
    err(f"verified {plural(len(results), 'artifact', 'artifacts')}: all match")


def show_evidence(store: Any, source_id: str, fmt: ReadFormat) -> list[dict[str, Any]]:
    """`source show`: the captures of a source with their custody logs (below the source, in table format)."""
    from casefile import evidence
    from casefile.cli.output import emit_rows

    captures = evidence.source_evidence(store, source_id)
    if fmt is ReadFormat.table and captures:
        columns = ["id", "method", "final_url", "status", "media_type", "size", "sha256", "captured_at", "collector"]
        emit_rows(captures, fmt.value, columns, "captures")
        log = [
            {"artifact": c["sha256"][:16], **e, "detail": _detail(e["detail"])} for c in captures for e in c["custody"]
        ]
        emit_rows(log, fmt.value, ["artifact", "seq", "ts", "event", "actor", "tool", "detail"], "custody log")
        stamps = [{**t, "artifact": t["artifact"][:16]} for c in captures for t in c["timestamps"]]
        if stamps:
            columns = ["artifact", "gen_time", "tsa_url", "tsa_name", "serial", "hash_algorithm"]
            emit_rows(stamps, fmt.value, columns, "timestamps")
    return captures


def _detail(detail: Optional[dict[str, Any]]) -> str:
    if not detail:
        return ""
    return ", ".join(f"{k}={v}" for k, v in detail.items() if v is not None and k not in ("sha256",))


@app.command()
@boundary
def bundle(
    out: Annotated[str, typer.Argument(metavar="OUT", help="A new folder, or a file ending in .zip.")],
    accounts: Annotated[
        list[str], typer.Option("--account", "-a", metavar="ID", help="An account to bundle (repeat for more).")
    ],
    include_restricted: Annotated[
        bool, typer.Option("--include-restricted", help="Bundle restricted accounts and their sources' files.")
    ] = False,
) -> None:
    """Write an evidence bundle: the originals behind these accounts, their JSON, fixity records, custody logs,
    a manifest, and a SHA256SUMS that `sha256sum -c SHA256SUMS` checks without casefile.

    Example: casefile bundle evidence.zip --account 3f9a --account 7c21
    """
    from casefile import bundling
    from casefile.cli.common import protected
    from casefile.text import plural

    result = bundling.bundle(open_store(), out, accounts, include_restricted=include_restricted, protect=protected())
    if result.left_out:
        err(
            f"left out the files of {plural(len(result.left_out), 'source')} a restricted account cites "
            f"({', '.join(s[:8] for s in result.left_out[:5])}); --include-restricted includes them"
        )
    err(f"bundled {plural(result.accounts, 'account')} and {plural(result.files, 'file')} into {out}")


def search_sources(store: Any, query: str, flt: Any, raw: bool, fmt: ReadFormat) -> None:
    """`search --in sources`: the sources whose archived text holds every word of the query."""
    from casefile import evidence
    from casefile.cli.output import emit_rows
    from casefile.errors import UsageError
    from casefile.model import Filter

    if raw:
        raise UsageError("--raw is FTS5 syntax over accounts; --in sources matches words literally")
    if Filter(limit=flt.limit, include_restricted=flt.include_restricted) != flt:
        raise UsageError("--in sources searches every source's archived text; the account filters do not apply")
    rows = evidence.search_sources(store, query, flt.limit or 20)
    if fmt is ReadFormat.table and not rows:
        err("no archived source text matches")
        return
    emit_rows(rows, fmt.value, ["source", "title", "capture", "snippet"], "sources")


def export_web(store: Any, flt: Any, output: Optional[str], protect: dict[str, str], fmt: str) -> None:
    """`export --format warc|wacz`: the pages captured for the sources of the accounts ``flt`` selects, as one
    WARC file (each capture's records as stored) or a WACZ package of them; each an `exported` custody entry."""
    from casefile import webarchive
    from casefile.cli.common import db_path
    from casefile.exporters import output as outputs
    from casefile.text import plural

    scratch = str(db_path().resolve().parent)
    with store.transaction():  # the custody entries are committed only once the file is in place
        with outputs.output_path(output or "-", protect=protect, scratch=scratch) as temp:
            if fmt == "wacz":
                written, left_out = webarchive.write_wacz(store, flt, temp)
            else:
                with open(temp, "wb") as out:
                    written, left_out = webarchive.write_warc(store, flt, out)
    if left_out:
        err(f"left out the captures of {plural(left_out, 'source')} a restricted account cites; --include-restricted")
    where = f" to {output}" if output not in (None, "-") else ""
    err(f"{plural(written, 'capture')} written as {fmt.upper()}{where}")
