"""RIS (Reference Manager, EndNote, Zotero, PubMed, Scopus exports) -> `Reference`.

A line is ``TAG  - value`` (a tag of two characters; one space before the
dash is accepted too); ``TY`` opens a record and ``ER`` closes it; a line
without a tag continues the value before it.  Both tag meanings are read: the
old spec (``N2`` abstract, ``Y1``) and the 2011 one (``AB`` abstract, ``DA``).
Every tag repeats; the first value of a single-valued field wins and the
others are kept (``import-ris-<tag>``).  Tags that have no place in the model
are kept the same way, so nothing of the file is lost.

The mapping is data: `TYPES` (RIS type -> BibTeX type) and `FIELDS` (tag ->
what it means), made concrete for each entry type by `_mapping` (``PB``, ``BT``,
``T2``, ``SN``, an edited book's authors); what depends on the record's source
(``ET`` in PubMed's export) is decided in `_record`, identifiers hidden in ``M3``,
``UR``, ``N1``, ``U1``/``U2``... are looked for in `_hidden_identifiers`.
"""

from __future__ import annotations

import re
import sys

from ..normalize import identifiers as ids
from .records import (Builder, ImportProblem, LineHeads, Memo, ReadResult, clean_doi, clean_pmcid, decode_bytes,
                      written_name)

FORMAT = "ris"

#: RIS reference type -> BibTeX entry type (unknown types: misc, the RIS type kept).
TYPES = {
    "JOUR": "article", "JFULL": "article", "EJOUR": "article", "INPR": "article", "MGZN": "article",
    "NEWS": "article", "ABST": "article",
    "BOOK": "book", "EBOOK": "book", "EDBOOK": "book", "CLSWK": "book", "SER": "book",
    "CHAP": "incollection", "ECHAP": "incollection",
    "CONF": "inproceedings", "CPAPER": "inproceedings",
    "THES": "phdthesis",
    "RPRT": "report", "GOVDOC": "report",
    "ELEC": "online", "WEB": "online", "BLOG": "online",
    "UNPB": "unpublished", "MANSCPT": "unpublished",
    "DATA": "dataset", "DBASE": "dataset", "AGGR": "dataset",
    "COMP": "software",
    "PAT": "patent",
    "STAND": "standard",
    "ENCYC": "inreference", "DICT": "inreference",
    "GEN": "misc", "PAMP": "booklet", "CTLG": "misc",
}

#: Tag -> (kind, target).  Kinds: text (a BibTeX field), person (a name role),
#: date, pages-first/pages-last, doi, url, issn-or-isbn, edition, urldate, pmcid,
#: keep (an import field; identifiers in it are looked for in `_hidden_identifiers`);
#: booktitle, container, publisher: made text or keep for each entry type by `_mapping`.
FIELDS = {
    "TI": ("text", "title"), "T1": ("text", "title"), "CT": ("text", "title"),
    "BT": ("booktitle", ""),
    "T2": ("container", ""),
    "JO": ("text", "journal"), "JF": ("text", "journal"), "JA": ("text", "shortjournal"),
    "J1": ("text", "shortjournal"), "J2": ("text", "shortjournal"),
    "T3": ("text", "series"),
    "AU": ("person", "author"), "A1": ("person", "author"), "A2": ("person", "editor"),
    "ED": ("person", "editor"), "A4": ("person", "translator"),
    "PY": ("date", ""), "Y1": ("date", ""), "DA": ("date", ""),
    "Y2": ("urldate", ""),
    "VL": ("text", "volume"), "IS": ("text", "number"),
    "SP": ("pages-first", ""), "EP": ("pages-last", ""),
    "SN": ("issn-or-isbn", ""),
    "DO": ("doi", ""),
    "UR": ("url", ""),
    "AB": ("text", "abstract"), "N2": ("text", "abstract"),
    "PB": ("publisher", ""), "CY": ("text", "address"),
    "ET": ("edition", ""), "LA": ("text", "language"), "ST": ("text", "shorttitle"),
    "C2": ("pmcid", ""),
}
#: Kept tags whose repeats form one list (joined with "; ").
LIST_TAGS = frozenset({"KW"})
_KEEP = ("keep", "")
#: Tags where identifiers hide (`_hidden_identifiers`): DOIs, PMIDs, PMCIDs.
_DOI_TAGS = frozenset({"M3", "UR", "N1", "L2", "AN", "U1", "U2", "U3", "U4", "U5", "ID"})
_PMID_TAGS = frozenset({"U1", "U2", "U3", "U4", "U5", "AN", "C2", "M2", "ID"})
_PMCID_TAGS = frozenset({"U1", "U2", "U3", "U4", "U5", "L2", "C2", "N1"})
HIDDEN_TAGS = _DOI_TAGS | _PMID_TAGS | _PMCID_TAGS

_LINE = re.compile(r"^([A-Z][A-Z0-9]) {1,2}-(?: (.*)|)$")


def _head_tag(head: str) -> str | None:
    """The tag of a line starting with `head` (its first six characters) in the common
    ``XX  - `` form, None for any other line (read by `_LINE`)."""
    tag = head[:2]
    # interned: the mapping compares and looks up tags many times
    return sys.intern(tag) if head[2:6] == "  - " and tag.isalnum() and tag.isupper() else None


_HEADS = LineHeads(_head_tag)


def read_text(text: str, path: str = "<string>") -> ReadResult:
    """Records are read in one pass over the lines: a tag line is ``(tag, value)`` in its
    record; a line without a tag continues the value before it, or is text between
    records (export headers such as ``Record #1 of 2``), ignored."""
    result = ReadResult(path, FORMAT)
    problems = result.problems
    values = _Values()
    record: list[tuple[str, str]] = []
    start = 0
    last = None  # the tag of the last tag line (None after text outside records)

    heads = _HEADS
    for n, line in enumerate(text.splitlines(), 1):
        tag = heads[line[:6]]
        if tag is not None:  # the common case, fast
            value = line[6:].strip()
        else:
            m = _LINE.match(line.rstrip())
            if m:
                tag, value = m.group(1), (m.group(2) or "").strip()
            else:
                more = line.strip()
                if more and last is not None and last != "ER":  # a continuation line
                    t, v = record[-1]
                    record[-1] = (t, (v + "\n" + more).strip())
                elif more:
                    last = None
                continue
        last = tag
        if tag == "ER":
            if not record:
                problems.append(ImportProblem(path, n, "'ER' with no record open; ignored"))
            else:
                _close(record, start, values, result)
                record = []
            continue
        if tag == "TY" and record and record[-1][0] != "TY":  # a record's TY lines come first
            problems.append(ImportProblem(
                path, start, "record has no 'ER  - ' line before the next 'TY'; read up to line "
                f"{n - 1}"))
            _close(record, start, values, result)
            record = []
        if not record:
            start = n
            if tag != "TY":
                problems.append(ImportProblem(
                    path, n, f"record starts with '{tag}', not 'TY  - '; read as @misc"))
        record.append((tag, value))
    if record:
        _close(record, start, values, result)
    return result


def _close(record: list[tuple[str, str]], start: int, values: _Values, result: ReadResult) -> None:
    result.references.append(_record(record, start, values, result))
    result.lines.append(start)


def read_bytes(data: bytes, path: str = "<string>") -> ReadResult:
    return read_text(decode_bytes(data), path)


#: ``T2`` by entry type (other types keep it).
_CONTAINER = {"article": "journal", "incollection": "booktitle", "inproceedings": "booktitle", "book": "series"}
_URLDATE = re.compile(r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})")
_SN_PARTS = re.compile(r"[;,]\s*|\s+(?=\d)")
_SLASH_DATE = re.compile(r"\d{4}/\d{2}/\d{2}")
_YEAR = re.compile(r"\d{4}")
_PMID_MARKED = re.compile(r"\s*(\d{1,9})\s*\[pmid\]\s*", re.I)
_ISSN_TYPES = frozenset({"article", "misc", "online", "unpublished"})
#: (entry type, whether AU/A1 are editors) -> `FIELDS` with the rules that depend on the type applied.
_MAPPINGS: dict[tuple[str, bool], dict[str, tuple[str, str]]] = {}


def _mapping(btype: str, edited_book: bool) -> dict[str, tuple[str, str]]:
    """`FIELDS` for one entry type: ``PB``, ``BT`` and ``T2`` as plain text fields (or kept),
    ``SN`` an ISSN first or an ISBN first, ``AU``/``A1`` editors of an edited book."""
    mapping = _MAPPINGS.get((btype, edited_book))
    if mapping is None:
        mapping = dict(FIELDS)
        mapping["PB"] = ("text", "school" if btype in ("phdthesis", "mastersthesis") else
                         "institution" if btype == "report" else "publisher")
        mapping["BT"] = ("text", "title" if btype == "book" else "booktitle")
        container = _CONTAINER.get(btype)
        mapping["T2"] = ("text", container) if container else _KEEP
        mapping["SN"] = ("issn-or-isbn", "issn" if btype in _ISSN_TYPES else "isbn")
        if edited_book:
            mapping["AU"] = mapping["A1"] = ("person", "editor")
        _MAPPINGS[(btype, edited_book)] = mapping
    return mapping


class _Values:
    """Readings of values that repeat in a file (names, ISSNs, dates), each read once per file."""

    def __init__(self):
        self.names = Memo(written_name)
        self.serials = Memo(_serial_numbers)
        self.dates = Memo(_read_date)


def _record(record: list[tuple[str, str]], start: int, values: _Values, result: ReadResult) -> object:
    b = Builder(FORMAT, LIST_TAGS)
    types = 0  # the record's TY lines (all at its start)
    while types < len(record) and record[types][0] == "TY":
        types += 1
    ris_type = record[0][1].strip().upper() if types else ""
    for _, extra in record[1:types]:
        b.keep("TY", extra)
    if types > 1:
        result.problems.append(ImportProblem(
            result.path, start, f"{types} 'TY' lines in one record; the first ({ris_type}) is used, "
            "the others are kept in import-ris-ty"))
    btype = TYPES.get(ris_type)
    if btype is None:
        btype = "misc"
        if ris_type:
            b.keep("TY", ris_type)
    pubmed = any((t == "DB" or t == "DP") and "pubmed" in v.lower() for t, v in record)
    mapping = _mapping(btype, ris_type == "EDBOOK")
    first_page = last_page = ""
    fields = b.fields
    hidden = []  # (tag, value) where identifiers may hide
    for tag, value in record[types:]:
        if not value:
            continue
        kind, target = mapping.get(tag, _KEEP)
        if kind == "text":
            b.text(target, value, tag)
        elif kind == "keep":
            b.keep(tag, value)
            if tag in HIDDEN_TAGS:
                hidden.append((tag, value))
        elif kind == "person":
            if "\n" in value:
                for name in value.split("\n"):
                    b.person(target, values.names[name], written=True)
            else:
                b.person(target, values.names[value], written=True)
        elif kind == "issn-or-isbn":
            for part, issn in values.serials[value]:
                if issn and target == "issn":
                    b.identifier("issn", issn, tag)
                elif ids.isbn13(part):
                    b.identifier("isbn", part.strip(), tag)
                elif issn:
                    b.identifier("issn", issn, tag)
                else:
                    b.keep(tag, part)
        elif kind == "date":
            if not _date(b, value, values.dates[value]):
                b.keep(tag, value)
        elif kind == "pages-first":
            if first_page:
                b.keep(tag, value)
            else:
                first_page = value
        elif kind == "pages-last":
            if last_page:
                b.keep(tag, value)
            else:
                last_page = value
        elif kind == "url":
            hidden.append((tag, value))
            for url in value.split():
                if "url" not in fields:
                    b.text("url", url, tag)
                else:
                    b.keep(tag, url)
        elif kind == "doi":
            b.doi(value, tag)
        elif kind == "edition":
            if pubmed or _SLASH_DATE.fullmatch(value):
                b.keep(tag, value)  # PubMed's RIS writes the e-pub date in ET
            else:
                b.text("edition", value, tag)
        elif kind == "urldate":
            m = _URLDATE.match(value)
            if m and "urldate" not in fields:
                b.raw("urldate", f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}")
                if value.strip().rstrip("/") != "/".join(m.groups()):
                    b.keep(tag, value)  # a time of day or other text after the date
            else:
                b.keep(tag, value)
        elif kind == "pmcid":
            hidden.append((tag, value))
            pmcid = clean_pmcid(value)
            if pmcid:
                b.identifier("pmcid", pmcid, tag)
            else:
                b.keep(tag, value)
        else:
            b.keep(tag, value)
    b.pages(first_page, last_page)
    if hidden:
        _hidden_identifiers(b, hidden, pubmed)
    return b.build(btype)


def _serial_numbers(value: str) -> tuple[tuple[str, str | None], ...]:
    """An ``SN`` value's parts, each with the ISSN it is (or None)."""
    return tuple((part, ids.format_issn(part)) for part in _SN_PARTS.split(value) if part.strip())


def _read_date(value: str) -> tuple[str, int | None, str, bool] | None:
    """``2001``, ``2001/09/01/``, ``2001///``, ``2001/00/00/other``, ``2018/03/01/`` as (year,
    month, day, whether that is all the value says); None if no year."""
    parts = value.split("/")
    year = parts[0].strip()
    if not _YEAR.fullmatch(year):
        return None
    month = parts[1].strip() if len(parts) > 1 else ""
    day = parts[2].strip() if len(parts) > 2 else ""
    other = "/".join(parts[3:]).strip()
    m = int(month) if month.isdigit() and 1 <= int(month) <= 12 else None
    # exact when nothing but year/month/day was given
    leftover = other or (month and not m and month not in ("00", "0")) or (day and not day.isdigit())
    return year, m, day, not leftover


def _date(b: Builder, value: str, date) -> bool:
    """Set the date `_read_date` read from `value`; False if the value is not all used."""
    if date is None:
        return False
    year, month, day, exact = date
    if "year" in b.fields:
        return b.fields["year"] == year and len(value.strip().rstrip("/")) == 4
    b.date(year, month, day if month else None)
    return exact


def _hidden_identifiers(b: Builder, hidden: list[tuple[str, str]], pubmed: bool) -> None:
    """DOI in M3/UR/N1/L2, PMID in AN (PubMed) or U1 ``[pmid]``, PMCID in U2/L2 (values stay kept)."""
    fields = b.fields
    for tag, value in hidden:
        if "doi" not in fields and tag in _DOI_TAGS:
            if tag == "UR" and not ids.doi_of_url(value.strip()) and "doi" not in value.lower():
                continue
            doi = clean_doi(value)
            if doi:
                fields["doi"] = doi
        if "pmid" not in fields and tag in _PMID_TAGS:
            m = _PMID_MARKED.fullmatch(value)
            if m or (tag == "AN" and pubmed and value.strip().isdigit()):
                fields["pmid"] = m.group(1) if m else value.strip()
        if "pmcid" not in fields and tag in _PMCID_TAGS:
            if (tag == "L2" or tag == "N1") and "pmc" not in value.lower():
                continue
            pmcid = clean_pmcid(value)
            if pmcid:
                fields["pmcid"] = pmcid


def sniff(text: str) -> bool:
    """True when the text looks like RIS (a ``TY  - `` line among the first ones)."""
    head = text.lstrip("\ufeff")[:4000]
    if re.search(r"^TY {1,2}- ", head, re.M):
        return True
    # the head first: the search through the whole text only for what looks like RIS
    return len(re.findall(r"^[A-Z][A-Z0-9]  - ", head, re.M)) >= 2 and _has_er_line(text)


_ER_LINE = re.compile(r"\nER {1,2}-")


def _has_er_line(text: str) -> bool:
    """An ``ER`` line anywhere in the text (``^ER {1,2}-`` with re.M: a pattern that starts
    with a literal is searched several times faster, which matters for a large MEDLINE file,
    whose tag lines look like RIS's)."""
    return text.startswith(("ER -", "ER  -")) or _ER_LINE.search(text) is not None
