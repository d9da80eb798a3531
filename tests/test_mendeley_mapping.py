"""Mendeley JSON <-> Reference: lossless both ways (property tests) and the tables."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from balintbib.formats import mendeley as fm
from balintbib.formats.bibsafe import balanced
from balintbib.model import Reference

from mendeley_support import balintbib_home  # noqa: F401

# Plain text as Mendeley holds it: no leading/trailing or doubled spaces, no
# control characters (the model squashes whitespace, as BibTeX does).
_chars = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Zs"), blacklist_characters="\u00ad")
word = st.text(_chars, min_size=1, max_size=8)
text = st.lists(word, min_size=1, max_size=5).map(" ".join)
tag = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Zs"),
                            blacklist_characters=",;\u00ad"), min_size=1, max_size=10)
url = st.text(string.ascii_letters + string.digits + "/._-%#?=&~", min_size=1, max_size=20).map(
    lambda s: "https://example.org/" + s)
name = st.text(string.ascii_letters + "ÁéöüßøØ'-", min_size=1, max_size=10)
person = st.fixed_dictionaries({"first_name": name, "last_name": name})
iso = st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.000Z"))

MENDELEY_TEXT = [k for k in fm.TEXT_FIELDS if k not in ("created", "profile_id", "accessed")]

mendeley_doc = st.fixed_dictionaries(
    {"id": st.uuids().map(str), "type": st.sampled_from(sorted(fm.TYPES)), "title": text},
    optional={
        **{k: text for k in MENDELEY_TEXT if k != "title"},
        "source": text, "institution": text,
        "year": st.integers(1000, 2100), "month": st.integers(1, 12), "day": st.integers(1, 31),
        "authors": st.lists(person, min_size=1, max_size=4),
        "editors": st.lists(person, min_size=1, max_size=3),
        "translators": st.lists(person, min_size=1, max_size=2),
        "identifiers": st.dictionaries(st.sampled_from(sorted(fm.IDENTIFIERS)), word.filter(lambda s: "\\" not in s),
                                       min_size=1),
        "keywords": st.lists(tag, min_size=1, max_size=4, unique=True),
        "tags": st.lists(tag, min_size=1, max_size=4, unique_by=str.casefold),
        "websites": st.lists(url, min_size=1, max_size=3),
        "accessed": st.dates().map(str),
        "created": iso, "last_modified": iso, "profile_id": st.uuids().map(str),
        "group_id": st.uuids().map(str),
        **{k: st.booleans() for k in fm.FLAG_FIELDS},
        "folder_uuids": st.lists(st.uuids().map(str), min_size=1, max_size=2),
        "citation_key": st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,10}", fullmatch=True),
        "client_data": st.just('{"desktop_id":"abc"}'),
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mendeley_doc)
def test_mendeley_to_model_to_mendeley_keeps_every_mapped_field(doc):
    md = fm.from_mendeley(doc, "society")
    assert md.id == doc["id"] and md.last_modified == doc.get("last_modified", "")
    assert "last_modified" not in " ".join(md.reference.fields)  # sync state, not a field
    back = fm.to_mendeley(md.reference, "society")
    for key, value in doc.items():
        if key in ("last_modified", "group_id"):
            continue
        if key == "identifiers":
            value = {k: v for k, v in value.items()}
        assert back.get(key) == value, key


# BibTeX content: braces balanced (BibTeX counts every brace; the model holds no other content).
bib_content = st.one_of(text.map(lambda t: t.replace("\\", "/")).filter(balanced),
                        st.sampled_from(["{Balint} Groups", "\\emph{The} doctor", "M{\\\"u}ller", "1--6",
                                         "Caf\\'e", "50\\%"]))
bib_fields = st.dictionaries(
    st.sampled_from(["title", "journal", "booktitle", "publisher", "address", "pages", "volume", "number",
                     "edition", "series", "chapter", "note", "abstract", "school", "institution", "howpublished",
                     "organization", "language", "isbn", "issn", "doi", "pmid", "eprint", "eprinttype",
                     "urldate", "url", "type", "version", "shorttitle", "annote", "mendeley-read",
                     "day", "addendum", "langid", "crossref", "mendeley-keywords"]),
    bib_content, max_size=12)
bib_people = st.lists(st.sampled_from(["Balint, Michael", "van Roy, Kaatje", "de la Fontaine, Jean",
                                       "Smith, Jr., John", "{World Health Organization}", "others",
                                       "M{\\\"u}ller, J{\\\"o}rg", "Salinsky, J. V."]), min_size=1, max_size=4,
                      unique=True).map(lambda xs: " and ".join(x for x in xs if x != "others") + (
                          " and others" if "others" in xs and len(xs) > 1 else ""))


@st.composite
def references(draw):
    btype = draw(st.sampled_from(sorted(set(fm.BIBTEX_TYPES) | {"article", "unknowntype"})))
    fields = draw(bib_fields)
    ref = Reference(draw(st.from_regex(r"[a-z][a-z0-9:-]{0,12}", fullmatch=True)), btype, dict(fields))
    for role in draw(st.sets(st.sampled_from(["author", "editor", "translator", "editora"]))):
        people = draw(bib_people)
        if people.strip():
            ref.fields[role] = people
    if draw(st.booleans()):
        ref.fields["year"] = draw(st.sampled_from(["1957", "2021", "in press", "19{\\etalchar{}}"]))
    if draw(st.booleans()):
        ref.fields["month"] = draw(st.sampled_from(["nov", "jan", "11", "Spring"]))
        if ref.fields["month"] in ("nov", "jan"):
            ref.expressions.add("month")
    if draw(st.booleans()):
        ref.tags = draw(st.lists(tag, max_size=3))
    if draw(st.booleans()):
        ref.annotation = draw(text)
    if draw(st.booleans()):
        ref.set_remote_id("zotero", "ABCD1234")
    if draw(st.booleans()):
        ref.set_remote_id("society", "5f1c0e8a-0000-4000-8000-000000000001")
    return ref


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(references())
def test_model_to_mendeley_to_model_keeps_every_field(ref):
    doc = fm.to_mendeley(ref, "society")
    doc.setdefault("id", "5f1c0e8a-0000-4000-8000-000000000001")
    note = ref.annotation or None
    back = fm.from_mendeley(doc, "society", note=note).reference
    expected = dict(ref.fields)
    ids = dict(ref.remote_ids, society=doc["id"])
    expected["remote-ids"] = "; ".join(f"{k}:{v}" for k, v in sorted(ids.items()))
    if note:
        expected["annotation"] = back.fields["annotation"]  # the note travels as plain text
        assert back.annotation == ref.annotation
    assert back.type == ref.type and back.key == ref.key
    assert back.fields == expected
    assert back.expressions == ref.expressions


def test_every_mendeley_type_has_a_bibtex_type_and_comes_back():
    assert len(fm.TYPES) == 20
    for mtype in fm.TYPES:
        ref = fm.from_mendeley({"id": "x", "type": mtype, "title": "T"}).reference
        assert fm.to_mendeley(ref)["type"] == mtype
        assert "client_data" not in fm.to_mendeley(ref)


def test_tags_keywords_and_websites():
    doc = {"id": "d1", "type": "journal", "title": "T", "tags": ["Balint groups", "empathy"],
           "keywords": ["doctor-patient relationship"], "websites": ["https://a.org/x_1%20", "https://b.org"],
           "accessed": "2024-05-01", "identifiers": {"doi": "10.1/x_y", "arxiv": "2101.00001", "scopus": "2-s"},
           "authors": [{"first_name": "Kaatje", "last_name": "van Roy"}, {"last_name": "World Health Organization"}],
           "read": True}
    ref = fm.from_mendeley(doc, "society").reference
    assert ref.tags == ["Balint groups", "empathy"]
    assert ref.fields["keywords"] == "Balint groups, empathy"
    assert ref.text("mendeley-keywords") == "doctor-patient relationship"
    assert ref.fields["url"] == "https://a.org/x_1%20" and ref.fields["mendeley-websites"] == "https://b.org"
    assert ref.fields["urldate"] == "2024-05-01"
    assert ref.fields["eprint"] == "2101.00001" and ref.fields["eprinttype"] == "arxiv"
    assert ref.identifiers["doi"] == "10.1/x_y" and ref.fields["scopus"] == "2-s"
    assert [p.display() for p in ref.authors] == ["Kaatje van Roy", "World Health Organization"]
    assert ref.fields["mendeley-read"] == "true"
    assert ref.remote_ids == {"society": "d1"}
    assert fm.writable(fm.to_mendeley(ref, "society")).keys().isdisjoint(fm.READ_ONLY)


def test_an_edit_in_mendeley_wins_over_the_stash():
    ref = Reference("k", "mastersthesis", {"title": "The {B}alint method", "school": "KU Leuven"})
    doc = fm.to_mendeley(ref, "society")
    assert "balintbib" in doc["client_data"]
    assert fm.from_mendeley(dict(doc), "society").reference.fields["title"] == "The {B}alint method"
    doc["title"] = "Edited in Mendeley"
    back = fm.from_mendeley(doc, "society").reference
    assert back.text("title") == "Edited in Mendeley" and back.type == "mastersthesis"


def test_changed_fields_makes_a_patch_with_nulls():
    old = {"id": "x", "title": "A", "pages": "1-2", "last_modified": "t"}
    new = {"id": "x", "title": "B", "year": 2020}
    assert fm.changed_fields(old, new) == {"title": "B", "pages": None, "year": 2020}
