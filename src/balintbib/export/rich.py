"""Rich text for handouts: runs of text with formatting, parsed once, written by every renderer.

The CSL engine gives each formatted reference as an escaped HTML fragment
(``<i>``, ``<b>``, ``<sup>``, ``<span style="font-variant:small-caps;">``,
``<div class="csl-block">``...).  `parse_csl_html` reads that fragment back
into `Run` objects, so that the HTML, Markdown, plain-text, DOCX and PDF
renderers all start from the same data and each escapes it its own way:
nothing the engine or the data produced is ever pasted into an output as is.

A paragraph is a tuple of runs.  URLs (``https://...``) and ``doi:10...``
become links (`linkify`), annotations printed by balintbib read as the
annotated styles print them (`annotation_paragraphs`), and the introduction a
group leader writes is read by `parse_intro`, a deliberately small subset of
Markdown (paragraphs, ``*italic*``, ``**bold**``, bare URLs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from html.parser import HTMLParser


@dataclass(frozen=True)
class Run:
    """A piece of text and how it looks."""

    text: str
    italic: bool = False
    bold: bool = False
    smallcaps: bool = False
    underline: bool = False
    sup: bool = False
    sub: bool = False
    href: str | None = None


Paragraph = tuple[Run, ...]


def plain(paragraph: Paragraph) -> str:
    return "".join(r.text for r in paragraph)


@dataclass(frozen=True)
class CslParts:
    """A rendered bibliography entry taken apart."""

    label: str  # "1." / "[1]" of numeric styles (the csl-left-margin), else ""
    reference: Paragraph
    blocks: tuple[Paragraph, ...]  # display="block" parts (the annotation of annotated styles)


# -- the engine's HTML fragment ---------------------------------------------------

#: tag -> the Run attribute it switches on.
_TAG_FLAGS = {"i": "italic", "em": "italic", "b": "bold", "strong": "bold",
              "sup": "sup", "sub": "sub", "u": "underline"}
#: inline CSS the engine writes -> (attribute, value).
_STYLE_FLAGS = {
    "font-variant:small-caps": ("smallcaps", True),
    "font-variant:normal": ("smallcaps", False),
    "font-style:italic": ("italic", True),
    "font-style:oblique": ("italic", True),
    "font-style:normal": ("italic", False),
    "font-weight:bold": ("bold", True),
    "font-weight:normal": ("bold", False),
    "text-decoration:underline": ("underline", True),
    "text-decoration:none": ("underline", False),
    "vertical-align:sup": ("sup", True),
    "vertical-align:sub": ("sub", True),
}
#: declarations that reset the vertical position
_BASELINE = {"baseline", "vertical-align:baseline"}
#: div classes -> where their content goes.
_DIV_TARGETS = {"csl-left-margin": "label", "csl-right-inline": "reference",
                "csl-block": "block", "csl-indent": "block"}


class _FragmentParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []  # open tags
        self.state = Run("")
        self.states: list[Run] = []
        self.target = "reference"
        self.targets: list[str] = []
        self.label: list[Run] = []
        self.reference: list[Run] = []
        self.blocks: list[list[Run]] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("br", "wbr", "img", "hr"):  # void elements: nothing to close
            if tag == "br":
                self._add("\n")
            return
        attrs = dict(attrs)
        self.states.append(self.state)
        self.targets.append(self.target)
        if tag == "div":
            target = _DIV_TARGETS.get(attrs.get("class") or "", "block")
            if target == "block":
                self.blocks.append([])
            self.target = target
        elif tag in _TAG_FLAGS:
            name = _TAG_FLAGS[tag]
            if name == "italic":  # CSL flip-flop: italic inside italic is roman
                self.state = replace(self.state, italic=not self.state.italic)
            else:
                self.state = replace(self.state, **{name: True})
        elif tag == "span":
            style = (attrs.get("style") or "").replace(" ", "").rstrip(";")
            for decl in style.split(";"):
                if decl in _BASELINE:
                    self.state = replace(self.state, sup=False, sub=False)
                elif decl in _STYLE_FLAGS:
                    name, value = _STYLE_FLAGS[decl]
                    self.state = replace(self.state, **{name: value})
        self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        if tag == "br":
            self._add("\n")

    def handle_endtag(self, tag):
        # Close up to the matching tag (the engine's fragments are well formed).
        if tag not in self.stack:
            return
        while self.stack:
            open_tag = self.stack.pop()
            self.state = self.states.pop()
            self.target = self.targets.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        if "\n" in data or "\r" in data:
            data = data.replace("\r\n", "\n").replace("\r", "\n")
            if self.target == "block":  # a blank line separates paragraphs of an annotation
                data = re.sub(r"[ \t]*(?<!\n)\n(?!\n)[ \t]*", " ", data)
            else:  # a line break in data is a space
                data = re.sub(r"\s*\n\s*", " ", data)
        self._add(data)

    def _add(self, text: str) -> None:
        if not text:
            return
        run = replace(self.state, text=text)
        if self.target == "label":
            self.label.append(run)
        elif self.target == "block" and self.blocks:
            self.blocks[-1].append(run)
        else:
            self.reference.append(run)


def parse_csl_html(fragment: str) -> CslParts:
    """Take an engine HTML fragment apart into label, reference and block paragraphs."""
    parser = _FragmentParser()
    parser.feed(fragment)
    parser.close()
    label = plain(tuple(parser.label)).strip()
    blocks = tuple(
        merge(tuple(b)) for block in parser.blocks for b in _split_paragraphs(block) if plain(tuple(b)).strip()
    )
    return CslParts(label, linkify(merge(_strip(tuple(parser.reference)))), tuple(linkify(b) for b in blocks))


def _split_paragraphs(runs: list[Run]) -> list[list[Run]]:
    """Blank lines inside a block separate paragraphs."""
    out: list[list[Run]] = [[]]
    for run in runs:
        pieces = re.split(r"\n\s*\n", run.text)
        for i, piece in enumerate(pieces):
            if i:
                out.append([])
            if piece:
                out[-1].append(replace(run, text=piece))
    return [_list_strip(p) for p in out]


def _list_strip(runs: list[Run]) -> list[Run]:
    return list(_strip(tuple(runs)))


def _strip(runs: Paragraph) -> Paragraph:
    """Trim whitespace at both ends of a paragraph."""
    runs = list(runs)
    while runs and not runs[0].text.strip():
        runs.pop(0)
    while runs and not runs[-1].text.strip():
        runs.pop()
    if runs:
        runs[0] = replace(runs[0], text=runs[0].text.lstrip())
        runs[-1] = replace(runs[-1], text=runs[-1].text.rstrip())
    return tuple(runs)


def merge(runs: Paragraph) -> Paragraph:
    """Join neighbouring runs that look the same."""
    out: list[Run] = []
    for run in runs:
        if not run.text:
            continue
        if out and replace(out[-1], text="") == replace(run, text=""):
            out[-1] = replace(out[-1], text=out[-1].text + run.text)
        else:
            out.append(run)
    return tuple(out)


# -- links ----------------------------------------------------------------------

_LINK = re.compile(r"(?:https?://|doi:\s?10\.)[^\s<>\"]+", re.IGNORECASE)
_TRAILING = ".,;:!?'\u2019\u201d"


def _link_target(found: str) -> tuple[str, str]:
    """(text of the link, its href) for a match; trailing punctuation stays outside."""
    text = found
    while text and (text[-1] in _TRAILING or (text[-1] == ")" and text.count("(") < text.count(")"))):
        text = text[:-1]
    if text.lower().startswith("doi:"):
        href = "https://doi.org/" + text[4:].strip()
    else:
        href = text
    return text, href


def linkify(paragraph: Paragraph) -> Paragraph:
    """Split runs so that every URL (and ``doi:10...``) is a run with an ``href``."""
    out: list[Run] = []
    for run in paragraph:
        if run.href:
            out.append(run)
            continue
        pos = 0
        for m in _LINK.finditer(run.text):
            text, href = _link_target(m.group())
            if not text or not re.search(r"[/.]\w", text):
                continue
            start = m.start()
            if start > pos:
                out.append(replace(run, text=run.text[pos:start]))
            out.append(replace(run, text=text, href=href))
            pos = start + len(text)
        if pos < len(run.text):
            out.append(replace(run, text=run.text[pos:]))
    return tuple(out)


# -- the introduction --------------------------------------------------------

_EMPHASIS = re.compile(r"\*\*(?P<b>[^*\n]+?)\*\*|(?<![\w*])[*_](?P<i>[^*_\n]+?)[*_](?![\w*])")


def parse_intro(text: str) -> tuple[Paragraph, ...]:
    """The introduction file: paragraphs separated by blank lines, ``*italic*``,
    ``**bold**`` and bare URLs; anything else is literal text."""
    out = []
    for block in re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n")):
        block = " ".join(block.split())
        if not block:
            continue
        runs: list[Run] = []
        pos = 0
        for m in _EMPHASIS.finditer(block):
            if m.start() > pos:
                runs.append(Run(block[pos:m.start()]))
            if m.group("b") is not None:
                runs.append(Run(m.group("b"), bold=True))
            else:
                runs.append(Run(m.group("i"), italic=True))
            pos = m.end()
        if pos < len(block):
            runs.append(Run(block[pos:]))
        out.append(linkify(tuple(runs)))
    return tuple(out)


# -- annotations printed by balintbib (styles that do not print them) ---------------

_NOCASE = re.compile(r'<span\s+class="nocase">(.*?)</span>', re.S)
_DOUBLE_QUOTED = re.compile(r'"([^"\n]+)"')


def annotation_paragraphs(text: str) -> tuple[Paragraph, ...]:
    """An annotation as the annotated styles print it, so that it reads the same in
    every style: the CSL rich-text tags (``<i> <b> <sup> <sub>``, small caps) are
    formatting, any other ``<`` is text, quotes and apostrophes are typographic."""
    from ..cite import markup
    from ..cite.fidelity import typographic

    out = []
    for para in re.split(r"\n\s*\n", text or ""):
        para = " ".join(para.split())
        if not para:
            continue
        para = _NOCASE.sub(r"\1", markup.MARKER_RE.sub("", para))
        para = _DOUBLE_QUOTED.sub("\u201c\\1\u201d", para)
        fragment = markup.to_html(markup.resolve_quotes(
            typographic(markup.data_to_markers(para)), markup.QuoteMarks()))
        runs = parse_csl_html(fragment).reference
        if runs:
            out.append(runs)
    return tuple(out)
