"""The society's library in ``library/`` is real data: check that it is complete and well kept.

These tests read ``library/balint.bib`` with balintbib's own loader (and, as a
cross-check, with bibtexparser, as a user's other BibTeX tools would) and compare
it with the five source documents it was built from (``shared/seeds``, next to
the repository; the tests that need them skip when they are absent).
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections import Counter
from pathlib import Path

import bibtexparser
import pytest

from balintbib.formats.bibtex import ordered_fields, render_entry
from balintbib.latex import latex_to_text
from balintbib.library import Library
from balintbib.model import Reference

REPO = Path(__file__).resolve().parents[1]
LIBRARY = REPO / "library"
BIB = LIBRARY / "balint.bib"
README = LIBRARY / "README.md"

#: Field order of the canonical layout (what ``balintbib normalize`` writes).
FIELD_ORDER = (
    "author", "editor", "translator", "title", "subtitle", "shorttitle", "booktitle", "journal",
    "series", "edition", "volume", "number", "chapter", "pages", "publisher", "institution",
    "school", "organization", "address", "howpublished", "type", "year", "month", "day", "date",
    "urldate", "doi", "pmid", "pmcid", "eprint", "isbn", "issn", "url", "language", "note",
    "abstract", "keywords", "annotation", "provenance",
)
ENTRY_TYPES = {"article", "book", "incollection", "phdthesis", "online", "report", "misc"}

#: Every work cited in the source documents, by first author (or first editor,
#: or organisation) and year, written down by hand from the reference lists of
#: the review (000), the chapter (001), the letter (002), the slides (003) and
#: the ABS evidence page (004), plus the three documents that are works themselves.
#: Years follow the documents except where a publisher's record differs
#: (Otten: the letter says 2017, Routledge's record 2018; see library/README.md).
EXPECTED_WORKS = [
    # 000: Yazdankhahfard et al. 2019, reference list
    ("Horder", 2001), ("Kjeldmand", 2006), ("Stelcer", 2011), ("Salinsky", 2004),
    ("Lustig", 2006), ("Van Roy", 2015), ("Olds", 2016), ("Torppa", 2008),
    ("Kjeldmand", 2004), ("Botelho", 1990), ("Liberati", 2009), ("Graham", 2009),
    ("Yakeley", 2011), ("Bar-Sela", 2012), ("Parker", 2012), ("Airagnes", 2014),
    ("Parker", 2014), ("O'Neill", 2016), ("Player", 2018), ("Kulenović", 2000),
    # 001: Kjeldmand, Jablonski & Salinsky 2013, references
    ("Arrow", 2000), ("Balint", 1964), ("Balint", 1973), ("Balint", 1966), ("Balint", 1993),
    ("Cataldo", 2005), ("Elder", 1987), ("Girard", 1986), ("Hubble", 1999), ("Huygen", 1992),
    ("Johnson", 2003), ("Johnson", 2004), ("Kjeldmand", 2008), ("Kjeldmand", 2010),
    ("Malterud", 2001), ("Margalit", 2005), ("Merenstein", 1999), ("Musham", 1994),
    ("Pinder", 2006), ("Risør", 2010), ("Salinsky", 2000), ("Turner", 2004),
    # 002: Moradi et al. 2024, references (those not already above)
    ("Yazdankhahfard", 2019), ("Otten", 2018), ("Muench", 2018), ("Roberts", 2012),
    ("Buffel du Vaure", 2017), ("McCarron", 2024), ("Monk", 2018), ("Antoun", 2023),
    # 004: the ABS evidence page (those not already above)
    ("Balint", 1969), ("Knowlton", 2016), ("Lichtenstein", 2006), ("Mahoney", 2013),
    ("Milberg", 2016), ("Milberg", 2019), ("American Balint Society", None),
    # the documents themselves
    ("Kjeldmand", 2013), ("Moradi", 2024),
]

DOI_IN_TEXT = re.compile(r"10\.\d{4,9}/[^\s\]\[()<>\"',;]+")


# ---------------------------------------------------------------- helpers


def shared_dir() -> Path | None:
    """``shared/`` next to the repository (or next to the worktree's parent folder)."""
    candidates = []
    if os.environ.get("BALINTBIB_SHARED"):
        candidates.append(Path(os.environ["BALINTBIB_SHARED"]))
    candidates += [REPO.parent / "shared", REPO.parent.parent / "shared"]
    for path in candidates:
        if (path / "seeds").is_dir():
            return path
    return None


def seed_texts() -> list[str]:
    shared = shared_dir()
    if shared is None:
        pytest.skip("the source documents (shared/seeds next to the repository) are not available")
    return [p.read_text(encoding="utf-8") for p in sorted((shared / "seeds").glob("*.txt"))]


def unbrace(value: str) -> str:
    """Field content without its outer delimiters (bibtexparser keeps them with parse_stack=[])."""
    value = value.strip()
    if len(value) >= 2 and value[0] == "{" and value[-1] == "}":
        return value[1:-1]
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        return value[1:-1]
    return value


def ascii_fold(text: str) -> str:
    """Lower-case ASCII, accents dropped (ø has no decomposition, so it is mapped by hand)."""
    decomposed = unicodedata.normalize("NFKD", text.replace("ø", "o").replace("Ø", "O"))
    return decomposed.encode("ascii", "ignore").decode().lower()


def first_person(ref: Reference) -> str:
    """Plain family name (particle included) of the first author, else editor, else organisation."""
    people = ref.authors or ref.editors
    if not people:
        return ""
    p = people[0]
    if p.literal:
        return latex_to_text(p.literal)
    return latex_to_text(" ".join(x for x in (p.particle, p.family) if x))


def vocabulary() -> list[str]:
    """The tag vocabulary written down in library/README.md (section 'Tags')."""
    text = README.read_text(encoding="utf-8")
    section = re.search(r"^## Tags\b(.*?)(?=^## )", text, re.S | re.M)
    assert section, "library/README.md has no '## Tags' section"
    tags = re.findall(r"^- `([^`]+)`", section.group(1), re.M)
    assert tags, "the Tags section lists no tags"
    return tags


@pytest.fixture(scope="module")
def refs() -> list[Reference]:
    library = Library.load(LIBRARY)
    assert not library.problems, [p for p in library.problems]
    return library.references


# ---------------------------------------------------------------- completeness


def test_every_cited_work_is_present_exactly_once(refs):
    found = Counter()
    for ref in refs:
        year = ref.text("year")
        found[(first_person(ref).casefold(), int(year) if year else None)] += 1
    expected = Counter((name.casefold(), year) for name, year in EXPECTED_WORKS)
    missing = [work for work, n in expected.items() if found[work] < n]
    doubled = [work for work, n in found.items() if n > expected.get(work, 0)]
    assert not missing, f"works cited in the documents but not in the library: {missing}"
    assert not doubled, f"entries not in the expected list, or present twice: {doubled}"


def test_every_doi_printed_in_the_documents_is_on_its_entry(refs):
    printed = set()
    for text in seed_texts():
        printed |= {m.rstrip(".").lower() for m in DOI_IN_TEXT.findall(text)}
    assert len(printed) >= 10, "the letter alone prints ten DOIs; the regex missed some"
    library_dois = Counter(r.text("doi").lower() for r in refs if r.text("doi"))
    assert printed <= set(library_dois), f"DOIs missing from the library: {sorted(printed - set(library_dois))}"
    assert all(n == 1 for n in library_dois.values()), f"a DOI on two entries: {library_dois.most_common(3)}"


def test_identifiers_are_bare_and_well_formed(refs):
    for ref in refs:
        ids = ref.identifiers
        if "doi" in ids:
            assert re.fullmatch(r"10\.\d{4,9}/\S+", ids["doi"]), ref.key
        if "pmid" in ids:
            assert re.fullmatch(r"\d{1,9}", ids["pmid"]), ref.key
        if "pmcid" in ids:
            assert re.fullmatch(r"PMC\d+", ids["pmcid"]), ref.key
        if "url" in ids:
            assert ids["url"].startswith(("http://", "https://")), ref.key
        if "isbn" in ids:
            assert re.fullmatch(r"97[89]-[\d-]{13}", ids["isbn"]), ref.key


def test_every_entry_has_the_core_fields(refs):
    for ref in refs:
        f, key = ref.fields, ref.key
        assert ref.type in ENTRY_TYPES, key
        assert ref.authors or ref.editors, f"{key}: no author or editor"
        assert ref.text("title"), f"{key}: no title"
        # A web page whose date the documents do not give is dated by nothing but its URL.
        assert f.get("year") or (ref.type == "online" and f.get("url")), f"{key}: no year"
        if "year" in f:
            assert re.fullmatch(r"\d{4}", f["year"]), key
        if ref.type == "article":
            assert f.get("journal"), f"{key}: article without journal"
        if ref.type == "incollection":
            assert f.get("booktitle") and ref.editors and f.get("publisher"), key
        if ref.type == "book":
            assert f.get("publisher"), f"{key}: book without publisher"
        if ref.type == "phdthesis":
            assert f.get("school"), f"{key}: thesis without school"
        if "pages" in f:
            assert not re.search(r"\d-\d", f["pages"]), f"{key}: page range needs '--'"
        for person in ref.authors + ref.editors:
            assert person.is_others or person.literal or person.family, key


def test_names_keep_their_diacritics_and_particles(refs):
    by_key = {r.key: r for r in refs}
    names = {p.display() for r in refs for p in r.authors + r.editors}
    for name in ("C. Mårtenson", "K. H. Pitkälä", "Inger Holmström", "Kaatje Van Roy", "M. Kulenović",
                 "S. Blažeković-Milaković", "Peter C. Gøtzsche", "Olivier De Morlhon",
                 "Céline Buffel du Vaure", "D. E. Nease, Jr.", "J. A. J. van Son"):
        assert name in names, name
    text = BIB.read_text(encoding="utf-8")
    assert not re.search(r"\\[`'^\"~=.uvHcdbkr]\{?[A-Za-z]", text), "write real characters, not LaTeX accents"
    assert by_key["torppa2008qualitative"].authors[2].family == "Mårtenson"
    assert first_person(by_key["buffelduvaure2017promoting"]) == "Buffel du Vaure"
    assert by_key["vanroy2015research"].authors[0].family == "Van Roy"
    assert by_key["americanbalintsocietyevidence"].authors[0].literal == "American Balint Society"


# ---------------------------------------------------------------- annotations and tags


def test_tags_come_from_the_vocabulary_and_annotations_are_there(refs):
    vocab = vocabulary()
    assert 10 <= len(vocab) <= 16
    used = {t for r in refs for t in r.tags}
    assert used <= set(vocab), f"tags not in the vocabulary of library/README.md: {used - set(vocab)}"
    assert set(vocab) <= used, f"vocabulary tags no entry uses: {set(vocab) - used}"
    annotated = [r for r in refs if r.annotation]
    assert len(annotated) >= 0.8 * len(refs)  # the rest are listed in the README, with the reason
    assert all(len(r.annotation) >= 200 for r in annotated)
    assert all(1 <= len(r.tags) <= 4 for r in refs)


def test_annotations_are_two_to_four_sentences(refs):
    for ref in (r for r in refs if r.annotation):
        sentences = [s for s in re.split(r"(?<=[.?!])\s+(?=[A-Z])", ref.annotation) if s.strip()]
        assert 2 <= len(sentences) <= 4, (ref.key, len(sentences))


# ---------------------------------------------------------------- layout


def test_file_is_in_the_canonical_layout(refs):
    """The file is exactly what balintbib writes: sorted keys, canonical field order and layout."""
    text = BIB.read_text(encoding="utf-8")
    keys = [r.key for r in refs]
    assert keys == sorted(keys) and len(keys) == len(set(keys))
    for ref in refs:
        assert ordered_fields(ref.fields) == list(ref.fields), f"{ref.key}: fields out of order"
        assert list(ref.fields) == sorted(ref.fields, key=FIELD_ORDER.index), ref.key
    assert text == "\n\n".join(render_entry(r) for r in refs) + "\n"


def test_keys_follow_the_convention(refs):
    stop = {"a", "an", "the", "on", "of", "in", "for", "and", "to"}
    for ref in refs:
        words = [w for w in re.findall(r"[a-z0-9]+", ascii_fold(ref.text("title")).replace("'", ""))
                 if w not in stop]
        stem = re.sub(r"[^a-z0-9]", "", ascii_fold(first_person(ref))) + ref.text("year")
        expected = stem + words[0]
        assert ref.key in (expected, expected + "a", expected + "b"), (ref.key, expected)


# ---------------------------------------------------------------- other readers agree


def test_bibtexparser_reads_the_same_entries(refs):
    """An independent reader (bibtexparser 2) sees the same keys, types and field content."""
    library = bibtexparser.parse_string(BIB.read_text(encoding="utf-8"), parse_stack=[])
    assert not library.failed_blocks, [b.error for b in library.failed_blocks]
    theirs = {
        e.key: (e.entry_type.lower(), {f.key.lower(): unbrace(f.value) for f in e.fields})
        for e in library.entries
    }
    ours = {r.key: (r.type, dict(r.fields)) for r in refs}
    assert theirs == ours


def test_balintbib_check_reports_nothing_but_the_references_not_yet_annotated(run_cli):
    result = run_cli("check", LIBRARY)
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert all(" B112 not-yet-annotated: " in line for line in lines), lines
