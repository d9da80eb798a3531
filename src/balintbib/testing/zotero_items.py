"""Items of the Zotero test server: ``/groups/<id>/items`` (and ``/top``, ``/<key>``,
``/<key>/children``) read as envelopes in listings with ``Total-Results`` and ``Link``, written
by key (``PATCH``/``PUT``/``DELETE /items/<key>``, 428 without a version, 412 when stale) or
many at a time (``POST /items``, ``DELETE /items?itemKey=``); ``/items/new`` templates.

Mixed into the request handler of `balintbib.testing.zotero`.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from ..formats.zotero_tables import ITEM_TYPES
from .zotero_state import ApiError, Group, ObjectError, is_key


class Items:
    def _items(self, method, rest, query, raw, g: Group, key, access):
        st = self.api.state
        if method == "GET":
            if rest and rest[0] != "top":
                item = g.items.get(rest[0])
                if item is None:
                    raise ApiError(404, "Item not found")
                if rest[1:] == ["children"]:
                    children = [d for d in g.items.values() if d.get("parentItem") == rest[0]]
                    return self._listing(children, query, g, f"/groups/{g.id}/items/{rest[0]}/children")
                if rest[1:]:
                    raise ApiError(404, "Not found")
                return 200, self._envelope(g, item), {"Last-Modified-Version": item["version"]}
            if (unchanged := self._not_modified(g)) is not None:
                return unchanged
            trashed = query.get("includeTrashed") == "1"
            if query.get("itemKey"):  # by key: no scan of the library
                wanted = [k for k in query["itemKey"].split(",") if is_key(k)]
                items = [g.items[k] for k in dict.fromkeys(wanted) if k in g.items
                         and (trashed or not g.items[k].get("deleted"))]
            else:
                items = st.visible(g, trashed)
            if rest == ["top"]:
                items = [d for d in items if not d.get("parentItem")]
            return self._listing(items, query, g, f"/groups/{g.id}/items" + ("/top" if rest == ["top"] else ""))
        if not access.get("write"):
            raise ApiError(403, "Write access denied")
        ius_v = self._unmodified_since()
        if method == "POST" and not rest:
            return self._post(raw, g, key, ius_v)
        if method in ("PATCH", "PUT") and len(rest) == 1:
            obj = self._json(raw)
            if not isinstance(obj, dict):
                raise ApiError(400, "Uploaded data must be a JSON object")
            if ius_v is None and obj.get("version") is None:
                raise ApiError(428, "Either If-Unmodified-Since-Version or object version property must be "
                                    "provided for key-based writes")
            try:
                st.write_object(g, obj, key.user, partial=method == "PATCH", header_version=ius_v, single_key=rest[0])
            except ObjectError as err:
                if err.code == 412 and rest[0] in g.items:
                    raise ApiError(412, err.message, {"Last-Modified-Version": g.items[rest[0]]["version"]}) from None
                raise ApiError(err.code, err.message) from None
            return 204, None, {"Last-Modified-Version": g.version}
        if method == "DELETE" and len(rest) == 1:
            if ius_v is None:
                raise ApiError(428, "If-Unmodified-Since-Version must be provided for delete requests")
            item = g.items.get(rest[0])
            if item is None:
                raise ApiError(404, "Item not found")
            if item["version"] != ius_v:
                raise ApiError(412, f"Item has been modified since specified version (expected {ius_v}, "
                                    f"found {item['version']})", {"Last-Modified-Version": item["version"]})
            st.delete_items(g, [rest[0]])
            return 204, None, {"Last-Modified-Version": g.version}
        if method == "DELETE" and not rest:
            if ius_v is None:
                raise ApiError(428, "If-Unmodified-Since-Version must be provided for delete requests")
            self._library_precondition(g, ius_v)
            keys = [k for k in (query.get("itemKey") or "").split(",") if is_key(k)]
            st.delete_items(g, keys)
            return 204, None, {"Last-Modified-Version": g.version}
        raise ApiError(405, "Method not allowed")

    def _json(self, raw: bytes):
        try:
            return json.loads(raw.decode("utf-8") or "null")
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "Invalid JSON") from None

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
