"""Locale terms and style text values as citeproc-js 2.4.63 prints them
(expected strings are citeproc-js's output for the same CSL-JSON)."""

from balintbib.cite import render_bibliography

WEBPAGE = {"id": "w", "type": "webpage", "title": "Une page", "URL": "https://example.org/p",
           "issued": {"date-parts": [[2020]]}, "accessed": {"date-parts": [[2021, 3, 4]]},
           "author": [{"family": "Martin", "given": "Paul"}]}


def test_an_apostrophe_in_a_term_prints_typographic_and_a_space_before_a_colon_narrow():
    # the style's French term "disponible à l'adresse"; a value "Adresse :"
    text = render_bibliography([WEBPAGE], "presses-universitaires-de-strasbourg-note")[0].text
    assert text == ("Martin Paul, Une page, 2020, [Consult\xe9\xa0le\xa04\xa0mars\xa02021], "
                    "disponible \xe0 l\u2019adresse\u202f: https://example.org/p")
    text = render_bibliography([WEBPAGE], "communication-et-langages")[0].text
    assert text == ("Paul Martin, «\u00a0Une page\u00a0», , 2020. Adresse\u202f: https://example.org/p "
                    "[Consult\xe9 le : 4 mars 2021].")


def test_punctuation_written_twice_in_a_term_stays_as_written():
    # the style defines its et-al term as "et al.."
    authors = [{"family": f, "given": g} for f, g in
               [("Yin", "Z"), ("Liu", "X"), ("Wang", "H"), ("Wu", "Y"), ("Hao", "X"), ("Ji", "Z"), ("Xu", "X")]]
    item = {"id": "h", "type": "article-journal", "title": "Hand study", "container-title": "J Hand Surg",
            "volume": "3", "issue": "2", "page": "10-15", "issued": {"date-parts": [[2013]]}, "author": authors}
    text = render_bibliography([item], "the-journal-of-hand-surgery-asian-pacific-volume")[0].text
    assert text == "1.  Yin Z, Liu X, Wang H, et al.. Hand study. J Hand Surg. 2013;3(2):10–5."


def test_no_space_before_an_et_al_term_that_does_not_start_with_a_letter():
    # the Polish style's term "[et al.]" (citeproc-js: as for Chinese "等")
    item = {"id": "p", "type": "article-journal", "title": "Energy", "container-title": "Nat. Rev. Mater.",
            "volume": "2", "page": "17023", "issued": {"date-parts": [[2017]]},
            "author": [{"family": "Sun", "given": "Hao"}, {"family": "Zhang", "given": "Ye"},
                       {"family": "Wu", "given": "Y"}]}
    text = render_bibliography([item], "biuletyn-polskiego-towarzystwa-jezykoznawczego")[0].text
    assert text == "Sun, Hao, Zhang, Ye[et al.] (2017): Energy. – Nat. Rev. Mater. 2, 17023."


def test_roman_numerals_stop_at_5999_as_in_citeproc_js(tmp_path):
    style = tmp_path / "roman.csl"
    style.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">'
        '<info><title>t</title><id>t</id><updated>2020-01-01T00:00:00+00:00</updated></info>'
        '<citation><layout><text variable="title"/></layout></citation>'
        '<bibliography><layout><group delimiter="|"><text variable="title"/>'
        '<number variable="volume" form="roman"/></group></layout></bibliography></style>', encoding="utf-8")
    texts = [render_bibliography([{"id": "x", "type": "book", "title": "T", "volume": volume}], str(style))[0].text
             for volume in ("1999", "5999", "9882", "99999999999")]
    assert texts == ["T|mcmxcix", "T|mmmmmcmxcix", "T", "T"]  # citeproc-js: "T|" (an empty number)


def _ordinal_style(tmp_path, lang):
    style = tmp_path / f"ordinal-{lang}.csl"
    style.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0" default-locale="{lang}">'
        '<info><title>t</title><id>t</id><updated>2020-01-01T00:00:00+00:00</updated></info>'
        '<citation><layout><text variable="title"/></layout></citation>'
        '<bibliography><layout><group delimiter=" | "><group delimiter=" ">'
        '<number variable="edition" form="ordinal"/><text term="edition" form="short"/></group>'
        '<date variable="issued"><date-part name="day" form="ordinal" suffix=" "/>'
        '<date-part name="month" form="short"/></date></group></layout></bibliography></style>',
        encoding="utf-8")
    return str(style)


def test_ordinals_agree_with_the_gender_of_the_counted_noun(tmp_path):
    # citeproc-js 2.4.63: the edition term's gender for the edition, the month's for the day
    items = [{"id": "a", "type": "book", "title": "T", "edition": "1", "issued": {"date-parts": [[1999, 1, 1]]}},
             {"id": "b", "type": "book", "title": "T", "edition": "22", "issued": {"date-parts": [[1999, 9, 3]]}}]
    expected = {"fr-FR": ["1ʳᵉ éd. | 1ᵉʳ janv.", "22ᵉ éd. | 3 sept."],
                "it-IT": ["1ª ed. | 1º gen.", "22ª ed. | 3º set."],
                "ca-AD": ["1a ed. | 1r gen.", "22a ed. | 3r set."],
                "ru-RU": ["1-е изд. | 1-е янв.", "22-е изд. | 3-е сен."]}
    for lang, texts in expected.items():
        assert [e.text for e in render_bibliography(items, _ordinal_style(tmp_path, lang))] == texts, lang


def test_a_term_defined_twice_in_a_locale_means_the_last_definition():
    # the style's pt-BR locale defines editor/short as "ed", then as "org"
    item = {"id": "e", "type": "book", "title": "Proceedings", "publisher": "P", "publisher-place": "Rio",
            "issued": {"date-parts": [[1997]]}, "editor": [{"family": "Yao", "given": "Xin"}]}
    text = render_bibliography([item], "universidade-federal-do-espirito-santo-abnt-initials")[0].text
    assert text == "YAO, X. (Org.). Proceedings. Rio: P, 1997."
