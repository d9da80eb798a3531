"""LaTeX accent escapes <-> Unicode characters, inside BibTeX *content*.

Unlike `balintbib.latex.latex_to_text`, which turns content into plain text
(braces and all markup gone), these functions change only the spelling of
characters and keep everything else as written: case-protecting braces, math,
``\\&`` and the other LaTeX specials, commands with no Unicode equivalent.

- `decode_accents`: ``M{\\aa}rtenson`` -> ``Mårtenson``, ``\\"{u}`` -> ``ü``,
  ``{\\c c}`` -> ``ç``, ``{\\'\\i}`` -> ``í``.  Math (``$...$``) is left alone.
- `encode_accents`: the opposite, ``ü`` -> ``{\\"u}``; characters with no
  LaTeX spelling stay as they are.

Both are idempotent, and ``decode_accents(encode_accents(s)) == s`` for every
character the encoder knows.  Written with regular expressions: the
normalizer runs them on every field of every entry.
"""

from __future__ import annotations

import re
import unicodedata

#: Accent commands and the Unicode combining character they put on a letter.
ACCENTS = {
    "`": "\u0300", "'": "\u0301", "^": "\u0302", "~": "\u0303", "=": "\u0304",
    "u": "\u0306", ".": "\u0307", '"': "\u0308", "r": "\u030a", "H": "\u030b",
    "v": "\u030c", "d": "\u0323", "c": "\u0327", "k": "\u0328", "b": "\u0331",
}
#: Letter commands that stand for a character of their own.
LETTERS = {
    "aa": "å", "AA": "Å", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "o": "ø", "O": "Ø",
    "ss": "ß", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ",
}

_SYM = r"[`'^~=.\"]"
_LET = r"[uvrHdckb]"
_ARG = (
    r"(?:\{(?P<{n}a>[A-Za-z])\}"  # \"{u}
    r"|\{\\(?P<{n}i>[ij])\}"  # \'{\i}
    r"|\\(?P<{n}j>[ij])(?![A-Za-z])(?:\{\})?"  # \'\i
    r"|(?P<{n}b>[A-Za-z]))"  # \"u  (\c c after a space)
)
_ACCENT = re.compile(
    r"(?P<pair>\\\\)|"  # \\ is TeX's line break, never the start of an accent: kept
    r"(?P<open>\{)?"
    r"(?:\\(?P<sym>" + _SYM + r")[ \t]*" + _ARG.replace("{n}", "s")
    + r"|\\(?P<let>" + _LET + r")(?:[ \t]+|(?=[{\\]))" + _ARG.replace("{n}", "l")
    + r"|\\(?P<word>aa|AA|ae|AE|oe|OE|o|O|ss|l|L|i|j)(?![A-Za-z])(?P<eat>\{\}|[ \t\r\n]+)?"
    + r")(?(open)\})"
)
_MATH = re.compile(r"(?<!\\)\$")


def _replace(m: re.Match, names: bool = False) -> str:
    g = m.groupdict()
    if g["pair"]:
        return m.group()
    if g["word"]:
        char = LETTERS[g["word"]]
        # "{\o}rn" and "\o{}rn" lose their terminator; "\o rn" and "\ss \aa" lose the
        # white space that ended the command (TeX skips it: "ørn", "ßå").  In a name
        # list, white space outside braces separates words for BibTeX before TeX reads
        # anything, so it stays there ("Gau\ss and Weber" is two names).
        eat = g["eat"]
        if names and eat and eat != "{}" and not g["open"]:
            return char + " "
        return char
    cmd = g["sym"] or g["let"]
    n = "s" if g["sym"] else "l"
    base = g[n + "a"] or g[n + "b"]
    if base is None:  # \'\i: an accent on a dotless i is an accented i
        base = g[n + "i"] or g[n + "j"]
    return unicodedata.normalize("NFC", base + ACCENTS[cmd])


def _replace_in_names(m: re.Match) -> str:
    return _replace(m, names=True)


def decode_accents(content: str, names: bool = False) -> str:
    r"""Replace accent escapes by the characters they spell; everything else kept.

    TeX's reading is kept exactly: ``\\`` stays a line break (``Sch{\\"u}pbach``
    is not ``Schü``), white space after a letter command is dropped as TeX
    drops it (``\ss \aa`` -> ``ßå``), except between the names of a name list
    (`names`), where BibTeX reads it first."""
    if "\\" not in content:
        return content
    repl = _replace_in_names if names else _replace
    if "$" in content:
        parts = _MATH.split(content)
        if len(parts) % 2 == 1:  # balanced math: decode only the text between
            return "$".join(p if i % 2 else _ACCENT.sub(repl, p) for i, p in enumerate(parts))
        return content
    return _ACCENT.sub(repl, content)


_REVERSE_LETTERS = {v: k for k, v in LETTERS.items() if k not in ("i", "j")}
_REVERSE_ACCENTS = {v: k for k, v in ACCENTS.items()}
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _encode_char(m: re.Match) -> str:
    ch = m.group()
    if ch in _REVERSE_LETTERS:
        return "{\\" + _REVERSE_LETTERS[ch] + "}"
    decomposed = unicodedata.normalize("NFD", ch)
    if len(decomposed) == 2 and decomposed[0].isascii() and decomposed[0].isalpha():
        cmd = _REVERSE_ACCENTS.get(decomposed[1])
        if cmd:
            base = decomposed[0]
            if cmd.isalpha():
                return "{\\" + cmd + "{" + base + "}}"
            return "{\\" + cmd + base + "}"
    return ch


def encode_accents(content: str) -> str:
    """Spell accented letters as LaTeX escapes (``ü`` -> ``{\\"u}``); others kept."""
    if content.isascii():
        return content
    return _NON_ASCII.sub(_encode_char, content)
