"""The library: a folder (or a list) of .bib files, loaded and saved without loss.

`Library.load` parses every file and keeps, for each entry, the reference as
it was read.  `Library.save` writes a file only when something in it changed,
and inside a changed file writes back every untouched block byte for byte;
a changed entry is rewritten in the canonical layout, a new one is appended
to the library's main file, a removed one disappears with its trailing blank
line.  Writes are atomic (`fsutil.atomic_write_text`).

Multi-file libraries are one namespace: ``@string`` macros defined in any
file resolve in every other (as BibTeX does when given several files).
"""

from __future__ import annotations

from .errors import BalintError

import gc
import os
import threading
from contextlib import contextmanager
from pathlib import Path

from .formats import bibtex
from .formats.bibtex import BibFile, Entry, Problem, Text
from .formats.encoding import UTF8, encode
from .fsutil import atomic_write_bytes, check_writable
from .locking import locked
from .model import Reference


class LibraryError(BalintError):
    """A library that cannot be opened (missing folder, unreadable file)."""


class LibraryChangedError(LibraryError):
    """A file changed on disk after it was read: saving would undo that change.

    Nothing is written.  A long-lived session (the terminal UI, a sync) reloads
    the library and makes its change again on top of what is on disk now.
    """

    def __init__(self, paths: list[str]):
        self.paths = paths
        names = ", ".join(paths)
        super().__init__(f"{names} changed on disk since it was read (another program, a sync or git); "
                         "nothing was written: reload the library and make the change again")


_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


@contextmanager
def collector_paused(freeze: bool = False):
    """Pause Python's cycle collector while a library is read.

    Reading creates hundreds of thousands of small objects and no reference
    cycles; the collector's passes over them cost a quarter of the load time
    (10,000 entries: 590 ms with it, 440 ms without).  Nested and concurrent
    loads share one pause; the collector is back on when the last one ends.

    With ``freeze``, what exists at the end moves to the collector's permanent
    generation (`gc.freeze`): for data kept for the life of the process, such
    as the terminal UI's library, so that no later pass walks it again.
    Unreachable frozen objects are still freed by reference counting.
    """
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
        if freeze:
            gc.freeze()
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


class _Slot:
    """Where a reference came from, and how it looked when read: a copy of the key, type,
    fields and expressions, the content `Reference.same_content` compares (``ref.same_content(slot)``:
    one object per entry, no second `Reference`)."""

    __slots__ = ("file", "block", "key", "type", "fields", "expressions")

    def __init__(self, file: BibFile, block: Entry, ref: Reference):
        self.file = file
        self.block = block
        self.key = ref.key
        self.type = ref.type
        self.fields = dict(ref.fields)
        self.expressions = set(ref.expressions)


class Library:
    def __init__(self, root: Path | None, files: list[BibFile]):
        self.root = root
        self.files = files
        self.references: list[Reference] = []
        self.problems: list[Problem] = []
        self._slots: dict[int, _Slot] = {}
        self._removed: list[_Slot] = []
        self.macros: dict[str, str] = {}
        #: Place new references in key order in the main file (import, add) instead of at its end.
        self.insert_sorted = False
        for bf in files:
            self.macros.update(bf.strings)
        references, slots, to_reference = self.references, self._slots, bibtex.entry_to_reference
        for bf in files:
            self.problems.extend(bf.problems)
            for block in bf.blocks:
                if isinstance(block, Entry):
                    ref, renamed = to_reference(block)
                    if renamed:
                        self._report_renamed(bf, block, renamed)
                    references.append(ref)
                    slots[id(ref)] = _Slot(bf, block, ref)

    def _report_renamed(self, bf: BibFile, block: Entry, renamed: list[str]) -> None:
        for name in dict.fromkeys(renamed):
            count = renamed.count(name) + 1
            lines = [f.line for f in block.fields if f.name.lower() == name]
            self.problems.append(
                Problem(bf.path, lines[1] if len(lines) > 1 else block.line, 1, "B003",
                        f"field '{name}' given {count} times in '{block.key}'; "
                        f"the later values are kept as {name}-2...",
                        "warning")
            )

    # -- loading --------------------------------------------------------------
    @classmethod
    def load(cls, path: str | os.PathLike) -> Library:
        """A folder (every ``*.bib`` in it, recursively, hidden folders skipped) or one file."""
        path = Path(path)
        if path.is_dir():
            paths = sorted(
                p for p in path.rglob("*.bib")
                if not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            return cls.load_files(paths, root=path)
        if path.is_file():
            return cls.load_files([path], root=None)
        raise LibraryError(f"{path}: no such file or folder")

    @classmethod
    def load_files(cls, paths, root: Path | None = None) -> Library:
        files = []
        with collector_paused():
            for p in paths:
                try:
                    files.append(bibtex.parse_file(p))
                except IsADirectoryError:
                    raise LibraryError(f"{p}: is a folder; give the folder itself or --library") from None
                except FileNotFoundError:
                    raise LibraryError(f"{p}: no such file") from None
                except OSError as exc:
                    raise LibraryError(f"{p}: cannot read: {exc.strerror}") from None
            return cls(root, files)

    def reread(self) -> Library:
        """The same folder or files, read again from disk (a new `Library`)."""
        if self.root is not None:
            return Library.load(self.root)
        return Library.load_files([bf.path for bf in self.files])

    # -- access ---------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.references)

    def __iter__(self):
        return iter(self.references)

    def get(self, key: str) -> Reference | None:
        low = key.lower()
        return next((r for r in self.references if r.key.lower() == low), None)

    def text(self, ref: Reference, name: str) -> str:
        """A field as plain text, with this library's macros."""
        return ref.text(name, self.macros)

    def file_of(self, ref: Reference) -> str | None:
        slot = self._slots.get(id(ref))
        return slot.file.path if slot else None

    def line_of(self, ref: Reference) -> int | None:
        slot = self._slots.get(id(ref))
        return slot.block.line if slot else None

    def source_of(self, ref: Reference) -> str:
        """The entry as written in its file (the canonical layout when it is new or changed)."""
        slot = self._slots.get(id(ref))
        if slot is not None and ref.same_content(slot):
            return slot.block.raw
        return bibtex.render_entry(ref, bibtex.ordered_fields(ref.fields))

    def field_line(self, ref: Reference, name: str) -> int | None:
        """The line of a field as read (the entry's line when the field is new or absent)."""
        slot = self._slots.get(id(ref))
        if slot is None:
            return None
        for f in slot.block.fields:
            if f.name.lower() == name:
                return f.line
        return slot.block.line

    # -- changes ----------------------------------------------------------------
    def add(self, ref: Reference) -> None:
        self.references.append(ref)

    def remove(self, ref: Reference) -> None:
        self.references = [r for r in self.references if r is not ref]
        slot = self._slots.pop(id(ref), None)
        if slot:
            self._removed.append(slot)

    def changed(self) -> list[Reference]:
        """References added or modified since loading."""
        out = []
        for ref in self.references:
            slot = self._slots.get(id(ref))
            if slot is None or not ref.same_content(slot):
                out.append(ref)
        return out

    @property
    def main_file(self) -> Path:
        """Where new references go: the first file, or ``<root>/library.bib``."""
        if self.files:
            return Path(self.files[0].path)
        if self.root is None:
            raise LibraryError("the library has no file to add references to")
        return self.root / "library.bib"

    def render(self) -> dict[str, str]:
        """The new text of every file that changes, by path."""
        out: dict[str, str] = {}
        removed = {id(s.block) for s in self._removed}
        changed: dict[int, Reference] = {}  # id(block) -> its reference, whose content changed
        new_refs: list[Reference] = []
        slots = self._slots
        for ref in self.references:
            slot = slots.get(id(ref))
            if slot is None:
                new_refs.append(ref)
            elif not ref.same_content(slot):
                changed[id(slot.block)] = ref
        main = str(self.main_file)
        known_paths = {bf.path for bf in self.files}
        for bf in self.files:
            if removed or changed:
                parts, dirty = self._render_blocks(bf, removed, changed)
            else:
                parts, dirty = [block.raw for block in bf.blocks], False
            if bf.path == main and new_refs and self.insert_sorted:
                out[bf.path] = self._insert_sorted(bf, parts, new_refs)
                continue
            if bf.path == main and new_refs:
                out[bf.path] = _with_entries(parts, [bibtex.render_entry(r, bibtex.ordered_fields(r.fields))
                                                     for r in new_refs])
                continue
            if dirty:
                out[bf.path] = "".join(parts)
        if new_refs and main not in known_paths:
            out[main] = "\n\n".join(bibtex.render_entry(r, bibtex.ordered_fields(r.fields)) for r in new_refs) + "\n"
        return out

    @staticmethod
    def _render_blocks(bf: BibFile, removed: set[int], changed: dict[int, Reference]) -> tuple[list[str], bool]:
        """A file's blocks as text: untouched ones as read, changed entries in the canonical
        layout, removed ones gone (with one blank line after them); and whether any of that happened."""
        parts: list[str] = []
        dirty = False
        skip_blank = False
        for block in bf.blocks:
            if skip_blank and isinstance(block, Text):
                skip_blank = False
                stripped = _drop_one_blank_line(block.raw)
                if stripped:
                    parts.append(stripped)
                continue
            skip_blank = False
            if id(block) in removed:
                dirty = True
                skip_blank = True
                continue
            ref = changed.get(id(block))
            if ref is not None:
                parts.append(bibtex.render_entry(ref, bibtex.ordered_fields(ref.fields)))
                dirty = True
            else:
                parts.append(block.raw)
        return parts, dirty

    def _insert_sorted(self, bf: BibFile, parts: list[str], new_refs: list[Reference]) -> str:
        """The main file with new entries placed where `normalize`'s sort by key puts them
        (before the first entry whose key sorts after theirs; at the end otherwise)."""
        from .normalize.engine import render_entry  # the canonical layout, fast path for plain values

        # Rendered in the order they came, which is the order their data lie in memory
        # (in key order, a third slower on 9,000 entries: every entry is a cache miss).
        texts = [render_entry(r) for r in new_refs]
        pending = sorted((r.key.lower(), at) for at, r in enumerate(new_refs))  # by key; stable
        i, n = 0, len(pending)
        out: list[str] = []
        done = 0  # parts[:done] are in out
        blocks = bf.blocks
        if len(blocks) == len(parts):  # (when entries were removed, the order stays as it is: all at the end)
            for at, block in enumerate(blocks):
                if isinstance(block, Entry) and pending[i][0] < block.key.lower():
                    out += parts[done:at]
                    done = at
                    key = block.key.lower()
                    while i < n and pending[i][0] < key:
                        out += (texts[pending[i][1]], "\n\n")
                        i += 1
                    if i == n:
                        break
        out += parts[done:]
        if i < n:
            return _with_entries(out, [texts[at] for _, at in pending[i:]])
        return "".join(out)

    def stale_files(self, paths=None) -> list[str]:
        """Files (of `paths`, default all) whose text on disk is no longer what was read or saved."""
        texts = {bf.path: bf for bf in self.files}
        stale = []
        for path in (paths if paths is not None else list(texts)):
            bf = texts.get(path)
            try:
                data = Path(path).read_bytes()
            except FileNotFoundError:
                if bf is not None:
                    stale.append(path)  # removed meanwhile
                continue
            except OSError:
                continue  # unreadable: the write will say why
            if bf is None:
                stale.append(path)  # a new file that someone else created meanwhile
            elif data.decode(bf.encoding, errors="replace") != bf.render():
                stale.append(path)
        return stale

    def save(self, reanchor: bool = True) -> list[str]:
        """Write the files that changed (atomically); returns their paths.

        Holds the write lock of those files (`locking`) from the check to the
        write.  Raises `LibraryChangedError`, writing nothing, when a file to be
        written changed on disk since it was read: another writer's change is
        never undone.  A file read in another encoding than UTF-8 is written in
        that encoding, or not at all (`EncodingError`, nothing written).
        With ``reanchor=False`` the files are not read back afterwards (a command
        that exits after saving); the `Library` must not be saved again.
        """
        rendered = self.render()
        if not rendered:
            return []
        with locked(list(rendered)):
            return self._save_locked(rendered, reanchor)

    def _save_locked(self, rendered: dict[str, str], reanchor: bool) -> list[str]:
        stale = self.stale_files(list(rendered))
        if stale:
            raise LibraryChangedError(stale)
        encodings = {bf.path: bf.encoding for bf in self.files}
        data = {path: encode(text, encodings.get(path, UTF8), path) for path, text in rendered.items()}
        for path in data:
            check_writable(path)
        written = []
        for path, payload in data.items():
            atomic_write_bytes(path, payload)
            written.append(path)
        if written and reanchor:
            reloaded = Library.load_files([bf.path for bf in self.files] + [
                p for p in written if p not in {bf.path for bf in self.files}
            ], root=self.root)
            # Re-anchor: the saved state is the new baseline, the same objects stay valid.
            by_key = {}
            for ref in reloaded.references:
                by_key.setdefault(ref.key.lower(), []).append(ref)
            self.files = reloaded.files
            self.problems = reloaded.problems
            self.macros = reloaded.macros
            self._removed = []
            new_slots = {}
            for ref in self.references:
                match = by_key.get(ref.key.lower())
                if match:
                    fresh = match.pop(0)
                    new_slots[id(ref)] = _Slot(reloaded._slots[id(fresh)].file,
                                               reloaded._slots[id(fresh)].block, ref)
            self._slots = new_slots
        return written

    def encoding_of(self, path: str) -> str:
        """The encoding a file of the library was read (and is written) in."""
        return next((bf.encoding for bf in self.files if bf.path == path), UTF8)


def _with_entries(parts: list[str], entries: list[str]) -> str:
    """The text of ``parts`` (changed in place) and then ``entries``: the text's trailing
    newlines become one blank line (none when the text is blank), one newline at the end.
    Works on the parts, so a big file's text is not copied once more for it."""
    while parts and (not parts[-1] or parts[-1].endswith("\n")):
        last = parts.pop().rstrip("\n")
        if last:
            parts.append(last)
            break
    if any(part.strip() for part in parts):
        parts.append("\n\n")
    parts += ("\n\n".join(entries), "\n")
    return "".join(parts)


def _drop_one_blank_line(raw: str) -> str:
    """Text after a removed entry: drop the newline that ended it and one blank line."""
    if raw.startswith("\r\n\r\n"):
        return raw[4:] if len(raw) > 4 else ""
    if raw.startswith("\n\n"):
        return raw[2:]
    if raw.startswith("\n"):
        return raw[1:]
    return raw


def read_csl_json(path: Path, bibtex_keys: bool = False) -> tuple[list[Reference], list[Problem]]:
    """The items of a CSL-JSON file, each checked against CSL-JSON's schema
    (`formats.csl_check`): a bad item is one problem (code C001, with its number
    and id) and is left out; a file that is not a JSON array is a `LibraryError`."""
    import json

    from .formats import csl_check, csljson

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LibraryError(f"{path}: no such file") from None
    except RecursionError:
        raise LibraryError(f"{path}: not CSL-JSON: too deeply nested") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise LibraryError(f"{path}: not valid CSL-JSON: {exc}") from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise LibraryError(f"{path}: CSL-JSON must be a list of items, not {csl_check._kind(data)}")
    refs: list[Reference] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for number, item in enumerate(data, 1):
        found = csl_check.item_problems(item, bibtex_keys)
        if not found:
            ident = str(item["id"])
            if ident in seen:
                found = [f"the same id as item {seen[ident]}"]
            else:
                seen[ident] = number
        if found:
            more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
            problems.append(Problem(str(path), 1, 1, "C001",
                                    f"{csl_check.item_label(number, item)}: {found[0]}{more}; left out"))
            continue
        refs.append(csljson.from_csl(item))
    return refs, problems


def load_references(paths, bibtex_keys: bool = False) -> tuple[list[Reference], dict[str, str], list[Problem]]:
    """References from .bib and CSL-JSON files (formats chosen by extension); with
    `bibtex_keys`, a CSL-JSON id that cannot be a BibTeX key is a bad item."""
    import json

    from .formats import csljson

    refs: list[Reference] = []
    macros: dict[str, str] = {}
    problems: list[Problem] = []
    bib_paths = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            lib = Library.load(p)
            refs.extend(lib.references)
            macros.update(lib.macros)
            problems.extend(lib.problems)
        elif p.suffix.lower() == ".json":
            items, item_problems = read_csl_json(p, bibtex_keys)
            refs.extend(items)
            problems.extend(item_problems)
        else:
            bib_paths.append(p)
    if bib_paths:
        lib = Library.load_files(bib_paths)
        refs.extend(lib.references)
        macros.update(lib.macros)
        problems.extend(lib.problems)
    return refs, macros, problems
