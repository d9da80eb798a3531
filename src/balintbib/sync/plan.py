"""What a pull or a push must do.  Pure: snapshots in, actions out, no I/O.

The engine turns the library into `LocalRef` s (snapshot + the remote id from
the entry's ``remote-ids`` field), the remote's changes into `RemoteDoc` s
(snapshot + version, or a deletion), and hands both with the `SyncState` to
`plan_pull` / `plan_push`.  The decisions about what merges, what conflicts
and what is new all live here, where they can be tested without a server.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ..latex import latex_to_text
from .merge import EXPRESSION_MARK, Snapshot, equivalent, merge
from .state import DELETED_LOCALLY, DELETED_REMOTELY, FIELDS, Conflict, DocState, SyncState

ANNOTATION = "annotation"


@dataclass
class LocalRef:
    key: str
    snapshot: Snapshot
    remote_id: str = ""  # "" when the reference is not linked to this remote


@dataclass
class RemoteDoc:
    id: str
    version: str
    snapshot: Snapshot | None  # None when the document is gone
    gone: str = ""  # "deleted" or "trashed"
    note_id: str = ""
    note_version: str = ""
    citation_key: str = ""


# Library changes.
ADD, SET, REMOVE = "add", "set", "remove"


@dataclass
class PullAction:
    """One remote document's consequence: a library change, a new ancestor, a conflict."""

    id: str
    key: str = ""  # the library key concerned ("" for a new reference)
    library: str = ""  # ADD, SET, REMOVE or "" (no change to the library)
    snapshot: Snapshot | None = None  # the new library content for ADD/SET
    base: DocState | None = None  # the new ancestor; None with drop_base to forget it
    drop_base: bool = False
    conflict: Conflict | None = None  # a conflict to open (or refresh)
    close_conflict: bool = False
    link: bool = False  # write the remote id into the library entry
    citation_key: str = ""  # for ADD: the key the remote suggests
    duplicate_of: str = ""  # a second copy of our own create (its answer was lost): to trash

    @property
    def summary(self) -> str:
        if self.conflict:
            return "conflict"
        return {ADD: "added", SET: "updated", REMOVE: "removed"}.get(self.library, "unchanged")


def norm_version(version: str) -> str:
    """``2014-09-04T11:38:22.691Z`` and ``...22.000Z`` are one version (the API truncates)."""
    return version[:19]


# -- identity of new references -------------------------------------------------------

def _plain(snap: Snapshot, name: str) -> str:
    value = snap.get(name, "")
    if value.startswith(EXPRESSION_MARK):
        value = value[1:]
    try:
        value = latex_to_text(value)
    except Exception:
        pass
    return " ".join(value.split())


def doi_of(snap: Snapshot) -> str:
    doi = _plain(snap, "doi").lower()
    doi = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", doi)
    return doi.strip()


def title_key(snap: Snapshot) -> str:
    title = unicodedata.normalize("NFKD", _plain(snap, "title")).casefold()
    title = re.sub(r"[^\w]+", " ", title).strip()
    return f"{title}|{_plain(snap, 'year')}" if title else ""


class UnlinkedIndex:
    """Library references not yet linked to the remote, findable by marker, DOI or title."""

    def __init__(self, refs: list[LocalRef]):
        self.by_key = {r.key.lower(): r for r in refs}
        self.by_doi: dict[str, LocalRef] = {}
        self.by_title: dict[str, LocalRef] = {}
        for r in refs:
            if d := doi_of(r.snapshot):
                self.by_doi.setdefault(d, r)
            if t := title_key(r.snapshot):
                self.by_title.setdefault(t, r)
        self.taken: set[str] = set()

    def find(self, snap: Snapshot, citation_key: str = "") -> LocalRef | None:
        """The same reference: our own key written as the document's citation key
        (a create whose answer was lost), or the same DOI, or the same title and year."""
        candidates = []
        if citation_key and (r := self.by_key.get(citation_key.lower())):
            if title_key(r.snapshot) == title_key(snap) or (doi_of(snap) and doi_of(r.snapshot) == doi_of(snap)):
                candidates.append(r)
        if d := doi_of(snap):
            if r := self.by_doi.get(d):
                candidates.append(r)
        if t := title_key(snap):
            if (r := self.by_title.get(t)) and (not doi_of(r.snapshot) or not doi_of(snap)):
                candidates.append(r)
        for r in candidates:
            if r.key.lower() not in self.taken:
                self.taken.add(r.key.lower())
                return r
        return None


# -- pull -----------------------------------------------------------------------------

def plan_pull(local: list[LocalRef], state: SyncState, remote: list[RemoteDoc]) -> list[PullAction]:
    """Merge every remote change into the library (see docs/notes-sync.md for the rules)."""
    linked = {r.remote_id: r for r in local if r.remote_id}
    unlinked = UnlinkedIndex([r for r in local if not r.remote_id])
    linked_keys = {r.key.lower(): r for r in local if r.remote_id}
    actions: list[PullAction] = []
    seen: set[str] = set()
    for doc in remote:
        if doc.id in seen:
            continue
        seen.add(doc.id)
        action = _pull_one(doc, linked.get(doc.id), state.docs.get(doc.id), state.conflicts.get(doc.id), unlinked)
        if action is not None and action.library == ADD and (dup := own_duplicate(doc, linked_keys)):
            action = PullAction(doc.id, key=dup.key, base=action.base, duplicate_of=dup.key)
        if action is not None:
            actions.append(action)
    return actions


def _pull_one(doc: RemoteDoc, ours: LocalRef | None, base: DocState | None, open_conflict: Conflict | None,
              unlinked: UnlinkedIndex) -> PullAction | None:
    if doc.snapshot is None:  # deleted or trashed in the group
        return _pull_gone(doc, ours, base, open_conflict)

    if base is not None and open_conflict is None and doc.snapshot == base.remote_against(doc.snapshot):
        # Nothing new (the overlap window lists it again).  Content decides, not the
        # version: last_modified has one-second granularity.
        if (norm_version(doc.version), doc.note_id, doc.note_version) != \
                (norm_version(base.version), base.note_id, base.note_version):
            return PullAction(doc.id, key=ours.key if ours else "", base=DocState.make(
                base.local, doc.snapshot, doc.version, doc.note_id, doc.note_version))
        if base.provisional:
            return PullAction(doc.id, key=ours.key if ours else "", base=DocState.make(
                base.local, doc.snapshot, doc.version, doc.note_id, doc.note_version))
        return None

    if ours is None and base is None:  # new in the group
        match = unlinked.find(doc.snapshot, doc.citation_key)
        if match is None:
            new_base = DocState.make(doc.snapshot, doc.snapshot, doc.version, doc.note_id, doc.note_version)
            return PullAction(doc.id, library=ADD, snapshot=dict(doc.snapshot), base=new_base,
                              citation_key=doc.citation_key)
        return _merge_action(doc, match, {}, {}, None, link=True)

    if ours is None:  # deleted here
        assert base is not None
        theirs_changed = doc.snapshot != base.remote_against(doc.snapshot)
        if not theirs_changed:
            # Only the version moved (or nothing): the deletion is still to be pushed.
            if norm_version(doc.version) != norm_version(base.version):
                return PullAction(doc.id, base=DocState.make(base.local, doc.snapshot, doc.version,
                                                             doc.note_id, doc.note_version))
            return None
        key = open_conflict.key if open_conflict else _guess_key(doc)
        return PullAction(doc.id, key=key, conflict=Conflict(
            doc.id, key, DELETED_LOCALLY, [], dict(doc.snapshot), doc.version, (doc.note_id, doc.note_version)))

    if base is None:  # linked in the library, but never synced from this copy: no ancestor
        return _merge_action(doc, ours, {}, {}, None, link=False)

    return _merge_action(doc, ours, base.local, base.remote_against(doc.snapshot), base, link=False,
                         open_conflict=open_conflict)


def _merge_action(doc: RemoteDoc, ours: LocalRef, base_local: Snapshot, base_remote: Snapshot,
                  base: DocState | None, link: bool, open_conflict: Conflict | None = None) -> PullAction:
    assert doc.snapshot is not None
    result = merge(base_local, ours.snapshot, doc.snapshot, theirs_base=base_remote, agree=equivalent)
    changed = result.merged != ours.snapshot
    action = PullAction(doc.id, key=ours.key, library=SET if changed else "",
                        snapshot=result.merged if changed else None, link=link)
    if result.clean:
        action.base = DocState.make(result.synced_base(base_local), doc.snapshot, doc.version,
                                    doc.note_id, doc.note_version)
        action.close_conflict = open_conflict is not None
    else:
        # The ancestor stays; the remote copy waits in the conflict until it is resolved.
        if base is None:  # no ancestor: the conflicting fields are in neither
            ancestor = result.synced_base(base_local)
            remote = {k: v for k, v in doc.snapshot.items() if k not in {c.name for c in result.conflicts}}
            action.base = DocState.make(ancestor, remote, "", "", "")
        action.conflict = Conflict(doc.id, ours.key, FIELDS, result.conflicts, dict(doc.snapshot), doc.version,
                                   (doc.note_id, doc.note_version))
    return action


def _pull_gone(doc: RemoteDoc, ours: LocalRef | None, base: DocState | None,
               open_conflict: Conflict | None) -> PullAction | None:
    if ours is None:
        if base is None and open_conflict is None:
            return None
        return PullAction(doc.id, drop_base=True, close_conflict=open_conflict is not None)
    if base is not None and base.restore and doc.gone == "trashed":
        return None  # kept here on purpose: the next push restores it
    if base is not None and ours.snapshot == base.local and open_conflict is None:
        return PullAction(doc.id, key=ours.key, library=REMOVE, drop_base=True)
    # Changed here (or no ancestor to tell): keep it, and ask.
    return PullAction(doc.id, key=ours.key, conflict=Conflict(
        doc.id, ours.key, DELETED_REMOTELY, [], None, doc.version, gone=doc.gone or "deleted"))


def own_duplicate(doc: RemoteDoc, linked_keys: dict[str, LocalRef]) -> LocalRef | None:
    """A new document carrying our marker (the key of a reference already linked to
    another document) and the same title: a create sent twice because its first
    answer was lost while the server was still working on it."""
    if not doc.citation_key or doc.snapshot is None:
        return None
    ref = linked_keys.get(doc.citation_key.lower())
    if ref is None or ref.remote_id == doc.id:
        return None
    if title_key(ref.snapshot) != title_key(doc.snapshot):
        return None
    return ref


def _guess_key(doc: RemoteDoc) -> str:
    return doc.citation_key or doc.id


# -- push -----------------------------------------------------------------------------

CREATE, UPDATE, TRASH = "create", "update", "trash"


@dataclass
class PushOp:
    kind: str  # CREATE, UPDATE or TRASH
    key: str
    id: str = ""
    ours: Snapshot = field(default_factory=dict)
    base: DocState | None = None
    old_key: str = ""  # the key at the last sync, when it was renamed since

    def describe(self) -> str:
        if self.kind == CREATE:
            return f"create {self.key}"
        if self.kind == TRASH:
            return f"trash {self.key or self.id}"
        assert self.base is not None
        names = changed_names(self.base.local, self.ours)
        if self.base.restore:
            names.insert(0, "restore from the trash")
        if self.old_key and self.old_key != self.key:
            names.append(f"key (was {self.old_key})")
        return f"update {self.key}: {', '.join(names)}"


@dataclass
class PushPlan:
    ops: list[PushOp] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (key, why)

    def count(self, kind: str) -> int:
        return sum(1 for op in self.ops if op.kind == kind)


def changed_names(before: Snapshot, after: Snapshot) -> list[str]:
    return [n for n in dict.fromkeys([*after, *before]) if before.get(n) != after.get(n)]


def plan_push(local: list[LocalRef], state: SyncState, key_of: dict[str, str] | None = None) -> PushPlan:
    """Local changes to send: new references, changed fields, deletions.

    `key_of` gives a remembered key for documents deleted here (for messages).
    """
    plan = PushPlan()
    linked_ids = set()
    shared: dict[str, list[str]] = {}
    for ref in local:
        if ref.remote_id:
            shared.setdefault(ref.remote_id, []).append(ref.key)
    for ref in local:
        if not ref.remote_id:
            plan.ops.append(PushOp(CREATE, ref.key, ours=ref.snapshot))
            continue
        linked_ids.add(ref.remote_id)
        if len(shared[ref.remote_id]) > 1:
            others = ", ".join(k for k in shared[ref.remote_id] if k != ref.key)
            plan.skipped.append((ref.key, f"linked to the same group document as {others} (a copied entry?): "
                                          f"remove the remote-ids field from the copy"))
            continue
        if ref.remote_id in state.conflicts:
            plan.skipped.append((ref.key, "open conflict (balintbib resolve)"))
            continue
        base = state.docs.get(ref.remote_id)
        if base is None:
            plan.skipped.append((ref.key, "linked to the group but not pulled into this copy yet (run pull)"))
            continue
        renamed = state.keys.get(ref.remote_id, ref.key) != ref.key
        if ref.snapshot != base.local or renamed or base.restore:
            plan.ops.append(PushOp(UPDATE, ref.key, ref.remote_id, ref.snapshot, base,
                                   old_key=state.keys.get(ref.remote_id, ref.key)))
    for ident, base in state.docs.items():
        if ident in linked_ids:
            continue
        if ident in state.conflicts:
            plan.skipped.append(((key_of or {}).get(ident, ident), "open conflict (balintbib resolve)"))
            continue
        plan.ops.append(PushOp(TRASH, (key_of or {}).get(ident, ""), ident, {}, base))
    return plan
