"""MLA, Harvard and the remaining causes of issue 17 (text case, dashes,
quotation marks): each test's expected string is what citeproc-js 2.4.63
prints for the same CSL-JSON."""

from balintbib.cite import render_bibliography


def _texts(items, style):
    return {e.id: e.text for e in render_bibliography(items, style)}


def _paper(key, title, authors, editors, year):
    return {"id": key, "type": "paper-conference", "title": title,
            "container-title": f"Proceedings {key.upper()}", "issued": {"date-parts": [[year]]},
            "author": [{"family": f, "given": g} for f, g in authors],
            "editor": [{"family": f, "given": g} for f, g in editors]}


def test_names_added_for_disambiguation_expand_the_author_list_only():
    # MLA cites "(Kopp et al.)" twice: the authors gain a name, the editors
    # of the proceedings keep their et-al
    items = [
        _paper("a", "Towards the flow model",
               [("Kopp", "Oliver"), ("Leymann", "Frank"), ("Unger", "Tobias")],
               [("Eichhorn", "Daniel"), ("Koschmider", "Agnes"), ("Zhang", "Huayu")], 2011),
        _paper("b", "A modeling tool",
               [("Kopp", "Oliver"), ("Binz", "Tobias"), ("Unger", "Tobias")],
               [("Heinze", "Thomas"), ("Prinz", "Thomas"), ("Wolf", "Ann")], 2015)]
    texts = _texts(items, "modern-language-association")
    assert texts["a"] == ("Kopp, Oliver, Frank Leymann, et al. “Towards the Flow Model.” "
                          "Proceedings A, edited by Daniel Eichhorn et al., 2011.")
    assert texts["b"] == ("Kopp, Oliver, Tobias Binz, et al. “A Modeling Tool.” "
                          "Proceedings B, edited by Thomas Heinze et al., 2015.")


def test_a_term_that_opens_a_bibliography_entry_starts_with_a_capital():
    # no author, no date: the "no date" term is the first thing printed
    items = [{"id": "a", "type": "book", "publisher": "Macmillan"},
             {"id": "b", "type": "book", "title": "only a title"},
             {"id": "d", "type": "book"}]
    assert _texts(items, "apa")["a"] == "(N.d.-a). Macmillan."
    assert _texts(items, "apa")["b"] == "only a title. (n.d.)."  # a title before it
    assert _texts(items, "chicago-author-date")["a"] == "N.d.-a. Macmillan."
    assert _texts(items, "harvard-cite-them-right")["a"] == "(No date a). Macmillan."
    # Elsevier's "ed" value in a suppressed group printed nothing before it
    assert _texts(items, "elsevier-harvard")["d"] == "N.d."


def test_quotation_marks_in_a_name_particle_are_the_locales_quotes():
    # machine-made BibTeX: "#and#" and a quoted co-author read as a particle
    item = {"id": "w", "type": "book", "title": "T", "issued": {"date-parts": [[2011]]},
            "author": [{"family": "\"Johan Oppen\"", "given": "Woodruff_D",
                        "non-dropping-particle": "#and# \"Ulrike Ritzinger\" #and#"}]}
    assert _texts([item], "apa")["w"] == "#and# “Ulrike Ritzinger” #and# Johan Oppen, W. (2011). T."
    assert _texts([item], "chicago-author-date")["w"] == \
        "Johan Oppen, Woodruff_D #and# “Ulrike Ritzinger” #and#. 2011. T."
    assert _texts([item], "nature")["w"] == "1. #and# ‘Ulrike Ritzinger’ #and# Johan Oppen, W. T. (2011)."


def test_number_of_volumes_beside_an_empty_volume_label_prints_the_label():
    book = {"id": "k", "type": "book", "title": "Computers & typesetting", "number-of-volumes": "5",
            "issued": {"date-parts": [[1984]]}, "author": [{"family": "Knuth", "given": "D. E."}]}
    assert _texts([book], "harvard-cite-them-right")["k"] == \
        "Knuth, D.E. (1984) Computers & typesetting (5 vol)."
    # a label alone, its variable empty, still prints nothing
    assert "Edition" not in _texts([dict(book, type="book")], "apa")["k"]


def test_a_hyphen_chain_gets_the_range_delimiter_at_its_last_link():
    def article(key, page, issue):
        return {"id": key, "type": "article-journal", "title": "T", "container-title": "TUGboat",
                "volume": "10", "issue": issue, "page": page, "issued": {"date-parts": [[1989]]},
                "author": [{"family": "Beebe", "given": "Nelson"}]}
    items = [article("m", "M-1-M-12", "3"), article("o", "C3-27-C3-32", "12-15, 17-19"),
             article("r", "A-B-3", "93-12-04"), article("s", "1", "STAN-CS-83-974"),
             article("n", "1", "NPS012-81-005")]
    texts = _texts(items, "modern-language-association")
    assert texts["m"].endswith("vol. 10, no. 3, 1989, p. M-1-M–12.")
    assert texts["o"].endswith("vol. 10, nos. 12–15, 17–19, 1989, pp. C3-27-C3-32.")
    assert texts["r"].endswith("vol. 10, nos. 93-12–04, 1989, p. A-B-3.")
    assert "no. STAN-CS-83-974," in texts["s"]
    assert "nos. NPS012-81–005," in texts["n"]


def test_the_implicit_year_suffix_goes_on_the_end_of_a_year_range():
    items = [{"id": k, "type": "book", "title": t, "issued": {"date-parts": [[1984], [1986]]},
              "author": [{"family": "Knuth", "given": "Donald E."}]}
             for k, t in (("a", "Computers"), ("b", "Computers related"))]
    texts = _texts(items, "elsevier-harvard")
    assert texts["a"] == "Knuth, D.E., 1984–1986a. Computers."
    assert texts["b"] == "Knuth, D.E., 1984–1986b. Computers related."


def test_mla_sorts_a_word_before_a_number_where_author_and_title_tie():
    # citeproc-js's macro sort key reads "no.|undefined2" for a numeric issue
    def article(key, issue):
        return {"id": key, "type": "article-journal", "title": "T", "container-title": "J",
                "volume": "10", "issue": issue, "page": "1", "issued": {"date-parts": [[1989]]},
                "author": [{"family": "Beebe", "given": "Nelson"}]}
    items = [article("i3", "3"), article("iS", "STAN-CS"), article("i10", "10"),
             article("ia", "abc"), article("i2", "2")]
    order = [e.id for e in render_bibliography(items, "modern-language-association")]
    assert order == ["ia", "iS", "i2", "i3", "i10"]


def test_capitalize_first_on_a_written_out_edition_capitalizes_each_element():
    editions = {"a": "ninth Dover printing, tenth GPO printing", "b": "Re-edited, December 1993",
                "c": "23rd printing, with corrections.", "d": "Revised and enlarged",
                "e": "with corrections", "f": "revised edition, with new corrections"}
    items = [{"id": k, "type": "book", "title": "T", "edition": v, "issued": {"date-parts": [[1990]]},
              "author": [{"family": "Z" + k, "given": "Y"}]} for k, v in editions.items()]
    texts = _texts(items, "modern-language-association")
    assert "T. Ninth Dover printing, Tenth GPO printing, 1990." in texts["a"]
    assert "T. Re-Edited, December 1993, 1990." in texts["b"]
    assert "T. 23rd printing, with Corrections., 1990." in texts["c"]
    assert "T. Revised and Enlarged, 1990." in texts["d"]
    assert "T. With corrections, 1990." in texts["e"]
    assert "T. Revised edition, with New corrections, 1990." in texts["f"]
