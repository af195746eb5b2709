"""The files the tool writes — reports, exports, backups — and the rules they all follow.

They hold customers' names and phones, so a file the tool writes:

- is never the database, nor its `-wal` or `-shm` (compared by resolved path and inode);
- never replaces an existing file unless the user said `--overwrite`;
- is never written through a symbolic link (the final component is refused, dangling or
  not: its target is never touched);
- never lands half-written: it is written to a temporary file in the same folder,
  flushed to disk and renamed into place, so a full disk, a kill or Ctrl-C leaves either
  what was there before or the complete new file (the temporary file of a write killed
  outright goes with the next write of that file);
- is private: 0600, and a folder the tool creates 0700, whatever the umask.

A problem with the request (exists, is a link, is the database) is bad input (exit 2);
a write that fails (full disk, no permission) is `CannotWrite` (exit 73).
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from aftersales_cli.errors import BadInput, CannotWrite

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def given_path(value: str | None, field: str) -> Path | None:
    """An output path as typed; an empty one is refused rather than read as `.`."""
    if value is None:
        return None
    if not value.strip():
        raise BadInput(field, "must not be empty; give a file name")
    return Path(value).expanduser()


def _database_files(database: Path | None) -> list[Path]:
    if database is None:
        return []
    return [database, Path(f"{database}-wal"), Path(f"{database}-shm")]


def _same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def check_target(
    path: Path,
    field: str,
    *,
    overwrite: bool,
    database: Path | None,
    folder_must_exist: bool = True,
    exists: str = "give --overwrite to replace it",
) -> Path:
    """Refuse what must never be written; return the path to write (its folder resolved,
    its own name kept, so that a symbolic link there is never followed). `exists` is
    what to tell the user when the file is already there."""
    if path.name in ("", ".", ".."):
        raise BadInput(field, f"{path} is a folder; give a file name")
    if path.is_symlink():
        raise BadInput(
            field, f"{path} is a symbolic link; give the real path (links are never followed)"
        )
    folder = path.parent.resolve()
    target = folder / path.name
    for db_file in _database_files(database):
        if target == db_file.resolve():
            raise BadInput(field, f"{path} is the database (or its journal); choose another file")
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise CannotWrite(field, f"cannot write {path}: {exc.strerror}") from None
    if info is not None:
        for db_file in _database_files(database):
            with contextlib.suppress(OSError):
                if _same_file(info, os.stat(db_file)):
                    raise BadInput(
                        field, f"{path} is the database (another name for it); choose another file"
                    )
        if stat.S_ISDIR(info.st_mode):
            raise BadInput(field, f"{path} is a folder; give a file name")
        if not overwrite:
            raise BadInput(field, f"{path} exists; {exists}")
        if not stat.S_ISREG(info.st_mode):
            raise BadInput(field, f"{path} is not a regular file; it is never replaced")
    if folder_must_exist and not folder.is_dir():
        raise BadInput(field, f"folder {path.parent} does not exist")
    return target


def make_folder(path: Path, field: str) -> Path:
    """The folder `path`, created (with its missing parents, each 0700) when missing."""
    missing: list[Path] = []
    here = path
    while not here.exists() and not here.is_symlink():
        missing.append(here)
        if here.parent == here:
            break
        here = here.parent
    try:
        for folder in reversed(missing):
            folder.mkdir(mode=FOLDER_MODE)
            os.chmod(folder, FOLDER_MODE)  # the umask may have taken bits away
    except FileExistsError:
        pass  # another process made it meanwhile
    except OSError as exc:
        raise CannotWrite(field, f"cannot create folder {path}: {exc.strerror}") from None
    if not path.is_dir():
        raise BadInput(field, f"{path} is not a folder")
    return path


class Pending:
    """A file being written under a temporary name beside its final one."""

    def __init__(self, target: Path, field: str, overwrite: bool) -> None:
        self.target = target
        self.field = field
        self.overwrite = overwrite
        self.temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")

    def create(self) -> int:
        """The temporary file, new and private; its descriptor. Those of earlier writes of
        the same file whose process is gone go first (`sweep`)."""
        sweep(self.target)
        flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(self.temporary, flags, FILE_MODE)
            os.fchmod(fd, FILE_MODE)
        except OSError as exc:
            raise self.failed(exc) from None
        return fd

    def failed(self, exc: OSError) -> CannotWrite:
        return CannotWrite(self.field, f"cannot write {self.target}: {exc.strerror or exc}")

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.temporary.unlink()

    def land(self) -> None:
        """Move the finished temporary file into place: atomically, and without replacing
        a file that appeared meanwhile unless overwriting."""
        try:
            if self.overwrite:
                os.replace(self.temporary, self.target)
            else:
                try:
                    os.link(self.temporary, self.target, follow_symlinks=False)
                except FileExistsError:
                    raise BadInput(
                        self.field, f"{self.target} exists; give --overwrite to replace it"
                    ) from None
                except OSError:  # a file system without hard links
                    if self.target.exists() or self.target.is_symlink():
                        raise BadInput(
                            self.field, f"{self.target} exists; give --overwrite to replace it"
                        ) from None
                    os.replace(self.temporary, self.target)
                self.discard()
            _sync_folder(self.target.parent)
        except OSError as exc:
            raise self.failed(exc) from None


def sweep(target: Path) -> None:
    """Remove the temporary files a write of `target` killed outright left behind (SIGKILL,
    the OOM killer, a power cut: nothing runs to remove them): `.NAME.PID.tmp` (and a
    backup's `.NAME.PID.tmp-journal`) regular files of this user whose process is gone.
    They hold what the file would have held — an export's every phone, gigabytes at a
    million complaints. A process that is running (or that this user cannot signal) keeps
    its file; so does anything but a regular file."""
    if os.name != "posix":  # (elsewhere a signal 0 is no question, and no owner is kept)
        return
    prefix = f".{target.name}."
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return
    for entry in entries:
        # (a backup's copy is a database: its rollback journal may be left beside it)
        pid, dot, rest = entry.name.removeprefix(prefix).partition(".")
        if not entry.name.startswith(prefix) or not dot or rest not in ("tmp", "tmp-journal"):
            continue
        if not pid.isascii() or not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid():
                continue
            os.kill(int(pid), 0)
        except ProcessLookupError:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
        except (OSError, OverflowError):
            continue


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (where the system allows opening a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def writing(
    target: Path, field: str, *, overwrite: bool, encoding: str = "utf-8"
) -> Iterator[IO[str]]:
    """A text handle whose content lands at `target` (already checked with
    `check_target`) only when the block ends without an error."""
    with writing_many([target], field, overwrite=overwrite, encoding=encoding) as handles:
        yield handles[0]


@contextlib.contextmanager
def writing_bytes(target: Path, field: str, *, overwrite: bool) -> Iterator[IO[bytes]]:
    """`writing` for a binary file (a workbook): the same rules, bytes in."""
    pending = Pending(target, field, overwrite)
    try:
        with os.fdopen(pending.create(), "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        pending.land()
    except OSError as exc:
        raise pending.failed(exc) from None
    finally:
        pending.discard()


@contextlib.contextmanager
def writing_many(
    targets: Sequence[Path], field: str, *, overwrite: bool, encoding: str = "utf-8"
) -> Iterator[list[IO[str]]]:
    """Several files that land together: every one is written in full before any is
    renamed into place, so a failure leaves none of them."""
    pending = [Pending(t, field, overwrite) for t in targets]
    named = targets[0] if len(targets) == 1 else targets[0].parent
    handles: list[IO[str]] = []
    try:
        for p in pending:
            handles.append(os.fdopen(p.create(), "w", encoding=encoding, newline=""))
        yield handles
        for handle in handles:
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
        for p in pending:
            p.land()
    except OSError as exc:
        raise CannotWrite(field, f"cannot write {named}: {exc.strerror or exc}") from None
    finally:
        for handle in handles:
            with contextlib.suppress(OSError):
                handle.close()
        for p in pending:
            p.discard()
