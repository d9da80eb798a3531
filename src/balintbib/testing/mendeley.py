"""A local server that behaves like api.mendeley.com, for tests and trials.

It is a real HTTP server on 127.0.0.1 with an ephemeral port (`balintbib.testing.server`,
stdlib only) and in-memory state (`mendeley_state`).  It answers the part of
the Mendeley REST API that balintbib uses, in the shapes recorded from the real
service (``/work/shared/mendeley-recordings``; see the contract tests):

* OAuth 2: ``GET /oauth/authorize`` (auto-approves and redirects with
  ``code`` and ``state``) and ``POST /oauth/token`` (authorization_code,
  refresh_token with rotation, client_credentials; ``expires_in`` 3600;
  400 ``invalid_grant``; 401 with ``WWW-Authenticate: Basic realm="oauth"``).
* ``/profiles/me``, ``/profiles/{id}``, ``/groups``, ``/groups/{id}``,
  ``/groups/{id}/members`` (roles owner/admin/member/follower; followers are
  read-only and get 403 on writes).
* ``/documents`` (list with ``group_id``, ``view``, ``limit`` <= 500 else 400,
  ``modified_since``, ``deleted_since`` (ids only), ``sort``, ``order``;
  marker pagination with ``Link`` first/next/previous/last and
  ``Mendeley-Count`` on the first page only), ``GET/PATCH/DELETE
  /documents/{id}`` (PATCH changes only the fields sent, ``null`` clears,
  ``If-Unmodified-Since`` as HTTP-date or ISO-8601 -> 412),
  ``POST /documents/{id}/trash``, ``/trash`` (list, get, restore, delete).
* ``/annotations`` with the same listing rules, CRUD; a plain note's id is its
  document's id.
* Versioned media types: 406 for a wrong ``Accept``, 415 for a wrong
  ``Content-Type``; a ``Date`` header on every reply; gzip when asked.
* Timestamps: a POST reply shows milliseconds, later GETs the same instant
  truncated to seconds (document notes are second-precision throughout).

Faults are switched from Python (`MendeleyFaults`, the shared switches of
`balintbib.testing.server` and Mendeley's listing glitches): bursts of 429/503
(no ``Retry-After``, like the real service), dropped connections (socket closed
without a reply), broken bodies, slow replies, and "expire every access token
now".  `MendeleyServer.counts` counts requests per path.

The resources live in their own modules, mixed into the handler: `mendeley_oauth`,
`mendeley_groups` (profiles, groups, members, folders), `mendeley_documents` (documents,
trash), `mendeley_annotations`.

Run ``python -m balintbib.testing.mendeley --port 0 --seed 100`` for manual
trials: it prints the base URL, a client id/secret and a ready access token.
"""

from __future__ import annotations

import argparse
import bisect
import json
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote, urlencode

from . import server
from .mendeley_annotations import Annotations, render_annotation, validate_annotation  # noqa: F401
from .mendeley_documents import Documents, render_document, validate_document  # noqa: F401
from .mendeley_groups import Groups
from .mendeley_oauth import OAuth
from .mendeley_state import *  # noqa: F401,F403  (the vocabulary and state, importable from here as before)
from .mendeley_state import DEFAULT_LIMIT, MAX_LIMIT, ApiError, MendeleyState, parse_time
from .server import BODY_FAULTS  # noqa: F401


@dataclass
class MendeleyFaults(server.Faults):
    """The shared switches, and Mendeley's own."""

    include_oauth: bool = False  # faults also hit /oauth/*
    #: Listing glitches of ``/documents``: "repeat" serves the previous page's items
    #: again in place of the next page (its Link header unchanged); "overlap" shifts
    #: the next page back by half a page.  Consumed one page at a time.
    page_faults: list[str] = field(default_factory=list)
    hide_count: bool = False  # leave out the ``Mendeley-Count`` header (a proxy that drops it)

    def clear(self) -> None:
        super().clear()
        self.page_faults.clear()
        self.hide_count = False


class _Handler(OAuth, Groups, Documents, Annotations, server.ApiHandler):
    server_version = "MendeleyTestServer/1.0"
    RATE_LIMITED = "We've rate limited you. Contact api-support@mendeley.com"

    def faults_apply(self, path: str) -> bool:
        return self.api.faults.include_oauth or not path.startswith("/oauth")

    # -- routing ----------------------------------------------------------------
    def _route(self, method: str, path: str, query: list, raw: bytes):
        parts = path.strip("/").split("/")
        if parts[0] == "oauth":
            if parts[1:] == ["authorize"] and method == "GET":
                return self._authorize(dict(query))
            if parts[1:] == ["token"] and method == "POST":
                return self._token(raw)
            raise ApiError(404, "Not found")
        profile = self._authenticate()
        st = self.api.state
        with st.lock:
            head = parts[0]
            if head == "profiles":
                return self._profiles(method, parts, profile)
            if head == "groups":
                return self._groups(method, parts, query, profile)
            if head == "folders":
                return self._folders(method, parts, query, profile)
            if head == "documents":
                return self._documents(method, parts, query, raw, profile)
            if head == "trash":
                return self._trash(method, parts, query, profile)
            if head == "annotations":
                return self._annotations(method, parts, query, raw, profile)
        raise ApiError(404, "Not found")

    # -- media types ------------------------------------------------------------
    def _accept(self, media_type: str) -> None:
        accept = self.headers.get("Accept")
        if not accept:
            return
        offered = [a.split(";")[0].strip() for a in accept.split(",")]
        if not any(a in (media_type, "*/*") for a in offered):
            raise ApiError(406, f"Not acceptable: this resource is {media_type}", media_type)

    def _content(self, media_type: str, raw: bytes) -> dict:
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype != media_type:
            raise ApiError(415, f"Unsupported media type: send {media_type}", media_type)
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            raise ApiError(400, "Invalid JSON", media_type) from None
        if not isinstance(body, dict):
            raise ApiError(400, "Expected a JSON object", media_type)
        return body

    # -- listing ----------------------------------------------------------------
    def _limit(self, q: dict, media_type: str) -> int:
        try:
            limit = int(q.get("limit", DEFAULT_LIMIT))
        except ValueError:
            raise ApiError(400, "Invalid limit", media_type) from None
        if not 1 <= limit <= MAX_LIMIT:
            raise ApiError(400, f"limit must be between 1 and {MAX_LIMIT}", media_type)
        return limit

    def _time_param(self, q: dict, name: str, media_type: str) -> datetime | None:
        if name not in q:
            return None
        try:
            return parse_time(q[name])
        except ValueError:
            raise ApiError(400, f"Invalid {name}: {q[name]}", media_type) from None

    def _page(self, path: str, query: list, items: list, sort_key, limit: int, style: str,
              media_type: str, render, find=None):
        """Marker pagination with Link headers, as the real service does it."""
        q = dict(query)
        reverse = q.get("reverse") == "true"
        marker = q.get("marker")
        keyed = sorted(items, key=sort_key)
        if q.get("order") == "desc":
            keyed.reverse()
        keys = [sort_key(it) for it in keyed]
        if marker:
            by_id = {_item_marker(it): k for it, k in zip(keyed, keys)}
            if marker in by_id:
                mkey = by_id[marker]
            else:  # the marker's item left the listing since (deleted, trashed...)
                ref = find(marker) if find else None
                if ref is None:
                    raise ApiError(400, "Invalid marker", media_type)
                mkey = sort_key(ref)
            if q.get("order") == "desc":
                after = next((i for i, k in enumerate(keys) if k < mkey), len(keyed))
                before = next((i for i, k in enumerate(keys) if k <= mkey), len(keyed))
            else:
                after, before = bisect.bisect_right(keys, mkey), bisect.bisect_left(keys, mkey)
        else:
            after, before = 0, len(keyed)
        if reverse:
            start, end = max(0, before - limit), before
        else:
            start, end = after, min(len(keyed), after + limit)
        page = keyed[start:end]
        has_prev, has_next = start > 0, end < len(keyed)
        glitch = None
        if marker and path == "/documents" and not reverse:
            with self.api.fault_lock:
                if self.api.faults.page_faults:
                    glitch = self.api.faults.page_faults.pop(0)
        served = page
        if glitch == "repeat":  # the previous page again, with this page's links
            served = keyed[max(0, start - limit):start]
        elif glitch == "overlap":
            served = keyed[max(0, start - limit // 2):max(0, start - limit // 2) + limit]
        first_page = not marker and not reverse
        headers: dict = {}
        rest = [(k, v) for k, v in query if k not in ("limit", "reverse", "order", "marker")]
        order = q.get("order", "asc")

        def link(rel, rev, mk=None):
            params = [("limit", str(limit)), ("reverse", "true" if rev else "false"), ("order", order)]
            if mk:
                params.append(("marker", mk))
            return f'<{self.api.url}{path}?{urlencode(params + rest, quote_via=quote)}>; rel="{rel}"'

        links = []
        if style == "full":
            if not first_page:
                links.append(link("first", False))
                if has_prev and page:
                    links.append(link("previous", True, page[0]["id"]))
            if has_next and page:
                links.append(link("next", False, page[-1]["id"]))
                links.append(link("last", True))
        elif has_next and page:
            links.append(link("next", False, _item_marker(page[-1])))
        if links:
            headers["Link"] = links
        if first_page and len(keyed) > limit and not self.api.faults.hide_count:
            headers["Mendeley-Count"] = str(len(keyed))
        return 200, [render(it) for it in served], media_type, headers



class MendeleyServer(server.LoopbackServer):
    """Start with `start()` (or as a context manager); `url` is the base URL."""

    handler = _Handler
    faults_class = MendeleyFaults
    thread_name = "mendeley-test-server"

    def __init__(self, port: int = 0, clock=None, gzip_replies: bool = True):
        self.state = MendeleyState(clock)
        self.gzip_replies = gzip_replies
        super().__init__(port)

    # -- conveniences for tests
    def setup_basic(self, group_name: str = "Balint reading list") -> dict:
        """One user, one group they own, one OAuth client and a fresh token."""
        me = self.state.add_profile("Enid", "Balint")
        gid = self.state.add_group(group_name, me)
        cid, secret = self.state.add_client()
        tok = self.state.issue_token(cid, me)
        return {"profile_id": me, "group_id": gid, "client_id": cid, "client_secret": secret,
                "token": tok}


    def expire_tokens(self) -> None:
        self.state.expire_tokens()

    def expire_credentials(self) -> None:
        self.state.expire_tokens()


def _item_marker(item: dict) -> str:
    return item.get("id") or item.get("profile_id", "")


# -- manual trials --------------------------------------------------------------

def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="A local Mendeley-compatible API server for trials.")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0, help="seed this many group documents and notes")
    args = ap.parse_args(argv)
    srv = MendeleyServer(port=args.port).start()
    info = srv.setup_basic()
    if args.seed:
        srv.state.seed_group(info["group_id"], args.seed, args.seed, seed=args.seed)
    print(f"Mendeley test server at {srv.url}")
    print(f"group id:      {info['group_id']}")
    print(f"client id:     {info['client_id']}")
    print(f"client secret: {info['client_secret']}  (a throwaway secret of this test server)")
    print(f"access token:  {info['token']['access_token']}  (for BALINTBIB_MENDELEY_TOKEN)")
    srv.serve_until_interrupted()


if __name__ == "__main__":
    main()
