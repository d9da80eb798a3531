"""Annotations of the Mendeley test server: ``/annotations`` (listing with ``group_id``,
``document_id``, ``modified_since``, ``deleted_since``; create) and ``/annotations/{id}``
(get, PATCH, delete); a plain note's id is its document's id.

Mixed into the request handler of `balintbib.testing.mendeley`.
"""

from __future__ import annotations

from datetime import datetime

from .mendeley_state import (
    ANNOTATION_FIELD_ORDER, MT_ANNOTATION, PRIVACY_LEVELS, ROLES_THAT_WRITE, WRITABLE_ANNOTATION_FIELDS, ApiError,
    _float_position, iso_ms, iso_s,
)


class Annotations:
    # -- annotations ------------------------------------------------------------
    def _annotation_visible(self, ann: dict, profile: str) -> bool:
        if ann["profile_id"] == profile:
            return True
        doc = self.api.state.documents.get(ann.get("document_id", ""))
        if doc and doc.get("group_id") and ann.get("privacy_level") in ("group", "public"):
            return self.api.state.role(doc["group_id"], profile) is not None
        return ann.get("privacy_level") == "public"

    def _annotations(self, method, parts, query, raw, profile):
        st = self.api.state
        q = dict(query)
        if len(parts) == 1 and method == "GET":
            self._accept(MT_ANNOTATION)
            limit = self._limit(q, MT_ANNOTATION)
            modified = self._time_param(q, "modified_since", MT_ANNOTATION)
            deleted = self._time_param(q, "deleted_since", MT_ANNOTATION)
            if modified and deleted:
                raise ApiError(400, "Conflicting filters specified", MT_ANNOTATION)
            gid, doc_id = q.get("group_id"), q.get("document_id")
            if gid and st.role(gid, profile) is None:
                raise ApiError(403, "You are not a member of this group", MT_ANNOTATION)

            def wanted(ann):
                if doc_id and ann.get("document_id") != doc_id:
                    return False
                if gid:
                    doc = st.documents.get(ann.get("document_id", "")) or st.doc_tombstones.get(ann.get("document_id", ""))
                    return bool(doc) and doc.get("group_id") == gid and (
                        ann.get("privacy_level") in ("group", "public") or ann["profile_id"] == profile)
                return ann["profile_id"] == profile

            if deleted is not None:
                gone = [dict(a, _t=t) for t, a in st.deleted_annotations if t > deleted and wanted(a)]
                return self._page("/annotations", query, gone, lambda a: (a["_t"], st.seq.get(a["id"], 0)),
                                  limit, "next", MT_ANNOTATION,
                                  lambda a: {"id": a["id"], "positions": [],
                                             "privacy_level": a.get("privacy_level", "private")})
            anns = [a for a in st.annotations.values() if wanted(a)]
            if modified is not None:
                anns = [a for a in anns if a["last_modified"] > modified]
            # As recorded: highlights and sticky notes in id order, then document notes
            # (documents themselves list in creation order).
            return self._page("/annotations", query, anns, lambda a: (a.get("type") == "note", a["id"]),
                              limit, "next", MT_ANNOTATION, render_annotation,
                              find=lambda m: st.annotations.get(m) or st.ann_tombstones.get(m))
        if len(parts) == 1 and method == "POST":
            self._accept(MT_ANNOTATION)
            body = self._content(MT_ANNOTATION, raw)
            ann = validate_annotation(body, partial=False)
            doc = st.documents.get(ann["document_id"])
            if doc is None or not self._can_read(doc, profile):
                raise ApiError(400, "Document not found", MT_ANNOTATION)
            if doc.get("group_id") and st.role(doc["group_id"], profile) not in ROLES_THAT_WRITE:
                raise ApiError(403, "You cannot annotate documents in this group", MT_ANNOTATION)
            stored = st.put_annotation(ann, profile)
            return 201, render_annotation(stored, precise=True), MT_ANNOTATION, {}
        if len(parts) != 2:
            raise ApiError(404, "Not found", MT_ANNOTATION)
        ann = st.annotations.get(parts[1])
        if ann is None or not self._annotation_visible(ann, profile):
            raise ApiError(404, "Annotation not found", MT_ANNOTATION)
        if method == "GET":
            self._accept(MT_ANNOTATION)
            return 200, render_annotation(ann), MT_ANNOTATION, {}
        can_write = ann["profile_id"] == profile or (
            ann.get("privacy_level") == "group" and self._can_write(
                st.documents.get(ann.get("document_id", ""), {"profile_id": None}), profile))
        if method == "PATCH":
            self._accept(MT_ANNOTATION)
            body = self._content(MT_ANNOTATION, raw)
            if not can_write:
                raise ApiError(403, "You do not have permission to modify this annotation", MT_ANNOTATION)
            self._precondition(ann)
            changes = validate_annotation(body, partial=True)
            changes.pop("document_id", None)
            for name, value in changes.items():
                if value is None:
                    ann.pop(name, None)
                else:
                    ann[name] = [_float_position(p) for p in value] if name == "positions" else value
            ann["last_modified"] = st.now()
            return 200, render_annotation(ann, precise=ann["type"] != "note"), MT_ANNOTATION, {}
        if method == "DELETE":
            if not can_write:
                raise ApiError(403, "You do not have permission to delete this annotation", MT_ANNOTATION)
            del st.annotations[ann["id"]]
            st.ann_tombstones[ann["id"]] = ann
            st.deleted_annotations.append((st.now(), ann))
            return 204, None, "application/octet-stream", {}
        raise ApiError(405, "Method not allowed", MT_ANNOTATION)


def render_annotation(ann: dict, precise: bool | None = None) -> dict:
    if precise is None:
        precise = ann.get("type") != "note"
    out = {}
    for name in ANNOTATION_FIELD_ORDER:
        if name in ann:
            value = ann[name]
            if isinstance(value, datetime):
                value = iso_ms(value) if precise and ann.get("type") != "note" else iso_s(value)
            out[name] = value
    return out



def validate_annotation(body: dict, partial: bool) -> dict:
    out = {}
    for name, value in body.items():
        if name in ("id", "type", "profile_id", "created", "last_modified"):
            continue
        kind = WRITABLE_ANNOTATION_FIELDS.get(name)
        if kind is None:
            raise ApiError(400, f"Unknown field: {name}", MT_ANNOTATION)
        if value is not None and not isinstance(value, kind):
            raise ApiError(400, f"{name} must be a {kind.__name__}", MT_ANNOTATION)
        if name == "privacy_level" and value not in PRIVACY_LEVELS:
            raise ApiError(400, f"Invalid privacy_level: {value}", MT_ANNOTATION)
        out[name] = value
    if not partial and not out.get("document_id"):
        raise ApiError(400, "document_id is required", MT_ANNOTATION)
    return out

