"""The core's services as the terminal UI uses them (no Textual here).

Three small adapters keep the UI independent of how far the core has come:

* `Citations` formats one reference in a CSL style through `balintbib.cite`
  (cached, serialised: the engine is not thread-safe) and falls back to a
  plain "Author (year). Title. Journal." line when the engine is missing or
  fails, saying why.
* `export_reading_list` writes the marked references through the export
  core (`balintbib.export`: the same handout as ``balintbib export``), atomically.
* `SyncService` runs pull/push through `balintbib.sync` (the engine behind
  ``balintbib pull/push/resolve``) when a remote is configured, and otherwise
  says why there is nothing to sync.

Each is used from Textual workers, so each call is safe off the UI thread.
"""

from __future__ import annotations

import importlib
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from ..errors import BalintError
from ..formats.csljson import to_csl
from ..model import Reference

#: The styles offered in the style list: (CSL style id, label).
STYLES: tuple[tuple[str, str], ...] = (
    ("apa", "APA 7th"),
    ("american-medical-association", "AMA 11th"),
    ("nlm-citation-sequence", "Vancouver (NLM)"),
    ("chicago-author-date", "Chicago author-date"),
    ("harvard-cite-them-right", "Harvard (Cite Them Right)"),
    ("modern-language-association", "MLA 9th"),
)
STYLE_LABELS = dict(STYLES)

#: Export formats: (id, label, file extension).
FORMATS: tuple[tuple[str, str, str], ...] = (
    ("html", "HTML", ".html"),
    ("markdown", "Markdown", ".md"),
    ("text", "Plain text", ".txt"),
    ("docx", "Word (.docx)", ".docx"),
    ("pdf", "PDF", ".pdf"),
)
FORMAT_EXT = {f: ext for f, _, ext in FORMATS}


class ServiceError(BalintError):
    """A service the UI asked for failed; the message is one line."""


def _optional(module: str):
    """A core module that may not exist yet on this branch (None if absent)."""
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


# -- citations -------------------------------------------------------------------

def plain_citation(ref: Reference, macros: dict[str, str]) -> str:
    """A style-less citation, used when the CSL engine cannot help."""
    people = [p.display() for p in ref.authors if not p.is_others] or [p.display() for p in ref.editors]
    if len(people) > 3:
        people = people[:3] + ["et al."]
    who = ", ".join(people)
    year = ref.text("year", macros) or ref.text("date", macros)[:4] or "n.d."
    title = ref.text("title", macros)
    container = ref.text("journal", macros) or ref.text("journaltitle", macros) or ref.text("booktitle", macros)
    container = container or ref.text("publisher", macros)
    parts = [f"{who} ({year})." if who else f"({year}).", f"{title}." if title else ""]
    if container:
        parts.append(f"{container}.")
    return " ".join(p for p in parts if p)


_LEADING_NUMBER = re.compile(r"^\s*(?:\[1\]|1\.|\(1\))\s+")


@dataclass(frozen=True)
class Citation:
    text: str
    style: str
    fallback_reason: str | None = None  # set when this is the plain fallback


class Citations:
    """Formatted citations, cached by (reference content, style)."""

    def __init__(self) -> None:
        self._cache: dict[tuple, Citation] = {}
        self._lock = threading.Lock()

    def cached(self, ref: Reference, macros: dict[str, str], style: str) -> Citation | None:
        return self._cache.get(self._key(ref, style))

    @staticmethod
    def _key(ref: Reference, style: str) -> tuple:
        return (ref.key, ref.type, tuple(ref.fields.items()), style)

    def format(self, ref: Reference, macros: dict[str, str], style: str) -> Citation:
        key = self._key(ref, style)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        cite = _optional("balintbib.cite")
        if cite is None or not hasattr(cite, "render_bibliography"):
            result = Citation(plain_citation(ref, macros), style, "the citation engine is not installed")
        else:
            try:
                failures: list = []
                with self._lock:  # the engine is not meant for several threads at once
                    entries = cite.render_bibliography([to_csl(ref, macros)], style, None, failures)
                text = entries[0].text if entries else ""
                text = _LEADING_NUMBER.sub("", text) if text else plain_citation(ref, macros)
                result = Citation(text, style, failures[0].message if failures else None)
            except Exception as exc:  # a style or data problem: show the plain line and why
                result = Citation(plain_citation(ref, macros), style, _one_line(exc))
        self._cache[key] = result
        return result


def in_text_citation(ref: Reference, macros: dict[str, str], style: str) -> str:
    """The reference cited alone in `style` ("(Balint, 1964)", "[1]", a note)."""
    from ..cite.document import cite
    return cite([to_csl(ref, macros)], [{"id": ref.key}], style).text


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# -- export ------------------------------------------------------------------------

@dataclass
class ExportResult:
    path: Path
    count: int
    warnings: tuple[str, ...] = ()


def available_formats() -> list[str]:
    """Formats the export core can write (html, markdown, text, docx, pdf)."""
    from .. import export

    return list(export.FORMATS)


def groupings() -> tuple[str, ...]:
    from .. import export

    return tuple(export.GROUPINGS)


def export_reading_list(refs: Sequence[Reference], macros: dict[str, str], style: str, fmt: str,
                        path: str | Path, group_by: str | None = None,
                        library_folder: Path | None = None,
                        library_count: int | None = None) -> ExportResult:
    """Write `refs` as an annotated reading list through the export core, atomically.

    The library's ``balintbib.toml`` ``[export]`` settings (title, introduction,
    tag order, locale, paper, the locale's theme headings) apply as they do for
    ``balintbib export``.  ``library_count``: how many references the library
    holds, so that the introduction can tell a selection from the whole list.
    """
    from .. import export
    from ..export.handout import library_settings, locale_settings
    from ..fsutil import atomic_write_bytes

    if not refs:
        raise ServiceError("nothing to export: mark references first (Space or v)")
    path = Path(path).expanduser()
    if fmt not in export.FORMATS:
        raise ServiceError(f"unknown format {fmt!r} (one of {', '.join(export.FORMATS)})")
    if not path.parent.is_dir():
        raise ServiceError(f"{path.parent}: no such folder")
    settings = library_settings(library_folder) if library_folder else {}
    local = locale_settings(settings, settings.get("locale"))
    intro = ""
    if local.get("intro") or settings.get("intro"):
        intro_path = Path(local.get("intro") or settings["intro"])
        if not intro_path.is_absolute() and library_folder is not None:
            intro_path = library_folder / intro_path
        try:
            intro = intro_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ServiceError(f"{intro_path}: cannot read the introduction: {exc}") from None
    handout = export.build_handout(
        list(refs), macros=macros, style=style, locale=settings.get("locale"),
        group_by=group_by or settings.get("group-by") or "tag", tag_order=settings.get("tag-order", ()),
        title=local.get("title") or settings.get("title"), intro=intro, paper=settings.get("paper"),
        theme_labels=local.get("themes"),
        whole_library=library_count is None or len(refs) >= library_count, library_count=library_count)
    atomic_write_bytes(path, export.render(handout, fmt))
    return ExportResult(path, len(refs), tuple(handout.warnings))


# -- sync ------------------------------------------------------------------------------

@dataclass
class Conflict:
    """One reference changed on both sides; settled with ours, theirs or an edit."""

    key: str
    fields: list[str]
    ours: dict[str, str] = field(default_factory=dict)
    theirs: dict[str, str] = field(default_factory=dict)
    description: str = ""
    editable: bool = True  # a deletion conflict has only ours/theirs


@dataclass
class SyncOutcome:
    direction: str
    summary: str
    conflicts: list[Conflict] = field(default_factory=list)
    library_changed: bool = False
    renormalized: bool = False  # the files were normalized again after the sync: read them again


Progress = Callable[[str, int, int], None]  # (what, done, total)


def _sync_modules():
    """(engine module, codec module, remote config module) or None when sync is not installed."""
    try:
        from ..remotes import config as remote_config
        from ..sync import codec, engine
    except ImportError:
        return None
    return engine, codec, remote_config


def _display(value: str | None) -> str:
    from ..sync.merge import display_value

    return display_value(value)


class SyncService:
    """Pull/push with `balintbib.sync` against the configured remote, or say why not.

    The remote is the only one configured, or the one named ``remote = "..."``
    in the config file when there are several (as ``balintbib pull NAME`` names it).
    """

    def __init__(self, library_root: Path | None):
        self.library_root = library_root

    def remote_name(self) -> str | None:
        modules = _sync_modules()
        if modules is None:
            return None
        remotes = modules[2].load_remotes()
        if not remotes:
            return None
        if len(remotes) == 1:
            return next(iter(remotes))
        from .. import config

        wanted = config.load_config().get("remote")
        if wanted in remotes:
            return wanted
        raise ServiceError(f"{len(remotes)} remotes configured ({', '.join(sorted(remotes))}); "
                           "choose one with remote = \"NAME\" in the config file")

    def remote_label(self) -> str | None:
        """Which remote a sync talks to: ``society (Zotero group 12345)``; None when none."""
        try:
            name = self.remote_name()
            if name is None:
                return None
            from ..remotes.config import get_remote
            from ..sync.connect import service_label

            return service_label(get_remote(name))
        except Exception:
            return None

    def unavailable_reason(self) -> str | None:
        """None when sync can run, else one line saying why not."""
        if _sync_modules() is None:
            return "no remote configured (the sync engine is not installed)"
        try:
            name = self.remote_name()
        except Exception as exc:  # a broken remotes.toml or config: say it, do not crash
            return _one_line(exc)
        if name is None:
            return "no remote configured: add one with 'balintbib remote add NAME mendeley|zotero --group ID'"
        return None

    def _engine(self, library, progress: Progress | None = None, offline: bool = False):
        engine_mod, codec, remote_config = _sync_modules()
        name = self.remote_name()
        cfg = remote_config.get_remote(name)
        from ..sync.connect import adapter_for

        return engine_mod.SyncEngine(library, adapter_for(cfg, offline=offline), progress=progress)

    def _guard(self, fn):
        """Run `fn`, turning the remote layer's errors into one-line `ServiceError`s."""
        from ..remotes.base import RemoteError
        from ..remotes.config import RemoteConfigError

        try:
            return fn()
        except (RemoteError, RemoteConfigError) as exc:
            raise ServiceError(str(exc)) from None

    def run(self, direction: str, library, progress: Progress | None = None) -> SyncOutcome:
        if direction not in ("pull", "push"):
            raise ValueError(direction)
        reason = self.unavailable_reason()
        if reason:
            raise ServiceError(reason)
        stale = library.stale_files()
        if stale:  # the caller reads the library again first; a sync never starts from stale data
            from ..library import LibraryChangedError

            raise LibraryChangedError(stale)

        def go() -> SyncOutcome:
            from ..normalize.keep import is_normalized, renormalize

            paths = [bf.path for bf in library.files]
            was_clean = is_normalized(paths)  # a normalized library stays so (`normalize --check` in CI)
            engine = self._engine(library, progress)
            if direction == "pull":
                r = engine.pull()
                summary = (f"Pulled from {engine.name}: {len(r.added)} added, {len(r.updated)} updated, "
                           f"{len(r.removed)} removed, {len(r.conflicts)} conflict(s)")
                changed = bool(r.added or r.updated or r.removed or r.conflicts)
            else:
                r = engine.push()
                summary = (f"Pushed to {engine.name}: {len(r.created)} created, {len(r.updated)} updated, "
                           f"{len(r.trashed)} trashed, {len(r.conflicts)} conflict(s)")
                if r.skipped:
                    summary += f", {len(r.skipped)} skipped"
                changed = bool(r.created or r.linked or r.conflicts)
            again = bool(was_clean and renormalize([bf.path for bf in engine.library.files]))
            return SyncOutcome(direction, summary, self._conflicts(engine), changed or again, again)

        return self._guard(go)

    def open_conflicts(self, library) -> list[Conflict]:
        """The conflicts left open by earlier syncs (read offline from the sync state)."""
        if self.unavailable_reason():
            return []
        return self._guard(lambda: self._conflicts(self._engine(library, offline=True)))

    @staticmethod
    def _conflicts(engine) -> list[Conflict]:
        out = []
        for c in engine.state.conflicts.values():
            names = [f.name for f in c.fields]
            out.append(Conflict(
                key=c.key, fields=names or [c.kind],
                ours={f.name: _display(f.ours) for f in c.fields},
                theirs={f.name: _display(f.theirs) for f in c.fields},
                description=c.describe(), editable=bool(c.fields)))
        return out

    def resolve(self, library, conflict: Conflict, choice: str, edited: dict[str, str] | None = None) -> bool:
        """Settle one conflict with 'ours', 'theirs' or 'edit' (with the edited values).

        True when the files were normalized again afterwards (the library was
        normalized before): the caller reads them again."""
        from ..normalize.keep import is_normalized, renormalize

        if choice == "edit" and not conflict.editable:
            raise ServiceError(f"{conflict.key}: {conflict.description}; choose ours or theirs")
        values = {k: (v if v.strip() else None) for k, v in (edited or {}).items()} if choice == "edit" else None
        paths = [bf.path for bf in library.files]
        was_clean = is_normalized(paths)
        self._guard(lambda: self._engine(library, offline=True).resolve(conflict.key, choice, values))
        return bool(was_clean and renormalize([bf.path for bf in library.files]))
