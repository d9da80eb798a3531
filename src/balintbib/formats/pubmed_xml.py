"""PubMed XML (efetch ``retmode=xml``: ``PubmedArticleSet``) -> `Reference`.

Journal articles (``PubmedArticle``) and Bookshelf records
(``PubmedBookArticle``: a book, or a chapter when it has an ``ArticleTitle``).
Identifiers come from ``ArticleIdList`` first (pubmed, doi, pmc; the rest
kept), then ``ELocationID``.  Titles keep their ``<i>``/``<sup>`` markup as
LaTeX; MathML is kept as its text.  Every element the mapping does not use is
kept as one ``import-pubmed-<element>`` value (history, grants, references,
chemicals...), MeSH headings as a MEDLINE-style list (``*`` = major topic).
Parsed with defusedxml; the DOCTYPE is never fetched.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

from ..model import Person
from ..latex import text_to_latex
from ..normalize import identifiers as ids
from .records import Builder, ImportProblem, ReadResult, clean_doi, clean_pmcid, decode_bytes, month_number
from .xmlrecords import Leftovers, local, parse, rich_content, text_of

FORMAT = "pubmed"
RECORD_TAGS = ("PubmedArticle", "PubmedBookArticle")
#: ArticleId IdType -> field.
ARTICLE_IDS = {"pubmed": "pmid", "doi": "doi", "pmc": "pmcid"}
#: Simple paths (under MedlineCitation/Article or BookDocument/Book) -> field.
ARTICLE_TEXT = {
    "Journal/Title": "journal",
    "Journal/ISOAbbreviation": "shortjournal",
    "Journal/JournalIssue/Volume": "volume",
    "Journal/JournalIssue/Issue": "number",
    "Language": "language",
}
BOOK_TEXT = {
    "Publisher/PublisherName": "publisher",
    "Publisher/PublisherLocation": "address",
    "CollectionTitle": "series",
    "Volume": "volume",
    "Edition": "edition",
}
LIST_TAGS = frozenset({"publicationtypelist", "keywordlist", "mesh"})


def read_text(text: str, path: str = "<string>") -> ReadResult:
    result = ReadResult(path, FORMAT)
    for line, elem in parse(text, path, RECORD_TAGS, result.problems):
        ref = _record(elem)
        if ref is None:
            result.problems.append(ImportProblem(path, line, f"empty <{local(elem.tag)}>; nothing to read"))
            continue
        result.references.append(ref)
        result.lines.append(line)
    return result


def read_bytes(data: bytes, path: str = "<string>") -> ReadResult:
    return read_text(decode_bytes(data), path)


def _find(elem: Element | None, path: str) -> Element | None:
    return elem.find(path) if elem is not None else None


def _record(rec: Element):
    if not "".join(rec.itertext()).strip():
        return None
    b = Builder(FORMAT, LIST_TAGS)
    left = Leftovers()
    if local(rec.tag) == "PubmedBookArticle":
        btype = _book(rec, b, left)
    else:
        btype = _article(rec, b, left)
    _article_ids(rec, b, left)
    left.keep(rec, b.keep)
    return b.build(btype)


def _article_ids(rec: Element, b: Builder, left: Leftovers) -> None:
    for holder in (rec.find("PubmedData"), rec.find("BookDocument"), rec.find("PubmedBookData")):
        if holder is None:
            continue
        id_list = holder.find("ArticleIdList")
        if id_list is None:
            continue
        for aid in id_list.findall("ArticleId"):
            kind = aid.get("IdType", "")
            value = text_of(aid)
            target = ARTICLE_IDS.get(kind)
            if target == "doi" and clean_doi(value):
                left.use(aid)
                if "doi" not in b.fields:
                    b.fields["doi"] = clean_doi(value)
                elif ids.doi_key(b.fields["doi"]) != value.lower():
                    b.keep("articleid-doi", value)
            elif target == "pmcid" and clean_pmcid(value):
                left.use(aid)
                b.identifier("pmcid", clean_pmcid(value), "articleid-pmc")
            elif target == "pmid" and value.isdigit():
                left.use(aid)
                b.identifier("pmid", value, "articleid-pubmed")
        left.use(id_list, deep=False)


def _people(b: Builder, left: Leftovers, author_list: Element | None, role: str) -> None:
    if author_list is None:
        return
    left.use(author_list, deep=False)
    for a in author_list.findall("Author"):
        left.use(a, deep=False)
        coll = a.find("CollectiveName")
        if coll is not None:
            person = Person(literal=text_to_latex(text_of(coll)))
            left.use(coll)
        else:
            last, fore, initials, suffix = (a.find(t) for t in ("LastName", "ForeName", "Initials", "Suffix"))
            for e in (last, fore, initials, suffix):
                left.use(e)
            given = text_of(fore) or text_of(initials)
            if fore is not None and initials is not None and not _initials_match(text_of(fore), text_of(initials)):
                b.keep(f"{role}-initials", f"{text_of(last)}: {text_of(initials)}")
            if given or text_of(suffix):
                person = Person(family=text_to_latex(text_of(last)), given=text_to_latex(given),
                                suffix=text_to_latex(text_of(suffix)))
            else:  # PubMed gives no forename or initials only for a one-name author (a mononym)
                person = Person(literal=text_to_latex(text_of(last)))
        if person.literal or person.family:
            b.person(role, person)
        name = person.literal or f"{person.family}, {person.given}".strip(", ")
        for ident in a.findall("Identifier"):
            left.use(ident)
            b.keep(f"{role}-{ident.get('Source', 'id').lower()}", f"{name}: {text_of(ident)}")
        for aff in a.findall("AffiliationInfo"):
            left.use(aff)
            b.keep(f"{role}-affiliation", f"{name}: {text_of(aff)}")


def _initials_match(fore: str, initials: str) -> bool:
    derived = "".join(w[0] for w in re.split(r"[\s-]+", fore) if w)
    return derived.upper() == initials.replace(" ", "").upper()


def _date(b: Builder, left: Leftovers, pub_date: Element | None, tag: str) -> None:
    if pub_date is None:
        return
    left.use(pub_date)
    year, month, day = (text_of(pub_date.find(t)) for t in ("Year", "Month", "Day"))
    medline = text_of(pub_date.find("MedlineDate"))
    season = text_of(pub_date.find("Season"))
    if year:
        m = month_number(month) if month else None
        b.date(year, m, day if m else None)
        if (month and not m) or season:
            b.keep(tag, " ".join(x for x in (year, month, day, season) if x))
    elif medline:
        m = re.match(r"(\d{4})", medline)
        if m:
            b.date(m.group(1))
        b.keep(tag, medline)


def _article(rec: Element, b: Builder, left: Leftovers) -> str:
    cit = rec.find("MedlineCitation")
    art = _find(cit, "Article")
    if cit is None:
        cit = rec
    pmid = cit.find("PMID")
    if pmid is not None and text_of(pmid).isdigit():
        left.use(pmid)
        b.identifier("pmid", text_of(pmid), "pmid")
    if art is None:
        return "article"
    left.use(art, deep=False)
    title = art.find("ArticleTitle")
    if title is not None and text_of(title):
        left.use(title)
        b.raw("title", rich_content(title))
    for path, name in ARTICLE_TEXT.items():
        e = art.find(path)
        if e is not None and text_of(e):
            left.use(e)
            b.text(name, text_of(e), local(e.tag).lower())
    for e in ("Journal", "Journal/JournalIssue"):
        left.use(art.find(e), deep=False)
    issn = art.find("Journal/ISSN")
    if issn is not None and ids.format_issn(text_of(issn)):
        left.use(issn)
        b.fields["issn"] = ids.format_issn(text_of(issn))
        if issn.get("IssnType"):
            b.keep("issn-type", f"{text_of(issn)} ({issn.get('IssnType')})")
    _date(b, left, art.find("Journal/JournalIssue/PubDate"), "pubdate")
    pag = art.find("Pagination")
    if pag is not None:
        pgn = pag.find("MedlinePgn")
        if pgn is not None and text_of(pgn):
            left.use(pgn)
            b.pages(text_of(pgn))
        elif pag.find("StartPage") is not None:
            left.use(pag)
            b.pages(text_of(pag.find("StartPage")), text_of(pag.find("EndPage")))
        left.use(pag, deep=False)
    for loc in art.findall("ELocationID"):
        if loc.get("EIdType") == "doi" and clean_doi(text_of(loc)) and "doi" not in b.fields:
            left.use(loc)
            b.fields["doi"] = clean_doi(text_of(loc))
    _abstract(b, left, art.find("Abstract"))
    _people(b, left, art.find("AuthorList"), "author")
    mesh = cit.find("MeshHeadingList")
    if mesh is not None:
        left.use(mesh)
        for h in mesh.findall("MeshHeading"):
            parts = []
            for e in h:
                star = "*" if e.get("MajorTopicYN") == "Y" else ""
                parts.append(star + text_of(e))
            b.keep("mesh", "/".join(parts))
    for kw in cit.findall("KeywordList/Keyword"):
        left.use(kw)
    for kl in cit.findall("KeywordList"):
        left.use(kl, deep=False)
        for kw in kl.findall("Keyword"):
            b.keep("keywordlist", text_of(kw))
    for pt in art.findall("PublicationTypeList/PublicationType"):
        left.use(pt)
        b.keep("publicationtypelist", text_of(pt))
    left.use(art.find("PublicationTypeList"), deep=False)
    left.use(cit, deep=False)
    return "article"


def _abstract(b: Builder, left: Leftovers, abstract: Element | None) -> None:
    if abstract is None:
        return
    left.use(abstract, deep=False)
    parts = []
    for t in abstract.findall("AbstractText"):
        left.use(t)
        content = rich_content(t)
        label = t.get("Label")
        parts.append(f"{text_to_latex(label)}: {content}" if label else content)
    if parts:
        b.raw("abstract", " ".join(p for p in parts if p))


def _book(rec: Element, b: Builder, left: Leftovers) -> str:
    doc = rec.find("BookDocument")
    if doc is None:
        return "book"
    left.use(doc, deep=False)
    pmid = doc.find("PMID")
    if pmid is not None and text_of(pmid).isdigit():
        left.use(pmid)
        b.identifier("pmid", text_of(pmid), "pmid")
    book = doc.find("Book")
    chapter = doc.find("ArticleTitle")
    btype = "incollection" if chapter is not None and text_of(chapter) else "book"
    if btype == "incollection":
        left.use(chapter)
        b.raw("title", rich_content(chapter))
    if book is not None:
        left.use(book, deep=False)
        bt = book.find("BookTitle")
        if bt is not None:
            left.use(bt)
            b.raw("booktitle" if btype == "incollection" else "title", rich_content(bt))
            if bt.get("book"):
                b.keep("booktitle-id", bt.get("book"))
        for path, name in BOOK_TEXT.items():
            e = book.find(path)
            if e is not None and text_of(e):
                left.use(e)
                b.text(name, text_of(e), local(e.tag).lower())
        left.use(book.find("Publisher"), deep=False)
        _date(b, left, book.find("PubDate"), "pubdate")
        for isbn in book.findall("Isbn"):
            left.use(isbn)
            if ids.isbn13(text_of(isbn)):
                b.identifier("isbn", text_of(isbn), "isbn")
            else:
                b.keep("isbn", text_of(isbn))
        for loc in book.findall("ELocationID"):
            if loc.get("EIdType") == "doi" and clean_doi(text_of(loc)) and "doi" not in b.fields:
                left.use(loc)
                b.fields["doi"] = clean_doi(text_of(loc))
        for al in book.findall("AuthorList"):
            _people(b, left, al, "editor" if al.get("Type") == "editors" else "author")
    for al in doc.findall("AuthorList"):
        _people(b, left, al, "editor" if al.get("Type") == "editors" else "author")
    _abstract(b, left, doc.find("Abstract"))
    lang = doc.find("Language")
    if lang is not None:
        left.use(lang)
        b.text("language", text_of(lang), "language")
    pag = doc.find("Pagination/MedlinePgn")
    if pag is not None:
        left.use(pag)
        left.use(doc.find("Pagination"), deep=False)
        b.pages(text_of(pag))
    for pt in doc.findall("PublicationType"):
        left.use(pt)
        b.keep("publicationtypelist", text_of(pt))
    return btype


def sniff(text: str) -> bool:
    return bool(re.search(r"<(?:PubmedArticleSet|PubmedArticle|PubmedBookArticleSet|PubmedBookArticle)[\s>]",
                          text[:5000]))
