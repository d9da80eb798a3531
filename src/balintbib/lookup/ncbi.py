"""NCBI E-utilities: a PubMed record by PMID (efetch, XML: the abstract and full
author names, which esummary lacks), a PMID from a PMCID or DOI (esearch).

``tool`` and ``email`` identify the client (the contact address from the
settings); ``api_key`` is sent when configured (10 requests/s instead of 3).
An unknown PMID gives an empty ``PubmedArticleSet``: reported as not found.
"""

from __future__ import annotations

import re

from defusedxml.ElementTree import fromstring

from ..formats import pubmed_xml
from .http import Client, LookupError, NotFound

TOOL = "balintbib"


def _params(client: Client, api_key: str, **extra) -> dict:
    out = {"tool": TOOL}
    if client.contact:
        out["email"] = client.contact
    if api_key:
        out["api_key"] = api_key
    out.update(extra)
    return out


def fetch_pubmed(client: Client, pmid: str, api_key: str = ""):
    """The PubMed record of `pmid` as a `Reference`."""
    resp = client.request("POST", "/efetch.fcgi", f"PMID {pmid}",
                          data=_params(client, api_key, db="pubmed", id=pmid, retmode="xml"))
    result = pubmed_xml.read_text(resp.text, f"PubMed efetch {pmid}")
    refs = [r for r in result.references if r.fields.get("pmid") == pmid] or result.references
    if not refs:
        if result.problems:
            raise LookupError(f"PMID {pmid}: PubMed sent a reply that cannot be read ({result.problems[0].message})")
        raise NotFound(f"PMID {pmid}: PubMed has no such record")
    return refs[0]


def search_pmid(client: Client, term: str, what: str, api_key: str = "") -> str | None:
    """The one PMID an esearch term finds (``PMC123[pmcid]``, ``10.1/x[doi]``), else None."""
    resp = client.request("POST", "/esearch.fcgi", what,
                          data=_params(client, api_key, db="pubmed", term=term, retmode="xml"))
    try:
        root = fromstring(resp.content)
    except Exception:
        raise LookupError(f"{what}: PubMed's search reply cannot be read") from None
    ids = [e.text.strip() for e in root.findall("IdList/Id") if e.text and re.fullmatch(r"\s*\d+\s*", e.text)]
    return ids[0] if len(ids) == 1 else None
