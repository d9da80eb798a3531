"""LaTeX <-> Unicode for BibTeX field content.

Decoding uses pylatexenc with a few macros added that BibTeX data uses and
its defaults get wrong (``\\#``, ``\\_``, ``\\LaTeX``, ``\\url``).  Encoding is
the minimal escaping that makes any Unicode text valid BibTeX content and
decodes back to the same text: non-ASCII characters stay as they are (the
library is UTF-8); only LaTeX's special characters are escaped.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pylatexenc import macrospec
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

_MACROS = [
    MacroTextSpec("#", "#"),
    MacroTextSpec("_", "_"),
    MacroTextSpec("&", "&"),
    MacroTextSpec("%", "%"),
    MacroTextSpec("$", "$"),
    MacroTextSpec("{", "{"),
    MacroTextSpec("}", "}"),
    MacroTextSpec("textasciicircum", "^"),
    MacroTextSpec("textbraceleft", "{"),
    MacroTextSpec("textbraceright", "}"),
    MacroTextSpec("textasciitilde", "~"),
    MacroTextSpec("textbackslash", "\\"),
    MacroTextSpec("LaTeX", "LaTeX"),
    MacroTextSpec("TeX", "TeX"),
    MacroTextSpec("BibTeX", "BibTeX"),
    MacroTextSpec("url", "%(1)s"),
]


_converter: LatexNodes2Text | None = None


def _get_converter() -> LatexNodes2Text:
    global _converter
    if _converter is None:
        from pylatexenc.latexwalker import get_default_latex_context_db as walker_db

        wdb = walker_db()
        wdb.add_context_category("balintbib", prepend=True, macros=[macrospec.std_macro("url", False, 1)])
        tdb = get_default_latex_context_db()
        tdb.add_context_category("balintbib", prepend=True, macros=_MACROS)
        _converter = LatexNodes2Text(latex_context=tdb, math_mode="verbatim", strict_latex_spaces=False)
        _converter._balintbib_walker_db = wdb  # used by latex_to_text
    return _converter


# Characters that mean the content may hold LaTeX; anything without them is plain text.
_NEEDS_DECODING = re.compile(r"[\\{}$~]|--|``|''")


# The fast path: the LaTeX that BibTeX data mostly holds (accents, a few letters,
# escaped specials, dashes, quotes, ties, protecting braces) decoded with regular
# expressions; anything else goes to pylatexenc.  tests/test_model.py checks that
# both give the same text on every field value of the corpus.
_ACCENTS = {
    '"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "r": "\u030a", "b": "\u0331", "d": "\u0323",
}
_LETTERS = {
    "ss": "ß", "aa": "å", "AA": "Å", "o": "ø", "O": "Ø", "ae": "æ", "AE": "Æ", "oe": "œ",
    "OE": "Œ", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ",
}
_ACCENT_RE = re.compile(
    r"\\([\"'`^~=.])\s*(?:\{([A-Za-z]|\\[ij])\}|([A-Za-z]|\\[ij](?![A-Za-z])))"
    r"|\\([uvHckrbd])(?:\{([A-Za-z]|\\[ij])\}|\s+([A-Za-z]))"
)
_LETTER_RE = re.compile(r"\\(ss|aa|AA|ae|AE|oe|OE|[oOlLij])(?![A-Za-z])(?:\{\}|[ \t\n]+)?")
_SPECIAL_RE = re.compile(r"\\([%_#&$])")
_TEXT_TT = [("---", "\u2014"), ("--", "\u2013"), ("``", "\u201c"), ("''", "\u201d"), ("~", "\u00a0")]


def _accent(m: re.Match) -> str:
    mark = _ACCENTS[m.group(1) or m.group(4)]
    base = next(g for g in (m.group(2), m.group(3), m.group(5), m.group(6)) if g)
    if base.startswith("\\"):
        base = base[1:]  # an accent on a dotless i or j is the accented i or j
    return unicodedata.normalize("NFC", base + mark)


_BARE_SPECIAL = re.compile(r"(?<!\\)([%&#])")
_PLACEHOLDER = {c: chr(1 + i) for i, c in enumerate("%_#&$")}
_RESTORE = str.maketrans({v: k for k, v in _PLACEHOLDER.items()})


def _fast_decode(content: str) -> str | None:
    text = content
    if "\\" in text:
        text = _ACCENT_RE.sub(_accent, text)
        text = _LETTER_RE.sub(lambda m: _LETTERS[m.group(1)], text)
        text = _SPECIAL_RE.sub(lambda m: _PLACEHOLDER[m.group(1)], text)
        if "\\" in text:
            return None
    if "$" in text:
        return None
    for tex, uni in _TEXT_TT:
        if tex in text:
            text = text.replace(tex, uni)
    return _squash(text.replace("{", "").replace("}", "").translate(_RESTORE))


@lru_cache(maxsize=131072)
def latex_to_text(content: str) -> str:
    """BibTeX content -> plain Unicode text (braces removed, macros decoded).

    White space is read as TeX reads it: runs are one space, the ends go, a
    blank line is a paragraph break (kept as one), and ``\\\\`` is a line
    break (a newline, whatever white space is around it)."""
    if not content:
        return ""
    if not _NEEDS_DECODING.search(content):
        if "\n" in content or "  " in content or "\t" in content or content[0].isspace() \
                or content[-1].isspace():
            return _squash(content)
        return content
    if "\\\\" in content:
        return _line_breaks(content)
    fast = _fast_decode(content)
    if fast is not None:
        return fast
    if brace_depth(content) > MAX_DEPTH:
        return latex_to_text(_flatten(content))
    return _slow_decode(content)


#: Brace nesting beyond this is read flat (font switches and braces dropped, in one
#: linear pass) rather than by the recursive decoders, which need time and stack
#: in proportion to the depth for every level.
MAX_DEPTH = 64
_BRACE = re.compile(r"(?<!\\)[{}]")
_FONT_SWITCH = re.compile(r"\\(?:em|it|itshape|sl|slshape|bf|bfseries|sc|scshape|rm|sf|tt|normalfont|upshape|"
                          r"mdseries)(?![A-Za-z])[ \t\n]*")


def brace_depth(content: str) -> int:
    """The deepest brace nesting in ``content`` (escaped braces do not count)."""
    depth = deepest = 0
    for m in _BRACE.finditer(content):
        if m.group() == "{":
            depth += 1
            if depth > deepest:
                deepest = depth
        elif depth:
            depth -= 1
    return deepest


def _flatten(content: str) -> str:
    return _BRACE.sub("", _FONT_SWITCH.sub("", content))


_CONTROL = re.compile(r"\\(\\|[A-Za-z]+|.)", re.S)
_BREAK = "\ue000"  # a private-use character stands for a line break while decoding
_BREAK_AROUND = re.compile(r"[ \t]*\ue000[ \t]*")


def _line_breaks(content: str) -> str:
    """Content with TeX line breaks (``\\\\``, not the second half of ``\\\\\\\\``)."""
    marked = _CONTROL.sub(lambda m: _BREAK if m.group(1) == "\\" else m.group(), content)
    text = latex_to_text(marked)
    text = _BREAK_AROUND.sub("\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _slow_decode(content: str) -> str:
    """pylatexenc, for everything the fast path does not know."""
    from pylatexenc.latexwalker import LatexWalker

    conv = _get_converter()
    # In BibTeX data a bare % or & means percent and ampersand, not a TeX comment
    # or an alignment tab (which would drop the rest of the line).
    content = _BARE_SPECIAL.sub(r"\\\1", content)
    try:
        walker = LatexWalker(content, latex_context=conv._balintbib_walker_db, tolerant_parsing=True)
        nodes, _, _ = walker.get_latex_nodes()
        text = conv.nodelist_to_text(nodes)
    except Exception:  # malformed LaTeX: show it as it is rather than lose it
        text = content.replace("{", "").replace("}", "")
    return _squash(text)


_PARAGRAPH = re.compile(r"[ \t]*\n[ \t]*\n\s*")
_SPACES = re.compile(r"[ \t\r\n]+")


_HSPACE = re.compile(r"[ \t]{2,}|\t")


def _squash(text: str) -> str:
    """Collapse white space as TeX does; a blank line stays a paragraph break."""
    # Runs of spaces and tabs first (linear): the paragraph pattern alone would try
    # every position of a long run (a 100 KB run took 20 s).
    paragraphs = _PARAGRAPH.split(_HSPACE.sub(" ", text.strip()))
    return "\n\n".join(_SPACES.sub(" ", p) for p in paragraphs)


_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",  # not \{: BibTeX counts every brace, escaped or not
    "}": r"\textbraceright{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "\u00a0": "~",
}
_ESCAPE_RE = re.compile(r"[\\{}&%$#_~^\u00a0]|(?<=-)-|(?<=`)`|(?<=')'")
#: Every character `_ESCAPE_RE` can match: one character class, which the regex engine scans
#: many times faster than the alternatives with look-behinds.
_ESCAPE_HINT = re.compile(r"[\\{}&%$#_~^\u00a0`'-]")


def text_to_latex(text: str) -> str:
    """Plain Unicode text -> BibTeX content that decodes back to the same text."""
    if not text:
        return ""
    if not _ESCAPE_HINT.search(text):  # most text: nothing to escape
        return text
    for s in _ESCAPED:  # (a loop: any() with a generator costs more on short text)
        if s in text:
            return _ESCAPE_RUNS.sub(_escape, text)
    return text  # hyphens and quotes, none doubled: nothing to escape either


#: `_ESCAPE_RE`'s matches, a run of ligature characters at once (the same result, faster).
_ESCAPE_RUNS = re.compile(r"[\\{}&%$#_~^\u00a0]|--+|``+|''+")
#: What `_ESCAPE_RUNS` finds, as substrings: `in` scans a long text (an abstract with a hyphen)
#: many times faster than the pattern, and most such texts have nothing to escape.
_ESCAPED = (*_ESCAPES, "--", "``", "''")


def _escape(m: re.Match) -> str:
    s = m.group(0)
    c = s[0]
    if c in "-`'":  # break TeX ligatures (-- ---, `` ''): -{}-{}-
        return c + ("{}" + c) * (len(s) - 1)
    return _ESCAPES[s]


# ------------------------------------------------------------ rich text

# BibTeX formatting commands -> the CSL-JSON rich-text tags citation processors read
_RICH_COMMANDS = {
    "emph": "i", "textit": "i", "textsl": "i", "mkbibemph": "i",
    "textbf": "b", "mkbibbold": "b",
    "textsc": "sc",
    "textsuperscript": "sup", "mkbibsuperscript": "sup",
    "textsubscript": "sub", "mkbibsubscript": "sub",
}
_RICH_SWITCHES = {"em": "i", "it": "i", "itshape": "i", "sl": "i", "bf": "b", "bfseries": "b",
                  "sc": "sc", "scshape": "sc"}
_RICH_TAGS = {"i": ("<i>", "</i>"), "b": ("<b>", "</b>"), "sup": ("<sup>", "</sup>"),
              "sub": ("<sub>", "</sub>"),
              "sc": ('<span style="font-variant:small-caps;">', "</span>"),
              "nocase": ('<span class="nocase">', "</span>")}
_RICH_HINT = re.compile(r"[{}]")
_COMMAND_AT = re.compile(r"\\([A-Za-z]+)\s*(?=\{)")
_SWITCH_AT = re.compile(r"\\([A-Za-z]+)(?![A-Za-z])\s*")


def _group_end(content: str, start: int) -> int:
    """Index just after the brace group opening at `start` (or len(content))."""
    depth = 0
    for i in range(start, len(content)):
        ch = content[i]
        if ch == "\\":
            continue
        if ch == "{" and (i == 0 or content[i - 1] != "\\"):
            depth += 1
        elif ch == "}" and (i == 0 or content[i - 1] != "\\"):
            depth -= 1
            if depth == 0:
                return i + 1
    return len(content)


def _rich_pieces(content: str, top: bool):
    """(kind, inner content) pieces: kind None for LaTeX text to decode as it is."""
    pos, text_start = 0, 0
    while pos < len(content):
        ch = content[pos]
        command = _COMMAND_AT.match(content, pos) if ch == "\\" else None
        if command and command.group(1) in _RICH_COMMANDS:
            start = command.end()
            end = _group_end(content, start)
            yield None, content[text_start:pos]
            yield _RICH_COMMANDS[command.group(1)], content[start + 1:end - 1]
            pos = text_start = end
            continue
        if ch == "\\":
            pos += 2
            continue
        if ch == "{":
            end = _group_end(content, pos)
            inner = content[pos + 1:end - 1]
            switch = _SWITCH_AT.match(inner) if inner.startswith("\\") else None
            if switch and switch.group(1) in _RICH_SWITCHES:  # {\em ...}
                yield None, content[text_start:pos]
                yield _RICH_SWITCHES[switch.group(1)], inner[switch.end():]
                pos = text_start = end
                continue
            command = _COMMAND_AT.match(inner) if inner.startswith("\\") else None
            if command and command.group(1) in _RICH_COMMANDS:  # {\textsc{NASA}}
                yield None, content[text_start:pos]
                yield "group", inner
                pos = text_start = end
                continue
            if top and not inner.startswith("\\"):
                # BibTeX's case-protecting braces (a group starting with a command,
                # {\"o}, is a special character, not protection)
                yield None, content[text_start:pos]
                yield "nocase", inner
                pos = text_start = end
                continue
            pos = end
            continue
        pos += 1
    yield None, content[text_start:]


def latex_to_rich(content: str, *, top: bool = True) -> str:
    """BibTeX content -> CSL-JSON rich text (CSL 1.0.2 Appendix VI): ``\\emph``,
    ``\\textit``, ``{\\em ..}`` -> ``<i>``; ``\\textbf`` -> ``<b>``; ``\\textsc`` ->
    small caps; ``\\textsuperscript``/``\\textsubscript`` -> ``<sup>``/``<sub>``;
    case-protecting top-level braces ``{DNA}`` -> ``<span class="nocase">``.
    Everything else decodes as `latex_to_text` does; content without braces
    gives exactly `latex_to_text`'s text."""
    if not content or not _RICH_HINT.search(content):
        return latex_to_text(content)
    if top and brace_depth(content) > MAX_DEPTH:  # read flat, see MAX_DEPTH
        return latex_to_text(content)
    out = []
    for kind, inner in _rich_pieces(content, top):
        if kind is None:
            if inner:
                text = latex_to_text(inner)
                lead = " " if inner[:1].isspace() and text else ""
                trail = " " if inner[-1:].isspace() and text else ""
                out.append(lead + text + trail if text else (" " if inner.isspace() else ""))
            continue
        body = latex_to_rich(inner, top=False)
        if body and kind == "group":
            out.append(body)
        elif body:
            out.append(_RICH_TAGS[kind][0] + body + _RICH_TAGS[kind][1])
    return _SPACES.sub(" ", "".join(out)).strip()
