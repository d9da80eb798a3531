"""The core's services as the terminal UI uses them (no Textual here).

Three small adapters keep the UI independent of how far the core has come:

* `Citations` formats one reference in a CSL style through `balintbib.cite`
  (cached, serialised: the engine is not thread-safe) and falls back to a
  plain "Author (year). Title. Journal." line when the engine is missing or
  fails, saying why.
* `export_reading_list` writes the marked references through
  `balintbib.export` when it offers a renderer for the format, else through
  `balintbib.cite` directly (text, Markdown, HTML), always atomically.
* `SyncService` runs pull/push through `balintbib.sync` when a remote is
  configured, and otherwise says why there is nothing to sync.

Each is used from Textual workers, so each call is safe off the UI thread.
"""

from __future__ import annotations

import html
import importlib
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from ..errors import BalintError
from ..formats.csljson import to_csl
from ..fsutil import atomic_write_text
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
                with self._lock:  # the engine is not meant for several threads at once
                    entries = cite.render_bibliography([to_csl(ref, macros)], style)
                text = entries[0].text if entries else ""
                text = _LEADING_NUMBER.sub("", text) if text else plain_citation(ref, macros)
                result = Citation(text, style)
            except Exception as exc:  # a style or data problem: show the plain line and why
                result = Citation(plain_citation(ref, macros), style, _one_line(exc))
        self._cache[key] = result
        return result


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# -- export ------------------------------------------------------------------------

@dataclass
class ExportResult:
    path: Path
    count: int
    via: str  # which code wrote it ("balintbib.export" or "balintbib.cite")


def available_formats() -> list[str]:
    """Formats this installation can write."""
    export = _optional("balintbib.export")
    fmts = ["html", "markdown", "text"]
    if export is not None and hasattr(export, "export_references"):
        fmts += ["docx", "pdf"]
    return fmts


def export_reading_list(refs: Sequence[Reference], macros: dict[str, str], style: str,
                        fmt: str, path: str | Path, title: str = "Reading list") -> ExportResult:
    """Write `refs` as an annotated reading list; returns where and how many."""
    if not refs:
        raise ServiceError("nothing to export: mark references first (space or v)")
    path = Path(path).expanduser()
    if fmt not in FORMAT_EXT:
        raise ServiceError(f"unknown format {fmt!r} (one of {', '.join(FORMAT_EXT)})")
    if not path.parent.is_dir():
        raise ServiceError(f"{path.parent}: no such folder")
    export = _optional("balintbib.export")
    if export is not None and hasattr(export, "export_references"):
        # The export core's contract: export_references(refs, macros, *, style, format, path, title)
        export.export_references(list(refs), macros, style=style, format=fmt, path=path, title=title)
        return ExportResult(path, len(refs), "balintbib.export")
    if fmt not in ("html", "markdown", "text"):
        raise ServiceError(f"{fmt} export needs the export module, which is not installed; "
                           "choose HTML, Markdown or plain text")
    atomic_write_text(path, render_reading_list(refs, macros, style, fmt, title))
    return ExportResult(path, len(refs), "balintbib.cite")


def render_reading_list(refs: Sequence[Reference], macros: dict[str, str], style: str,
                        fmt: str, title: str = "Reading list") -> str:
    """An annotated bibliography: one shared CSL bibliography, each entry with its annotation."""
    cite = _optional("balintbib.cite")
    items = [to_csl(r, macros) for r in refs]
    by_key = {r.key: r for r in refs}
    if cite is not None and hasattr(cite, "render_bibliography"):
        entries = [(e.id, e.text, e.html, e.markdown) for e in cite.render_bibliography(items, style)]
    else:
        entries = []
        for r in refs:
            line = plain_citation(r, macros)
            entries.append((r.key, line, html.escape(line), line))
    out: list[str] = []
    if fmt == "html":
        out += ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
                f"<title>{html.escape(title)}</title></head><body>", f"<h1>{html.escape(title)}</h1>"]
        for key, _text, entry_html, _md in entries:
            out.append(f'<div class="csl-entry">{entry_html}</div>')
            ann = by_key[key].annotation if key in by_key else ""
            if ann:
                out.append(f'<p class="annotation">{html.escape(ann)}</p>')
        out.append("</body></html>")
    elif fmt == "markdown":
        out += [f"# {title}", ""]
        for key, _text, _html, md in entries:
            out += [md, ""]
            ann = by_key[key].annotation if key in by_key else ""
            if ann:
                out += ["> " + ann.replace("\n", "\n> "), ""]
    else:
        out += [title, "=" * len(title), ""]
        for key, text, _html, _md in entries:
            out.append(text)
            ann = by_key[key].annotation if key in by_key else ""
            if ann:
                out += ["    " + ann.replace("\n", "\n    ")]
            out.append("")
    return "\n".join(out).rstrip() + "\n"


# -- sync ------------------------------------------------------------------------------

@dataclass
class Conflict:
    """One reference changed on both sides; resolved with ours, theirs or an edit."""

    key: str
    fields: list[str]
    ours: dict[str, str] = field(default_factory=dict)
    theirs: dict[str, str] = field(default_factory=dict)
    handle: object = None  # the sync engine's own conflict object


@dataclass
class SyncOutcome:
    direction: str
    summary: str
    conflicts: list[Conflict] = field(default_factory=list)
    library_changed: bool = False


Progress = Callable[[str, int, int], None]  # (what, done, total)


class SyncService:
    """Pull/push through `balintbib.sync`, or say why there is nothing to sync."""

    def __init__(self, library_root: Path | None):
        self.library_root = library_root

    def _engine(self):
        sync = _optional("balintbib.sync")
        if sync is None or not hasattr(sync, "pull"):
            return None
        return sync

    def unavailable_reason(self) -> str | None:
        """None when sync can run, else one line saying why not."""
        sync = self._engine()
        if sync is None:
            return "no remote configured (the sync engine is not installed)"
        configured = getattr(sync, "configured_remote", None)
        if configured is not None:
            try:
                remote = configured(self.library_root)
            except BalintError as exc:
                return str(exc)
            if not remote:
                return "no remote configured: run 'balintbib remote add mendeley ...' first"
        return None

    def run(self, direction: str, library, progress: Progress | None = None) -> SyncOutcome:
        if direction not in ("pull", "push"):
            raise ValueError(direction)
        reason = self.unavailable_reason()
        if reason:
            raise ServiceError(reason)
        sync = self._engine()
        fn = getattr(sync, direction)
        result = fn(library, progress=progress)
        conflicts = [
            Conflict(key=getattr(c, "key", "?"), fields=list(getattr(c, "fields", []) or []),
                     ours=dict(getattr(c, "ours", {}) or {}), theirs=dict(getattr(c, "theirs", {}) or {}),
                     handle=c)
            for c in getattr(result, "conflicts", []) or []
        ]
        summary = getattr(result, "summary", None)
        summary = summary() if callable(summary) else (summary or f"{direction} done")
        return SyncOutcome(direction, str(summary), conflicts, bool(getattr(result, "changed", True)))

    def resolve(self, library, conflict: Conflict, choice: str, edited: dict[str, str] | None = None) -> None:
        """Settle one conflict with 'ours', 'theirs' or 'edit' (with the edited fields)."""
        sync = self._engine()
        if sync is None or not hasattr(sync, "resolve"):
            raise ServiceError("the sync engine cannot resolve conflicts here; use 'balintbib resolve'")
        sync.resolve(library, conflict.handle, choice, edited)
