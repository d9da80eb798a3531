"""`balintbib format` with LaTeX formatting and case-protecting braces in BibTeX titles.

A BibTeX user writes \\emph{Homo sapiens} and {DNA}; the formatted reference
shows the italics (HTML, Markdown), never a tag in plain text, and a style's
sentence case or title case leaves the braced words as written.
"""

from click.testing import CliRunner

from balintbib.cli import cli

BIB = r"""@article{smith2020,
  author = {Smith, Anna},
  title = {The \emph{Homo sapiens} {mRNA} Atlas of {DNA} Repair in {Balint} Groups},
  journal = {Journal of H\textsubscript{2}O Studies},
  year = {2020},
  volume = {3},
  pages = {1--10}
}
@book{jones2019,
  author = {Jones, Bob},
  title = {{\em Quo vadis}? \textbf{Bold} claims at 10\textsuperscript{th} scale by \textsc{Nasa}},
  publisher = {Tavistock},
  year = {2019}
}
@article{upper2021,
  author = {Upper, Carl},
  title = {\emph{HOMO SAPIENS} {DNA} IN {Balint} GROUPS},
  journal = {Fam Med},
  year = {2021}
}
"""

SENTENCE_CSL = """<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
  <info><title>Sentence-case test</title><id>sentence-test</id><updated>2024-01-01T00:00:00+00:00</updated></info>
  <citation><layout><text variable="title"/></layout></citation>
  <bibliography><sort><key variable="title"/></sort>
    <layout><text variable="title" text-case="sentence"/></layout></bibliography>
</style>
"""


def _format(tmp_path, style, fmt):
    bib = tmp_path / "refs.bib"
    bib.write_text(BIB, encoding="utf-8")
    result = CliRunner().invoke(cli, ["format", str(bib), "--style", style, "--format", fmt])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_sentence_case_keeps_braced_words_and_prints_italics(tmp_path):
    style = tmp_path / "sentence.csl"
    style.write_text(SENTENCE_CSL, encoding="utf-8")
    text = _format(tmp_path, str(style), "text").splitlines()
    # sentence case as citeproc-js 2.4.63 applies it (checked with node): words
    # are lowered except the braced ones, small caps and the first word
    assert text == ["HOMO sapiens DNA in Balint groups",
                    "Quo vadis? bold claims at 10th scale by Nasa",
                    "The homo sapiens mRNA atlas of DNA repair in Balint groups"]
    html = _format(tmp_path, str(style), "html")
    assert "<i>HOMO sapiens</i> DNA in Balint groups" in html
    assert ("<i>Quo vadis</i>? <b>bold</b> claims at 10<sup>th</sup> scale by "
            '<span style="font-variant:small-caps;">Nasa</span>') in html
    assert "nocase" not in html
    markdown = _format(tmp_path, str(style), "markdown")
    assert "*HOMO sapiens* DNA in Balint groups" in markdown
    assert "<" not in "".join(text)


def test_title_case_style_keeps_protected_case(tmp_path):
    text = _format(tmp_path, "chicago-author-date", "text")
    assert "“The Homo Sapiens mRNA Atlas of DNA Repair in Balint Groups.”" in text
    assert "<" not in text and "H2O" in text
    html = _format(tmp_path, "chicago-author-date", "html")
    assert "“The <i>Homo Sapiens</i> mRNA Atlas of DNA Repair in Balint Groups.”" in html
    assert "<i>Journal of H<sub>2</sub>O Studies</i>" in html


def test_exact_csl_json_stays_plain_text(tmp_path):
    bib = tmp_path / "refs.bib"
    bib.write_text(BIB, encoding="utf-8")
    result = CliRunner().invoke(cli, ["list", "--library", str(bib), "--json"])
    assert result.exit_code == 0, result.output
    assert "<i>" not in result.stdout and "nocase" not in result.stdout
    assert "The Homo sapiens mRNA Atlas" in result.stdout
