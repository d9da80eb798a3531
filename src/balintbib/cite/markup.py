"""The rendering's intermediate text and its three outputs (text, HTML, Markdown).

citeproc-py concatenates strings. Instead of letting it concatenate HTML tags
(which it does without escaping the data, and which hides punctuation behind
tags), our formatter marks formatting with pairs of private-use characters.
The whole entry is one plain Unicode string with markers; the finishing
passes in :mod:`balintbib.cite.fidelity` (punctuation in quotes, doubled
punctuation across formatting, quote nesting) work on it, and only then is it
turned into plain text, escaped HTML or Markdown. Data can never inject markup
because every character of data is escaped at the very end.
"""

from __future__ import annotations

import html
import re

from citeproc.string import String

# name -> (open, close, html open, html close, markdown open, markdown close)
_KINDS = {
    "italic": ("<i>", "</i>", "*", "*"),
    "oblique": ("<em>", "</em>", "*", "*"),
    "bold": ("<b>", "</b>", "**", "**"),
    "smallcaps": ('<span style="font-variant:small-caps;">', "</span>", "", ""),
    "underline": ('<span style="text-decoration:underline;">', "</span>", "", ""),
    "sup": ("<sup>", "</sup>", "<sup>", "</sup>"),
    "sub": ("<sub>", "</sub>", "<sub>", "</sub>"),
    "normal-style": ('<span style="font-style:normal;">', "</span>", "", ""),
    "normal-variant": ('<span style="font-variant:normal;">', "</span>", "", ""),
    "normal-weight": ('<span style="font-weight:normal;">', "</span>", "", ""),
    "nodecoration": ('<span style="text-decoration:none;">', "</span>", "", ""),
    "baseline": ('<span style="baseline">', "</span>", "", ""),
    "quote": ("", "", "", ""),  # resolved to the locale's quote marks
    "dquote": ("", "", "", ""),  # “…” in the data: kept, flipped when nested
    "block": ('<div class="csl-block">', "</div>", "\n\n", ""),
    "left-margin": ('<div class="csl-left-margin">', "</div>", "", " "),
    "right-inline": ('<div class="csl-right-inline">', "</div>", "", ""),
    "indent": ('<div class="csl-indent">', "</div>", "\n\n    ", ""),
}

OPEN: dict[str, str] = {}
CLOSE: dict[str, str] = {}
_KIND_OF: dict[str, tuple[str, bool]] = {}
for _i, _name in enumerate(_KINDS):
    OPEN[_name] = chr(0xE000 + 2 * _i)
    CLOSE[_name] = chr(0xE001 + 2 * _i)
    _KIND_OF[OPEN[_name]] = (_name, True)
    _KIND_OF[CLOSE[_name]] = (_name, False)

MARKERS = "".join(_KIND_OF)
MARKER_RE = re.compile(f"[{MARKERS}]")
CLOSERS = "".join(CLOSE.values())
OPENERS = "".join(OPEN.values())


def wrap(kind: str, text) -> String:
    """Mark `text` as formatted with `kind` (keeps citeproc's String type so that
    text-case and strip-periods keep working on formatted text)."""
    return String(OPEN[kind] + str(text) + CLOSE[kind])


def strip_markers(text: str) -> str:
    return MARKER_RE.sub("", str(text))


def _tokens(text: str):
    start = 0
    for match in MARKER_RE.finditer(text):
        if match.start() > start:
            yield None, text[start:match.start()]
        yield _KIND_OF[match.group()], match.group()
        start = match.end()
    if start < len(text):
        yield None, text[start:]


class QuoteMarks:
    """The locale's quote marks: outer quotes, inner quotes for nesting."""

    def __init__(self, open_="\u201c", close="\u201d", inner_open="\u2018", inner_close="\u2019"):
        self.open, self.close = open_, close
        self.inner_open, self.inner_close = inner_open, inner_close


def resolve_quotes(text: str, quotes: QuoteMarks) -> str:
    """Replace quote markers by the locale's marks, alternating outer and inner
    marks when quotes nest (CSL 1.0.2, "quotes": flip-flopping)."""
    out, depth = [], 0
    for kind, tok in _tokens(text):
        if kind is not None and kind[0] == "dquote" and depth == 0:
            out.append("\u201c" if kind[1] else "\u201d")
        elif kind is not None and kind[0] in ("quote", "dquote"):
            if kind[1]:
                out.append(quotes.open if depth % 2 == 0 else quotes.inner_open)
                depth += 1
            else:
                depth = max(depth - 1, 0)
                out.append(quotes.close if depth % 2 == 0 else quotes.inner_close)
        else:
            out.append(tok)
    return "".join(out)


def to_text(text: str) -> str:
    out = []
    for kind, tok in _tokens(text):
        if kind is None:
            out.append(tok)
        elif kind[0] == "left-margin" and not kind[1]:
            out.append(" ")
        elif kind[0] in ("block",) and kind[1]:
            out.append("\n")
        elif kind[0] == "indent" and kind[1]:
            out.append("\n    ")
    return "".join(out).strip()


def _escape_html(text: str) -> str:
    # the numeric entities citeproc-js uses: valid in HTML and in XML
    return text.replace("&", "&#38;").replace("<", "&#60;").replace(">", "&#62;")


_SUPERSCRIPTS = dict(zip("¹²³⁴⁵⁶⁷⁸⁹⁰ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻªº",
                         "1234567890abcdefghijklmnoprstuvwxyzao"))
_SUPERSCRIPT_RE = re.compile(f"[{''.join(_SUPERSCRIPTS)}]")


def to_html(text: str) -> str:
    """Escaped HTML fragment; tags are balanced because markers come in pairs.
    Unicode superscript letters become <sup> (as citeproc-js prints them)."""
    out, stack = [], []
    for kind, tok in _tokens(text):
        if kind is None:
            escaped = _escape_html(tok)
            if _SUPERSCRIPT_RE.search(escaped):
                escaped = _SUPERSCRIPT_RE.sub(lambda mt: f"<sup>{_SUPERSCRIPTS[mt.group()]}</sup>", escaped)
            out.append(escaped)
            continue
        name, opening = kind
        if opening:
            stack.append(name)
            out.append(_KINDS[name][0])
        elif name in stack:
            # close everything opened after it, then reopen (keeps HTML well formed)
            reopen = []
            while stack:
                top = stack.pop()
                out.append(_KINDS[top][1])
                if top == name:
                    break
                reopen.append(top)
            for top in reversed(reopen):
                stack.append(top)
                out.append(_KINDS[top][0])
    while stack:
        out.append(_KINDS[stack.pop()][1])
    return "".join(out).strip()


_MD_SPECIAL = re.compile(r"([\\`*_<>|])")


def to_markdown(text: str) -> str:
    out = []
    for kind, tok in _tokens(text):
        if kind is None:
            out.append(_MD_SPECIAL.sub(r"\\\1", tok))
            continue
        name, opening = kind
        if name == "left-margin" and not opening:
            out.append(" ")
        elif name in ("block", "indent") and opening:
            out.append("\n\n")
        elif name in ("italic", "oblique", "bold", "sup", "sub"):
            out.append(_KINDS[name][2] if opening else _KINDS[name][3])
    return "".join(out).strip()


# ---------------------------------------------------------------- data markup

_INLINE_TAG = re.compile(
    r'<(/?)(i|b|sup|sub|sc|span(?:\s+style="font-variant:\s*small-caps;?")?|span\s+class="nocase")\s*>',
    re.I)


def data_to_markers(value: str) -> str:
    """Turn the rich-text tags CSL-JSON allows in fields (``<i> <b> <sup> <sub>
    <span style="font-variant:small-caps;">``) into markers; any other '<' stays
    literal text (and is escaped in HTML). ``<span class="nocase">`` is left for
    citeproc-py's parser, which turns it into a NoCase string."""
    if "<" not in value:
        return value
    out, stack, pos = [], [], 0
    for match in _INLINE_TAG.finditer(value):
        out.append(value[pos:match.start()])
        pos = match.end()
        closing, tag = match.group(1), match.group(2).lower()
        if tag.startswith("span") and "nocase" in tag:
            stack.append("nocase")
            out.append(match.group(0))
            continue
        if tag == "span" and closing:
            spans = [k for k in stack if k in ("nocase", "smallcaps")]
            kind = spans[-1] if spans else "smallcaps"
        elif tag.startswith("span"):
            kind = "smallcaps"
        else:
            kind = {"i": "italic", "b": "bold", "sup": "sup", "sub": "sub", "sc": "smallcaps"}[tag]
        if closing:
            if kind == "nocase":
                stack.remove("nocase")
                out.append(match.group(0))
            elif kind in stack:
                out.append(CLOSE[kind])
                stack.remove(kind)
            else:
                out.append(match.group(0))
        else:
            stack.append(kind)
            out.append(OPEN[kind])
    out.append(value[pos:])
    result = "".join(out)
    for kind in stack:
        if kind != "nocase":
            result += CLOSE[kind]
    return result


html_unescape = html.unescape
