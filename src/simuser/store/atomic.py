"""Writing files so that a crash, a full disk or a read-only directory never leaves a damaged one.

- :func:`atomic_write_text`: a temporary file in the same directory, written, flushed and fsynced, then
  ``os.replace``-d over the target (and the directory fsynced), so a reader sees the old file or the new
  one, never half of one; a failed write removes its temporary file.
- :func:`writing`: turns the operating system's write errors (no space left, read-only file system,
  permission denied) into one :class:`UserError` line naming the directory and the fix.
- :func:`refuse_overwrite`: an output must never be one of the command's inputs.
- :func:`file_lock`: one writer at a time per file or run directory (``flock``, released on exit or crash).
"""

from __future__ import annotations

import errno
import fcntl
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from simuser.errors import UserError

_FIXES = {
    errno.ENOSPC: "free some space or choose another output directory",
    errno.EDQUOT: "free some space or choose another output directory",
    errno.EROFS: "the file system is read-only; choose another output directory",
    errno.EACCES: "you cannot write there; fix its permissions or choose another output directory",
    errno.EPERM: "you cannot write there; fix its permissions or choose another output directory",
}


@contextmanager
def writing(directory: Path) -> Iterator[None]:
    """Run a write; an environmental failure becomes one line naming ``directory``."""
    try:
        yield
    except OSError as exc:
        raise write_error(directory, exc) from None


def write_error(directory: Path, exc: OSError) -> UserError:
    fix = _FIXES.get(exc.errno or 0, "check the path and its permissions")
    return UserError(f"cannot write to {directory} ({exc.strerror or exc}); {fix}")


def atomic_write_text(path: Path | str, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path | str, data: bytes) -> None:
    path = Path(path)
    with writing(path.parent):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, staging = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(staging, path)
        except BaseException:
            Path(staging).unlink(missing_ok=True)
            raise
        fsync_directory(path.parent)


def fsync_directory(directory: Path) -> None:
    """Make a rename durable (best effort: some file systems do not support it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def refuse_overwrite(out: Path, inputs: Iterable[Path], flag: str = "--out") -> None:
    """One line if ``out`` is one of the inputs (a run's own records, the logs being read)."""
    target = out.resolve()
    for source in inputs:
        if source.resolve() == target:
            raise UserError(f"{flag} {out} is an input of this command; write to another path")


def lock_file(lock_path: Path, what: Path) -> IO[str]:
    """An exclusive, non-blocking lock; one line if another process holds it."""
    with writing(lock_path.parent):
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock_path, "w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise UserError(f"{what} is being written by another simuser process; wait for it") from None
    return handle


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold ``PATH.lock`` while appending to ``path`` (e.g. `simuser intents --out`)."""
    handle = lock_file(path.with_name(path.name + ".lock"), path)
    try:
        yield
    finally:
        handle.close()
