"""What the Mendeley test server (`balintbib.testing.mendeley`) knows: the API's vocabulary
(media types, document fields and views, roles, limits), its times, and the in-memory state
(profiles, groups and members, OAuth clients and tokens, documents, annotations, deletion
logs), with seeding for trials and benchmarks.
"""

from __future__ import annotations

import json
import random
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from . import server

# -- the API's vocabulary -----------------------------------------------------

MT_DOCUMENT = "application/vnd.mendeley-document.1+json"
MT_ANNOTATION = "application/vnd.mendeley-annotation.1+json"
MT_GROUP = "application/vnd.mendeley-group.1+json"
MT_FOLDER = "application/vnd.mendeley-folder.1+json"
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


@dataclass
class Token:
    client_id: str
    profile_id: str | None  # None for client_credentials (catalog only)
    expires_at: float



class ApiError(server.ApiError):
    """An error answer in Mendeley's shape: ``{"message": ...}`` (or the dict given, or the plain
    text when `plain`), with the resource's media type."""

    def __init__(self, status: int, message: str | dict, media_type: str = "application/json",
                 headers: dict | None = None, plain: bool = False):
        if plain and isinstance(message, str):
            body: str | dict = message
        else:
            body = message if isinstance(message, dict) else {"message": message}
        super().__init__(status, body, media_type, headers)


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
        self.folders: list[dict] = []  # {id, name, parent_id?, group_id?}, in creation order
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

