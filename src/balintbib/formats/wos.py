"""Web of Science tagged ("Plain text" export: ``FN Clarivate...``, ``PT J``) -> `Reference`.

A line is a two-character tag, a space and the value; a line starting with
three spaces continues the field (for ``AU``/``AF``/``CR``/``C1`` each such line is
one more value); ``ER`` ends a record, ``EF`` the file.  Full author names come
from ``AF`` (``AU`` holds the short form); the DOI from ``DI``, the PMID from
``PM``, the accession number ``UT`` is kept.  Every other tag is kept as
``import-wos-<tag>`` (cited references ``CR`` included).
"""

from __future__ import annotations

import re

from ..normalize import identifiers as ids
from .records import Builder, ImportProblem, ReadResult, decode_bytes, month_number

FORMAT = "wos"

#: PT (publication type) -> BibTeX type; DT (document type) refines J.
TYPES = {"J": "article", "B": "book", "S": "incollection", "P": "patent", "C": "inproceedings"}
#: Tag -> (kind, field).  Unlisted tags are kept.
FIELDS = {
    "TI": ("text", "title"), "SO": ("text", "journal"), "JI": ("text", "shortjournal"),
    "LA": ("text", "language"), "AB": ("text", "abstract"), "VL": ("text", "volume"),
    "IS": ("text", "number"), "PU": ("text", "publisher"), "PI": ("text", "address"),
    "SE": ("text", "series"), "BS": ("text", "booktitle"), "AR": ("text", "eid"),
    "AF": ("authors", "author"), "AU": ("short-authors", "author"), "BE": ("authors", "editor"),
    "PY": ("year", ""), "PD": ("month", ""), "BP": ("page-first", ""), "EP": ("page-last", ""),
    "DI": ("doi", ""), "PM": ("pmid", ""), "SN": ("issn", ""), "BN": ("isbn", ""),
}
#: Tags whose continuation lines are separate values.
MULTI = frozenset({"AU", "AF", "BE", "CR", "C1", "CA", "GP"})
LIST_TAGS = frozenset({"DE", "ID", "WC", "SC"})


def read_text(text: str, path: str = "<string>") -> ReadResult:
    result = ReadResult(path, FORMAT)
    record: list[list] = []
    for n, line in enumerate(text.lstrip("\ufeff").splitlines(), 1):
        if not line.strip():
            continue
        if line.startswith("   ") and record:
            tag = record[-1][1]
            if tag in MULTI:
                record.append([n, tag, line.strip()])
            else:
                record[-1][2] += " " + line.strip()
            continue
        tag, value = line[:2], line[3:].strip()
        if not re.fullmatch(r"[A-Z][A-Z0-9]", tag) or (len(line) > 2 and line[2] != " "):
            result.problems.append(ImportProblem(path, n, f"not a Web of Science line: {line.strip()[:60]!r}; "
                                                 "ignored"))
            continue
        if tag in ("FN", "VR", "EF"):
            continue
        if tag == "ER":
            if record:
                result.references.append(_record(record))
                result.lines.append(record[0][0])
            record = []
            continue
        record.append([n, tag, value])
    if record:
        result.problems.append(ImportProblem(path, record[0][0], "record has no 'ER' line; read to the end"))
        result.references.append(_record(record))
        result.lines.append(record[0][0])
    return result


def read_bytes(data: bytes, path: str = "<string>") -> ReadResult:
    return read_text(decode_bytes(data), path)


def _record(record) -> object:
    b = Builder(FORMAT, LIST_TAGS)
    pt = next((v for _, t, v in record if t == "PT"), "")
    btype = TYPES.get(pt.strip().upper(), "misc")
    has_af = any(t == "AF" for _, t, _ in record)
    first = last = ""
    for _, tag, value in record:
        if not value:
            continue
        kind, field = FIELDS.get(tag, ("keep", ""))
        if tag == "PT" and pt.strip().upper() in TYPES:
            continue
        if kind == "text":
            b.text(field, value, tag)
        elif kind == "authors":
            b.person(field, value)
        elif kind == "short-authors":
            if has_af:
                b.keep(tag, value)  # the short form next to AF's full names
            else:
                b.person(field, value)
        elif kind == "year":
            if re.fullmatch(r"\d{4}", value):
                b.date(value)
            else:
                b.keep(tag, value)
        elif kind == "month":
            words = value.split()
            m = month_number(words[0]) if words else None
            if m and "year" in b.fields and "month" not in b.fields:
                from .records import MONTHS

                b.fields["month"] = MONTHS[m - 1]
                b.expressions.add("month")
                if len(words) == 2 and words[1].isdigit():
                    b.fields["day"] = str(int(words[1]))
                elif len(words) > 1:
                    b.keep(tag, value)
            else:
                b.keep(tag, value)
        elif kind == "page-first":
            first = value
        elif kind == "page-last":
            last = value
        elif kind == "doi":
            b.doi(value, tag)
        elif kind == "pmid":
            if value.isdigit():
                b.identifier("pmid", value, tag)
            else:
                b.keep(tag, value)
        elif kind == "issn":
            issn = ids.format_issn(value)
            if issn:
                b.identifier("issn", issn, tag)
            else:
                b.keep(tag, value)
        elif kind == "isbn":
            if ids.isbn13(value):
                b.identifier("isbn", value, tag)
            else:
                b.keep(tag, value)
        else:
            b.keep(tag, value)
    b.pages(first, last)
    return b.build(btype)


def sniff(text: str) -> bool:
    head = text.lstrip("\ufeff")[:2000]
    return bool(re.match(r"FN (?:Clarivate|Thomson|ISI)", head)) or bool(re.match(r"(?:FN .*\n)?(?:VR .*\n)?PT [A-Z]\n", head))
