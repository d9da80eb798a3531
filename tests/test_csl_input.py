"""CSL-JSON from other tools is checked against CSL-JSON's schema before it is read:
one error line per bad item (its number and id), nothing written, never a traceback
or an injected BibTeX entry; `convert` never writes two entries with one key silently."""

from __future__ import annotations

import json

import pytest

from balintbib.formats import bibtex
from balintbib.formats.csl_check import item_problems

GOOD = {"id": "good1", "type": "book", "title": "Fine", "author": [{"family": "Balint", "given": "M"}],
        "issued": {"date-parts": [[1957, 5]]}}

BAD = {
    "injected id": {"id": "a, title = {Injected}}\n@misc{evil", "type": "book", "title": "x"},
    "field name with braces": {"id": "b", "type": "book", "custom": {"bibtex": {"x} = {1}, url": "y"}}},
    "bibtex-type with braces": {"id": "c", "type": "book", "custom": {"bibtex-type": "misc}{x,}\n@preamble{y}"}},
    "bibtex-type preamble": {"id": "c2", "type": "book", "custom": {"bibtex-type": "preamble"}},
    "unbalanced value": {"id": "d", "type": "book", "custom": {"bibtex": {"note": "a}, url = {js"}}},
    "unbalanced exact value": {"id": "d2", "type": "book", "custom": {"bibtex-exact": {
        "note": {"bibtex": "a}, url = {js", "as": None}}}},
    "author as strings": {"id": "e", "type": "book", "author": ["Smith"]},
    "family as a number": {"id": "f", "type": "book", "author": [{"family": 5}]},
    "a null name": {"id": "g", "type": "book", "author": [None]},
    "bad date-parts": {"id": "h", "type": "book", "issued": {"date-parts": [["x"]]}},
    "date as text": {"id": "h2", "type": "book", "issued": "2004"},
    "custom as text": {"id": "i", "type": "book", "custom": "str"},
    "custom.bibtex as a list": {"id": "i2", "type": "book", "custom": {"bibtex": ["note"]}},
    "no id": {"type": "book"},
    "no type": {"id": "j"},
    "unknown type": {"id": "j2", "type": "journal-article"},
    "title as a list": {"id": "k", "type": "book", "title": ["a"]},
    "a NUL": {"id": "n", "type": "book", "title": "\x00two words"},
    "deep value": {"id": "z", "type": "book", "note": 1, "x": [[[[[[[[[[1]]]]]]]]]]},
}


def test_a_good_item_has_no_problem():
    assert item_problems(GOOD) == []


@pytest.mark.parametrize("name", list(BAD))
def test_each_bad_shape_is_one_error_line_and_nothing_is_written(tmp_path, run_cli, name):
    src = tmp_path / "in.json"
    src.write_text(json.dumps([GOOD, BAD[name]]), encoding="utf-8")
    out = tmp_path / "out.bib"
    result = run_cli("convert", src, "--to", "bibtex", "-o", out)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "item 2" in errors[0]
    if "id" in BAD[name] and name != "injected id":
        assert repr(BAD[name]["id"]) in errors[0]
    assert not out.exists()


def test_bad_items_are_each_named_in_one_run(tmp_path, run_cli):
    src = tmp_path / "in.json"
    src.write_text(json.dumps([GOOD, *BAD.values(), 5, dict(GOOD, title="Same id")]), encoding="utf-8")
    result = run_cli("convert", src, "--to", "bibtex", "-o", tmp_path / "out.bib")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == len(BAD) + 2
    assert any("not an object" in e for e in errors) and any("the same id as item 1" in e for e in errors)


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, '{"id": "x", "type": "book"}x', "# notes"])
def test_a_file_that_is_not_csl_json_is_one_line(tmp_path, run_cli, text):
    src = tmp_path / "in.json"
    src.write_text(text, encoding="utf-8")
    for args in (("convert", src, "--to", "bibtex", "-o", tmp_path / "out.bib"), ("format", src, "--style", "apa")):
        result = run_cli(*args)
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert len(result.stderr.strip().splitlines()) == 1 and "in.json" in result.stderr
    assert not (tmp_path / "out.bib").exists()


def test_a_markdown_file_given_to_convert_is_refused(tmp_path, run_cli):
    src = tmp_path / "notes.md"
    src.write_text("# Reading list\n", encoding="utf-8")
    result = run_cli("convert", src, "--to", "bibtex", "-o", tmp_path / "out.bib")
    assert result.exit_code == 1 and "notes.md" in result.stderr
    assert not (tmp_path / "out.bib").exists()


def test_format_refuses_a_malformed_item_with_its_number(tmp_path, run_cli):
    src = tmp_path / "in.json"
    src.write_text(json.dumps([GOOD, BAD["author as strings"]]), encoding="utf-8")
    result = run_cli("format", src, "--style", "apa")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "item 2 (id 'e')" in result.stderr


def test_convert_renames_colliding_keys_visibly_and_keeps_every_entry(tmp_path, run_cli):
    a, b = tmp_path / "a.bib", tmp_path / "b.bib"
    a.write_text("@book{Balint1957,\n  title = {The Doctor},\n}\n\n@book{other,\n  title = {O},\n}\n")
    b.write_text("@book{balint1957,\n  title = {Another},\n}\n")
    out = tmp_path / "out.bib"
    result = run_cli("convert", a, b, "--to", "bibtex", "-o", out)
    assert result.exit_code == 0, result.output
    assert "'balint1957'" in result.stderr and "'balint1957-2'" in result.stderr
    keys = [e.key for e in bibtex.parse(out.read_text()).entries]
    assert keys == ["Balint1957", "other", "balint1957-2"]
    # The same for CSL-JSON ids.
    result = run_cli("convert", a, b, "--to", "csl-json", "-o", tmp_path / "out.json")
    assert result.exit_code == 0
    ids = [item["id"] for item in json.loads((tmp_path / "out.json").read_text())]
    assert len(ids) == 3 and len({i.lower() for i in ids}) == 3


def test_what_convert_writes_from_csl_json_reads_back_as_the_same_fields(tmp_path, run_cli):
    item = dict(GOOD, note="see below},\n  url = {javascript:x}", title="{Unbalanced", custom={
        "bibtex": {"annotation": "A {Balint} note"}})
    src = tmp_path / "in.json"
    src.write_text(json.dumps([item]), encoding="utf-8")
    out = tmp_path / "out.bib"
    result = run_cli("convert", src, "--to", "bibtex", "-o", out)
    assert result.exit_code == 0, result.output
    bf = bibtex.parse(out.read_text())
    assert not bf.problems and len(bf.entries) == 1
    ref = bibtex.entry_to_reference(bf.entries[0])[0]
    assert "url" not in ref.fields
    assert ref.text("note") == " ".join(item["note"].split()) and ref.text("title") == "{Unbalanced"


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from balintbib.formats import csljson  # noqa: E402
from balintbib.formats.csl_check import CSL_TYPES, DATE_VARIABLES, NAME_VARIABLES  # noqa: E402

_text = st.text(max_size=10) | st.sampled_from(["}", "{", "},\n url = {x}", "@preamble{x}", "misc}{x,", "a b", "\x00"])
_json = st.recursive(st.none() | st.booleans() | st.integers(-5, 3000) | _text,
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
                     max_leaves=8)
_name = st.dictionaries(st.sampled_from(["family", "given", "literal", "suffix", "non-dropping-particle"]),
                        _text | _json, max_size=3)
_items = st.fixed_dictionaries(
    {"id": st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True) | _json,
     "type": st.sampled_from(sorted(CSL_TYPES)) | _json},
    optional={"title": _text | _json, "note": _text | _json, "page": _text | _json, "URL": _text | _json,
              "DOI": _text, "volume": _text | _json,
              "author": st.lists(_name | _json, max_size=2) | _json,
              "issued": st.fixed_dictionaries({}, optional={"date-parts": _json, "literal": _json}) | _json,
              "custom": st.fixed_dictionaries({}, optional={
                  "bibtex": st.dictionaries(_text | st.sampled_from(["note", "annotation"]), _text | _json,
                                            max_size=3) | _json,
                  "bibtex-type": _text | st.sampled_from(["article", "preamble"]),
                  "bibtex-exact": st.dictionaries(st.sampled_from(["note", "month"]), st.fixed_dictionaries(
                      {"bibtex": _text | _json, "as": _text | st.none()}, optional={"expression": st.booleans()}),
                      max_size=2)}) | _json,
              **{v: _json for v in sorted(NAME_VARIABLES | DATE_VARIABLES)[:4]}})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_items)
def test_any_item_is_refused_or_read_as_an_entry_that_reads_back(item):
    if item_problems(item, bibtex_key=True):
        return
    ref = csljson.from_csl(item)
    bf = bibtex.parse(bibtex.render_entry(ref, bibtex.ordered_fields(ref.fields)))
    assert not bf.problems and len(bf.entries) == 1
    back, _ = bibtex.entry_to_reference(bf.entries[0])
    assert back.fields == ref.fields and back.type == ref.type and back.key == ref.key
