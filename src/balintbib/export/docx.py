"""A handout as a Word document (python-docx), for leaders who edit before printing.

Real structure, not a picture of one: the title in the Title style, sections
as Heading 1 (so Word's navigation pane lists them) each starting on a new
page, references in a "Bibliography" paragraph style with a hanging indent,
annotations in an "Annotation" style under them, italics/bold/small capitals/
superscripts as run formatting, DOIs and URLs as real hyperlinks, the page
size (A4 or Letter) and the document language set, and the footer line in the
page footer.
"""

from __future__ import annotations

import datetime as _dt
import io
import re

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor

from .handout import Handout
from .rich import Paragraph, Run

PAPER = {"a4": (Mm(210), Mm(297)), "letter": (Mm(215.9), Mm(279.4))}
HANG = Cm(1.0)
LINK_COLOR = RGBColor(0x24, 0x52, 0x7A)


def _styles(doc) -> None:
    styles = doc.styles
    normal = styles["Normal"]
    normal.font.name = "Cambria"
    normal.font.size = Pt(11)
    bib = styles.add_style("Bibliography Entry", WD_STYLE_TYPE.PARAGRAPH)
    bib.base_style = normal
    bib.paragraph_format.left_indent = HANG
    bib.paragraph_format.first_line_indent = -HANG
    bib.paragraph_format.space_before = Pt(6)
    bib.paragraph_format.space_after = Pt(2)
    bib.paragraph_format.keep_with_next = True
    bib.paragraph_format.keep_together = True
    ann = styles.add_style("Annotation", WD_STYLE_TYPE.PARAGRAPH)
    ann.base_style = normal
    ann.font.size = Pt(10)
    ann.font.color.rgb = RGBColor(0x33, 0x33, 0x33)
    ann.paragraph_format.left_indent = HANG
    ann.paragraph_format.space_after = Pt(6)
    ann.paragraph_format.keep_together = True
    for name in ("Title", "Heading 1"):  # the same type as the text, in ink rather than theme blue
        styles[name].font.name = "Cambria"
        styles[name].font.color.rgb = RGBColor(0x1B, 0x1B, 0x1B)
    summary = styles.add_style("Summary", WD_STYLE_TYPE.PARAGRAPH)
    summary.base_style = normal
    summary.font.italic = True
    summary.font.color.rgb = RGBColor(0x5A, 0x5A, 0x5A)


def _set_language(doc, lang: str) -> None:
    """The document language (spelling, hyphenation) on the default run properties."""
    rpr_default = doc.styles.element.find(qn("w:docDefaults"))
    if rpr_default is None:
        return
    rpr = rpr_default.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
    if rpr is None:
        return
    el = rpr.find(qn("w:lang"))
    if el is None:  # w:lang comes late in w:rPr: after everything the template has here
        el = OxmlElement("w:lang")
        rpr.append(el)
    el.set(qn("w:val"), lang)


def _format(run, r: Run) -> None:
    font = run.font
    if r.italic:
        font.italic = True
    if r.bold:
        font.bold = True
    if r.smallcaps:
        font.small_caps = True
    if r.underline:
        font.underline = True
    if r.sup:
        font.superscript = True
    if r.sub:
        font.subscript = True


# What XML 1.0 (so Word) cannot hold: C0 controls but tab, newline and carriage
# return; U+FFFE, U+FFFF; lone surrogates.  `check` reports them (B113).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: str) -> str:
    """``text`` without the characters a .docx cannot hold (python-docx would raise)."""
    return _NOT_XML.sub("", text) if text else text


def _hyperlink(paragraph, r: Run) -> None:
    """A w:hyperlink around one run (python-docx has no public API for it)."""
    rel = paragraph.part.relate_to(xml_safe(r.href), RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel)
    run = paragraph.add_run(xml_safe(r.text))  # build it as a normal run, then move it inside the link
    _format(run, r)
    run.font.color.rgb = LINK_COLOR
    link.append(run._r)
    paragraph._p.append(link)


def add_runs(paragraph, runs: Paragraph) -> None:
    for r in runs:
        if r.href:
            _hyperlink(paragraph, r)
        else:
            _format(paragraph.add_run(xml_safe(r.text)), r)


def _paragraph(doc, style_id: str):
    """A paragraph in a style given by id (python-docx's lookup by name costs a few
    milliseconds per paragraph, which adds up to seconds for a long list)."""
    p = doc.add_paragraph()
    p._p.style = style_id
    return p


def render_docx(handout: Handout) -> bytes:
    doc = Document()
    _styles(doc)
    _set_language(doc, handout.lang)
    props = doc.core_properties
    props.title = xml_safe(handout.title)
    props.subject = xml_safe(handout.summary)
    props.author = "balintbib"
    props.comments = xml_safe(handout.footer)
    props.created = _dt.datetime.combine(handout.date, _dt.time())
    props.language = handout.lang

    width, height = PAPER.get(handout.paper, PAPER["a4"])
    for section in doc.sections:
        section.page_width, section.page_height = width, height
        section.left_margin = section.right_margin = Mm(20)
        section.top_margin, section.bottom_margin = Mm(20), Mm(22)
        footer = section.footer.paragraphs[0]
        footer.text = xml_safe(handout.footer) + "  \u00b7  "
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        page = OxmlElement("w:fldSimple")  # the page number, a field Word fills in
        page.set(qn("w:instr"), "PAGE")
        number = OxmlElement("w:r")
        rpr, size = OxmlElement("w:rPr"), OxmlElement("w:sz")
        size.set(qn("w:val"), "16")  # 8 pt, like the line before it
        rpr.append(size)
        number.append(rpr)
        text = OxmlElement("w:t")
        text.text = "1"
        number.append(text)
        page.append(number)
        footer._p.append(page)
        for run in footer.runs:
            run.font.size = Pt(8)

    doc.add_paragraph(xml_safe(handout.title), style="Title")
    doc.add_paragraph(xml_safe(handout.summary), style="Summary")
    for para in handout.intro:
        add_runs(doc.add_paragraph(), para)

    entry_style = doc.styles["Bibliography Entry"].style_id
    annotation_style = doc.styles["Annotation"].style_id
    first = True
    for section in handout.sections:
        if section.title is not None:
            heading = doc.add_heading(xml_safe(section.title), level=1)
            if not first and handout.section_breaks:
                heading.paragraph_format.page_break_before = True
            first = False
        for entry in section.entries:
            p = _paragraph(doc, entry_style)
            if entry.label:
                p.add_run(xml_safe(entry.label) + "\t")
                p.paragraph_format.tab_stops.add_tab_stop(HANG)
            add_runs(p, entry.reference)
            if not entry.annotation:
                p.paragraph_format.keep_with_next = False
            for i, para in enumerate(entry.annotation):
                a = _paragraph(doc, annotation_style)
                a.paragraph_format.keep_with_next = i < len(entry.annotation) - 1
                add_runs(a, para)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
