"""pull / push / sync / status / resolve between library folders and the Zotero test server:
the Mendeley scenarios (tests/test_sync_scenarios.py) on a Zotero group."""

from __future__ import annotations

from balintbib.formats.zotero import annotation_key

from sync_support import ARTICLE, BOOK, Librarian, two_librarians
from zotero_support import REMOTE, zserver  # noqa: F401

def test_first_push_then_pull_elsewhere_links_by_remote_id(zserver, tmp_path):
    a, b = two_librarians(tmp_path, ARTICLE, BOOK)
    docs = zserver.zgroup.docs()
    assert sorted(d["title"] for d in docs) == ["Balint groups and the Balint method",
                                                 "The doctor, his patient, and the illness"]
    assert {d["citationKey"] for d in docs} == {"balint1955doctor", "salinsky2001work"}
    art = zserver.zgroup.by_title()["The doctor, his patient, and the illness"]
    assert art["itemType"] == "journalArticle" and art["publicationTitle"] == "The Lancet"
    assert art["pages"] == "683\u2013688" and art["date"] == "1955" and art["DOI"] == "10.1016/S0140-6736(55)91061-8"
    assert art["creators"] == [{"creatorType": "author", "firstName": "Michael", "lastName": "Balint"}]
    ref = b.ref("balint1955doctor")
    assert ref is not None and ref.remote_ids[REMOTE] == a.remote_id("balint1955doctor") == art["key"]
    assert b.ref("balint1955doctor").fields == a.ref("balint1955doctor").fields
    # A second sync sends nothing; a pull with no change is one request.
    before = sum(zserver.counts.values())
    out = a.json("sync", REMOTE)
    assert out["pull"]["updated"] == [] and out["push"]["updated"] == [] and out["push"]["created"] == []
    assert out["pull"]["requests"] == 1
    assert sum(zserver.counts.values()) - before == 1


def test_edits_on_different_fields_on_both_sides_merge(zserver, tmp_path):
    a, b = two_librarians(tmp_path, ARTICLE)
    key = a.remote_id("balint1955doctor")
    zserver.zgroup.edit(key, volume="266")
    a.edit("balint1955doctor", pages="683--690")
    out = a.json("sync", REMOTE)
    assert out["pull"]["updated"] == ["balint1955doctor"] and out["push"]["updated"] == ["balint1955doctor"]
    ref = a.ref("balint1955doctor")
    assert ref.get("volume") == "266" and ref.get("pages") == "683--690"
    doc = zserver.zgroup.doc(key)
    assert doc["volume"] == "266" and doc["pages"] == "683\u2013690"
    b.ok("pull", REMOTE)
    assert b.ref("balint1955doctor").get("pages") == "683--690" and b.ref("balint1955doctor").get("volume") == "266"


def test_same_field_on_both_sides_is_a_conflict_until_resolved(zserver, tmp_path):
    a, b = two_librarians(tmp_path, ARTICLE)
    key = a.remote_id("balint1955doctor")
    b.edit("balint1955doctor", title="The doctor, his patient and the illness")
    b.ok("push", REMOTE)
    a.edit("balint1955doctor", title="The Doctor, His Patient, and the Illness")
    result = a.run("pull", REMOTE)
    assert result.exit_code == 3, result.output
    assert "both sides changed title" in result.output
    assert a.ref("balint1955doctor").get("title") == "The Doctor, His Patient, and the Illness"
    push = a.json("push", REMOTE, code=3)
    assert push["updated"] == [] and push["skipped"][0]["key"] == "balint1955doctor"
    assert zserver.zgroup.doc(key)["title"] == "The doctor, his patient and the illness"
    a.ok("resolve", "balint1955doctor", "--ours")
    a.ok("push", REMOTE)
    assert zserver.zgroup.doc(key)["title"] == "The Doctor, His Patient, and the Illness"
    b.ok("pull", REMOTE)
    assert b.ref("balint1955doctor").get("title") == "The Doctor, His Patient, and the Illness"


def test_push_412_merges_and_retries(zserver, tmp_path):
    a, _ = two_librarians(tmp_path, ARTICLE)
    key = a.remote_id("balint1955doctor")
    zserver.zgroup.edit(key, volume="300")  # after our last pull: our push meets a 412
    a.edit("balint1955doctor", pages="1--2")
    out = a.json("push", REMOTE)
    assert out["updated"] == ["balint1955doctor"]
    doc = zserver.zgroup.doc(key)
    assert doc["volume"] == "300" and doc["pages"] == "1\u20132"
    assert a.ref("balint1955doctor").get("volume") == "300"
    assert zserver.count if hasattr(zserver, "count") else True
    assert any(status == 200 and path.startswith(f"/groups/{zserver.info['group_id']}/items/{key}")
               for method, path, status in zserver.log if method == "GET")


def test_412_on_the_same_field_opens_a_conflict(zserver, tmp_path):
    a, _ = two_librarians(tmp_path, ARTICLE)
    key = a.remote_id("balint1955doctor")
    zserver.zgroup.edit(key, volume="300")
    a.edit("balint1955doctor", volume="301")
    result = a.run("push", REMOTE)
    assert result.exit_code == 3 and "both sides changed volume" in result.output
    assert zserver.zgroup.doc(key)["volume"] == "300" and a.ref("balint1955doctor").get("volume") == "301"


def test_deletes_both_ways(zserver, tmp_path):
    a, b = two_librarians(tmp_path, ARTICLE, BOOK)
    book = a.remote_id("salinsky2001work")
    # Deleted here, unchanged there: to the group's trash.
    a.delete("salinsky2001work")
    out = a.json("push", REMOTE)
    assert len(out["trashed"]) == 1
    assert zserver.zgroup.doc(book)["deleted"] == 1
    assert [d["title"] for d in zserver.zgroup.docs()] == ["The doctor, his patient, and the illness"]
    b.ok("pull", REMOTE)
    assert b.ref("salinsky2001work") is None
    # Deleted for good in the group, unchanged here: removed here.
    zserver.zgroup.delete(a.remote_id("balint1955doctor"))
    out = b.json("pull", REMOTE)
    assert out["removed"] == ["balint1955doctor"] and b.ref("balint1955doctor") is None


def test_remote_trash_vs_local_edit_is_a_conflict_and_ours_restores(zserver, tmp_path):
    a, b = two_librarians(tmp_path, ARTICLE, BOOK)
    ident = a.remote_id("salinsky2001work")
    b.delete("salinsky2001work")
    b.ok("push", REMOTE)
    a.edit("salinsky2001work", edition="2")
    result = a.run("pull", REMOTE)
    assert result.exit_code == 3 and "changed here, trashed in the group" in result.output
    assert a.ref("salinsky2001work").get("edition") == "2"
    a.ok("resolve", "salinsky2001work", "--ours")
    out = a.json("push", REMOTE)
    assert out["created"] == [] and out["updated"] == ["salinsky2001work"]
    doc = zserver.zgroup.doc(ident)
    assert not doc.get("deleted") and doc["edition"] == "2"
    b.ok("pull", REMOTE)  # back in b's library (under the key a normalized library gives it)
    back = [r for r in b.library().references if r.remote_ids.get(REMOTE) == ident]
    assert len(back) == 1 and back[0].get("edition") == "2"


def test_local_delete_vs_remote_edit_is_a_conflict(zserver, tmp_path):
    a, b = two_librarians(tmp_path, ARTICLE)
    ident = a.remote_id("balint1955doctor")
    b.edit("balint1955doctor", volume="999")
    b.ok("push", REMOTE)
    a.delete("balint1955doctor")
    result = a.run("sync", REMOTE)
    assert result.exit_code == 3 and "deleted here, changed in the group" in result.output
    assert not zserver.zgroup.doc(ident).get("deleted")
    a.ok("resolve", "balint1955doctor", "--theirs")
    assert a.ref("balint1955doctor").get("volume") == "999"


def test_annotation_is_a_child_note_and_merges(zserver, tmp_path):
    a, b = two_librarians(tmp_path, ARTICLE.replace("year = {1955},", "year = {1955},\n  annotation = {Classic paper.},"))
    key = a.remote_id("balint1955doctor")
    group = zserver.zgroup
    assert group.notes() == {key: "Classic paper."}
    note = group.doc(annotation_key(key))
    assert note["parentItem"] == key and note["note"] == "<p>Classic paper.</p>"
    assert b.ref("balint1955doctor").annotation == "Classic paper."
    b.edit("balint1955doctor", annotation="Classic paper; read it first.")
    b.ok("push", REMOTE)
    assert group.notes()[key] == "Classic paper; read it first."
    a.edit("balint1955doctor", annotation="The founding paper.")
    result = a.run("pull", REMOTE)
    assert result.exit_code == 3 and "annotation" in result.output
    a.ok("resolve", "balint1955doctor", "--theirs")
    assert a.ref("balint1955doctor").annotation == "Classic paper; read it first."
    # A note edit in Zotero (the server rewrites its HTML) merges with a field edit here.
    group.set_note(key, "Edited   in <Zotero>.")
    a.edit("balint1955doctor", volume="265a")
    a.ok("sync", REMOTE)
    ref = a.ref("balint1955doctor")
    assert ref.annotation == "Edited in <Zotero>." and ref.get("volume") == "265a"
    assert a.json("sync", REMOTE)["push"]["updated"] == []  # the stored note is what the server returned


def test_key_rename_is_sent_as_the_citation_key(zserver, tmp_path):
    a, _ = two_librarians(tmp_path, ARTICLE)
    ident = a.remote_id("balint1955doctor")
    text = (a.folder / "library.bib").read_text().replace("balint1955doctor", "balint1955")
    (a.folder / "library.bib").write_text(text)
    out = a.json("sync", REMOTE)
    assert out["push"]["created"] == [] and out["push"]["trashed"] == []
    assert zserver.zgroup.doc(ident)["citationKey"] == "balint1955"
    assert a.json("push", REMOTE)["updated"] == []


def test_new_group_items_get_family_year_word_keys(zserver, tmp_path):
    a = Librarian(tmp_path / "a")
    for _ in range(2):
        zserver.zgroup.add({"itemType": "journalArticle", "title": "The doctor, his patient and the illness",
                            "date": "1957", "creators": [{"creatorType": "author", "firstName": "Michael",
                                                          "lastName": "Balint"}]})
    out = a.json("pull", REMOTE)
    assert sorted(out["added"]) == ["balint1957doctor", "balint1957doctora"]


def test_added_on_both_sides_with_same_doi_is_not_duplicated(zserver, tmp_path):
    a, b = two_librarians(tmp_path, BOOK)
    a.add(ARTICLE)
    b.add(ARTICLE.replace("balint1955doctor", "balint1955").replace("  volume = {265},\n", ""))
    a.ok("sync", REMOTE)
    out = b.json("sync", REMOTE)
    assert out["pull"]["added"] == [] and out["push"]["created"] == []
    assert len(zserver.zgroup.docs()) == 2
    assert b.ref("balint1955").remote_ids[REMOTE] == a.remote_id("balint1955doctor")


def test_read_only_key_gets_one_message_and_keeps_edits(zserver, tmp_path, monkeypatch):
    a, _ = two_librarians(tmp_path, ARTICLE)
    st = zserver.state
    reader = st.add_user("reader")
    monkeypatch.setenv("BALINTBIB_ZOTERO_KEY", st.add_key(reader, {zserver.info["group_id"]: False}))
    r = Librarian(tmp_path / "reader")
    r.ok("pull", REMOTE)
    r.edit("balint1955doctor", volume="1")
    r.add(BOOK)
    result = r.run("push", REMOTE)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "403" in lines[0] and "kept" in lines[0], result.output
    assert r.ref("balint1955doctor").get("volume") == "1" and r.ref("salinsky2001work") is not None
    assert zserver.zgroup.docs()[0]["volume"] == "265"


def test_revoked_key_mid_sync_is_one_line_and_loses_nothing(zserver, tmp_path):
    a, _ = two_librarians(tmp_path, ARTICLE)
    a.edit("balint1955doctor", volume="5")
    a.add(BOOK)
    zserver.state.revoke(zserver.info["key"])
    result = a.run("sync", REMOTE)
    assert result.exit_code == 1 and "Invalid key" in result.output and "Traceback" not in result.output
    assert zserver.info["key"] not in result.output
    assert a.ref("balint1955doctor").get("volume") == "5" and a.ref("salinsky2001work") is not None


def test_status_and_dry_run(zserver, tmp_path):
    a, b = two_librarians(tmp_path, ARTICLE)
    a.edit("balint1955doctor", volume="8")
    b.add(BOOK)
    b.ok("push", REMOTE)
    info = a.json("status", REMOTE)
    assert info["local_changes"] == ["update balint1955doctor: volume"]
    assert info["remote_changes"] == {"changed": 0, "new": 1, "deleted": 0}
    assert "update balint1955doctor: volume" in a.ok("push", REMOTE, "--dry-run").output
    assert zserver.zgroup.by_title()["The doctor, his patient, and the illness"]["volume"] == "265"
    pulled = a.json("pull", REMOTE)
    assert pulled["added"] == ["salinsky2001work"] and not pulled["full"]


def test_lost_state_file_only_asks_about_real_differences(zserver, tmp_path):
    a, b = two_librarians(tmp_path, ARTICLE, BOOK)
    b.edit("balint1955doctor", volume="7")
    b.ok("push", REMOTE)
    (a.folder / ".balintbib" / "sync" / f"{REMOTE}.json").unlink()
    result = a.run("pull", REMOTE)
    assert result.exit_code == 3, result.output
    conflicts = a.json("status", REMOTE, "--offline", code=3)["conflicts"]
    assert [(c["key"], c["fields"]) for c in conflicts] == [("balint1955doctor", ["volume"])]
    a.ok("resolve", "balint1955doctor", "--theirs")
    assert a.json("sync", REMOTE)["push"]["updated"] == []


def test_the_society_library_round_trips_through_the_group(zserver, tmp_path):
    import shutil

    import pytest

    from _paths import LIBRARY

    source = LIBRARY / "balint.bib"
    if not source.exists():
        pytest.skip("library/balint.bib not in this checkout")
    a, b = Librarian(tmp_path / "a"), Librarian(tmp_path / "b")
    shutil.copy(source, a.folder / "balint.bib")
    out = a.json("sync", REMOTE)
    count = len(a.library().references)
    assert len(out["push"]["created"]) == count == len(zserver.zgroup.docs())
    assert len(b.json("pull", REMOTE)["added"]) == count
    ours = {r.remote_ids[REMOTE]: r for r in a.library().references}
    for ref in b.library().references:
        mine = ours[ref.remote_ids[REMOTE]]
        assert ref.key == mine.key and ref.type == mine.type
        same = {k: v for k, v in mine.fields.items() if k != "annotation"}
        assert {k: v for k, v in ref.fields.items() if k != "annotation"} == same, ref.key
        assert ref.annotation == mine.annotation
    assert a.json("sync", REMOTE)["push"]["updated"] == []


def test_remote_delete_for_good_vs_local_edit_sends_it_again(zserver, tmp_path):
    a, _ = two_librarians(tmp_path, ARTICLE, BOOK)
    zserver.zgroup.delete(a.remote_id("salinsky2001work"))
    a.edit("salinsky2001work", edition="2")
    assert a.run("pull", REMOTE).exit_code == 3
    a.ok("resolve", "salinsky2001work", "--ours")
    out = a.json("push", REMOTE)
    assert out["created"] == ["salinsky2001work"]
    assert sorted(d["edition"] for d in zserver.zgroup.docs() if d["itemType"] == "book") == ["2"]


def test_deletion_log_too_short_turns_the_pull_into_a_full_one(zserver, tmp_path):
    a, _ = two_librarians(tmp_path, ARTICLE, BOOK)
    zserver.zgroup.delete(a.remote_id("salinsky2001work"))
    zserver.faults.deleted_409 = True  # the server no longer has the log back to our cursor
    out = a.json("pull", REMOTE)
    assert out["removed"] == ["salinsky2001work"]


def test_push_finds_the_group_copy_and_its_note_instead_of_creating(zserver, tmp_path):
    from balintbib.formats.zotero import note_html

    item = zserver.zgroup.add({"itemType": "journalArticle", "title": "The doctor, his patient, and the illness",
                               "date": "1955", "DOI": "10.1016/S0140-6736(55)91061-8",
                               "creators": [{"creatorType": "author", "firstName": "Michael", "lastName": "Balint"}]})
    zserver.zgroup.add({"itemType": "note", "key": annotation_key(item["key"]), "parentItem": item["key"],
                        "note": note_html("Read first.")})
    a = Librarian(tmp_path / "a")
    a.add(ARTICLE.replace("year = {1955},", "year = {1955},\n  annotation = {Read first.},"))
    out = a.json("push", REMOTE)
    assert out["linked"] == ["balint1955doctor"] and out["created"] == []
    assert a.remote_id("balint1955doctor") == item["key"]
    assert len(zserver.zgroup.docs()) == 1 and len(zserver.zgroup.notes()) == 1
    assert a.json("sync", REMOTE)["push"]["updated"] == []


def test_errors_are_one_line(zserver, tmp_path):
    a = Librarian(tmp_path / "a")
    a.add(ARTICLE)
    from click.testing import CliRunner

    from balintbib.cli import cli

    result = CliRunner().invoke(cli, ["remote", "add", "bad", "zotero", "--group", "not-a-number"])
    assert result.exit_code == 1 and "a Zotero group id is a number" in result.output
    result = CliRunner().invoke(cli, ["remote", "add", "insecure", "zotero", "--group", "1",
                                      "--api-url", "http://example.org"])
    assert result.exit_code == 1 and "https" in result.output
    zserver.stop()
    result = a.run("push", REMOTE)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert len([line for line in result.output.splitlines() if line.strip()]) == 1, result.output
    assert a.ref("balint1955doctor") is not None


def test_push_refuses_a_library_with_a_broken_entry(zserver, tmp_path):
    a, _ = two_librarians(tmp_path, ARTICLE, BOOK)
    path = a.folder / "library.bib"
    path.write_text(path.read_text().replace("title = {Balint groups and the Balint method},",
                                             "title = {Balint groups and,"))
    result = a.run("push", REMOTE)
    assert result.exit_code == 1 and "not pushing" in result.output
    assert len(zserver.zgroup.docs()) == 2


def test_login_checks_the_key_and_stores_it_unprinted(zserver, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from balintbib.cli import cli

    monkeypatch.delenv("BALINTBIB_ZOTERO_KEY")
    key = zserver.info["key"]
    result = CliRunner().invoke(cli, ["login", REMOTE], input="wrong-key\n")
    assert result.exit_code == 1 and "Invalid key" in result.output
    other = zserver.state.add_group("Another group", zserver.state.add_user("x"))
    stranger = zserver.state.add_key(zserver.state.add_user("y"), {other.id: True})
    result = CliRunner().invoke(cli, ["login", REMOTE], input=stranger + "\n")
    assert result.exit_code == 1 and "no access to Zotero group" in result.output
    reader = zserver.state.add_key(zserver.state.add_user("r"), {zserver.info["group_id"]: False})
    result = CliRunner().invoke(cli, ["login", REMOTE], input=reader + "\n")
    assert result.exit_code == 0 and "read only" in result.output and reader not in result.output
    result = CliRunner().invoke(cli, ["login", REMOTE], input=key + "\n")
    assert result.exit_code == 0 and "can read and write group" in result.output and key not in result.output
    a = Librarian(tmp_path / "a")
    a.add(ARTICLE)
    a.ok("push", REMOTE)  # with the stored key
    assert len(zserver.zgroup.docs()) == 1
    stored = list((tmp_path.parent.glob("**/tokens/society.json")))
    assert all(oct(p.stat().st_mode)[-3:] == "600" for p in stored)


def test_key_revoked_in_the_middle_of_a_push_then_a_new_key_finishes_it(zserver, tmp_path, monkeypatch):
    from sync_support import TriggerCounter

    a, _ = two_librarians(tmp_path, ARTICLE)
    for i in range(120):  # three create batches, so the key goes between two of them
        a.add(BOOK.replace("salinsky2001work", f"salinsky2001work{i}").replace("the Balint method",
                                                                                f"the Balint method {i}"))
    a.edit("balint1955doctor", volume="5")
    counts = TriggerCounter()
    zserver.counts = counts
    counts.at = 4  # the listing, the update, one batch of creates; then the key is gone
    counts.trigger = lambda: zserver.state.revoke(zserver.info["key"])
    result = a.run("push", REMOTE)
    assert result.exit_code == 1 and "Invalid key" in result.output
    assert len([line for line in result.output.splitlines() if line.strip()]) == 1
    assert zserver.info["key"] not in result.output
    created = len(zserver.zgroup.docs()) - 1
    assert 0 < created < 120  # stopped in the middle
    user = zserver.state.users[zserver.info["user_id"]]
    monkeypatch.setenv("BALINTBIB_ZOTERO_KEY", zserver.state.add_key(user, {zserver.info["group_id"]: True}))
    out = a.json("sync", REMOTE)
    assert len(out["push"]["created"]) == 120 - created
    titles = [d["title"] for d in zserver.zgroup.docs()]
    assert len(titles) == len(set(titles)) == 121
    assert zserver.zgroup.by_title()["The doctor, his patient, and the illness"]["volume"] == "5"
    assert all(r.remote_ids.get(REMOTE) for r in a.library().references)


def test_annotation_note_deleted_or_trashed_in_zotero(zserver, tmp_path):
    a, _ = two_librarians(tmp_path, ARTICLE.replace("year = {1955},", "year = {1955},\n  annotation = {Classic paper.},"),
                          BOOK.replace("year = {2001},", "year = {2001},\n  annotation = {Read in week one.},"))
    art, book = a.remote_id("balint1955doctor"), a.remote_id("salinsky2001work")
    zserver.zgroup.delete(annotation_key(art))
    zserver.zgroup.trash(annotation_key(book))
    out = a.json("pull", REMOTE)
    assert sorted(out["updated"]) == ["balint1955doctor", "salinsky2001work"]
    assert a.ref("balint1955doctor").annotation == "" and a.ref("salinsky2001work").annotation == ""
    assert a.ref("balint1955doctor").get("volume") == "265"  # nothing else touched
    # Written again here: a note under the same key (the trashed one comes back).
    a.edit("salinsky2001work", annotation="Read in week two.")
    a.ok("sync", REMOTE)
    assert zserver.zgroup.notes()[book] == "Read in week two."


def test_a_malformed_item_is_reported_and_does_not_stop_the_pull(zserver, tmp_path):
    group = zserver.zgroup
    group.add({"itemType": "book", "title": "Bad\x00 title {unbalanced", "tags": [{"tag": "a\x01b"}],
               "creators": [{"creatorType": "author", "lastName": "Otten", "firstName": "}"}],
               "url": "http://example.org/{", "extra": 'balintbib: {"fields": {"bad field": ["x", false, null]}}'})
    group.add({"itemType": "book", "title": "Fine"})
    a = Librarian(tmp_path / "a")
    result = a.run("pull", REMOTE, "--json")
    assert result.exit_code == 0, result.output
    import json

    out = json.loads(result.stdout)
    assert len(out["added"]) == 2
    assert any("control character(s) removed" in p for p in out["problems"])
    assert any("'bad field' is not a BibTeX field name" in p for p in out["problems"])
    lib = a.library()  # written and read back
    bad = next(r for r in lib.references if r.title.startswith("Bad"))
    assert bad.title == "Bad title {unbalanced" and bad.tags == ["ab"] and bad.text("url") == "http://example.org/{"
