"""``casefile ingest``: draft an account from an article, a letter or an interview, review it, file it."""

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from casefile.cli.common import (
    boundary,
    data_out,
    open_store,
    progress,
    protected,
    report_new_organizations,
    stdin_is_terminal,
)
from casefile.ingesting import MAX_BYTES  # light: the extractors load when a text is read

app = typer.Typer(rich_markup_mode=None)


@app.command()
@boundary
def ingest(
    sources: Annotated[
        list[str],
        typer.Argument(
            metavar="FILE|DIR|URL|-...",
            help="Texts to draft from: files (text, HTML, PDF), folders, web pages (captured as `source capture` "
            "does); '-': stdin.",
        ),
    ],
    draft_out: Annotated[
        Optional[str],
        typer.Option(
            "--draft-out",
            metavar="PATH",
            help="Write the draft (JSON) here instead of filing it: a file for one text, a folder for several.",
        ),
    ] = None,
    accept: Annotated[
        bool,
        typer.Option("--accept", help="File every draft without review, marked review=unreviewed (for scripts)."),
    ] = False,
    no_input: Annotated[bool, typer.Option("--no-input", help="Never open an editor.")] = False,
    max_bytes: Annotated[
        int, typer.Option("--max-bytes", min=1, help="Refuse a text or page larger than this, in bytes.")
    ] = MAX_BYTES,
) -> None:
    """Draft an account from each text — the subject, the organisation, when they joined and left, places,
    quotes with their speakers, suggested reasons — every value with the words it came from. Nothing is
    filed without review: on a terminal each draft opens in $EDITOR and is filed when you save it;
    --draft-out writes drafts for `casefile add --from-draft`; --accept files them marked unreviewed
    (`check` lists them until someone sets review=reviewed). Whatever is filed keeps the file or page it
    was drafted from as its primary source's archived copy (as `source attach` / `source capture` keep one).

    Example: casefile ingest article.html --draft-out draft.json
    """
    from casefile import errors, ingesting

    if draft_out is not None and accept:
        raise errors.UsageError("--draft-out writes drafts for review; --accept files them unread: choose one")
    interactive = draft_out is None and not accept
    if interactive and (no_input or not stdin_is_terminal() or "-" in sources):
        raise errors.UsageError(
            "ingest reviews each draft in $EDITOR on a terminal; in a script use --draft-out FILE or --accept"
        )
    store = _store(create=draft_out is None)
    orgs = ingesting.known_organisations(store)
    several = len(sources) > 1 or any(Path(s).is_dir() for s in sources)
    done = 0
    with progress("drafting") if not interactive else _no_progress() as advance:
        for item in ingesting.inputs(sources, sys.stdin, max_bytes):  # one text in memory at a time
            done += 1
            try:
                _one(store, item, orgs, draft_out, several, accept)
            finally:
                ingesting.done_with(item)
            if advance is not None:
                advance(1)
    if done == 0:
        raise errors.InputError("no text to ingest: the folders hold no .txt, .md, .html or .pdf file")
    if draft_out is not None:
        typer.echo(f"{done} draft{'s' if done != 1 else ''} written to {draft_out}", err=True)


def _one(store: Any, item: Any, orgs: Any, draft_out: Optional[str], several: bool, accept: bool) -> None:
    """Draft one text; write the draft, or file it (accepted unread, or as reviewed) with its original."""
    from casefile import ingesting

    draft = ingesting.draft(item, orgs)
    if draft_out is not None:
        _write_draft(draft, item.name, draft_out, several)
    elif accept:
        record = ingesting.record_of(draft)
        new_id, new_orgs = ingesting.file_record(store, record, reviewed=False, name=item.name, original=item)
        data_out().write(new_id + "\n")
        report_new_organizations(new_orgs)
    else:
        _review(store, draft, item)


@contextlib.contextmanager
def _no_progress() -> Iterator[None]:
    yield None  # the editor has the terminal while a draft is reviewed


def _store(create: bool) -> Any:
    from casefile.cli.common import db_path

    if create or Path(db_path()).exists():
        return open_store(create=create)
    return None


def _write_draft(draft: dict[str, Any], name: str, out: str, several: bool) -> None:
    import json

    from casefile.exporters.output import open_output

    target = out
    if several:
        folder = Path(out)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        target = str(folder / (Path(name).stem + ".draft.json"))
    with open_output(target, protect=protected(), exists="overwrite") as fh:
        fh.write(json.dumps(draft, ensure_ascii=False, indent=2) + "\n")


def _review(store: Any, draft: dict[str, Any], item: Any) -> None:
    """Open the draft in $EDITOR until it is valid or emptied; file it when saved (reviewed)."""
    import shlex

    from casefile import editing, errors, ingesting

    name = item.name
    command = shlex.split(os.environ.get("EDITOR") or "vi")
    if not command:
        raise errors.UsageError("$EDITOR is blank; set it to an editor, e.g. nano")
    text = ingesting.review_text(draft)
    with editing.private_file(".json") as path:
        while True:
            path.write_text(text, encoding="utf-8")
            editing._run_editor(command, path)
            edited = path.read_text(encoding="utf-8")
            record, problems = ingesting.read_review(edited)
            if record is None and not problems:
                typer.echo(f"{name}: nothing filed (the draft was emptied)", err=True)
                return
            if record is not None:
                try:
                    new_id, new_orgs = ingesting.file_record(store, record, reviewed=True, name=name, original=item)
                except errors.InvalidRecord as exc:
                    problems = [f"{p.field}: {p.reason}" if p.field else p.reason for p in exc.problems]
                else:
                    data_out().write(new_id + "\n")
                    report_new_organizations(new_orgs)
                    return
            if edited == text:
                raise editing.EditAborted("the draft is still invalid and was saved unchanged; nothing was filed")
            text = ingesting.review_text({**draft, "record": record or draft["record"]}, problems)
