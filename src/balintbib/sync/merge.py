"""Three-way merge of references, field by field.  Pure: no I/O, no clock.

A reference is compared as a *snapshot*: a flat ``{name: value}`` dict of its
BibTeX fields plus the pseudo-field ``@type`` (the entry type).  A field whose
content is a BibTeX expression (``month = jan``) is marked by a leading NUL
character in its value, a character BibTeX content can never hold, so that a
change from ``{jan}`` to ``jan`` is a change like any other.  The link field
``remote-ids`` and the citation key are local bookkeeping and never merged.

`merge` takes the common ancestor and both sides.  Each side is compared with
*its own* ancestor: the library's copy with the library snapshot taken at the
last sync (``base``), the remote copy with the remote's snapshot taken at the
same time (``theirs_base``, default ``base``).  Converting to Mendeley and
back is not always byte-identical (``{B}alint`` comes back as ``Balint``), and
comparing each side with its own ancestor keeps such noise from looking like
an edit.  Then, per field:

========================  ======================================
changed on no side        keep
changed on one side only  take that side (a deletion included)
changed on both, agree    keep ours (the library's spelling)
changed on both, differ   CONFLICT: ours is kept, theirs recorded
========================  ======================================

Nothing is ever dropped: every field of either side is in the result, or is a
deletion made on one side while the other left it alone, or is a conflict
carrying both values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ..errors import BalintError
from ..latex import latex_to_text
from ..model import REMOTE_IDS_FIELD, Reference

TYPE_FIELD = "@type"
EXPRESSION_MARK = "\x00"
#: Fields that are never merged (local bookkeeping).
UNMERGED = frozenset({REMOTE_IDS_FIELD})

Snapshot = dict[str, str]

# Per-field outcomes.
SAME = "same"  # unchanged on both sides
OURS = "ours"  # changed here only
THEIRS = "theirs"  # changed there only
BOTH = "both"  # changed on both sides, to equivalent values
CONFLICT = "conflict"  # changed on both sides, to different values


@dataclass(frozen=True)
class FieldConflict:
    """Both sides changed one field differently (``None`` = the field is absent)."""

    name: str
    base: str | None
    ours: str | None
    theirs: str | None

    def to_json(self) -> dict:
        return {"name": self.name, "base": self.base, "ours": self.ours, "theirs": self.theirs}

    @classmethod
    def from_json(cls, data: dict) -> FieldConflict:
        return cls(data["name"], data.get("base"), data.get("ours"), data.get("theirs"))


@dataclass
class MergeResult:
    merged: Snapshot
    conflicts: list[FieldConflict] = field(default_factory=list)
    outcome: dict[str, str] = field(default_factory=dict)  # field -> SAME/OURS/THEIRS/BOTH/CONFLICT

    @property
    def clean(self) -> bool:
        return not self.conflicts

    def fields(self, *outcomes: str) -> list[str]:
        return [name for name, o in self.outcome.items() if o in outcomes]

    def synced_base(self, base: Mapping[str, str]) -> Snapshot:
        """The library-side ancestor after this merge.

        Fields both sides now hold the same value for take the merged value;
        fields changed here only (not yet sent) and conflicts keep the old
        ancestor, so that they still show as local changes.
        """
        out: Snapshot = {}
        for name in _names(self.merged, base):
            o = self.outcome.get(name, SAME)
            value = base.get(name) if o in (OURS, CONFLICT) else self.merged.get(name)
            if value is not None:
                out[name] = value
        return out


def _names(*dicts: Mapping[str, str]) -> list[str]:
    """Field names in first-seen order across the dicts."""
    seen: dict[str, None] = {}
    for d in dicts:
        for name in d:
            seen.setdefault(name, None)
    return list(seen)


def merge(base: Mapping[str, str], ours: Mapping[str, str], theirs: Mapping[str, str], *,
          theirs_base: Mapping[str, str] | None = None,
          agree: Callable[[str | None, str | None], bool] | None = None) -> MergeResult:
    """Merge `theirs` into `ours` against the common ancestor (see the module doc).

    `agree(ours_value, theirs_value)` decides whether two values both sides
    changed are the same edit (default: equal); when they agree, ours is kept.
    """
    tbase = base if theirs_base is None else theirs_base
    agree = agree or (lambda a, b: a == b)
    merged: Snapshot = {}
    conflicts: list[FieldConflict] = []
    outcome: dict[str, str] = {}
    for name in _names(ours, theirs, base, tbase):
        if name in UNMERGED:
            continue
        b, o, t, tb = base.get(name), ours.get(name), theirs.get(name), tbase.get(name)
        ours_changed = o != b
        theirs_changed = t != tb
        if not ours_changed and not theirs_changed:
            result, outcome[name] = o, SAME
        elif ours_changed and not theirs_changed:
            result, outcome[name] = o, OURS
        elif theirs_changed and not ours_changed:
            result, outcome[name] = t, THEIRS
        elif o == t or agree(o, t):
            result, outcome[name] = o, BOTH
        else:
            result, outcome[name] = o, CONFLICT
            conflicts.append(FieldConflict(name, b, o, t))
        if result is not None:
            merged[name] = result
    return MergeResult(_ordered(merged, ours, theirs), conflicts, outcome)


def _ordered(merged: Snapshot, ours: Mapping[str, str], theirs: Mapping[str, str]) -> Snapshot:
    """Ours' field order, then fields new from theirs in their order."""
    out = {name: merged[name] for name in ours if name in merged}
    out.update((name, merged[name]) for name in theirs if name in merged and name not in out)
    out.update((name, value) for name, value in merged.items() if name not in out)
    return out


def equivalent(a: str | None, b: str | None) -> bool:
    """Same plain text (LaTeX decoded, braces dropped, white space collapsed)."""
    if a is None or b is None:
        return a is b
    if a == b:
        return True
    return _plain(a) == _plain(b)


def _plain(value: str) -> str:
    if value.startswith(EXPRESSION_MARK):
        value = value[1:]
    try:
        text = latex_to_text(value)
    except Exception:  # undecodable content compares as written
        text = value
    return " ".join(text.split())


# -- snapshots of references --------------------------------------------------------

def snapshot(ref: Reference) -> Snapshot:
    """A reference as a flat dict of comparable values (see the module doc)."""
    out: Snapshot = {TYPE_FIELD: ref.type}
    for name, content in ref.fields.items():
        if name in UNMERGED:
            continue
        if name in ref.expressions:
            out[name] = EXPRESSION_MARK + content
        elif content.startswith(EXPRESSION_MARK):
            # The marker is never taken from a value: a NUL no BibTeX value may hold is refused.
            raise MarkerInValue(f"{ref.key}: the field {name!r} starts with a NUL character, which no BibTeX "
                                f"value may hold; remove it before syncing")
        else:
            out[name] = content
    return out


class MarkerInValue(BalintError):
    """A value that holds the snapshot's expression marker (NUL)."""


def apply_snapshot(ref: Reference, snap: Mapping[str, str]) -> None:
    """Make `ref` hold `snap` (its key and ``remote-ids`` stay as they are)."""
    ref.type = snap.get(TYPE_FIELD) or ref.type
    fields: dict[str, str] = {}
    expressions: set[str] = set()
    for name, value in snap.items():
        if name == TYPE_FIELD or name in UNMERGED:
            continue
        if value.startswith(EXPRESSION_MARK):
            fields[name] = value[1:]
            expressions.add(name)
        else:
            fields[name] = value
    for name in UNMERGED:
        if name in ref.fields:
            fields[name] = ref.fields[name]
    ref.fields = fields
    ref.expressions = expressions


def to_reference(key: str, snap: Mapping[str, str]) -> Reference:
    ref = Reference(key, snap.get(TYPE_FIELD) or "misc")
    apply_snapshot(ref, snap)
    return ref


def display_value(value: str | None) -> str:
    """A snapshot value as a person reads it (``(absent)`` for a missing field)."""
    if value is None:
        return "(absent)"
    return value[1:] if value.startswith(EXPRESSION_MARK) else value
