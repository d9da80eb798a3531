"""Lookup settings: the ``[lookup]`` table of the user's config file::

    [lookup]
    contact = "librarian@balint.example"   # sent in the User-Agent (Crossref's polite pool) and to NCBI
    ncbi-api-key = "..."                   # optional: 10 requests/s instead of 3
    crossref-url = "https://api.crossref.org"
    ncbi-url = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
    retry-delay = 1.0                      # seconds before the first retry on 429/5xx/dropped connection

``BALINTBIB_CROSSREF_URL`` / ``BALINTBIB_NCBI_URL`` and the ``--crossref-url`` /
``--ncbi-url`` options override the URLs (the test servers use them).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..config import ConfigError, load_config

CROSSREF_URL = "https://api.crossref.org"
NCBI_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
KNOWN = {"contact", "ncbi-api-key", "crossref-url", "ncbi-url", "retry-delay"}


@dataclass
class LookupSettings:
    contact: str = ""
    ncbi_api_key: str = ""
    crossref_url: str = CROSSREF_URL
    ncbi_url: str = NCBI_URL
    retry_delay: float = 1.0  # seconds before the first retry (doubling, capped at 30 s)

    @classmethod
    def load(cls, crossref_url: str | None = None, ncbi_url: str | None = None) -> LookupSettings:
        table = load_config().get("lookup") or {}
        if not isinstance(table, dict):
            raise ConfigError("config: [lookup] must be a table")
        unknown = set(table) - KNOWN
        if unknown:
            raise ConfigError(f"config [lookup]: unknown setting '{sorted(unknown)[0]}' "
                              f"(known: {', '.join(sorted(KNOWN))})")
        return cls(
            contact=str(table.get("contact", "")),
            ncbi_api_key=str(table.get("ncbi-api-key", "")),
            crossref_url=crossref_url or os.environ.get("BALINTBIB_CROSSREF_URL") or table.get("crossref-url")
            or CROSSREF_URL,
            ncbi_url=ncbi_url or os.environ.get("BALINTBIB_NCBI_URL") or table.get("ncbi-url") or NCBI_URL,
            retry_delay=_number(table.get("retry-delay", 1.0)),
        )


def _number(value) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ConfigError("config [lookup]: retry-delay must be a number of seconds") from None
    if out < 0:
        raise ConfigError("config [lookup]: retry-delay must not be negative")
    return out
