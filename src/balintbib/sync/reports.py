"""What a pull or a push reports, and the error that stops a sync."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..errors import BalintError

Progress = Callable[[str, int, int], None]


class SyncError(BalintError):
    """A sync that cannot go on; the message says what was kept."""


@dataclass
class PullReport:
    full: bool = False
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # new or refreshed
    duplicates: list[str] = field(default_factory=list)  # our own creates found twice (to trash)
    open_conflicts: int = 0
    requests: int = 0
    recovered: int = 0
    #: What the group's documents held that could not be taken ("id: why"), one line each.
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass
class PushReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    trashed: list[str] = field(default_factory=list)
    linked: list[str] = field(default_factory=list)  # found already in the group
    conflicts: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    planned: list[str] = field(default_factory=list)  # --dry-run
    open_conflicts: int = 0
    requests: int = 0
    recovered: int = 0

    def to_json(self) -> dict:
        out = dict(self.__dict__)
        out["skipped"] = [{"key": k, "why": w} for k, w in self.skipped]
        return out


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def now_iso() -> str:
    """The present moment as the state writes it (for people to read)."""
    return _iso(datetime.now(UTC))
