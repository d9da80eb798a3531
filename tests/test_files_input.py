"""Files from other tools, as a librarian meets them: an entry left unclosed, UTF-16
and Windows-1252 files, doubled byte-order marks, symlinks, read-only files, a second
writer, pathological sizes and control characters."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from balintbib.formats import bibtex
from balintbib.library import Library

TWO = "@misc{a,\n  title = {Müller “quoted”}\n}\n\n@misc{b,\n  title = {Two}\n}\n"


def keys(run_cli, path) -> list[str]:
    result = run_cli("list", path)
    return [line.split()[0] for line in result.stdout.splitlines()]


# -- an entry left unclosed ---------------------------------------------------------------

UNCLOSED = "@article{broken,\n  title = {X},\n  year = {2004},\n@misc{next,\n  title = {Y},\n}\n\n@misc{third, title = {Z}}\n"


def test_an_entry_after_an_unclosed_one_is_read(run_cli, tmp_path):
    path = tmp_path / "u.bib"
    path.write_text(UNCLOSED)
    assert keys(run_cli, path) == ["next", "third"]
    check = run_cli("check", path)
    assert check.exit_code == 1
    assert (f"{path}:1:1: B001 parse-error: not closed before the '@misc' that starts line 4"
            in check.stdout)
    bf = bibtex.parse(UNCLOSED, "u.bib")
    assert bf.blocks[0].raw == "@article{broken,\n  title = {X},\n  year = {2004},\n"  # kept as written
    assert bf.render() == UNCLOSED
    export = run_cli("export", "-l", path, "-o", tmp_path / "out.md")
    assert export.exit_code == 0 and "Y" in (tmp_path / "out.md").read_text()


def test_a_value_missing_its_brace_still_lets_the_next_entry_through(run_cli, tmp_path):
    path = tmp_path / "u.bib"
    path.write_text("@article{a,\n  title = {X,\n  year = {2004},\n}\n@misc{next,\n  title = {Y},\n}\n")
    assert keys(run_cli, path) == ["next"]


# -- encodings --------------------------------------------------------------------------------


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_a_bom_is_read_and_written_back_in_utf16(run_cli, tmp_path, codec):
    path = tmp_path / "win.bib"
    path.write_bytes(("\ufeff" + TWO).encode(codec))
    assert keys(run_cli, path) == ["a", "b"]
    listed = run_cli("list", path)
    assert "Müller “quoted”" in listed.stdout
    assert f"not UTF-8: read as {codec.upper()}" in listed.stderr
    result = run_cli("annotate", "a", "-l", path, "--text", "Noté")
    assert result.exit_code == 0
    assert f"(written as {codec.upper()}, its encoding)" in result.stdout
    data = path.read_bytes()
    assert data.decode(codec).startswith("\ufeff@misc{a,") and "Noté" in data.decode(codec)
    assert Library.load(path).get("a").annotation == "Noté"


def test_normalize_keeps_utf16_with_its_mark_and_says_so(run_cli, tmp_path):
    path = tmp_path / "win.bib"
    path.write_bytes(("\ufeff" + TWO).encode("utf-16-le"))
    result = run_cli("normalize", "--no-keys", path)
    assert result.exit_code == 0, result.output
    assert "B006 not-utf8: not UTF-8: read as UTF-16-LE and written back as UTF-16-LE" in result.stderr
    text = path.read_bytes().decode("utf-16-le")
    assert text.startswith("\ufeff@misc{a,") and "Müller “quoted”" in text and "\x00" not in text
    assert keys(run_cli, path) == ["a", "b"]
    again = path.read_bytes()
    run_cli("normalize", "--no-keys", path)
    assert path.read_bytes() == again  # idempotent, mark kept


def test_normalize_utf8_converts_utf16_to_utf8_without_nul_and_says_so(run_cli, tmp_path):
    path = tmp_path / "win.bib"
    path.write_bytes(("\ufeff" + TWO).encode("utf-16-le"))
    result = run_cli("normalize", "--no-keys", "--utf8", path)
    assert "B006 not-utf8: not UTF-8: read as UTF-16-LE, written as UTF-8" in result.stderr
    data = path.read_bytes()
    assert b"\x00" not in data and "Müller “quoted”" in data.decode("utf-8")
    assert keys(run_cli, path) == ["a", "b"]


def test_windows1252_is_read_as_windows1252_not_latin1(run_cli, tmp_path):
    path = tmp_path / "cp.bib"
    path.write_bytes(TWO.encode("cp1252"))
    assert "Müller “quoted”" in run_cli("list", path).stdout  # not C1 controls
    lib = Library.load(path)
    assert lib.get("a").title == "Müller “quoted”"


def test_a_file_mixing_utf8_and_another_encoding_is_refused_with_line_and_byte(run_cli, tmp_path):
    path = tmp_path / "mixed.bib"
    path.write_bytes("@misc{a,\n  title = {Müller}\n}\n".encode() + b"@misc{b,\n  title = {M\xfcller}\n}\n")
    before = path.read_bytes()
    for args in (["list", path], ["check", path], ["normalize", path], ["annotate", "a", "-l", path, "--text", "x"]):
        result = run_cli(*args)
        assert result.exit_code == 1
        assert result.stderr.strip().splitlines()[-1] == (
            f"Error: {path}: not valid UTF-8 at line 5, byte 13 (0xFC), though other characters of the file "
            "read as UTF-8: a stray byte from another encoding (fix that character), or a whole file in "
            "another one (convert it to UTF-8); nothing was read")
    assert path.read_bytes() == before


def test_two_boms_normalize_once(run_cli, tmp_path):
    path = tmp_path / "b.bib"
    path.write_text("\ufeff\ufeff" + TWO, encoding="utf-8")
    assert keys(run_cli, path) == ["a", "b"]
    assert run_cli("normalize", "--no-keys", path).exit_code == 0
    once = path.read_bytes()
    assert not once.startswith(b"\xef\xbb\xbf")
    assert run_cli("normalize", "--check", "--no-keys", path).exit_code == 0
    assert path.read_bytes() == once


def test_a_utf8_bom_survives_an_edit_of_the_first_entry(run_cli, tmp_path):
    path = tmp_path / "b.bib"
    path.write_text("\ufeff" + TWO, encoding="utf-8")
    run_cli("annotate", "a", "-l", path, "--text", "n")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf@misc{a,")


def test_a_character_the_files_encoding_cannot_hold_is_one_line_and_nothing_written(run_cli, tmp_path):
    path = tmp_path / "cp.bib"
    path.write_bytes(TWO.encode("cp1252"))
    before = path.read_bytes()
    result = run_cli("annotate", "a", "-l", path, "--text", "Őry")
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"Error: {path}: the file is Windows-1252 and cannot hold 'Ő' (line 3); "
                                     "nothing was written: convert the file to UTF-8 first")
    assert path.read_bytes() == before


# -- symlinks and permissions -------------------------------------------------------------------


def test_a_symlinked_library_file_is_written_through(run_cli, tmp_path):
    real = tmp_path / "real" / "refs.bib"
    real.parent.mkdir()
    real.write_text(TWO)
    link = tmp_path / "link.bib"
    link.symlink_to(real)
    assert run_cli("annotate", "a", "-l", link, "--text", "through").exit_code == 0
    assert link.is_symlink() and "through" in real.read_text()
    assert run_cli("normalize", "--no-keys", link).exit_code == 0
    assert link.is_symlink() and real.read_text().startswith("@misc{a,\n  title")


def test_a_read_only_file_is_refused_in_one_line(run_cli, tmp_path):
    path = tmp_path / "ro.bib"
    path.write_text("@MISC{a, TITLE = {x}}\n")
    path.chmod(0o444)
    try:
        for args in (["annotate", "a", "-l", path, "--text", "n"], ["normalize", path]):
            result = run_cli(*args)
            assert result.exit_code == 1
            assert result.stderr.strip().splitlines()[-1] == (
                f"Error: cannot write {path}: the file is read-only; nothing was written")
            assert path.read_text() == "@MISC{a, TITLE = {x}}\n"
    finally:
        path.chmod(0o644)


# -- a second writer ------------------------------------------------------------------------------


def test_normalize_redoes_a_file_changed_while_it_ran(run_cli, tmp_path, monkeypatch):
    """An annotate landing between normalize's read and its write is kept."""
    import balintbib.cli.normalize_cmds as nc

    path = tmp_path / "lib.bib"
    path.write_text("@MISC{a, TITLE = {x}}\n\n@MISC{b, TITLE = {y}}\n")
    real = nc.normalize_texts
    calls = []

    def slow_normalize(items, options):
        out = real(items, options)
        if not calls:  # meanwhile, another program annotates
            lib = Library.load(path)
            lib.get("b").annotation = "written meanwhile"
            lib.save()
        calls.append(1)
        return out

    monkeypatch.setattr(nc, "normalize_texts", slow_normalize)
    result = run_cli("normalize", "--no-keys", path)
    assert result.exit_code == 0
    assert f"{path}: changed on disk while normalize ran; normalized again from its current content" in result.stderr
    lib = Library.load(path)
    assert lib.get("b").annotation == "written meanwhile"
    assert run_cli("normalize", "--check", "--no-keys", path).exit_code == 0


def test_a_writer_that_cannot_get_the_lock_says_who_holds_it(run_cli, tmp_path, monkeypatch):
    path = tmp_path / "lib.bib"
    path.write_text(TWO)
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            sys.argv = ["balintbib-sync", "pull", "society"]
            from balintbib.locking import locked
            with locked([{str(path)!r}]):
                print("held", flush=True)
                sys.stdin.read()
        """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        monkeypatch.setenv("BALINTBIB_LOCK_TIMEOUT", "0.2")
        result = run_cli("annotate", "a", "-l", path, "--text", "n")
        assert result.exit_code == 1
        line = result.stderr.strip()
        assert line.startswith(f"Error: {path} is being written by pid {holder.pid} (balintbib-sync pull society, since ")
        assert line.endswith("waited 0.2 s, nothing was written: try again when it has finished")
        assert path.read_text() == TWO
    finally:
        holder.communicate("")
    assert run_cli("annotate", "a", "-l", path, "--text", "n").exit_code == 0  # free again


def test_lock_files_stay_out_of_git(run_cli, tmp_path):
    path = tmp_path / "lib.bib"
    path.write_text(TWO)
    run_cli("annotate", "a", "-l", path, "--text", "n")
    assert (tmp_path / ".balintbib" / ".gitignore").read_text().endswith("*\n")
    assert sorted(os.listdir(tmp_path)) == [".balintbib", "lib.bib"]


# -- pathological input ---------------------------------------------------------------------------


def test_a_field_given_20000_times(run_cli, tmp_path):
    path = tmp_path / "rep.bib"
    path.write_text("@misc{k,\n" + "".join(f"  note = {{n{i}}},\n" for i in range(20000)) + "  title = {T}\n}\n")
    check = run_cli("check", path)
    assert "B003 duplicate-field: field 'note' given 20000 times in 'k'" in check.stdout
    ref = Library.load(path).get("k")
    assert ref.fields["note-20000"] == "n19999" and len(ref.fields) == 20001


def test_a_100kb_run_of_white_space_in_a_title(run_cli, tmp_path):
    path = tmp_path / "ws.bib"
    path.write_text("@misc{k,\n  title = {A" + " \t" * 50000 + "B},\n  year = 2000}\n")
    assert "A B" in run_cli("list", path).stdout


@pytest.mark.parametrize("depth", [1000, 100000])
def test_deeply_nested_em_formats_and_exports(run_cli, tmp_path, depth):
    path = tmp_path / "em.bib"
    path.write_text("@article{k,\n  author = {Balint, Enid},\n  title = {" + "{\\em " * depth + "Deep"
                    + "}" * depth + "},\n  journal = {J}, year = 2000}\n")
    formatted = run_cli("format", "--style", "apa", path)
    assert formatted.exit_code == 0 and "Deep" in formatted.stdout and "\\em" not in formatted.stdout
    for suffix in ("html", "docx"):
        assert run_cli("export", "-l", path, "-o", tmp_path / f"out.{suffix}").exit_code == 0
    assert "Deep" in run_cli("list", path).stdout


# -- control characters ----------------------------------------------------------------------------


def test_docx_export_of_a_title_with_a_control_character(run_cli, tmp_path):
    import docx

    path = tmp_path / "ctl.bib"
    path.write_text("@article{k,\n  author = {Balint, Enid},\n  title = {Bad\x01 title\x0b},\n"
                    "  journal = {J},\n  year = {2000}\n}\n")
    out = tmp_path / "x.docx"
    result = run_cli("export", "-l", path, "-o", out)
    assert result.exit_code == 0, result.output
    text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    assert "Bad title" in text
    check = run_cli("check", path)
    assert f"{path}:3:1: B113 control-character: title of 'k' holds the control character U+0001" in check.stdout
