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
    # the narrow space balintbib puts before a colon in data separates words
    ("25 years of TeX and : looking back", "25 Years of TeX and\u202f: Looking Back."),
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


def _journal(key, year, **fields):
    item = _article(key, "T", year, **fields)
    item["container-title"] = "J"
    return item


def test_the_label_of_a_report_number_is_singular_unless_it_is_a_numeric_range():
    report = {"id": "r", "type": "report", "title": "Tuning", "issue": "TR/IRIDIA/2017-005",
              "publisher": "IRIDIA", "author": [{"family": "Doe", "given": "J"}],
              "issued": {"date-parts": [[2017]]}}
    both = [report, dict(report, id="s", issue="12-14", issued={"date-parts": [[2018]]})]
    apa = _texts(both, "apa")
    assert apa["r"] == "Doe, J. (2017). Tuning (Issue TR/IRIDIA/2017-005). IRIDIA."
    assert apa["s"] == "Doe, J. (2018). Tuning (Issues 12–14). IRIDIA."
    assert _texts(both, "chicago-author-date")["r"] == \
        "Doe, J. 2017. Tuning. no. TR/IRIDIA/2017-005. IRIDIA."


def test_page_and_volume_ranges_as_citeproc_js_prints_them():
    items = [_journal("p", 2014, volume="61-I", issue="7", page="205-??"),
             _journal("q", 2015, volume="2", page="3:1-3:29"),
             _journal("c", 2016, volume="2", page="c3-c3")]
    mla = _texts(items, "modern-language-association")
    # a number and a roman numeral get the en dash; "205-??" is plural
    assert mla["p"].endswith("J, vols. 61–I, no. 7, 2014, pp. 205-??")
    # "3:1" has no letter prefix: not a range, kept as written, singular
    assert mla["q"].endswith("J, vol. 2, 2015, p. 3:1-3:29.")
    # a range that does not go up keeps its end as written
    assert mla["c"].endswith("J, vol. 2, 2016, pp. c3–c3.")
    assert _texts(items, "chicago-author-date")["c"] == "Doe, J. 2016. “T.” J 2: c3–c3."


def test_a_page_count_with_words_takes_a_singular_label():
    book = {"id": "b", "type": "book", "title": "TeX in Practice", "volume": "3",
            "page": "544, with 22 illustrations", "publisher": "Springer",
            "author": [{"family": "Doe", "given": "J"}], "issued": {"date-parts": [[1992]]}}
    assert _texts([book], "apa")["b"] == \
        "Doe, J. (1992). TeX in Practice (Vol. 3, p. 544, with 22 illustrations). Springer."


def test_number_variables_with_a_hyphen_in_their_name_print_through_cs_number():
    book = {"id": "k", "type": "book", "title": "Computers & Typesetting", "publisher": "Addison-Wesley",
            "number-of-volumes": "5", "author": [{"family": "Knuth", "given": "Donald E."}],
            "issued": {"date-parts": [[1984]]}}
    assert _texts([book], "apa")["k"] == \
        "Knuth, D. E. (1984). Computers & Typesetting (Vols. 1–5). Addison-Wesley."


def test_a_literal_last_name_is_joined_as_citeproc_js_joins_an_institution():
    # APA's delimiter-precedes-last="always" does not apply to an institution
    # (a literal name) after a single person; after two it does
    item = _journal("m", 2020, author=[{"family": "Mittelbach", "given": "Frank"},
                                       {"literal": "the LaTeX Project Team"}])
    three = _journal("n", 2021, author=[{"family": "Mittelbach", "given": "Frank"},
                                        {"family": "Roe", "given": "Anna"},
                                        {"literal": "the LaTeX Project Team"}])
    texts = _texts([item, three], "apa")
    assert texts["m"].startswith("Mittelbach, F. & the LaTeX Project Team. (2020).")
    assert texts["n"].startswith("Mittelbach, F., Roe, A., & the LaTeX Project Team. (2021).")


def test_a_page_that_is_only_a_dash_prints_nothing_but_its_label():
    items = [_journal("a", 2014, volume="10", page="-")]
    assert _texts(items, "american-medical-association")["a"] == "1. Doe J. T. J. 2014;10."
    assert _texts(items, "modern-language-association")["a"] == \
        "Doe, J. “T.” J, vol. 10, 2014, p."
    assert _texts(items, "chicago-author-date")["a"] == "Doe, J. 2014. “T.” J 10."


def test_title_case_applies_to_items_whose_language_is_written_out_in_english():
    items = [_article("a", "structured processing: the approach", language="English"),
             _article("g", "structured processing: the approach", 2001, language="German")]
    texts = _texts(items, "chicago-author-date")
    assert texts["a"] == "Doe, J. 2000. Structured Processing: The Approach."
    assert texts["g"] == "Doe, J. 2001. structured processing: the approach."


def test_the_layout_suffix_goes_inside_the_last_display_block():
    # Fishery Bulletin: the author is the entry's only block; citeproc-js puts
    # the layout's "." there (where it merges), so the entry ends without one
    item = _journal("a", 1989, volume="10", page="153-156")
    item["title"] = "International standards"
    item["container-title"] = "TUGboat"
    assert _texts([item], "fishery-bulletin")["a"] == \
        "Doe, J. 1989. International standards. TUGboat 10:153–156"


def test_a_value_ending_in_a_space_keeps_the_space_of_its_own_suffix():
    # Les Mondes du Travail: <text value="in " suffix=" "/> before the journal
    item = _journal("s", 2015, volume="118", issue="4", page="044305")
    item["container-title"] = "J. Appl. Phys."
    assert ", in  J. Appl. Phys., Vol.\u00a0118" in _texts([item], "les-mondes-du-travail")["s"]


def test_a_macro_ending_in_a_space_does_not_double_the_space_of_its_suffix():
    # American Journal of Climate Change: the author macro ends with the date's
    # suffix ") ", the macro call adds suffix " ": citeproc-js prints one space
    item = _journal("c", 2014, volume="104", issue="5", page="053110")
    item["title"] = "Influence of the group V element"
    item["container-title"] = "Appl. Phys. Lett."
    assert _texts([item], "american-journal-of-climate-change")["c"] == (
        "[1]   Doe, J. (2014) Influence of the group V element. Appl. Phys. Lett. 104 (5), 053110.")
