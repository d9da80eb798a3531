"""Idempotence on generated input: whatever the values, a second normalize changes nothing."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from balintbib.formats import bibtex
from balintbib.normalize import NormalizeOptions, normalize_text

TOKENS = st.sampled_from([
    "Heart", "failure", "HIV", "McMaster", "in", "the", "of", "van", "Van", "de", "Jr.", "J.", "A.", "Smith",
    r"{\"u}", r"\'e", r"M{\aa}rtenson", r"{\c c}", r"\o{}", r"{\'\i}", "ü", "ø", "Ł", r"\&", "50\\%", "$x^2$",
    "{DNA}", "{{Nested} braces}", "--", "-", "–", "12", "12-15", "e123", "xi-xv", ",", ";", "and", "others",
    "{World Health Organization}", "https://doi.org/10.1000/x", "doi:10.1/y", "June", "jun", "6", "  ", "\n",
    "\n\n", "~", r"\textbf{b}", "%", '"', "#", "@",
])
# (a bare "\o" before a space is left out: TeX reads "\o Heart" as "øHeart", BibTeX's
# name parser as two words; decoding follows TeX, see the report)
VALUE = st.lists(TOKENS, min_size=1, max_size=8).map(" ".join)
FIELD = st.sampled_from(["author", "editor", "title", "journal", "pages", "month", "doi", "url", "note",
                         "keywords", "isbn", "issn", "year", "Title", "X-Custom", "file"])


def _safe(value: str) -> str:
    # keep the generated value valid BibTeX content inside braces
    value = value.replace("@", " at ")
    depth = 0
    out = []
    for c in value:
        if c == "{":
            depth += 1
        elif c == "}":
            if depth == 0:
                continue
            depth -= 1
        out.append(c)
    return "".join(out) + "}" * depth


ENTRY = st.tuples(
    st.sampled_from(["article", "Book", "INPROCEEDINGS", "misc"]),
    st.sampled_from(["k1", "Smith2000", "smith2000heart", "", "dup", "dup"]),
    st.lists(st.tuples(FIELD, VALUE, st.sampled_from(["braces", "quotes", "bare"])), max_size=6),
)


def render(entries) -> str:
    out = []
    for etype, key, fields in entries:
        parts = []
        for name, value, style in fields:
            value = _safe(value)
            if style == "quotes" and '"' not in value:
                parts.append(f'{name} = "{value}"')
            elif style == "bare" and value.strip().isdigit():
                parts.append(f"{name} = {value.strip()}")
            else:
                parts.append(f"{name} = {{{value}}}")
        out.append(f"@{etype}{{{key},\n  " + ",\n  ".join(parts) + "\n}")
    return "\n% a comment\n".join(out) + "\n"


@settings(max_examples=150, deadline=None)
@given(st.lists(ENTRY, min_size=1, max_size=4), st.booleans(), st.sampled_from(["utf8", "latex", "keep"]),
       st.booleans(), st.booleans())
def test_normalize_is_idempotent_and_keeps_every_entry(entries, protect, unicode, keys, sort):
    text = render(entries)
    options = NormalizeOptions(protect_titles=protect, unicode=unicode, keys=keys, sort=sort)
    first = normalize_text(text, "gen.bib", options)
    second = normalize_text(first.new, "gen.bib", options)
    assert second.new == first.new
    assert second.renames == []
    assert len(bibtex.parse(first.new).entries) == len(bibtex.parse(text).entries)


@settings(max_examples=150, deadline=None)
@given(st.lists(ENTRY, min_size=1, max_size=4), st.booleans(), st.sampled_from(["utf8", "latex", "keep"]))
def test_normalize_loses_no_value(entries, protect, unicode):
    from test_normalize_corpus import lost_values

    # unique keys: with a key given twice, which new entry is which cannot be told from outside
    text = render([(etype, f"key{i}", fields) for i, (etype, _, fields) in enumerate(entries)])
    result = normalize_text(text, "gen.bib", NormalizeOptions(protect_titles=protect, unicode=unicode))
    lost, duplicates = lost_values("gen.bib", text, result)
    assert lost == []
    assert sum(p.code == "B003" for p in result.problems) == duplicates
