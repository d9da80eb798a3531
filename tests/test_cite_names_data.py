"""Names from machine-made data (issue 17, "names at the start of the entry"):
lower-case given names, parentheses and quotes left in name parts, hyphens,
given names without a family. Each expectation is what citeproc-js 2.4.63
prints for the same CSL-JSON and style."""

from balintbib.cite import render_bibliography


def _texts(items, style):
    return {e.id: e.text for e in render_bibliography(items, style)}


def _article(key, authors, year=2000):
    return {"id": key, "type": "article-journal", "title": "T",
            "author": [dict(zip(("family", "given"), a)) for a in authors],
            "issued": {"date-parts": [[year]]}}


LOWER_CASE = [_article("a", [("Bazin", "a."), ("Roe", "b. c.")], 2000),
              _article("d", [("Doe", "J"), ("Xu", "jian-wei")], 2003)]


def test_a_lower_case_given_name_is_not_initialized_and_keeps_citeproc_js_space():
    # citeproc-js leaves a word starting in lower case as written, with a
    # space before it: two spaces where it meets the family name
    apa = _texts(LOWER_CASE, "apa")
    assert apa["a"] == "Bazin,  a., & Roe,  b. c. (2000). T."
    assert apa["d"] == "Doe, J., & Xu,  jian-wei. (2003). T."
    nlm = _texts(LOWER_CASE, "nlm-citation-sequence")
    assert nlm["a"] == "1. Bazin  a., Roe  b. c. T. 2000."
    assert nlm["d"] == "2. Doe J, Xu  jian wei. T. 2003."
    ieee = _texts(LOWER_CASE, "ieee")
    assert ieee["a"] == "[1]  a. Bazin and  b. c. Roe, “T,” 2000."
    assert ieee["d"] == "[2] J. Doe and  jian-wei Xu, “T,” 2003."


def test_a_full_given_name_style_keeps_single_spaces():
    mla = _texts(LOWER_CASE, "modern-language-association")
    assert mla["a"] == "Bazin, a., and b. c. Roe. T. 2000."


def test_words_starting_with_punctuation_stay_as_written_when_initialized():
    items = [_article("b", [("Smith", "Frederic W. (Frederic William)")], 2001),
             _article("p", [("Pappas", "T. L. (Frank)")], 1990),
             _article("s", [("Striphas", "Ted (Ted G )")], 2011)]
    apa = _texts(items, "apa")
    assert apa["b"] == "Smith, F. W. (Frederic W. (2001). T."
    assert apa["p"] == "Pappas, T. L. (Frank). (1990). T."
    assert apa["s"] == "Striphas, T. (Ted G. ). (2011). T."
    nlm = _texts(items, "nlm-citation-sequence")
    assert nlm["b"] == "1. Smith FW (Frederic W. T. 2001."
    assert nlm["s"] == "3. Striphas T (Ted G). T. 2011."


def test_quotes_and_hash_and_left_in_names_by_a_converter():
    # BibTeX "#and#" joins that reached CSL-JSON as one name
    items = [{"id": "v", "type": "paper-conference", "title": "T", "issued": {"date-parts": [[2013]]},
              "author": [{"family": "\"Linda Marrakchi-Kacem\"", "given": "\"Andrea Valsecchi\"",
                          "non-dropping-particle": "#and# Stuetzle #and# \"Sergio Damas\" #and#"}]},
             {"id": "p", "type": "paper-conference", "title": "T", "issued": {"date-parts": [[2012]]},
              "author": [{"family": "\"Pan", "given": "Quan-Ke\" #and# Ruiz_Ruben"}]}]
    ieee = _texts(items, "ieee")
    assert ieee["v"] == ("[1] “Andrea Valsecchi” #and# Stuetzle #and# “Sergio Damas” #and# "
                         "Linda Marrakchi-Kacem, “T,” 2013.")
    assert ieee["p"] == "[2] Q.-K. #and# R. \"Pan, “T,” 2012."
    ama = _texts(items, "american-medical-association")
    assert ama["p"] == "2. \"Pan QK #and# R. T. In: 2012."


def test_names_in_other_scripts_follow_citeproc_js_order():
    items = [{"id": "a", "type": "book", "title": "T", "issued": {"date-parts": [[2001]]},
              "author": [{"family": "毛", "given": "泽东"}, {"family": "毛", "given": "Zedong"},
                         {"family": "Zhang", "given": "伟"}]}]
    assert _texts(items, "apa")["a"] == "毛泽东, 毛 Z., & Zhang, 伟. (2001). T."
    assert _texts(items, "ieee")["a"] == "[1] 毛泽东, 毛 Z., and 伟 Zhang, T. 2001."


def test_a_suffix_gets_the_initials_punctuation_of_the_style():
    items = [{"id": "b", "type": "book", "title": "T", "issued": {"date-parts": [[2002]]},
              "author": [{"family": "Nease", "given": "Donald E.", "suffix": "Jr."},
                         {"family": "Roe", "given": "A", "suffix": "Jr"},
                         {"family": "Poe", "given": "E. A.", "suffix": "3rd."}]}]
    assert _texts(items, "american-medical-association")["b"] == \
        "1. Nease DE Jr, Roe A Jr, Poe EA 3rd. T. 2002."
    assert _texts(items, "ieee")["b"] == "[1] D. E. Nease Jr., A. Roe Jr, and E. A. Poe 3rd., T. 2002."


def test_a_name_shown_in_full_to_disambiguate_prints_its_given_name_as_written():
    items = [_article("a", [("Liu", "W"), ("Carlin", "J"), ("Grandjean", "N"), ("Deveaud", "B")], 2016),
             _article("b", [("Liu", "Wen"), ("Carlin", "J")], 2016),
             _article("c", [("Wang", "Z L")], 2007),
             _article("d", [("Wang", "Zhong Lin")], 2007)]
    chicago = _texts(items, "chicago-author-date")
    assert chicago["a"] == "Liu, W, J. Carlin, N. Grandjean, and B. Deveaud. 2016. T."
    assert chicago["c"] == "Wang, Z L. 2007. T."
    assert _texts(items, "modern-language-association")["c"] == "Wang, Z L. T. 2007."


def test_an_empty_name_is_a_name_list_that_prints_nothing_and_is_not_substituted():
    # {"family": ""}: what a converter leaves for "author = {}"
    items = [{"id": "a", "type": "article-journal", "title": "A closer look", "container-title": "TUGboat",
              "volume": "30", "page": "32-34", "author": [{"family": ""}], "issued": {"date-parts": [[2009]]}},
             {"id": "b", "type": "article-journal", "title": "B", "container-title": "TUGboat",
              "author": [{"family": ""}, {"family": "Smith", "given": "John"}],
              "issued": {"date-parts": [[2009]]}},
             {"id": "c", "type": "book", "title": "C", "editor": [{"family": ""}],
              "issued": {"date-parts": [[2009]]}}]
    apa = _texts(items, "apa")
    assert apa["a"] == "(2009a). A closer look. TUGboat, 30, 32–34."
    assert apa["c"] == "(2009b). C."
    harvard = _texts(items, "harvard-cite-them-right")
    assert harvard["a"] == "(2009a) “A closer look,” TUGboat, 30, pp. 32–34."
    chicago = _texts(items, "chicago-author-date")
    assert chicago["b"] == "John Smith. 2009. “B.” TUGboat."
    assert _texts(items, "ieee")["a"] == "[1] “A closer look,” TUGboat, vol. 30, pp. 32–34, 2009."


def test_punctuation_written_twice_in_a_name_prints_as_written():
    items = [{"id": "a", "type": "book", "title": "T", "issued": {"date-parts": [[2013]]},
              "author": [{"family": "Sch??lli", "given": "R??diger"}, {"family": "Roe", "given": "J.,"}]}]
    assert _texts(items, "apa")["a"] == "Sch??lli, R., & Roe, J. (2013). T."
    assert _texts(items, "chicago-author-date")["a"] == "Sch??lli, R??diger, and J. Roe. 2013. T."
