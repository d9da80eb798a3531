"""A rendered document (``balintbib render``) in HTML, Markdown, DOCX or PDF.

The document comes from :func:`balintbib.cite.document.render_document`:
headings, paragraphs with their citations in place, footnotes (note styles),
and the bibliography where ``::: refs`` stood. Its inline content is read
into :class:`rich.Run` objects like a handout's, and written with the same
pieces as ``export``: ``runs_to_html`` and the handout CSS, ``add_runs`` and
the "Bibliography Entry" style of the DOCX writer, ``runs_to_markdown``, and
WeasyPrint for PDF (nothing fetched).
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import replace
from html import escape

from ..cite.document import Document
from .handout import ExportError
from .rich import Paragraph, _FragmentParser, linkify, merge, parse_csl_html

FORMATS = ("html", "markdown", "docx", "pdf")


class _InlineParser(_FragmentParser):
    """The engine's fragment reader, plus links (``<a href>``) of the document."""

    def handle_starttag(self, tag, attrs):
        super().handle_starttag(tag, attrs)
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.state = replace(self.state, href=href)


def runs(fragment: str) -> Paragraph:
    parser = _InlineParser()
    parser.feed(fragment)
    parser.close()
    return linkify(merge(tuple(parser.reference)))


def _entries(doc: Document):
    for entry in doc.references:
        parts = parse_csl_html(entry.html)
        yield entry.id, parts.label, parts.reference, parts.blocks


# -- HTML -----------------------------------------------------------------------------

_DOC_CSS = """
main.document p { margin: 0 0 0.8em; }
main.document h1, main.document h2, main.document h3 { margin: 1.2em 0 0.5em; }
.references .entry p { margin: 0 0 0.5em; padding-left: var(--hang); text-indent: calc(-1 * var(--hang)); }
.references .label { display: inline-block; min-width: var(--hang); text-indent: 0; }
.footnotes { border-top: 1px solid var(--rule); margin-top: 2em; font-size: 0.9em; }
.unresolved { color: #a00; }
"""


def render_html(doc: Document, for_pdf: bool = False) -> str:
    from .html import CSS, PAGE_CSS, runs_to_html
    css = CSS + PAGE_CSS % {"size": "A4"} + _DOC_CSS
    out = ["<!DOCTYPE html>", f'<html lang="{escape(doc.lang)}">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{escape(doc.title, quote=False)}</title>", f"<style>{css}</style>", "</head>",
           "<body>", '<main class="document">']
    for block in doc.blocks:
        if block.kind == "heading":
            out.append(f"<h{block.level}>{runs_to_html(runs(block.html), for_pdf)}</h{block.level}>")
        elif block.kind == "paragraph":
            out.append(f"<p>{runs_to_html(runs(block.html), for_pdf)}</p>")
        elif block.kind == "rule":
            out.append("<hr>")
        elif block.kind == "refs" and doc.references:
            out.append('<section class="references">')
            out.append(f"<h2>{escape(doc.refs_heading, quote=False)}</h2>")
            for key, label, reference, blocks in _entries(doc):
                label_html = f'<span class="label">{escape(label, quote=False)}</span>' if label else ""
                out.append(f'<div class="entry" id="ref-{escape(key)}"><p class="reference">'
                           f"{label_html}{runs_to_html(reference, for_pdf)}</p>")
                out.extend(f'<p class="annotation">{runs_to_html(b, for_pdf)}</p>' for b in blocks)
                out.append("</div>")
            out.append("</section>")
    if doc.notes:
        out.append('<section class="footnotes"><ol>')
        for number, note in enumerate(doc.notes, 1):
            out.append(f'<li id="fn{number}">{runs_to_html(runs(note), for_pdf)} '
                       f'<a href="#fnref{number}">\u21a9</a></li>')
        out.append("</ol></section>")
    out += ["</main>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


_NOTE_MARK = re.compile(r"<sup>\[(\d+)\]\(<#fn\1>\)</sup>")


# -- Markdown -------------------------------------------------------------------------

def render_markdown(doc: Document) -> str:
    from .markdown import runs_to_markdown
    out: list[str] = []
    for block in doc.blocks:
        if block.kind == "heading":
            out.append("#" * block.level + " " + runs_to_markdown(runs(block.html)))
        elif block.kind == "paragraph":
            text = runs_to_markdown(runs(block.html))
            out.append(_NOTE_MARK.sub(r"[^\1]", text))  # note marks as Markdown footnotes
        elif block.kind == "rule":
            out.append("---")
        elif block.kind == "refs" and doc.references:
            out.append("## " + doc.refs_heading + "\n")  # a blank line before the first entry
            for _key, label, reference, blocks in _entries(doc):
                out.append((label + " " if label else "") + runs_to_markdown(reference) + "\n")
                out.extend("> " + runs_to_markdown(b) + "\n" for b in blocks)
            out[-1] = out[-1].rstrip("\n")
        out.append("")
    for number, note in enumerate(doc.notes, 1):
        out.append(f"[^{number}]: {runs_to_markdown(runs(note))}")
    return "\n".join(out).rstrip("\n") + "\n"


# -- DOCX -----------------------------------------------------------------------------

def render_docx(doc: Document) -> bytes:
    from docx import Document as Word
    from docx.shared import Pt

    from .docx import HANG, _styles, add_runs
    word = Word()
    _styles(word)
    word.core_properties.title = doc.title
    word.core_properties.author = "balintbib"
    entry_style = word.styles["Bibliography Entry"].style_id
    notes = list(doc.notes)
    for block in doc.blocks:
        if block.kind == "heading":
            add_runs(word.add_heading("", level=min(block.level, 9)), runs(block.html))
        elif block.kind == "paragraph":
            add_runs(word.add_paragraph(), runs(block.html))
        elif block.kind == "rule":
            word.add_paragraph("\u2042")
        elif block.kind == "refs" and doc.references:
            word.add_heading(doc.refs_heading, level=1)
            for _key, label, reference, blocks in _entries(doc):
                p = word.add_paragraph()
                p._p.style = entry_style
                if label:
                    p.add_run(label + "\t")
                    p.paragraph_format.tab_stops.add_tab_stop(HANG)
                add_runs(p, reference)
                for b in blocks:
                    add_runs(word.add_paragraph(), b)
    if notes:  # python-docx writes no real footnotes: endnotes under a heading
        word.add_heading("Notes", level=1)
        for number, note in enumerate(notes, 1):
            p = word.add_paragraph()
            mark = p.add_run(str(number))
            mark.font.superscript = True
            p.add_run(" ")
            add_runs(p, runs(note))
            for run in p.runs:
                run.font.size = Pt(10)
    buf = io.BytesIO()
    word.save(buf)
    return buf.getvalue()


# -- PDF ------------------------------------------------------------------------------

def render_pdf(doc: Document) -> bytes:
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:
        raise ExportError(f"PDF needs WeasyPrint and its system libraries: {exc}") from None
    from .pdf import _no_fetch
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    return HTML(string=render_html(doc, for_pdf=True), url_fetcher=_no_fetch, base_url=".").write_pdf()


def render(doc: Document, fmt: str) -> bytes:
    if fmt == "html":
        return render_html(doc).encode("utf-8")
    if fmt == "markdown":
        return render_markdown(doc).encode("utf-8")
    if fmt == "docx":
        return render_docx(doc)
    if fmt == "pdf":
        return render_pdf(doc)
    raise ExportError(f"cannot render a document as {fmt!r} (html, markdown, docx, pdf)")
