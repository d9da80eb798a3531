"""BibTeX's own name rules: name lists, tokens, the von test, the four parts.

Written from BibTeX 0.99d's documented behaviour (btxdoc, "Tame the BeaST",
section 11, and the ``format.name$`` algorithm in bibtex.web), and checked
against ``bibtex`` itself on every name of the corpus (tests/test_names_bibtex.py).

- A name list splits at the word ``and`` (any case) with white space on both
  sides, outside braces.
- A name splits into *tokens* at white space, ``-`` and ``~`` outside braces,
  and into up to three comma-separated sections: "First von Last",
  "von Last, First", "von Last, Jr, First".
- A token is *lower case* (a "von" word) when its first letter outside braces
  is lower case.  A brace group that starts with a backslash (``{\\'E}``,
  ``{\\ss}``) is a *special character*: it takes the case of its first letter
  (``\\oe \\ae \\aa \\o \\l \\ss \\i \\j`` are lower case, ``\\OE \\AE \\AA \\O \\L``
  upper case); any other brace group is skipped and says nothing about case.
- "First von Last": von runs from the first lower-case token to the last one
  before the final token; without a von word, Last is the final token plus the
  tokens joined to it by hyphens.  "von Last, ...": von runs to the last
  lower-case token before the last token of the first section.

Two readings differ from bibtex 0.99d on purpose, where 0.99d misreads what the
author wrote (biber reads both as here); ``tex=False`` gives 0.99d exactly:

1. a LaTeX accent or letter command outside braces (``Pi\\~{n}a``, ``\\v{S}t\\v{e}p\\'{a}n``,
   ``\\O{}stergaard``) is one character of its token, with that character's case:
   0.99d reads the ``~`` of ``\\~`` as a tie (family ``{n}a``) and ``\\v{S}`` as
   lower case (the ``v``);
2. letters beyond ASCII have their Unicode case (``Émile`` is not a von word;
   0.99d sees bytes and reads the ``m``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Letter commands whose case BibTeX knows (bibtex.web's control-sequence table).
_LOWER_LETTERS = frozenset({"i", "j", "oe", "ae", "aa", "o", "l", "ss"})
_UPPER_LETTERS = frozenset({"OE", "AE", "AA", "O", "L"})

#: An accent or letter command outside braces (reading 1 above): the whole
#: command is one character of its token.
_COMMAND_CHAR = re.compile(
    r"\\[\"'`^~=.][ \t]*(?:\{(?:[A-Za-z]|\\[ij])?\}|\\[ij](?![A-Za-z])|[A-Za-z])"
    r"|\\[uvHckrbdt](?:[ \t]*\{(?:[A-Za-z]{1,2}|\\[ij])?\}|[ \t]+[A-Za-z]|[ \t]*\\[ij](?![A-Za-z]))"
    r"|\\(?:ss|aa|AA|ae|AE|oe|OE|o|O|l|L|i|j)(?![A-Za-z])(?:\{\})?"
)
_LETTER_IN = re.compile(r"[A-Za-z]")
_WHITE = re.compile(r"[ \t\r\n]+")


@dataclass
class NameParts:
    """One name's four parts as lists of tokens, and where each part is in the name."""

    first: list[str] = field(default_factory=list)
    von: list[str] = field(default_factory=list)
    last: list[str] = field(default_factory=list)
    jr: list[str] = field(default_factory=list)
    source: str = ""
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)

    def text(self, part: str) -> str:
        """A part as written, from its first token to its last (separators between
        them kept as written, white space runs as one space)."""
        start, end = self.spans.get(part, (0, 0))
        return _WHITE.sub(" ", self.source[start:end])


def split_name_list(value: str) -> list[str]:
    """A name list's names: split at ``and`` between white space, outside braces.

    Like BibTeX, white space is space, tab and line breaks; names are returned
    stripped, empty ones (``and and``) dropped."""
    out: list[str] = []
    depth, start, i, n = 0, 0, 0, len(value)
    while i < n:
        c = value[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth = max(depth - 1, 0)
        elif depth == 0 and c in " \t\r\n" and value[i + 1:i + 4].lower() == "and" \
                and i + 4 < n and value[i + 4] in " \t\r\n":
            out.append(value[start:i])
            i += 4
            start = i
            continue
        i += 1
    out.append(value[start:])
    return [p.strip() for p in out if p.strip()]


def _tokens(name: str, tex: bool) -> tuple[list[str], list[str], list[int], list[list[int]]]:
    """Tokens, the separator *before* each token, the token index of each comma,
    and each token's [start, end) in `name`."""
    tokens: list[str] = []
    where: list[list[int]] = []
    seps: list[str] = []  # seps[k]: what came between token k-1 and token k
    commas: list[int] = []
    pending = ""
    starting = True
    i, n = 0, len(name)

    def start_token():
        nonlocal starting
        if starting:
            seps.append(pending if tokens else "")
            tokens.append("")
            where.append([i, i])
            starting = False

    while i < n:
        c = name[i]
        if c == ",":
            if len(commas) < 2:
                commas.append(len(tokens))
                pending = ","
            starting, i = True, i + 1
            continue
        if c == "{":
            start_token()
            depth, j = 0, i
            while j < n:
                if name[j] == "{":
                    depth += 1
                elif name[j] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            tokens[-1] += name[i:j + 1]
            i = where[-1][1] = min(j + 1, n)
            continue
        if c == "}":  # unbalanced: BibTeX skips it
            start_token()
            i = where[-1][1] = i + 1
            continue
        if c in " \t\r\n" or c in "-~":
            if not starting:
                pending = " " if c in " \t\r\n" else c
            starting, i = True, i + 1
            continue
        if c == "\\" and tex:
            m = _COMMAND_CHAR.match(name, i)
            if m:
                start_token()
                tokens[-1] += m.group()
                i = where[-1][1] = m.end()
                continue
        start_token()
        tokens[-1] += c
        i = where[-1][1] = i + 1
    return tokens, seps, commas, where


def _case_of_special(tok: str, i: int) -> tuple[bool | None, int]:
    """The case of the special character ``{\\...}`` opening at ``tok[i]``
    (True: lower, False: upper, None: none) and the index after it."""
    depth, j, n = 1, i + 2, len(tok)
    k = j
    while k < n and tok[k].isascii() and tok[k].isalpha():
        k += 1
    word = tok[j:k]
    if word in _LOWER_LETTERS or word in _UPPER_LETTERS:
        return word in _LOWER_LETTERS, k
    while k < n and depth > 0:
        c = tok[k]
        if "A" <= c <= "Z":
            return False, k
        if "a" <= c <= "z":
            return True, k
        if c == "}":
            depth -= 1
        elif c == "{":
            depth += 1
        k += 1
    return None, k


def _command_is_lower(cmd: str) -> bool:
    """The case of an accent or letter command written outside braces."""
    word = re.match(r"\\([A-Za-z]+)", cmd)
    if word and word.group(1) in _LOWER_LETTERS | _UPPER_LETTERS:
        return word.group(1) in _LOWER_LETTERS
    letter = _LETTER_IN.search(cmd, 2)  # the accented letter, after the accent command
    return bool(letter and letter.group().islower())


def is_von(tok: str, tex: bool = True) -> bool:
    """True when the token is a "von" word: its first letter outside braces
    (or first special character) is lower case."""
    i, n = 0, len(tok)
    while i < n:
        c = tok[i]
        if "A" <= c <= "Z":
            return False
        if "a" <= c <= "z":
            return True
        if c == "{":
            if i + 3 < n and tok[i + 1] == "\\":
                case, _ = _case_of_special(tok, i)
                return bool(case)
            depth, i = 1, i + 1
            while i < n and depth > 0:
                if tok[i] == "{":
                    depth += 1
                elif tok[i] == "}":
                    depth -= 1
                i += 1
            continue
        if tex:
            if c == "\\":
                m = _COMMAND_CHAR.match(tok, i)
                if m:
                    return _command_is_lower(m.group())
            elif not c.isascii() and c.isalpha():
                if c.isupper() or c.islower():
                    return c.islower()
        i += 1
    return False


def split_name(name: str, tex: bool = True) -> NameParts:
    """One name's parts as BibTeX reads them (see the module's notes for `tex`)."""
    # like BibTeX, a comma at the end of a name is ignored ("Halle, M.,")
    name = name.strip().rstrip(", \t\r\n")
    tokens, before, commas, where = _tokens(name, tex)
    n = len(tokens)

    if not commas:
        last_end = n
        von_start = 0
        while von_start < last_end - 1 and not is_von(tokens[von_start], tex):
            von_start += 1
        if von_start < last_end - 1:
            von_end = last_end - 1
            while von_end > von_start and not is_von(tokens[von_end - 1], tex):
                von_end -= 1
        else:  # no von word: Last is the final token and the tokens hyphenated to it
            while von_start > 0 and before[von_start] == "-":
                von_start -= 1
            von_end = von_start
        ranges = {"first": (0, von_start), "von": (von_start, von_end), "last": (von_end, last_end),
                  "jr": (last_end, last_end)}
    else:
        last_end = commas[0]
        jr_end = commas[1] if len(commas) > 1 else last_end
        von_end = last_end - 1
        while von_end > 0 and not is_von(tokens[von_end - 1], tex):
            von_end -= 1
        von_end = max(von_end, 0)
        ranges = {"first": (jr_end, n), "von": (0, von_end), "last": (von_end, last_end),
                  "jr": (last_end, jr_end)}
    out = NameParts(source=name)
    for key, (a, b) in ranges.items():
        setattr(out, key, tokens[a:b])
        out.spans[key] = (where[a][0], where[b - 1][1]) if b > a else (0, 0)
    return out
