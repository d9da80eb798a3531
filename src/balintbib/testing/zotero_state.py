"""The in-memory libraries of the Zotero test server (`balintbib.testing.zotero`).

Group libraries with one version counter each (every committed object write
bumps it), items kept as their ``data`` plus who created them, a delete log
(key -> version), API keys with their access, and the write rules of
../shared/docs/zotero-api.md section 4: per-object validation against the
schema table, version preconditions, parent/child checks, the note sanitizer.
"""

from __future__ import annotations

import html
import random
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ..formats.zotero_tables import ITEM_TYPES, KEY_ALPHABET
from . import server

API_VERSION = "3"
SCHEMA_VERSION = "41"
MAX_WRITE = 50
MAX_FIELD = 65535
MAX_NOTE = 500000
MAX_NAME = 255
ITEM_PREDICATES = frozenset({
    "owl:sameAs", "dc:replaces", "dc:relation", "mendeleyDB:documentUUID", "mendeleyDB:remoteDocumentUUID",
    "mendeleyDB:fileHash", "mendeleyDB:annotationUUID", "mendeleyDB:relatedDocumentUUID",
    "mendeleyDB:relatedRemoteDocumentUUID", "mendeleyDB:relatedFileHash", "mendeleyDB:notebookUUID"})
COMMON_KEYS = ("key", "version", "itemType", "creators", "tags", "collections", "relations", "dateAdded",
               "dateModified", "deleted", "parentItem")
_KEY = re.compile(f"^[{KEY_ALPHABET}]{{8}}$")


class ApiError(server.ApiError):
    """An HTTP error answer: plain text (HTML-escaped), like the real server."""

    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(status, text_error(message), None, headers)
        self.message = message


def text_error(message: str) -> str:
    """An error message as the server writes it (plain text, HTML-escaped)."""
    return html.escape(message, quote=False).replace('"', "&quot;")


class ObjectError(Exception):
    """One object of a batch failed (goes into the write report's ``failed``)."""

    def __init__(self, code: int, message: str, key: str | None = None, data: dict | None = None):
        super().__init__(message)
        self.code, self.message, self.key, self.data = code, message, key, data


def is_key(value: str) -> bool:
    return bool(_KEY.match(value or ""))


def new_key(rng: random.Random | None = None) -> str:
    if rng is not None:
        return "".join(rng.choice(KEY_ALPHABET) for _ in range(8))
    return "".join(secrets.choice(KEY_ALPHABET) for _ in range(8))


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sanitize_note(note: str) -> str:
    """What the server stores for a note: whitespace inside tags normalised (the
    real server runs an HTML sanitizer), so a client must keep the returned note."""
    return re.sub(r"<(/?)\s*([a-zA-Z0-9]+)((?:\s+[^<>]*?)?)\s*(/?)>",
                  lambda m: "<" + m.group(1) + m.group(2).lower()
                  + (" " + " ".join(m.group(3).split()) if m.group(3).strip() else "") + m.group(4) + ">", note)


@dataclass
class User:
    id: int
    username: str


@dataclass
class ApiKey:
    key: str
    user: User
    groups: dict[str, dict] = field(default_factory=dict)  # group id -> {"library": bool, "write": bool}


@dataclass
class Group:
    id: str
    name: str
    owner: int
    version: int = 0
    items: dict[str, dict] = field(default_factory=dict)  # key -> data (with key/version)
    created_by: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)  # key -> version of the deletion
    deleted_tags: dict[str, int] = field(default_factory=dict)
    collections: dict[str, dict] = field(default_factory=dict)
    members: dict[int, User] = field(default_factory=dict)


class ZoteroState:
    def __init__(self):
        self.lock = threading.RLock()
        self.groups: dict[str, Group] = {}
        self.users: dict[int, User] = {}
        self.keys: dict[str, ApiKey] = {}
        self._next_user = 1000
        self._next_group = 5000

    # -- set-up --------------------------------------------------------------------
    def add_user(self, username: str = "enid") -> User:
        with self.lock:
            self._next_user += 1
            user = User(self._next_user, username)
            self.users[user.id] = user
            return user

    def add_group(self, name: str, owner: User, group_id: str | None = None) -> Group:
        with self.lock:
            self._next_group += 1
            gid = group_id or str(self._next_group)
            group = Group(gid, name, owner.id)
            group.members[owner.id] = owner
            self.groups[gid] = group
            return group

    def add_key(self, user: User, groups: dict[str, bool], key: str | None = None) -> str:
        """A key for `user` with access to `groups` ({group id: can write})."""
        with self.lock:
            key = key or secrets.token_hex(12)
            self.keys[key] = ApiKey(key, user, {g: {"library": True, "write": w} for g, w in groups.items()})
            for g in groups:
                if g in self.groups:
                    self.groups[g].members[user.id] = user
            return key

    def revoke(self, key: str) -> None:
        with self.lock:
            self.keys.pop(key, None)

    # -- reading ----------------------------------------------------------------------
    def visible(self, group: Group, include_trashed: bool) -> list[dict]:
        return [d for d in group.items.values() if include_trashed or not d.get("deleted")]

    # -- writing ------------------------------------------------------------------------
    def bump(self, group: Group) -> int:
        group.version += 1
        return group.version

    def put_item(self, group: Group, data: dict, user: User | None = None, *, version: int | None = None) -> dict:
        """Store an item directly (seeding, other users' edits), bypassing checks."""
        with self.lock:
            item = dict(data)
            item.setdefault("key", new_key())
            t = item.get("itemType", "document")
            if t not in ("note", "attachment"):
                for f in ITEM_TYPES.get(t, {}).get("fields", []):
                    item.setdefault(f, "")
            item.setdefault("creators", []) if t != "note" else None
            item.setdefault("tags", [])
            item.setdefault("collections", [])
            item.setdefault("relations", {})
            stamp = now_iso()
            item.setdefault("dateAdded", stamp)
            item["dateModified"] = item.get("dateModified") or stamp
            item["version"] = version if version is not None else self.bump(group)
            group.version = max(group.version, item["version"])
            group.items[item["key"]] = item
            group.created_by.setdefault(item["key"], (user.id if user else group.owner))
            group.deleted.pop(item["key"], None)
            return item

    def delete_items(self, group: Group, keys: list[str]) -> int:
        """Delete items for good (children of a deleted parent too); one version bump."""
        with self.lock:
            doomed = [k for k in keys if k in group.items]
            doomed += [k for k, d in group.items.items() if d.get("parentItem") in doomed and k not in doomed]
            if not doomed:
                return group.version
            v = self.bump(group)
            for k in doomed:
                group.items.pop(k, None)
                group.deleted[k] = v
            return v

    def write_object(self, group: Group, obj: dict, user: User, *, partial: bool, header_version: int | None,
                     single_key: str | None = None) -> tuple[str, dict | None]:
        """Create or update one object; returns ("successful"|"unchanged", item)."""
        if not isinstance(obj, dict):
            raise ObjectError(400, "Invalid value for index 0 in uploaded data; expected JSON item object")
        key = single_key or obj.get("key")
        if key is not None and not is_key(str(key)):
            raise ObjectError(400, f"'{key}' is not a valid item key")
        existing = group.items.get(key) if key else None
        version = obj.get("version")
        if version is not None and header_version is not None and single_key and int(version) != header_version:
            raise ObjectError(400, "If-Unmodified-Since-Version header does not match version property", key)
        if version is None and single_key:
            version = header_version
        if existing is None:
            if version not in (None, 0) and int(version) > 0:
                if single_key:
                    raise ObjectError(412, f"Item not found (expected version {version})", key)
                raise ObjectError(404, f"Item doesn't exist (expected version {version}; use 0 instead)", key)
        else:
            if version is None:
                raise ObjectError(428, "Either If-Unmodified-Since-Version or object version property must be "
                                       "provided for key-based writes", key)
            if int(version) == 0:
                raise ObjectError(412, f"Item {key} already exists (expected version 0, found "
                                       f"{existing['version']})", key)
            if int(version) != existing["version"]:
                raise ObjectError(412, f"Item has been modified since specified version (expected {version}, "
                                       f"found {existing['version']})", key)
        merged = dict(existing) if (existing is not None and partial) else {}
        for name, value in obj.items():
            if name == "version":
                continue
            merged[name] = "" if value is None else value
        merged["key"] = key or new_key()
        item_type = merged.get("itemType")
        if existing is not None and not item_type:
            item_type = merged["itemType"] = existing["itemType"]
        self.validate(group, merged, item_type)
        if item_type == "note":
            merged["note"] = sanitize_note(str(merged.get("note") or ""))
        if existing is not None:
            same = {k: v for k, v in merged.items() if k not in ("version", "dateModified")} == \
                   {k: v for k, v in existing.items() if k not in ("version", "dateModified")}
            if same:
                return "unchanged", existing
        if existing is not None and merged.get("dateModified") == existing.get("dateModified"):
            merged["dateModified"] = now_iso()
        created = existing is None
        item = self.put_item(group, merged, user)
        if not created:
            group.created_by[item["key"]] = group.created_by.get(item["key"], user.id)
        return "successful", item

    def validate(self, group: Group, item: dict, item_type) -> None:
        key = item.get("key")
        if not item_type or item_type not in ITEM_TYPES or item_type in ("annotation",):
            raise ObjectError(400, "'itemType' property not provided" if not item_type
                              else f"'{item_type}' is not a valid itemType", key)
        info = ITEM_TYPES[item_type]
        allowed = set(info["fields"]) | set(COMMON_KEYS)
        if item_type == "note":
            allowed = {"note", *COMMON_KEYS} - {"creators"}
        for name, value in item.items():
            if name not in allowed:
                raise ObjectError(400, f"'{name}' is not a valid field for type '{item_type}'", key)
            if isinstance(value, str) and name != "note" and len(value) > MAX_FIELD:
                raise ObjectError(413, f"Value for '{name}' too long", key, {"field": name, "value": value[:50]})
        for c in item.get("creators") or []:
            if c.get("creatorType") not in info["creators"]:
                raise ObjectError(400, f"'{c.get('creatorType')}' is not a valid creator type for item type "
                                       f"'{item_type}'", key)
            for part in ("name", "firstName", "lastName"):
                if len(str(c.get(part) or "")) > MAX_NAME:
                    raise ObjectError(413, f"Creator value '{str(c.get(part))[:50]}...' too long", key)
        for t in item.get("tags") or []:
            if not isinstance(t, dict) or len(str(t.get("tag") or "")) > MAX_NAME:
                raise ObjectError(413, "Tag too long", key, {"tag": str(t)[:50]})
        for pred in (item.get("relations") or {}):
            if pred not in ITEM_PREDICATES:
                raise ObjectError(400, f"Unsupported predicate '{pred}'", key)
        if item_type == "note":
            if len(str(item.get("note") or "")) > MAX_NOTE:
                raise ObjectError(413, f"Note '{html.unescape(str(item.get('note')))[:10]}...' too long", key)
        for col in item.get("collections") or [] if not item.get("parentItem") else []:
            if col not in group.collections:
                raise ObjectError(409, f"Collection {col} not found", key, {"collection": col})
        parent = item.get("parentItem")
        if parent:
            p = group.items.get(parent)
            if p is None:
                raise ObjectError(409, f"Parent item {parent} not found", key, {"parentItem": parent})
            if p.get("itemType") in ("note", "attachment"):
                raise ObjectError(409, f"Parent item {parent} cannot be a note or attachment", key,
                                  {"parentItem": parent})
            if item.get("collections"):
                item["collections"] = []  # a child cannot be in collections (the real server detaches it)


    def write_collection(self, group: Group, obj: dict) -> tuple[str, dict]:
        """Create or update one collection (name <= 255, parent must exist, version rules)."""
        if not isinstance(obj, dict):
            raise ObjectError(400, "Invalid value in uploaded data; expected JSON collection object")
        key = obj.get("key")
        if key is not None and not is_key(str(key)):
            raise ObjectError(400, f"'{key}' is not a valid collection key")
        existing = group.collections.get(key) if key else None
        version = obj.get("version")
        if existing is None and version not in (None, 0):
            raise ObjectError(404, f"Collection doesn't exist (expected version {version}; use 0 instead)", key)
        if existing is not None:
            if version is None:
                raise ObjectError(428, "Either If-Unmodified-Since-Version or object version property must be "
                                       "provided for key-based writes", key)
            if int(version) != existing["version"]:
                raise ObjectError(412, f"Collection has been modified since specified version (expected {version}, "
                                       f"found {existing['version']})", key)
        merged = dict(existing or {"name": "", "parentCollection": False, "relations": {}})
        merged.update({k: v for k, v in obj.items() if k != "version"})
        merged["key"] = key or new_key()
        name = str(merged.get("name") or "")
        if not name:
            raise ObjectError(400, "Collection name cannot be empty", key)
        if len(name) > MAX_NAME:
            raise ObjectError(413, f"Collection name '{name[:50]}...' too long", key)
        parent = merged.get("parentCollection")
        if parent and parent not in group.collections:
            raise ObjectError(409, f"Parent collection {parent} not found", key, {"collection": parent})
        for pred in merged.get("relations") or {}:
            if pred not in ("owl:sameAs", "mendeleyDB:remoteFolderUUID"):
                raise ObjectError(400, f"Unsupported predicate '{pred}'", key)
        if existing is not None and {k: v for k, v in merged.items() if k != "version"} == \
                {k: v for k, v in existing.items() if k != "version"}:
            return "unchanged", existing
        merged["version"] = self.bump(group)
        group.collections[merged["key"]] = merged
        return "successful", merged


# -- seeding ------------------------------------------------------------------------------

_WORDS = ("Balint", "group", "doctor", "patient", "relationship", "empathy", "listening", "training",
          "general practice", "psychodynamic", "burnout", "residents", "leaders", "transference", "reflection")
_FIRST = ("Michael", "Enid", "Heide", "John", "Kathleen", "Ágnes", "Søren", "José")
_LAST = ("Balint", "Salinsky", "Otten", "Johnson", "Sternlieb", "Van Roy", "Müller", "O'Neill")


def random_item(rng: random.Random, i: int) -> dict:
    title = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(3, 8))).capitalize()
    t = rng.choice(("journalArticle", "journalArticle", "book", "bookSection", "thesis"))
    item = {"itemType": t, "title": f"{title} ({i})",
            "creators": [{"creatorType": "author", "firstName": rng.choice(_FIRST), "lastName": rng.choice(_LAST)}
                         for _ in range(rng.randint(1, 3))],
            "date": str(rng.randint(1957, 2025)), "DOI": f"10.{1000 + i % 9000}/balint.{i}",
            "tags": [{"tag": w} for w in sorted({rng.choice(_WORDS) for _ in range(rng.randint(0, 3))})],
            "abstractNote": " ".join(rng.choice(_WORDS) for _ in range(rng.randint(10, 30)))}
    if t == "journalArticle":
        item.update(publicationTitle=rng.choice(("Journal of the Balint Society", "Family Medicine", "BMJ")),
                    volume=str(rng.randint(1, 60)), issue=str(rng.randint(1, 12)),
                    pages=f"{rng.randint(1, 300)}-{rng.randint(301, 600)}")
    elif t == "bookSection":
        item.update(bookTitle="The Balint reader", publisher="Radcliffe", pages="1-20")
    elif t == "thesis":
        item.update(university="Semmelweis University", thesisType="PhD thesis")
    else:
        item.update(publisher="Tavistock", place="London")
    return item


def seed_group(state: ZoteroState, group: Group, items: int, notes: int = 0, seed: int = 0) -> list[str]:
    from ..formats.zotero import annotation_key, note_html

    rng = random.Random(seed)
    keys = []
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with state.lock:
        for i in range(items):
            data = random_item(rng, i)
            data["key"] = new_key(rng)
            data["dateAdded"] = (start + timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
            keys.append(state.put_item(group, data)["key"])
        for i in range(min(notes, len(keys))):
            parent = keys[i]
            state.put_item(group, {"itemType": "note", "key": annotation_key(parent), "parentItem": parent,
                                   "note": note_html(f"Group note {i}: {rng.choice(_WORDS)} {rng.choice(_WORDS)}")})
    return keys
