"""Name rewrites that change how BibTeX reads a name are said out loud, and can be
switched off (--no-name-fixes, name-fixes = false)."""

from __future__ import annotations

import json

import pytest

BIB = """@article{vr,
  title = {T},
  author = {H Van Rijn and William H Saufley Jr and Ludwig van Beethoven and John Smith},
  year = {2001}
}
"""


@pytest.fixture
def bib(tmp_path):
    path = tmp_path / "c.bib"
    path.write_text(BIB, encoding="utf-8")
    return path


def test_each_name_fix_is_printed_with_its_entry_and_line(run_cli, bib):
    result = run_cli("normalize", bib)
    assert result.exit_code == 0, result.output
    assert (f"{bib}:3: author of 'vr': 'H Van Rijn' -> 'Van Rijn, H' "
            "(a capitalised particle joins the family name; --no-name-fixes keeps it)") in result.output
    assert f"{bib}:3: author of 'vr': 'William H Saufley Jr' -> 'Saufley, Jr, William H'" in result.output
    # reorderings BibTeX reads the same are not reported
    assert "Beethoven" not in result.output
    assert "Smith" not in result.output
    assert "author = {Van Rijn, H and Saufley, Jr, William H and van Beethoven, Ludwig and Smith, John}" \
        in bib.read_text(encoding="utf-8")


def test_name_fixes_are_shown_with_diff_and_in_json(run_cli, bib):
    result = run_cli("normalize", "--diff", bib)
    assert "'H Van Rijn' -> 'Van Rijn, H'" in result.output
    assert bib.read_text(encoding="utf-8") == BIB
    result = run_cli("normalize", "--json", bib)
    fixes = json.loads(result.output)[0]["name_fixes"]
    assert [(f["key"], f["field"], f["old"], f["new"], f["line"]) for f in fixes] == [
        ("vr", "author", "H Van Rijn", "Van Rijn, H", 3),
        ("vr", "author", "William H Saufley Jr", "Saufley, Jr, William H", 3),
    ]


def test_no_name_fixes_keeps_names_as_bibtex_reads_them(run_cli, bib):
    result = run_cli("normalize", "--no-name-fixes", bib)
    assert result.exit_code == 0, result.output
    assert "Van Rijn, H" not in result.output
    assert "author = {H Van Rijn and William H Saufley Jr and van Beethoven, Ludwig and Smith, John}" \
        in bib.read_text(encoding="utf-8")


def test_name_fixes_can_be_switched_off_in_the_config(run_cli, bib):
    (bib.parent / "balintbib.toml").write_text("[normalize]\nname-fixes = false\n", encoding="utf-8")
    result = run_cli("normalize", bib)
    assert result.exit_code == 0, result.output
    assert "H Van Rijn and William H Saufley Jr" in bib.read_text(encoding="utf-8")
