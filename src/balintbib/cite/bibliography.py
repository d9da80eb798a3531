"""Bibliography rendering: sort (items whose keys cannot be made are
reported and left out), disambiguate, render and finish every entry, in
forked processes for big bibliographies."""

from __future__ import annotations

import logging
from typing import Sequence

from . import fidelity, parallel
from .output import RenderedEntry, RenderFailure, _one_line

_LOG = logging.getLogger("balintbib.cite.engine")  # (the name it always had)


class BibliographyRendering:
    """The bibliography of an engine (mixed into
    :class:`balintbib.cite.engine.CitationEngine`)."""

    def bibliography(self, items: Sequence[dict], failures: list | None = None,
                     ) -> list[RenderedEntry]:
        """The bibliography of `items`, in the style's order. An item that
        cannot be rendered (a data case the engine does not handle) is left
        out and reported, its id and one line, in `failures` (a list the
        caller passes; without one, as a logged warning): one bad item never
        takes the whole bibliography down."""
        if not self.has_bibliography:
            return []
        problems: list[RenderFailure] = []
        with self.lock:
            bib, keys = self._bibliography(items, failures=problems)
            ids = {key: str(item.get("id", key)) for key, item in zip(keys, items)}
            self._sort_isolated(bib, ids, problems)
            self._disambiguate(bib, ids)
            self._bibliography_given_names(bib)
            bibliography = self.style.root.bibliography
            bibliography._previous_names = None
            out = []
            for entry in self._render_entries(bib, ids):
                if isinstance(entry, RenderFailure):
                    problems.append(entry)
                elif entry is not None:
                    out.append(entry)
        if failures is not None:
            failures.extend(problems)
        else:
            for problem in problems:
                _LOG.warning("%s", problem)
        return out

    def _sort_isolated(self, bib, ids: dict, problems: list) -> None:
        """Sort; when that fails, the items whose sort keys cannot be made are
        found (each sorted against itself, which makes every key), reported
        and left out, and the others sorted."""
        try:
            self._sort(bib)
            return
        except Exception:  # noqa: BLE001 - find the item, below
            pass
        bibliography = self.style.root.bibliography
        good = []
        for item in bib.items:
            try:
                bibliography.sort([item, item])
                good.append(item)
            except Exception as exc:  # noqa: BLE001 - one bad item, reported
                problems.append(RenderFailure(ids[item.key], _one_line(exc)))
        bib.items, bib.keys = good, [item.key for item in good]
        self._sort(bib)

    def _sort(self, bib) -> None:
        """``bib.sort()``, with the sort keys of long lists computed in
        parallel processes (each key value depends on its item only)."""
        fidelity.RENDER_STATE["spread"] = parallel.spread
        try:
            bib.sort()
        finally:
            fidelity.RENDER_STATE["spread"] = None

    def _render_entries(self, bib, ids: dict) -> list:
        """The finished bibliography entries (None where an item renders
        nothing), in parallel processes for big bibliographies (fork: the
        workers inherit the sorted, disambiguated state; each renders and
        finishes a slice, starting one entry early so that
        subsequent-author-substitute sees its predecessor)."""
        items = bib.items
        workers = parallel.workers(len(items))
        if workers < 2:
            return [self._render_one(ids, item) for item in items]
        size = -(-len(items) // workers)
        slices = [(max(start - 1, 0), start, min(start + size, len(items)))
                  for start in range(0, len(items), size)]
        return parallel.in_forks(lambda lead, start, end: self._render_slice(bib, ids, lead, start, end), slices)

    def _render_slice(self, bib, ids, lead, start, end) -> list:
        self.style.root.bibliography._previous_names = None
        out = [self._render_one(ids, item) for item in bib.items[lead:end]]
        return out[start - lead:]

    def _render_one(self, ids, cite_item) -> RenderedEntry | RenderFailure | None:
        """One finished entry; None when the style prints nothing for the
        item, a RenderFailure when rendering it raised.  The entry's HTML
        keeps the spaces at its ends, as citeproc-js's does."""
        try:
            text = self._render_entry(cite_item)
            return None if text is None else self._entry(ids[cite_item.key], self._finish(str(text)),
                                                         trim_html=False)
        except Exception as exc:  # noqa: BLE001 - one bad item, reported by the caller
            return RenderFailure(ids[cite_item.key], _one_line(exc))
