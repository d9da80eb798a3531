"""Library versions in the Zotero test server: ``If-Modified-Since-Version`` (304),
``If-Unmodified-Since-Version`` (412 when the library moved on), the multi-object write
(``POST``, at most 50 objects, a write report per index, ``Zotero-Write-Token`` reuse 412)
and ``/groups/<id>/deleted?since=``.

Mixed into the request handler of `balintbib.testing.zotero`.
"""

from __future__ import annotations

from .zotero_state import MAX_WRITE, ApiError, Group, ObjectError


class Versions:
    def _not_modified(self, g: Group):
        """The 304 answer when the library has not changed since ``If-Modified-Since-Version``."""
        ims = self.headers.get("If-Modified-Since-Version")
        if ims and ims.isdigit() and g.version <= int(ims):
            return 304, None, {"Last-Modified-Version": g.version}
        return None

    def _unmodified_since(self) -> int | None:
        ius = self.headers.get("If-Unmodified-Since-Version")
        return int(ius) if ius and ius.isdigit() else None

    def _library_precondition(self, g: Group, ius_v: int | None) -> None:
        if ius_v is not None and g.version > ius_v:
            raise ApiError(412, f"Library has been modified since specified version (expected {ius_v}, "
                                f"found {g.version})", {"Last-Modified-Version": g.version})
    def _post(self, raw: bytes, g: Group, key, ius_v: int | None, collections: bool = False):
        st = self.api.state
        body = self._json(raw)
        if not isinstance(body, list):
            raise ApiError(400, "Uploaded data must be a JSON array")
        if len(body) > MAX_WRITE:
            raise ApiError(413, f"Cannot add more than {MAX_WRITE} items at a time")
        token = self.headers.get("Zotero-Write-Token")
        if token and token in self.api.write_tokens:
            raise ApiError(412, "Write token already used")
        self._library_precondition(g, ius_v)
        report: dict = {"successful": {}, "success": {}, "unchanged": {}, "failed": {}}
        for i, obj in enumerate(body):
            try:
                if collections:
                    outcome, item = st.write_collection(g, obj)
                else:
                    outcome, item = st.write_object(g, obj, key.user, partial=True, header_version=None)
            except ObjectError as err:
                failed = {"key": err.key, "code": err.code, "message": err.message}
                if err.key is None or not (isinstance(obj, dict) and obj.get("key")):
                    failed.pop("key")
                if err.data:
                    failed["data"] = err.data
                report["failed"][str(i)] = failed
                continue
            if outcome == "unchanged":
                report["unchanged"][str(i)] = item["key"]
            else:
                report["successful"][str(i)] = self._collection_envelope(g, item) if collections \
                    else self._envelope(g, item)
                report["success"][str(i)] = item["key"]
        if token and report["successful"]:
            self.api.write_tokens.add(token)
        return 200, report, {"Last-Modified-Version": g.version}

    def _deleted(self, query: dict, g: Group):
        since = query.get("since") or query.get("newer")
        if since is None:
            raise ApiError(400, "'since' parameter must be provided")
        if self.api.faults.deleted_409:
            raise ApiError(409, "'since' is earlier than the beginning of the delete log")
        if not since.isdigit():
            raise ApiError(400, "Invalid 'since' value")
        s = int(since)
        body = {"collections": [], "items": sorted(k for k, v in g.deleted.items() if v > s), "searches": [],
                "tags": sorted(t for t, v in g.deleted_tags.items() if v > s), "settings": []}
        return 200, body, {"Last-Modified-Version": g.version}
