"""Data from the group is untrusted: what one member stores in Mendeley must never
become code or corruption in everyone's BibTeX, and one bad document must not
block the society's sync.  Every test pulls over a real socket from the
Mendeley test server into a library folder, through the CLI."""

from __future__ import annotations

import json

import pytest

from balintbib.formats import bibtex
from balintbib.library import Library

from remote_kit import remote  # noqa: F401  (fixture: each remote's test server)
from sync_support import REMOTE, Librarian, server  # noqa: F401  (fixture)


def put(srv, **doc) -> str:
    doc.setdefault("type", "journal")
    doc["group_id"] = srv.info["group_id"]
    with srv.state.lock:
        return srv.state.put_document(doc, srv.info["profile_id"])["id"]


def stash(**parts) -> str:
    return json.dumps({"balintbib": parts})


INJECTIONS = {
    "type opens a preamble": dict(title="Injected type", type="generic", client_data=stash(
        type=['misc}{x,}\n@preamble{"\\immediate\\write18{touch /tmp/pwned}"}\n@misc', "misc"])),
    "type is preamble": dict(title="Preamble type", type="generic", client_data=stash(type=["preamble", "misc"])),
    "value closes the field": dict(title="Injected value", client_data=stash(
        fields={"note": ["see below},\n  url = {javascript:alert(1)", False, None]})),
    "value closes the entry": dict(title="Injected entry", client_data=stash(
        fields={"note": ["x}}\n@preamble{\"\\write18{rm}\"}\n@misc{y,", False, None]})),
    "the issue's value as an expression": dict(title="Issue payload", client_data=stash(
        fields={"note": ["{see below},\n  url = {javascript:alert(1)}", True, None]})),
    "the issue's value as a literal": dict(title="Issue payload 2", client_data=stash(
        fields={"note": ["{see below},\n  url = {javascript:alert(1)}", False, None]})),
    "expression injects": dict(title="Injected expression", client_data=stash(
        fields={"month": ["jan,\n  url = {javascript:alert(1)}", True, None]})),
    "field name injects": dict(title="Injected name", client_data=stash(
        fields={"x = {1},\n  url": ["javascript:alert(1)", False, None]})),
    "remote-ids taken over": dict(title="Link hijack", client_data=stash(
        fields={"remote-ids": ["society:someone-else", False, None]})),
    "url with a stray brace": dict(title="Stray brace", websites=["http://e.org/}\n@preamble{x}"]),
    "citation key": dict(title="Key", citation_key="a, title = {Injected}}\n@misc{evil"),
}


def test_nothing_a_group_document_holds_opens_a_block_or_adds_a_field(server, tmp_path):  # noqa: F811
    ids = {name: put(server, **doc) for name, doc in INJECTIONS.items()}
    me = Librarian(tmp_path / "lib")
    result = me.run("pull", REMOTE)
    assert result.exit_code == 0, result.output
    text = "".join(p.read_text() for p in me.folder.glob("*.bib"))
    bf = bibtex.parse(text)
    assert not bf.problems
    # Only entries: no @preamble, @string or @comment came in, and no url field anywhere.
    assert [type(b).__name__ for b in bf.blocks if not isinstance(b, bibtex.Entry) and b.raw.strip()] == []
    assert all(b.entry_type.lower() not in ("preamble", "string", "comment") for b in bf.entries)
    lib = me.library()
    assert len(lib.references) == len(INJECTIONS)
    for ref in lib.references:
        assert "url" not in ref.fields or ref.fields["url"].startswith("http://e.org/")
        assert ref.type in ("misc", "article")
        assert ref.remote_ids == {REMOTE: next(i for i in ids.values() if ref.remote_ids[REMOTE] == i)}
    # Each entry reads back exactly as the model held it.
    for entry, ref in zip(bf.entries, lib.references):
        assert bibtex.entry_to_reference(entry)[0].fields == ref.fields
    # What was refused is said, by document id.
    assert ids["type opens a preamble"] in result.stderr
    assert ids["value closes the field"] in result.stderr
    assert "not a BibTeX" in result.stderr


MALFORMED = {
    "authors as a string": {"authors": "Smith, J"},
    "a null name": {"authors": [{"first_name": None, "last_name": None}]},
    "an integer name": {"authors": [{"first_name": "A", "last_name": 5}]},
    "a null person": {"authors": [None, {"first_name": "B", "last_name": "Good"}]},
    "integer tags": {"tags": [1, 2]},
    "tags as a string": {"tags": "theory"},
    "identifiers as a list": {"identifiers": ["doi", "10.1/x"]},
    "integer identifier": {"identifiers": {"doi": 5, "pmid": "123"}},
    "integer source": {"source": 5},
    "stored data as a string": {"client_data": "just text"},
    "stored data as a list": {"client_data": json.dumps(["a", 1])},
    "stash as a string": {"client_data": json.dumps({"balintbib": "x"})},
    "field map with a plain string": {"client_data": json.dumps({"balintbib": {"fields": {"note": "plain"}}})},
    "fields as a string": {"client_data": json.dumps({"balintbib": {"fields": "plain"}})},
    "year as words": {"year": "nineteen"},
    "month as words": {"month": "May"},
    "editors as an object": {"editors": {"a": 1}},
    "websites as a string": {"websites": "http://example.org"},
    "title as a number": {"title": 5},
    "deep client data": {"client_data": "[" * 100_000 + "]" * 100_000},
}


def test_malformed_documents_are_reported_by_id_and_the_pull_completes(server, tmp_path):  # noqa: F811
    good = put(server, title="A good paper", year=2001, authors=[{"first_name": "M", "last_name": "Balint"}])
    ids = {}
    for i, (name, shape) in enumerate(MALFORMED.items()):
        doc = {"title": f"Bad shape {i}", "year": 2000 + i}
        doc.update(shape)
        ids[name] = put(server, **doc)
    me = Librarian(tmp_path / "lib")
    result = me.run("pull", REMOTE)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    lib = me.library()
    linked = {r.remote_ids[REMOTE]: r for r in lib.references}
    assert good in linked and set(ids.values()) <= set(linked)  # every document taken with what is valid
    for name in ("authors as a string", "integer tags" if False else "identifiers as a list", "year as words",
                 "stash as a string", "field map with a plain string", "editors as an object"):
        assert ids[name] in result.stderr, name
    # What was valid is kept.
    assert linked[ids["a null person"]].authors[0].family == "Good"
    assert linked[ids["integer identifier"]].text("pmid") == "123"
    assert linked[ids["integer source"]].text("journal") == "5"
    assert linked[ids["integer tags"]].tags == ["1", "2"]
    # A second pull changes nothing and still completes.
    again = me.run("pull", REMOTE)
    assert again.exit_code == 0, again.output
    assert "0 added, 0 updated, 0 removed" in again.stdout


def test_listing_items_that_are_not_documents_are_skipped_not_removed(server, tmp_path, monkeypatch):  # noqa: F811
    keep = put(server, title="Listed with a broken neighbour", year=2010)
    me = Librarian(tmp_path / "lib")
    me.ok("pull", REMOTE)
    # The server answers items that are not documents (a list, no id) next to real ones.
    from balintbib.testing import mendeley_documents as tm

    real = tm.render_document
    monkeypatch.setattr(tm, "render_document",
                        lambda doc, view, precise=False: real(doc, view, precise) if doc["id"] == keep else ["x"])
    put(server, title="Rendered broken", year=2011)
    result = me.run("pull", REMOTE, "--full")
    assert result.exit_code == 0, result.output
    assert "not a document" in result.stderr
    assert [r.remote_ids[REMOTE] for r in me.library().references] == [keep]


@pytest.mark.parametrize("where", ["title", "note"])
def test_a_nul_from_the_group_is_removed_and_said_never_a_marker(server, tmp_path, where):  # noqa: F811
    ident = put(server, title="\x00two words here" if where == "title" else "A title", year=2002)
    if where == "note":
        with server.state.lock:
            server.state.put_annotation({"document_id": ident, "text": "\x00two words here",
                                         "privacy_level": "group"}, server.info["profile_id"])
    me = Librarian(tmp_path / "lib")
    result = me.run("pull", REMOTE)
    assert result.exit_code == 0, result.output
    assert "U+0000" in result.stderr
    ref = me.library().references[0]
    field = "title" if where == "title" else "annotation"
    assert ref.text(field) == "two words here"
    assert field not in ref.expressions
    text = (me.folder / "library.bib").read_text()
    assert "\x00" not in text and f"{field} = {{two words here}}" in text
    # Nothing to send back: the group's text and the library's agree.
    assert me.json("push", REMOTE, "--dry-run")["planned"] == []


def test_annotate_refuses_a_control_character(tmp_path, run_cli):
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "library.bib").write_text("@book{a,\n  title = {A},\n}\n")
    result = run_cli("annotate", "a", "--text", "-", "--library", lib, input="\x00two words")
    assert result.exit_code == 1
    assert "U+0000" in result.output and "Traceback" not in result.output
    assert (lib / "library.bib").read_text() == "@book{a,\n  title = {A},\n}\n"


def test_the_writer_refuses_what_would_not_read_back(tmp_path):
    from balintbib.formats.bibsafe import UnsafeEntry
    from balintbib.model import Reference

    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "library.bib").write_text("@book{a,\n  title = {A},\n}\n")
    for ref in (Reference("b", 'misc}{x,}\n@preamble{"x"}\n@misc', {"title": "T"}),
                Reference("b, title = {I}}\n@misc{evil", "misc", {"title": "T"}),
                Reference("b", "misc", {"x = {1},\n url": "T"}),
                Reference("b", "misc", {"note": "a}, url = {js"}),
                Reference("b", "misc", {"month": "jan, url = {js}"}, {"month"})):
        library = Library.load(lib)
        library.add(ref)
        with pytest.raises(UnsafeEntry):
            library.save()
        assert (lib / "library.bib").read_text() == "@book{a,\n  title = {A},\n}\n"


# -- listings that cannot be trusted, bodies that break ------------------------------------

def _seed(srv, n: int) -> list[str]:
    return [put(srv, title=f"Paper {i}", year=1990 + i % 30,
                authors=[{"first_name": "E", "last_name": f"Author{i}"}]) for i in range(n)]


@pytest.mark.parametrize("hide_count", [False, True], ids=["count header", "no count header"])
@pytest.mark.parametrize("glitch", ["repeat", "overlap"])
def test_a_full_pull_never_removes_what_the_group_still_has(server, tmp_path, monkeypatch,  # noqa: F811
                                                            glitch, hide_count):
    monkeypatch.setattr("balintbib.remotes.mendeley.PAGE_LIMIT", 10)
    ids = _seed(server, 35)
    me = Librarian(tmp_path / "lib")
    me.ok("pull", REMOTE)
    assert len(me.library().references) == 35
    # One document really goes; then a page of the full listing repeats (or overlaps) the previous one.
    gone = ids[3]
    with server.state.lock:
        server.state.documents[gone]["_trashed"] = False
    group_delete(server, gone)
    server.faults.hide_count = hide_count
    server.faults.page_faults.extend([glitch] * 3)
    result = me.run("pull", REMOTE, "--full")
    assert result.exit_code == 0, result.output
    assert not server.faults.page_faults, "the glitch never happened"
    assert "1 removed" in result.stdout
    assert sorted(r.remote_ids[REMOTE] for r in me.library().references) == sorted(set(ids) - {gone})
    # Status and a rerun agree with the group.
    again = me.run("pull", REMOTE, "--full")
    assert again.exit_code == 0 and "0 added, 0 updated, 0 removed" in again.stdout


def group_delete(srv, ident: str) -> None:
    from sync_support import group_client

    group_client(srv).delete(ident)


def test_a_deleted_documents_notes_go_with_it_and_prove_nothing(server, tmp_path):  # noqa: F811
    ids = _seed(server, 3)
    with server.state.lock:
        server.state.put_annotation({"document_id": ids[0], "text": "Discussed in May", "privacy_level": "group"},
                                    server.info["profile_id"])
    me = Librarian(tmp_path / "lib")
    me.ok("pull", REMOTE)
    web = __import__("sync_support").group_client(server)
    web.delete(ids[0])
    # The test server, like the real one, deletes the note with its document.
    from balintbib.remotes.base import NotFound

    with pytest.raises(NotFound):
        web.request("GET", f"/annotations/{ids[0]}", media_type="application/vnd.mendeley-annotation.1+json",
                    what="get the note")
    notes = web.annotations_since(None).records
    assert all(n.data.get("document_id") != ids[0] for n in notes)
    result = me.run("pull", REMOTE, "--full")
    assert result.exit_code == 0, result.output
    assert "1 removed" in result.stdout
    assert ids[0] not in {r.remote_ids[REMOTE] for r in me.library().references}


def test_a_note_left_on_a_deleted_document_does_not_keep_it(server, tmp_path):  # noqa: F811
    """Even a server that keeps the note (the old test server did) cannot keep the reference."""
    ids = _seed(server, 2)
    me = Librarian(tmp_path / "lib")
    with server.state.lock:
        server.state.put_annotation({"document_id": ids[0], "text": "A note", "privacy_level": "group"},
                                    server.info["profile_id"])
    me.ok("pull", REMOTE)
    with server.state.lock:  # deleted behind the note's back
        doc = server.state.documents.pop(ids[0])
        server.state.doc_tombstones[ids[0]] = doc
        server.state.deleted_documents.append((server.state.now(), ids[0], doc["group_id"], doc["profile_id"]))
    result = me.run("pull", REMOTE, "--full")
    assert result.exit_code == 0, result.output
    assert "1 removed" in result.stdout


@pytest.mark.parametrize("kind", ["truncate", "reset", "gzip", "json"])
def test_a_broken_body_is_retried_then_one_line(remote, tmp_path, kind, monkeypatch):  # noqa: F811
    from balintbib.remotes.mendeley import RetryPolicy

    monkeypatch.setattr(RetryPolicy, "delay", lambda self, attempt, rng: 0.0)
    server = remote.server
    for i in range(3):
        remote.group.add_article(f"Seeded paper {i}", 2000 + i, "Otten", "Heide")
    me = Librarian(tmp_path / "lib")
    server.faults.body_faults.extend([kind] * 2)  # two broken answers: the retries get through
    result = me.run("pull", REMOTE)
    assert result.exit_code == 0, result.output
    assert len(me.library().references) == 3
    assert not server.faults.body_faults
    # Broken for good: one line, nothing written, no traceback.
    remote.group.add_article("Another", 2020, "Otten", "Heide")
    server.faults.body_faults.extend([kind] * 50)
    before = (me.folder / "library.bib").read_text()
    result = me.run("pull", REMOTE)
    assert result.exit_code == 1
    assert "Traceback" not in result.output and len(result.stderr.strip().splitlines()) == 1
    assert "tries" in result.stderr
    assert (me.folder / "library.bib").read_text() == before


# -- the token from the environment -----------------------------------------------------

@pytest.mark.parametrize("bad", ["SECRET123\nX-Injected: 1", "SECRETé123", "SECRET\u201c123", "SECRET 123"])
def test_an_unusable_environment_token_is_one_line_naming_the_variable(server, tmp_path, monkeypatch,  # noqa: F811
                                                                       bad):
    monkeypatch.setenv("BALINTBIB_MENDELEY_TOKEN", bad)
    me = Librarian(tmp_path / "lib")
    for command in (("pull", REMOTE), ("push", REMOTE), ("status", REMOTE)):
        result = me.run(*command)
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        assert len(result.stderr.strip().splitlines()) == 1
        assert "BALINTBIB_MENDELEY_TOKEN" in result.stderr
        assert "SECRET" not in result.output


def test_a_refused_environment_token_names_the_variable_not_login(server, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("BALINTBIB_MENDELEY_TOKEN", "WrongButWellFormedToken123")
    me = Librarian(tmp_path / "lib")
    result = me.run("pull", REMOTE)
    assert result.exit_code == 1
    assert "401" in result.stderr and "BALINTBIB_MENDELEY_TOKEN" in result.stderr
    assert "WrongButWellFormed" not in result.output


def test_a_nul_in_the_library_is_refused_by_the_sync_never_read_as_a_marker(server, tmp_path):  # noqa: F811
    put(server, title="From the group", year=2003)
    me = Librarian(tmp_path / "lib")
    me.add("@book{local,\n  title = {Local},\n  annotation = {\x00two words here},\n}")
    before = (me.folder / "library.bib").read_text()
    for command in ("pull", "push"):
        result = me.run(command, REMOTE)
        assert result.exit_code == 1, result.output
        assert "NUL" in result.stderr and "local" in result.stderr and "Traceback" not in result.output
        assert (me.folder / "library.bib").read_text() == before


def test_a_listing_that_stays_short_is_one_line_and_changes_nothing(server, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setattr("balintbib.remotes.mendeley.PAGE_LIMIT", 10)
    _seed(server, 25)
    me = Librarian(tmp_path / "lib")
    me.ok("pull", REMOTE)
    before = (me.folder / "library.bib").read_text()
    state = me.state()
    server.faults.page_faults.extend(["repeat"] * 20)
    result = me.run("pull", REMOTE, "--full")
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "announced" in result.stderr
    assert (me.folder / "library.bib").read_text() == before and me.state() == state
    server.faults.page_faults.clear()
    again = me.run("pull", REMOTE, "--full")
    assert again.exit_code == 0 and "0 added, 0 updated, 0 removed" in again.stdout


def test_a_control_character_in_the_library_still_pushes_and_comes_back(server, tmp_path):  # noqa: F811
    me = Librarian(tmp_path / "lib")
    me.add("@article{odd,\n  title = {300\x01C and up},\n  keywords = {heat\x01, theory},\n  year = {2004},\n}")
    result = me.run("push", REMOTE)
    assert result.exit_code == 0, result.output
    assert me.run("pull", REMOTE).exit_code == 0
    assert me.json("push", REMOTE, "--dry-run")["planned"] == []
    ref = me.ref("odd")
    assert ref.fields["title"] == "300\x01C and up" and ref.fields["keywords"] == "heat\x01, theory"


@pytest.mark.parametrize("kind", ["json", "truncate", "gzip"])
def test_a_broken_answer_to_a_write_is_one_line_and_the_rerun_converges(server, tmp_path, kind,  # noqa: F811
                                                                        monkeypatch):
    from balintbib.remotes.mendeley import RetryPolicy

    from sync_support import group_documents

    monkeypatch.setattr(RetryPolicy, "delay", lambda self, attempt, rng: 0.0)
    me = Librarian(tmp_path / "lib")
    for i in range(3):
        me.add(f"@book{{local{i},\n  author = {{Otten, Heide}},\n  title = {{Local book {i}}},\n  year = {{2010}},\n}}")
    server.faults.body_faults.append(kind)
    server.faults.body_fault_methods = ("POST",)
    result = me.run("push", REMOTE)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1 and "may or may not" in result.stderr
    again = me.run("sync", REMOTE)
    assert again.exit_code == 0, again.output
    titles = sorted(d["title"] for d in group_documents(server))
    assert titles == [f"Local book {i}" for i in range(3)]  # each once: the lost answer's document was found
    assert all(REMOTE in r.remote_ids for r in me.library().references)
    assert me.json("push", REMOTE, "--dry-run")["planned"] == []
