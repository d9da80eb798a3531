"""The library's annotations are about the works, in our own words; where a work was
cited lives in its own field.

The no-copying test compares every annotation's 8-word runs with the SHA-1 hashes of
the 8-word runs of the texts the annotations were written from (abstracts,
publishers' pages, the seed documents), kept in ``tests/data/source-shingles.txt`` by
``scripts/source_shingles.py``: the repository ships no third-party text.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from balintbib.library import Library

REPO = Path(__file__).resolve().parents[1]
LIBRARY = REPO / "library"
SHINGLES = Path(__file__).parent / "data" / "source-shingles.txt"

PROVENANCE_PHRASES = ("cited by", "cited in", "listed in the references", "source documents do not",
                      "source documents", "by its title", "reference list of")


def _shingler():
    spec = importlib.util.spec_from_file_location("source_shingles", REPO / "scripts" / "source_shingles.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def refs():
    if not (LIBRARY / "balint.bib").is_file():
        pytest.skip("the shipped library is not in this checkout")
    return Library.load(LIBRARY).references


def test_no_annotation_says_where_the_work_was_cited(refs):
    offenders = [(r.key, p) for r in refs for p in PROVENANCE_PHRASES if p in r.annotation.lower()]
    assert offenders == []


def test_every_reference_keeps_where_it_was_cited_in_provenance(refs):
    assert all(r.provenance for r in refs), [r.key for r in refs if not r.provenance]
    cited = [r for r in refs if re.search(r"\b(cited|listed|references?)\b", r.provenance, re.I)]
    assert len(cited) >= 50  # the others are the source documents themselves


def test_no_annotation_shares_eight_words_with_the_texts_it_was_written_from(refs):
    shingler = _shingler()
    known = set(SHINGLES.read_text(encoding="utf-8").split())
    assert len(known) > 10000  # the abstracts and pages of ~45 works and the five seeds
    copied = {}
    for ref in refs:
        hits = [s for s in shingler.shingles(ref.annotation) if shingler.digest(s) in known]
        if hits:
            copied[ref.key] = hits
    assert copied == {}


def test_the_shingle_check_catches_a_copied_run():
    """A sentence of the Kjeldmand 2004 abstract (PubMed) is found; a paraphrase is not."""
    shingler = _shingler()
    known = set(SHINGLES.read_text(encoding="utf-8").split())
    copied = "Forty-one GPs filled in a questionnaire with a 10-point visual analogue scale."
    ours = "Forty-one general practitioners answered ten-point visual analogue scales."
    assert any(shingler.digest(s) in known for s in shingler.shingles(copied))
    assert not any(shingler.digest(s) in known for s in shingler.shingles(ours))


def test_references_without_annotation_are_the_ones_the_readme_explains(refs, run_cli):
    readme = (LIBRARY / "README.md").read_text(encoding="utf-8")
    table = re.search(r"\| entry \| why it has no annotation yet \|\n\|---\|---\|\n((?:\|.*\n)+)", readme)
    assert table, "library/README.md has no table of the references not yet annotated"
    explained = set(re.findall(r"^\| `([^`]+)` \|", table.group(1), re.M))
    assert {r.key for r in refs if not r.annotation} == explained
    result = run_cli("check", LIBRARY)
    assert result.exit_code == 0
    listed = set(re.findall(r"B112 not-yet-annotated: '([^']+)'", result.output))
    assert listed == explained
