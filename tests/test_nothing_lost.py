"""Nothing lost, anywhere: ``list --json`` before and after ``normalize``,
``dedupe --merge`` and BibTeX -> CSL-JSON -> BibTeX, entry by entry, field by
field (balintbib.testing.proof).  A fixed sample of the corpus runs in the
normal suite; the whole corpus in the tests marked slow (and benchmarks/bench_proof.py)."""

from __future__ import annotations

import json
import re

import pytest

from _paths import corpus_bib_files
from hypothesis import HealthCheck, given, settings, strategies as st

from balintbib.formats import bibtex
from balintbib.formats.bibtex import ordered_fields
from balintbib.library import Library
from balintbib.testing.proof import Report, check_csl_round_trip, check_dedupe, check_normalize, listed

#: Files that exercise every rule the proof knows (renames of empty and duplicate
#: keys, key links, merged duplicate fields, months, macros in names, truncated
#: name lists, duplicates to merge, ISBN-13 copies, \\ line breaks).
SAMPLE = [
    "beebe-texlive/font.bib",
    "beebe-texlive/texgraph.bib",
    "beebe-texlive/texbook2.bib",
    "bibtex-tidy-fixtures/biber/related.bib",
    "bibtex-tidy-fixtures/biber/dateformats.bib",
    "bibtex-tidy-fixtures/biber/sort-case.bib",
    "bibtex-tidy-fixtures/biber/truncation.bib",
    "bibtex-tidy-fixtures/biblatex/biblatex-examples.bib",
    "bibtex-tidy-fixtures/others/example.bib",
    "bibtex-tidy-fixtures/better-bibtex/Some_bibtex_entries_quietly_discarded_on_import_from_bib_file_873.bib",
    "bibtex-tidy-fixtures/better-bibtex/Options_to_use_default_import_process_1562.bib",
    "bibtex-tidy-fixtures/php-bibtex-parser/string-var-with-special-char.bib",
    "jabref-testbib/simple-search-library.bib",
    "jabref-testbib/testjabref.bib",
]
CHECKS = {"normalize": check_normalize, "dedupe --merge": check_dedupe, "csl-json round trip": check_csl_round_trip}


@pytest.fixture(scope="module")
def corpus():
    from _paths import SHARED

    path = SHARED / "bib-corpus"
    if not path.is_dir():
        pytest.skip(f"bib corpus not found at {path}")
    return path


def _run(check, files, tmp_path) -> Report:
    total = Report("corpus")
    for i, f in enumerate(files):
        work = tmp_path / str(i)
        work.mkdir()
        total.add(check(f, work))
    return total


@pytest.mark.parametrize("name", CHECKS)
def test_nothing_lost_on_a_fixed_sample(corpus, tmp_path, name):
    files = [corpus / f for f in SAMPLE]
    report = _run(CHECKS[name], files, tmp_path)
    assert report.entries > 3000
    assert report.unexplained == []


@pytest.mark.slow
@pytest.mark.parametrize("name", CHECKS)
def test_nothing_lost_on_the_whole_corpus(corpus, tmp_path, name):
    files = corpus_bib_files(corpus)
    report = _run(CHECKS[name], files, tmp_path)
    assert report.entries > 26000
    assert report.unexplained == []


def test_the_proof_lists_what_the_cli_lists(run_cli, corpus, tmp_path):
    """`listed` is `list --json`; `check_normalize` normalizes as `normalize` does."""
    src = corpus / "bibtex-tidy-fixtures/biber/related.bib"
    work = tmp_path / "related.bib"
    work.write_bytes(src.read_bytes())
    result = run_cli("list", "--json", work)
    assert result.exit_code == 0, result.output
    items, _ = listed(work)
    assert [{k: v for k, v in i.items() if k != "_line"} for i in items] == json.loads(result.output)
    assert run_cli("normalize", work).exit_code == 0
    (tmp_path / "p").mkdir()
    check_normalize(src, tmp_path / "p")
    assert (tmp_path / "p" / "related.bib").read_text(encoding="utf-8") == work.read_text(encoding="utf-8")


# -- the edges the proof found -------------------------------------------------------------

def test_a_copy_of_a_copy_is_written(tmp_path):
    """isbn-13-2 (a second isbn-13 kept by dedupe) was dropped by the writer."""
    fields = {"title": "T", "isbn": "1", "isbn-13": "2", "isbn-2": "3", "isbn-13-2": "4"}
    assert sorted(ordered_fields(fields)) == sorted(fields)
    assert ordered_fields(fields) == ["title", "isbn", "isbn-2", "isbn-13", "isbn-13-2"]


def test_dedupe_keeps_a_value_that_differs_in_case(run_cli, tmp_path):
    bib = tmp_path / "d.bib"
    bib.write_text("@article{a, author = {Albert, Edwin}, title = {Heart failure in practice},"
                   " journal = {BMJ}, year = {2001}, doi = {10.1/x}}\n"
                   "@article{b, author = {albert, Edwin}, title = {Heart Failure in Practice},"
                   " journal = {BMJ}, year = {2001}, doi = {10.1/X}}\n", encoding="utf-8")
    result = run_cli("dedupe", "--merge", bib)
    assert result.exit_code == 0, result.output
    text = bib.read_text(encoding="utf-8")
    assert "title-2 = {Heart Failure in Practice}" in text
    assert "author-2 = {albert, Edwin}" in text
    assert "doi-2" not in text  # a DOI is case-insensitive: the same identifier


def test_names_from_a_string_macro_are_listed_as_people(run_cli, tmp_path):
    bib = tmp_path / "m.bib"
    bib.write_text('@string{adobe = "{Adobe Systems Incorporated}"}\n'
                   "@book{k, author = adobe, title = {PostScript}, year = {1985}}\n", encoding="utf-8")
    result = run_cli("list", "--json", bib)
    assert json.loads(result.output)[0]["author"] == [{"literal": "Adobe Systems Incorporated"}]


# -- mutated corpus values: normalize changes text only by its documented rules -------------

NAMES = ["H Van Rijn", "William H Saufley Jr", "Ludwig van Beethoven", r"I L Pi\~{n}a",
         r"{\'{E}}adaoin W Griffin", r'M Sch{\\"u}pbach', "de la Fontaine, Jr., Jean",
         "{World Health Organization}", "Smith JA", r"Strau\ss{} Hans", "Jean-Paul Sartre",
         r"J N\'u\~nez", "Anne Smith~Jones", "Émile Zola", r"{\o}ystein Ore", "M{\\aa}rtenson, B."]
TEXTS = [r"\ss \aa", r"caf\\'{e}s", "First line\\\\ second", r'{\\"u}', r"\o rn", r'\"{u}', "  ",
         "\n", "\n\n", r"\&", "50\\%", "{DNA}", "$x^2$", r"\emph{x}", "--", "~", r"{\c c}", "ü",
         r"\'\i", r"M{\aa}rtenson", r"\v{S}t\v{e}p\'{a}n", r"a\\\"u", "{\\relax Ch}", "\\ss{}x", "Stra\\ss e"]
SPECIAL = {
    "pages": ["12-15", "12–15", "e123", "xi-xv", "12 --- 15, 17", "27-39,171-172"],
    "doi": ["https://doi.org/10.1000/X.1", "doi:10.1/y", " 10.1000/182 "],
    "month": ["June", "6", "{jun}", "sept"],
    "isbn": ["0-306-40615-2", "ISBN 978-0-306-40615-7", "0306406152"],
    "issn": ["03784371", "0378-4371"],
}


@pytest.fixture(scope="module")
def base_entries(corpus):
    out = []
    for name in ("bibtex-tidy-fixtures/biblatex/biblatex-examples.bib", "jabref-testbib/testjabref.bib"):
        bf = bibtex.parse(bibtex.read_text(corpus / name), name)
        out.extend(bibtex.entry_to_reference(e)[0] for e in bf.entries)
    return [r for r in out if r.fields][:150]


MUTATION = st.tuples(st.integers(0, 10_000), st.sampled_from(["author", "editor", "title", "note", "journal",
                                                               "pages", "doi", "month", "isbn", "issn"]),
                     st.integers(0, 10_000), st.sampled_from(NAMES + TEXTS))


def _mutate(ref, where: str, at: int, token: str):
    ref = ref.copy()
    ref.expressions.discard(where)
    value = ref.fields.get(where, "")
    if where in SPECIAL:
        value = SPECIAL[where][at % len(SPECIAL[where])]
    elif where in ("author", "editor"):
        people = [p for p in re.split(r"\s+and\s+", value) if p.strip()] if value else []
        people.insert(at % (len(people) + 1), token if token in NAMES else NAMES[at % len(NAMES)])
        value = " and ".join(people)
    else:
        gaps = [m.start() for m in re.finditer(r" ", value)] + [0, len(value)]
        pos = gaps[at % len(gaps)]
        value = value[:pos] + " " + token + " " + value[pos:]
    ref.fields[where] = value
    return ref


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(MUTATION, min_size=1, max_size=12))
def test_normalize_changes_mutated_corpus_values_only_by_its_rules(base_entries, tmp_path_factory, mutations):
    _check_mutations(base_entries, tmp_path_factory, mutations)


@pytest.mark.slow
@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(MUTATION, min_size=1, max_size=20))
def test_normalize_changes_mutated_corpus_values_only_by_its_rules_at_length(base_entries, tmp_path_factory,
                                                                             mutations):
    _check_mutations(base_entries, tmp_path_factory, mutations)


def _check_mutations(base_entries, tmp_path_factory, mutations):
    refs = {}
    for i, where, at, token in mutations:
        k = i % len(base_entries)
        refs[k] = _mutate(refs.get(k, base_entries[k]), where, at, token)
    text = "\n\n".join(bibtex.render_entry(r, ordered_fields(r.fields)) for r in refs.values()) + "\n"
    folder = tmp_path_factory.mktemp("mut")
    src = folder / "src" / "mutated.bib"
    src.parent.mkdir()
    src.write_text(text, encoding="utf-8")
    (folder / "work").mkdir()
    report = check_normalize(src, folder / "work")
    assert report.unexplained == [], text
    assert len(Library.load_files([src]).references) == len(refs)
