"""What the Zotero test server answers to reads: item envelopes, listings with
``Total-Results`` and ``Link``, ``/deleted``, tags, groups, keys, templates.

Mixed into the request handler of `balintbib.testing.zotero`.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlencode

from ..formats.zotero_tables import ITEM_TYPES
from .zotero_state import ApiError, Group, is_key


class ReadAnswers:
    def _key_info(self, key) -> dict:
        return {"key": key.key, "userID": key.user.id, "username": key.user.username, "displayName": "",
                "access": {"user": {"library": True, "files": True, "notes": True, "write": True},
                           "groups": {g: dict(a) for g, a in key.groups.items()}}}

    def _group_json(self, g: Group) -> dict:
        base = self.api.url
        return {"id": int(g.id) if g.id.isdigit() else g.id, "version": g.version,
                "links": {"self": {"href": f"{base}/groups/{g.id}", "type": "application/json"},
                          "alternate": {"href": f"https://www.zotero.org/groups/{g.id}", "type": "text/html"}},
                "meta": {"created": "2024-01-01T00:00:00Z", "lastModified": "2024-01-01T00:00:00Z",
                         "numItems": len(g.items)},
                "data": {"id": int(g.id) if g.id.isdigit() else g.id, "version": g.version, "name": g.name,
                         "owner": g.owner, "type": "Private", "description": "", "url": "",
                         "libraryEditing": "members", "libraryReading": "members", "fileEditing": "none",
                         "members": sorted(u for u in g.members if u != g.owner)}}

    def _template(self, item_type: str) -> dict:
        info = ITEM_TYPES.get(item_type)
        if info is None or item_type in ("annotation",):
            raise ApiError(400, f"Invalid item type '{item_type}'")
        out: dict = {"itemType": item_type}
        if item_type == "note":
            out["note"] = ""
        else:
            for f in info["fields"]:
                out[f] = ""
            out["creators"] = [{"creatorType": info["creators"][0], "firstName": "", "lastName": ""}] \
                if info["creators"] else []
        out.update(tags=[], collections=[], relations={})
        return out

    def _envelope(self, g: Group, item: dict) -> dict:
        base = self.api.url
        user = self.api.state.users.get(g.created_by.get(item["key"], g.owner))
        links = {"self": {"href": f"{base}/groups/{g.id}/items/{item['key']}", "type": "application/json"},
                 "alternate": {"href": f"https://www.zotero.org/groups/{g.id}/items/{item['key']}",
                               "type": "text/html"}}
        meta: dict = {}
        if user is not None:
            meta["createdByUser"] = {"id": user.id, "username": user.username, "name": "",
                                     "links": {"alternate": {"href": f"https://www.zotero.org/{user.username}",
                                                             "type": "text/html"}}}
        if item.get("parentItem"):
            links["up"] = {"href": f"{base}/groups/{g.id}/items/{item['parentItem']}", "type": "application/json"}
        else:
            creators = item.get("creators") if isinstance(item.get("creators"), list) else []
            names = [c.get("lastName") or c.get("name") or "" for c in creators if isinstance(c, dict)]
            if names:
                meta["creatorSummary"] = names[0] + (" et al." if len(names) > 2 else
                                                     f" and {names[1]}" if len(names) == 2 else "")
            date = str(item.get("date") or "")
            if date[:4].isdigit():
                meta["parsedDate"] = date[:10]
            if item.get("itemType") not in ("note", "attachment"):
                meta["numChildren"] = sum(1 for d in g.items.values() if d.get("parentItem") == item["key"])
        return {"key": item["key"], "version": item["version"],
                "library": {"type": "group", "id": int(g.id) if g.id.isdigit() else g.id, "name": g.name,
                            "links": {"alternate": {"href": f"https://www.zotero.org/groups/{g.id}",
                                                    "type": "text/html"}}},
                "links": links, "meta": meta, "data": dict(item)}

    def _listing(self, items: list[dict], query: dict, g: Group, path: str):
        since = query.get("since") or query.get("newer")
        if since is not None:
            if not since.isdigit():
                raise ApiError(400, "Invalid 'since' value")
            items = [d for d in items if d["version"] > int(since)]
        if query.get("itemType"):
            items = [d for d in items if d.get("itemType") == query["itemType"]]
        fmt = query.get("format", "json")
        headers = {"Last-Modified-Version": g.version}
        if query.get("itemKey"):
            wanted = [k for k in query["itemKey"].split(",") if is_key(k)]
            items = [d for d in items if d["key"] in set(wanted)]
        if fmt == "versions":
            headers["Total-Results"] = len(items)
            return 200, {d["key"]: d["version"] for d in items}, headers
        if fmt == "keys":
            return 200, "\n".join(d["key"] for d in items) + "\n", headers
        if fmt != "json":
            raise ApiError(400, f"Invalid 'format' value '{fmt}'")
        reverse = (query.get("direction") or ("asc" if query.get("sort") in ("title", "creator") else "desc")) == "desc"
        sort = query.get("sort") or "dateModified"
        items = sorted(items, key=lambda d: (str(d.get(sort) or ""), d["key"]), reverse=reverse)
        total = len(items)
        try:
            limit = int(query.get("limit") or 25)
        except ValueError:
            limit = 25
        limit = 25 if limit <= 0 else min(limit, 100)
        if query.get("itemKey"):
            limit = 100
        start = max(0, int(query.get("start") or 0)) if (query.get("start") or "0").isdigit() else 0
        page = items[start:start + limit]
        headers["Total-Results"] = total
        headers["Link"] = self._links(path, query, start, limit, total)
        return 200, [self._envelope(g, d) for d in page], headers

    def _links(self, path: str, query: dict, start: int, limit: int, total: int) -> str:
        base = self.api.url + path
        q = {k: v for k, v in query.items() if k not in ("start", "key")}

        def url(s: int) -> str:
            params = dict(q)
            if s:
                params["start"] = str(s)
            return base + ("?" + urlencode(params) if params else "")

        links = []
        last = max(0, ((total - 1) // limit) * limit) if total else 0
        if start > 0:
            links.append(f'<{url(0)}>; rel="first"')
            links.append(f'<{url(max(0, start - limit))}>; rel="prev"')
        if start + limit < total:
            links.append(f'<{url(start + limit)}>; rel="next"')
        if last != start:
            links.append(f'<{url(last)}>; rel="last"')
        links.append(f'<https://www.zotero.org{path}>; rel="alternate"')
        return ", ".join(links)

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

    def _other_listing(self, head: str, query: dict, g: Group):
        ims = self.headers.get("If-Modified-Since-Version")
        if ims and ims.isdigit() and g.version <= int(ims):
            return 304, None, {"Last-Modified-Version": g.version}
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
