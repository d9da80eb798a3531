"""normalize / check / dedupe as a librarian runs them (CliRunner, real files)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

MESSY = r"""% Reading list, imported from Mendeley

@Article{Smith2004,
  Author = "John Smith and M{\aa}rtenson, B.",
  title = {HIV care in general practice},
  journal = {Br J Gen Pract}, year = 2004, month = "June", pages = "12-15",
  doi = {https://doi.org/10.1000/bjgp.1}, url = {http://dx.doi.org/10.1000/bjgp.1},
  keywords = {balint}, keywords = {hiv},
}
@book{balint1957,
  author = {Michael Balint}, title = {The doctor, his patient and the illness},
  publisher = {Pitman}, year = {1957}, isbn = {0-443-06460-1}
}
"""


@pytest.fixture
def library(tmp_path):
    lib = tmp_path / "library"
    lib.mkdir()
    (lib / "refs.bib").write_text(MESSY, encoding="utf-8")
    return lib


def test_normalize_rewrites_in_place_then_check_is_silent(run_cli, library):
    path = library / "refs.bib"
    result = run_cli("normalize", "--library", library)
    assert result.exit_code == 0, result.output
    text = path.read_text(encoding="utf-8")
    assert "@article{smith2004hiv," in text and "ids = {Smith2004}" in text
    assert "author = {Smith, John and Mårtenson, B.}" in text
    assert "month = jun," in text and "pages = {12--15}" in text and "doi = {10.1000/bjgp.1}" in text
    assert "url =" not in text and "keywords = {balint, hiv}" in text
    assert text.index("@book{balint1957doctor") < text.index("@article{smith2004hiv")  # sorted by key
    assert "renamed key 'Smith2004' -> 'smith2004hiv'" in result.stderr
    assert "B003 duplicate-field" in result.stderr and "refs.bib:8:1" in result.stderr
    again = run_cli("normalize", "--check", "--library", library)
    assert again.exit_code == 0 and again.output == ""


def test_check_mode_lists_files_and_changes_nothing(run_cli, library):
    path = library / "refs.bib"
    result = run_cli("normalize", "--check", str(path))
    assert result.exit_code == 1
    assert result.stdout == f"would reformat {path}\n"
    assert path.read_text(encoding="utf-8") == MESSY


def test_diff_prints_a_unified_diff_and_changes_nothing(run_cli, library):
    path = library / "refs.bib"
    result = run_cli("normalize", "--diff", str(path))
    assert result.exit_code == 0
    assert result.stdout.startswith(f"--- {path}\n+++ {path}\n@@")
    assert "+@article{smith2004hiv," in result.stdout and '-  Author = "John Smith' in result.stdout
    assert path.read_text(encoding="utf-8") == MESSY


def test_config_switches_rules_off(run_cli, library):
    (library.parent / "balintbib.toml").write_text('[normalize]\nkeys = false\nunicode = "latex"\nsort = false\n')
    run_cli("normalize", "--library", library)
    text = (library / "refs.bib").read_text(encoding="utf-8")
    assert "@article{Smith2004," in text and r"M{\aa}rtenson" in text
    assert text.index("Smith2004") < text.index("balint1957")


def test_bad_config_is_one_clear_line(run_cli, library):
    (library.parent / "balintbib.toml").write_text("[normalize]\nkees = false\n")
    result = run_cli("normalize", "--library", library)
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "unknown setting 'kees'" in result.stderr


def test_broken_bibtex_is_named_and_kept_as_written(run_cli, tmp_path):
    broken = "@article{bad,\n  title = {Unclosed,\n  year = 2000,\n"
    path = tmp_path / "broken.bib"
    path.write_text("@misc{zed, title = {Z}, year = {2001}}\n\n" + broken, encoding="utf-8")
    check = run_cli("normalize", "--check", str(path))
    assert check.exit_code == 1 and path.read_text(encoding="utf-8").endswith(broken)
    result = run_cli("normalize", "--no-keys", str(path))
    assert result.exit_code == 0
    warnings = [line for line in result.stderr.splitlines() if "B001" in line]
    assert len(warnings) == 1 and warnings[0].startswith(f"{path}:4:")  # the unclosed brace's line
    text = path.read_text(encoding="utf-8")
    assert text.endswith(broken.rstrip() + "\n")
    assert text.startswith("@misc{zed,\n  title = {Z},\n  year = {2001}\n}\n\n")


def test_unwritable_file_is_one_line_and_no_partial_file(run_cli, library):
    folder = library
    if os.geteuid() == 0:
        if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode:
            pytest.skip("cannot make a folder unwritable for root here")
        undo = ["chattr", "-i", str(folder)]
    else:
        folder.chmod(0o555)
        undo = None
    try:
        result = run_cli("normalize", "--library", library)
    finally:
        subprocess.run(undo) if undo else folder.chmod(0o755)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1].startswith("Error: cannot write")
    assert "Traceback" not in result.output
    assert (library / "refs.bib").read_text(encoding="utf-8") == MESSY
    assert sorted(p.name for p in library.iterdir()) == ["refs.bib"]


CHECKED = r"""@article{dup1,
  author = {Lee, Ann},
  title = {Balint groups and burnout in residents},
  journal = {Fam Med},
  year = {2019},
  volume = {51},
  pages = {1--9},
  doi = {10.1000/fm.51},
  issn = {0002-9148}
}

@article{dup2,
  author = {Lee, A.},
  title = {Balint groups and burnout in residents.},
  journal = {Family Medicine},
  year = {2019},
  volume = {51},
  pages = {1--9},
  keywords = {burnout}
}

@article{nojournal,
  author = {Ek, Bo},
  title = {A study of HIV},
  journal = jfm,
  year = {1990}
}
"""


@pytest.fixture
def checked(tmp_path):
    path = tmp_path / "c.bib"
    path.write_text(CHECKED, encoding="utf-8")
    return path


def test_check_reports_codes_with_names_and_lines(run_cli, checked):
    result = run_cli("check", checked)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert f"{checked}:9:1: B104 invalid-issn: ISSN 0002-9148 in 'dup1' has a wrong check digit" in lines
    assert any(line.startswith(f"{checked}:12:1: B201 duplicate-entry: 'dup2' duplicates 'dup1'") for line in lines)
    assert any(line.startswith(f"{checked}:25:1: B106 undefined-string: @string 'jfm'") for line in lines)
    assert not any("B107" in line or "B101" in line for line in lines)  # opt-in codes


def test_check_select_ignore_and_json(run_cli, checked):
    only = run_cli("check", checked, "--select", "B2")
    assert [line.split(": ")[1].split()[0] for line in only.stdout.splitlines()] == ["B201"]
    rest = run_cli("check", checked, "--ignore", "B104,B106", "--ignore", "B201")
    assert rest.exit_code == 0 and rest.stdout == ""
    opt_in = run_cli("check", checked, "--select", "B107", "--json")
    data = json.loads(opt_in.stdout)
    assert [(d["code"], d["name"], d["line"]) for d in data] == [("B107", "unprotected-capitals", 24)]
    assert "HIV" in data[0]["message"]
    bad = run_cli("check", checked, "--select", "X999")
    assert bad.exit_code == 2 and "unknown lint code" in bad.stderr


def test_check_config_ignore(run_cli, checked):
    (checked.parent / "balintbib.toml").write_text('[check]\nignore = ["B1", "B201"]\n')
    assert run_cli("check", checked).exit_code == 0


def test_dedupe_shows_groups_and_merges_without_loss(run_cli, checked):
    shown = run_cli("dedupe", checked, "--json")
    assert shown.exit_code == 1
    groups = json.loads(shown.stdout)
    assert [[e["key"] for e in g["entries"]] for g in groups] == [["dup1", "dup2"]]
    assert checked.read_text(encoding="utf-8") == CHECKED
    merged = run_cli("dedupe", checked, "--merge")
    assert merged.exit_code == 0
    assert "conflict: journal" in merged.stdout
    text = checked.read_text(encoding="utf-8")
    assert "@article{dup2" not in text
    assert "ids = {dup2}" in text and "keywords = {burnout}" in text
    assert "journal = {Fam Med}" in text and "journal-2 = {Family Medicine}" in text
    assert "author-2 = {Lee, A.}" in text
    again = run_cli("dedupe", checked)
    assert again.exit_code == 0 and "no duplicates" in again.stderr
    # the merged file is in the canonical layout already (journal-2 right after journal)
    assert text.index("journal = {Fam Med}") < text.index("journal-2") < text.index("volume")
    assert run_cli("normalize", "--check", "--no-keys", checked).exit_code == 0


def test_check_finds_duplicate_keys_across_files(run_cli, tmp_path):
    (tmp_path / "a.bib").write_text("@misc{same, title = {A}, year = {2001}}\n")
    (tmp_path / "b.bib").write_text("@misc{other, title = {B}}\n\n@misc{Same, title = {C}, year = {2002}}\n")
    result = run_cli("check", tmp_path)
    assert result.exit_code == 1
    assert result.stdout == (f"{tmp_path / 'b.bib'}:3:1: B002 duplicate-key: duplicate key 'Same' "
                             f"(first defined at {tmp_path / 'a.bib'}:1)\n")


def test_pubmed_style_names_are_reported_not_rewritten(run_cli, tmp_path):
    path = tmp_path / "p.bib"
    path.write_text("@misc{smith2001trial, author = {Smith JA and Lee, Ann}, title = {Trial}, year = {2001}}\n")
    run_cli("normalize", "--no-keys", path)
    assert "author = {Smith JA and Lee, Ann}" in path.read_text()
    result = run_cli("check", path, "--select", "B109")
    assert result.stdout == (f"{path}:2:1: B109 ambiguous-name: 'Smith JA' in author of 'smith2001trial' reads as "
                             "family name 'JA'; write 'Smith, JA' if JA are initials, or 'JA, Smith'\n")


def test_normalize_json_report(run_cli, library):
    result = run_cli("normalize", "--library", library, "--json")
    assert result.exit_code == 0
    (report,) = json.loads(result.stdout)
    assert report["path"].endswith("refs.bib") and report["changed"] is True
    assert {"old": "Smith2004", "new": "smith2004hiv", "line": 3} in report["renames"]
    assert [p["code"] for p in report["problems"]] == ["B003"]
    again = json.loads(run_cli("normalize", "--library", library, "--json", "--check").stdout)
    assert again[0]["changed"] is False


def test_society_library_is_normalized_and_checks_clean(run_cli):
    from _paths import LIBRARY

    if not (LIBRARY / "balint.bib").is_file():
        pytest.skip("the society's library is not in this checkout")
    normalized = run_cli("normalize", "--check", "--library", LIBRARY)
    assert normalized.exit_code == 0 and normalized.output == ""
    checked = run_cli("check", "--library", LIBRARY)
    assert checked.exit_code == 0  # only the references not yet annotated are listed (info)
    assert all(" B112 not-yet-annotated: " in line for line in checked.output.splitlines())


def test_latin1_file_keeps_its_encoding_and_is_said_so(run_cli, tmp_path):
    path = tmp_path / "l1.bib"
    path.write_bytes("@misc{k, author = {Mårtenson, B.}, title = {T}}\n".encode("latin-1"))
    result = run_cli("normalize", "--no-keys", path)
    assert (f"{path}:1:1: B006 not-utf8: not UTF-8: read as Windows-1252 and written back as Windows-1252 "
            "(normalize --utf8 converts it)") in result.stderr
    assert path.read_bytes().decode("windows-1252") == "@misc{k,\n  author = {Mårtenson, B.},\n  title = {T}\n}\n"
    again = run_cli("normalize", "--check", "--no-keys", path)
    assert again.exit_code == 0 and again.stdout == ""  # nothing to reformat; the warning stays on stderr


def test_latin1_file_is_converted_to_utf8_with_utf8_and_said_so(run_cli, tmp_path):
    path = tmp_path / "l1.bib"
    path.write_bytes("@misc{k, author = {Mårtenson, B.}, title = {T}}\n".encode("latin-1"))
    result = run_cli("normalize", "--no-keys", "--utf8", path)
    assert f"{path}:1:1: B006 not-utf8: not UTF-8: read as Windows-1252, written as UTF-8" in result.stderr
    assert path.read_bytes().decode("utf-8") == "@misc{k,\n  author = {Mårtenson, B.},\n  title = {T}\n}\n"
    assert run_cli("normalize", "--check", "--no-keys", path).output == ""
