"""The query language of `list --select`, `export --select` and the TUI's search, as a user types it."""

from __future__ import annotations

import pytest

from balintbib.library import Library
from balintbib.query import QueryError, select

from _paths import ROOT


@pytest.fixture(scope="module")
def lib():
    return Library.load(ROOT / "library")


def keys(lib, query):
    return {r.key for r in select(lib.references, query, (), macros=lib.macros)}


def test_fields_phrases_ranges_and_exclusions(lib):
    kjeldmand = keys(lib, "author:kjeldmand")
    assert kjeldmand and all(k.startswith("kjeldmand") for k in kjeldmand)
    assert keys(lib, "au:kjeldmand") == kjeldmand
    assert keys(lib, "holmstrom") == keys(lib, "Holmström") != set()  # accents folded
    recent = keys(lib, "year:2004..2010")
    assert recent and keys(lib, "year:2010..2004") == recent  # a reversed range means the same years
    students = keys(lib, '"medical students"')
    assert students and keys(lib, '-"medical students"') == {r.key for r in lib} - students
    assert keys(lib, "tag:empathy -tag:empathy") == set()


def test_a_half_typed_exclusion_is_ignored(lib):
    assert keys(lib, "tag:empathy -") == keys(lib, "tag:empathy")


def test_an_unknown_field_is_one_clear_error_and_quotes_search_the_text(lib):
    with pytest.raises(QueryError, match=r"'foo:' is not a field .*write \"foo:bar\""):
        keys(lib, "foo:bar")
    assert keys(lib, '"foo:bar"') == set()
    with pytest.raises(QueryError, match="expected a year"):
        keys(lib, "year:abc")
    with pytest.raises(QueryError, match="unbalanced quotes"):
        keys(lib, '"medical')
