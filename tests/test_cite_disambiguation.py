"""Disambiguation in large bibliographies (issue 17): which items get year
suffixes, added names and given names, in the order citeproc-js 2.4.63 takes
them. Expected strings are what citeproc-js prints for the same CSL-JSON."""

from balintbib.cite import render_bibliography
from balintbib.cite.engine import CitationEngine


def _article(key, names, title, year=2016):
    return {"id": key, "type": "article-journal", "title": title, "container-title": "J. Tests",
            "author": [{"family": f, "given": g} for f, g in names],
            "issued": {"date-parts": [[year]]}}


SMITH = ("Smith", "Jonas")
THREE = [SMITH, ("Adams", "Anna"), ("Baker", "Bert")]
FOUR = [SMITH, ("Brown", "Carl"), ("Cole", "Dora"), ("Dunn", "Emil")]
FIVE = [SMITH, ("Clark", "Fred"), ("Evans", "Gina"), ("Fox", "Hugo"), ("Gray", "Ida")]
SPLIT = [_article("d1", FIVE, "Delta one"), _article("c1", FOUR, "Gamma one"),
         _article("f1", THREE, "Alpha one"), _article("d2", FIVE, "Delta two"),
         _article("c2", FOUR, "Gamma two"), _article("f2", THREE, "Alpha two")]


def _suffixes(entries):
    import re
    return {e.id: re.search(r"\(2016([a-z]?)\)", e.text).group(1) for e in entries}


def test_year_suffixes_run_on_across_the_cites_tried_together():
    # Six "Smith et al. (2016)": adding names splits them into the three-name
    # pair and the rest, tried as one list; citeproc-js letters that list a-d
    assert _suffixes(render_bibliography(SPLIT, "apa")) == {
        "f1": "a", "f2": "b", "c1": "a", "c2": "b", "d1": "c", "d2": "d"}


def test_citations_print_the_same_year_suffixes_as_the_bibliography():
    engine = CitationEngine("apa")
    texts = [e.text for e in engine.citations(SPLIT, [[{"id": "d2"}], [{"id": "f1"}]])]
    assert texts == ["(Smith, Clark, et al., 2016d)", "(Smith, Adams, et al., 2016a)"]


BURT = [_article("a", [("Burt", "M. G.")], "One", 1992), _article("b", [("Burt", "M G")], "Two", 1992)]


def test_a_fully_expanded_given_name_prints_as_written_and_can_disambiguate():
    # "M. G." and "M G" initialize alike; the full given name, as written in
    # the data, tells them apart, so no year suffix is needed
    harvard = {e.id: e.text for e in render_bibliography(BURT, "harvard-cite-them-right")}
    assert harvard["a"].startswith("Burt, M. G. (1992) ")
    assert harvard["b"].startswith("Burt, M G (1992) ")
    mla = {e.id: e.text for e in render_bibliography(BURT, "modern-language-association")}
    assert mla["b"].startswith("Burt, M G. “Two.”")


def test_two_people_with_the_same_initials_in_one_entry_print_their_given_names():
    items = [{"id": "x", "type": "book", "title": "T", "issued": {"date-parts": [[2016]]},
              "author": [{"family": "Li", "given": "Ziyuan"}, {"family": "Li", "given": "Zhe"}]},
             {"id": "y", "type": "book", "title": "U", "issued": {"date-parts": [[2016]]},
              "author": [{"family": "Xu", "given": "JY"}, {"family": "Xu", "given": "JZ"},
                         {"family": "Wu", "given": "A"}]},
             {"id": "z", "type": "book", "title": "V", "issued": {"date-parts": [[2010]]},
              "author": [{"family": "Kim", "given": "Anna"}, {"family": "Kim", "given": "Bert"}]}]
    texts = {e.id: e.text for e in render_bibliography(items, "elsevier-harvard")}
    assert texts == {"x": "Li, Ziyuan, Li, Zhe, 2016. T.", "y": "Xu, JY, Xu, JZ, Wu, A., 2016. U.",
                     "z": "Kim, A., Kim, B., 2010. V."}
    engine = CitationEngine("elsevier-harvard")
    assert engine.citations(items, [[{"id": "x"}]])[0].text == "(Li and Li, 2016)"
    # APA's primary-name rule leaves them as initials
    assert render_bibliography(items[:1], "apa")[0].text.startswith("Li, Z., & Li, Z. (2016)")


def _book(key, names, title):
    return {"id": key, "type": "book", "title": title, "issued": {"date-parts": [[2016]]},
            "author": [{"family": f, "given": g} for f, g in names]}


def test_cites_the_global_given_name_rule_tells_apart_are_still_one_group():
    # Chicago (primary-name rule): "Wu et al. 2016" six times; the two by Dan
    # Wu need a fourth name, and citeproc-js's run gives it to the cites of
    # Jun and Zhao Wu too, although "Jun Wu" and "Zhao Wu" already differ
    more = [("Ab", "Cd"), ("Ef", "Gh"), ("Ij", "Kl"), ("Mn", "Op")]
    items = [_book("w1", [("Wu", "Chao"), ("Yu", "Jiadong"), ("E", "Yanxiong")] + more * 2, "A"),
             _book("w2", [("Wu", "Dan"), ("Tang", "Xiaohong"), ("Wang", "Kai"),
                          ("Olivier", "Aurelien"), ("Li", "Xianqiang")], "B"),
             _book("w3", [("Wu", "Dan"), ("Tang", "Xiaohong"), ("Wang", "Kai"),
                          ("Li", "Xianqiang")], "C"),
             _book("w4", [("Wu", "Jun"), ("Babadi", "Aein"), ("Jacobsson", "Daniel"),
                          ("Colvin", "Jovana")] + more, "D"),
             _book("w5", [("Wu", "Peitsen"), ("Kishimoto", "Katsuhiro"), ("Funato", "Mitsuru"),
                          ("Kawakami", "Yoichi")], "E"),
             _book("w6", [("Wu", "Zhao"), ("Qi", "Junjie"), ("Li", "Feng"), ("Zhu", "Xiaoyang")]
                   + more[:3], "F")]
    texts = {e.id: e.text for e in render_bibliography(items, "chicago-author-date")}
    assert texts["w4"] == "Wu, Jun, Aein Babadi, Daniel Jacobsson, Jovana Colvin, et al. 2016. D."
    assert texts["w6"] == "Wu, Zhao, Junjie Qi, Feng Li, Xiaoyang Zhu, et al. 2016. F."
    assert texts["w1"] == "Wu, Chao, Jiadong Yu, Yanxiong E, et al. 2016. A."
