"""Carrying out one push operation: create, update (with its 412 merge), trash, and the group
note of a document.  `batch.py` sends many of each per request and comes back here for
the one object whose answer needs more (a 412, a document changed before its trashing).

Every operation keeps the journal discipline of `engine.py`: intent, request, result.
"""

from __future__ import annotations

from ..model import ANNOTATION_FIELD, Reference
from ..remotes.base import NotFound, PreconditionFailed, RemoteRecord
from .merge import FieldConflict, Snapshot, apply_snapshot, equivalent, merge, snapshot, to_reference
from .plan import CREATE, PushOp, norm_version
from .reports import PushReport, SyncError
from .state import DELETED_LOCALLY, DELETED_REMOTELY, FIELDS, Conflict, DocState

MAX_412_RETRIES = 3


class Operations:
    """Mixed into `SyncEngine`: one push operation at a time."""

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

    def _changes(self, op: PushOp, base: DocState, ours: Snapshot) -> dict:
        """What to send to turn the synced `base` into `ours` (the annotation goes separately)."""
        ours_fields = {k: v for k, v in ours.items() if k != ANNOTATION_FIELD}
        base_fields = {k: v for k, v in base.local.items() if k != ANNOTATION_FIELD}
        changes = self.codec.patch(base_fields, ours_fields, op.key)
        if op.old_key and op.old_key != op.key:
            changes.update(self.codec.rename(op.key))
        return changes

    def _update(self, op: PushOp, report: PushReport, answer=None) -> None:
        """`answer`: the reply (record or error) to this update's first request, already sent."""
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
            changes = self._changes(op, base, ours)
            with_note = {k: v for k, v in ours.items() if k != ANNOTATION_FIELD}
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
                if answer is not None:
                    got, answer = answer, None
                    if isinstance(got, Exception):
                        raise got
                    rec = got
                else:
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
        if not self._may_trash(op, rec, report):
            return
        try:
            self.remote.move_to_trash(op.id, title=self.codec.title(rec.data) or None)
        except NotFound:
            pass
        self._trashed(op, report)

    def _may_trash(self, op: PushOp, rec: RemoteRecord, report: PushReport) -> bool:
        """False (and a conflict opened) when the group changed the document since the last sync."""
        base = op.base
        assert base is not None
        if norm_version(rec.version) != norm_version(base.version):
            theirs = self.codec.to_snapshot(rec.data, self.codec.note_text(base.remote) or None)
            if theirs != base.remote_against(theirs):
                self._open(Conflict(op.id, op.key or self.codec.marker(rec.data) or op.id, DELETED_LOCALLY,
                                    [], theirs, rec.version, (base.note_id, base.note_version)), report)
                return False
        return True

    def _trashed(self, op: PushOp, report: PushReport) -> None:
        seq = self._next()  # no intent needed: trashing again is harmless (404 = done)
        self._journal({"seq": seq, "op": "trash", "step": "done", "id": op.id})
        self.state.docs.pop(op.id, None)
        report.trashed.append(op.key or op.id)

