"""Render CSL-JSON items as a bibliography (or citations) in any CSL style.

    from balintbib.cite import render_bibliography
    for entry in render_bibliography(items, "apa"):
        print(entry.text)

citeproc-py does the CSL interpretation; :mod:`balintbib.cite.fidelity`
supplies corrected element classes. The engine's stages are modules of their
own: style loading (:mod:`.loading`), item preparation (:mod:`.prepare`),
bibliography rendering (:mod:`.bibliography`), disambiguation
(:mod:`.disambiguate`), citation rendering (:mod:`.clusters`), output formats
(:mod:`.output`) and fork-parallel work (:mod:`.parallel`); this module holds
the engine that ties them together, registering the items.
Parsed styles are cached per (style file, locale); renderings are serialized
by one lock (threads may call in, they take turns).
"""

from __future__ import annotations

import re
import threading
import warnings
from functools import lru_cache
from typing import Sequence

from citeproc import Citation, CitationStylesBibliography

from . import fidelity, markup
from .bibliography import BibliographyRendering
from .clusters import CitationRendering
from .disambiguate import Disambiguation
from .loading import _Style
from .output import Output, RenderedEntry, RenderFailure, _one_line
from .prepare import _CiteItem, _Source, prepare_item, style_words
from .styles import StyleError, resolve_locale, resolve_style

__all__ = ["RenderedEntry", "RenderFailure", "render_bibliography", "render_citations",
           "StyleError", "CitationEngine", "get_engine"]


_RENDER_LOCK = threading.RLock()


# engine -----------------------------------------------------------------

class CitationEngine(Output, BibliographyRendering, Disambiguation, CitationRendering):
    """One style in one locale, parsed once; renders bibliographies and citations."""

    def __init__(self, style: str | None = None, locale: str | None = None, *,
                 xml: bytes | str | None = None):
        if xml is not None:
            data = xml.encode("utf-8") if isinstance(xml, str) else xml
            self.resolved = None
            default = re.search(rb'default-locale="([^"]+)"', data[:3000])
            try:
                self.locale = resolve_locale(locale or (default.group(1).decode() if default else None))
            except StyleError:
                if locale:
                    raise
                self.locale = default.group(1).decode()  # in-style locales may still define it
            self.style = _Style(data, self.locale)
        else:
            resolved = resolve_style(style)
            self.resolved = resolved
            self.locale = resolve_locale(locale or resolved.default_locale or "en-US")
            self.style = _Style(resolved.path, self.locale)
        root = self.style.root
        self._words = style_words(root)  # the variables it can use (speed: prepare_item)
        self.has_bibliography = root.find("cs:bibliography", fidelity.NS) is not None
        citation = root.find("cs:citation", fidelity.NS)
        # speed: the two layouts, found once (citeproc-py's front end looks for
        # them among the style's children, hundreds of macros, at every call)
        self._citation = citation
        self._citation_layout = citation.find("cs:layout", fidelity.NS) if citation is not None else None
        bibliography = root.find("cs:bibliography", fidelity.NS)
        self._bibliography_layout = bibliography.find("cs:layout", fidelity.NS) \
            if bibliography is not None else None
        # citeproc-js makes a citation-label for items without one when the
        # style prints or sorts by it
        self.makes_labels = bool(root.xpath(".//*[contains(@variable, 'citation-label')]"))
        self.year_suffix = citation is not None and citation.get(
            "disambiguate-add-year-suffix", "false") == "true"
        self.quotes = markup.QuoteMarks(
            *(str(root.get_single_term(t) or d) for t, d in (
                ("open-quote", "\u201c"), ("close-quote", "\u201d"),
                ("open-inner-quote", "\u2018"), ("close-inner-quote", "\u2019"))))
        piq = root.get_locale_option("punctuation-in-quote")
        self.punctuation_in_quote = str(piq).lower() == "true"
        # the fidelity layer keeps per-rendering state in module globals, so
        # renderings are serialized across all engines (threads wait)
        self.lock = _RENDER_LOCK

    # -- helpers
    def _bibliography(self, items: Sequence[dict], first: Sequence[str] = (),
                      failures: list | None = None):
        keys = [f"k{i}" for i in range(len(items))]
        items = [item if "id" in item else {**item, "id": key} for item, key in zip(items, keys)]
        source = self._source(items, keys, failures)
        bib = CitationStylesBibliography(self.style, source, fidelity.FORMATTER)
        by_id = {str(item.get("id")): key for key, item in zip(keys, items)}
        order = [by_id[i] for i in dict.fromkeys(first) if i in by_id]
        order += [k for k in keys if k not in set(order)]
        for key in order:  # bib.register without its list search per item (quadratic)
            citation = Citation([_CiteItem(key)])
            citation.bibliography = bib
            if key in source:
                bib.keys.append(key)
                bib.items.append(citation.cites[0])
        return bib, keys

    def _render_cite(self, citation, cites, callback=None):
        """citeproc-py's ``CitationStylesStyle.render_citation``, with the
        layout found once."""
        if self._citation_layout is None:
            return self.style.render_citation(citation, cites, callback)
        self._citation.cites = cites
        return self._citation_layout.render_citation(citation, callback)

    def _render_entry(self, cite_item):
        """citeproc-py's ``CitationStylesStyle.render_bibliography`` of one
        item, with the layout found once."""
        if self._bibliography_layout is None:
            return self.style.render_bibliography([cite_item])[0]
        return self._bibliography_layout.render_bibliography([cite_item])[0]

    def _source(self, items, keys, failures: list | None):
        """citeproc-py's reading of the prepared items, item by item: an item
        it cannot read is reported in `failures` and left out, not the whole
        bibliography.  Styles that print ``citation-label`` get citeproc-js's
        trigraph label where the item has none."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            source = _Source([])
            for item, key in zip(items, keys):
                try:
                    prepared = prepare_item(item, key, self._words)
                    if self.makes_labels:
                        prepared.setdefault("citation-label", fidelity.citation_label(item))
                    source.update(_Source([prepared]))
                except Exception as exc:  # noqa: BLE001 - one bad item, reported
                    if failures is None:
                        raise
                    failures.append(RenderFailure(str(item.get("id", key)), _one_line(exc)))
        return source



@lru_cache(maxsize=32)
def get_engine(style: str, locale: str | None = None) -> CitationEngine:
    return CitationEngine(style, locale)


def render_bibliography(items: list[dict], style: str, locale: str | None = None,
                        failures: list | None = None) -> list[RenderedEntry]:
    """All `items` (CSL-JSON dicts) as one bibliography, in bibliography order;
    items that cannot be rendered are left out and reported in `failures`
    (:class:`RenderFailure`: id and one line)."""
    return get_engine(style, locale).bibliography(items, failures)


def render_citations(items: list[dict], clusters: list[list[dict]], style: str,
                     locale: str | None = None) -> list[RenderedEntry]:
    """Citation clusters in document order (see :meth:`CitationEngine.citations`)."""
    return get_engine(style, locale).citations(items, clusters)
