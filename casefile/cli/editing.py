"""Changing records safely: edit, delete, restore, purge; the audit log (history, undo); backup and doctor."""

import functools
import inspect
import os
import sys
from typing import Annotated, Any, Optional

import typer

from casefile import errors, model
from casefile.cli.common import (
    DayFirst,
    KeepUnparsed,
    MonthFirst,
    ReadFormat,
    boundary,
    data_out,
    date_order,
    err,
    open_store,
    report_findings,
    report_new_organizations,
    stdin_is_terminal,
    validator_for,
    with_filters,
)
from casefile.cli.orgchoices import NewOrg, ask_organization, org_choices
from casefile.text import noun, plural

app = typer.Typer(rich_markup_mode=None)

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
    record = None
    if account_id:
        record_id, notice = audit.account_ref(store, account_id)
        if notice:
            err(notice)
        record = ("account", record_id)
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


# ------------------------------------------------------------------------------------------------- edit


def _with_list_options(fn: Any) -> Any:
    """Give ``edit`` --add-X and --remove-X for each multi-valued field (alias, reason, allegation, tag); the
    command receives them as ``lists: {"add_tags": [...], …}``."""
    sig = inspect.signature(fn)
    params = []
    for f in model.FIELDS:
        if f.multi:
            flag = f.option_flags[0][2:]
            for verb, word in (("add", "to"), ("remove", "from")):
                option = typer.Option(f"--{verb}-{flag}", help=f"{verb.title()} a value {word} {f.name} (repeat).")
                annotation = Annotated[Optional[list[str]], option]
                params.append(
                    inspect.Parameter(
                        f"{verb}_{f.name}", inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=None
                    )
                )

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, lists={p.name: kwargs.pop(p.name) or [] for p in params}, **kwargs)

    wrapper.__signature__ = sig.replace(parameters=[p for p in sig.parameters.values() if p.name != "lists"] + params)  # type: ignore[attr-defined]
    return wrapper


@app.command()
@boundary
@with_filters
@_with_list_options
def edit(
    flt: Any,
    lists: dict[str, list[str]],
    account_id: Annotated[
        Optional[str], typer.Argument(metavar="[ID]", help="The account to change; without changes, opens $EDITOR.")
    ] = None,
    sets: Annotated[
        Optional[list[str]], typer.Option("--set", help="FIELD=VALUE (FIELD= empties it; left_corrected=1986 …).")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Change the selected accounts without asking.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", "-n", help="Show what would change; write nothing.")] = False,
    no_input: Annotated[bool, typer.Option("--no-input", help="Never ask, never open an editor.")] = False,
    new_org: NewOrg = None,
    dayfirst: DayFirst = False,
    monthfirst: MonthFirst = False,
    keep_unparsed_dates: KeepUnparsed = False,
) -> None:
    """Change one account (or every account the filters select) with the same rules as import. An ID
    alone opens the record in $EDITOR. A bulk edit shows what changes and asks first.

    Example: casefile edit --org MEK --tag pow --add-tag reviewed --dry-run
    """
    from casefile import editing

    changes = editing.Changes(editing.parse_assignments(sets or []), *_lists(lists))
    store = open_store()
    validator = validator_for(store, date_order(dayfirst, monthfirst), keep_unparsed_dates)
    if account_id is not None and editing.selects(flt):
        raise errors.UsageError("give an ID or filters, not both")
    orgs = org_choices(new_org, "give --set organization={known} to use it, or --new-org to create a new organisation")
    if changes.sets.get("organization"):
        changes.sets["organization"] = ask_organization(store, changes.sets["organization"], orgs, no_input)
    if account_id is not None and not changes and not dry_run:
        return _edit_in_editor(store, editing.check_editable(store, account_id), validator, no_input, orgs)
    if not changes:
        raise errors.UsageError("nothing to change: give --set FIELD=VALUE, --add-…/--remove-… (or an ID alone)")
    ids = [editing.check_editable(store, account_id)] if account_id else editing.select(store, flt)
    expect = None
    if account_id is None or dry_run:
        expect = _preview(store, ids, changes, validator, orgs, bulk=account_id is None, yes=yes, dry_run=dry_run)
        if expect is None:
            return
    _report(editing.edit(store, ids, changes, validator, expect=expect, orgs=orgs))
    report_findings(store)


def _lists(lists: dict[str, list[str]]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    add = {k.removeprefix("add_"): v for k, v in lists.items() if k.startswith("add_") and v}
    remove = {k.removeprefix("remove_"): v for k, v in lists.items() if k.startswith("remove_") and v}
    return add, remove


def _preview(
    store: Any, ids: list[str], changes: Any, validator: Any, orgs: Any, *, bulk: bool, yes: bool, dry_run: bool
) -> Any:
    """Show what the edit changes (stdout); return those changes when it should go ahead, None when not."""
    from casefile import audit, editing
    from casefile.render import visible

    if bulk and not (yes or dry_run or stdin_is_terminal()):
        raise errors.UsageError(
            f"a bulk edit of {plural(len(ids), 'account')} needs --yes (or --dry-run to see the changes)"
        )
    outcome = editing.edit(store, ids, changes, validator, dry_run=True, orgs=orgs)
    out = data_out()
    for change in outcome.changes:
        name = (change.before or {}).get("accounts", [{}])[0].get("name") or model.UNNAMED
        text = audit.diff_text({"action": change.action, "diff": change.diff})
        out.write(visible(f"{change.record_id}  {name}: {text}") + "\n")
    out.flush()
    unchanged = len(ids) - len(outcome.changes)
    err(
        f"{len(outcome.changes)} of {plural(len(ids), 'account')} would change"
        + (f" ({unchanged} already are so)" if unchanged else "")
    )
    if dry_run or not outcome.changes:
        err("nothing written" + (" (dry run)" if dry_run else ""))
        return None
    if not _confirm(f"Change {plural(len(outcome.changes), 'account')}?", yes):
        raise typer.Exit(1)
    return outcome.changes


def _report(outcome: Any) -> None:
    for warning in outcome.counts.warnings:
        err(f"warning: {warning}")
    report_new_organizations(outcome.counts.new_organizations)
    if not outcome.changes:
        err("nothing changed: the account already has these values")
        return
    err(f"{plural(len(outcome.changes), 'account')} changed (batch {outcome.batch[:8]}; `casefile undo` takes it back)")


def _edit_in_editor(store: Any, account_id: str, validator: Any, no_input: bool, orgs: Any) -> None:
    import shlex

    from casefile import editing

    editor = os.environ.get("EDITOR")
    if no_input or not (editor or stdin_is_terminal()):
        raise errors.UsageError("no changes given: pass --set FIELD=VALUE, --add-…/--remove-…, or set $EDITOR")
    try:
        command = shlex.split(editor or "vi")
    except ValueError as exc:
        raise errors.UsageError(f"$EDITOR cannot be read as a command ({exc}); set it to one, e.g. nano") from None
    if not command:
        raise errors.UsageError("$EDITOR is blank; set it to an editor, e.g. nano")
    outcome = editing.edit_in_editor(store, account_id, validator, command, orgs)
    if outcome is None:
        err("no change: nothing written")
    else:
        _report(outcome)
        report_findings(store)


# ------------------------------------------------------------------------------- delete, restore, purge

#: What a backup file's name ends with: ``restore`` given one is a ``restore-backup`` meant.
BACKUP_SUFFIXES = (".db", ".sqlite", ".sqlite3", ".bak")

Ids = Annotated[list[str], typer.Argument(metavar="ID...", help="Account ids, unique prefixes or external ids.")]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do it without asking (for scripts).")]


def _list_accounts(store: Any, ids: list[str]) -> None:
    from casefile.render import visible

    for account_id in ids:
        err(visible(f"  {account_id}  {store.get(account_id).display_name}"))


def _confirm(question: str, yes: bool, *, typed: Optional[str] = None) -> bool:
    """True to go ahead: --yes, or a yes (or the ``typed`` word) on a terminal; without either, refuse."""
    if yes:
        return True
    if not stdin_is_terminal():
        raise errors.UsageError("this needs a confirmation: run it on a terminal, or pass --yes")
    # asked on stderr and read from stdin directly: click's prompts write a space to stdout, into the data
    sys.stderr.write(f"{question} Type {typed!r} to confirm: " if typed else f"{question} [y/N]: ")
    sys.stderr.flush()
    answer = sys.stdin.readline().strip()
    ok = answer == typed if typed else answer.lower() in ("y", "yes")
    if not ok:
        err("nothing written")
    return ok


@app.command()
@boundary
def delete(account_ids: Ids, yes: Yes = False) -> None:
    """Delete accounts, softly: they leave list, export, timeline and stats (unless --include-deleted)
    but stay in the database until purged. `casefile restore` brings them back; `casefile undo` too.

    Example: casefile delete 3f9a 7c21
    """
    from casefile import editing

    store = open_store()
    ids = list(dict.fromkeys(store.resolve_id(ref) for ref in account_ids))
    if stdin_is_terminal() and not yes:
        _list_accounts(store, ids)
    if not _confirm(f"Delete {plural(len(ids), 'account')}?", yes):
        raise typer.Exit(1)
    changed, already = editing.set_deleted(store, ids, deleted=True)
    err(
        f"{plural(len(changed), 'account')} deleted"
        + (f", {len(already)} already {noun(len(already), 'was', 'were')}" if already else "")
    )


@app.command()
@boundary
def restore(account_ids: Ids) -> None:
    """Bring deleted accounts back (what `casefile delete` did). To replace the whole database with a file
    written by `casefile backup`, use `casefile restore-backup PATH`.

    Example: casefile restore 3f9a
    """
    from casefile import editing

    if any(ref.endswith(BACKUP_SUFFIXES) or "/" in ref for ref in account_ids):
        raise errors.UsageError(
            "restore brings back deleted accounts by id; to restore the database from a backup file, "
            "use `casefile restore-backup PATH`"
        )

    changed, already = editing.set_deleted(open_store(), account_ids, deleted=False)
    err(
        f"{plural(len(changed), 'account')} restored"
        + (f", {len(already)} {noun(len(already), 'was', 'were')} not deleted" if already else "")
    )


@app.command()
@boundary
def purge(
    account_ids: Annotated[Optional[list[str]], typer.Argument(metavar="[ID...]", help="Accounts to remove.")] = None,
    all_deleted: Annotated[bool, typer.Option("--all-deleted", help="Every deleted account.")] = False,
    yes: Yes = False,
) -> None:
    """Remove accounts for good, with every account merged into them (and their merged-away ids): their events,
    quotes and links, the sources nobody else cites with their attached files and captured pages, and what the
    audit log held of them (it keeps only that a purge happened). No copy of their text stays in the database
    file; backups are named, not deleted. This cannot be undone; you type 'purge' to confirm.

    Example: casefile purge --all-deleted
    """
    from casefile import audit, editing

    store = open_store()
    ids = editing.purge_targets(store, account_ids or [], all_deleted)
    if not ids:
        err("no deleted accounts to purge")
        return
    shown = [i for i in ids if store.record_rowid("account", i) is not None]
    if stdin_is_terminal() and not yes:
        _list_accounts(store, shown)
    if not _confirm(f"Remove {plural(len(shown), 'account')} for good? This cannot be undone.", yes, typed="purge"):
        raise typer.Exit(1)
    done = editing.purge(store, ids)
    merged = f"; {done.merged} of the accounts had been merged into the others" if done.merged else ""
    err(
        f"{audit.counted(done.removed()) or 'nothing'} purged{merged}; "
        f"{plural(done.scrubbed, 'audit entry', 'audit entries')} cleared"
    )
    from casefile import maintenance

    kept = maintenance.backups_beside(store.path)
    for path in kept:
        err(f"still in a copy `restore-backup` kept (delete it yourself if it must go): {path}")
    if kept:
        err("`casefile doctor --clean --include-backups` removes those copies")
    err("still in any backup made with `casefile backup` and in exports: casefile keeps no list of those")


# -------------------------------------------------------------------------------------- backup and doctor


@app.command()
@boundary
def backup(
    path: Annotated[
        str, typer.Argument(metavar="PATH", help="The backup file, a folder for a dated one, or '-' (stdout).")
    ],
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Copy the database, consistently even while others write, into a file only you can read (0600).

    Example: casefile backup ~/backups/
    """
    from casefile import maintenance
    from casefile.cli.common import db_path, protected, stdout_is_terminal

    if path == "-" and stdout_is_terminal():
        raise errors.UsageError(
            "a backup is not for the terminal: redirect it (casefile backup - > FILE) or name a file"
        )
    target = maintenance.backup_target(db_path(), path, force=force, protect=protected())
    written = maintenance.backup(open_store(), target, force=force, protect=protected())
    err(f"backed up to {'stdout' if written == '-' else written} (integrity check passed)")


@app.command("restore-backup")
@boundary
def restore_backup(
    path: Annotated[str, typer.Argument(metavar="PATH", help="A file written by `casefile backup`.")],
    yes: Yes = False,
) -> None:
    """Replace the database with a backup, after checking the backup's integrity. The database it replaces
    is kept beside it as DB.bak-<time>; other casefile commands running meanwhile wait or stop cleanly.
    (To bring back deleted accounts, use `casefile restore ID`.)

    Example: casefile restore-backup ~/backups/casefile-2026-11-30T022009Z.db
    """
    from pathlib import Path

    from casefile import maintenance
    from casefile.cli.common import protected

    store = open_store()
    maintenance.check_backup(store, Path(path).expanduser())
    if not _confirm(f"Replace every record in {store.path} with the backup's?", yes):
        raise typer.Exit(1)
    kept = maintenance.restore_backup(store, Path(path), protect=protected())
    err(f"restored from {path}; the replaced database is kept at {kept}")


@app.command()
@boundary
def doctor(
    fmt: Format = ReadFormat.table,
    clean: Annotated[
        bool, typer.Option("--clean", help="Remove the leftovers listed (temp files, stray journals, editor folders).")
    ] = False,
    include_backups: Annotated[
        bool,
        typer.Option("--include-backups", help="With --clean: also remove the DB.bak-* files restore-backup kept."),
    ] = False,
    yes: Yes = False,
) -> None:
    """Check the database: integrity, schema version, full-text index, orphaned rows, file permissions, and
    whether it sits on a network filesystem or in a sync folder. List what commands cut short (kill -9, a
    crash) left behind: temp files, journals of databases that are gone, editor folders, and the backups
    restore-backup kept. Exits 1 when something is wrong.

    Example: casefile doctor --clean
    """
    from casefile import maintenance
    from casefile.cli.common import db_path
    from casefile.cli.output import emit_rows

    if include_backups and not clean:
        raise errors.UsageError("--include-backups only goes with --clean")
    if clean and not yes and not stdin_is_terminal():
        raise errors.UsageError("doctor --clean needs a confirmation: run it on a terminal, or pass --yes")
    path = db_path()
    if not path.exists():
        raise errors.NotFound(f"no database at {path}; create one with `casefile init` or pass --db")
    findings = maintenance.doctor(path)
    rows = [f.__dict__ for f in findings]
    emit_rows(rows, fmt.value, ["check", "status", "detail", "fix"], "checks")
    problems = [f for f in findings if f.status == "problem"]
    err(f"{plural(len(problems), 'problem')} found" if problems else "no problems found")
    if clean:
        removed = _clean(path, {f.path for f in findings if f.path}, include_backups, yes)
        problems = [f for f in problems if f.path not in removed]
        err(f"{len(removed)} removed; {plural(len(problems), 'problem')} left")
    if problems:
        raise typer.Exit(1)


def _clean(path: Any, listed: set[str], include_backups: bool, yes: bool) -> set[str]:
    """Remove the leftovers doctor listed, after a confirmation; each path removed is printed on stderr."""
    from casefile import maintenance

    chosen = {
        item.path
        for item in maintenance.leftovers(path)
        if str(item.path) in listed and maintenance.removable(item, include_backups=include_backups)
    }
    if not chosen:
        err("nothing to clean")
        return set()
    if not _confirm(f"Remove the {plural(len(chosen), 'leftover')} listed above?", yes):
        raise typer.Exit(1)
    removed, failed = maintenance.clean(path, chosen, include_backups=include_backups)
    for done in removed:
        err(f"removed {done}")
    for line in failed:
        err(f"error: {line}")
    if failed:
        raise typer.Exit(1)
    return {str(p) for p in removed}
