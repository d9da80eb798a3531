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


def test_the_same_title_wins_over_nearly_the_same_titles():
    near = ref("a", title=TITLE + ".x")  # same first author, title nearly the same
    same = ref("b", author="")  # the very title, no author
    other = ref("c", title=TITLE.replace("trial", "trials"))
    found, reason = Matcher([near, same, other]).match(ref("new"))
    assert (found, reason) == ([same], "same title, year, volume and pages agree")
    found, reason = Matcher([near, other]).match(ref("new"))
    assert (found, reason) == ([near, other], "nearly the same title, year, volume and pages agree")


def test_matcher_agrees_with_dedupe_on_random_libraries():
    """A reference matches exactly the entries dedupe would group it with, by the first rule
    that finds any (DOI, PMID, the same title, nearly the same title), in library order."""
    import random

    from balintbib.normalize.dedupe import _norm_title

    rnd = random.Random(15)
    titles = [TITLE, TITLE.upper(), TITLE + ".", TITLE.replace("trial", "trials"), "Editorial",
              "Balint groups: a review", "Balint groups, a review!", ""]
    authors = ["Airagnes, Guillaume", "Airagnes, G. and Kjeldmand, D.", "Kjeldmand, Dorte", "", "{Balint Society}"]

    def random_ref(key):
        fields = {"title": rnd.choice(titles), "year": rnd.choice(["2014", "2014", "2015", ""])}
        for name, pool in (("author", authors), ("doi", ["10.1/x", "10.1/X", "10.2/y"]), ("pmid", ["1", "2"]),
                           ("volume", ["3", "4"]), ("pages", ["1--4", "5--9"])):
            if rnd.random() < 0.4:
                fields[name] = rnd.choice(pool)
        return Reference(key, "article", {k: v for k, v in fields.items() if v})

    for _ in range(300):
        library = [random_ref(f"e{i}") for i in range(rnd.randint(0, 8))]
        new = random_ref("new")
        found, reason = Matcher(library).match(new)
        pairs = [e for e in library if find_duplicates([e, new])]
        assert bool(found) == bool(pairs), (library, new)
        assert all(e in pairs for e in found)
        assert found == [e for e in library if e in found]  # library order
        if reason.startswith("same title"):
            assert all(_norm_title(e, {}) == _norm_title(new, {}) for e in found)
        if reason.startswith("nearly"):
            assert not any(_norm_title(e, {}) == _norm_title(new, {}) for e in pairs)
