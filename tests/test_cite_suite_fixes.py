"""CSL test-suite corrections (issue 17 point 13): positions with note
numbers, numbers and labels, conditions, variables. Expected strings are
what citeproc-js 2.4.63 prints for the same items and style."""

from balintbib.cite.engine import CitationEngine

_STYLE = ('<style xmlns="http://purl.org/net/xbiblio/csl" class="note" version="1.0">'
          '<info><title>t</title><id>t</id><updated>2020-01-01T00:00:00+00:00</updated></info>'
          '{macros}<citation{options}><layout{layout}>{citation}</layout></citation>'
          '{bibliography}</style>')


def _engine(citation, options="", layout="", macros="", bibliography=""):
    return CitationEngine(xml=_STYLE.format(citation=citation, options=options, layout=layout,
                                            macros=macros, bibliography=bibliography))


def _items(*names):
    return [{"id": name, "type": "book", "title": f"Life of {name}",
             "author": [{"family": name, "given": "J"}]} for name in names]


_SUPRA = ('<choose><if position="first"><names variable="author"><name form="short"/></names>'
          '<text variable="title" prefix=", "/></if>'
          '<else-if position="ibid"><text term="ibid"/></else-if>'
          '<else><names variable="author"><name form="short"/></names>'
          '<group delimiter=" " prefix=", "><text value="supra note"/>'
          '<text variable="first-reference-note-number"/></group></else></choose>')


def test_a_subsequent_note_citation_prints_the_note_of_the_first_reference():
    engine = _engine(_SUPRA, layout=' delimiter="; "')
    clusters = [[{"id": "Doe"}], [{"id": "Roe"}], [{"id": "Doe"}], [{"id": "Roe"}]]
    out = [e.text for e in engine.citations(_items("Doe", "Roe"), clusters, notes=[1, 2, 3, 4])]
    assert out == ["Doe, Life of Doe", "Roe, Life of Roe", "Doe, supra note 1", "Roe, supra note 2"]
    # in running text there is no note number: the group is left out
    out = [e.text for e in engine.citations(_items("Doe", "Roe"), clusters)]
    assert out[2:] == ["Doe", "Roe"]


def test_ibid_needs_the_previous_note_to_cite_only_that_item():
    engine = _engine(_SUPRA)
    clusters = [[{"id": "Doe"}], [{"id": "Roe"}], [{"id": "Roe"}], [{"id": "Roe"}]]
    # note 1 holds Doe and Roe: note 2's Roe is no ibid; note 3's is
    out = [e.text for e in engine.citations(_items("Doe", "Roe"), clusters, notes=[1, 1, 2, 3])]
    assert out == ["Doe, Life of Doe", "Roe, Life of Roe", "Roe, supra note 1", "Ibid."]
    # a note in between (notes 1 and 3) breaks ibid
    out = [e.text for e in engine.citations(_items("Doe"), [[{"id": "Doe"}], [{"id": "Doe"}]],
                                            notes=[1, 3])]
    assert out == ["Doe, Life of Doe", "Doe, supra note 1"]


def test_an_in_text_citation_after_a_note_compares_with_the_previous_in_text_one():
    engine = _engine(_SUPRA)
    clusters = [[{"id": "Doe"}], [{"id": "Roe"}], [{"id": "Doe"}]]
    out = [e.text for e in engine.citations(_items("Doe", "Roe"), clusters, notes=[0, 1, 0])]
    assert out == ["Doe, Life of Doe", "Roe, Life of Roe", "Ibid."]


def test_the_same_locator_twice_is_ibid_not_ibid_with_locator():
    engine = _engine('<choose><if position="ibid-with-locator"><text value="IWL"/></if>'
                     '<else-if position="ibid"><text term="ibid"/></else-if>'
                     '<else><text variable="title"/></else></choose>', layout=' delimiter="; "')
    out = engine.citations(_items("Doe"), [[{"id": "Doe", "locator": "34"},
                                            {"id": "Doe", "locator": "34"},
                                            {"id": "Doe", "locator": "35"}]])
    assert out[0].text == "Life of Doe; ibid.; IWL"


def test_near_note_counts_notes_and_the_same_note_is_distance_zero():
    engine = _engine('<choose><if position="ibid near-note" match="all"><text value="near"/></if>'
                     '<else><text value="plain"/></else></choose>',
                     options=' near-note-distance="0"', layout=' delimiter="; "')
    clusters = [[{"id": "Doe"}, {"id": "Doe"}], [{"id": "Roe"}], [{"id": "Roe"}, {"id": "Doe"}]]
    out = [e.text for e in engine.citations(_items("Doe", "Roe"), clusters, notes=[1, 2, 3])]
    assert out == ["plain; near", "plain", "plain; plain"]


def test_a_citation_label_is_made_from_names_and_year_and_takes_the_year_suffix():
    engine = _engine('<text variable="citation-label"/>',
                     options=' disambiguate-add-year-suffix="true"', layout=' delimiter="; "')

    def book(key, year, *families):
        return {"id": key, "type": "book", "issued": {"date-parts": [[year]]},
                "author": [{"family": f, "given": "A"} for f in families]}
    items = [book("a", 1965, "Doe"), book("b", 1978, "Roe", "Noakes"),
             book("c", 1978, "Roe", "Noakes"), book("d", 1926, "von Dipheria", "Eczema",
                                                    "Flatulence", "Goiter", "Hiccups"),
             book("e", 1998, "Bronchitis", "Cholera", "Dengue"),
             dict(book("f", 1900, "Asthma"), **{"citation-label": "Spiff1900"})]
    out = engine.citations(items, [[{"id": i["id"]} for i in items]])
    assert out[0].text == "Doe65; RoNo78a; RoNo78b; DEFG26; BrCD98; Spiff1900"


def test_ordinals_follow_the_gender_of_the_variables_term():
    style = ('<style xmlns="http://purl.org/net/xbiblio/csl" class="note" version="1.0" '
             'default-locale="fr-FR"><info><title>t</title><id>t</id>'
             '<updated>2020-01-01T00:00:00+00:00</updated></info>'
             '<locale><terms><term name="ordinal">.a</term>'
             '<term name="ordinal-02" gender-form="masculine">.oo</term></terms></locale>'
             '<citation><layout delimiter="; "><group delimiter=", ">'
             '<number variable="edition" form="ordinal"/><number variable="issue" form="ordinal"/>'
             '</group></layout></citation></style>')
    engine = CitationEngine(xml=style)
    items = [{"id": "a", "type": "book", "edition": "1", "issue": "1"},
             {"id": "b", "type": "book", "edition": "2", "issue": "2"}]
    out = engine.citations(items, [[{"id": "a"}, {"id": "b"}]])[0].text
    # French "édition" is feminine, "numéro" masculine: the masculine-only
    # "ordinal-02" applies to the issue, not to the edition (citeproc-js)
    assert out == "1.a, 1.a; 2.a, 2.oo"


def test_a_roman_page_range_takes_the_plural_label():
    engine = _engine('<group delimiter=" "><label variable="page"/><text variable="page"/></group>',
                     layout=' delimiter="; "')
    items = [{"id": "a", "type": "book", "page": "i-ix"}, {"id": "b", "type": "book", "page": "3\\-B"}]
    assert engine.citations(items, [[{"id": "a"}, {"id": "b"}]])[0].text == "pages i–ix; page 3-B"


def test_et_al_subsequent_options_apply_to_an_item_cited_before():
    authors = [{"family": f, "given": g} for f, g in
               (("Doe", "John"), ("Roe", "Jane"), ("Harper", "Katie"), ("Clutterbuck", "Emmanuel"))]
    item = [{"id": "a", "type": "book", "author": authors}]
    engine = _engine('<text macro="author"/>',
                     options=' et-al-min="5" et-al-use-first="1" et-al-subsequent-min="3"'
                             ' et-al-subsequent-use-first="1"',
                     macros='<macro name="author"><names variable="author"><name/></names></macro>')
    out = [e.text for e in engine.citations(item, [[{"id": "a"}], [{"id": "a"}]], notes=[1, 2])]
    assert out == ["John Doe, Jane Roe, Katie Harper, Emmanuel Clutterbuck", "John Doe et al."]


def test_a_one_word_prefix_ending_in_a_period_does_not_capitalize_the_term_after_it():
    engine = _engine('<text term="ibid"/>')
    out = [e.text for e in engine.citations(_items("Doe"), [[{"id": "Doe", "prefix": "Cf. "}],
                                                            [{"id": "Doe", "prefix": "See here. "}]])]
    assert out == ["Cf. ibid.", "See here. Ibid."]


def test_names_of_csl_1_0_2_variables_such_as_reviewed_author_are_names():
    engine = _engine('<text variable="title"/>', bibliography=(
        '<bibliography><layout><group delimiter=", "><text variable="title" prefix="Review of "/>'
        '<names variable="reviewed-author"><label form="verb" suffix=" "/><name/></names>'
        '<names variable="director"><name/></names></group></layout></bibliography>'))
    item = {"id": "r", "type": "article-journal", "title": "My Title",
            "reviewed-author": [{"family": "Burtle", "given": "Beaver"}],
            "director": [{"family": "Lang", "given": "Fritz"}]}
    assert engine.bibliography([item])[0].text == "Review of My Title, by Beaver Burtle, Fritz Lang"


def test_a_cite_may_bring_its_own_position_as_citeproc_js_allows():
    engine = _engine('<choose><if position="subsequent"><text value="short"/></if>'
                     '<else><text variable="title"/></else></choose>')
    out = engine.citations(_items("Doe"), [[{"id": "Doe", "position": 1}]])
    assert out[0].text == "short"


def test_a_macro_printing_only_a_term_beside_an_empty_name_list_is_printed():
    macros = ('<macro name="anon"><choose><if variable="author" match="none">'
              '<text term="anonymous" form="short" text-case="capitalize-first"/></if></choose></macro>'
              '<macro name="who"><names variable="author"><name form="short"/></names>'
              '<text macro="anon"/></macro>')
    engine = _engine('<group delimiter=" "><text macro="who"/><date variable="issued">'
                     '<date-part name="year"/></date></group>', layout=' delimiter="; "',
                     macros=macros)
    items = [{"id": "w", "type": "webpage", "title": "Google"},
             {"id": "m", "type": "book", "author": [{"family": "Manstein", "given": "E"}],
              "issued": {"date-parts": [[1982]]}}]
    assert engine.citations(items, [[{"id": "w"}, {"id": "m"}]])[0].text == "Anon.; Manstein 1982"


def test_unicode_superscript_characters_print_as_sup_in_html():
    engine = _engine('<text variable="title"/>')
    items = [{"id": "s", "type": "book", "title": "Brand™ ᴬ ㆒ ⁽ˀ⁾"}]
    assert engine.citations(items, [[{"id": "s"}]])[0].html == \
        "Brand<sup>TM</sup> <sup>A</sup> <sup>一</sup> <sup>(</sup><sup>ʔ</sup><sup>)</sup>"


def test_the_html_of_a_bibliography_entry_keeps_the_space_of_an_affix_at_its_ends():
    engine = _engine('<text variable="title"/>', bibliography=(
        '<bibliography><layout><date variable="issued" prefix=" (" suffix="): ">'
        '<date-part name="year"/></date><text variable="page"/>'
        '<text variable="title" suffix=", "/></layout></bibliography>'))
    entry = engine.bibliography([{"id": "p", "type": "book", "title": "T", "page": "1-7",
                                  "issued": {"date-parts": [[2006]]}}])[0]
    assert entry.html == " (2006): 1–7T, "
    assert entry.text == "(2006): 1–7T,"


def test_a_month_range_in_ieee_renders_instead_of_crashing():
    from balintbib.cite import render_bibliography
    item = {"id": "x", "type": "article-journal", "title": "T", "container-title": "J",
            "author": [{"family": "Doe", "given": "J"}],
            "issued": {"date-parts": [[1996, 9], [1996, 10]]}}
    # citeproc-js 2.4.63: "[1] J. Doe, “T,” J, Sep.–Oct. 1996."
    assert render_bibliography([item], "ieee")[0].text == "[1] J. Doe, “T,” J, Sep.–Oct. 1996."


def test_font_style_normal_inside_italics_prints_upright_and_baseline_inside_sup():
    engine = _engine('<group delimiter="|"><text variable="title" font-style="normal"/>'
                     '<group font-style="italic"><text variable="title" font-style="normal"/></group>'
                     '<group vertical-align="sup"><text variable="title" vertical-align="baseline"/>'
                     '</group></group>')
    out = engine.citations([{"id": "t", "type": "book", "title": "T"}], [[{"id": "t"}]])[0].html
    assert out == ('T|<i><span style="font-style:normal;">T</span></i>|'
                   '<sup><span style="baseline">T</span></sup>')


def test_names_and_dates_in_note_lines_fill_empty_variables():
    engine = _engine('<group delimiter=", "><names variable="reviewed-author"><name/></names>'
                     '<names variable="container-author"><name/></names>'
                     '<date variable="original-date"><date-part name="year"/></date></group>')
    item = {"id": "n", "type": "post-weblog", "title": "T",
            "note": "reviewed-author: Hall || W.C.\ncontainer-author: Deaf Society\n"
                    "original-date: 1999-04-01\nKept as a note."}
    assert engine.citations([item], [[{"id": "n"}]])[0].text == "W.C. Hall, Deaf Society, 1999"


def test_the_layout_suffix_goes_inside_a_closing_display_block():
    engine = _engine('<text variable="title"/>', bibliography=(
        '<bibliography><layout suffix="."><group display="block"><text value="Aalto"/></group>'
        '<group display="right-inline"><text variable="title"/></group></layout></bibliography>'))
    entry = engine.bibliography([{"id": "h", "type": "book", "title": "Here"}])[0]
    assert entry.html == ('<div class="csl-block">Aalto</div>'
                          '<div class="csl-right-inline">Here.</div>')


def test_a_page_locator_follows_the_page_range_format_and_an_escaped_hyphen_is_singular():
    style = _STYLE.replace('version="1.0">', 'version="1.0" page-range-format="expanded">', 1)
    engine = CitationEngine(xml=style.format(
        citation='<group delimiter=" "><label variable="locator"/><text variable="locator"/></group>',
        options="", layout="", macros="", bibliography=""))
    out = [e.text for e in engine.citations(_items("Doe"), [[{"id": "Doe", "locator": "427-30"}],
                                                            [{"id": "Doe", "locator": "327\\-30"}]])]
    assert out == ["pages 427–430", "page 327-30"]


def test_a_note_style_document_numbers_its_notes_for_first_reference_note_number(tmp_path):
    from balintbib.cite.document import render_document
    style = tmp_path / "supra.csl"
    style.write_text(_STYLE.format(citation=_SUPRA, options="", layout="", macros="",
                                   bibliography=""), encoding="utf-8")
    doc = render_document("One [@Doe]. Two [@Roe]. Three [@Doe].", _items("Doe", "Roe"), str(style))
    assert doc.notes == ["Doe, Life of Doe", "Roe, Life of Roe", "Doe, supra note 1"]
