"""Changing records safely: edit, delete, restore, purge; the audit log (history, undo); backup and doctor."""

from typing import Annotated, Optional

import typer

from casefile.cli.common import ReadFormat, boundary, err, open_store

app = typer.Typer()

Format = Annotated[ReadFormat, typer.Option("--format", "-f", help="table (plain rows when piped), json, jsonl, csv.")]


# ---------------------------------------------------------------------------------------- history and undo


@app.command()
@boundary
def history(
    account_id: Annotated[
        Optional[str], typer.Argument(metavar="[ID]", help="One account's changes (else every command).")
    ] = None,
    batch: Annotated[Optional[str], typer.Option("--batch", help="The changes one command (batch) made.")] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", min=1, help="At most this many commands.")] = None,
    fmt: Format = ReadFormat.table,
) -> None:
    """Who changed what, when and with which command: every command (newest first), one account's
    changes, or one batch's, each field with its value before and after.

    Example: casefile history 3f9a --format json
    """
    from casefile import audit
    from casefile.cli.output import emit_rows

    store = open_store()
    if account_id is None and batch is None:
        rows = audit.history(store, limit=limit)
        emit_rows(rows, fmt.value, ["batch", "when", "actor", "command", "changes", "undone_by"], "changes")
        return
    record = ("account", audit.account_ref(store, account_id)) if account_id else None
    rows = audit.entries(store, record=record, batch_ref=batch)[-limit if limit else 0 :]
    for row in rows:
        row["changes"] = audit.diff_text(row)
    emit_rows(rows, fmt.value, ["batch", "when", "actor", "command", "id", "action", "changes"], "changes")


@app.command()
@boundary
def undo(
    batch: Annotated[
        Optional[str], typer.Argument(metavar="[BATCH]", help="A batch id or prefix (default: the last command).")
    ] = None,
) -> None:
    """Take back a command as a whole: an import of 50,000 accounts is one undo. Without BATCH, the most
    recent command still in effect; run it again to go further back. An undo is recorded like any change,
    so it can be undone in turn (`casefile undo` with the undo's batch).

    Example: casefile undo 3f9a1c2e
    """
    from casefile import audit

    result = audit.undo(open_store(), batch)
    again = f"; `casefile undo {result.batch[: audit.SHORT]}` puts it back" if result.batch else ""
    err(f"undid {audit.describe(result.target)}: {audit.summary(result.counts) or 'nothing to change'}{again}")
