"""pull / push / sync / status / resolve between library folders and the Zotero test server:
what is Zotero's own (412 per object, child notes, keys, the deletion log).  The scenarios
that hold for any remote run against both in tests/test_sync_scenarios.py."""

from __future__ import annotations

from balintbib.formats.zotero import annotation_key

from sync_support import ARTICLE, BOOK, Librarian, two_librarians
from zotero_support import REMOTE, zserver  # noqa: F401


def test_revoked_key_mid_sync_is_one_line_and_loses_nothing(zserver, tmp_path):
    a, _ = two_librarians(tmp_path, ARTICLE)
    a.edit("balint1955doctor", volume="5")
    a.add(BOOK)
    zserver.state.revoke(zserver.info["key"])
    result = a.run("sync", REMOTE)
    assert result.exit_code == 1 and "Invalid key" in result.output and "Traceback" not in result.output
    assert zserver.info["key"] not in result.output
    assert a.ref("balint1955doctor").get("volume") == "5" and a.ref("salinsky2001work") is not None


def test_deletion_log_too_short_turns_the_pull_into_a_full_one(zserver, tmp_path):
    a, _ = two_librarians(tmp_path, ARTICLE, BOOK)
    zserver.zgroup.delete(a.remote_id("salinsky2001work"))
    zserver.faults.deleted_409 = True  # the server no longer has the log back to our cursor
    out = a.json("pull", REMOTE)
    assert out["removed"] == ["salinsky2001work"]


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
