"""The Mendeley REST API client for one group library.

Faithful to the service as recorded (see docs/notes-mendeley.md and the
contract tests):

* versioned media types in ``Accept``/``Content-Type``;
* listings in ``view=all`` with ``limit=500``, following the ``Link`` header's
  ``rel="next"`` URL as an opaque URL (only to the same host: the token never
  goes elsewhere);
* incremental reads with ``modified_since``/``deleted_since``; the cursor is
  the server's ``Date`` at the start of a listing, never the local clock;
* ``PATCH`` with only the changed fields (``None`` clears a field) and
  ``If-Unmodified-Since`` set to the base ``last_modified`` as an HTTP-date;
* 429 and 503 (which carry no ``Retry-After``) retried with capped exponential
  backoff and jitter; connection errors and timeouts retried a bounded number
  of times for requests that are safe to repeat; an expired token refreshed
  once on "Token has expired";
* every other failure raised as one typed error (`balintbib.remotes.base`)
  whose message names the document.

One ``requests.Session`` per client, a timeout on every call, and counters
(`requests`, `request_counts`) for tests and benchmarks.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlsplit

import requests

from ..formats.mendeley_check import NOT_AN_OBJECT
from .auth import ENV_TOKEN, EnvToken, TokenSource
from .base import (
    AuthError,
    Listing,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    Remote,
    RemoteError,
    RemoteRecord,
)

DEFAULT_API_URL = "https://api.mendeley.com"
MT_DOCUMENT = "application/vnd.mendeley-document.1+json"
MT_ANNOTATION = "application/vnd.mendeley-annotation.1+json"
MT_GROUP = "application/vnd.mendeley-group.1+json"
MT_MEMBERSHIP = "application/vnd.mendeley-membership.1+json"
MT_PROFILE = "application/vnd.mendeley-profiles.1+json"
PAGE_LIMIT = 500
LISTING_TRIES = 3  # reads of a listing that came back shorter than its Mendeley-Count
RETRY_STATUSES = (429, 503)
#: Fields the server manages; never sent in a POST or PATCH body.
SERVER_FIELDS = ("id", "created", "last_modified", "profile_id", "group_id", "file_attached")
#: Methods that may be repeated after a lost connection (POST creates may not).
IDEMPOTENT = ("GET", "PATCH", "DELETE")


@dataclass
class RetryPolicy:
    """How hard to try.  Tests shrink the delays; the defaults suit the real API."""

    attempts: int = 6  # tries in all for 429/503
    base_delay: float = 1.0  # seconds before the first retry
    max_delay: float = 60.0  # cap of one delay
    jitter: float = 0.5  # each delay is scaled by 1 +- jitter * random
    connection_retries: int = 3  # retries after a dropped connection or a timeout
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int, rng: random.Random) -> float:
        d = min(self.max_delay, self.base_delay * (2 ** attempt))
        return max(0.0, d * (1 + self.jitter * (2 * rng.random() - 1)))


#: A request whose answer never arrived whole: retried like a dropped connection.
BROKEN_TRANSFER = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
                   requests.exceptions.ContentDecodingError, requests.exceptions.JSONDecodeError)


def broken_kind(exc: Exception) -> str:
    """How a broken transfer (`BROKEN_TRANSFER`) is said in an error message."""
    if isinstance(exc, requests.Timeout):
        return "timed out"
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return "got an answer that could not be decompressed"
    if isinstance(exc, (requests.exceptions.ChunkedEncodingError, requests.exceptions.JSONDecodeError)):
        return "got an answer cut off in transfer"
    return "lost the connection"


def http_date(iso: str) -> str:
    """``2014-09-04T11:38:22.000Z`` -> ``Thu, 04 Sep 2014 11:38:22 GMT``."""
    t = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return format_datetime(t.astimezone(UTC), usegmt=True)


def cursor_from_date(date_header: str | None) -> str:
    """The server's ``Date`` as an ISO-8601 cursor (second precision, UTC)."""
    if date_header:
        try:
            t = parsedate_to_datetime(date_header).astimezone(UTC)
            return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        except (TypeError, ValueError):
            pass
    raise RemoteError("the server sent no usable Date header; cannot take a sync cursor")


def is_token_expired(resp: requests.Response) -> bool:
    if resp.status_code not in (400, 401, 403):
        return False
    text = resp.text or ""
    return "Token has expired" in text or "oauth/TOKEN_EXPIRED" in text


class MendeleyClient(Remote):
    """One Mendeley group library, spoken to over the REST API.

    ``name`` is the remote's name (used in messages and as the key of
    ``Reference.remote_ids``); ``group_id`` the Mendeley group.
    """

    def __init__(self, name: str, group_id: str, tokens: TokenSource, api_url: str = DEFAULT_API_URL,
                 timeout: tuple[float, float] = (10.0, 60.0), retry: RetryPolicy | None = None,
                 page_limit: int | None = None, session: requests.Session | None = None,
                 seed: int | None = None):
        self.name = name
        self.group_id = group_id
        self.api_url = api_url.rstrip("/")
        self.tokens = tokens
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.page_limit = page_limit or PAGE_LIMIT
        self.session = session or requests.Session()
        self.requests = 0  # HTTP requests sent (retries included)
        self.request_counts: Counter[str] = Counter()  # "GET /documents" -> n
        self.retries = 0
        self._rng = random.Random(seed)
        self._host = urlsplit(self.api_url).netloc
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MendeleyClient(name={self.name!r}, group_id={self.group_id!r}, api_url={self.api_url!r})"

    def close(self) -> None:
        self.session.close()

    # -- the one way a request is made -------------------------------------------
    def request(self, method: str, url: str, *, what: str, media_type: str,
                params: dict | None = None, json_body: dict | None = None,
                headers: dict | None = None, document: str | None = None,
                ok: tuple[int, ...] = (200,)) -> requests.Response:
        """Send one API request with retries, refresh and typed errors.

        `url` is a path (``/documents``) or an absolute URL on the API host;
        `what` says what is being done ("update document 'Title' (id)") for
        error messages.
        """
        if url.startswith("/"):
            url = self.api_url + url
        elif urlsplit(url).netloc != self._host:
            raise RemoteError(f"{what}: the server pointed to another host ({urlsplit(url).netloc}); refusing to follow")
        hdrs = {"Accept": media_type}
        if json_body is not None:
            hdrs["Content-Type"] = media_type
        hdrs.update(headers or {})
        busy = conn_failures = 0
        refreshed = False
        while True:
            hdrs["Authorization"] = f"Bearer {self.tokens.access_token()}"
            self._count(method, url)
            try:
                resp = self.session.request(method, url, params=params, json=json_body, headers=hdrs,
                                            timeout=self.timeout, allow_redirects=False)
                if resp.status_code in ok and resp.content and "json" in resp.headers.get("Content-Type", ""):
                    resp.json()  # a body cut short or garbled is a broken transfer, like a dropped connection
            except BROKEN_TRANSFER as exc:
                kind = broken_kind(exc)
                if method not in IDEMPOTENT:
                    raise RemoteError(f"{what}: {kind}; the server may or may not have done it "
                                      f"(check the group before trying again)", document=document) from None
                if conn_failures >= self.retry.connection_retries:
                    raise RemoteError(f"{what}: {kind} ({conn_failures + 1} tries); is {self._host} reachable?",
                                      document=document) from None
                self.retry.sleep(self.retry.delay(conn_failures, self._rng))
                conn_failures += 1
                self.retries += 1
                continue
            if resp.status_code in RETRY_STATUSES:
                if busy + 1 >= self.retry.attempts:
                    label = "rate limited (429)" if resp.status_code == 429 else "service unavailable (503)"
                    raise RemoteError(f"{what}: Mendeley kept answering {label} after {busy + 1} tries; "
                                      f"try again later", status=resp.status_code, document=document)
                self.retry.sleep(self.retry.delay(busy, self._rng))
                busy += 1
                self.retries += 1
                continue
            if is_token_expired(resp) and not refreshed:
                refreshed = True
                if self.tokens.refresh():
                    continue
                raise AuthError(f"{what}: the access token has expired and cannot be refreshed "
                                f"(run `balintbib login {self.name}`, or renew BALINTBIB_MENDELEY_TOKEN)",
                                status=resp.status_code, document=document)
            if resp.status_code in ok:
                return resp
            raise self._error(resp, what, document)

    def _count(self, method: str, url: str) -> None:
        with self._lock:
            self.requests += 1
            self.request_counts[f"{method} {urlsplit(url).path}"] += 1

    def _error(self, resp: requests.Response, what: str, document: str | None) -> RemoteError:
        status = resp.status_code
        try:
            body = resp.json()
            detail = body.get("message") or body.get("error_description") or body.get("error") or ""
        except (ValueError, AttributeError):
            detail = (resp.text or "").strip().splitlines()[0][:200] if resp.text else ""
        detail = f": {detail}" if detail else ""
        msg = f"{what}: {status}{detail}"
        if status == 401:
            if isinstance(self.tokens, EnvToken):  # the variable overrides the login: say so
                return AuthError(f"{msg} (the token in {ENV_TOKEN} was refused: renew it, or unset it to use "
                                 f"`balintbib login {self.name}`)", status=status, document=document)
            return AuthError(f"{msg} (run `balintbib login {self.name}`)", status=status, document=document)
        if status == 403:
            return PermissionDenied(f"{msg} (does your account have write access to the group?)",
                                    status=status, document=document)
        if status == 404:
            return NotFound(msg, status=status, document=document)
        if status == 412:
            return PreconditionFailed(f"{msg} (changed on the server since the last sync)",
                                      status=status, document=document)
        return RemoteError(msg, status=status, document=document)

    # -- listings ---------------------------------------------------------------
    def pages(self, path: str, params: dict, media_type: str, what: str) -> Iterator[requests.Response]:
        """Every page of a listing, following ``Link: <...>; rel="next"`` as is."""
        resp = self.request("GET", path, params=params, media_type=media_type, what=what)
        yield resp
        seen: set[str] = set()
        while "next" in resp.links:
            url = resp.links["next"]["url"]
            if url in seen:
                raise RemoteError(f"{what}: the server's pages loop (the same next page twice); stopped")
            seen.add(url)
            resp = self.request("GET", url, media_type=media_type, what=what)
            yield resp

    def listing(self, path: str, params: dict, media_type: str, what: str) -> Listing:
        """Every record of a listing, each id once.

        The first page's ``Mendeley-Count`` says how many there are; a listing
        that brings fewer different ids (a page served twice or shifted: a
        server or proxy glitch) is read again, and if it is still short, is an
        error: a sync never goes on from an incomplete listing (it would take
        the missing documents as deleted, or move its cursor past them).
        """
        before = self.requests
        for attempt in range(LISTING_TRIES):
            records, cursor, expected = self._read_listing(path, params, media_type, what)
            if expected is None or len(records) >= expected:
                return Listing(records, cursor or "", self.requests - before)
            self.retries += 1
        raise RemoteError(f"{what}: the server listed {len(records)} different items of the {expected} it "
                          f"announced ({LISTING_TRIES} tries); nothing was changed, try again later")

    def _read_listing(self, path: str, params: dict, media_type: str, what: str):
        by_id: dict[str, RemoteRecord] = {}
        odd: list[RemoteRecord] = []
        cursor = expected = None
        for resp in self.pages(path, params, media_type, what):
            if cursor is None:
                cursor = cursor_from_date(resp.headers.get("Date"))
                count = resp.headers.get("Mendeley-Count", "")
                expected = int(count) if count.isdigit() else None
            try:
                items = resp.json()
            except ValueError:
                raise RemoteError(f"{what}: the server sent a page that is not JSON") from None
            if not isinstance(items, list):
                raise RemoteError(f"{what}: expected a list, got {type(items).__name__}")
            for item in items:
                # An item that is not an object cannot be read at all; the engine checks the rest.
                rec = RemoteRecord.from_json(item if isinstance(item, dict) else {NOT_AN_OBJECT: item})
                if rec.id and isinstance(item, dict) and isinstance(item.get("id"), str):
                    by_id[rec.id] = rec  # an item listed twice (overlapping pages) counts once
                else:
                    odd.append(rec)
        return list(by_id.values()) + odd, cursor, expected

    @staticmethod
    def _since(cursor: str | None) -> str | None:
        if not cursor:
            return None
        return cursor if "T" in cursor else None

    def documents_since(self, cursor: str | None = None) -> Listing:
        params = {"group_id": self.group_id, "view": "all", "limit": self.page_limit}
        if self._since(cursor):
            params["modified_since"] = cursor
        return self.listing("/documents", params, MT_DOCUMENT, f"list documents of group {self.group_id}")

    def deletions_since(self, cursor: str) -> Listing:
        params = {"group_id": self.group_id, "deleted_since": cursor, "limit": self.page_limit}
        return self.listing("/documents", params, MT_DOCUMENT, f"list deleted documents of group {self.group_id}")

    def trash(self, cursor: str | None = None) -> Listing:
        params = {"group_id": self.group_id, "view": "all", "limit": self.page_limit}
        if self._since(cursor):
            params["modified_since"] = cursor
        return self.listing("/trash", params, MT_DOCUMENT, f"list the trash of group {self.group_id}")

    def annotations_since(self, cursor: str | None = None) -> Listing:
        params = {"group_id": self.group_id, "limit": self.page_limit}
        if self._since(cursor):
            params["modified_since"] = cursor
        return self.listing("/annotations", params, MT_ANNOTATION, f"list annotations of group {self.group_id}")

    def annotation_deletions_since(self, cursor: str) -> Listing:
        params = {"group_id": self.group_id, "deleted_since": cursor, "limit": self.page_limit}
        return self.listing("/annotations", params, MT_ANNOTATION,
                            f"list deleted annotations of group {self.group_id}")

    # -- single documents -------------------------------------------------------
    @staticmethod
    def _label(document_id: str | None, data: dict | None = None) -> str:
        title = (data or {}).get("title")
        if title and document_id:
            return f"document {title[:60]!r} ({document_id})"
        if title:
            return f"document {title[:60]!r}"
        return f"document {document_id}"

    def get(self, document_id: str, view: str = "all") -> RemoteRecord:
        resp = self.request("GET", f"/documents/{document_id}", params={"view": view}, media_type=MT_DOCUMENT,
                            what=f"get {self._label(document_id)}", document=document_id)
        return RemoteRecord.from_json(resp.json())

    def create(self, data: dict) -> RemoteRecord:
        body = {k: v for k, v in data.items() if k not in SERVER_FIELDS}
        body["group_id"] = self.group_id
        resp = self.request("POST", "/documents", json_body=body, media_type=MT_DOCUMENT, ok=(201,),
                            what=f"create {self._label(None, data)} in group {self.group_id}")
        return RemoteRecord.from_json(resp.json())

    def update(self, document_id: str, changes: dict, base_version: str,
               title: str | None = None) -> RemoteRecord:
        """PATCH only `changes` (``None`` clears a field); 412 -> `PreconditionFailed`."""
        headers = {"If-Unmodified-Since": http_date(base_version)} if base_version else {}
        changes = {k: v for k, v in changes.items() if k not in SERVER_FIELDS}
        label = self._label(document_id, {"title": title} if title else changes)
        resp = self.request("PATCH", f"/documents/{document_id}", json_body=changes, headers=headers,
                            media_type=MT_DOCUMENT, what=f"update {label}", document=document_id)
        return RemoteRecord.from_json(resp.json())

    def move_to_trash(self, document_id: str, title: str | None = None) -> None:
        self.request("POST", f"/documents/{document_id}/trash", media_type="*/*", ok=(204,),
                     what=f"move {self._label(document_id, {'title': title})} to the trash", document=document_id)

    def restore(self, document_id: str, title: str | None = None) -> None:
        self.request("POST", f"/trash/{document_id}/restore", media_type="*/*", ok=(204,),
                     what=f"restore {self._label(document_id, {'title': title})} from the trash",
                     document=document_id)

    def delete(self, document_id: str, title: str | None = None) -> None:
        """Delete for good (a trashed document is deleted from the trash)."""
        label = self._label(document_id, {"title": title})
        try:
            self.request("DELETE", f"/documents/{document_id}", media_type="*/*", ok=(204,),
                         what=f"delete {label}", document=document_id)
        except NotFound:
            self.request("DELETE", f"/trash/{document_id}", media_type="*/*", ok=(204,),
                         what=f"delete {label}", document=document_id)

    # -- annotations ------------------------------------------------------------
    def create_annotation(self, data: dict) -> RemoteRecord:
        resp = self.request("POST", "/annotations", json_body=data, media_type=MT_ANNOTATION, ok=(201,),
                            what=f"add the note of {self._label(data.get('document_id'))}",
                            document=data.get("document_id"))
        return RemoteRecord.from_json(resp.json())

    def update_annotation(self, annotation_id: str, changes: dict, base_version: str | None = None,
                          document_id: str | None = None) -> RemoteRecord:
        headers = {"If-Unmodified-Since": http_date(base_version)} if base_version else {}
        resp = self.request("PATCH", f"/annotations/{annotation_id}", json_body=changes, headers=headers,
                            media_type=MT_ANNOTATION,
                            what=f"update the note of {self._label(document_id or annotation_id)}",
                            document=document_id)
        return RemoteRecord.from_json(resp.json())

    def delete_annotation(self, annotation_id: str, document_id: str | None = None) -> None:
        self.request("DELETE", f"/annotations/{annotation_id}", media_type="*/*", ok=(204,),
                     what=f"delete the note of {self._label(document_id or annotation_id)}", document=document_id)

    # -- account ----------------------------------------------------------------
    def groups(self) -> list[dict]:
        """The groups the account can see (with its ``role`` in each)."""
        out: list[dict] = []
        for resp in self.pages("/groups", {"limit": PAGE_LIMIT}, MT_GROUP, "list your groups"):
            out.extend(resp.json())
        return out

    def group(self) -> dict:
        resp = self.request("GET", f"/groups/{self.group_id}", media_type=MT_GROUP,
                            what=f"get group {self.group_id}")
        return resp.json()

    def members(self) -> list[dict]:
        out: list[dict] = []
        for resp in self.pages(f"/groups/{self.group_id}/members", {"limit": PAGE_LIMIT}, MT_MEMBERSHIP,
                               f"list members of group {self.group_id}"):
            out.extend(resp.json())
        return out

    def me(self) -> dict:
        return self.request("GET", "/profiles/me", media_type=MT_PROFILE, what="get your profile").json()


def group_notes(annotations: list[RemoteRecord]) -> dict[str, RemoteRecord]:
    """The group annotation of each document: ``{document_id: note record}``.

    A document's shared note is an annotation of type ``note`` with privacy
    ``group``; highlights, sticky notes and private notes are not the
    reading-list annotation.
    """
    out: dict[str, RemoteRecord] = {}
    for rec in annotations:
        d = rec.data
        if d.get("type") == "note" and d.get("privacy_level") == "group" and isinstance(d.get("document_id"), str) \
                and d["document_id"] and isinstance(rec.version, str):
            prev = out.get(d["document_id"])
            if prev is None or rec.version > prev.version:
                out[d["document_id"]] = rec
    return out


def client_for(remote_cfg, tokens: TokenSource | None = None, **kwargs) -> MendeleyClient:
    """A client for a configured remote (`balintbib.remotes.config.RemoteConfig`)."""
    from .auth import token_source

    session = kwargs.pop("session", None) or requests.Session()
    tokens = tokens or token_source(remote_cfg.name, remote_cfg.api_url, session=session)
    return MendeleyClient(remote_cfg.name, remote_cfg.group, tokens, api_url=remote_cfg.api_url,
                          session=session, **kwargs)
