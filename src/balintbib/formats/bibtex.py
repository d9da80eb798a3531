"""BibTeX, read and written without loss.

The reader splits a file into blocks (entries, ``@string``, ``@preamble``,
``@comment``, the free text between them, and blocks that failed to parse),
each keeping its exact source text and its 1-based line.  Writing a file
whose blocks were not touched gives back the same bytes; a changed entry is
written in the canonical layout (`render_entry`) and nothing else moves.

Why not bibtexparser's splitter: it inlines ``@string`` references by default,
cuts a quoted value short at a ``"`` inside braces without an error, reports
0-based line numbers that drift after every line ending in a backslash, and
loses the entry type's case.  This reader follows BibTeX's own rules instead:
braces count wherever they stand, a quoted value ends only at a ``"`` outside
braces, and an error names its exact line and column and the entry it is in.
It scans with regular expressions, so it is faster than bibtexparser's
plain parse (see benchmarks/bench_read.py).
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache
from dataclasses import dataclass, field as dc_field

from ..model import Reference
from . import bibsafe
from .encoding import UTF8, decode, describe, strip_boms

# -- blocks ---------------------------------------------------------------------


class Field:
    """One ``name = value`` of an entry."""

    __slots__ = ("name", "value", "line", "literal")

    def __init__(self, name: str, value: str, line: int, literal: str | None = None):
        self.name = name  # as written (case kept)
        self.value = value  # the value expression exactly as written: {..}, "..", 2004, jan, a # b
        self.line = line
        # the content of a single literal ({..}, "..", 123); None for a macro or concatenation
        self.literal = _literal_content(value) if literal is None and value else literal

    @property
    def is_literal(self) -> bool:
        return self.literal is not None

    @property
    def content(self) -> str:
        """The content of a literal value, or the expression itself."""
        return self.value if self.literal is None else self.literal

    def __repr__(self) -> str:
        return f"Field({self.name!r}, {self.value!r}, line={self.line})"


@dataclass
class Block:
    raw: str
    line: int  # 1-based line of the block's first character


@dataclass
class Text(Block):
    """Text between blocks: white space, ``%`` comments, anything BibTeX ignores."""


@dataclass
class Entry(Block):
    entry_type: str = ""  # as written: Article, article, ARTICLE
    key: str = ""
    #: The fields as read, each ``(name, value, literal, offset)``: the name as written, the value
    #: expression as written, its literal content (None for a macro or concatenation) and where
    #: the name starts in `raw`.  `fields` gives them as `Field` objects, with their lines.
    items: list[tuple[str, str, str | None, int]] = dc_field(default_factory=list, repr=False)

    @property
    def fields(self) -> list[Field]:
        """The fields as `Field` objects (made on first use: loading a library needs only `items`)."""
        made = self.__dict__.get("_fields")
        if made is None:
            raw, line, last = self.raw, self.line, 0
            made = []
            for name, value, literal, offset in self.items:
                line += raw.count("\n", last, offset)
                last = offset
                made.append(Field(name, value, line, literal))
            self.__dict__["_fields"] = made
        return made


@dataclass
class StringDef(Block):
    name: str = ""
    value: str = ""  # the expression as written


@dataclass
class Preamble(Block):
    value: str = ""


@dataclass
class Comment(Block):
    """An ``@comment{...}`` block (JabRef keeps its metadata in these)."""


@dataclass
class Failed(Block):
    """A block that could not be parsed, kept as it was written."""

    reason: str = ""
    error_line: int = 0
    error_col: int = 0
    key: str = ""


@dataclass
class Problem:
    path: str
    line: int
    col: int
    code: str
    message: str
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.code} {self.message}"


@dataclass
class BibFile:
    path: str
    blocks: list[Block]
    problems: list[Problem]
    newline: str = "\n"
    encoding: str = "utf-8"  # how the file was read, and how it is written back

    @property
    def entries(self) -> list[Entry]:
        return [b for b in self.blocks if isinstance(b, Entry)]

    @property
    def strings(self) -> dict[str, str]:
        """``@string`` definitions, names lower-cased, values as content."""
        out: dict[str, str] = {}
        for b in self.blocks:
            if isinstance(b, StringDef):
                lit = _literal_content(b.value)
                out[b.name.lower()] = lit if lit is not None else b.value
        return out

    def render(self) -> str:
        return "".join([b.raw for b in self.blocks])


# -- the reader -----------------------------------------------------------------

# A block's start: ``@type{`` or ``@type(``, and (what an entry's key would be) the text up to
# the first comma, space or brace after it, with the white space around that.
_AT = re.compile(r"@[ \t\r\n]*([A-Za-z_][\w:.+-]*)[ \t\r\n]*([{(])[ \t\r\n]*([^,\s{}()]*)[ \t\r\n]*")
_WS = re.compile(r"[ \t\r\n]*")
_NAME = re.compile(r"[^\s=,{}\"#()%]+")
_BARE = re.compile(r"[^\s,{}\"#()=%]+")
_BRACES = re.compile(r"[{}]")
_QUOTE_OR_BRACE = re.compile(r'[{}"]')
_KEY = re.compile(r"[^,\s{}()]*")
_SWALLOWED = re.compile(r"\n[ \t]*([A-Za-z][\w:-]*)[ \t]*=")
_FIELD_OPEN = re.compile(r"[ \t\r\n]*([^\s=,{}\"#()%]+)[ \t\r\n]*=[ \t\r\n]*")
# A field whose value is one brace group without nested braces, one quoted
# string without braces, or a bare number/macro, followed by ',' (consumed) or
# the end of the entry -- the common case, matched in one step; anything else
# takes the general path.
_SIMPLE_FIELD = re.compile(
    r"[ \t\r\n]*+([^\s=,{}\"#()%]++)[ \t\r\n]*+=[ \t\r\n]*+"
    r"(\{([^{}]*+)\}|\"([^\"{}]*+)\"|([^\s,{}\"#()=%]++))"
    r"[ \t\r\n]*+(?:,|(?=[})]))"
)


# An ``@type{`` or ``@type(`` at the start of a line: where a broken block ends.
_LINE_AT_TYPE = re.compile(r"\n[ \t]*(@[ \t]*([A-Za-z_][\w:.+-]*)[ \t\r\n]*[{(])")


class _ParseError(Exception):
    def __init__(self, pos: int, reason: str):
        super().__init__(reason)
        self.pos = pos
        self.reason = reason


class _Reader:
    def __init__(self, text: str, path: str):
        self.text = text
        self.path = path
        self.n = len(text)
        self._newlines: list[int] | None = None  # built on the first error

    def line_col(self, pos: int) -> tuple[int, int]:
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer("\n", self.text)]
        i = bisect.bisect_left(self._newlines, pos)
        line_start = self._newlines[i - 1] + 1 if i else 0
        return i + 1, pos - line_start + 1

    # value parts ------------------------------------------------------------
    def skip_ws(self, pos: int) -> int:
        return _WS.match(self.text, pos).end()

    def braced(self, pos: int) -> int:
        """``pos`` at ``{``; returns the index after the matching ``}``."""
        depth = 0
        for m in _BRACES.finditer(self.text, pos):
            if m.group() == "{":
                depth += 1
            else:
                depth -= 1
                if depth == 0:
                    return m.end()
        raise _ParseError(pos, "unbalanced braces: this '{' is never closed")

    def quoted(self, pos: int) -> int:
        """``pos`` at ``"``; a quote inside braces does not end the value."""
        depth = 0
        for m in _QUOTE_OR_BRACE.finditer(self.text, pos + 1):
            c = m.group()
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth < 0:
                    line, col = self.line_col(m.start())
                    raise _ParseError(pos, "this quoted value is never closed "
                                      f"(a '}}' at line {line}, column {col} ends the entry first)")
            elif depth == 0:
                return m.end()
        raise _ParseError(pos, 'unterminated quoted value: this \'"\' is never closed')

    def value(self, pos: int) -> int:
        """Parse a value expression from ``pos``; return the end index."""
        text = self.text
        while True:
            pos = self.skip_ws(pos)
            if pos >= self.n:
                raise _ParseError(pos, "the file ends inside a value")
            c = text[pos]
            if c == "{":
                pos = self.braced(pos)
            elif c == '"':
                pos = self.quoted(pos)
            else:
                m = _BARE.match(text, pos)
                if not m:
                    raise _ParseError(pos, f"expected a value, found {c!r}")
                pos = m.end()
            after = self.skip_ws(pos)
            if after < self.n and text[after] == "#":
                pos = after + 1
                continue
            return pos

    # blocks -----------------------------------------------------------------
    def parse(self) -> BibFile:
        text, blocks, problems = self.text, [], []
        count = text.count
        pos = 0
        line, at = 1, 0  # the line of position `at` (both only move forward)
        keys: dict[str, int] = {}
        while pos < self.n:
            m = _AT.search(text, pos)
            if not m:
                blocks.append(Text(text[pos:], line + count("\n", at, pos)))
                break
            start = m.start()
            if start > pos:
                line += count("\n", at, pos)
                at = pos
                blocks.append(Text(text[pos:start], line))
            line += count("\n", at, start)
            at = start
            kind = m.group(1).lower()
            close = "}" if m.group(2) == "{" else ")"
            body = m.end(2)
            try:
                if kind == "comment":
                    end = self.comment_end(body - 1, close)
                    blocks.append(Comment(text[start:end], line))
                elif kind == "string":
                    end, name, value = self.string_def(body, close)
                    blocks.append(StringDef(text[start:end], line, name, value))
                elif kind == "preamble":
                    vstart = self.skip_ws(body)
                    vend = self.value(vstart)
                    end = self.expect_close(vend, close, "@preamble")
                    blocks.append(Preamble(text[start:end], line, text[vstart:vend]))
                else:
                    entry, end = self.entry(start, m.group(1), m.group(3), m.end(), close, line)
                    blocks.append(entry)
                    low = entry.key.lower()
                    if not entry.key:
                        problems.append(Problem(self.path, line, 1, "B005", "entry has no citation key", "warning"))
                    elif low in keys:
                        problems.append(
                            Problem(self.path, line, 1, "B002",
                                    f"duplicate key '{entry.key}' (first defined at line {keys[low]})")
                        )
                    else:
                        keys[low] = line
            except _ParseError as exc:
                end = self.recover(exc.pos, start)
                next_at = _LINE_AT_TYPE.search(text, start + 1, end)
                if next_at is not None and next_at.start(1) <= exc.pos:
                    # The broken block ran into an entry that starts a line: the
                    # block ends there (as biber and bibtex-tidy read it) and that
                    # entry is read on its own.
                    end = next_at.start(1)
                    nline = self.line_col(end)[0]
                    exc = _ParseError(start, f"not closed before the '@{next_at.group(2)}' that starts "
                                               f"line {nline} ({exc.reason})")
                eline, ecol = self.line_col(exc.pos)
                key = ""
                km = _KEY.match(text, self.skip_ws(body))
                if kind not in ("comment", "string", "preamble") and km:
                    key = km.group()
                where = f" in entry '{key}'" if key else f" in @{m.group(1)}"
                starts = f" (the block starts at line {line})" if line != eline else ""
                reason = f"{exc.reason}{where}{starts}; the block is kept as written"
                blocks.append(Failed(text[start:end], line, reason, eline, ecol, key))
                problems.append(Problem(self.path, eline, ecol, "B001", reason))
            pos = end
        newline = "\r\n" if "\r\n" in text[:10000] else "\n"
        return BibFile(self.path, blocks, problems, newline)

    def comment_end(self, pos: int, close: str) -> int:
        if close == "}":
            try:
                return self.braced(pos)
            except _ParseError:
                pass
        # BibTeX ignores an unbalanced @comment up to the end of its line
        nl = self.text.find("\n", pos)
        return self.n if nl < 0 else nl

    def expect_close(self, pos: int, close: str, what: str) -> int:
        pos = self.skip_ws(pos)
        if pos < self.n and self.text[pos] == ",":  # tolerated trailing comma
            pos = self.skip_ws(pos + 1)
        if pos < self.n and self.text[pos] == close:
            return pos + 1
        found = repr(self.text[pos]) if pos < self.n else "the end of the file"
        raise _ParseError(pos, f"expected '{close}' to close {what}, found {found}")

    def string_def(self, pos: int, close: str) -> tuple[int, str, str]:
        m = _FIELD_OPEN.match(self.text, pos)
        if not m:
            raise _ParseError(self.skip_ws(pos), "expected 'name = value' in @string")
        vstart = m.end()
        vend = self.value(vstart)
        end = self.expect_close(vend, close, "@string")
        return end, m.group(1), self.text[vstart:vend]

    def entry(self, start: int, etype: str, key: str, pos: int, close: str, line: int) -> tuple[Entry, int]:
        """The entry at ``start``, its key read (``pos`` is after it and the white space after it)."""
        text = self.text
        items: list[tuple[str, str, str | None, int]] = []
        if pos < self.n and text[pos] == close:
            return Entry(text[start : pos + 1], line, etype, key, items), pos + 1
        if pos >= self.n or text[pos] != ",":
            if pos < self.n and text[pos] == "=" :
                raise _ParseError(pos, "expected a citation key before the first field")
            found = repr(text[pos]) if pos < self.n else "the end of the file"
            raise _ParseError(pos, f"expected ',' after the key '{key}', found {found}")
        pos += 1
        simple, append = _SIMPLE_FIELD.match, items.append
        while True:
            # The common field first (its pattern skips the white space before it).
            sm = simple(text, pos)
            if sm:
                name, value, braced, quoted, bare = sm.groups()
                append((name, value, braced if braced is not None else quoted if quoted is not None
                        else bare if bare.isdigit() else None, sm.start(1) - start))
                pos = sm.end()
                continue
            pos = self.skip_ws(pos)
            if pos >= self.n:
                raise _ParseError(pos, f"the file ends before entry '{key}' is closed")
            if text[pos] == close:
                return Entry(text[start : pos + 1], line, etype, key, items), pos + 1
            m = _FIELD_OPEN.match(text, pos)
            if not m:
                nm = _NAME.match(text, pos)
                if nm:
                    after = self.skip_ws(nm.end())
                    found = repr(text[after]) if after < self.n else "the end of the file"
                    raise _ParseError(after, f"expected '=' after field name '{nm.group()}', found {found}")
                raise _ParseError(pos, f"expected a field name or '{close}', found {text[pos]!r}")
            name = m.group(1)
            vstart = m.end()
            vend = self.value(vstart)
            value = text[vstart:vend]
            items.append((name, value, _literal_content(value), m.start(1) - start))
            pos = self.skip_ws(vend)
            if pos < self.n and text[pos] == ",":
                pos += 1
            elif pos < self.n and text[pos] == close:
                continue
            else:
                self.swallowed_fields(name, vstart, vend)
                found = repr(text[pos]) if pos < self.n else "the end of the file"
                raise _ParseError(pos, f"expected ',' or '{close}' after field '{name}', found {found}")

    def swallowed_fields(self, name: str, vstart: int, vend: int) -> None:
        """A value that runs over lines looking like ``field = ...`` lost its closing brace or quote.

        Then the error is reported where that value starts, naming the fields it
        took in, rather than where the parser finally noticed (often the end of
        the file or the next entry).
        """
        inner = _SWALLOWED.findall(self.text, vstart, vend)
        if inner:
            names = ", ".join(f"'{n}'" for n in dict.fromkeys(inner))
            opener = "quote" if self.text[vstart] == '"' else "'}'"
            raise _ParseError(vstart, f"the value of '{name}' takes in the lines of field(s) {names}: "
                                      f"a closing {opener} is probably missing here")

    def recover(self, err_pos: int, start: int) -> int:
        """Where parsing resumes after a broken block: the next '@' that starts a line."""
        m = re.compile(r"\n[ \t]*@").search(self.text, max(err_pos, start + 1))
        return m.start() + 1 if m else self.n


def parse(text: str, path: str = "<string>") -> BibFile:
    """Split BibTeX text into blocks; never raises for bad input."""
    body, had_bom = strip_boms(text)
    if had_bom:  # the mark(s): a block of their own, so the file is written back with them
        bf = _Reader(body, path).parse()
        bf.blocks.insert(0, Text(text[: len(text) - len(body)], 1))
        return bf
    return _Reader(text, path).parse()


def read_file(path) -> tuple[str, str]:
    """A .bib file's text and encoding (`encoding.decode`: by byte-order mark, strict
    UTF-8, or Windows-1252 for a file without any UTF-8); `EncodingError` otherwise."""
    with open(path, "rb") as fh:
        data = fh.read()
    return decode(data, str(path))


def read_text(path) -> str:
    return read_file(path)[0]


def parse_file(path) -> BibFile:
    text, encoding = read_file(path)
    bf = parse(text, str(path))
    bf.encoding = encoding
    if encoding != UTF8:
        bf.problems.append(Problem(str(path), 1, 1, "B006",
                                   f"not UTF-8: read as {describe(encoding)}, and written back as "
                                   f"{describe(encoding)}", "warning"))
    return bf


# -- literals -------------------------------------------------------------------

_NUMBER = re.compile(r"\d+")


def _literal_content(value: str) -> str | None:
    """Inner text of ``{...}``, ``"..."`` or a bare number; None for expressions."""
    if not value:
        return ""
    c = value[0]
    if c == "{" and value[-1] == "}" and _closes_at_end(value):
        return value[1:-1]
    if c == '"' and value[-1] == '"' and len(value) > 1 and _quote_closes_at_end(value):
        return value[1:-1]
    if _NUMBER.fullmatch(value):
        return value
    return None


def _closes_at_end(value: str) -> bool:
    depth = 0
    for m in _BRACES.finditer(value):
        depth += 1 if m.group() == "{" else -1
        if depth == 0:
            return m.end() == len(value)
    return False


def _quote_closes_at_end(value: str) -> bool:
    depth = 0
    for m in _QUOTE_OR_BRACE.finditer(value, 1):
        c = m.group()
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0:
            return m.end() == len(value)
    return False


# -- entries <-> references ------------------------------------------------------


#: Field names as written -> in lower case.  A library uses a few dozen names thousands of
#: times: each is lower-cased once, and every reference shares the one string (its hash computed).
_LOWER_NAMES: dict[str, str] = {}


def entry_to_reference(entry: Entry) -> tuple[Reference, list[str]]:
    """Convert an entry; returns the reference and the names of renamed duplicates.

    Field names are lower-cased (BibTeX ignores their case).  A field given
    twice keeps its first value under its name and each further value under
    ``name-2``, ``name-3``...: nothing is dropped, and the caller reports it.
    """
    ref = Reference(entry.key, entry.entry_type.lower())
    renamed: list[str] = []
    fields = ref.fields
    next_copy: dict[str, int] = {}  # the next free name-N (a name given 20,000 times stays linear)
    known = _LOWER_NAMES.get
    for name, value, lit, _ in entry.items:
        low = known(name)
        if low is None:
            low = name.lower()
            if len(_LOWER_NAMES) < 10_000:
                _LOWER_NAMES[name] = low
        name = low
        if name in fields:
            n = next_copy.get(name, 2)
            while f"{name}-{n}" in fields:
                n += 1
            next_copy[name] = n + 1
            renamed.append(name)
            name = f"{name}-{n}"
        if lit is None:
            fields[name] = value
            ref.expressions.add(name)
        else:
            fields[name] = lit
    return ref, renamed


#: Canonical field order for written entries; other fields follow in their order.
FIELD_ORDER = (
    "author", "editor", "translator", "bookauthor", "title", "subtitle", "shorttitle",
    "booktitle", "journal", "journaltitle", "series", "edition", "volume", "number", "issue",
    "chapter", "pages", "eid", "publisher", "institution", "school", "organization", "address",
    "location", "howpublished", "type", "year", "month", "day", "date", "urldate", "doi", "pmid",
    "pmcid", "eprint", "eprinttype", "isbn", "issn", "url", "language", "note", "addendum",
    "abstract", "keywords", "annotation", "provenance", "file", "ids", "remote-ids",
)
_ORDER_INDEX = {name: i for i, name in enumerate(FIELD_ORDER)}


def ordered_fields(fields: dict[str, str]) -> list[str]:
    """Known fields in canonical order, then the rest in their existing order; a
    renamed duplicate (``note-2``, see `entry_to_reference`) right after its field."""
    return list(_field_order(tuple(fields)))


@lru_cache(maxsize=2048)
def _field_order(names: tuple[str, ...]) -> tuple[str, ...]:
    """`ordered_fields` of the names in this order, remembered: a library's entries come
    in a few shapes (the same fields from the same exporter), so each shape is sorted once."""
    index = _ORDER_INDEX
    order = [f for f in names if f in index]
    order.sort(key=index.__getitem__)
    order += [f for f in names if f not in index]
    present = set(names)
    copies: dict[str, list[tuple[int, str]]] = {}
    for name in names:
        if name[-1:].isdecimal():  # name-2: the name before the last "-" and its number after it
            base, dash, number = name.rpartition("-")
            if base and number.isdecimal() and base in present:
                copies.setdefault(base, []).append((int(number), name))
    if not copies:
        return tuple(order)
    moved = {name for group in copies.values() for _, name in group}
    out: list[str] = []
    for name in order:
        if name not in moved:
            out.append(name)
            group = copies.get(name)
            if group:
                _emit_copies(out, group, copies)
    return tuple(out)


def _emit_copies(out: list[str], group: list[tuple[int, str]], copies) -> None:
    """A field's copies in number order, each followed by its own copies (isbn-13-2 after isbn-13)."""
    if len(group) > 1:
        group = sorted(group)
    for _, copy in group:
        out.append(copy)
        more = copies.get(copy)
        if more:
            _emit_copies(out, more, copies)


def format_value(content: str, is_expression: bool = False) -> str:
    if is_expression:
        return content
    # Unbalanced braces can only come from outside BibTeX (and `render_entry`
    # refuses them): a stray brace is spelled as text, never left to close the entry.
    return "{" + bibsafe.balance(content) + "}"


def _balanced(content: str) -> bool:
    depth = 0
    for m in _BRACES.finditer(content):
        depth += 1 if m.group() == "{" else -1
        if depth < 0:
            return False
    return depth == 0


def render_entry(ref: Reference, order: list[str] | None = None, indent: str = "  ") -> str:
    """An entry in the library's canonical layout (one field per line).

    Raises `bibsafe.UnsafeEntry` for an entry that would not read back as it
    is (a type, key or field name outside BibTeX's syntax, an unbalanced
    value, an expression that is not one): nothing from outside may open a block.
    """
    bibsafe.check_entry(ref)
    names = order if order is not None else list(ref.fields)
    lines = [f"@{ref.type}{{{ref.key},"]
    body = [
        f"{indent}{name} = {format_value(ref.fields[name], name in ref.expressions)}"
        for name in names
    ]
    lines.append(",\n".join(body))
    lines.append("}")
    return "\n".join(lines) if body else f"@{ref.type}{{{ref.key},\n}}"


def render_string(name: str, value: str) -> str:
    return f"@string{{{name} = {value}}}"
