"""The browse command's face: help, errors, and the bare 'balintbib'."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}


def test_browse_has_help(run_cli):
    result = run_cli("browse", "--help")
    assert result.exit_code == 0
    assert "--read-only" in result.output and "--library" in result.output


def test_browse_on_a_missing_library_is_one_clear_line(run_cli, tmp_path):
    result = run_cli("browse", "--library", tmp_path / "nope")
    assert result.exit_code == 2  # a missing path is a usage error, as for PATHS (issue 13 point 4)
    assert result.output.strip().splitlines()[-1] == (
        f"Error: Invalid value for '--library' / '-l': Path '{tmp_path / 'nope'}' does not exist.")


def test_bare_balintbib_runs_browse(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./library, no configured library
    result = run_cli()
    assert result.exit_code == 2
    assert "no library" in result.output


def test_headless_commands_do_not_import_textual(run_cli, tmp_path):
    import subprocess

    code = ("import sys; from balintbib.cli import cli; "
            "assert 'textual' not in sys.modules, 'textual imported by the CLI'; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV)
    assert out.stdout.strip() == "ok", out.stderr


def test_the_core_of_the_tui_does_not_import_textual():
    import subprocess

    code = ("import sys; import balintbib.tui.catalog, balintbib.tui.services, balintbib.tui.keys; "
            "assert 'textual' not in sys.modules; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV)
    assert out.stdout.strip() == "ok", out.stderr


def test_annotate_reads_and_sets_annotation_and_tags(run_cli, sample_bib):
    before = sample_bib.read_text(encoding="utf-8")
    shown = run_cli("annotate", "salinsky2005what", "--library", sample_bib)
    assert shown.output.splitlines() == ["(no annotation)", "Tags: group process, leadership"]
    result = run_cli("annotate", "salinsky2005what", "--library", sample_bib, "--text", "Why groups work: 100% {so}.",
                     "--add-tag", "residents", "--remove-tag", "Leadership", "--json")
    assert result.exit_code == 0
    import json

    assert json.loads(result.output) == {"key": "salinsky2005what", "annotation": "Why groups work: 100% {so}.",
                                         "tags": ["group process", "residents"]}
    after = sample_bib.read_text(encoding="utf-8")
    start = before.index("@article{salinsky2005what")
    assert after[:start] == before[:start]
    assert after.endswith(before[before.index("@article{markup2010brackets"):])


def test_annotate_unknown_key_is_one_line(run_cli, sample_bib):
    result = run_cli("annotate", "nobody1999", "--library", sample_bib)
    assert result.exit_code == 1
    assert result.output.strip() == "Error: no reference with the key 'nobody1999' in the library"


def test_browse_with_an_unknown_style_is_one_clear_line(run_cli, sample_bib):
    result = run_cli("browse", "--library", sample_bib, "--style", "vancover")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: unknown CSL style 'vancover'")
    assert "did you mean" in lines[0]
