"""Keeping the database safe: backups, restoring one, and ``doctor``'s checks.

A backup is taken with SQLite's backup API (never by copying the file, which can catch a transaction half
written) into a temporary file that ``exporters.output`` places like any output: created mode 0600 beside
the target (the backup API itself would create it 0644), renamed into place only once it passes
``integrity_check``, never onto the database, its journals or its key file; to a FIFO or a device the
finished copy is streamed. An encrypted database's backup is encrypted with the same key. A restore writes
the backup into the live database through the same API, so SQLite's own locking and journal make it atomic
for every process that has the file open; the backup is first checked (it opens with the database's key, it
passes ``integrity_check``, it is a casefile database this casefile can read), and the database it replaces
is kept beside it as a ``.bak`` file. Nothing here prints or prompts.
"""

from __future__ import annotations

import os
import re
import sqlite3
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import DatabaseError, NotFound, UsageError
from .exporters.output import TargetExists, check, output_path, protected_files
from .store import Store, database_errors, integrity_problems, is_encrypted, now, schema_steps

# ----------------------------------------------------------------------------------------------- backup

_EXISTS = "{path} exists; pass --force to replace it"


def backup_target(db: Path, target: str, *, force: bool = False, protect: Mapping[str, str] | None = None) -> str:
    """Where ``backup TARGET`` writes - the file named (``-``: stdout), or a dated file inside a folder that
    exists - once it is certain it may be written there (before the database is even opened: a target that
    is the journal of a running import is refused at once, not after waiting for the import's lock)."""
    target = os.path.expanduser(target)
    if target != "-" and os.path.isdir(target):
        target = os.path.join(target, f"{db.stem}-{now().replace(':', '')}.db")
    check(target, protect={**protected_files(db), **(protect or {})}, exists=None if force else _EXISTS)
    return target


def backup(store: Store, target: str, *, force: bool = False, protect: Mapping[str, str] | None = None) -> str:
    """Write a consistent copy of the database to ``target`` (a name from :func:`backup_target`) and return
    it. ``protect``: files the copy may never replace, besides the database and its journals."""
    protect = {**protected_files(store.path), **(protect or {})}
    exists = None if force else _EXISTS
    with output_path(target, protect=protect, exists=exists, scratch=str(store.path.parent)) as temp:
        store.copy_to(Path(temp))
    return target


def check_backup(store: Store, source: Path) -> None:
    """Refuse a file that is not a sound casefile database this casefile can read with the database's key."""
    if not source.is_file():
        raise NotFound(f"no backup file at {source}")
    if store.encrypted and not is_encrypted(source):
        raise DatabaseError(f"{source} is not encrypted but the database is; nothing was restored")
    if not store.encrypted:
        with open(source, "rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                raise DatabaseError(f"{source} is not an SQLite database (or it is encrypted and the database is not)")
    conn = _open_backup(store, source)
    try:
        problems = integrity_problems(conn)
        if problems:
            raise DatabaseError(f"{source} fails its integrity check ({problems[0]}); it was not restored")
        steps = schema_steps(conn)
        if steps is None:
            raise DatabaseError(f"{source} is an SQLite database but not a casefile database")
        from .migrations import migrations

        known = {m.name for m in migrations._migrations}
        unknown = [s for s in steps if s not in known]
        if unknown:
            raise DatabaseError(
                f"{source} was written by a newer casefile (schema step {unknown[-1]!r}); upgrade first"
            )
    finally:
        conn.close()


def _open_backup(store: Store, source: Path) -> sqlite3.Connection:
    """A read-only connection to a backup, under the database's key; a key that does not open it is an error."""
    conn = store.connect_to(source, readonly=True)
    if store.encrypted:
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except database_errors():
            conn.close()
            raise DatabaseError(
                f"cannot open {source} with the database's key (another key, or not a casefile backup); "
                "nothing was restored"
            ) from None
    return conn


def restore_backup(store: Store, source: Path, *, protect: Mapping[str, str] | None = None) -> Path:
    """Replace the database's content with a checked backup; returns where the replaced database was kept."""
    source = source.expanduser()
    protect = {**protected_files(store.path, restore_source=source), **(protect or {})}
    if source.exists() and os.path.samefile(source, store.path):
        raise UsageError("that is the database itself; give the path of a backup")
    check_backup(store, source)
    kept = store.path.with_name(f"{store.path.name}.bak-{now().replace(':', '')}")
    try:
        with output_path(str(kept), protect=protect, exists=_EXISTS, scratch=str(store.path.parent)) as temp:
            store.copy_to(Path(temp))
    except TargetExists:
        raise UsageError(f"{kept} exists (a restore in this same second?); try again") from None
    conn = _open_backup(store, source)
    try:
        store.copy_from(conn)
    finally:
        conn.close()
    if store.integrity():
        raise DatabaseError(f"the restored database fails its integrity check; the previous one is at {kept}")
    return kept


# ----------------------------------------------------------------------------------------------- doctor


@dataclass
class Finding:
    check: str
    status: str  # ok, problem, note (a note does not make doctor fail)
    detail: str
    fix: str = ""


#: Folder names that sync services create (``Dropbox (Personal)``, ``OneDrive - Uni``, macOS's ``Mobile
#: Documents`` and ``CloudStorage``, …): a database inside one can be copied half-written or forked.
SYNC_FOLDER = re.compile(
    r"^(dropbox|onedrive|icloud ?drive|mobile documents|cloudstorage|google ?drive|my drive|nextcloud|owncloud"
    r"|pcloud drive|box sync|mega(sync)?|synology ?drive|seafile|tresorit)($|[^a-z0-9])",
    re.IGNORECASE,
)
#: Filesystems on another machine: SQLite's locks are unreliable there and WAL does not work at all.
NETWORK_FILESYSTEMS = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb3",
        "smbfs",
        "afs",
        "9p",
        "ncpfs",
        "ceph",
        "glusterfs",
        "lustre",
        "gpfs",
        "davfs",
        "fuse.sshfs",
        "fuse.rclone",
        "fuse.s3fs",
        "fuse.gcsfuse",
        "fuse.glusterfs",
        "fuse.davfs2",
    }
)


def sync_folder(path: Path) -> str | None:
    """The sync-service folder ``path`` lies in, if any."""
    return next((part for part in path.parts if SYNC_FOLDER.match(part)), None)


def network_mount(path: Path, mounts: str) -> tuple[str, str] | None:
    """(mount point, filesystem type) when ``path`` is on a network filesystem, per ``/proc/mounts`` text."""
    best: tuple[str, str] | None = None
    resolved = str(path)
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\")
        inside = resolved == point or resolved.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) > len(best[0])):
            best = (point, fields[2])
    if best is not None and (best[1] in NETWORK_FILESYSTEMS or best[1].startswith(("nfs", "smb", "cifs"))):
        return best
    return None


def doctor(path: Path, mounts: str | None = None) -> list[Finding]:
    """Every check, in order: the file and where it lives, then what is inside it."""
    findings = _location(path, mounts)
    store = Store.open(path, migrate=False)
    try:
        findings += _inside(store)
    finally:
        store.close()
    return findings


def _location(path: Path, mounts: str | None) -> list[Finding]:
    out = []
    mode = stat.S_IMODE(path.stat().st_mode)
    folder_mode = stat.S_IMODE(path.parent.stat().st_mode)
    if mode & 0o077:
        out.append(
            Finding(
                "permissions",
                "problem",
                f"others can read or write the database (mode {mode:04o})",
                f"chmod 600 {path}",
            )
        )
    elif folder_mode & 0o077:
        out.append(
            Finding(
                "permissions",
                "problem",
                f"others can list its folder (mode {folder_mode:04o})",
                f"chmod 700 {path.parent}",
            )
        )
    else:
        out.append(Finding("permissions", "ok", "database 0600, folder 0700 or stricter"))
    resolved = path.resolve()
    synced = sync_folder(resolved)
    if mounts is None:
        try:
            mounts = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:
            mounts = ""
    remote = network_mount(resolved, mounts)
    if synced:
        out.append(
            Finding(
                "location",
                "problem",
                f"the database is in a sync folder ({synced}), which can copy "
                "it half-written or make conflicting copies",
                "move it to a local folder (--db or CASEFILE_DB) "
                "and back it up with `casefile backup` into the sync folder instead",
            )
        )
    elif remote:
        out.append(
            Finding(
                "location",
                "problem",
                f"the database is on a network filesystem ({remote[1]} at "
                f"{remote[0]}), where SQLite's locking is unreliable",
                "move it to a local disk",
            )
        )
    else:
        out.append(Finding("location", "ok", "on a local filesystem, not in a sync folder"))
    return out


def _inside(store: Store) -> list[Finding]:
    out = []
    problems = store.integrity()
    out.append(
        Finding(
            "integrity",
            "problem",
            f"{len(problems)} problem(s), first: {problems[0]}",
            "restore a backup (`casefile restore-backup`), or try `sqlite3 DB .recover`",
        )
        if problems
        else Finding("integrity", "ok", "integrity_check: ok")
    )
    pending, unknown = store.schema_status()
    if unknown:
        out.append(
            Finding("schema", "problem", f"written by a newer casefile (step {unknown[-1]})", "upgrade casefile")
        )
    elif pending:
        out.append(
            Finding(
                "schema",
                "note",
                f"{len(pending)} schema step(s) pending ({', '.join(pending)})",
                "the next casefile command that opens the database applies them",
            )
        )
    else:
        out.append(Finding("schema", "ok", f"up to date ({len(store.applied_migrations())} steps)"))
    if not pending and not unknown:
        fts = store.search_index_problems()
        out.append(
            Finding("search index", "problem", "; ".join(fts), "rebuild the index")
            if fts
            else Finding("search index", "ok", "consistent (or none)")
        )
        keys = store.foreign_key_problems()
        orphans = store.orphans()
        uncited = orphans.pop("sources nobody cites")
        broken = [f"{n} {what}" for what, n in orphans.items() if n] + keys[:3]
        out.append(
            Finding(
                "orphans",
                "problem",
                "; ".join(broken),
                "restore a backup, or delete the rows that belong to nothing with sqlite3",
            )
            if broken
            else Finding("orphans", "ok", "every row belongs to a record")
        )
        if uncited:
            out.append(
                Finding(
                    "sources",
                    "note",
                    f"{uncited} source(s) cited by no account",
                    "`casefile source list` shows them; `casefile source link` links one",
                )
            )
    return out
