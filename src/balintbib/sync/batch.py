"""Pushing many objects per request, for remotes that can (Zotero: 50 per POST).

Mixed into `SyncEngine` beside `operations.py` (one object at a time), with the same
journal discipline (an intent for each object before the request, its own result after),
and each object's answer handled on its own (a failed one leaves the others done; a 412 on an update is
merged and resent alone by `Operations._update`, a document changed before its trashing
is asked about again by `Operations._trash`).
"""

from __future__ import annotations

from ..model import ANNOTATION_FIELD
from ..remotes.base import NotFound, PreconditionFailed
from .merge import Snapshot
from .plan import PushOp
from .reports import PushReport


class BatchPush:
    def _create_many(self, ops: list[PushOp], report: PushReport) -> None:
        """Creates sent together (one request per batch): an intent for each first, then each
        object's own result; a failed object leaves the others done and is raised after them."""
        todo = []
        for op in ops:
            ours = {k: v for k, v in op.ours.items() if k != ANNOTATION_FIELD}
            seq = self._next()
            self._journal({"seq": seq, "op": "create", "step": "intent", "key": op.key, "ours": ours})
            todo.append((op, ours, self.codec.to_document(ours, op.key), seq))
        results = self.remote.create_many([body for _, _, body, _ in todo])
        failure = None
        created = []
        for (op, ours, body, seq), rec in zip(todo, results):
            if isinstance(rec, Exception):
                failure = failure or rec
                continue
            remote = self.codec.to_snapshot({**body, **rec.data}, None)
            self._journal({"seq": seq, "op": "create", "step": "done", "key": op.key, "id": rec.id,
                           "version": rec.version, "ours": ours, "remote": remote})
            self._link_created(op.key, rec.id, ours, remote, rec.version)
            report.created.append(op.key)
            created.append((op, rec))
        annotated = [(op, rec) for op, rec in created if op.ours.get(ANNOTATION_FIELD)]
        if annotated and hasattr(self.remote, "create_notes"):
            self._create_notes([(rec.id, op.ours) for op, rec in annotated])
        else:
            for op, rec in annotated:
                self._push_note(rec.id, op.key, op.ours)
        if failure is not None:
            raise failure

    def _create_notes(self, items: list[tuple[str, Snapshot]]) -> None:
        """The notes of new documents, sent together: an intent for each, then each result."""
        todo = []
        for ident, ours in items:
            content = ours.get(ANNOTATION_FIELD)
            text = self.codec.note_text(ours)
            seq = self._next()
            self._journal({"seq": seq, "op": "note", "step": "intent", "id": ident, "content": content, "text": text})
            todo.append((ident, content, text, seq))
        results = self.remote.create_notes([(ident, text) for ident, _, text, _ in todo])
        failure = None
        for (ident, content, text, seq), rec in zip(todo, results):
            if isinstance(rec, Exception):
                failure = failure or rec
                continue
            self._journal({"seq": seq, "op": "note", "step": "done", "id": ident, "content": content,
                           "note": [rec.id, rec.version], "text": text})
            self._set_note_base(ident, content, rec.id, rec.version)
        if failure is not None:
            raise failure

    def _update_many(self, ops: list[PushOp], report: PushReport) -> None:
        """Updates sent together: the first try of each in one request per batch; each object's
        answer then goes through `_update` (a 412 merges and resends that one alone)."""
        sent = []
        for op in ops:
            assert op.base is not None
            changes = {} if op.base.restore else self._changes(op, op.base, op.ours)
            if changes:
                sent.append((op, changes))
        answers = dict(zip([op.id for op, _ in sent], self.remote.update_many(
            [(op.id, changes, op.base.version) for op, changes in sent]))) if sent else {}
        for op in ops:
            self._update(op, report, answers.get(op.id))

    def _trash_many(self, ops: list[PushOp], report: PushReport) -> None:
        """Deletions sent together: the documents read in one request, the unchanged ones
        trashed in one; one that changed meanwhile (412) goes through `_trash` alone."""
        current = self.remote.get_many([op.id for op in ops])
        go = []
        for op in ops:
            rec = current.get(op.id)
            if rec is None:  # gone already (or in the trash)
                self.state.docs.pop(op.id, None)
                report.trashed.append(op.key or op.id)
            elif self._may_trash(op, rec, report):
                go.append((op, rec))
        answers = self.remote.trash_many([(op.id, rec.version) for op, rec in go]) if go else []
        failure = None
        for (op, _rec), answer in zip(go, answers):
            if answer is None or isinstance(answer, NotFound):
                self._trashed(op, report)
            elif isinstance(answer, PreconditionFailed):
                self._trash(op, report)
            else:
                failure = failure or answer
        if failure is not None:
            raise failure
