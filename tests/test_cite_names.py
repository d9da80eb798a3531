"""CSL names (issue 17 points 4, 6, 10): each expectation is what citeproc-js
2.4.63 prints for the same CSL-JSON and style."""

from balintbib.cite import render_bibliography

STYLE_HEAD = ('<?xml version="1.0" encoding="utf-8"?>\n'
              '<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">'
              '<info><title>t</title><id>t</id><updated>2020-01-01T00:00:00+00:00</updated></info>'
              '<citation><layout><text variable="title"/></layout></citation>')


def _style(tmp_path, layout: str, name="names.csl"):
    path = tmp_path / name
    path.write_text(STYLE_HEAD + f"<bibliography><layout>{layout}</layout></bibliography></style>",
                    encoding="utf-8")
    return str(path)


def _texts(items, style):
    return {e.id: e.text for e in render_bibliography(items, style)}


def _article(key, authors, **fields):
    item = {"id": key, "type": "article-journal", "title": "Title", "container-title": "J",
            "volume": "3", "page": "1-9", "issued": {"date-parts": [[2001]]},
            "author": [dict(zip(("family", "given"), a)) if isinstance(a, tuple) else a
                       for a in authors]}
    item.update(fields)
    return item


def test_the_affixes_of_cs_name_go_after_each_name():
    # allergology-international: <name suffix="." initialize-with="" sort-separator=" "/>
    items = [_article("a", [("Smith", "John Paul"), ("Doe", "Jane"), ("Roe", "Rick")]),
             _article("b", [("Smith", "John Paul"), ("Doe", "Jane"), ("Roe", "Rick"), ("A", "Rick"),
                            ("B", "Rick"), ("C", "Rick"), ("D", "Rick")])]
    texts = _texts(items, "allergology-international")
    assert texts["a"] == "1. Smith JP., Doe J., Roe R. Title. J 2001;3:1–9."
    assert texts["b"] == "2. Smith JP., Doe J., Roe R., A R., B R., C R., et al. Title. J 2001;3:1–9."


def test_name_affixes_skip_literal_names_and_wrap_an_et_al_list_again(tmp_path):
    style = _style(tmp_path,
                   '<names variable="author" suffix="|"><name suffix="}" prefix="{" et-al-min="3" '
                   'et-al-use-first="2" initialize-with=". " and="symbol"/></names>'
                   '<names variable="editor" prefix=" ED:"><name suffix="}" prefix="{" form="short" '
                   'and="text"/></names>'
                   '<names variable="translator" prefix=" TR:"><name suffix="}" prefix="{" '
                   'et-al-min="3" et-al-use-first="1" et-al-use-last="true"/></names>')
    people = [{"family": f, "given": g} for f, g in (("A", "B"), ("C", "D"), ("E", "F"), ("G", "H"))]
    items = [{"id": "a", "type": "book", "title": "T",
              "author": [{"family": "Smith", "given": "John"}, {"family": "Doe", "given": "Jane"},
                         {"family": "Roe", "given": "Rick"}],
              "editor": [{"family": "Smith", "given": "John"}, {"literal": "WHO"}],
              "translator": people},
             {"id": "b", "type": "book", "title": "U",
              "author": [{"family": "Smith", "given": "John"}, {"literal": "Org"}]}]
    texts = _texts(items, style)
    assert texts["a"] == "{{J. Smith}, {J. Doe}, et al.}| ED:{Smith} and WHO TR:{B A} … {H G}"
    assert texts["b"] == "{J. Smith} & Org|"


def test_the_et_al_use_last_ellipsis_follows_a_delimiter_only_after_two_names(tmp_path):
    style = _style(tmp_path, '<names variable="author"><name et-al-min="3" et-al-use-first="1" '
                             'et-al-use-last="true"/></names><text value=" / "/>'
                             '<names variable="author"><name et-al-min="4" et-al-use-first="2" '
                             'et-al-use-last="true"/></names>')
    people = [{"family": f, "given": g} for f, g in (("A", "B"), ("C", "D"), ("E", "F"), ("G", "H"))]
    text = _texts([{"id": "a", "type": "book", "title": "T", "author": people}], style)["a"]
    assert text == "B A … H G / B A, D C, … H G"


def test_a_hyphenated_given_name_with_a_lower_case_second_part_is_one_name():
    items = [_article("a", [("Lee", "Seung-jin"), ("Yeo", "Yee-chia"), ("Kim", "Jae-Ho")])]
    assert _texts(items, "apa")["a"] == "Lee, S., Yeo, Y., & Kim, J.-H. (2001). Title. J, 3, 1–9."
    assert _texts(items, "bmj")["a"] == "1  Lee S, Yeo Y, Kim J-H. Title. J. 2001;3:1–9."
    # initialize-with-hyphen="false": the hyphen is a space, the lower-case part a word
    assert _texts(items, "american-medical-association")["a"] == \
        "1. Lee S jin, Yeo Y chia, Kim JH. Title. J. 2001;3:1-9."


def test_particles_inside_a_family_or_given_name_are_split_off():
    # {de Broglie} from BibTeX reaches CSL as family "de Broglie"
    book = {"type": "book", "title": "T", "issued": {"date-parts": [[2000]]}}
    items = [{**book, "id": "a", "author": [{"family": "de Broglie", "given": "Louis"}]},
             {**book, "id": "b", "author": [{"family": "van der Berg", "given": "Jan"}]},
             {**book, "id": "c", "author": [{"family": "Beethoven", "given": "Ludwig van"}]},
             {**book, "id": "d", "author": [{"family": "d'Artagnan", "given": "Charles"}]},
             {**book, "id": "e", "author": [{"family": '"van Dam"', "given": "Dick"}]}]
    chicago = _texts(items, "chicago-author-date")
    assert chicago["a"] == "Broglie, Louis de. 2000. T."
    assert chicago["b"] == "Berg, Jan van der. 2000. T."
    assert chicago["d"] == "Artagnan, Charles d’. 2000. T."
    assert chicago["e"] == "van Dam, Dick. 2000. T."  # a quoted family name is kept whole
    apa = _texts(items, "apa")
    assert apa["a"] == "de Broglie, L. (2000). T."
    assert apa["c"] == "Beethoven, L. van. (2000). T."


def test_a_given_name_with_commas_stays_whole_when_the_name_has_a_particle():
    # citeproc-js splits a suffix off the given name only where it parses
    # particles: "#and#" (a BibTeX "and" written as "#and#") is a particle here
    name = {"family": "Oyama, Akira", "given": "Tanabe, Ryoji", "non-dropping-particle": "#and#"}
    items = [{"id": "a", "type": "book", "title": "T", "issued": {"date-parts": [[2000]]},
              "author": [name]},
             {"id": "b", "type": "book", "title": "U", "issued": {"date-parts": [[2001]]},
              "author": [{"family": "Smith", "given": "John,! Jr."}]}]
    apa = _texts(items, "apa")
    assert apa["a"] == "#and# Oyama, Akira, T. R. (2000). T."
    assert apa["b"] == "Smith, J., Jr. (2001). U."
    assert _texts(items, "chicago-author-date")["a"] == "Oyama, Akira, Tanabe, Ryoji #and#. 2000. T."


def test_subsequent_author_substitute_compares_the_names_as_data(tmp_path):
    style = tmp_path / "sas.csl"
    style.write_text(STYLE_HEAD +
                     '<bibliography subsequent-author-substitute="---" et-al-min="3" '
                     'et-al-use-first="1"><sort><key variable="issued"/></sort><layout>'
                     '<names variable="author"><name initialize-with=". " name-as-sort-order="all"/>'
                     '<label prefix=", " form="short"/><substitute><names variable="editor"/>'
                     '<text variable="title"/></substitute></names>'
                     '<date variable="issued" prefix=" (" suffix=")" date-parts="year" form="numeric"/>'
                     '<text variable="title" prefix=". "/></layout></bibliography></style>',
                     encoding="utf-8")

    def item(key, year, **fields):
        return {"id": key, "type": "book", "title": "T" + key,
                "issued": {"date-parts": [[year]]}, **fields}
    smith = {"family": "Smith", "given": "J."}
    items = [item("a", 2000, author=[{"family": "Smith", "given": "John"}]),
             item("b", 2001, author=[smith]),
             item("c", 2002, author=[smith]),
             item("d", 2003, author=[smith, {"family": "Doe", "given": "X"}, {"family": "Roe", "given": "Y"}]),
             item("f", 2005, editor=[smith]),
             item("g", 2006, editor=[smith]),
             item("h", 2007, title="Same"),
             item("i", 2008, title="Same"),
             item("j", 2009, title="Other"),
             item("k", 2010, author=[{"family": "Other", "given": "X"}])]
    texts = _texts(items, str(style))
    # "Smith, John" and "Smith, J." print alike but are different names
    assert texts["b"] == "Smith, J. (2001). Tb"
    assert texts["c"] == "--- (2002). Tc"
    assert texts["d"] == "--- (2003). Td"  # the names shown (before et al.) are the same
    assert texts["f"] == "---, ed. (2005). Tf"  # the label stays
    assert texts["g"] == "---, ed. (2006). Tg"
    assert texts["i"] == "--- (2008)"  # an equal title printed in place of the names
    assert texts["j"] == "Other (2009)"
    # a title in place of the names is not compared with the previous entry's names
    assert texts["k"] == "Other, X. (2010). Tk"


def test_capitals_after_the_first_letter_of_a_given_name_stay_in_its_initial():
    items = [_article("a", [("Tserendorj", "TSerendorjiin"), ("Smith", "JOHN")])]
    assert _texts(items, "apa")["a"].startswith("Tserendorj, Ts., & Smith, J. (2001).")


def test_mla_prints_guests_and_repeats_editors_and_titles_in_full():
    # a CSL 1.0.2 name variable (guest) is a name list, not text (it crashed)
    def item(key, year, **fields):
        return {"id": key, "type": "book", "title": "T" + key,
                "issued": {"date-parts": [[year]]}, **fields}
    smith = {"family": "Smith", "given": "J."}
    guests = _texts([item("a", 2000, guest=[smith]), item("b", 2001, guest=[smith])],
                    "modern-language-association")
    assert guests == {"a": "Smith, J. Ta. 2000.", "b": "———. Tb. 2001."}
    # after MLA's <names variable="guest"><name/></names> printed nothing,
    # citeproc-js does not replace an editor or title by "———"
    texts = _texts([item("f", 2005, editor=[smith]), item("g", 2006, editor=[smith]),
                    item("h", 2007, title="Same"), item("i", 2008, title="Same")],
                   "modern-language-association")
    assert texts["g"] == "Smith, J., editor. Tg. 2006."
    assert texts["i"] == "Same. 2008."
