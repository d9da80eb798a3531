"""Documents and the trash of the Mendeley test server: ``/documents`` (listing with views,
``modified_since``, ``deleted_since``, sorting; create), ``/documents/{id}`` (get, PATCH with
``If-Unmodified-Since``, delete, move to the trash), ``/trash`` (list, get, restore, delete);
who may read and write a document; a document as the API renders and validates it.

Mixed into the request handler of `balintbib.testing.mendeley`.
"""

from __future__ import annotations

from datetime import datetime

from .mendeley_state import (
    _PERSONS, DOCUMENT_FIELD_ORDER, DOCUMENT_TYPES, MT_DOCUMENT, POST_REPLY_FIELDS, READ_ONLY_DOCUMENT_FIELDS,
    ROLES_THAT_WRITE, VIEW_ALL, VIEWS, WRITABLE_DOCUMENT_FIELDS, ApiError, iso_ms, iso_s, parse_time, trunc,
)


class Documents:
    # -- documents --------------------------------------------------------------
    def _can_read(self, doc: dict, profile: str) -> bool:
        gid = doc.get("group_id")
        if gid:
            return self.api.state.role(gid, profile) is not None
        return doc["profile_id"] == profile

    def _can_write(self, doc: dict, profile: str) -> bool:
        gid = doc.get("group_id")
        if gid:
            return self.api.state.role(gid, profile) in ROLES_THAT_WRITE
        return doc["profile_id"] == profile

    def _visible(self, profile: str, q: dict, trashed: bool) -> list[dict]:
        st = self.api.state
        gid = q.get("group_id")
        if gid:
            if gid not in st.groups or st.role(gid, profile) is None:
                raise ApiError(403, "You are not a member of this group", MT_DOCUMENT)
            return [d for d in st.documents.values() if d.get("group_id") == gid and d["_trashed"] == trashed]
        return [d for d in st.documents.values()
                if not d.get("group_id") and d["profile_id"] == profile and d["_trashed"] == trashed]

    def _view(self, q: dict) -> frozenset:
        view = q.get("view", "core")
        if view not in VIEWS:
            raise ApiError(400, "Invalid view", MT_DOCUMENT)
        return VIEWS[view]

    def _list_documents(self, path, query, profile, trashed: bool):
        st = self.api.state
        q = dict(query)
        self._accept(MT_DOCUMENT)
        limit = self._limit(q, MT_DOCUMENT)
        view = self._view(q)
        modified = self._time_param(q, "modified_since", MT_DOCUMENT)
        deleted = self._time_param(q, "deleted_since", MT_DOCUMENT)
        if modified and deleted:
            raise ApiError(400, "Conflicting filters specified", MT_DOCUMENT)
        if deleted is not None:
            gid = q.get("group_id")
            if gid and st.role(gid, profile) is None:
                raise ApiError(403, "You are not a member of this group", MT_DOCUMENT)
            gone = [{"id": ident, "_t": t} for t, ident, g, owner in st.deleted_documents
                    if t > deleted and (g == gid if gid else (g is None and owner == profile))]
            return self._page(path, query, gone, lambda d: (d["_t"], st.seq.get(d["id"], 0)), limit,
                              "full", MT_DOCUMENT, lambda d: {"id": d["id"]})
        docs = self._visible(profile, q, trashed)
        if modified is not None:
            docs = [d for d in docs if d["last_modified"] > modified]
        sort = q.get("sort")
        if sort and sort not in ("title", "created", "last_modified"):
            raise ApiError(400, "Invalid sort", MT_DOCUMENT)
        if sort == "title":
            key = lambda d: (d.get("title", "").casefold(), st.seq.get(d["id"], 0))  # noqa: E731
        elif sort in ("created", "last_modified"):
            key = lambda d: (d[sort], st.seq.get(d["id"], 0))  # noqa: E731
        else:
            key = lambda d: st.seq.get(d["id"], 0)  # noqa: E731
        return self._page(path, query, docs, key, limit, "full", MT_DOCUMENT,
                          lambda d: render_document(d, view),
                          find=lambda m: st.documents.get(m) or st.doc_tombstones.get(m))

    def _documents(self, method, parts, query, raw, profile):
        st = self.api.state
        q = dict(query)
        if len(parts) == 1:
            if method == "GET":
                return self._list_documents("/documents", query, profile, trashed=False)
            if method == "POST":
                self._accept(MT_DOCUMENT)
                body = self._content(MT_DOCUMENT, raw)
                doc = validate_document(body, partial=False)
                gid = doc.get("group_id")
                if gid:
                    if gid not in st.groups:
                        raise ApiError(400, f"Group [{gid}] does not exist", MT_DOCUMENT)
                    role = st.role(gid, profile)
                    if role not in ROLES_THAT_WRITE:
                        raise ApiError(403, "You cannot add documents to this group", MT_DOCUMENT)
                stored = st.put_document(doc, profile)
                reply = render_document(stored, POST_REPLY_FIELDS, precise=True)
                return 201, reply, MT_DOCUMENT, {"Location": f"{self.api.url}/documents/{stored['id']}"}
            raise ApiError(405, "Method not allowed", MT_DOCUMENT)
        ident = parts[1]
        doc = st.documents.get(ident)
        if doc is None or doc["_trashed"] or not self._can_read(doc, profile):
            raise ApiError(404, "Document not found")  # recorded: application/json
        if len(parts) == 3 and parts[2] == "trash" and method == "POST":
            self._require_write(doc, profile)
            doc["_trashed"] = True
            doc["last_modified"] = st.now()
            return 204, None, None, {"Location": f"{self.api.url}/trash/{ident}"}
        if len(parts) != 2:
            raise ApiError(404, "Not found", MT_DOCUMENT)
        if method == "GET":
            self._accept(MT_DOCUMENT)
            return 200, render_document(doc, self._view(q)), MT_DOCUMENT, {}
        if method == "PATCH":
            self._accept(MT_DOCUMENT)
            body = self._content(MT_DOCUMENT, raw)
            self._require_write(doc, profile)
            self._precondition(doc)
            changes = validate_document(body, partial=True)
            changes.pop("group_id", None)
            for name, value in changes.items():
                if value is None:
                    doc.pop(name, None)
                else:
                    doc[name] = value
            doc["last_modified"] = st.now()
            return 200, render_document(doc, VIEW_ALL), MT_DOCUMENT, {}
        if method == "DELETE":
            self._require_write(doc, profile)
            self._delete_document(doc)
            return 204, None, None, {}
        raise ApiError(405, "Method not allowed", MT_DOCUMENT)

    def _require_write(self, doc: dict, profile: str) -> None:
        if not self._can_write(doc, profile):
            raise ApiError(403, "You do not have permission to modify this document", MT_DOCUMENT)

    def _precondition(self, doc: dict) -> None:
        header = self.headers.get("If-Unmodified-Since")
        if not header:
            return
        try:
            since = parse_time(header)
        except ValueError:
            raise ApiError(400, "Invalid If-Unmodified-Since header", MT_DOCUMENT) from None
        if trunc(doc["last_modified"]) > since:
            raise ApiError(412, "Document has been modified since " + header, MT_DOCUMENT)

    def _delete_document(self, doc: dict) -> None:
        """Delete for good; the document's annotations go with it (as the real service does)."""
        st = self.api.state
        now = st.now()
        del st.documents[doc["id"]]
        st.doc_tombstones[doc["id"]] = doc
        st.deleted_documents.append((now, doc["id"], doc.get("group_id"), doc["profile_id"]))
        for ann in [a for a in st.annotations.values() if a.get("document_id") == doc["id"]]:
            del st.annotations[ann["id"]]
            st.ann_tombstones[ann["id"]] = ann
            st.deleted_annotations.append((now, ann))

    def _trash(self, method, parts, query, profile):
        st = self.api.state
        q = dict(query)
        if len(parts) == 1 and method == "GET":
            return self._list_documents("/trash", query, profile, trashed=True)
        if len(parts) < 2:
            raise ApiError(405, "Method not allowed", MT_DOCUMENT)
        ident = parts[1]
        doc = st.documents.get(ident)
        if doc is None or not doc["_trashed"] or not self._can_read(doc, profile):
            raise ApiError(404, "Document not found")  # recorded: application/json
        if len(parts) == 2 and method == "GET":
            self._accept(MT_DOCUMENT)
            return 200, render_document(doc, self._view(q)), MT_DOCUMENT, {}
        if len(parts) == 3 and parts[2] == "restore" and method == "POST":
            self._require_write(doc, profile)
            doc["_trashed"] = False
            doc["last_modified"] = st.now()
            return 204, None, None, {"Location": f"{self.api.url}/documents/{ident}"}
        if len(parts) == 2 and method == "DELETE":
            self._require_write(doc, profile)
            self._delete_document(doc)
            return 204, None, None, {}
        raise ApiError(405, "Method not allowed", MT_DOCUMENT)


def render_document(doc: dict, view: frozenset, precise: bool = False) -> dict:
    out = {}
    for name in DOCUMENT_FIELD_ORDER:
        if name not in view or name not in doc:
            continue
        value = doc[name]
        if isinstance(value, datetime):
            value = iso_ms(value) if precise else iso_s(value)
        out[name] = value
    return out



def validate_document(body: dict, partial: bool) -> dict:
    out = {}
    for name, value in body.items():
        if name in READ_ONLY_DOCUMENT_FIELDS:
            continue
        kind = WRITABLE_DOCUMENT_FIELDS.get(name)
        if kind is None:
            raise ApiError(400, f"Unknown field: {name}", MT_DOCUMENT)
        if value is None:
            if not partial:
                continue
            if name in ("title", "type"):
                raise ApiError(400, f"{name} cannot be cleared", MT_DOCUMENT)
            out[name] = None
            continue
        if kind == _PERSONS:
            if not isinstance(value, list) or not all(isinstance(p, dict) for p in value):
                raise ApiError(400, f"{name} must be a list of people", MT_DOCUMENT)
            for p in value:
                if not p.get("last_name"):
                    raise ApiError(400, f"{name}: last_name is required", MT_DOCUMENT)
                if set(p) - {"first_name", "last_name", "scopus_author_id"}:
                    raise ApiError(400, f"{name}: unknown person field", MT_DOCUMENT)
        elif kind is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ApiError(400, f"{name} must be an integer", MT_DOCUMENT)
        elif not isinstance(value, kind):  # type: ignore[arg-type]
            raise ApiError(400, f"{name} must be a {kind.__name__}", MT_DOCUMENT)  # type: ignore[union-attr]
        if name == "title" and not 0 < len(value) <= 500:
            raise ApiError(400, "title must be 1-500 characters", MT_DOCUMENT)
        if name == "type" and value not in DOCUMENT_TYPES:
            raise ApiError(400, f"Invalid document type: {value}", MT_DOCUMENT)
        if name == "month" and not 1 <= value <= 12 or name == "day" and not 1 <= value <= 31:
            raise ApiError(400, f"Invalid {name}", MT_DOCUMENT)
        if name == "abstract" and len(value) > 10000:
            raise ApiError(400, "abstract is too long", MT_DOCUMENT)
        if name in ("keywords", "tags", "websites", "folder_uuids") and not all(isinstance(v, str) for v in value):
            raise ApiError(400, f"{name} must be a list of strings", MT_DOCUMENT)
        if name == "identifiers" and not all(isinstance(v, str) for v in value.values()):
            raise ApiError(400, "identifiers must be strings", MT_DOCUMENT)
        out[name] = value
    if not partial:
        for required in ("title", "type"):
            if required not in out:
                raise ApiError(400, f"{required} is required", MT_DOCUMENT)
    return out

