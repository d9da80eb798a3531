"""Zotero item JSON <-> model: every type and field of the schema table both ways, and a
property test: model -> Zotero -> model keeps every field."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from balintbib.formats.zotero import (
    annotation_key, from_zotero, lost_fields, note_html, note_text, to_zotero,
)
from balintbib.formats.zotero_tables import BIBTEX_TYPES, ITEM_TYPES, KEY_ALPHABET
from balintbib.model import Person, Reference
from balintbib.testing.zotero_state import Group, ZoteroState

REAL_TYPES = [t for t in ITEM_TYPES if t not in ("note", "attachment", "annotation")]


def _validate(data: dict) -> None:
    """The test server's per-object validation (the schema table): raises on an invalid field."""
    group = Group("1", "g", 1)
    for col in data.get("collections") or []:
        group.collections[col] = {"key": col, "name": col, "version": 1}
    ZoteroState().validate(group, dict(data, key="ABCD2345"), data["itemType"])


def through_bibtex(ref: Reference, folder) -> Reference:
    """The reference written to a .bib file and read back (field names come back lower case)."""
    from balintbib.library import Library

    folder.mkdir(exist_ok=True)
    (folder / "library.bib").write_text("")
    lib = Library.load(folder)
    lib.add(ref)
    lib.save()
    return Library.load(folder).get(ref.key)


@pytest.mark.parametrize("item_type", REAL_TYPES)
def test_every_field_and_creator_type_of_every_item_type_round_trips(item_type, tmp_path):
    info = ITEM_TYPES[item_type]
    data = {"itemType": item_type, "key": "ABCD2345", "version": 7}
    for i, f in enumerate(info["fields"]):
        data[f] = "2012-03-21" if f in ("date", "accessDate") else f"{f} value {i} & more"
    data["extra"] = "PMID: 123\nSome free line\nCitation Key: x2020"
    data["creators"] = [{"creatorType": c, "firstName": f"First{i}", "lastName": f"Last{i}"}
                        for i, c in enumerate(info["creators"])] + \
                       [{"creatorType": info["creators"][0], "name": "World Health Organization"}]
    data["tags"] = [{"tag": "Balint"}, {"tag": "groups, training"}, {"tag": "MeSH term", "type": 1}]
    data["collections"] = ["9KH9TNSJ"]
    data["relations"] = {"mendeleyDB:remoteDocumentUUID": "0000-1111"}
    ref = through_bibtex(from_zotero(data, "z").reference, tmp_path / "lib")
    back = to_zotero(ref, "z")
    _validate(back)
    for name, value in data.items():
        if name in ("key", "version"):
            continue
        if name == "extra":
            # PMID becomes a field where the type has it; the line stays where it has not
            lines = set(back["extra"].split("\n"))
            assert "Some free line" in lines and "Citation Key: x2020" in lines
            if "PMID" not in info["fields"]:
                assert "PMID: 123" in lines
            continue
        assert back[name] == value, name


def test_extra_pmid_becomes_the_field_and_other_lines_are_kept():
    data = {"itemType": "book", "title": "T", "extra": "PMID: 123\narXiv: 2101.00001\nOriginal Date: 1950"}
    ref = from_zotero(data, "z").reference
    assert ref.get("pmid") == "123" and ref.get("eprint") == "2101.00001" and ref.get("eprinttype") == "arxiv"
    assert ref.get("note") == "Original Date: 1950"
    back = to_zotero(ref, "z")
    assert set(back["extra"].split("\n")) == {"Original Date: 1950", "PMID: 123", "arXiv: 2101.00001"}
    journal = from_zotero({"itemType": "journalArticle", "PMID": "", "extra": "PMID: 55"}, "z").reference
    assert journal.get("pmid") == "55" and to_zotero(journal, "z")["PMID"] == "55"


def test_what_the_type_cannot_hold_is_kept_and_listed():
    ref = Reference("k", "phdthesis", {"title": "T", "editor": "Salinsky, John", "journal": "J",
                                       "provenance": "Imported from the 2019 review", "school": "Semmelweis"})
    data = to_zotero(ref, "z")
    _validate(data)
    assert data["itemType"] == "thesis" and data["university"] == "Semmelweis"
    assert [c["creatorType"] for c in data["creators"]] == []  # a thesis has no editors in Zotero
    assert lost_fields(ref, "z") == ["editor", "journal", "provenance"]
    assert from_zotero(data, "z", key="k").reference.fields == ref.fields


def test_annotation_note_key_and_html():
    assert annotation_key("ABCD2345") == annotation_key("ABCD2345") != annotation_key("ABCD2346")
    assert all(c in KEY_ALPHABET for c in annotation_key("ABCD2345")) and len(annotation_key("X")) == 8
    text = "First <para> & more.\n\nSecond line\nwith a break."
    html = note_html(text)
    assert html == "<p>First &lt;para&gt; &amp; more.</p><p>Second line<br/>with a break.</p>"
    assert note_text(html) == text
    # the server may rewrite the HTML (a Zotero 6 wrapper, whitespace in tags): the same text
    assert note_text('<div data-schema-version="8"><p >First &lt;para&gt; &amp; more.</p>\n'
                     "<p>Second line<br>with a break.</p></div>") == text


# -- the property ------------------------------------------------------------------------

_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
                min_size=1, max_size=30).map(str.strip).filter(bool)
_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZáéőü", min_size=1, max_size=12)
_field_names = st.sampled_from([
    "title", "journal", "booktitle", "volume", "number", "pages", "publisher", "address", "edition", "series",
    "abstract", "shorttitle", "language", "doi", "isbn", "issn", "pmid", "pmcid", "url", "urldate", "note",
    "school", "institution", "type", "howpublished", "organization", "chapter", "month", "day", "date",
    "provenance", "zotero-archive", "zotero-rights", "mendeley-type", "eprint", "eprinttype", "keywords",
    "origdate", "pagetotal", "shortjournal", "version", "x-custom",
])
_entry_types = st.sampled_from(sorted(BIBTEX_TYPES) + ["customtype", "Article"])


@st.composite
def references(draw) -> Reference:
    ref = Reference(draw(st.from_regex(r"[a-z][a-z0-9]{2,10}", fullmatch=True)), draw(_entry_types))
    for name in draw(st.lists(_field_names, max_size=10, unique=True)):
        if name == "keywords":
            ref.tags = draw(st.lists(_word, min_size=1, max_size=4))
        elif name == "month" and draw(st.booleans()):
            ref.fields["month"] = draw(st.sampled_from(["jan", "feb", "dec"]))
            ref.expressions.add("month")
        else:
            ref.set_text(name, draw(_text))
    for role in draw(st.lists(st.sampled_from(["author", "editor", "translator", "bookauthor", "zotero-contributor"]),
                              max_size=3, unique=True)):
        people = draw(st.lists(st.builds(lambda f, g: Person(family=f, given=g), _word, _word), min_size=1,
                               max_size=3))
        if draw(st.booleans()):
            people.append(Person(literal="{World Health Organization}"))
        ref.set_persons(role, people)
    if draw(st.booleans()):
        ref.set("year", str(draw(st.integers(1900, 2030))))
    if draw(st.booleans()):
        ref.fields["title"] = "The {Balint} group: $\\alpha$ \\& {\\\"o}"
    return ref


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(references())
def test_model_to_zotero_to_model_keeps_every_field(ref):
    from hypothesis import assume

    from balintbib.formats.bibsafe import entry_problems

    assume(not entry_problems(ref.key, ref.type, ref.fields, ref.expressions))  # what a library can hold
    data = to_zotero(ref, "z")
    _validate(data)  # only fields and creator types the item type has
    data = json.loads(json.dumps(data))  # what travels
    back = from_zotero(data, "z", key=ref.key).reference
    assert back.type == ref.type
    assert back.fields == ref.fields
    assert back.expressions == ref.expressions
