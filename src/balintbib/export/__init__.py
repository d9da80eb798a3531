"""balintbib.export: annotated reading lists (handouts) in any CSL style.

    from balintbib.export import build_handout, render, select_references
    refs = select_references(lib.references, tags=["empathy"], macros=lib.macros)
    handout = build_handout(refs, macros=lib.macros, style="apa-annotated-bibliography")
    data = render(handout, "pdf")   # bytes, ready for fsutil.atomic_write_bytes

`handout` holds the document model and the formatting through
`balintbib.cite`; one module per output format lays it out.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Callable

from .handout import (  # noqa: F401
    DEFAULT_STYLE,
    GROUPINGS,
    Entry,
    ExportError,
    Handout,
    Section,
    build_handout,
    group_references,
    select_references,
    style_info,
)


def _html(h: Handout) -> bytes:
    from .html import render_html
    return render_html(h).encode("utf-8")


def _markdown(h: Handout) -> bytes:
    from .markdown import render_markdown
    return render_markdown(h).encode("utf-8")


def _text(h: Handout) -> bytes:
    from .text import render_text
    return render_text(h).encode("utf-8")


def _docx(h: Handout) -> bytes:
    from .docx import render_docx
    return render_docx(h)


def _pdf(h: Handout) -> bytes:
    from .pdf import render_pdf
    return render_pdf(h)


#: format -> (renderer, file extensions, is text)
FORMATS: dict[str, tuple[Callable[[Handout], bytes], tuple[str, ...], bool]] = {
    "html": (_html, (".html", ".htm", ".xhtml"), True),
    "markdown": (_markdown, (".md", ".markdown"), True),
    "text": (_text, (".txt", ".text"), True),
    "docx": (_docx, (".docx",), False),
    "pdf": (_pdf, (".pdf",), False),
}


def format_for_path(path: str) -> str | None:
    """The format a file name asks for by its extension, or None."""
    suffix = PurePath(path).suffix.lower()
    return next((name for name, (_, exts, _) in FORMATS.items() if suffix in exts), None)


def is_text_format(fmt: str) -> bool:
    return FORMATS[fmt][2]


def render(handout: Handout, fmt: str) -> bytes:
    """The handout in a format (``html``, ``markdown``, ``text``, ``docx``, ``pdf``), as bytes."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return FORMATS[fmt][0](handout)
