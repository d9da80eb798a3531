"""A fixed sample of ../shared/bib-corpus (converted by `balintbib convert`)
against citeproc-js in the 17 society styles: entries paired by item id, and
citation clusters of 1-3 cites with and without locators.

Made by `scripts/compare_citeproc.py --sample 60 --seed 11 --clusters 30
--write-sample` (node and citeproc-js 2.4.63; not needed here). Each style
must keep at least as many identical entries and clusters as when the sample
was written; the test prints the rates.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from balintbib.cite import render_bibliography
from balintbib.cite.engine import CitationEngine
from balintbib.cite.styles import resolve_style

HERE = Path(__file__).resolve().parent
ITEMS = json.loads((HERE / "data" / "corpus-sample.csl.json").read_text(encoding="utf-8"))
GOLDEN = json.loads((HERE / "goldens" / "corpus-sample.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("style", sorted(GOLDEN))
def test_corpus_sample_matches_citeproc_js_at_least_as_before(style, capsys):
    expected = GOLDEN[style]
    mine = {e.id: e.text for e in render_bibliography(ITEMS, style)}
    mine = {k: v.strip() for k, v in mine.items()}
    entries = {k: v.strip() for k, v in expected["entries"].items()}
    ids = set(mine) | set(entries)
    same = sum(1 for i in ids if mine.get(i) == entries.get(i))
    engine = CitationEngine(xml=resolve_style(style).path.read_bytes())
    by_id = {str(i["id"]): i for i in ITEMS}
    clusters_same = sum(
        1 for cluster, text in expected["clusters"] if text is not None
        and engine.citations([by_id[c["id"]] for c in cluster], [cluster])[0].text == text)
    with capsys.disabled():
        print(f"\n{style}: entries {same}/{len(ids)}, clusters {clusters_same}/{len(expected['clusters'])}")
    assert same >= expected["identical"]
    assert clusters_same >= expected["clusters_identical"]
