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
