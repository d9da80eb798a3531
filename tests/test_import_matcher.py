"""The import's duplicate matcher gives the same answer as `dedupe` on pairs."""

from __future__ import annotations

import pytest

from balintbib.model import Reference
from balintbib.normalize.dedupe import Matcher, find_duplicates

TITLE = "Balint groups and the empathy of medical students: a randomized trial"


def ref(key, title=TITLE, author="Airagnes, Guillaume", year="2014", **fields):
    f = {"title": title, "year": year, **fields}
    if author:
        f["author"] = author
    return Reference(key, "article", f)


CASES = [
    ("same title, no author on one side", ref("b", author="")),
    ("other spelling, same author", ref("b", title=TITLE.replace("randomized", "randomised"))),
    ("other first author", ref("b", author="Kjeldmand, Dorte")),
    ("other year", ref("b", year="2015")),
    ("same DOI, other spelling", ref("b", title=TITLE.upper(), doi="10.1/X", author="")),
    ("same DOI, other work", ref("b", title="Something else entirely about burnout", doi="10.1/x")),
    ("other pages", ref("b", pages="5--9")),
]


@pytest.mark.parametrize("why, new", CASES, ids=[c[0] for c in CASES])
def test_matcher_agrees_with_dedupe(why, new):
    existing = ref("a", doi="10.1/x", pages="1--4")
    matcher = Matcher([existing])
    found, reason = matcher.match(new)
    grouped = bool(find_duplicates([existing, new]))
    assert bool(found) == grouped, (why, reason)
    if found:
        assert found == [existing] and reason


def test_matcher_finds_earlier_incoming_references():
    matcher = Matcher([])
    first = ref("a")
    assert matcher.match(first) == ([], "")
    matcher.add(first, matcher.last_info)
    found, _ = matcher.match(ref("b", title=TITLE + "."))
    assert found == [first]
