"""Pull, push, status and resolve: the plans of `plan.py`, carried out.

I/O happens only in the engine (this module and its chapters below), at the edges:
the library (`Library.save`, atomic), the state (`StateStore`, atomic) and the push journal (append-only, fsynced), and
the remote (`RemoteAdapter`).  The order of every push operation is

    journal intent -> request -> journal result -> (checkpoint:) library -> state -> empty journal

so that a crash at any point leaves either nothing done, or a result the next
run finds in the journal, or — for a create whose answer was lost — a
document the next run finds again by its marker (the library key, written as
the document's citation key) before it would create another.  Zotero creates also
choose their own keys, so a resent create finds its item instead of making a second.

The engine is put together from the sync's chapters, one module each:

    bookkeeping.py  the library as snapshots, lookups, the state and journal, saving
    pull.py         pull: the group's changes, planned and applied
    push.py         push: the plan, finding creates already in the group, checkpoints
    operations.py   one create / update / trash / note at a time (412 merges, conflicts)
    batch.py        many per request, for remotes that can
    recover.py      finishing an interrupted push from the journal
    resolve.py      settling conflicts, and conflicts as text to edit
    keys.py         citation keys for references new from the group (pure)
    reports.py      PullReport, PushReport, SyncError

The decisions themselves are pure functions in `plan.py` and `merge.py`.
"""

from __future__ import annotations

from .batch import BatchPush
from .bookkeeping import CHECKPOINT_SECONDS, Bookkeeping, library_root
from .keys import key_base, make_key
from .operations import MAX_412_RETRIES, Operations
from .plan import norm_version
from .pull import Pull
from .push import Push
from .recover import Recovery
from .reports import Progress, PullReport, PushReport, SyncError
from .resolve import Resolve, conflict_text, parse_conflict_text

__all__ = [
    "CHECKPOINT_SECONDS", "MAX_412_RETRIES", "Progress", "PullReport", "PushReport", "SyncEngine", "SyncError",
    "conflict_text", "key_base", "library_root", "make_key", "parse_conflict_text",
]


class SyncEngine(Pull, Push, Operations, BatchPush, Recovery, Resolve, Bookkeeping):
    """Pull, push, status and resolve against `remote`: an adapter (`sync.codec.RemoteAdapter`,
    `sync.zotero.ZoteroAdapter`, see the protocol in docs/sync.md) with its ``codec``."""

    def status(self, offline: bool = False) -> dict:
        plan = self.plan()
        out: dict = {
            "remote": self.name, "group": self.remote.group, "last_pull": self.state.last_pull,
            "last_push": self.state.last_push,
            "local_changes": [op.describe() for op in plan.ops],
            "skipped": [{"key": k, "why": w} for k, w in plan.skipped],
            "conflicts": [{"key": c.key, "kind": c.kind, "fields": [f.name for f in c.fields],
                           "description": c.describe()} for c in self.state.conflicts.values()],
            "interrupted": self.store.journal.pending(),
            "remote_changes": None,
        }
        if not offline and self.state.cursor:
            since = self._since(self.state.cursor)
            docs = self.remote.documents_since(since).records
            seen = {c.id: norm_version(c.theirs_version or "") for c in self.state.conflicts.values()}
            changed = [r for r in docs if (r.id not in self.state.docs
                       or norm_version(r.version) != norm_version(self.state.docs[r.id].version))
                       and seen.get(r.id) != norm_version(r.version)]  # a conflict's version was pulled
            gone = [r for r in self.remote.deletions_since(since).records if r.id in self.state.docs]
            trashed = [r for r in self.remote.trash(since).records if r.id in self.state.docs]
            out["remote_changes"] = {"changed": len([r for r in changed if r.id in self.state.docs]),
                                     "new": len([r for r in changed if r.id not in self.state.docs]),
                                     "deleted": len(gone) + len(trashed)}
        return out

