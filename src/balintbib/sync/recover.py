"""After a crash: what an interrupted push left in the journal, finished.

A done result is applied as it was meant to be; an intent without its result is settled
against the group: a create is found again by its marker (the library key, written as the
document's citation key) and its title or DOI, a note by its text.
"""

from __future__ import annotations

from ..remotes.base import RemoteRecord
from .plan import doi_of, title_key
from .state import DocState


class Recovery:
    """Mixed into `SyncEngine`: `recover`, run before every pull and push."""

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
                            listing = self.remote.documents_since(self._since(self.state.cursor)).records
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
            if self.codec.marker(rec.data).lower() != key.lower():
                continue
            remote = self.codec.to_snapshot(rec.data, None)
            if title_key(remote) == title_key(ours) or (doi_of(ours) and doi_of(ours) == doi_of(remote)):
                self._link_created(key, rec.id, ours, remote, rec.version)
                return
