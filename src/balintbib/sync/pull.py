"""Pull: the group's changes since the cursor, planned by `plan.plan_pull`, applied to the library.

A full pull (the first, a weekly one for Mendeley, or when the remote cannot list changes
only) removes only what the group says is gone: a document missing from the listing is
asked for by id before its reference is touched.
"""

from __future__ import annotations

from ..formats.bibsafe import REMOTE_ID_PATTERN
from ..formats.mendeley_check import BadDocument
from ..model import ANNOTATION_FIELD
from ..remotes.base import NotFound, RemoteRecord
from .keys import KEY_OK, key_base, make_key
from .merge import apply_snapshot, to_reference
from .plan import ADD, REMOVE, SET, RemoteDoc, plan_pull
from .reports import PullReport, now_iso


class Pull:
    """Mixed into `SyncEngine`: `pull` and its steps."""

    def pull(self, full: bool = False) -> PullReport:
        report = PullReport()
        start = self.remote.requests
        report.recovered = self.recover()
        st = self.state
        since = self._since(st.cursor)
        full = full or since is None or self.remote.full_due(st.cursor, st.last_full)
        report.full = full
        self.progress("listing", 0, 0)
        docs = self.remote.documents_since(None if full else since)
        if docs.complete and not full:  # the remote could not list the changes only (its log is too short)
            full = report.full = True
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
        st.last_pull = cursor if self.remote.cursor_is_time else now_iso()  # for people to read
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
        note_of = self.remote.group_notes(notes)
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
                                 self.codec.marker(data)))
            if base is None:
                self._key_bases[rec.id] = key_base(*self.codec.key_parts(data))
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
            if not key or not KEY_OK.match(key) or key.lower() in taken:
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

