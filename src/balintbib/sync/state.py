"""What a librarian's copy remembers about one remote, between syncs.

Stored next to the library, per remote, and never shared (gitignored)::

    <library>/.balintbib/sync/<remote>.json      the state (rewritten atomically)
    <library>/.balintbib/sync/<remote>.journal   the push journal (append-only)

The state holds, for every linked remote document (by remote id, so renaming
a key or normalizing the library never breaks the link):

* ``local``: the library's snapshot of the reference at the last sync (the
  merge ancestor on the library side);
* ``remote``: the remote copy's snapshot at the same time, stored as the few
  fields where it differs from ``local`` (conversion noise, server-only fields);
* ``version``: the document's ``last_modified`` (sent as ``If-Unmodified-Since``);
* the group note's id and version;

plus the pull cursor (the server's ``Date``), the time of the last full
reconciliation, and the open conflicts (each with the remote's values, so the
library can keep its own until the conflict is resolved).

The journal is a JSON-lines log of push operations: an *intent* line is
appended (and fsynced) before each request that could not safely be repeated
(a create, a note), and a *done* line, with the server's answer, after each
request (written, not fsynced: a killed process loses nothing the kernel has;
after a power cut, a lost *done* line leaves its intent, which is recovered by
looking for the document again).  After a crash, `Journal.entries` gives back every
operation whose outcome the state does not yet reflect; a torn last line (the
crash hit mid-append) is ignored.  The journal is emptied atomically once the
library and the state have absorbed it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BalintError
from ..fsutil import WriteError, atomic_write_text
from .merge import FieldConflict, Snapshot

FORMAT = 1

# Conflict kinds.
FIELDS = "fields"  # both sides changed fields differently
DELETED_REMOTELY = "deleted-remotely"  # the group deleted/trashed it, the library changed it
DELETED_LOCALLY = "deleted-locally"  # the library deleted it, the group changed it


#: Fields a server fills in on a document we create, unasked (Mendeley gives each
#: new document a ``client_data`` with a desktop id).
SERVER_FILLED = frozenset({"mendeley-client-data"})


class StateError(BalintError):
    """A sync state file that cannot be read or written."""


@dataclass
class DocState:
    """The merge ancestor of one linked document."""

    local: Snapshot
    version: str
    remote_delta: dict[str, str | None] = field(default_factory=dict)
    note_id: str = ""
    note_version: str = ""
    #: Made from our own create (the body sent + the server's short answer): fields
    #: the server fills in on its own (``hidden: false``...) are not known yet.
    provisional: bool = False
    #: The group trashed it, the librarian kept it (resolve --ours): push restores it.
    restore: bool = False

    def remote_against(self, theirs: Snapshot) -> Snapshot:
        """The remote ancestor to compare `theirs` with: for a provisional one, the
        fields the server fills in by itself on a create count as there from the
        start, not as edits (any other new field is an edit)."""
        remote = self.remote
        if not self.provisional:
            return remote
        return {**{k: v for k, v in theirs.items() if k not in remote and k in SERVER_FILLED}, **remote}

    @property
    def remote(self) -> Snapshot:
        if not self.remote_delta:
            return dict(self.local)
        out = {k: v for k, v in self.local.items() if self.remote_delta.get(k, v) is not None}
        for k, v in self.remote_delta.items():
            if v is not None:
                out[k] = v
        return out

    @classmethod
    def make(cls, local: Snapshot, remote: Snapshot, version: str, note_id: str = "",
             note_version: str = "", provisional: bool = False) -> DocState:
        delta: dict[str, str | None] = {k: v for k, v in remote.items() if local.get(k) != v}
        delta.update({k: None for k in local if k not in remote})
        return cls(dict(local), version, delta, note_id, note_version, provisional)

    def to_json(self) -> dict:
        out: dict = {"version": self.version, "local": self.local}
        if self.remote_delta:
            out["remote"] = self.remote_delta
        if self.note_id:
            out["note"] = [self.note_id, self.note_version]
        if self.provisional:
            out["provisional"] = True
        if self.restore:
            out["restore"] = True
        return out

    @classmethod
    def from_json(cls, data: dict) -> DocState:
        note = data.get("note") or ["", ""]
        return cls(dict(data["local"]), data.get("version", ""), dict(data.get("remote") or {}),
                   note[0], note[1], bool(data.get("provisional")), bool(data.get("restore")))


@dataclass
class Conflict:
    """An open conflict on one document; the library keeps its values meanwhile."""

    id: str
    key: str
    kind: str
    fields: list[FieldConflict] = field(default_factory=list)
    theirs: Snapshot | None = None  # the remote copy (None when it was deleted)
    theirs_version: str = ""
    theirs_note: tuple[str, str] = ("", "")  # note id and version
    gone: str = ""  # "deleted" or "trashed" for DELETED_REMOTELY

    def describe(self) -> str:
        if self.kind == DELETED_REMOTELY:
            return f"{self.key}: changed here, {self.gone or 'deleted'} in the group"
        if self.kind == DELETED_LOCALLY:
            return f"{self.key}: deleted here, changed in the group"
        names = ", ".join(c.name for c in self.fields)
        return f"{self.key}: both sides changed {names}"

    def to_json(self) -> dict:
        out = {"id": self.id, "key": self.key, "kind": self.kind,
               "fields": [c.to_json() for c in self.fields], "theirs_version": self.theirs_version}
        if self.theirs is not None:
            out["theirs"] = self.theirs
        if any(self.theirs_note):
            out["theirs_note"] = list(self.theirs_note)
        if self.gone:
            out["gone"] = self.gone
        return out

    @classmethod
    def from_json(cls, data: dict) -> Conflict:
        return cls(data["id"], data["key"], data["kind"],
                   [FieldConflict.from_json(c) for c in data.get("fields", [])],
                   data.get("theirs"), data.get("theirs_version", ""),
                   tuple(data.get("theirs_note") or ("", "")), data.get("gone", ""))


@dataclass
class SyncState:
    remote: str
    group: str = ""
    cursor: str = ""  # the server's Date at the start of the last complete pull
    last_full: str = ""  # when the last full reconciliation started (server time)
    last_pull: str = ""
    last_push: str = ""
    docs: dict[str, DocState] = field(default_factory=dict)
    conflicts: dict[str, Conflict] = field(default_factory=dict)
    #: The library key of each linked document at the last sync: a key renamed
    #: since is sent as the document's ``citation_key``.
    keys: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "format": FORMAT, "remote": self.remote, "group": self.group, "cursor": self.cursor,
            "last_full": self.last_full, "last_pull": self.last_pull, "last_push": self.last_push,
            "conflicts": {k: c.to_json() for k, c in sorted(self.conflicts.items())},
            "docs": {k: d.to_json() for k, d in sorted(self.docs.items())},
            "keys": {k: v for k, v in sorted(self.keys.items()) if k in self.docs},
        }

    @classmethod
    def from_json(cls, data: dict) -> SyncState:
        if data.get("format") != FORMAT:
            raise StateError(f"sync state format {data.get('format')!r} is not supported (expected {FORMAT})")
        return cls(
            data["remote"], data.get("group", ""), data.get("cursor", ""), data.get("last_full", ""),
            data.get("last_pull", ""), data.get("last_push", ""),
            {k: DocState.from_json(v) for k, v in (data.get("docs") or {}).items()},
            {k: Conflict.from_json(v) for k, v in (data.get("conflicts") or {}).items()},
            dict(data.get("keys") or {}),
        )


class StateStore:
    """The files of one remote's sync state under ``<library>/.balintbib/sync``."""

    def __init__(self, library_root: Path, remote: str):
        self.folder = Path(library_root) / ".balintbib" / "sync"
        self.remote = remote
        self.path = self.folder / f"{remote}.json"
        self.journal = Journal(self.folder / f"{remote}.journal")

    def load(self, group: str = "") -> SyncState:
        try:
            raw = self.path.read_text("utf-8")
        except FileNotFoundError:
            return SyncState(self.remote, group)
        except OSError as exc:
            raise StateError(f"cannot read {self.path}: {exc.strerror}") from None
        try:
            state = SyncState.from_json(json.loads(raw))
        except (ValueError, KeyError, TypeError) as exc:
            raise StateError(f"{self.path}: damaged sync state ({type(exc).__name__}: {exc}); "
                             f"move it away and pull again (conflicts will be shown for edited references)") from None
        if group and state.group and state.group != group:
            raise StateError(f"{self.path} belongs to group {state.group}, but remote {self.remote!r} now points "
                             f"to group {group}; move the file away to start over")
        state.group = state.group or group
        return state

    def save(self, state: SyncState) -> None:
        self._ensure_folder()
        text = json.dumps(state.to_json(), ensure_ascii=False, separators=(",", ":"))
        atomic_write_text(self.path, text + "\n")

    def _ensure_folder(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            ignore = self.folder.parent / ".gitignore"
            if not ignore.exists():
                atomic_write_text(ignore, "# balintbib's private sync state: never commit it\n*\n")
        except OSError as exc:
            raise WriteError(f"cannot create {self.folder}: {exc.strerror}") from None


class Journal:
    """An append-only JSON-lines log; each line is fsynced before the request it announces."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def append(self, entry: dict, durable: bool = True) -> None:
        """Append one line; `durable` also fsyncs it (an intent must survive a power cut;
        a result need not: if it is lost, the intent leads to the marker search)."""
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode("utf-8"))
                if durable:
                    os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise WriteError(f"cannot write the sync journal {self.path}: {exc.strerror}") from None

    def entries(self) -> list[dict]:
        """Every complete line; a torn or garbled line (a crash mid-append) is skipped."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise StateError(f"cannot read the sync journal {self.path}: {exc.strerror}") from None
        out = []
        for line in raw.split(b"\n"):
            if not line.strip():
                continue
            try:
                entry = json.loads(line.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                continue
            if isinstance(entry, dict):
                out.append(entry)
        return out

    def clear(self) -> None:
        if self.path.exists():
            atomic_write_text(self.path, "")

    def pending(self) -> bool:
        try:
            return self.path.stat().st_size > 0
        except FileNotFoundError:
            return False
