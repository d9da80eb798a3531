"""The library folder: load, save, minimal diffs, atomic writes."""

from __future__ import annotations

import difflib
import os

import pytest

from balintbib.fsutil import WriteError, atomic_write_text
from balintbib.formats.encoding import EncodingError
from balintbib.library import Library, LibraryError
from balintbib.model import Person, Reference

SAMPLE = """% The society's library
@string{pec = {Patient Education and Counseling}}

@article{vanroy2015research,
  author = {Van Roy, Kaatje and Vanheule, Stijn and Inslegers, Rosalie},
  title = {Research on {Balint} groups: A literature review},
  journal = pec,
  year = {2015},
  pages = {685--694},
  keywords = {research methods},
  annotation = {A review of Balint research.}
}

@Book{balint1964doctor,
   Author = "Balint, Michael",
   Title  = {The Doctor, His Patient and the Illness},
   Year   = 1964,
   Edition= {2},
}

@article{kjeldmand2004balint,
  author = {Kjeldmand, Dorte and Holmstr{\\"o}m, Inger and Rosenqvist, Urban},
  title = {Balint training makes {GPs} thrive better in their job},
  journal = pec,
  year = {2004}
}
"""


@pytest.fixture
def libdir(tmp_path):
    d = tmp_path / "library"
    d.mkdir()
    (d / "balint.bib").write_text(SAMPLE, encoding="utf-8")
    return d


def test_load_and_save_unchanged_leaves_every_file_byte_identical(libdir):
    before = (libdir / "balint.bib").read_bytes()
    lib = Library.load(libdir)
    assert len(lib) == 3
    assert lib.save() == []
    assert (libdir / "balint.bib").read_bytes() == before


def test_changing_one_field_rewrites_only_that_entry(libdir):
    lib = Library.load(libdir)
    ref = lib.get("balint1964doctor")
    ref.annotation = "The book that started Balint groups."
    lib.save()
    after = (libdir / "balint.bib").read_text(encoding="utf-8")
    diff = [l for l in difflib.unified_diff(SAMPLE.splitlines(), after.splitlines(), lineterm="", n=0)
            if l.startswith(("+", "-")) and not l.startswith(("+++", "---"))]
    removed = [l[1:] for l in diff if l.startswith("-")]
    old_entry = "@Book" + SAMPLE.split("@Book")[1].split("@article")[0]
    assert removed and all(line in old_entry for line in removed)
    assert "annotation = {The book that started Balint groups.}" in after
    # the other entries, the comment and the macro are untouched
    assert SAMPLE.split("@Book")[0] in after
    assert "@article{kjeldmand2004balint," + SAMPLE.split("@article{kjeldmand2004balint,")[1] in after
    # and the saved file reads back to the same references
    again = Library.load(libdir)
    assert again.get("balint1964doctor").annotation == "The book that started Balint groups."
    assert again.get("vanroy2015research").fields == lib.get("vanroy2015research").fields


def test_add_and_remove(libdir):
    lib = Library.load(libdir)
    new = Reference("horder2001first", "article")
    new.set_persons("author", [Person(family="Horder", given="J.")])
    new.set_text("title", "The first Balint group")
    lib.add(new)
    lib.remove(lib.get("vanroy2015research"))
    lib.save()
    again = Library.load(libdir)
    assert [r.key for r in again] == ["balint1964doctor", "kjeldmand2004balint", "horder2001first"]
    assert again.get("horder2001first").authors == [Person(family="Horder", given="J.")]
    text = (libdir / "balint.bib").read_text()
    assert "\n\n\n" not in text.replace("% The society's library\n", "")


def test_macros_resolve_across_files(tmp_path):
    (tmp_path / "a.bib").write_text("@string{pec = {Patient Educ Couns}}\n")
    (tmp_path / "b.bib").write_text("@article{k, journal = pec}\n")
    lib = Library.load(tmp_path)
    assert lib.text(lib.get("k"), "journal") == "Patient Educ Couns"


def test_missing_library_is_one_clear_error(tmp_path):
    with pytest.raises(LibraryError, match="no such file or folder"):
        Library.load(tmp_path / "nowhere")


def test_atomic_write_failure_leaves_old_file_and_no_temp(tmp_path):
    target = tmp_path / "ro" / "x.bib"
    target.parent.mkdir()
    target.write_text("old")
    os.chmod(target.parent, 0o500)
    try:
        if os.access(target.parent, os.W_OK):
            pytest.skip("running as a user who can write anywhere (root)")
        with pytest.raises(WriteError, match="permission denied"):
            atomic_write_text(target, "new")
        assert target.read_text() == "old"
        assert os.listdir(target.parent) == ["x.bib"]
    finally:
        os.chmod(target.parent, 0o700)


def test_atomic_write_on_a_full_disk_keeps_the_old_file(tmp_path):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    # Writing the temporary file fails like a full disk; the target is untouched.
    import balintbib.fsutil as fsutil

    target = tmp_path / "x.bib"
    target.write_text("old")
    real_fdopen = os.fdopen

    def full_disk(fd, *a, **k):
        os.dup2(os.open("/dev/full", os.O_WRONLY), fd)
        return real_fdopen(fd, *a, **k)

    fsutil.os.fdopen = full_disk
    try:
        with pytest.raises(WriteError, match="disk is full"):
            atomic_write_text(target, "new" * 100000)
    finally:
        fsutil.os.fdopen = real_fdopen
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["x.bib"]


def test_atomic_write_of_many_megabytes_is_complete(tmp_path):
    # Written in 1 MiB slices: the file holds every byte, in order, across the slices' seams.
    target = tmp_path / "big.bib"
    target.write_text("old")
    text = "".join(f"@misc{{k{i}, title = {{Holmstr\xf6m \u0150ry {i}}}}}\n" for i in range(90_000))
    assert len(text.encode()) > 3 * (1 << 20) + 1
    atomic_write_text(target, text)
    assert target.read_text(encoding="utf-8") == text
    assert os.listdir(tmp_path) == ["big.bib"]


def test_a_windows1252_file_is_written_back_as_windows1252(tmp_path, run_cli):
    path = tmp_path / "old.bib"
    original = "@misc{a, title = {Caf\xe9}}\n\n@misc{b, title = {x}}\n".encode("latin-1")
    path.write_bytes(original)
    lib = Library.load(path)
    assert lib.get("a").title == "Café"
    assert any(p.code == "B006" and "Windows-1252" in p.message for p in lib.problems)
    lib.get("b").set_text("title", "Holmstr\xf6m")
    lib.save()
    data = path.read_bytes()
    assert data.startswith(b"@misc{a, title = {Caf\xe9}}")  # untouched bytes stay Latin-1
    assert "Holmström".encode("latin-1") in data
    lib.get("b").set_text("title", "Őry")  # not representable in Windows-1252
    with pytest.raises(EncodingError, match="cannot hold 'Ő' .*nothing was written"):
        lib.save()
    assert b"Holmstr\xf6m" in path.read_bytes()


def test_reading_pauses_the_collector_and_always_restores_it(tmp_path):
    import gc

    from balintbib.library import collector_paused

    assert gc.isenabled()
    with collector_paused():
        with collector_paused(freeze=False):
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled()
    with pytest.raises(LibraryError):
        Library.load(tmp_path / "missing.bib")
    assert gc.isenabled()
    broken = tmp_path / "folder.bib"
    broken.mkdir()
    with pytest.raises(LibraryError):
        Library.load_files([broken])
    assert gc.isenabled()


def test_a_change_made_on_disk_meanwhile_is_never_undone(tmp_path):
    from balintbib.library import LibraryChangedError

    path = tmp_path / "lib.bib"
    path.write_text("@misc{a, title = {A}}\n\n@misc{b, title = {B}}\n", encoding="utf-8")
    lib = Library.load(path)
    assert lib.stale_files() == []
    # someone else (the CLI, git pull, a colleague) edits the file while it is open here
    path.write_text("@misc{a, title = {A}}\n\n@misc{b, title = {B, edited elsewhere}}\n", encoding="utf-8")
    lib.get("a").set("title", "A, edited here")
    assert lib.stale_files() == [str(path)]
    with pytest.raises(LibraryChangedError, match="changed on disk"):
        lib.save()
    assert "edited elsewhere" in path.read_text(encoding="utf-8")  # nothing written
    # read again, the change goes on top of theirs
    again = lib.reread()
    again.get("a").set("title", "A, edited here")
    again.save()
    text = path.read_text(encoding="utf-8")
    assert "A, edited here" in text and "edited elsewhere" in text
    # and a save right after its own save is not mistaken for a foreign change
    again.get("b").set("title", "B again")
    again.save()
    assert "B again" in path.read_text(encoding="utf-8")
