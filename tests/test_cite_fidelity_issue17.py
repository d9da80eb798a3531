"""Issue 17 bibliography-fidelity points, each checked against what
citeproc-js 2.4.63 prints for the same CSL-JSON (expected strings taken from
citeproc-js's output)."""

from balintbib.cite import render_bibliography


def _book(key, **fields):
    item = {"id": key, "type": "book", "title": "T", "issued": {"date-parts": [[2000]]}}
    item.update(fields)
    return item


def test_hyphenated_initials_print_as_separate_initials_when_names_are_not_initialized():
    # Chicago and MLA: initialize="false" with initialize-with=". "
    items = [_book("a", author=[{"family": "Kim", "given": "H.-M."}]),
             _book("b", author=[{"family": "Moreno", "given": "J. -C."}]),
             _book("c", author=[{"family": "Schein", "given": "Friedrich-L"}]),
             _book("d", author=[{"family": "Bernard", "given": "Jean-Claude"}])]
    texts = {e.id: e.text for e in render_bibliography(items, "chicago-author-date")}
    assert texts["a"].startswith("Kim, H. M. 2000.")
    assert texts["b"].startswith("Moreno, J. C. 2000.")
    assert texts["c"].startswith("Schein, Friedrich-L. 2000.")
    assert texts["d"].startswith("Bernard, Jean-Claude. 2000.")
    mla = {e.id: e.text for e in render_bibliography(items, "modern-language-association")}
    assert mla["a"].startswith("Kim, H. M. T.")
