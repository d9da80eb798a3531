"""A local server that behaves like api.mendeley.com, for tests and trials.

It is a real HTTP server (``http.server.ThreadingHTTPServer``, stdlib only) on
127.0.0.1 with an ephemeral port and in-memory state.  It answers the part of
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

Faults are switched from Python (`Faults`): bursts of 429/503 (no
``Retry-After``, like the real service), dropped connections (socket closed
without a reply), slow replies, and "expire every access token now".
`MendeleyServer.counts` counts requests per path.

Run ``python -m balintbib.testing.mendeley --port 0 --seed 100`` for manual
trials: it prints the base URL, a client id/secret and a ready access token.
"""

from __future__ import annotations

import argparse
import bisect
import base64
import gzip
import json
import random
import secrets
import socket
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

# -- the API's vocabulary -----------------------------------------------------

MT_DOCUMENT = "application/vnd.mendeley-document.1+json"
MT_ANNOTATION = "application/vnd.mendeley-annotation.1+json"
MT_GROUP = "application/vnd.mendeley-group.1+json"
MT_MEMBERSHIP = "application/vnd.mendeley-membership.1+json"
MT_PROFILE = "application/vnd.mendeley-profiles.1+json"

DOCUMENT_TYPES = (
    "journal", "book", "generic", "book_section", "conference_proceedings", "working_paper",
    "report", "web_page", "thesis", "magazine_article", "statute", "patent",
    "newspaper_article", "computer_program", "hearing", "television_broadcast",
    "encyclopedia_article", "case", "film", "bill",
)

#: Output order of document fields (as in the recorded replies).
DOCUMENT_FIELD_ORDER = (
    "id", "title", "type", "authors", "year", "source", "identifiers", "keywords", "created",
    "pages", "volume", "issue", "websites", "month", "publisher", "day", "city", "edition",
    "institution", "series", "chapter", "revision", "editors", "accessed", "citation_key",
    "source_type", "language", "short_title", "reprint_edition", "genre", "country",
    "translators", "series_editor", "code", "medium", "user_context", "department",
    "patent_owner", "patent_application_number", "patent_legal_status",
    "file_attached", "profile_id", "group_id", "last_modified", "tags", "read", "starred",
    "authored", "confirmed", "hidden", "client_data", "folder_uuids", "abstract",
)

VIEW_CORE = frozenset({
    "id", "title", "type", "profile_id", "group_id", "created", "last_modified", "abstract",
    "source", "year", "authors", "identifiers", "keywords",
})
VIEW_BIB = VIEW_CORE | {
    "pages", "volume", "issue", "websites", "month", "day", "publisher", "city", "edition",
    "institution", "series", "chapter", "revision", "editors", "accessed", "citation_key",
    "source_type", "language", "short_title", "reprint_edition", "genre", "country",
    "translators", "series_editor", "code", "medium", "user_context", "department",
}
VIEW_CLIENT = VIEW_CORE | {"read", "starred", "authored", "confirmed", "hidden", "file_attached"}
VIEW_TAGS = VIEW_CORE | {"tags"}
VIEW_PATENT = VIEW_CORE | {"patent_owner", "patent_application_number", "patent_legal_status"}
VIEW_ALL = frozenset(DOCUMENT_FIELD_ORDER)
VIEWS = {"core": VIEW_CORE, "bib": VIEW_BIB, "client": VIEW_CLIENT, "tags": VIEW_TAGS,
         "patent": VIEW_PATENT, "all": VIEW_ALL}
#: A POST reply shows what was stored, without the server-managed client flags.
POST_REPLY_FIELDS = VIEW_ALL - {"file_attached", "hidden", "client_data", "folder_uuids"}

#: Fields a client may write, with their JSON type (validation of POST/PATCH).
_PERSONS = "persons"
WRITABLE_DOCUMENT_FIELDS: dict[str, object] = {
    "title": str, "type": str, "abstract": str, "source": str, "year": int,
    "authors": _PERSONS, "editors": _PERSONS, "translators": _PERSONS, "series_editor": str,
    "identifiers": dict, "keywords": list, "tags": list, "websites": list,
    "pages": str, "volume": str, "issue": str, "month": int, "day": int, "publisher": str,
    "city": str, "edition": str, "institution": str, "series": str, "chapter": str,
    "revision": str, "accessed": str, "citation_key": str, "source_type": str,
    "language": str, "short_title": str, "reprint_edition": str, "genre": str,
    "country": str, "code": str, "medium": str, "user_context": str, "department": str,
    "patent_owner": str, "patent_application_number": str, "patent_legal_status": str,
    "read": bool, "starred": bool, "authored": bool, "confirmed": bool, "hidden": bool,
    "client_data": str, "group_id": str, "folder_uuids": list,
}
READ_ONLY_DOCUMENT_FIELDS = {"id", "created", "last_modified", "profile_id", "file_attached"}

ANNOTATION_FIELD_ORDER = (
    "id", "type", "color", "text", "profile_id", "positions", "created", "last_modified",
    "privacy_level", "filehash", "document_id",
)
WRITABLE_ANNOTATION_FIELDS = {
    "text": str, "color": dict, "positions": list, "privacy_level": str, "filehash": str,
    "document_id": str,
}
PRIVACY_LEVELS = ("private", "group", "public")
ROLES_THAT_WRITE = ("owner", "admin", "member", "normal", "user")
MAX_LIMIT = 500
DEFAULT_LIMIT = 20
TOKEN_LIFETIME = 3600

EXPIRED_TOKEN_BODY = {
    "message": "Could not access resource because: Token has expired",
    "errorId": "oauth/TOKEN_EXPIRED",
}


# -- time -----------------------------------------------------------------------

def iso_ms(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def iso_s(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def trunc(t: datetime) -> datetime:
    return t.replace(microsecond=0)


def parse_time(value: str) -> datetime:
    """ISO-8601 (with Z or an offset, any fraction) or an RFC 7231 HTTP-date."""
    value = value.strip()
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            t = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            raise ValueError(value) from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t.astimezone(UTC)


# -- state ----------------------------------------------------------------------

@dataclass
class Faults:
    """Switchable misbehaviour; each counter is consumed one request at a time."""

    status_burst: list[int] = field(default_factory=list)  # statuses for the next requests
    drop_next: int = 0  # close the socket without a reply
    delay: float = 0.0  # seconds before every reply
    delay_next: int = 0  # ...or only before the next N replies (with `delay`)
    include_oauth: bool = False  # faults also hit /oauth/*
    expire_after: int = 0  # expire every access token after N more API requests
    #: Broken bodies for the next replies, one kind per reply (`BODY_FAULTS`); the
    #: request itself is carried out (a write is done, its answer lost).
    body_faults: list[str] = field(default_factory=list)
    #: ...only for these methods (empty: any), e.g. ``("POST", "PATCH")`` for "invalid JSON on writes".
    body_fault_methods: tuple[str, ...] = ()
    #: Listing glitches of ``/documents``: "repeat" serves the previous page's items
    #: again in place of the next page (its Link header unchanged); "overlap" shifts
    #: the next page back by half a page.  Consumed one page at a time.
    page_faults: list[str] = field(default_factory=list)
    hide_count: bool = False  # leave out the ``Mendeley-Count`` header (a proxy that drops it)

    def burst(self, status: int, n: int) -> None:
        self.status_burst.extend([status] * n)

    def clear(self) -> None:
        self.status_burst.clear()
        self.drop_next = 0
        self.delay = 0.0
        self.delay_next = 0
        self.expire_after = 0
        self.body_faults.clear()
        self.body_fault_methods = ()
        self.page_faults.clear()
        self.hide_count = False


#: What a broken body looks like on the wire.
BODY_FAULTS = (
    "truncate",  # Content-Length says more than is sent, then the socket closes (IncompleteRead)
    "reset",  # part of the body, then a TCP reset
    "gzip",  # Content-Encoding: gzip over bytes that are not gzip
    "json",  # a 200 whose JSON is cut short (a proxy's truncation)
)


@dataclass
class Token:
    client_id: str
    profile_id: str | None  # None for client_credentials (catalog only)
    expires_at: float


class ApiError(Exception):
    def __init__(self, status: int, message: str | dict, media_type: str = "application/json",
                 headers: dict | None = None, plain: bool = False):
        super().__init__(message)
        self.status = status
        self.body = message if isinstance(message, dict) else {"message": message}
        self.text = message if plain and isinstance(message, str) else None
        self.media_type = media_type
        self.headers = headers or {}


class MendeleyState:
    """Everything the server knows; guarded by one lock."""

    def __init__(self, clock=None):
        self.lock = threading.RLock()
        self.clock = clock or (lambda: datetime.now(UTC))
        self.clients: dict[str, dict] = {}
        self.codes: dict[str, dict] = {}
        self.access_tokens: dict[str, Token] = {}
        self.refresh_tokens: dict[str, tuple[str, str | None]] = {}
        self.rotate_refresh_tokens = True
        self.profiles: dict[str, dict] = {}
        self.me: str | None = None  # the profile that approves /oauth/authorize
        self.groups: dict[str, dict] = {}
        self.members: dict[str, list[dict]] = {}
        self.documents: dict[str, dict] = {}
        self.annotations: dict[str, dict] = {}
        self.seq: dict[str, int] = {}  # creation order of every id ever seen
        self.doc_tombstones: dict[str, dict] = {}  # deleted documents (markers may still name them)
        self.ann_tombstones: dict[str, dict] = {}  # deleted annotations (a note shares its document's id)
        self.deleted_documents: list[tuple[datetime, str, str | None, str]] = []
        self.deleted_annotations: list[tuple[datetime, dict]] = []
        self._seq = 0
        #: Ids to hand out to the next created objects (replaying recordings); else uuid4.
        self.id_queue: list[str] = []

    def now(self) -> datetime:
        return self.clock()

    def new_id(self) -> str:
        return self.id_queue.pop(0) if self.id_queue else str(uuid.uuid4())

    def next_seq(self, ident: str) -> None:
        self._seq += 1
        self.seq[ident] = self._seq

    # -- people and groups ------------------------------------------------------
    def add_profile(self, first_name: str = "Jenny", last_name: str = "Johnson",
                    profile_id: str | None = None, **extra) -> str:
        pid = profile_id or str(uuid.uuid4())
        with self.lock:
            self.profiles[pid] = {
                "id": pid, "first_name": first_name, "last_name": last_name,
                "display_name": f"{first_name} {last_name}".strip(), **extra,
            }
            if self.me is None:
                self.me = pid
        return pid

    def add_group(self, name: str, owner: str, group_id: str | None = None,
                  access_level: str = "private", **extra) -> str:
        gid = group_id or str(uuid.uuid4())
        with self.lock:
            self.groups[gid] = {
                "name": name, "description": extra.pop("description", ""), "id": gid,
                "created": iso_s(self.now()), "owning_profile_id": owner,
                "link": f"https://www.mendeley.com/community/{gid}/",
                "access_level": access_level, **extra,
            }
            self.members.setdefault(gid, [])
            self.next_seq(gid)
            if not any(m["profile_id"] == owner for m in self.members[gid]):
                self.add_member(gid, owner, "owner")
        return gid

    def add_member(self, group_id: str, profile_id: str, role: str = "member") -> None:
        with self.lock:
            members = self.members.setdefault(group_id, [])
            members[:] = [m for m in members if m["profile_id"] != profile_id]
            members.append({"profile_id": profile_id, "joined": iso_s(self.now()), "role": role})

    def role(self, group_id: str, profile_id: str | None) -> str | None:
        for m in self.members.get(group_id, ()):
            if m["profile_id"] == profile_id:
                return m["role"]
        return None

    def add_client(self, client_id: str | None = None, secret: str | None = None) -> tuple[str, str]:
        client_id = client_id or str(random.randint(1000, 99999))
        secret = secret or secrets.token_urlsafe(16)
        with self.lock:
            self.clients[client_id] = {"secret": secret}
        return client_id, secret

    def issue_token(self, client_id: str, profile_id: str | None, lifetime: int = TOKEN_LIFETIME,
                    refresh: bool = True) -> dict:
        access = secrets.token_urlsafe(32)
        with self.lock:
            self.access_tokens[access] = Token(client_id, profile_id, time.time() + lifetime)
            reply = {"access_token": access, "token_type": "bearer", "expires_in": lifetime,
                     "refresh_token": None, "scope": "all"}
            if refresh:
                rt = secrets.token_urlsafe(32)
                self.refresh_tokens[rt] = (client_id, profile_id)
                reply["refresh_token"] = rt
        return reply

    def expire_tokens(self) -> None:
        """Every access token issued so far expires now (refresh tokens stay valid)."""
        with self.lock:
            for tok in self.access_tokens.values():
                tok.expires_at = 0.0

    # -- documents --------------------------------------------------------------
    def put_document(self, doc: dict, profile_id: str, created: datetime | None = None) -> dict:
        """Store a new document (fields already validated); returns the stored dict."""
        with self.lock:
            now = created or self.now()
            ident = doc.get("id") or self.new_id()
            stored = {k: v for k, v in doc.items() if v is not None}
            stored.update(id=ident, profile_id=profile_id, created=now, last_modified=now)
            stored.setdefault("file_attached", False)
            stored.setdefault("hidden", False)
            # The real service fills client_data with a desktop id for new documents.
            stored.setdefault("client_data", json.dumps({"desktop_id": ident}, separators=(",", ":")))
            stored["_trashed"] = False
            self.documents[ident] = stored
            self.next_seq(ident)
            return stored

    def put_annotation(self, ann: dict, profile_id: str, created: datetime | None = None) -> dict:
        with self.lock:
            now = created or self.now()
            positions = ann.get("positions") or []
            if not positions and not ann.get("filehash"):
                kind = "note"
            elif all(p.get("top_left") == p.get("bottom_right") for p in positions):
                kind = "sticky_note"
            else:
                kind = "highlight"
            ident = ann.get("id")
            if not ident:
                doc_id = ann.get("document_id")
                ident = doc_id if kind == "note" and doc_id not in self.annotations else self.new_id()
            stored = {k: v for k, v in ann.items() if v is not None}
            stored.update(id=ident, type=kind, profile_id=profile_id, last_modified=now)
            stored.setdefault("privacy_level", "private")
            if kind != "note":
                stored["created"] = now
            if positions:
                stored["positions"] = [_float_position(p) for p in positions]
            self.annotations[ident] = stored
            self.next_seq(ident)
            return stored

    def seed_group(self, group_id: str, documents: int, annotations: int = 0, seed: int = 0,
                   profile_id: str | None = None, start: datetime | None = None) -> list[str]:
        """Add `documents` random documents (and `annotations` group notes) quickly.

        Creation times run from `start` (default: a year ago) one second
        apart, so that `modified_since` has something to bite on.
        """
        rng = random.Random(seed)
        profile_id = profile_id or self.groups[group_id]["owning_profile_id"]
        start = start or (self.now() - timedelta(days=365))
        ids = []
        with self.lock:
            for i in range(documents):
                when = start + timedelta(seconds=i, milliseconds=rng.randint(0, 999))
                doc = random_document(rng, i)
                doc["group_id"] = group_id
                ids.append(self.put_document(doc, profile_id, created=when)["id"])
            for i in range(annotations):
                when = start + timedelta(seconds=i, milliseconds=rng.randint(0, 999))
                target = ids[i % len(ids)] if ids else str(uuid.uuid4())
                self.put_annotation({"document_id": target, "text": f"Group note {i}: "
                                     + rng.choice(_WORDS) + " " + rng.choice(_WORDS),
                                     "privacy_level": "group"}, profile_id, created=when)
        return ids


def _float_position(p: dict) -> dict:
    out = {}
    for corner in ("top_left", "bottom_right"):
        if corner in p:
            out[corner] = {"x": float(p[corner].get("x", 0)), "y": float(p[corner].get("y", 0))}
    if "page" in p:
        out["page"] = p["page"]
    return out


_WORDS = ("Balint", "group", "doctor", "patient", "relationship", "empathy", "listening",
          "training", "general practice", "psychodynamic", "burnout", "residents", "leaders",
          "transference", "case", "reflection", "medicine", "nursing", "supervision")
_FIRST = ("Michael", "Enid", "Albert", "Heide", "John", "Kathleen", "Jeffrey", "Laurel", "Ágnes",
          "Søren", "José", "Marie-Anne")
_LAST = ("Balint", "Salinsky", "Otten", "Johnson", "Sternlieb", "Van Roy", "de Haes", "Müller",
         "O'Neill", "Kjeldmand", "Lustig")


def random_document(rng: random.Random, i: int) -> dict:
    """A plausible group document with most bib fields filled."""
    def person():
        return {"first_name": rng.choice(_FIRST), "last_name": rng.choice(_LAST)}

    title = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(3, 9))).capitalize()
    doc = {
        "title": f"{title} ({i})",
        "type": rng.choice(("journal", "journal", "journal", "book", "book_section", "thesis")),
        "authors": [person() for _ in range(rng.randint(1, 4))],
        "year": rng.randint(1957, 2025),
        "source": rng.choice(("Journal of the Balint Society", "Family Medicine",
                              "The Lancet", "BMJ", "Psychodynamic Practice")),
        "identifiers": {"doi": f"10.{1000 + i % 9000}/balint.{i}"},
        "keywords": [rng.choice(_WORDS)],
        "tags": sorted({rng.choice(_WORDS) for _ in range(rng.randint(0, 3))}),
        "pages": f"{rng.randint(1, 300)}-{rng.randint(301, 600)}",
        "volume": str(rng.randint(1, 60)),
        "issue": str(rng.randint(1, 12)),
        "abstract": " ".join(rng.choice(_WORDS) for _ in range(rng.randint(20, 60))),
        "read": rng.random() < 0.5,
        "starred": rng.random() < 0.1,
        "authored": False,
        "confirmed": True,
    }
    if rng.random() < 0.3:
        doc["websites"] = [f"https://example.org/balint/{i}"]
    if rng.random() < 0.2:
        doc["month"] = rng.randint(1, 12)
    return doc


# -- the HTTP face --------------------------------------------------------------

class MendeleyServer:
    """Start with `start()` (or as a context manager); `url` is the base URL."""

    def __init__(self, port: int = 0, clock=None, gzip_replies: bool = True):
        self.state = MendeleyState(clock)
        self.faults = Faults()
        self.fault_lock = threading.Lock()
        self.counts: Counter[str] = Counter()  # "GET /documents" -> n
        self.log: list[tuple[str, str, int]] = []  # (method, path?query, status)
        self.gzip_replies = gzip_replies
        self._httpd = _HTTPServer(("127.0.0.1", port), _Handler)
        self._httpd.api = self
        self._thread: threading.Thread | None = None

    # -- lifecycle
    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MendeleyServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="mendeley-test-server",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> MendeleyServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- conveniences for tests
    def setup_basic(self, group_name: str = "Balint reading list") -> dict:
        """One user, one group they own, one OAuth client and a fresh token."""
        me = self.state.add_profile("Enid", "Balint")
        gid = self.state.add_group(group_name, me)
        cid, secret = self.state.add_client()
        tok = self.state.issue_token(cid, me)
        return {"profile_id": me, "group_id": gid, "client_id": cid, "client_secret": secret,
                "token": tok}

    def reset_counts(self) -> None:
        self.counts.clear()
        self.log.clear()

    def count(self, method: str, path: str) -> int:
        return self.counts[f"{method} {path}"]

    def expire_tokens(self) -> None:
        self.state.expire_tokens()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "MendeleyTestServer/1.0"
    disable_nagle_algorithm = True  # small replies go out at once (no 40 ms delayed-ACK stall)

    def log_message(self, format, *args):  # quiet
        pass

    # every method goes through one dispatcher
    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PATCH(self):
        self._dispatch("PATCH")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def do_PUT(self):
        self._dispatch("PUT")

    # -- plumbing ---------------------------------------------------------------
    @property
    def api(self) -> MendeleyServer:
        return self.server.api

    def _dispatch(self, method: str) -> None:
        split = urlsplit(self.path)
        path = split.path.rstrip("/") or "/"
        query = parse_qsl(split.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        api = self.api
        api.counts[f"{method} {path}"] += 1
        faults = api.faults
        if faults.include_oauth or not path.startswith("/oauth"):
            with api.fault_lock:
                drop = faults.drop_next > 0
                if drop:
                    faults.drop_next -= 1
                delay = 0.0
                if faults.delay:
                    delay = faults.delay
                    if faults.delay_next > 0:
                        faults.delay_next -= 1
                        if faults.delay_next == 0:
                            faults.delay = 0.0
                status = faults.status_burst.pop(0) if faults.status_burst and not drop else None
                if faults.body_faults and not drop and status is None and (
                        not faults.body_fault_methods or method in faults.body_fault_methods):
                    self._body_fault = faults.body_faults.pop(0)
                if faults.expire_after > 0:
                    faults.expire_after -= 1
                    if faults.expire_after == 0:
                        api.state.expire_tokens()
            if drop:
                api.log.append((method, self.path, 0))
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            if delay:
                time.sleep(delay)
            if status is not None:
                msg = ("We've rate limited you. Contact api-support@mendeley.com"
                       if status == 429 else "Service unavailable")
                api.log.append((method, self.path, status))
                self._reply(status, {"message": msg}, "application/json")
                return
        try:
            status, body, media_type, headers = self._route(method, path, query, raw)
        except ApiError as err:
            status, media_type, headers = err.status, err.media_type, err.headers
            body = err.text if err.text is not None else err.body
        except Exception as exc:  # a bug in the server must still answer
            status, body, media_type, headers = 500, {"message": f"server error: {exc}"}, \
                "application/json", {}
        api.log.append((method, self.path, status))
        self._reply(status, body, media_type, headers)

    _body_fault: str | None = None

    def _reply(self, status: int, body, media_type: str | None, headers: dict | None = None) -> None:
        if body is None:
            data = b""
        elif isinstance(body, (bytes, str)):
            data = body.encode() if isinstance(body, str) else body
        else:
            data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        fault, self._body_fault = self._body_fault, None
        if fault and data:
            self._broken_reply(fault, status, data, media_type, headers)
            return
        self.send_response(status)  # adds Date and Server
        if media_type and (data or status != 204):
            self.send_header("Content-Type", media_type)
        for name, value in (headers or {}).items():
            for v in value if isinstance(value, list) else [value]:
                self.send_header(name, v)
        if data and self.api.gzip_replies and "gzip" in self.headers.get("Accept-Encoding", ""):
            data = gzip.compress(data, compresslevel=1)
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data and self.command != "HEAD":
            self.wfile.write(data)

    def _broken_reply(self, fault: str, status: int, data: bytes, media_type: str | None,
                      headers: dict | None) -> None:
        """Send `data` broken in the way `fault` names (see `BODY_FAULTS`)."""
        self.api.log.append((self.command, self.path, -1))
        if fault == "json":
            data = data[: max(1, len(data) // 2)]
        self.send_response(status)
        if media_type:
            self.send_header("Content-Type", media_type)
        for name, value in (headers or {}).items():
            for v in value if isinstance(value, list) else [value]:
                self.send_header(name, v)
        if fault == "gzip":
            data = b"\x1f\x8b\x08\x00not gzip at all" + data[:20]
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(data) * (2 if fault in ("truncate", "reset") else 1)))
        self.end_headers()
        self.wfile.write(data if fault not in ("truncate", "reset") else data[: max(1, len(data) // 2)])
        self.wfile.flush()
        self.close_connection = True
        if fault == "reset":
            import struct

            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        elif fault == "truncate":
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

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
            if head == "profiles" and len(parts) == 2 and method == "GET":
                self._accept(MT_PROFILE)
                pid = profile if parts[1] == "me" else parts[1]
                if pid not in st.profiles:
                    raise ApiError(404, "Profile not found", MT_PROFILE)
                return 200, st.profiles[pid], MT_PROFILE, {}
            if head == "groups":
                return self._groups(method, parts, query, profile)
            if head == "documents":
                return self._documents(method, parts, query, raw, profile)
            if head == "trash":
                return self._trash(method, parts, query, profile)
            if head == "annotations":
                return self._annotations(method, parts, query, raw, profile)
        raise ApiError(404, "Not found")

    # -- auth -------------------------------------------------------------------
    def _authorize(self, q: dict):
        st = self.api.state
        client = st.clients.get(q.get("client_id", ""))
        redirect = q.get("redirect_uri", "")
        if not client or q.get("response_type") != "code" or not redirect:
            raise ApiError(400, {"error": "invalid_request",
                                 "error_description": "Unknown client or bad request"})
        code = secrets.token_urlsafe(20)
        with st.lock:
            st.codes[code] = {"client_id": q["client_id"], "redirect_uri": redirect,
                              "profile_id": st.me}
        params = {"code": code}
        if "state" in q:
            params["state"] = q["state"]
        sep = "&" if "?" in redirect else "?"
        return 302, None, None, {"Location": redirect + sep + urlencode(params)}

    def _client_credentials(self, form: dict) -> str | None:
        st = self.api.state
        auth = self.headers.get("Authorization", "")
        cid = secret = None
        if auth.lower().startswith("basic "):
            try:
                cid, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                cid = secret = None
        else:
            cid, secret = form.get("client_id"), form.get("client_secret")
        if cid and cid in st.clients and st.clients[cid]["secret"] == secret:
            return cid
        return None

    def _token(self, raw: bytes):
        st = self.api.state
        form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        cid = self._client_credentials(form)
        if cid is None:
            raise ApiError(401, "Credentials are required to access this resource.",
                           headers={"WWW-Authenticate": 'Basic realm="oauth"'})
        grant = form.get("grant_type")
        with st.lock:
            if grant == "authorization_code":
                entry = st.codes.pop(form.get("code", ""), None)
                if not entry or entry["client_id"] != cid or entry["redirect_uri"] != form.get("redirect_uri"):
                    raise ApiError(400, {"error": "invalid_grant", "error_description": "Invalid access code"})
                return 200, st.issue_token(cid, entry["profile_id"]), "application/json", {}
            if grant == "refresh_token":
                rt = form.get("refresh_token", "")
                entry = st.refresh_tokens.get(rt)
                if not entry or entry[0] != cid:
                    raise ApiError(400, {"error": "invalid_grant", "error_description": "Invalid refresh token"})
                reply = st.issue_token(cid, entry[1], refresh=st.rotate_refresh_tokens)
                if st.rotate_refresh_tokens:
                    del st.refresh_tokens[rt]
                else:
                    reply["refresh_token"] = rt
                return 200, reply, "application/json", {}
            if grant == "client_credentials":
                return 200, st.issue_token(cid, None, refresh=False), "application/json", {}
        raise ApiError(400, {"error": "unsupported_grant_type",
                             "error_description": f"Unsupported grant type: {grant}"})

    def _authenticate(self) -> str:
        auth = self.headers.get("Authorization", "")
        if not auth.lower().startswith("bearer "):
            raise ApiError(401, "Could not access resource because: Missing access token")
        tok = self.api.state.access_tokens.get(auth[7:].strip())
        if tok is None:
            raise ApiError(401, "Could not access resource because: Invalid access token")
        if tok.expires_at <= time.time():
            raise ApiError(401, dict(EXPIRED_TOKEN_BODY))
        if tok.profile_id is None:
            raise ApiError(403, "Client credentials grant only allows access to the catalog")
        return tok.profile_id

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
        st = self.api.state
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

    # -- groups -----------------------------------------------------------------
    def _groups(self, method, parts, query, profile):
        st = self.api.state
        q = dict(query)
        if method != "GET":
            raise ApiError(405, "Method not allowed", MT_GROUP)
        if len(parts) == 1:
            self._accept(MT_GROUP)
            limit = self._limit(q, MT_GROUP)
            mine = [g for gid, g in st.groups.items() if st.role(gid, profile)]
            return self._page("/groups", query, mine, lambda g: st.seq.get(g["id"], 0), limit,
                              "next", MT_GROUP,
                              lambda g: {**g, "role": st.role(g["id"], profile)})
        gid = parts[1]
        if len(parts) == 2:
            self._accept(MT_GROUP)
            if gid not in st.groups:
                raise ApiError(404, f"Group [{gid}] does not exist", MT_GROUP, plain=True)
            g = st.groups[gid]
            role = st.role(gid, profile)
            if role is None and g.get("access_level") != "public":
                raise ApiError(404, f"Group [{gid}] does not exist", MT_GROUP, plain=True)
            return 200, {**g, **({"role": role} if role else {})}, MT_GROUP, {}
        if len(parts) == 3 and parts[2] == "members":
            self._accept(MT_MEMBERSHIP)
            if gid not in st.groups:
                raise ApiError(404, f"Group [{gid}] does not exist", MT_MEMBERSHIP, plain=True)
            limit = self._limit(q, MT_MEMBERSHIP)
            members = st.members.get(gid, [])
            order = {m["profile_id"]: i for i, m in enumerate(members)}
            return self._page(f"/groups/{gid}/members", query, members,
                              lambda m: order.get(m["profile_id"], -1), limit, "next", MT_MEMBERSHIP,
                              lambda m: dict(m))
        raise ApiError(404, "Not found", MT_GROUP)

    # -- documents --------------------------------------------------------------
    def _can_read(self, doc: dict, profile: str) -> bool:
        gid = doc.get("group_id")
        if gid:
            return self.api.state.role(gid, profile) is not None
        return doc["profile_id"] == profile

    def _can_write(self, doc: dict, profile: str) -> bool:
        gid = doc.get("group_id")
        if gid:
            return self.api.state.role(gid, profile) in ROLES_THAT_WRITE
        return doc["profile_id"] == profile

    def _visible(self, profile: str, q: dict, trashed: bool) -> list[dict]:
        st = self.api.state
        gid = q.get("group_id")
        if gid:
            if gid not in st.groups or st.role(gid, profile) is None:
                raise ApiError(403, "You are not a member of this group", MT_DOCUMENT)
            return [d for d in st.documents.values() if d.get("group_id") == gid and d["_trashed"] == trashed]
        return [d for d in st.documents.values()
                if not d.get("group_id") and d["profile_id"] == profile and d["_trashed"] == trashed]

    def _view(self, q: dict) -> frozenset:
        view = q.get("view", "core")
        if view not in VIEWS:
            raise ApiError(400, "Invalid view", MT_DOCUMENT)
        return VIEWS[view]

    def _list_documents(self, path, query, profile, trashed: bool):
        st = self.api.state
        q = dict(query)
        self._accept(MT_DOCUMENT)
        limit = self._limit(q, MT_DOCUMENT)
        view = self._view(q)
        modified = self._time_param(q, "modified_since", MT_DOCUMENT)
        deleted = self._time_param(q, "deleted_since", MT_DOCUMENT)
        if modified and deleted:
            raise ApiError(400, "Conflicting filters specified", MT_DOCUMENT)
        if deleted is not None:
            gid = q.get("group_id")
            if gid and st.role(gid, profile) is None:
                raise ApiError(403, "You are not a member of this group", MT_DOCUMENT)
            gone = [{"id": ident, "_t": t} for t, ident, g, owner in st.deleted_documents
                    if t > deleted and (g == gid if gid else (g is None and owner == profile))]
            return self._page(path, query, gone, lambda d: (d["_t"], st.seq.get(d["id"], 0)), limit,
                              "full", MT_DOCUMENT, lambda d: {"id": d["id"]})
        docs = self._visible(profile, q, trashed)
        if modified is not None:
            docs = [d for d in docs if d["last_modified"] > modified]
        sort = q.get("sort")
        if sort and sort not in ("title", "created", "last_modified"):
            raise ApiError(400, "Invalid sort", MT_DOCUMENT)
        if sort == "title":
            key = lambda d: (d.get("title", "").casefold(), st.seq.get(d["id"], 0))  # noqa: E731
        elif sort in ("created", "last_modified"):
            key = lambda d: (d[sort], st.seq.get(d["id"], 0))  # noqa: E731
        else:
            key = lambda d: st.seq.get(d["id"], 0)  # noqa: E731
        return self._page(path, query, docs, key, limit, "full", MT_DOCUMENT,
                          lambda d: render_document(d, view),
                          find=lambda m: st.documents.get(m) or st.doc_tombstones.get(m))

    def _documents(self, method, parts, query, raw, profile):
        st = self.api.state
        q = dict(query)
        if len(parts) == 1:
            if method == "GET":
                return self._list_documents("/documents", query, profile, trashed=False)
            if method == "POST":
                self._accept(MT_DOCUMENT)
                body = self._content(MT_DOCUMENT, raw)
                doc = validate_document(body, partial=False)
                gid = doc.get("group_id")
                if gid:
                    if gid not in st.groups:
                        raise ApiError(400, f"Group [{gid}] does not exist", MT_DOCUMENT)
                    role = st.role(gid, profile)
                    if role not in ROLES_THAT_WRITE:
                        raise ApiError(403, "You cannot add documents to this group", MT_DOCUMENT)
                stored = st.put_document(doc, profile)
                reply = render_document(stored, POST_REPLY_FIELDS, precise=True)
                return 201, reply, MT_DOCUMENT, {"Location": f"{self.api.url}/documents/{stored['id']}"}
            raise ApiError(405, "Method not allowed", MT_DOCUMENT)
        ident = parts[1]
        doc = st.documents.get(ident)
        if doc is None or doc["_trashed"] or not self._can_read(doc, profile):
            raise ApiError(404, "Document not found")  # recorded: application/json
        if len(parts) == 3 and parts[2] == "trash" and method == "POST":
            self._require_write(doc, profile)
            doc["_trashed"] = True
            doc["last_modified"] = st.now()
            return 204, None, None, {"Location": f"{self.api.url}/trash/{ident}"}
        if len(parts) != 2:
            raise ApiError(404, "Not found", MT_DOCUMENT)
        if method == "GET":
            self._accept(MT_DOCUMENT)
            return 200, render_document(doc, self._view(q)), MT_DOCUMENT, {}
        if method == "PATCH":
            self._accept(MT_DOCUMENT)
            body = self._content(MT_DOCUMENT, raw)
            self._require_write(doc, profile)
            self._precondition(doc)
            changes = validate_document(body, partial=True)
            changes.pop("group_id", None)
            for name, value in changes.items():
                if value is None:
                    doc.pop(name, None)
                else:
                    doc[name] = value
            doc["last_modified"] = st.now()
            return 200, render_document(doc, VIEW_ALL), MT_DOCUMENT, {}
        if method == "DELETE":
            self._require_write(doc, profile)
            self._delete_document(doc)
            return 204, None, None, {}
        raise ApiError(405, "Method not allowed", MT_DOCUMENT)

    def _require_write(self, doc: dict, profile: str) -> None:
        if not self._can_write(doc, profile):
            raise ApiError(403, "You do not have permission to modify this document", MT_DOCUMENT)

    def _precondition(self, doc: dict) -> None:
        header = self.headers.get("If-Unmodified-Since")
        if not header:
            return
        try:
            since = parse_time(header)
        except ValueError:
            raise ApiError(400, "Invalid If-Unmodified-Since header", MT_DOCUMENT) from None
        if trunc(doc["last_modified"]) > since:
            raise ApiError(412, "Document has been modified since " + header, MT_DOCUMENT)

    def _delete_document(self, doc: dict) -> None:
        """Delete for good; the document's annotations go with it (as the real service does)."""
        st = self.api.state
        now = st.now()
        del st.documents[doc["id"]]
        st.doc_tombstones[doc["id"]] = doc
        st.deleted_documents.append((now, doc["id"], doc.get("group_id"), doc["profile_id"]))
        for ann in [a for a in st.annotations.values() if a.get("document_id") == doc["id"]]:
            del st.annotations[ann["id"]]
            st.ann_tombstones[ann["id"]] = ann
            st.deleted_annotations.append((now, ann))

    def _trash(self, method, parts, query, profile):
        st = self.api.state
        q = dict(query)
        if len(parts) == 1 and method == "GET":
            return self._list_documents("/trash", query, profile, trashed=True)
        if len(parts) < 2:
            raise ApiError(405, "Method not allowed", MT_DOCUMENT)
        ident = parts[1]
        doc = st.documents.get(ident)
        if doc is None or not doc["_trashed"] or not self._can_read(doc, profile):
            raise ApiError(404, "Document not found")  # recorded: application/json
        if len(parts) == 2 and method == "GET":
            self._accept(MT_DOCUMENT)
            return 200, render_document(doc, self._view(q)), MT_DOCUMENT, {}
        if len(parts) == 3 and parts[2] == "restore" and method == "POST":
            self._require_write(doc, profile)
            doc["_trashed"] = False
            doc["last_modified"] = st.now()
            return 204, None, None, {"Location": f"{self.api.url}/documents/{ident}"}
        if len(parts) == 2 and method == "DELETE":
            self._require_write(doc, profile)
            self._delete_document(doc)
            return 204, None, None, {}
        raise ApiError(405, "Method not allowed", MT_DOCUMENT)

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


def _item_marker(item: dict) -> str:
    return item.get("id") or item.get("profile_id", "")


# -- rendering and validation ---------------------------------------------------

def render_document(doc: dict, view: frozenset, precise: bool = False) -> dict:
    out = {}
    for name in DOCUMENT_FIELD_ORDER:
        if name not in view or name not in doc:
            continue
        value = doc[name]
        if isinstance(value, datetime):
            value = iso_ms(value) if precise else iso_s(value)
        out[name] = value
    return out


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


def validate_document(body: dict, partial: bool) -> dict:
    out = {}
    for name, value in body.items():
        if name in READ_ONLY_DOCUMENT_FIELDS:
            continue
        kind = WRITABLE_DOCUMENT_FIELDS.get(name)
        if kind is None:
            raise ApiError(400, f"Unknown field: {name}", MT_DOCUMENT)
        if value is None:
            if not partial:
                continue
            if name in ("title", "type"):
                raise ApiError(400, f"{name} cannot be cleared", MT_DOCUMENT)
            out[name] = None
            continue
        if kind == _PERSONS:
            if not isinstance(value, list) or not all(isinstance(p, dict) for p in value):
                raise ApiError(400, f"{name} must be a list of people", MT_DOCUMENT)
            for p in value:
                if not p.get("last_name"):
                    raise ApiError(400, f"{name}: last_name is required", MT_DOCUMENT)
                if set(p) - {"first_name", "last_name", "scopus_author_id"}:
                    raise ApiError(400, f"{name}: unknown person field", MT_DOCUMENT)
        elif kind is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ApiError(400, f"{name} must be an integer", MT_DOCUMENT)
        elif not isinstance(value, kind):  # type: ignore[arg-type]
            raise ApiError(400, f"{name} must be a {kind.__name__}", MT_DOCUMENT)  # type: ignore[union-attr]
        if name == "title" and not 0 < len(value) <= 500:
            raise ApiError(400, "title must be 1-500 characters", MT_DOCUMENT)
        if name == "type" and value not in DOCUMENT_TYPES:
            raise ApiError(400, f"Invalid document type: {value}", MT_DOCUMENT)
        if name == "month" and not 1 <= value <= 12 or name == "day" and not 1 <= value <= 31:
            raise ApiError(400, f"Invalid {name}", MT_DOCUMENT)
        if name == "abstract" and len(value) > 10000:
            raise ApiError(400, "abstract is too long", MT_DOCUMENT)
        if name in ("keywords", "tags", "websites", "folder_uuids") and not all(isinstance(v, str) for v in value):
            raise ApiError(400, f"{name} must be a list of strings", MT_DOCUMENT)
        if name == "identifiers" and not all(isinstance(v, str) for v in value.values()):
            raise ApiError(400, "identifiers must be strings", MT_DOCUMENT)
        out[name] = value
    if not partial:
        for required in ("title", "type"):
            if required not in out:
                raise ApiError(400, f"{required} is required", MT_DOCUMENT)
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


# -- manual trials --------------------------------------------------------------

def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="A local Mendeley-compatible API server for trials.")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0, help="seed this many group documents and notes")
    args = ap.parse_args(argv)
    server = MendeleyServer(port=args.port).start()
    info = server.setup_basic()
    if args.seed:
        server.state.seed_group(info["group_id"], args.seed, args.seed, seed=args.seed)
    print(f"Mendeley test server at {server.url}")
    print(f"group id:      {info['group_id']}")
    print(f"client id:     {info['client_id']}")
    print(f"client secret: {info['client_secret']}  (a throwaway secret of this test server)")
    print(f"access token:  {info['token']['access_token']}  (for BALINTBIB_MENDELEY_TOKEN)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
