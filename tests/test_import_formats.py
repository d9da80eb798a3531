"""The import readers over every sample of ../shared/import-samples: record counts
against independent readers (rispy, nbib), every source tag found in the result,
malformed files reported as file:line with the good records kept."""

from __future__ import annotations

import re
import unicodedata

import pytest

from balintbib.formats import sources
from balintbib.formats.records import ImportFormatError
from _paths import SHARED

SAMPLES = SHARED / "import-samples"
pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"import samples not found at {SAMPLES}")
RIS = sorted((SAMPLES / "ris").rglob("*.ris"))
MEDLINE = sorted(p for p in (SAMPLES / "medline").rglob("*") if p.is_file() and p.suffix != ".bib")
PUBMED = sorted((SAMPLES / "pubmed-xml").rglob("*.xml"))
ENDNOTE = sorted((SAMPLES / "endnote-xml").rglob("*.xml"))
ENW = sorted(p for p in (SAMPLES / "endnote-tagged").rglob("*") if p.is_file())
NOT_IMPORTABLE = {"MedlinePlainImporterTestInvalidFormat.xml": "not a format"}


def _words(text: str) -> set[str]:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return set(re.findall(r"[a-z0-9]+", text))


def _all_words(ref) -> set[str]:
    out = _words(ref.type)
    for name in ref.fields:
        out |= _words(ref.text(name)) | _words(ref.fields[name])
    return out


def _month_words() -> set[str]:
    return {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}


# words a reader may drop on purpose: prefixes of identifiers it cleaned, markers
IGNORABLE = {"doi", "pmid", "pmcid", "pmc", "org", "dx", "https", "http", "www", "00", "0"}


def _check_words(value: str, ref, where: str) -> None:
    missing = _words(value) - _all_words(ref) - IGNORABLE
    # months given as numbers or names become the month macro; leading zeros drop in days
    missing = {w for w in missing if not (w.isdigit() and str(int(w)) in _all_words(ref))
               and not (w[:3] in _month_words() and w[:3] in _all_words(ref))
               and not (w.isdigit() and len(w) <= 2 and 1 <= int(w) <= 12)}
    assert not missing, f"{where}: {sorted(missing)[:8]} of {value[:80]!r} not found"


@pytest.mark.parametrize("path", RIS, ids=lambda p: p.name)
def test_ris_counts_match_rispy_and_no_tag_is_lost(path):
    import rispy

    if path.name in NOT_IMPORTABLE:
        with pytest.raises(ImportFormatError, match=NOT_IMPORTABLE[path.name]):
            sources.read_file(path)
        return
    if path.name == "example_wos.ris":
        return  # Web of Science tagged, not RIS: test_web_of_science
    result = sources.read_file(path)
    assert result.format == "ris"
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    try:
        oracle = rispy.loads(text, enforce_list_tags=False)
    except Exception:
        oracle = rispy.loads(text)
    # rispy drops a record without TY (the corrupted sample) and splits nothing else
    if path.name not in ("RisImporterTest1.ris", "RisImporterCorrupted.ris"):
        assert len(result.references) == len(oracle)
    # every tag line of the file is found in the record it belongs to
    record = -1
    for n, line in enumerate(text.splitlines(), 1):
        m = re.match(r"^([A-Z][A-Z0-9])  - ?(.*)$", line)
        if not m:
            continue
        tag, value = m.groups()
        if tag == "TY" and (record + 1 < len(result.lines) and n >= result.lines[record + 1]):
            record += 1
        elif record < 0:
            record = 0
        while record + 1 < len(result.lines) and n >= result.lines[record + 1]:
            record += 1
        if tag in ("ER",) or not value.strip():
            continue
        ref = result.references[record]
        if tag == "TY":
            continue  # the type: mapped, or kept when unknown or repeated (checked below)
        _check_words(value, ref, f"{path.name}:{n} {tag}")


def test_ris_repeated_type_and_missing_type_are_reported_and_kept():
    result = sources.read_file(SAMPLES / "ris/jabref/RisImporterTest1.ris")
    first = result.references[0]
    assert first.type == "book"
    assert first.fields["import-ris-ty"] == "JOUR" and first.fields["import-ris-ty-8"] == "CONF"
    assert any("9 'TY' lines" in str(p) and ":2:" in str(p) for p in result.problems)
    corrupted = sources.read_file(SAMPLES / "ris/jabref/RisImporterCorrupted.ris")
    assert [str(p).split(": ", 1)[0].rsplit(":", 1)[1] for p in corrupted.problems] == ["2"]
    assert corrupted.references[0].fields["doi"] == "10.1023/A:1017379030770"


def test_ris_pubmed_export_identifiers_and_second_issn_kept():
    ref = sources.read_file(SAMPLES / "ris/jabref/RisImporterTestDOI.ris").references[0]
    assert (ref.fields["doi"], ref.fields["pmid"], ref.fields["pmcid"]) == ("10.1589/jpts.28.186", "26957754",
                                                                             "PMC4756000")
    assert ref.fields["issn"] == "0915-5287" and ref.fields["import-ris-sn"] == "2187-5626"
    assert "edition" not in ref.fields and ref.fields["import-ris-et"] == "2016/01/30"  # PubMed's e-pub date
    assert "keywords" not in ref.fields  # source keywords are not the society's tags
    assert ref.fields["import-ris-kw"] == "Posture; Respiratory function; Smartphone"


def test_ris_bom_windows_1252_and_crlf(tmp_path):
    p = tmp_path / "old.ris"
    p.write_bytes("TY  - JOUR\r\nTI  - Caf\xe9 culture\r\nAU  - M\xfcller, J\r\nER  - \r\n".encode("cp1252"))
    ref = sources.read_file(p).references[0]
    assert ref.title == "Café culture" and ref.authors[0].family == "Müller"
    q = tmp_path / "bom.ris"
    q.write_bytes("\ufeffTY  - JOUR\nTI  - One\nER  - \n".encode("utf-8"))
    assert [r.title for r in sources.read_file(q).references] == ["One"]


def test_ris_doi_hidden_in_m3_and_url():
    for name in ("RisImporterTest5a.ris", "RisImporterTestScience.ris", "RisImporterTest9.ris"):
        ref = sources.read_file(SAMPLES / "ris/jabref" / name).references[0]
        assert ref.fields.get("doi", "").startswith("10."), name


@pytest.mark.parametrize("path", MEDLINE, ids=lambda p: p.name)
def test_medline_counts_and_no_tag_is_lost(path):
    import nbib

    if path.name in NOT_IMPORTABLE:
        with pytest.raises(ImportFormatError):
            sources.read_file(path)
        return
    result = sources.read_file(path)
    assert result.format == "medline"
    text = path.read_bytes().decode("utf-8-sig")
    try:
        oracle = nbib.read(text)
    except Exception:
        oracle = None  # nbib refuses malformed lines (JabRef's odd samples)
    if oracle is not None and re.search(r"^PMID|^PMC ", text, re.M):  # nbib drops records without a PMID
        assert len(result.references) == len(oracle)
    lines = text.splitlines()
    record = 0
    tags: list[tuple[int, str, str]] = []
    for n, line in enumerate(lines, 1):
        m = re.match(r"^([A-Z][A-Z0-9]{1,3}) {0,3}- ?(.*)$", line)
        if m:
            tags.append((n, m.group(1), m.group(2)))
        elif line.startswith("      ") and tags:
            n0, t, v = tags[-1]
            tags[-1] = (n0, t, v + " " + line.strip())
    for n, tag, value in tags:
        while record + 1 < len(result.lines) and n >= result.lines[record + 1]:
            record += 1
        if tag == "AU" and re.fullmatch(r".+ [A-Z]{1,6}", value):
            value = value.rsplit(" ", 1)[0]  # PubMed's initials, derived from FAU (kept when they differ)
        if value.strip():
            _check_words(value, result.references[record], f"{path.name}:{n} {tag}")


def test_medline_real_pubmed_set():
    result = sources.read_file(SAMPLES / "medline/nbib/pubmed-balloongui-set.nbib")
    assert len(result.references) == 75 and not result.problems
    assert sum(len(r.authors) for r in result.references) == 770 + 3  # FAU lines + CN group authors
    mesh = sum(len(r.fields.get("import-medline-mh", "").split("; ")) for r in result.references
               if r.fields.get("import-medline-mh"))
    assert mesh == 580
    assert any("{MR CLEAN Registry Investigators}" in r.fields.get("author", "") for r in result.references)
    pmc = sources.read_file(SAMPLES / "medline/nbib/pmc_medlars.txt").references[0]
    assert pmc.fields["pmcid"] == "PMC6055010" and pmc.fields["pages"] == "283-98"


def test_medline_malformed_lines_are_reported_and_records_kept():
    result = sources.read_file(SAMPLES / "medline/jabref/MedlinePlainImporterStringOutOfBounds.txt")
    assert [r.fields.get("pmid") for r in result.references] == ["27433151", "27394443"]
    assert str(result.problems[0]).endswith(
        "MedlinePlainImporterStringOutOfBounds.txt:3: not a MEDLINE line (expected 'TAG - value'): "
        "'SO  invalid line'; kept")
    assert "invalid line" in result.references[0].fields["import-medline-line"]


def _xml_leaves(path):
    from defusedxml.ElementTree import parse

    root = parse(path).getroot()
    for e in root.iter():
        text = (e.text or "").strip()
        if text and isinstance(e.tag, str):
            yield e.tag, text


@pytest.mark.parametrize("path", PUBMED + ENDNOTE, ids=lambda p: p.name)
def test_xml_counts_and_no_element_is_lost(path):
    if "Malformed" in path.name:
        result = sources.read_file(path)
        assert result.references == [] and ":4: not well-formed XML" in str(result.problems[0])
        return
    result = sources.read_file(path)
    data = path.read_text(encoding="utf-8")
    records = len(re.findall(r"<(?:PubmedArticle|PubmedBookArticle|record)[\s>]", data))
    empty = [p for p in result.problems if "empty" in p.message]
    assert len(result.references) + len(empty) == records
    words = set()
    for ref in result.references:
        words |= _all_words(ref)
    for tag, text in _xml_leaves(path):
        if tag in ("Initials", "ref-type"):
            continue  # derived from ForeName (kept when they differ) / the type number, mapped to the type
        missing = _words(text) - words - IGNORABLE
        missing = {w for w in missing if not (w.isdigit() and str(int(w)) in words)
                   and not (w.isdigit() and len(w) <= 2 and 1 <= int(w) <= 12)}
        assert not missing, f"{path.name} <{tag}>: {sorted(missing)[:6]} of {text[:60]!r}"


def test_pubmed_xml_mapping_and_markup():
    ref = sources.read_file(SAMPLES / "pubmed-xml/efetch-pubmed-22351513.xml").references[0]
    assert ref.fields["pmid"] == "22351513" and ref.fields["doi"] == "10.1002/jsfa.5627"
    assert ref.fields["abstract"].startswith("BACKGROUND:")
    assert ref.authors[0].family == "Khan"
    italics = sources.read_file(SAMPLES / "pubmed-xml/jabref/MedlineImporterTestArticleItalics.xml").references[0]
    assert "\\textit{" in italics.fields["title"]
    book = sources.read_file(SAMPLES / "pubmed-xml/jabref/MedlineImporterTestBookArticleSet.xml").references[0]
    assert book.type == "incollection" and book.fields["isbn"] == "9781860163593"


def test_pubmed_xml_never_reads_external_entities(tmp_path):
    evil = tmp_path / "evil.xml"
    evil.write_text('<?xml version="1.0"?><!DOCTYPE PubmedArticleSet [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                    "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>"
                    "<ArticleTitle>&x;</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>")
    result = sources.read_file(evil)
    assert result.references == [] and "refused" in str(result.problems[0])


def test_endnote_xml_types_identifiers_and_notes():
    refs = sources.read_file(SAMPLES / "endnote-xml/jabref/EndnoteXmlImporterTestArticle.xml").references
    ref = refs[0]
    # EndNote's isbn holds the journal's ISSNs for an article: the first goes to issn, the text is kept
    assert ref.type == "article" and ref.fields["issn"] == "1532-1827"
    assert ref.fields["import-enx-isbn"] == "1532-1827 (Electronic) 0007-0920 (Linking)"
    assert ref.fields["pmid"] == "25647015"  # accession-num, with a PubMed link of that number
    report = sources.read_file(SAMPLES / "endnote-xml/jabref/EndnoteXmlImporterTestReport.xml").references[0]
    assert report.type == "report"
    multi = sources.read_file(SAMPLES / "endnote-xml/jabref/EndnoteXmlImporterTestLabelAndMultiTitle.xml")
    assert any("notes" in n for r in multi.references for n in r.fields if n.startswith("import-enx-"))
    assert all("annotation" not in r.fields for r in multi.references)


@pytest.mark.parametrize("path", ENW, ids=lambda p: p.name)
def test_endnote_tagged_reads_or_reports(path):
    result = sources.read_file(path)
    text = path.read_text(encoding="utf-8")
    for n, line in enumerate(text.splitlines(), 1):
        m = re.match(r"^%(\S) (.*)$", line)
        if m and m.group(1) != "0":
            assert any(_words(m.group(2)) <= _all_words(r) | IGNORABLE for r in result.references), line
    book = sources.read_file(SAMPLES / "endnote-tagged/jabref/Endnote.book.example.enw").references[0]
    assert book.type == "book" and book.fields["isbn"] == "978-3-86490-311-3"


def test_content_sniffing_ignores_the_extension(tmp_path):
    p = tmp_path / "export.txt"
    p.write_bytes((SAMPLES / "medline/nbib/single.nbib").read_bytes())
    assert sources.read_file(p).format == "medline"
    q = tmp_path / "records.dat"
    q.write_bytes((SAMPLES / "endnote-xml/jabref/EndnoteXmlImporterTestReport.xml").read_bytes())
    assert sources.read_file(q).format == "enx"
    r = tmp_path / "x.ris"
    r.write_text("hello\n")
    with pytest.raises(ImportFormatError, match=r"x.ris:1: not a format"):
        sources.read_file(r)


def test_web_of_science_tagged_export_reads_every_tag():
    path = SAMPLES / "ris/rispy/example_wos.ris"
    result = sources.read_file(path)
    assert result.format == "wos" and len(result.references) == 2 and not result.problems
    first = result.references[0]
    assert (first.fields["doi"], first.fields["pmid"], first.fields["pages"]) == ("10.1021/bi049798f", "15170338",
                                                                                  "7003--7016")
    record, tag = 0, ""
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("ER"):
            record += 1
            continue
        if line[:2] in ("FN", "VR", "EF", "PT") or not line.strip():
            continue
        value = line[3:] if not line.startswith("   ") else line
        _check_words(value, result.references[record], f"{path.name}:{n}")


def test_crossref_extended_csl_json_is_mapped_like_crossref():
    ref = sources.read_file(SAMPLES / "csl-json/crossref-transform-10.1126_science.169.3946.635.json").references[0]
    assert ref.type == "article" and ref.fields["import-csl-type"] == "journal-article"
    assert "<jats:" not in ref.fields["abstract"] and "<jats:" in ref.fields["import-csl-abstract"]
    assert ref.fields["doi"] == "10.1126/science.169.3946.635"
