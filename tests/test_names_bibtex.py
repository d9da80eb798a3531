"""Names are split by BibTeX's own rules (balintbib.names), checked against
``bibtex`` itself on every name of the corpus (skipped where bibtex is missing;
.ci/run installs Debian's texlive-binaries)."""

from __future__ import annotations

import json

import pytest

from balintbib.latex import latex_to_text
from balintbib.model import Person, parse_names
from balintbib.names import split_name, split_name_list
from balintbib.normalize.rules import parse_one_name, split_name_list as normalize_split
from bibtex_names import PARTS, as_meant, bibtex_available, corpus_name_values, run_bibtex


def parts(name: str, tex: bool = True) -> list[str]:
    p = split_name(name, tex=tex)
    return [p.text(k) for k in PARTS]


@pytest.mark.parametrize("name, expected", [
    # the issue's names: \~ is an accent command, not a tie
    (r"I L Pi\~{n}a", ["I L", "", r"Pi\~{n}a", ""]),
    (r"A Sz\~{u}cs", ["A", "", r"Sz\~{u}cs", ""]),
    (r"J N\'u\~nez", ["J", "", r"N\'u\~nez", ""]),
    # a special character takes the case of its first letter
    (r"{\'{E}}adaoin W Griffin", [r"{\'{E}}adaoin W", "", "Griffin", ""]),
    (r"{\o}ystein Ore", ["", r"{\o}ystein", "Ore", ""]),
    (r"{\O}ystein Ore", [r"{\O}ystein", "", "Ore", ""]),
    (r"{\v{S}}t{\v{e}}p{\'{a}}n Nov{\'a}k", [r"{\v{S}}t{\v{e}}p{\'{a}}n", "", r"Nov{\'a}k", ""]),
    (r"{\relax Ch}ristopher Smith", [r"{\relax Ch}ristopher", "", "Smith", ""]),
    # a brace group that is not a special character says nothing about case
    ("{von} Neumann", ["{von}", "", "Neumann", ""]),
    ("{v}on Neumann", ["", "{v}on", "Neumann", ""]),
    # First von Last
    ("Jean de La Fontaine", ["Jean", "de", "La Fontaine", ""]),
    ("Ludwig van Beethoven", ["Ludwig", "van", "Beethoven", ""]),
    ("a b c", ["", "a b", "c", ""]),
    ("Donald E. Knuth", ["Donald E.", "", "Knuth", ""]),
    # von Last, First and von Last, Jr, First
    ("de la Fontaine, Jean", ["Jean", "de la", "Fontaine", ""]),
    ("De La Fontaine, Jean", ["Jean", "", "De La Fontaine", ""]),
    ("de la Fontaine, Jr., Jean", ["Jean", "de la", "Fontaine", "Jr."]),
    ("Halle, M.,", ["M.", "", "Halle", ""]),  # a comma at the end is ignored
    # hyphens join the last name when there is no von word; a tie does not
    ("Anne Smith-Jones", ["Anne", "", "Smith-Jones", ""]),
    ("Jean-Paul Sartre", ["Jean-Paul", "", "Sartre", ""]),
    ("Anne Smith~Jones", ["Anne Smith", "", "Jones", ""]),
    # accented letters have their own case (BibTeX 0.99d would see bytes)
    ("Émile Zola", ["Émile", "", "Zola", ""]),
    ("Östen Bergstrand", ["Östen", "", "Bergstrand", ""]),
])
def test_bibtex_name_rules(name, expected):
    assert parts(name) == expected


def test_bibtex_0_99d_reading_is_available():
    """tex=False reads exactly as bibtex 0.99d does, misreadings included."""
    assert parts(r"I L Pi\~{n}a", tex=False) == ["I L Pi\\", "", "{n}a", ""]
    assert parts("Émile Zola", tex=False) == ["", "Émile", "Zola", ""]


def test_name_list_splits_at_and_between_white_space_outside_braces():
    assert split_name_list("A and B AND C\tand\nD") == ["A", "B", "C", "D"]
    assert split_name_list("{Barnes and Noble} and Sandor and Andersen") == [
        "{Barnes and Noble}", "Sandor", "Andersen"]
    assert split_name_list("Mandy Band") == ["Mandy Band"]


def test_the_issue_names_read_right_everywhere(run_cli, tmp_path):
    bib = tmp_path / "a.bib"
    bib.write_text("@article{pina,\n  author = {I L Pi\\~{n}a and A Sz\\~{u}cs and J N\\'u\\~nez"
                   " and {\\'{E}}adaoin W Griffin},\n  title = {T},\n  year = {2020}\n}\n", encoding="utf-8")
    people = parse_names(r"I L Pi\~{n}a and {\'{E}}adaoin W Griffin")
    assert people == [Person(family=r"Pi\~{n}a", given="I L"),
                      Person(family="Griffin", given=r"{\'{E}}adaoin W")]
    result = run_cli("list", "--json", "--library", bib)
    assert result.exit_code == 0, result.output
    authors = json.loads(result.output)[0]["author"]
    assert [(a["family"], a["given"]) for a in authors] == [
        ("Piña", "I L"), ("Szũcs", "A"), ("Núñez", "J"), ("Griffin", "Éadaoin W")]


@pytest.fixture(scope="module")
def corpus_values():
    from _paths import SHARED

    corpus = SHARED / "bib-corpus"
    if not corpus.is_dir():
        pytest.skip(f"bib corpus not found at {corpus}")
    return corpus_name_values(corpus)


def test_normalize_fast_path_reads_every_corpus_name_as_the_general_parser(corpus_values):
    differ = []
    for value in corpus_values:
        for name in normalize_split(value):
            if name and parse_one_name(name) != parse_names(name):
                differ.append(name)
    assert differ == []


def _compare(values, bibtex_out, tex):
    """(names compared, names whose parts differ from bibtex's)."""
    count, differ = 0, []
    for value, theirs in zip(values, bibtex_out):
        theirs = [t for t in theirs if any(t[1])]  # "A and and B": bibtex counts an empty name
        ours = split_name_list(value)
        if len(ours) != len(theirs):
            differ.append((value, len(ours), len(theirs)))
            continue
        for name, (_, tokens) in zip(ours, theirs):
            count += 1
            p = split_name(name, tex=tex)
            mine = [getattr(p, k) for k in PARTS]
            if tex:  # compared as text: bibtex read the braced spelling
                mine = [[latex_to_text(t) for t in part] for part in mine]
                tokens = [[latex_to_text(t) for t in part] for part in tokens]
            if mine != tokens:
                differ.append((name, mine, tokens))
    return count, differ


@pytest.mark.skipif(not bibtex_available(), reason="bibtex is not installed (Debian: texlive-binaries)")
def test_every_corpus_name_splits_exactly_as_bibtex_does(corpus_values, tmp_path):
    count, differ = _compare(corpus_values, run_bibtex(corpus_values, tmp_path), tex=False)
    assert count > 60000
    assert differ == []


@pytest.mark.skipif(not bibtex_available(), reason="bibtex is not installed (Debian: texlive-binaries)")
def test_every_corpus_name_splits_as_bibtex_reads_what_its_author_meant(corpus_values, tmp_path):
    """The default reading (accent commands outside braces are characters, Unicode
    case) equals bibtex's on the spelling 0.99d needs: ``Pi{\\~{n}}a``, ``{\\'E}mile``."""
    meant = [as_meant(v) for v in corpus_values]
    count, differ = _compare(corpus_values, run_bibtex(meant, tmp_path), tex=True)
    assert count > 60000
    assert differ == []
