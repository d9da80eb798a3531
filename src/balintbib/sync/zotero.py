"""A Zotero group behind the sync engine's remote protocol (see `codec.RemoteAdapter`).

`ZoteroCodec` converts items with `balintbib.formats.zotero`; `ZoteroAdapter`
wraps a `ZoteroClient`.  What differs from Mendeley stays here:

* the cursor is the library version (an integer as text), exact, so no
  overlap and no periodic full reconciliation (``/deleted`` is exact too; its
  409 triggers a full pull);
* one pull is computed once per cursor: ``format=versions`` (304 = nothing
  changed: the whole pull is one request), the changed items by key, the
  deletion log; the listings the engine asks for (documents, trash, notes,
  deletions) are cut from it;
* the annotation is the child note whose key is `annotation_key` of its
  parent; its record's ``text`` is the note as plain text;
* creates choose their key (version 0), so a create resent after a lost
  answer finds its own item instead of making a second one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..formats import zotero as fmt
from ..formats.zotero_tables import SERVER_FIELDS
from ..model import ANNOTATION_FIELD
from ..remotes.base import Listing, NotFound, PreconditionFailed, RemoteRecord
from ..remotes.zotero import FullResync, ZoteroClient, record
from .codec import MendeleyCodec
from .merge import Snapshot, snapshot, to_reference


class ZoteroCodec:
    def __init__(self, remote: str):
        self.remote = remote
        #: What items held that could not be taken ("key: why"), for the report.
        self.problems: list[str] = []

    def check(self, data) -> dict:
        """A listed item with its control characters removed (and said); `BadDocument` for
        something that is not an item at all.  The mapping reads odd shapes without loss."""
        from ..formats.bibsafe import REMOTE_ID_PATTERN, control_characters, strip_controls
        from ..formats.mendeley_check import BadDocument

        if not isinstance(data, dict) or not isinstance(data.get("key"), str) \
                or not REMOTE_ID_PATTERN.fullmatch(data["key"]):
            raise BadDocument("not a Zotero item (no usable key)")
        touched: set[str] = set()

        def clean(value, top: str):
            if isinstance(value, str):
                if control_characters(value):
                    touched.add(top)
                    return strip_controls(value)
                return value
            if isinstance(value, list):
                return [clean(v, top) for v in value]
            if isinstance(value, dict):
                return {clean(k, top): clean(v, top) for k, v in value.items()}
            return value

        out = {k: clean(v, k) for k, v in data.items()}
        for name in sorted(n for n in touched if not n.startswith("_")):
            self._note(data, f"{name}: control character(s) removed")
        return out

    def _note(self, data, line: str) -> None:
        ident = data.get("key") if isinstance(data, dict) else None
        entry = f"{ident or 'an item'}: {line}"
        if entry not in self.problems:
            self.problems.append(entry)

    def to_snapshot(self, data: dict, note: str | None) -> Snapshot:
        read = fmt.from_zotero(data, remote=self.remote, note=note if isinstance(note, str) else None, key="_")
        for line in read.problems:
            self._note(data, line)
        ref = read.reference
        snap = snapshot(ref)
        for name in SERVER_FIELDS:
            snap.pop(name, None)
        return snap

    def to_document(self, snap: Snapshot, key: str) -> dict:
        ref = to_reference(key, {k: v for k, v in snap.items() if k != ANNOTATION_FIELD})
        data = fmt.to_zotero(ref, self.remote)
        data.pop("dateAdded", None)
        data.pop("dateModified", None)
        return data

    def patch(self, before: Snapshot, after: Snapshot, key: str) -> dict:
        return fmt.changed_fields(self.to_document(before, key), self.to_document(after, key))

    note_text = staticmethod(MendeleyCodec.note_text)
    note_content = staticmethod(MendeleyCodec.note_content)

    @staticmethod
    def marker(data: dict) -> str:
        return str(data.get("citationKey") or "")

    @staticmethod
    def title(data: dict) -> str:
        return str(data.get("title") or "")

    @staticmethod
    def rename(key: str) -> dict:
        return {"citationKey": key}

    @staticmethod
    def key_parts(data: dict) -> tuple[str, str, str]:
        people = [c for c in data.get("creators") or [] if c.get("creatorType") == "author"] or \
            list(data.get("creators") or [{}])
        first = people[0] if people else {}
        return (str(first.get("lastName") or first.get("name") or ""), str(data.get("date") or "")[:4],
                str(data.get("title") or ""))


@dataclass
class _Pull:
    docs: list[RemoteRecord] = field(default_factory=list)
    trashed: list[RemoteRecord] = field(default_factory=list)
    notes: list[RemoteRecord] = field(default_factory=list)
    deleted: list[RemoteRecord] = field(default_factory=list)
    cursor: str = ""
    requests: int = 0
    complete: bool = False


def note_record(rec: RemoteRecord) -> RemoteRecord:
    data = dict(rec.data)
    data["text"] = fmt.note_text(str(data.get("note") or ""))
    data["document_id"] = str(data.get("parentItem") or "")
    return RemoteRecord(rec.id, rec.version, data)


class ZoteroAdapter:
    """The calls the engine makes, over a `ZoteroClient`."""

    full_every = None  # versions are exact: no periodic full reconciliation
    cursor_is_time = False  # the cursor is the library version

    def __init__(self, client: ZoteroClient):
        self.client = client
        self.name = client.name
        self.group = client.group_id
        self.codec = ZoteroCodec(client.name)
        self._pulls: dict[str | None, _Pull] = {}
        self._versions: dict[str, str] = {}

    @property
    def requests(self) -> int:
        return self.client.requests

    # -- cursors
    @staticmethod
    def since(cursor: str | None) -> str | None:
        return cursor if cursor and cursor.isdigit() else None

    @staticmethod
    def full_due(cursor: str | None, last_full: str | None) -> bool:
        return not (cursor and cursor.isdigit() and last_full)

    # -- writes that keep the cursor exact
    def begin_writes(self, cursor: str | None) -> None:
        self.client.start_chain(int(cursor) if cursor and cursor.isdigit() else None)

    def end_writes(self, cursor: str | None) -> str | None:
        """The cursor after a push: moved past our own writes when no one else wrote
        in between (every write was accepted against the previous one's version)."""
        chain = self.client.chain
        self.client.chain = None
        return str(chain) if chain is not None and cursor and cursor.isdigit() else cursor

    # -- one pull, cut into the listings the engine asks for
    def _pull(self, since: str | None) -> _Pull:
        if since in self._pulls:
            return self._pulls[since]
        start = self.client.requests
        out = _Pull()
        for _attempt in range(5):
            versions = self.client.versions(int(since) if since else None)
            if versions is None:  # 304: nothing changed
                out.cursor = since or "0"
                break
            library = self.client.library_version
            envelopes = self.client.items(sorted(versions))
            if self.client.library_version != library:  # moved while reading: list again
                continue
            out.cursor = str(library if library is not None else since or 0)
            break
        else:
            envelopes = []
        if since and out.cursor != since:
            try:
                out.deleted = [RemoteRecord(k, "", {}) for k in self.client.deleted(int(since))]
            except FullResync:
                self._pulls.clear()
                out = self._pull(None)
                out.complete = True
                return out
        if since is None or out.cursor != since:
            for env in envelopes if versions is not None else []:
                rec = record(env)
                self._versions[rec.id] = rec.version
                data = rec.data
                if data.get("itemType") == "note":
                    if data.get("parentItem") and rec.id == fmt.annotation_key(str(data["parentItem"])):
                        if data.get("deleted"):
                            out.deleted.append(RemoteRecord(rec.id, "", {}))
                        else:
                            out.notes.append(note_record(rec))
                elif data.get("itemType") in ("attachment", "annotation") or data.get("parentItem"):
                    continue
                elif data.get("deleted"):
                    out.trashed.append(rec)
                else:
                    out.docs.append(rec)
        out.requests = self.client.requests - start
        self._pulls[since] = out
        return out

    def _forget(self) -> None:
        self._pulls.clear()

    def documents_since(self, cursor: str | None) -> Listing:
        p = self._pull(cursor)
        return Listing(list(p.docs), p.cursor, p.requests, complete=p.complete and cursor is not None)

    def deletions_since(self, cursor: str) -> Listing:
        p = self._pull(cursor)
        return Listing(list(p.deleted), p.cursor)

    def trash(self, cursor: str | None) -> Listing:
        p = self._pull(cursor)
        return Listing(list(p.trashed), p.cursor)

    def annotations_since(self, cursor: str | None) -> Listing:
        p = self._pull(cursor)
        return Listing(list(p.notes), p.cursor)

    def annotation_deletions_since(self, cursor: str) -> Listing:
        p = self._pull(cursor)
        return Listing(list(p.deleted), p.cursor)

    @staticmethod
    def group_notes(records: list[RemoteRecord]) -> dict[str, RemoteRecord]:
        return {str(r.data.get("document_id") or r.data.get("parentItem")): r for r in records}

    # -- documents
    def get(self, document_id: str) -> RemoteRecord:
        rec = self.client.get(document_id)
        if rec.data.get("deleted"):
            raise NotFound(f"item {document_id} is in the trash", status=404, document=document_id)
        self._versions[rec.id] = rec.version
        return rec

    def create(self, body: dict) -> RemoteRecord:
        self._forget()
        obj = {**body, "key": fmt.new_key(), "version": 0}
        for _attempt in range(3):
            result = self.client.write([obj], "create item")[0]
            if result.status == "successful":
                rec = record(result.data)
                self._versions[rec.id] = rec.version
                return rec
            if result.code == 412:  # our own create already landed (an answer was lost)
                existing = self.client.find(obj["key"])
                if existing is not None and existing.data.get("citationKey") == obj.get("citationKey"):
                    return existing
                obj["key"] = fmt.new_key()
                continue
            from ..remotes.zotero import object_error

            raise object_error(result, f"create item {body.get('title', '')!r}", obj["key"])
        raise PreconditionFailed("create item: no free item key after 3 tries")

    write_batch = 50  # the engine sends creates, updates and deletions 50 per request

    def get_many(self, keys: list[str]) -> dict[str, RemoteRecord]:
        """Live (not trashed) items by key, 100 per request; absent keys are gone or trashed."""
        out = {}
        for env in self.client.items(keys):
            rec = record(env)
            if not rec.data.get("deleted"):
                self._versions[rec.id] = rec.version
                out[rec.id] = rec
        return out

    def trash_many(self, items: list[tuple[str, str]]) -> list[Exception | None]:
        """Move items ((key, version)) to the trash, 50 per request: None or the error, each."""
        from ..remotes.zotero import object_error

        self._forget()
        objs = [{"key": key, "version": int(version or 0), "deleted": 1} for key, version in items]
        out: list[Exception | None] = []
        for obj, result in zip(objs, self.client.write(objs, "move items to the trash")):
            if result.status in ("successful", "unchanged"):
                out.append(None)
            else:
                out.append(object_error(result, f"trash item {obj['key']}", obj["key"]))
        return out

    def create_many(self, bodies: list[dict]) -> list[RemoteRecord | Exception]:
        """Create items in batches of 50, each with a key chosen here: one record (or the
        error) per body, in order.  An item found under its key after a lost answer is ours."""
        from ..remotes.zotero import object_error

        self._forget()
        objs = [{**body, "key": fmt.new_key(), "version": 0} for body in bodies]
        out: list[RemoteRecord | Exception] = []
        for obj, result in zip(objs, self.client.write(objs, "create items")):
            if result.status == "successful":
                rec = record(result.data)
            elif result.code == 412:
                existing = self.client.find(obj["key"])
                if existing is not None and existing.data.get("citationKey") == obj.get("citationKey"):
                    rec = existing
                else:
                    try:
                        rec = self.create({k: v for k, v in obj.items() if k not in ("key", "version")})
                    except Exception as exc:  # noqa: BLE001 - handed to the engine per object
                        out.append(exc)
                        continue
            else:
                out.append(object_error(result, f"create item {obj.get('title', '')!r}", obj["key"]))
                continue
            self._versions[rec.id] = rec.version
            out.append(rec)
        return out

    def update_many(self, items: list[tuple[str, dict, str]]) -> list[RemoteRecord | Exception]:
        """Partial updates ((key, changes, base version)), 50 per request; per object a
        record or its error (412: changed since the base version)."""
        from ..remotes.zotero import object_error

        self._forget()
        objs = [{**changes, "key": key, "version": int(version or 0)} for key, changes, version in items]
        out: list[RemoteRecord | Exception] = []
        for obj, result in zip(objs, self.client.write(objs, "update items")):
            if result.status == "successful":
                rec = record(result.data)
                self._versions[rec.id] = rec.version
                out.append(rec)
            elif result.status == "unchanged":
                try:
                    out.append(self.client.get(obj["key"]))
                except Exception as exc:  # noqa: BLE001
                    out.append(exc)
            else:
                out.append(object_error(result, f"update item {obj['key']}", obj["key"]))
        return out

    def update(self, document_id: str, changes: dict, base_version: str, title: str | None = None) -> RemoteRecord:
        self._forget()
        label = f"update item {title!r} ({document_id})" if title else f"update item {document_id}"
        obj = {**changes, "key": document_id, "version": int(base_version or 0)}
        rec = self.client.write_one(obj, label, document_id)
        self._versions[rec.id] = rec.version
        return rec

    def _set_deleted(self, document_id: str, flag: int, title: str | None) -> None:
        self._forget()
        version = self._versions.get(document_id)
        for _attempt in range(3):
            if version is None:
                version = self.client.get(document_id).version
            try:
                rec = self.client.write_one({"key": document_id, "version": int(version), "deleted": flag},
                                            f"{'trash' if flag else 'restore'} item {title or document_id!r}",
                                            document_id)
                self._versions[document_id] = rec.version
                return
            except PreconditionFailed:
                version = None
        raise PreconditionFailed(f"item {document_id} kept changing", document=document_id)

    def move_to_trash(self, document_id: str, title: str | None = None) -> None:
        self._set_deleted(document_id, 1, title)

    def restore(self, document_id: str, title: str | None = None) -> None:
        self._set_deleted(document_id, 0, title)

    def delete(self, document_id: str, title: str | None = None) -> None:
        self._forget()
        rec = self.client.get(document_id)
        self.client.delete_item(document_id, rec.version, f"delete item {title or document_id!r}")

    # -- the annotation note
    def group_note(self, document_id: str) -> RemoteRecord | None:
        rec = self.client.find(fmt.annotation_key(document_id))
        if rec is None or rec.data.get("deleted"):
            return None
        return note_record(rec)

    def _note_obj(self, document_id: str, text: str, version: int) -> dict:
        return {"key": fmt.annotation_key(document_id), "version": version, "itemType": "note",
                "parentItem": document_id, "note": fmt.note_html(text)}

    def create_note(self, document_id: str, text: str) -> RemoteRecord:
        self._forget()
        obj = {**self._note_obj(document_id, text, 0), "tags": [], "relations": {}}
        result = self.client.write([obj], f"add the note of item {document_id}")[0]
        if result.status == "successful":
            return note_record(record(result.data))
        if result.code == 412:
            existing = self.group_note(document_id)
            if existing is not None and existing.data.get("text", "").strip() == fmt.note_text(obj["note"]).strip():
                return existing
            if existing is None:  # a trashed note of that key: bring it back with our text
                old = self.client.get(obj["key"])
                return self.update_note(old.id, text, old.version, document_id, restore=True)
        from ..remotes.zotero import object_error

        raise object_error(result, f"add the note of item {document_id}", document_id)

    def create_notes(self, items: list[tuple[str, str]]) -> list[RemoteRecord | Exception]:
        """The annotation notes of several items ((parent key, text)), 50 per request."""
        from ..remotes.zotero import object_error

        self._forget()
        objs = [{**self._note_obj(parent, text, 0), "tags": [], "relations": {}} for parent, text in items]
        out: list[RemoteRecord | Exception] = []
        for (parent, text), obj, result in zip(items, objs, self.client.write(objs, "add notes")):
            if result.status == "successful":
                out.append(note_record(record(result.data)))
                continue
            if result.code == 412:  # there already (a lost answer, or a colleague's)
                try:
                    out.append(self.create_note(parent, text))
                except Exception as exc:  # noqa: BLE001 - handed to the engine per object
                    out.append(exc)
                continue
            out.append(object_error(result, f"add the note of item {parent}", parent))
        return out

    def update_note(self, note_id: str, text: str, base_version: str, document_id: str,
                    restore: bool = False) -> RemoteRecord:
        self._forget()
        obj = self._note_obj(document_id, text, int(base_version or 0))
        obj["key"] = note_id
        if restore:
            obj["deleted"] = 0
        if not base_version:
            current = self.client.find(note_id)
            if current is None:
                raise NotFound(f"note {note_id} is gone", status=404, document=document_id)
            obj["version"] = int(current.version)
        return note_record(self.client.write_one(obj, f"update the note of item {document_id}", document_id))

    def delete_note(self, note_id: str, document_id: str) -> None:
        self._forget()
        current = self.client.find(note_id)
        if current is None:
            return
        try:
            self.client.delete_item(note_id, current.version, f"delete the note of item {document_id}")
        except NotFound:
            pass
