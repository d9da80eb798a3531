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


def test_punctuation_moves_into_quotation_marks_written_in_the_data():
    # en-US punctuation-in-quote also for “…” and ‘…’ written in a title
    items = [_article("d", "On “best evidence synthesis”"),
             _article("s", "On ‘best evidence synthesis’", 2001)]
    texts = _texts(items, "apa")
    assert texts["d"] == "Doe, J. (2000). On “best evidence synthesis.”"
    assert texts["s"] == "Doe, J. (2001). On ‘best evidence synthesis.’"


def test_punctuation_written_after_a_quotation_in_the_same_field_stays():
    items = [_article("c", 'Why? "Because", he said'),
             _article("p", 'The "Idiots". A tale', 2001),
             _article("q", "‘What Were We—Idiots?’: Re-evaluating the past", 2002)]
    texts = _texts(items, "apa")
    assert texts["c"] == "Doe, J. (2000). Why? “Because”, he said."
    assert texts["p"] == "Doe, J. (2001). The “Idiots”. A tale."
    assert texts["q"] == "Doe, J. (2002). ‘What Were We—Idiots?’: Re-evaluating the past."
    # nested in the style's quotes, the data's quotes flip to the inner marks
    assert _texts([items[0]], "harvard-cite-them-right")["c"] == \
        "Doe, J. (2000) “Why? ‘Because’, he said.”"


def test_punctuation_pairs_in_a_doi_stay_as_written():
    doi = "10.1002/(SICI)1521-4095(200002)12:4<298::AID-ADMA298>3.0.CO;2-Y"
    text = _texts([_article("x", "T", DOI=doi)], "apa")["x"]
    assert text == f"Doe, J. (2000). T. https://doi.org/{doi}"
