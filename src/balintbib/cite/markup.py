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
    "squote": ("", "", "", ""),  # ‘…’ in the data: kept, flipped when nested
    "nodecor": ("", "", "", ""),  # <span class="nodecor">: surrounding styles reset
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


_QUOTE_MARKER_RE = re.compile("[%s]" % "".join(
    OPEN[kind] + CLOSE[kind] for kind in ("quote", "dquote", "squote")))


def resolve_quotes(text: str, quotes: QuoteMarks) -> str:
    """Replace quote markers by the locale's marks (CSL 1.0.2 "quotes" and
    Appendix VI flip-flopping, as citeproc-js does it): a quotation inside
    outer quotes takes the inner marks and vice versa. At the top level a
    ``quotes="true"`` node or straight quotes in the data take the outer
    marks, while “…” and ‘…’ written in the data keep their own marks
    (fixtures flipflop_*, decorations_NestedQuotesInnerReverse)."""
    if not _QUOTE_MARKER_RE.search(text):
        return text  # (speed: nothing to resolve, the text as the loop would rebuild it)
    out: list[str] = []
    stack: list[tuple[bool, str]] = []  # (outer?, closing mark)
    for kind, tok in _tokens(text):
        if kind is None or kind[0] not in ("quote", "dquote", "squote"):
            out.append(tok)
        elif kind[1]:
            if stack:
                outer = not stack[-1][0]
            else:
                outer = kind[0] != "squote"
            if not stack and kind[0] == "dquote":
                marks = ("\u201c", "\u201d")
            elif not stack and kind[0] == "squote":
                marks = ("\u2018", "\u2019")
            elif outer:
                marks = (quotes.open, quotes.close)
            else:
                marks = (quotes.inner_open, quotes.inner_close)
            out.append(marks[0])
            stack.append((outer, marks[1]))
        elif stack:
            out.append(stack.pop()[1])
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


def _more_superscripts() -> dict[str, str]:
    """The rest of citeproc-js's superscript table: modifier letters
    (ʱ ᴬ ᵝ), superscript signs (⁺ ⁻ ⁽), ℠ ™ and the ideographic annotation
    marks (㆒ ㆝), each printed as <sup> around its base character(s) from
    the Unicode ``<super>`` decomposition ("™" -> "<sup>TM</sup>"); four
    letters without one are mapped as citeproc-js maps them (fixture
    ``magic_SuperscriptChars``)."""
    import unicodedata
    table = {"\u02c0": "\u0294", "\u02c1": "\u0295", "\u06e5": "\u0648", "\u06e6": "\u064a"}
    for char in ("ʱʴʵʶˠˤᴬᴭᴮᴰᴱᴲᴳᴴᴵᴶᴷᴸᴹᴺᴼᴽᴾᴿᵀᵁᵂᵄᵅᵆᵊᵋᵌᵑᵓᵔᵕᵙᵚᵜᵝᵞᵟᵠᵡ⁺⁻⁼⁽⁾℠™"
                 "\u3192\u3193\u3194\u3195\u3196\u3197\u3198\u3199\u319a\u319b\u319c\u319d"
                 "\u319e\u319f"):
        decomposition = unicodedata.decomposition(char).split()
        if decomposition[:1] == ["<super>"]:
            table[char] = "".join(chr(int(code, 16)) for code in decomposition[1:])
    return table


_SUPERSCRIPTS.update(_more_superscripts())
_SUPERSCRIPT_RE = re.compile(f"[{''.join(_SUPERSCRIPTS)}]")


def to_html(text: str, trim: bool = True) -> str:
    """Escaped HTML fragment; tags are balanced because markers come in pairs.
    Unicode superscript letters become <sup> (as citeproc-js prints them);
    italic inside italic (bold in bold, small caps in small caps) prints as
    the normal style (CSL 1.0.2 flip-flop). ``trim=False`` keeps the
    whitespace an affix leaves at either end, as citeproc-js's HTML of a
    bibliography entry does ('<div class="csl-entry"> (2006): 1–7.</div>',
    "n.d., </div>"; fixtures ``bugreports_parenthesis``,
    ``bugreports_UnisaHarvardInitialization``, ``fullstyles_ABdNT``)."""
    out = []
    stack: list[tuple[str, str, str]] = []  # (kind, opening tag, closing tag)

    def open_tag(name):
        if name == "nodecor":
            # resets the styles in force around it (citeproc-js: only those)
            resets = [_KINDS[_FLIP[k]] for k in ("italic", "bold", "smallcaps")
                      if sum(1 for entry in stack if entry[0] == k) % 2 == 1]
            opening, closing = "".join(r[0] for r in resets), "".join(r[1] for r in resets)
            stack.append((name, opening, closing))
            out.append(opening)
            return
        if name in _CANCELS and not _in_force(stack, *_CANCELS[name]):
            stack.append((name, "", ""))  # "normal" with nothing to cancel
            return
        flip = _FLIP.get(name)
        same = sum(1 for entry in stack if entry[0] == name)
        kind = flip if flip and same % 2 == 1 else name
        stack.append((name, _KINDS[kind][0], _KINDS[kind][1]))
        out.append(_KINDS[kind][0])

    for kind, tok in _tokens(text):
        if kind is None:
            escaped = _escape_html(tok)
            if _SUPERSCRIPT_RE.search(escaped):
                escaped = _SUPERSCRIPT_RE.sub(lambda mt: f"<sup>{_SUPERSCRIPTS[mt.group()]}</sup>", escaped)
            out.append(escaped)
            continue
        name, opening = kind
        if opening:
            open_tag(name)
        elif any(entry[0] == name for entry in stack):
            # close everything opened after it, then reopen (keeps HTML well formed)
            reopen = []
            while stack:
                top = stack.pop()
                out.append(top[2])
                if top[0] == name:
                    break
                reopen.append(top[0])
            for top in reversed(reopen):
                open_tag(top)
    while stack:
        out.append(stack.pop()[2])
    return "".join(out).strip() if trim else "".join(out)


_FLIP = {"italic": "normal-style", "bold": "normal-weight", "smallcaps": "normal-variant"}

#: a style's "normal" (baseline) and the openings it cancels, and the one
#: that already cancels them
_CANCELS = {
    "normal-style": (("<i>", "<em>"), _KINDS["normal-style"][0]),
    "normal-weight": (("<b>",), _KINDS["normal-weight"][0]),
    "normal-variant": ((_KINDS["smallcaps"][0],), _KINDS["normal-variant"][0]),
    "baseline": (("<sup>", "<sub>"), _KINDS["baseline"][0]),
}


def _in_force(stack, openings, reset) -> bool:
    """Whether one of ``openings`` is in force at the top of the HTML stack
    (the innermost of them and their ``reset`` decides): a ``normal`` or
    ``baseline`` prints only where it changes something (citeproc-js)."""
    for _, opening, _ in reversed(stack):
        if opening in openings:
            return True
        if opening == reset:
            return False
    return False

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

# The rich-text tags and quote characters CSL-JSON field values may carry
# (CSL 1.0.2 Appendix "Rich text"/ citeproc-js flip-flopping).
_DATA_TOKEN = re.compile(
    r'<(/?)(i|b|sup|sub|sc)>'
    r'|<span\s+style="font-variant:\s*small-caps;?"[^>]*>'
    r'|<span\s+class="(nocase|nodecor)"[^>]*>'
    r'|</span>'
    r"""|["'\u201c\u201d\u2018\u2019]""")
_TAG_KIND = {"i": "italic", "b": "bold", "sup": "sup", "sub": "sub", "sc": "smallcaps"}
_NOCASE_OPEN = '<span class="nocase">'


def _data_token(match) -> tuple[str, bool, str]:
    """(kind, opening, closer text) of one markup token."""
    text = match.group(0)
    if match.group(2):
        kind = _TAG_KIND[match.group(2)]
        return kind, not match.group(1), f"</{match.group(2)}>"
    if text.startswith("<span"):
        return (match.group(3) or "smallcaps"), True, "</span>"
    if text == "</span>":
        return "span", False, "</span>"
    return "q", True, text


def data_to_markers(value: str) -> str:
    """Rich text in a field value as markers (CSL 1.0.2 Appendix VI "Rich text
    markup within fields", and citeproc-js's flip-flop parser).

    * ``<i> <b> <sup> <sub> <sc>`` and ``<span style="font-variant:small-caps;">``
      become formatting markers; ``<span class="nodecor">`` a marker that
      resets the surrounding font style/weight/variant; ``<span class="nocase">``
      stays a tag for citeproc-py's parser (a ``NoCase`` string: protected
      from text-case); nested nocase spans collapse into the outer one.
    * quotes: a straight ``"`` or ``'`` opens a quotation after a space, ``(``,
      a tag or the start, and closes the innermost open one of its kind;
      ``“…”`` and ``‘…’`` are quotations too. They become quote markers, so
      that they print as the locale's marks and alternate with the quotes
      around them. A ``'`` that opens or closes nothing is an apostrophe (’).
    * a closing tag closes the innermost matching open one (tags opened inside
      it and left open print literally); unmatched tags print literally, as
      any other ``<``, ``>`` and ``&`` (escaped in HTML).

    Fixtures flipflop_*, decorations_NestedQuotesInnerReverse,
    quotes_PunctuationWithInnerQuote, textcase_NoCase*, testers_*.
    """
    if "<" not in value and '"' not in value and "'" not in value and \
            "\u201c" not in value and "\u2018" not in value:
        return value
    out: list[str] = []
    stack: list[tuple[str, str, int]] = []  # (kind, closer text, index in out)
    literal: dict[int, str] = {}  # out index -> text if the token stays literal
    prev_end, after_open_tag = 0, False
    for match in _DATA_TOKEN.finditer(value):
        out.append(value[prev_end:match.start()])
        before = value[match.start() - 1] if match.start() else " "
        after = value[match.end()] if match.end() < len(value) else " "
        kind, opening, closer = _data_token(match)
        text = match.group(0)
        # right after an opening tag counts as after a space (citeproc-js "forced space")
        open_ctx = before.isspace() or before == "(" or match.start() == 0 or \
            (after_open_tag and match.start() == prev_end)
        prev_end = match.end()
        after_open_tag = opening and kind != "q"
        if kind == "q":
            if text == '"':
                kind, opening = "quote", open_ctx
            elif text == "'":
                if open_ctx and not after.isspace():
                    kind, opening = "quote", True
                elif not open_ctx and after not in ",.?:;!) " and match.end() < len(value):
                    out.append("\u2019")  # an apostrophe inside a word
                    continue
                elif not open_ctx:
                    kind, opening = "quote", False
                else:
                    out.append("\u2019")
                    continue
            elif text == "\u201c":
                kind, closer = "dquote", "\u201d"
            elif text == "\u2018":
                kind, closer = "squote", "\u2019"
            elif text == "\u201d":
                kind, opening = "dquote", False
            else:  # ’: an apostrophe unless it closes an open ‘
                if before.isalpha() and after.isalpha():
                    out.append(text)
                    continue
                kind, opening = "squote", False
        if opening:
            stack.append((kind, closer, len(out)))
            literal[len(out)] = "\u2019" if text == "'" else text
            out.append(OPEN[kind] if kind in OPEN else _NOCASE_OPEN)
            continue
        target = next((i for i in range(len(stack) - 1, -1, -1)
                       if stack[i][1] == text and (kind == "span" or stack[i][0] == kind
                                                   or kind not in ("quote", "dquote", "squote"))),
                      None)
        if target is None:
            out.append("\u2019" if text in "'\u2019" else text)
            continue
        for k, _c, index in stack[target + 1:]:
            out[index] = literal[index]
        open_kind = stack[target][0]
        del stack[target:]
        out.append(CLOSE[open_kind] if open_kind in CLOSE else "</span>")
    out.append(value[prev_end:])
    for _k, _c, index in stack:
        out[index] = literal[index]
    # nocase inside nocase: only the outer span stays (citeproc-py does not nest them)
    depth = 0
    for i, piece in enumerate(out):
        if piece == _NOCASE_OPEN:
            depth += 1
            if depth > 1:
                out[i] = ""
        elif piece == "</span>" and depth:
            depth -= 1
            if depth:
                out[i] = ""
    return "".join(out)


html_unescape = html.unescape
