"""Look references up by identifier: Crossref for DOIs, NCBI E-utilities for
PMIDs and PMCIDs.  The clients (`http.Client`) are polite and bounded; the
mappings turn each service's own records into `Reference` objects.

ISBNs: there is no registry-free, key-free lookup service with a licence-clean
record format we can test against, so `identify` recognises an ISBN and
`Lookup.reference` says so in one line (import a RIS/BibTeX record of the book
instead).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..normalize import identifiers as ids
from . import crossref, ncbi
from .http import Client, LookupError, NotFound, Offline, Retry
from .settings import LookupSettings

__all__ = ["Lookup", "LookupError", "LookupSettings", "NotFound", "Offline", "Retry", "identify"]


def identify(value: str) -> tuple[str, str]:
    """``(kind, normalized id)``: kind is doi, pmid, pmcid or isbn; raises `LookupError` otherwise."""
    v = value.strip()
    doi = crossref.normalize_doi(v) if ("10." in v) else None
    if doi:
        return "doi", doi
    m = re.fullmatch(r"(?:pmid:?\s*)?(\d{1,9})", v, re.I)
    if m:
        return "pmid", m.group(1)
    m = re.fullmatch(r"(?:pmcid:?\s*)?(?:PMC)(\d+)", v, re.I)
    if m:
        return "pmcid", "PMC" + m.group(1)
    isbn = re.sub(r"^isbn(?:-1[03])?:?\s*", "", v, flags=re.I)
    if ids.isbn13(isbn):
        return "isbn", ids.isbn13(isbn)
    raise LookupError(f"{value!r}: not a DOI, PMID (digits), PMCID (PMC...) or ISBN")


@dataclass
class Lookup:
    settings: LookupSettings = field(default_factory=LookupSettings)
    retry: Retry | None = None

    def __post_init__(self):
        s = self.settings
        if self.retry is None:
            self.retry = Retry(base_delay=s.retry_delay)
        self.crossref = Client("Crossref", s.crossref_url, s.contact, rate=5.0, retry=self.retry or Retry())
        self.ncbi = Client("PubMed", s.ncbi_url, s.contact, rate=10.0 if s.ncbi_api_key else 3.0,
                           retry=self.retry or Retry())

    def reference(self, value: str):
        """The reference an identifier names, from its service."""
        kind, ident = identify(value)
        if kind == "doi":
            return crossref.work_to_reference(crossref.fetch_work(self.crossref, ident))
        if kind == "pmid":
            return ncbi.fetch_pubmed(self.ncbi, ident, self.settings.ncbi_api_key)
        if kind == "pmcid":
            pmid = ncbi.search_pmid(self.ncbi, f"{ident}[pmcid]", f"PMCID {ident}", self.settings.ncbi_api_key)
            if pmid is None:
                raise NotFound(f"PMCID {ident}: PubMed has no such record")
            return ncbi.fetch_pubmed(self.ncbi, pmid, self.settings.ncbi_api_key)
        raise LookupError(f"ISBN {ident}: looking up books by ISBN is not supported (no registry-free service); "
                          "import a RIS or BibTeX record of the book instead")

    def by_title(self, ref) -> object | None:
        """The Crossref record of the work `ref` describes, found by title search; None unless one
        hit is clearly the same work: the `dedupe` rule (title, year, first author, volume, pages)."""
        from ..normalize.dedupe import Matcher

        title = ref.text("title")
        if not title:
            return None
        first = ref.persons("author")[:1]
        query = " ".join([title] + [p.family for p in first] + [ref.text("year")]).strip()
        for work in crossref.search_works(self.crossref, query):
            found = crossref.work_to_reference(work)
            matched, reason = Matcher([found]).match(ref)
            if matched and reason.startswith(("same title", "nearly the same title")):
                return found
        return None

    def pmid_for_doi(self, doi: str) -> str | None:
        return ncbi.search_pmid(self.ncbi, f"{doi}[doi]", f"DOI {doi}", self.settings.ncbi_api_key)
