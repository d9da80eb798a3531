"""The catalog (no Textual): narrowing while typing gives the same answers as a fresh search."""

from __future__ import annotations

import pytest
from tui_helpers import SAMPLE

from balintbib.library import Library
from balintbib.query import Index, QueryError
from balintbib.tui.catalog import Catalog, _narrows


@pytest.mark.parametrize("old,new,expected", [
    ("bal", "bali", True), ("bal", "bal group", True), ("author:s", "author:sm", True),
    ("tag:e", "tag:em", True), ("tag:empathy", "tag:empathy year:2004", True), ("bal", "bal -tag:x", True),
    ("author", "author:s", False), ("year:2004", "year:2004..", False), ("-bal", "-bali", False),
    ("bal", "-bal", False), ("a b", "a c", False), ("bal", "ba", False), ("type:art", "type:arti", False),
    ("x", 'x "y', False),
])
def test_narrowing_rule(old, new, expected):
    assert _narrows(old, new) is expected


def test_typing_key_by_key_matches_a_fresh_search():
    lib = Library.load(SAMPLE)
    catalog = Catalog(lib)
    fresh = Index(lib.references, lib.macros)
    for query in ["kjeldmand holm", "author:kjeldmand year:2006", "tag:gen -tag:burnout", "balint grp"]:
        for i in range(1, len(query) + 1):
            typed = query[:i]
            try:
                expected = fresh.filter(typed)
            except QueryError:
                with pytest.raises(QueryError):
                    catalog.filter(typed)
                continue
            assert [r.key for r in catalog.filter(typed)] == [r.key for r in expected], typed
        for i in range(len(query), 0, -1):  # and back (the recent-results cache)
            try:
                expected = fresh.filter(query[:i])
            except QueryError:
                continue
            assert [r.key for r in catalog.filter(query[:i])] == [r.key for r in expected]


def test_sort_and_tag_counts():
    catalog = Catalog(Library.load(SAMPLE))
    refs = catalog.references
    by_year = catalog.sort(refs, "year")
    assert [catalog.line(r).year for r in by_year][:2] == ["1957", "1987"]
    assert catalog.sort(refs, "author")[0].key == "balint1957doctor"
    counts = catalog.tag_counts(refs)
    assert counts["empathy"] == 3 and counts["general practice"] == 3


def test_author_cell():
    catalog = Catalog(Library.load(SAMPLE))
    cells = {r.key: catalog.line(r).author for r in catalog.references}
    assert cells["balint1957doctor"] == "Balint, M."
    assert cells["salinsky2005what"] == "Salinsky, J. & Rabin, S."
    assert cells["kjeldmand2004balint"] == "Kjeldmand, D. et al."
    assert cells["graham2009balintstyle"] == "Graham, S. et al."
