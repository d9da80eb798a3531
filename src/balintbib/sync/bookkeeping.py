"""The engine's own books: the library seen as snapshots and looked up by remote id or key,
the state and the push journal, and the order in which they are saved.

Mixed into `SyncEngine` (`engine.py`); every other chapter of the sync (pull, push, the
operations, recovery, resolve) works through these.
"""

from __future__ import annotations

from pathlib import Path

from ..library import Library
from ..model import REMOTE_IDS_FIELD, Reference
from .merge import snapshot
from .plan import LocalRef
from .reports import Progress
from .state import StateStore

CHECKPOINT_SECONDS = 30.0  # a long push saves the library and state this often (the journal covers the rest)


def library_root(library: Library) -> Path:
    if library.root is not None:
        return Path(library.root)
    return Path(library.main_file).parent


class Bookkeeping:
    """The library, the state and the journal of one remote (``remote.name``)."""

    def __init__(self, library: Library, remote, *, store: StateStore | None = None,
                 codec=None, progress: Progress | None = None,
                 checkpoint_seconds: float = CHECKPOINT_SECONDS):
        self.library = library
        self.remote = remote
        self.name = remote.name
        self.codec = codec or remote.codec
        self.store = store or StateStore(library_root(library), remote.name)
        self.progress = progress or (lambda label, done, total: None)
        self.checkpoint_seconds = checkpoint_seconds
        self.state = self.store.load(remote.group)
        self._seq = 0
        self._ids = None
        self._key_bases: dict[str, str] = {}  # remote id -> key base, from the remote's JSON (cheap)

    def _since(self, cursor: str | None) -> str | None:
        """What to ask the remote for after `cursor` (the remote decides: an overlap for
        timestamps, the version itself for exact versions)."""
        return self.remote.since(cursor) if cursor else None

    # -- the library seen as snapshots -----------------------------------------------------
    def _remote_id(self, ref: Reference) -> str:
        value = ref.fields.get(REMOTE_IDS_FIELD)
        if not value or self.name + ":" not in value:
            return ""
        return ref.remote_ids.get(self.name, "")

    def local_refs(self, only: set[str] | None = None, keys: set[str] | None = None) -> list[LocalRef]:
        """The library as snapshots; with `only`, just the references linked to those
        ids or having one of `keys` (lower case), and the unlinked ones (what a pull
        of those changes can touch)."""
        out = []
        keys = keys or set()
        for r in self.library.references:
            ident = self._remote_id(r)
            if only is None or not ident or ident in only or r.key.lower() in keys:
                out.append(LocalRef(r.key, snapshot(r), ident))
        return out

    def ref_by_id(self, ident: str) -> Reference | None:
        ref = self._index()[0].get(ident)
        if ref is None or self._remote_id(ref) != ident:
            self._ids = None
            ref = self._index()[0].get(ident)
        return ref

    def ref_by_key(self, key: str) -> Reference | None:
        ref = self._index()[1].get(key.lower())
        if ref is None or ref.key.lower() != key.lower():
            self._ids = None
            ref = self._index()[1].get(key.lower())
        return ref

    def _index(self) -> tuple[dict[str, Reference], dict[str, Reference]]:
        """Lookups by remote id and by key, rebuilt when the library changed under them."""
        if self._ids is None or self._ids[2] != len(self.library.references):
            by_id, by_key = {}, {}
            for r in self.library.references:
                if ident := self._remote_id(r):
                    by_id.setdefault(ident, r)
                by_key.setdefault(r.key.lower(), r)
            self._ids = (by_id, by_key, len(self.library.references))
        return self._ids[0], self._ids[1]

    def _linked(self, ref: Reference, ident: str | None) -> None:
        old = self._remote_id(ref)
        ref.set_remote_id(self.name, ident)
        if self._ids is not None:
            by_id = self._ids[0]
            if old and by_id.get(old) is ref:
                del by_id[old]
            if ident:
                by_id[ident] = ref

    def _taken_keys(self) -> set[str]:
        return {r.key.lower() for r in self.library.references}

    def _keep(self) -> None:
        """After a failure: keep what finished, and the journal, whose open intents
        (a create whose answer never came) the next run settles."""
        try:
            self.library.save()
            self.store.save(self.state)
        except Exception:
            pass

    def _save(self) -> None:
        """Library first, then the state, then the journal is emptied."""
        self.library.save()
        self.store.save(self.state)
        self.store.journal.clear()

    def _journal(self, entry: dict) -> None:
        self.store.journal.append(entry, durable=entry.get("step") == "intent")

    def _next(self) -> int:
        self._seq += 1
        return self._seq
