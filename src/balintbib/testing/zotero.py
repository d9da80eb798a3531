"""A local server that behaves like api.zotero.org (Web API v3), for tests and trials.

A real HTTP server (stdlib ``ThreadingHTTPServer``) on 127.0.0.1 with an
ephemeral port and in-memory group libraries (`balintbib.testing.zotero_state`).
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

Faults (`Faults`): bursts of 429 (``Retry-After`` in seconds or as an HTTP
date) or 503, ``Backoff`` on the next replies (200s included), dropped
connections before or after a write commits, slow replies, 409 from
``/deleted``.  ``ZoteroServer.counts`` counts requests per path.

``python -m balintbib.testing.zotero --port 0 --seed 200`` runs one for trials.
"""

from __future__ import annotations

import argparse
import html
import json
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from .zotero_reads import ReadAnswers
from .zotero_state import (
    API_VERSION, MAX_WRITE, SCHEMA_VERSION, ApiError, Group, ObjectError, ZoteroState, is_key, seed_group,
)


@dataclass
class Faults:
    """Switchable misbehaviour; each counter is consumed one request at a time."""

    status_burst: list[tuple[int, str | None, str | None]] = field(default_factory=list)  # (status, Retry-After, text)
    backoff_next: int = 0  # the next N replies carry Backoff
    backoff_seconds: str = "1"
    drop_next: int = 0  # close the socket without a reply (before doing anything)
    drop_after_commit: int = 0  # do the next N writes, then close the socket without a reply
    delay: float = 0.0
    delay_next: int = 0
    deleted_409: bool = False

    def burst(self, status: int, n: int, retry_after: str | None = None, message: str | None = None) -> None:
        self.status_burst.extend([(status, retry_after, message)] * n)

    def clear(self) -> None:
        self.status_burst.clear()
        self.backoff_next = self.drop_next = self.drop_after_commit = self.delay_next = 0
        self.delay = 0.0
        self.deleted_409 = False


class ZoteroServer:
    """Start with `start()` (or as a context manager); `url` is the base URL."""

    def __init__(self, port: int = 0):
        self.state = ZoteroState()
        self.faults = Faults()
        self.fault_lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.log: list[tuple[str, str, int]] = []
        self.write_tokens: set[str] = set()
        self._httpd = _HTTPServer(("127.0.0.1", port), _Handler)
        self._httpd.api = self

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ZoteroServer:
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                         name="zotero-test-server", daemon=True).start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> ZoteroServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def setup_basic(self, name: str = "Balint reading list", group_id: str | None = None) -> dict:
        """One user, one group they own, and a key that can write to it."""
        user = self.state.add_user("enid")
        group = self.state.add_group(name, user, group_id)
        key = self.state.add_key(user, {group.id: True})
        return {"user_id": user.id, "group_id": group.id, "key": key}

    def group(self, gid: str) -> Group:
        return self.state.groups[gid]


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


def _text_error(message: str) -> str:
    return html.escape(message, quote=False).replace('"', "&quot;")


class _Handler(ReadAnswers, BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ZoteroTestServer/1.0"
    disable_nagle_algorithm = True

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PATCH(self):
        self._dispatch("PATCH")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_DELETE(self):
        self._dispatch("DELETE")

    @property
    def api(self) -> ZoteroServer:
        return self.server.api

    # -- plumbing -----------------------------------------------------------------------
    def _dispatch(self, method: str) -> None:
        split = urlsplit(self.path)
        path = split.path.rstrip("/") or "/"
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        api = self.api
        api.counts[f"{method} {path}"] += 1
        f = api.faults
        with api.fault_lock:
            drop = f.drop_next > 0
            if drop:
                f.drop_next -= 1
            drop_after = method != "GET" and f.drop_after_commit > 0 and not drop
            if drop_after:
                f.drop_after_commit -= 1
            delay = 0.0
            if f.delay:
                delay = f.delay
                if f.delay_next > 0:
                    f.delay_next -= 1
                    if f.delay_next == 0:
                        f.delay = 0.0
            burst = f.status_burst.pop(0) if f.status_burst and not drop else None
            backoff = None
            if f.backoff_next > 0:
                f.backoff_next -= 1
                backoff = f.backoff_seconds
        if drop:
            api.log.append((method, self.path, 0))
            self._drop()
            return
        if delay:
            time.sleep(delay)
        extra = {"Backoff": backoff} if backoff else {}
        if burst is not None:
            status, retry_after, msg = burst
            msg = msg or ("Request rate limit exceeded" if status == 429 else "Service unavailable")
            if retry_after:
                extra["Retry-After"] = retry_after
            api.log.append((method, self.path, status))
            self._reply(status, msg, extra)
            return
        try:
            status, body, headers = self._route(method, path, query, raw)
        except ApiError as err:
            status, body, headers = err.status, _text_error(err.message), err.headers
        except Exception as exc:  # a bug in the server must still answer
            status, body, headers = 500, _text_error(f"An error occurred: {exc}"), {}
        api.log.append((method, self.path, status))
        if drop_after and status < 300:
            self._drop()
            return
        self._reply(status, body, {**headers, **extra})

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _reply(self, status: int, body, headers: dict | None = None) -> None:
        if body is None:
            data, ctype = b"", None
        elif isinstance(body, str):
            data, ctype = body.encode(), "text/plain; charset=utf-8"
        else:
            data, ctype = json.dumps(body, ensure_ascii=False).encode(), "application/json"
        self.send_response(status)
        if ctype and status not in (204, 304):
            self.send_header("Content-Type", ctype)
        self.send_header("Zotero-API-Version", API_VERSION)
        self.send_header("Zotero-Schema-Version", SCHEMA_VERSION)
        for name, value in (headers or {}).items():
            self.send_header(name, str(value))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)

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

    # -- routing ------------------------------------------------------------------------
    def _route(self, method: str, path: str, query: dict, raw: bytes):
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
                    if not access.get("write"):
                        raise ApiError(403, "Write access denied")
                    return self._post(raw, group, key,
                                      int(self.headers["If-Unmodified-Since-Version"])
                                      if (self.headers.get("If-Unmodified-Since-Version") or "").isdigit() else None,
                                      collections=True)
                if head in ("collections", "searches", "tags") and method == "GET":
                    return self._other_listing(head, query, group)
        raise ApiError(404, "Not found")

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
            ims = self.headers.get("If-Modified-Since-Version")
            if ims and ims.isdigit() and g.version <= int(ims):
                return 304, None, {"Last-Modified-Version": g.version}
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
        ius = self.headers.get("If-Unmodified-Since-Version")
        ius_v = int(ius) if ius and ius.isdigit() else None
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

    def _library_precondition(self, g: Group, ius_v: int | None) -> None:
        if ius_v is not None and g.version > ius_v:
            raise ApiError(412, f"Library has been modified since specified version (expected {ius_v}, "
                                f"found {g.version})", {"Last-Modified-Version": g.version})

    def _json(self, raw: bytes):
        try:
            return json.loads(raw.decode("utf-8") or "null")
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "Invalid JSON") from None

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

def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="A local Zotero-compatible API server for trials.")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0, help="seed this many group items and notes")
    args = ap.parse_args(argv)
    server = ZoteroServer(port=args.port).start()
    info = server.setup_basic()
    if args.seed:
        seed_group(server.state, server.group(info["group_id"]), args.seed, args.seed, seed=args.seed)
    print(f"Zotero test server at {server.url}")
    print(f"group id: {info['group_id']}")
    print(f"API key:  {info['key']}  (a throwaway key of this test server, for BALINTBIB_ZOTERO_KEY)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
