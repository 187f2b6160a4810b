"""Where a file casefile writes may go, for every command that writes one: ``export -o``, ``import --rejects``,
``backup`` and ``export --new-key`` (the pseudonym key).

Never onto the database, its ``-journal``/``-wal``/``-shm``, its key file, the pseudonym key in use or the
backup being restored - under any spelling: ``..``, a symbolic link, a hard link. Onto a regular file: a
temporary ``.casefile-tmp.<name>.<8 hex>`` file beside it, renamed into place (a new file 0600, an existing
one keeps its mode); onto a symbolic link: its target, the link kept; onto a FIFO or a character device: the
bytes streamed in, the node left as it is; into a folder that does not exist (``nd/``): refused.
"""

from __future__ import annotations

import importlib.util
import os
import re
import select
import stat
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from casefile.exporters.output import open_output

from conftest import dump_data, error_lines, file_hash

needs_sqlcipher = pytest.mark.skipif(
    importlib.util.find_spec("sqlcipher3") is None, reason="the encrypted extra (sqlcipher3) is not installed"
)

#: A CSV with one good row and one the import rejects (for ``--rejects``).
BAD_CSV = "name,exit_type\r\nGood one,escaped\r\nBad one,flew\r\n"
#: What `doctor` looks for to list and clean temporary files left behind (kill -9, power cut).
TEMP_PREFIX = ".casefile-tmp."
TEMP = re.compile(r"^\.casefile-tmp\.(.+)\.[0-9a-f]{8}$")
WRITERS = ["export", "rejects", "backup", "new-key"]


def writer_args(writer: str, target: Path | str, tmp_path: Path) -> list[object]:
    """The command line that writes ``target`` with ``writer``."""
    if writer == "export":
        return ["export", "--format", "json", "-o", target]
    if writer == "rejects":
        source = tmp_path / "input" / "in.csv"
        if not source.exists():
            source.parent.mkdir()
            source.write_text(BAD_CSV, encoding="utf-8")
        return ["import", source, "--skip-bad-rows", "--rejects", target]
    if writer == "backup":
        return ["backup", target, "--force"]
    assert writer == "new-key"
    return ["export", "--pseudonymise", "name", "--pseudonym-key", target, "--new-key"]


def snapshot(root: Path) -> dict[str, object]:
    """Every entry under ``root``: its type and bytes (a link: where it points)."""
    out: dict[str, object] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder, name)
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                out[str(path)] = ("link", os.readlink(path))
            elif stat.S_ISREG(info.st_mode):
                out[str(path)] = ("file", file_hash(path), stat.S_IMODE(info.st_mode))
            else:
                out[str(path)] = (stat.S_IFMT(info.st_mode),)
    return out


def temp_files(*folders: Path) -> list[Path]:
    return [p for folder in folders for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX)]


def key_file(path: Path) -> Path:
    path.write_text("ab" * 32 + "\n", encoding="ascii")
    os.chmod(path, 0o600)
    return path


# ------------------------------------------------------------------------ item 2: files that are never written

PROTECTED = {
    "database": "the database",
    "journal": "the database's journal",
    "wal": "the database's write-ahead log",
    "shm": "the database's shared-memory file",
    "key file": "the database's key file",
}
CASES = [
    (which, spelling)
    for which in PROTECTED
    for spelling in ("plain", "dotdot", "symlink", "hardlink")
    if spelling != "hardlink" or which in ("database", "key file")  # the others do not exist at rest
]


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize(("which", "spelling"), CASES)
def test_no_writer_touches_the_database_its_journal_or_its_key(
    cli, seeded: Path, tmp_path: Path, writer: str, which: str, spelling: str
) -> None:
    key = key_file(tmp_path / "cases.key")
    path = {
        "database": seeded,
        "journal": Path(f"{seeded}-journal"),
        "wal": Path(f"{seeded}-wal"),
        "shm": Path(f"{seeded}-shm"),
        "key file": key,
    }[which]
    (tmp_path / "sub").mkdir()
    target = {
        "plain": path,
        "dotdot": tmp_path / "sub" / ".." / path.name,
        "symlink": tmp_path / "sub" / "link",
        "hardlink": tmp_path / "sub" / "hard",
    }[spelling]
    if spelling == "symlink":
        target.symlink_to(path)
    elif spelling == "hardlink":
        os.link(path, target)
    args = writer_args(writer, target, tmp_path)
    before = snapshot(tmp_path)
    result = cli("--key-file", key, *args)
    assert (result.exit_code, error_lines(result)) == (
        2,
        [f"error: refusing to write {target}: it is {PROTECTED[which]}; choose another file"],
    ), result.stderr
    assert snapshot(tmp_path) == before  # nothing written, nothing created, no temporary file left


@pytest.mark.parametrize("new_key", [False, True])
def test_the_export_never_replaces_the_pseudonym_key_in_use(cli, seeded: Path, tmp_path: Path, new_key: bool) -> None:
    key = tmp_path / "pseudonyms.key"
    if not new_key:
        key_file(key)
    before = snapshot(tmp_path)
    args = ["--pseudonymise", "name", "--pseudonym-key", key, *(["--new-key"] if new_key else []), "-o", key]
    result = cli("export", *args)
    assert (result.exit_code, error_lines(result)) == (
        2,
        [f"error: refusing to write {key}: it is the pseudonym key; choose another file"],
    )
    assert snapshot(tmp_path) == before  # with --new-key: not even the key was created


def test_restore_never_writes_over_the_backup_it_restores(
    cli, seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database it replaces is kept as DB.bak-<time>: a backup of that very name is not overwritten."""
    from casefile import maintenance

    monkeypatch.setattr(maintenance, "now", lambda: "2031-01-02T03:04:05Z")
    source = seeded.with_name(f"{seeded.name}.bak-2031-01-02T030405Z")
    assert cli("backup", source).exit_code == 0
    before = snapshot(tmp_path)
    result = cli("restore-backup", source, "--yes")
    assert (result.exit_code, error_lines(result)) == (
        2,
        [f"error: refusing to write {source}: it is the backup being restored; choose another file"],
    )
    assert snapshot(tmp_path) == before


@needs_sqlcipher
def test_an_export_onto_the_key_file_leaves_the_database_usable(cli, db: Path, tmp_path: Path) -> None:
    key = tmp_path / "cases.key"
    assert cli("--key-file", key, "init", "--encrypted").exit_code == 0
    assert cli("--key-file", key, "add", "--no-input", "--name", "Someone").exit_code == 0
    saved = key.read_bytes()
    result = cli("--key-file", key, "export", "-o", key)
    assert (result.exit_code, error_lines(result)) == (
        2,
        [f"error: refusing to write {key}: it is the database's key file; choose another file"],
    )
    assert key.read_bytes() == saved
    listed = cli("--key-file", key, "list", "--format", "json")
    assert listed.exit_code == 0 and "Someone" in listed.stdout


# ------------------------------------------------------------------------------------- item 4: where bytes go

STREAMED = ["export", "rejects", "backup"]


class FifoReader:
    """Drains a FIFO in a thread from before the writer opens it; ``data`` is everything it received."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a writer's open() does not block on it
        self.chunks: list[bytes] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if ready:
                data = os.read(self.fd, 1 << 16)
                if not data:  # the writer closed it
                    return
                self.chunks.append(data)

    def data(self) -> bytes:
        self.thread.join(timeout=30)
        self.stop.set()
        self.thread.join()
        os.close(self.fd)
        return b"".join(self.chunks)


def expected_bytes(cli, writer: str, tmp_path: Path) -> Callable[[bytes], None]:
    """A check that ``data`` is what ``writer`` writes (the same command into a plain file)."""
    reference = tmp_path / "reference" / "out"
    reference.parent.mkdir()
    assert cli(*writer_args(writer, reference, tmp_path)).exit_code in (0, 4)
    if writer == "backup":

        def check(data: bytes) -> None:
            copy = tmp_path / "reference" / "streamed.db"
            copy.write_bytes(data)
            assert dump_data(copy) == dump_data(reference)

        return check
    wanted = reference.read_bytes()

    def same(data: bytes) -> None:
        assert data == wanted

    return same


@pytest.mark.parametrize("writer", STREAMED)
def test_a_fifo_is_written_in_place(cli, seeded: Path, tmp_path: Path, writer: str) -> None:
    check = expected_bytes(cli, writer, tmp_path)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo, 0o600)
    reader = FifoReader(fifo)
    result = cli(*writer_args(writer, fifo, tmp_path))
    data = reader.data()
    assert result.exit_code in (0, 4), result.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)  # still the FIFO, not a file renamed over it
    check(data)
    assert temp_files(tmp_path, seeded.parent) == []


@pytest.fixture
def guarded_dev(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing under /dev may be renamed onto, linked, removed or created: a test that writes /dev/null must
    not be able to replace it, whatever the code under test does."""

    def under_dev(value: object) -> bool:
        return isinstance(value, (str, os.PathLike)) and os.path.abspath(os.fspath(value)).startswith("/dev/")

    for name in ("replace", "rename", "link", "unlink", "remove"):
        real = getattr(os, name)

        def guarded(*args: object, _real: Callable[..., object] = real, _name: str = name, **kw: object) -> object:
            if any(under_dev(a) for a in args):
                raise AssertionError(f"os.{_name}{args} under /dev")
            return _real(*args, **kw)

        monkeypatch.setattr(os, name, guarded)
    real_open = os.open

    def guarded_open(path: object, flags: int, *args: object, **kw: object) -> int:
        if flags & os.O_CREAT and under_dev(path) and not os.path.exists(os.fspath(path)):  # type: ignore[arg-type]
            raise AssertionError(f"creating {path} under /dev")
        return real_open(path, flags, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", guarded_open)


@pytest.mark.parametrize("writer", STREAMED)
def test_a_character_device_is_written_in_place(cli, seeded: Path, tmp_path: Path, writer: str, guarded_dev) -> None:
    null = Path("/dev/null")
    assert stat.S_ISCHR(null.lstat().st_mode)
    result = cli(*writer_args(writer, null, tmp_path))
    assert result.exit_code in (0, 4), result.stderr
    assert stat.S_ISCHR(null.lstat().st_mode)  # the stream-in-place branch: no file was renamed onto it
    assert temp_files(tmp_path, seeded.parent) == []


@pytest.mark.parametrize("target_exists", [True, False], ids=["existing-target", "dangling-link"])
@pytest.mark.parametrize("writer", STREAMED)
def test_a_symlink_writes_its_target(cli, seeded: Path, tmp_path: Path, writer: str, target_exists: bool) -> None:
    check = expected_bytes(cli, writer, tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    real = elsewhere / "out"
    if target_exists:
        real.write_bytes(b"old bytes")
        os.chmod(real, 0o640)
    link = tmp_path / "link"
    link.symlink_to(real)
    result = cli(*writer_args(writer, link, tmp_path))
    assert result.exit_code in (0, 4), result.stderr
    assert link.is_symlink() and os.readlink(link) == str(real)
    check(real.read_bytes())
    assert stat.S_IMODE(real.stat().st_mode) == (0o640 if target_exists else 0o600)
    assert temp_files(tmp_path, elsewhere, seeded.parent) == []


@pytest.mark.parametrize("writer", STREAMED)
def test_file_modes_new_private_existing_kept(cli, seeded: Path, tmp_path: Path, writer: str) -> None:
    old = os.umask(0o022)
    try:
        new = tmp_path / "new"
        assert cli(*writer_args(writer, new, tmp_path)).exit_code in (0, 4)
        existing = tmp_path / "existing"
        existing.write_bytes(b"old bytes")
        os.chmod(existing, 0o640)
        assert cli(*writer_args(writer, existing, tmp_path)).exit_code in (0, 4)
    finally:
        os.umask(old)
    assert stat.S_IMODE(new.stat().st_mode) == 0o600
    assert stat.S_IMODE(existing.stat().st_mode) == 0o640
    if writer == "backup":
        assert dump_data(existing) == dump_data(new) == dump_data(seeded)
    else:
        assert existing.read_bytes() == new.read_bytes() != b""
    assert temp_files(tmp_path) == []


@pytest.mark.parametrize("writer", STREAMED)
@pytest.mark.parametrize("spelling", ["nd/", "nd/out.json", "nd/deeper/"])
def test_a_folder_that_does_not_exist_is_refused(cli, seeded: Path, tmp_path: Path, writer: str, spelling: str) -> None:
    os.chdir(tmp_path)
    args = writer_args(writer, spelling, tmp_path)
    before = snapshot(tmp_path)
    result = cli(*args)
    missing = {"nd/": "nd", "nd/out.json": "nd", "nd/deeper/": "nd/deeper"}[spelling]
    assert (result.exit_code, error_lines(result)) == (
        1,
        [f"error: cannot write {spelling}: there is no folder {missing}; create it first"],
    ), result.stderr
    assert snapshot(tmp_path) == before


def test_backup_into_an_existing_folder_still_makes_a_dated_file(cli, seeded: Path, tmp_path: Path) -> None:
    for name, spelling in (("plain", "{}"), ("slash", "{}/")):
        folder = tmp_path / name
        folder.mkdir()
        result = cli("backup", spelling.format(folder))
        assert result.exit_code == 0, result.stderr
        [dated] = folder.iterdir()
        assert re.fullmatch(r"casefile-\d{4}-\d\d-\d\dT\d{6}Z\.db", dated.name)
        assert dump_data(dated) == dump_data(seeded) and stat.S_IMODE(dated.stat().st_mode) == 0o600


def test_backup_to_stdout_streams_the_database(seeded: Path, tmp_path: Path) -> None:
    from conftest import run_process

    os.chdir(tmp_path)  # where a file named '-' would appear
    proc = run_process("backup", "-", env={"CASEFILE_DB": str(seeded)})
    assert proc.returncode == 0, proc.stderr
    copy = tmp_path / "from-stdout.db"
    copy.write_bytes(proc.stdout)
    assert dump_data(copy) == dump_data(seeded)
    assert not (tmp_path / "-").exists() and temp_files(tmp_path) == []


# ---------------------------------------------------------------------------------- item 8: temporary files


def test_the_temporary_file_is_named_private_and_beside_the_target(tmp_path: Path) -> None:
    from casefile.exporters import output

    assert getattr(output, "TEMP_PREFIX", None) == TEMP_PREFIX  # what doctor imports
    target = tmp_path / "x.json"
    target.write_bytes(b"old")
    os.chmod(target, 0o644)
    with open_output(str(target)) as out:
        out.write("[]\n")
        out.flush()
        [temp] = temp_files(tmp_path)
        assert TEMP.match(temp.name) and TEMP.match(temp.name).group(1) == "x.json"  # type: ignore[union-attr]
        assert stat.S_IMODE(temp.stat().st_mode) == 0o600 and temp.read_bytes() == b"[]\n"
    assert target.read_bytes() == b"[]\n" and stat.S_IMODE(target.stat().st_mode) == 0o644
    assert temp_files(tmp_path) == []


def test_the_backup_is_made_in_a_named_private_file_beside_it(
    cli, seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from casefile.store import Store

    seen: list[tuple[Path, int]] = []
    copy_to = Store.copy_to

    def watched(self: Store, path: Path) -> None:
        seen.append((Path(path), stat.S_IMODE(os.stat(path).st_mode)))
        copy_to(self, path)

    monkeypatch.setattr(Store, "copy_to", watched)
    folder = tmp_path / "backups"
    folder.mkdir()
    assert cli("backup", folder / "b.db").exit_code == 0
    [(temp, mode)] = seen
    assert temp.parent == folder and TEMP.match(temp.name) and mode == 0o600
    assert TEMP.match(temp.name).group(1) == "b.db"  # type: ignore[union-attr]
    assert temp_files(folder) == [] and dump_data(folder / "b.db") == dump_data(seeded)


@pytest.fixture(autouse=True)
def _back_to_cwd() -> Iterator[None]:
    cwd = os.getcwd()
    yield
    os.chdir(cwd)


def test_a_link_to_stdout_streams_into_the_pipe(cli, seeded: Path, tmp_path: Path) -> None:
    """What ``-o /dev/stdout`` does (a link into /proc that leads to the pipe), with a link of the test's own:
    the pipe receives the export and the link stays."""
    from conftest import run_process

    wanted = cli("export", "--format", "json").stdout.encode()
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")
    proc = run_process("export", "--format", "json", "-o", link, env={"CASEFILE_DB": str(seeded)})
    assert (proc.returncode, proc.stdout) == (0, wanted), proc.stderr
    assert link.is_symlink() and os.readlink(link) == "/proc/self/fd/1"
    assert temp_files(tmp_path) == []


def test_no_file_is_made_in_dev(cli, seeded: Path, tmp_path: Path, guarded_dev) -> None:
    result = cli("export", "-o", "/dev/casefile-export.csv")
    assert result.exit_code == 1
    assert error_lines(result) == [
        "error: cannot write /dev/casefile-export.csv: casefile creates no files in /dev or /proc; choose another file"
    ]
    assert not os.path.lexists("/dev/casefile-export.csv")
