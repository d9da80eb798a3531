"""`balintbib export`: handouts opened with each format's own reader.

The expectations come from the sample library itself (read independently with
`Library`): which keys carry which tag, which annotation belongs to which key.
Every output is opened the way its readers open it (an HTML parser, a Markdown
renderer, python-docx, a PDF text extractor) and checked for every selected
reference and annotation, in order, grouped as asked, and escaped.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from lxml import html as lxml_html

from balintbib.library import Library
from balintbib.query import fold

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "export-sample.bib"


@pytest.fixture(scope="module")
def lib():
    return Library.load(SAMPLE)


def tagged(lib, tag):
    return {r.key for r in lib.references if tag in r.tags}


def squash(text: str) -> str:
    """Whitespace-insensitive, quote-insensitive form for comparing extracted text."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", "", text)


def ann_text(ref) -> str:
    """The annotation as a reader sees it: CSL rich-text tags are formatting, not text."""
    return re.sub(r"</?(?:i|b|sup|sub)>", "", ref.annotation)


def run_export(run_cli, tmp_path, name, *args):
    out = tmp_path / name
    result = run_cli("export", "--library", SAMPLE, "-o", out, "--quiet", *args)
    assert result.exit_code == 0, result.output
    return out


def html_sections(doc):
    """[(heading, [keys...])] from the HTML page."""
    out = []
    for section in doc.xpath("//main/section"):
        heading = section.xpath("string(h2)") or None
        out.append((heading, [e.get("data-key") for e in section.xpath(".//div[@class='entry']")]))
    return out


# -- HTML -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def html_doc(tmp_path_factory):
    from click.testing import CliRunner

    from balintbib.cli import cli

    out = tmp_path_factory.mktemp("html") / "handout.html"
    result = CliRunner().invoke(cli, ["export", "--library", str(SAMPLE), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def test_html_groups_by_tag_every_reference_under_each_tag(html_doc, lib):
    doc = lxml_html.fromstring(html_doc)
    sections = html_sections(doc)
    headings = [h for h, _ in sections]
    tags = sorted({t for r in lib.references for t in r.tags})
    assert headings == [t[0].upper() + t[1:] for t in tags] + ["Other"]
    for heading, keys in sections:
        if heading == "Other":
            assert set(keys) == {r.key for r in lib.references if not r.tags}
        else:
            assert set(keys) == tagged(lib, heading[0].lower() + heading[1:])
        assert len(keys) == len(set(keys))
    # every reference of the library is in the handout
    assert {k for _, keys in sections for k in keys} == {r.key for r in lib.references}


def test_html_entries_in_style_order_with_their_annotation(html_doc, lib):
    doc = lxml_html.fromstring(html_doc)
    by_key = {r.key: r for r in lib.references}
    for section in doc.xpath("//main/section"):
        entries = section.xpath(".//div[@class='entry']")
        # APA sorts by the first author's (or editor's) family name
        names = [fold((by_key[e.get("data-key")].authors or by_key[e.get("data-key")].editors)[0].sort_name())
                 for e in entries]
        assert names == sorted(names)
        for entry in entries:
            ref = by_key[entry.get("data-key")]
            annotations = entry.xpath("p[@class='annotation']")
            if ref.annotation:
                # printed once, under its own reference, a paragraph for each of its paragraphs
                assert len(annotations) == ref.annotation.count("\n\n") + 1
                assert squash("".join(a.text_content() for a in annotations)) == squash(ann_text(ref))
            else:
                assert annotations == []
            assert fold(ref.title)[:40] in fold(entry.xpath("string(p[@class='reference'])"))


def test_html_escapes_data_and_keeps_non_latin(html_doc):
    doc = lxml_html.fromstring(html_doc)
    assert doc.xpath("//script") == []
    # CSL rich text in data is formatting (as in every CSL processor); nothing else is
    assert [b.text_content() for b in doc.xpath("//b")] == ["certification"]
    assert {s.text_content() for s in doc.xpath("//p[@class='annotation']/sup")} == {"2"}
    text = doc.text_content()
    assert '<script>alert("x")</script>' in text.replace("\u201c", '"').replace("\u201d", '"')
    assert "Leader training & intensives" in text
    assert "Балинтовские группы для врачей общей практики" in text
    assert "Σύνοψη: θετικά αποτελέσματα" in text
    assert "Risør" in text and "Mårtenson" in text
    assert "&lt;script&gt;" in html_doc
    assert doc.get("lang") == "en-US"
    # a work in another language says so (hyphenation, screen readers); the annotation is ours
    russian = doc.xpath("//div[@data-key='petrova2019']")[0]  # listed under two tags
    assert russian.xpath("p[@class='reference']/@lang") == ["ru"]
    assert russian.xpath("p[@class='annotation']/@lang") == []


def test_html_page_is_a_print_document_with_toc_and_links(html_doc):
    doc = lxml_html.fromstring(html_doc)
    anchors = [a.get("href") for a in doc.xpath("//nav[@class='toc']//a")]
    ids = ["#" + s.get("id") for s in doc.xpath("//main/section")]
    assert anchors == ids
    style = doc.xpath("string(//style)")
    assert "@page" in style and "size: A4" in style and "break-before: page" in style
    assert "text-indent: calc(-1 * var(--hang))" in style and "--hang: 2.2rem" in style
    links = {a.get("href") for a in doc.xpath("//main//a")}
    assert "https://doi.org/10.1016/j.pec.2003.09.009" in links
    assert "https://www.americanbalintsociety.org/content.aspx?page_id=22&club_id=445043" in links
    footer = doc.xpath("string(//footer)")
    assert "APA" in footer and "balintbib" in footer and re.search(r"\d{4}", footer)


# -- annotations and styles ----------------------------------------------------------

@pytest.mark.parametrize("style", ["apa-annotated-bibliography", "apa", "american-medical-association",
                                   "modern-language-association-annotated-bibliography"])
def test_annotation_printed_exactly_once_in_any_style(run_cli, tmp_path, lib, style):
    out = run_export(run_cli, tmp_path, "h.html", "--style", style, "--group-by", "none")
    doc = lxml_html.fromstring(out.read_text(encoding="utf-8"))
    body = squash(doc.xpath("string(//main)"))
    for ref in lib.references:
        if ref.annotation:
            assert body.count(squash(ann_text(ref))[:60]) == 1, (style, ref.key)
    entries = doc.xpath("//div[@class='entry']")
    # the annotation reads the same whatever the style, paragraphs included
    two = doc.xpath("//div[@data-key='salinsky2004how']/p[@class='annotation']")
    assert [p.text_content()[:12] for p in two] == ["An editorial", "It ends with"]
    assert [b.text_content() for b in doc.xpath("//p[@class='annotation']//b")] == ["certification"]
    assert doc.xpath("//script") == []
    assert len(entries) == len(lib.references)


def test_no_annotated_leaves_annotations_out(run_cli, tmp_path, lib):
    out = run_export(run_cli, tmp_path, "h.html", "--no-annotated")
    doc = lxml_html.fromstring(out.read_text(encoding="utf-8"))
    assert doc.xpath("//p[@class='annotation']") == []
    body = squash(doc.text_content())
    assert squash(lib.get("kjeldmand2004balint").annotation)[:40] not in body
    assert doc.xpath("string(//h1)") == "Reading list"


def test_numeric_style_numbers_each_section_from_one(run_cli, tmp_path):
    out = run_export(run_cli, tmp_path, "h.html", "--style", "american-medical-association")
    doc = lxml_html.fromstring(out.read_text(encoding="utf-8"))
    for section in doc.xpath("//main/section"):
        labels = [s.text_content() for s in section.xpath(".//span[@class='label']")]
        assert labels == [f"{i}." for i in range(1, len(labels) + 1)]


def test_tags_choose_the_sections_and_their_order(run_cli, tmp_path, lib):
    out = run_export(run_cli, tmp_path, "h.html", "--tag", "leadership", "--tag", "Empathy")
    doc = lxml_html.fromstring(out.read_text(encoding="utf-8"))
    sections = html_sections(doc)
    assert [h for h, _ in sections] == ["Leadership", "Empathy"]
    assert set(sections[0][1]) == tagged(lib, "leadership")
    assert set(sections[1][1]) == tagged(lib, "empathy")


def test_group_by_year_newest_first_and_by_type(run_cli, tmp_path, lib):
    out = run_export(run_cli, tmp_path, "y.html", "--group-by", "year")
    years = [h for h, _ in html_sections(lxml_html.fromstring(out.read_text(encoding="utf-8")))]
    assert years == sorted({r.year for r in lib.references}, reverse=True)
    out = run_export(run_cli, tmp_path, "t.html", "--group-by", "type")
    sections = dict(html_sections(lxml_html.fromstring(out.read_text(encoding="utf-8"))))
    assert list(sections)[:3] == ["Journal articles", "Books", "Book chapters"]
    assert set(sections["Journal articles"]) == {r.key for r in lib.references if r.type == "article"}
    assert sections["Theses"] == ["risor2010"]
    assert sections["Web pages"] == ["abs2020leader"]


def test_select_and_keys(run_cli, tmp_path):
    out = run_export(run_cli, tmp_path, "h.html", "--select", "author:salinsky -type:incollection",
                     "--group-by", "none")
    doc = lxml_html.fromstring(out.read_text(encoding="utf-8"))
    assert [k for _, keys in html_sections(doc) for k in keys] == ["salinsky2002balint", "salinsky2004how"]
    out = run_export(run_cli, tmp_path, "k.html", "--keys", "otten2018theory, risor2010", "-g", "none")
    doc = lxml_html.fromstring(out.read_text(encoding="utf-8"))
    assert sorted(k for _, keys in html_sections(doc) for k in keys) == ["otten2018theory", "risor2010"]
    assert doc.xpath("//nav") == []  # one section: no table of contents
    # a style numbering in citation order follows the order of --keys
    out = run_export(run_cli, tmp_path, "n.html", "-k", "risor2010,otten2018theory,balint1964doctor", "-g", "none",
                     "--style", "american-medical-association")
    doc = lxml_html.fromstring(out.read_text(encoding="utf-8"))
    assert [k for _, keys in html_sections(doc) for k in keys] == ["risor2010", "otten2018theory", "balint1964doctor"]


def test_title_intro_and_library_settings(run_cli, tmp_path):
    folder = tmp_path / "lib"
    folder.mkdir()
    (folder / "lib.bib").write_text(SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "intro.md").write_text("For the *spring* seminar.\n\nRead **two** a week: https://example.org/a.\n",
                                     encoding="utf-8")
    (folder / "balintbib.toml").write_text(
        '[export]\ntitle = "Balint groups: a reading list"\nintro = "intro.md"\n'
        'tag-order = ["leadership", "empathy"]\n', encoding="utf-8")
    out = tmp_path / "h.html"
    result = run_cli("export", "-l", folder, "-o", out, "-q")
    assert result.exit_code == 0, result.output
    doc = lxml_html.fromstring(out.read_text(encoding="utf-8"))
    assert doc.xpath("string(//h1)") == "Balint groups: a reading list"
    paras = doc.xpath("//div[@class='intro']/p")
    assert [p.text_content() for p in paras] == ["For the spring seminar.", "Read two a week: https://example.org/a."]
    assert paras[0].xpath("string(i)") == "spring" and paras[1].xpath("string(b)") == "two"
    assert paras[1].xpath("a/@href") == ["https://example.org/a"]
    assert [h for h, _ in html_sections(doc)][:2] == ["Leadership", "Empathy"]
    # a typo in the settings is one clear line
    (folder / "balintbib.toml").write_text('[export]\ntitel = "x"\n', encoding="utf-8")
    result = run_cli("export", "-l", folder, "-o", out, "-q")
    assert result.exit_code == 1 and "unknown setting export.titel" in result.stderr
    (folder / "balintbib.toml").write_text('[export]\ntitle = "Balint groups: a reading list"\n',
                                           encoding="utf-8")
    # the command line wins over the settings
    result = run_cli("export", "-l", folder, "-o", out, "-q", "--title", "Mine & yours <ok>")
    doc = lxml_html.fromstring(out.read_text(encoding="utf-8"))
    assert doc.xpath("string(//h1)") == "Mine & yours <ok>"
    assert doc.xpath("string(//title)") == "Mine & yours <ok>"


# -- Markdown and text --------------------------------------------------------------

def test_markdown_renders_to_the_same_handout_without_html_injection(run_cli, tmp_path, lib):
    from markdown_it import MarkdownIt

    out = run_export(run_cli, tmp_path, "h.md")
    source = out.read_text(encoding="utf-8")
    rendered = MarkdownIt("commonmark").render(source)
    doc = lxml_html.fromstring(f"<div>{rendered}</div>")
    assert doc.xpath("//script") == []
    assert doc.xpath("string(//h1)") == "Annotated reading list"
    headings = [h.text_content() for h in doc.xpath("//h2")]
    assert headings[-1] == "Other" and "Empathy" in headings
    quotes = [squash(q.text_content()) for q in doc.xpath("//blockquote")]
    for ref in lib.references:
        if ref.annotation:
            assert squash(ann_text(ref)) in quotes
    text = doc.text_content()
    assert '<script>alert("x")</script>' in text.replace("\u201c", '"').replace("\u201d", '"')
    assert "Leader training & intensives" in text
    assert doc.xpath("//em[contains(., 'Patient Education and Counseling')]")
    assert "https://doi.org/10.1016/j.pec.2003.09.009" in doc.xpath("//a/@href")


def test_markdown_numeric_labels_do_not_become_lists(run_cli, tmp_path):
    from markdown_it import MarkdownIt

    out = run_export(run_cli, tmp_path, "h.md", "--style", "american-medical-association")
    doc = lxml_html.fromstring("<div>" + MarkdownIt("commonmark").render(out.read_text(encoding="utf-8")) + "</div>")
    assert doc.xpath("//ol") == []
    assert any(p.text_content().startswith("1. ") for p in doc.xpath("//p"))


def test_text_to_stdout_in_order(run_cli, lib):
    result = run_cli("export", "--library", SAMPLE, "-o", "-", "--format", "text", "--group-by", "none",
                     "--style", "apa")
    assert result.exit_code == 0
    text = result.stdout
    flat = squash(text)
    positions = []
    for ref in lib.references:
        if ref.annotation:
            pos = flat.find(squash(ann_text(ref)))
            assert pos >= 0, ref.key
            positions.append((pos, ref.key))
    # the annotation follows its own reference: the reference's title comes right before it
    for pos, key in positions:
        title = squash(lib.get(key).title)[:20]
        before = flat.rfind(title[:12], 0, pos)
        assert before >= 0 and all(not (before < p < pos) for p, _ in positions), key
    for line in text.splitlines():  # wrapped at 78; only an unbreakable URL may stick out
        assert len(line) <= 78 or " " not in line.strip(), line


# -- DOCX ---------------------------------------------------------------------------

def test_docx_structure_runs_and_links(run_cli, tmp_path, lib):
    import docx

    out = run_export(run_cli, tmp_path, "h.docx", "--tag", "general practice", "--tag", "burnout",
                     "--tag", "research methods",
                     "--paper", "letter")
    document = docx.Document(str(out))
    paras = document.paragraphs
    assert paras[0].style.name == "Title" and paras[0].text == "Annotated reading list"
    headings = [p for p in paras if p.style.name == "Heading 1"]
    assert [h.text for h in headings] == ["General practice", "Burnout", "Research methods"]
    assert not headings[0].paragraph_format.page_break_before
    assert headings[1].paragraph_format.page_break_before
    # entries and annotations per section, in order
    section, seen = None, {}
    for p in paras:
        if p.style.name == "Heading 1":
            section = p.text
            seen[section] = []
        elif p.style.name == "Bibliography Entry":
            seen[section].append(["entry", p])
        elif p.style.name == "Annotation":
            seen[section][-1].append(p.text)
    assert len(seen["General practice"]) == len(tagged(lib, "general practice"))
    assert len(seen["Burnout"]) == len(tagged(lib, "burnout"))
    annotations = {squash(ann_text(r)) for r in lib.references if r.annotation}
    for items in seen.values():
        for item in items:
            assert len(item) <= 3
            for ann in item[2:]:
                assert squash(ann) in annotations
    # italics from the style are real italic runs; DOIs are hyperlinks
    assert [r.text for p in paras for r in p.runs if r.font.superscript] == ["2"]  # χ<sup>2</sup>
    italic = [r.text for p in paras for r in p.runs if r.italic]
    assert "Patient Education and Counseling" in italic
    assert "Российский семейный врач" in italic
    rels = [r.target_ref for r in document.part.rels.values() if r.reltype.endswith("/hyperlink")]
    assert "https://doi.org/10.1016/j.pec.2003.09.009" in rels
    section0 = document.sections[0]
    assert abs(section0.page_width.mm - 215.9) < 0.5
    assert "balintbib" in section0.footer.paragraphs[0].text
    xml = document.element.xml
    assert "Балинтовские" in xml and "<script>" not in xml
    assert document.core_properties.title == "Annotated reading list"
    langs = document.styles.element.xpath("//w:docDefaults//w:lang/@w:val")
    assert langs == ["en-US"]


# -- PDF ----------------------------------------------------------------------------

def test_pdf_text_links_and_page_size(run_cli, tmp_path, lib):
    from pypdf import PdfReader

    out = run_export(run_cli, tmp_path, "h.pdf", "--tag", "empathy", "--tag", "leadership")
    reader = PdfReader(str(out))
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = squash(text)
    order = []
    for tag in ("empathy", "leadership"):
        for key in sorted(tagged(lib, tag)):
            ref = lib.get(key)
            pos = flat.find(squash(ann_text(ref))[:50])
            assert pos >= 0, key
            order.append((tag, pos))
    # every Empathy annotation comes before every Leadership one
    assert max(p for t, p in order if t == "empathy") < min(p for t, p in order if t == "leadership")
    assert "<script>" in text
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595.3) < 1 and abs(float(box.height) - 841.9) < 1  # A4
    assert len(reader.pages) >= 2  # Leadership starts a new page
    uris = [a.get_object()["/A"]["/URI"] for page in reader.pages for a in page.get("/Annots", [])
            if a.get_object().get("/A", {}).get("/URI")]
    assert "https://doi.org/10.1016/j.jpsychores.2014.03.005" in uris
    assert reader.metadata.title == "Annotated reading list"
    def titles(items):
        for item in items:
            yield from titles(item) if isinstance(item, list) else [item.title]

    outline = list(titles(reader.outline))
    assert "Empathy" in outline and "Leadership" in outline


# -- errors ---------------------------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    (["--style", "no-such-style"], "unknown CSL style 'no-such-style'"),
    (["--select", "author:nobody"], "no references to export"),
    (["--tag", "burnot"], "no reference has the tag 'burnot'"),
    (["--keys", "balint1964doctor,nokey"], "no reference with the key nokey"),
    (["--select", 'title:"unbalanced'], "unbalanced quotes"),
])
def test_bad_input_is_one_line_and_leaves_the_old_file(run_cli, tmp_path, args, message):
    out = tmp_path / "handout.html"
    out.write_text("the old handout", encoding="utf-8")
    result = run_cli("export", "--library", SAMPLE, "-o", out, *args)
    assert result.exit_code != 0
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert out.read_text(encoding="utf-8") == "the old handout"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["handout.html"]


def test_intro_from_stdin_and_reproducible_date(run_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 14 November 2023
    out = tmp_path / "h.md"
    result = run_cli("export", "--library", SAMPLE, "-g", "none", "--intro", "-", "-o", out, "-q",
                     input="Read these <before> the *first* meeting.\n")
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "Read these \\<before\\> the *first* meeting." in text
    assert "on 14 November 2023." in text


def test_broken_and_citation_only_styles(run_cli, tmp_path):
    broken = tmp_path / "broken.csl"
    broken.write_text("<style xmlns='http://purl.org/net/xbiblio/csl'><info>", encoding="utf-8")
    citation_only = tmp_path / "cites.csl"
    citation_only.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">'
        "<info><title>Citations only</title><id>x</id><updated>2024-01-01T00:00:00+00:00</updated></info>"
        '<citation><layout><text variable="title"/></layout></citation></style>', encoding="utf-8")
    for style, message in ((broken, "not a valid CSL style"), (citation_only, "has no bibliography")):
        out = tmp_path / "h.html"
        result = run_cli("export", "--library", SAMPLE, "--style", style, "-o", out)
        assert result.exit_code == 1
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
        assert not out.exists()


def test_paper_size_follows_option_and_locale(run_cli, tmp_path):
    out = run_export(run_cli, tmp_path, "h.html", "--paper", "letter", "-g", "none")
    assert "size: letter" in out.read_text(encoding="utf-8")
    out = run_export(run_cli, tmp_path, "h.html", "--locale", "en-US", "-g", "none")
    assert "size: letter" in out.read_text(encoding="utf-8")
    out = run_export(run_cli, tmp_path, "h.html", "--locale", "en-GB", "-g", "none")
    assert "size: A4" in out.read_text(encoding="utf-8")


def test_unwritable_output_one_line_no_partial_file(run_cli, tmp_path):
    result = run_cli("export", "--library", SAMPLE, "-o", tmp_path / "missing" / "h.html")
    assert result.exit_code != 0 and "does not exist" in result.stderr
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        target = ro / "h.html"
        result = run_cli("export", "--library", SAMPLE, "-o", target)
        if result.exit_code == 0:  # running as root: folder permissions do not apply
            target.unlink()
            if not Path("/sys/kernel").is_dir():
                pytest.skip("permissions are not enforced for this user and there is no /sys")
            target = Path("/sys/kernel/h.html")  # sysfs refuses new files, even to root
            result = run_cli("export", "--library", SAMPLE, "-o", target)
        assert result.exit_code != 0
        assert "permission denied" in result.stderr or "cannot write" in result.stderr
        assert not target.exists()
        assert len(result.stderr.strip().splitlines()) == 1
        assert list(ro.iterdir()) == []
    finally:
        ro.chmod(0o700)


def test_write_failure_after_formatting_leaves_nothing(run_cli, tmp_path, monkeypatch):
    """A write that fails at the last moment (disk full) leaves no partial file."""
    import errno
    import os as _os

    real_replace = _os.replace

    def full_disk(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(_os, "replace", full_disk)
    result = run_cli("export", "--library", SAMPLE, "-o", tmp_path / "h.docx")
    monkeypatch.setattr(_os, "replace", real_replace)
    assert result.exit_code != 0
    assert "the disk is full" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_format_from_extension_and_unknown_extension(run_cli, tmp_path):
    result = run_cli("export", "--library", SAMPLE, "-o", tmp_path / "h.odt")
    assert result.exit_code == 2 and "--format" in result.stderr
    out = run_export(run_cli, tmp_path, "h.markdown")
    assert out.read_text(encoding="utf-8").startswith("# Annotated reading list")
    out = run_export(run_cli, tmp_path, "h.txt")
    assert out.read_text(encoding="utf-8").startswith("Annotated reading list\n======")


# -- core ---------------------------------------------------------------------------

def test_progress_callback_reports_every_entry(lib):
    from balintbib.export import build_handout

    calls = []
    handout = build_handout(lib.references, macros=lib.macros, progress=lambda d, t: calls.append((d, t)))
    total = len(handout.entries)
    assert calls[0] == (0, total) and calls[-1] == (total, total)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert total > len(lib.references)  # several tags: listed under each


def test_annotated_style_detection():
    from balintbib.export import style_info

    assert style_info("apa-annotated-bibliography").annotated
    assert style_info("chicago-notes-bibliography-annotated").annotated
    assert style_info("modern-language-association-annotated-bibliography").annotated
    assert not style_info("apa").annotated
    assert not style_info("american-medical-association").annotated


# -- the shipped library: the README's first command -----------------------------

def test_readme_command_on_the_shipped_library(run_cli, tmp_path, monkeypatch):
    """`balintbib export -o reading-list.html` in the repository: the society's handout."""
    from _paths import LIBRARY, ROOT

    if not (LIBRARY / "balint.bib").is_file():
        pytest.skip("the shipped library is not in this checkout")
    shipped = Library.load(LIBRARY)
    monkeypatch.chdir(ROOT)
    out = tmp_path / "reading-list.html"
    result = run_cli("export", "-o", out)
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.stderr and "annotated" in result.stderr
    doc = lxml_html.fromstring(out.read_text(encoding="utf-8"))
    sections = html_sections(doc)
    tags = {t for r in shipped.references for t in r.tags}
    assert {h[0].lower() + h[1:] for h, _ in sections if h != "Other"} == tags
    assert {k for _, keys in sections for k in keys} == {r.key for r in shipped.references}
    body = squash(doc.xpath("string(//main)"))
    for ref in shipped.references:
        if ref.annotation:  # under each of its tags, and nowhere else
            assert body.count(squash(ann_text(ref))) == max(1, len(set(ref.tags))), ref.key
    assert doc.xpath("//script") == []


# -- progress -----------------------------------------------------------------------

def test_progress_bar_on_a_terminal_only_for_big_jobs(run_cli, tmp_path, monkeypatch):
    from balintbib.cli import export_cmd

    entries = "\n".join(
        f"@article{{a{i},\n  author = {{Author{i:03d}, A.}},\n  title = {{Title {i}}},\n"
        f"  journal = {{J}},\n  year = {{{1990 + i % 30}}},\n  keywords = {{one, two}}\n}}\n"
        for i in range(30))
    bib = tmp_path / "big.bib"
    bib.write_text(entries, encoding="utf-8")
    monkeypatch.setattr(export_cmd, "is_tty", lambda stream=None: True)
    monkeypatch.setattr(export_cmd, "PROGRESS_THRESHOLD", 50)  # 30 references x 2 tags = 60 entries
    result = run_cli("export", "-l", bib, "-o", tmp_path / "big.txt", "--style", "apa")
    assert result.exit_code == 0
    assert result.stderr.startswith("Formatting")
    result = run_cli("export", "-l", bib, "-o", tmp_path / "big.txt", "--style", "apa", "--quiet")
    assert result.stderr == ""
    result = run_cli("export", "-l", bib, "-o", tmp_path / "small.txt", "--style", "apa", "--group-by", "none")
    assert result.exit_code == 0 and "Formatting" not in result.stderr  # 30 entries: no bar
    monkeypatch.setattr(export_cmd, "is_tty", lambda stream=None: False)
    result = run_cli("export", "-l", bib, "-o", tmp_path / "big.txt", "--style", "apa")
    assert "Formatting" not in result.stderr  # not a terminal: no bar


def test_a_reference_the_style_prints_nothing_for_is_still_listed(run_cli, tmp_path, lib):
    """A style whose bibliography prints nothing for some type: the reference is listed
    plainly (author, year, title) with its annotation, and a warning says so."""
    style = tmp_path / "articles-only.csl"
    style.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">'
        "<info><title>Articles only</title><id>x</id><updated>2024-01-01T00:00:00+00:00</updated></info>"
        '<citation><layout><text variable="title"/></layout></citation>'
        '<bibliography><layout><choose><if type="article-journal">'
        '<text variable="title" font-style="italic"/></if></choose></layout></bibliography></style>',
        encoding="utf-8")
    out = tmp_path / "h.html"
    result = run_cli("export", "--library", SAMPLE, "--style", style, "-g", "none", "-o", out)
    assert result.exit_code == 0, result.output
    assert "warning: balint1964doctor: the style printed nothing for it" in result.stderr
    doc = lxml_html.fromstring(out.read_text(encoding="utf-8"))
    keys = [k for _, ks in html_sections(doc) for k in ks]
    assert sorted(keys) == sorted(r.key for r in lib.references)
    book = doc.xpath("//div[@data-key='balint1964doctor']")[0]
    assert book.xpath("string(p[@class='reference'])") == \
        "Michael Balint (1964). The doctor, his patient and the illness."
    assert book.xpath("p[@class='annotation']")


def test_a_library_with_a_broken_entry_exports_the_rest_and_says_so(run_cli, tmp_path):
    bib = tmp_path / "broken.bib"
    bib.write_text("@article{good,\n  author = {Able, B.},\n  title = {Good one},\n  journal = {J},\n"
                   "  year = {2001}\n}\n\n@article{bad,\n  title = {Broken\n\n"
                   "@book{also, title={Fine}, year={2002}}\n", encoding="utf-8")
    out = tmp_path / "h.txt"
    result = run_cli("export", "-l", bib, "-o", out, "-q")
    assert result.exit_code == 0
    assert result.stderr.startswith("warning: 1 problem(s) in the library")
    assert "broken.bib:" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    text = out.read_text(encoding="utf-8")
    assert "Good one" in text and "Fine" in text


def test_the_handouts_own_words_follow_the_locale(run_cli, tmp_path, lib, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1772323200")  # 1 March 2026
    out = run_export(run_cli, tmp_path, "de.html", "--locale", "de-DE", "--group-by", "type")
    doc = lxml_html.fromstring(out.read_text(encoding="utf-8"))
    assert doc.get("lang") == "de-DE"
    assert doc.xpath("string(//h1)") == "Kommentierte Literaturliste"
    assert doc.xpath("string(//nav/h2)") == "Inhalt"
    headings = [h for h, _ in html_sections(doc)]
    assert headings[:3] == ["Zeitschriftenartikel", "Bücher", "Buchkapitel"]
    assert "Webseiten" in headings and "Hochschulschriften" in headings
    assert doc.xpath("string(//p[@class='summary'])") == \
        f"{len(lib.references)} Titel, nach Publikationsart geordnet."
    assert doc.xpath("string(//footer)").endswith("mit balintbib am 1. März 2026.")
    assert "size: A4" in doc.xpath("string(//style)")
    out = run_export(run_cli, tmp_path, "fr.txt", "--locale", "fr-FR", "--no-annotated")
    text = out.read_text(encoding="utf-8")
    assert text.startswith("Bibliographie\n")
    assert "\nAutres\n" in text and "le 1er mars 2026." in text
