"""What every remote group library offers the sync engine (Mendeley now, Zotero later).

A remote hands out *records*: the server's JSON for one document or
annotation, its id and its version (Mendeley: ``last_modified``; Zotero: the
object version).  Listings return records plus a *cursor*, an opaque string
to pass back next time (Mendeley: the server's own ``Date`` at the start of
the listing, ISO-8601 UTC, never the local clock).  Converting records to and
from `balintbib.model.Reference` is the job of the format module
(`balintbib.formats.mendeley`), so that the sync engine can compare fields.

Errors are typed and carry one clear line naming the document involved.
Nothing here ever includes a token.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from ..errors import BalintError


class RemoteError(BalintError):
    """A remote request failed; ``str(err)`` is one line naming what and why."""

    def __init__(self, message: str, *, status: int | None = None, document: str | None = None):
        super().__init__(message)
        self.status = status
        self.document = document


class AuthError(RemoteError):
    """Not logged in, a token the server refuses, or a refresh that failed."""


class PermissionDenied(RemoteError):
    """403: e.g. a group follower (read-only) tried to write."""


class PreconditionFailed(RemoteError):
    """412: the document changed on the server since the base version."""


class NotFound(RemoteError):
    """404: the document (or group) is not there (deleted, trashed or never existed)."""


@dataclass(frozen=True)
class RemoteRecord:
    """One object as the server returned it."""

    id: str
    version: str  # Mendeley: last_modified as sent by the server ("" when absent)
    data: dict = field(repr=False)

    @classmethod
    def from_json(cls, data: dict) -> RemoteRecord:
        return cls(id=str(data.get("id", "")), version=str(data.get("last_modified", "")), data=data)


@dataclass
class Listing:
    """Records from a (possibly multi-page) listing, and the cursor for next time."""

    records: list[RemoteRecord]
    cursor: str  # pass to the next *_since call; opaque to callers
    requests: int = 0  # HTTP requests the listing took (retries included)
    complete: bool = False  # every live document, although changes only were asked for

    @property
    def ids(self) -> list[str]:
        return [r.id for r in self.records]


class Remote(ABC):
    """A shared group library, seen by the sync engine.

    Document writes take and return the server's JSON (built with the format
    module); ``update`` sends only the changed fields and refuses (with
    `PreconditionFailed`) when the document changed after ``base_version``.
    """

    name: str

    @abstractmethod
    def documents_since(self, cursor: str | None = None) -> Listing:
        """Every live document (cursor None) or those modified after the cursor."""

    @abstractmethod
    def deletions_since(self, cursor: str) -> Listing:
        """Documents deleted for good after the cursor (records carry only ids)."""

    @abstractmethod
    def trash(self, cursor: str | None = None) -> Listing:
        """Documents in the group's trash (modified after the cursor, if given)."""

    @abstractmethod
    def annotations_since(self, cursor: str | None = None) -> Listing:
        """Annotations visible to the group, all or modified after the cursor."""

    @abstractmethod
    def get(self, document_id: str) -> RemoteRecord: ...

    @abstractmethod
    def create(self, data: dict) -> RemoteRecord: ...

    @abstractmethod
    def update(self, document_id: str, changes: dict, base_version: str) -> RemoteRecord: ...

    @abstractmethod
    def move_to_trash(self, document_id: str) -> None: ...

    @abstractmethod
    def delete(self, document_id: str) -> None: ...
