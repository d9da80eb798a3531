"""Issue 13 points 3, 10, 14 and issue 12 point 7: the sync commands as a newcomer meets them."""

from __future__ import annotations

from click.testing import CliRunner

from balintbib.cli import cli

from sync_support import ARTICLE, BOOK, REMOTE, Librarian, two_librarians, group_client, group_documents, server  # noqa: F401

def conflict(tmp_path):
    a, b = two_librarians(tmp_path, ARTICLE, remote=None)
    b.edit("balint1955doctor", title="The doctor, his patient and the illness")
    b.ok("push")
    a.edit("balint1955doctor", title="The Doctor, His Patient, and the Illness")
    return a, b


def test_point3_the_only_remote_needs_no_name(server, tmp_path):
    a, b = two_librarians(tmp_path, ARTICLE, remote=None)  # sync and pull without NAME
    assert a.ref("balint1955doctor").remote_ids[REMOTE]
    assert b.ref("balint1955doctor").remote_ids[REMOTE] == a.remote_id("balint1955doctor")
    assert "Remote society" in a.ok("status").output
    assert a.json("push")["created"] == []
    groups = CliRunner().invoke(cli, ["groups"])
    assert groups.exit_code == 0 and "*" in groups.output


def test_point3_several_remotes_must_be_named(server, tmp_path):
    added = CliRunner().invoke(cli, ["remote", "add", "other", "mendeley", "--group", "g2", "--api-url", server.url])
    assert added.exit_code == 0
    a = Librarian(tmp_path / "a")
    a.add(ARTICLE)
    result = a.run("pull")
    assert result.exit_code == 2
    assert "several remotes (other, society): name one" in result.output
    assert "Traceback" not in result.output
    assert a.run("pull", REMOTE).exit_code == 0


def test_point3_no_remote_says_how_to_add_one(tmp_path):
    a = Librarian(tmp_path / "a")
    a.add(ARTICLE)
    result = a.run("pull")
    assert result.exit_code == 1
    assert result.output.strip() == ("Error: no remote yet: add one with "
                                     "balintbib remote add NAME mendeley --group GROUP_ID")


def test_point10_quiet_pull_still_prints_the_conflicts(server, tmp_path):
    a, _ = conflict(tmp_path)
    result = a.run("pull", "-q")
    assert result.exit_code == 3
    assert "both sides changed title" in result.stderr
    assert "balintbib resolve KEY" in result.stderr
    assert "Pulled from" not in result.output  # quiet hides the summary


def test_point10_resolve_theirs_does_not_ask_for_a_push_when_nothing_is_left(server, tmp_path):
    a, _ = conflict(tmp_path)
    assert a.run("pull").exit_code == 3
    out = a.ok("resolve", "balint1955doctor", "--theirs").output
    assert "Run `balintbib push" not in out and "run `balintbib push" not in out
    assert "nothing to push" in out
    assert a.json("status")["local_changes"] == []


def test_point10_resolve_ours_says_to_push(server, tmp_path):
    a, _ = conflict(tmp_path)
    assert a.run("pull").exit_code == 3
    out = a.ok("resolve", "balint1955doctor", "--ours").output
    assert "run `balintbib push society`" in out


def test_issue12_point7_contradictory_resolve_flags_are_a_usage_error(server, tmp_path):
    a, _ = conflict(tmp_path)
    assert a.run("pull").exit_code == 3
    before = (a.folder / "library.bib").read_text()
    state_before = a.state()
    result = a.run("resolve", "balint1955doctor", "--ours", "--theirs")
    assert result.exit_code == 2
    assert "--ours and --theirs contradict each other" in result.output
    assert "Resolved" not in result.output
    assert (a.folder / "library.bib").read_text() == before
    assert a.state() == state_before


def test_point10_status_right_after_a_pull_shows_no_group_changes(server, tmp_path):
    a, b = two_librarians(tmp_path, ARTICLE, remote=None)
    b.add(BOOK)
    b.edit("balint1955doctor", volume="266")
    b.ok("push")
    assert a.json("status")["remote_changes"]["new"] == 1
    a.ok("pull")
    assert a.json("status")["remote_changes"] == {"changed": 0, "new": 0, "deleted": 0}


def test_point10_a_push_that_sent_nothing_does_not_move_last_push(server, tmp_path):
    a, _ = two_librarians(tmp_path, ARTICLE, remote=None)
    state_file = a.folder / ".balintbib" / "sync" / f"{REMOTE}.json"
    import json
    state = json.loads(state_file.read_text())
    state["last_push"] = before = "2020-01-01T00:00:00.000Z"
    state_file.write_text(json.dumps(state))
    out = a.json("push")
    assert out["created"] == [] and out["updated"] == []
    assert a.json("status")["last_push"] == before


def test_point14_pull_keeps_the_library_normalized(server, tmp_path):
    a, b = two_librarians(tmp_path, ARTICLE, BOOK, remote=None)
    b.ok("normalize")
    assert b.run("normalize", "--check").exit_code == 0
    group = group_client(server)
    group.create({"title": "Leading Balint groups", "type": "book", "year": 2015,
                  "authors": [{"first_name": "Andrew", "last_name": "Elder"}], "pages": "1-20"})
    ident = b.remote_id("balint1955doctor")
    doc = next(d for d in group_documents(server) if d["id"] == ident)
    group.update(ident, {"pages": "683-690"}, doc["last_modified"].isoformat())
    pulled = b.json("pull")
    assert len(pulled["added"]) == 1 and pulled["updated"] == ["balint1955doctor"]
    check = b.run("normalize", "--check")
    assert check.exit_code == 0, check.output
    keys = [r.key for r in b.library().references]
    assert keys == sorted(keys)  # in the library's order, not appended at the end


def test_point14_resolve_theirs_keeps_the_library_normalized(server, tmp_path):
    a, b = two_librarians(tmp_path, ARTICLE, remote=None)
    a.ok("normalize")
    ident = a.remote_id("balint1955doctor")
    doc = next(d for d in group_documents(server) if d["id"] == ident)
    group_client(server).update(ident, {"pages": "683-699"}, doc["last_modified"].isoformat())
    a.edit("balint1955doctor", pages="683--690")
    assert a.run("pull").exit_code == 3
    assert a.run("normalize", "--check").exit_code == 0
    a.ok("resolve", "balint1955doctor", "--theirs")
    assert a.ref("balint1955doctor").get("pages") == "683--699"
    check = a.run("normalize", "--check")
    assert check.exit_code == 0, check.output


def test_point10_status_after_a_pull_that_opened_a_conflict_shows_no_group_changes(server, tmp_path):
    a, _ = conflict(tmp_path)
    assert a.run("pull").exit_code == 3
    # the last agreed version is older than the group's (as it is unless all this happens in one second)
    import json
    state_file = a.folder / ".balintbib" / "sync" / f"{REMOTE}.json"
    state = json.loads(state_file.read_text())
    for doc in state["docs"].values():
        doc["version"] = "2020-01-01T00:00:00.000Z"
    state_file.write_text(json.dumps(state))
    status = a.json("status", code=3)
    assert status["remote_changes"] == {"changed": 0, "new": 0, "deleted": 0}
    assert [c["key"] for c in status["conflicts"]] == ["balint1955doctor"]
