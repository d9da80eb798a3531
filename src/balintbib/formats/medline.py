"""MEDLINE / PubMed "PubMed format" (.nbib) -> `Reference`.

A line is a tag of up to four letters padded to four, then ``- `` and the
value (``PMID- 28754806``, ``TI  - ...``); a line starting with spaces
continues the value; blank lines separate records (a record may start with
``PMC -`` rather than ``PMID-``).  ``FAU``/``AU`` give authors (full name first;
``AD``/``AUID`` belong to the author before them), ``CN`` a group author.
The DOI comes from ``LID``/``AID`` (``... [doi]``), deduplicated.  Pages are kept
as PubMed writes them (``169-76``).  Every tag with no place in the model is kept
as ``import-medline-<tag>`` (MeSH, publication types, history, comments...).
"""

from __future__ import annotations

import re
import sys

from ..model import Person
from ..normalize import identifiers as ids
from ..latex import text_to_latex
from .records import (Builder, ImportProblem, LineHeads, Memo, ReadResult, clean_doi, clean_pmcid, decode_bytes,
                      month_number, person_from_text, written_name, written_person)

FORMAT = "medline"

#: Tag -> (kind, target).  Unlisted tags are kept (``import-medline-<tag>``).
FIELDS = {
    "PMID": ("pmid", ""), "PMC": ("pmcid", ""),
    "TI": ("text", "title"), "BTI": ("booktitle", ""), "CTI": ("text", "series"),
    "AB": ("text", "abstract"),
    "FAU": ("fau", ""), "AU": ("au", ""), "CN": ("cn", ""),
    "AD": ("affiliation", ""), "AUID": ("affiliation", ""),
    "FED": ("editor", ""), "ED": ("editor-short", ""),
    "JT": ("text", "journal"), "TA": ("text", "shortjournal"),
    "IS": ("issn", ""), "ISBN": ("isbn", ""),
    "VI": ("text", "volume"), "IP": ("text", "number"), "PG": ("pages", ""),
    "DP": ("date", ""),
    "LID": ("articleid", ""), "AID": ("articleid", ""),
    "LA": ("text", "language"),
    "PB": ("text", "publisher"), "PL": ("keep", ""), "PT": ("publication-type", ""),
}
#: Kept tags whose values form one list (joined with "; ").
LIST_TAGS = frozenset({"MH", "OT", "PT", "RN", "SB", "GR", "PHST", "OTO", "SI"})
#: Publication types that make a record something other than a journal article.
BOOK_TYPES = {"book": "book", "book chapter": "incollection", "congress": "inproceedings"}

_LINE = re.compile(r"^([A-Z][A-Z0-9]{1,3}) {0,3}- ?(.*)$")
_KEEP = ("keep", "")
_PMID = re.compile(r"\d{1,9}")
_ARTICLE_ID = re.compile(r"(.*?)\s*\[(\w+)\]\s*")
_GIVEN_WORDS = re.compile(r"[\s-]+")
_INITIALS = re.compile(r"[A-Z]{1,6}")
_YEAR = re.compile(r"\d{4}")


def _head_tag(head: str) -> str | None:
    """The tag of a line starting with `head` (its first six characters) in the common
    ``TAG - `` form (what `_LINE` reads), None for any other line."""
    tag = head[:4].rstrip(" ")
    if (head[4:6] == "- " and len(tag) > 1 and tag.isascii() and tag.isalnum() and tag.isupper()
            and tag[0].isalpha()):
        return sys.intern(tag)  # the mapping compares and looks up tags many times
    return None


_HEADS = LineHeads(_head_tag)


def read_text(text: str, path: str = "<string>") -> ReadResult:
    result = ReadResult(path, FORMAT)
    values = _Values()
    record: list[tuple[str, str]] = []  # (tag, value)
    start = 0  # the line the record starts on
    heads = _HEADS
    for n, line in enumerate(text.splitlines(), 1):
        tag = heads[line[:6]]
        if tag is not None:  # the common case, fast
            value = line[6:].strip()
        elif not line or line.isspace():
            if record:
                _close(record, start, values, result)
                record = []
            continue
        elif line[0] == " ":  # a continuation line
            tag = None
        else:
            m = _LINE.match(line.rstrip())
            tag, value = (m.group(1), m.group(2).strip()) if m else (None, "")
        if tag is not None:
            if (tag == "PMID" or tag == "PMC") and any(t == tag for t, _ in record):
                _close(record, start, values, result)  # a new record without a blank line before it
                record = []
            if not record:
                start = n
            record.append((tag, value))
        elif line.startswith(" ") and record:
            tag, value = record[-1]
            record[-1] = (tag, (value + " " + line.strip()).strip())
        else:
            result.problems.append(ImportProblem(
                path, n, f"not a MEDLINE line (expected 'TAG - value'): {line.strip()[:60]!r}; kept"))
            if not record:
                start = n
            record.append(("?", line.strip()))  # kept as import-medline-line
    if record:
        _close(record, start, values, result)
    return result


def read_bytes(data: bytes, path: str = "<string>") -> ReadResult:
    return read_text(decode_bytes(data), path)


def _close(record: list[tuple[str, str]], start: int, values: _Values, result: ReadResult) -> None:
    if not any(t != "?" for t, _ in record):
        return  # only unreadable lines: reported already, nothing to read
    result.references.append(_record(record, values))
    result.lines.append(start)


class _Values:
    """Readings of values that repeat in a file (authors' names, ISSNs, dates), each read once."""

    def __init__(self):
        self.full_names = Memo(_full_name)
        self.short_names = Memo(lambda value: written_person(_short_name(value)))
        self.issns = Memo(lambda value: ids.format_issn(value.split("(")[0]))
        self.dates = Memo(_read_date)


def _record(record: list[tuple[str, str]], values: _Values) -> object:
    b = Builder(FORMAT, LIST_TAGS)
    # {"name": as written, "full", "short", "extra": [(tag, value)], "expected": the AU its FAU implies}
    authors: list[dict] = []
    editors: list[Person] = []
    book_type = None  # from the first publication type that is not an article's
    has_bti = False
    for tag, value in record:
        if not value:
            has_bti = has_bti or tag == "BTI"
            continue
        kind, target = FIELDS.get(tag, _KEEP)
        if kind == "keep":  # the most common kind first
            b.keep(tag, value)
        elif kind == "publication-type":
            b.keep(tag, value)
            if book_type is None:
                book_type = BOOK_TYPES.get(value.lower())
        elif kind == "text":
            b.text(target, value, tag)
        elif kind == "fau":
            name, short = values.full_names[value]
            authors.append({"name": name, "full": value, "short": None, "extra": [], "expected": short})
        elif kind == "au":
            if authors and authors[-1]["short"] is None and authors[-1]["full"] is not None:
                authors[-1]["short"] = value
                if value.strip() != authors[-1]["expected"]:
                    authors[-1]["extra"].append(("AU", value))
                continue
            authors.append({"name": values.short_names[value], "full": None, "short": value, "extra": []})
        elif kind == "affiliation":
            if authors:
                authors[-1]["extra"].append((tag, value))
            else:
                b.keep(tag, value)
        elif kind == "booktitle":  # a chapter's book title when the record has a title, else the book's title
            has_bti = True
            b.text("booktitle" if _has(record, "TI") else "title", value, tag)
        elif kind == "pmid":
            if _PMID.fullmatch(value):
                b.identifier("pmid", value, tag)
            else:
                b.keep(tag, value)
        elif kind == "pmcid":
            pmcid = clean_pmcid(value)
            if pmcid:
                b.identifier("pmcid", pmcid, tag)
            else:
                b.keep(tag, value)
        elif kind == "cn":
            authors.append({"name": written_person(Person(literal=_latex(value))), "full": value, "short": value,
                            "extra": []})
        elif kind == "editor":
            editors.append(person_from_text(value))
        elif kind == "editor-short":
            if not _has(record, "FED"):
                editors.append(_short_name(value))
            else:
                b.keep(tag, value)
        elif kind == "issn":
            issn = values.issns[value]
            if issn and "issn" not in b.fields:
                b.fields["issn"] = issn
                if "(" in value:
                    b.keep(tag, value)  # the kind: (Print), (Electronic), (Linking)
            else:
                b.keep(tag, value)
        elif kind == "isbn":
            if ids.isbn13(value):
                b.identifier("isbn", value, tag)
            else:
                b.keep(tag, value)
        elif kind == "pages":
            if "pages" in b.fields:
                b.keep(tag, value)
            else:
                b.pages(value)
        elif kind == "date":
            if not _date(b, values.dates[value]):
                b.keep(tag, value)
        elif kind == "articleid":
            m = _ARTICLE_ID.fullmatch(value)
            doi = clean_doi(m.group(1)) if m and m.group(2).lower() == "doi" else None
            if doi:
                if "doi" not in b.fields:
                    b.fields["doi"] = doi
                elif ids.doi_key(b.fields["doi"]) != doi.lower():
                    b.keep(tag, value)
            else:
                b.keep(tag, value)
        else:
            b.keep(tag, value)
    for a in authors:
        b.person("author", a["name"], written=True)
        name = a["full"] or a["short"]
        for tag, value in a["extra"]:
            b.keep(tag, f"{name}: {value}")
    for e in editors:
        b.person("editor", e)
    if has_bti:
        return b.build("incollection" if _has(record, "TI") else "book")
    return b.build(book_type or "article")


def _has(record: list[tuple[str, str]], tag: str) -> bool:
    return any(t == tag for t, _ in record)


def _full_name(value: str) -> tuple[str | None, str]:
    """A ``FAU`` value as written in a name list, and the ``AU`` that goes with it (`_short_form`).
    PubMed writes a full name without a comma only for a one-name author (a mononym)."""
    name = written_name(value) if "," in value else written_person(Person(literal=_latex(value.strip())))
    return name, _short_form(value)


def _latex(text: str) -> str:
    return text_to_latex(text)


def _short_form(full: str) -> str:
    """PubMed's ``AU`` for a ``FAU``: ``Brinjikji, Waleed`` -> ``Brinjikji W``."""
    family, _, given = full.partition(",")
    # given names split at white space and hyphens (str.split alone when there is no hyphen)
    words = given.split() if "-" not in given else _GIVEN_WORDS.split(given.strip())
    initials = "".join([w[0] for w in words if w])
    return f"{family.strip()} {initials}".strip()


def _short_name(value: str) -> Person:
    """``Brinjikji W`` -> family Brinjikji, given W (PubMed's short form)."""
    words = value.split()
    if len(words) >= 2 and _INITIALS.fullmatch(words[-1]):
        return Person(family=_latex(" ".join(words[:-1])), given=_latex(words[-1]))
    return Person(literal=_latex(value))


def _read_date(value: str) -> tuple[str, int | None, str | None, bool] | None:
    """``2018 Apr``, ``2020 May 23``, ``2013 06 10``, ``2020`` as (year, month, day, True);
    the rest (``2019 Mar-Apr``, ``2018 Spring``) with False (kept), its year still used;
    None without a year."""
    words = value.split()
    if not words or not _YEAR.fullmatch(words[0]):
        return None
    month = month_number(words[1]) if len(words) > 1 else None
    day = words[2] if len(words) > 2 and words[2].isdigit() else None
    exact = len(words) == 1 or (month is not None and (len(words) == 2 or (len(words) == 3 and day)))
    return words[0], month, day if month else None, bool(exact)


def _date(b: Builder, date) -> bool:
    """Set the date `_read_date` read; False when the value is to be kept."""
    if date is None:
        return False
    year, month, day, exact = date
    b.date(year, month, day)
    return exact


def sniff(text: str) -> bool:
    head = text.lstrip("\ufeff")[:4000]
    return bool(re.search(r"^(?:PMID|PMC |OWN |STAT|TI  )- ?", head, re.M))
