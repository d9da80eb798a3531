"""Big bibliographies are sorted, disambiguated, rendered and finished in
forked worker processes; the result must be exactly the one-process result
(and citeproc-js's, for the styles with goldens). The threshold is lowered so
that the shipped library (59 references) takes the parallel path."""

import json
import multiprocessing
from pathlib import Path

import pytest

from balintbib.cite import engine as cite_engine
from balintbib.cite import parallel as cite_parallel

DATA = Path(__file__).resolve().parent / "data"
GOLDENS = json.loads((Path(__file__).resolve().parent / "goldens" / "library.json")
                     .read_text(encoding="utf-8"))
ITEMS = json.loads((DATA / "library.csl.json").read_text(encoding="utf-8"))

# year suffixes and added names (apa), disambiguate="true" and
# subsequent-author-substitute (mla), numeric (ieee), notes (chicago)
STYLES = ["apa", "modern-language-association", "ieee", "chicago-notes-bibliography-annotated"]

pytestmark = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                                reason="the parallel path needs fork()")


def _render(style, monkeypatch, parallel: bool):
    if parallel:
        monkeypatch.delenv("BALINTBIB_NO_FORK", raising=False)
        monkeypatch.setattr(cite_parallel, "PARALLEL_FROM", 8)
        monkeypatch.setattr(cite_parallel, "workers", _twelve_workers(cite_parallel.workers))
    else:
        monkeypatch.setenv("BALINTBIB_NO_FORK", "1")
    engine = cite_engine.CitationEngine(style)
    bibliography = engine.bibliography(ITEMS)
    citations = engine.citations(ITEMS, [[{"id": item["id"]}] for item in ITEMS])
    monkeypatch.undo()
    return bibliography, citations


def _twelve_workers(workers):
    """Twelve workers whatever the machine: forks really happen, and slices of
    five entries put a boundary right before MLA's "———" entries 5 and 25
    (subsequent-author-substitute must still see the previous entry)."""
    def twelve(count):
        return 12 if count >= cite_parallel.PARALLEL_FROM and workers(count) > 1 else 1
    return twelve


@pytest.mark.parametrize("style", STYLES)
def test_parallel_rendering_is_the_serial_rendering(style, monkeypatch):
    serial = _render(style, monkeypatch, parallel=False)
    parallel = _render(style, monkeypatch, parallel=True)
    assert parallel[0] == serial[0], "bibliography differs between forked and one-process rendering"
    assert parallel[1] == serial[1], "citations differ between forked and one-process rendering"
    assert [e.text for e in parallel[0]] == [e["text"] for e in GOLDENS[style]]
