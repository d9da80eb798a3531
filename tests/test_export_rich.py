"""The run model every handout renderer writes from: what the CSL engine's HTML and
a leader's introduction become."""

from __future__ import annotations

from balintbib.export.rich import annotation_paragraphs, linkify, parse_csl_html, parse_intro, plain, Run


def test_numeric_entry_is_taken_apart_into_label_reference_and_blocks():
    parts = parse_csl_html('<div class="csl-left-margin">12.</div><div class="csl-right-inline">'
                           'Smith J. <i>Title &#38; more</i>.<div class="csl-block">Note &#60;x&#62;</div></div>')
    assert parts.label == "12."
    assert plain(parts.reference) == "Smith J. Title & more."
    assert [r.italic for r in parts.reference] == [False, True, False]
    assert [plain(b) for b in parts.blocks] == ["Note <x>"]


def test_italic_inside_italic_is_roman_and_small_caps_spans_are_read():
    parts = parse_csl_html('<i>Review of <i>Ulysses</i> today</i> '
                           '<span style="font-variant:small-caps;">Anon</span>')
    assert [(r.text, r.italic) for r in parts.reference][:3] == [
        ("Review of ", True), ("Ulysses", False), (" today", True)]
    assert [r.text for r in parts.reference if r.smallcaps] == ["Anon"]


def test_links_leave_trailing_punctuation_outside_and_resolve_doi_prefixes():
    runs = linkify((Run("See https://doi.org/10.1/ab(c). Or doi:10.2/x, (https://x.org/a)."),))
    links = [(r.text, r.href) for r in runs if r.href]
    assert links == [("https://doi.org/10.1/ab(c)", "https://doi.org/10.1/ab(c)"),
                     ("doi:10.2/x", "https://doi.org/10.2/x"),
                     ("https://x.org/a", "https://x.org/a")]
    assert plain(runs) == "See https://doi.org/10.1/ab(c). Or doi:10.2/x, (https://x.org/a)."


def test_intro_markup_is_small_and_everything_else_is_text():
    paras = parse_intro("Read *this* and **that**,\nnot <b>this</b> or snake_case_name.\n\n\nSecond.")
    assert [plain(p) for p in paras] == ["Read this and that, not <b>this</b> or snake_case_name.", "Second."]
    assert [r.text for r in paras[0] if r.italic] == ["this"]
    assert [r.text for r in paras[0] if r.bold] == ["that"]


def test_annotations_read_like_the_annotated_styles_print_them():
    (para,) = annotation_paragraphs('It is "good" & the doctor\'s <i>Six minutes</i>; a <script> stays.')
    assert plain(para) == "It is \u201cgood\u201d & the doctor\u2019s Six minutes; a <script> stays."
    assert [r.text for r in para if r.italic] == ["Six minutes"]
    assert len(annotation_paragraphs("One.\n\nTwo.\nstill two.")) == 2
