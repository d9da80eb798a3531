"""The society's library in ``library/`` is real data: check that it is complete and well kept.

These tests read ``library/balint.bib`` as a user's BibTeX tools would (with
bibtexparser, and with balintbib's own loader when it is available) and compare
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
    "abstract", "keywords", "annotation",
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
    """``shared/`` next to the repository (or next to the worktree directory)."""
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


def plain(content: str) -> str:
    """Just enough LaTeX decoding for these checks: escapes and case-protecting braces."""
    return re.sub(r"\\([_&%#$])", r"\1", content).replace("{", "").replace("}", "")


def split_names(content: str) -> list[str]:
    """Split a BibTeX name list on top-level `` and ``."""
    names, depth, start = [], 0, 0
    for i, ch in enumerate(content):
        depth += ch == "{"
        depth -= ch == "}"
        if depth == 0 and content.startswith(" and ", i):
            names.append(content[start:i])
            start = i + 5
    names.append(content[start:])
    return [n.strip() for n in names if n.strip()]


def family_name(name: str) -> str:
    """The family part of one BibTeX name (organisations in braces are kept whole)."""
    if name.startswith("{") and name.endswith("}"):
        return name[1:-1]
    if "," in name:
        return name.split(",", 1)[0].strip()
    words = name.split()
    return words[-1] if words else ""


def ascii_key_part(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.replace("ø", "o").replace("Ø", "O"))
    return re.sub(r"[^a-z0-9]", "", decomposed.encode("ascii", "ignore").decode().lower())


def load_entries() -> list[dict]:
    """Entries as dicts of plain field content, in file order, via bibtexparser 2."""
    library = bibtexparser.parse_string(BIB.read_text(encoding="utf-8"), parse_stack=[])
    assert not library.failed_blocks, [b.error for b in library.failed_blocks]
    out = []
    for entry in library.entries:
        fields = {f.key.lower(): unbrace(f.value) for f in entry.fields}
        out.append({"key": entry.key, "type": entry.entry_type.lower(), "fields": fields, "order": [f.key for f in entry.fields]})
    return out


def first_person(entry: dict) -> str:
    names = entry["fields"].get("author") or entry["fields"].get("editor") or ""
    people = split_names(names)
    return family_name(people[0]) if people else ""


def vocabulary() -> list[str]:
    """The tag vocabulary written down in library/README.md (section 'Tags')."""
    text = README.read_text(encoding="utf-8")
    section = re.search(r"^## Tags\b(.*?)(?=^## )", text, re.S | re.M)
    assert section, "library/README.md has no '## Tags' section"
    tags = re.findall(r"^- `([^`]+)`", section.group(1), re.M)
    assert tags, "the Tags section lists no tags"
    return tags


def tags_of(entry: dict) -> list[str]:
    return [t.strip() for t in entry["fields"].get("keywords", "").split(",") if t.strip()]


@pytest.fixture(scope="module")
def entries() -> list[dict]:
    return load_entries()


# ---------------------------------------------------------------- completeness


def test_every_cited_work_is_present_exactly_once(entries):
    found = Counter()
    for entry in entries:
        year = entry["fields"].get("year")
        found[(first_person(entry).casefold(), int(year) if year else None)] += 1
    expected = Counter((name.casefold(), year) for name, year in EXPECTED_WORKS)
    missing = [work for work, n in expected.items() if found[work] < n]
    doubled = [work for work, n in found.items() if n > expected.get(work, 0)]
    assert not missing, f"works cited in the documents but not in the library: {missing}"
    assert not doubled, f"entries not in the expected list, or present twice: {doubled}"


def test_every_doi_printed_in_the_documents_is_on_its_entry(entries):
    printed = set()
    for text in seed_texts():
        printed |= {m.rstrip(".").lower() for m in DOI_IN_TEXT.findall(text)}
    assert len(printed) >= 10, "the letter alone prints ten DOIs; the regex missed some"
    library_dois = Counter(plain(e["fields"]["doi"]).lower() for e in entries if "doi" in e["fields"])
    assert printed <= set(library_dois), f"DOIs missing from the library: {sorted(printed - set(library_dois))}"
    assert all(n == 1 for n in library_dois.values()), f"a DOI on two entries: {library_dois.most_common(3)}"


def test_identifiers_are_bare_and_well_formed(entries):
    for entry in entries:
        f = entry["fields"]
        if "doi" in f:
            assert re.fullmatch(r"10\.\d{4,9}/\S+", plain(f["doi"])), entry["key"]
        if "pmid" in f:
            assert re.fullmatch(r"\d{1,9}", f["pmid"]), entry["key"]
        if "pmcid" in f:
            assert re.fullmatch(r"PMC\d+", f["pmcid"]), entry["key"]
        if "url" in f:
            assert plain(f["url"]).startswith(("http://", "https://")), entry["key"]


def test_every_entry_has_the_core_fields(entries):
    for entry in entries:
        f, key = entry["fields"], entry["key"]
        assert entry["type"] in ENTRY_TYPES, key
        assert f.get("author") or f.get("editor"), f"{key}: no author or editor"
        assert f.get("title"), f"{key}: no title"
        # A web page whose date the documents do not give is dated by nothing but its URL.
        assert f.get("year") or (entry["type"] == "online" and f.get("url")), f"{key}: no year"
        if "year" in f:
            assert re.fullmatch(r"\d{4}", f["year"]), key
        if entry["type"] == "article":
            assert f.get("journal"), f"{key}: article without journal"
        if entry["type"] == "incollection":
            assert f.get("booktitle") and f.get("editor") and f.get("publisher"), key
        if entry["type"] == "book":
            assert f.get("publisher"), f"{key}: book without publisher"
        if entry["type"] == "phdthesis":
            assert f.get("school"), f"{key}: thesis without school"
        if "pages" in f:
            assert not re.search(r"\d-\d", f["pages"]), f"{key}: page range needs '--'"


def test_names_keep_their_diacritics_and_particles(entries):
    text = BIB.read_text(encoding="utf-8")
    for name in ("Mårtenson", "Pitkälä", "Holmström", "Van Roy, Kaatje", "Kulenović",
                 "Blažeković-Milaković", "Gøtzsche", "De Morlhon, Olivier", "Buffel du Vaure, Céline",
                 "Nease, Jr., D. E."):
        assert name in text, name
    assert "\\\"" not in text and "{\\" not in text, "write real characters, not LaTeX accents"


# ---------------------------------------------------------------- annotations and tags


def test_tags_come_from_the_vocabulary_and_annotations_are_there(entries):
    vocab = vocabulary()
    assert 10 <= len(vocab) <= 16
    outside = {t for e in entries for t in tags_of(e)} - set(vocab)
    assert not outside, f"tags not in the vocabulary of library/README.md: {outside}"
    good = [e for e in entries if tags_of(e) and len(e["fields"].get("annotation", "")) >= 80]
    assert len(good) >= 0.95 * len(entries)
    unused = set(vocab) - {t for e in entries for t in tags_of(e)}
    assert not unused, f"vocabulary tags no entry uses: {unused}"


def test_annotations_are_two_to_four_sentences(entries):
    for entry in entries:
        note = plain(entry["fields"].get("annotation", ""))
        sentences = [s for s in re.split(r"(?<=[.?!])\s+(?=[A-Z])", note) if s.strip()]
        assert 2 <= len(sentences) <= 4, (entry["key"], len(sentences))


# ---------------------------------------------------------------- layout


def test_file_is_in_the_canonical_layout(entries):
    text = BIB.read_text(encoding="utf-8")
    keys = [e["key"] for e in entries]
    assert keys == sorted(keys) and len(keys) == len(set(keys))
    for entry in entries:
        order = [FIELD_ORDER.index(k) for k in entry["order"]]
        assert order == sorted(order), f"{entry['key']}: fields out of order"
    blocks = text.rstrip("\n").split("\n\n")
    assert len(blocks) == len(entries), "one blank line between entries, nothing else"
    for block in blocks:
        lines = block.split("\n")
        assert re.fullmatch(r"@[a-z]+\{[a-z0-9]+,", lines[0]), lines[0]
        assert lines[-1] == "}"
        for i, line in enumerate(lines[1:-1]):
            assert re.fullmatch(r"  [a-z]+ = \{.*\}" + ("," if i < len(lines) - 3 else ""), line), line
    assert text.endswith("}\n") and not text.endswith("\n\n")


def test_keys_follow_the_convention(entries):
    stop = {"a", "an", "the", "on", "of", "in", "for", "and", "to"}
    for entry in entries:
        f = entry["fields"]
        words = [w for w in re.findall(r"[a-z0-9']+", ascii_key_part_keep(plain(f["title"])))
                 if w not in stop]
        expected = ascii_key_part(first_person(entry)) + f.get("year", "") + ascii_key_part(words[0])
        assert entry["key"] in (expected, expected + "a", expected + "b"), (entry["key"], expected)


def ascii_key_part_keep(text: str) -> str:
    """Lower-case ASCII text with word boundaries kept (for picking the first title word)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode().lower().replace("'", "")


# ---------------------------------------------------------------- balintbib's own loader


def test_balintbib_reads_the_same_library(entries):
    library_mod = pytest.importorskip("balintbib.library")
    if not hasattr(library_mod, "Library"):
        pytest.skip("balintbib.library.Library is not there yet")
    library = library_mod.Library.load(LIBRARY)
    refs = library.references
    assert sorted(r.key for r in refs) == sorted(e["key"] for e in entries)
    by_key = {r.key: r for r in refs}
    torppa = by_key["torppa2008qualitative"]
    assert [p.family for p in torppa.authors] == ["Torppa", "Makkonen", "Mårtenson", "Pitkälä"]
    assert by_key["yazdankhahfard2019balint"].text("doi") == "10.4103/jehp.jehp_423_18"
    assert by_key["vanroy2015research"].authors[0].display() == "Kaatje Van Roy"
    assert "reviews and reading lists" in by_key["monk2018balint"].tags
