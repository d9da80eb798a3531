"""The model's typed views and the LaTeX <-> text conversion."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from balintbib.formats.bibtex import _balanced
from balintbib.latex import latex_to_text, text_to_latex
from balintbib.model import Person, Reference, format_names, parse_names


def test_names_with_particles_suffixes_and_organisations():
    people = parse_names(
        "Van Roy, Kaatje and de Haes, Hanneke and Nease, Jr., Donald E. and {World Health Organization}"
        " and Ludwig van Beethoven and M{\\aa}rtenson, C. and others"
    )
    assert people[0] == Person(family="Van Roy", given="Kaatje")
    assert people[1] == Person(family="Haes", given="Hanneke", particle="de")
    assert people[2] == Person(family="Nease", given="Donald E.", suffix="Jr.")
    assert people[3] == Person(literal="World Health Organization")
    assert people[4] == Person(family="Beethoven", given="Ludwig", particle="van")
    assert people[5].display() == "C. Mårtenson"
    assert people[6].is_others
    assert parse_names(format_names(people)) == people


def test_decoding_latex():
    assert latex_to_text(r"Pitk{\"a}l{\"a} \& Holmstr\"{o}m") == "Pitkälä & Holmström"
    assert latex_to_text(r"{Balint} groups: 5--11 \LaTeX\ \url{https://x.org/a_b}") == "Balint groups: 5–11 LaTeX https://x.org/a_b"
    assert latex_to_text("  two\n   lines  ") == "two lines"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=60).map(lambda s: " ".join(s.split())))
def test_any_text_survives_latex_and_back(text):
    content = text_to_latex(text)
    assert latex_to_text(content) == text
    assert _balanced(content), "BibTeX counts every brace: escaped text must stay balanced"


def test_reference_views_write_valid_content():
    ref = Reference("k", "article")
    ref.set_text("title", "Doctors & patients {in} groups: 100% ~ $5")
    ref.tags = ["empathy", "burnout", "empathy"]
    ref.annotation = "  An annotation.  "
    ref.set_remote_id("mendeley", "abc-123")
    assert ref.title == "Doctors & patients {in} groups: 100% ~ $5"
    assert ref.fields["keywords"] == "empathy, burnout"
    assert ref.annotation == "An annotation."
    assert ref.remote_ids == {"mendeley": "abc-123"}
    ref.set_remote_id("mendeley", None)
    assert "remote-ids" not in ref.fields
