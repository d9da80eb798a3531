"""Messages the app's workers post back to the UI thread ("messages up").

Workers never touch widgets: they post one of these (``post_message`` is
thread-safe) and the app's handlers update the screen.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable

from textual.message import Message

from ..library import Library
from ..model import Reference
from .services import Citation, SyncOutcome


class LibraryLoaded(Message):
    def __init__(self, library: Library) -> None:
        self.library = library
        super().__init__()


class LibraryFailed(Message):
    def __init__(self, error: str) -> None:
        self.error = error
        super().__init__()


class IndexReady(Message):
    """The search index is built: searches are now instant."""


class Filtered(Message):
    """The result of one search (stale generations are dropped)."""

    def __init__(self, generation: int, rows: list[Reference], counts: Counter,
                 error: str | None = None, seconds: float = 0.0) -> None:
        self.generation = generation
        self.rows = rows
        self.counts = counts
        self.error = error
        self.seconds = seconds
        super().__init__()


class CitationReady(Message):
    def __init__(self, ref: Reference, citation: Citation) -> None:
        self.ref = ref
        self.citation = citation
        super().__init__()


class LibraryFresh(Message):
    """The library was checked against the disk (and read again when it had changed: `library`)."""

    def __init__(self, library: Library | None, then: Callable[[], None] | None, error: str | None = None) -> None:
        self.library = library
        self.then = then  # what to do next (None: nothing)
        self.error = error  # the library could not be read again
        super().__init__()


class Saved(Message):
    """A save finished; on failure, the edit to give back and the fields to restore
    (and the library read again, when it had changed on disk)."""

    def __init__(self, ref: Reference, paths: list[str], error: str | None = None, *, edit=None,
                 before: tuple[dict[str, str], set[str]] | None = None, library: Library | None = None) -> None:
        self.ref = ref
        self.paths = paths
        self.error = error
        self.edit = edit
        self.before = before
        self.library = library
        super().__init__()


class SyncProgress(Message):
    def __init__(self, what: str, done: int, total: int) -> None:
        self.what = what
        self.done = done
        self.total = total
        super().__init__()


class SyncFinished(Message):
    def __init__(self, outcome: SyncOutcome | None, error: str | None = None) -> None:
        self.outcome = outcome
        self.error = error
        super().__init__()


class Exported(Message):
    def __init__(self, path: str, count: int, error: str | None = None, warnings: tuple[str, ...] = ()) -> None:
        self.path = path
        self.count = count
        self.error = error
        self.warnings = warnings
        super().__init__()
