"""Collections, tags and saved searches of the Zotero test server: ``/groups/<id>/collections``
(listing, ``format=versions``, ``since``; ``POST``, a write report like items'), ``/tags``,
``/searches``.

Mixed into the request handler of `balintbib.testing.zotero`.
"""

from __future__ import annotations

from collections import Counter

from .zotero_state import ApiError, Group


class Collections:
    def _collections_post(self, raw: bytes, g: Group, key, access):
        if not access.get("write"):
            raise ApiError(403, "Write access denied")
        return self._post(raw, g, key, self._unmodified_since(), collections=True)

    def _other_listing(self, head: str, query: dict, g: Group):
        if (unchanged := self._not_modified(g)) is not None:
            return unchanged
        headers = {"Last-Modified-Version": g.version}
        if head == "tags":
            counts: Counter[tuple[str, int]] = Counter()
            for d in g.items.values():
                for t in d.get("tags") or []:
                    counts[(t.get("tag"), int(t.get("type") or 0))] += 1
            out = [{"tag": t, "links": {}, "meta": {"type": ty, "numItems": n}} for (t, ty), n in sorted(counts.items())]
            headers["Total-Results"] = len(out)
            return 200, out, headers
        if head == "collections":
            cols = sorted(g.collections.values(), key=lambda c: c["key"])
            if query.get("since", "").isdigit():
                cols = [c for c in cols if c["version"] > int(query["since"])]
            headers["Total-Results"] = len(cols)
            if query.get("format") == "versions":
                return 200, {c["key"]: c["version"] for c in cols}, headers
            return 200, [self._collection_envelope(g, c) for c in cols], headers
        headers["Total-Results"] = 0
        return 200, ({} if query.get("format") == "versions" else []), headers

    def _collection_envelope(self, g: Group, c: dict) -> dict:
        base = self.api.url
        return {"key": c["key"], "version": c["version"],
                "library": {"type": "group", "id": int(g.id) if g.id.isdigit() else g.id, "name": g.name},
                "links": {"self": {"href": f"{base}/groups/{g.id}/collections/{c['key']}",
                                   "type": "application/json"}},
                "meta": {"numCollections": sum(1 for o in g.collections.values() if o.get("parentCollection") == c["key"]),
                         "numItems": sum(1 for d in g.items.values() if c["key"] in (d.get("collections") or []))},
                "data": dict(c)}
