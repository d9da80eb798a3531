"""A handout as PDF: the print layout of the HTML page, laid out by WeasyPrint.

The PDF gets the page size of the handout (A4 or Letter), page numbers, a
running title, bookmarks for the sections, clickable DOIs and URLs, page
numbers in the table of contents, and the title and date as metadata.
Nothing is fetched from the network: the page is self-contained and the URL
fetcher refuses every request.
"""

from __future__ import annotations

import logging

from .handout import ExportError, Handout
from .html import render_html


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError(f"balintbib does not fetch resources while making a PDF ({url})")


def render_pdf(handout: Handout) -> bytes:
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: missing Pango/cairo system libraries
        raise ExportError(f"PDF export needs WeasyPrint and its system libraries: {exc}") from None
    # WeasyPrint logs every CSS property it does not know (e.g. -webkit-hyphens) as a warning.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    document = HTML(string=render_html(handout, for_pdf=True), url_fetcher=_no_fetch, base_url=".")
    return document.write_pdf()
