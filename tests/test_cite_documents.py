"""`balintbib cite` (in-text citations) and `balintbib render` (Markdown documents
that cite the library), end to end on the shipped library."""

from __future__ import annotations

import json
import re
import zipfile

import pytest

from _paths import LIBRARY

KEYS = ("airagnes2014appropriate balint1964doctor balint1966study balint1969possibilities "
        "balint1973six botelho1990using buffelduvaure2017promoting cataldo2005association "
        "elder1987while girard1986scapegoat graham2009balint horder2001first hubble1999heart "
        "huygen1992relationship johnson2003resident johnson2004essential kjeldmand2004balint "
        "kjeldmand2006doctor kjeldmand2008balint kjeldmand2010difficulties").split()


def cite(run_cli, *args):
    return run_cli("cite", "-l", LIBRARY, *args)


# -- cite -------------------------------------------------------------------------------

def test_cite_cluster_with_locator_in_apa(run_cli):
    result = cite(run_cli, "kjeldmand2004balint", "balint1964doctor@12", "-S", "apa")
    assert result.exit_code == 0, result.output
    # APA sorts the cites of a cluster; M. Balint is told from E. Balint of the library
    assert result.stdout.strip() == "(M. Balint, 1964, p. 12; Kjeldmand et al., 2004)"


@pytest.mark.parametrize("locator, printed", [
    ("12", "p. 12"), ("pp. 12-14", "pp. 12–14"), ("chap. 3", "Chapter 3"), ("fig. 2", "Figure 2"),
    ("§ 4", "Section 4"), ("vol. 2", "Volume 2"), ("para. 7", "para. 7"), ("line 9", "Line 9"),
])
def test_cite_locator_types(run_cli, locator, printed):
    result = cite(run_cli, f"balint1964doctor@{locator}", "-S", "apa")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"(M. Balint, 1964, {printed})"


def test_cite_suppress_author_author_only_and_in_text(run_cli):
    assert cite(run_cli, "balint1964doctor@12", "--suppress-author").stdout.strip() == "(1964, p. 12)"
    assert cite(run_cli, "balint1964doctor", "--author-only").stdout.strip() == "M. Balint"
    assert cite(run_cli, "balint1964doctor@12", "--in-text").stdout.strip() == "M. Balint (1964, p. 12)"


def test_cite_pandoc_cluster_with_prefix_and_suffix(run_cli):
    result = cite(run_cli, "[see @balint1964doctor, chap. 3, for example; -@balint1966study]")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "(see M. Balint, 1964, Chapter 3, for example; 1966)"


def test_cite_numeric_style_collapses_and_note_style_prints_a_note(run_cli):
    result = cite(run_cli, "airagnes2014appropriate", "balint1964doctor", "balint1966study", "-S", "vancouver")
    assert result.stdout.strip() == "(1–3)"
    result = cite(run_cli, "balint1964doctor@12", "-S", "chicago-notes-bibliography", "--json")
    data = json.loads(result.stdout)
    assert data["note"] is True
    assert data["text"] == "Michael Balint, The Doctor, His Patient and the Illness, 2nd ed. (Pitman Medical, 1964), 12."
    assert "<i>The Doctor, His Patient and the Illness</i>" in data["html"]
    assert data["bibliography"][0]["id"] == "balint1964doctor"


def test_cite_unknown_key_and_malformed_locator_are_one_line(run_cli):
    result = cite(run_cli, "balint1964docter")
    assert result.exit_code == 1
    assert result.output.strip().startswith(
        "Error: unknown citation key 'balint1964docter' (did you mean balint1964doctor")
    result = cite(run_cli, "balint1964doctor@")
    assert result.exit_code == 1 and "no locator after '@'" in result.output
    assert "Traceback" not in result.output


# -- render -----------------------------------------------------------------------------

def _document() -> str:
    lines = ["# Balint groups: a course handout", ""]
    for i, key in enumerate(KEYS):
        if i % 5 == 0:
            lines.append(f"As @{key} [p. {i + 1}] showed, groups matter.")
        elif i % 5 == 1:
            lines.append(f"Groups help [see @{key}, chap. {i}; @{KEYS[0]}].")
        elif i % 5 == 2:
            lines.append(f"Empathy grows [-@{key}].")
        else:
            lines.append(f"A plain citation [@{key}].")
        lines.append("")
    lines += ["::: refs", ":::", "", "## Afterword", "", "Unknown [@nosuchkey2001] and broken [see @balint1964doctor"]
    return "\n".join(lines) + "\n"


@pytest.fixture
def doc(tmp_path):
    path = tmp_path / "handout.md"
    path.write_text(_document(), encoding="utf-8")
    return path


def render(run_cli, doc, out, style):
    return run_cli("render", doc, "-o", out, "-S", style, "-l", LIBRARY)


def test_render_apa_html_places_citations_and_references(run_cli, doc, tmp_path):
    out = tmp_path / "out.html"
    result = render(run_cli, doc, out, "apa")
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "As Airagnes et al. (2014, p. 1) showed" in html
    assert html.count('class="entry"') == len(KEYS)
    # the bibliography stands where ::: refs stood, before the afterword
    assert html.index('class="references"') < html.index("Afterword")
    assert "@nosuchkey2001" in html  # unknown keys are shown as written
    lines = _document().splitlines()
    unknown = next(i for i, line in enumerate(lines, 1) if "nosuchkey" in line)
    assert f"handout.md:{unknown}: unknown citation key 'nosuchkey2001'" in result.stderr
    assert f"handout.md:{unknown}: '[' of a citation is never closed" in result.stderr


def test_render_vancouver_numbers_in_order_of_first_citation(run_cli, doc, tmp_path):
    out = tmp_path / "out.md"
    assert render(run_cli, doc, out, "vancouver").exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "As Airagnes et al. (1) showed" in text
    assert "Groups help (1,see 2)." in text  # cites sorted by number, each keeps its prefix
    refs = text.split("## References")[1].split("## Afterword")[0].strip().split("\n\n")
    assert len(refs) == len(KEYS)
    assert refs[0].startswith("1. Airagnes G") and refs[1].startswith("2. Balint M")


def test_render_note_style_makes_footnotes(run_cli, doc, tmp_path):
    out = tmp_path / "out.md"
    assert render(run_cli, doc, out, "chicago-notes-bibliography").exit_code == 0
    text = out.read_text(encoding="utf-8")
    notes = re.findall(r"^\[\^(\d+)\]: ", text, re.M)
    assert notes == [str(n) for n in range(1, len(KEYS) + 1)]
    assert "As Airagnes et al.[^1] showed" in text


@pytest.mark.parametrize("style", ["apa", "vancouver", "chicago-notes-bibliography"])
def test_render_docx_and_pdf(run_cli, doc, tmp_path, style):
    docx = tmp_path / "out.docx"
    assert render(run_cli, doc, docx, style).exit_code == 0
    with zipfile.ZipFile(docx) as z:
        body = z.read("word/document.xml").decode("utf-8")
    assert "Balint groups: a course handout" in body and "Pitman Medical" in body
    pdf = tmp_path / "out.pdf"
    result = render(run_cli, doc, pdf, style)
    assert result.exit_code == 0, result.output
    from pypdf import PdfReader
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Pitman Medical" in text and "Afterword" in text


def test_render_missing_document_and_unknown_extension(run_cli, tmp_path, doc):
    result = run_cli("render", tmp_path / "nope.md", "-o", tmp_path / "x.html", "-l", LIBRARY)
    assert result.exit_code == 1 and "no such file" in result.output
    result = run_cli("render", doc, "-o", tmp_path / "x.odt", "-l", LIBRARY)
    assert result.exit_code == 2 and "unknown extension" in result.output
    assert not (tmp_path / "x.odt").exists()


# -- issue 18 point 12: a date range in the sort key ---------------------------------------

def test_date_range_in_sort_key_formats(run_cli, tmp_path):
    bib = tmp_path / "ranges.bib"
    bib.write_text("@book{a, author={Doe, J.}, title={Title 1}, date={1995/1998}, publisher={P}}\n"
                   "@book{b, author={Doe, J.}, title={Title 2}, date={1995}, publisher={P}}\n"
                   "@book{c, author={Doe, J.}, title={Title 3}, publisher={P}}\n", encoding="utf-8")
    result = run_cli("format", bib, "--style", "apa")
    assert result.exit_code == 0, result.output
    assert "1995–1998" in result.stdout and "Traceback" not in result.output


# -- fidelity ----------------------------------------------------------------------------

def test_title_case_keeps_a_capitalized_stop_word_as_citeproc_js_does():
    from balintbib.cite import render_bibliography
    item = {"id": "dean86", "type": "paper-conference", "author": [{"family": "Dean", "given": "T."}],
            "title": "Intractability and time dependent planning",
            "container-title": "Proceedings of the Workshop on Planning and Reasoning About Action",
            "issued": {"date-parts": [[1986]]}, "page": "143-164"}
    text = render_bibliography([item], "apa")[0].text
    assert "Planning and Reasoning About Action" in text
    item["container-title"] = "proceedings of the workshop on planning and reasoning about action"
    text = render_bibliography([item], "chicago-author-date")[0].text
    assert "Planning and Reasoning about Action" in text


def test_numbers_collapse_when_the_style_does_not_print_the_locators(run_cli):
    result = cite(run_cli, "airagnes2014appropriate@12", "balint1964doctor@3", "balint1966study", "-S", "vancouver")
    assert result.stdout.strip() == "(1–3)"
    result = cite(run_cli, "airagnes2014appropriate@12", "balint1964doctor@3", "balint1966study", "-S", "ieee")
    assert result.stdout.strip() == "[1, p. 12], [2, p. 3], [3]"


def test_hyphenated_initials_in_the_data_keep_their_hyphen():
    from balintbib.cite import render_bibliography
    item = {"id": "m", "type": "article-journal", "title": "Nitride growth", "container-title": "J",
            "author": [{"family": "Moreno", "given": "J.-C."}, {"family": "Kim", "given": "H.-M."}],
            "issued": {"date-parts": [[2009]]}}
    assert render_bibliography([item], "apa")[0].text.startswith("Moreno, J.-C., & Kim, H.-M. (2009).")


def test_space_before_a_colon_in_data_becomes_a_narrow_no_break_space():
    from balintbib.cite import render_bibliography
    item = {"id": "d", "type": "book", "title": "Critical race theory : an introduction",
            "author": [{"family": "Delgado", "given": "R."}], "issued": {"date-parts": [[2017]]}}
    assert "Critical race theory\u202f: an introduction" in render_bibliography([item], "apa")[0].text


def test_punctuation_written_twice_in_a_field_stays():
    from balintbib.cite import render_bibliography
    item = {"id": "j", "type": "article-journal", "title": "A review", "container-title": "Printing History",
            "author": [{"family": "Johnston", "given": "A."}], "issued": {"date-parts": [[1991]]},
            "volume": "13", "page": "??-??"}
    assert render_bibliography([item], "apa")[0].text.endswith("Printing History, 13, ??-??")


def test_nlm_prints_in_for_a_chapter_without_container_as_citeproc_js():
    from balintbib.cite import render_bibliography
    item = {"id": "k", "type": "paper-conference", "title": "Typesetting by Authors", "page": "1-14",
            "author": [{"family": "Keller", "given": "Arthur M."}]}
    assert render_bibliography([item], "nlm-citation-sequence")[0].text == \
        "1. Keller AM. Typesetting by Authors. In. p. 1–14."


def test_a_line_break_at_the_end_of_a_field_is_not_printed():
    from balintbib.cite import render_bibliography
    item = {"id": "a", "type": "article-journal", "title": "T", "container-title": "J",
            "ISSN": "0896-3207\n", "author": [{"family": "C", "given": "M"}]}
    assert render_bibliography([item], "cultivos-tropicales")[0].text == "1.C, M. ‘‘T’’, J, ISSN 0896-3207."


def test_an_en_dash_written_in_an_issue_range_stays_where_the_style_sets_a_page_range_delimiter():
    from balintbib.cite import render_bibliography
    item = {"id": "k", "type": "article-journal", "title": "The hungarian method", "container-title": "nrlq",
            "volume": "2", "issue": "1\u20132", "page": "83-97", "author": [{"family": "Kuhn", "given": "H. W."}],
            "issued": {"date-parts": [[1955]]}}
    assert render_bibliography([item], "american-medical-association")[0].text.endswith("1955;2(1–2):83-97.")
    item["issue"] = "1-2"
    assert render_bibliography([item], "american-medical-association")[0].text.endswith("1955;2(1-2):83-97.")


def test_render_a_cluster_with_one_unknown_key_still_cites_the_known_ones(run_cli, tmp_path):
    doc = tmp_path / "news.md"
    doc.write_text("# News\n\nMore [@kjeldmand2004balint; @nosuch].\n\n::: refs\n:::\n", encoding="utf-8")
    out = tmp_path / "news.md.out.md"
    result = run_cli("render", doc, "-l", LIBRARY, "-S", "apa", "-o", out)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "More (Kjeldmand et al., 2004) @nosuch." in text
    assert "## References\n\nKjeldmand, D., Holmström, I., & Rosenqvist, U. (2004)." in text
    assert "news.md:3: unknown citation key 'nosuch'" in result.stderr
