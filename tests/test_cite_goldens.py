"""Our bibliographies agree with citeproc-js (Zotero's engine) entry by entry.

The goldens in tests/goldens/ were made by scripts/make_goldens.py with the npm
package `citeproc` from the CSL-JSON files in tests/data/ (the shipped library
as CSL-JSON, and a hand-written sample of hard cases). Node is not needed here.
"""

import json
from pathlib import Path

import pytest

from balintbib.cite import render_bibliography

DATA = Path(__file__).resolve().parent / "data"
GOLDENS = Path(__file__).resolve().parent / "goldens"

CASES = [
    (items_file, golden_file, style)
    for items_file, golden_file in (("library.csl.json", "library.json"),
                                    ("balint-sample.csl.json", "balint-sample.json"))
    for style in json.loads((GOLDENS / golden_file).read_text(encoding="utf-8"))
]


@pytest.fixture(scope="module")
def loaded():
    cache = {}

    def load(items_file, golden_file):
        key = (items_file, golden_file)
        if key not in cache:
            cache[key] = (json.loads((DATA / items_file).read_text(encoding="utf-8")),
                          json.loads((GOLDENS / golden_file).read_text(encoding="utf-8")))
        return cache[key]
    return load


@pytest.mark.parametrize("items_file,golden_file,style", CASES,
                         ids=[f"{c[0].split('.')[0]}-{c[2]}" for c in CASES])
def test_bibliography_matches_citeproc_js(loaded, items_file, golden_file, style):
    items, goldens = loaded(items_file, golden_file)
    expected = goldens[style]
    got = render_bibliography(items, style)
    assert [e.id for e in got] == [e["id"] for e in expected], "bibliography order differs"
    mismatches = [(e["id"], e["text"], g.text) for e, g in zip(expected, got) if e["text"] != g.text]
    assert not mismatches, "\n".join(f"{i}\n  js: {js}\n  py: {py}" for i, js, py in mismatches)
