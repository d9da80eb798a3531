"""A handout as one standalone HTML page, ready for screen and print.

Every piece of text is escaped here, from `rich.Run` objects; no markup from
the data or the CSL engine is copied through.  The page carries its own CSS:
readable line length on screen, and for print an ``@page`` in A4 or US
Letter with page numbers, each section starting on a new page, hanging
indents, and entries kept whole across page breaks.  WeasyPrint renders the
same page to PDF (`pdf.py`), where the table of contents gets page numbers.
"""

from __future__ import annotations

from html import escape

from .handout import Handout, Section
from .rich import Paragraph

#: How each formatting flag of a run is written, innermost first.
_WRAPS = (
    ("sup", "<sup>", "</sup>"),
    ("sub", "<sub>", "</sub>"),
    ("smallcaps", '<span class="sc">', "</span>"),
    ("underline", "<u>", "</u>"),
    ("bold", "<b>", "</b>"),
    ("italic", "<i>", "</i>"),
)

PAPER_SIZES = {"a4": "A4", "letter": "letter"}

CSS = """
:root { --hang: 2.2rem; --ink: #1b1b1b; --muted: #5a5a5a; --rule: #d9d4c7; --accent: #24527a; }
* { box-sizing: border-box; }
html { font-size: 16px; }
body {
  margin: 0 auto; padding: 2.5rem 1.5rem 3rem; max-width: 46rem;
  font-family: "Charter", "Bitstream Charter", "Iowan Old Style", "Palatino Linotype", Palatino,
               Georgia, "DejaVu Serif", "Noto Serif", "Noto Serif CJK SC", "Noto Sans CJK SC", serif;
  line-height: 1.5; color: var(--ink); background: #fff;
  hyphens: auto; -webkit-hyphens: auto; text-rendering: optimizeLegibility;
  font-variant-numeric: oldstyle-nums proportional-nums;
}
header { border-bottom: 2px solid var(--ink); padding-bottom: .8rem; margin-bottom: 1.6rem; }
h1 { font-size: 2rem; line-height: 1.2; margin: 0 0 .4rem; font-weight: 700; hyphens: manual; }
h2 { font-size: 1.35rem; line-height: 1.25; margin: 2.2rem 0 .9rem; padding-bottom: .25rem;
     border-bottom: 1px solid var(--rule); hyphens: manual; break-after: avoid; page-break-after: avoid; }
.summary { color: var(--muted); margin: 0; font-style: italic; }
.intro p { margin: .7rem 0; }
nav.toc { margin: 1.4rem 0 2rem; padding: .8rem 1.2rem; background: #f6f4ee; border-left: 3px solid var(--rule); }
nav.toc h2 { font-size: 1rem; margin: 0 0 .4rem; border: 0; padding: 0; text-transform: uppercase;
             letter-spacing: .08em; color: var(--muted); }
nav.toc ol { margin: 0; padding: 0; list-style: none; columns: 2; column-gap: 2rem; }
nav.toc li { margin: .1rem 0; break-inside: avoid; }
nav.toc .n { color: var(--muted); font-size: .85em; }
a { color: var(--accent); text-decoration: none; overflow-wrap: anywhere; hyphens: none; }
a:hover { text-decoration: underline; }
.entries { margin: 0; padding: 0; }
.entry { margin: 0 0 1.05rem; break-inside: avoid; page-break-inside: avoid; }
.reference { margin: 0; padding-left: var(--hang); text-indent: calc(-1 * var(--hang)); }
.reference .label { display: inline-block; min-width: var(--hang); text-indent: 0; }
.annotation { margin: .3rem 0 0 var(--hang); font-size: .94em; color: #333; }
.sc { font-variant: small-caps; }
sup, sub { line-height: 0; font-size: .75em; }
footer { margin-top: 2.5rem; padding-top: .6rem; border-top: 1px solid var(--rule);
         color: var(--muted); font-size: .85em; }
@media (max-width: 36rem) {
  body { padding: 1.2rem 1rem 2rem; }
  h1 { font-size: 1.6rem; }
  nav.toc ol { columns: 1; }
}
@media print {
  html { font-size: 11pt; }
  body { max-width: none; padding: 0; }
  a { color: inherit; }
  nav.toc { background: none; border-left: 0; padding: 0; }
  nav.toc ol { columns: 1; }
  nav.toc .n { display: none; }
  nav.toc a::after { content: leader('.') target-counter(attr(href), page); color: var(--muted); }
  main.breaks > section { break-before: page; page-break-before: always; }
  main.breaks > section:first-child { break-before: auto; page-break-before: auto; }
  h2 { margin-top: 0; }
  p { orphans: 3; widows: 3; }
  footer { break-inside: avoid; }
}
"""

PAGE_CSS = """
@page {
  size: %(size)s; margin: 20mm 20mm 22mm;
  @bottom-center { content: counter(page) " / " counter(pages); font-size: 9pt; color: #777;
                   font-family: "DejaVu Serif", serif; }
  @top-right { content: string(doctitle); font-size: 9pt; color: #777; font-style: italic;
               font-family: "DejaVu Serif", serif; }
}
@page :first { @top-right { content: none; } }
h1 { string-set: doctitle content(); }
"""


def runs_to_html(paragraph: Paragraph, span_plain: bool = False) -> str:
    """Runs as escaped HTML.  ``span_plain`` wraps unformatted text in ``<span>``:
    WeasyPrint (70) can break a line at the wrong place when a line ends exactly
    where a bare text node meets an inline element; a span avoids it."""
    out = []
    for run in paragraph:
        piece = escape(run.text, quote=False)
        formatted = False
        for flag, open_, close in _WRAPS:
            if getattr(run, flag):
                piece = open_ + piece + close
                formatted = True
        if span_plain and not formatted and not run.href:
            piece = f"<span>{piece}</span>"
        if run.href:
            piece = f'<a href="{escape(run.href, quote=True)}">{piece}</a>'
        out.append(piece)
    return "".join(out)


def _section(section: Section, lang: str, span_plain: bool = False) -> list[str]:
    out = [f'<section id="{escape(section.anchor)}">']
    if section.title is not None:
        out.append(f"<h2>{escape(section.title, quote=False)}</h2>")
    out.append('<div class="entries">')
    for entry in section.entries:
        other = entry.lang and entry.lang.split("-")[0] != lang.split("-")[0]
        lang_attr = f' lang="{escape(entry.lang)}"' if other else ""
        out.append(f'<div class="entry" data-key="{escape(entry.key)}">')
        label = f'<span class="label">{escape(entry.label, quote=False)}</span>' if entry.label else ""
        # the work's language on the reference (its title, names); the annotation is ours
        out.append(f'<p class="reference"{lang_attr}>{label}{runs_to_html(entry.reference, span_plain)}</p>')
        for para in entry.annotation:
            out.append(f'<p class="annotation">{runs_to_html(para, span_plain)}</p>')
        out.append("</div>")
    out.append("</div>")
    out.append("</section>")
    return out


def render_html(handout: Handout, for_pdf: bool = False) -> str:
    """The whole page as a string (``for_pdf``: the variant WeasyPrint lays out best)."""
    lang = escape(handout.lang)
    css = CSS + PAGE_CSS % {"size": {"a4": "A4", "letter": "letter"}.get(handout.paper, "A4")}
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="color-scheme" content="light">',
        f"<title>{escape(handout.title, quote=False)}</title>",
        f'<meta name="generator" content="{escape(handout.generator)}">',
        f'<meta name="dcterms.created" content="{handout.date.isoformat()}">',
        f'<meta name="description" content="{escape(handout.summary)}">',
        f"<style>{css}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{escape(handout.title, quote=False)}</h1>",
        f'<p class="summary">{escape(handout.summary, quote=False)}</p>',
        "</header>",
    ]
    if handout.intro:
        out.append('<div class="intro">')
        out.extend(f"<p>{runs_to_html(p, for_pdf)}</p>" for p in handout.intro)
        out.append("</div>")
    titled = [s for s in handout.sections if s.title is not None]
    if len(titled) > 1:
        contents = escape(handout.contents_heading)
        out.append(f'<nav class="toc" aria-label="{contents}"><h2>{contents}</h2><ol>')
        for s in titled:
            out.append(f'<li><a href="#{escape(s.anchor)}">{escape(s.title, quote=False)}</a> '
                       f'<span class="n">({len(s.entries)})</span></li>')
        out.append("</ol></nav>")
    out.append('<main class="breaks">' if handout.section_breaks else "<main>")
    for section in handout.sections:
        out.extend(_section(section, handout.lang, span_plain=for_pdf))
    out.append("</main>")
    out.append(f"<footer><p>{escape(handout.footer, quote=False)}</p></footer>")
    out.append("</body>")
    out.append("</html>")
    return "\n".join(out) + "\n"
