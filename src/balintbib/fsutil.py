"""The one way balintbib writes user data: atomically.

Write to a temporary file in the target's folder, flush and fsync it, rename it
over the target, then fsync the folder.  A crash leaves either the old file or
the new one, never half of one.  A full disk or a read-only folder raises
`WriteError` with one clear line, and the old file is untouched.  A symlink is
written through to its target (the link stays); a read-only file (no write
permission bit, checked even for root) is refused, nothing written.
"""

from __future__ import annotations

from .errors import BalintError

import errno
import os
import tempfile
from pathlib import Path


class WriteError(BalintError):
    """A file could not be written; the message names it and says why."""


def atomic_write_bytes(path: str | os.PathLike, data: bytes, mode: int | None = None) -> None:
    shown = Path(path)
    # A symlink is written through: its target gets the new bytes, the link stays a link.
    path = Path(os.path.realpath(shown)) if shown.is_symlink() else shown
    if mode is None:
        check_writable(shown)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise WriteError(f"cannot write {path}: {_reason(exc)}") from None
    try:
        with os.fdopen(fd, "wb", buffering=0) as fh:
            _write_in_slices(fh, data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        elif path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise WriteError(f"cannot write {path}: {_reason(exc)}") from None
    _fsync_dir(folder)


# One write(2) of many megabytes cost this machine's kernel 0.05-0.1 s of system time in most
# runs (10 MB: 0.003-0.104 s), the same bytes in 1 MiB slices 0.003 s every time
# (benchmarks/bench_import.py writes a 19,000-entry library). Slices change nothing else: the
# file is still renamed into place only when complete.
_SLICE = 1 << 20


def _write_in_slices(fh, data: bytes) -> None:
    view = memoryview(data)
    for start in range(0, len(view), _SLICE):
        chunk = view[start:start + _SLICE]
        while chunk:  # a raw write may take fewer bytes than it was given
            written = fh.write(chunk)
            chunk = chunk[written:]


def check_writable(path: str | os.PathLike) -> None:
    """`WriteError` when ``path`` (or a symlink's target) exists and is read-only:
    no write permission bit (so root, who may write anything, respects it too)."""
    try:
        st = os.stat(path)
    except OSError:
        return
    if not st.st_mode & 0o222:
        raise WriteError(f"cannot write {path}: the file is read-only; nothing was written")


def atomic_write_text(path: str | os.PathLike, text: str, mode: int | None = None) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), mode)


def _fsync_dir(folder: Path) -> None:
    try:
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "permission denied"
    if exc.errno == errno.ENOENT:
        return "the folder does not exist"
    return exc.strerror or str(exc)
