"""The working copy of an archived page's text, kept apart and marked derived, and the `check` rules built on
it (issue 21): a verbatim quote missing from its source's archived text, a primary source with no copy."""

from __future__ import annotations

import json

from evidence_server import BROKEN_PDF, rows, serve


def _findings(cli, rule: str) -> list[dict]:
    return [f for f in json.loads(cli("check", "--format", "json").stdout) if f["rule"] == rule]


def test_a_captured_page_gets_a_derived_text_apart_from_its_bytes(cli, db):
    with serve() as site:
        cli("source", "capture", f"{site}/article")
        cli("source", "capture", f"{site}/persian")
    texts = rows(
        db,
        "SELECT a.media_type, t.extractor, t.text FROM artifact_texts t JOIN artifacts a ON a.rowid = t.artifact_rowid",
    )
    assert [(m, e) for m, e, _ in texts] == [("text/html", "casefile html text")] * 2
    html = texts[0][2]
    assert "He said: \u201cWe were never allowed to leave.\u201d" in html and "<p>" not in html
    assert "Fallback title" not in html  # the head is not the text
    assert "نص" in texts[1][2]  # decoded from windows-1256
    assert rows(
        db,
        "SELECT count(*) FROM artifact_texts t JOIN artifacts a ON a.rowid = t.artifact_rowid "
        "WHERE a.media_type = 'application/warc'",
    ) == [(0,)]


def test_a_pdf_gets_its_text_through_pypdf(cli, db, tmp_path):
    import pypdf
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = pypdf.PdfWriter()
    page = writer.add_blank_page(200, 200)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    stream = DecodedStreamObject()
    stream.set_data(b"BT /F1 12 Tf 10 100 Td (We were never allowed to leave.) Tj ET")
    page[NameObject("/Contents")] = writer._add_object(stream)
    letter = tmp_path / "letter.pdf"
    with open(letter, "wb") as fh:
        writer.write(fh)
    source = cli("source", "add", "--title", "Letter").stdout.strip()
    assert cli("source", "attach", source, str(letter)).exit_code == 0
    ((extractor, text),) = rows(db, "SELECT extractor, text FROM artifact_texts")
    assert extractor.startswith("pypdf ") and "We were never allowed to leave." in text


def test_check_finds_a_quote_missing_from_the_archived_text(cli, db):
    account = cli("add", "--no-input", "--name", "Quoted Person").stdout.strip()
    with serve() as site:
        source = cli("source", "capture", f"{site}/article", "--account", account).stdout.strip()
    # straight quote marks, a line break and double spaces: the same words after normalisation
    assert (
        cli("quote", "add", account, "--text", "We were never\n allowed  to leave.", "--source", source).exit_code == 0
    )
    assert _findings(cli, "quote-not-in-source") == []
    assert cli("quote", "add", account, "--text", "We were always allowed to leave.", "--source", source).exit_code == 0
    (finding,) = _findings(cli, "quote-not-in-source")
    assert finding["account"] == account and finding["field"] == "quotes[2].text"
    assert "always" not in json.dumps(finding)  # no testimony echoed


def test_check_notes_a_primary_source_with_no_archived_copy(cli, db):
    account = cli("add", "--no-input", "--name", "Unarchived Person").stdout.strip()
    source = cli("source", "add", "--title", "Only a title", "--url", "https://example.org/x").stdout.strip()
    cli("source", "link", account, source, "--role", "primary")
    (finding,) = _findings(cli, "source-not-archived")
    assert finding["account"] == account and finding["severity"] == "info"
    with serve() as site:
        cli("source", "capture", f"{site}/article", "--account", account)  # a new primary source, archived
    cli("source", "link", account, source, "--role", "corroborating")
    assert _findings(cli, "source-not-archived") == []


def test_search_in_sources_finds_the_archived_text(cli, db):
    with serve() as site:
        source = cli("source", "capture", f"{site}/article").stdout.strip()
        cli("source", "capture", f"{site}/persian")
    rows = json.loads(cli("search", "allowed LEAVE", "--in", "sources", "--format", "json").stdout)
    assert [r["source"] for r in rows] == [source] and "never allowed to leave" in rows[0]["snippet"]
    assert json.loads(cli("search", "nowhere-to-be-found", "--in", "sources", "--format", "json").stdout) == []
    misuse = cli("search", "leave", "--in", "sources", "--org", "MEK")
    assert misuse.exit_code == 2 and "filters do not apply" in misuse.stderr


# A file named .pdf (or served as one) that pypdf cannot read: pypdf logs "EOF marker not found", "invalid pdf
# header" and the like through Python's logging, which with no handler set up goes straight to the terminal.
# Run as real processes: what reaches stderr there is what the researcher sees.


def test_attaching_an_unreadable_pdf_keeps_its_bytes_with_one_warning_and_no_library_noise(cli, db, tmp_path):
    from conftest import run_process

    source = cli("source", "add", "--title", "Letter").stdout.strip()
    broken = tmp_path / "letter.pdf"
    broken.write_bytes(BROKEN_PDF)
    not_pdf = tmp_path / "scan.pdf"  # named .pdf, not a PDF at all
    not_pdf.write_bytes(b"hello, this was never a PDF")
    done = run_process("source", "attach", source, str(broken), str(not_pdf))
    assert done.returncode == 0
    assert len(done.stdout.decode().split()) == 2  # the two capture ids
    assert done.stderr.decode() == (
        f"warning: {broken}: not a readable PDF; kept as it is, with no working copy of its text\n"
        f"warning: {not_pdf}: not a readable PDF; kept as it is, with no working copy of its text\n"
    )
    assert sorted(rows(db, "SELECT media_type, size FROM artifacts")) == [
        ("application/pdf", 27),
        ("application/pdf", len(BROKEN_PDF)),
    ]
    assert rows(db, "SELECT count(*) FROM artifact_texts") == [(0,)]
    assert rows(db, "SELECT count(*) FROM captures") == [(2,)]


def test_capturing_an_unreadable_pdf_warns_once_naming_the_address(cli, db):
    from conftest import run_process

    with serve() as site:
        done = run_process("source", "capture", f"{site}/broken-pdf")
    assert done.returncode == 0 and len(done.stdout.decode().split()) == 1
    assert done.stderr.decode() == (
        f"warning: {site}/broken-pdf: not a readable PDF; kept as it is, with no working copy of its text\n"
    )
    assert rows(db, "SELECT count(*) FROM artifact_texts") == [(0,)]


def test_ingesting_an_unreadable_pdf_is_one_error_line_and_nothing_written(cli, db, tmp_path):
    from conftest import run_process

    broken = tmp_path / "article.pdf"
    broken.write_bytes(BROKEN_PDF)
    done = run_process("ingest", str(broken), "--accept")
    assert (done.returncode, done.stdout) == (1, b"")
    assert done.stderr.decode() == f"error: {broken}: not a readable PDF\n"
    assert not db.exists() or rows(db, "SELECT count(*) FROM accounts") == [(0,)]


def test_a_file_too_large_for_a_working_copy_is_kept_with_one_warning_saying_so(cli, db, tmp_path):
    """Files over MAX_BYTES get no working copy of their text (it would be read into memory whole); the user is
    told, as for an unreadable one, instead of finding the text missing later."""
    from casefile import worktext

    from conftest import run_process

    source = cli("source", "add", "--title", "A long report").stdout.strip()
    big = tmp_path / "report.pdf"
    with open(big, "wb") as fh:
        fh.write(b"%PDF-1.4\n")
        fh.truncate(worktext.MAX_BYTES + 1)
    small = tmp_path / "notes.html"
    small.write_text("<p>Kept and read.</p>", encoding="utf-8")
    done = run_process("source", "attach", source, str(big), str(small))
    assert done.returncode == 0 and len(done.stdout.decode().split()) == 2
    assert done.stderr.decode() == (
        f"warning: {big}: larger than 32 MiB, too large to read its text; kept as it is, with no working copy of "
        "its text\n"
    )
    assert sorted(rows(db, "SELECT media_type, size FROM artifacts")) == [
        ("application/pdf", worktext.MAX_BYTES + 1),
        ("text/html", len("<p>Kept and read.</p>")),
    ]
    assert rows(db, "SELECT text FROM artifact_texts") == [("Kept and read.",)]
