"""list, check, convert, --help, --version: the CLI as a user meets it."""

from __future__ import annotations

import json

import click
import pytest

from balintbib import __version__
from balintbib.cli import cli

BIB = """@string{pec = {Patient Education and Counseling}}
@article{vanroy2015research,
  author = {Van Roy, Kaatje and Vanheule, Stijn},
  title = {Research on {Balint} groups: a literature review},
  journal = pec, year = 2015, month = jun, pages = {685--694},
  doi = {10.1016/j.pec.2015.01.014},
  keywords = {research methods, general practice},
  annotation = {Reviews Balint research \\& its methods.},
  mendeley-tags = {kept},
}
@phdthesis{kjeldmand2006doctor,
  author = {Kjeldmand, Dorte},
  title = {The Doctor, the Task and the Group},
  school = {Uppsala University}, year = {2006}, address = {Uppsala},
}
"""


def all_commands(group: click.Group, prefix=()):
    for name, cmd in group.commands.items():
        yield prefix + (name,), cmd
        if isinstance(cmd, click.Group):
            yield from all_commands(cmd, prefix + (name,))


@pytest.mark.parametrize("path,cmd", list(all_commands(cli)), ids=lambda x: " ".join(x) if isinstance(x, tuple) else "")
def test_every_command_has_help(run_cli, path, cmd):
    result = run_cli(*path, "--help")
    assert result.exit_code == 0
    assert cmd.help or cmd.short_help, f"{' '.join(path)} has no help text"
    assert "Usage:" in result.output


def test_version(run_cli):
    result = run_cli("--version")
    assert result.exit_code == 0 and __version__ in result.output


def test_list_text_and_json(tmp_path, run_cli):
    bib = tmp_path / "x.bib"
    bib.write_text(BIB)
    result = run_cli("list", bib)
    assert result.exit_code == 0
    assert "vanroy2015research" in result.output and "Research on Balint groups" in result.output
    items = json.loads(run_cli("list", bib, "--json").stdout)
    assert [i["id"] for i in items] == ["vanroy2015research", "kjeldmand2006doctor"]
    art = items[0]
    assert art["container-title"] == "Patient Education and Counseling"
    assert art["annote"] == "Reviews Balint research & its methods."
    assert art["issued"] == {"date-parts": [[2015, 6]]}
    assert art["custom"]["bibtex"]["mendeley-tags"] == "kept"
    assert items[1]["type"] == "thesis" and items[1]["publisher"] == "Uppsala University"


def test_list_select(tmp_path, run_cli):
    bib = tmp_path / "x.bib"
    bib.write_text(BIB)
    result = run_cli("list", bib, "--select", "tag:general year:2010..2020")
    assert "vanroy2015research" in result.output and "kjeldmand" not in result.output
    bad = run_cli("list", bib, "--select", 'title:"unclosed')
    assert bad.exit_code == 1 and "unbalanced quotes" in bad.output


def test_library_defaults_to_dot_library(tmp_path, run_cli, monkeypatch):
    (tmp_path / "library").mkdir()
    (tmp_path / "library" / "a.bib").write_text(BIB)
    monkeypatch.chdir(tmp_path)
    result = run_cli("list")
    assert result.exit_code == 0 and "kjeldmand2006doctor" in result.output


def test_no_library_is_one_clear_line(tmp_path, run_cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_cli("list")
    assert result.exit_code == 2 and "no library" in result.output
    assert "Traceback" not in result.output


def test_check_exit_codes_and_file_untouched(tmp_path, run_cli):
    good = tmp_path / "good.bib"
    good.write_text(BIB)
    assert run_cli("check", good).exit_code == 0
    bad = tmp_path / "bad.bib"
    text = BIB + "@article{broken,\n  title = {x}\n  year = 2000\n}\n@misc{ok, title={y}}\n"
    bad.write_bytes(text.encode())
    result = run_cli("check", bad)
    assert result.exit_code == 1
    assert result.output.startswith(f"{bad}:18:3: B001 parse-error: expected ',' or '}}' after field 'title'")
    assert bad.read_bytes() == text.encode()
    as_json = json.loads(run_cli("check", bad, "--json").stdout)
    assert as_json[0]["line"] == 18 and as_json[0]["code"] == "B001"


def test_convert_round_trip_keeps_every_field(tmp_path, run_cli):
    bib = tmp_path / "x.bib"
    bib.write_text(BIB)
    out = tmp_path / "x.json"
    assert run_cli("convert", bib, "--to", "csl-json", "-o", out).exit_code == 0
    back = tmp_path / "back.bib"
    assert run_cli("convert", out, "--to", "bibtex", "-o", back).exit_code == 0
    from balintbib.library import Library

    a, b = Library.load(bib), Library.load(back)
    for ra, rb in zip(a.references, b.references):
        assert ra.key == rb.key and ra.type == rb.type
        for name in ra.fields:
            assert a.text(ra, name) == b.text(rb, name) or name == "month" and b.text(rb, name) == "June", name


def test_missing_input_file(run_cli, tmp_path):
    result = run_cli("list", tmp_path / "nope.bib")
    assert result.exit_code == 2 and "does not exist" in result.output


def test_and_others_is_not_a_person_in_csl(tmp_path, run_cli):
    bib = tmp_path / "x.bib"
    bib.write_text("@article{j, author = {Johnson, Alan H. and Nease, Jr., Donald E. and others}, title = {T}, year = 2004}\n")
    (item,) = json.loads(run_cli("list", bib, "--json").stdout)
    assert [a["family"] for a in item["author"]] == ["Johnson", "Nease"]
    assert item["custom"]["bibtex"]["author"].endswith("and others")
    out = tmp_path / "back.bib"
    json_path = tmp_path / "x.json"
    json_path.write_text(json.dumps([item]))
    run_cli("convert", json_path, "--to", "bibtex", "-o", out)
    assert "and others}" in out.read_text()


def test_list_and_format_say_when_entries_were_left_out(tmp_path, run_cli):
    bib = tmp_path / "x.bib"
    bib.write_text("@article{a, title = {Fine}, year = 2001}\n@article{b,\n title = {Unclosed,\n year = 2002\n}\n")
    for args in (("list", bib), ("format", bib, "--style", "apa")):
        result = run_cli(*args)
        assert result.exit_code == 0
        assert "Fine" in result.stdout
        assert result.stderr.startswith("warning: 1 problem(s)") and f"{bib}:3:" in result.stderr


def test_a_field_given_twice_is_reported_at_its_second_line(tmp_path, run_cli):
    bib = tmp_path / "x.bib"
    bib.write_text("@misc{k,\n  keywords = {a},\n  title = {T},\n  Keywords = {b}\n}\n")
    result = run_cli("check", bib, "--select", "B003")
    assert result.output.startswith(f"{bib}:4:1: B003")


def test_convert_says_which_csl_json_items_are_not_items_and_writes_nothing(tmp_path, run_cli):
    src = tmp_path / "x.json"
    src.write_text('[{"id": "x", "type": "book", "title": "T"}, 5]', encoding="utf-8")
    result = run_cli("convert", src, "--to", "bibtex", "-o", "-")
    assert result.exit_code == 1 and "@book{x," not in result.stdout
    assert "item 2: not an object" in result.stderr
