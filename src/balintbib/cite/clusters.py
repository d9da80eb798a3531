"""Citation rendering: clusters of cites in document order (positions,
note numbers, locators, affixes, cite flags), as citeproc-js's
processCitationCluster / makeCitationCluster render them."""

from __future__ import annotations

from typing import Iterable, Sequence

from citeproc import Citation
from citeproc.source import Locator
from citeproc.string import String

from . import fidelity
from .output import RenderedEntry
from .prepare import _CiteItem, _cite_affix


class CitationRendering:
    """The citations of an engine (mixed into
    :class:`balintbib.cite.engine.CitationEngine`)."""

    def citations(self, items: Sequence[dict], clusters: Iterable[Sequence[dict]],
                  cited_all_first: bool = False,
                  notes: Sequence[int] | None = None,
                  grouped_sort: bool = True) -> list[RenderedEntry]:
        """Render citation clusters: each cluster is a list of ``{"id", "locator",
        "label", "prefix", "suffix", "suppress-author", "author-only"}`` dicts
        (CSL-JSON citation items, as citeproc-js takes them), in document order.
        ``notes`` gives each cluster's footnote number (0: in running text;
        citeproc-js's ``noteIndex``), for the ``position`` tests and
        ``first-reference-note-number`` of note styles. A cite may also
        bring its own ``position`` (0 first, 1 subsequent, 2 ibid, 3
        ibid-with-locator) and ``near-note``, as citeproc-js accepts them.
        ``grouped_sort=False`` sorts the cites of a collapsing style by its keys
        alone, as citeproc-js's makeCitationCluster does (the CSL test suite's
        fixtures without CITATIONS); by default they are sorted in author groups
        like its processCitationCluster (Zotero, documents; fidelity/sorting.py)."""
        clusters = [list(c) for c in clusters]
        notes = list(notes) if notes is not None else [0] * len(clusters)
        with self.lock:
            fidelity.RENDER_STATE["grouped_sort"] = grouped_sort
            try:
                return self._citations(items, clusters, notes, cited_all_first)
            finally:
                fidelity.RENDER_STATE["grouped_sort"] = True

    def _citations(self, items, clusters, notes, cited_all_first) -> list[RenderedEntry]:
        cited = [str(c.get("id")) for cluster in clusters for c in cluster]
        bib, keys = self._bibliography(items, cited if not cited_all_first else ())
        by_id = {str(item.get("id")): key for key, item in zip(keys, items)}
        if self.has_bibliography:
            self._sort(bib)
        self._disambiguate(bib, {key: str(item.get("id")) for key, item in zip(keys, items)})
        cites_so_far: list = []
        out = []
        for cluster, note in zip(clusters, notes):
            cites = []
            for cite in cluster:
                key = by_id.get(str(cite.get("id")), f"missing-{cite.get('id')}")
                extra = {}
                locator = str(cite.get("locator") or "").strip()  # " 666": citeproc-js trims
                if locator:
                    extra["locator"] = Locator(cite.get("label", "page"), locator)
                for affix in ("prefix", "suffix"):
                    if cite.get(affix):  # cite affixes may hold rich text too
                        extra[affix] = String(_cite_affix(affix, cite[affix]))
                item = _CiteItem(key, **extra)
                for mode in ("suppress-author", "author-only"):
                    if cite.get(mode):
                        item["mode"] = mode  # (citeproc-js's cite flags)
                if cite.get("position") is not None or cite.get("near-note") is not None:
                    item["preset"] = (cite.get("position"), cite.get("near-note"))
                cites.append(item)
            citation = Citation(cites)
            citation.bibliography = bib
            citation.note = int(note or 0)
            text = self._render_cite(citation, cites_so_far, lambda c: None)
            out.append(self._entry(",".join(str(c.get("id")) for c in cluster),
                                   self._finish(text or "")))
        return out
