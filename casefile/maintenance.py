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
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from . import evidence, paths
from .errors import DatabaseBusy, DatabaseError, NotFound, UsageError, quote
from .exporters.output import TEMP_PREFIX, TargetExists, check, output_path, protected_files
from .store import Store, database_errors, integrity_problems, is_encrypted, now, schema_steps
from .text import plural

# ----------------------------------------------------------------------------------------------- backup

_EXISTS = "{path} exists; pass --force to replace it"


def backup_target(db: Path, target: str, *, force: bool = False, protect: Mapping[str, str] | None = None) -> str:
    """Where ``backup TARGET`` writes - the file named (``-``: stdout), or a dated file inside a folder that
    exists - once it is certain it may be written there (before the database is even opened: a target that
    is the journal of a running import is refused at once, not after waiting for the import's lock)."""
    target = os.path.expanduser(target)
    if target != "-" and os.path.isdir(target):
        stamp = f"{db.stem}-{now().replace(':', '')}"
        target = os.path.join(target, f"{stamp}.db")
        number = 1
        while os.path.lexists(target):  # a backup made in the same second: the next free number, never a refusal
            number += 1
            target = os.path.join(os.path.dirname(target), f"{stamp}-{number}.db")
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
                f"{source} was written by a newer casefile (schema step {quote(unknown[-1])}); upgrade first"
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
    path: str = ""  # the file or folder a leftover finding is about (what ``doctor --clean`` may remove)


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
    return findings + [_leftover_finding(item) for item in leftovers(path)]


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
    shared = _shared_folder(path.parent)
    if shared:
        out.append(
            Finding(
                "permissions",
                "problem",
                f"the database is in {path.parent}, {shared}: others can see its name and put files beside it "
                "(such as a journal SQLite would replay)",
                f"move the database to a private folder (e.g. {_private_example()}) and point --db or "
                "CASEFILE_DB at it",
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
    if not out:
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


def _shared_folder(folder: Path) -> str | None:
    """What makes ``folder`` one that others share and whose mode is not the user's to change (/tmp, a
    world-writable or sticky folder, another user's, a top-level system folder others may enter), if anything."""
    st = folder.stat()
    mode = stat.S_IMODE(st.st_mode)
    if mode & (stat.S_ISVTX | 0o002):
        return f"a folder others share (mode {mode:04o})"
    if st.st_uid != os.getuid():
        return "a folder another user owns"
    resolved = folder.resolve()
    if resolved.parent == Path(resolved.anchor) and mode & 0o077:
        return f"a system folder others may enter (mode {mode:04o})"
    return None


def _private_example() -> str:
    """The default database folder, with the home folder as ``~``."""
    folder = paths.default_db().parent
    try:
        return str(Path("~") / folder.relative_to(Path.home()))
    except ValueError:
        return str(folder)


def _inside(store: Store) -> list[Finding]:
    out = []
    problems = store.integrity()
    out.append(
        Finding(
            "integrity",
            "problem",
            f"{plural(len(problems), 'problem')}, first: {problems[0]}",
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
                f"{plural(len(pending), 'schema step')} pending ({', '.join(pending)})",
                "the next casefile command that opens the database applies them",
            )
        )
    else:
        out.append(Finding("schema", "ok", f"up to date ({len(store.applied_migrations())} steps)"))
    if not pending and not unknown:
        try:
            fts = store.search_index_problems()
        except DatabaseBusy:  # the check needs the write lock another command holds; the index is not damaged
            out.append(
                Finding(
                    "search index",
                    "note",
                    "not checked: another casefile command is writing to the database",
                    "run `casefile doctor` again when it is done",
                )
            )
        else:
            out.append(
                Finding("search index", "problem", "; ".join(fts), "rebuild it: casefile reindex")
                if fts
                else Finding("search index", "ok", "consistent (or none)")
            )
        keys = store.foreign_key_problems()
        orphans = store.orphans()
        uncited = orphans.pop(("source", "nobody cites"))
        broken = [f"{plural(n, what)} {how}" for (what, how), n in orphans.items() if n] + keys[:3]
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
                    f"{plural(uncited, 'source')} cited by no account",
                    "`casefile source list` shows them; `casefile source link` links one",
                )
            )
        out.append(Finding("evidence", *evidence.doctor_check(store)))
    return out


# -------------------------------------------------------------------------------------------- leftovers

#: How the temp file of an export or backup is named (``.casefile-tmp.<target>.<8 hex>``), and how it was
#: named before (``.<target>.<8 hex>.tmp``); either may have a ``-journal`` beside it (a backup's).
_LEGACY_TEMP = re.compile(r"\..+\.[0-9a-f]{8}\.tmp")
#: The folders ``tempfile.mkdtemp(prefix="casefile-")`` made in /tmp for ``edit`` before it used its own.
_LEGACY_EDIT = re.compile(r"casefile-[a-z0-9_]{8}")
_JOURNAL = "-journal"

TEMP, JOURNAL, EDITOR, BACKUP = "temp file", "stray journal", "editor folder", "backup"
SCRATCH = "scratch folder"  # of a publish beside the database (.casefile-tmp.publish.*) or a serve in the temp folder


@dataclass
class Leftover:
    path: Path
    kind: str  # TEMP, JOURNAL, EDITOR, SCRATCH or BACKUP
    size: int
    in_use: bool = False  # open in a running process (a file), or locked by a running edit (a folder)


def leftovers(db: Path) -> list[Leftover]:
    """What commands cut short by ``kill -9``, a crash or a power cut left behind, which casefile cannot remove
    itself: temp files of exports, publishes and backups and their journals, journals whose database is gone,
    the editor folders of ``edit``, the scratch folders of a shaped ``publish`` (beside the database) and of
    ``serve`` (in the temp folder) - all of which may hold testimony in plaintext; and the copies
    ``restore-backup`` kept beside the database (backups, which may hold records purged since). Looks in the
    database's folder, the editor's folders and the temp folder. Only the user's own."""
    found = [_beside_db(db, entry) for entry in _entries(db.parent)]
    for folder in paths.edit_folders():
        found += [_folder(e) for e in _entries(folder) if e.name.startswith(paths.EDIT_FOLDER_PREFIX)]
    temp = _entries(Path(tempfile.gettempdir()))
    found += [_folder(e) for e in temp if _old_editor_folder(e)]
    found += [_folder(e, SCRATCH) for e in temp if e.name.startswith(paths.SERVE_FOLDER_PREFIX)]
    items = [item for item in found if item is not None]
    open_now = _open_files()
    for item in items:
        if item.kind in (EDITOR, SCRATCH):  # locked by the command using it, or a file in it still open
            item.in_use = _locked(item.path) or any(_identity(p) in open_now for p in _files_in(item.path))
        else:
            item.in_use = _identity(item.path) in open_now
    return sorted(items, key=lambda item: str(item.path))


def removable(item: Leftover, *, include_backups: bool = False) -> bool:
    """What ``doctor --clean`` removes: a leftover nothing is using; a backup only when asked for."""
    return not item.in_use and (item.kind != BACKUP or include_backups)


def backups_beside(db: Path) -> list[Path]:
    """The copies ``restore-backup`` kept beside the database."""
    return [item.path for item in leftovers(db) if item.kind == BACKUP]


def clean(db: Path, chosen: set[Path], *, include_backups: bool = False) -> tuple[list[Path], list[str]]:
    """Remove the leftovers in ``chosen`` (what the user was shown) that still are leftovers and not in use,
    backups only with ``include_backups``. Returns what was removed, and a line for each that could not be."""
    removed: list[Path] = []
    failed: list[str] = []
    for item in leftovers(db):
        if item.path not in chosen or not removable(item, include_backups=include_backups):
            continue
        try:
            _remove(item)
        except OSError as exc:
            failed.append(f"cannot remove {item.path} ({exc.strerror or type(exc).__name__})")
            continue
        removed.append(item.path)
    return removed, failed


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    """The entries of ``folder`` that belong to the user (none when it cannot be read)."""
    mine = []
    try:
        with os.scandir(folder) as scan:
            for entry in scan:
                try:
                    if entry.stat(follow_symlinks=False).st_uid == os.getuid():
                        mine.append(entry)
                except OSError:  # removed meanwhile
                    continue
    except OSError:
        return []
    return mine


def _beside_db(db: Path, entry: os.DirEntry[str]) -> Leftover | None:
    if entry.name.startswith(TEMP_PREFIX) and entry.is_dir(follow_symlinks=False):
        return _folder(entry, SCRATCH)
    if not entry.is_file(follow_symlinks=False):
        return None
    name = entry.name
    stem = name.removesuffix(_JOURNAL)
    if stem != name and not os.path.lexists(db.parent / stem):
        kind = JOURNAL  # a journal with no database: nothing can need it (the live database's is never this)
    elif stem.startswith(TEMP_PREFIX) or _LEGACY_TEMP.fullmatch(stem):
        kind = TEMP
    elif stem.startswith(f"{db.name}.bak-"):
        kind = BACKUP
    else:
        return None
    return Leftover(Path(entry.path), kind, entry.stat(follow_symlinks=False).st_size)


def _old_editor_folder(entry: os.DirEntry[str]) -> bool:
    if not (_LEGACY_EDIT.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False)):
        return False
    try:
        return any(name.startswith("record.") for name in os.listdir(entry.path))
    except OSError:
        return False


def _folder(entry: os.DirEntry[str], kind: str = EDITOR) -> Leftover | None:
    if not entry.is_dir(follow_symlinks=False):
        return None
    size = 0
    for path in _files_in(Path(entry.path)):
        try:
            size += os.lstat(path).st_size
        except OSError:
            continue
    return Leftover(Path(entry.path), kind, size)


def _files_in(folder: Path) -> list[Path]:
    return [Path(root) / name for root, _dirs, files in os.walk(folder) for name in files]


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _open_files() -> set[tuple[int, int]]:
    """(device, inode) of every file a process this user may inspect has open now: an export or backup still
    writing its temp file is not a leftover. From /proc, so on Linux; elsewhere nothing is known to be open."""
    out: set[tuple[int, int]] = set()
    try:
        pids = [pid for pid in os.listdir("/proc") if pid.isdigit()]
    except OSError:
        return out
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                st = os.stat(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            out.add((st.st_dev, st.st_ino))
    return out


def _locked(folder: Path) -> bool:
    """True when a running ``edit`` holds the folder's lock."""
    import fcntl

    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)  # closing it lets go of a lock just taken
    return False


def _remove(item: Leftover) -> None:
    if item.kind in (EDITOR, SCRATCH):
        import fcntl
        import shutil

        fd = os.open(item.path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a command that began since cannot take it now
            shutil.rmtree(item.path)
        finally:
            os.close(fd)
    else:
        os.unlink(item.path)


def _leftover_finding(item: Leftover) -> Finding:
    what = {
        TEMP: "temp file of an export or backup that was cut short",
        JOURNAL: "journal of a database that is no longer there",
        EDITOR: "editor folder of an edit that was cut short",
        SCRATCH: "scratch folder of a publish or serve that was cut short",
        BACKUP: "database kept by restore-backup; it may hold records purged since",
    }[item.kind]
    detail = f"{what}: {item.path} ({_size(item.size)})"
    check = "backup" if item.kind == BACKUP else "leftover"
    if item.in_use:
        return Finding(check, "note", f"{detail}; in use by a running command, left alone", path=str(item.path))
    if item.kind == BACKUP:
        fix = "keep it if you need it; `casefile doctor --clean --include-backups` removes it"
        return Finding(check, "note", detail, fix, str(item.path))
    fix = "`casefile doctor --clean` removes it (it may hold testimony)"
    if item.kind == JOURNAL:
        fix += "; if you moved that database, move this file beside it first"
    return Finding(check, "problem", detail, fix, str(item.path))


def _size(n: int) -> str:
    if n < 1000:
        return f"{n} B"
    value = n / 1000
    for unit in ("KB", "MB"):
        if value < 1000:
            return f"{value:.3g} {unit}"
        value /= 1000
    return f"{value:.3g} GB"
