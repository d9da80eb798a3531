"""The lossless reader: exact round trips, exact error lines, no silent losses."""

from __future__ import annotations

import pytest

from balintbib.formats import bibtex
from balintbib.library import Library


def parse(text: str):
    return bibtex.parse(text, "t.bib")


def test_untouched_text_round_trips_byte_for_byte():
    text = (
        "% a comment before\n@String{jama = {JAMA}}\n@PREAMBLE{\"\\newcommand{\\x}{y}\"}\n\n"
        "@Article{Smith2009,\n  Author=\"Caroline JA Smith\",\n  year=2009, month=dec,\n"
        "  journal = jama # { (Chicago)},\n  title={{Quantum}},\n}\n\nfree text\n@comment{jabref-meta: x;}\n"
    )
    bf = parse(text)
    assert bf.render() == text
    assert [type(b).__name__ for b in bf.blocks if not isinstance(b, bibtex.Text)] == [
        "StringDef", "Preamble", "Entry", "Comment"]


def test_string_references_and_concatenation_are_kept_not_inlined():
    lib = Library("x", [parse("@string{jama = {JAMA}}\n@article{a, journal = jama # { Network}, month = jun}\n")])
    ref = lib.references[0]
    assert ref.fields["journal"] == "jama # { Network}"
    assert ref.expressions == {"journal", "month"}
    assert lib.text(ref, "journal") == "JAMA Network"
    assert lib.text(ref, "month") == "June"


def test_quote_inside_braces_does_not_end_a_quoted_value():
    # bibtexparser 2.1 silently cuts this entry short; BibTeX reads it whole.
    bf = parse('@book{k, title = "zeitgem{"a}{\\ss} und {"}Simon{"}", year = 1990, note = {n}}\n')
    assert not bf.problems
    entry = bf.entries[0]
    assert [f.name for f in entry.fields] == ["title", "year", "note"]
    assert entry.fields[0].content == 'zeitgem{"a}{\\ss} und {"}Simon{"}'


def test_error_lines_are_exact_after_lines_ending_in_a_backslash():
    text = "@misc{a,\n  note = {line one \\\\\n two \\\\\n three}\n}\n\n@misc{b,\n  title = {x} year = {2}\n}\n"
    bf = parse(text)
    (problem,) = bf.problems
    assert (problem.line, problem.col) == (8, 15)
    assert "after field 'title'" in problem.message and "'b'" in problem.message


def test_entry_type_case_and_key_case_are_kept():
    bf = parse("@ARTICLE{MixedCase:2004, title = {T}}")
    assert bf.entries[0].entry_type == "ARTICLE" and bf.entries[0].key == "MixedCase:2004"
    assert bf.render() == "@ARTICLE{MixedCase:2004, title = {T}}"


def test_newline_between_type_and_brace_is_an_entry():
    # bibtexparser 2.1 turns this into a comment (its issue #583).
    bf = parse("@article\n{k, title = {T}}\n")
    assert [e.key for e in bf.entries] == ["k"]


def test_parenthesised_entries_and_at_sign_in_values():
    bf = parse("@misc(k, title = {mail me @ home}, email = {a@b.org})\n@misc{l, title = {x}}\n")
    assert [e.key for e in bf.entries] == ["k", "l"]
    assert bf.entries[0].fields[1].content == "a@b.org"


def test_several_broken_entries_each_reported_with_its_line_and_nothing_lost():
    text = (
        "@article{ok1, title = {Fine}}\n\n"
        "@article{bad1,\n  title = {Unclosed,\n  year = 2001\n\n"
        "@article{ok2, title = {Fine too}}\n\n"
        "@book{bad2,\n  title = \"x\" \"y\",\n}\n"
        "@article{ok3, title = {Last}}\n"
    )
    bf = parse(text)
    assert [e.key for e in bf.entries] == ["ok1", "ok2", "ok3"]
    failed = [b for b in bf.blocks if isinstance(b, bibtex.Failed)]
    assert [f.key for f in failed] == ["bad1", "bad2"]
    lines = [(p.line, p.code) for p in bf.problems]
    assert lines == [(4, "B001"), (10, "B001")]
    assert bf.render() == text  # broken blocks are kept as written


def test_duplicate_fields_are_kept_and_reported():
    lib = Library("x", [parse("@misc{k, keywords = {a}, Keywords = {b}, keywords = {c}}\n")])
    ref = lib.references[0]
    assert ref.fields == {"keywords": "a", "keywords-2": "b", "keywords-3": "c"}
    (problem,) = [p for p in lib.problems if p.code == "B003"]
    assert "keywords" in problem.message and "3 times" in problem.message


def test_duplicate_keys_are_reported_with_both_lines():
    bf = parse("@misc{k, title = {a}}\n@misc{K, title = {b}}\n")
    assert len(bf.entries) == 2
    (problem,) = bf.problems
    assert problem.code == "B002" and problem.line == 2 and "line 1" in problem.message


def test_bom_and_crlf_survive():
    text = "\ufeff@misc{k,\r\n  title = {T}\r\n}\r\n"
    bf = parse(text)
    assert bf.render() == text and bf.entries[0].key == "k"


def test_a_missing_closing_brace_is_reported_where_the_value_starts():
    text = "@article{a, title = {Fine}, year = 2001}\n@article{b,\n title={Unclosed,\n year=2002,\n pages = {1--2}\n}\n"
    bf = parse(text)
    (problem,) = bf.problems
    assert (problem.line, problem.col) == (3, 8)  # the '{' that lost its '}'
    assert "'year', 'pages'" in problem.message and "closing '}'" in problem.message
    assert [e.key for e in bf.entries] == ["a"] and bf.render() == text
