"""Day ordinals in text dates follow the output locale's ordinal terms (CSL 1.0.2
"Ordinal Suffixes"), as citeproc-js prints them: German "22. November", not the
English "22nd" borrowed from the en-US fallback."""

from balintbib.cite import render_bibliography

ITEM = {"id": "abs", "type": "webpage", "title": "The Evidence", "URL": "https://example.org/",
        "author": [{"literal": "American Balint Society"}], "accessed": {"date-parts": [[2026, 11, 22]]}}


def test_german_text_date_uses_the_german_ordinal():
    (entry,) = render_bibliography([ITEM], "apa-annotated-bibliography", "de-DE")
    assert "Abgerufen 22. November 2026" in entry.text
    (entry,) = render_bibliography([dict(ITEM, accessed={"date-parts": [[2026, 11, 2]]})],
                                   "apa-annotated-bibliography", "de-AT")
    assert "2. November 2026" in entry.text


def test_english_and_french_dates_are_unchanged():
    (entry,) = render_bibliography([ITEM], "apa-annotated-bibliography", "en-US")
    assert "Retrieved November 22, 2026, from" in entry.text
    (entry,) = render_bibliography([ITEM], "apa-annotated-bibliography", "fr-FR")
    assert "Consulté 22 novembre 2026" in entry.text
