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


def test_a_number_with_a_leading_zero_is_printed_as_written():
    article = {"id": "t", "type": "article-journal", "title": "T", "container-title": "J",
               "author": [{"family": "Thompson", "given": "Carl V."}],
               "issued": {"date-parts": [[1999]]}, "volume": "014", "issue": "07-09"}
    text = render_bibliography([article], "ieee")[0].text
    assert "vol. 014, no. 07–09," in text
    book = {"id": "b", "type": "book", "title": "T", "edition": "02", "volume": "1",
            "author": [{"family": "Fam", "given": "A"}], "issued": {"date-parts": [[2000]]}}
    assert "T, 02 ed., vol. 1" in render_bibliography([book], "ieee")[0].text


def test_a_short_term_without_a_short_form_falls_back_to_the_long_form(tmp_path):
    style = tmp_path / "short-terms.csl"
    style.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">'
        '<info><title>t</title><id>t</id><updated>2020-01-01T00:00:00+00:00</updated></info>'
        '<citation><layout><text variable="title"/></layout></citation>'
        '<bibliography><layout><group delimiter=" "><text value="x"/>'
        '<text term="in" form="short"/><text term="editor" form="short"/>'
        '<text term="at" form="verb-short"/><text variable="title"/></group>'
        '</layout></bibliography></style>', encoding="utf-8")
    item = {"id": "x", "type": "book", "title": "T"}
    # citeproc-js 2.4.63: "x in ed. at T"
    assert render_bibliography([item], str(style))[0].text == "x in ed. at T"


def test_a_delimiter_before_field_data_that_opens_with_punctuation_stays():
    # the corpus's placeholder pages "??-??" / "????": citeproc-js keeps AMA's ":"
    article = {"id": "j", "type": "article-journal", "title": "History of printing",
               "container-title": "Printing History", "author": [{"family": "Johnston", "given": "Alastair"}],
               "issued": {"date-parts": [[1991]]}, "volume": "13/14", "issue": "2/1", "page": "??-??"}
    book = {"id": "u", "type": "book", "title": "Unicode and the Web", "publisher": "The Unicode Consortium",
            "editor": [{"literal": "Unicode Consortium"}], "issued": {"date-parts": [[2000]]}, "page": "????"}
    texts = {e.id: e.text for e in render_bibliography([article, book], "american-medical-association")}
    assert texts["j"].endswith("1991;13/14(2/1):??-??")
    assert "The Unicode Consortium; 2000:????" in texts["u"]


def test_numbers_joined_by_a_slash_take_a_singular_label():
    article = {"id": "j", "type": "article-journal", "title": "History of printing",
               "container-title": "Printing History", "author": [{"family": "Johnston", "given": "Alastair"}],
               "issued": {"date-parts": [[1991]]}, "volume": "13/14", "issue": "2/1", "page": "1-9"}
    text = render_bibliography([article], "chicago-notes-bibliography")[0].text
    assert "Printing History 13/14, no. 2/1 (1991)" in text
    article.update(issue="1-2")
    assert "nos. 1–2" in render_bibliography([article], "chicago-notes-bibliography")[0].text


def test_is_numeric_holds_for_slashed_numbers_ranges_and_lists():
    base = {"type": "article-journal", "title": "T", "container-title": "J",
            "author": [{"family": "Johnston", "given": "Alastair"}], "issued": {"date-parts": [[1991]]}}
    items = [dict(base, id="a", volume="13/14"), dict(base, id="b", volume="1 & 2"),
             dict(base, id="c", volume="PC-26"), dict(base, id="d", volume="12a/13")]
    texts = {e.id: e.text for e in render_bibliography(items, "modern-language-association")}
    # MLA labels a numeric volume only ("vol. 13/14"), as citeproc-js decides it
    assert "J, vol. 13/14," in texts["a"]
    assert "J, vols. 1 & 2," in texts["b"]
    assert "J, PC-26," in texts["c"]
    assert "J, 12a/13," in texts["d"]


def test_a_bare_initial_after_a_hyphen_gets_its_period_in_a_name_not_inverted():
    item = _book("f", author=[{"family": "Frenzel", "given": "Heiko"},
                              {"family": "Schein", "given": "Friedrich-L"},
                              {"family": "Bernard", "given": "Jean-Claude"}])
    text = render_bibliography([item], "chicago-author-date")[0].text
    assert text.startswith("Frenzel, Heiko, Friedrich-L. Schein, and Jean-Claude Bernard. 2000.")


def test_key_value_lines_of_a_note_are_data_not_note_text():
    book = _book("n", title="Critique and postcritique", publisher="Duke University Press",
                 author=[{"family": "Anker", "given": "Elizabeth S"}], note="ID: 1026334639")
    text = render_bibliography([book], "apa-annotated-bibliography")[0].text
    assert text == "Anker, E. S. (2000). Critique and postcritique. Duke University Press."
    book["note"] = "Read for the May meeting.\nPMID: 123"
    text = render_bibliography([book], "apa-annotated-bibliography")[0].text
    assert "Read for the May meeting." in text and "PMID" not in text
    assert book["note"] == "Read for the May meeting.\nPMID: 123"  # the item itself is kept


def test_zotero_journal_abbreviation_is_the_short_container_title():
    article = {"id": "a", "type": "article-journal", "title": "An Article",
               "container-title": "American Law Journal", "journalAbbreviation": "Am. L.J.",
               "author": [{"family": "Doe", "given": "Jane"}], "issued": {"date-parts": [[2001]]},
               "volume": "3", "page": "1-9"}
    # AMA prints the abbreviated journal title, periods stripped
    assert "An Article. Am LJ. 2001" in render_bibliography([article], "american-medical-association")[0].text


def test_a_locator_written_with_a_leading_space_is_trimmed(tmp_path):
    from balintbib.cite import render_citations
    style = tmp_path / "locator.csl"
    style.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<style xmlns="http://purl.org/net/xbiblio/csl" class="note" version="1.0">'
        '<info><title>t</title><id>t</id><updated>2020-01-01T00:00:00+00:00</updated></info>'
        '<citation><layout><group delimiter=":"><text variable="title"/>'
        '<text variable="locator"/></group></layout></citation></style>', encoding="utf-8")
    book = _book("b", title="Hello Title")
    out = render_citations([book], [[{"id": "b", "locator": " 666"}]], str(style))
    assert out[0].text == "Hello Title:666"  # citeproc-js (fixture locator_WithLeadingSpace)


def test_an_aligned_entry_without_a_layout_suffix_does_not_end_in_a_space(tmp_path):
    style = tmp_path / "aligned.csl"
    style.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">'
        '<info><title>t</title><id>t</id><updated>2020-01-01T00:00:00+00:00</updated></info>'
        '<citation><layout><text variable="citation-number"/></layout></citation>'
        '<bibliography second-field-align="flush"><layout>'
        '<text variable="citation-number" suffix=". "/><text variable="title" suffix=". "/>'
        '</layout></bibliography></style>', encoding="utf-8")
    entry = render_bibliography([_book("a", title="Main title")], str(style))[0]
    assert entry.html.endswith('<div class="csl-right-inline">Main title.</div>')
