"""Remote documents <-> snapshots, and the small remote protocol the engine speaks.

`MendeleyCodec` converts with `balintbib.formats.mendeley`; `RemoteAdapter`
wraps a `MendeleyClient` into the handful of calls the engine needs (the
document calls of `balintbib.remotes.base.Remote` plus the group note).
A Zotero remote would bring its own pair.
"""

from __future__ import annotations

from ..formats import mendeley as fmt
from ..formats.bibsafe import strip_controls
from ..model import ANNOTATION_FIELD, Reference
from ..remotes.base import Listing, NotFound, RemoteRecord
from .merge import Snapshot, snapshot, to_reference


#: Library fields that describe the group *copy* rather than the reference:
#: Mendeley's bookkeeping (who added it, when, whether a file is attached) and a
#: user's view of it (read, starred, hidden... the "client" view).  A sync does
#: not copy them into the library and never changes them in Mendeley; a library
#: entry that has them keeps them.  Without this, every librarian's pull would
#: write their own Mendeley view into the shared BibTeX.
SERVER_FIELDS = frozenset(
    [table[name] for name in fmt.READ_ONLY for table in (fmt.TEXT_FIELDS, fmt.FLAG_FIELDS) if name in table]
    + list(fmt.FLAG_FIELDS.values())
)


class MendeleyCodec:
    def __init__(self, remote: str):
        self.remote = remote
        #: What documents held that could not be taken (``"id: line"``), for the report.
        self.problems: list[str] = []

    def check(self, doc) -> dict:
        """A listed document with only well-shaped values; `BadDocument` for one
        that is not a document at all (see `balintbib.formats.mendeley_check`)."""
        clean, problems = fmt.clean_document(doc, require_id=True)
        for line in problems:
            self._note(doc, line)
        return clean

    def to_snapshot(self, doc: dict, note: str | None) -> Snapshot:
        """A document (and its group note's text) as the library would hold it.

        What the document holds that cannot be taken (a value of the wrong
        shape, an unsafe stored field...) is left out and noted in `problems`."""
        # The format restores the library's spelling from the stash in client_data
        # only while Mendeley's value is unchanged, so a group edit always shows.
        if note is not None and not isinstance(note, str):
            self._note(doc, "group note: not text; left out")
            note = None
        read = fmt.from_mendeley(doc, remote=self.remote, note=note, key="_")
        for line in read.problems:
            self._note(doc, line)
        ref = read.reference
        snap = snapshot(ref)
        for name in SERVER_FIELDS:
            snap.pop(name, None)
        return snap

    def _note(self, doc, line: str) -> None:
        ident = doc.get("id") if isinstance(doc, dict) else None
        entry = f"{ident or 'a document'}: {line}"
        if entry not in self.problems:
            self.problems.append(entry)

    def to_document(self, snap: Snapshot, key: str) -> dict:
        """What to POST: every writable field, the library key as ``citation_key`` (the marker)."""
        ref = to_reference(key, {k: v for k, v in snap.items() if k != ANNOTATION_FIELD})
        return fmt.writable(fmt.to_mendeley(ref, self.remote))

    def patch(self, before: Snapshot, after: Snapshot, key: str) -> dict:
        """The PATCH body turning `before` into `after` (``None`` clears a field)."""
        return fmt.changed_fields(self.to_document(before, key), self.to_document(after, key))

    @staticmethod
    def note_text(snap: Snapshot) -> str:
        return to_reference("_", {k: v for k, v in snap.items() if k == ANNOTATION_FIELD or k == "@type"}).annotation

    @staticmethod
    def note_content(text: str | None) -> str | None:
        """The ``annotation`` content a note's text comes back as."""
        if not text or not isinstance(text, str):
            return None
        text = strip_controls(text)
        ref = Reference("_")
        ref.annotation = text
        return ref.fields.get(ANNOTATION_FIELD)


class RemoteAdapter:
    """The calls the engine makes, over a `MendeleyClient`."""

    def __init__(self, client):
        self.client = client
        self.name = client.name
        self.group = client.group_id

    @property
    def requests(self) -> int:
        return self.client.requests

    def documents_since(self, cursor: str | None) -> Listing:
        return self.client.documents_since(cursor)

    def deletions_since(self, cursor: str) -> Listing:
        return self.client.deletions_since(cursor)

    def trash(self, cursor: str | None) -> Listing:
        return self.client.trash(cursor)

    def annotations_since(self, cursor: str | None) -> Listing:
        return self.client.annotations_since(cursor)

    def annotation_deletions_since(self, cursor: str) -> Listing:
        return self.client.annotation_deletions_since(cursor)

    def get(self, document_id: str) -> RemoteRecord:
        return self.client.get(document_id)

    def create(self, body: dict) -> RemoteRecord:
        return self.client.create(body)

    def update(self, document_id: str, changes: dict, base_version: str, title: str | None = None) -> RemoteRecord:
        return self.client.update(document_id, changes, base_version, title=title)

    def move_to_trash(self, document_id: str, title: str | None = None) -> None:
        self.client.move_to_trash(document_id, title=title)

    def restore(self, document_id: str, title: str | None = None) -> None:
        self.client.restore(document_id, title=title)

    # -- the group note of a document
    def group_note(self, document_id: str) -> RemoteRecord | None:
        from ..remotes.mendeley import MT_ANNOTATION, group_notes

        listing = self.client.listing("/annotations", {"document_id": document_id, "group_id": self.group,
                                                       "limit": 200}, MT_ANNOTATION,
                                      f"list the notes of document {document_id}")
        return group_notes(listing.records).get(document_id)

    def create_note(self, document_id: str, text: str) -> RemoteRecord:
        return self.client.create_annotation({"document_id": document_id, "text": text, "privacy_level": "group"})

    def update_note(self, note_id: str, text: str, base_version: str, document_id: str) -> RemoteRecord:
        return self.client.update_annotation(note_id, {"text": text}, base_version or None, document_id=document_id)

    def delete_note(self, note_id: str, document_id: str) -> None:
        try:
            self.client.delete_annotation(note_id, document_id=document_id)
        except NotFound:
            pass


def group_notes(records: list[RemoteRecord]) -> dict[str, RemoteRecord]:
    from ..remotes.mendeley import group_notes as _group_notes

    return _group_notes(records)


class OfflineRemote:
    """Stands in for the remote where no request is needed (resolve, status --offline)."""

    requests = 0

    def __init__(self, name: str, group: str = ""):
        self.name = name
        self.group = group

    def __getattr__(self, attr):
        raise RuntimeError(f"offline: {attr} needs the network")
