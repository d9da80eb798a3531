"""Pull, push, status and resolve: the plans of `plan.py`, carried out.

I/O happens only here, at the edges: the library (`Library.save`, atomic), the
state (`StateStore`, atomic) and the push journal (append-only, fsynced), and
the remote (`RemoteAdapter`).  The order of every push operation is

    journal intent -> request -> journal result -> (checkpoint:) library -> state -> empty journal

so that a crash at any point leaves either nothing done, or a result the next
run finds in the journal, or — for a create whose answer was lost — a
document the next run finds again by its marker (the library key, written as
the document's ``citation_key``) before it would create another.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..errors import BalintError
from ..formats.bibsafe import REMOTE_ID_PATTERN
from ..formats.mendeley_check import BadDocument
from ..library import Library
from ..model import ANNOTATION_FIELD, REMOTE_IDS_FIELD, Reference
from ..remotes.base import NotFound, PermissionDenied, PreconditionFailed, RemoteRecord
from .codec import MendeleyCodec, RemoteAdapter, group_notes
from .merge import (
    TYPE_FIELD, Snapshot, apply_snapshot, equivalent, merge, snapshot, to_reference,
)
from .plan import (
    ADD, CREATE, REMOVE, SET, TRASH, UPDATE, LocalRef, PushOp, PushPlan, RemoteDoc,
    doi_of, norm_version, own_duplicate, plan_pull, plan_push, title_key,
)
from .state import (
    DELETED_LOCALLY, DELETED_REMOTELY, FIELDS, Conflict, DocState, StateStore,
)

OVERLAP = timedelta(minutes=5)
FULL_EVERY = timedelta(days=7)
CHECKPOINT_SECONDS = 30.0  # a long push saves the library and state this often (the journal covers the rest)
MAX_412_RETRIES = 3

Progress = Callable[[str, int, int], None]


class SyncError(BalintError):
    """A sync that cannot go on; the message says what was kept."""


@dataclass
class PullReport:
    full: bool = False
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # new or refreshed
    duplicates: list[str] = field(default_factory=list)  # our own creates found twice (to trash)
    open_conflicts: int = 0
    requests: int = 0
    recovered: int = 0
    #: What the group's documents held that could not be taken ("id: why"), one line each.
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass
class PushReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    trashed: list[str] = field(default_factory=list)
    linked: list[str] = field(default_factory=list)  # found already in the group
    conflicts: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    planned: list[str] = field(default_factory=list)  # --dry-run
    open_conflicts: int = 0
    requests: int = 0
    recovered: int = 0

    def to_json(self) -> dict:
        out = dict(self.__dict__)
        out["skipped"] = [{"key": k, "why": w} for k, w in self.skipped]
        return out


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _parse(ts: str) -> datetime | None:
    try:
        return datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None


def _since(cursor: str) -> str | None:
    t = _parse(cursor)
    return _iso(t - OVERLAP) if t else None


def library_root(library: Library) -> Path:
    if library.root is not None:
        return Path(library.root)
    return Path(library.main_file).parent


# -- keys for references new from the group ---------------------------------------------

_STOP = frozenset("a an the of on in and for to with from at by is are la le les de der die das el".split())


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return re.sub(r"[^a-z0-9]", "", text.encode("ascii", "ignore").decode().lower())


def key_base(family: str, year: str, title: str) -> str:
    """``familyYEARword``: the first author's family name, the year, the first
    significant word of the title (ASCII, lower case)."""
    family = _ascii(family)
    words = [w for w in (_ascii(w) for w in title.split()) if w and w not in _STOP]
    word = words[0] if words else ""
    base = (family or (words[0] if words else "ref")) + _ascii(year)[:4] + (word if family else "")
    return base or "ref"


def make_key(snap: Snapshot, taken: set[str], base: str = "") -> str:
    """A unique key: `base` (or `key_base` of the reference), then a, b, c..."""
    if not base:
        ref = to_reference("_", snap)
        people = ref.authors or ref.editors
        base = key_base((people[0].family or people[0].literal) if people else "", ref.year, ref.title)
    key, n = base, 0
    while key.lower() in taken:
        n += 1
        key = base + _suffix(n)
    taken.add(key.lower())
    return key


def _suffix(n: int) -> str:
    out = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        out = chr(97 + r) + out
    return out


_KEY_OK = re.compile(r"^[A-Za-z0-9_:.\-+/]{1,80}$")


# -- the engine -----------------------------------------------------------------------------

class SyncEngine:
    def __init__(self, library: Library, remote: RemoteAdapter, *, store: StateStore | None = None,
                 codec: MendeleyCodec | None = None, progress: Progress | None = None,
                 checkpoint_seconds: float = CHECKPOINT_SECONDS):
        self.library = library
        self.remote = remote
        self.name = remote.name
        self.codec = codec or MendeleyCodec(remote.name)
        self.store = store or StateStore(library_root(library), remote.name)
        self.progress = progress or (lambda label, done, total: None)
        self.checkpoint_seconds = checkpoint_seconds
        self.state = self.store.load(remote.group)
        self._seq = 0
        self._ids = None
        self._key_bases: dict[str, str] = {}  # remote id -> key base, from the Mendeley JSON (cheap)

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

    # -- pull -------------------------------------------------------------------------------
    def pull(self, full: bool = False) -> PullReport:
        report = PullReport()
        start = self.remote.requests
        report.recovered = self.recover()
        st = self.state
        last_full = _parse(st.last_full)
        since = _since(st.cursor) if st.cursor else None
        full = full or since is None or last_full is None or (
            _parse(st.cursor) is not None and _parse(st.cursor) - last_full > FULL_EVERY)
        report.full = full
        self.progress("listing", 0, 0)
        docs = self.remote.documents_since(None if full else since)
        cursor = docs.cursor
        trash = self.remote.trash(None if full else since)
        deleted = [] if full else self.remote.deletions_since(since).records
        notes = self.remote.annotations_since(None if full else since)
        note_deletions = [] if full else self.remote.annotation_deletions_since(since).records
        records = docs.records
        if full:
            records = records + self._confirm_missing(records, trash.records)
        changes = self._remote_changes(records, trash.records, deleted, notes.records, note_deletions, full)
        markers = {c.citation_key.lower() for c in changes if c.citation_key and c.id not in st.docs}
        actions = plan_pull(self.local_refs({c.id for c in changes}, markers), st, changes) if changes else []
        taken = self._taken_keys()
        total = len(actions)
        for i, action in enumerate(actions, 1):
            self._apply_pull(action, taken, report)
            if i % 500 == 0 or i == total:
                self.progress("merging", i, total)
        st.cursor = cursor
        if full:
            st.last_full = cursor
        st.last_pull = cursor
        self._save()
        report.open_conflicts = len(st.conflicts)
        report.requests = self.remote.requests - start
        report.problems = list(self.codec.problems)
        return report

    def _confirm_missing(self, docs: list[RemoteRecord], trashed: list[RemoteRecord]) -> list[RemoteRecord]:
        """A full pull removes only what the group says is gone: every known document
        the listing did not bring is asked for by id.  Returns those still there
        (a listing glitch must never delete a reference the group still has)."""
        listed = {r.id for r in docs} | {r.id for r in trashed}
        known = set(self.state.docs) | set(self.state.conflicts) | {
            r.remote_ids[self.name] for r in self.library.references if self.name in r.remote_ids}
        found = []
        for ident in sorted(known - listed):
            if not REMOTE_ID_PATTERN.fullmatch(ident):
                continue
            try:
                found.append(self.remote.get(ident))
            except NotFound:
                continue  # gone (or in the trash, which was listed)
        if found:
            self.codec.problems.append(f"{len(found)} document(s) missing from the group's listing are still "
                                       f"there (asked one by one); kept")
        return found

    def _remote_changes(self, docs: list[RemoteRecord], trashed: list[RemoteRecord], deleted: list[RemoteRecord],
                        notes: list[RemoteRecord], note_deletions: list[RemoteRecord], full: bool) -> list[RemoteDoc]:
        st = self.state
        by_note = {d.note_id: ident for ident, d in st.docs.items() if d.note_id}
        note_of = group_notes(notes)
        gone_notes = {by_note[n.id] for n in note_deletions if n.id in by_note}
        out: list[RemoteDoc] = []
        listed: set[str] = set()
        for rec in docs:
            listed.add(rec.id)
            try:
                data = self.codec.check(rec.data)
            except BadDocument as exc:  # reported and skipped; never taken as "no longer listed"
                self.codec.problems.append(f"{rec.id or 'a document'}: {exc}; skipped")
                continue
            base = st.docs.get(rec.id)
            note = note_of.get(rec.id)
            if note is not None:
                text, nid, nver = note.data.get("text") or "", note.id, note.version
            elif base is not None and base.note_id and not full and rec.id not in gone_notes:
                text, nid, nver = self.codec.note_text(base.remote), base.note_id, base.note_version
            else:
                text, nid, nver = None, "", ""
            out.append(RemoteDoc(rec.id, rec.version, self.codec.to_snapshot(data, text), "", nid, nver,
                                 str(data.get("citation_key") or "")))
            if base is None:
                people = data.get("authors") or data.get("editors") or [{}]
                self._key_bases[rec.id] = key_base(str(people[0].get("last_name") or ""),
                                                   str(data.get("year") or ""), str(data.get("title") or ""))
        # Notes that changed on documents that did not.  A note is no evidence that its
        # document exists: a full listing names every live document, and a document
        # deleted or trashed since the last pull is not brought back by its note.
        gone = {r.id for r in trashed} | {r.id for r in deleted}
        for ident in sorted((set(note_of) | gone_notes) - listed - gone):
            base = st.docs.get(ident)
            if base is None or full:
                continue
            remote = dict(base.remote)
            note = note_of.get(ident)
            content = self.codec.note_content(note.data.get("text")) if note else None
            if content is None:
                remote.pop(ANNOTATION_FIELD, None)
            else:
                remote[ANNOTATION_FIELD] = content
            out.append(RemoteDoc(ident, base.version, remote, "", note.id if note else "",
                                 note.version if note else ""))
            listed.add(ident)
        for rec in trashed:
            out.append(RemoteDoc(rec.id, rec.version, None, "trashed"))
            listed.add(rec.id)
        for rec in deleted:
            out.append(RemoteDoc(rec.id, "", None, "deleted"))
            listed.add(rec.id)
        if full:  # whatever we know that the group no longer lists is gone
            known = set(st.docs) | set(st.conflicts) | {
                r.remote_ids[self.name] for r in self.library.references if self.name in r.remote_ids}
            for ident in sorted(known - listed):
                out.append(RemoteDoc(ident, "", None, "deleted"))
        return out

    def _apply_pull(self, action, taken: set[str], report: PullReport) -> None:
        st = self.state
        ref = None
        if action.duplicate_of:
            # Known to the state but linked to nothing: the next push moves it to the trash.
            st.docs[action.id] = action.base
            report.duplicates.append(action.duplicate_of)
            return
        if action.library == ADD:
            key = action.citation_key
            if not key or not _KEY_OK.match(key) or key.lower() in taken:
                key = make_key(action.snapshot, taken, self._key_bases.get(action.id, ""))
            else:
                taken.add(key.lower())
            ref = to_reference(key, action.snapshot)
            ref.set_remote_id(self.name, action.id)
            self.library.add(ref)
            self._ids = None
            st.keys[action.id] = key
            report.added.append(key)
        elif action.library in (SET, REMOVE) or action.link:
            ref = self.ref_by_key(action.key)
            if ref is None:
                return
            if action.library == SET:
                apply_snapshot(ref, action.snapshot)
                report.updated.append(ref.key)
            elif action.library == REMOVE:
                self.library.remove(ref)
                self._ids = None
                report.removed.append(ref.key)
            if action.link:
                self._linked(ref, action.id)
                st.keys[action.id] = ref.key
        if action.base is not None:
            st.docs[action.id] = action.base
            if action.id not in st.keys and action.key:
                st.keys[action.id] = ref.key if ref is not None else action.key
        elif action.drop_base:
            st.docs.pop(action.id, None)
        if action.conflict is not None:
            st.conflicts[action.id] = action.conflict
            report.conflicts.append(action.conflict.key)
        elif action.close_conflict:
            st.conflicts.pop(action.id, None)

    # -- push -------------------------------------------------------------------------------
    def plan(self) -> PushPlan:
        key_of = {c.id: c.key for c in self.state.conflicts.values()}
        return plan_push(self.local_refs(), self.state, key_of)

    def push(self, dry_run: bool = False) -> PushReport:
        errors = [p for p in self.library.problems if p.severity == "error"]
        if errors:
            # An entry the reader could not parse is missing from the references: pushing
            # now would move its group document to the trash.
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            raise SyncError(f"not pushing: the library has an error: {errors[0]}{more}; "
                            f"fix it first (balintbib check)")
        report = PushReport()
        start = self.remote.requests
        if not dry_run:
            report.recovered = self.recover()
        plan = self.plan()
        report.skipped = plan.skipped
        if dry_run:
            report.planned = [op.describe() for op in plan.ops]
            report.open_conflicts = len(self.state.conflicts)
            return report
        ops = list(plan.ops)
        creates = [op for op in ops if op.kind == CREATE]
        if creates:
            ops = self._adopt_existing(ops, creates, report)
        total = len(ops)
        done = 0
        last_checkpoint = time.monotonic()
        try:
            for op in ops:
                if op.kind == CREATE:
                    self._create(op, report)
                elif op.kind == UPDATE:
                    self._update(op, report)
                elif op.kind == TRASH:
                    self._trash(op, report)
                done += 1
                self.progress("pushing", done, total)
                if time.monotonic() - last_checkpoint > self.checkpoint_seconds:
                    self._save()
                    last_checkpoint = time.monotonic()
        except PermissionDenied as exc:
            self._keep()
            left = total - done
            raise SyncError(f"push refused by the group: {exc}; {left} local change(s) not sent are kept "
                            f"in the library (ask a group admin for write access)") from None
        except BaseException:
            self._keep()
            raise
        if report.created or report.updated or report.trashed or report.linked or report.recovered:
            self.state.last_push = _iso(datetime.now(UTC))  # "last push" is the last one that sent something
        self._save()
        report.open_conflicts = len(self.state.conflicts)
        report.requests = self.remote.requests - start
        return report

    def _journal(self, entry: dict) -> None:
        self.store.journal.append(entry, durable=entry.get("step") == "intent")

    def _next(self) -> int:
        self._seq += 1
        return self._seq

    def _adopt_existing(self, ops: list[PushOp], creates: list[PushOp], report: PushReport) -> list[PushOp]:
        """Before creating, look for the same documents already in the group (same DOI or
        title, or our own marker): they are linked and merged instead of duplicated."""
        from .plan import UnlinkedIndex

        since = _since(self.state.cursor) if self.state.cursor else None
        listing = self.remote.documents_since(since)
        unknown = [r for r in listing.records if r.id not in self.state.docs and r.id not in self.state.conflicts
                   and self.ref_by_id(r.id) is None]
        if not unknown:
            return ops
        index = UnlinkedIndex([LocalRef(op.key, op.ours) for op in creates])
        markers = {str(r.data.get("citation_key") or "").lower() for r in unknown}
        linked_keys = {r.key.lower(): r for r in self.local_refs(set(), markers) if r.remote_id}
        adopted: dict[str, PushOp] = {}
        for rec in unknown:
            theirs = self.codec.to_snapshot(rec.data, None)
            doc = RemoteDoc(rec.id, rec.version, theirs, citation_key=str(rec.data.get("citation_key") or ""))
            if own_duplicate(doc, linked_keys) is not None:
                self.state.docs[rec.id] = DocState.make(theirs, theirs, rec.version)
                ops.append(PushOp(TRASH, doc.citation_key, rec.id, {}, self.state.docs[rec.id]))
                continue
            match = index.find(theirs, str(rec.data.get("citation_key") or ""))
            if match is None:
                continue
            ref = self.ref_by_key(match.key)
            if ref is None:
                continue
            note = self.remote.group_note(rec.id)  # rare: one request per document found again
            if note is not None:
                theirs = self.codec.to_snapshot(rec.data, note.data.get("text") or None)
            note_ids = (note.id, note.version) if note is not None else ("", "")
            result = merge({}, snapshot(ref), theirs, agree=equivalent)
            apply_snapshot(ref, result.merged)
            self._linked(ref, rec.id)
            self.state.keys[rec.id] = ref.key
            report.linked.append(ref.key)
            if result.clean:
                base = DocState.make(result.synced_base({}), theirs, rec.version, *note_ids)
                self.state.docs[rec.id] = base
                if snapshot(ref) != base.local:
                    adopted[match.key.lower()] = PushOp(UPDATE, ref.key, rec.id, snapshot(ref), base)
                else:
                    adopted[match.key.lower()] = None  # type: ignore[assignment]
            else:
                remote = {k: v for k, v in theirs.items() if k not in {c.name for c in result.conflicts}}
                self.state.docs[rec.id] = DocState.make(result.synced_base({}), remote, "")
                self.state.conflicts[rec.id] = Conflict(rec.id, ref.key, FIELDS, result.conflicts, theirs,
                                                        rec.version, note_ids)
                report.conflicts.append(ref.key)
                adopted[match.key.lower()] = None  # type: ignore[assignment]
        if adopted:
            self._save()
        out = []
        for op in ops:
            if op.kind == CREATE and op.key.lower() in adopted:
                if adopted[op.key.lower()] is not None:
                    out.append(adopted[op.key.lower()])
                continue
            out.append(op)
        return out

    def _create(self, op: PushOp, report: PushReport) -> None:
        ours = {k: v for k, v in op.ours.items() if k != ANNOTATION_FIELD}
        body = self.codec.to_document(ours, op.key)
        seq = self._next()
        self._journal({"seq": seq, "op": "create", "step": "intent", "key": op.key, "ours": ours})
        rec = self.remote.create(body)
        remote = self.codec.to_snapshot({**body, **rec.data}, None)
        self._journal({"seq": seq, "op": "create", "step": "done", "key": op.key, "id": rec.id,
                       "version": rec.version, "ours": ours, "remote": remote})
        self._link_created(op.key, rec.id, ours, remote, rec.version)
        report.created.append(op.key)
        if op.ours.get(ANNOTATION_FIELD):
            self._push_note(rec.id, op.key, op.ours)

    def _link_created(self, key: str, ident: str, ours: Snapshot, remote: Snapshot, version: str) -> None:
        ref = self.ref_by_key(key)
        if ref is None or (ref.remote_ids.get(self.name) not in (None, ident)):
            ref = next((r for r in self.library.references
                        if self.name not in r.remote_ids and {k: v for k, v in snapshot(r).items()
                                                              if k != ANNOTATION_FIELD} == ours), None)
        if ref is not None:
            self._linked(ref, ident)
        self.state.keys[ident] = ref.key if ref is not None else key
        self.state.docs[ident] = DocState.make(ours, remote, version, provisional=True)

    def _update(self, op: PushOp, report: PushReport) -> None:
        base = op.base
        assert base is not None
        ours = op.ours
        ref = self.ref_by_id(op.id)
        title = to_reference("_", ours).title or None
        if base.restore:
            try:
                self.remote.restore(op.id, title=title)
            except NotFound:  # deleted for good meanwhile: send it as a new document
                if ref is not None:
                    self._linked(ref, None)
                self.state.docs.pop(op.id, None)
                self._create(PushOp(CREATE, op.key, ours=ours), report)
                return
            base = DocState(base.local, base.version, dict(base.remote_delta), base.note_id, base.note_version,
                            base.provisional, restore=False)
            self.state.docs[op.id] = base
            merged = self._refetch_and_merge(op, base, ours, ref, report)  # restoring moved its version
            if merged is None:
                return
            base, ours = merged
        for _attempt in range(MAX_412_RETRIES + 1):
            ours_fields = {k: v for k, v in ours.items() if k != ANNOTATION_FIELD}
            base_fields = {k: v for k, v in base.local.items() if k != ANNOTATION_FIELD}
            changes = self.codec.patch(base_fields, ours_fields, op.key)
            if op.old_key and op.old_key != op.key:
                changes["citation_key"] = op.key
            with_note = dict(ours_fields)
            if ANNOTATION_FIELD in base.local:
                with_note[ANNOTATION_FIELD] = base.local[ANNOTATION_FIELD]
            if not changes:
                base = DocState.make(with_note, base.remote, base.version, base.note_id, base.note_version,
                                     base.provisional)
                self.state.docs[op.id] = base
                self.state.keys[op.id] = op.key
                break
            seq = self._next()
            try:
                rec = self.remote.update(op.id, changes, base.version, title=title)
            except PreconditionFailed:
                merged = self._refetch_and_merge(op, base, ours, ref, report)
                if merged is None:
                    return
                base, ours = merged
                continue
            except NotFound:
                self._open(Conflict(op.id, op.key, DELETED_REMOTELY, [], None, "", gone="deleted"), report)
                return
            remote = self.codec.to_snapshot(rec.data, self.codec.note_text(base.remote) or None)
            base = DocState.make(with_note, remote, rec.version, base.note_id, base.note_version)
            self._journal({"seq": seq, "op": "update", "step": "done", "id": op.id, "key": op.key,
                           "base": base.to_json()})
            self.state.docs[op.id] = base
            self.state.keys[op.id] = op.key
            break
        else:
            raise SyncError(f"update {op.key}: the group copy kept changing ({MAX_412_RETRIES} retries); "
                            f"run push again later")
        report.updated.append(op.key)
        if ours.get(ANNOTATION_FIELD) != base.local.get(ANNOTATION_FIELD):
            self._push_note(op.id, op.key, ours)

    def _refetch_and_merge(self, op: PushOp, base: DocState, ours: Snapshot, ref: Reference | None,
                           report: PushReport) -> tuple[DocState, Snapshot] | None:
        """412: someone changed the document since our ancestor.  Merge and go on, or open a conflict."""
        try:
            rec = self.remote.get(op.id)
        except NotFound:
            self._open(Conflict(op.id, op.key, DELETED_REMOTELY, [], None, "", gone="deleted"), report)
            return None
        theirs = self.codec.to_snapshot(rec.data, self.codec.note_text(base.remote) or None)
        result = merge(base.local, ours, theirs, theirs_base=base.remote_against(theirs), agree=equivalent)
        if ref is not None and result.merged != ours:
            apply_snapshot(ref, result.merged)
        if not result.clean:
            self._open(Conflict(op.id, op.key, FIELDS, result.conflicts, theirs, rec.version,
                                (base.note_id, base.note_version)), report)
            self._save()
            return None
        new_base = DocState.make(result.synced_base(base.local), theirs, rec.version, base.note_id, base.note_version)
        self.state.docs[op.id] = new_base
        self._save()  # the library now holds their changes: keep them before sending ours
        return new_base, result.merged

    def _open(self, conflict: Conflict, report: PushReport) -> None:
        self.state.conflicts[conflict.id] = conflict
        report.conflicts.append(conflict.key)

    def _push_note(self, ident: str, key: str, ours: Snapshot) -> None:
        base = self.state.docs[ident]
        content = ours.get(ANNOTATION_FIELD)
        text = self.codec.note_text(ours) if content else ""
        seq = self._next()
        self._journal({"seq": seq, "op": "note", "step": "intent", "id": ident, "content": content, "text": text})
        note_id, note_version = base.note_id, base.note_version
        if text and note_id:
            try:
                rec = self.remote.update_note(note_id, text, note_version, ident)
                note_id, note_version = rec.id, rec.version
            except PreconditionFailed:
                current = self.remote.group_note(ident)
                theirs_text = current.data.get("text", "") if current else ""
                if theirs_text.strip() != text.strip():
                    theirs = dict(base.remote)
                    theirs_content = self.codec.note_content(theirs_text)
                    if theirs_content is None:
                        theirs.pop(ANNOTATION_FIELD, None)
                    else:
                        theirs[ANNOTATION_FIELD] = theirs_content
                    from .merge import FieldConflict
                    self.state.conflicts[ident] = Conflict(
                        ident, key, FIELDS,
                        [FieldConflict(ANNOTATION_FIELD, base.local.get(ANNOTATION_FIELD), content, theirs_content)],
                        theirs, base.version, (current.id if current else "", current.version if current else ""))
                    return
                note_id, note_version = current.id, current.version
            except NotFound:
                rec = self.remote.create_note(ident, text)
                note_id, note_version = rec.id, rec.version
        elif text:
            rec = self.remote.create_note(ident, text)
            note_id, note_version = rec.id, rec.version
        elif note_id:
            self.remote.delete_note(note_id, ident)
            note_id, note_version = "", ""
        self._journal({"seq": seq, "op": "note", "step": "done", "id": ident, "content": content,
                       "note": [note_id, note_version], "text": text})
        self._set_note_base(ident, content, note_id, note_version)

    def _set_note_base(self, ident: str, content: str | None, note_id: str, note_version: str) -> None:
        base = self.state.docs.get(ident)
        if base is None:
            return
        local, remote = dict(base.local), base.remote
        remote_content = self.codec.note_content(self.codec.note_text({ANNOTATION_FIELD: content})) if content else None
        for snap, value in ((local, content), (remote, remote_content)):
            if value is None:
                snap.pop(ANNOTATION_FIELD, None)
            else:
                snap[ANNOTATION_FIELD] = value
        self.state.docs[ident] = DocState.make(local, remote, base.version, note_id, note_version, base.provisional)

    def _trash(self, op: PushOp, report: PushReport) -> None:
        base = op.base
        assert base is not None
        try:
            rec = self.remote.get(op.id)
        except NotFound:
            self.state.docs.pop(op.id, None)
            report.trashed.append(op.key or op.id)
            return
        if norm_version(rec.version) != norm_version(base.version):
            theirs = self.codec.to_snapshot(rec.data, self.codec.note_text(base.remote) or None)
            if theirs != base.remote_against(theirs):
                self._open(Conflict(op.id, op.key or str(rec.data.get("citation_key") or op.id), DELETED_LOCALLY,
                                    [], theirs, rec.version, (base.note_id, base.note_version)), report)
                return
        seq = self._next()  # no intent needed: trashing again is harmless (404 = done)
        try:
            self.remote.move_to_trash(op.id, title=str(rec.data.get("title") or "") or None)
        except NotFound:
            pass
        self._journal({"seq": seq, "op": "trash", "step": "done", "id": op.id})
        self.state.docs.pop(op.id, None)
        report.trashed.append(op.key or op.id)

    # -- after a crash ----------------------------------------------------------------------
    def recover(self) -> int:
        """Finish what an interrupted push left in the journal; returns the operations recovered."""
        entries = self.store.journal.entries()
        if not entries:
            return 0
        # A process's numbering restarts at 1: keep each run's entries apart by position.
        runs: list[list[dict]] = [[]]
        last = 0
        for e in entries:
            if e.get("seq", 0) < last:
                runs.append([])
            last = e.get("seq", 0)
            runs[-1].append(e)
        listing = None
        count = 0
        for run in runs:
            steps: dict[int, dict[str, dict]] = {}
            for e in run:
                steps.setdefault(e["seq"], {})[e["step"]] = e
            for seq in sorted(steps):
                s = steps[seq]
                done, intent = s.get("done"), s.get("intent")
                op = (done or intent or {}).get("op")
                count += 1
                if op == "create":
                    if done:
                        self._link_created(done["key"], done["id"], done["ours"], done["remote"], done["version"])
                    else:
                        if listing is None:
                            since = _since(self.state.cursor) if self.state.cursor else None
                            listing = self.remote.documents_since(since).records
                        self._find_lost_create(intent, listing)
                elif op == "update" and done:
                    self.state.docs[done["id"]] = DocState.from_json(done["base"])
                    self.state.keys[done["id"]] = done["key"]
                elif op == "trash" and done:
                    self.state.docs.pop(done["id"], None)
                elif op == "note":
                    if done:
                        nid, nver = done["note"]
                        self._set_note_base(done["id"], done.get("content"), nid, nver)
                    elif intent and done is None:
                        current = self.remote.group_note(intent["id"])
                        if current is not None and intent.get("text") and \
                                (current.data.get("text") or "").strip() == intent["text"].strip():
                            self._set_note_base(intent["id"], intent.get("content"), current.id, current.version)
                        elif current is None and not intent.get("text"):
                            self._set_note_base(intent["id"], None, "", "")
        self._save()
        return count

    def _find_lost_create(self, intent: dict, records: list[RemoteRecord]) -> None:
        key = intent["key"]
        ours = intent["ours"]
        known = set(self.state.docs) | {r.remote_ids.get(self.name) for r in self.library.references}
        for rec in records:
            if rec.id in known:
                continue
            if str(rec.data.get("citation_key") or "").lower() != key.lower():
                continue
            remote = self.codec.to_snapshot(rec.data, None)
            if title_key(remote) == title_key(ours) or (doi_of(ours) and doi_of(ours) == doi_of(remote)):
                self._link_created(key, rec.id, ours, remote, rec.version)
                return

    # -- status -----------------------------------------------------------------------------
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
            since = _since(self.state.cursor)
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

    # -- resolve ----------------------------------------------------------------------------
    def find_conflict(self, key: str) -> Conflict | None:
        low = key.lower()
        for c in self.state.conflicts.values():
            ref = self.ref_by_id(c.id)
            if c.key.lower() == low or (ref is not None and ref.key.lower() == low):
                return c
        return None

    def resolve(self, key: str, choice: str, values: dict[str, str | None] | None = None) -> Conflict:
        """Settle the conflict on `key`: ``ours``, ``theirs`` or ``edit`` (with `values`)."""
        c = self.find_conflict(key)
        if c is None:
            raise SyncError(f"no open conflict on {key!r} for remote {self.name!r}")
        st = self.state
        ref = self.ref_by_id(c.id)
        base = st.docs.get(c.id)
        if c.kind == FIELDS:
            if ref is None or c.theirs is None:
                raise SyncError(f"{key}: the reference is no longer in the library; pull again")
            base = base or DocState({}, "")
            ours = snapshot(ref)
            result = merge(base.local, ours, c.theirs, theirs_base=base.remote_against(c.theirs), agree=equivalent)
            new_local = result.synced_base(base.local)
            final = dict(result.merged)
            names = dict.fromkeys([fc.name for fc in c.fields] + [fc.name for fc in result.conflicts])
            for name in names:
                theirs_value = c.theirs.get(name)
                _put(new_local, name, theirs_value)
                if choice == "theirs":
                    _put(final, name, theirs_value)
                elif choice == "edit":
                    if values is None or name not in values:
                        raise SyncError(f"{key}: no value given for {name}")
                    _put(final, name, values[name])
            if TYPE_FIELD not in final:
                final[TYPE_FIELD] = ref.type
            apply_snapshot(ref, final)
            st.docs[c.id] = DocState.make(new_local, c.theirs, c.theirs_version, *c.theirs_note)
        elif c.kind == DELETED_REMOTELY:
            if choice == "edit":
                raise SyncError(f"{key}: deleted in the group; choose --ours (send it again) or --theirs (delete here)")
            if ref is not None:
                if choice == "ours" and c.gone == "trashed" and base is not None:
                    # The next push restores it from the trash (same id, its notes kept).
                    st.docs[c.id] = DocState(base.local, base.version, dict(base.remote_delta), base.note_id,
                                             base.note_version, base.provisional, restore=True)
                    st.conflicts.pop(c.id, None)
                    self._save()
                    return c
                if choice == "ours":
                    self._linked(ref, None)  # deleted for good: the next push creates it again
                else:
                    self.library.remove(ref)
                    self._ids = None
            st.docs.pop(c.id, None)
        elif c.kind == DELETED_LOCALLY:
            if choice == "edit":
                raise SyncError(f"{key}: deleted here; choose --ours (delete it in the group) or --theirs (bring it back)")
            if choice == "theirs" and c.theirs is not None:
                taken = self._taken_keys()
                k = c.key if c.key.lower() not in taken and _KEY_OK.match(c.key) else make_key(c.theirs, taken)
                new = to_reference(k, c.theirs)
                new.set_remote_id(self.name, c.id)
                self.library.add(new)
                self._ids = None
                st.keys[c.id] = k
                st.docs[c.id] = DocState.make(c.theirs, c.theirs, c.theirs_version, *c.theirs_note)
            elif c.theirs is not None:
                old = base.local if base else c.theirs
                st.docs[c.id] = DocState.make(old, c.theirs, c.theirs_version, *c.theirs_note)
        st.conflicts.pop(c.id, None)
        self._save()
        return c


def _put(snap: Snapshot, name: str, value: str | None) -> None:
    if value is None:
        snap.pop(name, None)
    else:
        snap[name] = value


def conflict_text(c: Conflict) -> str:
    """The conflicting fields as text to edit (``## field`` blocks, ours pre-filled)."""
    from .merge import display_value

    lines = [f"# Conflict on {c.key}: edit each value below, save and quit.",
             "# Lines starting with '#' are ignored; an empty value removes the field.", ""]
    for fc in c.fields:
        lines.append(f"## {fc.name}")
        lines.append(f"# base:   {display_value(fc.base)}")
        lines.append(f"# theirs: {display_value(fc.theirs)}")
        lines.append(f"# ours (kept below unless you change it):")
        lines.append(display_value(fc.ours) if fc.ours is not None else "")
        lines.append("")
    return "\n".join(lines)


def parse_conflict_text(c: Conflict, text: str) -> dict[str, str | None]:
    from .merge import EXPRESSION_MARK

    values: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
            values[current] = []
        elif line.startswith("#"):
            continue
        elif current is not None:
            values[current].append(line)
    out: dict[str, str | None] = {}
    for fc in c.fields:
        if fc.name not in values:
            raise SyncError(f"the edited text has no '## {fc.name}' block; nothing was changed")
        value = "\n".join(values[fc.name]).strip()
        if not value:
            out[fc.name] = None
        elif fc.name == TYPE_FIELD:
            out[fc.name] = value
        else:
            was_expr = any(v is not None and v.startswith(EXPRESSION_MARK) for v in (fc.ours, fc.theirs))
            same_as = next((v for v in (fc.ours, fc.theirs) if v is not None and v.lstrip(EXPRESSION_MARK) == value), None)
            out[fc.name] = same_as if same_as is not None else (EXPRESSION_MARK + value if was_expr and " " not in value else value)
    return out
