"""CSL sorting and collation as citeproc-js 2.4.63 does it (issue 17 point 5):
every expected order and string here is what citeproc-js prints for the same
CSL-JSON and style."""

from balintbib.cite import render_bibliography
from balintbib.cite.engine import CitationEngine
from balintbib.cite.styles import resolve_style


def _book(key, family, given="A", title="T", year=1999, **fields):
    item = {"id": key, "type": "book", "title": title,
            "author": [{"family": family, "given": given}],
            "issued": {"date-parts": [[year]]}}
    item.update(fields)
    return item


def _style(tmp_path, sort_keys, locale=None, demote=None):
    path = tmp_path / f"sorted-{locale or 'en'}-{demote}.csl"
    default = f' default-locale="{locale}"' if locale else ""
    if demote:
        default += f' demote-non-dropping-particle="{demote}"'
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0"{default}>'
        '<info><title>t</title><id>t</id><updated>2020-01-01T00:00:00+00:00</updated></info>'
        '<citation><layout><text variable="title"/></layout></citation>'
        f'<bibliography><sort>{sort_keys}</sort><layout><group delimiter=". ">'
        '<names variable="author"/><text variable="title"/></group></layout></bibliography>'
        '</style>', encoding="utf-8")
    return str(path)


def _order(items, style):
    return [e.id for e in render_bibliography(items, style)]


def test_l_with_stroke_sorts_as_l():
    items = [_book("gong", "Gong"), _book("golosz", "Gołosz"), _book("gr", "Goldman-Rakic")]
    assert _order(items, "apa") == ["gr", "golosz", "gong"]


def test_accents_and_case_do_not_order_names_ties_keep_the_input_order(tmp_path):
    style = _style(tmp_path, '<key variable="author"/>')
    items = [_book("acute", "Éclair", "Ann"), _book("plain", "Eclair", "Ann"),
             _book("lower", "eclair", "ann"), _book("gold", "Gold", "Ann")]
    assert _order(items, style) == ["acute", "plain", "lower", "gold"]
    items.reverse()
    assert _order(items, style) == ["lower", "plain", "acute", "gold"]


def test_numbers_in_sort_keys_compare_as_numbers(tmp_path):
    style = _style(tmp_path, '<key variable="title"/>')
    items = [_book("ten", "X", title="Vol 10"), _book("nine", "Y", title="Vol 9")]
    assert _order(items, style) == ["nine", "ten"]


def test_the_style_locale_collation_applies_slovak_ch_after_h(tmp_path):
    items = [_book("chalupa", "Chalupa", "Jan"), _book("hudec", "Hudec", "Jan"),
             _book("ivan", "Ivan", "Jan")]
    slovak = _style(tmp_path, '<key variable="author"/>', locale="sk-SK")
    assert _order(items, slovak) == ["hudec", "chalupa", "ivan"]
    english = _style(tmp_path, '<key variable="author"/>')
    assert _order(items, english) == ["chalupa", "hudec", "ivan"]


def test_a_name_list_ends_a_name_before_any_further_initial():
    # DIN 1505-2 numbers its entries alphabetically; citeproc-js's key
    # "Cormen|Thomas|;|Leiserson" sorts before "Cormen|Thomas|H.|;|Leiserson"
    authors = [{"family": "Cormen", "given": "Thomas"}, {"family": "Leiserson", "given": "Charles"}]
    with_initials = [{"family": "Cormen", "given": "Thomas H."},
                     {"family": "Leiserson", "given": "Charles E."}]
    items = [dict(_book("new", "x", title="Introduction to Algorithms", year=2009),
                  author=with_initials),
             dict(_book("old", "x", title="Introduction to Algorithms", year=1989),
                  author=authors)]
    texts = [e.text for e in render_bibliography(items, "din-1505-2-numeric-alphabetical")]
    assert texts[0].startswith("[1] Cormen, Thomas ; Leiserson, Charles: Introduction")
    assert texts[1].startswith("[2] Cormen, Thomas H. ; Leiserson, Charles E.: Introduction")


def test_a_sort_macro_with_a_year_only_date_ties_on_month_and_keeps_the_input_order():
    # Elsevier-Harvard sorts on its year macro (descending): three papers of
    # 1989 keep their input order, and their year suffixes follow it; the
    # undated one (its macro prints "n.d.") has no key and comes last
    anonymous = [{"literal": "Anonymous"}]
    items = [_book("nov", "x", title="Membership list", author=anonymous,
                   issued={"date-parts": [[1989, 11]]}),
             _book("undated", "x", title="Undated", author=anonymous, issued=None),
             _book("dec", "x", title="Editorial", author=anonymous,
                   issued={"date-parts": [[1989, 12]]}),
             _book("apr", "x", title="Title page", author=anonymous,
                   issued={"date-parts": [[1989, 4]]})]
    del items[1]["issued"]
    texts = [e.text for e in render_bibliography(items, "elsevier-harvard")]
    assert texts == ["Anonymous, 1989a. Membership list.", "Anonymous, 1989b. Editorial.",
                     "Anonymous, 1989c. Title page.", "Anonymous, n.d. Undated."]


def _cluster(style, items, order):
    engine = CitationEngine(xml=resolve_style(style).path.read_bytes())
    by_id = {item["id"]: item for item in items}
    return engine.citations([by_id[i] for i in order], [[{"id": i} for i in order]])[0].text


def test_tied_cites_keep_their_order_in_the_cluster():
    items = [_book("zeta", "Smith", "John", title="Zeta", year=2001),
             _book("alpha", "Smith", "John", title="Alpha", year=2001)]
    # APA's citation keys (author, year) tie: the cluster's order stays
    assert _cluster("apa", items, ["zeta", "alpha"]) == "(Smith, 2001b, 2001a)"
    assert _cluster("apa", items, ["alpha", "zeta"]) == "(Smith, 2001a, 2001b)"


def test_cites_of_a_collapsing_style_tied_on_the_year_sort_by_their_names():
    items = [_book("gong", "Gong"), _book("golosz", "Gołosz"), _book("gr", "Goldman-Rakic"),
             _book("smith", "Smith", year=1998)]
    assert _cluster("harvard-cite-them-right", items, ["gong", "golosz", "gr", "smith"]) == \
        "(Smith, 1998; Goldman-Rakic, 1999; Gołosz, 1999; Gong, 1999)"


def test_punctuation_pairs_in_a_sort_key_are_ignored_like_any_punctuation():
    # GOST sorts on the note first; "references.;" (a pair the engine keeps
    # as written) is "references" to the collation, as to citeproc-js
    notes = {"delgado": "Includes bibliographical references and index.; ID: 01UA",
             "diangelo": "Includes bibliographical references.; ID: dedupmrg151850175",
             "zipes": "Includes bibliographical references (p. 167]-182) and index.; ID: dedup",
             "bauman": "Includes bibliographical references."}
    items = [_book(key, key.capitalize(), note=note) for key, note in notes.items()]
    items.reverse()
    assert _order(items, "gost-r-7-0-5-2008") == ["delgado", "diangelo", "zipes", "bauman"]


def test_a_raw_date_that_opens_with_a_year_sorts_by_it():
    dated = _book("dated", "Author", title="Reprint Title", issued={"raw": "2009-02?"})
    undated = _book("undated", "Author", title="Title 1")
    del undated["issued"]
    assert _order([undated, dated], "gost-r-7-0-5-2008") == ["dated", "undated"]


def test_a_particle_ending_in_an_apostrophe_is_a_word_of_its_own_in_the_key(tmp_path):
    # citeproc-js keys "d’Wander" as "d Wander": before "de’ Frinkle"
    style = _style(tmp_path, '<key variable="author"/>', demote="never")
    items = [{"id": "frinkle", "type": "book", "title": "A",
              "author": [{"family": "Frinkle", "given": "B", "non-dropping-particle": "de\u2019"}]},
             {"id": "wander", "type": "book", "title": "A",
              "author": [{"family": "Wander", "given": "W", "non-dropping-particle": "d\u2019"}]}]
    assert _order(items, style) == ["wander", "frinkle"]
