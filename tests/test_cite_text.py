"""Issue 17, CSL text: quotation marks in field data, punctuation, text case,
numbers and labels. Each expected string is what citeproc-js 2.4.63 prints
for the same CSL-JSON."""

import pytest

from balintbib.cite import render_bibliography


def _article(key, title, year=2000, **fields):
    item = {"id": key, "type": "article-journal", "title": title,
            "author": [{"family": "Doe", "given": "J"}], "issued": {"date-parts": [[year]]}}
    item.update(fields)
    return item


def _texts(items, style):
    return {e.id: e.text for e in render_bibliography(items, style)}


@pytest.mark.parametrize("title, expected", [
    # stop words (and citeproc-js's extra skip words "next", "near") stay as written
    ("the wrapper: next door to l'epilepsie of self-care",
     "The Wrapper: Next Door to l’epilepsie of Self-Care."),
    # inner capitals stay; one-letter words before a hyphen stay after the first piece
    ("High-power AlGaN-based near-ultraviolet light from p-i-n diodes",
     "High-Power AlGaN-Based near-Ultraviolet Light from p-i-n Diodes."),
    # a lone letter before " -" is not the last word of its piece; "$\beta$"
    # has no letter to capitalize; after a colon the next word is capitalized
    ("Emission uniformity of m -plane InGaN and $\\beta$-Ga2O3: what is it about",
     "Emission Uniformity of m -Plane InGaN and $\\beta$-Ga2O3: What Is It About."),
    # after an em dash words are capitalized, after a period a stop word is not
    ("JACM—just another Chinese method. in memory of eBay",
     "JACM—Just Another Chinese Method. in Memory of eBay."),
])
def test_title_case_follows_citeproc_js(title, expected):
    text = _texts([_article("a", title)], "chicago-author-date")["a"]
    assert text == "Doe, J. 2000. " + expected


def test_title_case_keeps_the_word_after_an_apostrophe_and_a_letter_in_parentheses():
    item = _article("e", "Dans l'epilepsie", container_title="Physica status solidi (b)")
    item["container-title"] = item.pop("container_title")
    assert _texts([item], "chicago-author-date")["e"] == \
        "Doe, J. 2000. “Dans l’epilepsie.” Physica Status Solidi (b)."
