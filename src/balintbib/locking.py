"""The library's write lock: one writer at a time, and the others told who.

Every writer of a .bib file (`Library.save`, so annotate, dedupe, the terminal
UI and sync; and normalize) holds an advisory lock on it (the `filelock`
library) while it checks that the file is still what it read and writes it.
The lock of ``dir/name.bib`` is ``dir/.balintbib/name.bib.lock`` (the folder
balintbib keeps its private state in, ignored by git), taken on the link's
target for a symlink.  Next to it, ``name.bib.lock.info`` says who holds it
(pid, command, since when), so a writer that waited in vain can say who is in
the way.  Several files are locked in one order (sorted real paths): two
writers never wait for each other in a circle.

Within one process the lock is re-entrant (a command that holds it while it
reads and then calls `Library.save` does not wait for itself) and threads
take turns.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from .errors import BalintError
from .fsutil import WriteError, _reason

#: Seconds a writer waits for another one (``BALINTBIB_LOCK_TIMEOUT`` overrides).
DEFAULT_TIMEOUT = 10.0


class LockedError(BalintError):
    """Another writer held the library's lock for longer than we could wait; nothing was written."""


def lock_timeout() -> float:
    try:
        return float(os.environ.get("BALINTBIB_LOCK_TIMEOUT", DEFAULT_TIMEOUT))
    except ValueError:
        return DEFAULT_TIMEOUT


def lock_path(path: str | os.PathLike) -> Path:
    real = Path(os.path.realpath(path))
    return real.parent / ".balintbib" / f"{real.name}.lock"


class _Held:
    def __init__(self, path: Path):
        self.path = path
        self.turn = threading.RLock()
        self.depth = 0
        self.file_lock = FileLock(str(path), thread_local=False)


_registry: dict[str, _Held] = {}
_registry_lock = threading.Lock()


def _command() -> str:
    args = [Path(sys.argv[0]).name] + sys.argv[1:] if sys.argv and sys.argv[0] else ["python"]
    text = " ".join(args)
    return text if len(text) <= 120 else text[:117] + "..."


def _holder(info: Path) -> str:
    try:
        data = json.loads(info.read_text("utf-8"))
        since = time.strftime("%H:%M:%S", time.localtime(data["since"]))
        return f"pid {data['pid']} ({data['command']}, since {since})"
    except (OSError, ValueError, KeyError, TypeError):
        return "another program"


def _prepare_folder(folder: Path, target: str) -> None:
    try:
        new = not folder.exists()
        folder.mkdir(parents=True, exist_ok=True)
        if new:
            (folder / ".gitignore").write_text("# balintbib's private files: never commit them\n*\n", "utf-8")
    except OSError as exc:
        raise WriteError(f"cannot write {target}: cannot create its lock in {folder} "
                         f"({_reason(exc)}); nothing was written") from None


def _acquire(held: _Held, target: str, timeout: float) -> None:
    if not held.turn.acquire(timeout=timeout):
        raise LockedError(f"{target} is being written by another task of this program; waited {timeout:g} s, "
                          "nothing was written: try again")
    if held.depth == 0:
        _prepare_folder(held.path.parent, target)
        info = held.path.with_name(held.path.name + ".info")
        try:
            held.file_lock.acquire(timeout=timeout)
        except Timeout:
            held.turn.release()
            raise LockedError(f"{target} is being written by {_holder(info)}; waited {timeout:g} s, "
                              "nothing was written: try again when it has finished") from None
        except OSError as exc:
            held.turn.release()
            raise WriteError(f"cannot write {target}: cannot take its lock {held.path} ({_reason(exc)}); "
                             "nothing was written") from None
        try:
            info.write_text(json.dumps({"pid": os.getpid(), "command": _command(), "since": time.time()}), "utf-8")
        except OSError:
            pass  # the lock holds without its label
    held.depth += 1


def _release(held: _Held) -> None:
    held.depth -= 1
    if held.depth == 0:
        try:
            held.path.with_name(held.path.name + ".info").unlink()
        except OSError:
            pass
        held.file_lock.release()
    held.turn.release()


@contextmanager
def locked(paths, timeout: float | None = None):
    """Hold the write lock of every file in ``paths`` (existing or about to be created)."""
    timeout = lock_timeout() if timeout is None else timeout
    targets = sorted({os.path.realpath(p): str(p) for p in paths}.items())
    with ExitStack() as stack:
        for real, shown in targets:
            lp = lock_path(real)
            with _registry_lock:
                held = _registry.get(str(lp)) or _registry.setdefault(str(lp), _Held(lp))
            _acquire(held, shown, timeout)
            stack.callback(_release, held)
        yield
