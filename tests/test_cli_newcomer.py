"""Issue 13 (a newcomer's path) and issue 12 point 6: one test per numbered point.

Every test drives the CLI as a user does, in a copy of a checkout (a folder
holding library/ and docs/), and looks at what the user sees.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from balintbib.cli import cli

from _paths import LIBRARY


def _annotation_openings(limit=None):
    """The first six words of each annotation of the shipped library, as a style prints them."""
    from balintbib.library import Library
    refs = [r for r in Library.load(LIBRARY) if r.annotation]
    return [" ".join(r.annotation.split()[:6]) for r in refs][:limit]


def _tag_count(tag):
    from balintbib.library import Library
    return sum(tag in r.tags for r in Library.load(LIBRARY))


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    """A checkout with the shipped library, the current folder at its top."""
    top = tmp_path / "checkout"
    shutil.copytree(LIBRARY, top / "library")
    (top / "docs").mkdir()
    monkeypatch.chdir(top)
    return top


def all_commands(group: click.Group, prefix=()):
    for name, cmd in group.commands.items():
        yield prefix + (name,), cmd
        if isinstance(cmd, click.Group):
            yield from all_commands(cmd, prefix + (name,))


# -- 1. one meaning per short option ---------------------------------------------------------------

def test_point1_each_short_option_means_one_thing_everywhere():
    meaning: dict[str, set[str]] = {}
    for path, cmd in all_commands(cli):
        for param in cmd.params:
            if isinstance(param, click.Option):
                longs = [o for o in param.opts if o.startswith("--")]
                for short in (o for o in param.opts + param.secondary_opts if len(o) == 2):
                    meaning.setdefault(short, set()).update(longs)
    clashes = {s: names for s, names in meaning.items() if len(names) > 1}
    assert clashes == {}
    assert meaning["-s"] == {"--select"} and meaning["-S"] == {"--style"} and meaning["-t"] == {"--tag"}
    assert meaning["-l"] == {"--library"} and meaning["-f"] == {"--format"} and meaning["-o"] == {"--output"}


def test_point1_the_same_names_for_the_same_things():
    style = {" ".join(p) for p, c in all_commands(cli) if any("--style" in getattr(x, "opts", ()) for x in c.params)}
    assert {"format", "export", "browse", "show"} <= style
    for path, cmd in all_commands(cli):
        for param in cmd.params:
            opts = getattr(param, "opts", [])
            if "--style" in opts:
                assert "-S" in opts, path
            if "--tag" in opts:
                assert "-t" in opts, path
            if "--library" in opts:
                assert "-l" in opts, path


def test_point1_export_with_S_style(checkout, run_cli):
    result = run_cli("export", "-S", "vancouver", "-o", "x.md")
    assert result.exit_code == 0, result.output
    assert "National Library of Medicine" in result.output or "Citing Medicine" in result.output or "x.md" in result.output
    assert (checkout / "x.md").exists()


def test_point1_a_style_given_to_select_says_so(checkout, run_cli):
    result = run_cli("export", "-s", "vancouver", "-o", "x.md")
    assert result.exit_code == 1
    assert "'vancouver' is a citation style: use -S/--style vancouver" in result.output
    assert not (checkout / "x.md").exists()


def test_point1_format_and_list_take_the_same_short_options(checkout, run_cli):
    fmt = run_cli("format", "-S", "vancouver")
    assert fmt.exit_code == 0 and fmt.output.startswith("1. ")
    old_habit = run_cli("format", "-s", "apa")  # -s is --select now: the style is missing
    assert old_habit.exit_code == 2 and "Missing option '--style' / '-S'" in old_habit.output
    chosen = run_cli("format", "-S", "vancouver", "-s", "author:kjeldmand", "-t", "burnout")
    listed = run_cli("list", "-s", "author:kjeldmand", "-t", "burnout").output.splitlines()
    assert chosen.exit_code == 0 and len(chosen.output.splitlines()) == len(listed) == 3 and "Kjeldmand D" in chosen.output
    tagged = run_cli("list", "-t", "empathy", "-t", "medical students")
    both = [line.split()[0] for line in tagged.output.splitlines()]
    one = run_cli("list", "-t", "empathy").output.splitlines()
    assert tagged.exit_code == 0 and 0 < len(both) < len(one)  # list --tag: ALL must match


# -- 2. the library is found like git finds a repository ---------------------------------------

@pytest.mark.parametrize("where", ["library", "docs", "."])
def test_point2_library_found_from_any_folder_of_the_checkout(checkout, run_cli, monkeypatch, where):
    monkeypatch.chdir(checkout / where)
    result = run_cli("check")
    assert result.exit_code == 0, result.output
    listed = run_cli("list")
    assert listed.exit_code == 0 and len(listed.output.splitlines()) == 59


def test_point2_a_folder_holding_balintbib_toml_is_a_library(tmp_path, run_cli, monkeypatch):
    lib = tmp_path / "mylib"
    (lib / "sub").mkdir(parents=True)
    shutil.copy(LIBRARY / "balint.bib", lib / "refs.bib")
    (lib / "balintbib.toml").write_text("")
    monkeypatch.chdir(lib / "sub")
    assert len(run_cli("list").output.splitlines()) == 59
    located = json.loads(run_cli("locate", "--json").output)
    assert Path(located["library"]) == lib.resolve()


# -- 4. exit codes ------------------------------------------------------------------------------------

def test_point4_a_missing_path_is_a_usage_error_either_way(checkout, run_cli):
    for args in (("list", "nope"), ("list", "-l", "nope"), ("check", "nope"), ("check", "--library", "nope"),
                 ("export", "-l", "nope", "-o", "x.html"), ("annotate", "k", "-l", "nope")):
        result = run_cli(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "does not exist" in result.output and "Traceback" not in result.output


def test_point4_unknown_option_is_2_and_a_problem_is_1(checkout, run_cli):
    assert run_cli("list", "--nope").exit_code == 2
    assert run_cli("show", "nosuchkey").exit_code == 1


def test_point4_a_closed_pipe_is_not_an_error(tmp_path):
    big = tmp_path / "big.bib"
    entry = (LIBRARY / "balint.bib").read_text(encoding="utf-8")
    with big.open("w", encoding="utf-8") as fh:
        for n in range(40):  # ~2,400 lines: more than a pipe buffer holds
            fh.write(re.sub(r"^@(\w+)\{", lambda m: f"@{m.group(1)}{{c{n}", entry, flags=re.M))
    import balintbib

    env = {**os.environ, "PYTHONPATH": str(Path(balintbib.__file__).parents[1])}
    proc = subprocess.Popen([sys.executable, "-m", "balintbib", "list", str(big)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    first = proc.stdout.readline()
    proc.stdout.close()  # what `| head -1` does
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert first and "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err


# -- 5. format with an annotated style prints the annotations -----------------------------------------

@pytest.mark.parametrize("style", ["apa-annotated-bibliography", "chicago-notes-bibliography-annotated",
                                   "modern-language-association-annotated-bibliography"])
def test_point5_format_with_an_annotated_style_prints_annotations(checkout, run_cli, style):
    result = run_cli("format", "-S", style)
    assert result.exit_code == 0, result.output
    openings = _annotation_openings()
    assert len(openings) > 40
    printed = result.output.replace("\u2019", "'")  # the styles print typographic apostrophes
    assert all(o in printed for o in openings), [o for o in openings if o not in printed]
    items = json.loads(run_cli("format", "-S", style, "--json").output)
    assert sum(any(o in i["text"].replace("\u2019", "'") for o in openings) for i in items) == len(openings)


def test_point5_annotations_also_from_csl_json_input(checkout, run_cli, tmp_path):
    items = json.loads(run_cli("list", "--json").output)
    path = tmp_path / "items.json"
    path.write_text(json.dumps(items[:3]))
    out = run_cli("format", path, "-S", "apa-annotated-bibliography").output
    annotated = [" ".join(i["annote"].split()[:6]) for i in items[:3] if i.get("annote")]
    assert annotated and all(a in out.replace("\u2019", "'") for a in annotated)


# -- 6. a folder with no .bib file -----------------------------------------------------------------------

@pytest.mark.parametrize("command", ["check", "list", "format", "normalize", "dedupe"])
def test_point6_a_folder_without_bib_files_is_an_error(tmp_path, run_cli, command):
    empty = tmp_path / "typo"
    empty.mkdir()
    (empty / "notes.txt").write_text("x")
    args = (command, empty, "-S", "apa") if command == "format" else (command, empty)
    result = run_cli(*args)
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {empty}: no .bib files"
    assert sorted(p.name for p in empty.iterdir()) == ["notes.txt"]
    again = run_cli(command, "-l", empty, *(("-S", "apa") if command == "format" else ()))
    assert again.exit_code == 1 and "no .bib files" in again.output


# -- 9. annotate and the tag vocabulary ------------------------------------------------------------------

def test_point9_removing_a_tag_the_reference_does_not_have(checkout, run_cli):
    before = (checkout / "library" / "balint.bib").read_bytes()
    result = run_cli("annotate", "balint1964doctor", "--remove-tag", "NOSUCH")
    assert result.exit_code == 1
    assert "balint1964doctor has no tag 'NOSUCH'" in result.output
    assert (checkout / "library" / "balint.bib").read_bytes() == before


def test_point9_a_tag_outside_the_vocabulary_names_the_closest(checkout, run_cli):
    before = (checkout / "library" / "balint.bib").read_bytes()
    result = run_cli("annotate", "balint1964doctor", "--add-tag", "empaty")
    assert result.exit_code == 1
    assert "did you mean 'empathy'?" in result.output and "--new-tag" in result.output
    assert (checkout / "library" / "balint.bib").read_bytes() == before
    assert run_cli("annotate", "balint1964doctor", "--add-tag", "Empathy").exit_code == 0
    assert "empathy" in run_cli("annotate", "balint1964doctor", "--json").output
    made = run_cli("annotate", "balint1964doctor", "--new-tag", "primary care")
    assert made.exit_code == 0
    tags = json.loads(run_cli("annotate", "balint1964doctor", "--json").output)["tags"]
    assert tags[-2:] == ["empathy", "primary care"]


# -- 11. show -------------------------------------------------------------------------------------------------

def test_point11_show_a_reference_in_full(checkout, run_cli):
    bib = checkout / "library" / "balint.bib"
    bib.write_text(bib.read_text(encoding="utf-8").replace(
        "@book{balint1964doctor,", "@book{balint1964doctor,\n  remote-ids = {society:abc-123},\n  shelf = {B12},", 1),
        encoding="utf-8")
    result = run_cli("show", "balint1964doctor")
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.startswith("balint1964doctor  @book  library/balint.bib:")
    assert "apa: Balint, M. (1964)." in text
    assert "shelf" in text and "B12" in text
    assert "Remote ids: society: abc-123" in text
    assert "Tags: history and theory, general practice" in text
    assert "Michael Balint's book on the doctor" in text
    data = json.loads(run_cli("show", "balint1964doctor", "--json", "-S", "vancouver").output)
    assert data["fields"]["shelf"] == "B12" and data["remote_ids"] == {"society": "abc-123"}
    assert data["citation"]["style"] == "vancouver" and data["citation"]["text"].startswith("1. Balint M.")
    raw = run_cli("show", "balint1964doctor", "--bibtex").output
    assert raw.startswith("@book{balint1964doctor,\n  remote-ids = {society:abc-123},")
    missing = run_cli("show", "balint1964docter")
    assert missing.exit_code == 1 and "did you mean 'balint1964doctor'?" in missing.output


# -- 12. tags --------------------------------------------------------------------------------------------------

def test_point12_tags_rename_and_merge(checkout, run_cli):
    listed = json.loads(run_cli("tags", "--json").output)
    counts = {t["tag"]: t["count"] for t in listed}
    assert counts["empathy"] == _tag_count("empathy") > 3 and len(counts) == 15
    assert f"    {counts['empathy']}  empathy" in run_cli("tags").output
    both = len(run_cli("list", "-t", "empathy", "-t", "burnout").output.splitlines())
    expected = counts["empathy"] + counts["burnout"] - both
    before = (checkout / "library" / "balint.bib").read_text(encoding="utf-8")
    renamed = run_cli("tags", "rename", "empathy", "empathie")
    assert renamed.exit_code == 0 and f"on {counts['empathy']} reference(s)" in renamed.output
    after = (checkout / "library" / "balint.bib").read_text(encoding="utf-8")
    changed = [line for line in after.splitlines() if line not in before.splitlines()]
    assert len(changed) == counts["empathy"] and all(line.lstrip().startswith("keywords = ") for line in changed)
    clash = run_cli("tags", "rename", "empathie", "burnout")
    assert clash.exit_code == 1 and "tags merge" in clash.output
    merged = run_cli("tags", "merge", "empathie", "burnout")
    assert merged.exit_code == 0
    counts = {t["tag"]: t["count"] for t in json.loads(run_cli("tags", "--json").output)}
    assert "empathie" not in counts and "empathy" not in counts and counts["burnout"] == expected
    assert run_cli("tags", "merge", "nosuch", "burnout").exit_code == 1
    assert run_cli("check").exit_code == 0


def test_point12_tags_merge_writes_nothing_when_a_file_changed_meanwhile(checkout, run_cli):
    # nothing half-done: the merge refuses a broken library instead of writing around it
    bib = checkout / "library" / "balint.bib"
    bib.write_text(bib.read_text(encoding="utf-8") + "\n@article{broken,\n  title = {x\n", encoding="utf-8")
    before = bib.read_bytes()
    result = run_cli("tags", "merge", "empathy", "burnout")
    assert result.exit_code == 1 and "not changing tags" in result.output
    assert bib.read_bytes() == before


# -- 13. shell completion ------------------------------------------------------------------------------------

def complete(cli_runner, words: str, env=None) -> list[str]:
    parts = words.split(" ")
    result = cli_runner.invoke(cli, [], prog_name="balintbib", env={
        "_BALINTBIB_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(len(parts) - 1),
        **(env or {})})
    return [line.split(",", 1)[1] for line in result.output.splitlines()]


def test_point13_completion_of_commands_options_keys_styles_tags_remotes(checkout, cli_runner, run_cli):
    assert {"show", "status", "sync"} <= set(complete(cli_runner, "balintbib s"))
    assert "--style" in complete(cli_runner, "balintbib format --st")
    assert complete(cli_runner, "balintbib show balint1964d") == ["balint1964doctor"]
    assert len(complete(cli_runner, "balintbib show balint19")) > 3
    assert "nlm-citation-sequence" in complete(cli_runner, "balintbib format -S nlm-citation-s")
    assert "vancouver" in complete(cli_runner, "balintbib export --style vanc")
    assert complete(cli_runner, "balintbib annotate balint1964doctor --add-tag emp") == ["empathy"]
    assert complete(cli_runner, "balintbib list -t lead") == ["leadership"]
    run_cli("remote", "add", "society", "mendeley", "--group", "g1")
    assert complete(cli_runner, "balintbib pull so") == ["society"]
    script = run_cli("completion", "bash")
    assert script.exit_code == 0 and "_BALINTBIB_COMPLETE=bash_complete" in script.output
    assert "compdef" in run_cli("completion", "zsh").output
    assert "complete --no-files --command balintbib" in run_cli("completion", "fish").output


# -- 15. --json on export and locate ---------------------------------------------------------------------------

def test_point15_export_and_locate_json(checkout, run_cli):
    result = run_cli("export", "-t", "empathy", "-o", "e.md", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["path"] == "e.md" and data["format"] == "markdown" and data["references"] == _tag_count("empathy")
    assert data["style_id"] == "apa-annotated-bibliography" and data["sections"] == [
        {"title": "Empathy", "references": _tag_count("empathy")}]
    assert (checkout / "e.md").stat().st_size == data["bytes"]
    located = json.loads(run_cli("locate", "--json").output)
    assert set(located) == {"config", "data", "cache", "logs", "library"}
    assert Path(located["library"]) == (checkout / "library").resolve()
    assert run_cli("export", "-o", "-", "--json").exit_code == 2


# -- 17. dedupe --merge leftovers, check reports them ---------------------------------------------------------

DUPES = """@article{smith2000a,
  author = {Smith, John and Doe, Jane},
  title = {Balint groups in practice},
  journal = {BMJ},
  year = {2000},
  doi = {10.1136/bmj.1},
}

@article{smith2000b,
  author = {Smith, J. and Doe, J.},
  title = {Balint groups in practice},
  journal = {British Medical Journal},
  year = {2000},
  doi = {10.1136/bmj.1},
}
"""


def test_point17_merge_reports_what_it_left_and_check_finds_it(tmp_path, run_cli):
    bib = tmp_path / "d.bib"
    bib.write_text(DUPES)
    merged = run_cli("dedupe", "--merge", bib)
    assert merged.exit_code == 0
    assert ("2 field(s) kept as a second value, to settle by hand (balintbib check reports them as B003): "
            "smith2000a: author-2, smith2000a: journal-2") in merged.stderr
    check = run_cli("check", bib)
    assert check.exit_code == 1
    lines = [line for line in check.output.splitlines() if "B003" in line]
    assert len(lines) == 2 and "has author-2 next to author" in lines[0] and "journal-2" in lines[1]


def test_point17_a_repeated_field_is_reported_once(tmp_path, run_cli):
    bib = tmp_path / "r.bib"
    bib.write_text("@article{x,\n  author = {A},\n  author = {B},\n  title = {T},\n  journal = {J},\n  year = {2000}\n}\n")
    out = run_cli("check", bib, "--select", "B003").output
    assert out.count("B003") == 1


# -- issue 12 point 6: -o never over an input or a library file -----------------------------------------------

def test_issue12_point6_output_over_the_library_is_refused(checkout, run_cli):
    bib = checkout / "library" / "balint.bib"
    before = bib.read_bytes()
    result = run_cli("export", "-o", "library/balint.bib", "-f", "text")
    assert result.exit_code == 1
    assert "library/balint.bib: refusing to write over a file of the library" in result.output
    assert bib.read_bytes() == before
    conv = run_cli("convert", "library/balint.bib", "--to", "csl-json", "-o", "library/balint.bib")
    assert conv.exit_code == 1 and "refusing to write over an input" in conv.output
    other = checkout / "refs.bib"
    shutil.copy(bib, other)
    conv2 = run_cli("convert", "refs.bib", "--to", "bibtex", "-o", "library/balint.bib")
    assert conv2.exit_code == 1 and "refusing" in conv2.output
    assert bib.read_bytes() == before
    assert run_cli("convert", "refs.bib", "--to", "csl-json", "-o", "refs.json").exit_code == 0
