"""Crossref REST API: ``GET /works/{doi}``, its own JSON mapped by our type table.

Crossref's "CSL-JSON" (content negotiation) is not valid CSL (``journal-article``
types, ``ISSN`` arrays, JATS abstracts), so the native work record is mapped
here.  Kept beyond the BibTeX fields: ISSN types, ORCIDs and affiliations, the
Crossref type, corrections and retractions (``update-to``/``updated-by``),
subjects, licence URLs, funders.  Left out (machine bookkeeping, listed in
`LEFT_OUT`): the reference list, index/deposit timestamps, counts, links.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from ..latex import text_to_latex
from ..model import Person
from ..formats.records import Builder, clean_doi
from .http import Client

FORMAT = "crossref"

#: Crossref work type -> BibTeX type.
TYPES = {
    "journal-article": "article", "book": "book", "monograph": "book", "edited-book": "book",
    "reference-book": "book", "book-chapter": "incollection", "book-section": "incollection",
    "book-part": "incollection", "proceedings-article": "inproceedings", "posted-content": "online",
    "dissertation": "phdthesis", "report": "report", "report-component": "report", "dataset": "dataset",
    "reference-entry": "inreference", "peer-review": "misc", "standard": "standard",
}
#: Work keys -> BibTeX field (text).
TEXT = {"volume": "volume", "issue": "number", "page": "pages", "article-number": "eid",
        "publisher": "publisher", "publisher-location": "address", "language": "language",
        "edition-number": "edition"}
#: Keys not carried into the library (bookkeeping of the index, or the cited works).
LEFT_OUT = frozenset({"indexed", "deposited", "created", "content-domain", "reference", "reference-count",
                      "references-count", "is-referenced-by-count", "score", "member", "prefix", "source",
                      "link", "resource", "relation", "issued", "published", "published-print",
                      "published-online", "journal-issue", "update-policy", "license", "assertion",
                      "content-updated"})


def work_url(doi: str) -> str:
    return "/works/" + quote(doi, safe="/:;()._-")


def fetch_work(client: Client, doi: str) -> dict:
    resp = client.request("GET", work_url(doi), f"DOI {doi}")
    try:
        body = resp.json()
        return body["message"]
    except (ValueError, KeyError, TypeError):
        from .http import LookupError

        raise LookupError(f"DOI {doi}: Crossref sent something that is not a work record") from None


def search_works(client: Client, query: str, rows: int = 3) -> list[dict]:
    """Crossref's best matches for a bibliographic query (title, first author, year)."""
    resp = client.request("GET", "/works", f"search {query[:60]!r}",
                          params={"query.bibliographic": query, "rows": rows})
    try:
        return list(resp.json()["message"]["items"])
    except (ValueError, KeyError, TypeError):
        from .http import LookupError

        raise LookupError("Crossref sent a search reply that is not a work list") from None


def jats_to_text(value: str) -> str:
    text = re.sub(r"<jats:title>(.*?)</jats:title>", r"\1: ", value, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    import html

    return " ".join(html.unescape(text).split())


def _date(work: dict):
    for key in ("published-print", "issued", "published-online", "published"):
        parts = ((work.get(key) or {}).get("date-parts") or [[]])[0]
        if parts and parts[0]:
            return parts
    return []


def work_to_reference(work: dict):
    """A Crossref work record as a `Reference` (no key)."""
    ctype = work.get("type") or ""
    btype = TYPES.get(ctype, "misc")
    b = Builder(FORMAT, frozenset({"subject", "isbn"}))
    if btype == "misc" or ctype in ("posted-content", "peer-review"):
        b.keep("type", ctype or "null")
    titles = work.get("title") or []
    if titles:
        b.text("title", titles[0], "title")
        for t in titles[1:]:
            b.keep("title", t)
    for t in work.get("subtitle") or []:
        b.keep("subtitle", t)
    containers = work.get("container-title") or []
    if containers:
        target = {"article": "journal", "incollection": "booktitle", "inproceedings": "booktitle",
                  "book": "series"}.get(btype, "journal")
        b.text(target, containers[0], "container-title")
        for c in containers[1:]:
            b.keep("container-title", c)
    for c in (work.get("short-container-title") or [])[:1]:
        b.text("shortjournal", c, "short-container-title")
    for role, field in (("author", "author"), ("editor", "editor"), ("translator", "translator")):
        for a in work.get(role) or []:
            if a.get("family"):
                p = Person(family=text_to_latex(a["family"]), given=text_to_latex(a.get("given", "")),
                           suffix=text_to_latex(a.get("suffix", "")))
            elif a.get("name"):
                p = Person(literal=text_to_latex(a["name"]))
            else:
                continue
            b.person(field, p)
            name = a.get("name") or f"{a.get('family')}, {a.get('given', '')}".strip(", ")
            if a.get("ORCID"):
                b.keep(f"{role}-orcid", f"{name}: {a['ORCID']}")
            for aff in a.get("affiliation") or []:
                if aff.get("name"):
                    b.keep(f"{role}-affiliation", f"{name}: {aff['name']}")
    parts = _date(work)
    if parts:
        b.date(str(parts[0]), parts[1] if len(parts) > 1 else None, parts[2] if len(parts) > 2 else None)
    for key, field in TEXT.items():
        if work.get(key):
            if field == "pages":
                b.pages(str(work[key]))
            else:
                b.text(field, str(work[key]), key)
    if work.get("DOI"):
        b.doi(work["DOI"], "doi")
    issn_types = {i.get("value"): i.get("type") for i in work.get("issn-type") or []}
    issns = sorted(work.get("ISSN") or [], key=lambda v: issn_types.get(v) != "print")
    for i, issn in enumerate(issns):
        if i == 0:
            b.identifier("issn", issn, "issn")
        if issn_types.get(issn) or i:  # the kind (print/electronic), and every further ISSN
            b.keep("issn", f"{issn} ({issn_types.get(issn, 'unknown')})")
    for isbn in work.get("ISBN") or []:
        if "isbn" not in b.fields:
            b.identifier("isbn", isbn, "isbn")
        else:
            b.keep("isbn", isbn)
    if work.get("abstract"):
        b.text("abstract", jats_to_text(work["abstract"]), "abstract")
    for key, value in work.items():
        if key in LEFT_OUT or key in TEXT or key in ("type", "title", "subtitle", "container-title",
                                                     "short-container-title", "author", "editor", "translator",
                                                     "DOI", "ISSN", "issn-type", "ISBN", "abstract", "URL"):
            continue
        if isinstance(value, list):
            for v in value:
                b.keep(key, v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, sort_keys=True))
        elif isinstance(value, dict):
            b.keep(key, json.dumps(value, ensure_ascii=False, sort_keys=True))
        elif value not in (None, ""):
            b.keep(key, str(value))
    return b.build(btype)


def normalize_doi(value: str) -> str | None:
    return clean_doi(value)
