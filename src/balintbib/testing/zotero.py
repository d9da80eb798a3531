"""A local server that behaves like api.zotero.org (Web API v3), for tests and trials.

A real HTTP server on 127.0.0.1 with an ephemeral port (`balintbib.testing.server`,
stdlib only) and in-memory group libraries (`balintbib.testing.zotero_state`).
It follows ../shared/docs/zotero-api.md and the contract in
../shared/zotero-recordings/ (the contract tests compare it with every
exchange of ``reconstructed/exchanges.json`` and serve every recorded body):

* keys in ``Zotero-API-Key``, ``Authorization: Bearer`` or ``?key=``; 403
  ``Invalid key``; ``GET /keys/current``; ``/users/<id>/groups``; ``/groups/<id>``;
* ``/groups/<id>/items`` (and ``/top``, ``/<key>``, ``/<key>/children``) with
  ``since`` (strict), ``format=json|versions|keys``, ``itemKey`` (forces limit
  100), ``includeTrashed``, ``limit`` (default 25, capped at 100), ``start``,
  ``Total-Results``, ``Link`` (first/prev/next/last/alternate),
  ``Last-Modified-Version`` and 304 on ``If-Modified-Since-Version``;
* ``/groups/<id>/deleted?since=`` (400 without ``since``), ``/collections``, ``/tags``,
  ``/items/new``;
* writes: ``POST /items`` (at most 50 objects, else 413; a write report with
  successful/success/unchanged/failed per index; library-level 412 on
  ``If-Unmodified-Since-Version``; ``Zotero-Write-Token`` reuse 412), ``PATCH``/
  ``PUT``/``DELETE /items/<key>`` (428 without a version, 412 when stale, 204),
  ``DELETE /items?itemKey=``; 403 ``Write access denied`` for read-only keys.

Faults (`ZoteroFaults`, the shared switches of `balintbib.testing.server` and
Zotero's own): bursts of 429 (``Retry-After`` in seconds or as an HTTP date) or
503, ``Backoff`` on the next replies (200s included), dropped connections before
or after a write commits, broken bodies, slow replies, revoked keys, 409 from
``/deleted``.  ``ZoteroServer.counts`` counts requests per path.

The resources live in their own modules, mixed into the handler: `zotero_items`,
`zotero_collections` (and tags, searches), `zotero_versions` (304/412, the
multi-object write report, ``/deleted``).

``python -m balintbib.testing.zotero --port 0 --seed 200`` runs one for trials.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from . import server
from .zotero_collections import Collections
from .zotero_items import Items
from .zotero_state import API_VERSION, SCHEMA_VERSION, ApiError, Group, ZoteroState, seed_group, text_error
from .zotero_versions import Versions


@dataclass
class ZoteroFaults(server.Faults):
    """The shared switches, and Zotero's own."""

    backoff_next: int = 0  # the next N replies carry Backoff
    backoff_seconds: str = "1"
    deleted_409: bool = False  # /deleted answers 409 (its log does not reach back that far)

    def clear(self) -> None:
        super().clear()
        self.backoff_next = 0
        self.deleted_409 = False

    def take(self, method: str) -> server.Turn:
        turn = super().take(method)
        if self.backoff_next > 0:
            self.backoff_next -= 1
            turn.headers["Backoff"] = self.backoff_seconds
        return turn


class _Handler(Items, Collections, Versions, server.ApiHandler):
    server_version = "ZoteroTestServer/1.0"
    json_separators = None
    RATE_LIMITED = "Request rate limit exceeded"
    SERVER_ERROR = "An error occurred: {}"

    def error_body(self, status: int, message: str):
        return text_error(message), None

    def common_headers(self) -> dict:
        return {"Zotero-API-Version": API_VERSION, "Zotero-Schema-Version": SCHEMA_VERSION}

    # -- auth ---------------------------------------------------------------------------
    def _key(self, query: dict):
        st = self.api.state
        header = self.headers.get("Zotero-API-Key")
        auth = self.headers.get("Authorization") or ""
        if not header and auth.startswith("Bearer "):
            header = auth[7:].strip()
        if header and query.get("key") and query["key"] != header:
            raise ApiError(400, "Key provided in header does not match key in query string")
        given = header or query.get("key")
        v = self.headers.get("Zotero-API-Version")
        if v and query.get("v") and v != query["v"]:
            raise ApiError(400, "Zotero-API-Version header does not match 'v' parameter")
        if not given:
            return None
        key = st.keys.get(given)
        if key is None:
            raise ApiError(403, "Invalid key")
        return key


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

    # -- routing ------------------------------------------------------------------------
    def _route(self, method: str, path: str, query: list, raw: bytes):
        status, body, headers = self._answer(method, path, dict(query), raw)
        return status, body, None, headers

    def _answer(self, method: str, path: str, query: dict, raw: bytes):
        parts = path.strip("/").split("/")
        st = self.api.state
        with st.lock:
            key = self._key(query)
            if parts[0] == "keys" and len(parts) == 2 and method == "GET":
                if key is None or (parts[1] != "current" and parts[1] != key.key):
                    raise ApiError(403, "Forbidden")
                return 200, self._key_info(key), {}
            if parts[0] == "users" and len(parts) == 3 and parts[2] == "groups" and method == "GET":
                if key is None or str(key.user.id) != parts[1]:
                    raise ApiError(403, "Forbidden")
                groups = [st.groups[g] for g in key.groups if g in st.groups]
                if query.get("format") == "versions":
                    return 200, {g.id: g.version for g in groups}, {"Total-Results": len(groups)}
                return 200, [self._group_json(g) for g in groups], {"Total-Results": len(groups)}
            if parts[0] == "items" and parts[1:] == ["new"] and method == "GET":
                return 200, self._template(query.get("itemType", "")), {}
            if parts[0] == "groups" and len(parts) >= 2:
                group = st.groups.get(parts[1])
                if group is None:
                    raise ApiError(404, "Group not found")
                access = key.groups.get(group.id) if key else None
                if access is None:
                    raise ApiError(403, "Forbidden")
                if len(parts) == 2 and method == "GET":
                    return 200, self._group_json(group), {"Last-Modified-Version": group.version}
                head = parts[2]
                if head == "items":
                    return self._items(method, parts[3:], query, raw, group, key, access)
                if head == "deleted" and method == "GET":
                    return self._deleted(query, group)
                if head == "collections" and method == "POST" and len(parts) == 3:
                    return self._collections_post(raw, group, key, access)
                if head in ("collections", "searches", "tags") and method == "GET":
                    return self._other_listing(head, query, group)
        raise ApiError(404, "Not found")


class ZoteroServer(server.LoopbackServer):
    """Start with `start()` (or as a context manager); `url` is the base URL."""

    handler = _Handler
    faults_class = ZoteroFaults
    thread_name = "zotero-test-server"

    def __init__(self, port: int = 0):
        self.state = ZoteroState()
        self.write_tokens: set[str] = set()
        super().__init__(port)

    def setup_basic(self, name: str = "Balint reading list", group_id: str | None = None) -> dict:
        """One user, one group they own, and a key that can write to it."""
        user = self.state.add_user("enid")
        group = self.state.add_group(name, user, group_id)
        key = self.state.add_key(user, {group.id: True})
        return {"user_id": user.id, "group_id": group.id, "key": key}

    def group(self, gid: str) -> Group:
        return self.state.groups[gid]


    def expire_credentials(self) -> None:
        """Every key stops working (403 ``Invalid key``), as when a user revokes it."""
        with self.state.lock:
            for key in list(self.state.keys):
                self.state.revoke(key)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="A local Zotero-compatible API server for trials.")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0, help="seed this many group items and notes")
    args = ap.parse_args(argv)
    srv = ZoteroServer(port=args.port).start()
    info = srv.setup_basic()
    if args.seed:
        seed_group(srv.state, srv.group(info["group_id"]), args.seed, args.seed, seed=args.seed)
    print(f"Zotero test server at {srv.url}")
    print(f"group id: {info['group_id']}")
    print(f"API key:  {info['key']}  (a throwaway key of this test server, for BALINTBIB_ZOTERO_KEY)")
    srv.serve_until_interrupted()


if __name__ == "__main__":
    main()
