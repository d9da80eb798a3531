"""Push: the library's changes since the last sync (`plan.plan_push`), sent one operation at a
time (`operations.py`) or many per request (`batch.py`), with checkpoints.

Before any create the group is searched for the same documents (same DOI or title, or our
own marker): those are linked and merged instead of created twice.
"""

from __future__ import annotations

import time

from ..remotes.base import PermissionDenied
from .merge import apply_snapshot, equivalent, merge, snapshot
from .plan import CREATE, TRASH, UPDATE, LocalRef, PushOp, PushPlan, RemoteDoc, UnlinkedIndex, own_duplicate, plan_push
from .reports import PushReport, SyncError, now_iso
from .state import FIELDS, Conflict, DocState


class Push:
    """Mixed into `SyncEngine`: `plan`, `push` and the search for creates already in the group."""

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
        self.remote.begin_writes(self.state.cursor)
        creates = [op for op in ops if op.kind == CREATE]
        if creates:
            ops = self._adopt_existing(ops, creates, report)
        total = len(ops)
        done = 0
        last_checkpoint = time.monotonic()
        try:
            batch_size = getattr(self.remote, "write_batch", 0)  # a remote that writes many per request
            i = 0
            while i < len(ops):
                op = ops[i]
                step = 1
                if op.kind in (CREATE, UPDATE, TRASH) and batch_size > 1:
                    while i + step < len(ops) and ops[i + step].kind == op.kind and step < batch_size:
                        step += 1
                    if op.kind == CREATE:
                        self._create_many(ops[i:i + step], report)
                    elif op.kind == UPDATE:
                        self._update_many(ops[i:i + step], report)
                    else:
                        self._trash_many(ops[i:i + step], report)
                elif op.kind == CREATE:
                    self._create(op, report)
                elif op.kind == UPDATE:
                    self._update(op, report)
                elif op.kind == TRASH:
                    self._trash(op, report)
                i += step
                done += step
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
            self.state.last_push = now_iso()  # "last push" is the last one that sent something
        self.state.cursor = self.remote.end_writes(self.state.cursor)
        self._save()
        report.open_conflicts = len(self.state.conflicts)
        report.requests = self.remote.requests - start
        return report

    def _adopt_existing(self, ops: list[PushOp], creates: list[PushOp], report: PushReport) -> list[PushOp]:
        """Before creating, look for the same documents already in the group (same DOI or
        title, or our own marker): they are linked and merged instead of duplicated."""
        since = self._since(self.state.cursor)
        listing = self.remote.documents_since(since)
        unknown = [r for r in listing.records if r.id not in self.state.docs and r.id not in self.state.conflicts
                   and self.ref_by_id(r.id) is None]
        if not unknown:
            return ops
        index = UnlinkedIndex([LocalRef(op.key, op.ours) for op in creates])
        markers = {self.codec.marker(r.data).lower() for r in unknown}
        linked_keys = {r.key.lower(): r for r in self.local_refs(set(), markers) if r.remote_id}
        adopted: dict[str, PushOp] = {}
        for rec in unknown:
            theirs = self.codec.to_snapshot(rec.data, None)
            doc = RemoteDoc(rec.id, rec.version, theirs, citation_key=self.codec.marker(rec.data))
            if own_duplicate(doc, linked_keys) is not None:
                self.state.docs[rec.id] = DocState.make(theirs, theirs, rec.version)
                ops.append(PushOp(TRASH, doc.citation_key, rec.id, {}, self.state.docs[rec.id]))
                continue
            match = index.find(theirs, self.codec.marker(rec.data))
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

