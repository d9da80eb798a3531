"""Style and locale resolution, errors, and safe XML parsing."""

from pathlib import Path

import pytest

from balintbib.cite import StyleError, render_bibliography, resolve_style
from balintbib.cite.styles import resolve_locale

REPO = Path(__file__).resolve().parent.parent
ITEM = {"id": "k1", "type": "article-journal", "title": "Balint groups and burnout",
        "author": [{"family": "Kjeldmand", "given": "Dorte"}], "container-title": "Fam Med",
        "issued": {"date-parts": [[2004]]}, "volume": "36", "page": "138-145"}


def test_bundled_style_id():
    resolved = resolve_style("apa")
    assert resolved.path.name == "apa.csl" and resolved.dependent is None


def test_curated_dependent_style_resolves_to_parent_with_its_locale():
    resolved = resolve_style("balint-journal")
    assert resolved.dependent is not None and resolved.dependent.parent.name == "styles"
    assert resolved.path.name == "thieme-german.csl"
    assert resolved.default_locale == "de-DE"
    # the German locale applies: "2. Aufl." not "2nd ed."
    book = {"id": "b", "type": "book", "title": "The doctor, his patient and the illness",
            "author": [{"family": "Balint", "given": "Michael"}], "edition": "2",
            "publisher": "Pitman", "issued": {"date-parts": [[1964]]}}
    assert "2. Aufl." in render_bibliography([book], "balint-journal")[0].text


def test_path_to_a_style_file(tmp_path):
    resolved = resolve_style(str(REPO / "styles" / "family-medicine.csl"))
    assert resolved.path.name == "nlm-citation-sequence-superscript.csl"


def test_dependent_next_to_its_parent_wins(tmp_path):
    parent = (Path(resolve_style("apa").path)).read_text(encoding="utf-8")
    (tmp_path / "my-parent.csl").write_text(parent.replace("<title>", "<title>Mine: "), encoding="utf-8")
    (tmp_path / "child.csl").write_text(
        '<?xml version="1.0"?><style xmlns="http://purl.org/net/xbiblio/csl" version="1.0" '
        'default-locale="en-GB"><info><title>Child</title><id>x</id>'
        '<link href="http://www.zotero.org/styles/my-parent" rel="independent-parent"/></info></style>',
        encoding="utf-8")
    resolved = resolve_style(str(tmp_path / "child.csl"))
    assert resolved.path == tmp_path / "my-parent.csl"
    assert resolved.default_locale == "en-GB"


def test_unknown_style_is_one_clear_line():
    with pytest.raises(StyleError) as info:
        render_bibliography([ITEM], "no-such-style-anywhere")
    assert "no-such-style-anywhere" in str(info.value) and "\n" not in str(info.value)


def test_broken_style_file(tmp_path):
    bad = tmp_path / "bad.csl"
    bad.write_text("<style><citation>", encoding="utf-8")
    with pytest.raises(StyleError) as info:
        resolve_style(str(bad))
    assert "bad.csl" in str(info.value) and "\n" not in str(info.value)


def test_missing_parent(tmp_path):
    child = tmp_path / "orphan.csl"
    child.write_text('<style xmlns="http://purl.org/net/xbiblio/csl" version="1.0"><info>'
                     '<link href="http://www.zotero.org/styles/not-there-xyz" rel="independent-parent"/>'
                     '</info></style>', encoding="utf-8")
    with pytest.raises(StyleError, match="not-there-xyz"):
        resolve_style(str(child))


def test_external_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    style = Path(resolve_style("apa").path).read_text(encoding="utf-8")
    style = style.replace('<?xml version="1.0" encoding="utf-8"?>', "", 1)
    xxe = (f'<?xml version="1.0"?><!DOCTYPE style [<!ENTITY x SYSTEM "file://{secret}">]>'
           + style.replace("<title>", "<title>&x;", 1))
    path = tmp_path / "xxe.csl"
    path.write_text(xxe, encoding="utf-8")
    entries = render_bibliography([ITEM], str(path))
    assert "TOP-SECRET" not in entries[0].text
    assert resolve_style(str(path)).title.find("TOP-SECRET") == -1


@pytest.mark.parametrize("given,expected", [("de", "de-DE"), ("en_gb", "en-GB"), ("fr-FR", "fr-FR"),
                                            (None, "en-US"), ("pt", "pt-PT")])
def test_locale_fallback(given, expected):
    assert resolve_locale(given) == expected


def test_unknown_locale():
    with pytest.raises(StyleError, match="xx-YY"):
        resolve_locale("xx-YY")


def test_locale_option_changes_terms():
    book = dict(ITEM, type="book", edition="2")
    german = render_bibliography([book], "apa", locale="de")[0].text
    assert "Aufl." in german


def test_common_style_names_and_typos(run_cli):
    from balintbib.cite.styles import StyleError, resolve_style

    assert resolve_style("vancouver").path.stem == "nlm-citation-sequence"
    assert resolve_style("AMA").path.stem == "american-medical-association"
    with pytest.raises(StyleError, match="did you mean apa-annotated-bibliography"):
        resolve_style("apa-anotated")


def test_a_type_condition_with_several_types_means_any_of_them(tmp_path):
    """`<if type="book thesis report">` without match="any" (wikipedia-fr-templates and
    others): citeproc-js prints the book; so must we."""
    from balintbib.cite.engine import CitationEngine

    style = tmp_path / "types.csl"
    style.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">'
        '<info><title>t</title><id>t</id><updated>2024-01-01T00:00:00+00:00</updated></info>'
        '<citation><layout><text variable="title"/></layout></citation>'
        '<bibliography><layout><choose>'
        '<if type="book thesis report"><text variable="title" prefix="B: "/></if>'
        '<else-if type="article-journal chapter" match="none"><text variable="title" prefix="N: "/></else-if>'
        '</choose></layout></bibliography></style>', encoding="utf-8")
    items = [{"id": "b", "type": "book", "title": "A book"},
             {"id": "a", "type": "article-journal", "title": "An article"},
             {"id": "w", "type": "webpage", "title": "A page"}]
    texts = {e.id: e.text for e in CitationEngine(str(style)).bibliography(items)}
    assert texts == {"b": "B: A book", "w": "N: A page"}
