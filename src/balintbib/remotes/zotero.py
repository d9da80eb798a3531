"""The Zotero Web API v3 client for one group library.

Faithful to ../shared/docs/zotero-api.md and the contract tests:

* the API key in ``Zotero-API-Key`` (never in a URL, never printed),
  ``Zotero-API-Version: 3``;
* incremental reads by library version: ``GET /items?since=V&format=versions
  &includeTrashed=1`` sent with ``If-Modified-Since-Version: V`` (a 304 means
  nothing changed: one request), then the changed items by ``itemKey`` in
  batches of 100, then ``/deleted?since=V``; when the library moved while
  reading, the listing starts again;
* writes in batches of at most 50 objects, each with its ``version`` (0 =
  create only, with a key chosen here, so a create resent after a lost answer
  cannot make a second item) and ``If-Unmodified-Since-Version`` on the
  request; the write report is read per object (successful / unchanged /
  failed);
* ``Backoff`` (on any answer, 200 included) pauses every request;
  ``Retry-After`` (seconds or an HTTP date) is honoured on 429 and 503; 429,
  503 and dropped connections are retried with capped backoff (every write is
  versioned, so resending one is safe).
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import requests

from .base import AuthError, NotFound, PermissionDenied, PreconditionFailed, RemoteError, RemoteRecord
from .mendeley import BROKEN_TRANSFER, RetryPolicy, broken_kind

DEFAULT_API_URL = "https://api.zotero.org"
READ_BATCH = 100  # itemKey= forces limit=100
WRITE_BATCH = 50
RETRY_STATUSES = (429, 500, 502, 503, 504)
MAX_RETRY_AFTER = 600.0


class FullResync(RemoteError):
    """``/deleted`` answered 409: the delete log no longer reaches back to ``since``."""


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class ObjectResult:
    """One object's outcome in a write report."""

    def __init__(self, status: str, key: str | None, data: dict | None = None, code: int = 0, message: str = ""):
        self.status, self.key, self.data, self.code, self.message = status, key, data, code, message

    def __repr__(self) -> str:
        return f"ObjectResult({self.status!r}, {self.key!r}, code={self.code})"


class ZoteroClient:
    """One Zotero group library over the Web API (``name`` is the remote's name)."""

    def __init__(self, name: str, group_id: str, key_source, api_url: str = DEFAULT_API_URL,
                 timeout: tuple[float, float] = (10.0, 60.0), retry: RetryPolicy | None = None,
                 session: requests.Session | None = None, seed: int | None = None):
        self.name = name
        self.group_id = str(group_id)
        self.api_url = api_url.rstrip("/")
        self.keys = key_source  # has .api_key()
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.session = session or requests.Session()
        self.requests = 0
        self.request_counts: Counter[str] = Counter()
        self.retries = 0
        self.backoffs: list[float] = []  # Backoff/Retry-After pauses honoured (seconds)
        self.library_version: int | None = None
        self.chain: int | None = None  # see start_chain
        self._pause_until = 0.0
        self._rng = random.Random(seed)
        self._host = urlsplit(self.api_url).netloc
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ZoteroClient(name={self.name!r}, group_id={self.group_id!r}, api_url={self.api_url!r})"

    def close(self) -> None:
        self.session.close()

    @property
    def prefix(self) -> str:
        return f"/groups/{self.group_id}"

    # -- the one way a request is made ---------------------------------------------------
    def request(self, method: str, url: str, *, what: str, params: dict | None = None, json_body=None,
                headers: dict | None = None, ok: tuple[int, ...] = (200,), document: str | None = None
                ) -> requests.Response:
        if url.startswith("/"):
            url = self.api_url + url
        elif urlsplit(url).netloc != self._host:
            raise RemoteError(f"{what}: the server pointed to another host ({urlsplit(url).netloc}); refusing to follow")
        hdrs = {"Zotero-API-Version": "3", "Zotero-API-Key": self.keys.api_key()}
        hdrs.update(headers or {})
        busy = conn_failures = 0
        while True:
            wait = self._pause_until - time.monotonic()
            if wait > 0:
                self.retry.sleep(wait)
            with self._lock:
                self.requests += 1
                self.request_counts[f"{method} {urlsplit(url).path}"] += 1
            try:
                resp = self.session.request(method, url, params=params, json=json_body, headers=hdrs,
                                            timeout=self.timeout, allow_redirects=False)
                if resp.status_code in ok and resp.content and "json" in resp.headers.get("Content-Type", ""):
                    resp.json()  # a body cut short or garbled is a broken transfer, like a dropped connection
            except BROKEN_TRANSFER as exc:  # resent: every write is versioned or keyed
                kind = broken_kind(exc)
                if conn_failures >= self.retry.connection_retries:
                    raise RemoteError(f"{what}: {kind} ({conn_failures + 1} tries); is {self._host} reachable?",
                                      document=document) from None
                self.retry.sleep(self.retry.delay(conn_failures, self._rng))
                conn_failures += 1
                self.retries += 1
                continue
            backoff = retry_after_seconds(resp.headers.get("Backoff"))
            if backoff:
                self.backoffs.append(backoff)
                self._pause_until = max(self._pause_until, time.monotonic() + min(backoff, MAX_RETRY_AFTER))
            version = resp.headers.get("Last-Modified-Version")
            if version and version.isdigit() and "/items/" not in urlsplit(url).path:
                self.library_version = int(version)
            if resp.status_code in RETRY_STATUSES:
                if busy + 1 >= self.retry.attempts:
                    raise RemoteError(f"{what}: Zotero kept answering {resp.status_code} "
                                      f"({_first_line(resp.text)}) after {busy + 1} tries; try again later",
                                      status=resp.status_code, document=document)
                after = retry_after_seconds(resp.headers.get("Retry-After"))
                delay = min(after, MAX_RETRY_AFTER) if after is not None else self.retry.delay(busy, self._rng)
                if after is not None:
                    self.backoffs.append(after)
                self.retry.sleep(delay)
                busy += 1
                self.retries += 1
                continue
            if resp.status_code in ok:
                return resp
            raise self._error(resp, what, document)

    def _error(self, resp: requests.Response, what: str, document: str | None) -> RemoteError:
        status = resp.status_code
        text = _first_line(resp.text)
        if status == 403 and "Invalid key" in text:
            return AuthError(f"{what}: Zotero refused the API key (403 Invalid key); run `balintbib login {self.name}` "
                             f"with a valid key, or renew BALINTBIB_ZOTERO_KEY", status=status, document=document)
        if status == 403:
            return PermissionDenied(f"{what}: 403 {text}; does the API key have write access to group "
                                    f"{self.group_id}?", status=status, document=document)
        if status == 404:
            return NotFound(f"{what}: 404 {text}", status=status, document=document)
        if status == 412:
            return PreconditionFailed(f"{what}: 412 {text}", status=status, document=document)
        return RemoteError(f"{what}: {status} {text}", status=status, document=document)

    # -- reading ----------------------------------------------------------------------------
    def key_info(self) -> dict:
        info = body(self.request("GET", "/keys/current", what="check the API key"), dict, "check the API key")
        return info

    def groups(self) -> list[dict]:
        """The groups of the key's user, as ``{id, name, role}``."""
        info = self.key_info()
        resp = self.request("GET", f"/users/{info.get('userID')}/groups", params={"limit": "100"},
                            what="list your Zotero groups")
        out = []
        for g in body(resp, list, "list your Zotero groups"):
            if not isinstance(g, dict):
                continue
            data = g.get("data") or {}
            gid = str(data.get("id") or g.get("id"))
            role = "owner" if data.get("owner") == info.get("userID") else \
                "admin" if info.get("userID") in (data.get("admins") or []) else "member"
            out.append({"id": gid, "name": data.get("name", ""), "role": role})
        return out

    def group_info(self) -> dict:
        return body(self.request("GET", self.prefix, what=f"read group {self.group_id}"), dict, "read the group")

    def versions(self, since: int | None, *, top: bool = False) -> dict[str, int] | None:
        """``{key: version}`` of every item changed after `since` (all items when None), trash
        included; None when nothing changed (304)."""
        params = {"format": "versions", "includeTrashed": "1"}
        headers = {}
        if since is not None:
            params["since"] = str(since)
            headers["If-Modified-Since-Version"] = str(since)
        resp = self.request("GET", f"{self.prefix}/items" + ("/top" if top else ""), params=params,
                            headers=headers, ok=(200, 304), what="list the group's changed items")
        if resp.status_code == 304:
            return None
        data = body(resp, dict, "list the group's changed items")
        try:
            return {str(k): int(v) for k, v in data.items()}
        except (TypeError, ValueError):
            raise RemoteError("list the group's changed items: the server sent a version that is not a number") from None

    def items(self, keys: list[str]) -> list[dict]:
        """Full item objects (envelopes) by key, 100 per request."""
        out = []
        for i in range(0, len(keys), READ_BATCH):
            batch = keys[i:i + READ_BATCH]
            resp = self.request("GET", f"{self.prefix}/items", params={"itemKey": ",".join(batch),
                                                                        "includeTrashed": "1"},
                                what=f"read {len(batch)} item(s)")
            out.extend(e for e in body(resp, list, f"read {len(batch)} item(s)")
                       if isinstance(e, dict) and isinstance(e.get("data", e), dict) and (e.get("data", e)).get("key"))
        return out

    def deleted(self, since: int) -> list[str]:
        resp = self.request("GET", f"{self.prefix}/deleted", params={"since": str(since)}, ok=(200, 409),
                            what="read the group's deletion log")
        if resp.status_code == 409:
            raise FullResync("the deletion log does not reach back to the last sync; a full pull is needed")
        return [str(k) for k in body(resp, dict, "read the group's deletion log").get("items") or []]

    def get(self, key: str) -> RemoteRecord:
        resp = self.request("GET", f"{self.prefix}/items/{key}", what=f"read item {key}", document=key)
        return record(body(resp, dict, f"read item {key}"))

    def find(self, key: str) -> RemoteRecord | None:
        try:
            return self.get(key)
        except NotFound:
            return None

    # -- writing ----------------------------------------------------------------------------
    def collection_versions(self) -> dict[str, int]:
        resp = self.request("GET", f"{self.prefix}/collections", params={"format": "versions"},
                            what="list the group's collections")
        data = body(resp, dict, "list the group's collections")
        return {str(k): int(v) for k, v in data.items() if str(v).isdigit()}

    def write(self, objects: list[dict], what: str = "write items", kind: str = "items") -> list[ObjectResult]:
        """POST objects in batches of at most 50; one result per object, in order.

        A library-level 412 (someone wrote meanwhile) is retried with the new
        library version: every object carries its own version, which is what
        guards it.
        """
        results: list[ObjectResult] = []
        for i in range(0, len(objects), WRITE_BATCH):
            batch = objects[i:i + WRITE_BATCH]
            for _attempt in range(5):
                headers = {}
                if self.library_version is not None:
                    headers["If-Unmodified-Since-Version"] = str(self.library_version)
                sent = self.library_version
                try:
                    resp = self.request("POST", f"{self.prefix}/{kind}", json_body=batch, headers=headers,
                                        what=f"{what} ({len(batch)} object(s))")
                    self._extend_chain(sent)
                    break
                except PreconditionFailed as exc:  # the 412 carried the new library version
                    self.chain = None
                    if "Library has been modified" not in str(exc):
                        raise
            else:
                raise RemoteError(f"{what}: the group kept changing; try again later")
            report = body(resp, dict, what)
            for j, obj in enumerate(batch):
                idx = str(j)
                if idx in report.get("successful", {}):
                    env = report["successful"][idx]
                    results.append(ObjectResult("successful", env.get("key"), env))
                elif idx in report.get("unchanged", {}):
                    results.append(ObjectResult("unchanged", report["unchanged"][idx]))
                elif idx in report.get("failed", {}):
                    f = report["failed"][idx]
                    results.append(ObjectResult("failed", f.get("key") or obj.get("key"), f, int(f.get("code") or 0),
                                                str(f.get("message") or "")))
                elif idx in report.get("success", {}):  # an older server: only the key
                    results.append(ObjectResult("unchanged", report["success"][idx]))
                else:
                    results.append(ObjectResult("failed", obj.get("key"), None, 0, "no result for this object"))
        return results

    def start_chain(self, version: int | None) -> None:
        """Writes from here on are sent with ``If-Unmodified-Since-Version`` = the version
        the library had at the last pull; while each one is accepted, nobody else wrote in
        between, so the pull cursor may move past our own writes (`chain`)."""
        self.library_version = self.chain = version

    def _extend_chain(self, sent: int | None) -> None:
        if self.chain is not None and sent == self.chain and self.library_version is not None:
            self.chain = self.library_version
        else:
            self.chain = None

    def write_one(self, obj: dict, what: str, document: str | None = None) -> RemoteRecord:
        """One object; typed errors for its failure; the stored object back."""
        result = self.write([obj], what)[0]
        if result.status == "successful":
            return record(result.data)
        if result.status == "unchanged":
            return self.get(result.key)
        raise object_error(result, what, document or obj.get("key"))

    def delete_item(self, key: str, version: str, what: str | None = None) -> None:
        self.chain = None
        self.request("DELETE", f"{self.prefix}/items/{key}", headers={"If-Unmodified-Since-Version": str(version)},
                     ok=(204,), what=what or f"delete item {key}", document=key)


def body(resp: requests.Response, kind: type, what: str):
    """The JSON body, of the expected kind, or one clear error (never a traceback)."""
    try:
        data = resp.json()
    except ValueError:
        raise RemoteError(f"{what}: the server's answer is not JSON ({_first_line(resp.text)[:80]!r})",
                          status=resp.status_code) from None
    if not isinstance(data, kind):
        raise RemoteError(f"{what}: the server's answer is not a JSON {'object' if kind is dict else 'list'}",
                          status=resp.status_code)
    return data


def object_error(result: ObjectResult, what: str, document: str | None) -> RemoteError:
    msg = f"{what}: {result.code} {result.message}"
    if result.code == 412:
        return PreconditionFailed(msg, status=412, document=document)
    if result.code == 404:
        return NotFound(msg, status=404, document=document)
    if result.code == 403:
        return PermissionDenied(msg, status=403, document=document)
    return RemoteError(msg, status=result.code or None, document=document)


def record(envelope: dict) -> RemoteRecord:
    """An item envelope (or its ``data``) as a record: id = key, version = object version."""
    data = dict(envelope.get("data", envelope))
    meta = envelope.get("meta") if "data" in envelope else None
    if meta:
        data["_meta"] = meta
    return RemoteRecord(id=str(data.get("key", "")), version=str(data.get("version", "")), data=data)


def _first_line(text: str) -> str:
    import html

    line = (text or "").strip().splitlines()[0] if (text or "").strip() else "(no message)"
    return html.unescape(line)[:300]


def check_key(remote_cfg, key: str, **kwargs) -> dict:
    """``{user_id, username, write}`` for `key` on the remote's group; one clear error
    when the key is refused or has no access to that group."""
    from .auth import ZoteroKey

    client = ZoteroClient(remote_cfg.name, remote_cfg.group, ZoteroKey(remote_cfg.name, key),
                          api_url=remote_cfg.api_url, **kwargs)
    try:
        info = client.key_info()
    finally:
        client.close()
    groups = (info.get("access") or {}).get("groups") or {}
    access = groups.get(str(remote_cfg.group)) or groups.get("all")
    if not access or not access.get("library"):
        raise AuthError(f"the API key has no access to Zotero group {remote_cfg.group}; create a key with access "
                        f"to that group at zotero.org/settings/keys")
    return {"user_id": info.get("userID"), "username": info.get("username") or "", "write": bool(access.get("write"))}


def client_for(remote_cfg, key_source=None, **kwargs) -> ZoteroClient:
    from .auth import zotero_key_source

    return ZoteroClient(remote_cfg.name, remote_cfg.group, key_source or zotero_key_source(remote_cfg.name),
                        api_url=remote_cfg.api_url, **kwargs)
