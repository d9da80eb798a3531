"""EndNote XML (``<xml><records><record>``, EndNote and Bookends) -> `Reference`.

Every value may be wrapped in ``<style face=...>`` runs: they are joined,
italic/bold runs kept as LaTeX markup.  The type is read from the
``ref-type`` number first, its display name second (it may be localised).
``isbn`` holds an ISSN for journal articles; ``accession-num`` is a PMID when
the record came from PubMed/NLM (its database, or a PubMed link with that number).  Notes and research notes may be someone's
annotation: they are kept verbatim (``import-enx-notes``), never merged into
the society's ``annotation``.  Every element the mapping does not use is kept
as ``import-enx-<element>``.  Parsed with defusedxml.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

from ..latex import text_to_latex
from ..normalize import identifiers as ids
from .records import Builder, ImportProblem, ReadResult, clean_doi, decode_bytes, month_number, person_from_text
from .xmlrecords import Leftovers, local, parse, text_of

FORMAT = "enx"
RECORD_TAGS = ("record",)

#: ref-type number -> BibTeX type (EndNote's numbering; 17/6/27 seen in real exports).
TYPE_NUMBERS = {
    17: "article", 6: "book", 28: "book", 5: "incollection", 27: "report", 10: "inproceedings",
    47: "inproceedings", 32: "phdthesis", 12: "online", 13: "misc", 16: "misc", 19: "article",
    23: "article", 34: "unpublished", 25: "patent", 59: "dataset", 9: "software",
}
#: ref-type display name -> BibTeX type (fallback when the number is unknown).
TYPE_NAMES = {
    "journal article": "article", "book": "book", "edited book": "book", "book section": "incollection",
    "report": "report", "conference paper": "inproceedings", "conference proceedings": "inproceedings",
    "thesis": "phdthesis", "web page": "online", "generic": "misc", "magazine article": "article",
    "newspaper article": "article", "unpublished work": "unpublished", "patent": "patent",
    "dataset": "dataset", "computer program": "software", "electronic article": "article",
}
#: Element path -> field (the container title's field depends on the type: see `_container`).
TEXT_FIELDS = {
    "titles/title": "title",
    "titles/tertiary-title": "series",
    "titles/short-title": "shorttitle",
    "periodical/full-title": "journal",
    "periodical/abbr-1": "shortjournal",
    "pages": "pages",
    "volume": "volume",
    "number": "number",
    "edition": "edition",
    "publisher": "publisher",
    "pub-location": "address",
    "abstract": "abstract",
    "language": "language",
}
PEOPLE = {
    "contributors/authors": "author",
    "contributors/secondary-authors": "editor",
    "contributors/subsidiary-authors": "translator",
}
LIST_TAGS = frozenset({"keywords"})


def read_text(text: str, path: str = "<string>") -> ReadResult:
    result = ReadResult(path, FORMAT)
    for line, elem in parse(text, path, RECORD_TAGS, result.problems):
        ref = _record(elem, path, line, result)
        result.references.append(ref)
        result.lines.append(line)
    return result


def read_bytes(data: bytes, path: str = "<string>") -> ReadResult:
    return read_text(decode_bytes(data), path)


def styled(elem: Element | None) -> str:
    """BibTeX content of a value made of ``<style>`` runs (italic/bold kept as markup)."""
    if elem is None:
        return ""
    runs = elem.findall("style")
    if not runs:
        return text_to_latex(" ".join("".join(elem.itertext()).split()))
    out = []
    for run in runs:
        text = " ".join("".join(run.itertext()).split())
        if not text:
            continue
        content = text_to_latex(text)
        face = run.get("face", "normal")
        if "italic" in face:
            content = f"\\textit{{{content}}}"
        if "bold" in face:
            content = f"\\textbf{{{content}}}"
        out.append(content)
    return " ".join(" ".join(out).split())


def _record(rec: Element, path: str, line: int, result: ReadResult):
    b = Builder(FORMAT, LIST_TAGS)
    left = Leftovers()
    rt = rec.find("ref-type")
    btype = "misc"
    if rt is not None:
        number = int(text_of(rt)) if text_of(rt).isdigit() else None
        name = (rt.get("name") or "").strip()
        btype = TYPE_NUMBERS.get(number) or TYPE_NAMES.get(name.lower())
        left.use(rt)
        if btype is None:
            btype = "misc"
            result.problems.append(ImportProblem(path, line, f"unknown ref-type {number} ({name!r}); "
                                                 "read as @misc, kept in import-enx-ref-type"))
            b.keep("ref-type", f"{number} {name}".strip())
    for p, field in TEXT_FIELDS.items():
        e = rec.find(p)
        content = styled(e)
        if content:
            left.use(e)
            if field == "pages":
                b.pages(text_of(e))
            elif field in b.fields:
                b.keep(local(e.tag), text_of(e))
            else:
                b.raw(field, content)
    for parent in ("titles", "periodical"):
        left.use(rec.find(parent), deep=False)
    sec = rec.find("titles/secondary-title")
    if sec is not None and text_of(sec):
        left.use(sec)
        target = {"article": "journal", "incollection": "booktitle", "inproceedings": "booktitle",
                  "book": "series", "report": "series"}.get(btype)
        if target and target not in b.fields:
            b.raw(target, styled(sec))
        else:  # e.g. the abbreviation next to periodical/full-title
            b.keep("secondary-title", text_of(sec))
    for p, role in PEOPLE.items():
        group = rec.find(p)
        if group is None:
            continue
        left.use(group)
        for a in group.findall("author"):
            name = text_of(a)
            if name:
                b.person(role, person_from_text(name))
    left.use(rec.find("contributors"), deep=False)
    dates = rec.find("dates")
    if dates is not None:
        year = text_of(dates.find("year"))
        date_text = text_of(dates.find("pub-dates/date"))
        if re.fullmatch(r"\d{4}", year):
            left.use(dates.find("year"))
            month = day = None
            words = date_text.replace(",", " ").split()
            if words and month_number(words[0]):
                month = month_number(words[0])
                day = words[1] if len(words) > 1 and words[1].isdigit() else None
            b.date(year, month, day)
            if date_text:
                left.use(dates.find("pub-dates"))
                exact = month and len(words) <= 2 and (len(words) == 1 or day)
                if not exact:
                    b.keep("date", date_text)
        left.use(dates, deep=False)
    isbn = rec.find("isbn")
    if isbn is not None and text_of(isbn):
        left.use(isbn)
        value = text_of(isbn)
        found = ids.ISSN_IN_TEXT.findall(value) if btype == "article" else []
        if found:
            b.fields["issn"] = ids.format_issn(found[0])
            if value.strip() != found[0]:
                b.keep("isbn", value)
        elif ids.isbn13(value):
            b.identifier("isbn", value, "isbn")
        else:
            b.keep("isbn", value)
    ern = rec.find("electronic-resource-num")
    if ern is not None and text_of(ern):
        left.use(ern)
        b.doi(text_of(ern), "electronic-resource-num")
    acc = rec.find("accession-num")
    provider = " ".join(text_of(rec.find(t)) for t in ("remote-database-provider", "remote-database-name"))
    if acc is not None and text_of(acc):
        left.use(acc)
        value = text_of(acc)
        b.keep("accession-num", value)
        urls = " ".join(text_of(u) for u in rec.iter("url"))
        if value.isdigit() and (re.search(r"nlm|pubmed|medline", provider, re.I)
                                or re.search(rf"(?:pubmed|ncbi\.nlm\.nih\.gov/pubmed)/{value}\b", urls)):
            b.identifier("pmid", value, "accession-num")
    urls = rec.find("urls/related-urls")
    if urls is not None:
        left.use(urls)
        for u in urls.findall("url"):
            url = text_of(u)
            if url and "url" not in b.fields:
                b.text("url", url)
            elif url:
                b.keep("url", url)
        left.use(rec.find("urls"), deep=False)
    if "doi" not in b.fields:
        for tag in ("notes", "urls"):
            e = rec.find(tag)
            doi = clean_doi(text_of(e)) if e is not None and "doi" in text_of(e).lower() else None
            if doi:
                b.fields["doi"] = doi
                break
    kws = rec.find("keywords")
    if kws is not None:
        left.use(kws)
        for kw in kws.findall("keyword"):
            for part in "".join(kw.itertext()).splitlines():
                if part.strip():
                    b.keep("keywords", part.strip())
    left.keep(rec, b.keep)
    return b.build(btype)


def sniff(text: str) -> bool:
    head = text[:5000]
    return bool(re.search(r"<xml>\s*<records>", head)) or ("<records>" in head and "<record>" in head)
