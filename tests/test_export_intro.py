"""A handout says only what is true of it: the introduction follows the selection,
theme headings follow the locale, provenance is printed only when asked.

Driven through `balintbib export` on a copy of the export sample (14 references,
13 annotated) with its own ``balintbib.toml`` and introduction files.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import html as lxml_html

from balintbib.export.intro import IntroError, IntroFacts, fill_intro

SAMPLE = Path(__file__).parent / "data" / "export-sample.bib"

INTRO = """Balint groups are small groups of doctors.

[if all] This list holds the {count} works of the reading list.

[if selection, themes] A selection of {count} of the {library-count} works, on {themes}.

[if selection, not-themes] A selection of {count} of the {library-count} works.

[if every-annotated] Each reference is followed by a short annotation.

[if some-unannotated] {annotated} of the {count} references are followed by an annotation.
"""

INTRO_DE = """Balint-Gruppen sind kleine Gruppen.

[if selection, themes] Eine Auswahl von {count} der {library-count} Titel zu {themes}.
"""

TOML = """[export]
title = "Balint groups: a reading list"
intro = "intro.md"

[export.locales.de]
title = "Balint-Gruppen: eine Leseliste"
intro = "intro.de.md"

[export.locales.de.themes]
"empathy" = "Empathie"
"burnout" = "Burnout und Zufriedenheit"
"""


@pytest.fixture
def folder(tmp_path) -> Path:
    d = tmp_path / "lib"
    d.mkdir()
    text = SAMPLE.read_text(encoding="utf-8").replace(
        "annotation = {", "provenance = {Listed by the society's 2019 reading list.},\n  annotation = {", 1)
    (d / "sample.bib").write_text(text, encoding="utf-8")
    (d / "intro.md").write_text(INTRO, encoding="utf-8")
    (d / "intro.de.md").write_text(INTRO_DE, encoding="utf-8")
    (d / "balintbib.toml").write_text(TOML, encoding="utf-8")
    return d


def export(run_cli, folder, tmp_path, *args, name="h.html"):
    out = tmp_path / name
    result = run_cli("export", "-l", folder, "-o", out, "-q", *args)
    assert result.exit_code == 0, result.output
    return lxml_html.fromstring(out.read_text(encoding="utf-8"))


def intro(doc) -> list[str]:
    return [p.text_content() for p in doc.xpath("//div[@class='intro']/p")]


def test_whole_library_intro_counts_what_is_annotated(run_cli, folder, tmp_path):
    doc = export(run_cli, folder, tmp_path)
    assert intro(doc) == ["Balint groups are small groups of doctors.",
                          "This list holds the 14 works of the reading list.",
                          "13 of the 14 references are followed by an annotation."]


def test_a_one_theme_handout_says_it_is_a_selection_on_that_theme(run_cli, folder, tmp_path):
    doc = export(run_cli, folder, tmp_path, "--tag", "empathy")
    assert intro(doc)[1:] == ["A selection of 2 of the 14 works, on empathy.",
                              "Each reference is followed by a short annotation."]
    doc = export(run_cli, folder, tmp_path, "--tag", "empathy", "--tag", "burnout")
    assert "A selection of 4 of the 14 works, on empathy and burnout." in intro(doc)


def test_a_query_selection_grouped_by_year_does_not_name_themes(run_cli, folder, tmp_path):
    doc = export(run_cli, folder, tmp_path, "--select", "year:2000..", "--group-by", "year")
    lines = intro(doc)
    assert any(line.startswith("A selection of ") and line.endswith(" of the 14 works.") for line in lines)
    assert not any("This list holds" in line for line in lines)


def test_no_annotated_handout_does_not_promise_annotations(run_cli, folder, tmp_path):
    doc = export(run_cli, folder, tmp_path, "--no-annotated")
    assert not any("annotation" in line for line in intro(doc))
    assert doc.xpath("//div[@class='annotation']") == []


def test_german_handout_has_german_title_intro_and_theme_headings(run_cli, folder, tmp_path):
    doc = export(run_cli, folder, tmp_path, "--locale", "de-DE", "--tag", "empathy", "--tag", "burnout")
    assert doc.xpath("string(//h1)") == "Balint-Gruppen: eine Leseliste"
    assert intro(doc) == ["Balint-Gruppen sind kleine Gruppen.",
                          "Eine Auswahl von 4 der 14 Titel zu Empathie und Burnout und Zufriedenheit."]
    headings = [h.text_content() for h in doc.xpath("//main/section/h2")]
    assert headings == ["Empathie", "Burnout und Zufriedenheit"]
    # a locale without a table keeps the library's own words and the tags as headings
    doc = export(run_cli, folder, tmp_path, "--locale", "fr-FR", "--tag", "empathy")
    assert doc.xpath("string(//h1)") == "Balint groups: a reading list"
    assert [h.text_content() for h in doc.xpath("//main/section/h2")] == ["Empathy"]


def test_provenance_only_when_asked(run_cli, folder, tmp_path):
    plain = export(run_cli, folder, tmp_path, name="plain.html")
    assert "society's 2019 reading list" not in plain.text_content()
    doc = export(run_cli, folder, tmp_path, "--provenance", name="prov.html")
    text = doc.text_content()
    assert text.count("Listed by the society\u2019s 2019 reading list.") >= 1
    assert "Provenance:" in text
    out = tmp_path / "prov.md"
    result = run_cli("export", "-l", folder, "-o", out, "-q", "--provenance", "--locale", "de-DE")
    assert result.exit_code == 0 and "*Herkunft:* Listed by" in out.read_text(encoding="utf-8")


def test_unknown_condition_is_one_clear_line(run_cli, folder, tmp_path):
    (folder / "intro.md").write_text("[if selected] Typo.\n", encoding="utf-8")
    result = run_cli("export", "-l", folder, "-o", tmp_path / "x.html", "-q")
    assert result.exit_code == 1
    assert "unknown condition [if selected]" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "x.html").exists()


def test_fill_intro_keeps_other_braces_and_brackets():
    facts = IntroFacts(count=3, annotated=3, library_count=9, whole_library=False, annotations_shown=True,
                       themes=("Empathy",))
    text = "Use {braces} and [brackets] freely: {count} works.\n\n[if not-all, themes] On {themes}."
    assert fill_intro(text, facts) == "Use {braces} and [brackets] freely: 3 works.\n\nOn empathy."
    with pytest.raises(IntroError):
        fill_intro("[if sometimes] x", facts)
