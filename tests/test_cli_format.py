"""`balintbib format`: one bibliography from .bib and CSL-JSON inputs."""

import json
from pathlib import Path

from click.testing import CliRunner

from balintbib.cli import cli

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "tests" / "data" / "balint-sample.csl.json"
GOLDEN = json.loads((REPO / "tests" / "goldens" / "balint-sample.json").read_text(encoding="utf-8"))


def test_format_csl_json_text_matches_citeproc_js():
    result = CliRunner().invoke(cli, ["format", str(SAMPLE), "--style", "american-medical-association"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines == [e["text"] for e in GOLDEN["american-medical-association"]]


def test_format_json_output_in_bibliography_order():
    result = CliRunner().invoke(cli, ["format", str(SAMPLE), "--style", "apa", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [d["id"] for d in data] == [e["id"] for e in GOLDEN["apa"]]
    assert set(data[0]) == {"id", "text", "html"}


def test_format_bib_and_json_together_make_one_numbered_bibliography(tmp_path):
    bib = tmp_path / "extra.bib"
    bib.write_text("@article{zzz2020,\n  author = {Zeta, Zoe},\n  title = {A last article},\n"
                   "  journal = {Fam Med},\n  year = {2020},\n  volume = {1},\n  pages = {1--2}\n}\n",
                   encoding="utf-8")
    result = CliRunner().invoke(cli, ["format", str(SAMPLE), str(bib), "--style", "vancouver-like-missing"])
    assert result.exit_code == 1 and "vancouver-like-missing" in result.stderr
    result = CliRunner().invoke(cli, ["format", str(SAMPLE), str(bib), "--style", "nlm-citation-sequence"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 27 and lines[-1].startswith("27. Zeta Z. A last article.")


def test_format_html_is_a_valid_fragment():
    result = CliRunner().invoke(cli, ["format", str(SAMPLE), "--style", "apa", "--format", "html"])
    assert result.exit_code == 0
    assert result.stdout.startswith('<div class="csl-bib-body">')
    assert "&#38;" in result.stdout and " & " not in result.stdout


def test_format_markdown():
    result = CliRunner().invoke(cli, ["format", str(SAMPLE), "--style", "apa", "--format", "markdown"])
    assert result.exit_code == 0
    assert "*Patient Education and Counseling*" in result.stdout


def test_bad_json_input_is_one_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(cli, ["format", str(bad), "--style", "apa"])
    assert result.exit_code == 1
    assert "bad.json" in result.stderr and len(result.stderr.strip().splitlines()) == 1
