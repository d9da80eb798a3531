"""EndNote tagged / refer (``.enw``: ``%0 Journal Article``, ``%A Name``) -> `Reference`.

A record starts at ``%0`` (its type) and runs to a blank line or the next
``%0``; a line without ``%`` continues the value before it.  Tags with no place
in the model are kept as ``import-enw-<tag>`` (``%`` signs spelled out:
``%@`` -> ``import-enw-at``).
"""

from __future__ import annotations

import re

from ..normalize import identifiers as ids
from .records import Builder, ImportProblem, ReadResult, clean_doi, decode_bytes

FORMAT = "enw"

TYPES = {
    "journal article": "article", "journal": "article", "magazine article": "article",
    "newspaper article": "article", "book": "book", "edited book": "book", "book section": "incollection",
    "conference paper": "inproceedings", "conference proceedings": "inproceedings", "conference": "inproceedings",
    "report": "report", "thesis": "phdthesis", "web page": "online", "electronic article": "article",
    "generic": "misc", "unpublished work": "unpublished", "patent": "patent",
}
#: Tag -> (kind, field).
FIELDS = {
    "%T": ("text", "title"), "%J": ("text", "journal"), "%B": ("container", ""), "%S": ("text", "series"),
    "%A": ("person", "author"), "%E": ("person", "editor"), "%H": ("person", "translator"),
    "%D": ("year", ""), "%V": ("text", "volume"), "%N": ("text", "number"), "%P": ("pages", ""),
    "%I": ("publisher", ""), "%C": ("text", "address"), "%7": ("text", "edition"),
    "%U": ("url", ""), "%R": ("doi", ""), "%X": ("text", "abstract"), "%G": ("text", "language"),
    "%@": ("isbn-or-issn", ""), "%!": ("text", "shorttitle"),
}
#: Tag characters that cannot be part of a field name.
TAG_NAMES = {"@": "at", "!": "bang", "[": "lbracket", "]": "rbracket", "=": "eq", "~": "tilde",
             "&": "amp", "(": "lparen", ")": "rparen", "*": "star", "+": "plus", "^": "caret",
             "#": "hash", "$": "dollar", "?": "q", "0": "0"}
LIST_TAGS = frozenset({"K"})
_LINE = re.compile(r"^(%\S)(?: (.*))?$")


def read_text(text: str, path: str = "<string>") -> ReadResult:
    result = ReadResult(path, FORMAT)
    record: list[list] = []

    def close():
        nonlocal record
        if record and all(t == "%0" for _, t, _ in record):
            result.problems.append(ImportProblem(
                path, record[0][0], f"record holds only its type ('%0 {record[0][2]}'); nothing to read"))
        elif record:
            if record[0][1] != "%0":
                result.problems.append(ImportProblem(path, record[0][0], "record does not start with '%0 <type>'; "
                                                     "read as @misc"))
            result.references.append(_record(record))
            result.lines.append(record[0][0])
        record = []

    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            close()
            continue
        m = _LINE.match(line.rstrip())
        if m:
            if m.group(1) == "%0" and record:
                close()
            record.append([n, m.group(1), (m.group(2) or "").strip()])
        elif record:
            record[-1][2] = (record[-1][2] + " " + line.strip()).strip()
        else:
            result.problems.append(ImportProblem(path, n, f"not an EndNote tagged line: {line.strip()[:60]!r}; "
                                                 "ignored"))
    close()
    return result


def read_bytes(data: bytes, path: str = "<string>") -> ReadResult:
    return read_text(decode_bytes(data), path)


def _tag_name(tag: str) -> str:
    c = tag[1]
    return c if c.isalnum() else TAG_NAMES.get(c, f"x{ord(c):02x}")


def _record(record) -> object:
    b = Builder(FORMAT, LIST_TAGS)
    kind0 = record[0][2] if record[0][1] == "%0" else ""
    btype = TYPES.get(kind0.lower(), "misc")
    if kind0 and kind0.lower() not in TYPES:
        b.keep("0", kind0)
    for _, tag, value in record:
        if tag == "%0" or not value:
            continue
        kind, field = FIELDS.get(tag, ("keep", ""))
        name = _tag_name(tag)
        if kind == "text":
            b.text(field, value, name)
        elif kind == "person":
            b.person(field, value)
        elif kind == "container":
            target = {"article": "journal", "incollection": "booktitle", "inproceedings": "booktitle"}.get(btype)
            if target:
                b.text(target, value, name)
            else:
                b.keep(name, value)
        elif kind == "year":
            m = re.fullmatch(r"\s*(\d{4})\s*", value)
            if m and "year" not in b.fields:
                b.date(m.group(1))
            else:
                b.keep(name, value)
        elif kind == "pages":
            if "pages" in b.fields:
                b.keep(name, value)
            else:
                b.pages(value)
        elif kind == "publisher":
            b.text("school" if btype == "phdthesis" else "institution" if btype == "report" else "publisher",
                   value, name)
        elif kind == "url":
            if "url" not in b.fields:
                b.text("url", value, name)
            else:
                b.keep(name, value)
        elif kind == "doi":
            if not clean_doi(value):
                b.keep(name, value)
            else:
                b.doi(value, name)
        elif kind == "isbn-or-issn":
            if ids.isbn13(value):
                b.identifier("isbn", value, name)
            elif ids.format_issn(value):
                b.identifier("issn", ids.format_issn(value), name)
            else:
                b.keep(name, value)
        else:
            b.keep(name, value)
    return b.build(btype)


def sniff(text: str) -> bool:
    head = text.lstrip("\ufeff")[:4000]
    return bool(re.search(r"^%0(?: |$)", head, re.M)) or bool(re.match(r"\s*%[A-Z0-9] ", head))
