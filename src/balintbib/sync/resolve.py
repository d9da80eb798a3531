"""Resolve: settling an open conflict with the library's values, the group's, or edited ones;
and the conflict as text to edit (`resolve --edit`) and back.
"""

from __future__ import annotations

from .keys import KEY_OK, make_key
from .merge import (
    EXPRESSION_MARK, TYPE_FIELD, Snapshot, apply_snapshot, display_value, equivalent, merge, snapshot, to_reference,
)
from .reports import SyncError
from .state import DELETED_LOCALLY, DELETED_REMOTELY, FIELDS, Conflict, DocState


class Resolve:
    """Mixed into `SyncEngine`: `find_conflict` and `resolve`."""

    def find_conflict(self, key: str) -> Conflict | None:
        low = key.lower()
        for c in self.state.conflicts.values():
            ref = self.ref_by_id(c.id)
            if c.key.lower() == low or (ref is not None and ref.key.lower() == low):
                return c
        return None

    def resolve(self, key: str, choice: str, values: dict[str, str | None] | None = None) -> Conflict:
        """Settle the conflict on `key`: ``ours``, ``theirs`` or ``edit`` (with `values`)."""
        c = self.find_conflict(key)
        if c is None:
            raise SyncError(f"no open conflict on {key!r} for remote {self.name!r}")
        st = self.state
        ref = self.ref_by_id(c.id)
        base = st.docs.get(c.id)
        if c.kind == FIELDS:
            if ref is None or c.theirs is None:
                raise SyncError(f"{key}: the reference is no longer in the library; pull again")
            base = base or DocState({}, "")
            ours = snapshot(ref)
            result = merge(base.local, ours, c.theirs, theirs_base=base.remote_against(c.theirs), agree=equivalent)
            new_local = result.synced_base(base.local)
            final = dict(result.merged)
            names = dict.fromkeys([fc.name for fc in c.fields] + [fc.name for fc in result.conflicts])
            for name in names:
                theirs_value = c.theirs.get(name)
                _put(new_local, name, theirs_value)
                if choice == "theirs":
                    _put(final, name, theirs_value)
                elif choice == "edit":
                    if values is None or name not in values:
                        raise SyncError(f"{key}: no value given for {name}")
                    _put(final, name, values[name])
            if TYPE_FIELD not in final:
                final[TYPE_FIELD] = ref.type
            apply_snapshot(ref, final)
            st.docs[c.id] = DocState.make(new_local, c.theirs, c.theirs_version, *c.theirs_note)
        elif c.kind == DELETED_REMOTELY:
            if choice == "edit":
                raise SyncError(f"{key}: deleted in the group; choose --ours (send it again) or --theirs (delete here)")
            if ref is not None:
                if choice == "ours" and c.gone == "trashed" and base is not None:
                    # The next push restores it from the trash (same id, its notes kept).
                    st.docs[c.id] = DocState(base.local, base.version, dict(base.remote_delta), base.note_id,
                                             base.note_version, base.provisional, restore=True)
                    st.conflicts.pop(c.id, None)
                    self._save()
                    return c
                if choice == "ours":
                    self._linked(ref, None)  # deleted for good: the next push creates it again
                else:
                    self.library.remove(ref)
                    self._ids = None
            st.docs.pop(c.id, None)
        elif c.kind == DELETED_LOCALLY:
            if choice == "edit":
                raise SyncError(f"{key}: deleted here; choose --ours (delete it in the group) or --theirs (bring it back)")
            if choice == "theirs" and c.theirs is not None:
                taken = self._taken_keys()
                k = c.key if c.key.lower() not in taken and KEY_OK.match(c.key) else make_key(c.theirs, taken)
                new = to_reference(k, c.theirs)
                new.set_remote_id(self.name, c.id)
                self.library.add(new)
                self._ids = None
                st.keys[c.id] = k
                st.docs[c.id] = DocState.make(c.theirs, c.theirs, c.theirs_version, *c.theirs_note)
            elif c.theirs is not None:
                old = base.local if base else c.theirs
                st.docs[c.id] = DocState.make(old, c.theirs, c.theirs_version, *c.theirs_note)
        st.conflicts.pop(c.id, None)
        self._save()
        return c


def _put(snap: Snapshot, name: str, value: str | None) -> None:
    if value is None:
        snap.pop(name, None)
    else:
        snap[name] = value


def conflict_text(c: Conflict) -> str:
    """The conflicting fields as text to edit (``## field`` blocks, ours pre-filled)."""
    lines = [f"# Conflict on {c.key}: edit each value below, save and quit.",
             "# Lines starting with '#' are ignored; an empty value removes the field.", ""]
    for fc in c.fields:
        lines.append(f"## {fc.name}")
        lines.append(f"# base:   {display_value(fc.base)}")
        lines.append(f"# theirs: {display_value(fc.theirs)}")
        lines.append("# ours (kept below unless you change it):")
        lines.append(display_value(fc.ours) if fc.ours is not None else "")
        lines.append("")
    return "\n".join(lines)


def parse_conflict_text(c: Conflict, text: str) -> dict[str, str | None]:
    values: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
            values[current] = []
        elif line.startswith("#"):
            continue
        elif current is not None:
            values[current].append(line)
    out: dict[str, str | None] = {}
    for fc in c.fields:
        if fc.name not in values:
            raise SyncError(f"the edited text has no '## {fc.name}' block; nothing was changed")
        value = "\n".join(values[fc.name]).strip()
        if not value:
            out[fc.name] = None
        elif fc.name == TYPE_FIELD:
            out[fc.name] = value
        else:
            was_expr = any(v is not None and v.startswith(EXPRESSION_MARK) for v in (fc.ours, fc.theirs))
            same_as = next((v for v in (fc.ours, fc.theirs) if v is not None and v.lstrip(EXPRESSION_MARK) == value), None)
            out[fc.name] = same_as if same_as is not None else (EXPRESSION_MARK + value if was_expr and " " not in value else value)
    return out
